#include "lib/common.h"
#include "apiserver/validate.h"
#include "lib/json.h"
#include "lib/limits.h"

/* The rules and messages are Kubernetes 1.33's: k8s.io/apimachinery/pkg/util/validation
 * (RegexError, MaxLenError, EmptyError and the Is* checks), pkg/api/validation (name funcs,
 * ValidateObjectMetaAccessor), pkg/api/validation/path, pkg/util/validation/field (ErrorBody)
 * and pkg/api/errors (NewInvalid), so a client sees what a Kubernetes apiserver answers. */

#define VAL_STR_(x) #x
#define VAL_STR(x) VAL_STR_(x)

#define QNAME_MAX 63
#define LABEL_VALUE_MAX 63
#define DNS1123_LABEL_MAX 63
#define DNS1123_SUBDOMAIN_MAX 253
#define ANNOTATIONS_MAX 262144 /* 256 KiB, k8s: TotalAnnotationSizeLimitB */

#define MAXLEN_MSG(n) "must be no more than " VAL_STR(n) " characters"
#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                                  \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '" QNAME_FMT "')"
#define QNAME_SLASHES_MSG                                                                          \
    "a qualified name " QNAME_MSG " with an optional DNS subdomain prefix and '/' (e.g. "          \
    "'example.com/MyName')"
#define LABEL_VALUE_MSG                                                                            \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is '(" QNAME_FMT ")?')"
#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_LABEL_MSG                                                                          \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "     \
    "used for validation is '" DNS1123_LABEL_FMT "')"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define DNS1123_SUBDOMAIN_MSG                                                                      \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '" DNS1123_SUBDOMAIN_FMT "')"
/* k8s: field.TooLong's text since 1.32 (before: "must have at most %d bytes") */
#define ANNOTATIONS_TOO_LONG_MSG "may not be more than " VAL_STR(ANNOTATIONS_MAX) " bytes"

/* ---- the checks: each adds Kubernetes' messages, all static strings, to a val_msgs ---- */

#define VAL_MSGS_MAX 6 /* IsQualifiedName has the most: four */

typedef struct {
    const char *m[VAL_MSGS_MAX];
    size_t n;
} val_msgs;

static void msgs_add(val_msgs *ms, const char *m)
{
    assert(ms->n < VAL_MSGS_MAX);
    ms->m[ms->n++] = m;
}

