#include "lib/common.h"
#include "sync/sim.h"
#include "sync/sim_int.h"
#include "lib/json.h"
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <time.h>

const sim_kind_info sim_kinds[SK_N] = {
    {"apps/deployments", "/apis/apps/v1", "deployments", "Deployment", "apps/v1", 'D'},
    {"apps/replicasets", "/apis/apps/v1", "replicasets", "ReplicaSet", "apps/v1", 'R'},
    {"apps/statefulsets", "/apis/apps/v1", "statefulsets", "StatefulSet", "apps/v1", 'S'},
    {"apps/daemonsets", "/apis/apps/v1", "daemonsets", "DaemonSet", "apps/v1", 'A'},
    {"batch/jobs", "/apis/batch/v1", "jobs", "Job", "batch/v1", 'J'},
    {"/pods", "/api/v1", "pods", "Pod", "v1", 'P'},
    {"/services", "/api/v1", "services", "Service", "v1", 'V'},
    {"/nodes", "/api/v1", "nodes", "Node", "v1", 'N'},
};

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

/* ---- helpers shared by the controllers ---- */

int64_t sim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_rv_of(const json_t *obj)
{
    const char *rv = kp_json_get_str(obj, "metadata.resourceVersion");
    int64_t v = 0;
    if (rv && kp_parse_i64(&v, kp_sv_from(rv), 0, INT64_MAX) < 0) {
        kp_err_clear();
        v = 0;
    }
    return v;
}

bool sim_terminating(const json_t *obj)
{
    return kp_json_get(obj, "metadata.deletionTimestamp") != NULL;
}

static char *sim_key(const char *ns, const char *name)
{
    return kp_asprintf("%s/%s", ns, name);
}

const json_t *sim_get(const kp_sim *s, sim_kind k, const char *ns, const char *name)
{
    char *key = sim_key(ns, name);
    const json_t *v = json_object_get(s->cache[k], key);
    free(key);
    return v;
}

char *sim_dirty_key(sim_kind k, const char *ns, const char *name)
{
    return kp_asprintf("%c:%s/%s", sim_kinds[k].code, ns, name);
}

void sim_mark(kp_sim *s, sim_kind k, const char *ns, const char *name)
{
    char *key = sim_dirty_key(k, ns, name);
    json_object_set_new(s->dirty, key, json_true());
    free(key);
}

const json_t *sim_controller_ref(const json_t *obj)
{
    const json_t *refs = kp_json_get(obj, "metadata.ownerReferences"), *r;
    size_t i;
    json_array_foreach(refs, i, r)
    {
        if (json_is_true(json_object_get(r, "controller")))
            return r;
    }
    return NULL;
}

const json_t *sim_children(const kp_sim *s, const char *uid)
{
    return uid ? json_object_get(s->children, uid) : NULL;
}

char *sim_path(sim_kind k, const char *ns, const char *name, const char *sub)
{
    const sim_kind_info *ki = &sim_kinds[k];
    return kp_asprintf("%s%s%s%s/%s%s%s%s%s", SIM_ROOT, ki->api, ns && *ns ? "/namespaces/" : "",
                       ns && *ns ? ns : "", ki->plural, name ? "/" : "", name ? name : "",
                       sub ? "/" : "", sub ? sub : "");
}

int sim_set_status(kp_sim *s, sim_kind k, const json_t *obj, json_t *want)
{
    const json_t *cur = json_object_get(obj, "status"), *v;
    const char *f;
    bool same = true;

    json_object_foreach(want, f, v)
    {
        const json_t *c = json_object_get(cur, f);
        if (json_is_null(v) ? c != NULL && !json_is_null(c) : !c || !json_equal(c, v)) {
            same = false;
            break;
        }
    }
    if (!same) {
        const char *ns = kp_json_get_str(obj, "metadata.namespace") ?: "";
        const char *name = kp_json_get_str(obj, "metadata.name");
        char *retry = sim_dirty_key(k, ns, name);
        sim_write(s, retry, "PATCH", sim_path(k, ns, name, "status"),
                  json_pack("{s:O}", "status", want));
        free(retry);
    }
    json_decref(want);
    return 0;
}

