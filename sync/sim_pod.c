#include "lib/common.h"
#include "lib/quantity.h"
#include "sync/sim_int.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"

#include <stdlib.h>
#include <time.h>

static int64_t quantity_or_zero(const json_t *v)
{
    int64_t q = 0;
    if (json_is_string(v)) {
        if (kp_quantity_milli(&q, json_string_value(v)) < 0) {
            kp_err_clear();
            q = 0;
        }
    } else if (json_is_integer(v)) {
        q = json_integer_value(v) * 1000;
    }
    return q < 0 ? 0 : q;
}

void sim_pod_requests(const json_t *pod, int64_t *cpu_m, int64_t *mem_m)
{
    const json_t *c;
    size_t i;
    *cpu_m = *mem_m = 0;
    json_array_foreach(kp_json_get(pod, "spec.containers"), i, c)
    {
        const json_t *req = kp_json_get(c, "resources.requests");
        const json_t *lim = kp_json_get(c, "resources.limits");
        /* k8s: a limit without a request is also the request */
        const json_t *cpu = json_object_get(req, "cpu") ?: json_object_get(lim, "cpu");
        const json_t *mem = json_object_get(req, "memory") ?: json_object_get(lim, "memory");
        *cpu_m += quantity_or_zero(cpu);
        *mem_m += quantity_or_zero(mem);
    }
}

bool sim_pod_active(const json_t *pod)
{
    const char *ph = kp_json_get_str(pod, "status.phase");
    return !sim_terminating(pod) &&
           !(ph && (strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0));
}

static const char *cond_status(const json_t *obj, const char *type)
{
    const json_t *c;
    size_t i;
    json_array_foreach(kp_json_get(obj, "status.conditions"), i, c)
    {
        const char *t = kp_json_get_str(c, "type");
        if (t && strcmp(t, type) == 0)
            return kp_json_get_str(c, "status");
    }
    return NULL;
}

bool sim_pod_ready(const json_t *pod)
{
    const char *st = cond_status(pod, "Ready");
    return sim_pod_active(pod) && st && strcmp(st, "True") == 0;
}

json_t *sim_pod_from_template(const json_t *tmpl, sim_kind owner_kind, const json_t *owner)
{
    const json_t *labels = kp_json_get(tmpl, "metadata.labels");
    const json_t *ann = kp_json_get(tmpl, "metadata.annotations");
    const json_t *spec = json_object_get(tmpl, "spec");
    json_t *pod = json_pack(
        "{s:s, s:s, s:{s:s, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}}", "apiVersion", "v1", "kind",
        "Pod", "metadata", "namespace", kp_json_get_str(owner, "metadata.namespace"),
        "ownerReferences", "apiVersion", sim_kinds[owner_kind].api_version, "kind",
        sim_kinds[owner_kind].kind, "name", kp_json_get_str(owner, "metadata.name"), "uid",
        kp_json_get_str(owner, "metadata.uid"), "controller", 1, "blockOwnerDeletion", 1);
    json_t *md = json_object_get(pod, "metadata");
    json_object_set_new(md, "labels", labels ? json_deep_copy(labels) : json_object());
    if (ann)
        json_object_set_new(md, "annotations", json_deep_copy(ann));
    json_object_set_new(pod, "spec", spec ? json_deep_copy(spec) : json_object());
    return pod;
}

/* ---- scheduler ---- */

static bool node_ready(const json_t *node)
{
    const char *st = cond_status(node, "Ready");
    return st && strcmp(st, "True") == 0;
}

/* Every nodeSelector entry is one of the node's labels. */
static bool node_selected(const json_t *pod, const json_t *node)
{
    const json_t *sel = kp_json_get(pod, "spec.nodeSelector"), *v;
    const json_t *labels = kp_json_get(node, "metadata.labels");
    const char *k;
    json_object_foreach((json_t *)sel, k, v)
    {
        const json_t *l = json_object_get(labels, k);
        if (!l || !json_equal(l, v))
            return false;
    }
    return true;
}

/* k8s: the scheduler's filter (NodeResourcesFit, NodeName, NodeUnschedulable, node selector)
 * and a least-allocated score. The chosen node's name (borrowed) or NULL, with *why telling
 * the Unschedulable message's counts. */
