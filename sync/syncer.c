#include "lib/common.h"
#include "sync/syncer_int.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/log.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* Retries: exponential from SYNC_BACKOFF_MIN_MS up to SYNC_BACKOFF_MAX_MS, with +-50% jitter so
 * a cluster coming back is not hit by every item at the same instant. */
#define SYNC_BACKOFF_MIN_MS 200
#define SYNC_BACKOFF_MAX_MS 15000
#define SYNC_CONFLICT_RETRY_MS 20
#define SYNC_WATCH_TIMEOUT_S 300
/* a downstream change, or an upstream change of status or of the syncers' own marks, is looked
 * at after this: changes in a row coalesce into one pass */
#define SYNC_DELAY_MS 250

/* ---- time ---- */

int64_t syncer_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void syncer_rfc3339_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t backoff_ms(int attempts)
{
    int64_t ms = SYNC_BACKOFF_MIN_MS;
    uint32_t r;
    for (int i = 1; i < attempts && ms < SYNC_BACKOFF_MAX_MS; i++)
        ms *= 2;
    if (ms > SYNC_BACKOFF_MAX_MS)
        ms = SYNC_BACKOFF_MAX_MS;
    kp_crypto_random(&r, sizeof(r));
    return ms / 2 + (int64_t)(r % (uint32_t)ms); /* 0.5x .. 1.5x */
}

