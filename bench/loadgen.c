#include "lib/common.h"
/* loadgen: the load generator of `make bench`. One thread drives N concurrent HTTP(S) clients
 * with libcurl's multi interface (each client one keep-alive connection, its TLS session kept),
 * so the machine's other core is left to the server under test. Modes:
 *   create      POST ~SIZE-byte ConfigMaps named PREFIX-<client>-<seq> to URL
 *   etcd-put    POST ~SIZE-byte values to etcd's JSON gateway (URL = .../v3/kv/put)
 *   etcd-get    POST range requests for /bench/PREFIX-<i>, random i < OBJECTS (URL =
 * .../v3/kv/range) get         GET URL/PREFIX-<i> for random i < OBJECTS update      GET then PUT
 * (with its resourceVersion) URL/PREFIX-<client % OBJECTS>: a 409 is a conflict, counted, and the
 * client reads again workspaces  POST COUNT Workspaces named PREFIX-<i> to URL; each answer must
 * say Ready watch       WATCHERS watches on URL, then WRITES creates into URL one after another: a
 *               write's latency runs from its response to the last watcher receiving it
 * Prints one JSON object on stdout (ops, errors, seconds, rate, p50_ms, p99_ms, ...). A bench
 * tool: like the tests, it links libcurl directly (lib/httpc.c is the server's wrapper). */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef enum { M_CREATE, M_ETCD, M_ETCD_GET, M_GET, M_UPDATE, M_WS, M_WATCH } lg_mode;

typedef struct {
    lg_mode mode;
    const char *mode_name, *url, *cacert, *cert, *key, *prefix;
    int clients, watchers, writes;
    long objects, count;
    double duration, interval_ms;
    size_t size;
} lg_opts;

typedef struct {
    char *p;
    size_t len, cap;
} lg_buf;

typedef struct {
    CURL *h;
    int id;
    long seq;
    double t0;
    lg_buf body, resp;
    struct curl_slist *hdr;
    int phase; /* update: 0 reading, 1 writing */
    char url[1024];
} lg_client;

static lg_opts g_o;
static char *g_payload;

static double lg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lg_die(const char *what)
{
    fprintf(stderr, "loadgen: %s\n", what);
    exit(2);
}

static void buf_reserve(lg_buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    b->cap = (b->len + more + 1) * 2;
    if (!(b->p = realloc(b->p, b->cap)))
        lg_die("out of memory");
}

static void buf_add(lg_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_fmt(lg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(lg_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void b64(lg_buf *b, const char *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? (unsigned)u[i + 1] << 8 : 0) |
                     (i + 2 < n ? u[i + 2] : 0);
        char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        buf_add(b, q, 4);
    }
}

/* ---- latencies ---------------------------------------------------------------------------- */

typedef struct {
    double *v;
    size_t n, cap;
} lg_lat;

static void lat_add(lg_lat *l, double s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        if (!(l->v = realloc(l->v, l->cap * sizeof(*l->v))))
            lg_die("out of memory");
    }
    l->v[l->n++] = s;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th quantile in milliseconds (sorts l). */
static double lat_ms(lg_lat *l, double p)
{
    if (!l->n)
        return 0;
    qsort(l->v, l->n, sizeof(*l->v), dbl_cmp);
    return l->v[(size_t)(p * (double)(l->n - 1) + 0.5)] * 1000.0;
}

/* ---- clients ------------------------------------------------------------------------------ */

static size_t on_data(char *p, size_t sz, size_t n, void *arg)
{
    buf_add(arg, p, sz * n);
    return sz * n;
}

static void lg_client_init(lg_client *c, int id)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    if (!(c->h = curl_easy_init()))
        lg_die("curl_easy_init failed");
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->resp);
    curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (g_o.cacert)
        curl_easy_setopt(c->h, CURLOPT_CAINFO, g_o.cacert);
    if (g_o.cert)
        curl_easy_setopt(c->h, CURLOPT_SSLCERT, g_o.cert);
    if (g_o.key)
        curl_easy_setopt(c->h, CURLOPT_SSLKEY, g_o.key);
    c->hdr = curl_slist_append(c->hdr, "Content-Type: application/json");
    c->hdr = curl_slist_append(c->hdr, "Accept: application/json");
    c->hdr = curl_slist_append(c->hdr, "Expect:");
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdr);
}

static void lg_client_free(lg_client *c)
{
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->hdr);
    free(c->body.p);
    free(c->resp.p);
}

