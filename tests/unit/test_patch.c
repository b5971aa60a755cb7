#include "lib/common.h"
#include "apiserver/patch.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "tests/support/testlib.h"

/* Every case checks the result (or the error code), that neither the original nor the patch
 * changed, and that the result shares no node with them. */

typedef enum { P_MERGE, P_JSON, P_SMP } ptype;

static json_t *J(const char *s)
{
    json_error_t err;
    /* not kp_json_parse(): RFC 7386's examples have scalars at the top */
    json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (!v)
        fail_msg("test JSON does not parse: %s: %s", err.text, s);
    return v;
}

/* Whether any container node of a is also a node of b (json_t pointers shared). */
static bool shares_node(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    size_t i;

    if (a == b && (json_is_object(a) || json_is_array(a)))
        return true;
    if (json_is_object(b)) {
        json_object_foreach((json_t *)b, k, v)
        {
            if (shares_node(a, v))
                return true;
        }
    } else if (json_is_array(b)) {
        json_array_foreach(b, i, v)
        {
            if (shares_node(a, v))
                return true;
        }
    }
    return false;
}

static bool tree_shares(const json_t *res, const json_t *other)
{
    const char *k;
    json_t *v;
    size_t i;

    if (shares_node(res, other))
        return true;
    if (json_is_object(res)) {
        json_object_foreach((json_t *)res, k, v)
        {
            if (tree_shares(v, other))
                return true;
        }
    } else if (json_is_array(res)) {
        json_array_foreach(res, i, v)
        {
            if (tree_shares(v, other))
                return true;
        }
    }
    return false;
}

static int apply(ptype t, json_t **out, const json_t *orig, const json_t *patch, const char *kind)
{
    switch (t) {
    case P_MERGE:
        return kp_patch_merge(out, orig, patch);
    case P_JSON:
        return kp_patch_json(out, orig, patch);
    case P_SMP:
        return kp_patch_strategic(out, orig, patch, kind);
    }
    return -1;
}

static void check_kind(ptype t, const char *kind, const char *orig_s, const char *patch_s,
                       const char *want_s, int want_rc)
{
    json_t *orig = J(orig_s), *patch = J(patch_s);
    json_t *orig_copy = json_deep_copy(orig), *patch_copy = json_deep_copy(patch);
    json_t *out = NULL;
    int rc;

    kp_err_clear();
    rc = apply(t, &out, orig, patch, kind);
    if (rc != want_rc)
        fail_msg("%s + %s: got %s (%s), want %s", orig_s, patch_s, kp_err_name(rc), kp_err_msg(),
                 kp_err_name(want_rc));
    if (!json_equal(orig, orig_copy))
        fail_msg("the original changed: %s + %s", orig_s, patch_s);
    if (!json_equal(patch, patch_copy))
        fail_msg("the patch changed: %s + %s", orig_s, patch_s);
    if (rc < 0) {
        assert_null(out);
        assert_true(kp_err_msg()[0] != '\0'); /* every failure says what is wrong */
    } else {
        json_t *want = J(want_s);
        if (!json_equal(out, want)) {
            char *got = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
            fail_msg("%s + %s:\n got  %s\n want %s", orig_s, patch_s, got, want_s);
        }
        assert_false(tree_shares(out, orig));
        assert_false(tree_shares(out, patch));
        json_decref(want);
    }
    json_decref(out);
    json_decref(orig);
    json_decref(patch);
    json_decref(orig_copy);
    json_decref(patch_copy);
}

static void check(ptype t, const char *orig_s, const char *patch_s, const char *want_s, int want_rc)
{
    check_kind(t, "Pod", orig_s, patch_s, want_s, want_rc);
}

/* ---- RFC 7386 ----------------------------------------------------------------------------- */

