#include "lib/common.h"
#include "apiserver/api.h"
#include "apiserver/authn.h"
#include "apiserver/authz.h"
#include "apiserver/crd.h"
#include "apiserver/http.h"
#include "apiserver/oidc.h"
#include "apiserver/pgctl.h"
#include "apiserver/openapi.h"
#include "apiserver/pki.h"
#include "apiserver/rquota.h"
#include "apiserver/store.h"
#include "apiserver/watch.h"
#include "apiserver/client.h"
#include "apiserver/gc.h"
#include "gitops/gitops.h"
#include "workspaces/ws.h"
#include "sync/cluster.h"
#include "sync/syncer.h"
#include "sync/sim.h"
#include "gitops/hosted.h"
#include "lib/httpc.h"
#include "lib/limits.h"
#include "lib/log.h"

#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KPLANE_VERSION "0.1.0"

static const char usage_main[] =
    "kplane: a multi-tenant Kubernetes control plane on PostgreSQL\n"
    "\n"
    "Usage:\n"
    "  kplane <command> [flags]\n"
    "\n"
    "Commands:\n"
    "  serve      start the API server (with an embedded PostgreSQL unless --database-url)\n"
    "  cluster-sim  start a simulated downstream cluster: one plain cluster API (no workspaces)\n"
    "             with simulated nodes and pods, like KWOK\n"
    "  syncer     sync one Cluster in Pull mode, next to the downstream cluster\n"
    "  version    print the kplane version and the Kubernetes version it serves\n"
    "  help       print this help, or a command's: kplane help serve\n"
    "\n"
    "Run 'kplane <command> --help' for a command's flags.\n";

static const char usage_serve[] =
    "Usage:\n"
    "  kplane serve [flags]\n"
    "\n"
    "Starts kplane: the Kubernetes API for every workspace, over HTTPS. On first start it\n"
    "creates DATA_DIR/pki (CA, serving and admin certificates), DATA_DIR/pg (an embedded\n"
    "PostgreSQL, unless --database-url) and DATA_DIR/admin.kubeconfig.\n"
    "\n"
    "Flags:\n"
    "  --data-dir DIR        state directory (default \".kplane\")\n"
    "  --listen ADDR:PORT    HTTPS address (default \"127.0.0.1:6443\"; [::1]:6443 for IPv6)\n"
    "  --database-url URL    use this PostgreSQL (libpq URL) instead of the embedded one\n"
    "  --log-level LEVEL     error, warn, info (default) or debug\n"
    "  --threads N           HTTP worker threads (default 64)\n"
    "  --workspace-max-objects N  objects a workspace may hold unless its Workspace or\n"
    "                        WorkspaceType says otherwise (default 0: unlimited)\n"
    "  --workspace-max-bytes N    and bytes of objects (default 0: unlimited)\n"
    "  --token-auth-file F   static bearer tokens, kube-apiserver's CSV format:\n"
    "                        token,user,uid,\"group1,group2\"\n"
    "  --service-account-issuer URL  \"iss\" of ServiceAccount tokens, also the audience\n"
    "                        the API accepts (default https://kplane.local)\n"
    "  --oidc-jwks-ttl D     keys from a WorkspaceAuthentication's jwksURL are fetched again\n"
    "                        after this (default 5m)\n"
    "  --oidc-jwks-min-refresh D  and at most once per this, also for a token naming a key\n"
    "                        the cached set lacks (default 30s)\n"
    "  --events-retention D  keep watch events this long for resume (default 10m)\n"
    "  --events-max N        and at most this many (default 1000000)\n"
    "  --compaction-interval D  how often old events are dropped (default 1m)\n"
    "  --enable-garbage-collector BOOL  collect dependents by ownerReferences and finish\n"
    "                        terminating namespaces (default true)\n"
    "  --enable-syncer BOOL  sync labelled objects to the registered Clusters (default true)\n"
    "  --sync-heartbeat-interval D  how often a Cluster is probed (default 10s)\n"
    "  --sync-heartbeat-timeout D   Ready=False after this without a heartbeat (default 40s)\n"
    "  -h, --help            print this help\n";

