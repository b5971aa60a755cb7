#include "lib/common.h"
#include "lib/sv.h"
#include "tests/support/testlib.h"

static void test_eq(void **state)
{
    (void)state;
    assert_true(kp_sv_eq(KP_SV_LIT("abc"), kp_sv_from("abc")));
    assert_false(kp_sv_eq(KP_SV_LIT("abc"), KP_SV_LIT("abd")));
    assert_false(kp_sv_eq(KP_SV_LIT("ab"), KP_SV_LIT("abc")));
    assert_true(kp_sv_eq(kp_sv_from(NULL), KP_SV_LIT(""))); /* empty views compare equal */
    assert_int_equal(kp_sv_from(NULL).len, 0);
    assert_true(kp_sv_eq_str((kp_sv){"abcdef", 3}, "abc")); /* the view, not the string */
    assert_false(kp_sv_eq_str((kp_sv){"abcdef", 3}, "abcdef"));
    assert_true(kp_sv_eq_nocase(KP_SV_LIT("Content-Type"), "content-type"));
    assert_false(kp_sv_eq_nocase(KP_SV_LIT("Content-Type"), "content-typ"));
    assert_true(kp_sv_starts_with(KP_SV_LIT("Bearer xyz"), "Bearer "));
    assert_false(kp_sv_starts_with(KP_SV_LIT("Bear"), "Bearer "));
    assert_true(kp_sv_starts_with(KP_SV_LIT(""), ""));
}

typedef struct {
    const char *in;
    char sep;
    bool found;
    const char *field, *rest;
} cut_case;

static void test_cut(void **state)
{
    static const cut_case cases[] = {
        {"a,b", ',', true, "a", "b"}, {"a,b,c", ',', true, "a", "b,c"},
        {",b", ',', true, "", "b"},   {"a,", ',', true, "a", ""},
        {",", ',', true, "", ""},     {"abc", ',', false, "abc", ""},
        {"", ',', false, "", ""},     {"k=v=w", '=', true, "k", "v=w"},
    };
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        kp_sv in = kp_sv_from(cases[i].in), field;
        bool found = kp_sv_cut(&in, cases[i].sep, &field);
        assert_int_equal(found, cases[i].found);
        assert_true(kp_sv_eq_str(field, cases[i].field));
        assert_true(kp_sv_eq_str(in, cases[i].rest));
    }
    {
        /* the separator past the view's end is not seen */
        kp_sv in = {"ab,cd", 2}, field;
        assert_false(kp_sv_cut(&in, ',', &field));
        assert_true(kp_sv_eq_str(field, "ab"));
        assert_int_equal(in.len, 0);
    }
    {
        /* the loop every parser writes: three fields, the last one empty */
        kp_sv in = KP_SV_LIT("x,,"), field;
        int n = 0;
        bool more = true;
        while (more) {
            more = kp_sv_cut(&in, ',', &field);
            assert_true(n > 0 ? field.len == 0 : kp_sv_eq_str(field, "x"));
            n++;
        }
        assert_int_equal(n, 3);
    }
}

static void test_trim(void **state)
{
    (void)state;
    assert_true(kp_sv_eq_str(kp_sv_trim(KP_SV_LIT("  a b  ")), "a b"));
    assert_true(kp_sv_eq_str(kp_sv_trim(KP_SV_LIT("\t\r\n a\v\f")), "a"));
    assert_true(kp_sv_eq_str(kp_sv_trim(KP_SV_LIT("a")), "a"));
    assert_int_equal(kp_sv_trim(KP_SV_LIT("   ")).len, 0);
    assert_int_equal(kp_sv_trim(KP_SV_LIT("")).len, 0);
    assert_int_equal(kp_sv_trim((kp_sv){" x ", 1}).len, 0);
    assert_true(kp_sv_eq_str(kp_sv_trim((kp_sv){" x  y", 3}), "x"));
}

typedef struct {
    const char *in;
    int64_t min, max;
    int rc;
    int64_t want;
} i64_case;

