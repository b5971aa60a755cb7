#include "lib/common.h"
#include "apiserver/api_int.h"
#include "lib/json.h"
#include "apiserver/authn.h"

#include <time.h>

/* Reviews: create-only kinds answered from the request and never stored. kubectl auth whoami
 * (SelfSubjectReview) and kubectl auth can-i (SelfSubjectAccessReview, SelfSubjectRulesReview)
 * use them. */

static json_t *review_user_info(const api_ctx *c)
{
    json_t *groups = json_array();
    bool authenticated = false;
    for (size_t i = 0; i < c->ngroups; i++) {
        json_array_append_new(groups, json_string(c->groups[i]));
        authenticated |= strcmp(c->groups[i], "system:authenticated") == 0;
    }
    if (!authenticated) /* k8s: every authenticated user is in this group */
        json_array_append_new(groups, json_string("system:authenticated"));
    return json_pack("{s:s, s:o}", "username", c->user, "groups", groups);
}

static json_t *review_reply(const api_ctx *c, json_t *body, json_t *status)
{
    char gv[KP_SCHEMA_GV_MAX];
    json_t *o = json_object();
    kp_schema_api_version(gv, c->res);
    json_object_set_new(o, "kind", json_string(c->res->kind));
    json_object_set_new(o, "apiVersion", json_string(gv));
    json_object_set_new(o, "metadata", json_pack("{s:n}", "creationTimestamp"));
    if (body && json_object_get(body, "spec"))
        json_object_set(o, "spec", json_object_get(body, "spec"));
    json_object_set_new(o, "status", status);
    return o;
}

int api_review(api_ctx *c)
{
    const char *kind = c->res->kind;
    json_t *body = NULL, *status;
    int rc;

    if (strcmp(kind, "SelfSubjectReview") == 0) {
        status = json_pack("{s:o}", "userInfo", review_user_info(c));
        return api_reply_json(c, 201, review_reply(c, NULL, status));
    }
    if ((rc = api_body(&body, c)) < 0)
        return rc;
    if (strcmp(kind, "SelfSubjectAccessReview") == 0) {
        json_t *ra = kp_json_get(body, "spec.resourceAttributes");
        json_t *na = kp_json_get(body, "spec.nonResourceAttributes");
        if (!ra == !na) {
            json_decref(body);
            kp_err_cause("spec", "FieldValueInvalid",
                         "exactly one of nonResourceAttributes or resourceAttributes must be "
                         "specified");
            return kp_err_set(KP_EINVALID, "SelfSubjectAccessReview.authorization.k8s.io \"\" is "
                                           "invalid: spec: Invalid value: exactly one of "
                                           "nonResourceAttributes or resourceAttributes must be "
                                           "specified");
        }
        kp_authz_attrs at;
        memset(&at, 0, sizeof(at));
        if (ra) {
            at.verb = kp_json_get_str(ra, "verb");
            at.group = kp_json_get_str(ra, "group");
            at.resource = kp_json_get_str(ra, "resource");
            at.subresource = kp_json_get_str(ra, "subresource");
            at.ns = kp_json_get_str(ra, "namespace");
            at.name = kp_json_get_str(ra, "name");
            if (!at.group)
                at.group = "";
            if (!at.resource)
                at.resource = "";
        } else {
            at.verb = kp_json_get_str(na, "verb");
            at.path = kp_json_get_str(na, "path");
            if (!at.path)
                at.path = "";
        }
        if (!at.verb)
            at.verb = "";
        if (api_authz_check(c, &at) == 0)
            status = json_pack("{s:b}", "allowed", 1);
        else
            status = json_pack("{s:b, s:s}", "allowed", 0, "reason", kp_err_msg());
        kp_err_clear();
    } else { /* SelfSubjectRulesReview */
        json_t *rr = NULL, *nr = NULL;
        kp_authz_user u = {c->user, c->groups, c->ngroups};
        const char *ns = kp_json_get_str(body, "spec.namespace");
        if (c->api->authz &&
            kp_authz_rules(&rr, &nr, c->api->authz, c->cluster, &u, ns ? ns : "") == 0) {
            status = json_pack("{s:o, s:o, s:b}", "resourceRules", rr, "nonResourceRules", nr,
                               "incomplete", 0);
        } else {
            kp_err_clear();
            status = json_pack("{s:[], s:[], s:b, s:s}", "resourceRules", "nonResourceRules",
                               "incomplete", 1, "evaluationError", "rules are not available");
        }
    }
    rc = api_reply_json(c, 201, review_reply(c, body, status));
    json_decref(body);
    return rc;
}

