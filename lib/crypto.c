#include "lib/common.h"
#include "lib/crypto.h"
#include "lib/hash.h"
#include "lib/log.h"

#include <limits.h>
#include <pthread.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* The caps below are far above anything kplane issues; they keep a hostile chain from
 * making us parse without bound before the signature check. */
#define CRYPTO_CHAIN_MAX 8
#define CRYPTO_DER_MAX (64 * 1024)
#define CRYPTO_PEM_MAX (1024 * 1024)
#define CRYPTO_SERIAL_LEN 16

struct kp_crypto_key {
    EVP_PKEY *pkey;
};

/* Client certificate chains verified lately, so a keep-alive client's every request does not
 * parse and verify its chain again (that was half of a request's CPU). A slot is found by a
 * hash of the chain's DER bytes and holds a copy of them, compared whole: no collision can
 * pass for another chain. An entry lives until the leaf expires, at most CA_VCACHE_TTL_S. */
#define CA_VCACHE_SLOTS 256
#define CA_VCACHE_DER_MAX 4096
#define CA_VCACHE_TTL_S 300

typedef struct {
    uint64_t hash;
    int64_t until; /* CLOCK_MONOTONIC seconds; 0: empty */
    size_t len;
    kp_crypto_subject subj;
    unsigned char der[CA_VCACHE_DER_MAX];
} ca_vslot;

typedef struct {
    pthread_mutex_t mu;
    ca_vslot slots[CA_VCACHE_SLOTS];
} ca_vcache;

struct kp_crypto_ca {
    X509_STORE *store; /* read-only after kp_crypto_ca_new(): X509_STORE locks its lookups */
    ca_vcache *vc;
};

/* Turns the newest OpenSSL error into a kplane error and empties the thread's OpenSSL error
 * queue, so a stale entry never shows up in a later, unrelated message. */
static int crypto_fail(int code, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return kp_err_set(code, "%s: %s", what, reason ? reason : "unknown error");
}

/* A read-only memory BIO over PEM text; NULL when len does not fit OpenSSL's int. */
static BIO *crypto_pem_bio(const char *pem, size_t len)
{
    if (len > CRYPTO_PEM_MAX)
        return NULL;
    return BIO_new_mem_buf(pem, (int)len);
}

/* Appends the contents of a memory BIO to out. */
static int crypto_bio_append(kp_buf *out, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n < 0 || !data)
        return kp_err_set(KP_EINTERNAL, "cannot read PEM output");
    kp_buf_put(out, data, (size_t)n);
    return kp_buf_status(out);
}

/* BIO_free does not wipe a memory BIO; one that held a private key in plain text is cleared
 * first. */
static void crypto_bio_free_wipe(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);

    if (n > 0 && data)
        OPENSSL_cleanse(data, (size_t)n);
    BIO_free(bio);
}

/* The first certificate in a PEM text, or NULL (with the OpenSSL queue cleared). */
static X509 *crypto_cert_parse(const char *pem)
{
    BIO *bio;
    X509 *x;

    if (!pem)
        return NULL;
    bio = crypto_pem_bio(pem, strlen(pem));
    if (!bio)
        return NULL;
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!x)
        ERR_clear_error();
    return x;
}

int kp_crypto_key_generate(kp_crypto_key **out)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    kp_crypto_key *k;

    if (!pkey)
        return crypto_fail(KP_EINTERNAL, "cannot generate an EC P-256 key");
    k = kp_malloc(sizeof(*k));
    k->pkey = pkey;
    *out = k;
    return 0;
}

void kp_crypto_key_free(kp_crypto_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

int kp_crypto_key_to_pem(kp_buf *out, const kp_crypto_key *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int rc;

    if (!bio)
        return crypto_fail(KP_EINTERNAL, "cannot allocate a memory BIO");
    if (PEM_write_bio_PKCS8PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        rc = crypto_fail(KP_EINTERNAL, "cannot encode the private key");
        goto out;
    }
    rc = crypto_bio_append(out, bio);
out:
    crypto_bio_free_wipe(bio);
    return rc;
}

int kp_crypto_key_from_pem(kp_crypto_key **out, const char *pem, size_t len)
{
    BIO *bio = crypto_pem_bio(pem, len);
    EVP_PKEY *pkey;
    kp_crypto_key *k;

    if (!bio)
        return kp_err_set(KP_EBADREQUEST, "private key PEM is larger than %d bytes",
                          CRYPTO_PEM_MAX);
    /* a NULL callback would prompt on the terminal for an encrypted key; "" fails instead */
    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
    BIO_free(bio);
    if (!pkey)
        return crypto_fail(KP_EBADREQUEST, "invalid private key PEM");
    k = kp_malloc(sizeof(*k));
    k->pkey = pkey;
    *out = k;
    return 0;
}

/* A SAN DNS name must be IA5 text; we also refuse spaces and empty names, which no client
 * could ever ask for. */
static bool crypto_dns_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static int crypto_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok;

    if (!ext)
        return crypto_fail(KP_EINTERNAL, "cannot build a certificate extension");
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (!ok)
        return crypto_fail(KP_EINTERNAL, "cannot add a certificate extension");
    return 0;
}

/* subjectAltName is built from GENERAL_NAMEs rather than a config string, so a comma or colon
 * in a host name cannot smuggle in another entry. */
static int crypto_add_san(X509 *x, const kp_crypto_cert_spec *spec)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gen = NULL;
    int rc = 0;

    if (!gens)
        return crypto_fail(KP_EINTERNAL, "cannot allocate subjectAltName");
    for (size_t i = 0; i < spec->ndns; i++) {
        ASN1_IA5STRING *ia5;
        if (!crypto_dns_ok(spec->dns[i])) {
            rc = kp_err_set(KP_EBADREQUEST, "invalid DNS name \"%s\"", spec->dns[i]);
            goto out;
        }
        ia5 = ASN1_IA5STRING_new();
        if (!ia5 || !ASN1_STRING_set(ia5, spec->dns[i], -1)) {
            ASN1_IA5STRING_free(ia5);
            rc = crypto_fail(KP_EINTERNAL, "cannot encode a DNS name");
            goto out;
        }
        gen = GENERAL_NAME_new();
        if (!gen) {
            ASN1_IA5STRING_free(ia5);
            rc = crypto_fail(KP_EINTERNAL, "cannot allocate subjectAltName");
            goto out;
        }
        GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
        if (!sk_GENERAL_NAME_push(gens, gen)) {
            rc = crypto_fail(KP_EINTERNAL, "cannot allocate subjectAltName");
            goto out;
        }
        gen = NULL;
    }
    for (size_t i = 0; i < spec->nips; i++) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(spec->ips[i]); /* v4 or v6 */
        if (!ip) {
            ERR_clear_error();
            rc = kp_err_set(KP_EBADREQUEST, "invalid IP address \"%s\"", spec->ips[i]);
            goto out;
        }
        gen = GENERAL_NAME_new();
        if (!gen) {
            ASN1_OCTET_STRING_free(ip);
            rc = crypto_fail(KP_EINTERNAL, "cannot allocate subjectAltName");
            goto out;
        }
        GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
        if (!sk_GENERAL_NAME_push(gens, gen)) {
            rc = crypto_fail(KP_EINTERNAL, "cannot allocate subjectAltName");
            goto out;
        }
        gen = NULL;
    }
    if (sk_GENERAL_NAME_num(gens) > 0 &&
        X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
        rc = crypto_fail(KP_EINTERNAL, "cannot add subjectAltName");
out:
    GENERAL_NAME_free(gen);
    GENERAL_NAMES_free(gens);
    return rc;
}

