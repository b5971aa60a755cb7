#include "lib/common.h"
#include "apiserver/proto_int.h"

/* The message descriptors kplane decodes Kubernetes protobuf bodies with: field numbers from
 * Kubernetes' generated.proto files, JSON names and omitempty/pointer flags from the Go types. */

#define FLD(n, j, k, fl, r)                                                                        \
    {                                                                                              \
        (n), (j), (k), (fl), (r)                                                                   \
    }
#define T_STR(n, j, fl) FLD(n, j, K_STRING, fl, 0)
#define T_BYTES(n, j, fl) FLD(n, j, K_BYTES, fl, 0)
#define T_I32(n, j, fl) FLD(n, j, K_INT32, fl, 0)
#define T_I64(n, j, fl) FLD(n, j, K_INT64, fl, 0)
#define T_BOOL(n, j, fl) FLD(n, j, K_BOOL, fl, 0)
#define T_MSG(n, j, m, fl) FLD(n, j, K_MSG, fl, M_##m)
#define T_IOS(n, j, fl) FLD(n, j, K_INTSTR, fl, 0)
#define T_QTY(n, j, fl) FLD(n, j, K_QTY, fl, 0)
#define T_TIME(n, j, fl) FLD(n, j, K_TIME, fl, 0)
#define T_FV1(n, j, fl) FLD(n, j, K_FIELDSV1, fl, 0)
#define T_XV(n, j, fl) FLD(n, j, K_STRLIST, fl, 0)

/* --- k8s.io/apimachinery/pkg/apis/meta/v1 --- */
static const proto_field f_ObjectMeta[] = {
    T_STR(1, "name", 0),
    T_STR(2, "generateName", 0),
    T_STR(3, "namespace", 0),
    T_STR(4, "selfLink", 0),
    T_STR(5, "uid", 0),
    T_STR(6, "resourceVersion", 0),
    T_I64(7, "generation", 0),
    T_TIME(8, "creationTimestamp", 0),
    T_TIME(9, "deletionTimestamp", F_PTR),
    T_I64(10, "deletionGracePeriodSeconds", F_PTR),
    T_STR(11, "labels", F_MAP),
    T_STR(12, "annotations", F_MAP),
    T_MSG(13, "ownerReferences", OwnerReference, F_REP),
    T_STR(14, "finalizers", F_REP),
    T_MSG(17, "managedFields", ManagedFieldsEntry, F_REP),
};
static const proto_field f_OwnerReference[] = {
    T_STR(1, "kind", F_KEEP),       T_STR(3, "name", F_KEEP),
    T_STR(4, "uid", F_KEEP),        T_STR(5, "apiVersion", F_KEEP),
    T_BOOL(6, "controller", F_PTR), T_BOOL(7, "blockOwnerDeletion", F_PTR),
};
static const proto_field f_ManagedFieldsEntry[] = {
    T_STR(1, "manager", 0),     T_STR(2, "operation", 0),  T_STR(3, "apiVersion", 0),
    T_TIME(4, "time", F_PTR),   T_STR(6, "fieldsType", 0), T_FV1(7, "fieldsV1", F_PTR),
    T_STR(8, "subresource", 0),
};
static const proto_field f_LabelSelector[] = {
    T_STR(1, "matchLabels", F_MAP),
    T_MSG(2, "matchExpressions", LabelSelectorRequirement, F_REP),
};
static const proto_field f_LabelSelectorRequirement[] = {
    T_STR(1, "key", F_KEEP),
    T_STR(2, "operator", F_KEEP),
    T_STR(3, "values", F_REP),
};
static const proto_field f_Condition[] = {
    T_STR(1, "type", F_KEEP),          T_STR(2, "status", F_KEEP),
    T_I64(3, "observedGeneration", 0), T_TIME(4, "lastTransitionTime", F_KEEP),
    T_STR(5, "reason", F_KEEP),        T_STR(6, "message", F_KEEP),
};

