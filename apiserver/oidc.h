/* oidc: OIDC ID tokens from issuers that each workspace configures for itself with
 * tenancy.kplane.io/v1alpha1 WorkspaceAuthentication objects (the JWT authenticators of
 * Kubernetes' structured AuthenticationConfiguration, without CEL, plus where the keys come
 * from). Owns two caches: the parsed configuration of each logical cluster (dropped by
 * kp_oidc_invalidate() when one of its WorkspaceAuthentication objects changes) and the key sets
 * fetched from JWKS URLs (libcurl through lib/httpc). Thread rules: any thread may call every
 * function; one mutex guards both caches and is never held across I/O (store reads, file reads
 * and fetches happen outside it); cached entries are reference-counted, so a request keeps
 * using what it took while the cache replaces it. */
#ifndef KP_OIDC_H
#define KP_OIDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "apiserver/store.h"
#include "lib/arena.h"
#include "lib/buf.h"

#define KP_OIDC_RESOURCE "tenancy.kplane.io/workspaceauthentications" /* the store key */
#define KP_OIDC_KIND "WorkspaceAuthentication.tenancy.kplane.io"
#define KP_OIDC_ROOT_CLUSTER "root" /* the only workspace where issuer.jwksFile is allowed */
#define KP_OIDC_JWT_MAX 64          /* spec.jwt entries in one object (k8s: 64 per config) */
#define KP_OIDC_OBJECTS_MAX 64      /* WorkspaceAuthentication objects read per workspace */
#define KP_OIDC_CONFIG_TTL_S 300    /* a workspace's parsed configuration is re-read after it */
#define KP_OIDC_JWKS_TTL_S 300      /* keys from a JWKS URL are fetched again after it */
#define KP_OIDC_JWKS_REFRESH_S 30   /* and never more often than this (unknown kid, failures) */
#define KP_OIDC_FETCH_TIMEOUT_MS 5000

typedef struct kp_oidc kp_oidc;

typedef struct {
    kp_store *store;             /* where WorkspaceAuthentication objects are read */
    const char *reserved_issuer; /* kplane's ServiceAccount issuer: no workspace may claim it */
    int config_ttl_s;            /* 0: KP_OIDC_CONFIG_TTL_S */
    int jwks_ttl_s;              /* 0: KP_OIDC_JWKS_TTL_S */
    int jwks_refresh_s;          /* 0: KP_OIDC_JWKS_REFRESH_S */
    /* Replacements for tests; NULL means the real one. list: the cluster's objects as a new
     * JSON array (owned by the caller); fetch: the body of GET url (trusting ca_pem when not
     * NULL); now: Unix seconds. */
    int (*list)(json_t **items_out, void *arg, const char *cluster);
    int (*fetch)(kp_buf *body_out, void *arg, const char *url, const char *ca_pem);
    int64_t (*now)(void *arg);
    void *hook_arg;
} kp_oidc_opts;

/* A caller authenticated by a workspace's issuer. Strings live in the arena given to
 * kp_oidc_authenticate(). groups holds the mapped groups only (the caller adds
 * system:authenticated). */
typedef struct {
    const char *name;
    const char *uid; /* "" when no uid claim is mapped */
    const char **groups;
    size_t ngroups;
    const char *issuer; /* the authenticator that accepted the token */
} kp_oidc_user;

/* owned, free with kp_oidc_free(). */
int kp_oidc_new(kp_oidc **out, const kp_oidc_opts *opts);
/* NULL is fine. */
void kp_oidc_free(kp_oidc *o);

/* Forgets the parsed configuration of cluster, so the next token for it reads the store again.
 * Cheap and non-blocking (one short lock): the watch hub's observer calls it on the writer
 * thread for every committed change to a WorkspaceAuthentication. */
void kp_oidc_invalidate(kp_oidc *o, const char *cluster);

/* Authenticates a JWT in the workspace cluster against its WorkspaceAuthentication objects:
 * an authenticator whose issuer.url equals the token's "iss" exactly, the signature by its
 * JWKS, an audience it accepts, exp/nbf/iat, its claimValidationRules, then the claim mappings.
 * Usernames in "system:" are refused and groups in "system:" dropped: a workspace's issuer must
 * not mint kplane's own identities. KP_EUNAUTHORIZED with a reason for the log (never a piece
 * of the token) when it is refused, also when the issuer's keys cannot be fetched; the caller
 * answers 401 "Unauthorized" whatever the reason. KP_EUNAVAILABLE when the workspace's objects
 * cannot be read from the store. */
int kp_oidc_authenticate(kp_oidc_user *out, kp_arena *arena, kp_oidc *o, const char *cluster,
                         const char *token, size_t len);

/* Admission of a WorkspaceAuthentication object (a whole object) stored in cluster: the shape
 * Kubernetes validates for AuthenticationConfiguration.jwt[] plus one key source per issuer.
 * 0 when valid; otherwise KP_EINVALID with one kp_err_cause() per problem and the message
 * `WorkspaceAuthentication.tenancy.kplane.io "<name>" is invalid: ...`. Reads nothing but obj
 * (a jwksFile is checked for its shape, not read). reserved_issuer may be NULL. */
int kp_oidc_validate(const json_t *obj, const char *cluster, const char *reserved_issuer);

#endif
