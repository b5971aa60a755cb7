#include "lib/common.h"
#include "gitops/gitops_int.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/sv.h"

#include <errno.h>
#include <stdatomic.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

/* The agent's queue and thread, GitRepositories (fetch, artifact, status, backoff) and the
 * drift index. The store's writer thread only queues (kp_gitops_observe); one worker thread
 * does everything else, in order, through the API (kp_client). */

#define REPO_PATH "/apis/gitops.kplane.io/v1alpha1/namespaces/%s/gitrepositories/%s"
#define BACKOFF_MAX_MS (5 * 60 * 1000)
#define FETCH_BYTES_MAX (64u * 1024 * 1024)

int64_t go_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *kp_gitops_hosted_dir(const char *data_dir, const char *cluster, const char *name)
{
    return kp_asprintf("%s/git/%s/%s.git", data_dir, cluster, name);
}

/* ---- the queue ---- */

static void job_free(go_job *j)
{
    if (!j)
        return;
    free(j->cluster);
    free(j->ns);
    free(j->name);
    free(j->okey);
    free(j->msg);
    free(j);
}

/* Appends j unless the same repo or sync job waits already (a trigger upgrades it). Under mu. */
static void queue_locked(kp_gitops *g, go_job *j)
{
    if (g->stopping) {
        job_free(j);
        return;
    }
    if (j->kind == JOB_REPO || j->kind == JOB_SYNC || j->kind == JOB_HOSTED) {
        for (go_job *q = g->head; q; q = q->next)
            if (q->kind == j->kind && strcmp(q->cluster, j->cluster) == 0 &&
                strcmp(q->name, j->name) == 0 &&
                strcmp(q->ns ? q->ns : "", j->ns ? j->ns : "") == 0) {
                q->force = q->force || j->force;
                job_free(j);
                return;
            }
    }
    if (g->tail)
        g->tail->next = j;
    else
        g->head = j;
    g->tail = j;
    pthread_cond_signal(&g->cv);
}

void go_queue(kp_gitops *g, job_kind kind, bool force, const char *cluster, const char *ns,
              const char *name)
{
    go_job *j = kp_calloc(1, sizeof(*j));
    j->kind = kind;
    j->force = force;
    j->cluster = kp_strdup(cluster);
    j->ns = kp_strdup(ns);
    j->name = kp_strdup(name);
    pthread_mutex_lock(&g->mu);
    queue_locked(g, j);
    pthread_mutex_unlock(&g->mu);
}

void kp_gitops_hosted_pushed(kp_gitops *g, const char *cluster, const char *name)
{
    if (g)
        go_queue(g, JOB_HOSTED, true, cluster, NULL, name);
}

void kp_gitops_repo_changed(kp_gitops *g, const char *cluster, const char *ns, const char *name)
{
    if (g)
        go_queue(g, JOB_REPO, true, cluster, ns, name);
}

char *go_okey(const char *cluster, const json_t *obj)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const char *ns = kp_json_get_str(obj, "metadata.namespace");
    const char *name = kp_json_get_str(obj, "metadata.name");
    const char *slash = av ? strchr(av, '/') : NULL;
    int gl = slash ? (int)(slash - av) : 0;
    if (!av || !kind || !name)
        return NULL;
    return kp_asprintf("%s|%.*s|%s|%s|%s", cluster, gl, av, kind, ns ? ns : "", name);
}

void kp_gitops_observe(kp_gitops *g, const kp_store_event *evs, size_t n)
{
    if (!g)
        return;
    for (size_t i = 0; i < n; i++) {
        const kp_store_event *e = &evs[i];
        if (strcmp(e->key.resource, "gitops.kplane.io/gitrepositories") == 0) {
            go_queue(g, JOB_REPO, false, e->key.cluster, e->key.ns, e->key.name);
        } else if (strcmp(e->key.resource, "gitops.kplane.io/syncs") == 0) {
            go_queue(g, JOB_SYNC, false, e->key.cluster, e->key.ns, e->key.name);
        } else if (e->obj && e->bulk == KP_EV_ONE && atomic_load(&g->ndrift) > 0) {
            char *okey;
            const json_t *sync;
            pthread_mutex_lock(&g->mu);
            if (json_object_size(g->drift) && (okey = go_okey(e->key.cluster, e->obj))) {
                if ((sync = json_object_get(g->drift, okey))) {
                    go_job *j = kp_calloc(1, sizeof(*j));
                    j->kind = JOB_DRIFT;
                    j->okey = okey;
                    okey = NULL;
                    j->name = kp_strdup(json_string_value(sync));
                    j->cluster = kp_strdup(e->key.cluster);
                    j->rv = e->rv;
                    j->deleted = e->type == KP_EV_DELETED;
                    queue_locked(g, j);
                }
                free(okey);
            }
            pthread_mutex_unlock(&g->mu);
        }
    }
}

