#include "lib/common.h"
#include "apiserver/proto.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "tests/support/testlib.h"

/* Bodies kubectl 1.33 sent for its typed create / auth subcommands (1.32 sends the same bytes),
 * captured with a loopback HTTP listener, each next to the JSON kubectl 1.31 sent for the same
 * command line: tests/data/proto/<case>.{bin,json}. */
static const char *const golden[] = {
    "auth-can-i",
    "auth-can-i-list",
    "auth-can-i-nonresource",
    "auth-whoami",
    "clusterrole",
    "clusterrole-aggregation",
    "clusterrole-nonresource",
    "clusterrolebinding",
    "configmap",
    "cronjob",
    "deployment",
    "deployment-cmd",
    "ingress",
    "ingress-notls",
    "job",
    "namespace",
    "poddisruptionbudget",
    "poddisruptionbudget-percent",
    "priorityclass",
    "priorityclass-negative",
    "quota",
    "role",
    "rolebinding",
    "rolebinding-clusterrole",
    "secret-docker-registry",
    "secret-generic",
    "secret-tls",
    "service-clusterip",
    "service-clusterip-none",
    "service-externalname",
    "service-loadbalancer",
    "service-nodeport",
    "serviceaccount",
    "token",
};

/* --- a small protobuf writer for hand-made inputs --- */

static void pw_varint(kp_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        kp_buf_putc(b, (char)(v | 0x80));
        v >>= 7;
    }
    kp_buf_putc(b, (char)v);
}

static void pw_tag(kp_buf *b, uint32_t field, unsigned wt)
{
    pw_varint(b, (uint64_t)field << 3 | wt);
}

static void pw_uint(kp_buf *b, uint32_t field, uint64_t v)
{
    pw_tag(b, field, 0);
    pw_varint(b, v);
}

static void pw_bytes(kp_buf *b, uint32_t field, const void *p, size_t n)
{
    pw_tag(b, field, 2);
    pw_varint(b, n);
    kp_buf_put(b, p, n);
}

static void pw_str(kp_buf *b, uint32_t field, const char *s)
{
    pw_bytes(b, field, s, strlen(s));
}

static void pw_msg(kp_buf *b, uint32_t field, const kp_buf *sub)
{
    pw_bytes(b, field, sub->p ? sub->p : "", sub->len);
}

/* map<string,string> entry */
static void pw_entry(kp_buf *b, uint32_t field, const char *k, const char *v)
{
    kp_buf e = KP_BUF_INIT(1 << 20);
    if (k)
        pw_str(&e, 1, k);
    if (v)
        pw_str(&e, 2, v);
    pw_msg(b, field, &e);
    kp_buf_dispose(&e);
}

/* "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw, "", ""}, as kubectl writes it. */
static void pw_envelope(kp_buf *out, const char *api_version, const char *kind, const kp_buf *raw)
{
    kp_buf tm = KP_BUF_INIT(1 << 20);

    kp_buf_put(out, "k8s", 4);
    if (api_version)
        pw_str(&tm, 1, api_version);
    if (kind)
        pw_str(&tm, 2, kind);
    pw_msg(out, 1, &tm);
    if (raw)
        pw_msg(out, 2, raw);
    pw_str(out, 3, "");
    pw_str(out, 4, "");
    kp_buf_dispose(&tm);
}

static json_t *decode_ok(const kp_buf *b)
{
    json_t *v = NULL;
    int rc = kp_proto_decode(&v, b->p, b->len);
    if (rc != 0)
        fail_msg("decode failed: %d %s", rc, kp_err_msg());
    return v;
}

static int decode_rc(const kp_buf *b)
{
    json_t *v = NULL;
    int rc = kp_proto_decode(&v, b->p, b->len);
    assert_true(rc < 0);
    assert_null(v);
    assert_true(kp_err_msg()[0] != '\0');
    return rc;
}

static json_t *parse(const char *text)
{
    json_t *v = NULL;
    if (kp_json_parse(&v, text, strlen(text)) != 0)
        fail_msg("bad expected JSON %s: %s", text, kp_err_msg());
    return v;
}

static void assert_json(json_t *got, const char *want_text)
{
    json_t *want = parse(want_text);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
        print_error("got  %s\nwant %s\n", g, w);
        free(g);
        free(w);
        fail();
    }
    json_decref(want);
}

/* Decodes a ConfigMap whose metadata is meta, to exercise ObjectMeta. */
static json_t *decode_meta(const kp_buf *meta)
{
    kp_buf raw = KP_BUF_INIT(1 << 22), body = KP_BUF_INIT(1 << 22);
    json_t *v;

    pw_msg(&raw, 1, meta);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    v = decode_ok(&body);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
    return v;
}

