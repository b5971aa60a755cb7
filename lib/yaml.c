#include "lib/common.h"
#include "lib/yaml.h"
#include "lib/limits.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <yaml.h>

/* ------------------------------------------------------------------------------------------
 * Scalar resolution. Kubernetes reads YAML with sigs.k8s.io/yaml, which decodes with go-yaml v2
 * (sigs.k8s.io/yaml/goyaml.v2/resolve.go) into interface{} and then marshals JSON. The rules
 * below are that resolve() step by step, including its quirks (yes/no/on/off/y/n are booleans,
 * underscores vanish from numbers, "08" is the float 8), so a manifest means here what it
 * means to kubectl and kube-apiserver.
 * ------------------------------------------------------------------------------------------ */

#define TAG_PREFIX "tag:yaml.org,2002:"

typedef enum {
    SC_NULL,
    SC_BOOL,
    SC_INT,   /* fits int64 */
    SC_UINT,  /* above INT64_MAX, fits uint64 (go-yaml: uint64) */
    SC_BIG,   /* hex/octal/binary past uint64 (go-yaml: *big.Int) */
    SC_FLOAT, /* may be inf or nan (.inf, .nan) */
    SC_STR,
} sc_kind;

typedef struct {
    sc_kind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double d;       /* SC_FLOAT, and SC_BIG's approximate value */
    bool keep_real; /* explicit !!float: stays a JSON real even when integral */
} scalar;

/* go-yaml v2's resolve table: exact, case-sensitive spellings. */
static const struct {
    const char *s;
    sc_kind kind;
    int v; /* bool value, or the sign of an infinity (0: nan) */
} resolve_words[] = {
    {"y", SC_BOOL, 1},       {"Y", SC_BOOL, 1},       {"yes", SC_BOOL, 1},
    {"Yes", SC_BOOL, 1},     {"YES", SC_BOOL, 1},     {"true", SC_BOOL, 1},
    {"True", SC_BOOL, 1},    {"TRUE", SC_BOOL, 1},    {"on", SC_BOOL, 1},
    {"On", SC_BOOL, 1},      {"ON", SC_BOOL, 1},      {"n", SC_BOOL, 0},
    {"N", SC_BOOL, 0},       {"no", SC_BOOL, 0},      {"No", SC_BOOL, 0},
    {"NO", SC_BOOL, 0},      {"false", SC_BOOL, 0},   {"False", SC_BOOL, 0},
    {"FALSE", SC_BOOL, 0},   {"off", SC_BOOL, 0},     {"Off", SC_BOOL, 0},
    {"OFF", SC_BOOL, 0},     {"", SC_NULL, 0},        {"~", SC_NULL, 0},
    {"null", SC_NULL, 0},    {"Null", SC_NULL, 0},    {"NULL", SC_NULL, 0},
    {".nan", SC_FLOAT, 0},   {".NaN", SC_FLOAT, 0},   {".NAN", SC_FLOAT, 0},
    {".inf", SC_FLOAT, 1},   {".Inf", SC_FLOAT, 1},   {".INF", SC_FLOAT, 1},
    {"+.inf", SC_FLOAT, 1},  {"+.Inf", SC_FLOAT, 1},  {"+.INF", SC_FLOAT, 1},
    {"-.inf", SC_FLOAT, -1}, {"-.Inf", SC_FLOAT, -1}, {"-.INF", SC_FLOAT, -1},
};

static int digit_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* Go's strconv.ParseUint(s, base, 64), base 0 meaning "from the prefix" (0x, 0o, 0b, 0).
 * Returns 0, -1 (syntax) or -2 (out of range; *approx then holds the value as a double). */
static int go_parse_uint(uint64_t *out, double *approx, const char *s, size_t n, int base)
{
    uint64_t v = 0;
    double d = 0;
    bool range = false;

    if (n == 0)
        return -1;
    if (base == 0 && s[0] == '0') {
        char c = n >= 3 ? lower(s[1]) : 0;
        size_t skip = 2;
        if (c == 'b')
            base = 2;
        else if (c == 'o')
            base = 8;
        else if (c == 'x')
            base = 16;
        else {
            base = 8; /* a leading 0 alone means octal; "0" itself is 0 */
            skip = 1;
        }
        s += skip;
        n -= skip;
    } else if (base == 0) {
        base = 10;
    }
    for (size_t i = 0; i < n; i++) {
        int dv = digit_val(s[i]);
        if (dv >= base)
            return -1;
        d = d * base + dv;
        if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
            range = true;
        else
            v = v * (uint64_t)base + (uint64_t)dv;
    }
    if (approx)
        *approx = d;
    if (range)
        return -2;
    *out = v;
    return 0;
}

/* Go's strconv.ParseInt(s, base, 64): an optional sign, then ParseUint's digits. */
static int go_parse_int(int64_t *out, const char *s, size_t n, int base)
{
    bool neg = false;
    uint64_t u;
    int rc;

    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    if ((rc = go_parse_uint(&u, NULL, s, n, base)) < 0)
        return rc;
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return -2;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX)
            return -2;
        *out = (int64_t)u;
    }
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s, size_t n)
{
    size_t i = 0, k;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i < n && s[i] == '.') {
        for (k = ++i; i < n && is_digit(s[i]); i++)
            ;
        if (i == k)
            return false;
    } else {
        for (k = i; i < n && is_digit(s[i]); i++)
            ;
        if (i == k)
            return false;
        if (i < n && s[i] == '.')
            for (i++; i < n && is_digit(s[i]); i++)
                ;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (k = i; i < n && is_digit(s[i]); i++)
            ;
        if (i == k)
            return false;
    }
    return i == n;
}

