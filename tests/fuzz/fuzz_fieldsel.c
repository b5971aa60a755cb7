#include "lib/common.h"
#include "apiserver/select.h"
#include "lib/json.h"

/* libFuzzer target for field selectors (the fieldSelector query parameter). A selector that
 * parses must print a canonical text that parses to the same text and the same verdict on a
 * fixed object. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char obj_json[] =
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\"},"
    "\"spec\":{\"nodeName\":\"node,a=b\\\\c\",\"replicas\":3,\"paused\":false},"
    "\"status\":{\"phase\":\"Running\",\"ratio\":0.5},\"type\":\"Warning\"}";

static const char *const allowed[] = {"spec.nodeName", "status.phase"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_sel *s = NULL, *again = NULL;
    json_t *obj = NULL;
    kp_buf canon, canon2;
    char *text = kp_strndup((const char *)data, size); /* a query value holds no NUL */
    int rc;

    kp_buf_init(&canon, 1 << 20);
    kp_buf_init(&canon2, 1 << 20);
    if (kp_json_parse(&obj, obj_json, strlen(obj_json)) < 0)
        abort();
    if ((rc = kp_sel_parse_fields(&s, text)) < 0) {
        if (rc != KP_EBADREQUEST || kp_err_msg()[0] == '\0')
            abort();
        goto out;
    }
    kp_sel_string(&canon, s);
    if (kp_buf_status(&canon) < 0 || kp_sel_parse_fields(&again, kp_buf_cstr(&canon)) < 0)
        abort();
    kp_sel_string(&canon2, again);
    if (!kp_sv_eq(kp_buf_sv(&canon), kp_buf_sv(&canon2)))
        abort();
    if (kp_sel_match_fields(s, obj) != kp_sel_match_fields(again, obj))
        abort();
    rc = kp_sel_check_fields(s, allowed, KP_ARRAY_LEN(allowed));
    if (rc != 0 && rc != KP_EBADREQUEST)
        abort();
    (void)kp_sel_match_fields(s, NULL);
out:
    kp_err_clear();
    kp_buf_dispose(&canon);
    kp_buf_dispose(&canon2);
    kp_sel_free(again);
    kp_sel_free(s);
    json_decref(obj);
    free(text);
    return 0;
}
