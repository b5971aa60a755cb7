#include "lib/common.h"
#include "apiserver/authz.h"
#include "apiserver/pgctl.h"
#include "apiserver/store.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/sv.h"
#include "tests/support/testlib.h"

#include <pthread.h>

/* The RBAC authorizer against a real store: RBAC objects are written with kp_store_create in a
 * few logical clusters, then checked as kube-apiserver's RBAC authorizer would answer. One
 * throwaway PostgreSQL server per program, a fresh database per test (as test_store.c). */

static int g_dbseq;

#define R_ROLE "rbac.authorization.k8s.io/roles"
#define R_ROLEBINDING "rbac.authorization.k8s.io/rolebindings"
#define R_CLUSTERROLE "rbac.authorization.k8s.io/clusterroles"
#define R_CLUSTERROLEBINDING "rbac.authorization.k8s.io/clusterrolebindings"

/* ---- helpers ---- */

static const char *rc_name(int rc)
{
    return rc == 0 ? "0" : kp_err_name(rc);
}

#define assert_rc(expr, want)                                                                      \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != (want))                                                                         \
            fail_msg("%s returned %s, want %s: %s", #expr, rc_name(rc_), rc_name(want),            \
                     rc_ ? kp_err_msg() : "");                                                     \
    } while (0)

typedef struct {
    char *db;
    char *conninfo;
    kp_store *st;
    kp_authz *az;
} fx;

/* Writes an object given as JSON with ' for " (readable in C); key from its metadata. */
static void put(fx *f, const char *cluster, const char *resource, const char *json_sq)
{
    char *text = kp_strdup(json_sq);
    json_t *obj = NULL;
    const char *ns, *name;
    kp_key k;

    for (char *p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    assert_rc(kp_json_parse(&obj, text, strlen(text)), 0);
    ns = kp_json_get_str(obj, "metadata.namespace");
    name = kp_json_get_str(obj, "metadata.name");
    assert_non_null(name);
    k = (kp_key){cluster, resource, ns ? ns : "", name};
    assert_rc(kp_store_create(NULL, f->st, &k, obj), 0);
    json_decref(obj);
    free(text);
}

static void del(fx *f, const char *cluster, const char *resource, const char *ns, const char *name)
{
    kp_key k = {cluster, resource, ns, name};
    assert_rc(kp_store_delete(NULL, f->st, &k, 0), 0);
}

/* A user with groups, as a compound literal living in the enclosing block. */
#define USER(n, ...)                                                                               \
    (&(kp_authz_user){(n), (const char *const[]){__VA_ARGS__},                                     \
                      sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)})
#define USER0(n) (&(kp_authz_user){(n), NULL, 0})

static kp_authz_attrs res(const char *verb, const char *group, const char *resource,
                          const char *sub, const char *ns, const char *name)
{
    return (kp_authz_attrs){.verb = verb,
                            .group = group,
                            .resource = resource,
                            .subresource = sub,
                            .ns = ns,
                            .name = name};
}

static kp_authz_attrs path(const char *verb, const char *p)
{
    return (kp_authz_attrs){.verb = verb, .path = p};
}

static int check(fx *f, const char *cluster, const kp_authz_user *u, kp_authz_attrs at)
{
    return kp_authz_check(f->az, cluster, u, &at, NULL);
}

#define ALLOW(f, cl, u, at) assert_rc(check((f), (cl), (u), (at)), 0)
#define DENY(f, cl, u, at) assert_rc(check((f), (cl), (u), (at)), KP_EFORBIDDEN)

/* Checks that u is denied at with exactly msg. */
static void deny_msg(fx *f, const char *cl, const kp_authz_user *u, kp_authz_attrs at,
                     const char *msg)
{
    assert_rc(check(f, cl, u, at), KP_EFORBIDDEN);
    assert_string_equal(kp_err_msg(), msg);
}

static void allow_reason(fx *f, const char *cl, const kp_authz_user *u, kp_authz_attrs at,
                         const char *reason)
{
    const char *r = NULL;
    assert_rc(kp_authz_check(f->az, cl, u, &at, &r), 0);
    assert_non_null(r);
    assert_string_equal(r, reason);
}

static char *dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(s);
    return s;
}

static void rules_equal(fx *f, const char *cl, const kp_authz_user *u, const char *ns,
                        const char *want_rr_sq, const char *want_nrr_sq)
{
    json_t *rr = NULL, *nrr = NULL;
    char *got_rr, *got_nrr, *want_rr = kp_strdup(want_rr_sq), *want_nrr = kp_strdup(want_nrr_sq);

    for (char *p = want_rr; *p; p++)
        if (*p == '\'')
            *p = '"';
    for (char *p = want_nrr; *p; p++)
        if (*p == '\'')
            *p = '"';
    assert_rc(kp_authz_rules(&rr, &nrr, f->az, cl, u, ns), 0);
    got_rr = dump(rr);
    got_nrr = dump(nrr);
    assert_string_equal(got_rr, want_rr);
    assert_string_equal(got_nrr, want_nrr);
    free(got_rr);
    free(got_nrr);
    free(want_rr);
    free(want_nrr);
    json_decref(rr);
    json_decref(nrr);
}

static kp_authz_stats stats(fx *f)
{
    kp_authz_stats s;
    kp_authz_get_stats(&s, f->az);
    return s;
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    return kp_test_pg_start(KP_LEVEL_ERROR);
}

static int group_teardown(void **state)
{
    (void)state;
    kp_test_pg_stop();
    return 0;
}

