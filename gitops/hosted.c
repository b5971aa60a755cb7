#include "lib/common.h"
#include "gitops/hosted.h"
#include "apiserver/validate.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOSTED_ERR_MAX 4096      /* what a git run wrote on stderr, kept for the log */
#define HOSTED_ENV_VALUE_MAX 512 /* a request header passed to the CGI program */
/* A fetch's answer past this much is streamed, not held whole in memory */
#define HOSTED_STREAM_AFTER (1024 * 1024)

struct kp_hosted {
    char *data_dir; /* absolute */
    char *git_root; /* <data_dir>/git */
    kp_gitops *gitops;
    char *backend; /* NULL: "git http-backend" */
    int timeout_s;
    kp_client *client;       /* set once before serving, then read-only */
    pthread_mutex_t init_mu; /* serializes the creation of repositories */
    atomic_int running;      /* backend runs now */
};

int kp_hosted_new(kp_hosted **out, const kp_hosted_opts *opts)
{
    kp_hosted *h;
    char *abs = realpath(opts->data_dir, NULL);
    const char *env;
    int64_t v;

    if (!abs)
        return kp_err_set(KP_EINTERNAL, "data dir \"%s\": %s", opts->data_dir, strerror(errno));
    h = kp_calloc(1, sizeof(*h));
    h->data_dir = kp_strdup(abs);
    free(abs);
    h->git_root = kp_asprintf("%s/git", h->data_dir);
    h->gitops = opts->gitops;
    env = getenv("KPLANE_GIT_HTTP_BACKEND");
    if (env && env[0])
        h->backend = kp_strdup(env);
    else if (opts->backend)
        h->backend = kp_strdup(opts->backend);
    h->timeout_s = opts->timeout_s > 0 ? opts->timeout_s : KP_GIT_TIMEOUT_S;
    env = getenv("KPLANE_GIT_TIMEOUT_S");
    if (env && kp_parse_i64(&v, kp_sv_from(env), 1, 86400) == 0)
        h->timeout_s = (int)v;
    kp_err_clear();
    pthread_mutex_init(&h->init_mu, NULL);
    *out = h;
    return 0;
}

void kp_hosted_free(kp_hosted *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->init_mu);
    free(h->data_dir);
    free(h->git_root);
    free(h->backend);
    free(h);
}

void kp_hosted_set_client(kp_hosted *h, kp_client *client)
{
    h->client = client;
}

/* ---- running git ---- */

typedef struct {
    const char *const *argv; /* argv[0] is looked up on PATH */
    const char *const *envp;
    kp_sv in;    /* fed to stdin, then stdin is closed */
    kp_buf *out; /* stdout, up to its cap */
    kp_buf *err; /* stderr, up to its cap; the rest is dropped */
    int timeout_s;
} hosted_run_args;

static int64_t hosted_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hosted_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Reads what fd has now into b; false at EOF or on an error. Past the cap of b the bytes are
 * dropped and *over set. */
static bool hosted_drain(int fd, kp_buf *b, bool *over)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n > 0) {
            kp_buf_put(b, chunk, (size_t)n);
            if (b->err)
                *over = true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

/* A program started by hosted_start: its pipes (-1 once closed) and its deadline. */
typedef struct {
    pid_t pid;
    int in, out, err;
    kp_sv input; /* what stdin gets */
    size_t written;
    kp_buf *obuf, *ebuf;
    int64_t deadline;
    int timeout_s;
    const char *name; /* argv[0], borrowed */
    bool over;        /* stdout went past the cap of obuf */
} hosted_proc;

/* Starts a program with pipes on stdin, stdout and stderr, in a process group of its own (git
 * http-backend runs git-upload-pack or git-receive-pack below it, and a kill must reach
 * them). */
static int hosted_start(hosted_proc *p, const hosted_run_args *a)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, dflt;
    int e;

    memset(p, 0, sizeof(*p));
    p->pid = -1;
    p->in = p->out = p->err = -1;
    p->input = a->in;
    p->obuf = a->out;
    p->ebuf = a->err;
    p->timeout_s = a->timeout_s;
    p->deadline = hosted_now_ms() + (int64_t)a->timeout_s * 1000;
    p->name = a->argv[0];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        e = errno;
        for (int i = 0; i < 2; i++) {
            hosted_close(&in[i]);
            hosted_close(&out[i]);
            hosted_close(&err[i]);
        }
        return kp_err_set(KP_EINTERNAL, "pipe failed: %s", strerror(e));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    /* nothing else of kplane's reaches git, even a descriptor someone opened without
     * O_CLOEXEC */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE); /* kplane ignores it; git expects the default */
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    e = posix_spawnp(&p->pid, a->argv[0], &fa, &attr, (char *const *)a->argv,
                     (char *const *)a->envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    hosted_close(&in[0]);
    hosted_close(&out[1]);
    hosted_close(&err[1]);
    if (e != 0) {
        p->pid = -1;
        hosted_close(&in[1]);
        hosted_close(&out[0]);
        hosted_close(&err[0]);
        return kp_err_set(KP_EINTERNAL, "cannot run \"%s\": %s", a->argv[0], strerror(e));
    }
    p->in = in[1];
    p->out = out[0];
    p->err = err[0];
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    if (p->input.len == 0)
        hosted_close(&p->in);
    return 0;
}

