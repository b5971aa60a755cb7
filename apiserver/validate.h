/* validate: Kubernetes' validation rules and their messages, shared by label selectors and the
 * REST handlers: k8s.io/apimachinery/pkg/util/validation (qualified names, label values, DNS-1123
 * names), pkg/api/validation (object names, ObjectMeta) and field.Error's text. Pure functions
 * of their arguments; any thread may call them. */
#ifndef KP_VALIDATE_H
#define KP_VALIDATE_H

#include <stdbool.h>
#include <jansson.h>
#include "lib/buf.h"
#include "lib/sv.h"
#include "apiserver/schema.h"

/* The checks below return true when v is valid. When it is not they append Kubernetes' messages
 * for it to why (NULL: just the answer), joined with "; " as Kubernetes' strings.Join does, e.g.
 * "name part must be no more than 63 characters; name part must consist of ...". */

/* IsQualifiedName: [prefix/]name, the rule for label keys, annotation keys and finalizers. */
bool kp_validate_qualified_name(kp_buf *why, kp_sv v);
/* IsValidLabelValue: empty, or a qualified name without prefix of at most 63 characters. */
bool kp_validate_label_value(kp_buf *why, kp_sv v);
/* IsDNS1123Subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
bool kp_validate_dns1123_subdomain(kp_buf *why, kp_sv v);
/* IsDNS1123Label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters. */
bool kp_validate_dns1123_label(kp_buf *why, kp_sv v);

/* An object name under rule: KP_NAME_SUBDOMAIN is NameIsDNSSubdomain, KP_NAME_LABEL is
 * NameIsDNSLabel, KP_NAME_PATH is ValidatePathSegmentName (not "." or "..", no '/' or '%', any
 * length). "" fails the DNS rules with their pattern message but passes KP_NAME_PATH, as in
 * Kubernetes, where an empty name is ObjectMeta's "Required value" (kp_validate_object_meta). */
bool kp_validate_object_name(kp_buf *why, const char *name, kp_name_rule rule);
/* metadata.generateName under rule, the prefix of a generated name: for the DNS rules a trailing
 * '-' is fine (k8s: maskTrailingDash); KP_NAME_PATH checks it as a name, as ValidateRBACName
 * ignores its prefix flag. */
bool kp_validate_generate_name(kp_buf *why, const char *prefix, kp_name_rule rule);

/* Appends v quoted as Go's %q prints the strings field errors carry: "..." with \" \\ \n \t \r
 * escaped and other control bytes as \xNN. */
void kp_validate_quote(kp_buf *b, kp_sv v);

/* ValidateObjectMeta for a create or an update of obj (a whole object; its "metadata" is read):
 * name (rule; "" is Required), generateName (rule, prefix), namespace (DNS-1123 label; Required
 * when namespaced, Forbidden otherwise, so call it after the namespace from the URL is set),
 * generation (>= 0), labels, annotations (keys case-insensitive, 256 KiB in all), ownerReferences
 * (apiVersion, kind, name and uid set; one controller; no Event owner) and finalizers (qualified,
 * a '/' unless "kubernetes", "orphan" or "foregroundDeletion", no duplicates, not both orphan and
 * foregroundDeletion). A field of the wrong JSON type is a FieldValueTypeInvalid cause worded as
 * a CRD schema's. Returns 0 when valid. Otherwise adds one kp_err_cause() per problem (field,
 * FieldValue* reason, field.Error's ErrorBody as the message) and returns KP_EINVALID with the
 * message errors.NewInvalid builds: `<kind> "<name>" is invalid: <field>: <body>`, or with two
 * or more distinct problems `... is invalid: [<field>: <body>, <field>: <body>]`. kind is the
 * qualified kind Kubernetes prints: "ConfigMap", "Deployment.apps". */
int kp_validate_object_meta(const json_t *obj, const char *kind, kp_name_rule rule,
                            bool namespaced);

/* ---- collecting field errors, for the admission of kplane's own kinds ---- */

#define KP_VERRS_MAX 32
#define KP_VERR_FIELD_MAX 256
#define KP_VERR_BODY_MAX 1024

/* field.ErrorList: each error's field path, FieldValue* reason and field.Error's ErrorBody.
 * Zero-initialize; past KP_VERRS_MAX errors more are dropped. */
typedef struct {
    struct {
        char field[KP_VERR_FIELD_MAX];
        const char *reason;
        char body[KP_VERR_BODY_MAX];
    } e[KP_VERRS_MAX];
    size_t n;
} kp_verrs;

void kp_verrs_add(kp_verrs *v, const char *field, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* field.Required ("Required value: detail"; detail may be ""), field.Forbidden, field.Invalid
 * with a string value quoted as Go's %q, field.Duplicate, and the FieldValueTypeInvalid a
 * schema check words: `Invalid value: "<json type>": <field> must be of type <want>`. */
void kp_verrs_required(kp_verrs *v, const char *field, const char *detail);
void kp_verrs_forbidden(kp_verrs *v, const char *field, const char *detail);
void kp_verrs_invalid(kp_verrs *v, const char *field, const char *value, const char *detail);
void kp_verrs_duplicate(kp_verrs *v, const char *field, const char *value);
void kp_verrs_type(kp_verrs *v, const char *field, const json_t *val, const char *want);
/* obj[key] checked for its type: NULL when absent or JSON null, or (a type error added) when it
 * is not a string (one without NUL bytes), an object, an array. */
const char *kp_verrs_str(kp_verrs *v, const json_t *obj, const char *key, const char *field);
const json_t *kp_verrs_obj(kp_verrs *v, const json_t *obj, const char *key, const char *field);
const json_t *kp_verrs_arr(kp_verrs *v, const json_t *obj, const char *key, const char *field);
/* One kp_err_cause() per error and KP_EINVALID with errors.NewInvalid's message:
 * `<kind> "<name>" is invalid: <field>: <body>`, several in [...]. 0 when there are none. */
int kp_verrs_report(const kp_verrs *v, const char *kind, const char *name);

#endif
