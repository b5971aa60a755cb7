#include "lib/common.h"
#include "apiserver/crd.h"
#include "apiserver/crd_schema.h"
#include "apiserver/validate.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>

/* The registry keeps at most this many workspaces' sets; past it the oldest goes (it is
 * reloaded on its next use). */
#define CRD_CACHE_MAX 4096

struct kp_crd_set {
    atomic_int refs;
    kp_arena *a;  /* every string and array of the rows */
    json_t *crds; /* the CRD objects (owned) */
    kp_schema_res *rows;
    size_t n;
};

typedef struct crd_entry {
    char *cluster;
    kp_crd_set *set; /* one reference held by the cache */
    struct crd_entry *next;
} crd_entry;

struct kp_crd_reg {
    kp_store *st;
    pthread_mutex_t mu;
    crd_entry *head; /* guarded by mu; newest first */
    size_t n;        /* guarded by mu */
    uint64_t gen;    /* guarded by mu: bumped by every invalidation, so a load that raced one
                        is not cached */
};

kp_crd_reg *kp_crd_reg_new(kp_store *st)
{
    kp_crd_reg *r = kp_calloc(1, sizeof(*r));
    r->st = st;
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

static void entry_free(crd_entry *e)
{
    kp_crd_set_release(e->set);
    free(e->cluster);
    free(e);
}

void kp_crd_reg_free(kp_crd_reg *r)
{
    if (!r)
        return;
    while (r->head) {
        crd_entry *e = r->head;
        r->head = e->next;
        entry_free(e);
    }
    pthread_mutex_destroy(&r->mu);
    free(r);
}

void kp_crd_invalidate(kp_crd_reg *r, const char *cluster)
{
    crd_entry **pp, *gone = NULL;
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->gen++;
    for (pp = &r->head; *pp;) {
        crd_entry *e = *pp;
        if (!cluster || strcmp(e->cluster, cluster) == 0) {
            *pp = e->next;
            e->next = gone;
            gone = e;
            r->n--;
        } else {
            pp = &e->next;
        }
    }
    pthread_mutex_unlock(&r->mu);
    while (gone) { /* released outside the lock */
        crd_entry *e = gone;
        gone = e->next;
        entry_free(e);
    }
}

void kp_crd_set_release(kp_crd_set *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    json_decref(s->crds);
    kp_arena_free(s->a);
    free(s);
}

kp_crd_set *kp_crd_set_ref(kp_crd_set *s)
{
    atomic_fetch_add(&s->refs, 1);
    return s;
}

kp_crd_set *kp_crd_set_of(const kp_schema_res *row)
{
    return row->custom ? row->custom->set : NULL;
}

const kp_schema_res *kp_crd_set_rows(const kp_crd_set *s, size_t *n_out)
{
    *n_out = s ? s->n : 0;
    return s ? s->rows : NULL;
}

const kp_schema_res *kp_crd_set_find(const kp_crd_set *s, const char *group, const char *version,
                                     const char *resource)
{
    for (size_t i = 0; s && i < s->n; i++) {
        const kp_schema_res *r = &s->rows[i];
        if (strcmp(r->group, group) == 0 && strcmp(r->version, version) == 0 &&
            strcmp(r->resource, resource) == 0)
            return r;
    }
    return NULL;
}

const json_t *kp_crd_set_crds(const kp_crd_set *s)
{
    return s ? s->crds : NULL;
}

/* ---- building a set from the CRD objects ---- */

static bool crd_condition_true(const json_t *crd, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(kp_json_get(crd, "status.conditions"), i, c)
    {
        const char *t = kp_json_get_str(c, "type"), *st = kp_json_get_str(c, "status");
        if (t && st && strcmp(t, type) == 0)
            return strcmp(st, "True") == 0;
    }
    return false;
}

/* A JSON array of strings as "a,b"; NULL when empty. */
static const char *set_csv(kp_arena *a, const json_t *arr)
{
    kp_buf b;
    size_t i;
    json_t *v;
    const char *out;
    if (json_array_size(arr) == 0)
        return NULL;
    kp_buf_init(&b, 4096);
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            kp_buf_appendf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
    }
    out = b.len ? kp_arena_strdup(a, kp_buf_cstr(&b)) : NULL;
    kp_buf_dispose(&b);
    return out;
}

static const char *set_str(kp_arena *a, const char *s)
{
    return s ? kp_arena_strdup(a, s) : NULL;
}

