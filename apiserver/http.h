/* http: the only module that uses libmicrohttpd (and, through it, GnuTLS). Listens on one
 * address with TLS, reads each request (body capped at KP_BODY_MAX before it is read),
 * hands it to one handler and writes the response. The handler runs on one of the server's
 * worker threads; a kp_req and everything in its arena belong to that request alone. */
#ifndef KP_HTTP_H
#define KP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/sv.h"

typedef struct kp_http kp_http;
typedef struct kp_req kp_req;

typedef struct kp_http_hdr {
    const char *name;
    const char *value;
    struct kp_http_hdr *next;
} kp_http_hdr;

typedef struct kp_http_stream kp_http_stream;

/* A streamed body (watch). read() fills buf with up to max bytes and returns how many; when it
 * has nothing now it calls kp_http_stream_suspend(s) and returns 0, and whoever has data later
 * calls kp_http_stream_resume(s); -1 ends the stream. Both calls must be made under the same
 * lock the reader holds while deciding, so a resume cannot slip in before the suspend.
 * done() runs once when the connection ends, on any path. */
typedef struct {
    ssize_t (*read)(void *arg, kp_http_stream *s, char *buf, size_t max);
    void (*done)(void *arg);
    void *arg;
} kp_http_streamer;

/* A response being built by the handler; body capped at KP_RESP_MAX. With stream.read set,
 * the body is streamed (chunked) after the headers instead. */
typedef struct {
    int code;
    const char *content_type; /* static or arena */
    kp_buf body;
    kp_http_hdr *headers; /* arena */
    kp_http_streamer stream;
} kp_http_resp;

/* Only from inside a streamer's read(). */
void kp_http_stream_suspend(kp_http_stream *s);
/* Any thread; see kp_http_streamer. */
void kp_http_stream_resume(kp_http_stream *s);

typedef void (*kp_http_handler)(void *arg, kp_req *req, kp_http_resp *resp);

typedef struct {
    const char *listen; /* "ADDR:PORT", "[v6]:PORT" */
    const char *cert_pem, *key_pem;
    const char *client_ca_pem; /* client certificates are requested and may be verified */
    int threads;
    kp_http_handler handler;
    void *handler_arg;
    /* The body cap of a request, asked with handler_arg once its headers are in (method,
     * path, headers and the TLS session may be read); NULL: KP_BODY_MAX for every one */
    size_t (*body_max)(void *arg, const kp_req *r);
} kp_http_opts;

/* Binds the listening socket (before anything slow, so a taken port fails fast). KP_EEXISTS
 * (address in use) or KP_EINVALID (bad address) name the address. owned, free with
 * kp_http_free(). */
int kp_http_bind(kp_http **out, const char *listen_addr);
/* Starts serving on the bound socket. */
int kp_http_start(kp_http *h, const kp_http_opts *opts);
/* Stops accepting, waits up to grace_s for in-flight requests, then stops. */
void kp_http_shutdown(kp_http *h, int grace_s);
void kp_http_free(kp_http *h);
/* The port actually bound (useful with port 0). */
int kp_http_port(const kp_http *h);
/* Requests currently being handled. */
long kp_http_inflight(const kp_http *h);

/* Request accessors. Strings are borrowed from the request and valid until it ends. */
/* The client's address as text ("127.0.0.1"), "" for an in-process request. */
const char *kp_req_peer_addr(const kp_req *r);
const char *kp_req_method(const kp_req *r);
const char *kp_req_path(const kp_req *r);
/* A query parameter, or NULL when absent ("" when present without a value). */
const char *kp_req_query(const kp_req *r, const char *key);
/* A request header (case-insensitive name), or NULL. */
const char *kp_req_header(const kp_req *r, const char *name);
kp_sv kp_req_body(const kp_req *r);
kp_arena *kp_req_arena(const kp_req *r);
/* 0, or the error the transport met before the handler (KP_ETOOLARGE for a body over the
 * cap), with its message in kp_err_msg() on the handler's thread. */
int kp_req_error(const kp_req *r);
/* A short random request id (hex), for logs and 5xx answers. */
const char *kp_req_id(const kp_req *r);
/* Microseconds since the request arrived. */
int64_t kp_req_elapsed_us(const kp_req *r);
/* The client's certificate chain as presented (DER, leaf first; not yet verified). Arrays
 * live in the request's arena. Returns the chain length (0 when none). */
size_t kp_req_peer_certs(const kp_req *r, const void *const **ders, const size_t **lens);

/* An in-process request (the controllers' client): no connection; the identity is given
 * and trusted, so only code inside kplane can make one. Strings are borrowed for the call. */
typedef struct {
    const char *method;
    const char *path;           /* without the query */
    const char *const *query;   /* key, value, key, value, ..., NULL */
    const char *const *headers; /* name, value, ..., NULL */
    const void *body;
    size_t body_len;
    const char *user;
    const char *const *groups;
    size_t ngroups;
} kp_req_internal;

/* Runs handler for the request on the calling thread; resp must be zeroed by the caller and
 * disposed with kp_http_resp_dispose(). Streamed responses are refused (500). */
void kp_http_call(kp_http_handler handler, void *arg, const kp_req_internal *in,
                  kp_http_resp *resp);
void kp_http_resp_dispose(kp_http_resp *resp);
/* The identity of an in-process request (NULL for a request from the network); borrowed. */
const char *kp_req_internal_user(const kp_req *r, const char *const **groups, size_t *ngroups);

/* Adds a response header (strings copied into the request arena). */
void kp_http_resp_header(kp_http_resp *resp, kp_req *r, const char *name, const char *value);

#endif
