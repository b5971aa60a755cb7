/* rquota: core/v1 ResourceQuota object counts, enforced on create as kube-apiserver's quota
 * admission does. A quota's spec.hard may limit the number of objects of a resource in its
 * namespace: "count/<resource>[.<group>]" ("count/deployments.apps", "count/configmaps") or
 * the core names kube-apiserver also takes ("configmaps", "secrets", "services", "pods",
 * "persistentvolumeclaims", "replicationcontrollers", "resourcequotas"). A create that would
 * pass a limit is refused (403) with the message kube-apiserver gives. Compute resources
 * (requests.cpu, ...) are not enforced: kplane runs no pods.
 * The quotas of each (workspace, namespace) are cached, "none" included, and forgotten when a
 * ResourceQuota there changes (kp_rquota_observe, from the commit stream). Any thread. */
#ifndef KP_RQUOTA_H
#define KP_RQUOTA_H

#include "apiserver/schema.h"
#include "apiserver/store.h"

typedef struct kp_rquota kp_rquota;

kp_rquota *kp_rquota_new(kp_store *st);
void kp_rquota_free(kp_rquota *rq);
/* Before creating an object of r in (cluster, ns): 0, or KP_EFORBIDDEN naming the quota. */
int kp_rquota_admit(kp_rquota *rq, const char *cluster, const char *ns, const kp_schema_res *r,
                    const char *name);
/* Committed changes: forgets the quotas of namespaces whose ResourceQuotas changed. */
void kp_rquota_observe(kp_rquota *rq, const kp_store_event *evs, size_t n);

#endif
