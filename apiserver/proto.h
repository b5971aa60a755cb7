/* proto: decodes request bodies sent as application/vnd.kubernetes.protobuf (kubectl >= 1.32
 * sends its typed "create" subcommands and "auth can-i/whoami" that way and never retries as
 * JSON) into the JSON object the rest of kplane works on. One table describes the Kubernetes
 * messages kplane understands; a generic wire-format walker turns them into JSON with Go's
 * encoding/json rules (omitempty, pointers, inline structs). No state; any thread may call it. */
#ifndef KP_PROTO_H
#define KP_PROTO_H

#include <stddef.h>
#include <jansson.h>

/* The media type, for Content-Type matching by the HTTP layer. */
#define KP_PROTO_MEDIA_TYPE "application/vnd.kubernetes.protobuf"

/* Decodes a body in application/vnd.kubernetes.protobuf (the 4 bytes "k8s\0", then a
 * runtime.Unknown envelope whose raw field holds the object's own message) into the JSON object
 * kubectl would have sent as application/json: apiVersion, kind, metadata, spec, data...; empty
 * and default fields are omitted as Go's omitempty would. KP_EBADREQUEST with a message on
 * malformed input (bad magic, truncated or overlong lengths, wrong wire types, groups, invalid
 * UTF-8, nesting past KP_JSON_DEPTH_MAX); KP_EMEDIATYPE naming the kind when the kind is not
 * one kplane can decode; KP_ETOOLARGE past KP_BODY_MAX or when the body would expand to more
 * JSON values than any real object has. *out is owned by the caller (json_decref). */
int kp_proto_decode(json_t **out, const void *body, size_t len);

#endif
