#include "lib/common.h"
#include "lib/httpc.h"

#include <curl/curl.h>

/* URLs appear in error messages; a URL never carries a credential here (tokens travel in a
 * header, certificates as blobs), but cut it so a message stays one readable line. */
#define HTTPC_URL_SHOW 512

int kp_httpc_global_init(void)
{
    CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK)
        return kp_err_set(KP_EINTERNAL, "cannot initialize libcurl: %s", curl_easy_strerror(cc));
    return 0;
}

void kp_httpc_global_cleanup(void)
{
    curl_global_cleanup();
}

void kp_httpc_resp_init(kp_httpc_resp *r)
{
    r->status = 0;
    kp_buf_init(&r->body, KP_HTTPC_BODY_MAX_DEFAULT);
    r->content_type = NULL;
}

void kp_httpc_resp_dispose(kp_httpc_resp *r)
{
    if (!r)
        return;
    kp_buf_dispose(&r->body);
    free(r->content_type);
    r->content_type = NULL;
    r->status = 0;
}

static size_t httpc_write(char *p, size_t size, size_t n, void *ud)
{
    kp_buf *b = ud;
    size_t len = size * n;

    kp_buf_put(b, p, len);
    /* a short count makes libcurl stop reading with CURLE_WRITE_ERROR: read no further than
     * the cap */
    return kp_buf_status(b) < 0 ? 0 : len;
}

/* libcurl's error code and text as a kp_err code and message. */
static int httpc_error(CURLcode cc, const char *errbuf, const kp_httpc_req *req,
                       const kp_httpc_resp *resp)
{
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    int url_len = (int)KP_MIN(strlen(req->url), (size_t)HTTPC_URL_SHOW);
    int code;

    switch (cc) {
    case CURLE_WRITE_ERROR:
        if (kp_buf_status(&resp->body) < 0)
            return kp_err_set(KP_ETOOLARGE, "response from %.*s is larger than %zu bytes", url_len,
                              req->url, resp->body.cap);
        code = KP_EINTERNAL;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        return kp_err_set(KP_ETIMEOUT, "request to %.*s timed out: %s", url_len, req->url, why);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return kp_err_set(KP_EBADREQUEST, "bad URL %.*s: %s", url_len, req->url, why);
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_PARTIAL_FILE:
        code = KP_EUNAVAILABLE;
        break;
    default:
        code = KP_EINTERNAL;
        break;
    }
    return kp_err_set(code, "cannot reach %.*s: %s", url_len, req->url, why);
}

/* Appends a header line; false when libcurl could not allocate (the list stays intact). */
static bool httpc_header(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (!n)
        return false;
    *l = n;
    return true;
}

