#include "lib/common.h"
#include "apiserver/api_int.h"
#include "apiserver/authn.h"
#include "apiserver/authz.h"
#include "apiserver/crd_openapi.h"
#include "apiserver/metrics.h"
#include "apiserver/oidc.h"
#include "apiserver/openapi.h"
#include "apiserver/validate.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "lib/log.h"

#include <stdatomic.h>
#include <strings.h>

static atomic_long api_inflight; /* requests inside kp_api_handle */

/* ---- responses ---- */

int api_reply_json(api_ctx *c, int code, json_t *obj)
{
    c->resp->code = code;
    c->resp->content_type = "application/json";
    kp_buf_reset(&c->resp->body);
    kp_json_dump_buf(&c->resp->body, obj);
    kp_buf_putc(&c->resp->body, '\n');
    json_decref(obj);
    return 0;
}

const char *api_query(const api_ctx *c, const char *key)
{
    return kp_req_query(c->req, key);
}

bool api_accepts(const api_ctx *c, const char *needle)
{
    const char *accept = kp_req_header(c->req, "Accept");
    return accept && strstr(accept, needle);
}

const char *api_qualified(const api_ctx *c)
{
    const char *res = c->res ? c->res->resource : c->resource_name;
    const char *group = c->res ? c->res->group : c->group;
    if (!res)
        return "";
    if (group && group[0])
        return kp_arena_printf(c->a, "%s.%s", res, group);
    return res;
}

/* k8s: every non-2xx answer is a metav1.Status with the code and reason. 5xx text stays in
 * the log; the client gets the request id. */
static void api_status(api_ctx *c, int rc)
{
    int code = kp_err_http(rc);
    json_t *st = json_object(), *details = json_object();
    const kp_err_cause_entry *causes;
    size_t ncauses = kp_err_causes(&causes);
    const char *msg = kp_err_msg();

    if (code >= 500) {
        KP_LOG_ERROR("api", "rid=%s %s %s: %s", kp_req_id(c->req), kp_req_method(c->req),
                     kp_req_path(c->req), msg);
        if (rc != KP_EUNAVAILABLE && rc != KP_ETIMEOUT)
            msg = kp_arena_printf(c->a, "internal error (request id %s)", kp_req_id(c->req));
    }
    if (c->kind == ROUTE_GIT) {
        /* git asks again with credentials (a credential helper, http.extraHeader) after a 401
         * that offers Basic; the password is taken as a bearer token */
        if (code == 401)
            kp_http_resp_header(c->resp, c->req, "WWW-Authenticate", "Basic realm=\"kplane\"");
        if (!api_accepts(c, "application/json")) {
            /* git prints a text/plain error body as "remote: <message>" (remote-curl.c) */
            c->resp->code = code;
            c->resp->content_type = "text/plain; charset=utf-8";
            kp_buf_reset(&c->resp->body);
            kp_buf_appendf(&c->resp->body, "%s\n", msg);
            json_decref(st);
            json_decref(details);
            return;
        }
    }
    json_object_set_new(st, "kind", json_string("Status"));
    json_object_set_new(st, "apiVersion", json_string("v1"));
    json_object_set_new(st, "metadata", json_object());
    json_object_set_new(st, "status", json_string("Failure"));
    json_object_set_new(st, "message", json_string(msg));
    json_object_set_new(st, "reason", json_string(kp_err_reason(rc)));
    if (c->status_name) { /* the error is about another object (e.g. the namespace) */
        json_object_set_new(details, "name", json_string(c->status_name));
        if (c->status_group && c->status_group[0])
            json_object_set_new(details, "group", json_string(c->status_group));
        json_object_set_new(details, "kind", json_string(c->status_kind));
    } else if (c->res) {
        /* k8s: Invalid names the Kind, the other errors the resource */
        if (c->name)
            json_object_set_new(details, "name", json_string(c->name));
        if (c->res->group[0])
            json_object_set_new(details, "group", json_string(c->res->group));
        json_object_set_new(details, "kind",
                            json_string(rc == KP_EINVALID ? c->res->kind : c->res->resource));
    }
    if (ncauses) {
        json_t *arr = json_array();
        for (size_t i = 0; i < ncauses; i++) {
            json_t *ca = json_object();
            json_object_set_new(ca, "reason", json_string(causes[i].reason));
            json_object_set_new(ca, "message", json_string(causes[i].message));
            json_object_set_new(ca, "field", json_string(causes[i].field));
            json_array_append_new(arr, ca);
        }
        json_object_set_new(details, "causes", arr);
    }
    if (json_object_size(details))
        json_object_set_new(st, "details", details);
    else
        json_decref(details);
    json_object_set_new(st, "code", json_integer(code));
    api_reply_json(c, code, st);
}

/* ---- pipeline steps ---- */