/* Sleeps up to ms, waking early when the syncer stops or the cluster came back. */
static void nap(kp_syncer *s, int64_t ms)
{
    int wake = s->wake;
    while (ms > 0 && !s->stop && s->wake == wake) {
        int64_t step = ms > 100 ? 100 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* ---- the queue ---- */

static void item_free(sync_item *it)
{
    if (!it)
        return;
    free(it->key);
    free(it->ws_id);
    free(it->store_key);
    free(it->ns);
    free(it->name);
    free(it->type);
    json_decref(it->obj);
    free(it);
}

static void queue_push_locked(kp_syncer *s, sync_item *it);

/* it waits SYNC_DELAY_MS (mu held) */
static void delay_push_locked(kp_syncer *s, sync_item *it)
{
    it->due_ms = syncer_now_ms() + SYNC_DELAY_MS;
    it->next = NULL;
    if (s->dtail)
        s->dtail->next = it;
    else
        s->dhead = it;
    s->dtail = it;
    pthread_cond_signal(&s->cv); /* the worker's wait ends by the new due time */
}

static void queue_push_locked(kp_syncer *s, sync_item *it)
{
    it->next = NULL;
    if (s->tail)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    pthread_cond_signal(&s->cv);
}

/* Queues an upstream object now, or after delay_ms (so that several downstream status changes
 * in a row make one pass upstream). */
static void push_up(kp_syncer *s, const char *ws_id, const char *store_key, const char *ns,
                    const char *name, int64_t delay_ms)
{
    char *key = kp_asprintf("%s|%s|%s|%s", ws_id, store_key, ns, name);
    sync_item *it;

    pthread_mutex_lock(&s->mu);
    if (json_object_get(s->queued, key)) { /* queued already: one pass sees the latest */
        pthread_mutex_unlock(&s->mu);
        free(key);
        return;
    }
    json_object_set_new(s->queued, key, json_true());
    it = kp_calloc(1, sizeof(*it));
    it->kind = ITEM_UP;
    it->key = key;
    it->ws_id = kp_strdup(ws_id);
    it->store_key = kp_strdup(store_key);
    it->ns = kp_strdup(ns);
    it->name = kp_strdup(name);
    if (delay_ms > 0) {
        delay_push_locked(s, it);
    } else {
        queue_push_locked(s, it);
    }
    pthread_mutex_unlock(&s->mu);
}

void kp_syncer_push_up(kp_syncer *s, const char *ws_id, const char *store_key, const char *ns,
                       const char *name, int delay_ms)
{
    push_up(s, ws_id, store_key, ns, name, delay_ms);
}

static void push_down(kp_syncer *s, const kp_sync_res *res, const char *type, json_t *obj_take)
{
    sync_item *it = kp_calloc(1, sizeof(*it));
    it->kind = ITEM_DOWN;
    it->res = res;
    it->type = kp_strdup(type);
    it->obj = obj_take;
    pthread_mutex_lock(&s->mu);
    queue_push_locked(s, it);
    pthread_mutex_unlock(&s->mu);
}

/* The next item, waiting until one is due or until deadline_ms; NULL then or when stopping. */
static sync_item *queue_pop(kp_syncer *s, int64_t deadline_ms)
{
    sync_item *it = NULL;

    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        int64_t now = syncer_now_ms(), next = deadline_ms;
        sync_item **pp = &s->retry;
        while (s->dhead && s->dhead->due_ms <= now) {
            sync_item *d = s->dhead;
            s->dhead = d->next;
            if (!s->dhead)
                s->dtail = NULL;
            queue_push_locked(s, d);
        }
        if (s->dhead && s->dhead->due_ms < next)
            next = s->dhead->due_ms;
        while (*pp) { /* due retries go back to the queue */
            sync_item *r = *pp;
            if (r->due_ms <= now) {
                *pp = r->next;
                queue_push_locked(s, r);
            } else {
                if (r->due_ms < next)
                    next = r->due_ms;
                pp = &r->next;
            }
        }
        if (s->head) {
            it = s->head;
            s->head = it->next;
            if (!s->head)
                s->tail = NULL;
            if (it->kind == ITEM_UP) /* a change from now on queues it again */
                json_object_del(s->queued, it->key);
            break;
        }
        if (now >= deadline_ms)
            break;
        {
            struct timespec ts;
            int64_t wait = next - now;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += wait / 1000;
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return it;
}

static void queue_retry(kp_syncer *s, sync_item *it, int rc)
{
    it->attempts++;
    it->due_ms =
        syncer_now_ms() + (rc == KP_ECONFLICT ? SYNC_CONFLICT_RETRY_MS : backoff_ms(it->attempts));
    pthread_mutex_lock(&s->mu);
    if (it->kind == ITEM_UP && json_object_get(s->queued, it->key)) {
        pthread_mutex_unlock(&s->mu); /* queued again meanwhile: that pass will do */
        item_free(it);
        return;
    }
    if (it->kind == ITEM_UP)
        json_object_set_new(s->queued, it->key, json_true());
    it->next = s->retry;
    s->retry = it;
    pthread_mutex_unlock(&s->mu);
}

/* ---- paths ---- */

static const kp_sync_res *syncer_res(const kp_syncer *s, const char *store_key)
{
    for (size_t i = 0; i < s->nres; i++)
        if (strcmp(s->res[i]->store_key, store_key) == 0)
            return s->res[i];
    return NULL;
}

static char *up_obj_path(const char *ws_id, const kp_sync_res *r, const char *ns, const char *name,
                         const char *sub)
{
    return kp_asprintf("/clusters/%s%s/namespaces/%s/%s/%s%s%s", ws_id, kp_sync_res_gv_path(r), ns,
                       r->name, name, sub ? "/" : "", sub ? sub : "");
}

/* The path of logical cluster ws_id, "" when it cannot be read (gone). Borrowed from s. */
static const char *ws_path_of(kp_syncer *s, const char *ws_id, int *rc_out)
{
    json_t *lc = NULL, *v = json_object_get(s->ws_paths, ws_id);
    char *path;
    int rc;

    *rc_out = 0;
    if (v)
        return json_string_value(v);
    path =
        kp_asprintf("/clusters/%s/apis/tenancy.kplane.io/v1alpha1/logicalclusters/cluster", ws_id);
    rc = kp_sync_conn_do(&lc, s->cfg.up, "GET", path, NULL, NULL);
    free(path);
    if (rc == KP_ENOTFOUND || (rc == 0 && !kp_json_get_str(lc, "spec.path"))) {
        kp_err_clear();
        json_decref(lc);
        return ""; /* not remembered: the workspace may appear */
    }
    if (rc < 0) {
        *rc_out = rc;
        return NULL;
    }
    json_object_set_new(s->ws_paths, ws_id, json_string(kp_json_get_str(lc, "spec.path")));
    json_decref(lc);
    return json_string_value(json_object_get(s->ws_paths, ws_id));
}

/* The Cluster serves its workspace and every workspace below it. */
static bool in_tree(const kp_syncer *s, const char *path)
{
    size_t n = strlen(s->cfg.ws_path);
    return strncmp(path, s->cfg.ws_path, n) == 0 && (path[n] == '\0' || path[n] == ':');
}

static bool labelled(const kp_syncer *s, const json_t *obj)
{
    char key[300];
    const char *v;
    snprintf(key, sizeof(key), KP_SYNC_LABEL_PREFIX "%s", s->cfg.name);
    v = json_string_value(json_object_get(kp_json_get(obj, "metadata.labels"), key));
    return v && strcmp(v, KP_SYNC_LABEL_VALUE) == 0;
}

/* ---- downstream ---- */

/* Server-side apply of desired downstream; r NULL: desired is a Namespace. */
static int down_apply(json_t **out, kp_syncer *s, const kp_sync_res *r, const json_t *desired)
{
    const char *name = kp_json_get_str(desired, "metadata.name");
    char *path;
    int rc;

    if (r)
        path = kp_asprintf(
            "%s/namespaces/%s/%s/%s?fieldManager=" KP_SYNC_FIELD_MANAGER "&force=true",
            kp_sync_res_gv_path(r), kp_json_get_str(desired, "metadata.namespace"), r->name, name);
    else
        path = kp_asprintf(
            "/api/v1/namespaces/%s?fieldManager=" KP_SYNC_FIELD_MANAGER "&force=true", name);
    rc = kp_sync_conn_do(out, s->down, "PATCH", path, desired, "application/apply-patch+yaml");
    free(path);
    return rc;
}

/* The downstream namespace of (ws_id, ns), made once with its locator annotation. */
static int down_ensure_ns(kp_syncer *s, const char *dns, const char *ws_id, const char *ws_path,
                          const char *ns)
{
    json_t *loc, *obj;
    char *loc_text;
    int rc;

    if (json_object_get(s->ns_ok, dns))
        return 0;
    loc = json_pack("{s:s, s:s, s:s}", "workspace", ws_path, "logicalCluster", ws_id, "namespace",
                    ns);
    loc_text = json_dumps(loc, JSON_COMPACT);
    obj = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind", "Namespace",
                    "metadata", "name", dns, "annotations", KP_SYNC_LOCATOR_ANN, loc_text);
    rc = down_apply(NULL, s, NULL, obj);
    if (rc == 0)
        json_object_set_new(s->ns_ok, dns, json_pack("{s:s, s:s}", "ws", ws_id, "ns", ns));
    json_decref(obj);
    json_decref(loc);
    free(loc_text);
    return rc;
}

/* (ws_id, ns) of a downstream namespace, from its locator; NULL when it is not ours. */
static const json_t *down_ns_origin(kp_syncer *s, const char *dns)
{
    json_t *nsobj = NULL, *loc = NULL, *v = json_object_get(s->ns_ok, dns);
    const char *text;
    char *path;

    if (v || strncmp(dns, KP_SYNC_NS_PREFIX, strlen(KP_SYNC_NS_PREFIX)) != 0)
        return v;
    path = kp_asprintf("/api/v1/namespaces/%s", dns);
    if (kp_sync_conn_do(&nsobj, s->down, "GET", path, NULL, NULL) == 0 &&
        (text = json_string_value(
             json_object_get(kp_json_get(nsobj, "metadata.annotations"), KP_SYNC_LOCATOR_ANN))) &&
        kp_json_parse(&loc, text, strlen(text)) == 0 && kp_json_get_str(loc, "logicalCluster") &&
        kp_json_get_str(loc, "namespace")) {
        json_object_set_new(s->ns_ok, dns,
                            json_pack("{s:s, s:s}", "ws", kp_json_get_str(loc, "logicalCluster"),
                                      "ns", kp_json_get_str(loc, "namespace")));
        v = json_object_get(s->ns_ok, dns);
    }
    kp_err_clear();
    json_decref(nsobj);
    json_decref(loc);
    free(path);
    return v;
}

static char *down_key(const kp_sync_res *r, const char *dns, const char *name)
{
    return kp_asprintf("%s|%s|%s", r->store_key, dns, name);
}

/* ---- upstream metadata and status ---- */

/* An Event upstream about obj (best effort). */
static void up_event(kp_syncer *s, const char *ws_id, const kp_sync_res *r, const json_t *obj,
                     const char *type, const char *reason, const char *msg)
{
    char ts[32], gv[64], gen[256];
    json_t *ev;
    char *path;
    const char *ns = kp_json_get_str(obj, "metadata.namespace");

    syncer_rfc3339_now(ts);
    snprintf(gv, sizeof(gv), "%s%s%s", r->group, r->group[0] ? "/" : "", r->version);
    { /* k8s' event recorder names events <object>.<unique hex> */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(gen, sizeof(gen), "%.200s.%llx", kp_json_get_str(obj, "metadata.name"),
                 (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec);
    }
    ev = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s, s:s, s:s?}, s:s, s:s, s:s, s:{s:s}, "
                   "s:s, s:s, s:i, s:s}",
                   "apiVersion", "v1", "kind", "Event", "metadata", "generateName", gen,
                   "involvedObject", "apiVersion", gv, "kind", r->kind, "name",
                   kp_json_get_str(obj, "metadata.name"), "namespace", ns, "uid",
                   kp_json_get_str(obj, "metadata.uid"), "type", type, "reason", reason, "message",
                   msg, "source", "component", "kplane-syncer", "firstTimestamp", ts,
                   "lastTimestamp", ts, "count", 1, "reportingComponent", "kplane-syncer");
    path = kp_asprintf("/clusters/%s/api/v1/namespaces/%s/events", ws_id, ns);
    if (kp_sync_conn_do(NULL, s->cfg.up, "POST", path, ev, NULL) < 0) {
        KP_LOG_WARN("syncer", "cluster=%s cannot record event %s: %s", s->cfg.name, reason,
                    kp_err_msg());
        kp_err_clear();
    }
    free(path);
    json_decref(ev);
}

static bool has_finalizer(const json_t *obj)
{
    size_t i;
    json_t *f;
    json_array_foreach(kp_json_get(obj, "metadata.finalizers"), i, f)
    {
        if (json_is_string(f) && strcmp(json_string_value(f), KP_SYNC_FINALIZER) == 0)
            return true;
    }
    return false;
}

static int status_annotations(const json_t *obj)
{
    int n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(kp_json_get(obj, "metadata.annotations"), k, v)
    {
        n += strncmp(k, KP_SYNC_STATUS_ANN_PREFIX, strlen(KP_SYNC_STATUS_ANN_PREFIX)) == 0;
    }
    return n;
}

/* PUT obj (changed by the caller) at its path; *obj_io becomes the stored object. A conflict
 * comes back as KP_ECONFLICT: the item is tried again with a fresh read. */
static int up_put(kp_syncer *s, json_t **obj_io, const char *ws_id, const kp_sync_res *r,
                  const char *sub)
{
    char *path = up_obj_path(ws_id, r, kp_json_get_str(*obj_io, "metadata.namespace"),
                             kp_json_get_str(*obj_io, "metadata.name"), sub);
    json_t *res = NULL;
    int rc = kp_sync_conn_do(&res, s->cfg.up, "PUT", path, *obj_io, NULL);
    free(path);
    if (rc == 0) {
        json_decref(*obj_io);
        *obj_io = res;
    }
    return rc;
}

/* PATCH at obj's path (sub: "status" or NULL) with body of content type ct; *obj_io becomes
 * the stored object. */
static int up_patch(kp_syncer *s, json_t **obj_io, const char *ws_id, const kp_sync_res *r,
                    const char *sub, const json_t *body, const char *ct)
{
    char *path = up_obj_path(ws_id, r, kp_json_get_str(*obj_io, "metadata.namespace"),
                             kp_json_get_str(*obj_io, "metadata.name"), sub);
    json_t *res = NULL;
    int rc = kp_sync_conn_do(&res, s->cfg.up, "PATCH", path, body, ct);
    free(path);
    if (rc == 0 && res) {
        json_decref(*obj_io);
        *obj_io = res;
    } else {
        json_decref(res);
    }
    return rc;
}

/* Finalizer and this cluster's status annotation on the upstream object, as one strategic
 * merge patch when either changes: finalizers merge per value, so the syncers of several
 * clusters mark the same object without conflicts. status: the downstream status or NULL for
 * "{}". */
static int up_mark(kp_syncer *s, json_t **obj_io, const char *ws_id, const kp_sync_res *r,
                   const json_t *status)
{
    char key[300];
    json_t *patch = json_object(), *md = kp_json_obj_ensure(patch, "metadata");
    char *text = status ? kp_sync_dump(status) : kp_strdup("{}");
    const char *cur;
    bool change = false;
    int rc = 0;

    snprintf(key, sizeof(key), KP_SYNC_STATUS_ANN_PREFIX "%s", s->cfg.name);
    cur = json_string_value(json_object_get(kp_json_get(*obj_io, "metadata.annotations"), key));
    if (!cur || (status && strcmp(cur, text) != 0)) {
        json_object_set_new(kp_json_obj_ensure(md, "annotations"), key, json_string(text));
        change = true;
    }
    if (!has_finalizer(*obj_io)) {
        json_object_set_new(md, "finalizers", json_pack("[s]", KP_SYNC_FINALIZER));
        change = true;
    }
    if (change)
        rc = up_patch(s, obj_io, ws_id, r, NULL, patch, "application/strategic-merge-patch+json");
    json_decref(patch);
    free(text);
    return rc;
}

/* This cluster's mark goes; the finalizer with the last cluster's. */
static int up_unmark(kp_syncer *s, json_t **obj_io, const char *ws_id, const kp_sync_res *r)
{
    char key[300];
    json_t *md = json_object_get(*obj_io, "metadata");
    json_t *ann = json_object_get(md, "annotations");
    bool change = false;

    snprintf(key, sizeof(key), KP_SYNC_STATUS_ANN_PREFIX "%s", s->cfg.name);
    if (json_object_get(ann, key)) {
        json_object_del(ann, key);
        change = true;
    }
    if (status_annotations(*obj_io) == 0 && has_finalizer(*obj_io)) {
        json_t *f = json_object_get(md, "finalizers"), *keep = json_array(), *x;
        size_t i;
        json_array_foreach(f, i, x)
        {
            if (!json_is_string(x) || strcmp(json_string_value(x), KP_SYNC_FINALIZER) != 0)
                json_array_append(keep, x);
        }
        if (json_array_size(keep))
            json_object_set_new(md, "finalizers", keep);
        else {
            json_decref(keep);
            json_object_del(md, "finalizers");
        }
        change = true;
    }
    return change ? up_put(s, obj_io, ws_id, r, NULL) : 0;
}

/* The upstream status from every labelled cluster's annotation. */
static int up_status(kp_syncer *s, json_t **obj_io, const char *ws_id, const kp_sync_res *r)
{
    json_t *sts = json_array(), *agg, *labels = kp_json_get(*obj_io, "metadata.labels");
    const char *k;
    json_t *v;
    int rc = 0;
    size_t plen = strlen(KP_SYNC_STATUS_ANN_PREFIX);

    json_object_foreach(kp_json_get(*obj_io, "metadata.annotations"), k, v)
    {
        char lk[300];
        json_t *st = NULL;
        const char *lv;
        if (strncmp(k, KP_SYNC_STATUS_ANN_PREFIX, plen) != 0 || !json_is_string(v))
            continue;
        snprintf(lk, sizeof(lk), KP_SYNC_LABEL_PREFIX "%s", k + plen);
        lv = json_string_value(json_object_get(labels, lk));
        if (!lv || strcmp(lv, KP_SYNC_LABEL_VALUE) != 0)
            continue;
        if (kp_json_parse(&st, json_string_value(v), json_string_length(v)) == 0 &&
            json_is_object(st) && json_object_size(st))
            json_array_append(sts, st);
        kp_err_clear();
        json_decref(st);
    }
    if (json_array_size(sts)) {
        json_int_t gen = json_integer_value(kp_json_get(*obj_io, "metadata.generation"));
        agg = kp_sync_aggregate(sts, gen);
        if (!json_equal(agg, json_object_get(*obj_io, "status"))) {
            /* the whole status, replaced without a precondition: every syncer of the object
             * computes the same aggregate from the annotations it last saw, and each
             * annotation change makes them all compute it again */
            json_t *jp =
                json_pack("[{s:s, s:s, s:O}]", "op", "add", "path", "/status", "value", agg);
            rc = up_patch(s, obj_io, ws_id, r, "status", jp, "application/json-patch+json");
            json_decref(jp);
        }
        json_decref(agg);
    }
    json_decref(sts);
    return rc;
}

/* ---- one upstream object ---- */

/* Applies a ConfigMap, Secret or ServiceAccount a synced pod template names (when changed). */
static int sync_ref(kp_syncer *s, const char *ws_id, const char *ns, const char *dns,
                    const char *ref)
{
    const char *slash = strchr(ref, '/');
    char resname[32];
    const kp_sync_res *r;
    json_t *obj = NULL, *desired = NULL;
    char *path = NULL, *key = NULL, *text = NULL;
    int rc;

    snprintf(resname, sizeof(resname), "%.*s", (int)(slash - ref), ref);
    r = kp_sync_res_find(resname);
    path = up_obj_path(ws_id, r, ns, slash + 1, NULL);
    if ((rc = kp_sync_conn_do(&obj, s->cfg.up, "GET", path, NULL, NULL)) < 0) {
        if (rc == KP_ENOTFOUND) { /* the pod waits for it downstream as it would upstream */
            kp_err_clear();
            rc = 0;
        }
        goto out;
    }
    desired = kp_sync_desired(obj, r, dns);
    text = kp_sync_dump(desired);
    key = kp_asprintf("ref|%s|%s|%s|%s", ws_id, r->store_key, ns, slash + 1);
    if (json_string_value(json_object_get(s->applied, key)) &&
        strcmp(json_string_value(json_object_get(s->applied, key)), text) == 0)
        goto out;
    if ((rc = down_apply(NULL, s, r, desired)) == 0)
        json_object_set_new(s->applied, key, json_string(text));
out:
    json_decref(obj);
    json_decref(desired);
    free(path);
    free(key);
    free(text);
    return rc;
}

/* Deletes downstream the objects of refs (a set of "configmaps/<name>"...) that went along
 * with workload wkey when no other synced workload of its namespace names them and they are
 * not synced on their own (labelled). */
static int drop_refs(kp_syncer *s, const char *wkey, const json_t *entry, const json_t *refs)
{
    const char *ref, *ok;
    json_t *v, *other;
    const char *ws = kp_json_get_str(entry, "ws"), *ns = kp_json_get_str(entry, "ns");
    const char *dns = kp_json_get_str(entry, "dns");
    int rc = 0;

    json_object_foreach((json_t *)refs, ref, v)
    {
        bool used = false;
        const char *slash = strchr(ref, '/');
        const kp_sync_res *r;
        char *own, *rkey, *path;
        int drc;
        json_object_foreach(s->refs_of, ok, other)
        {
            if (strcmp(ok, wkey) != 0 && strcmp(kp_json_get_str(other, "ws"), ws) == 0 &&
                strcmp(kp_json_get_str(other, "ns"), ns) == 0 &&
                json_object_get(json_object_get(other, "refs"), ref))
                used = true;
        }
        if (used || !slash)
            continue;
        {
            char resname[32];
            snprintf(resname, sizeof(resname), "%.*s", (int)(slash - ref), ref);
            r = kp_sync_res_find(resname);
        }
        if (!r)
            continue;
        own = kp_asprintf("%s|%s|%s|%s", ws, r->store_key, ns, slash + 1);
        rkey = kp_asprintf("ref|%s|%s|%s|%s", ws, r->store_key, ns, slash + 1);
        if (!json_object_get(s->applied, own)) { /* labelled for this cluster: it stays */
            path = kp_asprintf("%s/namespaces/%s/%s/%s", kp_sync_res_gv_path(r), dns, r->name,
                               slash + 1);
            drc = kp_sync_conn_do(NULL, s->down, "DELETE", path, NULL, NULL);
            free(path);
            if (drc == KP_ENOTFOUND) {
                kp_err_clear();
                drc = 0;
            }
            if (drc < 0)
                rc = drc;
            else
                json_object_del(s->applied, rkey);
        }
        free(own);
        free(rkey);
    }
    return rc;
}

static int sync_refs(kp_syncer *s, const char *wkey, const char *ws_id, const char *ns,
                     const char *dns, const kp_sync_res *r, const json_t *obj)
{
    json_t *set = json_object(), *prev, *gone = json_object();
    const char *k;
    json_t *v;
    char path[96];
    int rc = 0;

    snprintf(path, sizeof(path), "%s.spec", r->pod_template);
    kp_sync_template_refs(set, kp_json_get(obj, path));
    json_object_foreach(set, k, v)
    {
        if ((rc = sync_ref(s, ws_id, ns, dns, k)) < 0)
            break;
    }
    prev = json_object_get(s->refs_of, wkey);
    json_object_foreach(json_object_get(prev, "refs"), k, v)
    {
        if (!json_object_get(set, k))
            json_object_set(gone, k, v);
    }
    json_object_set_new(
        s->refs_of, wkey,
        json_pack("{s:s, s:s, s:s, s:O}", "ws", ws_id, "ns", ns, "dns", dns, "refs", set));
    if (rc == 0 && json_object_size(gone)) /* the template names fewer than before */
        rc = drop_refs(s, wkey, json_object_get(s->refs_of, wkey), gone);
    json_decref(gone);
    json_decref(set);
    return rc;
}

static int process_up(kp_syncer *s, const sync_item *it)
{
    const kp_sync_res *r = kp_sync_res_by_key(it->store_key);
    char dns[KP_SYNC_NS_MAX];
    json_t *obj = NULL, *desired = NULL, *applied_obj = NULL, *up_st = NULL;
    char *path = NULL, *dkey = NULL, *text = NULL;
    const char *wpath, *last;
    const json_t *cur;
    bool want;
    int rc;

    if (!r)
        return 0;
    wpath = ws_path_of(s, it->ws_id, &rc);
    if (!wpath)
        return rc;
    kp_sync_ns_name(dns, it->ws_id, it->ns);
    dkey = down_key(r, dns, it->name);
    cur = json_object_get(s->down_cache, dkey);
    if (!*wpath || !in_tree(s, wpath)) { /* not ours (another workspace tree) */
        rc = 0;
        goto out;
    }
    path = up_obj_path(it->ws_id, r, it->ns, it->name, NULL);
    rc = kp_sync_conn_do(&obj, s->cfg.up, "GET", path, NULL, NULL);
    if (rc == KP_ENOTFOUND) {
        kp_err_clear();
        obj = NULL;
    } else if (rc < 0) {
        goto out;
    }
    want = obj && syncer_res(s, it->store_key) && labelled(s, obj) &&
           !kp_json_get(obj, "metadata.deletionTimestamp");

    if (!want) {
        char k[300];
        snprintf(k, sizeof(k), KP_SYNC_STATUS_ANN_PREFIX "%s", s->cfg.name);
        if (cur || json_object_get(s->applied, it->key) ||
            (obj && json_object_get(kp_json_get(obj, "metadata.annotations"), k))) {
            char *dpath = kp_asprintf("%s/namespaces/%s/%s/%s", kp_sync_res_gv_path(r), dns,
                                      r->name, it->name);
            rc = kp_sync_conn_do(NULL, s->down, "DELETE", dpath, NULL, NULL);
            free(dpath);
            if (rc == KP_ENOTFOUND) {
                kp_err_clear();
                rc = 0;
            }
            if (rc < 0)
                goto out;
            json_object_del(s->down_cache, dkey);
            json_object_del(s->applied, it->key);
        }
        if (json_object_get(s->refs_of, it->key)) { /* what went along with it */
            json_t *entry = json_incref(json_object_get(s->refs_of, it->key));
            json_object_del(s->refs_of, it->key);
            rc = drop_refs(s, it->key, entry, json_object_get(entry, "refs"));
            if (rc < 0) /* tried again with the item: keep the record */
                json_object_set(s->refs_of, it->key, entry);
            json_decref(entry);
            if (rc < 0)
                goto out;
        }
        rc = obj ? up_unmark(s, &obj, it->ws_id, r) : 0;
        goto out;
    }

    desired = kp_sync_desired(obj, r, dns);
    text = kp_sync_dump(desired);
    last = json_string_value(json_object_get(s->applied, it->key));
    if (cur && json_is_object(json_object_get(cur, "status"))) {
        /* k8s: status.observedGeneration counts the downstream object's generations; upstream
         * it reads as the upstream generation once the cluster observed the spec it was last
         * sent, else one before it */
        json_int_t ugen = json_integer_value(kp_json_get(obj, "metadata.generation"));
        json_int_t dgen = json_integer_value(kp_json_get(cur, "metadata.generation"));
        json_t *dog = kp_json_get(cur, "status.observedGeneration");
        bool current = json_is_integer(dog) && json_integer_value(dog) >= dgen && last &&
                       strcmp(last, text) == 0;
        up_st = json_deep_copy(json_object_get(cur, "status"));
        if (json_is_integer(dog))
            json_object_set_new(up_st, "observedGeneration",
                                json_integer(current ? ugen : (ugen > 0 ? ugen - 1 : 0)));
    }
    if ((rc = up_mark(s, &obj, it->ws_id, r, up_st)) < 0 ||
        (rc = down_ensure_ns(s, dns, it->ws_id, wpath, it->ns)) < 0)
        goto out;
    if (r->pod_template && (rc = sync_refs(s, it->key, it->ws_id, it->ns, dns, r, obj)) < 0)
        goto out;
    if (cur && kp_sync_subset(desired, cur) && (!last || strcmp(last, text) == 0)) {
        /* downstream has it already (after a restart too): nothing to push */
        if (!last)
            json_object_set_new(s->applied, it->key, json_string(text));
    } else {
        bool drift = last && strcmp(last, text) == 0; /* same spec, yet downstream differs */
        if ((rc = down_apply(&applied_obj, s, r, desired)) < 0)
            goto out;
        json_object_set_new(s->applied, it->key, json_string(text));
        if (applied_obj)
            json_object_set(s->down_cache, dkey, applied_obj);
        if (drift) {
            char msg[512];
            snprintf(msg, sizeof(msg),
                     "%s %s/%s was changed or deleted in cluster %s (namespace %s); the syncer "
                     "restored it",
                     r->kind, it->ns, it->name, s->cfg.name, dns);
            KP_LOG_INFO("syncer", "cluster=%s restored %s %s/%s (drift)", s->cfg.name, r->name,
                        it->ns, it->name);
            up_event(s, it->ws_id, r, obj, "Warning", "DownstreamDriftRestored", msg);
        }
    }
    if (r->status && cur && json_object_get(cur, "status"))
        rc = up_status(s, &obj, it->ws_id, r);
out:
    json_decref(obj);
    json_decref(desired);
    json_decref(applied_obj);
    json_decref(up_st);
    free(path);
    free(dkey);
    free(text);
    return rc;
}

/* ---- downstream events ---- */

static void down_seen(kp_syncer *s, const kp_sync_res *r, const json_t *obj, bool deleted)
{
    const char *dns = kp_json_get_str(obj, "metadata.namespace");
    const char *name = kp_json_get_str(obj, "metadata.name");
    const json_t *origin;
    char *dkey;

    if (!dns || !name)
        return;
    dkey = down_key(r, dns, name);
    if (deleted)
        json_object_del(s->down_cache, dkey);
    else
        json_object_set_new(s->down_cache, dkey, json_deep_copy(obj));
    free(dkey);
    origin = down_ns_origin(s, dns);
    if (origin)
        push_up(s, kp_json_get_str(origin, "ws"), r->store_key, kp_json_get_str(origin, "ns"), name,
                SYNC_DELAY_MS);
}

static void process_down(kp_syncer *s, const sync_item *it)
{
    for (size_t i = 0; i < s->nres; i++)
        if (s->res[i] == it->res && !s->listed[i] &&
            (strcmp(it->type, "RELIST") == 0 || strcmp(it->type, "LISTFAILED") == 0)) {
            s->listed[i] = true;
            s->lists_pending--;
        }
    if (strcmp(it->type, "LISTFAILED") == 0)
        return;
    if (strcmp(it->type, "RELIST") == 0) {
        /* what the cache held of this resource and the list lacks went while unwatched */
        json_t *gone = json_object(), *x;
        const char *k;
        size_t plen = strlen(it->res->store_key), i;
        void *tmp;
        json_object_foreach_safe(s->down_cache, tmp, k, x)
        {
            if (strncmp(k, it->res->store_key, plen) == 0 && k[plen] == '|') {
                json_object_set(gone, k, x);
                json_object_del(s->down_cache, k);
            }
        }
        json_array_foreach(it->obj, i, x)
        {
            char *dk = down_key(it->res, kp_json_get_str(x, "metadata.namespace"),
                                kp_json_get_str(x, "metadata.name"));
            json_object_del(gone, dk);
            free(dk);
            down_seen(s, it->res, x, false);
        }
        json_object_foreach(gone, k, x)
        {
            down_seen(s, it->res, x, true);
        }
        json_decref(gone);
        return;
    }
    down_seen(s, it->res, it->obj, strcmp(it->type, "DELETED") == 0);
}

/* ---- watches (downstream; upstream in Pull mode) ---- */

typedef struct {
    sync_watch *w;
    int rc;
    bool expired;
} watch_ctx;

static void up_seen(kp_syncer *s, const kp_sync_res *r, const json_t *obj)
{
    const char *ws = json_string_value(
        json_object_get(kp_json_get(obj, "metadata.annotations"), "kplane.io/cluster"));
    const char *ns = kp_json_get_str(obj, "metadata.namespace");
    const char *name = kp_json_get_str(obj, "metadata.name");
    if (ws && ns && name)
        kp_syncer_push_up(s, ws, r->store_key, ns, name, 0);
}

static int watch_line(void *arg, const char *line, size_t len)
{
    watch_ctx *c = arg;
    sync_watch *w = c->w;
    json_t *ev = NULL, *obj;
    const char *type, *rv;

    if (kp_json_parse(&ev, line, len) < 0) {
        kp_err_clear();
        return 0;
    }
    type = kp_json_get_str(ev, "type");
    obj = json_object_get(ev, "object");
    if (!type || !json_is_object(obj)) {
        json_decref(ev);
        return 0;
    }
    if (strcmp(type, "ERROR") == 0) {
        c->expired = json_integer_value(json_object_get(obj, "code")) == 410;
        json_decref(ev);
        return 1; /* the stream ends: list again */
    }
    rv = kp_json_get_str(obj, "metadata.resourceVersion");
    if (rv) {
        free(w->rv);
        w->rv = kp_strdup(rv);
    }
    if (strcmp(type, "BOOKMARK") != 0) {
        if (w->upstream)
            up_seen(w->s, w->res, obj);
        else
            push_down(w->s, w->res, type, json_incref(obj));
    }
    json_decref(ev);
    return 0;
}

static void *watch_main(void *arg)
{
    sync_watch *w = arg;
    kp_syncer *s = w->s;
    kp_sync_conn *conn = w->upstream ? s->cfg.up : s->down;
    const char *prefix = w->upstream ? "/clusters/*" : "";
    int fails = 0;
    bool relist = true;

    while (!s->stop) {
        int rc;
        if (relist) {
            json_t *list = NULL;
            char *path = kp_asprintf("%s%s/%s?labelSelector=" KP_SYNC_LABEL_PREFIX "%s", prefix,
                                     kp_sync_res_gv_path(w->res), w->res->name, s->cfg.name);
            rc = kp_sync_conn_do(&list, conn, "GET", path, NULL, NULL);
            free(path);
            if (rc < 0) {
                KP_LOG_DEBUG("syncer", "cluster=%s list %s %s: %s", s->cfg.name,
                             w->upstream ? "upstream" : "downstream", w->res->name, kp_err_msg());
                kp_err_clear();
                json_decref(list);
                if (!w->upstream && fails == 0)
                    push_down(s, w->res, "LISTFAILED", json_null());
                nap(s, backoff_ms(++fails));
                continue;
            }
            free(w->rv);
            w->rv = kp_strdup(kp_json_get_str(list, "metadata.resourceVersion")
                                  ? kp_json_get_str(list, "metadata.resourceVersion")
                                  : "0");
            if (w->upstream) {
                size_t i;
                json_t *x;
                json_array_foreach(json_object_get(list, "items"), i, x)
                {
                    up_seen(s, w->res, x);
                }
            } else {
                json_t *items = json_object_get(list, "items");
                push_down(s, w->res, "RELIST",
                          json_is_array(items) ? json_incref(items) : json_array());
            }
            json_decref(list);
            relist = false;
            fails = 0;
        }
        {
            watch_ctx c = {w, 0, false};
            char *path =
                kp_asprintf("%s%s/%s?watch=true&allowWatchBookmarks=true&timeoutSeconds="
                            "%d&resourceVersion=%s&labelSelector=" KP_SYNC_LABEL_PREFIX "%s",
                            prefix, kp_sync_res_gv_path(w->res), w->res->name, SYNC_WATCH_TIMEOUT_S,
                            w->rv, s->cfg.name);
            rc = kp_sync_conn_watch(conn, path, watch_line, &c, &s->stop);
            free(path);
            if (rc < 0 || c.expired) {
                KP_LOG_DEBUG("syncer", "cluster=%s watch %s: %s", s->cfg.name, w->res->name,
                             c.expired ? "expired" : kp_err_msg());
                kp_err_clear();
                relist = true;
                if (rc < 0)
                    nap(s, backoff_ms(++fails));
            } else {
                fails = 0;
            }
        }
    }
    return NULL;
}

static void watches_start(kp_syncer *s, bool upstream)
{
    for (size_t i = 0; i < s->nres && s->nwatches < KP_ARRAY_LEN(s->watches); i++) {
        sync_watch *w = &s->watches[s->nwatches];
        memset(w, 0, sizeof(*w));
        w->s = s;
        w->res = s->res[i];
        w->upstream = upstream;
        if (pthread_create(&w->thread, NULL, watch_main, w) == 0) {
            w->started = true;
            s->nwatches++;
        }
    }
}

/* Push mode: every object labelled for this cluster, from one list per resource across the
 * workspaces (what changes later comes from the commit stream). Objects already in sync cost
 * a read and a comparison, no write. */
static int up_relist(kp_syncer *s)
{
    for (size_t i = 0; i < s->nres; i++) {
        json_t *list = NULL, *x;
        size_t k;
        char *path = kp_asprintf("/clusters/*%s/%s?labelSelector=" KP_SYNC_LABEL_PREFIX "%s",
                                 kp_sync_res_gv_path(s->res[i]), s->res[i]->name, s->cfg.name);
        int rc = kp_sync_conn_do(&list, s->cfg.up, "GET", path, NULL, NULL);
        free(path);
        if (rc < 0) {
            json_decref(list);
            return rc;
        }
        json_array_foreach(json_object_get(list, "items"), k, x)
        {
            up_seen(s, s->res[i], x);
        }
        json_decref(list);
    }
    return 0;
}

/* ---- the Cluster: connect and heartbeat ---- */

/* Reads the Cluster (its resources) and, in Push mode, the kubeconfig Secret it names. */
static int syncer_connect(kp_syncer *s)
{
    json_t *cl = NULL, *sec = NULL;
    const char *b64, *sns, *sname;
    char *path = NULL;
    kp_buf kc = KP_BUF_INIT(KP_HTTPC_BODY_MAX_DEFAULT);
    int rc;
    size_t i;
    json_t *x;

    if ((rc = syncer_cluster_get(&cl, s)) < 0)
        goto out;
    s->nres = 0;
    json_array_foreach(kp_json_get(cl, "spec.resources"), i, x)
    {
        const kp_sync_res *r = kp_sync_res_find(json_string_value(x) ? json_string_value(x) : "");
        if (r && s->nres < SYNC_RES_MAX)
            s->res[s->nres++] = r;
    }
    if (s->down_given) {
        rc = 0;
        goto out;
    }
    sns = kp_json_get_str(cl, "spec.kubeconfigSecretRef.namespace");
    sname = kp_json_get_str(cl, "spec.kubeconfigSecretRef.name");
    if (!sns || !sname) {
        rc = kp_err_set(KP_EINVALID, "Cluster %s names no kubeconfigSecretRef", s->cfg.name);
        goto out;
    }
    path = kp_asprintf("/clusters/%s/api/v1/namespaces/%s/secrets/%s", s->cfg.ws_id, sns, sname);
    if ((rc = kp_sync_conn_do(&sec, s->cfg.up, "GET", path, NULL, NULL)) < 0)
        goto out;
    b64 = json_string_value(json_object_get(json_object_get(sec, "data"), KP_SYNC_SECRET_KEY));
    if (!b64) {
        rc = kp_err_set(KP_EINVALID, "Secret %s/%s has no key \"" KP_SYNC_SECRET_KEY "\"", sns,
                        sname);
        goto out;
    }
    if ((rc = kp_crypto_base64_decode(&kc, b64, strlen(b64))) < 0)
        goto out;
    kp_sync_conn_free(s->down);
    s->down = NULL;
    rc = kp_sync_conn_kubeconfig(&s->down, kc.p ? kc.p : "", kc.len, false);
out:
    if (kc.p)
        memset(kc.p, 0, kc.len); /* the kubeconfig holds credentials */
    kp_buf_dispose(&kc);
    json_decref(cl);
    json_decref(sec);
    free(path);
    return rc;
}

/* ---- the worker ---- */

static void *worker_main(void *arg)
{
    kp_syncer *s = arg;
    int64_t next_hb = 0, next_connect = 0;
    bool connected = false;

    s->last_hb_ms = syncer_now_ms();
    while (!s->stop) {
        int64_t now = syncer_now_ms(), deadline;
        sync_item *it;

        if (!connected && !s->cfg.monitor_only && now >= next_connect) {
            if (syncer_connect(s) == 0 && (s->cfg.pull || up_relist(s) == 0)) {
                connected = true;
                memset(s->listed, 0, sizeof(s->listed));
                s->lists_pending = s->nres;
                s->lists_deadline_ms = syncer_now_ms() + 10000;
                s->connect_fails = 0;
                watches_start(s, false);
                if (s->cfg.pull)
                    watches_start(s, true);
                KP_LOG_INFO("syncer", "cluster=%s syncing %zu resources (%s)", s->cfg.name, s->nres,
                            s->cfg.pull ? "pull" : "push");
            } else {
                KP_LOG_WARN("syncer", "cluster=%s cannot connect: %s", s->cfg.name, kp_err_msg());
                kp_err_clear();
                next_connect = now + backoff_ms(++s->connect_fails);
            }
        }
        if (now >= next_hb) {
            syncer_heartbeat(s);
            next_hb = syncer_now_ms() + s->cfg.opts.heartbeat_ms;
        }
        deadline = next_hb;
        if (!connected && !s->cfg.monitor_only && next_connect < deadline)
            deadline = next_connect;
        it = queue_pop(s, deadline);
        if (!it)
            continue;
        if (!connected) { /* nothing to do yet: the initial lists will bring it back */
            item_free(it);
            continue;
        }
        if (it->kind == ITEM_DOWN) {
            process_down(s, it);
            item_free(it);
        } else if (s->lists_pending && syncer_now_ms() < s->lists_deadline_ms) {
            pthread_mutex_lock(&s->mu); /* after the downstream lists */
            if (json_object_get(s->queued, it->key)) {
                pthread_mutex_unlock(&s->mu);
                item_free(it);
            } else {
                json_object_set_new(s->queued, it->key, json_true());
                delay_push_locked(s, it);
                pthread_mutex_unlock(&s->mu);
            }
        } else {
            int rc = process_up(s, it);
            if (rc < 0) {
                KP_LOG_DEBUG("syncer", "cluster=%s %s %s/%s: %s (attempt %d)", s->cfg.name,
                             it->store_key, it->ns, it->name, kp_err_msg(), it->attempts + 1);
                kp_err_clear();
                queue_retry(s, it, rc);
            } else {
                item_free(it);
            }
        }
    }
    return NULL;
}

int kp_syncer_release(kp_syncer *s)
{
    size_t n;
    const kp_sync_res *all = kp_sync_res_all(&n);
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        json_t *list = NULL, *x;
        size_t k;
        char *path = kp_asprintf("/clusters/*%s/%s?labelSelector=" KP_SYNC_LABEL_PREFIX "%s",
                                 kp_sync_res_gv_path(&all[i]), all[i].name, s->cfg.name);
        int lrc = kp_sync_conn_do(&list, s->cfg.up, "GET", path, NULL, NULL);
        free(path);
        if (lrc < 0) {
            rc = lrc;
            json_decref(list);
            continue;
        }
        json_array_foreach(json_object_get(list, "items"), k, x)
        {
            const char *ws = json_string_value(
                json_object_get(kp_json_get(x, "metadata.annotations"), "kplane.io/cluster"));
            const char *wpath;
            json_t *obj;
            int prc;
            if (!ws || !(wpath = ws_path_of(s, ws, &prc)) || !*wpath || !in_tree(s, wpath))
                continue;
            obj = json_incref(x);
            for (int tries = 0; tries < 5; tries++) {
                char *op;
                prc = up_unmark(s, &obj, ws, &all[i]);
                if (prc != KP_ECONFLICT)
                    break;
                kp_err_clear();
                op = up_obj_path(ws, &all[i], kp_json_get_str(x, "metadata.namespace"),
                                 kp_json_get_str(x, "metadata.name"), NULL);
                json_decref(obj);
                obj = NULL;
                prc = kp_sync_conn_do(&obj, s->cfg.up, "GET", op, NULL, NULL);
                free(op);
                if (prc < 0)
                    break;
            }
            if (prc < 0)
                rc = prc;
            json_decref(obj);
        }
        json_decref(list);
    }
    return rc;
}

