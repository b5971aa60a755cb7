#include "lib/common.h"
#include "lib/kubeconfig.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/yaml.h"
#include "tests/support/testlib.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* A kubeconfig with what kubectl and other tools put there beyond what this module reads:
 * preferences, extensions, an exec plugin user, a namespace, an unknown top-level key. */
static const char KC_TEXT[] = "apiVersion: v1\n"
                              "kind: Config\n"
                              "preferences:\n"
                              "  colors: true\n"
                              "x-unknown-top: {keep: [1, 2.5, \"3\"]}\n"
                              "clusters:\n"
                              "- name: kplane\n"
                              "  cluster:\n"
                              "    server: https://127.0.0.1:6443/clusters/root\n"
                              "    certificate-authority-data: Q0EgUEVN\n" /* "CA PEM" */
                              "    extensions:\n"
                              "    - name: client.authentication.k8s.io/exec\n"
                              "      extension: {audience: kplane}\n"
                              "- name: other\n"
                              "  cluster:\n"
                              "    server: https://other.example:443\n"
                              "    insecure-skip-tls-verify: true\n"
                              "users:\n"
                              "- name: admin\n"
                              "  user:\n"
                              "    client-certificate-data: Q0VSVCBQRU0=\n" /* "CERT PEM" */
                              "    client-key-data: S0VZIFBFTQ==\n"         /* "KEY PEM" */
                              "- name: exec-user\n"
                              "  user:\n"
                              "    exec:\n"
                              "      apiVersion: client.authentication.k8s.io/v1\n"
                              "      command: get-token\n"
                              "      args: [--fast]\n"
                              "contexts:\n"
                              "- name: kplane\n"
                              "  context:\n"
                              "    cluster: kplane\n"
                              "    user: admin\n"
                              "    namespace: team-a\n"
                              "- name: other\n"
                              "  context:\n"
                              "    cluster: other\n"
                              "    user: exec-user\n"
                              "current-context: kplane\n";

