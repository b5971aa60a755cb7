#include "lib/common.h"
#include "gitops/render.h"
#include "gitops/git.h"
#include "lib/err.h"
#include "lib/json.h"
#include "tests/support/testlib.h"

#include <stdlib.h>
#include <regex.h>

/* Rendering a Sync's files: plain YAML/JSON and the kustomize subset, with errors that name the
 * file, the document and the field; and gitops/git.c on a repository made with real git. */

static void add(kp_render_files *fs, const char *path, const char *text)
{
    assert_int_equal(kp_render_files_add(fs, path, text, strlen(text)), 0);
}

static const char *name_at(const json_t *items, size_t i)
{
    return kp_json_get_str(json_object_get(json_array_get(items, i), "object"), "metadata.name");
}

static void assert_matches(const char *s, const char *re)
{
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    if (regexec(&r, s, 0, NULL, 0) != 0)
        fail_msg("\"%s\" does not match /%s/", s, re);
    regfree(&r);
}

static void test_plain(void **state)
{
    kp_render_files fs;
    json_t *items = NULL;
    (void)state;
    memset(&fs, 0, sizeof(fs));
    add(&fs, "deploy/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# only a comment\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
    add(&fs, "deploy/README.md", "not yaml: [");
    add(&fs, "deploy/sub/c.json",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"c\"}}");
    add(&fs, "other/d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n");
    assert_int_equal(kp_render(&items, &fs, "./deploy/"), 0);
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(name_at(items, 0), "a");
    assert_string_equal(name_at(items, 1), "b");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "index")), 2);
    assert_string_equal(name_at(items, 2), "c");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2), "file")),
                        "deploy/sub/c.json");
    json_decref(items);
    items = NULL;
    assert_int_equal(kp_render(&items, &fs, ""), 0);
    assert_int_equal(json_array_size(items), 4);
    json_decref(items);

    kp_render_files_dispose(&fs);
    add(&fs, "l.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, "
        "metadata: {name: x}}\n- {apiVersion: v1, kind: Secret, metadata: {name: s2}}\n");
    if (kp_render(&items, &fs, ".") < 0)
        fail_msg("%s", kp_err_msg());
    assert_int_equal(json_array_size(items), 2); /* a List is read as its items */
    assert_string_equal(name_at(items, 1), "s2");
    json_decref(items);
    items = NULL;
    add(&fs, "deploy/bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
        "apiVersion: v1\nmetadata: {name: y}\n");
    assert_int_equal(kp_render(&items, &fs, "deploy"), KP_EINVALID);
    assert_string_equal(kp_err_msg(), "deploy/bad.yaml: document 2: kind not set");
    assert_int_equal(kp_render(&items, &fs, "../x"), KP_EINVALID);
    kp_render_files_dispose(&fs);
}

static void test_kustomize(void **state)
{
    kp_render_files fs;
    json_t *items = NULL, *dep = NULL, *cm = NULL;
    size_t i;
    json_t *it;
    (void)state;
    memset(&fs, 0, sizeof(fs));
    add(&fs, "base/kustomization.yaml",
        "resources: [web.yaml]\nconfigMapGenerator:\n- name: cfg\n  literals: [a=1]\n");
    add(&fs, "base/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec:\n      containers:\n      - {name: c, image: 'reg.io/nginx:1.0'}\n"
        "      volumes: [{name: v, configMap: {name: cfg}}]\n");
    add(&fs, "prod/kustomization.yaml",
        "resources: [../base]\nnamespace: prod\nnamePrefix: prod-\n"
        "labels: [{pairs: {team: a}, includeSelectors: false}]\ncommonAnnotations: {x: z}\n"
        "images: [{name: reg.io/nginx, newName: mirror/nginx, newTag: '2.0'}]\n"
        "patches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n"
        "    metadata: {name: web}\n    spec: {replicas: 4}\n");
    if (kp_render(&items, &fs, "prod") < 0)
        fail_msg("%s", kp_err_msg());
    json_array_foreach(items, i, it)
    {
        json_t *o = json_object_get(it, "object");
        if (strcmp(kp_json_get_str(o, "kind"), "Deployment") == 0)
            dep = o;
        else
            cm = o;
    }
    assert_non_null(dep);
    assert_non_null(cm);
    assert_string_equal(kp_json_get_str(dep, "metadata.name"), "prod-web");
    assert_string_equal(kp_json_get_str(dep, "metadata.namespace"), "prod");
    assert_string_equal(kp_json_get_str(dep, "metadata.labels.team"), "a");
    assert_null(kp_json_get(dep, "spec.selector.matchLabels.team")); /* includeSelectors false */
    assert_string_equal(kp_json_get_str(dep, "metadata.annotations.x"), "z");
    assert_int_equal(json_integer_value(kp_json_get(dep, "spec.replicas")), 4);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(kp_json_get(dep, "spec.template.spec.containers"), 0), "image")),
        "mirror/nginx:2.0");
    assert_matches(kp_json_get_str(cm, "metadata.name"), "^prod-cfg-[a-z0-9]{10}$");
    assert_string_equal(
        json_string_value(kp_json_get(
            json_array_get(kp_json_get(dep, "spec.template.spec.volumes"), 0), "configMap.name")),
        kp_json_get_str(cm, "metadata.name"));
    json_decref(items);
    items = NULL;

    add(&fs, "bad/kustomization.yaml", "resources: []\nhelmCharts: []\n");
    assert_int_equal(kp_render(&items, &fs, "bad"), KP_EINVALID);
    assert_string_equal(kp_err_msg(), "bad/kustomization.yaml: field \"helmCharts\" is not "
                                      "supported by kplane's kustomize subset");
    add(&fs, "sel/kustomization.yaml",
        "resources: [../base/web.yaml]\npatches:\n- target: {labelSelector: app=web}\n"
        "  patch: '[{op: add, path: /x, value: 1}]'\n");
    assert_int_equal(kp_render(&items, &fs, "sel"), KP_EINVALID);
    assert_string_equal(kp_err_msg(), "sel/kustomization.yaml: patches[0]: target field "
                                      "\"labelSelector\" is not supported");
    add(&fs, "esc/kustomization.yaml", "resources: [../../outside.yaml]\n");
    assert_int_equal(kp_render(&items, &fs, "esc"), KP_EINVALID);
    assert_matches(kp_err_msg(), "leaves the repository");
    add(&fs, "loop/kustomization.yaml", "resources: [.]\n");
    assert_int_equal(kp_render(&items, &fs, "loop"), KP_EINVALID);
    assert_string_equal(kp_err_msg(), "loop: the kustomization includes itself");
    kp_render_files_dispose(&fs);
    add(&fs, "up/kustomization.yaml", "resources: [../]\n"); /* the root renders up again */
    assert_int_equal(kp_render(&items, &fs, "up"), KP_EINVALID);
    assert_string_equal(kp_err_msg(), "up: the kustomization includes itself");
    kp_render_files_dispose(&fs);
}

