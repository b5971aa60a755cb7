#include "lib/common.h"
#include "apiserver/openapi.h"
#include "apiserver/schema.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "tests/support/testlib.h"

#include <pthread.h>
#include <stdarg.h>

/* The OpenAPI documents, read the way kubectl reads them: the fieldValidation check of
 * cli-runtime's QueryParamVerifier (v2, protobuf) and queryParamVerifierV3, the definitions'
 * x-kubernetes-group-version-kind, kube-openapi's rules for v2 schemas, and the protobuf twin
 * of the v2 JSON decoded with a small wire-format reader. */

#define DOC_MAX (256u * 1024 * 1024)

/* ---- helpers ---- */

static json_t *parse_buf(const kp_buf *b)
{
    json_t *v = NULL;
    assert_non_null(b->p);
    assert_int_equal(kp_json_parse(&v, b->p, b->len), 0);
    return v;
}

static void gv_path(char out[KP_SCHEMA_GV_MAX + 8], const kp_schema_res *r)
{
    if (r->group[0])
        snprintf(out, KP_SCHEMA_GV_MAX + 8, "apis/%s/%s", r->group, r->version);
    else
        snprintf(out, KP_SCHEMA_GV_MAX + 8, "api/%s", r->version);
}

/* Kubernetes' definition names: io.k8s.api.<package> for the built-in groups, the reversed
 * group for the others. */
static void def_name(char out[256], const kp_schema_res *r)
{
    size_t len = strlen(r->group);
    if (!r->group[0]) {
        snprintf(out, 256, "io.k8s.api.core.%s.%s", r->version, r->kind);
    } else if (!strchr(r->group, '.') || (len > 7 && strcmp(r->group + len - 7, ".k8s.io") == 0)) {
        snprintf(out, 256, "io.k8s.api.%.*s.%s.%s", (int)strcspn(r->group, "."), r->group,
                 r->version, r->kind);
    } else if (strcmp(r->group, "tenancy.kplane.io") == 0) {
        snprintf(out, 256, "io.kplane.tenancy.%s.%s", r->version, r->kind);
    } else if (strcmp(r->group, "gitops.kplane.io") == 0) {
        snprintf(out, 256, "io.kplane.gitops.%s.%s", r->version, r->kind);
    } else if (strcmp(r->group, "fleet.kplane.io") == 0) {
        snprintf(out, 256, "io.kplane.fleet.%s.%s", r->version, r->kind);
    } else {
        fail_msg("add the definition name of group %s to this test", r->group);
    }
}

static bool gvk_is(const json_t *o, const kp_schema_res *r)
{
    return json_is_object(o) && json_is_string(json_object_get(o, "group")) &&
           strcmp(json_string_value(json_object_get(o, "group")), r->group) == 0 &&
           json_is_string(json_object_get(o, "version")) &&
           strcmp(json_string_value(json_object_get(o, "version")), r->version) == 0 &&
           json_is_string(json_object_get(o, "kind")) &&
           strcmp(json_string_value(json_object_get(o, "kind")), r->kind) == 0;
}

static bool has_query_param(const json_t *params, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        const char *in = json_string_value(json_object_get(p, "in"));
        if (n && in && strcmp(n, name) == 0 && strcmp(in, "query") == 0)
            return true;
    }
    return false;
}

/* k8s: what queryParamVerifier(V3) does: the first path whose PATCH carries the GVK decides.
 * 1: it declares fieldValidation, 0: it does not, -1: no PATCH carries the GVK. */
static int verifier_says(const json_t *paths, const kp_schema_res *r)
{
    const char *k;
    json_t *item;
    json_object_foreach((json_t *)paths, k, item)
    {
        json_t *patch = json_object_get(item, "patch");
        if (!patch || !gvk_is(json_object_get(patch, "x-kubernetes-group-version-kind"), r))
            continue;
        return has_query_param(json_object_get(patch, "parameters"), "fieldValidation") ? 1 : 0;
    }
    return -1;
}

/* Every "$ref" below v names an entry of defs under prefix. */
static void refs_resolve(const json_t *v, const json_t *defs, const char *prefix)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            refs_resolve(e, defs, prefix);
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            if (strcmp(k, "$ref") == 0) {
                const char *s = json_string_value(e);
                assert_non_null(s);
                assert_memory_equal(s, prefix, strlen(prefix));
                if (!json_object_get(defs, s + strlen(prefix)))
                    fail_msg("dangling $ref %s", s);
            } else {
                refs_resolve(e, defs, prefix);
            }
        }
    }
}

/* kube-openapi util/proto (kubectl's parser of the v2 document): a $ref has no type and no
 * properties beside it; an array has exactly one items schema. */
static void v2_schema_rules(const json_t *s, const char *where)
{
    const char *k;
    json_t *e;
    if (!json_is_object(s))
        return;
    if (json_object_get(s, "$ref") &&
        (json_object_get(s, "type") || json_object_get(s, "properties")))
        fail_msg("%s: a $ref with a type or properties", where);
    if (json_is_string(json_object_get(s, "type")) &&
        strcmp(json_string_value(json_object_get(s, "type")), "array") == 0 &&
        !json_is_object(json_object_get(s, "items")))
        fail_msg("%s: an array without one items schema", where);
    json_object_foreach((json_t *)json_object_get(s, "properties"), k, e)
    {
        v2_schema_rules(e, k);
    }
    if (json_is_object(json_object_get(s, "items")))
        v2_schema_rules(json_object_get(s, "items"), where);
    if (json_is_object(json_object_get(s, "additionalProperties")))
        v2_schema_rules(json_object_get(s, "additionalProperties"), where);
}

/* ---- a small protobuf reader ---- */

typedef struct {
    const uint8_t *p, *end;
} pr;

