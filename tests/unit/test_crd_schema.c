#include "lib/common.h"
#include "apiserver/crd.h"
#include "apiserver/crd_schema.h"
#include "lib/json.h"
#include "tests/support/testlib.h"

/* The structural schema of CRDs: the messages are written out here as kube-apiserver gives
 * them, so a drift in crd_schema.c fails. */

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v)
        fail_msg("bad test JSON at %d: %s", e.position, e.text);
    return v;
}

static const char *SCHEMA =
    "{\"type\":\"object\",\"properties\":{"
    "\"spec\":{\"type\":\"object\",\"required\":[\"size\"],\"properties\":{"
    "\"size\":{\"type\":\"string\"},"
    "\"color\":{\"type\":\"string\",\"enum\":[\"red\",\"blue\"],\"default\":\"red\"},"
    "\"replicas\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10,\"default\":1},"
    "\"ratio\":{\"type\":\"number\",\"exclusiveMaximum\":true,\"maximum\":1},"
    "\"name\":{\"type\":\"string\",\"minLength\":3,\"maxLength\":5,\"pattern\":\"^[a-z]+$\"},"
    "\"when\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"port\":{\"x-kubernetes-int-or-string\":true},"
    "\"opt\":{\"type\":\"string\",\"nullable\":true},"
    "\"tags\":{\"type\":\"array\",\"maxItems\":3,\"x-kubernetes-list-type\":\"set\","
    "\"items\":{\"type\":\"string\"}},"
    "\"ports\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\","
    "\"x-kubernetes-list-map-keys\":[\"name\"],\"items\":{\"type\":\"object\","
    "\"properties\":{\"name\":{\"type\":\"string\"},\"port\":{\"type\":\"integer\"}}}},"
    "\"labels\":{\"type\":\"object\",\"maxProperties\":2,"
    "\"additionalProperties\":{\"type\":\"string\"}},"
    "\"free\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true},"
    "\"tmpl\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,"
    "\"properties\":{\"spec\":{\"type\":\"string\"}}},"
    "\"rules\":{\"type\":\"string\",\"x-kubernetes-validations\":[{\"rule\":\"self != ''\"}]}"
    "}}}}";

/* Validates obj (text) against SCHEMA: the report's message, or "" when valid. */
static char *validate(const char *obj_text)
{
    json_t *schema = J(SCHEMA), *obj = J(obj_text);
    kp_crd_errs errs;
    int rc;
    char *msg;

    errs.n = 0;
    kp_err_clear();
    kp_crd_schema_validate(&errs, obj, schema);
    rc = kp_crd_errs_report(&errs, "Widget.example.com", "w");
    msg = kp_strdup(rc < 0 ? kp_err_msg() : "");
    if (rc < 0)
        assert_int_equal(rc, KP_EINVALID);
    json_decref(schema);
    json_decref(obj);
    return msg;
}

