/* crd_schema: the structural OpenAPI v3 schemas of CustomResourceDefinitions, as
 * k8s.io/apiextensions-apiserver applies them: checking that a CRD's schema is structural,
 * then for each custom object pruning unknown fields, defaulting and validating (type, enum,
 * bounds, lengths, patterns, formats, list types, ...), with Kubernetes' field paths and
 * wording. Schemas are jansson values read in place; pure functions of their arguments, so any
 * thread may call them. */
#ifndef KP_CRD_SCHEMA_H
#define KP_CRD_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Field errors collected before they become one 422 (field.ErrorList). Kubernetes reports
 * every problem; the first KP_CRD_ERRS_MAX are kept. */
#define KP_CRD_ERRS_MAX 64

typedef struct {
    char *field;        /* owned */
    const char *reason; /* FieldValueRequired, FieldValueInvalid, ... (static) */
    char *body;         /* owned: field.Error.ErrorBody(), e.g. "Required value" */
} kp_crd_err;

typedef struct {
    kp_crd_err e[KP_CRD_ERRS_MAX];
    size_t n;
} kp_crd_errs;

/* Adds an error; fmt makes its body. */
void kp_crd_errs_add(kp_crd_errs *errs, const char *field, const char *reason, const char *fmt, ...)
    KP_PRINTF(4, 5);
/* Frees the fields and bodies; errs may be reused. */
void kp_crd_errs_dispose(kp_crd_errs *errs);
/* errors.NewInvalid of the collected errors: one kp_err_cause() each and KP_EINVALID with
 * `<kind> "<name>" is invalid: <field>: <body>` (or `[a, b]` for several); 0 when there are
 * none. kind is qualified ("Widget.example.com"). Disposes errs. */
int kp_crd_errs_report(kp_crd_errs *errs, const char *kind, const char *name);

/* Checks that schema (an openAPIV3Schema) is structural and uses only what Kubernetes allows,
 * adding errors under path ("spec.versions[0].schema.openAPIV3Schema"). */
void kp_crd_schema_check(kp_crd_errs *errs, const json_t *schema, const char *path);

/* Removes the fields of obj (a whole custom object) that schema does not specify, except where
 * x-kubernetes-preserve-unknown-fields keeps them; apiVersion, kind and metadata stay at the
 * root and in embedded resources. When unknown is non-NULL the removed paths are appended to it
 * ("spec.foo", "spec.items[0].bar"). */
void kp_crd_schema_prune(json_t *obj, const json_t *schema, json_t *unknown);

/* Sets the `default` of every absent property (and of every null one that is not nullable),
 * recursively, as the apiserver does on create and update. */
void kp_crd_schema_default(json_t *obj, const json_t *schema);

/* Validates obj against schema, adding one error per problem with Kubernetes' wording
 * (`spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to
 * 10`). The root's apiVersion, kind and metadata are not checked here. */
void kp_crd_schema_validate(kp_crd_errs *errs, const json_t *obj, const json_t *schema);

#endif
