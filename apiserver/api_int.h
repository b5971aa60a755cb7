/* api_int: private to the api module (api.c, api_rest.c, api_disc.c). */
#ifndef KP_API_INT_H
#define KP_API_INT_H

#include "apiserver/api.h"
#include "apiserver/schema.h"
#include "apiserver/watch.h"
#include "apiserver/authz.h"
#include "apiserver/crd.h"
#include "lib/arena.h"
#include "lib/crypto.h"
#include <jansson.h>

struct kp_api {
    kp_store *store;
    kp_watch_hub *hub;
    kp_crypto_ca *ca;
    char *server_addr;
    kp_api_ws_hooks ws; /* zeroed when the workspaces module is absent */
    const kp_authn *authn;
    kp_authz *authz;
    kp_rquota *rquota;
    kp_crd_reg *crd;      /* NULL: custom resources are not served */
    bool plain_cluster;   /* tenancy.kplane.io is neither routed nor discovered */
    kp_api_git_hooks git; /* zeroed when the gitops module is absent */
};

typedef enum {
    ROUTE_NONRESOURCE = 0,
    ROUTE_DISCOVERY,
    ROUTE_RESOURCE,
    ROUTE_GIT,    /* /git/<repo>.git/...: Git smart HTTP of a hosted repository */
    ROUTE_WEBHOOK /* POST /gitops/hooks/<ns>/<name>: the only route without authentication */
} route_kind;

#define API_TENANCY_GROUP "tenancy.kplane.io"
/* Whether the server serves row r (a plain cluster hides the workspace API). */
bool api_serves(const kp_api *api, const kp_schema_res *r);

/* A request, resolved step by step. Strings live in the request arena. */
typedef struct {
    kp_api *api;
    kp_req *req;
    kp_http_resp *resp;
    kp_arena *a;
    /* route */
    route_kind kind;
    const char *ws_path; /* "root" */
    const char *cluster; /* the logical cluster id; NULL for a wildcard request */
    bool wildcard;       /* /clusters/<star>: every workspace (list and watch only) */
    const char *rest;    /* the path below /clusters/<ws> */
    const char *group;   /* discovery and resources */
    const char *version;
    const kp_schema_res *res;
    bool res_custom;           /* not a built-in: looked up in the workspace's CRDs */
    kp_crd_set *crds;          /* the workspace's custom resources, held until the request ends */
    const json_t *admit_old;   /* an update's stored object while it is admitted, else NULL */
    const char *resource_name; /* as in the URL (for 404s of unknown resources) */
    const char *ns;
    const char *name;
    const char *sub;     /* subresource, or NULL */
    kp_api_git_call git; /* ROUTE_GIT: repo, path_info, service, push */
    const char *verb;
    /* Status.details of a failure about another object than the request's */
    const char *status_name, *status_group, *status_kind;
    /* authn */
    const char *token_cluster; /* a ServiceAccount token's workspace, checked after resolve */
    const char *sa_ns, *sa_name, *sa_uid;
    const char *workspace_token; /* a JWT for the workspace's own issuers, checked after
                                    resolve (borrowed from the request's header) */
    size_t workspace_token_len;
    const char *user;
    const char **groups;
    size_t ngroups;
} api_ctx;

/* api.c */
bool api_accepts(const api_ctx *c, const char *needle);
/* Sets a JSON response; consumes obj. */
int api_reply_json(api_ctx *c, int code, json_t *obj);
const char *api_query(const api_ctx *c, const char *key);
/* The "configmaps" or "deployments.apps" form Kubernetes messages use. */
const char *api_qualified(const api_ctx *c);

/* api_rest.c: get, list, watch, create, delete and what every handler shares */
int api_rest_dispatch(api_ctx *c);
int api_rest_bootstrap(kp_api *api, const char *cluster);
kp_key api_key(const api_ctx *c, const char *name);
/* Rewrites a store error into the message Kubernetes gives for it. */
int api_store_err(const api_ctx *c, int rc, const char *name);
void api_now(char out[32]);
void api_uid(char out[37]);
kp_sv api_media_type(const char *ct);
/* Decodes the body by its Content-Type (JSON, YAML, protobuf); *out owned by the caller. */
int api_decode(json_t **out, api_ctx *c, bool object_only);
int api_body(json_t **out, api_ctx *c);
int api_check_type(api_ctx *c, json_t *obj);
/* Defaults, per-kind rules, metadata validation and size: admission's built-in part. */
int api_admit(api_ctx *c, json_t *obj);
bool api_dry_run(const api_ctx *c);
/* fieldValidation (Strict, Warn, Ignore) on a decoded object; drops unknown fields. */
int api_field_validation(api_ctx *c, json_t *obj);
/* The logical cluster an object lives in (its kplane.io/cluster annotation); "" if unknown. */
const char *api_cluster_of(const json_t *obj);
bool api_has_finalizers(const json_t *obj);

/* Custom resources at a version other than their storage version (conversion None): obj's
 * apiVersion becomes the request's. */
void api_convert(const api_ctx *c, json_t *obj);
/* A kp_watch render function for a custom resource served at a non-storage version. */
json_t *api_convert_render(const void *ctx, const json_t *obj);

/* Creates obj (borrowed; the handler's decoded, type-checked body) and answers 201: names,
 * uid, timestamps, admission, the namespace check, managedFields (unless applied: server-side
 * apply set them), then the store. */
int api_create_obj(api_ctx *c, json_t *obj, bool applied);

/* api_update.c: PUT, PATCH (server-side apply too), /status, /scale */
/* The fieldManager of a write: the query parameter, else the User-Agent up to its first "/"
 * (k8s prefixFromUserAgent); 422 for one too long. *out lives in the request arena. */
int api_field_manager(const api_ctx *c, const char **out);
/* kp_apply_track() of this request: obj's managedFields after the change from old (NULL for
 * a create) by manager. */
void api_track_fields(const api_ctx *c, const char *manager, json_t *obj, const json_t *old);
int api_update(api_ctx *c);
int api_patch(api_ctx *c);
bool api_is_scale(const api_ctx *c);
/* Answers with obj (consumed), or its Scale for a /scale request. */
int api_reply_obj(api_ctx *c, int code, json_t *obj);

/* api_review.c: SelfSubjectReview, SelfSubjectAccessReview, SelfSubjectRulesReview */
int api_review(api_ctx *c);
/* serviceaccounts/<name>/token */
int api_token_request(api_ctx *c);
/* api.c: RBAC on these attributes (a SelfSubjectAccessReview's); 0 or KP_EFORBIDDEN */
int api_authz_check(const api_ctx *c, const kp_authz_attrs *at);

/* api.c: the workspace's custom resources (a reference held by the request), or NULL */
const kp_crd_set *api_crds(api_ctx *c);

/* api_disc.c */
int api_discovery(api_ctx *c);
/* Builds a meta.k8s.io/v1 Table from list items (borrowed); the caller consumes it. */
json_t *api_table(const api_ctx *c, json_t *items, const char *rv, const char *cont);
json_t *api_table_of(const kp_schema_res *r, json_t *items, const char *rv, const char *cont);
/* A kp_watch render function: ctx is the kp_schema_res; one object -> a one-row Table. */
json_t *api_table_render(const void *ctx, const json_t *obj);
int api_version_info(api_ctx *c);

#endif