/* 16 random bytes, top bit clear so the INTEGER is positive (RFC 5280 4.1.2.2) and low bit of
 * the first byte set so it never shrinks to fewer bytes or to zero. */
static int crypto_set_serial(X509 *x)
{
    unsigned char raw[CRYPTO_SERIAL_LEN];
    BIGNUM *bn;
    int rc = 0;

    kp_crypto_random(raw, sizeof(raw));
    raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x01);
    bn = BN_bin2bn(raw, (int)sizeof(raw), NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        rc = crypto_fail(KP_EINTERNAL, "cannot set the certificate serial number");
    BN_free(bn);
    return rc;
}

static int crypto_set_subject(X509 *x, const kp_crypto_cert_spec *spec)
{
    X509_NAME *name = X509_get_subject_name(x);

    for (size_t i = 0; i < spec->norgs; i++)
        if (!X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_UTF8,
                                        (const unsigned char *)spec->orgs[i], -1, -1, 0))
            return crypto_fail(KP_EBADREQUEST, "invalid organization name");
    if (!X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                    (const unsigned char *)spec->common_name, -1, -1, 0))
        return crypto_fail(KP_EBADREQUEST, "invalid common name");
    return 0;
}

static int crypto_set_extensions(X509 *x, X509 *issuer, const kp_crypto_cert_spec *spec)
{
    X509V3_CTX ctx;
    char eku[64] = "";
    int rc;

    /* the subject key id must exist before the authority key id: for a self-signed
     * certificate OpenSSL copies it from the issuer, which is x itself */
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    if ((rc = crypto_add_ext(x, &ctx, NID_basic_constraints,
                             spec->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE")) < 0 ||
        (rc = crypto_add_ext(x, &ctx, NID_key_usage,
                             spec->is_ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                                         : "critical,digitalSignature,keyEncipherment")) < 0 ||
        (rc = crypto_add_ext(x, &ctx, NID_subject_key_identifier, "hash")) < 0 ||
        (rc = crypto_add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) < 0)
        return rc;
    if (spec->server || spec->client) {
        snprintf(eku, sizeof(eku), "%s%s%s", spec->server ? "serverAuth" : "",
                 spec->server && spec->client ? "," : "", spec->client ? "clientAuth" : "");
        if ((rc = crypto_add_ext(x, &ctx, NID_ext_key_usage, eku)) < 0)
            return rc;
    }
    return crypto_add_san(x, spec);
}

int kp_crypto_cert_issue(kp_buf *out, const kp_crypto_cert_spec *spec, const kp_crypto_key *key,
                         const char *ca_cert_pem, const kp_crypto_key *ca_key)
{
    X509 *x = NULL, *issuer = NULL;
    BIO *bio = NULL;
    int rc = 0;

    assert(spec && spec->common_name && key && ca_key);
    assert(ca_cert_pem || ca_key == key);
    if (spec->days < 0 || spec->days > 100 * 366)
        return kp_err_set(KP_EBADREQUEST, "certificate validity of %d days is out of range",
                          spec->days);
    if (ca_cert_pem) {
        if (!(issuer = crypto_cert_parse(ca_cert_pem))) {
            rc = kp_err_set(KP_EBADREQUEST, "invalid CA certificate PEM");
            goto out;
        }
        if (X509_check_private_key(issuer, ca_key->pkey) != 1) {
            ERR_clear_error();
            rc = kp_err_set(KP_EBADREQUEST, "CA key does not match the CA certificate");
            goto out;
        }
    }
    if (!(x = X509_new())) {
        rc = crypto_fail(KP_EINTERNAL, "cannot allocate a certificate");
        goto out;
    }
    if (!X509_set_version(x, 2) || !X509_set_pubkey(x, key->pkey) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), spec->days, 0, NULL)) {
        rc = crypto_fail(KP_EINTERNAL, "cannot fill in the certificate");
        goto out;
    }
    if ((rc = crypto_set_serial(x)) < 0 || (rc = crypto_set_subject(x, spec)) < 0)
        goto out;
    if (!X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x))) {
        rc = crypto_fail(KP_EINTERNAL, "cannot set the certificate issuer");
        goto out;
    }
    if ((rc = crypto_set_extensions(x, issuer ? issuer : x, spec)) < 0)
        goto out;
    if (X509_sign(x, ca_key->pkey, EVP_sha256()) <= 0) {
        rc = crypto_fail(KP_EINTERNAL, "cannot sign the certificate");
        goto out;
    }
    if (!(bio = BIO_new(BIO_s_mem())) || PEM_write_bio_X509(bio, x) != 1) {
        rc = crypto_fail(KP_EINTERNAL, "cannot encode the certificate");
        goto out;
    }
    rc = crypto_bio_append(out, bio);
out:
    BIO_free(bio);
    X509_free(x);
    X509_free(issuer);
    return rc;
}

