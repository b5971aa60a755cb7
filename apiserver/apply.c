#include "lib/common.h"
#include "apiserver/apply.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/limits.h"

#include <pthread.h>

/* Server-side apply after kube-apiserver's fieldmanager and structured-merge-diff's
 * merge.Updater. An entry of metadata.managedFields is kept as the JSON object itself, its
 * fieldsV1 the FieldsV1 tree that apiserver/fieldset works on. */

#define AP_PATH_MAX (KP_JSON_DEPTH_MAX + 2)
#define AP_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* ---- managedFields entries ---- */

static const char *ap_str(const json_t *e, const char *k)
{
    const char *s = json_string_value(json_object_get(e, k));
    return s ? s : "";
}

static bool ap_is_apply(const json_t *e)
{
    return strcmp(ap_str(e, "operation"), "Apply") == 0;
}

int kp_apply_decode(json_t **out, const json_t *obj)
{
    const json_t *mf = kp_json_get(obj, "metadata.managedFields"), *e;
    json_t *res = json_array();
    size_t i;
    int rc = 0;

    *out = NULL;
    if (mf && !json_is_array(mf) && !json_is_null(mf)) {
        rc = kp_err_set(KP_EINVALID, "metadata.managedFields must be a list");
        goto out;
    }
    json_array_foreach(mf, i, e)
    {
        const char *op = ap_str(e, "operation"), *ft = ap_str(e, "fieldsType");
        const json_t *f = json_object_get(e, "fieldsV1");
        json_t *set = NULL, *ne;
        if (!json_is_object(e)) {
            rc = kp_err_set(KP_EINVALID, "metadata.managedFields[%zu] must be an object", i);
            goto out;
        }
        if (strcmp(op, "Apply") != 0 && strcmp(op, "Update") != 0) {
            rc = kp_err_set(KP_EINVALID,
                            "metadata.managedFields[%zu].operation must be `Apply` or `Update`", i);
            goto out;
        }
        if (!*ap_str(e, "apiVersion")) {
            rc = kp_err_set(KP_EINVALID, "metadata.managedFields[%zu].apiVersion must not be empty",
                            i);
            goto out;
        }
        if (strcmp(ft, "FieldsV1") != 0) {
            rc = kp_err_set(KP_EINVALID, "invalid fieldsType \"%s\" in managed fields entry %zu",
                            ft, i);
            goto out;
        }
        if (strlen(ap_str(e, "manager")) > KP_APPLY_MANAGER_MAX) {
            rc = kp_err_set(KP_EINVALID, "metadata.managedFields[%zu].manager is longer than %d", i,
                            KP_APPLY_MANAGER_MAX);
            goto out;
        }
        if (f && (rc = kp_fieldset_parse(&set, f)) < 0)
            goto out;
        ne = json_pack("{s:s, s:s, s:s}", "manager", ap_str(e, "manager"), "operation", op,
                       "apiVersion", ap_str(e, "apiVersion"));
        if (json_is_string(json_object_get(e, "time")))
            json_object_set(ne, "time", json_object_get(e, "time"));
        json_object_set_new(ne, "fieldsType", json_string("FieldsV1"));
        json_object_set_new(ne, "fieldsV1", set ? set : json_object());
        if (*ap_str(e, "subresource"))
            json_object_set(ne, "subresource", json_object_get(e, "subresource"));
        json_array_append_new(res, ne);
    }
    *out = res;
    res = NULL;
out:
    json_decref(res);
    return rc;
}

/* k8s: a request whose managedFields are all empty entries ([{}]) resets them. */
static bool ap_is_reset(const json_t *mf)
{
    const json_t *e;
    size_t i;

    if (json_array_size(mf) == 0)
        return false;
    json_array_foreach(mf, i, e)
    {
        if (!json_is_object(e) || json_object_size(e) != 0)
            return false;
    }
    return true;
}