const char *sim_sched_pick(kp_sim *s, const json_t *pod, char *why, size_t why_len)
{
    int64_t cpu, mem, best_score = -1;
    const char *best = NULL, *name;
    json_t *node;
    int n = 0, no_cpu = 0, no_mem = 0, no_pods = 0, no_sel = 0, not_ready = 0;

    sim_pod_requests(pod, &cpu, &mem);
    json_object_foreach(s->cache[SK_NODE], name, node)
    {
        const char *nn = kp_json_get_str(node, "metadata.name");
        const json_t *u = json_object_get(s->usage, nn), *pend = json_object_get(s->pending, nn);
        int64_t acpu = quantity_or_zero(kp_json_get(node, "status.allocatable.cpu"));
        int64_t amem = quantity_or_zero(kp_json_get(node, "status.allocatable.memory"));
        int64_t apods = quantity_or_zero(kp_json_get(node, "status.allocatable.pods")) / 1000;
        int64_t ucpu =
            json_integer_value(json_array_get(u, 0)) + json_integer_value(json_array_get(pend, 0));
        int64_t umem =
            json_integer_value(json_array_get(u, 1)) + json_integer_value(json_array_get(pend, 1));
        int64_t upods =
            json_integer_value(json_array_get(u, 2)) + json_integer_value(json_array_get(pend, 2));
        bool fits = true;
        n++;
        if (!node_ready(node) || json_is_true(kp_json_get(node, "spec.unschedulable"))) {
            not_ready++;
            continue;
        }
        if (!node_selected(pod, node)) {
            no_sel++;
            continue;
        }
        if (ucpu + cpu > acpu) {
            no_cpu++;
            fits = false;
        }
        if (umem + mem > amem) {
            no_mem++;
            fits = false;
        }
        if (upods + 1 > apods) {
            no_pods++;
            fits = false;
        }
        if (!fits)
            continue;
        {
            /* least allocated: the free share of cpu and memory, and of pods when both are 0 */
            int64_t sc = (acpu ? (acpu - ucpu - cpu) * 1000 / acpu : 0) +
                         (amem ? (amem - umem - mem) * 1000 / amem : 0) +
                         (apods ? (apods - upods - 1) * 100 / apods : 0);
            if (sc > best_score) {
                best_score = sc;
                best = nn;
            }
        }
    }
    if (!best) {
        kp_buf b;
        kp_buf_init(&b, 1024);
        kp_buf_appendf(&b, "0/%d nodes are available:", n);
        if (no_cpu)
            kp_buf_appendf(&b, " %d Insufficient cpu,", no_cpu);
        if (no_mem)
            kp_buf_appendf(&b, " %d Insufficient memory,", no_mem);
        if (no_pods)
            kp_buf_appendf(&b, " %d Too many pods,", no_pods);
        if (no_sel)
            kp_buf_appendf(&b, " %d node(s) didn't match Pod's node affinity/selector,", no_sel);
        if (not_ready)
            kp_buf_appendf(&b, " %d node(s) were unschedulable,", not_ready);
        if (b.len && b.p[b.len - 1] == ',')
            b.len--;
        kp_buf_puts(&b, ".");
        snprintf(why, why_len, "%s", kp_buf_cstr(&b));
        kp_buf_dispose(&b);
    }
    return best;
}

/* The first free address of the node's pod CIDR (10.244.X.0/24). */
static char *pod_ip(kp_sim *s, const json_t *node)
{
    const char *cidr = kp_json_get_str(node, "spec.podCIDR");
    long x = 0;
    if (cidr && strncmp(cidr, "10.244.", 7) == 0)
        x = strtol(cidr + 7, NULL, 10) % 256;
    for (int y = 2; y < 255; y++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.244.%ld.%d", x, y);
        if (!json_object_get(s->ips, ip) && !json_object_get(s->pending_ips, ip)) {
            json_object_set_new(s->pending_ips, ip, json_true());
            return kp_strdup(ip);
        }
    }
    return kp_strdup("10.244.255.254");
}

