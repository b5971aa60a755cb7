#include "lib/common.h"
#include "lib/yaml.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "tests/support/testlib.h"

/* Parses yaml with kp_yaml_parse (or _stream) and compares with the JSON text want. */
static void check_json(const char *yaml, const char *want, bool stream)
{
    json_error_t jerr;
    json_t *got = NULL, *exp;
    char *dump;
    int rc;

    exp = json_loads(want, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!exp)
        fail_msg("bad expected JSON %s: %s", want, jerr.text);
    rc = stream ? kp_yaml_parse_stream(&got, yaml, strlen(yaml))
                : kp_yaml_parse(&got, yaml, strlen(yaml));
    if (rc < 0)
        fail_msg("parse of <<%s>> failed: %s", yaml, kp_err_msg());
    if (!json_equal(got, exp)) {
        dump = kp_json_dump(got, NULL);
        fail_msg("parse of <<%s>>\n  got  %s\n  want %s", yaml, dump, want);
    }
    json_decref(got);
    json_decref(exp);
}

static void expect_json(const char *yaml, const char *want)
{
    check_json(yaml, want, false);
}

static void expect_stream(const char *yaml, const char *want)
{
    check_json(yaml, want, true);
}

/* kp_yaml_parse must fail with KP_EBADREQUEST and a message containing msg. */
static void expect_error_len(const char *yaml, size_t len, const char *msg)
{
    json_t *got = NULL;
    int rc = kp_yaml_parse(&got, yaml, len);

    if (rc == 0) {
        char *dump = kp_json_dump(got, NULL);
        fail_msg("parse of <<%s>> succeeded with %s, want error \"%s\"", yaml, dump, msg);
    }
    assert_int_equal(rc, KP_EBADREQUEST);
    if (!strstr(kp_err_msg(), msg))
        fail_msg("parse of <<%s>>: message \"%s\" lacks \"%s\"", yaml, kp_err_msg(), msg);
    assert_null(got);
}

static void expect_error(const char *yaml, const char *msg)
{
    expect_error_len(yaml, strlen(yaml), msg);
}

