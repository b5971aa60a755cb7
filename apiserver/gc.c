#include "lib/common.h"
#include "apiserver/gc.h"
#include "lib/hash.h"
#include "apiserver/schema.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "apiserver/metrics.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* The queue is bounded: past it the collector forgets jobs and sweeps again, which finds
 * everything the forgotten jobs were about (pending finalizers, terminating namespaces,
 * dependents of gone owners). */
#define GC_QUEUE_MAX 200000
#define GC_SET_BUCKETS 4096
#define GC_RETRIES 6
#define GC_UPDATE_TRIES 16

#define FIN_ORPHAN "orphan"
#define FIN_FOREGROUND "foregroundDeletion"
#define FIN_NAMESPACE "kubernetes"

typedef enum {
    JOB_OWNER_GONE = 1, /* an object was deleted: its dependents may have to go (uid) */
    JOB_OWNER_CHECK,    /* a dependent changed or went: its owner (ref) may be waiting for it */
    JOB_PENDING,        /* an object marked with the orphan or foregroundDeletion finalizer */
    JOB_DEPENDENT,      /* an object with ownerReferences: are its owners there? */
    JOB_NAMESPACE,      /* a terminating namespace (name) */
} job_kind;

typedef struct gc_job {
    struct gc_job *next;
    job_kind kind;
    int attempts;
    char *id; /* its key in the set of queued jobs */
    char *cluster, *resource, *ns, *name, *uid;
    json_t *ref; /* JOB_OWNER_CHECK: the ownerReference */
} gc_job;

typedef struct set_ent {
    struct set_ent *next;
    char key[];
} set_ent;

typedef struct {
    set_ent *b[GC_SET_BUCKETS];
    size_t n;
} str_set;

struct kp_gc {
    kp_store *st;
    kp_client *client;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gc_job *head, *tail; /* guarded by mu */
    str_set queued;      /* guarded by mu: the ids of queued jobs */
    str_set terminating; /* guarded by mu: "cluster/namespace" of namespaces being deleted */
    bool sweep;          /* guarded by mu: sweep before the next job */
    bool stopping;       /* guarded by mu */
    uint64_t jobs;       /* gc thread only: jobs worked on, for /metrics */
};

/* ---- a set of strings ---- */

static size_t set_hash(const char *s)
{
    return (size_t)(kp_hash_str(KP_HASH_INIT, s) % GC_SET_BUCKETS);
}

static set_ent **set_find(str_set *s, const char *key)
{
    set_ent **pp = &s->b[set_hash(key)];
    while (*pp && strcmp((*pp)->key, key) != 0)
        pp = &(*pp)->next;
    return pp;
}

/* false when key was there already */
static bool set_add(str_set *s, const char *key)
{
    set_ent **pp = set_find(s, key), *e;
    size_t len = strlen(key);
    if (*pp)
        return false;
    e = kp_malloc(sizeof(*e) + len + 1);
    memcpy(e->key, key, len + 1);
    e->next = NULL;
    *pp = e;
    s->n++;
    return true;
}

static void set_del(str_set *s, const char *key)
{
    set_ent **pp = set_find(s, key), *e = *pp;
    if (!e)
        return;
    *pp = e->next;
    free(e);
    s->n--;
}

static void set_clear(str_set *s)
{
    for (size_t i = 0; i < GC_SET_BUCKETS; i++)
        while (s->b[i]) {
            set_ent *e = s->b[i];
            s->b[i] = e->next;
            free(e);
        }
    s->n = 0;
}

/* ---- the queue ---- */

static void job_free(gc_job *j)
{
    if (!j)
        return;
    free(j->id);
    free(j->cluster);
    free(j->resource);
    free(j->ns);
    free(j->name);
    free(j->uid);
    json_decref(j->ref);
    free(j);
}

/* Queues a job unless the same one waits already (gc->mu held). */
static void gc_push(kp_gc *gc, job_kind kind, const char *cluster, const char *resource,
                    const char *ns, const char *name, const char *uid, const json_t *ref)
{
    char *id;
    gc_job *j;

    if (gc->stopping)
        return;
    id = kp_asprintf("%d|%s|%s|%s|%s|%s", (int)kind, cluster, resource ? resource : "",
                     ns ? ns : "", name ? name : "", uid ? uid : "");
    if (gc->queued.n >= GC_QUEUE_MAX) {
        gc->sweep = true;
        free(id);
        return;
    }
    if (!set_add(&gc->queued, id)) {
        free(id);
        return;
    }
    j = kp_calloc(1, sizeof(*j));
    j->kind = kind;
    j->id = id;
    j->cluster = kp_strdup(cluster);
    j->resource = kp_strdup(resource ? resource : "");
    j->ns = kp_strdup(ns ? ns : "");
    j->name = kp_strdup(name ? name : "");
    j->uid = kp_strdup(uid ? uid : "");
    j->ref = ref ? json_deep_copy(ref) : NULL;
    if (gc->tail)
        gc->tail->next = j;
    else
        gc->head = j;
    gc->tail = j;
    pthread_cond_signal(&gc->cv);
}