json_t *sim_condition(const json_t *old_conds, const char *t, const char *status,
                      const char *reason, const char *message, bool update_time)
{
    const json_t *c, *old = NULL;
    size_t i;
    char now[32];
    json_t *out;

    json_array_foreach(old_conds, i, c)
    {
        const char *ct = kp_json_get_str(c, "type");
        if (ct && strcmp(ct, t) == 0)
            old = c;
    }
    sim_now(now);
    out = json_pack("{s:s, s:s}", "type", t, "status", status);
    if (reason)
        json_object_set_new(out, "reason", json_string(reason));
    if (message)
        json_object_set_new(out, "message", json_string(message));
    {
        bool same_status = old && kp_json_get_str(old, "status") &&
                           strcmp(kp_json_get_str(old, "status"), status) == 0;
        bool same_all =
            same_status &&
            json_equal(json_object_get(old, "reason"), json_object_get(out, "reason")) &&
            json_equal(json_object_get(old, "message"), json_object_get(out, "message"));
        const json_t *ltt = same_status ? json_object_get(old, "lastTransitionTime") : NULL;
        const json_t *lut = same_all ? json_object_get(old, "lastUpdateTime") : NULL;
        json_object_set_new(out, "lastTransitionTime",
                            ltt ? json_incref((json_t *)ltt) : json_string(now));
        if (update_time)
            json_object_set_new(out, "lastUpdateTime",
                                lut ? json_incref((json_t *)lut) : json_string(now));
    }
    return out;
}

/* ---- timers: a min-heap of (due, pod key) ---- */

static void timer_swap(sim_timer *a, sim_timer *b)
{
    sim_timer t = *a;
    *a = *b;
    *b = t;
}

/* key: a dirty key, consumed */
static void timer_push(kp_sim *s, int64_t due_ms, char *key)
{
    size_t i;
    if (s->ntimers == s->cap_timers) {
        s->cap_timers = s->cap_timers ? 2 * s->cap_timers : 64;
        s->timers = kp_realloc(s->timers, s->cap_timers * sizeof(*s->timers));
    }
    i = s->ntimers++;
    s->timers[i].due_ms = due_ms;
    s->timers[i].key = key;
    while (i > 0 && s->timers[(i - 1) / 2].due_ms > s->timers[i].due_ms) {
        timer_swap(&s->timers[(i - 1) / 2], &s->timers[i]);
        i = (i - 1) / 2;
    }
}

void sim_timer_add(kp_sim *s, int64_t due_ms, sim_kind k, const char *ns, const char *name)
{
    timer_push(s, due_ms, sim_dirty_key(k, ns, name));
}

/* Marks what is due. */
static void timers_fire(kp_sim *s, int64_t now)
{
    while (s->ntimers && s->timers[0].due_ms <= now) {
        char *key = s->timers[0].key;
        size_t i = 0;
        json_object_set_new(s->dirty, key, json_true());
        free(key);
        s->timers[0] = s->timers[--s->ntimers];
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, m = i;
            if (l < s->ntimers && s->timers[l].due_ms < s->timers[m].due_ms)
                m = l;
            if (r < s->ntimers && s->timers[r].due_ms < s->timers[m].due_ms)
                m = r;
            if (m == i)
                break;
            timer_swap(&s->timers[i], &s->timers[m]);
            i = m;
        }
    }
}

/* ---- the cache and its indexes, from the commit stream ---- */

static void set_add(json_t *idx, const char *group, const char *member)
{
    json_t *set = json_object_get(idx, group);
    if (!set) {
        set = json_object();
        json_object_set_new(idx, group, set);
    }
    json_object_set_new(set, member, json_true());
}