/* Go's strconv.ParseFloat on text its checks already shaped (s is NUL-terminated): fails on
 * overflow to infinity as Go does, while underflow quietly gives 0 or a subnormal. */
static bool go_parse_float(double *out, const char *s)
{
    char *end;
    double d;

    errno = 0;
    d = strtod(s, &end);
    if (*end != '\0' || isinf(d))
        return false;
    *out = d;
    return true;
}

/* Digits with single underscores between them, as Go's underscoreOK allows ("1_0", not
 * "1__0", "_1" or "1_"). Returns the length consumed, 0 when there is no digit. */
static size_t go_digits(const char *s, size_t n)
{
    size_t i = 0;

    if (i >= n || !is_digit(s[i]))
        return 0;
    while (i < n && is_digit(s[i])) {
        i++;
        if (i + 1 < n && s[i] == '_' && is_digit(s[i + 1]))
            i++;
    }
    return i;
}

/* go-yaml's '.' case: strconv.ParseFloat(in) on the raw text, where Go accepts ".5", ".5e3" and
 * underscores between digits. */
static bool resolve_dot_float(double *out, const char *s, size_t n)
{
    size_t i = 1, k, j = 0;
    char buf[128];
    char *copy = buf;
    bool ok;

    if ((k = go_digits(s + i, n - i)) == 0)
        return false;
    i += k;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((k = go_digits(s + i, n - i)) == 0)
            return false;
        i += k;
    }
    if (i != n)
        return false;
    if (n >= sizeof(buf))
        copy = kp_malloc(n + 1);
    for (i = 0; i < n; i++)
        if (s[i] != '_')
            copy[j++] = s[i];
    copy[j] = '\0';
    ok = go_parse_float(out, copy);
    if (copy != buf)
        free(copy);
    return ok;
}

/* go-yaml's 'D'/'S' case (text starting with a digit or a sign), in its order: int, uint,
 * float, the legacy 0b forms, big integers; anything else stays a string. */
static void resolve_number(scalar *sc, const char *s, size_t n)
{
    char buf[128];
    char *p = buf;
    size_t m = 0;
    int64_t i;
    uint64_t u;
    double d;
    int urc;

    /* go-yaml drops every underscore before trying the number parsers. */
    if (n >= sizeof(buf))
        p = kp_malloc(n + 1);
    for (size_t k = 0; k < n; k++)
        if (s[k] != '_')
            p[m++] = s[k];
    p[m] = '\0';

    sc->kind = SC_STR;
    if (go_parse_int(&i, p, m, 0) == 0) {
        sc->kind = SC_INT;
        sc->i = i;
        goto out;
    }
    urc = go_parse_uint(&u, &d, p, m, 0);
    if (urc == 0) {
        sc->kind = SC_UINT;
        sc->u = u;
        goto out;
    }
    if (yaml_style_float(p, m) && strlen(p) == m && go_parse_float(&d, p)) {
        sc->kind = SC_FLOAT;
        sc->d = d;
        goto out;
    }
    if (m >= 2 && p[0] == '0' && p[1] == 'b') {
        /* ParseInt(plain[2:], 2): Go lets a sign follow the prefix here ("0b-1" is -1). */
        if (go_parse_int(&i, p + 2, m - 2, 2) == 0) {
            sc->kind = SC_INT;
            sc->i = i;
            goto out;
        }
        if (go_parse_uint(&u, NULL, p + 2, m - 2, 2) == 0) {
            sc->kind = SC_UINT;
            sc->u = u;
            goto out;
        }
    } else if (m >= 3 && p[0] == '-' && p[1] == '0' && p[2] == 'b') {
        p[2] = '-'; /* ParseInt("-" + plain[3:], 2) */
        if (go_parse_int(&i, p + 2, m - 2, 2) == 0) {
            sc->kind = SC_INT;
            sc->i = i;
            goto out;
        }
    }
    if (urc == -2) {
        sc->kind = SC_BIG;
        sc->d = d;
    }
out:
    if (p != buf)
        free(p);
}

/* Resolves an untagged plain scalar. */
static void resolve_plain(scalar *sc, const char *s, size_t n)
{
    memset(sc, 0, sizeof(*sc));
    for (size_t k = 0; k < KP_ARRAY_LEN(resolve_words); k++) {
        if (strlen(resolve_words[k].s) == n && memcmp(resolve_words[k].s, s, n) == 0) {
            sc->kind = resolve_words[k].kind;
            sc->b = resolve_words[k].v != 0;
            if (sc->kind == SC_FLOAT)
                sc->d = resolve_words[k].v == 0 ? NAN : resolve_words[k].v * INFINITY;
            return;
        }
    }
    sc->kind = SC_STR;
    if (n == 0)
        return;
    if (s[0] == '.') {
        if (resolve_dot_float(&sc->d, s, n))
            sc->kind = SC_FLOAT;
    } else if (is_digit(s[0]) || s[0] == '+' || s[0] == '-') {
        /* Dates ("2001-12-14") are timestamps to go-yaml, but it hands interface{} targets
         * the original string, so they need no case of their own. */
        resolve_number(sc, s, n);
    }
}

/* ------------------------------------------------------------------------------------------
 * Reader: libyaml events to JSON.
 * ------------------------------------------------------------------------------------------ */

typedef struct {
    size_t nodes; /* JSON nodes in the value */
    size_t bytes; /* string and key bytes in it, plus a little per node */
    int height;   /* container levels in it (0 for a scalar) */
} node_stats;

typedef struct {
    char *name;
    bool done; /* false while the anchored node is still being read */
    bool is_scalar;
    json_t *val; /* containers: the value, copied for each alias */
    scalar sc;   /* scalars: the resolution, and the text, so an alias can be a map key */
    char *text;
    size_t text_len;
    node_stats st;
} anchor;

