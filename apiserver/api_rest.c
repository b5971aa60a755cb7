#include "lib/common.h"
#include "apiserver/api_int.h"
#include "gitops/gitops.h"
#include "sync/cluster.h"
#include "apiserver/rquota.h"
#include "apiserver/crd_schema.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "apiserver/openapi.h"
#include "apiserver/patch.h"
#include "apiserver/proto.h"
#include "apiserver/select.h"
#include "apiserver/validate.h"
#include "lib/yaml.h"
#include "apiserver/watch.h"

#include <ctype.h>
#include <time.h>

/* The REST handlers over the store: get, list, create, update, delete, deletecollection. */

static const char *rest_key_ns(const api_ctx *c)
{
    return c->res->namespaced ? (c->ns ? c->ns : "") : "";
}

kp_key api_key(const api_ctx *c, const char *name)
{
    kp_key k = {c->cluster, c->res->store_key, rest_key_ns(c), name};
    return k;
}

/* Rewrites store errors into the messages Kubernetes gives for them. */
int api_store_err(const api_ctx *c, int rc, const char *name)
{
    switch (rc) {
    case KP_ENOTFOUND:
        return kp_err_set(rc, "%s \"%s\" not found", api_qualified(c), name);
    case KP_EEXISTS:
        return kp_err_set(rc, "%s \"%s\" already exists", api_qualified(c), name);
    case KP_EFORBIDDEN: { /* k8s: <resource> "<name>" is forbidden: <why> */
        char why[512];
        snprintf(why, sizeof(why), "%s", kp_err_msg());
        return kp_err_set(rc, "%s \"%s\" is forbidden: %s", api_qualified(c), name, why);
    }
    case KP_ECONFLICT: {
        /* k8s: "Operation cannot be fulfilled on <resource> \"<name>\": <why>" */
        char why[512];
        snprintf(why, sizeof(why), "%s",
                 strncmp(kp_err_msg(), "Precondition failed", 19) == 0
                     ? kp_err_msg()
                     : "the object has been modified; please apply your changes to the latest "
                       "version and try again");
        return kp_err_set(rc, "Operation cannot be fulfilled on %s \"%s\": %s", api_qualified(c),
                          name, why);
    }
    default:
        return rc;
    }
}

