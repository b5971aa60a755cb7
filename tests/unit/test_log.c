#include "lib/common.h"
#include "lib/buf.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "tests/support/testlib.h"

#include <fcntl.h>
#include <unistd.h>

/* Each test logs into a pipe and reads back what a log collector would see. */
typedef struct {
    int fds[2];
    kp_buf out;
} capture;

static int cap_setup(void **state)
{
    capture *c = kp_calloc(1, sizeof(*c));
    if (pipe(c->fds) != 0)
        return -1;
    /* big enough for every test's output without a reader on the other end */
    fcntl(c->fds[1], F_SETPIPE_SZ, 1 << 20);
    kp_buf_init(&c->out, 1 << 20);
    kp_log_set_fd(c->fds[1]);
    *state = c;
    return 0;
}

static int cap_teardown(void **state)
{
    capture *c = *state;
    kp_log_set_fd(2);
    kp_log_set_level(KP_LEVEL_INFO);
    close(c->fds[0]);
    if (c->fds[1] >= 0)
        close(c->fds[1]);
    kp_buf_dispose(&c->out);
    free(c);
    return 0;
}

/* Everything logged so far; ends the capture. */
static const char *cap_read(capture *c)
{
    kp_log_set_fd(2);
    close(c->fds[1]);
    c->fds[1] = -1;
    assert_int_equal(kp_buf_read_fd(&c->out, c->fds[0]), 0);
    return kp_buf_cstr(&c->out);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The msg="..." value of the line at out is well formed and followed by tail. */
static void assert_msg_closed(const char *out, const char *tail)
{
    const char *p = strstr(out, "msg=\"");
    assert_non_null(p);
    for (p += 5; *p != '"'; p++) {
        assert_true(*p != '\0' && *p != '\n');
        if (*p == '\\') {
            p++;
            assert_non_null(strchr("\"\\nrtx", *p));
        }
    }
    if (strncmp(p + 1, tail, strlen(tail)) != 0)
        fail_msg("after the message: \"%.40s\", want \"%s\"", p + 1, tail);
}

static int evaluated;

static int side_effect(void)
{
    return ++evaluated;
}

static void test_levels(void **state)
{
    capture *c = *state;
    const char *out;

    kp_log_set_level(KP_LEVEL_WARN);
    assert_true(KP_LOG_ENABLED(KP_LEVEL_ERROR));
    assert_true(KP_LOG_ENABLED(KP_LEVEL_WARN));
    assert_false(KP_LOG_ENABLED(KP_LEVEL_INFO));
    KP_LOG_ERROR("test", "an error %d", 1);
    KP_LOG_WARN("test", "a warning %d", 2);
    KP_LOG_INFO("test", "info %d", 3);
    KP_LOG_DEBUG("test", "debug %d", 4);
    kp_log_fields(KP_LEVEL_INFO, "access", "code=200");
    kp_log_fields(KP_LEVEL_WARN, "access", "code=500");
    out = cap_read(c);
    assert_int_equal(count_lines(out), 3);
    assert_non_null(strstr(out, " level=error mod=test msg=\"an error 1\"\n"));
    assert_non_null(strstr(out, " level=warn mod=test msg=\"a warning 2\"\n"));
    assert_non_null(strstr(out, " level=warn mod=access code=500\n"));
    assert_null(strstr(out, "info 3"));
    assert_null(strstr(out, "debug 4"));
    assert_null(strstr(out, "code=200"));
    assert_true(strncmp(out, "ts=", 3) == 0);
}

static void test_debug_level(void **state)
{
    capture *c = *state;
    kp_log_set_level(KP_LEVEL_DEBUG);
    KP_LOG_DEBUG("test", "now visible");
    assert_non_null(strstr(cap_read(c), " level=debug mod=test msg=\"now visible\"\n"));
}

static void test_args_not_evaluated(void **state)
{
    capture *c = *state;

    evaluated = 0;
    kp_log_set_level(KP_LEVEL_ERROR);
    KP_LOG_INFO("test", "%d", side_effect());
    KP_LOG_DEBUG("test", "%d %d", side_effect(), side_effect());
    assert_int_equal(evaluated, 0);
    KP_LOG_ERROR("test", "%d", side_effect());
    assert_int_equal(evaluated, 1);
    assert_non_null(strstr(cap_read(c), "msg=\"1\"\n"));
}

static void test_escaping(void **state)
{
    capture *c = *state;
    const char *out;

    KP_LOG_INFO("test", "say \"%s\" \\ %s", "hi", "bye");
    KP_LOG_INFO("test", "two\nlines\nhere");
    out = cap_read(c);
    /* one event, one line: the newline inside a message is escaped */
    assert_int_equal(count_lines(out), 2);
    assert_non_null(strstr(out, "msg=\"say \\\"hi\\\" \\\\ bye\"\n"));
    assert_non_null(strstr(out, "msg=\"two\\nlines\\nhere\"\n"));
}

static void test_long_line(void **state)
{
    capture *c = *state;
    char *big = kp_malloc(3 * KP_LOG_LINE_MAX);
    const char *out;

    /* quotes double in size when escaped: the line still ends as one line, cut and marked */
    memset(big, '"', 3 * KP_LOG_LINE_MAX - 1);
    big[3 * KP_LOG_LINE_MAX - 1] = '\0';
    KP_LOG_WARN("test", "%s", big);
    KP_LOG_WARN("test", "after");
    out = cap_read(c);
    assert_int_equal(count_lines(out), 2);
    assert_true(strchr(out, '\n') - out < KP_LOG_LINE_MAX);
    assert_msg_closed(out, " truncated=1\n");
    assert_non_null(strstr(out, "msg=\"after\"\n"));
    free(big);
}

/* A cut line is still key=value: the message's quote is closed, no escape is cut in half. */
static void test_long_line_cut_cleanly(void **state)
{
    capture *c = *state;
    char *big = kp_malloc(KP_LOG_LINE_MAX);
    const char *out;

    for (size_t odd = 0; odd < 2; odd++) {
        /* shift by one byte so the cap falls on each half of an escape in turn */
        memset(big, '\\', KP_LOG_LINE_MAX - 1);
        big[0] = 'x';
        big[KP_LOG_LINE_MAX - 1] = '\0';
        KP_LOG_WARN("test", "%s", big + odd);
    }
    out = cap_read(c);
    assert_int_equal(count_lines(out), 2);
    assert_msg_closed(out, " truncated=1\n");
    assert_msg_closed(strchr(out, '\n') + 1, " truncated=1\n");
    free(big);
}

static void test_control_chars(void **state)
{
    capture *c = *state;
    const char *out;

    KP_LOG_INFO("test", "a\rb\tc\x01"
                        "d\x7f");
    out = cap_read(c);
    assert_int_equal(count_lines(out), 1);
    assert_non_null(strstr(out, "msg=\"a\\rb\\tc\\x01d\\x7f\"\n"));
}

static void test_parse_level(void **state)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    kp_level l;
    (void)state;

    for (size_t i = 0; i < KP_ARRAY_LEN(names); i++) {
        assert_int_equal(kp_log_parse_level(&l, names[i]), 0);
        assert_int_equal(l, (kp_level)i);
    }
    assert_int_equal(kp_log_parse_level(&l, "INFO"), KP_EBADREQUEST);
    assert_int_equal(kp_log_parse_level(&l, ""), KP_EBADREQUEST);
    assert_int_equal(kp_log_parse_level(&l, "verbose"), KP_EBADREQUEST);
    assert_string_equal(kp_err_msg(),
                        "unknown log level \"verbose\" (use error, warn, info or debug)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_levels, cap_setup, cap_teardown),
        cmocka_unit_test_setup_teardown(test_debug_level, cap_setup, cap_teardown),
        cmocka_unit_test_setup_teardown(test_args_not_evaluated, cap_setup, cap_teardown),
        cmocka_unit_test_setup_teardown(test_escaping, cap_setup, cap_teardown),
        cmocka_unit_test_setup_teardown(test_long_line, cap_setup, cap_teardown),
        cmocka_unit_test_setup_teardown(test_long_line_cut_cleanly, cap_setup, cap_teardown),
        cmocka_unit_test_setup_teardown(test_control_chars, cap_setup, cap_teardown),
        cmocka_unit_test(test_parse_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
