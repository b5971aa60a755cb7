#include "lib/common.h"
#include "apiserver/http.h"
#include "lib/crypto.h"
#include "lib/limits.h"
#include "lib/log.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* An oversized body is read and dropped up to this much so its 413 reaches the client. */
#define HTTP_DRAIN_MAX (64ULL * 1024 * 1024)

struct kp_http {
    struct MHD_Daemon *d;
    int fd;
    int port;
    kp_http_handler handler;
    void *handler_arg;
    size_t (*body_max)(void *arg, const kp_req *r);
    atomic_long inflight;
};

struct kp_req {
    kp_http *h;
    struct MHD_Connection *conn;
    kp_arena *arena;
    const char *method, *path;
    kp_buf body;
    int error;
    char errmsg[256];
    uint64_t drained; /* body bytes dropped after the cap */
    size_t body_max;  /* this request's body cap */
    bool answered;
    const kp_req_internal *internal; /* in-process request: no conn */
    char id[17];
    struct timespec start;
    bool counted;
};

/* A request id: 16 random hex digits, for the access log and 5xx answers. */
/* Request ids only need to be unique and unguessable enough to not be mistaken for one
 * another: a random start, then splitmix64 over a counter (no RNG call per request). */
/* A connection's memory pool (headers, the read buffer). MHD zeroes it between the requests
 * of a keep-alive connection, so a big one costs every request a big memset. */
#define HTTP_CONN_POOL (64 * 1024)
/* Connections at once (watchers are connections); the descriptor limit is raised to match. */
#define HTTP_CONN_MAX 65536

