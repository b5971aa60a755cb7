#include "lib/common.h"
#include "apiserver/api_int.h"
#include "apiserver/apply.h"
#include "apiserver/patch.h"
#include "lib/json.h"

/* Changing stored objects: PUT, PATCH (JSON, merge, strategic, server-side apply) and the
 * /status and /scale subresources, all through one read-change-write loop (Kubernetes'
 * GuaranteedUpdate); every write records who changed which fields in managedFields. */

/* ---- managed fields ---- */

static const char *rest_options_kind(const api_ctx *c)
{
    if (strcmp(c->verb, "create") == 0)
        return "CreateOptions";
    return strcmp(c->verb, "update") == 0 ? "UpdateOptions" : "PatchOptions";
}

int api_field_manager(const api_ctx *c, const char **out)
{
    const char *fm = api_query(c, "fieldManager"), *ua;
    size_t len;

    *out = NULL;
    if (fm && *fm) {
        len = strlen(fm);
        if (len > KP_APPLY_MANAGER_MAX) {
            kp_err_cause("fieldManager", "FieldValueTooLong",
                         "Too long: may not be more than %d bytes", KP_APPLY_MANAGER_MAX);
            return kp_err_set(KP_EINVALID,
                              "%s.meta.k8s.io \"\" is invalid: fieldManager: Too long: may not be "
                              "more than %d bytes",
                              rest_options_kind(c), KP_APPLY_MANAGER_MAX);
        }
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)fm[i] < 0x20 || fm[i] == 0x7f) {
                kp_err_cause("fieldManager", "FieldValueInvalid",
                             "Invalid value: must only contain printable characters");
                return kp_err_set(KP_EINVALID,
                                  "%s.meta.k8s.io \"\" is invalid: fieldManager: Invalid value: "
                                  "must only contain printable characters",
                                  rest_options_kind(c));
            }
        *out = fm;
        return 0;
    }
    /* k8s prefixFromUserAgent: "kubectl/v1.33.0 (linux/amd64) ..." -> "kubectl" */
    ua = kp_req_header(c->req, "User-Agent");
    ua = ua ? ua : "";
    len = strcspn(ua, "/");
    if (len > KP_APPLY_MANAGER_MAX)
        len = KP_APPLY_MANAGER_MAX;
    *out = kp_arena_printf(c->a, "%.*s", (int)len, ua);
    return 0;
}

static void rest_apply_op(const api_ctx *c, kp_apply_op *op, const char *manager)
{
    char gv[KP_SCHEMA_GV_MAX], now[32];

    kp_schema_api_version(gv, c->res);
    api_now(now);
    memset(op, 0, sizeof(*op));
    op->manager = manager;
    op->api_version = kp_arena_strdup(c->a, gv);
    op->now = kp_arena_strdup(c->a, now);
    op->subresource = c->sub;
    op->status_sub = c->res->status;
    /* a custom resource's list types come from its CRD's schema, never from a built-in kind
     * of the same name */
    op->ft = c->res->custom ? kp_apply_schema_types(c->res->custom->schema)
                            : kp_patch_field_types(c->res->kind);
}

void api_track_fields(const api_ctx *c, const char *manager, json_t *obj, const json_t *old)
{
    kp_apply_op op;
    rest_apply_op(c, &op, manager);
    kp_apply_track(obj, old, &op);
}

/* ---- scale subresource ---- */

bool api_is_scale(const api_ctx *c)
{
    return c->sub && strcmp(c->sub, "scale") == 0;
}

/* k8s: Scale.status.selector is the label selector in its string form. */
static void rest_selector_string(kp_buf *b, const json_t *sel)
{
    const char *k;
    json_t *v, *e;
    size_t i, j;

    json_object_foreach((json_t *)json_object_get(sel, "matchLabels"), k, v)
    {
        if (b->len)
            kp_buf_putc(b, ',');
        kp_buf_appendf(b, "%s=%s", k, json_string_value(v) ? json_string_value(v) : "");
    }
    json_array_foreach(json_object_get(sel, "matchExpressions"), i, e)
    {
        const char *key = kp_json_get_str(e, "key"), *op = kp_json_get_str(e, "operator");
        if (!key || !op)
            continue;
        if (b->len)
            kp_buf_putc(b, ',');
        if (strcmp(op, "Exists") == 0)
            kp_buf_puts(b, key);
        else if (strcmp(op, "DoesNotExist") == 0)
            kp_buf_appendf(b, "!%s", key);
        else {
            kp_buf_appendf(b, "%s %s (", key, strcmp(op, "In") == 0 ? "in" : "notin");
            json_array_foreach(json_object_get(e, "values"), j, v)
            {
                kp_buf_appendf(b, "%s%s", j ? "," : "",
                               json_string_value(v) ? json_string_value(v) : "");
            }
            kp_buf_putc(b, ')');
        }
    }
}

