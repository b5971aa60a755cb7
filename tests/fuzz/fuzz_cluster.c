#include "lib/common.h"
#include "lib/quantity.h"
#include "lib/json.h"
#include "sync/cluster.h"
#include "sync/syncer_int.h"

/* libFuzzer target for what the syncer reads from outside: a Cluster object (admission:
 * defaults and validation) and the status and downstream objects it compares and aggregates
 * (quantities of node allocatable, subset checks, the status aggregate). The input is JSON. A
 * Cluster is accepted with syncMode and resources set, or refused with 422 and a message. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL, *copy, *arr, *agg;
    int64_t m;
    int rc;

    if (kp_json_parse(&obj, (const char *)data, size) < 0) {
        kp_err_clear();
        return 0;
    }
    if (json_is_object(obj)) {
        copy = json_deep_copy(obj);
        rc = kp_sync_cluster_admit(copy);
        if (rc < 0 && (rc != KP_EINVALID || kp_err_msg()[0] == '\0'))
            abort();
        if (rc == 0 && (!kp_json_get_str(copy, "spec.syncMode") ||
                        !json_is_array(kp_json_get(copy, "spec.resources"))))
            abort();
        kp_err_clear();
        if (!kp_sync_subset(copy, copy))
            abort();
        json_decref(copy);
    }
    if (json_is_string(obj))
        (void)kp_quantity_milli(&m, json_string_value(obj));
    arr = json_is_array(obj) ? json_incref(obj) : json_pack("[O, O]", obj, obj);
    agg = kp_sync_aggregate(arr, 3);
    if (!json_is_object(agg))
        abort();
    json_decref(agg);
    json_decref(arr);
    json_decref(obj);
    return 0;
}