static const char *node_ip(const json_t *node)
{
    const json_t *a;
    size_t i;
    json_array_foreach(kp_json_get(node, "status.addresses"), i, a)
    {
        const char *t = kp_json_get_str(a, "type");
        if (t && strcmp(t, "InternalIP") == 0)
            return kp_json_get_str(a, "address");
    }
    return "10.0.0.1";
}

/* k8s: what `kubectl describe` lists under Events (core/v1, as the scheduler records). */
static void pod_event(kp_sim *s, const json_t *pod, const char *type, const char *reason,
                      const char *message, const char *component)
{
    const char *ns = kp_json_get_str(pod, "metadata.namespace");
    const char *name = kp_json_get_str(pod, "metadata.name");
    char now[32];
    struct timespec ts;
    char *evname;
    json_t *ev;

    sim_now(now);
    clock_gettime(CLOCK_REALTIME, &ts);
    evname =
        kp_asprintf("%s.%llx", name,
                    (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
    ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, "
                   "s:{s:s}, s:s, s:s, s:s, s:i}",
                   "apiVersion", "v1", "kind", "Event", "metadata", "name", evname, "namespace", ns,
                   "involvedObject", "apiVersion", "v1", "kind", "Pod", "name", name, "namespace",
                   ns, "uid", kp_json_get_str(pod, "metadata.uid") ?: "", "type", type, "reason",
                   reason, "message", message, "source", "component", component,
                   "reportingComponent", component, "firstTimestamp", now, "lastTimestamp", now,
                   "count", 1);
    sim_write(s, NULL, "POST", kp_asprintf(SIM_CORE "/namespaces/%s/events", ns), ev);
    free(evname);
}

static void pod_schedule(kp_sim *s, const json_t *pod, const char *ns, const char *name,
                         const char *key)
{
    char why[512] = "";
    const char *node = sim_sched_pick(s, pod, why, sizeof(why));
    const json_t *conds = kp_json_get(pod, "status.conditions");
    char *retry;

    if (!node) {
        const json_t *c;
        size_t i;
        bool told = false; /* this very reason was recorded already */
        json_array_foreach(conds, i, c)
        {
            const char *t = kp_json_get_str(c, "type"), *m = kp_json_get_str(c, "message");
            if (t && strcmp(t, "PodScheduled") == 0 && m && strcmp(m, why) == 0)
                told = true;
        }
        if (!told)
            pod_event(s, pod, "Warning", "FailedScheduling", why, "default-scheduler");
        json_object_set_new(s->unsched, key, json_true());
        /* k8s: the scheduler leaves it Pending with PodScheduled=False, reason Unschedulable */
        sim_set_status(
            s, SK_POD, pod,
            json_pack("{s:s, s:[o]}", "phase", "Pending", "conditions",
                      sim_condition(conds, "PodScheduled", "False", "Unschedulable", why, false)));
        return;
    }
    json_object_del(s->unsched, key);
    sim_reserve(s, node, pod);
    /* the binding: spec.nodeName, then PodScheduled=True */
    retry = sim_dirty_key(SK_POD, ns, name);
    sim_write2(s, retry, "PATCH", sim_path(SK_POD, ns, name, NULL),
               json_pack("{s:{s:s}}", "spec", "nodeName", node), "PATCH",
               sim_path(SK_POD, ns, name, "status"),
               json_pack("{s:{s:s, s:[o]}}", "status", "phase", "Pending", "conditions",
                         sim_condition(conds, "PodScheduled", "True", NULL, NULL, false)));
    free(retry);
}

static json_t *container_statuses(const json_t *pod, bool running, const char *now,
                                  const char *started)
{
    json_t *out = json_array();
    const json_t *c;
    size_t i;
    json_array_foreach(kp_json_get(pod, "spec.containers"), i, c)
    {
        const char *image = kp_json_get_str(c, "image");
        char *cid = kp_asprintf("sim://%s-%zu", kp_json_get_str(pod, "metadata.uid"), i);
        char *iid = kp_asprintf("sim://%s", image ? image : "");
        json_t *state = running ? json_pack("{s:{s:s}}", "running", "startedAt", started)
                                : json_pack("{s:{s:i, s:s, s:s, s:s, s:s}}", "terminated",
                                            "exitCode", 0, "reason", "Completed", "startedAt",
                                            started, "finishedAt", now, "containerID", cid);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:o, s:{}}",
                                             "name", kp_json_get_str(c, "name") ?: "", "image",
                                             image ? image : "", "imageID", iid, "containerID", cid,
                                             "ready", running, "started", running, "restartCount",
                                             0, "state", state, "lastState"));
        free(cid);
        free(iid);
    }
    return out;
}

