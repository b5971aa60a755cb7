/* sim: what `kplane cluster-sim` adds to the API server, like KWOK: Node objects with capacity,
 * and an in-process controller that plays kube-controller-manager, the scheduler and the
 * kubelets (Deployments -> ReplicaSets -> Pods, scheduling by requests, pods Running after a
 * delay, workload status, Service endpoints). It learns of changes from the commit stream
 * (kp_sim_observe, on the store's writer thread, only queues), works on a thread of its own
 * and acts only through the API (kp_client). Any thread may call it. */
#ifndef KP_SIM_H
#define KP_SIM_H

#include <stddef.h>
#include <stdint.h>
#include "apiserver/client.h"
#include "apiserver/store.h"

#define KP_SIM_USER "system:kplane:cluster-sim"

typedef struct {
    int nodes;               /* Node objects made at start (default 3) */
    const char *node_prefix; /* names are <prefix>-node-<i> (default "sim") */
    const char *region;      /* topology.kubernetes.io/region (default "local") */
    const char *provider;    /* spec.providerID is <provider>://<region>/<zone>/<name> */
    const char *zones;       /* comma-separated, assigned round robin (default <region>-a) */
    int pod_start_delay_ms;  /* scheduled -> Running (default 500) */
} kp_sim_opts;

typedef struct kp_sim kp_sim;

/* A simulator that queues what kp_sim_observe tells it until kp_sim_start. owned, free with
 * kp_sim_free() (after the store's writer stopped: it may still call kp_sim_observe). */
kp_sim *kp_sim_new(kp_store *st, const kp_sim_opts *o);
/* Creates the nodes that are missing, then works the queue on its own thread, calling the API
 * through client (borrowed; valid until kp_sim_stop). */
int kp_sim_start(kp_sim *s, kp_client *client);
/* Finishes the job at hand and stops the thread. NULL is fine. */
void kp_sim_stop(kp_sim *s);
void kp_sim_free(kp_sim *s);
/* Committed events (on the store's writer thread: takes the simulator's lock briefly). */
void kp_sim_observe(kp_sim *s, const kp_store_event *evs, size_t n);

#endif