/* Appends the messages joined with "; "; true when there are none. */
static bool msgs_put(kp_buf *why, const val_msgs *ms)
{
    for (size_t i = 0; why && i < ms->n; i++) {
        if (i)
            kp_buf_puts(why, "; ");
        kp_buf_puts(why, ms->m[i]);
    }
    return ms->n == 0;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool sv_has(kp_sv v, char c)
{
    return v.len && memchr(v.p, c, v.len);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool qname_ok(kp_sv v)
{
    if (v.len == 0 || !is_alnum(v.p[0]) || !is_alnum(v.p[v.len - 1]))
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!is_alnum(v.p[i]) && v.p[i] != '-' && v.p[i] != '_' && v.p[i] != '.')
            return false;
    return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool dns_label_ok(kp_sv v)
{
    if (v.len == 0 || !is_lower_alnum(v.p[0]) || !is_lower_alnum(v.p[v.len - 1]))
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!is_lower_alnum(v.p[i]) && v.p[i] != '-')
            return false;
    return true;
}

/* Dot-separated labels; Go's regexp "$" matches only at the very end, so neither may a
 * trailing newline or dot. */
static bool dns_subdomain_ok(kp_sv v)
{
    kp_sv label;
    bool more = true;

    if (v.len == 0)
        return false;
    while (more) {
        more = kp_sv_cut(&v, '.', &label);
        if (!dns_label_ok(label))
            return false;
    }
    return true;
}

/* IsQualifiedName */
static void qualified_name(val_msgs *ms, kp_sv v)
{
    kp_sv rest = v, prefix, name;

    if (kp_sv_cut(&rest, '/', &prefix)) {
        if (sv_has(rest, '/')) {
            msgs_add(ms, QNAME_SLASHES_MSG);
            return;
        }
        name = rest;
        if (prefix.len == 0) {
            msgs_add(ms, "prefix part must be non-empty");
        } else {
            if (prefix.len > DNS1123_SUBDOMAIN_MAX)
                msgs_add(ms, "prefix part " MAXLEN_MSG(253));
            if (!dns_subdomain_ok(prefix))
                msgs_add(ms, "prefix part " DNS1123_SUBDOMAIN_MSG);
        }
    } else {
        name = v;
    }
    if (name.len == 0)
        msgs_add(ms, "name part must be non-empty");
    else if (name.len > QNAME_MAX)
        msgs_add(ms, "name part " MAXLEN_MSG(63));
    if (!qname_ok(name))
        msgs_add(ms, "name part " QNAME_MSG);
}

/* IsValidLabelValue */
static void label_value(val_msgs *ms, kp_sv v)
{
    if (v.len > LABEL_VALUE_MAX)
        msgs_add(ms, MAXLEN_MSG(63));
    if (v.len && !qname_ok(v))
        msgs_add(ms, LABEL_VALUE_MSG);
}

/* IsDNS1123Subdomain */
static void dns1123_subdomain(val_msgs *ms, kp_sv v)
{
    if (v.len > DNS1123_SUBDOMAIN_MAX)
        msgs_add(ms, MAXLEN_MSG(253));
    if (!dns_subdomain_ok(v))
        msgs_add(ms, DNS1123_SUBDOMAIN_MSG);
}

/* IsDNS1123Label */
static void dns1123_label(val_msgs *ms, kp_sv v)
{
    if (v.len > DNS1123_LABEL_MAX)
        msgs_add(ms, MAXLEN_MSG(63));
    if (dns_label_ok(v))
        return;
    /* k8s: a valid subdomain that is no label has dots (the length was checked above) */
    msgs_add(ms, dns_subdomain_ok(v) ? "must not contain dots" : DNS1123_LABEL_MSG);
}

/* path.IsValidPathSegmentName: the name must survive as one segment of a URL path. */
static void path_segment(val_msgs *ms, kp_sv v)
{
    if (kp_sv_eq_str(v, ".")) {
        msgs_add(ms, "may not be '.'");
        return;
    }
    if (kp_sv_eq_str(v, "..")) {
        msgs_add(ms, "may not be '..'");
        return;
    }
    if (sv_has(v, '/'))
        msgs_add(ms, "may not contain '/'");
    if (sv_has(v, '%'))
        msgs_add(ms, "may not contain '%'");
}

/* The ValidateNameFunc of rule; prefix is true for generateName. */
static void object_name(val_msgs *ms, kp_sv v, kp_name_rule rule, bool prefix)
{
    char *masked = NULL;

    if (rule == KP_NAME_PATH) {
        path_segment(ms, v); /* k8s: ValidateRBACName ignores prefix */
        return;
    }
    if (prefix && v.len > 1 && v.p[v.len - 1] == '-') {
        /* k8s: maskTrailingDash replaces the last two characters with "a", quirk included */
        masked = kp_malloc(v.len - 1);
        memcpy(masked, v.p, v.len - 2);
        masked[v.len - 2] = 'a';
        v = (kp_sv){masked, v.len - 1};
    }
    if (rule == KP_NAME_LABEL)
        dns1123_label(ms, v);
    else
        dns1123_subdomain(ms, v);
    free(masked);
}

bool kp_validate_qualified_name(kp_buf *why, kp_sv v)
{
    val_msgs ms = {0};
    qualified_name(&ms, v);
    return msgs_put(why, &ms);
}

bool kp_validate_label_value(kp_buf *why, kp_sv v)
{
    val_msgs ms = {0};
    label_value(&ms, v);
    return msgs_put(why, &ms);
}

bool kp_validate_dns1123_subdomain(kp_buf *why, kp_sv v)
{
    val_msgs ms = {0};
    dns1123_subdomain(&ms, v);
    return msgs_put(why, &ms);
}

bool kp_validate_dns1123_label(kp_buf *why, kp_sv v)
{
    val_msgs ms = {0};
    dns1123_label(&ms, v);
    return msgs_put(why, &ms);
}

bool kp_validate_object_name(kp_buf *why, const char *name, kp_name_rule rule)
{
    val_msgs ms = {0};
    assert(name);
    object_name(&ms, kp_sv_from(name), rule, false);
    return msgs_put(why, &ms);
}

bool kp_validate_generate_name(kp_buf *why, const char *prefix, kp_name_rule rule)
{
    val_msgs ms = {0};
    assert(prefix);
    object_name(&ms, kp_sv_from(prefix), rule, true);
    return msgs_put(why, &ms);
}

void kp_validate_quote(kp_buf *b, kp_sv v)
{
    kp_buf_putc(b, '"');
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c == '"' || c == '\\') {
            kp_buf_putc(b, '\\');
            kp_buf_putc(b, (char)c);
        } else if (c == '\n') {
            kp_buf_puts(b, "\\n");
        } else if (c == '\t') {
            kp_buf_puts(b, "\\t");
        } else if (c == '\r') {
            kp_buf_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7f) {
            kp_buf_appendf(b, "\\x%02x", c);
        } else {
            kp_buf_putc(b, (char)c);
        }
    }
    kp_buf_putc(b, '"');
}