kp_syncer *kp_syncer_new(const kp_syncer_cfg *cfg, kp_sync_conn *down)
{
    kp_syncer *s = kp_calloc(1, sizeof(*s));
    s->cfg = *cfg;
    s->cfg.ws_id = kp_strdup(cfg->ws_id);
    s->cfg.ws_path = kp_strdup(cfg->ws_path);
    s->cfg.name = kp_strdup(cfg->name);
    if (s->cfg.opts.heartbeat_ms <= 0)
        s->cfg.opts.heartbeat_ms = 10000;
    if (s->cfg.opts.heartbeat_timeout_ms <= 0)
        s->cfg.opts.heartbeat_timeout_ms = 40000;
    s->down = down;
    s->down_given = down != NULL;
    s->ready = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->queued = json_object();
    s->down_cache = json_object();
    s->applied = json_object();
    s->ns_ok = json_object();
    s->ws_paths = json_object();
    s->refs_of = json_object();
    return s;
}

int kp_syncer_start(kp_syncer *s)
{
    if (pthread_create(&s->thread, NULL, worker_main, s) != 0)
        return kp_err_set(KP_EINTERNAL, "cannot start the syncer thread of cluster %s",
                          s->cfg.name);
    s->started = true;
    return 0;
}

void kp_syncer_stop(kp_syncer *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->started)
        pthread_join(s->thread, NULL);
    s->started = false;
    for (size_t i = 0; i < s->nwatches; i++)
        if (s->watches[i].started) {
            pthread_join(s->watches[i].thread, NULL);
            s->watches[i].started = false;
        }
}

void kp_syncer_free(kp_syncer *s)
{
    if (!s)
        return;
    kp_syncer_stop(s);
    for (size_t i = 0; i < s->nwatches; i++)
        free(s->watches[i].rv);
    while (s->head) {
        sync_item *it = s->head;
        s->head = it->next;
        item_free(it);
    }
    while (s->retry) {
        sync_item *it = s->retry;
        s->retry = it->next;
        item_free(it);
    }
    while (s->dhead) {
        sync_item *it = s->dhead;
        s->dhead = it->next;
        item_free(it);
    }
    json_decref(s->queued);
    json_decref(s->down_cache);
    json_decref(s->applied);
    json_decref(s->ns_ok);
    json_decref(s->ws_paths);
    json_decref(s->refs_of);
    kp_sync_conn_free(s->down);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free((char *)s->cfg.ws_id);
    free((char *)s->cfg.ws_path);
    free((char *)s->cfg.name);
    free(s);
}
