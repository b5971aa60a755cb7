#include "lib/common.h"
#include "gitops/git.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/err.h"
#include "lib/mem.h"

#include <git2.h>
#include <pthread.h>

/* libgit2's rules stay here: one git_libgit2_init for the process, a git_repository used by
 * one thread at a time, errors read from git_error_last() on the failing thread. */

struct kp_git_repo {
    git_repository *repo;
    char *dir;
};

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_init_once(void)
{
    git_libgit2_init();
}

void kp_git_global_init(void)
{
    pthread_once(&git_once, git_init_once);
}

/* libgit2's last message for a failed call, as a kp_err code. */
static int git_fail(int code, const char *what)
{
    const git_error *e = git_error_last();
    return kp_err_set(code, "%s: %s", what, e && e->message ? e->message : "unknown error");
}

int kp_git_open(kp_git_repo **out, const char *dir)
{
    git_repository *repo = NULL;
    kp_git_repo *r;

    kp_git_global_init();
    if (git_repository_open_bare(&repo, dir) < 0) {
        git_error_clear();
        if (git_repository_init(&repo, dir, 1) < 0)
            return git_fail(KP_EINTERNAL, "cannot create the mirror");
    }
    r = kp_calloc(1, sizeof(*r));
    r->repo = repo;
    r->dir = kp_strdup(dir);
    *out = r;
    return 0;
}

void kp_git_repo_free(kp_git_repo *r)
{
    if (!r)
        return;
    git_repository_free(r->repo);
    free(r->dir);
    free(r);
}

typedef struct {
    const kp_git_creds *creds;
    int attempts;
} fetch_ctx;

/* libgit2 asks again after a refused credential: answer once per kind, then give up (an
 * endless loop otherwise). */
static int fetch_credentials(git_credential **out, const char *url, const char *user_from_url,
                             unsigned int allowed, void *payload)
{
    fetch_ctx *fc = payload;
    const kp_git_creds *c = fc->creds;
    const char *user = c && c->username ? c->username : user_from_url;

    (void)url;
    if (!c || fc->attempts++ > 0) {
        git_error_set_str(GIT_ERROR_NET, c ? "authentication failed: the remote refused the "
                                             "credentials of the secretRef"
                                           : "authentication required: set spec.secretRef");
        return GIT_EAUTH;
    }
    if ((allowed & GIT_CREDENTIAL_SSH_MEMORY) && c->identity)
        return git_credential_ssh_key_memory_new(out, user ? user : "git", NULL, c->identity, NULL);
    if ((allowed & GIT_CREDENTIAL_USERNAME) && user)
        return git_credential_username_new(out, user);
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && c->password)
        return git_credential_userpass_plaintext_new(out, user ? user : "git", c->password);
    return GIT_PASSTHROUGH;
}

/* known_hosts: "host[,host...] keytype base64key" lines; a hashed host ("|1|...") or a
 * different host never matches. The host key libgit2 saw must equal a listed key. */
bool kp_git_known_hosts_match(const char *known, const char *host, const void *key, size_t len)
{
    const char *line = known;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        char buf[8192];
        char *hosts, *type, *b64, *save = NULL;
        if (ll < sizeof(buf)) {
            memcpy(buf, line, ll);
            buf[ll] = '\0';
            hosts = buf;
            type = strchr(hosts, ' ');
            if (type) {
                *type++ = '\0';
                b64 = strchr(type, ' ');
                if (b64) {
                    kp_buf raw;
                    char *sp;
                    *b64++ = '\0';
                    if ((sp = strchr(b64, ' ')))
                        *sp = '\0';
                    kp_buf_init(&raw, 16384);
                    if (kp_crypto_base64_decode(&raw, b64, strlen(b64)) == 0 && raw.len == len &&
                        memcmp(raw.p, key, len) == 0) {
                        for (char *h = hosts; h; h = save) {
                            save = strchr(h, ',');
                            if (save)
                                *save++ = '\0';
                            if (strcmp(h, host) == 0 ||
                                (h[0] == '[' && strncmp(h + 1, host, strlen(host)) == 0 &&
                                 h[1 + strlen(host)] == ']')) {
                                kp_buf_dispose(&raw);
                                return true;
                            }
                        }
                    }
                    kp_buf_dispose(&raw);
                }
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return false;
}

static int fetch_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
    fetch_ctx *fc = payload;
    if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
        const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
        /* SSH: only a host key the Secret's known_hosts lists (no trust on first use) */
        if (fc->creds && fc->creds->known_hosts && (hk->type & GIT_CERT_SSH_RAW) &&
            kp_git_known_hosts_match(fc->creds->known_hosts, host, hk->hostkey, hk->hostkey_len))
            return 0;
        git_error_set_str(GIT_ERROR_SSH, fc->creds && fc->creds->known_hosts
                                             ? "the SSH host key is not in known_hosts"
                                             : "SSH needs known_hosts in the secretRef");
        return -1;
    }
    return valid ? 0 : GIT_PASSTHROUGH; /* TLS: libgit2's own verification stands */
}