static void set_del(json_t *idx, const char *group, const char *member)
{
    json_t *set = json_object_get(idx, group);
    if (!set)
        return;
    json_object_del(set, member);
    if (json_object_size(set) == 0)
        json_object_del(idx, group);
}

static void usage_add(kp_sim *s, const char *node, const json_t *pod, int sign)
{
    json_t *u = json_object_get(s->usage, node);
    int64_t cpu, mem;
    if (!u) {
        u = json_pack("[I, I, I]", (json_int_t)0, (json_int_t)0, (json_int_t)0);
        json_object_set_new(s->usage, node, u);
    }
    sim_pod_requests(pod, &cpu, &mem);
    json_array_set_new(u, 0, json_integer(json_integer_value(json_array_get(u, 0)) + sign * cpu));
    json_array_set_new(u, 1, json_integer(json_integer_value(json_array_get(u, 1)) + sign * mem));
    json_array_set_new(u, 2, json_integer(json_integer_value(json_array_get(u, 2)) + sign));
}

void sim_reserve(kp_sim *s, const char *node, const json_t *pod)
{
    json_t *u = json_object_get(s->pending, node);
    int64_t cpu, mem;
    if (!u) {
        u = json_pack("[I, I, I]", (json_int_t)0, (json_int_t)0, (json_int_t)0);
        json_object_set_new(s->pending, node, u);
    }
    sim_pod_requests(pod, &cpu, &mem);
    json_array_set_new(u, 0, json_integer(json_integer_value(json_array_get(u, 0)) + cpu));
    json_array_set_new(u, 1, json_integer(json_integer_value(json_array_get(u, 1)) + mem));
    json_array_set_new(u, 2, json_integer(json_integer_value(json_array_get(u, 2)) + 1));
}

/* Adds (sign 1) or removes (-1) obj's entries in the indexes. */
static void sim_index(kp_sim *s, sim_kind k, const char *ns, const char *name, const json_t *obj,
                      int sign)
{
    const json_t *ref = sim_controller_ref(obj);
    const char *uid = ref ? kp_json_get_str(ref, "uid") : NULL;
    char *key = sim_key(ns, name);

    if (uid) {
        char *ck = kp_asprintf("%c:%s", sim_kinds[k].code, key);
        if (sign > 0)
            set_add(s->children, uid, ck);
        else
            set_del(s->children, uid, ck);
        free(ck);
    }
    if (k == SK_POD) {
        const char *node = kp_json_get_str(obj, "spec.nodeName");
        const char *ip = kp_json_get_str(obj, "status.podIP");
        if (sign > 0)
            set_add(s->ns_pods, ns, name);
        else
            set_del(s->ns_pods, ns, name);
        if (node && *node && sim_pod_active(obj))
            usage_add(s, node, obj, sign);
        if (ip && *ip) {
            if (sign > 0)
                json_object_set_new(s->ips, ip, json_string(key));
            else
                json_object_del(s->ips, ip);
        }
    } else if (k == SK_SVC) {
        if (sign > 0)
            set_add(s->ns_svcs, ns, name);
        else
            set_del(s->ns_svcs, ns, name);
    }
    free(key);
}

static void mark_all(kp_sim *s, sim_kind k)
{
    const char *key;
    json_t *v;
    json_object_foreach(s->cache[k], key, v)
    {
        sim_mark(s, k, kp_json_get_str(v, "metadata.namespace"),
                 kp_json_get_str(v, "metadata.name"));
    }
}

static void mark_unsched(kp_sim *s)
{
    const char *key;
    json_t *v;
    json_object_foreach(s->unsched, key, v)
    {
        char *ns = kp_strdup(key), *slash = strchr(ns, '/');
        if (slash) {
            *slash = '\0';
            sim_mark(s, SK_POD, ns, slash + 1);
        }
        free(ns);
    }
}

static sim_kind sim_kind_of_name(const char *kind)
{
    for (int k = 0; k < SK_N; k++)
        if (kind && strcmp(sim_kinds[k].kind, kind) == 0)
            return (sim_kind)k;
    return SK_N;
}

