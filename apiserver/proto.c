#include "lib/common.h"
#include "apiserver/proto.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/limits.h"

/* What a field holds on the wire and how it becomes JSON. */
enum {
    K_STRING,   /* string -> JSON string (must be UTF-8, as jansson needs) */
    K_BYTES,    /* bytes -> base64 string, as Go encodes []byte */
    K_INT32,    /* varint -> number; Go keeps the low 32 bits */
    K_INT64,    /* varint -> number */
    K_BOOL,     /* varint -> true unless 0 */
    K_MSG,      /* embedded message (ref) -> object */
    K_INTSTR,   /* intstr.IntOrString {1 type, 2 intVal, 3 strVal} -> number or string */
    K_QTY,      /* resource.Quantity {1 string} -> string ("0" when unset, as Go's zero value) */
    K_TIME,     /* meta.v1.Time {1 seconds, 2 nanos} -> RFC 3339 seconds, null when empty */
    K_FIELDSV1, /* meta.v1.FieldsV1 {1 Raw} -> the raw JSON value it carries */
    K_STRLIST,  /* ExtraValue {repeated string items = 1} -> array of strings, Go's []string */
};

/* Go's encoding/json rules the table records per field. A non-pointer scalar is always on the
 * wire (gogo writes zero values), so omitempty must be applied here; a pointer is on the wire
 * only when set, so a zero there was meant (replicas: 0, automountServiceAccountToken: false). */
enum {
    F_REP = 1 << 0,    /* repeated -> array */
    F_MAP = 1 << 1,    /* map<string, kind> -> object */
    F_PTR = 1 << 2,    /* Go pointer: emitted whenever present, zero included */
    F_KEEP = 1 << 3,   /* json tag without omitempty: zero kept; when absent, zero or null */
    F_INLINE = 1 << 4, /* json:",inline": the message's fields go into the enclosing object */
};

typedef struct {
    uint32_t num;
    const char *json;
    uint8_t kind;
    uint8_t flags;
    uint16_t ref; /* message index, for K_MSG */
} proto_field;

typedef struct {
    const char *name;
    const proto_field *fields;
    size_t nfields;
} proto_msg;

/* Every message kplane decodes. Field numbers are those of Kubernetes' generated.proto files
 * (k8s.io/api core, apps, batch, rbac, scheduling, policy, networking, authentication,
 * authorization v1; k8s.io/apimachinery meta/v1, runtime, intstr, resource); JSON names and
 * omitempty/pointer flags follow the Go types. Fields not listed (in-tree volume plugins,
 * alpha fields, read-only status details) are skipped like any unknown field. */
