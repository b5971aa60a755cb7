/* syncer: spec down, status up, between kplane's workspaces and downstream clusters. One
 * syncer per Cluster object: a worker thread with its own queue (one slow or dead cluster never
 * stalls another) plus a watch thread per synced resource downstream (and upstream in Pull
 * mode). Upstream is reached through one small interface, kp_sync_conn: the in-process client
 * in Push mode (kplane serve learns of changes from the commit stream, kp_syncer_mgr_observe),
 * HTTPS (list + watch) in Pull mode (kplane syncer). Downstream is always HTTPS with the
 * credentials of a kubeconfig, which never reach a log line. Any thread may call these. */
#ifndef KP_SYNCER_H
#define KP_SYNCER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "apiserver/client.h"
#include "apiserver/store.h"
#include "lib/httpc.h"

/* ---- one side of the sync: in-process client or HTTPS ---- */

typedef struct kp_sync_conn kp_sync_conn;

/* Calls through the in-process client (borrowed; outlives the conn). owned, free with
 * kp_sync_conn_free(). */
kp_sync_conn *kp_sync_conn_client(kp_client *c);
/* HTTPS to the server of a kubeconfig's current context (text, len: the kubeconfig). With
 * host_only, the server URL's path is dropped (paths then start with /clusters/...).
 * KP_EBADREQUEST for a kubeconfig without a usable context; *out owned. */
int kp_sync_conn_kubeconfig(kp_sync_conn **out, const char *text, size_t len, bool host_only);
void kp_sync_conn_free(kp_sync_conn *c);
/* The workspace path of the conn's server URL ("root:org"), NULL when it names none (a plain
 * cluster). Borrowed from c. */
const char *kp_sync_conn_ws(const kp_sync_conn *c);
/* One request: method on path (with query) with body (may be NULL) of content type ct (NULL:
 * JSON). 0 for 2xx; else the code of the answer (KP_ENOTFOUND, KP_ECONFLICT, KP_EUNAVAILABLE
 * for an unreachable server or a 5xx, ...) with its message. *out (may be NULL) gets the
 * answer's JSON, owned, on success only (NULL otherwise). */
int kp_sync_conn_do(json_t **out, kp_sync_conn *c, const char *method, const char *path,
                    const json_t *body, const char *ct);
/* A watch (HTTPS only: KP_EMETHOD for the in-process client): fn gets each line. */
int kp_sync_conn_watch(kp_sync_conn *c, const char *path, kp_httpc_line_fn fn, void *arg,
                       const volatile int *stop);

/* ---- the in-process syncers of kplane serve ---- */

typedef struct {
    int heartbeat_ms;         /* default 10000 */
    int heartbeat_timeout_ms; /* Ready=False after this without a heartbeat; default 40000 */
} kp_sync_opts;

typedef struct kp_syncer_mgr kp_syncer_mgr;

/* owned, free with kp_syncer_mgr_free() (after the store's writer stopped). */
kp_syncer_mgr *kp_syncer_mgr_new(const kp_sync_opts *o);
/* Lists the Clusters of every workspace and starts their syncers; from then on follows the
 * commit stream. client: borrowed, valid until kp_syncer_mgr_stop(). */
int kp_syncer_mgr_start(kp_syncer_mgr *m, kp_client *client);
/* Stops every syncer (each finishes the call at hand). NULL is fine. */
void kp_syncer_mgr_stop(kp_syncer_mgr *m);
void kp_syncer_mgr_free(kp_syncer_mgr *m);
/* Committed events (on the store's writer thread: only queues). */
void kp_syncer_mgr_observe(kp_syncer_mgr *m, const kp_store_event *evs, size_t n);

/* ---- Pull mode: kplane syncer ---- */

/* Runs the syncer of Cluster name (in the workspace the upstream kubeconfig points at) next
 * to the downstream cluster until *stop. */
int kp_syncer_pull_run(const char *upstream_kubeconfig, const char *cluster,
                       const char *downstream_kubeconfig, const kp_sync_opts *o,
                       const volatile int *stop);

#endif