static void http_new_id(char id[17])
{
    static _Atomic uint64_t next;
    static atomic_bool seeded;
    uint64_t z;
    if (!atomic_load(&seeded)) {
        uint64_t seed;
        kp_crypto_random(&seed, sizeof(seed));
        atomic_store(&next, seed);
        atomic_store(&seeded, true);
    }
    z = atomic_fetch_add(&next, 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    snprintf(id, 17, "%016llx", (unsigned long long)z);
}

static void req_free(kp_req *r)
{
    if (!r)
        return;
    if (r->counted)
        atomic_fetch_sub(&r->h->inflight, 1);
    kp_buf_dispose(&r->body);
    kp_arena_free(r->arena);
    free(r);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_free(*con_cls);
    *con_cls = NULL;
}

/* A streamed response: the reader runs on the connection's MHD thread. */
struct kp_http_stream {
    struct MHD_Connection *conn;
    kp_http_streamer s;
};

static ssize_t http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    kp_http_stream *st = cls;
    ssize_t n = st->s.read(st->s.arg, st, buf, max);
    (void)pos;
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void http_stream_free(void *cls)
{
    kp_http_stream *st = cls;
    if (st->s.done)
        st->s.done(st->s.arg);
    free(st);
}

void kp_http_stream_suspend(kp_http_stream *s)
{
    MHD_suspend_connection(s->conn);
}

void kp_http_stream_resume(kp_http_stream *s)
{
    MHD_resume_connection(s->conn);
}

/* Adds the response's headers, queues it and drops our reference. */
static enum MHD_Result http_send(kp_req *r, struct MHD_Response *mr, const kp_http_resp *resp)
{
    enum MHD_Result ret;
    if (resp->content_type)
        MHD_add_response_header(mr, "Content-Type", resp->content_type);
    for (kp_http_hdr *hd = resp->headers; hd; hd = hd->next)
        MHD_add_response_header(mr, hd->name, hd->value);
    ret = MHD_queue_response(r->conn, (unsigned)resp->code, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result http_queue(kp_req *r, kp_http_resp *resp)
{
    struct MHD_Response *mr;
    size_t len = 0;
    char *body;

    if (resp->stream.read) {
        kp_http_stream *st = kp_calloc(1, sizeof(*st));
        st->conn = r->conn;
        st->s = resp->stream;
        mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, http_stream_read, st,
                                               http_stream_free);
        return http_send(r, mr, resp);
    }

    if (kp_buf_status(&resp->body) < 0) { /* the handler overran the response cap */
        kp_buf_reset(&resp->body);
        resp->code = 500;
        kp_buf_puts(&resp->body,
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    "\"message\":\"response too large\",\"code\":500}");
    }
    body = kp_buf_take(&resp->body, &len);
    mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    return http_send(r, mr, resp);
}

static enum MHD_Result http_dispatch(kp_req *r)
{
    r->answered = true;
    kp_http_resp resp;
    enum MHD_Result ret;

    memset(&resp, 0, sizeof(resp));
    resp.code = 200;
    kp_buf_init(&resp.body, KP_RESP_MAX);
    kp_err_clear();
    if (r->error)
        kp_err_set(r->error, "%s", r->errmsg);
    r->h->handler(r->h->handler_arg, r, &resp);
    ret = http_queue(r, &resp);
    kp_buf_dispose(&resp.body);
    return ret;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    kp_http *h = cls;
    kp_req *r = *con_cls;
    (void)version;

    if (!r) {
        const char *cl;

        r = kp_calloc(1, sizeof(*r));
        r->h = h;
        r->conn = conn;
        r->arena = kp_arena_new();
        r->method = kp_arena_strdup(r->arena, method);
        r->path = kp_arena_strdup(r->arena, url);
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        http_new_id(r->id);
        r->body_max = h->body_max ? h->body_max(h->handler_arg, r) : KP_BODY_MAX;
        kp_buf_init(&r->body, r->body_max);
        atomic_fetch_add(&h->inflight, 1);
        r->counted = true;
        *con_cls = r;
        /* k8s: a body over the limit is refused on its Content-Length, before reading it.
         * A client waiting for "100 Continue" gets the 413 at once and sends nothing. */
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > r->body_max) {
            const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
            r->error = KP_ETOOLARGE;
            snprintf(r->errmsg, sizeof(r->errmsg),
                     "the request body of %s bytes is larger than the limit of %zu bytes", cl,
                     r->body_max);
            if ((expect && strcasecmp(expect, "100-continue") == 0) ||
                strtoull(cl, NULL, 10) > HTTP_DRAIN_MAX)
                return http_dispatch(r);
            return MHD_YES; /* the body is on its way: discard it, then answer */
        }
        if (strlen(url) > KP_URL_MAX) {
            r->error = KP_EBADREQUEST;
            snprintf(r->errmsg, sizeof(r->errmsg), "the request URL is longer than %d bytes",
                     KP_URL_MAX);
            return http_dispatch(r);
        }
        return MHD_YES;
    }
    if (r->answered) { /* answered early; MHD closes the connection */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->error) {
        /* Over the cap: bytes the client still sends are counted and dropped, never kept.
         * Answering while the client still sends makes the kernel reset the connection and
         * the client may never read the 413, so the answer waits for the end of the body,
         * unless the client sends far more than anyone should. */
        r->drained += *upload_data_size;
        if (*upload_data_size && r->drained <= HTTP_DRAIN_MAX) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        *upload_data_size = 0;
        return http_dispatch(r);
    }
    if (*upload_data_size) {
        kp_buf_put(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        if (r->body.err) {
            r->error = KP_ETOOLARGE;
            snprintf(r->errmsg, sizeof(r->errmsg),
                     "the request body is larger than the limit of %zu bytes", r->body_max);
            kp_buf_dispose(&r->body); /* what was read goes now */
        }
        return MHD_YES;
    }
    return http_dispatch(r);
}

static int http_bind(int *fd_out, int *port_out, const char *listen_addr)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    char host[256];
    const char *colon = strrchr(listen_addr, ':');
    int64_t port;
    int fd, one = 1;

    memset(&ss, 0, sizeof(ss));
    if (!colon || kp_parse_i64(&port, kp_sv_from(colon + 1), 0, 65535) < 0)
        return kp_err_set(KP_EINVALID, "--listen \"%s\" is not ADDR:PORT", listen_addr);
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_addr), listen_addr);
    if (host[0] == '[') { /* [::1]:6443 */
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return kp_err_set(KP_EINVALID, "--listen \"%s\" is not ADDR:PORT", listen_addr);
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    if (strcmp(host, "localhost") == 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "127.0.0.1");
    {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)port);
            sl = sizeof(*s4);
        } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons((uint16_t)port);
            sl = sizeof(*s6);
        } else {
            return kp_err_set(KP_EINVALID, "--listen \"%s\": \"%s\" is not an IP address",
                              listen_addr, host);
        }
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return kp_err_set(KP_EINTERNAL, "socket failed: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1024) < 0) {
        int e = errno;
        close(fd);
        return kp_err_set(e == EADDRINUSE ? KP_EEXISTS : KP_EINVALID, "cannot listen on %s: %s",
                          listen_addr, strerror(e));
    }
    sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *fd_out = fd;
    return 0;
}

