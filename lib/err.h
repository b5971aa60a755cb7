/* err: kplane's error codes (lib/err_codes.h) and a thread-local message, as libgit2's
 * git_error_set. Functions return 0 or a negative code; kp_err_set() stores the message and
 * returns the code so it fits in a return statement. Thread rules: all state is per thread. */
#ifndef KP_ERR_H
#define KP_ERR_H

typedef enum {
    KP_OK = 0,
#define KP_ERR_ROW(name, value, http, reason) name = value,
#include "lib/err_codes.h"
#undef KP_ERR_ROW
} kp_err;

#define KP_ERR_CAUSES_MAX 32
#define KP_ERR_MSG_MAX 4096 /* a longer message is cut */

/* One field-level cause of a 422 Invalid; becomes Status.details.causes[]. */
typedef struct {
    char field[256];
    char reason[64];
    char message[1024];
} kp_err_cause_entry;

/* Stores a message for code on this thread and returns code. */
int kp_err_set(int code, const char *fmt, ...) KP_PRINTF(2, 3);
/* Adds a field cause (reason as in Kubernetes: FieldValueRequired, FieldValueInvalid, ...). */
void kp_err_cause(const char *field, const char *reason, const char *fmt, ...) KP_PRINTF(3, 4);
/* Borrowed from thread-local storage, valid until the next kp_err_* call on this thread. */
const char *kp_err_msg(void);
size_t kp_err_causes(const kp_err_cause_entry **out);
void kp_err_clear(void);

/* The HTTP status and Kubernetes reason of a code; unknown codes map to 500 InternalError. */
int kp_err_http(int code);
const char *kp_err_reason(int code);
/* The symbolic name, e.g. "KP_ENOTFOUND"; static storage. */
const char *kp_err_name(int code);

#endif
