#include "lib/common.h"
#include "lib/kubeconfig.h"
#include "lib/file.h"
#include "lib/crypto.h"
#include "lib/yaml.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct kp_kubeconfig {
    json_t *doc; /* the whole file, an object */
    char *path;  /* where it came from; NULL when parsed from text without one */
};

/* The three named lists of a kubeconfig and the key of each item's body. */
typedef struct {
    const char *list;
    const char *field;
} kc_kind;

static const kc_kind KC_CONTEXTS = {"contexts", "context"};
static const kc_kind KC_CLUSTERS = {"clusters", "cluster"};
static const kc_kind KC_USERS = {"users", "user"};

int kp_kubeconfig_default_path(char **out, const char *flag)
{
    const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");

    if (flag && *flag) {
        *out = kp_strdup(flag);
        return 0;
    }
    if (env && *env) {
        /* k8s: KUBECONFIG is a list like PATH; kubectl writes changes to the first file */
        kp_sv list = kp_sv_from(env), first;
        while (list.len) {
            kp_sv_cut(&list, ':', &first);
            if (first.len) {
                *out = kp_strndup(first.p, first.len);
                return 0;
            }
        }
    }
    if (!home || !*home)
        return kp_err_set(KP_ENOTFOUND, "no kubeconfig: neither KUBECONFIG nor HOME is set");
    *out = kp_asprintf("%s/.kube/config", home);
    return 0;
}

int kp_kubeconfig_parse(kp_kubeconfig **out, const char *text, size_t len, const char *path)
{
    json_t *docs = NULL, *doc = NULL;
    kp_kubeconfig *kc;
    int rc;

    if (len > KP_KUBECONFIG_MAX)
        return kp_err_set(KP_ETOOLARGE, "kubeconfig is larger than %d bytes", KP_KUBECONFIG_MAX);
    if ((rc = kp_yaml_parse_stream(&docs, text, len)) < 0)
        goto out;
    if (json_array_size(docs) > 1) {
        rc = kp_err_set(KP_EBADREQUEST, "kubeconfig holds more than one YAML document");
        goto out;
    }
    /* an empty file is an empty kubeconfig, as kubectl treats it */
    doc = json_array_size(docs) ? json_incref(json_array_get(docs, 0)) : json_object();
    if (!json_is_object(doc)) {
        rc = kp_err_set(KP_EBADREQUEST, "kubeconfig is not a mapping");
        goto out;
    }
    kc = kp_calloc(1, sizeof(*kc));
    kc->doc = doc;
    kc->path = kp_strdup(path);
    doc = NULL;
    *out = kc;
    rc = 0;
out:
    json_decref(docs);
    json_decref(doc);
    return rc;
}

int kp_kubeconfig_load(kp_kubeconfig **out, const char *path)
{
    kp_buf b = KP_BUF_INIT(KP_KUBECONFIG_MAX);
    int rc;

    if ((rc = kp_buf_read_file(&b, path)) < 0) {
        if (rc == KP_ENOTFOUND)
            rc = kp_err_set(KP_ENOTFOUND, "kubeconfig \"%s\" does not exist", path);
        else if (rc == KP_ETOOLARGE)
            rc = kp_err_set(KP_ETOOLARGE, "kubeconfig \"%s\" is larger than %d bytes", path,
                            KP_KUBECONFIG_MAX);
        goto out;
    }
    if ((rc = kp_kubeconfig_parse(out, kp_buf_cstr(&b), b.len, path)) < 0)
        rc = kp_err_set(rc, "kubeconfig \"%s\": %s", path, kp_err_msg());
out:
    /* it holds private keys and tokens */
    if (b.p)
        explicit_bzero(b.p, b.alloc);
    kp_buf_dispose(&b);
    return rc;
}

void kp_kubeconfig_free(kp_kubeconfig *kc)
{
    if (!kc)
        return;
    json_decref(kc->doc);
    free(kc->path);
    free(kc);
}

int kp_kubeconfig_emit(kp_buf *out, const kp_kubeconfig *kc)
{
    return kp_yaml_emit(out, kc->doc);
}

int kp_kubeconfig_write(const kp_kubeconfig *kc, const char *path)
{
    kp_buf b = KP_BUF_INIT(KP_KUBECONFIG_MAX);
    char *real = NULL;
    struct stat st;
    int rc;

    if ((rc = kp_yaml_emit(&b, kc->doc)) < 0)
        goto out;
    /* a kubeconfig that is a symbolic link (to a dotfiles repo, say) stays one: write the
     * file it points to */
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        real = realpath(path, NULL);
    rc = kp_file_write_atomic(real ? real : path, b.p, b.len, 0600);
out:
    if (b.p)
        explicit_bzero(b.p, b.alloc);
    kp_buf_dispose(&b);
    free(real);
    return rc;
}

