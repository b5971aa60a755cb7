#include "lib/common.h"
#include "apiserver/openapi.h"
#include "apiserver/api.h"
#include "apiserver/schema.h"
#include "lib/crypto.h"
#include "lib/sv.h"
#include "apiserver/openapi_int.h"
#include "apiserver/openapi_ext.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>

/* The documents are built as JSON trees in OpenAPI v2 form (refs "#/definitions/<name>"), from
 * which come the v2 JSON, its gnostic protobuf twin (a generic JSON-to-protobuf walker driven by
 * a descriptor table, so the two cannot drift apart) and each v3 document (a copy with refs
 * rewritten to "#/components/schemas/<name>", holding the definitions its paths reach).
 *
 * What kubectl needs from them:
 * - k8s: kubectl's QueryParamVerifier (v2, cli-runtime query_param_verifier.go) and
 *   queryParamVerifierV3 take the first path whose PATCH operation carries the object's
 *   x-kubernetes-group-version-kind and look for a parameter named fieldValidation among that
 *   operation's own parameters (inline, or a $ref to #/parameters/ in v2). Found: kubectl sends
 *   fieldValidation=Strict and skips client-side schema validation. Every PATCH operation here
 *   declares it inline, in both versions.
 * - k8s: kubectl still parses the v2 definitions (kube-openapi util/proto): a $ref has no type
 *   and no properties beside it, an array has exactly one items schema, every $ref resolves.
 * - k8s: kubectl apply computes a strategic merge patch from the OpenAPI schema when the PATCH
 *   operation offers application/strategic-merge-patch+json (v3 requestBody, v2 consumes), and
 *   from its compiled-in Go types otherwise. Only the kinds whose field tables carry every patch
 *   strategy (oa_kind.complete: the built-in ones, not kplane's own) offer it. */

#define V2_REF "#/definitions/"
#define V3_REF "#/components/schemas/"

/* ---- small helpers ---- */

static const char *sfmt(char *buf, size_t n, const char *fmt, ...) KP_PRINTF(3, 4);

/* Names and URLs come from the tables, never from a request: not fitting is a bug. */
static const char *sfmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int w;
    va_start(ap, fmt);
    w = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    assert(w >= 0 && (size_t)w < n);
    (void)w;
    return buf;
}

static bool csv_has(const char *csv, const char *word)
{
    kp_sv in = kp_sv_from(csv), f;
    while (in.len) {
        kp_sv_cut(&in, ',', &f);
        if (kp_sv_eq_str(f, word))
            return true;
    }
    return false;
}

static json_t *ref_to(const char *name, int ver)
{
    char buf[256];
    return json_pack("{s:s}", "$ref",
                     sfmt(buf, sizeof(buf), "%s%s", ver == 2 ? V2_REF : V3_REF, name));
}

static json_t *strings(const char *const *v)
{
    json_t *a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static json_t *gvk_obj(const char *group, const char *version, const char *kind)
{
    return json_pack("{s:s, s:s, s:s}", "group", group, "kind", kind, "version", version);
}

static void set_doc(json_t *o, const char *doc)
{
    if (doc)
        json_object_set_new(o, "description", json_string(doc));
}

/* Merges the JSON object text ext into o. */
static int merge_ext(json_t *o, const char *ext, const char *where)
{
    json_error_t jerr;
    json_t *x;
    if (!ext)
        return 0;
    x = json_loads(ext, 0, &jerr);
    if (!json_is_object(x)) {
        json_decref(x);
        return kp_err_set(KP_EINTERNAL, "openapi: the extensions of \"%s\" are not a JSON object",
                          where);
    }
    /* patch strategies and list types have one source, oa_field.meta, which patch.c reads */
    if (json_object_get(x, "x-kubernetes-patch-strategy") ||
        json_object_get(x, "x-kubernetes-patch-merge-key") ||
        json_object_get(x, "x-kubernetes-list-type") ||
        json_object_get(x, "x-kubernetes-list-map-keys")) {
        json_decref(x);
        return kp_err_set(KP_EINTERNAL,
                          "openapi: \"%s\" sets a patch strategy or list type in its extensions, "
                          "not in its meta",
                          where);
    }
    json_object_update(o, x);
    json_decref(x);
    return 0;
}

/* "networking.k8s.io" -> "Networking", "rbac.authorization.k8s.io" -> "RbacAuthorization",
 * "" -> "Core": as kube-apiserver's operation ids and tags. */
static const char *group_camel(char *buf, size_t n, const char *group)
{
    size_t len = strlen(group), o = 0;
    bool up = true;
    if (!group[0])
        return sfmt(buf, n, "Core");
    if (len > 7 && strcmp(group + len - 7, ".k8s.io") == 0)
        len -= 7;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        if (group[i] == '.' || group[i] == '-') {
            up = true;
            continue;
        }
        buf[o++] =
            up && group[i] >= 'a' && group[i] <= 'z' ? (char)(group[i] - 'a' + 'A') : group[i];
        up = false;
    }
    buf[o] = '\0';
    return buf;
}

/* k8s: a built-in kind's definition is named after its Go package,
 * io.k8s.api.<first label of group>.<v>.<Kind> ("core" for the core group); another group's as
 * kube-apiserver names a custom resource's, <group reversed>.<v>.<Kind>
 * (tenancy.kplane.io -> io.kplane.tenancy.v1alpha1.Workspace). */
static const char *kind_def_name(char *buf, size_t n, const char *group, const char *version,
                                 const char *kind)
{
    size_t len = strlen(group), o = 0;
    if (!group[0])
        return sfmt(buf, n, "io.k8s.api.core.%s.%s", version, kind);
    if (!strchr(group, '.') || (len > 7 && strcmp(group + len - 7, ".k8s.io") == 0))
        return sfmt(buf, n, "io.k8s.api.%.*s.%s.%s", (int)strcspn(group, "."), group, version,
                    kind);
    for (size_t end = len; end > 0;) { /* the labels of group, last first */
        size_t start = end;
        while (start > 0 && group[start - 1] != '.')
            start--;
        o += strlen(sfmt(buf + o, n - o, "%.*s.", (int)(end - start), group + start));
        end = start ? start - 1 : 0;
    }
    sfmt(buf + o, n - o, "%s.%s", version, kind);
    return buf;
}

static const oa_kind *kind_find(const char *group, const char *kind)
{
    for (size_t t = 0; t < kp_oa_ntables; t++)
        for (size_t i = 0; i < kp_oa_tables[t]->nkinds; i++) {
            const oa_kind *k = &kp_oa_tables[t]->kinds[i];
            if ((!group || strcmp(k->group, group) == 0) && strcmp(k->kind, kind) == 0)
                return k;
        }
    return NULL;
}

/* apiVersion, kind and metadata: the fields every kind has besides its own */
static const oa_field std_fields[] = {
    F("apiVersion", OA_STRING,
      "APIVersion defines the versioned schema of this representation of an object. Servers "
      "should convert recognized schemas to the latest internal value, and may reject "
      "unrecognized values."),
    F("kind", OA_STRING,
      "Kind is a string value representing the REST resource this object represents. Servers "
      "may infer this from the endpoint the client submits requests to. Cannot be updated. In "
      "CamelCase."),
    FREF("metadata", OA_REF, META "ObjectMeta", "Standard object's metadata."),
    {.name = NULL},
};

/* ---- unknown fields (fieldValidation) ---- */

/* Every definition of the tables sorted by name, built once: prune and the patch-strategy
 * lookup resolve a reference per nested object of every write. */
static struct {
    pthread_once_t once;
    const oa_def **v;
    size_t n;
} def_index = {.once = PTHREAD_ONCE_INIT};

