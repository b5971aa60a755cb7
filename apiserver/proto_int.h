/* proto_int: private to the proto module (proto.c decodes, proto_table.c holds the message
 * descriptors it walks). */
#ifndef KP_PROTO_INT_H
#define KP_PROTO_INT_H

#include <stddef.h>
#include <stdint.h>

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

/* A kind a body may carry and the message it is. */
typedef struct {
    const char *api_version;
    const char *kind;
    uint16_t msg;
} proto_kind;

extern const proto_msg kp_proto_msgs[M_COUNT];
extern const proto_kind kp_proto_kinds[];
extern const size_t kp_proto_nkinds;

#endif
