#include "lib/common.h"
#include "lib/buf.h"
#include "lib/httpc.h"
#include "lib/json.h"
#include "lib/kubeconfig.h"
#include "lib/sv.h"

#include <time.h>
#include <unistd.h>

/* kubectl-ws: the "kubectl ws" plugin, as kcp's (cli/pkg/workspace/plugin): show, enter,
 * list and create kplane workspaces by rewriting the kubeconfig. kplane serves workspace P
 * under https://HOST/clusters/P; a Workspace object (tenancy.kplane.io/v1alpha1) lives in its
 * parent. Invoked as kubectl-create-workspace it is "kubectl create workspace". One thread;
 * messages never carry a credential. Exit status 0 on success, 1 on any error. */

#define WS_API "/apis/tenancy.kplane.io/v1alpha1/workspaces"
#define WS_API_VERSION "tenancy.kplane.io/v1alpha1"
#define WS_ROOT "root"
#define WS_TIMEOUT_DEFAULT_MS 60000
#define WS_TIMEOUT_MAX_MS (24LL * 3600 * 1000)
#define WS_POLL_MS 500
#define WS_VISIBLE_MS 5000 /* a created Workspace may 404 this long (a lagging cache) */
#define WS_REQUEST_TIMEOUT_MS 30000
#define WS_RESP_MAX (16 * 1024 * 1024)
#define WS_TREE_DEPTH_MAX 64
#define WS_SEGMENTS_MAX 128
#define WS_OUT_MAX (64 * 1024 * 1024)

typedef enum {
    CMD_WS = 1 << 0, /* kubectl ws [<path>] */
    CMD_USE = 1 << 1,
    CMD_CURRENT = 1 << 2,
    CMD_TREE = 1 << 3,
    CMD_CREATE = 1 << 4,
    CMD_CREATE_CONTEXT = 1 << 5,
    CMD_ALL = (1 << 6) - 1,
} ws_cmd;

typedef enum {
    F_HELP,
    F_KUBECONFIG,
    F_CONTEXT,
    F_SHORT,
    F_FULL,
    F_TYPE,
    F_ENTER,
    F_IGNORE_EXISTING,
    F_TIMEOUT,
    F_OVERWRITE,
} ws_flag_id;

typedef struct {
    const char *name;
    char shorthand;
    const char *value; /* the value's kind for --help ("string"); NULL for a boolean flag */
    unsigned cmds;
    ws_flag_id id;
    const char *help;
} ws_flag;

static const ws_flag flags[] = {
    {"help", 'h', NULL, CMD_ALL, F_HELP, "help for this command"},
    {"kubeconfig", 0, "string", CMD_ALL, F_KUBECONFIG,
     "path to the kubeconfig file (default: $KUBECONFIG's first file, else ~/.kube/config)"},
    {"context", 0, "string", CMD_ALL, F_CONTEXT,
     "the kubeconfig context to use instead of the current"},
    {"short", 0, NULL, CMD_WS | CMD_USE | CMD_CURRENT, F_SHORT,
     "print only the name of the workspace, e.g. for integration into the shell prompt"},
    {"full", 'f', NULL, CMD_TREE, F_FULL, "show full workspace names"},
    {"type", 0, "string", CMD_CREATE, F_TYPE,
     "a workspace type; the default type depends on where this child workspace is created"},
    {"enter", 0, NULL, CMD_CREATE, F_ENTER, "immediately enter the created workspace"},
    {"ignore-existing", 0, NULL, CMD_CREATE, F_IGNORE_EXISTING,
     "ignore if the workspace already exists; requires none or an absolute type path"},
    {"timeout", 0, "duration", CMD_CREATE, F_TIMEOUT,
     "how long to wait for the workspace to be ready, e.g. 90s or 2m (default 60s; 0: no wait)"},
    {"overwrite", 0, NULL, CMD_CREATE_CONTEXT, F_OVERWRITE,
     "overwrite the context if it already exists"},
};

typedef struct {
    ws_cmd cmd;
    const char *sub;  /* the subcommand as typed ("use", "cd", ...); NULL for none */
    const char *prog; /* "kubectl ws" or "kubectl create workspace", for help and messages */
    bool create_plugin;
    const char *kubeconfig;
    const char *context;
    const char *type;
    int64_t timeout_ms;
    bool help, short_out, full, enter, ignore_existing, overwrite;
    const char *args[8];
    size_t nargs;
} ws_opts;

/* The kubeconfig and what its context points at. */
typedef struct {
    kp_kubeconfig *kc;
    const char *context; /* --context, or NULL for the current one */
    kp_kubeconfig_creds creds;
    char *base;    /* server URL before /clusters/; NULL when it names no workspace */
    char *current; /* the current workspace path; NULL likewise */
} ws_env;

/* ---- output ------------------------------------------------------------------------------ */

static int ws_write(const char *s, size_t len)
{
    if (len && fwrite(s, 1, len, stdout) != len)
        return kp_err_set(KP_EINTERNAL, "cannot write to standard output: %s", strerror(errno));
    return fflush(stdout) == 0
               ? 0
               : kp_err_set(KP_EINTERNAL, "cannot write to standard output: %s", strerror(errno));
}

static int ws_printf(const char *fmt, ...) KP_PRINTF(1, 2);
static int ws_printf(const char *fmt, ...)
{
    kp_buf b = KP_BUF_INIT(WS_OUT_MAX);
    va_list ap;
    int rc;

    va_start(ap, fmt);
    kp_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    if ((rc = kp_buf_status(&b)) == 0)
        rc = ws_write(kp_buf_cstr(&b), b.len);
    kp_buf_dispose(&b);
    return rc;
}

/* ---- help -------------------------------------------------------------------------------- */

