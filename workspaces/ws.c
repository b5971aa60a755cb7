#include "lib/common.h"
#include "workspaces/ws.h"
#include "lib/hash.h"
#include "apiserver/schema.h"
#include "apiserver/validate.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/log.h"

#include <pthread.h>
#include <time.h>

#define WS_DEPTH_MAX 32    /* path segments */
#define WS_CACHE_MAX 65536 /* cached resolutions per direction; cleared when full */
#define WS_BUCKETS 4096
#define WS_RES "tenancy.kplane.io/workspaces"
#define WS_LC_RES "tenancy.kplane.io/logicalclusters"
#define WS_TYPE_RES "tenancy.kplane.io/workspacetypes"
#define WS_API "/apis/tenancy.kplane.io/v1alpha1"
#define WS_OWNER_ANN "tenancy.kplane.io/owner"
/* How long the quota limits read for a workspace stay in force before a request reads them
 * again: a changed spec.quota or WorkspaceType defaultQuota applies within this time (at once
 * when kp_ws_observe sees the change). */
#define WS_QUOTA_TTL_MS 10000

typedef struct ws_entry {
    struct ws_entry *next;
    char *key, *val;
} ws_entry;

typedef struct {
    ws_entry *b[WS_BUCKETS];
    size_t n;
} ws_map;

/* A logical cluster whose limits the store has: until when they count as current. */
typedef struct ws_qentry {
    struct ws_qentry *next;
    int64_t until_ms;
    char cluster[];
} ws_qentry;

typedef struct {
    ws_qentry *b[WS_BUCKETS];
    size_t n;
} ws_qmap;

struct kp_ws {
    kp_store *st;
    kp_client *client;
    char *server_base;
    pthread_mutex_t mu;
    ws_map by_path;     /* path -> id; guarded by mu */
    ws_map by_id;       /* id -> path; guarded by mu */
    ws_qmap quota;      /* id -> limits registered with the store until; guarded by mu */
    uint64_t quota_gen; /* guarded by mu: moves on every quota invalidation */
};

/* ---- the resolution cache ---- */

static size_t map_hash(const char *s)
{
    return (size_t)(kp_hash_str(KP_HASH_INIT, s) % WS_BUCKETS);
}

static void map_clear(ws_map *m)
{
    for (size_t i = 0; i < WS_BUCKETS; i++) {
        while (m->b[i]) {
            ws_entry *e = m->b[i];
            m->b[i] = e->next;
            free(e->key);
            free(e->val);
            free(e);
        }
    }
    m->n = 0;
}

static const char *map_get(const ws_map *m, const char *key)
{
    for (const ws_entry *e = m->b[map_hash(key)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e->val;
    return NULL;
}

static void map_put(ws_map *m, const char *key, const char *val)
{
    size_t h = map_hash(key);
    ws_entry *e;
    if (map_get(m, key))
        return;
    if (m->n >= WS_CACHE_MAX) /* bounded: start over rather than grow */
        map_clear(m);
    e = kp_malloc(sizeof(*e));
    e->key = kp_strdup(key);
    e->val = kp_strdup(val);
    e->next = m->b[h];
    m->b[h] = e;
    m->n++;
}

/* Drops every entry whose key (or, with by_val, value) is prefix or starts with "prefix:". */
static void map_forget(ws_map *m, const char *prefix, bool by_val)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < WS_BUCKETS; i++) {
        ws_entry **pp = &m->b[i];
        while (*pp) {
            ws_entry *e = *pp;
            const char *s = by_val ? e->val : e->key;
            if (strncmp(s, prefix, n) == 0 && (s[n] == '\0' || s[n] == ':')) {
                *pp = e->next;
                free(e->key);
                free(e->val);
                free(e);
                m->n--;
            } else {
                pp = &e->next;
            }
        }
    }
}

/* ---- the quota cache: which clusters' limits are current in the store ---- */

static int ws_lookup_type(kp_ws *ws, const char *name, json_t **out);

static int64_t ws_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void qmap_clear(ws_qmap *m)
{
    for (size_t i = 0; i < WS_BUCKETS; i++)
        while (m->b[i]) {
            ws_qentry *e = m->b[i];
            m->b[i] = e->next;
            free(e);
        }
    m->n = 0;
}

static bool qmap_fresh(const ws_qmap *m, const char *cluster, int64_t now)
{
    for (const ws_qentry *e = m->b[map_hash(cluster)]; e; e = e->next)
        if (strcmp(e->cluster, cluster) == 0)
            return e->until_ms > now;
    return false;
}

