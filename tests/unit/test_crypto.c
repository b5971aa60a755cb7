#include "lib/common.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "tests/support/testlib.h"

#include <pthread.h>

/* A CA with its key and PEM, shared by the certificate tests. */
typedef struct {
    kp_crypto_key *key;
    char *pem;
} test_ca;

static void ca_make(test_ca *ca, const char *cn)
{
    kp_crypto_cert_spec spec = {0};
    kp_buf b = KP_BUF_INIT(1 << 20);

    spec.common_name = cn;
    spec.is_ca = true;
    spec.days = 3650;
    assert_int_equal(kp_crypto_key_generate(&ca->key), 0);
    assert_int_equal(kp_crypto_cert_issue(&b, &spec, ca->key, NULL, ca->key), 0);
    ca->pem = kp_buf_take(&b, NULL);
}

static void ca_dispose(test_ca *ca)
{
    kp_crypto_key_free(ca->key);
    free(ca->pem);
}

/* Issues a leaf signed by ca; the key goes to *key_out when it is not NULL. */
static char *leaf_issue(const kp_crypto_cert_spec *spec, const test_ca *ca, kp_crypto_key **key_out)
{
    kp_crypto_key *key = NULL;
    kp_buf b = KP_BUF_INIT(1 << 20);

    assert_int_equal(kp_crypto_key_generate(&key), 0);
    assert_int_equal(kp_crypto_cert_issue(&b, spec, key, ca->pem, ca->key), 0);
    if (key_out)
        *key_out = key;
    else
        kp_crypto_key_free(key);
    return kp_buf_take(&b, NULL);
}

static char *client_issue(const test_ca *ca, const char *cn, const char *const *orgs, size_t norgs,
                          int days)
{
    kp_crypto_cert_spec spec = {0};

    spec.common_name = cn;
    spec.orgs = orgs;
    spec.norgs = norgs;
    spec.client = true;
    spec.days = days;
    return leaf_issue(&spec, ca, NULL);
}

/* The DER bytes of the first certificate in pem, as a TLS library hands them to us. */
static void pem_to_der(kp_buf *der, const char *pem)
{
    const char *begin = strstr(pem, "-----BEGIN CERTIFICATE-----");
    const char *end = strstr(pem, "-----END CERTIFICATE-----");
    kp_buf b64 = KP_BUF_INIT(1 << 20);

    assert_non_null(begin);
    assert_non_null(end);
    for (const char *s = begin + strlen("-----BEGIN CERTIFICATE-----"); s < end; s++)
        if (*s != '\n' && *s != '\r')
            kp_buf_putc(&b64, *s);
    assert_int_equal(kp_crypto_base64_decode(der, b64.p, b64.len), 0);
    kp_buf_dispose(&b64);
}

/* Verifies a chain of PEM certificates (leaf first) against ca. */
static int verify_pems(kp_crypto_subject *subj, const kp_crypto_ca *ca, const char *const *pems,
                       size_t n)
{
    kp_buf der[4];
    const void *ders[4];
    size_t lens[4];
    int rc;

    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++) {
        kp_buf_init(&der[i], 1 << 20);
        pem_to_der(&der[i], pems[i]);
        ders[i] = der[i].p;
        lens[i] = der[i].len;
    }
    rc = kp_crypto_ca_verify(subj, ca, ders, lens, n);
    for (size_t i = 0; i < n; i++)
        kp_buf_dispose(&der[i]);
    return rc;
}

static int verify_pem(kp_crypto_subject *subj, const kp_crypto_ca *ca, const char *pem)
{
    return verify_pems(subj, ca, &pem, 1);
}

