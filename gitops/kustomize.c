#include "lib/common.h"
#include "gitops/gitops_int.h"
#include "gitops/render.h"
#include "apiserver/patch.h"
#include "apiserver/schema.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/mem.h"
#include "lib/yaml.h"

/* kplane's kustomize subset, in kustomize's order: resources (files and directories, a
 * directory with its own kustomization built recursively), configMapGenerator and
 * secretGenerator (hash suffix as kustomize computes it), patches (strategic merge or JSON 6902,
 * patchesStrategicMerge and patchesJson6902 too), then namespace, namePrefix/nameSuffix,
 * labels/commonLabels, commonAnnotations and images; renamed ConfigMaps and Secrets are renamed
 * where pod specs refer to them. Any other field is an error naming it: never ignored. */

static const char *const kust_fields[] = {
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "labels",
    "commonLabels",
    "commonAnnotations",
    "images",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
};

typedef struct {
    const kp_render_files *fs;
    const char *dir;
    const char *kfile; /* the kustomization's path, for messages */
    json_t *items;     /* this level's objects: {file, index, object} */
    json_t *renames;   /* "ConfigMap/<old>" -> new name */
} kust;

/* A problem of the kustomization (the message says which field). */
#define KERR(k, ...)                                                                               \
    (kp_err_set(KP_EINVALID, __VA_ARGS__),                                                         \
     kp_err_set(KP_EINVALID, "%s: %s", (k)->kfile, kp_err_msg()))

static json_t *strlist(const kust *k, const json_t *kz, const char *field, int *rc)
{
    json_t *v = json_object_get(kz, field);
    size_t i;
    json_t *e;
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        *rc = KERR(k, "field \"%s\" must be a list", field);
        return NULL;
    }
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e)) {
            *rc = KERR(k, "field \"%s\" entry %zu must be a string", field, i + 1);
            return NULL;
        }
    }
    return v;
}

/* ---- resources ---- */