bool kp_crypto_cert_covers(const char *cert_pem, const char *const *hosts, size_t nhosts, int days)
{
    X509 *x = crypto_cert_parse(cert_pem);
    time_t now = time(NULL), until;
    bool ok = false;

    if (!x)
        return false;
    until = now + (time_t)days * 86400;
    /* X509_cmp_time: -1 when the certificate's time is at or before the given one, 0 on a
     * malformed time */
    if (X509_cmp_time(X509_get0_notBefore(x), &now) != -1 ||
        X509_cmp_time(X509_get0_notAfter(x), &until) != 1)
        goto out;
    for (size_t i = 0; i < nhosts; i++) {
        /* -2: not an IP address, so it is a DNS name; the subject CN never counts */
        int r = X509_check_ip_asc(x, hosts[i], 0);
        if (r == -2)
            r = X509_check_host(x, hosts[i], 0,
                                X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS,
                                NULL);
        if (r != 1)
            goto out;
    }
    ok = true;
out:
    ERR_clear_error();
    X509_free(x);
    return ok;
}

bool kp_crypto_cert_matches_key(const char *cert_pem, const kp_crypto_key *key)
{
    X509 *x = crypto_cert_parse(cert_pem);
    EVP_PKEY *pub;
    bool ok;

    if (!x)
        return false;
    pub = X509_get0_pubkey(x);
    ok = pub && EVP_PKEY_eq(pub, key->pkey) == 1;
    ERR_clear_error();
    X509_free(x);
    return ok;
}

bool kp_crypto_cert_signed_by(const char *cert_pem, const char *ca_pem)
{
    X509 *x = crypto_cert_parse(cert_pem), *ca = crypto_cert_parse(ca_pem);
    EVP_PKEY *pub;
    bool ok = false;

    if (!x || !ca)
        goto out;
    /* issuer name and key identifiers first, then the signature itself */
    if (X509_check_issued(ca, x) != X509_V_OK)
        goto out;
    pub = X509_get0_pubkey(ca);
    ok = pub && X509_verify(x, pub) == 1;
out:
    ERR_clear_error();
    X509_free(x);
    X509_free(ca);
    return ok;
}

int kp_crypto_ca_new(kp_crypto_ca **out, const char *ca_pem)
{
    BIO *bio = crypto_pem_bio(ca_pem, strlen(ca_pem));
    X509_STORE *store = NULL;
    X509 *x = NULL;
    kp_crypto_ca *ca;
    int n = 0, rc = 0;

    if (!bio)
        return kp_err_set(KP_EBADREQUEST, "CA PEM is larger than %d bytes", CRYPTO_PEM_MAX);
    if (!(store = X509_STORE_new())) {
        rc = crypto_fail(KP_EINTERNAL, "cannot allocate a certificate store");
        goto out;
    }
    /* every certificate in the bundle is a trust anchor (a CA rotation may list two) */
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!X509_STORE_add_cert(store, x)) {
            rc = crypto_fail(KP_EINTERNAL, "cannot add the CA certificate to the store");
            goto out;
        }
        X509_free(x);
        x = NULL;
        n++;
    }
    ERR_clear_error(); /* the loop ends on "no start line" */
    if (n == 0) {
        rc = kp_err_set(KP_EBADREQUEST, "CA PEM holds no certificate");
        goto out;
    }
    ca = kp_malloc(sizeof(*ca));
    ca->store = store;
    ca->vc = kp_calloc(1, sizeof(*ca->vc));
    pthread_mutex_init(&ca->vc->mu, NULL);
    store = NULL;
    *out = ca;
out:
    X509_free(x);
    X509_STORE_free(store);
    BIO_free(bio);
    return rc;
}

void kp_crypto_ca_free(kp_crypto_ca *ca)
{
    if (!ca)
        return;
    X509_STORE_free(ca->store);
    if (ca->vc)
        pthread_mutex_destroy(&ca->vc->mu);
    free(ca->vc);
    free(ca);
}

static int crypto_verify_error(int err, int depth)
{
    const char *which = depth == 0 ? "client certificate" : "a certificate in the client chain";

    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return kp_err_set(KP_EUNAUTHORIZED, "%s has expired", which);
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return kp_err_set(KP_EUNAUTHORIZED, "%s is not yet valid", which);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return kp_err_set(KP_EUNAUTHORIZED, "client certificate is not signed by kplane's CA");
    case X509_V_ERR_INVALID_PURPOSE:
        return kp_err_set(KP_EUNAUTHORIZED,
                          "client certificate is not valid for client authentication");
    default:
        return kp_err_set(KP_EUNAUTHORIZED, "%s is invalid: %s", which,
                          X509_verify_cert_error_string(err));
    }
}

/* Copies one subject attribute as UTF-8. Refuses rather than truncates: a shortened or
 * NUL-cut name could be somebody else's. */
static int crypto_name_copy(char *dst, size_t cap, const X509_NAME_ENTRY *e)
{
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    int rc = 0;

    if (n < 0) {
        ERR_clear_error();
        return kp_err_set(KP_EUNAUTHORIZED, "client certificate subject is not valid text");
    }
    if ((size_t)n >= cap || memchr(utf8, '\0', (size_t)n)) {
        rc = kp_err_set(KP_EUNAUTHORIZED, "client certificate subject has an invalid name");
        goto out;
    }
    memcpy(dst, utf8, (size_t)n);
    dst[n] = '\0';
out:
    OPENSSL_free(utf8);
    return rc;
}

/* k8s: the user is the subject's CommonName, the groups its Organization values. As Go's
 * pkix.Name does, the last CN wins and the O values keep their order. */
static int crypto_subject_fill(kp_crypto_subject *out, X509 *x)
{
    const X509_NAME *name = X509_get_subject_name(x);
    int rc;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        if (nid == NID_commonName) {
            if ((rc = crypto_name_copy(out->common_name, sizeof(out->common_name), e)) < 0)
                return rc;
        } else if (nid == NID_organizationName) {
            if (out->norgs >= KP_ARRAY_LEN(out->orgs))
                return kp_err_set(KP_EUNAUTHORIZED,
                                  "client certificate has more than %zu organizations",
                                  KP_ARRAY_LEN(out->orgs));
            if ((rc = crypto_name_copy(out->orgs[out->norgs], sizeof(out->orgs[0]), e)) < 0)
                return rc;
            out->norgs++;
        }
    }
    if (!out->common_name[0])
        return kp_err_set(KP_EUNAUTHORIZED, "client certificate has no common name");
    return 0;
}

static X509 *crypto_der_parse(const void *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x;

    if (!der || len == 0 || len > CRYPTO_DER_MAX)
        return NULL;
    x = d2i_X509(NULL, &p, (long)len);
    if (x && p != (const unsigned char *)der + len) { /* trailing bytes */
        X509_free(x);
        x = NULL;
    }
    ERR_clear_error();
    return x;
}