static int fx_setup(void **state)
{
    fx *f = kp_calloc(1, sizeof(*f));
    kp_store_opts o = {0};

    f->db = kp_asprintf("kplane_authz%d", ++g_dbseq);
    f->conninfo = kp_test_pg_conninfo_for(f->db);
    *state = f;
    o.conninfo = f->conninfo;
    o.admin_conninfo = kp_test_pg_admin_conninfo();
    o.pool_size = 4;
    if (kp_store_open(&f->st, &o) < 0) {
        fprintf(stderr, "cannot open the store on %s: %s\n", f->db, kp_err_msg());
        return -1;
    }
    return kp_authz_new(&f->az, f->st);
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    kp_authz_free(f->az);
    kp_store_free(f->st);
    free(f->db);
    free(f->conninfo);
    free(f);
    return 0;
}

/* ---- common policy ---- */

static void put_pod_reader(fx *f, const char *cl)
{
    put(f, cl, R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'pod-reader'},"
        "'rules':[{'verbs':['get','list','watch'],'apiGroups':[''],'resources':['pods']}]}");
}

/* ---- tests ---- */

static void test_masters(void **state)
{
    fx *f = *state;
    const kp_authz_user *root = USER("admin", "system:authenticated", "system:masters");
    const char *r = NULL;
    kp_authz_attrs at = res("delete", "apps", "deployments", NULL, "prod", "web");

    assert_rc(kp_authz_check(f->az, "root", root, &at, &r), 0);
    assert_string_equal(r, ""); /* k8s: the privileged group authorizer gives no reason */
    ALLOW(f, "root", root, res("create", "", "namespaces", NULL, NULL, NULL));
    ALLOW(f, "ws-a", root,
          res("escalate", "rbac.authorization.k8s.io", "clusterroles", NULL, "", "x"));
    ALLOW(f, "root", root, path("get", "/metrics"));
    ALLOW(f, "root", root, path("access", "/"));
    /* no store read for them */
    assert_int_equal(stats(f).loads, 0);
    /* anyone else has nothing without bindings */
    DENY(f, "root", USER("admin", "system:authenticated"), at);
    DENY(f, "root", USER0("system:masters"), at); /* a user of that name is not the group */
    rules_equal(f, "root", root, "default", "[{'verbs':['*'],'apiGroups':['*'],'resources':['*']}]",
                "[{'verbs':['*'],'nonResourceURLs':['*']}]");
}

static void test_rolebinding_role(void **state)
{
    fx *f = *state;
    const kp_authz_user *alice = USER0("alice");

    put(f, "root", R_ROLE,
        "{'kind':'Role','metadata':{'name':'cm-editor','namespace':'dev'},"
        "'rules':[{'verbs':['get','list','create','update'],'apiGroups':[''],"
        "'resources':['configmaps']}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'alice-cm','namespace':'dev'},"
        "'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'Role','name':'cm-editor'},"
        "'subjects':[{'kind':'User','apiGroup':'rbac.authorization.k8s.io','name':'alice'}]}");
    /* a binding in prod to a Role of that name that exists only in dev */
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'alice-cm','namespace':'prod'},"
        "'roleRef':{'kind':'Role','name':'cm-editor'},'subjects':[{'kind':'User','name':'alice'}]"
        "}");

    ALLOW(f, "root", alice, res("list", "", "configmaps", NULL, "dev", NULL));
    ALLOW(f, "root", alice, res("get", NULL, "configmaps", NULL, "dev", "settings"));
    ALLOW(f, "root", alice, res("create", "", "configmaps", NULL, "dev", NULL));
    DENY(f, "root", alice, res("delete", "", "configmaps", NULL, "dev", "settings"));
    DENY(f, "root", alice, res("list", "", "secrets", NULL, "dev", NULL));
    DENY(f, "root", alice, res("list", "apps", "configmaps", NULL, "dev", NULL));
    DENY(f, "root", alice, res("list", "", "configmaps", NULL, "prod", NULL));
    DENY(f, "root", alice, res("list", "", "configmaps", NULL, "", NULL)); /* all namespaces */
    DENY(f, "root", USER0("bob"), res("list", "", "configmaps", NULL, "dev", NULL));
    allow_reason(f, "root", alice, res("list", "", "configmaps", NULL, "dev", NULL),
                 "RBAC: allowed by RoleBinding \"alice-cm/dev\" of Role \"cm-editor\" to User "
                 "\"alice\"");
    deny_msg(f, "root", alice, res("list", "", "configmaps", NULL, "prod", NULL),
             "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API "
             "group \"\" in the namespace \"prod\": RBAC: role.rbac.authorization.k8s.io "
             "\"cm-editor\" not found");
}

static void test_rolebinding_clusterrole(void **state)
{
    fx *f = *state;
    const kp_authz_user *bob = USER("bob", "system:authenticated");

    put_pod_reader(f, "root");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'bob-pods','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'bob'}]}");

    ALLOW(f, "root", bob, res("get", "", "pods", NULL, "dev", "p1"));
    ALLOW(f, "root", bob, res("watch", "", "pods", NULL, "dev", NULL));
    DENY(f, "root", bob, res("get", "", "pods", NULL, "prod", "p1"));
    DENY(f, "root", bob, res("list", "", "pods", NULL, NULL, NULL));
    DENY(f, "root", bob, res("delete", "", "pods", NULL, "dev", "p1"));
    allow_reason(f, "root", bob, res("get", "", "pods", NULL, "dev", "p1"),
                 "RBAC: allowed by RoleBinding \"bob-pods/dev\" of ClusterRole \"pod-reader\" to "
                 "User \"bob\"");
}