int kp_kubeconfig_save(const kp_kubeconfig *kc)
{
    if (!kc->path)
        return kp_err_set(KP_EINTERNAL, "kubeconfig has no file to save to");
    return kp_kubeconfig_write(kc, kc->path);
}

const char *kp_kubeconfig_get_path(const kp_kubeconfig *kc)
{
    return kc->path;
}

json_t *kp_kubeconfig_get_doc(const kp_kubeconfig *kc)
{
    return kc->doc;
}

const char *kp_kubeconfig_get_current_context(const kp_kubeconfig *kc)
{
    const char *s = json_string_value(json_object_get(kc->doc, "current-context"));
    return s && *s ? s : NULL;
}

void kp_kubeconfig_set_current_context(kp_kubeconfig *kc, const char *name)
{
    json_object_set_new(kc->doc, "current-context", json_string(name ? name : ""));
}

/* The list item named name; borrowed. k8s: client-go turns each list into a map, so of two
 * items with one name the last wins. */
static json_t *kc_item(const kp_kubeconfig *kc, const kc_kind *k, const char *name)
{
    json_t *list = json_object_get(kc->doc, k->list), *item, *found = NULL;
    size_t i;

    if (!name || !json_is_array(list))
        return NULL;
    json_array_foreach(list, i, item)
    {
        const char *n = json_string_value(json_object_get(item, "name"));
        if (n && strcmp(n, name) == 0)
            found = item;
    }
    return found;
}

static json_t *kc_get(const kp_kubeconfig *kc, const kc_kind *k, const char *name)
{
    json_t *body = json_object_get(kc_item(kc, k, name), k->field);
    return json_is_object(body) ? body : NULL;
}

static void kc_set(kp_kubeconfig *kc, const kc_kind *k, const char *name, json_t *body)
{
    json_t *item = kc_item(kc, k, name), *list;

    if (item) {
        json_object_set_new(item, k->field, body);
        return;
    }
    list = json_object_get(kc->doc, k->list);
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(kc->doc, k->list, list);
    }
    item = json_object();
    json_object_set_new(item, "name", json_string(name));
    json_object_set_new(item, k->field, body);
    json_array_append_new(list, item);
}

json_t *kp_kubeconfig_get_context(const kp_kubeconfig *kc, const char *name)
{
    return kc_get(kc, &KC_CONTEXTS, name);
}

json_t *kp_kubeconfig_get_cluster(const kp_kubeconfig *kc, const char *name)
{
    return kc_get(kc, &KC_CLUSTERS, name);
}

json_t *kp_kubeconfig_get_user(const kp_kubeconfig *kc, const char *name)
{
    return kc_get(kc, &KC_USERS, name);
}

void kp_kubeconfig_set_context_take(kp_kubeconfig *kc, const char *name, json_t *body)
{
    kc_set(kc, &KC_CONTEXTS, name, body);
}

void kp_kubeconfig_set_cluster_take(kp_kubeconfig *kc, const char *name, json_t *body)
{
    kc_set(kc, &KC_CLUSTERS, name, body);
}

void kp_kubeconfig_creds_init(kp_kubeconfig_creds *c)
{
    memset(c, 0, sizeof(*c));
    kp_buf_init(&c->ca, KP_KUBECONFIG_FILE_MAX);
    kp_buf_init(&c->cert, KP_KUBECONFIG_FILE_MAX);
    kp_buf_init(&c->key, KP_KUBECONFIG_FILE_MAX);
}

static void kc_wipe_buf(kp_buf *b)
{
    if (b->p)
        explicit_bzero(b->p, b->alloc);
    kp_buf_dispose(b);
}

void kp_kubeconfig_creds_dispose(kp_kubeconfig_creds *c)
{
    if (!c)
        return;
    free(c->context);
    free(c->cluster);
    free(c->user);
    free(c->server);
    kp_buf_dispose(&c->ca);
    kp_buf_dispose(&c->cert);
    kc_wipe_buf(&c->key);
    if (c->token) {
        explicit_bzero(c->token, strlen(c->token));
        free(c->token);
    }
    kp_kubeconfig_creds_init(c);
}

