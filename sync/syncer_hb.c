#include "lib/common.h"
#include "lib/quantity.h"
#include "sync/syncer_int.h"
#include "lib/json.h"
#include "lib/log.h"

#include <pthread.h>
#include <time.h>

/* A Cluster's side of the syncer: its status (Ready, heartbeat, version, allocatable). */

static char *cluster_path(const kp_syncer *s, const char *sub)
{
    return kp_asprintf("/clusters/%s/apis/" KP_SYNC_GROUP "/" KP_SYNC_VERSION "/clusters/%s%s%s",
                       s->cfg.ws_id, s->cfg.name, sub ? "/" : "", sub ? sub : "");
}

int syncer_cluster_get(json_t **out, kp_syncer *s)
{
    char *path = cluster_path(s, NULL);
    int rc = kp_sync_conn_do(out, s->cfg.up, "GET", path, NULL, NULL);
    free(path);
    return rc;
}

/* Sums each node's status.allocatable. */
static json_t *sum_allocatable(const json_t *nodes)
{
    json_t *sums = json_object(), *out = json_object(), *n, *v;
    const char *k;
    size_t i;

    json_array_foreach(json_object_get(nodes, "items"), i, n)
    {
        json_object_foreach(kp_json_get(n, "status.allocatable"), k, v)
        {
            int64_t m;
            json_t *cur = json_object_get(sums, k);
            if (!json_is_string(v) || kp_quantity_milli(&m, json_string_value(v)) < 0 || m < 0)
                continue;
            json_object_set_new(sums, k, json_integer((cur ? json_integer_value(cur) : 0) + m));
        }
    }
    json_object_foreach(sums, k, v)
    {
        json_object_set_new(out, k, kp_quantity_json(json_integer_value(v)));
    }
    json_decref(sums);
    return out;
}

/* Writes the Ready condition (and, when hb is set, the heartbeat's fields) to the Cluster. */
static int cluster_status(kp_syncer *s, bool ready, const char *reason, const char *msg,
                          const json_t *hb)
{
    json_t *cl = NULL, *st, *conds, *c = NULL, *x;
    char ts[32], *path = NULL;
    size_t i;
    int rc;

    if ((rc = syncer_cluster_get(&cl, s)) < 0)
        return rc;
    syncer_rfc3339_now(ts);
    st = kp_json_obj_ensure(cl, "status");
    if (hb)
        json_object_update(st, (json_t *)hb);
    if (ready)
        json_object_set_new(st, "lastHeartbeatTime", json_string(ts));
    conds = json_object_get(st, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(st, "conditions", conds);
    }
    json_array_foreach(conds, i, x)
    {
        if (kp_json_get_str(x, "type") && strcmp(kp_json_get_str(x, "type"), "Ready") == 0)
            c = x;
    }
    if (!c) {
        c = json_pack("{s:s}", "type", "Ready");
        json_array_append_new(conds, c);
    }
    if (!kp_json_get_str(c, "status") ||
        strcmp(kp_json_get_str(c, "status"), ready ? "True" : "False") != 0)
        json_object_set_new(c, "lastTransitionTime", json_string(ts));
    json_object_set_new(c, "status", json_string(ready ? "True" : "False"));
    json_object_set_new(c, "reason", json_string(reason));
    json_object_set_new(c, "message", json_string(msg));
    path = cluster_path(s, "status");
    rc = kp_sync_conn_do(NULL, s->cfg.up, "PUT", path, cl, NULL);
    free(path);
    json_decref(cl);
    return rc;
}

void syncer_heartbeat(kp_syncer *s)
{
    json_t *ver = NULL, *nodes = NULL, *hb = NULL;
    int64_t now = syncer_now_ms();
    int rc = KP_EUNAVAILABLE;

    if (s->cfg.monitor_only) {
        /* a Pull cluster's own syncer writes its heartbeat: only watch for it going quiet */
        json_t *cl = NULL;
        if (syncer_cluster_get(&cl, s) == 0) {
            const char *t = kp_json_get_str(cl, "status.lastHeartbeatTime");
            struct tm tm;
            memset(&tm, 0, sizeof(tm));
            size_t i;
            json_t *c;
            /* what the Cluster says now (the Pull syncer may have set Ready=True since) */
            json_array_foreach(kp_json_get(cl, "status.conditions"), i, c)
            {
                const char *ct = kp_json_get_str(c, "type"), *cs = kp_json_get_str(c, "status");
                if (ct && strcmp(ct, "Ready") == 0)
                    s->ready = cs && strcmp(cs, "True") == 0 ? 1 : cs ? 0 : -1;
            }
            if (t && strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
                int64_t age_ms = ((int64_t)time(NULL) - (int64_t)timegm(&tm)) * 1000;
                if (age_ms < s->cfg.opts.heartbeat_timeout_ms)
                    s->last_hb_ms = now - age_ms;
            }
        }
        kp_err_clear();
        json_decref(cl);
    } else if (s->down) {
        if ((rc = kp_sync_conn_do(&ver, s->down, "GET", "/version", NULL, NULL)) == 0) {
            int nrc = kp_sync_conn_do(&nodes, s->down, "GET", "/api/v1/nodes", NULL, NULL);
            if (nrc < 0 && nrc != KP_ENOTFOUND) {
                rc = nrc;
            } else {
                kp_err_clear();
                hb = json_pack("{s:s?, s:o}", "kubernetesVersion",
                               kp_json_get_str(ver, "gitVersion"), "allocatable",
                               sum_allocatable(nodes));
            }
        }
        if (rc == 0 && s->hb_failed) { /* back: retry now what waits for it */
            KP_LOG_INFO("syncer", "cluster=%s answers again", s->cfg.name);
            pthread_mutex_lock(&s->mu);
            for (sync_item *r = s->retry; r; r = r->next) {
                r->due_ms = 0;
                r->attempts = 0;
            }
            pthread_mutex_unlock(&s->mu);
            s->wake++;
        }
        s->hb_failed = rc < 0;
        if (rc == 0) {
            s->last_hb_ms = now;
            if (cluster_status(s, true, "HeartbeatSucceeded", "the cluster answers", hb) == 0)
                s->ready = 1;
        }
    }
    if (rc < 0 && !s->cfg.monitor_only)
        KP_LOG_DEBUG("syncer", "cluster=%s heartbeat failed: %s", s->cfg.name, kp_err_msg());
    kp_err_clear();
    if (now - s->last_hb_ms >= s->cfg.opts.heartbeat_timeout_ms && s->ready != 0) {
        char msg[128];
        snprintf(msg, sizeof(msg), "no heartbeat from the cluster for %d s",
                 s->cfg.opts.heartbeat_timeout_ms / 1000);
        if (cluster_status(s, false, "HeartbeatMissed", msg, NULL) == 0) {
            s->ready = 0;
            KP_LOG_WARN("syncer", "cluster=%s not ready: %s", s->cfg.name, msg);
        }
        kp_err_clear();
    }
    json_decref(ver);
    json_decref(nodes);
    json_decref(hb);
}