static void read_file(kp_buf *b, const char *name, const char *ext)
{
    const char *root = getenv("KPLANE_ROOT");
    char path[4096];
    int rc;

    snprintf(path, sizeof(path), "%s/tests/data/proto/%s.%s", root ? root : ".", name, ext);
    kp_buf_init(b, 1 << 22);
    if ((rc = kp_buf_read_file(b, path)) < 0)
        fail_msg("%s: %s", path, kp_err_msg());
}

static void test_golden(void **state)
{
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(golden); i++) {
        kp_buf bin, js;
        json_t *got = NULL, *want = NULL;
        int rc;

        read_file(&bin, golden[i], "bin");
        read_file(&js, golden[i], "json");
        rc = kp_proto_decode(&got, bin.p, bin.len);
        if (rc != 0)
            fail_msg("%s: %d %s", golden[i], rc, kp_err_msg());
        assert_int_equal(kp_json_parse(&want, js.p, js.len), 0);
        if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
            print_error("%s decodes to %s\n", golden[i], g);
            free(g);
            fail_msg("%s differs from %s.json", golden[i], golden[i]);
        }
        json_decref(got);
        json_decref(want);
        kp_buf_dispose(&bin);
        kp_buf_dispose(&js);
    }
}

/* Every kind decodes from an empty raw message: kind and apiVersion set, the fields Go always
 * writes (no omitempty) present. */
static void test_every_kind(void **state)
{
    static const struct {
        const char *api_version, *kind, *want;
    } cases[] = {
        {"v1", "Namespace", "{}"},
        {"v1", "ConfigMap", "{}"},
        {"v1", "Secret", "{}"},
        {"v1", "ServiceAccount", "{}"},
        {"v1", "Service", "{}"},
        {"v1", "ResourceQuota", "{}"},
        {"apps/v1", "Deployment", "{}"},
        {"batch/v1", "Job", "{}"},
        {"batch/v1", "CronJob", "{}"},
        {"rbac.authorization.k8s.io/v1", "Role", "{\"rules\":null}"},
        {"rbac.authorization.k8s.io/v1", "RoleBinding", "{}"},
        {"rbac.authorization.k8s.io/v1", "ClusterRole", "{\"rules\":null}"},
        {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "{}"},
        {"scheduling.k8s.io/v1", "PriorityClass", "{\"value\":0}"},
        {"policy/v1", "PodDisruptionBudget", "{}"},
        {"networking.k8s.io/v1", "Ingress", "{}"},
        {"authentication.k8s.io/v1", "TokenRequest", "{}"},
        {"authentication.k8s.io/v1", "TokenReview", "{}"},
        {"authentication.k8s.io/v1", "SelfSubjectReview", "{}"},
        {"authorization.k8s.io/v1", "SelfSubjectAccessReview", "{}"},
        {"authorization.k8s.io/v1", "SelfSubjectRulesReview", "{}"},
        {"authorization.k8s.io/v1", "SubjectAccessReview", "{}"},
        {"authorization.k8s.io/v1", "LocalSubjectAccessReview", "{}"},
    };
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
        json_t *got, *want = parse(cases[i].want);

        json_object_set_new(want, "kind", json_string(cases[i].kind));
        json_object_set_new(want, "apiVersion", json_string(cases[i].api_version));
        /* with and without an (empty) raw field */
        pw_envelope(&body, cases[i].api_version, cases[i].kind, i % 2 ? &raw : NULL);
        got = decode_ok(&body);
        if (!json_equal(got, want))
            fail_msg("%s/%s", cases[i].api_version, cases[i].kind);
        json_decref(got);
        json_decref(want);
        kp_buf_dispose(&raw);
        kp_buf_dispose(&body);
    }
}

