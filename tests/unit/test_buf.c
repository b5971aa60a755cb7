#include "lib/common.h"
#include "lib/buf.h"
#include "tests/support/testlib.h"

#include <unistd.h>

static void test_empty(void **state)
{
    kp_buf b = KP_BUF_INIT(16);
    (void)state;

    assert_string_equal(kp_buf_cstr(&b), ""); /* never NULL, even before the first append */
    assert_int_equal(b.len, 0);
    assert_int_equal(kp_buf_status(&b), 0);
    assert_int_equal(kp_buf_sv(&b).len, 0);
    kp_buf_dispose(&b);
    kp_buf_dispose(&b); /* twice is fine */
    kp_buf_dispose(NULL);
}

static void test_put(void **state)
{
    kp_buf b;
    (void)state;

    kp_buf_init(&b, 1 << 20);
    kp_buf_puts(&b, "hello");
    kp_buf_putc(&b, ' ');
    kp_buf_put(&b, "world!!", 5);
    kp_buf_put_sv(&b, KP_SV_LIT("."));
    kp_buf_put(&b, NULL, 0);
    assert_int_equal(kp_buf_status(&b), 0);
    assert_string_equal(kp_buf_cstr(&b), "hello world.");
    assert_int_equal(b.len, 12);
    assert_true(kp_sv_eq_str(kp_buf_sv(&b), "hello world."));
    /* growing past the first allocation keeps what was there */
    for (int i = 0; i < 1000; i++)
        kp_buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 1012);
    assert_memory_equal(b.p, "hello world.abc", 15);
    assert_int_equal(b.p[b.len], '\0');
    kp_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(kp_buf_cstr(&b), "");
    kp_buf_dispose(&b);
}