static int kust_resources(kust *k, const json_t *kz, int depth)
{
    int rc = 0;
    json_t *res = strlist(k, kz, "resources", &rc);
    size_t i;
    json_t *e;

    if (rc < 0 || !res)
        return rc;
    json_array_foreach(res, i, e)
    {
        const char *rel = json_string_value(e);
        char *p;
        const kp_render_file *f;
        if (strstr(rel, "://") || strncmp(rel, "github.com/", 11) == 0)
            return KERR(k, "resources: \"%s\": remote resources are not supported", rel);
        if (!(p = kp_render_join(k->dir, rel)))
            return KERR(k, "resources: \"%s\" leaves the repository", rel);
        if ((f = kp_render_files_get(k->fs, p))) {
            rc = kp_render_file_docs(k->items, f);
        } else if (kp_kustomize_file(k->fs, p)) {
            rc = kp_kustomize_build(k->items, k->fs, p, depth + 1);
        } else {
            size_t pl = strlen(p);
            bool any = false;
            for (size_t j = 0; j < k->fs->n; j++)
                any = any || (strncmp(k->fs->v[j].path, p, pl) == 0 &&
                              (pl == 0 || k->fs->v[j].path[pl] == '/'));
            if (!any) {
                rc = KERR(k, "resources: \"%s\" is neither a file nor a directory", rel);
            } else {
                rc = kp_render_dir(k->items, k->fs, p, depth + 1);
            }
        }
        free(p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- generators ---- */

/* kustomize's hash suffix: sha256 of the JSON of {data, kind, name} (+ binaryData, + type for
 * Secrets; keys sorted), hex, its first 10 characters with 0 1 3 a e mapped to g h k m t. */
static void kust_hash_suffix(char out[11], const json_t *obj)
{
    json_t *m = json_object();
    char *text;
    uint8_t h[32];
    static const char hex[] = "0123456789abcdef";

    json_object_set(m, "kind", json_object_get(obj, "kind"));
    json_object_set(m, "name", kp_json_get(obj, "metadata.name"));
    json_object_set_new(m, "data", json_deep_copy(json_object_get(obj, "data")));
    if (!json_object_get(m, "data") || json_is_null(json_object_get(m, "data")))
        json_object_set_new(m, "data", json_object());
    if (json_object_get(obj, "type"))
        json_object_set(m, "type", json_object_get(obj, "type"));
    text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    kp_crypto_sha256(h, text, strlen(text));
    for (int i = 0; i < 10; i++) {
        char c = hex[(h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
        switch (c) {
        case '0':
            c = 'g';
            break;
        case '1':
            c = 'h';
            break;
        case '3':
            c = 'k';
            break;
        case 'a':
            c = 'm';
            break;
        case 'e':
            c = 't';
            break;
        default:
            break;
        }
        out[i] = c;
    }
    out[10] = '\0';
    free(text);
    json_decref(m);
}

static void put_value(json_t *data, bool secret, const char *key, const char *v, size_t len)
{
    if (secret) {
        kp_buf b;
        kp_buf_init(&b, KP_RENDER_BYTES_MAX);
        kp_crypto_base64_encode(&b, v, len);
        json_object_set_new(data, key, json_string(kp_buf_cstr(&b)));
        kp_buf_dispose(&b);
    } else {
        json_object_set_new(data, key, json_stringn(v, len));
    }
}

static int kust_generator(kust *k, const json_t *g, bool secret, const json_t *gopts)
{
    const char *name = json_string_value(json_object_get(g, "name"));
    const char *field = secret ? "secretGenerator" : "configMapGenerator";
    json_t *obj, *data = NULL, *v;
    const char *key;
    size_t i;
    json_t *e;
    bool nohash = json_is_true(json_object_get(gopts, "disableNameSuffixHash"));
    const json_t *opts = json_object_get(g, "options");
    int rc = 0;

    if (!name)
        return KERR(k, "%s: an entry has no name", field);
    data = json_object();
    json_object_foreach((json_t *)g, key, v)
    {
        if (strcmp(key, "name") && strcmp(key, "namespace") && strcmp(key, "literals") &&
            strcmp(key, "files") && strcmp(key, "envs") && strcmp(key, "options") &&
            strcmp(key, "behavior") && strcmp(key, "type")) {
            json_decref(data);
            return KERR(k, "%s \"%s\": field \"%s\" is not supported", field, name, key);
        }
    }
    if (json_object_get(g, "behavior") && !go_str_is(json_object_get(g, "behavior"), "create")) {
        json_decref(data);
        return KERR(k, "%s \"%s\": only behavior \"create\" is supported", field, name);
    }
    json_array_foreach(json_object_get(g, "literals"), i, e)
    {
        const char *s = json_string_value(e), *eq = s ? strchr(s, '=') : NULL;
        char *kk;
        if (!eq) {
            json_decref(data);
            return KERR(k, "%s \"%s\": literal %zu is not KEY=VALUE", field, name, i + 1);
        }
        kk = kp_strndup(s, (size_t)(eq - s));
        put_value(data, secret, kk, eq + 1, strlen(eq + 1));
        free(kk);
    }
    json_array_foreach(json_object_get(g, "files"), i, e)
    {
        const char *s = json_string_value(e), *eq, *rel, *slash;
        char *kk, *p;
        const kp_render_file *f;
        if (!s)
            continue;
        eq = strchr(s, '=');
        rel = eq ? eq + 1 : s;
        slash = strrchr(rel, '/');
        kk = eq ? kp_strndup(s, (size_t)(eq - s)) : kp_strdup(slash ? slash + 1 : rel);
        p = kp_render_join(k->dir, rel);
        f = p ? kp_render_files_get(k->fs, p) : NULL;
        if (!f)
            rc = KERR(k, "%s \"%s\": file \"%s\" not found", field, name, rel);
        else
            put_value(data, secret, kk, f->data, f->len);
        free(kk);
        free(p);
        if (rc < 0) {
            json_decref(data);
            return rc;
        }
    }
    json_array_foreach(json_object_get(g, "envs"), i, e)
    {
        char *p = json_string_value(e) ? kp_render_join(k->dir, json_string_value(e)) : NULL;
        const kp_render_file *f = p ? kp_render_files_get(k->fs, p) : NULL;
        const char *line;
        free(p);
        if (!f) {
            json_decref(data);
            return KERR(k, "%s \"%s\": env file %zu not found", field, name, i + 1);
        }
        for (line = f->data; line && *line;) {
            const char *eol = strchr(line, '\n');
            size_t ll = eol ? (size_t)(eol - line) : strlen(line);
            const char *eq = memchr(line, '=', ll);
            if (ll && line[0] != '#' && eq) {
                char *kk = kp_strndup(line, (size_t)(eq - line));
                size_t vl = ll - (size_t)(eq + 1 - line);
                if (vl && eq[vl] == '\r')
                    vl--;
                put_value(data, secret, kk, eq + 1, vl);
                free(kk);
            }
            line = eol ? eol + 1 : NULL;
        }
    }
    obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
                    secret ? "Secret" : "ConfigMap", "metadata", "name", name);
    if (json_is_string(json_object_get(g, "namespace")))
        json_object_set(json_object_get(obj, "metadata"), "namespace",
                        json_object_get(g, "namespace"));
    if (secret)
        json_object_set_new(obj, "type",
                            json_is_string(json_object_get(g, "type"))
                                ? json_copy(json_object_get(g, "type"))
                                : json_string("Opaque"));
    json_object_set_new(obj, "data", data);
    {
        const json_t *srcs[] = {gopts, opts};
        for (size_t s = 0; s < 2; s++) {
            const char *f2[] = {"labels", "annotations"};
            for (size_t j = 0; j < 2; j++)
                if (json_is_object(json_object_get(srcs[s], f2[j])))
                    json_object_update(
                        kp_json_obj_ensure(kp_json_obj_ensure(obj, "metadata"), f2[j]),
                        json_object_get(srcs[s], f2[j]));
        }
        if (json_is_true(json_object_get(opts, "disableNameSuffixHash")))
            nohash = true;
    }
    if (!nohash) {
        char sfx[11];
        char *nn;
        kust_hash_suffix(sfx, obj);
        nn = kp_asprintf("%s-%s", name, sfx);
        {
            char *rk = kp_asprintf("%s/%s", secret ? "Secret" : "ConfigMap", name);
            json_object_set_new(k->renames, rk, json_string(nn));
            free(rk);
        }
        json_object_set_new(json_object_get(obj, "metadata"), "name", json_string(nn));
        free(nn);
    }
    json_array_append_new(k->items, json_pack("{s:s, s:I, s:o}", "file", k->kfile, "index",
                                              (json_int_t)0, "object", obj));
    return 0;
}

static int kust_generators(kust *k, const json_t *kz)
{
    const json_t *gopts = json_object_get(kz, "generatorOptions");
    const char *fields[] = {"configMapGenerator", "secretGenerator"};
    for (int s = 0; s < 2; s++) {
        const json_t *list = json_object_get(kz, fields[s]);
        size_t i;
        json_t *g;
        int rc;
        if (list && !json_is_array(list))
            return KERR(k, "field \"%s\" must be a list", fields[s]);
        json_array_foreach(list, i, g)
        {
            if ((rc = kust_generator(k, g, s == 1, gopts)) < 0)
                return rc;
        }
    }
    return 0;
}

/* ---- patches ---- */

static const char *group_of(const char *api_version)
{
    static __thread char g[256];
    const char *slash = strchr(api_version, '/');
    size_t n = slash ? (size_t)(slash - api_version) : 0;
    if (n >= sizeof(g))
        n = sizeof(g) - 1;
    memcpy(g, api_version, n);
    g[n] = '\0';
    return g;
}

static bool target_matches(const json_t *t, const json_t *obj)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *slash = strchr(av, '/');
    const char *want;
    if ((want = json_string_value(json_object_get(t, "kind"))) &&
        strcmp(want, json_string_value(json_object_get(obj, "kind"))) != 0)
        return false;
    if ((want = json_string_value(json_object_get(t, "name"))) &&
        strcmp(want, kp_json_get_str(obj, "metadata.name")) != 0)
        return false;
    if ((want = json_string_value(json_object_get(t, "namespace"))) &&
        (!kp_json_get_str(obj, "metadata.namespace") ||
         strcmp(want, kp_json_get_str(obj, "metadata.namespace")) != 0))
        return false;
    if ((want = json_string_value(json_object_get(t, "group"))) && strcmp(want, group_of(av)) != 0)
        return false;
    if ((want = json_string_value(json_object_get(t, "version"))) &&
        strcmp(want, slash ? slash + 1 : av) != 0)
        return false;
    return true;
}

/* Applies one patch (parsed: an array is JSON 6902, an object a strategic merge patch) to the
 * objects target selects (NULL: the patch's own kind and name). */
static int kust_apply_patch(kust *k, const json_t *patch, const json_t *target, const char *what)
{
    size_t i, hits = 0;
    json_t *it;
    json_t *self = NULL;

    if (json_is_array(patch) && !target)
        return KERR(k, "%s: a JSON 6902 patch needs a target", what);
    if (target) {
        const char *key;
        json_t *v;
        if (!json_is_object(target))
            return KERR(k, "%s: target must be a map", what);
        json_object_foreach((json_t *)target, key, v)
        {
            /* labelSelector and annotationSelector would widen the match if ignored */
            if (strcmp(key, "group") && strcmp(key, "version") && strcmp(key, "kind") &&
                strcmp(key, "name") && strcmp(key, "namespace"))
                return KERR(k, "%s: target field \"%s\" is not supported", what, key);
            if (!json_is_string(v))
                return KERR(k, "%s: target field \"%s\" must be a string", what, key);
        }
    }
    if (!json_is_array(patch) && !json_is_object(patch))
        return KERR(k, "%s: a patch must be an object or a JSON patch list", what);
    if (!target) {
        const char *kind = json_string_value(json_object_get(patch, "kind"));
        const char *name = kp_json_get_str(patch, "metadata.name");
        if (!kind || !name)
            return KERR(k,
                        "%s: a strategic merge patch without target needs kind and "
                        "metadata.name",
                        what);
        self = json_pack("{s:s, s:s}", "kind", kind, "name", name);
        target = self;
    }
    json_array_foreach(k->items, i, it)
    {
        json_t *obj = json_object_get(it, "object"), *res = NULL;
        const char *kind = json_string_value(json_object_get(obj, "kind"));
        int rc;
        if (!target_matches(target, obj))
            continue;
        hits++;
        if (json_is_array(patch))
            rc = kp_patch_json(&res, obj, patch);
        else if (group_of(json_string_value(json_object_get(obj, "apiVersion")))[0] == '\0' ||
                 kp_schema_by_kind(group_of(json_string_value(json_object_get(obj, "apiVersion"))),
                                   kind))
            rc = kp_patch_strategic_known(kind) ? kp_patch_strategic(&res, obj, patch, kind)
                                                : kp_patch_merge(&res, obj, patch);
        else
            rc = kp_patch_merge(&res, obj, patch);
        if (rc < 0) {
            json_decref(self);
            return KERR(k, "%s: cannot patch %s \"%s\": %s", what, kind,
                        kp_json_get_str(obj, "metadata.name"), kp_err_msg());
        }
        json_object_set_new(it, "object", res);
    }
    json_decref(self);
    if (!hits)
        return KERR(k, "%s: the patch matches no object", what);
    return 0;
}

/* A patch given as a path or inline text: parsed. */
static int kust_patch_body(json_t **out, kust *k, const json_t *entry, const char *what)
{
    const char *path = json_string_value(json_object_get(entry, "path"));
    const char *inl = json_string_value(json_object_get(entry, "patch"));
    int rc;
    if (path) {
        char *p = kp_render_join(k->dir, path);
        const kp_render_file *f = p ? kp_render_files_get(k->fs, p) : NULL;
        free(p);
        if (!f)
            return KERR(k, "%s: file \"%s\" not found", what, path);
        rc = kp_yaml_parse(out, f->data, f->len);
    } else if (inl) {
        rc = kp_yaml_parse(out, inl, strlen(inl));
    } else {
        return KERR(k, "%s: needs path or patch", what);
    }
    if (rc < 0)
        return KERR(k, "%s: %s", what, kp_err_msg());
    return 0;
}

static int kust_patches(kust *k, const json_t *kz)
{
    const json_t *list;
    size_t i;
    json_t *e;
    int rc;
    char what[96];

    if ((list = json_object_get(kz, "patches")) && !json_is_array(list))
        return KERR(k, "field \"patches\" must be a list");
    json_array_foreach(list, i, e)
    {
        json_t *body = NULL;
        snprintf(what, sizeof(what), "patches[%zu]", i);
        if (json_object_get(e, "options"))
            return KERR(k, "%s: field \"options\" is not supported", what);
        if ((rc = kust_patch_body(&body, k, e, what)) < 0)
            return rc;
        rc = kust_apply_patch(k, body, json_object_get(e, "target"), what);
        json_decref(body);
        if (rc < 0)
            return rc;
    }
    if ((list = json_object_get(kz, "patchesStrategicMerge")) && !json_is_array(list))
        return KERR(k, "field \"patchesStrategicMerge\" must be a list");
    json_array_foreach(list, i, e)
    {
        json_t *body = NULL, *ent;
        const char *s = json_string_value(e);
        snprintf(what, sizeof(what), "patchesStrategicMerge[%zu]", i);
        if (!s)
            return KERR(k, "%s: must be a string", what);
        /* a path, or the patch itself when it spans lines */
        ent = strchr(s, '\n') ? json_pack("{s:s}", "patch", s) : json_pack("{s:s}", "path", s);
        rc = kust_patch_body(&body, k, ent, what);
        json_decref(ent);
        if (rc < 0)
            return rc;
        rc = kust_apply_patch(k, body, NULL, what);
        json_decref(body);
        if (rc < 0)
            return rc;
    }
    if ((list = json_object_get(kz, "patchesJson6902")) && !json_is_array(list))
        return KERR(k, "field \"patchesJson6902\" must be a list");
    json_array_foreach(list, i, e)
    {
        json_t *body = NULL;
        snprintf(what, sizeof(what), "patchesJson6902[%zu]", i);
        if (!json_is_object(json_object_get(e, "target")))
            return KERR(k, "%s: needs a target", what);
        if ((rc = kust_patch_body(&body, k, e, what)) < 0)
            return rc;
        if (!json_is_array(body)) {
            json_decref(body);
            return KERR(k, "%s: must be a JSON patch list", what);
        }
        rc = kust_apply_patch(k, body, json_object_get(e, "target"), what);
        json_decref(body);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- transformers ---- */

static bool cluster_scoped(const json_t *obj)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const kp_schema_res *r = kp_schema_by_kind(group_of(av), kind);
    return r && !r->namespaced;
}

static bool never_renamed(const json_t *obj)
{
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    return strcmp(kind, "Namespace") == 0 || strcmp(kind, "CustomResourceDefinition") == 0;
}

/* Adds labels (a map) to the metadata at o, creating it. */
static void add_map(json_t *o, const char *field, const json_t *m)
{
    if (json_is_object(o))
        json_object_update(kp_json_obj_ensure(kp_json_obj_ensure(o, "metadata"), field),
                           (json_t *)m);
}

static void add_labels(json_t *obj, const json_t *m, bool selectors, bool templates)
{
    json_t *spec = json_object_get(obj, "spec");
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    add_map(obj, "labels", m);
    if (!json_is_object(spec))
        return;
    if (selectors) {
        if (strcmp(kind, "Service") == 0) {
            json_object_update(kp_json_obj_ensure(spec, "selector"), (json_t *)m);
        } else if (json_is_object(json_object_get(spec, "template"))) {
            json_object_update(
                kp_json_obj_ensure(kp_json_obj_ensure(spec, "selector"), "matchLabels"),
                (json_t *)m);
        }
    }
    if ((selectors || templates) && json_is_object(json_object_get(spec, "template")))
        add_map(json_object_get(spec, "template"), "labels", m);
}

/* Renames references to renamed ConfigMaps and Secrets anywhere in a pod spec (volumes,
 * envFrom, env valueFrom, projected sources), by the field names Kubernetes uses. */
static void rename_refs(json_t *v, const json_t *renames)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            rename_refs(x, renames);
        }
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, key, x)
    {
        const char *kind = NULL, *nf = "name";
        if (strcmp(key, "configMap") == 0 || strcmp(key, "configMapRef") == 0 ||
            strcmp(key, "configMapKeyRef") == 0)
            kind = "ConfigMap";
        else if (strcmp(key, "secretRef") == 0 || strcmp(key, "secretKeyRef") == 0)
            kind = "Secret";
        else if (strcmp(key, "secret") == 0)
            kind = "Secret", nf = "secretName";
        if (kind && json_is_object(x) && json_is_string(json_object_get(x, nf))) {
            char *rk = kp_asprintf("%s/%s", kind, json_string_value(json_object_get(x, nf)));
            const json_t *nn = json_object_get(renames, rk);
            free(rk);
            if (nn)
                json_object_set(x, nf, (json_t *)nn);
        }
        rename_refs(x, renames);
    }
}

static void set_images(json_t *v, const json_t *images)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            set_images(x, images);
        }
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, key, x)
    {
        if ((strcmp(key, "containers") == 0 || strcmp(key, "initContainers") == 0) &&
            json_is_array(x)) {
            size_t j;
            json_t *c;
            json_array_foreach(x, j, c)
            {
                const char *img = json_string_value(json_object_get(c, "image"));
                size_t n, ii;
                json_t *im;
                const char *at, *colon, *slash;
                if (!img)
                    continue;
                at = strchr(img, '@');
                slash = strrchr(img, '/');
                colon = strrchr(slash ? slash : img, ':');
                n = at ? (size_t)(at - img) : colon ? (size_t)(colon - img) : strlen(img);
                json_array_foreach(images, ii, im)
                {
                    const char *name = json_string_value(json_object_get(im, "name"));
                    const char *nn = json_string_value(json_object_get(im, "newName"));
                    const char *tag = json_string_value(json_object_get(im, "newTag"));
                    const char *dig = json_string_value(json_object_get(im, "digest"));
                    char *base, *out;
                    if (!name || strlen(name) != n || strncmp(name, img, n) != 0)
                        continue;
                    base = nn ? kp_strdup(nn) : kp_strndup(img, n);
                    if (dig)
                        out = kp_asprintf("%s@%s", base, dig);
                    else if (tag)
                        out = kp_asprintf("%s:%s", base, tag);
                    else
                        out = kp_asprintf("%s%s", base, img + n);
                    json_object_set_new(c, "image", json_string(out));
                    free(out);
                    free(base);
                    break;
                }
            }
        }
        set_images(x, images);
    }
}