static void test_envelope_errors(void **state)
{
    kp_buf body = KP_BUF_INIT(1 << 20), raw = KP_BUF_INIT(1 << 20);
    (void)state;

    /* magic */
    kp_buf_puts(&body, "{\"kind\":\"ConfigMap\"}");
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "magic"));
    kp_buf_reset(&body);
    kp_buf_put(&body, "k8s", 3);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    kp_buf_reset(&body);
    pw_envelope(&body, "v1", "ConfigMap", NULL);
    body.p[3] = 1;
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    {
        json_t *v = NULL;
        assert_int_equal(kp_proto_decode(&v, NULL, 0), KP_EBADREQUEST);
        assert_null(v);
    }

    /* no kind */
    kp_buf_reset(&body);
    pw_envelope(&body, "v1", NULL, NULL);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    /* kinds kplane does not decode: 415 naming the kind */
    kp_buf_reset(&body);
    pw_envelope(&body, "v1", "Pod", NULL);
    assert_int_equal(decode_rc(&body), KP_EMEDIATYPE);
    assert_non_null(strstr(kp_err_msg(), "\"Pod\""));
    kp_buf_reset(&body);
    pw_envelope(&body, "apps/v1beta1", "Deployment", NULL);
    assert_int_equal(decode_rc(&body), KP_EMEDIATYPE);
    assert_non_null(strstr(kp_err_msg(), "\"Deployment\""));
    assert_non_null(strstr(kp_err_msg(), "apps/v1beta1"));

    /* an encoding or content type other than plain protobuf */
    kp_buf_reset(&body);
    kp_buf_put(&body, "k8s", 4);
    {
        kp_buf tm = KP_BUF_INIT(1 << 10);
        pw_str(&tm, 1, "v1");
        pw_str(&tm, 2, "ConfigMap");
        pw_msg(&body, 1, &tm);
        kp_buf_dispose(&tm);
    }
    pw_str(&body, 3, "gzip");
    assert_int_equal(decode_rc(&body), KP_EMEDIATYPE);
    body.len -= 6;
    pw_str(&body, 4, "application/json");
    assert_int_equal(decode_rc(&body), KP_EMEDIATYPE);
    body.len -= 18;
    pw_str(&body, 4, KP_PROTO_MEDIA_TYPE);
    json_decref(decode_ok(&body));

    /* the envelope's own fields with the wrong wire type */
    kp_buf_reset(&body);
    kp_buf_put(&body, "k8s", 4);
    pw_uint(&body, 1, 5);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    /* over the body cap: refused before reading */
    {
        json_t *v = NULL;
        char *big = kp_calloc(1, (size_t)KP_BODY_MAX + 1);
        memcpy(big, "k8s", 4);
        assert_int_equal(kp_proto_decode(&v, big, (size_t)KP_BODY_MAX + 1), KP_ETOOLARGE);
        free(big);
    }
    kp_buf_dispose(&body);
    kp_buf_dispose(&raw);
}

/* Every prefix of a real body either decodes (a cut between envelope fields) or is refused
 * with 400; a cut inside raw is always refused. */
static void test_truncated(void **state)
{
    kp_buf bin, body = KP_BUF_INIT(1 << 20);
    (void)state;

    read_file(&bin, "deployment", "bin");
    for (size_t n = 0; n < bin.len; n++) {
        json_t *v = NULL;
        int rc = kp_proto_decode(&v, bin.p, n);
        if (rc == 0) {
            json_decref(v);
            continue;
        }
        assert_int_equal(rc, KP_EBADREQUEST);
        assert_null(v);
    }
    /* the raw field starts after magic(4) + typeMeta(2 + 21) + its tag and 2-byte length */
    for (size_t n = 4 + 23 + 3; n < bin.len - 4; n++) {
        json_t *v = NULL;
        if (kp_proto_decode(&v, bin.p, n) != KP_EBADREQUEST)
            fail_msg("prefix of %zu bytes decoded", n);
    }
    kp_buf_dispose(&bin);
    kp_buf_dispose(&body);
}

static void test_bad_lengths(void **state)
{
    kp_buf meta = KP_BUF_INIT(1 << 20), raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
    (void)state;

    /* a string claiming more bytes than its message holds */
    pw_tag(&meta, 1, 2);
    pw_varint(&meta, 50);
    kp_buf_puts(&meta, "short");
    pw_msg(&raw, 1, &meta);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "runs past"));

    /* a length that overflows any size */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_tag(&raw, 1, 2);
    pw_varint(&raw, UINT64_MAX);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    /* the raw field's own length past the end of the body */
    kp_buf_reset(&body);
    kp_buf_put(&body, "k8s", 4);
    pw_tag(&body, 2, 2);
    pw_varint(&body, 1000);
    kp_buf_puts(&body, "xx");
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    /* an 11-byte varint */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_tag(&raw, 4, 0);
    kp_buf_put(&raw, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "varint"));

    /* field number 0, and fixed32/fixed64 cut short */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_uint(&raw, 0, 1);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_tag(&raw, 9, 1);
    kp_buf_put(&raw, "1234", 4);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    kp_buf_dispose(&meta);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
}