static const kp_schema_col *set_cols(kp_arena *a, const json_t *ver)
{
    const json_t *pc = json_object_get(ver, "additionalPrinterColumns"), *c;
    size_t n = json_array_size(pc), i, k = 0;
    kp_schema_col *cols = kp_arena_calloc(a, n + 2, sizeof(*cols));

    if (!json_is_array(pc)) { /* k8s: without columns a CRD shows its age */
        cols[0] =
            (kp_schema_col){"Age", "date", KP_COL_JSONPATH, ".metadata.creationTimestamp", NULL, 0};
        return cols;
    }
    json_array_foreach(pc, i, c)
    {
        const char *name = kp_json_get_str(c, "name"), *jp = kp_json_get_str(c, "jsonPath");
        if (!name || !jp)
            continue;
        cols[k].name = kp_arena_strdup(a, name);
        cols[k].type =
            set_str(a, kp_json_get_str(c, "type") ? kp_json_get_str(c, "type") : "string");
        cols[k].kind = KP_COL_JSONPATH;
        cols[k].path = kp_arena_strdup(a, jp);
        cols[k].priority = (int)json_integer_value(json_object_get(c, "priority"));
        k++;
    }
    return cols;
}

static void set_add_crd(kp_crd_set *s, const json_t *crd, size_t *cap)
{
    kp_arena *a = s->a;
    const json_t *spec = json_object_get(crd, "spec"), *names = json_object_get(spec, "names");
    const json_t *vers = json_object_get(spec, "versions"), *v;
    const char *group = kp_json_get_str(spec, "group"), *plural = kp_json_get_str(names, "plural");
    const char *kind = kp_json_get_str(names, "kind"), *storage = NULL;
    size_t i;

    if (!group || !plural || !kind || !crd_condition_true(crd, "Established"))
        return;
    json_array_foreach(vers, i, v)
    {
        if (json_is_true(json_object_get(v, "storage")))
            storage = kp_json_get_str(v, "name");
    }
    json_array_foreach(vers, i, v)
    {
        kp_schema_res *r;
        kp_crd_version *cv;
        const json_t *scale = kp_json_get(v, "subresources.scale");
        const char *vn = kp_json_get_str(v, "name");
        if (!vn || !json_is_true(json_object_get(v, "served")))
            continue;
        if (s->n == *cap) {
            kp_schema_res *nr;
            *cap = *cap ? *cap * 2 : 8;
            nr = kp_arena_calloc(a, *cap, sizeof(*nr));
            if (s->n)
                memcpy(nr, s->rows, s->n * sizeof(*nr));
            s->rows = nr;
        }
        r = &s->rows[s->n++];
        cv = kp_arena_calloc(a, 1, sizeof(*cv));
        cv->crd_name = set_str(a, kp_json_get_str(crd, "metadata.name"));
        cv->storage_version = set_str(a, storage ? storage : vn);
        cv->list_kind = set_str(a, kp_json_get_str(names, "listKind"));
        cv->schema = kp_json_get(v, "schema.openAPIV3Schema");
        cv->crd = crd;
        cv->set = s;
        if (json_is_object(scale)) {
            cv->spec_replicas = set_str(a, kp_json_get_str(scale, "specReplicasPath"));
            cv->status_replicas = set_str(a, kp_json_get_str(scale, "statusReplicasPath"));
            cv->label_selector = set_str(a, kp_json_get_str(scale, "labelSelectorPath"));
        }
        r->group = kp_arena_strdup(a, group);
        r->version = kp_arena_strdup(a, vn);
        r->resource = kp_arena_strdup(a, plural);
        r->kind = kp_arena_strdup(a, kind);
        r->singular = set_str(
            a, kp_json_get_str(names, "singular") ? kp_json_get_str(names, "singular") : plural);
        r->short_names = set_csv(a, json_object_get(names, "shortNames"));
        r->categories = set_csv(a, json_object_get(names, "categories"));
        r->namespaced = strcmp(kp_json_get_str(spec, "scope") ? kp_json_get_str(spec, "scope") : "",
                               "Namespaced") == 0;
        r->status = json_is_object(kp_json_get(v, "subresources.status"));
        r->scale = json_is_object(scale);
        r->name_rule = KP_NAME_SUBDOMAIN;
        r->cols = set_cols(a, v);
        r->store_key = kp_arena_printf(a, "%s/%s", group, plural);
        r->custom = cv;
    }
}

