#include "lib/common.h"
#include "apiserver/patch.h"
#include "lib/json.h"
#include "lib/limits.h"

/* libFuzzer target for kp_patch_json and kp_patch_merge, which apply the JSON patch and merge
 * patch bodies clients send. The first byte splits the rest in proportion: the document, then
 * the patch; both go through kp_json_parse as request bodies do. Beyond not crashing: neither
 * input changes, a failure has a 400/413/422 code and a message, and a result prints and parses
 * back equal, within KP_OBJECT_MAX. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, json_t *out, const json_t *doc, const json_t *doc_copy,
                  const json_t *patch, const json_t *patch_copy)
{
    if (!json_equal(doc, doc_copy) || !json_equal(patch, patch_copy))
        abort(); /* the original or the patch changed */
    if (rc < 0) {
        if (out || kp_err_msg()[0] == '\0')
            abort();
        if (rc != KP_EBADREQUEST && rc != KP_EINVALID && rc != KP_ETOOLARGE)
            abort();
        return;
    }
    {
        size_t len;
        char *text = kp_json_dump(out, &len);
        json_t *again = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (len > KP_OBJECT_MAX || !again || !json_equal(out, again))
            abort();
        json_decref(again);
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL, *patch = NULL, *doc_copy = NULL, *patch_copy = NULL, *out = NULL;
    const char *text = (const char *)data + 1;
    size_t split;
    int rc;

    if (size < 1)
        return 0;
    split = (size_t)data[0] * (size - 1) / 255;
    if (kp_json_parse(&doc, text, split) < 0 ||
        kp_json_parse(&patch, text + split, size - 1 - split) < 0)
        goto out;
    doc_copy = json_deep_copy(doc);
    patch_copy = json_deep_copy(patch);

    kp_err_clear();
    rc = kp_patch_json(&out, doc, patch);
    check(rc, out, doc, doc_copy, patch, patch_copy);
    json_decref(out);
    out = NULL;

    kp_err_clear();
    rc = kp_patch_merge(&out, doc, patch);
    check(rc, out, doc, doc_copy, patch, patch_copy);
out:
    kp_err_clear();
    json_decref(out);
    json_decref(doc);
    json_decref(patch);
    json_decref(doc_copy);
    json_decref(patch_copy);
    return 0;
}
