/* sim_int: private to the sim module. sim.c: nodes, lifecycle, the event queue and the
 * worker's cache and indexes; sim_ctrl.c: the workload controllers (Deployment, ReplicaSet,
 * StatefulSet, DaemonSet, Job); sim_pod.c: scheduler, kubelet, Service endpoints, quantities.
 * Everything below "the worker's own" is touched by the worker thread only, so no lock. */
#ifndef KP_SIM_INT_H
#define KP_SIM_INT_H

#include "sync/sim.h"
#include "apiserver/api.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_ROOT "/clusters/root"
#define SIM_CORE SIM_ROOT "/api/v1"
#define SIM_NODE_CPU "8"
#define SIM_NODE_MEMORY "32Gi"
#define SIM_NODE_PODS "110"
#define SIM_INSTANCE_TYPE "sim.8cpu-32gi"
#define SIM_KUBELET_VERSION KP_K8S_GIT_VERSION

/* The kinds the simulation follows; their one-letter codes prefix the keys of sim->dirty. */
typedef enum {
    SK_DEPLOY = 0,
    SK_RS,
    SK_STS,
    SK_DS,
    SK_JOB,
    SK_POD,
    SK_SVC,
    SK_NODE,
    SK_N
} sim_kind;

typedef struct {
    const char *store_key; /* "apps/deployments" */
    const char *api;       /* "/apis/apps/v1" */
    const char *plural;
    const char *kind;
    const char *api_version;
    char code;
} sim_kind_info;

extern const sim_kind_info sim_kinds[SK_N];

typedef struct sim_ev {
    struct sim_ev *next;
    kp_ev_type type;
    sim_kind kind;
    int64_t rv;
    char *ns, *name;
    json_t *obj; /* a reference to the committed object: read only */
} sim_ev;

typedef struct {
    int64_t due_ms;
    char *key; /* a dirty key, "<code>:ns/name" */
} sim_timer;

/* Writes run on a pool of threads, so that many are in flight at once and the store commits
 * them together (group commit); a job's steps run in order. */
#define SIM_WRITERS 16
#define SIM_BATCH 256 /* dirty keys reconciled between two waits for the writes */
#define SIM_JOB_STEPS 2

typedef struct sim_job {
    struct sim_job *next;
    int n;
    const char *method[SIM_JOB_STEPS];
    char *path[SIM_JOB_STEPS];
    json_t *body[SIM_JOB_STEPS];
    char *retry; /* the dirty key to reconcile again when a write conflicts */
    int64_t rv;  /* the newest resourceVersion its answers carried */
    int rc;
    char *msg;
} sim_job;

struct kp_sim {
    kp_store *st;
    kp_sim_opts o; /* strings owned */
    kp_client *client;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sim_ev *head, *tail; /* guarded by mu */
    bool stopping;       /* guarded by mu */
    int64_t observed_rv; /* guarded by mu: the newest event kp_sim_observe was given */
    bool running;
    pthread_t thread;
    /* the writers */
    pthread_mutex_t wmu;
    pthread_cond_t wcv, wdone;
    sim_job *wq_head, *wq_tail, *wdone_list; /* guarded by wmu */
    int inflight;                            /* guarded by wmu */
    bool wstop;                              /* guarded by wmu */
    pthread_t writers[SIM_WRITERS];
    int nwriters;
    /* the worker's own */
    json_t *cache[SK_N]; /* "ns/name" -> object (shared references: never changed) */
    json_t *children;    /* controller uid -> {"<code>:ns/name": true} */
    json_t *ns_pods;     /* namespace -> {name: true} */
    json_t *ns_svcs;     /* namespace -> {name: true} */
    json_t *usage;       /* node -> [cpu milli, memory milli, pods] of its active pods */
    json_t *ips;         /* pod IP -> pod key */
    json_t *unsched;     /* pod key ("ns/name") -> true: Pending, no node fits */
    json_t *dirty;       /* "<code>:ns/name" -> true: to reconcile */
    json_t *due;         /* pod key -> when the kubelet acts (ms, monotonic) */
    json_t *pending;     /* node -> [cpu, memory, pods] bound by this batch's writes */
    json_t *pending_ips; /* pod IPs given out by this batch's writes */
    sim_timer *timers;   /* a min-heap on due_ms */
    size_t ntimers, cap_timers;
};

