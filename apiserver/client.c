#include "lib/common.h"
#include "apiserver/client.h"
#include "lib/json.h"

#define CLIENT_QUERY_MAX 32

struct kp_client {
    kp_api *api;
    char *user;
    char **groups;
    size_t ngroups;
};

kp_client *kp_client_new(kp_api *api, const char *user, const char *const *groups, size_t ngroups)
{
    kp_client *c = kp_calloc(1, sizeof(*c));
    c->api = api;
    c->user = kp_strdup(user);
    c->groups = kp_calloc(ngroups + 1, sizeof(char *));
    for (size_t i = 0; i < ngroups; i++)
        c->groups[i] = kp_strdup(groups[i]);
    c->ngroups = ngroups;
    return c;
}

void kp_client_free(kp_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ngroups; i++)
        free(c->groups[i]);
    free(c->groups);
    free(c->user);
    free(c);
}

/* The kp_err code for a Status reason (the inverse of the error table's mapping). */
static int client_code_of(const json_t *status, int http)
{
    static const int codes[] = {KP_EBADREQUEST, KP_EUNAUTHORIZED, KP_EFORBIDDEN, KP_ENOTFOUND,
                                KP_EMETHOD,     KP_EEXISTS,       KP_ECONFLICT,  KP_EEXPIRED,
                                KP_ETOOLARGE,   KP_EMEDIATYPE,    KP_EINVALID,   KP_ETOOMANY,
                                KP_EINTERNAL,   KP_EUNAVAILABLE,  KP_ETIMEOUT};
    const char *reason = kp_json_get_str(status, "reason");
    for (size_t i = 0; reason && i < KP_ARRAY_LEN(codes); i++)
        if (strcmp(kp_err_reason(codes[i]), reason) == 0)
            return codes[i];
    for (size_t i = 0; i < KP_ARRAY_LEN(codes); i++)
        if (kp_err_http(codes[i]) == http)
            return codes[i];
    return KP_EINTERNAL;
}

int kp_client_do(json_t **out, int *code_out, kp_client *c, const char *method, const char *path,
                 const json_t *body)
{
    /* PATCH: a merge patch */
    return kp_client_do_ct(out, code_out, c, method, path, body,
                           strcmp(method, "PATCH") == 0 ? "application/merge-patch+json"
                                                        : "application/json");
}

int kp_client_do_ct(json_t **out, int *code_out, kp_client *c, const char *method, const char *path,
                    const json_t *body, const char *content_type)
{
    kp_req_internal in;
    kp_http_resp resp;
    const char *query[2 * CLIENT_QUERY_MAX + 1];
    char *p = kp_strdup(path), *q = strchr(p, '?');
    char *text = NULL;
    size_t text_len = 0, nq = 0;
    json_t *answer = NULL;
    int rc = 0;

    memset(&in, 0, sizeof(in));
    memset(&resp, 0, sizeof(resp));
    if (q) { /* split a=b&c=d in place */
        char *s = q + 1;
        *q = '\0';
        while (*s && nq < 2 * CLIENT_QUERY_MAX) {
            char *amp = strchr(s, '&'), *eq;
            if (amp)
                *amp = '\0';
            eq = strchr(s, '=');
            if (eq)
                *eq = '\0';
            query[nq++] = s;
            query[nq++] = eq ? eq + 1 : "";
            if (!amp)
                break;
            s = amp + 1;
        }
    }
    query[nq] = NULL;
    if (body)
        text = kp_json_dump(body, &text_len);
    /* the User-Agent names kplane's controllers in managedFields (k8s prefixFromUserAgent) */
    const char *headers[] = {"Content-Type", content_type, "Accept", "application/json",
                             "User-Agent",   "kplane/0.1", NULL};
    in.headers = headers;
    in.method = method;
    in.path = p;
    in.query = query;
    in.body = text;
    in.body_len = text_len;
    in.user = c->user;
    in.groups = (const char *const *)c->groups;
    in.ngroups = c->ngroups;
    kp_http_call(kp_api_handle, c->api, &in, &resp);
    if (resp.body.len)
        kp_json_parse(&answer, resp.body.p, resp.body.len);
    if (code_out)
        *code_out = resp.code;
    if (resp.code >= 300) {
        const char *msg = kp_json_get_str(answer, "message");
        rc = kp_err_set(client_code_of(answer, resp.code), "%s", msg ? msg : "request failed");
    }
    if (out) {
        *out = answer;
        answer = NULL;
    }
    json_decref(answer);
    kp_http_resp_dispose(&resp);
    free(text);
    free(p);
    return rc;
}