/* ---- ObjectMeta ---- */

/* Kubernetes reports every problem; kplane keeps the first META_ERRS_MAX, more than the
 * KP_ERR_CAUSES_MAX causes a Status carries, so that the message, which shows each distinct
 * problem once, rarely misses one. A body is cut at META_BODY_MAX bytes: kp_err keeps less. */
#define META_ERRS_MAX 64
#define META_BODY_MAX 4096
#define META_FIELD_MAX 512

typedef struct {
    char *field; /* owned */
    const char *reason;
    char *body; /* owned: field.Error.ErrorBody() */
} meta_err;

typedef struct {
    meta_err errs[META_ERRS_MAX];
    size_t n;
    kp_buf body;  /* the body being built */
    kp_buf field; /* a field path being built */
    kp_buf tmp;   /* a lower-cased annotation key */
} meta_ctx;

/* Resets m->body for the next error's body. */
static kp_buf *meta_body(meta_ctx *m)
{
    kp_buf_reset(&m->body);
    return &m->body;
}

/* Records the error whose body is in m->body. */
static void meta_commit(meta_ctx *m, const char *field, const char *reason)
{
    meta_err *e;

    if (m->n == META_ERRS_MAX)
        return;
    e = &m->errs[m->n++];
    e->field = kp_strdup(field);
    e->reason = reason;
    e->body = kp_strdup(kp_buf_cstr(&m->body));
}

/* field + key, or field + "[i]" when key is NULL; borrowed from m until the next call. */
static const char *meta_field(meta_ctx *m, const char *field, const char *key, size_t i)
{
    kp_buf_reset(&m->field);
    kp_buf_puts(&m->field, field);
    if (key)
        kp_buf_appendf(&m->field, ".%s", key);
    else
        kp_buf_appendf(&m->field, "[%zu]", i);
    return kp_buf_cstr(&m->field);
}

/* field.Invalid with a string value */
static void meta_invalid(meta_ctx *m, const char *field, kp_sv value, const char *detail)
{
    kp_buf *b = meta_body(m);
    kp_buf_puts(b, "Invalid value: ");
    kp_validate_quote(b, value);
    kp_buf_appendf(b, ": %s", detail);
    meta_commit(m, field, "FieldValueInvalid");
}

static void meta_invalid_all(meta_ctx *m, const char *field, kp_sv value, const val_msgs *ms)
{
    for (size_t i = 0; i < ms->n; i++)
        meta_invalid(m, field, value, ms->m[i]);
}

/* field.Required: the body is the type, then ": detail" unless detail is "" */
static void meta_required(meta_ctx *m, const char *field, const char *detail)
{
    kp_buf *b = meta_body(m);
    kp_buf_puts(b, "Required value");
    if (detail[0])
        kp_buf_appendf(b, ": %s", detail);
    meta_commit(m, field, "FieldValueRequired");
}

/* A value of the wrong JSON type. A built-in type's decoder would refuse the body (400); the
 * cause is worded as a CRD's structural schema words it, the 422 form of the same problem. */
static void meta_type(meta_ctx *m, const char *field, const json_t *v, const char *want)
{
    const char *have = kp_json_type_name(v);
    kp_buf *b = meta_body(m);
    kp_buf_appendf(b, "Invalid value: \"%s\": %s in body must be of type %s: \"%s\"", have, field,
                   want, have);
    meta_commit(m, field, "FieldValueTypeInvalid");
}

