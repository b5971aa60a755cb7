#include "lib/common.h"
#include "apiserver/select.h"
#include "lib/json.h"
#include "lib/limits.h"

/* libFuzzer target for label selectors (the labelSelector query parameter). A selector that
 * parses must print a canonical text that parses to the same text and the same verdict on a
 * fixed set of labels. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char labels_json[] = "{\"app\":\"web\",\"tier\":\"frontend\",\"env\":\"prod\","
                                  "\"version\":\"3\",\"empty\":\"\",\"in\":\"notin\","
                                  "\"example.com/team\":\"a-b_c.d\",\"n\":\"-12\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_sel *s = NULL, *again = NULL;
    json_t *labels = NULL;
    kp_buf canon, canon2;
    char *text = kp_strndup((const char *)data, size); /* a query value holds no NUL */
    int rc;

    kp_buf_init(&canon, 1 << 20);
    kp_buf_init(&canon2, 1 << 20);
    if (kp_json_parse(&labels, labels_json, strlen(labels_json)) < 0)
        abort();
    if ((rc = kp_sel_parse_labels(&s, text)) < 0) {
        if (rc != KP_EBADREQUEST || kp_err_msg()[0] == '\0')
            abort();
        goto out;
    }
    kp_sel_string(&canon, s);
    if (kp_buf_status(&canon) < 0)
        abort();
    if (canon.len > KP_SELECTOR_MAX) /* " in (" may print longer than "in(" was */
        goto out;
    if (kp_sel_parse_labels(&again, kp_buf_cstr(&canon)) < 0)
        abort();
    kp_sel_string(&canon2, again);
    if (!kp_sv_eq(kp_buf_sv(&canon), kp_buf_sv(&canon2)))
        abort();
    if (kp_sel_match_labels(s, labels) != kp_sel_match_labels(again, labels))
        abort();
    if (kp_sel_empty(s) && !kp_sel_match_labels(s, labels))
        abort();
    (void)kp_sel_match_labels(s, NULL);
out:
    kp_err_clear();
    kp_buf_dispose(&canon);
    kp_buf_dispose(&canon2);
    kp_sel_free(again);
    kp_sel_free(s);
    json_decref(labels);
    free(text);
    return 0;
}
