#include "lib/common.h"
#include "apiserver/fieldset.h"
#include "apiserver/patch.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "tests/support/testlib.h"

/* FieldsV1 sets: parsing what clients send, the fields of an object, comparisons, set
 * operations and paths as text, against the shapes kube-apiserver writes. */

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

static void test_parse(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"spec\":{}}",
        "{\"f:a\":[]}",
        "{\"f:a\":{\".\":{\"f:b\":{}}}}",
        "{\"k:[1]\":{}}",
        "{\"k:{bad\":{}}",
        "{\"v:\":{}}",
        "{\"i:x\":{}}",
        "{\"i:-1\":{}}",
        "{\"x:y\":{}}",
    };
    json_t *out = NULL, *in;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        json_t *b = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        assert_non_null(b);
        assert_int_equal(kp_fieldset_parse(&out, b), KP_EINVALID);
        assert_null(out);
        assert_true(kp_err_msg()[0] != '\0');
        json_decref(b);
    }
    in = J(
        "{\".\":{},\"f:spec\":{\".\":{},\"f:replicas\":{\".\":{}}},\"k:{\\\"name\\\":\\\"a\\\"}\":"
        "{\".\":{},\"f:x\":{}},\"v:\\\"s\\\"\":{},\"i:3\":{}}");
    assert_int_equal(kp_fieldset_parse(&out, in), 0);
    /* the root is never a member; a lone "." is the leaf {} */
    assert_json(out, "{\"f:spec\":{\".\":{},\"f:replicas\":{}},\"k:{\\\"name\\\":\\\"a\\\"}\":"
                     "{\".\":{},\"f:x\":{}},\"v:\\\"s\\\"\":{},\"i:3\":{}}");
    json_decref(out);
    json_decref(in);
}

static const char DEPLOY[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
    "\"labels\":{\"app\":\"web\"},\"finalizers\":[\"a/b\"]},\"spec\":{\"replicas\":2,"
    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":"
    "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\","
    "\"args\":[\"-x\"],\"ports\":[{\"containerPort\":80},{\"containerPort\":53,\"protocol\":"
    "\"UDP\"}],\"resources\":{}}],\"tolerations\":[{\"key\":\"k\"}]}}}}";

static void test_fieldset_of(void **state)
{
    kp_ftypes ft = kp_patch_field_types("Deployment");
    json_t *obj = J(DEPLOY), *set = NULL;
    (void)state;

    assert_int_equal(kp_fieldset_of(&set, obj, &ft), 0);
    /* the shape of an Apply entry: leaves, atomic selector, keyed items with ".", set values,
     * port keys with protocol defaulted to TCP, atomic lists (args, tolerations) whole */
    assert_json(
        set, "{\"f:apiVersion\":{},\"f:kind\":{},\"f:metadata\":{\"f:name\":{},\"f:labels\":"
             "{\"f:app\":{}},\"f:finalizers\":{\"v:\\\"a/b\\\"\":{}}},\"f:spec\":{\"f:replicas\":"
             "{},\"f:selector\":{},\"f:template\":{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},"
             "\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"nginx\\\"}\":{\".\":{},"
             "\"f:name\":{},\"f:image\":{},\"f:args\":{},\"f:ports\":{"
             "\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},"
             "\"f:containerPort\":{}},\"k:{\\\"containerPort\\\":53,\\\"protocol\\\":\\\"UDP\\\"}"
             "\":{\".\":{},\"f:containerPort\":{},\"f:protocol\":{}}},\"f:resources\":{}}},"
             "\"f:tolerations\":{}}}}}");
    json_decref(set);
    json_decref(obj);

    /* an applied list item without its key, or a key twice, is refused */
    obj = J("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}}}");
    assert_int_equal(kp_fieldset_of(&set, obj, &ft), KP_EINVALID);
    json_decref(obj);
    obj = J("{\"metadata\":{\"finalizers\":[\"a\",\"a\"]}}");
    assert_int_equal(kp_fieldset_of(&set, obj, &ft), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "duplicate"));
    json_decref(obj);
    kp_err_clear();
}

