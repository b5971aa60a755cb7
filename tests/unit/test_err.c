#include "lib/common.h"
#include "tests/support/testlib.h"

#include <pthread.h>

/* The table again, from the same X-macro list the library is built from. */
static const struct {
    int code;
    int value;
    int http;
    const char *reason;
    const char *name;
} rows[] = {
#define KP_ERR_ROW(name, value, http, reason) {name, value, http, reason, #name},
#include "lib/err_codes.h"
#undef KP_ERR_ROW
};

static void test_table(void **state)
{
    (void)state;
    assert_true(KP_ARRAY_LEN(rows) >= 15);
    for (size_t i = 0; i < KP_ARRAY_LEN(rows); i++) {
        assert_int_equal(rows[i].code, rows[i].value);
        assert_true(rows[i].code < 0); /* functions return 0 or a negative code */
        assert_int_equal(kp_err_http(rows[i].code), rows[i].http);
        assert_string_equal(kp_err_reason(rows[i].code), rows[i].reason);
        assert_string_equal(kp_err_name(rows[i].code), rows[i].name);
        assert_true(rows[i].http >= 400 && rows[i].http <= 599);
        assert_true(strncmp(rows[i].name, "KP_E", 4) == 0);
        for (size_t k = 0; k < i; k++) {
            if (rows[k].code == rows[i].code)
                fail_msg("%s and %s share the value %d", rows[k].name, rows[i].name, rows[i].code);
            if (strcmp(rows[k].reason, rows[i].reason) == 0)
                fail_msg("%s and %s share the reason %s", rows[k].name, rows[i].name,
                         rows[i].reason);
        }
    }
}

/* The rows STYLE.md section 3 promises, spelled out once more so a change to the list that
 * breaks the Kubernetes mapping shows up here. */
static void test_kubernetes_mapping(void **state)
{
    static const struct {
        int code;
        int http;
        const char *reason;
    } want[] = {
        {KP_EBADREQUEST, 400, "BadRequest"},
        {KP_EUNAUTHORIZED, 401, "Unauthorized"},
        {KP_EFORBIDDEN, 403, "Forbidden"},
        {KP_ENOTFOUND, 404, "NotFound"},
        {KP_EMETHOD, 405, "MethodNotAllowed"},
        {KP_EEXISTS, 409, "AlreadyExists"},
        {KP_ECONFLICT, 409, "Conflict"},
        {KP_EEXPIRED, 410, "Expired"},
        {KP_ETOOLARGE, 413, "RequestEntityTooLarge"},
        {KP_EMEDIATYPE, 415, "UnsupportedMediaType"},
        {KP_EINVALID, 422, "Invalid"},
        {KP_ETOOMANY, 429, "TooManyRequests"},
        {KP_EINTERNAL, 500, "InternalError"},
        {KP_EUNAVAILABLE, 503, "ServiceUnavailable"},
        {KP_ETIMEOUT, 504, "Timeout"},
    };
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(want); i++) {
        assert_int_equal(kp_err_http(want[i].code), want[i].http);
        assert_string_equal(kp_err_reason(want[i].code), want[i].reason);
    }
}

static void test_unknown(void **state)
{
    static const int codes[] = {KP_OK, 1, -1000, INT32_MIN, 42};
    (void)state;
    for (size_t i = 0; i < KP_ARRAY_LEN(codes); i++) {
        assert_int_equal(kp_err_http(codes[i]), 500);
        assert_string_equal(kp_err_reason(codes[i]), "InternalError");
        assert_string_equal(kp_err_name(codes[i]), "KP_EUNKNOWN");
    }
}