static int def_cmp(const void *a, const void *b)
{
    return strcmp((*(const oa_def *const *)a)->name, (*(const oa_def *const *)b)->name);
}

static void def_index_build(void)
{
    size_t n = 0;
    for (size_t t = 0; t < kp_oa_ntables; t++)
        n += kp_oa_tables[t]->ndefs;
    def_index.v = kp_calloc(n ? n : 1, sizeof(*def_index.v));
    for (size_t t = 0; t < kp_oa_ntables; t++)
        for (size_t i = 0; i < kp_oa_tables[t]->ndefs; i++)
            def_index.v[def_index.n++] = &kp_oa_tables[t]->defs[i];
    qsort(def_index.v, def_index.n, sizeof(*def_index.v), def_cmp);
}

static const oa_def *def_find(const char *name)
{
    oa_def key = {.name = name};
    const oa_def *kp = &key, **hit;
    if (!name)
        return NULL;
    pthread_once(&def_index.once, def_index_build);
    hit = bsearch(&kp, def_index.v, def_index.n, sizeof(*def_index.v), def_cmp);
    return hit ? *hit : NULL;
}

static const oa_field *field_find(const oa_field *a, const oa_field *b, const char *name)
{
    for (const oa_field *f = a; f && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    for (const oa_field *f = b; f && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static void prune_value(json_t *v, const oa_field *f, kp_buf *path, json_t *unknown, int depth);

/* k8s: a built-in type's decoder drops what its Go struct has no field for; where our table
 * describes the fields, so do we, and each dropped path is reported. */
static void prune_object(json_t *obj, const oa_field *a, const oa_field *b, kp_buf *path,
                         json_t *unknown, int depth)
{
    const char *key;
    json_t *v, *gone = json_array();
    void *tmp;
    size_t base = path->len, i;

    if (!json_is_object(obj) || depth > 64)
        return;
    json_object_foreach_safe(obj, tmp, key, v)
    {
        const oa_field *f = field_find(a, b, key);
        path->len = base;
        if (base)
            kp_buf_putc(path, '.');
        kp_buf_puts(path, key);
        if (!f) {
            json_array_append_new(unknown, json_string(kp_buf_cstr(path)));
            json_array_append_new(gone, json_string(key));
            continue;
        }
        prune_value(v, f, path, unknown, depth + 1);
    }
    for (i = 0; i < json_array_size(gone); i++)
        json_object_del(obj, json_string_value(json_array_get(gone, i)));
    json_decref(gone);
    path->len = base;
    if (path->p)
        path->p[base] = '\0';
}

/* The fields of the definition named ref into *a and *b: an oa_def's, or a kind's besides
 * std_fields where ref names a kind's definition (StatefulSet volumeClaimTemplates hold
 * PersistentVolumeClaims). false when ref is not described field by field. */
static bool ref_fields(const oa_field **a, const oa_field **b, const char *ref)
{
    const oa_def *d = def_find(ref);
    size_t n;
    const kp_schema_res *rows;
    char name[256];

    *a = *b = NULL;
    if (d) {
        *a = d->fields;
        return d->fields != NULL;
    }
    rows = kp_schema_all(&n);
    for (size_t i = 0; ref && i < n; i++) {
        const oa_kind *k;
        if (strcmp(kind_def_name(name, sizeof(name), rows[i].group, rows[i].version, rows[i].kind),
                   ref) != 0)
            continue;
        if (!(k = kind_find(rows[i].group, rows[i].kind)))
            return false;
        *a = std_fields;
        *b = k->fields;
        return true;
    }
    return false;
}

static void prune_value(json_t *v, const oa_field *f, kp_buf *path, json_t *unknown, int depth)
{
    size_t i, base = path->len;
    json_t *e;

    const oa_field *a, *b;

    if ((f->type != OA_REF && f->type != OA_REFLIST && f->type != OA_REFMAP) ||
        !ref_fields(&a, &b, f->ref))
        return; /* not described: anything goes */
    if (f->type == OA_REF) {
        prune_object(v, a, b, path, unknown, depth);
        return;
    }
    if (f->type == OA_REFMAP) {
        const char *k;
        json_object_foreach(v, k, e)
        {
            path->len = base;
            kp_buf_appendf(path, "[%s]", k);
            prune_object(e, a, b, path, unknown, depth);
        }
    } else {
        json_array_foreach(v, i, e)
        {
            path->len = base;
            kp_buf_appendf(path, "[%zu]", i);
            prune_object(e, a, b, path, unknown, depth);
        }
    }
    path->len = base;
    if (path->p)
        path->p[base] = '\0';
}

/* ---- schemas (v2 form) ---- */

static json_t *object_any(void)
{
    return json_pack("{s:s, s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields", 1);
}

/* k8s: the extensions kube-openapi writes from the struct tags and +listType markers */
static void meta_ext(json_t *s, const kp_openapi_field_meta *m)
{
    const unsigned st = m->patch.strategy;
    if (m->list_type)
        json_object_set_new(s, "x-kubernetes-list-type", json_string(m->list_type));
    if (m->map_keys) {
        json_t *keys = json_array();
        kp_sv in = kp_sv_from(m->map_keys), k;
        while (in.len) {
            kp_sv_cut(&in, ',', &k);
            json_array_append_new(keys, json_stringn(k.p, k.len));
        }
        json_object_set_new(s, "x-kubernetes-list-map-keys", keys);
    }
    if (m->patch.key)
        json_object_set_new(s, "x-kubernetes-patch-merge-key", json_string(m->patch.key));
    if (st)
        json_object_set_new(s, "x-kubernetes-patch-strategy",
                            json_string((st & KP_PATCH_MERGE) && (st & KP_PATCH_RETAIN_KEYS)
                                            ? "merge,retainKeys"
                                        : st & KP_PATCH_MERGE       ? "merge"
                                        : st & KP_PATCH_RETAIN_KEYS ? "retainKeys"
                                                                    : "replace"));
}

static int field_schema(json_t **out, const oa_field *f)
{
    json_t *s;
    switch (f->type) {
    case OA_OBJECT:
        s = object_any();
        break;
    case OA_STRING:
        s = json_pack("{s:s}", "type", "string");
        break;
    case OA_BOOL:
        s = json_pack("{s:s}", "type", "boolean");
        break;
    case OA_INT32:
    case OA_INT64:
        s = json_pack("{s:s, s:s}", "type", "integer", "format",
                      f->type == OA_INT32 ? "int32" : "int64");
        break;
    case OA_STRMAP:
        s = json_pack("{s:s, s:{s:s}}", "type", "object", "additionalProperties", "type", "string");
        break;
    case OA_BYTEMAP:
        s = json_pack("{s:s, s:{s:s, s:s}}", "type", "object", "additionalProperties", "type",
                      "string", "format", "byte");
        break;
    case OA_NUMBER:
        s = json_pack("{s:s, s:s}", "type", "number", "format", "double");
        break;
    case OA_BYTES:
        s = json_pack("{s:s, s:s}", "type", "string", "format", "byte");
        break;
    case OA_LIST:
        s = json_pack("{s:s, s:o}", "type", "array", "items", object_any());
        break;
    case OA_STRLIST:
        s = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
        break;
    case OA_INT32LIST:
    case OA_INT64LIST:
        s = json_pack("{s:s, s:{s:s, s:s}}", "type", "array", "items", "type", "integer", "format",
                      f->type == OA_INT32LIST ? "int32" : "int64");
        break;
    case OA_INTORSTR:
        s = ref_to(INTSTR "IntOrString", 2);
        break;
    case OA_QUANTITY:
        s = ref_to(RESOURCE "Quantity", 2);
        break;
    case OA_REFMAP:
        assert(f->ref);
        s = json_pack("{s:s, s:o}", "type", "object", "additionalProperties", ref_to(f->ref, 2));
        break;
    case OA_TIME:
        s = ref_to(META "Time", 2);
        break;
    case OA_MICROTIME:
        s = ref_to(META "MicroTime", 2);
        break;
    case OA_REF:
        assert(f->ref);
        s = ref_to(f->ref, 2);
        break;
    case OA_REFLIST:
        assert(f->ref);
        s = json_pack("{s:s, s:o}", "type", "array", "items", ref_to(f->ref, 2));
        break;
    default:
        return kp_err_set(KP_EINTERNAL, "openapi: field \"%s\" has no type", f->name);
    }
    set_doc(s, f->doc);
    meta_ext(s, &f->meta);
    *out = s;
    return merge_ext(s, f->ext, f->name);
}

/* Adds fields to the object schema s (properties, required). */
static int fields_add(json_t *s, const oa_field *fields)
{
    json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");
    int rc;
    if (!props) {
        props = json_object();
        json_object_set_new(s, "properties", props);
    }
    for (const oa_field *f = fields; f && f->name; f++) {
        json_t *p = NULL;
        if ((rc = field_schema(&p, f)) < 0) {
            json_decref(p);
            return rc;
        }
        json_object_set_new(props, f->name, p);
        if (f->required) {
            if (!req) {
                req = json_array();
                json_object_set_new(s, "required", req);
            }
            json_array_append_new(req, json_string(f->name));
        }
    }
    return 0;
}

static void gvk_ext(json_t *s, const char *group, const char *version, const char *kind)
{
    json_object_set_new(s, "x-kubernetes-group-version-kind",
                        json_pack("[o]", gvk_obj(group, version, kind)));
}

/* The definition of a kind of the schema table. */
static int kind_schema(json_t **out, const kp_schema_res *r)
{
    const oa_kind *k = kind_find(r->group, r->kind);
    json_t *s = json_pack("{s:s}", "type", "object");
    int rc;

    set_doc(s, k ? k->doc : NULL);
    if ((rc = fields_add(s, std_fields)) < 0 || (rc = fields_add(s, k ? k->fields : NULL)) < 0) {
        json_decref(s);
        return rc;
    }
    /* a kind without a row yet: accept anything rather than report a field that exists */
    if (!k)
        json_object_set_new(s, "x-kubernetes-preserve-unknown-fields", json_true());
    gvk_ext(s, r->group, r->version, r->kind);
    *out = s;
    return 0;
}

/* <Kind>List, what list answers. */
static json_t *list_schema(const kp_schema_res *r, const char *item_def)
{
    char doc[256], kind[160];
    json_t *s =
        json_pack("{s:s, s:s, s:{s:{s:s, s:s}, s:{s:s, s:s, s:o}, s:{s:s, s:s}, s:o}, s:[s]}",
                  "type", "object", "description",
                  sfmt(doc, sizeof(doc), "%sList is a list of %s objects.", r->kind, r->kind),
                  "properties", "apiVersion", "type", "string", "description", std_fields[0].doc,
                  "items", "type", "array", "description", "List of objects.", "items",
                  ref_to(item_def, 2), "kind", "type", "string", "description", std_fields[1].doc,
                  "metadata", ref_to(META "ListMeta", 2), "required", "items");
    gvk_ext(s, r->group, r->version, sfmt(kind, sizeof(kind), "%sList", r->kind));
    return s;
}

/* Every definition, v2 form, by name. */
static int defs_build(json_t **out)
{
    size_t n;
    const kp_schema_res *rows = kp_schema_all(&n);
    json_t *defs = json_object(), *gvks = json_array();
    char name[256];
    int rc = 0;

    for (size_t t = 0; t < kp_oa_ntables && rc == 0; t++)
        for (size_t i = 0; i < kp_oa_tables[t]->ndefs && rc == 0; i++) {
            const oa_def *d = &kp_oa_tables[t]->defs[i];
            json_t *s = json_pack("{s:s}", "type", d->type ? d->type : "object");
            if (json_object_get(defs, d->name)) {
                json_decref(s);
                rc = kp_err_set(KP_EINTERNAL, "openapi: two definitions named \"%s\"", d->name);
                break;
            }
            if (d->format)
                json_object_set_new(s, "format", json_string(d->format));
            set_doc(s, d->doc);
            if ((rc = fields_add(s, d->fields)) == 0)
                rc = merge_ext(s, d->ext, d->name);
            json_object_set_new(defs, d->name, s);
        }
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *s = NULL;
        char list[300];
        bool seen = false;
        kind_def_name(name, sizeof(name), rows[i].group, rows[i].version, rows[i].kind);
        if (json_object_get(defs, name)) {
            rc = kp_err_set(KP_EINTERNAL, "openapi: two definitions named \"%s\"", name);
            break;
        }
        if ((rc = kind_schema(&s, &rows[i])) < 0)
            break;
        json_object_set_new(defs, name, s);
        json_object_set_new(defs, sfmt(list, sizeof(list), "%sList", name),
                            list_schema(&rows[i], name));
        /* k8s: DeleteOptions names every group-version it may be sent to */
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[j].group, rows[i].group) == 0 &&
                strcmp(rows[j].version, rows[i].version) == 0)
                seen = true;
        if (!seen)
            json_array_append_new(gvks, gvk_obj(rows[i].group, rows[i].version, "DeleteOptions"));
    }
    if (rc < 0) {
        json_decref(defs);
        json_decref(gvks);
        return rc;
    }
    json_object_set_new(json_object_get(defs, META "DeleteOptions"),
                        "x-kubernetes-group-version-kind", gvks);
    *out = defs;
    return 0;
}

