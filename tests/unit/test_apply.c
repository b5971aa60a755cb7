#include "lib/common.h"
#include "apiserver/apply.h"
#include "apiserver/patch.h"
#include "lib/json.h"
#include "tests/support/testlib.h"

/* Server-side apply and managedFields tracking, as structured-merge-diff's merge.Updater and
 * kube-apiserver's fieldmanager behave. */

static json_t *J(const char *s)
{
    json_error_t err;
    json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &err);
    if (!v)
        fail_msg("test JSON does not parse: %s: %s", err.text, s);
    return v;
}

static void assert_json(const json_t *got, const char *want)
{
    json_t *w = J(want);
    if (!json_equal((json_t *)got, w)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s\nwant %s", g, want);
    }
    json_decref(w);
}

static kp_apply_op op_of(const char *manager, const char *kind, const char *gv)
{
    kp_apply_op op;
    memset(&op, 0, sizeof(op));
    op.manager = manager;
    op.api_version = gv;
    op.now = "2026-01-02T03:04:05Z";
    op.status_sub = strcmp(kind, "Deployment") == 0;
    op.ft = kp_patch_field_types(kind);
    return op;
}

/* "manager/operation" of each entry, in order */
static void assert_managers(const json_t *obj, const char *want)
{
    char got[512] = "";
    const json_t *e;
    size_t i;

    json_array_foreach(kp_json_get(obj, "metadata.managedFields"), i, e)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof(got) - n, "%s%s/%s", i ? "," : "", kp_json_get_str(e, "manager"),
                 kp_json_get_str(e, "operation"));
    }
    assert_string_equal(got, want);
}

static const json_t *fields_of(const json_t *obj, const char *manager)
{
    const json_t *e;
    size_t i;
    json_array_foreach(kp_json_get(obj, "metadata.managedFields"), i, e)
    {
        if (strcmp(kp_json_get_str(e, "manager"), manager) == 0)
            return json_object_get(e, "fieldsV1");
    }
    return NULL;
}

static void test_track(void **state)
{
    kp_apply_op op = op_of("kubectl-create", "ConfigMap", "v1");
    json_t *obj = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
                    "\"uid\":\"u\",\"annotations\":{\"kplane.io/cluster\":\"x\"}},\"data\":{\"a\":"
                    "\"1\",\"b\":\"2\"}}");
    json_t *old, *e;
    (void)state;

    kp_apply_track(obj, NULL, &op);
    assert_managers(obj, "kubectl-create/Update");
    e = json_array_get(kp_json_get(obj, "metadata.managedFields"), 0);
    /* the entry's keys in Kubernetes' order; identity and kplane's own fields are nobody's */
    assert_json(e, "{\"manager\":\"kubectl-create\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
                   "\"time\":\"2026-01-02T03:04:05Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":"
                   "{\"f:data\":{\".\":{},\"f:a\":{},\"f:b\":{}}}}");

    /* another manager changes a and removes b: a moves to it, b leaves every entry */
    old = json_deep_copy(obj);
    json_object_set_new(json_object_get(obj, "data"), "a", json_string("9"));
    json_object_del(json_object_get(obj, "data"), "b");
    op.manager = "kubectl-edit";
    op.now = "2026-01-02T03:04:06Z";
    kp_apply_track(obj, old, &op);
    /* the creator keeps the map it added (its "."), as in Kubernetes */
    assert_managers(obj, "kubectl-create/Update,kubectl-edit/Update");
    assert_json(fields_of(obj, "kubectl-create"), "{\"f:data\":{}}");
    assert_json(fields_of(obj, "kubectl-edit"), "{\"f:data\":{\"f:a\":{}}}");

    /* a write that changes nothing leaves managedFields as they are, time included */
    json_decref(old);
    old = json_deep_copy(obj);
    op.manager = "noop";
    op.now = "2030-01-01T00:00:00Z";
    kp_apply_track(obj, old, &op);
    assert_true(json_equal(obj, old));

    /* [{}] resets; the write then records only what it changes */
    json_object_set_new(json_object_get(obj, "metadata"), "managedFields", J("[{}]"));
    json_object_set_new(json_object_get(obj, "data"), "z", json_string("1"));
    kp_apply_track(obj, old, &op);
    assert_managers(obj, "noop/Update");
    assert_json(fields_of(obj, "noop"), "{\"f:data\":{\"f:z\":{}}}");
    json_decref(old);
    json_decref(obj);
}