static const struct {
    const char *yaml;
    const char *json;
} scalar_cases[] = {
    /* null */
    {"a: ~", "{\"a\": null}"},
    {"a: null", "{\"a\": null}"},
    {"a: Null", "{\"a\": null}"},
    {"a: NULL", "{\"a\": null}"},
    {"a:", "{\"a\": null}"},
    {"a: nULL", "{\"a\": \"nULL\"}"},
    /* booleans, YAML 1.1 as go-yaml v2 */
    {"[true, True, TRUE, false, False, FALSE]", "[true, true, true, false, false, false]"},
    {"[yes, Yes, YES, no, No, NO]", "[true, true, true, false, false, false]"},
    {"[on, On, ON, off, Off, OFF]", "[true, true, true, false, false, false]"},
    {"[y, Y, n, N]", "[true, true, false, false]"},
    {"[tRUE, yES, oN, t, f, 1true]", "[\"tRUE\", \"yES\", \"oN\", \"t\", \"f\", \"1true\"]"},
    /* integers: Go's strconv.ParseInt(s, 0, 64) after dropping underscores */
    {"[0, 1, -1, +1, 42]", "[0, 1, -1, 1, 42]"},
    {"[0x1F, 0X1f, -0x10, +0x10]", "[31, 31, -16, 16]"},
    {"[0o17, 017, 0O17, -017]", "[15, 15, 15, -15]"},
    {"[0b101, -0b101, 0B11]", "[5, -5, 3]"},
    {"[1_000, 1__0, 0x_1F, 1_0.5]", "[1000, 10, 31, 10.5]"},
    {"[9223372036854775807, -9223372036854775808]", "[9223372036854775807, -9223372036854775808]"},
    /* past int64 go-yaml has uint64 or float64; JSON readers take those as reals */
    {"[9223372036854775808, 18446744073709551615, 100000000000000000000]",
     "[9223372036854775808.0, 18446744073709551615.0, 1e20]"},
    {"0x10000000000000000", "18446744073709551616.0"},
    /* "08" is no octal, so the float 8, which JSON spells 8 */
    {"[08, 09.5, 0x, 0o, 0b, 0x1g]", "[8, 9.5, \"0x\", \"0o\", \"0b\", \"0x1g\"]"},
    /* floats; integral ones become integers as json.Marshal prints 1.0 as 1 */
    {"[1.5, -1.5, .5, -.5, +.5, 1., 1.0, 1e3, 1E3, 1.5e-3, 2e+2]",
     "[1.5, -1.5, 0.5, -0.5, 0.5, 1, 1, 1000, 1000, 0.0015, 200]"},
    {"[.5_0, ._5, .e5, ., -., 1e, e1]", "[0.5, \"._5\", \".e5\", \".\", \"-.\", \"1e\", \"e1\"]"},
    {"[1e400, -1e400, 1e-400, -0.0]", "[\"1e400\", \"-1e400\", 0, 0]"},
    {"[1e20, 1e19, 1.5e300]", "[1e20, 1e19, 1.5e300]"},
    {"[0x1p3, 1.2.3, 12:30, 1:30:00, 0.1.2, inf, nan, Infinity]",
     "[\"0x1p3\", \"1.2.3\", \"12:30\", \"1:30:00\", \"0.1.2\", \"inf\", \"nan\", \"Infinity\"]"},
    /* timestamps stay the strings they were (go-yaml hands interface{} the text) */
    {"[2001-12-14, 2001-12-14T21:59:43.10Z, 2001-12-14 21:59:43.10]",
     "[\"2001-12-14\", \"2001-12-14T21:59:43.10Z\", \"2001-12-14 21:59:43.10\"]"},
    /* quoted and block scalars are strings */
    {"['true', \"1\", 'null', \"~\", '', \"0x10\", '.inf']",
     "[\"true\", \"1\", \"null\", \"~\", \"\", \"0x10\", \".inf\"]"},
    {"\"a\\tb\\n\\u00e9\\x41\\0\"", "\"a\\tb\\n\\u00e9A\\u0000\""},
    {"'it''s'", "\"it's\""},
    {"a: |\n  line1\n  line2\n", "{\"a\": \"line1\\nline2\\n\"}"},
    {"a: |-\n  1\n  2\n", "{\"a\": \"1\\n2\"}"},
    {"a: |+\n  x\n\nb: 1", "{\"a\": \"x\\n\\n\", \"b\": 1}"},
    {"a: >\n  folded\n  text\n\n  para\n", "{\"a\": \"folded text\\npara\\n\"}"},
    {"a: >-\n  123\n", "{\"a\": \"123\"}"},
    {"a: |2\n   indented\n  x\n", "{\"a\": \" indented\\nx\\n\"}"},
    {"plain text with  spaces", "\"plain text with  spaces\""},
    {"a: multi\n  line plain", "{\"a\": \"multi line plain\"}"},
    {"a: b#c d # comment", "{\"a\": \"b#c d\"}"},
    {"a: http://x:80/y", "{\"a\": \"http://x:80/y\"}"},
    {"[<<, =, '-']", "[\"<<\", \"=\", \"-\"]"},
    {"- -x\n- --\n- - -", "[\"-x\", \"--\", [[null]]]"},
    /* tags: !!str forces a string, the others must match, unknown ones leave the text */
    {"[!!str 1, !!str true, !!str ~, !!str 0x10]", "[\"1\", \"true\", \"~\", \"0x10\"]"},
    {"[!!int \"12\", !!int 0x10, !!bool yes, !!null '', !!float 1, !!float 1.5]",
     "[12, 16, true, null, 1.0, 1.5]"},
    {"[!custom 12, !custom true, ! 12, !!timestamp 2001-12-14]",
     "[\"12\", \"true\", \"12\", \"2001-12-14\"]"},
    {"!custom {a: 1}", "{\"a\": 1}"},
    {"!!map {a: !!seq [1]}", "{\"a\": [1]}"},
    {"!<tag:yaml.org,2002:str> 5", "\"5\""},
    /* document-level values */
    {"42", "42"},
    {"null", "null"},
    {"--- |\n  doc\n...\n", "\"doc\\n\""},
    {"\xef\xbb\xbf"
     "a: 1",
     "{\"a\": 1}"},
    {"%YAML 1.1\n---\na: 1", "{\"a\": 1}"},
    {"[\xc3\xa9t\xc3\xa9, \xf0\x9f\x98\x80]", "[\"\\u00e9t\\u00e9\", \"\\ud83d\\ude00\"]"},
};

static void test_scalars(void **state)
{
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(scalar_cases); i++)
        expect_json(scalar_cases[i].yaml, scalar_cases[i].json);
}