/* ---- API helpers ---- */

json_t *go_condition(const char *type, bool status, const char *reason, const char *msg)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status ? "True" : "False",
                     "reason", reason, "message", msg, "lastTransitionTime", now);
}

/* Conditions compare without their times. */
static bool status_same(const json_t *a, const json_t *b)
{
    json_t *x, *y;
    bool same;
    size_t i;
    json_t *c;
    if (!a || !b)
        return false;
    x = json_deep_copy(a);
    y = json_deep_copy(b);
    json_array_foreach(json_object_get(x, "conditions"), i, c)
    {
        json_object_del(c, "lastTransitionTime");
    }
    json_array_foreach(json_object_get(y, "conditions"), i, c)
    {
        json_object_del(c, "lastTransitionTime");
    }
    json_object_del(json_object_get(x, "artifact"), "lastUpdateTime");
    json_object_del(json_object_get(y, "artifact"), "lastUpdateTime");
    same = json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

int go_write_status(kp_gitops *g, const char *path, json_t *status, json_t **last)
{
    json_t *body;
    char *p;
    int rc;
    if (last && status_same(*last, status)) {
        json_decref(status);
        return 0;
    }
    body = json_pack("{s:O}", "status", status);
    p = kp_asprintf("%s/status", path);
    rc = kp_client_do(NULL, NULL, g->client, "PATCH", p, body);
    if (rc < 0)
        KP_LOG_WARN("gitops", "status of %s not written: %s", path, kp_err_msg());
    free(p);
    json_decref(body);
    if (last) {
        json_decref(*last);
        *last = rc == 0 ? json_incref(status) : NULL;
    }
    json_decref(status);
    return rc;
}

void go_event(kp_gitops *g, const char *cluster, const json_t *obj, bool warning,
              const char *reason, const char *msg)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    const char *ns = kp_json_get_str(obj, "metadata.namespace");
    const char *name = kp_json_get_str(obj, "metadata.name");
    json_t *ev;
    char *path;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    ev = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:i, "
        "s:s, s:s, s:{s:s}, s:s}",
        "apiVersion", "v1", "kind", "Event", "metadata", "generateName", name, "namespace", ns,
        "involvedObject", "apiVersion", json_string_value(json_object_get(obj, "apiVersion")),
        "kind", json_string_value(json_object_get(obj, "kind")), "namespace", ns, "name", name,
        "uid", kp_json_get_str(obj, "metadata.uid") ? kp_json_get_str(obj, "metadata.uid") : "",
        "reason", reason, "message", msg, "type", warning ? "Warning" : "Normal", "count", 1,
        "firstTimestamp", now, "lastTimestamp", now, "source", "component", KP_GITOPS_MANAGER,
        "reportingComponent", KP_GITOPS_MANAGER);
    if (!ev)
        return;
    {
        /* k8s (client-go's recorder): "<object>.<hex of the time in ns>" */
        struct timespec ts;
        char *gn;
        clock_gettime(CLOCK_REALTIME, &ts);
        gn = kp_asprintf("%s.%llx", name,
                         (unsigned long long)ts.tv_sec * 1000000000ULL +
                             (unsigned long long)ts.tv_nsec);
        json_object_del(json_object_get(ev, "metadata"), "generateName");
        json_object_set_new(json_object_get(ev, "metadata"), "name", json_string(gn));
        free(gn);
    }
    path = kp_asprintf("/clusters/%s/api/v1/namespaces/%s/events", cluster, ns);
    if (kp_client_do(NULL, NULL, g->client, "POST", path, ev) < 0)
        KP_LOG_WARN("gitops", "event not recorded: %s", kp_err_msg());
    free(path);
    json_decref(ev);
}