static void test_unknown_fields(void **state)
{
    kp_buf meta = KP_BUF_INIT(1 << 20), raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
    kp_buf sub = KP_BUF_INIT(1 << 20);
    json_t *v;
    (void)state;

    /* wire types 0, 1, 2 and 5 in fields the table does not know, at two levels */
    pw_uint(&meta, 99, 300);
    pw_str(&meta, 1, "cm");
    pw_tag(&meta, 100, 1);
    kp_buf_put(&meta, "12345678", 8);
    pw_tag(&meta, 101, 5);
    kp_buf_put(&meta, "1234", 4);
    pw_uint(&sub, 7, 1); /* nested junk is never looked into */
    pw_msg(&meta, 102, &sub);
    pw_str(&meta, 15, "ObjectMeta field 15 does not exist");
    pw_msg(&raw, 1, &meta);
    pw_uint(&raw, 77, 1);
    pw_entry(&raw, 2, "a", "b");
    pw_tag(&raw, 536870911, 5); /* the largest field number */
    kp_buf_put(&raw, "1234", 4);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    /* unknown envelope and typeMeta fields too */
    pw_uint(&body, 9, 1);
    v = decode_ok(&body);
    assert_json(v, "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm\"},"
                   "\"data\":{\"a\":\"b\"}}");
    json_decref(v);

    /* groups (wire types 3 and 4) and the unused wire types 6 and 7 are refused */
    for (unsigned wt = 3; wt <= 7; wt++) {
        if (wt == 5)
            continue;
        kp_buf_reset(&raw);
        kp_buf_reset(&body);
        pw_tag(&raw, 50, wt);
        pw_tag(&raw, 50, 4);
        pw_envelope(&body, "v1", "ConfigMap", &raw);
        assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    }
    kp_buf_dispose(&meta);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
    kp_buf_dispose(&sub);
}

static void test_wire_type_mismatch(void **state)
{
    kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
    (void)state;

    pw_uint(&raw, 1, 3); /* metadata as a varint */
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "ConfigMap.metadata"));

    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_str(&raw, 4, "yes"); /* immutable (bool) as bytes */
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
}

static void test_utf8(void **state)
{
    kp_buf meta = KP_BUF_INIT(1 << 20), raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
    static const char *const bad[] = {"\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      "\xe2\x82"};
    json_t *v;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        kp_buf_reset(&meta);
        pw_str(&meta, 1, bad[i]);
        kp_buf_reset(&raw);
        pw_msg(&raw, 1, &meta);
        kp_buf_reset(&body);
        pw_envelope(&body, "v1", "ConfigMap", &raw);
        assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    }
    /* map keys too */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_entry(&raw, 2, "\xff", "x");
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
    /* and NUL in a key, which JSON objects here cannot hold (found by fuzz_proto) */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    kp_buf_reset(&meta);
    pw_bytes(&meta, 1, "a\0b", 3);
    pw_str(&meta, 2, "x");
    pw_msg(&raw, 2, &meta);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    /* multi-byte text and a NUL survive (the JSON path allows \u0000 too) */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    kp_buf_reset(&meta);
    pw_str(&meta, 1, "k");
    pw_bytes(&meta, 2, "a\0\xc3\xa9\xf0\x9f\x98\x80", 8);
    pw_msg(&raw, 2, &meta);
    pw_envelope(&body, "v1", "ConfigMap", &raw);
    v = decode_ok(&body);
    assert_int_equal(json_string_length(json_object_get(json_object_get(v, "data"), "k")), 8);
    json_decref(v);
    kp_buf_dispose(&meta);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
}

/* Nesting is capped at KP_JSON_DEPTH_MAX like JSON bodies; the only open-ended nesting in these
 * kinds is the raw JSON of managedFields[].fieldsV1. */
