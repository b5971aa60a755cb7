/* store: the only module that talks to PostgreSQL. Owns the connection pool, the writer
 * thread and all SQL. Objects are keyed by (cluster, resource, namespace, name) and stored as
 * jsonb; every mutation also appends to the event log. resourceVersions are decimal integers
 * assigned by the single writer in commit order; concurrent mutations are batched into one
 * transaction (group commit) with a savepoint each, so one request's failure stays its own.
 * Any thread may call it. */
#ifndef KP_STORE_H
#define KP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "lib/buf.h"

typedef struct kp_store kp_store;

/* An object's key. resource is "<group>/<resource>" ("/namespaces" for the core group);
 * namespace is "" for cluster-scoped objects. Strings are borrowed. */
typedef struct {
    const char *cluster;
    const char *resource;
    const char *ns;
    const char *name;
} kp_key;

typedef enum { KP_EV_ADDED = 1, KP_EV_MODIFIED = 2, KP_EV_DELETED = 3 } kp_ev_type;

/* How a DELETED event came about: one object, or a bulk delete of a namespace's contents or of
 * a whole logical cluster (kp_store_delete_all); the garbage collector needs not look for the
 * dependents of objects that went with everything around them. */
typedef enum { KP_EV_ONE = 0, KP_EV_BULK_NS = 1, KP_EV_BULK_CLUSTER = 2 } kp_ev_bulk;

/* A committed change, handed to the subscriber after commit, in resourceVersion order. */
typedef struct {
    int64_t rv;
    kp_ev_type type;
    kp_key key;
    json_t *obj;      /* the object as stored (for DELETED: as it was, with the delete's rv) */
    json_t *prev;     /* MODIFIED by kp_store_replace: the object before; otherwise NULL */
    const char *text; /* obj as the writer serialized it (valid during the call), or NULL */
    size_t text_len;
    kp_ev_bulk bulk;
} kp_store_event;

typedef void (*kp_store_sub_fn)(void *arg, const kp_store_event *evs, size_t n);

typedef struct {
    const char *conninfo;       /* libpq connection string of the kplane database */
    const char *admin_conninfo; /* when set, the database is created through it if missing */
    int pool_size;              /* read connections (default 8) */
} kp_store_opts;

/* Connects, creates the database when missing, applies migrations, starts the writer.
 * KP_EUNAVAILABLE when the database cannot be reached; KP_EINVALID when it holds a schema
 * newer than this kplane knows. owned, free with kp_store_free(). */
int kp_store_open(kp_store **out, const kp_store_opts *opts);
/* Stops the writer (after the queued mutations) and closes every connection. */
void kp_store_free(kp_store *st);
/* The schema version this build migrates to. */
int kp_store_schema_version(void);
/* 0 when the database answers a query, KP_EUNAVAILABLE otherwise. */
int kp_store_ping(kp_store *st);
/* The newest committed resourceVersion. */
int64_t kp_store_current_rv(kp_store *st);
/* Sets the function that receives committed events (called on the writer thread, after
 * commit; it must not block). Set once, before mutations start. */
void kp_store_subscribe(kp_store *st, kp_store_sub_fn fn, void *arg);

/* Reads one object; *out owned by the caller. KP_ENOTFOUND when absent. */
int kp_store_get(json_t **out, kp_store *st, const kp_key *key);
/* The same for a caller that only reads: *out may be the read cache's own object, which
 * nobody may change (json_decref it when done). */
int kp_store_get_shared(json_t **out, kp_store *st, const kp_key *key);
/* The same, as the stored JSON text appended to out (what a plain GET answers with). */
int kp_store_get_raw(kp_buf *out, kp_store *st, const kp_key *key);

typedef struct {
    const char *cluster; /* NULL: every workspace (key order then starts with the cluster) */
    const char *resource;
    const char *ns;       /* NULL: every namespace */
    const char *after_ns; /* continue after (after_ns, after_name); NULL: from the start */
    const char *after_name;
    size_t limit;              /* 0: no limit */
    const char *after_cluster; /* with cluster NULL: the cluster of the key to continue after */
} kp_store_list_opts;

/* Lists objects in key order. *items_out is a new JSON array owned by the caller; *rv_out is
 * the resourceVersion the list is consistent at; *more_out tells whether objects remain. */
int kp_store_list(json_t **items_out, int64_t *rv_out, bool *more_out, kp_store *st,
                  const kp_store_list_opts *o);
/* One listed object as stored: its JSON text (NUL-terminated, valid only during the call) and
 * its key's cluster, namespace and name. A negative return stops the listing with it. */
typedef int (*kp_store_row_fn)(void *arg, const char *json, size_t len, const char *cluster,
                               const char *ns, const char *name);
/* kp_store_list without building the items: fn sees each row as the database streams it (one
 * row in memory at a time), so a large list costs its response and nothing more. */
int kp_store_list_each(int64_t *rv_out, bool *more_out, kp_store *st, const kp_store_list_opts *o,
                       kp_store_row_fn fn, void *arg);
/* Counts objects under (cluster, resource, ns); ns NULL for all. */
int kp_store_count(int64_t *out, kp_store *st, const char *cluster, const char *resource,
                   const char *ns);

/* Creates obj under key. obj is borrowed but changed: its metadata.resourceVersion is set
 * (also when the write fails); *out (may be NULL) gets a new reference to it when it was
 * stored. KP_EEXISTS when the key is taken. */
/* Group commit: a request that is about to write says so on its thread (the first write it
 * queues, or kp_store_write_settled when it ends, takes the word back). The writer, which has
 * something queued, waits a little (bounded) for announced writes, so that they share one
 * commit instead of each paying for its own. */
