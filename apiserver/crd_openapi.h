/* crd_openapi: /openapi/v2 and /openapi/v3 of a workspace with custom resources: the built-in
 * documents plus a definition (x-kubernetes-group-version-kind) and paths for each served CRD
 * version, so kubectl validates, applies and explains custom resources. Built per request
 * from the workspace's kp_crd_set; any thread may call it. */
#ifndef KP_CRD_OPENAPI_H
#define KP_CRD_OPENAPI_H

#include "apiserver/crd.h"
#include "apiserver/openapi.h"

#define KP_CRD_ETAG_MAX 72

/* kp_openapi_serve() for a workspace whose custom resources are set (NULL or empty: the
 * built-in documents). out->etag points into etag. */
int kp_crd_openapi_serve(kp_openapi_reply *out, kp_buf *body, char etag[KP_CRD_ETAG_MAX],
                         const kp_crd_set *set, const char *path, const char *hash,
                         const char *accept, const char *if_none_match);

#endif