static void test_compare(void **state)
{
    kp_ftypes ft = kp_patch_field_types("Deployment");
    json_t *old = J(DEPLOY), *new = json_deep_copy(old), *ch, *rm, *c0;
    (void)state;

    json_object_set_new(kp_json_get(new, "spec"), "replicas", json_integer(3));
    json_array_append_new(kp_json_get(new, "spec.template.spec.containers"),
                          J("{\"name\":\"side\",\"image\":\"busybox\"}"));
    c0 = json_array_get(kp_json_get(new, "spec.template.spec.containers"), 0);
    json_object_del(c0, "args");
    json_array_remove(json_object_get(c0, "ports"), 1);
    json_object_set_new(kp_json_get(new, "metadata.labels"), "tier", json_string("x"));
    kp_fieldset_compare(&ch, &rm, old, new, &ft);
    assert_json(ch,
                "{\"f:metadata\":{\"f:labels\":{\"f:tier\":{}}},\"f:spec\":{\"f:replicas\":{},"
                "\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"side\\\"}\":"
                "{\".\":{},\"f:name\":{},\"f:image\":{}}}}}}}");
    assert_json(rm, "{\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{"
                    "\"k:{\\\"name\\\":\\\"nginx\\\"}\":{\"f:args\":{},\"f:ports\":{"
                    "\"k:{\\\"containerPort\\\":53,\\\"protocol\\\":\\\"UDP\\\"}\":{\".\":{},"
                    "\"f:containerPort\":{},\"f:protocol\":{}}}}}}}}}");
    json_decref(ch);
    json_decref(rm);
    /* a create: everything is changed, nothing removed */
    kp_fieldset_compare(&ch, &rm, NULL, old, &ft);
    assert_true(json_object_get(ch, "f:spec") != NULL);
    assert_true(kp_fieldset_empty(rm));
    json_decref(ch);
    json_decref(rm);
    json_decref(old);
    json_decref(new);
}

static void test_set_ops(void **state)
{
    json_t *a = J("{\"f:a\":{},\"f:b\":{\"f:c\":{},\"f:d\":{}},\"f:e\":{\".\":{},\"f:f\":{}}}");
    json_t *b = J("{\"f:b\":{\"f:c\":{}},\"f:e\":{\"f:f\":{}},\"f:g\":{}}");
    json_t *d, *i, *u, *strip;
    (void)state;

    d = kp_fieldset_diff(a, b);
    /* e stays: b owns only e's child, not e itself */
    assert_json(d, "{\"f:a\":{},\"f:b\":{\"f:d\":{}},\"f:e\":{}}");
    i = kp_fieldset_inter(a, b);
    assert_json(i, "{\"f:b\":{\"f:c\":{}},\"f:e\":{\"f:f\":{}}}");
    u = json_deep_copy(b);
    kp_fieldset_union(u, a);
    assert_json(u, "{\"f:a\":{},\"f:b\":{\"f:c\":{},\"f:d\":{}},\"f:e\":{\".\":{},\"f:f\":{}},"
                   "\"f:g\":{}}");
    /* a leaf that gets children stays a member */
    kp_fieldset_union(d, i);
    assert_json(d, "{\"f:a\":{},\"f:b\":{\"f:c\":{},\"f:d\":{}},\"f:e\":{\".\":{},\"f:f\":{}}}");
    strip = J("{\"f:b\":{\"f:c\":{}},\"f:e\":{}}");
    kp_fieldset_strip(u, strip);
    assert_json(u, "{\"f:a\":{},\"f:b\":{\"f:d\":{}},\"f:g\":{}}");
    json_decref(strip);
    strip = kp_fieldset_diff(b, b);
    assert_true(kp_fieldset_empty(strip));
    json_decref(d);
    json_decref(i);
    json_decref(u);
    json_decref(a);
    json_decref(b);
    json_decref(strip);
}

static bool collect(const char *path, void *arg)
{
    kp_buf *b = arg;
    kp_buf_appendf(b, "%s;", path);
    return true;
}

static void test_paths(void **state)
{
    json_t *s = J("{\"f:spec\":{\"f:replicas\":{},\"f:containers\":{\"k:{\\\"name\\\":\\\"n\\\"}\":"
                  "{\".\":{},\"f:image\":{}},\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":"
                  "\\\"TCP\\\"}\":{}}},\"f:metadata\":{\"f:finalizers\":{\"v:\\\"x\\\"\":{}}},"
                  "\"i:2\":{}}");
    kp_buf b;
    (void)state;

    kp_buf_init(&b, 4096);
    kp_fieldset_each(s, collect, &b);
    /* structured-merge-diff's Path.String() */
    assert_string_equal(kp_buf_cstr(&b), ".spec.replicas;.spec.containers[name=\"n\"];"
                                         ".spec.containers[name=\"n\"].image;"
                                         ".spec.containers[containerPort=80,protocol=\"TCP\"];"
                                         ".metadata.finalizers[=\"x\"];[2];");
    kp_buf_dispose(&b);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),   cmocka_unit_test(test_fieldset_of),
        cmocka_unit_test(test_compare), cmocka_unit_test(test_set_ops),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