static json_t *rest_to_scale(const api_ctx *c, const json_t *obj)
{
    const kp_crd_version *cv = c->res->custom;
    const json_t *md = json_object_get(obj, "metadata");
    json_t *scale = json_object(), *smd = json_object(), *status = json_object();
    static const char *const keep[] = {"name", "namespace", "uid", "resourceVersion",
                                       "creationTimestamp"};
    kp_buf sel;

    for (size_t i = 0; i < KP_ARRAY_LEN(keep); i++)
        if (json_object_get(md, keep[i]))
            json_object_set(smd, keep[i], json_object_get(md, keep[i]));
    kp_buf_init(&sel, 64 * 1024);
    if (cv) { /* k8s: a CRD's scale subresource names its paths; the selector is a string */
        const char *ls =
            cv->label_selector ? json_string_value(kp_crd_path_get(obj, cv->label_selector)) : NULL;
        if (ls)
            kp_buf_puts(&sel, ls);
    } else {
        rest_selector_string(&sel, kp_json_get(obj, "spec.selector"));
    }
    json_object_set_new(
        status, "replicas",
        json_integer(json_integer_value(cv ? kp_crd_path_get(obj, cv->status_replicas)
                                           : kp_json_get(obj, "status.replicas"))));
    if (sel.len)
        json_object_set_new(status, "selector", json_string(kp_buf_cstr(&sel)));
    kp_buf_dispose(&sel);
    json_object_set_new(scale, "kind", json_string("Scale"));
    json_object_set_new(scale, "apiVersion", json_string("autoscaling/v1"));
    json_object_set_new(scale, "metadata", smd);
    json_object_set_new(scale, "spec",
                        json_pack("{s:I}", "replicas",
                                  json_integer_value(cv ? kp_crd_path_get(obj, cv->spec_replicas)
                                                        : kp_json_get(obj, "spec.replicas"))));
    json_object_set_new(scale, "status", status);
    return scale;
}

/* Answers with obj (consumed), or its Scale when the request was for /scale. */
int api_reply_obj(api_ctx *c, int code, json_t *obj)
{
    if (api_is_scale(c)) {
        json_t *scale = rest_to_scale(c, obj);
        json_decref(obj);
        obj = scale;
    }
    api_convert(c, obj);
    return api_reply_json(c, code, obj);
}

/* PUT /scale: the Scale's spec.replicas goes into the object. */
static int rest_scale_change(api_ctx *c, const json_t *old, json_t **out, void *arg)
{
    const json_t *scale = arg;
    json_t *rep = kp_json_get(scale, "spec.replicas");
    (void)c;
    if (!json_is_integer(rep) || json_integer_value(rep) < 0) {
        kp_err_cause("spec.replicas", "FieldValueInvalid",
                     "Invalid value: must be greater than or equal to 0");
        return kp_err_set(KP_EINVALID,
                          "Scale \"%s\" is invalid: spec.replicas: Invalid value: "
                          "must be greater than or equal to 0",
                          c->name);
    }
    *out = json_deep_copy(old);
    if (c->res->custom)
        kp_crd_path_set(*out, c->res->custom->spec_replicas, json_incref(rep));
    else
        json_object_set(kp_json_obj_ensure(*out, "spec"), "replicas", rep);
    return 0;
}

/* Produces the new object from the current one (old, borrowed); *out owned by the caller. */
typedef int (*rest_change_fn)(api_ctx *c, const json_t *old, json_t **out, void *arg);

