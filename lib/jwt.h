/* jwt: JSON Web Tokens (RFC 7519) in JWS compact form: kplane's own ServiceAccount tokens
 * (signed with kplane's key) and OIDC ID tokens (signed by an external issuer whose keys come
 * from a JWKS). Parsing trusts nothing; verification checks the signature first, then iss, aud
 * and the times. Signatures go through lib/crypto. Failures are KP_EUNAUTHORIZED with a short
 * reason that never echoes the token. Thread rules: a kp_jwks is read-only once built and may be
 * shared; a kp_jwt belongs to one thread. */
#ifndef KP_JWT_H
#define KP_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "lib/buf.h"
#include "lib/crypto.h"

#define KP_JWT_LEEWAY_DEFAULT_S 60 /* clock skew allowed on exp, nbf and iat */

typedef struct kp_jwt kp_jwt;
typedef struct kp_jwks kp_jwks;

/* What a verified token must say. A zeroed struct with an issuer is the strict default: an
 * audience required, exp required, 60 s of leeway. */
typedef struct {
    const char *issuer;           /* "iss" must equal it exactly; required */
    const char *const *audiences; /* "aud" (string or array) must contain one of these */
    size_t naudiences;            /* 0 with any_audience false: every token is refused */
    bool any_audience;            /* skip the aud check (legacy ServiceAccount tokens have none) */
    bool exp_optional;            /* a token without "exp" never expires (legacy tokens) */
    int64_t leeway_s;             /* 0: KP_JWT_LEEWAY_DEFAULT_S; negative: no leeway */
} kp_jwt_expect;

/* Signs claims (a JSON object) with key and appends the compact JWS to out. The header is
 * {"alg":...,"kid":kid} as Kubernetes writes it (no "typ"); alg follows the key (ES256 for
 * kplane's P-256 key, see kp_crypto_key_default_alg); kid NULL leaves it out. KP_ETOOLARGE when
 * the token would exceed KP_JWT_MAX. */
int kp_jwt_sign(kp_buf *out, const kp_crypto_key *key, const char *kid, const json_t *claims);

/* Splits and decodes a compact JWS without trusting it: at most KP_JWT_MAX bytes, exactly three
 * base64url segments without padding, a JSON-object header with a supported asymmetric "alg"
 * (never "none" or HS*), no "crit", a JSON-object payload, a non-empty signature. Nothing is
 * verified: see kp_jwt_verify(). *out is owned, free with kp_jwt_free(); KP_EUNAUTHORIZED
 * otherwise. */
int kp_jwt_parse(kp_jwt **out, const char *token, size_t len);
/* Borrowed from t, valid until kp_jwt_free(t); unverified until kp_jwt_verify() says 0. */
const json_t *kp_jwt_header(const kp_jwt *t);
const json_t *kp_jwt_claims(const kp_jwt *t);
void kp_jwt_free(kp_jwt *t);

/* Verifies t at time now (Unix seconds): the signature by the key whose "kid" equals the
 * token's (or, for a token without kid, by any key that fits its alg), with alg allowed for that
 * key's type; then iss, aud, exp, nbf and iat (not in the future) against want. 0 when valid,
 * KP_EUNAUTHORIZED with a reason otherwise. */
int kp_jwt_verify(const kp_jwt *t, const kp_jwks *keys, const kp_jwt_expect *want, int64_t now);

/* A key set from a JWKS document (RFC 7517 section 5), at most KP_JWKS_MAX bytes and
 * KP_JWKS_KEYS_MAX entries. Keys with another kty than RSA or EC, an unsupported or mismatched
 * "alg", "use" other than "sig", "key_ops" without "verify", or malformed key material are
 * skipped; KP_EBADREQUEST when the document is malformed or leaves no usable key. Owned, free
 * with kp_jwks_free(). */
int kp_jwks_parse(kp_jwks **out, const char *json, size_t len);
/* A key set holding the public half of key, with kid kp_crypto_key_id(key) as Kubernetes
 * computes it. Owned, free with kp_jwks_free(). */
int kp_jwks_from_key(kp_jwks **out, const kp_crypto_key *key);
/* Adds the public half of key (kid as above), e.g. the previous key during a rotation. */
int kp_jwks_add_key(kp_jwks *set, const kp_crypto_key *key);
/* The set as a JWKS document {"keys":[...]}, for /openid/v1/jwks; public members only. *out is
 * owned by the caller (json_decref). */
int kp_jwks_to_json(json_t **out, const kp_jwks *set);
/* The number of usable keys in set. */
size_t kp_jwks_count(const kp_jwks *set);
void kp_jwks_free(kp_jwks *set);

#endif
