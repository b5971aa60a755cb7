/* fieldset: sets of field paths in Kubernetes' FieldsV1 form (structured-merge-diff's
 * fieldpath.Set as metadata.managedFields stores it), kept as that JSON tree: keys "f:<field>",
 * "k:<key fields as JSON>" (associative list items), "v:<value as JSON>" (set items),
 * "i:<index>", and "." marking a node that is itself a member. A node without children is a
 * member; the root never is. Pure functions of their arguments; any thread. */
#ifndef KP_FIELDSET_H
#define KP_FIELDSET_H

#include "lib/buf.h"
#include "lib/sv.h"

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* The shape of one field, as the x-kubernetes-list-type / -map-type OpenAPI extensions say. */
typedef enum {
    KP_FT_GRANULAR = 0, /* a map merges per key; a list without a type is atomic */
    KP_FT_ATOMIC,       /* replaced and owned whole */
    KP_FT_SET,          /* a list of scalars merged per value */
    KP_FT_MAP,          /* a list of objects merged per item, by its key fields */
    KP_FT_DICT,         /* a map whose keys are data, not fields (labels, data): merged per
                         * key, and itself a member where a write adds it (Kubernetes' "."
                         * on an added map in an Update entry) */
} kp_ft_kind;

#define KP_FT_KEYS_MAX 3

typedef struct {
    kp_ft_kind kind;
    size_t nkeys;
    kp_sv keys[KP_FT_KEYS_MAX];           /* KP_FT_MAP: the key fields (static storage) */
    const char *defaults[KP_FT_KEYS_MAX]; /* a key's value when an item omits it, or NULL */
} kp_field_type;

/* Where field types come from: the built-in table (kp_patch_field_types()) or a CRD schema.
 * at() describes the field at path (field names from the object's root; list items add no
 * segment) and writes KP_FT_GRANULAR for a field it does not know. */
typedef struct {
    void (*at)(kp_field_type *out, const void *ctx, const kp_sv *path, size_t depth);
    const void *ctx;
} kp_ftypes;

/* Checks a FieldsV1 value sent by a client: an object whose keys have one of the five forms
 * (with valid JSON after "k:" and "v:", an integer after "i:"), "." only mapping to {}, and
 * nesting within KP_JSON_DEPTH_MAX. KP_EINVALID with a message otherwise. *out is a copy
 * with redundant "." markers dropped; owned by the caller (json_decref). */
int kp_fieldset_parse(json_t **out, const json_t *fields);

/* The fields an applied configuration sets (structured-merge-diff's ToFieldSet): every leaf,
 * empty map and atomic value, and each associative or set list item. A list item without its
 * key fields, or two items with the same key, is KP_EINVALID. *out owned by the caller. */
int kp_fieldset_of(json_t **out, const json_t *obj, const kp_ftypes *ft);

/* What changed from old to new (either may be NULL for "no object"): *changed gets the added
 * and modified fields, *removed the fields gone. Both owned by the caller. Items whose keys
 * cannot be read are compared as one atomic value. */
void kp_fieldset_compare(json_t **changed, json_t **removed, const json_t *old, const json_t *new,
                         const kp_ftypes *ft);

/* The name of a list item in a set (fieldset's "k:{...}" with its key fields, or their
 * defaults, as compact JSON sorted by name; "v:<json>" for a set value) into b, replacing its
 * contents; false when the item cannot be named (not an object, no key field, not a scalar). */
bool kp_fieldset_item_key(kp_buf *b, const kp_field_type *t, const json_t *item);

/* dst becomes dst | src. */
void kp_fieldset_union(json_t *dst, const json_t *src);
/* a - b and a & b (members only: a node of b that is only a prefix removes nothing); owned by
 * the caller. */
json_t *kp_fieldset_diff(const json_t *a, const json_t *b);
json_t *kp_fieldset_inter(const json_t *a, const json_t *b);
/* Removes from s every path at or below the paths of strip (a FieldsV1 tree whose members
 * are whole subtrees to forget: apiVersion, metadata.uid, status, ...). */
void kp_fieldset_strip(json_t *s, const json_t *strip);
bool kp_fieldset_empty(const json_t *s);

/* Calls fn with each member path in Kubernetes' text form (".spec.replicas",
 * ".spec.containers[name=\"nginx\"].image", ".metadata.finalizers[=\"x\"]"); stops when fn
 * returns false. */
void kp_fieldset_each(const json_t *s, bool (*fn)(const char *path, void *arg), void *arg);

#endif