void api_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void api_uid(char out[37])
{
    uint8_t b[16];
    kp_crypto_random(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* ---- bodies ---- */

/* The media type of a Content-Type header, without parameters: "application/json". */
kp_sv api_media_type(const char *ct)
{
    kp_sv v = kp_sv_from(ct ? ct : ""), type;
    kp_sv_cut(&v, ';', &type);
    return kp_sv_trim(type);
}

/* Decodes a request body by its Content-Type: JSON, YAML, or Kubernetes protobuf (kubectl
 * 1.32+ sends its typed create commands that way). */
int api_decode(json_t **out, api_ctx *c, bool object_only)
{
    kp_sv mt = api_media_type(kp_req_header(c->req, "Content-Type"));
    kp_sv body = kp_req_body(c->req);
    json_t *obj = NULL;
    int rc;

    if (body.len == 0)
        return kp_err_set(KP_EBADREQUEST, "the request body is empty");
    if (mt.len == 0 || kp_sv_eq_nocase(mt, "application/json") || kp_sv_eq_nocase(mt, "*/*") ||
        kp_sv_eq_nocase(mt, "application/json-patch+json") ||
        kp_sv_eq_nocase(mt, "application/merge-patch+json") ||
        kp_sv_eq_nocase(mt, "application/strategic-merge-patch+json"))
        rc = kp_json_parse(&obj, body.p, body.len);
    else if (kp_sv_eq_nocase(mt, "application/yaml") || kp_sv_eq_nocase(mt, "application/x-yaml") ||
             kp_sv_eq_nocase(mt, "text/yaml") ||
             kp_sv_eq_nocase(mt, "application/apply-patch+yaml"))
        rc = kp_yaml_parse(&obj, body.p, body.len);
    else if (kp_sv_eq_nocase(mt, "application/vnd.kubernetes.protobuf"))
        rc = kp_proto_decode(&obj, body.p, body.len);
    else
        return kp_err_set(KP_EMEDIATYPE,
                          "the body of the request was in an unknown format - accepted media types "
                          "include: application/json, application/yaml, "
                          "application/vnd.kubernetes.protobuf");
    if (rc < 0)
        return rc;
    if (object_only && !json_is_object(obj)) {
        json_decref(obj);
        return kp_err_set(KP_EBADREQUEST, "the request body must be an object");
    }
    *out = obj;
    return 0;
}

int api_body(json_t **out, api_ctx *c)
{
    return api_decode(out, c, true);
}

/* k8s: apiVersion and kind must match the URL when given; absent ones are filled in. */
int api_check_type(api_ctx *c, json_t *obj)
{
    char gv[KP_SCHEMA_GV_MAX];
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    json_t *md = json_object_get(obj, "metadata");

    kp_schema_api_version(gv, c->res);
    if (kind && strcmp(kind, c->res->kind) != 0)
        return kp_err_set(KP_EBADREQUEST, "the kind \"%s\" of the object does not match %s", kind,
                          c->res->kind);
    if (av && strcmp(av, gv) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "the API version \"%s\" of the object does not match \"%s\"", av, gv);
    if (md && !json_is_object(md))
        return kp_err_set(KP_EBADREQUEST, "metadata must be an object");
    json_object_set_new(obj, "apiVersion", json_string(gv));
    json_object_set_new(obj, "kind", json_string(c->res->kind));
    return 0;
}

static bool rest_is_workspace(const api_ctx *c)
{
    return c->api->ws.admit_create && strcmp(c->res->kind, "Workspace") == 0 &&
           strcmp(c->res->group, "tenancy.kplane.io") == 0;
}

/* The namespace must exist and be Active for a namespaced create. */
static int rest_check_namespace(api_ctx *c)
{
    kp_key k = {c->cluster, "/namespaces", "", c->ns};
    json_t *ns = NULL;
    const char *phase;
    int rc = kp_store_get_shared(&ns, c->api->store, &k);

    if (rc == KP_ENOTFOUND) {
        c->status_name = c->ns;
        c->status_kind = "namespaces";
        return kp_err_set(KP_ENOTFOUND, "namespaces \"%s\" not found", c->ns);
    }
    if (rc < 0)
        return rc;
    phase = kp_json_get_str(ns, "status.phase");
    if (phase && strcmp(phase, "Terminating") == 0)
        rc = kp_err_set(KP_EFORBIDDEN,
                        "%s \"%s\" is forbidden: unable to create new content in namespace %s "
                        "because it is being terminated",
                        c->res->resource, c->name ? c->name : "", c->ns);
    json_decref(ns);
    return rc;
}

/* Defaults and per-kind rules applied on create and update (admission's built-in part). */
/* k8s fieldValidation: Strict refuses unknown fields (400), Warn (the default) answers with
 * one Warning header each, Ignore says nothing; in every mode they are dropped, as decoding a
 * built-in type does. Only fields the schema table describes can be told unknown. */
int api_field_validation(api_ctx *c, json_t *obj)
{
    const char *fv = api_query(c, "fieldValidation");
    json_t *unknown = NULL, *u;
    size_t i;
    int rc = 0;

    if (fv && *fv && strcmp(fv, "Strict") != 0 && strcmp(fv, "Warn") != 0 &&
        strcmp(fv, "Ignore") != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "fieldValidation \"%s\" is not one of \"Strict\", \"Warn\", \"Ignore\"",
                          fv);
    if (c->res->custom) { /* k8s: a CRD's structural schema prunes what it does not specify */
        unknown = json_array();
        kp_crd_schema_prune(obj, c->res->custom->schema, unknown);
    } else {
        kp_openapi_prune(&unknown, obj, c->res->group, c->res->kind);
    }
    if (json_array_size(unknown) == 0)
        goto out;
    if (fv && strcmp(fv, "Strict") == 0) {
        kp_buf msg;
        kp_buf_init(&msg, 2048);
        kp_buf_puts(&msg, "strict decoding error: ");
        json_array_foreach(unknown, i, u)
        {
            kp_buf_appendf(&msg, "%sunknown field \"%s\"", i ? ", " : "", json_string_value(u));
        }
        if (msg.err) /* too many to list: the first ones say enough */
            msg.err = 0;
        rc = kp_err_set(KP_EBADREQUEST, "%s", kp_buf_cstr(&msg));
        kp_buf_dispose(&msg);
    } else if (!fv || strcmp(fv, "Ignore") != 0) {
        json_array_foreach(unknown, i, u)
        {
            char *w = kp_asprintf("299 - \"unknown field \\\"%s\\\"\"", json_string_value(u));
            kp_http_resp_header(c->resp, c->req, "Warning", w);
            free(w);
            if (i >= 32) /* a handful is enough to act on */
                break;
        }
    }
out:
    json_decref(unknown);
    return rc;
}

/* k8s-as-kcp: every object names its logical cluster in an annotation, so lists and
 * watches across workspaces tell where each object lives. */
#define API_CLUSTER_ANN "kplane.io/cluster"

const char *api_cluster_of(const json_t *obj)
{
    const char *v = json_string_value(
        json_object_get(kp_json_get(obj, "metadata.annotations"), API_CLUSTER_ANN));
    return v ? v : "";
}

/* k8s: a custom object is defaulted, then validated against its version's structural schema
 * (one cause per problem); it is stored at the storage version (conversion None rewrites only
 * apiVersion). */
static int rest_admit_custom(api_ctx *c, json_t *obj, const char *qkind)
{
    const kp_crd_version *cv = c->res->custom;
    kp_crd_errs errs;
    char gv[KP_SCHEMA_GV_MAX];

    errs.n = 0;
    if (cv->schema) {
        kp_crd_schema_default(obj, cv->schema);
        kp_crd_schema_validate(&errs, obj, cv->schema);
    }
    if (errs.n)
        return kp_crd_errs_report(&errs, qkind, kp_json_get_str(obj, "metadata.name"));
    snprintf(gv, sizeof(gv), "%s/%s", c->res->group, cv->storage_version);
    json_object_set_new(obj, "apiVersion", json_string(gv));
    return 0;
}

void api_convert(const api_ctx *c, json_t *obj)
{
    char gv[KP_SCHEMA_GV_MAX];
    if (!c->res || !c->res->custom || !json_is_object(obj) || api_is_scale(c))
        return;
    kp_schema_api_version(gv, c->res);
    json_object_set_new(obj, "apiVersion", json_string(gv));
}

json_t *api_convert_render(const void *ctx, const json_t *obj)
{
    const kp_schema_res *r = ctx;
    char gv[KP_SCHEMA_GV_MAX];
    json_t *o = json_deep_copy(obj);
    kp_schema_api_version(gv, r);
    if (json_is_object(o) && json_object_get(o, "kind"))
        json_object_set_new(o, "apiVersion", json_string(gv));
    return o;
}

static void rest_crd_set_release(const void *ctx)
{
    kp_crd_set_release(kp_crd_set_of(ctx));
}

int api_admit(api_ctx *c, json_t *obj)
{
    const char *kind = c->res->kind;
    const char *qkind =
        c->res->group[0] ? kp_arena_printf(c->a, "%s.%s", kind, c->res->group) : kind;
    int rc;

    if ((rc = kp_validate_object_meta(obj, qkind, c->res->name_rule, c->res->namespaced)) < 0)
        return rc;
    if (c->res->custom && (rc = rest_admit_custom(c, obj, qkind)) < 0)
        return rc;
    if (strcmp(kind, "CustomResourceDefinition") == 0 && strcmp(c->res->group, KP_CRD_GROUP) == 0 &&
        (rc = kp_crd_admit(c->api->store, c->cluster, obj, c->admit_old)) < 0)
        return rc;
    if (strcmp(c->res->group, KP_GITOPS_GROUP) == 0 && !c->res->custom && !c->sub &&
        (rc = kp_gitops_admit(kind, obj)) < 0) /* GitRepository, Sync: defaults, validation */
        return rc;
    if (strcmp(kind, "Cluster") == 0 && strcmp(c->res->group, KP_SYNC_GROUP) == 0 &&
        (rc = kp_sync_cluster_admit(obj)) < 0) /* defaults and validation (sync/cluster.c) */
        return rc;
    if (c->cluster)
        json_object_set_new(kp_json_obj_ensure(kp_json_obj_ensure(obj, "metadata"), "annotations"),
                            API_CLUSTER_ANN, json_string(c->cluster));

    if (strcmp(kind, "Namespace") == 0) {
        json_t *spec = kp_json_obj_ensure(obj, "spec");
        json_t *st = kp_json_obj_ensure(obj, "status");
        /* k8s (1.21+): every namespace carries its name as a label, for selectors */
        json_object_set_new(kp_json_obj_ensure(kp_json_obj_ensure(obj, "metadata"), "labels"),
                            "kubernetes.io/metadata.name",
                            json_string(kp_json_get_str(obj, "metadata.name")));
        if (!json_object_get(spec, "finalizers"))
            json_object_set_new(spec, "finalizers", json_pack("[s]", "kubernetes"));
        if (!json_object_get(st, "phase"))
            json_object_set_new(st, "phase", json_string("Active"));
    } else if (strcmp(kind, "Secret") == 0) {
        json_t *sd = json_object_get(obj, "stringData");
        if (!json_object_get(obj, "type"))
            json_object_set_new(obj, "type", json_string("Opaque"));
        if (json_is_object(sd)) {
            json_t *data = kp_json_obj_ensure(obj, "data");
            const char *k;
            json_t *v;
            json_object_foreach(sd, k, v)
            {
                kp_buf b;
                if (!json_is_string(v))
                    continue;
                kp_buf_init(&b, KP_OBJECT_MAX * 2);
                kp_crypto_base64_encode(&b, json_string_value(v), json_string_length(v));
                json_object_set_new(data, k, json_string(kp_buf_cstr(&b)));
                kp_buf_dispose(&b);
            }
            json_object_del(obj, "stringData");
        }
    }
    if (api_dry_run(c)) { /* else the store checks the size of the object as it stores it */
        size_t len = 0;
        char *text = kp_json_dump(obj, &len);
        free(text);
        if (len > KP_OBJECT_MAX)
            return kp_err_set(KP_EINVALID,
                              "%s \"%s\" is invalid: the object is %zu bytes, over "
                              "the limit of %d bytes",
                              kind, c->name ? c->name : "", len, KP_OBJECT_MAX);
    }
    return 0;
}

bool api_dry_run(const api_ctx *c)
{
    const char *d = api_query(c, "dryRun");
    return d && strcmp(d, "All") == 0;
}

/* ---- handlers ---- */

static int rest_get(api_ctx *c)
{
    kp_key k = api_key(c, c->name);
    json_t *obj = NULL;
    int rc;

    /* as stored: no parse, no dump (but a custom resource asked for at another version than
     * its storage version gets its apiVersion rewritten) */
    if (!api_accepts(c, "as=Table") && !api_is_scale(c) &&
        !(c->res->custom && strcmp(c->res->version, c->res->custom->storage_version) != 0)) {
        kp_buf_reset(&c->resp->body);
        if ((rc = kp_store_get_raw(&c->resp->body, c->api->store, &k)) < 0) {
            kp_buf_reset(&c->resp->body);
            return api_store_err(c, rc, c->name);
        }
        kp_buf_putc(&c->resp->body, '\n');
        c->resp->code = 200;
        c->resp->content_type = "application/json";
        return 0;
    }
    rc = kp_store_get(&obj, c->api->store, &k);
    if (rc < 0)
        return api_store_err(c, rc, c->name);
    if (api_accepts(c, "as=Table") && !api_is_scale(c)) {
        json_t *items = json_pack("[o]", obj);
        json_t *t = api_table(c, items, kp_json_get_str(obj, "metadata.resourceVersion"), NULL);
        json_decref(items);
        return api_reply_json(c, 200, t);
    }
    return api_reply_obj(c, 200, obj);
}

/* Parses labelSelector and fieldSelector; field names are checked against the resource's
 * supported fields, as kube-apiserver does. Either output may be NULL (no selector). */
static int rest_selectors(api_ctx *c, kp_sel **labels, kp_sel **fields)
{
    const char *lsel = api_query(c, "labelSelector");
    const char *fsel = api_query(c, "fieldSelector");
    const char *allowed[32];
    size_t n = 0;
    int rc;

    *labels = *fields = NULL;
    if (lsel && *lsel && (rc = kp_sel_parse_labels(labels, lsel)) < 0)
        return rc;
    if (fsel && *fsel) {
        kp_sv in = kp_sv_from(c->res->field_selectors), f;
        if ((rc = kp_sel_parse_fields(fields, fsel)) < 0)
            goto fail;
        while (c->res->field_selectors && in.len && n < KP_ARRAY_LEN(allowed)) {
            kp_sv_cut(&in, ',', &f);
            allowed[n++] = kp_arena_sv(c->a, f);
        }
        if ((rc = kp_sel_check_fields(*fields, allowed, n)) < 0)
            goto fail;
    }
    return 0;
fail:
    kp_sel_free(*labels);
    kp_sel_free(*fields);
    *labels = *fields = NULL;
    return rc;
}

static bool rest_match(const kp_sel *labels, const kp_sel *fields, const json_t *item)
{
    if (labels && !kp_sel_match_labels(labels, kp_json_get(item, "metadata.labels")))
        return false;
    return !fields || kp_sel_match_fields(fields, item);
}

/* k8s list semantics: resourceVersion "" (most recent) and "0" (any) both read the current
 * state here, as the store is always consistent; N with NotOlderThan (the default) is served
 * when N is not newer than now; Exact only for the current N. */
static int rest_list_rv(int64_t *want_out, bool *exact_out, const api_ctx *c, bool has_continue)
{
    const char *rvq = api_query(c, "resourceVersion");
    const char *match = api_query(c, "resourceVersionMatch");

    *want_out = 0;
    *exact_out = false;
    if (match && *match && (!rvq || !*rvq))
        return kp_err_set(KP_EBADREQUEST,
                          "resourceVersionMatch is forbidden unless resourceVersion is provided");
    if (!rvq || !*rvq)
        return 0;
    if (has_continue && strcmp(rvq, "0") != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "specifying resource version is not allowed when using continue");
    if (kp_parse_i64(want_out, kp_sv_from(rvq), 0, INT64_MAX) < 0)
        return kp_err_set(KP_EBADREQUEST, "resourceVersion \"%s\" is not a decimal integer", rvq);
    if (match && *match) {
        if (strcmp(match, "Exact") == 0)
            *exact_out = true;
        else if (strcmp(match, "NotOlderThan") != 0)
            return kp_err_set(KP_EBADREQUEST,
                              "resourceVersionMatch \"%s\" is not one of Exact, NotOlderThan",
                              match);
        if (*exact_out && *want_out == 0)
            return kp_err_set(KP_EBADREQUEST,
                              "resourceVersionMatch \"Exact\" is forbidden for resourceVersion "
                              "\"0\"");
    }
    return 0;
}

/* The continue token after the key (ns, name) of the last object a page listed. */
static const char *rest_continue_token(api_ctx *c, int64_t rv, const char *ns, const char *name,
                                       const char *cluster)
{
    json_t *tok = json_pack("{s:s, s:I, s:s, s:s}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rv,
                            "ns", ns ? ns : "", "name", name ? name : "");
    const char *out;
    size_t tl;
    char *tt;
    kp_buf b;

    if (c->wildcard) /* the key order of a wildcard list starts with the cluster */
        json_object_set_new(tok, "cluster", json_string(cluster ? cluster : ""));
    tt = kp_json_dump(tok, &tl);
    kp_buf_init(&b, 8192);
    kp_crypto_base64_encode(&b, tt, tl);
    out = kp_arena_strdup(c->a, kp_buf_cstr(&b));
    kp_buf_dispose(&b);
    free(tt);
    json_decref(tok);
    return out;
}

/* The rows of a list written straight into the response, as stored: no JSON tree per object
 * (a selector still parses each row to match it). */
typedef struct {
    kp_buf *b;
    const kp_sel *lsel, *fsel;
    const api_ctx *conv; /* a custom resource at another version than it is stored at */
    size_t n;
    char last_ns[256], last_name[256], last_cluster[256];
} list_stream;

static int list_stream_row(void *arg, const char *json, size_t len, const char *cluster,
                           const char *ns, const char *name)
{
    list_stream *ls = arg;
    bool match = true;

    snprintf(ls->last_ns, sizeof(ls->last_ns), "%s", ns);
    snprintf(ls->last_name, sizeof(ls->last_name), "%s", name);
    snprintf(ls->last_cluster, sizeof(ls->last_cluster), "%s", cluster);
    if (ls->lsel || ls->fsel || ls->conv) {
        json_t *item = NULL;
        int rc = kp_json_parse(&item, json, len);
        if (rc < 0)
            return rc;
        match = rest_match(ls->lsel, ls->fsel, item);
        if (match && ls->conv) { /* conversion None: the apiVersion asked for */
            api_convert(ls->conv, item);
            if (ls->n++)
                kp_buf_putc(ls->b, ',');
            kp_json_dump_buf(ls->b, item);
        }
        json_decref(item);
        if (ls->conv)
            return 0;
    }
    if (!match)
        return 0;
    if (ls->n++)
        kp_buf_putc(ls->b, ',');
    kp_buf_put(ls->b, json, len);
    return 0;
}

static int rest_list(api_ctx *c)
{
    kp_store_list_opts o;
    kp_sel *lsel = NULL, *fsel = NULL;
    const char *lim = api_query(c, "limit");
    const char *cont = api_query(c, "continue");
    const char *next = NULL;
    bool table = api_accepts(c, "as=Table");
    char rvs[24], gv[KP_SCHEMA_GV_MAX];
    int64_t rv = 0, limit = 0, want_rv = 0;
    bool more = false, exact = false;
    json_t *items = NULL;
    list_stream ls;
    kp_buf *b = &c->resp->body;
    int rc;

    memset(&o, 0, sizeof(o));
    o.cluster = c->cluster;
    o.resource = c->res->store_key;
    o.ns = c->res->namespaced ? c->ns : NULL;
    if (lim && *lim && (rc = kp_parse_i64(&limit, kp_sv_from(lim), 0, 100000)) < 0)
        return rc;
    if (cont && *cont) {
        kp_buf raw;
        json_t *tok = NULL;
        kp_buf_init(&raw, 4096);
        rc = kp_crypto_base64_decode(&raw, cont, strlen(cont));
        if (rc == 0)
            rc = kp_json_parse(&tok, raw.p, raw.len);
        kp_buf_dispose(&raw);
        if (rc < 0 || !json_is_string(json_object_get(tok, "name"))) {
            json_decref(tok);
            return kp_err_set(KP_EBADREQUEST, "continue key is not valid: decode it from the "
                                              "previous list response unchanged");
        }
        o.after_ns = kp_arena_strdup(c->a, kp_json_get_str(tok, "ns"));
        o.after_name = kp_arena_strdup(c->a, kp_json_get_str(tok, "name"));
        o.after_cluster = kp_arena_strdup(c->a, kp_json_get_str(tok, "cluster"));
        json_decref(tok);
    }
    o.limit = (size_t)limit;
    if ((rc = rest_list_rv(&want_rv, &exact, c, cont && *cont)) < 0)
        return rc;
    if ((rc = rest_selectors(c, &lsel, &fsel)) < 0)
        return rc;
    kp_schema_api_version(gv, c->res);
    memset(&ls, 0, sizeof(ls));
    ls.b = b;
    ls.lsel = lsel;
    ls.fsel = fsel;
    if (c->res->custom && strcmp(c->res->version, c->res->custom->storage_version) != 0)
        ls.conv = c;
    kp_buf_reset(b);
    if (table) {
        rc = kp_store_list(&items, &rv, &more, c->api->store, &o);
    } else {
        kp_buf_appendf(b, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"items\":[", c->res->kind,
                       gv);
        rc = kp_store_list_each(&rv, &more, c->api->store, &o, list_stream_row, &ls);
    }
    if (rc == 0 && want_rv > rv) /* k8s: a list may not go back in time; we never lag */
        rc = kp_err_set(KP_ETIMEOUT, "Too large resource version: %lld, current: %lld",
                        (long long)want_rv, (long long)rv);
    else if (rc == 0 && exact && want_rv != rv)
        rc = kp_err_set(KP_EEXPIRED,
                        "too old resource version: %lld (%lld): only the current state can be "
                        "listed exactly",
                        (long long)want_rv, (long long)rv);
    if (rc < 0) {
        kp_buf_reset(b);
        json_decref(items);
        kp_sel_free(lsel);
        kp_sel_free(fsel);
        return rc;
    }
    snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
    if (table) {
        json_t *filtered = json_array(), *item;
        size_t i;
        json_array_foreach(items, i, item)
        {
            if (rest_match(lsel, fsel, item))
                json_array_append(filtered, item);
        }
        if (more && json_array_size(items)) {
            json_t *last = json_array_get(items, json_array_size(items) - 1);
            next =
                rest_continue_token(c, rv, kp_json_get_str(last, "metadata.namespace"),
                                    kp_json_get_str(last, "metadata.name"), api_cluster_of(last));
        }
        json_decref(items);
        kp_sel_free(lsel);
        kp_sel_free(fsel);
        {
            json_t *t = api_table(c, filtered, rvs, next); /* it only reads the items */
            json_decref(filtered);
            return api_reply_json(c, 200, t);
        }
    }
    kp_sel_free(lsel);
    kp_sel_free(fsel);
    if (more && ls.last_name[0])
        next = rest_continue_token(c, rv, ls.last_ns, ls.last_name, ls.last_cluster);
    kp_buf_appendf(b, "],\"metadata\":{\"resourceVersion\":\"%s\"%s%s%s}}\n", rvs,
                   next ? ",\"continue\":\"" : "", next ? next : "", next ? "\"" : "");
    c->resp->code = 200;
    c->resp->content_type = "application/json";
    return 0;
}

static int rest_create(api_ctx *c)
{
    json_t *obj = NULL;
    int rc;

    if (c->name)
        return kp_err_set(KP_EMETHOD, "the server does not allow this method on the requested "
                                      "resource");
    if ((rc = api_body(&obj, c)) < 0)
        return rc;
    if ((rc = api_check_type(c, obj)) < 0 || (rc = api_field_validation(c, obj)) < 0)
        goto out;
    rc = api_create_obj(c, obj, false);
out:
    json_decref(obj);
    return rc;
}

int api_create_obj(api_ctx *c, json_t *obj, bool applied)
{
    json_t *md, *stored = NULL;
    const char *name, *bns;
    char now[32], uid[37];
    const char *manager;
    kp_key k;
    int rc;

    if ((rc = api_field_manager(c, &manager)) < 0)
        return rc;
    md = kp_json_obj_ensure(obj, "metadata");
    name = json_string_value(json_object_get(md, "name"));
    if (!name || !*name) {
        const char *gen = json_string_value(json_object_get(md, "generateName"));
        static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
        char sfx[6];
        uint8_t rnd[5];
        if (!gen || !*gen) {
            kp_err_cause("metadata.name", "FieldValueRequired",
                         "Required value: name or "
                         "generateName is required");
            rc = kp_err_set(KP_EINVALID,
                            "%s \"\" is invalid: metadata.name: Required value: "
                            "name or generateName is required",
                            c->res->kind);
            goto out;
        }
        kp_crypto_random(rnd, sizeof(rnd));
        for (size_t i = 0; i < 5; i++)
            sfx[i] = alnum[rnd[i] % (sizeof(alnum) - 1)];
        sfx[5] = '\0';
        name = kp_arena_printf(c->a, "%s%s", gen, sfx);
        json_object_set_new(md, "name", json_string(name));
    }
    name = kp_arena_strdup(c->a, name);
    c->name = name;
    bns = json_string_value(json_object_get(md, "namespace"));
    if (c->res->namespaced) {
        if (bns && *bns && strcmp(bns, c->ns) != 0) {
            rc = kp_err_set(KP_EBADREQUEST, "the namespace of the provided object does not match "
                                            "the namespace sent on the request");
            goto out;
        }
        json_object_set_new(md, "namespace", json_string(c->ns));
    } else {
        json_object_del(md, "namespace");
    }
    api_now(now);
    api_uid(uid);
    json_object_set_new(md, "uid", json_string(uid));
    json_object_set_new(md, "creationTimestamp", json_string(now));
    json_object_del(md, "resourceVersion");
    json_object_del(md, "deletionTimestamp");
    json_object_del(md, "selfLink");
    if (json_object_get(obj, "spec"))
        json_object_set_new(md, "generation", json_integer(1));
    /* k8s: where status is a subresource, create starts from an empty status */
    if (c->res->status && strcmp(c->res->kind, "Namespace") != 0) {
        json_object_del(obj, "status");
        if (strcmp(c->res->kind, "Pod") == 0)
            json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Pending"));
    }
    if ((rc = api_admit(c, obj)) < 0)
        goto out;
    if (c->res->namespaced &&
        ((rc = rest_check_namespace(c)) < 0 ||
         (rc = kp_rquota_admit(c->api->rquota, c->cluster, c->ns, c->res, name)) < 0))
        goto out;
    if (rest_is_workspace(c) && (rc = c->api->ws.admit_create(c->api->ws.arg, obj, c->ws_path,
                                                              c->user, c->groups, c->ngroups)) < 0)
        goto out;
    if (!applied)
        api_track_fields(c, manager, obj, NULL);
    if (api_dry_run(c)) {
        rc = api_reply_obj(c, 201, json_incref(obj));
        goto out;
    }
    k = api_key(c, name);
    if (!rest_is_workspace(c) && !c->res->custom && !api_is_scale(c)) {
        /* the answer is the object as stored: its text, as the store wrote it */
        kp_buf_reset(&c->resp->body);
        if ((rc = kp_store_create_text(NULL, &c->resp->body, c->api->store, &k, obj)) < 0) {
            kp_buf_reset(&c->resp->body);
            rc = api_store_err(c, rc, name);
            goto out;
        }
        kp_buf_putc(&c->resp->body, '\n');
        c->resp->code = 201;
        c->resp->content_type = "application/json";
        goto out;
    }
    if ((rc = kp_store_create(&stored, c->api->store, &k, obj)) < 0) {
        rc = api_store_err(c, rc, name);
        goto out;
    }
    if (rest_is_workspace(c)) {
        /* initialize now, so a created workspace is ready in milliseconds; answer with its
         * latest state (a failure shows in its status and the log) */
        json_t *latest = NULL;
        if (c->api->ws.initialize(c->api->ws.arg, c->ws_path, stored) < 0)
            kp_err_clear();
        if (kp_store_get(&latest, c->api->store, &k) == 0) {
            json_decref(stored);
            stored = latest;
        }
        kp_err_clear();
    }
    rc = api_reply_obj(c, 201, stored);
out:
    return rc;
}

bool api_has_finalizers(const json_t *obj)
{
    return json_array_size(kp_json_get(obj, "metadata.finalizers")) > 0;
}

/* The finalizers the garbage collector works on (k8s: metav1.FinalizerOrphanDependents and
 * metav1.FinalizerDeleteDependents). */
#define API_FIN_ORPHAN "orphan"
#define API_FIN_FOREGROUND "foregroundDeletion"

/* k8s ValidateDeleteOptions, answered as errors.NewInvalid of a DeleteOptions.meta.k8s.io. */
static int rest_delopts_invalid(const char *value, const char *reason, const char *detail)
{
    const char *what =
        strcmp(reason, "FieldValueNotSupported") == 0 ? "Unsupported value" : "Invalid value";
    kp_buf q;
    int rc;

    kp_buf_init(&q, 512);
    kp_validate_quote(&q, kp_sv_from(value));
    q.err = 0; /* a long value is quoted in part */
    kp_err_clear();
    kp_err_cause("propagationPolicy", reason, "%s: %s: %s", what, kp_buf_cstr(&q), detail);
    rc = kp_err_set(KP_EINVALID,
                    "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: %s: %s: %s",
                    what, kp_buf_cstr(&q), detail);
    kp_buf_dispose(&q);
    return rc;
}

/* k8s: deleting a CRD deletes its objects (the customresourcecleanup finalizer's work, done
 * here in one statement) and they stop being served. */
static int rest_delete_crd_contents(api_ctx *c, const json_t *crd)
{
    const char *group = kp_json_get_str(crd, "spec.group");
    const char *plural = kp_json_get_str(crd, "spec.names.plural");
    char *key;
    int n;
    if (!group || !plural)
        return 0;
    key = kp_asprintf("%s/%s", group, plural);
    n = kp_store_delete_resource(c->api->store, c->cluster, key);
    free(key);
    if (n > 0)
        KP_LOG_DEBUG("api", "deleted %d objects of CRD \"%s\"", n,
                     kp_json_get_str(crd, "metadata.name"));
    return n < 0 ? n : 0;
}

int kp_api_delete_options(kp_api_delopts *o, kp_arena *a, const char *body, size_t len,
                          const char *qpolicy, const char *qorphan)
{
    const char *policy = qpolicy && *qpolicy ? qpolicy : NULL;
    int orphan = -1; /* orphanDependents: -1 unset, 0 false, 1 true */
    json_t *b = NULL;
    int rc = 0;

    memset(o, 0, sizeof(*o));
    if (qorphan && *qorphan) {
        bool v;
        if (kp_parse_bool(&v, kp_sv_from(qorphan)) < 0)
            return kp_err_set(KP_EBADREQUEST, "orphanDependents is not a boolean");
        orphan = v;
    }
    if (len && (rc = kp_json_parse(&b, body, len)) < 0)
        return rc;
    if (b && !json_is_object(b)) {
        rc = kp_err_set(KP_EBADREQUEST, "DeleteOptions must be an object");
        goto out;
    }
    if (b) {
        const char *prv = kp_json_get_str(b, "preconditions.resourceVersion");
        const char *puid = kp_json_get_str(b, "preconditions.uid");
        json_t *gp = json_object_get(b, "gracePeriodSeconds");
        json_t *pp = json_object_get(b, "propagationPolicy");
        json_t *od = json_object_get(b, "orphanDependents");
        if (prv && kp_parse_i64(&o->rv, kp_sv_from(prv), 1, INT64_MAX) < 0)
            rc = kp_err_set(KP_EBADREQUEST, "preconditions.resourceVersion is not valid");
        else if (gp && !json_is_null(gp) && (!json_is_integer(gp) || json_integer_value(gp) < 0))
            rc = kp_err_set(KP_EBADREQUEST, "gracePeriodSeconds must be a non-negative integer");
        else if (pp && !json_is_null(pp) && !json_is_string(pp))
            rc = kp_err_set(KP_EBADREQUEST, "propagationPolicy must be a string");
        else if (od && !json_is_null(od) && !json_is_boolean(od))
            rc = kp_err_set(KP_EBADREQUEST, "orphanDependents must be a boolean");
        if (rc < 0)
            goto out;
        if (puid)
            o->uid = kp_arena_strdup(a, puid);
        if (json_is_string(pp))
            policy = json_string_value(pp);
        if (json_is_boolean(od))
            orphan = json_is_true(od);
    }
    if (policy && orphan >= 0) {
        rc = rest_delopts_invalid(policy, "FieldValueInvalid",
                                  "orphanDependents and deletionPropagation cannot be both set");
    } else if (policy && strcmp(policy, "Foreground") != 0 && strcmp(policy, "Background") != 0 &&
               strcmp(policy, "Orphan") != 0) {
        rc = rest_delopts_invalid(policy, "FieldValueNotSupported",
                                  "supported values: \"Foreground\", \"Background\", \"Orphan\", "
                                  "\"nil\"");
    } else if (orphan >= 0) { /* k8s: true adds the orphan finalizer, false removes it */
        o->policy = orphan ? "Orphan" : "Background";
    } else if (policy) { /* one of the constants, not the request's memory */
        o->policy = strcmp(policy, "Foreground") == 0   ? "Foreground"
                    : strcmp(policy, "Background") == 0 ? "Background"
                                                        : "Orphan";
    }
out:
    json_decref(b);
    return rc;
}

/* DeleteOptions from the query and the body (kubectl sends one; its fields win). */
static int rest_delete_options(api_ctx *c, kp_api_delopts *o)
{
    kp_sv body = kp_req_body(c->req);
    const char *grace = api_query(c, "gracePeriodSeconds");
    int64_t g;

    if (grace && *grace && kp_parse_i64(&g, kp_sv_from(grace), 0, INT64_MAX) < 0)
        return kp_err_set(KP_EBADREQUEST, "gracePeriodSeconds \"%s\" is not a non-negative integer",
                          grace);
    return kp_api_delete_options(o, c->a, body.p, body.len, api_query(c, "propagationPolicy"),
                                 api_query(c, "orphanDependents"));
}

/* k8s deletionFinalizersForGarbageCollection: a policy sets the garbage collector's finalizer
 * it needs (Foreground: foregroundDeletion, Orphan: orphan) and drops the other one;
 * Background drops both; without a policy the object keeps what it has. A new array. */
static json_t *rest_delete_finalizers(const json_t *cur, const char *policy)
{
    json_t *fin = json_deep_copy(kp_json_get(cur, "metadata.finalizers"));
    if (!json_is_array(fin)) {
        json_decref(fin);
        fin = json_array();
    }
    if (!policy)
        return fin;
    for (size_t i = json_array_size(fin); i-- > 0;) {
        const char *f = json_string_value(json_array_get(fin, i));
        if (f && (strcmp(f, API_FIN_ORPHAN) == 0 || strcmp(f, API_FIN_FOREGROUND) == 0))
            json_array_remove(fin, i);
    }
    if (strcmp(policy, "Foreground") == 0)
        json_array_append_new(fin, json_string(API_FIN_FOREGROUND));
    else if (strcmp(policy, "Orphan") == 0)
        json_array_append_new(fin, json_string(API_FIN_ORPHAN));
    return fin;
}

/* Marks cur for deletion (deletionTimestamp, once) with the finalizers fin (borrowed). */
static int rest_mark(json_t **out, api_ctx *c, const kp_key *k, const json_t *cur,
                     const json_t *fin)
{
    json_t *marked = json_deep_copy(cur);
    json_t *md = kp_json_obj_ensure(marked, "metadata");
    int rc;

    if (!json_object_get(md, "deletionTimestamp")) {
        char now[32];
        api_now(now);
        json_object_set_new(md, "deletionTimestamp", json_string(now));
        json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(0));
    }
    json_object_set(md, "finalizers", (json_t *)fin);
    if (strcmp(k->resource, "/namespaces") == 0) {
        json_object_set_new(kp_json_obj_ensure(marked, "status"), "phase",
                            json_string("Terminating"));
        if (!kp_json_get(marked, "spec.finalizers"))
            json_object_set_new(kp_json_obj_ensure(marked, "spec"), "finalizers",
                                json_pack("[s]", "kubernetes"));
    }
    (void)c;
    rc = kp_store_replace(out, c->api->store, k, marked, cur);
    json_decref(marked);
    return rc;
}

/* k8s: a namespace goes once it has no finalizers left, in metadata or in spec. */
static bool rest_ns_finalized(const json_t *ns)
{
    const json_t *f;
    size_t i;
    if (api_has_finalizers(ns))
        return true;
    json_array_foreach(kp_json_get(ns, "spec.finalizers"), i, f)
    {
        if (!json_is_string(f) || strcmp(json_string_value(f), "kubernetes") != 0)
            return true;
    }
    return false;
}

/* k8s: deleting a namespace deletes its contents. Whatever has no finalizers goes at once, in
 * one statement, so a namespace of 10,000 objects goes as fast as PostgreSQL deletes the rows,
 * and the namespace with it when nothing is left. Otherwise the namespace is Terminating: no
 * creates in it (403), what is left is marked for deletion, and the namespace controller (gc.c)
 * removes the "kubernetes" finalizer once the last object went. */
static int rest_delete_namespace(json_t **out, api_ctx *c, const kp_key *k, const json_t *cur,
                                 int64_t rv)
{
    kp_store_event *left = NULL;
    size_t nleft = 0;
    json_t *fin = NULL;
    int rc, n;

    if ((n = kp_store_delete_unfinalized(c->api->store, c->cluster, k->name)) < 0)
        return n;
    if (n > 0)
        KP_LOG_DEBUG("api", "deleted %d objects of namespace \"%s\"", n, k->name);
    if ((rc = kp_store_scan(&left, &nleft, c->api->store, KP_SCAN_NAMESPACE, c->cluster, k->name)) <
        0)
        return rc;
    if (nleft == 0 && !rest_ns_finalized(cur)) {
        rc = kp_store_delete(out, c->api->store, k, rv);
        goto out;
    }
    fin = rest_delete_finalizers(cur, NULL);
    if ((rc = rest_mark(out, c, k, cur, fin)) < 0)
        goto out;
    /* what is left: marked, or gone when its finalizers went meanwhile; a failure here is
     * retried by the namespace controller, which sees the namespace Terminating */
    for (size_t i = 0; i < nleft; i++) {
        kp_key lk = {c->cluster, left[i].key.resource, left[i].key.ns, left[i].key.name};
        json_t *lfin = NULL;
        int lrc;
        if (kp_json_get(left[i].obj, "metadata.deletionTimestamp"))
            continue;
        lfin = rest_delete_finalizers(left[i].obj, NULL);
        if (json_array_size(lfin))
            lrc = rest_mark(NULL, c, &lk, left[i].obj, lfin);
        else
            lrc = kp_store_delete(NULL, c->api->store, &lk, left[i].rv);
        if (lrc < 0) {
            KP_LOG_DEBUG("api", "namespace \"%s\": %s \"%s\" not marked yet: %s", k->name,
                         lk.resource, lk.name, kp_err_msg());
            kp_err_clear();
        }
        json_decref(lfin);
    }
out:
    json_decref(fin);
    kp_store_events_free(left, nleft);
    return rc;
}

/* k8s: an object with finalizers is only marked (deletionTimestamp) and goes when the last
 * finalizer is removed; without, it goes now. The propagation policy decides which of the
 * garbage collector's finalizers it receives (gc.c does the rest). Pods are not run here, so the
 * grace period has nobody to wait for. */
static int rest_delete_one(api_ctx *c, const char *name, json_t **out, bool *removed_out)
{
    kp_key k = api_key(c, name);
    kp_api_delopts o;
    int rc;

    if ((rc = rest_delete_options(c, &o)) < 0)
        return rc;
    for (int attempt = 0; attempt < 16; attempt++) {
        json_t *cur = NULL, *fin = NULL;
        const char *rvs, *uid;
        int64_t rv = 0;
        bool final = false;   /* an answer of its own, not a store error to reword or retry */
        bool precond = false; /* a precondition failed: no retry */

        kp_err_clear();
        if ((rc = kp_store_get(&cur, c->api->store, &k)) < 0)
            return api_store_err(c, rc, name);
        *removed_out = false;
        rvs = kp_json_get_str(cur, "metadata.resourceVersion");
        uid = kp_json_get_str(cur, "metadata.uid");
        if (rvs)
            kp_parse_i64(&rv, kp_sv_from(rvs), 0, INT64_MAX);
        if (o.uid && (!uid || strcmp(o.uid, uid) != 0)) {
            precond = true;
            rc = kp_err_set(KP_ECONFLICT,
                            "Precondition failed: UID in precondition: %s, UID in object meta: %s",
                            o.uid, uid ? uid : "");
        } else if (o.rv && o.rv != rv) {
            precond = true;
            rc = kp_err_set(KP_ECONFLICT,
                            "Precondition failed: ResourceVersion in precondition: %lld, "
                            "ResourceVersion in object meta: %lld",
                            (long long)o.rv, (long long)rv);
        } else if (api_dry_run(c)) {
            *removed_out = !api_has_finalizers(cur);
            if (out) {
                *out = cur;
                cur = NULL;
            }
        } else if (strcmp(c->res->kind, "Namespace") == 0 && !c->res->group[0]) {
            if (kp_json_get(cur, "metadata.deletionTimestamp")) {
                final = true;
                rc = kp_err_set(KP_ECONFLICT,
                                "Operation cannot be fulfilled on namespaces \"%s\": The system is "
                                "ensuring all content is removed from this namespace.  Upon "
                                "completion, this namespace will automatically be purged by the "
                                "system.",
                                name);
            } else {
                rc = rest_delete_namespace(out, c, &k, cur, rv);
            }
        } else {
            /* a Workspace's deletion is its own (delete_contents): no GC finalizers */
            fin = rest_delete_finalizers(cur, rest_is_workspace(c) ? NULL : o.policy);
            if (json_array_size(fin) == 0) {
                if (rest_is_workspace(c)) {
                    /* it marks itself Deleting as it goes: the object changes under us */
                    rc = c->api->ws.delete_contents(c->api->ws.arg, c->ws_path, cur);
                    rv = 0;
                } else if (strcmp(c->res->kind, "CustomResourceDefinition") == 0 &&
                           strcmp(c->res->group, KP_CRD_GROUP) == 0) {
                    rc = rest_delete_crd_contents(c, cur);
                }
                if (rc == 0)
                    rc = kp_store_delete(out, c->api->store, &k, rv);
                *removed_out = rc == 0;
            } else if (kp_json_get(cur, "metadata.deletionTimestamp") &&
                       json_equal(fin, kp_json_get(cur, "metadata.finalizers"))) {
                if (out) { /* already marked */
                    *out = cur;
                    cur = NULL;
                }
            } else {
                rc = rest_mark(out, c, &k, cur, fin);
            }
        }
        json_decref(cur);
        json_decref(fin);
        if (final)
            return rc;
        if (precond)
            return api_store_err(c, rc, name);
        if (rc == KP_ECONFLICT)
            continue; /* changed under us: look again (and check the preconditions again) */
        return rc < 0 ? api_store_err(c, rc, name) : 0;
    }
    return api_store_err(c, KP_ECONFLICT, name);
}

/* k8s (genericregistry.Store.ReturnDeletedObject): these answer a delete with the deleted
 * object; the rest of the built-in kinds with a Status "Success" whose details name the
 * object, as the generated clients' delete methods declare (V1Status). Custom resources return
 * the object: kplane's own kinds are kcp's custom resources. */
static bool rest_returns_deleted(const kp_schema_res *r)
{
    static const char *const kinds[] = {"Namespace", "Pod", "Service", "ServiceAccount"};
    static const char own[] = "kplane.io";
    size_t glen = strlen(r->group);

    if (r->custom) /* a workspace's CRDs */
        return true;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!r->group[0] && strcmp(r->kind, kinds[i]) == 0)
            return true;
    return glen >= sizeof(own) - 1 && strcmp(r->group + glen - (sizeof(own) - 1), own) == 0;
}

