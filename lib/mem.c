#include "lib/common.h"

#include <stdarg.h>
#include <unistd.h>

KP_NORETURN static void mem_oom(size_t n)
{
    char msg[128];
    int len = snprintf(msg, sizeof(msg),
                       "level=error mod=mem msg=\"out of memory allocating %zu bytes\"\n", n);
    if (len > 0 && write(2, msg, (size_t)len) < 0) {
        /* nothing more to do: we abort next */
    }
    abort();
}

void *kp_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_oom(n);
    return p;
}

void *kp_calloc(size_t nmemb, size_t size)
{
    void *p;
    if (size && nmemb > SIZE_MAX / size)
        mem_oom(SIZE_MAX);
    p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        mem_oom(nmemb * size);
    return p;
}

void *kp_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_oom(n);
    return q;
}

char *kp_strdup(const char *s)
{
    return s ? kp_strndup(s, strlen(s)) : NULL;
}

char *kp_strndup(const char *s, size_t len)
{
    char *p = kp_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *kp_asprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *p;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        mem_oom(0);
    p = kp_malloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}