static bool json_absent(const json_t *v)
{
    return !v || json_is_null(v); /* Go decodes null as the zero value */
}

/* *out gets the string at key of parent ("" when absent or null); false after a type error. */
static bool meta_str(meta_ctx *m, const json_t *parent, const char *key, const char *field,
                     kp_sv *out)
{
    const json_t *v = json_object_get(parent, key);

    *out = (kp_sv){"", 0};
    if (json_absent(v))
        return true;
    if (!json_is_string(v)) {
        meta_type(m, field, v, "string");
        return false;
    }
    *out = (kp_sv){json_string_value(v), json_string_length(v)};
    return true;
}

static kp_sv json_sv(const json_t *v)
{
    if (!json_is_string(v))
        return (kp_sv){"", 0};
    return (kp_sv){json_string_value(v), json_string_length(v)};
}

/* ValidateLabels: keys IsQualifiedName, values IsValidLabelValue, all on metadata.labels. */
static void meta_labels(meta_ctx *m, const json_t *labels)
{
    if (json_absent(labels))
        return;
    if (!json_is_object(labels)) {
        meta_type(m, "metadata.labels", labels, "object");
        return;
    }
    /* jansson keeps insertion order; Go's map order is random, so any order is Kubernetes' */
    for (void *it = json_object_iter((json_t *)labels); it;
         it = json_object_iter_next((json_t *)labels, it)) {
        kp_sv key = {json_object_iter_key(it), json_object_iter_key_len(it)};
        const json_t *v = json_object_iter_value(it);
        val_msgs ms = {0};

        qualified_name(&ms, key);
        meta_invalid_all(m, "metadata.labels", key, &ms);
        if (!json_is_string(v)) {
            meta_type(m, meta_field(m, "metadata.labels", key.p, 0), v, "string");
            continue;
        }
        ms.n = 0;
        label_value(&ms, json_sv(v));
        meta_invalid_all(m, "metadata.labels", json_sv(v), &ms);
    }
}

/* ValidateAnnotations: keys are qualified names in any case, and keys and values together
 * fit in 256 KiB. */