static int rest_delete(api_ctx *c)
{
    json_t *old = NULL, *details;
    bool removed = false;
    int rc = rest_delete_one(c, c->name, &old, &removed);
    if (rc < 0)
        return rc;
    if (!removed || rest_returns_deleted(c->res)) { /* marked for its finalizers: the object */
        api_convert(c, old);
        return api_reply_json(c, 200, old);
    }
    details =
        json_pack("{s:s, s:s, s:s}", "name", c->name, "kind", c->res->resource, "uid",
                  kp_json_get_str(old, "metadata.uid") ? kp_json_get_str(old, "metadata.uid") : "");
    if (c->res->group[0])
        json_object_set_new(details, "group", json_string(c->res->group));
    json_decref(old);
    return api_reply_json(c, 200,
                          json_pack("{s:s, s:s, s:{}, s:s, s:o}", "kind", "Status", "apiVersion",
                                    "v1", "metadata", "status", "Success", "details", details));
}

static int rest_deletecollection(api_ctx *c)
{
    kp_store_list_opts o;
    json_t *items = NULL, *item, *gone = json_array();
    kp_sel *lsel = NULL, *fsel = NULL;
    kp_api_delopts dopts;
    char gv[KP_SCHEMA_GV_MAX];
    int64_t rv;
    bool more;
    size_t i;
    int rc;

    memset(&o, 0, sizeof(o));
    o.cluster = c->cluster;
    o.resource = c->res->store_key;
    o.ns = c->res->namespaced ? c->ns : NULL;
    /* bad DeleteOptions are refused also when nothing matches */
    if ((rc = rest_delete_options(c, &dopts)) < 0 || (rc = rest_selectors(c, &lsel, &fsel)) < 0)
        goto out;
    if ((rc = kp_store_list(&items, &rv, &more, c->api->store, &o)) < 0)
        goto out;
    json_array_foreach(items, i, item)
    {
        const char *name = kp_json_get_str(item, "metadata.name");
        json_t *old = NULL;
        if (!rest_match(lsel, fsel, item))
            continue;
        bool removed;
        rc = rest_delete_one(c, name, &old, &removed);
        if (rc < 0 && rc != KP_ENOTFOUND)
            break;
        api_convert(c, old);
        if (old)
            json_array_append_new(gone, old);
        rc = 0;
    }
out:
    json_decref(items);
    kp_sel_free(lsel);
    kp_sel_free(fsel);
    if (rc < 0) {
        json_decref(gone);
        return rc;
    }
    /* k8s: deletecollection answers with the list of what it deleted */
    kp_schema_api_version(gv, c->res);
    return api_reply_json(c, 200,
                          json_pack("{s:s, s:s, s:{}, s:o}", "kind",
                                    kp_arena_printf(c->a, "%sList", c->res->kind), "apiVersion", gv,
                                    "metadata", "items", gone));
}

