#include "lib/common.h"
#include "gitops/hosted.h"
#include "lib/arena.h"

/* libFuzzer target for kp_hosted_cgi_parse, which reads the header block git http-backend
 * writes before a response body (kplane answers with what it finds there). Besides not
 * crashing: a refusal is KP_EINTERNAL with a message; an accepted block ends with an empty
 * line inside the input, at most KP_HOSTED_CGI_HEADER_MAX + 1 bytes in; its status is a
 * 3-digit code; no header name or value holds a CR or LF (they become HTTP headers). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_crlf(const char *s)
{
    if (strpbrk(s, "\r\n"))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_arena *a = kp_arena_new();
    kp_hosted_cgi cgi;
    kp_sv in = {(const char *)data, size};
    size_t n = 0;
    int rc = kp_hosted_cgi_parse(&cgi, a, in);

    if (rc < 0) {
        if (rc != KP_EINTERNAL || kp_err_msg()[0] == '\0')
            abort();
        kp_err_clear();
        goto out;
    }
    if (cgi.len == 0 || cgi.len > size || data[cgi.len - 1] != '\n' ||
        cgi.len > KP_HOSTED_CGI_HEADER_MAX + 2 || cgi.code < 100 || cgi.code > 599)
        abort();
    if (cgi.content_type)
        no_crlf(cgi.content_type);
    for (const kp_http_hdr *hd = cgi.headers; hd; hd = hd->next) {
        no_crlf(hd->name);
        no_crlf(hd->value);
        if (!hd->name[0] || ++n > KP_HOSTED_CGI_HEADERS_MAX)
            abort();
    }
out:
    kp_arena_free(a);
    return 0;
}
