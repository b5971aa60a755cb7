#include "lib/common.h"
#include "sync/sim_int.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"

#include <stdlib.h>

/* The workload controllers of kube-controller-manager, cut down to what a simulated cluster
 * shows: each reads the worker's cache and writes through the API. */

static int64_t int_or(const json_t *v, int64_t dflt)
{
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static const char *str_or(const char *v, const char *dflt)
{
    return v ? v : dflt;
}

/* k8s: rand.SafeEncodeString(fmt.Sprint(hash)) of the template, so the name stays DNS-safe. */
static void template_hash(char out[16], const json_t *tmpl)
{
    static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
    char *text = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS);
    uint64_t h = kp_hash_str(KP_HASH_INIT, text ? text : "");
    char dec[16];
    size_t i;
    snprintf(dec, sizeof(dec), "%u", (unsigned)(h ^ (h >> 32)));
    for (i = 0; i < 15 && dec[i]; i++)
        out[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
    out[i] = '\0';
    free(text);
}

/* The objects of kind k that uid controls, as borrowed cached objects; free the array. */
static const json_t **owned(kp_sim *s, sim_kind k, const char *uid, size_t *n_out)
{
    const json_t *set = sim_children(s, uid), *v;
    const json_t **out = kp_calloc(json_object_size(set) + 1, sizeof(*out));
    const char *ck;
    size_t n = 0;
    json_object_foreach((json_t *)set, ck, v)
    {
        char *copy, *slash;
        const json_t *o;
        if (ck[0] != sim_kinds[k].code)
            continue;
        copy = kp_strdup(ck + 2);
        slash = strchr(copy, '/');
        if (slash) {
            *slash = '\0';
            if ((o = sim_get(s, k, copy, slash + 1)))
                out[n++] = o;
        }
        free(copy);
    }
    *n_out = n;
    return out;
}

static void create(kp_sim *s, sim_kind k, const char *ns, json_t *body, sim_kind owner_kind,
                   const char *owner)
{
    char *retry = sim_dirty_key(owner_kind, ns, owner);
    sim_write(s, retry, "POST", sim_path(k, ns, NULL, NULL), body);
    free(retry);
}

static void delete_obj(kp_sim *s, sim_kind k, const json_t *obj)
{
    sim_write(s, NULL, "DELETE",
              sim_path(k, kp_json_get_str(obj, "metadata.namespace"),
                       kp_json_get_str(obj, "metadata.name"), NULL),
              NULL);
}

static void patch(kp_sim *s, sim_kind k, const json_t *obj, json_t *body, sim_kind owner_kind,
                  const char *owner)
{
    const char *ns = kp_json_get_str(obj, "metadata.namespace");
    char *retry = sim_dirty_key(owner_kind, ns, owner);
    sim_write(s, retry, "PATCH", sim_path(k, ns, kp_json_get_str(obj, "metadata.name"), NULL),
              body);
    free(retry);
}

/* A pod the controller makes is bound at once when a node fits (the scheduler runs in this
 * process: one write instead of three); else the scheduler marks it Unschedulable. */
static void create_pod(kp_sim *s, const char *ns, json_t *pod, sim_kind owner_kind,
                       const char *owner)
{
    char why[512];
    const char *node = kp_json_get_str(pod, "spec.nodeName");
    if (!node || !*node) {
        node = sim_sched_pick(s, pod, why, sizeof(why));
        if (node)
            json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(node));
    }
    if (node)
        sim_reserve(s, node, pod);
    create(s, SK_POD, ns, pod, owner_kind, owner);
}

/* ---- Deployment ---- */

static int64_t revision_of(const json_t *rs)
{
    const char *r = json_string_value(json_object_get(kp_json_get(rs, "metadata.annotations"),
                                                      "deployment.kubernetes.io/revision"));
    return r ? strtoll(r, NULL, 10) : 0;
}