static void test_key_pem_round_trip_keeps_the_key(void **state)
{
    kp_crypto_key *key = NULL, *back = NULL, *other = NULL;
    kp_buf pem = KP_BUF_INIT(1 << 20);
    test_ca ca;
    char *cert;
    kp_crypto_cert_spec spec = {0};
    (void)state;

    ca_make(&ca, "test-ca");
    spec.common_name = "keyholder";
    spec.client = true;
    spec.days = 1;
    cert = leaf_issue(&spec, &ca, &key);

    assert_int_equal(kp_crypto_key_to_pem(&pem, key), 0);
    assert_non_null(strstr(pem.p, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
    assert_int_equal(kp_crypto_key_from_pem(&back, pem.p, pem.len), 0);
    assert_true(kp_crypto_cert_matches_key(cert, key));
    assert_true(kp_crypto_cert_matches_key(cert, back));

    assert_int_equal(kp_crypto_key_generate(&other), 0);
    assert_false(kp_crypto_cert_matches_key(cert, other));
    assert_false(kp_crypto_cert_matches_key("not a certificate", key));

    kp_crypto_key_free(back);
    kp_crypto_key_free(other);
    kp_crypto_key_free(key);
    kp_buf_dispose(&pem);
    free(cert);
    ca_dispose(&ca);
}

static void test_key_from_pem_rejects_garbage(void **state)
{
    kp_crypto_key *key = NULL;
    static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    (void)state;

    assert_int_equal(kp_crypto_key_from_pem(&key, junk, strlen(junk)), KP_EBADREQUEST);
    assert_null(key);
    assert_int_equal(kp_crypto_key_from_pem(&key, "hello", 5), KP_EBADREQUEST);
    assert_null(key);
}

static void test_issue_ca_server_and_client_chain_to_the_ca(void **state)
{
    static const char *const dns[] = {"localhost", "kplane.example.com"};
    static const char *const ips[] = {"127.0.0.1", "::1", "10.1.2.3"};
    kp_crypto_cert_spec spec = {0};
    test_ca ca, other;
    char *server, *client;
    (void)state;

    ca_make(&ca, "test-ca");
    ca_make(&other, "other-ca");
    assert_non_null(strstr(ca.pem, "-----BEGIN CERTIFICATE-----"));
    assert_true(kp_crypto_cert_matches_key(ca.pem, ca.key));
    assert_true(kp_crypto_cert_signed_by(ca.pem, ca.pem)); /* self-signed */

    spec.common_name = "kplane";
    spec.dns = dns;
    spec.ndns = KP_ARRAY_LEN(dns);
    spec.ips = ips;
    spec.nips = KP_ARRAY_LEN(ips);
    spec.server = true;
    spec.days = 365;
    server = leaf_issue(&spec, &ca, NULL);
    client = client_issue(&ca, "alice", NULL, 0, 365);

    assert_true(kp_crypto_cert_signed_by(server, ca.pem));
    assert_true(kp_crypto_cert_signed_by(client, ca.pem));
    assert_false(kp_crypto_cert_signed_by(server, other.pem));
    assert_false(kp_crypto_cert_signed_by(client, other.pem));
    assert_false(kp_crypto_cert_signed_by(server, client));
    assert_false(kp_crypto_cert_signed_by("junk", ca.pem));

    free(server);
    free(client);
    ca_dispose(&ca);
    ca_dispose(&other);
}

static void test_issue_with_a_foreign_ca_key_fails(void **state)
{
    kp_crypto_cert_spec spec = {0};
    kp_buf b = KP_BUF_INIT(1 << 20);
    kp_crypto_key *key = NULL;
    test_ca ca, other;
    (void)state;

    ca_make(&ca, "test-ca");
    ca_make(&other, "other-ca");
    spec.common_name = "x";
    spec.client = true;
    spec.days = 1;
    assert_int_equal(kp_crypto_key_generate(&key), 0);
    assert_int_equal(kp_crypto_cert_issue(&b, &spec, key, ca.pem, other.key), KP_EBADREQUEST);
    assert_int_equal(b.len, 0);

    /* a bad SAN IP is the caller's mistake, reported by name */
    static const char *const bad_ips[] = {"300.1.1.1"};
    spec.ips = bad_ips;
    spec.nips = 1;
    assert_int_equal(kp_crypto_cert_issue(&b, &spec, key, ca.pem, ca.key), KP_EBADREQUEST);
    assert_non_null(strstr(kp_err_msg(), "300.1.1.1"));
    assert_int_equal(b.len, 0);

    kp_crypto_key_free(key);
    kp_buf_dispose(&b);
    ca_dispose(&ca);
    ca_dispose(&other);
}

static void test_cert_covers_listed_hosts_only(void **state)
{
    static const char *const dns[] = {"localhost", "kplane.example.com"};
    static const char *const ips[] = {"127.0.0.1", "::1", "fd00::10"};
    kp_crypto_cert_spec spec = {0};
    test_ca ca;
    char *server;
    (void)state;

    ca_make(&ca, "test-ca");
    spec.common_name = "kplane-cn-only";
    spec.dns = dns;
    spec.ndns = KP_ARRAY_LEN(dns);
    spec.ips = ips;
    spec.nips = KP_ARRAY_LEN(ips);
    spec.server = true;
    spec.days = 365;
    server = leaf_issue(&spec, &ca, NULL);

    static const char *const all[] = {"localhost", "KPLANE.example.com", "127.0.0.1",
                                      "::1",       "0:0:0:0:0:0:0:1",    "fd00:0::10"};
    assert_true(kp_crypto_cert_covers(server, all, KP_ARRAY_LEN(all), 30));
    assert_true(kp_crypto_cert_covers(server, NULL, 0, 364));

    static const char *const missing_dns[] = {"localhost", "other.example.com"};
    static const char *const missing_v4[] = {"127.0.0.2"};
    static const char *const missing_v6[] = {"::1", "fd00::11"};
    static const char *const cn_only[] = {"kplane-cn-only"};
    static const char *const wildcard[] = {"a.kplane.example.com"};
    assert_false(kp_crypto_cert_covers(server, missing_dns, KP_ARRAY_LEN(missing_dns), 30));
    assert_false(kp_crypto_cert_covers(server, missing_v4, 1, 30));
    assert_false(kp_crypto_cert_covers(server, missing_v6, KP_ARRAY_LEN(missing_v6), 30));
    assert_false(kp_crypto_cert_covers(server, cn_only, 1, 30)); /* the CN never counts */
    assert_false(kp_crypto_cert_covers(server, wildcard, 1, 30));

    /* 365 days of validity do not last 366 more */
    assert_false(kp_crypto_cert_covers(server, all, KP_ARRAY_LEN(all), 366));
    assert_false(kp_crypto_cert_covers("garbage", NULL, 0, 0));
    assert_false(kp_crypto_cert_covers(NULL, NULL, 0, 0));

    free(server);
    ca_dispose(&ca);
}

static void test_ca_verify_accepts_client_and_returns_subject(void **state)
{
    static const char *const orgs[] = {"system:masters", "dev"};
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    test_ca ca;
    char *client;
    (void)state;

    ca_make(&ca, "test-ca");
    client = client_issue(&ca, "alice", orgs, KP_ARRAY_LEN(orgs), 30);
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);

    memset(&subj, 0x55, sizeof(subj));
    assert_int_equal(verify_pem(&subj, verifier, client), 0);
    assert_string_equal(subj.common_name, "alice");
    assert_int_equal(subj.norgs, 2);
    assert_string_equal(subj.orgs[0], "system:masters");
    assert_string_equal(subj.orgs[1], "dev");

    kp_crypto_ca_free(verifier);
    free(client);
    ca_dispose(&ca);
}

static void test_ca_verify_rejects_cert_of_another_ca(void **state)
{
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    test_ca ca, other;
    char *client;
    (void)state;

    ca_make(&ca, "test-ca");
    ca_make(&other, "test-ca"); /* same name, different key */
    client = client_issue(&other, "mallory", NULL, 0, 30);
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);

    assert_int_equal(verify_pem(&subj, verifier, client), KP_EUNAUTHORIZED);
    assert_string_equal(kp_err_msg(), "client certificate is not signed by kplane's CA");
    /* the other CA itself, presented as a client certificate */
    assert_int_equal(verify_pem(&subj, verifier, other.pem), KP_EUNAUTHORIZED);

    kp_crypto_ca_free(verifier);
    free(client);
    ca_dispose(&ca);
    ca_dispose(&other);
}