static const char usage_syncer[] =
    "Usage:\n"
    "  kplane syncer --upstream-kubeconfig F --cluster NAME --downstream-kubeconfig G [flags]\n"
    "\n"
    "Pull mode: syncs the objects labelled state.sync.kplane.io/NAME: Sync in the workspace\n"
    "F points at (and every workspace below it) to the cluster of G, and their status back;\n"
    "writes the Cluster's heartbeat. It only connects out, so the cluster may sit behind NAT.\n"
    "\n"
    "Flags:\n"
    "  --upstream-kubeconfig F    kplane, its server URL ending in /clusters/<workspace>\n"
    "  --cluster NAME             the Cluster object (spec.syncMode: Pull) in that workspace\n"
    "  --downstream-kubeconfig G  the cluster to sync to\n"
    "  --sync-heartbeat-interval D, --sync-heartbeat-timeout D, --log-level LEVEL\n";

static const char usage_sim[] =
    "Usage:\n"
    "  kplane cluster-sim [flags]\n"
    "\n"
    "Starts a simulated cluster: the same server as 'kplane serve', serving one plain cluster\n"
    "(no workspace API; DATA_DIR/admin.kubeconfig points at https://ADDR), with Node objects\n"
    "and a simulation of what a cluster does: Deployments make ReplicaSets and Pods, pods are\n"
    "scheduled onto nodes by their requests and run after a delay, workloads get status and\n"
    "Services endpoints.\n"
    "\n"
    "Flags:\n"
    "  --data-dir DIR        state directory (default \".kplane\")\n"
    "  --listen ADDR:PORT    HTTPS address (default \"127.0.0.1:6443\")\n"
    "  --nodes N             nodes to simulate (default 3), named PREFIX-node-0...\n"
    "  --node-prefix PREFIX  (default \"sim\")\n"
    "  --region R            topology.kubernetes.io/region of the nodes (default \"local\")\n"
    "  --zones Z1,Z2         their topology.kubernetes.io/zone, round robin (default R-a)\n"
    "  --provider P          spec.providerID is P://R/ZONE/NAME (default \"kplane-sim\")\n"
    "  --pod-start-delay D   a scheduled pod runs after this (default 500ms)\n"
    "  Every 'kplane serve' flag is accepted too (see 'kplane serve --help').\n"
    "  -h, --help            print this help\n";

typedef struct {
    const char *data_dir;
    const char *listen;
    const char *database_url;
    int threads;
    const char *token_auth_file;
    int64_t ws_max_objects, ws_max_bytes;
    const char *sa_issuer;
    int jwks_ttl_s, jwks_refresh_s;
    bool no_gc;
    kp_watch_hub_opts watch;
    bool sim; /* cluster-sim: a plain cluster with simulated nodes and pods */
    kp_sim_opts simo;
    bool no_syncer;
    kp_sync_opts sync;
} serve_opts;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int fail(const char *what)
{
    fprintf(stderr, "kplane: %s%s%s\n", what ? what : "", what && *kp_err_msg() ? ": " : "",
            kp_err_msg());
    return 1;
}

/* The flag's value: "--flag value" or "--flag=value". */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        kp_err_set(KP_EBADREQUEST, "flag %s needs a value", flag);
        return "";
    }
    return argv[++*i];
}

/* A duration flag of at least one second, in whole seconds. */
static int parse_seconds(int *out, const char *flag, const char *v)
{
    int64_t ms;
    if (kp_parse_duration_ms(&ms, kp_sv_from(v), 366LL * 86400 * 1000) < 0 || ms < 1000)
        return kp_err_set(KP_EBADREQUEST, "%s: \"%s\" is not a duration of 1s or more", flag, v);
    *out = (int)(ms / 1000);
    return 0;
}

/* cluster-sim's own flags; 1 when argv[*i] is not one of them. */
static int parse_sim_flag(kp_sim_opts *s, int argc, char **argv, int *i)
{
    const char *v;
    int64_t n;
    if ((v = flag_value(argc, argv, i, "--nodes"))) {
        if (kp_parse_i64(&n, kp_sv_from(v), 0, 10000) < 0)
            return kp_err_set(KP_EBADREQUEST, "--nodes: %s", kp_err_msg());
        s->nodes = (int)n;
    } else if ((v = flag_value(argc, argv, i, "--node-prefix"))) {
        s->node_prefix = v;
    } else if ((v = flag_value(argc, argv, i, "--region"))) {
        s->region = v;
    } else if ((v = flag_value(argc, argv, i, "--zones"))) {
        s->zones = v;
    } else if ((v = flag_value(argc, argv, i, "--provider"))) {
        s->provider = v;
    } else if ((v = flag_value(argc, argv, i, "--pod-start-delay"))) {
        if (kp_parse_duration_ms(&n, kp_sv_from(v), 3600 * 1000) < 0)
            return kp_err_set(KP_EBADREQUEST, "--pod-start-delay: \"%s\" is not a duration", v);
        s->pod_start_delay_ms = (int)n;
    } else {
        return 1;
    }
    if (*kp_err_msg())
        return KP_EBADREQUEST;
    if (!*v)
        return kp_err_set(KP_EBADREQUEST, "flag %s needs a value", argv[*i]);
    return 0;
}

