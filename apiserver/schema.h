/* schema: the one table of built-in resources (group, version, plural, kind, scope, names,
 * short names, categories, subresources, name rule and Table columns). Discovery, routing,
 * validation and Table output all read it; adding a resource is adding a row. Read-only,
 * shared by every thread. */
#ifndef KP_SCHEMA_H
#define KP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

typedef enum {
    KP_NAME_SUBDOMAIN = 0, /* DNS-1123 subdomain, <= 253 */
    KP_NAME_LABEL,         /* DNS-1123 label, <= 63 */
    KP_NAME_PATH,          /* any name without "/" or "%", not "." or ".." (RBAC kinds) */
} kp_name_rule;

typedef enum {
    KP_COL_PATH = 0,    /* the value at a dotted path, as text */
    KP_COL_COUNT,       /* the number of entries of an object or array at a path */
    KP_COL_RATIO,       /* "<path>/<path2>" e.g. ready/replicas, missing numbers are 0 */
    KP_COL_JOIN,        /* the array at path joined with "," */
    KP_COL_SLASH,       /* "<path>/<path2>" of two strings, e.g. ClusterRole/admin */
    KP_COL_JSONPATH,    /* a CRD's additionalPrinterColumns entry: path is its JSONPath */
    KP_COL_AGE,         /* the Age column here rather than last (Node: Age before Version) */
    KP_COL_NODE_STATUS, /* k8s printNode: Ready | NotReady | Unknown, ",SchedulingDisabled" */
    KP_COL_NODE_ROLES,  /* the node-role.kubernetes.io/<role> labels joined, or <none> */
} kp_col_kind;

typedef struct {
    const char *name;
    const char *type; /* "string", "integer", "number", "boolean", "date" */
    kp_col_kind kind;
    const char *path;
    const char *path2;
    int priority; /* > 0: shown with -o wide */
} kp_schema_col;

typedef struct {
    const char *group; /* "" for the core group */
    const char *version;
    const char *resource; /* plural, lower case */
    const char *kind;
    const char *singular;
    const char *short_names; /* comma-separated, or NULL */
    const char *categories;  /* comma-separated, or NULL */
    bool namespaced;
    bool status; /* has the /status subresource */
    bool scale;  /* has the /scale subresource */
    kp_name_rule name_rule;
    const kp_schema_col *cols;   /* between NAME and AGE; terminated by a NULL name */
    const char *store_key;       /* "<group>/<resource>": the store's resource key */
    const char *field_selectors; /* comma-separated fields beyond metadata.name/namespace */
    const char *verbs; /* NULL: every verb; else the only ones served (reviews: "create") */
    /* A custom resource: the CRD version it serves (apiserver/crd.h), owned by the workspace's
     * kp_crd_set; NULL for the built-in rows. Its Table shows only cols (no implicit Age). */
    const struct kp_crd_version *custom;
} kp_schema_res;

/* The table; *n_out gets its length. */
const kp_schema_res *kp_schema_all(size_t *n_out);
/* The resource served at (group, version, resource), or NULL. */
const kp_schema_res *kp_schema_find(const char *group, const char *version, const char *resource);
/* The resource with that kind in group (any served version), or NULL. */
const kp_schema_res *kp_schema_by_kind(const char *group, const char *kind);
/* A subresource: what it answers with and the verbs it serves. */
typedef struct {
    const char *name;
    const char *group, *version, *kind;
    const char *verbs; /* comma-separated */
} kp_schema_sub;

#define KP_SCHEMA_SUBS_MAX 4
/* The subresources of r (status, scale, ServiceAccount token); returns how many. */
size_t kp_schema_subresources(kp_schema_sub out[KP_SCHEMA_SUBS_MAX], const kp_schema_res *r);
/* The subresource of r named name, or NULL. */
const kp_schema_sub *kp_schema_find_sub(kp_schema_sub buf[KP_SCHEMA_SUBS_MAX],
                                        const kp_schema_res *r, const char *name);

#define KP_SCHEMA_GV_MAX 128
/* Writes "v1" or "apps/v1". */
void kp_schema_api_version(char out[KP_SCHEMA_GV_MAX], const kp_schema_res *r);

#endif
