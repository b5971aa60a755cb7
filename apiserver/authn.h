/* authn: who is calling. Bearer tokens from a static token file (kube-apiserver's
 * --token-auth-file CSV: token,user,uid[,"group1,group2"]); client certificates are verified
 * in api.c against kplane's CA. Tokens are kept only as SHA-256 digests and compared in
 * constant time; no token ever reaches a log or an error message. Read-only after
 * kp_authn_new(); any thread may call it. */
#ifndef KP_AUTHN_H
#define KP_AUTHN_H

#include <stddef.h>
#include "lib/arena.h"

typedef struct kp_authn kp_authn;

typedef struct {
    const char *token_file; /* NULL: no static tokens */
} kp_authn_opts;

/* A caller: strings live in the arena given to the lookup. */
typedef struct {
    const char *name;
    const char *uid;
    const char **groups;
    size_t ngroups;
} kp_authn_user;

/* Loads the token file. KP_EBADREQUEST naming the file and line for a malformed one (never
 * the token). owned, free with kp_authn_free(). */
int kp_authn_new(kp_authn **out, const kp_authn_opts *opts);
void kp_authn_free(kp_authn *a);
/* Resolves a bearer token; KP_EUNAUTHORIZED when it is unknown. */
int kp_authn_token(kp_authn_user *out, kp_arena *arena, const kp_authn *a, const char *token,
                   size_t len);

#endif
