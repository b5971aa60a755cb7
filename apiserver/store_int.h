/* store_int: private to the store module (store.c: schema, writer, limits; store_read.c: the
 * read pool and every read). The only header besides them that sees libpq. */
#ifndef KP_STORE_INT_H
#define KP_STORE_INT_H

#include "apiserver/store.h"
#include "apiserver/store_cache.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#define STORE_LIMIT_BUCKETS 4096

#define SQL_OBJ_KEY "cluster = $1 AND resource = $2 AND namespace = $3 AND name = $4"
#define SQL_EVENT_COLS "rv, type, cluster, resource, namespace, name, value"
#define SQL_OBJ_ROW "rv, 0, cluster, resource, namespace, name, value"
#define SQL_MAX_RV                                                                                 \
    "SELECT greatest((SELECT coalesce(max(rv), 0) FROM events),"                                   \
    " (SELECT coalesce(max(rv), 0) FROM objects))"
#define SQL_FLOOR "SELECT floor_rv FROM kplane_compaction"

typedef enum { MUT_CREATE, MUT_UPDATE, MUT_DELETE, MUT_DELETE_ALL } mut_op;

/* The limits of one logical cluster; a negative field means the store's default. */
typedef struct lim_entry {
    struct lim_entry *next;
    int64_t max_objects, max_bytes;
    char cluster[];
} lim_entry;

typedef struct mutation {
    struct mutation *next;
    mut_op op;
    const kp_key *key;
    json_t *obj;        /* borrowed from the waiting caller; the writer sets its resourceVersion */
    const json_t *prev; /* kp_store_replace: the object replaced */
    int64_t expect_rv;
    int64_t len; /* the writer's: the stored text's size */
    char *text;  /* the writer's: the stored text, kept for the subscriber and the
                    caller (who frees it) */
    char *pre;   /* the caller's thread serialized obj with st->rv_mark in place of
                    its resourceVersion at pre_mark: the writer only splices it in */
    size_t pre_len, pre_mark;
    bool spare_finalized; /* MUT_DELETE_ALL: objects with finalizers stay */
    /* results, written by the writer before done is set */
    int rc;
    char errmsg[512];
    json_t *result;
    int64_t rv;
    kp_store_event *bulk; /* MUT_DELETE_ALL: its events, in rv order */
    size_t nbulk;
    sem_t done; /* posted by the writer when the results are in: then m is the caller's */
} mutation;

struct kp_store {
    char *conninfo;
    /* read pool */
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    PGconn **pool; /* guarded by pool_mu */
    size_t pool_free, pool_size;
    /* writer */
    pthread_t writer;
    bool writer_started;
    PGconn *wconn; /* writer thread only */
    pthread_mutex_t mu;
    pthread_cond_t queue_cv;
    size_t nqueued;        /* guarded by mu: mutations in head..tail */
    atomic_int expected;   /* writes announced (kp_store_write_expected) and not yet queued */
    mutation *head, *tail; /* guarded by mu */
    bool stopping;         /* guarded by mu */
    int64_t next_rv;       /* writer thread only */
    char rv_mark[40];      /* "kprv-<random hex>": no client can know it, so no user text
                              holds it */
    bool rv_uncertain;     /* writer thread only: the last batch may have committed */
    int64_t committed_rv;  /* guarded by mu */
    kp_store_stats stats;  /* guarded by mu */
    kp_store_sub_fn sub;
    void *sub_arg;
    /* quotas: clusters absent from the map have the defaults, never "unlimited" unless the
     * defaults are, so forgetting an entry can only make a cluster's limits the defaults */
    pthread_mutex_t lim_mu;
    int64_t default_max_objects, default_max_bytes; /* guarded by lim_mu */
    lim_entry *lim[STORE_LIMIT_BUCKETS];            /* guarded by lim_mu */
    size_t nlim;                                    /* guarded by lim_mu */
    size_t lim_evict;   /* guarded by lim_mu: the bucket eviction tries next */
    kp_objcache *cache; /* namespaces, read by every namespaced create */
};

/* store.c: what the reads share with the writer */
int store_error(PGconn *c, const PGresult *res, const char *what);
int store_connect(PGconn **out, const char *conninfo);
int store_exec_simple(PGconn *c, const char *sql, const char *what);
bool store_conn_usable(PGconn *c);
int store_query_i64(int64_t *out, PGconn *c, const char *sql);
void store_key_params(const char **p, const kp_key *k);
/* One event from row i of a result with SQL_EVENT_COLS; the strings are copied (free with
 * kp_store_events_free). */
int store_event_row(kp_store_event *e, const PGresult *res, int i);
/* Every row of a result with SQL_EVENT_COLS, in a new array (free with
 * kp_store_events_free); nothing is returned on failure. */
int store_event_rows(kp_store_event **out, size_t *n_out, const PGresult *res);

/* store_read.c: the read pool */
int store_prepare_reads(PGconn *c);
int store_pool_get(PGconn **out, kp_store *st);
void store_pool_put(kp_store *st, PGconn *c);

#endif
