#include "lib/common.h"
#include "apiserver/validate.h"
#include "lib/json.h"
#include "tests/support/testlib.h"

/* The messages are spelled out again here, from k8s.io/apimachinery 1.33, rather than taken from
 * validate.c, so that a change there that drifts from Kubernetes fails. */
#define QNAME_RE "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_BODY                                                                                 \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '" QNAME_RE "')"
#define NAME_PART "name part " QNAME_BODY
#define SLASHES                                                                                    \
    "a qualified name " QNAME_BODY " with an optional DNS subdomain prefix and '/' (e.g. "         \
    "'example.com/MyName')"
#define VALUE_MSG                                                                                  \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is '(" QNAME_RE ")?')"
#define SUB_RE "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
#define SUB_MSG                                                                                    \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '" SUB_RE "')"
#define LABEL_MSG                                                                                  \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "     \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define MAX63 "must be no more than 63 characters"
#define MAX253 "must be no more than 253 characters"

/* Expands "{63a}" to 63 'a's, so long names fit a table; with json set, ' becomes ". Owned,
 * free with free(). */
static char *expand(const char *in, bool json)
{
    kp_buf b = KP_BUF_INIT(1 << 20);
    char *out;

    for (const char *p = in; *p; p++) {
        if (*p == '{' && p[1] >= '0' && p[1] <= '9') {
            char *end;
            unsigned long n = strtoul(p + 1, &end, 10);
            assert_true(end[0] && end[1] == '}');
            for (unsigned long i = 0; i < n; i++)
                kp_buf_putc(&b, end[0]);
            p = end + 1;
        } else {
            kp_buf_putc(&b, json && *p == '\'' ? '"' : *p);
        }
    }
    assert_int_equal(kp_buf_status(&b), 0);
    out = kp_buf_take(&b, NULL);
    return out;
}

/* A check case: want is "" when in is valid, else the messages joined with "; ". */
typedef struct {
    const char *in;
    const char *want;
} check_case;

typedef bool (*check_fn)(kp_buf *why, kp_sv v);

/* Runs each case twice: appending to a buffer that already holds text (the messages must
 * follow it unchanged) and with why NULL. */
static void run_checks(const char *what, check_fn fn, const check_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *in = expand(cases[i].in, false), *want = expand(cases[i].want, false);
        kp_sv v = {in, strlen(in)};
        kp_buf why = KP_BUF_INIT(1 << 16);
        bool ok;

        kp_buf_puts(&why, "x: ");
        ok = fn(&why, v);
        if (ok != (want[0] == '\0'))
            fail_msg("%s(\"%s\"): %s, want %s", what, cases[i].in, ok ? "valid" : "invalid",
                     want[0] ? "invalid" : "valid");
        if (strncmp(kp_buf_cstr(&why), "x: ", 3) != 0 || strcmp(kp_buf_cstr(&why) + 3, want) != 0)
            fail_msg("%s(\"%s\"):\n  got  \"%s\"\n  want \"%s\"", what, cases[i].in,
                     kp_buf_cstr(&why) + 3, want);
        if (fn(NULL, v) != ok)
            fail_msg("%s(\"%s\"): another answer without why", what, cases[i].in);
        kp_buf_dispose(&why);
        free(in);
        free(want);
    }
}

static void test_qualified_name(void **state)
{
    static const check_case cases[] = {
        {"a", ""},
        {"A", ""},
        {"1", ""},
        {"a.b-c_D", ""},
        {"{63a}", ""},
        {"example.com/MyName", ""},
        {"k8s.io/a", ""},
        {"{253a}/{63b}", ""},
        {"a.b.c/x_y", ""},
        {"", "name part must be non-empty; " NAME_PART},
        {"-a", NAME_PART},
        {"a-", NAME_PART},
        {"_a", NAME_PART},
        {"a b", NAME_PART},
        {"a\"b", NAME_PART},
        {"{64a}", "name part " MAX63},
        {"{64a}-", "name part " MAX63 "; " NAME_PART},
        {"a/b/c", SLASHES},
        {"a//b", SLASHES},
        {"/a", "prefix part must be non-empty"},
        {"/", "prefix part must be non-empty; name part must be non-empty; " NAME_PART},
        {"a/", "name part must be non-empty; " NAME_PART},
        {"Example.com/a", "prefix part " SUB_MSG},
        {"a..b/c", "prefix part " SUB_MSG},
        {"a_b/c", "prefix part " SUB_MSG},
        {"a./c", "prefix part " SUB_MSG},
        {"{254a}/b", "prefix part " MAX253},
        {"{254a}-/-", "prefix part " MAX253 "; prefix part " SUB_MSG "; " NAME_PART},
        {"-/{64a}", "prefix part " SUB_MSG "; name part " MAX63},
    };
    (void)state;
    run_checks("qualified_name", kp_validate_qualified_name, cases, KP_ARRAY_LEN(cases));
}