/* The entries of old, or an empty list when it has none or they do not decode. */
static json_t *ap_decode_or_empty(const json_t *obj)
{
    json_t *mf = NULL;
    if (!obj || kp_apply_decode(&mf, obj) < 0)
        return json_array();
    return mf;
}

/* The entry of this manager and operation (k8s BuildManagerIdentifier: manager, operation,
 * subresource, and the apiVersion of an Update), or NULL. */
static json_t *ap_find(const json_t *mf, const kp_apply_op *op, bool apply, size_t *idx_out)
{
    const json_t *e;
    size_t i;

    json_array_foreach(mf, i, e)
    {
        if (strcmp(ap_str(e, "manager"), op->manager) != 0 || ap_is_apply(e) != apply ||
            strcmp(ap_str(e, "subresource"), op->subresource ? op->subresource : "") != 0 ||
            (!apply && strcmp(ap_str(e, "apiVersion"), op->api_version) != 0))
            continue;
        if (idx_out)
            *idx_out = i;
        return (json_t *)e;
    }
    return NULL;
}

static json_t *ap_new_entry(const kp_apply_op *op, bool apply, json_t *set)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s}", "manager", op->manager, "operation",
                          apply ? "Apply" : "Update", "apiVersion", op->api_version, "time",
                          op->now, "fieldsType", "FieldsV1");
    json_object_set_new(e, "fieldsV1", set);
    if (op->subresource)
        json_object_set_new(e, "subresource", json_string(op->subresource));
    return e;
}

static int ap_entry_cmp(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    static const char *const keys[] = {"operation", "time", "manager", "apiVersion", "subresource"};
    for (size_t i = 0; i < KP_ARRAY_LEN(keys); i++) {
        int c = strcmp(ap_str(a, keys[i]), ap_str(b, keys[i]));
        if (c)
            return c;
    }
    return 0;
}

/* Drops empty entries, sorts as kube-apiserver does (operation, time, manager, apiVersion,
 * subresource) and stores the list in obj, or removes the field when none is left. */
static void ap_store(json_t *obj, json_t *mf)
{
    json_t *md = kp_json_obj_ensure(obj, "metadata"), *sorted = json_array();
    json_t **v = kp_calloc(json_array_size(mf) + 1, sizeof(*v));
    size_t n = 0, i;
    json_t *e;

    json_array_foreach(mf, i, e)
    {
        if (!kp_fieldset_empty(json_object_get(e, "fieldsV1")))
            v[n++] = e;
    }
    qsort(v, n, sizeof(*v), ap_entry_cmp);
    for (i = 0; i < n; i++)
        json_array_append(sorted, v[i]);
    free(v);
    if (n)
        json_object_set_new(md, "managedFields", sorted);
    else {
        json_object_del(md, "managedFields");
        json_decref(sorted);
    }
    json_decref(mf);
}

/* ---- what no manager owns ---- */

/* k8s stripmeta plus the reset fields of the status strategies: paths never recorded. Built
 * once, then only read (by any thread). */
static json_t *ap_ignored_meta, *ap_ignored_spec, *ap_ignored_status;
static pthread_once_t ap_ignored_once = PTHREAD_ONCE_INIT;

static void ap_ignored_init(void)
{
    ap_ignored_meta = json_pack("{s:{}, s:{}, s:{s:{}, s:{}, s:{}, s:{}, s:{}, s:{}, s:{}, s:{}, "
                                "s:{}, s:{s:{}}}}",
                                "f:apiVersion", "f:kind", "f:metadata", "f:name", "f:namespace",
                                "f:creationTimestamp", "f:selfLink", "f:uid", "f:generation",
                                "f:managedFields", "f:resourceVersion", "f:deletionTimestamp",
                                "f:annotations", "f:kplane.io/cluster");
    ap_ignored_spec = json_pack("{s:{}}", "f:spec");
    ap_ignored_status = json_pack("{s:{}}", "f:status");
}

