#include "lib/common.h"
#include "apiserver/openapi_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The gnostic protobuf form of an OpenAPI v2 document (github.com/google/gnostic
 * openapiv2/OpenAPIv2.proto), which kubectl 1.27 and 1.28 fetch: a generic walker over the
 * document's JSON tree driven by a descriptor table, so the JSON and protobuf forms cannot
 * drift apart. */

typedef enum {
    PB_DOCUMENT = 0,
    PB_INFO,
    PB_PATHS,
    PB_PATH_ITEM,
    PB_OPERATION,
    PB_PARAMETERS_ITEM, /* oneof Parameter{body | non-body}, JsonReference */
    PB_BODY_PARAMETER,
    PB_QUERY_PARAMETER,
    PB_PATH_PARAMETER,
    PB_HEADER_PARAMETER,
    PB_RESPONSES,
    PB_RESPONSE_VALUE, /* oneof Response, JsonReference */
    PB_RESPONSE,
    PB_SCHEMA_ITEM, /* oneof Schema, FileSchema */
    PB_SCHEMA,
    PB_DEFINITIONS,
    PB_PROPERTIES,
    PB_TYPE_ITEM,             /* a type name or a list of them */
    PB_ITEMS_ITEM,            /* a schema or a list of them */
    PB_ADDITIONAL_PROPERTIES, /* oneof Schema, bool */
} pb_msg;

typedef enum { PK_STRING = 0, PK_BOOL, PK_STRINGS, PK_MSG, PK_MSGS } pb_kind;

typedef struct {
    const char *key;
    uint32_t field;
    pb_kind kind;
    pb_msg msg;
} pb_field;

/* A message read from a JSON object: known keys by the table; "x-" keys as repeated NamedAny
 * at ext; any other key as repeated Named<msg>{1: name, 2: value} at named. 0: none. */
typedef struct {
    const pb_field *fields;
    uint32_t ext;
    uint32_t named;
    pb_msg named_msg;
} pb_desc;

#define PBF(...) ((const pb_field[]){__VA_ARGS__, {NULL, 0, PK_STRING, PB_DOCUMENT}})

/* Field numbers as in OpenAPIv2.proto (message Document: swagger = 1, info = 2, host = 3,
 * base_path = 4, schemes = 5, consumes = 6, produces = 7, paths = 8, definitions = 9, ...,
 * vendor_extension = 16; and so on for each message below). */
