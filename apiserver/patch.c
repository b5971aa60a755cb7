#include "lib/common.h"
#include "apiserver/patch.h"
#include "apiserver/openapi.h"
#include "lib/limits.h"
#include "lib/sv.h"

#include <stdarg.h>

/* k8s: JSONPatchMaxCopyBytes, the default in apiserver/pkg/server/config.go: what all "copy"
 * operations of one JSON patch may add together (json-patch's AccumulatedCopySizeLimit). */
#define PATCH_COPY_MAX (3 * 1024 * 1024)
/* Nodes walked, over one JSON patch, to check how deep values land. Moves are free in
 * kube-apiserver, but here each move of a subtree to a deeper place walks it, and 10,000 of
 * them over a large subtree would otherwise cost minutes. */
#define PATCH_VISIT_MAX (16 * 1024 * 1024)
#define NOT_FOUND SIZE_MAX

/* ---- shared ---------------------------------------------------------------------------- */

/* json_deep_copy() returns NULL only when out of memory: abort then, as kp_malloc() does. */
static json_t *patch_dup(const json_t *v)
{
    json_t *c = json_deep_copy(v);
    if (!c)
        abort();
    return c;
}

/* Whether v nests deeper than cap (a scalar is 0, each array or object adds 1). The walk stops
 * cap levels down, so the stack stays bounded whatever v is; *visits counts the nodes seen. */
static bool depth_exceeds(const json_t *v, int cap, size_t *visits)
{
    json_t *c;

    (*visits)++;
    if (json_is_object(v)) {
        const char *k;
        if (cap < 1)
            return true;
        json_object_foreach((json_t *)v, k, c)
        {
            if (depth_exceeds(c, cap - 1, visits))
                return true;
        }
    } else if (json_is_array(v)) {
        size_t i;
        if (cap < 1)
            return true;
        json_array_foreach(v, i, c)
        {
            if (depth_exceeds(c, cap - 1, visits))
                return true;
        }
    }
    return false;
}

typedef struct {
    size_t n, cap;
} size_count;

static int size_cb(const char *buf, size_t size, void *data)
{
    size_count *sc = data;
    (void)buf;
    sc->n += size;
    return sc->n > sc->cap ? -1 : 0; /* -1 makes jansson stop dumping */
}

/* Bytes of v serialized compactly, or cap + 1 once that passes cap. Counts without keeping
 * the text. */
static size_t json_size_capped(const json_t *v, size_t cap)
{
    size_count sc = {0, cap};
    json_dump_callback(v, size_cb, &sc, JSON_COMPACT | JSON_ENCODE_ANY);
    return sc.n > cap ? cap + 1 : sc.n;
}

/* Inputs past the nesting cap are refused before any recursive walk over them. */
static int patch_check_input(const json_t *orig, const json_t *patch)
{
    size_t visits = 0;
    if (depth_exceeds(orig, KP_JSON_DEPTH_MAX, &visits) ||
        depth_exceeds(patch, KP_JSON_DEPTH_MAX, &visits))
        return kp_err_set(KP_EBADREQUEST, "JSON nesting is deeper than %d levels",
                          KP_JSON_DEPTH_MAX);
    return 0;
}

/* A result kplane could not store is refused here, with the 422 lib/limits.h gives oversized
 * objects. k8s: kube-apiserver has no such check; etcd refuses the write ("request is too
 * large") and the apiserver passes that on as a 500 (kubernetes#112152). */
static int patch_check_result(const json_t *v)
{
    size_t visits = 0;
    if (depth_exceeds(v, KP_JSON_DEPTH_MAX, &visits))
        return kp_err_set(KP_EINVALID, "the patched object is nested deeper than %d levels",
                          KP_JSON_DEPTH_MAX);
    if (json_size_capped(v, KP_OBJECT_MAX) > KP_OBJECT_MAX)
        return kp_err_set(KP_EINVALID, "the patched object is larger than %d bytes", KP_OBJECT_MAX);
    return 0;
}

/* ---- RFC 7386 JSON merge patch ---------------------------------------------------------- */

/* RFC 7386 section 2, MergePatch(Target, Patch). dst is consumed (NULL when absent); returns
 * the merged value. Recursion follows the patch, whose depth is capped. */
static json_t *merge_apply(json_t *dst, const json_t *patch)
{
    const char *k;
    size_t klen;
    json_t *pv;

    if (!json_is_object(patch)) {
        json_decref(dst);
        return patch_dup(patch);
    }
    if (!json_is_object(dst)) {
        json_decref(dst);
        dst = json_object();
    }
    json_object_keylen_foreach((json_t *)patch, k, klen, pv)
    {
        if (json_is_null(pv)) {
            json_object_deln(dst, k, klen);
            continue;
        }
        json_object_setn_new(dst, k, klen,
                             merge_apply(json_incref(json_object_getn(dst, k, klen)), pv));
    }
    return dst;
}

int kp_patch_merge(json_t **out, const json_t *orig, const json_t *patch)
{
    json_t *res = NULL;
    int rc;

    assert(out && orig && patch);
    if ((rc = patch_check_input(orig, patch)) < 0)
        return rc;
    res = merge_apply(patch_dup(orig), patch);
    if ((rc = patch_check_result(res)) < 0)
        goto out;
    *out = res; /* ownership moves to the caller */
    res = NULL;
out:
    json_decref(res);
    return rc;
}

/* ---- RFC 6902 JSON patch ---------------------------------------------------------------- */

typedef struct {
    size_t copied; /* bytes "copy" operations added so far */
    size_t visits; /* nodes walked by depth checks so far */
} jp_state;

/* An RFC 6901 pointer split into unescaped tokens. */
typedef struct {
    const char *text; /* as sent, for messages; borrowed from the operation */
    char *buf;        /* the tokens back to back; owned */
    kp_sv *tok;       /* owned */
    size_t n;
} jptr;

/* k8s: kube-apiserver answers every operation that fails with one 422 and the message
 * "the server rejected our request due to an error in our request" (NewGenericServerResponse
 * in apiserver/pkg/endpoints/handlers/patch.go); kplane says which operation and why. */
static int jp_fail(size_t op, const char *fmt, ...) KP_PRINTF(2, 3);
static int jp_fail(size_t op, const char *fmt, ...)
{
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return kp_err_set(KP_EINVALID,
                      "the server rejected our request due to an error in our request: "
                      "operation %zu: %s",
                      op, detail);
}