/* --- k8s.io/api/core/v1 --- */
static const proto_field f_ConfigMap[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_STR(2, "data", F_MAP),
    T_BYTES(3, "binaryData", F_MAP),
    T_BOOL(4, "immutable", F_PTR),
};
static const proto_field f_Secret[] = {
    T_MSG(1, "metadata", ObjectMeta, 0), T_BYTES(2, "data", F_MAP),     T_STR(3, "type", 0),
    T_STR(4, "stringData", F_MAP),       T_BOOL(5, "immutable", F_PTR),
};
static const proto_field f_Namespace[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", NamespaceSpec, 0),
    T_MSG(3, "status", NamespaceStatus, 0),
};
static const proto_field f_NamespaceSpec[] = {
    T_STR(1, "finalizers", F_REP),
};
static const proto_field f_NamespaceStatus[] = {
    T_STR(1, "phase", 0),
    T_MSG(2, "conditions", NamespaceCondition, F_REP),
};
static const proto_field f_NamespaceCondition[] = {
    T_STR(1, "type", F_KEEP), T_STR(2, "status", F_KEEP), T_TIME(4, "lastTransitionTime", 0),
    T_STR(5, "reason", 0),    T_STR(6, "message", 0),
};
static const proto_field f_ServiceAccount[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "secrets", ObjectReference, F_REP),
    T_MSG(3, "imagePullSecrets", LocalObjectReference, F_REP),
    T_BOOL(4, "automountServiceAccountToken", F_PTR),
};
static const proto_field f_ObjectReference[] = {
    T_STR(1, "kind", 0),      T_STR(2, "namespace", 0),  T_STR(3, "name", 0),
    T_STR(4, "uid", 0),       T_STR(5, "apiVersion", 0), T_STR(6, "resourceVersion", 0),
    T_STR(7, "fieldPath", 0),
};
static const proto_field f_LocalObjectReference[] = {
    T_STR(1, "name", 0),
};
static const proto_field f_TypedLocalObjectReference[] = {
    T_STR(1, "apiGroup", F_PTR | F_KEEP),
    T_STR(2, "kind", F_KEEP),
    T_STR(3, "name", F_KEEP),
};
static const proto_field f_TypedObjectReference[] = {
    T_STR(1, "apiGroup", F_PTR | F_KEEP),
    T_STR(2, "kind", F_KEEP),
    T_STR(3, "name", F_KEEP),
    T_STR(4, "namespace", F_PTR),
};
static const proto_field f_Service[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", ServiceSpec, 0),
    T_MSG(3, "status", ServiceStatus, 0),
};
static const proto_field f_ServiceSpec[] = {
    T_MSG(1, "ports", ServicePort, F_REP),
    T_STR(2, "selector", F_MAP),
    T_STR(3, "clusterIP", 0),
    T_STR(4, "type", 0),
    T_STR(5, "externalIPs", F_REP),
    T_STR(7, "sessionAffinity", 0),
    T_STR(8, "loadBalancerIP", 0),
    T_STR(9, "loadBalancerSourceRanges", F_REP),
    T_STR(10, "externalName", 0),
    T_STR(11, "externalTrafficPolicy", 0),
    T_I32(12, "healthCheckNodePort", 0),
    T_BOOL(13, "publishNotReadyAddresses", 0),
    T_MSG(14, "sessionAffinityConfig", SessionAffinityConfig, 0),
    T_STR(17, "ipFamilyPolicy", F_PTR),
    T_STR(18, "clusterIPs", F_REP),
    T_STR(19, "ipFamilies", F_REP),
    T_BOOL(20, "allocateLoadBalancerNodePorts", F_PTR),
    T_STR(21, "loadBalancerClass", F_PTR),
    T_STR(22, "internalTrafficPolicy", F_PTR),
    T_STR(23, "trafficDistribution", F_PTR),
};
static const proto_field f_ServicePort[] = {
    T_STR(1, "name", 0),       T_STR(2, "protocol", 0), T_I32(3, "port", F_KEEP),
    T_IOS(4, "targetPort", 0), T_I32(5, "nodePort", 0), T_STR(6, "appProtocol", F_PTR),
};
static const proto_field f_ServiceStatus[] = {
    T_MSG(1, "loadBalancer", LoadBalancerStatus, 0),
    T_MSG(2, "conditions", Condition, F_REP),
};
static const proto_field f_LoadBalancerStatus[] = {
    T_MSG(1, "ingress", LoadBalancerIngress, F_REP),
};
static const proto_field f_LoadBalancerIngress[] = {
    T_STR(1, "ip", 0),
    T_STR(2, "hostname", 0),
    T_STR(3, "ipMode", F_PTR),
    T_MSG(4, "ports", PortStatus, F_REP),
};
static const proto_field f_PortStatus[] = {
    T_I32(1, "port", F_KEEP),
    T_STR(2, "protocol", F_KEEP),
    T_STR(3, "error", F_PTR),
};
static const proto_field f_SessionAffinityConfig[] = {
    T_MSG(1, "clientIP", ClientIPConfig, 0),
};
static const proto_field f_ClientIPConfig[] = {
    T_I32(1, "timeoutSeconds", F_PTR),
};
static const proto_field f_ResourceQuota[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", ResourceQuotaSpec, 0),
    T_MSG(3, "status", ResourceQuotaStatus, 0),
};
static const proto_field f_ResourceQuotaSpec[] = {
    T_QTY(1, "hard", F_MAP),
    T_STR(2, "scopes", F_REP),
    T_MSG(3, "scopeSelector", ScopeSelector, 0),
};
static const proto_field f_ResourceQuotaStatus[] = {
    T_QTY(1, "hard", F_MAP),
    T_QTY(2, "used", F_MAP),
};
static const proto_field f_ScopeSelector[] = {
    T_MSG(1, "matchExpressions", ScopedResourceSelectorRequirement, F_REP),
};
static const proto_field f_ScopedResourceSelectorRequirement[] = {
    T_STR(1, "scopeName", F_KEEP),
    T_STR(2, "operator", F_KEEP),
    T_STR(3, "values", F_REP),
};
static const proto_field f_PodTemplateSpec[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", PodSpec, 0),
};
static const proto_field f_PodSpec[] = {
    T_MSG(1, "volumes", Volume, F_REP),
    T_MSG(2, "containers", Container, F_REP | F_KEEP),
    T_STR(3, "restartPolicy", 0),
    T_I64(4, "terminationGracePeriodSeconds", F_PTR),
    T_I64(5, "activeDeadlineSeconds", F_PTR),
    T_STR(6, "dnsPolicy", 0),
    T_STR(7, "nodeSelector", F_MAP),
    T_STR(8, "serviceAccountName", 0),
    T_STR(9, "serviceAccount", 0),
    T_STR(10, "nodeName", 0),
    T_BOOL(11, "hostNetwork", 0),
    T_BOOL(12, "hostPID", 0),
    T_BOOL(13, "hostIPC", 0),
    T_MSG(14, "securityContext", PodSecurityContext, 0),
    T_MSG(15, "imagePullSecrets", LocalObjectReference, F_REP),
    T_STR(16, "hostname", 0),
    T_STR(17, "subdomain", 0),
    T_MSG(18, "affinity", Affinity, 0),
    T_STR(19, "schedulerName", 0),
    T_MSG(20, "initContainers", Container, F_REP),
    T_BOOL(21, "automountServiceAccountToken", F_PTR),
    T_MSG(22, "tolerations", Toleration, F_REP),
    T_MSG(23, "hostAliases", HostAlias, F_REP),
    T_STR(24, "priorityClassName", 0),
    T_I32(25, "priority", F_PTR),
    T_MSG(26, "dnsConfig", PodDNSConfig, 0),
    T_BOOL(27, "shareProcessNamespace", F_PTR),
    T_MSG(28, "readinessGates", PodReadinessGate, F_REP),
    T_STR(29, "runtimeClassName", F_PTR),
    T_BOOL(30, "enableServiceLinks", F_PTR),
    T_STR(31, "preemptionPolicy", F_PTR),
    T_QTY(32, "overhead", F_MAP),
    T_MSG(33, "topologySpreadConstraints", TopologySpreadConstraint, F_REP),
    T_BOOL(35, "setHostnameAsFQDN", F_PTR),
    T_MSG(36, "os", PodOS, 0),
    T_BOOL(37, "hostUsers", F_PTR),
    T_MSG(38, "schedulingGates", PodSchedulingGate, F_REP),
    T_MSG(39, "resourceClaims", PodResourceClaim, F_REP),
    T_MSG(40, "resources", ResourceRequirements, 0),
    T_STR(41, "hostnameOverride", F_PTR),
};
static const proto_field f_PodSecurityContext[] = {
    T_MSG(1, "seLinuxOptions", SELinuxOptions, 0),
    T_I64(2, "runAsUser", F_PTR),
    T_BOOL(3, "runAsNonRoot", F_PTR),
    T_I64(4, "supplementalGroups", F_REP),
    T_I64(5, "fsGroup", F_PTR),
    T_I64(6, "runAsGroup", F_PTR),
    T_MSG(7, "sysctls", Sysctl, F_REP),
    T_MSG(8, "windowsOptions", WindowsSecurityContextOptions, 0),
    T_STR(9, "fsGroupChangePolicy", F_PTR),
    T_MSG(10, "seccompProfile", SeccompProfile, 0),
    T_MSG(11, "appArmorProfile", AppArmorProfile, 0),
    T_STR(12, "supplementalGroupsPolicy", F_PTR),
    T_STR(13, "seLinuxChangePolicy", F_PTR),
};
static const proto_field f_WindowsSecurityContextOptions[] = {
    T_STR(1, "gmsaCredentialSpecName", F_PTR),
    T_STR(2, "gmsaCredentialSpec", F_PTR),
    T_STR(3, "runAsUserName", F_PTR),
    T_BOOL(4, "hostProcess", F_PTR),
};
static const proto_field f_Sysctl[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(2, "value", F_KEEP),
};
static const proto_field f_SELinuxOptions[] = {
    T_STR(1, "user", 0),
    T_STR(2, "role", 0),
    T_STR(3, "type", 0),
    T_STR(4, "level", 0),
};
static const proto_field f_SeccompProfile[] = {
    T_STR(1, "type", F_KEEP),
    T_STR(2, "localhostProfile", F_PTR),
};
static const proto_field f_AppArmorProfile[] = {
    T_STR(1, "type", F_KEEP),
    T_STR(2, "localhostProfile", F_PTR),
};
static const proto_field f_Container[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(2, "image", 0),
    T_STR(3, "command", F_REP),
    T_STR(4, "args", F_REP),
    T_STR(5, "workingDir", 0),
    T_MSG(6, "ports", ContainerPort, F_REP),
    T_MSG(7, "env", EnvVar, F_REP),
    T_MSG(8, "resources", ResourceRequirements, 0),
    T_MSG(9, "volumeMounts", VolumeMount, F_REP),
    T_MSG(10, "livenessProbe", Probe, 0),
    T_MSG(11, "readinessProbe", Probe, 0),
    T_MSG(12, "lifecycle", Lifecycle, 0),
    T_STR(13, "terminationMessagePath", 0),
    T_STR(14, "imagePullPolicy", 0),
    T_MSG(15, "securityContext", SecurityContext, 0),
    T_BOOL(16, "stdin", 0),
    T_BOOL(17, "stdinOnce", 0),
    T_BOOL(18, "tty", 0),
    T_MSG(19, "envFrom", EnvFromSource, F_REP),
    T_STR(20, "terminationMessagePolicy", 0),
    T_MSG(21, "volumeDevices", VolumeDevice, F_REP),
    T_MSG(22, "startupProbe", Probe, 0),
    T_MSG(23, "resizePolicy", ContainerResizePolicy, F_REP),
    T_STR(24, "restartPolicy", F_PTR),
};
static const proto_field f_ContainerPort[] = {
    T_STR(1, "name", 0),     T_I32(2, "hostPort", 0), T_I32(3, "containerPort", F_KEEP),
    T_STR(4, "protocol", 0), T_STR(5, "hostIP", 0),
};
static const proto_field f_ContainerResizePolicy[] = {
    T_STR(1, "resourceName", F_KEEP),
    T_STR(2, "restartPolicy", F_KEEP),
};
static const proto_field f_EnvVar[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(2, "value", 0),
    T_MSG(3, "valueFrom", EnvVarSource, 0),
};
static const proto_field f_EnvVarSource[] = {
    T_MSG(1, "fieldRef", ObjectFieldSelector, 0),
    T_MSG(2, "resourceFieldRef", ResourceFieldSelector, 0),
    T_MSG(3, "configMapKeyRef", ConfigMapKeySelector, 0),
    T_MSG(4, "secretKeyRef", SecretKeySelector, 0),
};
static const proto_field f_ObjectFieldSelector[] = {
    T_STR(1, "apiVersion", 0),
    T_STR(2, "fieldPath", F_KEEP),
};
static const proto_field f_ResourceFieldSelector[] = {
    T_STR(1, "containerName", 0),
    T_STR(2, "resource", F_KEEP),
    T_QTY(3, "divisor", 0),
};
static const proto_field f_ConfigMapKeySelector[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_STR(2, "key", F_KEEP),
    T_BOOL(3, "optional", F_PTR),
};
static const proto_field f_SecretKeySelector[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_STR(2, "key", F_KEEP),
    T_BOOL(3, "optional", F_PTR),
};
static const proto_field f_EnvFromSource[] = {
    T_STR(1, "prefix", 0),
    T_MSG(2, "configMapRef", ConfigMapEnvSource, 0),
    T_MSG(3, "secretRef", SecretEnvSource, 0),
};
static const proto_field f_ConfigMapEnvSource[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_BOOL(2, "optional", F_PTR),
};
static const proto_field f_SecretEnvSource[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_BOOL(2, "optional", F_PTR),
};
static const proto_field f_ResourceRequirements[] = {
    T_QTY(1, "limits", F_MAP),
    T_QTY(2, "requests", F_MAP),
    T_MSG(3, "claims", ResourceClaim, F_REP),
};
static const proto_field f_ResourceClaim[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(2, "request", 0),
};
static const proto_field f_VolumeMount[] = {
    T_STR(1, "name", F_KEEP),
    T_BOOL(2, "readOnly", 0),
    T_STR(3, "mountPath", F_KEEP),
    T_STR(4, "subPath", 0),
    T_STR(5, "mountPropagation", F_PTR),
    T_STR(6, "subPathExpr", 0),
    T_STR(7, "recursiveReadOnly", F_PTR),
};
static const proto_field f_VolumeDevice[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(2, "devicePath", F_KEEP),
};
static const proto_field f_Probe[] = {
    T_MSG(1, "handler", ProbeHandler, F_INLINE),
    T_I32(2, "initialDelaySeconds", 0),
    T_I32(3, "timeoutSeconds", 0),
    T_I32(4, "periodSeconds", 0),
    T_I32(5, "successThreshold", 0),
    T_I32(6, "failureThreshold", 0),
    T_I64(7, "terminationGracePeriodSeconds", F_PTR),
};
static const proto_field f_ProbeHandler[] = {
    T_MSG(1, "exec", ExecAction, 0),
    T_MSG(2, "httpGet", HTTPGetAction, 0),
    T_MSG(3, "tcpSocket", TCPSocketAction, 0),
    T_MSG(4, "grpc", GRPCAction, 0),
};
static const proto_field f_ExecAction[] = {
    T_STR(1, "command", F_REP),
};
static const proto_field f_HTTPGetAction[] = {
    T_STR(1, "path", 0),
    T_IOS(2, "port", F_KEEP),
    T_STR(3, "host", 0),
    T_STR(4, "scheme", 0),
    T_MSG(5, "httpHeaders", HTTPHeader, F_REP),
};
static const proto_field f_HTTPHeader[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(2, "value", F_KEEP),
};
static const proto_field f_TCPSocketAction[] = {
    T_IOS(1, "port", F_KEEP),
    T_STR(2, "host", 0),
};
static const proto_field f_GRPCAction[] = {
    T_I32(1, "port", F_KEEP),
    T_STR(2, "service", F_PTR | F_KEEP),
};
static const proto_field f_Lifecycle[] = {
    T_MSG(1, "postStart", LifecycleHandler, 0),
    T_MSG(2, "preStop", LifecycleHandler, 0),
    T_STR(3, "stopSignal", F_PTR),
};
static const proto_field f_LifecycleHandler[] = {
    T_MSG(1, "exec", ExecAction, 0),
    T_MSG(2, "httpGet", HTTPGetAction, 0),
    T_MSG(3, "tcpSocket", TCPSocketAction, 0),
    T_MSG(4, "sleep", SleepAction, 0),
};
static const proto_field f_SleepAction[] = {
    T_I64(1, "seconds", F_KEEP),
};
static const proto_field f_SecurityContext[] = {
    T_MSG(1, "capabilities", Capabilities, 0),
    T_BOOL(2, "privileged", F_PTR),
    T_MSG(3, "seLinuxOptions", SELinuxOptions, 0),
    T_I64(4, "runAsUser", F_PTR),
    T_BOOL(5, "runAsNonRoot", F_PTR),
    T_BOOL(6, "readOnlyRootFilesystem", F_PTR),
    T_BOOL(7, "allowPrivilegeEscalation", F_PTR),
    T_I64(8, "runAsGroup", F_PTR),
    T_STR(9, "procMount", F_PTR),
    T_MSG(10, "windowsOptions", WindowsSecurityContextOptions, 0),
    T_MSG(11, "seccompProfile", SeccompProfile, 0),
    T_MSG(12, "appArmorProfile", AppArmorProfile, 0),
};
static const proto_field f_Capabilities[] = {
    T_STR(1, "add", F_REP),
    T_STR(2, "drop", F_REP),
};
static const proto_field f_Volume[] = {
    T_STR(1, "name", F_KEEP),
    T_MSG(2, "volumeSource", VolumeSource, F_INLINE),
};
static const proto_field f_VolumeSource[] = {
    T_MSG(1, "hostPath", HostPathVolumeSource, 0),
    T_MSG(2, "emptyDir", EmptyDirVolumeSource, 0),
    T_MSG(6, "secret", SecretVolumeSource, 0),
    T_MSG(7, "nfs", NFSVolumeSource, 0),
    T_MSG(10, "persistentVolumeClaim", PersistentVolumeClaimVolumeSource, 0),
    T_MSG(16, "downwardAPI", DownwardAPIVolumeSource, 0),
    T_MSG(19, "configMap", ConfigMapVolumeSource, 0),
    T_MSG(26, "projected", ProjectedVolumeSource, 0),
    T_MSG(28, "csi", CSIVolumeSource, 0),
    T_MSG(29, "ephemeral", EphemeralVolumeSource, 0),
    T_MSG(30, "image", ImageVolumeSource, 0),
};
static const proto_field f_HostPathVolumeSource[] = {
    T_STR(1, "path", F_KEEP),
    T_STR(2, "type", F_PTR),
};
static const proto_field f_EmptyDirVolumeSource[] = {
    T_STR(1, "medium", 0),
    T_QTY(2, "sizeLimit", F_PTR),
};
static const proto_field f_SecretVolumeSource[] = {
    T_STR(1, "secretName", 0),
    T_MSG(2, "items", KeyToPath, F_REP),
    T_I32(3, "defaultMode", F_PTR),
    T_BOOL(4, "optional", F_PTR),
};
static const proto_field f_KeyToPath[] = {
    T_STR(1, "key", F_KEEP),
    T_STR(2, "path", F_KEEP),
    T_I32(3, "mode", F_PTR),
};
static const proto_field f_NFSVolumeSource[] = {
    T_STR(1, "server", F_KEEP),
    T_STR(2, "path", F_KEEP),
    T_BOOL(3, "readOnly", 0),
};
static const proto_field f_PersistentVolumeClaimVolumeSource[] = {
    T_STR(1, "claimName", F_KEEP),
    T_BOOL(2, "readOnly", 0),
};
static const proto_field f_DownwardAPIVolumeSource[] = {
    T_MSG(1, "items", DownwardAPIVolumeFile, F_REP),
    T_I32(2, "defaultMode", F_PTR),
};
static const proto_field f_DownwardAPIVolumeFile[] = {
    T_STR(1, "path", F_KEEP),
    T_MSG(2, "fieldRef", ObjectFieldSelector, 0),
    T_MSG(3, "resourceFieldRef", ResourceFieldSelector, 0),
    T_I32(4, "mode", F_PTR),
};
static const proto_field f_ConfigMapVolumeSource[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_MSG(2, "items", KeyToPath, F_REP),
    T_I32(3, "defaultMode", F_PTR),
    T_BOOL(4, "optional", F_PTR),
};
static const proto_field f_ProjectedVolumeSource[] = {
    T_MSG(1, "sources", VolumeProjection, F_REP | F_KEEP),
    T_I32(2, "defaultMode", F_PTR),
};
static const proto_field f_VolumeProjection[] = {
    T_MSG(1, "secret", SecretProjection, 0),
    T_MSG(2, "downwardAPI", DownwardAPIProjection, 0),
    T_MSG(3, "configMap", ConfigMapProjection, 0),
    T_MSG(4, "serviceAccountToken", ServiceAccountTokenProjection, 0),
    T_MSG(5, "clusterTrustBundle", ClusterTrustBundleProjection, 0),
};
static const proto_field f_SecretProjection[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_MSG(2, "items", KeyToPath, F_REP),
    T_BOOL(4, "optional", F_PTR),
};
static const proto_field f_ConfigMapProjection[] = {
    T_MSG(1, "localObjectReference", LocalObjectReference, F_INLINE),
    T_MSG(2, "items", KeyToPath, F_REP),
    T_BOOL(4, "optional", F_PTR),
};
static const proto_field f_DownwardAPIProjection[] = {
    T_MSG(1, "items", DownwardAPIVolumeFile, F_REP),
};
static const proto_field f_ServiceAccountTokenProjection[] = {
    T_STR(1, "audience", 0),
    T_I64(2, "expirationSeconds", F_PTR),
    T_STR(3, "path", F_KEEP),
};
static const proto_field f_ClusterTrustBundleProjection[] = {
    T_STR(1, "name", F_PTR),
    T_STR(2, "signerName", F_PTR),
    T_MSG(3, "labelSelector", LabelSelector, 0),
    T_STR(4, "path", F_KEEP),
    T_BOOL(5, "optional", F_PTR),
};
static const proto_field f_CSIVolumeSource[] = {
    T_STR(1, "driver", F_KEEP),
    T_BOOL(2, "readOnly", F_PTR),
    T_STR(3, "fsType", F_PTR),
    T_STR(4, "volumeAttributes", F_MAP),
    T_MSG(5, "nodePublishSecretRef", LocalObjectReference, 0),
};
static const proto_field f_EphemeralVolumeSource[] = {
    T_MSG(1, "volumeClaimTemplate", PersistentVolumeClaimTemplate, 0),
};
static const proto_field f_PersistentVolumeClaimTemplate[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", PersistentVolumeClaimSpec, 0),
};
static const proto_field f_PersistentVolumeClaimSpec[] = {
    T_STR(1, "accessModes", F_REP),
    T_MSG(2, "resources", VolumeResourceRequirements, 0),
    T_STR(3, "volumeName", 0),
    T_MSG(4, "selector", LabelSelector, 0),
    T_STR(5, "storageClassName", F_PTR),
    T_STR(6, "volumeMode", F_PTR),
    T_MSG(7, "dataSource", TypedLocalObjectReference, 0),
    T_MSG(8, "dataSourceRef", TypedObjectReference, 0),
    T_STR(9, "volumeAttributesClassName", F_PTR),
};
static const proto_field f_VolumeResourceRequirements[] = {
    T_QTY(1, "limits", F_MAP),
    T_QTY(2, "requests", F_MAP),
};
static const proto_field f_ImageVolumeSource[] = {
    T_STR(1, "reference", 0),
    T_STR(2, "pullPolicy", 0),
};
static const proto_field f_Toleration[] = {
    T_STR(1, "key", 0),
    T_STR(2, "operator", 0),
    T_STR(3, "value", 0),
    T_STR(4, "effect", 0),
    T_I64(5, "tolerationSeconds", F_PTR),
};
static const proto_field f_Affinity[] = {
    T_MSG(1, "nodeAffinity", NodeAffinity, 0),
    T_MSG(2, "podAffinity", PodAffinity, 0),
    T_MSG(3, "podAntiAffinity", PodAntiAffinity, 0),
};
static const proto_field f_NodeAffinity[] = {
    T_MSG(1, "requiredDuringSchedulingIgnoredDuringExecution", NodeSelector, 0),
    T_MSG(2, "preferredDuringSchedulingIgnoredDuringExecution", PreferredSchedulingTerm, F_REP),
};
static const proto_field f_NodeSelector[] = {
    T_MSG(1, "nodeSelectorTerms", NodeSelectorTerm, F_REP | F_KEEP),
};
static const proto_field f_NodeSelectorTerm[] = {
    T_MSG(1, "matchExpressions", NodeSelectorRequirement, F_REP),
    T_MSG(2, "matchFields", NodeSelectorRequirement, F_REP),
};
static const proto_field f_NodeSelectorRequirement[] = {
    T_STR(1, "key", F_KEEP),
    T_STR(2, "operator", F_KEEP),
    T_STR(3, "values", F_REP),
};
static const proto_field f_PreferredSchedulingTerm[] = {
    T_I32(1, "weight", F_KEEP),
    T_MSG(2, "preference", NodeSelectorTerm, 0),
};
static const proto_field f_PodAffinity[] = {
    T_MSG(1, "requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm, F_REP),
    T_MSG(2, "preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm, F_REP),
};
static const proto_field f_PodAntiAffinity[] = {
    T_MSG(1, "requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm, F_REP),
    T_MSG(2, "preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm, F_REP),
};
static const proto_field f_PodAffinityTerm[] = {
    T_MSG(1, "labelSelector", LabelSelector, 0),
    T_STR(2, "namespaces", F_REP),
    T_STR(3, "topologyKey", F_KEEP),
    T_MSG(4, "namespaceSelector", LabelSelector, 0),
    T_STR(5, "matchLabelKeys", F_REP),
    T_STR(6, "mismatchLabelKeys", F_REP),
};
static const proto_field f_WeightedPodAffinityTerm[] = {
    T_I32(1, "weight", F_KEEP),
    T_MSG(2, "podAffinityTerm", PodAffinityTerm, 0),
};
static const proto_field f_HostAlias[] = {
    T_STR(1, "ip", F_KEEP),
    T_STR(2, "hostnames", F_REP),
};
static const proto_field f_PodDNSConfig[] = {
    T_STR(1, "nameservers", F_REP),
    T_STR(2, "searches", F_REP),
    T_MSG(3, "options", PodDNSConfigOption, F_REP),
};
static const proto_field f_PodDNSConfigOption[] = {
    T_STR(1, "name", 0),
    T_STR(2, "value", F_PTR),
};
static const proto_field f_PodReadinessGate[] = {
    T_STR(1, "conditionType", F_KEEP),
};
static const proto_field f_TopologySpreadConstraint[] = {
    T_I32(1, "maxSkew", F_KEEP),           T_STR(2, "topologyKey", F_KEEP),
    T_STR(3, "whenUnsatisfiable", F_KEEP), T_MSG(4, "labelSelector", LabelSelector, 0),
    T_I32(5, "minDomains", F_PTR),         T_STR(6, "nodeAffinityPolicy", F_PTR),
    T_STR(7, "nodeTaintsPolicy", F_PTR),   T_STR(8, "matchLabelKeys", F_REP),
};
static const proto_field f_PodOS[] = {
    T_STR(1, "name", F_KEEP),
};
static const proto_field f_PodSchedulingGate[] = {
    T_STR(1, "name", F_KEEP),
};
static const proto_field f_PodResourceClaim[] = {
    T_STR(1, "name", F_KEEP),
    T_STR(3, "resourceClaimName", F_PTR),
    T_STR(4, "resourceClaimTemplateName", F_PTR),
};

/* --- k8s.io/api/apps/v1 --- */
static const proto_field f_Deployment[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", DeploymentSpec, 0),
    T_MSG(3, "status", DeploymentStatus, 0),
};
static const proto_field f_DeploymentSpec[] = {
    T_I32(1, "replicas", F_PTR),
    T_MSG(2, "selector", LabelSelector, F_PTR | F_KEEP),
    T_MSG(3, "template", PodTemplateSpec, 0),
    T_MSG(4, "strategy", DeploymentStrategy, 0),
    T_I32(5, "minReadySeconds", 0),
    T_I32(6, "revisionHistoryLimit", F_PTR),
    T_BOOL(7, "paused", 0),
    T_I32(9, "progressDeadlineSeconds", F_PTR),
    T_STR(10, "podReplacementPolicy", F_PTR),
};
static const proto_field f_DeploymentStrategy[] = {
    T_STR(1, "type", 0),
    T_MSG(2, "rollingUpdate", RollingUpdateDeployment, 0),
};
static const proto_field f_RollingUpdateDeployment[] = {
    T_IOS(1, "maxUnavailable", F_PTR),
    T_IOS(2, "maxSurge", F_PTR),
};
static const proto_field f_DeploymentStatus[] = {
    T_I64(1, "observedGeneration", 0),      T_I32(2, "replicas", 0),
    T_I32(3, "updatedReplicas", 0),         T_I32(4, "availableReplicas", 0),
    T_I32(5, "unavailableReplicas", 0),     T_MSG(6, "conditions", DeploymentCondition, F_REP),
    T_I32(7, "readyReplicas", 0),           T_I32(8, "collisionCount", F_PTR),
    T_I32(9, "terminatingReplicas", F_PTR),
};
static const proto_field f_DeploymentCondition[] = {
    T_STR(1, "type", F_KEEP), T_STR(2, "status", F_KEEP),     T_STR(4, "reason", 0),
    T_STR(5, "message", 0),   T_TIME(6, "lastUpdateTime", 0), T_TIME(7, "lastTransitionTime", 0),
};

/* --- k8s.io/api/batch/v1 --- */
static const proto_field f_Job[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", JobSpec, 0),
    T_MSG(3, "status", JobStatus, 0),
};
static const proto_field f_JobSpec[] = {
    T_I32(1, "parallelism", F_PTR),
    T_I32(2, "completions", F_PTR),
    T_I64(3, "activeDeadlineSeconds", F_PTR),
    T_MSG(4, "selector", LabelSelector, 0),
    T_BOOL(5, "manualSelector", F_PTR),
    T_MSG(6, "template", PodTemplateSpec, 0),
    T_I32(7, "backoffLimit", F_PTR),
    T_I32(8, "ttlSecondsAfterFinished", F_PTR),
    T_STR(9, "completionMode", F_PTR),
    T_BOOL(10, "suspend", F_PTR),
    T_MSG(11, "podFailurePolicy", PodFailurePolicy, 0),
    T_I32(12, "backoffLimitPerIndex", F_PTR),
    T_I32(13, "maxFailedIndexes", F_PTR),
    T_STR(14, "podReplacementPolicy", F_PTR),
    T_STR(15, "managedBy", F_PTR),
    T_MSG(16, "successPolicy", SuccessPolicy, 0),
};
static const proto_field f_JobStatus[] = {
    T_MSG(1, "conditions", JobCondition, F_REP),
    T_TIME(2, "startTime", F_PTR),
    T_TIME(3, "completionTime", F_PTR),
    T_I32(4, "active", 0),
    T_I32(5, "succeeded", 0),
    T_I32(6, "failed", 0),
    T_STR(7, "completedIndexes", 0),
    T_MSG(8, "uncountedTerminatedPods", UncountedTerminatedPods, 0),
    T_I32(9, "ready", F_PTR),
    T_STR(10, "failedIndexes", F_PTR),
    T_I32(11, "terminating", F_PTR),
};
static const proto_field f_JobCondition[] = {
    T_STR(1, "type", F_KEEP),           T_STR(2, "status", F_KEEP), T_TIME(3, "lastProbeTime", 0),
    T_TIME(4, "lastTransitionTime", 0), T_STR(5, "reason", 0),      T_STR(6, "message", 0),
};
static const proto_field f_JobTemplateSpec[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", JobSpec, 0),
};
static const proto_field f_UncountedTerminatedPods[] = {
    T_STR(1, "succeeded", F_REP),
    T_STR(2, "failed", F_REP),
};
static const proto_field f_PodFailurePolicy[] = {
    T_MSG(1, "rules", PodFailurePolicyRule, F_REP | F_KEEP),
};
static const proto_field f_PodFailurePolicyRule[] = {
    T_STR(1, "action", F_KEEP),
    T_MSG(2, "onExitCodes", PodFailurePolicyOnExitCodesRequirement, 0),
    T_MSG(3, "onPodConditions", PodFailurePolicyOnPodConditionsPattern, F_REP),
};
static const proto_field f_PodFailurePolicyOnExitCodesRequirement[] = {
    T_STR(1, "containerName", F_PTR),
    T_STR(2, "operator", F_KEEP),
    T_I32(3, "values", F_REP | F_KEEP),
};
static const proto_field f_PodFailurePolicyOnPodConditionsPattern[] = {
    T_STR(1, "type", F_KEEP),
    T_STR(2, "status", 0),
};
static const proto_field f_SuccessPolicy[] = {
    T_MSG(1, "rules", SuccessPolicyRule, F_REP | F_KEEP),
};
static const proto_field f_SuccessPolicyRule[] = {
    T_STR(1, "succeededIndexes", F_PTR),
    T_I32(2, "succeededCount", F_PTR),
};
static const proto_field f_CronJob[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", CronJobSpec, 0),
    T_MSG(3, "status", CronJobStatus, 0),
};
static const proto_field f_CronJobSpec[] = {
    T_STR(1, "schedule", F_KEEP),
    T_I64(2, "startingDeadlineSeconds", F_PTR),
    T_STR(3, "concurrencyPolicy", 0),
    T_BOOL(4, "suspend", F_PTR),
    T_MSG(5, "jobTemplate", JobTemplateSpec, 0),
    T_I32(6, "successfulJobsHistoryLimit", F_PTR),
    T_I32(7, "failedJobsHistoryLimit", F_PTR),
    T_STR(8, "timeZone", F_PTR),
};
static const proto_field f_CronJobStatus[] = {
    T_MSG(1, "active", ObjectReference, F_REP),
    T_TIME(4, "lastScheduleTime", F_PTR),
    T_TIME(5, "lastSuccessfulTime", F_PTR),
};

/* --- k8s.io/api/rbac/v1 --- */
static const proto_field f_Role[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "rules", PolicyRule, F_REP | F_KEEP),
};
static const proto_field f_ClusterRole[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "rules", PolicyRule, F_REP | F_KEEP),
    T_MSG(3, "aggregationRule", AggregationRule, 0),
};
static const proto_field f_RoleBinding[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "subjects", Subject, F_REP),
    T_MSG(3, "roleRef", RoleRef, 0),
};
static const proto_field f_ClusterRoleBinding[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "subjects", Subject, F_REP),
    T_MSG(3, "roleRef", RoleRef, 0),
};
static const proto_field f_PolicyRule[] = {
    T_STR(1, "verbs", F_REP | F_KEEP),  T_STR(2, "apiGroups", F_REP),
    T_STR(3, "resources", F_REP),       T_STR(4, "resourceNames", F_REP),
    T_STR(5, "nonResourceURLs", F_REP),
};
static const proto_field f_AggregationRule[] = {
    T_MSG(1, "clusterRoleSelectors", LabelSelector, F_REP),
};
static const proto_field f_RoleRef[] = {
    T_STR(1, "apiGroup", F_KEEP),
    T_STR(2, "kind", F_KEEP),
    T_STR(3, "name", F_KEEP),
};
static const proto_field f_Subject[] = {
    T_STR(1, "kind", F_KEEP),
    T_STR(2, "apiGroup", 0),
    T_STR(3, "name", F_KEEP),
    T_STR(4, "namespace", 0),
};

