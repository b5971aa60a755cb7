#include "lib/common.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/limits.h"
#include "tests/support/testlib.h"

#include <pthread.h>

/* RFC 7515 appendix A.3 (ES256) and A.2 (RS256): the published compact tokens and the public
 * halves of their keys, copied exactly. Both tokens carry {"iss":"joe","exp":1300819380,...}. */
#define RFC_EXP INT64_C(1300819380)
#define RFC_PAYLOAD                                                                                \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl" \
    "fQ"
static const char RFC_A3_TOKEN[] =
    "eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
static const char RFC_A2_TOKEN[] =
    "eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2F"
    "p5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBM"
    "Hlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w"
    "9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
#define RFC_EC_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define RFC_EC_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define RFC_RSA_N                                                                                  \
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4" \
    "d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5r"  \
    "exMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhy"  \
    "xXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
/* The kids of the two RFC keys as Kubernetes computes them (base64url SHA-256 of the DER
 * SubjectPublicKeyInfo), worked out independently with Python's cryptography package. */
#define RFC_EC_KID "K9G7DESol8MKeqCZHN442AYv5EHeUNoPRoJTRPYC6Cc"
#define RFC_RSA_KID "b9E8JDWjYefFiM0X9V9a098Bd6ZsFyemogCEX016uIw"

