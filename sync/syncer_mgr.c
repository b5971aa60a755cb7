#include "lib/common.h"
#include "sync/syncer_int.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "lib/log.h"

#include <pthread.h>
#include <time.h>

/* One Cluster object's syncer. */
typedef struct mgr_entry {
    struct mgr_entry *next;
    char *ws_id, *name, *ws_path;
    char *spec;   /* the spec it runs with (sorted JSON): another one restarts it */
    char *secret; /* "<namespace>/<name>" of its kubeconfig Secret: a change restarts it */
    kp_syncer *syncer;
} mgr_entry;

/* A Cluster that changed. */
typedef struct mgr_job {
    struct mgr_job *next;
    char *ws_id, *name;
    bool force; /* restart even with the same spec (its Secret changed) */
} mgr_job;

struct kp_syncer_mgr {
    kp_sync_opts opts;
    kp_client *client;
    kp_sync_conn *up;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mgr_entry *entries;   /* guarded by mu */
    mgr_job *head, *tail; /* guarded by mu */
    bool stopping;        /* guarded by mu */
};

kp_syncer_mgr *kp_syncer_mgr_new(const kp_sync_opts *o)
{
    kp_syncer_mgr *m = kp_calloc(1, sizeof(*m));
    if (o)
        m->opts = *o;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    return m;
}

static void mgr_push_locked(kp_syncer_mgr *m, const char *ws_id, const char *name, bool force)
{
    mgr_job *j = kp_calloc(1, sizeof(*j));
    j->force = force;
    j->ws_id = kp_strdup(ws_id);
    j->name = kp_strdup(name);
    if (m->tail)
        m->tail->next = j;
    else
        m->head = j;
    m->tail = j;
    pthread_cond_signal(&m->cv);
}

static void job_free(mgr_job *j)
{
    if (!j)
        return;
    free(j->ws_id);
    free(j->name);
    free(j);
}

static void entry_free(mgr_entry *e)
{
    if (!e)
        return;
    kp_syncer_free(e->syncer); /* stops it first */
    free(e->ws_id);
    free(e->name);
    free(e->ws_path);
    free(e->spec);
    free(e->secret);
    free(e);
}

/* Takes the entry of (ws_id, name) out of the list (mu held). */
static mgr_entry *mgr_take_locked(kp_syncer_mgr *m, const char *ws_id, const char *name)
{
    for (mgr_entry **pp = &m->entries; *pp; pp = &(*pp)->next) {
        mgr_entry *e = *pp;
        if (strcmp(e->ws_id, ws_id) == 0 && strcmp(e->name, name) == 0) {
            *pp = e->next;
            e->next = NULL;
            return e;
        }
    }
    return NULL;
}