/* k8s: relative file names in a kubeconfig are relative to the file's directory. Owned. */
static char *kc_file_path(const kp_kubeconfig *kc, const char *name)
{
    const char *slash;

    if (name[0] == '/' || !kc->path || !(slash = strrchr(kc->path, '/')))
        return kp_strdup(name);
    return kp_asprintf("%.*s/%s", (int)(slash - kc->path), kc->path, name);
}

/* Fills out from "<field>-data" (base64) or else "<field>" (a file name) of obj; leaves it
 * empty when neither is set. what names the entry for messages ("user \"admin\""). */
static int kc_load_data(kp_buf *out, const kp_kubeconfig *kc, const json_t *obj, const char *field,
                        const char *what)
{
    char data_key[64];
    const char *data, *file;
    char *path = NULL;
    kp_buf clean = KP_BUF_INIT(KP_KUBECONFIG_MAX);
    int rc = 0;

    snprintf(data_key, sizeof(data_key), "%s-data", field);
    data = json_string_value(json_object_get(obj, data_key));
    file = json_string_value(json_object_get(obj, field));
    if (data && *data) {
        /* Go's base64 decoder skips line breaks; so do we */
        for (const char *s = data; *s; s++)
            if (*s != '\n' && *s != '\r' && *s != ' ' && *s != '\t')
                kp_buf_putc(&clean, *s);
        if ((rc = kp_buf_status(&clean)) < 0)
            goto out;
        if ((rc = kp_crypto_base64_decode(out, kp_buf_cstr(&clean), clean.len)) < 0) {
            rc = kp_err_set(rc, "%s of %s: %s", data_key, what, kp_err_msg());
            goto out;
        }
        if ((rc = kp_buf_status(out)) < 0)
            rc = kp_err_set(rc, "%s of %s is larger than %zu bytes", data_key, what, out->cap);
    } else if (file && *file) {
        path = kc_file_path(kc, file);
        if ((rc = kp_buf_read_file(out, path)) < 0)
            rc = kp_err_set(rc, "%s of %s: %s", field, what, kp_err_msg());
    }
out:
    kc_wipe_buf(&clean);
    free(path);
    return rc;
}

int kp_kubeconfig_resolve(kp_kubeconfig_creds *out, const kp_kubeconfig *kc, const char *context)
{
    const char *name = context ? context : kp_kubeconfig_get_current_context(kc);
    const char *cluster_name, *user_name, *server, *token;
    json_t *ctx, *cluster, *user = NULL;
    char what[320];
    int rc;

    if (!name)
        return kp_err_set(KP_ENOTFOUND, "current-context is not set in kubeconfig \"%s\"",
                          kc->path ? kc->path : "");
    if (!(ctx = kp_kubeconfig_get_context(kc, name)))
        return kp_err_set(KP_ENOTFOUND, "context \"%s\" not found in kubeconfig \"%s\"", name,
                          kc->path ? kc->path : "");
    cluster_name = json_string_value(json_object_get(ctx, "cluster"));
    if (!cluster_name || !*cluster_name)
        return kp_err_set(KP_EBADREQUEST, "context \"%s\" names no cluster", name);
    if (!(cluster = kp_kubeconfig_get_cluster(kc, cluster_name)))
        return kp_err_set(KP_ENOTFOUND, "cluster \"%s\" not found in kubeconfig", cluster_name);
    server = json_string_value(json_object_get(cluster, "server"));
    if (!server || !*server)
        return kp_err_set(KP_EBADREQUEST, "cluster \"%s\" has no server", cluster_name);
    user_name = json_string_value(json_object_get(ctx, "user"));
    if (user_name && *user_name && !(user = kp_kubeconfig_get_user(kc, user_name)))
        return kp_err_set(KP_ENOTFOUND, "user \"%s\" not found in kubeconfig", user_name);

    out->context = kp_strdup(name);
    out->cluster = kp_strdup(cluster_name);
    out->user = user ? kp_strdup(user_name) : NULL;
    out->server = kp_strdup(server);
    out->insecure = json_is_true(json_object_get(cluster, "insecure-skip-tls-verify"));
    snprintf(what, sizeof(what), "cluster \"%s\"", cluster_name);
    if ((rc = kc_load_data(&out->ca, kc, cluster, "certificate-authority", what)) < 0)
        return rc;
    if (!user)
        return 0;
    snprintf(what, sizeof(what), "user \"%s\"", user_name);
    if ((rc = kc_load_data(&out->cert, kc, user, "client-certificate", what)) < 0 ||
        (rc = kc_load_data(&out->key, kc, user, "client-key", what)) < 0)
        return rc;
    token = json_string_value(json_object_get(user, "token"));
    if (token && *token) {
        out->token = kp_strdup(token);
    } else if ((token = json_string_value(json_object_get(user, "tokenFile"))) && *token) {
        kp_buf t = KP_BUF_INIT(KP_KUBECONFIG_FILE_MAX);
        char *path = kc_file_path(kc, token);
        rc = kp_buf_read_file(&t, path);
        free(path);
        if (rc < 0) {
            kc_wipe_buf(&t);
            return kp_err_set(rc, "tokenFile of %s: %s", what, kp_err_msg());
        }
        /* k8s: the token file's content, surrounding white space trimmed */
        kp_sv v = kp_sv_trim(kp_buf_sv(&t));
        out->token = kp_strndup(v.p, v.len);
        kc_wipe_buf(&t);
    }
    return 0;
}

