#include "lib/common.h"
#include "apiserver/pgctl.h"
#include "apiserver/store.h"
#include "lib/json.h"
#include "workspaces/ws.h"
#include "lib/log.h"
#include "lib/sv.h"
#include "tests/support/testlib.h"

/* The test links libpq directly only to set up and inspect what it checks (schema rows);
 * every operation under test goes through the store. */
#include <libpq-fe.h>
#include <pthread.h>
#include <time.h>

/* One throwaway PostgreSQL server per program (group setup), a fresh database per test. */
static int g_dbseq;

/* Updates per writer thread in the concurrency test; KPLANE_STORE_UPDATES lowers it for
 * slow runs (valgrind). */
static int updates_per_thread(void)
{
    const char *s = getenv("KPLANE_STORE_UPDATES");
    int64_t v = 0;
    if (s && kp_parse_i64(&v, kp_sv_from(s), 1, 100000) == 0)
        return (int)v;
    return 1000;
}

/* ---- helpers ---- */

/* The server's conninfo with dbname replaced; owned. */

static int open_store(kp_store **out, const char *conninfo, int pool_size)
{
    kp_store_opts o = {
        .conninfo = conninfo,
        .admin_conninfo = kp_test_pg_admin_conninfo(),
        .pool_size = pool_size,
    };
    return kp_store_open(out, &o);
}

/* Runs setup SQL directly; returns the first value of the first row (owned) or NULL. */
static char *sql_run(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *res = NULL;
    char *val = NULL;

    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect for setup SQL: %s", PQerrorMessage(c));
    res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("setup SQL \"%s\" failed: %s", sql, PQresultErrorMessage(res));
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        val = kp_strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(c);
    return val;
}

/* metadata.resourceVersion as a number; -1 unless it is a canonical positive decimal. */
static int64_t parse_rv(const json_t *obj)
{
    const char *s = kp_json_get_str(obj, "metadata.resourceVersion");
    int64_t v;
    if (!s || s[0] < '1' || s[0] > '9' || kp_parse_i64(&v, kp_sv_from(s), 1, INT64_MAX) < 0)
        return -1;
    return v;
}

static int64_t rv_of(const json_t *obj)
{
    int64_t v = parse_rv(obj);
    if (v < 0)
        fail_msg("metadata.resourceVersion is not a positive decimal string: %s",
                 kp_json_get_str(obj, "metadata.resourceVersion")
                     ? kp_json_get_str(obj, "metadata.resourceVersion")
                     : "(missing)");
    return v;
}

/* A ConfigMap-like object; owned. */
static json_t *obj_new(const char *ns, const char *name, const char *owner)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                     "metadata", "name", name, "namespace", ns, "data", "owner", owner);
}

static const char *owner_of(const json_t *obj)
{
    const char *s = kp_json_get_str(obj, "data.owner");
    return s ? s : "(none)";
}

static const char *rc_name(int rc)
{
    return rc == 0 ? "0" : kp_err_name(rc);
}

#define assert_rc(expr, want)                                                                      \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != (want))                                                                         \
            fail_msg("%s returned %s, want %s: %s", #expr, rc_name(rc_), rc_name(want),            \
                     rc_ ? kp_err_msg() : "");                                                     \
    } while (0)

/* ---- event recorder (kp_store_subscribe) ---- */

typedef struct {
    int64_t rv;
    kp_ev_type type;
    char ns[32];
    char name[64];
    int64_t count;  /* spec.count, -1 when absent */
    bool rv_match;  /* the event object's metadata.resourceVersion equals rv */
    char owner[32]; /* data.owner */
} rec_ev;

typedef struct {
    pthread_mutex_t mu;
    rec_ev *v; /* guarded by mu */
    size_t n, cap;
} recorder;

static void rec_init(recorder *r)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
}

static void rec_dispose(recorder *r)
{
    free(r->v);
    pthread_mutex_destroy(&r->mu);
}

/* Runs on the writer thread: copy what the checks need, never keep the pointers. */
static void rec_fn(void *arg, const kp_store_event *evs, size_t n)
{
    recorder *r = arg;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        rec_ev *e;
        json_t *cnt = kp_json_get(evs[i].obj, "spec.count");
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 256;
            r->v = kp_realloc(r->v, r->cap * sizeof(*r->v));
        }
        e = &r->v[r->n++];
        memset(e, 0, sizeof(*e));
        e->rv = evs[i].rv;
        e->type = evs[i].type;
        snprintf(e->ns, sizeof(e->ns), "%s", evs[i].key.ns);
        snprintf(e->name, sizeof(e->name), "%s", evs[i].key.name);
        e->count = json_is_integer(cnt) ? json_integer_value(cnt) : -1;
        e->rv_match = parse_rv(evs[i].obj) == evs[i].rv;
        snprintf(e->owner, sizeof(e->owner), "%s", owner_of(evs[i].obj));
    }
    pthread_mutex_unlock(&r->mu);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    return kp_test_pg_start(KP_LEVEL_WARN);
}

static int group_teardown(void **state)
{
    (void)state;
    kp_test_pg_stop();
    return 0;
}

typedef struct {
    char *db;
    char *conninfo;
    kp_store *st;
    recorder rec;
} store_fx;

/* A fresh database, created and migrated by kp_store_open through admin_conninfo. */
static int fx_setup(void **state)
{
    store_fx *f = kp_calloc(1, sizeof(*f));
    f->db = kp_asprintf("kplane_t%d", ++g_dbseq);
    f->conninfo = kp_test_pg_conninfo_for(f->db);
    rec_init(&f->rec);
    *state = f;
    if (open_store(&f->st, f->conninfo, 4) < 0) {
        fprintf(stderr, "cannot open the store on %s: %s\n", f->db, kp_err_msg());
        return -1;
    }
    return 0;
}

static int fx_teardown(void **state)
{
    store_fx *f = *state;
    kp_store_free(f->st);
    rec_dispose(&f->rec);
    free(f->db);
    free(f->conninfo);
    free(f);
    return 0;
}

/* ---- the garbage collector's reads and bulk deletes ---- */

