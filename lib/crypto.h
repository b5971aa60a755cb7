/* crypto: the only module that uses OpenSSL. Keys, X.509 certificates for kplane's own CA,
 * client-certificate verification, hashes, HMAC, random bytes and base64. Keys are opaque;
 * bytes travel in kp_buf. Thread rules: every function may be called from any thread; a
 * kp_crypto_ca is read-only after kp_crypto_ca_new() and may be shared. */
#ifndef KP_CRYPTO_H
#define KP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* Standard base64 (with padding), appended to out. */
void kp_crypto_base64_encode(kp_buf *out, const void *p, size_t len);
/* Standard or URL-safe base64, padding optional; KP_EBADREQUEST on bad input. */
int kp_crypto_base64_decode(kp_buf *out, const char *p, size_t len);

#endif