static void test_label_value(void **state)
{
    static const check_case cases[] = {
        {"", ""},           {"a", ""},
        {"MyValue", ""},    {"my_value.1-2", ""},
        {"{63z}", ""},      {"-a", VALUE_MSG},
        {"a.", VALUE_MSG},  {"a/b", VALUE_MSG},
        {"a b", VALUE_MSG}, {"\xc3\xa9", VALUE_MSG},
        {"{64a}", MAX63},   {"{64a}_", MAX63 "; " VALUE_MSG},
    };
    (void)state;
    run_checks("label_value", kp_validate_label_value, cases, KP_ARRAY_LEN(cases));
}

static void test_dns1123_subdomain(void **state)
{
    static const check_case cases[] = {
        {"a", ""},         {"0", ""},          {"example.com", ""},
        {"a-b.c-d.e", ""}, {"{253a}", ""},     {"{100a}.{100b}.{51c}", ""},
        {"", SUB_MSG},     {"A", SUB_MSG},     {"a_b", SUB_MSG},
        {"-a", SUB_MSG},   {"a-", SUB_MSG},    {".a", SUB_MSG},
        {"a.", SUB_MSG},   {"a..b", SUB_MSG},  {"a.-b", SUB_MSG},
        {"a\n", SUB_MSG},  {"{254a}", MAX253}, {"{253a}.", MAX253 "; " SUB_MSG},
    };
    (void)state;
    run_checks("dns1123_subdomain", kp_validate_dns1123_subdomain, cases, KP_ARRAY_LEN(cases));
}

static void test_dns1123_label(void **state)
{
    static const check_case cases[] = {
        {"a", ""},
        {"my-name", ""},
        {"123-abc", ""},
        {"{63a}", ""},
        {"", LABEL_MSG},
        {"A", LABEL_MSG},
        {"-a", LABEL_MSG},
        {"a-", LABEL_MSG},
        {"a_b", LABEL_MSG},
        {"a..b", LABEL_MSG},
        /* k8s: a valid subdomain that is no label has dots */
        {"a.b", "must not contain dots"},
        {"example.com", "must not contain dots"},
        {"{64a}", MAX63},
        {"{32a}.{31a}", MAX63 "; must not contain dots"},
        {"{64A}", MAX63 "; " LABEL_MSG},
    };
    (void)state;
    run_checks("dns1123_label", kp_validate_dns1123_label, cases, KP_ARRAY_LEN(cases));
}

typedef struct {
    kp_name_rule rule;
    bool prefix; /* generateName */
    const char *in;
    const char *want;
} name_case;

