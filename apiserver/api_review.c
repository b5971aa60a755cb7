#include "lib/common.h"
#include "apiserver/api_int.h"
#include "lib/json.h"

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
        status = api_authz_allowed(c)
                     ? json_pack("{s:b, s:s}", "allowed", 1, "reason", "user is in system:masters")
                     : json_pack("{s:b}", "allowed", 0);
    } else { /* SelfSubjectRulesReview */
        bool all = api_authz_allowed(c);
        status = json_pack("{s:o, s:o, s:b}", "resourceRules",
                           all ? json_pack("[{s:[s], s:[s], s:[s]}]", "verbs", "*", "apiGroups",
                                           "*", "resources", "*")
                               : json_array(),
                           "nonResourceRules",
                           all ? json_pack("[{s:[s], s:[s]}]", "verbs", "*", "nonResourceURLs", "*")
                               : json_array(),
                           "incomplete", 0);
    }
    rc = api_reply_json(c, 201, review_reply(c, body, status));
    json_decref(body);
    return rc;
}
