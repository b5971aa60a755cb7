#include "lib/common.h"
#include "lib/arena.h"

#include <stdarg.h>

#define ARENA_BLOCK 8192

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} arena_block;

typedef struct arena_defer {
    struct arena_defer *next;
    void (*fn)(void *);
    void *arg;
} arena_defer;

struct kp_arena {
    arena_block *head;
    arena_defer *defers;
    size_t total;
};

kp_arena *kp_arena_new(void)
{
    return kp_calloc(1, sizeof(kp_arena));
}

void kp_arena_free(kp_arena *a)
{
    if (!a)
        return;
    while (a->defers) {
        arena_defer *d = a->defers;
        a->defers = d->next;
        d->fn(d->arg); /* d itself lives in a block, freed below */
    }
    while (a->head) {
        arena_block *b = a->head;
        a->head = b->next;
        free(b);
    }
    free(a);
}

void *kp_arena_alloc(kp_arena *a, size_t n)
{
    arena_block *b = a->head;
    void *p;

    /* a size near SIZE_MAX would wrap to a tiny block below; no caller means that */
    if (n > SIZE_MAX / 2)
        abort();
    n = (n + 15) & ~(size_t)15;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
        arena_block *nb = kp_malloc(sizeof(arena_block) + size);
        nb->used = 0;
        nb->size = size;
        if (b && n > ARENA_BLOCK / 2) { /* big one-off: keep the current block in front */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *kp_arena_calloc(kp_arena *a, size_t nmemb, size_t size)
{
    void *p;
    if (size && nmemb > SIZE_MAX / size)
        abort();
    p = kp_arena_alloc(a, nmemb * size);
    memset(p, 0, nmemb * size);
    return p;
}

char *kp_arena_strndup(kp_arena *a, const char *s, size_t len)
{
    char *p = kp_arena_alloc(a, len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *kp_arena_strdup(kp_arena *a, const char *s)
{
    return s ? kp_arena_strndup(a, s, strlen(s)) : NULL;
}

char *kp_arena_sv(kp_arena *a, kp_sv v)
{
    return kp_arena_strndup(a, v.p, v.len);
}

char *kp_arena_printf(kp_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *p;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    p = kp_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void kp_arena_defer(kp_arena *a, void (*fn)(void *), void *arg)
{
    arena_defer *d = kp_arena_alloc(a, sizeof(*d));
    d->fn = fn;
    d->arg = arg;
    d->next = a->defers;
    a->defers = d;
}

size_t kp_arena_used(const kp_arena *a)
{
    return a->total;
}