#define PROTO_MESSAGES(X)                                                                          \
    X(ObjectMeta)                                                                                  \
    X(OwnerReference)                                                                              \
    X(ManagedFieldsEntry)                                                                          \
    X(LabelSelector)                                                                               \
    X(LabelSelectorRequirement)                                                                    \
    X(Condition)                                                                                   \
    X(ConfigMap)                                                                                   \
    X(Secret)                                                                                      \
    X(Namespace)                                                                                   \
    X(NamespaceSpec)                                                                               \
    X(NamespaceStatus)                                                                             \
    X(NamespaceCondition)                                                                          \
    X(ServiceAccount)                                                                              \
    X(ObjectReference)                                                                             \
    X(LocalObjectReference)                                                                        \
    X(TypedLocalObjectReference)                                                                   \
    X(TypedObjectReference)                                                                        \
    X(Service)                                                                                     \
    X(ServiceSpec)                                                                                 \
    X(ServicePort)                                                                                 \
    X(ServiceStatus)                                                                               \
    X(LoadBalancerStatus)                                                                          \
    X(LoadBalancerIngress)                                                                         \
    X(PortStatus)                                                                                  \
    X(SessionAffinityConfig)                                                                       \
    X(ClientIPConfig)                                                                              \
    X(ResourceQuota)                                                                               \
    X(ResourceQuotaSpec)                                                                           \
    X(ResourceQuotaStatus)                                                                         \
    X(ScopeSelector)                                                                               \
    X(ScopedResourceSelectorRequirement)                                                           \
    X(PodTemplateSpec)                                                                             \
    X(PodSpec)                                                                                     \
    X(PodSecurityContext)                                                                          \
    X(WindowsSecurityContextOptions)                                                               \
    X(Sysctl)                                                                                      \
    X(SELinuxOptions)                                                                              \
    X(SeccompProfile)                                                                              \
    X(AppArmorProfile)                                                                             \
    X(Container)                                                                                   \
    X(ContainerPort)                                                                               \
    X(ContainerResizePolicy)                                                                       \
    X(EnvVar)                                                                                      \
    X(EnvVarSource)                                                                                \
    X(ObjectFieldSelector)                                                                         \
    X(ResourceFieldSelector)                                                                       \
    X(ConfigMapKeySelector)                                                                        \
    X(SecretKeySelector)                                                                           \
    X(EnvFromSource)                                                                               \
    X(ConfigMapEnvSource)                                                                          \
    X(SecretEnvSource)                                                                             \
    X(ResourceRequirements)                                                                        \
    X(ResourceClaim)                                                                               \
    X(VolumeMount)                                                                                 \
    X(VolumeDevice)                                                                                \
    X(Probe)                                                                                       \
    X(ProbeHandler)                                                                                \
    X(ExecAction)                                                                                  \
    X(HTTPGetAction)                                                                               \
    X(HTTPHeader)                                                                                  \
    X(TCPSocketAction)                                                                             \
    X(GRPCAction)                                                                                  \
    X(Lifecycle)                                                                                   \
    X(LifecycleHandler)                                                                            \
    X(SleepAction)                                                                                 \
    X(SecurityContext)                                                                             \
    X(Capabilities)                                                                                \
    X(Volume)                                                                                      \
    X(VolumeSource)                                                                                \
    X(HostPathVolumeSource)                                                                        \
    X(EmptyDirVolumeSource)                                                                        \
    X(SecretVolumeSource)                                                                          \
    X(KeyToPath)                                                                                   \
    X(NFSVolumeSource)                                                                             \
    X(PersistentVolumeClaimVolumeSource)                                                           \
    X(DownwardAPIVolumeSource)                                                                     \
    X(DownwardAPIVolumeFile)                                                                       \
    X(ConfigMapVolumeSource)                                                                       \
    X(ProjectedVolumeSource)                                                                       \
    X(VolumeProjection)                                                                            \
    X(SecretProjection)                                                                            \
    X(ConfigMapProjection)                                                                         \
    X(DownwardAPIProjection)                                                                       \
    X(ServiceAccountTokenProjection)                                                               \
    X(ClusterTrustBundleProjection)                                                                \
    X(CSIVolumeSource)                                                                             \
    X(EphemeralVolumeSource)                                                                       \
    X(PersistentVolumeClaimTemplate)                                                               \
    X(PersistentVolumeClaimSpec)                                                                   \
    X(VolumeResourceRequirements)                                                                  \
    X(ImageVolumeSource)                                                                           \
    X(Toleration)                                                                                  \
    X(Affinity)                                                                                    \
    X(NodeAffinity)                                                                                \
    X(NodeSelector)                                                                                \
    X(NodeSelectorTerm)                                                                            \
    X(NodeSelectorRequirement)                                                                     \
    X(PreferredSchedulingTerm)                                                                     \
    X(PodAffinity)                                                                                 \
    X(PodAntiAffinity)                                                                             \
    X(PodAffinityTerm)                                                                             \
    X(WeightedPodAffinityTerm)                                                                     \
    X(HostAlias)                                                                                   \
    X(PodDNSConfig)                                                                                \
    X(PodDNSConfigOption)                                                                          \
    X(PodReadinessGate)                                                                            \
    X(TopologySpreadConstraint)                                                                    \
    X(PodOS)                                                                                       \
    X(PodSchedulingGate)                                                                           \
    X(PodResourceClaim)                                                                            \
    X(Deployment)                                                                                  \
    X(DeploymentSpec)                                                                              \
    X(DeploymentStrategy)                                                                          \
    X(RollingUpdateDeployment)                                                                     \
    X(DeploymentStatus)                                                                            \
    X(DeploymentCondition)                                                                         \
    X(Job)                                                                                         \
    X(JobSpec)                                                                                     \
    X(JobStatus)                                                                                   \
    X(JobCondition)                                                                                \
    X(JobTemplateSpec)                                                                             \
    X(UncountedTerminatedPods)                                                                     \
    X(PodFailurePolicy)                                                                            \
    X(PodFailurePolicyRule)                                                                        \
    X(PodFailurePolicyOnExitCodesRequirement)                                                      \
    X(PodFailurePolicyOnPodConditionsPattern)                                                      \
    X(SuccessPolicy)                                                                               \
    X(SuccessPolicyRule)                                                                           \
    X(CronJob)                                                                                     \
    X(CronJobSpec)                                                                                 \
    X(CronJobStatus)                                                                               \
    X(Role)                                                                                        \
    X(ClusterRole)                                                                                 \
    X(RoleBinding)                                                                                 \
    X(ClusterRoleBinding)                                                                          \
    X(PolicyRule)                                                                                  \
    X(AggregationRule)                                                                             \
    X(RoleRef)                                                                                     \
    X(Subject)                                                                                     \
    X(PriorityClass)                                                                               \
    X(PodDisruptionBudget)                                                                         \
    X(PodDisruptionBudgetSpec)                                                                     \
    X(PodDisruptionBudgetStatus)                                                                   \
    X(Ingress)                                                                                     \
    X(IngressSpec)                                                                                 \
    X(IngressBackend)                                                                              \
    X(IngressServiceBackend)                                                                       \
    X(ServiceBackendPort)                                                                          \
    X(IngressTLS)                                                                                  \
    X(IngressRule)                                                                                 \
    X(IngressRuleValue)                                                                            \
    X(HTTPIngressRuleValue)                                                                        \
    X(HTTPIngressPath)                                                                             \
    X(IngressStatus)                                                                               \
    X(IngressLoadBalancerStatus)                                                                   \
    X(IngressLoadBalancerIngress)                                                                  \
    X(IngressPortStatus)                                                                           \
    X(TokenRequest)                                                                                \
    X(TokenRequestSpec)                                                                            \
    X(BoundObjectReference)                                                                        \
    X(TokenRequestStatus)                                                                          \
    X(TokenReview)                                                                                 \
    X(TokenReviewSpec)                                                                             \
    X(TokenReviewStatus)                                                                           \
    X(UserInfo)                                                                                    \
    X(SelfSubjectReview)                                                                           \
    X(SelfSubjectReviewStatus)                                                                     \
    X(SelfSubjectAccessReview)                                                                     \
    X(SelfSubjectAccessReviewSpec)                                                                 \
    X(SubjectAccessReview)                                                                         \
    X(SubjectAccessReviewSpec)                                                                     \
    X(SubjectAccessReviewStatus)                                                                   \
    X(ResourceAttributes)                                                                          \
    X(NonResourceAttributes)                                                                       \
    X(FieldSelectorAttributes)                                                                     \
    X(FieldSelectorRequirement)                                                                    \
    X(LabelSelectorAttributes)                                                                     \
    X(SelfSubjectRulesReview)                                                                      \
    X(SelfSubjectRulesReviewSpec)                                                                  \
    X(SubjectRulesReviewStatus)                                                                    \
    X(ResourceRule)                                                                                \
    X(NonResourceRule)