typedef struct {
    yaml_parser_t p;
    anchor *anchors; /* of the current document; YAML scopes anchors to one */
    size_t nanchors;
    size_t anchors_alloc;
    size_t aliases; /* the alias budget is per call, so a stream cannot multiply it */
    size_t alias_nodes;
    size_t alias_bytes;
} reader;

static int fail_at(const yaml_mark_t *m, const char *fmt, ...) KP_PRINTF(2, 3);

/* KP_EBADREQUEST with go-yaml's "yaml: line L: ..." shape, plus the column. */
static int fail_at(const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return kp_err_set(KP_EBADREQUEST, "yaml: line %zu, column %zu: %s", m->line + 1, m->column + 1,
                      msg);
}

static int reader_error(const reader *r)
{
    const yaml_parser_t *p = &r->p;
    const char *problem = p->problem ? p->problem : "malformed YAML";

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return kp_err_set(KP_EINTERNAL, "yaml: libyaml ran out of memory");
    case YAML_READER_ERROR:
        /* Encoding problems have a byte offset, not a line. */
        return kp_err_set(KP_EBADREQUEST, "yaml: %s at byte %zu", problem, p->problem_offset);
    default:
        return fail_at(&p->problem_mark, "%s", problem);
    }
}

static int reader_next(reader *r, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&r->p, ev))
        return reader_error(r);
    return 0;
}

static void anchors_reset(reader *r)
{
    for (size_t i = 0; i < r->nanchors; i++) {
        free(r->anchors[i].name);
        free(r->anchors[i].text);
        json_decref(r->anchors[i].val);
    }
    r->nanchors = 0;
}

/* Starts an anchor; returns its index (the array may move while its node is read). */
static size_t anchor_begin(reader *r, const yaml_char_t *name)
{
    anchor *a;

    if (r->nanchors == r->anchors_alloc) {
        r->anchors_alloc = r->anchors_alloc ? r->anchors_alloc * 2 : 16;
        r->anchors = kp_realloc(r->anchors, r->anchors_alloc * sizeof(*r->anchors));
    }
    a = &r->anchors[r->nanchors];
    memset(a, 0, sizeof(*a));
    a->name = kp_strdup((const char *)name);
    return r->nanchors++;
}

/* The latest definition of name wins, as YAML allows redefining an anchor. */
static anchor *anchor_find(reader *r, const yaml_char_t *name)
{
    for (size_t i = r->nanchors; i > 0; i--)
        if (strcmp(r->anchors[i - 1].name, (const char *)name) == 0)
            return &r->anchors[i - 1];
    return NULL;
}

/* Charges one alias use to the budget (KP_YAML_ALIAS*_MAX) and checks the nesting it adds. */
static anchor *alias_take(reader *r, const yaml_event_t *ev, int depth, int *rc)
{
    const yaml_char_t *name = ev->data.alias.anchor;
    anchor *a = anchor_find(r, name);

    if (!a) {
        *rc = fail_at(&ev->start_mark, "unknown anchor \"%.64s\" referenced", (const char *)name);
        return NULL;
    }
    if (!a->done) {
        *rc =
            fail_at(&ev->start_mark, "anchor \"%.64s\" value contains itself", (const char *)name);
        return NULL;
    }
    r->aliases++;
    r->alias_nodes += a->st.nodes;
    r->alias_bytes += a->st.bytes;
    if (r->aliases > KP_YAML_ALIASES_MAX || r->alias_nodes > KP_YAML_ALIAS_NODES_MAX ||
        r->alias_bytes > KP_YAML_ALIAS_BYTES_MAX) {
        *rc = fail_at(&ev->start_mark,
                      "YAML aliases expand too much (at most %d aliases, %d nodes, %d bytes)",
                      KP_YAML_ALIASES_MAX, KP_YAML_ALIAS_NODES_MAX, KP_YAML_ALIAS_BYTES_MAX);
        return NULL;
    }
    if (depth + a->st.height > KP_JSON_DEPTH_MAX) {
        *rc = fail_at(&ev->start_mark, "YAML nesting is deeper than %d levels", KP_JSON_DEPTH_MAX);
        return NULL;
    }
    *rc = 0;
    return a;
}

static bool tag_is(const yaml_char_t *tag, const char *name)
{
    size_t n = strlen(TAG_PREFIX);
    return tag && strncmp((const char *)tag, TAG_PREFIX, n) == 0 &&
           strcmp((const char *)tag + n, name) == 0;
}

static const char *kind_tag(sc_kind k)
{
    switch (k) {
    case SC_NULL:
        return "!!null";
    case SC_BOOL:
        return "!!bool";
    case SC_INT:
    case SC_UINT:
    case SC_BIG:
        return "!!int";
    case SC_FLOAT:
        return "!!float";
    default:
        return "!!str";
    }
}

/* Resolves a scalar event: plain and untagged by the table above, quoted and block scalars are
 * strings, !!str forces a string, !!null/!!bool/!!int/!!float must match what the text
 * resolves to (!!float also takes an integer), other tags leave the text a string as go-yaml
 * does for tags it does not know. */