/* --- k8s.io/api/scheduling/v1 --- */
static const proto_field f_PriorityClass[] = {
    T_MSG(1, "metadata", ObjectMeta, 0), T_I32(2, "value", F_KEEP),
    T_BOOL(3, "globalDefault", 0),       T_STR(4, "description", 0),
    T_STR(5, "preemptionPolicy", F_PTR),
};

/* --- k8s.io/api/policy/v1 --- */
static const proto_field f_PodDisruptionBudget[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", PodDisruptionBudgetSpec, 0),
    T_MSG(3, "status", PodDisruptionBudgetStatus, 0),
};
static const proto_field f_PodDisruptionBudgetSpec[] = {
    T_IOS(1, "minAvailable", F_PTR),
    T_MSG(2, "selector", LabelSelector, 0),
    T_IOS(3, "maxUnavailable", F_PTR),
    T_STR(4, "unhealthyPodEvictionPolicy", F_PTR),
};
static const proto_field f_PodDisruptionBudgetStatus[] = {
    T_I64(1, "observedGeneration", 0),        T_TIME(2, "disruptedPods", F_MAP),
    T_I32(3, "disruptionsAllowed", F_KEEP),   T_I32(4, "currentHealthy", F_KEEP),
    T_I32(5, "desiredHealthy", F_KEEP),       T_I32(6, "expectedPods", F_KEEP),
    T_MSG(7, "conditions", Condition, F_REP),
};