enum {
#define X(m) M_##m,
    PROTO_MESSAGES(X)
#undef X
        M_COUNT
};

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

static const proto_msg msgs[M_COUNT] = {
#define X(m) [M_##m] = {#m, f_##m, KP_ARRAY_LEN(f_##m)},
    PROTO_MESSAGES(X)
#undef X
};

/* The kinds a body may carry: what kubectl sends as protobuf, plus the review kinds other
 * typed clients create. */
static const struct {
    const char *api_version;
    const char *kind;
    uint16_t msg;
} kinds[] = {
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

/* A request body holds at most KP_BODY_MAX bytes, but a 2-byte empty message can become an
 * object with defaults; cap the values made so a crafted body cannot cost more memory than the
 * largest legitimate object (an etcd-sized 1.5 MiB of JSON has fewer). */
/* Longest apiVersion/kind quoted back in an error message. */
#define PROTO_QUOTE_MAX 64

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} rd;

typedef struct {
    size_t values; /* JSON values made so far */
} dec;

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as jansson wants. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static int rd_varint(uint64_t *out, rd *r)
{
    uint64_t v = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (r->p == r->end)
            return kp_err_set(KP_EBADREQUEST, "protobuf body is truncated inside a varint");
        b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80) {
            *out = v;
            return 0;
        }
    }
    return kp_err_set(KP_EBADREQUEST, "protobuf varint is longer than 10 bytes");
}

/* A length-delimited payload, bounded by what is left of the enclosing message. */
static int rd_bytes(const uint8_t **p, size_t *n, rd *r)
{
    uint64_t len;
    int rc;

    if ((rc = rd_varint(&len, r)) < 0)
        return rc;
    if (len > (uint64_t)(r->end - r->p))
        return kp_err_set(KP_EBADREQUEST,
                          "protobuf length %llu runs past the end of its message (%zu bytes left)",
                          (unsigned long long)len, (size_t)(r->end - r->p));
    *p = r->p;
    *n = (size_t)len;
    r->p += len;
    return 0;
}