static bool kc_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool kp_kubeconfig_ws_path_valid(const char *path)
{
    kp_sv in, seg;

    if (!path || !*path || strlen(path) > KP_KUBECONFIG_WS_PATH_MAX)
        return false;
    in = kp_sv_from(path);
    for (bool more = true; more;) {
        more = kp_sv_cut(&in, ':', &seg);
        if (seg.len == 0 || seg.p[0] == '-' || seg.p[seg.len - 1] == '-')
            return false;
        for (size_t i = 0; i < seg.len; i++)
            if (!kc_name_char(seg.p[i]))
                return false;
    }
    return true;
}

/* Offset of the path in a URL ("https://h:1/x" -> 11); the length when there is none. */
static size_t kc_url_path_off(const char *url)
{
    const char *p = strstr(url, "://");
    const char *start = p ? p + 3 : url;
    size_t n = strcspn(start, "/?#");
    return (size_t)(start - url) + n;
}

int kp_kubeconfig_split_server(char **base_out, char **ws_out, const char *server)
{
    size_t off = kc_url_path_off(server);
    const char *path = server + off, *at, *ws;
    size_t plen = strcspn(path, "?#"), wlen;
    char *wsname;

    at = strstr(path, KP_KUBECONFIG_WS_PREFIX);
    if (!at || at >= path + plen)
        return kp_err_set(KP_ENOTFOUND, "current URL \"%s\" does not point to a workspace", server);
    ws = at + strlen(KP_KUBECONFIG_WS_PREFIX);
    wlen = strcspn(ws, "/?#");
    wsname = kp_strndup(ws, wlen);
    if (!kp_kubeconfig_ws_path_valid(wsname)) {
        free(wsname);
        return kp_err_set(KP_EBADREQUEST, "invalid workspace path in URL \"%s\"", server);
    }
    if (base_out)
        *base_out = kp_strndup(server, (size_t)(at - server));
    if (ws_out)
        *ws_out = wsname;
    else
        free(wsname);
    return 0;
}

char *kp_kubeconfig_server_for(const char *server, const char *ws)
{
    size_t off = kc_url_path_off(server), end;
    const char *at;

    /* keep the path before /clusters/ (a proxy prefix), or the whole path without one */
    at = strstr(server + off, KP_KUBECONFIG_WS_PREFIX);
    end = at ? (size_t)(at - server) : off + strcspn(server + off, "?#");
    while (end > off && server[end - 1] == '/')
        end--;
    return kp_asprintf("%.*s%s%s", (int)end, server, KP_KUBECONFIG_WS_PREFIX, ws);
}

/* The context to act on: the named one, or the current. */
static int kc_current(const char **name_out, json_t **ctx_out, const kp_kubeconfig *kc,
                      const char *context)
{
    const char *name = context ? context : kp_kubeconfig_get_current_context(kc);

    if (!name)
        return kp_err_set(KP_ENOTFOUND, "current-context is not set in kubeconfig");
    if (!(*ctx_out = kp_kubeconfig_get_context(kc, name)))
        return kp_err_set(KP_ENOTFOUND, "current \"%s\" context not found", name);
    *name_out = name;
    return 0;
}