/* A ReplicaSet for the deployment's current template. */
static json_t *new_replicaset(const json_t *d, const char *hash, int64_t replicas, int64_t rev)
{
    const char *name = kp_json_get_str(d, "metadata.name");
    json_t *tmpl = json_deep_copy(kp_json_get(d, "spec.template"));
    json_t *sel = json_deep_copy(kp_json_get(d, "spec.selector"));
    json_t *labels, *rs;
    char *rsname = kp_asprintf("%s-%s", name, hash), revs[32];

    if (!tmpl)
        tmpl = json_object();
    if (!sel)
        sel = json_object();
    labels = kp_json_obj_ensure(kp_json_obj_ensure(tmpl, "metadata"), "labels");
    json_object_set_new(labels, "pod-template-hash", json_string(hash));
    json_object_set_new(kp_json_obj_ensure(sel, "matchLabels"), "pod-template-hash",
                        json_string(hash));
    snprintf(revs, sizeof(revs), "%lld", (long long)rev);
    rs = json_pack("{s:s, s:s, s:{s:s, s:s, s:O, s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:s, s:b, "
                   "s:b}]}, s:{s:I, s:o, s:o}}",
                   "apiVersion", "apps/v1", "kind", "ReplicaSet", "metadata", "name", rsname,
                   "namespace", kp_json_get_str(d, "metadata.namespace"), "labels", labels,
                   "annotations", "deployment.kubernetes.io/revision", revs,
                   "deployment.kubernetes.io/desired-replicas", "0", "ownerReferences",
                   "apiVersion", "apps/v1", "kind", "Deployment", "name", name, "uid",
                   kp_json_get_str(d, "metadata.uid"), "controller", 1, "blockOwnerDeletion", 1,
                   "spec", "replicas", (json_int_t)replicas, "selector", sel, "template", tmpl);
    {
        char dr[32];
        snprintf(dr, sizeof(dr), "%lld", (long long)replicas);
        json_object_set_new(kp_json_get(rs, "metadata.annotations"),
                            "deployment.kubernetes.io/desired-replicas", json_string(dr));
    }
    free(rsname);
    return rs;
}

static void scale_rs(kp_sim *s, const json_t *rs, int64_t replicas, const char *deploy)
{
    if (int_or(kp_json_get(rs, "spec.replicas"), 1) != replicas)
        patch(s, SK_RS, rs, json_pack("{s:{s:I}}", "spec", "replicas", (json_int_t)replicas),
              SK_DEPLOY, deploy);
}

/* k8s deployment controller, the RollingUpdate strategy made simple: the new ReplicaSet gets
 * every replica at once (surge), the old ones shrink as the new one's pods become available;
 * status and the Available and Progressing conditions as `kubectl rollout status` reads them. */