/* One committed change (or a listed object at start): the cache follows it when it is newer
 * than what the cache holds, and whatever it concerns is marked for reconciling. */
static void sim_apply(kp_sim *s, kp_ev_type type, sim_kind k, int64_t rv, const char *ns,
                      const char *name, json_t *obj)
{
    char *key = sim_key(ns, name);
    json_t *old = json_object_get(s->cache[k], key);
    const json_t *ref;

    if (old && rv <= sim_rv_of(old)) { /* the start's list saw it already */
        free(key);
        return;
    }
    json_incref(old);
    if (old)
        sim_index(s, k, ns, name, old, -1);
    if (type == KP_EV_DELETED) {
        json_object_del(s->cache[k], key);
    } else {
        json_object_set(s->cache[k], key, obj);
        sim_index(s, k, ns, name, obj, 1);
    }
    sim_mark(s, k, ns, name);
    for (int i = 0; i < 2; i++) { /* the controllers of the old and the new */
        const json_t *o = i ? old : (type == KP_EV_DELETED ? NULL : obj);
        sim_kind ok;
        if (!o || !(ref = sim_controller_ref(o)))
            continue;
        ok = sim_kind_of_name(kp_json_get_str(ref, "kind"));
        if (ok != SK_N && kp_json_get_str(ref, "name"))
            sim_mark(s, ok, ns, kp_json_get_str(ref, "name"));
    }
    if (k == SK_POD) {
        const json_t *svcs = json_object_get(s->ns_svcs, ns), *v;
        const char *svc;
        bool was = old && sim_pod_active(old) && kp_json_get_str(old, "spec.nodeName");
        bool is =
            type != KP_EV_DELETED && sim_pod_active(obj) && kp_json_get_str(obj, "spec.nodeName");
        json_object_foreach((json_t *)svcs, svc, v)
        {
            sim_mark(s, SK_SVC, ns, svc);
        }
        if (was && !is) /* room on a node: the pods that did not fit may now */
            mark_unsched(s);
        if (type == KP_EV_DELETED) {
            json_object_del(s->unsched, key);
            json_object_del(s->due, key);
        }
    } else if (k == SK_NODE) {
        mark_all(s, SK_DS);
        mark_unsched(s);
    }
    json_decref(old);
    free(key);
}

/* Lists a kind at start: the cache begins where the commit stream's queued events continue. */
static int sim_list(kp_sim *s, sim_kind k)
{
    char *cont = NULL;
    int rc = 0;
    do {
        char *base = sim_path(k, NULL, NULL, NULL);
        char *path = cont ? kp_asprintf("%s?limit=500&continue=%s", base, cont)
                          : kp_asprintf("%s?limit=500", base);
        json_t *list = NULL, *item;
        size_t i;
        free(base);
        free(cont);
        cont = NULL;
        rc = kp_client_do(&list, NULL, s->client, "GET", path, NULL);
        free(path);
        if (rc == 0) {
            const char *c = kp_json_get_str(list, "metadata.continue");
            json_array_foreach(json_object_get(list, "items"), i, item)
            {
                const char *ns = kp_json_get_str(item, "metadata.namespace");
                sim_apply(s, KP_EV_ADDED, k, sim_rv_of(item), ns ? ns : "",
                          kp_json_get_str(item, "metadata.name"), item);
            }
            cont = c && *c ? kp_strdup(c) : NULL;
        }
        json_decref(list);
    } while (rc == 0 && cont);
    free(cont);
    return rc;
}

/* ---- the worker ---- */

