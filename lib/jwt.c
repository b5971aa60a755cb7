#include "lib/common.h"
#include "lib/jwt.h"
#include "lib/json.h"
#include "lib/limits.h"

/* The largest JWS signature kplane accepts: RSA with an 8192-bit modulus. */
#define JWT_SIG_MAX 1024

struct kp_jwt {
    json_t *header;
    json_t *claims;
    kp_crypto_sig_alg alg;
    kp_sv kid;   /* borrowed from header; kid.p is NULL when the token names no key */
    char *input; /* JWS signing input: the header and payload segments as received */
    size_t input_len;
    uint8_t *sig;
    size_t sig_len;
};

typedef struct {
    kp_crypto_key *key; /* public half only */
    char *kid;          /* NULL when the JWK has no "kid"; never holds a NUL */
    size_t kid_len;
    kp_crypto_sig_alg alg; /* the JWK's "alg", or KP_CRYPTO_SIG_NONE when it pins none */
} jwks_entry;

struct kp_jwks {
    jwks_entry *keys;
    size_t n;
    size_t alloc;
};

/* Every verification failure is a 401 whose message reaches the client: fixed text only, never
 * a piece of the token (a jansson message would quote it, so those are replaced too). */
#define jwt_fail(...) kp_err_set(KP_EUNAUTHORIZED, __VA_ARGS__)

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* RFC 7515 section 2: base64url without padding. The shared decoder also takes '+', '/', '='
 * and ignores stray low bits in the last character; all are refused here so that a token has
 * exactly one spelling. */
static bool jwt_b64url_decode(kp_buf *out, kp_sv seg)
{
    int v = 0;

    if (seg.len == 0 || seg.len % 4 == 1)
        return false;
    for (size_t i = 0; i < seg.len; i++)
        if ((v = b64url_value((unsigned char)seg.p[i])) < 0)
            return false;
    if ((seg.len % 4 == 2 && (v & 0x0f)) || (seg.len % 4 == 3 && (v & 0x03)))
        return false;
    if (kp_crypto_base64_decode(out, seg.p, seg.len) < 0) {
        kp_err_clear();
        return false;
    }
    return true;
}

/* The string value of obj[key] as a view; false when absent or not a string. */
static bool json_member_sv(kp_sv *out, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        return false;
    out->p = json_string_value(v);
    out->len = json_string_length(v);
    return true;
}

/* True when the JSON string v equals s byte for byte (a NUL inside v never matches). A NULL s
 * matches nothing, so a missing issuer cannot accept "iss":"" once asserts are compiled out. */
static bool json_str_eq(const json_t *v, const char *s)
{
    return s && json_is_string(v) &&
           kp_sv_eq((kp_sv){json_string_value(v), json_string_length(v)}, kp_sv_from(s));
}

/* Decodes one segment and parses it as a JSON object. */
static int jwt_decode_object(json_t **out, kp_sv seg, const char *what)
{
    kp_buf b = KP_BUF_INIT(KP_JWT_MAX);
    json_t *v = NULL;
    int rc = 0;

    if (!jwt_b64url_decode(&b, seg)) {
        rc = jwt_fail("token %s is not valid base64url", what);
        goto out;
    }
    if (kp_json_parse(&v, b.p, b.len) < 0 || !json_is_object(v)) {
        rc = jwt_fail("token %s is not a JSON object", what);
        goto out;
    }
    *out = v;
    v = NULL;
out:
    json_decref(v);
    kp_buf_dispose(&b);
    return rc;
}

/* RFC 7515 4.1 and RFC 8725 2.1, 3.1: the header picks the algorithm, so it is checked against
 * what kplane supports before anything else looks at the token. */
static int jwt_check_header(kp_jwt *t)
{
    kp_sv alg;
    const json_t *kid;

    if (!json_member_sv(&alg, t->header, "alg"))
        return jwt_fail("token header has no algorithm");
    if (kp_sv_eq_nocase(alg, "none"))
        return jwt_fail("token algorithm \"none\" is not allowed");
    /* HS* is not in the table on purpose: with public keys as the only keys, an HMAC token
     * would be "signed" with a key everybody has */
    t->alg = kp_crypto_sig_alg_from_name(alg);
    if (t->alg == KP_CRYPTO_SIG_NONE)
        return jwt_fail("token algorithm is not supported");
    /* RFC 7515 4.1.11: a recipient must reject extensions it does not understand; kplane
     * understands none (this also refuses RFC 7797's unencoded payloads) */
    if (json_object_get(t->header, "crit"))
        return jwt_fail("token header has critical extensions, which are not supported");
    kid = json_object_get(t->header, "kid");
    if (kid) {
        if (!json_is_string(kid))
            return jwt_fail("token key id is not a string");
        t->kid.p = json_string_value(kid);
        t->kid.len = json_string_length(kid);
    }
    /* jwk, jku, x5u and x5c would let the token bring its own key: they are ignored, keys
     * come from the kp_jwks alone */
    return 0;
}