static int check_strmap(const kust *k, const json_t *m, const char *field)
{
    const char *key;
    json_t *v;
    if (!m)
        return 0;
    if (!json_is_object(m))
        return KERR(k, "field \"%s\" must be a map", field);
    json_object_foreach((json_t *)m, key, v)
    {
        if (!json_is_string(v))
            return KERR(k, "field \"%s\": value of \"%s\" must be a string", field, key);
    }
    return 0;
}

static int kust_transform(kust *k, const json_t *kz)
{
    const char *ns = json_string_value(json_object_get(kz, "namespace"));
    const char *pre = json_string_value(json_object_get(kz, "namePrefix"));
    const char *suf = json_string_value(json_object_get(kz, "nameSuffix"));
    const json_t *common = json_object_get(kz, "commonLabels");
    const json_t *ann = json_object_get(kz, "commonAnnotations");
    const json_t *labels = json_object_get(kz, "labels");
    const json_t *images = json_object_get(kz, "images");
    size_t i;
    json_t *it;
    int rc;

    if ((rc = check_strmap(k, common, "commonLabels")) < 0 ||
        (rc = check_strmap(k, ann, "commonAnnotations")) < 0)
        return rc;
    if (labels && !json_is_array(labels))
        return KERR(k, "field \"labels\" must be a list");
    if (images && !json_is_array(images))
        return KERR(k, "field \"images\" must be a list");
    {
        size_t j;
        json_t *l;
        json_array_foreach(labels, j, l)
        {
            if ((rc = check_strmap(k, json_object_get(l, "pairs"), "labels.pairs")) < 0)
                return rc;
        }
    }
    /* renames first, so references see every new name */
    json_array_foreach(k->items, i, it)
    {
        json_t *obj = json_object_get(it, "object");
        const char *kind = json_string_value(json_object_get(obj, "kind"));
        if ((pre || suf) && !never_renamed(obj)) {
            const char *old = kp_json_get_str(obj, "metadata.name");
            char *nn = kp_asprintf("%s%s%s", pre ? pre : "", old, suf ? suf : "");
            if (strcmp(kind, "ConfigMap") == 0 || strcmp(kind, "Secret") == 0) {
                /* the name before any generator suffix is what pod specs name */
                const char *key;
                json_t *v;
                bool done = false;
                json_object_foreach(k->renames, key, v)
                {
                    if (strcmp(json_string_value(v), old) == 0) {
                        json_object_set_new(k->renames, key, json_string(nn));
                        done = true;
                    }
                }
                if (!done) {
                    char *rk = kp_asprintf("%s/%s", kind, old);
                    json_object_set_new(k->renames, rk, json_string(nn));
                    free(rk);
                }
            }
            json_object_set_new(json_object_get(obj, "metadata"), "name", json_string(nn));
            free(nn);
        }
    }
    json_array_foreach(k->items, i, it)
    {
        json_t *obj = json_object_get(it, "object");
        size_t j;
        json_t *l;
        if (ns && !cluster_scoped(obj))
            json_object_set_new(kp_json_obj_ensure(obj, "metadata"), "namespace", json_string(ns));
        if (common)
            add_labels(obj, common, true, true);
        json_array_foreach(labels, j, l)
        {
            if (json_object_get(l, "pairs"))
                add_labels(obj, json_object_get(l, "pairs"),
                           json_is_true(json_object_get(l, "includeSelectors")),
                           json_is_true(json_object_get(l, "includeTemplates")));
        }
        if (ann) {
            add_map(obj, "annotations", ann);
            if (json_is_object(kp_json_get(obj, "spec.template")))
                add_map(kp_json_get(obj, "spec.template"), "annotations", ann);
        }
        if (images)
            set_images(obj, images);
        if (json_object_size(k->renames))
            rename_refs(json_object_get(obj, "spec"), k->renames);
    }
    return 0;
}

