#include "lib/common.h"
#include "apiserver/metrics.h"

#include <pthread.h>

#define METRICS_SERIES_MAX 4096
#define METRICS_GAUGES_MAX 32

static const double metrics_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                         1,     2.5,  5,     10,   30,  60};
#define NBUCKETS KP_ARRAY_LEN(metrics_buckets)

typedef struct {
    char verb[24];
    char resource[96];
    int code;
    uint64_t count;
} req_series;

typedef struct {
    char verb[24];
    char resource[96];
    uint64_t buckets[NBUCKETS];
    uint64_t count;
    double sum;
} lat_series;

typedef struct {
    const char *name, *help;
    double value;
} gauge;

static pthread_mutex_t metrics_mu = PTHREAD_MUTEX_INITIALIZER;
static req_series reqs[METRICS_SERIES_MAX]; /* guarded by metrics_mu */
static size_t nreqs;
static lat_series lats[METRICS_SERIES_MAX / 4]; /* guarded by metrics_mu */
static size_t nlats;
static gauge gauges[METRICS_GAUGES_MAX]; /* guarded by metrics_mu */
static size_t ngauges;

void kp_metrics_observe(const char *verb, const char *resource, int code, int64_t dur_us)
{
    double s = (double)dur_us / 1e6;
    size_t i;

    pthread_mutex_lock(&metrics_mu);
    for (i = 0; i < nreqs; i++)
        if (reqs[i].code == code && strcmp(reqs[i].verb, verb) == 0 &&
            strcmp(reqs[i].resource, resource) == 0)
            break;
    if (i == nreqs && nreqs < METRICS_SERIES_MAX) {
        snprintf(reqs[i].verb, sizeof(reqs[i].verb), "%s", verb);
        snprintf(reqs[i].resource, sizeof(reqs[i].resource), "%s", resource);
        reqs[i].code = code;
        nreqs++;
    }
    if (i < nreqs)
        reqs[i].count++;
    for (i = 0; i < nlats; i++)
        if (strcmp(lats[i].verb, verb) == 0 && strcmp(lats[i].resource, resource) == 0)
            break;
    if (i == nlats && nlats < KP_ARRAY_LEN(lats)) {
        snprintf(lats[i].verb, sizeof(lats[i].verb), "%s", verb);
        snprintf(lats[i].resource, sizeof(lats[i].resource), "%s", resource);
        nlats++;
    }
    if (i < nlats) {
        for (size_t b = 0; b < NBUCKETS; b++)
            if (s <= metrics_buckets[b])
                lats[i].buckets[b]++;
        lats[i].count++;
        lats[i].sum += s;
    }
    pthread_mutex_unlock(&metrics_mu);
}

void kp_metrics_gauge(const char *name, const char *help, double value)
{
    size_t i;
    pthread_mutex_lock(&metrics_mu);
    for (i = 0; i < ngauges; i++)
        if (strcmp(gauges[i].name, name) == 0)
            break;
    if (i == ngauges && ngauges < METRICS_GAUGES_MAX) {
        gauges[i].name = name;
        gauges[i].help = help;
        ngauges++;
    }
    if (i < ngauges)
        gauges[i].value = value;
    pthread_mutex_unlock(&metrics_mu);
}

void kp_metrics_render(kp_buf *b)
{
    pthread_mutex_lock(&metrics_mu);
    kp_buf_puts(b, "# HELP kplane_requests_total Requests by verb, resource and HTTP code.\n"
                   "# TYPE kplane_requests_total counter\n");
    for (size_t i = 0; i < nreqs; i++)
        kp_buf_appendf(b, "kplane_requests_total{verb=\"%s\",resource=\"%s\",code=\"%d\"} %llu\n",
                       reqs[i].verb, reqs[i].resource, reqs[i].code,
                       (unsigned long long)reqs[i].count);
    kp_buf_puts(b, "# HELP kplane_request_duration_seconds Request latency by verb and resource.\n"
                   "# TYPE kplane_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nlats; i++) {
        const lat_series *l = &lats[i];
        for (size_t k = 0; k < NBUCKETS; k++)
            kp_buf_appendf(b,
                           "kplane_request_duration_seconds_bucket{verb=\"%s\",resource=\"%s\","
                           "le=\"%g\"} %llu\n",
                           l->verb, l->resource, metrics_buckets[k],
                           (unsigned long long)l->buckets[k]);
        kp_buf_appendf(b,
                       "kplane_request_duration_seconds_bucket{verb=\"%s\",resource=\"%s\","
                       "le=\"+Inf\"} %llu\n",
                       l->verb, l->resource, (unsigned long long)l->count);
        kp_buf_appendf(b, "kplane_request_duration_seconds_sum{verb=\"%s\",resource=\"%s\"} %g\n",
                       l->verb, l->resource, l->sum);
        kp_buf_appendf(b,
                       "kplane_request_duration_seconds_count{verb=\"%s\",resource=\"%s\"} %llu\n",
                       l->verb, l->resource, (unsigned long long)l->count);
    }
    for (size_t i = 0; i < ngauges; i++)
        kp_buf_appendf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", gauges[i].name, gauges[i].help,
                       gauges[i].name, gauges[i].name, gauges[i].value);
    pthread_mutex_unlock(&metrics_mu);
}