static const char RFC_JWKS[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"2010-12-29\",\"use\":\"sig\",\"n\":\"" RFC_RSA_N
    "\",\"e\":\"AQAB\"},{\"kty\":\"EC\",\"kid\":\"e9bc097a-ce51-4036-9562-d2ade882db0d\","
    "\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"" RFC_EC_X "\",\"y\":\"" RFC_EC_Y "\"}]}";

/* RS384, RS512, PS256 (salt of 32 bytes) and ES384 tokens signed by Python's cryptography
 * package with a throwaway RSA-2048 and P-384 key, for an implementation other than ours.
 * Claims: {"iss":"https://issuer.example","aud":"kplane","sub":"alice","iat":1700000000,
 * "exp":2000000000}. */
static const char PY_JWKS[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"use\":\"sig\",\"n\":\"3hrp7jWRFyydl3TwFU"
    "cw5J388C5EoEE8Blrm_dWrCAFsWwIIC5zid8PQhWUVjVsDxWFHk7GXYo3YVWacuxXDBKljkXK3Pl6uT0nfKD9VFM"
    "Q7fuhRfA6IGWfvblqkiOb38x1H3s8OM1hgXemUx34W_wCbRrusVQ5Fw8xnVYjG3K8NKmn88j5bDws_93u0yyHMtc"
    "1Bof4tRfHHlV1h7ljlqsRf0im8nhhQWdQpqbJjjg38_UPXCZJO8_zZ33GLOAvtqpUXiz4-oY_rS7ASU2SXzb0ztR"
    "hYrIQp4sby76iW5i4lbFw5IDGo9kIhzAK9v0kbe5nAWH7O30ymkrZHYy1EHw\",\"e\":\"AQAB\"},{\"kty\":"
    "\"EC\",\"kid\":\"ec384-1\",\"crv\":\"P-384\",\"x\":\"QQn6AxLoUWNQPUpyyhH6CJql5yImBsK-SyT"
    "2w4D8grKCUbrbLkjKNnfbKEUPI9FW\",\"y\":\"dzDmw3lYFdSdxQKjjGXZvMPjlfUthR5owNBpOPTwVP8QE7TG"
    "9257Jywzf51IWoJM\"}]}";
static const char PY_RS384[] =
    "eyJhbGciOiJSUzM4NCIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVk"
    "Ijoia3BsYW5lIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.VYUuuJNL"
    "1bEx_ielE4Ac3kqqDKNARUJRrWNFwFS3iWP4BIXLm5VhpDqw2y09hz_aaPQ2Z4WMRYjybPnkJHKkYl2BhoyhuzEv"
    "wOsUupGlMcDJqdPjdjyUpZ1RKdP391D0a11UCLlra21ug73xjGxNHHe17sazBU1CDSPctSvGSePmN42dILjxrkKy"
    "ijZgvmqGMAY8h4qBwcSUnJWxp9zLzZadOlFFL-ce6Ca2ii15gwUZtdqr1xQT5ljASCkgwkUNqWdTOEeqUQOEv8ap"
    "ULE2yab_8VTjiD24l6eyfrFr9Kl05xAMEaIMFdLWOdfXqr3O865A85hDL1JF1Snd9dmjPw";
static const char PY_RS512[] =
    "eyJhbGciOiJSUzUxMiIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVk"
    "Ijoia3BsYW5lIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.NHL-3CQ0"
    "Hzpu7_27msOqY0xJPvG9i0ZXUnPsy6t_TugJwQ3mJCWNZH4ddqGEpzLeQ3ZYYScm7K4sCbdqjcudM9djY3PMT1NX"
    "gjZqKnLtV-D1ZmJy88XcUK0JATACFz7KDvIVndoDkLrC287IRWjYtqyzLgN_1mSYbyoH9vmAYklCZ5OpVmPhsD6p"
    "BfE0AHcpXoaM0oCIkoUarKsRcWExre1-WPUeqra0juYVISOQqSkDODfK_FobDa_8c2zFBZRTY_QaPofttoAPGnkX"
    "QyNINWz02pFYpPwsAQDi-_YyBQianvIjRf-oVHqF83appXFUJBEoU03LJb2fg78GKDOT6g";
static const char PY_PS256[] =
    "eyJhbGciOiJQUzI1NiIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVk"
    "Ijoia3BsYW5lIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.b3sbDSG5"
    "ctk9ALzixIAGeNoaR46x5NR5scM3BuP6OTreBlFiB1116tVwPowvjjvc-NEj1NAIEbBDh9xN55UjI1QH4kGD7QW9"
    "qf_OwhvWuV3Jm9tMq8fuaWzM5_hXFSD19XL_5xFi93beBpbH-uo7VJ-YZ5Ewrp5dg4ULL4jQqtKFLs_NOCbVrbv0"
    "ER4tetAXMSfHQwDtvgE4IPm_QPAP4Fl_0_U8nToIoDE-0MmWbtQK6SWpOk1haI-scgcmo6mrjG8TAiak-aOMbMIZ"
    "0QLUZgl1yDxYAVRqQMIJh-6FXmYQjckB63EuvdBw-94Y9tKBZtsq57ANi7UZnifH_ls4hQ";
static const char PY_ES384[] =
    "eyJhbGciOiJFUzM4NCIsImtpZCI6ImVjMzg0LTEifQ.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiY"
    "XVkIjoia3BsYW5lIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.kD8pq"
    "5Jdf-mP6RBbXtgQsErfG2Iv4duAsCMCC1i5OviYD1Tg3jvcWaB4sosuQEbdTEeIigu8lPYWfgVbwpVI6pi1y03Bd"
    "TUVNUEB1adsgh66hrGHIeAUakspN-S0LHTk";

#define PY_NOW INT64_C(1800000000)
#define ISSUER "https://kplane.example"
#define AUD "kplane"

/* ---- helpers ---- */

static char *b64url(const void *p, size_t len)
{
    kp_buf b = KP_BUF_INIT(1 << 20);

    kp_crypto_base64url_encode(&b, p, len);
    assert_int_equal(kp_buf_status(&b), 0);
    return kp_buf_take(&b, NULL);
}

static char *b64url_str(const char *s)
{
    return b64url(s, strlen(s));
}

/* header.claims.signature; signed by key under alg, or carrying `fake` as its signature bytes
 * when key is NULL. */
static char *token_make(const char *header, const char *claims, const kp_crypto_key *key,
                        kp_crypto_sig_alg alg, const char *fake)
{
    kp_buf t = KP_BUF_INIT(1 << 20), sig = KP_BUF_INIT(4096);

    kp_crypto_base64url_encode(&t, header, strlen(header));
    kp_buf_putc(&t, '.');
    kp_crypto_base64url_encode(&t, claims, strlen(claims));
    if (key)
        assert_int_equal(kp_crypto_sign(&sig, key, alg, t.p, t.len), 0);
    else
        kp_buf_puts(&sig, fake);
    kp_buf_putc(&t, '.');
    kp_crypto_base64url_encode(&t, sig.p, sig.len);
    assert_int_equal(kp_buf_status(&t), 0);
    kp_buf_dispose(&sig);
    return kp_buf_take(&t, NULL);
}

/* tok with its segment `which` (0 header, 1 payload, 2 signature) replaced by seg. */
static char *token_with_segment(const char *tok, int which, const char *seg)
{
    kp_sv in = kp_sv_from(tok), part;
    kp_buf b = KP_BUF_INIT(1 << 20);

    for (int i = 0; i < 3; i++) {
        kp_sv_cut(&in, '.', &part);
        if (i)
            kp_buf_putc(&b, '.');
        if (i == which)
            kp_buf_puts(&b, seg);
        else
            kp_buf_put_sv(&b, part);
    }
    return kp_buf_take(&b, NULL);
}

/* The decoded segment `which` of tok. */
static char *token_segment(const char *tok, int which)
{
    kp_sv in = kp_sv_from(tok), part = {0};
    kp_buf b = KP_BUF_INIT(1 << 20);

    for (int i = 0; i <= which; i++)
        kp_sv_cut(&in, '.', &part);
    assert_int_equal(kp_crypto_base64_decode(&b, part.p, part.len), 0);
    return kp_buf_take(&b, NULL);
}

/* The message of a 401 must never carry a piece of the token: no segment of it, and no run of
 * base64url characters long enough to be one. */
static void assert_no_echo(const char *tok, size_t len)
{
    const char *msg = kp_err_msg();
    kp_sv in = {tok, len}, part;
    size_t run = 0;

    assert_true(msg[0] != '\0');
    while (in.len) {
        kp_sv_cut(&in, '.', &part);
        if (part.len >= 8 && memmem(msg, strlen(msg), part.p, part.len))
            fail_msg("message \"%s\" echoes the token", msg);
    }
    for (const char *p = msg; *p; p++) {
        bool b64 = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
        run = b64 ? run + 1 : 0;
        if (run >= 12)
            fail_msg("message \"%s\" holds a long base64url run", msg);
    }
}

static void assert_unauth(int rc, const char *reason, const char *tok, size_t len)
{
    if (rc != KP_EUNAUTHORIZED)
        fail_msg("got %s (%s), want KP_EUNAUTHORIZED \"%s\"", kp_err_name(rc), kp_err_msg(),
                 reason);
    if (!strstr(kp_err_msg(), reason))
        fail_msg("message \"%s\" does not say \"%s\"", kp_err_msg(), reason);
    assert_no_echo(tok, len);
}

/* Parses and verifies; the return code of the first step that fails. */
static int check(const char *tok, const kp_jwks *keys, const kp_jwt_expect *want, int64_t now)
{
    kp_jwt *t = NULL;
    int rc = kp_jwt_parse(&t, tok, strlen(tok));

    if (rc == 0)
        rc = kp_jwt_verify(t, keys, want, now);
    kp_jwt_free(t);
    return rc;
}

static void expect_ok(const char *tok, const kp_jwks *keys, const kp_jwt_expect *want, int64_t now)
{
    int rc = check(tok, keys, want, now);
    if (rc != 0)
        fail_msg("token refused: %s %s", kp_err_name(rc), kp_err_msg());
}

static void expect_refused(const char *tok, const kp_jwks *keys, const kp_jwt_expect *want,
                           int64_t now, const char *reason)
{
    assert_unauth(check(tok, keys, want, now), reason, tok, strlen(tok));
}

static kp_jwks *jwks_parse_ok(const char *doc)
{
    kp_jwks *set = NULL;
    int rc = kp_jwks_parse(&set, doc, strlen(doc));
    if (rc != 0)
        fail_msg("JWKS refused: %s", kp_err_msg());
    return set;
}

static char *key_id(const kp_crypto_key *key)
{
    kp_buf b = KP_BUF_INIT(256);
    assert_int_equal(kp_crypto_key_id(&b, key), 0);
    return kp_buf_take(&b, NULL);
}

/* kplane's key, its kid, the key set and a signer for claims. */
typedef struct {
    kp_crypto_key *key;
    char *kid;
    kp_jwks *keys;
} signer;

static void signer_init(signer *s)
{
    assert_int_equal(kp_crypto_key_generate(&s->key), 0);
    s->kid = key_id(s->key);
    assert_int_equal(kp_jwks_from_key(&s->keys, s->key), 0);
}

static void signer_dispose(signer *s)
{
    kp_jwks_free(s->keys);
    kp_crypto_key_free(s->key);
    free(s->kid);
}

/* A token signed by s for claims given as JSON text. */
static char *signer_sign(const signer *s, const char *claims_json)
{
    kp_buf b = KP_BUF_INIT(1 << 20);
    json_t *claims = NULL;

    assert_int_equal(kp_json_parse(&claims, claims_json, strlen(claims_json)), 0);
    assert_int_equal(kp_jwt_sign(&b, s->key, s->kid, claims), 0);
    json_decref(claims);
    return kp_buf_take(&b, NULL);
}

static kp_jwt_expect expect_default(void)
{
    static const char *const auds[] = {AUD};
    kp_jwt_expect want = {0};

    want.issuer = ISSUER;
    want.audiences = auds;
    want.naudiences = 1;
    return want;
}

#define NOW INT64_C(1750000000)
#define CLAIMS_OK                                                                                  \
    "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\",\"sub\":\"alice\",\"iat\":1750000000,"            \
    "\"nbf\":1750000000,\"exp\":1750003600}"

/* ---- tests ---- */

static void test_sign_verify_round_trip(void **state)
{
    kp_jwt_expect want = expect_default();
    signer s;
    kp_jwt *t = NULL;
    json_t *want_header;
    char *tok;
    (void)state;

    signer_init(&s);
    tok = signer_sign(&s, CLAIMS_OK);
    assert_int_equal(kp_jwt_parse(&t, tok, strlen(tok)), 0);
    want_header = json_pack("{s:s, s:s}", "alg", "ES256", "kid", s.kid);
    assert_true(json_equal(kp_jwt_header(t), want_header));
    assert_string_equal(kp_json_get_str(kp_jwt_claims(t), "sub"), "alice");
    assert_int_equal(kp_jwt_verify(t, s.keys, &want, NOW), 0);
    assert_int_equal(kp_jwt_verify(t, s.keys, &want, NOW + 3000), 0);

    /* the JWS signature is ES256's raw R||S: 64 bytes, 86 characters of base64url */
    assert_int_equal(strlen(strrchr(tok, '.') + 1), 86);

    json_decref(want_header);
    kp_jwt_free(t);
    free(tok);
    signer_dispose(&s);
}

static void test_rfc7515_a3_es256_example_verifies(void **state)
{
    kp_jwks *keys = jwks_parse_ok(RFC_JWKS);
    kp_jwt_expect want = {0};
    kp_jwt *t = NULL;
    json_t *hdr = json_pack("{s:s}", "alg", "ES256");
    const json_t *claims;
    (void)state;

    want.issuer = "joe";
    want.any_audience = true;
    assert_int_equal(kp_jwt_parse(&t, RFC_A3_TOKEN, strlen(RFC_A3_TOKEN)), 0);
    assert_true(json_equal(kp_jwt_header(t), hdr));
    claims = kp_jwt_claims(t);
    assert_string_equal(kp_json_get_str(claims, "iss"), "joe");
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")), RFC_EXP);
    assert_true(json_is_true(json_object_get(claims, "http://example.com/is_root")));
    /* the RFC's exp is in 2011: verify at a moment before it */
    assert_int_equal(kp_jwt_verify(t, keys, &want, RFC_EXP - 100), 0);
    assert_unauth(kp_jwt_verify(t, keys, &want, RFC_EXP + 3600), "token has expired", RFC_A3_TOKEN,
                  strlen(RFC_A3_TOKEN));
    /* today it is long expired */
    assert_unauth(kp_jwt_verify(t, keys, &want, NOW), "token has expired", RFC_A3_TOKEN,
                  strlen(RFC_A3_TOKEN));
    kp_jwt_free(t);
    json_decref(hdr);
    kp_jwks_free(keys);
}

static void test_rfc7515_a2_rs256_example_verifies(void **state)
{
    kp_jwks *keys = jwks_parse_ok(RFC_JWKS);
    kp_jwt_expect want = {0};
    (void)state;

    want.issuer = "joe";
    want.any_audience = true;
    expect_ok(RFC_A2_TOKEN, keys, &want, RFC_EXP - 100);
    expect_refused(RFC_A2_TOKEN, keys, &want, RFC_EXP + 61, "token has expired");
    want.issuer = "jane";
    expect_refused(RFC_A2_TOKEN, keys, &want, RFC_EXP - 100, "token issuer is not accepted");
    kp_jwks_free(keys);
}

/* Another implementation's RS384, RS512, PS256 and ES384 tokens verify; algorithms cannot be
 * swapped under a key. */
static void test_other_algorithms_from_another_implementation(void **state)
{
    kp_jwks *keys = jwks_parse_ok(PY_JWKS);
    kp_jwt_expect want = {0};
    static const char *const auds[] = {"kplane"};
    const char *const toks[] = {PY_RS384, PY_RS512, PY_PS256, PY_ES384};
    char *hdr, *swapped;
    (void)state;

    assert_int_equal(kp_jwks_count(keys), 2);
    want.issuer = "https://issuer.example";
    want.audiences = auds;
    want.naudiences = 1;
    for (size_t i = 0; i < KP_ARRAY_LEN(toks); i++)
        expect_ok(toks[i], keys, &want, PY_NOW);

    /* the PS256 signature presented as RS256 or RS384 */
    hdr = b64url_str("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}");
    swapped = token_with_segment(PY_PS256, 0, hdr);
    expect_refused(swapped, keys, &want, PY_NOW, "token signature is invalid");
    free(hdr);
    free(swapped);
    /* the RSA key's kid under an EC algorithm, the P-384 key's under ES256 */
    hdr = b64url_str("{\"alg\":\"ES384\",\"kid\":\"rsa-1\"}");
    swapped = token_with_segment(PY_RS384, 0, hdr);
    expect_refused(swapped, keys, &want, PY_NOW, "token algorithm does not match its signing key");
    free(hdr);
    free(swapped);
    hdr = b64url_str("{\"alg\":\"ES256\",\"kid\":\"ec384-1\"}");
    swapped = token_with_segment(PY_ES384, 0, hdr);
    expect_refused(swapped, keys, &want, PY_NOW, "token algorithm does not match its signing key");
    free(hdr);
    free(swapped);
    kp_jwks_free(keys);
}

/* kp_crypto_sign and kp_crypto_verify agree for every algorithm, and only for the right one. */
static void test_every_algorithm_signs_and_verifies(void **state)
{
    static const kp_crypto_sig_alg algs[] = {KP_CRYPTO_SIG_ES256, KP_CRYPTO_SIG_ES384,
                                             KP_CRYPTO_SIG_RS256, KP_CRYPTO_SIG_RS384,
                                             KP_CRYPTO_SIG_RS512, KP_CRYPTO_SIG_PS256};
    static const char msg[] = "header.payload";
    kp_crypto_key *rsa = NULL;
    (void)state;

    assert_int_equal(kp_crypto_key_generate_for(&rsa, KP_CRYPTO_SIG_RS256), 0);
    for (size_t i = 0; i < KP_ARRAY_LEN(algs); i++) {
        kp_crypto_key *key = NULL, *pub = NULL;
        kp_buf sig = KP_BUF_INIT(4096);
        const char *name = kp_crypto_sig_alg_name(algs[i]);

        assert_int_equal(kp_crypto_sig_alg_from_name(kp_sv_from(name)), algs[i]);
        if (name[0] == 'E')
            assert_int_equal(kp_crypto_key_generate_for(&key, algs[i]), 0);
        assert_int_equal(kp_crypto_key_public(&pub, key ? key : rsa), 0);
        assert_int_equal(kp_crypto_sign(&sig, key ? key : rsa, algs[i], msg, strlen(msg)), 0);
        if (algs[i] == KP_CRYPTO_SIG_ES256)
            assert_int_equal(sig.len, 64);
        if (algs[i] == KP_CRYPTO_SIG_ES384)
            assert_int_equal(sig.len, 96);
        assert_int_equal(kp_crypto_verify(pub, algs[i], msg, strlen(msg), sig.p, sig.len), 0);
        /* another message, another algorithm, a flipped bit */
        assert_int_equal(kp_crypto_verify(pub, algs[i], "x", 1, sig.p, sig.len), KP_EUNAUTHORIZED);
        for (size_t j = 0; j < KP_ARRAY_LEN(algs); j++)
            if (j != i)
                assert_int_equal(kp_crypto_verify(pub, algs[j], msg, strlen(msg), sig.p, sig.len),
                                 KP_EUNAUTHORIZED);
        sig.p[sig.len / 2] ^= 0x01;
        assert_int_equal(kp_crypto_verify(pub, algs[i], msg, strlen(msg), sig.p, sig.len),
                         KP_EUNAUTHORIZED);
        /* a public key cannot sign */
        kp_buf_reset(&sig);
        assert_true(kp_crypto_sign(&sig, pub, algs[i], msg, strlen(msg)) < 0);
        kp_buf_dispose(&sig);
        kp_crypto_key_free(pub);
        kp_crypto_key_free(key);
    }
    assert_int_equal(kp_crypto_verify(rsa, KP_CRYPTO_SIG_NONE, msg, 1, msg, 1), KP_EUNAUTHORIZED);
    assert_int_equal(kp_crypto_sig_alg_from_name(kp_sv_from("HS256")), KP_CRYPTO_SIG_NONE);
    assert_int_equal(kp_crypto_sig_alg_from_name(kp_sv_from("es256")), KP_CRYPTO_SIG_NONE);
    kp_crypto_key_free(rsa);
}

/* DER of one positive big-endian integer. */
static void der_int(kp_buf *b, const uint8_t *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    kp_buf_putc(b, 0x02);
    kp_buf_putc(b, (char)(n + (p[0] & 0x80 ? 1 : 0)));
    if (p[0] & 0x80)
        kp_buf_putc(b, 0);
    kp_buf_put(b, p, n);
}

/* JWS wants R||S (RFC 7518 3.4): OpenSSL's DER form of the same signature is refused. */
static void test_es256_signature_is_raw_not_der(void **state)
{
    kp_crypto_key *key = NULL;
    kp_buf sig = KP_BUF_INIT(256), ints = KP_BUF_INIT(256), der = KP_BUF_INIT(256);
    (void)state;

    assert_int_equal(kp_crypto_key_generate(&key), 0);
    assert_int_equal(kp_crypto_key_default_alg(key), KP_CRYPTO_SIG_ES256);
    assert_int_equal(kp_crypto_sign(&sig, key, KP_CRYPTO_SIG_ES256, "m", 1), 0);
    assert_int_equal(sig.len, 64);
    der_int(&ints, (const uint8_t *)sig.p, 32);
    der_int(&ints, (const uint8_t *)sig.p + 32, 32);
    kp_buf_putc(&der, 0x30);
    kp_buf_putc(&der, (char)ints.len);
    kp_buf_put(&der, ints.p, ints.len);
    assert_int_equal(kp_crypto_verify(key, KP_CRYPTO_SIG_ES256, "m", 1, sig.p, sig.len), 0);
    assert_int_equal(kp_crypto_verify(key, KP_CRYPTO_SIG_ES256, "m", 1, der.p, der.len),
                     KP_EUNAUTHORIZED);
    /* R = 0 and S = 0 */
    memset(sig.p, 0, 64);
    assert_int_equal(kp_crypto_verify(key, KP_CRYPTO_SIG_ES256, "m", 1, sig.p, sig.len),
                     KP_EUNAUTHORIZED);
    kp_buf_dispose(&sig);
    kp_buf_dispose(&ints);
    kp_buf_dispose(&der);
    kp_crypto_key_free(key);
}

static void test_tampered_token_is_rejected(void **state)
{
    kp_jwt_expect want = expect_default();
    signer s;
    char *tok, *other, *forged, *seg;
    size_t n;
    (void)state;

    signer_init(&s);
    tok = signer_sign(&s, CLAIMS_OK);
    other = signer_sign(&s, "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\",\"sub\":\"mallory\","
                            "\"exp\":1750003600}");
    expect_ok(tok, s.keys, &want, NOW);

    /* another payload under the first signature */
    seg = b64url(
        "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\",\"sub\":\"root\",\"exp\":1750003600}",
        strlen("{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\",\"sub\":\"root\",\"exp\":1750003600}"));
    forged = token_with_segment(tok, 1, seg);
    expect_refused(forged, s.keys, &want, NOW, "token signature is invalid");
    free(forged);
    free(seg);

    /* the second token's signature on the first token */
    seg = kp_strdup(strrchr(other, '.') + 1);
    forged = token_with_segment(tok, 2, seg);
    expect_refused(forged, s.keys, &want, NOW, "token signature is invalid");
    free(forged);
    free(seg);

    /* one character of the signature changed; the signature cut short */
    forged = kp_strdup(tok);
    n = strlen(forged);
    forged[n - 10] = forged[n - 10] == 'A' ? 'B' : 'A';
    expect_refused(forged, s.keys, &want, NOW, "token signature is invalid");
    forged[n - 10] = tok[n - 10];
    forged[n - 2] = '\0'; /* 63 bytes */
    expect_refused(forged, s.keys, &want, NOW, "token signature is invalid");
    forged[n - 4] = '\0'; /* 61 bytes and stray low bits */
    forged[n - 5] = 'B';  /* value 1: the 4 stray bits are never all zero, whatever was signed */
    expect_refused(forged, s.keys, &want, NOW, "token signature is not valid base64url");
    free(forged);

    /* the header swapped for one naming another key */
    seg = b64url_str("{\"kid\":\"x\",\"alg\":\"ES256\"}");
    forged = token_with_segment(tok, 0, seg);
    expect_refused(forged, s.keys, &want, NOW, "token signing key is not known");
    free(forged);
    free(seg);

    free(tok);
    free(other);
    signer_dispose(&s);
}

static void test_unknown_kid_and_unknown_key_are_rejected(void **state)
{
    kp_jwt_expect want = expect_default();
    signer s, stranger;
    kp_buf b = KP_BUF_INIT(1 << 20);
    json_t *claims = NULL;
    char *tok;
    (void)state;

    signer_init(&s);
    signer_init(&stranger);
    assert_int_equal(kp_json_parse(&claims, CLAIMS_OK, strlen(CLAIMS_OK)), 0);

    /* a kid the set does not hold */
    assert_int_equal(kp_jwt_sign(&b, s.key, "no-such-key", claims), 0);
    expect_refused(b.p, s.keys, &want, NOW, "token signing key is not known");
    /* our kid, a stranger's key */
    kp_buf_reset(&b);
    assert_int_equal(kp_jwt_sign(&b, stranger.key, s.kid, claims), 0);
    expect_refused(b.p, s.keys, &want, NOW, "token signature is invalid");
    /* no kid: every ES256 key of the set is tried */
    kp_buf_reset(&b);
    assert_int_equal(kp_jwt_sign(&b, s.key, NULL, claims), 0);
    expect_ok(b.p, s.keys, &want, NOW);
    expect_refused(b.p, stranger.keys, &want, NOW, "token signature is invalid");
    /* a rotated set holds both keys */
    assert_int_equal(kp_jwks_add_key(stranger.keys, s.key), 0);
    assert_int_equal(kp_jwks_count(stranger.keys), 2);
    expect_ok(b.p, stranger.keys, &want, NOW);
    tok = signer_sign(&s, CLAIMS_OK);
    expect_ok(tok, stranger.keys, &want, NOW);
    /* no key of the token's algorithm in the set */
    expect_refused(RFC_A2_TOKEN, s.keys, &want, NOW, "token signing key is not known");

    free(tok);
    json_decref(claims);
    kp_buf_dispose(&b);
    signer_dispose(&stranger);
    signer_dispose(&s);
}

static void test_alg_none_is_rejected(void **state)
{
    kp_jwt_expect want = expect_default();
    static const char *const headers[] = {
        "{\"alg\":\"none\"}",
        "{\"alg\":\"None\"}",
        "{\"alg\":\"NONE\",\"typ\":\"JWT\"}",
    };
    signer s;
    (void)state;

    signer_init(&s);
    for (size_t i = 0; i < KP_ARRAY_LEN(headers); i++) {
        char *h = b64url(headers[i], strlen(headers[i]));
        char *c = b64url(CLAIMS_OK, strlen(CLAIMS_OK));
        char *unsigned_tok = kp_asprintf("%s.%s.", h, c);
        char *signed_tok = token_make(headers[i], CLAIMS_OK, NULL, 0, "sig");
        expect_refused(unsigned_tok, s.keys, &want, NOW, "\"none\" is not allowed");
        expect_refused(signed_tok, s.keys, &want, NOW, "\"none\" is not allowed");
        free(h);
        free(c);
        free(unsigned_tok);
        free(signed_tok);
    }
    signer_dispose(&s);
}

/* The classic confusion: HS256 "signed" with the verifier's public key as the HMAC secret. */
static void test_hs256_with_public_key_as_secret_is_rejected(void **state)
{
    kp_jwt_expect want = expect_default();
    static const char *const algs[] = {"HS256", "HS384", "HS512"};
    signer s;
    json_t *jwks = NULL;
    char *pub;
    size_t pub_len;
    (void)state;

    signer_init(&s);
    assert_int_equal(kp_jwks_to_json(&jwks, s.keys), 0);
    pub = kp_json_dump(json_array_get(json_object_get(jwks, "keys"), 0), &pub_len);
    for (size_t i = 0; i < KP_ARRAY_LEN(algs); i++) {
        char *header = kp_asprintf("{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[i], s.kid);
        kp_buf t = KP_BUF_INIT(1 << 16);
        uint8_t mac[32];

        kp_crypto_base64url_encode(&t, header, strlen(header));
        kp_buf_putc(&t, '.');
        kp_crypto_base64url_encode(&t, CLAIMS_OK, strlen(CLAIMS_OK));
        kp_crypto_hmac_sha256(mac, pub, pub_len, t.p, t.len);
        kp_buf_putc(&t, '.');
        kp_crypto_base64url_encode(&t, mac, sizeof(mac));
        expect_refused(t.p, s.keys, &want, NOW, "token algorithm is not supported");
        kp_buf_dispose(&t);
        free(header);
    }
    free(pub);
    json_decref(jwks);
    signer_dispose(&s);
}

static void test_alg_must_fit_the_key_type(void **state)
{
    kp_jwt_expect want = expect_default();
    kp_crypto_key *rsa = NULL, *p384 = NULL;
    kp_jwks *keys = NULL;
    signer s;
    char *tok, *header;
    (void)state;

    signer_init(&s);
    /* ES384 or RS256 claimed for kplane's P-256 key */
    header = kp_asprintf("{\"alg\":\"ES384\",\"kid\":\"%s\"}", s.kid);
    assert_int_equal(kp_crypto_key_generate_for(&p384, KP_CRYPTO_SIG_ES384), 0);
    tok = token_make(header, CLAIMS_OK, p384, KP_CRYPTO_SIG_ES384, NULL);
    expect_refused(tok, s.keys, &want, NOW, "token algorithm does not match its signing key");
    free(tok);
    free(header);
    header = kp_asprintf("{\"alg\":\"RS256\",\"kid\":\"%s\"}", s.kid);
    assert_int_equal(kp_crypto_key_generate_for(&rsa, KP_CRYPTO_SIG_RS256), 0);
    tok = token_make(header, CLAIMS_OK, rsa, KP_CRYPTO_SIG_RS256, NULL);
    expect_refused(tok, s.keys, &want, NOW, "token algorithm does not match its signing key");
    free(tok);
    free(header);

    /* a JWK pinned to RS256 does not take PS256 from the same key */
    {
        json_t *doc = NULL, *jwk = NULL;
        char *text;
        assert_int_equal(kp_crypto_key_to_jwk(&jwk, rsa, "r1"), 0);
        assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "RS256");
        doc = json_pack("{s:[O]}", "keys", jwk);
        text = kp_json_dump(doc, NULL);
        keys = jwks_parse_ok(text);
        tok = token_make("{\"alg\":\"PS256\",\"kid\":\"r1\"}", CLAIMS_OK, rsa, KP_CRYPTO_SIG_PS256,
                         NULL);
        expect_refused(tok, keys, &want, NOW, "token algorithm does not match its signing key");
        free(tok);
        tok = token_make("{\"alg\":\"RS256\",\"kid\":\"r1\"}", CLAIMS_OK, rsa, KP_CRYPTO_SIG_RS256,
                         NULL);
        expect_ok(tok, keys, &want, NOW);
        free(tok);
        free(text);
        json_decref(doc);
        json_decref(jwk);
    }
    kp_jwks_free(keys);
    kp_crypto_key_free(rsa);
    kp_crypto_key_free(p384);
    signer_dispose(&s);
}

static void test_issuer_and_audience_are_checked(void **state)
{
    static const char *const two[] = {"other", AUD};
    kp_jwt_expect want = expect_default();
    signer s;
    struct {
        const char *claims;
        const char *reason; /* NULL: accepted */
    } cases[] = {
        {"{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\",\"exp\":1750003600}", NULL},
        {"{\"iss\":\"" ISSUER "\",\"aud\":[\"x\",\"" AUD "\"],\"exp\":1750003600}", NULL},
        {"{\"iss\":\"https://evil.example\",\"aud\":\"" AUD "\",\"exp\":1750003600}",
         "token issuer is not accepted"},
        {"{\"iss\":\"" ISSUER "/\",\"aud\":\"" AUD "\",\"exp\":1750003600}",
         "token issuer is not accepted"},
        {"{\"iss\":\"" ISSUER "\\u0000x\",\"aud\":\"" AUD "\",\"exp\":1750003600}",
         "token issuer is not accepted"},
        {"{\"iss\":[\"" ISSUER "\"],\"aud\":\"" AUD "\",\"exp\":1750003600}",
         "token issuer is not accepted"},
        {"{\"aud\":\"" AUD "\",\"exp\":1750003600}", "token has no issuer"},
        {"{\"iss\":\"" ISSUER "\",\"aud\":\"someone-else\",\"exp\":1750003600}",
         "token audience is not accepted"},
        {"{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\\u0000\",\"exp\":1750003600}",
         "token audience is not accepted"},
        {"{\"iss\":\"" ISSUER "\",\"aud\":[],\"exp\":1750003600}",
         "token audience is not accepted"},
        {"{\"iss\":\"" ISSUER "\",\"aud\":[\"" AUD "\",7],\"exp\":1750003600}",
         "token audience is not a string or an array of strings"},
        {"{\"iss\":\"" ISSUER "\",\"aud\":{\"" AUD "\":true},\"exp\":1750003600}",
         "token audience is not a string or an array of strings"},
        {"{\"iss\":\"" ISSUER "\",\"exp\":1750003600}", "token has no audience"},
    };
    char *tok;
    (void)state;

    signer_init(&s);
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        tok = signer_sign(&s, cases[i].claims);
        if (cases[i].reason)
            expect_refused(tok, s.keys, &want, NOW, cases[i].reason);
        else
            expect_ok(tok, s.keys, &want, NOW);
        free(tok);
    }
    /* one of several audiences; none configured refuses all; any_audience skips the check */
    tok = signer_sign(&s, CLAIMS_OK);
    want.audiences = two;
    want.naudiences = 2;
    expect_ok(tok, s.keys, &want, NOW);
    want.naudiences = 0;
    expect_refused(tok, s.keys, &want, NOW, "token audience is not accepted");
    want.any_audience = true;
    expect_ok(tok, s.keys, &want, NOW);
    free(tok);
    signer_dispose(&s);
}

static void test_time_claims_are_checked(void **state)
{
    kp_jwt_expect want = expect_default();
    signer s;
    struct {
        const char *times; /* JSON members after iss and aud */
        int64_t leeway;
        bool exp_optional;
        const char *reason;
    } cases[] = {
        {"\"exp\":1750003600", 0, false, NULL},
        {"\"exp\":1749999970", 0, false, NULL}, /* 30 s late: within the default 60 s */
        {"\"exp\":1749999940", 0, false, "token has expired"},
        {"\"exp\":1749999941", 0, false, NULL},
        {"\"exp\":1749999970", -1, false, "token has expired"},
        {"\"exp\":1750000000", -1, false, "token has expired"}, /* exp is the first bad second */
        {"\"exp\":1750000001", -1, false, NULL},
        {"\"exp\":1749997000", 3600, false, NULL},
        {"\"exp\":1750003600.75", 0, false, NULL},
        {"\"exp\":-1", 0, false, "token has expired"},
        {"\"exp\":1e300", 0, false, "token claim \"exp\" is not a valid time"},
        {"\"exp\":\"1750003600\"", 0, false, "token claim \"exp\" is not a valid time"},
        {"\"exp\":null", 0, false, "token claim \"exp\" is not a valid time"},
        {"\"sub\":\"x\"", 0, false, "token has no expiry"},
        {"\"sub\":\"x\"", 0, true, NULL},
        {"\"exp\":1750003600,\"nbf\":1750000030", 0, false, NULL},
        {"\"exp\":1750003600,\"nbf\":1750000061", 0, false, "token is not valid yet"},
        {"\"exp\":1750003600,\"nbf\":1750000001", -1, false, "token is not valid yet"},
        {"\"exp\":1750003600,\"nbf\":true", 0, false, "token claim \"nbf\" is not a valid time"},
        {"\"exp\":1750003600,\"iat\":1750000059", 0, false, NULL},
        {"\"exp\":1750003600,\"iat\":1750000600", 0, false, "token was issued in the future"},
        {"\"exp\":1750003600,\"iat\":[]", 0, false, "token claim \"iat\" is not a valid time"},
        {"\"exp\":9223372036854775807,\"nbf\":-9223372036854775807", 86400, false, NULL},
    };
    (void)state;

    signer_init(&s);
    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        char *claims =
            kp_asprintf("{\"iss\":\"" ISSUER "\",\"aud\":\"" AUD "\",%s}", cases[i].times);
        char *tok = signer_sign(&s, claims);
        want.leeway_s = cases[i].leeway;
        want.exp_optional = cases[i].exp_optional;
        if (cases[i].reason)
            expect_refused(tok, s.keys, &want, NOW, cases[i].reason);
        else
            expect_ok(tok, s.keys, &want, NOW);
        free(tok);
        free(claims);
    }
    signer_dispose(&s);
}

