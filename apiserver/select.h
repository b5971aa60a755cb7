/* select: Kubernetes label selectors (k8s.io/apimachinery/pkg/labels.Parse) and field
 * selectors (fields.ParseSelector), parsed from the labelSelector and fieldSelector query
 * parameters and matched against stored objects. A parsed kp_sel is immutable: any number
 * of threads may match with it at once. */
#ifndef KP_SELECT_H
#define KP_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "lib/buf.h"

typedef struct kp_sel kp_sel;

/* Parses a label selector: comma-separated terms key=v, key==v, key!=v, key in (a,b),
 * key notin (a,b), key, !key, key>n, key<n. NULL or "" is the empty selector, which matches
 * everything. KP_EBADREQUEST with Kubernetes' message on bad syntax, an invalid key or value,
 * or text longer than KP_SELECTOR_MAX. *out is owned, free with kp_sel_free(). */
int kp_sel_parse_labels(kp_sel **out, const char *text);

/* Parses a field selector: comma-separated f=v, f==v, f!=v; in values \, \= and \\ stand for
 * the character. NULL or "" is the empty selector. KP_EBADREQUEST on bad syntax or text
 * longer than KP_SELECTOR_MAX. *out is owned, free with kp_sel_free(). */
int kp_sel_parse_fields(kp_sel **out, const char *text);

/* True when s has no terms (it matches everything); NULL is empty. */
bool kp_sel_empty(const kp_sel *s);

/* Matches a label selector against metadata.labels (an object of strings, or NULL when the
 * object has none). A NULL selector matches everything. */
bool kp_sel_match_labels(const kp_sel *s, const json_t *labels);

/* Matches a field selector against a whole object. Each field is a dotted path into obj
 * (metadata.name, spec.nodeName, involvedObject.kind, ...); a missing field reads as "",
 * booleans and numbers as Go prints them ("true", "3"). A NULL selector matches everything. */
bool kp_sel_match_fields(const kp_sel *s, const json_t *obj);

/* KP_EBADREQUEST "field label not supported: f" for the first field of s that is neither in
 * allowed[0..n) nor metadata.name or metadata.namespace, which every resource supports. */
int kp_sel_check_fields(const kp_sel *s, const char *const *allowed, size_t n);

/* Appends the canonical text of s: terms sorted, label values sorted and deduplicated, field
 * values escaped. Parsing it gives the same selector back. */
void kp_sel_string(kp_buf *out, const kp_sel *s);

/* NULL is fine. */
void kp_sel_free(kp_sel *s);

#endif