static bool has_finalizer(const json_t *obj, const char *name)
{
    const json_t *f;
    size_t i;
    json_array_foreach(kp_json_get(obj, "metadata.finalizers"), i, f)
    {
        if (json_is_string(f) && strcmp(json_string_value(f), name) == 0)
            return true;
    }
    return false;
}

static bool is_marked(const json_t *obj)
{
    return kp_json_get(obj, "metadata.deletionTimestamp") != NULL;
}

static bool is_namespace(const char *resource)
{
    return strcmp(resource, "/namespaces") == 0;
}

static char *ns_key(const char *cluster, const char *ns)
{
    return kp_asprintf("%s/%s", cluster, ns);
}

/* What one committed event means for the collector (gc->mu held). */
static void gc_observe_one(kp_gc *gc, const kp_store_event *e)
{
    const kp_key *k = &e->key;
    const json_t *refs = kp_json_get(e->obj, "metadata.ownerReferences");
    const char *uid = kp_json_get_str(e->obj, "metadata.uid");
    const json_t *ref;
    size_t i;

    if (e->bulk == KP_EV_BULK_CLUSTER) { /* a deleted workspace: everything went at once */
        if (is_namespace(k->resource) && gc->terminating.n) {
            char *nk = ns_key(k->cluster, k->name);
            set_del(&gc->terminating, nk);
            free(nk);
        }
        return;
    }
    if (e->type == KP_EV_DELETED) {
        /* a namespace's bulk delete took the namespaced dependents along: only the owners of
         * what went may be waiting for it */
        if (e->bulk == KP_EV_ONE && uid)
            gc_push(gc, JOB_OWNER_GONE, k->cluster, NULL, NULL, NULL, uid, NULL);
        json_array_foreach(refs, i, ref)
        {
            gc_push(gc, JOB_OWNER_CHECK, k->cluster, NULL, k->ns, NULL, kp_json_get_str(ref, "uid"),
                    ref);
        }
        if (is_namespace(k->resource)) {
            char *nk = ns_key(k->cluster, k->name);
            set_del(&gc->terminating, nk);
            free(nk);
        }
    } else {
        const json_t *prefs = e->prev ? kp_json_get(e->prev, "metadata.ownerReferences") : NULL;
        if (is_marked(e->obj) &&
            (has_finalizer(e->obj, FIN_FOREGROUND) || has_finalizer(e->obj, FIN_ORPHAN)))
            gc_push(gc, JOB_PENDING, k->cluster, k->resource, k->ns, k->name, NULL, NULL);
        if (json_array_size(refs) &&
            (e->type == KP_EV_ADDED || !e->prev || !json_equal(refs, prefs)))
            gc_push(gc, JOB_DEPENDENT, k->cluster, k->resource, k->ns, k->name, NULL, NULL);
        /* a reference dropped or changed: its owner may have been waiting for this one */
        if (e->prev && !json_equal(refs, prefs)) {
            json_array_foreach(prefs, i, ref)
            {
                gc_push(gc, JOB_OWNER_CHECK, k->cluster, NULL, k->ns, NULL,
                        kp_json_get_str(ref, "uid"), ref);
            }
        }
        if (is_namespace(k->resource) && is_marked(e->obj)) {
            char *nk = ns_key(k->cluster, k->name);
            set_add(&gc->terminating, nk);
            free(nk);
            gc_push(gc, JOB_NAMESPACE, k->cluster, NULL, NULL, k->name, NULL, NULL);
        }
    }
    if (k->ns[0] && gc->terminating.n) {
        char *nk = ns_key(k->cluster, k->ns);
        if (*set_find(&gc->terminating, nk))
            gc_push(gc, JOB_NAMESPACE, k->cluster, NULL, NULL, k->ns, NULL, NULL);
        free(nk);
    }
}