static void test_malformed_tokens_are_rejected(void **state)
{
    kp_jwt_expect want = expect_default();
    signer s;
    char *good, *bad;
    struct {
        const char *header;
        const char *claims;
        const char *reason;
    } json_cases[] = {
        {"[\"ES256\"]", CLAIMS_OK, "token header is not a JSON object"},
        {"{\"alg\":\"ES256\"", CLAIMS_OK, "token header is not a JSON object"},
        {"{\"alg\":\"ES256\",\"alg\":\"ES256\"}", CLAIMS_OK, "token header is not a JSON object"},
        {"{}", CLAIMS_OK, "token header has no algorithm"},
        {"{\"alg\":256}", CLAIMS_OK, "token header has no algorithm"},
        {"{\"alg\":\"ES512\"}", CLAIMS_OK, "token algorithm is not supported"},
        {"{\"alg\":\"ES256\\u0000\"}", CLAIMS_OK, "token algorithm is not supported"},
        {"{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}", CLAIMS_OK,
         "token header has critical extensions"},
        {"{\"alg\":\"ES256\",\"b64\":false,\"crit\":[\"b64\"]}", CLAIMS_OK,
         "token header has critical extensions"},
        {"{\"alg\":\"ES256\",\"kid\":7}", CLAIMS_OK, "token key id is not a string"},
        {"{\"alg\":\"ES256\"}", "[1,2]", "token payload is not a JSON object"},
        {"{\"alg\":\"ES256\"}", "null", "token payload is not a JSON object"},
        {"{\"alg\":\"ES256\"}", "{\"a\":1,\"a\":2}", "token payload is not a JSON object"},
        {"{\"alg\":\"ES256\"}", "{\"sub\":\"x\"} trailing", "token payload is not a JSON object"},
    };
    static const char *const raw[] = {
        "x",
        "a.b",
        "a.b.c.d",
        "..",
        "...",
        "Bearer eyJhbGciOiJFUzI1NiJ9.e30.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30.AAAA ",
        " eyJhbGciOiJFUzI1NiJ9.e30.AAAA",
        "eyJhbGciOiJFUzI1NiJ9=.e30.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30=.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30.AAAA==",
        "eyJhbGciOiJFUzI1NiJ9.e3+.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e3/.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e31.AAAA", /* "e31": stray low bits after "{}" */
        "eyJhbGciOiJFUzI1NiJ9.e30.A",
        "eyJhbGciOiJFUzI1NiJ9.e30.",
        "eyJhbGciOiJFUzI1NiJ9..AAAA",
        ".e30.AAAA",
        "eyJhbGciOiJFUzI1NiJ9.e30\n.AAAA",
    };
    (void)state;

    signer_init(&s);
    good = signer_sign(&s, CLAIMS_OK);
    expect_ok(good, s.keys, &want, NOW);
    for (size_t i = 0; i < KP_ARRAY_LEN(json_cases); i++) {
        bad = token_make(json_cases[i].header, json_cases[i].claims, NULL, 0, "signature");
        expect_refused(bad, s.keys, &want, NOW, json_cases[i].reason);
        free(bad);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(raw); i++) {
        kp_jwt *t = NULL;
        assert_unauth(kp_jwt_parse(&t, raw[i], strlen(raw[i])), "token", raw[i], strlen(raw[i]));
        assert_null(t);
    }
    /* a NUL inside the token, and no token at all */
    {
        kp_jwt *t = NULL;
        char *nul = kp_strdup(good);
        nul[10] = '\0';
        assert_unauth(kp_jwt_parse(&t, nul, strlen(good)), "not valid base64url", good,
                      strlen(good));
        assert_unauth(kp_jwt_parse(&t, "", 0), "token is empty", "", 0);
        assert_unauth(kp_jwt_parse(&t, NULL, 0), "token is empty", "", 0);
        assert_null(t);
        free(nul);
    }
    /* a good token cut anywhere is never accepted */
    for (size_t n = 0; n < strlen(good); n++) {
        kp_jwt *t = NULL;
        int rc = kp_jwt_parse(&t, good, n);
        if (rc == 0)
            rc = kp_jwt_verify(t, s.keys, &want, NOW);
        assert_unauth(rc, "token", good, n);
        kp_jwt_free(t);
    }
    free(good);
    signer_dispose(&s);
}