static const char LIVE[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
    "\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":"
    "\"x\"}]}}}}";

static void test_apply_conflicts(void **state)
{
    kp_apply_op up = op_of("kubectl-client-side-apply", "Deployment", "apps/v1");
    kp_apply_op ap = op_of("kubectl", "Deployment", "apps/v1");
    json_t *live = J(LIVE), *cfg, *out = NULL;
    const kp_err_cause_entry *causes;
    (void)state;

    kp_apply_track(live, NULL, &up);
    cfg = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
            "\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
            "\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]}}}}");
    kp_err_clear();
    assert_int_equal(kp_apply(&out, live, cfg, &ap, false), KP_ECONFLICT);
    assert_null(out);
    assert_string_equal(kp_err_msg(),
                        "Apply failed with 1 conflict: conflict with "
                        "\"kubectl-client-side-apply\" using apps/v1: .spec.replicas");
    assert_int_equal(kp_err_causes(&causes), 1);
    assert_string_equal(causes[0].reason, "FieldManagerConflict");
    assert_string_equal(causes[0].field, ".spec.replicas");
    assert_string_equal(causes[0].message,
                        "conflict with \"kubectl-client-side-apply\" using apps/v1");

    /* force takes the field; the image set to the same value is shared, not taken */
    assert_int_equal(kp_apply(&out, live, cfg, &ap, true), 0);
    assert_int_equal(json_integer_value(kp_json_get(out, "spec.replicas")), 3);
    assert_int_equal(json_array_size(kp_json_get(out, "spec.template.spec.containers")), 2);
    assert_managers(out, "kubectl/Apply,kubectl-client-side-apply/Update");
    assert_json(fields_of(out, "kubectl-client-side-apply"),
                "{\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{"
                "\"k:{\\\"name\\\":\\\"a\\\"}\":{\".\":{},\"f:name\":{},\"f:image\":{}}}}}}}");
    json_decref(out);
    json_decref(cfg);

    /* two conflicting managers: the multi-line message, managers sorted */
    kp_err_clear();
    json_decref(live);
    live = J(LIVE);
    kp_apply_track(live, NULL, &up);
    {
        json_t *old = json_deep_copy(live);
        kp_apply_op other = op_of("aaa", "Deployment", "apps/v1");
        json_t *c0 = json_array_get(kp_json_get(live, "spec.template.spec.containers"), 0);
        json_object_set_new(c0, "image", json_string("z"));
        kp_apply_track(live, old, &other);
        json_decref(old);
    }
    cfg = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
            "\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
            "\"image\":\"q\"}]}}}}");
    assert_int_equal(kp_apply(&out, live, cfg, &ap, false), KP_ECONFLICT);
    assert_string_equal(kp_err_msg(),
                        "Apply failed with 2 conflicts: conflicts with \"aaa\" using apps/v1:\n"
                        "- .spec.template.spec.containers[name=\"a\"].image\n"
                        "conflicts with \"kubectl-client-side-apply\" using apps/v1:\n"
                        "- .spec.replicas");
    kp_err_clear();
    json_decref(cfg);
    json_decref(live);
}

