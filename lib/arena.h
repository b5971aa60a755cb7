/* arena: a region allocator owned by one request (nginx's request pool). Everything
 * allocated from it is freed in one kp_arena_free(); kp_arena_defer() releases other
 * resources with it. Not thread-safe: one arena serves one thread at a time. */
#ifndef KP_ARENA_H
#define KP_ARENA_H

#include <stddef.h>
#include "lib/sv.h"

typedef struct kp_arena kp_arena;

/* owned, free with kp_arena_free() */
kp_arena *kp_arena_new(void);
/* Runs the deferred releases (last registered first) and frees all blocks. NULL is fine. */
void kp_arena_free(kp_arena *a);
/* arena: lives until kp_arena_free(); 16-byte aligned; never NULL */
void *kp_arena_alloc(kp_arena *a, size_t n);
void *kp_arena_calloc(kp_arena *a, size_t nmemb, size_t size);
char *kp_arena_strndup(kp_arena *a, const char *s, size_t len);
char *kp_arena_strdup(kp_arena *a, const char *s);
char *kp_arena_sv(kp_arena *a, kp_sv v);
char *kp_arena_printf(kp_arena *a, const char *fmt, ...) KP_PRINTF(2, 3);
/* Runs fn(arg) when the arena is freed. */
void kp_arena_defer(kp_arena *a, void (*fn)(void *), void *arg);
/* Bytes handed out so far (for tests and metrics). */
size_t kp_arena_used(const kp_arena *a);

#endif