static int64_t crypto_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* The chain's bytes, concatenated with their lengths (so splits differ); false if too long. */
static bool vcache_key(unsigned char *buf, size_t *len, uint64_t *hash, const void *const *ders,
                       const size_t *der_lens, size_t nchain)
{
    size_t n = 0;
    for (size_t i = 0; i < nchain; i++) {
        if (der_lens[i] > CA_VCACHE_DER_MAX || n + sizeof(size_t) + der_lens[i] > CA_VCACHE_DER_MAX)
            return false;
        memcpy(buf + n, &der_lens[i], sizeof(size_t));
        n += sizeof(size_t);
        memcpy(buf + n, ders[i], der_lens[i]);
        n += der_lens[i];
    }
    *len = n;
    *hash = kp_hash_bytes(KP_HASH_INIT, buf, n);
    return true;
}

static bool vcache_get(kp_crypto_subject *out, ca_vcache *vc, const unsigned char *key, size_t len,
                       uint64_t hash)
{
    ca_vslot *s = &vc->slots[hash % CA_VCACHE_SLOTS];
    bool hit;
    pthread_mutex_lock(&vc->mu);
    hit = s->until > crypto_mono_s() && s->hash == hash && s->len == len &&
          memcmp(s->der, key, len) == 0;
    if (hit)
        *out = s->subj;
    pthread_mutex_unlock(&vc->mu);
    return hit;
}

/* Seconds until the leaf's notAfter (capped by the cache's TTL); 0 if it cannot tell. */
static int64_t crypto_cert_ttl(const X509 *leaf)
{
    int days = 0, secs = 0;
    int64_t left;
    if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf))) {
        ERR_clear_error();
        return 0;
    }
    left = (int64_t)days * 86400 + secs;
    return left < 0 ? 0 : left < CA_VCACHE_TTL_S ? left : CA_VCACHE_TTL_S;
}

static void vcache_put(ca_vcache *vc, const unsigned char *key, size_t len, uint64_t hash,
                       const kp_crypto_subject *subj, int64_t ttl)
{
    ca_vslot *s = &vc->slots[hash % CA_VCACHE_SLOTS];
    if (ttl <= 0)
        return;
    pthread_mutex_lock(&vc->mu);
    s->hash = hash;
    s->len = len;
    memcpy(s->der, key, len);
    s->subj = *subj;
    s->until = crypto_mono_s() + ttl;
    pthread_mutex_unlock(&vc->mu);
}

static int crypto_ca_verify_chain(kp_crypto_subject *out, int64_t *ttl, const kp_crypto_ca *ca,
                                  const void *const *ders, const size_t *der_lens, size_t nchain);

int kp_crypto_ca_verify(kp_crypto_subject *out, const kp_crypto_ca *ca, const void *const *ders,
                        const size_t *der_lens, size_t nchain)
{
    unsigned char key[CA_VCACHE_DER_MAX];
    size_t len = 0;
    uint64_t hash = 0;
    int64_t ttl = 0;
    bool cacheable;
    int rc;

    if (nchain == 0)
        return kp_err_set(KP_EUNAUTHORIZED, "no client certificate");
    if (nchain > CRYPTO_CHAIN_MAX)
        return kp_err_set(KP_EUNAUTHORIZED, "client certificate chain is longer than %d",
                          CRYPTO_CHAIN_MAX);
    cacheable = ca->vc && vcache_key(key, &len, &hash, ders, der_lens, nchain);
    if (cacheable && vcache_get(out, ca->vc, key, len, hash))
        return 0;
    rc = crypto_ca_verify_chain(out, &ttl, ca, ders, der_lens, nchain);
    if (rc == 0 && cacheable)
        vcache_put(ca->vc, key, len, hash, out, ttl);
    return rc;
}

static int crypto_ca_verify_chain(kp_crypto_subject *out, int64_t *ttl, const kp_crypto_ca *ca,
                                  const void *const *ders, const size_t *der_lens, size_t nchain)
{
    X509 *leaf = NULL;
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE_CTX *ctx = NULL;
    kp_crypto_subject subj;
    int rc = 0;

    if (!(leaf = crypto_der_parse(ders[0], der_lens[0]))) {
        rc = kp_err_set(KP_EUNAUTHORIZED, "client certificate is malformed");
        goto out;
    }
    if (!(untrusted = sk_X509_new_null())) {
        rc = crypto_fail(KP_EINTERNAL, "cannot allocate a certificate chain");
        goto out;
    }
    for (size_t i = 1; i < nchain; i++) {
        X509 *x = crypto_der_parse(ders[i], der_lens[i]);
        if (!x) {
            rc = kp_err_set(KP_EUNAUTHORIZED, "certificate %zu of the client chain is malformed",
                            i + 1);
            goto out;
        }
        if (!sk_X509_push(untrusted, x)) {
            X509_free(x);
            rc = crypto_fail(KP_EINTERNAL, "cannot allocate a certificate chain");
            goto out;
        }
    }
    /* a fresh context per call: the shared store is only read, so threads may verify at once */
    if (!(ctx = X509_STORE_CTX_new()) || !X509_STORE_CTX_init(ctx, ca->store, leaf, untrusted) ||
        !X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT)) {
        rc = crypto_fail(KP_EINTERNAL, "cannot set up certificate verification");
        goto out;
    }
    if (X509_verify_cert(ctx) != 1) {
        rc =
            crypto_verify_error(X509_STORE_CTX_get_error(ctx), X509_STORE_CTX_get_error_depth(ctx));
        ERR_clear_error();
        goto out;
    }
    /* the SSL-client purpose lets a leaf without extendedKeyUsage through; kplane issues
     * clientAuth explicitly, so anything else (a serving certificate, the CA) is refused */
    if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
        !(X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT)) {
        rc = kp_err_set(KP_EUNAUTHORIZED,
                        "client certificate is not valid for client authentication");
        goto out;
    }
    if ((rc = crypto_subject_fill(&subj, leaf)) < 0)
        goto out;
    *out = subj;
    *ttl = crypto_cert_ttl(leaf);
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    return rc;
}

void kp_crypto_sha256(uint8_t out[32], const void *p, size_t len)
{
    unsigned int n = 0;
    static const uint8_t empty;

    if (EVP_Digest(p ? p : &empty, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        KP_LOG_ERROR("crypto", "SHA-256 failed");
        abort();
    }
}

void kp_crypto_hmac_sha256(uint8_t out[32], const void *key, size_t key_len, const void *p,
                           size_t len)
{
    static const uint8_t empty;
    size_t n = 0;

    /* NULL means "no key" to some OpenSSL MAC paths; a zero-length key is a valid HMAC key */
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key ? key : &empty, key_len, p ? p : &empty,
                   len, out, 32, &n) ||
        n != 32) {
        KP_LOG_ERROR("crypto", "HMAC-SHA-256 failed");
        abort();
    }
}