static void test_depth(void **state)
{
    kp_buf meta = KP_BUF_INIT(1 << 20), mf = KP_BUF_INIT(1 << 20), fv = KP_BUF_INIT(1 << 20);
    kp_buf js = KP_BUF_INIT(1 << 20);
    json_t *v;
    (void)state;

    /* the object is depth 1, metadata 2, managedFields 3, its entry 4: fieldsV1's own JSON
     * starts at depth 5, so it may nest 96 levels (levels + 1 here) and no more */
    for (int levels = 95; levels <= 97; levels++) {
        kp_buf_reset(&js);
        for (int i = 0; i < levels; i++)
            kp_buf_puts(&js, "{\"f:a\":");
        kp_buf_puts(&js, "{}");
        for (int i = 0; i < levels; i++)
            kp_buf_putc(&js, '}');
        kp_buf_reset(&fv);
        pw_bytes(&fv, 1, js.p, js.len);
        kp_buf_reset(&mf);
        pw_str(&mf, 1, "kubectl");
        pw_str(&mf, 6, "FieldsV1");
        pw_msg(&mf, 7, &fv);
        kp_buf_reset(&meta);
        pw_str(&meta, 1, "deep");
        pw_msg(&meta, 17, &mf);
        if (levels < 96) {
            v = decode_meta(&meta);
            assert_int_equal(json_array_size(kp_json_get(v, "metadata.managedFields")), 1);
            json_decref(v);
        } else {
            kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
            pw_msg(&raw, 1, &meta);
            pw_envelope(&body, "v1", "ConfigMap", &raw);
            assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
            assert_non_null(strstr(kp_err_msg(), "deeper"));
            kp_buf_dispose(&raw);
            kp_buf_dispose(&body);
        }
    }

    /* a small fieldsV1 comes through as JSON, and bad JSON in it is a 400 */
    kp_buf_reset(&fv);
    pw_str(&fv, 1, "{\"f:data\":{\"f:a\":{}}}");
    kp_buf_reset(&mf);
    pw_str(&mf, 1, "kubectl-create");
    pw_str(&mf, 2, "Update");
    pw_str(&mf, 3, "v1");
    {
        kp_buf t = KP_BUF_INIT(64);
        pw_uint(&t, 1, 1700000000);
        pw_uint(&t, 2, 999);
        pw_msg(&mf, 4, &t);
        kp_buf_dispose(&t);
    }
    pw_str(&mf, 6, "FieldsV1");
    pw_msg(&mf, 7, &fv);
    kp_buf_reset(&meta);
    pw_msg(&meta, 17, &mf);
    v = decode_meta(&meta);
    assert_json(json_object_get(v, "metadata"),
                "{\"managedFields\":[{\"manager\":\"kubectl-create\",\"operation\":\"Update\","
                "\"apiVersion\":\"v1\",\"time\":\"2023-11-14T22:13:20Z\",\"fieldsType\":"
                "\"FieldsV1\",\"fieldsV1\":{\"f:data\":{\"f:a\":{}}}}]}");
    json_decref(v);
    kp_buf_reset(&fv);
    pw_str(&fv, 1, "{\"f:data\":");
    kp_buf_reset(&mf);
    pw_msg(&mf, 7, &fv);
    kp_buf_reset(&meta);
    pw_msg(&meta, 17, &mf);
    {
        kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
        pw_msg(&raw, 1, &meta);
        pw_envelope(&body, "v1", "ConfigMap", &raw);
        assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
        kp_buf_dispose(&raw);
        kp_buf_dispose(&body);
    }
    kp_buf_dispose(&meta);
    kp_buf_dispose(&mf);
    kp_buf_dispose(&fv);
    kp_buf_dispose(&js);
}

static void test_object_meta(void **state)
{
    kp_buf meta = KP_BUF_INIT(1 << 20), sub = KP_BUF_INIT(1 << 20);
    json_t *v;
    (void)state;

    pw_str(&meta, 1, "first");
    pw_str(&meta, 1, "web"); /* proto: the last value of a field wins */
    pw_str(&meta, 2, "web-");
    pw_str(&meta, 3, "prod");
    pw_str(&meta, 5, "");
    pw_uint(&meta, 7, 0);
    pw_msg(&meta, 8, &sub); /* creationTimestamp: the zero time is null */
    pw_uint(&meta, 10, 0);  /* deletionGracePeriodSeconds is a pointer: 0 kept */
    pw_entry(&meta, 11, "app", "web");
    pw_entry(&meta, 11, "tier", NULL); /* value missing: "" */
    pw_entry(&meta, 11, "app", "api"); /* same key again: last wins */
    pw_entry(&meta, 12, NULL, "x");    /* key missing: "" */
    pw_str(&meta, 14, "a/b");
    pw_str(&meta, 14, "");
    pw_str(&sub, 5, "apps/v1");
    pw_str(&sub, 1, "Deployment");
    pw_str(&sub, 3, "web");
    pw_str(&sub, 4, "u-1");
    pw_uint(&sub, 6, 1);
    pw_msg(&meta, 13, &sub);
    kp_buf_reset(&sub);
    pw_uint(&sub, 6, 0);
    pw_msg(&meta, 13, &sub); /* kind/name/uid/apiVersion lack omitempty */
    kp_buf_reset(&sub);
    pw_uint(&sub, 1, (uint64_t)-1); /* deletionTimestamp 1969-12-31T23:59:59Z */
    pw_msg(&meta, 9, &sub);
    v = decode_meta(&meta);
    assert_json(json_object_get(v, "metadata"),
                "{\"name\":\"web\",\"generateName\":\"web-\",\"namespace\":\"prod\","
                "\"creationTimestamp\":null,\"deletionTimestamp\":\"1969-12-31T23:59:59Z\","
                "\"deletionGracePeriodSeconds\":0,"
                "\"labels\":{\"app\":\"api\",\"tier\":\"\"},\"annotations\":{\"\":\"x\"},"
                "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                "\"name\":\"web\",\"uid\":\"u-1\",\"controller\":true},"
                "{\"apiVersion\":\"\",\"kind\":\"\",\"name\":\"\",\"uid\":\"\","
                "\"controller\":false}],\"finalizers\":[\"a/b\",\"\"]}");
    json_decref(v);

    /* a singular message given twice merges, as in Go */
    kp_buf_reset(&meta);
    kp_buf_reset(&sub);
    pw_str(&sub, 1, "a");
    pw_entry(&sub, 11, "x", "1");
    pw_msg(&meta, 1, &sub);
    {
        kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20), m2 = KP_BUF_INIT(64);
        pw_msg(&raw, 1, &sub);
        pw_str(&m2, 3, "ns");
        pw_entry(&m2, 11, "y", "2");
        pw_msg(&raw, 1, &m2);
        pw_envelope(&body, "v1", "ConfigMap", &raw);
        v = decode_ok(&body);
        assert_json(json_object_get(v, "metadata"),
                    "{\"name\":\"a\",\"namespace\":\"ns\",\"labels\":{\"x\":\"1\",\"y\":\"2\"}}");
        json_decref(v);
        kp_buf_dispose(&raw);
        kp_buf_dispose(&body);
        kp_buf_dispose(&m2);
    }
    kp_buf_dispose(&meta);
    kp_buf_dispose(&sub);
}