static void ap_strip(json_t *set, const kp_apply_op *op)
{
    pthread_once(&ap_ignored_once, ap_ignored_init);
    kp_fieldset_strip(set, ap_ignored_meta);
    if (op->subresource && strcmp(op->subresource, "status") == 0)
        kp_fieldset_strip(set, ap_ignored_spec);
    else if (op->status_sub)
        kp_fieldset_strip(set, ap_ignored_status);
}

/* The fields that changed from old to new, and those removed, less the ignored ones. */
static void ap_compare(json_t **changed, json_t **removed, const json_t *old, const json_t *new,
                       const kp_apply_op *op)
{
    kp_fieldset_compare(changed, removed, old, new, &op->ft);
    ap_strip(*changed, op);
    ap_strip(*removed, op);
}

/* Replaces entry e's set with set (consumed). */
static void ap_set_fields(json_t *e, json_t *set)
{
    json_object_set_new(e, "fieldsV1", set);
}

/* ---- updates ---- */

void kp_apply_track(json_t *obj, const json_t *old, const kp_apply_op *op)
{
    json_t *md = kp_json_obj_ensure(obj, "metadata");
    json_t *sent = json_incref(json_object_get(md, "managedFields"));
    json_t *mf = NULL, *changed = NULL, *removed = NULL, *e, *mine;
    size_t i;

    if (op->subresource || !sent) {
        mf = ap_decode_or_empty(old); /* k8s: a subresource never sets managedFields */
    } else if (ap_is_reset(sent)) {
        mf = json_array();
    } else if (kp_apply_decode(&mf, obj) < 0 || json_array_size(mf) == 0) {
        json_decref(mf);
        mf = ap_decode_or_empty(old); /* clients unaware of managedFields drop nothing */
    }
    json_object_del(md, "managedFields");
    ap_compare(&changed, &removed, old, obj, op);

    /* Updates never conflict: what they change moves to the updater */
    mine = ap_find(mf, op, false, NULL);
    json_array_foreach(mf, i, e)
    {
        json_t *set = json_object_get(e, "fieldsV1"), *d;
        if (e == mine)
            continue;
        d = kp_fieldset_diff(set, changed);
        ap_set_fields(e, kp_fieldset_diff(d, removed));
        json_decref(d);
    }
    if (!kp_fieldset_empty(changed)) {
        if (mine) {
            json_t *set = kp_fieldset_diff(json_object_get(mine, "fieldsV1"), removed);
            kp_fieldset_union(set, changed);
            ap_set_fields(mine, set);
            json_object_set_new(mine, "time", json_string(op->now));
        } else {
            json_array_append_new(mf, ap_new_entry(op, false, json_incref(changed)));
        }
    } else if (mine) {
        ap_set_fields(mine, kp_fieldset_diff(json_object_get(mine, "fieldsV1"), removed));
    }
    ap_store(obj, mf);
    json_decref(sent);
    json_decref(changed);
    json_decref(removed);
}

/* ---- field types from a CRD's schema ---- */

static const char *ap_schema_str(const json_t *s, const char *k)
{
    return json_string_value(json_object_get(s, k));
}

/* The element schema of a list schema, followed through as list items add no path segment. */
static const json_t *ap_schema_items(const json_t *s)
{
    for (int i = 0; i < 8 && s && json_object_get(s, "items"); i++)
        s = json_object_get(s, "items");
    return s;
}