static void test_object_name(void **state)
{
    static const name_case cases[] = {
        {KP_NAME_SUBDOMAIN, false, "web", ""},
        {KP_NAME_SUBDOMAIN, false, "web.example.com", ""},
        {KP_NAME_SUBDOMAIN, false, "", SUB_MSG},
        {KP_NAME_SUBDOMAIN, false, "Web", SUB_MSG},
        {KP_NAME_SUBDOMAIN, false, "web-", SUB_MSG},
        {KP_NAME_SUBDOMAIN, false, "{254a}", MAX253},
        {KP_NAME_LABEL, false, "default", ""},
        {KP_NAME_LABEL, false, "kube.system", "must not contain dots"},
        {KP_NAME_LABEL, false, "Default", LABEL_MSG},
        {KP_NAME_LABEL, false, "{64a}", MAX63},
        /* k8s: ValidatePathSegmentName, for RBAC names: anything that is one path segment */
        {KP_NAME_PATH, false, "system:controller:Foo_Bar", ""},
        {KP_NAME_PATH, false, "a b", ""},
        {KP_NAME_PATH, false, "{300a}", ""},
        {KP_NAME_PATH, false, "", ""},
        {KP_NAME_PATH, false, ".", "may not be '.'"},
        {KP_NAME_PATH, false, "..", "may not be '..'"},
        {KP_NAME_PATH, false, "...", ""},
        {KP_NAME_PATH, false, "a/b", "may not contain '/'"},
        {KP_NAME_PATH, false, "a%2F", "may not contain '%'"},
        {KP_NAME_PATH, false, "/%", "may not contain '/'; may not contain '%'"},
        /* generateName: maskTrailingDash turns the last two characters into "a" */
        {KP_NAME_SUBDOMAIN, true, "web-", ""},
        {KP_NAME_SUBDOMAIN, true, "web", ""},
        {KP_NAME_SUBDOMAIN, true, "a-", ""},
        {KP_NAME_SUBDOMAIN, true, "a.-", ""}, /* the quirk: "aa" is checked */
        {KP_NAME_SUBDOMAIN, true, "-", SUB_MSG},
        {KP_NAME_SUBDOMAIN, true, "Web-", SUB_MSG},
        {KP_NAME_SUBDOMAIN, true, "web--", ""},
        {KP_NAME_SUBDOMAIN, true, "{253a}-", ""}, /* 254 characters, 253 checked */
        {KP_NAME_SUBDOMAIN, true, "{254a}-", MAX253},
        {KP_NAME_LABEL, true, "ns-", ""},
        {KP_NAME_LABEL, true, "a.b-", "must not contain dots"},
        {KP_NAME_LABEL, true, "{63a}-", ""},
        {KP_NAME_LABEL, true, "{64a}-", MAX63},
        {KP_NAME_PATH, true, "role-", ""},
        {KP_NAME_PATH, true, ".", "may not be '.'"}, /* k8s: RBAC ignores the prefix flag */
        {KP_NAME_PATH, true, "a/", "may not contain '/'"},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        const name_case *c = &cases[i];
        char *in = expand(c->in, false), *want = expand(c->want, false);
        kp_buf why = KP_BUF_INIT(1 << 16);
        bool ok = c->prefix ? kp_validate_generate_name(&why, in, c->rule)
                            : kp_validate_object_name(&why, in, c->rule);
        bool ok2 = c->prefix ? kp_validate_generate_name(NULL, in, c->rule)
                             : kp_validate_object_name(NULL, in, c->rule);

        if (ok != (want[0] == '\0') || ok2 != ok || strcmp(kp_buf_cstr(&why), want) != 0)
            fail_msg("rule %d prefix %d \"%s\": %d \"%s\", want \"%s\"", (int)c->rule, c->prefix,
                     c->in, ok, kp_buf_cstr(&why), want);
        kp_buf_dispose(&why);
        free(in);
        free(want);
    }
}

static void test_quote(void **state)
{
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"", 0, "\"\""},
        {"abc", 3, "\"abc\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"\n\t\r", 3, "\"\\n\\t\\r\""},
        {"\x01\x7f", 2, "\"\\x01\\x7f\""},
        {"a\0b", 3, "\"a\\x00b\""},
        {"\xc3\xa9", 2, "\"\xc3\xa9\""},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        kp_buf b = KP_BUF_INIT(256);
        kp_validate_quote(&b, (kp_sv){cases[i].in, cases[i].len});
        assert_string_equal(kp_buf_cstr(&b), cases[i].want);
        kp_buf_dispose(&b);
    }
}

/* ---- ObjectMeta ---- */

typedef struct {
    const char *field, *reason, *message;
} want_cause;

typedef struct {
    const char *kind;
    kp_name_rule rule;
    bool namespaced;
    const char *json; /* ' stands for " */
    const char *msg;  /* NULL: valid */
    want_cause causes[6];
} meta_case;

#define INV "FieldValueInvalid"
#define TYPE "FieldValueTypeInvalid"
#define CM "ConfigMap", KP_NAME_SUBDOMAIN, true
#define NS_DEFAULT "'namespace':'default'"