static void test_merge_rfc7386_appendix_a(void **state)
{
    static const char *const cases[][3] = {
        {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
        {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
        {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
        {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
        {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
        {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
        {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
        {"{\"a\":\"foo\"}", "null", "null"},
        {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
        {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
        {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
        {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++)
        check(P_MERGE, cases[i][0], cases[i][1], cases[i][2], 0);
}

static void test_merge_rfc7386_example(void **state)
{
    /* RFC 7386 section 3 */
    (void)state;
    check(P_MERGE,
          "{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\",\"familyName\":\"Doe\"},"
          "\"tags\":[\"example\",\"sample\"],\"content\":\"This will be unchanged\"}",
          "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
          "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
          "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},\"tags\":[\"example\"],"
          "\"content\":\"This will be unchanged\",\"phoneNumber\":\"+01-123-456-7890\"}",
          0);
}

static void test_merge_limits(void **state)
{
    json_t *orig = json_object(), *patch = json_object(), *deep = json_object(), *out = NULL;
    char *big = kp_malloc(KP_OBJECT_MAX + 1);
    (void)state;

    /* a result past KP_OBJECT_MAX cannot be stored: 422 */
    memset(big, 'x', KP_OBJECT_MAX);
    big[KP_OBJECT_MAX] = '\0';
    json_object_set_new(patch, "big", json_string(big));
    assert_int_equal(kp_patch_merge(&out, orig, patch), KP_EINVALID);
    assert_null(out);
    json_decref(patch);
    patch = json_array();

    /* a patch nested past KP_JSON_DEPTH_MAX is refused before any walk over it */
    for (int i = 0; i < KP_JSON_DEPTH_MAX + 5; i++) {
        json_t *up = json_object();
        json_object_set_new(up, "a", deep);
        deep = up;
    }
    assert_int_equal(kp_patch_merge(&out, orig, deep), KP_EBADREQUEST);
    assert_int_equal(kp_patch_json(&out, deep, patch), KP_EBADREQUEST); /* a deep original */
    free(big);
    json_decref(deep);
    json_decref(orig);
    json_decref(patch);
}

/* ---- RFC 6902 ----------------------------------------------------------------------------- */

static void test_json_rfc6902_appendix_a(void **state)
{
    (void)state;
    /* A.1 Adding an Object Member */
    check(P_JSON, "{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
          "{\"baz\":\"qux\",\"foo\":\"bar\"}", 0);
    /* A.2 Adding an Array Element */
    check(P_JSON, "{\"foo\":[\"bar\",\"baz\"]}",
          "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
          "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", 0);
    /* A.3 Removing an Object Member */
    check(P_JSON, "{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]",
          "{\"foo\":\"bar\"}", 0);
    /* A.4 Removing an Array Element */
    check(P_JSON, "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
          "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", "{\"foo\":[\"bar\",\"baz\"]}", 0);
    /* A.5 Replacing a Value */
    check(P_JSON, "{\"baz\":\"qux\",\"foo\":\"bar\"}",
          "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
          "{\"baz\":\"boo\",\"foo\":\"bar\"}", 0);
    /* A.6 Moving a Value */
    check(P_JSON, "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
          "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
          "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}", 0);
    /* A.7 Moving an Array Element */
    check(P_JSON, "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
          "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
          "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", 0);
    /* A.8 Testing a Value: Success */
    check(P_JSON, "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
          "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
          "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
          "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", 0);
    /* A.9 Testing a Value: Error */
    check(P_JSON, "{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
          NULL, KP_EINVALID);
    /* A.10 Adding a Nested Member Object */
    check(P_JSON, "{\"foo\":\"bar\"}",
          "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
          "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}", 0);
    /* A.11 Ignoring Unrecognized Elements */
    check(P_JSON, "{\"foo\":\"bar\"}",
          "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]",
          "{\"foo\":\"bar\",\"baz\":\"qux\"}", 0);
    /* A.12 Adding to a Nonexistent Target */
    check(P_JSON, "{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
          NULL, KP_EINVALID);
    /* A.14 ~ Escape Ordering */
    check(P_JSON, "{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
          "{\"/\":9,\"~1\":10}", 0);
    /* A.15 Comparing Strings and Numbers */
    check(P_JSON, "{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]",
          NULL, KP_EINVALID);
    /* A.16 Adding an Array Value */
    check(P_JSON, "{\"foo\":[\"bar\"]}",
          "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
          "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", 0);
}

static void test_json_rfc6902_a13_invalid_document(void **state)
{
    /* A.13: duplicate "op" members; the JSON parser refuses the body before any patching */
    static const char body[] =
        "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"op\":\"remove\"}]";
    json_t *v = NULL;
    (void)state;
    assert_int_equal(kp_json_parse(&v, body, strlen(body)), KP_EBADREQUEST);
    assert_null(v);
}

static void test_json_more(void **state)
{
    (void)state;
    /* RFC 6901 section 5 pointers, "" and "/" included */
    check(P_JSON, "{\"\":0,\"a/b\":1,\"m~n\":8,\" \":7}",
          "[{\"op\":\"test\",\"path\":\"/\",\"value\":0},{\"op\":\"test\",\"path\":\"/a~1b\","
          "\"value\":1},{\"op\":\"test\",\"path\":\"/m~0n\",\"value\":8},"
          "{\"op\":\"test\",\"path\":\"/ \",\"value\":7}]",
          "{\"\":0,\"a/b\":1,\"m~n\":8,\" \":7}", 0);
    /* the whole document */
    check(P_JSON, "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]",
          "{\"b\":2}", 0);
    check(P_JSON, "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"\",\"value\":{\"a\":1}}]", "{\"a\":1}",
          0);
    check(P_JSON, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", NULL, KP_EINVALID);
    /* numbers compare by value, objects ignore member order */
    check(P_JSON, "{\"n\":10,\"o\":{\"x\":1,\"y\":[1,2]}}",
          "[{\"op\":\"test\",\"path\":\"/n\",\"value\":10.0},"
          "{\"op\":\"test\",\"path\":\"/o\",\"value\":{\"y\":[1,2],\"x\":1}}]",
          "{\"n\":10,\"o\":{\"x\":1,\"y\":[1,2]}}", 0);
    check(P_JSON, "{\"o\":{\"y\":[1,2]}}",
          "[{\"op\":\"test\",\"path\":\"/o\",\"value\":{\"y\":[2,1]}}]", NULL, KP_EINVALID);
    /* null is a value */
    check(P_JSON, "{}", "[{\"op\":\"add\",\"path\":\"/n\",\"value\":null}]", "{\"n\":null}", 0);
    check(P_JSON, "{\"n\":null}", "[{\"op\":\"test\",\"path\":\"/n\",\"value\":null}]",
          "{\"n\":null}", 0);
    /* replace needs an existing target, add may overwrite */
    check(P_JSON, "{}", "[{\"op\":\"replace\",\"path\":\"/x\",\"value\":1}]", NULL, KP_EINVALID);
    check(P_JSON, "{\"x\":0}", "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1}]", "{\"x\":1}", 0);
    /* copy, move to the same place, move up */
    check(P_JSON, "{\"a\":{\"b\":[1]}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]",
          "{\"a\":{\"b\":[1]},\"c\":{\"b\":[1]}}", 0);
    check(P_JSON, "{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]", "{\"a\":1}",
          0);
    check(P_JSON, "{\"a\":{\"b\":{\"c\":1}}}",
          "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/a\"}]", "{\"a\":{\"c\":1}}", 0);
    check(P_JSON, "{\"a\":[1,2,3]}", "[{\"op\":\"move\",\"from\":\"/a/0\",\"path\":\"/a/-\"}]",
          "{\"a\":[2,3,1]}", 0);
    /* appending at the size is an add; replace and remove stay inside */
    check(P_JSON, "{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/1\",\"value\":2}]",
          "{\"a\":[1,2]}", 0);
    check(P_JSON, "{\"a\":[1]}", "[{\"op\":\"replace\",\"path\":\"/a/1\",\"value\":2}]", NULL,
          KP_EINVALID);
    check(P_JSON, "{\"a\":[1]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]", NULL, KP_EINVALID);
}

static void test_json_errors(void **state)
{
    static const char *const bad_ops[] = {
        "[{\"path\":\"/a\"}]",                                 /* no op */
        "[{\"op\":1,\"path\":\"/a\"}]",                        /* op not a string */
        "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]",           /* unknown op */
        "[{\"op\":\"add\",\"value\":1}]",                      /* no path */
        "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]",       /* no leading / */
        "[{\"op\":\"add\",\"path\":\"/a\"}]",                  /* no value */
        "[{\"op\":\"replace\",\"path\":\"/a\"}]",              /* no value */
        "[{\"op\":\"test\",\"path\":\"/a\"}]",                 /* no value */
        "[{\"op\":\"remove\",\"path\":\"/nope\"}]",            /* missing target */
        "[{\"op\":\"remove\",\"path\":\"/a~2\"}]",             /* bad escape */
        "[{\"op\":\"remove\",\"path\":\"/a~\"}]",              /* bad escape */
        "[{\"op\":\"add\",\"path\":\"/arr/01\",\"value\":1}]", /* leading zero */
        "[{\"op\":\"add\",\"path\":\"/arr/3\",\"value\":1}]",  /* past the end */
        "[{\"op\":\"add\",\"path\":\"/arr/-1\",\"value\":1}]", /* negative */
        "[{\"op\":\"add\",\"path\":\"/arr/x\",\"value\":1}]",  /* not a number */
        "[{\"op\":\"remove\",\"path\":\"/arr/2\"}]",           /* past the end */
        "[{\"op\":\"add\",\"path\":\"/s/x\",\"value\":1}]",    /* into a string */
        "[{\"op\":\"move\",\"path\":\"/b\"}]",                 /* no from */
        "[{\"op\":\"move\",\"from\":\"/nope\",\"path\":\"/b\"}]",
        "[{\"op\":\"copy\",\"from\":\"/nope\",\"path\":\"/b\"}]",
        "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b\"}]", /* into its own child */
        "[{\"op\":\"move\",\"from\":\"\",\"path\":\"/a\"}]",
        /* all or nothing: the add before a failed test leaves no trace */
        ("[{\"op\":\"add\",\"path\":\"/x\",\"value\":1},"
         "{\"op\":\"test\",\"path\":\"/x\",\"value\":2}]"),
    };
    json_t *ops = json_array(), *orig = J("{}"), *out = NULL;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(bad_ops); i++)
        check(P_JSON, "{\"a\":{\"b\":1},\"arr\":[0,1],\"s\":\"str\"}", bad_ops[i], NULL,
              KP_EINVALID);
    /* k8s: a body that is not a list of operation objects is a 400 */
    check(P_JSON, "{}", "{\"op\":\"add\"}", NULL, KP_EBADREQUEST);
    check(P_JSON, "{}", "[1]", NULL, KP_EBADREQUEST);
    check(P_JSON, "{}", "[[]]", NULL, KP_EBADREQUEST);
    check(P_JSON, "{}", "[]", "{}", 0);
    /* k8s: more than maxJSONPatchOperations is a 413 */
    for (int i = 0; i <= KP_PATCH_OPS_MAX; i++)
        json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "test", "path", ""));
    assert_int_equal(kp_patch_json(&out, orig, ops), KP_ETOOLARGE);
    assert_non_null(strstr(kp_err_msg(), "10000"));
    json_array_remove(ops, 0);
    assert_int_equal(kp_patch_json(&out, orig, ops), KP_EINVALID); /* test {} == "" fails */
    json_decref(ops);
    json_decref(orig);
}

/* kp_patch_json(), checking that orig and ops come out unchanged */
static int json_patch_rc(json_t **out, const json_t *orig, const json_t *ops)
{
    json_t *orig_copy = json_deep_copy(orig), *ops_copy = json_deep_copy(ops);
    int rc = kp_patch_json(out, orig, ops);
    assert_true(json_equal(orig, orig_copy));
    assert_true(json_equal(ops, ops_copy));
    json_decref(orig_copy);
    json_decref(ops_copy);
    return rc;
}

static void test_json_size_and_depth(void **state)
{
    char *big = kp_malloc(1024 * 1024 + 1);
    json_t *orig = json_object(), *ops = json_array(), *out = NULL, *deep = json_object(), *v;
    char path[512];
    size_t plen = 0;
    (void)state;

    memset(big, 'x', 1024 * 1024);
    big[1024 * 1024] = '\0';
    json_object_set_new(orig, "a", json_string(big));
    /* k8s: JSONPatchMaxCopyBytes (3 MiB) bounds what copies add up to, removed or not */
    for (int i = 0; i < 4; i++) {
        json_array_append_new(ops,
                              json_pack("{s:s,s:s,s:s}", "op", "copy", "from", "/a", "path", "/b"));
        json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "remove", "path", "/b"));
    }
    assert_int_equal(json_patch_rc(&out, orig, ops), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "copy"));
    /* one copy is within the copy budget but the result exceeds KP_OBJECT_MAX */
    json_array_clear(ops);
    json_array_append_new(ops,
                          json_pack("{s:s,s:s,s:s}", "op", "copy", "from", "/a", "path", "/b"));
    assert_int_equal(json_patch_rc(&out, orig, ops), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "larger"));
    assert_null(out);

    /* a value placed where it would nest past KP_JSON_DEPTH_MAX: refused at that step */
    json_object_clear(orig);
    v = orig;
    path[0] = '\0';
    for (int i = 0; i < 60; i++) {
        json_t *c = json_object();
        json_object_set_new(v, "d", c);
        v = c;
        plen += (size_t)snprintf(path + plen, sizeof(path) - plen, "/d");
    }
    for (int i = 0; i < 50; i++) {
        json_t *up = json_object();
        json_object_set_new(up, "e", deep);
        deep = up;
    }
    json_array_clear(ops);
    json_array_append_new(ops,
                          json_pack("{s:s,s:s,s:o}", "op", "add", "path", path, "value", deep));
    assert_int_equal(json_patch_rc(&out, orig, ops), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "deeper"));
    /* the same by copying the document's own chain into its tip, and by moving it there */
    json_array_clear(ops);
    snprintf(path + plen, sizeof(path) - plen, "/x");
    json_array_append_new(ops,
                          json_pack("{s:s,s:s,s:s}", "op", "copy", "from", "/d", "path", path));
    assert_int_equal(json_patch_rc(&out, orig, ops), KP_EINVALID);
    deep = json_object();
    for (int i = 0; i < 50; i++) {
        json_t *up = json_object();
        json_object_set_new(up, "s", deep);
        deep = up;
    }
    json_object_set_new(orig, "side", deep);
    json_array_clear(ops);
    json_array_append_new(ops,
                          json_pack("{s:s,s:s,s:s}", "op", "move", "from", "/side", "path", path));
    assert_int_equal(json_patch_rc(&out, orig, ops), KP_EINVALID);
    /* moving it up is fine */
    json_array_clear(ops);
    json_array_append_new(ops,
                          json_pack("{s:s,s:s,s:s}", "op", "move", "from", "/d/d", "path", "/up"));
    assert_int_equal(json_patch_rc(&out, orig, ops), 0);
    json_decref(out);
    free(big);
    json_decref(orig);
    json_decref(ops);
}

/* ---- strategic merge patch ---------------------------------------------------------------- */

#define POD(spec)                                                                                  \
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":" spec "}"

static void test_smp_containers(void **state)
{
    (void)state;
    /* merge containers by name, keeping the others */
    check(P_SMP,
          POD("{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"},{\"name\":\"b\",\"image\":\"b:"
              "1\"}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"b:2\"}]}}",
          POD("{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"},{\"name\":\"b\",\"image\":\"b:"
              "2\"}]}"),
          0);
    /* k8s: a new element goes before the server-only ones (mergeSortedSlice), as the
     * "kubectl patch" task page shows: the added redis container is listed first */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\"}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"redis\",\"image\":\"redis\"}]}}",
          POD("{\"containers\":[{\"name\":\"redis\",\"image\":\"redis\"},"
              "{\"name\":\"nginx\",\"image\":\"nginx\"}]}"),
          0);
    /* change one env var; the others stay, in order */
    check(
        P_SMP,
        POD("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
            "{\"name\":\"B\",\"value\":\"2\"},{\"name\":\"C\",\"value\":\"3\"}]}]}"),
        "{\"spec\":{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"B\",\"value\":\"x\"}]}]}}",
        POD("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
            "{\"name\":\"B\",\"value\":\"x\"},{\"name\":\"C\",\"value\":\"3\"}]}]}"),
        0);
    /* add a port: merged on containerPort */
    check(P_SMP,
          POD("{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"}"
              "]}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":443}]}]}}",
          POD("{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":443},"
              "{\"containerPort\":80,\"name\":\"http\"}]}]}"),
          0);
    /* $patch: delete removes the element with that key */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"b\",\"$patch\":\"delete\"}]}}",
          POD("{\"containers\":[{\"name\":\"a\"},{\"name\":\"c\"}]}"), 0);
    /* $patch: replace makes the list the patch's other elements */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\"}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"z\",\"image\":\"z\"},{\"$patch\":\"replace\"}]}}",
          POD("{\"containers\":[{\"name\":\"z\",\"image\":\"z\"}]}"), 0);
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"}]}"),
          "{\"spec\":{\"containers\":[{\"$patch\":\"replace\"}]}}", POD("{\"containers\":[]}"), 0);
    /* a list without a strategy is replaced whole (tolerations are atomic) */
    check(P_SMP, POD("{\"tolerations\":[{\"key\":\"a\"},{\"key\":\"b\"}]}"),
          "{\"spec\":{\"tolerations\":[{\"key\":\"c\"}]}}",
          POD("{\"tolerations\":[{\"key\":\"c\"}]}"), 0);
    /* envFrom has no strategy either: replaced */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"c\",\"envFrom\":[{\"prefix\":\"A\"}]}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"c\",\"envFrom\":[{\"prefix\":\"B\"}]}]}}",
          POD("{\"containers\":[{\"name\":\"c\",\"envFrom\":[{\"prefix\":\"B\"}]}]}"), 0);
    /* volumes on name, volumeMounts on mountPath, hostAliases on ip */
    check(
        P_SMP,
        POD("{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}],\"hostAliases\":[{\"ip\":\"1.1.1.1\","
            "\"hostnames\":[\"a\"]}],\"containers\":[{\"name\":\"c\",\"volumeMounts\":"
            "[{\"mountPath\":\"/a\",\"name\":\"v\"}]}]}"),
        "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{\"medium\":\"Memory\"}}],"
        "\"hostAliases\":[{\"ip\":\"1.1.1.1\",\"hostnames\":[\"b\"]}],\"containers\":[{\"name\":"
        "\"c\",\"volumeMounts\":[{\"mountPath\":\"/a\",\"readOnly\":true}]}]}}",
        POD("{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{\"medium\":\"Memory\"}}],\"hostAliases\":"
            "[{\"ip\":\"1.1.1.1\",\"hostnames\":[\"b\"]}],\"containers\":[{\"name\":\"c\","
            "\"volumeMounts\":[{\"mountPath\":\"/a\",\"name\":\"v\",\"readOnly\":true}]}]}"),
        0);
    /* maps merge, null deletes, scalars replace */
    check(P_SMP,
          "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"nodeName\":\"n\"}}",
          "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{\"nodeName\":\"m\"}}",
          "{\"metadata\":{\"labels\":{\"b\":\"2\",\"c\":\"3\"}},\"spec\":{\"nodeName\":\"m\"}}", 0);
}