/* ---- GitRepositories ---- */

repo_ent *go_repo_find(kp_gitops *g, const char *cluster, const char *ns, const char *name)
{
    for (repo_ent *r = g->repos; r; r = r->next)
        if (strcmp(r->cluster, cluster) == 0 && strcmp(r->ns, ns) == 0 &&
            strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

static void repo_free(repo_ent *r)
{
    if (!r)
        return;
    kp_git_repo_free(r->mirror);
    free(r->cluster);
    free(r->ns);
    free(r->name);
    free(r->hosted);
    free(r->revision);
    json_decref(r->last_status);
    json_decref(r->spec);
    free(r);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A deleted GitRepository: its mirror goes from the disk too. */
static void repo_remove(kp_gitops *g, repo_ent *r)
{
    char *dir =
        kp_asprintf("%s/gitops/mirrors/%s/%s/%s.git", g->data_dir, r->cluster, r->ns, r->name);
    for (repo_ent **pp = &g->repos; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            repo_free(r);
            break;
        }
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
        KP_LOG_WARN("gitops", "cannot remove the mirror %s: %s", dir, strerror(errno));
    free(dir);
}

/* The hosted repository a URL names: "[scheme://host]/clusters/<path>/git/<name>.git". *path_out
 * and *name_out owned, free(). false when the URL is not of that form. */
static bool hosted_parse(const char *url, char **path_out, char **name_out)
{
    const char *p = url, *git, *end;
    if (strncmp(p, "https://", 8) == 0 || strncmp(p, "http://", 7) == 0) {
        p = strchr(strstr(p, "://") + 3, '/');
        if (!p)
            return false;
    }
    if (strncmp(p, "/clusters/", 10) != 0)
        return false;
    p += 10;
    git = strstr(p, "/git/");
    if (!git || git == p)
        return false;
    end = git + 5 + strlen(git + 5);
    if (end - (git + 5) <= 4 || strcmp(end - 4, ".git") != 0 ||
        memchr(git + 5, '/', (size_t)(end - 4 - (git + 5))))
        return false;
    *path_out = kp_strndup(p, (size_t)(git - p));
    *name_out = kp_strndup(git + 5, (size_t)(end - 4 - (git + 5)));
    return true;
}

/* Whether workspace path (a path or a logical cluster id) is cluster: the repository's own
 * GitRepository, read through that path, must carry this cluster's annotation. */
static bool same_workspace(kp_gitops *g, const char *cluster, const char *path, const char *ns,
                           const char *name)
{
    json_t *obj = NULL;
    char *p;
    bool same;
    if (strcmp(path, cluster) == 0)
        return true;
    p = kp_asprintf("/clusters/%s" REPO_PATH, path, ns, name);
    same = false;
    if (kp_client_do(&obj, NULL, g->client, "GET", p, NULL) == 0) {
        const json_t *ann = kp_json_get(obj, "metadata.annotations");
        const char *c = json_string_value(json_object_get(ann, "kplane.io/cluster"));
        same = c && strcmp(c, cluster) == 0;
    }
    kp_err_clear();
    free(p);
    json_decref(obj);
    return same;
}

/* A Secret's key, decoded. owned, free(); NULL when absent. */
static char *secret_value(const json_t *secret, const char *key)
{
    const char *b64 = json_string_value(json_object_get(json_object_get(secret, "data"), key));
    kp_buf b;
    char *out;
    if (!b64)
        return NULL;
    kp_buf_init(&b, 1024 * 1024);
    if (kp_crypto_base64_decode(&b, b64, strlen(b64)) < 0) {
        kp_buf_dispose(&b);
        return NULL;
    }
    out = kp_strndup(b.p ? b.p : "", b.len);
    kp_buf_dispose(&b);
    return out;
}

static void wipe_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

/* Replaces every occurrence of secret in msg by "***" (libgit2 may echo a URL or a header). */
static void scrub(char *msg, const char *secret)
{
    size_t sl = secret ? strlen(secret) : 0;
    char *p;
    if (sl < 3)
        return;
    while ((p = strstr(msg, secret))) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + sl, strlen(p + sl) + 1);
    }
}

/* A password in the URL itself ("https://user:pw@host/...") goes too. */
static void scrub_url_password(char *msg, const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    const char *at, *colon;
    char *pw;
    if (!p)
        return;
    p += 3;
    at = strchr(p, '@');
    if (!at || (strchr(p, '/') && strchr(p, '/') < at))
        return;
    colon = memchr(p, ':', (size_t)(at - p));
    if (!colon)
        return;
    pw = kp_strndup(colon + 1, (size_t)(at - colon - 1));
    scrub(msg, pw);
    wipe_free(pw);
}

static void repo_status_fail(kp_gitops *g, repo_ent *r, const char *path, int64_t gen,
                             const char *reason, const char *msg)
{
    json_t *st = json_pack("{s:I, s:[o]}", "observedGeneration", (json_int_t)gen, "conditions",
                           go_condition("Ready", false, reason, msg));
    if (r->revision)
        json_object_set_new(st, "artifact", json_pack("{s:s}", "revision", r->revision));
    go_write_status(g, path, st, &r->last_status);
}

/* The second half of a fetch, on the worker: the revision, the artifact, the status. */
static void repo_fetched(kp_gitops *g, repo_ent *r, int rc, const char *fetch_msg)
{
    char *path = kp_asprintf("/clusters/%s" REPO_PATH, r->cluster, r->ns, r->name);
    const json_t *spec = r->spec;
    char sha[41];
    const char *branch = NULL;

    if (rc == 0)
        rc = kp_git_resolve(sha, &branch, r->mirror, kp_json_get_str(spec, "ref.branch"),
                            kp_json_get_str(spec, "ref.tag"), kp_json_get_str(spec, "ref.commit"));
    if (rc < 0) {
        char msg[KP_ERR_MSG_MAX];
        int64_t backoff = 1000LL << (r->failures < 16 ? r->failures : 16);
        snprintf(msg, sizeof(msg), "%s", fetch_msg && fetch_msg[0] ? fetch_msg : kp_err_msg());
        r->failures++;
        if (backoff > r->interval)
            backoff = r->interval;
        if (backoff > BACKOFF_MAX_MS)
            backoff = BACKOFF_MAX_MS;
        r->next_ms = go_now_ms() + backoff;
        repo_status_fail(g, r, path, r->generation,
                         rc == KP_ENOTFOUND ? "RevisionNotFound" : "GitOperationFailed", msg);
        KP_LOG_INFO("gitops", "repository %s/%s/%s: %s (retry in %lld ms)", r->cluster, r->ns,
                    r->name, msg, (long long)backoff);
        goto out;
    }
    r->failures = 0;
    {
        const char *tag = kp_json_get_str(spec, "ref.tag");
        char *rev = branch ? kp_asprintf("%s@sha1:%s", branch, sha)
                    : tag  ? kp_asprintf("%s@sha1:%s", tag, sha)
                           : kp_asprintf("sha1:%s", sha);
        bool changed = strcmp(r->sha, sha) != 0;
        char now[32], msg[256];
        time_t t = time(NULL);
        struct tm tm;
        json_t *st;
        gmtime_r(&t, &tm);
        strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
        free(r->revision);
        r->revision = rev;
        memcpy(r->sha, sha, sizeof(r->sha));
        snprintf(msg, sizeof(msg), "stored artifact for revision '%s'", rev);
        st = json_pack("{s:I, s:{s:s, s:s}, s:[o]}", "observedGeneration",
                       (json_int_t)r->generation, "artifact", "revision", rev, "lastUpdateTime",
                       now, "conditions", go_condition("Ready", true, "Succeeded", msg));
        go_write_status(g, path, st, &r->last_status);
        if (changed) {
            KP_LOG_INFO("gitops", "repository %s/%s/%s at %s", r->cluster, r->ns, r->name, rev);
            go_syncs_of_repo(g, r);
        }
    }
out:
    free(path);
    kp_err_clear();
}

static bool is_remote(const char *url)
{
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0 ||
           strncmp(url, "ssh://", 6) == 0;
}

static void scrub_all(char *msg, const kp_git_creds *c, const char *spec_url)
{
    scrub(msg, c->password);
    scrub(msg, c->bearer_token);
    scrub(msg, c->identity);
    scrub_url_password(msg, spec_url);
}

static void fetch_free(go_fetch *f)
{
    if (!f)
        return;
    free(f->cluster);
    free(f->ns);
    free(f->name);
    free(f->url);
    free(f->mdir);
    wipe_free(f->spec_url);
    wipe_free((char *)f->creds.username);
    wipe_free((char *)f->creds.password);
    wipe_free((char *)f->creds.bearer_token);
    wipe_free((char *)f->creds.identity);
    wipe_free((char *)f->creds.known_hosts);
    free(f);
}

/* Hands a remote fetch to the fetch thread (copies of everything it needs). */
static void fetch_post(kp_gitops *g, const repo_ent *r, const char *url, const char *mdir,
                       const kp_git_creds *c, const char *spec_url)
{
    go_fetch *f = kp_calloc(1, sizeof(*f));
    f->cluster = kp_strdup(r->cluster);
    f->ns = kp_strdup(r->ns);
    f->name = kp_strdup(r->name);
    f->url = kp_strdup(url);
    f->mdir = mdir ? kp_strdup(mdir)
                   : kp_asprintf("%s/gitops/mirrors/%s/%s/%s.git", g->data_dir, r->cluster, r->ns,
                                 r->name);
    f->spec_url = kp_strdup(spec_url);
    f->generation = r->generation;
    f->creds.username = kp_strdup(c->username);
    f->creds.password = kp_strdup(c->password);
    f->creds.bearer_token = kp_strdup(c->bearer_token);
    f->creds.identity = kp_strdup(c->identity);
    f->creds.known_hosts = kp_strdup(c->known_hosts);
    pthread_mutex_lock(&g->mu);
    if (g->fetch_tail)
        g->fetch_tail->next = f;
    else
        g->fetch_head = f;
    g->fetch_tail = f;
    pthread_cond_signal(&g->fetch_cv);
    pthread_mutex_unlock(&g->mu);
}

/* The fetch thread: its own libgit2 handle on the mirror per fetch (a git_repository serves
 * one thread; the worker reads the same directory through its own). */
static void *fetch_main(void *arg)
{
    kp_gitops *g = arg;
    for (;;) {
        go_fetch *f;
        kp_git_repo *repo = NULL;
        char msg[KP_ERR_MSG_MAX];
        int rc;
        go_job *j;
        pthread_mutex_lock(&g->mu);
        while (!g->fetch_head && !g->stopping)
            pthread_cond_wait(&g->fetch_cv, &g->mu);
        if (g->stopping) {
            pthread_mutex_unlock(&g->mu);
            break;
        }
        f = g->fetch_head;
        g->fetch_head = f->next;
        if (!g->fetch_head)
            g->fetch_tail = NULL;
        pthread_mutex_unlock(&g->mu);
        if ((rc = kp_git_open(&repo, f->mdir)) == 0)
            rc = kp_git_fetch(repo, f->url, &f->creds);
        kp_git_repo_free(repo);
        snprintf(msg, sizeof(msg), "%s", rc < 0 ? kp_err_msg() : "");
        scrub_all(msg, &f->creds, f->spec_url);
        kp_err_clear();
        j = kp_calloc(1, sizeof(*j));
        j->kind = JOB_FETCHED;
        j->cluster = kp_strdup(f->cluster);
        j->ns = kp_strdup(f->ns);
        j->name = kp_strdup(f->name);
        j->rc = rc;
        j->msg = kp_strdup(msg);
        j->generation = f->generation;
        fetch_free(f);
        pthread_mutex_lock(&g->mu);
        queue_locked(g, j);
        pthread_mutex_unlock(&g->mu);
    }
    return NULL;
}

static void fetched_job(kp_gitops *g, const go_job *j)
{
    repo_ent *r = go_repo_find(g, j->cluster, j->ns, j->name);
    if (!r)
        return;
    r->fetching = false;
    if (r->generation != j->generation) { /* the spec changed meanwhile: again, for it */
        go_queue(g, JOB_REPO, true, r->cluster, r->ns, r->name);
        return;
    }
    repo_fetched(g, r, j->rc, j->msg);
}

static void repo_job(kp_gitops *g, const go_job *j)
{
    char *path = kp_asprintf("/clusters/%s" REPO_PATH, j->cluster, j->ns, j->name);
    json_t *obj = NULL, *secret = NULL;
    repo_ent *r = go_repo_find(g, j->cluster, j->ns, j->name);
    const json_t *spec;
    const char *url;
    char *hpath = NULL, *hname = NULL, *local = NULL, *mdir = NULL;
    kp_git_creds creds;
    char sha[41];
    int64_t gen, interval = 60000;
    int rc;

    memset(&creds, 0, sizeof(creds));
    rc = kp_client_do(&obj, NULL, g->client, "GET", path, NULL);
    if (rc == KP_ENOTFOUND) {
        if (r)
            repo_remove(g, r);
        goto out;
    }
    if (rc < 0) {
        KP_LOG_WARN("gitops", "cannot read %s: %s", path, kp_err_msg());
        goto out;
    }
    gen = json_integer_value(kp_json_get(obj, "metadata.generation"));
    if (r && !j->force && r->generation == gen)
        goto out; /* our own status write, or a change that is not the spec's */
    if (!r) {
        r = kp_calloc(1, sizeof(*r));
        r->cluster = kp_strdup(j->cluster);
        r->ns = kp_strdup(j->ns);
        r->name = kp_strdup(j->name);
        r->next = g->repos;
        g->repos = r;
    }
    if (r->generation != gen) { /* a new spec: a new URL may follow another repository */
        free(r->hosted);
        r->hosted = NULL;
        r->failures = 0;
    }
    r->generation = gen;
    spec = json_object_get(obj, "spec");
    url = json_string_value(json_object_get(spec, "url"));
    if (json_is_string(json_object_get(spec, "interval")))
        kp_parse_duration_ms(&interval,
                             kp_sv_from(json_string_value(json_object_get(spec, "interval"))),
                             INT64_MAX / 2);
    if (interval < 1000)
        interval = 1000;
    r->next_ms = go_now_ms() + interval + (int64_t)(rand() % (int)(interval / 10 + 1));
    r->interval = interval;
    json_decref(r->spec);
    r->spec = json_deep_copy(spec);
    if (json_is_true(json_object_get(spec, "suspend")) || !url)
        goto out;
    if (hosted_parse(url, &hpath, &hname)) {
        if (!same_workspace(g, j->cluster, hpath, j->ns, j->name)) {
            repo_status_fail(g, r, path, gen, "URLInvalid",
                             "the URL names a repository hosted by another workspace; a "
                             "GitRepository may only follow its own workspace's hosted "
                             "repositories");
            goto out;
        }
        free(r->hosted);
        r->hosted = kp_strdup(hname);
        local = kp_gitops_hosted_dir(g->data_dir, j->cluster, hname);
        {
            struct stat stt;
            if (stat(local, &stt) != 0) {
                char *m = kp_asprintf("hosted repository \"%s\" has not been pushed to yet", hname);
                repo_status_fail(g, r, path, gen, "GitOperationFailed", m);
                free(m);
                goto out;
            }
        }
        url = local;
    }
    {
        const char *sname = kp_json_get_str(spec, "secretRef.name");
        if (sname) {
            char *sp = kp_asprintf("/clusters/%s/api/v1/namespaces/%s/secrets/%s", j->cluster,
                                   j->ns, sname);
            rc = kp_client_do(&secret, NULL, g->client, "GET", sp, NULL);
            free(sp);
            if (rc < 0) {
                char *m = kp_asprintf("cannot read Secret \"%s\": %s", sname, kp_err_msg());
                repo_status_fail(g, r, path, gen, "AuthenticationFailed", m);
                free(m);
                r->next_ms = go_now_ms() + 5000;
                goto out;
            }
            creds.username = secret_value(secret, "username");
            creds.password = secret_value(secret, "password");
            creds.bearer_token = secret_value(secret, "bearerToken");
            creds.identity = secret_value(secret, "identity");
            creds.known_hosts = secret_value(secret, "known_hosts");
        }
    }
    if (!r->mirror) {
        mdir =
            kp_asprintf("%s/gitops/mirrors/%s/%s/%s.git", g->data_dir, j->cluster, j->ns, j->name);
        if ((rc = kp_git_open(&r->mirror, mdir)) < 0) {
            KP_LOG_ERROR("gitops", "mirror %s: %s", mdir, kp_err_msg());
            goto out;
        }
    }
    if (!r->sha[0]) { /* after a restart: the last artifact, if the mirror has it */
        const char *last = kp_json_get_str(obj, "status.artifact.revision");
        const char *at = last ? strstr(last, "sha1:") : NULL;
        if (at && strlen(at + 5) == 40 &&
            kp_git_resolve(sha, NULL, r->mirror, NULL, NULL, at + 5) == 0) {
            memcpy(r->sha, sha, sizeof(r->sha));
            free(r->revision);
            r->revision = kp_strdup(last);
        }
        kp_err_clear();
    }
    if (is_remote(url)) {
        if (!r->fetching) {
            fetch_post(g, r, url, mdir ? mdir : NULL, &creds,
                       json_string_value(json_object_get(spec, "url")));
            r->fetching = true;
        }
        goto out; /* the result comes back as JOB_FETCHED */
    }
    {
        char msg[KP_ERR_MSG_MAX];
        rc = kp_git_fetch(r->mirror, url, &creds);
        snprintf(msg, sizeof(msg), "%s", rc < 0 ? kp_err_msg() : "");
        scrub_all(msg, &creds, json_string_value(json_object_get(spec, "url")));
        repo_fetched(g, r, rc, msg);
    }
out:
    wipe_free((char *)creds.username);
    wipe_free((char *)creds.password);
    wipe_free((char *)creds.bearer_token);
    wipe_free((char *)creds.identity);
    wipe_free((char *)creds.known_hosts);
    json_decref(secret);
    json_decref(obj);
    free(hpath);
    free(hname);
    free(local);
    free(mdir);
    free(path);
    kp_err_clear();
}

static void hosted_job(kp_gitops *g, const go_job *j)
{
    for (repo_ent *r = g->repos; r; r = r->next)
        if (strcmp(r->cluster, j->cluster) == 0 && r->hosted && strcmp(r->hosted, j->name) == 0)
            go_queue(g, JOB_REPO, true, r->cluster, r->ns, r->name);
}

/* ---- the worker ---- */

/* Lists what exists at start: every GitRepository and Sync of every workspace. */
static void initial_list(kp_gitops *g)
{
    static const char *const res[] = {"gitrepositories", "syncs"};
    for (size_t k = 0; k < 2; k++) {
        json_t *list = NULL, *it;
        size_t i;
        char *p = kp_asprintf("/clusters/*/apis/gitops.kplane.io/v1alpha1/%s", res[k]);
        if (kp_client_do(&list, NULL, g->client, "GET", p, NULL) < 0)
            KP_LOG_WARN("gitops", "cannot list %s: %s", res[k], kp_err_msg());
        json_array_foreach(json_object_get(list, "items"), i, it)
        {
            const char *c = json_string_value(
                json_object_get(kp_json_get(it, "metadata.annotations"), "kplane.io/cluster"));
            if (c)
                go_queue(g, k == 0 ? JOB_REPO : JOB_SYNC, true, c,
                         kp_json_get_str(it, "metadata.namespace"),
                         kp_json_get_str(it, "metadata.name"));
        }
        json_decref(list);
        free(p);
    }
}

/* The time of the next timer, or -1. */
static int64_t next_due(const kp_gitops *g)
{
    int64_t t = -1;
    for (const repo_ent *r = g->repos; r; r = r->next)
        if (r->next_ms && (t < 0 || r->next_ms < t))
            t = r->next_ms;
    for (const sync_ent *s = g->syncs; s; s = s->next)
        if (s->next_ms && (t < 0 || s->next_ms < t))
            t = s->next_ms;
    return t;
}

static void run_timers(kp_gitops *g)
{
    int64_t now = go_now_ms();
    for (repo_ent *r = g->repos; r; r = r->next)
        if (r->next_ms && r->next_ms <= now) {
            r->next_ms = 0;
            go_queue(g, JOB_REPO, true, r->cluster, r->ns, r->name);
        }
    for (sync_ent *s = g->syncs; s; s = s->next)
        if (s->next_ms && s->next_ms <= now) {
            s->next_ms = 0;
            s->full = true; /* the interval: everything again, as Flux does */
            go_queue(g, JOB_SYNC, true, s->cluster, s->ns, s->name);
        }
}

static void *worker(void *arg)
{
    kp_gitops *g = arg;
    initial_list(g);
    for (;;) {
        go_job *j;
        pthread_mutex_lock(&g->mu);
        while (!g->head && !g->stopping) {
            int64_t due = next_due(g);
            if (due < 0) {
                pthread_cond_wait(&g->cv, &g->mu);
            } else {
                int64_t now = go_now_ms();
                struct timespec ts;
                if (due <= now)
                    break;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += (due - now) / 1000;
                ts.tv_nsec += ((due - now) % 1000) * 1000000;
                if (ts.tv_nsec >= 1000000000) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&g->cv, &g->mu, &ts);
                if (go_now_ms() >= due)
                    break;
            }
        }
        if (g->stopping) {
            pthread_mutex_unlock(&g->mu);
            break;
        }
        j = g->head;
        if (j) {
            g->head = j->next;
            if (!g->head)
                g->tail = NULL;
        }
        pthread_mutex_unlock(&g->mu);
        if (!j) {
            run_timers(g);
            continue;
        }
        switch (j->kind) {
        case JOB_REPO:
            repo_job(g, j);
            break;
        case JOB_SYNC:
            go_sync_job(g, j);
            break;
        case JOB_DRIFT:
            go_drift_job(g, j);
            break;
        case JOB_HOSTED:
            hosted_job(g, j);
            break;
        case JOB_FETCHED:
            fetched_job(g, j);
            break;
        }
        job_free(j);
        kp_err_clear();
    }
    return NULL;
}