typedef struct {
    uint32_t field;
    unsigned wire;
    uint64_t num;      /* varint */
    const uint8_t *at; /* length-delimited */
    size_t len;
} pr_field;

static bool pr_varint(pr *r, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* The next field; false at the end. A malformed message fails the test. */
static bool pr_next(pr *r, pr_field *f)
{
    uint64_t tag, n;
    if (r->p >= r->end)
        return false;
    assert_true(pr_varint(r, &tag));
    f->field = (uint32_t)(tag >> 3);
    f->wire = (unsigned)(tag & 7);
    assert_true(f->field > 0);
    if (f->wire == 0) {
        assert_true(pr_varint(r, &f->num));
    } else if (f->wire == 2) {
        assert_true(pr_varint(r, &n));
        assert_true(n <= (uint64_t)(r->end - r->p));
        f->at = r->p;
        f->len = (size_t)n;
        r->p += n;
    } else {
        fail_msg("unexpected wire type %u", f->wire);
    }
    return true;
}

static pr pr_sub(const pr_field *f)
{
    return (pr){f->at, f->at + f->len};
}

/* The first length-delimited field number `field` of message m; false when absent. */
static bool pr_get(pr m, uint32_t field, pr_field *out)
{
    while (pr_next(&m, out))
        if (out->field == field && out->wire == 2)
            return true;
    return false;
}

static bool pr_str_is(const pr_field *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->at, s, f->len) == 0;
}

static char *pr_strdup(const pr_field *f)
{
    return kp_strndup((const char *)f->at, f->len);
}

/* The groups whose kinds come from k8s.io/api: described field by field. */
static bool builtin_group(const char *group)
{
    /* CustomResourceDefinition's spec is an open object here (apiserver/crd.c validates it)
     * and patch.c has no strategic merge patch for it: its document offers JSON and merge
     * patches only, as kplane's own kinds */
    size_t n = strlen(group);
    bool kplane = n > 10 && strcmp(group + n - 10, ".kplane.io") == 0; /* tenancy, gitops */
    return !kplane && strcmp(group, "apiextensions.k8s.io") != 0;
}

/* Property name of the kind def (v3, properties props) is absent or a $ref to a described
 * object: not one that keeps any content. */
static void described(const json_t *schemas, const json_t *props, const char *name, const char *def)
{
    const json_t *p = json_object_get(props, name), *ref, *target;
    if (!p)
        return;
    ref = json_object_get(json_array_get(json_object_get(p, "allOf"), 0), "$ref");
    if (!json_is_string(ref))
        fail_msg("%s.%s is not described", def, name);
    target = json_object_get(schemas, json_string_value(ref) + strlen("#/components/schemas/"));
    if (!json_object_size(json_object_get(target, "properties")) ||
        json_object_get(target, "x-kubernetes-preserve-unknown-fields"))
        fail_msg("%s.%s has no fields", def, name);
}

/* ---- tests ---- */

static void *init_thread(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)kp_openapi_init();
}

/* First in the list: every thread races to build the documents; all see them built once. */
static void test_init_concurrent(void **state)
{
    pthread_t t[8];
    void *rc;
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(t); i++)
        assert_int_equal(pthread_create(&t[i], NULL, init_thread, NULL), 0);
    for (size_t i = 0; i < KP_ARRAY_LEN(t); i++) {
        assert_int_equal(pthread_join(t[i], &rc), 0);
        assert_int_equal((intptr_t)rc, 0);
    }
}

static void test_v3_index(void **state)
{
    size_t n, ngv = 0;
    const kp_schema_res *rows = kp_schema_all(&n);
    kp_buf b = KP_BUF_INIT(DOC_MAX);
    json_t *ix, *paths;
    (void)state;

    assert_int_equal(kp_openapi_v3_index(&b), 0);
    ix = parse_buf(&b);
    paths = json_object_get(ix, "paths");
    assert_true(json_is_object(paths));
    for (size_t i = 0; i < n; i++) {
        char gv[KP_SCHEMA_GV_MAX + 8], want[512];
        const char *hash = NULL, *url;
        bool first = true;
        gv_path(gv, &rows[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[j].group, rows[i].group) == 0 &&
                strcmp(rows[j].version, rows[i].version) == 0)
                first = false;
        ngv += first;
        assert_int_equal(kp_openapi_v3_hash(&hash, gv), 0);
        assert_int_equal(strlen(hash), 64);
        snprintf(want, sizeof(want), "/openapi/v3/%s?hash=%s", gv, hash);
        url = json_string_value(json_object_get(json_object_get(paths, gv), "serverRelativeURL"));
        assert_non_null(url);
        assert_string_equal(url, want);
    }
    assert_int_equal(json_object_size(paths), ngv);
    json_decref(ix);
    kp_buf_dispose(&b);
}