/* k8s watch: resourceVersion "" or "0" (or sendInitialEvents=true) starts with the current
 * state as ADDED events; N resumes after N; too old ends the stream with a 410 ERROR event. */
static int rest_watch(api_ctx *c)
{
    kp_watch_opts o;
    kp_watch *w = NULL;
    const char *rvq = api_query(c, "resourceVersion");
    const char *sie = api_query(c, "sendInitialEvents");
    const char *bm = api_query(c, "allowWatchBookmarks");
    const char *to = api_query(c, "timeoutSeconds");
    bool initial = false, bookmarks = false;
    int64_t rv = 0, timeout = 0;
    char gv[KP_SCHEMA_GV_MAX];
    int rc;

    memset(&o, 0, sizeof(o));
    if (rvq && *rvq && (rc = kp_parse_i64(&rv, kp_sv_from(rvq), 0, INT64_MAX)) < 0)
        return kp_err_set(KP_EBADREQUEST, "resourceVersion \"%s\" is not a decimal integer", rvq);
    if (sie && *sie && (rc = kp_parse_bool(&initial, kp_sv_from(sie))) < 0)
        return rc;
    if (bm && *bm && (rc = kp_parse_bool(&bookmarks, kp_sv_from(bm))) < 0)
        return rc;
    if (to && *to && (rc = kp_parse_i64(&timeout, kp_sv_from(to), 0, 86400)) < 0)
        return rc;
    if (initial && !bookmarks)
        return kp_err_set(KP_EINVALID, "sendInitialEvents requires allowWatchBookmarks=true");
    if ((rc = rest_selectors(c, &o.labels, &o.fields)) < 0)
        return rc;
    kp_schema_api_version(gv, c->res);
    o.cluster = c->cluster;
    o.resource = c->res->store_key;
    o.ns = c->res->namespaced ? c->ns : NULL;
    o.name = c->name;
    o.kind = c->res->kind;
    o.api_version = gv;
    o.rv = initial ? 0 : rv;
    o.bookmarks = bookmarks;
    if (api_accepts(c, "as=Table")) { /* kubectl get -w: each event's object is a Table */
        o.render = api_table_render;
        o.render_ctx = c->res;
    } else if (c->res->custom && strcmp(c->res->version, c->res->custom->storage_version) != 0) {
        o.render = api_convert_render;
        o.render_ctx = c->res;
    }
    if (o.render && c->res->custom) { /* the row lives as long as its set: hold it */
        kp_crd_set_ref(kp_crd_set_of(c->res));
        o.render_release = rest_crd_set_release;
    }
    o.timeout_s = timeout > 0 ? (int)timeout : 1800 + (int)(kp_req_elapsed_us(c->req) % 1800);
    rc = kp_watch_start(&w, c->api->hub, &o);
    if (rc == 0 && o.rv == 0) {
        kp_store_list_opts lo;
        json_t *items = NULL;
        int64_t list_rv = 0;
        bool more = false;

        memset(&lo, 0, sizeof(lo));
        lo.cluster = c->cluster;
        lo.resource = c->res->store_key;
        lo.ns = o.ns;
        rc = kp_store_list(&items, &list_rv, &more, c->api->store, &lo);
        if (rc == 0 && !o.render && c->res->custom) {
            size_t i;
            json_t *it;
            json_array_foreach(items, i, it)
            {
                api_convert(c, it);
            }
        }
        if (rc == 0)
            kp_watch_initial(w, items, list_rv, initial);
        json_decref(items);
    }
    if (rc < 0) {
        kp_watch_cancel(w);
        return rc;
    }
    c->resp->code = 200;
    c->resp->content_type = "application/json";
    c->resp->stream = kp_watch_streamer(w);
    return 0;
}