/* A duration flag of at least 100 ms, in milliseconds. */
static int parse_ms(int *out, const char *flag, const char *v)
{
    int64_t ms;
    if (kp_parse_duration_ms(&ms, kp_sv_from(v), 86400LL * 1000) < 0 || ms < 100)
        return kp_err_set(KP_EBADREQUEST, "%s: \"%s\" is not a duration of 100ms or more", flag, v);
    *out = (int)ms;
    return 0;
}

static int parse_serve(serve_opts *o, int argc, char **argv, bool *help)
{
    o->data_dir = ".kplane";
    o->simo.nodes = 3;
    o->simo.pod_start_delay_ms = 500;
    o->listen = "127.0.0.1:6443";
    o->threads = 64; /* a handler blocks on its commit: connections wait behind it */
    for (int i = 0; i < argc; i++) {
        const char *v;
        kp_err_clear();
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
            return 0;
        }
        if (o->sim) {
            int r = parse_sim_flag(&o->simo, argc, argv, &i);
            if (r < 0)
                return r;
            if (r == 0)
                continue;
        }
        if ((v = flag_value(argc, argv, &i, "--data-dir"))) {
            o->data_dir = v;
        } else if ((v = flag_value(argc, argv, &i, "--listen"))) {
            o->listen = v;
        } else if ((v = flag_value(argc, argv, &i, "--database-url"))) {
            o->database_url = v;
        } else if ((v = flag_value(argc, argv, &i, "--log-level"))) {
            kp_level lv;
            if (kp_log_parse_level(&lv, v) < 0)
                return KP_EBADREQUEST;
            kp_log_set_level(lv);
        } else if ((v = flag_value(argc, argv, &i, "--events-retention"))) {
            if (parse_seconds(&o->watch.compact_age_s, "--events-retention", v) < 0)
                return KP_EBADREQUEST;
        } else if ((v = flag_value(argc, argv, &i, "--compaction-interval"))) {
            if (parse_seconds(&o->watch.compact_interval_s, "--compaction-interval", v) < 0)
                return KP_EBADREQUEST;
        } else if ((v = flag_value(argc, argv, &i, "--workspace-max-objects"))) {
            if (kp_parse_i64(&o->ws_max_objects, kp_sv_from(v), 0, INT64_MAX) < 0)
                return kp_err_set(KP_EBADREQUEST, "--workspace-max-objects: %s", kp_err_msg());
        } else if ((v = flag_value(argc, argv, &i, "--workspace-max-bytes"))) {
            if (kp_parse_i64(&o->ws_max_bytes, kp_sv_from(v), 0, INT64_MAX) < 0)
                return kp_err_set(KP_EBADREQUEST, "--workspace-max-bytes: %s", kp_err_msg());
        } else if ((v = flag_value(argc, argv, &i, "--token-auth-file"))) {
            o->token_auth_file = v;
        } else if ((v = flag_value(argc, argv, &i, "--service-account-issuer"))) {
            o->sa_issuer = v;
        } else if ((v = flag_value(argc, argv, &i, "--oidc-jwks-ttl"))) {
            if (parse_seconds(&o->jwks_ttl_s, "--oidc-jwks-ttl", v) < 0)
                return KP_EBADREQUEST;
        } else if ((v = flag_value(argc, argv, &i, "--oidc-jwks-min-refresh"))) {
            if (parse_seconds(&o->jwks_refresh_s, "--oidc-jwks-min-refresh", v) < 0)
                return KP_EBADREQUEST;
        } else if ((v = flag_value(argc, argv, &i, "--events-max"))) {
            int64_t n;
            if (kp_parse_i64(&n, kp_sv_from(v), 1, INT64_MAX / 2) < 0)
                return kp_err_set(KP_EBADREQUEST, "--events-max: %s", kp_err_msg());
            o->watch.compact_events = n;
        } else if ((v = flag_value(argc, argv, &i, "--enable-garbage-collector"))) {
            bool on;
            if (kp_parse_bool(&on, kp_sv_from(v)) < 0)
                return kp_err_set(KP_EBADREQUEST,
                                  "--enable-garbage-collector: \"%s\" is not true or false", v);
            o->no_gc = !on;
        } else if ((v = flag_value(argc, argv, &i, "--enable-syncer"))) {
            bool on;
            if (kp_parse_bool(&on, kp_sv_from(v)) < 0)
                return kp_err_set(KP_EBADREQUEST, "--enable-syncer: \"%s\" is not true or false",
                                  v);
            o->no_syncer = !on;
        } else if ((v = flag_value(argc, argv, &i, "--sync-heartbeat-interval"))) {
            if (parse_ms(&o->sync.heartbeat_ms, "--sync-heartbeat-interval", v) < 0)
                return KP_EBADREQUEST;
        } else if ((v = flag_value(argc, argv, &i, "--sync-heartbeat-timeout"))) {
            if (parse_ms(&o->sync.heartbeat_timeout_ms, "--sync-heartbeat-timeout", v) < 0)
                return KP_EBADREQUEST;
        } else if ((v = flag_value(argc, argv, &i, "--threads"))) {
            int64_t n;
            if (kp_parse_i64(&n, kp_sv_from(v), 1, 1024) < 0)
                return kp_err_set(KP_EBADREQUEST, "--threads: %s", kp_err_msg());
            o->threads = (int)n;
        } else {
            return kp_err_set(KP_EBADREQUEST, "unknown flag \"%s\" (see 'kplane %s --help')",
                              argv[i], o->sim ? "cluster-sim" : "serve");
        }
        if (*kp_err_msg())
            return KP_EBADREQUEST;
        if (!*v)
            return kp_err_set(KP_EBADREQUEST, "flag %s needs a value", argv[i]);
    }
    return 0;
}