static kp_kubeconfig *parse(const char *text, const char *path)
{
    kp_kubeconfig *kc = NULL;
    if (kp_kubeconfig_parse(&kc, text, strlen(text), path) < 0)
        fail_msg("parse failed: %s", kp_err_msg());
    return kc;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static const char *server_of(const kp_kubeconfig *kc, const char *cluster)
{
    return json_string_value(json_object_get(kp_kubeconfig_get_cluster(kc, cluster), "server"));
}

static const char *cluster_of(const kp_kubeconfig *kc, const char *context)
{
    return json_string_value(json_object_get(kp_kubeconfig_get_context(kc, context), "cluster"));
}

/* The server URL the current context points at. */
static const char *current_server(const kp_kubeconfig *kc)
{
    return server_of(kc, cluster_of(kc, kp_kubeconfig_get_current_context(kc)));
}

/* clusters[].cluster.extensions[0].extension.audience; borrowed, or NULL */
static const char *ext_audience(const json_t *cluster)
{
    json_t *ext = json_array_get(json_object_get(cluster, "extensions"), 0);
    return kp_json_get_str(ext, "extension.audience");
}

static void test_roundtrip_keeps_unknown_fields(void **state)
{
    (void)state;
    char *dir = kp_test_tmpdir();
    char *path = kp_asprintf("%s/config", dir);
    json_t *want = NULL;
    kp_kubeconfig *kc, *again = NULL;
    struct stat st;

    assert_int_equal(kp_yaml_parse(&want, KC_TEXT, strlen(KC_TEXT)), 0);
    write_file(path, KC_TEXT, 0644);
    assert_int_equal(kp_kubeconfig_load(&kc, path), 0);
    assert_string_equal(kp_kubeconfig_get_path(kc), path);
    assert_int_equal(kp_kubeconfig_save(kc), 0);
    assert_int_equal(kp_kubeconfig_load(&again, path), 0);
    assert_true(json_equal(kp_kubeconfig_get_doc(again), want));
    /* a kubeconfig holds keys: the saved file is the owner's alone */
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    kp_kubeconfig_free(again);
    again = NULL;

    /* a change to one entry leaves every other field alone */
    kp_kubeconfig_use_server(kc, NULL, "https://127.0.0.1:6443/clusters/root:org");
    assert_int_equal(kp_kubeconfig_save(kc), 0);
    assert_int_equal(kp_kubeconfig_load(&again, path), 0);
    json_t *doc = kp_kubeconfig_get_doc(again);
    assert_true(
        json_equal(json_object_get(doc, "preferences"), json_object_get(want, "preferences")));
    assert_true(
        json_equal(json_object_get(doc, "x-unknown-top"), json_object_get(want, "x-unknown-top")));
    assert_true(json_equal(json_object_get(doc, "users"), json_object_get(want, "users")));
    assert_string_equal(ext_audience(kp_kubeconfig_get_cluster(again, "kplane")), "kplane");
    /* the copied cluster keeps its extensions and CA, the context its namespace */
    assert_string_equal(ext_audience(kp_kubeconfig_get_cluster(again, KP_KUBECONFIG_WS_CURRENT)),
                        "kplane");
    assert_string_equal(
        kp_json_get_str(kp_kubeconfig_get_context(again, KP_KUBECONFIG_WS_CURRENT), "namespace"),
        "team-a");

    /* no temporary file is left behind */
    DIR *d = opendir(dir);
    struct dirent *de;
    int files = 0;
    assert_non_null(d);
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            files++;
    closedir(d);
    assert_int_equal(files, 1);

    json_decref(want);
    kp_kubeconfig_free(kc);
    kp_kubeconfig_free(again);
    free(path);
    kp_test_tmpdir_remove(dir);
}

static void test_save_through_symlink(void **state)
{
    (void)state;
    char *dir = kp_test_tmpdir();
    char *real = kp_asprintf("%s/real-config", dir), *link = kp_asprintf("%s/config", dir);
    kp_kubeconfig *kc;
    struct stat st;

    write_file(real, KC_TEXT, 0600);
    assert_int_equal(symlink(real, link), 0);
    assert_int_equal(kp_kubeconfig_load(&kc, link), 0);
    kp_kubeconfig_set_current_context(kc, "other");
    assert_int_equal(kp_kubeconfig_save(kc), 0);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    kp_kubeconfig_free(kc);
    assert_int_equal(kp_kubeconfig_load(&kc, real), 0);
    assert_string_equal(kp_kubeconfig_get_current_context(kc), "other");
    kp_kubeconfig_free(kc);
    free(real);
    free(link);
    kp_test_tmpdir_remove(dir);
}

static void test_load_errors(void **state)
{
    (void)state;
    char *dir = kp_test_tmpdir();
    char *path = kp_asprintf("%s/config", dir);
    kp_kubeconfig *kc = NULL;

    assert_int_equal(kp_kubeconfig_load(&kc, path), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "does not exist"));
    write_file(path, "- a\n- b\n", 0600);
    assert_int_equal(kp_kubeconfig_load(&kc, path), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "not a mapping"));
    write_file(path, "a: [\n", 0600);
    assert_int_equal(kp_kubeconfig_load(&kc, path), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), path));
    write_file(path, "a: 1\n---\nb: 2\n", 0600);
    assert_int_equal(kp_kubeconfig_load(&kc, path), KP_EBADREQUEST);
    /* an empty file is an empty kubeconfig */
    write_file(path, "# nothing yet\n", 0600);
    assert_int_equal(kp_kubeconfig_load(&kc, path), 0);
    assert_null(kp_kubeconfig_get_current_context(kc));
    kp_kubeconfig_creds creds;
    kp_kubeconfig_creds_init(&creds);
    assert_int_equal(kp_kubeconfig_resolve(&creds, kc, NULL), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "current-context is not set"));
    kp_kubeconfig_creds_dispose(&creds);
    kp_kubeconfig_free(kc);
    free(path);
    kp_test_tmpdir_remove(dir);
}

