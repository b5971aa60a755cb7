#include "lib/common.h"
#include "apiserver/watch.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define HUB_BUCKETS 1024

/* One serialized event line, shared by every watcher that gets it. */
typedef struct frame {
    atomic_int refs;
    int64_t rv;
    size_t len;
    char data[];
} frame;

typedef struct hub_event {
    struct hub_event *next; /* inbound list */
    int64_t rv;
    kp_ev_type type;
    char *cluster, *resource, *ns, *name;
    json_t *obj;
    json_t *prev;      /* MODIFIED: the object before, when the store knew it */
    frame *fr;         /* the event as it happened */
    frame *fr_prev;    /* in the ring: prev, serialized (obj and prev are dropped there) */
    size_t bytes;      /* in the ring: what it holds */
    frame *fr_added;   /* made on demand: the change brought the object into a selection */
    frame *fr_deleted; /* made on demand: the change took it out (prev's content) */
    /* one rendered frame, shared by the watchers that render alike */
    json_t *(*r_fn)(const void *ctx, const json_t *obj);
    const void *r_ctx;
    const char *r_type;
    frame *r_frame;
} hub_event;

struct kp_watch {
    kp_watch_hub *h;
    struct kp_watch *next, *prev; /* bucket list; guarded by h->mu */
    size_t bucket;
    bool registered;
    char *cluster, *resource, *ns, *name, *kind, *api_version;
    kp_sel *labels, *fields;
    json_t *(*render)(const void *ctx, const json_t *obj);
    const void *render_ctx;
    void (*render_release)(const void *ctx);
    bool bookmarks;
    int64_t deadline_ms, last_bookmark_ms;
    int64_t min_rv; /* events at or below it are not sent (already in the initial list) */
    /* the queue of frames still to write; guarded by h->mu */
    frame **q;
    size_t qhead, qlen, qcap, off, qbytes;
    bool ended; /* nothing more will be queued: the stream closes once drained */
    bool suspended;
    kp_http_stream *stream;
};