static void test_clusterrolebinding(void **state)
{
    fx *f = *state;
    const kp_authz_user *carol = USER0("carol");

    put_pod_reader(f, "root");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'carol-pods'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'carol'}]}");

    ALLOW(f, "root", carol, res("list", "", "pods", NULL, "dev", NULL));
    ALLOW(f, "root", carol, res("list", "", "pods", NULL, "kube-system", NULL));
    ALLOW(f, "root", carol, res("list", "", "pods", NULL, "", NULL));
    DENY(f, "root", carol, res("list", "", "services", NULL, "dev", NULL));
    allow_reason(f, "root", carol, res("list", "", "pods", NULL, NULL, NULL),
                 "RBAC: allowed by ClusterRoleBinding \"carol-pods\" of ClusterRole "
                 "\"pod-reader\" to User \"carol\"");
}

static void test_group_subjects(void **state)
{
    fx *f = *state;

    put_pod_reader(f, "root");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'devs-pods','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'nobody'},{'kind':'Group','name':'devs'}]}");
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'ns-lister'},"
        "'rules':[{'verbs':['list'],'apiGroups':[''],'resources':['namespaces']}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'all-ns'},"
        "'roleRef':{'kind':'ClusterRole','name':'ns-lister'},"
        "'subjects':[{'kind':'Group','name':'system:authenticated'}]}");

    ALLOW(f, "root", USER("dana", "system:authenticated", "devs"),
          res("list", "", "pods", NULL, "dev", NULL));
    allow_reason(f, "root", USER("dana", "devs"), res("list", "", "pods", NULL, "dev", NULL),
                 "RBAC: allowed by RoleBinding \"devs-pods/dev\" of ClusterRole \"pod-reader\" "
                 "to Group \"devs\"");
    DENY(f, "root", USER("erin", "system:authenticated"),
         res("list", "", "pods", NULL, "dev", NULL));
    DENY(f, "root", USER0("devs"), res("list", "", "pods", NULL, "dev", NULL));
    ALLOW(f, "root", USER("erin", "system:authenticated"),
          res("list", "", "namespaces", NULL, NULL, NULL));
    DENY(f, "root", USER0("erin"), res("list", "", "namespaces", NULL, NULL, NULL));
}

static void test_serviceaccount_subjects(void **state)
{
    fx *f = *state;
    const kp_authz_user *builder =
        USER("system:serviceaccount:dev:builder", "system:serviceaccounts",
             "system:serviceaccounts:dev", "system:authenticated");
    const kp_authz_user *deployer = USER("system:serviceaccount:ci:deployer",
                                         "system:serviceaccounts", "system:serviceaccounts:ci");
    const kp_authz_user *other = USER("system:serviceaccount:prod:builder",
                                      "system:serviceaccounts", "system:serviceaccounts:prod");

    put_pod_reader(f, "root");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'sa-pods','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'ServiceAccount','name':'builder'},"
        "{'kind':'ServiceAccount','name':'deployer','namespace':'ci'}]}");
    /* a ClusterRoleBinding's ServiceAccount must name its namespace: this grants nothing */
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'node-reader'},"
        "'rules':[{'verbs':['get','list'],'apiGroups':[''],'resources':['nodes']}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'sa-nodes'},"
        "'roleRef':{'kind':'ClusterRole','name':'node-reader'},"
        "'subjects':[{'kind':'ServiceAccount','name':'builder'},"
        "{'kind':'ServiceAccount','name':'deployer','namespace':'ci'}]}");
    /* every ServiceAccount of prod, by group */
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'prod-sas','namespace':'prod'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'Group','name':'system:serviceaccounts:prod'}]}");

    ALLOW(f, "root", builder, res("list", "", "pods", NULL, "dev", NULL));
    allow_reason(f, "root", builder, res("list", "", "pods", NULL, "dev", NULL),
                 "RBAC: allowed by RoleBinding \"sa-pods/dev\" of ClusterRole \"pod-reader\" to "
                 "ServiceAccount \"builder/dev\"");
    ALLOW(f, "root", deployer, res("list", "", "pods", NULL, "dev", NULL));
    allow_reason(f, "root", deployer, res("list", "", "pods", NULL, "dev", NULL),
                 "RBAC: allowed by RoleBinding \"sa-pods/dev\" of ClusterRole \"pod-reader\" to "
                 "ServiceAccount \"deployer/ci\"");
    DENY(f, "root", other, res("list", "", "pods", NULL, "dev", NULL));
    ALLOW(f, "root", other, res("list", "", "pods", NULL, "prod", NULL));
    DENY(f, "root", builder, res("list", "", "pods", NULL, "prod", NULL));
    /* the username form is what counts, not a user named like the ServiceAccount */
    DENY(f, "root", USER0("builder"), res("list", "", "pods", NULL, "dev", NULL));
    DENY(f, "root", builder, res("list", "", "nodes", NULL, NULL, NULL));
    ALLOW(f, "root", deployer, res("list", "", "nodes", NULL, NULL, NULL));
}