static void ap_schema_at(kp_field_type *out, const void *ctx, const kp_sv *path, size_t depth)
{
    const json_t *s = ctx, *child, *keys, *k;
    const char *lt;
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < depth && s; i++) {
        s = ap_schema_items(s);
        child = json_object_getn(json_object_get(s, "properties"), path[i].p, path[i].len);
        if (!child && json_is_object(json_object_get(s, "additionalProperties")))
            child = json_object_get(s, "additionalProperties");
        s = child;
    }
    if (!s)
        return;
    lt = ap_schema_str(s, "x-kubernetes-list-type");
    if (lt && strcmp(lt, "set") == 0) {
        out->kind = KP_FT_SET;
    } else if (lt && strcmp(lt, "map") == 0) {
        keys = json_object_get(s, "x-kubernetes-list-map-keys");
        out->kind = KP_FT_MAP;
        json_array_foreach(keys, i, k)
        {
            if (out->nkeys < KP_FT_KEYS_MAX && json_is_string(k))
                out->keys[out->nkeys++] = (kp_sv){json_string_value(k), json_string_length(k)};
        }
        if (out->nkeys == 0)
            out->kind = KP_FT_GRANULAR; /* a CRD the registry should have refused: atomic */
    } else if (ap_schema_str(s, "x-kubernetes-map-type") &&
               strcmp(ap_schema_str(s, "x-kubernetes-map-type"), "atomic") == 0) {
        out->kind = KP_FT_ATOMIC;
    } else if (json_is_object(json_object_get(s, "additionalProperties")) &&
               !json_object_get(s, "properties")) {
        out->kind = KP_FT_DICT;
    }
}

kp_ftypes kp_apply_schema_types(const json_t *schema)
{
    kp_ftypes ft = {NULL, NULL};
    if (json_is_object(schema)) {
        ft.at = ap_schema_at;
        ft.ctx = schema;
    }
    return ft;
}

/* ---- the apply merge ---- */

typedef struct {
    const kp_ftypes *ft;
    kp_sv path[AP_PATH_MAX];
    size_t depth;
} ap_walk;

static void ap_type(kp_field_type *t, const ap_walk *w)
{
    memset(t, 0, sizeof(*t));
    if (w->ft->at && w->depth < AP_PATH_MAX)
        w->ft->at(t, w->ft->ctx, w->path, w->depth);
}

/* Items keyed by kp_fieldset_item_key (values: their index); NULL when one cannot be keyed
 * (the list is then atomic). */
static json_t *ap_index(const kp_field_type *t, const json_t *list, kp_buf *kb)
{
    json_t *idx = json_object(), *e;
    size_t i;

    json_array_foreach(list, i, e)
    {
        if (!kp_fieldset_item_key(kb, t, e)) {
            json_decref(idx);
            return NULL;
        }
        json_object_set_new(idx, kp_buf_cstr(kb), json_integer((json_int_t)i));
    }
    return idx;
}

static json_t *ap_merge(ap_walk *w, const json_t *lv, const json_t *cv);

static json_t *ap_merge_list(ap_walk *w, const kp_field_type *t, const json_t *ll, const json_t *cl)
{
    kp_buf kb;
    json_t *li, *ci, *out = NULL, *e;
    size_t i;

    kp_buf_init(&kb, KP_OBJECT_MAX);
    li = ap_index(t, ll, &kb);
    ci = ap_index(t, cl, &kb);
    if (!li || !ci) {
        out = json_deep_copy(cl);
        goto out;
    }
    out = json_array();
    /* structured-merge-diff keeps the live order and appends what is new */
    json_array_foreach(ll, i, e)
    {
        json_t *at;
        kp_fieldset_item_key(&kb, t, e);
        at = json_object_get(ci, kp_buf_cstr(&kb));
        if (json_is_integer(at) && t->kind == KP_FT_MAP) {
            json_t *m = ap_merge(w, e, json_array_get(cl, (size_t)json_integer_value(at)));
            if (m)
                json_array_append_new(out, m);
        } else {
            json_array_append(out, e);
        }
        if (at)
            json_object_set_new(ci, kp_buf_cstr(&kb), json_null());
    }
    json_array_foreach(cl, i, e)
    {
        kp_fieldset_item_key(&kb, t, e);
        if (json_is_integer(json_object_get(ci, kp_buf_cstr(&kb)))) {
            json_t *m = ap_merge(w, NULL, e);
            if (m)
                json_array_append_new(out, m);
            json_object_set_new(ci, kp_buf_cstr(&kb), json_null()); /* a duplicate goes once */
        }
    }
out:
    kp_buf_dispose(&kb);
    json_decref(li);
    json_decref(ci);
    return out;
}