static void test_ca_verify_rejects_cert_without_client_auth(void **state)
{
    static const char *const dns[] = {"localhost"};
    kp_crypto_cert_spec spec = {0};
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    test_ca ca;
    char *server, *plain;
    (void)state;

    ca_make(&ca, "test-ca");
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);
    spec.common_name = "kplane";
    spec.dns = dns;
    spec.ndns = 1;
    spec.server = true;
    spec.days = 30;
    server = leaf_issue(&spec, &ca, NULL);
    spec.server = false; /* no extendedKeyUsage at all */
    plain = leaf_issue(&spec, &ca, NULL);

    assert_int_equal(verify_pem(&subj, verifier, server), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "client authentication"));
    assert_int_equal(verify_pem(&subj, verifier, plain), KP_EUNAUTHORIZED);
    assert_non_null(strstr(kp_err_msg(), "client authentication"));
    /* nor is the CA a client */
    assert_int_equal(verify_pem(&subj, verifier, ca.pem), KP_EUNAUTHORIZED);

    kp_crypto_ca_free(verifier);
    free(server);
    free(plain);
    ca_dispose(&ca);
}

static void test_ca_verify_rejects_expired_cert(void **state)
{
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    test_ca ca;
    char *client;
    (void)state;

    ca_make(&ca, "test-ca");
    client = client_issue(&ca, "alice", NULL, 0, 0); /* notAfter is now */
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);
    assert_int_equal(verify_pem(&subj, verifier, client), KP_EUNAUTHORIZED);
    assert_string_equal(kp_err_msg(), "client certificate has expired");

    kp_crypto_ca_free(verifier);
    free(client);
    ca_dispose(&ca);
}

