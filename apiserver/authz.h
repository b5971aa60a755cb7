/* authz: the RBAC authorizer, Kubernetes' plugin/pkg/auth/authorizer/rbac evaluated per logical
 * cluster (workspace). It reads Roles, ClusterRoles and their bindings through the store once
 * per cluster and keeps them as an immutable, refcounted snapshot (ClusterRole aggregation
 * already applied), so a check costs no query; at most KP_AUTHZ_CLUSTERS_MAX clusters are
 * cached, the least recently used go first. Any thread may call it. */
#ifndef KP_AUTHZ_H
#define KP_AUTHZ_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "apiserver/store.h"

#define KP_AUTHZ_CLUSTERS_MAX 4096 /* cached clusters before the least recently used goes */

typedef struct kp_authz kp_authz;

/* Who asks. groups are as authentication found them: a ServiceAccount's user carries
 * system:serviceaccounts and system:serviceaccounts:<ns> itself. Strings are borrowed. */
typedef struct {
    const char *name;
    const char *const *groups;
    size_t ngroups;
} kp_authz_user;

/* What is asked (Kubernetes' authorizer.Attributes). resource != NULL makes it a resource
 * request: group, subresource, ns and name may be NULL or "" (ns "" is the cluster scope).
 * Otherwise it is a non-resource request for path ("/", "/healthz", ...). Borrowed. */
typedef struct {
    const char *verb; /* get list watch create update patch delete deletecollection, or
                         access, use, bind, escalate, impersonate, ... */
    const char *group, *resource, *subresource, *ns, *name;
    const char *path;
} kp_authz_attrs;

typedef struct {
    uint64_t loads;     /* snapshots read from the store */
    uint64_t hits;      /* checks and rule reviews served from a cached snapshot */
    uint64_t evictions; /* clusters dropped for the cap */
    size_t clusters;    /* clusters cached now */
} kp_authz_stats;

/* owned, free with kp_authz_free(); st is borrowed and must outlive it. */
int kp_authz_new(kp_authz **out, kp_store *st);
/* NULL is fine; no other call may run on a at the same time. */
void kp_authz_free(kp_authz *a);
/* Changes the cache cap (default KP_AUTHZ_CLUSTERS_MAX, at least 1); evicts down to it. */
void kp_authz_set_max_clusters(kp_authz *a, size_t max);

/* 0 when u may do at in cluster (system:masters may do everything). KP_EFORBIDDEN otherwise,
 * with kube-apiserver's message, e.g. `configmaps is forbidden: User "alice" cannot list
 * resource "configmaps" in API group "" in the namespace "default"`, `forbidden: User "bob"
 * cannot get path "/healthz"`. A store failure while loading the cluster's policy passes up
 * (KP_EUNAVAILABLE, ...). When reason_out is not NULL it gets the authorizer's reason as
 * SubjectAccessReview's status.reason carries it: "RBAC: allowed by RoleBinding ..." or, when
 * denied, "" or the resolution errors ("RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not
 * found"); borrowed from thread-local storage, valid until the next kp_authz_check() on this
 * thread (never from an arena). */
int kp_authz_check(kp_authz *a, const char *cluster, const kp_authz_user *u,
                   const kp_authz_attrs *at, const char **reason_out);

/* The rules that apply to u in namespace ns of cluster (ns NULL or "": cluster-wide bindings
 * only), for SelfSubjectRulesReview: *resource_rules gets status.resourceRules ([{verbs,
 * apiGroups, resources, resourceNames}]) and *non_resource_rules status.nonResourceRules
 * ([{verbs, nonResourceURLs}]), in Kubernetes' order and with its duplicates. system:masters
 * gets cluster-admin's two "*" rules first, as its bootstrap binding would give. Both owned by
 * the caller (json_decref); on failure both are NULL. */
int kp_authz_rules(json_t **resource_rules, json_t **non_resource_rules, kp_authz *a,
                   const char *cluster, const kp_authz_user *u, const char *ns);

/* Drops the cached policy of cluster: call it after a write to any Role, ClusterRole,
 * RoleBinding or ClusterRoleBinding there (after its commit), and when a workspace is
 * deleted. A load that was running then is not cached. */
void kp_authz_invalidate(kp_authz *a, const char *cluster);

/* Cache counters for /metrics and tests. */
void kp_authz_get_stats(kp_authz_stats *out, kp_authz *a);

#endif