static int rd_tag(uint32_t *field, unsigned *wt, rd *r)
{
    uint64_t v;
    int rc;

    if ((rc = rd_varint(&v, r)) < 0)
        return rc;
    /* proto: field numbers are 1 .. 2^29-1 */
    if (v >> 3 == 0 || v >> 3 > 0x1FFFFFFF)
        return kp_err_set(KP_EBADREQUEST, "protobuf field number %llu is invalid",
                          (unsigned long long)(v >> 3));
    *field = (uint32_t)(v >> 3);
    *wt = (unsigned)(v & 7);
    return 0;
}

static int rd_skip(rd *r, uint32_t field, unsigned wt)
{
    const uint8_t *p;
    size_t n;
    uint64_t v;

    switch (wt) {
    case 0:
        return rd_varint(&v, r);
    case 1:
    case 5:
        n = wt == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return kp_err_set(KP_EBADREQUEST, "protobuf body is truncated inside field %u", field);
        r->p += n;
        return 0;
    case 2:
        return rd_bytes(&p, &n, r);
    case 3:
    case 4:
        /* Kubernetes never uses groups; skipping them would need unbounded recursion. */
        return kp_err_set(KP_EBADREQUEST, "protobuf field %u uses groups (wire type %u)", field,
                          wt);
    default:
        return kp_err_set(KP_EBADREQUEST, "protobuf field %u has invalid wire type %u", field, wt);
    }
}

static int wire_err(const proto_msg *m, const proto_field *f, unsigned wt)
{
    return kp_err_set(KP_EBADREQUEST, "protobuf field %s.%s (%u) has wire type %u", m->name,
                      f->json, f->num, wt);
}

/* Counts one JSON value against KP_PROTO_VALUES_MAX. */
static int dec_value(dec *d)
{
    if (++d->values > KP_PROTO_VALUES_MAX)
        return kp_err_set(KP_ETOOLARGE, "protobuf body expands to more than %d JSON values",
                          KP_PROTO_VALUES_MAX);
    return 0;
}

static int check_depth(int depth)
{
    if (depth > KP_JSON_DEPTH_MAX)
        return kp_err_set(KP_EBADREQUEST, "protobuf body nests deeper than %d levels",
                          KP_JSON_DEPTH_MAX);
    return 0;
}

static int utf8_err(const proto_msg *m, const proto_field *f)
{
    return kp_err_set(KP_EBADREQUEST, "protobuf field %s.%s is not valid UTF-8", m->name, f->json);
}

/* Howard Hinnant's civil_from_days: day count since 1970-01-01 to a proleptic Gregorian date. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* k8s: metav1.Time marshals as RFC 3339 in UTC with whole seconds (nanos are dropped on
 * decode too); Go refuses years outside 0000-9999. */
static int time_json(json_t **out, int64_t secs)
{
    char buf[64];
    int64_t days, rem, y;
    unsigned mo, d;

    if (secs < -62167219200LL || secs > 253402300799LL)
        return kp_err_set(KP_EBADREQUEST, "protobuf time %lld s is outside years 0000-9999",
                          (long long)secs);
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &mo, &d);
    snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, mo, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    *out = json_string(buf);
    return 0;
}

static int decode_msg(dec *d, json_t *obj, uint16_t mi, const uint8_t *p, size_t n, int depth);

/* IntOrString {1 type int64, 2 intVal int32, 3 strVal string}: type 0 is an int, 1 a string. */
static int intstr_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                       size_t n)
{
    rd r = {p, p + n};
    uint64_t type = 0, ival = 0;
    const uint8_t *s = NULL;
    size_t sn = 0;
    int rc;

    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if ((field == 1 || field == 2) && wt == 0)
            rc = rd_varint(field == 1 ? &type : &ival, &r);
        else if (field == 3 && wt == 2)
            rc = rd_bytes(&s, &sn, &r);
        else if (field <= 3)
            return wire_err(m, f, wt);
        else
            rc = rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    if (type == 0) {
        *out = json_integer((int32_t)(uint32_t)ival);
        return 0;
    }
    if (type != 1)
        return kp_err_set(KP_EBADREQUEST, "protobuf field %s.%s has IntOrString type %llu", m->name,
                          f->json, (unsigned long long)type);
    if (s && !utf8_valid(s, sn))
        return utf8_err(m, f);
    *out = json_stringn_nocheck(s ? (const char *)s : "", sn);
    return 0;
}