static int scalar_resolve(scalar *sc, const yaml_event_t *ev)
{
    const yaml_char_t *tag = ev->data.scalar.tag;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *want = NULL;

    memset(sc, 0, sizeof(*sc));
    sc->kind = SC_STR;
    if (!tag) {
        if (ev->data.scalar.plain_implicit)
            resolve_plain(sc, s, n);
        return 0;
    }
    if (tag_is(tag, "binary"))
        return fail_at(&ev->start_mark,
                       "!!binary is not supported: write the base64 text as a plain string");
    if (tag_is(tag, "null"))
        want = "!!null";
    else if (tag_is(tag, "bool"))
        want = "!!bool";
    else if (tag_is(tag, "int"))
        want = "!!int";
    else if (tag_is(tag, "float"))
        want = "!!float";
    if (!want)
        return 0;
    resolve_plain(sc, s, n);
    if (strcmp(want, "!!float") == 0) {
        if (sc->kind == SC_INT)
            sc->d = (double)sc->i;
        else if (sc->kind == SC_UINT)
            sc->d = (double)sc->u;
        if (sc->kind == SC_INT || sc->kind == SC_UINT || sc->kind == SC_BIG)
            sc->kind = SC_FLOAT;
        sc->keep_real = true;
    }
    if (strcmp(kind_tag(sc->kind), want) != 0)
        return fail_at(&ev->start_mark, "cannot decode %s `%.64s` as a %s", kind_tag(sc->kind), s,
                       want);
    return 0;
}

/* Whether d is a whole number an int64 holds (2^63 itself is just outside). */
static bool integral_int64(double d)
{
    return d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0;
}

/* The JSON value of a resolved scalar, as json.Marshal then a JSON decoder would see it: an
 * integral float is an integer (Go prints 1.0 as 1), integers past int64 are reals, and JSON
 * has no infinity or NaN. */
static int scalar_json(json_t **out, const scalar *sc, const char *s, size_t n,
                       const yaml_mark_t *m)
{
    json_t *v = NULL;

    switch (sc->kind) {
    case SC_NULL:
        v = json_null();
        break;
    case SC_BOOL:
        v = json_boolean(sc->b);
        break;
    case SC_INT:
        v = json_integer(sc->i);
        break;
    case SC_UINT:
        v = json_real((double)sc->u);
        break;
    case SC_BIG:
    case SC_FLOAT:
        if (!isfinite(sc->d))
            return fail_at(m, "%.64s cannot be represented in JSON", s);
        if (!sc->keep_real && integral_int64(sc->d))
            v = json_integer((json_int_t)sc->d);
        else
            v = json_real(sc->d);
        break;
    case SC_STR:
        v = json_stringn(s, n);
        if (!v)
            return fail_at(m, "string is not valid UTF-8");
        break;
    }
    *out = v;
    return 0;
}

/* Go's strconv.FormatFloat(f, 'g', -1, 32): how sigs.k8s.io/yaml spells a float map key (the
 * shortest digits that read back as the same float32, exponent form below 1e-4 and from 1e6). */