/* What every update keeps from the stored object, whatever the client sent. */
static int rest_carry_over(api_ctx *c, const json_t *old, json_t *obj)
{
    json_t *md = kp_json_obj_ensure(obj, "metadata");
    const json_t *omd = json_object_get(old, "metadata");
    const char *bname = json_string_value(json_object_get(md, "name"));

    if (bname && strcmp(bname, c->name) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "the name of the object (%s) does not match the name on the URL (%s)",
                          bname, c->name);
    if (c->sub && strcmp(c->sub, "status") == 0) {
        /* k8s: an update of /status changes status only. */
        json_t *st = json_incref(json_object_get(obj, "status"));
        json_object_clear(obj);
        json_object_update(obj, (json_t *)old);
        json_object_set_new(obj, "metadata", json_deep_copy(omd));
        if (st)
            json_object_set_new(obj, "status", st);
        else
            json_object_del(obj, "status");
        return 0;
    }
    {
        const json_t *ospec = json_object_get(old, "spec");
        json_int_t gen = json_integer_value(json_object_get(omd, "generation"));
        json_object_set_new(md, "name", json_string(c->name));
        if (c->res->namespaced)
            json_object_set_new(md, "namespace", json_string(c->ns));
        json_object_set(md, "uid", json_object_get(omd, "uid"));
        json_object_set(md, "creationTimestamp", json_object_get(omd, "creationTimestamp"));
        json_object_del(md, "deletionTimestamp");
        json_object_del(md, "deletionGracePeriodSeconds");
        if (json_object_get(omd, "deletionTimestamp")) {
            json_object_set(md, "deletionTimestamp", json_object_get(omd, "deletionTimestamp"));
            json_object_set(md, "deletionGracePeriodSeconds",
                            json_object_get(omd, "deletionGracePeriodSeconds"));
        }
        if (c->res->status) { /* status changes only through /status */
            if (json_object_get(old, "status"))
                json_object_set(obj, "status", json_object_get(old, "status"));
            else
                json_object_del(obj, "status");
        }
        if (json_object_get(obj, "spec") || ospec) {
            bool changed = !json_equal((json_t *)ospec, json_object_get(obj, "spec"));
            json_object_set_new(md, "generation", json_integer(gen ? gen + (changed ? 1 : 0) : 1));
        }
    }
    if (c->api->ws.admit_update && strcmp(c->res->kind, "Workspace") == 0 &&
        strcmp(c->res->group, "tenancy.kplane.io") == 0) {
        int rc = c->api->ws.admit_update(c->api->ws.arg, old, obj);
        if (rc < 0)
            return rc;
    }
    {
        int rc;
        c->admit_old = old;
        rc = api_admit(c, obj);
        c->admit_old = NULL;
        return rc;
    }
}

/* k8s: once deletionTimestamp is set no finalizer may be added, and the update that removes
 * the last one deletes the object. */
static int rest_check_finalizers(api_ctx *c, const json_t *old, const json_t *obj)
{
    const json_t *of = kp_json_get(old, "metadata.finalizers"), *nf, *f;
    size_t i, j;

    if (!kp_json_get(old, "metadata.deletionTimestamp"))
        return 0;
    nf = kp_json_get(obj, "metadata.finalizers");
    json_array_foreach(nf, i, f)
    {
        bool had = false;
        json_t *g;
        json_array_foreach(of, j, g) had |= json_equal(f, g);
        if (!had) {
            kp_err_cause(
                "metadata.finalizers", "FieldValueForbidden",
                "Forbidden: no new finalizers can be added if the object is being deleted");
            return kp_err_set(KP_EINVALID,
                              "%s \"%s\" is invalid: metadata.finalizers: Forbidden: no new "
                              "finalizers can be added if the object is being deleted, found new "
                              "finalizers [\"%s\"]",
                              c->res->kind, c->name, json_string_value(f));
        }
    }
    return 0;
}

/* A copy of o without what differs between two writes of the same content: its
 * resourceVersion and the times in managedFields. */
static json_t *rest_content(const json_t *o)
{
    json_t *c = json_deep_copy(o), *md = json_object_get(c, "metadata"), *e;
    size_t i;
    json_object_del(md, "resourceVersion");
    for (i = 0; (e = json_array_get(json_object_get(md, "managedFields"), i)); i++)
        json_object_del(e, "time");
    return c;
}

/* k8s: an update that changes nothing writes nothing (etcd3's GuaranteedUpdate compares the
 * bytes): no new resourceVersion, no watch event, e.g. a repeated server-side apply. */
static bool rest_unchanged(const json_t *old, const json_t *obj)
{
    json_t *a = rest_content(old), *b = rest_content(obj);
    bool same = json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same;
}

/* Kubernetes' GuaranteedUpdate: read, change, write only if nothing changed in between; with
 * no precondition from the client, a conflict just means read again. */
