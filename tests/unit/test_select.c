#include "lib/common.h"
#include "apiserver/select.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "tests/support/testlib.h"

/* A parse case: on success want is the canonical text, on failure the whole message (or its
 * start when prefix is set). The messages are Kubernetes' (apimachinery labels and fields). */
typedef struct {
    const char *in;
    int rc;
    const char *want;
    bool prefix;
} parse_case;

#define QNAME_RE "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define NAME_PART_MSG                                                                              \
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "  \
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " \
    "validation is '" QNAME_RE "')"
#define VALUE_MSG                                                                                  \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is '(" QNAME_RE ")?')"
#define URP "unable to parse requirement: "

static void check_parse(const parse_case *c, bool fields)
{
    kp_sel *s = NULL;
    int rc;

    kp_err_clear();
    rc = fields ? kp_sel_parse_fields(&s, c->in) : kp_sel_parse_labels(&s, c->in);
    if (rc != c->rc)
        fail_msg("%s \"%s\": rc %d, want %d (%s)", fields ? "fields" : "labels", c->in, rc, c->rc,
                 kp_err_msg());
    if (rc == 0) {
        kp_buf b = KP_BUF_INIT(1 << 16);
        kp_sel_string(&b, s);
        if (strcmp(kp_buf_cstr(&b), c->want) != 0)
            fail_msg("\"%s\": canonical \"%s\", want \"%s\"", c->in, kp_buf_cstr(&b), c->want);
        kp_buf_dispose(&b);
        kp_sel_free(s);
        return;
    }
    if (c->prefix ? strncmp(kp_err_msg(), c->want, strlen(c->want)) != 0
                  : strcmp(kp_err_msg(), c->want) != 0)
        fail_msg("\"%s\": message\n  \"%s\"\nwant%s\n  \"%s\"", c->in, kp_err_msg(),
                 c->prefix ? " a prefix" : "", c->want);
}

static void test_labels_valid(void **state)
{
    static const parse_case cases[] = {
        {"", 0, "", false},
        {"app=web", 0, "app=web", false},
        {"  app  =  web  ", 0, "app=web", false},
        {"\tapp\n=\rweb", 0, "app=web", false},
        {"app==web", 0, "app==web", false},
        {"app!=web", 0, "app!=web", false},
        {"tier,app", 0, "app,tier", false},
        {"!app", 0, "!app", false},
        {" ! app ", 0, "!app", false},
        {"app,!tier,env=prod", 0, "app,env=prod,!tier", false},
        {"env in (staging,prod)", 0, "env in (prod,staging)", false},
        {"env in(staging, prod ,prod)", 0, "env in (prod,staging)", false},
        {"env notin (a)", 0, "env notin (a)", false},
        {"x in ()", 0, "x in ()", false},
        {"x in (,)", 0, "x in ()", false},
        {"x in (a,)", 0, "x in (,a)", false},
        {"x in (,a)", 0, "x in (,a)", false},
        {"x in (a,,b)", 0, "x in (,a,b)", false},
        {"x=", 0, "x=", false},
        {"x=,y!=", 0, "x=,y!=", false},
        {"x>5", 0, "x>5", false},
        {"x<10", 0, "x<10", false},
        {"x > 007", 0, "x>007", false},
        /* in and notin are keywords only where an operator goes */
        {"in in (in,notin)", 0, "in in (in,notin)", false},
        {"notin=in", 0, "notin=in", false},
        {"example.com/app=web", 0, "example.com/app=web", false},
        {"a.b-c.d/My_Name.x=V-1_2.z", 0, "a.b-c.d/My_Name.x=V-1_2.z", false},
        {"a,a", 0, "a,a", false},
        {"b=2,a=1,b=1", 0, "a=1,b=2,b=1", false},
        {"a=b,c in (d),!e,f", 0, "a=b,c in (d),!e,f", false},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++)
        check_parse(&cases[i], false);
}

