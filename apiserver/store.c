#include "lib/common.h"
#include "apiserver/store_int.h"
#include "lib/crypto.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/limits.h"

#include <poll.h>
#include <pthread.h>
#include <time.h>

#define STORE_BATCH_MAX 256
#define STORE_GATHER_US 300    /* longest wait for announced writes before a commit */
#define STORE_LIMITS_MAX 65536 /* clusters whose limits are remembered; then arbitrary ones go */

/* Each migration moves the schema up one version, in one transaction. Never edit a
 * released step: add one. */
static const char *const store_migrations[] = {
    /* 1: objects and the event log */
    "CREATE TABLE objects ("
    " cluster text NOT NULL, resource text NOT NULL, namespace text NOT NULL,"
    " name text NOT NULL, rv bigint NOT NULL, value jsonb NOT NULL,"
    " PRIMARY KEY (cluster, resource, namespace, name));"
    "CREATE TABLE events ("
    " rv bigint PRIMARY KEY, cluster text NOT NULL, resource text NOT NULL,"
    " namespace text NOT NULL, name text NOT NULL, type smallint NOT NULL,"
    " value jsonb NOT NULL,"
    " at timestamptz NOT NULL DEFAULT now());",
    /* 2: watch resume reads the log by (cluster, resource); compaction records its floor */
    "CREATE INDEX events_by_resource ON events (cluster, resource, rv);"
    "CREATE INDEX events_by_time ON events (at);"
    "CREATE TABLE kplane_compaction (floor_rv bigint NOT NULL);"
    "INSERT INTO kplane_compaction VALUES (0);",
    /* 3: wildcard lists across workspaces read by resource first */
    "CREATE INDEX objects_by_resource ON objects (resource, cluster, namespace, name);",
    /* 4: quotas: each object's size (its JSON length as stored; rows from before count their
     * jsonb text) and the exact usage of each logical cluster, kept by every mutation */
    "ALTER TABLE objects ADD COLUMN bytes bigint NOT NULL DEFAULT 0;"
    "UPDATE objects SET bytes = octet_length(value::text);"
    "CREATE TABLE cluster_usage ("
    " cluster text PRIMARY KEY, objects bigint NOT NULL, bytes bigint NOT NULL);"
    "INSERT INTO cluster_usage (cluster, objects, bytes)"
    " SELECT cluster, count(*), sum(bytes) FROM objects GROUP BY cluster;",
    /* 5: the garbage collector finds an owner's dependents by its uid, and at start what it
     * left pending (GC finalizers, terminating namespaces); both partial, so objects without
     * owners or such finalizers cost nothing */
    "CREATE INDEX objects_by_owner ON objects USING gin"
    " ((value->'metadata'->'ownerReferences') jsonb_path_ops)"
    " WHERE value->'metadata' ? 'ownerReferences';"
    "CREATE INDEX objects_gc_pending ON objects (cluster)"
    " WHERE value->'metadata'->'finalizers' ?| array['foregroundDeletion', 'orphan']"
    " OR (resource = '/namespaces' AND value->'metadata' ? 'deletionTimestamp');",
    /* 6: a pipelined batch commits in the same round trip as its statements, so a mutation
     * that passes a quota must fail inside the transaction: it raises this error (the writer
     * then takes the careful path, which says which limit) */
    ("CREATE OR REPLACE FUNCTION kplane_over_quota() RETURNS bigint LANGUAGE plpgsql AS"
     " $$BEGIN RAISE EXCEPTION 'kplane: quota exceeded' USING ERRCODE = 'KPQ01'; END$$;"),
};

/* Each mutation is one statement: the object, its event and its cluster's usage (upserted, so
 * the usage row appears with the cluster's first object). Create and update return the usage
 * after the change; given limits (max objects $8, max bytes $9; 0: none) they fail when it
 * grew past one. The careful path passes none and checks in C, to say which. */
#define SQL_USAGE_ADD                                                                              \
    " ON CONFLICT (cluster) DO UPDATE SET objects = u.objects + excluded.objects,"                 \
    " bytes = u.bytes + excluded.bytes"
static const char SQL_CREATE[] =
    "WITH ins AS (INSERT INTO objects (cluster, resource, namespace, name, rv, value, bytes)"
    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT DO NOTHING RETURNING bytes, value),"
    " ev AS (INSERT INTO events (rv, cluster, resource, namespace, name, type, value)"
    " SELECT $5, $1, $2, $3, $4, 1, value FROM ins),"
    " us AS (INSERT INTO cluster_usage AS u (cluster, objects, bytes)"
    " SELECT $1, 1, bytes FROM ins" SQL_USAGE_ADD " RETURNING objects, bytes)"
    " SELECT objects, bytes, CASE WHEN ($8::bigint > 0 AND objects > $8::bigint)"
    " OR ($9::bigint > 0 AND bytes > $9::bigint) THEN kplane_over_quota() END FROM us";
/* the FROM sub-select reads the row as it was before this statement: its old size */
static const char SQL_UPDATE[] =
    "WITH up AS (UPDATE objects SET rv = $5, value = $6::jsonb, bytes = $8"
    " FROM (SELECT bytes AS was FROM objects WHERE " SQL_OBJ_KEY ") old"
    " WHERE " SQL_OBJ_KEY " AND ($7::bigint = 0 OR rv = $7::bigint)"
    " RETURNING $8::bigint - old.was AS delta, objects.value),"
    " ev AS (INSERT INTO events (rv, cluster, resource, namespace, name, type, value)"
    " SELECT $5, $1, $2, $3, $4, 2, value FROM up),"
    " us AS (INSERT INTO cluster_usage AS u (cluster, objects, bytes)"
    " SELECT $1, 0, delta FROM up" SQL_USAGE_ADD " RETURNING objects, bytes)"
    " SELECT us.objects, us.bytes, up.delta, CASE WHEN up.delta > 0 AND $9::bigint > 0"
    " AND us.bytes > $9::bigint THEN kplane_over_quota() END FROM us, up";
static const char SQL_DELETE[] =
    "WITH del AS (DELETE FROM objects WHERE " SQL_OBJ_KEY
    " AND ($6::bigint = 0 OR rv = $6::bigint) RETURNING value, bytes),"
    " ev AS (INSERT INTO events (rv, cluster, resource, namespace, name, type, value)"
    " SELECT $5::bigint, $1, $2, $3, $4, 3,"
    " jsonb_set(value, '{metadata,resourceVersion}', to_jsonb($5::text)) FROM del"
    " RETURNING value),"
    " us AS (INSERT INTO cluster_usage AS u (cluster, objects, bytes)"
    " SELECT $1, -1, -bytes FROM del" SQL_USAGE_ADD ")"
    " SELECT value FROM ev";
static const char SQL_RV_OF[] = "SELECT rv FROM objects WHERE " SQL_OBJ_KEY;