/* live value lv (may be NULL) with the applied value cv; NULL when the result is absent. */
static json_t *ap_merge(ap_walk *w, const json_t *lv, const json_t *cv)
{
    kp_field_type t;

    if (!cv || json_is_null(cv))
        return NULL; /* k8s: a null in a typed object is no value */
    if (json_is_object(cv)) {
        const char *k;
        size_t klen;
        json_t *v, *out;
        ap_type(&t, w);
        if (t.kind == KP_FT_ATOMIC || w->depth >= AP_PATH_MAX)
            return json_deep_copy(cv);
        out = json_is_object(lv) ? json_deep_copy(lv) : json_object();
        json_object_keylen_foreach((json_t *)cv, k, klen, v)
        {
            json_t *m;
            w->path[w->depth++] = (kp_sv){k, klen};
            m = ap_merge(w, json_object_getn(out, k, klen), v);
            w->depth--;
            if (m)
                json_object_setn_new(out, k, klen, m);
            else
                json_object_deln(out, k, klen);
        }
        return out;
    }
    if (json_is_array(cv) && json_array_size(cv) == 0 && !json_is_array(lv))
        return NULL; /* k8s: an empty list of a typed object is omitted (omitempty) */
    if (json_is_array(cv) && json_is_array(lv)) {
        ap_type(&t, w);
        if (t.kind == KP_FT_MAP || t.kind == KP_FT_SET)
            return ap_merge_list(w, &t, lv, cv);
    }
    return json_deep_copy(cv);
}

/* ---- removal of what the applier dropped ---- */

static bool ap_is_member(const json_t *n)
{
    return json_object_size(n) == 0 || json_object_get(n, ".") != NULL;
}

static void ap_prune_obj(ap_walk *w, json_t *obj, const json_t *last, const json_t *keep);

/* The value at the current path, owned by last (its node), kept by keep (may be NULL).
 * Returns true when the value is to go. */
static bool ap_prune_value(ap_walk *w, json_t *v, const json_t *last, const json_t *keep)
{
    kp_field_type t;

    if (!keep && ap_is_member(last))
        return true; /* the applier had it, nobody has it now */
    if (json_is_object(v)) {
        size_t before = json_object_size(v);
        ap_prune_obj(w, v, last, keep);
        /* a map emptied of the applier's fields goes with them */
        return before && json_object_size(v) == 0 && !keep;
    }
    if (json_is_array(v)) {
        size_t before = json_array_size(v);
        ap_type(&t, w);
        if (t.kind != KP_FT_MAP && t.kind != KP_FT_SET)
            return false;
        kp_buf kb;
        kp_buf_init(&kb, KP_OBJECT_MAX);
        for (size_t i = before; i-- > 0;) {
            json_t *e = json_array_get(v, i);
            bool named = kp_fieldset_item_key(&kb, &t, e);
            const json_t *lc = named ? json_object_get(last, kp_buf_cstr(&kb)) : NULL;
            const json_t *kc = named && keep ? json_object_get(keep, kp_buf_cstr(&kb)) : NULL;
            if (lc && ap_prune_value(w, e, lc, kc))
                json_array_remove(v, i);
        }
        kp_buf_dispose(&kb);
        return before && json_array_size(v) == 0 && !keep;
    }
    return false;
}

static void ap_prune_obj(ap_walk *w, json_t *obj, const json_t *last, const json_t *keep)
{
    const char *k;
    json_t *v;
    void *tmp;

    json_object_foreach_safe(obj, tmp, k, v)
    {
        char fk[512];
        const json_t *lc, *kc;
        int n = snprintf(fk, sizeof(fk), "f:%s", k);
        if (n < 0 || (size_t)n >= sizeof(fk) || w->depth >= AP_PATH_MAX)
            continue; /* names this long are nobody's to prune */
        if (!(lc = json_object_get(last, fk)))
            continue;
        kc = keep ? json_object_get(keep, fk) : NULL;
        w->path[w->depth++] = kp_sv_from(k);
        if (ap_prune_value(w, v, lc, kc))
            json_object_del(obj, k);
        w->depth--;
    }
}