static const struct {
    const char *yaml;
    const char *json;
} key_cases[] = {
    /* sigs.k8s.io/yaml turns non-string keys into their text */
    {"1: a\n-2: b\n0x10: c\n1_000: d",
     "{\"1\": \"a\", \"-2\": \"b\", \"16\": \"c\", \"1000\": \"d\"}"},
    {"true: a\nyes: b\nno: c", NULL}, /* true and yes are the same key */
    {"yes: a\noff: b\ny: c", NULL},
    {"Yes: a\nOff: b", "{\"true\": \"a\", \"false\": \"b\"}"},
    /* floats as Go's FormatFloat(f, 'g', -1, 32) */
    {"1.5: a\n1.0: b\n1e6: c\n123456: d\n0.0001: e\n0.00001: f",
     "{\"1.5\": \"a\", \"1\": \"b\", \"1e+06\": \"c\", \"123456\": \"d\", \"0.0001\": \"e\", "
     "\"1e-05\": \"f\"}"},
    {"0.1: a\n3.14159265358979: b\n1e40: c\n-1.25e-7: d",
     "{\"0.1\": \"a\", \"3.1415927\": \"b\", \".inf\": \"c\", \"-1.25e-07\": \"d\"}"},
    {".inf: a\n-.inf: b\n.nan: c", "{\".inf\": \"a\", \"-.inf\": \"b\", \".nan\": \"c\"}"},
    {"08: a\n2001-12-14: b", "{\"8\": \"a\", \"2001-12-14\": \"b\"}"},
    {"'1': a\n\"true\": b\n!!str 0x10: c", "{\"1\": \"a\", \"true\": \"b\", \"0x10\": \"c\"}"},
    {"? a\n: 1\n? |\n  block key\n: 2", "{\"a\": 1, \"block key\\n\": 2}"},
    {"&k key: 1\nother: *k", "{\"key\": 1, \"other\": \"key\"}"},
    {"a: &n 5\n*n : x", "{\"a\": 5, \"5\": \"x\"}"},
    {"\"<<\": 1", "{\"<<\": 1}"},
};

static void test_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(key_cases); i++) {
        if (key_cases[i].json)
            expect_json(key_cases[i].yaml, key_cases[i].json);
        else
            expect_error(key_cases[i].yaml, "duplicate key \"true\"");
    }
    expect_error("~: a", "unsupported map key");
    expect_error("null: a", "unsupported map key");
    expect_error("? \n: a", "unsupported map key");
    expect_error("18446744073709551615: a", "unsupported map key");
    expect_error("[a]: 1", "mapping keys must be scalars");
    expect_error("\"a\\0b\": 1", "map key contains a NUL character");
    expect_error("? {a: 1}\n: 1", "mapping keys must be scalars");
    expect_error("a: &s [1]\n*s : 1", "is not a scalar");
    expect_error("a: 1\nb: 2\na: 3", "line 3, column 1: duplicate key \"a\"");
    expect_error("1: a\n\"1\": b", "duplicate key \"1\"");
    expect_error("1.0: a\n1: b", "duplicate key \"1\"");
    expect_error("{a: 1, a: 1}", "duplicate key \"a\"");
}

static void test_anchors(void **state)
{
    (void)state;
    expect_json("a: &x [1, {b: 2}]\nc: *x", "{\"a\": [1, {\"b\": 2}], \"c\": [1, {\"b\": 2}]}");
    expect_json("a: &x 1\nb: &x 2\nc: *x", "{\"a\": 1, \"b\": 2, \"c\": 2}");
    expect_json("- &a yes\n- *a\n- &b '1'\n- *b", "[true, true, \"1\", \"1\"]");
    expect_json("base: &b {p: 1, q: 2}\nd:\n  <<: *b\n  q: 3",
                "{\"base\": {\"p\": 1, \"q\": 2}, \"d\": {\"p\": 1, \"q\": 3}}");
    /* "y" is a YAML 1.1 boolean, as a key too */
    expect_json("d: {x: 1, y: 2}", "{\"d\": {\"x\": 1, \"true\": 2}}");
    /* explicit keys win wherever they stand; earlier merged maps win over later ones */
    expect_json("a: &a {p: 1, q: 1}\nb: &b {q: 2, r: 2}\nc:\n  q: 0\n  <<: [*a, *b]",
                "{\"a\": {\"p\": 1, \"q\": 1}, \"b\": {\"q\": 2, \"r\": 2}, "
                "\"c\": {\"q\": 0, \"p\": 1, \"r\": 2}}");
    expect_json("<<: {a: 1}\n<<: {a: 2, b: 2}", "{\"a\": 1, \"b\": 2}");
    expect_error("<<: {a: 1}\na: 2\na: 3", "duplicate key \"a\"");
    expect_error("<<: 1", "map merge requires map");
    expect_error("<<: [{a: 1}, 2]", "map merge requires map");
    expect_error("a: *nope", "unknown anchor \"nope\" referenced");
    expect_error("&a [1, *a]", "anchor \"a\" value contains itself");
    expect_error("a: &x .inf\nb: 1", ".inf cannot be represented in JSON");
    /* anchors are per document */
    json_t *v = NULL;
    const char *two = "a: &x 1\n---\nb: *x\n";
    assert_int_equal(kp_yaml_parse_stream(&v, two, strlen(two)), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "unknown anchor"));
}

