#include "lib/common.h"
#include "apiserver/schema.h"

/* Rows leave out the trailing fields they do not use (custom: NULL for every built-in). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define COLS(...) ((const kp_schema_col[]){__VA_ARGS__, {NULL, NULL, 0, NULL, NULL, 0}})
#define NOCOLS ((const kp_schema_col[]){{NULL, NULL, 0, NULL, NULL, 0}})
#define C_PATH(n, t, p, prio)                                                                      \
    {                                                                                              \
        n, t, KP_COL_PATH, p, NULL, prio                                                           \
    }

static const kp_schema_res schema_rows[] = {
    {"", "v1", "namespaces", "Namespace", "namespace", "ns", NULL, false, true, false,
     KP_NAME_LABEL, COLS(C_PATH("Status", "string", "status.phase", 0)), "/namespaces",
     "status.phase", NULL},
    {"", "v1", "configmaps", "ConfigMap", "configmap", "cm", NULL, true, false, false,
     KP_NAME_SUBDOMAIN, COLS({"Data", "integer", KP_COL_COUNT, "data", "binaryData", 0}),
     "/configmaps", NULL, NULL},
    {"", "v1", "secrets", "Secret", "secret", NULL, NULL, true, false, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Type", "string", "type", 0), {"Data", "integer", KP_COL_COUNT, "data", NULL, 0}),
     "/secrets", "type", NULL},
    {"", "v1", "serviceaccounts", "ServiceAccount", "serviceaccount", "sa", NULL, true, false,
     false, KP_NAME_SUBDOMAIN, NOCOLS, "/serviceaccounts", NULL, NULL},
    {"", "v1", "services", "Service", "service", "svc", "all", true, true, false, KP_NAME_LABEL,
     COLS(C_PATH("Type", "string", "spec.type", 0),
          C_PATH("Cluster-IP", "string", "spec.clusterIP", 0)),
     "/services", NULL, NULL},
    {"", "v1", "endpoints", "Endpoints", "endpoints", "ep", NULL, true, false, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "/endpoints", NULL, NULL},
    {"", "v1", "pods", "Pod", "pod", "po", "all", true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Status", "string", "status.phase", 0),
          C_PATH("Node", "string", "spec.nodeName", 1)),
     "/pods",
     "spec.nodeName,spec.restartPolicy,spec.schedulerName,spec.serviceAccountName,"
     "spec.hostNetwork,status.phase,status.podIP,status.nominatedNodeName",
     NULL},
    /* cluster-sim's nodes; k8s printNode: Name, Status, Roles, Age, Version (+ -o wide) */
    {"", "v1", "nodes", "Node", "node", "no", NULL, false, true, false, KP_NAME_SUBDOMAIN,
     COLS({"Status", "string", KP_COL_NODE_STATUS, NULL, NULL, 0},
          {"Roles", "string", KP_COL_NODE_ROLES, NULL, NULL, 0},
          {"Age", "string", KP_COL_AGE, NULL, NULL, 0},
          C_PATH("Version", "string", "status.nodeInfo.kubeletVersion", 0),
          C_PATH("OS-Image", "string", "status.nodeInfo.osImage", 1),
          C_PATH("Kernel-Version", "string", "status.nodeInfo.kernelVersion", 1),
          C_PATH("Container-Runtime", "string", "status.nodeInfo.containerRuntimeVersion", 1)),
     "/nodes", "spec.unschedulable", NULL},
    /* cluster-sim writes them beside the Endpoints of each Service with a selector */
    {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", "endpointslice", NULL, NULL, true,
     false, false, KP_NAME_SUBDOMAIN, COLS(C_PATH("AddressType", "string", "addressType", 0)),
     "discovery.k8s.io/endpointslices", NULL, NULL},
    {"", "v1", "events", "Event", "event", "ev", NULL, true, false, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Type", "string", "type", 0), C_PATH("Reason", "string", "reason", 0),
          C_PATH("Message", "string", "message", 0)),
     "/events",
     "involvedObject.kind,involvedObject.namespace,involvedObject.name,involvedObject.uid,"
     "involvedObject.apiVersion,involvedObject.resourceVersion,involvedObject.fieldPath,reason,"
     "reportingComponent,source,type",
     NULL},
    {"", "v1", "limitranges", "LimitRange", "limitrange", "limits", NULL, true, false, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "/limitranges", NULL, NULL},
    {"", "v1", "resourcequotas", "ResourceQuota", "resourcequota", "quota", NULL, true, true, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "/resourcequotas", NULL, NULL},
    {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", "persistentvolumeclaim", "pvc",
     NULL, true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Status", "string", "status.phase", 0)), "/persistentvolumeclaims", NULL, NULL},
    /* in kubectl apply --prune's default list (nothing here runs them) */
    {"", "v1", "replicationcontrollers", "ReplicationController", "replicationcontroller", "rc",
     "all", true, true, true, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Desired", "integer", "spec.replicas", 0),
          C_PATH("Current", "integer", "status.replicas", 0),
          C_PATH("Ready", "integer", "status.readyReplicas", 0)),
     "/replicationcontrollers", NULL, NULL},
    {"", "v1", "persistentvolumes", "PersistentVolume", "persistentvolume", "pv", NULL, false, true,
     false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Capacity", "string", "spec.capacity.storage", 0),
          C_PATH("Status", "string", "status.phase", 0)),
     "/persistentvolumes", NULL, NULL},
    {"apps", "v1", "deployments", "Deployment", "deployment", "deploy", "all", true, true, true,
     KP_NAME_SUBDOMAIN,
     COLS({"Ready", "string", KP_COL_RATIO, "status.readyReplicas", "spec.replicas", 0},
          C_PATH("Up-to-date", "integer", "status.updatedReplicas", 0),
          C_PATH("Available", "integer", "status.availableReplicas", 0)),
     "apps/deployments", NULL, NULL},
    {"apps", "v1", "replicasets", "ReplicaSet", "replicaset", "rs", "all", true, true, true,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Desired", "integer", "spec.replicas", 0),
          C_PATH("Current", "integer", "status.replicas", 0),
          C_PATH("Ready", "integer", "status.readyReplicas", 0)),
     "apps/replicasets", NULL, NULL},
    {"apps", "v1", "statefulsets", "StatefulSet", "statefulset", "sts", "all", true, true, true,
     KP_NAME_SUBDOMAIN,
     COLS({"Ready", "string", KP_COL_RATIO, "status.readyReplicas", "spec.replicas", 0}),
     "apps/statefulsets", NULL, NULL},
    {"apps", "v1", "daemonsets", "DaemonSet", "daemonset", "ds", "all", true, true, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Desired", "integer", "status.desiredNumberScheduled", 0),
          C_PATH("Current", "integer", "status.currentNumberScheduled", 0),
          C_PATH("Ready", "integer", "status.numberReady", 0)),
     "apps/daemonsets", NULL, NULL},
    {"batch", "v1", "jobs", "Job", "job", NULL, "all", true, true, false, KP_NAME_SUBDOMAIN,
     COLS({"Completions", "string", KP_COL_RATIO, "status.succeeded", "spec.completions", 0}),
     "batch/jobs", "status.successful", NULL},
    {"batch", "v1", "cronjobs", "CronJob", "cronjob", "cj", "all", true, true, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Schedule", "string", "spec.schedule", 0),
          C_PATH("Suspend", "boolean", "spec.suspend", 0)),
     "batch/cronjobs", NULL, NULL},
    {"networking.k8s.io", "v1", "ingresses", "Ingress", "ingress", "ing", NULL, true, true, false,
     KP_NAME_SUBDOMAIN, COLS(C_PATH("Class", "string", "spec.ingressClassName", 0)),
     "networking.k8s.io/ingresses", NULL, NULL},
    {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", "networkpolicy", "netpol", NULL,
     true, false, false, KP_NAME_SUBDOMAIN, NOCOLS, "networking.k8s.io/networkpolicies", NULL,
     NULL},
    {"rbac.authorization.k8s.io", "v1", "roles", "Role", "role", NULL, NULL, true, false, false,
     KP_NAME_PATH, NOCOLS, "rbac.authorization.k8s.io/roles", NULL, NULL},
    {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "rolebinding", NULL, NULL,
     true, false, false, KP_NAME_PATH,
     COLS({"Role", "string", KP_COL_SLASH, "roleRef.kind", "roleRef.name", 0}),
     "rbac.authorization.k8s.io/rolebindings", NULL, NULL},
    {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "clusterrole", NULL, NULL,
     false, false, false, KP_NAME_PATH, NOCOLS, "rbac.authorization.k8s.io/clusterroles", NULL,
     NULL},
    {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding",
     "clusterrolebinding", NULL, NULL, false, false, false, KP_NAME_PATH,
     COLS({"Role", "string", KP_COL_SLASH, "roleRef.kind", "roleRef.name", 0}),
     "rbac.authorization.k8s.io/clusterrolebindings", NULL, NULL},
    {"coordination.k8s.io", "v1", "leases", "Lease", "lease", NULL, NULL, true, false, false,
     KP_NAME_SUBDOMAIN, COLS(C_PATH("Holder", "string", "spec.holderIdentity", 0)),
     "coordination.k8s.io/leases", NULL, NULL},
    {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", "poddisruptionbudget", "pdb",
     NULL, true, true, false, KP_NAME_SUBDOMAIN, NOCOLS, "policy/poddisruptionbudgets", NULL, NULL},
    {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
     "horizontalpodautoscaler", "hpa", "all", true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Minpods", "integer", "spec.minReplicas", 0),
          C_PATH("Maxpods", "integer", "spec.maxReplicas", 0)),
     "autoscaling/horizontalpodautoscalers", NULL, NULL},
    {"events.k8s.io", "v1", "events", "Event", "event", "ev", NULL, true, false, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Type", "string", "type", 0), C_PATH("Reason", "string", "reason", 0)), "/events",
     NULL, NULL},
    {"scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", "priorityclass", "pc", NULL,
     false, false, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Value", "integer", "value", 0),
          C_PATH("Global-default", "boolean", "globalDefault", 0)),
     "scheduling.k8s.io/priorityclasses", NULL, NULL},
    /* CustomResourceDefinitions (apiserver/crd.c): per workspace, like everything here */
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
     "customresourcedefinition", "crd,crds", "api-extensions", false, true, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "apiextensions.k8s.io/customresourcedefinitions", NULL, NULL},
    /* workspaces: the tree of logical clusters (workspaces/ws.c) */
    {"tenancy.kplane.io", "v1alpha1", "workspaces", "Workspace", "workspace", "ws", NULL, false,
     true, false, KP_NAME_LABEL,
     COLS(C_PATH("Type", "string", "spec.type.name", 0),
          C_PATH("Phase", "string", "status.phase", 0), C_PATH("URL", "string", "status.URL", 0)),
     "tenancy.kplane.io/workspaces", NULL, NULL},
    {"tenancy.kplane.io", "v1alpha1", "workspacetypes", "WorkspaceType", "workspacetype", NULL,
     NULL, false, false, false, KP_NAME_LABEL, NOCOLS, "tenancy.kplane.io/workspacetypes", NULL,
     NULL},
    {"tenancy.kplane.io", "v1alpha1", "logicalclusters", "LogicalCluster", "logicalcluster", NULL,
     NULL, false, false, false, KP_NAME_SUBDOMAIN, COLS(C_PATH("Path", "string", "spec.path", 0)),
     "tenancy.kplane.io/logicalclusters", NULL, NULL},
    /* a workspace's own OIDC issuers (apiserver/oidc.c), read by authentication */
    {"tenancy.kplane.io", "v1alpha1", "workspaceauthentications", "WorkspaceAuthentication",
     "workspaceauthentication", NULL, NULL, false, false, false, KP_NAME_SUBDOMAIN,
     COLS({"Issuers", "integer", KP_COL_COUNT, "spec.jwt", NULL, 0}),
     "tenancy.kplane.io/workspaceauthentications", NULL, NULL},
    /* GitOps (gitops/gitops.c): Git repositories followed and the Syncs that apply them */
    {"gitops.kplane.io", "v1alpha1", "gitrepositories", "GitRepository", "gitrepository", "gitrepo",
     "gitops", true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("URL", "string", "spec.url", 0),
          C_PATH("Revision", "string", "status.artifact.revision", 0)),
     "gitops.kplane.io/gitrepositories", NULL, NULL},
    {"gitops.kplane.io", "v1alpha1", "syncs", "Sync", "sync", NULL, "gitops", true, true, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Source", "string", "spec.sourceRef.name", 0),
          C_PATH("Revision", "string", "status.lastAppliedRevision", 0)),
     "gitops.kplane.io/syncs", NULL, NULL},
    /* fleet: downstream clusters the syncer serves (sync/cluster.c, sync/syncer*.c) */
    {"fleet.kplane.io", "v1alpha1", "clusters", "Cluster", "cluster", NULL, NULL, false, true,
     false, KP_NAME_LABEL,
     COLS(C_PATH("Mode", "string", "spec.syncMode", 0),
          C_PATH("Region", "string", "spec.region", 0),
          C_PATH("Version", "string", "status.kubernetesVersion", 0),
          C_PATH("Provider", "string", "spec.provider", 1)),
     "fleet.kplane.io/clusters", NULL, NULL},
    /* reviews: answered from the request, never stored */
    {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", "selfsubjectreview",
     NULL, NULL, false, false, false, KP_NAME_SUBDOMAIN, NOCOLS, NULL, NULL, "create"},
    /* kubectl 1.27's auth whoami asks the beta and alpha versions (served until k8s 1.30) */
    {"authentication.k8s.io", "v1beta1", "selfsubjectreviews", "SelfSubjectReview",
     "selfsubjectreview", NULL, NULL, false, false, false, KP_NAME_SUBDOMAIN, NOCOLS, NULL, NULL,
     "create"},
    {"authentication.k8s.io", "v1alpha1", "selfsubjectreviews", "SelfSubjectReview",
     "selfsubjectreview", NULL, NULL, false, false, false, KP_NAME_SUBDOMAIN, NOCOLS, NULL, NULL,
     "create"},
    {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview",
     "selfsubjectaccessreview", NULL, NULL, false, false, false, KP_NAME_SUBDOMAIN, NOCOLS, NULL,
     NULL, "create"},
    {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview",
     "selfsubjectrulesreview", NULL, NULL, false, false, false, KP_NAME_SUBDOMAIN, NOCOLS, NULL,
     NULL, "create"},
};

