/* watch: the hub that fans committed events out to watchers. The store hands it each batch
 * after commit (in resourceVersion order); the hub thread serializes each event once, keeps
 * a bounded window of recent events for resume, and appends the frame to every matching
 * watcher, indexed by (cluster, resource) so an event costs only the watchers of its kind.
 * Watchers are suspended HTTP streams, not threads. Resume older than the window reads the
 * store's event log; older than the log's compacted floor is 410 Expired. Any thread may call
 * it; one mutex guards the hub. */
#ifndef KP_WATCH_H
#define KP_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "apiserver/http.h"
#include "apiserver/select.h"
#include "apiserver/store.h"

typedef struct kp_watch_hub kp_watch_hub;
typedef struct kp_watch kp_watch;

typedef struct {
    size_t window_events;      /* in-memory events kept for resume (default 65536) */
    size_t window_bytes;       /* and at most this many bytes of them (default 64 MiB) */
    int compact_age_s;         /* event log kept this long (default 600) */
    int64_t compact_events;    /* and at most this many (default 1,000,000) */
    int bookmark_interval_s;   /* default 60 */
    int compact_interval_s;    /* how often the event log is compacted (default 60) */
    size_t watcher_buffer_max; /* a watcher this far behind is ended (default 16 MiB) */
    /* Also told of every committed batch, on the store's writer thread (caches that must
     * drop what changed, e.g. RBAC): it must not block. */
    void (*observe)(void *arg, const kp_store_event *evs, size_t n);
    void *observe_arg;
} kp_watch_hub_opts;

/* Subscribes to the store and starts the hub thread. owned, free with kp_watch_hub_free(). */
int kp_watch_hub_new(kp_watch_hub **out, kp_store *st, const kp_watch_hub_opts *opts);
/* Ends every watcher (their streams close cleanly) and refuses new ones. */
void kp_watch_hub_close(kp_watch_hub *h);
/* Stops the thread; call after the HTTP server has stopped. NULL is fine. */
void kp_watch_hub_free(kp_watch_hub *h);
/* Watchers currently open. */
long kp_watch_hub_watchers(kp_watch_hub *h);

typedef struct {
    const char *cluster, *resource; /* the store key of the resource; cluster NULL: every
                                       workspace */
    const char *ns;                 /* NULL: every namespace */
    const char *name;               /* NULL: every object (fieldSelector metadata.name=X) */
    kp_sel *labels, *fields;        /* consumed by kp_watch_start, on every path; NULL fine */
    const char *kind, *api_version; /* for BOOKMARK objects */
    int64_t rv;                     /* > 0: resume after it; 0: the caller sends initial state */
    bool bookmarks;                 /* allowWatchBookmarks */
    int timeout_s;                  /* > 0 */
    /* When set, each object is sent as render(render_ctx, obj) (a Table row, say); watchers
     * with the same pair share the rendered frames. The result is owned by the caller. */
    json_t *(*render)(const void *ctx, const json_t *obj);
    const void *render_ctx;
    /* When set, called with render_ctx once the watcher is gone (on every path, also when
     * kp_watch_start fails): render_ctx may hold a reference. */
    void (*render_release)(const void *ctx);
} kp_watch_opts;

/* Registers a watcher. With opts->rv > 0 it queues every matching event after rv, or ends
 * the stream with an ERROR event (410 Expired) when rv is older than the store's log. With
 * rv == 0 the caller lists the store and calls kp_watch_initial(). *out is owned by the
 * stream (kp_watch_streamer); until then free it with kp_watch_cancel(). */
int kp_watch_start(kp_watch **out, kp_watch_hub *h, const kp_watch_opts *opts);
/* Queues ADDED for the items (borrowed) the watcher selects, consistent at list_rv, drops buffered
 * events at or below list_rv, and with end_bookmark adds the initial-events-end BOOKMARK. */
void kp_watch_initial(kp_watch *w, json_t *items, int64_t list_rv, bool end_bookmark);
/* Ends the watch with an ERROR event holding a Status for code (e.g. KP_EEXPIRED). */
void kp_watch_fail(kp_watch *w, int code, const char *message);
/* The streamer for the HTTP response; the stream then owns w. */
kp_http_streamer kp_watch_streamer(kp_watch *w);
/* Unregisters and frees a watcher that never became a stream. */
void kp_watch_cancel(kp_watch *w);

#endif