static void go_float32_key(char *dst, size_t cap, double d)
{
    char e[32], digits[16];
    const char *q;
    float f;
    int nd = 0, exp, p;
    size_t o = 0;

    if (isnan(d)) {
        snprintf(dst, cap, ".nan");
        return;
    }
    /* float32(d) rounds to infinity only from FLT_MAX plus half an ulp. */
    if (fabs(d) >= 0x1.ffffffp+127) {
        snprintf(dst, cap, "%s", d > 0 ? ".inf" : "-.inf");
        return;
    }
    f = fabs(d) > FLT_MAX ? copysignf(FLT_MAX, (float)(d > 0 ? 1 : -1)) : (float)d;
    if (f == 0) {
        snprintf(dst, cap, "%s", signbit(f) ? "-0" : "0");
        return;
    }
    for (p = 1; p <= 9; p++) {
        snprintf(e, sizeof(e), "%.*e", p - 1, (double)f);
        if (strtof(e, NULL) == f)
            break;
    }
    q = e;
    if (*q == '-')
        dst[o++] = *q++;
    for (; *q && *q != 'e'; q++)
        if (is_digit(*q))
            digits[nd++] = *q;
    exp = (int)strtol(q + 1, NULL, 10);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (exp < -4 || exp >= 6) {
        dst[o++] = digits[0];
        if (nd > 1) {
            dst[o++] = '.';
            for (int k = 1; k < nd; k++)
                dst[o++] = digits[k];
        }
        snprintf(dst + o, cap - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return;
    }
    if (exp < 0) {
        dst[o++] = '0';
        dst[o++] = '.';
        for (int k = 0; k < -exp - 1; k++)
            dst[o++] = '0';
        for (int k = 0; k < nd; k++)
            dst[o++] = digits[k];
    } else {
        for (int k = 0; k <= exp; k++)
            dst[o++] = k < nd ? digits[k] : '0';
        if (nd > exp + 1) {
            dst[o++] = '.';
            for (int k = exp + 1; k < nd; k++)
                dst[o++] = digits[k];
        }
    }
    dst[o] = '\0';
}

/* A map key as JSON needs it: sigs.k8s.io/yaml turns int, float and bool keys into their text
 * and rejects the rest (null, uint64, big integers). *out is owned (free()). */
static int scalar_key(char **out, size_t *len_out, const scalar *sc, const char *s, size_t n,
                      const yaml_mark_t *m)
{
    char tmp[64];

    switch (sc->kind) {
    case SC_STR:
        *out = kp_strndup(s, n);
        *len_out = n;
        return 0;
    case SC_BOOL:
        snprintf(tmp, sizeof(tmp), "%s", sc->b ? "true" : "false");
        break;
    case SC_INT:
        snprintf(tmp, sizeof(tmp), "%" PRId64, sc->i);
        break;
    case SC_FLOAT:
        go_float32_key(tmp, sizeof(tmp), sc->d);
        break;
    default:
        return fail_at(m, "unsupported map key %.64s: keys must be strings, numbers or booleans",
                       n ? s : "null");
    }
    *len_out = strlen(tmp);
    *out = kp_strndup(tmp, *len_out);
    return 0;
}

static int read_node(reader *r, yaml_event_t *ev, int depth, json_t **out, node_stats *st);

/* The key of a mapping entry: a scalar, or an alias of one. *out is owned (free()). */
static int read_key(reader *r, const yaml_event_t *ev, int depth, char **out, size_t *len_out)
{
    scalar sc;
    anchor *a;
    int rc;

    if (ev->type == YAML_SCALAR_EVENT) {
        if ((rc = scalar_resolve(&sc, ev)) < 0)
            return rc;
        if (ev->data.scalar.anchor) {
            size_t ki = anchor_begin(r, ev->data.scalar.anchor); /* may move the array */
            anchor *k = &r->anchors[ki];
            k->is_scalar = k->done = true;
            k->sc = sc;
            k->text = kp_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
            k->text_len = ev->data.scalar.length;
            k->st = (node_stats){1, ev->data.scalar.length + 8, 0};
        }
        return scalar_key(out, len_out, &sc, (const char *)ev->data.scalar.value,
                          ev->data.scalar.length, &ev->start_mark);
    }
    if (ev->type == YAML_ALIAS_EVENT) {
        if (!(a = alias_take(r, ev, depth, &rc)))
            return rc;
        if (!a->is_scalar)
            return fail_at(&ev->start_mark, "invalid map key: alias \"%.64s\" is not a scalar",
                           (const char *)ev->data.alias.anchor);
        return scalar_key(out, len_out, &a->sc, a->text, a->text_len, &ev->start_mark);
    }
    return fail_at(&ev->start_mark, "invalid map key: mapping keys must be scalars, not a %s",
                   ev->type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
}

/* go-yaml's isMerge: a plain, untagged "<<" key (or one tagged !!merge). */
static bool is_merge_key(const yaml_event_t *ev)
{
    return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 2 &&
           memcmp(ev->data.scalar.value, "<<", 2) == 0 &&
           ((!ev->data.scalar.tag && ev->data.scalar.plain_implicit) ||
            tag_is(ev->data.scalar.tag, "merge"));
}

/* YAML 1.1 merge keys: keys written in the mapping win over merged ones wherever they stand,
 * and an earlier merged map wins over a later one. *merged records which keys of obj came from
 * a merge, so a later explicit key may replace them without counting as a duplicate. */
static void merge_map(json_t *obj, json_t *src, json_t **merged)
{
    const char *k;
    size_t klen;
    json_t *v;

    json_object_keylen_foreach(src, k, klen, v)
    {
        if (json_object_getn(obj, k, klen))
            continue;
        json_object_setn(obj, k, klen, v);
        if (!*merged)
            *merged = json_object();
        json_object_setn_new(*merged, k, klen, json_true());
    }
}

static int merge_value(json_t *obj, json_t *src, json_t **merged, const yaml_mark_t *m)
{
    size_t n = json_array_size(src);

    if (json_is_object(src)) {
        merge_map(obj, src, merged);
        return 0;
    }
    /* go-yaml checks every item before merging any */
    for (size_t i = 0; i < n; i++)
        if (!json_is_object(json_array_get(src, i)))
            return fail_at(m, "map merge requires map or sequence of maps as the value");
    if (!json_is_array(src))
        return fail_at(m, "map merge requires map or sequence of maps as the value");
    for (size_t i = 0; i < n; i++)
        merge_map(obj, json_array_get(src, i), merged);
    return 0;
}

static void stats_add_child(node_stats *st, const node_stats *c)
{
    st->nodes += c->nodes;
    st->bytes += c->bytes;
    if (c->height + 1 > st->height)
        st->height = c->height + 1;
}

static int read_mapping(reader *r, int depth, json_t *obj, node_stats *st)
{
    yaml_event_t kev = {0}, vev = {0};
    json_t *merged = NULL, *val = NULL;
    node_stats cst;
    char *key = NULL;
    size_t klen;
    int rc;

    for (;;) {
        if ((rc = reader_next(r, &kev)) < 0)
            goto out;
        if (kev.type == YAML_MAPPING_END_EVENT)
            break;
        if (is_merge_key(&kev)) {
            yaml_mark_t m = kev.start_mark;
            yaml_event_delete(&kev);
            if ((rc = reader_next(r, &vev)) < 0 || (rc = read_node(r, &vev, depth, &val, &cst)) < 0)
                goto out;
            if ((rc = merge_value(obj, val, &merged, &m)) < 0)
                goto out;
            /* Merged values move up one level (two from a list of maps) from where they were
             * read, into obj. */
            st->nodes += cst.nodes;
            st->bytes += cst.bytes;
            st->height = KP_MAX(st->height, json_is_array(val) ? cst.height - 1 : cst.height);
            json_decref(val);
            val = NULL;
            continue;
        }
        if ((rc = read_key(r, &kev, depth, &key, &klen)) < 0)
            goto out;
        if (memchr(key, '\0', klen)) {
            /* jansson reads no such key from JSON text (kp_json_parse would refuse it). */
            rc = fail_at(&kev.start_mark, "map key contains a NUL character");
            goto out;
        }
        if (json_object_getn(obj, key, klen)) {
            /* k8s: sigs.k8s.io/yaml's strict mode (YAMLToJSONStrict) rejects these. */
            if (!merged || !json_object_getn(merged, key, klen)) {
                rc = fail_at(&kev.start_mark, "duplicate key \"%.*s\"", (int)KP_MIN(klen, 64), key);
                goto out;
            }
            json_object_deln(merged, key, klen);
        }
        yaml_event_delete(&kev);
        if ((rc = reader_next(r, &vev)) < 0 || (rc = read_node(r, &vev, depth, &val, &cst)) < 0)
            goto out;
        if (json_object_setn_new(obj, key, klen, val) < 0) {
            val = NULL;
            rc = kp_err_set(KP_EBADREQUEST, "yaml: map key is not valid UTF-8");
            goto out;
        }
        val = NULL;
        stats_add_child(st, &cst);
        st->bytes += klen;
        free(key);
        key = NULL;
    }
    rc = 0;
out:
    yaml_event_delete(&kev);
    yaml_event_delete(&vev);
    json_decref(merged);
    json_decref(val);
    free(key);
    return rc;
}

static int read_sequence(reader *r, int depth, json_t *arr, node_stats *st)
{
    yaml_event_t ev = {0};
    json_t *val = NULL;
    node_stats cst;
    int rc;

    for (;;) {
        if ((rc = reader_next(r, &ev)) < 0)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        if ((rc = read_node(r, &ev, depth, &val, &cst)) < 0)
            return rc;
        json_array_append_new(arr, val);
        stats_add_child(st, &cst);
    }
}

/* Reads the node that starts with *ev (consumed on every path) at nesting depth (the number
 * of enclosing containers). */
static int read_node(reader *r, yaml_event_t *ev, int depth, json_t **out, node_stats *st)
{
    json_t *v = NULL;
    const yaml_char_t *aname = NULL;
    size_t ai = 0;
    scalar sc;
    anchor *a;
    int rc;

    *st = (node_stats){1, 8, 0};
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if ((rc = scalar_resolve(&sc, ev)) < 0 ||
            (rc = scalar_json(&v, &sc, (const char *)ev->data.scalar.value, ev->data.scalar.length,
                              &ev->start_mark)) < 0)
            goto out;
        st->bytes += ev->data.scalar.length;
        if (ev->data.scalar.anchor) {
            ai = anchor_begin(r, ev->data.scalar.anchor); /* may move the array */
            a = &r->anchors[ai];
            a->is_scalar = a->done = true;
            a->sc = sc;
            a->text = kp_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
            a->text_len = ev->data.scalar.length;
            a->st = *st;
        }
        break;
    case YAML_ALIAS_EVENT:
        if (!(a = alias_take(r, ev, depth, &rc)))
            goto out;
        if (a->is_scalar &&
            (rc = scalar_json(&v, &a->sc, a->text, a->text_len, &ev->start_mark)) < 0)
            goto out;
        if (!a->is_scalar)
            v = json_deep_copy(a->val); /* no shared nodes: callers may change the result */
        *st = a->st;
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (depth + 1 > KP_JSON_DEPTH_MAX) {
            rc = fail_at(&ev->start_mark, "YAML nesting is deeper than %d levels",
                         KP_JSON_DEPTH_MAX);
            goto out;
        }
        st->height = 1;
        if (ev->type == YAML_SEQUENCE_START_EVENT) {
            aname = ev->data.sequence_start.anchor;
            v = json_array();
        } else {
            aname = ev->data.mapping_start.anchor;
            v = json_object();
        }
        if (aname)
            ai = anchor_begin(r, aname);
        if (ev->type == YAML_SEQUENCE_START_EVENT)
            rc = read_sequence(r, depth + 1, v, st);
        else
            rc = read_mapping(r, depth + 1, v, st);
        if (rc < 0)
            goto out;
        if (aname) {
            r->anchors[ai].val = json_incref(v);
            r->anchors[ai].st = *st;
            r->anchors[ai].done = true;
        }
        break;
    default:
        rc = fail_at(&ev->start_mark, "unexpected YAML event %d", (int)ev->type);
        goto out;
    }
    *out = v;
    v = NULL;
    rc = 0;
out:
    json_decref(v);
    yaml_event_delete(ev);
    return rc;
}

/* An empty document: "---" or comments alone, which libyaml reports as an empty plain scalar. */
static bool is_empty_root(const yaml_event_t *ev)
{
    return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 0 && !ev->data.scalar.tag &&
           !ev->data.scalar.anchor && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int yaml_load(json_t **out, const char *text, size_t len, bool stream)
{
    reader r;
    yaml_event_t ev = {0};
    json_t *docs = NULL, *one = NULL, *val = NULL;
    node_stats st;
    int rc;

    memset(&r, 0, sizeof(r));
    if (!yaml_parser_initialize(&r.p))
        return kp_err_set(KP_EINTERNAL, "yaml: cannot initialize libyaml");
    /* libyaml asserts on a NULL input, which an empty kp_buf hands out. */
    yaml_parser_set_input_string(&r.p, (const unsigned char *)(text ? text : ""), len);
    if (stream)
        docs = json_array();
    if ((rc = reader_next(&r, &ev)) < 0)
        goto out;
    yaml_event_delete(&ev); /* STREAM-START */
    for (;;) {
        yaml_mark_t doc_mark;
        if ((rc = reader_next(&r, &ev)) < 0)
            goto out;
        if (ev.type == YAML_STREAM_END_EVENT)
            break;
        doc_mark = ev.start_mark;
        yaml_event_delete(&ev); /* DOCUMENT-START */
        if ((rc = reader_next(&r, &ev)) < 0)
            goto out;
        if (is_empty_root(&ev)) {
            yaml_event_delete(&ev);
        } else {
            if (!stream && one) {
                rc = fail_at(&doc_mark, "expected one YAML document, found another");
                goto out;
            }
            if ((rc = read_node(&r, &ev, 0, &val, &st)) < 0)
                goto out;
        }
        anchors_reset(&r);
        if ((rc = reader_next(&r, &ev)) < 0)
            goto out;
        yaml_event_delete(&ev); /* DOCUMENT-END */
        if (!val)
            continue;
        if (!stream)
            one = val;
        else if (json_is_null(val))
            json_decref(val); /* kubectl skips documents that decode to null */
        else
            json_array_append_new(docs, val);
        val = NULL;
    }
    if (!stream && !one) {
        rc = kp_err_set(KP_EBADREQUEST, "yaml: the document is empty");
        goto out;
    }
    *out = stream ? docs : one;
    docs = one = NULL;
    rc = 0;
out:
    yaml_event_delete(&ev);
    anchors_reset(&r);
    free(r.anchors);
    yaml_parser_delete(&r.p);
    json_decref(docs);
    json_decref(one);
    json_decref(val);
    return rc;
}

int kp_yaml_parse(json_t **out, const char *text, size_t len)
{
    return yaml_load(out, text, len, false);
}

int kp_yaml_parse_stream(json_t **out, const char *text, size_t len)
{
    return yaml_load(out, text, len, true);
}

/* ------------------------------------------------------------------------------------------
 * Emitter: JSON to block-style YAML, written by hand so every choice that matters for reading
 * it back (quoting, block scalars, long keys) is visible here.
 * ------------------------------------------------------------------------------------------ */

#define UTF8_BAD 0xFFFFFFFFu

/* Decodes one UTF-8 sequence; returns its length. jansson keeps strings valid UTF-8, so
 * UTF8_BAD (never printable) only guards against a value built with json_string_nocheck(). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    uint32_t v;

    if (len == 0 || len > n) {
        *cp = UTF8_BAD;
        return 1;
    }
    v = len == 1 ? s[0] : s[0] & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = UTF8_BAD;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

/* Characters libyaml reads back as themselves outside double quotes: printable, and not one
 * of its line breaks (NEL, LS, PS) or the byte-order mark it skips. */
static bool cp_printable(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 0x20 && cp < 0x7F;
    return (cp >= 0xA0 && cp <= 0xD7FF && cp != 0x2028 && cp != 0x2029) ||
           (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

static bool looks_numeric(const char *s, size_t n)
{
    if (is_digit(s[0]))
        return true;
    return n > 1 && (s[0] == '+' || s[0] == '-' || s[0] == '.') && (is_digit(s[1]) || s[1] == '.');
}

/* Whether s can be written as a plain scalar and read back as the same string. */
static bool plain_ok(const char *s, size_t n)
{
    static const char indicators[] = "?:,[]{}#&*!|>'\"%@`";
    scalar sc;

    if (n == 0 || memchr(indicators, s[0], sizeof(indicators) - 1))
        return false;
    if (s[0] == '-' && (n == 1 || s[1] == ' '))
        return false;
    if (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
        return false;
    if (s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':')
        return false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!cp_printable(cp))
            return false;
        if ((s[i] == ':' && i + 1 < n && s[i + 1] == ' ') ||
            (s[i] == ' ' && i + 1 < n && s[i + 1] == '#'))
            return false;
        i += k;
    }
    /* Quote anything number-like even when go-yaml would read it as a string ("1e400",
     * "1.2.3", "12:30"), so YAML 1.2 readers agree too. */
    if (looks_numeric(s, n) || (n == 2 && memcmp(s, "<<", 2) == 0))
        return false;
    resolve_plain(&sc, s, n);
    return sc.kind == SC_STR;
}

static void emit_dquoted(kp_buf *b, const char *s, size_t n)
{
    kp_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        switch (cp) {
        case '"':
            kp_buf_puts(b, "\\\"");
            break;
        case '\\':
            kp_buf_puts(b, "\\\\");
            break;
        case '\0':
            kp_buf_puts(b, "\\0");
            break;
        case '\t':
            kp_buf_puts(b, "\\t");
            break;
        case '\n':
            kp_buf_puts(b, "\\n");
            break;
        case '\r':
            kp_buf_puts(b, "\\r");
            break;
        default:
            if (cp == ' ' || cp_printable(cp))
                kp_buf_put(b, s + i, k);
            else if (cp == UTF8_BAD)
                kp_buf_puts(b, "\\uFFFD");
            else if (cp <= 0xFF)
                kp_buf_appendf(b, "\\x%02X", (unsigned)cp);
            else
                kp_buf_appendf(b, "\\u%04X", (unsigned)cp);
        }
        i += k;
    }
    kp_buf_putc(b, '"');
}

/* Whether s reads back exactly as a literal block scalar ("|"): several lines of printable
 * text (tabs allowed), no carriage returns (libyaml folds them into line feeds) and no line
 * of blanks only (their meaning depends on the indentation). */
static bool literal_ok(const char *s, size_t n)
{
    bool has_nl = false, has_text = false;
    size_t line = 0;
    bool blank = true;

    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp == '\n') {
            if (line > 0 && blank)
                return false;
            has_nl = true;
            line = 0;
            blank = true;
        } else {
            if (cp != '\t' && !cp_printable(cp))
                return false;
            if (cp != ' ' && cp != '\t') {
                blank = false;
                has_text = true;
            }
            line++;
        }
        i += k;
    }
    if (line > 0 && blank)
        return false;
    return has_nl && has_text;
}