void sim_reconcile_deploy(kp_sim *s, const char *ns, const char *name)
{
    const json_t *d = sim_get(s, SK_DEPLOY, ns, name), *newrs = NULL;
    const json_t **rss = NULL;
    size_t n = 0;
    char hash[16];
    int64_t want, want_new, maxrev = 0, total = 0, ready = 0, avail = 0, updated = 0, keep;
    int64_t old_pods = 0;
    bool recreate;
    bool complete;
    const json_t *conds;
    json_t *st;

    if (!d || sim_terminating(d))
        return;
    want = want_new = int_or(kp_json_get(d, "spec.replicas"), 1);
    template_hash(hash, kp_json_get(d, "spec.template"));
    rss = owned(s, SK_RS, kp_json_get_str(d, "metadata.uid"), &n);
    for (size_t i = 0; i < n; i++) {
        const char *h = kp_json_get_str(rss[i], "metadata.labels.pod-template-hash");
        if (h && strcmp(h, hash) == 0)
            newrs = rss[i];
        if (revision_of(rss[i]) > maxrev)
            maxrev = revision_of(rss[i]);
    }
    /* k8s: Recreate scales the old ReplicaSets to 0 and makes the new one's pods only when
     * the old pods are gone */
    recreate = strcmp(str_or(kp_json_get_str(d, "spec.strategy.type"), ""), "Recreate") == 0;
    for (size_t i = 0; i < n; i++)
        if (rss[i] != newrs)
            old_pods += int_or(kp_json_get(rss[i], "status.replicas"), 0);
    if (recreate && old_pods > 0)
        want_new = 0;
    if (!newrs) {
        /* its event brings us back */
        create(s, SK_RS, ns, new_replicaset(d, hash, want_new, maxrev + 1), SK_DEPLOY, name);
    } else if (!json_is_true(kp_json_get(d, "spec.paused"))) {
        scale_rs(s, newrs, want_new, name);
    }
    /* RollingUpdate: the old ones keep what the new one cannot serve yet */
    keep = recreate ? 0 : want - int_or(kp_json_get(newrs, "status.availableReplicas"), 0);
    for (size_t i = 0; i < n; i++) {
        int64_t r;
        if (rss[i] == newrs)
            continue;
        r = int_or(kp_json_get(rss[i], "spec.replicas"), 1);
        if (r > keep)
            r = keep > 0 ? keep : 0;
        keep -= r;
        scale_rs(s, rss[i], r, name);
    }
    if (!newrs)
        goto out;
    for (size_t i = 0; i < n; i++) {
        total += int_or(kp_json_get(rss[i], "status.replicas"), 0);
        ready += int_or(kp_json_get(rss[i], "status.readyReplicas"), 0);
        avail += int_or(kp_json_get(rss[i], "status.availableReplicas"), 0);
    }
    updated = int_or(kp_json_get(newrs, "status.replicas"), 0);
    complete = updated == want && total == want && avail >= want &&
               int_or(kp_json_get(newrs, "status.observedGeneration"), 0) >=
                   int_or(kp_json_get(newrs, "metadata.generation"), 1);
    conds = kp_json_get(d, "status.conditions");
    {
        /* k8s: maxUnavailable defaults to 25%, rounded down */
        int64_t min_avail = want - want / 4;
        const char *rsname = kp_json_get_str(newrs, "metadata.name");
        char *msg = kp_asprintf(complete ? "ReplicaSet \"%s\" has successfully progressed."
                                         : "ReplicaSet \"%s\" is progressing.",
                                rsname);
        json_t *available =
            avail >= min_avail
                ? sim_condition(conds, "Available", "True", "MinimumReplicasAvailable",
                                "Deployment has minimum availability.", true)
                : sim_condition(conds, "Available", "False", "MinimumReplicasUnavailable",
                                "Deployment does not have minimum availability.", true);
        json_t *progressing =
            sim_condition(conds, "Progressing", "True",
                          complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", msg, true);
        st = json_pack("{s:I, s:I, s:I, s:I, s:I, s:[o, o]}", "observedGeneration",
                       (json_int_t)int_or(kp_json_get(d, "metadata.generation"), 1), "replicas",
                       (json_int_t)total, "updatedReplicas", (json_int_t)updated, "readyReplicas",
                       (json_int_t)ready, "availableReplicas", (json_int_t)avail, "conditions",
                       available, progressing);
        json_object_set_new(st, "unavailableReplicas",
                            total - avail > 0 ? json_integer(total - avail) : json_null());
        free(msg);
    }
    sim_set_status(s, SK_DEPLOY, d, st);
out:
    free(rss);
}

/* ---- ReplicaSet ---- */

/* Which pods go first when scaling down (k8s ActivePods ordering, cut short): unscheduled,
 * then not ready, then the rest. */
static int pod_rank(const json_t *p)
{
    if (!kp_json_get_str(p, "spec.nodeName"))
        return 0;
    return sim_pod_ready(p) ? 2 : 1;
}

static int pod_victim_cmp(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    int rx = pod_rank(x), ry = pod_rank(y);
    const char *cx = kp_json_get_str(x, "metadata.creationTimestamp");
    const char *cy = kp_json_get_str(y, "metadata.creationTimestamp");
    if (rx != ry)
        return rx - ry;
    return -strcmp(cx ? cx : "", cy ? cy : ""); /* newer first */
}

void sim_reconcile_rs(kp_sim *s, const char *ns, const char *name)
{
    const json_t *rs = sim_get(s, SK_RS, ns, name);
    const json_t **pods = NULL;
    size_t n = 0, active = 0;
    int64_t want, ready = 0;

    if (!rs || sim_terminating(rs))
        return;
    want = int_or(kp_json_get(rs, "spec.replicas"), 1);
    pods = owned(s, SK_POD, kp_json_get_str(rs, "metadata.uid"), &n);
    for (size_t i = 0; i < n; i++)
        if (sim_pod_active(pods[i]))
            pods[active++] = pods[i];
    if ((int64_t)active < want) {
        for (int64_t i = (int64_t)active; i < want; i++) {
            json_t *pod = sim_pod_from_template(kp_json_get(rs, "spec.template"), SK_RS, rs);
            char *gen = kp_asprintf("%s-", name);
            json_object_set_new(json_object_get(pod, "metadata"), "generateName", json_string(gen));
            free(gen);
            create_pod(s, ns, pod, SK_RS, name);
        }
    } else if ((int64_t)active > want) {
        qsort(pods, active, sizeof(*pods), pod_victim_cmp);
        for (size_t i = 0; i < active - (size_t)want; i++)
            delete_obj(s, SK_POD, pods[i]);
    }
    for (size_t i = 0; i < active; i++)
        if (sim_pod_ready(pods[i]))
            ready++;
    sim_set_status(s, SK_RS, rs,
                   json_pack("{s:I, s:I, s:I, s:I, s:I}", "replicas", (json_int_t)active,
                             "fullyLabeledReplicas", (json_int_t)active, "readyReplicas",
                             (json_int_t)ready, "availableReplicas", (json_int_t)ready,
                             "observedGeneration",
                             (json_int_t)int_or(kp_json_get(rs, "metadata.generation"), 1)));
    free(pods);
}

/* ---- StatefulSet ---- */

static long ordinal_of(const char *sts, const json_t *pod)
{
    const char *pn = kp_json_get_str(pod, "metadata.name");
    size_t n = strlen(sts);
    char *end;
    long o;
    if (!pn || strncmp(pn, sts, n) != 0 || pn[n] != '-' || pn[n + 1] < '0' || pn[n + 1] > '9')
        return -1;
    o = strtol(pn + n + 1, &end, 10);
    return *end ? -1 : o;
}

/* k8s StatefulSet controller: pods <name>-0..N-1 with stable names; OrderedReady (the
 * default) makes the next only when the ones before are Ready, and removes from the top. */
void sim_reconcile_sts(kp_sim *s, const char *ns, const char *name)
{
    const json_t *sts = sim_get(s, SK_STS, ns, name);
    const json_t **pods = NULL, **by_ord = NULL;
    size_t n = 0;
    int64_t want, ready = 0, count = 0, updated = 0;
    bool parallel, settled = true;
    char hash[16], *rev = NULL;
    const char *cur_rev = NULL;

    if (!sts || sim_terminating(sts))
        return;
    want = int_or(kp_json_get(sts, "spec.replicas"), 1);
    parallel =
        strcmp(str_or(kp_json_get_str(sts, "spec.podManagementPolicy"), ""), "Parallel") == 0;
    template_hash(hash, kp_json_get(sts, "spec.template"));
    rev = kp_asprintf("%s-%s", name, hash);
    pods = owned(s, SK_POD, kp_json_get_str(sts, "metadata.uid"), &n);
    by_ord = kp_calloc((size_t)(want > 0 ? want : 0) + 1, sizeof(*by_ord));
    for (size_t i = 0; i < n; i++) {
        long o = ordinal_of(name, pods[i]);
        if (o >= 0 && o < want)
            by_ord[o] = pods[i];
        else if (o >= want && sim_pod_active(pods[i]))
            delete_obj(s, SK_POD, pods[i]); /* scaled down */
    }
    for (int64_t i = 0; i < want; i++) {
        if (!by_ord[i]) {
            char *pn = kp_asprintf("%s-%lld", name, (long long)i), idx[32];
            json_t *pod = sim_pod_from_template(kp_json_get(sts, "spec.template"), SK_STS, sts);
            json_t *md = json_object_get(pod, "metadata"), *labels = json_object_get(md, "labels");
            json_t *spec = json_object_get(pod, "spec");
            snprintf(idx, sizeof(idx), "%lld", (long long)i);
            json_object_set_new(md, "name", json_string(pn));
            json_object_set_new(labels, "statefulset.kubernetes.io/pod-name", json_string(pn));
            json_object_set_new(labels, "apps.kubernetes.io/pod-index", json_string(idx));
            json_object_set_new(labels, "controller-revision-hash", json_string(rev));
            json_object_set_new(spec, "hostname", json_string(pn));
            if (kp_json_get_str(sts, "spec.serviceName"))
                json_object_set(spec, "subdomain", kp_json_get(sts, "spec.serviceName"));
            free(pn);
            create_pod(s, ns, pod, SK_STS, name);
            settled = false;
            if (!parallel)
                break; /* the next when this one is Ready */
            continue;
        }
        if (!sim_pod_ready(by_ord[i])) {
            settled = false;
            if (!parallel)
                break;
        }
    }
    /* k8s RollingUpdate: when every pod is there and Ready, the highest one of an older
     * revision goes; it comes back from the new template (OnDelete waits for the user) */
    if (settled && strcmp(str_or(kp_json_get_str(sts, "spec.updateStrategy.type"), "RollingUpdate"),
                          "RollingUpdate") == 0) {
        for (int64_t i = want - 1; i >= 0; i--) {
            const char *h = kp_json_get_str(by_ord[i], "metadata.labels.controller-revision-hash");
            if (h && strcmp(h, rev) != 0) {
                delete_obj(s, SK_POD, by_ord[i]);
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *h = kp_json_get_str(pods[i], "metadata.labels.controller-revision-hash");
        if (!sim_pod_active(pods[i]) || ordinal_of(name, pods[i]) >= want)
            continue;
        count++;
        if (sim_pod_ready(pods[i]))
            ready++;
        if (h && strcmp(h, rev) == 0)
            updated++;
        else if (h && !cur_rev)
            cur_rev = h;
    }
    if (!cur_rev || updated == count) /* every pod at the update revision: it is current */
        cur_rev = rev;
    sim_set_status(
        s, SK_STS, sts,
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:i}", "observedGeneration",
                  (json_int_t)int_or(kp_json_get(sts, "metadata.generation"), 1), "replicas",
                  (json_int_t)count, "readyReplicas", (json_int_t)ready, "currentReplicas",
                  (json_int_t)(strcmp(cur_rev, rev) == 0 ? updated : count - updated),
                  "updatedReplicas", (json_int_t)updated, "availableReplicas", (json_int_t)ready,
                  "currentRevision", cur_rev, "updateRevision", rev, "collisionCount", 0));
    free(by_ord);
    free(pods);
    free(rev);
}

/* ---- DaemonSet ---- */

static bool node_matches(const json_t *tmpl, const json_t *node)
{
    const json_t *sel = kp_json_get(tmpl, "spec.nodeSelector"), *v;
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

/* k8s DaemonSet controller: one pod on each node its nodeSelector picks (bound at once, as
 * the controller's node affinity leaves the scheduler no choice). */
void sim_reconcile_ds(kp_sim *s, const char *ns, const char *name)
{
    const json_t *ds = sim_get(s, SK_DS, ns, name), *tmpl, *node;
    const json_t **pods = NULL;
    size_t n = 0;
    int64_t desired = 0, current = 0, ready = 0, updated = 0;
    const char *nk;
    const json_t *outdated = NULL;
    json_t *seen;
    char hash[16];

    if (!ds || sim_terminating(ds))
        return;
    tmpl = kp_json_get(ds, "spec.template");
    template_hash(hash, tmpl);
    pods = owned(s, SK_POD, kp_json_get_str(ds, "metadata.uid"), &n);
    seen = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *pn = kp_json_get_str(pods[i], "spec.nodeName");
        const json_t *pnode = pn ? sim_get(s, SK_NODE, "", pn) : NULL;
        if (!sim_pod_active(pods[i]))
            continue;
        if (!pnode || !node_matches(tmpl, pnode) || json_object_get(seen, pn)) {
            delete_obj(s, SK_POD, pods[i]);
            continue;
        }
        json_object_set_new(seen, pn, json_true());
        current++;
        if (sim_pod_ready(pods[i]))
            ready++;
        if (strcmp(str_or(kp_json_get_str(pods[i], "metadata.labels.controller-revision-hash"), ""),
                   hash) == 0)
            updated++;
        else if (!outdated)
            outdated = pods[i];
    }
    json_object_foreach(s->cache[SK_NODE], nk, node)
    {
        const char *nn = kp_json_get_str(node, "metadata.name");
        json_t *pod;
        char *gen;
        if (!node_matches(tmpl, node))
            continue;
        desired++;
        if (json_object_get(seen, nn))
            continue;
        pod = sim_pod_from_template(tmpl, SK_DS, ds);
        gen = kp_asprintf("%s-", name);
        json_object_set_new(json_object_get(pod, "metadata"), "generateName", json_string(gen));
        json_object_set_new(json_object_get(json_object_get(pod, "metadata"), "labels"),
                            "controller-revision-hash", json_string(hash));
        json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(nn));
        free(gen);
        create_pod(s, ns, pod, SK_DS, name);
    }
    json_decref(seen);
    /* k8s RollingUpdate (maxUnavailable 1): when every node's pod is Ready, one of an older
     * template goes; its node gets a new one (OnDelete waits for the user) */
    if (outdated && ready == desired && current == desired &&
        strcmp(str_or(kp_json_get_str(ds, "spec.updateStrategy.type"), "RollingUpdate"),
               "RollingUpdate") == 0)
        delete_obj(s, SK_POD, outdated);
    sim_set_status(s, SK_DS, ds,
                   json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:o}", "observedGeneration",
                             (json_int_t)int_or(kp_json_get(ds, "metadata.generation"), 1),
                             "desiredNumberScheduled", (json_int_t)desired,
                             "currentNumberScheduled", (json_int_t)current, "numberReady",
                             (json_int_t)ready, "numberAvailable", (json_int_t)ready,
                             "updatedNumberScheduled", (json_int_t)updated, "numberMisscheduled", 0,
                             "numberUnavailable",
                             desired - ready > 0 ? json_integer(desired - ready) : json_null()));
    free(pods);
}