static void meta_annotations(meta_ctx *m, const json_t *annotations)
{
    size_t total = 0;

    if (json_absent(annotations))
        return;
    if (!json_is_object(annotations)) {
        meta_type(m, "metadata.annotations", annotations, "object");
        return;
    }
    for (void *it = json_object_iter((json_t *)annotations); it;
         it = json_object_iter_next((json_t *)annotations, it)) {
        kp_sv key = {json_object_iter_key(it), json_object_iter_key_len(it)};
        const json_t *v = json_object_iter_value(it);
        val_msgs ms = {0};

        /* k8s: strings.ToLower(key); only ASCII can pass the check, so ASCII is enough */
        kp_buf_reset(&m->tmp);
        for (size_t i = 0; i < key.len; i++) {
            char c = key.p[i];
            kp_buf_putc(&m->tmp, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
        }
        qualified_name(&ms, kp_buf_sv(&m->tmp));
        meta_invalid_all(m, "metadata.annotations", key, &ms); /* the key as sent */
        if (!json_is_string(v)) {
            meta_type(m, meta_field(m, "metadata.annotations", key.p, 0), v, "string");
            continue;
        }
        total += key.len + json_string_length(v);
    }
    if (total > ANNOTATIONS_MAX) {
        /* k8s: field.TooLong's body leaves the value out */
        kp_buf_puts(meta_body(m), "Too long: " ANNOTATIONS_TOO_LONG_MSG);
        meta_commit(m, "metadata.annotations", "FieldValueTooLong");
    }
}

/* Go's %#v of an OwnerReference. Go prints a set *bool as its address, which kplane has not
 * got; it prints the value instead: (*bool)(true). */
static void owner_ref_gostring(kp_buf *b, const json_t *ref)
{
    static const struct {
        const char *go, *json;
        bool ptr;
    } fields[] = {
        {"APIVersion", "apiVersion", false},
        {"Kind", "kind", false},
        {"Name", "name", false},
        {"UID", "uid", false},
        {"Controller", "controller", true},
        {"BlockOwnerDeletion", "blockOwnerDeletion", true},
    };

    kp_buf_puts(b, "v1.OwnerReference{");
    for (size_t i = 0; i < KP_ARRAY_LEN(fields); i++) {
        const json_t *v = json_object_get(ref, fields[i].json);
        kp_buf_appendf(b, "%s%s:", i ? ", " : "", fields[i].go);
        if (!fields[i].ptr)
            kp_validate_quote(b, json_sv(v));
        else if (json_is_boolean(v))
            kp_buf_appendf(b, "(*bool)(%s)", json_is_true(v) ? "true" : "false");
        else
            kp_buf_puts(b, "(*bool)(nil)");
    }
    kp_buf_putc(b, '}');
}

/* schema.ParseGroupVersion's version: "" for "", "/", "group/" and more than one '/'. */
static kp_sv api_version_version(kp_sv api, kp_sv *group)
{
    const char *slash = api.len ? memchr(api.p, '/', api.len) : NULL;

    *group = (kp_sv){"", 0};
    if (!slash)
        return api;
    if (memchr(slash + 1, '/', api.len - (size_t)(slash + 1 - api.p)))
        return (kp_sv){"", 0};
    *group = (kp_sv){api.p, (size_t)(slash - api.p)};
    return (kp_sv){slash + 1, api.len - (size_t)(slash + 1 - api.p)};
}

/* A boolean field of an owner reference: true when it is JSON true; type error unless it is a
 * boolean, null or absent. */
static bool meta_ref_flag(meta_ctx *m, const json_t *ref, const char *key, size_t i)
{
    const json_t *v = json_object_get(ref, key);
    char field[96];

    if (json_absent(v) || json_is_boolean(v))
        return json_is_true(v);
    snprintf(field, sizeof(field), "metadata.ownerReferences[%zu].%s", i, key);
    meta_type(m, field, v, "boolean");
    return false;
}

/* ValidateOwnerReferences. Kubernetes names the fields without the index:
 * metadata.ownerReferences.uid. */
static void meta_owner_refs(meta_ctx *m, const json_t *refs)
{
    static const struct {
        const char *key, *field, *detail;
    } req[] = {
        {"apiVersion", "metadata.ownerReferences.apiVersion", "version must not be empty"},
        {"kind", "metadata.ownerReferences.kind", "kind must not be empty"},
        {"name", "metadata.ownerReferences.name", "name must not be empty"},
        {"uid", "metadata.ownerReferences.uid", "uid must not be empty"},
    };
    const json_t *first_controller = NULL;

    if (json_absent(refs))
        return;
    if (!json_is_array(refs)) {
        meta_type(m, "metadata.ownerReferences", refs, "array");
        return;
    }
    for (size_t i = 0; i < json_array_size(refs); i++) {
        const json_t *ref = json_array_get(refs, i);
        kp_sv val[KP_ARRAY_LEN(req)], group, version;
        kp_buf *b;

        if (!json_is_object(ref)) {
            meta_type(m, meta_field(m, "metadata.ownerReferences", NULL, i), ref, "object");
            continue;
        }
        for (size_t k = 0; k < KP_ARRAY_LEN(req); k++) {
            char field[96];
            bool ok;

            snprintf(field, sizeof(field), "metadata.ownerReferences[%zu].%s", i, req[k].key);
            ok = meta_str(m, ref, req[k].key, field, &val[k]);
            /* apiVersion counts as empty when it has no version: "", "apps/", "a/b/c" */
            version = k == 0 ? api_version_version(val[0], &group) : val[k];
            if (ok && version.len == 0)
                meta_invalid(m, req[k].field, val[k], req[k].detail);
        }
        version = api_version_version(val[0], &group);
        if (group.len == 0 && kp_sv_eq_str(version, "v1") && kp_sv_eq_str(val[1], "Event")) {
            b = meta_body(m);
            kp_buf_puts(b, "Invalid value: ");
            owner_ref_gostring(b, ref);
            kp_buf_puts(b, ": /v1, Kind=Event is disallowed from being an owner");
            meta_commit(m, "metadata.ownerReferences", "FieldValueInvalid");
        }
        meta_ref_flag(m, ref, "blockOwnerDeletion", i);
        if (!meta_ref_flag(m, ref, "controller", i))
            continue;
        if (!first_controller) {
            first_controller = ref;
            continue;
        }
        b = meta_body(m);
        kp_buf_puts(b, "Invalid value: []v1.OwnerReference{");
        for (size_t k = 0; k < json_array_size(refs) && kp_buf_status(b) == 0; k++) {
            if (k)
                kp_buf_puts(b, ", ");
            owner_ref_gostring(b, json_array_get(refs, k));
        }
        kp_buf_appendf(b,
                       "}: Only one reference can have Controller set to true. Found \"true\" in "
                       "references for %.*s/%.*s and %.*s/%.*s",
                       KP_SV_ARG(json_sv(json_object_get(first_controller, "kind"))),
                       KP_SV_ARG(json_sv(json_object_get(first_controller, "name"))),
                       KP_SV_ARG(val[1]), KP_SV_ARG(val[2]));
        meta_commit(m, "metadata.ownerReferences", "FieldValueInvalid");
    }
}

static bool finalizer_standard(kp_sv f)
{
    /* k8s: FinalizerKubernetes, FinalizerOrphanDependents, FinalizerDeleteDependents */
    return kp_sv_eq_str(f, "kubernetes") || kp_sv_eq_str(f, "orphan") ||
           kp_sv_eq_str(f, "foregroundDeletion");
}

/* ValidateFinalizers, plus the rule Kubernetes applies to a namespace's spec.finalizers: a name
 * without '/' must be a standard one. kplane also refuses a finalizer listed twice. */
static void meta_finalizers(meta_ctx *m, const json_t *fins)
{
    json_t *seen = NULL;
    bool orphan = false, foreground = false;

    if (json_absent(fins))
        return;
    if (!json_is_array(fins)) {
        meta_type(m, "metadata.finalizers", fins, "array");
        return;
    }
    seen = json_object();
    for (size_t i = 0; i < json_array_size(fins); i++) {
        const json_t *v = json_array_get(fins, i);
        val_msgs ms = {0};
        kp_sv f;

        if (!json_is_string(v)) {
            meta_type(m, meta_field(m, "metadata.finalizers", NULL, i), v, "string");
            continue;
        }
        f = json_sv(v);
        qualified_name(&ms, f);
        meta_invalid_all(m, "metadata.finalizers", f, &ms);
        if (!sv_has(f, '/') && !finalizer_standard(f))
            meta_invalid(m, "metadata.finalizers", f,
                         "name is neither a standard finalizer name nor is it fully qualified");
        if (json_object_getn(seen, f.p, f.len)) {
            kp_buf *b = meta_body(m);
            kp_buf_puts(b, "Duplicate value: ");
            kp_validate_quote(b, f);
            meta_commit(m, meta_field(m, "metadata.finalizers", NULL, i), "FieldValueDuplicate");
        } else {
            json_object_setn_new(seen, f.p, f.len, json_true());
        }
        orphan |= kp_sv_eq_str(f, "orphan");
        foreground |= kp_sv_eq_str(f, "foregroundDeletion");
    }
    json_decref(seen);
    if (orphan && foreground) {
        /* k8s: the value is the whole list, as Go's %#v prints a []string */
        kp_buf *b = meta_body(m);
        kp_buf_puts(b, "Invalid value: []string{");
        for (size_t i = 0; i < json_array_size(fins) && kp_buf_status(b) == 0; i++) {
            if (i)
                kp_buf_puts(b, ", ");
            kp_validate_quote(b, json_sv(json_array_get(fins, i)));
        }
        kp_buf_puts(b, "}: finalizer orphan and foregroundDeletion cannot be both set");
        meta_commit(m, "metadata.finalizers", "FieldValueInvalid");
    }
}

/* errors.NewInvalid: every error is a cause; the message names each distinct "field: body"
 * once (field.ErrorList.ToAggregate), bare when there is one, else as "[a, b]". */
static int meta_report(const meta_ctx *m, const char *kind, kp_sv name)
{
    kp_buf msg;
    size_t shown = 0;
    int rc;

    kp_buf_init(&msg, KP_BODY_MAX);
    kp_buf_appendf(&msg, "%s ", kind);
    kp_validate_quote(&msg, name);
    kp_buf_puts(&msg, " is invalid: ");
    for (size_t i = 0; i < m->n; i++) {
        kp_err_cause(m->errs[i].field, m->errs[i].reason, "%s", m->errs[i].body);
        shown++;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(m->errs[k].field, m->errs[i].field) == 0 &&
                strcmp(m->errs[k].body, m->errs[i].body) == 0) {
                shown--;
                break;
            }
        }
    }
    if (shown > 1)
        kp_buf_putc(&msg, '[');
    for (size_t i = 0, n = 0; i < m->n; i++) {
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++)
            dup = strcmp(m->errs[k].field, m->errs[i].field) == 0 &&
                  strcmp(m->errs[k].body, m->errs[i].body) == 0;
        if (dup)
            continue;
        kp_buf_appendf(&msg, "%s%s: %s", n++ ? ", " : "", m->errs[i].field, m->errs[i].body);
    }
    if (shown > 1)
        kp_buf_putc(&msg, ']');
    rc = kp_err_set(KP_EINVALID, "%s", kp_buf_cstr(&msg));
    kp_buf_dispose(&msg);
    return rc;
}