static void test_labels_invalid(void **state)
{
    static const parse_case cases[] = {
        {"a b", KP_EBADREQUEST, URP "found 'b', expected: in, notin, =, ==, !=, gt, lt", false},
        {"a=b c", KP_EBADREQUEST, "found 'c', expected: ',' or 'end of string'", false},
        {"a=b,", KP_EBADREQUEST, "found '', expected: identifier after ','", false},
        {"a,,b", KP_EBADREQUEST, "found ',', expected: identifier after ','", false},
        {",", KP_EBADREQUEST, "found ',', expected: !, identifier, or 'end of string'", false},
        {"=a", KP_EBADREQUEST, "found '=', expected: !, identifier, or 'end of string'", false},
        {"(", KP_EBADREQUEST, "found '(', expected: !, identifier, or 'end of string'", false},
        {"!", KP_EBADREQUEST, URP "found '', expected: identifier", false},
        {"!!a", KP_EBADREQUEST, URP "found '!', expected: identifier", false},
        {"!a=b", KP_EBADREQUEST, "found '=', expected: ',' or 'end of string'", false},
        {"a in", KP_EBADREQUEST, URP "found '' expected: '('", false},
        {"a in b", KP_EBADREQUEST, URP "found 'b' expected: '('", false},
        {"a in (b", KP_EBADREQUEST, URP "found '', expected: ',' or ')'", false},
        {"a in (b c)", KP_EBADREQUEST, URP "found 'c', expected: ',' or ')'", false},
        {"a in (=)", KP_EBADREQUEST, URP "found '=', expected: ',', ')' or identifier", false},
        {"a in (b,=)", KP_EBADREQUEST, URP "found '=', expected: ',', or identifier", false},
        {"a in (,", KP_EBADREQUEST, URP "found '', expected: ',', or identifier", false},
        {"a=(b)", KP_EBADREQUEST, URP "found '(', expected: identifier", false},
        /* a run of special characters is cut at its longest token: "!=" then "!" */
        {"a!=!b", KP_EBADREQUEST, URP "found '!', expected: identifier", false},
        {"a==!", KP_EBADREQUEST, URP "found '!', expected: identifier", false},
        {"a=b=c", KP_EBADREQUEST, "found '=', expected: ',' or 'end of string'", false},
        {"a(", KP_EBADREQUEST, URP "found '(', expected: in, notin, =, ==, !=, gt, lt", false},
        {"-a", KP_EBADREQUEST, URP "<nil>: Invalid value: \"-a\": " NAME_PART_MSG, false},
        {"a-=b", KP_EBADREQUEST, URP "<nil>: Invalid value: \"a-\": " NAME_PART_MSG, false},
        {"a\"b", KP_EBADREQUEST, URP "<nil>: Invalid value: \"a\\\"b\": " NAME_PART_MSG, false},
        {"a/", KP_EBADREQUEST,
         URP "<nil>: Invalid value: \"a/\": name part must be non-empty; " NAME_PART_MSG, false},
        {"/a", KP_EBADREQUEST, URP "<nil>: Invalid value: \"/a\": prefix part must be non-empty",
         false},
        {"Example.com/a", KP_EBADREQUEST,
         URP "<nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain "
             "must consist of lower case alphanumeric characters, '-' or '.', and must start and "
             "end with an alphanumeric character (e.g. 'example.com', regex used for validation "
             "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
         false},
        {"a..b/c", KP_EBADREQUEST, URP "<nil>: Invalid value: \"a..b/c\": prefix part a lowercase",
         true},
        {"a/b/c", KP_EBADREQUEST,
         URP "<nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
             "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
             "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
             "'" QNAME_RE "') with an optional DNS subdomain prefix and '/' (e.g. "
             "'example.com/MyName')",
         false},
        {"a=-b", KP_EBADREQUEST, URP "values[0][a]: Invalid value: \"-b\": " VALUE_MSG, false},
        {"a in (x,-b)", KP_EBADREQUEST, URP "values[0][a]: Invalid value: \"-b\": " VALUE_MSG,
         false},
        {"a in (-c,x,-b)", KP_EBADREQUEST,
         URP "[values[0][a]: Invalid value: \"-b\": " VALUE_MSG
             ", values[1][a]: Invalid value: \"-c\": " VALUE_MSG "]",
         false},
        {"x>a", KP_EBADREQUEST,
         URP "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an "
             "integer",
         false},
        {"x<+1", KP_EBADREQUEST, URP "values[0][x]: Invalid value: \"+1\": " VALUE_MSG, false},
        {"x<-1", KP_EBADREQUEST, URP "values[0][x]: Invalid value: \"-1\": " VALUE_MSG, false},
        {"x>", KP_EBADREQUEST,
         URP "values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an "
             "integer",
         false},
        {"x>a-", KP_EBADREQUEST,
         URP "[values[0]: Invalid value: \"a-\": for 'Gt', 'Lt' operators, the value must be an "
             "integer, values[0][x]: Invalid value: \"a-\": " VALUE_MSG "]",
         false},
        {"x>99999999999999999999", KP_EBADREQUEST,
         URP "values[0]: Invalid value: \"99999999999999999999\": for 'Gt'", true},
        {"a=b\x01", KP_EBADREQUEST, URP "values[0][a]: Invalid value: \"b\\x01\": " VALUE_MSG,
         false},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++)
        check_parse(&cases[i], false);
}