static int set_load(kp_crd_set **out, kp_store *st, const char *cluster)
{
    kp_store_list_opts o;
    json_t *items = NULL, *crd;
    int64_t rv;
    bool more;
    size_t i, cap = 0;
    kp_crd_set *s;
    int rc;

    memset(&o, 0, sizeof(o));
    o.cluster = cluster;
    o.resource = KP_CRD_STORE_KEY;
    if ((rc = kp_store_list(&items, &rv, &more, st, &o)) < 0)
        return rc;
    s = kp_calloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->a = kp_arena_new();
    s->crds = items;
    json_array_foreach(items, i, crd)
    {
        set_add_crd(s, crd, &cap);
    }
    *out = s;
    return 0;
}

int kp_crd_set_get(kp_crd_set **out, kp_crd_reg *r, const char *cluster)
{
    crd_entry *e, **pp;
    kp_crd_set *s = NULL;
    uint64_t gen;
    int rc;

    pthread_mutex_lock(&r->mu);
    for (e = r->head; e; e = e->next) {
        if (strcmp(e->cluster, cluster) == 0) {
            atomic_fetch_add(&e->set->refs, 1);
            *out = e->set;
            pthread_mutex_unlock(&r->mu);
            return 0;
        }
    }
    gen = r->gen;
    pthread_mutex_unlock(&r->mu);
    if ((rc = set_load(&s, r->st, cluster)) < 0)
        return rc;
    pthread_mutex_lock(&r->mu);
    if (gen == r->gen) { /* nothing changed while loading: cache it */
        e = kp_calloc(1, sizeof(*e));
        e->cluster = kp_strdup(cluster);
        e->set = s;
        atomic_fetch_add(&s->refs, 1);
        e->next = r->head;
        r->head = e;
        if (++r->n > CRD_CACHE_MAX) { /* drop the oldest */
            for (pp = &r->head; (*pp)->next; pp = &(*pp)->next)
                ;
            e = *pp;
            *pp = NULL;
            r->n--;
        } else {
            e = NULL;
        }
    } else {
        e = NULL;
    }
    pthread_mutex_unlock(&r->mu);
    if (e)
        entry_free(e);
    *out = s;
    return 0;
}

/* ---- CRD admission ---- */

/* k8s IsDNS1035Label: [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 characters. */
static bool dns1035_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !(s[0] >= 'a' && s[0] <= 'z') || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

#define DNS1035_MSG                                                                                \
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "   \
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "           \
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

static void check_label(kp_crd_errs *errs, const char *field, const char *v)
{
    if (!v || !*v)
        kp_crd_errs_add(errs, field, "FieldValueRequired", "Required value");
    else if (!dns1035_label(v))
        kp_crd_errs_add(errs, field, "FieldValueInvalid", "Invalid value: \"%s\": %s", v,
                        DNS1035_MSG);
}

