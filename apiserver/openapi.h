/* openapi: the OpenAPI documents kubectl downloads before create/apply/replace/edit: v3 as an
 * index plus one JSON document per group-version (where kubectl >= 1.27 looks first), v2 as
 * JSON and as gnostic protobuf (the only v2 form kubectl asks for: up front in 1.27/1.28, for
 * apply's patch type and as the fallback of the fieldValidation check in every version). All
 * come from the schema table and the field tables (openapi_table*.c), built once
 * (kp_openapi_init, or lazily on first use) and read-only afterwards: any thread may call every
 * function. */
#ifndef KP_OPENAPI_H
#define KP_OPENAPI_H

#include <stdbool.h>
#include <jansson.h>
#include "lib/buf.h"
#include "lib/sv.h"

/* k8s: the patchStrategy and patchMergeKey struct tags of k8s.io/api (strategic merge patch) */
enum { KP_PATCH_MERGE = 1, KP_PATCH_RETAIN_KEYS = 2, KP_PATCH_REPLACE = 4 };

typedef struct {
    unsigned strategy; /* KP_PATCH_* bits; 0: none (maps merge, lists are replaced) */
    const char *key;   /* patchMergeKey; NULL for lists of scalars */
} kp_patch_meta;

/* What the field tables say about one field besides its schema: the one source of the patch
 * strategies (patch.c) and of the list types (x-kubernetes-list-type, -list-map-keys). */
typedef struct {
    kp_patch_meta patch;
    const char *list_type; /* "atomic", "set", "map" or NULL */
    const char *map_keys;  /* list type "map": the key fields, comma-separated ("port,protocol") */
} kp_openapi_field_meta;

/* /openapi/v2 as protobuf is answered with Content-Type KP_OPENAPI_V2_PB, as kube-apiserver
 * does (a type Go's mime package can parse: client-go rejects the "@" form in a response) and
 * requested with any of the three names: that one, the "@" form kubectl >= 1.27 sends and the
 * older gnostic name. */
#define KP_OPENAPI_V2_PB "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
#define KP_OPENAPI_V2_PB_AT "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
#define KP_OPENAPI_V2_PB_OLD "application/com.github.proto-openapiv2.v2.v2.0.0@v2.0.0+protobuf"

/* Builds every document. main calls it before the threads start; the other functions call it
 * too (once, under pthread_once), so calling it is optional. KP_EINTERNAL when a field table is
 * inconsistent (a $ref to an undefined schema, an unparsable extension, a patch strategy written
 * as an extension): the unit test keeps that from shipping. */
int kp_openapi_init(void);
/* Removes from obj the fields the schema of (group, kind) does not have, where it describes
 * them (a field it leaves open keeps everything), and lists their paths ("bogus",
 * "metadata.foo", "spec.ports[0].bar") in *unknown_out (a new array, owned by the caller). */
int kp_openapi_prune(json_t **unknown_out, json_t *obj, const char *group, const char *kind);

/* The metadata of the field at path (n JSON field names from the root of an object of the
 * built-in kind named kind, as "spec", "template", "spec", "containers"; list elements add
 * none), or NULL when the tables do not describe that field. Borrowed from static tables: valid
 * for the process's life. A kind name served by two groups (Event) is the core group's; "Scale"
 * is autoscaling/v1's. */
const kp_openapi_field_meta *kp_openapi_field_lookup(const char *kind, const kp_sv *path, size_t n);

/* What server-side apply needs of the same field: its list type and keys, whether it is a map
 * of values (labels, ConfigMap data, resource quantities) rather than a struct, and whether it
 * is atomic (x-kubernetes-map-type atomic on the field or its definition: LabelSelector,
 * Service.spec.selector). Strings are static. false when the tables do not describe the field. */
typedef struct {
    const char *list_type; /* "atomic", "set", "map" or NULL */
    const char *map_keys;  /* "port,protocol" */
    bool dict;
    bool atomic;
} kp_openapi_shape;
bool kp_openapi_field_shape(kp_openapi_shape *out, const char *kind, const kp_sv *path, size_t n);

/* Each appends one document to out (0, KP_ETOOLARGE past out's cap, KP_EINTERNAL as above). */
int kp_openapi_v2_json(kp_buf *out);
/* The gnostic openapi.v2.Document message, the twin of kp_openapi_v2_json(). */
int kp_openapi_v2_proto(kp_buf *out);
/* {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=..."},...}} */
int kp_openapi_v3_index(kp_buf *out);
/* The document of gv_path ("api/v1", "apis/apps/v1"); KP_ENOTFOUND for a group-version the
 * schema table does not serve. */
int kp_openapi_v3_doc(kp_buf *out, const char *gv_path);
/* The content hash (upper-case hex SHA-256 of the document) of gv_path, as in its
 * serverRelativeURL; KP_ENOTFOUND as above. *out is static: valid for the process's life. */
int kp_openapi_v3_hash(const char **out, const char *gv_path);

/* What to send besides the body; every string is static (valid for the process's life). */
typedef struct {
    int code;                 /* 200, or 304 when If-None-Match names the current ETag */
    const char *content_type; /* NULL with 304 */
    const char *etag;         /* quoted */
    /* /openapi/v3/<gv>?hash=: immutable with the current hash, "no-store" with another; NULL
     * elsewhere (clients revalidate with the ETag) */
    const char *cache_control;
    const char *vary; /* "Accept" where the answer depends on it, else NULL */
} kp_openapi_reply;

/* Answers GET <path> for path "/openapi/v2", "/openapi/v3" or "/openapi/v3/<gv_path>" (the
 * request path below /clusters/<ws>, without its query). hash is the ?hash= parameter or NULL;
 * accept and if_none_match are the request headers or NULL. The body is appended to body.
 * KP_ENOTFOUND for another path or an unknown group-version; KP_ENOTACCEPTABLE when Accept
 * names nothing served there (JSON everywhere, protobuf for v2 only). */
int kp_openapi_serve(kp_openapi_reply *out, kp_buf *body, const char *path, const char *hash,
                     const char *accept, const char *if_none_match);

#endif