static void test_oversized_token_is_rejected(void **state)
{
    kp_jwt_expect want = expect_default();
    kp_buf big = KP_BUF_INIT(1 << 20), tok = KP_BUF_INIT(1 << 20);
    json_t *claims = NULL;
    kp_jwt *t = NULL;
    signer s;
    char *filler;
    (void)state;

    signer_init(&s);
    /* past the cap: refused before anything is decoded */
    kp_buf_puts(&big, "eyJhbGciOiJFUzI1NiJ9.");
    while (big.len < KP_JWT_MAX)
        kp_buf_putc(&big, 'A');
    kp_buf_puts(&big, "A.AAAA");
    assert_unauth(kp_jwt_parse(&t, big.p, big.len), "token is longer than 16384 bytes", big.p,
                  big.len);
    assert_null(t);

    /* a large token still inside the cap signs and verifies; one past it cannot be signed */
    filler = kp_calloc(1, 20000);
    memset(filler, 'g', 11000);
    assert_int_equal(kp_json_parse(&claims, CLAIMS_OK, strlen(CLAIMS_OK)), 0);
    json_object_set_new(claims, "groups", json_string(filler));
    assert_int_equal(kp_jwt_sign(&tok, s.key, s.kid, claims), 0);
    assert_true(tok.len > 14000 && tok.len <= KP_JWT_MAX);
    expect_ok(tok.p, s.keys, &want, NOW);
    memset(filler, 'g', 13000);
    json_object_set_new(claims, "groups", json_string(filler));
    kp_buf_reset(&tok);
    assert_int_equal(kp_jwt_sign(&tok, s.key, s.kid, claims), KP_ETOOLARGE);
    assert_int_equal(tok.len, 0);

    free(filler);
    json_decref(claims);
    kp_buf_dispose(&big);
    kp_buf_dispose(&tok);
    signer_dispose(&s);
}