/* Feeds stdin while reading stdout and stderr (both at once: a pack may be larger than a
 * pipe), until stdout and stderr end, or, when more is not 0, stdin is done and obuf holds at
 * least more bytes. KP_ETIMEOUT past the deadline, KP_EINTERNAL when stdout goes past the cap
 * of obuf. */
static int hosted_pump(hosted_proc *p, size_t more)
{
    bool err_over = false;

    while (p->out >= 0 || p->err >= 0) {
        struct pollfd pf[3];
        nfds_t n = 0;
        int64_t left = p->deadline - hosted_now_ms();
        int pr;

        if (more && p->in < 0 && p->obuf->len >= more)
            return 0;
        if (left <= 0)
            return kp_err_set(KP_ETIMEOUT, "\"%s\" did not finish within %d s and was stopped",
                              p->name, p->timeout_s);
        if (p->in >= 0)
            pf[n++] = (struct pollfd){p->in, POLLOUT, 0};
        if (p->out >= 0)
            pf[n++] = (struct pollfd){p->out, POLLIN, 0};
        if (p->err >= 0)
            pf[n++] = (struct pollfd){p->err, POLLIN, 0};
        pr = poll(pf, n, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR)
            return kp_err_set(KP_EINTERNAL, "poll failed: %s", strerror(errno));
        for (nfds_t i = 0; pr > 0 && i < n; i++) {
            if (!pf[i].revents)
                continue;
            if (pf[i].fd == p->in) {
                ssize_t w = write(p->in, p->input.p + p->written, p->input.len - p->written);
                if (w > 0)
                    p->written += (size_t)w;
                /* the program may stop reading early (it refused the request): what it
                 * wrote still counts */
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || p->written == p->input.len)
                    hosted_close(&p->in);
            } else if (pf[i].fd == p->out) {
                if (!hosted_drain(p->out, p->obuf, &p->over))
                    hosted_close(&p->out);
            } else if (!hosted_drain(p->err, p->ebuf, &err_over)) {
                hosted_close(&p->err);
            }
        }
        if (p->over)
            return kp_err_set(KP_EINTERNAL, "\"%s\" wrote more than %zu bytes", p->name,
                              p->obuf->cap);
    }
    hosted_close(&p->in);
    return 0;
}

/* Closes the pipes and reaps the program, killing its process group first when stop is set
 * or it outlives its deadline. *status gets its wait status (-1 when it could not be had). */
static void hosted_reap(hosted_proc *p, int *status, bool stop)
{
    hosted_close(&p->in);
    hosted_close(&p->out);
    hosted_close(&p->err);
    *status = -1;
    if (p->pid <= 0)
        return;
    if (stop)
        kill(-p->pid, SIGKILL);
    for (;;) {
        pid_t w = waitpid(p->pid, status, stop ? 0 : WNOHANG);
        if (w == p->pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0) {
            /* the output is closed: the program is about to exit, or hangs past it */
            struct timespec ts = {0, 1000000};
            if (hosted_now_ms() > p->deadline) {
                stop = true;
                kill(-p->pid, SIGKILL);
                continue; /* the next waitpid blocks */
            }
            nanosleep(&ts, NULL);
        }
    }
    p->pid = -1;
}