static void qmap_put(ws_qmap *m, const char *cluster, int64_t until)
{
    size_t h = map_hash(cluster), len = strlen(cluster);
    ws_qentry *e;
    for (e = m->b[h]; e; e = e->next)
        if (strcmp(e->cluster, cluster) == 0) {
            e->until_ms = until;
            return;
        }
    if (m->n >= WS_CACHE_MAX) /* bounded: start over; the next requests read limits again */
        qmap_clear(m);
    e = kp_malloc(sizeof(*e) + len + 1);
    memcpy(e->cluster, cluster, len + 1);
    e->until_ms = until;
    e->next = m->b[h];
    m->b[h] = e;
    m->n++;
}

static void qmap_forget(ws_qmap *m, const char *cluster)
{
    for (ws_qentry **pp = &m->b[map_hash(cluster)]; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->cluster, cluster) == 0) {
            ws_qentry *e = *pp;
            *pp = e->next;
            free(e);
            m->n--;
            return;
        }
}

kp_ws *kp_ws_new(kp_store *st, const char *server_base)
{
    kp_ws *ws = kp_calloc(1, sizeof(*ws));
    ws->st = st;
    ws->server_base = kp_strdup(server_base);
    pthread_mutex_init(&ws->mu, NULL);
    return ws;
}

void kp_ws_free(kp_ws *ws)
{
    if (!ws)
        return;
    map_clear(&ws->by_path);
    map_clear(&ws->by_id);
    qmap_clear(&ws->quota);
    pthread_mutex_destroy(&ws->mu);
    free(ws->server_base);
    free(ws);
}

void kp_ws_set_client(kp_ws *ws, kp_client *c)
{
    ws->client = c;
}

/* ---- resolution ---- */

/* root, then DNS-1123 labels separated by ':' */
static int ws_check_path(const char *path)
{
    kp_sv in = kp_sv_from(path), seg;
    size_t depth = 0;

    if (strlen(path) >= KP_WS_PATH_MAX)
        return kp_err_set(KP_EBADREQUEST, "workspace path is longer than %d characters",
                          KP_WS_PATH_MAX - 1);
    while (in.len || depth == 0) {
        kp_sv_cut(&in, ':', &seg);
        if (depth == 0 && !kp_sv_eq_str(seg, KP_WS_ROOT))
            return kp_err_set(KP_EBADREQUEST,
                              "workspace path \"%s\" must start with \"root\" (e.g. root:org)",
                              path);
        if (depth > 0 && !kp_validate_dns1123_label(NULL, seg))
            return kp_err_set(KP_EBADREQUEST,
                              "workspace path \"%s\": \"%.*s\" is not a valid workspace name", path,
                              KP_SV_ARG(seg));
        if (++depth > WS_DEPTH_MAX)
            return kp_err_set(KP_EBADREQUEST, "workspace path \"%s\" is deeper than %d levels",
                              path, WS_DEPTH_MAX);
    }
    return 0;
}

