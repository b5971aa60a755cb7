#include "lib/common.h"

#include <stdarg.h>

static _Thread_local char err_msg[KP_ERR_MSG_MAX];
static _Thread_local kp_err_cause_entry err_causes[KP_ERR_CAUSES_MAX];
static _Thread_local size_t err_ncauses;

static const struct {
    int code;
    int http;
    const char *reason;
    const char *name;
} err_table[] = {
#define KP_ERR_ROW(name, value, http, reason) {value, http, reason, #name},
#include "lib/err_codes.h"
#undef KP_ERR_ROW
};

int kp_err_set(int code, const char *fmt, ...)
{
    /* Format aside first: callers add context with kp_err_set(rc, "...: %s", kp_err_msg()),
     * and vsnprintf into the buffer it reads from is undefined (glibc garbles it). */
    char msg[sizeof(err_msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memcpy(err_msg, msg, sizeof(err_msg));
    return code;
}

void kp_err_cause(const char *field, const char *reason, const char *fmt, ...)
{
    kp_err_cause_entry *c;
    va_list ap;

    if (err_ncauses >= KP_ERR_CAUSES_MAX)
        return;
    c = &err_causes[err_ncauses++];
    snprintf(c->field, sizeof(c->field), "%s", field ? field : "");
    snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof(c->message), fmt, ap);
    va_end(ap);
}

const char *kp_err_msg(void)
{
    return err_msg;
}

size_t kp_err_causes(const kp_err_cause_entry **out)
{
    *out = err_causes;
    return err_ncauses;
}

void kp_err_clear(void)
{
    err_msg[0] = '\0';
    err_ncauses = 0;
}

static int err_find(int code)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(err_table); i++)
        if (err_table[i].code == code)
            return (int)i;
    return -1;
}

int kp_err_http(int code)
{
    int i = err_find(code);
    return i < 0 ? 500 : err_table[i].http;
}

const char *kp_err_reason(int code)
{
    int i = err_find(code);
    return i < 0 ? "InternalError" : err_table[i].reason;
}

const char *kp_err_name(int code)
{
    int i = err_find(code);
    return i < 0 ? "KP_EUNKNOWN" : err_table[i].name;
}