/* Every query that returns events returns these columns, read by store_event_row(). */

static const char SQL_EVENTS_RANGE[] = "SELECT " SQL_EVENT_COLS " FROM events"
                                       " WHERE rv > $1 AND rv <= $2 ORDER BY rv";
/* The floor moves to the newest rv that is older than the window or beyond the count; the
 * newest event always stays, so the log never forgets the current resourceVersion. */
static const char SQL_COMPACT[] =
    "WITH f AS (SELECT greatest("
    " (SELECT coalesce(max(rv), 0) FROM events WHERE at < now() - make_interval(secs => $1)),"
    " (SELECT coalesce(max(rv), 0) FROM events) - $2::bigint) AS rv),"
    " g AS (SELECT least(f.rv, (SELECT coalesce(max(rv), 0) FROM events) - 1) AS rv FROM f),"
    " d AS (DELETE FROM events WHERE rv <= (SELECT rv FROM g) RETURNING 1)"
    " UPDATE kplane_compaction SET floor_rv = greatest(floor_rv, (SELECT rv FROM g))"
    " RETURNING floor_rv, (SELECT count(*) FROM d)";

static const char SQL_DELETE_ALL[] =
    "WITH del AS (DELETE FROM objects WHERE cluster = $1"
    " AND ($2::text IS NULL OR namespace = $2) AND ($3::text IS NULL OR resource <> $3)"
    " AND ($5::text IS NULL OR resource = $5)"
    " AND (NOT $6::bool OR coalesce(value->'metadata'->'finalizers', '[]') = '[]')"
    " RETURNING resource, namespace, name, value, bytes),"
    " num AS (SELECT resource, namespace, name, value,"
    " $4::bigint - 1 + row_number() OVER (ORDER BY resource, namespace, name) AS rv FROM del),"
    " ev AS (INSERT INTO events (rv, cluster, resource, namespace, name, type, value)"
    " SELECT rv, $1, resource, namespace, name, 3,"
    " jsonb_set(value, '{metadata,resourceVersion}', to_jsonb(rv::text)) FROM num"
    " RETURNING " SQL_EVENT_COLS "),"
    " us AS (INSERT INTO cluster_usage AS u (cluster, objects, bytes)"
    " SELECT $1, -count(*), -sum(bytes)::bigint FROM del HAVING count(*) > 0" SQL_USAGE_ADD ")"
    " SELECT " SQL_EVENT_COLS " FROM ev";

/* The garbage collector's reads (kp_store_scan), as event rows of type 0. */
/* At start only: one pass over the objects with owners, anti-joined to every uid */

/* The writer's per-mutation statements, prepared once per connection: parsing and planning
 * the CTEs for every mutation cost about as much as running them. */
typedef enum { STMT_CREATE, STMT_UPDATE, STMT_DELETE, STMT_RV_OF, STMT_N } writer_stmt;
static const struct {
    const char *name;
    const char *sql;
    int nparams;
} writer_stmts[STMT_N] = {
    [STMT_CREATE] = {"kp_create", SQL_CREATE, 9},
    [STMT_UPDATE] = {"kp_update", SQL_UPDATE, 9},
    [STMT_DELETE] = {"kp_delete", SQL_DELETE, 6},
    [STMT_RV_OF] = {"kp_rv_of", SQL_RV_OF, 4},
};

/* Maps a failed result or connection to a kp_err code; one place for SQLSTATEs. */
int store_error(PGconn *c, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c);

    if (PQstatus(c) != CONNECTION_OK)
        return kp_err_set(KP_EUNAVAILABLE, "database connection lost during %s", what);
    if (state && strcmp(state, "23505") == 0)
        return kp_err_set(KP_EEXISTS, "already exists");
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return kp_err_set(KP_ECONFLICT, "concurrent change, retry");
    if (state && strncmp(state, "22", 2) == 0) /* data exceptions: e.g. \u0000 in jsonb */
        return kp_err_set(KP_EINVALID, "the object cannot be stored: %.*s", (int)strcspn(msg, "\n"),
                          msg);
    KP_LOG_ERROR("store", "%s failed: sqlstate=%s %.*s", what, state ? state : "-",
                 (int)strcspn(msg, "\n"), msg);
    return kp_err_set(KP_EINTERNAL, "database error during %s", what);
}

/* Server notices (e.g. "already exists, skipping") go to the debug log, not stderr. */
static void store_notice(void *arg, const char *message)
{
    (void)arg;
    KP_LOG_DEBUG("store", "postgres: %.*s", (int)strcspn(message, "\n"), message);
}

int store_connect(PGconn **out, const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    PQsetNoticeProcessor(c, store_notice, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(c);
        int rc = kp_err_set(KP_EUNAVAILABLE, "cannot connect to PostgreSQL: %.*s",
                            (int)strcspn(m, "\n"), m);
        PQfinish(c);
        return rc;
    }
    *out = c;
    return 0;
}

int store_exec_simple(PGconn *c, const char *sql, const char *what)
{
    PGresult *res = PQexec(c, sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = store_error(c, res, what);
    PQclear(res);
    return rc;
}

/* Creates the database named in conninfo through the maintenance connection if missing. */
static int store_ensure_db(const char *admin_conninfo, const char *conninfo)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    const char *dbname = NULL;
    PGconn *c = NULL;
    PGresult *res = NULL;
    char *sql = NULL;
    int rc;

    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "dbname") == 0)
            dbname = o->val;
    if (!dbname) {
        rc = 0;
        goto out;
    }
    if ((rc = store_connect(&c, admin_conninfo)) < 0)
        goto out;
    {
        const char *params[1] = {dbname};
        res = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params, NULL,
                           NULL, 0);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "database lookup");
        goto out;
    }
    if (PQntuples(res) == 0) {
        char *ident = PQescapeIdentifier(c, dbname, strlen(dbname));
        sql = kp_asprintf("CREATE DATABASE %s", ident);
        PQfreemem(ident);
        rc = store_exec_simple(c, sql, "database creation");
    }
out:
    free(sql);
    PQclear(res);
    PQfinish(c);
    PQconninfoFree(opts);
    return rc;
}

int kp_store_schema_version(void)
{
    return (int)KP_ARRAY_LEN(store_migrations);
}

