/* crypto: the only module that uses OpenSSL. Keys, X.509 certificates for kplane's own CA,
 * client-certificate verification, JWS signatures and JWK public keys (for lib/jwt), hashes,
 * HMAC, random bytes and base64. Keys are opaque;
 * bytes travel in kp_buf. Thread rules: every function may be called from any thread; a
 * kp_crypto_ca is read-only after kp_crypto_ca_new() and may be shared. */
#ifndef KP_CRYPTO_H
#define KP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "lib/buf.h"

typedef struct kp_crypto_key kp_crypto_key;
typedef struct kp_crypto_ca kp_crypto_ca;

/* What a certificate is issued for. */
typedef struct {
    const char *common_name;
    const char *const *orgs; /* subject O values, may be NULL */
    size_t norgs;
    const char *const *dns; /* subjectAltName DNS entries */
    size_t ndns;
    const char *const *ips; /* subjectAltName IP entries, textual v4 or v6 */
    size_t nips;
    bool is_ca;
    bool server; /* extendedKeyUsage serverAuth */
    bool client; /* extendedKeyUsage clientAuth */
    int days;    /* validity from now (notBefore is one hour in the past, for clock skew) */
} kp_crypto_cert_spec;

/* The subject of a verified certificate. */
typedef struct {
    char common_name[256];
    char orgs[8][256];
    size_t norgs;
} kp_crypto_subject;

/* A new EC P-256 key; owned, free with kp_crypto_key_free(). */
int kp_crypto_key_generate(kp_crypto_key **out);
void kp_crypto_key_free(kp_crypto_key *k);
/* PKCS#8 PEM (appended to out). */
int kp_crypto_key_to_pem(kp_buf *out, const kp_crypto_key *k);
int kp_crypto_key_from_pem(kp_crypto_key **out, const char *pem, size_t len);

/* Issues a certificate for key, signed by ca_key with issuer ca_cert_pem; when ca_cert_pem is
 * NULL the certificate is self-signed (ca_key must be key). Appends PEM to out. */
int kp_crypto_cert_issue(kp_buf *out, const kp_crypto_cert_spec *spec, const kp_crypto_key *key,
                         const char *ca_cert_pem, const kp_crypto_key *ca_key);
/* True when the PEM certificate is valid for at least `days` more days and names every
 * host (DNS or IP) in hosts among its subjectAltNames. */
bool kp_crypto_cert_covers(const char *cert_pem, const char *const *hosts, size_t nhosts, int days);
/* True when the certificate's public key is key's. */
bool kp_crypto_cert_matches_key(const char *cert_pem, const kp_crypto_key *key);
/* True when the PEM certificate names ca_pem's certificate as its issuer and carries a valid
 * signature by its key (any purpose; no validity-period check: see kp_crypto_cert_covers). */
bool kp_crypto_cert_signed_by(const char *cert_pem, const char *ca_pem);

/* A verifier of client certificates issued by ca_pem; owned, free with kp_crypto_ca_free(). */
int kp_crypto_ca_new(kp_crypto_ca **out, const char *ca_pem);
void kp_crypto_ca_free(kp_crypto_ca *ca);
/* Verifies a DER client certificate (chain: leaf first, then intermediates, may be 1) against
 * the CA: signature, validity period, clientAuth usage. KP_EUNAUTHORIZED with a reason
 * otherwise. Fills *out with the subject. */
int kp_crypto_ca_verify(kp_crypto_subject *out, const kp_crypto_ca *ca, const void *const *ders,
                        const size_t *der_lens, size_t nchain);

/* Hashes and MACs: out receives raw bytes (32 for SHA-256). */
void kp_crypto_sha256(uint8_t out[32], const void *p, size_t len);
void kp_crypto_hmac_sha256(uint8_t out[32], const void *key, size_t key_len, const void *p,
                           size_t len);
/* Constant-time comparison. */
bool kp_crypto_equal(const void *a, const void *b, size_t len);
/* Cryptographically random bytes; aborts if the system RNG fails. */
void kp_crypto_random(void *out, size_t len);
/* Short hex fingerprint (first 8 bytes of SHA-256, 16 hex chars + NUL) for logging who
 * presented a secret without logging the secret. */
void kp_crypto_fingerprint(char out[17], const void *p, size_t len);
/* JWS signature algorithms (RFC 7518 section 3) kplane signs or verifies with. HMAC (HS*) is
 * deliberately absent: a verifier holding only public keys must never treat one as a secret. */
