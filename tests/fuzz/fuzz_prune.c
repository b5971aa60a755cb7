#include "lib/common.h"
#include "apiserver/openapi.h"
#include "lib/json.h"

/* libFuzzer target for kp_openapi_prune, which walks every create and update body through the
 * field tables (fieldValidation). The first byte picks the kind, the rest is the JSON body.
 * Beyond not crashing: it never fails, it only removes (what stays was in the input, unchanged
 * where the tables leave it open), every reported path is non-empty, and a second pass finds
 * nothing more and changes nothing. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[][2] = {
    {"apps", "Deployment"},
    {"", "Pod"},
    {"batch", "CronJob"},
    {"", "Service"},
    {"policy", "PodDisruptionBudget"},
    {"autoscaling", "HorizontalPodAutoscaler"},
    {"rbac.authorization.k8s.io", "ClusterRole"},
    {"", "ConfigMap"},
    {"tenancy.kplane.io", "Workspace"},
    {"example.com", "Widget"},
};

/* Every member of got is in want: objects key by key, other values equal. */
static bool subset(const json_t *got, const json_t *want)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(got)) {
        if (!json_is_object(want))
            return false;
        json_object_foreach((json_t *)got, k, v)
        {
            if (!subset(v, json_object_get(want, k)))
                return false;
        }
        return true;
    }
    if (json_is_array(got)) {
        if (!json_is_array(want) || json_array_size(got) != json_array_size(want))
            return false;
        json_array_foreach(got, i, v)
        {
            if (!subset(v, json_array_get(want, i)))
                return false;
        }
        return true;
    }
    return json_equal(got, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL, *orig = NULL, *unknown = NULL, *again = NULL, *once = NULL, *u;
    size_t i;
    const char *const *k;

    if (size < 1)
        return 0;
    k = kinds[data[0] % KP_ARRAY_LEN(kinds)];
    if (kp_json_parse(&obj, (const char *)data + 1, size - 1) < 0 || !json_is_object(obj))
        goto out; /* the caller hands over decoded objects only */
    orig = json_deep_copy(obj);
    if (kp_openapi_prune(&unknown, obj, k[0], k[1]) != 0 || !json_is_array(unknown))
        abort();
    if (!subset(obj, orig) || (json_array_size(unknown) == 0) != json_equal(obj, orig))
        abort();
    json_array_foreach(unknown, i, u)
    {
        if (!json_is_string(u) || json_string_length(u) == 0)
            abort();
    }
    once = json_deep_copy(obj);
    if (kp_openapi_prune(&again, obj, k[0], k[1]) != 0 || json_array_size(again) != 0 ||
        !json_equal(obj, once))
        abort();
out:
    json_decref(obj);
    json_decref(orig);
    json_decref(unknown);
    json_decref(again);
    json_decref(once);
    return 0;
}
