#include "lib/common.h"
#include "apiserver/store_cache.h"
#include "lib/hash.h"
#include "lib/mem.h"

#include <pthread.h>

#define OC_BUCKETS 4096

typedef struct oc_entry {
    struct oc_entry *next;
    json_t *obj; /* NULL: known not to exist */
    char *cluster, *resource, *ns, *name;
} oc_entry;

struct kp_objcache {
    pthread_mutex_t mu;
    size_t n, max;
    size_t evict; /* the bucket emptied next when full */
    oc_entry *b[OC_BUCKETS];
    uint64_t stamp[OC_BUCKETS];
};

static size_t oc_bucket(const kp_key *k)
{
    uint64_t h = kp_hash_str(kp_hash_str(KP_HASH_INIT, k->cluster), k->resource);
    return (size_t)(kp_hash_str(kp_hash_str(h, k->ns), k->name) % OC_BUCKETS);
}

static bool oc_is(const oc_entry *e, const kp_key *k)
{
    return strcmp(e->name, k->name) == 0 && strcmp(e->ns, k->ns) == 0 &&
           strcmp(e->cluster, k->cluster) == 0 && strcmp(e->resource, k->resource) == 0;
}

static void oc_entry_free(oc_entry *e)
{
    json_decref(e->obj);
    free(e->cluster);
    free(e->resource);
    free(e->ns);
    free(e->name);
    free(e);
}

kp_objcache *kp_objcache_new(size_t max_entries)
{
    kp_objcache *oc = kp_calloc(1, sizeof(*oc));
    pthread_mutex_init(&oc->mu, NULL);
    oc->max = max_entries;
    return oc;
}

static void oc_drop_bucket(kp_objcache *oc, size_t b)
{
    while (oc->b[b]) {
        oc_entry *e = oc->b[b];
        oc->b[b] = e->next;
        oc_entry_free(e);
        oc->n--;
    }
}

void kp_objcache_clear(kp_objcache *oc)
{
    pthread_mutex_lock(&oc->mu);
    for (size_t b = 0; b < OC_BUCKETS; b++) {
        oc_drop_bucket(oc, b);
        oc->stamp[b]++;
    }
    pthread_mutex_unlock(&oc->mu);
}

void kp_objcache_free(kp_objcache *oc)
{
    if (!oc)
        return;
    kp_objcache_clear(oc);
    pthread_mutex_destroy(&oc->mu);
    free(oc);
}

bool kp_objcache_wants(const char *resource)
{
    /* namespaces: read by every namespaced create; workspace types: by every workspace's */
    return strcmp(resource, "/namespaces") == 0 ||
           strcmp(resource, "tenancy.kplane.io/workspacetypes") == 0;
}

int kp_objcache_get(json_t **out, kp_objcache *oc, const kp_key *key, uint64_t *stamp_out,
                    bool copy)
{
    size_t b = oc_bucket(key);
    json_t *obj = NULL;
    int found = 0;

    pthread_mutex_lock(&oc->mu);
    for (oc_entry *e = oc->b[b]; e; e = e->next)
        if (oc_is(e, key)) {
            obj = json_incref(e->obj);
            found = obj ? 1 : -1;
            break;
        }
    *stamp_out = oc->stamp[b];
    pthread_mutex_unlock(&oc->mu);
    if (found == 1 && !copy) {
        *out = obj;
    } else if (found == 1) {
        *out = json_deep_copy(obj); /* the caller may change its copy; ours is shared */
        json_decref(obj);
    }
    return found;
}

/* Under oc->mu: sets the key's entry (obj NULL: known absent); obj is consumed. */
static void oc_set(kp_objcache *oc, size_t b, const kp_key *key, json_t *obj)
{
    for (oc_entry *e = oc->b[b]; e; e = e->next) {
        if (!oc_is(e, key))
            continue;
        json_decref(e->obj);
        e->obj = obj;
        return;
    }
    if (oc->n >= oc->max) { /* full: empty a bucket, round robin */
        oc_drop_bucket(oc, oc->evict);
        oc->evict = (oc->evict + 1) % OC_BUCKETS;
    }
    {
        oc_entry *e = kp_calloc(1, sizeof(*e));
        e->obj = obj;
        e->cluster = kp_strdup(key->cluster);
        e->resource = kp_strdup(key->resource);
        e->ns = kp_strdup(key->ns);
        e->name = kp_strdup(key->name);
        e->next = oc->b[b];
        oc->b[b] = e;
        oc->n++;
    }
}

void kp_objcache_fill(kp_objcache *oc, const kp_key *key, const json_t *obj, uint64_t stamp)
{
    size_t b = oc_bucket(key);
    json_t *copy = obj ? json_deep_copy(obj) : NULL;

    pthread_mutex_lock(&oc->mu);
    if (oc->stamp[b] == stamp) {
        oc_set(oc, b, key, copy);
        copy = NULL;
    }
    pthread_mutex_unlock(&oc->mu);
    json_decref(copy);
}

void kp_objcache_put(kp_objcache *oc, const kp_key *key, const json_t *obj)
{
    size_t b = oc_bucket(key);
    json_t *copy = obj ? json_deep_copy(obj) : NULL;

    pthread_mutex_lock(&oc->mu);
    oc->stamp[b]++;
    oc_set(oc, b, key, copy);
    pthread_mutex_unlock(&oc->mu);
}