/* --- k8s.io/api/networking/v1 --- */
static const proto_field f_Ingress[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", IngressSpec, 0),
    T_MSG(3, "status", IngressStatus, 0),
};
static const proto_field f_IngressSpec[] = {
    T_MSG(1, "defaultBackend", IngressBackend, 0),
    T_MSG(2, "tls", IngressTLS, F_REP),
    T_MSG(3, "rules", IngressRule, F_REP),
    T_STR(4, "ingressClassName", F_PTR),
};
static const proto_field f_IngressBackend[] = {
    T_MSG(3, "resource", TypedLocalObjectReference, 0),
    T_MSG(4, "service", IngressServiceBackend, 0),
};
static const proto_field f_IngressServiceBackend[] = {
    T_STR(1, "name", F_KEEP),
    T_MSG(2, "port", ServiceBackendPort, 0),
};
static const proto_field f_ServiceBackendPort[] = {
    T_STR(1, "name", 0),
    T_I32(2, "number", 0),
};
static const proto_field f_IngressTLS[] = {
    T_STR(1, "hosts", F_REP),
    T_STR(2, "secretName", 0),
};
static const proto_field f_IngressRule[] = {
    T_STR(1, "host", 0),
    T_MSG(2, "ingressRuleValue", IngressRuleValue, F_INLINE),
};
static const proto_field f_IngressRuleValue[] = {
    T_MSG(1, "http", HTTPIngressRuleValue, 0),
};
static const proto_field f_HTTPIngressRuleValue[] = {
    T_MSG(1, "paths", HTTPIngressPath, F_REP | F_KEEP),
};
static const proto_field f_HTTPIngressPath[] = {
    T_STR(1, "path", 0),
    T_MSG(2, "backend", IngressBackend, 0),
    T_STR(3, "pathType", F_PTR | F_KEEP),
};
static const proto_field f_IngressStatus[] = {
    T_MSG(1, "loadBalancer", IngressLoadBalancerStatus, 0),
};
static const proto_field f_IngressLoadBalancerStatus[] = {
    T_MSG(1, "ingress", IngressLoadBalancerIngress, F_REP),
};
static const proto_field f_IngressLoadBalancerIngress[] = {
    T_STR(1, "ip", 0),
    T_STR(2, "hostname", 0),
    T_MSG(4, "ports", IngressPortStatus, F_REP),
};
static const proto_field f_IngressPortStatus[] = {
    T_I32(1, "port", F_KEEP),
    T_STR(2, "protocol", F_KEEP),
    T_STR(3, "error", F_PTR),
};