/* One kplane per data dir: an flock on DATA_DIR/kplane.lock, held for the process's life
 * (O_CLOEXEC, so PostgreSQL never inherits it). */
static int take_lock(int *fd_out, const char *data_dir)
{
    char *path = kp_asprintf("%s/kplane.lock", data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int rc = 0;

    if (fd < 0) {
        rc = kp_err_set(KP_EFORBIDDEN, "cannot open \"%s\": %s", path, strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        rc = kp_err_set(KP_EEXISTS,
                        "data dir \"%s\" is in use by another kplane (pid %s, lock \"%s\")",
                        data_dir, pid[0] ? pid : "unknown", path);
        goto out;
    }
    {
        char pid[32];
        int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
            /* the lock holds without the pid; it is only informative */
        }
    }
    *fd_out = fd;
out:
    free(path);
    return rc;
}

static int prepare_data_dir(const char *dir)
{
    char *probe;
    int fd;

    /* 0711: the postgres user may pass through to DIR/pg; pki/ and the kubeconfig stay
     * private by their own modes. */
    if (mkdir(dir, 0711) < 0 && errno != EEXIST)
        return kp_err_set(KP_EFORBIDDEN, "cannot create data dir \"%s\": %s", dir, strerror(errno));
    probe = kp_asprintf("%s/.write-test", dir);
    fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        free(probe);
        return kp_err_set(KP_EFORBIDDEN, "data dir \"%s\" is not writable: %s", dir, strerror(e));
    }
    close(fd);
    unlink(probe);
    free(probe);
    return 0;
}

/* The host part of ADDR:PORT, without IPv6 brackets; "127.0.0.1" when empty. */
static char *listen_host(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    size_t n = colon ? (size_t)(colon - listen) : strlen(listen);
    if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']')
        return kp_strndup(listen + 1, n - 2);
    return n ? kp_strndup(listen, n) : kp_strdup("127.0.0.1");
}

/* The caches that follow committed writes. */
typedef struct {
    kp_authz *authz;
    kp_oidc *oidc;
    kp_ws *ws;
    kp_rquota *rquota;
    kp_crd_reg *crd;
    kp_gc *gc;
    kp_sim *sim;
    kp_gitops *gitops;
    kp_syncer_mgr *sync;
} auth_caches;

