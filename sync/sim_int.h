/* sim_int: private to the sim module (sim.c: nodes and lifecycle). */
#ifndef KP_SIM_INT_H
#define KP_SIM_INT_H

#include "sync/sim.h"
#include "apiserver/api.h"

#define SIM_CORE "/clusters/root/api/v1"
#define SIM_NODE_CPU "8"
#define SIM_NODE_MEMORY "32Gi"
#define SIM_NODE_PODS "110"
#define SIM_INSTANCE_TYPE "sim.8cpu-32gi"
#define SIM_KUBELET_VERSION KP_K8S_GIT_VERSION

struct kp_sim {
    kp_store *st;
    kp_sim_opts o; /* strings owned */
    kp_client *client;
};

/* "2006-01-02T15:04:05Z" now. */
void sim_now(char out[32]);
int sim_nodes_ensure(kp_sim *s);

#endif