static void test_jwks_with_mixed_keys_keeps_the_usable_ones(void **state)
{
    /* one entry per reason to skip, between the two RFC keys */
    static const char doc[] =
        "{\"keys\":["
        "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
        "1qS0gZH75aKtMN3Yj0iPS4h"
        "cgUuTwjAzZr1Z9CAow\",\"kid\":\"hmac\"},"
        "{\"kty\":\"EC\",\"use\":\"enc\",\"crv\":\"P-256\",\"x\":\"" RFC_EC_X "\",\"y\":\"" RFC_EC_Y
        "\"},"
        "{\"kty\":\"RSA\",\"alg\":\"RSA-OAEP\",\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"},"
        "{\"kty\":\"RSA\",\"alg\":\"HS256\",\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"},"
        "{\"kty\":\"RSA\",\"alg\":\"ES256\",\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"},"
        "{\"kty\":\"EC\",\"alg\":\"ES384\",\"crv\":\"P-256\",\"x\":\"" RFC_EC_X
        "\",\"y\":\"" RFC_EC_Y "\"},"
        "{\"kty\":\"RSA\",\"key_ops\":[\"sign\"],\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"},"
        "{\"kty\":\"RSA\",\"kid\":17,\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"},"
        "{\"kty\":\"RSA\",\"n\":\"" RFC_RSA_N "\"},"
        "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"" RFC_EC_X "\",\"y\":\"" RFC_EC_Y "\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" RFC_EC_X "\",\"y\":\"" RFC_EC_X "\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQAB\",\"y\":\"" RFC_EC_Y "\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_"
        "7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
        "{\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"},"
        "42,"
        "{\"kty\":\"RSA\",\"kid\":\"2010-12-29\",\"use\":\"sig\",\"key_ops\":[\"verify\"],\"n\":"
        "\"" RFC_RSA_N "\",\"e\":\"AQAB\",\"x5t\":\"ignored\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"" RFC_EC_X
        "\",\"y\":\"" RFC_EC_Y "\"}"
        "]}";
    kp_jwks *keys = jwks_parse_ok(doc);
    kp_jwt_expect want = {0};
    (void)state;

    assert_int_equal(kp_jwks_count(keys), 2);
    want.issuer = "joe";
    want.any_audience = true;
    expect_ok(RFC_A2_TOKEN, keys, &want, RFC_EXP - 1);
    expect_ok(RFC_A3_TOKEN, keys, &want, RFC_EXP - 1);
    kp_jwks_free(keys);
}