static void sim_reconcile(kp_sim *s, const char *dkey)
{
    char *copy = kp_strdup(dkey + 2), *slash = strchr(copy, '/');
    const char *ns = copy, *name = slash ? slash + 1 : "";
    if (slash)
        *slash = '\0';
    switch (dkey[0]) {
    case 'D':
        sim_reconcile_deploy(s, ns, name);
        break;
    case 'R':
        sim_reconcile_rs(s, ns, name);
        break;
    case 'S':
        sim_reconcile_sts(s, ns, name);
        break;
    case 'A':
        sim_reconcile_ds(s, ns, name);
        break;
    case 'J':
        sim_reconcile_job(s, ns, name);
        break;
    case 'P':
        sim_reconcile_pod(s, ns, name);
        break;
    case 'V':
        sim_reconcile_svc(s, ns, name);
        break;
    default: /* nodes: what they concern was marked when they changed */
        break;
    }
    kp_err_clear();
    free(copy);
}

static void sim_drain(kp_sim *s)
{
    sim_ev *e;
    pthread_mutex_lock(&s->mu);
    e = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->mu);
    while (e) {
        sim_ev *next = e->next;
        sim_apply(s, e->type, e->kind, e->rv, e->ns, e->name, e->obj);
        json_decref(e->obj);
        free(e->ns);
        free(e->name);
        free(e);
        e = next;
    }
}

/* ---- the writers ---- */

static void job_submit(kp_sim *s, sim_job *j)
{
    pthread_mutex_lock(&s->wmu);
    if (s->wq_tail)
        s->wq_tail->next = j;
    else
        s->wq_head = j;
    s->wq_tail = j;
    s->inflight++;
    pthread_cond_signal(&s->wcv);
    pthread_mutex_unlock(&s->wmu);
}

void sim_write2(kp_sim *s, const char *retry, const char *method, char *path, json_t *body,
                const char *method2, char *path2, json_t *body2)
{
    sim_job *j = kp_calloc(1, sizeof(*j));
    j->method[0] = method;
    j->path[0] = path;
    j->body[0] = body;
    j->n = 1;
    if (method2) {
        j->method[1] = method2;
        j->path[1] = path2;
        j->body[1] = body2;
        j->n = 2;
    }
    j->retry = retry ? kp_strdup(retry) : NULL;
    job_submit(s, j);
}

void sim_write(kp_sim *s, const char *retry, const char *method, char *path, json_t *body)
{
    sim_write2(s, retry, method, path, body, NULL, NULL, NULL);
}

static void job_free(sim_job *j)
{
    for (int i = 0; i < j->n; i++) {
        free(j->path[i]);
        json_decref(j->body[i]);
    }
    free(j->retry);
    free(j->msg);
    free(j);
}

static void *sim_writer(void *arg)
{
    kp_sim *s = arg;
    for (;;) {
        sim_job *j;
        pthread_mutex_lock(&s->wmu);
        while (!s->wq_head && !s->wstop)
            pthread_cond_wait(&s->wcv, &s->wmu);
        if (!s->wq_head) {
            pthread_mutex_unlock(&s->wmu);
            break;
        }
        j = s->wq_head;
        s->wq_head = j->next;
        if (!s->wq_head)
            s->wq_tail = NULL;
        pthread_mutex_unlock(&s->wmu);
        for (int i = 0; i < j->n; i++) {
            json_t *ans = NULL;
            int rc = kp_client_do(&ans, NULL, s->client, j->method[i], j->path[i], j->body[i]);
            int64_t rv = sim_rv_of(ans);
            if (rv > j->rv)
                j->rv = rv;
            json_decref(ans);
            if (rc == KP_ENOTFOUND || (rc == KP_EEXISTS && strcmp(j->method[i], "POST") == 0))
                rc = 0; /* gone meanwhile (its event follows), or made already */
            if (rc < 0) {
                j->rc = rc;
                j->msg = kp_strdup(kp_err_msg());
                kp_err_clear();
                break;
            }
        }
        kp_err_clear();
        pthread_mutex_lock(&s->wmu);
        j->next = s->wdone_list;
        s->wdone_list = j;
        if (--s->inflight == 0)
            pthread_cond_signal(&s->wdone);
        pthread_mutex_unlock(&s->wmu);
    }
    return NULL;
}

