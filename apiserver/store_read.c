#include "lib/common.h"
#include "apiserver/store_int.h"
#include "lib/json.h"
#include "lib/log.h"

/* The store's reads: the pool of read connections and every query that does not write. */

static const char SQL_GET[] = "SELECT value FROM objects WHERE " SQL_OBJ_KEY;

static const char SQL_LIST[] = "SELECT value, cluster, namespace, name FROM objects"
                               " WHERE cluster = $1 AND resource = $2"
                               " AND ($3::text IS NULL OR namespace = $3)"
                               " AND ($4::text IS NULL OR (namespace, name) > ($4, $5))"
                               " ORDER BY namespace, name LIMIT $6";

static const char SQL_LIST_ALL[] =
    "SELECT value, cluster, namespace, name FROM objects"
    " WHERE resource = $1 AND ($2::text IS NULL OR namespace = $2)"
    " AND ($3::text IS NULL OR (cluster, namespace, name) > ($5, $3, $4))"
    " ORDER BY cluster, namespace, name LIMIT $6";

static const char SQL_USAGE[] = "SELECT objects, bytes FROM cluster_usage WHERE cluster = $1";

static const char SQL_COUNT[] = "SELECT count(*) FROM objects WHERE cluster = $1 AND resource = $2"
                                " AND ($3::text IS NULL OR namespace = $3)";

static const char SQL_EVENTS_SINCE[] =
    "SELECT " SQL_EVENT_COLS " FROM events"
    " WHERE ($1::text IS NULL OR cluster = $1) AND resource = $2 AND rv > $3 AND rv <= $4"
    " ORDER BY rv";

static const char SQL_SCAN_DEPENDENTS[] = "SELECT " SQL_OBJ_ROW " FROM objects WHERE cluster = $1"
                                          " AND value->'metadata' ? 'ownerReferences'"
                                          " AND value->'metadata'->'ownerReferences' @> "
                                          "jsonb_build_array(jsonb_build_object('uid', $2::text))"
                                          " ORDER BY resource, namespace, name";

static const char SQL_SCAN_NAMESPACE[] = "SELECT " SQL_OBJ_ROW " FROM objects"
                                         " WHERE cluster = $1 AND namespace = $2"
                                         " ORDER BY resource, name";

static const char SQL_SCAN_GC_PENDING[] =
    "WITH refs AS (SELECT d.cluster, d.resource, d.namespace, d.name, r->>'uid' AS uid"
    " FROM objects d, jsonb_array_elements(d.value->'metadata'->'ownerReferences') r"
    " WHERE d.value->'metadata' ? 'ownerReferences'),"
    " gone AS (SELECT DISTINCT cluster, resource, namespace, name FROM refs WHERE NOT EXISTS"
    " (SELECT 1 FROM objects o WHERE o.cluster = refs.cluster"
    " AND o.value->'metadata'->>'uid' = refs.uid))"
    " SELECT " SQL_OBJ_ROW " FROM objects"
    " WHERE value->'metadata'->'finalizers' ?| array['foregroundDeletion', 'orphan']"
    " OR (resource = '/namespaces' AND value->'metadata' ? 'deletionTimestamp')"
    " UNION"
    " SELECT o.rv, 0, o.cluster, o.resource, o.namespace, o.name, o.value"
    " FROM objects o JOIN gone USING (cluster, resource, namespace, name)";

/* The read every request makes, prepared once per pooled connection. */
#define STMT_GET_NAME "kp_get"

int store_prepare_reads(PGconn *c)
{
    PGresult *res = PQprepare(c, STMT_GET_NAME, SQL_GET, 4, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : store_error(c, res, "prepare");
    PQclear(res);
    return rc;
}

int store_pool_get(PGconn **out, kp_store *st)
{
    PGconn *c;
    pthread_mutex_lock(&st->pool_mu);
    while (st->pool_free == 0)
        pthread_cond_wait(&st->pool_cv, &st->pool_mu);
    c = st->pool[--st->pool_free];
    pthread_mutex_unlock(&st->pool_mu);
    if (!store_conn_usable(c)) {
        PQfinish(c);
        c = NULL;
        if (store_connect(&c, st->conninfo) < 0 || store_prepare_reads(c) < 0) {
            PQfinish(c);
            pthread_mutex_lock(&st->pool_mu);
            st->pool[st->pool_free++] = NULL;
            pthread_cond_signal(&st->pool_cv);
            pthread_mutex_unlock(&st->pool_mu);
            return KP_EUNAVAILABLE;
        }
    }
    *out = c;
    return 0;
}

void store_pool_put(kp_store *st, PGconn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&st->pool_mu);
    st->pool[st->pool_free++] = c;
    pthread_cond_signal(&st->pool_cv);
    pthread_mutex_unlock(&st->pool_mu);
}

