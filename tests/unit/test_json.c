#include "lib/common.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "tests/support/testlib.h"

static json_t *parse_ok(const char *text)
{
    json_t *v = NULL;
    int rc = kp_json_parse(&v, text, strlen(text));
    if (rc != 0)
        fail_msg("\"%s\": %s", text, kp_err_msg());
    return v;
}

static void test_parse(void **state)
{
    json_t *v;
    (void)state;

    v = parse_ok("{\"kind\":\"Pod\",\"n\":3,\"r\":1.5,\"t\":true,\"z\":null,\"a\":[1,\"x\"]}");
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "Pod");
    assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
    assert_true(json_is_real(json_object_get(v, "r")));
    assert_true(json_is_true(json_object_get(v, "t")));
    assert_true(json_is_null(json_object_get(v, "z")));
    assert_int_equal(json_array_size(json_object_get(v, "a")), 2);
    json_decref(v);

    v = parse_ok("  [ ]  \n");
    assert_true(json_is_array(v));
    json_decref(v);

    /* a body's length, not a NUL, ends it; \u0000 in a string survives */
    {
        static const char body[] = "{\"s\":\"a\\u0000b\"}trailing";
        v = NULL;
        assert_int_equal(kp_json_parse(&v, body, 16), 0);
        assert_int_equal(json_string_length(json_object_get(v, "s")), 3);
        json_decref(v);
    }
}

typedef struct {
    const char *text;
    const char *where; /* "line L, column C" the message must name */
} bad_case;

static void test_malformed(void **state)
{
    static const bad_case cases[] = {
        {"{\"a\":}", "line 1, column 6"},
        {"{\"a\":1,}", "line 1, column 8"},
        {"{\n  \"a\": tru\n}", "line 2, column 10"},
        {"[1, 2", "line 1, column 5"},
        {"", "line 1, column 0"},
        {"{\"a\":1} x", "line 1, column 9"},
        {"{'a':1}", "line 1, column 2"},
        {"[\"\\x\"]", "line 1, column 4"},
    };
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        json_t *v = NULL;
        int rc = kp_json_parse(&v, cases[i].text, strlen(cases[i].text));
        if (rc != KP_EBADREQUEST)
            fail_msg("\"%s\": rc %d, want KP_EBADREQUEST", cases[i].text, rc);
        assert_null(v);
        if (strncmp(kp_err_msg(), "malformed JSON at ", 18) != 0 ||
            !strstr(kp_err_msg(), cases[i].where))
            fail_msg("\"%s\": message \"%s\" does not name %s", cases[i].text, kp_err_msg(),
                     cases[i].where);
    }
}

static void test_duplicate_keys(void **state)
{
    json_t *v = NULL;
    static const char text[] = "{\"metadata\":{\"name\":\"a\",\"name\":\"b\"}}";
    (void)state;

    /* k8s rejects them too (strict decoding): which one would win is ambiguous */
    assert_int_equal(kp_json_parse(&v, text, strlen(text)), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "duplicate"));
    assert_null(v);
}

