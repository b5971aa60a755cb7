/* log: leveled key=value logging. Each event is one line written with a single write(2), so
 * threads never interleave. The macros test the level before evaluating their arguments.
 * Never pass a secret (tokens, keys, Secret data, passwords) to a log call. */
#ifndef KP_LOG_H
#define KP_LOG_H

typedef enum { KP_LEVEL_ERROR = 0, KP_LEVEL_WARN, KP_LEVEL_INFO, KP_LEVEL_DEBUG } kp_level;

extern int kp_log_level_; /* read without a lock: set once in main before threads start */

/* Parses "error", "warn", "info", "debug"; KP_EBADREQUEST otherwise. */
int kp_log_parse_level(kp_level *out, const char *name);
void kp_log_set_level(kp_level level);
/* Sends log lines to fd (default 2). */
void kp_log_set_fd(int fd);
/* mod is the module; the message is quoted and escaped. */
void kp_log_write(kp_level level, const char *mod, const char *fmt, ...) KP_PRINTF(3, 4);
/* Writes a line of pre-formatted key=value fields (the access log). */
void kp_log_fields(kp_level level, const char *mod, const char *fields);

#define KP_LOG_AT(lvl, mod, ...)                                                                   \
    do {                                                                                           \
        if ((int)(lvl) <= kp_log_level_)                                                           \
            kp_log_write((lvl), (mod), __VA_ARGS__);                                               \
    } while (0)
#define KP_LOG_ERROR(mod, ...) KP_LOG_AT(KP_LEVEL_ERROR, mod, __VA_ARGS__)
#define KP_LOG_WARN(mod, ...) KP_LOG_AT(KP_LEVEL_WARN, mod, __VA_ARGS__)
#define KP_LOG_INFO(mod, ...) KP_LOG_AT(KP_LEVEL_INFO, mod, __VA_ARGS__)
#define KP_LOG_DEBUG(mod, ...) KP_LOG_AT(KP_LEVEL_DEBUG, mod, __VA_ARGS__)
#define KP_LOG_ENABLED(lvl) ((int)(lvl) <= kp_log_level_)

#endif
