/* render: a Sync's manifests from a set of files (a revision's tree under a path, read by
 * gitops/git.c; any bytes in tests and fuzzing). Plain YAML and JSON (multi-document,
 * directories recursive, .yaml/.yml/.json) and, for a directory with a kustomization.yaml,
 * kustomization.yml or Kustomization, kplane's kustomize subset (gitops/kustomize.c). Errors
 * name the file, the document and the problem. Pure functions of their input: any thread. */
#ifndef KP_RENDER_H
#define KP_RENDER_H

#include <stddef.h>
#include <jansson.h>

#define KP_RENDER_FILES_MAX 20000
#define KP_RENDER_OBJECTS_MAX 20000
#define KP_RENDER_BYTES_MAX (64u * 1024 * 1024)
#define KP_RENDER_DEPTH_MAX 16 /* kustomizations including kustomizations */

typedef struct {
    char *path; /* relative to the repository root, "/"-separated, no "./" */
    char *data;
    size_t len;
} kp_render_file;

/* A set of files in the caller's storage; zero it to start. */
typedef struct {
    kp_render_file *v;
    size_t n, cap;
} kp_render_files;

/* Adds a copy of a file. KP_ETOOLARGE past KP_RENDER_FILES_MAX files. */
int kp_render_files_add(kp_render_files *fs, const char *path, const char *data, size_t len);
void kp_render_files_dispose(kp_render_files *fs);
/* The file at path, or NULL. borrowed from fs. */
const kp_render_file *kp_render_files_get(const kp_render_files *fs, const char *path);

/* Renders directory dir ("" or "./" for the root) into *out, a JSON array of
 * {"file": "<path>", "index": <document, from 1>, "object": {...}} in file order (owned by the
 * caller). Every object has apiVersion, kind and metadata.name. KP_EINVALID with
 * "<file>: document <n>: <problem>" or "<dir>/kustomization.yaml: <problem>" otherwise. */
int kp_render(json_t **out, const kp_render_files *fs, const char *dir);

/* kp_render into items, depth levels of inclusion down (kustomize.c's resources). */
int kp_render_dir(json_t *items, const kp_render_files *fs, const char *dir, int depth);
/* render.c, shared with kustomize.c: the documents of one manifest file appended to items. */
int kp_render_file_docs(json_t *items, const kp_render_file *f);
/* kustomize.c: builds the kustomization in dir (which has one) and appends its objects. */
int kp_kustomize_build(json_t *items, const kp_render_files *fs, const char *dir, int depth);
/* The kustomization file of dir, or NULL. */
const kp_render_file *kp_kustomize_file(const kp_render_files *fs, const char *dir);
/* Normalizes base + "/" + rel (resolving "." and ".."); NULL when it leaves the repository.
 * owned, free(). */
char *kp_render_join(const char *base, const char *rel);

#endif