/* Quantity {1 string}; the zero Quantity prints as "0". */
static int qty_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                    size_t n)
{
    rd r = {p, p + n};
    const uint8_t *s = NULL;
    size_t sn = 0;
    int rc;

    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if (field == 1 && wt != 2)
            return wire_err(m, f, wt);
        rc = field == 1 ? rd_bytes(&s, &sn, &r) : rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    if (!s) {
        *out = json_string("0");
        return 0;
    }
    if (!utf8_valid(s, sn))
        return utf8_err(m, f);
    *out = json_stringn_nocheck((const char *)s, sn);
    return 0;
}

/* Time {1 seconds, 2 nanos}. An empty message is the zero time, which Go writes as null. */
static int timemsg_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                        size_t n)
{
    rd r = {p, p + n};
    uint64_t secs = 0, nanos;
    int rc;

    if (n == 0) {
        *out = json_null();
        return 0;
    }
    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if ((field == 1 || field == 2) && wt != 0)
            return wire_err(m, f, wt);
        if (field == 1)
            rc = rd_varint(&secs, &r);
        else if (field == 2)
            rc = rd_varint(&nanos, &r);
        else
            rc = rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    return time_json(out, (int64_t)secs);
}

/* FieldsV1 {1 Raw}: the raw bytes are JSON and are emitted as they are (Go's MarshalJSON). */
static int fieldsv1_json(json_t **out, const proto_msg *m, const proto_field *f, const uint8_t *p,
                         size_t n, int depth)
{
    rd r = {p, p + n};
    const uint8_t *raw = NULL;
    size_t rawn = 0;
    json_t *v = NULL;
    int rc, nest = 0;

    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if (field == 1 && wt != 2)
            return wire_err(m, f, wt);
        rc = field == 1 ? rd_bytes(&raw, &rawn, &r) : rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    if (rawn == 0) {
        *out = json_null();
        return 0;
    }
    if ((rc = kp_json_parse(&v, (const char *)raw, rawn)) < 0)
        return kp_err_set(rc, "protobuf field %s.%s: %s", m->name, f->json, kp_err_msg());
    /* The raw JSON sits at depth-1 in the output; its own nesting adds to that. */
    for (size_t i = 0, open = 0; i < rawn; i++) {
        if (raw[i] == '"') {
            for (i++; i < rawn && raw[i] != '"'; i++)
                if (raw[i] == '\\')
                    i++;
        } else if (raw[i] == '{' || raw[i] == '[') {
            if ((int)++open > nest)
                nest = (int)open;
        } else if (raw[i] == '}' || raw[i] == ']') {
            open--;
        }
    }
    if ((rc = check_depth(depth - 1 + nest)) < 0) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* ExtraValue {repeated string items = 1}: Go's []string; no items is a nil slice, null. */
static int strlist_json(dec *d, json_t **out, const proto_msg *m, const proto_field *f,
                        const uint8_t *p, size_t n, int depth)
{
    rd r = {p, p + n};
    json_t *arr = NULL;
    int rc = 0;

    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        const uint8_t *s;
        size_t sn;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            goto out;
        if (field != 1) {
            if ((rc = rd_skip(&r, field, wt)) < 0)
                goto out;
            continue;
        }
        if (wt != 2) {
            rc = wire_err(m, f, wt);
            goto out;
        }
        if ((rc = rd_bytes(&s, &sn, &r)) < 0 || (rc = dec_value(d)) < 0)
            goto out;
        if (!utf8_valid(s, sn)) {
            rc = utf8_err(m, f);
            goto out;
        }
        if (!arr) {
            if ((rc = check_depth(depth)) < 0)
                goto out;
            arr = json_array();
        }
        json_array_append_new(arr, json_stringn_nocheck((const char *)s, sn));
    }
    *out = arr ? arr : json_null();
    arr = NULL;
out:
    json_decref(arr);
    return rc;
}

/* A value carried in a length-delimited payload. depth is the JSON depth a container value
 * would have. *zero tells omitempty whether Go would treat it as empty. */