/* RBAC caches forget a workspace's policy when any of its RBAC objects changes, the OIDC
 * cache its issuers when one of its WorkspaceAuthentications does, and the workspace tree
 * its cached quotas when a Workspace or WorkspaceType changes. */
static void auth_observe(void *arg, const kp_store_event *evs, size_t n)
{
    const auth_caches *ac = arg;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(evs[i].key.resource, "rbac.authorization.k8s.io/", 26) == 0)
            kp_authz_invalidate(ac->authz, evs[i].key.cluster);
        else if (strcmp(evs[i].key.resource, KP_OIDC_RESOURCE) == 0)
            kp_oidc_invalidate(ac->oidc, evs[i].key.cluster);
        else if (strcmp(evs[i].key.resource, KP_CRD_STORE_KEY) == 0)
            kp_crd_invalidate(ac->crd, evs[i].key.cluster); /* what the workspace serves */
    }
    kp_ws_observe(ac->ws, evs, n); /* quota changes apply on the next request */
    kp_rquota_observe(ac->rquota, evs, n);
    kp_gc_observe(ac->gc, evs, n);           /* queues only */
    kp_syncer_mgr_observe(ac->sync, evs, n); /* queues only */
    if (ac->sim)
        kp_sim_observe(ac->sim, evs, n);   /* queues only */
    kp_gitops_observe(ac->gitops, evs, n); /* queues only */
}

/* The workspace tree behind the API's hooks. */
static int ws_hook_resolve(void *arg, const char *path_or_id, char *cluster, char *path)
{
    return kp_ws_resolve(arg, path_or_id, cluster, path);
}

static int ws_hook_admit(void *arg, json_t *obj, const char *parent, const char *user,
                         const char *const *groups, size_t ngroups)
{
    return kp_ws_admit_create(arg, obj, parent, user, groups, ngroups);
}

static int ws_hook_admit_update(void *arg, const json_t *old, json_t *obj)
{
    return kp_ws_admit_update(arg, old, obj);
}

static int ws_hook_initialize(void *arg, const char *parent, const json_t *obj)
{
    return kp_ws_initialize(arg, parent, obj);
}

static int ws_hook_delete(void *arg, const char *parent, const json_t *obj)
{
    return kp_ws_delete_contents(arg, parent, obj);
}

/* Process-wide settings for a server: a watcher is a connection, so thousands of them need
 * thousands of descriptors; and glibc's malloc, left to itself, grows and trims each thread's
 * heap around every request (an mprotect each way) and keeps an arena per thread. */
static void serve_process_limits(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    mallopt(M_ARENA_MAX, 4);
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
    mallopt(M_TOP_PAD, 1024 * 1024);
}