/* --- k8s.io/api/authentication/v1 --- */
static const proto_field f_TokenRequest[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", TokenRequestSpec, 0),
    T_MSG(3, "status", TokenRequestStatus, 0),
};
static const proto_field f_TokenRequestSpec[] = {
    T_STR(1, "audiences", F_REP | F_KEEP),
    T_MSG(3, "boundObjectRef", BoundObjectReference, 0),
    T_I64(4, "expirationSeconds", F_PTR),
};
/* The .proto spells fields 2 and 4 "aPIVersion" and "uID"; the JSON names are the Go tags. */
static const proto_field f_BoundObjectReference[] = {
    T_STR(1, "kind", 0),
    T_STR(2, "apiVersion", 0),
    T_STR(3, "name", 0),
    T_STR(4, "uid", 0),
};
static const proto_field f_TokenRequestStatus[] = {
    T_STR(1, "token", F_KEEP),
    T_TIME(2, "expirationTimestamp", F_KEEP),
};
static const proto_field f_TokenReview[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", TokenReviewSpec, 0),
    T_MSG(3, "status", TokenReviewStatus, 0),
};
static const proto_field f_TokenReviewSpec[] = {
    T_STR(1, "token", 0),
    T_STR(2, "audiences", F_REP),
};
static const proto_field f_TokenReviewStatus[] = {
    T_BOOL(1, "authenticated", 0),
    T_MSG(2, "user", UserInfo, 0),
    T_STR(3, "error", 0),
    T_STR(4, "audiences", F_REP),
};
static const proto_field f_UserInfo[] = {
    T_STR(1, "username", 0),
    T_STR(2, "uid", 0),
    T_STR(3, "groups", F_REP),
    T_XV(4, "extra", F_MAP),
};
static const proto_field f_SelfSubjectReview[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "status", SelfSubjectReviewStatus, 0),
};
static const proto_field f_SelfSubjectReviewStatus[] = {
    T_MSG(1, "userInfo", UserInfo, 0),
};