static void test_default_path(void **state)
{
    (void)state;
    char *p = NULL;
    const char *old_kc = getenv("KUBECONFIG"), *old_home = getenv("HOME");
    char *save_kc = kp_strdup(old_kc), *save_home = kp_strdup(old_home);

    assert_int_equal(kp_kubeconfig_default_path(&p, "/flag/config"), 0);
    assert_string_equal(p, "/flag/config");
    free(p);
    setenv("KUBECONFIG", ":/first/config:/second/config", 1);
    assert_int_equal(kp_kubeconfig_default_path(&p, NULL), 0);
    assert_string_equal(p, "/first/config");
    free(p);
    assert_int_equal(kp_kubeconfig_default_path(&p, ""), 0);
    assert_string_equal(p, "/first/config");
    free(p);
    unsetenv("KUBECONFIG");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(kp_kubeconfig_default_path(&p, NULL), 0);
    assert_string_equal(p, "/home/someone/.kube/config");
    free(p);
    unsetenv("HOME");
    assert_int_equal(kp_kubeconfig_default_path(&p, NULL), KP_ENOTFOUND);

    if (save_kc)
        setenv("KUBECONFIG", save_kc, 1);
    if (save_home)
        setenv("HOME", save_home, 1);
    free(save_kc);
    free(save_home);
}

static void test_resolve_base64_data(void **state)
{
    (void)state;
    kp_kubeconfig *kc = parse(KC_TEXT, "/nonexistent/config");
    kp_kubeconfig_creds c;

    kp_kubeconfig_creds_init(&c);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, NULL), 0);
    assert_string_equal(c.context, "kplane");
    assert_string_equal(c.cluster, "kplane");
    assert_string_equal(c.user, "admin");
    assert_string_equal(c.server, "https://127.0.0.1:6443/clusters/root");
    assert_int_equal(c.ca.len, 6);
    assert_memory_equal(c.ca.p, "CA PEM", 6);
    assert_int_equal(c.cert.len, 8);
    assert_memory_equal(c.cert.p, "CERT PEM", 8);
    assert_int_equal(c.key.len, 7);
    assert_memory_equal(c.key.p, "KEY PEM", 7);
    assert_null(c.token);
    assert_false(c.insecure);
    kp_kubeconfig_creds_dispose(&c);

    /* another context: insecure, a user with nothing this module reads (exec) */
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, "other"), 0);
    assert_string_equal(c.server, "https://other.example:443");
    assert_true(c.insecure);
    assert_int_equal(c.ca.len, 0);
    assert_int_equal(c.cert.len, 0);
    assert_null(c.token);
    kp_kubeconfig_creds_dispose(&c);

    assert_int_equal(kp_kubeconfig_resolve(&c, kc, "missing"), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "context \"missing\" not found"));
    kp_kubeconfig_creds_dispose(&c);
    kp_kubeconfig_free(kc);

    /* base64 split over lines (as Go's decoder accepts), and bad base64 */
    kc = parse("clusters:\n- name: c\n  cluster:\n    server: https://h\n"
               "    certificate-authority-data: \"Q0Eg\\nUEVN\"\n"
               "users:\n- name: u\n  user:\n    client-key-data: '!!!'\n"
               "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
               "- name: ctx-nobody\n  context: {cluster: c, user: nobody}\n"
               "- name: ctx-gone\n  context: {cluster: gone}\n"
               "current-context: x\n",
               NULL);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, NULL), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "client-key-data of user \"u\""));
    /* the message never echoes the key */
    assert_null(strstr(kp_err_msg(), "!!!"));
    kp_kubeconfig_creds_dispose(&c);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, "ctx-nobody"), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "user \"nobody\" not found"));
    kp_kubeconfig_creds_dispose(&c);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, "ctx-gone"), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "cluster \"gone\" not found"));
    kp_kubeconfig_creds_dispose(&c);
    kp_kubeconfig_free(kc);

    kc = parse("clusters:\n- name: c\n  cluster:\n    server: https://h\n"
               "    certificate-authority-data: \"Q0Eg\\nUEVN\"\n"
               "contexts:\n- name: x\n  context: {cluster: c}\n"
               "current-context: x\n",
               NULL);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, NULL), 0);
    assert_int_equal(c.ca.len, 6);
    assert_memory_equal(c.ca.p, "CA PEM", 6);
    assert_null(c.user);
    kp_kubeconfig_creds_dispose(&c);
    kp_kubeconfig_free(kc);
}