struct kp_watch_hub {
    kp_store *st;
    kp_watch_hub_opts o;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hub_event *in_head, *in_tail; /* from the writer, not yet fanned out; guarded by mu */
    hub_event **ring;             /* recent events, oldest at ring_start; guarded by mu */
    size_t ring_start, ring_len;
    size_t ring_bytes;  /* their frames' sizes: the ring is bounded by window_bytes too */
    int64_t ring_floor; /* every event after it is in the ring or inbound */
    int64_t last_rv;    /* newest rv fanned out */
    kp_watch *buckets[HUB_BUCKETS + 1]; /* the last: wildcard watchers (every workspace) */
    long nwatchers;
    bool closing, stopping;
    pthread_t thread;
    bool started;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t hub_bucket(const char *cluster, const char *resource)
{
    return (size_t)(kp_hash_str(kp_hash_str(KP_HASH_INIT, cluster), resource) % HUB_BUCKETS);
}

static frame *frame_new(int64_t rv, const char *type, const json_t *obj)
{
    kp_buf b;
    frame *f;

    kp_buf_init(&b, SIZE_MAX / 4);
    kp_buf_puts(&b, "{\"type\":\"");
    kp_buf_puts(&b, type);
    kp_buf_puts(&b, "\",\"object\":");
    kp_json_dump_buf(&b, obj);
    kp_buf_puts(&b, "}\n");
    f = kp_malloc(sizeof(*f) + b.len);
    atomic_init(&f->refs, 1);
    f->rv = rv;
    f->len = b.len;
    memcpy(f->data, kp_buf_cstr(&b), b.len);
    kp_buf_dispose(&b);
    return f;
}

/* frame_new of an object already serialized. */
static frame *frame_of_text(int64_t rv, const char *type, const char *text, size_t len)
{
    static const char a[] = "{\"type\":\"", b[] = "\",\"object\":", z[] = "}\n";
    size_t tl = strlen(type), n = sizeof(a) - 1 + tl + sizeof(b) - 1 + len + sizeof(z) - 1;
    frame *f = kp_malloc(sizeof(*f) + n);
    char *p = f->data;
    atomic_init(&f->refs, 1);
    f->rv = rv;
    f->len = n;
    memcpy(p, a, sizeof(a) - 1);
    p += sizeof(a) - 1;
    memcpy(p, type, tl);
    p += tl;
    memcpy(p, b, sizeof(b) - 1);
    p += sizeof(b) - 1;
    memcpy(p, text, len);
    p += len;
    memcpy(p, z, sizeof(z) - 1);
    return f;
}

static frame *frame_ref(frame *f)
{
    atomic_fetch_add(&f->refs, 1);
    return f;
}

static void frame_unref(frame *f)
{
    if (f && atomic_fetch_sub(&f->refs, 1) == 1)
        free(f);
}

static const char *ev_type_name(kp_ev_type t)
{
    return t == KP_EV_ADDED ? "ADDED" : t == KP_EV_MODIFIED ? "MODIFIED" : "DELETED";
}

static void hub_event_free(hub_event *e)
{
    if (!e)
        return;
    free(e->cluster);
    free(e->resource);
    free(e->ns);
    free(e->name);
    json_decref(e->obj);
    json_decref(e->prev);
    frame_unref(e->r_frame);
    frame_unref(e->fr);
    frame_unref(e->fr_prev);
    frame_unref(e->fr_added);
    frame_unref(e->fr_deleted);
    free(e);
}

/* ---- watcher queue (all under h->mu) ---- */

static void wq_push(kp_watch *w, frame *f)
{
    if (w->qhead + w->qlen == w->qcap) {
        if (w->qhead > 0) { /* slide down before growing */
            memmove(w->q, w->q + w->qhead, w->qlen * sizeof(*w->q));
            w->qhead = 0;
        } else {
            w->qcap = w->qcap ? w->qcap * 2 : 16;
            w->q = kp_realloc(w->q, w->qcap * sizeof(*w->q));
        }
    }
    w->q[w->qhead + w->qlen++] = f;
    w->qbytes += f->len;
}

static void wq_clear(kp_watch *w)
{
    for (size_t i = 0; i < w->qlen; i++)
        frame_unref(w->q[w->qhead + i]);
    w->qhead = w->qlen = w->off = w->qbytes = 0;
}

static void watch_wake(kp_watch *w)
{
    if (w->suspended && w->stream) {
        w->suspended = false;
        kp_http_stream_resume(w->stream);
    }
}

static void watch_end(kp_watch *w)
{
    w->ended = true;
    watch_wake(w);
}

static bool watch_matches(const kp_watch *w, const char *cluster, const char *resource,
                          const char *ns, const char *name, const json_t *obj)
{
    if (strcmp(w->resource, resource) != 0 || (w->cluster && strcmp(w->cluster, cluster) != 0))
        return false;
    if (w->ns && strcmp(w->ns, ns) != 0)
        return false;
    if (w->name && strcmp(w->name, name) != 0)
        return false;
    if (w->labels && !kp_sel_match_labels(w->labels, kp_json_get(obj, "metadata.labels")))
        return false;
    if (w->fields && !kp_sel_match_fields(w->fields, obj))
        return false;
    return true;
}

/* The object of frame f in the watcher's rendering (f's "object" member re-rendered). */
static frame *watch_render(const kp_watch *w, int64_t rv, const char *type, const json_t *obj)
{
    json_t *r = w->render(w->render_ctx, obj);
    frame *f = frame_new(rv, type, r);
    json_decref(r);
    return f;
}

static frame *watch_frame_for_plain(const kp_watch *w, hub_event *e, const char **type,
                                    const json_t **obj);

/* The frame this watcher gets for e, rendered when the watcher renders; NULL for none. */
static frame *watch_frame_for(const kp_watch *w, hub_event *e)
{
    const char *type;
    const json_t *obj;
    frame *plain = watch_frame_for_plain(w, e, &type, &obj);

    if (!plain || !w->render)
        return plain;
    if (e->r_frame && e->r_fn == w->render && e->r_ctx == w->render_ctx && e->r_type == type)
        return e->r_frame;
    if (!e->r_frame) { /* the first renderer keeps its frame on the event */
        e->r_fn = w->render;
        e->r_ctx = w->render_ctx;
        e->r_type = type;
        e->r_frame = watch_render(w, e->rv, type, obj);
        return e->r_frame;
    }
    return NULL; /* a second kind of rendering: the caller renders without caching */
}

/* k8s (the watch cache): a change that moves an object into a watcher's selection is ADDED,
 * out of it DELETED with the previous content at the new resourceVersion. *type and *obj
 * tell what the frame holds, for rendering. */
static frame *watch_frame_for_plain(const kp_watch *w, hub_event *e, const char **type,
                                    const json_t **obj)
{
    *type = ev_type_name(e->type);
    *obj = e->obj;
    bool cur = watch_matches(w, e->cluster, e->resource, e->ns, e->name, e->obj), old;

    if (e->type != KP_EV_MODIFIED || !e->prev || (!w->labels && !w->fields))
        return cur ? e->fr : NULL;
    old = watch_matches(w, e->cluster, e->resource, e->ns, e->name, e->prev);
    if (cur && old)
        return e->fr;
    if (cur) {
        if (!e->fr_added)
            e->fr_added = frame_new(e->rv, "ADDED", e->obj);
        *type = "ADDED";
        return e->fr_added;
    }
    if (old) {
        if (!e->fr_deleted) {
            char rvs[24];
            json_t *gone = json_deep_copy(e->prev);
            snprintf(rvs, sizeof(rvs), "%lld", (long long)e->rv);
            json_object_set_new(kp_json_obj_ensure(gone, "metadata"), "resourceVersion",
                                json_string(rvs));
            e->fr_deleted = frame_new(e->rv, "DELETED", gone);
            json_decref(gone);
        }
        *type = "DELETED";
        *obj = e->prev; /* rendering shows the content that left (its rv is the old one) */
        return e->fr_deleted;
    }
    return NULL;
}

/* Queues the event for w when it concerns w; ends a watcher that fell too far behind. */
static void watch_offer(kp_watch *w, hub_event *e)
{
    frame *f;

    if (w->ended || e->rv <= w->min_rv)
        return;
    if (!(f = watch_frame_for(w, e))) {
        const char *type;
        const json_t *obj;
        if (!w->render || !watch_frame_for_plain(w, e, &type, &obj))
            return;
        f = watch_render(w, e->rv, type, obj); /* uncached: a second rendering of e */
        wq_push(w, f);
        watch_wake(w);
        return;
    }
    if (w->qbytes + f->len > w->h->o.watcher_buffer_max) {
        KP_LOG_WARN("watch", "a watcher of %s fell %zu bytes behind: ending it", w->resource,
                    w->qbytes);
        wq_clear(w);
        watch_end(w);
        return;
    }
    wq_push(w, frame_ref(f));
    watch_wake(w);
}

static json_t *bookmark_obj(const kp_watch *w, int64_t rv, bool initial_end)
{
    char rvs[24];
    json_t *md = json_object(), *o = json_object();
    snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
    json_object_set_new(md, "resourceVersion", json_string(rvs));
    if (initial_end) /* k8s: the end of sendInitialEvents */
        json_object_set_new(md, "annotations",
                            json_pack("{s:s}", "k8s.io/initial-events-end", "true"));
    json_object_set_new(o, "kind", json_string(w->kind));
    json_object_set_new(o, "apiVersion", json_string(w->api_version));
    json_object_set_new(o, "metadata", md);
    return o;
}

/* ---- the hub thread ---- */

/* Drops what the ring need not keep in memory: the JSON trees (a serialized frame is a third
 * of their size) and the frames made for particular watchers. A resume from the ring parses
 * them back (ring_hydrate), which only watchers with selectors or renderings need. */
static void ring_compact(hub_event *e)
{
    if (e->prev)
        e->fr_prev = frame_new(e->rv, "PREV", e->prev);
    json_decref(e->obj);
    json_decref(e->prev);
    e->obj = e->prev = NULL;
    frame_unref(e->r_frame);
    frame_unref(e->fr_added);
    frame_unref(e->fr_deleted);
    e->r_frame = e->fr_added = e->fr_deleted = NULL;
    e->r_fn = NULL;
    e->bytes = sizeof(*e) + e->fr->len + (e->fr_prev ? e->fr_prev->len : 0) + strlen(e->cluster) +
               strlen(e->resource) + strlen(e->ns) + strlen(e->name);
}

static json_t *frame_object(const frame *f)
{
    json_t *whole = NULL, *o;
    if (!f || kp_json_parse(&whole, f->data, f->len) < 0) {
        kp_err_clear();
        return NULL;
    }
    o = json_incref(json_object_get(whole, "object"));
    json_decref(whole);
    return o;
}

/* A ring event as the hub had it, for one replay (then ring_compact again). */
static void ring_hydrate(hub_event *e)
{
    e->obj = frame_object(e->fr);
    if (!e->obj)
        e->obj = json_object();
    e->prev = frame_object(e->fr_prev);
    frame_unref(e->fr_prev);
    e->fr_prev = NULL;
}

static void hub_ring_push(kp_watch_hub *h, hub_event *e)
{
    size_t cap = h->o.window_events;
    ring_compact(e);
    while (h->ring_len > 0 &&
           (h->ring_len == cap || h->ring_bytes + e->bytes > h->o.window_bytes)) {
        hub_event *old = h->ring[h->ring_start];
        h->ring_floor = old->rv;
        h->ring_bytes -= old->bytes;
        hub_event_free(old);
        h->ring_start = (h->ring_start + 1) % cap;
        h->ring_len--;
    }
    h->ring[(h->ring_start + h->ring_len) % cap] = e;
    h->ring_len++;
    h->ring_bytes += e->bytes;
}

static void hub_fanout(kp_watch_hub *h, hub_event *e)
{
    for (kp_watch *w = h->buckets[hub_bucket(e->cluster, e->resource)]; w; w = w->next)
        watch_offer(w, e);
    for (kp_watch *w = h->buckets[HUB_BUCKETS]; w; w = w->next)
        watch_offer(w, e);
}

/* k8s (cacheWatcher.nextBookmarkTime): a bookmark roughly every interval, and one 2 s before
 * the watch's deadline, so a client that resumes after the server ends the watch starts from
 * a resourceVersion as new as possible (informers of the Python and JS clients use short
 * timeoutSeconds and would otherwise never see a bookmark). */
static int64_t bookmark_due(const kp_watch *w, int interval_s)
{
    int64_t next = w->last_bookmark_ms + (int64_t)interval_s * 1000;
    int64_t pretimeout = w->deadline_ms - 2000;

    if (pretimeout < next && w->last_bookmark_ms <= pretimeout)
        next = pretimeout;
    return next;
}

static void hub_tick(kp_watch_hub *h, int64_t now)
{
    for (size_t b = 0; b <= HUB_BUCKETS; b++) {
        for (kp_watch *w = h->buckets[b]; w; w = w->next) {
            if (w->ended)
                continue;
            if (now >= w->deadline_ms) {
                watch_end(w);
                continue;
            }
            if (w->bookmarks && now >= bookmark_due(w, h->o.bookmark_interval_s)) {
                json_t *o = bookmark_obj(w, h->last_rv, false);
                w->last_bookmark_ms = now;
                wq_push(w, frame_new(h->last_rv, "BOOKMARK", o));
                json_decref(o);
                watch_wake(w);
            }
        }
    }
}

static void *hub_main(void *arg)
{
    kp_watch_hub *h = arg;
    int64_t last_compact = now_ms();

    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        hub_event *batch;
        struct timespec until;
        int64_t now;

        if (!h->in_head) {
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&h->cv, &h->mu, &until);
        }
        batch = h->in_head;
        h->in_head = h->in_tail = NULL;
        /* Serialize outside the lock: the writer keeps appending meanwhile. */
        pthread_mutex_unlock(&h->mu);
        for (hub_event *e = batch; e; e = e->next)
            if (!e->fr)
                e->fr = frame_new(e->rv, ev_type_name(e->type), e->obj);
        now = now_ms();
        if (now - last_compact >= (int64_t)h->o.compact_interval_s * 1000) {
            int64_t floor_rv;
            last_compact = now;
            if (kp_store_compact(&floor_rv, h->st, h->o.compact_age_s, h->o.compact_events) < 0)
                KP_LOG_WARN("watch", "event log compaction failed: %s", kp_err_msg());
        }
        pthread_mutex_lock(&h->mu);
        while (batch) {
            hub_event *e = batch;
            batch = e->next;
            e->next = NULL;
            h->last_rv = e->rv;
            hub_fanout(h, e);
            hub_ring_push(h, e);
        }
        hub_tick(h, now);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* The store's subscriber: runs on the writer thread after commit, so it only copies. */
static void hub_on_commit(void *arg, const kp_store_event *evs, size_t n)
{
    kp_watch_hub *h = arg;
    hub_event *head = NULL, **tail = &head, *last = NULL;

    if (h->o.observe)
        h->o.observe(h->o.observe_arg, evs, n);
    for (size_t i = 0; i < n; i++) {
        hub_event *e = kp_calloc(1, sizeof(*e));
        e->rv = evs[i].rv;
        e->type = evs[i].type;
        e->cluster = kp_strdup(evs[i].key.cluster);
        e->resource = kp_strdup(evs[i].key.resource);
        e->ns = kp_strdup(evs[i].key.ns);
        e->name = kp_strdup(evs[i].key.name);
        e->obj = json_incref(evs[i].obj);
        e->prev = json_incref(evs[i].prev);
        if (evs[i].text) /* the writer's serialization: the hub need not dump it again */
            e->fr = frame_of_text(e->rv, ev_type_name(e->type), evs[i].text, evs[i].text_len);
        *tail = e;
        tail = &e->next;
        last = e;
    }
    if (!head)
        return;
    pthread_mutex_lock(&h->mu);
    if (h->in_tail)
        h->in_tail->next = head;
    else
        h->in_head = head;
    h->in_tail = last;
    pthread_mutex_unlock(&h->mu);
    pthread_cond_signal(&h->cv); /* unlocked: the hub thread must not wake into our lock */
}

int kp_watch_hub_new(kp_watch_hub **out, kp_store *st, const kp_watch_hub_opts *opts)
{
    kp_watch_hub *h = kp_calloc(1, sizeof(*h));

    h->st = st;
    if (opts)
        h->o = *opts;
    if (!h->o.compact_interval_s)
        h->o.compact_interval_s = 60;
    if (!h->o.window_events) /* the ring never holds more than the log keeps */
        h->o.window_events = h->o.compact_events && h->o.compact_events < 65536
                                 ? (size_t)h->o.compact_events
                                 : 65536;
    if (!h->o.window_bytes)
        h->o.window_bytes = 64 * 1024 * 1024;
    if (!h->o.compact_age_s)
        h->o.compact_age_s = 600;
    if (!h->o.compact_events)
        h->o.compact_events = 1000000;
    if (!h->o.bookmark_interval_s)
        h->o.bookmark_interval_s = 60;
    if (!h->o.watcher_buffer_max)
        h->o.watcher_buffer_max = 16 * 1024 * 1024;
    h->ring = kp_calloc(h->o.window_events, sizeof(*h->ring));
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->ring_floor = h->last_rv = kp_store_current_rv(st);
    kp_store_subscribe(st, hub_on_commit, h);
    if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
        kp_store_subscribe(st, NULL, NULL);
        kp_watch_hub_free(h);
        return kp_err_set(KP_EINTERNAL, "cannot start the watch hub thread");
    }
    h->started = true;
    *out = h;
    return 0;
}