static void test_resource_names(void **state)
{
    fx *f = *state;
    const kp_authz_user *u = USER0("frank");

    put(f, "root", R_ROLE,
        "{'kind':'Role','metadata':{'name':'one-cm','namespace':'dev'},"
        "'rules':[{'verbs':['get','update','list','create','watch'],'apiGroups':[''],"
        "'resources':['configmaps'],'resourceNames':['app-config']}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'frank','namespace':'dev'},"
        "'roleRef':{'kind':'Role','name':'one-cm'},'subjects':[{'kind':'User','name':'frank'}]}");

    ALLOW(f, "root", u, res("get", "", "configmaps", NULL, "dev", "app-config"));
    ALLOW(f, "root", u, res("update", "", "configmaps", NULL, "dev", "app-config"));
    /* k8s: a watch or list restricted by metadata.name carries the name */
    ALLOW(f, "root", u, res("watch", "", "configmaps", NULL, "dev", "app-config"));
    DENY(f, "root", u, res("get", "", "configmaps", NULL, "dev", "other"));
    DENY(f, "root", u, res("list", "", "configmaps", NULL, "dev", NULL));
    DENY(f, "root", u, res("watch", "", "configmaps", NULL, "dev", ""));
    DENY(f, "root", u, res("create", "", "configmaps", NULL, "dev", NULL));
    DENY(f, "root", u, res("delete", "", "configmaps", NULL, "dev", "app-config"));
}

static void test_subresources(void **state)
{
    fx *f = *state;
    const kp_authz_user *u = USER0("gina");

    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'debugger'},'rules':["
        "{'verbs':['get'],'apiGroups':[''],'resources':['pods/log']},"
        "{'verbs':['get','update'],'apiGroups':['apps'],'resources':['deployments/scale']},"
        "{'verbs':['patch'],'apiGroups':['*'],'resources':['*/status']}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'gina','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'debugger'},"
        "'subjects':[{'kind':'User','name':'gina'}]}");

    ALLOW(f, "root", u, res("get", "", "pods", "log", "dev", "p1"));
    DENY(f, "root", u, res("get", "", "pods", NULL, "dev", "p1"));
    DENY(f, "root", u, res("get", "", "pods", "exec", "dev", "p1"));
    DENY(f, "root", u, res("create", "", "pods", "log", "dev", "p1"));
    ALLOW(f, "root", u, res("update", "apps", "deployments", "scale", "dev", "web"));
    DENY(f, "root", u, res("update", "apps", "deployments", NULL, "dev", "web"));
    DENY(f, "root", u, res("update", "apps", "statefulsets", "scale", "dev", "db"));
    DENY(f, "root", u, res("update", "", "deployments", "scale", "dev", "web"));
    /* "*" "/status" covers the status of any resource, never the resource itself */
    ALLOW(f, "root", u, res("patch", "apps", "deployments", "status", "dev", "web"));
    ALLOW(f, "root", u, res("patch", "", "pods", "status", "dev", "p1"));
    DENY(f, "root", u, res("patch", "", "pods", NULL, "dev", "p1"));
    DENY(f, "root", u, res("patch", "", "pods", "statusx", "dev", "p1"));
}

static void test_wildcards(void **state)
{
    fx *f = *state;
    const kp_authz_user *u = USER0("hank");
    const kp_authz_user *v = USER0("ivy");

    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'ns-admin'},"
        "'rules':[{'verbs':['*'],'apiGroups':['*'],'resources':['*']}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'hank','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'ns-admin'},"
        "'subjects':[{'kind':'User','name':'hank'}]}");
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'core-reader'},"
        "'rules':[{'verbs':['get','list'],'apiGroups':[''],'resources':['*']},"
        "{'verbs':['*'],'apiGroups':['batch'],'resources':['jobs']}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'ivy'},"
        "'roleRef':{'kind':'ClusterRole','name':'core-reader'},"
        "'subjects':[{'kind':'User','name':'ivy'}]}");

    ALLOW(f, "root", u, res("deletecollection", "apps", "deployments", NULL, "dev", NULL));
    ALLOW(f, "root", u, res("create", "", "pods", "exec", "dev", "p1"));
    ALLOW(f, "root", u, res("bind", "rbac.authorization.k8s.io", "roles", NULL, "dev", "r"));
    DENY(f, "root", u, res("get", "", "pods", NULL, "prod", "p1"));
    DENY(f, "root", u, res("list", "", "namespaces", NULL, NULL, NULL));
    /* resource wildcards do not reach non-resource URLs */
    DENY(f, "root", u, path("get", "/healthz"));

    ALLOW(f, "root", v, res("list", "", "secrets", NULL, "any", NULL));
    ALLOW(f, "root", v, res("get", "", "pods", "log", "any", "p"));
    DENY(f, "root", v, res("list", "apps", "deployments", NULL, "any", NULL));
    DENY(f, "root", v, res("delete", "", "secrets", NULL, "any", "s"));
    ALLOW(f, "root", v, res("escalate", "batch", "jobs", NULL, "any", "j"));
    DENY(f, "root", v, res("get", "batch", "cronjobs", NULL, "any", "j"));
}

static void test_nonresource_urls(void **state)
{
    fx *f = *state;
    const kp_authz_user *u = USER("joe", "system:authenticated");

    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'health'},"
        "'rules':[{'verbs':['get'],'nonResourceURLs':['/healthz','/healthz/*','/version']},"
        "{'verbs':['access'],'nonResourceURLs':['/']},"
        "{'verbs':['get','post'],'nonResourceURLs':['/logs**']}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'health'},"
        "'roleRef':{'kind':'ClusterRole','name':'health'},"
        "'subjects':[{'kind':'Group','name':'system:authenticated'}]}");
    /* nonResourceURLs through a RoleBinding grant nothing: such requests have no namespace */
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'metrics'},"
        "'rules':[{'verbs':['get'],'nonResourceURLs':['/metrics']}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'metrics','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'metrics'},"
        "'subjects':[{'kind':'User','name':'joe'}]}");

    ALLOW(f, "root", u, path("get", "/healthz"));
    ALLOW(f, "root", u, path("get", "/healthz/etcd"));
    ALLOW(f, "root", u, path("get", "/healthz/"));
    ALLOW(f, "root", u, path("get", "/version"));
    DENY(f, "root", u, path("get", "/healthzx"));
    DENY(f, "root", u, path("get", "/version/x"));
    DENY(f, "root", u, path("post", "/healthz"));
    ALLOW(f, "root", u, path("access", "/"));
    DENY(f, "root", u, path("access", "/api"));
    DENY(f, "root", u, path("get", "/"));
    ALLOW(f, "root", u, path("post", "/logs"));
    ALLOW(f, "root", u, path("get", "/logsfoo/bar"));
    DENY(f, "root", u, path("get", "/metrics"));
    /* not a resource request either */
    DENY(f, "root", u, res("get", "", "healthz", NULL, NULL, NULL));
    DENY(f, "root", USER0("joe"), path("access", "/"));
    deny_msg(f, "root", u, path("get", "/metrics"),
             "forbidden: User \"joe\" cannot get path \"/metrics\"");
    allow_reason(f, "root", u, path("access", "/"),
                 "RBAC: allowed by ClusterRoleBinding \"health\" of ClusterRole \"health\" to "
                 "Group \"system:authenticated\"");
}