static void test_resolve_files(void **state)
{
    (void)state;
    char *dir = kp_test_tmpdir();
    char *sub = kp_asprintf("%s/kube", dir), *path = kp_asprintf("%s/kube/config", dir);
    char *cert = kp_asprintf("%s/abs-cert.pem", dir), *key = kp_asprintf("%s/kube/key.pem", dir);
    char *ca = kp_asprintf("%s/kube/ca.crt", dir), *tok = kp_asprintf("%s/kube/token", dir);
    char *text;
    kp_kubeconfig *kc;
    kp_kubeconfig_creds c;

    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(ca, "FILE CA", 0600);
    write_file(cert, "FILE CERT", 0600);
    write_file(key, "FILE KEY", 0600);
    write_file(tok, "  tok-from-file\n", 0600);
    /* relative names are relative to the kubeconfig's directory, as kubectl reads them */
    text = kp_asprintf("clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                       "    certificate-authority: ca.crt\n"
                       "users:\n- name: u\n  user:\n    client-certificate: %s\n"
                       "    client-key: key.pem\n    tokenFile: token\n"
                       "- name: t\n  user: {token: inline-token}\n"
                       "- name: m\n  user: {client-key: missing.pem}\n"
                       "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                       "- name: inline\n  context: {cluster: c, user: t}\n"
                       "- name: missing\n  context: {cluster: c, user: m}\n"
                       "current-context: x\n",
                       cert);
    write_file(path, text, 0600);
    assert_int_equal(kp_kubeconfig_load(&kc, path), 0);
    kp_kubeconfig_creds_init(&c);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, NULL), 0);
    assert_string_equal(kp_buf_cstr(&c.ca), "FILE CA");
    assert_string_equal(kp_buf_cstr(&c.cert), "FILE CERT");
    assert_string_equal(kp_buf_cstr(&c.key), "FILE KEY");
    assert_string_equal(c.token, "tok-from-file");
    kp_kubeconfig_creds_dispose(&c);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, "inline"), 0);
    assert_string_equal(c.token, "inline-token");
    kp_kubeconfig_creds_dispose(&c);
    assert_int_equal(kp_kubeconfig_resolve(&c, kc, "missing"), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "client-key of user \"m\""));
    kp_kubeconfig_creds_dispose(&c);

    kp_kubeconfig_free(kc);
    free(text);
    free(sub);
    free(path);
    free(cert);
    free(key);
    free(ca);
    free(tok);
    kp_test_tmpdir_remove(dir);
}

static void test_ws_path_valid(void **state)
{
    (void)state;
    assert_true(kp_kubeconfig_ws_path_valid("root"));
    assert_true(kp_kubeconfig_ws_path_valid("root:org:team-1"));
    assert_true(kp_kubeconfig_ws_path_valid("system:admin"));
    assert_false(kp_kubeconfig_ws_path_valid(""));
    assert_false(kp_kubeconfig_ws_path_valid(NULL));
    assert_false(kp_kubeconfig_ws_path_valid(":root"));
    assert_false(kp_kubeconfig_ws_path_valid("root:"));
    assert_false(kp_kubeconfig_ws_path_valid("root::org"));
    assert_false(kp_kubeconfig_ws_path_valid("Root"));
    assert_false(kp_kubeconfig_ws_path_valid("root:-org"));
    assert_false(kp_kubeconfig_ws_path_valid("root:org-"));
    assert_false(kp_kubeconfig_ws_path_valid("root/org"));
    assert_false(kp_kubeconfig_ws_path_valid("root:.."));
}