void kp_gc_observe(kp_gc *gc, const kp_store_event *evs, size_t n)
{
    if (!gc)
        return;
    pthread_mutex_lock(&gc->mu);
    for (size_t i = 0; i < n; i++)
        gc_observe_one(gc, &evs[i]);
    pthread_mutex_unlock(&gc->mu);
}

/* ---- calls through the API ---- */

/* The URL of an object from its store key and apiVersion; owned, NULL when it has none. */
static char *gc_path(const char *cluster, const char *resource, const char *ns, const char *name,
                     const json_t *obj, const char *sub)
{
    const char *av = kp_json_get_str(obj, "apiVersion");
    const char *slash = strchr(resource, '/');
    bool core = !slash || slash == resource;

    if (!av || !slash)
        return NULL;
    return kp_asprintf("/clusters/%s/%s/%s%s%s/%s/%s%s%s", cluster, core ? "api" : "apis", av,
                       ns[0] ? "/namespaces/" : "", ns, slash + 1, name, sub ? "/" : "",
                       sub ? sub : "");
}

/* Deletes an object through the API, only if it is still the one with that uid; policy NULL
 * keeps its own garbage collector finalizers. Gone already, or replaced: done too. */
static int gc_delete(kp_gc *gc, const kp_store_event *o, const char *policy)
{
    const char *uid = kp_json_get_str(o->obj, "metadata.uid");
    char *path = gc_path(o->key.cluster, o->key.resource, o->key.ns, o->key.name, o->obj, NULL);
    json_t *body;
    int rc;

    if (!path || !uid) {
        free(path);
        return 0;
    }
    body = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "DeleteOptions",
                     "preconditions", "uid", uid);
    if (policy)
        json_object_set_new(body, "propagationPolicy", json_string(policy));
    rc = kp_client_do(NULL, NULL, gc->client, "DELETE", path, body);
    if (rc == KP_ENOTFOUND || rc == KP_ECONFLICT) {
        kp_err_clear();
        rc = 0;
    } else if (rc == 0) {
        KP_LOG_DEBUG("gc", "deleted %s \"%s\" in \"%s\" (%s)", o->key.resource, o->key.name,
                     o->key.ns, policy ? policy : "its own finalizers");
    }
    json_decref(body);
    free(path);
    return rc;
}

/* Changes an object: edit(obj, arg) changes obj in place and says whether it did; the result is
 * PUT with the resourceVersion read, so a concurrent change makes it read again. */
typedef bool (*gc_edit_fn)(json_t *obj, const void *arg);

static int gc_update(kp_gc *gc, const kp_key *k, const char *sub, gc_edit_fn edit, const void *arg)
{
    int rc = 0;

    for (int i = 0; i < GC_UPDATE_TRIES; i++) {
        json_t *obj = NULL;
        char *path;

        kp_err_clear();
        if ((rc = kp_store_get(&obj, gc->st, k)) < 0) {
            if (rc == KP_ENOTFOUND) {
                kp_err_clear();
                rc = 0;
            }
            return rc;
        }
        if (!edit(obj, arg)) {
            json_decref(obj);
            return 0;
        }
        path = gc_path(k->cluster, k->resource, k->ns, k->name, obj, sub);
        rc = path ? kp_client_do(NULL, NULL, gc->client, "PUT", path, obj) : 0;
        free(path);
        json_decref(obj);
        if (rc == KP_ENOTFOUND) {
            kp_err_clear();
            return 0;
        }
        if (rc != KP_ECONFLICT)
            return rc;
    }
    return rc;
}

static bool edit_drop_refs(json_t *obj, const void *arg)
{
    const char *const *uids = arg; /* NULL-terminated */
    json_t *md = json_object_get(obj, "metadata");
    json_t *refs = json_object_get(md, "ownerReferences");
    bool changed = false;

    for (size_t i = json_array_size(refs); i-- > 0;) {
        const char *u = kp_json_get_str(json_array_get(refs, i), "uid");
        for (size_t j = 0; u && uids[j]; j++)
            if (strcmp(u, uids[j]) == 0) {
                json_array_remove(refs, i);
                changed = true;
                break;
            }
    }
    if (changed && json_array_size(refs) == 0)
        json_object_del(md, "ownerReferences");
    return changed;
}

static bool edit_drop_finalizer(json_t *obj, const void *arg)
{
    const char *name = arg;
    json_t *md = json_object_get(obj, "metadata");
    json_t *fin = json_object_get(md, "finalizers");
    bool changed = false;

    if (!is_marked(obj))
        return false; /* recreated meanwhile: not ours to finish */
    for (size_t i = json_array_size(fin); i-- > 0;) {
        const char *f = json_string_value(json_array_get(fin, i));
        if (f && strcmp(f, name) == 0) {
            json_array_remove(fin, i);
            changed = true;
        }
    }
    return changed;
}

