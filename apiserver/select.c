#include "lib/common.h"
#include "apiserver/select.h"
#include "apiserver/validate.h"
#include "lib/arena.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "lib/sv.h"

#include <stdarg.h>

/* The grammars and messages follow k8s.io/apimachinery: pkg/labels/selector.go (its lexer,
 * parser and Requirement) and pkg/fields/selector.go, so a client sees the errors a Kubernetes
 * apiserver gives. Label keys and values are checked by the validate module. */

typedef enum {
    OP_EQ,        /* = */
    OP_DEQ,       /* == */
    OP_NE,        /* != */
    OP_IN,        /* in (...) */
    OP_NOTIN,     /* notin (...) */
    OP_EXISTS,    /* key */
    OP_NOTEXISTS, /* !key */
    OP_GT,        /* > */
    OP_LT,        /* < */
} sel_op;

typedef struct {
    kp_sv key; /* label key or field path; NUL-terminated in the arena */
    sel_op op;
    kp_sv *vals; /* labels: sorted, unique; fields: the one unescaped value */
    size_t nvals;
    int64_t num; /* OP_GT, OP_LT */
    size_t seq;  /* parse order, keeps the sort stable */
    kp_sv canon; /* fields: the term's canonical text, the sort key */
} sel_term;

struct kp_sel {
    kp_arena *a; /* owns everything below, s included */
    bool fields;
    sel_term *terms;
    size_t n;
};

static kp_sel *sel_new(bool fields)
{
    kp_arena *a = kp_arena_new();
    kp_sel *s = kp_arena_calloc(a, 1, sizeof(*s));
    s->a = a;
    s->fields = fields;
    return s;
}

void kp_sel_free(kp_sel *s)
{
    if (s)
        kp_arena_free(s->a); /* s lives in its own arena */
}

bool kp_sel_empty(const kp_sel *s)
{
    return !s || s->n == 0;
}