/* k8s GetPodQOS, cut short: Guaranteed when every container's cpu and memory limits equal
 * its requests, BestEffort without any, else Burstable. */
static const char *pod_qos(const json_t *pod)
{
    const json_t *c;
    size_t i;
    bool any = false, guaranteed = true;
    json_array_foreach(kp_json_get(pod, "spec.containers"), i, c)
    {
        const json_t *req = kp_json_get(c, "resources.requests");
        const json_t *lim = kp_json_get(c, "resources.limits");
        static const char *const res[] = {"cpu", "memory"};
        any |= json_object_size(req) > 0 || json_object_size(lim) > 0;
        for (size_t r = 0; r < 2; r++) {
            const json_t *l = json_object_get(lim, res[r]);
            /* a limit alone is also the request */
            const json_t *q = json_object_get(req, res[r]) ?: l;
            if (!l || !json_equal(l, q))
                guaranteed = false;
        }
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/* k8s: the kubelet's status of a pod that runs (or, restartPolicy Never/OnFailure, ran). */
static void pod_run(kp_sim *s, const json_t *pod, const char *phase)
{
    const char *nodename = kp_json_get_str(pod, "spec.nodeName");
    const json_t *node = sim_get(s, SK_NODE, "", nodename);
    const json_t *conds = kp_json_get(pod, "status.conditions");
    bool running = strcmp(phase, "Running") == 0;
    const char *ready = running ? "True" : "False", *why = running ? NULL : "PodCompleted";
    const char *ip = kp_json_get_str(pod, "status.podIP"),
               *start = kp_json_get_str(pod, "status.startTime");
    char now[32], *newip = NULL;
    json_t *st;

    sim_now(now);
    if (!ip || !*ip)
        ip = newip = node ? pod_ip(s, node) : kp_strdup("10.244.255.254");
    if (!start)
        start = now;
    st = json_pack("{s:s, s:s, s:[{s:s}], s:s, s:[{s:s}], s:s, s:s, s:[o, o, o, o, o], s:o}",
                   "phase", phase, "hostIP", node ? node_ip(node) : "10.0.0.1", "hostIPs", "ip",
                   node ? node_ip(node) : "10.0.0.1", "podIP", ip, "podIPs", "ip", ip, "startTime",
                   start, "qosClass", pod_qos(pod), "conditions",
                   sim_condition(conds, "PodReadyToStartContainers", "True", NULL, NULL, false),
                   sim_condition(conds, "Initialized", "True", NULL, NULL, false),
                   sim_condition(conds, "Ready", ready, why, NULL, false),
                   sim_condition(conds, "ContainersReady", ready, why, NULL, false),
                   sim_condition(conds, "PodScheduled", "True", NULL, NULL, false),
                   "containerStatuses", container_statuses(pod, running, now, start));
    sim_set_status(s, SK_POD, pod, st);
    free(newip);
}

/* When the kubelet acts on key: now if its delay passed (forgetting the delay), else false and
 * a timer wakes the worker then. */
static bool kubelet_due(kp_sim *s, const json_t *pod, const char *key)
{
    const json_t *d = json_object_get(s->due, key);
    int64_t now = sim_now_ms();
    if (s->o.pod_start_delay_ms == 0)
        return true;
    if (!d) {
        json_object_set_new(s->due, key, json_integer(now + s->o.pod_start_delay_ms));
        sim_timer_add(s, now + s->o.pod_start_delay_ms, SK_POD,
                      kp_json_get_str(pod, "metadata.namespace"),
                      kp_json_get_str(pod, "metadata.name"));
        return false;
    }
    if (json_integer_value(d) > now)
        return false;
    json_object_del(s->due, key);
    return true;
}

void sim_reconcile_pod(kp_sim *s, const char *ns, const char *name)
{
    const json_t *pod = sim_get(s, SK_POD, ns, name);
    char *key = kp_asprintf("%s/%s", ns, name);
    const char *node, *phase, *restart;

    if (!pod || !sim_pod_active(pod))
        goto out;
    node = kp_json_get_str(pod, "spec.nodeName");
    phase = kp_json_get_str(pod, "status.phase");
    restart = kp_json_get_str(pod, "spec.restartPolicy");
    if (!node || !*node) {
        pod_schedule(s, pod, ns, name, key);
        goto out;
    }
    if (!sim_get(s, SK_NODE, "", node))
        goto out; /* bound to a node that does not exist: no kubelet runs it */
    if (!phase || strcmp(phase, "Running") != 0) {
        if (kubelet_due(s, pod, key))
            pod_run(s, pod, "Running");
        goto out;
    }
    /* k8s: a container that exits 0 under restartPolicy Never or OnFailure: Succeeded (a Job's
     * pods); under Always it would restart, so it runs on */
    if (restart && strcmp(restart, "Always") != 0 && kubelet_due(s, pod, key))
        pod_run(s, pod, "Succeeded");
out:
    free(key);
}

/* ---- Service -> Endpoints ---- */

static bool labels_match(const json_t *selector, const json_t *labels)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)selector, k, v)
    {
        const json_t *l = json_object_get(labels, k);
        if (!l || !json_equal(l, v))
            return false;
    }
    return true;
}