bool kp_crypto_equal(const void *a, const void *b, size_t len)
{
    return len == 0 || CRYPTO_memcmp(a, b, len) == 0;
}

static void crypto_rand_bytes(unsigned char *p, size_t len)
{
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(p, n) != 1) {
            KP_LOG_ERROR("crypto", "the system random number generator failed");
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Small requests (uids, token ids) are served from a per-thread block of the same generator's
 * output, refilled 512 bytes at a time: one RAND_bytes call (and its locks) per 32 uids. Each
 * byte is handed out once and wiped as it goes. */
#define CRYPTO_RAND_POOL 512

void kp_crypto_random(void *out, size_t len)
{
    static _Thread_local unsigned char pool[CRYPTO_RAND_POOL];
    static _Thread_local size_t left;
    unsigned char *p = out;

    if (len > CRYPTO_RAND_POOL / 4) {
        crypto_rand_bytes(p, len);
        return;
    }
    if (left < len) {
        crypto_rand_bytes(pool, sizeof(pool));
        left = sizeof(pool);
    }
    memcpy(p, pool + sizeof(pool) - left, len);
    OPENSSL_cleanse(pool + sizeof(pool) - left, len);
    left -= len;
}

void kp_crypto_fingerprint(char out[17], const void *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t sum[32];

    kp_crypto_sha256(sum, p, len);
    for (size_t i = 0; i < 8; i++) {
        out[2 * i] = hex[sum[i] >> 4];
        out[2 * i + 1] = hex[sum[i] & 0xf];
    }
    out[16] = '\0';
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* One encoder for both alphabets: standard base64 pads with '=', base64url (JWS) does not. */
static void b64_encode(kp_buf *out, const void *p, size_t len, const char *alphabet, bool pad)
{
    const uint8_t *s = p;
    char block[256];
    size_t n = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        size_t left = len - i;
        if (left > 1)
            v |= (uint32_t)s[i + 1] << 8;
        if (left > 2)
            v |= s[i + 2];
        block[n++] = alphabet[(v >> 18) & 63];
        block[n++] = alphabet[(v >> 12) & 63];
        if (left > 1)
            block[n++] = alphabet[(v >> 6) & 63];
        else if (pad)
            block[n++] = '=';
        if (left > 2)
            block[n++] = alphabet[v & 63];
        else if (pad)
            block[n++] = '=';
        if (n > sizeof(block) - 4) {
            kp_buf_put(out, block, n);
            n = 0;
        }
    }
    kp_buf_put(out, block, n);
}

void kp_crypto_base64_encode(kp_buf *out, const void *p, size_t len)
{
    b64_encode(out, p, len, b64_std, true);
}

/* The 6-bit value of c, or -1. *alphabet records which alphabet the input uses (1 standard,
 * 2 URL-safe) so a string mixing both is refused. */
static int b64_value(unsigned char c, int *alphabet)
{
    int want = 0, v;

    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '/') {
        want = 1;
        v = c == '+' ? 62 : 63;
    } else if (c == '-' || c == '_') {
        want = 2;
        v = c == '-' ? 62 : 63;
    } else {
        return -1;
    }
    if (*alphabet && *alphabet != want)
        return -1;
    *alphabet = want;
    return v;
}

int kp_crypto_base64_decode(kp_buf *out, const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t n = len, pad;
    uint8_t block[192];
    size_t bn = 0;
    uint32_t acc = 0;
    int bits = 0, alphabet = 0;

    while (n > 0 && s[n - 1] == '=' && len - n < 2)
        n--;
    pad = len - n;
    /* unpadded: any length but 4k+1; padded: exactly the missing characters, total 4k */
    if (n % 4 == 1 || (pad && (len % 4 != 0 || pad != (4 - n % 4) % 4)))
        return kp_err_set(KP_EBADREQUEST, "invalid base64 data: bad length or padding");
    for (size_t i = 0; i < n; i++)
        if (b64_value(s[i], &alphabet) < 0)
            return kp_err_set(KP_EBADREQUEST, "invalid base64 data: bad character at offset %zu",
                              i);
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 6) | (uint32_t)b64_value(s[i], &alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            block[bn++] = (uint8_t)(acc >> bits);
            if (bn == sizeof(block)) {
                kp_buf_put(out, block, bn);
                bn = 0;
            }
        }
    }
    kp_buf_put(out, block, bn);
    return kp_buf_status(out);
}

/* ---- JWS signatures and JWK public keys (RFC 7515, 7517, 7518) ---- */

/* RFC 7518 3.3 requires 2048 bits at least; past 8192 bits a hostile JWKS would only buy
 * itself slow verifications. */
#define CRYPTO_RSA_BITS_MIN 2048
#define CRYPTO_RSA_BITS_MAX 8192
#define CRYPTO_RSA_E_MAX_BYTES 8
/* base64url text of one JWK member: an 8192-bit modulus is 1366 characters */
#define CRYPTO_JWK_MEMBER_MAX 2048

typedef struct {
    kp_crypto_sig_alg alg;
    const char *name;      /* JWS "alg" */
    int curve_nid;         /* ES*: the curve; NID_undef for RSA */
    const char *curve_jwk; /* ES*: JWK "crv" */
    const char *curve_ossl;
    size_t field;              /* ES*: bytes of R, of S, of x and of y */
    const EVP_MD *(*md)(void); /* digest */
    bool pss;                  /* RSASSA-PSS rather than PKCS#1 v1.5 */
} crypto_sig_info;

static const crypto_sig_info crypto_sigs[] = {
    {KP_CRYPTO_SIG_ES256, "ES256", NID_X9_62_prime256v1, "P-256", "prime256v1", 32, EVP_sha256,
     false},
    {KP_CRYPTO_SIG_ES384, "ES384", NID_secp384r1, "P-384", "secp384r1", 48, EVP_sha384, false},
    {KP_CRYPTO_SIG_RS256, "RS256", NID_undef, NULL, NULL, 0, EVP_sha256, false},
    {KP_CRYPTO_SIG_RS384, "RS384", NID_undef, NULL, NULL, 0, EVP_sha384, false},
    {KP_CRYPTO_SIG_RS512, "RS512", NID_undef, NULL, NULL, 0, EVP_sha512, false},
    {KP_CRYPTO_SIG_PS256, "PS256", NID_undef, NULL, NULL, 0, EVP_sha256, true},
};