static void crd_defaults(json_t *crd)
{
    json_t *spec = kp_json_obj_ensure(crd, "spec");
    json_t *names = kp_json_obj_ensure(spec, "names");
    const char *kind = kp_json_get_str(names, "kind");
    json_t *v;
    size_t i;

    if (kind && !json_object_get(names, "singular")) {
        char *low = kp_strdup(kind);
        for (char *p = low; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        json_object_set_new(names, "singular", json_string(low));
        free(low);
    }
    if (kind && !json_object_get(names, "listKind")) {
        char *lk = kp_asprintf("%sList", kind);
        json_object_set_new(names, "listKind", json_string(lk));
        free(lk);
    }
    if (!json_object_get(spec, "conversion"))
        json_object_set_new(spec, "conversion", json_pack("{s:s}", "strategy", "None"));
    json_array_foreach(json_object_get(spec, "versions"), i, v)
    {
        if (json_is_object(v) && !json_object_get(v, "served"))
            json_object_set_new(v, "served", json_false());
        if (json_is_object(v) && !json_object_get(v, "storage"))
            json_object_set_new(v, "storage", json_false());
    }
}

static const char *const col_types[] = {"boolean", "date", "integer", "number", "string"};

static void check_version(kp_crd_errs *errs, const json_t *v, size_t i, json_t *seen)
{
    char f[160];
    const char *name = kp_json_get_str(v, "name");
    const json_t *schema = kp_json_get(v, "schema.openAPIV3Schema"), *pc, *c;
    const json_t *scale = kp_json_get(v, "subresources.scale");
    size_t k;

    snprintf(f, sizeof(f), "spec.versions[%zu].name", i);
    check_label(errs, f, name);
    if (name && json_object_get(seen, name))
        kp_crd_errs_add(errs, f, "FieldValueDuplicate", "Duplicate value: \"%s\"", name);
    else if (name)
        json_object_set_new(seen, name, json_true());
    snprintf(f, sizeof(f), "spec.versions[%zu].schema.openAPIV3Schema", i);
    if (!json_is_object(schema))
        kp_crd_errs_add(errs, f, "FieldValueRequired", "Required value: schemas are required");
    else
        kp_crd_schema_check(errs, schema, f);
    if (json_is_object(scale)) {
        const char *sp = kp_json_get_str(scale, "specReplicasPath");
        const char *stp = kp_json_get_str(scale, "statusReplicasPath");
        snprintf(f, sizeof(f), "spec.versions[%zu].subresources.scale.specReplicasPath", i);
        if (!sp || !*sp)
            kp_crd_errs_add(errs, f, "FieldValueRequired", "Required value");
        else if (strncmp(sp, ".spec.", 6) != 0)
            kp_crd_errs_add(errs, f, "FieldValueInvalid",
                            "Invalid value: \"%s\": should be a json path under .spec", sp);
        snprintf(f, sizeof(f), "spec.versions[%zu].subresources.scale.statusReplicasPath", i);
        if (!stp || !*stp)
            kp_crd_errs_add(errs, f, "FieldValueRequired", "Required value");
        else if (strncmp(stp, ".status.", 8) != 0)
            kp_crd_errs_add(errs, f, "FieldValueInvalid",
                            "Invalid value: \"%s\": should be a json path under .status", stp);
    }
    pc = json_object_get(v, "additionalPrinterColumns");
    json_array_foreach(pc, k, c)
    {
        const char *cn = kp_json_get_str(c, "name"), *ct = kp_json_get_str(c, "type");
        const char *jp = kp_json_get_str(c, "jsonPath");
        bool ok = false;
        snprintf(f, sizeof(f), "spec.versions[%zu].additionalPrinterColumns[%zu].name", i, k);
        if (!cn || !*cn)
            kp_crd_errs_add(errs, f, "FieldValueRequired", "Required value");
        snprintf(f, sizeof(f), "spec.versions[%zu].additionalPrinterColumns[%zu].type", i, k);
        for (size_t t = 0; ct && t < KP_ARRAY_LEN(col_types); t++)
            ok |= strcmp(ct, col_types[t]) == 0;
        if (!ok)
            kp_crd_errs_add(errs, f, "FieldValueNotSupported",
                            "Unsupported value: \"%s\": supported values: \"boolean\", \"date\", "
                            "\"integer\", \"number\", \"string\"",
                            ct ? ct : "");
        snprintf(f, sizeof(f), "spec.versions[%zu].additionalPrinterColumns[%zu].jsonPath", i, k);
        if (!jp || !*jp)
            kp_crd_errs_add(errs, f, "FieldValueRequired", "Required value");
    }
}

static void crd_validate(kp_crd_errs *errs, const json_t *crd, const json_t *old)
{
    const json_t *spec = json_object_get(crd, "spec"), *names = json_object_get(spec, "names");
    const char *name = kp_json_get_str(crd, "metadata.name");
    const char *group = kp_json_get_str(spec, "group"), *plural = kp_json_get_str(names, "plural");
    const char *scope = kp_json_get_str(spec, "scope"), *kind = kp_json_get_str(names, "kind");
    const char *strategy = kp_json_get_str(spec, "conversion.strategy");
    const json_t *vers = json_object_get(spec, "versions"), *v;
    json_t *seen = json_object();
    size_t i, nstorage = 0, nserved = 0;
    kp_buf why;

    kp_buf_init(&why, 4096);
    if (name && group && plural) {
        char *want = kp_asprintf("%s.%s", plural, group);
        if (strcmp(name, want) != 0)
            kp_crd_errs_add(errs, "metadata.name", "FieldValueInvalid",
                            "Invalid value: \"%s\": must be spec.names.plural+\".\"+spec.group",
                            name);
        free(want);
    }
    if (!group || !*group)
        kp_crd_errs_add(errs, "spec.group", "FieldValueRequired", "Required value");
    else if (!kp_validate_dns1123_subdomain(&why, kp_sv_from(group)))
        kp_crd_errs_add(errs, "spec.group", "FieldValueInvalid", "Invalid value: \"%s\": %s", group,
                        kp_buf_cstr(&why));
    else if (!strchr(group, '.'))
        kp_crd_errs_add(errs, "spec.group", "FieldValueInvalid",
                        "Invalid value: \"%s\": should be a domain with at least one dot", group);
    check_label(errs, "spec.names.plural", plural);
    if (kp_json_get_str(names, "singular"))
        check_label(errs, "spec.names.singular", kp_json_get_str(names, "singular"));
    if (!kind || !*kind)
        kp_crd_errs_add(errs, "spec.names.kind", "FieldValueRequired", "Required value");
    {
        const json_t *sn = json_object_get(names, "shortNames");
        json_array_foreach(sn, i, v)
        {
            char f[64];
            snprintf(f, sizeof(f), "spec.names.shortNames[%zu]", i);
            check_label(errs, f, json_string_value(v));
        }
    }
    if (!scope || !*scope)
        kp_crd_errs_add(errs, "spec.scope", "FieldValueRequired", "Required value");
    else if (strcmp(scope, "Namespaced") != 0 && strcmp(scope, "Cluster") != 0)
        kp_crd_errs_add(errs, "spec.scope", "FieldValueNotSupported",
                        "Unsupported value: \"%s\": supported values: \"Cluster\", \"Namespaced\"",
                        scope);
    else if (old && kp_json_get_str(old, "spec.scope") &&
             strcmp(scope, kp_json_get_str(old, "spec.scope")) != 0)
        kp_crd_errs_add(errs, "spec.scope", "FieldValueInvalid",
                        "Invalid value: \"%s\": field is immutable", scope);
    if (json_is_true(json_object_get(spec, "preserveUnknownFields")))
        kp_crd_errs_add(errs, "spec.preserveUnknownFields", "FieldValueInvalid",
                        "Invalid value: true: cannot set to true, set "
                        "x-kubernetes-preserve-unknown-fields to true in "
                        "spec.versions[*].schema instead");
    if (strategy && strcmp(strategy, "None") != 0)
        kp_crd_errs_add(errs, "spec.conversion.strategy", "FieldValueNotSupported",
                        "Unsupported value: \"%s\": supported values: \"None\" (kplane does not "
                        "call conversion webhooks)",
                        strategy);
    if (json_array_size(vers) == 0) {
        kp_crd_errs_add(errs, "spec.versions", "FieldValueRequired",
                        "Required value: must have exactly one version marked as storage version");
    } else {
        json_array_foreach(vers, i, v)
        {
            nstorage += json_is_true(json_object_get(v, "storage"));
            nserved += json_is_true(json_object_get(v, "served"));
            check_version(errs, v, i, seen);
        }
        if (nstorage != 1)
            kp_crd_errs_add(errs, "spec.versions", "FieldValueInvalid",
                            "Invalid value: %zu: must have exactly one version marked as storage "
                            "version",
                            nstorage);
        if (nserved == 0)
            kp_crd_errs_add(errs, "spec.versions", "FieldValueInvalid",
                            "Invalid value: 0: must have at least one version marked as served");
    }
    json_decref(seen);
    kp_buf_dispose(&why);
}

/* ---- names and conditions (k8s' naming and establishing controllers, done at admission) ---- */

static bool names_have(const json_t *names, const char *word)
{
    size_t i;
    json_t *v;
    const char *keys[] = {"plural", "singular", "kind", "listKind"};
    for (size_t k = 0; k < KP_ARRAY_LEN(keys); k++) {
        const char *s = kp_json_get_str(names, keys[k]);
        if (s && strcmp(s, word) == 0)
            return true;
    }
    json_array_foreach(json_object_get(names, "shortNames"), i, v)
    {
        if (json_string_value(v) && strcmp(json_string_value(v), word) == 0)
            return true;
    }
    return false;
}

static bool csv_has(const char *csv, const char *word)
{
    kp_sv in = kp_sv_from(csv ? csv : ""), f;
    while (in.len) {
        kp_sv_cut(&in, ',', &f);
        if (kp_sv_eq_str(f, word))
            return true;
    }
    return false;
}

/* Whether word is taken in group by a built-in resource (plural, singular, kind) or, in any
 * group, by a built-in short name (which `kubectl get <short>` would make ambiguous). */
static bool builtin_has(const char *group, const char *word, bool short_name)
{
    size_t n;
    const kp_schema_res *all = kp_schema_all(&n);
    for (size_t i = 0; i < n; i++) {
        const kp_schema_res *r = &all[i];
        if (csv_has(r->short_names, word) ||
            (short_name && (strcmp(r->resource, word) == 0 || strcmp(r->singular, word) == 0)))
            return true;
        if (strcmp(r->group, group) == 0 &&
            (strcmp(r->resource, word) == 0 || strcmp(r->kind, word) == 0 ||
             strcmp(r->singular, word) == 0))
            return true;
    }
    return false;
}

/* The first name of ours that another CRD of the group (by its accepted names) or a built-in
 * has: its condition reason, message; NULL when there is none. */
static const char *names_conflict(char msg[256], const json_t *crd, const json_t *others)
{
    const json_t *names = kp_json_get(crd, "spec.names");
    const char *group = kp_json_get_str(crd, "spec.group");
    const char *myname = kp_json_get_str(crd, "metadata.name");
    static const struct {
        const char *key, *reason;
    } checks[] = {{"plural", "PluralConflict"},
                  {"singular", "SingularConflict"},
                  {"kind", "KindConflict"},
                  {"listKind", "ListKindConflict"}};
    size_t i, k;
    json_t *o, *sn;

    for (k = 0; k < KP_ARRAY_LEN(checks); k++) {
        const char *w = kp_json_get_str(names, checks[k].key);
        if (!w)
            continue;
        json_array_foreach(others, i, o)
        {
            const char *on = kp_json_get_str(o, "metadata.name");
            const char *og = kp_json_get_str(o, "spec.group");
            if (on && myname && strcmp(on, myname) == 0)
                continue;
            if (og && group && strcmp(og, group) == 0 &&
                names_have(kp_json_get(o, "status.acceptedNames"), w)) {
                snprintf(msg, 256, "\"%s\" is already in use", w);
                return checks[k].reason;
            }
        }
        if (strcmp(checks[k].key, "listKind") != 0 && builtin_has(group ? group : "", w, false)) {
            snprintf(msg, 256, "\"%s\" is already in use", w);
            return checks[k].reason;
        }
    }
    json_array_foreach(json_object_get(names, "shortNames"), k, sn)
    {
        const char *w = json_string_value(sn);
        if (!w)
            continue;
        json_array_foreach(others, i, o)
        {
            const char *on = kp_json_get_str(o, "metadata.name");
            const char *og = kp_json_get_str(o, "spec.group");
            if ((on && myname && strcmp(on, myname) == 0) || !og || !group ||
                strcmp(og, group) != 0)
                continue;
            if (names_have(kp_json_get(o, "status.acceptedNames"), w)) {
                snprintf(msg, 256, "\"%s\" is already in use", w);
                return "ShortNamesConflict";
            }
        }
        if (builtin_has(group ? group : "", w, true)) {
            snprintf(msg, 256, "\"%s\" is already in use", w);
            return "ShortNamesConflict";
        }
    }
    return NULL;
}

static json_t *condition(const char *type, bool ok, const char *reason, const char *msg,
                         const char *now)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", ok ? "True" : "False",
                     "lastTransitionTime", now, "reason", reason, "message", msg);
}