static void lg_request(lg_client *c, const char *method, const char *url, bool body)
{
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body.p);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)c->body.len);
    } else {
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
    c->resp.len = 0;
    c->t0 = lg_now();
}

static void configmap_body(lg_buf *b, const char *name, const char *rv)
{
    b->len = 0;
    buf_fmt(b,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
            "\"labels\":{\"app\":\"bench\"}%s%s%s},\"data\":{\"payload\":\"%s\"%s%s%s}}",
            name, rv ? ",\"resourceVersion\":\"" : "", rv ? rv : "", rv ? "\"" : "", g_payload,
            /* an update changes something (one that does not writes nothing) */
            rv ? ",\"after\":\"" : "", rv ? rv : "", rv ? "\"" : "");
}

/* A string field's value in a JSON text, found by its key (enough for our own payloads;
 * PostgreSQL's jsonb text puts a space after the colon). */
static bool json_str_field(char *out, size_t cap, const char *json, const char *key)
{
    char pat[128];
    const char *p, *e;
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    if (!(p = strstr(json, pat)))
        return false;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p++ != '"' || !(e = strchr(p, '"')) || (size_t)(e - p) >= cap)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = 0;
    return true;
}

typedef struct {
    long issued, ok, errors, conflicts, not_ready;
    lg_lat lat;
    double deadline;
    CURLM *m;
} lg_run;

/* Starts c's next operation; false when the run has nothing more for it. */
static bool lg_next(lg_run *r, lg_client *c)
{
    char name[256];

    if ((g_o.count && r->issued >= g_o.count) || (g_o.duration > 0 && lg_now() >= r->deadline))
        return false;
    switch (g_o.mode) {
    case M_CREATE:
        snprintf(name, sizeof(name), "%s-%d-%ld", g_o.prefix, c->id, c->seq++);
        configmap_body(&c->body, name, NULL);
        lg_request(c, "POST", g_o.url, true);
        break;
    case M_ETCD:
        snprintf(name, sizeof(name), "/bench/%s-%d-%ld", g_o.prefix, c->id, c->seq++);
        c->body.len = 0;
        buf_add(&c->body, "{\"key\":\"", 8);
        b64(&c->body, name, strlen(name));
        buf_add(&c->body, "\",\"value\":\"", 11);
        b64(&c->body, g_payload, strlen(g_payload));
        buf_add(&c->body, "\"}", 2);
        lg_request(c, "POST", g_o.url, true);
        break;
    case M_ETCD_GET:
        snprintf(name, sizeof(name), "/bench/%s-%ld", g_o.prefix,
                 random() % (g_o.objects > 0 ? g_o.objects : 1));
        c->body.len = 0;
        buf_add(&c->body, "{\"key\":\"", 8);
        b64(&c->body, name, strlen(name));
        buf_add(&c->body, "\"}", 2);
        lg_request(c, "POST", g_o.url, true);
        break;
    case M_GET:
        snprintf(c->url, sizeof(c->url), "%s/%s-%ld", g_o.url, g_o.prefix,
                 random() % (g_o.objects > 0 ? g_o.objects : 1));
        lg_request(c, "GET", c->url, false);
        break;
    case M_UPDATE:
        snprintf(c->url, sizeof(c->url), "%s/%s-%ld", g_o.url, g_o.prefix,
                 (long)c->id % (g_o.objects > 0 ? g_o.objects : 1));
        c->phase = 0;
        lg_request(c, "GET", c->url, false);
        break;
    case M_WS:
        snprintf(name, sizeof(name), "%s-%ld", g_o.prefix, r->issued);
        c->body.len = 0;
        buf_fmt(&c->body,
                "{\"apiVersion\":\"tenancy.kplane.io/v1alpha1\",\"kind\":\"Workspace\","
                "\"metadata\":{\"name\":\"%s\"}}",
                name);
        lg_request(c, "POST", g_o.url, true);
        break;
    case M_WATCH:
        return false;
    }
    r->issued++;
    return true;
}