/* ---- paths ---- */

typedef struct {
    const char *name;
    const char *type;
    const char *doc;
} oa_param;

/* k8s: the query parameters kube-apiserver declares for each operation */
static const oa_param P_BOOKMARKS = {
    "allowWatchBookmarks", "boolean",
    "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."};
static const oa_param P_CONTINUE = {
    "continue", "string",
    "The continue option should be set when retrieving more results from the server."};
static const oa_param P_DRY_RUN = {
    "dryRun", "string",
    "When present, indicates that modifications should not be persisted. Valid values are: - "
    "All: all dry run stages will be processed"};
static const oa_param P_FIELD_MANAGER = {
    "fieldManager", "string",
    "fieldManager is a name associated with the actor or entity that is making these changes."};
static const oa_param P_FIELD_SELECTOR = {
    "fieldSelector", "string",
    "A selector to restrict the list of returned objects by their fields. Defaults to "
    "everything."};
static const oa_param P_FIELD_VALIDATION = {
    "fieldValidation", "string",
    "fieldValidation instructs the server on how to handle objects in the request containing "
    "unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict"};
static const oa_param P_FORCE = {
    "force", "boolean",
    "Force is going to \"force\" Apply requests. It must be unset for non-apply patch "
    "requests."};
static const oa_param P_GRACE = {"gracePeriodSeconds", "integer",
                                 "The duration in seconds before the object should be deleted."};
static const oa_param P_LABEL_SELECTOR = {
    "labelSelector", "string",
    "A selector to restrict the list of returned objects by their labels. Defaults to "
    "everything."};
static const oa_param P_LIMIT = {"limit", "integer",
                                 "limit is a maximum number of responses to return for a list "
                                 "call."};