static void crd_status(json_t *crd, const json_t *others)
{
    json_t *st = kp_json_obj_ensure(crd, "status"), *conds = json_array(), *stored;
    const json_t *names = kp_json_get(crd, "spec.names"), *v;
    char msg[256], now[32];
    const char *reason = names_conflict(msg, crd, others);
    const char *storage = NULL;
    time_t t = time(NULL);
    struct tm tm;
    size_t i;
    bool have = false;

    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (reason) {
        json_array_append_new(conds, condition("NamesAccepted", false, reason, msg, now));
        json_array_append_new(conds, condition("Established", false, "NotAccepted",
                                               "not all names are accepted", now));
        if (!json_object_get(st, "acceptedNames"))
            json_object_set_new(st, "acceptedNames",
                                json_pack("{s:s, s:s}", "plural", "", "kind", ""));
    } else {
        json_array_append_new(
            conds, condition("NamesAccepted", true, "NoConflicts", "no conflicts found", now));
        json_array_append_new(conds, condition("Established", true, "InitialNamesAccepted",
                                               "the initial names have been accepted", now));
        json_object_set_new(st, "acceptedNames", json_deep_copy(names));
    }
    /* keep the transition times of conditions whose status did not change */
    json_array_foreach(conds, i, v)
    {
        size_t k;
        json_t *oc;
        json_array_foreach(json_object_get(st, "conditions"), k, oc)
        {
            const char *ot = kp_json_get_str(oc, "type"), *os = kp_json_get_str(oc, "status");
            if (ot && os && strcmp(ot, kp_json_get_str(v, "type")) == 0 &&
                strcmp(os, kp_json_get_str(v, "status")) == 0 &&
                json_object_get(oc, "lastTransitionTime"))
                json_object_set((json_t *)v, "lastTransitionTime",
                                json_object_get(oc, "lastTransitionTime"));
        }
    }
    json_object_set_new(st, "conditions", conds);
    json_array_foreach(kp_json_get(crd, "spec.versions"), i, v)
    {
        if (json_is_true(json_object_get(v, "storage")))
            storage = kp_json_get_str(v, "name");
    }
    stored = json_object_get(st, "storedVersions");
    if (!json_is_array(stored)) {
        stored = json_array();
        json_object_set_new(st, "storedVersions", stored);
    }
    json_array_foreach(stored, i, v)
    {
        have |= storage && json_string_value(v) && strcmp(json_string_value(v), storage) == 0;
    }
    if (storage && !have)
        json_array_append_new(stored, json_string(storage));
}