int kp_validate_object_meta(const json_t *obj, const char *kind, kp_name_rule rule, bool namespaced)
{
    meta_ctx m;
    const json_t *md = json_object_get(obj, "metadata"), *gen;
    kp_sv name = {"", 0}, v;
    val_msgs ms = {0};
    int rc = 0;

    assert(kind);
    m.n = 0;
    kp_buf_init(&m.body, META_BODY_MAX);
    kp_buf_init(&m.field, META_FIELD_MAX);
    kp_buf_init(&m.tmp, KP_BODY_MAX);
    if (!json_absent(md) && !json_is_object(md)) {
        meta_type(&m, "metadata", md, "object");
        goto report;
    }
    /* k8s: ValidateObjectMetaAccessor's order */
    if (meta_str(&m, md, "generateName", "metadata.generateName", &v) && v.len) {
        object_name(&ms, v, rule, true);
        meta_invalid_all(&m, "metadata.generateName", v, &ms);
    }
    if (meta_str(&m, md, "name", "metadata.name", &name)) {
        if (name.len == 0) {
            meta_required(&m, "metadata.name", "name or generateName is required");
        } else {
            ms.n = 0;
            object_name(&ms, name, rule, false);
            meta_invalid_all(&m, "metadata.name", name, &ms);
        }
    }
    if (meta_str(&m, md, "namespace", "metadata.namespace", &v)) {
        if (namespaced && v.len == 0) {
            meta_required(&m, "metadata.namespace", "");
        } else if (namespaced) {
            ms.n = 0;
            dns1123_label(&ms, v); /* k8s: ValidateNamespaceName */
            meta_invalid_all(&m, "metadata.namespace", v, &ms);
        } else if (v.len) {
            kp_buf_puts(meta_body(&m), "Forbidden: not allowed on this type");
            meta_commit(&m, "metadata.namespace", "FieldValueForbidden");
        }
    }
    gen = json_object_get(md, "generation");
    if (!json_absent(gen) && !json_is_integer(gen)) {
        meta_type(&m, "metadata.generation", gen, "integer");
    } else if (json_integer_value(gen) < 0) { /* 0 for NULL */
        kp_buf_appendf(meta_body(&m), "Invalid value: %lld: must be greater than or equal to 0",
                       (long long)json_integer_value(gen));
        meta_commit(&m, "metadata.generation", "FieldValueInvalid");
    }
    meta_labels(&m, json_object_get(md, "labels"));
    meta_annotations(&m, json_object_get(md, "annotations"));
    meta_owner_refs(&m, json_object_get(md, "ownerReferences"));
    meta_finalizers(&m, json_object_get(md, "finalizers"));
report:
    if (m.n)
        rc = meta_report(&m, kind, name);
    for (size_t i = 0; i < m.n; i++) {
        free(m.errs[i].field);
        free(m.errs[i].body);
    }
    kp_buf_dispose(&m.body);
    kp_buf_dispose(&m.field);
    kp_buf_dispose(&m.tmp);
    return rc;
}

