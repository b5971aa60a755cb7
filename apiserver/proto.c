#include "lib/common.h"
#include "apiserver/proto.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "apiserver/proto_int.h"

/* A request body holds at most KP_BODY_MAX bytes, but a 2-byte empty message can become an
 * object with defaults; cap the values made so a crafted body cannot cost more memory than the
 * largest legitimate object (an etcd-sized 1.5 MiB of JSON has fewer). */
/* Longest apiVersion/kind quoted back in an error message. */
#define PROTO_QUOTE_MAX 64

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} rd;

typedef struct {
    size_t values; /* JSON values made so far */
} dec;

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as jansson wants. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static int rd_varint(uint64_t *out, rd *r)
{
    uint64_t v = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (r->p == r->end)
            return kp_err_set(KP_EBADREQUEST, "protobuf body is truncated inside a varint");
        b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80) {
            *out = v;
            return 0;
        }
    }
    return kp_err_set(KP_EBADREQUEST, "protobuf varint is longer than 10 bytes");
}

/* A length-delimited payload, bounded by what is left of the enclosing message. */
static int rd_bytes(const uint8_t **p, size_t *n, rd *r)
{
    uint64_t len;
    int rc;

    if ((rc = rd_varint(&len, r)) < 0)
        return rc;
    if (len > (uint64_t)(r->end - r->p))
        return kp_err_set(KP_EBADREQUEST,
                          "protobuf length %llu runs past the end of its message (%zu bytes left)",
                          (unsigned long long)len, (size_t)(r->end - r->p));
    *p = r->p;
    *n = (size_t)len;
    r->p += len;
    return 0;
}

static int rd_tag(uint32_t *field, unsigned *wt, rd *r)
{
    uint64_t v;
    int rc;

    if ((rc = rd_varint(&v, r)) < 0)
        return rc;
    /* proto: field numbers are 1 .. 2^29-1 */
    if (v >> 3 == 0 || v >> 3 > 0x1FFFFFFF)
        return kp_err_set(KP_EBADREQUEST, "protobuf field number %llu is invalid",
                          (unsigned long long)(v >> 3));
    *field = (uint32_t)(v >> 3);
    *wt = (unsigned)(v & 7);
    return 0;
}

static int rd_skip(rd *r, uint32_t field, unsigned wt)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    uint64_t v;

    switch (wt) {
    case 0:
        return rd_varint(&v, r);
    case 1:
    case 5:
        n = wt == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return kp_err_set(KP_EBADREQUEST, "protobuf body is truncated inside field %u", field);
        r->p += n;
        return 0;
    case 2:
        return rd_bytes(&p, &n, r);
    case 3:
    case 4:
        /* Kubernetes never uses groups; skipping them would need unbounded recursion. */
        return kp_err_set(KP_EBADREQUEST, "protobuf field %u uses groups (wire type %u)", field,
                          wt);
    default:
        return kp_err_set(KP_EBADREQUEST, "protobuf field %u has invalid wire type %u", field, wt);
    }
}

static int wire_err(const proto_msg *m, const proto_field *f, unsigned wt)
{
    return kp_err_set(KP_EBADREQUEST, "protobuf field %s.%s (%u) has wire type %u", m->name,
                      f->json, f->num, wt);
}

/* Counts one JSON value against KP_PROTO_VALUES_MAX. */
static int dec_value(dec *d)
{
    if (++d->values > KP_PROTO_VALUES_MAX)
        return kp_err_set(KP_ETOOLARGE, "protobuf body expands to more than %d JSON values",
                          KP_PROTO_VALUES_MAX);
    return 0;
}

static int check_depth(int depth)
{
    if (depth > KP_JSON_DEPTH_MAX)
        return kp_err_set(KP_EBADREQUEST, "protobuf body nests deeper than %d levels",
                          KP_JSON_DEPTH_MAX);
    return 0;
}

static int utf8_err(const proto_msg *m, const proto_field *f)
{
    return kp_err_set(KP_EBADREQUEST, "protobuf field %s.%s is not valid UTF-8", m->name, f->json);
}

