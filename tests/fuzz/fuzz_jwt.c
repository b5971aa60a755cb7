#include "lib/common.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/jwt.h"

/* libFuzzer target for kp_jwt_parse + kp_jwt_verify, which see every bearer token, and for
 * kp_jwks_parse, which sees every issuer's key set. The first byte picks what the rest is:
 *   '{'         a JWKS document: parsed, published again with kp_jwks_to_json, parsed back;
 *   0x01..0x06  "header JSON\nclaims JSON", which the harness signs with its own key for the
 *               algorithm the byte names, so the fuzzer reaches the claim checks;
 *   anything    a compact token (the byte included), verified against a fixed JWKS: the RFC
 *   else        7515 appendix A keys and the harness keys.
 * Besides not crashing: every refusal is KP_EUNAUTHORIZED (KP_EBADREQUEST for a JWKS) with a
 * message that never holds a run of base64url long enough to be a piece of the token; an
 * accepted token names the algorithm its signer used and has the expected issuer; and a token
 * accepted now is refused as expired at the end of time. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_NOW INT64_C(1300819000) /* before RFC 7515's exp, so its examples verify */
#define FUZZ_ISSUER "joe"

static const char rfc_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"2010-12-29\",\"use\":\"sig\",\"n\":\"ofgWCuLjybRlzo0tZ"
    "WJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZ"
    "S-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KX"
    "BdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"},{\"kty\":\"EC\",\"crv"
    "\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue"
    "659LNpXW6pCyStikYjKIWI5a0\"}]}";

static const kp_crypto_sig_alg sign_algs[] = {KP_CRYPTO_SIG_ES256, KP_CRYPTO_SIG_ES384,
                                              KP_CRYPTO_SIG_RS256, KP_CRYPTO_SIG_RS384,
                                              KP_CRYPTO_SIG_RS512, KP_CRYPTO_SIG_PS256};

static kp_jwks *fuzz_keys;
static kp_crypto_key *key_p256, *key_p384, *key_rsa;

/* Appends the public JWK of key to keys; without "alg" the key serves every algorithm that
 * fits it (kp_jwks_add_key would pin kplane's default one). */
static void add_jwk(json_t *keys, const kp_crypto_key *key, bool pin_alg)
{
    json_t *jwk = NULL;

    if (kp_crypto_key_to_jwk(&jwk, key, NULL) < 0)
        abort();
    if (!pin_alg)
        json_object_del(jwk, "alg");
    json_array_append_new(keys, jwk);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    json_t *doc = NULL;
    char *text;
    size_t len;

    (void)argc;
    (void)argv;
    if (kp_json_parse(&doc, rfc_jwks, strlen(rfc_jwks)) < 0 ||
        kp_crypto_key_generate_for(&key_p256, KP_CRYPTO_SIG_ES256) < 0 ||
        kp_crypto_key_generate_for(&key_p384, KP_CRYPTO_SIG_ES384) < 0 ||
        kp_crypto_key_generate_for(&key_rsa, KP_CRYPTO_SIG_RS256) < 0)
        abort();
    add_jwk(json_object_get(doc, "keys"), key_p256, true);
    add_jwk(json_object_get(doc, "keys"), key_p384, true);
    add_jwk(json_object_get(doc, "keys"), key_rsa, false);
    text = kp_json_dump(doc, &len);
    if (kp_jwks_parse(&fuzz_keys, text, len) < 0 || kp_jwks_count(fuzz_keys) != 5)
        abort();
    free(text);
    json_decref(doc);
    return 0;
}

/* A refusal must say why, and never with a piece of the token. */
static void check_refusal(int rc, int want)
{
    const char *msg = kp_err_msg();
    size_t run = 0;

    if (rc != want || msg[0] == '\0')
        abort();
    for (; *msg; msg++) {
        char c = *msg;
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_';
        run = b64 ? run + 1 : 0;
        if (run >= 12)
            abort();
    }
}

/* Parses and verifies tok; when signed_with is not KP_CRYPTO_SIG_NONE the harness signed it
 * with that algorithm. */
static void fuzz_token(const char *tok, size_t len, kp_crypto_sig_alg signed_with)
{
    static const char *const auds[] = {"kplane", "https://kubernetes.default.svc.cluster.local"};
    kp_jwt_expect strict = {0}, lenient = {0};
    kp_jwt *t = NULL;
    int rc;

    strict.issuer = FUZZ_ISSUER;
    strict.audiences = auds;
    strict.naudiences = KP_ARRAY_LEN(auds);
    lenient.issuer = FUZZ_ISSUER;
    lenient.any_audience = true;
    lenient.exp_optional = true;
    lenient.leeway_s = -1;

    if ((rc = kp_jwt_parse(&t, tok, len)) < 0) {
        check_refusal(rc, KP_EUNAUTHORIZED);
        goto out;
    }
    if (!json_is_object(kp_jwt_header(t)) || !json_is_object(kp_jwt_claims(t)))
        abort();
    for (int i = 0; i < 2; i++) {
        const kp_jwt_expect *want = i ? &lenient : &strict;
        if ((rc = kp_jwt_verify(t, fuzz_keys, want, FUZZ_NOW)) < 0) {
            check_refusal(rc, KP_EUNAUTHORIZED);
            continue;
        }
        if (!json_is_string(json_object_get(kp_jwt_claims(t), "iss")) ||
            strcmp(kp_json_get_str(kp_jwt_claims(t), "iss"), FUZZ_ISSUER) != 0)
            abort();
        if (signed_with != KP_CRYPTO_SIG_NONE &&
            strcmp(kp_json_get_str(kp_jwt_header(t), "alg"), kp_crypto_sig_alg_name(signed_with)))
            abort();
        /* exp is required by the strict check, so the end of time is past it */
        if (want == &strict && kp_jwt_verify(t, fuzz_keys, want, INT64_MAX) != KP_EUNAUTHORIZED)
            abort();
    }
out:
    kp_err_clear();
    kp_jwt_free(t);
}

static void fuzz_signed(const uint8_t *data, size_t size, kp_crypto_sig_alg alg)
{
    const char *nl = memchr(data, '\n', size);
    kp_buf tok = KP_BUF_INIT(64 * 1024), sig = KP_BUF_INIT(4096);
    const kp_crypto_key *key = alg == KP_CRYPTO_SIG_ES256   ? key_p256
                               : alg == KP_CRYPTO_SIG_ES384 ? key_p384
                                                            : key_rsa;
    size_t hlen = nl ? (size_t)(nl - (const char *)data) : size;

    kp_crypto_base64url_encode(&tok, data, hlen);
    kp_buf_putc(&tok, '.');
    if (nl)
        kp_crypto_base64url_encode(&tok, nl + 1, size - hlen - 1);
    if (kp_buf_status(&tok) < 0 || kp_crypto_sign(&sig, key, alg, tok.p, tok.len) < 0)
        abort();
    kp_buf_putc(&tok, '.');
    kp_crypto_base64url_encode(&tok, sig.p, sig.len);
    if (kp_buf_status(&tok) == 0)
        fuzz_token(tok.p, tok.len, alg);
    kp_buf_dispose(&tok);
    kp_buf_dispose(&sig);
}

static void fuzz_jwks(const uint8_t *data, size_t size)
{
    kp_jwks *set = NULL, *again = NULL;
    json_t *doc = NULL;
    char *text = NULL;
    size_t len;
    int rc;

    if ((rc = kp_jwks_parse(&set, (const char *)data, size)) < 0) {
        if (rc != KP_EBADREQUEST || kp_err_msg()[0] == '\0')
            abort();
        goto out;
    }
    /* what we publish, we read back as the same number of keys */
    if (kp_jwks_to_json(&doc, set) < 0)
        abort();
    text = kp_json_dump(doc, &len);
    if (kp_jwks_parse(&again, text, len) < 0 || kp_jwks_count(again) != kp_jwks_count(set))
        abort();
out:
    kp_err_clear();
    free(text);
    json_decref(doc);
    kp_jwks_free(again);
    kp_jwks_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_keys)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size > 0 && data[0] == '{')
        fuzz_jwks(data, size);
    else if (size > 0 && data[0] >= 1 && data[0] <= KP_ARRAY_LEN(sign_algs))
        fuzz_signed(data + 1, size - 1, sign_algs[data[0] - 1]);
    else
        fuzz_token((const char *)data, size, KP_CRYPTO_SIG_NONE);
    return 0;
}