int kp_jwt_parse(kp_jwt **out, const char *token, size_t len)
{
    kp_sv in, hseg, pseg, sseg;
    kp_buf sig = KP_BUF_INIT(JWT_SIG_MAX);
    kp_jwt *t = NULL;
    int rc;

    if (!token || len == 0)
        return jwt_fail("token is empty");
    if (len > KP_JWT_MAX)
        return jwt_fail("token is longer than %d bytes", KP_JWT_MAX);
    in = (kp_sv){token, len};
    if (!kp_sv_cut(&in, '.', &hseg) || !kp_sv_cut(&in, '.', &pseg) ||
        memchr(in.p, '.', in.len) != NULL)
        return jwt_fail("token is not a JWS in compact form (three parts separated by dots)");
    sseg = in;

    t = kp_calloc(1, sizeof(*t));
    if ((rc = jwt_decode_object(&t->header, hseg, "header")) < 0 ||
        (rc = jwt_check_header(t)) < 0 || (rc = jwt_decode_object(&t->claims, pseg, "payload")) < 0)
        goto out;
    if (sseg.len == 0) {
        rc = jwt_fail("token has no signature");
        goto out;
    }
    if (!jwt_b64url_decode(&sig, sseg)) {
        rc = jwt_fail("token signature is not valid base64url");
        goto out;
    }
    t->input_len = hseg.len + 1 + pseg.len;
    t->input = kp_strndup(token, t->input_len);
    t->sig = (uint8_t *)kp_buf_take(&sig, &t->sig_len);
    *out = t;
    t = NULL;
out:
    kp_jwt_free(t);
    kp_buf_dispose(&sig);
    return rc;
}

const json_t *kp_jwt_header(const kp_jwt *t)
{
    return t->header;
}

const json_t *kp_jwt_claims(const kp_jwt *t)
{
    return t->claims;
}

void kp_jwt_free(kp_jwt *t)
{
    if (!t)
        return;
    json_decref(t->header);
    json_decref(t->claims);
    free(t->input);
    free(t->sig);
    free(t);
}

/* The signature must come from a key of the set that fits the token's alg. A token naming a
 * kid is tried only with keys of that kid (go-oidc does the same); without a kid, every
 * fitting key is tried. A JWK that pins an "alg" is used for that algorithm only. */
static int jwt_check_signature(const kp_jwt *t, const kp_jwks *keys)
{
    bool kid_known = false, alg_fits = false;

    for (size_t i = 0; i < keys->n; i++) {
        const jwks_entry *e = &keys->keys[i];
        int rc;

        if (t->kid.p) {
            if (!e->kid || !kp_sv_eq(t->kid, (kp_sv){e->kid, e->kid_len}))
                continue;
            kid_known = true;
        }
        /* no RS/ES or RSA/PSS confusion: the key's type and curve decide, not the token */
        if ((e->alg != KP_CRYPTO_SIG_NONE && e->alg != t->alg) ||
            !kp_crypto_key_fits(e->key, t->alg))
            continue;
        alg_fits = true;
        rc = kp_crypto_verify(e->key, t->alg, t->input, t->input_len, t->sig, t->sig_len);
        if (rc == 0)
            return 0;
        if (rc != KP_EUNAUTHORIZED)
            return rc;
    }
    if (t->kid.p && !kid_known)
        return jwt_fail("token signing key is not known");
    if (!alg_fits)
        return t->kid.p ? jwt_fail("token algorithm does not match its signing key")
                        : jwt_fail("token signing key is not known");
    return jwt_fail("token signature is invalid");
}

static int jwt_check_issuer(const json_t *claims, const kp_jwt_expect *want)
{
    const json_t *iss = json_object_get(claims, "iss");

    if (!iss)
        return jwt_fail("token has no issuer");
    if (!json_str_eq(iss, want->issuer))
        return jwt_fail("token issuer is not accepted");
    return 0;
}

static bool jwt_audience_wanted(const json_t *aud, const kp_jwt_expect *want)
{
    for (size_t i = 0; i < want->naudiences; i++)
        if (json_str_eq(aud, want->audiences[i]))
            return true;
    return false;
}