static int value_from_bytes(dec *d, json_t **out, bool *zero, const proto_msg *m,
                            const proto_field *f, const uint8_t *p, size_t n, int depth)
{
    json_t *v;
    kp_buf b;
    int rc;

    *zero = false;
    if ((rc = dec_value(d)) < 0)
        return rc;
    switch (f->kind) {
    case K_STRING:
        if (!utf8_valid(p, n))
            return utf8_err(m, f);
        *zero = n == 0;
        *out = json_stringn_nocheck((const char *)p, n);
        return 0;
    case K_BYTES:
        kp_buf_init(&b, KP_BODY_MAX * 2);
        kp_crypto_base64_encode(&b, p, n);
        if ((rc = kp_buf_status(&b)) == 0)
            *out = json_stringn_nocheck(kp_buf_cstr(&b), b.len);
        kp_buf_dispose(&b);
        *zero = n == 0;
        return rc;
    case K_MSG:
        if ((rc = check_depth(depth)) < 0)
            return rc;
        v = json_object();
        if ((rc = decode_msg(d, v, f->ref, p, n, depth)) < 0) {
            json_decref(v);
            return rc;
        }
        *out = v;
        return 0;
    case K_INTSTR:
        return intstr_json(out, m, f, p, n);
    case K_QTY:
        return qty_json(out, m, f, p, n);
    case K_TIME:
        return timemsg_json(out, m, f, p, n);
    case K_FIELDSV1:
        return fieldsv1_json(out, m, f, p, n, depth);
    case K_STRLIST:
        return strlist_json(d, out, m, f, p, n, depth);
    default:
        return wire_err(m, f, 2);
    }
}

static bool kind_is_varint(uint8_t kind)
{
    return kind == K_INT32 || kind == K_INT64 || kind == K_BOOL;
}

static json_t *value_from_varint(uint8_t kind, uint64_t v, bool *zero)
{
    *zero = v == 0;
    if (kind == K_BOOL)
        return json_boolean(v != 0);
    if (kind == K_INT32) {
        int32_t x = (int32_t)(uint32_t)v; /* Go's int32 keeps the low 32 bits */
        *zero = x == 0;
        return json_integer(x);
    }
    return json_integer((json_int_t)(int64_t)v);
}

/* Stores one decoded value (consumed) under f in obj, with omitempty and repeated rules. */
static int put_value(json_t *obj, const proto_field *f, json_t *v, bool zero, int depth)
{
    if (f->flags & F_REP) {
        json_t *arr = json_object_get(obj, f->json);
        if (!json_is_array(arr)) {
            int rc = check_depth(depth + 1);
            if (rc < 0) {
                json_decref(v);
                return rc;
            }
            arr = json_array();
            json_object_set_new_nocheck(obj, f->json, arr);
        }
        json_array_append_new(arr, v);
    } else if (zero && !(f->flags & (F_KEEP | F_PTR))) {
        /* omitempty; a later zero also undoes an earlier value (proto: last one wins) */
        json_object_del(obj, f->json);
        json_decref(v);
    } else {
        json_object_set_new_nocheck(obj, f->json, v);
    }
    return 0;
}

/* map<string, V> arrives as repeated entries {1 key, 2 value}; a missing part is its zero. */
static int decode_map_entry(dec *d, json_t *obj, const proto_msg *m, const proto_field *f,
                            const uint8_t *p, size_t n, int depth)
{
    rd r = {p, p + n};
    const uint8_t *key = (const uint8_t *)"";
    size_t keyn = 0;
    json_t *val = NULL, *map;
    bool zero;
    int rc = 0;

    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        const uint8_t *vp;
        size_t vn;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            goto out;
        if (field > 2) {
            if ((rc = rd_skip(&r, field, wt)) < 0)
                goto out;
            continue;
        }
        if (wt != 2) {
            rc = wire_err(m, f, wt);
            goto out;
        }
        if ((rc = rd_bytes(&vp, &vn, &r)) < 0)
            goto out;
        if (field == 1) {
            key = vp;
            keyn = vn;
            continue;
        }
        json_decref(val);
        val = NULL;
        if ((rc = value_from_bytes(d, &val, &zero, m, f, vp, vn, depth + 2)) < 0)
            goto out;
    }
    /* jansson, and so the JSON path, refuses NUL in object keys */
    if (!utf8_valid(key, keyn) || memchr(key, '\0', keyn)) {
        rc = kp_err_set(KP_EBADREQUEST,
                        "protobuf map %s.%s has a key that is not valid UTF-8 or holds a NUL",
                        m->name, f->json);
        goto out;
    }
    if (!val) {
        if ((rc = dec_value(d)) < 0)
            goto out;
        if (f->kind == K_STRING)
            val = json_string("");
        else if (f->kind == K_QTY)
            val = json_string("0");
        else if (f->kind == K_BYTES)
            val = json_string("");
        else
            val = json_null();
    }
    map = json_object_get(obj, f->json);
    if (!json_is_object(map)) {
        if ((rc = check_depth(depth + 1)) < 0)
            goto out;
        map = json_object();
        json_object_set_new_nocheck(obj, f->json, map);
    }
    json_object_setn_new_nocheck(map, (const char *)key, keyn, val);
    val = NULL;