static const oa_param P_ORPHAN = {
    "orphanDependents", "boolean",
    "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7."};
static const oa_param P_PROPAGATION = {
    "propagationPolicy", "string",
    "Whether and how garbage collection will be performed: 'Orphan', 'Background' or "
    "'Foreground'."};
static const oa_param P_RV = {
    "resourceVersion", "string",
    "resourceVersion sets a constraint on what resource versions a request may be served "
    "from."};
static const oa_param P_RV_MATCH = {
    "resourceVersionMatch", "string",
    "resourceVersionMatch determines how resourceVersion is applied to list calls."};
static const oa_param P_INITIAL_EVENTS = {
    "sendInitialEvents", "boolean",
    "`sendInitialEvents=true` may be set together with `watch=true`: the stream begins with "
    "synthetic events for the current state of the collection."};
static const oa_param P_TIMEOUT = {
    "timeoutSeconds", "integer",
    "Timeout for the list/watch call, regardless of any activity or inactivity."};
static const oa_param P_WATCH = {
    "watch", "boolean",
    "Watch for changes to the described resources and return them as a stream of add, update, "
    "and remove notifications."};
static const oa_param P_PRETTY = {"pretty", "string",
                                  "If 'true', then the output is pretty printed."};

static const oa_param *const params_list[] = {
    &P_BOOKMARKS, &P_CONTINUE,       &P_FIELD_SELECTOR, &P_LABEL_SELECTOR, &P_LIMIT, &P_RV,
    &P_RV_MATCH,  &P_INITIAL_EVENTS, &P_TIMEOUT,        &P_WATCH,          NULL};
static const oa_param *const params_write[] = {&P_DRY_RUN, &P_FIELD_MANAGER, &P_FIELD_VALIDATION,
                                               NULL};
static const oa_param *const params_patch[] = {&P_DRY_RUN, &P_FIELD_MANAGER, &P_FIELD_VALIDATION,
                                               &P_FORCE, NULL};
static const oa_param *const params_delete[] = {&P_DRY_RUN, &P_GRACE, &P_ORPHAN, &P_PROPAGATION,
                                                NULL};
static const oa_param *const params_delcoll[] = {&P_CONTINUE, &P_DRY_RUN,        &P_FIELD_SELECTOR,
                                                 &P_GRACE,    &P_LABEL_SELECTOR, &P_LIMIT,
                                                 &P_ORPHAN,   &P_PROPAGATION,    &P_RV,
                                                 &P_RV_MATCH, &P_INITIAL_EVENTS, &P_TIMEOUT,
                                                 NULL};

typedef enum { BODY_NONE = 0, BODY_OBJECT, BODY_PATCH, BODY_DELETE } op_body;
typedef enum { ANS_OBJECT = 0, ANS_LIST, ANS_STATUS } op_answer;

typedef struct {
    const char *method;  /* the path item's key */
    const char *action;  /* x-kubernetes-action */
    const char *verb;    /* the verb a schema row must serve */
    const char *id;      /* operationId's first word */
    const char *doc;     /* "<doc> <Kind>" */
    const char *doc_sub; /* "<doc_sub> <subresource> of the specified <Kind>" */
    const oa_param *const *params;
    op_body body;
    op_answer answer;
    const char *codes; /* answers besides 200: "201", "201,202", "202" */
} op_spec;

#define OP(method, action, verb, id, doc, doc_sub, params, body, answer, codes)                    \
    {                                                                                              \
        method, action, verb, id, doc, doc_sub, params, body, answer, codes                        \
    }
static const op_spec op_list = OP("get", "list", "list", "list", "list or watch objects of kind",
                                  NULL, params_list, BODY_NONE, ANS_LIST, NULL);
static const op_spec op_create = OP("post", "post", "create", "create", "create a", NULL,
                                    params_write, BODY_OBJECT, ANS_OBJECT, "201,202");
static const op_spec op_delcoll =
    OP("delete", "deletecollection", "deletecollection", "deleteCollection", "delete collection of",
       NULL, params_delcoll, BODY_DELETE, ANS_STATUS, NULL);
static const op_spec op_read = OP("get", "get", "get", "read", "read the specified", "read", NULL,
                                  BODY_NONE, ANS_OBJECT, NULL);
static const op_spec op_replace = OP("put", "put", "update", "replace", "replace the specified",
                                     "replace", params_write, BODY_OBJECT, ANS_OBJECT, "201");
static const op_spec op_patch =
    OP("patch", "patch", "patch", "patch", "partially update the specified", "partially update",
       params_patch, BODY_PATCH, ANS_OBJECT, "201");
static const op_spec op_delete = OP("delete", "delete", "delete", "delete", "delete a", NULL,
                                    params_delete, BODY_DELETE, ANS_STATUS, "202");

/* k8s: PATCH bodies kube-apiserver accepts; strategic merge patch only where the document
 * describes every field (see the top of this file) */
static const char *const patch_types[] = {"application/apply-patch+yaml",
                                          "application/json-patch+json",
                                          "application/merge-patch+json", NULL};
static const char *const patch_types_smp[] = {
    "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json", NULL};

/* What the operations of one path share. */
typedef struct {
    const kp_schema_res *r;
    const char *sub;              /* "status", "scale" or NULL */
    const char *id_rest;          /* operationId after its verb: "CoreV1NamespacedPodStatus" */
    const char *tag;              /* "core_v1" */
    const char *g, *v, *k;        /* the GVK the operations carry */
    const char *schema, *listdef; /* definition names of the bodies and answers */
    bool smp;
    bool name, ns; /* the path has {name}, {namespace} */
} path_ctx;

static json_t *param_render(const oa_param *p, const char *in, bool required, int ver)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "name", p->name, "in", in, "description", p->doc);
    if (required)
        json_object_set_new(o, "required", json_true());
    if (ver == 2) {
        json_object_set_new(o, "type", json_string(p->type));
        json_object_set_new(o, "uniqueItems", json_true());
    } else {
        json_object_set_new(o, "schema",
                            json_pack("{s:s, s:b}", "type", p->type, "uniqueItems", 1));
    }
    return o;
}

/* The content of a v3 body or answer: each media type with the schema. */
static json_t *v3_content(const char *const *types, const char *def)
{
    json_t *c = json_object();
    for (; *types; types++)
        json_object_set_new(c, *types, json_pack("{s:o}", "schema", ref_to(def, 3)));
    return c;
}

