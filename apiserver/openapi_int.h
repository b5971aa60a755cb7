/* openapi_int: private to the openapi module (openapi.c builds and serves the documents,
 * openapi_table*.c hold the field tables they are built from, one file per API group). */
#ifndef KP_OPENAPI_INT_H
#define KP_OPENAPI_INT_H

#include "apiserver/openapi.h"

#include <stdbool.h>
#include <stddef.h>

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define CORE "io.k8s.api.core.v1."
#define AUTOSCALING "io.k8s.api.autoscaling.v1."

/* ---- the field tables (openapi_table*.c, one file per API group) ---- */

typedef enum {
    OA_OBJECT = 0, /* an object not described: any content, never an unknown field */
    OA_STRING,
    OA_BOOL,
    OA_INT32,
    OA_INT64,
    OA_NUMBER,  /* float64 */
    OA_STRMAP,  /* map of strings (labels, ConfigMap data) */
    OA_BYTEMAP, /* map of base64 strings (Secret data) */
    OA_BYTES,   /* one base64 string */
    OA_LIST,    /* array of objects not described */
    OA_STRLIST, /* array of strings */
    OA_INT32LIST,
    OA_INT64LIST,
    OA_TIME, /* meta/v1 Time (RFC 3339) */
    OA_MICROTIME,
    OA_INTORSTR, /* intstr.IntOrString: 80 or "http" */
    OA_QUANTITY, /* resource.Quantity: "100m", "1Gi" */
    OA_REF,      /* the definition named by ref */
    OA_REFLIST,  /* array of the definition named by ref */
    OA_REFMAP,   /* map of the definition named by ref (resources.limits: Quantity) */
} oa_type;

typedef struct {
    const char *name;
    oa_type type;
    const char *ref; /* OA_REF, OA_REFLIST, OA_REFMAP: a definition's name */
    bool required;
    const char *ext; /* JSON object merged into the property (x-kubernetes-map-type...) */
    const char *doc;
    /* patch strategy (patch.c reads it: the one source), list type, list-map keys */
    kp_openapi_field_meta meta;
} oa_field;

/* A kind of the schema table: its fields besides apiVersion, kind and metadata. */
typedef struct {
    const char *group;
    const char *kind;
    const oa_field *fields;
    /* every field with a patch strategy (k8s: patchStrategy struct tag) is described down to
     * it and carries it: PATCH then offers strategic merge patch and kubectl apply computes it
     * from this document (an open object elsewhere is merged as a map, as kubectl would) */
    bool complete;
    const char *doc;
} oa_kind;

/* A named definition other than a kind's (PodSpec, Container, meta/v1 types, ...). */
typedef struct {
    const char *name;
    const char *type; /* NULL: an object with fields; else "string", "object" (no fields) */
    const char *format;
    const oa_field *fields;
    const char *ext;
    const char *doc;
} oa_def;

/* One file's rows. */
typedef struct {
    const oa_kind *kinds;
    size_t nkinds;
    const oa_def *defs;
    size_t ndefs;
} oa_table;

#define OA_TABLE(kinds, defs)                                                                      \
    {                                                                                              \
        kinds, KP_ARRAY_LEN(kinds), defs, KP_ARRAY_LEN(defs)                                       \
    }
#define OA_DEFS_ONLY(defs)                                                                         \
    {                                                                                              \
        NULL, 0, defs, KP_ARRAY_LEN(defs)                                                          \
    }

#define FIELDS(...) ((const oa_field[]){__VA_ARGS__, {.name = NULL}})
/* a field: name, type, doc */
#define F(n, t, d)                                                                                 \
    {                                                                                              \
        .name = n, .type = t, .doc = d                                                             \
    }
#define FREQ(n, t, d)                                                                              \
    {                                                                                              \
        .name = n, .type = t, .required = true, .doc = d                                           \
    }
/* a field whose schema is (a list or map of) the definition r */
#define FREF(n, t, r, d)                                                                           \
    {                                                                                              \
        .name = n, .type = t, .ref = r, .doc = d                                                   \
    }
#define FREFREQ(n, t, r, d)                                                                        \
    {                                                                                              \
        .name = n, .type = t, .ref = r, .required = true, .doc = d                                 \
    }
