/* openapi_ext: the hooks of openapi.c that apiserver/crd_openapi.c builds a workspace's
 * documents with (the built-in documents plus its custom resources). Private to the two. */
#ifndef KP_OPENAPI_EXT_H
#define KP_OPENAPI_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "apiserver/schema.h"
#include "lib/buf.h"

/* The definition name of a kind ("com.example.v1.Widget" for a custom resource). */
const char *kp_openapi_def_name(char *buf, size_t n, const char *group, const char *version,
                                const char *kind);
/* Adds every path of r, OpenAPI version ver (2 or 3), to paths. */
void kp_openapi_ext_paths(json_t *paths, const kp_schema_res *r, int ver);
/* The <Kind>List definition of r (v2 form), its items named item_def; owned by the caller. */
json_t *kp_openapi_ext_list_schema(const kp_schema_res *r, const char *item_def);
/* Appends /openapi/v2 (gnostic protobuf when proto, else JSON) with paths and defs (v2 form)
 * added to the built-in document. */
int kp_openapi_ext_v2(kp_buf *out, bool proto, const json_t *paths, const json_t *defs);
/* Appends a v3 group-version document: paths (v3 form), defs (v2 form, converted) and every
 * definition they reach. */
int kp_openapi_ext_v3_doc(kp_buf *out, const json_t *paths, const json_t *defs);

#endif