static char *nested(int depth, char open, char close)
{
    char *s = kp_malloc((size_t)depth * 2 + 1);
    memset(s, open, (size_t)depth);
    memset(s + depth, close, (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

static void test_depth(void **state)
{
    json_t *v = NULL;
    char *s;
    kp_buf b = KP_BUF_INIT(1 << 20);
    (void)state;

    s = nested(KP_JSON_DEPTH_MAX, '[', ']');
    assert_int_equal(kp_json_parse(&v, s, strlen(s)), 0);
    json_decref(v);
    free(s);
    s = nested(KP_JSON_DEPTH_MAX + 1, '[', ']');
    v = NULL;
    assert_int_equal(kp_json_parse(&v, s, strlen(s)), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(), "JSON nesting is deeper than 100 levels");
    assert_null(v);
    free(s);

    /* objects count the same: {"a":{"a":...}} */
    for (int i = 0; i < KP_JSON_DEPTH_MAX; i++)
        kp_buf_puts(&b, "{\"a\":");
    kp_buf_puts(&b, "1");
    for (int i = 0; i < KP_JSON_DEPTH_MAX; i++)
        kp_buf_putc(&b, '}');
    assert_int_equal(kp_json_parse(&v, b.p, b.len), 0);
    json_decref(v);
    kp_buf_reset(&b);
    for (int i = 0; i < KP_JSON_DEPTH_MAX; i++)
        kp_buf_puts(&b, "{\"a\":");
    kp_buf_puts(&b, "[]");
    for (int i = 0; i < KP_JSON_DEPTH_MAX; i++)
        kp_buf_putc(&b, '}');
    assert_int_equal(kp_json_parse(&v, b.p, b.len), KP_EBADREQUEST);

    /* brackets in strings, escaped quotes included, are not nesting */
    kp_buf_reset(&b);
    kp_buf_puts(&b, "{\"s\":\"\\\"");
    for (int i = 0; i < 500; i++)
        kp_buf_puts(&b, "[{");
    kp_buf_puts(&b, "\\\\\",\"t\":[[1]]}");
    assert_int_equal(kp_buf_status(&b), 0);
    v = NULL;
    assert_int_equal(kp_json_parse(&v, b.p, b.len), 0);
    json_decref(v);
    kp_buf_dispose(&b);

    /* siblings do not add up: 1000 arrays side by side are depth 2 */
    kp_buf_init(&b, 1 << 20);
    kp_buf_putc(&b, '[');
    for (int i = 0; i < 1000; i++)
        kp_buf_puts(&b, i ? ",[]" : "[]");
    kp_buf_putc(&b, ']');
    assert_int_equal(kp_json_parse(&v, b.p, b.len), 0);
    json_decref(v);
    kp_buf_dispose(&b);
}

static void test_get(void **state)
{
    json_t *v = parse_ok("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"x\"},\"n\":3},"
                         "\"spec\":{\"list\":[1]},\"\":{\"e\":\"empty key\"}}");
    (void)state;

    assert_string_equal(kp_json_get_str(v, "metadata.name"), "web");
    assert_string_equal(kp_json_get_str(v, "metadata.labels.app"), "x");
    assert_true(json_is_object(kp_json_get(v, "metadata.labels")));
    assert_ptr_equal(kp_json_get(v, ""), v);
    assert_null(kp_json_get(v, "metadata.missing"));
    assert_null(kp_json_get(v, "missing.name"));
    assert_null(kp_json_get(v, "metadata.name.deeper")); /* through a string */
    assert_null(kp_json_get(v, "spec.list.0"));          /* arrays are not indexed */
    assert_null(kp_json_get_str(v, "metadata.n"));       /* not a string */
    assert_null(kp_json_get_str(v, "metadata"));
    assert_null(kp_json_get(NULL, "a"));
    assert_null(kp_json_get_str(NULL, "a"));
    assert_string_equal(kp_json_get_str(v, ".e"), "empty key");
    json_decref(v);
}

static void test_dump(void **state)
{
    json_t *v = parse_ok("{ \"z\" : 1 , \"a\" : [ true , null ] , \"m\" : \"\\u00e9\\n\" }");
    kp_buf b = KP_BUF_INIT(1 << 20);
    char *s;
    size_t len;
    (void)state;

    /* compact, keys in the order they came */
    s = kp_json_dump(v, &len);
    assert_string_equal(s, "{\"z\":1,\"a\":[true,null],\"m\":\"\xc3\xa9\\n\"}");
    assert_int_equal(len, strlen(s));
    free(s);
    kp_buf_puts(&b, "x=");
    kp_json_dump_buf(&b, json_object_get(v, "a"));
    assert_string_equal(kp_buf_cstr(&b), "x=[true,null]");
    kp_buf_dispose(&b);

    /* a scalar dumps too */
    {
        json_t *n = json_integer(7);
        s = kp_json_dump(n, NULL);
        assert_string_equal(s, "7");
        free(s);
        json_decref(n);
    }

    /* a buffer too small for the value reports it */
    kp_buf_init(&b, 5);
    kp_json_dump_buf(&b, v);
    assert_int_equal(kp_buf_status(&b), KP_ETOOLARGE);
    kp_buf_dispose(&b);
    json_decref(v);
}

static void test_obj_ensure(void **state)
{
    json_t *v = parse_ok("{\"metadata\":{\"name\":\"a\"},\"spec\":\"oops\"}");
    json_t *md, *spec, *status;
    (void)state;

    md = kp_json_obj_ensure(v, "metadata");
    assert_ptr_equal(md, json_object_get(v, "metadata")); /* the existing one */
    assert_string_equal(json_string_value(json_object_get(md, "name")), "a");
    spec = kp_json_obj_ensure(v, "spec"); /* not an object: replaced */
    assert_true(json_is_object(spec));
    assert_int_equal(json_object_size(spec), 0);
    status = kp_json_obj_ensure(v, "status");
    assert_ptr_equal(status, json_object_get(v, "status"));
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_obj_ensure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