static void test_time(void **state)
{
    static const struct {
        int64_t secs;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1700000000, "2023-11-14T22:13:20Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {-62167219200LL, "0000-01-01T00:00:00Z"},
        {253402300799LL, "9999-12-31T23:59:59Z"},
        {-86401, "1969-12-30T23:59:59Z"},
    };
    kp_buf meta = KP_BUF_INIT(1 << 10), t = KP_BUF_INIT(64);
    json_t *v;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        kp_buf_reset(&t);
        pw_uint(&t, 1, (uint64_t)cases[i].secs);
        pw_uint(&t, 2, 500000000); /* nanos: dropped, as metav1.Time does */
        kp_buf_reset(&meta);
        pw_msg(&meta, 8, &t);
        v = decode_meta(&meta);
        assert_string_equal(kp_json_get_str(v, "metadata.creationTimestamp"), cases[i].want);
        json_decref(v);
    }
    for (int i = 0; i < 2; i++) {
        kp_buf raw = KP_BUF_INIT(1 << 10), body = KP_BUF_INIT(1 << 10);
        kp_buf_reset(&t);
        pw_uint(&t, 1, i ? (uint64_t)253402300800LL : (uint64_t)-62167219201LL);
        kp_buf_reset(&meta);
        pw_msg(&meta, 8, &t);
        pw_msg(&raw, 1, &meta);
        pw_envelope(&body, "v1", "ConfigMap", &raw);
        assert_int_equal(decode_rc(&body), KP_EBADREQUEST);
        kp_buf_dispose(&raw);
        kp_buf_dispose(&body);
    }
    kp_buf_dispose(&meta);
    kp_buf_dispose(&t);
}

/* A Deployment exercising pointers (0 and false kept), omitempty (0 and false dropped),
 * IntOrString, Quantity maps, inline structs, packed repeated ints and negative int32. */