static void test_v3_docs(void **state)
{
    size_t n;
    const kp_schema_res *rows = kp_schema_all(&n);
    (void)state;

    for (size_t i = 0; i < n; i++) {
        const kp_schema_res *r = &rows[i];
        char gv[KP_SCHEMA_GV_MAX + 8], def[256], url[512];
        kp_buf b = KP_BUF_INIT(DOC_MAX);
        json_t *doc, *paths, *schemas, *s, *props, *gvks, *post;
        const char *hash;
        uint8_t sum[32];
        char hex[65];

        gv_path(gv, r);
        def_name(def, r);
        assert_int_equal(kp_openapi_v3_doc(&b, gv), 0);
        /* the hash in the index is the document's */
        kp_crypto_sha256(sum, b.p, b.len);
        for (size_t j = 0; j < 32; j++)
            snprintf(hex + 2 * j, 3, "%02X", sum[j]);
        assert_int_equal(kp_openapi_v3_hash(&hash, gv), 0);
        assert_string_equal(hash, hex);

        doc = parse_buf(&b);
        assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.0");
        paths = json_object_get(doc, "paths");
        schemas = json_object_get(json_object_get(doc, "components"), "schemas");
        assert_true(json_is_object(paths));
        assert_true(json_is_object(schemas));
        refs_resolve(doc, schemas, "#/components/schemas/");

        /* the kind's schema: GVK, apiVersion, kind, metadata, and every field declared */
        s = json_object_get(schemas, def);
        if (!s)
            fail_msg("%s: no schema %s", gv, def);
        gvks = json_object_get(s, "x-kubernetes-group-version-kind");
        assert_int_equal(json_array_size(gvks), 1);
        assert_true(gvk_is(json_array_get(gvks, 0), r));
        props = json_object_get(s, "properties");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(props, "apiVersion"), "type")),
            "string");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(props, "kind"), "type")), "string");
        assert_string_equal(
            json_string_value(json_object_get(
                json_array_get(json_object_get(json_object_get(props, "metadata"), "allOf"), 0),
                "$ref")),
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        /* a kind without a row in openapi.c would accept anything at its top level */
        if (json_object_get(s, "x-kubernetes-preserve-unknown-fields"))
            fail_msg("%s has no field table in openapi.c", def);

        /* k8s: kubectl's queryParamVerifierV3 finds fieldValidation on the kind's PATCH */
        snprintf(url, sizeof(url), "/%s/%s%s", gv, r->namespaced ? "namespaces/{namespace}/" : "",
                 r->resource);
        post = json_object_get(json_object_get(paths, url), "post");
        if (!post)
            fail_msg("no POST %s", url);
        assert_true(gvk_is(json_object_get(post, "x-kubernetes-group-version-kind"), r));
        assert_true(has_query_param(json_object_get(post, "parameters"), "fieldValidation"));
        if (!r->verbs || strstr(r->verbs, "patch")) {
            json_t *patch;
            char item[600];
            if (verifier_says(paths, r) != 1)
                fail_msg("%s: kubectl would not find fieldValidation", def);
            snprintf(item, sizeof(item), "%s/{name}", url);
            patch = json_object_get(json_object_get(paths, item), "patch");
            assert_non_null(patch);
            assert_string_equal(json_string_value(json_object_get(patch, "x-kubernetes-action")),
                                "patch");
            /* kubectl apply computes strategic merge patches from this document for the
             * built-in kinds (their field tables carry every patch strategy), from its own
             * types otherwise */
            if (builtin_group(r->group))
                assert_non_null(json_object_get(
                    json_object_get(json_object_get(patch, "requestBody"), "content"),
                    "application/strategic-merge-patch+json"));
            else
                assert_null(json_object_get(
                    json_object_get(json_object_get(patch, "requestBody"), "content"),
                    "application/strategic-merge-patch+json"));

            assert_non_null(
                json_object_get(json_object_get(json_object_get(patch, "requestBody"), "content"),
                                "application/merge-patch+json"));
        } else {
            assert_int_equal(verifier_says(paths, r), -1);
        }
        /* the spec and status of a built-in kind are described field by field */
        if (builtin_group(r->group)) {
            described(schemas, props, "spec", def);
            described(schemas, props, "status", def);
        }
        if (r->namespaced && !r->verbs) {
            snprintf(url, sizeof(url), "/%s/%s", gv, r->resource);
            assert_non_null(json_object_get(json_object_get(paths, url), "get"));
        }
        json_decref(doc);
        kp_buf_dispose(&b);
    }
}

static void test_v3_unknown(void **state)
{
    kp_buf b = KP_BUF_INIT(DOC_MAX);
    const char *hash;
    (void)state;
    assert_int_equal(kp_openapi_v3_doc(&b, "apis/nope.example.com/v1"), KP_ENOTFOUND);
    assert_int_equal(kp_openapi_v3_doc(&b, "apis/apps"), KP_ENOTFOUND);
    assert_int_equal(kp_openapi_v3_hash(&hash, "api/v2"), KP_ENOTFOUND);
    assert_int_equal(b.len, 0);
    assert_int_equal(kp_openapi_v3_doc(&b, "apis/apps/v1/"), 0);
    assert_true(b.len > 0);
    kp_buf_dispose(&b);
}

static void test_v2_json(void **state)
{
    size_t n;
    const kp_schema_res *rows = kp_schema_all(&n);
    kp_buf b = KP_BUF_INIT(DOC_MAX);
    json_t *doc, *paths, *defs, *e;
    const char *k;
    (void)state;

    assert_int_equal(kp_openapi_v2_json(&b), 0);
    doc = parse_buf(&b);
    assert_string_equal(json_string_value(json_object_get(doc, "swagger")), "2.0");
    paths = json_object_get(doc, "paths");
    defs = json_object_get(doc, "definitions");
    refs_resolve(doc, defs, "#/definitions/");
    json_object_foreach(defs, k, e)
    {
        v2_schema_rules(e, k);
    }
    for (size_t i = 0; i < n; i++) {
        char def[256];
        json_t *s;
        def_name(def, &rows[i]);
        s = json_object_get(defs, def);
        if (!s)
            fail_msg("no definition %s", def);
        assert_true(gvk_is(json_array_get(json_object_get(s, "x-kubernetes-group-version-kind"), 0),
                           &rows[i]));
        /* k8s: the v2 QueryParamVerifier of kubectl 1.27-1.33 (the fallback) */
        assert_int_equal(verifier_says(paths, &rows[i]),
                         !rows[i].verbs || strstr(rows[i].verbs, "patch") ? 1 : -1);
    }
    /* a PATCH offers strategic merge patch for the built-in kinds only (but /scale) */
    json_object_foreach(paths, k, e)
    {
        json_t *patch = json_object_get(e, "patch"), *c;
        bool smp = false;
        size_t i;
        if (!patch)
            continue;
        json_array_foreach(json_object_get(patch, "consumes"), i, c)
        {
            smp |= strcmp(json_string_value(c), "application/strategic-merge-patch+json") == 0;
        }
        if (smp != (strstr(k, ".kplane.io/") == NULL && !strstr(k, "/scale") &&
                    !strstr(k, "apiextensions.k8s.io")))
            fail_msg("%s: strategic merge patch %s", k, smp ? "offered" : "not offered");
    }
    json_decref(doc);
    kp_buf_dispose(&b);
}