static const pb_desc pb_descs[] = {
    [PB_DOCUMENT] = {PBF({"swagger", 1, PK_STRING, 0}, {"info", 2, PK_MSG, PB_INFO},
                         {"host", 3, PK_STRING, 0}, {"basePath", 4, PK_STRING, 0},
                         {"schemes", 5, PK_STRINGS, 0}, {"consumes", 6, PK_STRINGS, 0},
                         {"produces", 7, PK_STRINGS, 0}, {"paths", 8, PK_MSG, PB_PATHS},
                         {"definitions", 9, PK_MSG, PB_DEFINITIONS}),
                     16, 0, 0},
    [PB_INFO] = {PBF({"title", 1, PK_STRING, 0}, {"version", 2, PK_STRING, 0},
                     {"description", 3, PK_STRING, 0}),
                 7, 0, 0},
    [PB_PATHS] = {NULL, 1, 2, PB_PATH_ITEM},
    [PB_PATH_ITEM] = {PBF({"$ref", 1, PK_STRING, 0}, {"get", 2, PK_MSG, PB_OPERATION},
                          {"put", 3, PK_MSG, PB_OPERATION}, {"post", 4, PK_MSG, PB_OPERATION},
                          {"delete", 5, PK_MSG, PB_OPERATION}, {"options", 6, PK_MSG, PB_OPERATION},
                          {"head", 7, PK_MSG, PB_OPERATION}, {"patch", 8, PK_MSG, PB_OPERATION},
                          {"parameters", 9, PK_MSGS, PB_PARAMETERS_ITEM}),
                      10, 0, 0},
    [PB_OPERATION] = {PBF({"tags", 1, PK_STRINGS, 0}, {"summary", 2, PK_STRING, 0},
                          {"description", 3, PK_STRING, 0}, {"operationId", 5, PK_STRING, 0},
                          {"produces", 6, PK_STRINGS, 0}, {"consumes", 7, PK_STRINGS, 0},
                          {"parameters", 8, PK_MSGS, PB_PARAMETERS_ITEM},
                          {"responses", 9, PK_MSG, PB_RESPONSES}, {"schemes", 10, PK_STRINGS, 0},
                          {"deprecated", 11, PK_BOOL, 0}),
                      13, 0, 0},
    [PB_BODY_PARAMETER] = {PBF({"description", 1, PK_STRING, 0}, {"name", 2, PK_STRING, 0},
                               {"in", 3, PK_STRING, 0}, {"required", 4, PK_BOOL, 0},
                               {"schema", 5, PK_MSG, PB_SCHEMA}),
                           6, 0, 0},
    [PB_QUERY_PARAMETER] = {PBF({"required", 1, PK_BOOL, 0}, {"in", 2, PK_STRING, 0},
                                {"description", 3, PK_STRING, 0}, {"name", 4, PK_STRING, 0},
                                {"allowEmptyValue", 5, PK_BOOL, 0}, {"type", 6, PK_STRING, 0},
                                {"format", 7, PK_STRING, 0}, {"uniqueItems", 20, PK_BOOL, 0}),
                            23, 0, 0},
    [PB_PATH_PARAMETER] = {PBF({"required", 1, PK_BOOL, 0}, {"in", 2, PK_STRING, 0},
                               {"description", 3, PK_STRING, 0}, {"name", 4, PK_STRING, 0},
                               {"type", 5, PK_STRING, 0}, {"format", 6, PK_STRING, 0},
                               {"uniqueItems", 19, PK_BOOL, 0}),
                           22, 0, 0},
    [PB_HEADER_PARAMETER] = {PBF({"required", 1, PK_BOOL, 0}, {"in", 2, PK_STRING, 0},
                                 {"description", 3, PK_STRING, 0}, {"name", 4, PK_STRING, 0},
                                 {"type", 5, PK_STRING, 0}, {"format", 6, PK_STRING, 0},
                                 {"uniqueItems", 19, PK_BOOL, 0}),
                             22, 0, 0},
    [PB_RESPONSES] = {NULL, 2, 1, PB_RESPONSE_VALUE},
    [PB_RESPONSE] = {PBF({"description", 1, PK_STRING, 0}, {"schema", 2, PK_MSG, PB_SCHEMA_ITEM}),
                     5, 0, 0},
    [PB_SCHEMA] = {PBF({"$ref", 1, PK_STRING, 0}, {"format", 2, PK_STRING, 0},
                       {"title", 3, PK_STRING, 0}, {"description", 4, PK_STRING, 0},
                       {"uniqueItems", 16, PK_BOOL, 0}, {"required", 19, PK_STRINGS, 0},
                       {"additionalProperties", 21, PK_MSG, PB_ADDITIONAL_PROPERTIES},
                       {"type", 22, PK_MSG, PB_TYPE_ITEM}, {"items", 23, PK_MSG, PB_ITEMS_ITEM},
                       {"allOf", 24, PK_MSGS, PB_SCHEMA}, {"properties", 25, PK_MSG, PB_PROPERTIES},
                       {"readOnly", 27, PK_BOOL, 0}),
                   31, 0, 0},
    [PB_DEFINITIONS] = {NULL, 0, 1, PB_SCHEMA},
    [PB_PROPERTIES] = {NULL, 0, 1, PB_SCHEMA},
};

static void pb_varint(kp_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        kp_buf_putc(b, (char)(v | 0x80));
        v >>= 7;
    }
    kp_buf_putc(b, (char)v);
}

static void pb_tag(kp_buf *b, uint32_t field, unsigned wire)
{
    pb_varint(b, ((uint64_t)field << 3) | wire);
}

static void pb_bytes(kp_buf *b, uint32_t field, const void *p, size_t n)
{
    pb_tag(b, field, 2);
    pb_varint(b, n);
    kp_buf_put(b, p, n);
}