/* Starts, restarts or stops the syncer of one Cluster after it changed. */
static void mgr_reconcile(kp_syncer_mgr *m, const mgr_job *j)
{
    json_t *cl = NULL, *lc = NULL;
    char *path = kp_asprintf("/clusters/%s/apis/" KP_SYNC_GROUP "/" KP_SYNC_VERSION "/clusters/%s",
                             j->ws_id, j->name);
    char *spec = NULL;
    mgr_entry *old = NULL, *e = NULL;
    int rc = kp_sync_conn_do(&cl, m->up, "GET", path, NULL, NULL);
    bool gone = rc == KP_ENOTFOUND || (rc == 0 && kp_json_get(cl, "metadata.deletionTimestamp"));

    free(path);
    if (rc < 0 && !gone) {
        KP_LOG_WARN("syncer", "cannot read Cluster %s: %s", j->name, kp_err_msg());
        goto out;
    }
    kp_err_clear();
    if (!gone)
        spec = kp_sync_dump(json_object_get(cl, "spec"));
    pthread_mutex_lock(&m->mu);
    for (mgr_entry *x = m->entries; x; x = x->next)
        if (strcmp(x->ws_id, j->ws_id) == 0 && strcmp(x->name, j->name) == 0 && spec &&
            strcmp(x->spec, spec) == 0 && !j->force) {
            pthread_mutex_unlock(&m->mu); /* a status change: the syncer runs on */
            goto out;
        }
    old = mgr_take_locked(m, j->ws_id, j->name);
    pthread_mutex_unlock(&m->mu);
    if (gone && old) { /* release what it held upstream, with its workspace path */
        kp_syncer_cfg cfg = {m->up, old->ws_id, old->ws_path, old->name, false, true, m->opts};
        kp_syncer *rel = kp_syncer_new(&cfg, NULL);
        kp_syncer_stop(old->syncer); /* first: it must not mark again */
        if (kp_syncer_release(rel) < 0) {
            KP_LOG_WARN("syncer", "cluster=%s removed, but not every object is released: %s",
                        j->name, kp_err_msg());
            kp_err_clear();
        }
        kp_syncer_free(rel);
    }
    entry_free(old); /* outside the lock: it joins threads */
    if (gone) {
        KP_LOG_INFO("syncer", "cluster=%s removed: its syncer stopped", j->name);
        goto out;
    }
    path = kp_asprintf("/clusters/%s/apis/tenancy.kplane.io/v1alpha1/logicalclusters/cluster",
                       j->ws_id);
    rc = kp_sync_conn_do(&lc, m->up, "GET", path, NULL, NULL);
    free(path);
    if (rc < 0 || !kp_json_get_str(lc, "spec.path")) {
        KP_LOG_WARN("syncer", "cluster=%s: cannot resolve its workspace: %s", j->name,
                    kp_err_msg());
        kp_err_clear();
        goto out;
    }
    {
        const char *mode = kp_json_get_str(cl, "spec.syncMode");
        kp_syncer_cfg cfg = {m->up,   j->ws_id, kp_json_get_str(lc, "spec.path"),
                             j->name, false,    mode && strcmp(mode, "Pull") == 0,
                             m->opts};
        e = kp_calloc(1, sizeof(*e));
        e->ws_id = kp_strdup(j->ws_id);
        e->name = kp_strdup(j->name);
        e->ws_path = kp_strdup(cfg.ws_path);
        if (kp_json_get_str(cl, "spec.kubeconfigSecretRef.name"))
            e->secret =
                kp_asprintf("%s/%s", kp_json_get_str(cl, "spec.kubeconfigSecretRef.namespace"),
                            kp_json_get_str(cl, "spec.kubeconfigSecretRef.name"));
        e->spec = spec;
        spec = NULL;
        e->syncer = kp_syncer_new(&cfg, NULL);
        if (kp_syncer_start(e->syncer) < 0) {
            KP_LOG_ERROR("syncer", "cluster=%s: %s", j->name, kp_err_msg());
            kp_err_clear();
            entry_free(e);
            goto out;
        }
    }
    pthread_mutex_lock(&m->mu);
    e->next = m->entries;
    m->entries = e;
    pthread_mutex_unlock(&m->mu);
out:
    json_decref(cl);
    json_decref(lc);
    free(spec);
}

static void *mgr_main(void *arg)
{
    kp_syncer_mgr *m = arg;
    json_t *list = NULL;
    size_t i;
    json_t *x;

    /* every Cluster there is at start; the commit stream brings the rest */
    if (kp_sync_conn_do(&list, m->up, "GET",
                        "/clusters/*/apis/" KP_SYNC_GROUP "/" KP_SYNC_VERSION "/clusters", NULL,
                        NULL) == 0) {
        pthread_mutex_lock(&m->mu);
        json_array_foreach(json_object_get(list, "items"), i, x)
        {
            const char *ws = json_string_value(
                json_object_get(kp_json_get(x, "metadata.annotations"), "kplane.io/cluster"));
            if (ws && kp_json_get_str(x, "metadata.name"))
                mgr_push_locked(m, ws, kp_json_get_str(x, "metadata.name"), false);
        }
        pthread_mutex_unlock(&m->mu);
    } else {
        KP_LOG_ERROR("syncer", "cannot list Clusters: %s", kp_err_msg());
        kp_err_clear();
    }
    json_decref(list);
    for (;;) {
        mgr_job *j;
        pthread_mutex_lock(&m->mu);
        while (!m->head && !m->stopping)
            pthread_cond_wait(&m->cv, &m->mu);
        if (m->stopping) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        j = m->head;
        m->head = j->next;
        if (!m->head)
            m->tail = NULL;
        pthread_mutex_unlock(&m->mu);
        mgr_reconcile(m, j);
        job_free(j);
    }
    return NULL;
}

