#include "lib/common.h"
#include "lib/httpc.h"
#include "lib/json.h"
#include "lib/kubeconfig.h"
#include "sync/syncer.h"
#include "tests/support/testlib.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* kp_httpc_stream and the syncer's HTTPS connection against a real kplane (bin/kplane serve
 * on a free port with its embedded PostgreSQL): watch events arrive line by line as objects
 * are created, a stop flag ends a quiet stream, a failing watch hands over its Status line,
 * a line past its cap is KP_ETOOLARGE, a callback stops the stream with its own code. */

static char *g_dir;
static pid_t g_pid;
static char *g_base; /* https://127.0.0.1:PORT/clusters/root */
static kp_kubeconfig_creds g_creds;
static char *g_kubeconfig; /* the file's text */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void req_init(kp_httpc_req *r, const char *url)
{
    memset(r, 0, sizeof(*r));
    r->url = url;
    r->ca_pem = g_creds.ca.p;
    r->ca_len = g_creds.ca.len;
    r->cert_pem = g_creds.cert.p;
    r->cert_len = g_creds.cert.len;
    r->key_pem = g_creds.key.p;
    r->key_len = g_creds.key.len;
}

static int group_setup(void **state)
{
    const char *bin = getenv("KPLANE_BIN");
    char *kc_path;
    kp_kubeconfig *kc = NULL;
    (void)state;

    if (!bin || access(bin, X_OK) != 0)
        bin = "bin/kplane";
    kp_httpc_global_init();
    g_dir = kp_test_tmpdir();
    g_pid = fork();
    if (g_pid == 0) {
        char *dd = kp_asprintf("%s/k", g_dir), *log = kp_asprintf("%s/k.log", g_dir);
        FILE *f = freopen(log, "w", stdout);
        (void)f;
        dup2(STDOUT_FILENO, STDERR_FILENO);
        execl(bin, bin, "serve", "--data-dir", dd, "--listen", "127.0.0.1:0",
              "--enable-syncer=false", (char *)NULL);
        _exit(127);
    }
    kc_path = kp_asprintf("%s/k/admin.kubeconfig", g_dir);
    for (int i = 0; i < 600; i++) { /* 60 s */
        kp_httpc_req r;
        kp_httpc_resp resp;
        char *url;
        int rc, status;
        if (access(kc_path, R_OK) == 0 && !kc) {
            if (kp_kubeconfig_load(&kc, kc_path) < 0 ||
                kp_kubeconfig_resolve(&g_creds, kc, NULL) < 0) {
                kp_kubeconfig_free(kc);
                kc = NULL;
                kp_kubeconfig_creds_dispose(&g_creds);
                kp_kubeconfig_creds_init(&g_creds);
            }
        }
        if (kc) {
            url = kp_asprintf("%s/api/v1/namespaces/default", g_creds.server);
            req_init(&r, url);
            kp_httpc_resp_init(&resp);
            rc = kp_httpc_do(&resp, &r);
            status = resp.status;
            kp_httpc_resp_dispose(&resp);
            free(url);
            if (rc == 0 && status == 200) /* the database answers */
                break;
            kp_err_clear();
        }
        usleep(100000);
    }
    assert_non_null(kc);
    g_base = kp_strdup(g_creds.server);
    {
        kp_buf b = KP_BUF_INIT(1 << 20);
        assert_int_equal(kp_buf_read_file(&b, kc_path), 0);
        g_kubeconfig = kp_strndup(b.p, b.len);
        kp_buf_dispose(&b);
    }
    kp_kubeconfig_free(kc);
    free(kc_path);
    return 0;
}

static int group_teardown(void **state)
{
    int st;
    (void)state;
    if (g_pid > 0) {
        kill(g_pid, SIGTERM);
        waitpid(g_pid, &st, 0);
    }
    kp_kubeconfig_creds_dispose(&g_creds);
    free(g_base);
    free(g_kubeconfig);
    kp_test_tmpdir_remove(g_dir);
    kp_httpc_global_cleanup();
    return 0;
}

static int create_cm(const char *ns, const char *name, size_t data_len)
{
    kp_httpc_req r;
    kp_httpc_resp resp;
    char *url = kp_asprintf("%s/api/v1/namespaces/%s/configmaps", g_base, ns);
    json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                            "metadata", "name", name);
    char *pad = kp_calloc(data_len + 1, 1), *body;
    size_t len;
    int rc, status;

    memset(pad, 'x', data_len);
    json_object_set_new(obj, "data", json_pack("{s:s}", "v", pad));
    body = kp_json_dump(obj, &len);
    req_init(&r, url);
    r.method = "POST";
    r.body = body;
    r.body_len = len;
    kp_httpc_resp_init(&resp);
    rc = kp_httpc_do(&resp, &r);
    status = resp.status;
    kp_httpc_resp_dispose(&resp);
    free(url);
    free(body);
    free(pad);
    json_decref(obj);
    return rc < 0 ? rc : status;
}