static int rest_guaranteed_update(api_ctx *c, int64_t expect, rest_change_fn change, void *arg,
                                  const char *manager, bool applied)
{
    kp_key k = api_key(c, c->name);
    int rc = 0;

    for (int attempt = 0; attempt < 16; attempt++) {
        json_t *old = NULL, *obj = NULL, *stored = NULL, *amf = NULL;
        const char *orv;
        int64_t cur = 0;

        kp_err_clear();
        if ((rc = kp_store_get(&old, c->api->store, &k)) < 0) {
            rc = api_store_err(c, rc, c->name);
            goto next;
        }
        orv = kp_json_get_str(old, "metadata.resourceVersion");
        if (orv)
            kp_parse_i64(&cur, kp_sv_from(orv), 0, INT64_MAX);
        if (expect && expect != cur) {
            rc = api_store_err(c, KP_ECONFLICT, c->name);
            goto next;
        }
        if ((rc = change(c, old, &obj, arg)) < 0)
            goto next;
        if (applied) /* server-side apply set them; /status carries the old metadata over */
            amf = json_incref(kp_json_get(obj, "metadata.managedFields"));
        if ((rc = rest_carry_over(c, old, obj)) < 0 ||
            (rc = rest_check_finalizers(c, old, obj)) < 0)
            goto next;
        if (!applied)
            api_track_fields(c, manager, obj, old);
        else if (amf)
            json_object_set(kp_json_obj_ensure(obj, "metadata"), "managedFields", amf);
        else
            json_object_del(kp_json_obj_ensure(obj, "metadata"), "managedFields");
        if (api_dry_run(c)) {
            rc = api_reply_obj(c, 200, json_incref(obj));
            goto next;
        }
        if (kp_json_get(obj, "metadata.deletionTimestamp") && !api_has_finalizers(obj) &&
            !(strcmp(c->res->store_key, "/namespaces") == 0 &&
              json_array_size(kp_json_get(obj, "spec.finalizers")) > 0)) {
            /* the last finalizer is gone (k8s: a namespace's spec.finalizers count too): the
             * object goes */
            rc = kp_store_delete(&stored, c->api->store, &k, cur);
        } else if (rest_unchanged(old, obj)) {
            stored = json_incref(old);
        } else {
            rc = kp_store_replace(&stored, c->api->store, &k, obj, old);
        }
        if (rc == KP_ECONFLICT && !expect) {
            json_decref(old);
            json_decref(obj);
            json_decref(amf);
            continue;
        }
        if (rc < 0)
            rc = api_store_err(c, rc, c->name);
        else
            rc = api_reply_obj(c, 200, stored);
    next:
        json_decref(old);
        json_decref(obj);
        json_decref(amf);
        return rc;
    }
    return api_store_err(c, KP_ECONFLICT, c->name);
}

static int rest_put_change(api_ctx *c, const json_t *old, json_t **out, void *arg)
{
    (void)c;
    (void)old;
    *out = json_deep_copy(arg);
    return 0;
}

int api_update(api_ctx *c)
{
    json_t *obj = NULL;
    const char *rvs, *manager;
    int64_t expect = 0;
    int rc;

    if ((rc = api_field_manager(c, &manager)) < 0 || (rc = api_body(&obj, c)) < 0)
        return rc;
    rvs = kp_json_get_str(obj, "metadata.resourceVersion");
    if (rvs && *rvs && kp_parse_i64(&expect, kp_sv_from(rvs), 1, INT64_MAX) < 0) {
        kp_err_clear();
        kp_err_cause("metadata.resourceVersion", "FieldValueInvalid", "Invalid value: \"%s\"", rvs);
        rc = kp_err_set(KP_EINVALID,
                        "%s \"%s\" is invalid: metadata.resourceVersion: Invalid "
                        "value: \"%s\": must be a decimal integer",
                        c->res->kind, c->name, rvs);
        goto out;
    }
    if (api_is_scale(c)) {
        rc = rest_guaranteed_update(c, expect, rest_scale_change, obj, manager, false);
        goto out;
    }
    if ((rc = api_check_type(c, obj)) < 0 || (rc = api_field_validation(c, obj)) < 0)
        goto out;
    rc = rest_guaranteed_update(c, expect, rest_put_change, obj, manager, false);
out:
    json_decref(obj);
    return rc;
}

typedef enum { PATCH_JSON, PATCH_MERGE, PATCH_STRATEGIC } patch_kind;

