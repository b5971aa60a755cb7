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

/* The header block a CGI program writes before its body (RFC 3875 section 6): lines "Name:
 * value" ending in LF or CRLF, then an empty line. */
#define KP_HOSTED_CGI_HEADER_MAX (64 * 1024) /* the whole block */
#define KP_HOSTED_CGI_HEADERS_MAX 64         /* headers besides Status and Content-Type */
typedef struct {
    int code;                 /* from "Status: 404 Not Found"; 200 without one */
    const char *content_type; /* arena; NULL without one */
    kp_http_hdr *headers;     /* the others, in order (arena) */
    size_t len;               /* bytes of the block, the empty line included */
} kp_hosted_cgi;
/* Parses the block at the start of in; KP_EINTERNAL (the program misbehaved) with what is
 * wrong. */
int kp_hosted_cgi_parse(kp_hosted_cgi *out, kp_arena *a, kp_sv in);

/* Parses an X-Hub-Signature-256 header, "sha256=" and 64 hex digits (either case), into the
 * 32 bytes of the HMAC-SHA256. KP_EBADREQUEST for anything else. */
int kp_hosted_parse_signature(uint8_t out[32], kp_sv header);
/* True when header (X-Hub-Signature-256) is the HMAC-SHA256 of body keyed with secret;
 * compared in constant time. */
bool kp_hosted_signature_ok(kp_sv header, const void *secret, size_t secret_len, kp_sv body);

#endif