static int sv_cmp(kp_sv a, kp_sv b)
{
    int c = memcmp(a.p, b.p, KP_MIN(a.len, b.len));
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

static int sv_cmp_qsort(const void *a, const void *b)
{
    return sv_cmp(*(const kp_sv *)a, *(const kp_sv *)b);
}

/* strconv.ParseInt(s, 10, 64): optional sign, digits, no spaces. Quiet: matching calls it on
 * every object and a label that is not a number is no error. */
static bool parse_int(int64_t *out, kp_sv v)
{
    size_t i = 0;
    bool neg = false;
    uint64_t n = 0, lim;

    if (v.len && (v.p[0] == '+' || v.p[0] == '-')) {
        neg = v.p[0] == '-';
        i = 1;
    }
    if (i == v.len)
        return false;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < v.len; i++) {
        unsigned d = (unsigned)(v.p[i] - '0');
        if (d > 9 || n > (lim - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = neg ? (int64_t)(0 - n) : (int64_t)n;
    return true;
}

/* ---- label selector lexer ---- */

typedef enum {
    TOK_EOS,
    TOK_ID,
    TOK_IN,
    TOK_NOTIN,
    TOK_LPAR,
    TOK_RPAR,
    TOK_COMMA,
    TOK_NOT,
    TOK_EQ,
    TOK_DEQ,
    TOK_NE,
    TOK_GT,
    TOK_LT,
} tok_kind;

typedef struct {
    tok_kind kind;
    kp_sv lit;
} sel_tok;

static bool lex_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool lex_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static bool lex_symbol(const char *p, size_t n, tok_kind *kind)
{
    static const struct {
        const char *s;
        tok_kind kind;
    } syms[] = {{")", TOK_RPAR}, {",", TOK_COMMA}, {"!", TOK_NOT}, {"==", TOK_DEQ}, {"=", TOK_EQ},
                {">", TOK_GT},   {"<", TOK_LT},    {"!=", TOK_NE}, {"(", TOK_LPAR}};
    for (size_t i = 0; i < KP_ARRAY_LEN(syms); i++) {
        if (strlen(syms[i].s) == n && memcmp(syms[i].s, p, n) == 0) {
            *kind = syms[i].kind;
            return true;
        }
    }
    return false;
}

/* Splits text into toks (room for len + 1) and ends with TOK_EOS; returns the count. Like
 * Go's Lexer, a run of special characters yields its longest known prefix ("!=" before "!"). */
static size_t lex_all(sel_tok *toks, kp_sv text)
{
    size_t pos = 0, n = 0;

    for (;;) {
        sel_tok *t = &toks[n++];
        while (pos < text.len && lex_space(text.p[pos]))
            pos++;
        if (pos == text.len) {
            t->kind = TOK_EOS;
            t->lit = (kp_sv){text.p + pos, 0};
            return n;
        }
        t->lit.p = text.p + pos;
        if (lex_special(text.p[pos])) {
            size_t k = 0, best = 0;
            tok_kind kind, best_kind = TOK_EOS;
            while (pos + k < text.len && lex_special(text.p[pos + k])) {
                k++;
                if (lex_symbol(text.p + pos, k, &kind)) {
                    best = k;
                    best_kind = kind;
                } else {
                    break; /* every single special character is a token, so best > 0 */
                }
            }
            t->kind = best_kind;
            t->lit.len = best;
        } else {
            size_t k = 0;
            while (pos + k < text.len && !lex_special(text.p[pos + k]) &&
                   !lex_space(text.p[pos + k]))
                k++;
            t->lit.len = k;
            if (kp_sv_eq_str(t->lit, "in"))
                t->kind = TOK_IN;
            else if (kp_sv_eq_str(t->lit, "notin"))
                t->kind = TOK_NOTIN;
            else
                t->kind = TOK_ID;
        }
        pos += t->lit.len;
    }
}

/* ---- label selector parser ---- */

typedef struct {
    kp_arena *a;
    const sel_tok *toks;
    size_t pos;
    kp_buf msg;  /* the error, without the "unable to parse requirement: " prefix */
    kp_sv *vals; /* scratch for the values of one term, reused */
    size_t nvals, vals_alloc;
} lbl_parser;

/* In a value position "in" and "notin" are plain identifiers (Go's Values context). */
static sel_tok lp_peek(const lbl_parser *p, bool values)
{
    sel_tok t = p->toks[p->pos];
    if (values && (t.kind == TOK_IN || t.kind == TOK_NOTIN))
        t.kind = TOK_ID;
    return t;
}

static sel_tok lp_next(lbl_parser *p, bool values)
{
    sel_tok t = lp_peek(p, values);
    if (t.kind != TOK_EOS) /* the parser never reads past the end */
        p->pos++;
    return t;
}

static int lp_fail(lbl_parser *p, const char *fmt, ...) KP_PRINTF(2, 3);

static int lp_fail(lbl_parser *p, const char *fmt, ...)
{
    va_list ap;
    kp_buf_reset(&p->msg);
    va_start(ap, fmt);
    kp_buf_vappendf(&p->msg, fmt, ap);
    va_end(ap);
    return KP_EBADREQUEST;
}

static void lp_val_add(lbl_parser *p, kp_sv v)
{
    if (p->nvals == p->vals_alloc) {
        p->vals_alloc = p->vals_alloc ? p->vals_alloc * 2 : 8;
        p->vals = kp_realloc(p->vals, p->vals_alloc * sizeof(*p->vals));
    }
    p->vals[p->nvals++] = v;
}

/* parseIdentifiersList, after "(" when an identifier or "," follows. */
static int lp_ident_list(lbl_parser *p)
{
    for (;;) {
        sel_tok t = lp_next(p, true), la;
        switch (t.kind) {
        case TOK_ID:
            lp_val_add(p, t.lit);
            la = lp_peek(p, true);
            if (la.kind == TOK_COMMA)
                continue;
            if (la.kind == TOK_RPAR)
                return 0;
            return lp_fail(p, "found '%.*s', expected: ',' or ')'", KP_SV_ARG(la.lit));
        case TOK_COMMA: /* k8s: "(,", ",)" and ",," each stand for the empty value */
            if (p->nvals == 0)
                lp_val_add(p, (kp_sv){"", 0});
            la = lp_peek(p, true);
            if (la.kind == TOK_RPAR) {
                lp_val_add(p, (kp_sv){"", 0});
                return 0;
            }
            if (la.kind == TOK_COMMA) {
                lp_next(p, true);
                lp_val_add(p, (kp_sv){"", 0});
            }
            break;
        default:
            return lp_fail(p, "found '%.*s', expected: ',', or identifier", KP_SV_ARG(t.lit));
        }
    }
}

/* parseValues: "(" values ")". */
static int lp_set(lbl_parser *p)
{
    sel_tok t = lp_next(p, true), la;
    int rc;

    if (t.kind != TOK_LPAR)
        return lp_fail(p, "found '%.*s' expected: '('", KP_SV_ARG(t.lit));
    la = lp_peek(p, true);
    switch (la.kind) {
    case TOK_ID:
    case TOK_COMMA:
        if ((rc = lp_ident_list(p)) < 0)
            return rc;
        if (lp_next(p, true).kind != TOK_RPAR)
            return lp_fail(p, "found '%.*s', expected: ')'", KP_SV_ARG(la.lit));
        return 0;
    case TOK_RPAR: /* k8s: "()" is the set holding the empty value */
        lp_next(p, true);
        lp_val_add(p, (kp_sv){"", 0});
        return 0;
    default:
        return lp_fail(p, "found '%.*s', expected: ',', ')' or identifier", KP_SV_ARG(la.lit));
    }
}

/* parseExactValue: one identifier, or nothing for the empty value. */
static int lp_exact(lbl_parser *p)
{
    sel_tok t = lp_peek(p, true);
    if (t.kind == TOK_EOS || t.kind == TOK_COMMA) {
        lp_val_add(p, (kp_sv){"", 0});
        return 0;
    }
    t = lp_next(p, true);
    if (t.kind != TOK_ID)
        return lp_fail(p, "found '%.*s', expected: identifier", KP_SV_ARG(t.lit));
    lp_val_add(p, t.lit);
    return 0;
}

/* The kp_err message holds about three of these, so more would only cost time. */
#define LP_ERRS_MAX 8

/* Keeps one more error for the aggregate, once, as Go's utilerrors.NewAggregate prints it. */
static void lp_err_keep(lbl_parser *p, char **errs, size_t *nerrs, const kp_buf *one)
{
    for (size_t e = 0; e < *nerrs; e++)
        if (strcmp(errs[e], kp_buf_cstr(one)) == 0)
            return;
    if (*nerrs < LP_ERRS_MAX)
        errs[(*nerrs)++] = kp_arena_strdup(p->a, kp_buf_cstr(one));
}

/* NewRequirement's checks on the values: Gt/Lt need an integer, every value must be a valid
 * label value. Several failures print as "[e1, e2]". */
static int lp_check_values(lbl_parser *p, sel_term *t)
{
    char *errs[LP_ERRS_MAX];
    size_t nerrs = 0;
    kp_buf one;

    kp_buf_init(&one, KP_SELECTOR_MAX * 2);
    for (size_t i = 0; (t->op == OP_GT || t->op == OP_LT) && i < t->nvals; i++) {
        if (parse_int(&t->num, t->vals[i]))
            continue;
        kp_buf_reset(&one);
        kp_buf_appendf(&one, "values[%zu]: Invalid value: ", i);
        kp_validate_quote(&one, t->vals[i]);
        kp_buf_puts(&one, ": for 'Gt', 'Lt' operators, the value must be an integer");
        lp_err_keep(p, errs, &nerrs, &one);
    }
    for (size_t i = 0; i < t->nvals; i++) {
        kp_buf_reset(&one);
        kp_buf_appendf(&one, "values[%zu][%.*s]: Invalid value: ", i, KP_SV_ARG(t->key));
        kp_validate_quote(&one, t->vals[i]);
        kp_buf_puts(&one, ": ");
        if (!kp_validate_label_value(&one, t->vals[i]))
            lp_err_keep(p, errs, &nerrs, &one);
    }
    kp_buf_dispose(&one);
    kp_buf_reset(&p->msg);
    if (nerrs > 1)
        kp_buf_putc(&p->msg, '[');
    for (size_t e = 0; e < nerrs; e++) {
        if (e)
            kp_buf_puts(&p->msg, ", ");
        kp_buf_puts(&p->msg, errs[e]);
    }
    if (nerrs > 1)
        kp_buf_putc(&p->msg, ']');
    return nerrs ? KP_EBADREQUEST : 0;
}

/* parseRequirement: [!]key [op values]. */
static int lp_requirement(lbl_parser *p, sel_term *t)
{
    sel_tok tok = lp_next(p, true), la;
    int rc;

    t->op = OP_EQ;
    if (tok.kind == TOK_NOT) {
        t->op = OP_NOTEXISTS;
        tok = lp_next(p, true);
    }
    if (tok.kind != TOK_ID)
        return lp_fail(p, "found '%.*s', expected: identifier", KP_SV_ARG(tok.lit));
    kp_buf_reset(&p->msg);
    /* k8s: the key is checked with a nil field path, which Go prints as "<nil>" */
    kp_buf_puts(&p->msg, "<nil>: Invalid value: ");
    kp_validate_quote(&p->msg, tok.lit);
    kp_buf_puts(&p->msg, ": ");
    if (!kp_validate_qualified_name(&p->msg, tok.lit))
        return KP_EBADREQUEST;
    kp_buf_reset(&p->msg);
    t->key.p = kp_arena_sv(p->a, tok.lit);
    t->key.len = tok.lit.len;

    la = lp_peek(p, true);
    if (la.kind == TOK_EOS || la.kind == TOK_COMMA) {
        if (t->op != OP_NOTEXISTS)
            t->op = OP_EXISTS;
    }
    if (t->op == OP_EXISTS || t->op == OP_NOTEXISTS)
        return 0; /* a following token is the caller's to reject */

    tok = lp_next(p, false);
    switch (tok.kind) {
    case TOK_IN:
        t->op = OP_IN;
        break;
    case TOK_NOTIN:
        t->op = OP_NOTIN;
        break;
    case TOK_EQ:
        t->op = OP_EQ;
        break;
    case TOK_DEQ:
        t->op = OP_DEQ;
        break;
    case TOK_NE:
        t->op = OP_NE;
        break;
    case TOK_GT:
        t->op = OP_GT;
        break;
    case TOK_LT:
        t->op = OP_LT;
        break;
    default:
        return lp_fail(p, "found '%.*s', expected: in, notin, =, ==, !=, gt, lt",
                       KP_SV_ARG(tok.lit));
    }

    p->nvals = 0;
    rc = (t->op == OP_IN || t->op == OP_NOTIN) ? lp_set(p) : lp_exact(p);
    if (rc < 0)
        return rc;
    /* k8s keeps a set: sorted, each value once */
    qsort(p->vals, p->nvals, sizeof(*p->vals), sv_cmp_qsort);
    t->vals = kp_arena_calloc(p->a, p->nvals, sizeof(*t->vals));
    for (size_t i = 0; i < p->nvals; i++) {
        if (t->nvals && kp_sv_eq(t->vals[t->nvals - 1], p->vals[i]))
            continue;
        t->vals[t->nvals].p = kp_arena_sv(p->a, p->vals[i]);
        t->vals[t->nvals++].len = p->vals[i].len;
    }
    return lp_check_values(p, t);
}

static int term_cmp_key(const void *a, const void *b)
{
    const sel_term *x = a, *y = b;
    int c = sv_cmp(x->key, y->key);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int lp_parse(lbl_parser *p, kp_sel *s, size_t max_terms)
{
    for (;;) {
        sel_tok t = lp_peek(p, true);
        int rc;

        switch (t.kind) {
        case TOK_ID:
        case TOK_NOT:
            assert(s->n < max_terms);
            (void)max_terms;
            s->terms[s->n].seq = s->n;
            if ((rc = lp_requirement(p, &s->terms[s->n])) < 0)
                return kp_err_set(rc, "unable to parse requirement: %s", kp_buf_cstr(&p->msg));
            s->n++;
            t = lp_next(p, true);
            if (t.kind == TOK_EOS)
                return 0;
            if (t.kind != TOK_COMMA)
                return kp_err_set(KP_EBADREQUEST, "found '%.*s', expected: ',' or 'end of string'",
                                  KP_SV_ARG(t.lit));
            t = lp_peek(p, true);
            if (t.kind != TOK_ID && t.kind != TOK_NOT)
                return kp_err_set(KP_EBADREQUEST, "found '%.*s', expected: identifier after ','",
                                  KP_SV_ARG(t.lit));
            break;
        case TOK_EOS:
            return 0;
        default:
            return kp_err_set(KP_EBADREQUEST,
                              "found '%.*s', expected: !, identifier, or 'end of string'",
                              KP_SV_ARG(t.lit));
        }
    }
}

int kp_sel_parse_labels(kp_sel **out, const char *text)
{
    kp_sv in = {text ? text : "", text ? strnlen(text, KP_SELECTOR_MAX + 1) : 0};
    lbl_parser p = {0};
    kp_sel *s = NULL;
    sel_tok *toks;
    size_t ntoks, max_terms = 1;
    int rc;

    if (in.len > KP_SELECTOR_MAX)
        return kp_err_set(KP_EBADREQUEST, "labelSelector is longer than %d bytes", KP_SELECTOR_MAX);
    s = sel_new(false);
    toks = kp_arena_calloc(s->a, in.len + 1, sizeof(*toks));
    ntoks = lex_all(toks, in);
    for (size_t i = 0; i < ntoks; i++)
        max_terms += toks[i].kind == TOK_COMMA; /* terms are separated by commas */
    s->terms = kp_arena_calloc(s->a, max_terms, sizeof(*s->terms));
    p.a = s->a;
    p.toks = toks;
    kp_buf_init(&p.msg, KP_SELECTOR_MAX * 4);
    if ((rc = lp_parse(&p, s, max_terms)) < 0)
        goto out;
    qsort(s->terms, s->n, sizeof(*s->terms), term_cmp_key);
    *out = s;
    s = NULL;
out:
    kp_buf_dispose(&p.msg);
    free(p.vals);
    kp_sel_free(s);
    return rc;
}

/* ---- field selectors ---- */

static void field_escape(kp_buf *b, kp_sv v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == '\\' || v.p[i] == ',' || v.p[i] == '=')
            kp_buf_putc(b, '\\');
        kp_buf_putc(b, v.p[i]);
    }
}

/* fields.UnescapeValue: \\ \, \= are the only escapes; a bare , or = is an error. */
static int field_unescape(kp_sv *out, kp_arena *a, kp_sv raw)
{
    char *dst = kp_arena_alloc(a, raw.len + 1);
    size_t n = 0;

    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.p[i];
        if (c == '\\') {
            if (i + 1 == raw.len)
                return kp_err_set(KP_EBADREQUEST,
                                  "invalid field selector: invalid escape sequence: \\");
            c = raw.p[++i];
            if (c != '\\' && c != ',' && c != '=') {
                /* name the whole UTF-8 character, as Go does with runes */
                unsigned char u = (unsigned char)c;
                size_t w = u >= 0xf0 ? 4 : u >= 0xe0 ? 3 : u >= 0xc0 ? 2 : 1;
                w = KP_MIN(w, raw.len - i);
                return kp_err_set(KP_EBADREQUEST,
                                  "invalid field selector: invalid escape sequence: \\%.*s", (int)w,
                                  raw.p + i);
            }
        } else if (c == ',' || c == '=') {
            return kp_err_set(KP_EBADREQUEST,
                              "invalid field selector: unescaped character \"%c\" in value", c);
        }
        dst[n++] = c;
    }
    dst[n] = '\0';
    *out = (kp_sv){dst, n};
    return 0;
}

static void field_term_string(kp_buf *b, const sel_term *t)
{
    kp_buf_put_sv(b, t->key);
    kp_buf_puts(b, t->op == OP_NE ? "!=" : "=");
    field_escape(b, t->vals[0]);
}

static int term_cmp_canon(const void *a, const void *b)
{
    const sel_term *x = a, *y = b;
    int c = sv_cmp(x->canon, y->canon);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One term of fields.parseSelector: the first "!=", "==" or "=" splits it. */
static int field_term(sel_term *t, kp_arena *a, kp_sv part, const char *text)
{
    static const struct {
        const char *s;
        sel_op op;
    } ops[] = {{"!=", OP_NE}, {"==", OP_DEQ}, {"=", OP_EQ}};
    kp_sv rhs;
    kp_buf canon;
    int rc;

    for (size_t i = 0; i < part.len; i++) {
        for (size_t k = 0; k < KP_ARRAY_LEN(ops); k++) {
            size_t n = strlen(ops[k].s);
            if (part.len - i < n || memcmp(part.p + i, ops[k].s, n) != 0)
                continue;
            t->key.p = kp_arena_strndup(a, part.p, i);
            t->key.len = i;
            t->op = ops[k].op;
            rhs = (kp_sv){part.p + i + n, part.len - i - n};
            t->vals = kp_arena_calloc(a, 1, sizeof(*t->vals));
            t->nvals = 1;
            if ((rc = field_unescape(&t->vals[0], a, rhs)) < 0)
                return rc;
            kp_buf_init(&canon, KP_SELECTOR_MAX * 2);
            field_term_string(&canon, t);
            t->canon.p = kp_arena_sv(a, kp_buf_sv(&canon));
            t->canon.len = canon.len;
            kp_buf_dispose(&canon);
            return 0;
        }
    }
    return kp_err_set(KP_EBADREQUEST, "invalid selector: '%s'; can't understand '%.*s'", text,
                      KP_SV_ARG(part));
}

int kp_sel_parse_fields(kp_sel **out, const char *text)
{
    kp_sv in = {text ? text : "", text ? strnlen(text, KP_SELECTOR_MAX + 1) : 0};
    kp_sel *s = NULL;
    kp_sv *parts;
    size_t nparts = 0, start = 0;
    bool slash = false;
    int rc = 0;

    if (in.len > KP_SELECTOR_MAX)
        return kp_err_set(KP_EBADREQUEST, "fieldSelector is longer than %d bytes", KP_SELECTOR_MAX);
    s = sel_new(true);
    if (in.len == 0)
        goto done;
    /* splitTerms: commas split terms unless escaped; at most one more term than commas */
    parts = kp_arena_calloc(s->a, in.len + 1, sizeof(*parts));
    for (size_t i = 0; i < in.len; i++) {
        if (slash)
            slash = false;
        else if (in.p[i] == '\\')
            slash = true;
        else if (in.p[i] == ',') {
            parts[nparts++] = (kp_sv){in.p + start, i - start};
            start = i + 1;
        }
    }
    parts[nparts++] = (kp_sv){in.p + start, in.len - start};
    /* k8s sorts the raw terms first, which decides which bad term is reported */
    qsort(parts, nparts, sizeof(*parts), sv_cmp_qsort);
    s->terms = kp_arena_calloc(s->a, nparts, sizeof(*s->terms));
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len == 0)
            continue;
        s->terms[s->n].seq = s->n;
        if ((rc = field_term(&s->terms[s->n], s->a, parts[i], in.p)) < 0)
            goto out;
        s->n++;
    }
    /* sorted by the canonical text so that printing and parsing again is stable */
    qsort(s->terms, s->n, sizeof(*s->terms), term_cmp_canon);
done:
    *out = s;
    s = NULL;
out:
    kp_sel_free(s);
    return rc;
}