/* Label keys: a name of at most 63 and a DNS subdomain prefix of at most 253. */
static void test_labels_lengths(void **state)
{
    char name63[64], name64[65], val63[70], val64[71], prefix[400], *text;
    kp_sel *s = NULL;
    (void)state;

    memset(name63, 'n', 63);
    name63[63] = '\0';
    memset(name64, 'n', 64);
    name64[64] = '\0';
    assert_int_equal(kp_sel_parse_labels(&s, name63), 0);
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_labels(&s, name64), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "name part must be no more than 63 characters"));

    snprintf(val63, sizeof(val63), "k=%.63s", name63);
    snprintf(val64, sizeof(val64), "k=%.64s", name64);
    assert_int_equal(kp_sel_parse_labels(&s, val63), 0);
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_labels(&s, val64), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "values[0][k]: Invalid value: \"nnnn"));
    assert_non_null(strstr(kp_err_msg(), "\": must be no more than 63 characters"));
    assert_null(strstr(kp_err_msg(), "a valid label")); /* the characters are fine */
    assert_int_equal(kp_sel_parse_labels(
                         &s, "k=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn-"),
                     KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "\": must be no more than 63 characters; a valid label"));

    /* 253 = three labels of 63 and one of 61, joined by dots */
    snprintf(prefix, sizeof(prefix), "%s.%s.%s.%.61s/n", name63, name63, name63, name63);
    assert_int_equal(strlen(prefix), 253 + 2);
    assert_int_equal(kp_sel_parse_labels(&s, prefix), 0);
    kp_sel_free(s);
    snprintf(prefix, sizeof(prefix), "%s.%s.%s.%.62s/n", name63, name63, name63, name63);
    assert_int_equal(kp_sel_parse_labels(&s, prefix), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "prefix part must be no more than 253 characters"));

    /* the cap counts bytes before parsing: 4096 parse, 4097 do not */
    text = kp_malloc(KP_SELECTOR_MAX + 2);
    for (size_t i = 0; i < KP_SELECTOR_MAX; i++)
        text[i] = i % 2 ? ',' : 'a';
    text[KP_SELECTOR_MAX - 1] = 'a';
    text[KP_SELECTOR_MAX] = '\0';
    assert_int_equal(kp_sel_parse_labels(&s, text), 0);
    assert_false(kp_sel_empty(s));
    kp_sel_free(s);
    text[KP_SELECTOR_MAX] = ',';
    text[KP_SELECTOR_MAX + 1] = '\0';
    assert_int_equal(kp_sel_parse_labels(&s, text), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(), "labelSelector is longer than 4096 bytes");
    free(text);
}

typedef struct {
    const char *sel;
    bool want;
} match_case;