static int addr_cmp(const void *a, const void *b)
{
    const char *x = kp_json_get_str(*(json_t *const *)a, "ip");
    const char *y = kp_json_get_str(*(json_t *const *)b, "ip");
    return strcmp(x ? x : "", y ? y : "");
}

static json_t *sorted(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **v = kp_calloc(n ? n : 1, sizeof(*v)), *out = json_array();
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(arr, i);
    qsort(v, n, sizeof(*v), addr_cmp);
    for (size_t i = 0; i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    json_decref(arr);
    return out;
}

/* k8s endpoints controller: the ready and not ready addresses of the pods the selector picks,
 * with the Service's ports (targetPort when a number). */
static json_t *endpoints_subsets(kp_sim *s, const json_t *svc, const char *ns)
{
    const json_t *sel = kp_json_get(svc, "spec.selector"), *names = json_object_get(s->ns_pods, ns);
    json_t *ready = json_array(), *notready = json_array(), *ports = json_array(), *subsets;
    const json_t *p, *v;
    const char *pn;
    size_t i;

    json_object_foreach((json_t *)names, pn, v)
    {
        const json_t *pod = sim_get(s, SK_POD, ns, pn);
        const char *ip = kp_json_get_str(pod, "status.podIP");
        json_t *addr;
        if (!pod || !ip || !*ip || !sim_pod_active(pod) ||
            !labels_match(sel, kp_json_get(pod, "metadata.labels")))
            continue;
        addr = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "ip", ip, "nodeName",
                         kp_json_get_str(pod, "spec.nodeName") ?: "", "targetRef", "kind", "Pod",
                         "namespace", ns, "name", pn, "uid",
                         kp_json_get_str(pod, "metadata.uid") ?: "");
        json_array_append_new(sim_pod_ready(pod) ? ready : notready, addr);
    }
    json_array_foreach(kp_json_get(svc, "spec.ports"), i, p)
    {
        const json_t *tp = json_object_get(p, "targetPort");
        json_t *port =
            json_pack("{s:O, s:s}", "port", json_is_integer(tp) ? tp : json_object_get(p, "port"),
                      "protocol", kp_json_get_str(p, "protocol") ?: "TCP");
        if (kp_json_get_str(p, "name"))
            json_object_set(port, "name", json_object_get(p, "name"));
        json_array_append_new(ports, port);
    }
    subsets = json_array();
    if (json_array_size(ready) || json_array_size(notready)) {
        json_t *sub = json_object();
        if (json_array_size(ready))
            json_object_set_new(sub, "addresses", sorted(json_incref(ready)));
        if (json_array_size(notready))
            json_object_set_new(sub, "notReadyAddresses", sorted(json_incref(notready)));
        json_object_set_new(sub, "ports", json_incref(ports));
        json_array_append_new(subsets, sub);
    }
    json_decref(ready);
    json_decref(notready);
    json_decref(ports);
    return subsets;
}

