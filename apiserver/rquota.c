#include "lib/common.h"
#include "apiserver/rquota.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/sv.h"

#include <pthread.h>

#define RQ_BUCKETS 1024
#define RQ_MAX_ENTRIES 16384
#define RQ_RESOURCE "/resourcequotas"

/* The quotas of one (cluster, namespace): their objects, or an empty array for none. */
typedef struct rq_entry {
    struct rq_entry *next;
    json_t *quotas;
    char *cluster, *ns;
} rq_entry;

struct kp_rquota {
    kp_store *st;
    pthread_mutex_t mu;
    rq_entry *b[RQ_BUCKETS];
    uint64_t gen[RQ_BUCKETS]; /* bumped by every change: a read begun before does not fill */
    size_t n;
};

static size_t rq_bucket(const char *cluster, const char *ns)
{
    return (size_t)(kp_hash_str(kp_hash_str(KP_HASH_INIT, cluster), ns) % RQ_BUCKETS);
}

static void rq_entry_free(rq_entry *e)
{
    json_decref(e->quotas);
    free(e->cluster);
    free(e->ns);
    free(e);
}

kp_rquota *kp_rquota_new(kp_store *st)
{
    kp_rquota *rq = kp_calloc(1, sizeof(*rq));
    rq->st = st;
    pthread_mutex_init(&rq->mu, NULL);
    return rq;
}

static void rq_drop_bucket(kp_rquota *rq, size_t b)
{
    while (rq->b[b]) {
        rq_entry *e = rq->b[b];
        rq->b[b] = e->next;
        rq_entry_free(e);
        rq->n--;
    }
    rq->gen[b]++;
}

void kp_rquota_free(kp_rquota *rq)
{
    if (!rq)
        return;
    for (size_t b = 0; b < RQ_BUCKETS; b++)
        rq_drop_bucket(rq, b);
    pthread_mutex_destroy(&rq->mu);
    free(rq);
}

void kp_rquota_observe(kp_rquota *rq, const kp_store_event *evs, size_t n)
{
    if (!rq)
        return;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(evs[i].key.resource, RQ_RESOURCE) != 0)
            continue;
        pthread_mutex_lock(&rq->mu);
        rq_drop_bucket(rq, rq_bucket(evs[i].key.cluster, evs[i].key.ns));
        pthread_mutex_unlock(&rq->mu);
    }
}

/* The quotas of (cluster, ns), a new reference; from the cache or the store. */
static int rq_quotas(json_t **out, kp_rquota *rq, const char *cluster, const char *ns)
{
    size_t b = rq_bucket(cluster, ns);
    kp_store_list_opts o;
    json_t *items = NULL;
    uint64_t gen;
    int64_t rv;
    bool more;
    int rc;

    pthread_mutex_lock(&rq->mu);
    for (rq_entry *e = rq->b[b]; e; e = e->next)
        if (strcmp(e->cluster, cluster) == 0 && strcmp(e->ns, ns) == 0) {
            *out = json_incref(e->quotas);
            pthread_mutex_unlock(&rq->mu);
            return 0;
        }
    gen = rq->gen[b];
    pthread_mutex_unlock(&rq->mu);

    memset(&o, 0, sizeof(o));
    o.cluster = cluster;
    o.resource = RQ_RESOURCE;
    o.ns = ns;
    if ((rc = kp_store_list(&items, &rv, &more, rq->st, &o)) < 0)
        return rc;
    pthread_mutex_lock(&rq->mu);
    if (rq->gen[b] == gen) {
        rq_entry *e = kp_calloc(1, sizeof(*e));
        if (rq->n >= RQ_MAX_ENTRIES) /* full: start over in this bucket */
            rq_drop_bucket(rq, b);
        e->quotas = json_incref(items);
        e->cluster = kp_strdup(cluster);
        e->ns = kp_strdup(ns);
        e->next = rq->b[b];
        rq->b[b] = e;
        rq->n++;
    }
    pthread_mutex_unlock(&rq->mu);
    *out = items;
    return 0;
}

/* A quantity as a whole number: digits with an optional decimal SI suffix (k, M, G, T). */
static bool rq_count(int64_t *out, const char *q)
{
    static const struct {
        char s;
        int64_t m;
    } sfx[] = {{'k', 1000}, {'M', 1000000}, {'G', 1000000000}, {'T', 1000000000000}};
    size_t len = q ? strlen(q) : 0;
    int64_t mult = 1, v;

    if (len == 0)
        return false;
    for (size_t i = 0; i < KP_ARRAY_LEN(sfx); i++)
        if (q[len - 1] == sfx[i].s) {
            mult = sfx[i].m;
            len--;
        }
    if (kp_parse_i64(&v, (kp_sv){q, len}, 0, INT64_MAX / 1000000000000) < 0) {
        kp_err_clear();
        return false;
    }
    *out = v * mult;
    return true;
}

/* Whether a spec.hard key limits the count of resource r. */
static bool rq_key_counts(const char *key, const kp_schema_res *r)
{
    static const char *const core[] = {"pods",
                                       "services",
                                       "secrets",
                                       "configmaps",
                                       "persistentvolumeclaims",
                                       "replicationcontrollers",
                                       "resourcequotas"};
    size_t rl = strlen(r->resource);

    if (strncmp(key, "count/", 6) == 0) {
        key += 6;
        if (strncmp(key, r->resource, rl) != 0)
            return false;
        if (!r->group[0])
            return key[rl] == '\0';
        return key[rl] == '.' && strcmp(key + rl + 1, r->group) == 0;
    }
    if (r->group[0])
        return false;
    for (size_t i = 0; i < KP_ARRAY_LEN(core); i++)
        if (strcmp(key, core[i]) == 0)
            return strcmp(key, r->resource) == 0;
    return false;
}

int kp_rquota_admit(kp_rquota *rq, const char *cluster, const char *ns, const kp_schema_res *r,
                    const char *name)
{
    json_t *quotas = NULL, *q;
    int64_t used = -1;
    size_t i;
    int rc;

    if (!rq || !r->namespaced)
        return 0;
    if ((rc = rq_quotas(&quotas, rq, cluster, ns)) < 0)
        return rc;
    json_array_foreach(quotas, i, q)
    {
        const char *key;
        json_t *v;
        json_object_foreach(kp_json_get(q, "spec.hard"), key, v)
        {
            int64_t limit;
            if (!rq_key_counts(key, r) || !rq_count(&limit, json_string_value(v)))
                continue;
            if (used < 0 && (rc = kp_store_count(&used, rq->st, cluster, r->store_key, ns)) < 0) {
                json_decref(quotas);
                return rc;
            }
            if (used + 1 > limit) {
                rc = kp_err_set(KP_EFORBIDDEN,
                                "%s \"%s\" is forbidden: exceeded quota: %s, requested: %s=1, "
                                "used: %s=%lld, limited: %s=%s",
                                r->resource, name ? name : "", kp_json_get_str(q, "metadata.name"),
                                key, key, (long long)used, key, json_string_value(v));
                json_decref(quotas);
                return rc;
            }
        }
    }
    json_decref(quotas);
    return 0;
}