static void test_jwks_parse_rejects_unusable_documents(void **state)
{
    static const struct {
        const char *doc;
        const char *reason;
    } cases[] = {
        {"", "malformed JSON"},
        {"[]", "no \"keys\" array"},
        {"{}", "no \"keys\" array"},
        {"{\"keys\":{}}", "no \"keys\" array"},
        {"{\"keys\":[]}", "no usable signing key"},
        {"{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}", "no usable signing key (1 skipped)"},
    };
    kp_buf many = KP_BUF_INIT(1 << 22);
    kp_jwks *keys = NULL;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        assert_int_equal(kp_jwks_parse(&keys, cases[i].doc, strlen(cases[i].doc)), KP_EBADREQUEST);
        if (!strstr(kp_err_msg(), cases[i].reason))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].doc, kp_err_msg(),
                     cases[i].reason);
    }
    kp_buf_puts(&many, "{\"keys\":[");
    for (int i = 0; i <= KP_JWKS_KEYS_MAX; i++)
        kp_buf_appendf(&many, "%s{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
                       i ? "," : "", RFC_EC_X, RFC_EC_Y);
    kp_buf_puts(&many, "]}");
    assert_int_equal(kp_jwks_parse(&keys, many.p, many.len), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "more than 64 keys"));
    kp_buf_reset(&many);
    while (many.len <= KP_JWKS_MAX)
        kp_buf_putc(&many, ' ');
    assert_int_equal(kp_jwks_parse(&keys, many.p, many.len), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "larger than"));
    assert_null(keys);
    kp_buf_dispose(&many);
}