/* c's request finished with HTTP status code (0: transport failure); true to go on. */
static bool lg_done(lg_run *r, lg_client *c, long code)
{
    double t = lg_now() - c->t0;
    char phase[32];

    if (g_o.mode == M_UPDATE && c->phase == 0 && code == 200) {
        char rv[64];
        if (!json_str_field(rv, sizeof(rv), c->resp.p ? c->resp.p : "", "resourceVersion")) {
            r->errors++;
            return true;
        }
        configmap_body(&c->body, strrchr(c->url, '/') + 1, rv);
        c->phase = 1;
        curl_easy_setopt(c->h, CURLOPT_URL, c->url);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body.p);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)c->body.len);
        curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, "PUT");
        c->resp.len = 0;
        return false; /* re-added by the caller as is: the cycle's clock keeps running */
    }
    if (code == 409 && g_o.mode == M_UPDATE) {
        r->conflicts++;
        return true;
    }
    if (code < 200 || code > 299) {
        if (r->errors < 5)
            fprintf(stderr, "loadgen: HTTP %ld: %.300s\n", code, c->resp.p ? c->resp.p : "");
        r->errors++;
        return true;
    }
    if (g_o.mode == M_ETCD_GET && (!c->resp.p || !strstr(c->resp.p, "\"kvs\""))) {
        r->errors++;
        return true;
    }
    if (g_o.mode == M_WS &&
        (!c->resp.p || !json_str_field(phase, sizeof(phase), c->resp.p, "phase") ||
         strcmp(phase, "Ready") != 0))
        r->not_ready++;
    r->ok++;
    lat_add(&r->lat, t);
    return true;
}

static void lg_print(lg_run *r, double secs)
{
    double p50 = lat_ms(&r->lat, 0.50), p90 = lat_ms(&r->lat, 0.90), p99 = lat_ms(&r->lat, 0.99);
    printf("{\"mode\":\"%s\",\"clients\":%d,\"ops\":%ld,\"errors\":%ld,\"conflicts\":%ld,"
           "\"not_ready\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
           "\"p99_ms\":%.3f}\n",
           g_o.mode_name, g_o.clients, r->ok, r->errors, r->conflicts, r->not_ready, secs,
           secs > 0 ? (double)r->ok / secs : 0, p50, p90, p99);
}

static int run_requests(void)
{
    lg_run r;
    lg_client *cs = calloc((size_t)g_o.clients, sizeof(*cs));
    int running = 0, active = 0;
    double t0;

    memset(&r, 0, sizeof(r));
    if (!cs || !(r.m = curl_multi_init()))
        lg_die("out of memory");
    curl_multi_setopt(r.m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)g_o.clients);
    t0 = lg_now();
    r.deadline = t0 + g_o.duration;
    for (int i = 0; i < g_o.clients; i++) {
        lg_client_init(&cs[i], i);
        if (lg_next(&r, &cs[i])) {
            curl_multi_add_handle(r.m, cs[i].h);
            active++;
        }
    }
    while (active > 0) {
        CURLMsg *msg;
        int left;
        curl_multi_perform(r.m, &running);
        while ((msg = curl_multi_info_read(r.m, &left))) {
            lg_client *c;
            long code = 0;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            if (msg->data.result == CURLE_OK)
                curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
            else if (r.errors < 5)
                fprintf(stderr, "loadgen: %s\n", curl_easy_strerror(msg->data.result));
            curl_multi_remove_handle(r.m, c->h);
            if (!lg_done(&r, c, code) || lg_next(&r, c))
                curl_multi_add_handle(r.m, c->h);
            else
                active--;
        }
        if (active > 0)
            curl_multi_poll(r.m, NULL, 0, 100, NULL);
    }
    lg_print(&r, lg_now() - t0);
    for (int i = 0; i < g_o.clients; i++)
        lg_client_free(&cs[i]);
    free(cs);
    free(r.lat.v);
    curl_multi_cleanup(r.m);
    return r.errors ? 1 : 0;
}

/* ---- watch fan-out ------------------------------------------------------------------------ */

typedef struct {
    int writes;
    long *seen;      /* per write: how many watchers received it */
    double *last;    /* per write: when the last of them did */
    double *written; /* per write: when its create answered */
    long connected;  /* watchers that received the warm-up event */
    char tag[64];    /* object name prefix of this run */
} lg_fan;

typedef struct {
    lg_buf line;
    bool warm;
    lg_fan *f;
} lg_watcher;

/* Each event is one line; the object's name says which write it is ("<tag>-<i>", i = -1 the
 * warm-up). */
