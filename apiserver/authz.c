#include "lib/common.h"
#include "apiserver/authz.h"
#include "lib/hash.h"
#include "apiserver/validate.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/sv.h"

#include <pthread.h>
#include <stdatomic.h>

/* The evaluation follows k8s.io/kubernetes: plugin/pkg/auth/authorizer/rbac (Authorize,
 * RulesFor, RuleAllows), pkg/registry/rbac/validation/rule.go (VisitRulesFor, appliesToUser,
 * the describers behind the "allowed by" reason), pkg/apis/rbac/v1/evaluation_helpers.go (the
 * matchers) and pkg/controller/clusterroleaggregation (the rules an aggregated ClusterRole
 * ends up with). Messages follow k8s.io/apiserver's responsewriters.Forbidden.
 *
 * A cluster's policy is an immutable snapshot in its own arena: parsed rules, roles with their
 * effective rules, and bindings already pointing at them. Snapshots are refcounted; the map
 * from cluster to snapshot, the LRU list and the counters are guarded by kp_authz.mu, which is
 * never held across the store's I/O: a thread that misses marks the entry as loading, loads
 * without the lock, and installs the result unless the cluster was invalidated meanwhile.
 * Others that miss the same cluster wait on kp_authz.cv for it. */

#define RES_ROLES "rbac.authorization.k8s.io/roles"
#define RES_ROLEBINDINGS "rbac.authorization.k8s.io/rolebindings"
#define RES_CLUSTERROLES "rbac.authorization.k8s.io/clusterroles"
#define RES_CLUSTERROLEBINDINGS "rbac.authorization.k8s.io/clusterrolebindings"

#define MASTERS_GROUP "system:masters"
#define SA_PREFIX "system:serviceaccount:"
#define AGG_DEPTH_MAX 32    /* nested aggregation deeper than this keeps the stored rules */
#define REASON_MAX 2048     /* the thread-local reason; longer ones are cut */
#define MSG_MAX (64 * 1024) /* the forbidden message before kp_err_set cuts it */
#define BUCKETS_MIN 64

/* ---- the snapshot ---- */

typedef struct {
    const char **v;
    size_t n;
} strv;

/* rbacv1.PolicyRule */
typedef struct {
    strv verbs, groups, resources, names, urls;
} authz_rule;

typedef enum { AGG_PENDING, AGG_BUSY, AGG_DONE } agg_state;

typedef struct {
    const char *ns, *name;
    const authz_rule *rules; /* as stored */
    size_t nrules;
    const authz_rule **eff; /* what bindings grant: the stored rules, or the aggregation */
    size_t neff;
    const json_t *obj; /* while building only: borrowed from the list */
    agg_state state;
} authz_role;

typedef enum { SUBJ_OTHER, SUBJ_USER, SUBJ_GROUP, SUBJ_SA } subj_kind;

typedef struct {
    subj_kind kind;
    const char *kind_name; /* as written, for the reason */
    const char *name;
    const char *ns;
    const char *sa_user; /* SUBJ_SA with a namespace: "system:serviceaccount:<ns>:<name>" */
} authz_subject;

typedef struct {
    const char *ns, *name; /* ns "" for a ClusterRoleBinding */
    const char *ref_kind, *ref_name;
    const authz_rule *const *rules; /* the role's effective rules; NULL when err */
    size_t nrules;
    const char *err; /* the role could not be resolved: Kubernetes' error text */
    authz_subject *subjects;
    size_t nsubjects;
} authz_binding;

typedef struct {
    atomic_size_t refs;
    kp_arena *ar; /* owns everything, the snapshot included */
    authz_binding *crbs;
    size_t ncrbs;
    authz_binding *rbs; /* sorted by (ns, name) */
    size_t nrbs;
} authz_snap;

/* ---- the cache ---- */

typedef struct authz_entry {
    char *cluster;
    uint64_t hash;
    struct authz_entry *chain;
    struct authz_entry *lru_prev, *lru_next;
    authz_snap *snap; /* one reference; NULL until loaded */
    uint64_t stamp;   /* a new one on every invalidation */
    uint64_t loader;  /* the token of the thread loading it; 0: none */
} authz_entry;

struct kp_authz {
    kp_store *st;
    pthread_mutex_t mu;
    pthread_cond_t cv;     /* a load finished or was abandoned */
    authz_entry **buckets; /* guarded by mu, as everything below */
    size_t nbuckets;
    size_t n;
    size_t max;
    authz_entry lru; /* sentinel: lru.lru_next is the most recently used */
    uint64_t clock;  /* source of stamps and tokens */
    kp_authz_stats stats;
};

static _Thread_local char tls_reason[REASON_MAX];

/* ---- building a snapshot ---- */

