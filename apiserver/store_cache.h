/* store_cache: the store's read cache of small, hot objects (namespaces: every namespaced
 * create reads its namespace). Private to the store: kp_store_get serves from it, and the
 * writer keeps it current after each commit, before the writing callers are answered, so a
 * client reads its own writes. A read that missed fills the cache only if no write touched the
 * key's bucket since the read began (a stamp), so a slow reader never puts back an old value.
 * Bounded: past max entries a bucket is emptied. Any thread may call it. */
#ifndef KP_STORE_CACHE_H
#define KP_STORE_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "apiserver/store.h"

typedef struct kp_objcache kp_objcache;

kp_objcache *kp_objcache_new(size_t max_entries);
void kp_objcache_free(kp_objcache *oc);
/* Whether objects of this resource are cached. */
bool kp_objcache_wants(const char *resource);
/* 1: *out is a copy of the cached object (owned by the caller; without copy a reference to
 * the cached one, which nobody may change); -1: the key is known not to exist; 0: not cached
 * (*stamp_out is for the fill after the read). */
int kp_objcache_get(json_t **out, kp_objcache *oc, const kp_key *key, uint64_t *stamp_out,
                    bool copy);
/* After a miss: caches obj (copied; NULL: it does not exist) unless the key's bucket changed
 * since stamp. */
void kp_objcache_fill(kp_objcache *oc, const kp_key *key, const json_t *obj, uint64_t stamp);
/* The writer, after commit: obj is the key's new content, NULL when it was deleted. */
void kp_objcache_put(kp_objcache *oc, const kp_key *key, const json_t *obj);
/* Forgets everything (after a batch whose outcome was uncertain). */
void kp_objcache_clear(kp_objcache *oc);

#endif
