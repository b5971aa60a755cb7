#include "lib/common.h"
#include "gitops/hosted.h"
#include "lib/crypto.h"

/* libFuzzer target for kp_hosted_parse_signature and kp_hosted_signature_ok, which see the
 * X-Hub-Signature-256 header of every webhook delivery, sent by anyone. The input is
 * "header\nbody". Besides not crashing: a refusal is KP_EBADREQUEST with a message; an
 * accepted header is exactly "sha256=" and 64 hex digits and parses back to what it spelled;
 * the header the harness signs itself for the body verifies, and the fuzzed one verifies only
 * when it is that signature. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SECRET "fuzz-webhook-secret"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    kp_sv header = {(const char *)data, nl ? (size_t)(nl - (const char *)data) : size};
    kp_sv body = {nl ? nl + 1 : "", nl ? size - header.len - 1 : 0};
    uint8_t got[32], mac[32];
    char good[7 + 64 + 1];
    bool parsed, ok;
    int rc;

    rc = kp_hosted_parse_signature(got, header);
    parsed = rc == 0;
    if (rc < 0 && (rc != KP_EBADREQUEST || kp_err_msg()[0] == '\0'))
        abort();
    kp_err_clear();
    if (parsed) {
        if (header.len != 71 || strncasecmp(header.p, "sha256=", 7) != 0)
            abort();
        for (size_t i = 0; i < 32; i++) {
            char hex[3];
            snprintf(hex, sizeof(hex), "%02x", got[i]);
            if (strncasecmp(hex, header.p + 7 + 2 * i, 2) != 0)
                abort();
        }
    }
    kp_crypto_hmac_sha256(mac, FUZZ_SECRET, strlen(FUZZ_SECRET), body.p, body.len);
    memcpy(good, "sha256=", 7);
    for (size_t i = 0; i < 32; i++)
        snprintf(good + 7 + 2 * i, 3, "%02x", mac[i]);
    if (!kp_hosted_signature_ok(kp_sv_from(good), FUZZ_SECRET, strlen(FUZZ_SECRET), body))
        abort();
    ok = kp_hosted_signature_ok(header, FUZZ_SECRET, strlen(FUZZ_SECRET), body);
    if (ok != (parsed && memcmp(got, mac, sizeof(mac)) == 0))
        abort();
    return 0;
}
