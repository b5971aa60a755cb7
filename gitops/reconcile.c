#include "lib/common.h"
#include "gitops/gitops_int.h"
#include "gitops/render.h"
#include "apiserver/schema.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/sv.h"

#include <stdatomic.h>
#include <time.h>

/* Reconciling a Sync, as Flux's kustomize-controller does: the artifact's tree under the path,
 * rendered; a server-side dry run of every object (nothing is applied when one fails); then
 * server-side apply in stages (CRDs, waited for until served; Namespaces; other cluster-scoped
 * objects; namespaced objects); prune of what left; status, events and the drift index. */

#define SYNC_PATH "/apis/gitops.kplane.io/v1alpha1/namespaces/%s/syncs/%s"
#define APPLY_QUERY "?fieldManager=" KP_GITOPS_MANAGER "&force=true"
#define APPLY_CT "application/apply-patch+yaml"
#define DEP_RETRY_MS 2000
#define FAIL_RETRY_MS 30000
#define EVENT_LIST_MAX 20

enum { STAGE_CRD = 0, STAGE_NS, STAGE_CLUSTER, STAGE_NAMESPACED, STAGE_N };

typedef struct {
    json_t *obj; /* borrowed from the rendered items */
    const char *file;
    json_int_t index;
    char *path; /* the object's URL */
    char *okey;
    int stage;
    bool deferred; /* its CRD or its Namespace comes with the set: validated after those */
    bool same;     /* rendered as last applied (and no full reconcile): left alone */
} plan_ent;

typedef struct {
    plan_ent *v;
    size_t n;
    json_t *discovery; /* "group/version" -> APIResourceList resources */
} plan;

static void plan_dispose(plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].path);
        free(p->v[i].okey);
    }
    free(p->v);
    json_decref(p->discovery);
}

void go_sync_free(sync_ent *s)
{
    if (!s)
        return;
    free(s->cluster);
    free(s->ns);
    free(s->name);
    json_decref(s->obj);
    json_decref(s->applied);
    json_decref(s->inventory);
    free(s->applied_rev);
    free(s);
}