static void put_aggregating(fx *f, const char *cl)
{
    /* its stored rules are the controller's to replace: they grant nothing on their own */
    put(f, cl, R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'monitoring',"
        "'labels':{'rbac.example.com/aggregate-to-super':'true'}},"
        "'aggregationRule':{'clusterRoleSelectors':["
        "{'matchLabels':{'rbac.example.com/aggregate-to-monitoring':'true'}}]},"
        "'rules':[{'verbs':['delete'],'apiGroups':[''],'resources':['nodes']}]}");
    put(f, cl, R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'mon-pods',"
        "'labels':{'rbac.example.com/aggregate-to-monitoring':'true'}},"
        "'rules':[{'verbs':['get','list'],'apiGroups':[''],'resources':['pods']},"
        "{'verbs':['get'],'nonResourceURLs':['/metrics']}]}");
    put(f, cl, R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'mon-svcs',"
        "'labels':{'rbac.example.com/aggregate-to-monitoring':'true','tier':'b'}},"
        "'rules':[{'verbs':['list'],'apiGroups':[''],'resources':['services']},"
        "{'verbs':['get','list'],'apiGroups':[''],'resources':['pods']}]}");
    /* not selected: the label value differs */
    put(f, cl, R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'mon-secrets',"
        "'labels':{'rbac.example.com/aggregate-to-monitoring':'false'}},"
        "'rules':[{'verbs':['list'],'apiGroups':[''],'resources':['secrets']}]}");
    put(f, cl, R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'dave-mon'},"
        "'roleRef':{'kind':'ClusterRole','name':'monitoring'},"
        "'subjects':[{'kind':'User','name':'dave'}]}");
}

static void test_aggregation(void **state)
{
    fx *f = *state;
    const kp_authz_user *dave = USER0("dave");
    const kp_authz_user *eve = USER0("eve");

    put_aggregating(f, "root");
    ALLOW(f, "root", dave, res("list", "", "pods", NULL, "dev", NULL));
    ALLOW(f, "root", dave, res("list", "", "services", NULL, NULL, NULL));
    ALLOW(f, "root", dave, path("get", "/metrics"));
    DENY(f, "root", dave, res("list", "", "secrets", NULL, "dev", NULL));
    DENY(f, "root", dave, res("delete", "", "nodes", NULL, NULL, "n1"));
    DENY(f, "root", dave, res("watch", "", "endpoints", NULL, "dev", NULL));
    /* in selector order, then name order, each rule once */
    rules_equal(f, "root", dave, "dev",
                "[{'verbs':['get','list'],'apiGroups':[''],'resources':['pods']},"
                "{'verbs':['list'],'apiGroups':[''],'resources':['services']}]",
                "[{'verbs':['get'],'nonResourceURLs':['/metrics']}]");

    /* a third labelled role counts once the cluster's policy is invalidated */
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'mon-eps',"
        "'labels':{'rbac.example.com/aggregate-to-monitoring':'true'}},"
        "'rules':[{'verbs':['watch'],'apiGroups':[''],'resources':['endpoints']}]}");
    DENY(f, "root", dave, res("watch", "", "endpoints", NULL, "dev", NULL));
    kp_authz_invalidate(f->az, "root");
    ALLOW(f, "root", dave, res("watch", "", "endpoints", NULL, "dev", NULL));
    ALLOW(f, "root", dave, res("list", "", "services", NULL, NULL, NULL));

    /* nested: super selects monitoring, which aggregates; and matchExpressions */
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'super'},"
        "'aggregationRule':{'clusterRoleSelectors':["
        "{'matchExpressions':[{'key':'rbac.example.com/aggregate-to-super','operator':'In',"
        "'values':['true','yes']}]},"
        "{'matchExpressions':[{'key':'tier','operator':'Exists'},"
        "{'key':'rbac.example.com/aggregate-to-monitoring','operator':'NotIn',"
        "'values':['false']}]}]}}");
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'cm-lister','labels':{'tier':'a'}},"
        "'rules':[{'verbs':['list'],'apiGroups':[''],'resources':['configmaps']}]}");
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'z-excluded','labels':{'tier':'a',"
        "'rbac.example.com/aggregate-to-monitoring':'false'}},"
        "'rules':[{'verbs':['list'],'apiGroups':[''],'resources':['secrets']}]}");
    /* an invalid selector: the controller leaves the stored rules */
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'broken'},"
        "'aggregationRule':{'clusterRoleSelectors':["
        "{'matchExpressions':[{'key':'tier','operator':'Equals','values':['a']}]}]},"
        "'rules':[{'verbs':['get'],'apiGroups':[''],'resources':['events']}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'eve-super'},"
        "'roleRef':{'kind':'ClusterRole','name':'super'},"
        "'subjects':[{'kind':'User','name':'eve'}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'eve-broken'},"
        "'roleRef':{'kind':'ClusterRole','name':'broken'},"
        "'subjects':[{'kind':'User','name':'eve'}]}");
    kp_authz_invalidate(f->az, "root");
    ALLOW(f, "root", eve, res("watch", "", "endpoints", NULL, "dev", NULL));
    ALLOW(f, "root", eve, res("list", "", "configmaps", NULL, "dev", NULL));
    ALLOW(f, "root", eve, res("get", "", "events", NULL, "dev", "e"));
    DENY(f, "root", eve, res("list", "", "secrets", NULL, "dev", NULL));
    rules_equal(f, "root", eve, NULL,
                "[{'verbs':['get'],'apiGroups':[''],'resources':['events']},"
                "{'verbs':['watch'],'apiGroups':[''],'resources':['endpoints']},"
                "{'verbs':['get','list'],'apiGroups':[''],'resources':['pods']},"
                "{'verbs':['list'],'apiGroups':[''],'resources':['services']},"
                "{'verbs':['list'],'apiGroups':[''],'resources':['configmaps']}]",
                "[{'verbs':['get'],'nonResourceURLs':['/metrics']}]");
}