static void test_ca_verify_follows_intermediate_in_chain(void **state)
{
    kp_crypto_cert_spec spec = {0};
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    test_ca root, mid;
    char *client;
    (void)state;

    ca_make(&root, "root-ca");
    spec.common_name = "intermediate-ca";
    spec.is_ca = true;
    spec.days = 365;
    mid.pem = leaf_issue(&spec, &root, &mid.key);
    client = client_issue(&mid, "bob", NULL, 0, 30);
    assert_int_equal(kp_crypto_ca_new(&verifier, root.pem), 0);

    const char *chain[] = {client, mid.pem};
    assert_int_equal(verify_pems(&subj, verifier, chain, 2), 0);
    assert_string_equal(subj.common_name, "bob");
    assert_int_equal(subj.norgs, 0);
    /* without the intermediate the leaf does not reach the root */
    assert_int_equal(verify_pems(&subj, verifier, chain, 1), KP_EUNAUTHORIZED);

    kp_crypto_ca_free(verifier);
    free(client);
    ca_dispose(&mid);
    ca_dispose(&root);
}

static void test_ca_verify_rejects_malformed_input(void **state)
{
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    kp_buf der = KP_BUF_INIT(1 << 20);
    const void *ders[1];
    size_t lens[1];
    test_ca ca;
    char *client;
    (void)state;

    ca_make(&ca, "test-ca");
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);
    assert_int_equal(kp_crypto_ca_verify(&subj, verifier, NULL, NULL, 0), KP_EUNAUTHORIZED);

    ders[0] = junk;
    lens[0] = sizeof(junk);
    assert_int_equal(kp_crypto_ca_verify(&subj, verifier, ders, lens, 1), KP_EUNAUTHORIZED);
    assert_string_equal(kp_err_msg(), "client certificate is malformed");

    /* a valid certificate followed by trailing bytes */
    client = client_issue(&ca, "alice", NULL, 0, 30);
    pem_to_der(&der, client);
    ders[0] = der.p;
    lens[0] = der.len;
    assert_int_equal(kp_crypto_ca_verify(&subj, verifier, ders, lens, 1), 0);
    kp_buf_putc(&der, 0);
    ders[0] = der.p;
    lens[0] = der.len;
    assert_int_equal(kp_crypto_ca_verify(&subj, verifier, ders, lens, 1), KP_EUNAUTHORIZED);

    kp_crypto_ca_free(verifier);
    kp_buf_dispose(&der);
    free(client);
    ca_dispose(&ca);
}

static void test_tampered_signature_is_rejected(void **state)
{
    kp_buf der = KP_BUF_INIT(1 << 20), pem = KP_BUF_INIT(1 << 20);
    kp_crypto_subject subj;
    kp_crypto_ca *verifier = NULL;
    const void *ders[1];
    size_t lens[1];
    test_ca ca;
    char *client;
    (void)state;

    ca_make(&ca, "test-ca");
    client = client_issue(&ca, "alice", NULL, 0, 30);
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);
    pem_to_der(&der, client);
    der.p[der.len - 1] ^= 0x01; /* the last byte belongs to the ECDSA signature */

    ders[0] = der.p;
    lens[0] = der.len;
    assert_int_equal(kp_crypto_ca_verify(&subj, verifier, ders, lens, 1), KP_EUNAUTHORIZED);
    assert_string_equal(kp_err_msg(), "client certificate is not signed by kplane's CA");

    /* the same bytes as PEM: issuer name and key id still match, the signature does not */
    kp_buf_puts(&pem, "-----BEGIN CERTIFICATE-----\n");
    kp_crypto_base64_encode(&pem, der.p, der.len);
    kp_buf_puts(&pem, "\n-----END CERTIFICATE-----\n");
    assert_true(kp_crypto_cert_signed_by(client, ca.pem));
    assert_false(kp_crypto_cert_signed_by(pem.p, ca.pem));

    kp_crypto_ca_free(verifier);
    kp_buf_dispose(&der);
    kp_buf_dispose(&pem);
    free(client);
    ca_dispose(&ca);
}

