#include "lib/common.h"
#include "lib/arena.h"
#include "tests/support/testlib.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_alignment(void **state)
{
    static const size_t sizes[] = {0, 1, 3, 15, 16, 17, 100, 4095, 4096, 4097, 8000, 9000, 1};
    kp_arena *a = kp_arena_new();
    (void)state;

    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < KP_ARRAY_LEN(sizes); i++) {
            unsigned char *p = kp_arena_alloc(a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
            if (sizes[i])
                memset(p, 0xab, sizes[i]); /* every byte is usable (valgrind checks) */
        }
    }
    kp_arena_free(a);
}

static void test_no_overlap(void **state)
{
    kp_arena *a = kp_arena_new();
    unsigned char *ptrs[300];
    size_t lens[300];
    (void)state;

    /* small and big allocations interleaved; each keeps its own bytes */
    for (size_t i = 0; i < KP_ARRAY_LEN(ptrs); i++) {
        lens[i] = i % 7 == 0 ? 5000 + i : 1 + i % 40;
        ptrs[i] = kp_arena_alloc(a, lens[i]);
        memset(ptrs[i], (int)(i & 0xff), lens[i]);
    }
    for (size_t i = 0; i < KP_ARRAY_LEN(ptrs); i++)
        for (size_t k = 0; k < lens[i]; k++)
            if (ptrs[i][k] != (unsigned char)(i & 0xff))
                fail_msg("allocation %zu was overwritten at byte %zu", i, k);
    kp_arena_free(a);
}

static void test_big(void **state)
{
    kp_arena *a = kp_arena_new();
    char *small1, *big, *small2;
    (void)state;

    small1 = kp_arena_alloc(a, 32);
    big = kp_arena_alloc(a, 10 * 1024 * 1024);
    memset(big, 'b', 10 * 1024 * 1024);
    /* a big one-off does not waste the block in use: the next small one follows the first */
    small2 = kp_arena_alloc(a, 32);
    assert_ptr_equal(small2, small1 + 32);
    assert_int_equal(kp_arena_used(a), 32 + 10 * 1024 * 1024 + 32);
    kp_arena_free(a);
}

static void test_used_and_helpers(void **state)
{
    kp_arena *a = kp_arena_new();
    char *s;
    int *zeros;
    (void)state;

    assert_int_equal(kp_arena_used(a), 0);
    kp_arena_alloc(a, 1);
    assert_int_equal(kp_arena_used(a), 16); /* rounded to the alignment */
    s = kp_arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    assert_null(kp_arena_strdup(a, NULL));
    s = kp_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    s = kp_arena_strndup(a, NULL, 0);
    assert_string_equal(s, "");
    s = kp_arena_sv(a, (kp_sv){"abcdef", 3});
    assert_string_equal(s, "abc");
    s = kp_arena_printf(a, "%s-%d-%05.2f", "x", 7, 1.5);
    assert_string_equal(s, "x-7-01.50");
    zeros = kp_arena_calloc(a, 1000, sizeof(int));
    for (int i = 0; i < 1000; i++)
        assert_int_equal(zeros[i], 0);
    kp_arena_free(a);
    kp_arena_free(NULL);
}

typedef struct {
    char order[16];
    size_t n;
} defer_log;

static void note_a(void *arg)
{
    defer_log *l = arg;
    l->order[l->n++] = 'a';
}

static void note_b(void *arg)
{
    defer_log *l = arg;
    l->order[l->n++] = 'b';
}

static void note_c(void *arg)
{
    defer_log *l = arg;
    l->order[l->n++] = 'c';
}

static void test_defer_order(void **state)
{
    kp_arena *a = kp_arena_new();
    defer_log l = {{0}, 0};
    char *heap = kp_strdup("released with the arena");
    (void)state;

    kp_arena_defer(a, note_a, &l);
    kp_arena_alloc(a, 20000); /* defers survive block changes */
    kp_arena_defer(a, note_b, &l);
    for (int i = 0; i < 100; i++)
        kp_arena_alloc(a, 200);
    kp_arena_defer(a, note_c, &l);
    kp_arena_defer(a, free, heap); /* valgrind: no leak */
    assert_int_equal(l.n, 0);
    kp_arena_free(a);
    /* last registered runs first, as cleanup of nested resources needs */
    assert_string_equal(l.order, "cba");
}

/* A size near SIZE_MAX must not wrap into a tiny block that the caller then overruns. */
static void test_huge_aborts(void **state)
{
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 7, SIZE_MAX - 15 - 8};
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(sizes); i++) {
        int status = 0;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            kp_arena *a = kp_arena_new();
            (void)kp_arena_alloc(a, sizes[i]);
            _exit(0); /* returned: the bug */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("kp_arena_alloc(%zu) returned instead of aborting", sizes[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),   cmocka_unit_test(test_no_overlap),
        cmocka_unit_test(test_big),         cmocka_unit_test(test_used_and_helpers),
        cmocka_unit_test(test_defer_order), cmocka_unit_test(test_huge_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