/* Waits for the batch's writes, then for the commit stream to have brought their events (the
 * store hands them to kp_sim_observe before the writer answers, but the cache must not depend
 * on it: a batch that missed its own pods would make them again). What conflicted is
 * reconciled again a little later. */
static void writes_wait(kp_sim *s)
{
    sim_job *j;
    int64_t rv = 0;
    pthread_mutex_lock(&s->wmu);
    while (s->inflight > 0)
        pthread_cond_wait(&s->wdone, &s->wmu);
    j = s->wdone_list;
    s->wdone_list = NULL;
    pthread_mutex_unlock(&s->wmu);
    for (sim_job *k = j; k; k = k->next)
        if (k->rv > rv)
            rv = k->rv;
    pthread_mutex_lock(&s->mu);
    for (int waits = 0; s->observed_rv < rv && !s->stopping && waits < 50; waits++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 20 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    while (j) {
        sim_job *next = j->next;
        if (j->rc < 0) {
            bool again = j->rc == KP_ECONFLICT || j->rc == KP_EUNAVAILABLE ||
                         j->rc == KP_ETOOMANY || j->rc == KP_ETIMEOUT;
            if (!again || j->rc != KP_ECONFLICT)
                KP_LOG_WARN("sim", "%s %s: %s", j->method[0], j->path[0], j->msg ? j->msg : "");
            if (again && j->retry) /* soon after a conflict, later when the store is busy */
                timer_push(s, sim_now_ms() + (j->rc == KP_ECONFLICT ? 10 : 500),
                           kp_strdup(j->retry));
        }
        job_free(j);
        j = next;
    }
}

static void *sim_main(void *arg)
{
    kp_sim *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->stopping && !s->head && json_object_size(s->dirty) == 0 &&
               !(s->ntimers && s->timers[0].due_ms <= sim_now_ms())) {
            if (s->ntimers) {
                struct timespec ts;
                int64_t due = s->timers[0].due_ms;
                ts.tv_sec = due / 1000;
                ts.tv_nsec = (due % 1000) * 1000000;
                pthread_cond_timedwait(&s->cv, &s->mu, &ts);
            } else {
                pthread_cond_wait(&s->cv, &s->mu);
            }
        }
        if (s->stopping) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        pthread_mutex_unlock(&s->mu);
        sim_drain(s); /* the cache sees every write so far, our own included */
        timers_fire(s, sim_now_ms());
        /* A batch: each key's reconcile reads the same cache and queues its writes; the
         * writes run together, then their events update the cache for the next batch.
         * Scheduling within a batch counts the batch's own binds (s->pending). */
        for (int i = 0; i < SIM_BATCH; i++) {
            void *it = json_object_iter(s->dirty);
            char *dkey;
            if (!it)
                break;
            dkey = kp_strdup(json_object_iter_key(it));
            json_object_del(s->dirty, dkey);
            sim_reconcile(s, dkey);
            free(dkey);
        }
        writes_wait(s);
        sim_drain(s);
        json_object_clear(s->pending);
        json_object_clear(s->pending_ips);
    }
    return NULL;
}

/* ---- lifecycle ---- */

kp_sim *kp_sim_new(kp_store *st, const kp_sim_opts *o)
{
    kp_sim *s = kp_calloc(1, sizeof(*s));
    pthread_condattr_t ca;
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
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    for (int k = 0; k < SK_N; k++)
        s->cache[k] = json_object();
    s->children = json_object();
    s->ns_pods = json_object();
    s->ns_svcs = json_object();
    s->usage = json_object();
    s->ips = json_object();
    s->unsched = json_object();
    s->dirty = json_object();
    s->due = json_object();
    s->pending = json_object();
    s->pending_ips = json_object();
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->wcv, NULL);
    pthread_cond_init(&s->wdone, NULL);
    return s;
}