/* The NamedAny "x-kubernetes-group-version-kind" of a gnostic Operation, parsed. */
static json_t *pb_op_gvk(pr op)
{
    pr_field f, name, any, yaml;
    while (pr_next(&op, &f)) {
        if (f.field != 13 || f.wire != 2) /* vendor_extension */
            continue;
        assert_true(pr_get(pr_sub(&f), 1, &name));
        if (!pr_str_is(&name, "x-kubernetes-group-version-kind"))
            continue;
        assert_true(pr_get(pr_sub(&f), 2, &any));
        assert_true(pr_get(pr_sub(&any), 2, &yaml)); /* Any.yaml */
        {
            json_t *v = NULL;
            assert_int_equal(kp_json_parse(&v, (const char *)yaml.at, yaml.len), 0);
            return v;
        }
    }
    return NULL;
}

/* Operation.parameters[].parameter.non_body_parameter.query_parameter_sub_schema.name */
static bool pb_op_has_query(pr op, const char *want)
{
    pr_field f, param, nonbody, query, name;
    while (pr_next(&op, &f)) {
        if (f.field != 8 || f.wire != 2)
            continue;
        if (pr_get(pr_sub(&f), 1, &param) && pr_get(pr_sub(&param), 2, &nonbody) &&
            pr_get(pr_sub(&nonbody), 3, &query) && pr_get(pr_sub(&query), 4, &name) &&
            pr_str_is(&name, want))
            return true;
    }
    return false;
}

static void test_v2_proto_twin(void **state)
{
    kp_buf pb = KP_BUF_INIT(DOC_MAX), js = KP_BUF_INIT(DOC_MAX);
    json_t *doc, *paths, *defs;
    pr m;
    pr_field f, sub, name, value, op;
    size_t npaths = 0, ndefs = 0, npatch = 0;
    (void)state;

    assert_int_equal(kp_openapi_v2_proto(&pb), 0);
    assert_int_equal(kp_openapi_v2_json(&js), 0);
    doc = parse_buf(&js);
    paths = json_object_get(doc, "paths");
    defs = json_object_get(doc, "definitions");

    m = (pr){(const uint8_t *)pb.p, (const uint8_t *)pb.p + pb.len};
    assert_true(pr_get(m, 1, &f)); /* Document.swagger */
    assert_true(pr_str_is(&f, "2.0"));
    assert_true(pr_get(m, 2, &f)); /* Document.info.title */
    assert_true(pr_get(pr_sub(&f), 1, &sub));
    assert_true(pr_str_is(&sub, "Kubernetes"));

    assert_true(pr_get(m, 8, &f)); /* Document.paths */
    for (pr ps = pr_sub(&f); pr_next(&ps, &sub);) {
        char *path;
        json_t *jitem, *jpatch;
        assert_int_equal(sub.field, 2); /* Paths.path: NamedPathItem */
        assert_true(pr_get(pr_sub(&sub), 1, &name));
        assert_true(pr_get(pr_sub(&sub), 2, &value));
        path = pr_strdup(&name);
        jitem = json_object_get(paths, path);
        if (!jitem)
            fail_msg("protobuf path %s is not in the JSON", path);
        jpatch = json_object_get(jitem, "patch");
        /* PathItem.patch = 8 */
        if (pr_get(pr_sub(&value), 8, &op)) {
            json_t *gvk = pb_op_gvk(pr_sub(&op));
            assert_non_null(jpatch);
            assert_non_null(gvk);
            assert_true(
                json_equal(gvk, json_object_get(jpatch, "x-kubernetes-group-version-kind")));
            assert_true(pb_op_has_query(pr_sub(&op), "fieldValidation"));
            json_decref(gvk);
            npatch++;
        } else {
            assert_null(jpatch);
        }
        /* PathItem.get = 2 exists exactly when the JSON has it */
        assert_int_equal(pr_get(pr_sub(&value), 2, &op), json_object_get(jitem, "get") != NULL);
        free(path);
        npaths++;
    }
    assert_int_equal(npaths, json_object_size(paths));
    assert_true(npatch > 0);

    assert_true(pr_get(m, 9, &f)); /* Document.definitions */
    for (pr ds = pr_sub(&f); pr_next(&ds, &sub);) {
        char *def;
        pr_field ty;
        json_t *jdef;
        assert_int_equal(sub.field, 1); /* NamedSchema */
        assert_true(pr_get(pr_sub(&sub), 1, &name));
        assert_true(pr_get(pr_sub(&sub), 2, &value));
        def = pr_strdup(&name);
        jdef = json_object_get(defs, def);
        if (!jdef)
            fail_msg("protobuf definition %s is not in the JSON", def);
        /* Schema.type = 22: TypeItem{repeated string value = 1} */
        assert_true(pr_get(pr_sub(&value), 22, &ty));
        assert_true(pr_get(pr_sub(&ty), 1, &sub));
        assert_true(pr_str_is(&sub, json_string_value(json_object_get(jdef, "type"))));
        free(def);
        ndefs++;
    }
    assert_int_equal(ndefs, json_object_size(defs));
    json_decref(doc);
    kp_buf_dispose(&pb);
    kp_buf_dispose(&js);
}

