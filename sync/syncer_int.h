/* syncer_int: private to the syncer (syncer.c: one Cluster's worker; syncer_mgr.c: the
 * in-process manager of kplane serve and the Pull-mode command). */
#ifndef KP_SYNCER_INT_H
#define KP_SYNCER_INT_H

#include "sync/syncer.h"
#include "sync/cluster.h"

typedef struct kp_syncer kp_syncer;

typedef struct {
    kp_sync_conn *up;    /* borrowed; outlives the syncer */
    const char *ws_id;   /* logical cluster id of the Cluster's workspace */
    const char *ws_path; /* and its path ("root:org") */
    const char *name;    /* the Cluster's name */
    bool pull;           /* kplane syncer: upstream listed and watched over HTTPS */
    bool monitor_only;   /* a Pull Cluster seen from kplane serve: only HeartbeatMissed */
    kp_sync_opts opts;
} kp_syncer_cfg;

/* down: the downstream connection (Pull mode; consumed), NULL: from the Cluster's Secret.
 * Strings of cfg are copied. owned, free with kp_syncer_free(). */
kp_syncer *kp_syncer_new(const kp_syncer_cfg *cfg, kp_sync_conn *down);
int kp_syncer_start(kp_syncer *s);
/* Stops its threads (within about a second). NULL is fine. */
void kp_syncer_stop(kp_syncer *s);
void kp_syncer_free(kp_syncer *s);
/* A Cluster went away: its marks (status annotation, and the finalizer where it was the last
 * cluster's) go from every object labelled for it in its workspace tree, so their deletes are
 * not held forever; the downstream copies stay. Call it on a syncer that was not started. */
int kp_syncer_release(kp_syncer *s);
/* Queues an upstream object (any thread; never blocks on I/O), at once or after delay_ms. */
void kp_syncer_push_up(kp_syncer *s, const char *ws_id, const char *store_key, const char *ns,
                       const char *name, int delay_ms);

/* ---- pure helpers on objects (syncer_obj.c) ---- */

/* What the syncer applies downstream for upstream object obj of r: apiVersion, kind, the
 * name, labels and annotations (not kplane's own), spec and the other top-level fields, in
 * namespace dns_ns; no uid, resourceVersion, managedFields, ownerReferences, finalizers or
 * status, no Service cluster IPs. owned. */
json_t *kp_sync_desired(const json_t *obj, const kp_sync_res *r, const char *dns_ns);
/* True when every field of want is in have with the same value (lists: same length, each item
 * a subset): the downstream object carries what was applied, defaults and status besides. */
bool kp_sync_subset(const json_t *want, const json_t *have);
/* The status shown upstream from the clusters' statuses (an array of status objects): one as
 * is; several: integers summed, each condition True only where True everywhere. observedGeneration
 * is the smallest any cluster reports (the syncer translates each into upstream generations),
 * at most generation (the upstream object's) when positive. owned. */
json_t *kp_sync_aggregate(const json_t *statuses, int64_t generation);
/* The ConfigMaps, Secrets and ServiceAccounts a pod template spec refers to: adds
 * "configmaps/<name>", "secrets/<name>", "serviceaccounts/<name>" keys to set (an object). */
void kp_sync_template_refs(json_t *set, const json_t *podspec);
/* The JSON text of v with sorted keys, for comparisons; owned (free()). */
char *kp_sync_dump(const json_t *v);

/* ---- one Cluster's syncer, shared by syncer.c and syncer_hb.c ---- */

#include <pthread.h>
#include <stdint.h>

#define SYNC_RES_MAX 16

typedef enum { ITEM_UP = 1, ITEM_DOWN } item_kind;

typedef struct sync_item {
    struct sync_item *next;
    item_kind kind;
    int attempts;
    int64_t due_ms; /* retries: not before */
    char *key;      /* ITEM_UP: "wsid|store_key|ns|name" */
    char *ws_id, *store_key, *ns, *name;
    /* ITEM_DOWN: a downstream event (type "ADDED", ...; "RELIST": obj is the items array) */
    const kp_sync_res *res;
    char *type;
    json_t *obj;
} sync_item;

typedef struct {
    kp_syncer *s;
    const kp_sync_res *res;
    bool upstream; /* watch upstream (Pull mode) instead of downstream */
    pthread_t thread;
    bool started;
    char *rv; /* watch thread only */
} sync_watch;

struct kp_syncer {
    kp_syncer_cfg cfg; /* strings owned */
    kp_sync_conn *down;
    bool down_given; /* Pull mode: never replaced from a Secret */
    pthread_t thread;
    bool started;
    volatile int stop;
    volatile int wake; /* bumped when the cluster answers again: backoffs end early */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    sync_item *head, *tail; /* guarded by mu */
    sync_item *retry;       /* guarded by mu: items waiting for their due time (backoff) */
    /* guarded by mu: items delayed by SYNC_DELAY_MS, a FIFO, so in due order: a pop looks at
     * its head only, however many wait */
    sync_item *dhead, *dtail;
    json_t *queued; /* guarded by mu: keys of ITEM_UP items queued or retrying */

    /* worker thread only */
    const kp_sync_res *res[SYNC_RES_MAX];
    size_t nres;
    sync_watch watches[2 * SYNC_RES_MAX];
    size_t nwatches;
    json_t *down_cache; /* "store_key|dns|name" -> the downstream object */
    json_t *applied;    /* "wsid|store_key|ns|name" -> the desired object's text last applied */
    json_t *ns_ok;      /* downstream namespaces made, -> {"ws": id, "ns": upstream ns} */
    json_t *ws_paths;   /* logical cluster id -> its path ("" when unknown) */
    json_t *refs_of;    /* workload key -> {ws, ns, dns, refs: the objects that went along} */
    int64_t last_hb_ms; /* last heartbeat that reached the cluster */
    int ready;          /* -1 unknown, 0 False written, 1 True written */
    bool hb_failed;     /* the last heartbeat did not reach the cluster */
    int connect_fails;
    /* after a (re)start, upstream objects wait until each resource's downstream list is in
     * (or failed once), so what is already in sync is compared, not pushed again */
    bool listed[SYNC_RES_MAX];
    size_t lists_pending;
    int64_t lists_deadline_ms;
};

/* CLOCK_MONOTONIC in milliseconds; the wall clock as RFC 3339 ("2026-01-02T03:04:05Z"). */
int64_t syncer_now_ms(void);
void syncer_rfc3339_now(char out[32]);
/* The Cluster object (worker thread). */
int syncer_cluster_get(json_t **out, kp_syncer *s);
/* Probes the cluster and writes the Cluster's status (worker thread). */
void syncer_heartbeat(kp_syncer *s);

#endif