/* ---- owners ---- */

typedef enum { OWNER_ABSENT, OWNER_SOLID, OWNER_WAITING } owner_state;

typedef struct {
    owner_state state;
    const kp_schema_res *res;
    const char *ns;
    json_t *obj; /* owned */
} owner_info;

/* k8s classifyReferences: an owner is absent (not found, or another object under its name),
 * waiting (being deleted in the foreground) or solid. A namespaced owner is looked for in the
 * dependent's namespace; a kind this server does not serve, or a namespaced owner of a
 * cluster-scoped dependent, can never be resolved and counts as solid (k8s: never collected). */
static int gc_owner(owner_info *out, kp_gc *gc, const char *cluster, const char *dep_ns,
                    const json_t *ref)
{
    const char *av = kp_json_get_str(ref, "apiVersion");
    const char *kind = kp_json_get_str(ref, "kind");
    const char *name = kp_json_get_str(ref, "name");
    const char *uid = kp_json_get_str(ref, "uid");
    const char *slash = av ? strchr(av, '/') : NULL;
    char group[128] = "";
    kp_key k;
    int rc;

    memset(out, 0, sizeof(*out));
    out->state = OWNER_SOLID;
    if (!av || !kind || !name || !uid)
        return 0;
    if (slash && (size_t)(slash - av) < sizeof(group)) {
        memcpy(group, av, (size_t)(slash - av));
        group[slash - av] = '\0';
    }
    out->res = kp_schema_by_kind(group, kind);
    if (!out->res || !out->res->store_key || (out->res->namespaced && !dep_ns[0]))
        return 0;
    out->ns = out->res->namespaced ? dep_ns : "";
    k.cluster = cluster;
    k.resource = out->res->store_key;
    k.ns = out->ns;
    k.name = name;
    rc = kp_store_get(&out->obj, gc->st, &k);
    if (rc == KP_ENOTFOUND) {
        kp_err_clear();
        out->state = OWNER_ABSENT;
        return 0;
    }
    if (rc < 0)
        return rc;
    if (!kp_json_get_str(out->obj, "metadata.uid") ||
        strcmp(kp_json_get_str(out->obj, "metadata.uid"), uid) != 0)
        out->state = OWNER_ABSENT;
    else if (is_marked(out->obj) && has_finalizer(out->obj, FIN_FOREGROUND))
        out->state = OWNER_WAITING;
    return 0;
}

/* k8s attemptToDeleteItem: a dependent with a solid owner stays and only loses its references
 * to the absent and waiting ones; one whose owners are all absent goes (with its own
 * finalizers); one with an owner waiting for it goes in the foreground when it has dependents
 * of its own, so the owner waits for the whole chain. */
static int gc_check_dependent(kp_gc *gc, const kp_store_event *dep)
{
    const json_t *refs = kp_json_get(dep->obj, "metadata.ownerReferences"), *ref;
    size_t n = json_array_size(refs), i, ndrop = 0, nsolid = 0, nwaiting = 0;
    const char **drop;
    int rc = 0;

    if (n == 0 || is_marked(dep->obj))
        return 0;
    drop = kp_calloc(n + 1, sizeof(*drop));
    json_array_foreach(refs, i, ref)
    {
        owner_info o;
        if ((rc = gc_owner(&o, gc, dep->key.cluster, dep->key.ns, ref)) < 0)
            break;
        if (o.state == OWNER_SOLID)
            nsolid++;
        else
            drop[ndrop++] = kp_json_get_str(ref, "uid");
        nwaiting += o.state == OWNER_WAITING;
        json_decref(o.obj);
    }
    if (rc < 0)
        goto out;
    if (nsolid) {
        if (ndrop) {
            kp_key k = {dep->key.cluster, dep->key.resource, dep->key.ns, dep->key.name};
            rc = gc_update(gc, &k, NULL, edit_drop_refs, drop);
        }
    } else if (nwaiting) {
        kp_store_event *sub = NULL;
        size_t nsub = 0;
        const char *uid = kp_json_get_str(dep->obj, "metadata.uid");
        if (uid && (rc = kp_store_scan(&sub, &nsub, gc->st, KP_SCAN_DEPENDENTS, dep->key.cluster,
                                       uid)) < 0)
            goto out;
        kp_store_events_free(sub, nsub);
        rc = gc_delete(gc, dep, nsub ? "Foreground" : "Background");
    } else {
        rc = gc_delete(gc, dep, NULL);
    }
out:
    free(drop);
    return rc;
}