static const meta_case meta_cases[] = {
    /* everything a valid object may carry, null included */
    {CM,
     "{'metadata':{'name':'web','generateName':'web-'," NS_DEFAULT ",'generation':2,"
     "'labels':{'app':'web','tier':'','example.com/Part':'a_b'},"
     "'annotations':{'Example.COM/Key':'v','x':'','UPPER':'{300v}'},"
     "'finalizers':['example.com/f','kubernetes','orphan'],"
     "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs','uid':'u1',"
     "'controller':true,'blockOwnerDeletion':true},"
     "{'apiVersion':'v1','kind':'Pod','name':'p','uid':'u2','controller':false}]}}",
     NULL,
     {{0}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'generateName':null,'generation':null,"
     "'labels':null,'annotations':null,'finalizers':null,'ownerReferences':null}}",
     NULL,
     {{0}}},
    {"Namespace",
     KP_NAME_LABEL,
     false,
     "{'metadata':{'name':'default','generation':0}}",
     NULL,
     {{0}}},
    {"Role.rbac.authorization.k8s.io",
     KP_NAME_PATH,
     true,
     "{'metadata':{'name':'system:Leader_Locking'," NS_DEFAULT "}}",
     NULL,
     {{0}}},

    /* one cause: the message is "<kind> \"<name>\" is invalid: <field>: <body>" */
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'labels':{'Bad Key':'v'}}}",
     "ConfigMap \"web\" is invalid: metadata.labels: Invalid value: \"Bad Key\": " NAME_PART,
     {{"metadata.labels", INV, "Invalid value: \"Bad Key\": " NAME_PART}}},
    {"Pod",
     KP_NAME_SUBDOMAIN,
     true,
     "{'metadata':{" NS_DEFAULT "}}",
     "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required",
     {{"metadata.name", "FieldValueRequired", "Required value: name or generateName is required"}}},
    {"Pod",
     KP_NAME_SUBDOMAIN,
     true,
     "{'metadata':{'name':''," NS_DEFAULT "}}",
     "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required",
     {{"metadata.name", "FieldValueRequired", "Required value: name or generateName is required"}}},
    /* the qualified kind, and Go's %q of the name */
    {"Deployment.apps",
     KP_NAME_SUBDOMAIN,
     true,
     "{'metadata':{'name':'a\\'b'," NS_DEFAULT "}}",
     "Deployment.apps \"a\\\"b\" is invalid: metadata.name: Invalid value: \"a\\\"b\": " SUB_MSG,
     {{"metadata.name", INV, "Invalid value: \"a\\\"b\": " SUB_MSG}}},

    /* several causes: "[a, b]", each distinct "field: body" once, every cause kept */
    {CM,
     "{'metadata':{'name':'Web_1'," NS_DEFAULT ",'labels':{'app':'-x'}}}",
     "ConfigMap \"Web_1\" is invalid: [metadata.name: Invalid value: \"Web_1\": " SUB_MSG
     ", metadata.labels: Invalid value: \"-x\": " VALUE_MSG "]",
     {{"metadata.name", INV, "Invalid value: \"Web_1\": " SUB_MSG},
      {"metadata.labels", INV, "Invalid value: \"-x\": " VALUE_MSG}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'labels':{'a':'-x','b':'-x'}}}",
     "ConfigMap \"web\" is invalid: metadata.labels: Invalid value: \"-x\": " VALUE_MSG,
     {{"metadata.labels", INV, "Invalid value: \"-x\": " VALUE_MSG},
      {"metadata.labels", INV, "Invalid value: \"-x\": " VALUE_MSG}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'labels':{'a':'-x','b':'-x','c d':'y'}}}",
     "ConfigMap \"web\" is invalid: [metadata.labels: Invalid value: \"-x\": " VALUE_MSG
     ", metadata.labels: Invalid value: \"c d\": " NAME_PART "]",
     {{"metadata.labels", INV, "Invalid value: \"-x\": " VALUE_MSG},
      {"metadata.labels", INV, "Invalid value: \"-x\": " VALUE_MSG},
      {"metadata.labels", INV, "Invalid value: \"c d\": " NAME_PART}}},
    /* each message of a name is a cause of its own */
    {"Namespace",
     KP_NAME_LABEL,
     false,
     "{'metadata':{'name':'{64A}'}}",
     "Namespace \"{64A}\" is invalid: [metadata.name: Invalid value: \"{64A}\": " MAX63
     ", metadata.name: Invalid value: \"{64A}\": " LABEL_MSG "]",
     {{"metadata.name", INV, "Invalid value: \"{64A}\": " MAX63},
      {"metadata.name", INV, "Invalid value: \"{64A}\": " LABEL_MSG}}},
    {"Role.rbac.authorization.k8s.io",
     KP_NAME_PATH,
     true,
     "{'metadata':{'name':'a/b%'," NS_DEFAULT "}}",
     "Role.rbac.authorization.k8s.io \"a/b%\" is invalid: [metadata.name: Invalid value: "
     "\"a/b%\": may not contain '/', metadata.name: Invalid value: \"a/b%\": may not contain '%']",
     {{"metadata.name", INV, "Invalid value: \"a/b%\": may not contain '/'"},
      {"metadata.name", INV, "Invalid value: \"a/b%\": may not contain '%'"}}},
    /* generateName first, then name */
    {CM,
     "{'metadata':{'name':'Web-x1y2z','generateName':'Web-'," NS_DEFAULT "}}",
     "ConfigMap \"Web-x1y2z\" is invalid: [metadata.generateName: Invalid value: \"Web-\": " SUB_MSG
     ", metadata.name: Invalid value: \"Web-x1y2z\": " SUB_MSG "]",
     {{"metadata.generateName", INV, "Invalid value: \"Web-\": " SUB_MSG},
      {"metadata.name", INV, "Invalid value: \"Web-x1y2z\": " SUB_MSG}}},

    /* namespace */
    {CM,
     "{'metadata':{'name':'web'}}",
     "ConfigMap \"web\" is invalid: metadata.namespace: Required value",
     {{"metadata.namespace", "FieldValueRequired", "Required value"}}},
    {CM,
     "{'metadata':{'name':'web','namespace':'kube.system'}}",
     "ConfigMap \"web\" is invalid: metadata.namespace: Invalid value: \"kube.system\": must not "
     "contain dots",
     {{"metadata.namespace", INV, "Invalid value: \"kube.system\": must not contain dots"}}},
    {"Namespace",
     KP_NAME_LABEL,
     false,
     "{'metadata':{'name':'web','namespace':'x'}}",
     "Namespace \"web\" is invalid: metadata.namespace: Forbidden: not allowed on this type",
     {{"metadata.namespace", "FieldValueForbidden", "Forbidden: not allowed on this type"}}},

    /* generation */
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'generation':-1}}",
     "ConfigMap \"web\" is invalid: metadata.generation: Invalid value: -1: must be greater than "
     "or equal to 0",
     {{"metadata.generation", INV, "Invalid value: -1: must be greater than or equal to 0"}}},

    /* annotations: the key is checked lower-cased and reported as sent */
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'annotations':{'A/B/C':'v'}}}",
     "ConfigMap \"web\" is invalid: metadata.annotations: Invalid value: \"A/B/C\": " SLASHES,
     {{"metadata.annotations", INV, "Invalid value: \"A/B/C\": " SLASHES}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'annotations':{'Ex_ample.com/k':''}}}",
     "ConfigMap \"web\" is invalid: metadata.annotations: Invalid value: \"Ex_ample.com/k\": "
     "prefix part " SUB_MSG,
     {{"metadata.annotations", INV, "Invalid value: \"Ex_ample.com/k\": prefix part " SUB_MSG}}},

    /* finalizers */
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT
     ",'finalizers':['foo','example.com/f','example.com/f','-x/y','foregroundDeletion']}}",
     "ConfigMap \"web\" is invalid: [metadata.finalizers: Invalid value: \"foo\": name is neither "
     "a standard finalizer name nor is it fully qualified, metadata.finalizers[2]: Duplicate "
     "value: \"example.com/f\", metadata.finalizers: Invalid value: \"-x/y\": prefix part " SUB_MSG
     "]",
     {{"metadata.finalizers", INV,
       "Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully "
       "qualified"},
      {"metadata.finalizers[2]", "FieldValueDuplicate", "Duplicate value: \"example.com/f\""},
      {"metadata.finalizers", INV, "Invalid value: \"-x/y\": prefix part " SUB_MSG}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT
     ",'finalizers':['orphan','a/b','foregroundDeletion']}}",
     "ConfigMap \"web\" is invalid: metadata.finalizers: Invalid value: []string{\"orphan\", "
     "\"a/b\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set",
     {{"metadata.finalizers", INV,
       "Invalid value: []string{\"orphan\", \"a/b\", \"foregroundDeletion\"}: finalizer orphan "
       "and foregroundDeletion cannot be both set"}}},

    /* ownerReferences: Kubernetes names the fields without the index */
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'ownerReferences':[{}]}}",
     "ConfigMap \"web\" is invalid: [metadata.ownerReferences.apiVersion: Invalid value: \"\": "
     "version must not be empty, metadata.ownerReferences.kind: Invalid value: \"\": kind must "
     "not be empty, metadata.ownerReferences.name: Invalid value: \"\": name must not be empty, "
     "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty]",
     {{"metadata.ownerReferences.apiVersion", INV,
       "Invalid value: \"\": version must not be empty"},
      {"metadata.ownerReferences.kind", INV, "Invalid value: \"\": kind must not be empty"},
      {"metadata.ownerReferences.name", INV, "Invalid value: \"\": name must not be empty"},
      {"metadata.ownerReferences.uid", INV, "Invalid value: \"\": uid must not be empty"}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'ownerReferences':["
     "{'apiVersion':'apps/','kind':'K','name':'n','uid':'u'},"
     "{'apiVersion':'a/b/c','kind':'K','name':'n','uid':'u'},"
     "{'apiVersion':'/','kind':'K','name':'n','uid':'u'}]}}",
     "ConfigMap \"web\" is invalid: [metadata.ownerReferences.apiVersion: Invalid value: "
     "\"apps/\": version must not be empty, metadata.ownerReferences.apiVersion: Invalid value: "
     "\"a/b/c\": version must not be empty, metadata.ownerReferences.apiVersion: Invalid value: "
     "\"/\": version must not be empty]",
     {{"metadata.ownerReferences.apiVersion", INV,
       "Invalid value: \"apps/\": version must not be empty"},
      {"metadata.ownerReferences.apiVersion", INV,
       "Invalid value: \"a/b/c\": version must not be empty"},
      {"metadata.ownerReferences.apiVersion", INV,
       "Invalid value: \"/\": version must not be empty"}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'ownerReferences':["
     "{'apiVersion':'v1','kind':'A','name':'a','uid':'1','controller':true},"
     "{'apiVersion':'v1','kind':'B','name':'b','uid':'2','controller':true}]}}",
     "ConfigMap \"web\" is invalid: metadata.ownerReferences: Invalid value: "
     "[]v1.OwnerReference{v1.OwnerReference{APIVersion:\"v1\", Kind:\"A\", Name:\"a\", UID:\"1\", "
     "Controller:(*bool)(true), BlockOwnerDeletion:(*bool)(nil)}, "
     "v1.OwnerReference{APIVersion:\"v1\", Kind:\"B\", Name:\"b\", UID:\"2\", "
     "Controller:(*bool)(true), BlockOwnerDeletion:(*bool)(nil)}}: Only one reference can have "
     "Controller set to true. Found \"true\" in references for A/a and B/b",
     {{"metadata.ownerReferences", INV,
       "Invalid value: []v1.OwnerReference{v1.OwnerReference{APIVersion:\"v1\", Kind:\"A\", "
       "Name:\"a\", UID:\"1\", Controller:(*bool)(true), BlockOwnerDeletion:(*bool)(nil)}, "
       "v1.OwnerReference{APIVersion:\"v1\", Kind:\"B\", Name:\"b\", UID:\"2\", "
       "Controller:(*bool)(true), BlockOwnerDeletion:(*bool)(nil)}}: Only one reference can "
       "have Controller set to true. Found \"true\" in references for A/a and B/b"}}},
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'ownerReferences':["
     "{'apiVersion':'v1','kind':'Event','name':'e','uid':'u','blockOwnerDeletion':false}]}}",
     "ConfigMap \"web\" is invalid: metadata.ownerReferences: Invalid value: "
     "v1.OwnerReference{APIVersion:\"v1\", Kind:\"Event\", Name:\"e\", UID:\"u\", "
     "Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(false)}: /v1, Kind=Event is disallowed "
     "from being an owner",
     {{"metadata.ownerReferences", INV,
       "Invalid value: v1.OwnerReference{APIVersion:\"v1\", Kind:\"Event\", Name:\"e\", "
       "UID:\"u\", Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(false)}: /v1, Kind=Event "
       "is disallowed from being an owner"}}},

    /* JSON types, in the words of a CRD's schema */
    {CM,
     "{'metadata':{'name':'web'," NS_DEFAULT ",'labels':{'app':5},'annotations':'x',"
     "'ownerReferences':[{'apiVersion':'v1','kind':'A','name':'a','uid':'1','controller':'yes'},"
     "7],'finalizers':[true]}}",
     "ConfigMap \"web\" is invalid: [metadata.labels.app: Invalid value: \"integer\": "
     "metadata.labels.app in body must be of type string: \"integer\", metadata.annotations: "
     "Invalid value: \"string\": metadata.annotations in body must be of type object: \"string\", "
     "metadata.ownerReferences[0].controller: Invalid value: \"string\": "
     "metadata.ownerReferences[0].controller in body must be of type boolean: \"string\", "
     "metadata.ownerReferences[1]: Invalid value: \"integer\": metadata.ownerReferences[1] in "
     "body must be of type object: \"integer\", metadata.finalizers[0]: Invalid value: "
     "\"boolean\": metadata.finalizers[0] in body must be of type string: \"boolean\"]",
     {{"metadata.labels.app", TYPE,
       "Invalid value: \"integer\": metadata.labels.app in body must be of type string: "
       "\"integer\""},
      {"metadata.annotations", TYPE,
       "Invalid value: \"string\": metadata.annotations in body must be of type object: "
       "\"string\""},
      {"metadata.ownerReferences[0].controller", TYPE,
       "Invalid value: \"string\": metadata.ownerReferences[0].controller in body must be of "
       "type boolean: \"string\""},
      {"metadata.ownerReferences[1]", TYPE,
       "Invalid value: \"integer\": metadata.ownerReferences[1] in body must be of type object: "
       "\"integer\""},
      {"metadata.finalizers[0]", TYPE,
       "Invalid value: \"boolean\": metadata.finalizers[0] in body must be of type string: "
       "\"boolean\""}}},
    {"Pod",
     KP_NAME_SUBDOMAIN,
     true,
     "{'metadata':{'name':3," NS_DEFAULT ",'generation':1.5}}",
     "Pod \"\" is invalid: [metadata.name: Invalid value: \"integer\": metadata.name in body must "
     "be of type string: \"integer\", metadata.generation: Invalid value: \"number\": "
     "metadata.generation in body must be of type integer: \"number\"]",
     {{"metadata.name", TYPE,
       "Invalid value: \"integer\": metadata.name in body must be of type string: \"integer\""},
      {"metadata.generation", TYPE,
       "Invalid value: \"number\": metadata.generation in body must be of type integer: "
       "\"number\""}}},
    {"Pod",
     KP_NAME_SUBDOMAIN,
     true,
     "{'metadata':[]}",
     "Pod \"\" is invalid: metadata: Invalid value: \"array\": metadata in body must be of type "
     "object: \"array\"",
     {{"metadata", TYPE,
       "Invalid value: \"array\": metadata in body must be of type object: \"array\""}}},
};

static void check_meta(const meta_case *c)
{
    char *text = expand(c->json, true), *msg = c->msg ? expand(c->msg, false) : NULL;
    const kp_err_cause_entry *causes;
    json_t *obj = NULL;
    size_t n, want_n = 0;
    int rc;

    if (kp_json_parse(&obj, text, strlen(text)) < 0)
        fail_msg("bad test JSON %s: %s", text, kp_err_msg());
    kp_err_clear();
    rc = kp_validate_object_meta(obj, c->kind, c->rule, c->namespaced);
    n = kp_err_causes(&causes);
    while (want_n < KP_ARRAY_LEN(c->causes) && c->causes[want_n].field)
        want_n++;
    if (!msg) {
        if (rc != 0 || n != 0)
            fail_msg("%s: rc %d, %zu causes (%s), want valid", c->json, rc, n, kp_err_msg());
        goto out;
    }
    if (rc != KP_EINVALID)
        fail_msg("%s: rc %d, want KP_EINVALID", c->json, rc);
    if (strcmp(kp_err_msg(), msg) != 0)
        fail_msg("%s: message\n  \"%s\"\nwant\n  \"%s\"", c->json, kp_err_msg(), msg);
    if (n != want_n)
        fail_msg("%s: %zu causes, want %zu", c->json, n, want_n);
    for (size_t i = 0; i < n; i++) {
        char *wm = expand(c->causes[i].message, false);
        if (strcmp(causes[i].field, c->causes[i].field) != 0 ||
            strcmp(causes[i].reason, c->causes[i].reason) != 0 ||
            strcmp(causes[i].message, wm) != 0)
            fail_msg("%s: cause %zu\n  %s %s \"%s\"\nwant\n  %s %s \"%s\"", c->json, i,
                     causes[i].field, causes[i].reason, causes[i].message, c->causes[i].field,
                     c->causes[i].reason, wm);
        free(wm);
    }
out:
    json_decref(obj);
    free(text);
    free(msg);
}

static void test_object_meta(void **state)
{
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(meta_cases); i++)
        check_meta(&meta_cases[i]);
}

/* Keys and values of all annotations together: 262144 bytes pass, one more does not. */
static void test_annotations_size(void **state)
{
    static const struct {
        size_t a, b; /* the value lengths of annotations "k1" and "k2" */
        bool ok;
    } cases[] = {
        {262144 - 4, 0, true},
        {262144 - 3, 0, false},
        {131072 - 2, 131072 - 2, true},
        {131072 - 2, 131072 - 1, false},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        json_t *obj = json_pack("{s:{s:s,s:s,s:{}}}", "metadata", "name", "web", "namespace",
                                "default", "annotations");
        json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
        char *v1 = kp_calloc(cases[i].a + 1, 1), *v2 = kp_calloc(cases[i].b + 1, 1);
        const kp_err_cause_entry *causes;
        int rc;

        memset(v1, 'v', cases[i].a);
        memset(v2, 'w', cases[i].b);
        json_object_set_new(ann, "k1", json_string(v1));
        json_object_set_new(ann, "k2", json_string(v2));
        kp_err_clear();
        rc = kp_validate_object_meta(obj, "ConfigMap", KP_NAME_SUBDOMAIN, true);
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(kp_err_causes(&causes), 0);
        } else {
            assert_int_equal(rc, KP_EINVALID);
            assert_string_equal(kp_err_msg(), "ConfigMap \"web\" is invalid: metadata.annotations: "
                                              "Too long: may not be more than 262144 bytes");
            assert_int_equal(kp_err_causes(&causes), 1);
            assert_string_equal(causes[0].field, "metadata.annotations");
            assert_string_equal(causes[0].reason, "FieldValueTooLong");
            assert_string_equal(causes[0].message, "Too long: may not be more than 262144 bytes");
        }
        free(v1);
        free(v2);
        json_decref(obj);
    }
}