out:
    json_decref(val);
    return rc;
}

static int decode_field(dec *d, json_t *obj, const proto_msg *m, const proto_field *f, unsigned wt,
                        rd *r, int depth)
{
    const uint8_t *p;
    size_t n;
    json_t *v = NULL;
    bool zero;
    uint64_t x;
    int rc;

    if (kind_is_varint(f->kind) && !(f->flags & F_MAP)) {
        if (wt == 0) {
            if ((rc = rd_varint(&x, r)) < 0 || (rc = dec_value(d)) < 0)
                return rc;
            v = value_from_varint(f->kind, x, &zero);
            return put_value(obj, f, v, zero, depth);
        }
        if (wt != 2 || !(f->flags & F_REP))
            return wire_err(m, f, wt);
        /* packed repeated scalars: one payload of back-to-back varints */
        if ((rc = rd_bytes(&p, &n, r)) < 0)
            return rc;
        for (rd pr = {p, p + n}; pr.p < pr.end;) {
            if ((rc = rd_varint(&x, &pr)) < 0 || (rc = dec_value(d)) < 0)
                return rc;
            v = value_from_varint(f->kind, x, &zero);
            if ((rc = put_value(obj, f, v, zero, depth)) < 0)
                return rc;
        }
        return 0;
    }
    if (wt != 2)
        return wire_err(m, f, wt);
    if ((rc = rd_bytes(&p, &n, r)) < 0)
        return rc;
    if (f->flags & F_MAP)
        return decode_map_entry(d, obj, m, f, p, n, depth);
    if (f->kind == K_MSG && !(f->flags & F_REP)) {
        json_t *child;
        if (f->flags & F_INLINE)
            return decode_msg(d, obj, f->ref, p, n, depth);
        /* proto merges a repeated occurrence of a singular message into the first */
        child = json_object_get(obj, f->json);
        if (!json_is_object(child)) {
            if ((rc = check_depth(depth + 1)) < 0 || (rc = dec_value(d)) < 0)
                return rc;
            child = json_object();
            json_object_set_new_nocheck(obj, f->json, child);
        }
        return decode_msg(d, child, f->ref, p, n, depth + 1);
    }
    rc = value_from_bytes(d, &v, &zero, m, f, p, n, depth + ((f->flags & F_REP) ? 2 : 1));
    if (rc < 0)
        return rc;
    return put_value(obj, f, v, zero, depth);
}

/* Fields whose json tag lacks omitempty appear even when the message did not carry them:
 * Go zero-fills the struct, so a scalar shows its zero and a slice, map or pointer null. */
static int fill_keep(dec *d, json_t *obj, const proto_msg *m)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const proto_field *f = &m->fields[i];
        json_t *v;
        int rc;

        if (!(f->flags & F_KEEP) || json_object_get(obj, f->json))
            continue;
        if ((rc = dec_value(d)) < 0)
            return rc;
        if (f->flags & (F_PTR | F_REP | F_MAP))
            v = json_null();
        else if (f->kind == K_STRING)
            v = json_string("");
        else if (f->kind == K_INT32 || f->kind == K_INT64 || f->kind == K_INTSTR)
            v = json_integer(0);
        else if (f->kind == K_BOOL)
            v = json_false();
        else if (f->kind == K_QTY)
            v = json_string("0");
        else
            v = json_null();
        json_object_set_new_nocheck(obj, f->json, v);
    }
    return 0;
}

