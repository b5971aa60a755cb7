/* patch: the three PATCH body formats kube-apiserver accepts, applied to a json_t: RFC 7386 JSON
 * merge patch, RFC 6902 JSON patch (RFC 6901 pointers) and strategic merge patch for built-in
 * kinds. Pure functions of their arguments: the original and the patch are never modified and
 * the result shares no node with them; any thread may call them. */
#ifndef KP_PATCH_H
#define KP_PATCH_H

#include "apiserver/fieldset.h"
#include "lib/limits.h"

#include <stdbool.h>
#include <jansson.h>

/* k8s: maxJSONPatchOperations in apiserver/pkg/endpoints/handlers/patch.go; more is a 413. */

/* RFC 7386 merge patch. Fails only on nesting past KP_JSON_DEPTH_MAX (KP_EBADREQUEST) or a
 * result over KP_OBJECT_MAX (KP_EINVALID). *out is owned by the caller (json_decref). */
int kp_patch_merge(json_t **out, const json_t *orig, const json_t *patch);

/* RFC 6902 JSON patch, applied to a copy: a body that is not an array of objects is
 * KP_EBADREQUEST, more than KP_PATCH_OPS_MAX operations KP_ETOOLARGE, any operation that
 * fails (failed test, bad or missing path, ...) KP_EINVALID, as kube-apiserver answers 400,
 * 413 and 422. *out is owned by the caller (json_decref). */
int kp_patch_json(json_t **out, const json_t *orig, const json_t *ops);

/* Strategic merge patch for the built-in kind named kind ("Deployment"), with the patch
 * strategies and merge keys of the k8s.io/api struct tags and the directives $patch,
 * $retainKeys, $setElementOrder/<list> and $deleteFromPrimitiveList/<list>. orig must be a
 * JSON object. A malformed patch or directive is KP_EBADREQUEST, a patch that cannot be
 * applied (list element without its merge key, mixed element types) KP_EINVALID, a kind
 * without strategies KP_EMEDIATYPE. *out is owned by the caller (json_decref). */
int kp_patch_strategic(json_t **out, const json_t *orig, const json_t *patch, const char *kind);

/* Whether kind is a built-in kind kp_patch_strategic() knows; custom resources are not (the
 * caller answers their strategic merge patches with 415). */
bool kp_patch_strategic_known(const char *kind);

/* The field types of the built-in kind named kind (static storage: it is kept) for server-side
 * apply, read from the field tables the patch strategies come from (kp_openapi_field_shape):
 * list types and keys, atomic maps and structs, maps of values. Kinds not in the tables
 * (custom resources) get a kp_ftypes that knows no field. */
kp_ftypes kp_patch_field_types(const char *kind);

#endif