static void test_serve(void **state)
{
    kp_openapi_reply r;
    kp_buf b = KP_BUF_INIT(DOC_MAX), want = KP_BUF_INIT(DOC_MAX);
    const char *hash;
    char etag[80];
    (void)state;

    /* kubectl 1.27-1.33 ask for the protobuf with the "@" name */
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v2", NULL, KP_OPENAPI_V2_PB_AT, NULL), 0);
    assert_int_equal(r.code, 200);
    assert_string_equal(r.content_type, KP_OPENAPI_V2_PB);
    assert_string_equal(r.vary, "Accept");
    assert_int_equal(kp_openapi_v2_proto(&want), 0);
    assert_int_equal(b.len, want.len);
    assert_memory_equal(b.p, want.p, b.len);
    snprintf(etag, sizeof(etag), "%s", r.etag);
    kp_buf_reset(&b);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v2", NULL,
                                      "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                                      etag),
                     0);
    assert_int_equal(r.code, 304);
    assert_int_equal(b.len, 0);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v2", NULL, KP_OPENAPI_V2_PB_OLD, NULL), 0);
    assert_string_equal(r.content_type, KP_OPENAPI_V2_PB);

    /* JSON by default, for any type, and where protobuf is refused with q=0 */
    static const char *const json_accepts[] = {NULL,
                                               "",
                                               "application/json",
                                               "application/json, */*",
                                               "*/*",
                                               KP_OPENAPI_V2_PB_AT ";q=0, application/json"};
    for (size_t i = 0; i < KP_ARRAY_LEN(json_accepts); i++) {
        kp_buf_reset(&b);
        assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v2/", NULL, json_accepts[i], NULL), 0);
        assert_string_equal(r.content_type, "application/json");
        assert_int_not_equal(strcmp(r.etag, etag), 0);
        assert_true(b.len > 0 && b.p[0] == '{');
    }
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v2", NULL, "text/html", NULL),
                     KP_ENOTACCEPTABLE);

    /* v3: JSON only */
    kp_buf_reset(&b);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v3", NULL, "application/json, */*", NULL),
                     0);
    assert_string_equal(r.content_type, "application/json");
    kp_buf_reset(&want);
    assert_int_equal(kp_openapi_v3_index(&want), 0);
    assert_int_equal(b.len, want.len);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v3/api/v1", NULL,
                                      "application/com.github.proto-openapi.spec.v3@v1.0+protobuf",
                                      NULL),
                     KP_ENOTACCEPTABLE);
    assert_int_equal(kp_openapi_v3_hash(&hash, "apis/apps/v1"), 0);
    kp_buf_reset(&b);
    assert_int_equal(
        kp_openapi_serve(&r, &b, "/openapi/v3/apis/apps/v1", hash, "application/json", NULL), 0);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.cache_control, "immutable"));
    assert_memory_equal(r.etag + 1, hash, 64);
    kp_buf_reset(&b);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v3/apis/apps/v1", "0BAD", NULL, NULL), 0);
    assert_int_equal(r.code, 200);
    assert_string_equal(r.cache_control, "no-store");
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v3/apis/apps/v1", NULL, NULL, NULL), 0);
    assert_null(r.cache_control);

    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v3/apis/nope/v1", NULL, NULL, NULL),
                     KP_ENOTFOUND);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi/v4", NULL, NULL, NULL), KP_ENOTFOUND);
    assert_int_equal(kp_openapi_serve(&r, &b, "/openapi", NULL, NULL, NULL), KP_ENOTFOUND);
    kp_buf_dispose(&b);
    kp_buf_dispose(&want);
}

/* The documents fit the buffer they are given or report KP_ETOOLARGE, never a partial body
 * with success. */
static void test_small_buffer(void **state)
{
    kp_buf b = KP_BUF_INIT(1024);
    (void)state;
    assert_int_equal(kp_openapi_v2_proto(&b), KP_ETOOLARGE);
    kp_buf_dispose(&b);
}

/* ---- field tables: patch strategies, list types, nested unknown fields ---- */

/* path "a.b.c" split into views (they point into path) */
static size_t split_path(kp_sv *out, size_t max, const char *path)
{
    kp_sv in = kp_sv_from(path), seg;
    size_t n = 0;
    while (in.len && n < max) {
        kp_sv_cut(&in, '.', &seg);
        out[n++] = seg;
    }
    return n;
}

static const kp_openapi_field_meta *meta_of(const char *kind, const char *path)
{
    kp_sv segs[32];
    size_t n = split_path(segs, 32, path);
    return kp_openapi_field_lookup(kind, segs, n);
}

/* Every patch strategy the former table of patch.c (smp_rules) held, for every kind it named,
 * is found in the field tables, unchanged. */
