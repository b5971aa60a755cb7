#include "lib/common.h"
#include "sync/sim.h"
#include "sync/sim_int.h"
#include "lib/json.h"
#include "lib/log.h"

#include <time.h>

/* ---- nodes ---- */

void sim_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The zone of node i: the --zones list round robin. */
static char *sim_zone(const kp_sim_opts *o, int i)
{
    kp_sv in = kp_sv_from(o->zones), f = {"", 0};
    int n = 0;
    while (in.len) {
        kp_sv_cut(&in, ',', &f);
        n++;
    }
    in = kp_sv_from(o->zones);
    for (int k = 0; k <= i % (n ? n : 1) && in.len; k++)
        kp_sv_cut(&in, ',', &f);
    return kp_strndup(f.p, f.len);
}

static json_t *sim_node_object(const kp_sim_opts *o, const char *name, const char *zone, int i)
{
    json_t *node = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}}, s:{s:s, s:s, s:[s]}}", "apiVersion",
        "v1", "kind", "Node", "metadata", "name", name, "labels", "kubernetes.io/hostname", name,
        "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64", "topology.kubernetes.io/region",
        o->region, "topology.kubernetes.io/zone", zone, "node.kubernetes.io/instance-type",
        SIM_INSTANCE_TYPE, "spec", "providerID", "", "podCIDR", "", "podCIDRs", "");
    char *pid = kp_asprintf("%s://%s/%s/%s", o->provider, o->region, zone, name);
    char *cidr = kp_asprintf("10.244.%d.0/24", i % 250);
    json_object_set_new(json_object_get(node, "spec"), "providerID", json_string(pid));
    json_object_set_new(json_object_get(node, "spec"), "podCIDR", json_string(cidr));
    json_array_set_new(kp_json_get(node, "spec.podCIDRs"), 0, json_string(cidr));
    free(pid);
    free(cidr);
    return node;
}

/* k8s: what a kubelet reports, Ready with room for SIM_NODE_* of requests. */
static json_t *sim_node_status(const char *name, int i)
{
    char now[32], ip[32];
    sim_now(now);
    snprintf(ip, sizeof(ip), "10.0.%d.%d", (i / 250) % 250, i % 250 + 2);
#define SIM_COND(t, st, r, m)                                                                      \
    "type", t, "status", st, "reason", r, "message", m, "lastHeartbeatTime", now,                  \
        "lastTransitionTime", now
    return json_pack(
        "{s:{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:["
        "{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s},"
        "{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s}],"
        "s:[{s:s, s:s}, {s:s, s:s}], s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}}",
        "status", "capacity", "cpu", SIM_NODE_CPU, "memory", SIM_NODE_MEMORY, "pods", SIM_NODE_PODS,
        "allocatable", "cpu", SIM_NODE_CPU, "memory", SIM_NODE_MEMORY, "pods", SIM_NODE_PODS,
        "conditions",
        SIM_COND("MemoryPressure", "False", "KubeletHasSufficientMemory",
                 "kubelet has sufficient memory available"),
        SIM_COND("DiskPressure", "False", "KubeletHasNoDiskPressure",
                 "kubelet has no disk pressure"),
        SIM_COND("PIDPressure", "False", "KubeletHasSufficientPID",
                 "kubelet has sufficient PID available"),
        SIM_COND("Ready", "True", "KubeletReady", "kubelet is posting ready status"), "addresses",
        "type", "InternalIP", "address", ip, "type", "Hostname", "address", name, "nodeInfo",
        "architecture", "amd64", "bootID", name, "containerRuntimeVersion", "sim://1.0",
        "kernelVersion", "6.1.0-kplane-sim", "kubeProxyVersion", SIM_KUBELET_VERSION,
        "kubeletVersion", SIM_KUBELET_VERSION, "machineID", name, "operatingSystem", "linux",
        "osImage", "kplane cluster-sim", "systemUUID", name);
#undef SIM_COND
}

/* Creates the nodes that are missing and reports each Ready (again, after a restart). */
int sim_nodes_ensure(kp_sim *s)
{
    int rc = 0;
    for (int i = 0; i < s->o.nodes && rc == 0; i++) {
        char *name = kp_asprintf("%s-node-%d", s->o.node_prefix, i);
        char *zone = sim_zone(&s->o, i);
        char *path = kp_asprintf(SIM_CORE "/nodes/%s/status", name);
        json_t *node = sim_node_object(&s->o, name, zone, i), *st = sim_node_status(name, i);

        rc = kp_client_do(NULL, NULL, s->client, "POST", SIM_CORE "/nodes", node);
        if (rc == KP_EEXISTS) {
            kp_err_clear();
            rc = 0;
        }
        if (rc == 0)
            rc = kp_client_do(NULL, NULL, s->client, "PATCH", path, st);
        if (rc < 0)
            KP_LOG_ERROR("sim", "cannot create node \"%s\": %s", name, kp_err_msg());
        json_decref(node);
        json_decref(st);
        free(path);
        free(zone);
        free(name);
    }
    return rc;
}

/* ---- lifecycle ---- */

kp_sim *kp_sim_new(kp_store *st, const kp_sim_opts *o)
{
    kp_sim *s = kp_calloc(1, sizeof(*s));
    s->st = st;
    s->o = *o;
    if (s->o.nodes < 0)
        s->o.nodes = 0;
    s->o.node_prefix = kp_strdup(o->node_prefix ? o->node_prefix : "sim");
    s->o.region = kp_strdup(o->region ? o->region : "local");
    s->o.provider = kp_strdup(o->provider ? o->provider : "kplane-sim");
    s->o.zones = o->zones && *o->zones ? kp_strdup(o->zones) : kp_asprintf("%s-a", s->o.region);
    if (s->o.pod_start_delay_ms < 0)
        s->o.pod_start_delay_ms = 0;
    return s;
}

int kp_sim_start(kp_sim *s, kp_client *client)
{
    int rc;
    s->client = client;
    if ((rc = sim_nodes_ensure(s)) < 0)
        return rc;
    KP_LOG_INFO("sim", "cluster-sim: %d nodes in region %s (zones %s)", s->o.nodes, s->o.region,
                s->o.zones);
    return 0;
}

void kp_sim_stop(kp_sim *s)
{
    if (!s)
        return;
}

void kp_sim_free(kp_sim *s)
{
    if (!s)
        return;
    free((char *)s->o.node_prefix);
    free((char *)s->o.region);
    free((char *)s->o.provider);
    free((char *)s->o.zones);
    free(s);
}

void kp_sim_observe(kp_sim *s, const kp_store_event *evs, size_t n)
{
    (void)s;
    (void)evs;
    (void)n;
}