/* Howard Hinnant's civil_from_days: day count since 1970-01-01 to a proleptic Gregorian date. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* k8s: metav1.Time marshals as RFC 3339 in UTC with whole seconds (nanos are dropped on
 * decode too); Go refuses years outside 0000-9999. */
static int time_json(json_t **out, int64_t secs)
{
    char buf[64];
    int64_t days, rem, y;
    unsigned mo, d;

    if (secs < -62167219200LL || secs > 253402300799LL)
        return kp_err_set(KP_EBADREQUEST, "protobuf time %lld s is outside years 0000-9999",
                          (long long)secs);
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &mo, &d);
    snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, mo, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    *out = json_string(buf);
    return 0;
}

static int decode_msg(dec *d, json_t *obj, uint16_t mi, const uint8_t *p, size_t n, int depth);

/* IntOrString {1 type int64, 2 intVal int32, 3 strVal string}: type 0 is an int, 1 a string. */
static int intstr_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                       size_t n)
{
    rd r = {p, p + n};
    uint64_t type = 0, ival = 0;
    const uint8_t *s = NULL;
    size_t sn = 0;
    int rc;

    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if ((field == 1 || field == 2) && wt == 0)
            rc = rd_varint(field == 1 ? &type : &ival, &r);
        else if (field == 3 && wt == 2)
            rc = rd_bytes(&s, &sn, &r);
        else if (field <= 3)
            return wire_err(m, f, wt);
        else
            rc = rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    if (type == 0) {
        *out = json_integer((int32_t)(uint32_t)ival);
        return 0;
    }
    if (type != 1)
        return kp_err_set(KP_EBADREQUEST, "protobuf field %s.%s has IntOrString type %llu", m->name,
                          f->json, (unsigned long long)type);
    if (s && !utf8_valid(s, sn))
        return utf8_err(m, f);
    *out = json_stringn_nocheck(s ? (const char *)s : "", sn);
    return 0;
}

/* Quantity {1 string}; the zero Quantity prints as "0". */
static int qty_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                    size_t n)
{
    rd r = {p, p + n};
    const uint8_t *s = NULL;
    size_t sn = 0;
    int rc;

    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if (field == 1 && wt != 2)
            return wire_err(m, f, wt);
        rc = field == 1 ? rd_bytes(&s, &sn, &r) : rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    if (!s) {
        *out = json_string("0");
        return 0;
    }
    if (!utf8_valid(s, sn))
        return utf8_err(m, f);
    *out = json_stringn_nocheck((const char *)s, sn);
    return 0;
}

/* Time {1 seconds, 2 nanos}. An empty message is the zero time, which Go writes as null. */
static int timemsg_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                        size_t n)
{
    rd r = {p, p + n};
    uint64_t secs = 0, nanos;
    int rc;

    if (n == 0) {
        *out = json_null();
        return 0;
    }
    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if ((field == 1 || field == 2) && wt != 0)
            return wire_err(m, f, wt);
        if (field == 1)
            rc = rd_varint(&secs, &r);
        else if (field == 2)
            rc = rd_varint(&nanos, &r);
        else
            rc = rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    return time_json(out, (int64_t)secs);
}

