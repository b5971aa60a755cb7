/* httpc: the only module that uses libcurl. One blocking HTTP(S) request per call, with TLS
 * material (CA, client certificate and key) passed as PEM bytes in memory so that secrets never
 * touch a temporary file, a bearer token, timeouts and a cap on the response body. Thread
 * rules: call kp_httpc_global_init() in main before threads start; then any thread may call
 * kp_httpc_do() (each call uses its own handle); a kp_httpc_session serves one thread at a time.
 * Nothing here logs a token or a key. */
#ifndef KP_HTTPC_H
#define KP_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"

#define KP_HTTPC_BODY_MAX_DEFAULT (16 * 1024 * 1024) /* response cap when req->body_max is 0 */
#define KP_HTTPC_TIMEOUT_MS_DEFAULT 30000            /* whole request, when timeout_ms is 0 */
#define KP_HTTPC_CONNECT_TIMEOUT_MS_DEFAULT 10000    /* when connect_timeout_ms is 0 */

/* One request; every pointer is borrowed for the duration of kp_httpc_do(). Zero-initialize it
 * and set what you need. */
typedef struct {
    const char *method; /* "GET" when NULL */
    const char *url;    /* http:// or https:// only */
    const char *body;   /* sent with Content-Type content_type; NULL: no body */
    size_t body_len;
    const char *content_type; /* "application/json" when NULL and body is set */
    const char *accept;       /* "application/json" when NULL */
    const char *user_agent;   /* "kplane" when NULL */
    const char *ca_pem;       /* trust only these CAs (PEM); NULL: the system trust store */
    size_t ca_len;
    const char *cert_pem; /* client certificate (PEM, may hold a chain); NULL: none */
    size_t cert_len;
    const char *key_pem; /* its private key (PEM) */
    size_t key_len;
    const char *bearer;      /* "Authorization: Bearer ..." when non-NULL */
    bool insecure;           /* skip server certificate and host name checks */
    long timeout_ms;         /* whole request; 0: KP_HTTPC_TIMEOUT_MS_DEFAULT */
    long connect_timeout_ms; /* 0: KP_HTTPC_CONNECT_TIMEOUT_MS_DEFAULT */
    size_t body_max;         /* response body cap; 0: KP_HTTPC_BODY_MAX_DEFAULT */
} kp_httpc_req;

/* A response, in the caller's storage: kp_httpc_resp_init() before, kp_httpc_resp_dispose()
 * after. */
typedef struct {
    int status;         /* HTTP status code */
    kp_buf body;        /* the response body (NUL-terminated for convenience) */
    char *content_type; /* owned (free with dispose); NULL when the server sent none */
} kp_httpc_resp;

/* libcurl's global setup; call once in main before any thread starts. KP_EINTERNAL if it
 * fails. */
int kp_httpc_global_init(void);
void kp_httpc_global_cleanup(void);

void kp_httpc_resp_init(kp_httpc_resp *r);
/* Frees the body and content type; r can be init'ed again. NULL is fine. */
void kp_httpc_resp_dispose(kp_httpc_resp *r);

/* Performs req and fills *resp (which must be init'ed; its previous contents are dropped).
 * Any HTTP status is a success here: the caller reads resp->status. Errors: KP_EBADREQUEST for
 * an unusable request (no URL, bad scheme), KP_EUNAVAILABLE when the server cannot be reached
 * or TLS fails, KP_ETIMEOUT past the deadline, KP_ETOOLARGE when the body passes its cap,
 * KP_EINTERNAL for anything else libcurl reports. Messages name the URL, never credentials. */
int kp_httpc_do(kp_httpc_resp *resp, const kp_httpc_req *req);

/* A session: requests one after the other on kept-alive connections (no TCP and TLS handshake
 * per request). One thread at a time. owned, free with kp_httpc_session_free(). */
typedef struct kp_httpc_session kp_httpc_session;
kp_httpc_session *kp_httpc_session_new(void);
void kp_httpc_session_free(kp_httpc_session *s); /* NULL is fine */
/* kp_httpc_do() on the session's connections. */
int kp_httpc_session_do(kp_httpc_session *s, kp_httpc_resp *resp, const kp_httpc_req *req);

/* A streamed response, one line at a time (a watch: one JSON event per line). fn gets each
 * non-empty line without its newline (NUL-terminated; line is valid during the call only);
 * returning non-zero stops the stream (a negative value is then what kp_httpc_stream returns,
 * a positive one makes it return 0). */
typedef int (*kp_httpc_line_fn)(void *arg, const char *line, size_t len);

/* Performs req and hands each line of the response body to fn as it arrives, whatever the
 * HTTP status (a watch that fails answers with one Status line); *status_out gets the status.
 * No deadline unless req->timeout_ms is set; req->body_max caps one line (KP_ETOOLARGE).
 * When *stop (may be NULL) becomes non-zero the stream ends within about a second and the call
 * returns 0. Returns 0 when the server ended the response; errors as kp_httpc_do(). */
int kp_httpc_stream(int *status_out, const kp_httpc_req *req, kp_httpc_line_fn fn, void *arg,
                    const volatile int *stop);

#endif