static void test_patch_strategies(void **state)
{
    static const char *const all[] = {"Namespace",   "ConfigMap", "Secret",        "ServiceAccount",
                                      "Service",     "Endpoints", "Pod",           "LimitRange",
                                      "Deployment",  "Job",       "CronJob",       "Ingress",
                                      "ClusterRole", "Lease",     "PriorityClass", "Scale"};
    static const char *const templated[] = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
                                            "Job"};
    static const char *const conditions[] = {"Pod",
                                             "Namespace",
                                             "PersistentVolumeClaim",
                                             "Service",
                                             "Deployment",
                                             "ReplicaSet",
                                             "StatefulSet",
                                             "DaemonSet",
                                             "Job",
                                             "PodDisruptionBudget",
                                             "HorizontalPodAutoscaler"};
    static const struct {
        const char *path;
        unsigned strategy;
        const char *key;
    } pod[] = {
        {"volumes", KP_PATCH_MERGE | KP_PATCH_RETAIN_KEYS, "name"},
        {"initContainers", KP_PATCH_MERGE, "name"},
        {"containers", KP_PATCH_MERGE, "name"},
        {"ephemeralContainers", KP_PATCH_MERGE, "name"},
        {"containers.ports", KP_PATCH_MERGE, "containerPort"},
        {"containers.env", KP_PATCH_MERGE, "name"},
        {"initContainers.volumeMounts", KP_PATCH_MERGE, "mountPath"},
        {"ephemeralContainers.volumeDevices", KP_PATCH_MERGE, "devicePath"},
        {"imagePullSecrets", KP_PATCH_MERGE, "name"},
        {"hostAliases", KP_PATCH_MERGE, "ip"},
        {"topologySpreadConstraints", KP_PATCH_MERGE, "topologyKey"},
        {"schedulingGates", KP_PATCH_MERGE, "name"},
        {"resourceClaims", KP_PATCH_MERGE | KP_PATCH_RETAIN_KEYS, "name"},
    };
    static const char *const pod_roots[] = {"Pod:spec", "Deployment:spec.template.spec",
                                            "StatefulSet:spec.template.spec",
                                            "CronJob:spec.jobTemplate.spec.template.spec"};
    const kp_openapi_field_meta *m;
    char path[256];
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(all); i++) {
        m = meta_of(all[i], "metadata.finalizers");
        assert_non_null(m);
        assert_int_equal(m->patch.strategy, KP_PATCH_MERGE);
        assert_null(m->patch.key);
        assert_string_equal(m->list_type, "set");
        m = meta_of(all[i], "metadata.ownerReferences");
        assert_non_null(m);
        assert_int_equal(m->patch.strategy, KP_PATCH_MERGE);
        assert_string_equal(m->patch.key, "uid");
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(templated); i++) {
        m = meta_of(templated[i], "spec.template.metadata.ownerReferences");
        assert_non_null(m);
        assert_string_equal(m->patch.key, "uid");
    }
    assert_string_equal(meta_of("CronJob", "spec.jobTemplate.metadata.ownerReferences")->patch.key,
                        "uid");
    assert_string_equal(
        meta_of("CronJob", "spec.jobTemplate.spec.template.metadata.ownerReferences")->patch.key,
        "uid");
    for (size_t i = 0; i < KP_ARRAY_LEN(conditions); i++) {
        m = meta_of(conditions[i], "status.conditions");
        if (!m || m->patch.strategy != KP_PATCH_MERGE || !m->patch.key ||
            strcmp(m->patch.key, "type") != 0)
            fail_msg("%s: status.conditions not merged on type", conditions[i]);
    }
    for (size_t r = 0; r < KP_ARRAY_LEN(pod_roots); r++) {
        const char *colon = strchr(pod_roots[r], ':');
        char kind[32];
        snprintf(kind, sizeof(kind), "%.*s", (int)(colon - pod_roots[r]), pod_roots[r]);
        for (size_t i = 0; i < KP_ARRAY_LEN(pod); i++) {
            snprintf(path, sizeof(path), "%s.%s", colon + 1, pod[i].path);
            m = meta_of(kind, path);
            if (!m || m->patch.strategy != pod[i].strategy || !m->patch.key ||
                strcmp(m->patch.key, pod[i].key) != 0)
                fail_msg("%s %s: not merged on %s", kind, path, pod[i].key);
        }
    }
    assert_string_equal(meta_of("Pod", "status.podIPs")->patch.key, "ip");
    assert_string_equal(meta_of("Pod", "status.hostIPs")->patch.key, "ip");
    assert_int_equal(meta_of("Pod", "status.resourceClaimStatuses")->patch.strategy,
                     KP_PATCH_MERGE | KP_PATCH_RETAIN_KEYS);
    assert_int_equal(meta_of("Deployment", "spec.strategy")->patch.strategy, KP_PATCH_RETAIN_KEYS);
    assert_string_equal(meta_of("Service", "spec.ports")->patch.key, "port");
    assert_string_equal(meta_of("Service", "spec.ports")->map_keys, "port,protocol");
    assert_string_equal(meta_of("ServiceAccount", "secrets")->patch.key, "name");
    /* k8s: PodDisruptionBudgetSpec.Selector is patchStrategy "replace" */
    assert_int_equal(meta_of("PodDisruptionBudget", "spec.selector")->patch.strategy,
                     KP_PATCH_REPLACE);
    /* atomic lists carry no strategy: a strategic merge patch replaces them */
    m = meta_of("Deployment", "spec.template.spec.tolerations");
    assert_non_null(m);
    assert_int_equal(m->patch.strategy, 0);
    assert_string_equal(m->list_type, "atomic");
    assert_int_equal(meta_of("Pod", "spec.containers.envFrom")->patch.strategy, 0);
    assert_string_equal(meta_of("Pod", "spec.containers.ports")->map_keys,
                        "containerPort,protocol");
    /* what the tables do not describe */
    assert_string_equal(
        meta_of("StatefulSet", "spec.volumeClaimTemplates.metadata.finalizers")->list_type, "set");
    assert_null(meta_of("Pod", "spec.nope"));
    assert_null(meta_of("Pod", "spec.volumes.gcePersistentDisk.pdName"));
    assert_null(meta_of("Nope", "metadata.finalizers"));
    assert_null(meta_of("Workspace", "spec.anything"));
    assert_null(meta_of(NULL, "metadata"));
}

static json_t *json_of(const char *text)
{
    json_t *v = NULL;
    assert_int_equal(kp_json_parse(&v, text, strlen(text)), 0);
    return v;
}