/* An owner marked with a garbage collector finalizer. Orphan: every dependent loses its
 * reference, then the finalizer goes. Foreground: the dependents are deleted (or lose the
 * reference when another owner keeps them); once none with blockOwnerDeletion is left, the
 * finalizer goes, and with the last finalizer the owner. */
static int gc_pending(kp_gc *gc, const kp_key *k)
{
    kp_store_event *deps = NULL;
    size_t n = 0;
    json_t *owner = NULL;
    const char *uid;
    int rc;

    if ((rc = kp_store_get(&owner, gc->st, k)) < 0) {
        if (rc == KP_ENOTFOUND) {
            kp_err_clear();
            rc = 0;
        }
        return rc;
    }
    uid = kp_json_get_str(owner, "metadata.uid");
    if (!uid || !is_marked(owner))
        goto out;
    if (has_finalizer(owner, FIN_ORPHAN)) {
        const char *drop[2] = {uid, NULL};
        if ((rc = kp_store_scan(&deps, &n, gc->st, KP_SCAN_DEPENDENTS, k->cluster, uid)) < 0)
            goto out;
        for (size_t i = 0; i < n && rc == 0; i++) {
            kp_key dk = {k->cluster, deps[i].key.resource, deps[i].key.ns, deps[i].key.name};
            rc = gc_update(gc, &dk, NULL, edit_drop_refs, drop);
        }
        if (rc == 0)
            rc = gc_update(gc, k, NULL, edit_drop_finalizer, FIN_ORPHAN);
    } else if (has_finalizer(owner, FIN_FOREGROUND)) {
        size_t blocking = 0;
        if ((rc = kp_store_scan(&deps, &n, gc->st, KP_SCAN_DEPENDENTS, k->cluster, uid)) < 0)
            goto out;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = gc_check_dependent(gc, &deps[i]);
        kp_store_events_free(deps, n);
        deps = NULL;
        n = 0;
        if (rc < 0 ||
            (rc = kp_store_scan(&deps, &n, gc->st, KP_SCAN_DEPENDENTS, k->cluster, uid)) < 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            const json_t *ref;
            size_t j;
            json_array_foreach(kp_json_get(deps[i].obj, "metadata.ownerReferences"), j, ref)
            {
                const char *u = kp_json_get_str(ref, "uid");
                if (u && strcmp(u, uid) == 0 &&
                    json_is_true(json_object_get(ref, "blockOwnerDeletion")))
                    blocking++;
            }
        }
        if (blocking == 0)
            rc = gc_update(gc, k, NULL, edit_drop_finalizer, FIN_FOREGROUND);
        else
            KP_LOG_DEBUG("gc", "%s \"%s\" waits for %zu dependents", k->resource, k->name,
                         blocking);
    }
out:
    kp_store_events_free(deps, n);
    json_decref(owner);
    return rc;
}

/* ---- namespaces ---- */

/* Sets the namespace's deletion conditions, keeping lastTransitionTime where the status stays. */
static bool edit_ns_conditions(json_t *ns, const void *arg)
{
    const json_t *want = arg, *w, *o;
    json_t *st = kp_json_obj_ensure(ns, "status");
    json_t *old = json_object_get(st, "conditions");
    json_t *next = json_array();
    size_t i, j;
    bool changed = false;

    if (!is_marked(ns)) {
        json_decref(next);
        return false;
    }
    json_array_foreach(want, i, w)
    {
        json_t *c = json_deep_copy(w);
        bool found = false;
        json_array_foreach(old, j, o)
        {
            if (!json_equal(json_object_get(o, "type"), json_object_get(w, "type")))
                continue;
            found = true;
            if (json_equal(json_object_get(o, "status"), json_object_get(w, "status")) &&
                json_object_get(o, "lastTransitionTime"))
                json_object_set(c, "lastTransitionTime", json_object_get(o, "lastTransitionTime"));
            if (!json_equal(json_object_get(o, "status"), json_object_get(w, "status")) ||
                !json_equal(json_object_get(o, "reason"), json_object_get(w, "reason")) ||
                !json_equal(json_object_get(o, "message"), json_object_get(w, "message")))
                changed = true;
        }
        changed |= !found;
        json_array_append_new(next, c);
    }
    /* conditions of others stay */
    json_array_foreach(old, j, o)
    {
        bool ours = false;
        json_array_foreach(want, i, w) ours |=
            json_equal(json_object_get(o, "type"), json_object_get(w, "type"));
        if (!ours)
            json_array_append(next, (json_t *)o);
    }
    if (changed)
        json_object_set(st, "conditions", next);
    json_decref(next);
    return changed;
}