static void test_message(void **state)
{
    char big[KP_ERR_MSG_MAX * 2];
    (void)state;

    kp_err_clear();
    assert_string_equal(kp_err_msg(), "");
    assert_int_equal(kp_err_set(KP_ENOTFOUND, "pods \"%s\" not found", "web"), KP_ENOTFOUND);
    assert_string_equal(kp_err_msg(), "pods \"web\" not found");
    assert_int_equal(kp_err_set(KP_EBADREQUEST, "%s", ""), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(), "");

    /* too long: cut, still terminated */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    kp_err_set(KP_EINTERNAL, "%s", big);
    assert_int_equal(strlen(kp_err_msg()), KP_ERR_MSG_MAX - 1);

    kp_err_set(KP_EINTERNAL, "boom");
    kp_err_clear();
    assert_string_equal(kp_err_msg(), "");
}

/* Adding context to the message already set is how callers are told to add what they can act
 * on; it must not read the buffer it is writing. */
static void test_message_wraps_itself(void **state)
{
    (void)state;
    kp_err_set(KP_EBADREQUEST, "boom %d", 42);
    kp_err_set(KP_EBADREQUEST, "context: %s", kp_err_msg());
    assert_string_equal(kp_err_msg(), "context: boom 42");
    kp_err_set(KP_EBADREQUEST, "%s; %s", kp_err_msg(), kp_err_msg());
    assert_string_equal(kp_err_msg(), "context: boom 42; context: boom 42");
}

static void test_causes(void **state)
{
    const kp_err_cause_entry *c;
    char longfield[400];
    (void)state;

    kp_err_clear();
    assert_int_equal(kp_err_causes(&c), 0);
    kp_err_cause("metadata.name", "FieldValueRequired", "Required value");
    kp_err_cause("spec.replicas", "FieldValueInvalid", "must be >= %d", 0);
    kp_err_cause(NULL, NULL, "no field");
    assert_int_equal(kp_err_causes(&c), 3);
    assert_string_equal(c[0].field, "metadata.name");
    assert_string_equal(c[0].reason, "FieldValueRequired");
    assert_string_equal(c[0].message, "Required value");
    assert_string_equal(c[1].message, "must be >= 0");
    assert_string_equal(c[2].field, "");
    assert_string_equal(c[2].reason, "");

    /* kp_err_set keeps the causes: KP_EINVALID's message comes after them */
    kp_err_set(KP_EINVALID, "Pod \"x\" is invalid");
    assert_int_equal(kp_err_causes(&c), 3);

    /* past KP_ERR_CAUSES_MAX the rest are dropped, the first ones stay */
    for (int i = 0; i < KP_ERR_CAUSES_MAX + 5; i++)
        kp_err_cause("f", "FieldValueInvalid", "cause %d", i);
    assert_int_equal(kp_err_causes(&c), KP_ERR_CAUSES_MAX);
    assert_string_equal(c[3].message, "cause 0");

    kp_err_clear();
    assert_int_equal(kp_err_causes(&c), 0);

    /* long fields are cut to their storage */
    memset(longfield, 'f', sizeof(longfield) - 1);
    longfield[sizeof(longfield) - 1] = '\0';
    kp_err_cause(longfield, "FieldValueInvalid", "x");
    assert_int_equal(kp_err_causes(&c), 1);
    assert_int_equal(strlen(c[0].field), sizeof(c[0].field) - 1);
    kp_err_clear();
}

static void *other_thread(void *arg)
{
    const kp_err_cause_entry *c;
    (void)arg;
    /* a new thread starts clean and what it sets stays its own */
    if (kp_err_msg()[0] != '\0' || kp_err_causes(&c) != 0)
        return (void *)1;
    kp_err_set(KP_EINTERNAL, "other thread");
    kp_err_cause("x", "y", "z");
    return NULL;
}

static void test_thread_local(void **state)
{
    pthread_t t;
    void *ret = NULL;
    const kp_err_cause_entry *c;
    (void)state;

    kp_err_clear();
    kp_err_set(KP_ENOTFOUND, "mine");
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_null(ret);
    assert_string_equal(kp_err_msg(), "mine");
    assert_int_equal(kp_err_causes(&c), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_kubernetes_mapping),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_message_wraps_itself),
        cmocka_unit_test(test_causes),
        cmocka_unit_test(test_thread_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
