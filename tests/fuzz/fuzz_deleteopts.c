#include "lib/common.h"
#include "apiserver/api.h"
#include "lib/arena.h"

/* libFuzzer target for DeleteOptions (the body of a delete or deletecollection, with the
 * propagationPolicy and orphanDependents query parameters). The input's first line is
 * "<propagationPolicy>&<orphanDependents>", the rest the body. Every input is either refused
 * with a 400 or 422 and a message, or gives a policy that is one of the three or none. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t qlen = nl ? (size_t)(nl - (const char *)data) : 0;
    char *query = kp_strndup((const char *)data, qlen), *amp = strchr(query, '&');
    const char *body = nl ? nl + 1 : (const char *)data;
    size_t blen = nl ? size - qlen - 1 : size;
    kp_arena *a = kp_arena_new();
    kp_api_delopts o;
    int rc;

    if (amp)
        *amp = '\0';
    rc = kp_api_delete_options(&o, a, body, blen, query, amp ? amp + 1 : NULL);
    if (rc < 0) {
        if ((rc != KP_EBADREQUEST && rc != KP_EINVALID) || kp_err_msg()[0] == '\0')
            abort();
    } else if (o.policy && strcmp(o.policy, "Foreground") != 0 &&
               strcmp(o.policy, "Background") != 0 && strcmp(o.policy, "Orphan") != 0) {
        abort();
    } else if (o.rv < 0) {
        abort();
    }
    kp_err_clear();
    kp_arena_free(a);
    free(query);
    return 0;
}