static json_t *ns_condition(const char *type, bool status, const char *reason, const char *msg)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status ? "True" : "False",
                     "lastTransitionTime", now, "reason", reason, "message", msg);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* k8s namespace controller's conditions: what is left, by resource ("configmaps." for the core
 * group, "deployments.apps") and by finalizer, each sorted. */
static json_t *ns_conditions(const kp_store_event *objs, size_t n)
{
    json_t *byres = json_object(), *byfin = json_object(), *conds = json_array(), *v;
    const char *key, **keys;
    size_t nk, i;
    kp_buf msg;

    for (i = 0; i < n; i++) {
        const char *r = objs[i].key.resource, *slash = strchr(r, '/');
        char *gr = slash ? kp_asprintf("%s.%.*s", slash + 1, (int)(slash - r), r) : kp_strdup(r);
        const json_t *f;
        size_t j;
        json_object_set_new(byres, gr,
                            json_integer(json_integer_value(json_object_get(byres, gr)) + 1));
        free(gr);
        json_array_foreach(kp_json_get(objs[i].obj, "metadata.finalizers"), j, f)
        {
            if (json_is_string(f))
                json_object_set_new(
                    byfin, json_string_value(f),
                    json_integer(json_integer_value(json_object_get(byfin, json_string_value(f))) +
                                 1));
        }
    }
    json_array_append_new(conds,
                          ns_condition("NamespaceDeletionContentFailure", false, "ContentDeleted",
                                       "All content successfully deleted, may be waiting "
                                       "on finalization"));
    kp_buf_init(&msg, 64 * 1024);
    for (int pass = 0; pass < 2; pass++) {
        json_t *m = pass ? byfin : byres;
        nk = json_object_size(m);
        keys = kp_calloc(nk + 1, sizeof(*keys));
        i = 0;
        json_object_foreach(m, key, v) keys[i++] = key;
        qsort(keys, nk, sizeof(*keys), str_cmp);
        msg.len = 0;
        kp_buf_puts(&msg, pass ? "Some content in the namespace has finalizers remaining: "
                               : "Some resources are remaining: ");
        for (i = 0; i < nk; i++)
            kp_buf_appendf(
                &msg, pass ? "%s%s in %lld resource instances" : "%s%s has %lld resource instances",
                i ? ", " : "", keys[i], (long long)json_integer_value(json_object_get(m, keys[i])));
        msg.err = 0;
        if (pass == 0)
            json_array_append_new(conds, nk ? ns_condition("NamespaceContentRemaining", true,
                                                           "SomeResourcesRemain", kp_buf_cstr(&msg))
                                            : ns_condition("NamespaceContentRemaining", false,
                                                           "ContentRemoved",
                                                           "All content successfully removed"));
        else
            json_array_append_new(conds,
                                  nk ? ns_condition("NamespaceFinalizersRemaining", true,
                                                    "SomeFinalizersRemain", kp_buf_cstr(&msg))
                                     : ns_condition("NamespaceFinalizersRemaining", false,
                                                    "ContentHasNoFinalizers",
                                                    "All content-preserving finalizers finished"));
        free(keys);
    }
    kp_buf_dispose(&msg);
    json_decref(byres);
    json_decref(byfin);
    return conds;
}

static bool edit_ns_finalize(json_t *ns, const void *arg)
{
    json_t *fin = kp_json_get(ns, "spec.finalizers");
    bool changed = false;
    (void)arg;
    if (!is_marked(ns))
        return false;
    for (size_t i = json_array_size(fin); i-- > 0;) {
        const char *f = json_string_value(json_array_get(fin, i));
        if (f && strcmp(f, FIN_NAMESPACE) == 0) {
            json_array_remove(fin, i);
            changed = true;
        }
    }
    return changed;
}

/* A terminating namespace: what was not marked yet is deleted (after a restart, or an object
 * that slipped in), the conditions say what is left, and once nothing is, the "kubernetes"
 * finalizer goes and with it the namespace (unless other finalizers of its own remain). */
