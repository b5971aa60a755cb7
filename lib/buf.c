#include "lib/common.h"
#include "lib/buf.h"

#include <fcntl.h>
#include <unistd.h>

void kp_buf_init(kp_buf *b, size_t cap)
{
    b->p = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
    b->err = 0;
}

void kp_buf_dispose(kp_buf *b)
{
    if (!b)
        return;
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = 0;
}

void kp_buf_reset(kp_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->p)
        b->p[0] = '\0';
}

static bool buf_grow(kp_buf *b, size_t add)
{
    size_t need, n;

    if (b->err)
        return false;
    if (add > b->cap || b->len > b->cap - add) {
        b->err = KP_ETOOLARGE;
        return false;
    }
    need = b->len + add + 1;
    if (need <= b->alloc)
        return true;
    n = b->alloc ? b->alloc : 64;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    b->p = kp_realloc(b->p, n);
    b->alloc = n;
    return true;
}

void kp_buf_put(kp_buf *b, const void *p, size_t len)
{
    if (!buf_grow(b, len))
        return;
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void kp_buf_puts(kp_buf *b, const char *s)
{
    kp_buf_put(b, s, strlen(s));
}

void kp_buf_putc(kp_buf *b, char c)
{
    kp_buf_put(b, &c, 1);
}

void kp_buf_put_sv(kp_buf *b, kp_sv v)
{
    kp_buf_put(b, v.p, v.len);
}

void kp_buf_vappendf(kp_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    if (b->err)
        return;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = KP_EINTERNAL;
        return;
    }
    if (!buf_grow(b, (size_t)n))
        return;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void kp_buf_appendf(kp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kp_buf_vappendf(b, fmt, ap);
    va_end(ap);
}

int kp_buf_status(const kp_buf *b)
{
    if (b->err == KP_ETOOLARGE)
        return kp_err_set(KP_ETOOLARGE, "content is larger than the limit of %zu bytes", b->cap);
    if (b->err)
        return kp_err_set(b->err, "formatting failed");
    return 0;
}

const char *kp_buf_cstr(const kp_buf *b)
{
    return b->p ? b->p : "";
}

kp_sv kp_buf_sv(const kp_buf *b)
{
    return (kp_sv){kp_buf_cstr(b), b->len};
}

char *kp_buf_take(kp_buf *b, size_t *len_out)
{
    char *p = b->p ? b->p : kp_strdup("");
    if (len_out)
        *len_out = b->len;
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = 0;
    return p;
}

int kp_buf_read_fd(kp_buf *b, int fd)
{
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return kp_err_set(KP_EINTERNAL, "read failed: %s", strerror(errno));
        if (n == 0)
            break;
        kp_buf_put(b, chunk, (size_t)n);
        if (b->err)
            return kp_buf_status(b);
    }
    return 0;
}

int kp_buf_read_file(kp_buf *b, const char *path)
{
    int rc, fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return kp_err_set(KP_ENOTFOUND, "\"%s\" does not exist", path);
        return kp_err_set(KP_EINTERNAL, "cannot open \"%s\": %s", path, strerror(errno));
    }
    rc = kp_buf_read_fd(b, fd);
    close(fd);
    return rc;
}