static const char *cmd_usage(ws_cmd cmd)
{
    switch (cmd) {
    case CMD_USE:
        return "use <workspace>|..|.|-|~|:|<root:absolute:workspace>|<relative:workspace>";
    case CMD_CURRENT:
        return "current [--short]";
    case CMD_TREE:
        return "tree [--full]";
    case CMD_CREATE:
        return "create <workspace name> [--type=<type>] [--enter] [--ignore-existing] "
               "[--timeout=<duration>]";
    case CMD_CREATE_CONTEXT:
        return "create-context [<context-name>] [--overwrite]";
    default:
        return "[create|create-context|use|current|tree|<workspace>|..|.|-|~|:|"
               "<root:absolute:workspace>]";
    }
}

static const char *cmd_short(ws_cmd cmd)
{
    switch (cmd) {
    case CMD_USE:
        return "Uses the given workspace as the current workspace. Using - means previous "
               "workspace, .. means parent workspace, . means current, ~ means home workspace, "
               ": means the root workspace.";
    case CMD_CURRENT:
        return "Print the current workspace. Same as 'kubectl ws .'.";
    case CMD_TREE:
        return "Print the current workspace tree.";
    case CMD_CREATE:
        return "Creates a new workspace in the current workspace and waits until it is ready.";
    case CMD_CREATE_CONTEXT:
        return "Create a kubeconfig context for the current workspace (named after the "
               "workspace path unless a name is given).";
    default:
        return "Manages kplane workspaces.";
    }
}

static void print_help(const ws_opts *o)
{
    const char *prog = o->prog;
    kp_buf b = KP_BUF_INIT(64 * 1024);

    kp_buf_appendf(&b, "%s\n\nUsage:\n", cmd_short(o->cmd));
    if (o->create_plugin)
        kp_buf_appendf(&b,
                       "  %s <workspace name> [--type=<type>] [--enter] [--ignore-existing] "
                       "[--timeout=<duration>]\n",
                       prog);
    else
        kp_buf_appendf(&b, "  %s %s\n", prog, cmd_usage(o->cmd));
    if (o->cmd == CMD_WS) {
        kp_buf_appendf(&b,
                       "\nExamples:\n"
                       "  # shows the workspace you are currently using\n"
                       "  %1$s .\n\n"
                       "  # enter a given workspace (this changes the current-context of your "
                       "kubeconfig)\n"
                       "  %1$s use my-workspace\n\n"
                       "  # short-hand for the use syntax\n"
                       "  %1$s my-workspace\n\n"
                       "  # enter a given absolute workspace\n"
                       "  %1$s root:default:my-workspace\n\n"
                       "  # short-hand for the root workspace\n"
                       "  %1$s :\n\n"
                       "  # enter a given relative workspace\n"
                       "  %1$s some:nested:workspace\n\n"
                       "  # enter the parent workspace\n"
                       "  %1$s ..\n\n"
                       "  # enter the grand parent workspace\n"
                       "  %1$s ..:..\n\n"
                       "  # enter the previous workspace\n"
                       "  %1$s -\n\n"
                       "  # go to your home workspace\n"
                       "  %1$s\n\n"
                       "  # print the workspace tree below the current workspace\n"
                       "  %1$s tree\n\n"
                       "  # create a workspace and immediately enter it\n"
                       "  %1$s create my-workspace --enter\n\n"
                       "  # create a context with the current workspace, e.g. root:default\n"
                       "  %1$s create-context\n\n"
                       "  # create a context with the current workspace, named context-name\n"
                       "  %1$s create-context context-name\n\n"
                       "Available Commands:\n"
                       "  create          %2$s\n"
                       "  create-context  Create a kubeconfig context for the current workspace\n"
                       "  current         %3$s\n"
                       "  tree            %4$s\n"
                       "  use             Uses the given workspace as the current workspace "
                       "(alias: cd)\n",
                       prog, "Creates a new workspace", cmd_short(CMD_CURRENT),
                       cmd_short(CMD_TREE));
    }
    kp_buf_puts(&b, "\nFlags:\n");
    for (size_t i = 0; i < KP_ARRAY_LEN(flags); i++) {
        char left[64];
        if (!(flags[i].cmds & o->cmd))
            continue;
        if (flags[i].shorthand)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", flags[i].shorthand, flags[i].name,
                     flags[i].value ? " " : "", flags[i].value ? flags[i].value : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", flags[i].name, flags[i].value ? " " : "",
                     flags[i].value ? flags[i].value : "");
        kp_buf_appendf(&b, "  %-28s %s\n", left, flags[i].help);
    }
    if (o->cmd == CMD_WS)
        kp_buf_appendf(&b, "\nUse \"%s [command] --help\" for more information about a command.\n",
                       prog);
    if (kp_buf_status(&b) == 0)
        (void)ws_write(kp_buf_cstr(&b), b.len);
    kp_buf_dispose(&b);
}

/* ---- arguments --------------------------------------------------------------------------- */

static const ws_flag *flag_long(const char *name, size_t len)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(flags); i++)
        if (strlen(flags[i].name) == len && memcmp(flags[i].name, name, len) == 0)
            return &flags[i];
    return NULL;
}

static const ws_flag *flag_short(char c)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(flags); i++)
        if (flags[i].shorthand == c)
            return &flags[i];
    return NULL;
}

static int set_bool(bool *dst, const char *value, const char *flag)
{
    if (!value) {
        *dst = true;
        return 0;
    }
    if (kp_parse_bool(dst, kp_sv_from(value)) < 0)
        return kp_err_set(KP_EBADREQUEST,
                          "invalid argument \"%s\" for \"--%s\" flag: "
                          "strconv.ParseBool: parsing \"%s\": invalid syntax",
                          value, flag, value);
    return 0;
}