static void jptr_dispose(jptr *p)
{
    free(p->buf);
    free(p->tok);
}

/* RFC 6901: "" is the whole document; otherwise each "/" starts a token in which "~1" stands
 * for "/" and "~0" for "~". Any other "~" is an error. */
static int jptr_parse(jptr *p, const json_t *op, const char *member, size_t opno)
{
    const json_t *s = json_object_get(op, member);
    const char *str;
    size_t len, ntok = 0, i = 1;
    char *w;

    memset(p, 0, sizeof(*p));
    if (!json_is_string(s))
        return jp_fail(opno, "\"%s\" is missing or not a string", member);
    str = json_string_value(s);
    len = json_string_length(s);
    p->text = str;
    if (len == 0)
        return 0;
    if (str[0] != '/')
        return jp_fail(opno, "%s \"%s\" does not start with \"/\"", member, str);
    for (size_t j = 0; j < len; j++)
        ntok += str[j] == '/';
    p->buf = kp_malloc(len);
    p->tok = kp_calloc(ntok, sizeof(*p->tok));
    w = p->buf;
    for (size_t t = 0; t < ntok; t++, i++) {
        char *start = w;
        while (i < len && str[i] != '/') {
            if (str[i] != '~') {
                *w++ = str[i++];
                continue;
            }
            if (i + 1 >= len || (str[i + 1] != '0' && str[i + 1] != '1'))
                return jp_fail(opno, "%s \"%s\" has a \"~\" not followed by 0 or 1", member, str);
            *w++ = str[i + 1] == '0' ? '~' : '/';
            i += 2;
        }
        p->tok[t] = (kp_sv){start, (size_t)(w - start)};
    }
    p->n = ntok;
    return 0;
}

/* RFC 6901 section 4: an array index is "0" or digits without a leading zero, below the size;
 * "-", the element after the last, and the size itself are places only "add" can use. */
static bool jp_index(size_t *out, kp_sv tok, size_t size, bool add)
{
    size_t v = 0;

    if (add && tok.len == 1 && tok.p[0] == '-') {
        *out = size;
        return true;
    }
    if (tok.len == 0 || tok.len > 18 || (tok.p[0] == '0' && tok.len > 1))
        return false;
    for (size_t i = 0; i < tok.len; i++) {
        if (tok.p[i] < '0' || tok.p[i] > '9')
            return false;
        v = v * 10 + (size_t)(tok.p[i] - '0');
    }
    if (add ? v > size : v >= size)
        return false;
    *out = v;
    return true;
}

/* *out = the value the first n tokens of p name in doc (borrowed). */
static int jp_walk(json_t **out, json_t *doc, const jptr *p, size_t n, size_t op)
{
    json_t *cur = doc;

    for (size_t i = 0; i < n; i++) {
        json_t *next = NULL;
        size_t idx;
        if (json_is_object(cur))
            next = json_object_getn(cur, p->tok[i].p, p->tok[i].len);
        else if (json_is_array(cur) && jp_index(&idx, p->tok[i], json_array_size(cur), false))
            next = json_array_get(cur, idx);
        if (!next)
            return jp_fail(op, "doc is missing path \"%s\"", p->text);
        cur = next;
    }
    *out = cur;
    return 0;
}

/* The document stays within KP_JSON_DEPTH_MAX after every operation, so jansson's recursive
 * copy and free never meet a deeper tree: a value placed at p sits under p->n containers. */
static int jp_depth_ok(const json_t *val, const jptr *p, size_t op, jp_state *st)
{
    if (p->n > KP_JSON_DEPTH_MAX || depth_exceeds(val, KP_JSON_DEPTH_MAX - (int)p->n, &st->visits))
        return jp_fail(op, "the value at \"%s\" would nest deeper than %d levels", p->text,
                       KP_JSON_DEPTH_MAX);
    if (st->visits > PATCH_VISIT_MAX)
        return jp_fail(op, "the patch moves more than %d nodes deeper", PATCH_VISIT_MAX);
    return 0;
}

/* Puts val (consumed on every path) at p: "add" inserts into arrays and sets members,
 * "replace" (replace = true) overwrites a value that must exist. */
static int jp_put(json_t **doc, const jptr *p, json_t *val, bool replace, size_t op)
{
    json_t *parent;
    kp_sv last;
    size_t idx;
    int rc;

    if (p->n == 0) { /* the whole document */
        json_decref(*doc);
        *doc = val;
        return 0;
    }
    if ((rc = jp_walk(&parent, *doc, p, p->n - 1, op)) < 0)
        goto fail;
    last = p->tok[p->n - 1];
    if (json_is_object(parent)) {
        if (replace && !json_object_getn(parent, last.p, last.len)) {
            rc = jp_fail(op, "doc is missing path \"%s\"", p->text);
            goto fail;
        }
        /* jansson takes val even when it fails (a key that is not UTF-8) */
        if (json_object_setn_new(parent, last.p, last.len, val) < 0)
            return jp_fail(op, "cannot set the member at \"%s\"", p->text);
        return 0;
    }
    if (json_is_array(parent)) {
        if (!jp_index(&idx, last, json_array_size(parent), !replace)) {
            rc = jp_fail(op, "index \"%.*s\" of \"%s\" is not in the array of %zu elements",
                         KP_SV_ARG(last), p->text, json_array_size(parent));
            goto fail;
        }
        if ((replace ? json_array_set_new(parent, idx, val)
                     : json_array_insert_new(parent, idx, val)) < 0)
            return jp_fail(op, "cannot set \"%s\"", p->text);
        return 0;
    }
    rc = jp_fail(op, "doc is missing path \"%s\": its parent is not an object or array", p->text);
fail:
    json_decref(val);
    return rc;
}

/* Removes the value at p; *out (when not NULL) gets it, owned. */
static int jp_take(json_t **out, json_t *doc, const jptr *p, size_t op)
{
    json_t *parent, *v = NULL;
    size_t idx;
    kp_sv last;
    int rc;

    if (p->n == 0)
        return jp_fail(op, "cannot remove the whole document");
    if ((rc = jp_walk(&parent, doc, p, p->n - 1, op)) < 0)
        return rc;
    last = p->tok[p->n - 1];
    if (json_is_object(parent) && (v = json_object_getn(parent, last.p, last.len))) {
        json_incref(v);
        json_object_deln(parent, last.p, last.len);
    } else if (json_is_array(parent) && jp_index(&idx, last, json_array_size(parent), false)) {
        v = json_incref(json_array_get(parent, idx));
        json_array_remove(parent, idx);
    } else
        return jp_fail(op, "doc is missing path \"%s\"", p->text);
    if (out)
        *out = v;
    else
        json_decref(v);
    return 0;
}