int kp_syncer_mgr_start(kp_syncer_mgr *m, kp_client *client)
{
    m->client = client;
    m->up = kp_sync_conn_client(client);
    if (pthread_create(&m->thread, NULL, mgr_main, m) != 0)
        return kp_err_set(KP_EINTERNAL, "cannot start the syncer manager");
    m->started = true;
    return 0;
}

void kp_syncer_mgr_stop(kp_syncer_mgr *m)
{
    mgr_entry *all;
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    if (m->started)
        pthread_join(m->thread, NULL);
    m->started = false;
    pthread_mutex_lock(&m->mu);
    all = m->entries;
    m->entries = NULL;
    pthread_mutex_unlock(&m->mu);
    while (all) {
        mgr_entry *e = all;
        all = e->next;
        entry_free(e);
    }
}

void kp_syncer_mgr_free(kp_syncer_mgr *m)
{
    if (!m)
        return;
    kp_syncer_mgr_stop(m);
    while (m->head) {
        mgr_job *j = m->head;
        m->head = j->next;
        job_free(j);
    }
    kp_sync_conn_free(m->up);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}

/* A change of the syncers' own bookkeeping or of status only (same generation, labels and
 * deletion state): looked at a little later, so the writes of several clusters' syncers to
 * one object coalesce into one pass each. Data of ConfigMaps and Secrets (no generation) also
 * read as such: they are only delayed, never dropped. */
#define MGR_BOOKKEEPING_DELAY_MS 300

static bool ev_bookkeeping(const kp_store_event *ev)
{
    if (ev->type != KP_EV_MODIFIED || !ev->prev)
        return false;
    return json_equal(kp_json_get(ev->obj, "metadata.generation"),
                      kp_json_get(ev->prev, "metadata.generation")) &&
           json_equal(kp_json_get(ev->obj, "metadata.labels"),
                      kp_json_get(ev->prev, "metadata.labels")) &&
           !kp_json_get(ev->obj, "metadata.deletionTimestamp") ==
               !kp_json_get(ev->prev, "metadata.deletionTimestamp") &&
           json_is_object(ev->obj) && json_object_get(ev->obj, "spec") &&
           json_equal(json_object_get(ev->obj, "spec"), json_object_get(ev->prev, "spec"));
}

/* The syncers of obj's sync labels (and marks) get the object queued. */
static void obj_targets(kp_syncer_mgr *m, const json_t *obj, const kp_store_event *ev, int delay)
{
    const char *k;
    json_t *v;
    size_t plen = strlen(KP_SYNC_LABEL_PREFIX);

    json_object_foreach(kp_json_get(obj, "metadata.labels"), k, v)
    {
        if (strncmp(k, KP_SYNC_LABEL_PREFIX, plen) != 0)
            continue;
        for (mgr_entry *e = m->entries; e; e = e->next)
            if (strcmp(e->name, k + plen) == 0 && e->syncer)
                kp_syncer_push_up(e->syncer, ev->key.cluster, ev->key.resource, ev->key.ns,
                                  ev->key.name, delay);
    }
    /* unlabelled while kplane was down, or marked by a cluster whose label went */
    json_object_foreach(kp_json_get(obj, "metadata.annotations"), k, v)
    {
        size_t alen = strlen(KP_SYNC_STATUS_ANN_PREFIX);
        if (strncmp(k, KP_SYNC_STATUS_ANN_PREFIX, alen) != 0)
            continue;
        for (mgr_entry *e = m->entries; e; e = e->next)
            if (strcmp(e->name, k + alen) == 0 && e->syncer)
                kp_syncer_push_up(e->syncer, ev->key.cluster, ev->key.resource, ev->key.ns,
                                  ev->key.name, delay);
    }
}