static int apply_flag(ws_opts *o, const ws_flag *f, const char *value)
{
    switch (f->id) {
    case F_HELP:
        return set_bool(&o->help, value, f->name);
    case F_KUBECONFIG:
        o->kubeconfig = value;
        return 0;
    case F_CONTEXT:
        o->context = value;
        return 0;
    case F_SHORT:
        return set_bool(&o->short_out, value, f->name);
    case F_FULL:
        return set_bool(&o->full, value, f->name);
    case F_TYPE:
        o->type = value;
        return 0;
    case F_ENTER:
        return set_bool(&o->enter, value, f->name);
    case F_IGNORE_EXISTING:
        return set_bool(&o->ignore_existing, value, f->name);
    case F_OVERWRITE:
        return set_bool(&o->overwrite, value, f->name);
    case F_TIMEOUT: {
        int64_t v;
        if (kp_parse_duration_ms(&v, kp_sv_from(value), WS_TIMEOUT_MAX_MS) < 0)
            return kp_err_set(KP_EBADREQUEST,
                              "invalid argument \"%s\" for \"--timeout\" flag: want a duration "
                              "such as 90s or 2m",
                              value);
        o->timeout_ms = v;
        return 0;
    }
    }
    return kp_err_set(KP_EINTERNAL, "unhandled flag \"%s\"", f->name);
}

static ws_cmd subcommand(const char *s)
{
    static const struct {
        const char *name;
        ws_cmd cmd;
    } subs[] = {{"use", CMD_USE},   {"cd", CMD_USE},        {"current", CMD_CURRENT},
                {"tree", CMD_TREE}, {"create", CMD_CREATE}, {"create-context", CMD_CREATE_CONTEXT}};
    for (size_t i = 0; i < KP_ARRAY_LEN(subs); i++)
        if (strcmp(s, subs[i].name) == 0)
            return subs[i].cmd;
    return CMD_WS;
}

/* pflag's grammar: --name, --name=value, --name value, -x, -x value, -xvalue; "--" ends the
 * flags; a lone "-" is an argument ("kubectl ws -"). Flags may come before or after the
 * subcommand; each must belong to it. */
static int parse_args(ws_opts *o, int argc, char **argv)
{
    const ws_flag *seen[64];
    size_t nseen = 0;
    const char *pos[16];
    size_t npos = 0;
    bool dashdash = false;
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *value = NULL;
        const ws_flag *f;

        if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
            if (npos == KP_ARRAY_LEN(pos))
                return kp_err_set(KP_EBADREQUEST, "too many arguments");
            if (npos == 0 && !o->create_plugin && subcommand(a) != CMD_WS)
                o->sub = a; /* for the usage hint of an error below */
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            dashdash = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            if (!(f = flag_long(name, len)))
                return kp_err_set(KP_EBADREQUEST, "unknown flag: --%.*s", (int)len, name);
            if (eq)
                value = eq + 1;
        } else {
            if (!(f = flag_short(a[1])))
                return kp_err_set(KP_EBADREQUEST, "unknown shorthand flag: '%c' in %s", a[1], a);
            if (a[2]) {
                if (!f->value)
                    return kp_err_set(KP_EBADREQUEST, "unknown shorthand flag: '%c' in %s", a[2],
                                      a);
                value = a + 2;
            }
        }
        if (f->value && !value) {
            if (i + 1 >= argc)
                return kp_err_set(KP_EBADREQUEST, "flag needs an argument: --%s", f->name);
            value = argv[++i];
        }
        if ((rc = apply_flag(o, f, value)) < 0)
            return rc;
        if (nseen == KP_ARRAY_LEN(seen))
            return kp_err_set(KP_EBADREQUEST, "too many flags");
        seen[nseen++] = f;
    }

    size_t first = 0;
    if (o->create_plugin) {
        o->cmd = CMD_CREATE;
    } else {
        o->cmd = npos ? subcommand(pos[0]) : CMD_WS;
        first = o->cmd == CMD_WS ? 0 : 1;
    }
    for (size_t i = 0; i < nseen; i++)
        if (!(seen[i]->cmds & o->cmd))
            return kp_err_set(KP_EBADREQUEST, "unknown flag: --%s", seen[i]->name);
    for (size_t i = first; i < npos; i++) {
        if (o->nargs == KP_ARRAY_LEN(o->args))
            return kp_err_set(KP_EBADREQUEST, "too many arguments");
        o->args[o->nargs++] = pos[i];
    }
    if (o->help)
        return 0;

    /* cobra's wording for argument counts */
    switch (o->cmd) {
    case CMD_USE:
    case CMD_CREATE:
        if (o->nargs != 1)
            return kp_err_set(KP_EBADREQUEST, "accepts 1 arg(s), received %zu", o->nargs);
        break;
    case CMD_CURRENT:
    case CMD_TREE:
        if (o->nargs != 0)
            return kp_err_set(KP_EBADREQUEST, "unknown command \"%s\" for \"%s %s\"", o->args[0],
                              o->prog, o->sub);
        break;
    default:
        if (o->nargs > 1)
            return kp_err_set(KP_EBADREQUEST, "accepts at most 1 arg(s), received %zu", o->nargs);
        break;
    }
    return 0;
}

/* ---- kubeconfig and HTTP ----------------------------------------------------------------- */

static void env_dispose(ws_env *e)
{
    kp_kubeconfig_free(e->kc);
    kp_kubeconfig_creds_dispose(&e->creds);
    free(e->base);
    free(e->current);
    memset(e, 0, sizeof(*e));
}

/* Loads the kubeconfig and resolves the context (current, or --context). */
static int env_open(ws_env *e, const ws_opts *o)
{
    char *path = NULL;
    int rc;

    memset(e, 0, sizeof(*e));
    kp_kubeconfig_creds_init(&e->creds);
    e->context = o->context;
    if ((rc = kp_kubeconfig_default_path(&path, o->kubeconfig)) < 0 ||
        (rc = kp_kubeconfig_load(&e->kc, path)) < 0)
        goto out;
    if ((rc = kp_kubeconfig_resolve(&e->creds, e->kc, e->context)) < 0)
        goto out;
    /* not a workspace URL is no error yet: "ws ." prints the URL, "ws -" may leave it */
    if (kp_kubeconfig_split_server(&e->base, &e->current, e->creds.server) < 0)
        kp_err_clear();
out:
    free(path);
    return rc;
}