static int store_migrate(PGconn *c)
{
    PGresult *res = NULL;
    int rc, have, want = kp_store_schema_version();

    if ((rc = store_exec_simple(c, "BEGIN", "migration")) < 0)
        return rc;
    /* The lock keeps two processes from migrating at once. */
    if ((rc = store_exec_simple(c,
                                "CREATE TABLE IF NOT EXISTS kplane_schema (version int NOT NULL);"
                                "LOCK TABLE kplane_schema IN EXCLUSIVE MODE",
                                "migration")) < 0)
        goto out;
    res = PQexec(c, "SELECT coalesce(max(version), 0) FROM kplane_schema");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "migration");
        goto out;
    }
    have = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    if (have > want) {
        rc = kp_err_set(KP_EINVALID,
                        "the database has schema version %d, newer than version %d that this "
                        "kplane knows: run a newer kplane",
                        have, want);
        goto out;
    }
    for (int v = have + 1; v <= want; v++) {
        char sql[96];
        KP_LOG_INFO("store", "applying schema migration %d", v);
        if ((rc = store_exec_simple(c, store_migrations[v - 1], "migration")) < 0)
            goto out;
        snprintf(sql, sizeof(sql),
                 "DELETE FROM kplane_schema; INSERT INTO kplane_schema VALUES (%d)", v);
        if ((rc = store_exec_simple(c, sql, "migration")) < 0)
            goto out;
    }
    rc = store_exec_simple(c, "COMMIT", "migration");
out:
    PQclear(res);
    if (rc < 0) {
        PGresult *r = PQexec(c, "ROLLBACK");
        PQclear(r);
    }
    return rc;
}

/* False for a connection the server has closed while we held it idle (restart, failover,
 * idle timeout): its FATAL message or EOF is waiting to be read, where a healthy idle
 * connection has nothing. Without this check each such connection failed one request after
 * PostgreSQL was back. */
bool store_conn_usable(PGconn *c)
{
    struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
    return c && PQstatus(c) == CONNECTION_OK && poll(&p, 1, 0) == 0;
}

int store_query_i64(int64_t *out, PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = store_error(c, res, "query");
    else
        *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return rc;
}

/* ---- quota limits ---- */

static size_t lim_hash(const char *s)
{
    return (size_t)(kp_hash_str(KP_HASH_INIT, s) % STORE_LIMIT_BUCKETS);
}

/* The link that points at cluster's entry, or the NULL link ending its bucket. */
static lim_entry **lim_find(kp_store *st, const char *cluster)
{
    lim_entry **pp = &st->lim[lim_hash(cluster)];
    while (*pp && strcmp((*pp)->cluster, cluster) != 0)
        pp = &(*pp)->next;
    return pp;
}

void kp_store_set_limits(kp_store *st, const char *cluster, int64_t max_objects, int64_t max_bytes)
{
    size_t len = strlen(cluster);
    lim_entry **pp, *gone = NULL, *fresh = NULL;
    bool dflt;

    if (max_objects < 0)
        max_objects = KP_STORE_LIMIT_DEFAULT;
    if (max_bytes < 0)
        max_bytes = KP_STORE_LIMIT_DEFAULT;
    /* the defaults need no entry: a cluster without one has them */
    dflt = max_objects == KP_STORE_LIMIT_DEFAULT && max_bytes == KP_STORE_LIMIT_DEFAULT;
    if (!dflt) { /* allocated before the lock, which is held for a lookup only */
        fresh = kp_malloc(sizeof(*fresh) + len + 1);
        memcpy(fresh->cluster, cluster, len + 1);
        fresh->max_objects = max_objects;
        fresh->max_bytes = max_bytes;
    }
    pthread_mutex_lock(&st->lim_mu);
    pp = lim_find(st, cluster);
    if (*pp && !dflt) { /* the usual case: the same cluster set again */
        (*pp)->max_objects = max_objects;
        (*pp)->max_bytes = max_bytes;
    } else if (*pp) {
        gone = *pp;
        *pp = gone->next;
        st->nlim--;
    } else if (!dflt) {
        size_t h = lim_hash(cluster);
        /* Bounded: forget an arbitrary other cluster, which then has the defaults until its
         * limits are set again. */
        for (size_t i = 0; st->nlim >= STORE_LIMITS_MAX && i < STORE_LIMIT_BUCKETS; i++) {
            lim_entry **b = &st->lim[st->lim_evict];
            st->lim_evict = (st->lim_evict + 1) % STORE_LIMIT_BUCKETS;
            if (*b) {
                lim_entry *old = *b;
                *b = old->next;
                st->nlim--;
                free(old);
            }
        }
        fresh->next = st->lim[h];
        st->lim[h] = fresh;
        st->nlim++;
        fresh = NULL;
    }
    pthread_mutex_unlock(&st->lim_mu);
    free(gone);
    free(fresh);
}

/* The limits the writer enforces for cluster (0: unlimited). */
static void store_limits_get(int64_t *max_objects, int64_t *max_bytes, kp_store *st,
                             const char *cluster)
{
    int64_t mo = KP_STORE_LIMIT_DEFAULT, mb = KP_STORE_LIMIT_DEFAULT;

    pthread_mutex_lock(&st->lim_mu);
    {
        const lim_entry *e = *lim_find(st, cluster);
        if (e) {
            mo = e->max_objects;
            mb = e->max_bytes;
        }
    }
    if (mo < 0)
        mo = st->default_max_objects;
    if (mb < 0)
        mb = st->default_max_bytes;
    pthread_mutex_unlock(&st->lim_mu);
    *max_objects = mo;
    *max_bytes = mb;
}

void kp_store_set_default_limits(kp_store *st, int64_t max_objects, int64_t max_bytes)
{
    pthread_mutex_lock(&st->lim_mu);
    st->default_max_objects = KP_MAX(max_objects, 0);
    st->default_max_bytes = KP_MAX(max_bytes, 0);
    pthread_mutex_unlock(&st->lim_mu);
}

static void store_limits_clear(kp_store *st)
{
    for (size_t i = 0; i < STORE_LIMIT_BUCKETS; i++)
        while (st->lim[i]) {
            lim_entry *e = st->lim[i];
            st->lim[i] = e->next;
            free(e);
        }
    st->nlim = 0;
}

/* ---- writer ---- */

static void mut_fail(mutation *m, int rc)
{
    m->rc = rc;
    snprintf(m->errmsg, sizeof(m->errmsg), "%s", kp_err_msg());
}

void store_key_params(const char **p, const kp_key *k)
{
    p[0] = k->cluster;
    p[1] = k->resource;
    p[2] = k->ns;
    p[3] = k->name;
}

static int event_cmp(const void *a, const void *b)
{
    int64_t x = ((const kp_store_event *)a)->rv, y = ((const kp_store_event *)b)->rv;
    return x < y ? -1 : x > y;
}

/* One event from row i of a result with SQL_EVENT_COLS; the strings are copied (free with
 * kp_store_events_free). */
int store_event_row(kp_store_event *e, const PGresult *res, int i)
{
    e->rv = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    e->type = (kp_ev_type)strtol(PQgetvalue(res, i, 1), NULL, 10);
    e->key.cluster = kp_strdup(PQgetvalue(res, i, 2));
    e->key.resource = kp_strdup(PQgetvalue(res, i, 3));
    e->key.ns = kp_strdup(PQgetvalue(res, i, 4));
    e->key.name = kp_strdup(PQgetvalue(res, i, 5));
    return kp_json_parse(&e->obj, PQgetvalue(res, i, 6), (size_t)PQgetlength(res, i, 6));
}

