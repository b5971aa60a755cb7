#include "lib/common.h"
#include "apiserver/fieldset.h"
#include "lib/json.h"

/* libFuzzer target for kp_fieldset_parse, which reads the FieldsV1 of managedFields clients
 * send. Beyond not crashing: a failure is KP_EINVALID with a message; a parsed set parses back
 * to itself, and union, intersection and difference with itself are the laws of a set. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool count_path(const char *path, void *arg)
{
    size_t *n = arg;
    if (!path)
        abort();
    (*n)++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = NULL, *set = NULL, *again = NULL, *u = NULL, *i = NULL, *d = NULL;
    size_t paths = 0;
    int rc;

    if (kp_json_parse(&in, (const char *)data, size) < 0)
        goto out;
    kp_err_clear();
    rc = kp_fieldset_parse(&set, in);
    if (rc < 0) {
        if (rc != KP_EINVALID || set || kp_err_msg()[0] == '\0')
            abort();
        goto out;
    }
    if (kp_fieldset_parse(&again, set) < 0 || !json_equal(set, again))
        abort(); /* normalized sets are fixed points */
    u = json_deep_copy(set);
    kp_fieldset_union(u, set);
    i = kp_fieldset_inter(set, set);
    d = kp_fieldset_diff(set, set);
    if (!json_equal(u, set) || !json_equal(i, set) || !kp_fieldset_empty(d))
        abort();
    kp_fieldset_each(set, count_path, &paths);
    if (!kp_fieldset_empty(set) && paths == 0)
        abort(); /* every non-empty set has a member */
out:
    kp_err_clear();
    json_decref(in);
    json_decref(set);
    json_decref(again);
    json_decref(u);
    json_decref(i);
    json_decref(d);
    return 0;
}