static json_t *op_render(const op_spec *s, const path_ctx *c, int ver)
{
    static const char *const json_types[] = {"application/json", NULL};
    static const char *const any_types[] = {"*/*", NULL};
    static const char *const produces_watch[] = {"application/json",
                                                 "application/json;stream=watch", NULL};
    json_t *op = json_object(), *params = json_array(), *resp = json_object();
    char buf[512];
    const char *answer = s->answer == ANS_LIST     ? c->listdef
                         : s->answer == ANS_STATUS ? META "Status"
                                                   : c->schema;
    const char *body = s->body == BODY_PATCH    ? META "Patch"
                       : s->body == BODY_DELETE ? META "DeleteOptions"
                                                : c->schema;
    kp_sv codes;

    if (c->sub && s->doc_sub)
        sfmt(buf, sizeof(buf), "%s %s of the specified %s", s->doc_sub, c->sub, c->r->kind);
    else
        sfmt(buf, sizeof(buf), "%s %s", s->doc, c->r->kind);
    json_object_set_new(op, "description", json_string(buf));
    json_object_set_new(op, "operationId",
                        json_string(sfmt(buf, sizeof(buf), "%s%s", s->id, c->id_rest)));
    json_object_set_new(op, "tags", json_pack("[s]", c->tag));
    for (const oa_param *const *p = s->params; p && *p; p++)
        json_array_append_new(params, param_render(*p, "query", false, ver));
    if (ver == 2) {
        json_object_set_new(
            op, "consumes",
            strings(s->body == BODY_PATCH ? (c->smp ? patch_types_smp : patch_types) : any_types));
        json_object_set_new(op, "produces",
                            strings(s->answer == ANS_LIST ? produces_watch : json_types));
        json_object_set_new(op, "schemes", json_pack("[s]", "https"));
        if (s->body != BODY_NONE) {
            json_t *bp = json_pack("{s:s, s:s, s:o}", "name", "body", "in", "body", "schema",
                                   ref_to(body, 2));
            if (s->body != BODY_DELETE)
                json_object_set_new(bp, "required", json_true());
            json_array_insert_new(params, 0, bp);
        }
    } else if (s->body != BODY_NONE) {
        json_t *rb = json_pack(
            "{s:o}", "content",
            v3_content(s->body == BODY_PATCH ? (c->smp ? patch_types_smp : patch_types) : any_types,
                       body));
        if (s->body != BODY_DELETE)
            json_object_set_new(rb, "required", json_true());
        json_object_set_new(op, "requestBody", rb);
    }
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);

    /* answers: 200 and the codes of the spec with the schema, 401 without */
    codes = kp_sv_from(s->codes ? s->codes : "");
    for (const char *code = "200"; code;) {
        kp_sv next;
        const char *text = strcmp(code, "200") == 0   ? "OK"
                           : strcmp(code, "201") == 0 ? "Created"
                                                      : "Accepted";
        json_t *a = json_pack("{s:s}", "description", text);
        if (ver == 2)
            json_object_set_new(a, "schema", ref_to(answer, 2));
        else
            json_object_set_new(
                a, "content",
                v3_content(s->answer == ANS_LIST ? produces_watch : json_types, answer));
        json_object_set_new(resp, code, a);
        code = NULL;
        if (codes.len) {
            kp_sv_cut(&codes, ',', &next);
            code = sfmt(buf, sizeof(buf), "%.*s", KP_SV_ARG(next));
        }
    }
    json_object_set_new(resp, "401", json_pack("{s:s}", "description", "Unauthorized"));
    json_object_set_new(op, "responses", resp);
    json_object_set_new(op, "x-kubernetes-action", json_string(s->action));
    json_object_set_new(op, "x-kubernetes-group-version-kind", gvk_obj(c->g, c->v, c->k));
    return op;
}

/* Adds the path url with the operations of ops the resource serves (none: no path). */
static void path_add(json_t *paths, const char *url, const path_ctx *c, const op_spec *const *ops,
                     int ver)
{
    json_t *item = json_object(), *params = json_array();
    char doc[256];
    bool any = false;

    for (; *ops; ops++) {
        if (c->r->verbs && !csv_has(c->r->verbs, (*ops)->verb))
            continue;
        json_object_set_new(item, (*ops)->method, op_render(*ops, c, ver));
        any = true;
    }
    if (!any) {
        json_decref(item);
        json_decref(params);
        return;
    }
    if (c->name) {
        oa_param p = {"name", "string", sfmt(doc, sizeof(doc), "name of the %s", c->k)};
        json_array_append_new(params, param_render(&p, "path", true, ver));
    }
    if (c->ns) {
        oa_param p = {"namespace", "string",
                      "object name and auth scope, such as for teams and projects"};
        json_array_append_new(params, param_render(&p, "path", true, ver));
    }
    json_array_append_new(params, param_render(&P_PRETTY, "query", false, ver));
    json_object_set_new(item, "parameters", params);
    json_object_set_new(paths, url, item);
}

/* Every path of resource r, in OpenAPI version ver, into paths. */
static void paths_of(json_t *paths, const kp_schema_res *r, bool smp, int ver)
{
    static const op_spec *const coll_ops[] = {&op_list, &op_create, &op_delcoll, NULL};
    static const op_spec *const all_ops[] = {&op_list, NULL};
    static const op_spec *const item_ops[] = {&op_read, &op_replace, &op_patch, &op_delete, NULL};
    static const op_spec *const sub_ops[] = {&op_read, &op_replace, &op_patch, NULL};
    char base[160], coll[256], url[320], g[64], v[32], id[256], tag[96], def[256], listdef[300];
    const char *ns = r->namespaced ? "Namespaced" : "";
    path_ctx c = {r,       NULL, id,      tag, r->group, r->version,
                  r->kind, def,  listdef, smp, false,    r->namespaced};

    group_camel(g, sizeof(g), r->group);
    sfmt(v, sizeof(v), "%s", r->version);
    v[0] = (char)(v[0] >= 'a' && v[0] <= 'z' ? v[0] - 'a' + 'A' : v[0]);
    sfmt(tag, sizeof(tag), "%c%s_%s", g[0] - 'A' + 'a', g + 1, r->version);
    kind_def_name(def, sizeof(def), r->group, r->version, r->kind);
    sfmt(listdef, sizeof(listdef), "%sList", def);
    if (r->group[0])
        sfmt(base, sizeof(base), "/apis/%s/%s", r->group, r->version);
    else
        sfmt(base, sizeof(base), "/api/%s", r->version);
    if (r->namespaced)
        sfmt(coll, sizeof(coll), "%s/namespaces/{namespace}/%s", base, r->resource);
    else
        sfmt(coll, sizeof(coll), "%s/%s", base, r->resource);

    sfmt(id, sizeof(id), "%s%s%s%s", g, v, ns, r->kind);
    path_add(paths, coll, &c, coll_ops, ver);
    if (r->namespaced) {
        path_ctx all = c;
        all.ns = false;
        sfmt(id, sizeof(id), "%s%s%sForAllNamespaces", g, v, r->kind);
        path_add(paths, sfmt(url, sizeof(url), "%s/%s", base, r->resource), &all, all_ops, ver);
        sfmt(id, sizeof(id), "%s%s%s%s", g, v, ns, r->kind);
    }
    c.name = true;
    path_add(paths, sfmt(url, sizeof(url), "%s/{name}", coll), &c, item_ops, ver);
    if (r->status) {
        path_ctx st = c;
        st.sub = "status";
        sfmt(id, sizeof(id), "%s%s%s%sStatus", g, v, ns, r->kind);
        path_add(paths, sfmt(url, sizeof(url), "%s/{name}/status", coll), &st, sub_ops, ver);
    }
    if (r->scale) {
        /* k8s: /scale speaks autoscaling/v1 Scale */
        path_ctx sc = c;
        sc.sub = "scale";
        sc.g = "autoscaling";
        sc.v = "v1";
        sc.k = "Scale";
        sc.schema = AUTOSCALING "Scale";
        sc.smp = false;
        sfmt(id, sizeof(id), "%s%s%s%sScale", g, v, ns, r->kind);
        path_add(paths, sfmt(url, sizeof(url), "%s/{name}/scale", coll), &sc, sub_ops, ver);
    }
}

/* ---- v3: rewritten copies and the definitions a document reaches ---- */

/* A deep copy of v with "#/definitions/" refs turned into "#/components/schemas/" ones; a $ref
 * with siblings (a description) goes into allOf, as kube-apiserver writes it. */