int kp_kubeconfig_use_server(kp_kubeconfig *kc, const char *context, const char *server)
{
    const char *name, *cluster_name;
    json_t *cur, *old_cluster, *new_cluster, *new_ctx, *prev_ctx;
    int rc;

    if ((rc = kc_current(&name, &cur, kc, context)) < 0)
        return rc;
    cluster_name = json_string_value(json_object_get(cur, "cluster"));
    if (!(old_cluster = kp_kubeconfig_get_cluster(kc, cluster_name)))
        return kp_err_set(KP_ENOTFOUND, "cluster \"%s\" not found in kubeconfig",
                          cluster_name ? cluster_name : "");
    /* copies first: the entries below may replace the very objects read here */
    old_cluster = json_deep_copy(old_cluster);
    prev_ctx = json_deep_copy(cur);
    new_cluster = json_deep_copy(old_cluster);
    json_object_set_new(new_cluster, "server", json_string(server));
    new_ctx = json_deep_copy(cur);
    json_object_set_new(new_ctx, "cluster", json_string(KP_KUBECONFIG_WS_CURRENT));

    /* the previous context keeps pointing at the old server: when that was our own "current"
     * cluster, which is rewritten now, it moves to the "previous" cluster */
    if (strcmp(cluster_name, KP_KUBECONFIG_WS_CURRENT) == 0) {
        json_object_set_new(prev_ctx, "cluster", json_string(KP_KUBECONFIG_WS_PREVIOUS));
        kp_kubeconfig_set_cluster_take(kc, KP_KUBECONFIG_WS_PREVIOUS, old_cluster);
        old_cluster = NULL;
    }
    json_decref(old_cluster);
    kp_kubeconfig_set_cluster_take(kc, KP_KUBECONFIG_WS_CURRENT, new_cluster);
    kp_kubeconfig_set_context_take(kc, KP_KUBECONFIG_WS_CURRENT, new_ctx);
    kp_kubeconfig_set_context_take(kc, KP_KUBECONFIG_WS_PREVIOUS, prev_ctx);
    kp_kubeconfig_set_current_context(kc, KP_KUBECONFIG_WS_CURRENT);
    return 0;
}

int kp_kubeconfig_use_previous(kp_kubeconfig *kc, const char *context)
{
    const char *name, *cur_cluster, *prev_cluster;
    json_t *cur, *prev, *cl;
    json_t *new_cur = NULL, *new_prev = NULL, *cl_for_prev = NULL, *cl_for_cur = NULL;
    int rc;

    if ((rc = kc_current(&name, &cur, kc, context)) < 0)
        return rc;
    if (!(prev = kp_kubeconfig_get_context(kc, KP_KUBECONFIG_WS_PREVIOUS)))
        return kp_err_set(KP_ENOTFOUND, "no previous workspace found in kubeconfig");
    cur_cluster = json_string_value(json_object_get(cur, "cluster"));
    prev_cluster = json_string_value(json_object_get(prev, "cluster"));
    new_prev = json_deep_copy(cur);
    new_cur = json_deep_copy(prev);
    /* each context takes its server along: the cluster entries named after the two slots
     * swap with them */
    if (cur_cluster && strcmp(cur_cluster, KP_KUBECONFIG_WS_CURRENT) == 0) {
        if (!(cl = kp_kubeconfig_get_cluster(kc, cur_cluster))) {
            rc = kp_err_set(KP_ENOTFOUND, "cluster \"%s\" not found in kubeconfig", cur_cluster);
            goto out;
        }
        cl_for_prev = json_deep_copy(cl);
        json_object_set_new(new_prev, "cluster", json_string(KP_KUBECONFIG_WS_PREVIOUS));
    }
    if (prev_cluster && strcmp(prev_cluster, KP_KUBECONFIG_WS_PREVIOUS) == 0) {
        if (!(cl = kp_kubeconfig_get_cluster(kc, prev_cluster))) {
            rc = kp_err_set(KP_ENOTFOUND, "cluster \"%s\" not found in kubeconfig", prev_cluster);
            goto out;
        }
        cl_for_cur = json_deep_copy(cl);
        json_object_set_new(new_cur, "cluster", json_string(KP_KUBECONFIG_WS_CURRENT));
    }
    if (cl_for_prev)
        kp_kubeconfig_set_cluster_take(kc, KP_KUBECONFIG_WS_PREVIOUS, cl_for_prev);
    if (cl_for_cur)
        kp_kubeconfig_set_cluster_take(kc, KP_KUBECONFIG_WS_CURRENT, cl_for_cur);
    cl_for_prev = cl_for_cur = NULL;
    kp_kubeconfig_set_context_take(kc, KP_KUBECONFIG_WS_CURRENT, new_cur);
    kp_kubeconfig_set_context_take(kc, KP_KUBECONFIG_WS_PREVIOUS, new_prev);
    new_cur = new_prev = NULL;
    kp_kubeconfig_set_current_context(kc, KP_KUBECONFIG_WS_CURRENT);
out:
    json_decref(new_cur);
    json_decref(new_prev);
    json_decref(cl_for_prev);
    json_decref(cl_for_cur);
    return rc;
}