/* RFC 7519 4.1.3: "aud" is one string or an array of strings; one of them must be ours. */
static int jwt_check_audience(const json_t *claims, const kp_jwt_expect *want)
{
    const json_t *aud = json_object_get(claims, "aud"), *v;
    bool ok = false;
    size_t i;

    if (want->any_audience)
        return 0;
    if (!aud)
        return jwt_fail("token has no audience");
    if (json_is_string(aud)) {
        ok = jwt_audience_wanted(aud, want);
    } else if (json_is_array(aud)) {
        json_array_foreach(aud, i, v)
        {
            if (!json_is_string(v))
                return jwt_fail("token audience is not a string or an array of strings");
            ok = ok || jwt_audience_wanted(v, want);
        }
    } else {
        return jwt_fail("token audience is not a string or an array of strings");
    }
    return ok ? 0 : jwt_fail("token audience is not accepted");
}

/* A NumericDate claim (RFC 7519 section 2): seconds since the epoch, a JSON number that may
 * have a fraction (dropped). *present tells whether the claim is there. */
static int jwt_time(int64_t *out, bool *present, const json_t *claims, const char *name)
{
    const json_t *v = json_object_get(claims, name);
    double d;

    *present = v != NULL;
    if (!v)
        return 0;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        d = json_real_value(v);
        if (d > -9.0e18 && d < 9.0e18) { /* also false for NaN */
            *out = (int64_t)d;
            return 0;
        }
    }
    return jwt_fail("token claim \"%s\" is not a valid time", name);
}