/* A ConfigMap with a uid, maybe an owner's uid and a finalizer. */
static void gc_put(kp_store *st, const char *cluster, const char *ns, const char *name,
                   const char *uid, const char *owner_uid, const char *fin)
{
    kp_key k = {cluster, "/configmaps", ns, name};
    json_t *o = obj_new(ns, name, "gc");
    json_t *md = json_object_get(o, "metadata");

    json_object_set_new(md, "uid", json_string(uid));
    if (owner_uid)
        json_object_set_new(md, "ownerReferences",
                            json_pack("[{s:s, s:s, s:s, s:s}]", "apiVersion", "v1", "kind",
                                      "ConfigMap", "name", "x", "uid", owner_uid));
    if (fin)
        json_object_set_new(md, "finalizers", json_pack("[s]", fin));
    assert_rc(kp_store_create(NULL, st, &k, o), 0);
    json_decref(o);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a scan's rows, "cluster/ns/name" sorted and joined by spaces; owned. */
static char *gc_names(kp_store_event *evs, size_t n)
{
    kp_buf b;
    char **v = kp_calloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = kp_asprintf("%s/%s/%s", evs[i].key.cluster, evs[i].key.ns, evs[i].key.name);
    qsort(v, n, sizeof(*v), cmp_str);
    kp_buf_init(&b, 4096);
    for (size_t i = 0; i < n; i++) {
        kp_buf_appendf(&b, "%s%s", i ? " " : "", v[i]);
        free(v[i]);
    }
    free(v);
    kp_store_events_free(evs, n);
    return kp_buf_take(&b, NULL);
}

static int g_bulk[3]; /* DELETED events by kp_ev_bulk */

static void gc_rec(void *arg, const kp_store_event *evs, size_t n)
{
    (void)arg;
    for (size_t i = 0; i < n; i++)
        if (evs[i].type == KP_EV_DELETED && evs[i].bulk <= KP_EV_BULK_CLUSTER)
            g_bulk[evs[i].bulk]++;
}

static void test_gc_scans(void **state)
{
    store_fx *f = *state;
    kp_store_event *evs = NULL;
    size_t n = 0;
    char *names, *plan;

    kp_store_subscribe(f->st, gc_rec, NULL);
    gc_put(f->st, "g1", "a", "owner", "u-owner", NULL, NULL);
    gc_put(f->st, "g1", "a", "dep1", "u-dep1", "u-owner", NULL);
    gc_put(f->st, "g1", "b", "dep2", "u-dep2", "u-owner", "example.com/hold");
    gc_put(f->st, "g1", "a", "dangling", "u-d", "u-nobody", NULL);
    gc_put(f->st, "g2", "a", "dep3", "u-dep3", "u-owner", NULL); /* owner uid of another cluster */
    gc_put(f->st, "g1", "a", "fg", "u-fg", NULL, "foregroundDeletion");

    /* dependents: by owner uid, in the owner's cluster only */
    assert_rc(kp_store_scan(&evs, &n, f->st, KP_SCAN_DEPENDENTS, "g1", "u-owner"), 0);
    assert_int_equal(n, 2);
    assert_string_equal(evs[0].key.resource, "/configmaps");
    assert_string_equal(kp_json_get_str(evs[0].obj, "metadata.uid"), "u-dep1");
    names = gc_names(evs, n);
    assert_string_equal(names, "g1/a/dep1 g1/b/dep2");
    free(names);
    assert_rc(kp_store_scan(&evs, &n, f->st, KP_SCAN_DEPENDENTS, "g1", "u-nothing"), 0);
    assert_int_equal(n, 0);
    kp_store_events_free(evs, n);
    /* one indexed query: its owner condition matches the partial GIN index (with a cluster
     * of a few rows the planner prefers the primary key, so the check leaves the cluster out) */
    plan = sql_run(f->conninfo,
                   "SET enable_seqscan = off; EXPLAIN (FORMAT JSON) SELECT name FROM objects"
                   " WHERE value->'metadata' ? 'ownerReferences' AND"
                   " value->'metadata'->'ownerReferences' @> '[{\"uid\":\"u-owner\"}]'");
    if (!strstr(plan, "objects_by_owner"))
        fail_msg("the dependents query does not use objects_by_owner: %s", plan);
    free(plan);

    /* the sweep: GC finalizers, and dependents whose owner uid nobody in their cluster has */
    assert_rc(kp_store_scan(&evs, &n, f->st, KP_SCAN_GC_PENDING, NULL, NULL), 0);
    names = gc_names(evs, n);
    assert_string_equal(names, "g1/a/dangling g1/a/fg g2/a/dep3");
    free(names);

    /* a namespace's contents without finalizers go in one statement, the rest stays */
    assert_int_equal(kp_store_delete_unfinalized(f->st, "g1", "a"), 3);
    assert_int_equal(g_bulk[KP_EV_BULK_NS], 3);
    assert_rc(kp_store_scan(&evs, &n, f->st, KP_SCAN_NAMESPACE, "g1", "a"), 0);
    names = gc_names(evs, n);
    assert_string_equal(names, "g1/a/fg");
    free(names);
    /* one object and a whole cluster say so in their events */
    {
        kp_key k = {"g1", "/configmaps", "b", "dep2"};
        assert_rc(kp_store_delete(NULL, f->st, &k, 0), 0);
    }
    assert_int_equal(g_bulk[KP_EV_ONE], 1);
    assert_int_equal(kp_store_delete_all(f->st, "g1", NULL, NULL), 1);
    assert_int_equal(g_bulk[KP_EV_BULK_CLUSTER], 1);
}

/* ---- 1. migrations ---- */

static void test_migrations(void **state)
{
    store_fx *f = *state;
    kp_key k = {"c1", "/configmaps", "default", "keep"};
    kp_store *st2 = NULL;
    json_t *o = obj_new("default", "keep", "m"), *got = NULL;
    char *v, *want, *missing;
    int64_t rv;

    assert_true(kp_store_schema_version() >= 1);
    want = kp_asprintf("%d", kp_store_schema_version());

    /* Opening a new database applied every migration and recorded the version once. */
    v = sql_run(f->conninfo, "SELECT string_agg(version::text, ',') FROM kplane_schema");
    assert_string_equal(v, want);
    free(v);
    v = sql_run(f->conninfo, "SELECT to_regclass('objects') IS NOT NULL"
                             " AND to_regclass('events') IS NOT NULL");
    assert_string_equal(v, "t");
    free(v);

    assert_rc(kp_store_create(NULL, f->st, &k, o), 0);
    rv = kp_store_current_rv(f->st);
    assert_true(rv > 0);
    kp_store_free(f->st);
    f->st = NULL;

    /* Reopening is a no-op: same single version row, data kept, rvs continue. */
    assert_rc(open_store(&f->st, f->conninfo, 2), 0);
    v = sql_run(f->conninfo, "SELECT string_agg(version::text, ',') FROM kplane_schema");
    assert_string_equal(v, want);
    free(v);
    assert_int_equal(kp_store_current_rv(f->st), rv);
    assert_rc(kp_store_get(&got, f->st, &k), 0);
    assert_int_equal(rv_of(got), rv);
    json_decref(got);
    kp_store_free(f->st);
    f->st = NULL;

    /* A database written by a newer kplane is refused, naming both versions, and left as is. */
    free(sql_run(f->conninfo, "UPDATE kplane_schema SET version = 999"));
    assert_rc(open_store(&st2, f->conninfo, 2), KP_EINVALID);
    assert_null(st2);
    {
        char *newer = kp_asprintf("version %d", kp_store_schema_version());
        const char *msg = kp_err_msg();
        if (!strstr(msg, "999") || !strstr(msg, newer))
            fail_msg("the message should name versions 999 and %d: %s", kp_store_schema_version(),
                     msg);
        free(newer);
    }
    v = sql_run(f->conninfo, "SELECT string_agg(version::text, ',') FROM kplane_schema");
    assert_string_equal(v, "999");
    free(v);

    /* Without admin_conninfo a missing database is not created: KP_EUNAVAILABLE. */
    missing = kp_test_pg_conninfo_for("kplane_never_created");
    {
        kp_store_opts o2 = {.conninfo = missing, .pool_size = 1};
        assert_rc(kp_store_open(&st2, &o2), KP_EUNAVAILABLE);
        assert_null(st2);
    }
    free(missing);
    free(want);
    json_decref(o);
}

/* ---- 2. create / get / update / delete ---- */

static void test_crud(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    kp_key k = {"c1", "/configmaps", "default", "a"};
    kp_key k_other_cluster = {"c2", "/configmaps", "default", "a"};
    kp_key k_other_res = {"c1", "/secrets", "default", "a"};
    kp_key missing = {"c1", "/configmaps", "default", "nope"};
    json_t *o, *out = NULL, *got = NULL;
    int64_t rv1, rv2, rv3, rv4, rv5;
    char rvs[24];

    o = obj_new("default", "a", "first");
    assert_rc(kp_store_create(&out, st, &k, o), 0);
    rv1 = rv_of(out);
    assert_string_equal(owner_of(out), "first");
    assert_int_equal(kp_store_current_rv(st), rv1);
    json_decref(out);
    json_decref(o);

    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_int_equal(rv_of(got), rv1);
    assert_string_equal(owner_of(got), "first");
    assert_string_equal(kp_json_get_str(got, "metadata.name"), "a");
    assert_string_equal(kp_json_get_str(got, "kind"), "ConfigMap");
    json_decref(got);

    /* Create of a taken key: KP_EEXISTS, stored object unchanged, no rv consumed. */
    o = obj_new("default", "a", "second");
    out = NULL;
    assert_rc(kp_store_create(&out, st, &k, o), KP_EEXISTS);
    assert_null(out);
    json_decref(o);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_string_equal(owner_of(got), "first");
    assert_int_equal(rv_of(got), rv1);
    assert_int_equal(kp_store_current_rv(st), rv1);

    /* Update with the current rv. */
    json_object_set_new(kp_json_obj_ensure(got, "data"), "owner", json_string("updated"));
    assert_rc(kp_store_update(&out, st, &k, got, rv1), 0);
    rv2 = rv_of(out);
    assert_true(rv2 > rv1);
    json_decref(out);
    json_decref(got);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_string_equal(owner_of(got), "updated");
    assert_int_equal(rv_of(got), rv2);

    /* Update with a stale rv: KP_ECONFLICT and nothing changes. */
    json_object_set_new(kp_json_obj_ensure(got, "data"), "owner", json_string("stale"));
    out = NULL;
    assert_rc(kp_store_update(&out, st, &k, got, rv1), KP_ECONFLICT);
    assert_null(out);
    json_decref(got);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_string_equal(owner_of(got), "updated");
    assert_int_equal(rv_of(got), rv2);
    assert_int_equal(kp_store_current_rv(st), rv2);

    /* expect_rv 0: unconditional. */
    json_object_set_new(kp_json_obj_ensure(got, "data"), "owner", json_string("forced"));
    assert_rc(kp_store_update(&out, st, &k, got, 0), 0);
    rv3 = rv_of(out);
    assert_true(rv3 > rv2);
    json_decref(out);
    json_decref(got);

    /* Missing keys: KP_ENOTFOUND for update (with or without expect_rv) and delete. */
    o = obj_new("default", "nope", "x");
    assert_rc(kp_store_update(NULL, st, &missing, o, 0), KP_ENOTFOUND);
    assert_rc(kp_store_update(NULL, st, &missing, o, rv3), KP_ENOTFOUND);
    json_decref(o);
    assert_rc(kp_store_delete(NULL, st, &missing, 0), KP_ENOTFOUND);
    assert_rc(kp_store_delete(NULL, st, &missing, rv3), KP_ENOTFOUND);
    assert_rc(kp_store_get(&got, st, &missing), KP_ENOTFOUND);

    /* Delete with a stale rv: KP_ECONFLICT, still there. */
    out = NULL;
    assert_rc(kp_store_delete(&out, st, &k, rv2), KP_ECONFLICT);
    assert_null(out);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_int_equal(rv_of(got), rv3);
    json_decref(got);

    /* Delete returns the object as it was, with the delete's own resourceVersion. */
    assert_rc(kp_store_delete(&out, st, &k, rv3), 0);
    rv4 = rv_of(out);
    assert_true(rv4 > rv3);
    assert_string_equal(owner_of(out), "forced");
    assert_string_equal(kp_json_get_str(out, "metadata.name"), "a");
    assert_int_equal(kp_store_current_rv(st), rv4);
    json_decref(out);
    assert_rc(kp_store_get(&got, st, &k), KP_ENOTFOUND);
    assert_rc(kp_store_delete(NULL, st, &k, 0), KP_ENOTFOUND);

    /* The name can be created again; the cluster and the resource are part of the key. */
    o = obj_new("default", "a", "again");
    assert_rc(kp_store_create(&out, st, &k, o), 0);
    rv5 = rv_of(out);
    assert_true(rv5 > rv4);
    json_decref(out);
    assert_rc(kp_store_create(NULL, st, &k_other_cluster, o), 0);
    assert_rc(kp_store_create(NULL, st, &k_other_res, o), 0);
    json_decref(o);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_int_equal(rv_of(got), rv5);
    json_decref(got);
    assert_rc(kp_store_get(&got, st, &k_other_cluster), 0);
    assert_true(rv_of(got) > rv5);
    json_decref(got);

    /* metadata.resourceVersion is exactly the decimal rendering. */
    assert_rc(kp_store_get(&got, st, &k_other_res), 0);
    snprintf(rvs, sizeof(rvs), "%lld", (long long)kp_store_current_rv(st));
    assert_string_equal(kp_json_get_str(got, "metadata.resourceVersion"), rvs);
    json_decref(got);
}

/* ---- 3. list and count ---- */

#define LIST_NS 3
#define LIST_NAMES 7

static const char *const list_ns[LIST_NS] = {"b", "a", "c"};
static const char *const list_names[LIST_NAMES] = {"m", "b", "z", "a", "k", "aa", "b-1"};

/* Asserts items are in strictly increasing (namespace, name) order, optionally in one ns. */
static void assert_key_order(const json_t *items, const char *only_ns)
{
    size_t i;
    json_t *it;
    const char *pns = NULL, *pname = NULL;

    json_array_foreach(items, i, it)
    {
        const char *ns = kp_json_get_str(it, "metadata.namespace");
        const char *name = kp_json_get_str(it, "metadata.name");
        assert_non_null(ns);
        assert_non_null(name);
        if (only_ns)
            assert_string_equal(ns, only_ns);
        if (pns) {
            int c = strcmp(pns, ns);
            if (c > 0 || (c == 0 && strcmp(pname, name) >= 0))
                fail_msg("list out of key order: %s/%s before %s/%s", pns, pname, ns, name);
        }
        pns = ns;
        pname = name;
    }
}

/* Pages through (ns filter, limit) and checks the pages concatenate to full. */
static void check_pages(kp_store *st, const char *ns, size_t limit, const json_t *full)
{
    json_t *all = json_array();
    char *after_ns = NULL, *after_name = NULL;
    bool more = true;
    int pages = 0;

    while (more) {
        kp_store_list_opts o = {"c1", "/configmaps", ns, after_ns, after_name, limit, NULL};
        json_t *items = NULL, *last;
        int64_t rv = 0;
        size_t i;
        json_t *it;

        assert_rc(kp_store_list(&items, &rv, &more, st, &o), 0);
        assert_true(json_array_size(items) <= limit);
        if (more)
            assert_int_equal(json_array_size(items), limit);
        json_array_foreach(items, i, it)
        {
            assert_true(rv >= rv_of(it));
            json_array_append(all, it);
        }
        last = json_array_get(items, json_array_size(items) - 1);
        free(after_ns);
        free(after_name);
        after_ns = last ? kp_strdup(kp_json_get_str(last, "metadata.namespace")) : NULL;
        after_name = last ? kp_strdup(kp_json_get_str(last, "metadata.name")) : NULL;
        json_decref(items);
        if (++pages > 100)
            fail_msg("paging does not end");
    }
    /* Every object exactly once, in the same order as the one-shot list. */
    if (!json_equal(all, full))
        fail_msg("pages of %zu (ns %s) differ from the full list: %zu vs %zu items", limit,
                 ns ? ns : "*", json_array_size(all), json_array_size(full));
    free(after_ns);
    free(after_name);
    json_decref(all);
}

static void test_list(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    json_t *items = NULL, *nsb = NULL, *it;
    int64_t rv, maxrv = 0, cnt;
    bool more = true;
    size_t i;

    /* Insert in an order unlike key order, plus objects that must never show up. */
    for (int n = 0; n < LIST_NAMES; n++)
        for (int s = 0; s < LIST_NS; s++) {
            kp_key k = {"c1", "/configmaps", list_ns[s], list_names[n]};
            json_t *o = obj_new(list_ns[s], list_names[n], "list"), *out = NULL;
            assert_rc(kp_store_create(&out, st, &k, o), 0);
            maxrv = KP_MAX(maxrv, rv_of(out));
            json_decref(out);
            json_decref(o);
        }
    {
        kp_key noise[] = {{"c2", "/configmaps", "a", "x"},
                          {"c1", "/secrets", "a", "x"},
                          {"c1", "/configmaps2", "a", "x"},
                          {"c", "/configmaps", "a", "x"}};
        for (size_t j = 0; j < KP_ARRAY_LEN(noise); j++) {
            json_t *o = obj_new(noise[j].ns, noise[j].name, "noise");
            assert_rc(kp_store_create(NULL, st, &noise[j], o), 0);
            json_decref(o);
        }
    }

    {
        kp_store_list_opts o = {"c1", "/configmaps", NULL, NULL, NULL, 0, NULL};
        assert_rc(kp_store_list(&items, &rv, &more, st, &o), 0);
    }
    assert_int_equal(json_array_size(items), LIST_NS * LIST_NAMES);
    assert_false(more);
    assert_key_order(items, NULL);
    json_array_foreach(items, i, it)
    {
        assert_string_equal(owner_of(it), "list");
        assert_true(rv >= rv_of(it));
    }
    assert_true(rv >= maxrv);
    assert_int_equal(rv, kp_store_current_rv(st));

    {
        kp_store_list_opts o = {"c1", "/configmaps", "b", NULL, NULL, 0, NULL};
        assert_rc(kp_store_list(&nsb, &rv, &more, st, &o), 0);
    }
    assert_int_equal(json_array_size(nsb), LIST_NAMES);
    assert_false(more);
    assert_key_order(nsb, "b");

    /* Continuation covers everything exactly once, across namespaces too. */
    check_pages(st, NULL, 1, items);
    check_pages(st, NULL, 4, items);
    check_pages(st, NULL, LIST_NS * LIST_NAMES, items); /* exact fit: more is false */
    check_pages(st, NULL, 1000, items);
    check_pages(st, "b", 2, nsb);
    check_pages(st, "b", LIST_NAMES, nsb);

    /* A page after the last key is empty. */
    {
        kp_store_list_opts o = {"c1", "/configmaps", NULL, "c", "z", 5, NULL};
        json_t *rest = NULL;
        assert_rc(kp_store_list(&rest, &rv, &more, st, &o), 0);
        assert_int_equal(json_array_size(rest), 0);
        assert_false(more);
        json_decref(rest);
    }

    assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", NULL), 0);
    assert_int_equal(cnt, LIST_NS * LIST_NAMES);
    assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", "b"), 0);
    assert_int_equal(cnt, LIST_NAMES);
    assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", "nowhere"), 0);
    assert_int_equal(cnt, 0);
    assert_rc(kp_store_count(&cnt, st, "c2", "/configmaps", NULL), 0);
    assert_int_equal(cnt, 1);

    /* A delete advances the list's rv although no remaining object carries it. */
    {
        kp_key k = {"c1", "/configmaps", "a", "z"};
        json_t *gone = NULL, *after = NULL;
        kp_store_list_opts o = {"c1", "/configmaps", NULL, NULL, NULL, 0, NULL};
        int64_t drv;
        assert_rc(kp_store_delete(&gone, st, &k, 0), 0);
        drv = rv_of(gone);
        json_decref(gone);
        assert_rc(kp_store_list(&after, &rv, &more, st, &o), 0);
        assert_int_equal(json_array_size(after), LIST_NS * LIST_NAMES - 1);
        assert_true(rv >= drv);
        assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", "a"), 0);
        assert_int_equal(cnt, LIST_NAMES - 1);
        json_decref(after);
    }
    json_decref(items);
    json_decref(nsb);
}

/* ---- 4. a failed mutation in a batch stays its own ---- */

#define BATCH_THREADS 16
#define BATCH_OPS 20
#define BATCH_TAKEN 8

typedef enum { OP_UNIQUE, OP_TAKEN, OP_CONTESTED, OP_INVALID } batch_op;

typedef struct {
    kp_store *st;
    pthread_barrier_t *start;
    int idx;
    int rc[BATCH_OPS];
    int64_t rv[BATCH_OPS];
    char name[BATCH_OPS][32];
} batch_worker;

static batch_op batch_op_of(int i)
{
    return (batch_op)(i % 4);
}

static void *batch_main(void *arg)
{
    batch_worker *w = arg;
    char owner[16];

    snprintf(owner, sizeof(owner), "t%d", w->idx);
    pthread_barrier_wait(w->start);
    for (int i = 0; i < BATCH_OPS; i++) {
        json_t *o, *out = NULL;
        kp_key k = {"c1", "/configmaps", "default", w->name[i]};
        switch (batch_op_of(i)) {
        case OP_UNIQUE:
            snprintf(w->name[i], sizeof(w->name[i]), "u-%d-%d", w->idx, i);
            break;
        case OP_TAKEN:
            snprintf(w->name[i], sizeof(w->name[i]), "taken-%d", (i + w->idx) % BATCH_TAKEN);
            break;
        case OP_CONTESTED:
            snprintf(w->name[i], sizeof(w->name[i]), "c-%d", i);
            break;
        case OP_INVALID:
            snprintf(w->name[i], sizeof(w->name[i]), "bad-%d-%d", w->idx, i);
            break;
        }
        o = obj_new("default", w->name[i], owner);
        /* jsonb cannot hold \u0000: a real SQL error inside this mutation's savepoint. */
        if (batch_op_of(i) == OP_INVALID)
            json_object_set_new(json_object_get(o, "data"), "bad", json_stringn("a\0b", 3));
        w->rc[i] = kp_store_create(&out, w->st, &k, o);
        w->rv[i] = out ? parse_rv(out) : 0;
        json_decref(out);
        json_decref(o);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_batch_isolation(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    batch_worker w[BATCH_THREADS];
    pthread_t th[BATCH_THREADS];
    pthread_barrier_t start;
    int64_t taken_rv[BATCH_TAKEN], cnt, *rvs;
    size_t nrv = 0, nok = 0;
    kp_store_stats stats;

    kp_store_subscribe(st, rec_fn, &f->rec);
    for (int i = 0; i < BATCH_TAKEN; i++) {
        char name[24];
        kp_key k = {"c1", "/configmaps", "default", name};
        json_t *o, *out = NULL;
        snprintf(name, sizeof(name), "taken-%d", i);
        o = obj_new("default", name, "pre");
        assert_rc(kp_store_create(&out, st, &k, o), 0);
        taken_rv[i] = rv_of(out);
        json_decref(out);
        json_decref(o);
    }

    pthread_barrier_init(&start, NULL, BATCH_THREADS);
    for (int t = 0; t < BATCH_THREADS; t++) {
        memset(&w[t], 0, sizeof(w[t]));
        w[t].st = st;
        w[t].start = &start;
        w[t].idx = t;
        assert_int_equal(pthread_create(&th[t], NULL, batch_main, &w[t]), 0);
    }
    for (int t = 0; t < BATCH_THREADS; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&start);

    rvs = kp_calloc(BATCH_THREADS * BATCH_OPS, sizeof(*rvs));
    for (int t = 0; t < BATCH_THREADS; t++)
        for (int i = 0; i < BATCH_OPS; i++) {
            kp_key k = {"c1", "/configmaps", "default", w[t].name[i]};
            json_t *got = NULL;
            int want = batch_op_of(i) == OP_UNIQUE    ? 0
                       : batch_op_of(i) == OP_TAKEN   ? KP_EEXISTS
                       : batch_op_of(i) == OP_INVALID ? KP_EINVALID
                                                      : 1; /* contested: checked below */
            if (want != 1 && w[t].rc[i] != want)
                fail_msg("create %s by t%d: %s, want %s", w[t].name[i], t, rc_name(w[t].rc[i]),
                         rc_name(want));
            if (batch_op_of(i) == OP_CONTESTED && w[t].rc[i] != 0 && w[t].rc[i] != KP_EEXISTS)
                fail_msg("contested create %s by t%d: %s", w[t].name[i], t, rc_name(w[t].rc[i]));
            if (w[t].rc[i] == 0) {
                assert_true(w[t].rv[i] > 0);
                rvs[nrv++] = w[t].rv[i];
            }
            if (batch_op_of(i) == OP_INVALID) {
                assert_rc(kp_store_get(&got, st, &k), KP_ENOTFOUND);
            } else if (batch_op_of(i) == OP_UNIQUE) {
                assert_rc(kp_store_get(&got, st, &k), 0);
                assert_int_equal(rv_of(got), w[t].rv[i]);
                json_decref(got);
            }
        }

    /* Taken keys are untouched by the colliding creates. */
    for (int i = 0; i < BATCH_TAKEN; i++) {
        char name[24];
        kp_key k = {"c1", "/configmaps", "default", name};
        json_t *got = NULL;
        snprintf(name, sizeof(name), "taken-%d", i);
        assert_rc(kp_store_get(&got, st, &k), 0);
        assert_string_equal(owner_of(got), "pre");
        assert_int_equal(rv_of(got), taken_rv[i]);
        json_decref(got);
    }

    /* Each contested name has exactly one winner, and the stored object is the winner's. */
    for (int i = 0; i < BATCH_OPS; i++) {
        int winners = 0, wt = -1;
        char name[16], owner[16];
        kp_key k = {"c1", "/configmaps", "default", name};
        json_t *got = NULL;
        if (batch_op_of(i) != OP_CONTESTED)
            continue;
        for (int t = 0; t < BATCH_THREADS; t++)
            if (w[t].rc[i] == 0) {
                winners++;
                wt = t;
            }
        assert_int_equal(winners, 1);
        snprintf(name, sizeof(name), "c-%d", i);
        snprintf(owner, sizeof(owner), "t%d", wt);
        assert_rc(kp_store_get(&got, st, &k), 0);
        assert_string_equal(owner_of(got), owner);
        assert_int_equal(rv_of(got), w[wt].rv[i]);
        json_decref(got);
    }

    /* The table holds exactly the successes; every success got its own rv. */
    nok = BATCH_THREADS * (BATCH_OPS / 4) + BATCH_OPS / 4;
    assert_int_equal(nrv, nok);
    assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", NULL), 0);
    assert_int_equal(cnt, (int64_t)(BATCH_TAKEN + nok));
    qsort(rvs, nrv, sizeof(*rvs), cmp_i64);
    for (size_t i = 1; i < nrv; i++)
        assert_true(rvs[i] > rvs[i - 1]);

    /* Events: one ADDED per success, in rv order, none for a failed create. */
    pthread_mutex_lock(&f->rec.mu);
    assert_int_equal(f->rec.n, BATCH_TAKEN + nok);
    for (size_t i = 0; i < f->rec.n; i++) {
        const rec_ev *e = &f->rec.v[i];
        assert_int_equal(e->type, KP_EV_ADDED);
        assert_true(e->rv_match);
        assert_true(strncmp(e->name, "bad-", 4) != 0);
        if (i > 0)
            assert_true(e->rv > f->rec.v[i - 1].rv);
        if (i >= BATCH_TAKEN) {
            int64_t *hit = bsearch(&e->rv, rvs, nrv, sizeof(*rvs), cmp_i64);
            assert_non_null(hit);
        }
    }
    pthread_mutex_unlock(&f->rec.mu);

    kp_store_get_stats(&stats, st);
    assert_int_equal(stats.mutations, BATCH_TAKEN + BATCH_THREADS * BATCH_OPS);
    assert_true(stats.batches <= stats.mutations);
    printf("# batch isolation: %llu mutations in %llu batches (%.2f per batch);"
           " batches of 2+: %llu\n",
           (unsigned long long)stats.mutations, (unsigned long long)stats.batches,
           (double)stats.mutations / (double)stats.batches,
           (unsigned long long)(stats.batches - stats.batch_size_hist[0]));
    fflush(stdout);
    free(rvs);
}

/* ---- 5. concurrent read-modify-write: no lost update, an exact event stream ---- */

#define RMW_THREADS 8
#define RMW_KEYS 4

static const char *const ctr_names[RMW_KEYS] = {"ctr-0", "ctr-1", "ctr-2", "ctr-3"};

typedef struct {
    kp_store *st;
    pthread_barrier_t *start;
    unsigned seed;
    int target;
    /* results */
    int n; /* successful updates */
    int succ[RMW_KEYS];
    long conflicts;
    int *key; /* per success: key index, value written, rv returned */
    int64_t *val;
    int64_t *rv;
    int err;
    char errmsg[256];
} rmw_worker;

static void *rmw_main(void *arg)
{
    rmw_worker *w = arg;

    pthread_barrier_wait(w->start);
    while (w->n < w->target) {
        int k = (int)(rand_r(&w->seed) % RMW_KEYS);
        kp_key key = {"c1", "/counters", "default", ctr_names[k]};
        json_t *obj = NULL, *out = NULL;
        int64_t cur, rv;
        int rc;

        if ((rc = kp_store_get(&obj, w->st, &key)) < 0)
            goto fail;
        cur = json_integer_value(kp_json_get(obj, "spec.count"));
        rv = parse_rv(obj);
        json_object_set_new(kp_json_obj_ensure(obj, "spec"), "count", json_integer(cur + 1));
        rc = kp_store_update(&out, w->st, &key, obj, rv);
        if (rc == 0) {
            w->key[w->n] = k;
            w->val[w->n] = cur + 1;
            w->rv[w->n] = parse_rv(out);
            w->succ[k]++;
            w->n++;
        } else if (rc == KP_ECONFLICT) {
            w->conflicts++;
        }
        json_decref(out);
        json_decref(obj);
        if (rc == 0 || rc == KP_ECONFLICT)
            continue;
    fail:
        w->err = rc;
        snprintf(w->errmsg, sizeof(w->errmsg), "%s", kp_err_msg());
        break;
    }
    return NULL;
}

static const rec_ev *ev_by_rv(const recorder *r, int64_t rv)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].rv < rv)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n && r->v[lo].rv == rv ? &r->v[lo] : NULL;
}