static void http_log_mhd(void *cls, const char *fmt, va_list ap) KP_PRINTF(2, 0);

static void http_log_mhd(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    KP_LOG_DEBUG("http", "%s", msg);
}

int kp_http_bind(kp_http **out, const char *listen_addr)
{
    kp_http *h = kp_calloc(1, sizeof(*h));
    int rc;

    h->fd = -1;
    if ((rc = http_bind(&h->fd, &h->port, listen_addr)) < 0) {
        free(h);
        return rc;
    }
    *out = h;
    return 0;
}

int kp_http_start(kp_http *h, const kp_http_opts *o)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

    h->handler = o->handler;
    h->handler_arg = o->handler_arg;
    h->body_max = o->body_max;
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, http_access, h, MHD_OPTION_LISTEN_SOCKET, h->fd,
        MHD_OPTION_HTTPS_MEM_CERT, o->cert_pem, MHD_OPTION_HTTPS_MEM_KEY, o->key_pem,
        MHD_OPTION_HTTPS_MEM_TRUST, o->client_ca_pem, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(o->threads > 0 ? o->threads : 64), MHD_OPTION_NOTIFY_COMPLETED, http_completed,
        h, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_CONN_POOL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
        MHD_OPTION_EXTERNAL_LOGGER, http_log_mhd, h, MHD_OPTION_END);
    if (!h->d)
        return kp_err_set(KP_EINTERNAL, "cannot start the HTTPS server on %s", o->listen);
    return 0;
}

void kp_http_shutdown(kp_http *h, int grace_s)
{
    struct timespec t = {0, 20 * 1000 * 1000};
    int waited_ms = 0;
    int fd;

    if (!h || !h->d)
        return;
    fd = (int)MHD_quiesce_daemon(h->d); /* stop accepting; in-flight requests go on */
    while (atomic_load(&h->inflight) > 0 && waited_ms < grace_s * 1000) {
        nanosleep(&t, NULL);
        waited_ms += 20;
    }
    MHD_stop_daemon(h->d);
    h->d = NULL;
    if (fd >= 0)
        close(fd);
    h->fd = -1;
}

void kp_http_free(kp_http *h)
{
    if (!h)
        return;
    if (h->d)
        MHD_stop_daemon(h->d);
    if (h->fd >= 0)
        close(h->fd);
    free(h);
}

int kp_http_port(const kp_http *h)
{
    return h->port;
}

long kp_http_inflight(const kp_http *h)
{
    return atomic_load(&((kp_http *)h)->inflight);
}

const char *kp_req_peer_addr(const kp_req *r)
{
    const union MHD_ConnectionInfo *ci =
        r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    char host[INET6_ADDRSTRLEN] = "";

    if (!ci || !ci->client_addr)
        return "";
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, host,
                  sizeof(host));
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, host,
                  sizeof(host));
    return kp_arena_strdup(r->arena, host);
}

const char *kp_req_method(const kp_req *r)
{
    return r->method;
}

const char *kp_req_path(const kp_req *r)
{
    return r->path;
}

static const char *internal_lookup(const char *const *pairs, const char *key, bool nocase)
{
    for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2)
        if (nocase ? strcasecmp(pairs[i], key) == 0 : strcmp(pairs[i], key) == 0)
            return pairs[i + 1];
    return NULL;
}