static void test_nul_bytes(void **state)
{
    kp_buf b = KP_BUF_INIT(64);
    static const char bytes[] = {'a', '\0', 'b', '\0'};
    char *p;
    size_t len;
    (void)state;

    kp_buf_put(&b, bytes, sizeof(bytes));
    kp_buf_putc(&b, '\0');
    assert_int_equal(b.len, 5); /* the length, not strlen, is the truth */
    assert_memory_equal(b.p, "a\0b\0\0", 5);
    assert_int_equal(kp_buf_sv(&b).len, 5);
    p = kp_buf_take(&b, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(p, "a\0b\0\0", 6); /* still NUL-terminated past the length */
    free(p);
}

static void test_cap_sticky(void **state)
{
    kp_buf b = KP_BUF_INIT(10);
    (void)state;

    kp_buf_puts(&b, "12345678");
    assert_int_equal(kp_buf_status(&b), 0);
    kp_buf_puts(&b, "abc"); /* 11 > 10 */
    assert_int_equal(b.len, 8);
    assert_string_equal(kp_buf_cstr(&b), "12345678");
    /* sticky: this one would fit, but the buffer already failed */
    kp_buf_putc(&b, 'x');
    kp_buf_appendf(&b, "%d", 9);
    assert_int_equal(b.len, 8);
    kp_err_clear();
    assert_int_equal(kp_buf_status(&b), KP_ETOOLARGE);
    assert_string_equal(kp_err_msg(), "content is larger than the limit of 10 bytes");
    /* reset starts over */
    kp_buf_reset(&b);
    assert_int_equal(kp_buf_status(&b), 0);
    kp_buf_puts(&b, "0123456789"); /* exactly the cap */
    assert_int_equal(kp_buf_status(&b), 0);
    assert_int_equal(b.len, 10);
    kp_buf_putc(&b, 'x');
    assert_int_equal(kp_buf_status(&b), KP_ETOOLARGE);
    kp_buf_dispose(&b);

    /* a zero cap holds nothing, and a huge length does not wrap the size check */
    kp_buf_init(&b, 0);
    kp_buf_put(&b, "", 0);
    assert_int_equal(kp_buf_status(&b), 0);
    kp_buf_putc(&b, 'x');
    assert_int_equal(kp_buf_status(&b), KP_ETOOLARGE);
    kp_buf_dispose(&b);
    kp_buf_init(&b, 100);
    kp_buf_puts(&b, "abc");
    kp_buf_put(&b, "x", SIZE_MAX - 1);
    assert_int_equal(kp_buf_status(&b), KP_ETOOLARGE);
    assert_int_equal(b.len, 3);
    kp_buf_dispose(&b);
}

static void test_appendf(void **state)
{
    kp_buf b = KP_BUF_INIT(1 << 16);
    char big[3000];
    (void)state;

    kp_buf_appendf(&b, "%s=%d", "n", 42);
    kp_buf_appendf(&b, ",%05.1f,%zu,%c", 3.14159, (size_t)7, 'z');
    kp_buf_appendf(&b, "%s", "");
    assert_string_equal(kp_buf_cstr(&b), "n=42,003.1,7,z");
    /* a formatted piece longer than the current allocation */
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    kp_buf_appendf(&b, "[%s]", big);
    assert_int_equal(b.len, 14 + 2 + 2999);
    assert_int_equal(b.p[15], 'q');
    assert_int_equal(b.p[b.len - 1], ']');
    assert_int_equal(b.p[b.len], '\0');
    kp_buf_dispose(&b);

    /* past the cap: nothing of it lands, and the error sticks */
    kp_buf_init(&b, 8);
    kp_buf_appendf(&b, "%s", "1234");
    kp_buf_appendf(&b, "%s", "56789");
    assert_string_equal(kp_buf_cstr(&b), "1234");
    assert_int_equal(kp_buf_status(&b), KP_ETOOLARGE);
    kp_buf_dispose(&b);
}

static void test_take(void **state)
{
    kp_buf b = KP_BUF_INIT(64);
    size_t len = 99;
    char *p;
    (void)state;

    p = kp_buf_take(&b, &len); /* nothing appended yet: still a string */
    assert_non_null(p);
    assert_string_equal(p, "");
    assert_int_equal(len, 0);
    free(p);

    kp_buf_puts(&b, "abc");
    p = kp_buf_take(&b, &len);
    assert_string_equal(p, "abc");
    assert_int_equal(len, 3);
    /* b is empty and usable again, with the same cap */
    assert_int_equal(b.len, 0);
    assert_null(b.p);
    kp_buf_puts(&b, "de");
    assert_string_equal(kp_buf_cstr(&b), "de");
    free(p);
    p = kp_buf_take(&b, NULL);
    assert_string_equal(p, "de");
    free(p);

    /* take clears a sticky error along with the bytes */
    kp_buf_init(&b, 2);
    kp_buf_puts(&b, "toolong");
    p = kp_buf_take(&b, NULL);
    free(p);
    assert_int_equal(kp_buf_status(&b), 0);
    kp_buf_dispose(&b);
}

static void test_read_fd(void **state)
{
    int fds[2];
    kp_buf b = KP_BUF_INIT(1 << 20);
    char chunk[5000];
    char *dir, *path;
    FILE *f;
    (void)state;

    assert_int_equal(pipe(fds), 0);
    memset(chunk, 'r', sizeof(chunk));
    assert_int_equal(write(fds[1], chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
    assert_int_equal(write(fds[1], "\0end", 4), 4);
    close(fds[1]);
    assert_int_equal(kp_buf_read_fd(&b, fds[0]), 0);
    close(fds[0]);
    assert_int_equal(b.len, 5004);
    assert_memory_equal(b.p + 5000, "\0end", 4);
    kp_buf_dispose(&b);

    /* past the cap */
    kp_buf_init(&b, 100);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], chunk, 101), 101);
    close(fds[1]);
    assert_int_equal(kp_buf_read_fd(&b, fds[0]), KP_ETOOLARGE);
    close(fds[0]);
    kp_buf_dispose(&b);

    dir = kp_test_tmpdir();
    path = kp_asprintf("%s/f", dir);
    kp_buf_init(&b, 100);
    assert_int_equal(kp_buf_read_file(&b, path), KP_ENOTFOUND);
    assert_non_null(strstr(kp_err_msg(), "does not exist"));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("file body", f);
    fclose(f);
    assert_int_equal(kp_buf_read_file(&b, path), 0);
    assert_string_equal(kp_buf_cstr(&b), "file body");
    kp_buf_dispose(&b);
    free(path);
    kp_test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),     cmocka_unit_test(test_put),
        cmocka_unit_test(test_nul_bytes), cmocka_unit_test(test_cap_sticky),
        cmocka_unit_test(test_appendf),   cmocka_unit_test(test_take),
        cmocka_unit_test(test_read_fd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