static json_t *to_v3(const json_t *v)
{
    if (json_is_array(v)) {
        json_t *a = json_array(), *e;
        size_t i;
        json_array_foreach(v, i, e)
        {
            json_array_append_new(a, to_v3(e));
        }
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object(), *e, *ref = NULL;
        const char *k;
        json_object_foreach((json_t *)v, k, e)
        {
            const char *sv = json_string_value(e);
            if (strcmp(k, "$ref") == 0 && sv && strncmp(sv, V2_REF, strlen(V2_REF)) == 0) {
                char buf[320];
                ref = json_pack("{s:s}", "$ref",
                                sfmt(buf, sizeof(buf), V3_REF "%s", sv + strlen(V2_REF)));
                continue;
            }
            json_object_set_new(o, k, to_v3(e));
        }
        if (ref && json_object_size(o) == 0) {
            json_decref(o);
            return ref;
        }
        if (ref)
            json_object_set_new(o, "allOf", json_pack("[o]", ref));
        return o;
    }
    return json_deep_copy(v);
}

/* Adds to need (name -> true) every definition v refers to with prefix. */
static void refs_scan(json_t *need, const json_t *v, const char *prefix)
{
    size_t n = strlen(prefix);
    if (json_is_array(v)) {
        json_t *e;
        size_t i;
        json_array_foreach(v, i, e)
        {
            refs_scan(need, e, prefix);
        }
    } else if (json_is_object(v)) {
        json_t *e;
        const char *k;
        json_object_foreach((json_t *)v, k, e)
        {
            const char *sv = json_string_value(e);
            if (strcmp(k, "$ref") == 0 && sv && strncmp(sv, prefix, n) == 0)
                json_object_set_new(need, sv + n, json_true());
            else
                refs_scan(need, e, prefix);
        }
    }
}

/* need grows to every definition reachable from it; KP_EINTERNAL naming a dangling ref. */
static int refs_close(json_t *need, const json_t *defs)
{
    size_t before;
    do {
        json_t *add = json_object(), *e;
        const char *k;
        before = json_object_size(need);
        json_object_foreach(need, k, e)
        {
            const json_t *d = json_object_get(defs, k);
            if (!d) {
                json_decref(add);
                return kp_err_set(KP_EINTERNAL, "openapi: a $ref names the undefined \"%s\"", k);
            }
            refs_scan(add, d, V2_REF);
        }
        json_object_update(need, add);
        json_decref(add);
    } while (json_object_size(need) != before);
    return 0;
}

/* ---- the built documents ---- */

#define HASH_HEX 64

typedef struct {
    char *path; /* "api/v1", "apis/apps/v1" */
    char *doc;
    size_t len;
    char hash[HASH_HEX + 1];
    char etag[HASH_HEX + 3];
} oa_gv;

typedef struct {
    char *p;
    size_t len;
    char etag[HASH_HEX + 3];
} oa_bytes;

/* Written once by oa_build() under pthread_once, read-only afterwards. */
static struct {
    pthread_once_t once;
    int rc;
    char msg[256];
    oa_bytes v2_json, v2_pb, v3_index;
    oa_gv *gvs;
    size_t ngvs;
    json_t *defs; /* every definition (v2 form), for the documents of custom resources */
} oa = {.once = PTHREAD_ONCE_INIT};

static void hex_hash(char out[HASH_HEX + 1], const void *p, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    uint8_t sum[32];
    kp_crypto_sha256(sum, p, len);
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[sum[i] >> 4];
        out[2 * i + 1] = hex[sum[i] & 0xf];
    }
    out[HASH_HEX] = '\0';
}

static int dump_cb(const char *p, size_t n, void *arg)
{
    kp_buf_put(arg, p, n);
    return 0;
}

/* Serializes v (compact, sorted keys: the bytes, and so the hash, are stable). */
static int bytes_from_json(oa_bytes *out, const json_t *v)
{
    kp_buf b;
    char h[HASH_HEX + 1];
    int rc;
    kp_buf_init(&b, OA_DOC_MAX);
    if (json_dump_callback(v, dump_cb, &b, JSON_COMPACT | JSON_SORT_KEYS) != 0)
        rc = kp_err_set(KP_EINTERNAL, "openapi: cannot serialize a document");
    else
        rc = kp_buf_status(&b);
    if (rc < 0) {
        kp_buf_dispose(&b);
        return rc;
    }
    hex_hash(h, b.p ? b.p : "", b.len);
    sfmt(out->etag, sizeof(out->etag), "\"%s\"", h);
    out->p = kp_buf_take(&b, &out->len);
    return 0;
}

static json_t *info_obj(void)
{
    return json_pack("{s:s, s:s}", "title", "Kubernetes", "version", KP_K8S_GIT_VERSION);
}

/* The v3 document of the group-version (group, version), into gv. */
static int v3_build(oa_gv *gv, const json_t *defs, const char *group, const char *version)
{
    size_t n;
    const kp_schema_res *rows = kp_schema_all(&n);
    json_t *paths = json_object(), *need = json_object(), *schemas = json_object(), *doc, *e;
    const char *k;
    char name[256];
    oa_bytes b;
    int rc;

    for (size_t i = 0; i < n; i++) {
        const oa_kind *kd;
        if (strcmp(rows[i].group, group) != 0 || strcmp(rows[i].version, version) != 0)
            continue;
        kd = kind_find(rows[i].group, rows[i].kind);
        paths_of(paths, &rows[i], kd && kd->complete, 3);
        json_object_set_new(need, kind_def_name(name, sizeof(name), group, version, rows[i].kind),
                            json_true());
    }
    refs_scan(need, paths, V3_REF);
    if ((rc = refs_close(need, defs)) < 0)
        goto out;
    json_object_foreach(need, k, e)
    {
        json_t *d = to_v3(json_object_get(defs, k));
        /* k8s: OpenAPIV3OneOfTypes of intstr.IntOrString and resource.Quantity */
        if (strcmp(k, INTSTR "IntOrString") == 0 || strcmp(k, RESOURCE "Quantity") == 0) {
            bool ios = k[strlen(k) - 1] == 'g';
            json_object_del(d, "type");
            json_object_set_new(d, "oneOf",
                                json_pack("[{s:s}, {s:s}]", "type", ios ? "integer" : "string",
                                          "type", ios ? "string" : "number"));
        }
        json_object_set_new(schemas, k, d);
    }
    doc = json_pack("{s:s, s:o, s:O, s:{s:O}}", "openapi", "3.0.0", "info", info_obj(), "paths",
                    paths, "components", "schemas", schemas);
    rc = bytes_from_json(&b, doc);
    json_decref(doc);
    if (rc < 0)
        goto out;
    gv->doc = b.p;
    gv->len = b.len;
    sfmt(gv->hash, sizeof(gv->hash), "%.*s", HASH_HEX, b.etag + 1);
    sfmt(gv->etag, sizeof(gv->etag), "%s", b.etag);
out:
    json_decref(paths);
    json_decref(need);
    json_decref(schemas);
    return rc;
}