void kp_syncer_mgr_observe(kp_syncer_mgr *m, const kp_store_event *evs, size_t n)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < n && !m->stopping; i++) {
        const kp_store_event *ev = &evs[i];
        if (strcmp(ev->key.resource, KP_SYNC_CLUSTER_KEY) == 0) {
            mgr_push_locked(m, ev->key.cluster, ev->key.name, false);
            continue;
        }
        if (strcmp(ev->key.resource, "/secrets") == 0) { /* a kubeconfig rotated */
            for (mgr_entry *e = m->entries; e; e = e->next) {
                size_t nl = strlen(ev->key.ns);
                if (e->secret && strcmp(e->ws_id, ev->key.cluster) == 0 &&
                    strncmp(e->secret, ev->key.ns, nl) == 0 && e->secret[nl] == '/' &&
                    strcmp(e->secret + nl + 1, ev->key.name) == 0)
                    mgr_push_locked(m, e->ws_id, e->name, true);
            }
            continue;
        }
        if (!kp_sync_res_by_key(ev->key.resource) || !m->entries)
            continue;
        {
            int delay = ev_bookkeeping(ev) ? MGR_BOOKKEEPING_DELAY_MS : 0;
            obj_targets(m, ev->obj, ev, delay); /* the syncers dedupe */
            if (ev->prev)
                obj_targets(m, ev->prev, ev, delay);
        }
    }
    pthread_mutex_unlock(&m->mu);
}

/* ---- Pull mode ---- */

static int read_file(kp_buf *out, const char *path)
{
    return kp_buf_read_file(out, path);
}

int kp_syncer_pull_run(const char *upstream_kubeconfig, const char *cluster,
                       const char *downstream_kubeconfig, const kp_sync_opts *o,
                       const volatile int *stop)
{
    kp_buf ub = KP_BUF_INIT(KP_KUBECONFIG_MAX), db = KP_BUF_INIT(KP_KUBECONFIG_MAX);
    kp_sync_conn *up = NULL, *down = NULL;
    kp_syncer *s = NULL;
    json_t *lc = NULL;
    char *path = NULL;
    const char *ws;
    int rc;

    if ((rc = read_file(&ub, upstream_kubeconfig)) < 0 ||
        (rc = read_file(&db, downstream_kubeconfig)) < 0 ||
        (rc = kp_sync_conn_kubeconfig(&up, ub.p ? ub.p : "", ub.len, true)) < 0 ||
        (rc = kp_sync_conn_kubeconfig(&down, db.p ? db.p : "", db.len, false)) < 0)
        goto out;
    ws = kp_sync_conn_ws(up);
    if (!ws) {
        rc = kp_err_set(KP_EBADREQUEST,
                        "the upstream kubeconfig's server URL names no workspace (/clusters/...)");
        goto out;
    }
    path = kp_asprintf("/clusters/%s/apis/tenancy.kplane.io/v1alpha1/logicalclusters/cluster", ws);
    if ((rc = kp_sync_conn_do(&lc, up, "GET", path, NULL, NULL)) < 0)
        goto out;
    {
        const char *id = json_string_value(
            json_object_get(kp_json_get(lc, "metadata.annotations"), "kplane.io/cluster"));
        kp_syncer_cfg cfg = {
            up, id ? id : ws, kp_json_get_str(lc, "spec.path"), cluster, true, false, *o};
        if (!cfg.ws_path)
            cfg.ws_path = ws;
        s = kp_syncer_new(&cfg, down);
        down = NULL;
        if ((rc = kp_syncer_start(s)) < 0)
            goto out;
    }
    KP_LOG_INFO("syncer", "pull syncer for Cluster %s in %s started", cluster, ws);
    while (!*stop) {
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
    rc = 0;
out:
    kp_syncer_free(s);
    kp_sync_conn_free(down);
    kp_sync_conn_free(up);
    json_decref(lc);
    free(path);
    if (ub.p)
        memset(ub.p, 0, ub.len);
    if (db.p)
        memset(db.p, 0, db.len);
    kp_buf_dispose(&ub);
    kp_buf_dispose(&db);
    return rc;
}