static int ep_cmp(const void *a, const void *b)
{
    const char *x = json_string_value(kp_json_get(*(json_t *const *)a, "addresses.0"));
    const char *y = json_string_value(kp_json_get(*(json_t *const *)b, "addresses.0"));
    return strcmp(x ? x : "", y ? y : "");
}

/* k8s EndpointSlice controller, one IPv4 slice per Service: every pod the selector picks that
 * has an IP, with its readiness, node and zone. */
static json_t *slice_body(kp_sim *s, const json_t *svc, const char *ns, const char *slice)
{
    const json_t *sel = kp_json_get(svc, "spec.selector"), *names = json_object_get(s->ns_pods, ns);
    const json_t *p, *v;
    const char *pn;
    json_t *eps = json_array(), *ports = json_array(), *body, **sorted_eps;
    size_t i, n;

    json_object_foreach((json_t *)names, pn, v)
    {
        const json_t *pod = sim_get(s, SK_POD, ns, pn), *node;
        const char *ip = kp_json_get_str(pod, "status.podIP"), *nn;
        bool ready;
        json_t *ep;
        if (!pod || !ip || !*ip || !sim_pod_active(pod) ||
            !labels_match(sel, kp_json_get(pod, "metadata.labels")))
            continue;
        ready = sim_pod_ready(pod);
        nn = kp_json_get_str(pod, "spec.nodeName");
        node = nn ? sim_get(s, SK_NODE, "", nn) : NULL;
        ep = json_pack("{s:[s], s:{s:b, s:b, s:b}, s:s, s:{s:s, s:s, s:s, s:s}}", "addresses", ip,
                       "conditions", "ready", ready, "serving", ready, "terminating", 0, "nodeName",
                       nn ? nn : "", "targetRef", "kind", "Pod", "namespace", ns, "name", pn, "uid",
                       kp_json_get_str(pod, "metadata.uid") ?: "");
        if (node &&
            json_object_get(kp_json_get(node, "metadata.labels"), "topology.kubernetes.io/zone"))
            json_object_set(ep, "zone",
                            json_object_get(kp_json_get(node, "metadata.labels"),
                                            "topology.kubernetes.io/zone"));
        json_array_append_new(eps, ep);
    }
    n = json_array_size(eps);
    sorted_eps = kp_calloc(n ? n : 1, sizeof(*sorted_eps));
    for (i = 0; i < n; i++)
        sorted_eps[i] = json_array_get(eps, i);
    qsort(sorted_eps, n, sizeof(*sorted_eps), ep_cmp);
    json_array_foreach(kp_json_get(svc, "spec.ports"), i, p)
    {
        const json_t *tp = json_object_get(p, "targetPort");
        json_t *port =
            json_pack("{s:O, s:s}", "port", json_is_integer(tp) ? tp : json_object_get(p, "port"),
                      "protocol", kp_json_get_str(p, "protocol") ?: "TCP");
        json_object_set_new(port, "name", json_string(kp_json_get_str(p, "name") ?: ""));
        json_array_append_new(ports, port);
    }
    body =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}, "
                  "s:s, s:[], s:o}",
                  "apiVersion", "discovery.k8s.io/v1", "kind", "EndpointSlice", "metadata", "name",
                  slice, "namespace", ns, "labels", "kubernetes.io/service-name",
                  kp_json_get_str(svc, "metadata.name"), "endpointslice.kubernetes.io/managed-by",
                  "endpointslice-controller.k8s.io", "ownerReferences", "apiVersion", "v1", "kind",
                  "Service", "name", kp_json_get_str(svc, "metadata.name"), "uid",
                  kp_json_get_str(svc, "metadata.uid") ?: "", "controller", 1, "blockOwnerDeletion",
                  1, "addressType", "IPv4", "endpoints", "ports", ports);
    for (i = 0; i < n; i++)
        json_array_append(json_object_get(body, "endpoints"), sorted_eps[i]);
    free(sorted_eps);
    json_decref(eps);
    return body;
}

static bool slice_same(const json_t *cur, const json_t *want)
{
    const json_t *have = json_object_get(cur, "endpoints");
    const json_t *eps = json_object_get(want, "endpoints");
    return (have ? json_equal(have, eps) : json_array_size(eps) == 0) &&
           json_equal(json_object_get(cur, "ports"), json_object_get(want, "ports"));
}