/* --- k8s.io/api/authorization/v1 --- */
static const proto_field f_SelfSubjectAccessReview[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", SelfSubjectAccessReviewSpec, 0),
    T_MSG(3, "status", SubjectAccessReviewStatus, 0),
};
static const proto_field f_SelfSubjectAccessReviewSpec[] = {
    T_MSG(1, "resourceAttributes", ResourceAttributes, 0),
    T_MSG(2, "nonResourceAttributes", NonResourceAttributes, 0),
};
static const proto_field f_SubjectAccessReview[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", SubjectAccessReviewSpec, 0),
    T_MSG(3, "status", SubjectAccessReviewStatus, 0),
};
static const proto_field f_SubjectAccessReviewSpec[] = {
    T_MSG(1, "resourceAttributes", ResourceAttributes, 0),
    T_MSG(2, "nonResourceAttributes", NonResourceAttributes, 0),
    T_STR(3, "user", 0),
    T_STR(4, "groups", F_REP),
    T_XV(5, "extra", F_MAP),
    T_STR(6, "uid", 0),
};
static const proto_field f_SubjectAccessReviewStatus[] = {
    T_BOOL(1, "allowed", F_KEEP),
    T_STR(2, "reason", 0),
    T_STR(3, "evaluationError", 0),
    T_BOOL(4, "denied", 0),
};
static const proto_field f_ResourceAttributes[] = {
    T_STR(1, "namespace", 0),
    T_STR(2, "verb", 0),
    T_STR(3, "group", 0),
    T_STR(4, "version", 0),
    T_STR(5, "resource", 0),
    T_STR(6, "subresource", 0),
    T_STR(7, "name", 0),
    T_MSG(8, "fieldSelector", FieldSelectorAttributes, 0),
    T_MSG(9, "labelSelector", LabelSelectorAttributes, 0),
};
static const proto_field f_NonResourceAttributes[] = {
    T_STR(1, "path", 0),
    T_STR(2, "verb", 0),
};
static const proto_field f_FieldSelectorAttributes[] = {
    T_STR(1, "rawSelector", 0),
    T_MSG(2, "requirements", FieldSelectorRequirement, F_REP),
};
static const proto_field f_FieldSelectorRequirement[] = {
    T_STR(1, "key", F_KEEP),
    T_STR(2, "operator", F_KEEP),
    T_STR(3, "values", F_REP),
};
static const proto_field f_LabelSelectorAttributes[] = {
    T_STR(1, "rawSelector", 0),
    T_MSG(2, "requirements", LabelSelectorRequirement, F_REP),
};
static const proto_field f_SelfSubjectRulesReview[] = {
    T_MSG(1, "metadata", ObjectMeta, 0),
    T_MSG(2, "spec", SelfSubjectRulesReviewSpec, 0),
    T_MSG(3, "status", SubjectRulesReviewStatus, 0),
};
static const proto_field f_SelfSubjectRulesReviewSpec[] = {
    T_STR(1, "namespace", 0),
};
static const proto_field f_SubjectRulesReviewStatus[] = {
    T_MSG(1, "resourceRules", ResourceRule, F_REP | F_KEEP),
    T_MSG(2, "nonResourceRules", NonResourceRule, F_REP | F_KEEP),
    T_BOOL(3, "incomplete", F_KEEP),
    T_STR(4, "evaluationError", 0),
};
static const proto_field f_ResourceRule[] = {
    T_STR(1, "verbs", F_REP | F_KEEP),
    T_STR(2, "apiGroups", F_REP),
    T_STR(3, "resources", F_REP),
    T_STR(4, "resourceNames", F_REP),
};
static const proto_field f_NonResourceRule[] = {
    T_STR(1, "verbs", F_REP | F_KEEP),
    T_STR(2, "nonResourceURLs", F_REP),
};