static void test_concurrent_rmw(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    rmw_worker w[RMW_THREADS];
    pthread_t th[RMW_THREADS];
    pthread_barrier_t start;
    int per = updates_per_thread();
    int64_t total = 0, succ[RMW_KEYS] = {0}, next[RMW_KEYS], last_rv[RMW_KEYS] = {0};
    int64_t *all_rvs, nmod = 0;
    long conflicts = 0;
    kp_store_stats stats;
    struct timespec t0, t1;
    size_t k = 0;

    kp_store_subscribe(st, rec_fn, &f->rec);
    for (int i = 0; i < RMW_KEYS; i++) {
        kp_key key = {"c1", "/counters", "default", ctr_names[i]};
        json_t *o = obj_new("default", ctr_names[i], "rmw");
        json_object_set_new(o, "spec", json_pack("{s:i}", "count", 0));
        assert_rc(kp_store_create(NULL, st, &key, o), 0);
        json_decref(o);
    }

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_barrier_init(&start, NULL, RMW_THREADS);
    for (int t = 0; t < RMW_THREADS; t++) {
        memset(&w[t], 0, sizeof(w[t]));
        w[t].st = st;
        w[t].start = &start;
        w[t].seed = 0x9e3779b9u * (unsigned)(t + 1);
        w[t].target = per;
        w[t].key = kp_calloc((size_t)per, sizeof(int));
        w[t].val = kp_calloc((size_t)per, sizeof(int64_t));
        w[t].rv = kp_calloc((size_t)per, sizeof(int64_t));
        assert_int_equal(pthread_create(&th[t], NULL, rmw_main, &w[t]), 0);
    }
    for (int t = 0; t < RMW_THREADS; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&start);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    for (int t = 0; t < RMW_THREADS; t++) {
        if (w[t].err)
            fail_msg("writer %d stopped after %d updates: %s: %s", t, w[t].n, rc_name(w[t].err),
                     w[t].errmsg);
        assert_int_equal(w[t].n, per);
        total += w[t].n;
        conflicts += w[t].conflicts;
        for (int i = 0; i < RMW_KEYS; i++)
            succ[i] += w[t].succ[i];
    }
    assert_int_equal(total, (int64_t)RMW_THREADS * per);

    /* The stream: the 4 creates, then strictly increasing rvs, one MODIFIED per success, and
     * each counter counting 1, 2, 3, ... in order. */
    pthread_mutex_lock(&f->rec.mu);
    assert_int_equal(f->rec.n, RMW_KEYS + total);
    for (int i = 0; i < RMW_KEYS; i++) {
        assert_int_equal(f->rec.v[i].type, KP_EV_ADDED);
        assert_string_equal(f->rec.v[i].name, ctr_names[i]);
        assert_int_equal(f->rec.v[i].count, 0);
        next[i] = 1;
    }
    for (size_t i = 0; i < f->rec.n; i++) {
        const rec_ev *e = &f->rec.v[i];
        int ki = -1;
        if (i > 0 && e->rv <= f->rec.v[i - 1].rv)
            fail_msg("event %zu has rv %lld after %lld", i, (long long)e->rv,
                     (long long)f->rec.v[i - 1].rv);
        assert_true(e->rv_match);
        if (i < RMW_KEYS)
            continue;
        assert_int_equal(e->type, KP_EV_MODIFIED);
        nmod++;
        for (int j = 0; j < RMW_KEYS; j++)
            if (strcmp(e->name, ctr_names[j]) == 0)
                ki = j;
        assert_true(ki >= 0);
        if (e->count != next[ki])
            fail_msg("%s: event rv %lld has count %lld, want %lld", e->name, (long long)e->rv,
                     (long long)e->count, (long long)next[ki]);
        next[ki]++;
        last_rv[ki] = e->rv;
    }
    assert_int_equal(nmod, total);
    for (int i = 0; i < RMW_KEYS; i++)
        assert_int_equal(next[i] - 1, succ[i]);

    /* Every rv a writer got back is one MODIFIED event of that key with that value. */
    all_rvs = kp_calloc((size_t)total, sizeof(*all_rvs));
    for (int t = 0; t < RMW_THREADS; t++)
        for (int i = 0; i < w[t].n; i++) {
            const rec_ev *e = ev_by_rv(&f->rec, w[t].rv[i]);
            if (!e || e->type != KP_EV_MODIFIED || strcmp(e->name, ctr_names[w[t].key[i]]) != 0 ||
                e->count != w[t].val[i])
                fail_msg("writer %d's update %d (rv %lld, %s=%lld) is not in the stream", t, i,
                         (long long)w[t].rv[i], ctr_names[w[t].key[i]], (long long)w[t].val[i]);
            all_rvs[k++] = w[t].rv[i];
        }
    qsort(all_rvs, k, sizeof(*all_rvs), cmp_i64);
    for (size_t i = 1; i < k; i++)
        if (all_rvs[i] == all_rvs[i - 1])
            fail_msg("rv %lld was returned to two updates", (long long)all_rvs[i]);
    assert_int_equal(kp_store_current_rv(st), f->rec.v[f->rec.n - 1].rv);
    pthread_mutex_unlock(&f->rec.mu);

    /* No lost update: each counter equals its number of successful increments. */
    for (int i = 0; i < RMW_KEYS; i++) {
        kp_key key = {"c1", "/counters", "default", ctr_names[i]};
        json_t *got = NULL;
        assert_rc(kp_store_get(&got, st, &key), 0);
        assert_int_equal(json_integer_value(kp_json_get(got, "spec.count")), succ[i]);
        assert_int_equal(rv_of(got), last_rv[i]);
        json_decref(got);
    }

    kp_store_get_stats(&stats, st);
    assert_true(stats.batches >= 1);
    assert_true(stats.batches <= stats.mutations);
    assert_int_equal(stats.mutations, (uint64_t)(RMW_KEYS + total + conflicts));
    printf("# rmw: %d writers x %d updates on %d keys in %.1f s; %ld conflicts retried;"
           " %llu mutations in %llu batches (%.2f per batch); counters %lld/%lld/%lld/%lld\n",
           RMW_THREADS, per, RMW_KEYS,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, conflicts,
           (unsigned long long)stats.mutations, (unsigned long long)stats.batches,
           (double)stats.mutations / (double)stats.batches, (long long)succ[0], (long long)succ[1],
           (long long)succ[2], (long long)succ[3]);
    printf("# rmw batch sizes 1,2-3,4-7,8-15,16-31,32-63,64-127,128+:");
    for (int i = 0; i < 8; i++)
        printf(" %llu", (unsigned long long)stats.batch_size_hist[i]);
    printf("\n");
    fflush(stdout);

    free(all_rvs);
    for (int t = 0; t < RMW_THREADS; t++) {
        free(w[t].key);
        free(w[t].val);
        free(w[t].rv);
    }
}

