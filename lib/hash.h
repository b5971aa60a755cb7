/* hash: FNV-1a, the one non-cryptographic hash of kplane's in-memory tables (bucket choice
 * only: nothing trusts it against collisions; what must, compares the keys). */
#ifndef KP_HASH_H
#define KP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define KP_HASH_INIT 1469598103934665603ULL

/* h with n bytes at p folded in. */
static inline uint64_t kp_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* h with the string s folded in, then a separator, so ("ab","c") and ("a","bc") differ. */
static inline uint64_t kp_hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

#endif
