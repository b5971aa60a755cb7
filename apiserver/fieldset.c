#include "lib/common.h"
#include "apiserver/fieldset.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/limits.h"

/* Field sets as FieldsV1 trees. Every set handed out is normalized: a leaf is {} and "." marks
 * only a member with children ({".":{}} never stays). The walks over objects build that form
 * directly (they run on every write); the set operations mark members with "." as they go and
 * normalize once at the end. Readers accept both forms. */

#define FS_PATH_MAX (KP_JSON_DEPTH_MAX + 2)

static const char FS_SELF[] = ".";

static bool fs_is_member(const json_t *n)
{
    return json_object_size(n) == 0 || json_object_get(n, FS_SELF) != NULL;
}

static void fs_mark(json_t *n)
{
    json_object_set_new(n, FS_SELF, json_object());
}

/* {".":{}} -> {} all the way down. */
static void fs_normalize(json_t *n)
{
    const char *k;
    json_t *v;

    json_object_foreach(n, k, v)
    {
        if (strcmp(k, FS_SELF) == 0)
            continue;
        fs_normalize(v);
        if (json_object_size(v) == 1 && json_object_get(v, FS_SELF))
            json_object_del(v, FS_SELF);
    }
}

/* The child node for prefix + name ("f:" "spec"), created when absent; borrowed from n. */
static json_t *fs_child(json_t *n, const char *prefix, const char *name, size_t len)
{
    char stack[256], *key = stack;
    size_t plen = strlen(prefix);
    json_t *c;

    if (plen + len + 1 > sizeof(stack))
        key = kp_malloc(plen + len + 1);
    memcpy(key, prefix, plen);
    memcpy(key + plen, name, len);
    key[plen + len] = '\0';
    c = json_object_get(n, key);
    if (!c) {
        c = json_object();
        json_object_set_new(n, key, c);
    }
    if (key != stack)
        free(key);
    return c;
}

/* Drops child prefix + name of n. */
static void fs_drop(json_t *n, const char *prefix, const char *name, size_t len)
{
    char stack[256], *key = stack;
    size_t plen = strlen(prefix);

    if (plen + len + 1 > sizeof(stack))
        key = kp_malloc(plen + len + 1);
    memcpy(key, prefix, plen);
    memcpy(key + plen, name, len);
    key[plen + len] = '\0';
    json_object_del(n, key);
    if (key != stack)
        free(key);
}

/* ---- parsing FieldsV1 from clients ---- */

static int fs_parse_node(const json_t *n, int depth)
{
    const char *k;
    json_t *v;

    if (!json_is_object(n))
        return kp_err_set(KP_EINVALID, "fieldsV1: every value must be an object");
    if (depth > KP_JSON_DEPTH_MAX)
        return kp_err_set(KP_EINVALID, "fieldsV1: nested deeper than %d levels", KP_JSON_DEPTH_MAX);
    json_object_foreach((json_t *)n, k, v)
    {
        size_t len = strlen(k);
        json_t *parsed = NULL;
        int rc = 0;

        if (strcmp(k, FS_SELF) == 0) {
            if (!json_is_object(v) || json_object_size(v) != 0)
                return kp_err_set(KP_EINVALID, "fieldsV1: \".\" must map to {}");
            continue;
        }
        if (len < 2 || k[1] != ':')
            return kp_err_set(KP_EINVALID, "fieldsV1: key \"%.64s\" has no f:, k:, v: or i: prefix",
                              k);
        switch (k[0]) {
        case 'f':
            break;
        case 'k':
        case 'v': /* jansson directly: a set value may be a scalar */
            parsed = json_loadb(k + 2, len - 2, JSON_DECODE_ANY, NULL);
            if (!parsed || (k[0] == 'k' && !json_is_object(parsed)))
                rc = -1;
            break;
        case 'i': {
            int64_t idx;
            rc = kp_parse_i64(&idx, (kp_sv){k + 2, len - 2}, 0, INT32_MAX);
            break;
        }
        default:
            rc = -1;
            break;
        }
        json_decref(parsed);
        if (rc < 0)
            return kp_err_set(KP_EINVALID, "fieldsV1: invalid key \"%.64s\"", k);
        if ((rc = fs_parse_node(v, depth + 1)) < 0)
            return rc;
    }
    return 0;
}