/* ---- 6. PostgreSQL down and back ---- */

static void pg_restart(void)
{
    if (kp_test_pg_up() < 0)
        fail_msg("cannot restart PostgreSQL: %s", kp_err_msg());
}

typedef struct {
    kp_store *st;
    pthread_barrier_t *start;
    int fails;
    int first_err;
} read_worker;

static void *read_main(void *arg)
{
    read_worker *r = arg;
    kp_key k = {"c1", "/configmaps", "default", "before"};
    pthread_barrier_wait(r->start);
    for (int i = 0; i < 25; i++) {
        json_t *got = NULL;
        int rc = kp_store_get(&got, r->st, &k);
        if (rc < 0) {
            r->fails++;
            if (!r->first_err)
                r->first_err = rc;
        }
        json_decref(got);
    }
    return NULL;
}

/* Concurrent reads that use every pool connection; returns how many failed. */
static int read_burst(kp_store *st)
{
    read_worker r[8];
    pthread_t th[8];
    pthread_barrier_t start;
    int fails = 0;

    pthread_barrier_init(&start, NULL, 8);
    for (int t = 0; t < 8; t++) {
        memset(&r[t], 0, sizeof(r[t]));
        r[t].st = st;
        r[t].start = &start;
        assert_int_equal(pthread_create(&th[t], NULL, read_main, &r[t]), 0);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(th[t], NULL);
        fails += r[t].fails;
    }
    pthread_barrier_destroy(&start);
    return fails;
}