static int create_ns(const char *name)
{
    kp_httpc_req r;
    kp_httpc_resp resp;
    char *url = kp_asprintf("%s/api/v1/namespaces", g_base);
    char *body = kp_asprintf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                             "\"metadata\":{\"name\":\"%s\"}}",
                             name);
    int rc, status;
    req_init(&r, url);
    r.method = "POST";
    r.body = body;
    r.body_len = strlen(body);
    kp_httpc_resp_init(&resp);
    rc = kp_httpc_do(&resp, &r);
    status = resp.status;
    kp_httpc_resp_dispose(&resp);
    free(url);
    free(body);
    return rc < 0 ? rc : status;
}

/* ---- a watch, line by line ---- */

typedef struct {
    volatile int stop;
    int lines;
    int added;
    int bad_json;
    char names[8][32];
    int want;
} watch_state;

static int on_line(void *arg, const char *line, size_t len)
{
    watch_state *w = arg;
    json_t *ev = NULL;
    w->lines++;
    if (strlen(line) != len || kp_json_parse(&ev, line, len) < 0) {
        w->bad_json++;
        return 0;
    }
    if (strcmp(kp_json_get_str(ev, "type") ? kp_json_get_str(ev, "type") : "", "ADDED") == 0 &&
        w->added < 8) {
        snprintf(w->names[w->added], sizeof(w->names[0]), "%s",
                 kp_json_get_str(ev, "object.metadata.name"));
        w->added++;
        if (w->added >= w->want)
            w->stop = 1;
    }
    json_decref(ev);
    return 0;
}

typedef struct {
    watch_state *w;
    char *url;
    int rc, status;
    size_t cap;
    char msg[256]; /* the stream thread's error message */
} stream_arg;

static void *stream_thread(void *arg)
{
    stream_arg *a = arg;
    kp_httpc_req r;
    req_init(&r, a->url);
    r.body_max = a->cap;
    a->rc = kp_httpc_stream(&a->status, &r, on_line, a->w, &a->w->stop);
    snprintf(a->msg, sizeof(a->msg), "%s", kp_err_msg());
    return NULL;
}

static void test_watch_lines(void **state)
{
    watch_state w;
    stream_arg a;
    pthread_t t;
    (void)state;

    memset(&w, 0, sizeof(w));
    w.want = 3;
    assert_int_equal(create_ns("watch1"), 201);
    a.w = &w;
    a.cap = 0;
    a.url =
        kp_asprintf("%s/api/v1/namespaces/watch1/configmaps?watch=true&timeoutSeconds=30", g_base);
    assert_int_equal(pthread_create(&t, NULL, stream_thread, &a), 0);
    usleep(300000); /* the watch is open before the creates */
    assert_int_equal(create_cm("watch1", "one", 4), 201);
    assert_int_equal(create_cm("watch1", "two", 4), 201);
    assert_int_equal(create_cm("watch1", "three", 4), 201);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.status, 200);
    assert_int_equal(w.bad_json, 0);
    assert_int_equal(w.added, 3);
    assert_string_equal(w.names[0], "one"); /* in commit order */
    assert_string_equal(w.names[1], "two");
    assert_string_equal(w.names[2], "three");
    free(a.url);
}

static void *set_stop_later(void *arg)
{
    watch_state *w = arg;
    usleep(300000);
    w->stop = 1;
    return NULL;
}

static void test_stop_flag(void **state)
{
    watch_state w;
    kp_httpc_req r;
    pthread_t t;
    int status = 0, rc;
    int64_t t0;
    char *url = kp_asprintf("%s/api/v1/namespaces/default/secrets?watch=true", g_base);
    (void)state;

    memset(&w, 0, sizeof(w));
    w.want = 100;
    req_init(&r, url);
    assert_int_equal(pthread_create(&t, NULL, set_stop_later, &w), 0);
    t0 = mono_ms();
    rc = kp_httpc_stream(&status, &r, on_line, &w, &w.stop);
    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    assert_true(mono_ms() - t0 < 3000); /* a quiet stream ends within about a second */
    free(url);
}

static void test_error_status_line(void **state)
{
    watch_state w;
    kp_httpc_req r;
    int status = 0;
    char *url = kp_asprintf("%s/api/v1/namespaces/default/nosuchthings?watch=true", g_base);
    (void)state;

    memset(&w, 0, sizeof(w));
    w.want = 100;
    req_init(&r, url);
    assert_int_equal(kp_httpc_stream(&status, &r, on_line, &w, NULL), 0);
    assert_int_equal(status, 404);
    assert_true(w.lines >= 1); /* the Status, as a line */
    assert_int_equal(w.bad_json, 0);
    free(url);
}