/* billion laughs: ten levels of ten aliases each */
static void test_alias_bomb(void **state)
{
    kp_buf b = KP_BUF_INIT(1 << 20);
    json_t *v = NULL;

    (void)state;
    kp_buf_puts(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
        kp_buf_appendf(&b, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            kp_buf_appendf(&b, "%s*a%d", j ? ", " : "", i - 1);
        kp_buf_puts(&b, "]\n");
    }
    expect_error(kp_buf_cstr(&b), "YAML aliases expand too much");

    /* more than KP_YAML_ALIASES_MAX uses of a tiny anchor */
    kp_buf_reset(&b);
    kp_buf_puts(&b, "a: &s x\nl: [");
    for (int i = 0; i < KP_YAML_ALIASES_MAX + 1; i++)
        kp_buf_appendf(&b, "%s*s", i ? ", " : "");
    kp_buf_puts(&b, "]\n");
    expect_error(kp_buf_cstr(&b), "YAML aliases expand too much");
    /* exactly the cap is fine */
    kp_buf_reset(&b);
    kp_buf_puts(&b, "a: &s x\nl: [");
    for (int i = 0; i < KP_YAML_ALIASES_MAX; i++)
        kp_buf_appendf(&b, "%s*s", i ? ", " : "");
    kp_buf_puts(&b, "]\n");
    assert_int_equal(kp_yaml_parse(&v, b.p, b.len), 0);
    assert_int_equal(json_array_size(json_object_get(v, "l")), KP_YAML_ALIASES_MAX);
    json_decref(v);

    /* few aliases, but each copies a big node */
    kp_buf_reset(&b);
    kp_buf_puts(&b, "a: &big [");
    for (int i = 0; i < 20000; i++)
        kp_buf_appendf(&b, "%s%d", i ? "," : "", i);
    kp_buf_puts(&b, "]\nb: [*big, *big, *big, *big, *big, *big]\n");
    expect_error(kp_buf_cstr(&b), "YAML aliases expand too much");

    /* few aliases of one big string */
    kp_buf_reset(&b);
    kp_buf_puts(&b, "a: &big ");
    for (int i = 0; i < 512 * 1024; i++)
        kp_buf_putc(&b, 'x');
    kp_buf_puts(&b, "\nb: [*big, *big, *big, *big, *big, *big, *big, *big, *big]\n");
    expect_error(kp_buf_cstr(&b), "YAML aliases expand too much");
    kp_buf_dispose(&b);
}

/* n nested flow sequences around a scalar, or n nested block mappings */
static char *nested(int n, bool block)
{
    kp_buf b = KP_BUF_INIT(1 << 20);

    for (int i = 0; i < n; i++) {
        if (block) {
            for (int j = 0; j < i; j++)
                kp_buf_puts(&b, "  ");
            kp_buf_puts(&b, "k:\n");
        } else {
            kp_buf_putc(&b, '[');
        }
    }
    if (block) {
        for (int j = 0; j < n; j++)
            kp_buf_puts(&b, "  ");
        kp_buf_puts(&b, "leaf\n");
    } else {
        kp_buf_puts(&b, "1");
        for (int i = 0; i < n; i++)
            kp_buf_putc(&b, ']');
    }
    return kp_buf_take(&b, NULL);
}

static void test_depth(void **state)
{
    json_t *v = NULL;
    char *s;

    (void)state;
    s = nested(KP_JSON_DEPTH_MAX, false);
    assert_int_equal(kp_yaml_parse(&v, s, strlen(s)), 0);
    json_decref(v);
    free(s);
    s = nested(KP_JSON_DEPTH_MAX + 1, false);
    expect_error(s, "nesting is deeper than 100 levels");
    free(s);
    /* the innermost mapping holds the scalar "leaf" under the last key */
    s = nested(KP_JSON_DEPTH_MAX, true);
    assert_int_equal(kp_yaml_parse(&v, s, strlen(s)), 0);
    json_decref(v);
    free(s);
    s = nested(KP_JSON_DEPTH_MAX + 1, true);
    expect_error(s, "nesting is deeper than 100 levels");
    free(s);

    /* an alias adds the anchored node's height where it lands */
    kp_buf b = KP_BUF_INIT(1 << 20);
    char *inner = nested(60, false);
    char *outer = nested(40, false);
    kp_buf_appendf(&b, "a: &d %s\nb: ", inner);
    kp_buf_put(&b, outer, 40);
    kp_buf_puts(&b, "*d");
    kp_buf_put(&b, outer + strlen(outer) - 40, 40);
    expect_error(kp_buf_cstr(&b), "nesting is deeper than 100 levels");
    kp_buf_reset(&b);
    kp_buf_appendf(&b, "a: &d %s\nb: ", inner);
    kp_buf_put(&b, outer, 39);
    kp_buf_puts(&b, "*d");
    kp_buf_put(&b, outer + strlen(outer) - 39, 39);
    assert_int_equal(kp_yaml_parse(&v, b.p, b.len), 0);
    json_decref(v);
    kp_buf_dispose(&b);
    free(inner);
    free(outer);
}

static void test_errors(void **state)
{
    json_t *v = NULL;

    (void)state;
    expect_error("a: b: c", "yaml: line 1, column 5: mapping values are not allowed");
    expect_error("a:\n  b: 1\n c: 2", "line 3");
    expect_error("a:\n\tb: 1", "line 2, column 1: found character that cannot start any token");
    expect_error("a: [1, 2", "did not find expected ',' or ']'");
    expect_error("a: 'unterminated", "found unexpected end of stream");
    expect_error("- a\nb: 1", "line 2");
    expect_error("a: \"\\ud800\"", "invalid Unicode character escape");
    expect_error_len("a: \x01", 4, "control characters are not allowed");
    expect_error_len("a: \xff\xfe\xfd", 6, "at byte");
    expect_error_len("a: b\0c", 6, "control characters are not allowed");
    expect_error("a: .inf", ".inf cannot be represented in JSON");
    expect_error("[-.Inf]", "-.Inf cannot be represented in JSON");
    expect_error(".NaN", ".NaN cannot be represented in JSON");
    expect_error("!!int abc", "cannot decode !!str `abc` as a !!int");
    expect_error("!!int 1.5", "cannot decode !!float `1.5` as a !!int");
    expect_error("!!bool 1", "cannot decode !!int `1` as a !!bool");
    expect_error("!!null x", "cannot decode !!str `x` as a !!null");
    expect_error("!!float abc", "as a !!float");
    expect_error("!!binary aGk=", "!!binary is not supported");
    kp_buf hex = KP_BUF_INIT(1024);
    kp_buf_puts(&hex, "!!int 0x");
    for (int i = 0; i < 300; i++)
        kp_buf_putc(&hex, 'f');
    expect_error(kp_buf_cstr(&hex), "cannot be represented in JSON");
    kp_buf_dispose(&hex);
    /* one document only */
    expect_error("a: 1\n---\nb: 2\n", "line 2, column 1: expected one YAML document");
    expect_error("--- 1\n--- 2\n", "expected one YAML document");
    expect_error("", "the document is empty");
    expect_error("# just a comment\n", "the document is empty");
    expect_error("---\n...\n", "the document is empty");
    assert_int_equal(kp_yaml_parse(&v, NULL, 0), KP_EBADREQUEST);
    /* empty documents around the one are fine: "x\n---\n" is how some tools end files */
    expect_json("a: 1\n---\n", "{\"a\": 1}");
    expect_json("---\n---\na: 1\n---\n# end\n", "{\"a\": 1}");
    expect_json("\"\"", "\"\"");
    expect_json("--- ~", "null");
}

static const char deployment_yaml[] = "apiVersion: apps/v1\n"
                                      "kind: Deployment\n"
                                      "metadata:\n"
                                      "  name: web\n"
                                      "  labels:\n"
                                      "    app: web\n"
                                      "    tier: \"1\"\n"
                                      "  annotations:\n"
                                      "    enabled: \"yes\"\n"
                                      "spec:\n"
                                      "  replicas: 3\n"
                                      "  selector:\n"
                                      "    matchLabels: {app: web}\n"
                                      "  template:\n"
                                      "    metadata:\n"
                                      "      labels:\n"
                                      "        app: web\n"
                                      "    spec:\n"
                                      "      containers:\n"
                                      "      - name: nginx\n"
                                      "        image: nginx:1.25\n"
                                      "        args: [\"--port\", \"8080\", --verbose]\n"
                                      "        ports:\n"
                                      "        - containerPort: 8080\n"
                                      "          protocol: TCP\n"
                                      "        env:\n"
                                      "          - name: DEBUG\n"
                                      "            value: \"true\"\n"
                                      "          - name: EMPTY\n"
                                      "            value: ''\n"
                                      "        resources:\n"
                                      "          limits: {cpu: 500m, memory: 128Mi}\n"
                                      "      - name: sidecar # a comment\n"
                                      "        image: busybox\n"
                                      "        command:\n"
                                      "        - sh\n"
                                      "        - -c\n"
                                      "        - |\n"
                                      "          while true; do\n"
                                      "            echo hi; sleep 5\n"
                                      "          done\n";

static const char deployment_json[] =
    "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
    " \"metadata\": {\"name\": \"web\", \"labels\": {\"app\": \"web\", \"tier\": \"1\"},"
    "  \"annotations\": {\"enabled\": \"yes\"}},"
    " \"spec\": {\"replicas\": 3, \"selector\": {\"matchLabels\": {\"app\": \"web\"}},"
    "  \"template\": {\"metadata\": {\"labels\": {\"app\": \"web\"}},"
    "   \"spec\": {\"containers\": ["
    "    {\"name\": \"nginx\", \"image\": \"nginx:1.25\","
    "     \"args\": [\"--port\", \"8080\", \"--verbose\"],"
    "     \"ports\": [{\"containerPort\": 8080, \"protocol\": \"TCP\"}],"
    "     \"env\": [{\"name\": \"DEBUG\", \"value\": \"true\"}, {\"name\": \"EMPTY\", \"value\": "
    "\"\"}],"
    "     \"resources\": {\"limits\": {\"cpu\": \"500m\", \"memory\": \"128Mi\"}}},"
    "    {\"name\": \"sidecar\", \"image\": \"busybox\","
    "     \"command\": [\"sh\", \"-c\", \"while true; do\\n  echo hi; sleep 5\\ndone\\n\"]}"
    "   ]}}}}";

static const char configmap_yaml[] = "apiVersion: v1\n"
                                     "kind: ConfigMap\n"
                                     "metadata:\n"
                                     "  name: app-config\n"
                                     "  namespace: default\n"
                                     "data:\n"
                                     "  app.properties: |\n"
                                     "    color=blue\n"
                                     "    # not a YAML comment\n"
                                     "    size: 10\n"
                                     "\n"
                                     "    last=line\n"
                                     "  port: \"8080\"\n"
                                     "  flag: 'on'\n"
                                     "  script.sh: |-\n"
                                     "    #!/bin/sh\n"
                                     "    echo \"$1\"\n";

static const char configmap_json[] =
    "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\","
    " \"metadata\": {\"name\": \"app-config\", \"namespace\": \"default\"},"
    " \"data\": {\"app.properties\": \"color=blue\\n# not a YAML comment\\nsize: "
    "10\\n\\nlast=line\\n\","
    "  \"port\": \"8080\", \"flag\": \"on\", \"script.sh\": \"#!/bin/sh\\necho \\\"$1\\\"\"}}";

static void test_manifests(void **state)
{
    kp_buf b = KP_BUF_INIT(1 << 20);
    char *want;

    (void)state;
    expect_json(deployment_yaml, deployment_json);
    expect_json(configmap_yaml, configmap_json);
    /* the same as a stream, with empty and null documents kubectl skips */
    kp_buf_puts(&b, "# manifests\n---\n");
    kp_buf_puts(&b, deployment_yaml);
    kp_buf_puts(&b, "---\n---\n# only a comment\n---\nnull\n--- ~\n---\n");
    kp_buf_puts(&b, configmap_yaml);
    kp_buf_puts(&b, "...\n");
    want = kp_asprintf("[%s, %s]", deployment_json, configmap_json);
    expect_stream(kp_buf_cstr(&b), want);
    free(want);
    kp_buf_dispose(&b);
}

static void test_stream(void **state)
{
    json_t *v = NULL;

    (void)state;
    expect_stream("a: 1\n---\nb: 2\n", "[{\"a\": 1}, {\"b\": 2}]");
    expect_stream("--- 1\n--- [2]\n--- x\n...\n--- {}\n", "[1, [2], \"x\", {}]");
    expect_stream("", "[]");
    expect_stream("# nothing\n", "[]");
    expect_stream("---\n---\n", "[]");
    expect_stream("a: 1", "[{\"a\": 1}]");
    assert_int_equal(kp_yaml_parse_stream(&v, "a: 1\n---\nb: [", 13), KP_EBADREQUEST);
    assert_null(v);
    assert_int_equal(kp_yaml_parse_stream(&v, "a: 1\n---\na: 1\na: 2", 18), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "line 4"));
}