#define EXPECT(obj, want)                                                                          \
    do {                                                                                           \
        char *got_ = validate(obj);                                                                \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

#define PRE "Widget.example.com \"w\" is invalid: "

static void test_validate_messages(void **state)
{
    (void)state;
    EXPECT("{\"spec\":{\"size\":\"s\"}}", "");
    EXPECT("{\"spec\":{}}", PRE "spec.size: Required value");
    EXPECT("{\"spec\":{\"size\":\"s\",\"color\":\"x\"}}",
           PRE "spec.color: Unsupported value: \"x\": supported values: \"red\", \"blue\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"replicas\":11}}",
           PRE "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or "
               "equal to 10");
    EXPECT("{\"spec\":{\"size\":\"s\",\"replicas\":-1}}",
           PRE "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or "
               "equal to 0");
    EXPECT("{\"spec\":{\"size\":\"s\",\"ratio\":1}}",
           PRE "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1");
    EXPECT("{\"spec\":{\"size\":\"s\",\"replicas\":\"3\"}}",
           PRE "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type "
               "integer: \"string\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"replicas\":2.0}}", ""); /* integral numbers are integers */
    EXPECT("{\"spec\":{\"size\":\"s\",\"name\":\"ab\"}}",
           PRE "spec.name: Invalid value: \"ab\": spec.name in body should be at least 3 chars "
               "long");
    EXPECT("{\"spec\":{\"size\":\"s\",\"name\":\"abcdef\"}}",
           PRE "spec.name: Too long: may not be more than 5 bytes");
    EXPECT("{\"spec\":{\"size\":\"s\",\"name\":\"ab1\"}}",
           PRE "spec.name: Invalid value: \"ab1\": spec.name in body should match '^[a-z]+$'");
    EXPECT("{\"spec\":{\"size\":\"s\",\"when\":\"2024-01-02T03:04:05Z\"}}", "");
    EXPECT("{\"spec\":{\"size\":\"s\",\"when\":\"2024-01-02T03:04:05.5+01:00\"}}", "");
    EXPECT("{\"spec\":{\"size\":\"s\",\"when\":\"yesterday\"}}",
           PRE "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type "
               "date-time: \"yesterday\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"port\":80}}", "");
    EXPECT("{\"spec\":{\"size\":\"s\",\"port\":\"http\"}}", "");
    EXPECT("{\"spec\":{\"size\":\"s\",\"port\":true}}",
           PRE "spec.port: Invalid value: \"boolean\": spec.port in body must be of type "
               "integer,string: \"boolean\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"opt\":null}}", "");
    EXPECT("{\"spec\":{\"size\":null}}",
           PRE "spec.size: Invalid value: \"null\": spec.size in body must be of type string: "
               "\"null\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"tags\":[\"a\",\"b\",\"a\"]}}",
           PRE "spec.tags[2]: Duplicate value: \"a\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}}",
           PRE "spec.tags: Too many: 4: must have at most 3 items");
    EXPECT("{\"spec\":{\"size\":\"s\",\"ports\":[{\"name\":\"a\",\"port\":1},"
           "{\"name\":\"a\",\"port\":2}]}}",
           PRE "spec.ports[1]: Duplicate value: map[string]interface {}{\"name\":\"a\"}");
    EXPECT("{\"spec\":{\"size\":\"s\",\"labels\":{\"a\":\"1\",\"b\":2}}}",
           PRE "spec.labels.b: Invalid value: \"integer\": spec.labels.b in body must be of type "
               "string: \"integer\"");
    EXPECT("{\"spec\":{\"size\":\"s\",\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}}",
           PRE "spec.labels: Too many: 3: must have at most 2 items");
    /* several problems: one cause each, the message lists them */
    EXPECT("{\"spec\":{\"replicas\":11}}",
           PRE "[spec.size: Required value, spec.replicas: Invalid value: 11: spec.replicas in "
               "body should be less than or equal to 10]");
    {
        const kp_err_cause_entry *c;
        char *m = validate("{\"spec\":{\"replicas\":11, \"color\":\"x\"}}");
        assert_int_equal(kp_err_causes(&c), 3);
        assert_string_equal(c[0].field, "spec.size");
        assert_string_equal(c[0].reason, "FieldValueRequired");
        free(m);
    }
    /* CEL rules are accepted and not enforced yet (the hook is in crd_schema.c) */
    EXPECT("{\"spec\":{\"size\":\"s\",\"rules\":\"\"}}", "");
}

static void test_default_and_prune(void **state)
{
    json_t *schema = J(SCHEMA);
    json_t *obj =
        J("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
          "\"metadata\":{\"name\":\"w\",\"labels\":{\"a\":\"b\"},\"junk\":1},"
          "\"bogus\":1,"
          "\"spec\":{\"size\":\"s\",\"extra\":true,\"free\":{\"any\":{\"thing\":1}},"
          "\"ports\":[{\"name\":\"a\",\"junk\":1}],"
          "\"tmpl\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
          "\"spec\":\"x\",\"other\":1}}}");
    json_t *unknown = json_array();
    (void)state;
    kp_crd_schema_prune(obj, schema, unknown);
    assert_int_equal(json_array_size(unknown), 5);
    assert_string_equal(json_string_value(json_array_get(unknown, 0)), "bogus");
    assert_null(json_object_get(obj, "bogus"));
    assert_null(kp_json_get(obj, "spec.extra"));
    assert_non_null(kp_json_get(obj, "spec.free.any.thing"));
    assert_non_null(kp_json_get(obj, "spec.tmpl.metadata.name"));
    assert_null(kp_json_get(obj, "spec.tmpl.other"));
    assert_non_null(kp_json_get(obj, "metadata.name"));
    assert_non_null(kp_json_get(obj, "metadata.labels.a"));
    assert_null(kp_json_get(obj, "metadata.junk"));
    assert_string_equal(json_string_value(json_array_get(unknown, 4)), "metadata.junk");
    kp_crd_schema_default(obj, schema);
    assert_string_equal(kp_json_get_str(obj, "spec.color"), "red");
    assert_int_equal(json_integer_value(kp_json_get(obj, "spec.replicas")), 1);
    json_decref(unknown);
    json_decref(obj);
    json_decref(schema);
}

/* k8s: a schema may restrict metadata.name (and generateName) with string rules */
static void test_meta_name(void **state)
{
    json_t *schema = J("{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\","
                       "\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":5}}}}}");
    json_t *ok = J("{\"metadata\":{\"name\":\"abc\",\"labels\":{\"x\":\"y\"}}}");
    json_t *bad = J("{\"metadata\":{\"name\":\"abcdefg\"}}");
    kp_crd_errs errs;
    (void)state;
    errs.n = 0;
    kp_crd_schema_prune(ok, schema, NULL);
    assert_non_null(kp_json_get(ok, "metadata.labels.x")); /* not pruned by the restriction */
    kp_crd_schema_validate(&errs, ok, schema);
    assert_int_equal(errs.n, 0);
    kp_crd_schema_validate(&errs, bad, schema);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.e[0].field, "metadata.name");
    assert_string_equal(errs.e[0].body, "Too long: may not be more than 5 bytes");
    kp_crd_errs_dispose(&errs);
    json_decref(schema);
    json_decref(ok);
    json_decref(bad);
}