/* Decodes message mi from p/n into obj, an object at JSON depth depth. */
static int decode_msg(dec *d, json_t *obj, uint16_t mi, const uint8_t *p, size_t n, int depth)
{
    const proto_msg *m = &msgs[mi];
    rd r = {p, p + n};
    int rc;

    while (r.p < r.end) {
        const proto_field *f = NULL;
        uint32_t field;
        unsigned wt;

        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        for (size_t i = 0; i < m->nfields; i++) {
            if (m->fields[i].num == field) {
                f = &m->fields[i];
                break;
            }
        }
        rc = f ? decode_field(d, obj, m, f, wt, &r, depth) : rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    return fill_keep(d, obj, m);
}

/* The runtime.Unknown envelope: {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
 * 4 contentType}. */
typedef struct {
    kp_sv api_version, kind, encoding, content_type;
    const uint8_t *raw;
    size_t rawn;
} envelope;

static int envelope_str(kp_sv *out, rd *r, const char *what)
{
    const uint8_t *p;
    size_t n;
    int rc;

    if ((rc = rd_bytes(&p, &n, r)) < 0)
        return rc;
    if (!utf8_valid(p, n))
        return kp_err_set(KP_EBADREQUEST, "protobuf envelope %s is not valid UTF-8", what);
    out->p = (const char *)p;
    out->len = n;
    return 0;
}

static int envelope_parse(envelope *env, const uint8_t *p, size_t n)
{
    rd r = {p, p + n};
    int rc;

    while (r.p < r.end) {
        uint32_t field;
        unsigned wt;
        if ((rc = rd_tag(&field, &wt, &r)) < 0)
            return rc;
        if (field <= 4 && wt != 2)
            return kp_err_set(KP_EBADREQUEST, "protobuf envelope field %u has wire type %u", field,
                              wt);
        if (field == 1) {
            const uint8_t *tp;
            size_t tn;
            if ((rc = rd_bytes(&tp, &tn, &r)) < 0)
                return rc;
            for (rd tr = {tp, tp + tn}; tr.p < tr.end;) {
                if ((rc = rd_tag(&field, &wt, &tr)) < 0)
                    return rc;
                if ((field == 1 || field == 2) && wt != 2)
                    return kp_err_set(KP_EBADREQUEST, "protobuf typeMeta field %u has wire type %u",
                                      field, wt);
                if (field == 1)
                    rc = envelope_str(&env->api_version, &tr, "apiVersion");
                else if (field == 2)
                    rc = envelope_str(&env->kind, &tr, "kind");
                else
                    rc = rd_skip(&tr, field, wt);
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        if (field == 2)
            rc = rd_bytes(&env->raw, &env->rawn, &r);
        else if (field == 3)
            rc = envelope_str(&env->encoding, &r, "contentEncoding");
        else if (field == 4)
            rc = envelope_str(&env->content_type, &r, "contentType");
        else
            rc = rd_skip(&r, field, wt);
        if (rc < 0)
            return rc;
    }
    return 0;
}

#define QUOTE(sv) (int)KP_MIN((sv).len, PROTO_QUOTE_MAX), (sv).p

int kp_proto_decode(json_t **out, const void *body, size_t len)
{
    static const uint8_t magic[4] = {'k', '8', 's', 0};
    static const uint8_t none[1];
    envelope env = {0};
    json_t *obj = NULL;
    dec d = {0};
    const uint8_t *p = body;
    size_t k;
    int rc;

    assert(out && (body || len == 0));
    if (len > KP_BODY_MAX)
        return kp_err_set(KP_ETOOLARGE, "the request body is larger than the limit of %d bytes",
                          KP_BODY_MAX);
    if (len < sizeof(magic) || memcmp(p, magic, sizeof(magic)) != 0)
        return kp_err_set(KP_EBADREQUEST,
                          "protobuf body does not start with the Kubernetes magic \"k8s\\0\"");
    if ((rc = envelope_parse(&env, p + sizeof(magic), len - sizeof(magic))) < 0)
        return rc;
    if (env.kind.len == 0)
        return kp_err_set(KP_EBADREQUEST, "protobuf envelope names no kind");
    if (env.encoding.len)
        return kp_err_set(KP_EMEDIATYPE, "protobuf contentEncoding \"%.*s\" is not supported",
                          QUOTE(env.encoding));
    if (env.content_type.len && !kp_sv_eq_str(env.content_type, KP_PROTO_MEDIA_TYPE))
        return kp_err_set(KP_EMEDIATYPE, "protobuf envelope contentType \"%.*s\" is not supported",
                          QUOTE(env.content_type));
    for (k = 0; k < KP_ARRAY_LEN(kinds); k++) {
        if (kp_sv_eq_str(env.kind, kinds[k].kind) &&
            kp_sv_eq_str(env.api_version, kinds[k].api_version))
            break;
    }
    if (k == KP_ARRAY_LEN(kinds))
        return kp_err_set(KP_EMEDIATYPE,
                          "kind \"%.*s\" of apiVersion \"%.*s\" cannot be sent as %s; send "
                          "application/json",
                          QUOTE(env.kind), QUOTE(env.api_version), KP_PROTO_MEDIA_TYPE);

    obj = json_object();
    json_object_set_new(obj, "kind", json_string(kinds[k].kind));
    json_object_set_new(obj, "apiVersion", json_string(kinds[k].api_version));
    /* an envelope without raw is an object with every field unset */
    if ((rc = decode_msg(&d, obj, kinds[k].msg, env.raw ? env.raw : none, env.rawn, 1)) < 0)
        goto out;
    *out = obj;
    obj = NULL;
out:
    json_decref(obj);
    return rc;
}