static void test_pod_template(void **state)
{
    kp_buf spec = KP_BUF_INIT(1 << 20), tmpl = KP_BUF_INIT(1 << 20), pod = KP_BUF_INIT(1 << 20);
    kp_buf c = KP_BUF_INIT(1 << 20), x = KP_BUF_INIT(1 << 20), y = KP_BUF_INIT(1 << 20);
    kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20);
    json_t *v;
    (void)state;

    /* container */
    pw_str(&c, 1, "app");
    pw_str(&c, 2, "nginx:1.27");
    pw_str(&c, 3, "sh");
    pw_str(&c, 3, "-c");
    pw_str(&x, 1, "http");
    pw_uint(&x, 2, 0);
    pw_uint(&x, 3, 8080);
    pw_str(&x, 4, "TCP");
    pw_msg(&c, 6, &x);
    kp_buf_reset(&x);
    pw_str(&x, 1, "MODE");
    pw_str(&x, 2, "");
    pw_msg(&c, 7, &x); /* env value "" is omitempty; name is not */
    kp_buf_reset(&x);
    pw_str(&x, 1, "POD");
    pw_str(&y, 2, "metadata.name");
    {
        kp_buf src = KP_BUF_INIT(256);
        pw_msg(&src, 1, &y);
        pw_msg(&x, 3, &src);
        kp_buf_dispose(&src);
    }
    pw_msg(&c, 7, &x);
    kp_buf_reset(&x);
    kp_buf_reset(&y);
    pw_str(&y, 1, "settings"); /* LocalObjectReference, inlined */
    pw_msg(&x, 1, &y);
    pw_str(&x, 2, "level");
    pw_uint(&x, 3, 0); /* optional is a pointer: false kept */
    kp_buf_reset(&y);
    pw_msg(&y, 3, &x);
    kp_buf_reset(&x);
    pw_str(&x, 1, "LEVEL");
    pw_msg(&x, 3, &y);
    pw_msg(&c, 7, &x);
    kp_buf_reset(&x);
    kp_buf_reset(&y);
    pw_str(&y, 1, "cpu");
    pw_bytes(&y, 2,
             "\x0a\x04"
             "500m",
             6);
    pw_msg(&x, 2, &y);
    kp_buf_reset(&y);
    pw_str(&y, 1, "memory");
    pw_bytes(&y, 2, "", 0); /* a Quantity without its string is "0" */
    pw_msg(&x, 1, &y);
    pw_msg(&c, 8, &x);
    kp_buf_reset(&x);
    kp_buf_reset(&y);
    pw_str(&y, 1, "/healthz");
    pw_bytes(&y, 2, "\x08\x01\x1a\x04http", 8); /* port: IntOrString "http" */
    {
        kp_buf h = KP_BUF_INIT(256);
        pw_msg(&h, 2, &y);
        pw_msg(&x, 1, &h); /* ProbeHandler, inlined into the probe */
        kp_buf_dispose(&h);
    }
    pw_uint(&x, 2, 0);
    pw_uint(&x, 4, 10);
    pw_msg(&c, 10, &x);
    pw_uint(&c, 16, 0);
    pw_uint(&c, 18, 1);
    /* pod */
    pw_msg(&pod, 2, &c);
    pw_str(&pod, 3, "Always");
    pw_uint(&pod, 4, 0);
    pw_uint(&pod, 11, 0);
    pw_uint(&pod, 21, 0);
    pw_uint(&pod, 25, (uint64_t)(int64_t)-5); /* int32 -5 on the wire: 10 bytes */
    kp_buf_reset(&x);
    pw_uint(&x, 4, 1000);
    pw_bytes(&x, 4, "\xd1\x0f\xd2\x0f", 4); /* packed: 2001, 2002 */
    pw_uint(&x, 5, 0);
    pw_msg(&pod, 14, &x);
    kp_buf_reset(&x);
    pw_str(&x, 1, "data");
    pw_bytes(&x, 2, "\x12\x00", 2); /* VolumeSource inlined: emptyDir {} */
    pw_msg(&pod, 1, &x);
    /* template and spec */
    pw_msg(&tmpl, 2, &pod);
    pw_uint(&spec, 1, 0);
    pw_msg(&spec, 3, &tmpl);
    pw_uint(&spec, 5, 0);
    pw_uint(&spec, 7, 0);
    kp_buf_reset(&x);
    pw_bytes(&x, 1, "\x08\x00\x10\x00", 4); /* maxUnavailable: int 0 */
    pw_bytes(&x, 2,
             "\x08\x01\x1a\x03"
             "25%",
             7);
    kp_buf_reset(&y);
    pw_str(&y, 1, "RollingUpdate");
    pw_msg(&y, 2, &x);
    pw_msg(&spec, 4, &y);
    pw_msg(&raw, 2, &spec);
    pw_envelope(&body, "apps/v1", "Deployment", &raw);
    v = decode_ok(&body);
    assert_json(
        v, "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"spec\":{\"replicas\":0,"
           "\"selector\":null,\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":"
           "{\"maxUnavailable\":0,\"maxSurge\":\"25%\"}},\"template\":{\"spec\":{"
           "\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}}],"
           "\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\",\"command\":[\"sh\",\"-c\"],"
           "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"}],"
           "\"env\":[{\"name\":\"MODE\"},{\"name\":\"POD\",\"valueFrom\":{\"fieldRef\":"
           "{\"fieldPath\":\"metadata.name\"}}},{\"name\":\"LEVEL\",\"valueFrom\":"
           "{\"configMapKeyRef\":{\"name\":\"settings\",\"key\":\"level\",\"optional\":false}}}],"
           "\"resources\":{\"requests\":{\"cpu\":\"500m\"},\"limits\":{\"memory\":\"0\"}},"
           "\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\"},"
           "\"periodSeconds\":10},\"tty\":true}],"
           "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":0,"
           "\"automountServiceAccountToken\":false,\"priority\":-5,"
           "\"securityContext\":{\"supplementalGroups\":[1000,2001,2002],\"fsGroup\":0}}}}}");
    json_decref(v);

    /* IntOrString of an unknown type */
    kp_buf_reset(&x);
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    pw_bytes(&x, 1, "\x08\x02", 2);
    pw_msg(&raw, 2, &x);
    pw_envelope(&body, "policy/v1", "PodDisruptionBudget", &raw);
    assert_int_equal(decode_rc(&body), KP_EBADREQUEST);

    kp_buf_dispose(&spec);
    kp_buf_dispose(&tmpl);
    kp_buf_dispose(&pod);
    kp_buf_dispose(&c);
    kp_buf_dispose(&x);
    kp_buf_dispose(&y);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
}