void kp_watch_hub_close(kp_watch_hub *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->closing = true;
    for (size_t b = 0; b <= HUB_BUCKETS; b++)
        for (kp_watch *w = h->buckets[b]; w; w = w->next)
            watch_end(w);
    pthread_mutex_unlock(&h->mu);
}

void kp_watch_hub_free(kp_watch_hub *h)
{
    if (!h)
        return;
    kp_store_subscribe(h->st, NULL, NULL);
    if (h->started) {
        pthread_mutex_lock(&h->mu);
        h->stopping = true;
        pthread_cond_signal(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->thread, NULL);
    }
    while (h->in_head) {
        hub_event *e = h->in_head;
        h->in_head = e->next;
        hub_event_free(e);
    }
    for (size_t i = 0; i < h->ring_len; i++)
        hub_event_free(h->ring[(h->ring_start + i) % h->o.window_events]);
    free(h->ring);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

long kp_watch_hub_watchers(kp_watch_hub *h)
{
    long n;
    pthread_mutex_lock(&h->mu);
    n = h->nwatchers;
    pthread_mutex_unlock(&h->mu);
    return n;
}

/* ---- one watcher ---- */

static void watch_free(kp_watch *w)
{
    if (!w)
        return;
    wq_clear(w);
    free(w->q);
    free(w->cluster);
    free(w->resource);
    free(w->ns);
    free(w->name);
    free(w->kind);
    free(w->api_version);
    kp_sel_free(w->labels);
    kp_sel_free(w->fields);
    if (w->render_release)
        w->render_release(w->render_ctx);
    free(w);
}

static void watch_unregister(kp_watch *w)
{
    kp_watch_hub *h = w->h;
    if (!w->registered)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        h->buckets[w->bucket] = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->registered = false;
    h->nwatchers--;
}

/* Puts frames (owned references) before everything queued, dropping queued frames at or below
 * drop_rv: the initial list or the log read goes first, then what arrived meanwhile. */
static void watch_prepend(kp_watch *w, frame **frames, size_t n, int64_t drop_rv)
{
    frame **old = w->q;
    size_t oh = w->qhead, ol = w->qlen;

    w->q = NULL;
    w->qhead = w->qlen = w->qcap = w->off = w->qbytes = 0;
    for (size_t i = 0; i < n; i++)
        wq_push(w, frames[i]);
    for (size_t i = 0; i < ol; i++) {
        frame *f = old[oh + i];
        if (f->rv > drop_rv)
            wq_push(w, f);
        else
            frame_unref(f);
    }
    free(old);
}

/* Finds the first ring index whose rv is above rv (the ring is in rv order). */
static size_t hub_ring_after(const kp_watch_hub *h, int64_t rv)
{
    size_t lo = 0, hi = h->ring_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->ring[(h->ring_start + mid) % h->o.window_events]->rv <= rv)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int kp_watch_start(kp_watch **out, kp_watch_hub *h, const kp_watch_opts *o)
{
    kp_watch *w = kp_calloc(1, sizeof(*w));
    int64_t floor_rv, upto;
    kp_store_event *evs = NULL;
    size_t nevs = 0;
    int rc = 0;

    w->h = h;
    w->cluster = o->cluster ? kp_strdup(o->cluster) : NULL; /* NULL: every workspace */
    w->resource = kp_strdup(o->resource);
    w->ns = o->ns ? kp_strdup(o->ns) : NULL;
    w->name = o->name ? kp_strdup(o->name) : NULL;
    w->kind = kp_strdup(o->kind);
    w->api_version = kp_strdup(o->api_version);
    w->labels = o->labels && !kp_sel_empty(o->labels) ? o->labels : NULL;
    w->fields = o->fields && !kp_sel_empty(o->fields) ? o->fields : NULL;
    if (!w->labels)
        kp_sel_free(o->labels);
    if (!w->fields)
        kp_sel_free(o->fields);
    w->bookmarks = o->bookmarks;
    w->render = o->render;
    w->render_ctx = o->render_ctx;
    w->render_release = o->render_release;
    w->last_bookmark_ms = now_ms();
    w->deadline_ms = w->last_bookmark_ms + (int64_t)(o->timeout_s > 0 ? o->timeout_s : 1800) * 1000;
    w->min_rv = o->rv;
    w->bucket = w->cluster ? hub_bucket(w->cluster, w->resource) : HUB_BUCKETS;

    pthread_mutex_lock(&h->mu);
    if (h->closing) {
        pthread_mutex_unlock(&h->mu);
        watch_free(w);
        return kp_err_set(KP_EUNAVAILABLE, "the server is shutting down");
    }
    w->next = h->buckets[w->bucket];
    if (w->next)
        w->next->prev = w;
    h->buckets[w->bucket] = w;
    w->registered = true;
    h->nwatchers++;
    floor_rv = h->ring_floor;
    if (o->rv > 0) { /* replay what the ring holds after rv */
        bool hydrate = w->labels || w->fields || w->render;
        for (size_t i = hub_ring_after(h, o->rv); i < h->ring_len; i++) {
            hub_event *e = h->ring[(h->ring_start + i) % h->o.window_events];
            if (hydrate)
                ring_hydrate(e);
            watch_offer(w, e);
            if (hydrate) {
                h->ring_bytes -= e->bytes;
                ring_compact(e);
                h->ring_bytes += e->bytes;
            }
        }
    }
    pthread_mutex_unlock(&h->mu);

    if (o->rv > 0 && o->rv < floor_rv) {
        /* Older than the ring: the store's log has (rv, floor]. */
        upto = floor_rv;
        rc = kp_store_events_since(&evs, &nevs, h->st, w->cluster, w->resource, o->rv, upto);
        if (rc == KP_EEXPIRED) {
            kp_watch_fail(w, rc, kp_err_msg());
            rc = 0;
        } else if (rc == 0) {
            frame **frames = kp_calloc(nevs + 1, sizeof(*frames));
            size_t nf = 0;
            for (size_t i = 0; i < nevs; i++) {
                kp_store_event *e = &evs[i];
                if (watch_matches(w, e->key.cluster, e->key.resource, e->key.ns, e->key.name,
                                  e->obj))
                    frames[nf++] = w->render ? watch_render(w, e->rv, ev_type_name(e->type), e->obj)
                                             : frame_new(e->rv, ev_type_name(e->type), e->obj);
            }
            pthread_mutex_lock(&h->mu);
            watch_prepend(w, frames, nf, o->rv);
            watch_wake(w);
            pthread_mutex_unlock(&h->mu);
            free(frames);
        }
        kp_store_events_free(evs, nevs);
    }
    if (rc < 0) {
        kp_watch_cancel(w);
        return rc;
    }
    *out = w;
    return 0;
}

void kp_watch_initial(kp_watch *w, json_t *items, int64_t list_rv, bool end_bookmark)
{
    size_t n = json_array_size(items), i;
    frame **frames = kp_calloc(n + 2, sizeof(*frames));
    json_t *item;

    n = 0;
    json_array_foreach(items, i, item)
    {
        const char *ns = kp_json_get_str(item, "metadata.namespace");
        const char *name = kp_json_get_str(item, "metadata.name");
        if (watch_matches(w, w->cluster ? w->cluster : "", w->resource, ns ? ns : "",
                          name ? name : "", item))
            frames[n++] = w->render ? watch_render(w, list_rv, "ADDED", item)
                                    : frame_new(list_rv, "ADDED", item);
    }
    if (end_bookmark) {
        json_t *o = bookmark_obj(w, list_rv, true);
        frames[n++] = frame_new(list_rv, "BOOKMARK", o);
        json_decref(o);
    }
    pthread_mutex_lock(&w->h->mu);
    w->min_rv = list_rv;
    watch_prepend(w, frames, n, list_rv);
    watch_wake(w);
    pthread_mutex_unlock(&w->h->mu);
    free(frames);
}

void kp_watch_fail(kp_watch *w, int code, const char *message)
{
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status", "apiVersion",
                           "v1", "metadata", "status", "Failure", "message", message, "reason",
                           kp_err_reason(code), "code", kp_err_http(code));
    frame *f = frame_new(INT64_MAX, "ERROR", st);
    json_decref(st);
    pthread_mutex_lock(&w->h->mu);
    wq_clear(w);
    wq_push(w, f);
    watch_end(w);
    pthread_mutex_unlock(&w->h->mu);
}

