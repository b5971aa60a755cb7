/* gitops_int: private to the gitops agent (gitops.c: queue, thread, GitRepositories, drift
 * index; reconcile.c: Syncs). */
#ifndef KP_GITOPS_INT_H
#define KP_GITOPS_INT_H

#include "gitops/gitops.h"
#include "gitops/git.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* v is the string s. */
static inline bool go_str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

typedef enum { JOB_REPO = 1, JOB_SYNC, JOB_DRIFT, JOB_HOSTED, JOB_FETCHED } job_kind;

typedef struct go_job {
    struct go_job *next;
    job_kind kind;
    bool force;                /* a trigger, not an observed write: act even if unchanged */
    char *cluster, *ns, *name; /* JOB_HOSTED: name is the hosted repository */
    char *okey;                /* JOB_DRIFT: the object's index key */
    int64_t rv;                /* JOB_DRIFT: the event's resourceVersion */
    bool deleted;              /* JOB_DRIFT */
    int rc;                    /* JOB_FETCHED: the fetch's result, and its message */
    char *msg;
    int64_t generation; /* JOB_FETCHED: of the spec it fetched for */
} go_job;

#define GO_FETCH_THREADS 4 /* a server that never answers holds one of them */

/* A fetch of a remote repository, done on the fetch thread so that a slow or unreachable
 * server never holds up the worker (hosted and file:// repositories are fetched inline). */
typedef struct go_fetch {
    struct go_fetch *next;
    char *cluster, *ns, *name;
    char *url, *mdir, *spec_url;
    int64_t generation;
    kp_git_creds creds; /* owned copies, wiped when freed */
} go_fetch;

typedef struct repo_ent {
    struct repo_ent *next;
    char *cluster, *ns, *name;
    int64_t generation;
    char *hosted; /* the hosted repository it follows, or NULL */
    kp_git_repo *mirror;
    char sha[41]; /* the artifact, "" before the first good fetch */
    char *revision;
    int failures;
    bool fetching;    /* a go_fetch of it is on the fetch thread */
    json_t *spec;     /* the spec last acted on */
    int64_t interval; /* ms */
    int64_t next_ms;
    json_t *last_status; /* what we wrote last, to skip writes that change nothing */
} repo_ent;

typedef struct sync_ent {
    struct sync_ent *next;
    char *cluster, *ns, *name;
    int64_t generation;
    json_t *obj;       /* the Sync as last read */
    json_t *applied;   /* okey -> {"path": apply path, "object": ..., "rv": int} */
    json_t *inventory; /* [{apiVersion, kind, namespace, name}] of the last reconcile */
    char *applied_rev;
    bool ready;
    bool full;           /* the next reconcile applies every object, changed or not */
    int64_t applied_gen; /* the generation of the last successful reconcile */
    int64_t next_ms;
} sync_ent;

struct kp_gitops {
    char *data_dir;
    kp_client *client;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    go_job *head, *tail;               /* guarded by mu */
    bool stopping;                     /* guarded by mu */
    go_fetch *fetch_head, *fetch_tail; /* guarded by mu */
    pthread_cond_t fetch_cv;
    pthread_t fetch_threads[GO_FETCH_THREADS];
    int fetch_running;     /* threads started and not joined */
    json_t *drift;         /* guarded by mu: okey -> "ns/name" of the Sync */
    _Atomic size_t ndrift; /* its size, read without mu: most writes concern no Sync */
    /* worker thread only */
    repo_ent *repos;
    sync_ent *syncs;
};

/* gitops.c */
int64_t go_now_ms(void);
void go_queue(kp_gitops *g, job_kind kind, bool force, const char *cluster, const char *ns,
              const char *name);
repo_ent *go_repo_find(kp_gitops *g, const char *cluster, const char *ns, const char *name);
/* Sets status (consumed) on the object at path + "/status" when it differs from *last. */
int go_write_status(kp_gitops *g, const char *path, json_t *status, json_t **last);
/* A condition object. owned. */
json_t *go_condition(const char *type, bool status, const char *reason, const char *msg);
/* Posts a core/v1 Event about obj (kind, ns, name, uid read from it) in its namespace. */
void go_event(kp_gitops *g, const char *cluster, const json_t *obj, bool warning,
              const char *reason, const char *msg);
/* The drift index key of an object: "cluster|group|kind|ns|name". owned, free(). */
char *go_okey(const char *cluster, const json_t *obj);

/* reconcile.c */
void go_sync_job(kp_gitops *g, const go_job *j);
void go_drift_job(kp_gitops *g, const go_job *j);
void go_sync_free(sync_ent *s);
/* Queues the Syncs that follow repository r (force). */
void go_syncs_of_repo(kp_gitops *g, const repo_ent *r);

#endif