/* The current workspace, or an error naming the URL that is none. */
static int env_need_ws(const ws_env *e)
{
    if (e->current)
        return 0;
    return kp_err_set(KP_EBADREQUEST, "current URL \"%s\" does not point to a workspace",
                      e->creds.server);
}

/* Appends s percent-encoded for a URL path segment (RFC 3986 unreserved kept). */
static void url_escape(kp_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == ':')
            kp_buf_putc(b, (char)c);
        else
            kp_buf_appendf(b, "%%%02X", c);
    }
}

/* One request to workspace ws: method base/clusters/<ws><suffix>[/<name>], body as JSON.
 * *status_out gets the HTTP status and *obj_out the body when it is a JSON object (else
 * NULL; owned). Fails only when no HTTP answer came. */
static int ws_call(json_t **obj_out, int *status_out, const ws_env *e, const char *method,
                   const char *ws, const char *suffix, const char *name, const json_t *body)
{
    kp_buf url = KP_BUF_INIT(KP_KUBECONFIG_WS_PATH_MAX + 4096);
    kp_httpc_req req = {0};
    kp_httpc_resp resp;
    char *text = NULL;
    size_t text_len = 0;
    json_t *obj = NULL;
    int rc;

    kp_httpc_resp_init(&resp);
    *obj_out = NULL;
    *status_out = 0;
    kp_buf_puts(&url, e->base);
    kp_buf_puts(&url, KP_KUBECONFIG_WS_PREFIX);
    url_escape(&url, ws);
    kp_buf_puts(&url, suffix);
    if (name) {
        kp_buf_putc(&url, '/');
        url_escape(&url, name);
    }
    if ((rc = kp_buf_status(&url)) < 0)
        goto out;
    if (body)
        text = kp_json_dump(body, &text_len);

    req.method = method;
    req.url = kp_buf_cstr(&url);
    req.body = text;
    req.body_len = text_len;
    req.user_agent = "kubectl-ws/kplane";
    req.ca_pem = e->creds.ca.len ? e->creds.ca.p : NULL;
    req.ca_len = e->creds.ca.len;
    req.cert_pem = e->creds.cert.len ? e->creds.cert.p : NULL;
    req.cert_len = e->creds.cert.len;
    req.key_pem = e->creds.key.len ? e->creds.key.p : NULL;
    req.key_len = e->creds.key.len;
    req.bearer = e->creds.token;
    req.insecure = e->creds.insecure;
    req.timeout_ms = WS_REQUEST_TIMEOUT_MS;
    req.body_max = WS_RESP_MAX;
    if ((rc = kp_httpc_do(&resp, &req)) < 0)
        goto out;
    *status_out = resp.status;
    if (resp.body.len && kp_json_parse(&obj, resp.body.p, resp.body.len) == 0 &&
        json_is_object(obj)) {
        *obj_out = obj;
        obj = NULL;
    }
    kp_err_clear();
    rc = 0;
out:
    json_decref(obj);
    free(text);
    kp_buf_dispose(&url);
    kp_httpc_resp_dispose(&resp);
    return rc;
}

/* The server's message for a failed request (a Status's "message"), for error text. */
static const char *status_msg(const json_t *obj, int status, char *buf, size_t n)
{
    const char *m = json_string_value(json_object_get(obj, "message"));
    if (m && *m)
        return m;
    snprintf(buf, n, "the server responded with HTTP %d", status);
    return buf;
}

static int http_error(const json_t *obj, int status)
{
    char buf[64];
    int code = KP_EINTERNAL;

    if (status == 401)
        code = KP_EUNAUTHORIZED;
    else if (status == 403)
        code = KP_EFORBIDDEN;
    else if (status == 404)
        code = KP_ENOTFOUND;
    else if (status == 409)
        code = KP_EEXISTS;
    else if (status >= 400 && status < 500)
        code = KP_EBADREQUEST;
    else if (status >= 500)
        code = KP_EUNAVAILABLE;
    return kp_err_set(code, "%s", status_msg(obj, status, buf, sizeof(buf)));
}

/* ---- workspace paths --------------------------------------------------------------------- */

/* "root:org" + "team" -> "root:org:team"; owned. */
static char *path_join(const char *a, const char *b)
{
    return kp_asprintf("%s:%s", a, b);
}

/* The last segment of a path; borrowed from path. */
static const char *path_base(const char *path)
{
    const char *c = strrchr(path, ':');
    return c ? c + 1 : path;
}

/* Resolves "." and ".." segments of an absolute path (kcp's resolveDots); *out owned. */
static int path_resolve_dots(char **out, const char *path)
{
    kp_sv in = kp_sv_from(path), seg, segs[WS_SEGMENTS_MAX];
    size_t n = 0;
    kp_buf b;
    int rc;

    for (bool more = true; more;) {
        more = kp_sv_cut(&in, ':', &seg);
        if (kp_sv_eq_str(seg, "."))
            continue;
        if (kp_sv_eq_str(seg, "..")) {
            if (n == 0)
                return kp_err_set(KP_EBADREQUEST, "cannot go up from root");
            if (n == 1) /* kcp: the top of a tree has no parent to enter */
                return kp_err_set(KP_EBADREQUEST,
                                  "cannot go up from \"%.*s\": it has no parent workspace",
                                  KP_SV_ARG(segs[0]));
            n--;
            continue;
        }
        if (n == KP_ARRAY_LEN(segs))
            return kp_err_set(KP_EBADREQUEST, "workspace path has more than %d segments",
                              WS_SEGMENTS_MAX);
        segs[n++] = seg;
    }
    kp_buf_init(&b, KP_KUBECONFIG_WS_PATH_MAX + 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            kp_buf_putc(&b, ':');
        kp_buf_put_sv(&b, segs[i]);
    }
    if ((rc = kp_buf_status(&b)) < 0) {
        kp_buf_dispose(&b);
        return kp_err_set(rc, "workspace path is longer than %d bytes", KP_KUBECONFIG_WS_PATH_MAX);
    }
    *out = kp_buf_take(&b, NULL);
    return 0;
}