/* FieldsV1 {1 Raw}: the raw bytes are JSON and are emitted as they are (Go's MarshalJSON). */
static int fieldsv1_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                         size_t n, int depth)
{
    rd r = {p, p + n};
    const uint8_t *raw = NULL;
    size_t rawn = 0;
    json_t *v = NULL;
    int rc, nest = 0;

    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if (field == 1 && wt != 2)
            return wire_err(m, f, wt);
        rc = field == 1 ? rd_bytes(&raw, &rawn, &r) : rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    if (rawn == 0) {
        *out = json_null();
        return 0;
    }
    if ((rc = kp_json_parse(&v, (const char *)raw, rawn)) < 0)
        return kp_err_set(rc, "protobuf field %s.%s: %s", m->name, f->json, kp_err_msg());
    /* The raw JSON sits at depth-1 in the output; its own nesting adds to that. */
    for (size_t i = 0, open = 0; i < rawn; i++) {
        if (raw[i] == '"') {
            for (i++; i < rawn && raw[i] != '"'; i++)
                if (raw[i] == '\\')
                    i++;
        } else if (raw[i] == '{' || raw[i] == '[') {
            if ((int)++open > nest)
                nest = (int)open;
        } else if (raw[i] == '}' || raw[i] == ']') {
            open--;
        }
    }
    if ((rc = check_depth(depth - 1 + nest)) < 0) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* ExtraValue {repeated string items = 1}: Go's []string; no items is a nil slice, null. */
static int strlist_json(dec *d, json_t **out, const proto_msg *m, const proto_field *f,
                        const uint8_t *p, size_t n, int depth)
{
    rd r = {p, p + n};
    json_t *arr = NULL;
    int rc = 0;

    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        const uint8_t *s;
        size_t sn;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            goto out;
        if (field != 1) {
            if ((rc = rd_skip(&r, field, wt)) < 0)
                goto out;
            continue;
        }
        if (wt != 2) {
            rc = wire_err(m, f, wt);
            goto out;
        }
        if ((rc = rd_bytes(&s, &sn, &r)) < 0 || (rc = dec_value(d)) < 0)
            goto out;
        if (!utf8_valid(s, sn)) {
            rc = utf8_err(m, f);
            goto out;
        }
        if (!arr) {
            if ((rc = check_depth(depth)) < 0)
                goto out;
            arr = json_array();
        }
        json_array_append_new(arr, json_stringn_nocheck((const char *)s, sn));
    }
    *out = arr ? arr : json_null();
    arr = NULL;
out:
    json_decref(arr);
    return rc;
}

/* A value carried in a length-delimited payload. depth is the JSON depth a container value
 * would have. *zero tells omitempty whether Go would treat it as empty. */
static int value_from_bytes(dec *d, json_t **out, bool *zero, const proto_msg *m,
                            const proto_field *f, const uint8_t *p, size_t n, int depth)
{
    json_t *v;
    kp_buf b;
    int rc;

    *zero = false;
    if ((rc = dec_value(d)) < 0)
        return rc;
    switch (f->kind) {
    case K_STRING:
        if (!utf8_valid(p, n))
            return utf8_err(m, f);
        *zero = n == 0;
        *out = json_stringn_nocheck((const char *)p, n);
        return 0;
    case K_BYTES:
        kp_buf_init(&b, KP_BODY_MAX * 2);
        kp_crypto_base64_encode(&b, p, n);
        if ((rc = kp_buf_status(&b)) == 0)
            *out = json_stringn_nocheck(kp_buf_cstr(&b), b.len);
        kp_buf_dispose(&b);
        *zero = n == 0;
        return rc;
    case K_MSG:
        if ((rc = check_depth(depth)) < 0)
            return rc;
        v = json_object();
        if ((rc = decode_msg(d, v, f->ref, p, n, depth)) < 0) {
            json_decref(v);
            return rc;
        }
        *out = v;
        return 0;
    case K_INTSTR:
        return intstr_json(out, m, f, p, n);
    case K_QTY:
        return qty_json(out, m, f, p, n);
    case K_TIME:
        return timemsg_json(out, m, f, p, n);
    case K_FIELDSV1:
        return fieldsv1_json(out, m, f, p, n, depth);
    case K_STRLIST:
        return strlist_json(d, out, m, f, p, n, depth);
    default:
        return wire_err(m, f, 2);
    }
}

static bool kind_is_varint(uint8_t kind)
{
    return kind == K_INT32 || kind == K_INT64 || kind == K_BOOL;
}

static json_t *value_from_varint(uint8_t kind, uint64_t v, bool *zero)
{
    *zero = v == 0;
    if (kind == K_BOOL)
        return json_boolean(v != 0);
    if (kind == K_INT32) {
        int32_t x = (int32_t)(uint32_t)v; /* Go's int32 keeps the low 32 bits */
        *zero = x == 0;
        return json_integer(x);
    }
    return json_integer((json_int_t)(int64_t)v);
}