/* ---- collecting field errors ---- */

void kp_verrs_add(kp_verrs *v, const char *field, const char *reason, const char *fmt, ...)
{
    va_list ap;

    if (v->n == KP_VERRS_MAX)
        return;
    snprintf(v->e[v->n].field, sizeof(v->e[v->n].field), "%s", field);
    v->e[v->n].reason = reason;
    va_start(ap, fmt);
    vsnprintf(v->e[v->n].body, sizeof(v->e[v->n].body), fmt, ap);
    va_end(ap);
    v->n++;
}

void kp_verrs_required(kp_verrs *v, const char *field, const char *detail)
{
    kp_verrs_add(v, field, "FieldValueRequired", "Required value%s%s", *detail ? ": " : "", detail);
}

void kp_verrs_forbidden(kp_verrs *v, const char *field, const char *detail)
{
    kp_verrs_add(v, field, "FieldValueForbidden", "Forbidden: %s", detail);
}

void kp_verrs_invalid(kp_verrs *v, const char *field, const char *value, const char *detail)
{
    kp_buf q = KP_BUF_INIT(KP_VERR_BODY_MAX);
    kp_validate_quote(&q, kp_sv_from(value));
    kp_verrs_add(v, field, "FieldValueInvalid", "Invalid value: %s: %s", kp_buf_cstr(&q), detail);
    kp_buf_dispose(&q);
}