/* A Workspace's spec.type as kcp prints it ("root:universal", or "universal"); owned, NULL
 * when it names none. */
static char *ws_type_string(const json_t *ws)
{
    const char *name = kp_json_get_str(ws, "spec.type.name");
    const char *path = kp_json_get_str(ws, "spec.type.path");

    if (!name || !*name)
        return NULL;
    if (path && *path)
        return kp_asprintf("%s:%s", path, name);
    return kp_strdup(name);
}

static int print_current(const char *server, bool short_out, const char *type)
{
    char *ws = NULL;
    int rc;

    if (kp_kubeconfig_split_server(NULL, &ws, server) < 0) {
        kp_err_clear();
        return short_out ? 0 : ws_printf("Current workspace is the URL \"%s\".\n", server);
    }
    if (short_out)
        rc = ws_printf("%s\n", ws);
    else if (type)
        rc = ws_printf("Current workspace is \"%s\" (type %s).\n", ws, type);
    else
        rc = ws_printf("Current workspace is \"%s\".\n", ws);
    free(ws);
    return rc;
}

/* The home workspace: what root's "workspaces/~" names, or root while kplane serves none. */
static int ws_home(char **out, const ws_env *e)
{
    json_t *obj = NULL;
    const char *url;
    int status, rc;

    if ((rc = ws_call(&obj, &status, e, "GET", WS_ROOT, WS_API, "~", NULL)) < 0)
        goto out;
    if (status == 404) {
        *out = kp_strdup(WS_ROOT);
        goto out;
    }
    if (status != 200) {
        rc = http_error(obj, status);
        rc = kp_err_set(rc, "cannot find the home workspace: %s", kp_err_msg());
        goto out;
    }
    url = kp_json_get_str(obj, "status.URL");
    if (!url)
        url = kp_json_get_str(obj, "spec.URL");
    if (!url || kp_kubeconfig_split_server(NULL, out, url) < 0) {
        rc = kp_err_set(KP_EINTERNAL, "the home workspace has no valid URL");
        goto out;
    }
out:
    json_decref(obj);
    return rc;
}

/* May we talk to workspace path? Discovery answers, as in kcp: *status_out gets the HTTP
 * status of its /api; fails only when no answer came. */
static int ws_probe(int *status_out, const ws_env *e, const char *path)
{
    json_t *obj = NULL;
    int rc = ws_call(&obj, status_out, e, "GET", path, "/api", NULL, NULL);
    json_decref(obj);
    return rc;
}

/* Verifies that workspace path exists, is Ready and lets us in. *type_out (owned, may be
 * NULL) gets its type when the Workspace object could be read. */
static int ws_check(char **type_out, const ws_env *e, const char *path)
{
    char *parent = NULL;
    const char *name = path_base(path), *phase;
    json_t *obj = NULL;
    int status = 0, probe = 0, rc;
    bool not_found = false;

    *type_out = NULL;
    if (name != path) {
        parent = kp_strndup(path, (size_t)(name - path - 1));
        if ((rc = ws_call(&obj, &status, e, "GET", parent, WS_API, name, NULL)) < 0)
            goto out;
        if (status == 200) {
            phase = kp_json_get_str(obj, "status.phase");
            if (phase && strcmp(phase, "Deleting") == 0) {
                rc = kp_err_set(KP_ECONFLICT, "workspace \"%s\" is being deleted", path);
                goto out;
            }
            if (!phase || strcmp(phase, "Ready") != 0) {
                rc = kp_err_set(KP_EUNAVAILABLE,
                                "workspace \"%s\" is not ready yet (phase %s): wait until "
                                "\"kubectl get workspaces %s\" in \"%s\" shows it Ready, then "
                                "try again",
                                path, phase && *phase ? phase : "unknown", name, parent);
                goto out;
            }
            *type_out = ws_type_string(obj);
        } else if (status == 404) {
            not_found = true;
        } else if (status != 401 && status != 403) {
            /* 401/403 in the parent do not keep us out of the child: discovery decides */
            rc = http_error(obj, status);
            goto out;
        }
    }
    if ((rc = ws_probe(&probe, e, path)) < 0)
        goto out;
    if (probe >= 200 && probe < 300) {
        rc = 0;
    } else if (probe == 404 || not_found) {
        rc = kp_err_set(KP_ENOTFOUND, "workspace \"%s\" not found", path);
    } else if (probe == 401) {
        rc = kp_err_set(KP_EUNAUTHORIZED,
                        "cannot enter workspace \"%s\": Unauthorized (the server rejects the "
                        "kubeconfig's credentials)",
                        path);
    } else if (probe == 403) {
        rc = kp_err_set(KP_EFORBIDDEN, "access to workspace \"%s\" denied", path);
    } else {
        rc = http_error(NULL, probe);
        rc = kp_err_set(rc, "cannot reach workspace \"%s\": %s", path, kp_err_msg());
    }
out:
    if (rc < 0) {
        free(*type_out);
        *type_out = NULL;
    }
    json_decref(obj);
    free(parent);
    return rc;
}

/* ---- use --------------------------------------------------------------------------------- */

/* Points the kubeconfig at workspace path (absolute, resolved) and prints it. */
static int ws_enter(ws_env *e, const ws_opts *o, const char *path)
{
    char *server = NULL, *type = NULL;
    int rc;

    if (!kp_kubeconfig_ws_path_valid(path))
        return kp_err_set(KP_EBADREQUEST, "invalid workspace path: %s", path);
    if ((rc = ws_check(&type, e, path)) < 0)
        goto out;
    server = kp_kubeconfig_server_for(e->creds.server, path);
    if ((rc = kp_kubeconfig_use_server(e->kc, e->context, server)) < 0 ||
        (rc = kp_kubeconfig_save(e->kc)) < 0)
        goto out;
    rc = print_current(server, o->short_out, type);
out:
    free(server);
    free(type);
    return rc;
}