/* RFC 6902 section 4.6: numbers compare by value (10 equals 10.0), objects ignore member
 * order. Recursion stops where either side stops being a container, and b is the patch's
 * value, whose depth is capped. */
static bool jp_equal(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_string(a))
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!jp_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_object(a)) {
        const char *k;
        size_t klen;
        json_t *v;
        if (json_object_size(a) != json_object_size(b))
            return false;
        json_object_keylen_foreach((json_t *)a, k, klen, v)
        {
            const json_t *w = json_object_getn(b, k, klen);
            if (!w || !jp_equal(v, w))
                return false;
        }
        return true;
    }
    return true; /* null, true, false */
}

static bool jptr_eq(const jptr *a, const jptr *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!kp_sv_eq(a->tok[i], b->tok[i]))
            return false;
    return true;
}

/* RFC 6902 section 4.5. The copies of one patch may add PATCH_COPY_MAX bytes in all. */
static int jp_copy(json_t **doc, const jptr *from, const jptr *path, size_t op, jp_state *st)
{
    json_t *v;
    int rc;

    if ((rc = jp_walk(&v, *doc, from, from->n, op)) < 0 || (rc = jp_depth_ok(v, path, op, st)) < 0)
        return rc;
    st->copied += json_size_capped(v, PATCH_COPY_MAX - st->copied);
    if (st->copied > PATCH_COPY_MAX)
        return jp_fail(op, "the accumulated size increase of copy exceeds %d bytes",
                       PATCH_COPY_MAX);
    return jp_put(doc, path, patch_dup(v), false, op);
}

/* RFC 6902 section 4.4: remove at from, then add at path (evaluated after the removal). */
static int jp_move(json_t **doc, const jptr *from, const jptr *path, size_t op, jp_state *st)
{
    json_t *v;
    int rc;

    if (from->n == path->n && jptr_eq(from, path, path->n))
        return jp_walk(&v, *doc, from, from->n, op); /* in place: from must still exist */
    if (from->n < path->n && jptr_eq(from, path, from->n))
        return jp_fail(op, "cannot move \"%s\" into its own child \"%s\"", from->text, path->text);
    if ((rc = jp_take(&v, *doc, from, op)) < 0)
        return rc;
    /* v sat under from->n containers within the cap: only a deeper place needs a walk */
    if (path->n > from->n && (rc = jp_depth_ok(v, path, op, st)) < 0) {
        json_decref(v);
        return rc;
    }
    return jp_put(doc, path, v, false, op);
}

/* One operation of RFC 6902 section 4 on *doc; members other than op, path, from and value
 * are ignored (appendix A.11). */
static int jp_apply(json_t **doc, const json_t *op, size_t i, jp_state *st)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const json_t *value = json_object_get(op, "value");
    jptr path, from;
    json_t *cur;
    int rc;

    memset(&from, 0, sizeof(from));
    if (!name)
        return jp_fail(i, "\"op\" is missing or not a string");
    if ((rc = jptr_parse(&path, op, "path", i)) < 0)
        goto out;
    if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
        if (!value)
            rc = jp_fail(i, "%s needs a \"value\"", name);
        else if ((rc = jp_depth_ok(value, &path, i, st)) == 0)
            rc = jp_put(doc, &path, patch_dup(value), name[0] == 'r', i);
    } else if (strcmp(name, "remove") == 0) {
        rc = jp_take(NULL, *doc, &path, i);
    } else if (strcmp(name, "test") == 0) {
        if (!value)
            rc = jp_fail(i, "test needs a \"value\"");
        else if ((rc = jp_walk(&cur, *doc, &path, path.n, i)) == 0 && !jp_equal(cur, value))
            rc = jp_fail(i, "testing value \"%s\" failed", path.text);
    } else if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
        if ((rc = jptr_parse(&from, op, "from", i)) == 0)
            rc = name[0] == 'm' ? jp_move(doc, &from, &path, i, st)
                                : jp_copy(doc, &from, &path, i, st);
    } else {
        rc = jp_fail(i, "unsupported op \"%s\"", name);
    }
out:
    jptr_dispose(&path);
    jptr_dispose(&from);
    return rc;
}

int kp_patch_json(json_t **out, const json_t *orig, const json_t *ops)
{
    json_t *doc = NULL;
    jp_state st = {0, 0};
    size_t n;
    int rc;

    assert(out && orig && ops);
    /* k8s: a body jsonpatch.DecodePatch rejects is a 400 */
    if (!json_is_array(ops))
        return kp_err_set(KP_EBADREQUEST, "a JSON patch must be an array of operations");
    n = json_array_size(ops);
    for (size_t i = 0; i < n; i++)
        if (!json_is_object(json_array_get(ops, i)))
            return kp_err_set(KP_EBADREQUEST, "JSON patch operation %zu is not an object", i);
    /* k8s: NewRequestEntityTooLargeError past maxJSONPatchOperations, after decoding */
    if (n > KP_PATCH_OPS_MAX)
        return kp_err_set(KP_ETOOLARGE,
                          "the allowed maximum operations in a JSON patch is %d, got %zu",
                          KP_PATCH_OPS_MAX, n);
    if ((rc = patch_check_input(orig, ops)) < 0)
        return rc;
    doc = patch_dup(orig); /* RFC 6902 section 5: all or nothing; orig stays as it was */
    for (size_t i = 0; i < n; i++)
        if ((rc = jp_apply(&doc, json_array_get(ops, i), i, &st)) < 0)
            goto out;
    if ((rc = patch_check_result(doc)) < 0)
        goto out;
    *out = doc; /* ownership moves to the caller */
    doc = NULL;
out:
    json_decref(doc);
    return rc;
}

/* ---- strategic merge patch -------------------------------------------------------------- */

/* The built-in kinds of apiserver/schema.c, and Scale, the kind of their /scale subresource
 * (autoscaling/v1: no list fields, metadata aside). Custom resources have no Go struct tags to read
 * strategies from, so kube-apiserver refuses strategic merge patches for them with a 415. */