static bool ws_is_id(const char *s)
{
    size_t n = strlen(s);
    if (n != KP_WS_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

static void ws_new_id(char out[KP_WS_ID_LEN + 1])
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint8_t rnd[KP_WS_ID_LEN];
    kp_crypto_random(rnd, sizeof(rnd));
    for (size_t i = 0; i < KP_WS_ID_LEN; i++)
        out[i] = digits[rnd[i] % 36]; /* 256 % 36 bias is irrelevant for uniqueness */
    out[KP_WS_ID_LEN] = '\0';
    if (out[0] >= '0' && out[0] <= '9') /* an id never looks like a number */
        out[0] = (char)('a' + (rnd[0] % 26));
}

static int ws_not_found(const char *path)
{
    return kp_err_set(KP_ENOTFOUND, "workspace \"%s\" not found", path);
}

/* Resolves without quotas. *fresh_out tells whether the cluster's limits are current in the
 * store and *gen_out the quota generation before anything was read (both under one lock with
 * the cache lookup, so a cached request takes the lock once). *wsobj_out (may be NULL) gets the
 * Workspace object a walk read last (owned), else NULL. */
static int ws_resolve_ids(kp_ws *ws, const char *path_or_id, char cluster[KP_WS_ID_LEN + 8],
                          char path[KP_WS_PATH_MAX], bool *fresh_out, uint64_t *gen_out,
                          json_t **wsobj_out)
{
    const char *hit;
    char cur[KP_WS_ID_LEN + 8];
    json_t *last = NULL;
    int64_t now = ws_now_ms();
    int rc;

    *fresh_out = false;
    if (wsobj_out)
        *wsobj_out = NULL;
    if (strcmp(path_or_id, KP_WS_ROOT) == 0) {
        snprintf(cluster, KP_WS_ID_LEN + 8, "%s", KP_WS_ROOT);
        snprintf(path, KP_WS_PATH_MAX, "%s", KP_WS_ROOT);
        pthread_mutex_lock(&ws->mu);
        *fresh_out = qmap_fresh(&ws->quota, KP_WS_ROOT, now);
        *gen_out = ws->quota_gen;
        pthread_mutex_unlock(&ws->mu);
        return 0;
    }
    if (!strchr(path_or_id, ':')) { /* a logical cluster id */
        json_t *lc = NULL;
        kp_key k = {path_or_id, WS_LC_RES, "", "cluster"};
        const char *p;
        if (!ws_is_id(path_or_id))
            return ws_not_found(path_or_id);
        pthread_mutex_lock(&ws->mu);
        hit = map_get(&ws->by_id, path_or_id);
        if (hit) {
            snprintf(path, KP_WS_PATH_MAX, "%s", hit);
            *fresh_out = qmap_fresh(&ws->quota, path_or_id, now);
        }
        *gen_out = ws->quota_gen;
        pthread_mutex_unlock(&ws->mu);
        if (hit) {
            snprintf(cluster, KP_WS_ID_LEN + 8, "%s", path_or_id);
            return 0;
        }
        if ((rc = kp_store_get(&lc, ws->st, &k)) < 0)
            return rc == KP_ENOTFOUND ? ws_not_found(path_or_id) : rc;
        p = kp_json_get_str(lc, "spec.path");
        if (!p) {
            json_decref(lc);
            return ws_not_found(path_or_id);
        }
        snprintf(path, KP_WS_PATH_MAX, "%s", p);
        snprintf(cluster, KP_WS_ID_LEN + 8, "%s", path_or_id);
        json_decref(lc);
        pthread_mutex_lock(&ws->mu);
        map_put(&ws->by_id, cluster, path);
        pthread_mutex_unlock(&ws->mu);
        return 0;
    }
    if ((rc = ws_check_path(path_or_id)) < 0)
        return rc;
    pthread_mutex_lock(&ws->mu);
    hit = map_get(&ws->by_path, path_or_id);
    if (hit) {
        snprintf(cluster, KP_WS_ID_LEN + 8, "%s", hit);
        *fresh_out = qmap_fresh(&ws->quota, hit, now);
    }
    *gen_out = ws->quota_gen;
    pthread_mutex_unlock(&ws->mu);
    if (hit) {
        snprintf(path, KP_WS_PATH_MAX, "%s", path_or_id);
        return 0;
    }
    /* Walk from root: each Workspace names its child's id. */
    snprintf(cur, sizeof(cur), "%s", KP_WS_ROOT);
    {
        kp_sv in = kp_sv_from(path_or_id + strlen(KP_WS_ROOT) + 1), seg;
        while (in.len) {
            char name[64];
            const char *id;
            kp_key k = {cur, WS_RES, "", name};
            kp_sv_cut(&in, ':', &seg);
            snprintf(name, sizeof(name), "%.*s", KP_SV_ARG(seg));
            json_decref(last);
            last = NULL;
            if ((rc = kp_store_get(&last, ws->st, &k)) < 0)
                return rc == KP_ENOTFOUND ? ws_not_found(path_or_id) : rc;
            id = kp_json_get_str(last, "spec.cluster");
            if (!id) {
                json_decref(last);
                return ws_not_found(path_or_id);
            }
            snprintf(cur, sizeof(cur), "%s", id);
        }
    }
    snprintf(cluster, KP_WS_ID_LEN + 8, "%s", cur);
    snprintf(path, KP_WS_PATH_MAX, "%s", path_or_id);
    pthread_mutex_lock(&ws->mu);
    map_put(&ws->by_path, path, cluster);
    pthread_mutex_unlock(&ws->mu);
    if (wsobj_out)
        *wsobj_out = last;
    else
        json_decref(last);
    return 0;
}

/* One field of a quota: a non-negative integer, else KP_STORE_LIMIT_DEFAULT (not set). */
static int64_t ws_quota_field(const json_t *quota, const char *field)
{
    const json_t *v = json_object_get(quota, field);
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        return (int64_t)json_integer_value(v);
    return KP_STORE_LIMIT_DEFAULT;
}

/* The limits of the workspace whose Workspace object is w (NULL: the server's defaults):
 * each of its spec.quota fields, else its type's spec.defaultQuota field, else the default. */
static int ws_quota_of(int64_t *max_objects, int64_t *max_bytes, kp_ws *ws, const json_t *w)
{
    const json_t *q = kp_json_get(w, "spec.quota");
    const char *type = kp_json_get_str(w, "spec.type.name");
    json_t *tobj = NULL;
    int rc;

    *max_objects = ws_quota_field(q, "maxObjects");
    *max_bytes = ws_quota_field(q, "maxBytes");
    if (!w || (*max_objects >= 0 && *max_bytes >= 0))
        return 0;
    rc = ws_lookup_type(ws, type ? type : "universal", &tobj);
    if (rc == KP_ENOTFOUND) { /* the type was deleted since: the defaults */
        kp_err_clear();
        return 0;
    }
    if (rc < 0)
        return rc;
    q = kp_json_get(tobj, "spec.defaultQuota");
    if (*max_objects < 0)
        *max_objects = ws_quota_field(q, "maxObjects");
    if (*max_bytes < 0)
        *max_bytes = ws_quota_field(q, "maxBytes");
    json_decref(tobj);
    return 0;
}

/* Reads the limits of cluster (at path) and registers them with the store, which enforces
 * them on every write; w is the cluster's Workspace object when the caller has it. Root is
 * unlimited. gen is the quota generation from before anything was read: when an invalidation
 * came in between, the limits are registered but not marked current. */
static int ws_quota_refresh(kp_ws *ws, const char *cluster, const char *path, const json_t *w,
                            uint64_t gen)
{
    int64_t max_objects = 0, max_bytes = 0;
    json_t *own = NULL;
    int rc = 0;

    if (strcmp(cluster, KP_WS_ROOT) != 0) {
        if (!w) { /* from the cache: read the Workspace in the parent */
            const char *colon = strrchr(path, ':');
            char parent[KP_WS_PATH_MAX], pc[KP_WS_ID_LEN + 8], pp[KP_WS_PATH_MAX];
            bool fresh;
            uint64_t g;
            kp_key k;
            if (!colon)
                return ws_not_found(path);
            snprintf(parent, sizeof(parent), "%.*s", (int)(colon - path), path);
            if ((rc = ws_resolve_ids(ws, parent, pc, pp, &fresh, &g, NULL)) < 0)
                return rc;
            k = (kp_key){pc, WS_RES, "", colon + 1};
            rc = kp_store_get(&own, ws->st, &k);
            if (rc == KP_ENOTFOUND) { /* going away: the defaults until then */
                kp_err_clear();
                rc = 0;
            }
            if (rc < 0)
                return rc;
            /* a Workspace of that name for another cluster is not this cluster's */
            if (own && strcmp(kp_json_get_str(own, "spec.cluster") ?: "", cluster) != 0) {
                json_decref(own);
                own = NULL;
            }
            w = own;
        }
        rc = ws_quota_of(&max_objects, &max_bytes, ws, w);
        json_decref(own);
        if (rc < 0)
            return rc;
    }
    kp_store_set_limits(ws->st, cluster, max_objects, max_bytes);
    pthread_mutex_lock(&ws->mu);
    if (ws->quota_gen == gen)
        qmap_put(&ws->quota, cluster, ws_now_ms() + WS_QUOTA_TTL_MS);
    pthread_mutex_unlock(&ws->mu);
    return 0;
}

int kp_ws_resolve(kp_ws *ws, const char *path_or_id, char cluster[KP_WS_ID_LEN + 8],
                  char path[KP_WS_PATH_MAX])
{
    json_t *w = NULL;
    bool fresh = false;
    uint64_t gen = 0;
    int rc = ws_resolve_ids(ws, path_or_id, cluster, path, &fresh, &gen, &w);

    /* Every request comes through here before it writes: the store gets the limits of its
     * workspace first (cached; read again after WS_QUOTA_TTL_MS or an invalidation). */
    if (rc == 0 && !fresh)
        rc = ws_quota_refresh(ws, cluster, path, w, gen);
    json_decref(w);
    return rc;
}

void kp_ws_observe(kp_ws *ws, const kp_store_event *evs, size_t n)
{
    for (size_t i = 0; ws && i < n; i++) {
        const char *id;
        if (strcmp(evs[i].key.resource, WS_TYPE_RES) == 0) { /* rare: every workspace again */
            pthread_mutex_lock(&ws->mu);
            qmap_clear(&ws->quota);
            ws->quota_gen++;
            pthread_mutex_unlock(&ws->mu);
        } else if (strcmp(evs[i].key.resource, WS_RES) == 0 &&
                   (id = kp_json_get_str(evs[i].obj, "spec.cluster"))) {
            json_t *was = kp_json_get(evs[i].prev, "spec.quota");
            json_t *now = kp_json_get(evs[i].obj, "spec.quota");
            /* status updates (the most frequent change) leave the quota as it was */
            if (evs[i].type == KP_EV_MODIFIED && evs[i].prev &&
                (was == now || (was && now && json_equal(was, now))))
                continue;
            pthread_mutex_lock(&ws->mu);
            qmap_forget(&ws->quota, id);
            ws->quota_gen++;
            pthread_mutex_unlock(&ws->mu);
        }
    }
}

/* ---- calls through the API ---- */

static int ws_call(kp_ws *ws, json_t **out, const char *method, const json_t *body, const char *fmt,
                   ...) KP_PRINTF(5, 6);

static int ws_call(kp_ws *ws, json_t **out, const char *method, const json_t *body, const char *fmt,
                   ...)
{
    char path[KP_WS_PATH_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return kp_client_do(out, NULL, ws->client, method, path, body);
}

/* Creates body at the collection unless it exists already. */
static int ws_ensure(kp_ws *ws, const char *collection, json_t *body)
{
    int rc = ws_call(ws, NULL, "POST", body, "%s", collection);
    json_decref(body);
    if (rc == KP_EEXISTS) {
        kp_err_clear();
        return 0;
    }
    return rc;
}

static json_t *ws_cluster_admin_role(void)
{
    return json_pack("{s:s, s:s, s:{s:s}, s:[{s:[s], s:[s], s:[s]}, {s:[s], s:[s]}]}", "apiVersion",
                     "rbac.authorization.k8s.io/v1", "kind", "ClusterRole", "metadata", "name",
                     "cluster-admin", "rules", "apiGroups", "*", "resources", "*", "verbs", "*",
                     "nonResourceURLs", "*", "verbs", "*");
}

int kp_ws_bootstrap(kp_ws *ws)
{
    int rc;
    rc = ws_ensure(ws, "/clusters/root" WS_API "/logicalclusters",
                   json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", KP_WS_GROUP "/v1alpha1",
                             "kind", "LogicalCluster", "metadata", "name", "cluster", "spec",
                             "path", KP_WS_ROOT));
    if (rc == 0)
        rc = ws_ensure(ws, "/clusters/root/apis/rbac.authorization.k8s.io/v1/clusterroles",
                       ws_cluster_admin_role());
    return rc;
}

/* ---- create ---- */

/* The type of the workspace at path: "root" for root, else its Workspace's spec.type.name. */
static int ws_type_of(kp_ws *ws, const char *path, char out[64])
{
    char parent[KP_WS_PATH_MAX], cluster[KP_WS_ID_LEN + 8], canon[KP_WS_PATH_MAX];
    const char *colon = strrchr(path, ':');
    json_t *w = NULL;
    kp_key k;
    int rc;

    if (!colon) {
        snprintf(out, 64, "root");
        return 0;
    }
    snprintf(parent, sizeof(parent), "%.*s", (int)(colon - path), path);
    if ((rc = kp_ws_resolve(ws, parent, cluster, canon)) < 0)
        return rc;
    k = (kp_key){cluster, WS_RES, "", colon + 1};
    if ((rc = kp_store_get(&w, ws->st, &k)) < 0)
        return rc;
    snprintf(out, 64, "%s", kp_json_get_str(w, "spec.type.name") ?: "universal");
    json_decref(w);
    return 0;
}

static bool ws_list_has(const json_t *types, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        const char *n = json_is_string(t) ? json_string_value(t) : kp_json_get_str(t, "name");
        if (n && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

/* WorkspaceTypes are defined in root; "universal" (and "root") need no object. */
static int ws_lookup_type(kp_ws *ws, const char *name, json_t **out)
{
    kp_key k = {KP_WS_ROOT, WS_TYPE_RES, "", name};
    int rc = kp_store_get(out, ws->st, &k);
    if (rc == KP_ENOTFOUND && (strcmp(name, "universal") == 0 || strcmp(name, "root") == 0)) {
        kp_err_clear();
        *out = NULL;
        return 0;
    }
    return rc;
}

/* spec.quota, when set: {maxObjects, maxBytes}, each a non-negative integer (0: unlimited). */
static int ws_check_quota(const json_t *obj)
{
    static const char *const fields[] = {"maxObjects", "maxBytes"};
    const char *name = kp_json_get_str(obj, "metadata.name");
    const json_t *q = kp_json_get(obj, "spec.quota");

    if (!q || json_is_null(q))
        return 0;
    if (!json_is_object(q)) {
        kp_err_cause("spec.quota", "FieldValueInvalid", "Invalid value: must be an object");
        return kp_err_set(KP_EINVALID,
                          "Workspace.tenancy.kplane.io \"%s\" is invalid: spec.quota: Invalid "
                          "value: must be an object with maxObjects and/or maxBytes",
                          name ? name : "");
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(fields); i++) {
        const json_t *v = json_object_get(q, fields[i]);
        char field[32];
        if (!v || (json_is_integer(v) && json_integer_value(v) >= 0))
            continue;
        snprintf(field, sizeof(field), "spec.quota.%s", fields[i]);
        kp_err_cause(field, "FieldValueInvalid",
                     "Invalid value: must be a non-negative integer (0: unlimited)");
        return kp_err_set(KP_EINVALID,
                          "Workspace.tenancy.kplane.io \"%s\" is invalid: %s: Invalid value: "
                          "must be a non-negative integer (0: unlimited)",
                          name ? name : "", field);
    }
    return 0;
}

int kp_ws_admit_create(kp_ws *ws, json_t *obj, const char *parent_path, const char *user,
                       const char *const *groups, size_t ngroups)
{
    const char *name = kp_json_get_str(obj, "metadata.name");
    const char *type = kp_json_get_str(obj, "spec.type.name");
    json_t *tobj = NULL, *pobj = NULL, *spec, *owner, *garr;
    char ptype[64], id[KP_WS_ID_LEN + 1];
    char *ann = NULL;
    int rc;

    if (!name)
        return kp_err_set(KP_EINVALID,
                          "Workspace.tenancy.kplane.io \"\" is invalid: metadata.name: "
                          "Required value: name is required");
    if (strlen(parent_path) + strlen(name) + 2 > KP_WS_PATH_MAX)
        return kp_err_set(KP_EINVALID,
                          "Workspace.tenancy.kplane.io \"%s\" is invalid: the path "
                          "would be longer than %d characters",
                          name, KP_WS_PATH_MAX - 1);
    if ((rc = ws_check_quota(obj)) < 0)
        return rc;
    if (!type)
        type = "universal";
    if ((rc = ws_type_of(ws, parent_path, ptype)) < 0)
        return rc;
    if ((rc = ws_lookup_type(ws, type, &tobj)) < 0) {
        if (rc != KP_ENOTFOUND)
            return rc;
        kp_err_clear();
        kp_err_cause("spec.type.name", "FieldValueNotFound", "Not found: \"%s\"", type);
        return kp_err_set(KP_EINVALID,
                          "Workspace.tenancy.kplane.io \"%s\" is invalid: "
                          "spec.type.name: Not found: workspace type \"%s\" does not "
                          "exist (define a WorkspaceType in root)",
                          name, type);
    }
    rc = ws_lookup_type(ws, ptype, &pobj);
    if (rc == KP_ENOTFOUND) {
        kp_err_clear();
        rc = 0;
    }
    if (rc == 0 && tobj && kp_json_get(tobj, "spec.limitAllowedParents.types") &&
        !ws_list_has(kp_json_get(tobj, "spec.limitAllowedParents.types"), ptype))
        rc = kp_err_set(KP_EINVALID,
                        "Workspace.tenancy.kplane.io \"%s\" is invalid: spec.type: Invalid value: "
                        "workspace type \"%s\" may not be created in a \"%s\" workspace",
                        name, type, ptype);
    if (rc == 0 && pobj && kp_json_get(pobj, "spec.limitAllowedChildren.types") &&
        !ws_list_has(kp_json_get(pobj, "spec.limitAllowedChildren.types"), type))
        rc = kp_err_set(KP_EINVALID,
                        "Workspace.tenancy.kplane.io \"%s\" is invalid: spec.type: Invalid value: "
                        "a \"%s\" workspace does not allow children of type \"%s\"",
                        name, ptype, type);
    json_decref(tobj);
    json_decref(pobj);
    if (rc < 0)
        return rc;
    ws_new_id(id);
    spec = kp_json_obj_ensure(obj, "spec");
    json_object_set_new(spec, "cluster", json_string(id));
    json_object_set_new(spec, "type", json_pack("{s:s, s:s}", "name", type, "path", KP_WS_ROOT));
    /* the creator becomes the new workspace's admin; remember who that was */
    garr = json_array();
    for (size_t i = 0; i < ngroups; i++)
        json_array_append_new(garr, json_string(groups[i]));
    owner = json_pack("{s:s, s:o}", "username", user, "groups", garr);
    ann = kp_json_dump(owner, NULL);
    json_decref(owner);
    json_object_set_new(kp_json_obj_ensure(kp_json_obj_ensure(obj, "metadata"), "annotations"),
                        WS_OWNER_ANN, json_string(ann));
    free(ann);
    json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Scheduling"));
    {
        char *url = kp_asprintf("%s/clusters/%s:%s", ws->server_base, parent_path, name);
        json_object_set_new(json_object_get(obj, "status"), "URL", json_string(url));
        free(url);
    }
    return 0;
}

int kp_ws_admit_update(kp_ws *ws, const json_t *old, json_t *obj)
{
    static const char *const fixed[] = {"cluster", "type"};
    json_t *spec = kp_json_obj_ensure(obj, "spec");
    const json_t *ospec = json_object_get(old, "spec");
    int rc;
    (void)ws;

    if ((rc = ws_check_quota(obj)) < 0)
        return rc;
    for (size_t i = 0; i < KP_ARRAY_LEN(fixed); i++) {
        json_t *was = json_object_get(ospec, fixed[i]), *now = json_object_get(spec, fixed[i]);
        if (!was)
            continue;
        if (!now) { /* omitted: kept (kubectl replace of an edited copy may drop it) */
            json_object_set(spec, fixed[i], was);
        } else if (!json_equal(was, now)) {
            kp_err_cause(strcmp(fixed[i], "type") == 0 ? "spec.type" : "spec.cluster",
                         "FieldValueInvalid", "Invalid value: field is immutable");
            return kp_err_set(KP_EINVALID,
                              "Workspace.tenancy.kplane.io \"%s\" is invalid: spec.%s: Invalid "
                              "value: field is immutable",
                              kp_json_get_str(old, "metadata.name"), fixed[i]);
        }
    }
    return 0;
}

/* ---- initialization ---- */

static void ws_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int ws_set_phase(kp_ws *ws, const char *parent_path, const char *name, const char *phase,
                        const char *reason, const char *message)
{
    char now[32];
    json_t *patch;
    int rc;

    ws_now(now);
    patch = json_pack("{s:{s:s, s:[{s:s, s:s, s:s, s:s, s:s}]}}", "status", "phase", phase,
                      "conditions", "type", "Ready", "status",
                      strcmp(phase, "Ready") == 0 ? "True" : "False", "reason", reason, "message",
                      message, "lastTransitionTime", now);
    rc = ws_call(ws, NULL, "PATCH", patch, "/clusters/%s" WS_API "/workspaces/%s/status",
                 parent_path, name);
    json_decref(patch);
    return rc;
}

/* The collection URL of an object of the initial content, from the schema table. */
static char *ws_collection_of(const char *path, const json_t *obj)
{
    const char *av = kp_json_get_str(obj, "apiVersion"), *kind = kp_json_get_str(obj, "kind");
    const char *ns = kp_json_get_str(obj, "metadata.namespace"), *slash;
    const kp_schema_res *r;
    char group[128];

    if (!av || !kind)
        return NULL;
    slash = strchr(av, '/');
    snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - av) : 0, av);
    if (!(r = kp_schema_by_kind(group, kind)))
        return NULL;
    if (r->namespaced)
        return kp_asprintf("/clusters/%s/%s%s/%s/namespaces/%s/%s", path,
                           group[0] ? "apis/" : "api", group, r->version, ns ? ns : "default",
                           r->resource);
    return kp_asprintf("/clusters/%s/%s%s/%s/%s", path, group[0] ? "apis/" : "api", group,
                       r->version, r->resource);
}

/* One object of a workspace's initial content, created on a thread of its own. */
typedef struct {
    kp_ws *ws;
    char *coll;
    json_t *body; /* consumed */
    int rc;
    char msg[512];
    pthread_t thread;
    bool started;
} ws_job;

static void *ws_job_run(void *arg)
{
    ws_job *j = arg;
    kp_err_clear();
    j->rc = ws_ensure(j->ws, j->coll, j->body);
    j->body = NULL;
    if (j->rc < 0)
        snprintf(j->msg, sizeof(j->msg), "%s", kp_err_msg());
    return NULL;
}

/* Runs the jobs at once (the first on this thread) and waits for them all; the first failure
 * is returned with its message. */
static int ws_ensure_all(kp_ws *ws, ws_job *jobs, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        jobs[i].ws = ws;
        jobs[i].started = i > 0 && pthread_create(&jobs[i].thread, NULL, ws_job_run, &jobs[i]) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!jobs[i].started) /* the first, or no thread could be had */
            ws_job_run(&jobs[i]);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].thread, NULL);
        if (jobs[i].rc < 0 && rc == 0)
            rc = kp_err_set(jobs[i].rc, "%s", jobs[i].msg);
        free(jobs[i].coll);
    }
    return rc;
}