static char *check(const char *schema_text)
{
    json_t *s = J(schema_text);
    kp_crd_errs errs;
    int rc;
    char *msg;
    errs.n = 0;
    kp_err_clear();
    kp_crd_schema_check(&errs, s, "spec.versions[0].schema.openAPIV3Schema");
    rc = kp_crd_errs_report(&errs, KP_CRD_QKIND, "widgets.example.com");
    msg = kp_strdup(rc < 0 ? kp_err_msg() : "");
    json_decref(s);
    return msg;
}

#define EXPECT_CHECK(schema, want)                                                                 \
    do {                                                                                           \
        char *got_ = check(schema);                                                                \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

#define CPRE                                                                                       \
    "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: "           \
    "spec.versions[0].schema.openAPIV3Schema"

static void test_structural(void **state)
{
    (void)state;
    EXPECT_CHECK(SCHEMA, "");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"spec\":{\"properties\":{}}}}",
                 CPRE ".properties[spec].type: Required value: must not be empty for specified "
                      "object fields");
    EXPECT_CHECK("{\"type\":\"string\"}",
                 CPRE ".type: Invalid value: \"string\": must be object at the root");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\"}}}",
                 CPRE ".properties[a].items: Required value: must be specified");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\","
                 "\"items\":{}}}}",
                 CPRE ".properties[a].items.type: Required value: must not be empty for "
                      "specified array items");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"bogus\"}}}",
                 CPRE ".properties[a].type: Unsupported value: \"bogus\": supported values: "
                      "\"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\","
                 "\"x-kubernetes-list-type\":\"map\",\"items\":{\"type\":\"object\"}}}}",
                 CPRE ".properties[a].x-kubernetes-list-map-keys: Required value: must not be "
                      "empty if x-kubernetes-list-type is map");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\","
                 "\"properties\":{\"labels\":{\"type\":\"object\"}}}}}",
                 CPRE ".properties[metadata]: Forbidden: must not specify anything other than "
                      "name and generateName, but metadata is implicitly specified");
    EXPECT_CHECK("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\","
                 "\"maximum\":10,\"default\":11}}}",
                 CPRE ".properties[n].default: Invalid value: 11: "
                      "spec.versions[0].schema.openAPIV3Schema.properties[n].default in body "
                      "should be less than or equal to 10");
    EXPECT_CHECK("{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":false}",
                 CPRE ".x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true "
                      "or undefined");
}

static void test_jsonpath(void **state)
{
    json_t *o = J("{\"spec\":{\"n\":3,\"list\":[\"a\",\"b\"]},\"status\":{\"conditions\":["
                  "{\"type\":\"Synced\",\"status\":\"False\"},"
                  "{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    json_t *v;
    (void)state;
    v = kp_crd_jsonpath(o, ".spec.n");
    assert_int_equal(json_integer_value(v), 3);
    json_decref(v);
    v = kp_crd_jsonpath(o, "{.spec.list[1]}");
    assert_string_equal(json_string_value(v), "b");
    json_decref(v);
    v = kp_crd_jsonpath(o, ".spec.list[*]");
    assert_string_equal(json_string_value(v), "a,b");
    json_decref(v);
    v = kp_crd_jsonpath(o, ".status.conditions[?(@.type==\"Ready\")].status");
    assert_string_equal(json_string_value(v), "True");
    json_decref(v);
    assert_null(kp_crd_jsonpath(o, ".spec.missing"));
    assert_null(kp_crd_jsonpath(o, ".status.conditions[?(@.type==\"Gone\")].status"));
    kp_crd_path_set(o, ".spec.replicas", json_integer(4));
    assert_int_equal(json_integer_value(kp_crd_path_get(o, ".spec.replicas")), 4);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_messages), cmocka_unit_test(test_default_and_prune),
        cmocka_unit_test(test_meta_name),         cmocka_unit_test(test_structural),
        cmocka_unit_test(test_jsonpath),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
