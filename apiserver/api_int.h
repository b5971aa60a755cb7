/* api_int: private to the api module (api.c, api_rest.c, api_disc.c). */
#ifndef KP_API_INT_H
#define KP_API_INT_H

#include "apiserver/api.h"
#include "apiserver/schema.h"
#include "apiserver/watch.h"
#include "lib/arena.h"
#include "lib/crypto.h"
#include <jansson.h>

struct kp_api {
    kp_store *store;
    kp_watch_hub *hub;
    kp_crypto_ca *ca;
    char *server_addr;
};

typedef enum { ROUTE_NONRESOURCE = 0, ROUTE_DISCOVERY, ROUTE_RESOURCE } route_kind;

/* A request, resolved step by step. Strings live in the request arena. */
typedef struct {
    kp_api *api;
    kp_req *req;
    kp_http_resp *resp;
    kp_arena *a;
    /* route */
    route_kind kind;
    const char *ws_path; /* "root" */
    const char *cluster; /* the logical cluster id */
    const char *rest;    /* the path below /clusters/<ws> */
    const char *group;   /* discovery and resources */
    const char *version;
    const kp_schema_res *res;
    const char *resource_name; /* as in the URL (for 404s of unknown resources) */
    const char *ns;
    const char *name;
    const char *sub; /* subresource, or NULL */
    const char *verb;
    /* authn */
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

/* api_rest.c */
int api_rest_dispatch(api_ctx *c);
int api_rest_bootstrap(kp_api *api, const char *cluster);
/* 0, or -1 with *why set to Kubernetes' explanation of the rule the name breaks. */
int kp_api_validate_name(const char *name, kp_name_rule rule, const char **why);

/* api_disc.c */
int api_discovery(api_ctx *c);
/* Builds a meta.k8s.io/v1 Table from list items (borrowed); the caller consumes it. */
json_t *api_table(const api_ctx *c, json_t *items, const char *rv, const char *cont);
int api_version_info(api_ctx *c);

#endif