static bool json_str_ok(const json_t *v)
{
    /* a string with a NUL could match a shorter one in C: it matches nothing in Kubernetes */
    return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

static const char *arena_str(kp_arena *ar, const json_t *v)
{
    return json_str_ok(v) ? kp_arena_strdup(ar, json_string_value(v)) : "";
}

static strv strv_parse(kp_arena *ar, const json_t *arr)
{
    strv s = {NULL, 0};
    size_t i;
    json_t *v;

    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return s;
    s.v = kp_arena_calloc(ar, json_array_size(arr), sizeof(*s.v));
    json_array_foreach(arr, i, v)
    {
        if (json_str_ok(v))
            s.v[s.n++] = kp_arena_strdup(ar, json_string_value(v));
    }
    return s;
}

static void role_parse(authz_role *r, kp_arena *ar, const json_t *obj, bool cluster_scoped)
{
    const json_t *rules = json_object_get(obj, "rules");
    authz_rule *v = NULL;
    size_t i, n = 0;
    json_t *rj;

    r->ns = cluster_scoped ? "" : arena_str(ar, kp_json_get(obj, "metadata.namespace"));
    r->name = arena_str(ar, kp_json_get(obj, "metadata.name"));
    r->obj = obj;
    if (json_is_array(rules) && json_array_size(rules) > 0) {
        v = kp_arena_calloc(ar, json_array_size(rules), sizeof(*v));
        json_array_foreach(rules, i, rj)
        {
            if (!json_is_object(rj))
                continue;
            v[n].verbs = strv_parse(ar, json_object_get(rj, "verbs"));
            v[n].groups = strv_parse(ar, json_object_get(rj, "apiGroups"));
            v[n].resources = strv_parse(ar, json_object_get(rj, "resources"));
            v[n].names = strv_parse(ar, json_object_get(rj, "resourceNames"));
            v[n].urls = strv_parse(ar, json_object_get(rj, "nonResourceURLs"));
            n++;
        }
    }
    r->rules = v;
    r->nrules = n;
    r->eff = n ? kp_arena_calloc(ar, n, sizeof(*r->eff)) : NULL;
    for (i = 0; i < n; i++)
        r->eff[i] = &v[i];
    r->neff = n;
}

static int nsname_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
    int c = strcmp(ns1, ns2);
    return c ? c : strcmp(n1, n2);
}

/* Go's sort by name is bytewise; the store's order follows the database collation. */
static int role_cmp(const void *x, const void *y)
{
    const authz_role *a = x, *b = y;
    return nsname_cmp(a->ns, a->name, b->ns, b->name);
}

static int binding_cmp(const void *x, const void *y)
{
    const authz_binding *a = x, *b = y;
    return nsname_cmp(a->ns, a->name, b->ns, b->name);
}

static const authz_role *role_find(const authz_role *v, size_t n, const char *ns, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = nsname_cmp(v[mid].ns, v[mid].name, ns, name);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static authz_role *roles_parse(size_t *n_out, kp_arena *ar, const json_t *items,
                               bool cluster_scoped)
{
    size_t n = json_array_size(items), i;
    authz_role *v = n ? kp_arena_calloc(ar, n, sizeof(*v)) : NULL;
    for (i = 0; i < n; i++)
        role_parse(&v[i], ar, json_array_get(items, i), cluster_scoped);
    if (n > 1)
        qsort(v, n, sizeof(*v), role_cmp);
    *n_out = n;
    return v;
}

/* ---- ClusterRole aggregation ---- */

static bool strv_eq(const strv *a, const strv *b)
{
    if (a->n != b->n) /* k8s: Semantic.DeepEqual treats nil and empty alike */
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

static bool rule_eq(const authz_rule *a, const authz_rule *b)
{
    return a == b || (strv_eq(&a->verbs, &b->verbs) && strv_eq(&a->groups, &b->groups) &&
                      strv_eq(&a->resources, &b->resources) && strv_eq(&a->names, &b->names) &&
                      strv_eq(&a->urls, &b->urls));
}

/* k8s: metav1.LabelSelectorAsSelector fails on an unknown operator or a Requirement that
 * labels.NewRequirement rejects; the aggregation controller then leaves the role alone. */
static bool selector_valid(const json_t *sel)
{
    const json_t *ml, *me, *v, *e;
    const char *k;
    size_t i, j;

    if (!json_is_object(sel))
        return json_is_null(sel); /* null decodes to the empty selector */
    ml = json_object_get(sel, "matchLabels");
    me = json_object_get(sel, "matchExpressions");
    if (ml && !json_is_null(ml)) {
        if (!json_is_object(ml))
            return false;
        json_object_foreach((json_t *)ml, k, v)
        {
            if (!kp_validate_qualified_name(NULL, kp_sv_from(k)) || !json_str_ok(v) ||
                !kp_validate_label_value(NULL, kp_sv_from(json_string_value(v))))
                return false;
        }
    }
    if (me && !json_is_null(me)) {
        if (!json_is_array(me))
            return false;
        json_array_foreach(me, i, e)
        {
            const char *key = kp_json_get_str(e, "key");
            const char *op = kp_json_get_str(e, "operator");
            const json_t *vals = json_object_get(e, "values");
            size_t nv = json_is_array(vals) ? json_array_size(vals) : 0;
            bool set_op;

            if (!key || !op || !kp_validate_qualified_name(NULL, kp_sv_from(key)))
                return false;
            if (vals && !json_is_null(vals) && !json_is_array(vals))
                return false;
            if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0)
                set_op = true;
            else if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0)
                set_op = false;
            else
                return false;
            if (set_op ? nv == 0 : nv != 0)
                return false;
            json_array_foreach(vals, j, v)
            {
                if (!json_str_ok(v) ||
                    !kp_validate_label_value(NULL, kp_sv_from(json_string_value(v))))
                    return false;
            }
        }
    }
    return true;
}

