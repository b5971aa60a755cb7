/* mem: allocation wrappers that never return NULL: on exhaustion they log and abort(), as
 * Redis's zmalloc and git's xmalloc. Callers never test their result. */
#ifndef KP_MEM_H
#define KP_MEM_H

#include <stddef.h>

/* owned, free with free() */
void *kp_malloc(size_t n);
/* owned, free with free(); checks nmemb * size for overflow */
void *kp_calloc(size_t nmemb, size_t size);
/* owned, free with free() */
void *kp_realloc(void *p, size_t n);
/* owned, free with free(); NULL in, NULL out */
char *kp_strdup(const char *s);
/* owned, free with free(); copies len bytes and adds a NUL */
char *kp_strndup(const char *s, size_t len);
/* owned, free with free() */
char *kp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