static void test_server_path_rewrite(void **state)
{
    (void)state;
    char *base = NULL, *ws = NULL, *s;

    assert_int_equal(
        kp_kubeconfig_split_server(&base, &ws, "https://127.0.0.1:6443/clusters/root:org"), 0);
    assert_string_equal(base, "https://127.0.0.1:6443");
    assert_string_equal(ws, "root:org");
    free(base);
    free(ws);
    /* a proxy prefix before /clusters/ and anything after the workspace */
    assert_int_equal(
        kp_kubeconfig_split_server(&base, &ws, "https://[::1]:443/proxy/clusters/root/api?x=1"), 0);
    assert_string_equal(base, "https://[::1]:443/proxy");
    assert_string_equal(ws, "root");
    free(base);
    free(ws);
    assert_int_equal(kp_kubeconfig_split_server(NULL, NULL, "https://h:6443"), KP_ENOTFOUND);
    assert_string_equal(kp_err_msg(),
                        "current URL \"https://h:6443\" does not point to a workspace");
    assert_int_equal(kp_kubeconfig_split_server(NULL, NULL, "https://h/x?q=/clusters/root"),
                     KP_ENOTFOUND);
    assert_int_equal(kp_kubeconfig_split_server(NULL, NULL, "https://h/clusters/Bad_Name"),
                     KP_EBADREQUEST);

    s = kp_kubeconfig_server_for("https://127.0.0.1:6443/clusters/root", "root:org:team");
    assert_string_equal(s, "https://127.0.0.1:6443/clusters/root:org:team");
    free(s);
    s = kp_kubeconfig_server_for("https://h:1/proxy/clusters/root:org/", "root");
    assert_string_equal(s, "https://h:1/proxy/clusters/root");
    free(s);
    s = kp_kubeconfig_server_for("https://h:1", "root:a");
    assert_string_equal(s, "https://h:1/clusters/root:a");
    free(s);
    s = kp_kubeconfig_server_for("https://h:1/base/", "root");
    assert_string_equal(s, "https://h:1/base/clusters/root");
    free(s);
}