/* ---- conflicts ---- */

typedef struct {
    kp_buf *msg;
    const char *who;
    size_t n;
} ap_conflicts;

static bool ap_conflict_path(const char *path, void *arg)
{
    ap_conflicts *c = arg;
    kp_err_cause(path, "FieldManagerConflict", "conflict with %s", c->who);
    kp_buf_appendf(c->msg, "\n- %s", path);
    c->n++;
    return true;
}

/* k8s printManager: "\"m\"", with " with subresource \"s\"", and " using <apiVersion>" for
 * an Update. */
static char *ap_who(const json_t *e)
{
    const char *sub = ap_str(e, "subresource");
    return kp_asprintf("\"%s\"%s%s%s%s%s", ap_str(e, "manager"), *sub ? " with subresource \"" : "",
                       sub, *sub ? "\"" : "", ap_is_apply(e) ? "" : " using ",
                       ap_is_apply(e) ? "" : ap_str(e, "apiVersion"));
}

static int ap_who_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conflicts: entry index -> set; answers 409 as kube-apiserver's NewConflictError. */
static int ap_conflict_error(const json_t *mf, json_t *const *sets)
{
    size_t n = json_array_size(mf), total = 0, i, nw = 0;
    char **who = kp_calloc(n + 1, sizeof(*who));
    const json_t **ents = kp_calloc(n + 1, sizeof(*ents));
    kp_buf msg, one;
    int rc;

    kp_err_clear();
    kp_buf_init(&msg, KP_ERR_MSG_MAX);
    kp_buf_init(&one, KP_ERR_MSG_MAX);
    for (i = 0; i < n; i++)
        if (sets[i]) {
            who[nw] = ap_who(json_array_get(mf, i));
            ents[nw++] = sets[i];
        }
    /* sorted by manager, as Kubernetes prints them; the sets travel with their names */
    for (size_t a = 1; a < nw; a++)
        for (size_t b = a; b > 0 && ap_who_cmp(&who[b - 1], &who[b]) > 0; b--) {
            char *tw = who[b];
            const json_t *ts = ents[b];
            who[b] = who[b - 1];
            ents[b] = ents[b - 1];
            who[b - 1] = tw;
            ents[b - 1] = ts;
        }
    for (i = 0; i < nw; i++) {
        ap_conflicts c = {&msg, who[i], 0};
        kp_buf_appendf(&msg, "%sconflicts with %s:", i ? "\n" : "", who[i]);
        kp_fieldset_each(ents[i], ap_conflict_path, &c);
        if (total == 0 && c.n == 1)
            kp_buf_appendf(&one, "conflict with %s: ", who[i]);
        total += c.n;
    }
    if (total == 1) {
        const kp_err_cause_entry *causes;
        kp_err_causes(&causes);
        rc = kp_err_set(KP_ECONFLICT, "Apply failed with 1 conflict: %s%s", kp_buf_cstr(&one),
                        causes[0].field);
    } else {
        rc = kp_err_set(KP_ECONFLICT, "Apply failed with %zu conflicts: %s", total,
                        kp_buf_cstr(&msg));
    }
    for (i = 0; i < nw; i++)
        free(who[i]);
    free(who);
    free(ents);
    kp_buf_dispose(&msg);
    kp_buf_dispose(&one);
    return rc;
}

/* ---- apply ---- */

/* k8s lastAppliedUpdater: kubectl's server-side apply keeps the client-side annotation in step
 * where one exists, so a later client-side apply sees what was applied. */