/* /openid/v1/jwks: kplane's key published as Kubernetes does, and usable by a verifier that
 * only has that document. */
static void test_jwks_to_json_publishes_the_public_key(void **state)
{
    kp_jwt_expect want = expect_default();
    kp_crypto_key *rsa = NULL;
    kp_jwks *back = NULL, *rsa_keys = NULL;
    json_t *doc = NULL, *jwk;
    signer s;
    char *text, *prefix, *tok;
    size_t len;
    kp_buf xy = KP_BUF_INIT(64);
    (void)state;

    signer_init(&s);
    assert_int_equal(kp_jwks_to_json(&doc, s.keys), 0);
    text = kp_json_dump(doc, &len);
    prefix =
        kp_asprintf("{\"keys\":[{\"use\":\"sig\",\"kty\":\"EC\",\"kid\":\"%s\",\"crv\":\"P-256\","
                    "\"alg\":\"ES256\",\"x\":\"",
                    s.kid);
    if (strncmp(text, prefix, strlen(prefix)) != 0)
        fail_msg("unexpected JWKS %s", text);
    jwk = json_array_get(json_object_get(doc, "keys"), 0);
    assert_int_equal(json_object_size(jwk), 7);
    assert_null(json_object_get(jwk, "d"));
    assert_int_equal(
        kp_crypto_base64_decode(&xy, kp_json_get_str(jwk, "x"), strlen(kp_json_get_str(jwk, "x"))),
        0);
    assert_int_equal(xy.len, 32);

    assert_int_equal(kp_jwks_parse(&back, text, len), 0);
    tok = signer_sign(&s, CLAIMS_OK);
    expect_ok(tok, back, &want, NOW);
    free(tok);
    free(text);
    free(prefix);
    json_decref(doc);

    /* an RSA key: n and e, minimal */
    assert_int_equal(kp_crypto_key_generate_for(&rsa, KP_CRYPTO_SIG_RS256), 0);
    assert_int_equal(kp_jwks_from_key(&rsa_keys, rsa), 0);
    assert_int_equal(kp_jwks_to_json(&doc, rsa_keys), 0);
    jwk = json_array_get(json_object_get(doc, "keys"), 0);
    assert_string_equal(kp_json_get_str(jwk, "kty"), "RSA");
    assert_string_equal(kp_json_get_str(jwk, "alg"), "RS256");
    assert_string_equal(kp_json_get_str(jwk, "e"), "AQAB");
    assert_int_equal(strlen(kp_json_get_str(jwk, "n")), 342); /* 256 bytes */
    {
        kp_buf b = KP_BUF_INIT(1 << 16);
        json_t *claims = NULL;
        kp_jwks *rsa_back = NULL;
        text = kp_json_dump(doc, &len);
        assert_int_equal(kp_jwks_parse(&rsa_back, text, len), 0);
        assert_int_equal(kp_json_parse(&claims, CLAIMS_OK, strlen(CLAIMS_OK)), 0);
        assert_int_equal(kp_jwt_sign(&b, rsa, NULL, claims), 0);
        expect_ok(b.p, rsa_back, &want, NOW);
        expect_refused(b.p, s.keys, &want, NOW, "token signing key is not known");
        kp_jwks_free(rsa_back);
        json_decref(claims);
        kp_buf_dispose(&b);
        free(text);
    }
    json_decref(doc);
    kp_jwks_free(rsa_keys);
    kp_jwks_free(back);
    kp_crypto_key_free(rsa);
    kp_buf_dispose(&xy);
    signer_dispose(&s);
}

/* k8s: kid = base64url(SHA-256(DER SubjectPublicKeyInfo)); golden values from another
 * implementation. */
static void test_key_id_is_kubernetes_key_id(void **state)
{
    kp_crypto_key *ec = NULL, *rsa = NULL, *gen = NULL, *pub = NULL;
    char *a, *b;
    (void)state;

    assert_int_equal(kp_crypto_key_from_jwk_ec(&ec, kp_sv_from("P-256"), kp_sv_from(RFC_EC_X),
                                               kp_sv_from(RFC_EC_Y)),
                     0);
    assert_int_equal(kp_crypto_key_from_jwk_rsa(&rsa, kp_sv_from(RFC_RSA_N), kp_sv_from("AQAB")),
                     0);
    a = key_id(ec);
    b = key_id(rsa);
    assert_string_equal(a, RFC_EC_KID);
    assert_string_equal(b, RFC_RSA_KID);
    free(a);
    free(b);
    /* the private key and its public half have one kid */
    assert_int_equal(kp_crypto_key_generate(&gen), 0);
    assert_int_equal(kp_crypto_key_public(&pub, gen), 0);
    a = key_id(gen);
    b = key_id(pub);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 43);
    free(a);
    free(b);
    kp_crypto_key_free(ec);
    kp_crypto_key_free(rsa);
    kp_crypto_key_free(gen);
    kp_crypto_key_free(pub);
}

static void test_jwk_import_rejects_bad_keys(void **state)
{
    kp_crypto_key *k = NULL;
    (void)state;

    /* curves */
    assert_int_equal(kp_crypto_key_from_jwk_ec(&k, kp_sv_from("P-521"), kp_sv_from(RFC_EC_X),
                                               kp_sv_from(RFC_EC_Y)),
                     KP_EBADREQUEST);
    assert_int_equal(kp_crypto_key_from_jwk_ec(&k, kp_sv_from("p-256"), kp_sv_from(RFC_EC_X),
                                               kp_sv_from(RFC_EC_Y)),
                     KP_EBADREQUEST);
    /* P-384 expects 48-byte coordinates */
    assert_int_equal(kp_crypto_key_from_jwk_ec(&k, kp_sv_from("P-384"), kp_sv_from(RFC_EC_X),
                                               kp_sv_from(RFC_EC_Y)),
                     KP_EBADREQUEST);
    /* short coordinate, off-curve point, bad base64 */
    assert_int_equal(kp_crypto_key_from_jwk_ec(&k, kp_sv_from("P-256"), kp_sv_from("AQAB"),
                                               kp_sv_from(RFC_EC_Y)),
                     KP_EBADREQUEST);
    assert_int_equal(kp_crypto_key_from_jwk_ec(&k, kp_sv_from("P-256"), kp_sv_from(RFC_EC_X),
                                               kp_sv_from(RFC_EC_X)),
                     KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "not on the P-256 curve"));
    assert_int_equal(kp_crypto_key_from_jwk_ec(&k, kp_sv_from("P-256"), kp_sv_from("!!!!"),
                                               kp_sv_from(RFC_EC_Y)),
                     KP_EBADREQUEST);
    /* RSA: 1024 bits (the RFC modulus cut in half), even e, e = 1, empty members */
    {
        char half[200];
        memcpy(half, RFC_RSA_N, 171);
        half[171] = '\0';
        assert_int_equal(kp_crypto_key_from_jwk_rsa(&k, kp_sv_from(half), kp_sv_from("AQAB")),
                         KP_EBADREQUEST);
        assert_non_null(strstr(kp_err_msg(), "outside 2048 to 8192 bits"));
    }
    assert_int_equal(kp_crypto_key_from_jwk_rsa(&k, kp_sv_from(RFC_RSA_N), kp_sv_from("AQAA")),
                     KP_EBADREQUEST);
    assert_int_equal(kp_crypto_key_from_jwk_rsa(&k, kp_sv_from(RFC_RSA_N), kp_sv_from("AQ")),
                     KP_EBADREQUEST);
    assert_int_equal(kp_crypto_key_from_jwk_rsa(&k, kp_sv_from(RFC_RSA_N), kp_sv_from("")),
                     KP_EBADREQUEST);
    assert_int_equal(kp_crypto_key_from_jwk_rsa(&k, kp_sv_from(""), kp_sv_from("AQAB")),
                     KP_EBADREQUEST);
    assert_null(k);
    /* e = 3 and padded base64 are accepted */
    assert_int_equal(kp_crypto_key_from_jwk_rsa(&k, kp_sv_from(RFC_RSA_N), kp_sv_from("Aw==")), 0);
    assert_true(kp_crypto_key_fits(k, KP_CRYPTO_SIG_RS256));
    assert_true(kp_crypto_key_fits(k, KP_CRYPTO_SIG_PS256));
    assert_false(kp_crypto_key_fits(k, KP_CRYPTO_SIG_ES256));
    kp_crypto_key_free(k);
}

