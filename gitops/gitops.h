/* gitops: the GitOps agent. GitRepository and Sync objects (gitops.kplane.io/v1alpha1) in any
 * workspace: fetch (gitops/git.c, the only user of libgit2), render (YAML, a kustomize subset),
 * apply through the API with server-side apply (field manager kplane-gitops), prune, drift.
 * Repositories hosted by kplane live on disk as bare repositories (kp_gitops_hosted_dir) and
 * are served over Git smart HTTP by gitops/hosted.c. Any thread may call these functions. */
#ifndef KP_GITOPS_H
#define KP_GITOPS_H

#include <stddef.h>
#include <jansson.h>
#include "apiserver/client.h"
#include "apiserver/store.h"

typedef struct kp_gitops kp_gitops;

/* The identity the agent applies with (in group system:masters, like the garbage collector);
 * its field manager is KP_GITOPS_MANAGER. */
#define KP_GITOPS_USER "system:kplane:gitops"
#define KP_GITOPS_MANAGER "kplane-gitops"
#define KP_GITOPS_GROUP "gitops.kplane.io"
/* An object carrying this annotation with value "disabled" is never pruned. */
#define KP_GITOPS_PRUNE_ANN "gitops.kplane.io/prune"

typedef struct {
    const char *data_dir; /* mirrors live in <data_dir>/gitops/mirrors, hosted repos in git/ */
} kp_gitops_opts;

/* An agent that queues what kp_gitops_observe tells it until kp_gitops_start. owned, free with
 * kp_gitops_free() (after the store's writer stopped: it may still call kp_gitops_observe). */
kp_gitops *kp_gitops_new(const kp_gitops_opts *opts);
/* Lists every GitRepository and Sync, then works on threads of its own, calling the API
 * through client (borrowed; valid until kp_gitops_stop). */
int kp_gitops_start(kp_gitops *g, kp_client *client);
/* Finishes the job at hand and stops the threads. NULL is fine. */
void kp_gitops_stop(kp_gitops *g);
void kp_gitops_free(kp_gitops *g);
/* Committed events (on the store's writer thread: only queues). NULL g is fine. */
void kp_gitops_observe(kp_gitops *g, const kp_store_event *evs, size_t n);

/* Admission of a GitRepository or Sync (kind) create or update: defaults (GitRepository
 * spec.interval 1m; Sync spec.path "./", spec.prune true, spec.interval 10m) and validation.
 * 0, or KP_EINVALID with one kp_err_cause per problem and Kubernetes' 422 message. */
int kp_gitops_admit(const char *kind, json_t *obj);

/* The bare repository of the hosted repository <name> of a workspace (its logical cluster id):
 * <data_dir>/git/<cluster>/<name>.git. owned, free(). */
char *kp_gitops_hosted_dir(const char *data_dir, const char *cluster, const char *name);

/* A push to the hosted repository <name> of workspace cluster was accepted: every
 * GitRepository that follows it fetches now and its Syncs reconcile. Never blocks; NULL g is
 * fine. */
void kp_gitops_hosted_pushed(kp_gitops *g, const char *cluster, const char *name);

/* A verified webhook for GitRepository ns/name of workspace cluster: fetch now. Never blocks;
 * NULL g is fine. */
void kp_gitops_repo_changed(kp_gitops *g, const char *cluster, const char *ns, const char *name);

#endif