const char *kp_req_query(const kp_req *r, const char *key)
{
    const char *v;
    if (r->internal)
        return internal_lookup(r->internal->query, key, false);
    v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
    if (!v && MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), NULL,
                                            NULL) == MHD_YES)
        return "";
    return v;
}

const char *kp_req_header(const kp_req *r, const char *name)
{
    if (r->internal)
        return internal_lookup(r->internal->headers, name, true);
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *kp_req_internal_user(const kp_req *r, const char *const **groups, size_t *ngroups)
{
    if (!r->internal)
        return NULL;
    *groups = r->internal->groups;
    *ngroups = r->internal->ngroups;
    return r->internal->user;
}

void kp_http_call(kp_http_handler handler, void *arg, const kp_req_internal *in, kp_http_resp *resp)
{
    kp_req r;

    memset(&r, 0, sizeof(r));
    r.internal = in;
    r.arena = kp_arena_new();
    r.method = in->method;
    r.path = in->path;
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    http_new_id(r.id);
    kp_buf_init(&r.body, KP_BODY_MAX);
    if (in->body_len)
        kp_buf_put(&r.body, in->body, in->body_len);
    if (r.body.err) {
        r.error = KP_ETOOLARGE;
        snprintf(r.errmsg, sizeof(r.errmsg),
                 "the request body is larger than the limit of %d bytes", KP_BODY_MAX);
    }
    resp->code = 200;
    kp_buf_init(&resp->body, KP_RESP_MAX);
    kp_err_clear();
    if (r.error)
        kp_err_set(r.error, "%s", r.errmsg);
    handler(arg, &r, resp);
    if (resp->stream.read) { /* no connection to stream on */
        if (resp->stream.done)
            resp->stream.done(resp->stream.arg);
        memset(&resp->stream, 0, sizeof(resp->stream));
        kp_buf_reset(&resp->body);
        resp->code = 500;
    }
    resp->headers = NULL; /* they lived in the request arena */
    kp_buf_dispose(&r.body);
    kp_arena_free(r.arena);
}

void kp_http_resp_dispose(kp_http_resp *resp)
{
    if (resp)
        kp_buf_dispose(&resp->body);
}

kp_sv kp_req_body(const kp_req *r)
{
    return kp_buf_sv(&r->body);
}

kp_arena *kp_req_arena(const kp_req *r)
{
    return r->arena;
}

int kp_req_error(const kp_req *r)
{
    return r->error;
}

const char *kp_req_id(const kp_req *r)
{
    return r->id;
}

int64_t kp_req_elapsed_us(const kp_req *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - r->start.tv_sec) * 1000000 +
           (now.tv_nsec - r->start.tv_nsec) / 1000;
}

size_t kp_req_peer_certs(const kp_req *r, const void *const **ders, const size_t **lens)
{
    const union MHD_ConnectionInfo *ci =
        r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION) : NULL;
    const gnutls_datum_t *certs;
    unsigned n = 0;
    const void **d;
    size_t *l;

    if (!ci || !ci->tls_session)
        return 0;
    certs = gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &n);
    if (!certs || n == 0)
        return 0;
    d = kp_arena_calloc(r->arena, n, sizeof(*d));
    l = kp_arena_calloc(r->arena, n, sizeof(*l));
    for (unsigned i = 0; i < n; i++) {
        d[i] = certs[i].data;
        l[i] = certs[i].size;
    }
    *ders = d;
    *lens = l;
    return n;
}

void kp_http_resp_header(kp_http_resp *resp, kp_req *r, const char *name, const char *value)
{
    kp_http_hdr *hd = kp_arena_alloc(r->arena, sizeof(*hd));
    kp_http_hdr **tail = &resp->headers;
    hd->name = kp_arena_strdup(r->arena, name);
    hd->value = kp_arena_strdup(r->arena, value);
    hd->next = NULL;
    while (*tail)
        tail = &(*tail)->next;
    *tail = hd;
}