static int httpc_check_url(const char *url)
{
    if (!url || !*url)
        return kp_err_set(KP_EBADREQUEST, "no URL given");
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return kp_err_set(KP_EBADREQUEST, "URL \"%.*s\" is neither http:// nor https://",
                          (int)KP_MIN(strlen(url), (size_t)HTTPC_URL_SHOW), url);
    for (const char *s = url; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return kp_err_set(KP_EBADREQUEST, "URL contains a space or control character");
    return 0;
}

/* The handle's options and headers for req (shared by a plain request and a stream);
 * *hdrs_out and *hdr_strs are the caller's to free after the transfer. */
static int httpc_setup(CURL *h, const kp_httpc_req *req, char *errbuf, struct curl_slist **hdrs_out,
                       char **accept_out, char **ct_out)
{
    const char *method = req->method ? req->method : "GET";
    struct curl_slist *hdrs = NULL;

    *accept_out = kp_asprintf("Accept: %s", req->accept ? req->accept : "application/json");
    if (req->body)
        *ct_out = kp_asprintf("Content-Type: %s",
                              req->content_type ? req->content_type : "application/json");
    /* "Expect:" drops the 100-continue round trip libcurl adds for larger bodies */
    if (!httpc_header(&hdrs, *accept_out) || (*ct_out && !httpc_header(&hdrs, *ct_out)) ||
        !httpc_header(&hdrs, "Expect:")) {
        curl_slist_free_all(hdrs);
        return kp_err_set(KP_EINTERNAL, "out of memory building request headers");
    }
    *hdrs_out = hdrs;

    curl_easy_setopt(h, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);       /* no SIGALRM from a resolver thread */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* credentials never follow a redirect */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, req->user_agent ? req->user_agent : "kplane");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms
                                                 : (long)KP_HTTPC_CONNECT_TIMEOUT_MS_DEFAULT);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* whatever this libcurl can decode */

    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(method, "GET") == 0) /* POSTFIELDS would turn it into a POST */
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "GET");
    }

    /* TLS material as blobs: PEM bytes never go through a temporary file. NOCOPY: they are
     * the caller's and outlive this call, so the key is not copied once more. */
    if (req->ca_pem && req->ca_len) {
        struct curl_blob ca = {(void *)req->ca_pem, req->ca_len, CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (req->cert_pem && req->cert_len) {
        struct curl_blob cert = {(void *)req->cert_pem, req->cert_len, CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (req->key_pem && req->key_len) {
        struct curl_blob key = {(void *)req->key_pem, req->key_len, CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (req->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (req->bearer) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, req->bearer);
    }
    return 0;
}

struct kp_httpc_session {
    CURL *h; /* reused: its connections (and TLS sessions) stay open between requests */
};

kp_httpc_session *kp_httpc_session_new(void)
{
    return kp_calloc(1, sizeof(kp_httpc_session));
}

void kp_httpc_session_free(kp_httpc_session *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->h);
    free(s);
}

static int httpc_perform(CURL *h, kp_httpc_resp *resp, const kp_httpc_req *req);

int kp_httpc_session_do(kp_httpc_session *s, kp_httpc_resp *resp, const kp_httpc_req *req)
{
    if (!s->h) {
        s->h = curl_easy_init();
        if (!s->h)
            return kp_err_set(KP_EINTERNAL, "cannot create a libcurl handle");
    } else {
        curl_easy_reset(s->h); /* options go, live connections stay */
    }
    return httpc_perform(s->h, resp, req);
}

int kp_httpc_do(kp_httpc_resp *resp, const kp_httpc_req *req)
{
    CURL *h = curl_easy_init();
    int rc;
    if (!h)
        return kp_err_set(KP_EINTERNAL, "cannot create a libcurl handle");
    rc = httpc_perform(h, resp, req);
    curl_easy_cleanup(h);
    return rc;
}

static int httpc_perform(CURL *h, kp_httpc_resp *resp, const kp_httpc_req *req)
{
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdrs = NULL;
    char *ct_hdr = NULL, *accept_hdr = NULL;
    long status = 0;
    char *ctype = NULL;
    CURLcode cc;
    int rc;

    kp_httpc_resp_dispose(resp);
    kp_httpc_resp_init(resp);
    resp->body.cap = req->body_max ? req->body_max : KP_HTTPC_BODY_MAX_DEFAULT;
    if ((rc = httpc_check_url(req->url)) < 0)
        return rc;
    errbuf[0] = '\0';
    if ((rc = httpc_setup(h, req, errbuf, &hdrs, &accept_hdr, &ct_hdr)) < 0)
        goto out;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     req->timeout_ms > 0 ? req->timeout_ms : (long)KP_HTTPC_TIMEOUT_MS_DEFAULT);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, httpc_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp->body);

    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        rc = httpc_error(cc, errbuf, req, resp);
        goto out;
    }
    if ((rc = kp_buf_status(&resp->body)) < 0)
        goto out;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    resp->status = (int)status;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
        resp->content_type = kp_strdup(ctype);
    if (!resp->body.p) /* an empty body still reads as "" */
        kp_buf_put(&resp->body, "", 0);
    rc = 0;
out:
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL); /* the list goes now; the handle may stay */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    free(ct_hdr);
    free(accept_hdr);
    return rc;
}

/* ---- streams ---- */

typedef struct {
    CURL *h;
    kp_buf line; /* the partial line so far */
    kp_httpc_line_fn fn;
    void *arg;
    const volatile int *stop;
    int status;
    int cb_rc;     /* what fn returned when it stopped the stream */
    bool too_long; /* a line passed its cap */
} httpc_stream;

