/* cluster: the fleet.kplane.io/v1alpha1 Cluster kind (admission: defaults and validation) and
 * the facts the syncer shares with it: the resources it can sync, the labels, annotations and
 * finalizer it uses, the downstream namespace name of a (logical cluster, namespace). Pure
 * functions and read-only tables; any thread may call them. */
#ifndef KP_SYNC_CLUSTER_H
#define KP_SYNC_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define KP_SYNC_GROUP "fleet.kplane.io"
#define KP_SYNC_VERSION "v1alpha1"
#define KP_SYNC_CLUSTER_KEY "fleet.kplane.io/clusters" /* the store's resource key */
#define KP_SYNC_USER "system:kplane:syncer"
/* an object labelled KP_SYNC_LABEL_PREFIX "<cluster>: Sync" goes to that cluster */
#define KP_SYNC_LABEL_PREFIX "state.sync.kplane.io/"
#define KP_SYNC_LABEL_VALUE "Sync"
#define KP_SYNC_FINALIZER "sync.kplane.io/syncer"
/* upstream annotation holding one cluster's downstream status as JSON */
#define KP_SYNC_STATUS_ANN_PREFIX "sync.kplane.io/status-"
#define KP_SYNC_LOCATOR_ANN "sync.kplane.io/namespace-locator"
#define KP_SYNC_FIELD_MANAGER "kplane-syncer"
#define KP_SYNC_NS_PREFIX "kplane-"
#define KP_SYNC_SECRET_KEY "kubeconfig" /* the key of the kubeconfig in its Secret */
#define KP_SYNC_NS_MAX 64

/* A resource the syncer knows how to sync. */
typedef struct {
    const char *name;         /* plural, as in spec.resources: "deployments" */
    const char *group;        /* "" for core */
    const char *version;      /* "v1" */
    const char *kind;         /* "Deployment" */
    const char *store_key;    /* "apps/deployments" */
    bool status;              /* copy status up */
    bool dflt;                /* in the default spec.resources */
    const char *pod_template; /* dotted path of a pod template spec, or NULL */
} kp_sync_res;

/* The table; *n_out gets its length. */
const kp_sync_res *kp_sync_res_all(size_t *n_out);
/* By plural name ("deployments"), or NULL. */
const kp_sync_res *kp_sync_res_find(const char *name);
/* By store key ("apps/deployments"), or NULL. */
const kp_sync_res *kp_sync_res_by_key(const char *store_key);
/* "/api/v1" or "/apis/apps/v1" for r: the API path prefix of its group version. */
const char *kp_sync_res_gv_path(const kp_sync_res *r);

/* Admission of a Cluster (create, update, patch, status): defaults spec.syncMode (Push) and
 * spec.resources (the default set), then validates; KP_EINVALID with one cause per problem and
 * Kubernetes' message ("Cluster.fleet.kplane.io \"x\" is invalid: spec.syncMode: ..."). */
int kp_sync_cluster_admit(json_t *obj);

/* The downstream namespace of namespace ns of logical cluster id: "kplane-" and 13 base36
 * characters of a hash of both; stable and a DNS label. */
void kp_sync_ns_name(char out[KP_SYNC_NS_MAX], const char *cluster_id, const char *ns);

#endif