static void test_cluster_isolation(void **state)
{
    fx *f = *state;
    const kp_authz_user *alice = USER0("alice");

    put_pod_reader(f, "ws-a");
    put(f, "ws-a", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'alice'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'alice'}]}");
    /* ws-b has the role but binds it to someone else; root has nothing */
    put_pod_reader(f, "ws-b");
    put(f, "ws-b", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'bob','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'bob'}]}");

    ALLOW(f, "ws-a", alice, res("list", "", "pods", NULL, "dev", NULL));
    DENY(f, "ws-b", alice, res("list", "", "pods", NULL, "dev", NULL));
    DENY(f, "root", alice, res("list", "", "pods", NULL, "dev", NULL));
    ALLOW(f, "ws-b", USER0("bob"), res("list", "", "pods", NULL, "dev", NULL));
    DENY(f, "ws-a", USER0("bob"), res("list", "", "pods", NULL, "dev", NULL));
    /* invalidating one cluster leaves the other cached */
    kp_authz_invalidate(f->az, "ws-b");
    assert_int_equal(stats(f).clusters, 2);
    ALLOW(f, "ws-a", alice, res("list", "", "pods", NULL, "dev", NULL));
    assert_int_equal(stats(f).loads, 3);
    DENY(f, "ws-b", alice, res("list", "", "pods", NULL, "dev", NULL));
    assert_int_equal(stats(f).loads, 4);
}

static void test_forbidden_messages(void **state)
{
    fx *f = *state;
    const kp_authz_user *alice = USER("alice", "system:authenticated");
    const char *r = NULL;
    kp_authz_attrs at;

    deny_msg(f, "root", alice, res("list", "", "configmaps", NULL, "default", NULL),
             "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API "
             "group \"\" in the namespace \"default\"");
    deny_msg(f, "root", alice, res("get", "apps", "deployments", NULL, "default", "web"),
             "deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource "
             "\"deployments\" in API group \"apps\" in the namespace \"default\"");
    deny_msg(f, "root", alice, res("list", "", "namespaces", NULL, NULL, NULL),
             "namespaces is forbidden: User \"alice\" cannot list resource \"namespaces\" in API "
             "group \"\" at the cluster scope");
    deny_msg(f, "root", alice, res("list", "apps", "deployments", NULL, "", NULL),
             "deployments.apps is forbidden: User \"alice\" cannot list resource \"deployments\" "
             "in API group \"apps\" at the cluster scope");
    deny_msg(f, "root", alice, res("get", "", "pods", "log", "default", "p1"),
             "pods \"p1\" is forbidden: User \"alice\" cannot get resource \"pods/log\" in API "
             "group \"\" in the namespace \"default\"");
    deny_msg(f, "root", alice, res("update", "apps", "deployments", "scale", "default", "web"),
             "deployments.apps \"web\" is forbidden: User \"alice\" cannot update resource "
             "\"deployments/scale\" in API group \"apps\" in the namespace \"default\"");
    deny_msg(f, "root", alice, res("delete", "", "nodes", NULL, NULL, "n1"),
             "nodes \"n1\" is forbidden: User \"alice\" cannot delete resource \"nodes\" in API "
             "group \"\" at the cluster scope");
    deny_msg(f, "root", alice, path("get", "/healthz"),
             "forbidden: User \"alice\" cannot get path \"/healthz\"");
    deny_msg(f, "root", alice, path("access", "/"),
             "forbidden: User \"alice\" cannot access path \"/\"");
    deny_msg(f, "root", USER0("system:serviceaccount:dev:default"),
             res("watch", "", "secrets", NULL, "dev", NULL),
             "secrets is forbidden: User \"system:serviceaccount:dev:default\" cannot watch "
             "resource \"secrets\" in API group \"\" in the namespace \"dev\"");
    /* quoted as Go's %q, then made harmless as HTML */
    deny_msg(f, "root", USER0("<b>\"x\"&"), res("get", "", "pods", NULL, "dev", "a\"b"),
             "pods \"a\\\"b\" is forbidden: User \"&lt;b&gt;\\\"x\\\"&amp;\" cannot get resource "
             "\"pods\" in API group \"\" in the namespace \"dev\"");

    /* bindings to roles that do not exist grant nothing and say why */
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'ghost'},"
        "'roleRef':{'kind':'ClusterRole','name':'ghost'},"
        "'subjects':[{'kind':'Group','name':'system:authenticated'}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'ghost2'},"
        "'roleRef':{'kind':'ClusterRole','name':'ghost'},"
        "'subjects':[{'kind':'User','name':'alice'}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'phantom','namespace':'default'},"
        "'roleRef':{'kind':'Role','name':'phantom'},'subjects':[{'kind':'User','name':'alice'}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'odd','namespace':'default'},"
        "'roleRef':{'kind':'Roll','name':'x'},'subjects':[{'kind':'User','name':'bob'}]}");
    kp_authz_invalidate(f->az, "root");
    deny_msg(f, "root", alice, res("list", "", "configmaps", NULL, NULL, NULL),
             "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API "
             "group \"\" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "
             "\"ghost\" not found");
    at = res("list", "", "configmaps", NULL, "default", NULL);
    assert_rc(kp_authz_check(f->az, "root", alice, &at, &r), KP_EFORBIDDEN);
    assert_string_equal(r, "RBAC: [clusterrole.rbac.authorization.k8s.io \"ghost\" not found, "
                           "role.rbac.authorization.k8s.io \"phantom\" not found]");
    assert_string_equal(kp_err_msg(),
                        "configmaps is forbidden: User \"alice\" cannot list resource "
                        "\"configmaps\" in API group \"\" in the namespace \"default\": RBAC: "
                        "[clusterrole.rbac.authorization.k8s.io \"ghost\" not found, "
                        "role.rbac.authorization.k8s.io \"phantom\" not found]");
    deny_msg(f, "root", USER0("bob"), res("list", "", "pods", NULL, "default", NULL),
             "pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in "
             "the namespace \"default\": RBAC: unsupported role reference kind: \"Roll\"");
    /* errors of bindings that are not the user's stay out of it */
    deny_msg(f, "root", USER0("carl"), res("list", "", "pods", NULL, "default", NULL),
             "pods is forbidden: User \"carl\" cannot list resource \"pods\" in API group \"\" "
             "in the namespace \"default\"");
}