int kp_crd_admit(kp_store *st, const char *cluster, json_t *crd, const json_t *old)
{
    kp_crd_errs errs;
    kp_store_list_opts o;
    json_t *others = NULL;
    int64_t rv;
    bool more;
    int rc;

    errs.n = 0;
    crd_defaults(crd);
    crd_validate(&errs, crd, old);
    if (errs.n)
        return kp_crd_errs_report(&errs, KP_CRD_QKIND, kp_json_get_str(crd, "metadata.name"));
    memset(&o, 0, sizeof(o));
    o.cluster = cluster;
    o.resource = KP_CRD_STORE_KEY;
    if ((rc = kp_store_list(&others, &rv, &more, st, &o)) < 0)
        return rc;
    crd_status(crd, others);
    json_decref(others);
    return 0;
}

/* k8s' naming controller requeues every CRD of a group when one changes: a CRD whose names
 * collided gets them once the other is gone. */
int kp_crd_recheck_group(kp_store *st, const char *cluster, const char *group)
{
    kp_store_list_opts o;
    json_t *all = NULL, *crd;
    int64_t rv;
    bool more;
    size_t i;
    int rc;

    memset(&o, 0, sizeof(o));
    o.cluster = cluster;
    o.resource = KP_CRD_STORE_KEY;
    if ((rc = kp_store_list(&all, &rv, &more, st, &o)) < 0)
        return rc;
    json_array_foreach(all, i, crd)
    {
        const char *g = kp_json_get_str(crd, "spec.group");
        json_t *next;
        if (!g || strcmp(g, group) != 0 || crd_condition_true(crd, "NamesAccepted") ||
            kp_json_get(crd, "metadata.deletionTimestamp"))
            continue;
        next = json_deep_copy(crd);
        crd_status(next, all);
        if (crd_condition_true(next, "NamesAccepted")) {
            kp_key k = {cluster, KP_CRD_STORE_KEY, "", kp_json_get_str(crd, "metadata.name")};
            json_t *stored = NULL;
            if (kp_store_replace(&stored, st, &k, next, crd) == 0) {
                json_array_set(all, i, stored); /* its names count for the next ones */
            } else {
                KP_LOG_WARN("crd", "cluster=%s crd=%s names not updated: %s", cluster, k.name,
                            kp_err_msg());
                kp_err_clear();
            }
            json_decref(stored);
        }
        json_decref(next);
    }
    json_decref(all);
    return 0;
}