void kp_store_write_expected(kp_store *st);
void kp_store_write_settled(kp_store *st);

int kp_store_create(json_t **out, kp_store *st, const kp_key *key, json_t *obj);
/* The same, and the object's text as stored (what a create answers with) appended to text. */
int kp_store_create_text(json_t **out, kp_buf *text, kp_store *st, const kp_key *key, json_t *obj);
/* Replaces the object at key. expect_rv > 0: only if its resourceVersion is that
 * (KP_ECONFLICT otherwise). KP_ENOTFOUND when absent. obj is borrowed. */
int kp_store_update(json_t **out, kp_store *st, const kp_key *key, json_t *obj, int64_t expect_rv);
/* Replaces prev (the object as the caller read it) with obj, only if prev's resourceVersion
 * is still current (KP_ECONFLICT otherwise). The MODIFIED event carries prev, so a watcher
 * whose selector the change crosses sees ADDED or DELETED. prev is borrowed. */
int kp_store_replace(json_t **out, kp_store *st, const kp_key *key, json_t *obj,
                     const json_t *prev);
/* Deletes the object at key (expect_rv as for update). *out gets the object as it was. */
int kp_store_delete(json_t **out, kp_store *st, const kp_key *key, int64_t expect_rv);

/* Deletes every object of cluster (ns NULL) or of namespace ns in it, but those of
 * except_resource (NULL: none spared), in one transaction with one DELETED event each.
 * Returns how many, or a negative code. */
int kp_store_delete_all(kp_store *st, const char *cluster, const char *ns,
                        const char *except_resource);
/* Deletes every object of resource (a store key, "<group>/<plural>") in cluster, in every
 * namespace, in one transaction with one DELETED event each (a CRD's objects when it goes).
 * Returns how many, or a negative code. */
int kp_store_delete_resource(kp_store *st, const char *cluster, const char *resource);

/* Like kp_store_delete_all (ns required, nothing spared by resource), but objects with
 * metadata.finalizers stay: a terminating namespace's contents that can go at once. */
int kp_store_delete_unfinalized(kp_store *st, const char *cluster, const char *ns);

/* Reads for the garbage collector and the namespace lifecycle, each one indexed query. The rows
 * come as events (type 0, rv the object's) with their keys; free with kp_store_events_free(). */
typedef enum {
    KP_SCAN_DEPENDENTS = 1, /* objects of cluster whose ownerReferences name the uid arg */
    KP_SCAN_NAMESPACE,      /* every object in namespace arg of cluster */
    KP_SCAN_GC_PENDING,     /* every workspace: objects marked with the foregroundDeletion or
                               orphan finalizer, namespaces being deleted, and objects with an
                               ownerReference whose uid no object of their cluster has (the
                               collector's sweep at start; cluster and arg unused) */
} kp_store_scan_kind;
int kp_store_scan(kp_store_event **out, size_t *n_out, kp_store *st, kp_store_scan_kind kind,
                  const char *cluster, const char *arg);

/* Quotas. The store keeps the exact usage of every logical cluster (objects, and bytes: the
 * sum of the stored objects' JSON lengths), updated in the transaction of each mutation. A
 * create, or an update that grows the object, that would take its cluster past a limit fails
 * with KP_EFORBIDDEN naming the limit, and stores nothing; deletes and shrinking updates are
 * always allowed, also over a limit. */
#define KP_STORE_LIMIT_DEFAULT (-1) /* for kp_store_set_limits: the store's default */
/* Sets the limits of every cluster without limits of its own (0: unlimited, the default until
 * set). Call it after kp_store_open, before serving. (Not a field of kp_store_opts: callers
 * initialize that struct positionally.) */
void kp_store_set_default_limits(kp_store *st, int64_t max_objects, int64_t max_bytes);
/* Sets the limits of cluster: 0 means unlimited, KP_STORE_LIMIT_DEFAULT (any negative value)
 * the store's default, field by field. The store remembers a bounded number of
 * clusters (65536); beyond that it forgets arbitrary ones, which then have the defaults until
 * they are set again, so callers set them again now and then (the workspace tree does on
 * every resolution after its cache entry expired). Cheap: one lock, no I/O. */
void kp_store_set_limits(kp_store *st, const char *cluster, int64_t max_objects, int64_t max_bytes);
/* The usage of cluster as committed (0 and 0 for a cluster without objects). */
int kp_store_usage(int64_t *objects, int64_t *bytes, kp_store *st, const char *cluster);

/* Reads the event log of (cluster, resource) (cluster NULL: of every workspace) for after_rv < rv
 * <= upto_rv, in rv order. KP_EEXPIRED when after_rv is older than the compacted floor. *out is
 * owned by the caller: free with kp_store_events_free(). */
int kp_store_events_since(kp_store_event **out, size_t *n_out, kp_store *st, const char *cluster,
                          const char *resource, int64_t after_rv, int64_t upto_rv);
void kp_store_events_free(kp_store_event *evs, size_t n);
/* Drops events older than max_age_s or beyond the newest max_events (the newest event always
 * stays); *floor_out gets the new floor: resuming from an rv below it is 410 Expired. */
int kp_store_compact(int64_t *floor_out, kp_store *st, int max_age_s, int64_t max_events);

/* Writer statistics for /metrics. */
typedef struct {
    uint64_t batches;
    uint64_t mutations;
    uint64_t commit_us_total;
    uint64_t batch_size_hist[8]; /* 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64-127, 128+ */
    uint64_t quota_rejections;   /* mutations refused with KP_EFORBIDDEN by a quota */
} kp_store_stats;
void kp_store_get_stats(kp_store_stats *out, kp_store *st);

#endif