static void test_rules_review(void **state)
{
    fx *f = *state;
    const kp_authz_user *alice = USER("alice", "system:authenticated", "devs");

    put_pod_reader(f, "root");
    put(f, "root", R_CLUSTERROLE,
        "{'kind':'ClusterRole','metadata':{'name':'basic'},"
        "'rules':[{'verbs':['create'],'apiGroups':['authorization.k8s.io'],"
        "'resources':['selfsubjectaccessreviews','selfsubjectrulesreviews']},"
        "{'verbs':['get'],'nonResourceURLs':['/healthz','/version']}]}");
    put(f, "root", R_CLUSTERROLEBINDING,
        "{'kind':'ClusterRoleBinding','metadata':{'name':'basic'},"
        "'roleRef':{'kind':'ClusterRole','name':'basic'},"
        "'subjects':[{'kind':'Group','name':'system:authenticated'}]}");
    put(f, "root", R_ROLE,
        "{'kind':'Role','metadata':{'name':'cm','namespace':'dev'},"
        "'rules':[{'verbs':['get','update'],'apiGroups':[''],'resources':['configmaps'],"
        "'resourceNames':['app']}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'b-cm','namespace':'dev'},"
        "'roleRef':{'kind':'Role','name':'cm'},'subjects':[{'kind':'Group','name':'devs'}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'a-pods','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'alice'}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'missing','namespace':'dev'},"
        "'roleRef':{'kind':'Role','name':'nope'},'subjects':[{'kind':'User','name':'alice'}]}");
    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'other','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'zed'}]}");

    rules_equal(f, "root", alice, "dev",
                "[{'verbs':['create'],'apiGroups':['authorization.k8s.io'],"
                "'resources':['selfsubjectaccessreviews','selfsubjectrulesreviews']},"
                "{'verbs':['get','list','watch'],'apiGroups':[''],'resources':['pods']},"
                "{'verbs':['get','update'],'apiGroups':[''],'resources':['configmaps'],"
                "'resourceNames':['app']}]",
                "[{'verbs':['get'],'nonResourceURLs':['/healthz','/version']}]");
    rules_equal(f, "root", alice, "prod",
                "[{'verbs':['create'],'apiGroups':['authorization.k8s.io'],"
                "'resources':['selfsubjectaccessreviews','selfsubjectrulesreviews']}]",
                "[{'verbs':['get'],'nonResourceURLs':['/healthz','/version']}]");
    rules_equal(f, "root", USER0("anon"), "dev", "[]", "[]");
    rules_equal(f, "ws-none", alice, "dev", "[]", "[]");
}