int kp_sim_start(kp_sim *s, kp_client *client)
{
    int rc;
    s->client = client;
    if ((rc = sim_nodes_ensure(s)) < 0)
        return rc;
    /* what a previous run left: listed once, then only the commit stream */
    for (int k = 0; k < SK_N && rc == 0; k++)
        rc = sim_list(s, (sim_kind)k);
    if (rc < 0)
        return rc;
    for (int i = 0; i < SIM_WRITERS; i++) {
        if ((rc = pthread_create(&s->writers[i], NULL, sim_writer, s)) != 0)
            return kp_err_set(KP_EINTERNAL, "cannot start the simulation's writers: %s",
                              strerror(rc));
        s->nwriters++;
    }
    if ((rc = pthread_create(&s->thread, NULL, sim_main, s)) != 0)
        return kp_err_set(KP_EINTERNAL, "cannot start the simulation thread: %s", strerror(rc));
    s->running = true;
    KP_LOG_INFO("sim", "cluster-sim: %d nodes in region %s (zones %s)", s->o.nodes, s->o.region,
                s->o.zones);
    return 0;
}

void kp_sim_stop(kp_sim *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->running)
        pthread_join(s->thread, NULL);
    s->running = false;
    pthread_mutex_lock(&s->wmu); /* the worker waited for its writes: the queue is empty */
    s->wstop = true;
    pthread_cond_broadcast(&s->wcv);
    pthread_mutex_unlock(&s->wmu);
    for (int i = 0; i < s->nwriters; i++)
        pthread_join(s->writers[i], NULL);
    s->nwriters = 0;
}

void kp_sim_free(kp_sim *s)
{
    sim_ev *e;
    if (!s)
        return;
    for (e = s->head; e;) {
        sim_ev *next = e->next;
        json_decref(e->obj);
        free(e->ns);
        free(e->name);
        free(e);
        e = next;
    }
    for (int k = 0; k < SK_N; k++)
        json_decref(s->cache[k]);
    json_decref(s->children);
    json_decref(s->ns_pods);
    json_decref(s->ns_svcs);
    json_decref(s->usage);
    json_decref(s->ips);
    json_decref(s->unsched);
    json_decref(s->dirty);
    json_decref(s->due);
    json_decref(s->pending);
    json_decref(s->pending_ips);
    while (s->wdone_list) {
        sim_job *j = s->wdone_list;
        s->wdone_list = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&s->wcv);
    pthread_cond_destroy(&s->wdone);
    pthread_mutex_destroy(&s->wmu);
    for (size_t i = 0; i < s->ntimers; i++)
        free(s->timers[i].key);
    free(s->timers);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free((char *)s->o.node_prefix);
    free((char *)s->o.region);
    free((char *)s->o.provider);
    free((char *)s->o.zones);
    free(s);
}

void kp_sim_observe(kp_sim *s, const kp_store_event *evs, size_t n)
{
    sim_ev *first = NULL, *last = NULL;
    int64_t newest = 0;
    if (!s)
        return;
    for (size_t i = 0; i < n; i++) {
        const kp_store_event *e = &evs[i];
        sim_ev *q;
        int k;
        if (e->rv > newest)
            newest = e->rv;
        if (strcmp(e->key.cluster, "root") != 0)
            continue;
        for (k = 0; k < SK_N; k++)
            if (strcmp(e->key.resource, sim_kinds[k].store_key) == 0)
                break;
        if (k == SK_N || !e->obj)
            continue;
        q = kp_calloc(1, sizeof(*q));
        q->type = e->type;
        q->kind = (sim_kind)k;
        q->rv = e->rv;
        q->ns = kp_strdup(e->key.ns);
        q->name = kp_strdup(e->key.name);
        q->obj = json_incref(e->obj);
        if (last)
            last->next = q;
        else
            first = q;
        last = q;
    }
    pthread_mutex_lock(&s->mu);
    if (newest > s->observed_rv)
        s->observed_rv = newest;
    if (first) {
        if (s->tail)
            s->tail->next = first;
        else
            s->head = first;
        s->tail = last;
    }
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}