/* The kustomizations being built on this thread, outermost first: one that includes itself,
 * directly or not, is an error (as in kustomize) rather than a recursion. */
static __thread const char *kust_stack[KP_RENDER_DEPTH_MAX + 2];
static __thread int kust_sp;

static int kustomize_build(json_t *items, const kp_render_files *fs, const char *dir, int depth);

int kp_kustomize_build(json_t *items, const kp_render_files *fs, const char *dir, int depth)
{
    int rc;
    for (int i = 0; i < kust_sp; i++)
        if (strcmp(kust_stack[i], dir) == 0)
            return kp_err_set(KP_EINVALID, "%s: the kustomization includes itself",
                              dir[0] ? dir : ".");
    if (kust_sp >= KP_RENDER_DEPTH_MAX + 1)
        return kp_err_set(KP_EINVALID, "%s: kustomizations nest deeper than %d", dir[0] ? dir : ".",
                          KP_RENDER_DEPTH_MAX);
    kust_stack[kust_sp++] = dir;
    rc = kustomize_build(items, fs, dir, depth);
    kust_sp--;
    return rc;
}

static int kustomize_build(json_t *items, const kp_render_files *fs, const char *dir, int depth)
{
    const kp_render_file *f = kp_kustomize_file(fs, dir);
    json_t *kz = NULL;
    const char *key;
    json_t *v;
    kust k;
    int rc;

    if (!f)
        return kp_err_set(KP_EINVALID, "%s: no kustomization", dir[0] ? dir : ".");
    if (depth > KP_RENDER_DEPTH_MAX)
        return kp_err_set(KP_EINVALID, "%s: kustomizations nest deeper than %d", f->path,
                          KP_RENDER_DEPTH_MAX);
    memset(&k, 0, sizeof(k));
    k.fs = fs;
    k.dir = dir;
    k.kfile = f->path;
    if ((rc = kp_yaml_parse(&kz, f->data, f->len)) < 0)
        return kp_err_set(KP_EINVALID, "%s: %s", f->path, kp_err_msg());
    if (!json_is_object(kz)) {
        json_decref(kz);
        return kp_err_set(KP_EINVALID, "%s: not a map", f->path);
    }
    json_object_foreach(kz, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < KP_ARRAY_LEN(kust_fields) && !known; i++)
            known = strcmp(key, kust_fields[i]) == 0;
        if (!known) {
            rc = kp_err_set(KP_EINVALID,
                            "%s: field \"%s\" is not supported by kplane's kustomize subset",
                            f->path, key);
            json_decref(kz);
            return rc;
        }
    }
    {
        const char *sf[] = {"namespace", "namePrefix", "nameSuffix"};
        for (size_t i = 0; i < 3; i++)
            if (json_object_get(kz, sf[i]) && !json_is_string(json_object_get(kz, sf[i]))) {
                rc = KERR(&k, "field \"%s\" must be a string", sf[i]);
                json_decref(kz);
                return rc;
            }
    }
    k.items = json_array();
    k.renames = json_object();
    if ((rc = kust_resources(&k, kz, depth)) == 0 && (rc = kust_generators(&k, kz)) == 0 &&
        (rc = kust_patches(&k, kz)) == 0 && (rc = kust_transform(&k, kz)) == 0) {
        if (json_array_size(items) + json_array_size(k.items) > KP_RENDER_OBJECTS_MAX)
            rc = kp_err_set(KP_ETOOLARGE, "more than %d objects", KP_RENDER_OBJECTS_MAX);
        else
            json_array_extend(items, k.items);
    }
    json_decref(k.items);
    json_decref(k.renames);
    json_decref(kz);
    return rc;
}
