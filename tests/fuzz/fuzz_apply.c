#include "lib/common.h"
#include "apiserver/apply.h"
#include "apiserver/patch.h"
#include "lib/json.h"

/* libFuzzer target for kp_apply, the server-side apply merge of a client's configuration into
 * a stored object. The first byte splits the input after the second in proportion: the live
 * object, then the configuration; the second byte picks the kind (low bits) and force (high
 * bit). Beyond not crashing: neither input changes; a failure is a conflict or an invalid
 * configuration with a message; a result is an object whose managedFields decode, and
 * applying the same configuration to it with force succeeds. kp_apply_track of the result
 * must not crash either. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {"Deployment", "Pod", "Service", "ConfigMap", "Widget"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *live = NULL, *cfg = NULL, *live_copy = NULL, *cfg_copy = NULL, *out = NULL;
    json_t *out2 = NULL, *mf = NULL, *tracked = NULL;
    const char *text = (const char *)data + 2;
    kp_apply_op op;
    bool force;
    size_t split;
    int rc;

    if (size < 2)
        return 0;
    split = (size_t)data[0] * (size - 2) / 255;
    force = (data[1] & 0x80) != 0;
    memset(&op, 0, sizeof(op));
    op.manager = "fuzz";
    op.api_version = "v1";
    op.now = "2026-01-01T00:00:00Z";
    op.status_sub = (data[1] & 0x40) != 0;
    op.ft = kp_patch_field_types(kinds[(data[1] & 0x3f) % KP_ARRAY_LEN(kinds)]);
    if (kp_json_parse(&live, text, split) < 0 ||
        kp_json_parse(&cfg, text + split, size - 2 - split) < 0 || !json_is_object(live) ||
        !json_is_object(cfg))
        goto out; /* the callers hand over objects only */
    live_copy = json_deep_copy(live);
    cfg_copy = json_deep_copy(cfg);

    kp_err_clear();
    rc = kp_apply(&out, live, cfg, &op, force);
    if (!json_equal(live, live_copy) || !json_equal(cfg, cfg_copy))
        abort();
    if (rc < 0) {
        if (out || kp_err_msg()[0] == '\0' || (rc != KP_ECONFLICT && rc != KP_EINVALID) ||
            (rc == KP_ECONFLICT && force))
            abort();
        goto out;
    }
    if (!json_is_object(out) || kp_apply_decode(&mf, out) < 0)
        abort();
    op.manager = "fuzz-2";
    if (kp_apply(&out2, out, cfg, &op, true) < 0)
        abort();
    tracked = json_deep_copy(out2);
    kp_apply_track(tracked, out, &op);
out:
    kp_err_clear();
    json_decref(live);
    json_decref(cfg);
    json_decref(live_copy);
    json_decref(cfg_copy);
    json_decref(out);
    json_decref(out2);
    json_decref(mf);
    json_decref(tracked);
    return 0;
}