int kp_git_fetch(kp_git_repo *r, const char *url, const kp_git_creds *creds)
{
    git_remote *remote = NULL;
    git_fetch_options opts;
    git_remote_create_options copts;
    char spec_heads[] = "+refs/heads/*:refs/heads/*", spec_tags[] = "+refs/tags/*:refs/tags/*";
    char *specs[] = {spec_heads, spec_tags};
    git_strarray refspecs = {specs, 2};
    char *header = NULL;
    char *headers[1];
    fetch_ctx fc = {creds, 0};
    int rc = 0;

    git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
    /* anonymous, and no url.<base>.insteadOf rewriting: the URL is the spec's, and libgit2
     * 1.5.1 leaks a regex match block on every lookup of those rewrites (about 20 KiB a fetch) */
    git_remote_create_options_init(&copts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    copts.repository = r->repo;
    copts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if (git_remote_create_with_opts(&remote, url, &copts) < 0) {
        rc = git_fail(KP_EINVALID, "bad repository URL");
        goto out;
    }
    opts.callbacks.credentials = fetch_credentials;
    opts.callbacks.certificate_check = fetch_certificate;
    opts.callbacks.payload = &fc;
    opts.prune = GIT_FETCH_PRUNE;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE; /* the refspec brings them all */
    if (creds && creds->bearer_token) {
        header = kp_asprintf("Authorization: Bearer %s", creds->bearer_token);
        headers[0] = header;
        opts.custom_headers.strings = headers;
        opts.custom_headers.count = 1;
    }
    if (git_remote_fetch(remote, &refspecs, &opts, NULL) < 0)
        rc = git_fail(KP_EUNAVAILABLE, "fetch failed");
out:
    if (header) { /* the token does not stay in freed memory */
        memset(header, 0, strlen(header));
        free(header);
    }
    git_remote_free(remote);
    return rc;
}

static int resolve_ref(git_oid *oid, git_repository *repo, const char *spec)
{
    git_object *obj = NULL;
    int rc = git_revparse_single(&obj, repo, spec);
    if (rc == 0) {
        git_oid_cpy(oid, git_object_id(obj));
        git_object_free(obj);
    }
    return rc;
}

int kp_git_resolve(char sha_out[41], const char **branch_out, kp_git_repo *r, const char *branch,
                   const char *tag, const char *commit)
{
    git_oid oid;
    char spec[1024];
    const char *used = NULL;

    if (commit) {
        git_commit *c = NULL;
        if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, r->repo, &oid) < 0) {
            git_error_clear();
            return kp_err_set(KP_ENOTFOUND, "commit \"%s\" is not in the repository", commit);
        }
        git_commit_free(c);
    } else if (tag) {
        snprintf(spec, sizeof(spec), "refs/tags/%s^{commit}", tag);
        if (resolve_ref(&oid, r->repo, spec) < 0) {
            git_error_clear();
            return kp_err_set(KP_ENOTFOUND, "tag \"%s\" is not in the repository", tag);
        }
    } else {
        static const char *const defaults[] = {"main", "master"};
        size_t n = branch ? 1 : 2;
        for (size_t i = 0; i < n && !used; i++) {
            const char *b = branch ? branch : defaults[i];
            snprintf(spec, sizeof(spec), "refs/heads/%s^{commit}", b);
            if (resolve_ref(&oid, r->repo, spec) == 0)
                used = b;
        }
        git_error_clear();
        if (!used) {
            if (branch)
                return kp_err_set(KP_ENOTFOUND, "branch \"%s\" is not in the repository", branch);
            return kp_err_set(KP_ENOTFOUND,
                              "the repository has neither a \"main\" nor a \"master\" branch");
        }
    }
    git_oid_tostr(sha_out, 41, &oid);
    if (branch_out)
        *branch_out = used;
    return 0;
}