static void pb_string(kp_buf *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static int pb_encode(kp_buf *b, pb_msg m, const json_t *v);

/* field = the message m read from v, length-delimited. */
static int pb_nested(kp_buf *b, uint32_t field, pb_msg m, const json_t *v)
{
    kp_buf tmp;
    int rc;
    kp_buf_init(&tmp, OA_DOC_MAX);
    if ((rc = pb_encode(&tmp, m, v)) == 0 && (rc = kp_buf_status(&tmp)) == 0)
        pb_bytes(b, field, tmp.p ? tmp.p : "", tmp.len);
    kp_buf_dispose(&tmp);
    return rc;
}

/* A Named<X> entry {1: name, 2: X} at field. */
static int pb_named(kp_buf *b, uint32_t field, const char *name, pb_msg m, const json_t *v)
{
    kp_buf tmp;
    int rc;
    kp_buf_init(&tmp, OA_DOC_MAX);
    pb_string(&tmp, 1, name);
    if ((rc = pb_nested(&tmp, 2, m, v)) == 0 && (rc = kp_buf_status(&tmp)) == 0)
        pb_bytes(b, field, tmp.p, tmp.len);
    kp_buf_dispose(&tmp);
    return rc;
}

/* k8s: a vendor extension is NamedAny{1: name, 2: Any{2: yaml}}; kubectl reads the value with
 * a YAML parser, so JSON text (a subset of YAML) is what we write. */
static int pb_extension(kp_buf *b, uint32_t field, const char *name, const json_t *v)
{
    char *yaml = json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS);
    kp_buf any, named;
    int rc;
    if (!yaml)
        return kp_err_set(KP_EINTERNAL, "openapi: cannot serialize extension \"%s\"", name);
    kp_buf_init(&any, OA_DOC_MAX);
    kp_buf_init(&named, OA_DOC_MAX);
    pb_string(&any, 2, yaml);
    pb_string(&named, 1, name);
    pb_bytes(&named, 2, any.p, any.len);
    if ((rc = kp_buf_status(&named)) == 0)
        pb_bytes(b, field, named.p, named.len);
    kp_buf_dispose(&any);
    kp_buf_dispose(&named);
    free(yaml);
    return rc;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of o, sorted: the protobuf bytes do not depend on insertion order. Owned. */
static const char **sorted_keys(const json_t *o, size_t *n_out)
{
    size_t n = json_object_size(o), i = 0;
    const char **keys = kp_calloc(n ? n : 1, sizeof(*keys));
    const char *k;
    json_t *e;
    json_object_foreach((json_t *)o, k, e)
    {
        keys[i++] = k;
    }
    qsort(keys, n, sizeof(*keys), key_cmp);
    *n_out = n;
    return keys;
}

static int pb_field_encode(kp_buf *b, const pb_field *f, const char *key, const json_t *v)
{
    size_t i;
    json_t *e;
    int rc = 0;
    switch (f->kind) {
    case PK_STRING:
        if (!json_is_string(v))
            return kp_err_set(KP_EINTERNAL, "openapi: \"%s\" is not a string", key);
        pb_string(b, f->field, json_string_value(v));
        return 0;
    case PK_BOOL:
        if (!json_is_boolean(v))
            return kp_err_set(KP_EINTERNAL, "openapi: \"%s\" is not a boolean", key);
        if (json_is_true(v)) { /* proto3 leaves false out */
            pb_tag(b, f->field, 0);
            pb_varint(b, 1);
        }
        return 0;
    case PK_STRINGS:
        if (!json_is_array(v))
            return kp_err_set(KP_EINTERNAL, "openapi: \"%s\" is not an array", key);
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e))
                return kp_err_set(KP_EINTERNAL, "openapi: \"%s\" holds a non-string", key);
            pb_string(b, f->field, json_string_value(e));
        }
        return 0;
    case PK_MSG:
        return pb_nested(b, f->field, f->msg, v);
    case PK_MSGS:
        if (!json_is_array(v))
            return kp_err_set(KP_EINTERNAL, "openapi: \"%s\" is not an array", key);
        json_array_foreach(v, i, e)
        {
            if ((rc = pb_nested(b, f->field, f->msg, e)) < 0)
                return rc;
        }
        return 0;
    }
    return KP_EINTERNAL;
}

/* A message read from the JSON object v through its descriptor. */
static int pb_encode_desc(kp_buf *b, const pb_desc *d, const json_t *v)
{
    size_t n;
    const char **keys;
    int rc = 0;

    if (!json_is_object(v))
        return kp_err_set(KP_EINTERNAL, "openapi: a protobuf message is not a JSON object");
    keys = sorted_keys(v, &n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *e = json_object_get(v, keys[i]);
        const pb_field *f = d->fields;
        while (f && f->key && strcmp(f->key, keys[i]) != 0)
            f++;
        if (f && f->key)
            rc = pb_field_encode(b, f, keys[i], e);
        else if (d->ext && strncmp(keys[i], "x-", 2) == 0)
            rc = pb_extension(b, d->ext, keys[i], e);
        else if (d->named)
            rc = pb_named(b, d->named, keys[i], d->named_msg, e);
        else
            rc = kp_err_set(KP_EINTERNAL, "openapi: no protobuf field for \"%s\"", keys[i]);
    }
    free(keys);
    return rc;
}

