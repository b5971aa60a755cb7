/* authn: who is calling. Bearer tokens from a static token file (kube-apiserver's
 * --token-auth-file CSV: token,user,uid[,"group1,group2"]), kplane's ServiceAccount JWTs and
 * OIDC ID tokens from the issuers a workspace configures (apiserver/oidc.h, checked once the
 * workspace is known); client certificates are verified in api.c against kplane's CA. Tokens
 * are kept only as SHA-256 digests and compared in constant time; no token ever reaches a log
 * or an error message. Read-only after kp_authn_new(); any thread may call it. */
#ifndef KP_AUTHN_H
#define KP_AUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "apiserver/oidc.h"
#include "lib/arena.h"
#include "lib/buf.h"

#define KP_AUTHN_SA_ISSUER_DEFAULT "https://kplane.local"

typedef struct kp_authn kp_authn;

typedef struct {
    const char *token_file; /* NULL: no static tokens */
    const char *sa_key_pem; /* signs and verifies ServiceAccount tokens; NULL: none */
    const char *sa_issuer;  /* their "iss" (and the audience the API accepts) */
    kp_oidc *oidc;          /* workspaces' own issuers (borrowed, outlives authn); NULL: none */
} kp_authn_opts;

/* A caller: strings live in the arena given to the lookup. */
typedef struct {
    const char *name;
    const char *uid;
    const char **groups;
    size_t ngroups;
    /* a ServiceAccount token is bound to one workspace and one ServiceAccount object: the
     * caller checks both (the request's logical cluster, the object's uid); NULL otherwise */
    const char *cluster;
    const char *sa_namespace, *sa_name, *sa_uid;
    /* a JWT from another issuer than kplane's: only the workspace it is used in can tell who
     * it names, so name and groups stay unset and the caller passes the token to
     * kp_authn_workspace_token() once the workspace is resolved */
    bool workspace_jwt;
} kp_authn_user;

/* Loads the token file. KP_EBADREQUEST naming the file and line for a malformed one (never
 * the token). owned, free with kp_authn_free(). */
int kp_authn_new(kp_authn **out, const kp_authn_opts *opts);
void kp_authn_free(kp_authn *a);
/* Issues a ServiceAccount token bound to (cluster, ns, name, uid) for the audiences (none:
 * the API's own) valid expiration_s seconds from now; *exp_out gets its expiry (Unix time). */
int kp_authn_issue_sa_token(kp_buf *out, int64_t *exp_out, const kp_authn *a, const char *cluster,
                            const char *ns, const char *name, const char *uid,
                            const char *const *audiences, size_t naudiences, int64_t expiration_s);
/* Resolves a bearer token (static, or a ServiceAccount JWT); KP_EUNAUTHORIZED when it is
 * unknown, expired, for another audience or badly signed. A JWT whose (unverified) "iss" is not
 * kplane's ServiceAccount issuer sets out->workspace_jwt and returns 0 when workspace issuers
 * are enabled: see kp_authn_workspace_token(). */
int kp_authn_token(kp_authn_user *out, kp_arena *arena, const kp_authn *a, const char *token,
                   size_t len);
/* Resolves a workspace_jwt token in the logical cluster where it is used, against that
 * workspace's WorkspaceAuthentication issuers. KP_EUNAUTHORIZED with the reason (for the log,
 * never a piece of the token) when it is refused; KP_EUNAVAILABLE when the workspace's
 * configuration cannot be read. */
int kp_authn_workspace_token(kp_authn_user *out, kp_arena *arena, const kp_authn *a,
                             const char *cluster, const char *token, size_t len);
/* The "iss" of kplane's ServiceAccount tokens (borrowed from a), which no workspace may
 * configure as its own issuer; NULL when ServiceAccount tokens are off. */
const char *kp_authn_sa_issuer(const kp_authn *a);

#endif