static void expect_unknown(const char *group, const char *kind, const char *in, const char *want,
                           const char *kept)
{
    json_t *obj = json_of(in), *unknown = NULL, *w = json_of(want), *k = json_of(kept);
    assert_int_equal(kp_openapi_prune(&unknown, obj, group, kind), 0);
    if (!json_equal(unknown, w)) {
        char *got = json_dumps(unknown, JSON_COMPACT);
        fail_msg("%s: unknown %s, want %s", kind, got, want);
    }
    if (!json_equal(obj, k)) {
        char *got = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s: kept %s, want %s", kind, got, kept);
    }
    json_decref(obj);
    json_decref(unknown);
    json_decref(w);
    json_decref(k);
}

/* k8s: the strict decoder names unknown fields at any depth, lists by index; what the tables
 * leave open (an uncommon volume source, annotations, quantities) keeps any content. */
static void test_prune_nested(void **state)
{
    (void)state;
    expect_unknown(
        "apps", "Deployment",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
        "{\"name\":\"b\",\"imagee\":\"y\",\"env\":[{\"name\":\"E\",\"valueFrom\":{\"fieldRef\":"
        "{\"fieldPath\":\"f\",\"bogus\":1}}}],\"resources\":{\"limits\":{\"cpu\":\"1\","
        "\"example.com/gpu\":2}}}],\"volumes\":[{\"name\":\"v\",\"gcePersistentDisk\":{\"pdName\":"
        "\"d\",\"future\":true}},{\"name\":\"w\",\"emptyDir\":{\"medium\":\"Memory\",\"x\":1}}]}},"
        "\"strategy\":{\"rollingUpdate\":{\"maxSurge\":\"25%\",\"maxSurgee\":1}}},"
        "\"metadata\":{\"annotations\":{\"any\":\"thing\"}}}",
        "[\"spec.template.spec.containers[1].imagee\","
        "\"spec.template.spec.containers[1].env[0].valueFrom.fieldRef.bogus\","
        "\"spec.template.spec.volumes[1].emptyDir.x\","
        "\"spec.strategy.rollingUpdate.maxSurgee\"]",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
        "{\"name\":\"b\",\"env\":[{\"name\":\"E\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
        "\"f\"}}}],\"resources\":{\"limits\":{\"cpu\":\"1\",\"example.com/gpu\":2}}}],"
        "\"volumes\":[{\"name\":\"v\",\"gcePersistentDisk\":{\"pdName\":\"d\",\"future\":true}},"
        "{\"name\":\"w\",\"emptyDir\":{\"medium\":\"Memory\"}}]}},"
        "\"strategy\":{\"rollingUpdate\":{\"maxSurge\":\"25%\"}}},"
        "\"metadata\":{\"annotations\":{\"any\":\"thing\"}}}");
    expect_unknown("", "Service",
                   "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":\"http\",\"nodeport\":1}],"
                   "\"selector\":{\"a\":\"b\"}},\"status\":{\"loadBalancer\":{\"ingres\":[]}}}",
                   "[\"spec.ports[0].nodeport\",\"status.loadBalancer.ingres\"]",
                   "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":\"http\"}],"
                   "\"selector\":{\"a\":\"b\"}},\"status\":{\"loadBalancer\":{}}}");
    expect_unknown(
        "batch", "CronJob",
        "{\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{\"template\":"
        "{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
        "\"command\":[\"x\"],\"securityContext\":{\"runAsUser\":1,\"runAsUsr\":2}}]}}}}}}",
        "[\"spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUsr\"]",
        "{\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{\"template\":"
        "{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
        "\"command\":[\"x\"],\"securityContext\":{\"runAsUser\":1}}]}}}}}}");
    /* a map of definitions names its key */
    expect_unknown("policy", "PodDisruptionBudget",
                   "{\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"a\":\"b\"},"
                   "\"matchLabel\":{}}}}",
                   "[\"spec.selector.matchLabel\"]",
                   "{\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}}");
    expect_unknown("rbac.authorization.k8s.io", "ClusterRoleBinding",
                   "{\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"x\",\"apiGroup\":\"g\"},"
                   "\"subjects\":[{\"kind\":\"User\",\"name\":\"u\",\"namespce\":\"n\"}]}",
                   "[\"subjects[0].namespce\"]",
                   "{\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"x\",\"apiGroup\":\"g\"},"
                   "\"subjects\":[{\"kind\":\"User\",\"name\":\"u\"}]}");
    /* a list of a kind's own definition (StatefulSet volumeClaimTemplates) */
    expect_unknown(
        "apps", "StatefulSet",
        "{\"spec\":{\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"d\"},"
        "\"spec\":{\"accessMode\":[\"ReadWriteOnce\"]},\"kind\":\"PersistentVolumeClaim\"}]}}",
        "[\"spec.volumeClaimTemplates[0].spec.accessMode\"]",
        "{\"spec\":{\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"d\"},"
        "\"spec\":{},\"kind\":\"PersistentVolumeClaim\"}]}}");
    /* kplane's own kinds stay open below their top level */
    expect_unknown("tenancy.kplane.io", "Workspace", "{\"spec\":{\"anything\":1}}", "[]",
                   "{\"spec\":{\"anything\":1}}");
}

/* json_pack() whose result lives until the test ends (json_equal does not consume) */
static json_t *tmp_values;
static json_t *json_pack_tmp(const char *fmt, ...)
{
    va_list ap;
    json_t *v;
    va_start(ap, fmt);
    v = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    if (!tmp_values)
        tmp_values = json_array();
    json_array_append_new(tmp_values, v);
    return v;
}