static int serve(const serve_opts *o)
{
    kp_pgctl *pg = NULL;
    kp_store *store = NULL;
    kp_api *api = NULL;
    kp_watch_hub *hub = NULL;
    kp_ws *ws = NULL;
    kp_authn *authn = NULL;
    kp_authz *authz = NULL;
    kp_oidc *oidc = NULL;
    kp_crd_reg *crd = NULL;
    auth_caches caches;
    kp_client *ws_client = NULL, *gc_client = NULL, *sim_client = NULL;
    kp_hosted *hosted = NULL; /* hosted Git repositories and webhooks */
    kp_client *hosted_client = NULL;
    kp_api_git_hooks git_hooks;
    kp_gc *gc = NULL;
    kp_gitops *gitops = NULL;
    kp_client *gitops_client = NULL;
    kp_client *sync_client = NULL;
    kp_syncer_mgr *sync = NULL;
    kp_http *http = NULL;
    kp_pki pki;
    char *host = listen_host(o->listen);
    char *kubeconfig = NULL, *url = NULL, *server_addr = NULL;
    int lock_fd = -1, rc, exit_code = 1;
    struct sigaction sa;

    memset(&pki, 0, sizeof(pki));
    memset(&caches, 0, sizeof(caches));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    serve_process_limits();

    if ((rc = kp_openapi_init()) < 0) { /* built once from the schema table, read-only after */
        fail("cannot build the OpenAPI documents");
        goto out;
    }
    if ((rc = kp_httpc_global_init()) < 0) { /* before any thread: JWKS URLs are fetched */
        fail(NULL);
        goto out;
    }
    if ((rc = prepare_data_dir(o->data_dir)) < 0 || (rc = take_lock(&lock_fd, o->data_dir)) < 0 ||
        (rc = kp_http_bind(&http, o->listen)) < 0) {
        fail(NULL);
        goto out;
    }
    {
        char *pkidir = kp_asprintf("%s/pki", o->data_dir);
        const char *hosts[] = {host};
        rc = kp_pki_ensure(&pki, pkidir, hosts, 1);
        free(pkidir);
        if (rc < 0) {
            fail("cannot set up certificates");
            goto out;
        }
    }
    if (!o->database_url) {
        if ((rc = kp_pgctl_start(&pg, o->data_dir)) < 0) {
            fail("cannot start the embedded PostgreSQL");
            goto out;
        }
    }
    {
        kp_store_opts so = {o->database_url ? o->database_url : kp_pgctl_conninfo(pg),
                            o->database_url ? NULL : kp_pgctl_admin_conninfo(pg), 8};
        if ((rc = kp_store_open(&store, &so)) < 0) {
            fail("cannot open the database");
            goto out;
        }
        kp_store_set_default_limits(store, o->ws_max_objects, o->ws_max_bytes);
    }
    {
        char *base = kp_asprintf("https://%s", o->listen);
        ws = kp_ws_new(store, base);
        free(base);
    }
    server_addr = kp_strdup(o->listen);
    {
        kp_oidc_opts oo;
        memset(&oo, 0, sizeof(oo));
        oo.store = store;
        oo.reserved_issuer = o->sa_issuer ? o->sa_issuer : KP_AUTHN_SA_ISSUER_DEFAULT;
        oo.jwks_ttl_s = o->jwks_ttl_s;
        oo.jwks_refresh_s = o->jwks_refresh_s;
        if ((rc = kp_oidc_new(&oidc, &oo)) < 0) {
            fail(NULL);
            goto out;
        }
    }
    {
        kp_authn_opts ano = {o->token_auth_file, pki.sa_key_pem, o->sa_issuer, oidc};
        if ((rc = kp_authn_new(&authn, &ano)) < 0) {
            fail(NULL);
            goto out;
        }
    }
    if ((rc = kp_authz_new(&authz, store)) < 0) {
        fail("cannot start the authorizer");
        goto out;
    }
    {
        kp_watch_hub_opts wo = o->watch;
        caches.authz = authz;
        caches.oidc = oidc;
        caches.ws = ws;
        caches.rquota = kp_rquota_new(store);
        caches.crd = crd = kp_crd_reg_new(store);
        caches.gc = gc = o->no_gc ? NULL : kp_gc_new(store);
        caches.sim = o->sim ? kp_sim_new(store, &o->simo) : NULL;
        {
            kp_gitops_opts go = {o->data_dir};
            caches.gitops = gitops = o->sim ? NULL : kp_gitops_new(&go); /* not in a sim */
        }
        /* a simulated cluster is a sync target, never a source */
        caches.sync = sync = o->no_syncer || o->sim ? NULL : kp_syncer_mgr_new(&o->sync);
        wo.observe = auth_observe;
        wo.observe_arg = &caches;
        rc = kp_watch_hub_new(&hub, store, &wo);
    }
    if (rc < 0) {
        fail("cannot start the watch hub");
        goto out;
    }
    {
        kp_hosted_opts hso = {o->data_dir, gitops, NULL, 0};
        if ((rc = kp_hosted_new(&hosted, &hso)) < 0) {
            fail(NULL);
            goto out;
        }
        git_hooks = kp_hosted_hooks(hosted);
    }
    {
        kp_api_ws_hooks hooks = {
            NULL,          ws_hook_resolve, ws_hook_admit, ws_hook_admit_update, ws_hook_initialize,
            ws_hook_delete};
        kp_api_opts ao = {store,       hub,           &hooks, authn,  authz,     pki.ca_pem,
                          server_addr, caches.rquota, crd,    o->sim, &git_hooks};
        static const char *const masters[] = {"system:masters"};
        hooks.arg = ws;
        if ((rc = kp_api_new(&api, &ao)) < 0) {
            fail("cannot start the API");
            goto out;
        }
        ws_client = kp_client_new(api, KP_WS_USER, masters, 1);
        kp_ws_set_client(ws, ws_client);
        if ((rc = kp_api_bootstrap(api)) < 0 || (rc = kp_ws_bootstrap(ws)) < 0) {
            fail("cannot bootstrap the root workspace");
            goto out;
        }
        gc_client = kp_client_new(api, KP_GC_USER, masters, 1);
        hosted_client = kp_client_new(api, "system:kplane:gitops-webhook", masters, 1);
        kp_hosted_set_client(hosted, hosted_client);
        if (gc && (rc = kp_gc_start(gc, gc_client)) < 0) {
            fail(NULL);
            goto out;
        }
        sync_client = kp_client_new(api, KP_SYNC_USER, masters, 1);
        if (sync && (rc = kp_syncer_mgr_start(sync, sync_client)) < 0) {
            fail(NULL);
            goto out;
        }
        if (caches.sim) {
            sim_client = kp_client_new(api, KP_SIM_USER, masters, 1);
            if ((rc = kp_sim_start(caches.sim, sim_client)) < 0) {
                fail("cannot start the cluster simulation");
                goto out;
            }
        }
        gitops_client = kp_client_new(api, KP_GITOPS_USER, masters, 1);
        if (gitops && (rc = kp_gitops_start(gitops, gitops_client)) < 0) {
            fail(NULL);
            goto out;
        }
    }
    { /* before serving: whoever sees /readyz answer finds the kubeconfig (the port is bound) */
        bool v6 = strchr(host, ':') != NULL;
        /* a plain cluster's URL has no /clusters/: such requests go to root */
        url = kp_asprintf("https://%s%s%s:%d%s", v6 ? "[" : "",
                          strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, v6 ? "]" : "",
                          kp_http_port(http), o->sim ? "" : "/clusters/root");
        kubeconfig = kp_asprintf("%s/admin.kubeconfig", o->data_dir);
        if ((rc = kp_pki_write_kubeconfig(kubeconfig, url, &pki)) < 0) {
            fail("cannot write the admin kubeconfig");
            goto out;
        }
    }
    {
        kp_http_opts ho = {o->listen,  pki.serving_cert_pem, pki.serving_key_pem,
                           pki.ca_pem, o->threads,           kp_api_handle,
                           api,        kp_api_body_max};
        if ((rc = kp_http_start(http, &ho)) < 0) {
            fail(NULL);
            goto out;
        }
    }
    KP_LOG_INFO("main", "kplane %s serving %s (kubeconfig \"%s\")", KPLANE_VERSION, url,
                kubeconfig);
    /* The main thread only waits for a signal; every 30 s it hands the memory that bursts
     * (a large list, a thousand watchers) left free in malloc's arenas back to the system. */
    while (!stop_signal) {
        struct timespec ts = {30, 0};
        if (nanosleep(&ts, NULL) == 0)
            malloc_trim(0);
    }
    KP_LOG_INFO("main", "signal %d: shutting down", (int)stop_signal);
    exit_code = 0;
out:
    kp_watch_hub_close(hub); /* watch streams end first, so in-flight requests can finish */
    if (http)
        kp_http_shutdown(http, KP_SHUTDOWN_GRACE_S);
    kp_gc_stop(gc);           /* its job at hand calls the API */
    kp_syncer_mgr_stop(sync); /* so do the syncers */
    kp_sim_stop(caches.sim);
    kp_gitops_stop(gitops);
    kp_http_free(http);
    kp_api_free(api);
    kp_client_free(ws_client);
    kp_client_free(gc_client);
    kp_client_free(sync_client);
    kp_client_free(sim_client);
    kp_client_free(gitops_client);
    kp_client_free(hosted_client);
    kp_hosted_free(hosted);
    kp_authn_free(authn);
    kp_ws_free(ws);
    kp_watch_hub_free(hub);
    kp_store_free(store); /* the writer stops: nothing observes the caches any more */
    kp_authz_free(authz);
    kp_rquota_free(caches.rquota);
    kp_gc_free(gc);
    kp_syncer_mgr_free(sync);
    kp_sim_free(caches.sim);
    kp_gitops_free(gitops);
    kp_oidc_free(oidc);
    kp_crd_reg_free(crd);
    if (pg && kp_pgctl_stop(pg) < 0) {
        fail("cannot stop the embedded PostgreSQL");
        exit_code = 1;
    }
    kp_pgctl_free(pg);
    kp_pki_dispose(&pki);
    if (lock_fd >= 0)
        close(lock_fd);
    free(host);
    free(kubeconfig);
    free(url);
    free(server_addr);
    kp_httpc_global_cleanup();
    if (exit_code == 0)
        KP_LOG_INFO("main", "stopped");
    return exit_code;
}