enum {
    K_NAMESPACE,
    K_CONFIGMAP,
    K_SECRET,
    K_SERVICEACCOUNT,
    K_SERVICE,
    K_ENDPOINTS,
    K_POD,
    K_EVENT, /* core/v1 and events.k8s.io/v1: neither has strategies */
    K_LIMITRANGE,
    K_RESOURCEQUOTA,
    K_PVC,
    K_DEPLOYMENT,
    K_REPLICASET,
    K_STATEFULSET,
    K_DAEMONSET,
    K_JOB,
    K_CRONJOB,
    K_INGRESS,
    K_NETWORKPOLICY,
    K_ROLE,
    K_ROLEBINDING,
    K_CLUSTERROLE,
    K_CLUSTERROLEBINDING,
    K_LEASE,
    K_PDB,
    K_HPA,
    K_SCALE,
    K_PRIORITYCLASS,
    K_NODE,
    K_ENDPOINTSLICE,
    K_COUNT
};

static const char *const smp_kinds[K_COUNT] = {
    [K_NAMESPACE] = "Namespace",
    [K_CONFIGMAP] = "ConfigMap",
    [K_SECRET] = "Secret",
    [K_SERVICEACCOUNT] = "ServiceAccount",
    [K_SERVICE] = "Service",
    [K_ENDPOINTS] = "Endpoints",
    [K_POD] = "Pod",
    [K_EVENT] = "Event",
    [K_LIMITRANGE] = "LimitRange",
    [K_RESOURCEQUOTA] = "ResourceQuota",
    [K_PVC] = "PersistentVolumeClaim",
    [K_DEPLOYMENT] = "Deployment",
    [K_REPLICASET] = "ReplicaSet",
    [K_STATEFULSET] = "StatefulSet",
    [K_DAEMONSET] = "DaemonSet",
    [K_JOB] = "Job",
    [K_CRONJOB] = "CronJob",
    [K_INGRESS] = "Ingress",
    [K_NETWORKPOLICY] = "NetworkPolicy",
    [K_ROLE] = "Role",
    [K_ROLEBINDING] = "RoleBinding",
    [K_CLUSTERROLE] = "ClusterRole",
    [K_CLUSTERROLEBINDING] = "ClusterRoleBinding",
    [K_LEASE] = "Lease",
    [K_PDB] = "PodDisruptionBudget",
    [K_HPA] = "HorizontalPodAutoscaler",
    [K_SCALE] = "Scale",
    [K_PRIORITYCLASS] = "PriorityClass",
    [K_NODE] = "Node", /* cluster-sim's nodes: kubectl cordon sends one */
    [K_ENDPOINTSLICE] = "EndpointSlice",
};

/* patchStrategy "merge": lists merge on their key, scalars as a set; "retainKeys": only guides
 * clients computing patches (the server honours "$retainKeys" wherever a patch sends it);
 * "replace": a map is replaced whole */
enum {
    SMP_MERGE = KP_PATCH_MERGE,
    SMP_RETAIN_KEYS = KP_PATCH_RETAIN_KEYS,
    SMP_REPLACE = KP_PATCH_REPLACE,
};

/* The patch strategies come from the one place kplane keeps them, the OpenAPI field tables
 * (the k8s.io/api struct tags): a field they do not give one has none, so maps merge and lists
 * are replaced, as in a JSON merge patch. */
typedef kp_patch_meta smp_rule;

#define SMP_PATH_MAX (KP_JSON_DEPTH_MAX + 1)

typedef struct {
    const char *kind;         /* the kind being patched */
    kp_sv path[SMP_PATH_MAX]; /* field names from the root to the value being merged */
    size_t depth;
    char where[256]; /* the path as text, for messages */
} smp_ctx;

static const char SMP_DELETE_LIST[] = "$deleteFromPrimitiveList";
static const char SMP_SET_ORDER[] = "$setElementOrder";

static int smp_kind(const char *kind)
{
    for (int i = 0; kind && i < K_COUNT; i++)
        if (strcmp(smp_kinds[i], kind) == 0)
            return i;
    return -1;
}

bool kp_patch_strategic_known(const char *kind)
{
    return smp_kind(kind) >= 0;
}

static void smp_push(smp_ctx *c, const char *k, size_t klen)
{
    assert(c->depth < SMP_PATH_MAX); /* one level per patch object, and the patch is capped */
    c->path[c->depth++] = (kp_sv){k, klen};
}

static void smp_pop(smp_ctx *c)
{
    c->depth--;
}

/* The dotted path being merged, for messages; borrowed from c until the next call. */
static const char *smp_where(smp_ctx *c)
{
    size_t used = 0;

    c->where[0] = '\0';
    for (size_t i = 0; i < c->depth && used < sizeof(c->where); i++) {
        int n = snprintf(c->where + used, sizeof(c->where) - used, "%s%.*s", i ? "." : "",
                         KP_SV_ARG(c->path[i]));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return c->depth ? c->where : "the object";
}

/* The rule for field k of the value at the current path, or NULL. */
static const smp_rule *smp_lookup(smp_ctx *c, const char *k, size_t klen)
{
    const kp_openapi_field_meta *m;

    smp_push(c, k, klen);
    m = kp_openapi_field_lookup(c->kind, c->path, c->depth);
    smp_pop(c);
    return m && m->patch.strategy ? &m->patch : NULL;
}

static bool smp_has_prefix(const char *k, size_t klen, const char *prefix)
{
    size_t n = strlen(prefix);
    return klen >= n && memcmp(k, prefix, n) == 0;
}

/* "$deleteFromPrimitiveList/<field>" and "$setElementOrder/<field>": *k becomes <field>.
 * k8s: extractKey; anything else after the prefix is a 400. */
static int smp_directive_field(const char **k, size_t *klen, const char *prefix, smp_ctx *c)
{
    size_t n = strlen(prefix);

    if (*klen <= n || (*k)[n] != '/')
        return kp_err_set(KP_EBADREQUEST, "%s: invalid patch format of %s", smp_where(c),
                          prefix == SMP_DELETE_LIST ? "primitive list" : "setElementOrder list");
    *k += n + 1;
    *klen -= n + 1;
    return 0;
}

/* Text that identifies a list element for matching: Go compares merge keys and scalars with
 * ==, so 1 and 1.0 differ here too (jansson writes 1 and 1.0). */
static char *smp_canon(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        abort(); /* out of memory */
    return s;
}

/* *out = what element e is matched on: its merge key's value, or e itself without a key. */
static int smp_elem_key(char **out, const json_t *e, const char *key, smp_ctx *c)
{
    const json_t *kv;

    *out = NULL;
    if (!key) {
        *out = smp_canon(e);
        return 0;
    }
    if (!json_is_object(e) || !(kv = json_object_get(e, key)))
        /* k8s: mergepatch.ErrNoMergeKey */
        return kp_err_set(KP_EINVALID, "%s: list element does not contain declared merge key: %s",
                          smp_where(c), key);
    *out = smp_canon(kv);
    return 0;
}

static bool smp_is_directive_elem(const json_t *e)
{
    return json_is_object(e) && json_object_get(e, "$patch");
}

/* Maps the key of each element of list[0..n) to its first position; directive elements are
 * skipped when skip_directives. *out is owned. */
static int smp_index(json_t **out, const json_t *list, size_t n, bool skip_directives,
                     const char *key, smp_ctx *c)
{
    json_t *idx = json_object();
    char *k;
    int rc;

    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(list, i);
        if (skip_directives && smp_is_directive_elem(e))
            continue;
        if ((rc = smp_elem_key(&k, e, key, c)) < 0) {
            json_decref(idx);
            return rc;
        }
        if (!json_object_get(idx, k))
            json_object_set_new(idx, k, json_integer((json_int_t)i));
        free(k);
    }
    *out = idx;
    return 0;
}

