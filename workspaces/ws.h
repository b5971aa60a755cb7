/* ws: the workspace tree. Paths ("root", "root:org:team") name workspaces; each workspace
 * is a logical cluster with a random immutable id, and every stored key carries that id. A
 * Workspace object lives in its parent and holds the id in spec.cluster; the logical cluster
 * holds a LogicalCluster object "cluster" naming its path, so /clusters/<id>/ resolves too.
 * Resolution is cached (bounded, forgotten on deletion). Initialization and deletion run
 * through the API (kp_client) as "system:kplane:workspaces". Any thread may call it. */
#ifndef KP_WS_H
#define KP_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "apiserver/client.h"
#include "apiserver/store.h"

#define KP_WS_ID_LEN 16     /* base36 characters of a logical cluster id */
#define KP_WS_PATH_MAX 1024 /* "root:a:b:..." */
#define KP_WS_ROOT "root"
#define KP_WS_GROUP "tenancy.kplane.io"
#define KP_WS_USER "system:kplane:workspaces"

typedef struct kp_ws kp_ws;

/* owned, free with kp_ws_free() */
kp_ws *kp_ws_new(kp_store *st, const char *server_base /* "https://127.0.0.1:6443" */);
void kp_ws_free(kp_ws *ws);
/* The client initialization and deletion call the API with; set once, before serving. */
void kp_ws_set_client(kp_ws *ws, kp_client *c);
/* Creates what the root workspace holds from the start when missing. */
int kp_ws_bootstrap(kp_ws *ws);

/* Resolves a path or a logical cluster id into the cluster id and the canonical path.
 * KP_ENOTFOUND (naming the path) when there is no such workspace; KP_EBADREQUEST for a
 * malformed path. It also hands the workspace's quota to the store (kp_store_set_limits),
 * which refuses writes past it with 403: each field of the Workspace's spec.quota
 * {maxObjects, maxBytes}, else of its WorkspaceType's spec.defaultQuota, else the store's
 * default; root is unlimited; 0 means unlimited. The limits are cached with the resolution
 * and read again after 10 s, so a changed quota applies within 10 s (at once with
 * kp_ws_observe). */
int kp_ws_resolve(kp_ws *ws, const char *path_or_id, char cluster[KP_WS_ID_LEN + 8],
                  char path[KP_WS_PATH_MAX]);
/* Committed events (the store's subscriber, on the writer thread; it only takes the tree's
 * lock briefly; ws may be NULL): a Workspace whose spec.quota changed, or any WorkspaceType
 * change, makes the affected limits be read again on the next request instead of after the
 * 10 s (a request that read the old quota while the change committed may still register it;
 * the 10 s bound holds). */
void kp_ws_observe(kp_ws *ws, const kp_store_event *evs, size_t n);

/* Admission of a Workspace create in the workspace at parent_path: checks the name and type,
 * assigns spec.cluster, records the owner, sets status (phase Scheduling, URL). */
int kp_ws_admit_create(kp_ws *ws, json_t *obj, const char *parent_path, const char *user,
                       const char *const *groups, size_t ngroups);
/* Admission of a Workspace update: spec.cluster and spec.type never change (kept when the
 * update omits them, 422 when it changes them). */
int kp_ws_admit_update(kp_ws *ws, const json_t *old, json_t *obj);
/* After the create committed: Initializing, the initial content, Ready. */
int kp_ws_initialize(kp_ws *ws, const char *parent_path, const json_t *wsobj);
/* Before the Workspace object goes: its children (through the API) and every object of its
 * logical cluster (one statement), then its cached resolutions. */
int kp_ws_delete_contents(kp_ws *ws, const char *parent_path, const json_t *wsobj);

#endif
