#include "lib/common.h"
#include "sync/syncer.h"
#include "lib/json.h"
#include "lib/kubeconfig.h"

#include <pthread.h>

/* A call downstream waits at most this long: a slow cluster delays only its own queue. */
#define CONN_TIMEOUT_MS 15000
#define CONN_CONNECT_MS 3000

struct kp_sync_conn {
    kp_client *client; /* in process, or NULL */
    kp_kubeconfig_creds creds;
    char *base; /* HTTPS: scheme://host:port[/path] with no trailing '/' */
    char *ws;   /* the workspace path of the server URL, or NULL */
    /* kept-alive connections for the thread that holds mu (the syncer's worker); a caller
     * that finds it taken (a watch thread's list) makes its own connection */
    pthread_mutex_t mu;
    kp_httpc_session *sess; /* guarded by mu */
};

kp_sync_conn *kp_sync_conn_client(kp_client *c)
{
    kp_sync_conn *s = kp_calloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    kp_kubeconfig_creds_init(&s->creds);
    s->client = c;
    return s;
}

int kp_sync_conn_kubeconfig(kp_sync_conn **out, const char *text, size_t len, bool host_only)
{
    kp_kubeconfig *kc = NULL;
    kp_sync_conn *s = kp_calloc(1, sizeof(*s));
    char *base = NULL, *ws = NULL;
    int rc;

    kp_kubeconfig_creds_init(&s->creds);
    pthread_mutex_init(&s->mu, NULL);
    s->sess = kp_httpc_session_new();
    if ((rc = kp_kubeconfig_parse(&kc, text, len, NULL)) < 0 ||
        (rc = kp_kubeconfig_resolve(&s->creds, kc, NULL)) < 0)
        goto out;
    if (kp_kubeconfig_split_server(&base, &ws, s->creds.server) < 0) {
        kp_err_clear();
        free(base);
        base = NULL;
    }
    if (host_only && base) {
        s->base = base;
        base = NULL;
    } else {
        size_t n = strlen(s->creds.server);
        while (n && s->creds.server[n - 1] == '/')
            n--;
        s->base = kp_strndup(s->creds.server, n);
    }
    s->ws = ws;
    ws = NULL;
    *out = s;
    s = NULL;
out:
    free(base);
    free(ws);
    kp_kubeconfig_free(kc);
    kp_sync_conn_free(s);
    return rc;
}

void kp_sync_conn_free(kp_sync_conn *c)
{
    if (!c)
        return;
    kp_httpc_session_free(c->sess); /* before the credentials its connections point at */
    pthread_mutex_destroy(&c->mu);
    kp_kubeconfig_creds_dispose(&c->creds);
    free(c->base);
    free(c->ws);
    free(c);
}

const char *kp_sync_conn_ws(const kp_sync_conn *c)
{
    return c->ws;
}

static void conn_req(kp_httpc_req *r, const kp_sync_conn *c, const char *url)
{
    memset(r, 0, sizeof(*r));
    r->url = url;
    r->user_agent = "kplane-syncer";
    if (c->creds.ca.len) {
        r->ca_pem = c->creds.ca.p;
        r->ca_len = c->creds.ca.len;
    }
    if (c->creds.cert.len) {
        r->cert_pem = c->creds.cert.p;
        r->cert_len = c->creds.cert.len;
        r->key_pem = c->creds.key.p;
        r->key_len = c->creds.key.len;
    }
    r->bearer = c->creds.token;
    r->insecure = c->creds.insecure;
    r->connect_timeout_ms = CONN_CONNECT_MS;
}

/* The kp_err code of an HTTP answer (its Status reason when it has one). */
static int conn_code(int http, const json_t *ans)
{
    const char *reason = kp_json_get_str(ans, "reason");
    if (reason && strcmp(reason, "AlreadyExists") == 0)
        return KP_EEXISTS;
    switch (http) {
    case 400:
        return KP_EBADREQUEST;
    case 401:
        return KP_EUNAUTHORIZED;
    case 403:
        return KP_EFORBIDDEN;
    case 404:
        return KP_ENOTFOUND;
    case 405:
        return KP_EMETHOD;
    case 409:
        return KP_ECONFLICT;
    case 410:
        return KP_EEXPIRED;
    case 413:
        return KP_ETOOLARGE;
    case 415:
        return KP_EMEDIATYPE;
    case 422:
        return KP_EINVALID;
    case 429:
        return KP_ETOOMANY;
    case 504:
        return KP_ETIMEOUT;
    default:
        return http >= 500 ? KP_EUNAVAILABLE : KP_EINTERNAL;
    }
}

int kp_sync_conn_do(json_t **out, kp_sync_conn *c, const char *method, const char *path,
                    const json_t *body, const char *ct)
{
    kp_httpc_req req;
    kp_httpc_resp resp;
    json_t *ans = NULL;
    char *url = NULL, *text = NULL;
    size_t len = 0;
    int rc;

    if (out)
        *out = NULL;
    if (c->client) {
        rc = ct ? kp_client_do_ct(out, NULL, c->client, method, path, body, ct)
                : kp_client_do(out, NULL, c->client, method, path, body);
        if (rc < 0 && out) { /* the client hands over a failure's Status too: not here */
            json_decref(*out);
            *out = NULL;
        }
        return rc;
    }
    kp_httpc_resp_init(&resp);
    url = kp_asprintf("%s%s", c->base, path);
    conn_req(&req, c, url);
    req.method = method;
    req.timeout_ms = CONN_TIMEOUT_MS;
    if (body) {
        text = kp_json_dump(body, &len);
        req.body = text;
        req.body_len = len;
        req.content_type = ct;
    }
    if (pthread_mutex_trylock(&c->mu) == 0) {
        rc = kp_httpc_session_do(c->sess, &resp, &req);
        pthread_mutex_unlock(&c->mu);
    } else {
        rc = kp_httpc_do(&resp, &req);
    }
    if (rc < 0)
        goto out;
    if (resp.body.len && kp_json_parse(&ans, resp.body.p, resp.body.len) < 0) {
        kp_err_clear();
        ans = NULL;
    }
    if (resp.status < 200 || resp.status > 299) {
        const char *msg = kp_json_get_str(ans, "message");
        rc = kp_err_set(conn_code(resp.status, ans), "%s %s: %d %s", method, path, resp.status,
                        msg ? msg : "");
        goto out;
    }
    if (out) {
        *out = ans;
        ans = NULL;
    }
    rc = 0;
out:
    json_decref(ans);
    kp_httpc_resp_dispose(&resp);
    free(url);
    free(text);
    return rc;
}

int kp_sync_conn_watch(kp_sync_conn *c, const char *path, kp_httpc_line_fn fn, void *arg,
                       const volatile int *stop)
{
    kp_httpc_req req;
    char *url;
    int rc, status = 0;

    if (c->client)
        return kp_err_set(KP_EMETHOD, "an in-process connection does not stream");
    url = kp_asprintf("%s%s", c->base, path);
    conn_req(&req, c, url);
    rc = kp_httpc_stream(&status, &req, fn, arg, stop);
    if (rc == 0 && status && (status < 200 || status > 299))
        rc = kp_err_set(conn_code(status, NULL), "watch %s: %d", path, status);
    free(url);
    return rc;
}