static const crypto_sig_info *crypto_sig_find(kp_crypto_sig_alg alg)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(crypto_sigs); i++)
        if (crypto_sigs[i].alg == alg)
            return &crypto_sigs[i];
    return NULL;
}

const char *kp_crypto_sig_alg_name(kp_crypto_sig_alg alg)
{
    const crypto_sig_info *si = crypto_sig_find(alg);
    return si ? si->name : NULL;
}

kp_crypto_sig_alg kp_crypto_sig_alg_from_name(kp_sv name)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(crypto_sigs); i++)
        if (kp_sv_eq_str(name, crypto_sigs[i].name))
            return crypto_sigs[i].alg;
    return KP_CRYPTO_SIG_NONE;
}

/* The NID of an EC key's curve, or NID_undef. */
static int crypto_ec_nid(const EVP_PKEY *pkey)
{
    char name[64];
    size_t n = 0;
    int nid;

    if (!EVP_PKEY_is_a(pkey, "EC") || EVP_PKEY_get_group_name(pkey, name, sizeof(name), &n) != 1) {
        ERR_clear_error();
        return NID_undef;
    }
    nid = OBJ_txt2nid(name);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
    ERR_clear_error();
    return nid;
}

bool kp_crypto_key_fits(const kp_crypto_key *k, kp_crypto_sig_alg alg)
{
    const crypto_sig_info *si = crypto_sig_find(alg);
    int bits;

    if (!si || !k || !k->pkey)
        return false;
    if (si->curve_nid != NID_undef)
        return crypto_ec_nid(k->pkey) == si->curve_nid;
    /* "RSA" only: an RSA-PSS-restricted key is not what a JWK describes */
    if (!EVP_PKEY_is_a(k->pkey, "RSA"))
        return false;
    bits = EVP_PKEY_get_bits(k->pkey);
    return bits >= CRYPTO_RSA_BITS_MIN && bits <= CRYPTO_RSA_BITS_MAX;
}

kp_crypto_sig_alg kp_crypto_key_default_alg(const kp_crypto_key *k)
{
    static const kp_crypto_sig_alg order[] = {KP_CRYPTO_SIG_ES256, KP_CRYPTO_SIG_ES384,
                                              KP_CRYPTO_SIG_RS256};

    for (size_t i = 0; i < KP_ARRAY_LEN(order); i++)
        if (kp_crypto_key_fits(k, order[i]))
            return order[i];
    return KP_CRYPTO_SIG_NONE;
}

int kp_crypto_key_generate_for(kp_crypto_key **out, kp_crypto_sig_alg alg)
{
    const crypto_sig_info *si = crypto_sig_find(alg);
    EVP_PKEY *pkey;
    kp_crypto_key *k;

    if (!si)
        return kp_err_set(KP_EBADREQUEST, "no key type for signature algorithm %d", (int)alg);
    if (si->curve_nid != NID_undef)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", si->curve_ossl);
    else
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)CRYPTO_RSA_BITS_MIN);
    if (!pkey)
        return crypto_fail(KP_EINTERNAL, "cannot generate a key");
    k = kp_malloc(sizeof(*k));
    k->pkey = pkey;
    *out = k;
    return 0;
}

int kp_crypto_key_public(kp_crypto_key **out, const kp_crypto_key *k)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    EVP_PKEY *pub;
    kp_crypto_key *pk;
    int n = i2d_PUBKEY(k->pkey, &der);

    if (n <= 0)
        return crypto_fail(KP_EINTERNAL, "cannot encode the public key");
    p = der;
    pub = d2i_PUBKEY(NULL, &p, n);
    OPENSSL_free(der);
    if (!pub)
        return crypto_fail(KP_EINTERNAL, "cannot decode the public key");
    pk = kp_malloc(sizeof(*pk));
    pk->pkey = pub;
    *out = pk;
    return 0;
}

/* A digest-sign or digest-verify context for si over pkey, PSS parameters set (RFC 7518 3.5:
 * MGF1 with the same hash; the salt as long as the hash when signing, any length accepted when
 * verifying, as go-jose does). */
static EVP_MD_CTX *crypto_sig_ctx(const crypto_sig_info *si, EVP_PKEY *pkey, bool sign)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    if (!md)
        return NULL;
    ok = sign ? EVP_DigestSignInit(md, &pctx, si->md(), NULL, pkey)
              : EVP_DigestVerifyInit(md, &pctx, si->md(), NULL, pkey);
    if (ok == 1 && si->pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sign ? RSA_PSS_SALTLEN_DIGEST
                                                         : RSA_PSS_SALTLEN_AUTO) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, si->md()) > 0;
    if (ok != 1) {
        EVP_MD_CTX_free(md);
        return NULL;
    }
    return md;
}

int kp_crypto_sign(kp_buf *out, const kp_crypto_key *k, kp_crypto_sig_alg alg, const void *data,
                   size_t len)
{
    static const uint8_t empty;
    const crypto_sig_info *si = crypto_sig_find(alg);
    EVP_MD_CTX *md = NULL;
    ECDSA_SIG *es = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    int rc = 0;

    if (!si || !kp_crypto_key_fits(k, alg))
        return kp_err_set(KP_EBADREQUEST, "key cannot sign with %s",
                          si ? si->name : "this algorithm");
    if (!(md = crypto_sig_ctx(si, k->pkey, true))) {
        rc = crypto_fail(KP_EINTERNAL, "cannot set up signing");
        goto out;
    }
    if (EVP_DigestSign(md, NULL, &sig_len, data ? data : &empty, len) != 1) {
        rc = crypto_fail(KP_EINTERNAL, "cannot sign");
        goto out;
    }
    sig = kp_malloc(sig_len);
    if (EVP_DigestSign(md, sig, &sig_len, data ? data : &empty, len) != 1) {
        rc = crypto_fail(KP_EINTERNAL, "cannot sign");
        goto out;
    }
    if (si->curve_nid != NID_undef) {
        /* RFC 7518 3.4: R and S as fixed-size big-endian octets, not OpenSSL's DER */
        const unsigned char *p = sig;
        uint8_t raw[2 * 66];
        const BIGNUM *r, *s;

        if (!(es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len))) {
            rc = crypto_fail(KP_EINTERNAL, "cannot decode the ECDSA signature");
            goto out;
        }
        ECDSA_SIG_get0(es, &r, &s);
        if (BN_bn2binpad(r, raw, (int)si->field) < 0 ||
            BN_bn2binpad(s, raw + si->field, (int)si->field) < 0) {
            rc = kp_err_set(KP_EINTERNAL, "ECDSA signature does not fit the curve");
            goto out;
        }
        kp_buf_put(out, raw, 2 * si->field);
    } else {
        kp_buf_put(out, sig, sig_len);
    }
    rc = kp_buf_status(out);