/* ---- the event log: resume, bulk delete, compaction ---- */

static void test_event_log(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    kp_store_event *evs = NULL;
    size_t n = 0;
    int64_t first, last, floor_rv = 0;
    char name[32];

    first = kp_store_current_rv(st);
    for (int i = 0; i < 10; i++) {
        kp_key k = {"c1", "/configmaps", i < 6 ? "a" : "b", name};
        json_t *o;
        snprintf(name, sizeof(name), "cm%d", i);
        o = obj_new(k.ns, name, "x");
        assert_rc(kp_store_create(NULL, st, &k, o), 0);
        json_decref(o);
    }
    last = kp_store_current_rv(st);
    assert_int_equal(last - first, 10);

    /* resume from the middle: exactly the later events, in order */
    assert_rc(kp_store_events_since(&evs, &n, st, "c1", "/configmaps", first + 4, last), 0);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(evs[i].rv, first + 5 + (int64_t)i);
        assert_int_equal(evs[i].type, KP_EV_ADDED);
    }
    kp_store_events_free(evs, n);

    /* one statement deletes a namespace's objects, one DELETED event each, consecutive rvs */
    assert_int_equal(kp_store_delete_all(st, "c1", "a", NULL), 6);
    assert_int_equal(kp_store_current_rv(st), last + 6);
    assert_rc(kp_store_events_since(&evs, &n, st, "c1", "/configmaps", last, last + 6), 0);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(evs[i].type, KP_EV_DELETED);
        assert_string_equal(evs[i].key.ns, "a");
        assert_int_equal(rv_of(evs[i].obj), evs[i].rv); /* the object carries the delete's rv */
    }
    kp_store_events_free(evs, n);
    {
        int64_t count = -1;
        assert_rc(kp_store_count(&count, st, "c1", "/configmaps", NULL), 0);
        assert_int_equal(count, 4);
    }

    /* compaction keeps the newest 3: older resumes are 410 Expired, newer ones work */
    assert_rc(kp_store_compact(&floor_rv, st, 3600, 3), 0);
    assert_int_equal(floor_rv, kp_store_current_rv(st) - 3);
    assert_rc(kp_store_events_since(&evs, &n, st, "c1", "/configmaps", first, last + 6),
              KP_EEXPIRED);
    assert_null(evs);
    assert_rc(kp_store_events_since(&evs, &n, st, "c1", "/configmaps", floor_rv, last + 6), 0);
    assert_int_equal(n, 3);
    kp_store_events_free(evs, n);

    /* the newest event always stays, however hard it is compacted */
    assert_rc(kp_store_compact(&floor_rv, st, 0, 0), 0);
    assert_int_equal(floor_rv, kp_store_current_rv(st) - 1);
    assert_rc(
        kp_store_events_since(&evs, &n, st, "c1", "/configmaps", floor_rv, kp_store_current_rv(st)),
        0);
    assert_int_equal(n, 1);
    kp_store_events_free(evs, n);
}