static void fan_event(lg_watcher *w, const char *line)
{
    lg_fan *f = w->f;
    const char *p = strstr(line, f->tag);
    long i;
    if (!p || !strstr(line, "\"ADDED\""))
        return;
    p += strlen(f->tag);
    if (strncmp(p, "warm", 4) == 0) {
        if (!w->warm) {
            w->warm = true;
            f->connected++;
        }
        return;
    }
    i = strtol(p, NULL, 10);
    if (i < 0 || i >= f->writes)
        return;
    f->seen[i]++;
    f->last[i] = lg_now();
}

static size_t on_watch(char *p, size_t sz, size_t n, void *arg)
{
    lg_watcher *w = arg;
    size_t len = sz * n;
    const char *s = p, *e = p + len, *nl;
    while ((nl = memchr(s, '\n', (size_t)(e - s)))) {
        buf_add(&w->line, s, (size_t)(nl - s));
        fan_event(w, w->line.p ? w->line.p : "");
        w->line.len = 0;
        s = nl + 1;
    }
    buf_add(&w->line, s, (size_t)(e - s));
    return len;
}

static int run_watch(void)
{
    CURLM *m = curl_multi_init();
    lg_fan f;
    lg_watcher *ws = calloc((size_t)g_o.watchers, sizeof(*ws));
    lg_client *cs = calloc((size_t)g_o.watchers, sizeof(*cs));
    lg_client wr;
    lg_lat lat = {0};
    char url[2048], name[256];
    int running, next = -1; /* -1: the warm-up write */
    bool writing = false;
    double t_start = lg_now(), t_next = 0, deadline;
    long missed = 0;

    memset(&f, 0, sizeof(f));
    f.writes = g_o.writes;
    f.seen = calloc((size_t)f.writes, sizeof(*f.seen));
    f.last = calloc((size_t)f.writes, sizeof(*f.last));
    f.written = calloc((size_t)f.writes, sizeof(*f.written));
    snprintf(f.tag, sizeof(f.tag), "%s-%ld-", g_o.prefix, (long)time(NULL) % 100000);
    if (!m || !ws || !cs || !f.seen || !f.last || !f.written)
        lg_die("out of memory");
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)g_o.watchers + 1);
    snprintf(url, sizeof(url), "%s?watch=1&allowWatchBookmarks=false&resourceVersion=0", g_o.url);
    for (int i = 0; i < g_o.watchers; i++) {
        lg_client_init(&cs[i], i);
        ws[i].f = &f;
        curl_easy_setopt(cs[i].h, CURLOPT_WRITEFUNCTION, on_watch);
        curl_easy_setopt(cs[i].h, CURLOPT_WRITEDATA, &ws[i]);
        curl_easy_setopt(cs[i].h, CURLOPT_URL, url);
        curl_multi_add_handle(m, cs[i].h);
    }
    lg_client_init(&wr, -1);
    deadline = lg_now() + 120;
    for (;;) {
        CURLMsg *msg;
        int left;
        double now = lg_now();
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left))) {
            lg_client *c;
            long code = 0;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
            curl_multi_remove_handle(m, c->h);
            if (c != &wr) {
                fprintf(stderr, "loadgen: watcher %d ended (%s, HTTP %ld)\n", c->id,
                        curl_easy_strerror(msg->data.result), code);
                continue;
            }
            writing = false;
            if (code != 201)
                fprintf(stderr, "loadgen: write: HTTP %ld %.200s\n", code,
                        wr.resp.p ? wr.resp.p : "");
            if (next >= 0)
                f.written[next] = now;
            next++;
            t_next = now + g_o.interval_ms / 1000.0;
        }
        now = lg_now();
        /* the warm-up write goes once the connections are up; writes once all saw it */
        if (!writing && next == -1 && t_next == 0 && now - t_start > 1.0) {
            snprintf(name, sizeof(name), "%swarm", f.tag);
            configmap_body(&wr.body, name, NULL);
            lg_request(&wr, "POST", g_o.url, true);
            curl_multi_add_handle(m, wr.h);
            writing = true;
        } else if (!writing && next >= 0 && next < f.writes && now >= t_next &&
                   f.connected >= g_o.watchers) {
            snprintf(name, sizeof(name), "%s%d", f.tag, next);
            configmap_body(&wr.body, name, NULL);
            lg_request(&wr, "POST", g_o.url, true);
            curl_multi_add_handle(m, wr.h);
            writing = true;
        }
        if (next >= f.writes) {
            bool all = true;
            for (int i = 0; i < f.writes && all; i++)
                all = f.seen[i] >= g_o.watchers;
            if (all || now > deadline)
                break;
        }
        if (now > deadline + 60)
            break;
        curl_multi_poll(m, NULL, 0, 5, NULL);
    }
    for (int i = 0; i < f.writes; i++) {
        if (f.seen[i] < g_o.watchers) {
            missed++;
            continue;
        }
        lat_add(&lat, f.last[i] > f.written[i] ? f.last[i] - f.written[i] : 0);
    }
    {
        double p50 = lat_ms(&lat, 0.5), p99 = lat_ms(&lat, 0.99);
        printf("{\"mode\":\"watch\",\"watchers\":%d,\"connected\":%ld,\"writes\":%d,"
               "\"missed\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
               g_o.watchers, f.connected, f.writes, missed, p50, p99,
               lat.n ? lat.v[lat.n - 1] * 1000.0 : 0);
    }
    for (int i = 0; i < g_o.watchers; i++) {
        curl_multi_remove_handle(m, cs[i].h);
        lg_client_free(&cs[i]);
        free(ws[i].line.p);
    }
    lg_client_free(&wr);
    curl_multi_cleanup(m);
    free(ws);
    free(cs);
    free(lat.v);
    free(f.seen);
    free(f.last);
    free(f.written);
    return missed || f.connected < g_o.watchers ? 1 : 0;
}