static ssize_t watch_read(void *arg, kp_http_stream *s, char *buf, size_t max)
{
    kp_watch *w = arg;
    size_t n = 0;
    ssize_t ret;

    pthread_mutex_lock(&w->h->mu);
    w->stream = s;
    while (w->qlen && n < max) {
        frame *f = w->q[w->qhead];
        size_t take = KP_MIN(f->len - w->off, max - n);
        memcpy(buf + n, f->data + w->off, take);
        n += take;
        w->off += take;
        if (w->off == f->len) {
            w->qbytes -= f->len;
            frame_unref(f);
            w->qhead++;
            w->qlen--;
            w->off = 0;
        }
    }
    if (w->qlen == 0)
        w->qhead = 0;
    if (n > 0)
        ret = (ssize_t)n;
    else if (w->ended)
        ret = -1;
    else {
        w->suspended = true;
        kp_http_stream_suspend(s);
        ret = 0;
    }
    pthread_mutex_unlock(&w->h->mu);
    return ret;
}

static void watch_done(void *arg)
{
    kp_watch_cancel(arg);
}

kp_http_streamer kp_watch_streamer(kp_watch *w)
{
    kp_http_streamer s = {watch_read, watch_done, w};
    return s;
}

void kp_watch_cancel(kp_watch *w)
{
    kp_watch_hub *h;
    if (!w)
        return;
    h = w->h;
    pthread_mutex_lock(&h->mu);
    watch_unregister(w);
    w->stream = NULL;
    pthread_mutex_unlock(&h->mu);
    watch_free(w);
}