/* The extensions kube-apiserver writes, in both versions. */
static void test_extensions(void **state)
{
    kp_buf b = KP_BUF_INIT(DOC_MAX);
    json_t *doc, *defs, *c, *p, *ios;
    (void)state;

    assert_int_equal(kp_openapi_v2_json(&b), 0);
    doc = parse_buf(&b);
    defs = json_object_get(doc, "definitions");
    c = json_object_get(json_object_get(defs, "io.k8s.api.core.v1.Container"), "properties");
    p = json_object_get(c, "ports");
    assert_string_equal(json_string_value(json_object_get(p, "x-kubernetes-list-type")), "map");
    assert_true(json_equal(json_object_get(p, "x-kubernetes-list-map-keys"),
                           json_pack_tmp("[ss]", "containerPort", "protocol")));
    assert_string_equal(json_string_value(json_object_get(p, "x-kubernetes-patch-merge-key")),
                        "containerPort");
    assert_string_equal(json_string_value(json_object_get(p, "x-kubernetes-patch-strategy")),
                        "merge");
    p = json_object_get(
        json_object_get(json_object_get(defs, "io.k8s.api.core.v1.PodSpec"), "properties"),
        "volumes");
    assert_string_equal(json_string_value(json_object_get(p, "x-kubernetes-patch-strategy")),
                        "merge,retainKeys");
    p = json_object_get(
        json_object_get(json_object_get(defs, "io.k8s.api.core.v1.HTTPGetAction"), "properties"),
        "port");
    assert_string_equal(json_string_value(json_object_get(p, "$ref")),
                        "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    ios = json_object_get(defs, "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    assert_string_equal(json_string_value(json_object_get(ios, "format")), "int-or-string");
    assert_string_equal(json_string_value(json_object_get(ios, "type")), "string");
    assert_true(json_equal(
        json_object_get(json_object_get(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"),
                        "x-kubernetes-map-type"),
        json_pack_tmp("s", "atomic")));
    json_decref(doc);

    /* v3: IntOrString and Quantity are oneOf two types (k8s: OpenAPIV3OneOfTypes) */
    kp_buf_reset(&b);
    assert_int_equal(kp_openapi_v3_doc(&b, "apis/apps/v1"), 0);
    doc = parse_buf(&b);
    defs = json_object_get(json_object_get(doc, "components"), "schemas");
    ios = json_object_get(defs, "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    assert_null(json_object_get(ios, "type"));
    assert_true(json_equal(json_object_get(ios, "oneOf"),
                           json_pack_tmp("[{ss}{ss}]", "type", "integer", "type", "string")));
    assert_true(json_equal(
        json_object_get(json_object_get(defs, "io.k8s.apimachinery.pkg.api.resource.Quantity"),
                        "oneOf"),
        json_pack_tmp("[{ss}{ss}]", "type", "string", "type", "number")));
    json_decref(doc);
    kp_buf_dispose(&b);
    json_decref(tmp_values);
    tmp_values = NULL;
}

/* ---- golden files: tests/data/openapi/<case>.json, rewritten by `make golden` ---- */

static const struct {
    const char *file;
    const char *doc; /* "v2" or a v3 group-version path */
    const char *schema;
} goldens[] = {
    {"v3-apps-v1-Deployment", "apis/apps/v1", "io.k8s.api.apps.v1.Deployment"},
    {"v3-apps-v1-DeploymentSpec", "apis/apps/v1", "io.k8s.api.apps.v1.DeploymentSpec"},
    {"v3-api-v1-ServiceSpec", "api/v1", "io.k8s.api.core.v1.ServiceSpec"},
    {"v2-io.k8s.api.core.v1.Container", "v2", "io.k8s.api.core.v1.Container"},
    {"v2-io.k8s.api.core.v1.PodSpec", "v2", "io.k8s.api.core.v1.PodSpec"},
};

static void test_golden(void **state)
{
    const char *root = getenv("KPLANE_ROOT"), *update = getenv("KP_GOLDEN_UPDATE");
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(goldens); i++) {
        kp_buf b = KP_BUF_INIT(DOC_MAX);
        json_t *doc, *s;
        char path[512], *text;
        bool v2 = strcmp(goldens[i].doc, "v2") == 0;

        assert_int_equal(v2 ? kp_openapi_v2_json(&b) : kp_openapi_v3_doc(&b, goldens[i].doc), 0);
        doc = parse_buf(&b);
        s = v2 ? json_object_get(json_object_get(doc, "definitions"), goldens[i].schema)
               : json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                                 goldens[i].schema);
        if (!s)
            fail_msg("no schema %s in %s", goldens[i].schema, goldens[i].doc);
        text = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS);
        snprintf(path, sizeof(path), "%s/tests/data/openapi/%s.json", root ? root : ".",
                 goldens[i].file);
        if (update && *update) {
            FILE *f = fopen(path, "w");
            assert_non_null(f);
            fprintf(f, "%s\n", text);
            assert_int_equal(fclose(f), 0);
        } else {
            kp_buf want = KP_BUF_INIT(DOC_MAX);
            FILE *f = fopen(path, "r");
            char chunk[4096];
            size_t n;
            if (!f)
                fail_msg("cannot read %s (make golden writes it)", path);
            while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                kp_buf_put(&want, chunk, n);
            fclose(f);
            if (want.len != strlen(text) + 1 || memcmp(want.p, text, strlen(text)) != 0) {
                print_error("%s differs from the document:\n%s\n", path, text);
                fail_msg("%s differs (make golden rewrites it; review the diff)", path);
            }
            kp_buf_dispose(&want);
        }
        free(text);
        json_decref(doc);
        kp_buf_dispose(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_concurrent),
        cmocka_unit_test(test_v3_index),
        cmocka_unit_test(test_v3_docs),
        cmocka_unit_test(test_v3_unknown),
        cmocka_unit_test(test_v2_json),
        cmocka_unit_test(test_v2_proto_twin),
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_patch_strategies),
        cmocka_unit_test(test_prune_nested),
        cmocka_unit_test(test_extensions),
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