static void test_ca_new_rejects_pem_without_certificate(void **state)
{
    kp_crypto_ca *verifier = NULL;
    (void)state;

    assert_int_equal(kp_crypto_ca_new(&verifier, "no certificate here"), KP_EBADREQUEST);
    assert_null(verifier);
}

typedef struct {
    const kp_crypto_ca *ca;
    const char *good;
    const char *bad;
    int failures;
} verify_job;

static void *verify_worker(void *arg)
{
    verify_job *job = arg;
    kp_crypto_subject subj;

    for (int i = 0; i < 50; i++) {
        if (verify_pem(&subj, job->ca, job->good) != 0 || strcmp(subj.common_name, "alice") != 0)
            job->failures++;
        if (verify_pem(&subj, job->ca, job->bad) != KP_EUNAUTHORIZED)
            job->failures++;
    }
    return NULL;
}

static void test_ca_verify_is_safe_from_many_threads(void **state)
{
    kp_crypto_ca *verifier = NULL;
    pthread_t threads[4];
    verify_job jobs[4];
    test_ca ca, other;
    char *good, *bad;
    (void)state;

    ca_make(&ca, "test-ca");
    ca_make(&other, "other-ca");
    good = client_issue(&ca, "alice", NULL, 0, 30);
    bad = client_issue(&other, "alice", NULL, 0, 30);
    assert_int_equal(kp_crypto_ca_new(&verifier, ca.pem), 0);
    for (size_t i = 0; i < KP_ARRAY_LEN(threads); i++) {
        jobs[i] = (verify_job){verifier, good, bad, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, verify_worker, &jobs[i]), 0);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(threads); i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }

    kp_crypto_ca_free(verifier);
    free(good);
    free(bad);
    ca_dispose(&ca);
    ca_dispose(&other);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void test_sha256_known_vectors(void **state)
{
    uint8_t sum[32];
    char text[65];
    (void)state;

    kp_crypto_sha256(sum, "abc", 3);
    hex(text, sum, 32);
    assert_string_equal(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kp_crypto_sha256(sum, "", 0);
    hex(text, sum, 32);
    assert_string_equal(text, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_hmac_sha256_rfc4231_case2(void **state)
{
    static const char data[] = "what do ya want for nothing?";
    uint8_t mac[32];
    char text[65];
    (void)state;

    kp_crypto_hmac_sha256(mac, "Jefe", 4, data, strlen(data));
    hex(text, mac, 32);
    assert_string_equal(text, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* an empty key is a valid key, not "reuse the previous one" */
    kp_crypto_hmac_sha256(mac, NULL, 0, NULL, 0);
    hex(text, mac, 32);
    assert_string_equal(text, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_fingerprint_equal_and_random(void **state)
{
    char fp[17];
    uint8_t a[32], b[32];
    (void)state;

    kp_crypto_fingerprint(fp, "abc", 3);
    assert_string_equal(fp, "ba7816bf8f01cfea");

    assert_true(kp_crypto_equal("abcd", "abcd", 4));
    assert_false(kp_crypto_equal("abcd", "abce", 4));
    assert_true(kp_crypto_equal("x", "y", 0));

    kp_crypto_random(a, sizeof(a));
    kp_crypto_random(b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
}

static void b64_enc(kp_buf *out, const char *s)
{
    kp_buf_reset(out);
    kp_crypto_base64_encode(out, s, strlen(s));
}

static void test_base64_encode_rfc4648_vectors(void **state)
{
    kp_buf b = KP_BUF_INIT(1024);
    (void)state;

    b64_enc(&b, "");
    assert_string_equal(kp_buf_cstr(&b), "");
    b64_enc(&b, "f");
    assert_string_equal(b.p, "Zg==");
    b64_enc(&b, "fo");
    assert_string_equal(b.p, "Zm8=");
    b64_enc(&b, "foo");
    assert_string_equal(b.p, "Zm9v");
    b64_enc(&b, "foob");
    assert_string_equal(b.p, "Zm9vYg==");
    b64_enc(&b, "fooba");
    assert_string_equal(b.p, "Zm9vYmE=");
    b64_enc(&b, "foobar");
    assert_string_equal(b.p, "Zm9vYmFy");
    kp_buf_reset(&b);
    kp_crypto_base64_encode(&b, "\xfb\xff", 2);
    assert_string_equal(b.p, "+/8=");
    kp_buf_dispose(&b);
}

static void test_base64_round_trip_all_lengths(void **state)
{
    uint8_t data[600];
    kp_buf enc = KP_BUF_INIT(4096), dec = KP_BUF_INIT(4096);
    (void)state;

    kp_crypto_random(data, sizeof(data));
    for (size_t n = 0; n <= sizeof(data); n += (n < 20 ? 1 : 37)) {
        kp_buf_reset(&enc);
        kp_buf_reset(&dec);
        kp_crypto_base64_encode(&enc, data, n);
        assert_int_equal(enc.len, (n + 2) / 3 * 4);
        assert_int_equal(kp_crypto_base64_decode(&dec, enc.p, enc.len), 0);
        assert_int_equal(dec.len, n);
        if (n)
            assert_memory_equal(dec.p, data, n);
    }
    kp_buf_dispose(&enc);
    kp_buf_dispose(&dec);
}

static void test_base64_decode_url_safe_and_unpadded(void **state)
{
    kp_buf b = KP_BUF_INIT(1024);
    (void)state;

    assert_int_equal(kp_crypto_base64_decode(&b, "-_8", 3), 0);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.p, "\xfb\xff", 2);
    kp_buf_reset(&b);
    assert_int_equal(kp_crypto_base64_decode(&b, "-_8=", 4), 0);
    assert_memory_equal(b.p, "\xfb\xff", 2);
    kp_buf_reset(&b);
    assert_int_equal(kp_crypto_base64_decode(&b, "Zm9vYg", 6), 0);
    assert_string_equal(b.p, "foob");
    /* decoding appends */
    assert_int_equal(kp_crypto_base64_decode(&b, "YmFy", 4), 0);
    assert_string_equal(b.p, "foobbar");
    kp_buf_dispose(&b);
}

static void test_base64_decode_rejects_invalid_input(void **state)
{
    static const char *const bad[] = {
        "Zm9v!", /* not in either alphabet */
        "Z",     /* 4k+1 characters */
        "Zg=",   /* padding, but not to a multiple of 4 */
        "Zg===", /* too much padding */
        "Zm8==", /* padding that does not fit the data */
        "=Zg=",  /* padding in the middle */
        "+-8=",  /* standard and URL-safe mixed */
        "Zm9v\n", "Zm 9v",
    };
    kp_buf b = KP_BUF_INIT(1024);
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        kp_buf_reset(&b);
        kp_buf_puts(&b, "kept");
        if (kp_crypto_base64_decode(&b, bad[i], strlen(bad[i])) != KP_EBADREQUEST)
            fail_msg("accepted invalid base64 \"%s\"", bad[i]);
        assert_string_equal(b.p, "kept");
    }
    kp_buf_dispose(&b);

    /* the buffer's cap holds */
    kp_buf_init(&b, 2);
    assert_int_equal(kp_crypto_base64_decode(&b, "Zm9v", 4), KP_ETOOLARGE);
    kp_buf_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_pem_round_trip_keeps_the_key),
        cmocka_unit_test(test_key_from_pem_rejects_garbage),
        cmocka_unit_test(test_issue_ca_server_and_client_chain_to_the_ca),
        cmocka_unit_test(test_issue_with_a_foreign_ca_key_fails),
        cmocka_unit_test(test_cert_covers_listed_hosts_only),
        cmocka_unit_test(test_ca_verify_accepts_client_and_returns_subject),
        cmocka_unit_test(test_ca_verify_rejects_cert_of_another_ca),
        cmocka_unit_test(test_ca_verify_rejects_cert_without_client_auth),
        cmocka_unit_test(test_ca_verify_rejects_expired_cert),
        cmocka_unit_test(test_ca_verify_follows_intermediate_in_chain),
        cmocka_unit_test(test_ca_verify_rejects_malformed_input),
        cmocka_unit_test(test_tampered_signature_is_rejected),
        cmocka_unit_test(test_ca_new_rejects_pem_without_certificate),
        cmocka_unit_test(test_ca_verify_is_safe_from_many_threads),
        cmocka_unit_test(test_sha256_known_vectors),
        cmocka_unit_test(test_hmac_sha256_rfc4231_case2),
        cmocka_unit_test(test_fingerprint_equal_and_random),
        cmocka_unit_test(test_base64_encode_rfc4648_vectors),
        cmocka_unit_test(test_base64_round_trip_all_lengths),
        cmocka_unit_test(test_base64_decode_url_safe_and_unpadded),
        cmocka_unit_test(test_base64_decode_rejects_invalid_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