/* ---- main --------------------------------------------------------------------------------- */

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen create|etcd-put|etcd-get|get|update|workspaces|watch --url URL\n"
            "  [--clients N] [--duration S | --count N] [--objects K] [--prefix P] [--size B]\n"
            "  [--cacert F --cert F --key F] [--watchers W --writes N --interval-ms MS]\n");
    exit(2);
}

static double num(const char *v)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || d < 0)
        usage();
    return d;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        lg_mode mode;
    } modes[] = {{"create", M_CREATE}, {"etcd-put", M_ETCD}, {"etcd-get", M_ETCD_GET},
                 {"get", M_GET},       {"update", M_UPDATE}, {"workspaces", M_WS},
                 {"watch", M_WATCH}};
    struct rlimit rl;
    int rc;

    if (argc < 2)
        usage();
    g_o.mode_name = NULL;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(argv[1], modes[i].name) == 0) {
            g_o.mode = modes[i].mode;
            g_o.mode_name = modes[i].name;
        }
    if (!g_o.mode_name)
        usage();
    g_o.clients = 1;
    g_o.prefix = "bench";
    g_o.size = 1024;
    g_o.watchers = 100;
    g_o.writes = 50;
    g_o.interval_ms = 20;
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(k, "--url"))
            g_o.url = v;
        else if (!strcmp(k, "--clients"))
            g_o.clients = (int)num(v);
        else if (!strcmp(k, "--duration"))
            g_o.duration = num(v);
        else if (!strcmp(k, "--count"))
            g_o.count = (long)num(v);
        else if (!strcmp(k, "--objects"))
            g_o.objects = (long)num(v);
        else if (!strcmp(k, "--prefix"))
            g_o.prefix = v;
        else if (!strcmp(k, "--size"))
            g_o.size = (size_t)num(v);
        else if (!strcmp(k, "--cacert"))
            g_o.cacert = v;
        else if (!strcmp(k, "--cert"))
            g_o.cert = v;
        else if (!strcmp(k, "--key"))
            g_o.key = v;
        else if (!strcmp(k, "--watchers"))
            g_o.watchers = (int)num(v);
        else if (!strcmp(k, "--writes"))
            g_o.writes = (int)num(v);
        else if (!strcmp(k, "--interval-ms"))
            g_o.interval_ms = num(v);
        else
            usage();
    }
    if (!g_o.url || g_o.clients < 1 || g_o.watchers < 1 || g_o.writes < 1 ||
        (!g_o.count && g_o.duration <= 0 && g_o.mode != M_WATCH))
        usage();
    /* a thousand watchers need a thousand descriptors */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (!(g_payload = malloc(g_o.size + 1)))
        lg_die("out of memory");
    for (size_t i = 0; i < g_o.size; i++)
        g_payload[i] = (char)('a' + i % 26);
    g_payload[g_o.size] = 0;
    srandom((unsigned)time(NULL));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        lg_die("curl_global_init failed");
    rc = g_o.mode == M_WATCH ? run_watch() : run_requests();
    curl_global_cleanup();
    free(g_payload);
    return rc;
}