typedef struct {
    git_repository *repo;
    const char *prefix; /* the dir walked, "" or "a/b/" */
    size_t max, total;
    kp_git_file_fn fn;
    void *arg;
    int rc;
} walk_ctx;

static int walk_entry(const char *root, const git_tree_entry *e, void *payload)
{
    walk_ctx *w = payload;
    git_blob *blob = NULL;
    char *path;
    size_t len;

    if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
        return 0;
    if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
        return 0; /* a symlink could point out of the path: not followed */
    if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)) < 0) {
        w->rc = git_fail(KP_EINTERNAL, "cannot read a file");
        return -1;
    }
    len = (size_t)git_blob_rawsize(blob);
    w->total += len;
    if (w->total > w->max) {
        git_blob_free(blob);
        w->rc =
            kp_err_set(KP_ETOOLARGE, "the files under the path are larger than %zu bytes", w->max);
        return -1;
    }
    path = kp_asprintf("%s%s%s", w->prefix, root, git_tree_entry_name(e));
    w->rc = w->fn(w->arg, path, git_blob_rawcontent(blob), len);
    free(path);
    git_blob_free(blob);
    return w->rc ? -1 : 0;
}

int kp_git_read_tree(kp_git_repo *r, const char *sha, const char *dir, size_t max_bytes,
                     kp_git_file_fn fn, void *arg)
{
    git_oid oid;
    git_commit *commit = NULL;
    git_tree *root = NULL, *sub = NULL;
    git_tree_entry *entry = NULL;
    walk_ctx w;
    char *prefix = NULL;
    int rc = 0;

    memset(&w, 0, sizeof(w));
    if (git_oid_fromstr(&oid, sha) < 0 || git_commit_lookup(&commit, r->repo, &oid) < 0 ||
        git_commit_tree(&root, commit) < 0) {
        rc = git_fail(KP_ENOTFOUND, "cannot read the commit");
        goto out;
    }
    while (dir[0] == '.' && dir[1] == '/')
        dir += 2;
    if (strcmp(dir, ".") == 0)
        dir = "";
    if (dir[0]) {
        size_t dl = strlen(dir);
        char *d = kp_strdup(dir);
        while (dl && d[dl - 1] == '/')
            d[--dl] = '\0';
        if (dl && (git_tree_entry_bypath(&entry, root, d) < 0 ||
                   git_tree_entry_type(entry) != GIT_OBJECT_TREE ||
                   git_tree_lookup(&sub, r->repo, git_tree_entry_id(entry)) < 0)) {
            git_error_clear();
            rc = kp_err_set(KP_ENOTFOUND, "path \"%s\" is not a directory of the revision", dir);
            free(d);
            goto out;
        }
        prefix = dl ? kp_asprintf("%s/", d) : kp_strdup("");
        free(d);
    } else {
        prefix = kp_strdup("");
    }
    w.repo = r->repo;
    w.prefix = prefix;
    w.max = max_bytes;
    w.fn = fn;
    w.arg = arg;
    if (git_tree_walk(sub ? sub : root, GIT_TREEWALK_PRE, walk_entry, &w) < 0 && w.rc == 0)
        w.rc = git_fail(KP_EINTERNAL, "cannot read the tree");
    rc = w.rc;
out:
    free(prefix);
    git_tree_entry_free(entry);
    git_tree_free(sub);
    git_tree_free(root);
    git_commit_free(commit);
    return rc;
}
