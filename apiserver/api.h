/* api: the request pipeline (route, authenticate, resolve the workspace, authorize, admit,
 * dispatch, respond) and the REST handlers over the store. Every request, in-process
 * controllers' included, runs the same steps in the same order. kp_api_handle() runs on the
 * HTTP worker threads; a kp_api is read-only after kp_api_new(). */
#ifndef KP_API_H
#define KP_API_H

#include "apiserver/http.h"
#include "apiserver/store.h"
#include <jansson.h>

typedef struct kp_api kp_api;

typedef struct kp_watch_hub kp_watch_hub;

/* The workspace tree, provided by the workspaces module (it calls the API, so the API only
 * knows it through these hooks). Without them only "root" exists. */
typedef struct {
    void *arg;
    /* path or logical cluster id -> id and canonical path (buffers of 64 and 1024 bytes) */
    int (*resolve)(void *arg, const char *path_or_id, char *cluster, char *path);
    /* a Workspace create in the workspace at parent_path, before it is stored */
    int (*admit_create)(void *arg, json_t *obj, const char *parent_path, const char *user,
                        const char *const *groups, size_t ngroups);
    /* a Workspace update: what is immutable stays as it was (old is the stored object) */
    int (*admit_update)(void *arg, const json_t *old, json_t *obj);
    /* after the create committed */
    int (*initialize)(void *arg, const char *parent_path, const json_t *obj);
    /* before the Workspace object is deleted */
    int (*delete_contents)(void *arg, const char *parent_path, const json_t *obj);
} kp_api_ws_hooks;

/* Git smart HTTP of the hosted repositories and the GitOps webhook, provided by the gitops
 * module (gitops/hosted.c: it runs git, so the API only knows it through these hooks). Without
 * them those paths answer 404. */
typedef struct {
    const char *cluster;   /* the workspace's logical cluster id */
    const char *ws_path;   /* its canonical path, for messages */
    const char *repo;      /* a DNS label, without ".git" */
    const char *path_info; /* "/<repo>.git/info/refs", ".../git-upload-pack", ... */
    const char *service;   /* "git-upload-pack" or "git-receive-pack" */
    const char *user;      /* who was authenticated */
    bool push;             /* receive-pack, authorized by create or update on gitrepositories */
} kp_api_git_call;

typedef struct {
    void *arg;
    /* /clusters/<ws>/git/<repo>.git/...: authenticated and authorized; sets resp, or returns a
     * kp_err code that becomes the answer */
    int (*git)(void *arg, const kp_api_git_call *call, kp_req *req, kp_http_resp *resp);
    /* POST /clusters/<ws>/gitops/hooks/<ns>/<name>: NOT authenticated (GitHub and GitLab
     * cannot present kplane credentials); the hook verifies the request's signature itself */
    int (*webhook)(void *arg, const char *cluster, const char *ns, const char *name, kp_req *req,
                   kp_http_resp *resp);
} kp_api_git_hooks;

typedef struct kp_authn kp_authn;
typedef struct kp_authz kp_authz;
typedef struct kp_rquota kp_rquota;

typedef struct {
    kp_store *store;
    kp_watch_hub *hub;
    const kp_api_ws_hooks *ws;
    const kp_authn *authn;   /* bearer tokens; NULL: client certificates only */
    kp_authz *authz;         /* RBAC; NULL: system:masters only */
    const char *ca_pem;      /* client certificates are verified against it */
    const char *server_addr; /* host:port, for /api's serverAddressByClientCIDRs */
    kp_rquota *rquota;       /* ResourceQuota object counts; NULL: not enforced */
    struct kp_crd_reg *crd;  /* CRDs per workspace; NULL: custom resources are not served */
    bool plain_cluster;      /* cluster-sim: the workspace API (tenancy.kplane.io) is not served */
    const kp_api_git_hooks *git; /* hosted Git and webhooks; NULL: not served */
} kp_api_opts;

/* owned, free with kp_api_free() */
int kp_api_new(kp_api **out, const kp_api_opts *opts);
void kp_api_free(kp_api *api);
/* Creates what the root workspace holds from the start (namespaces default, kube-system,
 * kube-public) when missing. */
int kp_api_bootstrap(kp_api *api);
/* The request body cap of a route (kp_http_opts.body_max; arg is the kp_api): a push or fetch
 * to a hosted repository that carries credentials may send KP_GIT_BODY_MAX, a webhook
 * KP_WEBHOOK_BODY_MAX, anything else KP_BODY_MAX. */
size_t kp_api_body_max(void *arg, const kp_req *r);
/* The kp_http_handler: arg is the kp_api. */
void kp_api_handle(void *arg, kp_req *req, kp_http_resp *resp);

/* DeleteOptions (k8s meta/v1) of a delete: the query's propagationPolicy and orphanDependents,
 * then the body's fields (JSON, may be empty), validated as Kubernetes does (422 naming
 * propagationPolicy). policy is "Foreground", "Background", "Orphan" (orphanDependents maps to
 * Orphan or Background) or NULL: the object keeps its own garbage collector finalizers. */
typedef struct {
    int64_t rv;         /* preconditions.resourceVersion; 0: none */
    const char *uid;    /* preconditions.uid (arena); NULL: none */
    const char *policy; /* a constant string, or NULL */
} kp_api_delopts;
typedef struct kp_arena kp_arena;
int kp_api_delete_options(kp_api_delopts *out, kp_arena *a, const char *body, size_t len,
                          const char *policy_query, const char *orphan_query);

/* Kubernetes' version as this server reports it. */
#define KP_K8S_MAJOR "1"
#define KP_K8S_MINOR "33"
#define KP_K8S_GIT_VERSION "v1.33.0-kplane"

#endif
