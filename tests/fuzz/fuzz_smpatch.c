#include "lib/common.h"
#include "apiserver/patch.h"
#include "lib/json.h"
#include "lib/limits.h"

/* libFuzzer target for kp_patch_strategic, which applies the strategic merge patches kubectl
 * sends. The first byte splits the input after the second in proportion: the document, then
 * the patch; the second byte picks the kind. Beyond not crashing: neither input changes, a
 * failure has a 400/415/422 code and a message, and a result is an object that prints and
 * parses back equal, within KP_OBJECT_MAX. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {"Pod",       "Deployment",     "CronJob", "Service",
                                    "ConfigMap", "ServiceAccount", "Widget"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL, *patch = NULL, *doc_copy = NULL, *patch_copy = NULL, *out = NULL;
    const char *text = (const char *)data + 2, *kind;
    size_t split;
    int rc;

    if (size < 2)
        return 0;
    split = (size_t)data[0] * (size - 2) / 255;
    kind = kinds[data[1] % KP_ARRAY_LEN(kinds)];
    if (kp_json_parse(&doc, text, split) < 0 ||
        kp_json_parse(&patch, text + split, size - 2 - split) < 0 || !json_is_object(doc))
        goto out; /* the caller hands over stored objects only */
    doc_copy = json_deep_copy(doc);
    patch_copy = json_deep_copy(patch);

    kp_err_clear();
    rc = kp_patch_strategic(&out, doc, patch, kind);
    if (!json_equal(doc, doc_copy) || !json_equal(patch, patch_copy))
        abort(); /* the original or the patch changed */
    if (rc < 0) {
        if (out || kp_err_msg()[0] == '\0')
            abort();
        if (rc != KP_EBADREQUEST && rc != KP_EINVALID && rc != KP_EMEDIATYPE)
            abort();
        if ((rc == KP_EMEDIATYPE) != !kp_patch_strategic_known(kind))
            abort();
    } else {
        size_t len;
        char *dump = kp_json_dump(out, &len);
        json_t *again = NULL;
        if (!json_is_object(out) || len > KP_OBJECT_MAX || kp_json_parse(&again, dump, len) < 0 ||
            !json_equal(out, again))
            abort();
        json_decref(again);
        free(dump);
    }
out:
    kp_err_clear();
    json_decref(out);
    json_decref(doc);
    json_decref(patch);
    json_decref(doc_copy);
    json_decref(patch_copy);
    return 0;
}