int kp_fieldset_parse(json_t **out, const json_t *fields)
{
    json_t *copy;
    int rc;

    *out = NULL;
    if ((rc = fs_parse_node(fields, 0)) < 0)
        return rc;
    copy = json_deep_copy(fields);
    json_object_del(copy, FS_SELF); /* the root is never a member */
    fs_normalize(copy);
    *out = copy;
    return 0;
}

/* ---- the fields of an object ---- */

typedef struct {
    const kp_ftypes *ft;
    kp_sv path[FS_PATH_MAX];
    size_t depth;
    bool strict; /* an applied configuration: unreadable list keys are errors */
    bool added;  /* a comparison: the objects walked are new, so added maps are members */
    int rc;
    kp_buf kb; /* item keys; each use is done before the walk descends */
} fs_walk;

static void fs_type(kp_field_type *t, const fs_walk *w)
{
    memset(t, 0, sizeof(*t));
    if (w->ft && w->ft->at)
        w->ft->at(t, w->ft->ctx, w->path, w->depth);
}

static bool fs_push(fs_walk *w, const char *k, size_t len)
{
    if (w->depth >= FS_PATH_MAX)
        return false;
    w->path[w->depth++] = (kp_sv){k, len};
    return true;
}

/* Appends v as compact JSON; small values go through a stack buffer. */
static void fs_put_json(kp_buf *b, const json_t *v)
{
    char stack[256];
    size_t n = json_dumpb(v, stack, sizeof(stack), JSON_COMPACT | JSON_ENCODE_ANY);

    if (n <= sizeof(stack)) {
        kp_buf_put(b, stack, n);
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        kp_buf_puts(b, s ? s : "null");
        free(s);
    }
}

