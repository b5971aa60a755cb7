#include "lib/common.h"
#include "lib/log.h"
#include "lib/buf.h"
#include "lib/limits.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

int kp_log_level_ = KP_LEVEL_INFO;
static int log_fd = 2;

static const char *const log_names[] = {"error", "warn", "info", "debug"};

int kp_log_parse_level(kp_level *out, const char *name)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(log_names); i++) {
        if (strcmp(name, log_names[i]) == 0) {
            *out = (kp_level)i;
            return 0;
        }
    }
    return kp_err_set(KP_EBADREQUEST, "unknown log level \"%s\" (use error, warn, info or debug)",
                      name);
}

void kp_log_set_level(kp_level level)
{
    kp_log_level_ = (int)level;
}

void kp_log_set_fd(int fd)
{
    log_fd = fd;
}

static void log_prefix(kp_buf *b, kp_level level, const char *mod)
{
    struct timespec ts;
    struct tm tm;
    char when[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    kp_buf_appendf(b, "ts=%s.%03ldZ level=%s mod=%s ", when, ts.tv_nsec / 1000000L,
                   log_names[level], mod);
}

static void log_emit(kp_buf *b)
{
    const char *p;
    size_t len;

    if (b->err) { /* too long: cut it, but keep one line */
        b->err = 0;
        b->len = KP_MIN(b->len, (size_t)KP_LOG_LINE_MAX - 16);
        kp_buf_puts(b, " truncated=1");
    }
    kp_buf_putc(b, '\n');
    p = kp_buf_cstr(b);
    len = b->len;
    while (len) {
        ssize_t n = write(log_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        len -= (size_t)n;
    }
}

/* Appends c escaped, all of it or (past the cap) none: the buffer's error is sticky, so a cut
 * message never ends in half an escape. Control bytes are escaped so that a message carrying
 * client input cannot start a line or move the cursor. */
static void log_escape(kp_buf *b, char c)
{
    char e[4] = {'\\', c, 0, 0};
    size_t n = 2;

    switch (c) {
    case '"':
    case '\\':
        break;
    case '\n':
        e[1] = 'n';
        break;
    case '\r':
        e[1] = 'r';
        break;
    case '\t':
        e[1] = 't';
        break;
    default:
        if ((unsigned char)c >= 0x20 && c != 0x7f) {
            kp_buf_putc(b, c);
            return;
        }
        e[1] = 'x';
        e[2] = "0123456789abcdef"[(unsigned char)c >> 4];
        e[3] = "0123456789abcdef"[c & 0xf];
        n = 4;
    }
    kp_buf_put(b, e, n);
}

void kp_log_write(kp_level level, const char *mod, const char *fmt, ...)
{
    char msg[KP_LOG_LINE_MAX];
    kp_buf b, esc;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kp_buf_init(&b, KP_LOG_LINE_MAX);
    log_prefix(&b, level, mod);
    /* the message gets what the line has left after the prefix, the closing quote and the
     * truncation mark, so a long message is cut inside its quotes and the line stays
     * key=value */
    kp_buf_init(&esc, b.len + 32 < KP_LOG_LINE_MAX ? KP_LOG_LINE_MAX - b.len - 32 : 0);
    for (const char *s = msg; *s; s++)
        log_escape(&esc, *s);
    kp_buf_puts(&b, "msg=\"");
    kp_buf_put(&b, esc.p, esc.len);
    kp_buf_putc(&b, '"');
    if (esc.err)
        kp_buf_puts(&b, " truncated=1");
    log_emit(&b);
    kp_buf_dispose(&esc);
    kp_buf_dispose(&b);
}

void kp_log_fields(kp_level level, const char *mod, const char *fields)
{
    kp_buf b;

    if ((int)level > kp_log_level_)
        return;
    kp_buf_init(&b, KP_LOG_LINE_MAX);
    log_prefix(&b, level, mod);
    kp_buf_puts(&b, fields);
    log_emit(&b);
    kp_buf_dispose(&b);
}