static void ap_sync_last_applied(json_t *obj, const json_t *live, const json_t *config,
                                 const kp_apply_op *op)
{
    json_t *copy, *ann;
    char *text;

    if (strcmp(op->manager, "kubectl") != 0 ||
        !json_object_get(kp_json_get(live, "metadata.annotations"), AP_LAST_APPLIED))
        return;
    copy = json_deep_copy(config);
    json_object_del(kp_json_get(copy, "metadata.annotations"), AP_LAST_APPLIED);
    text = kp_json_dump(copy, NULL);
    ann = kp_json_obj_ensure(kp_json_obj_ensure(obj, "metadata"), "annotations");
    json_object_set_new(ann, AP_LAST_APPLIED, json_string(text));
    free(text);
    json_decref(copy);
}

int kp_apply(json_t **out, const json_t *live, const json_t *config, const kp_apply_op *op,
             bool force)
{
    ap_walk *w = kp_calloc(1, sizeof(*w));
    json_t *mf = ap_decode_or_empty(live), *cfg_set = NULL;
    json_t *base = json_deep_copy(live), *merged = NULL, *last = NULL, *keep = json_object();
    json_t *changed = NULL, *removed = NULL, **conflicts = NULL, *mine, *e;
    size_t i, idx = 0, n = 0;
    bool any = false;
    int rc;

    *out = NULL;
    w->ft = &op->ft;
    json_object_del(kp_json_obj_ensure(base, "metadata"), "managedFields");
    if ((rc = kp_fieldset_of(&cfg_set, config, &op->ft)) < 0) {
        rc = kp_err_set(KP_EINVALID, "failed to create typed patch object: %s", kp_err_msg());
        goto out;
    }
    ap_strip(cfg_set, op);
    merged = ap_merge(w, base, config);
    if (!merged)
        merged = json_object();

    mine = ap_find(mf, op, true, &idx);
    if (mine) {
        last = json_incref(json_object_get(mine, "fieldsV1"));
        ap_set_fields(mine, json_incref(cfg_set));
        json_object_set_new(mine, "apiVersion", json_string(op->api_version));
    } else {
        mine = ap_new_entry(op, true, json_incref(cfg_set));
        json_array_append_new(mf, mine);
    }
    json_array_foreach(mf, i, e)
    {
        kp_fieldset_union(keep, json_object_get(e, "fieldsV1"));
    }
    if (last) {
        w->depth = 0;
        ap_prune_obj(w, merged, last, keep);
    }

    ap_compare(&changed, &removed, base, merged, op);
    n = json_array_size(mf);
    conflicts = kp_calloc(n + 1, sizeof(*conflicts));
    json_array_foreach(mf, i, e)
    {
        json_t *c;
        if (e == mine)
            continue;
        c = kp_fieldset_inter(json_object_get(e, "fieldsV1"), changed);
        if (kp_fieldset_empty(c))
            json_decref(c);
        else {
            conflicts[i] = c;
            any = true;
        }
    }
    if (any && !force) {
        rc = ap_conflict_error(mf, conflicts);
        goto out;
    }
    json_array_foreach(mf, i, e)
    {
        json_t *d;
        if (e == mine)
            continue;
        d = conflicts[i] ? kp_fieldset_diff(json_object_get(e, "fieldsV1"), conflicts[i])
                         : json_incref(json_object_get(e, "fieldsV1"));
        ap_set_fields(e, kp_fieldset_diff(d, removed));
        json_decref(d);
    }
    if (!kp_fieldset_empty(changed) || !kp_fieldset_empty(removed) ||
        !json_object_get(mine, "time"))
        json_object_set_new(mine, "time", json_string(op->now));
    ap_sync_last_applied(merged, live, config, op);
    ap_store(merged, json_incref(mf));
    *out = merged;
    merged = NULL;
out:
    if (conflicts)
        for (i = 0; i < n; i++)
            json_decref(conflicts[i]);
    free(conflicts);
    free(w);
    json_decref(mf);
    json_decref(cfg_set);
    json_decref(base);
    json_decref(merged);
    json_decref(last);
    json_decref(keep);
    json_decref(changed);
    json_decref(removed);
    return rc;
}