/* Stores one decoded value (consumed) under f in obj, with omitempty and repeated rules. */
static int put_value(json_t *obj, const proto_field *f, json_t *v, bool zero, int depth)
{
    if (f->flags & F_REP) {
        json_t *arr = json_object_get(obj, f->json);
        if (!json_is_array(arr)) {
            int rc = check_depth(depth + 1);
            if (rc < 0) {
                json_decref(v);
                return rc;
            }
            arr = json_array();
            json_object_set_new_nocheck(obj, f->json, arr);
        }
        json_array_append_new(arr, v);
    } else if (zero && !(f->flags & (F_KEEP | F_PTR))) {
        /* omitempty; a later zero also undoes an earlier value (proto: last one wins) */
        json_object_del(obj, f->json);
        json_decref(v);
    } else {
        json_object_set_new_nocheck(obj, f->json, v);
    }
    return 0;
}

/* map<string, V> arrives as repeated entries {1 key, 2 value}; a missing part is its zero. */
static int decode_map_entry(dec *d, json_t *obj, const proto_msg *m, const proto_field *f,
                            const uint8_t *p, size_t n, int depth)
{
    rd r = {p, p + n};
    const uint8_t *key = (const uint8_t *)"";
    size_t keyn = 0;
    json_t *val = NULL, *map;
    bool zero;
    int rc = 0;

    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        const uint8_t *vp;
        size_t vn;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            goto out;
        if (field > 2) {
            if ((rc = rd_skip(&r, field, wt)) < 0)
                goto out;
            continue;
        }
        if (wt != 2) {
            rc = wire_err(m, f, wt);
            goto out;
        }
        if ((rc = rd_bytes(&vp, &vn, &r)) < 0)
            goto out;
        if (field == 1) {
            key = vp;
            keyn = vn;
            continue;
        }
        json_decref(val);
        val = NULL;
        if ((rc = value_from_bytes(d, &val, &zero, m, f, vp, vn, depth + 2)) < 0)
            goto out;
    }
    /* jansson, and so the JSON path, refuses NUL in object keys */
    if (!utf8_valid(key, keyn) || memchr(key, '\0', keyn)) {
        rc = kp_err_set(KP_EBADREQUEST,
                        "protobuf map %s.%s has a key that is not valid UTF-8 or holds a NUL",
                        m->name, f->json);
        goto out;
    }
    if (!val) {
        if ((rc = dec_value(d)) < 0)
            goto out;
        if (f->kind == K_STRING)
            val = json_string("");
        else if (f->kind == K_QTY)
            val = json_string("0");
        else if (f->kind == K_BYTES)
            val = json_string("");
        else
            val = json_null();
    }
    map = json_object_get(obj, f->json);
    if (!json_is_object(map)) {
        if ((rc = check_depth(depth + 1)) < 0)
            goto out;
        map = json_object();
        json_object_set_new_nocheck(obj, f->json, map);
    }
    json_object_setn_new_nocheck(map, (const char *)key, keyn, val);
    val = NULL;
out:
    json_decref(val);
    return rc;
}