static void test_base64url_encode_vectors(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } v[] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"},
    };
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(v); i++) {
        char *got = b64url(v[i].in, strlen(v[i].in));
        assert_string_equal(got, v[i].out);
        free(got);
    }
    /* long input crosses the encoder's internal block */
    {
        uint8_t bytes[1000];
        kp_buf enc = KP_BUF_INIT(4096), dec = KP_BUF_INIT(4096);
        for (size_t i = 0; i < sizeof(bytes); i++)
            bytes[i] = (uint8_t)(i * 7);
        for (size_t n = 0; n <= sizeof(bytes); n += 37) {
            kp_buf_reset(&enc);
            kp_buf_reset(&dec);
            kp_crypto_base64url_encode(&enc, bytes, n);
            assert_int_equal(enc.len, (n * 4 + 2) / 3);
            assert_null(memchr(enc.p ? enc.p : "", '=', enc.len));
            assert_int_equal(kp_crypto_base64_decode(&dec, enc.p, enc.len), 0);
            assert_int_equal(dec.len, n);
            assert_true(n == 0 || memcmp(dec.p, bytes, n) == 0);
        }
        kp_buf_dispose(&enc);
        kp_buf_dispose(&dec);
    }
}

/* A projected ServiceAccount token as kube-apiserver issues it, and a legacy Secret-based one. */
static void test_serviceaccount_token_shape(void **state)
{
    static const char *const auds[] = {"https://kubernetes.default.svc.cluster.local", "k3s"};
    static const char projected[] =
        "{\"aud\":[\"https://kubernetes.default.svc.cluster.local\",\"k3s\"],"
        "\"exp\":1781536000,\"iat\":1750000000,"
        "\"iss\":\"https://kubernetes.default.svc.cluster.local\","
        "\"jti\":\"5c1f2f0a-6d0c-4c6e-9b7a-1f3a2e6b9d11\","
        "\"kubernetes.io\":{\"namespace\":\"default\","
        "\"node\":{\"name\":\"node-1\",\"uid\":\"2b0a9c51-0d8f-4bd3-9b0e-6f6a7f6b8e01\"},"
        "\"pod\":{\"name\":\"web-0\",\"uid\":\"8d4b7c3e-5e7f-4f1c-8a5d-2c9e1b7a6f02\"},"
        "\"serviceaccount\":{\"name\":\"default\",\"uid\":\"c0ffee00-1111-2222-3333-444455556666\"}"
        ","
        "\"warnafter\":1750003607},"
        "\"nbf\":1750000000,\"sub\":\"system:serviceaccount:default:default\"}";
    static const char legacy[] =
        "{\"iss\":\"kubernetes/serviceaccount\","
        "\"kubernetes.io/serviceaccount/namespace\":\"default\","
        "\"kubernetes.io/serviceaccount/secret.name\":\"default-token-x7k2p\","
        "\"kubernetes.io/serviceaccount/service-account.name\":\"default\","
        "\"kubernetes.io/serviceaccount/service-account.uid\":"
        "\"c0ffee00-1111-2222-3333-444455556666\","
        "\"sub\":\"system:serviceaccount:default:default\"}";
    kp_jwt_expect want = {0};
    kp_jwt *t = NULL;
    signer s;
    char *tok, *header, *want_header;
    const json_t *sa;
    (void)state;

    signer_init(&s);
    tok = signer_sign(&s, projected);
    /* k8s: the header is exactly {"alg":...,"kid":...} */
    header = token_segment(tok, 0);
    want_header = kp_asprintf("{\"alg\":\"ES256\",\"kid\":\"%s\"}", s.kid);
    assert_string_equal(header, want_header);
    want.issuer = "https://kubernetes.default.svc.cluster.local";
    want.audiences = auds;
    want.naudiences = 1;
    assert_int_equal(kp_jwt_parse(&t, tok, strlen(tok)), 0);
    assert_int_equal(kp_jwt_verify(t, s.keys, &want, NOW + 600), 0);
    assert_string_equal(kp_json_get_str(kp_jwt_claims(t), "sub"),
                        "system:serviceaccount:default:default");
    sa = json_object_get(json_object_get(kp_jwt_claims(t), "kubernetes.io"), "serviceaccount");
    assert_string_equal(kp_json_get_str(sa, "name"), "default");
    /* the claims come back as signed, member order included */
    {
        char *round = kp_json_dump(kp_jwt_claims(t), NULL);
        assert_string_equal(round, projected);
        free(round);
    }
    assert_unauth(kp_jwt_verify(t, s.keys, &want, 1781536000 + 60), "token has expired", tok,
                  strlen(tok));
    kp_jwt_free(t);
    free(tok);

    /* legacy tokens have neither exp nor aud */
    tok = signer_sign(&s, legacy);
    want.issuer = "kubernetes/serviceaccount";
    expect_refused(tok, s.keys, &want, NOW, "token has no audience");
    want.any_audience = true;
    expect_refused(tok, s.keys, &want, NOW, "token has no expiry");
    want.exp_optional = true;
    expect_ok(tok, s.keys, &want, NOW);

    free(tok);
    free(header);
    free(want_header);
    signer_dispose(&s);
}

/* A kp_jwks is shared read-only by request threads. */
typedef struct {
    const kp_jwks *keys;
    const char *tok;
    int failures;
} verify_job;

static void *verify_worker(void *arg)
{
    verify_job *job = arg;
    kp_jwt_expect want = expect_default();

    for (int i = 0; i < 100; i++)
        if (check(job->tok, job->keys, &want, NOW) != 0)
            job->failures++;
    return NULL;
}

static void test_jwks_is_safe_from_many_threads(void **state)
{
    pthread_t threads[4];
    verify_job jobs[4];
    signer s;
    char *tok;
    (void)state;

    signer_init(&s);
    tok = signer_sign(&s, CLAIMS_OK);
    for (size_t i = 0; i < KP_ARRAY_LEN(threads); i++) {
        jobs[i] = (verify_job){s.keys, tok, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, verify_worker, &jobs[i]), 0);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(threads); i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
    free(tok);
    signer_dispose(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_rfc7515_a3_es256_example_verifies),
        cmocka_unit_test(test_rfc7515_a2_rs256_example_verifies),
        cmocka_unit_test(test_other_algorithms_from_another_implementation),
        cmocka_unit_test(test_every_algorithm_signs_and_verifies),
        cmocka_unit_test(test_es256_signature_is_raw_not_der),
        cmocka_unit_test(test_tampered_token_is_rejected),
        cmocka_unit_test(test_unknown_kid_and_unknown_key_are_rejected),
        cmocka_unit_test(test_alg_none_is_rejected),
        cmocka_unit_test(test_hs256_with_public_key_as_secret_is_rejected),
        cmocka_unit_test(test_alg_must_fit_the_key_type),
        cmocka_unit_test(test_issuer_and_audience_are_checked),
        cmocka_unit_test(test_time_claims_are_checked),
        cmocka_unit_test(test_malformed_tokens_are_rejected),
        cmocka_unit_test(test_oversized_token_is_rejected),
        cmocka_unit_test(test_jwks_with_mixed_keys_keeps_the_usable_ones),
        cmocka_unit_test(test_jwks_parse_rejects_unusable_documents),
        cmocka_unit_test(test_jwks_to_json_publishes_the_public_key),
        cmocka_unit_test(test_key_id_is_kubernetes_key_id),
        cmocka_unit_test(test_jwk_import_rejects_bad_keys),
        cmocka_unit_test(test_base64url_encode_vectors),
        cmocka_unit_test(test_serviceaccount_token_shape),
        cmocka_unit_test(test_jwks_is_safe_from_many_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
