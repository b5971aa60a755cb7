#include "lib/common.h"
#include "lib/quantity.h"
#include "sync/sim.h"

/* libFuzzer target for resource quantities (a pod's requests and limits, read by cluster-sim's
 * scheduler). A quantity parses to the same value every time, within the cap, and its negation
 * parses to the negated value; what does not parse fails with KP_EINVALID and a message. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = kp_strndup((const char *)data, size); /* a JSON string: no NUL */
    int64_t v = 0, again = 0;
    int rc = kp_quantity_milli(&v, text);

    if (rc < 0) {
        if (rc != KP_EINVALID || kp_err_msg()[0] == '\0')
            abort();
        goto out;
    }
    if (v > (int64_t)4e18 || v < -(int64_t)4e18)
        abort();
    if (kp_quantity_milli(&again, text) < 0 || again != v)
        abort();
    if (text[0] != '-' && text[0] != '+' && strlen(text) < 64) {
        char *neg = kp_asprintf("-%s", text);
        if (kp_quantity_milli(&again, neg) < 0 || again != -v)
            abort();
        free(neg);
    }
out:
    kp_err_clear();
    free(text);
    return 0;
}