static void test_db_down_and_back(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    kp_key k = {"c1", "/configmaps", "default", "before"};
    kp_key k2 = {"c1", "/configmaps", "default", "during"};
    kp_key k3 = {"c1", "/configmaps", "default", "after"};
    json_t *o = obj_new("default", "before", "down"), *got = NULL, *items = NULL;
    int64_t rv_before, rv, cnt;
    bool more;
    int fails;

    assert_rc(kp_store_ping(st), 0);
    assert_rc(kp_store_create(NULL, st, &k, o), 0);
    rv_before = kp_store_current_rv(st);
    assert_int_equal(read_burst(st), 0); /* every pool connection has been used */

    /* Down: every call answers KP_EUNAVAILABLE (first on the stale connections, then on the
     * failed reconnects), none crashes or hangs. */
    assert_rc(kp_test_pg_down(), 0);
    assert_rc(kp_store_ping(st), KP_EUNAVAILABLE);
    assert_rc(kp_store_ping(st), KP_EUNAVAILABLE);
    assert_rc(kp_store_create(NULL, st, &k2, o), KP_EUNAVAILABLE);
    assert_true(kp_err_msg()[0] != '\0');
    assert_rc(kp_store_create(NULL, st, &k2, o), KP_EUNAVAILABLE);
    assert_rc(kp_store_update(NULL, st, &k, o, 0), KP_EUNAVAILABLE);
    assert_rc(kp_store_delete(NULL, st, &k, 0), KP_EUNAVAILABLE);
    assert_rc(kp_store_get(&got, st, &k), KP_EUNAVAILABLE);
    {
        kp_store_list_opts lo = {"c1", "/configmaps", NULL, NULL, NULL, 0, NULL};
        assert_rc(kp_store_list(&items, &rv, &more, st, &lo), KP_EUNAVAILABLE);
        assert_null(items);
    }
    assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", NULL), KP_EUNAVAILABLE);
    assert_int_equal(kp_store_current_rv(st), rv_before);

    /* Back: the store reconnects and works; rvs go on from where they were. */
    pg_restart();
    assert_rc(kp_store_ping(st), 0);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_string_equal(owner_of(got), "down");
    json_decref(got);
    assert_rc(kp_store_create(NULL, st, &k3, o), 0);
    assert_true(kp_store_current_rv(st) > rv_before);
    assert_rc(kp_store_get(&got, st, &k2), KP_ENOTFOUND); /* the failed creates left nothing */
    assert_rc(kp_store_count(&cnt, st, "c1", "/configmaps", NULL), 0);
    assert_int_equal(cnt, 2);
    fails = read_burst(st);
    printf("# after restart (requests failed while down): %d of 200 concurrent reads failed\n",
           fails);
    fflush(stdout);
    assert_int_equal(fails, 0);

    /* A restart while the store is idle: the first requests afterwards must not fail on
     * connections that died while nobody used them. */
    rv_before = kp_store_current_rv(st);
    assert_rc(kp_test_pg_down(), 0);
    pg_restart();
    assert_rc(kp_store_ping(st), 0);
    assert_rc(kp_store_update(NULL, st, &k, o, 0), 0);
    assert_true(kp_store_current_rv(st) > rv_before);
    fails = read_burst(st);
    printf("# after an idle restart: %d of 200 concurrent reads failed\n", fails);
    fflush(stdout);
    assert_int_equal(fails, 0);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_int_equal(rv_of(got), kp_store_current_rv(st));
    json_decref(got);
    json_decref(o);
}

/* ---- 8. quotas: exact usage per logical cluster, limits enforced by the writer ---- */

/* A ConfigMap in namespace ns of cluster with pad bytes of filler data. */
static int quota_create(kp_store *st, const char *cluster, const char *ns, const char *name,
                        size_t pad)
{
    kp_key k = {cluster, "/configmaps", ns, name};
    json_t *o = obj_new(ns, name, "q");
    int rc;

    if (pad) {
        char *s = kp_malloc(pad + 1);
        memset(s, 'x', pad);
        s[pad] = '\0';
        json_object_set_new(json_object_get(o, "data"), "pad", json_string(s));
        free(s);
    }
    rc = kp_store_create(NULL, st, &k, o);
    json_decref(o);
    return rc;
}

/* The usage the store reports for cluster must be exactly what its objects add up to: their
 * count and bytes in the table, and the length of each object's JSON as it was stored (a
 * compact dump of what the store gives back). Returns the object count. */
static int64_t quota_check_usage(store_fx *f, const char *cluster)
{
    int64_t objects = -1, bytes = -1, dumped = 0, rv;
    char *sql, *v, *want;
    json_t *items = NULL, *it;
    bool more;
    size_t i;
    kp_store_list_opts lo = {cluster, "/configmaps", NULL, NULL, NULL, 0, NULL};

    assert_rc(kp_store_usage(&objects, &bytes, f->st, cluster), 0);
    sql = kp_asprintf("SELECT count(*) || ',' || coalesce(sum(bytes), 0) FROM objects"
                      " WHERE cluster = '%s'",
                      cluster);
    v = sql_run(f->conninfo, sql);
    want = kp_asprintf("%lld,%lld", (long long)objects, (long long)bytes);
    if (strcmp(v, want) != 0)
        fail_msg("usage of %s is %s, but its objects add up to %s", cluster, want, v);
    free(sql);
    free(v);
    free(want);
    /* every object here is a ConfigMap: their stored lengths add up to the bytes */
    assert_rc(kp_store_list(&items, &rv, &more, f->st, &lo), 0);
    assert_int_equal(json_array_size(items), (size_t)objects);
    json_array_foreach(items, i, it)
    {
        size_t len = 0;
        char *text = kp_json_dump(it, &len);
        dumped += (int64_t)len;
        free(text);
    }
    json_decref(items);
    assert_int_equal(dumped, bytes);
    return objects;
}

static void assert_msg_has(const char *what)
{
    if (!strstr(kp_err_msg(), what))
        fail_msg("the message should contain \"%s\": %s", what, kp_err_msg());
}

static void test_quota_objects(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    kp_key k = {"q1", "/configmaps", "default", "cm-6"};
    json_t *got = NULL;
    int64_t objects = -1, bytes = -1, rv;
    size_t nev;
    char name[32];

    kp_store_subscribe(st, rec_fn, &f->rec);
    /* nothing stored yet: zero, not an error */
    assert_rc(kp_store_usage(&objects, &bytes, st, "q1"), 0);
    assert_int_equal(objects, 0);
    assert_int_equal(bytes, 0);

    kp_store_set_limits(st, "q1", 5, 0);
    for (int i = 1; i <= 5; i++) {
        snprintf(name, sizeof(name), "cm-%d", i);
        assert_rc(quota_create(st, "q1", "default", name, 0), 0);
    }
    assert_int_equal(quota_check_usage(f, "q1"), 5); /* the limit is reached exactly */

    /* the 6th is refused: 403 naming the limit, nothing stored, no event, no rv used */
    rv = kp_store_current_rv(st);
    nev = f->rec.n;
    assert_rc(quota_create(st, "q1", "default", "cm-6", 0), KP_EFORBIDDEN);
    assert_msg_has("exceeded quota");
    assert_msg_has("at most 5 objects");
    assert_rc(kp_store_get(&got, st, &k), KP_ENOTFOUND);
    assert_int_equal(kp_store_current_rv(st), rv);
    assert_int_equal(f->rec.n, nev);
    assert_int_equal(quota_check_usage(f, "q1"), 5);
    {
        kp_store_stats s;
        kp_store_get_stats(&s, st);
        assert_int_equal(s.quota_rejections, 1);
    }

    /* another cluster is not affected, nor does it see q1's usage */
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "other-%d", i);
        assert_rc(quota_create(st, "q2", "default", name, 0), 0);
    }
    assert_int_equal(quota_check_usage(f, "q2"), 12);

    /* deleting one makes room for exactly one more */
    {
        kp_key d = {"q1", "/configmaps", "default", "cm-1"};
        assert_rc(kp_store_delete(NULL, st, &d, 0), 0);
    }
    assert_int_equal(quota_check_usage(f, "q1"), 4);
    assert_rc(quota_create(st, "q1", "default", "cm-6", 0), 0);
    assert_rc(quota_create(st, "q1", "default", "cm-7", 0), KP_EFORBIDDEN);
    assert_int_equal(quota_check_usage(f, "q1"), 5);

    /* a duplicate name stays 409, also at the limit */
    assert_rc(quota_create(st, "q1", "default", "cm-6", 0), KP_EEXISTS);

    /* raised: more fit; 0: unlimited */
    kp_store_set_limits(st, "q1", 6, 0);
    assert_rc(quota_create(st, "q1", "default", "cm-7", 0), 0);
    assert_rc(quota_create(st, "q1", "default", "cm-8", 0), KP_EFORBIDDEN);
    assert_msg_has("at most 6 objects");
    kp_store_set_limits(st, "q1", 0, 0);
    assert_rc(quota_create(st, "q1", "default", "cm-8", 0), 0);
    assert_int_equal(quota_check_usage(f, "q1"), 7);

    /* the default applies to a cluster without limits of its own, and to one set back to it */
    kp_store_set_default_limits(st, 3, 0);
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "d-%d", i);
        assert_rc(quota_create(st, "q3", "default", name, 0), 0);
    }
    assert_rc(quota_create(st, "q3", "default", "d-3", 0), KP_EFORBIDDEN);
    assert_msg_has("at most 3 objects");
    kp_store_set_limits(st, "q1", KP_STORE_LIMIT_DEFAULT, KP_STORE_LIMIT_DEFAULT);
    assert_rc(quota_create(st, "q1", "default", "cm-9", 0), KP_EFORBIDDEN);
    /* over its limit now: updates and deletes still work */
    assert_rc(kp_store_get(&got, st, &k), 0);
    json_object_set_new(json_object_get(got, "data"), "owner", json_string("r"));
    assert_rc(kp_store_update(NULL, st, &k, got, 0), 0);
    json_decref(got);
    assert_rc(kp_store_delete(NULL, st, &k, 0), 0);
    assert_int_equal(quota_check_usage(f, "q1"), 6);
    /* root-like: explicitly unlimited in spite of the default */
    kp_store_set_limits(st, "q4", 0, 0);
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "u-%d", i);
        assert_rc(quota_create(st, "q4", "default", name, 0), 0);
    }
    assert_int_equal(quota_check_usage(f, "q3"), 3);
    assert_int_equal(quota_check_usage(f, "q4"), 5);
}