int api_rest_dispatch(api_ctx *c)
{
    const char *v = c->verb;
    if (!c->res->store_key) /* never stored: reviews */
        return api_review(c);
    if (c->sub && strcmp(c->sub, "token") == 0)
        return api_token_request(c);
    if (c->sub && (!c->name ||
                   (strcmp(v, "get") != 0 && strcmp(v, "update") != 0 && strcmp(v, "patch") != 0)))
        return kp_err_set(KP_EMETHOD, "%s is not allowed on %s/%s", v, api_qualified(c), c->sub);
    if (strcmp(v, "get") == 0)
        return rest_get(c);
    if (strcmp(v, "list") == 0)
        return rest_list(c);
    if (strcmp(v, "watch") == 0)
        return rest_watch(c);
    if (strcmp(v, "create") == 0)
        return rest_create(c);
    if (strcmp(v, "update") == 0)
        return api_update(c);
    if (strcmp(v, "patch") == 0)
        return api_patch(c);
    if (strcmp(v, "delete") == 0)
        return rest_delete(c);
    if (strcmp(v, "deletecollection") == 0)
        return rest_deletecollection(c);
    return kp_err_set(KP_EMETHOD, "%s is not supported on %s yet", v, api_qualified(c));
}

int api_rest_bootstrap(kp_api *api, const char *cluster)
{
    static const char *const names[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
    for (size_t i = 0; i < KP_ARRAY_LEN(names); i++) {
        kp_key k = {cluster, "/namespaces", "", names[i]};
        char now[32], uid[37];
        json_t *ns;
        int rc;
        api_now(now);
        api_uid(uid);
        ns = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{s:[s]}, s:{s:s}}", "apiVersion",
                       "v1", "kind", "Namespace", "metadata", "name", names[i], "uid", uid,
                       "creationTimestamp", now, "labels", "kubernetes.io/metadata.name", names[i],
                       "spec", "finalizers", "kubernetes", "status", "phase", "Active");
        rc = kp_store_create(NULL, api->store, &k, ns);
        json_decref(ns);
        if (rc < 0 && rc != KP_EEXISTS)
            return rc;
    }
    kp_err_clear();
    return 0;
}
