#include "lib/common.h"
#include "apiserver/schema.h"

#define COLS(...) ((const kp_schema_col[]){__VA_ARGS__, {NULL, NULL, 0, NULL, NULL, 0}})
#define NOCOLS ((const kp_schema_col[]){{NULL, NULL, 0, NULL, NULL, 0}})
#define C_PATH(n, t, p, prio)                                                                      \
    {                                                                                              \
        n, t, KP_COL_PATH, p, NULL, prio                                                           \
    }

static const kp_schema_res schema_rows[] = {
    {"", "v1", "namespaces", "Namespace", "namespace", "ns", NULL, false, true, false,
     KP_NAME_LABEL, COLS(C_PATH("Status", "string", "status.phase", 0)), "/namespaces"},
    {"", "v1", "configmaps", "ConfigMap", "configmap", "cm", NULL, true, false, false,
     KP_NAME_SUBDOMAIN, COLS({"Data", "string", KP_COL_COUNT, "data", "binaryData", 0}),
     "/configmaps"},
    {"", "v1", "secrets", "Secret", "secret", NULL, NULL, true, false, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Type", "string", "type", 0), {"Data", "string", KP_COL_COUNT, "data", NULL, 0}),
     "/secrets"},
    {"", "v1", "serviceaccounts", "ServiceAccount", "serviceaccount", "sa", NULL, true, false,
     false, KP_NAME_SUBDOMAIN, NOCOLS, "/serviceaccounts"},
    {"", "v1", "services", "Service", "service", "svc", "all", true, true, false, KP_NAME_LABEL,
     COLS(C_PATH("Type", "string", "spec.type", 0),
          C_PATH("Cluster-IP", "string", "spec.clusterIP", 0)),
     "/services"},
    {"", "v1", "endpoints", "Endpoints", "endpoints", "ep", NULL, true, false, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "/endpoints"},
    {"", "v1", "pods", "Pod", "pod", "po", "all", true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Status", "string", "status.phase", 0),
          C_PATH("Node", "string", "spec.nodeName", 1)),
     "/pods"},
    {"", "v1", "events", "Event", "event", "ev", NULL, true, false, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Type", "string", "type", 0), C_PATH("Reason", "string", "reason", 0),
          C_PATH("Message", "string", "message", 0)),
     "/events"},
    {"", "v1", "limitranges", "LimitRange", "limitrange", "limits", NULL, true, false, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "/limitranges"},
    {"", "v1", "resourcequotas", "ResourceQuota", "resourcequota", "quota", NULL, true, true, false,
     KP_NAME_SUBDOMAIN, NOCOLS, "/resourcequotas"},
    {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", "persistentvolumeclaim", "pvc",
     NULL, true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Status", "string", "status.phase", 0)), "/persistentvolumeclaims"},
    {"apps", "v1", "deployments", "Deployment", "deployment", "deploy", "all", true, true, true,
     KP_NAME_SUBDOMAIN,
     COLS({"Ready", "string", KP_COL_RATIO, "status.readyReplicas", "spec.replicas", 0},
          C_PATH("Up-to-date", "integer", "status.updatedReplicas", 0),
          C_PATH("Available", "integer", "status.availableReplicas", 0)),
     "apps/deployments"},
    {"apps", "v1", "replicasets", "ReplicaSet", "replicaset", "rs", "all", true, true, true,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Desired", "integer", "spec.replicas", 0),
          C_PATH("Current", "integer", "status.replicas", 0),
          C_PATH("Ready", "integer", "status.readyReplicas", 0)),
     "apps/replicasets"},
    {"apps", "v1", "statefulsets", "StatefulSet", "statefulset", "sts", "all", true, true, true,
     KP_NAME_SUBDOMAIN,
     COLS({"Ready", "string", KP_COL_RATIO, "status.readyReplicas", "spec.replicas", 0}),
     "apps/statefulsets"},
    {"apps", "v1", "daemonsets", "DaemonSet", "daemonset", "ds", "all", true, true, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Desired", "integer", "status.desiredNumberScheduled", 0),
          C_PATH("Current", "integer", "status.currentNumberScheduled", 0),
          C_PATH("Ready", "integer", "status.numberReady", 0)),
     "apps/daemonsets"},
    {"batch", "v1", "jobs", "Job", "job", NULL, "all", true, true, false, KP_NAME_SUBDOMAIN,
     COLS({"Completions", "string", KP_COL_RATIO, "status.succeeded", "spec.completions", 0}),
     "batch/jobs"},
    {"batch", "v1", "cronjobs", "CronJob", "cronjob", "cj", "all", true, true, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Schedule", "string", "spec.schedule", 0),
          C_PATH("Suspend", "boolean", "spec.suspend", 0)),
     "batch/cronjobs"},
    {"networking.k8s.io", "v1", "ingresses", "Ingress", "ingress", "ing", NULL, true, true, false,
     KP_NAME_SUBDOMAIN, COLS(C_PATH("Class", "string", "spec.ingressClassName", 0)),
     "networking.k8s.io/ingresses"},
    {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", "networkpolicy", "netpol", NULL,
     true, false, false, KP_NAME_SUBDOMAIN, NOCOLS, "networking.k8s.io/networkpolicies"},
    {"rbac.authorization.k8s.io", "v1", "roles", "Role", "role", NULL, NULL, true, false, false,
     KP_NAME_PATH, NOCOLS, "rbac.authorization.k8s.io/roles"},
    {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "rolebinding", NULL, NULL,
     true, false, false, KP_NAME_PATH, COLS(C_PATH("Role", "string", "roleRef.name", 0)),
     "rbac.authorization.k8s.io/rolebindings"},
    {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "clusterrole", NULL, NULL,
     false, false, false, KP_NAME_PATH, NOCOLS, "rbac.authorization.k8s.io/clusterroles"},
    {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding",
     "clusterrolebinding", NULL, NULL, false, false, false, KP_NAME_PATH,
     COLS(C_PATH("Role", "string", "roleRef.name", 0)),
     "rbac.authorization.k8s.io/clusterrolebindings"},
    {"coordination.k8s.io", "v1", "leases", "Lease", "lease", NULL, NULL, true, false, false,
     KP_NAME_SUBDOMAIN, COLS(C_PATH("Holder", "string", "spec.holderIdentity", 0)),
     "coordination.k8s.io/leases"},
    {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", "poddisruptionbudget", "pdb",
     NULL, true, true, false, KP_NAME_SUBDOMAIN, NOCOLS, "policy/poddisruptionbudgets"},
    {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
     "horizontalpodautoscaler", "hpa", "all", true, true, false, KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Minpods", "integer", "spec.minReplicas", 0),
          C_PATH("Maxpods", "integer", "spec.maxReplicas", 0)),
     "autoscaling/horizontalpodautoscalers"},
    {"events.k8s.io", "v1", "events", "Event", "event", "ev", NULL, true, false, false,
     KP_NAME_SUBDOMAIN,
     COLS(C_PATH("Type", "string", "type", 0), C_PATH("Reason", "string", "reason", 0)), "/events"},
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