static void test_parse_i64(void **state)
{
    static const i64_case cases[] = {
        {"0", 0, 10, 0, 0},
        {"10", 0, 10, 0, 10},
        {"11", 0, 10, KP_EBADREQUEST, 0},
        {"-1", 0, 10, KP_EBADREQUEST, 0},
        {"-5", -5, 5, 0, -5},
        {"+7", 0, 10, 0, 7},
        {"007", 0, 10, 0, 7},
        {"9223372036854775807", INT64_MIN, INT64_MAX, 0, INT64_MAX},
        {"-9223372036854775808", INT64_MIN, INT64_MAX, 0, INT64_MIN},
        {"9223372036854775808", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"-9223372036854775809", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"18446744073709551616", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"99999999999999999999999", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        /* leading zeros do not make a number too long (Go's ParseInt agrees) */
        {"000000000000000000000042", INT64_MIN, INT64_MAX, 0, 42},
        {"-0000000000000000000009223372036854775808", INT64_MIN, INT64_MAX, 0, INT64_MIN},
        {"", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"+", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"-", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"1a", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {" 1", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"1 ", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"0x10", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"1.0", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"1e3", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"--1", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"1_000", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0},
        {"/", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0}, /* '0' - 1 */
        {":", INT64_MIN, INT64_MAX, KP_EBADREQUEST, 0}, /* '9' + 1 */
    };
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        int64_t v = 12345;
        int rc = kp_parse_i64(&v, kp_sv_from(cases[i].in), cases[i].min, cases[i].max);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d (%s)", cases[i].in, rc, cases[i].rc, kp_err_msg());
        if (rc == 0 && v != cases[i].want)
            fail_msg("\"%s\": %lld, want %lld", cases[i].in, (long long)v,
                     (long long)cases[i].want);
        if (rc < 0 && v != 12345)
            fail_msg("\"%s\": *out written on failure", cases[i].in);
    }
    {
        int64_t v;
        /* a view: the digits past its end are not read */
        assert_int_equal(kp_parse_i64(&v, (kp_sv){"12345", 2}, 0, 100), 0);
        assert_int_equal(v, 12);
        assert_int_equal(kp_parse_i64(&v, KP_SV_LIT("abc"), 0, 1), KP_EBADREQUEST);
        assert_string_equal(kp_err_msg(), "\"abc\" is not an integer");
        assert_int_equal(kp_parse_i64(&v, KP_SV_LIT("101"), 0, 100), KP_EBADREQUEST);
        assert_string_equal(kp_err_msg(), "101 is out of range [0, 100]");
        assert_int_equal(kp_parse_i64(&v, KP_SV_LIT("123456789012345678901"), 0, 1),
                         KP_EBADREQUEST);
        assert_string_equal(kp_err_msg(), "\"123456789012345678901\" is out of range");
    }
}

static void test_parse_bool(void **state)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    static const char *const bad[] = {"",   "yes", "no",    "TRue", "tRUE",   "2",
                                      "on", " 1",  "true ", "y",    "falsey", "-1"};
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(yes); i++) {
        bool v = false;
        assert_int_equal(kp_parse_bool(&v, kp_sv_from(yes[i])), 0);
        assert_true(v);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(no); i++) {
        bool v = true;
        assert_int_equal(kp_parse_bool(&v, kp_sv_from(no[i])), 0);
        assert_false(v);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        bool v = true;
        if (kp_parse_bool(&v, kp_sv_from(bad[i])) != KP_EBADREQUEST)
            fail_msg("\"%s\" parsed as a boolean", bad[i]);
        assert_true(v); /* untouched */
    }
    {
        bool v;
        assert_int_equal(kp_parse_bool(&v, (kp_sv){"truex", 4}), 0);
        assert_true(v);
        assert_int_equal(kp_parse_bool(&v, KP_SV_LIT("maybe")), KP_EBADREQUEST);
        assert_string_equal(kp_err_msg(), "\"maybe\" is not a boolean");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eq),         cmocka_unit_test(test_cut),
        cmocka_unit_test(test_trim),       cmocka_unit_test(test_parse_i64),
        cmocka_unit_test(test_parse_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