/* POST .../serviceaccounts/<name>/token (kubectl create token): a token bound to this
 * workspace and this ServiceAccount object (its uid), for the requested audiences. */
int api_token_request(api_ctx *c)
{
    json_t *body = NULL, *sa = NULL, *auds, *resp = NULL;
    kp_key k = {c->cluster, "/serviceaccounts", c->ns, c->name};
    const char *aud[16];
    size_t naud = 0, i;
    json_t *a;
    json_int_t exp_s = 3600;
    int64_t exp_at = 0;
    kp_buf tok;
    int rc;

    kp_buf_init(&tok, 16 * 1024);
    if ((rc = api_body(&body, c)) < 0)
        goto out;
    if ((rc = kp_store_get(&sa, c->api->store, &k)) < 0) {
        rc = api_store_err(c, rc, c->name);
        goto out;
    }
    auds = kp_json_get(body, "spec.audiences");
    json_array_foreach(auds, i, a)
    {
        if (json_is_string(a) && naud < KP_ARRAY_LEN(aud))
            aud[naud++] = json_string_value(a);
    }
    if (json_is_integer(kp_json_get(body, "spec.expirationSeconds")))
        exp_s = json_integer_value(kp_json_get(body, "spec.expirationSeconds"));
    if (exp_s < 600 || exp_s > (json_int_t)1 << 32) {
        kp_err_cause("spec.expirationSeconds", "FieldValueInvalid",
                     "Invalid value: %lld: may not specify a duration less than 10 minutes",
                     (long long)exp_s);
        rc = kp_err_set(KP_EINVALID,
                        "TokenRequest.authentication.k8s.io \"%s\" is invalid: "
                        "spec.expirationSeconds: Invalid value: %lld: may not specify a duration "
                        "less than 10 minutes or longer than 2^32 seconds",
                        c->name, (long long)exp_s);
        goto out;
    }
    if (!c->api->authn) {
        rc = kp_err_set(KP_EUNAVAILABLE, "ServiceAccount tokens are not enabled");
        goto out;
    }
    if ((rc = kp_authn_issue_sa_token(&tok, &exp_at, c->api->authn, c->cluster, c->ns, c->name,
                                      kp_json_get_str(sa, "metadata.uid"), aud, naud,
                                      (int64_t)exp_s)) < 0)
        goto out;
    {
        char when[32];
        time_t t = (time_t)exp_at;
        struct tm tm;
        json_t *spec = json_deep_copy(json_object_get(body, "spec"));
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!spec)
            spec = json_object();
        json_object_set_new(spec, "expirationSeconds", json_integer(exp_s));
        if (naud == 0)
            json_object_set_new(spec, "audiences", json_array());
        resp = json_pack("{s:s, s:s, s:{s:s, s:s, s:n}, s:o, s:{s:s, s:s}}", "kind", "TokenRequest",
                         "apiVersion", "authentication.k8s.io/v1", "metadata", "name", c->name,
                         "namespace", c->ns, "creationTimestamp", "spec", spec, "status", "token",
                         kp_buf_cstr(&tok), "expirationTimestamp", when);
    }
    rc = api_reply_json(c, 201, resp);
out:
    if (tok.p)
        memset(tok.p, 0, tok.alloc); /* the token lives on only in the answer */
    kp_buf_dispose(&tok);
    json_decref(body);
    json_decref(sa);
    return rc;
}