const proto_msg kp_proto_msgs[M_COUNT] = {
#define X(m) [M_##m] = {#m, f_##m, KP_ARRAY_LEN(f_##m)},
    PROTO_MESSAGES(X)
#undef X
};

/* The kinds a body may carry: what kubectl sends as protobuf, plus the review kinds other
 * typed clients create. */
const proto_kind kp_proto_kinds[] = {
    {"v1", "Namespace", M_Namespace},
    {"v1", "ConfigMap", M_ConfigMap},
    {"v1", "Secret", M_Secret},
    {"v1", "ServiceAccount", M_ServiceAccount},
    {"v1", "Service", M_Service},
    {"v1", "ResourceQuota", M_ResourceQuota},
    {"apps/v1", "Deployment", M_Deployment},
    {"batch/v1", "Job", M_Job},
    {"batch/v1", "CronJob", M_CronJob},
    {"rbac.authorization.k8s.io/v1", "Role", M_Role},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", M_RoleBinding},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", M_ClusterRole},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", M_ClusterRoleBinding},
    {"scheduling.k8s.io/v1", "PriorityClass", M_PriorityClass},
    {"policy/v1", "PodDisruptionBudget", M_PodDisruptionBudget},
    {"networking.k8s.io/v1", "Ingress", M_Ingress},
    {"authentication.k8s.io/v1", "TokenRequest", M_TokenRequest},
    {"authentication.k8s.io/v1", "TokenReview", M_TokenReview},
    {"authentication.k8s.io/v1", "SelfSubjectReview", M_SelfSubjectReview},
    {"authorization.k8s.io/v1", "SelfSubjectAccessReview", M_SelfSubjectAccessReview},
    {"authorization.k8s.io/v1", "SelfSubjectRulesReview", M_SelfSubjectRulesReview},
    {"authorization.k8s.io/v1", "SubjectAccessReview", M_SubjectAccessReview},
    {"authorization.k8s.io/v1", "LocalSubjectAccessReview", M_SubjectAccessReview},
};

const size_t kp_proto_nkinds = KP_ARRAY_LEN(kp_proto_kinds);