static sync_ent *sync_find(kp_gitops *g, const char *cluster, const char *ns, const char *name)
{
    for (sync_ent *s = g->syncs; s; s = s->next)
        if (strcmp(s->cluster, cluster) == 0 && strcmp(s->ns, ns) == 0 &&
            strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* Replaces the Sync's entries of the drift index by the keys of applied (NULL: none). */
static void drift_index(kp_gitops *g, const sync_ent *s, const json_t *applied)
{
    char *id = kp_asprintf("%s/%s", s->ns, s->name);
    const char *key;
    json_t *v;
    void *tmp;
    size_t pfx = strlen(s->cluster);
    pthread_mutex_lock(&g->mu);
    json_object_foreach_safe(g->drift, tmp, key, v)
    {
        if (strncmp(key, s->cluster, pfx) == 0 && key[pfx] == '|' &&
            strcmp(json_string_value(v), id) == 0)
            json_object_del(g->drift, key);
    }
    json_object_foreach((json_t *)applied, key, v)
    {
        json_object_set_new(g->drift, key, json_string(id));
    }
    atomic_store(&g->ndrift, json_object_size(g->drift));
    pthread_mutex_unlock(&g->mu);
    free(id);
}

void go_syncs_of_repo(kp_gitops *g, const repo_ent *r)
{
    for (sync_ent *s = g->syncs; s; s = s->next) {
        const char *src = kp_json_get_str(s->obj, "spec.sourceRef.name");
        if (strcmp(s->cluster, r->cluster) == 0 && strcmp(s->ns, r->ns) == 0 && src &&
            strcmp(src, r->name) == 0)
            go_queue(g, JOB_SYNC, true, s->cluster, s->ns, s->name);
    }
}

static const char *group_of(const char *av, char *buf, size_t cap)
{
    const char *slash = strchr(av, '/');
    size_t n = slash ? (size_t)(slash - av) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, av, n);
    buf[n] = '\0';
    return buf;
}

/* The plural and scope of av/kind: a built-in, a CRD of the set (deferred), or discovery. */
static int resolve_kind(kp_gitops *g, plan *p, const char *cluster, const json_t *items,
                        const char *av, const char *kind, const char **plural_out,
                        bool *namespaced_out, bool *deferred_out)
{
    char gb[256];
    const char *grp = group_of(av, gb, sizeof(gb));
    const char *ver = strchr(av, '/') ? strchr(av, '/') + 1 : av;
    const kp_schema_res *r = kp_schema_by_kind(grp, kind);
    size_t i;
    json_t *it, *list;

    *deferred_out = false;
    if (r && r->store_key && !r->verbs) {
        *plural_out = r->resource;
        *namespaced_out = r->namespaced;
        return 0;
    }
    json_array_foreach((json_t *)items, i, it)
    {
        const json_t *o = json_object_get(it, "object");
        if (strcmp(json_string_value(json_object_get(o, "kind")), "CustomResourceDefinition") ==
                0 &&
            kp_json_get_str(o, "spec.group") &&
            strcmp(kp_json_get_str(o, "spec.group"), grp) == 0 &&
            kp_json_get_str(o, "spec.names.kind") &&
            strcmp(kp_json_get_str(o, "spec.names.kind"), kind) == 0 &&
            kp_json_get_str(o, "spec.names.plural")) {
            *plural_out = kp_json_get_str(o, "spec.names.plural");
            *namespaced_out = !kp_json_get_str(o, "spec.scope") ||
                              strcmp(kp_json_get_str(o, "spec.scope"), "Cluster") != 0;
            *deferred_out = true;
            return 0;
        }
    }
    if (!grp[0])
        return kp_err_set(KP_ENOTFOUND, "no resource of kind \"%s\" in \"%s\"", kind, av);
    if (!(list = json_object_get(p->discovery, av))) {
        json_t *d = NULL;
        char *path = kp_asprintf("/clusters/%s/apis/%s", cluster, av);
        list = kp_client_do(&d, NULL, g->client, "GET", path, NULL) == 0
                   ? json_incref(json_object_get(d, "resources"))
                   : json_array();
        kp_err_clear();
        json_object_set_new(p->discovery, av, list ? list : json_array());
        list = json_object_get(p->discovery, av);
        json_decref(d);
        free(path);
    }
    json_array_foreach(list, i, it)
    {
        const char *name = json_string_value(json_object_get(it, "name"));
        if (name && !strchr(name, '/') && go_str_is(json_object_get(it, "kind"), kind) &&
            json_object_get(it, "kind")) {
            *plural_out = name;
            *namespaced_out = json_is_true(json_object_get(it, "namespaced"));
            return 0;
        }
    }
    (void)ver;
    return kp_err_set(KP_ENOTFOUND, "no resource of kind \"%s\" in \"%s\"", kind, av);
}

/* "<file>: document <n>: " or "<file>: " for generated objects. */
static void where(kp_buf *b, const plan_ent *e)
{
    if (e->index > 0)
        kp_buf_appendf(b, "%s: document %lld: ", e->file, (long long)e->index);
    else
        kp_buf_appendf(b, "%s: ", e->file);
}

static int build_plan(kp_buf *err, plan *p, kp_gitops *g, const sync_ent *s, const json_t *spec,
                      json_t *items)
{
    const char *target = json_string_value(json_object_get(spec, "targetNamespace"));
    json_t *seen = json_object(), *new_ns = json_object();
    size_t i;
    json_t *it;
    int rc = 0;

    p->v = kp_calloc(json_array_size(items) + 1, sizeof(plan_ent));
    p->discovery = json_object();
    json_array_foreach(items, i, it)
    {
        json_t *o = json_object_get(it, "object");
        if (strcmp(json_string_value(json_object_get(o, "kind")), "Namespace") == 0 &&
            strcmp(json_string_value(json_object_get(o, "apiVersion")), "v1") == 0)
            json_object_set_new(new_ns, kp_json_get_str(o, "metadata.name"), json_true());
    }
    json_array_foreach(items, i, it)
    {
        plan_ent *e = &p->v[p->n];
        json_t *o = json_object_get(it, "object");
        const char *av = json_string_value(json_object_get(o, "apiVersion"));
        const char *kind = json_string_value(json_object_get(o, "kind"));
        const char *plural = NULL, *ns;
        bool namespaced = true, deferred = false;
        char gb[256];
        const char *grp = group_of(av, gb, sizeof(gb));
        json_t *md = kp_json_obj_ensure(o, "metadata");

        e->obj = o;
        e->file = json_string_value(json_object_get(it, "file"));
        e->index = json_integer_value(json_object_get(it, "index"));
        if ((rc = resolve_kind(g, p, s->cluster, items, av, kind, &plural, &namespaced,
                               &deferred)) < 0) {
            where(err, e);
            kp_buf_appendf(err, "%s", kp_err_msg());
            goto out;
        }
        if (namespaced) {
            ns = target ? target : kp_json_get_str(o, "metadata.namespace");
            if (!ns || !ns[0])
                ns = s->ns;
            json_object_set_new(md, "namespace", json_string(ns));
            ns = kp_json_get_str(o, "metadata.namespace"); /* the old string is gone */
            if (json_object_get(new_ns, ns))
                deferred = true;
        } else {
            ns = NULL;
            json_object_del(md, "namespace");
        }
        e->deferred = deferred;
        if (!grp[0]) { /* core: /api/<version> */
            e->path = kp_asprintf("/clusters/%s/api/%s%s%s/%s/%s", s->cluster, av,
                                  ns ? "/namespaces/" : "", ns ? ns : "", plural,
                                  kp_json_get_str(o, "metadata.name"));
        } else {
            e->path = kp_asprintf("/clusters/%s/apis/%s%s%s/%s/%s", s->cluster, av,
                                  ns ? "/namespaces/" : "", ns ? ns : "", plural,
                                  kp_json_get_str(o, "metadata.name"));
        }
        e->okey = go_okey(s->cluster, o);
        if (strcmp(kind, "CustomResourceDefinition") == 0 &&
            strcmp(grp, "apiextensions.k8s.io") == 0)
            e->stage = STAGE_CRD;
        else if (strcmp(kind, "Namespace") == 0 && !grp[0])
            e->stage = STAGE_NS;
        else
            e->stage = namespaced ? STAGE_NAMESPACED : STAGE_CLUSTER;
        p->n++;
        if (json_object_get(seen, e->okey)) {
            where(err, e);
            kp_buf_appendf(err, "%s \"%s\" is defined twice", kind,
                           kp_json_get_str(o, "metadata.name"));
            rc = KP_EINVALID;
            goto out;
        }
        json_object_set_new(seen, e->okey, json_true());
    }
out:
    json_decref(seen);
    json_decref(new_ns);
    return rc;
}

/* Server-side apply of e (dry run or not); *rv_out gets the object's resourceVersion. */
static int apply_one(kp_gitops *g, const char *path, const json_t *obj, bool dry, int64_t *rv_out)
{
    json_t *res = NULL;
    char *p = kp_asprintf("%s" APPLY_QUERY "%s", path, dry ? "&dryRun=All" : "");
    int rc = kp_client_do_ct(&res, NULL, g->client, "PATCH", p, obj, APPLY_CT);
    if (rc == 0 && rv_out) {
        const char *rv = kp_json_get_str(res, "metadata.resourceVersion");
        int64_t v = 0;
        if (rv && kp_parse_i64(&v, kp_sv_from(rv), 0, INT64_MAX) < 0)
            v = 0;
        *rv_out = v;
    }
    json_decref(res);
    free(p);
    return rc;
}

/* Waits until every CRD of the set serves its kind (discovery lists it), or the timeout. */
static int wait_crds(kp_gitops *g, const plan *p, const char *cluster, int64_t timeout_ms)
{
    int64_t end = go_now_ms() + timeout_ms;
    for (size_t i = 0; i < p->n; i++) {
        const json_t *o = p->v[i].obj;
        const char *grp = kp_json_get_str(o, "spec.group");
        const char *kind = kp_json_get_str(o, "spec.names.kind");
        const json_t *vers = kp_json_get(o, "spec.versions");
        const char *ver = json_string_value(json_object_get(json_array_get(vers, 0), "name"));
        char *path;
        bool ok = false;
        if (p->v[i].stage != STAGE_CRD || !grp || !kind || !ver)
            continue;
        path = kp_asprintf("/clusters/%s/apis/%s/%s", cluster, grp, ver);
        while (!ok) {
            json_t *d = NULL;
            size_t j;
            json_t *r;
            if (kp_client_do(&d, NULL, g->client, "GET", path, NULL) == 0)
                json_array_foreach(json_object_get(d, "resources"), j, r)
                {
                    ok = ok || go_str_is(json_object_get(r, "kind"), kind);
                }
            json_decref(d);
            kp_err_clear();
            if (ok)
                break;
            if (go_now_ms() > end) {
                free(path);
                return kp_err_set(KP_ETIMEOUT,
                                  "CustomResourceDefinition \"%s\" not established in time",
                                  kp_json_get_str(o, "metadata.name"));
            }
            {
                struct timespec ts = {0, 20 * 1000000};
                nanosleep(&ts, NULL);
            }
        }
        free(path);
    }
    return 0;
}

static json_t *inv_entry(const json_t *o)
{
    const char *ns = kp_json_get_str(o, "metadata.namespace");
    json_t *e = json_pack("{s:O, s:O}", "apiVersion", json_object_get(o, "apiVersion"), "kind",
                          json_object_get(o, "kind"));
    if (ns)
        json_object_set_new(e, "namespace", json_string(ns));
    json_object_set(e, "name", kp_json_get(o, "metadata.name"));
    return e;
}

static char *inv_path(const char *cluster, const json_t *e, kp_gitops *g)
{
    const char *av = json_string_value(json_object_get(e, "apiVersion"));
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const char *ns = json_string_value(json_object_get(e, "namespace"));
    const char *name = json_string_value(json_object_get(e, "name"));
    const char *plural = NULL;
    bool namespaced = false, deferred;
    plan p;
    char *out = NULL;
    char gb[256];
    memset(&p, 0, sizeof(p));
    p.discovery = json_object();
    if (av && kind && name &&
        resolve_kind(g, &p, cluster, NULL, av, kind, &plural, &namespaced, &deferred) == 0) {
        const char *grp = group_of(av, gb, sizeof(gb));
        out = kp_asprintf("/clusters/%s/%s/%s%s%s/%s/%s", cluster, grp[0] ? "apis" : "api", av,
                          namespaced && ns ? "/namespaces/" : "", namespaced && ns ? ns : "",
                          plural, name);
    }
    kp_err_clear();
    json_decref(p.discovery);
    return out;
}

/* Deletes what the old inventory has and the new one lacks, namespaced objects first; keeps
 * objects annotated gitops.kplane.io/prune: disabled. Appends "Kind/ns/name" lines to log. */
static int prune(kp_gitops *g, const sync_ent *s, const json_t *old_inv, const json_t *keep,
                 kp_buf *log, size_t *n_out)
{
    size_t i, n = 0;
    json_t *e;
    *n_out = 0;
    for (int pass = 0; pass < 3; pass++) {
        json_array_foreach((json_t *)old_inv, i, e)
        {
            const char *kind = json_string_value(json_object_get(e, "kind"));
            const char *ns = json_string_value(json_object_get(e, "namespace"));
            json_t *probe = json_pack(
                "{s:O, s:O, s:{s:O}}", "apiVersion", json_object_get(e, "apiVersion"), "kind",
                json_object_get(e, "kind"), "metadata", "name", json_object_get(e, "name"));
            char *key, *path;
            int want = ns ? 0
                       : (kind && (strcmp(kind, "Namespace") == 0 ||
                                   strcmp(kind, "CustomResourceDefinition") == 0))
                           ? 2
                           : 1;
            if (ns)
                json_object_set_new(json_object_get(probe, "metadata"), "namespace",
                                    json_string(ns));
            key = go_okey(s->cluster, probe);
            json_decref(probe);
            if (want != pass || !key || json_object_get(keep, key)) {
                free(key);
                continue;
            }
            free(key);
            if (!(path = inv_path(s->cluster, e, g)))
                continue;
            {
                json_t *live = NULL;
                if (kp_client_do(&live, NULL, g->client, "GET", path, NULL) == 0) {
                    const char *ann = json_string_value(json_object_get(
                        kp_json_get(live, "metadata.annotations"), KP_GITOPS_PRUNE_ANN));
                    if (!(ann && strcmp(ann, "disabled") == 0) &&
                        kp_client_do(NULL, NULL, g->client, "DELETE", path, NULL) == 0) {
                        if (n++ < EVENT_LIST_MAX)
                            kp_buf_appendf(log, "\n%s/%s%s%s deleted", kind, ns ? ns : "",
                                           ns ? "/" : "",
                                           json_string_value(json_object_get(e, "name")));
                    }
                }
                json_decref(live);
                kp_err_clear();
            }
            free(path);
        }
    }
    *n_out = n;
    return 0;
}

/* Writes the Sync's status: Ready with reason and message, Reconciling False. */
static void sync_status(kp_gitops *g, sync_ent *s, const char *path, bool ready, const char *reason,
                        const char *msg, const char *attempted, const json_t *inventory)
{
    json_t *st = json_pack("{s:I, s:[oo]}", "observedGeneration", (json_int_t)s->generation,
                           "conditions", go_condition("Ready", ready, reason, msg),
                           go_condition("Reconciling", false, reason, msg));
    if (s->applied_rev)
        json_object_set_new(st, "lastAppliedRevision", json_string(s->applied_rev));
    if (attempted)
        json_object_set_new(st, "lastAttemptedRevision", json_string(attempted));
    if (inventory)
        json_object_set(st, "inventory", (json_t *)inventory);
    go_write_status(g, path, st, NULL);
    s->ready = ready;
}

static void sync_fail(kp_gitops *g, sync_ent *s, const char *path, const char *reason,
                      const char *msg, const char *attempted)
{
    KP_LOG_INFO("gitops", "sync %s/%s/%s: %s: %s", s->cluster, s->ns, s->name, reason, msg);
    sync_status(g, s, path, false, reason, msg, attempted, s->inventory);
    go_event(g, s->cluster, s->obj, true, reason, msg);
    if (!s->next_ms || s->next_ms > go_now_ms() + FAIL_RETRY_MS)
        s->next_ms = go_now_ms() + FAIL_RETRY_MS;
}

typedef struct {
    kp_render_files *fs;
} collect_ctx;

static int collect_file(void *arg, const char *path, const char *data, size_t len)
{
    return kp_render_files_add(arg, path, data, len);
}

static bool deps_ready(kp_gitops *g, const sync_ent *s, kp_buf *why)
{
    size_t i;
    json_t *d;
    json_array_foreach(kp_json_get(s->obj, "spec.dependsOn"), i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        char *p;
        json_t *o = NULL;
        bool ok = false;
        if (!name)
            continue;
        p = kp_asprintf("/clusters/%s" SYNC_PATH, s->cluster, s->ns, name);
        if (kp_client_do(&o, NULL, g->client, "GET", p, NULL) == 0) {
            size_t j;
            json_t *c;
            json_array_foreach(kp_json_get(o, "status.conditions"), j, c)
            {
                if (go_str_is(json_object_get(c, "type"), "Ready") &&
                    go_str_is(json_object_get(c, "status"), "True"))
                    ok = json_integer_value(kp_json_get(o, "status.observedGeneration")) ==
                         json_integer_value(kp_json_get(o, "metadata.generation"));
            }
        }
        kp_err_clear();
        json_decref(o);
        free(p);
        if (!ok) {
            kp_buf_appendf(why, "dependency '%s/%s' is not ready", s->ns, name);
            return false;
        }
    }
    return true;
}

static void reconcile(kp_gitops *g, sync_ent *s, const char *path)
{
    const json_t *spec = json_object_get(s->obj, "spec");
    const char *src = kp_json_get_str(spec, "sourceRef.name");
    const char *dir = kp_json_get_str(spec, "path");
    repo_ent *r = src ? go_repo_find(g, s->cluster, s->ns, src) : NULL;
    kp_render_files fs;
    json_t *items = NULL, *applied = NULL, *inv = NULL;
    plan p;
    kp_buf err, log;
    char *rev = NULL;
    int64_t timeout = 5 * 60 * 1000, interval = 10 * 60 * 1000;
    size_t napplied = 0, npruned = 0, ci;
    bool full;
    json_t *c;
    int rc;

    memset(&fs, 0, sizeof(fs));
    memset(&p, 0, sizeof(p));
    kp_buf_init(&err, KP_ERR_MSG_MAX);
    kp_buf_init(&log, 64 * 1024);
    if (json_is_string(json_object_get(spec, "timeout")))
        kp_parse_duration_ms(&timeout, kp_sv_from(kp_json_get_str(spec, "timeout")), INT64_MAX / 2);
    if (json_is_string(json_object_get(spec, "interval")))
        kp_parse_duration_ms(&interval, kp_sv_from(kp_json_get_str(spec, "interval")),
                             INT64_MAX / 2);
    if (interval < 1000)
        interval = 1000;
    s->next_ms = go_now_ms() + interval;
    if (!deps_ready(g, s, &err)) {
        sync_status(g, s, path, false, "DependencyNotReady", kp_buf_cstr(&err), NULL, s->inventory);
        s->next_ms = go_now_ms() + DEP_RETRY_MS;
        goto out;
    }
    if (!r || !r->sha[0]) {
        kp_buf_appendf(&err, "GitRepository '%s/%s' has no artifact%s", s->ns, src ? src : "",
                       r ? " yet" : ": not found");
        sync_fail(g, s, path, "ArtifactFailed", kp_buf_cstr(&err), NULL);
        goto out;
    }
    rev = kp_strdup(r->revision);
    if (!s->applied_rev || strcmp(s->applied_rev, rev) != 0) { /* a new revision: say so */
        char *m = kp_asprintf("Reconciling revision %s", rev);
        json_t *st = json_pack("{s:s, s:[oo]}", "lastAttemptedRevision", rev, "conditions",
                               go_condition("Ready", false, "Progressing", m),
                               go_condition("Reconciling", true, "Progressing", m));
        json_array_foreach(json_object_get(st, "conditions"), ci, c)
        {
            if (go_str_is(json_object_get(c, "type"), "Ready"))
                json_object_set_new(c, "status", json_string("Unknown"));
        }
        go_write_status(g, path, st, NULL);
        free(m);
    }
    if ((rc = kp_git_read_tree(r->mirror, r->sha, dir ? dir : "", KP_RENDER_BYTES_MAX, collect_file,
                               &fs)) < 0 ||
        (rc = kp_render(&items, &fs, dir ? dir : "")) < 0) {
        sync_fail(g, s, path, "BuildFailed", kp_err_msg(), rev);
        goto out;
    }
    if ((rc = build_plan(&err, &p, g, s, spec, items)) < 0) {
        sync_fail(g, s, path, "ValidationFailed", kp_buf_cstr(&err), rev);
        goto out;
    }
    /* Between full reconciles (the interval, a new spec, a restart) an object rendered exactly
     * as last applied is left alone: drift is corrected from the watch, so the live object is
     * what we applied. A one-object push then costs one dry run and one apply. */
    full = s->full || !s->applied || s->applied_gen != s->generation;
    s->full = false;
    for (size_t i = 0; i < p.n; i++) {
        const json_t *prev = full ? NULL : json_object_get(s->applied, p.v[i].okey);
        p.v[i].same = prev && json_equal(json_object_get(prev, "object"), p.v[i].obj) &&
                      go_str_is(json_object_get(prev, "path"), p.v[i].path);
    }
    /* the dry run: every object the API can judge now; nothing is applied if one fails */
    for (size_t i = 0; i < p.n; i++) {
        if (p.v[i].deferred || p.v[i].same)
            continue;
        if (apply_one(g, p.v[i].path, p.v[i].obj, true, NULL) < 0) {
            where(&err, &p.v[i]);
            kp_buf_appendf(&err, "%s \"%s\": %s",
                           json_string_value(json_object_get(p.v[i].obj, "kind")),
                           kp_json_get_str(p.v[i].obj, "metadata.name"), kp_err_msg());
            sync_fail(g, s, path, "ValidationFailed", kp_buf_cstr(&err), rev);
            goto out;
        }
    }
    applied = json_object();
    inv = json_array();
    for (int stage = 0; stage < STAGE_N; stage++) {
        if (stage == STAGE_CLUSTER) {
            /* CRDs and Namespaces are in: now the objects that needed them can be judged */
            if (wait_crds(g, &p, s->cluster, timeout) < 0) {
                sync_fail(g, s, path, "ApplyFailed", kp_err_msg(), rev);
                goto partial;
            }
            for (size_t i = 0; i < p.n; i++) {
                if (!p.v[i].deferred || p.v[i].same)
                    continue;
                if (apply_one(g, p.v[i].path, p.v[i].obj, true, NULL) < 0) {
                    where(&err, &p.v[i]);
                    kp_buf_appendf(&err, "%s \"%s\": %s",
                                   json_string_value(json_object_get(p.v[i].obj, "kind")),
                                   kp_json_get_str(p.v[i].obj, "metadata.name"), kp_err_msg());
                    sync_fail(g, s, path, "ValidationFailed", kp_buf_cstr(&err), rev);
                    goto partial;
                }
            }
        }
        for (size_t i = 0; i < p.n; i++) {
            plan_ent *e = &p.v[i];
            int64_t rv = 0;
            if (e->stage != stage)
                continue;
            if (e->same) {
                json_object_set(applied, e->okey, json_object_get(s->applied, e->okey));
                json_array_append_new(inv, inv_entry(e->obj));
                continue;
            }
            if (apply_one(g, e->path, e->obj, false, &rv) < 0) {
                where(&err, e);
                kp_buf_appendf(&err, "%s \"%s\": %s",
                               json_string_value(json_object_get(e->obj, "kind")),
                               kp_json_get_str(e->obj, "metadata.name"), kp_err_msg());
                sync_fail(g, s, path, "ApplyFailed", kp_buf_cstr(&err), rev);
                goto partial;
            }
            json_object_set_new(applied, e->okey,
                                json_pack("{s:s, s:O, s:I}", "path", e->path, "object", e->obj,
                                          "rv", (json_int_t)rv));
            json_array_append_new(inv, inv_entry(e->obj));
            if (napplied++ < EVENT_LIST_MAX)
                kp_buf_appendf(&log, "\n%s/%s%s%s configured",
                               json_string_value(json_object_get(e->obj, "kind")),
                               kp_json_get_str(e->obj, "metadata.namespace")
                                   ? kp_json_get_str(e->obj, "metadata.namespace")
                                   : "",
                               kp_json_get_str(e->obj, "metadata.namespace") ? "/" : "",
                               kp_json_get_str(e->obj, "metadata.name"));
        }
    }
    /* prune: never because the set came out empty, unless the Sync allows it by annotation */
    if (json_is_true(json_object_get(spec, "prune")) && s->inventory) {
        const char *allow = json_string_value(json_object_get(
            kp_json_get(s->obj, "metadata.annotations"), "gitops.kplane.io/prune-empty"));
        if (p.n > 0 || (allow && strcmp(allow, "allowed") == 0))
            prune(g, s, s->inventory, applied, &log, &npruned);
    }
    free(s->applied_rev);
    s->applied_rev = kp_strdup(rev);
    s->applied_gen = s->generation;
    json_decref(s->applied);
    s->applied = applied;
    applied = NULL;
    json_decref(s->inventory);
    s->inventory = inv;
    inv = NULL;
    drift_index(g, s, s->applied);
    {
        kp_buf msg;
        kp_buf_init(&msg, 64 * 1024);
        kp_buf_appendf(&msg, "Applied revision: %s", rev);
        sync_status(g, s, path, true, "ReconciliationSucceeded", kp_buf_cstr(&msg), rev,
                    s->inventory);
        kp_buf_reset(&msg);
        kp_buf_appendf(&msg, "revision %s: %zu applied, %zu pruned%s%s", rev, napplied, npruned,
                       kp_buf_cstr(&log), napplied + npruned > EVENT_LIST_MAX ? "\n..." : "");
        go_event(g, s->cluster, s->obj, false, "ReconciliationSucceeded", kp_buf_cstr(&msg));
        kp_buf_dispose(&msg);
    }
    KP_LOG_INFO("gitops", "sync %s/%s/%s: applied %s (%zu objects, %zu pruned)", s->cluster, s->ns,
                s->name, rev, napplied, npruned);
    /* the Syncs waiting for this one */
    for (sync_ent *o = g->syncs; o; o = o->next) {
        size_t i;
        json_t *d;
        if (o == s || strcmp(o->cluster, s->cluster) != 0 || strcmp(o->ns, s->ns) != 0)
            continue;
        json_array_foreach(kp_json_get(o->obj, "spec.dependsOn"), i, d)
        {
            if (go_str_is(json_object_get(d, "name"), s->name))
                go_queue(g, JOB_SYNC, true, o->cluster, o->ns, o->name);
        }
    }
    goto out;
partial:
    /* what went in is tracked too, so a later prune finds it; the old inventory stays */
    if (applied && json_object_size(applied)) {
        size_t i;
        json_t *e;
        json_t *merged = json_deep_copy(s->applied ? s->applied : applied);
        json_object_update(merged, applied);
        json_decref(s->applied);
        s->applied = merged;
        json_array_foreach(inv, i, e)
        {
            if (!s->inventory)
                s->inventory = json_array();
            bool have = false;
            size_t k;
            json_t *x;
            json_array_foreach(s->inventory, k, x)
            {
                have = have || json_equal(x, e);
            }
            if (!have)
                json_array_append(s->inventory, e);
        }
        drift_index(g, s, s->applied);
    }
out:
    json_decref(applied);
    json_decref(inv);
    json_decref(items);
    plan_dispose(&p);
    kp_render_files_dispose(&fs);
    kp_buf_dispose(&err);
    kp_buf_dispose(&log);
    free(rev);
}

void go_sync_job(kp_gitops *g, const go_job *j)
{
    char *path = kp_asprintf("/clusters/%s" SYNC_PATH, j->cluster, j->ns, j->name);
    json_t *obj = NULL;
    sync_ent *s = sync_find(g, j->cluster, j->ns, j->name);
    int64_t gen;
    int rc = kp_client_do(&obj, NULL, g->client, "GET", path, NULL);

    if (rc == KP_ENOTFOUND) {
        if (s) {
            drift_index(g, s, NULL);
            /* k8s-as-Flux: a deleted Sync with prune takes what it applied with it */
            if (json_is_true(kp_json_get(s->obj, "spec.prune")) &&
                !json_is_true(kp_json_get(s->obj, "spec.suspend")) && s->inventory) {
                kp_buf log;
                size_t n = 0;
                json_t *none = json_object();
                kp_buf_init(&log, 64 * 1024);
                prune(g, s, s->inventory, none, &log, &n);
                KP_LOG_INFO("gitops", "sync %s/%s/%s deleted: %zu objects pruned", s->cluster,
                            s->ns, s->name, n);
                json_decref(none);
                kp_buf_dispose(&log);
            }
            for (sync_ent **pp = &g->syncs; *pp; pp = &(*pp)->next)
                if (*pp == s) {
                    *pp = s->next;
                    break;
                }
            go_sync_free(s);
        }
        goto out;
    }
    if (rc < 0) {
        KP_LOG_WARN("gitops", "cannot read %s: %s", path, kp_err_msg());
        goto out;
    }
    gen = json_integer_value(kp_json_get(obj, "metadata.generation"));
    if (s && !j->force && s->generation == gen)
        goto out;
    if (!s) {
        s = kp_calloc(1, sizeof(*s));
        s->cluster = kp_strdup(j->cluster);
        s->ns = kp_strdup(j->ns);
        s->name = kp_strdup(j->name);
        s->next = g->syncs;
        g->syncs = s;
        /* after a restart: the inventory of the last run, for prune */
        s->inventory = json_incref(kp_json_get(obj, "status.inventory"));
        s->applied_rev = kp_strdup(kp_json_get_str(obj, "status.lastAppliedRevision"));
    }
    s->generation = gen;
    json_decref(s->obj);
    s->obj = obj;
    obj = NULL;
    if (json_is_true(kp_json_get(s->obj, "spec.suspend"))) {
        s->next_ms = 0;
        goto out;
    }
    reconcile(g, s, path);
out:
    json_decref(obj);
    free(path);
}

void go_drift_job(kp_gitops *g, const go_job *j)
{
    const char *slash = strchr(j->name, '/');
    char *ns;
    sync_ent *s;
    const json_t *ent;
    int64_t rv = 0;

    if (!slash)
        return;
    ns = kp_strndup(j->name, (size_t)(slash - j->name));
    s = sync_find(g, j->cluster, ns, slash + 1);
    free(ns);
    if (!s || json_is_true(kp_json_get(s->obj, "spec.suspend")))
        return;
    ent = json_object_get(s->applied, j->okey);
    if (!ent)
        return;
    if (j->deleted && go_str_is(kp_json_get(json_object_get(ent, "object"), "kind"), "Namespace")) {
        /* its contents went with it (bulk events): everything again */
        s->full = true;
        go_queue(g, JOB_SYNC, true, s->cluster, s->ns, s->name);
        return;
    }
    if (!j->deleted && j->rv <= json_integer_value(json_object_get(ent, "rv")))
        return; /* our own write, or one before it */
    if (apply_one(g, json_string_value(json_object_get(ent, "path")),
                  json_object_get(ent, "object"), false, &rv) < 0) {
        KP_LOG_INFO("gitops", "drift of %s not corrected: %s", j->okey, kp_err_msg());
        return;
    }
    json_object_set_new((json_t *)ent, "rv", json_integer(rv));
    {
        const json_t *o = json_object_get(ent, "object");
        char *msg = kp_asprintf(
            "%s/%s%s%s %s by hand: restored", json_string_value(json_object_get(o, "kind")),
            kp_json_get_str(o, "metadata.namespace") ? kp_json_get_str(o, "metadata.namespace")
                                                     : "",
            kp_json_get_str(o, "metadata.namespace") ? "/" : "",
            kp_json_get_str(o, "metadata.name"), j->deleted ? "deleted" : "changed");
        go_event(g, s->cluster, s->obj, false, "DriftCorrected", msg);
        KP_LOG_INFO("gitops", "sync %s/%s/%s: %s", s->cluster, s->ns, s->name, msg);
        free(msg);
    }
}
