/* gitops: the GitOps agent. GitRepository and Sync objects (gitops.kplane.io/v1alpha1) in any
 * workspace: fetch (gitops/git.c, the only user of libgit2), render (YAML, a kustomize subset),
 * apply through the API with server-side apply (field manager kplane-gitops), prune, drift.
 * Repositories hosted by kplane live on disk as bare repositories (kp_gitops_hosted_dir) and
 * are served over Git smart HTTP by gitops/hosted.c. Any thread may call these functions. */
#ifndef KP_GITOPS_H
#define KP_GITOPS_H

typedef struct kp_gitops kp_gitops;

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