static int64_t add_sat(int64_t a, int64_t b)
{
    int64_t r;

    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* exp, nbf and iat with the leeway, as go-jose's Claims.ValidateWithLeeway: expired at
 * exp + leeway, valid from nbf - leeway, and not issued later than now + leeway. */
static int jwt_check_times(const json_t *claims, const kp_jwt_expect *want, int64_t now)
{
    int64_t leeway = want->leeway_s == 0 ? KP_JWT_LEEWAY_DEFAULT_S : KP_MAX(want->leeway_s, 0);
    int64_t exp = 0, nbf = 0, iat = 0;
    bool has_exp, has_nbf, has_iat;
    int rc;

    if ((rc = jwt_time(&exp, &has_exp, claims, "exp")) < 0 ||
        (rc = jwt_time(&nbf, &has_nbf, claims, "nbf")) < 0 ||
        (rc = jwt_time(&iat, &has_iat, claims, "iat")) < 0)
        return rc;
    if (!has_exp && !want->exp_optional)
        return jwt_fail("token has no expiry");
    if (has_exp && now >= add_sat(exp, leeway))
        return jwt_fail("token has expired");
    if (has_nbf && add_sat(now, leeway) < nbf)
        return jwt_fail("token is not valid yet");
    if (has_iat && add_sat(now, leeway) < iat)
        return jwt_fail("token was issued in the future");
    return 0;
}

int kp_jwt_verify(const kp_jwt *t, const kp_jwks *keys, const kp_jwt_expect *want, int64_t now)
{
    int rc;

    assert(t && keys && want && want->issuer);
    /* the signature first: nothing in an unsigned payload earns a more specific answer */
    if ((rc = jwt_check_signature(t, keys)) < 0 || (rc = jwt_check_issuer(t->claims, want)) < 0 ||
        (rc = jwt_check_audience(t->claims, want)) < 0 ||
        (rc = jwt_check_times(t->claims, want, now)) < 0)
        return rc;
    return 0;
}

/* Appends base64url(JSON of v) to tok; false when it cannot fit in a token. */
static bool jwt_put_json_b64(kp_buf *tok, const json_t *v)
{
    kp_buf json = KP_BUF_INIT(KP_JWT_MAX);
    bool ok;

    kp_json_dump_buf(&json, v);
    ok = kp_buf_status(&json) == 0;
    if (ok)
        kp_crypto_base64url_encode(tok, json.p, json.len);
    kp_buf_dispose(&json);
    return ok && kp_buf_status(tok) == 0;
}

int kp_jwt_sign(kp_buf *out, const kp_crypto_key *key, const char *kid, const json_t *claims)
{
    kp_crypto_sig_alg alg = kp_crypto_key_default_alg(key);
    kp_buf tok = KP_BUF_INIT(KP_JWT_MAX), sig = KP_BUF_INIT(JWT_SIG_MAX);
    json_t *header = json_object();
    bool ok;
    int rc;

    assert(json_is_object(claims));
    if (alg == KP_CRYPTO_SIG_NONE) {
        rc = kp_err_set(KP_EBADREQUEST, "key cannot sign tokens");
        goto out;
    }
    /* k8s: service-account tokens carry exactly alg and kid (no typ) */
    json_object_set_new(header, "alg", json_string(kp_crypto_sig_alg_name(alg)));
    if (kid && json_object_set_new(header, "kid", json_string(kid)) < 0) {
        rc = kp_err_set(KP_EBADREQUEST, "key id is not valid UTF-8");
        goto out;
    }
    ok = jwt_put_json_b64(&tok, header);
    kp_buf_putc(&tok, '.');
    if (!ok || !jwt_put_json_b64(&tok, claims)) {
        rc = kp_err_set(KP_ETOOLARGE, "token would be longer than %d bytes", KP_JWT_MAX);
        goto out;
    }
    if ((rc = kp_crypto_sign(&sig, key, alg, tok.p, tok.len)) < 0)
        goto out;
    kp_buf_putc(&tok, '.');
    kp_crypto_base64url_encode(&tok, sig.p, sig.len);
    if (kp_buf_status(&tok) < 0) {
        rc = kp_err_set(KP_ETOOLARGE, "token would be longer than %d bytes", KP_JWT_MAX);
        goto out;
    }
    kp_buf_put(out, tok.p, tok.len);
    rc = kp_buf_status(out);
out:
    json_decref(header);
    kp_buf_dispose(&tok);
    kp_buf_dispose(&sig);
    return rc;
}

static void jwks_push(kp_jwks *set, const jwks_entry *e)
{
    if (set->n == set->alloc) {
        set->alloc = set->alloc ? set->alloc * 2 : 4;
        set->keys = kp_realloc(set->keys, set->alloc * sizeof(*set->keys));
    }
    set->keys[set->n++] = *e;
}

static void jwks_entry_dispose(jwks_entry *e)
{
    kp_crypto_key_free(e->key);
    free(e->kid);
}

/* RFC 7517 4.3: a "key_ops" list must allow verification. */
static bool jwk_ops_allow_verify(const json_t *ops)
{
    const json_t *v;
    size_t i;

    if (!json_is_array(ops))
        return false;
    json_array_foreach(ops, i, v)
    {
        if (json_str_eq(v, "verify"))
            return true;
    }
    return false;
}

/* One JWKS entry; KP_EBADREQUEST with the reason when the key is skipped. */
static int jwks_entry_from_jwk(jwks_entry *e, const json_t *jwk)
{
    kp_sv kty, alg, kid, a, b, c;
    const json_t *v;
    int rc;

    memset(e, 0, sizeof(*e));
    if (!json_is_object(jwk))
        return kp_err_set(KP_EBADREQUEST, "JWK is not an object");
    if (!json_member_sv(&kty, jwk, "kty"))
        return kp_err_set(KP_EBADREQUEST, "JWK has no key type");
    if ((v = json_object_get(jwk, "use")) && !json_str_eq(v, "sig"))
        return kp_err_set(KP_EBADREQUEST, "JWK is not for signatures");
    if ((v = json_object_get(jwk, "key_ops")) && !jwk_ops_allow_verify(v))
        return kp_err_set(KP_EBADREQUEST, "JWK operations do not include verify");
    if (json_object_get(jwk, "alg")) {
        if (!json_member_sv(&alg, jwk, "alg") ||
            (e->alg = kp_crypto_sig_alg_from_name(alg)) == KP_CRYPTO_SIG_NONE)
            return kp_err_set(KP_EBADREQUEST, "JWK algorithm is not supported");
    }
    if (json_object_get(jwk, "kid")) {
        if (!json_member_sv(&kid, jwk, "kid") || memchr(kid.p, '\0', kid.len))
            return kp_err_set(KP_EBADREQUEST, "JWK key id is not a string");
    } else {
        kid.p = NULL;
        kid.len = 0;
    }
    if (kp_sv_eq_str(kty, "RSA")) {
        if (!json_member_sv(&a, jwk, "n") || !json_member_sv(&b, jwk, "e"))
            return kp_err_set(KP_EBADREQUEST, "RSA JWK needs \"n\" and \"e\"");
        rc = kp_crypto_key_from_jwk_rsa(&e->key, a, b);
    } else if (kp_sv_eq_str(kty, "EC")) {
        if (!json_member_sv(&a, jwk, "crv") || !json_member_sv(&b, jwk, "x") ||
            !json_member_sv(&c, jwk, "y"))
            return kp_err_set(KP_EBADREQUEST, "EC JWK needs \"crv\", \"x\" and \"y\"");
        rc = kp_crypto_key_from_jwk_ec(&e->key, a, b, c);
    } else {
        return kp_err_set(KP_EBADREQUEST, "JWK key type is not supported");
    }
    if (rc < 0)
        return rc;
    if (e->alg != KP_CRYPTO_SIG_NONE && !kp_crypto_key_fits(e->key, e->alg)) {
        kp_crypto_key_free(e->key);
        e->key = NULL;
        return kp_err_set(KP_EBADREQUEST, "JWK algorithm does not match its key");
    }
    if (kid.p) {
        e->kid = kp_strndup(kid.p, kid.len);
        e->kid_len = kid.len;
    }
    return 0;
}

int kp_jwks_parse(kp_jwks **out, const char *json, size_t len)
{
    json_t *doc = NULL, *list, *jwk;
    kp_jwks *set = NULL;
    size_t i, skipped = 0;
    int rc;

    if (len > KP_JWKS_MAX)
        return kp_err_set(KP_EBADREQUEST, "JWKS is larger than %d bytes", KP_JWKS_MAX);
    if ((rc = kp_json_parse(&doc, json, len)) < 0)
        return rc;
    list = json_object_get(doc, "keys");
    if (!json_is_array(list)) {
        rc = kp_err_set(KP_EBADREQUEST, "JWKS has no \"keys\" array");
        goto out;
    }
    if (json_array_size(list) > KP_JWKS_KEYS_MAX) {
        rc = kp_err_set(KP_EBADREQUEST, "JWKS has more than %d keys", KP_JWKS_KEYS_MAX);
        goto out;
    }
    set = kp_calloc(1, sizeof(*set));
    json_array_foreach(list, i, jwk)
    {
        jwks_entry e;
        /* an issuer may publish encryption keys or key types kplane does not know beside its
         * signing keys: those are skipped, not fatal */
        if ((rc = jwks_entry_from_jwk(&e, jwk)) == KP_EBADREQUEST) {
            skipped++;
            continue;
        }
        if (rc < 0)
            goto out;
        jwks_push(set, &e);
    }
    if (set->n == 0) {
        rc = kp_err_set(KP_EBADREQUEST, "JWKS has no usable signing key (%zu skipped)", skipped);
        goto out;
    }
    kp_err_clear();
    rc = 0;
    *out = set;
    set = NULL;
out:
    kp_jwks_free(set);
    json_decref(doc);
    return rc;
}

int kp_jwks_add_key(kp_jwks *set, const kp_crypto_key *key)
{
    kp_buf kid = KP_BUF_INIT(128);
    jwks_entry e = {0};
    int rc;

    if ((e.alg = kp_crypto_key_default_alg(key)) == KP_CRYPTO_SIG_NONE)
        return kp_err_set(KP_EBADREQUEST, "key type cannot verify tokens");
    if (set->n >= KP_JWKS_KEYS_MAX)
        return kp_err_set(KP_EBADREQUEST, "key set has %d keys already", KP_JWKS_KEYS_MAX);
    if ((rc = kp_crypto_key_id(&kid, key)) < 0 || (rc = kp_crypto_key_public(&e.key, key)) < 0)
        goto out;
    e.kid = kp_buf_take(&kid, &e.kid_len);
    jwks_push(set, &e);
    e.key = NULL;
    e.kid = NULL;
out:
    jwks_entry_dispose(&e);
    kp_buf_dispose(&kid);
    return rc;
}

int kp_jwks_from_key(kp_jwks **out, const kp_crypto_key *key)
{
    kp_jwks *set = kp_calloc(1, sizeof(*set));
    int rc = kp_jwks_add_key(set, key);

    if (rc < 0) {
        kp_jwks_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

int kp_jwks_to_json(json_t **out, const kp_jwks *set)
{
    json_t *doc = json_object(), *list = json_array(), *jwk = NULL;
    int rc = 0;

    json_object_set_new(doc, "keys", list);
    for (size_t i = 0; i < set->n; i++) {
        const jwks_entry *e = &set->keys[i];
        if ((rc = kp_crypto_key_to_jwk(&jwk, e->key, e->kid ? e->kid : "")) < 0)
            goto out;
        if (!e->kid)
            json_object_del(jwk, "kid");
        if (e->alg != KP_CRYPTO_SIG_NONE)
            json_object_set_new(jwk, "alg", json_string(kp_crypto_sig_alg_name(e->alg)));
        else
            json_object_del(jwk, "alg"); /* the issuer pinned none: do not invent one */
        json_array_append_new(list, jwk);
        jwk = NULL;
    }
    *out = doc;
    doc = NULL;
out:
    json_decref(doc);
    return rc;
}

size_t kp_jwks_count(const kp_jwks *set)
{
    return set ? set->n : 0;
}

void kp_jwks_free(kp_jwks *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        jwks_entry_dispose(&set->keys[i]);
    free(set->keys);
    free(set);
}