static int oa_build(void)
{
    size_t n;
    const kp_schema_res *rows = kp_schema_all(&n);
    json_t *defs = NULL, *paths = json_object(), *need = json_object(), *doc = NULL;
    json_t *index = json_object();
    kp_buf pb;
    char url[320];
    int rc;

    kp_buf_init(&pb, OA_DOC_MAX);
    if ((rc = defs_build(&defs)) < 0)
        goto out;
    oa.gvs = kp_calloc(n, sizeof(*oa.gvs));
    for (size_t i = 0; i < n; i++) {
        const oa_kind *kd = kind_find(rows[i].group, rows[i].kind);
        bool first = true;
        paths_of(paths, &rows[i], kd && kd->complete, 2);
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[j].group, rows[i].group) == 0 &&
                strcmp(rows[j].version, rows[i].version) == 0)
                first = false;
        if (!first)
            continue;
        oa_gv *gv = &oa.gvs[oa.ngvs++];
        if (rows[i].group[0])
            gv->path = kp_asprintf("apis/%s/%s", rows[i].group, rows[i].version);
        else
            gv->path = kp_asprintf("api/%s", rows[i].version);
        if ((rc = v3_build(gv, defs, rows[i].group, rows[i].version)) < 0)
            goto out;
        json_object_set_new(
            index, gv->path,
            json_pack("{s:s}", "serverRelativeURL",
                      sfmt(url, sizeof(url), "/openapi/v3/%s?hash=%s", gv->path, gv->hash)));
    }
    /* every $ref of the v2 document resolves */
    refs_scan(need, paths, V2_REF);
    refs_scan(need, defs, V2_REF);
    if ((rc = refs_close(need, defs)) < 0)
        goto out;
    doc = json_pack("{s:s, s:o, s:O, s:O}", "swagger", "2.0", "info", info_obj(), "paths", paths,
                    "definitions", defs);
    if ((rc = bytes_from_json(&oa.v2_json, doc)) < 0)
        goto out;
    if ((rc = kp_openapi_pb_document(&pb, doc)) < 0 || (rc = kp_buf_status(&pb)) < 0)
        goto out;
    {
        char h[HASH_HEX + 1];
        hex_hash(h, pb.p, pb.len);
        sfmt(oa.v2_pb.etag, sizeof(oa.v2_pb.etag), "\"%s\"", h);
        oa.v2_pb.p = kp_buf_take(&pb, &oa.v2_pb.len);
    }
    {
        json_t *ix = json_pack("{s:O}", "paths", index);
        rc = bytes_from_json(&oa.v3_index, ix);
        json_decref(ix);
    }
    if (rc == 0)
        oa.defs = json_incref(defs);
out:
    kp_buf_dispose(&pb);
    json_decref(doc);
    json_decref(defs);
    json_decref(paths);
    json_decref(need);
    json_decref(index);
    return rc;
}

static void oa_once(void)
{
    oa.rc = oa_build();
    if (oa.rc < 0)
        snprintf(oa.msg, sizeof(oa.msg), "%s", kp_err_msg());
}

int kp_openapi_init(void)
{
    pthread_once(&oa.once, oa_once);
    if (oa.rc < 0)
        return kp_err_set(oa.rc, "%s", oa.msg);
    return 0;
}

static const oa_gv *gv_find(const char *gv_path)
{
    size_t n = strlen(gv_path);
    while (n && gv_path[n - 1] == '/')
        n--;
    for (size_t i = 0; i < oa.ngvs; i++)
        if (strlen(oa.gvs[i].path) == n && strncmp(oa.gvs[i].path, gv_path, n) == 0)
            return &oa.gvs[i];
    return NULL;
}

static int put_bytes(kp_buf *out, const char *p, size_t len)
{
    kp_buf_put(out, p, len);
    return kp_buf_status(out);
}

int kp_openapi_v2_json(kp_buf *out)
{
    int rc = kp_openapi_init();
    return rc < 0 ? rc : put_bytes(out, oa.v2_json.p, oa.v2_json.len);
}

int kp_openapi_v2_proto(kp_buf *out)
{
    int rc = kp_openapi_init();
    return rc < 0 ? rc : put_bytes(out, oa.v2_pb.p, oa.v2_pb.len);
}

int kp_openapi_v3_index(kp_buf *out)
{
    int rc = kp_openapi_init();
    return rc < 0 ? rc : put_bytes(out, oa.v3_index.p, oa.v3_index.len);
}

static int gv_lookup(const oa_gv **out, const char *gv_path)
{
    int rc = kp_openapi_init();
    if (rc < 0)
        return rc;
    if (!(*out = gv_find(gv_path)))
        return kp_err_set(KP_ENOTFOUND, "no OpenAPI document for \"%s\"", gv_path);
    return 0;
}

int kp_openapi_v3_doc(kp_buf *out, const char *gv_path)
{
    const oa_gv *gv;
    int rc = gv_lookup(&gv, gv_path);
    return rc < 0 ? rc : put_bytes(out, gv->doc, gv->len);
}

int kp_openapi_v3_hash(const char **out, const char *gv_path)
{
    const oa_gv *gv;
    int rc = gv_lookup(&gv, gv_path);
    if (rc == 0)
        *out = gv->hash;
    return rc;
}

/* ---- serving ---- */

typedef enum { FMT_NONE = 0, FMT_JSON, FMT_PROTO } oa_fmt;

/* q=0 means "not acceptable" (RFC 9110 12.4.2). */
static bool accept_q_zero(kp_sv params)
{
    kp_sv p;
    while (params.len) {
        kp_sv_cut(&params, ';', &p);
        p = kp_sv_trim(p);
        if (p.len >= 2 && (p.p[0] == 'q' || p.p[0] == 'Q') && p.p[1] == '=') {
            for (size_t i = 2; i < p.len; i++)
                if (p.p[i] != '0' && p.p[i] != '.')
                    return false;
            return true;
        }
    }
    return false;
}

/* The first entry of Accept we produce (JSON everywhere, v2 protobuf where proto_ok). */
static oa_fmt accept_pick(const char *accept, bool proto_ok)
{
    kp_sv in = kp_sv_from(accept ? accept : ""), item, mt;
    if (kp_sv_trim(in).len == 0)
        return FMT_JSON;
    while (in.len) {
        kp_sv_cut(&in, ',', &item);
        kp_sv_cut(&item, ';', &mt); /* item keeps the parameters */
        mt = kp_sv_trim(mt);
        if (accept_q_zero(item))
            continue;
        if (kp_sv_eq_nocase(mt, "application/json") || kp_sv_eq_nocase(mt, "application/*") ||
            kp_sv_eq_nocase(mt, "*/*"))
            return FMT_JSON;
        if (proto_ok &&
            (kp_sv_eq_nocase(mt, KP_OPENAPI_V2_PB) || kp_sv_eq_nocase(mt, KP_OPENAPI_V2_PB_AT) ||
             kp_sv_eq_nocase(mt, KP_OPENAPI_V2_PB_OLD)))
            return FMT_PROTO;
    }
    return FMT_NONE;
}

static bool etag_match(const char *if_none_match, const char *etag)
{
    if (!if_none_match)
        return false;
    return kp_sv_eq_str(kp_sv_trim(kp_sv_from(if_none_match)), "*") ||
           strstr(if_none_match, etag) != NULL;
}

/* Fills out and, unless 304, appends p to body. */
static int reply(kp_openapi_reply *out, kp_buf *body, const char *ct, const char *p, size_t len,
                 const char *etag, const char *if_none_match)
{
    out->etag = etag;
    if (etag_match(if_none_match, etag)) {
        out->code = 304;
        return 0;
    }
    out->code = 200;
    out->content_type = ct;
    return put_bytes(body, p, len);
}