static json_t *json_from(const char *text)
{
    json_t *v = NULL;
    assert_int_equal(kp_json_parse(&v, text, strlen(text)), 0);
    return v;
}

static void check_label_matches(const json_t *labels, const match_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kp_sel *s = NULL;
        if (kp_sel_parse_labels(&s, cases[i].sel) != 0)
            fail_msg("\"%s\": %s", cases[i].sel, kp_err_msg());
        if (kp_sel_match_labels(s, labels) != cases[i].want)
            fail_msg("\"%s\" should %smatch", cases[i].sel, cases[i].want ? "" : "not ");
        kp_sel_free(s);
    }
}

static void test_labels_match(void **state)
{
    static const match_case with[] = {
        {"", true},
        {"app=web", true},
        {"app==web", true},
        {"app=db", false},
        {"missing=x", false},
        {"app!=web", false},
        {"app!=db", true},
        {"missing!=x", true}, /* k8s: != matches when the label is absent */
        {"app in (db,web)", true},
        {"app in (db)", false},
        {"missing in (x)", false},
        {"app notin (web)", false},
        {"app notin (db)", true},
        {"missing notin (x)", true}, /* k8s: notin matches when the label is absent */
        {"app", true},
        {"missing", false},
        {"!app", false},
        {"!missing", true},
        {"empty=", true},
        {"empty", true},
        {"empty in ()", true},
        {"empty!=", false},
        {"missing=", false},
        {"app=", false},
        {"version>2", true},
        {"version>3", false},
        {"version<4", true},
        {"version<3", false},
        {"neg<0", true},
        {"app>1", false}, /* a label that is no integer matches neither */
        {"missing<5", false},
        {"example.com/team=a", true},
        {"app=web,version=3", true},
        {"app=web,version=4", false},
        {"app,!missing,version in (1,2,3),tier notin (x)", true},
    };
    static const match_case without[] = {
        {"", true},         {"app", false},        {"!app", true},          {"app=web", false},
        {"app!=web", true}, {"app in (x)", false}, {"app notin (x)", true}, {"app>0", false},
        {"app=", false},
    };
    static const match_case odd[] = {
        /* a value that is no string is there, but equals nothing */
        {"n", true}, {"n=5", false}, {"n!=5", true}, {"n notin (5)", true}, {"n>4", false},
    };
    json_t *labels = json_from("{\"app\":\"web\",\"tier\":\"frontend\",\"version\":\"3\","
                               "\"empty\":\"\",\"neg\":\"-2\",\"example.com/team\":\"a\"}");
    json_t *nums = json_from("{\"n\":5}");
    json_t *none = json_from("{}");
    (void)state;

    check_label_matches(labels, with, KP_ARRAY_LEN(with));
    check_label_matches(NULL, without, KP_ARRAY_LEN(without));
    check_label_matches(none, without, KP_ARRAY_LEN(without));
    check_label_matches(nums, odd, KP_ARRAY_LEN(odd));
    assert_true(kp_sel_match_labels(NULL, labels));
    json_decref(labels);
    json_decref(nums);
    json_decref(none);
}

static void test_empty(void **state)
{
    kp_sel *s = NULL;
    json_t *obj = json_from("{}");
    (void)state;

    assert_true(kp_sel_empty(NULL));
    assert_int_equal(kp_sel_parse_labels(&s, NULL), 0);
    assert_true(kp_sel_empty(s));
    assert_true(kp_sel_match_labels(s, NULL));
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_labels(&s, "   "), 0);
    assert_true(kp_sel_empty(s));
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_labels(&s, "a"), 0);
    assert_false(kp_sel_empty(s));
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_fields(&s, ""), 0);
    assert_true(kp_sel_empty(s));
    assert_true(kp_sel_match_fields(s, obj));
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_fields(&s, ",,"), 0);
    assert_true(kp_sel_empty(s));
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_fields(&s, NULL), 0);
    assert_true(kp_sel_empty(s));
    kp_sel_free(s);
    kp_sel_free(NULL);
    json_decref(obj);
}

