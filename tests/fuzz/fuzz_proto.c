#include "lib/common.h"
#include "apiserver/proto.h"
#include "lib/json.h"

/* libFuzzer target for application/vnd.kubernetes.protobuf bodies. Whatever decodes must be a
 * JSON object with kind and apiVersion that serializes and parses back to the same value (the
 * server stores it as JSON); whatever fails must fail with a code and a message. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL, *again = NULL;
    char *text = NULL;
    size_t len;
    int rc;

    if ((rc = kp_proto_decode(&obj, data, size)) < 0) {
        if ((rc != KP_EBADREQUEST && rc != KP_EMEDIATYPE && rc != KP_ETOOLARGE) ||
            kp_err_msg()[0] == '\0' || obj)
            abort();
        goto out;
    }
    if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "kind")) ||
        !json_is_string(json_object_get(obj, "apiVersion")))
        abort();
    text = kp_json_dump(obj, &len);
    if (kp_json_parse(&again, text, len) < 0 || !json_equal(obj, again))
        abort();
out:
    free(text);
    json_decref(obj);
    json_decref(again);
    kp_err_clear();
    return 0;
}