/* emit(v) must read back as v */
static void roundtrip(const json_t *v)
{
    kp_buf b = KP_BUF_INIT(64 << 20);
    json_t *got = NULL;
    char *dump;
    int rc;

    assert_int_equal(kp_yaml_emit(&b, v), 0);
    rc = kp_yaml_parse(&got, b.p, b.len);
    dump = kp_json_dump(v, NULL);
    if (rc < 0)
        fail_msg("emit of %s gave\n%s\nwhich does not parse: %s", dump, kp_buf_cstr(&b),
                 kp_err_msg());
    if (!json_equal(v, got)) {
        char *gd = kp_json_dump(got, NULL);
        fail_msg("emit of %s gave\n%s\nwhich reads back as %s", dump, kp_buf_cstr(&b), gd);
    }
    free(dump);
    json_decref(got);
    kp_buf_dispose(&b);
}

static const char *const tricky_strings[] = {
    "",
    " ",
    "  ",
    "true",
    "True",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "~",
    "null",
    "Null",
    "NULL",
    "1",
    "-1",
    "+1",
    "0x10",
    "0o17",
    "017",
    "08",
    "1_000",
    "1.5",
    ".5",
    "1e3",
    "1e400",
    ".inf",
    "-.inf",
    ".nan",
    "1.2.3",
    "12:30",
    "2001-12-14",
    "<<",
    "=",
    "-",
    "--",
    "---",
    "...",
    "--- a",
    "... a",
    "-a",
    "- a",
    "? a",
    "?a",
    ":a",
    ": a",
    "a:",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    "#a",
    "&a",
    "*a",
    "!a",
    "!!str",
    "|",
    ">",
    "'",
    "\"",
    "''",
    "%a",
    "@a",
    "`a",
    "[a]",
    "{a}",
    "a,b",
    "a[0]",
    "{",
    "}",
    " lead",
    "trail ",
    "tab\there",
    "\ttab",
    "tab\t",
    "a\nb",
    "a\n",
    "a\n\n",
    "a\n\n\n",
    "\n",
    "\n\n",
    "\na",
    "\n\na\n",
    " a\nb",
    "a\n b\n",
    "\ta\nb",
    "a\n\tb",
    "a\n \nb",
    "a\n\t\nb",
    "a \nb ",
    "line\r\nwin",
    "\r",
    "back\\slash",
    "quote\"in",
    "\x01\x02\x7f",
    "caf\xc3\xa9",
    "\xc2\x85nel",
    "ls\xe2\x80\xa8ps",
    "\xe2\x80\xa9",
    "\xef\xbb\xbf\x62om",
    "\xef\xbf\xbe",
    "\xf0\x9f\x98\x80 emoji",
    "\xc2\xa0nbsp",
    "#!/bin/sh\necho hi\n",
    "  indented\n  block\n",
    "x\n# comment\ny",
    "- item\n- item\n",
    "key: value\nother: 1\n",
    "---\n...\n",
    "a\n---\nb",
};