static size_t smp_index_get(const json_t *idx, const char *k)
{
    const json_t *v = json_object_get(idx, k);
    return v ? (size_t)json_integer_value(v) : NOT_FOUND;
}

typedef struct {
    size_t ord; /* sort position */
    size_t srv; /* position in the server's list, NOT_FOUND when it has none */
    size_t pos; /* position in the merged list: keeps the sort stable */
    json_t *v;
} smp_item;

static int smp_item_cmp(const void *a, const void *b)
{
    const smp_item *x = a, *y = b;
    if (x->ord != y->ord)
        return x->ord < y->ord ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* k8s: strategicpatch normalizeElementOrder and mergeSortedSlice. The elements of merged
 * named in order come in that order, the others in their order in server[0..nserver); the two
 * runs then interleave, a server-only element going first only when the server list has both
 * it and the next ordered element and it comes first there. So an element the server lacks
 * goes before the server-only elements still pending: a new container lands in front. */
static int smp_order(json_t **out, const json_t *merged, const json_t *order, bool order_skip,
                     const json_t *server, size_t nserver, const char *key, smp_ctx *c)
{
    json_t *oidx = NULL, *sidx = NULL, *res = NULL;
    size_t n = json_array_size(merged), nin = 0, nrest = 0, i, j;
    smp_item *in = kp_calloc(n, sizeof(*in)), *rest = kp_calloc(n, sizeof(*rest));
    char *k = NULL;
    int rc;

    if ((rc = smp_index(&oidx, order, json_array_size(order), order_skip, key, c)) < 0 ||
        (rc = smp_index(&sidx, server, nserver, false, key, c)) < 0)
        goto out;
    for (i = 0; i < n; i++) {
        json_t *e = json_array_get(merged, i);
        smp_item it;
        if ((rc = smp_elem_key(&k, e, key, c)) < 0)
            goto out;
        it = (smp_item){smp_index_get(oidx, k), smp_index_get(sidx, k), i, e};
        free(k);
        k = NULL;
        if (it.ord != NOT_FOUND) {
            in[nin++] = it;
        } else {
            it.ord = it.srv;
            rest[nrest++] = it;
        }
    }
    qsort(in, nin, sizeof(*in), smp_item_cmp);
    qsort(rest, nrest, sizeof(*rest), smp_item_cmp);
    res = json_array();
    for (i = j = 0; i < nrest || j < nin;) {
        bool left = j >= nin || (i < nrest && rest[i].srv != NOT_FOUND && in[j].srv != NOT_FOUND &&
                                 rest[i].srv < in[j].srv);
        json_array_append(res, left ? rest[i++].v : in[j++].v);
    }
    *out = res;
    res = NULL;
out:
    free(in);
    free(rest);
    json_decref(oidx);
    json_decref(sidx);
    json_decref(res);
    return rc;
}

static int smp_class(const json_t *v)
{
    return json_is_boolean(v) ? JSON_TRUE : (int)json_typeof(v);
}

/* k8s: sliceElementType: all elements of both lists share one type, and it is not a list.
 * *cls is -1 when both are empty. */
static int smp_elem_class(int *cls, const json_t *a, const json_t *b, smp_ctx *c)
{
    const json_t *lists[2] = {a, b};

    *cls = -1;
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            int t = smp_class(json_array_get(lists[l], i));
            if (t == JSON_ARRAY)
                return kp_err_set(KP_EINVALID, "%s: lists of lists are not supported",
                                  smp_where(c));
            if (*cls >= 0 && t != *cls)
                return kp_err_set(KP_EINVALID, "%s: list element types are not identical",
                                  smp_where(c));
            *cls = t;
        }
    }
    return 0;
}

static int smp_map(json_t **out, json_t *dst, const json_t *patch, smp_ctx *c);
static int smp_fresh(json_t **out, const json_t *pv, const smp_rule *r, smp_ctx *c);

/* Scalars of a and b (copies), each once, first occurrence first. */
static json_t *smp_unique(const json_t *a, const json_t *b)
{
    json_t *seen = json_object(), *res = json_array();
    const json_t *lists[2] = {a, b};

    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            const json_t *e = json_array_get(lists[l], i);
            char *k = smp_canon(e);
            if (!json_object_get(seen, k)) {
                json_object_set_new(seen, k, json_true());
                json_array_append_new(res, patch_dup(e));
            }
            free(k);
        }
    }
    json_decref(seen);
    return res;
}

/* k8s: strategicpatch mergeSlice, for a list whose field has patchStrategy "merge". orig is
 * borrowed from the working copy (its elements are merged in place); *out is a new list. The
 * current path is the list's.
 *
 * *alias (when not NULL) gets the list a "$setElementOrder" on this field orders against. In
 * kube-apiserver that is the original Go slice, whose storage mergeSlice reuses: deletions
 * shift the survivors down in place and the first appended elements land in the slots they
 * freed, so those new elements count as known to the server. */