/* Many problems: the Status keeps KP_ERR_CAUSES_MAX causes, the message what kp_err holds. */
static void test_many_causes(void **state)
{
    json_t *obj = json_pack("{s:{s:s,s:s,s:{}}}", "metadata", "name", "web", "namespace", "default",
                            "labels");
    json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
    const kp_err_cause_entry *causes;
    const char *want =
        "ConfigMap \"web\" is invalid: [metadata.labels: Invalid value: \"bad key 0\": " NAME_PART
        ", metadata.labels: Invalid value: \"-\": ";
    char key[32];

    (void)state;
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "bad key %d", i);
        json_object_set_new(labels, key, json_string("-"));
    }
    kp_err_clear();
    assert_int_equal(kp_validate_object_meta(obj, "ConfigMap", KP_NAME_SUBDOMAIN, true),
                     KP_EINVALID);
    assert_int_equal(kp_err_causes(&causes), KP_ERR_CAUSES_MAX);
    assert_string_equal(causes[0].field, "metadata.labels");
    assert_string_equal(causes[0].message, "Invalid value: \"bad key 0\": " NAME_PART);
    assert_string_equal(causes[1].message, "Invalid value: \"-\": " VALUE_MSG);
    assert_true(strncmp(kp_err_msg(), want, strlen(want)) == 0);
    assert_true(strlen(kp_err_msg()) < KP_ERR_MSG_MAX); /* what kp_err keeps of it */
    json_decref(obj);
}

