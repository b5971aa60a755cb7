#include "lib/common.h"
#include "gitops/render.h"
#include "gitops/gitops_int.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/mem.h"
#include "lib/yaml.h"

/* Plain manifests: every .yaml, .yml and .json file under the directory, in path order, each
 * a stream of documents; a subdirectory with a kustomization is built with kustomize instead
 * of read file by file (as Flux's generated kustomization does). */

int kp_render_files_add(kp_render_files *fs, const char *path, const char *data, size_t len)
{
    kp_render_file *f;
    if (fs->n >= KP_RENDER_FILES_MAX)
        return kp_err_set(KP_ETOOLARGE, "more than %d files under the path", KP_RENDER_FILES_MAX);
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 64;
        fs->v = kp_realloc(fs->v, fs->cap * sizeof(*fs->v));
    }
    f = &fs->v[fs->n++];
    f->path = kp_strdup(path);
    f->data = kp_malloc(len + 1);
    if (len)
        memcpy(f->data, data, len);
    f->data[len] = '\0';
    f->len = len;
    return 0;
}

void kp_render_files_dispose(kp_render_files *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->v[i].path);
        free(fs->v[i].data);
    }
    free(fs->v);
    memset(fs, 0, sizeof(*fs));
}

const kp_render_file *kp_render_files_get(const kp_render_files *fs, const char *path)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].path, path) == 0)
            return &fs->v[i];
    return NULL;
}

char *kp_render_join(const char *base, const char *rel)
{
    char *in = kp_asprintf("%s/%s", rel[0] == '/' ? "" : base, rel);
    char **parts = kp_calloc(strlen(in) + 1, sizeof(char *));
    size_t n = 0, len = 0;
    char *p = in, *out;

    while (p) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (strcmp(p, "..") == 0) {
            if (n == 0) {
                free(parts);
                free(in);
                return NULL;
            }
            n--;
        } else if (p[0] && strcmp(p, ".") != 0) {
            parts[n++] = p;
        }
        p = slash ? slash + 1 : NULL;
    }
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    out = kp_malloc(len + 1);
    out[0] = '\0';
    len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        if (i)
            out[len++] = '/';
        memcpy(out + len, parts[i], l);
        len += l;
        out[len] = '\0';
    }
    free(parts);
    free(in);
    return out;
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static bool is_manifest(const char *path)
{
    return has_suffix(path, ".yaml") || has_suffix(path, ".yml") || has_suffix(path, ".json");
}

static bool is_kustomization_name(const char *base)
{
    return strcmp(base, "kustomization.yaml") == 0 || strcmp(base, "kustomization.yml") == 0 ||
           strcmp(base, "Kustomization") == 0;
}

const kp_render_file *kp_kustomize_file(const kp_render_files *fs, const char *dir)
{
    static const char *const names[] = {"kustomization.yaml", "kustomization.yml", "Kustomization"};
    for (size_t i = 0; i < KP_ARRAY_LEN(names); i++) {
        char *p = dir[0] ? kp_asprintf("%s/%s", dir, names[i]) : kp_strdup(names[i]);
        const kp_render_file *f = kp_render_files_get(fs, p);
        free(p);
        if (f)
            return f;
    }
    return NULL;
}

/* Checks one document and appends it to items. */
static int add_doc(json_t *items, const kp_render_file *f, size_t index, json_t *doc)
{
    const char *what = NULL;
    if (!json_is_object(doc))
        what = "not an object";
    else if (!json_is_string(json_object_get(doc, "apiVersion")))
        what = "apiVersion not set";
    else if (!json_is_string(json_object_get(doc, "kind")))
        what = "kind not set";
    else if (!kp_json_get_str(doc, "metadata.name") || !kp_json_get_str(doc, "metadata.name")[0])
        what = "metadata.name not set";
    if (what)
        return kp_err_set(KP_EINVALID, "%s: document %zu: %s", f->path, index, what);
    if (json_array_size(items) >= KP_RENDER_OBJECTS_MAX)
        return kp_err_set(KP_ETOOLARGE, "more than %d objects", KP_RENDER_OBJECTS_MAX);
    json_array_append_new(items, json_pack("{s:s, s:I, s:O}", "file", f->path, "index",
                                           (json_int_t)index, "object", doc));
    return 0;
}

