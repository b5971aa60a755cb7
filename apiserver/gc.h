/* gc: the garbage collector (ownerReferences, propagation policies) and the namespace lifecycle,
 * one in-process controller like kube-controller-manager's garbagecollector and namespace
 * controllers. It learns of changes from the commit stream (kp_gc_observe, on the store's writer
 * thread, only queues), works on a thread of its own, reads through the store's indexed scans
 * and changes objects only through the API (kp_client). At start it sweeps once for what a
 * previous run left undone; in steady state it never scans. Any thread may call it. */
#ifndef KP_GC_H
#define KP_GC_H

#include <stddef.h>
#include "apiserver/client.h"
#include "apiserver/store.h"

#define KP_GC_USER "system:kplane:gc"

typedef struct kp_gc kp_gc;

/* A collector that queues what kp_gc_observe tells it until kp_gc_start. owned, free with
 * kp_gc_free() (after the store's writer stopped: it may still call kp_gc_observe). */
kp_gc *kp_gc_new(kp_store *st);
/* Sweeps, then works the queue on its own thread, calling the API through client (borrowed;
 * valid until kp_gc_stop). */
int kp_gc_start(kp_gc *gc, kp_client *client);
/* Finishes the job at hand and stops the thread; later events are ignored. NULL is fine. */
void kp_gc_stop(kp_gc *gc);
void kp_gc_free(kp_gc *gc);
/* Committed events (on the store's writer thread: takes the collector's lock briefly). */
void kp_gc_observe(kp_gc *gc, const kp_store_event *evs, size_t n);

#endif