static void test_fields_parse(void **state)
{
    static const parse_case cases[] = {
        {"metadata.name=foo", 0, "metadata.name=foo", false},
        {"metadata.name==foo", 0, "metadata.name=foo", false},
        {"status.phase!=Running", 0, "status.phase!=Running", false},
        {"b=1,a=2", 0, "a=2,b=1", false},
        {"a=b,,c=d,", 0, "a=b,c=d", false},
        {"a=x\\,y\\=z\\\\w", 0, "a=x\\,y\\=z\\\\w", false},
        {"a=", 0, "a=", false},
        {"=x", 0, "=x", false},
        {"a = b", 0, "a = b", false}, /* k8s trims nothing */
        {"a!b=c", 0, "a!b=c", false},
        {"a\\=b", 0, "a\\=b", false}, /* the field is "a\", the value "b" */
        {"a\\,b=c", 0, "a\\,b=c", false},
        {"a", KP_EBADREQUEST, "invalid selector: 'a'; can't understand 'a'", false},
        {"x=1,a", KP_EBADREQUEST, "invalid selector: 'x=1,a'; can't understand 'a'", false},
        {"a=b=c", KP_EBADREQUEST, "invalid field selector: unescaped character \"=\" in value",
         false},
        {"a!==b", KP_EBADREQUEST, "invalid field selector: unescaped character \"=\" in value",
         false},
        {"a=b\\", KP_EBADREQUEST, "invalid field selector: invalid escape sequence: \\", false},
        {"a=b\\x", KP_EBADREQUEST, "invalid field selector: invalid escape sequence: \\x", false},
        {"a=\\\xc3\xa9", KP_EBADREQUEST,
         "invalid field selector: invalid escape sequence: \\\xc3\xa9", false},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++)
        check_parse(&cases[i], true);
}

static void test_fields_cap(void **state)
{
    char *text = kp_malloc(KP_SELECTOR_MAX + 2);
    kp_sel *s = NULL;
    (void)state;

    memset(text, 'v', KP_SELECTOR_MAX);
    memcpy(text, "f=", 2);
    text[KP_SELECTOR_MAX] = '\0';
    assert_int_equal(kp_sel_parse_fields(&s, text), 0);
    kp_sel_free(s);
    text[KP_SELECTOR_MAX] = 'v';
    text[KP_SELECTOR_MAX + 1] = '\0';
    assert_int_equal(kp_sel_parse_fields(&s, text), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(), "fieldSelector is longer than 4096 bytes");
    free(text);
}

static void test_fields_match(void **state)
{
    static const match_case cases[] = {
        {"", true},
        {"metadata.name=web-1", true},
        {"metadata.name==web-1", true},
        {"metadata.name!=web-1", false},
        {"metadata.name=web-2", false},
        {"metadata.namespace=default,metadata.name=web-1", true},
        {"metadata.namespace=default,metadata.name=web-2", false},
        {"spec.nodeName=node-1", true},
        {"spec.replicas=3", true},
        {"spec.replicas!=3", false},
        {"spec.paused=false", true},
        {"spec.ready=true", true},
        {"spec.ratio=0.5", true},
        {"spec.big=-9007199254740993", true},
        {"status.missing=", true}, /* a missing field reads as "" */
        {"status.missing!=", false},
        {"spec.nodeName!=", true},
        {"spec.items=", true}, /* arrays, objects and null read as "" */
        {"spec=", true},
        {"note=", true},
        {"metadata.name.x=", true},
        {"type=Warning,involvedObject.kind=Pod", true},
        {"involvedObject.kind=Node", false},
        {"spec.odd=a\\,b\\=c\\\\d", true},
        {"spec.odd=a,b", false},
    };
    json_t *obj = json_from(
        "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\"},"
        "\"spec\":{\"nodeName\":\"node-1\",\"replicas\":3,\"paused\":false,\"ready\":true,"
        "\"ratio\":0.5,\"big\":-9007199254740993,\"items\":[1],\"odd\":\"a,b=c\\\\d\"},"
        "\"status\":{\"phase\":\"Running\"},\"type\":\"Warning\","
        "\"involvedObject\":{\"kind\":\"Pod\"},\"note\":null}");
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        kp_sel *s = NULL;
        int rc = kp_sel_parse_fields(&s, cases[i].sel);
        if (rc != 0) {
            /* "spec.odd=a,b" has an unescaped term "b": it must fail to parse, not match */
            assert_false(cases[i].want);
            continue;
        }
        if (kp_sel_match_fields(s, obj) != cases[i].want)
            fail_msg("\"%s\" should %smatch", cases[i].sel, cases[i].want ? "" : "not ");
        kp_sel_free(s);
    }
    assert_true(kp_sel_match_fields(NULL, obj));
    json_decref(obj);
}

