#include "lib/common.h"
#include "apiserver/crd.h"
#include "apiserver/crd_schema.h"
#include "lib/json.h"

/* libFuzzer target for the structural schemas of CRDs (apiserver/crd_schema.c), which parse
 * schemas from CRD bodies and apply them to custom objects from request bodies. The first byte
 * splits the rest in proportion: the schema, then the object; both go through kp_json_parse as
 * request bodies do. Beyond not crashing: checking never changes the schema; pruning twice
 * finds nothing the second time; defaulting and validating a pruned object never fail with
 * anything but 422, and every error names a field; JSONPath over the object returns a value or
 * NULL. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *schema = NULL, *obj = NULL, *copy = NULL, *unknown = NULL, *again = NULL, *jp;
    const char *text = (const char *)data + 1;
    kp_crd_errs errs;
    size_t split;
    int rc;

    if (size < 1)
        return 0;
    split = (size_t)data[0] * (size - 1) / 255;
    if (kp_json_parse(&schema, text, split) < 0 ||
        kp_json_parse(&obj, text + split, size - 1 - split) < 0)
        goto out;
    copy = json_deep_copy(schema);
    errs.n = 0;
    kp_crd_schema_check(&errs, schema, "spec.versions[0].schema.openAPIV3Schema");
    if (!json_equal(schema, copy))
        abort(); /* checking changed the schema */
    rc = kp_crd_errs_report(&errs, KP_CRD_QKIND, "x.example.com");
    if (rc < 0 && (rc != KP_EINVALID || kp_err_msg()[0] == '\0'))
        abort();
    kp_err_clear();
    unknown = json_array();
    again = json_array();
    kp_crd_schema_prune(obj, schema, unknown);
    kp_crd_schema_prune(obj, schema, again);
    if (json_array_size(again) != 0)
        abort(); /* pruning is idempotent */
    kp_crd_schema_default(obj, schema);
    errs.n = 0;
    kp_crd_schema_validate(&errs, obj, schema);
    for (size_t i = 0; i < errs.n; i++)
        if (!errs.e[i].body[0] || !errs.e[i].reason)
            abort();
    rc = kp_crd_errs_report(&errs, "X.example.com", "x");
    if (rc < 0 && rc != KP_EINVALID)
        abort();
    kp_err_clear();
    jp = kp_crd_jsonpath(obj, json_is_string(schema) ? json_string_value(schema) : ".spec");
    json_decref(jp);
out:
    kp_err_clear();
    json_decref(schema);
    json_decref(obj);
    json_decref(copy);
    json_decref(unknown);
    json_decref(again);
    return 0;
}