static int smp_list(json_t **out, const json_t *orig, const json_t *patch, const char *key,
                    bool del_list, json_t **alias, smp_ctx *c)
{
    json_t *base = NULL, *surv = NULL, *dels = json_object(), *bidx = NULL, *nv = NULL, *e;
    size_t i, nbase;
    char *k = NULL;
    bool replace = false;
    int cls, rc;

    *out = NULL;
    if (alias)
        *alias = NULL;
    if ((rc = smp_elem_class(&cls, orig, patch, c)) < 0)
        goto out;
    if (cls == -1) {
        *out = json_array();
        goto out;
    }
    if (cls != JSON_OBJECT) {
        if (alias) /* a merged list of scalars is a new slice: nothing shared */
            *alias = json_incref((json_t *)orig);
        if (key) {
            rc = kp_err_set(KP_EINVALID, "%s: elements of a list merged on \"%s\" must be objects",
                            smp_where(c), key);
            goto out;
        }
        if (del_list) { /* k8s: deleteFromSlice: every copy of a named value goes, order kept */
            json_array_foreach(patch, i, e)
            {
                k = smp_canon(e);
                json_object_set_new(dels, k, json_true());
                free(k);
                k = NULL;
            }
            base = json_array();
            json_array_foreach(orig, i, e)
            {
                k = smp_canon(e);
                if (!json_object_get(dels, k))
                    json_array_append_new(base, patch_dup(e));
                free(k);
                k = NULL;
            }
            *out = base;
            base = NULL;
            goto out;
        }
        base = smp_unique(orig, patch); /* k8s: a merged list of scalars is a set */
        rc = smp_order(out, base, patch, false, orig, json_array_size(orig), NULL, c);
        goto out;
    }
    if (!key) {
        rc = kp_err_set(KP_EINVALID, "%s: cannot merge lists without merge key", smp_where(c));
        goto out;
    }
    /* k8s: mergeSliceWithSpecialElements: "$patch" elements act before the others merge */
    json_array_foreach(patch, i, e)
    {
        const json_t *d = json_object_get(e, "$patch"), *kv;
        const char *ds = json_string_value(d);
        if (!d)
            continue;
        if (ds && strcmp(ds, "delete") == 0) {
            if (!(kv = json_object_get(e, key))) {
                rc = smp_elem_key(&k, e, key, c);
                goto out;
            }
            k = smp_canon(kv);
            json_object_set_new(dels, k, json_true());
            free(k);
            k = NULL;
        } else if (ds && strcmp(ds, "replace") == 0) {
            replace = true;
        } else if (ds && strcmp(ds, "merge") == 0) {
            /* k8s: "merge" is only a struct tag strategy; in a patch it is refused */
            rc = kp_err_set(KP_EBADREQUEST,
                            "%s: merging lists cannot yet be specified in the patch", smp_where(c));
            goto out;
        } else {
            rc = kp_err_set(KP_EBADREQUEST, "%s: unknown patch type in list element", smp_where(c));
            goto out;
        }
    }
    surv = json_array(); /* k8s: deleteMatchingEntries drops every element with a named key */
    json_array_foreach(orig, i, e)
    {
        const json_t *kv = json_object_get(e, key);
        bool gone = false;
        if (kv) {
            k = smp_canon(kv);
            gone = json_object_get(dels, k) != NULL;
            free(k);
            k = NULL;
        }
        if (!gone)
            json_array_append(surv, e);
    }
    if (!replace) {
        base = json_copy(surv); /* the same elements: merges into them show in surv too */
    } else {                    /* the list becomes the other elements of the patch */
        base = json_array();
        json_array_foreach(patch, i, e)
        {
            if (smp_is_directive_elem(e))
                continue;
            if ((rc = smp_map(&nv, NULL, e, c)) < 0)
                goto out;
            if (nv)
                json_array_append_new(base, nv);
            nv = NULL;
        }
    }
    nbase = json_array_size(base);
    if ((rc = smp_index(&bidx, base, nbase, false, key, c)) < 0)
        goto out;
    /* k8s: mergeSliceWithoutSpecialElements: an element merges into the first with its key */
    json_array_foreach(replace ? NULL : patch, i, e)
    {
        size_t at;
        if (smp_is_directive_elem(e))
            continue;
        if ((rc = smp_elem_key(&k, e, key, c)) < 0)
            goto out;
        at = smp_index_get(bidx, k);
        if (at != NOT_FOUND)
            rc = smp_map(&nv, json_incref(json_array_get(base, at)), e, c);
        else
            rc = smp_map(&nv, NULL, e, c);
        if (rc < 0)
            goto out;
        if (!nv) /* only a "$patch" element could vanish, and those were taken out */
            nv = json_object();
        if (at != NOT_FOUND) {
            json_array_set_new(base, at, nv);
        } else {
            json_object_set_new(bidx, k, json_integer((json_int_t)json_array_size(base)));
            json_array_append_new(base, nv);
        }
        nv = NULL;
        free(k);
        k = NULL;
    }
    if ((rc = smp_order(out, base, replace ? NULL : patch, true, base, nbase, key, c)) < 0)
        goto out;
    if (alias && !replace) /* appended elements fill the slots deletions freed */
        for (i = nbase; i < json_array_size(base) && i < json_array_size(orig); i++)
            json_array_append(surv, json_array_get(base, i));
    if (alias) {
        *alias = surv;
        surv = NULL;
    }
out:
    free(k);
    json_decref(nv);
    json_decref(base);
    json_decref(surv);
    json_decref(dels);
    json_decref(bidx);
    return rc;
}

/* What a patch value becomes where the original has nothing to merge it with: the patch
 * applied to nothing. Its directives act (a "$patch": "delete" map vanishes, a merge list
 * drops its directive elements) and null members vanish. kube-apiserver copies such values
 * verbatim and relies on decoding into Go types to drop the directive keys left in them.
 * *out is NULL when nothing remains. The current path is the value's. */
static int smp_fresh(json_t **out, const json_t *pv, const smp_rule *r, smp_ctx *c)
{
    json_t *res, *e;
    size_t i;
    int rc;

    *out = NULL;
    if (json_is_object(pv))
        return smp_map(out, NULL, pv, c);
    if (!json_is_array(pv)) {
        *out = patch_dup(pv);
        return 0;
    }
    if (r && (r->strategy & SMP_MERGE)) {
        json_t *empty = json_array();
        rc = smp_list(out, empty, pv, r->key, false, NULL, c);
        json_decref(empty);
        return rc;
    }
    res = json_array();
    json_array_foreach(pv, i, e)
    {
        json_t *nv = NULL;
        if ((rc = smp_fresh(&nv, e, NULL, c)) < 0) {
            json_decref(res);
            return rc;
        }
        if (nv)
            json_array_append_new(res, nv);
    }
    *out = res;
    return 0;
}

