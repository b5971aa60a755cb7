#include "lib/common.h"
#include "lib/json.h"
#include "lib/limits.h"

/* Counts nesting outside strings; jansson's own cap (2048) is far above ours. */
static int json_check_depth(const char *p, size_t len)
{
    int depth = 0;
    bool in_str = false;

    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '{' || c == '[') {
            if (++depth > KP_JSON_DEPTH_MAX)
                return kp_err_set(KP_EBADREQUEST, "JSON nesting is deeper than %d levels",
                                  KP_JSON_DEPTH_MAX);
        } else if (c == '}' || c == ']')
            depth--;
    }
    return 0;
}

int kp_json_parse(json_t **out, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *v;
    int rc;

    if ((rc = json_check_depth(text, len)) < 0)
        return rc;
    v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!v)
        return kp_err_set(KP_EBADREQUEST, "malformed JSON at line %d, column %d: %s", jerr.line,
                          jerr.column, jerr.text);
    *out = v;
    return 0;
}

static int json_dump_cb(const char *buffer, size_t size, void *data)
{
    kp_buf *b = data;
    kp_buf_put(b, buffer, size);
    return b->err ? -1 : 0;
}

void kp_json_dump_buf(kp_buf *b, const json_t *v)
{
    json_dump_callback(v, json_dump_cb, b, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

char *kp_json_dump(const json_t *v, size_t *len_out)
{
    kp_buf b;
    kp_buf_init(&b, SIZE_MAX / 2);
    kp_json_dump_buf(&b, v);
    return kp_buf_take(&b, len_out);
}

json_t *kp_json_get(const json_t *obj, const char *path)
{
    const char *p = path;
    json_t *cur = (json_t *)obj;

    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!json_is_object(cur))
            return NULL;
        cur = json_object_getn(cur, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

const char *kp_json_get_str(const json_t *obj, const char *path)
{
    return json_string_value(kp_json_get(obj, path));
}

json_t *kp_json_obj_ensure(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_object(v))
        return v;
    v = json_object();
    json_object_set_new(obj, key, v);
    return v;
}

const char *kp_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        break;
    }
    return "null";
}