typedef struct {
    patch_kind kind;
    json_t *patch;
} patch_arg;

static int rest_patch_change(api_ctx *c, const json_t *old, json_t **out, void *arg)
{
    const patch_arg *pa = arg;
    json_t *base = api_is_scale(c) ? rest_to_scale(c, old) : json_incref((json_t *)old);
    json_t *res = NULL;
    int rc;

    switch (pa->kind) {
    case PATCH_JSON:
        rc = kp_patch_json(&res, base, pa->patch);
        break;
    case PATCH_MERGE:
        rc = kp_patch_merge(&res, base, pa->patch);
        break;
    default:
        rc = kp_patch_strategic(&res, base, pa->patch, api_is_scale(c) ? "Scale" : c->res->kind);
        break;
    }
    json_decref(base);
    if (rc < 0)
        return rc;
    if (!json_is_object(res)) {
        json_decref(res);
        return kp_err_set(KP_EBADREQUEST, "the patch does not leave an object");
    }
    if (api_is_scale(c)) {
        rc = rest_scale_change(c, old, out, res);
        json_decref(res);
        return rc;
    }
    {
        const char *kind = kp_json_get_str(res, "kind");
        if (kind && strcmp(kind, c->res->kind) != 0) {
            json_decref(res);
            return kp_err_set(KP_EBADREQUEST, "a patch may not change the kind (to \"%s\")", kind);
        }
    }
    if ((rc = api_field_validation(c, res)) < 0) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return 0;
}

/* ---- server-side apply ---- */

typedef struct {
    const json_t *config;
    const char *manager;
    bool force;
} apply_arg;

static int rest_apply_change(api_ctx *c, const json_t *old, json_t **out, void *arg)
{
    const apply_arg *aa = arg;
    kp_apply_op op;

    rest_apply_op(c, &op, aa->manager);
    return kp_apply(out, old, aa->config, &op, aa->force);
}

/* k8s: an apply body names its type, its object, and nothing else than the URL does. */
static int rest_apply_check(api_ctx *c, json_t *config)
{
    char gv[KP_SCHEMA_GV_MAX];
    const char *av = json_string_value(json_object_get(config, "apiVersion"));
    const char *kind = json_string_value(json_object_get(config, "kind"));
    const char *name = kp_json_get_str(config, "metadata.name");
    const char *ns = kp_json_get_str(config, "metadata.namespace");
    int rc;

    kp_schema_api_version(gv, c->res);
    if (!av || strcmp(av, gv) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "Incorrect version specified in apply patch. Specified patch version: "
                          "%s, expected: %s",
                          av ? av : "", gv);
    if (!kind || !*kind)
        return kp_err_set(KP_EBADREQUEST, "the apply patch has no kind: it must be \"%s\"",
                          c->res->kind);
    if ((rc = api_check_type(c, config)) < 0)
        return rc;
    if (name && strcmp(name, c->name) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "the name of the object (%s) does not match the name on the URL (%s)",
                          name, c->name);
    if (ns && *ns && c->res->namespaced && strcmp(ns, c->ns) != 0)
        return kp_err_set(KP_EBADREQUEST, "the namespace of the provided object does not match "
                                          "the namespace sent on the request");
    return api_field_validation(c, config);
}

/* An apply to a missing object creates it, which also takes the create verb (k8s checks
 * create admission and authorization for it). */
static int rest_apply_create(api_ctx *c, const json_t *config, const char *manager, bool force)
{
    kp_authz_attrs at;
    kp_apply_op op;
    char gv[KP_SCHEMA_GV_MAX];
    json_t *live, *obj = NULL;
    int rc;

    memset(&at, 0, sizeof(at));
    at.verb = "create";
    at.group = c->res->group;
    at.resource = c->res->resource;
    at.ns = c->ns;
    at.name = c->name;
    if ((rc = api_authz_check(c, &at)) < 0)
        return api_store_err(c, KP_EFORBIDDEN, c->name);
    kp_schema_api_version(gv, c->res);
    live = json_pack("{s:s, s:s}", "apiVersion", gv, "kind", c->res->kind);
    rest_apply_op(c, &op, manager);
    rc = kp_apply(&obj, live, config, &op, force);
    json_decref(live);
    if (rc < 0)
        return rc;
    json_object_set_new(kp_json_obj_ensure(obj, "metadata"), "name", json_string(c->name));
    rc = api_create_obj(c, obj, true);
    json_decref(obj);
    return rc;
}