static int gc_namespace(kp_gc *gc, const char *cluster, const char *name)
{
    kp_key k = {cluster, "/namespaces", "", name};
    kp_store_event *objs = NULL;
    size_t n = 0, unmarked = 0;
    json_t *ns = NULL, *conds = NULL;
    int rc;

    if ((rc = kp_store_get(&ns, gc->st, &k)) == KP_ENOTFOUND || (rc == 0 && !is_marked(ns))) {
        char *nk = ns_key(cluster, name);
        kp_err_clear();
        rc = 0;
        pthread_mutex_lock(&gc->mu);
        set_del(&gc->terminating, nk);
        pthread_mutex_unlock(&gc->mu);
        free(nk);
        goto out;
    }
    if (rc < 0 || (rc = kp_store_scan(&objs, &n, gc->st, KP_SCAN_NAMESPACE, cluster, name)) < 0)
        goto out;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (is_marked(objs[i].obj))
            continue;
        unmarked++;
        rc = gc_delete(gc, &objs[i], NULL);
    }
    if (rc < 0)
        goto out;
    if (unmarked) {
        kp_store_events_free(objs, n);
        objs = NULL;
        n = 0;
        if ((rc = kp_store_scan(&objs, &n, gc->st, KP_SCAN_NAMESPACE, cluster, name)) < 0)
            goto out;
    }
    /* nothing left: the finalizer goes first, so that a refused status update (a workspace
     * at its byte quota) can never keep the namespace */
    if (n == 0 && (rc = gc_update(gc, &k, NULL, edit_ns_finalize, NULL)) < 0)
        goto out;
    conds = ns_conditions(objs, n);
    if (gc_update(gc, &k, "status", edit_ns_conditions, conds) < 0) {
        KP_LOG_WARN("gc", "namespace \"%s\": conditions not updated: %s", name, kp_err_msg());
        kp_err_clear();
    }
out:
    json_decref(conds);
    json_decref(ns);
    kp_store_events_free(objs, n);
    return rc;
}

/* ---- the thread ---- */

static int gc_run(kp_gc *gc, const gc_job *j)
{
    kp_key k = {j->cluster, j->resource, j->ns, j->name};
    kp_store_event *evs = NULL;
    size_t n = 0;
    int rc = 0;

    switch (j->kind) {
    case JOB_OWNER_GONE:
        if ((rc = kp_store_scan(&evs, &n, gc->st, KP_SCAN_DEPENDENTS, j->cluster, j->uid)) < 0)
            break;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = gc_check_dependent(gc, &evs[i]);
        break;
    case JOB_OWNER_CHECK: {
        owner_info o;
        if ((rc = gc_owner(&o, gc, j->cluster, j->ns, j->ref)) == 0 && o.state == OWNER_WAITING) {
            kp_key ok = {j->cluster, o.res->store_key, o.ns, kp_json_get_str(j->ref, "name")};
            rc = gc_pending(gc, &ok);
        }
        json_decref(o.obj);
        break;
    }
    case JOB_PENDING:
        rc = gc_pending(gc, &k);
        break;
    case JOB_DEPENDENT: {
        kp_store_event dep;
        memset(&dep, 0, sizeof(dep));
        dep.key = k;
        if ((rc = kp_store_get(&dep.obj, gc->st, &k)) == KP_ENOTFOUND) {
            kp_err_clear();
            rc = 0;
        } else if (rc == 0) {
            rc = gc_check_dependent(gc, &dep);
        }
        json_decref(dep.obj);
        break;
    }
    case JOB_NAMESPACE:
        rc = gc_namespace(gc, j->cluster, j->name);
        break;
    }
    kp_store_events_free(evs, n);
    return rc;
}

/* At start, and after the queue overflowed: what a previous run (or the forgotten jobs) left. */
static int gc_sweep(kp_gc *gc)
{
    kp_store_event *evs = NULL;
    size_t n = 0;
    int rc = kp_store_scan(&evs, &n, gc->st, KP_SCAN_GC_PENDING, NULL, NULL);

    if (rc < 0)
        return rc;
    pthread_mutex_lock(&gc->mu);
    for (size_t i = 0; i < n; i++) {
        const kp_key *k = &evs[i].key;
        if (is_namespace(k->resource) && is_marked(evs[i].obj)) {
            char *nk = ns_key(k->cluster, k->name);
            set_add(&gc->terminating, nk);
            free(nk);
            gc_push(gc, JOB_NAMESPACE, k->cluster, NULL, NULL, k->name, NULL, NULL);
        } else if (is_marked(evs[i].obj) && (has_finalizer(evs[i].obj, FIN_FOREGROUND) ||
                                             has_finalizer(evs[i].obj, FIN_ORPHAN))) {
            gc_push(gc, JOB_PENDING, k->cluster, k->resource, k->ns, k->name, NULL, NULL);
        } else {
            gc_push(gc, JOB_DEPENDENT, k->cluster, k->resource, k->ns, k->name, NULL, NULL);
        }
    }
    pthread_mutex_unlock(&gc->mu);
    if (n)
        KP_LOG_INFO("gc", "sweep: %zu objects to look at", n);
    kp_store_events_free(evs, n);
    return 0;
}