static void test_emit_roundtrip(void **state)
{
    static const char *const values[] = {
        "null",
        "true",
        "false",
        "0",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "1.5",
        "-0.25",
        "1.0",
        "-0.0",
        "100.0",
        "1e300",
        "5e-324",
        "1e19",
        "1e-7",
        "0.1",
        "123456789.125",
        "9.2233720368547758e18",
        "-9.2233720368547758e18",
        "1.7976931348623157e308",
        "{}",
        "[]",
        "[[]]",
        "[{}]",
        "{\"a\": {}}",
        "{\"a\": []}",
        "[[1, 2], [3, [4, []]]]",
        "[{\"a\": 1, \"b\": [1, {\"c\": null}]}, {}]",
        "{\"a\": [[1], [2, {\"x\": [\"y\\nz\"]}]]}",
        "{\"l\": [\"a\\nb\", \" c\\nd\"]}",
        "[[\"a\\nb\\n\"], {\"k\": \"\\tv\\nw\"}]",
    };
    json_t *v, *obj, *arr;

    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(values); i++) {
        v = json_loads(values[i], JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        roundtrip(v);
        json_decref(v);
    }
    /* every tricky string as the document, an item, a value and a key */
    obj = json_object();
    arr = json_array();
    for (size_t i = 0; i <= KP_ARRAY_LEN(tricky_strings); i++) {
        /* the last round is a string with a NUL in it */
        const char *s = i < KP_ARRAY_LEN(tricky_strings) ? tricky_strings[i] : "nul\0byte";
        size_t n = i < KP_ARRAY_LEN(tricky_strings) ? strlen(s) : 8;
        json_t *one = json_stringn(s, n);
        json_t *kv = json_object();
        assert_non_null(one);
        roundtrip(one);
        json_array_append(arr, one);
        /* jansson holds no NUL in a key it reads, so neither does kp_yaml_parse */
        json_object_setn_new(kv, memchr(s, '\0', n) ? "k" : s, memchr(s, '\0', n) ? 1 : n,
                             json_pack("{s:O, s:[O]}", "in", one, "list", one));
        if (!memchr(s, '\0', n))
            json_object_setn_new(obj, s, n, json_incref(one));
        roundtrip(kv);
        json_decref(kv);
        json_decref(one);
    }
    roundtrip(arr);
    roundtrip(obj);
    json_object_set(obj, "arr", arr);
    v = json_pack("[O, {s:O}]", obj, "nested", obj);
    roundtrip(v);
    json_decref(v);
    json_decref(arr);
    json_decref(obj);

    /* keys too long for a libyaml simple key use the explicit form */
    kp_buf big = KP_BUF_INIT(1 << 20);
    for (int i = 0; i < 2000; i++)
        kp_buf_putc(&big, (char)('a' + i % 26));
    v = json_object();
    json_object_set_new(v, kp_buf_cstr(&big), json_string("long"));
    json_object_set_new(v, "l", json_pack("{s:[i,i]}", kp_buf_cstr(&big), 1, 2));
    json_object_set_new(v, "m", json_pack("{s:{s:i}}", kp_buf_cstr(&big), "x", 1));
    json_object_set_new(v, "s", json_pack("[{s:s}]", kp_buf_cstr(&big), "a\nb"));
    roundtrip(v);
    json_decref(v);
    kp_buf_dispose(&big);

    /* the deepest value parse accepts */
    char *deep = nested(KP_JSON_DEPTH_MAX, true);
    assert_int_equal(kp_yaml_parse(&v, deep, strlen(deep)), 0);
    roundtrip(v);
    json_decref(v);
    free(deep);
    deep = nested(KP_JSON_DEPTH_MAX, false);
    assert_int_equal(kp_yaml_parse(&v, deep, strlen(deep)), 0);
    roundtrip(v);
    json_decref(v);
    free(deep);
}