static const char *label_of(const json_t *labels, const char *key)
{
    const json_t *v = json_object_get(labels, key);
    return json_str_ok(v) ? json_string_value(v) : NULL;
}

static bool in_values(const json_t *vals, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(vals, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Matches a valid LabelSelector object against labels; the empty selector matches all. */
static bool selector_matches(const json_t *sel, const json_t *labels)
{
    const json_t *ml = json_object_get(sel, "matchLabels");
    const json_t *me = json_object_get(sel, "matchExpressions");
    const json_t *v, *e;
    const char *k;
    size_t i;

    json_object_foreach((json_t *)ml, k, v)
    {
        const char *have = label_of(labels, k);
        if (!have || strcmp(have, json_string_value(v)) != 0)
            return false;
    }
    json_array_foreach(me, i, e)
    {
        const char *op = kp_json_get_str(e, "operator");
        const char *have = label_of(labels, kp_json_get_str(e, "key"));
        const json_t *vals = json_object_get(e, "values");
        bool ok;

        if (strcmp(op, "In") == 0)
            ok = have && in_values(vals, have);
        else if (strcmp(op, "NotIn") == 0)
            ok = !have || !in_values(vals, have);
        else if (strcmp(op, "Exists") == 0)
            ok = have != NULL;
        else
            ok = have == NULL;
        if (!ok)
            return false;
    }
    return true;
}

typedef struct {
    const authz_rule **v;
    size_t n, cap;
} rule_vec;

static void rule_vec_add_unique(rule_vec *rv, const authz_rule *r)
{
    for (size_t i = 0; i < rv->n; i++)
        if (rule_eq(rv->v[i], r))
            return;
    if (rv->n == rv->cap) {
        rv->cap = rv->cap ? rv->cap * 2 : 16;
        rv->v = kp_realloc(rv->v, rv->cap * sizeof(*rv->v));
    }
    rv->v[rv->n++] = r;
}

/* k8s: syncClusterRole. The rules become, per selector in order, the rules of every other
 * matching ClusterRole in name order, without duplicates; they replace the stored ones. A
 * selected role that aggregates too contributes what the controller converges to (its own
 * aggregation); in a cycle the role being computed contributes its stored rules. */
static void role_aggregate(authz_role *crs, size_t n, size_t i, kp_arena *ar, int depth)
{
    authz_role *r = &crs[i];
    const json_t *agg = json_object_get(r->obj, "aggregationRule");
    const json_t *sels, *sel;
    rule_vec rv = {NULL, 0, 0};
    size_t s, j, k;

    if (r->state != AGG_PENDING)
        return;
    if (!json_is_object(agg) || depth > AGG_DEPTH_MAX) {
        r->state = AGG_DONE;
        return;
    }
    r->state = AGG_BUSY;
    sels = json_object_get(agg, "clusterRoleSelectors");
    json_array_foreach(sels, s, sel)
    {
        if (!selector_valid(sel)) {
            KP_LOG_WARN("authz",
                        "clusterrole \"%s\": invalid clusterRoleSelectors[%zu], not aggregated",
                        r->name, s);
            free(rv.v);
            r->state = AGG_DONE; /* eff stays the stored rules */
            return;
        }
    }
    json_array_foreach(sels, s, sel)
    {
        for (j = 0; j < n; j++) {
            if (j == i || (json_is_object(sel) &&
                           !selector_matches(sel, kp_json_get(crs[j].obj, "metadata.labels"))))
                continue;
            role_aggregate(crs, n, j, ar, depth + 1);
            for (k = 0; k < crs[j].neff; k++)
                rule_vec_add_unique(&rv, crs[j].eff[k]);
        }
    }
    r->eff = rv.n ? kp_arena_calloc(ar, rv.n, sizeof(*r->eff)) : NULL;
    if (rv.n)
        memcpy(r->eff, rv.v, rv.n * sizeof(*r->eff));
    r->neff = rv.n;
    free(rv.v);
    r->state = AGG_DONE;
}

/* ---- bindings ---- */

static void quote(kp_buf *b, const char *s)
{
    kp_validate_quote(b, kp_sv_from(s));
}

static char *arena_take(kp_arena *ar, kp_buf *b)
{
    char *s = kp_arena_strndup(ar, kp_buf_cstr(b), b->len);
    kp_buf_dispose(b);
    return s;
}

static void subject_parse(authz_subject *s, kp_arena *ar, const json_t *obj, const char *bns)
{
    const char *kind = kp_json_get_str(obj, "kind");
    const char *sa_ns;

    s->kind_name = arena_str(ar, json_object_get(obj, "kind"));
    s->name = arena_str(ar, json_object_get(obj, "name"));
    s->ns = arena_str(ar, json_object_get(obj, "namespace"));
    s->kind = SUBJ_OTHER;
    if (!kind)
        return;
    if (strcmp(kind, "User") == 0) {
        s->kind = SUBJ_USER;
    } else if (strcmp(kind, "Group") == 0) {
        s->kind = SUBJ_GROUP;
    } else if (strcmp(kind, "ServiceAccount") == 0) {
        /* k8s: an unqualified ServiceAccount is in the RoleBinding's namespace; a
         * ClusterRoleBinding's must name one */
        s->kind = SUBJ_SA;
        sa_ns = s->ns[0] ? s->ns : bns;
        if (sa_ns[0])
            s->sa_user = kp_arena_printf(ar, SA_PREFIX "%s:%s", sa_ns, s->name);
    }
}

static void binding_parse(authz_binding *b, kp_arena *ar, const json_t *obj, bool cluster_scoped,
                          const authz_role *roles, size_t nroles, const authz_role *crs,
                          size_t ncrs)
{
    const json_t *subjects = json_object_get(obj, "subjects");
    const authz_role *role = NULL;
    kp_buf err;
    size_t i, n = 0;
    json_t *sj;

    b->ns = cluster_scoped ? "" : arena_str(ar, kp_json_get(obj, "metadata.namespace"));
    b->name = arena_str(ar, kp_json_get(obj, "metadata.name"));
    b->ref_kind = arena_str(ar, kp_json_get(obj, "roleRef.kind"));
    b->ref_name = arena_str(ar, kp_json_get(obj, "roleRef.name"));
    if (json_is_array(subjects) && json_array_size(subjects) > 0) {
        b->subjects = kp_arena_calloc(ar, json_array_size(subjects), sizeof(*b->subjects));
        json_array_foreach(subjects, i, sj)
        {
            if (json_is_object(sj))
                subject_parse(&b->subjects[n++], ar, sj, b->ns);
        }
    }
    b->nsubjects = n;

    /* k8s: GetRoleReferenceRules; a Role is looked up in the binding's namespace */
    kp_buf_init(&err, MSG_MAX);
    if (strcmp(b->ref_kind, "Role") == 0) {
        if (!(role = role_find(roles, nroles, b->ns, b->ref_name))) {
            kp_buf_puts(&err, "role.rbac.authorization.k8s.io ");
            quote(&err, b->ref_name);
            kp_buf_puts(&err, " not found");
        }
    } else if (strcmp(b->ref_kind, "ClusterRole") == 0) {
        if (!(role = role_find(crs, ncrs, "", b->ref_name))) {
            kp_buf_puts(&err, "clusterrole.rbac.authorization.k8s.io ");
            quote(&err, b->ref_name);
            kp_buf_puts(&err, " not found");
        }
    } else {
        kp_buf_puts(&err, "unsupported role reference kind: ");
        quote(&err, b->ref_kind);
    }
    if (role) {
        b->rules = role->eff;
        b->nrules = role->neff;
        kp_buf_dispose(&err);
    } else {
        b->err = arena_take(ar, &err);
    }
}

static authz_binding *bindings_parse(size_t *n_out, kp_arena *ar, const json_t *items,
                                     bool cluster_scoped, const authz_role *roles, size_t nroles,
                                     const authz_role *crs, size_t ncrs)
{
    size_t n = json_array_size(items), i;
    authz_binding *v = n ? kp_arena_calloc(ar, n, sizeof(*v)) : NULL;
    for (i = 0; i < n; i++)
        binding_parse(&v[i], ar, json_array_get(items, i), cluster_scoped, roles, nroles, crs,
                      ncrs);
    if (n > 1)
        qsort(v, n, sizeof(*v), binding_cmp);
    *n_out = n;
    return v;
}

static void snap_unref(authz_snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        kp_arena_free(s->ar); /* s lives in its own arena */
}

static int list_all(json_t **out, kp_store *st, const char *cluster, const char *resource)
{
    kp_store_list_opts o = {.cluster = cluster, .resource = resource};
    int64_t rv;
    bool more;
    return kp_store_list(out, &rv, &more, st, &o);
}

/* Reads the four RBAC lists of cluster (I/O: called without kp_authz.mu). *out has one
 * reference. */
static int snap_load(authz_snap **out, kp_store *st, const char *cluster)
{
    json_t *roles_j = NULL, *crs_j = NULL, *rbs_j = NULL, *crbs_j = NULL;
    authz_role *roles, *crs;
    size_t nroles, ncrs, i;
    kp_arena *ar = NULL;
    authz_snap *s;
    int rc;

    if ((rc = list_all(&roles_j, st, cluster, RES_ROLES)) < 0 ||
        (rc = list_all(&crs_j, st, cluster, RES_CLUSTERROLES)) < 0 ||
        (rc = list_all(&rbs_j, st, cluster, RES_ROLEBINDINGS)) < 0 ||
        (rc = list_all(&crbs_j, st, cluster, RES_CLUSTERROLEBINDINGS)) < 0)
        goto out;

    ar = kp_arena_new();
    s = kp_arena_calloc(ar, 1, sizeof(*s));
    s->ar = ar;
    atomic_init(&s->refs, 1);
    roles = roles_parse(&nroles, ar, roles_j, false);
    crs = roles_parse(&ncrs, ar, crs_j, true);
    for (i = 0; i < ncrs; i++)
        role_aggregate(crs, ncrs, i, ar, 0);
    s->crbs = bindings_parse(&s->ncrbs, ar, crbs_j, true, roles, nroles, crs, ncrs);
    s->rbs = bindings_parse(&s->nrbs, ar, rbs_j, false, roles, nroles, crs, ncrs);
    for (i = 0; i < nroles; i++) /* the lists go below */
        roles[i].obj = NULL;
    for (i = 0; i < ncrs; i++)
        crs[i].obj = NULL;
    KP_LOG_DEBUG("authz",
                 "cluster \"%s\": %zu roles, %zu clusterroles, %zu rolebindings, "
                 "%zu clusterrolebindings",
                 cluster, nroles, ncrs, s->nrbs, s->ncrbs);
    *out = s;
    ar = NULL;
out:
    kp_arena_free(ar);
    json_decref(roles_j);
    json_decref(crs_j);
    json_decref(rbs_j);
    json_decref(crbs_j);
    return rc;
}

/* ---- the cache ---- */

static uint64_t hash_str(const char *s)
{
    return kp_hash_str(KP_HASH_INIT, s);
}

static authz_entry *entry_find(kp_authz *a, const char *cluster, uint64_t h)
{
    authz_entry *e = a->buckets[h & (a->nbuckets - 1)];
    for (; e; e = e->chain)
        if (e->hash == h && strcmp(e->cluster, cluster) == 0)
            return e;
    return NULL;
}

static void lru_unlink(authz_entry *e)
{
    e->lru_prev->lru_next = e->lru_next;
    e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(kp_authz *a, authz_entry *e)
{
    e->lru_prev = &a->lru;
    e->lru_next = a->lru.lru_next;
    a->lru.lru_next->lru_prev = e;
    a->lru.lru_next = e;
}

static void map_grow(kp_authz *a)
{
    size_t nb = a->nbuckets * 2, i;
    authz_entry **b = kp_calloc(nb, sizeof(*b));
    for (i = 0; i < a->nbuckets; i++) {
        authz_entry *e = a->buckets[i], *next;
        for (; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    }
    free(a->buckets);
    a->buckets = b;
    a->nbuckets = nb;
}

/* Unlinks e from the map and the LRU list and frees it; returns its snapshot for the caller to
 * release after unlocking. */
static authz_snap *entry_remove(kp_authz *a, authz_entry *e)
{
    authz_entry **pp = &a->buckets[e->hash & (a->nbuckets - 1)];
    authz_snap *s = e->snap;
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    lru_unlink(e);
    a->n--;
    free(e->cluster);
    free(e);
    return s;
}

/* Evicts least recently used entries beyond the cap, never keep nor one being loaded (its
 * loader will come back to it). The snapshots go to *drop (a list the caller releases after
 * unlocking). */
static void evict(kp_authz *a, const authz_entry *keep, authz_snap ***drop, size_t *ndrop)
{
    authz_entry *e = a->lru.lru_prev;
    while (a->n > a->max && e != &a->lru) {
        authz_entry *prev = e->lru_prev;
        if (!e->loader && e != keep) {
            authz_snap *s = entry_remove(a, e);
            a->stats.evictions++;
            if (s) {
                *drop = kp_realloc(*drop, (*ndrop + 1) * sizeof(**drop));
                (*drop)[(*ndrop)++] = s;
            }
        }
        e = prev;
    }
}

static void drop_all(authz_snap **drop, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snap_unref(drop[i]);
    free(drop);
}

static authz_entry *entry_add(kp_authz *a, const char *cluster, uint64_t h)
{
    authz_entry *e = kp_calloc(1, sizeof(*e));
    if (a->n >= a->nbuckets)
        map_grow(a);
    e->cluster = kp_strdup(cluster);
    e->hash = h;
    e->stamp = ++a->clock;
    e->chain = a->buckets[h & (a->nbuckets - 1)];
    a->buckets[h & (a->nbuckets - 1)] = e;
    lru_push_front(a, e);
    a->n++;
    return e;
}

/* *out gets a reference to the snapshot of cluster, loading it when it is not cached. */
static int snap_get(authz_snap **out, kp_authz *a, const char *cluster)
{
    uint64_t h = hash_str(cluster), token, stamp;
    authz_snap *s = NULL, **drop = NULL;
    size_t ndrop = 0;
    authz_entry *e;
    int rc;

    pthread_mutex_lock(&a->mu);
    for (;;) {
        if (!(e = entry_find(a, cluster, h))) {
            e = entry_add(a, cluster, h);
            evict(a, e, &drop, &ndrop);
        }
        if (e->snap) {
            atomic_fetch_add(&e->snap->refs, 1);
            *out = e->snap;
            a->stats.hits++;
            lru_unlink(e);
            lru_push_front(a, e);
            pthread_mutex_unlock(&a->mu);
            drop_all(drop, ndrop);
            return 0;
        }
        if (!e->loader)
            break;
        pthread_cond_wait(&a->cv, &a->mu); /* e may be gone when we wake: look again */
    }
    e->loader = token = ++a->clock;
    stamp = e->stamp;
    a->stats.loads++;
    pthread_mutex_unlock(&a->mu);
    drop_all(drop, ndrop);
    drop = NULL;
    ndrop = 0;

    rc = snap_load(&s, a->st, cluster);

    pthread_mutex_lock(&a->mu);
    e = entry_find(a, cluster, h);
    if (e && e->loader == token) {
        e->loader = 0;
        /* an invalidation while we read means our lists may predate the write: serve this
         * one request with them, but let the next one read again */
        if (rc == 0 && e->stamp == stamp) {
            atomic_fetch_add(&s->refs, 1);
            e->snap = s;
        }
        evict(a, e, &drop, &ndrop); /* the cap may have been passed while we were loading */
    }
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    drop_all(drop, ndrop);
    if (rc == 0)
        *out = s;
    return rc;
}

int kp_authz_new(kp_authz **out, kp_store *st)
{
    kp_authz *a = kp_calloc(1, sizeof(*a));
    a->st = st;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    a->nbuckets = BUCKETS_MIN;
    a->buckets = kp_calloc(a->nbuckets, sizeof(*a->buckets));
    a->max = KP_AUTHZ_CLUSTERS_MAX;
    a->lru.lru_next = a->lru.lru_prev = &a->lru;
    *out = a;
    return 0;
}

void kp_authz_free(kp_authz *a)
{
    if (!a)
        return;
    while (a->lru.lru_next != &a->lru)
        snap_unref(entry_remove(a, a->lru.lru_next));
    free(a->buckets);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

void kp_authz_set_max_clusters(kp_authz *a, size_t max)
{
    authz_snap **drop = NULL;
    size_t ndrop = 0;
    pthread_mutex_lock(&a->mu);
    a->max = max ? max : 1;
    evict(a, &a->lru, &drop, &ndrop); /* the sentinel: nothing to keep */
    pthread_mutex_unlock(&a->mu);
    drop_all(drop, ndrop);
}

void kp_authz_invalidate(kp_authz *a, const char *cluster)
{
    uint64_t h = hash_str(cluster);
    authz_snap *s = NULL;
    authz_entry *e;

    pthread_mutex_lock(&a->mu);
    if ((e = entry_find(a, cluster, h))) {
        if (e->loader) { /* keep it for its loader, who must not install what it read */
            e->stamp = ++a->clock;
            s = e->snap;
            e->snap = NULL;
        } else {
            s = entry_remove(a, e); /* a deleted workspace leaves nothing behind */
        }
    }
    pthread_mutex_unlock(&a->mu);
    snap_unref(s);
}

void kp_authz_get_stats(kp_authz_stats *out, kp_authz *a)
{
    pthread_mutex_lock(&a->mu);
    *out = a->stats;
    out->clusters = a->n;
    pthread_mutex_unlock(&a->mu);
}

/* ---- evaluation ---- */

static bool is_master(const kp_authz_user *u)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (u->groups[i] && strcmp(u->groups[i], MASTERS_GROUP) == 0)
            return true;
    return false;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* k8s: appliesTo, the first subject of b that is u, or NULL. */
static const authz_subject *binding_applies(const authz_binding *b, const kp_authz_user *u)
{
    const char *name = nz(u->name);
    for (size_t i = 0; i < b->nsubjects; i++) {
        const authz_subject *s = &b->subjects[i];
        switch (s->kind) {
        case SUBJ_USER:
            if (strcmp(name, s->name) == 0)
                return s;
            break;
        case SUBJ_GROUP:
            for (size_t g = 0; g < u->ngroups; g++)
                if (u->groups[g] && strcmp(u->groups[g], s->name) == 0)
                    return s;
            break;
        case SUBJ_SA:
            if (s->sa_user && strcmp(name, s->sa_user) == 0)
                return s;
            break;
        case SUBJ_OTHER:
            break;
        }
    }
    return NULL;
}

static bool strv_has(const strv *v, const char *want, const char *all)
{
    for (size_t i = 0; i < v->n; i++)
        if ((all && strcmp(v->v[i], all) == 0) || strcmp(v->v[i], want) == 0)
            return true;
    return false;
}

/* k8s: ResourceMatches with combined = resource[/subresource]; "*" and "*" "/" sub match too. */
static bool resource_matches(const strv *v, const char *res, const char *sub)
{
    size_t rlen = strlen(res);
    for (size_t i = 0; i < v->n; i++) {
        const char *r = v->v[i];
        if (strcmp(r, "*") == 0)
            return true;
        if (!sub[0]) {
            if (strcmp(r, res) == 0)
                return true;
            continue;
        }
        if (strncmp(r, res, rlen) == 0 && r[rlen] == '/' && strcmp(r + rlen + 1, sub) == 0)
            return true;
        if (r[0] == '*' && r[1] == '/' && strcmp(r + 2, sub) == 0)
            return true;
    }
    return false;
}

/* k8s: NonResourceURLMatches: "*", exact, or a prefix ending in "*" (all trailing stars off). */
static bool url_matches(const strv *v, const char *path)
{
    for (size_t i = 0; i < v->n; i++) {
        const char *u = v->v[i];
        size_t n = strlen(u);
        if (strcmp(u, "*") == 0 || strcmp(u, path) == 0)
            return true;
        if (n > 0 && u[n - 1] == '*') {
            while (n > 0 && u[n - 1] == '*')
                n--;
            if (strncmp(path, u, n) == 0)
                return true;
        }
    }
    return false;
}

/* k8s: RuleAllows */
static bool rule_allows(const authz_rule *r, const kp_authz_attrs *at)
{
    if (!strv_has(&r->verbs, at->verb, "*"))
        return false;
    if (!at->resource)
        return url_matches(&r->urls, nz(at->path));
    return strv_has(&r->groups, nz(at->group), "*") &&
           resource_matches(&r->resources, at->resource, nz(at->subresource)) &&
           (r->names.n == 0 || strv_has(&r->names, nz(at->name), NULL));
}

typedef bool (*visit_fn)(void *arg, const authz_binding *b, const authz_subject *s);

/* k8s: VisitRulesFor: ClusterRoleBindings, then the RoleBindings of ns; fn returns false to
 * stop. */
static void snap_visit(const authz_snap *s, const kp_authz_user *u, const char *ns, visit_fn fn,
                       void *arg)
{
    size_t i, lo = 0, hi = s->nrbs;
    const authz_subject *subj;

    for (i = 0; i < s->ncrbs; i++)
        if ((subj = binding_applies(&s->crbs[i], u)) && !fn(arg, &s->crbs[i], subj))
            return;
    if (!ns || !ns[0])
        return;
    while (lo < hi) { /* the first RoleBinding of ns */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->rbs[mid].ns, ns) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (i = lo; i < s->nrbs && strcmp(s->rbs[i].ns, ns) == 0; i++)
        if ((subj = binding_applies(&s->rbs[i], u)) && !fn(arg, &s->rbs[i], subj))
            return;
}

typedef struct {
    const kp_authz_attrs *at;
    const authz_binding *by; /* allowed by */
    const authz_subject *subj;
    const char **errs; /* unique resolution errors, in order */
    size_t nerrs;
} check_state;

static bool check_visit(void *arg, const authz_binding *b, const authz_subject *subj)
{
    check_state *cs = arg;
    size_t i;

    if (b->err) {
        for (i = 0; i < cs->nerrs; i++) /* k8s: utilerrors.Aggregate prints each once */
            if (strcmp(cs->errs[i], b->err) == 0)
                return true;
        cs->errs = kp_realloc(cs->errs, (cs->nerrs + 1) * sizeof(*cs->errs));
        cs->errs[cs->nerrs++] = b->err;
        return true;
    }
    for (i = 0; i < b->nrules; i++) {
        if (rule_allows(b->rules[i], cs->at)) {
            cs->by = b;
            cs->subj = subj;
            return false;
        }
    }
    return true;
}

/* k8s: describeSubject */
static void describe_subject(kp_buf *r, const authz_subject *s, const char *bns)
{
    kp_buf_puts(r, s->kind_name);
    kp_buf_putc(r, ' ');
    if (s->kind == SUBJ_SA) {
        char *v = kp_asprintf("%s/%s", s->name, s->ns[0] ? s->ns : bns);
        quote(r, v);
        free(v);
    } else {
        quote(r, s->name);
    }
}

/* "RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "alice"" */
static void reason_allowed(kp_buf *r, const authz_binding *b, const authz_subject *s)
{
    kp_buf_puts(r, "RBAC: allowed by ");
    if (b->ns[0]) {
        char *v = kp_asprintf("%s/%s", b->name, b->ns);
        kp_buf_puts(r, "RoleBinding ");
        quote(r, v);
        free(v);
    } else {
        kp_buf_puts(r, "ClusterRoleBinding ");
        quote(r, b->name);
    }
    kp_buf_appendf(r, " of %s ", b->ref_kind);
    quote(r, b->ref_name);
    kp_buf_puts(r, " to ");
    describe_subject(r, s, b->ns);
}

/* "RBAC: e" or "RBAC: [e1, e2]" (utilerrors.NewAggregate), "" without errors */
static void reason_denied(kp_buf *r, const check_state *cs)
{
    if (cs->nerrs == 0)
        return;
    kp_buf_puts(r, cs->nerrs > 1 ? "RBAC: [" : "RBAC: ");
    for (size_t i = 0; i < cs->nerrs; i++) {
        if (i)
            kp_buf_puts(r, ", ");
        kp_buf_puts(r, cs->errs[i]);
    }
    if (cs->nerrs > 1)
        kp_buf_putc(r, ']');
}

static void reason_set(const kp_buf *r)
{
    int n = snprintf(tls_reason, sizeof(tls_reason), "%s", kp_buf_cstr(r));
    if (n < 0)
        tls_reason[0] = '\0'; /* a longer reason is cut: it is informational */
}

/* Appends s with & < > escaped (k8s: responsewriters' sanitizer, so a message never looks like
 * HTML). */
static void put_sanitized(kp_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            kp_buf_puts(b, "&amp;");
        else if (*s == '<')
            kp_buf_puts(b, "&lt;");
        else if (*s == '>')
            kp_buf_puts(b, "&gt;");
        else
            kp_buf_putc(b, *s);
    }
}

/* k8s: responsewriters.Forbidden: apierrors.NewForbidden(group/resource, name,
 * forbiddenMessage(attributes) [": " reason]). */
static int forbidden(const kp_authz_user *u, const kp_authz_attrs *at, const char *reason)
{
    kp_buf m, fm;
    int rc;

    kp_buf_init(&m, MSG_MAX);
    kp_buf_init(&fm, MSG_MAX);
    /* forbiddenMessage */
    kp_buf_puts(&fm, "User ");
    quote(&fm, nz(u->name));
    kp_buf_appendf(&fm, " cannot %s ", at->verb);
    if (!at->resource) {
        kp_buf_puts(&fm, "path ");
        quote(&fm, nz(at->path));
    } else {
        char *res = at->subresource && at->subresource[0]
                        ? kp_asprintf("%s/%s", at->resource, at->subresource)
                        : kp_strdup(at->resource);
        kp_buf_puts(&fm, "resource ");
        quote(&fm, res);
        kp_buf_puts(&fm, " in API group ");
        quote(&fm, nz(at->group));
        if (at->ns && at->ns[0]) {
            kp_buf_puts(&fm, " in the namespace ");
            quote(&fm, at->ns);
        } else {
            kp_buf_puts(&fm, " at the cluster scope");
        }
        free(res);
    }
    /* NewForbidden: GroupResource.String() is resource[.group] */
    if (!at->resource || (!at->resource[0] && !(at->group && at->group[0]))) {
        kp_buf_puts(&m, "forbidden: ");
    } else {
        kp_buf_puts(&m, at->resource);
        if (at->group && at->group[0])
            kp_buf_appendf(&m, ".%s", at->group);
        if (at->name && at->name[0]) {
            kp_buf_putc(&m, ' ');
            quote(&m, at->name);
        }
        kp_buf_puts(&m, " is forbidden: ");
    }
    put_sanitized(&m, kp_buf_cstr(&fm));
    if (reason[0])
        kp_buf_appendf(&m, ": %s", reason);
    rc = kp_err_set(KP_EFORBIDDEN, "%s", kp_buf_cstr(&m)); /* a cut message is still the answer */
    kp_buf_dispose(&m);
    kp_buf_dispose(&fm);
    return rc;
}

int kp_authz_check(kp_authz *a, const char *cluster, const kp_authz_user *u,
                   const kp_authz_attrs *at, const char **reason_out)
{
    check_state cs = {.at = at};
    authz_snap *s = NULL;
    kp_buf r;
    int rc;

    assert(a && cluster && u && at && at->verb);
    tls_reason[0] = '\0';
    if (reason_out)
        *reason_out = tls_reason;
    /* k8s: the privileged group authorizer runs before RBAC; its reason is empty */
    if (is_master(u))
        return 0;
    if ((rc = snap_get(&s, a, cluster)) < 0)
        return rc;
    /* k8s: a non-resource request has no namespace */
    snap_visit(s, u, at->resource ? at->ns : NULL, check_visit, &cs);
    kp_buf_init(&r, REASON_MAX);
    if (cs.by) {
        reason_allowed(&r, cs.by, cs.subj);
        rc = 0;
    } else {
        reason_denied(&r, &cs);
        rc = forbidden(u, at, kp_buf_cstr(&r));
    }
    reason_set(&r);
    kp_buf_dispose(&r);
    free(cs.errs);
    snap_unref(s);
    return rc;
}

/* ---- SelfSubjectRulesReview ---- */

static json_t *strv_json(const strv *v)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append_new(arr, json_string(v->v[i]));
    return arr;
}

/* Sets key to v's strings unless v is empty (the fields are omitempty, but verbs). */
static void put_strv(json_t *o, const char *key, const strv *v, bool always)
{
    if (v->n || always)
        json_object_set_new(o, key, strv_json(v));
}

typedef struct {
    json_t *rr, *nrr;
} rules_state;

/* k8s: RBACAuthorizer.RulesFor: a rule with resources is a resource rule, one with
 * nonResourceURLs a non-resource rule (one with both is both). */
static bool rules_visit(void *arg, const authz_binding *b, const authz_subject *subj)
{
    rules_state *rs = arg;
    (void)subj;
    for (size_t i = 0; i < b->nrules; i++) { /* an unresolved role has none */
        const authz_rule *r = b->rules[i];
        if (r->resources.n) {
            json_t *o = json_object();
            put_strv(o, "verbs", &r->verbs, true);
            put_strv(o, "apiGroups", &r->groups, false);
            put_strv(o, "resources", &r->resources, false);
            put_strv(o, "resourceNames", &r->names, false);
            json_array_append_new(rs->rr, o);
        }
        if (r->urls.n) {
            json_t *o = json_object();
            put_strv(o, "verbs", &r->verbs, true);
            put_strv(o, "nonResourceURLs", &r->urls, false);
            json_array_append_new(rs->nrr, o);
        }
    }
    return true;
}

int kp_authz_rules(json_t **resource_rules, json_t **non_resource_rules, kp_authz *a,
                   const char *cluster, const kp_authz_user *u, const char *ns)
{
    rules_state rs = {json_array(), json_array()};
    authz_snap *s = NULL;
    int rc;

    assert(a && cluster && u);
    *resource_rules = *non_resource_rules = NULL;
    if ((rc = snap_get(&s, a, cluster)) < 0)
        goto out;
    if (is_master(u)) { /* what the bootstrap ClusterRoleBinding "cluster-admin" grants */
        json_array_append_new(rs.rr, json_pack("{s:[s], s:[s], s:[s]}", "verbs", "*", "apiGroups",
                                               "*", "resources", "*"));
        json_array_append_new(rs.nrr,
                              json_pack("{s:[s], s:[s]}", "verbs", "*", "nonResourceURLs", "*"));
    }
    snap_visit(s, u, ns, rules_visit, &rs);
    *resource_rules = rs.rr;
    *non_resource_rules = rs.nrr;
    rs.rr = rs.nrr = NULL;
out:
    json_decref(rs.rr);
    json_decref(rs.nrr);
    snap_unref(s);
    return rc;
}