/* Every row of a result with SQL_EVENT_COLS, in a new array (free with
 * kp_store_events_free); nothing is returned on failure. */
int store_event_rows(kp_store_event **out, size_t *n_out, const PGresult *res)
{
    int n = PQntuples(res), rc;
    kp_store_event *evs = kp_calloc((size_t)n + 1, sizeof(*evs));
    for (int i = 0; i < n; i++)
        if ((rc = store_event_row(&evs[i], res, i)) < 0) {
            kp_store_events_free(evs, (size_t)i + 1);
            return rc;
        }
    *out = evs;
    *n_out = (size_t)n;
    return 0;
}

/* Deletes everything of a cluster (or of one namespace in it) in one statement, one event
 * per object with consecutive resourceVersions from rv. */
static int writer_delete_all(kp_store *st, mutation *m, int64_t rv)
{
    const char *p[6];
    char rvs[24];
    PGresult *res;
    int rc = 0, n;

    snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
    p[0] = m->key->cluster;
    p[1] = m->key->ns;
    p[2] = m->key->resource;
    p[3] = rvs;
    p[4] = m->key->name; /* for a bulk delete: the only resource deleted, or NULL for all */
    p[5] = m->spare_finalized ? "true" : "false";
    res = PQexecParams(st->wconn, SQL_DELETE_ALL, 6, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(st->wconn, res, "bulk delete");
        PQclear(res);
        return rc;
    }
    n = PQntuples(res);
    m->bulk = kp_calloc((size_t)n + 1, sizeof(*m->bulk));
    for (int i = 0; i < n; i++) {
        m->nbulk++;
        m->bulk[i].bulk = m->key->ns ? KP_EV_BULK_NS : KP_EV_BULK_CLUSTER;
        if ((rc = store_event_row(&m->bulk[i], res, i)) < 0)
            break;
    }
    PQclear(res);
    if (rc < 0)
        return rc;
    qsort(m->bulk, m->nbulk, sizeof(*m->bulk), event_cmp);
    m->rv = rv + (int64_t)m->nbulk - 1;
    return 0;
}