static void test_invalidation(void **state)
{
    fx *f = *state;
    const kp_authz_user *alice = USER0("alice");
    kp_authz_attrs at = res("list", "", "pods", NULL, "dev", NULL);
    kp_authz_stats s;

    put_pod_reader(f, "root");
    DENY(f, "root", alice, at);
    s = stats(f);
    assert_int_equal(s.loads, 1);
    assert_int_equal(s.clusters, 1);

    put(f, "root", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'alice','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'alice'}]}");
    /* served from the cache: no store read per request, so the new binding is not seen */
    for (int i = 0; i < 100; i++)
        DENY(f, "root", alice, at);
    s = stats(f);
    assert_int_equal(s.loads, 1);
    assert_int_equal(s.hits, 100);

    kp_authz_invalidate(f->az, "root");
    assert_int_equal(stats(f).clusters, 0);
    ALLOW(f, "root", alice, at);
    assert_int_equal(stats(f).loads, 2);

    /* deleting the role leaves a binding that grants nothing */
    del(f, "root", R_CLUSTERROLE, "", "pod-reader");
    ALLOW(f, "root", alice, at);
    kp_authz_invalidate(f->az, "root");
    DENY(f, "root", alice, at);
    put_pod_reader(f, "root");
    kp_authz_invalidate(f->az, "root");
    ALLOW(f, "root", alice, at);
    del(f, "root", R_ROLEBINDING, "dev", "alice");
    kp_authz_invalidate(f->az, "root");
    DENY(f, "root", alice, at);
    kp_authz_invalidate(f->az, "no-such-cluster"); /* fine */
}

static void test_lru_cap(void **state)
{
    fx *f = *state;
    const kp_authz_user *alice = USER0("alice");
    kp_authz_attrs at = res("list", "", "pods", NULL, "dev", NULL);
    char cl[16];
    kp_authz_stats s;

    kp_authz_set_max_clusters(f->az, 2);
    put_pod_reader(f, "c1");
    DENY(f, "c1", alice, at);
    DENY(f, "c2", alice, at);
    DENY(f, "c1", alice, at); /* c1 is now the most recent */
    /* written without an invalidation: c1's cached policy does not have it */
    put(f, "c1", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'alice','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'alice'}]}");
    DENY(f, "c3", alice, at); /* evicts c2, the least recently used */
    s = stats(f);
    assert_int_equal(s.clusters, 2);
    assert_int_equal(s.evictions, 1);
    assert_int_equal(s.loads, 3);
    DENY(f, "c1", alice, at); /* still cached */
    assert_int_equal(stats(f).loads, 3);
    DENY(f, "c2", alice, at);  /* loaded again; evicts c3 */
    DENY(f, "c4", alice, at);  /* evicts c1 */
    ALLOW(f, "c1", alice, at); /* read again: now with the binding */
    s = stats(f);
    assert_int_equal(s.loads, 6);
    assert_int_equal(s.evictions, 4);
    assert_int_equal(s.clusters, 2);

    kp_authz_set_max_clusters(f->az, 64);
    for (int i = 0; i < 100; i++) {
        snprintf(cl, sizeof(cl), "m%d", i);
        DENY(f, cl, alice, at);
    }
    assert_int_equal(stats(f).clusters, 64);
    kp_authz_set_max_clusters(f->az, 1);
    assert_int_equal(stats(f).clusters, 1);
}

/* Many threads check while the policy changes underneath and is invalidated. */
typedef struct {
    fx *f;
    int iters;
    int errors; /* results other than 0 and KP_EFORBIDDEN */
    int allowed;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    static const char *const clusters[] = {"t1", "t2", "t3"};
    const kp_authz_user *alice = USER("alice", "system:authenticated");
    kp_authz_attrs at = res("list", "", "pods", NULL, "dev", NULL);

    for (int i = 0; i < w->iters; i++) {
        const char *r = NULL;
        int rc = kp_authz_check(w->f->az, clusters[i % 3], alice, &at, &r);
        if (rc == 0)
            w->allowed++;
        else if (rc != KP_EFORBIDDEN)
            w->errors++;
        if (i % 50 == 0) {
            json_t *rr = NULL, *nrr = NULL;
            if (kp_authz_rules(&rr, &nrr, w->f->az, clusters[i % 3], alice, "dev") < 0)
                w->errors++;
            json_decref(rr);
            json_decref(nrr);
        }
    }
    return NULL;
}

static void test_concurrency(void **state)
{
    fx *f = *state;
    enum { NT = 8 };
    pthread_t th[NT];
    worker_arg args[NT];
    const kp_authz_user *alice = USER0("alice");
    kp_authz_attrs at = res("list", "", "pods", NULL, "dev", NULL);

    kp_authz_set_max_clusters(f->az, 2); /* eviction under load too */
    put_pod_reader(f, "t1");
    put_pod_reader(f, "t2");
    for (int i = 0; i < NT; i++) {
        args[i] = (worker_arg){f, 3000, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int round = 0; round < 20; round++) {
        kp_key k = {"t1", R_ROLEBINDING, "dev", "alice"};
        if (round % 2 == 0)
            put(f, "t1", R_ROLEBINDING,
                "{'kind':'RoleBinding','metadata':{'name':'alice','namespace':'dev'},"
                "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
                "'subjects':[{'kind':'User','name':'alice'}]}");
        else
            assert_rc(kp_store_delete(NULL, f->st, &k, 0), 0);
        kp_authz_invalidate(f->az, "t1");
        kp_authz_invalidate(f->az, "t2");
    }
    for (int i = 0; i < NT; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].errors, 0);
    }
    /* after the last write (a delete) and its invalidation, nobody sees the binding */
    DENY(f, "t1", alice, at);
    put(f, "t1", R_ROLEBINDING,
        "{'kind':'RoleBinding','metadata':{'name':'alice','namespace':'dev'},"
        "'roleRef':{'kind':'ClusterRole','name':'pod-reader'},"
        "'subjects':[{'kind':'User','name':'alice'}]}");
    kp_authz_invalidate(f->az, "t1");
    ALLOW(f, "t1", alice, at);
    assert_true(stats(f).clusters <= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_masters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rolebinding_role, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rolebinding_clusterrole, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_clusterrolebinding, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_subjects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_serviceaccount_subjects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_resource_names, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_subresources, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_wildcards, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_nonresource_urls, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_aggregation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cluster_isolation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_forbidden_messages, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rules_review, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_invalidation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lru_cap, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrency, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("authz", tests, group_setup, group_teardown);
}