static int rest_apply(api_ctx *c, const char *manager, bool force)
{
    apply_arg aa = {NULL, manager, force};
    json_t *config = NULL;
    const char *rvs;
    int64_t expect = 0;
    int rc;

    if (!manager || !api_query(c, "fieldManager") || !*api_query(c, "fieldManager")) {
        kp_err_cause("fieldManager", "FieldValueRequired",
                     "Required value: is required for "
                     "apply patch");
        return kp_err_set(KP_EINVALID, "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                                       "Required value: is required for apply patch");
    }
    if (api_is_scale(c))
        return kp_err_set(KP_EMEDIATYPE,
                          "server-side apply of /scale is not served: apply the "
                          "%s itself",
                          c->res->kind);
    if ((rc = api_decode(&config, c, true)) < 0)
        return rc;
    if ((rc = rest_apply_check(c, config)) < 0)
        goto out;
    aa.config = config;
    /* k8s: a resourceVersion in the configuration is a precondition */
    rvs = kp_json_get_str(config, "metadata.resourceVersion");
    if (rvs && *rvs && kp_parse_i64(&expect, kp_sv_from(rvs), 1, INT64_MAX) < 0) {
        kp_err_clear();
        rc = kp_err_set(KP_EBADREQUEST, "metadata.resourceVersion \"%s\" is not a decimal integer",
                        rvs);
        goto out;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = rest_guaranteed_update(c, expect, rest_apply_change, &aa, manager, true);
        if (rc != KP_ENOTFOUND || c->sub)
            break;
        kp_err_clear();
        rc = rest_apply_create(c, config, manager, force);
        if (rc != KP_EEXISTS) /* created meanwhile: apply to it */
            break;
        kp_err_clear();
    }
out:
    json_decref(config);
    return rc;
}

/* PATCH: JSON patch, merge patch, strategic merge patch (built-in kinds only, as Kubernetes:
 * 415 for custom resources) and server-side apply. */
int api_patch(api_ctx *c)
{
    kp_sv mt = api_media_type(kp_req_header(c->req, "Content-Type"));
    const char *manager, *fs = api_query(c, "force");
    bool force = false;
    patch_arg pa;
    int rc;

    memset(&pa, 0, sizeof(pa));
    if ((rc = api_field_manager(c, &manager)) < 0)
        return rc;
    if (fs && *fs && kp_parse_bool(&force, kp_sv_from(fs)) < 0) {
        kp_err_clear();
        return kp_err_set(KP_EBADREQUEST, "force \"%s\" is not a boolean", fs);
    }
    if (kp_sv_eq_nocase(mt, "application/apply-patch+yaml"))
        return rest_apply(c, manager, force);
    if (fs && *fs) {
        kp_err_cause("force", "FieldValueForbidden",
                     "Forbidden: may not be specified for non-apply patch");
        return kp_err_set(KP_EINVALID, "PatchOptions.meta.k8s.io \"\" is invalid: force: "
                                       "Forbidden: may not be specified for non-apply patch");
    }
    if (kp_sv_eq_nocase(mt, "application/json-patch+json"))
        pa.kind = PATCH_JSON;
    else if (kp_sv_eq_nocase(mt, "application/merge-patch+json"))
        pa.kind = PATCH_MERGE;
    else if (kp_sv_eq_nocase(mt, "application/strategic-merge-patch+json") && !c->res->custom &&
             kp_patch_strategic_known(c->res->kind))
        pa.kind = PATCH_STRATEGIC;
    else
        return kp_err_set(KP_EMEDIATYPE,
                          "the body of the request was in an unknown format - accepted media types "
                          "include: application/json-patch+json, application/merge-patch+json, "
                          "application/apply-patch+yaml%s",
                          !c->res->custom && kp_patch_strategic_known(c->res->kind)
                              ? ", application/strategic-merge-patch+json"
                              : "");
    if ((rc = api_decode(&pa.patch, c, pa.kind != PATCH_JSON)) < 0)
        return rc;
    if (pa.kind == PATCH_JSON && !json_is_array(pa.patch))
        rc = kp_err_set(KP_EBADREQUEST, "a JSON patch must be an array of operations");
    else
        rc = rest_guaranteed_update(c, 0, rest_patch_change, &pa, manager, false);
    json_decref(pa.patch);
    return rc;
}
