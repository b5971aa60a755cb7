#include "lib/common.h"
#include "lib/quantity.h"
#include "sync/sim.h"
#include "tests/support/testlib.h"

typedef struct {
    const char *in;
    int64_t milli;
} qty_case;

/* k8s resource.Quantity in milli-units, as cluster-sim's scheduler adds requests up. */
static void test_quantity(void **state)
{
    static const qty_case cases[] = {
        {"100m", 100},
        {"1", 1000},
        {"0.5", 500},
        {"2.25", 2250},
        {"8", 8000},
        {"1k", 1000000},
        {"1Ki", 1024000},
        {"64Mi", 64LL * 1024 * 1024 * 1000},
        {"32Gi", 32LL * 1024 * 1024 * 1024 * 1000},
        {"1G", 1000000000000LL},
        {"1.5e3", 1500000},
        {"1e-3", 1},
        {"0.1m", 1}, /* rounded up, as the scheduler does */
        {"+2", 2000},
        {"-1", -1000},
        {"0", 0},
        {"8Ei", 4000000000000000000LL}, /* capped */
    };
    static const char *const bad[] = {"", "m", "abc", "1Q", "1e", "1.2.3", "Mi1", "1 Gi", "--1"};
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(cases); i++) {
        int64_t v = -7;
        assert_int_equal(kp_quantity_milli(&v, cases[i].in), 0);
        if (v != cases[i].milli)
            fail_msg("\"%s\": %lld, wanted %lld", cases[i].in, (long long)v,
                     (long long)cases[i].milli);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        int64_t v;
        if (kp_quantity_milli(&v, bad[i]) != KP_EINVALID)
            fail_msg("\"%s\" parsed", bad[i]);
        assert_true(kp_err_msg()[0] != '\0');
        kp_err_clear();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