/* A small deterministic generator of JSON values built from characters YAML cares about. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static json_t *random_string(void)
{
    static const char *const atoms[] = {
        "a",
        "b",
        "1",
        "0",
        ".",
        "-",
        "+",
        "e",
        "x",
        "_",
        ":",
        " ",
        "  ",
        "#",
        "\n",
        "\t",
        "'",
        "\"",
        "\\",
        "[",
        "]",
        "{",
        "}",
        ",",
        "?",
        "&",
        "*",
        "!",
        "|",
        ">",
        "%",
        "@",
        "`",
        "~",
        "<<",
        "true",
        "no",
        "null",
        "0x",
        "\xc3\xa9",
        "\xe2\x80\xa8",
        "\xc2\x85",
        "\r",
        "---",
        "...",
        "\xef\xbb\xbf",
        "\x7f",
        "\x01",
        "\xf0\x9f\x98\x80",
        "y",
        ".inf",
        "1e5",
    };
    kp_buf b = KP_BUF_INIT(1 << 16);
    unsigned n = rnd(6);
    json_t *s;

    for (unsigned i = 0; i < n; i++)
        kp_buf_puts(&b, atoms[rnd(KP_ARRAY_LEN(atoms))]);
    if (rnd(20) == 0)
        kp_buf_putc(&b, '\0');
    s = json_stringn(b.p ? b.p : "", b.len);
    kp_buf_dispose(&b);
    return s;
}

static json_t *random_value(int depth)
{
    unsigned kind = rnd(depth > 6 ? 6 : 9);
    json_t *v;

    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(2));
    case 2:
        return json_integer((json_int_t)rnd(2000) - 1000);
    case 3: {
        double d = (double)((int)rnd(20000) - 10000) / (double)(1u << rnd(12));
        if (rnd(4) == 0)
            d *= 1e200;
        return json_real(d);
    }
    case 4:
    case 5:
        return random_string();
    case 6:
    case 7:
        v = json_object();
        for (unsigned i = rnd(4); i > 0; i--) {
            json_t *k = random_string();
            json_object_set_new(v, json_string_value(k), random_value(depth + 1));
            json_decref(k);
        }
        return v;
    default:
        v = json_array();
        for (unsigned i = rnd(4); i > 0; i--)
            json_array_append_new(v, random_value(depth + 1));
        return v;
    }
}

static void test_emit_random(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(0);
        roundtrip(v);
        json_decref(v);
    }
}

static void test_emit_style(void **state)
{
    kp_buf b = KP_BUF_INIT(1 << 16);
    json_t *v;

    (void)state;
    v = json_loads("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": "
                   "\"x\", \"labels\": {\"a\": \"true\"}}, \"data\": {\"k\": \"l1\\nl2\\n\", "
                   "\"n\": \"1\"}, \"list\": [1, \"two\", {\"x\": 1, \"y\": [null]}, [3, 4], "
                   "[], {}], \"r\": 2.0, \"s\": 0.5, \"e\": \"\"}",
                   0, NULL);
    assert_non_null(v);
    assert_int_equal(kp_yaml_emit(&b, v), 0);
    assert_string_equal(kp_buf_cstr(&b), "apiVersion: v1\n"
                                         "kind: ConfigMap\n"
                                         "metadata:\n"
                                         "  name: x\n"
                                         "  labels:\n"
                                         "    a: \"true\"\n"
                                         "data:\n"
                                         "  k: |\n"
                                         "    l1\n"
                                         "    l2\n"
                                         "  \"n\": \"1\"\n"
                                         "list:\n"
                                         "- 1\n"
                                         "- two\n"
                                         "- x: 1\n"
                                         "  \"y\":\n"
                                         "  - null\n"
                                         "- - 3\n"
                                         "  - 4\n"
                                         "- []\n"
                                         "- {}\n"
                                         "r: !!float 2\n"
                                         "s: 0.5\n"
                                         "e: \"\"\n");
    json_decref(v);

    /* the output cap is honoured */
    kp_buf small = KP_BUF_INIT(8);
    v = json_pack("{s:s}", "key", "a value longer than eight bytes");
    assert_int_equal(kp_yaml_emit(&small, v), KP_ETOOLARGE);
    json_decref(v);
    kp_buf_dispose(&small);

    /* deeper than anything parse accepts */
    v = json_array();
    json_t *cur = v;
    for (int i = 0; i < KP_JSON_DEPTH_MAX; i++) {
        json_t *n = json_array();
        json_array_append_new(cur, n);
        cur = n;
    }
    kp_buf_reset(&b);
    assert_int_equal(kp_yaml_emit(&b, v), KP_EINTERNAL);
    json_decref(v);
    kp_buf_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_anchors),        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_depth),          cmocka_unit_test(test_errors),
        cmocka_unit_test(test_manifests),      cmocka_unit_test(test_stream),
        cmocka_unit_test(test_emit_roundtrip), cmocka_unit_test(test_emit_random),
        cmocka_unit_test(test_emit_style),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