static int syncer_cmd(int argc, char **argv)
{
    const char *up = NULL, *down = NULL, *cluster = NULL;
    kp_sync_opts so;
    struct sigaction sa;
    int rc;

    memset(&so, 0, sizeof(so));
    for (int i = 0; i < argc; i++) {
        const char *v;
        kp_err_clear();
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_syncer, stdout);
            return 0;
        }
        if ((v = flag_value(argc, argv, &i, "--upstream-kubeconfig"))) {
            up = v;
        } else if ((v = flag_value(argc, argv, &i, "--downstream-kubeconfig"))) {
            down = v;
        } else if ((v = flag_value(argc, argv, &i, "--cluster"))) {
            cluster = v;
        } else if ((v = flag_value(argc, argv, &i, "--sync-heartbeat-interval"))) {
            if (parse_ms(&so.heartbeat_ms, "--sync-heartbeat-interval", v) < 0)
                break;
        } else if ((v = flag_value(argc, argv, &i, "--sync-heartbeat-timeout"))) {
            if (parse_ms(&so.heartbeat_timeout_ms, "--sync-heartbeat-timeout", v) < 0)
                break;
        } else if ((v = flag_value(argc, argv, &i, "--log-level"))) {
            kp_level lv;
            if (kp_log_parse_level(&lv, v) < 0)
                break;
            kp_log_set_level(lv);
        } else {
            kp_err_set(KP_EBADREQUEST, "unknown flag \"%s\" (see 'kplane syncer --help')", argv[i]);
            break;
        }
        if (*kp_err_msg())
            break;
    }
    if (*kp_err_msg()) {
        fprintf(stderr, "kplane: %s\n", kp_err_msg());
        return 2;
    }
    if (!up || !down || !cluster || !*up || !*down || !*cluster) {
        fprintf(stderr, "kplane: syncer needs --upstream-kubeconfig, --cluster and "
                        "--downstream-kubeconfig (see 'kplane syncer --help')\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (kp_httpc_global_init() < 0)
        return fail(NULL);
    rc = kp_syncer_pull_run(up, cluster, down, &so, &stop_signal);
    kp_httpc_global_cleanup();
    if (rc < 0)
        return fail(NULL);
    return 0;
}

static void print_version(void)
{
    printf("kplane %s\nKubernetes API %s (%s.%s)\nPostgreSQL schema version %d\n", KPLANE_VERSION,
           KP_K8S_GIT_VERSION, KP_K8S_MAJOR, KP_K8S_MINOR, kp_store_schema_version());
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (cmd && argc > 2 && strcmp(argv[2], "serve") == 0)
            fputs(usage_serve, stdout);
        else if (cmd && argc > 2 && strcmp(argv[2], "cluster-sim") == 0)
            fputs(usage_sim, stdout);
        else if (cmd && argc > 2 && strcmp(argv[2], "syncer") == 0)
            fputs(usage_syncer, stdout);
        else if (cmd && argc > 2 && strcmp(argv[2], "version") == 0)
            fputs("Usage:\n  kplane version\n\nPrints the kplane version.\n", stdout);
        else
            fputs(usage_main, cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            fputs("Usage:\n  kplane version\n\nPrints the kplane version.\n", stdout);
            return 0;
        }
        if (argc > 2) {
            fprintf(stderr, "kplane: unknown flag \"%s\" (see 'kplane version --help')\n", argv[2]);
            return 2;
        }
        print_version();
        return 0;
    }
    if (strcmp(cmd, "syncer") == 0)
        return syncer_cmd(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0 || strcmp(cmd, "cluster-sim") == 0) {
        serve_opts o;
        bool help = false;
        memset(&o, 0, sizeof(o));
        o.sim = strcmp(cmd, "cluster-sim") == 0;
        if (parse_serve(&o, argc - 2, argv + 2, &help) < 0) {
            fprintf(stderr, "kplane: %s\n", kp_err_msg());
            return 2;
        }
        if (help) {
            fputs(o.sim ? usage_sim : usage_serve, stdout);
            return 0;
        }
        return serve(&o);
    }
    fprintf(stderr, "kplane: unknown command \"%s\" (see 'kplane --help')\n", cmd);
    return 2;
}
