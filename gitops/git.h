/* git: the only module that includes libgit2. Bare mirrors fetched with force refspecs
 * (force-pushed branches and moved tags just work), revisions resolved to a SHA-1, and the
 * files of a commit's tree read straight from the object database (no checkout). Credentials
 * come in through kp_git_creds and go only to libgit2's callbacks: never logged, never in a
 * message. A kp_git_repo serves one thread at a time; different repos, any threads. */
#ifndef KP_GIT_H
#define KP_GIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kp_git_repo kp_git_repo;

/* libgit2's global setup; call once before any thread uses this module (idempotent). */
void kp_git_global_init(void);

/* What a fetch authenticates with; every field may be NULL (borrowed for the call). */
typedef struct {
    const char *username, *password; /* HTTP basic, or the SSH user with identity */
    const char *bearer_token;        /* HTTP Authorization: Bearer */
    const char *identity;            /* SSH private key (PEM or OpenSSH format) */
    const char *known_hosts;         /* SSH: lines "host keytype base64"; the host key must match */
} kp_git_creds;

/* Whether known_hosts (OpenSSH's format: "host[,host] keytype base64" lines; "[host]:port"
 * entries match the host; hashed entries never do) lists the raw SSH host key key for host. */
bool kp_git_known_hosts_match(const char *known_hosts, const char *host, const void *key,
                              size_t len);

/* Opens the bare repository at dir, creating it (and missing parent directories) when absent.
 * owned, free with kp_git_repo_free(). */
int kp_git_open(kp_git_repo **out, const char *dir);
void kp_git_repo_free(kp_git_repo *r);

/* Fetches every branch and tag of url (a URL or a local path) into the mirror, forced, pruning
 * what the remote deleted. KP_EUNAVAILABLE with libgit2's message when the remote cannot be
 * reached or refuses us. */
int kp_git_fetch(kp_git_repo *r, const char *url, const kp_git_creds *creds);

/* Resolves at most one of branch, tag, commit (all NULL: branch main, else master) to a
 * commit's SHA-1 (40 hex digits + NUL). *branch_out (may be NULL) gets the branch name used
 * (static or borrowed from the arguments). KP_ENOTFOUND when the revision is not there. */
int kp_git_resolve(char sha_out[41], const char **branch_out, kp_git_repo *r, const char *branch,
                   const char *tag, const char *commit);

/* Calls fn for every file (blob) under dir ("" or "." for the root) of commit sha's tree, in
 * tree order, with its path relative to the repository root. fn's non-zero return stops the
 * walk and is returned. KP_ENOTFOUND when dir is not a directory of that tree; KP_ETOOLARGE
 * past max_bytes of file content in all. */
typedef int (*kp_git_file_fn)(void *arg, const char *path, const char *data, size_t len);
int kp_git_read_tree(kp_git_repo *r, const char *sha, const char *dir, size_t max_bytes,
                     kp_git_file_fn fn, void *arg);

#endif