static int decode_field(dec *d, json_t *obj, const proto_msg *m, const proto_field *f, unsigned wt,
                        rd *r, int depth)
{
    const uint8_t *p;
    size_t n;
    json_t *v = NULL;
    bool zero;
    uint64_t x;
    int rc;

    if (kind_is_varint(f->kind) && !(f->flags & F_MAP)) {
        if (wt == 0) {
            if ((rc = rd_varint(&x, r)) < 0 || (rc = dec_value(d)) < 0)
                return rc;
            v = value_from_varint(f->kind, x, &zero);
            return put_value(obj, f, v, zero, depth);
        }
        if (wt != 2 || !(f->flags & F_REP))
            return wire_err(m, f, wt);
        /* packed repeated scalars: one payload of back-to-back varints */
        if ((rc = rd_bytes(&p, &n, r)) < 0)
            return rc;
        for (rd pr = {p, p + n}; pr.p < pr.end;) {
            if ((rc = rd_varint(&x, &pr)) < 0 || (rc = dec_value(d)) < 0)
                return rc;
            v = value_from_varint(f->kind, x, &zero);
            if ((rc = put_value(obj, f, v, zero, depth)) < 0)
                return rc;
        }
        return 0;
    }
    if (wt != 2)
        return wire_err(m, f, wt);
    if ((rc = rd_bytes(&p, &n, r)) < 0)
        return rc;
    if (f->flags & F_MAP)
        return decode_map_entry(d, obj, m, f, p, n, depth);
    if (f->kind == K_MSG && !(f->flags & F_REP)) {
        json_t *child;
        if (f->flags & F_INLINE)
            return decode_msg(d, obj, f->ref, p, n, depth);
        /* proto merges a repeated occurrence of a singular message into the first */
        child = json_object_get(obj, f->json);
        if (!json_is_object(child)) {
            if ((rc = check_depth(depth + 1)) < 0 || (rc = dec_value(d)) < 0)
                return rc;
            child = json_object();
            json_object_set_new_nocheck(obj, f->json, child);
        }
        return decode_msg(d, child, f->ref, p, n, depth + 1);
    }
    rc = value_from_bytes(d, &v, &zero, m, f, p, n, depth + ((f->flags & F_REP) ? 2 : 1));
    if (rc < 0)
        return rc;
    return put_value(obj, f, v, zero, depth);
}

/* Fields whose json tag lacks omitempty appear even when the message did not carry them:
 * Go zero-fills the struct, so a scalar shows its zero and a slice, map or pointer null. */
static int fill_keep(dec *d, json_t *obj, const proto_msg *m)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const proto_field *f = &m->fields[i];
        json_t *v;
        int rc;

        if (!(f->flags & F_KEEP) || json_object_get(obj, f->json))
            continue;
        if ((rc = dec_value(d)) < 0)
            return rc;
        if (f->flags & (F_PTR | F_REP | F_MAP))
            v = json_null();
        else if (f->kind == K_STRING)
            v = json_string("");
        else if (f->kind == K_INT32 || f->kind == K_INT64 || f->kind == K_INTSTR)
            v = json_integer(0);
        else if (f->kind == K_BOOL)
            v = json_false();
        else if (f->kind == K_QTY)
            v = json_string("0");
        else
            v = json_null();
        json_object_set_new_nocheck(obj, f->json, v);
    }
    return 0;
}

/* Decodes message mi from p/n into obj, an object at JSON depth depth. */
static int decode_msg(dec *d, json_t *obj, uint16_t mi, const uint8_t *p, size_t n, int depth)
{
    const proto_msg *m = &kp_proto_msgs[mi];
    rd r = {p, p + n};
    int rc;

    while (r.p < r.end) {
        const proto_field *f = NULL;
        uint32_t field = 0;
        unsigned wt = 0;

        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        for (size_t i = 0; i < m->nfields; i++) {
            if (m->fields[i].num == field) {
                f = &m->fields[i];
                break;
            }
        }
        rc = f ? decode_field(d, obj, m, f, wt, &r, depth) : rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    return fill_keep(d, obj, m);
}

/* The runtime.Unknown envelope: {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
 * 4 contentType}. */
typedef struct {
    kp_sv api_version, kind, encoding, content_type;
    const uint8_t *raw;
    size_t rawn;
} envelope;

static int envelope_str(kp_sv *out, rd *r, const char *what)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc;

    if ((rc = rd_bytes(&p, &n, r)) < 0)
        return rc;
    if (!utf8_valid(p, n))
        return kp_err_set(KP_EBADREQUEST, "protobuf envelope %s is not valid UTF-8", what);
    out->p = (const char *)p;
    out->len = n;
    return 0;
}

