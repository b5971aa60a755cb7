#include "lib/common.h"
#include "gitops/hosted.h"
#include "lib/arena.h"
#include "tests/support/testlib.h"

/* GitHub's documented example ("Validating webhook deliveries"): this secret and payload give
 * this signature. */
#define GH_SECRET "It's a Secret to Everybody"
#define GH_PAYLOAD "Hello, World!"
#define GH_SIG "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

static void test_signature_github_example(void **state)
{
    kp_sv body = KP_SV_LIT(GH_PAYLOAD);
    (void)state;

    assert_true(kp_hosted_signature_ok(KP_SV_LIT(GH_SIG), GH_SECRET, strlen(GH_SECRET), body));
    /* hex digits in either case */
    assert_true(kp_hosted_signature_ok(
        KP_SV_LIT("sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"),
        GH_SECRET, strlen(GH_SECRET), body));
    /* another secret, another body, one digit changed */
    assert_false(kp_hosted_signature_ok(KP_SV_LIT(GH_SIG), "It's a secret to everybody",
                                        strlen(GH_SECRET), body));
    assert_false(kp_hosted_signature_ok(KP_SV_LIT(GH_SIG), GH_SECRET, strlen(GH_SECRET),
                                        KP_SV_LIT("Hello, World?")));
    assert_false(kp_hosted_signature_ok(
        KP_SV_LIT("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18"),
        GH_SECRET, strlen(GH_SECRET), body));
}

static void test_signature_parse(void **state)
{
    static const char *const bad[] = {
        "",
        "sha256=",
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
        "sha256:757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e177",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1g",
        " sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    };
    uint8_t mac[32];
    (void)state;

    assert_int_equal(kp_hosted_parse_signature(mac, KP_SV_LIT(GH_SIG)), 0);
    assert_int_equal(mac[0], 0x75);
    assert_int_equal(mac[31], 0x17);
    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        assert_int_equal(kp_hosted_parse_signature(mac, kp_sv_from(bad[i])), KP_EBADREQUEST);
        assert_non_null(strstr(kp_err_msg(), "X-Hub-Signature-256"));
        kp_err_clear();
    }
}

static void test_cgi_parse(void **state)
{
    kp_arena *a = kp_arena_new();
    kp_hosted_cgi cgi;
    static const char ok[] = "Status: 404 Not Found\r\n"
                             "Expires: Fri, 01 Jan 1980 00:00:00 GMT\r\n"
                             "Content-Type: text/plain\r\n"
                             "Cache-Control:no-cache\r\n"
                             "\r\n"
                             "Repository not exported.\n";
    (void)state;

    assert_int_equal(kp_hosted_cgi_parse(&cgi, a, kp_sv_from(ok)), 0);
    assert_int_equal(cgi.code, 404);
    assert_string_equal(cgi.content_type, "text/plain");
    assert_string_equal(cgi.headers->name, "Expires");
    assert_string_equal(cgi.headers->value, "Fri, 01 Jan 1980 00:00:00 GMT");
    assert_string_equal(cgi.headers->next->name, "Cache-Control");
    assert_string_equal(cgi.headers->next->value, "no-cache");
    assert_null(cgi.headers->next->next);
    assert_string_equal(ok + cgi.len, "Repository not exported.\n");

    /* LF only, no Status: 200 */
    assert_int_equal(kp_hosted_cgi_parse(&cgi, a, KP_SV_LIT("Content-Type: a/b\n\nbody")), 0);
    assert_int_equal(cgi.code, 200);
    assert_int_equal(cgi.len, 19);

    static const char *const bad[] = {
        "Content-Type: a/b\r\n", /* no end of headers */
        "Status: 2000\r\n\r\n",  /* not a 3-digit code */
        "Status: 42\r\n\r\n",    /* out of range */
        ": v\r\n\r\n",           /* no name */
        "Bad Name: v\r\n\r\n",   /* not a token */
        "X-A: one\rtwo\r\n\r\n", /* a CR inside a value */
        "no colon at all\r\n\r\n",
    };
    for (size_t i = 0; i < KP_ARRAY_LEN(bad); i++) {
        assert_int_equal(kp_hosted_cgi_parse(&cgi, a, kp_sv_from(bad[i])), KP_EINTERNAL);
        assert_true(kp_err_msg()[0] != '\0');
        kp_err_clear();
    }
    kp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_github_example),
        cmocka_unit_test(test_signature_parse),
        cmocka_unit_test(test_cgi_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