/* ---- sim.c ---- */
/* "2006-01-02T15:04:05Z" now. */
void sim_now(char out[32]);
int64_t sim_now_ms(void);
int sim_nodes_ensure(kp_sim *s);
/* The cached object, borrowed (valid until the next event is applied), or NULL. */
const json_t *sim_get(const kp_sim *s, sim_kind k, const char *ns, const char *name);
/* Queues (code, ns, name) for reconciling. */
void sim_mark(kp_sim *s, sim_kind k, const char *ns, const char *name);
/* Marks (k, ns, name) for reconciling at due_ms. */
void sim_timer_add(kp_sim *s, int64_t due_ms, sim_kind k, const char *ns, const char *name);
/* Queues a write (method on path with body; path and body consumed) for the writers; retry
 * (may be NULL) is the dirty key reconciled again if it conflicts. Not found counts as done
 * (the object went meanwhile), and so does already exists for a create. */
void sim_write(kp_sim *s, const char *retry, const char *method, char *path, json_t *body);
/* The same with two writes, the second after the first succeeded. */
void sim_write2(kp_sim *s, const char *retry, const char *method, char *path, json_t *body,
                const char *method2, char *path2, json_t *body2);
/* "<code>:ns/name"; owned, free(). */
char *sim_dirty_key(sim_kind k, const char *ns, const char *name);
/* Adds pod's requests to what this batch bound to node. */
void sim_reserve(kp_sim *s, const char *node, const json_t *pod);
/* The controller ownerReference of obj, or NULL. */
const json_t *sim_controller_ref(const json_t *obj);
/* The keys ("<code>:ns/name") of what uid controls, borrowed, or NULL. */
const json_t *sim_children(const kp_sim *s, const char *uid);
/* The path of an object ("/clusters/root/apis/apps/v1/namespaces/ns/deployments/x"), with sub
 * ("status") or without (NULL); name NULL: the collection. owned, free(). */
char *sim_path(sim_kind k, const char *ns, const char *name, const char *sub);
/* Sets status fields of obj by a merge patch of /status when any differs (null removes one);
 * consumes want. */
int sim_set_status(kp_sim *s, sim_kind k, const json_t *obj, json_t *want);
/* A condition of type t; keeps lastTransitionTime (and lastUpdateTime) from the same
 * condition in old when its status is unchanged. new reference. */
json_t *sim_condition(const json_t *old_conds, const char *t, const char *status,
                      const char *reason, const char *message, bool update_time);
int64_t sim_rv_of(const json_t *obj);
bool sim_terminating(const json_t *obj);

/* ---- sim_pod.c ---- */
void sim_reconcile_pod(kp_sim *s, const char *ns, const char *name);
void sim_reconcile_svc(kp_sim *s, const char *ns, const char *name);
/* Whether the pod counts: not Succeeded, Failed or being deleted. */
bool sim_pod_active(const json_t *pod);
bool sim_pod_ready(const json_t *pod);
/* The pod's requests: cpu and memory in milli-units. */
void sim_pod_requests(const json_t *pod, int64_t *cpu_m, int64_t *mem_m);
/* The node for a pod (the scheduler's filter and score, counting this batch's binds), or
 * NULL with the reason in why. Borrowed from the cache. */
const char *sim_sched_pick(kp_sim *s, const json_t *pod, char *why, size_t why_len);
/* A pod from a template, owned by owner (controller); new reference. */
json_t *sim_pod_from_template(const json_t *tmpl, sim_kind owner_kind, const json_t *owner);

/* ---- sim_ctrl.c ---- */
void sim_reconcile_deploy(kp_sim *s, const char *ns, const char *name);
void sim_reconcile_rs(kp_sim *s, const char *ns, const char *name);
void sim_reconcile_sts(kp_sim *s, const char *ns, const char *name);
void sim_reconcile_ds(kp_sim *s, const char *ns, const char *name);
void sim_reconcile_job(kp_sim *s, const char *ns, const char *name);

#endif