static int envelope_parse(envelope *env, const uint8_t *p, size_t n)
{
    rd r = {p, p + n};
    int rc;

    while (r.p < r.end) {
        uint32_t field = 0;
        unsigned wt = 0;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if (field <= 4 && wt != 2)
            return kp_err_set(KP_EBADREQUEST, "protobuf envelope field %u has wire type %u", field,
                              wt);
        if (field == 1) {
            const uint8_t *tp;
            size_t tn;
            if ((rc = rd_bytes(&tp, &tn, &r)) < 0)
                return rc;
            for (rd tr = {tp, tp + tn}; tr.p < tr.end;) {
                if ((rc = rd_tag(&field, &wt, &tr)) < 0)
                    return rc;
                if ((field == 1 || field == 2) && wt != 2)
                    return kp_err_set(KP_EBADREQUEST, "protobuf typeMeta field %u has wire type %u",
                                      field, wt);
                if (field == 1)
                    rc = envelope_str(&env->api_version, &tr, "apiVersion");
                else if (field == 2)
                    rc = envelope_str(&env->kind, &tr, "kind");
                else
                    rc = rd_skip(&tr, field, wt);
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        if (field == 2)
            rc = rd_bytes(&env->raw, &env->rawn, &r);
        else if (field == 3)
            rc = envelope_str(&env->encoding, &r, "contentEncoding");
        else if (field == 4)
            rc = envelope_str(&env->content_type, &r, "contentType");
        else
            rc = rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    return 0;
}

#define QUOTE(sv) (int)KP_MIN((sv).len, PROTO_QUOTE_MAX), (sv).p

int kp_proto_decode(json_t **out, const void *body, size_t len)
{
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    static const uint8_t none[1];
    envelope env = {0};
    json_t *obj = NULL;
    dec d = {0};
    const uint8_t *p = body;
    size_t k;
    int rc;

    assert(out && (body || len == 0));
    if (len > KP_BODY_MAX)
        return kp_err_set(KP_ETOOLARGE, "the request body is larger than the limit of %d bytes",
                          KP_BODY_MAX);
    if (len < sizeof(magic) || memcmp(p, magic, sizeof(magic)) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "protobuf body does not start with the Kubernetes magic \"k8s\\0\"");
    if ((rc = envelope_parse(&env, p + sizeof(magic), len - sizeof(magic))) < 0)
        return rc;
    if (env.kind.len == 0)
        return kp_err_set(KP_EBADREQUEST, "protobuf envelope names no kind");
    if (env.encoding.len)
        return kp_err_set(KP_EMEDIATYPE, "protobuf contentEncoding \"%.*s\" is not supported",
                          QUOTE(env.encoding));
    if (env.content_type.len && !kp_sv_eq_str(env.content_type, KP_PROTO_MEDIA_TYPE))
        return kp_err_set(KP_EMEDIATYPE, "protobuf envelope contentType \"%.*s\" is not supported",
                          QUOTE(env.content_type));
    for (k = 0; k < kp_proto_nkinds; k++) {
        if (kp_sv_eq_str(env.kind, kp_proto_kinds[k].kind) &&
            kp_sv_eq_str(env.api_version, kp_proto_kinds[k].api_version))
            break;
    }
    if (k == kp_proto_nkinds)
        return kp_err_set(KP_EMEDIATYPE,
                          "kind \"%.*s\" of apiVersion \"%.*s\" cannot be sent as %s; send "
                          "application/json",
                          QUOTE(env.kind), QUOTE(env.api_version), KP_PROTO_MEDIA_TYPE);

    obj = json_object();
    json_object_set_new(obj, "kind", json_string(kp_proto_kinds[k].kind));
    json_object_set_new(obj, "apiVersion", json_string(kp_proto_kinds[k].api_version));
    /* an envelope without raw is an object with every field unset */
    if ((rc = decode_msg(&d, obj, kp_proto_kinds[k].msg, env.raw ? env.raw : none, env.rawn, 1)) <
        0)
        goto out;
    *out = obj;
    obj = NULL;
out:
    json_decref(obj);
    return rc;
}