static void test_line_cap(void **state)
{
    watch_state w;
    stream_arg a;
    pthread_t t;
    (void)state;

    memset(&w, 0, sizeof(w));
    w.want = 1;
    assert_int_equal(create_ns("watch2"), 201);
    assert_int_equal(create_cm("watch2", "big", 4096), 201);
    a.w = &w;
    a.cap = 1024;
    a.url =
        kp_asprintf("%s/api/v1/namespaces/watch2/configmaps?watch=true&timeoutSeconds=10", g_base);
    assert_int_equal(pthread_create(&t, NULL, stream_thread, &a), 0);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, KP_ETOOLARGE);
    assert_non_null(strstr(a.msg, "longer than 1024 bytes"));
    free(a.url);
}

static int stop_with_code(void *arg, const char *line, size_t len)
{
    (void)arg, (void)line, (void)len;
    return kp_err_set(KP_EINVALID, "seen enough");
}

static void test_callback_code(void **state)
{
    kp_httpc_req r;
    int status = 0;
    char *url =
        kp_asprintf("%s/api/v1/namespaces/watch1/configmaps?watch=true&timeoutSeconds=10", g_base);
    (void)state;
    req_init(&r, url);
    /* the three ConfigMaps of the first test come as ADDED events at once */
    assert_int_equal(kp_httpc_stream(&status, &r, stop_with_code, NULL, NULL), KP_EINVALID);
    assert_string_equal(kp_err_msg(), "seen enough");
    kp_err_clear();
    free(url);
}

static void test_unreachable(void **state)
{
    kp_httpc_req r;
    int status = 0;
    (void)state;
    req_init(&r, "https://127.0.0.1:1/api/v1/pods?watch=true");
    assert_int_equal(kp_httpc_stream(&status, &r, on_line, NULL, NULL), KP_EUNAVAILABLE);
    kp_err_clear();
}

/* ---- the syncer's connection: kubeconfig text -> requests and watches ---- */

static void test_sync_conn(void **state)
{
    kp_sync_conn *c = NULL, *host = NULL;
    json_t *out = NULL;
    watch_state w;
    (void)state;

    assert_int_equal(kp_sync_conn_kubeconfig(&c, g_kubeconfig, strlen(g_kubeconfig), false), 0);
    assert_string_equal(kp_sync_conn_ws(c), "root");
    assert_int_equal(kp_sync_conn_do(&out, c, "GET", "/api/v1/namespaces/default", NULL, NULL), 0);
    assert_string_equal(kp_json_get_str(out, "metadata.name"), "default");
    json_decref(out);
    out = NULL;
    assert_int_equal(kp_sync_conn_do(&out, c, "GET", "/api/v1/namespaces/nope", NULL, NULL),
                     KP_ENOTFOUND);
    kp_err_clear();
    json_decref(out);
    out = NULL;
    /* an apply creates, a second one updates the same object (no duplicate) */
    {
        json_t *cm =
            json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                      "metadata", "name", "applied", "namespace", "default", "data", "k", "v");
        const char *p = "/api/v1/namespaces/default/configmaps/applied?fieldManager=t&force=true";
        char *rv1;
        assert_int_equal(kp_sync_conn_do(&out, c, "PATCH", p, cm, "application/apply-patch+yaml"),
                         0);
        rv1 = kp_strdup(kp_json_get_str(out, "metadata.uid"));
        json_decref(out);
        out = NULL;
        assert_int_equal(kp_sync_conn_do(&out, c, "PATCH", p, cm, "application/apply-patch+yaml"),
                         0);
        assert_string_equal(kp_json_get_str(out, "metadata.uid"), rv1);
        free(rv1);
        json_decref(out);
        out = NULL;
        json_decref(cm);
    }
    /* host only: paths name the workspace */
    assert_int_equal(kp_sync_conn_kubeconfig(&host, g_kubeconfig, strlen(g_kubeconfig), true), 0);
    assert_int_equal(kp_sync_conn_do(&out, host, "GET",
                                     "/clusters/*/api/v1/configmaps?labelSelector=none", NULL,
                                     NULL),
                     0);
    assert_true(json_is_array(json_object_get(out, "items")));
    json_decref(out);
    memset(&w, 0, sizeof(w));
    w.want = 3;
    assert_int_equal(kp_sync_conn_watch(host,
                                        "/clusters/root/api/v1/namespaces/watch1/configmaps"
                                        "?watch=true&timeoutSeconds=10",
                                        on_line, &w, &w.stop),
                     0);
    assert_int_equal(w.added, 3);
    kp_sync_conn_free(c);
    kp_sync_conn_free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_lines),       cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_error_status_line), cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_callback_code),     cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_sync_conn),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("httpc_stream", tests, group_setup, group_teardown);
}
