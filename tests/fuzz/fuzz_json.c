#include "lib/common.h"
#include "lib/json.h"

/* libFuzzer target for kp_json_parse, which reads every request body. Beyond not crashing, a
 * value that parses must print and parse back to an equal value. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL, *again = NULL;
    char *text = NULL;
    size_t len;

    if (kp_json_parse(&v, (const char *)data, size) < 0) {
        if (kp_err_msg()[0] == '\0') /* a 400 must say what is wrong */
            abort();
        goto out;
    }
    text = kp_json_dump(v, &len);
    if (kp_json_parse(&again, text, len) < 0 || !json_equal(v, again))
        abort();
    /* dotted lookups walk whatever shape the input has */
    (void)kp_json_get(v, "metadata.name");
    (void)kp_json_get_str(v, "metadata.labels.app");
    (void)kp_json_get(v, "a.b.c.d");
out:
    kp_err_clear();
    free(text);
    json_decref(again);
    json_decref(v);
    return 0;
}