typedef enum {
    KP_CRYPTO_SIG_NONE = 0, /* no algorithm: never valid */
    KP_CRYPTO_SIG_ES256,    /* ECDSA P-256 + SHA-256, raw R||S (64 bytes) */
    KP_CRYPTO_SIG_ES384,    /* ECDSA P-384 + SHA-384, raw R||S (96 bytes) */
    KP_CRYPTO_SIG_RS256,    /* RSASSA-PKCS1-v1_5 + SHA-256 */
    KP_CRYPTO_SIG_RS384,    /* RSASSA-PKCS1-v1_5 + SHA-384 */
    KP_CRYPTO_SIG_RS512,    /* RSASSA-PKCS1-v1_5 + SHA-512 */
    KP_CRYPTO_SIG_PS256,    /* RSASSA-PSS + SHA-256, MGF1 SHA-256 */
} kp_crypto_sig_alg;

/* The JWS "alg" name of alg ("ES256", ...); static storage; NULL for KP_CRYPTO_SIG_NONE. */
const char *kp_crypto_sig_alg_name(kp_crypto_sig_alg alg);
/* The algorithm a JWS "alg" value names (exact, case-sensitive), or KP_CRYPTO_SIG_NONE. */
kp_crypto_sig_alg kp_crypto_sig_alg_from_name(kp_sv name);

/* A new key for alg: EC P-256 for ES256, P-384 for ES384, RSA 2048 bits for RS* and PS256;
 * owned, free with kp_crypto_key_free(). */
int kp_crypto_key_generate_for(kp_crypto_key **out, kp_crypto_sig_alg alg);
/* The public half of k as a key of its own; owned, free with kp_crypto_key_free(). */
int kp_crypto_key_public(kp_crypto_key **out, const kp_crypto_key *k);
/* True when k may sign or verify alg: an EC key on the algorithm's curve for ES*, an RSA key of
 * 2048 to 8192 bits for RS* and PS256 (RFC 7518 3.3). No other pairing is ever accepted. */
bool kp_crypto_key_fits(const kp_crypto_key *k, kp_crypto_sig_alg alg);
/* The algorithm kplane signs with for k (ES256 for P-256, ES384 for P-384, RS256 for RSA, as
 * Kubernetes picks for its service-account keys), or KP_CRYPTO_SIG_NONE. */
kp_crypto_sig_alg kp_crypto_key_default_alg(const kp_crypto_key *k);

/* Signs data with the private key k under alg and appends the JWS signature to out (for ES*
 * the raw R||S form of RFC 7518 3.4, not DER). KP_EBADREQUEST when k does not fit alg or holds
 * no private key. */
int kp_crypto_sign(kp_buf *out, const kp_crypto_key *k, kp_crypto_sig_alg alg, const void *data,
                   size_t len);
/* 0 when sig is a valid JWS signature of data by k under alg; KP_EUNAUTHORIZED otherwise,
 * also when k does not fit alg or sig has the wrong size (a DER ECDSA signature is refused). */
int kp_crypto_verify(const kp_crypto_key *k, kp_crypto_sig_alg alg, const void *data, size_t len,
                     const void *sig, size_t sig_len);

/* Public keys from JWK members (RFC 7518 6.2, 6.3), each base64url text: an RSA key from n and
 * e (2048 to 8192 bits, odd e >= 3), an EC key from crv ("P-256" or "P-384"), x and y (full
 * field length, a point on the curve). Owned, free with kp_crypto_key_free(); KP_EBADREQUEST
 * with a reason otherwise. */
int kp_crypto_key_from_jwk_rsa(kp_crypto_key **out, kp_sv n, kp_sv e);
int kp_crypto_key_from_jwk_ec(kp_crypto_key **out, kp_sv crv, kp_sv x, kp_sv y);
/* k8s: the key id Kubernetes gives a service-account signing key, base64url (no padding) of the
 * SHA-256 of the DER SubjectPublicKeyInfo (keyIDFromPublicKey); appended to out. */
int kp_crypto_key_id(kp_buf *out, const kp_crypto_key *k);
/* The public JWK of k as Kubernetes serves it at /openid/v1/jwks: {"use":"sig","kty":...,
 * "kid":...,"alg":..., then "crv","x","y" or "n","e"}. kid NULL means kp_crypto_key_id(k).
 * *out is owned by the caller (json_decref). Never holds private members. */
int kp_crypto_key_to_jwk(json_t **out, const kp_crypto_key *k, const char *kid);

/* base64url without padding (RFC 4648 section 5, as JWS uses it), appended to out. */
void kp_crypto_base64url_encode(kp_buf *out, const void *p, size_t len);
/* Standard base64 (with padding), appended to out. */
void kp_crypto_base64_encode(kp_buf *out, const void *p, size_t len);
/* Standard or URL-safe base64, padding optional; KP_EBADREQUEST on bad input. */
int kp_crypto_base64_decode(kp_buf *out, const char *p, size_t len);

#endif