/* ---- JSONPath (the subset printer columns use) ---- */

#define JP_MAX_RESULTS 64

static void jp_eval(json_t *out, const json_t *v, const char *p, int depth);

/* A filter [?(@.a.b=="x")] or [?(@.a)] on one array element. */
static bool jp_filter(const json_t *e, const char *expr, size_t len)
{
    char buf[256], *eq, *val;
    json_t *got;
    if (len >= sizeof(buf) || len < 2 || expr[0] != '@')
        return false;
    memcpy(buf, expr + 1, len - 1);
    buf[len - 1] = '\0';
    eq = strstr(buf, "==");
    if (!eq) {
        got = kp_crd_path_get(e, buf);
        return got && !json_is_false(got) && !json_is_null(got);
    }
    *eq = '\0';
    val = eq + 2;
    while (*val == ' ')
        val++;
    for (char *q = eq - 1; q >= buf && *q == ' '; q--)
        *q = '\0';
    got = kp_crd_path_get(e, buf);
    if (!got)
        return false;
    if (*val == '"' || *val == '\'') {
        size_t vl = strlen(val);
        char quote = *val;
        while (vl > 1 && val[vl - 1] == ' ')
            vl--;
        if (vl < 2 || val[vl - 1] != quote)
            return false;
        return json_is_string(got) && strlen(json_string_value(got)) == vl - 2 &&
               strncmp(json_string_value(got), val + 1, vl - 2) == 0;
    }
    {
        int64_t n;
        if (kp_parse_i64(&n, kp_sv_trim(kp_sv_from(val)), INT64_MIN, INT64_MAX) == 0)
            return json_is_integer(got) && json_integer_value(got) == n;
        kp_err_clear();
        if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0)
            return json_is_boolean(got) && json_is_true(got) == (strcmp(val, "true") == 0);
    }
    return false;
}