static void emit_indent(kp_buf *b, size_t col)
{
    for (size_t i = 0; i < col; i++)
        kp_buf_putc(b, ' ');
}

/* The literal block: header on the current line, content lines at col. An indentation
 * indicator is needed when the first text line starts with a blank, else libyaml would take
 * the blank for indentation; libyaml counts the indicator from the enclosing block, which
 * sits two columns left of col wherever this emitter puts a block scalar. */
static void emit_literal(kp_buf *b, const char *s, size_t n, size_t col)
{
    size_t trailing = 0, i = 0;
    const char *first = s;

    while (trailing < n && s[n - 1 - trailing] == '\n')
        trailing++;
    while (*first == '\n')
        first++;
    kp_buf_putc(b, '|');
    if (*first == ' ' || *first == '\t')
        kp_buf_putc(b, '2');
    kp_buf_puts(b, trailing == 0 ? "-" : trailing == 1 ? "" : "+");
    kp_buf_putc(b, '\n');
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n;
        if (end > i) {
            emit_indent(b, col);
            kp_buf_put(b, s + i, end - i);
        }
        kp_buf_putc(b, '\n');
        i = end + 1;
    }
}

static void emit_real(kp_buf *b, double d)
{
    char tmp[40];

    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*g", p, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* An integral real would read back as an integer (Go prints 1.0 as 1): the tag keeps it
     * a real. */
    if (integral_int64(d))
        kp_buf_puts(b, "!!float ");
    kp_buf_puts(b, tmp);
}