/* Runs a program to its end (hosted_start, hosted_pump, hosted_reap): on every path the child
 * is reaped, past the deadline its whole process group killed first. */
static int hosted_run(int *status, const hosted_run_args *a)
{
    hosted_proc p;
    int rc = hosted_start(&p, a);

    if (rc < 0)
        return rc;
    rc = hosted_pump(&p, 0);
    hosted_reap(&p, status, rc < 0);
    return rc;
}

/* The environment of every git run: nothing of kplane's own (no secrets, no user config). */
#define HOSTED_BASE_ENV                                                                            \
    "PATH=/usr/local/bin:/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",   \
        "GIT_TERMINAL_PROMPT=0", "LC_ALL=C"

/* Runs a git command to its end; KP_EINTERNAL with its stderr when it fails. */
static int hosted_git(kp_hosted *h, const char *const *argv)
{
    char home[4200];
    const char *envp[] = {HOSTED_BASE_ENV, home, NULL};
    kp_buf out = KP_BUF_INIT(64 * 1024), err = KP_BUF_INIT(HOSTED_ERR_MAX);
    hosted_run_args a = {argv, envp, {NULL, 0}, &out, &err, 60};
    int status = 0, rc;

    snprintf(home, sizeof(home), "HOME=%s", h->git_root);
    rc = hosted_run(&status, &a);
    if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        rc = kp_err_set(KP_EINTERNAL, "git %s failed (status %d): %.*s", argv[1], status,
                        (int)strcspn(kp_buf_cstr(&err), "\n"), kp_buf_cstr(&err));
    kp_buf_dispose(&out);
    kp_buf_dispose(&err);
    return rc;
}

static int hosted_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static bool hosted_exists(const char *dir)
{
    struct stat st;
    char *head = kp_asprintf("%s/HEAD", dir);
    bool ok = stat(head, &st) == 0;
    free(head);
    return ok;
}

/* Creates the bare repository dir of a first push: initialized in a temporary directory and
 * renamed into place, so a crash never leaves half a repository under the served name. */