/* k8s: applyRetainKeysDirective: "$retainKeys" lists the fields dst keeps; every non-null
 * field the patch sets must be among them. */
static int smp_retain_keys(json_t *dst, const json_t *patch, json_t *handled, smp_ctx *c)
{
    const json_t *rk = json_object_get(patch, "$retainKeys");
    json_t *keep, *v;
    const char *k;
    size_t klen, i;
    void *it;
    int rc = 0;

    if (!rk)
        return 0;
    json_object_set_new(handled, "$retainKeys", json_true());
    if (!json_is_array(rk))
        return kp_err_set(KP_EBADREQUEST, "%s: invalid patch format of retainKeys", smp_where(c));
    keep = json_object();
    json_array_foreach(rk, i, v)
    {
        if (json_is_string(v))
            json_object_setn_new(keep, json_string_value(v), json_string_length(v), json_true());
    }
    json_object_keylen_foreach((json_t *)patch, k, klen, v)
    {
        if (json_is_null(v) || smp_has_prefix(k, klen, SMP_DELETE_LIST) ||
            smp_has_prefix(k, klen, SMP_SET_ORDER) || json_object_getn(handled, k, klen) ||
            (klen == 6 && memcmp(k, "$patch", 6) == 0))
            continue;
        if (!json_object_getn(keep, k, klen)) {
            rc = kp_err_set(KP_EBADREQUEST,
                            "%s: invalid patch format of retainKeys: \"%.*s\" is not listed",
                            smp_where(c), (int)klen, k);
            goto out;
        }
    }
    json_object_keylen_foreach_safe(dst, it, k, klen, v)
    {
        if (!json_object_getn(keep, k, klen))
            json_object_deln(dst, k, klen);
    }
out:
    json_decref(keep);
    return rc;
}

static bool smp_is_delete_elem(const json_t *e)
{
    const char *d = json_string_value(json_object_get(e, "$patch"));
    return d && strcmp(d, "delete") == 0;
}

/* k8s: validatePatchWithSetOrderList: the patch list's elements (deletions aside) appear in
 * the "$setElementOrder" list, in the same relative order. */
static int smp_order_check(const json_t *pl, const json_t *order, const char *key, smp_ctx *c)
{
    size_t n = json_array_size(pl), no = json_array_size(order), i = 0, si = 0;

    if (n == 0 || no == 0)
        return 0;
    for (size_t j = 0; key && j < n; j++)
        if (!json_is_object(json_array_get(pl, j)))
            return kp_err_set(KP_EINVALID,
                              "%s: elements of a list merged on \"%s\" must be objects",
                              smp_where(c), key);
    for (;;) {
        const json_t *e, *o;
        bool eq;
        while (key && i < n && smp_is_delete_elem(json_array_get(pl, i)))
            i++;
        if (i >= n || si >= no)
            break;
        e = json_array_get(pl, i);
        o = json_array_get(order, si);
        if (smp_is_directive_elem(e)) {
            i++;
            continue;
        }
        if (key) {
            const json_t *ek = json_object_get(e, key), *ok = json_object_get(o, key);
            if (!ek || !ok) {
                char *unused = NULL;
                int rc = smp_elem_key(&unused, ek ? o : e, key, c);
                free(unused);
                return rc;
            }
            eq = json_equal(ek, ok);
        } else {
            eq = json_equal(e, o);
        }
        i += eq;
        si++;
    }
    if (i < n && si >= no)
        return kp_err_set(KP_EBADREQUEST,
                          "%s: the order in the patch list doesn't match the %s list", smp_where(c),
                          SMP_SET_ORDER);
    return 0;
}

/* k8s: mergePatchIntoOriginal for one "$setElementOrder/<field>": merges the field's patch
 * list (if any) and orders the result by the directive. The current path is the map's. */
static int smp_order_field(json_t *dst, const json_t *patch, const char *f, size_t flen,
                           const json_t *order, json_t *handled, smp_ctx *c)
{
    json_t *ol = json_object_getn(dst, f, flen), *merged = NULL, *res = NULL, *server = NULL;
    const json_t *pl = json_object_getn(patch, f, flen);
    const smp_rule *r = smp_lookup(c, f, flen);
    const char *key = r ? r->key : NULL;
    int cls, rc;

    if ((ol && !json_is_array(ol)) || (pl && !json_is_array(pl)))
        return kp_err_set(KP_EINVALID, "%s: %s/%.*s names a field that is not a list", smp_where(c),
                          SMP_SET_ORDER, (int)flen, f);
    if ((rc = smp_order_check(pl, order, key, c)) < 0)
        return rc;
    json_object_setn_new(handled, f, flen, json_true());
    if (!ol && !pl)
        return 0;
    smp_push(c, f, flen);
    if (ol && pl && r && (r->strategy & SMP_MERGE)) {
        rc = smp_list(&merged, ol, pl, key, false, &server, c);
    } else if (pl) {
        rc = smp_fresh(&merged, pl, r, c);
        server = ol ? json_incref(ol) : json_array(); /* k8s: replaced, or no original */
    } else {
        merged = json_incref(ol);
        server = json_incref(ol);
    }
    if (rc < 0 || (rc = smp_elem_class(&cls, ol, pl, c)) < 0)
        goto out;
    if (key && cls != -1 && cls != JSON_OBJECT) {
        rc = kp_err_set(KP_EINVALID, "%s: elements of a list merged on \"%s\" must be objects",
                        smp_where(c), key);
        goto out;
    }
    if ((rc = smp_order(&res, merged, order, false, server, json_array_size(server), key, c)) < 0)
        goto out;
    json_object_setn_new(dst, f, flen, res);
    res = NULL;
out:
    smp_pop(c);
    json_decref(merged);
    json_decref(server);
    json_decref(res);
    return rc;
}

static int smp_set_order(json_t *dst, const json_t *patch, json_t *handled, smp_ctx *c)
{
    const char *k;
    size_t klen;
    json_t *order;
    int rc;

    json_object_keylen_foreach((json_t *)patch, k, klen, order)
    {
        const char *f = k;
        size_t flen = klen;
        if (!smp_has_prefix(k, klen, SMP_SET_ORDER))
            continue;
        json_object_setn_new(handled, k, klen, json_true());
        if ((rc = smp_directive_field(&f, &flen, SMP_SET_ORDER, c)) < 0)
            return rc;
        if (!json_is_array(order))
            return kp_err_set(KP_EBADREQUEST, "%s: invalid patch format of setElementOrder list",
                              smp_where(c));
        if ((rc = smp_order_field(dst, patch, f, flen, order, handled, c)) < 0)
            return rc;
    }
    return 0;
}