int kp_ws_initialize(kp_ws *ws, const char *parent_path, const json_t *wsobj)
{
    const char *name = kp_json_get_str(wsobj, "metadata.name");
    const char *ownerj = json_string_value(
        json_object_get(kp_json_get(wsobj, "metadata.annotations"), WS_OWNER_ANN));
    const char *type = kp_json_get_str(wsobj, "spec.type.name");
    static const char *const nss[] = {"default", "kube-system"};
    json_t *owner = NULL, *tobj = NULL, *item;
    char *path = kp_asprintf("%s:%s", parent_path, name);
    char *coll = NULL;
    size_t i;
    int rc;

    if ((rc = ws_set_phase(ws, parent_path, name, "Initializing", "Initializing",
                           "creating the initial content")) < 0)
        goto out;
    {
        /* independent of one another: created at once, their writes share one commit */
        ws_job jobs[5];
        size_t n = 0;
        memset(jobs, 0, sizeof(jobs));
        /* the logical cluster names its path, so /clusters/<id>/ resolves */
        jobs[n].coll = kp_asprintf("/clusters/%s" WS_API "/logicalclusters", path);
        jobs[n++].body =
            json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}}", "apiVersion", KP_WS_GROUP "/v1alpha1",
                      "kind", "LogicalCluster", "metadata", "name", "cluster", "spec", "path", path,
                      "cluster", kp_json_get_str(wsobj, "spec.cluster"));
        for (i = 0; i < KP_ARRAY_LEN(nss); i++) {
            jobs[n].coll = kp_asprintf("/clusters/%s/api/v1/namespaces", path);
            jobs[n++].body = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
                                       "Namespace", "metadata", "name", nss[i]);
        }
        jobs[n].coll =
            kp_asprintf("/clusters/%s/apis/rbac.authorization.k8s.io/v1/clusterroles", path);
        jobs[n++].body = ws_cluster_admin_role();
        /* k8s-style bootstrap: the creator administers what they created */
        if (ownerj && kp_json_parse(&owner, ownerj, strlen(ownerj)) == 0 &&
            kp_json_get_str(owner, "username")) {
            jobs[n].coll = kp_asprintf(
                "/clusters/%s/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", path);
            jobs[n++].body =
                json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s}]}",
                          "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
                          "ClusterRoleBinding", "metadata", "name", "workspace-admin", "roleRef",
                          "apiGroup", "rbac.authorization.k8s.io", "kind", "ClusterRole", "name",
                          "cluster-admin", "subjects", "apiGroup", "rbac.authorization.k8s.io",
                          "kind", "User", "name", kp_json_get_str(owner, "username"));
        }
        rc = ws_ensure_all(ws, jobs, n);
    }
    /* the type's initial content */
    if (rc == 0 && type && (rc = ws_lookup_type(ws, type, &tobj)) == 0 && tobj) {
        json_array_foreach(kp_json_get(tobj, "spec.initialObjects"), i, item)
        {
            char *c = ws_collection_of(path, item);
            if (!c) {
                rc = kp_err_set(KP_EINVALID,
                                "workspace type \"%s\": initial object %zu has an unknown "
                                "apiVersion or kind",
                                type, i);
                break;
            }
            rc = ws_ensure(ws, c, json_incref(item));
            free(c);
            if (rc < 0)
                break;
        }
    }
    if (rc == 0)
        rc = ws_set_phase(ws, parent_path, name, "Ready", "Initialized", "the workspace is ready");
    else {
        char why[512];
        snprintf(why, sizeof(why), "%s", kp_err_msg());
        KP_LOG_WARN("ws", "initializing workspace \"%s\" failed: %s", path, why);
        ws_set_phase(ws, parent_path, name, "Initializing", "InitializationFailed", why);
        kp_err_set(rc, "%s", why);
    }
