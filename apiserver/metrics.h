/* metrics: Prometheus counters and histograms of the request pipeline, in the text format.
 * Labels are verb, resource and code only (no workspace), so cardinality stays bounded by the
 * schema table. Any thread may call it. */
#ifndef KP_METRICS_H
#define KP_METRICS_H

#include <stdint.h>
#include "lib/buf.h"

/* Counts one finished request and its latency. verb and resource are static or copied. */
void kp_metrics_observe(const char *verb, const char *resource, int code, int64_t dur_us);
/* A gauge set by its owner (e.g. "kplane_watchers"). name must be static. */
void kp_metrics_gauge(const char *name, const char *help, double value);
/* Appends the whole exposition to b. */
void kp_metrics_render(kp_buf *b);

#endif