/* One field k of the patch into dst. The current path is dst's. */
static int smp_field(json_t *dst, const char *k, size_t klen, const json_t *pv, smp_ctx *c)
{
    const smp_rule *r;
    json_t *cur, *nv = NULL;
    bool del_list = false;
    int rc;

    if (smp_has_prefix(k, klen, SMP_DELETE_LIST)) {
        if ((rc = smp_directive_field(&k, &klen, SMP_DELETE_LIST, c)) < 0)
            return rc;
        del_list = true;
    }
    if (json_is_null(pv)) { /* k8s: null deletes; a null for a missing field is dropped */
        json_object_deln(dst, k, klen);
        return 0;
    }
    cur = json_object_getn(dst, k, klen);
    if (!cur && del_list) /* nothing to delete from (kube would add the list: not kept) */
        return 0;
    r = smp_lookup(c, k, klen);
    smp_push(c, k, klen);
    if (json_is_object(cur) && json_is_object(pv) && !(r && (r->strategy & SMP_REPLACE)))
        rc = smp_map(&nv, json_incref(cur), pv, c);
    else if (json_is_array(cur) && json_is_array(pv) && r && (r->strategy & SMP_MERGE))
        rc = smp_list(&nv, cur, pv, r->key, del_list, NULL, c);
    else /* absent, of another type, a scalar, or a list or map replaced whole */
        rc = smp_fresh(&nv, pv, r, c);
    smp_pop(c);
    if (rc < 0)
        return rc;
    if (nv)
        json_object_setn_new(dst, k, klen, nv);
    else
        json_object_deln(dst, k, klen);
    return 0;
}

/* k8s: strategicpatch mergeMap as the server runs it (MergeParallelList and
 * IgnoreUnmatchedNulls on): merges patch into dst (consumed; NULL for a map the original
 * lacks). *out is the result, or NULL when the patch deletes the map ("$patch": "delete").
 * The current path is the map's. */
static int smp_map(json_t **out, json_t *dst, const json_t *patch, smp_ctx *c)
{
    const json_t *dir = json_object_get(patch, "$patch");
    json_t *handled = json_object(), *pv;
    const char *k;
    size_t klen;
    int rc = 0;

    *out = NULL;
    if (!dst)
        dst = json_object();
    if (dir) {
        const char *d = json_string_value(dir);
        if (d && strcmp(d, "delete") == 0)
            goto out; /* the map goes, whatever else the patch says of it */
        if (!d || strcmp(d, "replace") != 0) {
            rc = kp_err_set(KP_EBADREQUEST, "%s: unknown patch type in map", smp_where(c));
            goto out;
        }
        json_decref(dst); /* "replace": the map is the rest of the patch */
        dst = json_object();
        json_object_set_new(handled, "$patch", json_true());
    }
    if ((rc = smp_retain_keys(dst, patch, handled, c)) < 0 ||
        (rc = smp_set_order(dst, patch, handled, c)) < 0)
        goto out;
    json_object_keylen_foreach((json_t *)patch, k, klen, pv)
    {
        if (json_object_getn(handled, k, klen))
            continue;
        if ((rc = smp_field(dst, k, klen, pv, c)) < 0)
            goto out;
    }
    *out = dst;
    dst = NULL;
out:
    json_decref(dst);
    json_decref(handled);
    return rc;
}

int kp_patch_strategic(json_t **out, const json_t *orig, const json_t *patch, const char *kind)
{
    smp_ctx *c = NULL;
    json_t *res = NULL;
    int k = smp_kind(kind), rc;

    assert(out && orig && patch);
    if (k < 0)
        return kp_err_set(KP_EMEDIATYPE, "strategic merge patch is not supported for kind \"%s\"",
                          kind ? kind : "");
    if (!json_is_object(orig))
        return kp_err_set(KP_EINTERNAL, "strategic merge patch of a value that is not an object");
    /* k8s: a patch that does not decode into a map is a 400 */
    if (!json_is_object(patch))
        return kp_err_set(KP_EBADREQUEST, "a strategic merge patch must be a JSON object");
    if ((rc = patch_check_input(orig, patch)) < 0)
        return rc;
    c = kp_calloc(1, sizeof(*c));
    c->kind = smp_kinds[k];
    if ((rc = smp_map(&res, patch_dup(orig), patch, c)) < 0)
        goto out;
    if (!res) /* k8s: "$patch": "delete" at the top leaves an empty object */
        res = json_object();
    if ((rc = patch_check_result(res)) < 0)
        goto out;
    *out = res; /* ownership moves to the caller */
    res = NULL;
out:
    free(c);
    json_decref(res);
    return rc;
}

/* ---- field types for server-side apply ---- */

/* From the same field tables as the strategies: x-kubernetes-list-type and -list-map-keys,
 * map types, and which maps hold values rather than fields. ctx is the kind's name. */
static void smp_field_type_at(kp_field_type *out, const void *ctx, const kp_sv *path, size_t depth)
{
    kp_openapi_shape sh;

    memset(out, 0, sizeof(*out));
    if (!kp_openapi_field_shape(&sh, ctx, path, depth))
        return;
    if (sh.atomic) {
        out->kind = KP_FT_ATOMIC;
    } else if (sh.list_type && strcmp(sh.list_type, "set") == 0) {
        out->kind = KP_FT_SET;
    } else if (sh.list_type && strcmp(sh.list_type, "map") == 0 && sh.map_keys) {
        kp_sv rest = kp_sv_from(sh.map_keys), key;
        bool more = true;
        out->kind = KP_FT_MAP;
        while (more && out->nkeys < KP_FT_KEYS_MAX) {
            more = kp_sv_cut(&rest, ',', &key);
            /* k8s: a port's protocol defaults to TCP before items are keyed */
            out->defaults[out->nkeys] = kp_sv_eq_str(key, "protocol") ? "TCP" : NULL;
            out->keys[out->nkeys++] = key;
        }
    } else if (sh.dict) {
        out->kind = KP_FT_DICT;
    }
}

kp_ftypes kp_patch_field_types(const char *kind)
{
    kp_ftypes ft = {NULL, NULL};

    if (kp_patch_strategic_known(kind)) {
        ft.at = smp_field_type_at;
        ft.ctx = kind;
    }
    return ft;
}