static int writer_prepare(PGconn *c)
{
    for (size_t i = 0; i < STMT_N; i++) {
        PGresult *res =
            PQprepare(c, writer_stmts[i].name, writer_stmts[i].sql, writer_stmts[i].nparams, NULL);
        int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : store_error(c, res, "prepare");
        PQclear(res);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static PGresult *writer_exec(PGconn *c, writer_stmt s, const char *const *p)
{
    return PQexecPrepared(c, writer_stmts[s].name, writer_stmts[s].nparams, p, NULL, NULL, 0);
}

/* m's stored text at rv: the caller's serialization with rv spliced in, or (without one) a
 * serialization here. obj's resourceVersion is set either way. owned. */
static char *writer_text(size_t *len, const kp_store *st, mutation *m, const char *rvs)
{
    json_object_set_new(kp_json_obj_ensure(m->obj, "metadata"), "resourceVersion",
                        json_string(rvs));
    if (m->pre) {
        size_t n = strlen(rvs), mark = strlen(st->rv_mark);
        char *t = kp_malloc(m->pre_len - mark + n + 1);
        memcpy(t, m->pre, m->pre_mark);
        memcpy(t + m->pre_mark, rvs, n);
        memcpy(t + m->pre_mark + n, m->pre + m->pre_mark + mark, m->pre_len - m->pre_mark - mark);
        *len = m->pre_len - mark + n;
        t[*len] = '\0';
        return t;
    }
    return kp_json_dump(m->obj, len);
}

/* After a create or an update applied inside its savepoint: a request error when it took its
 * cluster past a limit (the caller rolls the savepoint back). Only growth is refused, so a
 * cluster over its limits (limits lowered, or rows from before quotas) can always shrink.
 * The message names the limit and this cluster's own usage, nothing of other clusters. */
static int writer_check_quota(const mutation *m, const PGresult *res, int64_t len,
                              int64_t max_objects, int64_t max_bytes)
{
    int64_t objects = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    int64_t bytes = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    int64_t delta = m->op == MUT_CREATE ? len : strtoll(PQgetvalue(res, 0, 2), NULL, 10);

    if (m->op == MUT_CREATE && max_objects > 0 && objects > max_objects)
        return kp_err_set(KP_EFORBIDDEN,
                          "exceeded quota: workspace may hold at most %lld objects (used: %lld, "
                          "requested: 1)",
                          (long long)max_objects, (long long)(objects - 1));
    if (delta > 0 && max_bytes > 0 && bytes > max_bytes)
        return kp_err_set(KP_EFORBIDDEN,
                          "exceeded quota: workspace may hold at most %lld bytes of objects "
                          "(used: %lld, requested: %lld)",
                          (long long)max_bytes, (long long)(bytes - delta), (long long)delta);
    return 0;
}

/* Runs one mutation inside the open transaction. Returns 0, a request error (the savepoint
 * is rolled back by the caller), or KP_EUNAVAILABLE when the connection broke. */
static int writer_apply(kp_store *st, mutation *m, int64_t rv)
{
    PGconn *c = st->wconn;
    const char *p[9];
    char rvs[24], exps[24], lens[24];
    char *text = NULL;
    size_t len = 0;
    int64_t max_objects = 0, max_bytes = 0;
    PGresult *res = NULL;
    int rc = 0;

    if (m->op == MUT_DELETE_ALL)
        return writer_delete_all(st, m, rv);
    snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
    snprintf(exps, sizeof(exps), "%lld", (long long)m->expect_rv);
    store_key_params(p, m->key);
    p[4] = rvs;
    if (m->op != MUT_DELETE) {
        store_limits_get(&max_objects, &max_bytes, st, m->key->cluster);
        text = writer_text(&len, st, m, rvs);
        snprintf(lens, sizeof(lens), "%zu", len);
        p[5] = text;
        if (m->op == MUT_CREATE) {
            p[6] = lens;
            p[7] = p[8] = "0"; /* checked below, to say which limit */
            res = writer_exec(c, STMT_CREATE, p);
        } else {
            p[6] = exps;
            p[7] = lens;
            p[8] = "0";
            res = writer_exec(c, STMT_UPDATE, p);
        }
    } else {
        p[5] = exps;
        res = writer_exec(c, STMT_DELETE, p);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = store_error(c, res, "write");
        goto out;
    }
    if (PQntuples(res) != 1) {
        PGresult *r2;
        if (m->op == MUT_CREATE) {
            rc = kp_err_set(KP_EEXISTS, "\"%s\" already exists", m->key->name);
            goto out;
        }
        r2 = writer_exec(c, STMT_RV_OF, p);
        if (PQresultStatus(r2) != PGRES_TUPLES_OK)
            rc = store_error(c, r2, "write");
        else if (PQntuples(r2) == 0)
            rc = kp_err_set(KP_ENOTFOUND, "\"%s\" not found", m->key->name);
        else
            rc = kp_err_set(KP_ECONFLICT,
                            "the object has been modified; please apply your changes to the "
                            "latest version and try again");
        PQclear(r2);
        goto out;
    }
    if (m->op != MUT_DELETE &&
        (rc = writer_check_quota(m, res, (int64_t)len, max_objects, max_bytes)) < 0)
        goto out;
    if (m->op == MUT_DELETE)
        rc = kp_json_parse(&m->result, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    else
        m->result = json_incref(m->obj);
    m->rv = rv;
    m->len = (int64_t)len;
    free(m->text);
    m->text = text;
    text = NULL;
out:
    free(text);
    PQclear(res);
    return rc;
}

static int writer_reconnect(kp_store *st)
{
    int rc;
    PQfinish(st->wconn);
    st->wconn = NULL;
    if ((rc = store_connect(&st->wconn, st->conninfo)) < 0)
        return rc;
    if ((rc = writer_prepare(st->wconn)) < 0) {
        PQfinish(st->wconn);
        st->wconn = NULL;
    }
    return rc;
}

/* After a failed batch: continue after the newest rv the database really has, and publish
 * the events of a batch that committed although its callers were told it failed, so that no
 * watcher misses them. */
static int writer_recover(kp_store *st)
{
    PGresult *res = NULL;
    int64_t db_rv = 0;
    char a[24], b[24];
    const char *p[2] = {a, b};
    int rc;

    if ((rc = store_query_i64(&db_rv, st->wconn, SQL_MAX_RV)) < 0)
        return rc;
    if (db_rv >= st->next_rv && st->sub) {
        kp_store_event *evs;
        int n;
        snprintf(a, sizeof(a), "%lld", (long long)(st->next_rv - 1));
        snprintf(b, sizeof(b), "%lld", (long long)db_rv);
        res = PQexecParams(st->wconn, SQL_EVENTS_RANGE, 2, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = store_error(st->wconn, res, "recovery");
            PQclear(res);
            return rc;
        }
        n = PQntuples(res);
        evs = kp_calloc((size_t)n + 1, sizeof(*evs));
        for (int i = 0; i < n; i++)
            if (store_event_row(&evs[i], res, i) < 0)
                evs[i].obj = json_object(); /* still published: its key is what counts */
        st->sub(st->sub_arg, evs, (size_t)n);
        kp_store_events_free(evs, (size_t)n);
        PQclear(res);
        KP_LOG_WARN("store", "a batch committed although its answer was lost: published %d events",
                    n);
    }
    if (db_rv >= st->next_rv) {
        st->next_rv = db_rv + 1;
        pthread_mutex_lock(&st->mu);
        st->committed_rv = db_rv;
        pthread_mutex_unlock(&st->mu);
    }
    st->rv_uncertain = false;
    return 0;
}

/* The parameters of a create, update or delete at rv (the object's text is set in *text,
 * owned by the caller); returns the statement. */
static writer_stmt writer_params(const char **p, char rvs[24], char exps[24], char lens[24],
                                 char lims[2][24], char **text, size_t *len, kp_store *st,
                                 mutation *m, int64_t rv)
{
    int64_t max_objects = 0, max_bytes = 0;

    snprintf(rvs, 24, "%lld", (long long)rv);
    snprintf(exps, 24, "%lld", (long long)m->expect_rv);
    store_key_params(p, m->key);
    p[4] = rvs;
    *text = NULL;
    *len = 0;
    if (m->op == MUT_DELETE) {
        p[5] = exps;
        return STMT_DELETE;
    }
    *text = writer_text(len, st, m, rvs);
    snprintf(lens, 24, "%zu", *len);
    store_limits_get(&max_objects, &max_bytes, st, m->key->cluster);
    snprintf(lims[0], 24, "%lld", (long long)max_objects);
    snprintf(lims[1], 24, "%lld", (long long)max_bytes);
    p[5] = *text;
    if (m->op == MUT_CREATE) {
        p[6] = lens;
        p[7] = lims[0];
        p[8] = lims[1];
        return STMT_CREATE;
    }
    p[6] = exps;
    p[7] = lens;
    p[8] = lims[1];
    return STMT_UPDATE;
}

/* A create, update or delete that matched no row: why (another statement, in the same
 * transaction). */
static int writer_why_none(kp_store *st, mutation *m)
{
    const char *p[4];
    PGresult *r2;
    int rc;

    if (m->op == MUT_CREATE)
        return kp_err_set(KP_EEXISTS, "\"%s\" already exists", m->key->name);
    store_key_params(p, m->key);
    r2 = writer_exec(st->wconn, STMT_RV_OF, p);
    if (PQresultStatus(r2) != PGRES_TUPLES_OK)
        rc = store_error(st->wconn, r2, "write");
    else if (PQntuples(r2) == 0)
        rc = kp_err_set(KP_ENOTFOUND, "\"%s\" not found", m->key->name);
    else
        rc = kp_err_set(KP_ECONFLICT, "the object has been modified; please apply your changes to "
                                      "the latest version and try again");
    PQclear(r2);
    return rc;
}

/* The common case in one round trip: BEGIN, every mutation of the batch and COMMIT sent in
 * libpq's pipeline mode, without savepoints, each at its own resourceVersion (a mutation that
 * changes nothing leaves a gap: resourceVersions only need to grow). A statement that fails
 * (a quota passed raises inside it) aborts the transaction and skips the COMMIT. Returns 1
 * when the batch needs the careful path (a bulk delete, a statement that failed: it was
 * rolled back and nothing happened), 0 when it committed (each mutation's rc says how it
 * went), KP_EUNAVAILABLE when the connection failed. */
static int writer_batch_pipelined(kp_store *st, mutation *batch)
{
    PGconn *c = st->wconn;
    PGresult *res;
    bool redo = false, committed = false;
    size_t i = 0;
    mutation *m;
    int rc = 0;

    for (m = batch; m; m = m->next)
        if (m->op == MUT_DELETE_ALL)
            return 1;
    if (!PQenterPipelineMode(c))
        return 1;
    if (!PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
        goto broken;
    for (m = batch, i = 0; m; m = m->next, i++) {
        const char *p[9];
        char rvs[24], exps[24], lens[24], lims[2][24], *text;
        size_t len;
        writer_stmt s =
            writer_params(p, rvs, exps, lens, lims, &text, &len, st, m, st->next_rv + (int64_t)i);
        int ok =
            PQsendQueryPrepared(c, writer_stmts[s].name, writer_stmts[s].nparams, p, NULL, NULL, 0);
        m->len = (int64_t)len;
        free(m->text);
        m->text = text;
        if (!ok)
            goto broken;
    }
    if (!PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) || !PQpipelineSync(c))
        goto broken;
    /* BEGIN's result, each mutation's and COMMIT's: a result and a NULL per statement */
    if (!(res = PQgetResult(c)))
        goto broken;
    redo = PQresultStatus(res) != PGRES_COMMAND_OK;
    PQclear(res);
    if (PQgetResult(c)) /* never: one result per statement */
        goto broken;
    for (m = batch; m; m = m->next) {
        if (!(res = PQgetResult(c)))
            goto broken;
        kp_err_clear();
        m->rc = 0;
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            redo = true;
        } else if (PQntuples(res) != 1) {
            m->rc = 1; /* matched nothing: why, once the pipeline is done */
        } else if (m->op == MUT_DELETE) {
            if (kp_json_parse(&m->result, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0)) <
                0)
                redo = true; /* never: PostgreSQL's own jsonb text */
        } else {
            m->result = json_incref(m->obj);
        }
        PQclear(res);
        if (PQgetResult(c))
            goto broken;
    }
    if (!(res = PQgetResult(c)))
        goto broken;
    committed = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (PQgetResult(c))
        goto broken;
    if (!(res = PQgetResult(c)) || PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
        PQclear(res);
        goto broken;
    }
    PQclear(res);
    if (!PQexitPipelineMode(c))
        goto broken;
    if (redo || !committed) {
        for (m = batch; m; m = m->next) {
            json_decref(m->result);
            m->result = NULL;
            m->rc = 0;
        }
        /* a COMMIT that failed rolled back too: the careful path says why */
        return store_exec_simple(c, "ROLLBACK", "write") < 0 ? KP_EUNAVAILABLE : 1;
    }
    /* committed: from here a failure is the one mutation's (a lost connection is found and
     * replaced before the next batch) */
    for (m = batch; m; m = m->next)
        if (m->rc == 1 && (m->rc = writer_why_none(st, m)) < 0)
            mut_fail(m, m->rc);
    {
        size_t used = 0; /* resourceVersions up to the last mutation that took effect */
        for (m = batch, i = 0; m; m = m->next, i++) {
            m->rv = st->next_rv + (int64_t)i;
            if (m->rc == 0)
                used = i + 1;
        }
        st->next_rv += (int64_t)used;
    }
    return 0;

broken:
    /* a connection left mid-pipeline is of no further use: the next batch reconnects */
    rc = kp_err_set(KP_EUNAVAILABLE, "the database connection failed: %s", PQerrorMessage(c));
    PQfinish(c);
    st->wconn = NULL;
    return rc;
}

/* Keeps the read cache current with a committed batch, before its callers are answered. */
static void store_cache_committed(kp_store *st, const mutation *batch)
{
    for (const mutation *m = batch; m; m = m->next) {
        if (m->rc < 0)
            continue;
        if (m->op == MUT_DELETE_ALL) {
            for (size_t i = 0; i < m->nbulk; i++)
                if (kp_objcache_wants(m->bulk[i].key.resource))
                    kp_objcache_put(st->cache, &m->bulk[i].key, NULL);
        } else if (kp_objcache_wants(m->key->resource)) {
            kp_objcache_put(st->cache, m->key, m->op == MUT_DELETE ? NULL : m->result);
        }
    }
}

/* Hands each mutation back to its caller, outside any lock (a caller woken while the writer
 * still held one would only block on it again). A posted mutation is the caller's at once:
 * its next pointer is read before. */
static void writer_done(mutation *batch)
{
    while (batch) {
        mutation *next = batch->next;
        sem_post(&batch->done);
        batch = next;
    }
}

static void writer_batch(kp_store *st, mutation *batch, size_t n)
{
    struct timespec t0, t1;
    int rc, nok = 0;
    uint64_t nquota = 0;
    mutation *m;
    int64_t first_rv = st->next_rv;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!store_conn_usable(st->wconn) && writer_reconnect(st) < 0)
        goto fail_all;
    if (st->rv_uncertain && writer_recover(st) < 0)
        goto fail_all;
    first_rv = st->next_rv;
    rc = writer_batch_pipelined(st, batch);
    if (rc == KP_EUNAVAILABLE)
        goto fail_all;
    if (rc == 0) {
        for (m = batch; m; m = m->next)
            nok += m->rc == 0;
        goto committed;
    }
    /* the careful path: a savepoint per mutation, so one failure stays its own */
    if (store_exec_simple(st->wconn, "BEGIN", "write") < 0)
        goto fail_all;
    for (m = batch; m; m = m->next) {
        kp_err_clear();
        if (store_exec_simple(st->wconn, "SAVEPOINT m", "write") < 0)
            goto fail_all;
        rc = writer_apply(st, m, st->next_rv);
        if (rc == KP_EUNAVAILABLE)
            goto fail_all;
        if (rc < 0) {
            nquota += rc == KP_EFORBIDDEN;
            mut_fail(m, rc);
            kp_store_events_free(m->bulk, m->nbulk);
            m->bulk = NULL;
            m->nbulk = 0;
            if (store_exec_simple(st->wconn, "ROLLBACK TO SAVEPOINT m", "write") < 0)
                goto fail_all;
            continue;
        }
        if (store_exec_simple(st->wconn, "RELEASE SAVEPOINT m", "write") < 0)
            goto fail_all;
        st->next_rv += m->op == MUT_DELETE_ALL ? (int64_t)m->nbulk : 1;
        nok += m->op == MUT_DELETE_ALL ? (int)m->nbulk : 1;
    }
    if (store_exec_simple(st->wconn, "COMMIT", "write") < 0)
        goto fail_all;
committed:
    clock_gettime(CLOCK_MONOTONIC, &t1);
    store_cache_committed(st, batch);

    /* Committed: hand the events over in rv order, then wake the callers. */
    if (st->sub && nok) {
        kp_store_event *evs = kp_calloc((size_t)nok, sizeof(*evs));
        size_t k = 0;
        for (m = batch; m; m = m->next) {
            if (m->rc < 0)
                continue;
            if (m->op == MUT_DELETE_ALL) {
                for (size_t i = 0; i < m->nbulk; i++)
                    evs[k++] = m->bulk[i];
                continue;
            }
            evs[k].rv = m->rv;
            evs[k].type = m->op == MUT_CREATE   ? KP_EV_ADDED
                          : m->op == MUT_UPDATE ? KP_EV_MODIFIED
                                                : KP_EV_DELETED;
            evs[k].key = *m->key;
            evs[k].obj = m->result;
            evs[k].prev = (json_t *)m->prev;
            evs[k].text = m->text;
            evs[k].text_len = (size_t)m->len;
            k++;
        }
        st->sub(st->sub_arg, evs, k);
        free(evs);
    }
    pthread_mutex_lock(&st->mu);
    st->committed_rv = st->next_rv - 1;
    st->stats.batches++;
    st->stats.mutations += n;
    st->stats.quota_rejections += nquota;
    st->stats.commit_us_total +=
        (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
    {
        size_t b = 0;
        while (b < 7 && (n >> (b + 1)))
            b++;
        st->stats.batch_size_hist[b]++;
    }
    pthread_mutex_unlock(&st->mu);
    writer_done(batch); /* each caller frees its text */
    return;

fail_all:
    /* The transaction is gone: nothing of the batch was stored. */
    rc = kp_err_set(KP_EUNAVAILABLE, "the database is unavailable, try again");
    {
        PGresult *r = st->wconn ? PQexec(st->wconn, "ROLLBACK") : NULL;
        PQclear(r);
    }
    /* A COMMIT whose answer was lost may have committed: the next batch learns the truth
     * from the database before it assigns another resourceVersion, and the cache forgets. */
    kp_objcache_clear(st->cache);
    st->next_rv = first_rv;
    st->rv_uncertain = true;
    for (m = batch; m; m = m->next) {
        json_decref(m->result);
        m->result = NULL;
        kp_store_events_free(m->bulk, m->nbulk);
        m->bulk = NULL;
        m->nbulk = 0;
        mut_fail(m, rc);
        free(m->text);
        m->text = NULL;
    }
    writer_done(batch);
}

/* Group commit (st->mu held, something queued): while writes are announced that have not
 * been queued yet, wait for them, at most STORE_GATHER_US. A lone client never waits (its own
 * write settled its announcement); with many, one commit (one WAL flush) serves them all. */
static void writer_gather(kp_store *st)
{
    struct timespec deadline;

    if (atomic_load(&st->expected) <= 0 || st->nqueued >= STORE_BATCH_MAX)
        return;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += STORE_GATHER_US * 1000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (atomic_load(&st->expected) > 0 && st->nqueued < STORE_BATCH_MAX && !st->stopping)
        if (pthread_cond_timedwait(&st->queue_cv, &st->mu, &deadline) != 0)
            break; /* the deadline: go with what is there */
}

static void *writer_main(void *arg)
{
    kp_store *st = arg;

    for (;;) {
        mutation *batch, *m;
        size_t n = 0;

        pthread_mutex_lock(&st->mu);
        while (!st->head && !st->stopping)
            pthread_cond_wait(&st->queue_cv, &st->mu);
        if (!st->head && st->stopping) {
            pthread_mutex_unlock(&st->mu);
            break;
        }
        writer_gather(st);
        /* Group commit: everything queued while the last batch committed goes in this one. */
        batch = st->head;
        for (m = batch; m; m = m->next) {
            n++;
            if (n == STORE_BATCH_MAX || !m->next) {
                st->head = m->next;
                m->next = NULL;
                break;
            }
        }
        if (!st->head)
            st->tail = NULL;
        st->nqueued -= n;
        pthread_mutex_unlock(&st->mu);
        writer_batch(st, batch, n);
    }
    return NULL;
}

/* Queues m for the writer and waits for its result. m lives on the caller's stack until the
 * writer posts m->done: we wait for that here. */
/* On the caller's thread, so the single writer does not: obj's text with the marker for its
 * resourceVersion; refuses an object over KP_OBJECT_MAX (as stored, managedFields and all). */
static int store_serialize(kp_store *st, mutation *m)
{
    const char *kind = kp_json_get_str(m->obj, "kind");
    char *at;

    json_object_set_new(kp_json_obj_ensure(m->obj, "metadata"), "resourceVersion",
                        json_string(st->rv_mark));
    m->pre = kp_json_dump(m->obj, &m->pre_len);
    if (m->pre_len > KP_OBJECT_MAX)
        return kp_err_set(KP_EINVALID,
                          "%s \"%s\" is invalid: the object is %zu bytes, over the limit of %d "
                          "bytes",
                          kind ? kind : "object", m->key->name, m->pre_len, KP_OBJECT_MAX);
    at = memmem(m->pre, m->pre_len, st->rv_mark, strlen(st->rv_mark));
    if (!at) { /* never: the dump holds every string it was given */
        free(m->pre);
        m->pre = NULL;
        return 0;
    }
    m->pre_mark = (size_t)(at - m->pre);
    return 0;
}

/* The store this thread announced a write to, until it queues one or settles. */
static __thread kp_store *store_expecting;

void kp_store_write_expected(kp_store *st)
{
    if (store_expecting)
        return; /* a nested call: the outer announcement stands */
    store_expecting = st;
    atomic_fetch_add(&st->expected, 1);
}

void kp_store_write_settled(kp_store *st)
{
    if (store_expecting != st)
        return;
    store_expecting = NULL;
    atomic_fetch_sub(&st->expected, 1);
}

static int store_mutate_m(json_t **out, kp_buf *text_out, kp_store *st, mutation *m)
{
    int rc;

    if ((m->op == MUT_CREATE || m->op == MUT_UPDATE) && (rc = store_serialize(st, m)) < 0) {
        free(m->pre);
        json_object_del(kp_json_obj_ensure(m->obj, "metadata"), "resourceVersion");
        return rc;
    }
    pthread_mutex_lock(&st->mu);
    if (st->stopping) {
        pthread_mutex_unlock(&st->mu);
        free(m->pre);
        return kp_err_set(KP_EUNAVAILABLE, "the server is shutting down");
    }
    sem_init(&m->done, 0, 0);
    if (st->tail)
        st->tail->next = m;
    else
        st->head = m;
    st->tail = m;
    st->nqueued++;
    kp_store_write_settled(st);
    pthread_mutex_unlock(&st->mu);
    pthread_cond_signal(&st->queue_cv); /* unlocked: the writer must not wake into our lock */
    while (sem_wait(&m->done) < 0 && errno == EINTR)
        ;
    sem_destroy(&m->done);
    kp_store_events_free(m->bulk, m->nbulk);
    free(m->pre);
    if (m->rc == 0 && text_out && m->text)
        kp_buf_put(text_out, m->text, (size_t)m->len);
    free(m->text);
    if (m->rc < 0) {
        rc = kp_err_set(m->rc, "%s", m->errmsg);
        json_decref(m->result);
        return rc;
    }
    if (m->op == MUT_DELETE_ALL)
        return (int)KP_MIN(m->nbulk, (size_t)INT32_MAX);
    if (out)
        *out = m->result;
    else
        json_decref(m->result);
    return 0;
}

static int store_mutate(json_t **out, kp_buf *text_out, kp_store *st, mut_op op, const kp_key *key,
                        json_t *obj, int64_t expect_rv, const json_t *prev)
{
    mutation m;

    memset(&m, 0, sizeof(m));
    m.op = op;
    m.key = key;
    m.obj = obj;
    m.expect_rv = expect_rv;
    m.prev = prev;
    return store_mutate_m(out, text_out, st, &m);
}

int kp_store_create(json_t **out, kp_store *st, const kp_key *key, json_t *obj)
{
    return store_mutate(out, NULL, st, MUT_CREATE, key, obj, 0, NULL);
}

int kp_store_create_text(json_t **out, kp_buf *text, kp_store *st, const kp_key *key, json_t *obj)
{
    return store_mutate(out, text, st, MUT_CREATE, key, obj, 0, NULL);
}

int kp_store_update(json_t **out, kp_store *st, const kp_key *key, json_t *obj, int64_t expect_rv)
{
    return store_mutate(out, NULL, st, MUT_UPDATE, key, obj, expect_rv, NULL);
}

int kp_store_replace(json_t **out, kp_store *st, const kp_key *key, json_t *obj, const json_t *prev)
{
    const char *rvs = kp_json_get_str(prev, "metadata.resourceVersion");
    int64_t rv = 0;

    if (!rvs || kp_parse_i64(&rv, kp_sv_from(rvs), 1, INT64_MAX) < 0)
        return kp_err_set(KP_EINTERNAL, "the object to replace has no resourceVersion");
    return store_mutate(out, NULL, st, MUT_UPDATE, key, obj, rv, prev);
}

int kp_store_delete(json_t **out, kp_store *st, const kp_key *key, int64_t expect_rv)
{
    return store_mutate(out, NULL, st, MUT_DELETE, key, NULL, expect_rv, NULL);
}

int kp_store_delete_all(kp_store *st, const char *cluster, const char *ns,
                        const char *except_resource)
{
    kp_key k = {cluster, except_resource, ns, NULL};
    return store_mutate(NULL, NULL, st, MUT_DELETE_ALL, &k, NULL, 0, NULL);
}

int kp_store_delete_resource(kp_store *st, const char *cluster, const char *resource)
{
    kp_key k = {cluster, NULL, NULL, resource}; /* name: the only resource (writer_delete_all) */
    return store_mutate(NULL, NULL, st, MUT_DELETE_ALL, &k, NULL, 0, NULL);
}

int kp_store_delete_unfinalized(kp_store *st, const char *cluster, const char *ns)
{
    kp_key k = {cluster, NULL, ns, NULL};
    mutation m;

    assert(ns);
    memset(&m, 0, sizeof(m));
    m.op = MUT_DELETE_ALL;
    m.key = &k;
    m.spare_finalized = true;
    return store_mutate_m(NULL, NULL, st, &m);
}

int kp_store_compact(int64_t *floor_out, kp_store *st, int max_age_s, int64_t max_events)
{
    PGconn *c = NULL;
    PGresult *res;
    char age[24], cnt[24];
    const char *p[2] = {age, cnt};
    int rc;

    snprintf(age, sizeof(age), "%d", max_age_s);
    snprintf(cnt, sizeof(cnt), "%lld", (long long)max_events);
    if ((rc = store_pool_get(&c, st)) < 0)
        return rc;
    res = PQexecParams(c, SQL_COMPACT, 2, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = store_error(c, res, "compaction");
    else if (PQntuples(res) == 1) {
        *floor_out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        KP_LOG_DEBUG("store", "compacted the event log to rv %lld (%s events removed)",
                     (long long)*floor_out, PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    store_pool_put(st, c);
    return rc;
}

void kp_store_subscribe(kp_store *st, kp_store_sub_fn fn, void *arg)
{
    st->sub = fn;
    st->sub_arg = arg;
}

void kp_store_get_stats(kp_store_stats *out, kp_store *st)
{
    pthread_mutex_lock(&st->mu);
    *out = st->stats;
    pthread_mutex_unlock(&st->mu);
}

int kp_store_open(kp_store **out, const kp_store_opts *opts)
{
    kp_store *st = kp_calloc(1, sizeof(*st));
    int rc;

    st->conninfo = kp_strdup(opts->conninfo);
    pthread_mutex_init(&st->pool_mu, NULL);
    pthread_cond_init(&st->pool_cv, NULL);
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->queue_cv, NULL);
    pthread_mutex_init(&st->lim_mu, NULL);
    st->cache = kp_objcache_new(16384);
    {
        uint8_t r[16];
        kp_crypto_random(r, sizeof(r));
        memcpy(st->rv_mark, "kprv-", 5);
        for (size_t i = 0; i < sizeof(r); i++)
            snprintf(st->rv_mark + 5 + 2 * i, 3, "%02x", r[i]);
    }
    st->pool_size = opts->pool_size > 0 ? (size_t)opts->pool_size : 8;
    st->pool = kp_calloc(st->pool_size, sizeof(PGconn *));
    if (opts->admin_conninfo && (rc = store_ensure_db(opts->admin_conninfo, opts->conninfo)) < 0)
        goto out;
    if ((rc = store_connect(&st->wconn, st->conninfo)) < 0)
        goto out;
    if ((rc = store_migrate(st->wconn)) < 0 || (rc = writer_prepare(st->wconn)) < 0)
        goto out;
    if ((rc = store_query_i64(&st->committed_rv, st->wconn, SQL_MAX_RV)) < 0)
        goto out;
    st->next_rv = st->committed_rv + 1;
    for (size_t i = 0; i < st->pool_size; i++) {
        if ((rc = store_connect(&st->pool[i], st->conninfo)) < 0 ||
            (rc = store_prepare_reads(st->pool[i])) < 0)
            goto out;
        st->pool_free++;
    }
    if (pthread_create(&st->writer, NULL, writer_main, st) != 0) {
        rc = kp_err_set(KP_EINTERNAL, "cannot start the store writer thread");
        goto out;
    }
    st->writer_started = true;
    *out = st;
    st = NULL;
out:
    kp_store_free(st);
    return rc;
}

void kp_store_free(kp_store *st)
{
    if (!st)
        return;
    if (st->writer_started) {
        pthread_mutex_lock(&st->mu);
        st->stopping = true;
        pthread_cond_signal(&st->queue_cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->writer, NULL);
    }
    PQfinish(st->wconn);
    for (size_t i = 0; i < st->pool_free; i++)
        PQfinish(st->pool[i]);
    free(st->pool);
    free(st->conninfo);
    pthread_mutex_destroy(&st->pool_mu);
    pthread_cond_destroy(&st->pool_cv);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->queue_cv);
    store_limits_clear(st);
    pthread_mutex_destroy(&st->lim_mu);
    kp_objcache_free(st->cache);
    free(st);
}