static int collect(void *arg, const char *path, const char *data, size_t len)
{
    return kp_render_files_add(arg, path, data, len);
}

static void test_git(void **state)
{
    char *dir = kp_test_tmpdir();
    char cmd[4096], sha[41], sha2[41];
    const char *branch = NULL;
    kp_git_repo *r = NULL;
    kp_render_files fs;
    (void)state;
    memset(&fs, 0, sizeof(fs));
    snprintf(cmd, sizeof(cmd),
             "cd %s && git init -q --bare -b main src.git && git init -q -b main w && cd w && "
             "mkdir -p d/e && echo 'kind: A' > d/a.yaml && echo b > d/e/b.yaml && git add -A && "
             "git -c user.name=t -c user.email=t@t commit -qm one && git tag v1 && "
             "git push -q ../src.git main v1 && git rev-parse HEAD > ../sha",
             dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/mirror.git", dir);
    assert_int_equal(kp_git_open(&r, cmd), 0);
    snprintf(cmd, sizeof(cmd), "file://%s/src.git", dir);
    assert_int_equal(kp_git_fetch(r, cmd, NULL), 0);
    assert_int_equal(kp_git_resolve(sha, &branch, r, NULL, NULL, NULL), 0);
    assert_string_equal(branch, "main");
    assert_int_equal(kp_git_resolve(sha2, NULL, r, NULL, "v1", NULL), 0);
    assert_string_equal(sha, sha2);
    assert_int_equal(kp_git_resolve(sha2, NULL, r, NULL, NULL, sha), 0);
    assert_int_equal(kp_git_resolve(sha2, NULL, r, "nope", NULL, NULL), KP_ENOTFOUND);
    assert_int_equal(kp_git_read_tree(r, sha, "./d", 1 << 20, collect, &fs), 0);
    assert_int_equal(fs.n, 2);
    assert_string_equal(fs.v[0].path, "d/a.yaml");
    assert_string_equal(fs.v[0].data, "kind: A\n");
    assert_string_equal(fs.v[1].path, "d/e/b.yaml");
    assert_int_equal(kp_git_read_tree(r, sha, "x", 1 << 20, collect, &fs), KP_ENOTFOUND);
    assert_int_equal(kp_git_read_tree(r, sha, "", 4, collect, &fs), KP_ETOOLARGE);
    /* a force-push: the mirror follows the rewritten branch */
    snprintf(cmd, sizeof(cmd),
             "cd %s/w && echo c > d/c.yaml && git add -A && "
             "git -c user.name=t -c user.email=t@t commit -q --amend -m two && "
             "git push -q -f ../src.git main",
             dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "file://%s/src.git", dir);
    assert_int_equal(kp_git_fetch(r, cmd, NULL), 0);
    assert_int_equal(kp_git_resolve(sha2, NULL, r, "main", NULL, NULL), 0);
    assert_string_not_equal(sha, sha2);
    snprintf(cmd, sizeof(cmd), "file://%s/none.git", dir);
    assert_int_equal(kp_git_fetch(r, cmd, NULL), KP_EUNAVAILABLE);
    kp_git_repo_free(r);
    kp_render_files_dispose(&fs);
    kp_test_tmpdir_remove(dir);
}

static void test_known_hosts(void **state)
{
    /* the raw key is the base64 of the line, decoded */
    static const unsigned char key[] = {0,   0,   0,   11,  's', 's', 'h', '-', 'e', 'd',
                                        '2', '5', '5', '1', '9', 1,   2,   3,   4};
    const char *kh = "# comment\n"
                     "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AQIDBA==\n"
                     "git.example,10.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AQIDBA== comment\n"
                     "[git.port]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AQIDBA==\n";
    (void)state;
    assert_true(kp_git_known_hosts_match(kh, "git.example", key, sizeof(key)));
    assert_true(kp_git_known_hosts_match(kh, "10.0.0.1", key, sizeof(key)));
    assert_true(kp_git_known_hosts_match(kh, "git.port", key, sizeof(key)));
    assert_false(kp_git_known_hosts_match(kh, "evil.example", key, sizeof(key)));
    assert_false(kp_git_known_hosts_match(kh, "git.example", key, sizeof(key) - 1));
    assert_false(kp_git_known_hosts_match("", "git.example", key, sizeof(key)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_kustomize),
        cmocka_unit_test(test_git),
        cmocka_unit_test(test_known_hosts),
    };
    kp_git_global_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