typedef enum {
    AT_ROOT,  /* the document */
    AT_ITEM,  /* after "- " of an item whose dash is at col */
    AT_VALUE, /* after "key:" of a key at col */
} emit_at;

static int emit_node(kp_buf *b, const json_t *v, size_t col, emit_at at, int depth);

/* Writes "key:" at the current position; keys too long for a libyaml simple key (1024
 * characters) use the explicit "? key" form. Returns whether it did. */
static bool emit_key(kp_buf *b, const char *k, size_t klen, size_t col)
{
    kp_buf tmp = KP_BUF_INIT(SIZE_MAX / 2);
    bool explicit_key;

    if (plain_ok(k, klen))
        kp_buf_put(&tmp, k, klen);
    else
        emit_dquoted(&tmp, k, klen);
    explicit_key = tmp.len > 1000;
    if (explicit_key) {
        kp_buf_puts(b, "? ");
        kp_buf_put(b, tmp.p, tmp.len);
        kp_buf_putc(b, '\n');
        emit_indent(b, col);
        kp_buf_putc(b, ':');
    } else {
        kp_buf_put(b, tmp.p, tmp.len);
        kp_buf_putc(b, ':');
    }
    kp_buf_dispose(&tmp);
    return explicit_key;
}

static int emit_map(kp_buf *b, const json_t *obj, size_t col, bool first_inline, int depth)
{
    const char *k;
    size_t klen, i = 0;
    json_t *val;
    int rc;

    json_object_keylen_foreach((json_t *)obj, k, klen, val)
    {
        if (i++ > 0 || !first_inline)
            emit_indent(b, col);
        if (emit_key(b, k, klen, col) && json_is_array(val) && json_array_size(val) > 0) {
            /* After an explicit key, nest the list rather than rely on the compact form. */
            kp_buf_putc(b, '\n');
            rc = emit_node(b, val, col + 2, AT_ROOT, depth);
        } else {
            rc = emit_node(b, val, col, AT_VALUE, depth);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int emit_seq(kp_buf *b, const json_t *arr, size_t col, bool first_inline, int depth)
{
    size_t i;
    json_t *val;
    int rc;

    json_array_foreach(arr, i, val)
    {
        if (i > 0 || !first_inline)
            emit_indent(b, col);
        kp_buf_puts(b, "- ");
        if ((rc = emit_node(b, val, col, AT_ITEM, depth)) < 0)
            return rc;
    }
    return 0;
}

/* AT_ROOT with col > 0 is a container nested under an explicit key, at col. */
static int emit_node(kp_buf *b, const json_t *v, size_t col, emit_at at, int depth)
{
    const char *s;
    size_t n;

    /* "{}" and "[]" count too: parse counts them. */
    if ((json_is_object(v) || json_is_array(v)) && depth + 1 > KP_JSON_DEPTH_MAX)
        return kp_err_set(KP_EINTERNAL, "yaml: value nests deeper than %d levels",
                          KP_JSON_DEPTH_MAX);
    if (json_is_object(v) && json_object_size(v) > 0) {
        if (at == AT_VALUE) {
            kp_buf_putc(b, '\n');
            return emit_map(b, v, col + 2, false, depth + 1);
        }
        return emit_map(b, v, at == AT_ITEM ? col + 2 : col, at == AT_ITEM, depth + 1);
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        if (at == AT_VALUE) {
            /* k8s: kubectl and sigs.k8s.io/yaml write lists under a key unindented. */
            kp_buf_putc(b, '\n');
            return emit_seq(b, v, col, false, depth + 1);
        }
        return emit_seq(b, v, at == AT_ITEM ? col + 2 : col, at == AT_ITEM, depth + 1);
    }
    if (at == AT_VALUE)
        kp_buf_putc(b, ' ');
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        kp_buf_puts(b, "{}");
        break;
    case JSON_ARRAY:
        kp_buf_puts(b, "[]");
        break;
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        if (literal_ok(s, n)) {
            emit_literal(b, s, n, col + 2);
            return 0;
        }
        if (plain_ok(s, n))
            kp_buf_put(b, s, n);
        else
            emit_dquoted(b, s, n);
        break;
    case JSON_INTEGER:
        kp_buf_appendf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        emit_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        kp_buf_puts(b, "true");
        break;
    case JSON_FALSE:
        kp_buf_puts(b, "false");
        break;
    case JSON_NULL:
        kp_buf_puts(b, "null");
        break;
    }
    kp_buf_putc(b, '\n');
    return 0;
}

int kp_yaml_emit(kp_buf *out, const json_t *v)
{
    int rc;

    assert(v);
    if ((rc = emit_node(out, v, 0, AT_ROOT, 0)) < 0)
        return rc;
    return kp_buf_status(out);
}