int kp_render_file_docs(json_t *items, const kp_render_file *f)
{
    json_t *docs = NULL, *doc;
    size_t i;
    int rc;

    if (has_suffix(f->path, ".json")) {
        json_t *one = NULL;
        if ((rc = kp_json_parse(&one, f->data, f->len)) < 0)
            return kp_err_set(KP_EINVALID, "%s: %s", f->path, kp_err_msg());
        docs = json_array();
        if (json_is_array(one)) /* a JSON array of objects is a list of documents */
            json_array_extend(docs, one);
        else
            json_array_append(docs, one);
        json_decref(one);
    } else if ((rc = kp_yaml_parse_stream(&docs, f->data, f->len)) < 0) {
        return kp_err_set(KP_EINVALID, "%s: %s", f->path, kp_err_msg());
    }
    rc = 0;
    json_array_foreach(docs, i, doc)
    {
        const json_t *its = json_object_get(doc, "items");
        /* kubectl reads a List as its items: so do we (they keep the List's index) */
        if (go_str_is(json_object_get(doc, "kind"), "List") && json_is_array(its)) {
            size_t j;
            json_t *o;
            json_array_foreach(its, j, o)
            {
                if ((rc = add_doc(items, f, i + 1, o)) < 0)
                    break;
            }
        } else {
            rc = add_doc(items, f, i + 1, doc);
        }
        if (rc < 0)
            break;
    }
    json_decref(docs);
    return rc;
}

/* The directory of path ("" for a top-level file). owned, free(). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? kp_strndup(path, (size_t)(slash - path)) : kp_strdup("");
}

/* The outermost directory between root (exclusive of nothing: root itself counts) and the file's
 * directory that has a kustomization, or NULL. owned, free(). */
static char *kust_root_of(const kp_render_files *fs, const char *root, const char *path)
{
    char *d = dir_of(path);
    size_t rl = strlen(root);
    char *found = NULL;

    for (;;) {
        if (kp_kustomize_file(fs, d)) {
            free(found);
            found = kp_strdup(d);
        }
        if (strlen(d) <= rl)
            break;
        {
            char *up = dir_of(d);
            free(d);
            d = up;
        }
    }
    free(d);
    return found;
}

int kp_render(json_t **out, const kp_render_files *fs, const char *dir)
{
    json_t *items = json_array();
    int rc = kp_render_dir(items, fs, dir, 0);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return 0;
}

int kp_render_dir(json_t *items, const kp_render_files *fs, const char *dir, int depth)
{
    char *root = kp_render_join("", dir);
    char **built = NULL;
    size_t nbuilt = 0;
    int rc = 0;

    if (!root) {
        rc = kp_err_set(KP_EINVALID, "path \"%s\" leaves the repository", dir);
        goto out;
    }
    if (depth > KP_RENDER_DEPTH_MAX) {
        rc = kp_err_set(KP_EINVALID, "%s: directories include each other deeper than %d levels",
                        root[0] ? root : ".", KP_RENDER_DEPTH_MAX);
        goto out;
    }
    if (kp_kustomize_file(fs, root)) {
        rc = kp_kustomize_build(items, fs, root, depth);
        goto out;
    }
    built = kp_calloc(fs->n + 1, sizeof(char *));
    for (size_t i = 0; i < fs->n && rc == 0; i++) {
        const kp_render_file *f = &fs->v[i];
        size_t rl = strlen(root);
        const char *base = strrchr(f->path, '/');
        char *kr;
        base = base ? base + 1 : f->path;
        if (rl && (strncmp(f->path, root, rl) != 0 || f->path[rl] != '/'))
            continue; /* not under the path */
        if (!is_manifest(f->path) && !is_kustomization_name(base))
            continue;
        kr = kust_root_of(fs, root, f->path);
        if (kr) {
            bool seen = false;
            for (size_t j = 0; j < nbuilt && !seen; j++)
                seen = strcmp(built[j], kr) == 0;
            if (!seen) {
                built[nbuilt++] = kr;
                rc = kp_kustomize_build(items, fs, kr, depth + 1);
            } else {
                free(kr);
            }
            continue;
        }
        if (!is_kustomization_name(base))
            rc = kp_render_file_docs(items, f);
    }
out:
    for (size_t j = 0; j < nbuilt; j++)
        free(built[j]);
    free(built);
    free(root);
    return rc;
}