/* A NUL inside a key or value is part of it: no check may stop there. */
static void test_embedded_nul(void **state)
{
    const char *text = "{\"metadata\":{\"name\":\"web\\u0000x\",\"namespace\":\"default\"}}";
    const kp_err_cause_entry *causes;
    json_t *obj = NULL;

    (void)state;
    assert_int_equal(kp_json_parse(&obj, text, strlen(text)), 0);
    kp_err_clear();
    assert_int_equal(kp_validate_object_meta(obj, "ConfigMap", KP_NAME_SUBDOMAIN, true),
                     KP_EINVALID);
    assert_int_equal(kp_err_causes(&causes), 1);
    assert_string_equal(causes[0].message, "Invalid value: \"web\\x00x\": " SUB_MSG);
    assert_false(kp_validate_label_value(NULL, (kp_sv){"a\0b", 3}));
    assert_false(kp_validate_qualified_name(NULL, (kp_sv){"a\0b", 3}));
    json_decref(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qualified_name),    cmocka_unit_test(test_label_value),
        cmocka_unit_test(test_dns1123_subdomain), cmocka_unit_test(test_dns1123_label),
        cmocka_unit_test(test_object_name),       cmocka_unit_test(test_quote),
        cmocka_unit_test(test_object_meta),       cmocka_unit_test(test_annotations_size),
        cmocka_unit_test(test_many_causes),       cmocka_unit_test(test_embedded_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