static void test_use_and_previous(void **state)
{
    (void)state;
    kp_kubeconfig *kc = parse(KC_TEXT, NULL);
    const char *cur = KP_KUBECONFIG_WS_CURRENT, *prev = KP_KUBECONFIG_WS_PREVIOUS;

    /* no previous yet */
    assert_int_equal(kp_kubeconfig_use_previous(kc, NULL), KP_ENOTFOUND);
    assert_string_equal(kp_err_msg(), "no previous workspace found in kubeconfig");

    /* first switch: the user's context stays as it was and becomes "previous" */
    assert_int_equal(kp_kubeconfig_use_server(kc, NULL, "https://127.0.0.1:6443/clusters/root:org"),
                     0);
    assert_string_equal(kp_kubeconfig_get_current_context(kc), cur);
    assert_string_equal(current_server(kc), "https://127.0.0.1:6443/clusters/root:org");
    assert_string_equal(server_of(kc, "kplane"), "https://127.0.0.1:6443/clusters/root");
    assert_string_equal(cluster_of(kc, prev), "kplane");
    assert_string_equal(
        json_string_value(json_object_get(kp_kubeconfig_get_context(kc, cur), "user")), "admin");
    /* the CA travels with the copied cluster */
    assert_string_equal(
        kp_json_get_str(kp_kubeconfig_get_cluster(kc, cur), "certificate-authority-data"),
        "Q0EgUEVN");

    /* second switch: "previous" now needs its own cluster entry for root:org */
    assert_int_equal(
        kp_kubeconfig_use_server(kc, NULL, "https://127.0.0.1:6443/clusters/root:org:team"), 0);
    assert_string_equal(current_server(kc), "https://127.0.0.1:6443/clusters/root:org:team");
    assert_string_equal(cluster_of(kc, prev), prev);
    assert_string_equal(server_of(kc, prev), "https://127.0.0.1:6443/clusters/root:org");

    /* "-" swaps, twice gets back */
    assert_int_equal(kp_kubeconfig_use_previous(kc, NULL), 0);
    assert_string_equal(kp_kubeconfig_get_current_context(kc), cur);
    assert_string_equal(current_server(kc), "https://127.0.0.1:6443/clusters/root:org");
    assert_string_equal(server_of(kc, cluster_of(kc, prev)),
                        "https://127.0.0.1:6443/clusters/root:org:team");
    assert_int_equal(kp_kubeconfig_use_previous(kc, NULL), 0);
    assert_string_equal(current_server(kc), "https://127.0.0.1:6443/clusters/root:org:team");
    assert_string_equal(server_of(kc, cluster_of(kc, prev)),
                        "https://127.0.0.1:6443/clusters/root:org");

    /* from a plain context back to the workspace one, then "-" returns to the plain one */
    kp_kubeconfig_set_current_context(kc, "other");
    assert_int_equal(kp_kubeconfig_use_previous(kc, NULL), 0);
    assert_string_equal(kp_kubeconfig_get_current_context(kc), cur);
    assert_string_equal(current_server(kc), "https://127.0.0.1:6443/clusters/root:org");
    assert_string_equal(cluster_of(kc, prev), "other");
    assert_int_equal(kp_kubeconfig_use_previous(kc, NULL), 0);
    assert_string_equal(current_server(kc), "https://other.example:443");
    assert_string_equal(cluster_of(kc, cur), "other");

    /* the entries are replaced in place: one item per name */
    json_t *contexts = json_object_get(kp_kubeconfig_get_doc(kc), "contexts");
    assert_int_equal(json_array_size(contexts), 4);
    json_t *clusters = json_object_get(kp_kubeconfig_get_doc(kc), "clusters");
    assert_int_equal(json_array_size(clusters), 4);

    /* an explicit context instead of the current one; errors for a missing one */
    assert_int_equal(kp_kubeconfig_use_server(kc, "kplane", "https://127.0.0.1:6443/clusters/x"),
                     0);
    assert_string_equal(current_server(kc), "https://127.0.0.1:6443/clusters/x");
    assert_string_equal(cluster_of(kc, prev), "kplane");
    assert_int_equal(kp_kubeconfig_use_server(kc, "nope", "https://h/clusters/x"), KP_ENOTFOUND);
    kp_kubeconfig_free(kc);

    kc = parse("contexts:\n- name: a\n  context: {cluster: missing}\ncurrent-context: a\n", NULL);
    assert_int_equal(kp_kubeconfig_use_server(kc, NULL, "https://h/clusters/root"), KP_ENOTFOUND);
    assert_string_equal(kp_err_msg(), "cluster \"missing\" not found in kubeconfig");
    kp_kubeconfig_free(kc);
}

static void test_set_entries(void **state)
{
    (void)state;
    kp_kubeconfig *kc = parse("apiVersion: v1\nkind: Config\n", NULL);
    kp_buf out = KP_BUF_INIT(1 << 20);
    json_t *doc = NULL;

    kp_kubeconfig_set_cluster_take(kc, "c", json_pack("{s:s}", "server", "https://h"));
    kp_kubeconfig_set_context_take(kc, "x", json_pack("{s:s}", "cluster", "c"));
    kp_kubeconfig_set_current_context(kc, "x");
    kp_kubeconfig_set_cluster_take(kc, "c", json_pack("{s:s}", "server", "https://h2"));
    assert_string_equal(server_of(kc, "c"), "https://h2");
    assert_int_equal(json_array_size(json_object_get(kp_kubeconfig_get_doc(kc), "clusters")), 1);
    assert_int_equal(kp_kubeconfig_emit(&out, kc), 0);
    assert_int_equal(kp_yaml_parse(&doc, out.p, out.len), 0);
    assert_true(json_equal(doc, kp_kubeconfig_get_doc(kc)));
    json_decref(doc);
    kp_buf_dispose(&out);
    kp_kubeconfig_free(kc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_keeps_unknown_fields),
        cmocka_unit_test(test_save_through_symlink),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_resolve_base64_data),
        cmocka_unit_test(test_resolve_files),
        cmocka_unit_test(test_ws_path_valid),
        cmocka_unit_test(test_server_path_rewrite),
        cmocka_unit_test(test_use_and_previous),
        cmocka_unit_test(test_set_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