/* JsonReference{1: _ref, 2: description} */
static int pb_json_reference(kp_buf *b, uint32_t field, const json_t *v)
{
    kp_buf tmp;
    int rc;
    const char *desc = json_string_value(json_object_get(v, "description"));
    kp_buf_init(&tmp, OA_DOC_MAX);
    pb_string(&tmp, 1, json_string_value(json_object_get(v, "$ref")));
    if (desc)
        pb_string(&tmp, 2, desc);
    if ((rc = kp_buf_status(&tmp)) == 0)
        pb_bytes(b, field, tmp.p, tmp.len);
    kp_buf_dispose(&tmp);
    return rc;
}

static int pb_encode(kp_buf *b, pb_msg m, const json_t *v)
{
    size_t i;
    json_t *e;
    int rc = 0;

    switch (m) {
    case PB_PARAMETERS_ITEM: {
        /* ParametersItem{1: Parameter{1: BodyParameter, 2: NonBodyParameter{1: header,
         * 2: formData, 3: query, 4: path}}, 2: JsonReference} */
        const char *in = json_string_value(json_object_get(v, "in"));
        kp_buf param, nonbody;
        if (json_is_string(json_object_get(v, "$ref")))
            return pb_json_reference(b, 2, v);
        if (!in)
            return kp_err_set(KP_EINTERNAL, "openapi: a parameter has no \"in\"");
        kp_buf_init(&param, OA_DOC_MAX);
        kp_buf_init(&nonbody, OA_DOC_MAX);
        if (strcmp(in, "body") == 0) {
            rc = pb_nested(&param, 1, PB_BODY_PARAMETER, v);
        } else {
            uint32_t which = strcmp(in, "query") == 0    ? 3
                             : strcmp(in, "path") == 0   ? 4
                             : strcmp(in, "header") == 0 ? 1
                                                         : 0;
            pb_msg sub = which == 3   ? PB_QUERY_PARAMETER
                         : which == 4 ? PB_PATH_PARAMETER
                                      : PB_HEADER_PARAMETER;
            if (!which)
                rc = kp_err_set(KP_EINTERNAL, "openapi: parameters \"in\" %s are not encoded", in);
            if (rc == 0 && (rc = pb_nested(&nonbody, which, sub, v)) == 0)
                pb_bytes(&param, 2, nonbody.p, nonbody.len);
        }
        if (rc == 0 && (rc = kp_buf_status(&param)) == 0)
            pb_bytes(b, 1, param.p, param.len);
        kp_buf_dispose(&param);
        kp_buf_dispose(&nonbody);
        return rc;
    }
    case PB_RESPONSE_VALUE: /* ResponseValue{1: Response, 2: JsonReference} */
        if (json_is_string(json_object_get(v, "$ref")))
            return pb_json_reference(b, 2, v);
        return pb_nested(b, 1, PB_RESPONSE, v);
    case PB_SCHEMA_ITEM: /* SchemaItem{1: Schema, 2: FileSchema} */
        return pb_nested(b, 1, PB_SCHEMA, v);
    case PB_TYPE_ITEM: /* TypeItem{repeated string value = 1} */
        if (json_is_string(v)) {
            pb_string(b, 1, json_string_value(v));
            return 0;
        }
        if (!json_is_array(v))
            return kp_err_set(KP_EINTERNAL, "openapi: a schema type is neither text nor list");
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e))
                return kp_err_set(KP_EINTERNAL, "openapi: a schema type list holds a non-string");
            pb_string(b, 1, json_string_value(e));
        }
        return 0;
    case PB_ITEMS_ITEM: /* ItemsItem{repeated Schema schema = 1} */
        if (json_is_object(v))
            return pb_nested(b, 1, PB_SCHEMA, v);
        if (!json_is_array(v))
            return kp_err_set(KP_EINTERNAL, "openapi: schema items are neither schema nor list");
        json_array_foreach(v, i, e)
        {
            if ((rc = pb_nested(b, 1, PB_SCHEMA, e)) < 0)
                return rc;
        }
        return 0;
    case PB_ADDITIONAL_PROPERTIES: /* AdditionalPropertiesItem{1: Schema, 2: bool} */
        if (json_is_boolean(v)) {
            pb_tag(b, 2, 0);
            pb_varint(b, json_is_true(v) ? 1 : 0);
            return 0;
        }
        return pb_nested(b, 1, PB_SCHEMA, v);
    default:
        return pb_encode_desc(b, &pb_descs[m], v);
    }
}

int kp_openapi_pb_document(kp_buf *b, const json_t *doc)
{
    return pb_encode(b, PB_DOCUMENT, doc);
}