/* ---- Job ---- */

/* k8s Job controller (NonIndexed): up to parallelism pods at a time until completions
 * succeeded, then SuccessCriteriaMet and Complete. */
void sim_reconcile_job(kp_sim *s, const char *ns, const char *name)
{
    const json_t *job = sim_get(s, SK_JOB, ns, name), *conds;
    const json_t **pods = NULL;
    size_t n = 0;
    int64_t completions, parallelism, active = 0, succeeded = 0, failed = 0, ready = 0;
    const char *uid;
    char now[32];
    json_t *st;
    bool done;

    if (!job || sim_terminating(job))
        return;
    uid = kp_json_get_str(job, "metadata.uid");
    completions = int_or(kp_json_get(job, "spec.completions"), 1);
    parallelism = int_or(kp_json_get(job, "spec.parallelism"), 1);
    conds = kp_json_get(job, "status.conditions");
    pods = owned(s, SK_POD, uid, &n);
    for (size_t i = 0; i < n; i++) {
        const char *ph = str_or(kp_json_get_str(pods[i], "status.phase"), "");
        if (strcmp(ph, "Succeeded") == 0)
            succeeded++;
        else if (strcmp(ph, "Failed") == 0)
            failed++;
        else if (sim_pod_active(pods[i])) {
            active++;
            if (sim_pod_ready(pods[i]))
                ready++;
        }
    }
    done = succeeded >= completions;
    if (!done && !json_is_true(kp_json_get(job, "spec.suspend"))) {
        int64_t want =
            completions - succeeded < parallelism ? completions - succeeded : parallelism;
        for (int64_t i = active; i < want; i++) {
            json_t *pod = sim_pod_from_template(kp_json_get(job, "spec.template"), SK_JOB, job);
            json_t *md = json_object_get(pod, "metadata"), *labels = json_object_get(md, "labels");
            char *gen = kp_asprintf("%s-", name);
            json_object_set_new(md, "generateName", json_string(gen));
            json_object_set_new(labels, "job-name", json_string(name));
            json_object_set_new(labels, "batch.kubernetes.io/job-name", json_string(name));
            json_object_set_new(labels, "controller-uid", json_string(uid));
            json_object_set_new(labels, "batch.kubernetes.io/controller-uid", json_string(uid));
            free(gen);
            create_pod(s, ns, pod, SK_JOB, name);
        }
    }
    sim_now(now);
    st = json_pack("{s:o, s:o, s:o, s:I, s:I}", "active",
                   active ? json_integer(active) : json_null(), "succeeded",
                   succeeded ? json_integer(succeeded) : json_null(), "failed",
                   failed ? json_integer(failed) : json_null(), "ready", (json_int_t)ready,
                   "terminating", (json_int_t)0);
    {
        const json_t *stt = kp_json_get(job, "status.startTime");
        json_object_set_new(st, "startTime", stt ? json_incref((json_t *)stt) : json_string(now));
    }
    if (done) {
        const json_t *ct = kp_json_get(job, "status.completionTime");
        json_object_set_new(st, "completionTime",
                            ct ? json_incref((json_t *)ct) : json_string(now));
        json_object_set_new(
            st, "conditions",
            json_pack("[o, o]",
                      sim_condition(conds, "SuccessCriteriaMet", "True", "CompletionsReached",
                                    "Reached expected number of succeeded pods", false),
                      sim_condition(conds, "Complete", "True", "CompletionsReached",
                                    "Reached expected number of succeeded pods", false)));
    }
    sim_set_status(s, SK_JOB, job, st);
    free(pods);
}