static int fs_sv_cmp(kp_sv a, kp_sv b)
{
    int c = memcmp(a.p, b.p, a.len < b.len ? a.len : b.len);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

bool kp_fieldset_item_key(kp_buf *b, const kp_field_type *t, const json_t *item)
{
    size_t order[KP_FT_KEYS_MAX], n = 0;

    kp_buf_reset(b);
    if (t->kind == KP_FT_SET) {
        if (json_is_object(item) || json_is_array(item))
            return false;
        kp_buf_puts(b, "v:");
        fs_put_json(b, item);
        return !b->err;
    }
    if (!json_is_object(item) || t->nkeys > KP_FT_KEYS_MAX)
        return false;
    /* structured-merge-diff's FieldList is sorted by name */
    for (size_t i = 0; i < t->nkeys; i++) {
        size_t j = i;
        for (; j > 0 && fs_sv_cmp(t->keys[order[j - 1]], t->keys[i]) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    kp_buf_puts(b, "k:{");
    for (size_t i = 0; i < t->nkeys; i++) {
        size_t k = order[i];
        const json_t *v = json_object_getn(item, t->keys[k].p, t->keys[k].len);
        if ((!v || json_is_null(v)) && !t->defaults[k])
            continue;
        if (n++)
            kp_buf_putc(b, ',');
        kp_buf_putc(b, '"');
        kp_buf_put_sv(b, t->keys[k]); /* names from a schema: nothing to escape */
        kp_buf_puts(b, "\":");
        if (v && !json_is_null(v)) {
            fs_put_json(b, v);
        } else {
            kp_buf_putc(b, '"');
            kp_buf_puts(b, t->defaults[k]);
            kp_buf_putc(b, '"');
        }
    }
    kp_buf_putc(b, '}');
    return n > 0 && !b->err;
}

static void fs_obj(fs_walk *w, const json_t *obj, json_t *node);

/* A list item's node: a member ("." first, as Kubernetes writes it), with the item's fields. */
static void fs_item(fs_walk *w, const kp_field_type *t, const json_t *e, json_t *item)
{
    fs_mark(item);
    if (t->kind == KP_FT_MAP)
        fs_obj(w, e, item);
    if (json_object_size(item) == 1)
        json_object_del(item, FS_SELF); /* no fields: the leaf {} */
}

static void fs_list_error(fs_walk *w, const kp_field_type *t, const char *dup)
{
    if (!w->strict || w->rc < 0)
        return;
    if (dup)
        w->rc = kp_err_set(KP_EINVALID, ".%.*s: duplicate entries for key %s",
                           KP_SV_ARG(w->path[w->depth - 1]), dup + 2);
    else
        w->rc = kp_err_set(KP_EINVALID,
                           ".%.*s: associative list with keys has an element that omits key "
                           "field \"%.*s\"",
                           KP_SV_ARG(w->path[w->depth - 1]),
                           KP_SV_ARG(t->kind == KP_FT_MAP ? t->keys[0] : KP_SV_LIT("value")));
}

/* The items of a keyed or set list into node (the list's), in one pass. False when an item
 * cannot be named or repeats a key: node then holds some items and the caller owns the list
 * whole instead. */
static bool fs_list_items(fs_walk *w, const kp_field_type *t, const json_t *list, json_t *node)
{
    json_t *e;
    size_t i;

    json_array_foreach(list, i, e)
    {
        json_t *item;
        if (!kp_fieldset_item_key(&w->kb, t, e)) {
            fs_list_error(w, t, NULL);
            return false;
        }
        if (json_object_get(node, kp_buf_cstr(&w->kb))) {
            fs_list_error(w, t, kp_buf_cstr(&w->kb));
            return false;
        }
        item = json_object();
        json_object_set_new(node, kp_buf_cstr(&w->kb), item);
        fs_item(w, t, e, item);
    }
    return true;
}

/* A keyed or set list by key (values borrowed from list), or NULL when an item cannot be
 * named or a key repeats. */
static json_t *fs_index(fs_walk *w, const kp_field_type *t, const json_t *list)
{
    json_t *idx = json_object(), *e;
    size_t i;

    json_array_foreach(list, i, e)
    {
        if (!kp_fieldset_item_key(&w->kb, t, e) || json_object_get(idx, kp_buf_cstr(&w->kb))) {
            json_decref(idx);
            return NULL;
        }
        json_object_set(idx, kp_buf_cstr(&w->kb), e);
    }
    return idx;
}

/* The fields of value v into node (the value's own node, already created and empty); the
 * current path is v's. Returns whether node is to be kept: a leaf (left {}), or a node that got
 * children. */
static bool fs_value(fs_walk *w, const json_t *v, json_t *node)
{
    kp_field_type t;

    if (json_is_object(v)) {
        if (json_object_size(v) == 0 || w->depth >= FS_PATH_MAX)
            return true;
        fs_type(&t, w);
        if (t.kind == KP_FT_ATOMIC)
            return true;
        if (t.kind == KP_FT_DICT && w->added)
            fs_mark(node); /* k8s: a map a write adds is a member ("." first) */
        fs_obj(w, v, node);
        return json_object_size(node) > 0;
    }
    if (json_is_array(v)) {
        fs_type(&t, w);
        if ((t.kind != KP_FT_MAP && t.kind != KP_FT_SET) || !fs_list_items(w, &t, v, node)) {
            json_object_clear(node); /* atomic, or items that cannot be named: owned whole */
            return true;
        }
        return json_object_size(node) > 0;
    }
    return true;
}

static void fs_obj(fs_walk *w, const json_t *obj, json_t *node)
{
    const char *k;
    size_t klen;
    json_t *v;

    json_object_keylen_foreach((json_t *)obj, k, klen, v)
    {
        json_t *c;
        bool keep;
        if (w->added && json_is_null(v))
            continue; /* k8s: a null in a typed object is no field ("creationTimestamp": null) */
        c = fs_child(node, "f:", k, klen);
        if (!fs_push(w, k, klen))
            continue; /* past the nesting cap: a leaf */
        keep = fs_value(w, v, c);
        w->depth--;
        if (!keep)
            fs_drop(node, "f:", k, klen);
    }
}

int kp_fieldset_of(json_t **out, const json_t *obj, const kp_ftypes *ft)
{
    fs_walk *w = kp_calloc(1, sizeof(*w));
    json_t *set = json_object();
    int rc;

    w->ft = ft;
    w->strict = true;
    kp_buf_init(&w->kb, KP_OBJECT_MAX);
    if (json_is_object(obj))
        fs_obj(w, obj, set);
    rc = w->rc;
    kp_buf_dispose(&w->kb);
    free(w);
    if (rc < 0) {
        json_decref(set);
        *out = NULL;
        return rc;
    }
    *out = set;
    return 0;
}

/* ---- comparing two objects ---- */

static void fs_cmp_obj(fs_walk *w, const json_t *o, const json_t *n, json_t *ch, json_t *rm);

/* Items of two keyed or set lists (oi, ni: fs_index), matched by key. */
static void fs_cmp_items(fs_walk *w, const kp_field_type *t, const json_t *oi, const json_t *ni,
                         json_t *ch, json_t *rm)
{
    const char *key;
    json_t *e;

    json_object_foreach((json_t *)ni, key, e)
    {
        json_t *oe = json_object_get(oi, key);
        if (!oe) {
            json_t *item = json_object();
            json_object_set_new(ch, key, item);
            fs_item(w, t, e, item);
        } else if (t->kind == KP_FT_MAP) {
            json_t *ci = json_object(), *ri = json_object();
            fs_cmp_obj(w, oe, e, ci, ri);
            if (json_object_size(ci))
                json_object_set(ch, key, ci);
            if (json_object_size(ri))
                json_object_set(rm, key, ri);
            json_decref(ci);
            json_decref(ri);
        }
    }
    json_object_foreach((json_t *)oi, key, e)
    {
        json_t *item;
        if (json_object_get(ni, key))
            continue;
        item = json_object();
        json_object_set_new(rm, key, item);
        fs_item(w, t, e, item);
    }
}

/* Field k (current path) from ov to nv; ov or nv may be NULL. Nodes are made only for what
 * differs: most fields of an update are equal scalars. */
static void fs_cmp_field(fs_walk *w, const json_t *ov, const json_t *nv, json_t *ch, json_t *rm,
                         const char *k, size_t klen)
{
    bool ocont = json_is_object(ov) || json_is_array(ov);
    bool ncont = json_is_object(nv) || json_is_array(nv);
    json_t *cc = NULL, *rc = NULL, *oi = NULL, *ni = NULL;
    bool ckeep = false, rkeep = false;
    kp_field_type t;

    ov = json_is_null(ov) ? NULL : ov; /* k8s: a null in a typed object is no field */
    nv = json_is_null(nv) ? NULL : nv;
    if (!ov && !nv)
        return;
    if (ov && nv && !ocont && !ncont) { /* two scalars */
        if (!json_equal((json_t *)ov, (json_t *)nv))
            fs_child(ch, "f:", k, klen); /* a changed leaf */
        return;
    }
    memset(&t, 0, sizeof(t));
    if (ncont && w->depth < FS_PATH_MAX)
        fs_type(&t, w);
    cc = fs_child(ch, "f:", k, klen);
    rc = fs_child(rm, "f:", k, klen);
    if (!ov) {
        ckeep = fs_value(w, nv, cc);
    } else if (!nv) {
        rkeep = fs_value(w, ov, rc);
    } else if (json_is_object(ov) && json_is_object(nv) && w->depth < FS_PATH_MAX &&
               t.kind != KP_FT_ATOMIC) {
        fs_cmp_obj(w, ov, nv, cc, rc);
        ckeep = json_object_size(cc) > 0;
        rkeep = json_object_size(rc) > 0;
    } else if (json_is_array(ov) && json_is_array(nv) &&
               (t.kind == KP_FT_MAP || t.kind == KP_FT_SET) && (oi = fs_index(w, &t, ov)) &&
               (ni = fs_index(w, &t, nv))) {
        fs_cmp_items(w, &t, oi, ni, cc, rc);
        ckeep = json_object_size(cc) > 0;
        rkeep = json_object_size(rc) > 0;
    } else if (!json_equal((json_t *)ov, (json_t *)nv)) {
        if (json_is_object(ov) != json_is_object(nv) || json_is_array(ov) != json_is_array(nv)) {
            rkeep = fs_value(w, ov, rc); /* another type: the old fields go, the new ones come */
            ckeep = fs_value(w, nv, cc);
        } else {
            ckeep = true; /* an atomic value that changed: a leaf */
        }
    }
    json_decref(oi);
    json_decref(ni);
    if (!ckeep)
        fs_drop(ch, "f:", k, klen);
    if (!rkeep)
        fs_drop(rm, "f:", k, klen);
}

static void fs_cmp_obj(fs_walk *w, const json_t *o, const json_t *n, json_t *ch, json_t *rm)
{
    const char *k;
    size_t klen;
    json_t *v;

    json_object_keylen_foreach((json_t *)n, k, klen, v)
    {
        if (!fs_push(w, k, klen))
            continue;
        fs_cmp_field(w, json_object_getn(o, k, klen), v, ch, rm, k, klen);
        w->depth--;
    }
    json_object_keylen_foreach((json_t *)o, k, klen, v)
    {
        if (json_object_getn(n, k, klen) || !fs_push(w, k, klen))
            continue;
        fs_cmp_field(w, v, NULL, ch, rm, k, klen);
        w->depth--;
    }
}

void kp_fieldset_compare(json_t **changed, json_t **removed, const json_t *old, const json_t *new,
                         const kp_ftypes *ft)
{
    fs_walk *w = kp_calloc(1, sizeof(*w));
    json_t *ch = json_object(), *rm = json_object();

    w->ft = ft;
    w->added = true;
    kp_buf_init(&w->kb, KP_OBJECT_MAX);
    if (!json_is_object(old))
        old = NULL;
    if (!json_is_object(new))
        new = NULL;
    if (old && new)
        fs_cmp_obj(w, old, new, ch, rm);
    else if (new)
        fs_obj(w, new, ch);
    else if (old)
        fs_obj(w, old, rm);
    kp_buf_dispose(&w->kb);
    free(w); /* not strict: lists whose keys cannot be read were compared whole */
    *changed = ch;
    *removed = rm;
}

/* ---- set operations ---- */

static void fs_union_node(json_t *dst, const json_t *src, bool root)
{
    const char *k;
    json_t *sc;

    if (!root && json_object_size(dst) == 0)
        fs_mark(dst); /* a leaf about to get children stays a member */
    if (!root && fs_is_member(src))
        fs_mark(dst);
    json_object_foreach((json_t *)src, k, sc)
    {
        json_t *dc;
        if (strcmp(k, FS_SELF) == 0)
            continue;
        dc = json_object_get(dst, k);
        if (!dc)
            json_object_set_new(dst, k, json_deep_copy(sc));
        else
            fs_union_node(dc, sc, false);
    }
}

void kp_fieldset_union(json_t *dst, const json_t *src)
{
    fs_union_node(dst, src, true);
    fs_normalize(dst);
}

/* NULL when nothing is left. */
static json_t *fs_diff_node(const json_t *a, const json_t *b, bool root)
{
    json_t *out = json_object(), *ac;
    bool member = !root && fs_is_member(a) && !(b && fs_is_member(b));
    const char *k;

    json_object_foreach((json_t *)a, k, ac)
    {
        json_t *bc, *sub;
        if (strcmp(k, FS_SELF) == 0)
            continue;
        bc = b ? json_object_get(b, k) : NULL;
        sub = bc ? fs_diff_node(ac, bc, false) : json_deep_copy(ac);
        if (sub)
            json_object_set_new(out, k, sub);
    }
    if (member)
        fs_mark(out);
    if (!root && json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *kp_fieldset_diff(const json_t *a, const json_t *b)
{
    json_t *out = fs_diff_node(a, b, true);
    fs_normalize(out);
    return out;
}

static json_t *fs_inter_node(const json_t *a, const json_t *b, bool root)
{
    json_t *out = json_object(), *ac;
    bool member = !root && fs_is_member(a) && fs_is_member(b);
    const char *k;

    json_object_foreach((json_t *)a, k, ac)
    {
        json_t *bc, *sub;
        if (strcmp(k, FS_SELF) == 0 || !(bc = json_object_get(b, k)))
            continue;
        if ((sub = fs_inter_node(ac, bc, false)))
            json_object_set_new(out, k, sub);
    }
    if (member)
        fs_mark(out);
    if (!root && json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *kp_fieldset_inter(const json_t *a, const json_t *b)
{
    json_t *out = fs_inter_node(a, b, true);
    fs_normalize(out);
    return out;
}

void kp_fieldset_strip(json_t *s, const json_t *strip)
{
    const char *k;
    json_t *sc;
    void *tmp;

    json_object_foreach_safe(s, tmp, k, sc)
    {
        const json_t *st = json_object_get(strip, k);
        if (!st || strcmp(k, FS_SELF) == 0)
            continue;
        if (fs_is_member(st)) {
            json_object_del(s, k);
            continue;
        }
        if (json_object_size(sc) == 0)
            continue; /* a leaf: nothing below it to strip */
        kp_fieldset_strip(sc, st);
        /* a map whose every field was stripped goes too, marked or not: it held only what
         * nobody owns (the annotations map kplane alone writes to) */
        if (json_object_size(sc) == 0 ||
            (json_object_size(sc) == 1 && json_object_get(sc, FS_SELF)))
            json_object_del(s, k);
    }
}

bool kp_fieldset_empty(const json_t *s)
{
    return json_object_size(s) == 0;
}

/* ---- paths as text ---- */

static void fs_path_elem(kp_buf *b, const char *k)
{
    json_t *v = NULL;

    if (k[0] == 'f') {
        kp_buf_appendf(b, ".%s", k + 2);
    } else if (k[0] == 'i') {
        kp_buf_appendf(b, "[%s]", k + 2);
    } else if ((v = json_loadb(k + 2, strlen(k + 2), JSON_DECODE_ANY, NULL)) != NULL) {
        if (k[0] == 'k' && json_is_object(v)) {
            const char *name;
            json_t *kv;
            bool first = true;
            kp_buf_putc(b, '[');
            json_object_foreach(v, name, kv)
            {
                char *s = json_dumps(kv, JSON_COMPACT | JSON_ENCODE_ANY);
                kp_buf_appendf(b, "%s%s=%s", first ? "" : ",", name, s);
                free(s);
                first = false;
            }
            kp_buf_putc(b, ']');
        } else {
            kp_buf_appendf(b, "[=%s]", k + 2);
        }
    } else {
        kp_buf_appendf(b, "[%s]", k);
    }
    json_decref(v);
}

static bool fs_each_node(const json_t *n, kp_buf *b, bool root,
                         bool (*fn)(const char *path, void *arg), void *arg)
{
    const char *k;
    json_t *c;

    if (!root && fs_is_member(n) && !fn(kp_buf_cstr(b), arg))
        return false;
    json_object_foreach((json_t *)n, k, c)
    {
        size_t mark = b->len;
        bool go;
        if (strcmp(k, FS_SELF) == 0)
            continue;
        fs_path_elem(b, k);
        go = fs_each_node(c, b, false, fn, arg);
        b->len = mark;
        if (b->p)
            b->p[mark] = '\0';
        if (!go)
            return false;
    }
    return true;
}

void kp_fieldset_each(const json_t *s, bool (*fn)(const char *path, void *arg), void *arg)
{
    kp_buf b;
    kp_buf_init(&b, 64 * 1024);
    fs_each_node(s, &b, true, fn, arg);
    kp_buf_dispose(&b);
}
