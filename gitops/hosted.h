/* hosted: "git push to deploy". Serves the hosted repositories of every workspace over Git's
 * smart HTTP by running git http-backend as a CGI program per request (posix_spawn, no shell;
 * the git binary, never libgit2, which only gitops/git.c uses), creates a repository on its
 * first push, and verifies the GitOps webhook (X-Hub-Signature-256 or X-Gitlab-Token) of
 * external repositories. It plugs into the API as kp_api_git_hooks; any thread may call it. */
#ifndef KP_HOSTED_H
#define KP_HOSTED_H

#include <stddef.h>
#include <stdint.h>
#include "apiserver/api.h"
#include "apiserver/client.h"
#include "gitops/gitops.h"
#include "lib/sv.h"

typedef struct kp_hosted kp_hosted;

typedef struct {
    const char *data_dir; /* repositories live in <data_dir>/git/<cluster>/<name>.git */
    kp_gitops *gitops;    /* told about pushes and webhooks; NULL is fine */
    /* the CGI program; NULL: "git http-backend" (env KPLANE_GIT_HTTP_BACKEND overrides) */
    const char *backend;
    /* a backend run is killed past it; 0: KP_GIT_TIMEOUT_S (env KPLANE_GIT_TIMEOUT_S) */
    int timeout_s;
} kp_hosted_opts;

/* owned, free with kp_hosted_free() (after the HTTP server stopped). */
int kp_hosted_new(kp_hosted **out, const kp_hosted_opts *opts);
void kp_hosted_free(kp_hosted *h);
/* The identity webhooks read GitRepository and Secret objects with (borrowed; it must outlive
 * h). Until it is set every webhook answers 404. */
void kp_hosted_set_client(kp_hosted *h, kp_client *client);
/* The hooks for kp_api_opts.git (arg is h). */
kp_api_git_hooks kp_hosted_hooks(kp_hosted *h);

/* Parses an X-Hub-Signature-256 header, "sha256=" and 64 hex digits (either case), into the
 * 32 bytes of the HMAC-SHA256. KP_EBADREQUEST for anything else. */
int kp_hosted_parse_signature(uint8_t out[32], kp_sv header);
/* True when header (X-Hub-Signature-256) is the HMAC-SHA256 of body keyed with secret;
 * compared in constant time. */
bool kp_hosted_signature_ok(kp_sv header, const void *secret, size_t secret_len, kp_sv body);

#endif