static void test_smp_directives(void **state)
{
    (void)state;
    /* $patch: delete in a map removes the map */
    check_kind(
        P_SMP, "Deployment",
        "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}}",
        "{\"spec\":{\"strategy\":{\"rollingUpdate\":{\"$patch\":\"delete\"}}}}",
        "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\"}}}", 0);
    /* $patch: replace in a map: the map is the patch's */
    check(P_SMP, "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
          "{\"metadata\":{\"labels\":{\"$patch\":\"replace\",\"c\":\"3\"}}}",
          "{\"metadata\":{\"labels\":{\"c\":\"3\"}}}", 0);
    /* $retainKeys: the task page's example, kubectl patch --patch-file patch-file-retainkeys.yaml
     */
    check_kind(P_SMP, "Deployment",
               "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":"
               "{\"maxSurge\":\"30%\"}}}}",
               "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}",
               "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}", 0);
    /* k8s: a field the patch sets must be listed in $retainKeys */
    check_kind(P_SMP, "Deployment", "{\"spec\":{\"strategy\":{}}}",
               "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"rollingUpdate\":{}}}}", NULL,
               KP_EBADREQUEST);
    check_kind(P_SMP, "Deployment", "{\"spec\":{\"strategy\":{}}}",
               "{\"spec\":{\"strategy\":{\"$retainKeys\":\"type\"}}}", NULL, KP_EBADREQUEST);
    /* $setElementOrder on a list of maps */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]}"),
          "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"a\"},"
          "{\"name\":\"b\"}]}}",
          POD("{\"containers\":[{\"name\":\"c\"},{\"name\":\"a\"},{\"name\":\"b\"}]}"), 0);
    /* with a change and an addition in the same patch */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"image\":\"1\"}]}"),
          "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"},"
          "{\"name\":\"n\"}],\"containers\":[{\"name\":\"b\",\"image\":\"2\"},{\"name\":\"n\"}]}}",
          POD("{\"containers\":[{\"name\":\"b\",\"image\":\"2\"},{\"name\":\"a\"},{\"name\":\"n\"}]"
              "}"),
          0);
    /* the preserve-order proposal's env example. The proposal shows ENV5, ENV4, ENV1, ENV2,
     * ENV6; kube-apiserver's code gives what follows: ENV4 stays before ENV6 because ENV6,
     * appended into the slot ENV3's deletion freed in the original slice, counts as known to
     * the server (mergeSortedSlice compares positions in that slice). */
    check(
        P_SMP,
        POD("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"ENV2\",\"value\":\"bar\"},"
            "{\"name\":\"ENV5\",\"value\":\"server-added-2\"},{\"name\":\"ENV1\",\"value\":\"foo\"}"
            ","
            "{\"name\":\"ENV3\",\"value\":\"baz\"},{\"name\":\"ENV4\",\"value\":\"server-added-1\"}"
            "]}]}"),
        "{\"spec\":{\"containers\":[{\"name\":\"c\",\"$setElementOrder/env\":[{\"name\":\"ENV1\"},"
        "{\"name\":\"ENV2\"},{\"name\":\"ENV6\"}],\"env\":[{\"name\":\"ENV3\",\"$patch\":"
        "\"delete\"},"
        "{\"name\":\"ENV6\",\"value\":\"new-env\"}]}]}}",
        POD("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"ENV5\",\"value\":\"server-added-"
            "2\"},"
            "{\"name\":\"ENV1\",\"value\":\"foo\"},{\"name\":\"ENV2\",\"value\":\"bar\"},"
            "{\"name\":\"ENV4\",\"value\":\"server-added-1\"},{\"name\":\"ENV6\",\"value\":\"new-"
            "env\"}]}]}"),
        0);
    /* the same without the deletion: ENV6 is new to the server and goes before ENV4 */
    check(
        P_SMP,
        POD("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"ENV2\"},{\"name\":\"ENV5\"},"
            "{\"name\":\"ENV1\"},{\"name\":\"ENV4\"}]}]}"),
        "{\"spec\":{\"containers\":[{\"name\":\"c\",\"$setElementOrder/env\":[{\"name\":\"ENV1\"},"
        "{\"name\":\"ENV2\"},{\"name\":\"ENV6\"}],\"env\":[{\"name\":\"ENV6\"}]}]}}",
        POD("{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"ENV5\"},{\"name\":\"ENV1\"},"
            "{\"name\":\"ENV2\"},{\"name\":\"ENV6\"},{\"name\":\"ENV4\"}]}]}"),
        0);
    /* $setElementOrder on finalizers (a merged list of scalars) */
    check(P_SMP, "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}",
          "{\"metadata\":{\"$setElementOrder/finalizers\":[\"b\",\"c\",\"a\"]}}",
          "{\"metadata\":{\"finalizers\":[\"b\",\"c\",\"a\"]}}", 0);
    /* k8s: the patch list's order must agree with $setElementOrder */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"),
          "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
          "\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}",
          NULL, KP_EBADREQUEST);
    /* $deleteFromPrimitiveList on finalizers: every named value goes, the order stays */
    check(P_SMP, "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\",\"b\"]}}",
          "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\",\"x\"]}}",
          "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}", 0);
    /* finalizers merge as a set */
    check(P_SMP, "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
          "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}",
          "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}", 0);
    /* the proposal's finalizers example, as mergeSortedSlice orders it */
    check(P_SMP, "{\"metadata\":{\"finalizers\":[\"b\",\"e\",\"a\",\"c\",\"d\"]}}",
          "{\"metadata\":{\"$setElementOrder/finalizers\":[\"a\",\"b\",\"f\"],"
          "\"$deleteFromPrimitiveList/finalizers\":[\"c\"],\"finalizers\":[\"f\"]}}",
          "{\"metadata\":{\"finalizers\":[\"e\",\"a\",\"b\",\"f\",\"d\"]}}", 0);
    /* ownerReferences merge on uid */
    check(
        P_SMP, "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\"}]}}",
        "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"controller\":true}]}}",
        "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\",\"controller\":true}]}}",
        0);
    /* conditions merge on type */
    check(P_SMP,
          "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},"
          "{\"type\":\"PodScheduled\",\"status\":\"True\"}]}}",
          "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
          "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
          "{\"type\":\"PodScheduled\",\"status\":\"True\"}]}}",
          0);
    /* $patch: delete at the top leaves an empty object */
    check(P_SMP, "{\"a\":1}", "{\"$patch\":\"delete\"}", "{}", 0);
    /* a new field's value is the patch applied to nothing: its directives act */
    check(P_SMP, "{\"spec\":{}}",
          "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"$patch\":\"delete\"}],"
          "\"affinity\":{\"$patch\":\"delete\"},\"nodeSelector\":{\"x\":\"1\",\"y\":null}}}",
          "{\"spec\":{\"containers\":[{\"name\":\"a\"}],\"nodeSelector\":{\"x\":\"1\"}}}", 0);
}