kp_gitops *kp_gitops_new(const kp_gitops_opts *opts)
{
    kp_gitops *g = kp_calloc(1, sizeof(*g));
    g->data_dir = kp_strdup(opts->data_dir);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    pthread_cond_init(&g->fetch_cv, NULL);
    g->drift = json_object();
    kp_git_global_init();
    return g;
}

int kp_gitops_start(kp_gitops *g, kp_client *client)
{
    g->client = client;
    for (int i = 0; i < GO_FETCH_THREADS; i++) {
        if (pthread_create(&g->fetch_threads[i], NULL, fetch_main, g) != 0)
            return kp_err_set(KP_EINTERNAL, "cannot start the gitops fetch threads");
        g->fetch_running = i + 1;
    }
    if (pthread_create(&g->thread, NULL, worker, g) != 0)
        return kp_err_set(KP_EINTERNAL, "cannot start the gitops thread");
    g->started = true;
    return 0;
}

void kp_gitops_stop(kp_gitops *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stopping = true;
    pthread_cond_broadcast(&g->cv);
    pthread_cond_broadcast(&g->fetch_cv);
    pthread_mutex_unlock(&g->mu);
    if (g->started)
        pthread_join(g->thread, NULL);
    g->started = false;
    if (g->fetch_running) {
        /* a fetch from a server that does not answer may take its TCP timeout: wait a little,
         * then leave it (kp_gitops_free keeps what it uses) */
        struct timespec ts;
        int left = 0;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        for (int i = 0; i < g->fetch_running; i++)
            if (pthread_timedjoin_np(g->fetch_threads[i], NULL, &ts) != 0)
                left++;
        g->fetch_running = left;
        if (left)
            KP_LOG_WARN("gitops", "%d fetches still running at shutdown; not waiting for them",
                        left);
    }
}

void kp_gitops_free(kp_gitops *g)
{
    if (!g || g->fetch_running) /* a fetch thread still runs: the process is exiting */
        return;
    while (g->fetch_head) {
        go_fetch *f = g->fetch_head;
        g->fetch_head = f->next;
        fetch_free(f);
    }
    while (g->head) {
        go_job *j = g->head;
        g->head = j->next;
        job_free(j);
    }
    while (g->repos) {
        repo_ent *r = g->repos;
        g->repos = r->next;
        repo_free(r);
    }
    while (g->syncs) {
        sync_ent *s = g->syncs;
        g->syncs = s->next;
        go_sync_free(s);
    }
    json_decref(g->drift);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    pthread_cond_destroy(&g->fetch_cv);
    free(g->data_dir);
    free(g);
}