static void test_fields_check(void **state)
{
    static const char *const allowed[] = {"spec.nodeName", "status.phase"};
    kp_sel *s = NULL;
    (void)state;

    assert_int_equal(kp_sel_check_fields(NULL, allowed, 2), 0);
    assert_int_equal(kp_sel_parse_fields(&s, "metadata.name=a,metadata.namespace=b"), 0);
    assert_int_equal(kp_sel_check_fields(s, NULL, 0), 0);
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_fields(&s, "spec.nodeName=a,status.phase!=b"), 0);
    assert_int_equal(kp_sel_check_fields(s, allowed, 2), 0);
    assert_int_equal(kp_sel_check_fields(s, allowed, 1), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(), "field label not supported: status.phase");
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_fields(&s, "spec.foo=a"), 0);
    assert_int_equal(kp_sel_check_fields(s, allowed, 2), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(), "field label not supported: spec.foo");
    kp_sel_free(s);
    /* prefixes and near-misses are not the field */
    assert_int_equal(kp_sel_parse_fields(&s, "metadata.names=a"), 0);
    assert_int_equal(kp_sel_check_fields(s, allowed, 2), KP_EBADREQUEST);
    kp_sel_free(s);
    assert_int_equal(kp_sel_parse_fields(&s, "metadata=a"), 0);
    assert_int_equal(kp_sel_check_fields(s, allowed, 2), KP_EBADREQUEST);
    kp_sel_free(s);
}

/* The canonical text parses back to itself, whatever spelling the input used. */
static void test_roundtrip(void **state)
{
    static const char *const labels[] = {
        "b in(z, y ,y),  !c ,a==1,d notin ( , ),e>5,in in (in)",
        "x in (a,,b),y=,z",
    };
    static const char *const fields[] = {"z=\\,,a!=\\\\,m==\\=", "b=1,,a=2"};
    (void)state;

    for (size_t k = 0; k < 2; k++) {
        const char *const *texts = k ? fields : labels;
        for (size_t i = 0; i < 2; i++) {
            kp_sel *s = NULL, *again = NULL;
            kp_buf a = KP_BUF_INIT(4096), b = KP_BUF_INIT(4096);
            int (*parse)(kp_sel **, const char *) = k ? kp_sel_parse_fields : kp_sel_parse_labels;
            assert_int_equal(parse(&s, texts[i]), 0);
            kp_sel_string(&a, s);
            assert_int_equal(parse(&again, kp_buf_cstr(&a)), 0);
            kp_sel_string(&b, again);
            assert_string_equal(kp_buf_cstr(&a), kp_buf_cstr(&b));
            kp_buf_dispose(&a);
            kp_buf_dispose(&b);
            kp_sel_free(s);
            kp_sel_free(again);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_valid),   cmocka_unit_test(test_labels_invalid),
        cmocka_unit_test(test_labels_lengths), cmocka_unit_test(test_labels_match),
        cmocka_unit_test(test_empty),          cmocka_unit_test(test_fields_parse),
        cmocka_unit_test(test_fields_cap),     cmocka_unit_test(test_fields_match),
        cmocka_unit_test(test_fields_check),   cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