static void test_smp_templates(void **state)
{
    (void)state;
    /* a Deployment's pod template */
    check_kind(
        P_SMP, "Deployment",
        "{\"spec\":{\"replicas\":1,\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"app:1\",\"env\":[{\"name\":"
        "\"A\",\"value\":\"1\"}]},{\"name\":\"side\",\"image\":\"side:1\"}]}}}}",
        "{\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\","
        "\"image\":\"app:2\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}]}]}}}}",
        "{\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"app:2\",\"env\":[{\"name\":"
        "\"B\",\"value\":\"2\"},{\"name\":\"A\",\"value\":\"1\"}]},{\"name\":\"side\","
        "\"image\":\"side:1\"}]}}}}",
        0);
    /* the same patch for a Pod: spec.template has no strategies there, so the list is replaced */
    check_kind(
        P_SMP, "Pod",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}}}",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"}]}}}}",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"}]}}}}",
        0);
    /* a CronJob's job template */
    check_kind(
        P_SMP, "CronJob",
        "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
        "\"a\",\"image\":\"1\"},{\"name\":\"b\"}]}}}}}}",
        "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
        "\"a\",\"image\":\"2\"}]}}}}}}",
        "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
        "\"a\",\"image\":\"2\"},{\"name\":\"b\"}]}}}}}}",
        0);
    /* the /scale subresource's Scale */
    check_kind(P_SMP, "Scale", "{\"kind\":\"Scale\",\"spec\":{\"replicas\":1}}",
               "{\"spec\":{\"replicas\":3}}", "{\"kind\":\"Scale\",\"spec\":{\"replicas\":3}}", 0);
    /* Service ports merge on port */
    check_kind(P_SMP, "Service", "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080}]}}",
               "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}",
               "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}", 0);
    /* a kind without list strategies still merges metadata.finalizers as a set (the new one
     * first, as mergeSortedSlice puts values the server lacks) */
    check_kind(P_SMP, "ConfigMap", "{\"data\":{\"a\":\"1\"},\"metadata\":{\"finalizers\":[\"x\"]}}",
               "{\"data\":{\"b\":\"2\"},\"metadata\":{\"finalizers\":[\"y\"]}}",
               "{\"data\":{\"a\":\"1\",\"b\":\"2\"},\"metadata\":{\"finalizers\":[\"y\",\"x\"]}}",
               0);
}