out:
    json_decref(owner);
    json_decref(tobj);
    free(coll);
    free(path);
    return rc;
}

/* ---- deletion ---- */

int kp_ws_delete_contents(kp_ws *ws, const char *parent_path, const json_t *wsobj)
{
    const char *name = kp_json_get_str(wsobj, "metadata.name");
    const char *id = kp_json_get_str(wsobj, "spec.cluster");
    char *path = kp_asprintf("%s:%s", parent_path, name);
    kp_store_list_opts o;
    json_t *children = NULL, *child;
    int64_t rv;
    bool more;
    size_t i;
    int rc, n;

    if (!id) {
        free(path);
        return 0;
    }
    ws_set_phase(ws, parent_path, name, "Deleting", "Deleting", "the workspace is being deleted");
    kp_err_clear();
    /* children first, through the API, each deleting its own subtree */
    memset(&o, 0, sizeof(o));
    o.cluster = id;
    o.resource = WS_RES;
    if ((rc = kp_store_list(&children, &rv, &more, ws->st, &o)) < 0)
        goto out;
    json_array_foreach(children, i, child)
    {
        rc = ws_call(ws, NULL, "DELETE", NULL, "/clusters/%s" WS_API "/workspaces/%s", path,
                     kp_json_get_str(child, "metadata.name"));
        if (rc == KP_ENOTFOUND)
            rc = 0;
        if (rc < 0)
            goto out;
    }
    /* then every object of the logical cluster in one statement */
    if ((n = kp_store_delete_all(ws->st, id, NULL, NULL)) < 0) {
        rc = n;
        goto out;
    }
    KP_LOG_INFO("ws", "deleted workspace \"%s\" (%d objects)", path, n);
    pthread_mutex_lock(&ws->mu);
    map_forget(&ws->by_path, path, false);
    map_forget(&ws->by_id, path, true);
    qmap_forget(&ws->quota, id);
    ws->quota_gen++;
    pthread_mutex_unlock(&ws->mu);
    kp_store_set_limits(ws->st, id, KP_STORE_LIMIT_DEFAULT, KP_STORE_LIMIT_DEFAULT);
    rc = 0;
out:
    json_decref(children);
    free(path);
    return rc;
}
