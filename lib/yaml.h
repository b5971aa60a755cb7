/* yaml: YAML becomes JSON at the border. The only module that includes libyaml. It reads YAML
 * as Kubernetes does (sigs.k8s.io/yaml: go-yaml v2's YAML 1.1 scalar resolution, then JSON)
 * and writes block-style YAML that reads back to the same JSON. No global state: any thread
 * may call it. */
#ifndef KP_YAML_H
#define KP_YAML_H

#include "lib/limits.h"

#include <jansson.h>
#include "lib/buf.h"

/* Caps on anchors and aliases per call, so a few hundred bytes cannot expand to gigabytes
 * ("billion laughs"). Past any of them: KP_EBADREQUEST "YAML aliases expand too much". */

/* Parses exactly one YAML document into JSON. Empty documents (nothing but comments or an
 * empty "---") are skipped; none left, or more than one left: KP_EBADREQUEST. Malformed YAML,
 * duplicate keys, nesting past KP_JSON_DEPTH_MAX, .inf/.nan values, null or non-scalar map
 * keys: KP_EBADREQUEST with "yaml: line L, column C: ...". *out is owned by the caller
 * (json_decref) and shares no node with anything else. */
int kp_yaml_parse(json_t **out, const char *text, size_t len);

/* Parses every document of a "---" separated stream into a JSON array, skipping documents
 * that are empty or null as kubectl does for manifests. Errors as kp_yaml_parse(); *out is
 * owned by the caller. */
int kp_yaml_parse_stream(json_t **out, const char *text, size_t len);

/* Appends v as block-style YAML (ends with a newline) such that kp_yaml_parse() of the text
 * gives back a value json_equal() to v. Strings that would read as another type are quoted;
 * integral reals are written "!!float 1" so they stay reals. KP_ETOOLARGE past out's cap;
 * KP_EINTERNAL when v nests deeper than KP_JSON_DEPTH_MAX (no parsed value can). */
int kp_yaml_emit(kp_buf *out, const json_t *v);

#endif