out:
    ECDSA_SIG_free(es);
    free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}

/* DER for a raw R||S ECDSA signature of field-byte halves; *der_out is OPENSSL_free'd. */
static int crypto_ecdsa_der(unsigned char **der_out, const uint8_t *raw, size_t field)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)field, NULL);
    BIGNUM *s = BN_bin2bn(raw + field, (int)field, NULL);
    int n = -1;

    if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL; /* es owns them now */
        n = i2d_ECDSA_SIG(es, der_out);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return n;
}

int kp_crypto_verify(const kp_crypto_key *k, kp_crypto_sig_alg alg, const void *data, size_t len,
                     const void *sig, size_t sig_len)
{
    static const uint8_t empty;
    const crypto_sig_info *si = crypto_sig_find(alg);
    EVP_MD_CTX *md = NULL;
    unsigned char *der = NULL;
    const unsigned char *check = sig;
    size_t check_len = sig_len;
    bool valid = false;
    int rc = 0;

    if (!si || !kp_crypto_key_fits(k, alg))
        return kp_err_set(KP_EUNAUTHORIZED, "key does not fit the signature algorithm");
    if (si->curve_nid != NID_undef) {
        int n;
        if (sig_len != 2 * si->field)
            goto out;
        if ((n = crypto_ecdsa_der(&der, sig, si->field)) <= 0) {
            rc = crypto_fail(KP_EINTERNAL, "cannot encode the ECDSA signature");
            goto out;
        }
        check = der;
        check_len = (size_t)n;
    } else if (sig_len != (size_t)EVP_PKEY_get_size(k->pkey)) {
        goto out; /* RSA signatures are exactly as long as the modulus */
    }
    if (!(md = crypto_sig_ctx(si, k->pkey, false))) {
        rc = crypto_fail(KP_EINTERNAL, "cannot set up signature verification");
        goto out;
    }
    /* 1 is a valid signature; 0 and negative values both mean it is not */
    valid = EVP_DigestVerify(md, check, check_len, data ? data : &empty, len) == 1;
out:
    if (rc == 0 && !valid)
        rc = kp_err_set(KP_EUNAUTHORIZED, "signature is invalid");
    ERR_clear_error();
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    return rc;
}

/* Decodes one base64url JWK member into out (whose cap bounds the value). */
static int crypto_jwk_decode(kp_buf *out, kp_sv text, const char *member)
{
    if (text.len == 0 || text.len > CRYPTO_JWK_MEMBER_MAX ||
        kp_crypto_base64_decode(out, text.p, text.len) < 0 || out->len == 0)
        return kp_err_set(KP_EBADREQUEST,
                          "JWK member \"%s\" is not valid base64url of the "
                          "right size",
                          member);
    return 0;
}

/* A public key from OSSL_PARAMs via EVP_PKEY_fromdata; NULL (OpenSSL queue cleared) when the
 * parameters do not make a key. */
static EVP_PKEY *crypto_pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

int kp_crypto_key_from_jwk_rsa(kp_crypto_key **out, kp_sv n, kp_sv e)
{
    kp_buf nb = KP_BUF_INIT(CRYPTO_RSA_BITS_MAX / 8 + 1), eb = KP_BUF_INIT(CRYPTO_RSA_E_MAX_BYTES);
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;
    kp_crypto_key *k;
    int rc, bits;

    if ((rc = crypto_jwk_decode(&nb, n, "n")) < 0 || (rc = crypto_jwk_decode(&eb, e, "e")) < 0)
        goto out;
    if (!(bn_n = BN_bin2bn((const unsigned char *)nb.p, (int)nb.len, NULL)) ||
        !(bn_e = BN_bin2bn((const unsigned char *)eb.p, (int)eb.len, NULL))) {
        rc = crypto_fail(KP_EINTERNAL, "cannot allocate a big number");
        goto out;
    }
    bits = BN_num_bits(bn_n);
    if (bits < CRYPTO_RSA_BITS_MIN || bits > CRYPTO_RSA_BITS_MAX) {
        rc = kp_err_set(KP_EBADREQUEST, "RSA key of %d bits is outside %d to %d bits", bits,
                        CRYPTO_RSA_BITS_MIN, CRYPTO_RSA_BITS_MAX);
        goto out;
    }
    if (!BN_is_odd(bn_e) || BN_is_one(bn_e)) {
        rc = kp_err_set(KP_EBADREQUEST, "RSA public exponent is not an odd number above 1");
        goto out;
    }
    if (!BN_is_odd(bn_n)) {
        rc = kp_err_set(KP_EBADREQUEST, "RSA modulus is even");
        goto out;
    }
    if (!(bld = OSSL_PARAM_BLD_new()) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
        rc = crypto_fail(KP_EINTERNAL, "cannot build RSA key parameters");
        goto out;
    }
    if (!(pkey = crypto_pkey_fromdata("RSA", bld))) {
        rc = kp_err_set(KP_EBADREQUEST, "JWK does not describe a valid RSA public key");
        goto out;
    }
    k = kp_malloc(sizeof(*k));
    k->pkey = pkey;
    pkey = NULL;
    *out = k;
out:
    EVP_PKEY_free(pkey);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    kp_buf_dispose(&nb);
    kp_buf_dispose(&eb);
    return rc;
}

