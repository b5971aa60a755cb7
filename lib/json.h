/* json: jansson at kplane's borders. Parsing checks the nesting cap (KP_JSON_DEPTH_MAX)
 * before jansson sees the text and turns its errors into kp_err codes with a message a
 * person can act on. */
#ifndef KP_JSON_H
#define KP_JSON_H

#include <jansson.h>
#include "lib/buf.h"

/* Parses one JSON value. KP_EBADREQUEST on malformed text or nesting past the cap.
 * *out is owned by the caller (json_decref). */
int kp_json_parse(json_t **out, const char *text, size_t len);
/* Serializes compactly into b (appends). Keys keep insertion order. */
void kp_json_dump_buf(kp_buf *b, const json_t *v);
/* owned, free with free(); compact */
char *kp_json_dump(const json_t *v, size_t *len_out);
/* Borrowed from obj: the string at a dotted path ("metadata.name"), or NULL. */
const char *kp_json_get_str(const json_t *obj, const char *path);
/* Borrowed from obj: the value at a dotted path, or NULL. */
json_t *kp_json_get(const json_t *obj, const char *path);
/* Returns the object at key in obj, creating an empty one when absent or not an object;
 * borrowed from obj. */
json_t *kp_json_obj_ensure(json_t *obj, const char *key);
/* "object", "array", "string", "integer", "number", "boolean" or "null", as schemas name them. */
const char *kp_json_type_name(const json_t *v);

#endif