static void test_smp_errors(void **state)
{
    json_t *o = J("{}"), *out = NULL;
    (void)state;
    /* custom resources are not the module's: the caller answers 415 */
    assert_false(kp_patch_strategic_known("Widget"));
    assert_false(kp_patch_strategic_known(NULL));
    assert_true(kp_patch_strategic_known("Deployment"));
    assert_true(kp_patch_strategic_known("HorizontalPodAutoscaler"));
    assert_true(kp_patch_strategic_known("Scale")); /* the /scale subresource */
    assert_int_equal(kp_patch_strategic(&out, o, o, "Widget"), KP_EMEDIATYPE);
    json_decref(o);

    check(P_SMP, "{}", "[]", NULL, KP_EBADREQUEST);
    check(P_SMP, "{}", "{\"$patch\":\"merge\"}", NULL, KP_EBADREQUEST);
    check(P_SMP, "{}", "{\"$patch\":7}", NULL, KP_EBADREQUEST);
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"merge\"}]}}", NULL,
          KP_EBADREQUEST);
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"}]}"),
          "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":\"bogus\"}]}}", NULL,
          KP_EBADREQUEST);
    /* k8s: mergepatch.ErrNoMergeKey */
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"}]}"),
          "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", NULL, KP_EINVALID);
    check(P_SMP, POD("{\"containers\":[{\"name\":\"a\"}]}"),
          "{\"spec\":{\"containers\":[{\"$patch\":\"delete\"}]}}", NULL, KP_EINVALID);
    /* k8s: sliceElementType */
    check(P_SMP, "{\"metadata\":{\"finalizers\":[\"a\"]}}", "{\"metadata\":{\"finalizers\":[1]}}",
          NULL, KP_EINVALID);
    check(P_SMP, "{\"metadata\":{\"finalizers\":[[\"a\"]]}}",
          "{\"metadata\":{\"finalizers\":[[\"b\"]]}}", NULL, KP_EINVALID);
    check(P_SMP, POD("{\"containers\":[\"a\"]}"), "{\"spec\":{\"containers\":[\"b\"]}}", NULL,
          KP_EINVALID);
    /* k8s: extractKey */
    check(P_SMP, "{\"metadata\":{}}", "{\"metadata\":{\"$deleteFromPrimitiveListX\":[]}}", NULL,
          KP_EBADREQUEST);
    check(P_SMP, "{\"metadata\":{}}", "{\"metadata\":{\"$setElementOrder\":[]}}", NULL,
          KP_EBADREQUEST);
    check(P_SMP, "{\"metadata\":{}}", "{\"metadata\":{\"$setElementOrder/finalizers\":{}}}", NULL,
          KP_EBADREQUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_rfc7386_appendix_a),
        cmocka_unit_test(test_merge_rfc7386_example),
        cmocka_unit_test(test_merge_limits),
        cmocka_unit_test(test_json_rfc6902_appendix_a),
        cmocka_unit_test(test_json_rfc6902_a13_invalid_document),
        cmocka_unit_test(test_json_more),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_json_size_and_depth),
        cmocka_unit_test(test_smp_containers),
        cmocka_unit_test(test_smp_directives),
        cmocka_unit_test(test_smp_templates),
        cmocka_unit_test(test_smp_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