static int ws_use(ws_env *e, const ws_opts *o, const char *arg)
{
    const char *home = getenv("HOME");
    char *name = NULL, *abs = NULL, *resolved = NULL, *homews = NULL;
    bool note = false;
    int rc = 0;

    /* the shell turned "~" into $HOME; "/" separates like ":" */
    if (home && *home && strncmp(arg, home, strlen(home)) == 0 &&
        (arg[strlen(home)] == '\0' || arg[strlen(home)] == '/'))
        name = kp_asprintf("~%s", arg + strlen(home));
    else
        name = kp_strdup(arg);
    for (char *s = name; *s; s++)
        if (*s == '/')
            *s = ':';
    if (!*name) {
        note = true;
        free(name);
        name = kp_strdup("~");
    }
    /* kplane: "root" and "root:..." are absolute paths, as ":root..." */
    if (strcmp(name, WS_ROOT) == 0 || strncmp(name, WS_ROOT ":", strlen(WS_ROOT) + 1) == 0) {
        char *n = kp_asprintf(":%s", name);
        free(name);
        name = n;
    }

    if (strcmp(name, "-") == 0) {
        json_t *ctx, *cl;
        const char *server;
        if ((rc = kp_kubeconfig_use_previous(e->kc, e->context)) < 0 ||
            (rc = kp_kubeconfig_save(e->kc)) < 0)
            goto out;
        ctx = kp_kubeconfig_get_context(e->kc, KP_KUBECONFIG_WS_CURRENT);
        cl = kp_kubeconfig_get_cluster(e->kc, json_string_value(json_object_get(ctx, "cluster")));
        server = json_string_value(json_object_get(cl, "server"));
        rc = print_current(server ? server : "", o->short_out, NULL);
        goto out;
    }
    if (strcmp(name, ".") == 0) {
        rc = print_current(e->creds.server, o->short_out, NULL);
        goto out;
    }
    if ((rc = env_need_ws(e)) < 0)
        goto out;
    if (strcmp(name, ":") == 0) {
        /* the root of the current tree */
        abs = kp_strndup(e->current, strcspn(e->current, ":"));
    } else if (strcmp(name, "~") == 0 || strncmp(name, "~:", 2) == 0) {
        if ((rc = ws_home(&homews, e)) < 0)
            goto out;
        abs = kp_asprintf("%s%s", homews, name + 1);
    } else if (name[0] == ':') {
        abs = kp_strdup(name + 1);
    } else {
        abs = path_join(e->current, name);
    }
    if ((rc = path_resolve_dots(&resolved, abs)) < 0)
        goto out;
    if (!kp_kubeconfig_ws_path_valid(resolved)) {
        rc = kp_err_set(KP_EBADREQUEST, "invalid workspace path: %s", arg);
        goto out;
    }
    if ((rc = ws_enter(e, o, resolved)) < 0)
        goto out;
    if (note)
        fprintf(stderr, "Note: 'kubectl ws' matches 'cd' semantics: go to the home workspace. "
                        "'kubectl ws -' to go back. 'kubectl ws .' to print the current "
                        "workspace.\n");
out:
    free(name);
    free(abs);
    free(resolved);
    free(homews);
    return rc;
}

/* ---- tree -------------------------------------------------------------------------------- */

/* treeprint's layout (kcp prints with github.com/xlab/treeprint): each ancestor level draws
 * "│   " while it has siblings to come, "    " once it ended. */