int kp_openapi_serve(kp_openapi_reply *out, kp_buf *body, const char *path, const char *hash,
                     const char *accept, const char *if_none_match)
{
    static const char v3[] = "/openapi/v3/";
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = kp_openapi_init()) < 0)
        return rc;
    if (strcmp(path, "/openapi/v2") == 0 || strcmp(path, "/openapi/v2/") == 0) {
        oa_fmt f = accept_pick(accept, true);
        out->vary = "Accept";
        if (f == FMT_NONE)
            return kp_err_set(KP_ENOTACCEPTABLE,
                              "/openapi/v2 is served as application/json or %s, not \"%s\"",
                              KP_OPENAPI_V2_PB, accept);
        if (f == FMT_PROTO)
            return reply(out, body, KP_OPENAPI_V2_PB, oa.v2_pb.p, oa.v2_pb.len, oa.v2_pb.etag,
                         if_none_match);
        return reply(out, body, "application/json", oa.v2_json.p, oa.v2_json.len, oa.v2_json.etag,
                     if_none_match);
    }
    if (strcmp(path, "/openapi/v3") == 0 || strcmp(path, v3) == 0) {
        if (accept_pick(accept, false) == FMT_NONE)
            return kp_err_set(KP_ENOTACCEPTABLE, "/openapi/v3 is served as application/json");
        return reply(out, body, "application/json", oa.v3_index.p, oa.v3_index.len,
                     oa.v3_index.etag, if_none_match);
    }
    if (strncmp(path, v3, sizeof(v3) - 1) == 0) {
        const oa_gv *gv = gv_find(path + sizeof(v3) - 1);
        if (!gv)
            return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
        out->vary = "Accept";
        /* k8s: a URL with the current hash never changes (kube-openapi handler3); with another
         * hash (a client's stale index) the current document goes out uncacheable instead of
         * kube's 301 to the new URL, which would have to rebuild the /clusters/<ws> prefix */
        if (hash && strcmp(hash, gv->hash) == 0)
            out->cache_control = "public, max-age=31536000, immutable";
        else if (hash)
            out->cache_control = "no-store";
        if (accept_pick(accept, false) == FMT_NONE)
            return kp_err_set(KP_ENOTACCEPTABLE, "%s is served as application/json", path);
        return reply(out, body, "application/json", gv->doc, gv->len, gv->etag, if_none_match);
    }
    return kp_err_set(KP_ENOTFOUND, "the server could not find the requested resource");
}

int kp_openapi_prune(json_t **unknown_out, json_t *obj, const char *group, const char *kind)
{
    const oa_kind *k = kind_find(group, kind);
    json_t *unknown = json_array();
    kp_buf path;

    if (k) {
        kp_buf_init(&path, 64 * 1024);
        prune_object(obj, std_fields, k->fields, &path, unknown, 0);
        kp_buf_dispose(&path);
    }
    *unknown_out = unknown;
    return 0;
}

/* The field named name among fields, or NULL. */
static const oa_field *fields_get(const oa_field *fields, kp_sv name)
{
    /* the first byte first: server-side apply looks fields up for every object written */
    for (const oa_field *f = fields; f && f->name; f++)
        if (name.len && f->name[0] == name.p[0] && kp_sv_eq_str(name, f->name))
            return f;
    return NULL;
}

/* The field at path of kind, or NULL. */
static const oa_field *field_at(const char *kind, const kp_sv *path, size_t n)
{
    const oa_kind *k = kind ? kind_find(NULL, kind) : NULL;
    const oa_field *fields, *more = std_fields, *f = NULL;
    char name[160];

    if (k) {
        fields = k->fields;
    } else if (kind && strcmp(kind, "Scale") == 0) {
        const oa_def *d = def_find(sfmt(name, sizeof(name), AUTOSCALING "%s", kind));
        fields = d ? d->fields : NULL;
        more = NULL;
    } else {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(f = fields_get(fields, path[i])) && !(f = fields_get(more, path[i])))
            return NULL;
        if (i + 1 == n)
            break;
        if ((f->type != OA_REF && f->type != OA_REFLIST && f->type != OA_REFMAP) ||
            !ref_fields(&fields, &more, f->ref))
            return NULL;
    }
    return f;
}

const kp_openapi_field_meta *kp_openapi_field_lookup(const char *kind, const kp_sv *path, size_t n)
{
    const oa_field *f = field_at(kind, path, n);
    return f ? &f->meta : NULL;
}

/* ---- hooks for the documents of a workspace's custom resources (apiserver/crd_openapi.c) ---- */

const char *kp_openapi_def_name(char *buf, size_t n, const char *group, const char *version,
                                const char *kind)
{
    return kind_def_name(buf, n, group, version, kind);
}

void kp_openapi_ext_paths(json_t *paths, const kp_schema_res *r, int ver)
{
    paths_of(paths, r, false, ver); /* k8s: no strategic merge patch for custom resources */
}

json_t *kp_openapi_ext_list_schema(const kp_schema_res *r, const char *item_def)
{
    return list_schema(r, item_def);
}

int kp_openapi_ext_v2(kp_buf *out, bool proto, const json_t *paths, const json_t *defs)
{
    json_t *doc = NULL;
    int rc;

    if ((rc = kp_openapi_init()) < 0)
        return rc;
    if (!(doc = json_loadb(oa.v2_json.p, oa.v2_json.len, 0, NULL)))
        return kp_err_set(KP_EINTERNAL, "openapi: cannot parse the built-in document");
    json_object_update(json_object_get(doc, "paths"), (json_t *)paths);
    json_object_update(json_object_get(doc, "definitions"), (json_t *)defs);
    if (proto) {
        rc = kp_openapi_pb_document(out, doc);
        if (rc == 0)
            rc = kp_buf_status(out);
    } else if (json_dump_callback(doc, dump_cb, out, JSON_COMPACT | JSON_SORT_KEYS) != 0) {
        rc = kp_err_set(KP_EINTERNAL, "openapi: cannot serialize a document");
    } else {
        rc = kp_buf_status(out);
    }
    json_decref(doc);
    return rc;
}

int kp_openapi_ext_v3_doc(kp_buf *out, const json_t *paths, const json_t *defs)
{
    json_t *all, *need = json_object(), *schemas = json_object(), *doc, *e, *v3paths;
    const char *k;
    int rc;

    if ((rc = kp_openapi_init()) < 0) {
        json_decref(need);
        json_decref(schemas);
        return rc;
    }
    all = json_copy(oa.defs);
    json_object_update(all, (json_t *)defs);
    v3paths = json_deep_copy(paths);
    json_object_foreach((json_t *)defs, k, e)
    {
        json_object_set_new(need, k, json_true());
    }
    refs_scan(need, v3paths, V3_REF);
    if ((rc = refs_close(need, all)) == 0) {
        json_object_foreach(need, k, e)
        {
            json_object_set_new(schemas, k, to_v3(json_object_get(all, k)));
        }
        doc = json_pack("{s:s, s:o, s:O, s:{s:O}}", "openapi", "3.0.0", "info", info_obj(), "paths",
                        v3paths, "components", "schemas", schemas);
        if (json_dump_callback(doc, dump_cb, out, JSON_COMPACT | JSON_SORT_KEYS) != 0)
            rc = kp_err_set(KP_EINTERNAL, "openapi: cannot serialize a document");
        else
            rc = kp_buf_status(out);
        json_decref(doc);
    }
    json_decref(v3paths);
    json_decref(all);
    json_decref(need);
    json_decref(schemas);
    return rc;
}

static bool ext_atomic(const char *ext)
{
    return ext && strstr(ext, "\"x-kubernetes-map-type\":\"atomic\"") != NULL;
}

bool kp_openapi_field_shape(kp_openapi_shape *out, const char *kind, const kp_sv *path, size_t n)
{
    const oa_field *f = field_at(kind, path, n);
    const oa_def *d;

    memset(out, 0, sizeof(*out));
    if (!f)
        return false;
    out->list_type = f->meta.list_type;
    out->map_keys = f->meta.map_keys;
    out->dict = f->type == OA_STRMAP || f->type == OA_BYTEMAP || f->type == OA_REFMAP;
    out->atomic = ext_atomic(f->ext) ||
                  (f->type == OA_REF && (d = def_find(f->ref)) != NULL && ext_atomic(d->ext));
    return true;
}