int kp_crypto_key_from_jwk_ec(kp_crypto_key **out, kp_sv crv, kp_sv x, kp_sv y)
{
    const crypto_sig_info *si = NULL;
    kp_buf xb = KP_BUF_INIT(66), yb = KP_BUF_INIT(66);
    uint8_t point[1 + 2 * 66];
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *check = NULL;
    kp_crypto_key *k;
    int rc;

    for (size_t i = 0; i < KP_ARRAY_LEN(crypto_sigs); i++)
        if (crypto_sigs[i].curve_jwk && kp_sv_eq_str(crv, crypto_sigs[i].curve_jwk))
            si = &crypto_sigs[i];
    if (!si)
        return kp_err_set(KP_EBADREQUEST, "JWK curve is not supported (P-256 and P-384 are)");
    if ((rc = crypto_jwk_decode(&xb, x, "x")) < 0 || (rc = crypto_jwk_decode(&yb, y, "y")) < 0)
        goto out;
    /* RFC 7518 6.2.1.2: the full field length, leading zeros kept */
    if (xb.len != si->field || yb.len != si->field) {
        rc = kp_err_set(KP_EBADREQUEST, "JWK coordinates of a %s key must be %zu bytes",
                        si->curve_jwk, si->field);
        goto out;
    }
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, xb.p, si->field);
    memcpy(point + 1 + si->field, yb.p, si->field);
    if (!(bld = OSSL_PARAM_BLD_new()) ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, si->curve_ossl, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * si->field)) {
        rc = crypto_fail(KP_EINTERNAL, "cannot build EC key parameters");
        goto out;
    }
    /* an off-curve point invites invalid-curve attacks: decoding refuses it, and the public
     * key check stays as a second line */
    if (!(pkey = crypto_pkey_fromdata("EC", bld)) ||
        !(check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
        EVP_PKEY_public_check(check) != 1) {
        ERR_clear_error();
        rc = kp_err_set(KP_EBADREQUEST, "JWK point is not on the %s curve", si->curve_jwk);
        goto out;
    }
    k = kp_malloc(sizeof(*k));
    k->pkey = pkey;
    pkey = NULL;
    *out = k;
out:
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_free(pkey);
    OSSL_PARAM_BLD_free(bld);
    kp_buf_dispose(&xb);
    kp_buf_dispose(&yb);
    return rc;
}

int kp_crypto_key_id(kp_buf *out, const kp_crypto_key *k)
{
    unsigned char *der = NULL;
    uint8_t sum[32];
    int n = i2d_PUBKEY(k->pkey, &der);

    if (n <= 0)
        return crypto_fail(KP_EINTERNAL, "cannot encode the public key");
    kp_crypto_sha256(sum, der, (size_t)n);
    OPENSSL_free(der);
    kp_crypto_base64url_encode(out, sum, sizeof(sum));
    return kp_buf_status(out);
}

/* Sets key to the base64url of a big number, padded to pad bytes (0: minimal, at least 1). */
static int crypto_jwk_set_bn(json_t *jwk, const char *key, const BIGNUM *bn, size_t pad)
{
    uint8_t raw[CRYPTO_RSA_BITS_MAX / 8];
    kp_buf b = KP_BUF_INIT(2 * sizeof(raw));
    int n, rc = 0;

    if (pad > sizeof(raw) || BN_num_bytes(bn) > (int)sizeof(raw))
        return kp_err_set(KP_EINTERNAL, "number too large for a JWK");
    n = pad ? BN_bn2binpad(bn, raw, (int)pad) : BN_bn2bin(bn, raw);
    if (n < 0)
        return kp_err_set(KP_EINTERNAL, "number too large for a JWK");
    if (n == 0) { /* zero: one 0 octet */
        raw[0] = 0;
        n = 1;
    }
    kp_crypto_base64url_encode(&b, raw, (size_t)n);
    if ((rc = kp_buf_status(&b)) == 0 && json_object_set_new(jwk, key, json_string(b.p)) < 0)
        rc = kp_err_set(KP_EINTERNAL, "cannot build the JWK");
    kp_buf_dispose(&b);
    return rc;
}

/* Reads a BIGNUM parameter of pkey into *out (owned, BN_free). */
static int crypto_get_bn(BIGNUM **out, const EVP_PKEY *pkey, const char *param)
{
    *out = NULL;
    if (EVP_PKEY_get_bn_param(pkey, param, out) != 1)
        return crypto_fail(KP_EINTERNAL, "cannot read a public key parameter");
    return 0;
}

int kp_crypto_key_to_jwk(json_t **out, const kp_crypto_key *k, const char *kid)
{
    const crypto_sig_info *si = crypto_sig_find(kp_crypto_key_default_alg(k));
    kp_buf kb = KP_BUF_INIT(256);
    json_t *jwk = json_object(), *kid_v;
    BIGNUM *a = NULL, *b = NULL;
    int rc;

    if (!si) {
        rc = kp_err_set(KP_EBADREQUEST, "key type cannot be published as a JWK");
        goto out;
    }
    if (!kid) {
        if ((rc = kp_crypto_key_id(&kb, k)) < 0)
            goto out;
        kid = kb.p;
    }
    if (!(kid_v = json_string(kid))) {
        rc = kp_err_set(KP_EBADREQUEST, "key id is not valid UTF-8");
        goto out;
    }
    /* go-jose's member order, so /openid/v1/jwks reads as Kubernetes' does */
    json_object_set_new(jwk, "use", json_string("sig"));
    json_object_set_new(jwk, "kty", json_string(si->curve_jwk ? "EC" : "RSA"));
    json_object_set_new(jwk, "kid", kid_v);
    if (si->curve_jwk) {
        json_object_set_new(jwk, "crv", json_string(si->curve_jwk));
        json_object_set_new(jwk, "alg", json_string(si->name));
        if ((rc = crypto_get_bn(&a, k->pkey, OSSL_PKEY_PARAM_EC_PUB_X)) < 0 ||
            (rc = crypto_get_bn(&b, k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y)) < 0 ||
            (rc = crypto_jwk_set_bn(jwk, "x", a, si->field)) < 0 ||
            (rc = crypto_jwk_set_bn(jwk, "y", b, si->field)) < 0)
            goto out;
    } else {
        json_object_set_new(jwk, "alg", json_string(si->name));
        if ((rc = crypto_get_bn(&a, k->pkey, OSSL_PKEY_PARAM_RSA_N)) < 0 ||
            (rc = crypto_get_bn(&b, k->pkey, OSSL_PKEY_PARAM_RSA_E)) < 0 ||
            (rc = crypto_jwk_set_bn(jwk, "n", a, 0)) < 0 ||
            (rc = crypto_jwk_set_bn(jwk, "e", b, 0)) < 0)
            goto out;
    }
    *out = jwk;
    jwk = NULL;
out:
    BN_free(a);
    BN_free(b);
    json_decref(jwk);
    kp_buf_dispose(&kb);
    return rc;
}

static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void kp_crypto_base64url_encode(kp_buf *out, const void *p, size_t len)
{
    b64_encode(out, p, len, b64_url, false);
}