static void test_secret_and_extra(void **state)
{
    kp_buf raw = KP_BUF_INIT(1 << 20), body = KP_BUF_INIT(1 << 20), e = KP_BUF_INIT(1 << 20);
    kp_buf x = KP_BUF_INIT(1 << 20);
    json_t *v;
    (void)state;

    /* Secret: data is base64 bytes, stringData plain, immutable a pointer */
    pw_str(&e, 1, "bin");
    pw_bytes(&e, 2, "\x00\xff\xfe", 3);
    pw_msg(&raw, 2, &e);
    kp_buf_reset(&e);
    pw_str(&e, 1, "empty");
    pw_msg(&raw, 2, &e);
    pw_entry(&raw, 4, "user", "admin");
    pw_str(&raw, 3, "Opaque");
    pw_uint(&raw, 5, 0);
    pw_envelope(&body, "v1", "Secret", &raw);
    v = decode_ok(&body);
    assert_json(v, "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"data\":{\"bin\":\"AP/+\","
                   "\"empty\":\"\"},\"stringData\":{\"user\":\"admin\"},\"type\":\"Opaque\","
                   "\"immutable\":false}");
    json_decref(v);

    /* SubjectAccessReview: extra is map<string, ExtraValue{repeated string items}> */
    kp_buf_reset(&raw);
    kp_buf_reset(&body);
    kp_buf_reset(&e);
    pw_str(&x, 1, "a");
    pw_str(&x, 1, "b");
    pw_str(&e, 1, "scopes");
    pw_msg(&e, 2, &x);
    kp_buf_reset(&x);
    pw_str(&x, 3, "alice");
    pw_msg(&x, 5, &e);
    kp_buf_reset(&e);
    pw_str(&e, 1, "none");
    pw_msg(&x, 5, &e);
    pw_str(&x, 4, "devs");
    pw_msg(&raw, 2, &x);
    pw_envelope(&body, "authorization.k8s.io/v1", "SubjectAccessReview", &raw);
    v = decode_ok(&body);
    assert_json(v, "{\"kind\":\"SubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\","
                   "\"spec\":{\"user\":\"alice\",\"groups\":[\"devs\"],\"extra\":{\"scopes\":"
                   "[\"a\",\"b\"],\"none\":null}}}");
    json_decref(v);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
    kp_buf_dispose(&e);
    kp_buf_dispose(&x);
}

/* A body of empty repeated messages expands into far more JSON than its bytes; the decoder
 * stops at its value budget instead of allocating without bound. */
static void test_expansion_cap(void **state)
{
    kp_buf pod = KP_BUF_INIT(KP_BODY_MAX), tmpl = KP_BUF_INIT(KP_BODY_MAX);
    kp_buf spec = KP_BUF_INIT(KP_BODY_MAX), raw = KP_BUF_INIT(KP_BODY_MAX);
    kp_buf body = KP_BUF_INIT(KP_BODY_MAX);
    (void)state;

    for (int i = 0; i < 700000; i++)
        kp_buf_put(&pod, "\x12\x00", 2); /* containers: [{"name":""}, ...] */
    pw_msg(&tmpl, 2, &pod);
    pw_msg(&spec, 3, &tmpl);
    pw_msg(&raw, 2, &spec);
    pw_envelope(&body, "apps/v1", "Deployment", &raw);
    assert_int_equal(kp_buf_status(&body), 0);
    assert_int_equal(decode_rc(&body), KP_ETOOLARGE);
    kp_buf_dispose(&pod);
    kp_buf_dispose(&tmpl);
    kp_buf_dispose(&spec);
    kp_buf_dispose(&raw);
    kp_buf_dispose(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_envelope_errors),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_wire_type_mismatch),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_object_meta),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_pod_template),
        cmocka_unit_test(test_secret_and_extra),
        cmocka_unit_test(test_expansion_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