static void test_apply_prune(void **state)
{
    kp_apply_op ap = op_of("mgr", "Deployment", "apps/v1");
    kp_apply_op other = op_of("other", "Deployment", "apps/v1");
    json_t *live = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
                     "\"web\"}}");
    json_t *cfg, *out = NULL, *out2 = NULL, *old;
    (void)state;

    cfg = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
            "\"labels\":{\"a\":\"1\",\"b\":\"2\"},\"finalizers\":[\"f/1\",\"f/2\"]},\"spec\":{"
            "\"paused\":true,\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
            "\"x\",\"env\":[{\"name\":\"E\",\"value\":\"1\"}]}]}}}}");
    assert_int_equal(kp_apply(&out, live, cfg, &ap, false), 0);
    assert_managers(out, "mgr/Apply");
    /* another manager adds a label and a finalizer */
    old = json_deep_copy(out);
    json_object_set_new(kp_json_get(out, "metadata.labels"), "mine", json_string("x"));
    json_array_append_new(kp_json_get(out, "metadata.finalizers"), json_string("f/3"));
    kp_apply_track(out, old, &other);
    json_decref(old);
    json_decref(cfg);

    /* the applier drops label b, finalizer f/2, paused and env: all go; the others stay */
    cfg = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
            "\"labels\":{\"a\":\"1\"},\"finalizers\":[\"f/1\"]},\"spec\":{\"template\":{\"spec\":"
            "{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    assert_int_equal(kp_apply(&out2, out, cfg, &ap, false), 0);
    assert_json(kp_json_get(out2, "metadata.labels"), "{\"a\":\"1\",\"mine\":\"x\"}");
    assert_json(kp_json_get(out2, "metadata.finalizers"), "[\"f/1\",\"f/3\"]");
    assert_json(kp_json_get(out2, "spec"),
                "{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}");
    assert_managers(out2, "mgr/Apply,other/Update");

    /* applying the same again changes nothing, the entry's time included */
    json_decref(out);
    out = NULL;
    ap.now = "2031-01-01T00:00:00Z";
    assert_int_equal(kp_apply(&out, out2, cfg, &ap, false), 0);
    assert_true(json_equal(out, out2));
    json_decref(out);
    json_decref(out2);
    json_decref(cfg);
    json_decref(live);
}

static void test_decode(void **state)
{
    static const char *const bad[] = {
        "{\"metadata\":{\"managedFields\":{}}}",
        "{\"metadata\":{\"managedFields\":[1]}}",
        "{\"metadata\":{\"managedFields\":[{\"operation\":\"Patch\",\"apiVersion\":\"v1\","
        "\"fieldsType\":\"FieldsV1\"}]}}",
        "{\"metadata\":{\"managedFields\":[{\"operation\":\"Apply\",\"fieldsType\":\"FieldsV1\"}]}"
        "}",
        "{\"metadata\":{\"managedFields\":[{\"operation\":\"Apply\",\"apiVersion\":\"v1\","
        "\"fieldsType\":\"FieldsV2\"}]}}",
        "{\"metadata\":{\"managedFields\":[{\"operation\":\"Apply\",\"apiVersion\":\"v1\","
        "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"q\":{}}}]}}",
    };
    json_t *out = NULL;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        json_t *o = J(bad[i]);
        assert_int_equal(kp_apply_decode(&out, o), KP_EINVALID);
        assert_null(out);
        json_decref(o);
    }
    kp_err_clear();
}

static void test_schema_types(void **state)
{
    json_t *schema = J("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
                       "\"properties\":{\"parts\":{\"type\":\"array\",\"x-kubernetes-list-type\":"
                       "\"map\",\"x-kubernetes-list-map-keys\":[\"name\",\"kind\"],\"items\":{"
                       "\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
                       "\"sel\":{\"type\":\"object\",\"x-kubernetes-map-type\":\"atomic\"}}}},"
                       "\"tags\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"set\"},"
                       "\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":"
                       "\"string\"}}}}}}");
    json_t *obj = J("{\"spec\":{\"parts\":[{\"name\":\"a\",\"kind\":\"k\",\"sel\":{\"x\":1}}],"
                    "\"tags\":[\"t\"],\"env\":{\"A\":\"1\"}}}");
    kp_ftypes ft = kp_apply_schema_types(schema);
    json_t *set = NULL, *ch, *rm;
    (void)state;

    assert_int_equal(kp_fieldset_of(&set, obj, &ft), 0);
    /* keys sorted by name; an atomic map whole; a set by value */
    assert_json(set, "{\"f:spec\":{\"f:parts\":{\"k:{\\\"kind\\\":\\\"k\\\",\\\"name\\\":"
                     "\\\"a\\\"}\":{\".\":{},\"f:name\":{},\"f:kind\":{},\"f:sel\":{}}},"
                     "\"f:tags\":{\"v:\\\"t\\\"\":{}},\"f:env\":{\"f:A\":{}}}}");
    /* a map of values a write adds is itself a member */
    kp_fieldset_compare(&ch, &rm, NULL, obj, &ft);
    assert_non_null(json_object_get(kp_json_get(ch, "f:spec.f:env"), "."));
    json_decref(ch);
    json_decref(rm);
    json_decref(set);
    json_decref(obj);
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_track),        cmocka_unit_test(test_apply_conflicts),
        cmocka_unit_test(test_apply_prune),  cmocka_unit_test(test_decode),
        cmocka_unit_test(test_schema_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