void kp_verrs_duplicate(kp_verrs *v, const char *field, const char *value)
{
    kp_buf q = KP_BUF_INIT(KP_VERR_BODY_MAX);
    kp_validate_quote(&q, kp_sv_from(value));
    kp_verrs_add(v, field, "FieldValueDuplicate", "Duplicate value: %s", kp_buf_cstr(&q));
    kp_buf_dispose(&q);
}

void kp_verrs_type(kp_verrs *v, const char *field, const json_t *val, const char *want)
{
    kp_verrs_add(v, field, "FieldValueTypeInvalid", "Invalid value: \"%s\": %s must be of type %s",
                 kp_json_type_name(val), field, want);
}

/* obj[key] when it is of type want (jansson's), NULL otherwise (a type error when present). */
static const json_t *verrs_member(kp_verrs *v, const json_t *obj, const char *key,
                                  const char *field, json_type want, const char *want_name)
{
    const json_t *val = json_object_get(obj, key);
    if (!val || json_is_null(val))
        return NULL;
    if (json_typeof(val) != want ||
        (want == JSON_STRING && strlen(json_string_value(val)) != json_string_length(val))) {
        kp_verrs_type(v, field, val, want_name);
        return NULL;
    }
    return val;
}

const char *kp_verrs_str(kp_verrs *v, const json_t *obj, const char *key, const char *field)
{
    return json_string_value(verrs_member(v, obj, key, field, JSON_STRING, "string"));
}

const json_t *kp_verrs_obj(kp_verrs *v, const json_t *obj, const char *key, const char *field)
{
    return verrs_member(v, obj, key, field, JSON_OBJECT, "object");
}

const json_t *kp_verrs_arr(kp_verrs *v, const json_t *obj, const char *key, const char *field)
{
    return verrs_member(v, obj, key, field, JSON_ARRAY, "array");
}

int kp_verrs_report(const kp_verrs *v, const char *kind, const char *name)
{
    kp_buf msg = KP_BUF_INIT(KP_ERR_MSG_MAX);
    int rc;

    if (v->n == 0)
        return 0;
    kp_buf_appendf(&msg, "%s ", kind);
    kp_validate_quote(&msg, kp_sv_from(name ? name : ""));
    kp_buf_puts(&msg, " is invalid: ");
    if (v->n > 1)
        kp_buf_putc(&msg, '[');
    for (size_t i = 0; i < v->n; i++) {
        kp_err_cause(v->e[i].field, v->e[i].reason, "%s", v->e[i].body);
        kp_buf_appendf(&msg, "%s%s: %s", i ? ", " : "", v->e[i].field, v->e[i].body);
    }
    if (v->n > 1)
        kp_buf_putc(&msg, ']');
    if (msg.err) /* too long to list: the causes carry each one */
        msg.err = 0;
    rc = kp_err_set(KP_EINVALID, "%s", kp_buf_cstr(&msg));
    kp_buf_dispose(&msg);
    return rc;
}