int kp_sel_check_fields(const kp_sel *s, const char *const *allowed, size_t n)
{
    if (!s)
        return 0;
    assert(s->fields);
    for (size_t i = 0; i < s->n; i++) {
        kp_sv f = s->terms[i].key;
        bool ok = kp_sv_eq_str(f, "metadata.name") || kp_sv_eq_str(f, "metadata.namespace");
        for (size_t k = 0; !ok && k < n; k++)
            ok = kp_sv_eq_str(f, allowed[k]);
        if (!ok)
            return kp_err_set(KP_EBADREQUEST, "field label not supported: %.*s", KP_SV_ARG(f));
    }
    return 0;
}

/* ---- matching ---- */

static bool term_has_value(const sel_term *t, kp_sv v)
{
    return bsearch(&v, t->vals, t->nvals, sizeof(*t->vals), sv_cmp_qsort) != NULL;
}

/* k8s Requirement.Matches. A label whose value is not a string (a stored object never has
 * one) is present but equal to no value. */
static bool label_term_matches(const sel_term *t, const json_t *labels)
{
    json_t *v = json_object_getn(labels, t->key.p, t->key.len);
    kp_sv have = {json_string_value(v), json_string_length(v)};
    bool str = json_is_string(v);
    int64_t n;

    switch (t->op) {
    case OP_IN:
    case OP_EQ:
    case OP_DEQ:
        return str && term_has_value(t, have);
    case OP_NOTIN:
    case OP_NE: /* k8s: an absent label matches != and notin */
        return !str || !term_has_value(t, have);
    case OP_EXISTS:
        return v != NULL;
    case OP_NOTEXISTS:
        return v == NULL;
    case OP_GT:
        return str && parse_int(&n, have) && n > t->num;
    case OP_LT:
        return str && parse_int(&n, have) && n < t->num;
    }
    return false;
}

