/* buf: a growable byte buffer with a cap it always has. Its error is sticky: after a failed
 * append the rest do nothing and kp_buf_status() reports KP_ETOOLARGE, so callers check once
 * at the end (SQLite's StrAccum, curl's dynbuf). It may hold NULs: trust the length. The
 * contents are always NUL-terminated for convenience. */
#ifndef KP_BUF_H
#define KP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "lib/sv.h"

typedef struct {
    char *p;
    size_t len;
    size_t alloc;
    size_t cap;
    int err;
} kp_buf;

#define KP_BUF_INIT(cap_)                                                                          \
    {                                                                                              \
        NULL, 0, 0, (cap_), 0                                                                      \
    }

void kp_buf_init(kp_buf *b, size_t cap);
/* Frees the contents; b can be init'ed again. */
void kp_buf_dispose(kp_buf *b);
void kp_buf_reset(kp_buf *b);
void kp_buf_put(kp_buf *b, const void *p, size_t len);
void kp_buf_puts(kp_buf *b, const char *s);
void kp_buf_putc(kp_buf *b, char c);
void kp_buf_put_sv(kp_buf *b, kp_sv v);
void kp_buf_appendf(kp_buf *b, const char *fmt, ...) KP_PRINTF(2, 3);
void kp_buf_vappendf(kp_buf *b, const char *fmt, va_list ap) KP_PRINTF(2, 0);
/* 0, or KP_ETOOLARGE (with a message) once any append went past the cap. */
int kp_buf_status(const kp_buf *b);
/* Borrowed from b, valid until the next change; never NULL. */
const char *kp_buf_cstr(const kp_buf *b);
kp_sv kp_buf_sv(const kp_buf *b);
/* The bytes are the caller's now (free with free()); b is empty again. Never NULL. */
char *kp_buf_take(kp_buf *b, size_t *len_out);
/* Reads fd to EOF into b; KP_ETOOLARGE past the cap, KP_EINTERNAL on a read error. */
int kp_buf_read_fd(kp_buf *b, int fd);
/* Reads a whole file; KP_ENOTFOUND when it does not exist. */
int kp_buf_read_file(kp_buf *b, const char *path);

#endif