/* a list of r merged on the fields keys (x-kubernetes-list-type map) and patched on mkey */
#define FMAP(n, r, keys, mkey, d)                                                                  \
    {                                                                                              \
        .name = n, .type = OA_REFLIST, .ref = r, .doc = d, .meta = {                               \
            {KP_PATCH_MERGE, mkey},                                                                \
            "map",                                                                                 \
            keys                                                                                   \
        }                                                                                          \
    }
/* the same without a patch strategy (replaced whole by a strategic merge patch) */
#define FMAPNP(n, r, keys, d)                                                                      \
    {                                                                                              \
        .name = n, .type = OA_REFLIST, .ref = r, .doc = d, .meta = { {0, NULL}, "map", keys }      \
    }
/* a list of r replaced whole (x-kubernetes-list-type atomic) */
#define FATOMIC(n, r, d)                                                                           \
    {                                                                                              \
        .name = n, .type = OA_REFLIST, .ref = r, .doc = d, .meta = { {0, NULL}, "atomic", NULL }   \
    }
/* lists of scalars: atomic, or a set */
#define FSLIST(n, t, d)                                                                            \
    {                                                                                              \
        .name = n, .type = t, .doc = d, .meta = { {0, NULL}, "atomic", NULL }                      \
    }
#define FSET(n, d)                                                                                 \
    {                                                                                              \
        .name = n, .type = OA_STRLIST, .doc = d, .meta = { {0, NULL}, "set", NULL }                \
    }
/* status.conditions: k8s patchStrategy merge, patchMergeKey type, listType map */
#define FCONDS(r, d) FMAP("conditions", r, "type", "type", d)
#define SPEC(d) F("spec", OA_OBJECT, d)
#define STATUS(d) F("status", OA_OBJECT, d)
#define SPEC_STATUS                                                                                \
    SPEC("spec is the desired state of the object."),                                              \
        STATUS("status is the most recently observed state of the object; read-only.")
#define SPEC_REF(r) FREF("spec", OA_REF, r, "spec is the desired state of the object.")
#define STATUS_REF(r)                                                                              \
    FREF("status", OA_REF, r,                                                                      \
         "status is the most recently observed state of the object; read-only.")

#define GVK1(g, k, v)                                                                              \
    "{\"x-kubernetes-group-version-kind\":[{\"group\":\"" g "\",\"kind\":\"" k                     \
    "\",\"version\":\"" v "\"}]}"
#define ATOMIC "{\"x-kubernetes-map-type\":\"atomic\"}"
#define GRANULAR "{\"x-kubernetes-map-type\":\"granular\"}"
#define UNION "{\"x-kubernetes-unions\":[]}"

/* a definition with fields */
#define DEF(n, fields, ext, doc)                                                                   \
    {                                                                                              \
        n, NULL, NULL, fields, ext, doc                                                            \
    }

#define APPS "io.k8s.api.apps.v1."
#define BATCH "io.k8s.api.batch.v1."
#define NET "io.k8s.api.networking.v1."
#define RBAC "io.k8s.api.rbac.v1."
#define POLICY "io.k8s.api.policy.v1."
#define HPA "io.k8s.api.autoscaling.v2."
#define RESOURCE "io.k8s.apimachinery.pkg.api.resource."
#define INTSTR "io.k8s.apimachinery.pkg.util.intstr."

/* The tables of each file, and all of them in order (openapi_table.c). */
extern const oa_table kp_oa_table_meta, kp_oa_table_core, kp_oa_table_pod, kp_oa_table_apps,
    kp_oa_table_batch, kp_oa_table_net, kp_oa_table_rbac, kp_oa_table_misc;
extern const oa_table kp_oa_table_gitops;
extern const oa_table *const kp_oa_tables[];
extern const size_t kp_oa_ntables;

#define OA_DOC_MAX (64u * 1024 * 1024) /* one built document, far above the real size */

/* openapi_pb.c: the gnostic protobuf encoding of a v2 document (appended to b). */
int kp_openapi_pb_document(kp_buf *b, const json_t *doc);

#endif