static char *api_next_seg(char **p)
{
    char *s = *p, *slash;
    while (*s == '/')
        s++;
    if (!*s)
        return NULL;
    slash = strchr(s, '/');
    if (slash) {
        *slash = '\0';
        *p = slash + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

static const char *api_verb_of(const api_ctx *c, const char *method)
{
    bool collection = c->name == NULL;
    const char *w = api_query(c, "watch");
    bool watch = false;

    if (w && kp_parse_bool(&watch, kp_sv_from(w)) < 0)
        watch = false;
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return watch ? "watch" : collection ? "list" : "get";
    if (strcmp(method, "POST") == 0)
        return "create";
    if (strcmp(method, "PUT") == 0)
        return "update";
    if (strcmp(method, "PATCH") == 0)
        return "patch";
    if (strcmp(method, "DELETE") == 0)
        return collection ? "deletecollection" : "delete";
    return NULL;
}

/* /clusters/<ws>/api/v1/namespaces/<ns>/<resource>/<name>/<sub>, /apis/<g>/<v>/..., and the
 * same without /clusters/<ws> (the root workspace). */
static bool api_csv_has(const char *csv, const char *word);
static int api_route_res(api_ctx *c);

/* A call of kplane's own controllers (kp_client): a plain cluster still keeps its root
 * LogicalCluster, which only they may reach. */
static bool api_in_process(const api_ctx *c)
{
    const char *const *groups;
    size_t ngroups;
    return kp_req_internal_user(c->req, &groups, &ngroups) != NULL;
}

/* /git/<repo>.git/info/refs?service=git-upload-pack|git-receive-pack, /git/<repo>.git/
 * git-upload-pack and /git/<repo>.git/git-receive-pack: Git's smart HTTP protocol and nothing
 * else (no dumb protocol, no other file of the repository reaches git http-backend). */
static int api_route_git(api_ctx *c)
{
    char *p = kp_arena_strdup(c->a, c->rest + 4), *seg = api_next_seg(&p);
    const char *method = kp_req_method(c->req), *service;
    kp_buf why;
    size_t n;
    int rc;

    c->kind = ROUTE_GIT;
    c->verb = "get";
    if (!seg || (n = strlen(seg)) <= 4 || strcmp(seg + n - 4, ".git") != 0)
        return kp_err_set(KP_ENOTFOUND, "a hosted repository is served at /git/<name>.git");
    seg[n - 4] = '\0';
    kp_buf_init(&why, 1024);
    if (!kp_validate_dns1123_label(&why, kp_sv_from(seg))) {
        rc = kp_err_set(KP_EBADREQUEST, "invalid hosted repository name \"%.64s\": %s", seg,
                        kp_buf_cstr(&why));
        kp_buf_dispose(&why);
        return rc;
    }
    kp_buf_dispose(&why);
    if (strcmp(p, "info/refs") == 0) {
        service = api_query(c, "service");
        if (strcmp(method, "GET") != 0)
            return kp_err_set(KP_EMETHOD, "method %s is not allowed on info/refs", method);
        if (!service ||
            (strcmp(service, "git-upload-pack") != 0 && strcmp(service, "git-receive-pack") != 0))
            return kp_err_set(KP_EBADREQUEST,
                              "only Git's smart HTTP protocol is served: info/refs needs "
                              "?service=git-upload-pack or ?service=git-receive-pack");
    } else if (strcmp(p, "git-upload-pack") == 0 || strcmp(p, "git-receive-pack") == 0) {
        service = p;
        if (strcmp(method, "POST") != 0)
            return kp_err_set(KP_EMETHOD, "method %s is not allowed on %s", method, p);
    } else {
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    }
    c->git.repo = seg;
    c->git.service = service;
    c->git.push = strcmp(service, "git-receive-pack") == 0;
    c->git.path_info = kp_arena_printf(c->a, "/%s.git/%s", seg, p);
    c->verb = c->git.push ? "update" : "get";
    return 0;
}

/* POST /gitops/hooks/<namespace>/<name>: exactly this shape, nothing below or beside it, is
 * let through without authentication. */
static int api_route_webhook(api_ctx *c)
{
    char *p = kp_arena_strdup(c->a, c->rest + 13);
    char *ns = api_next_seg(&p), *name = api_next_seg(&p);

    c->kind = ROUTE_WEBHOOK;
    c->verb = "create";
    if (!ns || !name || api_next_seg(&p))
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    if (strcmp(kp_req_method(c->req), "POST") != 0)
        return kp_err_set(KP_EMETHOD, "a webhook is delivered with POST, not %s",
                          kp_req_method(c->req));
    c->ns = ns;
    c->name = name;
    return 0;
}

static int api_route(api_ctx *c)
{
    char *path = kp_arena_strdup(c->a, kp_req_path(c->req));
    char *p = path, *seg;
    const char *segs[8];
    size_t n = 0;

    c->ws_path = "root";
    if (strncmp(path, "/clusters/", 10) == 0) {
        p = path + 10;
        seg = api_next_seg(&p);
        if (!seg)
            return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
        c->ws_path = seg;
        c->rest = kp_arena_printf(c->a, "/%s", p);
    } else {
        c->rest = kp_arena_strdup(c->a, path);
    }
    if (strcmp(c->rest, "/git") == 0 || strncmp(c->rest, "/git/", 5) == 0)
        return api_route_git(c);
    if (strncmp(c->rest, "/gitops/hooks/", 14) == 0)
        return api_route_webhook(c);
    p = kp_arena_strdup(c->a, c->rest);
    seg = api_next_seg(&p);
    if (!seg || (strcmp(seg, "api") != 0 && strcmp(seg, "apis") != 0)) {
        c->kind = ROUTE_NONRESOURCE;
        c->verb = strcasecmp(kp_req_method(c->req), "GET") == 0 ? "get" : kp_req_method(c->req);
        return 0;
    }
    if (strcmp(seg, "api") == 0) {
        c->group = "";
    } else {
        c->group = api_next_seg(&p);
        if (!c->group) {
            c->kind = ROUTE_DISCOVERY;
            c->verb = "get";
            return 0;
        }
    }
    c->version = api_next_seg(&p);
    while ((seg = api_next_seg(&p)) && n < KP_ARRAY_LEN(segs))
        segs[n++] = seg;
    if (seg)
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    if (!c->version || n == 0) {
        c->kind = ROUTE_DISCOVERY;
        c->verb = "get";
        return 0;
    }
    c->kind = ROUTE_RESOURCE;
    /* namespaces/<ns>/<resource>... unless the resource is namespaces itself (its own
     * subresource: namespaces/<name>/status) */
    if (n >= 3 && strcmp(segs[0], "namespaces") == 0 &&
        !(n == 3 && strcmp(segs[2], "status") == 0)) {
        c->ns = segs[1];
        c->resource_name = segs[2];
        c->name = n > 3 ? segs[3] : NULL;
        c->sub = n > 4 ? segs[4] : NULL;
        if (n > 5)
            return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    } else {
        c->resource_name = segs[0];
        c->name = n > 1 ? segs[1] : NULL;
        c->sub = n > 2 ? segs[2] : NULL;
        if (n > 3)
            return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    }
    c->res = kp_schema_find(c->group, c->version, c->resource_name);
    if (c->res && !api_serves(c->api, c->res) && !api_in_process(c))
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    c->verb = api_verb_of(c, kp_req_method(c->req));
    if (!c->res) { /* maybe a custom resource: known once the workspace is */
        c->res_custom = true;
        return 0;
    }
    return api_route_res(c);
}

/* The checks of a routed resource request that need its schema row. */
static int api_route_res(api_ctx *c)
{
    if (!c->verb)
        return kp_err_set(KP_EMETHOD, "method %s is not allowed on %s", kp_req_method(c->req),
                          c->res->resource);
    if (c->res->verbs && !api_csv_has(c->res->verbs, c->verb))
        return kp_err_set(KP_EMETHOD, "%s is not supported on %s: it serves only %s", c->verb,
                          c->res->resource, c->res->verbs);
    if (c->ns && !c->res->namespaced)
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    if (c->sub) {
        kp_schema_sub buf[KP_SCHEMA_SUBS_MAX];
        const kp_schema_sub *sub = kp_schema_find_sub(buf, c->res, c->sub);
        if (!sub)
            return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
        if (!c->name || !api_csv_has(sub->verbs, c->verb))
            return kp_err_set(KP_EMETHOD, "%s is not supported on %s/%s: it serves %s", c->verb,
                              c->res->resource, c->sub, sub->verbs);
    }
    return 0;
}

static bool api_csv_has(const char *csv, const char *word)
{
    kp_sv in = kp_sv_from(csv), f;
    while (in.len) {
        kp_sv_cut(&in, ',', &f);
        if (kp_sv_eq_str(f, word))
            return true;
    }
    return false;
}

/* Paths anyone may read, as kube-apiserver's system:public-info-viewer. */
static bool api_public(const api_ctx *c)
{
    static const char *const open[] = {"/healthz", "/livez", "/readyz", "/version"};
    if (c->kind != ROUTE_NONRESOURCE)
        return false;
    for (size_t i = 0; i < KP_ARRAY_LEN(open); i++) {
        size_t n = strlen(open[i]);
        if (strncmp(c->rest, open[i], n) == 0 && (c->rest[n] == '\0' || c->rest[n] == '/'))
            return true;
    }
    return false;
}

/* git sends what a credential helper holds as Basic user:password: the password is a bearer
 * token (as GitHub takes a personal access token), the user name is ignored. *out becomes
 * "Bearer <password>" in the request arena. */
static int api_basic_token(const char **out, api_ctx *c, const char *b64)
{
    kp_buf dec;
    const char *colon;
    int rc = 0;

    kp_buf_init(&dec, KP_JWT_MAX + 1024);
    if (strlen(b64) > 2 * KP_JWT_MAX || kp_crypto_base64_decode(&dec, b64, strlen(b64)) < 0 ||
        !(colon = memchr(dec.p, ':', dec.len)) || colon + 1 == dec.p + dec.len) {
        kp_err_clear();
        rc = kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    } else {
        *out = kp_arena_printf(c->a, "Bearer %.*s", (int)(dec.p + dec.len - colon - 1), colon + 1);
    }
    if (dec.p)
        explicit_bzero(dec.p, dec.alloc);
    kp_buf_dispose(&dec);
    return rc;
}

static int api_authenticate(api_ctx *c)
{
    const void *const *ders;
    const size_t *lens;
    size_t n = kp_req_peer_certs(c->req, &ders, &lens);
    kp_crypto_subject subj;
    const char *const *igroups;
    size_t ni;
    const char *iuser = kp_req_internal_user(c->req, &igroups, &ni);
    int rc;

    if (c->kind == ROUTE_WEBHOOK) { /* the hook checks the delivery's signature instead */
        c->user = "system:anonymous";
        return 0;
    }
    if (iuser) { /* an in-process controller: its identity is set by kplane's own code */
        c->user = iuser;
        c->groups = kp_arena_calloc(c->a, ni + 1, sizeof(char *));
        for (size_t i = 0; i < ni; i++)
            c->groups[i] = igroups[i];
        c->ngroups = ni;
        return 0;
    }
    if (n > 0) {
        if ((rc = kp_crypto_ca_verify(&subj, c->api->ca, ders, lens, n)) < 0)
            return rc;
        c->user = kp_arena_strdup(c->a, subj.common_name);
        c->groups = kp_arena_calloc(c->a, subj.norgs + 1, sizeof(char *));
        for (size_t i = 0; i < subj.norgs; i++)
            c->groups[i] = kp_arena_strdup(c->a, subj.orgs[i]);
        c->ngroups = subj.norgs;
        return 0;
    }
    {
        const char *auth = kp_req_header(c->req, "Authorization");
        if (auth && c->kind == ROUTE_GIT && strncasecmp(auth, "Basic ", 6) == 0 &&
            (rc = api_basic_token(&auth, c, auth + 6)) < 0)
            return rc;
        if (auth && strncasecmp(auth, "Bearer ", 7) == 0 && c->api->authn) {
            kp_authn_user u;
            const char *tok = auth + 7;
            if ((rc = kp_authn_token(&u, c->a, c->api->authn, tok, strlen(tok))) < 0) {
                /* k8s: a bad token is 401 even where anonymous may read; why stays in our log
                 * (the reasons never quote the token) */
                KP_LOG_DEBUG("authn", "rid=%s bearer token refused: %s", kp_req_id(c->req),
                             kp_err_msg());
                return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
            }
            if (u.workspace_jwt) { /* who it names depends on the workspace: see below */
                c->workspace_token = tok;
                c->workspace_token_len = strlen(tok);
                return 0;
            }
            c->user = u.name;
            c->token_cluster = u.cluster;
            c->sa_ns = u.sa_namespace;
            c->sa_name = u.sa_name;
            c->sa_uid = u.sa_uid;
            c->groups = kp_arena_calloc(c->a, u.ngroups + 2, sizeof(char *));
            for (size_t i = 0; i < u.ngroups; i++)
                c->groups[i] = u.groups[i];
            c->groups[u.ngroups] = "system:authenticated";
            c->ngroups = u.ngroups + 1;
            return 0;
        }
        if (auth)
            return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    }
    if (api_public(c)) {
        c->user = "system:anonymous";
        return 0;
    }
    return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
}

/* A ServiceAccount token works only in its own workspace, and only while its ServiceAccount
 * exists with the same uid (k8s bound tokens; kcp binds them to the logical cluster). */
static int api_check_sa_binding(api_ctx *c)
{
    kp_key k;
    json_t *sa = NULL;
    const char *uid;
    bool ok;

    if (!c->token_cluster)
        return 0;
    if (strcmp(c->token_cluster, c->cluster) != 0)
        return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    k = (kp_key){c->cluster, "/serviceaccounts", c->sa_ns, c->sa_name};
    if (kp_store_get(&sa, c->api->store, &k) < 0) {
        kp_err_clear();
        return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    }
    uid = kp_json_get_str(sa, "metadata.uid");
    ok = uid && strcmp(uid, c->sa_uid) == 0;
    json_decref(sa);
    return ok ? 0 : kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
}

/* A token from a workspace's own issuer (WorkspaceAuthentication) names a user only in the
 * workspaces that configure that issuer: it is checked here, once the logical cluster is
 * known, and refused everywhere else. */
static int api_check_workspace_token(api_ctx *c)
{
    kp_authn_user u;
    char fp[17];
    int rc;

    if (!c->workspace_token)
        return 0;
    rc = kp_authn_workspace_token(&u, c->a, c->api->authn, c->cluster, c->workspace_token,
                                  c->workspace_token_len);
    if (rc < 0) {
        if (rc != KP_EUNAUTHORIZED) /* the configuration could not be read: not the token's fault */
            return rc;
        /* k8s: 401 whatever the reason; the reason and a fingerprint (never the token) go to
         * the log */
        kp_crypto_fingerprint(fp, c->workspace_token, c->workspace_token_len);
        KP_LOG_DEBUG("authn", "rid=%s ws=%s token %s refused: %s", kp_req_id(c->req), c->ws_path,
                     fp, kp_err_msg());
        return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
    }
    c->user = u.name;
    c->groups = kp_arena_calloc(c->a, u.ngroups + 2, sizeof(char *));
    for (size_t i = 0; i < u.ngroups; i++)
        c->groups[i] = u.groups[i];
    c->groups[u.ngroups] = "system:authenticated";
    c->ngroups = u.ngroups + 1;
    return 0;
}

/* The checks that need the logical cluster: tokens bound to one workspace. */
static int api_check_bound_tokens(api_ctx *c)
{
    int rc = api_check_sa_binding(c);
    return rc < 0 ? rc : api_check_workspace_token(c);
}

static int api_resolve_ws_path(api_ctx *c);

static int api_resolve_ws(api_ctx *c)
{
    int rc;

    if (c->kind != ROUTE_GIT && c->kind != ROUTE_WEBHOOK)
        return api_resolve_ws_path(c);
    if (strcmp(c->ws_path, "*") == 0) /* one workspace's repository, never every workspace's */
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    rc = api_resolve_ws_path(c);
    if (rc < 0 && c->kind == ROUTE_WEBHOOK && rc != KP_EUNAVAILABLE) {
        /* an anonymous caller learns nothing about which workspaces exist */
        kp_err_clear();
        return kp_err_set(KP_ENOTFOUND, "not found");
    }
    return rc;
}

static int api_resolve_ws_path(api_ctx *c)
{
    char cluster[64], path[1024];
    int rc;

    if (strcmp(c->ws_path, "*") == 0) { /* every workspace: fleet controllers list and watch */
        if (c->kind == ROUTE_RESOURCE &&
            (!c->verb || (strcmp(c->verb, "list") != 0 && strcmp(c->verb, "watch") != 0) ||
             c->name))
            return kp_err_set(KP_EMETHOD,
                              "requests across every workspace (/clusters/*) may only list or "
                              "watch a resource");
        /* a ServiceAccount token is for its own workspace only, a workspace issuer's token for
         * the workspaces that trust it */
        if (c->token_cluster || c->workspace_token)
            return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
        c->cluster = NULL;
        c->wildcard = true;
        return 0;
    }
    if (!c->api->ws.resolve) { /* no tree: only root */
        if (strcmp(c->ws_path, "root") == 0) {
            c->cluster = "root";
            return api_check_bound_tokens(c);
        }
        if (c->workspace_token)
            return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
        return kp_err_set(KP_ENOTFOUND, "workspace \"%s\" not found", c->ws_path);
    }
    if ((rc = c->api->ws.resolve(c->api->ws.arg, c->ws_path, cluster, path)) < 0) {
        /* a caller not authenticated yet learns nothing about which workspaces exist */
        if (c->workspace_token && (rc == KP_ENOTFOUND || rc == KP_EBADREQUEST)) {
            kp_err_clear();
            return kp_err_set(KP_EUNAUTHORIZED, "Unauthorized");
        }
        return rc;
    }
    c->cluster = kp_arena_strdup(c->a, cluster);
    c->ws_path = kp_arena_strdup(c->a, path); /* canonical from here on */
    return api_check_bound_tokens(c);
}

static void api_crds_release(void *arg)
{
    kp_crd_set_release(arg);
}

const kp_crd_set *api_crds(api_ctx *c)
{
    if (!c->crds && c->api->crd && c->cluster) {
        if (kp_crd_set_get(&c->crds, c->api->crd, c->cluster) < 0) {
            KP_LOG_WARN("api", "rid=%s custom resources of \"%s\" not loaded: %s",
                        kp_req_id(c->req), c->cluster, kp_err_msg());
            kp_err_clear();
            return NULL;
        }
        kp_arena_defer(c->a, api_crds_release, c->crds);
    }
    return c->crds;
}

/* A resource the schema table does not have may be one of the workspace's CRDs. */
static int api_resolve_custom(api_ctx *c)
{
    if (!c->res_custom)
        return 0;
    c->res = kp_crd_set_find(api_crds(c), c->group, c->version, c->resource_name);
    if (!c->res)
        return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
    return api_route_res(c);
}

static bool api_is_master(const api_ctx *c)
{
    for (size_t i = 0; i < c->ngroups; i++)
        if (strcmp(c->groups[i], "system:masters") == 0)
            return true;
    return false;
}

static kp_authz_user api_authz_user(const api_ctx *c)
{
    kp_authz_user u = {c->user, c->groups, c->ngroups};
    return u;
}

/* The request as RBAC sees it: resource attributes, or a non-resource path and the
 * lower-case method as its verb. */
static kp_authz_attrs api_authz_attrs(const api_ctx *c)
{
    kp_authz_attrs at;
    memset(&at, 0, sizeof(at));
    if (c->res) {
        at.verb = c->verb;
        at.group = c->res->group;
        at.resource = c->res->resource;
        at.subresource = c->sub;
        at.ns = c->ns;
        at.name = c->name;
    } else {
        char *v = kp_arena_strdup(c->a, kp_req_method(c->req));
        for (char *p = v; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        at.verb = v;
        at.path = c->rest;
    }
    return at;
}

int api_authz_check(const api_ctx *c, const kp_authz_attrs *at)
{
    kp_authz_user u = api_authz_user(c);
    if (api_is_master(c))
        return 0;
    if (!c->api->authz)
        return kp_err_set(KP_EFORBIDDEN, "forbidden: User \"%s\" cannot %s", c->user, at->verb);
    return kp_authz_check(c->api->authz, c->cluster, &u, at, NULL);
}

/* k8s: every authenticated user may ask about themselves. */
static bool api_self_review(const api_ctx *c)
{
    return c->res && c->res->verbs && strcmp(c->res->verbs, "create") == 0 && c->user &&
           strcmp(c->user, "system:anonymous") != 0;
}

/* k8s: the system:discovery and system:public-info-viewer roles, bound to every
 * authenticated user: discovery, OpenAPI and the version may be read by anyone who may enter. */
static bool api_discovery_path(const api_ctx *c)
{
    if (c->kind == ROUTE_DISCOVERY)
        return true;
    return c->kind == ROUTE_NONRESOURCE && strcmp(kp_req_method(c->req), "GET") == 0 &&
           (strncmp(c->rest, "/openapi", 8) == 0 || strcmp(c->rest, "/version") == 0);
}

/* kcp's rule for the tree: RBAC in a parent may grant verb "access" (enter) or "admin"
 * (administer) on tenancy.kplane.io workspaces/content for a child by name, and an "admin"
 * grant reaches every workspace below that child. Returns 2 for admin, 1 for access, 0. */
static int api_ancestor_grant(const api_ctx *c)
{
    char parent[1024], pcluster[64], canon[1024];
    const char *path = c->ws_path;
    kp_authz_user u = api_authz_user(c);
    bool direct = true;

    if (!c->api->ws.resolve || !c->api->authz || !strchr(path, ':'))
        return 0;
    snprintf(parent, sizeof(parent), "%s", path);
    for (char *colon = strrchr(parent, ':'); colon; colon = strrchr(parent, ':')) {
        kp_authz_attrs at;
        const char *child = colon + 1;
        char name[256];
        snprintf(name, sizeof(name), "%s", child);
        *colon = '\0'; /* parent now names the workspace that holds the Workspace "name" */
        if (c->api->ws.resolve(c->api->ws.arg, parent, pcluster, canon) < 0) {
            kp_err_clear();
            return 0;
        }
        memset(&at, 0, sizeof(at));
        at.group = "tenancy.kplane.io";
        at.resource = "workspaces";
        at.subresource = "content";
        at.name = name;
        at.verb = "admin";
        if (kp_authz_check(c->api->authz, pcluster, &u, &at, NULL) == 0)
            return 2;
        at.verb = "access";
        if (direct && kp_authz_check(c->api->authz, pcluster, &u, &at, NULL) == 0) {
            kp_err_clear();
            return 1;
        }
        kp_err_clear();
        direct = false; /* further up, only admin reaches down */
    }
    return 0;
}

/* Entering a workspace takes verb "access" on the non-resource URL "/" there (kcp's rule);
 * its creator has it through the workspace-admin binding. Then RBAC decides the request. */
static int api_authorize_git(api_ctx *c);

static int api_authorize(api_ctx *c)
{
    kp_authz_attrs at;
    int rc;

    if (c->kind == ROUTE_WEBHOOK) /* authorized by its signature, in the hook */
        return 0;
    if (api_public(c) || api_is_master(c))
        return 0;
    memset(&at, 0, sizeof(at));
    if (c->wildcard) {
        /* reading every workspace takes an explicit grant in root: verb list or watch on
         * the non-resource URL of the wildcard path */
        kp_authz_user u = api_authz_user(c);
        at.verb = c->verb;
        at.path = "/clusters/*";
        if (!c->api->authz || kp_authz_check(c->api->authz, "root", &u, &at, NULL) < 0) {
            kp_err_clear();
            return kp_err_set(KP_EFORBIDDEN,
                              "forbidden: User \"%s\" cannot %s %s across every workspace", c->user,
                              c->verb, api_qualified(c));
        }
        return 0;
    }
    at.verb = "access";
    at.path = "/";
    if ((rc = api_authz_check(c, &at)) < 0) {
        kp_err_clear();
        switch (api_ancestor_grant(c)) {
        case 2: /* an admin of an ancestor administers everything below it */
            return 0;
        case 1: /* allowed to enter by the parent: RBAC inside decides the rest */
            break;
        default:
            /* k8s: do not tell a caller who may not enter whether the workspace exists */
            return kp_err_set(KP_EFORBIDDEN,
                              "forbidden: User \"%s\" cannot access workspace \"%s\": it needs "
                              "verb \"access\" on \"/\" there, or \"access\" or \"admin\" on "
                              "workspaces/content in an ancestor",
                              c->user, c->ws_path);
        }
    }
    if (c->kind == ROUTE_GIT)
        return api_authorize_git(c);
    if (api_self_review(c) || api_discovery_path(c))
        return 0;
    at = api_authz_attrs(c);
    return api_authz_check(c, &at);
}

/* A hosted repository is authorized as the GitRepository API of its workspace: a fetch needs
 * verb get on gitrepositories.gitops.kplane.io, a push create or update, at the cluster scope
 * (a hosted repository belongs to the workspace, not to one namespace). */
static int api_authorize_git(api_ctx *c)
{
    kp_authz_attrs at;
    int rc;

    memset(&at, 0, sizeof(at));
    at.group = "gitops.kplane.io";
    at.resource = "gitrepositories";
    at.verb = c->git.push ? "create" : "get";
    if ((rc = api_authz_check(c, &at)) == 0)
        return 0;
    if (rc == KP_EFORBIDDEN && c->git.push) {
        kp_err_clear();
        at.verb = "update";
        rc = api_authz_check(c, &at);
    }
    if (rc != KP_EFORBIDDEN)
        return rc;
    kp_err_clear();
    return kp_err_set(KP_EFORBIDDEN,
                      "forbidden: User \"%s\" cannot %s hosted repository \"%s\" in workspace "
                      "\"%s\": it needs verb %s on resource \"gitrepositories\" in API group "
                      "\"gitops.kplane.io\" at the cluster scope",
                      c->user, c->git.push ? "push to" : "fetch from", c->git.repo, c->ws_path,
                      c->git.push ? "\"create\" or \"update\"" : "\"get\"");
}

static int api_text(api_ctx *c, const char *text)
{
    c->resp->code = 200;
    c->resp->content_type = "text/plain; charset=utf-8";
    kp_buf_puts(&c->resp->body, text);
    return 0;
}

/* GET /openapi/v2 (JSON, or gnostic protobuf as kubectl asks), /openapi/v3 and
 * /openapi/v3/<group-version>: what kubectl reads before create/apply/replace/edit. */
static int api_openapi(api_ctx *c)
{
    kp_openapi_reply r;
    char etag[KP_CRD_ETAG_MAX];
    /* a workspace with CRDs has documents of its own (apiserver/crd_openapi.c) */
    int rc = kp_crd_openapi_serve(&r, &c->resp->body, etag, api_crds(c), c->rest,
                                  api_query(c, "hash"), kp_req_header(c->req, "Accept"),
                                  kp_req_header(c->req, "If-None-Match"));
    if (rc < 0)
        return rc;
    c->resp->code = r.code;
    c->resp->content_type = r.content_type;
    kp_http_resp_header(c->resp, c->req, "ETag", r.etag);
    if (r.cache_control)
        kp_http_resp_header(c->resp, c->req, "Cache-Control", r.cache_control);
    if (r.vary)
        kp_http_resp_header(c->resp, c->req, "Vary", r.vary);
    return 0;
}

static int api_nonresource(api_ctx *c)
{
    const char *r = c->rest;
    if (strcmp(r, "/openapi") == 0 || strncmp(r, "/openapi/", 9) == 0)
        return api_openapi(c);
    if (strcmp(r, "/healthz") == 0 || strcmp(r, "/livez") == 0 || strcmp(r, "/readyz") == 0 ||
        strncmp(r, "/healthz/", 9) == 0 || strncmp(r, "/livez/", 7) == 0 ||
        strncmp(r, "/readyz/", 8) == 0) {
        int rc = kp_store_ping(c->api->store);
        if (rc < 0)
            return rc;
        return api_text(c, "ok");
    }
    if (strcmp(r, "/version") == 0 || strcmp(r, "/version/") == 0)
        return api_version_info(c);
    if (strcmp(r, "/metrics") == 0) {
        kp_store_stats s;
        static const char *const le[] = {"1", "3", "7", "15", "31", "63", "127", "+Inf"};
        uint64_t cum = 0;
        kp_store_get_stats(&s, c->api->store);
        kp_metrics_gauge("kplane_inflight_requests", "Requests being handled (watches excluded).",
                         (double)atomic_load(&api_inflight));
        kp_metrics_gauge("kplane_watchers", "Open watch streams.",
                         c->api->hub ? (double)kp_watch_hub_watchers(c->api->hub) : 0);
        kp_metrics_gauge("kplane_store_batches_total", "Writer transactions committed.",
                         (double)s.batches);
        kp_metrics_gauge("kplane_store_mutations_total", "Mutations handled by the writer.",
                         (double)s.mutations);
        kp_metrics_gauge("kplane_store_quota_rejections_total",
                         "Writes refused because a workspace quota was reached.",
                         (double)s.quota_rejections);
        kp_metrics_gauge("kplane_store_batch_size_avg", "Mutations per writer transaction.",
                         s.batches ? (double)s.mutations / (double)s.batches : 0);
        kp_metrics_gauge("kplane_store_commit_seconds_avg", "Mean writer transaction latency.",
                         s.batches ? (double)s.commit_us_total / 1e6 / (double)s.batches : 0);
        c->resp->code = 200;
        c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
        kp_metrics_render(&c->resp->body);
        kp_buf_puts(&c->resp->body,
                    "# HELP kplane_store_batch_size Mutations per writer transaction.\n"
                    "# TYPE kplane_store_batch_size histogram\n");
        for (size_t i = 0; i < KP_ARRAY_LEN(le); i++) {
            cum += s.batch_size_hist[i];
            kp_buf_appendf(&c->resp->body, "kplane_store_batch_size_bucket{le=\"%s\"} %llu\n",
                           le[i], (unsigned long long)cum);
        }
        kp_buf_appendf(&c->resp->body,
                       "kplane_store_batch_size_sum %llu\nkplane_store_batch_size_count %llu\n",
                       (unsigned long long)s.mutations, (unsigned long long)s.batches);
        return 0;
    }
    return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
}

/* Admission of WorkspaceAuthentication on create and update (PUT): a 422 naming every
 * problem beats an issuer that silently does not work. A patch is not checked here (its result
 * exists only inside the handler); the OIDC module skips an invalid object with a warning, so
 * a bad patch disables that object's issuers and nothing else. */
static int api_admit_workspace_auth(api_ctx *c)
{
    json_t *obj = NULL;
    int rc;

    if (!c->res || strcmp(c->res->kind, "WorkspaceAuthentication") != 0 || c->sub ||
        (strcmp(c->verb, "create") != 0 && strcmp(c->verb, "update") != 0))
        return 0;
    if ((rc = api_body(&obj, c)) < 0)
        return rc;
    if (c->name && !kp_json_get_str(obj, "metadata.name")) /* PUT may leave the name out */
        json_object_set_new(kp_json_obj_ensure(obj, "metadata"), "name", json_string(c->name));
    rc =
        kp_oidc_validate(obj, c->cluster, c->api->authn ? kp_authn_sa_issuer(c->api->authn) : NULL);
    json_decref(obj);
    return rc;
}

static int api_dispatch(api_ctx *c)
{
    int rc;

    switch (c->kind) {
    case ROUTE_NONRESOURCE:
        return api_nonresource(c);
    case ROUTE_GIT:
        if (!c->api->git.git)
            return kp_err_set(KP_ENOTFOUND, "this server hosts no Git repositories");
        c->git.cluster = c->cluster;
        c->git.ws_path = c->ws_path;
        c->git.user = c->user;
        return c->api->git.git(c->api->git.arg, &c->git, c->req, c->resp);
    case ROUTE_WEBHOOK:
        if (!c->api->git.webhook)
            return kp_err_set(KP_ENOTFOUND, "not found");
        return c->api->git.webhook(c->api->git.arg, c->cluster, c->ns, c->name, c->req, c->resp);
    case ROUTE_DISCOVERY:
        return api_discovery(c);
    case ROUTE_RESOURCE:
        if ((rc = api_admit_workspace_auth(c)) < 0)
            return rc;
        rc = api_rest_dispatch(c);
        /* a changed CRD changes what this workspace serves from the next request on (the
         * commit stream says so too, but maybe after this answer) */
        if (c->res && strcmp(c->res->kind, "CustomResourceDefinition") == 0 &&
            strcmp(c->res->group, KP_CRD_GROUP) == 0 && strcmp(c->verb, "get") != 0 &&
            strcmp(c->verb, "list") != 0 && strcmp(c->verb, "watch") != 0) {
            const char *dot = c->name ? strchr(c->name, '.') : NULL;
            if (rc == 0 && dot && strcmp(c->verb, "create") != 0 &&
                kp_crd_recheck_group(c->api->store, c->cluster, dot + 1) < 0)
                kp_err_clear(); /* the request itself succeeded */
            kp_crd_invalidate(c->api->crd, c->cluster);
        }
        return rc;
    }
    return KP_EINTERNAL;
}

typedef int (*api_step)(api_ctx *c);

static const api_step api_steps[] = {
    api_route,          /* URL -> verb, group/resource, namespace, name, workspace path */
    api_authenticate,   /* client certificate -> user and groups */
    api_resolve_ws,     /* workspace path -> logical cluster id */
    api_resolve_custom, /* a custom resource: the workspace's CRDs */
    api_authorize,      /* who may do what where */
    api_dispatch,       /* admission runs inside the mutating handlers, before the store */
};

/* The pipeline's last step: the Status for a failure and the one access-log line. */
static void api_respond(api_ctx *c, int rc)
{
    char line[1024];
    int64_t us;

    if (rc < 0)
        api_status(c, rc);
    us = kp_req_elapsed_us(c->req);
    kp_metrics_observe(c->verb && c->kind == ROUTE_RESOURCE ? c->verb : "other",
                       c->res ? c->res->resource
                              : (c->kind == ROUTE_DISCOVERY ? "discovery" : "nonresource"),
                       c->resp->code, us);
    if (!KP_LOG_ENABLED(KP_LEVEL_INFO))
        return;
    snprintf(line, sizeof(line),
             "rid=%s method=%s path=\"%.512s\" ws=%s user=\"%s\" code=%d bytes=%zu dur_ms=%.1f",
             kp_req_id(c->req), kp_req_method(c->req), kp_req_path(c->req),
             c->ws_path ? c->ws_path : "-", c->user ? c->user : "-", c->resp->code,
             c->resp->body.len, (double)us / 1000.0);
    kp_log_fields(KP_LEVEL_INFO, "access", line);
}

void kp_api_handle(void *arg, kp_req *req, kp_http_resp *resp)
{
    api_ctx c;
    int rc = kp_req_error(req);

    memset(&c, 0, sizeof(c));
    c.api = arg;
    c.req = req;
    c.resp = resp;
    c.a = kp_req_arena(req);
    c.rest = kp_req_path(req);
    atomic_fetch_add(&api_inflight, 1);
    {
        const char *m = kp_req_method(req);
        if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0)
            kp_store_write_expected(c.api->store); /* for the writer's group commit */
    }
    for (size_t i = 0; rc == 0 && i < KP_ARRAY_LEN(api_steps); i++)
        rc = api_steps[i](&c);
    kp_store_write_settled(c.api->store);
    api_respond(&c, rc);
    atomic_fetch_sub(&api_inflight, 1);
}

int kp_api_new(kp_api **out, const kp_api_opts *opts)
{
    kp_api *api = kp_calloc(1, sizeof(*api));
    int rc;

    api->store = opts->store;
    api->hub = opts->hub;
    api->authn = opts->authn;
    api->authz = opts->authz;
    api->rquota = opts->rquota;
    api->crd = opts->crd;
    api->plain_cluster = opts->plain_cluster;
    if (opts->ws)
        api->ws = *opts->ws;
    if (opts->git)
        api->git = *opts->git;
    api->server_addr = kp_strdup(opts->server_addr ? opts->server_addr : "127.0.0.1:6443");
    if ((rc = kp_crypto_ca_new(&api->ca, opts->ca_pem)) < 0) {
        kp_api_free(api);
        return rc;
    }
    *out = api;
    return 0;
}

void kp_api_free(kp_api *api)
{
    if (!api)
        return;
    kp_crypto_ca_free(api->ca);
    free(api->server_addr);
    free(api);
}

bool api_serves(const kp_api *api, const kp_schema_res *r)
{
    return !api->plain_cluster || strcmp(r->group, API_TENANCY_GROUP) != 0;
}

size_t kp_api_body_max(void *arg, const kp_req *r)
{
    const char *path = kp_req_path(r), *rest = path;
    const void *const *ders;
    const size_t *lens;
    size_t n;

    (void)arg;
    if (strcmp(kp_req_method(r), "POST") != 0)
        return KP_BODY_MAX;
    if (strncmp(path, "/clusters/", 10) == 0 && !(rest = strchr(path + 10, '/')))
        return KP_BODY_MAX;
    if (strncmp(rest, "/gitops/hooks/", 14) == 0)
        return KP_WEBHOOK_BODY_MAX;
    n = strlen(rest);
    if (strncmp(rest, "/git/", 5) == 0 &&
        ((n > 16 && strcmp(rest + n - 16, "/git-upload-pack") == 0) ||
         (n > 17 && strcmp(rest + n - 17, "/git-receive-pack") == 0)))
        /* a pack: the request is authenticated only once it is read, so without any credential
         * at all (it will be refused) it gets no more room than any request */
        return kp_req_header(r, "Authorization") || kp_req_peer_certs(r, &ders, &lens) > 0
                   ? KP_GIT_BODY_MAX
                   : KP_BODY_MAX;
    return KP_BODY_MAX;
}

int kp_api_bootstrap(kp_api *api)
{
    return api_rest_bootstrap(api, "root");
}