static void tree_line(kp_buf *out, const bool *ended, int level, bool last, const char *name)
{
    for (int i = 0; i < level; i++)
        kp_buf_puts(out, ended[i] ? "    " : "\xe2\x94\x82   ");      /* │ */
    kp_buf_puts(out, last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 "   /* └── */
                          : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 "); /* ├── */
    kp_buf_puts(out, name);
    kp_buf_putc(out, '\n');
}

static int tree_children(kp_buf *out, const ws_env *e, const ws_opts *o, const char *path,
                         const char *shown, int level, bool *ended)
{
    json_t *obj = NULL, *items, *item;
    int status, rc;
    size_t i, n;

    if (level >= WS_TREE_DEPTH_MAX)
        return kp_err_set(KP_EBADREQUEST, "workspace tree is deeper than %d levels",
                          WS_TREE_DEPTH_MAX);
    if ((rc = ws_call(&obj, &status, e, "GET", path, WS_API, NULL, NULL)) < 0)
        goto out;
    if (status == 404) /* k8s: no such workspace or no Workspace API there: no children */
        goto out;
    if (status != 200) {
        rc = http_error(obj, status);
        rc = kp_err_set(rc, "cannot list the workspaces in \"%s\": %s", path, kp_err_msg());
        goto out;
    }
    items = json_object_get(obj, "items");
    n = json_array_size(items);
    json_array_foreach(items, i, item)
    {
        const char *name = kp_json_get_str(item, "metadata.name");
        char *child, *child_shown;
        if (!name || !*name)
            continue;
        child = path_join(path, name);
        child_shown = o->full ? path_join(shown, name) : kp_strdup(name);
        ended[level] = i + 1 == n;
        tree_line(out, ended, level, i + 1 == n, child_shown);
        rc = tree_children(out, e, o, child, child_shown, level + 1, ended);
        free(child);
        free(child_shown);
        if (rc < 0)
            goto out;
    }
out:
    json_decref(obj);
    return rc;
}

static int ws_tree(const ws_env *e, const ws_opts *o)
{
    kp_buf out = KP_BUF_INIT(WS_OUT_MAX);
    bool ended[WS_TREE_DEPTH_MAX + 1] = {false};
    const char *shown;
    int rc;

    if ((rc = env_need_ws(e)) < 0)
        return rc;
    shown = o->full ? e->current : path_base(e->current);
    kp_buf_puts(&out, ".\n");
    ended[0] = true;
    tree_line(&out, ended, 0, true, shown);
    if ((rc = tree_children(&out, e, o, e->current, shown, 1, ended)) < 0)
        goto out;
    /* kcp prints the tree with fmt.Println: its last line is followed by an empty one */
    kp_buf_putc(&out, '\n');
    if ((rc = kp_buf_status(&out)) == 0)
        rc = ws_write(kp_buf_cstr(&out), out.len);
out:
    kp_buf_dispose(&out);
    return rc;
}

/* ---- create ------------------------------------------------------------------------------ */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A duration as Go prints one: "300ms", "45s", "1m30s", "1h0m0s", "1.5s". */
static void format_duration(char *out, size_t n, int64_t ms)
{
    long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
    char sec[16];
    int len;

    if (ms < 1000) {
        snprintf(out, n, "%lldms", (long long)ms);
        return;
    }
    if (frac)
        len = snprintf(sec, sizeof(sec), "%lld.%03lld", s, frac);
    else
        len = snprintf(sec, sizeof(sec), "%lld", s);
    while (frac && len > 0 && sec[len - 1] == '0') /* 1.500 -> 1.5 */
        sec[--len] = '\0';
    if (h)
        snprintf(out, n, "%lldh%lldm%ss", h, m, sec);
    else if (m)
        snprintf(out, n, "%lldm%ss", m, sec);
    else
        snprintf(out, n, "%ss", sec);
}

static bool ws_ready(const json_t *ws)
{
    const char *phase = kp_json_get_str(ws, "status.phase");
    return phase && strcmp(phase, "Ready") == 0;
}

/* "Workspace "x" (type root:universal)"; owned. */
static char *ws_reference(const char *name, const json_t *ws)
{
    char *type = ws_type_string(ws), *ref;
    ref = type ? kp_asprintf("Workspace \"%s\" (type %s)", name, type)
               : kp_asprintf("Workspace \"%s\"", name);
    free(type);
    return ref;
}

/* Polls the Workspace until Ready; *ws is replaced by the latest copy. */
static int ws_wait_ready(json_t **ws, const ws_env *e, const char *name, int64_t timeout_ms)
{
    int64_t start = now_ms();
    json_t *obj = NULL;
    int status, rc;

    while (!ws_ready(*ws)) {
        int64_t waited = now_ms() - start;
        if (waited >= timeout_ms) {
            const char *phase = kp_json_get_str(*ws, "status.phase");
            char d[48];
            format_duration(d, sizeof(d), timeout_ms);
            return kp_err_set(KP_ETIMEOUT,
                              "workspace \"%s\" is not ready after %s (phase %s); check it with "
                              "\"kubectl get workspaces %s\"",
                              name, d, phase && *phase ? phase : "unknown", name);
        }
        sleep_ms((long)KP_MIN((int64_t)WS_POLL_MS, timeout_ms - waited));
        if ((rc = ws_call(&obj, &status, e, "GET", e->current, WS_API, name, NULL)) < 0)
            return rc;
        if (status == 404 && now_ms() - start < WS_VISIBLE_MS) {
            json_decref(obj);
            obj = NULL;
            continue;
        }
        if (status != 200) {
            rc = http_error(obj, status);
            json_decref(obj);
            return rc;
        }
        json_decref(*ws);
        *ws = obj;
        obj = NULL;
    }
    return 0;
}

static int ws_create(ws_env *e, ws_opts *o)
{
    const char *name = o->args[0];
    json_t *body = NULL, *ws = NULL, *type = NULL;
    char *ref = NULL, *want_type = NULL, *have_type = NULL;
    bool pre_existing = false;
    int status, rc;

    if ((rc = env_need_ws(e)) < 0)
        return rc;
    if (o->ignore_existing && o->type && *o->type && strcmp(o->type, WS_ROOT) != 0 &&
        strncmp(o->type, WS_ROOT ":", strlen(WS_ROOT) + 1) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "--ignore-existing must not be used with non-absolute type path");
    if (o->type && *o->type) {
        const char *colon = strrchr(o->type, ':');
        char *tname = kp_strdup(colon ? colon + 1 : o->type);
        for (char *s = tname; *s; s++)
            if (*s >= 'A' && *s <= 'Z')
                *s = (char)(*s - 'A' + 'a');
        type = json_object();
        json_object_set_new(type, "name", json_string(tname));
        if (colon)
            json_object_set_new(type, "path", json_stringn(o->type, (size_t)(colon - o->type)));
        want_type = colon ? kp_asprintf("%.*s:%s", (int)(colon - o->type), o->type, tname)
                          : kp_strdup(tname);
        free(tname);
    }
    body = json_pack("{s:s, s:s, s:{s:s}, s:{}}", "apiVersion", WS_API_VERSION, "kind", "Workspace",
                     "metadata", "name", name, "spec");
    if (!body) {
        rc = kp_err_set(KP_EBADREQUEST, "workspace name is not valid UTF-8");
        goto out;
    }
    if (type) {
        json_object_set_new(json_object_get(body, "spec"), "type", type);
        type = NULL;
    }

    if ((rc = ws_call(&ws, &status, e, "POST", e->current, WS_API, NULL, body)) < 0)
        goto out;
    if (status == 409 && o->ignore_existing) {
        pre_existing = true;
        json_decref(ws);
        if ((rc = ws_call(&ws, &status, e, "GET", e->current, WS_API, name, NULL)) < 0)
            goto out;
    }
    if (status < 200 || status >= 300) {
        rc = http_error(ws, status);
        if (status == 404) /* the API is not served there, or the workspace is gone */
            rc = kp_err_set(rc, "cannot create workspaces in \"%s\": %s", e->current, kp_err_msg());
        goto out;
    }
    if (!ws) {
        rc = kp_err_set(KP_EINTERNAL, "the server answered the create with no Workspace");
        goto out;
    }

    ref = ws_reference(name, ws);
    if (pre_existing) {
        have_type = ws_type_string(ws);
        if (want_type && have_type && strcmp(want_type, have_type) != 0) {
            rc = kp_err_set(KP_ECONFLICT,
                            "workspace \"%s\" cannot be created with type %s, it already exists "
                            "with different type %s",
                            name, want_type, have_type);
            goto out;
        }
        if (!ws_ready(ws) && o->timeout_ms > 0)
            rc = ws_printf("%s already exists. Waiting for it to be ready...\n", ref);
        else
            rc = ws_printf("%s already exists.\n", ref);
    } else if (!ws_ready(ws) && o->timeout_ms > 0) {
        rc = ws_printf("%s created. Waiting for it to be ready...\n", ref);
    } else if (!ws_ready(ws)) {
        rc = kp_err_set(KP_EUNAVAILABLE, "%s created but is not ready to use", ref);
    }
    if (rc < 0)
        goto out;
    if (!ws_ready(ws) && (rc = ws_wait_ready(&ws, e, name, o->timeout_ms)) < 0)
        goto out;
    /* the type may have been defaulted meanwhile */
    free(ref);
    ref = ws_reference(name, ws);
    if ((rc = ws_printf("%s is ready to use.\n", ref)) < 0)
        goto out;
    if (o->enter)
        rc = ws_use(e, o, name);
out:
    json_decref(body);
    json_decref(ws);
    json_decref(type);
    free(ref);
    free(want_type);
    free(have_type);
    return rc;
}

/* ---- create-context ---------------------------------------------------------------------- */

static int ws_create_context(ws_env *e, const ws_opts *o)
{
    const char *ctx_name = e->context ? e->context : kp_kubeconfig_get_current_context(e->kc);
    json_t *ctx, *cluster, *new_ctx, *new_cluster;
    char *name = NULL, *was_current = NULL;
    const char *cluster_name, *server;
    bool existed;
    int rc;

    if (!ctx_name || !(ctx = kp_kubeconfig_get_context(e->kc, ctx_name)))
        return kp_err_set(KP_ENOTFOUND, "current context \"%s\" is not found in kubeconfig",
                          ctx_name ? ctx_name : "");
    cluster_name = json_string_value(json_object_get(ctx, "cluster"));
    if (!(cluster = kp_kubeconfig_get_cluster(e->kc, cluster_name)))
        return kp_err_set(KP_ENOTFOUND, "current cluster \"%s\" is not found in kubeconfig",
                          cluster_name ? cluster_name : "");
    server = json_string_value(json_object_get(cluster, "server"));
    if ((rc = kp_kubeconfig_split_server(NULL, &name, server ? server : "")) < 0)
        return rc;
    if (o->nargs) {
        free(name);
        name = kp_strdup(o->args[0]);
    }
    existed = kp_kubeconfig_get_context(e->kc, name) != NULL;
    if (existed && !o->overwrite) {
        rc = kp_err_set(KP_EEXISTS,
                        "context \"%s\" already exists in kubeconfig, use --overwrite to update it",
                        name);
        goto out;
    }
    was_current = kp_strdup(kp_kubeconfig_get_current_context(e->kc));
    /* copies before the writes below, which may replace the objects they come from */
    new_cluster = json_deep_copy(cluster);
    new_ctx = json_deep_copy(ctx);
    json_object_set_new(new_ctx, "cluster", json_string(name));
    kp_kubeconfig_set_cluster_take(e->kc, name, new_cluster);
    kp_kubeconfig_set_context_take(e->kc, name, new_ctx);
    kp_kubeconfig_set_current_context(e->kc, name);
    if ((rc = kp_kubeconfig_save(e->kc)) < 0)
        goto out;
    if (was_current && strcmp(was_current, name) == 0)
        rc = ws_printf("%s context \"%s\".\n", existed ? "Updated" : "Created", name);
    else
        rc = ws_printf("%s context \"%s\" and switched to it.\n", existed ? "Updated" : "Created",
                       name);
out:
    free(name);
    free(was_current);
    return rc;
}

/* ---- main -------------------------------------------------------------------------------- */

static int run(ws_opts *o)
{
    ws_env e;
    int rc;

    if ((rc = env_open(&e, o)) < 0)
        goto out;
    switch (o->cmd) {
    case CMD_CURRENT:
        rc = print_current(e.creds.server, o->short_out, NULL);
        break;
    case CMD_TREE:
        rc = ws_tree(&e, o);
        break;
    case CMD_CREATE:
        rc = ws_create(&e, o);
        break;
    case CMD_CREATE_CONTEXT:
        rc = ws_create_context(&e, o);
        break;
    default:
        rc = ws_use(&e, o, o->nargs ? o->args[0] : "");
        break;
    }
out:
    env_dispose(&e);
    return rc;
}

int main(int argc, char **argv)
{
    ws_opts o = {0};
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    int rc;

    base = base ? base + 1 : (argc > 0 ? argv[0] : "kubectl-ws");
    o.create_plugin = strcmp(base, "kubectl-create-workspace") == 0;
    o.prog = o.create_plugin ? "kubectl create workspace" : "kubectl ws";
    o.timeout_ms = WS_TIMEOUT_DEFAULT_MS;

    if ((rc = parse_args(&o, argc, argv)) < 0) {
        fprintf(stderr, "Error: %s\nSee '%s%s%s --help' for usage.\n", kp_err_msg(), o.prog,
                o.sub ? " " : "", o.sub ? o.sub : "");
        return 1;
    }
    if (o.help) {
        print_help(&o);
        return 0;
    }
    if ((rc = kp_httpc_global_init()) < 0) {
        fprintf(stderr, "Error: %s\n", kp_err_msg());
        return 1;
    }
    rc = run(&o);
    if (rc < 0)
        fprintf(stderr, "Error: %s\n", kp_err_msg());
    kp_httpc_global_cleanup();
    return rc < 0 ? 1 : 0;
}