static void test_quota_bytes(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    kp_key big = {"b1", "/configmaps", "default", "big"};
    kp_key k = {"b1", "/configmaps", "default", "grow"};
    json_t *got = NULL, *o;
    int64_t objects, bytes, before;

    kp_store_set_limits(st, "b1", 0, 4096);
    assert_rc(quota_create(st, "b1", "default", "small-1", 100), 0);
    assert_rc(quota_create(st, "b1", "default", "small-2", 100), 0);
    assert_rc(quota_create(st, "b1", "default", "grow", 100), 0);
    quota_check_usage(f, "b1");
    assert_rc(kp_store_usage(&objects, &bytes, st, "b1"), 0);
    before = bytes;

    /* one large object does not fit: 403 naming the byte limit, nothing stored */
    assert_rc(quota_create(st, "b1", "default", "big", 5000), KP_EFORBIDDEN);
    assert_msg_has("exceeded quota");
    assert_msg_has("at most 4096 bytes");
    assert_rc(kp_store_get(&got, st, &big), KP_ENOTFOUND);
    assert_rc(kp_store_usage(&objects, &bytes, st, "b1"), 0);
    assert_int_equal(bytes, before);
    assert_int_equal(objects, 3);
    /* one that fits exactly is allowed */
    {
        size_t len = 0;
        json_t *probe = obj_new("default", "fits", "q");
        char *text, *s;
        int64_t pad;
        json_object_set_new(json_object_get(probe, "data"), "pad", json_string(""));
        json_object_set_new(kp_json_obj_ensure(probe, "metadata"), "resourceVersion",
                            json_string("0"));
        text = kp_json_dump(probe, &len);
        free(text);
        json_decref(probe);
        /* the rv the store writes: the next one, and one more digit at most */
        {
            char rvs[24];
            snprintf(rvs, sizeof(rvs), "%lld", (long long)kp_store_current_rv(st) + 1);
            len += strlen(rvs) - 1;
        }
        pad = 4096 - before - (int64_t)len;
        assert_true(pad > 0);
        s = kp_malloc((size_t)pad + 2);
        memset(s, 'y', (size_t)pad + 1);
        s[pad + 1] = '\0';
        /* one byte too many, then exactly up to the limit */
        o = obj_new("default", "fits", "q");
        json_object_set_new(json_object_get(o, "data"), "pad", json_string(s));
        {
            kp_key kf = {"b1", "/configmaps", "default", "fits"};
            assert_rc(kp_store_create(NULL, st, &kf, o), KP_EFORBIDDEN);
            s[pad] = '\0';
            json_object_set_new(json_object_get(o, "data"), "pad", json_string(s));
            assert_rc(kp_store_create(NULL, st, &kf, o), 0);
        }
        json_decref(o);
        free(s);
    }
    assert_rc(kp_store_usage(&objects, &bytes, st, "b1"), 0);
    assert_int_equal(bytes, 4096);
    quota_check_usage(f, "b1");
    /* full: not one more byte, but an object of the same size replaces another */
    assert_rc(quota_create(st, "b1", "default", "tiny", 0), KP_EFORBIDDEN);

    /* an update growing past the limit is refused and changes nothing */
    assert_rc(kp_store_get(&got, st, &k), 0);
    {
        char grown[301];
        memset(grown, 'z', 300);
        grown[300] = '\0';
        json_object_set_new(json_object_get(got, "data"), "pad", json_string(grown));
    }
    assert_rc(kp_store_update(NULL, st, &k, got, 0), KP_EFORBIDDEN);
    assert_msg_has("at most 4096 bytes");
    json_decref(got);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_int_equal(strlen(kp_json_get_str(got, "data.pad")), 100);
    /* shrinking is allowed, also while over a (lowered) limit */
    kp_store_set_limits(st, "b1", 0, 1000);
    json_object_set_new(json_object_get(got, "data"), "pad", json_string("short"));
    assert_rc(kp_store_update(NULL, st, &k, got, 0), 0);
    json_decref(got);
    assert_rc(kp_store_get(&got, st, &k), 0);
    assert_string_equal(kp_json_get_str(got, "data.pad"), "short");
    json_decref(got);
    assert_rc(kp_store_usage(&objects, &bytes, st, "b1"), 0);
    assert_true(bytes > 1000 && bytes < 4096);
    quota_check_usage(f, "b1");
    /* deletes always work */
    assert_rc(kp_store_delete(NULL, st, &k, 0), 0);
    quota_check_usage(f, "b1");
}

static void test_quota_bulk_delete(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    int64_t objects, bytes, b_before;
    char name[32];

    kp_store_set_limits(st, "d1", 10, 0);
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "a-%d", i);
        assert_rc(quota_create(st, "d1", "a", name, 50), 0);
        snprintf(name, sizeof(name), "b-%d", i);
        assert_rc(quota_create(st, "d1", "b", name, 70), 0);
    }
    {
        kp_key s = {"d1", "/secrets", "b", "s"};
        json_t *o = obj_new("b", "s", "q");
        assert_rc(kp_store_create(NULL, st, &s, o), 0);
        json_decref(o);
    }
    assert_rc(kp_store_usage(&objects, &bytes, st, "d1"), 0);
    assert_int_equal(objects, 9);
    b_before = bytes;
    assert_rc(quota_create(st, "d1", "a", "x-1", 0), 0);
    assert_rc(quota_create(st, "d1", "a", "x-2", 0), KP_EFORBIDDEN);

    /* a namespace's objects, all in one statement: the usage drops by exactly them */
    assert_int_equal(kp_store_delete_all(st, "d1", "a", NULL), 5);
    assert_rc(kp_store_usage(&objects, &bytes, st, "d1"), 0);
    assert_int_equal(objects, 5);
    assert_true(bytes < b_before);
    {
        char *v = sql_run(f->conninfo, "SELECT count(*) || ',' || sum(bytes) FROM objects"
                                       " WHERE cluster = 'd1'");
        char *want = kp_asprintf("%lld,%lld", (long long)objects, (long long)bytes);
        assert_string_equal(v, want);
        free(v);
        free(want);
    }
    /* and there is room again */
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "c-%d", i);
        assert_rc(quota_create(st, "d1", "c", name, 0), 0);
    }
    assert_rc(quota_create(st, "d1", "c", "c-5", 0), KP_EFORBIDDEN);
    /* sparing a resource subtracts only what went */
    assert_int_equal(kp_store_delete_all(st, "d1", "b", "/secrets"), 4);
    assert_rc(kp_store_usage(&objects, &bytes, st, "d1"), 0);
    assert_int_equal(objects, 6);
    /* nothing to delete: usage unchanged */
    assert_int_equal(kp_store_delete_all(st, "d1", "nothing-here", NULL), 0);
    assert_rc(kp_store_usage(&objects, &bytes, st, "d1"), 0);
    assert_int_equal(objects, 6);
    /* the whole cluster: back to zero */
    assert_int_equal(kp_store_delete_all(st, "d1", NULL, NULL), 6);
    assert_rc(kp_store_usage(&objects, &bytes, st, "d1"), 0);
    assert_int_equal(objects, 0);
    assert_int_equal(bytes, 0);
}

/* Many writers at once against a small limit, their creates batched together with failing
 * ones (taken names, values jsonb refuses, over the limit) and deletes: the limit holds
 * exactly and the usage of every cluster equals its objects afterwards. */
#define QB_THREADS 12
#define QB_OPS 40
#define QB_LIMIT 50

typedef struct {
    kp_store *st;
    pthread_barrier_t *start;
    int idx;
    int created, forbidden, deleted, other;
} qb_worker;

static void *qb_main(void *arg)
{
    qb_worker *w = arg;
    char name[32];

    pthread_barrier_wait(w->start);
    for (int i = 0; i < QB_OPS; i++) {
        kp_key k = {"qb", "/configmaps", "default", name};
        json_t *o;
        int rc;
        switch (i % 5) {
        case 0: /* a name another thread takes too */
            snprintf(name, sizeof(name), "shared-%d", i);
            break;
        case 4: /* delete what this thread made before */
            snprintf(name, sizeof(name), "t%d-%d", w->idx, i - 3);
            rc = kp_store_delete(NULL, w->st, &k, 0);
            if (rc == 0)
                w->deleted++;
            continue;
        default:
            snprintf(name, sizeof(name), "t%d-%d", w->idx, i);
        }
        o = obj_new("default", name, "qb");
        if (i % 5 == 2) /* jsonb cannot hold \u0000: a real SQL error in this savepoint */
            json_object_set_new(json_object_get(o, "data"), "bad", json_stringn("a\0b", 3));
        else if (i % 5 == 3)
            json_object_set_new(json_object_get(o, "data"), "pad", json_string("0123456789"));
        rc = kp_store_create(NULL, w->st, &k, o);
        json_decref(o);
        if (rc == 0)
            w->created++;
        else if (rc == KP_EFORBIDDEN)
            w->forbidden++;
        else
            w->other++;
        /* every thread also writes to its own unlimited cluster in the same batches */
        {
            char cl[16];
            kp_key k2 = {cl, "/configmaps", "default", name};
            snprintf(cl, sizeof(cl), "own-%d", w->idx);
            o = obj_new("default", name, "qb");
            if (kp_store_create(NULL, w->st, &k2, o) != 0)
                w->other += 1000; /* never */
            json_decref(o);
        }
    }
    return NULL;
}

static void test_quota_batch(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    qb_worker w[QB_THREADS];
    pthread_t th[QB_THREADS];
    pthread_barrier_t start;
    int created = 0, forbidden = 0, deleted = 0;
    int64_t objects, bytes;
    kp_store_stats s0, s1;
    char *v;

    kp_store_get_stats(&s0, st);
    kp_store_set_limits(st, "qb", QB_LIMIT, 0);
    pthread_barrier_init(&start, NULL, QB_THREADS);
    for (int t = 0; t < QB_THREADS; t++) {
        memset(&w[t], 0, sizeof(w[t]));
        w[t].st = st;
        w[t].start = &start;
        w[t].idx = t;
        assert_int_equal(pthread_create(&th[t], NULL, qb_main, &w[t]), 0);
    }
    for (int t = 0; t < QB_THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_true(w[t].other < 1000);
        created += w[t].created;
        forbidden += w[t].forbidden;
        deleted += w[t].deleted;
    }
    pthread_barrier_destroy(&start);
    kp_store_get_stats(&s1, st);
    printf("# quota batch: %d created, %d refused by the quota, %d deleted; %llu mutations in "
           "%llu batches\n",
           created, forbidden, deleted, (unsigned long long)(s1.mutations - s0.mutations),
           (unsigned long long)(s1.batches - s0.batches));
    fflush(stdout);
    assert_true(forbidden > 0); /* the limit was reached */
    assert_int_equal(s1.quota_rejections - s0.quota_rejections, (uint64_t)forbidden);
    assert_rc(kp_store_usage(&objects, &bytes, st, "qb"), 0);
    assert_int_equal(objects, created - deleted);
    assert_true(objects <= QB_LIMIT);
    quota_check_usage(f, "qb");
    for (int t = 0; t < QB_THREADS; t++) {
        char cl[16];
        snprintf(cl, sizeof(cl), "own-%d", t);
        quota_check_usage(f, cl);
    }
    /* the whole table agrees with the objects, cluster by cluster */
    v = sql_run(f->conninfo,
                "SELECT count(*) FROM cluster_usage u FULL JOIN (SELECT cluster, count(*) AS n,"
                " sum(bytes) AS b FROM objects GROUP BY cluster) o USING (cluster)"
                " WHERE coalesce(o.n, 0) <> coalesce(u.objects, -1)"
                " OR coalesce(o.b, 0) <> coalesce(u.bytes, -1)");
    assert_string_equal(v, "0");
    free(v);
}