static void *gc_main(void *arg)
{
    kp_gc *gc = arg;

    for (;;) {
        gc_job *j = NULL;
        bool sweep;
        int rc;

        pthread_mutex_lock(&gc->mu);
        while (!gc->head && !gc->sweep && !gc->stopping)
            pthread_cond_wait(&gc->cv, &gc->mu);
        if (gc->stopping) {
            pthread_mutex_unlock(&gc->mu);
            break;
        }
        /* after an overflow the queue drains first: the sweep needs room */
        sweep = gc->sweep && !gc->head;
        if (sweep)
            gc->sweep = false;
        if (!sweep) {
            j = gc->head;
            gc->head = j->next;
            if (!gc->head)
                gc->tail = NULL;
            /* from now on the same job may be queued again: it sees what we do not */
            set_del(&gc->queued, j->id);
        }
        pthread_mutex_unlock(&gc->mu);
        if (sweep) {
            if (gc_sweep(gc) < 0) {
                KP_LOG_WARN("gc", "sweep failed, retrying: %s", kp_err_msg());
                kp_err_clear();
                sleep(1);
                pthread_mutex_lock(&gc->mu);
                gc->sweep = true;
                pthread_mutex_unlock(&gc->mu);
            }
            continue;
        }
        if (j->attempts) { /* a retry: give what failed a moment */
            struct timespec ts = {0, 100L * 1000 * 1000 * j->attempts};
            nanosleep(&ts, NULL);
        }
        kp_err_clear();
        rc = gc_run(gc, j);
        kp_metrics_gauge("kplane_gc_jobs_total",
                         "Jobs the garbage collector worked on (owners, dependents, namespaces).",
                         (double)++gc->jobs);
        if (rc < 0 && j->attempts < GC_RETRIES) {
            KP_LOG_DEBUG("gc", "job %s failed, retrying: %s", j->id, kp_err_msg());
            pthread_mutex_lock(&gc->mu);
            if (!gc->stopping && set_add(&gc->queued, j->id)) {
                j->attempts++;
                j->next = NULL;
                if (gc->tail)
                    gc->tail->next = j;
                else
                    gc->head = j;
                gc->tail = j;
                j = NULL;
            }
            pthread_mutex_unlock(&gc->mu);
        } else if (rc < 0) {
            KP_LOG_WARN("gc", "job %s failed: %s", j->id, kp_err_msg());
        }
        kp_err_clear();
        job_free(j);
    }
    return NULL;
}

kp_gc *kp_gc_new(kp_store *st)
{
    kp_gc *gc = kp_calloc(1, sizeof(*gc));
    gc->st = st;
    pthread_mutex_init(&gc->mu, NULL);
    pthread_cond_init(&gc->cv, NULL);
    gc->sweep = true;
    return gc;
}

int kp_gc_start(kp_gc *gc, kp_client *client)
{
    gc->client = client;
    if (pthread_create(&gc->thread, NULL, gc_main, gc) != 0)
        return kp_err_set(KP_EINTERNAL, "cannot start the garbage collector thread");
    gc->started = true;
    return 0;
}

void kp_gc_stop(kp_gc *gc)
{
    if (!gc)
        return;
    pthread_mutex_lock(&gc->mu);
    gc->stopping = true;
    pthread_cond_signal(&gc->cv);
    pthread_mutex_unlock(&gc->mu);
    if (gc->started)
        pthread_join(gc->thread, NULL);
    gc->started = false;
}

void kp_gc_free(kp_gc *gc)
{
    if (!gc)
        return;
    kp_gc_stop(gc);
    while (gc->head) {
        gc_job *j = gc->head;
        gc->head = j->next;
        job_free(j);
    }
    set_clear(&gc->queued);
    set_clear(&gc->terminating);
    pthread_mutex_destroy(&gc->mu);
    pthread_cond_destroy(&gc->cv);
    free(gc);
}