static size_t httpc_stream_write(char *p, size_t size, size_t n, void *ud)
{
    httpc_stream *s = ud;
    size_t len = size * n, i = 0;

    if (!s->status) {
        long st = 0;
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &st);
        s->status = (int)st;
    }
    while (i < len) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t take = nl ? (size_t)(nl - (p + i)) : len - i;
        kp_buf_put(&s->line, p + i, take);
        if (kp_buf_status(&s->line) < 0) {
            s->too_long = true;
            return 0;
        }
        i += take;
        if (!nl)
            break;
        i++; /* the newline */
        if (s->line.len) {
            int rc;
            kp_buf_put(&s->line, "", 0); /* NUL-terminated for the callback */
            rc = s->fn(s->arg, s->line.p, s->line.len);
            if (rc != 0) {
                s->cb_rc = rc;
                return 0;
            }
        }
        kp_buf_reset(&s->line);
    }
    return len;
}

static int httpc_stream_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                                 curl_off_t un)
{
    const httpc_stream *s = ud;
    (void)dt, (void)dn, (void)ut, (void)un;
    return s->stop && *s->stop ? 1 : 0; /* libcurl calls it about once a second when idle */
}

int kp_httpc_stream(int *status_out, const kp_httpc_req *req, kp_httpc_line_fn fn, void *arg,
                    const volatile int *stop)
{
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdrs = NULL;
    char *ct_hdr = NULL, *accept_hdr = NULL;
    httpc_stream s;
    CURLcode cc;
    int rc;

    memset(&s, 0, sizeof(s));
    *status_out = 0;
    if ((rc = httpc_check_url(req->url)) < 0)
        return rc;
    kp_buf_init(&s.line, req->body_max ? req->body_max : KP_HTTPC_BODY_MAX_DEFAULT);
    s.fn = fn;
    s.arg = arg;
    s.stop = stop;
    s.h = curl_easy_init();
    if (!s.h) {
        rc = kp_err_set(KP_EINTERNAL, "cannot create a libcurl handle");
        goto out;
    }
    errbuf[0] = '\0';
    if ((rc = httpc_setup(s.h, req, errbuf, &hdrs, &accept_hdr, &ct_hdr)) < 0)
        goto out;
    if (req->timeout_ms > 0) /* else no deadline: a watch lasts as long as the server wants */
        curl_easy_setopt(s.h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(s.h, CURLOPT_WRITEFUNCTION, httpc_stream_write);
    curl_easy_setopt(s.h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(s.h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(s.h, CURLOPT_XFERINFOFUNCTION, httpc_stream_progress);
    curl_easy_setopt(s.h, CURLOPT_XFERINFODATA, &s);

    cc = curl_easy_perform(s.h);
    if (!s.status) {
        long st = 0;
        curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &st);
        s.status = (int)st;
    }
    *status_out = s.status;
    if (cc == CURLE_ABORTED_BY_CALLBACK) {
        rc = 0; /* *stop was set */
    } else if (cc == CURLE_WRITE_ERROR && s.cb_rc) {
        rc = s.cb_rc < 0 ? s.cb_rc : 0;
    } else if (cc == CURLE_WRITE_ERROR && s.too_long) {
        rc =
            kp_err_set(KP_ETOOLARGE, "a line from %.*s is longer than %zu bytes",
                       (int)KP_MIN(strlen(req->url), (size_t)HTTPC_URL_SHOW), req->url, s.line.cap);
    } else if (cc != CURLE_OK) {
        kp_httpc_resp dummy;
        kp_httpc_resp_init(&dummy);
        rc = httpc_error(cc, errbuf, req, &dummy);
        kp_httpc_resp_dispose(&dummy);
    } else {
        if (s.line.len && !s.too_long) { /* a last line without its newline */
            kp_buf_put(&s.line, "", 0);
            rc = s.fn(s.arg, s.line.p, s.line.len);
            rc = rc < 0 ? rc : 0;
        } else {
            rc = 0;
        }
    }
out:
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(s.h);
    kp_buf_dispose(&s.line);
    free(ct_hdr);
    free(accept_hdr);
    return rc;
}