int kp_store_ping(kp_store *st)
{
    PGconn *c = NULL;
    int rc;
    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    rc = store_exec_simple(c, "SELECT 1", "ping");
    if (rc < 0)
        rc = kp_err_set(KP_EUNAVAILABLE, "the database does not answer");
    store_pool_put(st, c);
    return rc;
}

int64_t kp_store_current_rv(kp_store *st)
{
    int64_t rv;
    pthread_mutex_lock(&st->mu);
    rv = st->committed_rv;
    pthread_mutex_unlock(&st->mu);
    return rv;
}

static int store_get(json_t **out, kp_store *st, const kp_key *key, bool shared);

int kp_store_get(json_t **out, kp_store *st, const kp_key *key)
{
    return store_get(out, st, key, false);
}

int kp_store_get_shared(json_t **out, kp_store *st, const kp_key *key)
{
    return store_get(out, st, key, true);
}

static int store_get(json_t **out, kp_store *st, const kp_key *key, bool shared)
{
    PGconn *c = NULL;
    PGresult *res = NULL;
    const char *p[4];
    bool cached = kp_objcache_wants(key->resource);
    uint64_t stamp = 0;
    int rc;

    if (cached) {
        int hit = kp_objcache_get(out, st->cache, key, &stamp, !shared);
        if (hit > 0)
            return 0;
        if (hit < 0)
            return kp_err_set(KP_ENOTFOUND, "\"%s\" not found", key->name);
    }
    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    store_key_params(p, key);
    res = PQexecPrepared(c, STMT_GET_NAME, 4, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "read");
        goto out;
    }
    if (PQntuples(res) == 0) {
        rc = kp_err_set(KP_ENOTFOUND, "\"%s\" not found", key->name);
        if (cached)
            kp_objcache_fill(st->cache, key, NULL, stamp);
        goto out;
    }
    rc = kp_json_parse(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    if (rc == 0 && cached)
        kp_objcache_fill(st->cache, key, *out, stamp);
out:
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

int kp_store_get_raw(kp_buf *out, kp_store *st, const kp_key *key)
{
    PGconn *c = NULL;
    PGresult *res = NULL;
    const char *p[4];
    int rc;

    if (kp_objcache_wants(key->resource)) { /* served from the cache: as an object */
        json_t *obj = NULL;
        if ((rc = kp_store_get(&obj, st, key)) < 0)
            return rc;
        kp_json_dump_buf(out, obj);
        json_decref(obj);
        return 0;
    }
    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    store_key_params(p, key);
    res = PQexecPrepared(c, STMT_GET_NAME, 4, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = store_error(c, res, "read");
    else if (PQntuples(res) == 0)
        rc = kp_err_set(KP_ENOTFOUND, "\"%s\" not found", key->name);
    else
        kp_buf_put(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

int kp_store_list_each(int64_t *rv_out, bool *more_out, kp_store *st, const kp_store_list_opts *o,
                       kp_store_row_fn fn, void *arg)
{
    PGconn *c = NULL;
    PGresult *res = NULL;
    const char *p[7];
    char lim[24];
    int64_t rv = 0;
    size_t n = 0;
    int rc, sent;

    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    /* One snapshot for the rows and the resourceVersion they are consistent at. */
    if ((rc = store_exec_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "list")) < 0)
        goto out;
    if ((rc = store_query_i64(&rv, c, SQL_MAX_RV)) < 0)
        goto out;
    snprintf(lim, sizeof(lim), "%lld",
             o->limit && o->limit < (size_t)INT32_MAX ? (long long)o->limit + 1
                                                      : (long long)INT64_MAX);
    p[0] = o->cluster;
    p[1] = o->resource;
    p[2] = o->ns;
    p[3] = o->after_name ? (o->after_ns ? o->after_ns : "") : NULL;
    p[4] = o->after_name;
    if (o->cluster) {
        p[5] = lim;
        sent = PQsendQueryParams(c, SQL_LIST, 6, NULL, p, NULL, NULL, 0);
    } else {
        const char *q[6] = {
            o->resource, o->ns, p[3], p[4], o->after_cluster ? o->after_cluster : "", lim};
        sent = PQsendQueryParams(c, SQL_LIST_ALL, 6, NULL, q, NULL, NULL, 0);
    }
    if (!sent || !PQsetSingleRowMode(c)) {
        rc = store_error(c, NULL, "list");
        goto out;
    }
    /* every result is read, also after fn stopped, so the connection is clean again */
    while ((res = PQgetResult(c))) {
        ExecStatusType stt = PQresultStatus(res);
        if (stt == PGRES_SINGLE_TUPLE) {
            if (rc == 0 && (o->limit == 0 || n < o->limit))
                rc = fn(arg, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
                        PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
            n++;
        } else if (stt != PGRES_TUPLES_OK && rc == 0) {
            rc = store_error(c, res, "list");
        }
        PQclear(res);
    }
    res = NULL;
    if (rc < 0)
        goto out;
    *more_out = o->limit && n > o->limit;
    *rv_out = rv;
out:
    if (c) {
        PGresult *r = PQexec(c, "COMMIT");
        PQclear(r);
    }
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

static int list_parse_row(void *arg, const char *json, size_t len, const char *cluster,
                          const char *ns, const char *name)
{
    json_t *v;
    int rc;
    (void)cluster;
    (void)ns;
    (void)name;
    if ((rc = kp_json_parse(&v, json, len)) < 0)
        return rc;
    json_array_append_new(arg, v);
    return 0;
}

int kp_store_list(json_t **items_out, int64_t *rv_out, bool *more_out, kp_store *st,
                  const kp_store_list_opts *o)
{
    json_t *items = json_array();
    int rc = kp_store_list_each(rv_out, more_out, st, o, list_parse_row, items);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *items_out = items;
    return 0;
}

int kp_store_count(int64_t *out, kp_store *st, const char *cluster, const char *resource,
                   const char *ns)
{
    PGconn *c = NULL;
    PGresult *res;
    const char *p[3] = {cluster, resource, ns};
    int rc;

    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    res = PQexecParams(c, SQL_COUNT, 3, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = store_error(c, res, "count");
    else
        *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

int kp_store_usage(int64_t *objects, int64_t *bytes, kp_store *st, const char *cluster)
{
    PGconn *c = NULL;
    PGresult *res;
    const char *p[1] = {cluster};
    int rc;

    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    res = PQexecParams(c, SQL_USAGE, 1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "usage");
    } else if (PQntuples(res) == 0) {
        *objects = 0;
        *bytes = 0;
    } else {
        *objects = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *bytes = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

int kp_store_events_since(kp_store_event **out, size_t *n_out, kp_store *st, const char *cluster,
                          const char *resource, int64_t after_rv, int64_t upto_rv)
{
    PGconn *c = NULL;
    PGresult *res = NULL;
    char a[24], b[24];
    const char *p[4] = {cluster, resource, a, b};
    int64_t floor_rv = 0;
    int rc;

    *out = NULL;
    *n_out = 0;
    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    if ((rc = store_exec_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "events")) <
        0)
        goto out;
    if ((rc = store_query_i64(&floor_rv, c, SQL_FLOOR)) < 0)
        goto out;
    if (after_rv < floor_rv) {
        rc = kp_err_set(KP_EEXPIRED, "too old resource version: %lld (%lld)", (long long)after_rv,
                        (long long)floor_rv + 1);
        goto out;
    }
    snprintf(a, sizeof(a), "%lld", (long long)after_rv);
    snprintf(b, sizeof(b), "%lld", (long long)upto_rv);
    res = PQexecParams(c, SQL_EVENTS_SINCE, 4, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "event log read");
        goto out;
    }
    rc = store_event_rows(out, n_out, res);
out:
    if (c) {
        PGresult *r = PQexec(c, "COMMIT");
        PQclear(r);
    }
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

int kp_store_scan(kp_store_event **out, size_t *n_out, kp_store *st, kp_store_scan_kind kind,
                  const char *cluster, const char *arg)
{
    PGconn *c = NULL;
    PGresult *res = NULL;
    const char *p[2] = {cluster, arg};
    const char *sql = kind == KP_SCAN_DEPENDENTS  ? SQL_SCAN_DEPENDENTS
                      : kind == KP_SCAN_NAMESPACE ? SQL_SCAN_NAMESPACE
                                                  : SQL_SCAN_GC_PENDING;
    int rc;

    *out = NULL;
    *n_out = 0;
    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    res = PQexecParams(c, sql, kind == KP_SCAN_GC_PENDING ? 0 : 2, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "scan");
        goto out;
    }
    rc = store_event_rows(out, n_out, res);
out:
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

void kp_store_events_free(kp_store_event *evs, size_t n)
{
    if (!evs)
        return;
    for (size_t i = 0; i < n; i++) {
        free((char *)evs[i].key.cluster);
        free((char *)evs[i].key.resource);
        free((char *)evs[i].key.ns);
        free((char *)evs[i].key.name);
        json_decref(evs[i].obj);
    }
    free(evs);
}