static int hosted_init(kp_hosted *h, const char *cluster, const char *dir)
{
    char *croot = kp_asprintf("%s/%s", h->git_root, cluster), *tmp = NULL;
    uint64_t r;
    int rc = 0;

    pthread_mutex_lock(&h->init_mu);
    if (hosted_exists(dir))
        goto out;
    if ((mkdir(h->git_root, 0700) < 0 && errno != EEXIST) ||
        (mkdir(croot, 0700) < 0 && errno != EEXIST)) {
        rc = kp_err_set(KP_EINTERNAL, "cannot create \"%s\": %s", croot, strerror(errno));
        goto out;
    }
    kp_crypto_random(&r, sizeof(r));
    tmp = kp_asprintf("%s/.init-%016llx.git", croot, (unsigned long long)r);
    {
        const char *init[] = {"git", "init", "--bare", "-q", "--initial-branch=main", tmp, NULL};
        const char *cfg[] = {"git", "--git-dir", tmp, "config", "http.receivepack", "true", NULL};
        if ((rc = hosted_git(h, init)) < 0 || (rc = hosted_git(h, cfg)) < 0)
            goto out;
    }
    if (rename(tmp, dir) < 0) {
        rc = kp_err_set(KP_EINTERNAL, "cannot rename \"%s\": %s", tmp, strerror(errno));
        goto out;
    }
    KP_LOG_INFO("gitops", "hosted repository \"%s\" created", dir);
out:
    pthread_mutex_unlock(&h->init_mu);
    if (rc < 0 && tmp)
        nftw(tmp, hosted_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(tmp);
    free(croot);
    return rc;
}

/* After a push: when HEAD names a branch that does not exist (the first push brought only
 * "master", say), it points to a branch that does, as GitHub makes the first pushed branch the
 * default, so a clone checks something out. Best effort: a failure is only logged. */
static void hosted_fix_head(kp_hosted *h, const char *dir)
{
    kp_buf head = KP_BUF_INIT(4096), out = KP_BUF_INIT(4096), err = KP_BUF_INIT(HOSTED_ERR_MAX);
    char *path = kp_asprintf("%s/HEAD", dir), *ref = NULL, home[4200];
    const char *envp[] = {HOSTED_BASE_ENV, home, NULL};
    const char *list[] = {"git",
                          "--git-dir",
                          dir,
                          "for-each-ref",
                          "--count=1",
                          "--sort=refname",
                          "--format=%(refname)",
                          "refs/heads/",
                          NULL};
    const char *verify[] = {"git", "--git-dir", dir, "rev-parse", "-q", "--verify", "HEAD", NULL};
    hosted_run_args a = {verify, envp, {NULL, 0}, &out, &err, 60};
    int status = 0;

    snprintf(home, sizeof(home), "HOME=%s", h->git_root);
    if (kp_buf_read_file(&head, path) < 0 || strncmp(kp_buf_cstr(&head), "ref: ", 5) != 0)
        goto out;
    free(path);
    path = kp_asprintf("%s/%.*s", dir, (int)strcspn(kp_buf_cstr(&head) + 5, "\n"),
                       kp_buf_cstr(&head) + 5);
    if (access(path, F_OK) == 0) /* receive-pack writes loose refs: the common case ends here */
        goto out;
    if (hosted_run(&status, &a) < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        goto out; /* HEAD resolves (a packed ref) */
    kp_buf_reset(&out);
    a.argv = list;
    if (hosted_run(&status, &a) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        out.len == 0)
        goto out;
    ref = kp_strdup(kp_buf_cstr(&out));
    ref[strcspn(ref, "\n")] = '\0';
    {
        const char *set[] = {"git", "--git-dir", dir, "symbolic-ref", "HEAD", ref, NULL};
        if (hosted_git(h, set) == 0)
            KP_LOG_INFO("gitops", "hosted repository \"%s\": HEAD is now %s", dir, ref);
    }
out:
    kp_err_clear();
    free(ref);
    free(path);
    kp_buf_dispose(&head);
    kp_buf_dispose(&out);
    kp_buf_dispose(&err);
}

/* ---- CGI ---- */

/* A request header as a CGI variable: NAME=value, or NULL when absent or unfit (control
 * characters, too long). */
static const char *hosted_env(kp_arena *a, const char *name, const char *value)
{
    if (!value || strlen(value) > HOSTED_ENV_VALUE_MAX)
        return NULL;
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return NULL;
    return kp_arena_printf(a, "%s=%s", name, value);
}

static bool hosted_token_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

int kp_hosted_cgi_parse(kp_hosted_cgi *out, kp_arena *a, kp_sv in)
{
    kp_http_hdr **tail = &out->headers;
    const char *start = in.p;
    size_t nhdr = 0;
    kp_sv line;

    memset(out, 0, sizeof(*out));
    out->code = 200;
    for (;;) {
        const char *colon;
        kp_sv name, value;
        int64_t code;

        if (!memchr(in.p, '\n',
                    in.len < KP_HOSTED_CGI_HEADER_MAX ? in.len : KP_HOSTED_CGI_HEADER_MAX) ||
            (size_t)(in.p - start) > KP_HOSTED_CGI_HEADER_MAX)
            return kp_err_set(KP_EINTERNAL, "the CGI answer has no end of headers within %d bytes",
                              KP_HOSTED_CGI_HEADER_MAX);
        kp_sv_cut(&in, '\n', &line);
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (line.len == 0)
            break;
        colon = memchr(line.p, ':', line.len);
        if (!colon || colon == line.p)
            return kp_err_set(KP_EINTERNAL, "the CGI answer has a header line without a name");
        name = (kp_sv){line.p, (size_t)(colon - line.p)};
        value = (kp_sv){colon + 1, line.len - name.len - 1};
        while (value.len && (value.p[0] == ' ' || value.p[0] == '\t')) {
            value.p++;
            value.len--;
        }
        for (size_t i = 0; i < name.len; i++)
            if (!hosted_token_char(name.p[i]))
                return kp_err_set(KP_EINTERNAL, "the CGI answer has a bad header name");
        for (size_t i = 0; i < value.len; i++)
            if (((unsigned char)value.p[i] < 0x20 && value.p[i] != '\t') || value.p[i] == 0x7f)
                return kp_err_set(KP_EINTERNAL,
                                  "the CGI answer has a control character in "
                                  "header \"%.*s\"",
                                  KP_SV_ARG(name));
        if (kp_sv_eq_nocase(name, "Status")) {
            kp_sv num = {value.p, value.len < 3 ? value.len : 3};
            if ((value.len > 3 && value.p[3] != ' ') || kp_parse_i64(&code, num, 100, 599) < 0) {
                kp_err_clear();
                return kp_err_set(KP_EINTERNAL, "the CGI answer has a bad Status");
            }
            out->code = (int)code;
        } else if (kp_sv_eq_nocase(name, "Content-Type")) {
            out->content_type = kp_arena_printf(a, "%.*s", KP_SV_ARG(value));
        } else {
            kp_http_hdr *hd;
            if (++nhdr > KP_HOSTED_CGI_HEADERS_MAX)
                return kp_err_set(KP_EINTERNAL, "the CGI answer has more than %d headers",
                                  KP_HOSTED_CGI_HEADERS_MAX);
            hd = kp_arena_alloc(a, sizeof(*hd));
            hd->name = kp_arena_printf(a, "%.*s", KP_SV_ARG(name));
            hd->value = kp_arena_printf(a, "%.*s", KP_SV_ARG(value));
            hd->next = NULL;
            *tail = hd;
            tail = &hd->next;
        }
    }
    out->len = (size_t)(in.p - start);
    return 0;
}

/* A fetch's answer, streamed: the program keeps running while MHD sends what it writes. */
typedef struct {
    kp_hosted *h;
    hosted_proc p;
    kp_buf out, err; /* out: read, not sent yet from pos on */
    size_t pos;
} hosted_stream;

/* Runs on the connection's thread when it can send more (kp_http_streamer.read). */
static ssize_t hosted_stream_read(void *arg, kp_http_stream *s, char *buf, size_t max)
{
    hosted_stream *st = arg;
    size_t n;

    (void)s;
    if (st->pos == st->out.len) {
        kp_buf_reset(&st->out);
        st->pos = 0;
        if (st->p.out < 0)
            return -1;
        if (hosted_pump(&st->p, 1) < 0) {
            /* the client sees a cut pack and says so; the program is stopped in done() */
            KP_LOG_WARN("gitops", "git http-backend stopped while answering: %s", kp_err_msg());
            kp_err_clear();
            return -1;
        }
        if (st->out.len == 0)
            return -1;
    }
    n = st->out.len - st->pos < max ? st->out.len - st->pos : max;
    memcpy(buf, st->out.p + st->pos, n);
    st->pos += n;
    return (ssize_t)n;
}

/* Once the connection is done with the stream, on every path: a client that went away
 * takes the program with it. */
static void hosted_stream_done(void *arg)
{
    hosted_stream *st = arg;
    int status;

    hosted_reap(&st->p, &status, st->p.out >= 0);
    atomic_fetch_sub(&st->h->running, 1);
    kp_buf_dispose(&st->out);
    kp_buf_dispose(&st->err);
    free(st);
}

static int hosted_serve(void *arg, const kp_api_git_call *call, kp_req *req, kp_http_resp *resp)
{
    kp_hosted *h = arg;
    kp_arena *a = kp_req_arena(req);
    char *dir = kp_gitops_hosted_dir(h->data_dir, call->cluster, call->repo);
    const char *method = kp_req_method(req);
    kp_sv body = kp_req_body(req);
    bool post = strcmp(method, "POST") == 0;
    const char *envp[24], *argv[3], *e;
    size_t n = 0;
    hosted_stream *st = NULL;
    hosted_run_args ra;
    kp_hosted_cgi cgi;
    int status = 0, rc;
    bool counted = false, streaming;

    if (!hosted_exists(dir)) {
        if (!call->push) {
            rc = kp_err_set(KP_ENOTFOUND, "hosted repository \"%s\" not found in workspace \"%s\"",
                            call->repo, call->ws_path);
            goto out;
        }
        if ((rc = hosted_init(h, call->cluster, dir)) < 0)
            goto out;
    }
    if (atomic_fetch_add(&h->running, 1) >= KP_GIT_BACKENDS_MAX) {
        atomic_fetch_sub(&h->running, 1);
        rc = kp_err_set(KP_ETOOMANY, "too many Git requests at once, try again");
        goto out;
    }
    counted = true;
    envp[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    envp[n++] = "GIT_CONFIG_NOSYSTEM=1";
    envp[n++] = "GIT_CONFIG_GLOBAL=/dev/null";
    envp[n++] = "GIT_HTTP_EXPORT_ALL=1";
    envp[n++] = "GATEWAY_INTERFACE=CGI/1.1";
    envp[n++] = "SERVER_PROTOCOL=HTTP/1.1";
    envp[n++] = "LC_ALL=C";
    envp[n++] = kp_arena_printf(a, "HOME=%s", h->git_root);
    envp[n++] = kp_arena_printf(a, "GIT_PROJECT_ROOT=%s/%s", h->git_root, call->cluster);
    envp[n++] = kp_arena_printf(a, "PATH_INFO=%s", call->path_info);
    envp[n++] = kp_arena_printf(a, "REQUEST_METHOD=%s", method);
    envp[n++] =
        post ? "QUERY_STRING=" : kp_arena_printf(a, "QUERY_STRING=service=%s", call->service);
    envp[n++] = kp_arena_printf(a, "CONTENT_LENGTH=%zu", post ? body.len : (size_t)0);
    if ((e = hosted_env(a, "REMOTE_USER", call->user)))
        envp[n++] = e;
    if ((e = hosted_env(a, "REMOTE_ADDR", kp_req_peer_addr(req))))
        envp[n++] = e;
    if ((e = hosted_env(a, "CONTENT_TYPE", kp_req_header(req, "Content-Type"))))
        envp[n++] = e;
    /* git sends gzip bodies; git http-backend inflates them itself */
    if ((e = hosted_env(a, "HTTP_CONTENT_ENCODING", kp_req_header(req, "Content-Encoding"))))
        envp[n++] = e;
    /* protocol v2 (Git-Protocol: version=2) */
    if ((e = hosted_env(a, "HTTP_GIT_PROTOCOL", kp_req_header(req, "Git-Protocol"))))
        envp[n++] = e;
    envp[n] = NULL;
    if (h->backend) {
        argv[0] = h->backend;
        argv[1] = NULL;
    } else {
        argv[0] = "git";
        argv[1] = "http-backend";
        argv[2] = NULL;
    }
    st = kp_calloc(1, sizeof(*st));
    st->h = h;
    st->p.pid = -1;
    st->p.in = st->p.out = st->p.err = -1;
    kp_buf_init(&st->out, KP_RESP_MAX);
    kp_buf_init(&st->err, HOSTED_ERR_MAX);
    ra = (hosted_run_args){argv,     envp,     post ? body : (kp_sv){NULL, 0},
                           &st->out, &st->err, h->timeout_s};
    if ((rc = hosted_start(&st->p, &ra)) < 0)
        goto out;
    /* a fetch's pack is streamed once its start is in; a push's short report is awaited
     * whole, so the push is complete before the agent hears of it */
    rc = hosted_pump(&st->p, call->push ? 0 : HOSTED_STREAM_AFTER);
    streaming = rc == 0 && st->p.out >= 0;
    if (!streaming) {
        hosted_reap(&st->p, &status, rc < 0);
        if (rc < 0)
            goto out;
        if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && st->out.len == 0)) {
            rc = kp_err_set(KP_EINTERNAL, "git http-backend failed (status %d): %.*s", status,
                            (int)strcspn(kp_buf_cstr(&st->err), "\n"), kp_buf_cstr(&st->err));
            goto out;
        }
    }
    if ((rc = kp_hosted_cgi_parse(&cgi, a, kp_buf_sv(&st->out))) < 0)
        goto out;
    resp->code = cgi.code;
    resp->content_type = cgi.content_type ? cgi.content_type : "application/octet-stream";
    for (kp_http_hdr *hd = cgi.headers; hd; hd = hd->next)
        kp_http_resp_header(resp, req, hd->name, hd->value);
    if (st->err.len)
        KP_LOG_DEBUG("gitops", "rid=%s git http-backend: %.*s", kp_req_id(req),
                     (int)strcspn(kp_buf_cstr(&st->err), "\n"), kp_buf_cstr(&st->err));
    memmove(st->out.p, st->out.p + cgi.len, st->out.len - cgi.len);
    st->out.len -= cgi.len;
    st->out.p[st->out.len] = '\0';
    if (streaming) { /* the stream owns the program and the slot now */
        resp->stream = (kp_http_streamer){hosted_stream_read, hosted_stream_done, st};
        st = NULL;
        counted = false;
        goto out;
    }
    /* the body moves into the response without a copy of the pack */
    kp_buf_dispose(&resp->body);
    resp->body = st->out;
    kp_buf_init(&st->out, 0);
    if (post && call->push && resp->code == 200) {
        KP_LOG_INFO("gitops",
                    "rid=%s push to hosted repository \"%s\" of workspace \"%s\" by "
                    "\"%s\"",
                    kp_req_id(req), call->repo, call->ws_path, call->user);
        hosted_fix_head(h, dir);
        kp_gitops_hosted_pushed(h->gitops, call->cluster, call->repo);
    }
out:
    if (st) {
        hosted_reap(&st->p, &status, true);
        kp_buf_dispose(&st->out);
        kp_buf_dispose(&st->err);
        free(st);
    }
    if (counted)
        atomic_fetch_sub(&h->running, 1);
    free(dir);
    return rc;
}

/* ---- webhooks ---- */

static int hosted_hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int kp_hosted_parse_signature(uint8_t out[32], kp_sv header)
{
    static const char prefix[] = "sha256=";
    const size_t plen = sizeof(prefix) - 1;

    if (header.len != plen + 64 || strncasecmp(header.p, prefix, plen) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "X-Hub-Signature-256 must be \"sha256=\" and 64 hex digits");
    for (size_t i = 0; i < 32; i++) {
        int hi = hosted_hex(header.p[plen + 2 * i]), lo = hosted_hex(header.p[plen + 2 * i + 1]);
        if (hi < 0 || lo < 0)
            return kp_err_set(KP_EBADREQUEST,
                              "X-Hub-Signature-256 must be \"sha256=\" and 64 hex digits");
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

bool kp_hosted_signature_ok(kp_sv header, const void *secret, size_t secret_len, kp_sv body)
{
    uint8_t want[32], got[32];
    bool ok;

    if (kp_hosted_parse_signature(got, header) < 0) {
        kp_err_clear();
        return false;
    }
    kp_crypto_hmac_sha256(want, secret, secret_len, body.p, body.len);
    ok = kp_crypto_equal(want, got, sizeof(want));
    explicit_bzero(want, sizeof(want));
    return ok;
}

/* The webhook secret of GitRepository ns/name: the key "token" of the Secret its
 * spec.webhookSecretRef names, read as kplane itself. KP_ENOTFOUND for a missing repository,
 * reference, Secret or key alike: an anonymous caller learns nothing more. */
static int hosted_webhook_secret(kp_buf *out, kp_hosted *h, const char *cluster, const char *ns,
                                 const char *name)
{
    json_t *repo = NULL, *secret = NULL;
    char *path = NULL;
    const char *ref, *token;
    int rc;

    if (!h->client)
        return kp_err_set(KP_ENOTFOUND, "not found");
    path = kp_asprintf("/clusters/%s/apis/gitops.kplane.io/v1alpha1/namespaces/%s/"
                       "gitrepositories/%s",
                       cluster, ns, name);
    if ((rc = kp_client_do(&repo, NULL, h->client, "GET", path, NULL)) < 0)
        goto out;
    ref = kp_json_get_str(repo, "spec.webhookSecretRef.name");
    if (!ref || !kp_validate_dns1123_subdomain(NULL, kp_sv_from(ref))) {
        rc = kp_err_set(KP_ENOTFOUND, "not found");
        goto out;
    }
    free(path);
    path = kp_asprintf("/clusters/%s/api/v1/namespaces/%s/secrets/%s", cluster, ns, ref);
    if ((rc = kp_client_do(&secret, NULL, h->client, "GET", path, NULL)) < 0)
        goto out;
    token = kp_json_get_str(secret, "data.token");
    if (!token || kp_crypto_base64_decode(out, token, strlen(token)) < 0 || out->len == 0) {
        kp_err_clear();
        rc = kp_err_set(KP_ENOTFOUND, "not found");
    }
out:
    if (rc < 0 && rc != KP_EUNAVAILABLE && rc != KP_ENOTFOUND) {
        KP_LOG_WARN("gitops", "webhook for %s/%s in \"%s\": %s", ns, name, cluster, kp_err_msg());
        kp_err_clear();
        rc = kp_err_set(KP_ENOTFOUND, "not found");
    } else if (rc == KP_ENOTFOUND) {
        kp_err_clear();
        rc = kp_err_set(KP_ENOTFOUND, "not found");
    }
    json_decref(repo);
    json_decref(secret);
    free(path);
    return rc;
}

static int hosted_webhook(void *arg, const char *cluster, const char *ns, const char *name,
                          kp_req *req, kp_http_resp *resp)
{
    kp_hosted *h = arg;
    kp_buf secret = KP_BUF_INIT(64 * 1024);
    const char *sig = kp_req_header(req, "X-Hub-Signature-256");
    const char *gl = kp_req_header(req, "X-Gitlab-Token");
    kp_sv body = kp_req_body(req);
    bool ok;
    int rc;

    if (!kp_validate_dns1123_label(NULL, kp_sv_from(ns)) ||
        !kp_validate_dns1123_subdomain(NULL, kp_sv_from(name)))
        return kp_err_set(KP_ENOTFOUND, "not found");
    if (body.len > KP_WEBHOOK_BODY_MAX)
        return kp_err_set(KP_ETOOLARGE, "a webhook delivery is at most %d bytes",
                          KP_WEBHOOK_BODY_MAX);
    if ((rc = hosted_webhook_secret(&secret, h, cluster, ns, name)) < 0)
        goto out;
    if (sig) {
        ok = kp_hosted_signature_ok(kp_sv_from(sig), secret.p, secret.len, body);
    } else if (gl) {
        /* compared as hashes: constant time whatever the lengths */
        uint8_t a[32], b[32];
        kp_crypto_sha256(a, gl, strlen(gl));
        kp_crypto_sha256(b, secret.p, secret.len);
        ok = kp_crypto_equal(a, b, sizeof(a));
    } else {
        rc = kp_err_set(KP_EUNAUTHORIZED, "a webhook must be signed: X-Hub-Signature-256 "
                                          "(HMAC-SHA256 of the body) or X-Gitlab-Token");
        goto out;
    }
    if (!ok) {
        KP_LOG_INFO("gitops", "rid=%s webhook for %s/%s in \"%s\" refused: bad %s", kp_req_id(req),
                    ns, name, cluster, sig ? "signature" : "token");
        rc = kp_err_set(KP_EFORBIDDEN,
                        "the webhook's %s does not match the GitRepository's "
                        "webhook secret",
                        sig ? "X-Hub-Signature-256" : "X-Gitlab-Token");
        goto out;
    }
    kp_gitops_repo_changed(h->gitops, cluster, ns, name);
    resp->code = 200;
    resp->content_type = "application/json";
    kp_buf_appendf(&resp->body,
                   "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                   "\"Success\",\"message\":\"fetch of gitrepository %s/%s requested\","
                   "\"code\":200}\n",
                   ns, name);
    rc = 0;
out:
    if (secret.p)
        explicit_bzero(secret.p, secret.alloc);
    kp_buf_dispose(&secret);
    return rc;
}

kp_api_git_hooks kp_hosted_hooks(kp_hosted *h)
{
    kp_api_git_hooks hk = {h, hosted_serve, hosted_webhook};
    return hk;
}