static void jp_eval(json_t *out, const json_t *v, const char *p, int depth)
{
    if (!v || depth > 64 || json_array_size(out) >= JP_MAX_RESULTS)
        return;
    if (*p == '\0') {
        json_array_append(out, (json_t *)v);
        return;
    }
    if (*p == '.') {
        const char *end = p + 1;
        char key[256];
        size_t n;
        while (*end && *end != '.' && *end != '[')
            end++;
        n = (size_t)(end - p - 1);
        if (n == 0 || n >= sizeof(key))
            return;
        memcpy(key, p + 1, n);
        key[n] = '\0';
        if (strcmp(key, "*") == 0) {
            const char *k;
            json_t *cv;
            json_object_foreach((json_t *)v, k, cv)
            {
                jp_eval(out, cv, end, depth + 1);
            }
            return;
        }
        jp_eval(out, json_object_get(v, key), end, depth + 1);
        return;
    }
    if (*p == '[') {
        const char *close;
        if (p[1] == '?' && p[2] == '(') {
            const char *endf = strstr(p, ")]");
            size_t i;
            json_t *e;
            if (!endf || !json_is_array(v))
                return;
            json_array_foreach(v, i, e)
            {
                if (jp_filter(e, p + 3, (size_t)(endf - p - 3)))
                    jp_eval(out, e, endf + 2, depth + 1);
            }
            return;
        }
        close = strchr(p, ']');
        if (!close || !json_is_array(v))
            return;
        if (close == p + 2 && p[1] == '*') {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                jp_eval(out, e, close + 1, depth + 1);
            }
            return;
        }
        {
            int64_t idx;
            if (kp_parse_i64(&idx, (kp_sv){p + 1, (size_t)(close - p - 1)}, -100000, 100000) < 0) {
                kp_err_clear();
                return;
            }
            if (idx < 0)
                idx += (int64_t)json_array_size(v);
            if (idx >= 0)
                jp_eval(out, json_array_get(v, (size_t)idx), close + 1, depth + 1);
        }
    }
}

json_t *kp_crd_jsonpath(const json_t *obj, const char *path)
{
    json_t *res = json_array(), *out = NULL;
    char buf[1024];
    size_t n = strlen(path);

    if (n >= 2 && path[0] == '{' && path[n - 1] == '}' && n - 2 < sizeof(buf)) {
        memcpy(buf, path + 1, n - 2);
        buf[n - 2] = '\0';
        path = buf;
    }
    jp_eval(res, obj, path, 0);
    if (json_array_size(res) == 1) {
        out = json_incref(json_array_get(res, 0));
    } else if (json_array_size(res) > 1) {
        kp_buf b;
        size_t i;
        json_t *v;
        kp_buf_init(&b, 8192);
        json_array_foreach(res, i, v)
        {
            if (i)
                kp_buf_putc(&b, ',');
            if (json_is_string(v))
                kp_buf_puts(&b, json_string_value(v));
            else
                kp_json_dump_buf(&b, v);
        }
        if (b.err)
            b.err = 0;
        out = json_string(kp_buf_cstr(&b));
        kp_buf_dispose(&b);
    }
    json_decref(res);
    return out;
}

json_t *kp_crd_path_get(const json_t *obj, const char *path)
{
    char key[256];
    const json_t *v = obj;
    while (v && *path) {
        const char *end;
        size_t n;
        if (*path == '.')
            path++;
        end = path;
        while (*end && *end != '.')
            end++;
        n = (size_t)(end - path);
        if (n == 0 || n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path = end;
    }
    return (json_t *)v;
}

void kp_crd_path_set(json_t *obj, const char *path, json_t *value)
{
    char key[256];
    json_t *v = obj;
    while (*path) {
        const char *end;
        size_t n;
        if (*path == '.')
            path++;
        end = path;
        while (*end && *end != '.')
            end++;
        n = (size_t)(end - path);
        if (n == 0 || n >= sizeof(key) || !json_is_object(v))
            break;
        memcpy(key, path, n);
        key[n] = '\0';
        if (*end == '\0') {
            json_object_set_new(v, key, value);
            return;
        }
        v = kp_json_obj_ensure(v, key);
        path = end;
    }
    json_decref(value);
}