bool kp_sel_match_labels(const kp_sel *s, const json_t *labels)
{
    if (!s)
        return true;
    assert(!s->fields);
    for (size_t i = 0; i < s->n; i++)
        if (!label_term_matches(&s->terms[i], labels))
            return false;
    return true;
}

/* The field's value as Go's field sets render it; tmp holds numbers. */
static kp_sv field_value(const json_t *obj, const char *path, char *tmp, size_t tmpsz)
{
    const json_t *v = kp_json_get(obj, path);
    int n = 0;

    if (!v) /* json_typeof() does not take NULL */
        return (kp_sv){"", 0};
    switch (json_typeof(v)) {
    case JSON_STRING:
        return (kp_sv){json_string_value(v), json_string_length(v)};
    case JSON_TRUE:
        return KP_SV_LIT("true");
    case JSON_FALSE:
        return KP_SV_LIT("false");
    case JSON_INTEGER:
        n = snprintf(tmp, tmpsz, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        /* the shortest text that reads back as the same double, like Go's %v */
        for (int prec = 1; prec <= 17; prec++) {
            n = snprintf(tmp, tmpsz, "%.*g", prec, json_real_value(v));
            if (strtod(tmp, NULL) == json_real_value(v))
                break;
        }
        break;
    default: /* absent, null, object, array */
        return (kp_sv){"", 0};
    }
    if (n < 0 || (size_t)n >= tmpsz)
        return (kp_sv){"", 0};
    return (kp_sv){tmp, (size_t)n};
}

bool kp_sel_match_fields(const kp_sel *s, const json_t *obj)
{
    char tmp[64];

    if (!s)
        return true;
    assert(s->fields);
    for (size_t i = 0; i < s->n; i++) {
        const sel_term *t = &s->terms[i];
        bool eq = kp_sv_eq(field_value(obj, t->key.p, tmp, sizeof(tmp)), t->vals[0]);
        if (eq != (t->op != OP_NE))
            return false;
    }
    return true;
}

/* ---- printing ---- */

static void label_term_string(kp_buf *b, const sel_term *t)
{
    static const char *const op_text[] = {
        [OP_EQ] = "=",       [OP_DEQ] = "==",        [OP_NE] = "!=",
        [OP_IN] = " in ",    [OP_NOTIN] = " notin ", [OP_EXISTS] = "",
        [OP_NOTEXISTS] = "", [OP_GT] = ">",          [OP_LT] = "<",
    };
    bool set = t->op == OP_IN || t->op == OP_NOTIN;

    if (t->op == OP_NOTEXISTS)
        kp_buf_putc(b, '!');
    kp_buf_put_sv(b, t->key);
    if (t->op == OP_EXISTS || t->op == OP_NOTEXISTS)
        return;
    kp_buf_puts(b, op_text[t->op]);
    if (set)
        kp_buf_putc(b, '(');
    for (size_t i = 0; i < t->nvals; i++) {
        if (i)
            kp_buf_putc(b, ',');
        kp_buf_put_sv(b, t->vals[i]);
    }
    if (set)
        kp_buf_putc(b, ')');
}

void kp_sel_string(kp_buf *out, const kp_sel *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            kp_buf_putc(out, ',');
        if (s->fields)
            field_term_string(out, &s->terms[i]);
        else
            label_term_string(out, &s->terms[i]);
    }
}