const kp_schema_res *kp_schema_all(size_t *n_out)
{
    *n_out = KP_ARRAY_LEN(schema_rows);
    return schema_rows;
}

const kp_schema_res *kp_schema_find(const char *group, const char *version, const char *resource)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(schema_rows); i++) {
        const kp_schema_res *r = &schema_rows[i];
        if (strcmp(r->group, group) == 0 && strcmp(r->version, version) == 0 &&
            strcmp(r->resource, resource) == 0)
            return r;
    }
    return NULL;
}

const kp_schema_res *kp_schema_by_kind(const char *group, const char *kind)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(schema_rows); i++)
        if (strcmp(schema_rows[i].group, group) == 0 && strcmp(schema_rows[i].kind, kind) == 0)
            return &schema_rows[i];
    return NULL;
}

void kp_schema_api_version(char out[KP_SCHEMA_GV_MAX], const kp_schema_res *r)
{
    if (r->group[0])
        snprintf(out, KP_SCHEMA_GV_MAX, "%s/%s", r->group, r->version);
    else
        snprintf(out, KP_SCHEMA_GV_MAX, "%s", r->version);
}

size_t kp_schema_subresources(kp_schema_sub out[KP_SCHEMA_SUBS_MAX], const kp_schema_res *r)
{
    size_t n = 0;
    if (r->status)
        out[n++] = (kp_schema_sub){"status", r->group, r->version, r->kind, "get,patch,update"};
    if (r->scale)
        out[n++] = (kp_schema_sub){"scale", "autoscaling", "v1", "Scale", "get,patch,update"};
    if (strcmp(r->kind, "ServiceAccount") == 0 && r->group[0] == '\0') /* kubectl create token */
        out[n++] =
            (kp_schema_sub){"token", "authentication.k8s.io", "v1", "TokenRequest", "create"};
    return n;
}

const kp_schema_sub *kp_schema_find_sub(kp_schema_sub buf[KP_SCHEMA_SUBS_MAX],
                                        const kp_schema_res *r, const char *name)
{
    size_t n = kp_schema_subresources(buf, r);
    for (size_t i = 0; i < n; i++)
        if (strcmp(buf[i].name, name) == 0)
            return &buf[i];
    return NULL;
}