/* The Service's slice, named <service>-<5 letters of its uid> so it is found again by name; its
 * ownerReference takes it away with the Service. */
static void sync_slice(kp_sim *s, const json_t *svc, const char *ns, const char *retry)
{
    static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
    const char *uid = kp_json_get_str(svc, "metadata.uid");
    char sfx[6], *slice, *path;
    uint64_t h = kp_hash_str(KP_HASH_INIT, uid ? uid : "");
    json_t *want, *cur = NULL;
    int rc;

    for (int i = 0; i < 5; i++, h /= 27)
        sfx[i] = alnum[h % 27];
    sfx[5] = '\0';
    slice = kp_asprintf("%s-%s", kp_json_get_str(svc, "metadata.name"), sfx);
    path = kp_asprintf(SIM_ROOT "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices/%s", ns,
                       slice);
    want = slice_body(s, svc, ns, slice);
    rc = kp_client_do(&cur, NULL, s->client, "GET", path, NULL);
    if (rc == KP_ENOTFOUND) {
        sim_write(
            s, retry, "POST",
            kp_asprintf(SIM_ROOT "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices", ns),
            want);
        want = NULL;
    } else if (rc == 0 && !slice_same(cur, want)) {
        json_object_set(cur, "endpoints", json_object_get(want, "endpoints"));
        json_object_set(cur, "ports", json_object_get(want, "ports"));
        sim_write(s, retry, "PUT", path, cur);
        path = NULL;
        cur = NULL;
    } else if (rc < 0) {
        KP_LOG_WARN("sim", "endpointslice %s/%s: %s", ns, slice, kp_err_msg());
    }
    kp_err_clear();
    json_decref(want);
    json_decref(cur);
    free(path);
    free(slice);
}

void sim_reconcile_svc(kp_sim *s, const char *ns, const char *name)
{
    const json_t *svc = sim_get(s, SK_SVC, ns, name);
    char *path = kp_asprintf(SIM_CORE "/namespaces/%s/endpoints/%s", ns, name);
    char *retry = sim_dirty_key(SK_SVC, ns, name);
    json_t *cur = NULL, *subsets = NULL;
    int rc;

    if (!svc) { /* k8s: the endpoints go with their Service */
        sim_write(s, NULL, "DELETE", path, NULL);
        path = NULL;
        goto out;
    }
    if (json_object_size(kp_json_get(svc, "spec.selector")) == 0 || sim_terminating(svc))
        goto out; /* endpoints of a Service without selector are the user's */
    sync_slice(s, svc, ns, retry);
    subsets = endpoints_subsets(s, svc, ns);
    rc = kp_client_do(&cur, NULL, s->client, "GET", path, NULL);
    if (rc == KP_ENOTFOUND) {
        json_t *body =
            json_pack("{s:s, s:s, s:{s:s, s:s}, s:O}", "apiVersion", "v1", "kind", "Endpoints",
                      "metadata", "name", name, "namespace", ns, "subsets", subsets);
        if (kp_json_get(svc, "metadata.labels"))
            json_object_set(json_object_get(body, "metadata"), "labels",
                            kp_json_get(svc, "metadata.labels"));
        /* a POST that finds it made meanwhile counts as done: the next pod event corrects */
        sim_write(s, retry, "POST", kp_asprintf(SIM_CORE "/namespaces/%s/endpoints", ns), body);
    } else if (rc == 0) {
        const json_t *have = json_object_get(cur, "subsets");
        if ((!have || json_array_size(have) == 0) && json_array_size(subsets) == 0)
            goto out;
        if (have && json_equal(have, subsets))
            goto out;
        json_object_set(cur, "subsets", subsets);
        sim_write(s, retry, "PUT", path, cur); /* with its resourceVersion: a conflict retries */
        path = NULL;
        cur = NULL;
    } else {
        KP_LOG_WARN("sim", "endpoints %s/%s: %s", ns, name, kp_err_msg());
    }
out:
    kp_err_clear();
    json_decref(cur);
    json_decref(subsets);
    free(retry);
    free(path);
}
