/* openapi_int: private to the openapi module (openapi.c builds and serves the documents,
 * openapi_table.c holds the field tables they are built from). */
#ifndef KP_OPENAPI_INT_H
#define KP_OPENAPI_INT_H

#include <stdbool.h>
#include <stddef.h>

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define CORE "io.k8s.api.core.v1."
#define AUTOSCALING "io.k8s.api.autoscaling.v1."

/* ---- the field tables: real per-field schemas slot in here ---- */

typedef enum {
    OA_OBJECT = 0, /* an object not described yet: any content, never an unknown field */
    OA_STRING,
    OA_BOOL,
    OA_INT32,
    OA_INT64,
    OA_STRMAP,  /* map of strings (labels, ConfigMap data) */
    OA_BYTEMAP, /* map of base64 strings (Secret data) */
    OA_LIST,    /* array of objects not described yet */
    OA_STRLIST, /* array of strings */
    OA_TIME,    /* meta/v1 Time (RFC 3339) */
    OA_MICROTIME,
    OA_REF,     /* the definition named by ref */
    OA_REFLIST, /* array of the definition named by ref */
} oa_type;

typedef struct {
    const char *name;
    oa_type type;
    const char *ref; /* OA_REF, OA_REFLIST: a definition of oa_defs[] or a kind's */
    bool required;
    const char *ext; /* JSON object merged into the property (x-kubernetes-list-type...) */
    const char *doc;
} oa_field;

/* A kind of the schema table: its fields besides apiVersion, kind and metadata. To describe a
 * field fully, turn its OA_OBJECT into OA_REF to a new oa_defs[] row. */
typedef struct {
    const char *group;
    const char *kind;
    const oa_field *fields;
    /* every nested schema is real and carries its patch-merge keys: PATCH then offers
     * strategic merge patch and kubectl apply computes it from this document */
    bool complete;
    const char *doc;
} oa_kind;

/* A named definition other than a kind's (meta/v1 types, ObjectReference, Scale, ...). */
typedef struct {
    const char *name;
    const char *type; /* NULL: an object with fields; else "string", "object" (no fields) */
    const char *format;
    const oa_field *fields;
    const char *ext;
    const char *doc;
} oa_def;

#define FIELDS(...) ((const oa_field[]){__VA_ARGS__, {NULL, OA_OBJECT, NULL, false, NULL, NULL}})
#define F(n, t, d)                                                                                 \
    {                                                                                              \
        n, t, NULL, false, NULL, d                                                                 \
    }
#define FREQ(n, t, d)                                                                              \
    {                                                                                              \
        n, t, NULL, true, NULL, d                                                                  \
    }
#define FREF(n, t, r, d)                                                                           \
    {                                                                                              \
        n, t, r, false, NULL, d                                                                    \
    }
#define SPEC(d) F("spec", OA_OBJECT, d)
#define STATUS(d) F("status", OA_OBJECT, d)
#define SPEC_STATUS                                                                                \
    SPEC("spec is the desired state of the object."),                                              \
        STATUS("status is the most recently observed state of the object; read-only.")

extern const oa_kind kp_oa_kinds[];
extern const size_t kp_oa_nkinds;
extern const oa_def kp_oa_defs[];
extern const size_t kp_oa_ndefs;

#endif