/* A database from before quotas: the migration counts what it already holds. */
static void test_quota_migration(void **state)
{
    store_fx *f = *state;
    char name[32], *v;
    int64_t objects, bytes;

    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof(name), "old-%d", i);
        assert_rc(quota_create(f->st, i < 4 ? "m1" : "m2", "default", name, (size_t)i * 10), 0);
    }
    kp_store_free(f->st);
    f->st = NULL;
    /* back to schema 3, as an older kplane left it */
    free(sql_run(f->conninfo, "DROP INDEX objects_by_owner; DROP INDEX objects_gc_pending;"
                              "DROP TABLE cluster_usage; ALTER TABLE objects DROP COLUMN bytes;"
                              "UPDATE kplane_schema SET version = 3"));
    assert_rc(open_store(&f->st, f->conninfo, 2), 0);
    assert_rc(kp_store_usage(&objects, &bytes, f->st, "m1"), 0);
    assert_int_equal(objects, 4);
    v = sql_run(f->conninfo, "SELECT sum(octet_length(value::text)) FROM objects"
                             " WHERE cluster = 'm1'");
    {
        char *want = kp_asprintf("%lld", (long long)bytes);
        assert_string_equal(v, want);
        free(want);
    }
    free(v);
    assert_rc(kp_store_usage(&objects, &bytes, f->st, "m2"), 0);
    assert_int_equal(objects, 3);
    /* and it is kept from there on */
    kp_store_set_limits(f->st, "m2", 4, 0);
    assert_rc(quota_create(f->st, "m2", "default", "new-1", 0), 0);
    assert_rc(quota_create(f->st, "m2", "default", "new-2", 0), KP_EFORBIDDEN);
    {
        kp_key k = {"m2", "/configmaps", "default", "old-5"};
        assert_rc(kp_store_delete(NULL, f->st, &k, 0), 0);
    }
    v = sql_run(f->conninfo, "SELECT objects || ',' || bytes FROM cluster_usage"
                             " WHERE cluster = 'm2'");
    {
        char *want = sql_run(f->conninfo, "SELECT count(*) || ',' || sum(bytes) FROM objects"
                                          " WHERE cluster = 'm2'");
        assert_string_equal(v, want);
        free(want);
    }
    free(v);
}

/* ---- 9. workspace quotas: from the tree to the store ---- */

static void ws_put(kp_store *st, const char *cluster, const char *resource, const char *name,
                   json_t *obj)
{
    kp_key k = {cluster, resource, "", name};
    assert_rc(kp_store_create(NULL, st, &k, obj), 0);
    json_decref(obj);
}

/* Creates objects in the workspace at path (resolving it first, as every request does) until
 * the store refuses one; returns how many were created. */
static int ws_fill(kp_ws *ws, kp_store *st, const char *path, const char *prefix, int max)
{
    char cluster[KP_WS_ID_LEN + 8], canon[KP_WS_PATH_MAX], name[48];
    int n = 0, rc = 0;

    while (n < max) {
        assert_rc(kp_ws_resolve(ws, path, cluster, canon), 0);
        snprintf(name, sizeof(name), "%s-%d", prefix, n);
        if ((rc = quota_create(st, cluster, "default", name, 0)) < 0)
            break;
        n++;
    }
    if (n < max && rc != KP_EFORBIDDEN)
        fail_msg("filling %s: %s (%s)", path, rc_name(rc), kp_err_msg());
    return n;
}

static void ws_observe_fn(void *arg, const kp_store_event *evs, size_t n)
{
    kp_ws_observe(arg, evs, n);
}

static void test_quota_workspaces(void **state)
{
    store_fx *f = *state;
    kp_store *st = f->st;
    kp_ws *ws = kp_ws_new(st, "https://127.0.0.1:1");
    char cluster[KP_WS_ID_LEN + 8], canon[KP_WS_PATH_MAX];
    json_t *w = NULL;
    kp_key kb = {"root", "tenancy.kplane.io/workspaces", "", "b"};

    kp_store_subscribe(st, ws_observe_fn, ws);
    kp_store_set_default_limits(st, 7, 0);
    /* a type with a small default; a, b and c of it or not, b with its own quota */
    ws_put(st, "root", "tenancy.kplane.io/workspacetypes", "small",
           json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:i}}}", "apiVersion", "tenancy.kplane.io/v1alpha1",
                     "kind", "WorkspaceType", "metadata", "name", "small", "spec", "defaultQuota",
                     "maxObjects", 3));
    ws_put(st, "root", "tenancy.kplane.io/workspaces", "a",
           json_pack("{s:{s:s}, s:{s:s, s:{s:s}}}", "metadata", "name", "a", "spec", "cluster",
                     "aaaaaaaaaaaaaaaa", "type", "name", "small"));
    ws_put(st, "root", "tenancy.kplane.io/workspaces", "b",
           json_pack("{s:{s:s}, s:{s:s, s:{s:s}, s:{s:i}}}", "metadata", "name", "b", "spec",
                     "cluster", "bbbbbbbbbbbbbbbb", "type", "name", "small", "quota", "maxObjects",
                     5));
    ws_put(st, "root", "tenancy.kplane.io/workspaces", "c",
           json_pack("{s:{s:s}, s:{s:s, s:{s:s}}}", "metadata", "name", "c", "spec", "cluster",
                     "cccccccccccccccc", "type", "name", "universal"));
    /* a child of a, reached by its id (its LogicalCluster names its path) */
    ws_put(st, "aaaaaaaaaaaaaaaa", "tenancy.kplane.io/workspaces", "d",
           json_pack("{s:{s:s}, s:{s:s, s:{s:i, s:i}}}", "metadata", "name", "d", "spec", "cluster",
                     "dddddddddddddddd", "quota", "maxObjects", 4, "maxBytes", 0));
    ws_put(
        st, "dddddddddddddddd", "tenancy.kplane.io/logicalclusters", "cluster",
        json_pack("{s:{s:s}, s:{s:s}}", "metadata", "name", "cluster", "spec", "path", "root:a:d"));

    /* the type's default: a holds its child's Workspace already, so 2 more */
    assert_int_equal(ws_fill(ws, st, "root:a", "cm", 100), 2);
    assert_msg_has("at most 3 objects");
    /* the Workspace's own quota wins over its type's */
    assert_int_equal(ws_fill(ws, st, "root:b", "cm", 100), 5);
    assert_msg_has("at most 5 objects");
    /* neither: the server's default */
    assert_int_equal(ws_fill(ws, st, "root:c", "cm", 100), 7);
    assert_msg_has("at most 7 objects");
    /* by id, with its LogicalCluster counted */
    assert_int_equal(ws_fill(ws, st, "dddddddddddddddd", "cm", 100), 3);
    assert_msg_has("at most 4 objects");
    assert_rc(kp_ws_resolve(ws, "root:a:d", cluster, canon), 0);
    assert_string_equal(cluster, "dddddddddddddddd");
    assert_rc(quota_create(st, cluster, "default", "by-path", 0), KP_EFORBIDDEN);
    /* root is unlimited whatever the default */
    assert_int_equal(ws_fill(ws, st, "root", "cm", 20), 20);

    /* raising b's quota applies to the next request (kp_ws_observe), not after the TTL */
    assert_rc(kp_store_get(&w, st, &kb), 0);
    json_object_set_new(kp_json_get(w, "spec.quota"), "maxObjects", json_integer(8));
    assert_rc(kp_store_update(NULL, st, &kb, w, 0), 0);
    json_decref(w);
    assert_int_equal(ws_fill(ws, st, "root:b", "more", 100), 3);
    assert_msg_has("at most 8 objects");
    /* and removing it falls back to the type's default (already exceeded: nothing more) */
    assert_rc(kp_store_get(&w, st, &kb), 0);
    json_object_del(json_object_get(w, "spec"), "quota");
    assert_rc(kp_store_update(NULL, st, &kb, w, 0), 0);
    json_decref(w);
    assert_int_equal(ws_fill(ws, st, "root:b", "again", 100), 0);
    assert_msg_has("at most 3 objects");
    /* a type's default changed: every workspace of it */
    {
        kp_key kt = {"root", "tenancy.kplane.io/workspacetypes", "", "small"};
        assert_rc(kp_store_get(&w, st, &kt), 0);
        json_object_set_new(kp_json_get(w, "spec.defaultQuota"), "maxObjects", json_integer(10));
        assert_rc(kp_store_update(NULL, st, &kt, w, 0), 0);
        json_decref(w);
    }
    assert_int_equal(ws_fill(ws, st, "root:a", "ten", 100), 7);
    assert_int_equal(ws_fill(ws, st, "root:b", "ten", 100), 2);
    kp_store_subscribe(st, NULL, NULL);
    kp_ws_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_crud, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_list, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch_isolation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_rmw, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_quota_objects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_quota_bytes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_quota_bulk_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_quota_batch, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_quota_migration, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_quota_workspaces, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_gc_scans, fx_setup, fx_teardown),
        /* last: it stops and restarts the server */
        cmocka_unit_test_setup_teardown(test_event_log, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_db_down_and_back, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("store", tests, group_setup, group_teardown);
}
