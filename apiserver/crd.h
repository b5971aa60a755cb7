/* crd: CustomResourceDefinitions, per workspace. Admission of the CRD objects themselves
 * (validation, defaults, status: acceptedNames, NamesAccepted, Established, storedVersions)
 * and the registry that turns each workspace's CRDs into kp_schema_res rows, so the REST
 * handlers, discovery, Table output and OpenAPI serve custom resources like built-ins. The
 * registry caches one immutable, reference-counted kp_crd_set per logical cluster, loaded from
 * the store on first use and dropped when a CRD of that cluster changes (kp_crd_invalidate,
 * called from the commit stream). Any thread may call every function. */
#ifndef KP_CRD_H
#define KP_CRD_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "apiserver/schema.h"
#include "apiserver/store.h"

#define KP_CRD_GROUP "apiextensions.k8s.io"
#define KP_CRD_STORE_KEY "apiextensions.k8s.io/customresourcedefinitions"
#define KP_CRD_QKIND "CustomResourceDefinition.apiextensions.k8s.io"

/* One served version of a CRD; a custom kp_schema_res row points at it (row->custom). */
typedef struct kp_crd_version {
    const char *crd_name;        /* "widgets.example.com" */
    const char *storage_version; /* the version objects are stored at */
    const char *list_kind;
    const json_t *schema;   /* its openAPIV3Schema, or NULL */
    const json_t *crd;      /* the CRD object */
    struct kp_crd_set *set; /* the set holding this row */
    /* the scale subresource's paths (".spec.replicas"), NULL without /scale */
    const char *spec_replicas, *status_replicas, *label_selector;
} kp_crd_version;

typedef struct kp_crd_reg kp_crd_reg;
typedef struct kp_crd_set kp_crd_set;

/* owned, free with kp_crd_reg_free() (after every set was released) */
kp_crd_reg *kp_crd_reg_new(kp_store *st);
void kp_crd_reg_free(kp_crd_reg *r);
/* Drops the cached set of cluster (NULL: of every cluster); the next use reloads it. */
void kp_crd_invalidate(kp_crd_reg *r, const char *cluster);

/* The custom resources of cluster: a new reference, release with kp_crd_set_release(). */
int kp_crd_set_get(kp_crd_set **out, kp_crd_reg *r, const char *cluster);
void kp_crd_set_release(kp_crd_set *s); /* NULL is fine */
/* Another reference to s (for what outlives the request, e.g. a watch); returns s. */
kp_crd_set *kp_crd_set_ref(kp_crd_set *s);
/* The set a custom row belongs to (borrowed). */
kp_crd_set *kp_crd_set_of(const kp_schema_res *row);
/* The rows (borrowed from s, valid while it is held); *n_out gets their number. */
const kp_schema_res *kp_crd_set_rows(const kp_crd_set *s, size_t *n_out);
/* The row served at (group, version, plural), or NULL. */
const kp_schema_res *kp_crd_set_find(const kp_crd_set *s, const char *group, const char *version,
                                     const char *resource);
/* The CRD objects of the set (a borrowed array). */
const json_t *kp_crd_set_crds(const kp_crd_set *s);

/* Admission of a CRD on create (old NULL) or update: defaults, validation (422 with k8s field
 * errors) and status (acceptedNames and conditions against the other CRDs of cluster and the
 * built-in resources). */
int kp_crd_admit(kp_store *st, const char *cluster, json_t *crd, const json_t *old);

/* After a CRD of group changed or went: the CRDs of that group whose names were not accepted
 * are checked again, and accepted (and served) when nothing collides any more. */
int kp_crd_recheck_group(kp_store *st, const char *cluster, const char *group);

/* A printer column's JSONPath (subset: .a.b, [n], [*], [?(@.k=="v")], optional {}) of obj;
 * a new value (several matches: their texts joined with ","), or NULL when nothing matches. */
json_t *kp_crd_jsonpath(const json_t *obj, const char *path);
/* A scale path (".spec.replicas") into obj: borrowed, or NULL. */
json_t *kp_crd_path_get(const json_t *obj, const char *path);
/* Sets a scale path in obj, creating objects on the way; value consumed. */
void kp_crd_path_set(json_t *obj, const char *path, json_t *value);

#endif
