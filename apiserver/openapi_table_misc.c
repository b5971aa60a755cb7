#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of the smaller groups: coordination, policy, autoscaling/v2, events.k8s.io,
 * scheduling, kplane's tenancy group and the review kinds (k8s: k8s.io/api/<group>/<v>). */

#define SELECTOR META "LabelSelector"
#define AUTHN "io.k8s.api.authentication.v1."
#define AUTHZ "io.k8s.api.authorization.v1."

#define HPA_COND_FIELDS                                                                            \
    F("lastTransitionTime", OA_TIME,                                                               \
      "lastTransitionTime is the last time the condition transitioned from one status to "         \
      "another"),                                                                                  \
        F("message", OA_STRING,                                                                    \
          "message is a human-readable explanation containing details about the transition"),      \
        F("reason", OA_STRING, "reason is the reason for the condition's last transition."),       \
        FREQ("status", OA_STRING, "status is the status of the condition (True, False, Unknown)"), \
        FREQ("type", OA_STRING, "type describes the current condition")

#define METRIC_TARGET                                                                              \
    FREFREQ("target", OA_REF, HPA "MetricTarget",                                                  \
            "target specifies the target value for the given metric")
#define METRIC_ID                                                                                  \
    FREFREQ("metric", OA_REF, HPA "MetricIdentifier",                                              \
            "metric identifies the target metric by name and selector")

static const oa_kind misc_kinds[] = {
    {"coordination.k8s.io", "Lease",
     FIELDS(FREF("spec", OA_REF, "io.k8s.api.coordination.v1.LeaseSpec",
                 "spec contains the specification of the Lease.")),
     true, "Lease defines a lease concept."},
    {"policy", "PodDisruptionBudget",
     FIELDS(FREF("spec", OA_REF, POLICY "PodDisruptionBudgetSpec",
                 "Specification of the desired behavior of the PodDisruptionBudget."),
            FREF("status", OA_REF, POLICY "PodDisruptionBudgetStatus",
                 "Most recently observed status of the PodDisruptionBudget.")),
     true,
     "PodDisruptionBudget is an object to define the max disruption that can be caused to a "
     "collection of pods"},
    {"autoscaling", "HorizontalPodAutoscaler",
     FIELDS(FREF("spec", OA_REF, HPA "HorizontalPodAutoscalerSpec",
                 "spec is the specification for the behaviour of the autoscaler."),
            FREF("status", OA_REF, HPA "HorizontalPodAutoscalerStatus",
                 "status is the current information about the autoscaler.")),
     true,
     "HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which "
     "automatically manages the replica count of any resource implementing the scale "
     "subresource based on the metrics specified."},
    {"events.k8s.io", "Event",
     FIELDS(F("action", OA_STRING,
              "action is what action was taken/failed regarding to the "
              "regarding object."),
            F("deprecatedCount", OA_INT32,
              "deprecatedCount is the deprecated field assuring "
              "backward compatibility with core.v1 Event type."),
            F("deprecatedFirstTimestamp", OA_TIME,
              "deprecatedFirstTimestamp is the deprecated "
              "field assuring backward compatibility."),
            F("deprecatedLastTimestamp", OA_TIME,
              "deprecatedLastTimestamp is the deprecated "
              "field assuring backward compatibility."),
            FREF("deprecatedSource", OA_REF, CORE "EventSource",
                 "deprecatedSource is the deprecated field assuring backward compatibility."),
            FREQ("eventTime", OA_MICROTIME,
                 "eventTime is the time when this Event was first "
                 "observed."),
            F("note", OA_STRING,
              "note is a human-readable description of the status of this "
              "operation."),
            F("reason", OA_STRING, "reason is why the action was taken."),
            FREF("regarding", OA_REF, CORE "ObjectReference",
                 "regarding contains the object "
                 "this Event is about."),
            FREF("related", OA_REF, CORE "ObjectReference",
                 "related is the optional secondary "
                 "object for more complex actions."),
            F("reportingController", OA_STRING,
              "reportingController is the name of the "
              "controller that emitted this Event."),
            F("reportingInstance", OA_STRING,
              "reportingInstance is the ID of the controller "
              "instance."),
            FREF("series", OA_REF, "io.k8s.api.events.v1.EventSeries",
                 "series is data about the Event series this event represents."),
            F("type", OA_STRING, "type is the type of this event (Normal, Warning).")),
     true, "Event is a report of an event somewhere in the cluster."},
    {"scheduling.k8s.io", "PriorityClass",
     FIELDS(F("description", OA_STRING,
              "description is an arbitrary string that usually "
              "provides guidelines on when this priority class "
              "should be used."),
            F("globalDefault", OA_BOOL,
              "globalDefault specifies whether this PriorityClass "
              "should be considered as the default priority for pods "
              "that do not have any priority class."),
            F("preemptionPolicy", OA_STRING,
              "preemptionPolicy is the Policy for preempting "
              "pods with lower priority."),
            FREQ("value", OA_INT32,
                 "value represents the integer value of this priority "
                 "class.")),
     true,
     "PriorityClass defines mapping from a priority class name to the priority integer value."},
    {"apiextensions.k8s.io", "CustomResourceDefinition", FIELDS(SPEC_STATUS), false,
     "CustomResourceDefinition represents a resource that should be exposed on the API server. "
     "Its name MUST be in the format <.spec.name>.<.spec.group>."},
    {"tenancy.kplane.io", "Workspace", FIELDS(SPEC_STATUS), false,
     "Workspace is a logical cluster in the workspace tree, reached at /clusters/<path>."},
    {"tenancy.kplane.io", "WorkspaceType", FIELDS(SPEC_STATUS), false,
     "WorkspaceType describes the workspaces that may be created with its name as their type."},
    {"tenancy.kplane.io", "LogicalCluster", FIELDS(SPEC_STATUS), false,
     "LogicalCluster is the backing object of a workspace."},
    {"tenancy.kplane.io", "WorkspaceAuthentication",
     FIELDS(SPEC("spec.jwt lists the workspace's JWT authenticators, shaped as Kubernetes' "
                 "AuthenticationConfiguration.jwt[] plus issuer.jwks, jwksURL or jwksFile.")),
     false,
     "WorkspaceAuthentication configures OIDC issuers whose ID tokens authenticate users in this "
     "workspace."},
    {"fleet.kplane.io", "Cluster", FIELDS(SPEC_STATUS), false,
     "Cluster is a downstream cluster the syncer sends the objects labelled "
     "state.sync.kplane.io/<name>: Sync in its workspace and every workspace below to."},
    {"authentication.k8s.io", "SelfSubjectReview",
     FIELDS(FREF("status", OA_REF, AUTHN "SelfSubjectReviewStatus",
                 "Status is filled in by the server with the user attributes.")),
     true,
     "SelfSubjectReview contains the user information that the kube-apiserver has about the "
     "user making this request."},
    {"authorization.k8s.io", "SelfSubjectAccessReview",
     FIELDS(FREFREQ("spec", OA_REF, AUTHZ "SelfSubjectAccessReviewSpec",
                    "Spec holds information about the request being evaluated."),
            FREF("status", OA_REF, AUTHZ "SubjectAccessReviewStatus",
                 "Status is filled in by the server and indicates whether the request is allowed "
                 "or not")),
     true, "SelfSubjectAccessReview checks whether or the current user can perform an action."},
    {"authorization.k8s.io", "SelfSubjectRulesReview",
     FIELDS(FREFREQ("spec", OA_REF, AUTHZ "SelfSubjectRulesReviewSpec",
                    "Spec holds information about the request being evaluated."),
            FREF("status", OA_REF, AUTHZ "SubjectRulesReviewStatus",
                 "Status is filled in by the server and indicates the set of actions a user can "
                 "perform.")),
     true,
     "SelfSubjectRulesReview enumerates the set of actions the current user can perform within "
     "a namespace."},
};

static const oa_def misc_defs[] = {
    DEF(AUTHN "SelfSubjectReviewStatus",
        FIELDS(FREF("userInfo", OA_REF, AUTHN "UserInfo",
                    "User attributes of the user making this request.")),
        NULL, "SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user."),
    DEF(AUTHN "UserInfo",
        FIELDS(F("extra", OA_OBJECT, "Any additional information provided by the authenticator."),
               FSLIST("groups", OA_STRLIST, "The names of groups this user is a part of."),
               F("uid", OA_STRING, "A unique value that identifies this user across time."),
               F("username", OA_STRING,
                 "The name that uniquely identifies this user among all active users.")),
        NULL,
        "UserInfo holds the information about the user needed to implement the user.Info "
        "interface."),
    DEF(AUTHZ "SelfSubjectAccessReviewSpec",
        FIELDS(FREF("nonResourceAttributes", OA_REF, AUTHZ "NonResourceAttributes",
                    "NonResourceAttributes describes information for a non-resource access "
                    "request"),
               FREF("resourceAttributes", OA_REF, AUTHZ "ResourceAttributes",
                    "ResourceAuthorizationAttributes describes information for a resource access "
                    "request")),
        NULL,
        "SelfSubjectAccessReviewSpec is a description of the access request. Exactly one of "
        "ResourceAttributes and NonResourceAttributes must be set"),
    DEF(AUTHZ "NonResourceAttributes",
        FIELDS(F("path", OA_STRING, "Path is the URL path of the request"),
               F("verb", OA_STRING, "Verb is the standard HTTP verb")),
        NULL,
        "NonResourceAttributes includes the authorization attributes available for non-resource "
        "requests to the Authorizer interface"),
    DEF(AUTHZ "ResourceAttributes",
        FIELDS(
            F("fieldSelector", OA_OBJECT,
              "fieldSelector describes the limitation on access based on field."),
            F("group", OA_STRING, "Group is the API Group of the Resource. \"*\" means all."),
            F("labelSelector", OA_OBJECT,
              "labelSelector describes the limitation on access based on labels."),
            F("name", OA_STRING,
              "Name is the name of the resource being requested for a \"get\" or deleted for a "
              "\"delete\". \"\" (empty) means all."),
            F("namespace", OA_STRING, "Namespace is the namespace of the action being requested."),
            F("resource", OA_STRING,
              "Resource is one of the existing resource types. \"*\" means all."),
            F("subresource", OA_STRING,
              "Subresource is one of the existing resource types. \"\" means none."),
            F("verb", OA_STRING,
              "Verb is a kubernetes resource API verb, like: get, list, watch, create, update, "
              "delete, proxy. \"*\" means all."),
            F("version", OA_STRING,
              "Version is the API Version of the Resource. \"*\" means all.")),
        NULL,
        "ResourceAttributes includes the authorization attributes available for resource "
        "requests to the Authorizer interface"),
    DEF(AUTHZ "SubjectAccessReviewStatus",
        FIELDS(FREQ("allowed", OA_BOOL,
                    "Allowed is required. True if the action would be allowed, false otherwise."),
               F("denied", OA_BOOL,
                 "Denied is optional. True if the action would be denied, otherwise false."),
               F("evaluationError", OA_STRING,
                 "EvaluationError is an indication that some error occurred during the "
                 "authorization check."),
               F("reason", OA_STRING,
                 "Reason is optional. It indicates why a request was allowed or denied.")),
        NULL, "SubjectAccessReviewStatus"),
    DEF(AUTHZ "SelfSubjectRulesReviewSpec",
        FIELDS(F("namespace", OA_STRING, "Namespace to evaluate rules for. Required.")), NULL,
        "SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview."),
    DEF(AUTHZ "SubjectRulesReviewStatus",
        FIELDS(F("evaluationError", OA_STRING,
                 "EvaluationError can appear in combination with Rules."),
               FREQ("incomplete", OA_BOOL,
                    "Incomplete is true when the rules returned by this call are incomplete."),
               FATOMIC("nonResourceRules", AUTHZ "NonResourceRule",
                       "NonResourceRules is the list of actions the subject is allowed to perform "
                       "on non-resources."),
               FATOMIC("resourceRules", AUTHZ "ResourceRule",
                       "ResourceRules is the list of actions the subject is allowed to perform on "
                       "resources.")),
        NULL, "SubjectRulesReviewStatus contains the result of a rules check."),
    DEF(AUTHZ "NonResourceRule",
        FIELDS(FSLIST("nonResourceURLs", OA_STRLIST,
                      "NonResourceURLs is a set of partial urls that a user should have access "
                      "to."),
               {.name = "verbs",
                .type = OA_STRLIST,
                .required = true,
                .doc = "Verb is a list of kubernetes non-resource API verbs.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL, "NonResourceRule holds information that describes a rule for the non-resource"),
    DEF(AUTHZ "ResourceRule",
        FIELDS(FSLIST("apiGroups", OA_STRLIST,
                      "APIGroups is the name of the APIGroup that contains the resources."),
               FSLIST("resourceNames", OA_STRLIST,
                      "ResourceNames is an optional white list of names that the rule applies "
                      "to."),
               FSLIST("resources", OA_STRLIST,
                      "Resources is a list of resources this rule applies to."),
               {.name = "verbs",
                .type = OA_STRLIST,
                .required = true,
                .doc = "Verb is a list of kubernetes resource API verbs.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL,
        "ResourceRule is the list of actions the subject is allowed to perform on resources."),
    DEF("io.k8s.api.coordination.v1.LeaseSpec",
        FIELDS(
            F("acquireTime", OA_MICROTIME,
              "acquireTime is a time when the current lease was acquired."),
            F("holderIdentity", OA_STRING,
              "holderIdentity contains the identity of the holder of a current lease."),
            F("leaseDurationSeconds", OA_INT32,
              "leaseDurationSeconds is a duration that candidates for a lease need to wait to "
              "force acquire it."),
            F("leaseTransitions", OA_INT32,
              "leaseTransitions is the number of transitions of a lease between holders."),
            F("preferredHolder", OA_STRING,
              "PreferredHolder signals to a lease holder that the lease has a more optimal holder "
              "and should be given up."),
            F("renewTime", OA_MICROTIME,
              "renewTime is a time when the current holder of a lease has last updated the lease."),
            F("strategy", OA_STRING,
              "Strategy indicates the strategy for picking the leader for coordinated leader "
              "election.")),
        NULL, "LeaseSpec is a specification of a Lease."),
    DEF("io.k8s.api.events.v1.EventSeries",
        FIELDS(
            FREQ(
                "count", OA_INT32,
                "count is the number of occurrences in this series up to the last heartbeat time."),
            FREQ("lastObservedTime", OA_MICROTIME,
                 "lastObservedTime is the time when last Event from the series was seen before "
                 "last heartbeat.")),
        NULL,
        "EventSeries contain information on series of events, i.e. thing that was/is happening "
        "continuously for some time."),
    DEF(POLICY "PodDisruptionBudgetSpec",
        FIELDS(
            F("maxUnavailable", OA_INTORSTR,
              "An eviction is allowed if at most \"maxUnavailable\" pods selected by \"selector\" "
              "are unavailable after the eviction."),
            F("minAvailable", OA_INTORSTR,
              "An eviction is allowed if at least \"minAvailable\" pods selected by \"selector\" "
              "will still be available after the eviction."),
            {.name = "selector",
             .type = OA_REF,
             .ref = SELECTOR,
             .doc = "Label query over pods whose evictions are managed by the disruption budget.",
             .meta = {{KP_PATCH_REPLACE, NULL}, NULL, NULL}},
            F("unhealthyPodEvictionPolicy", OA_STRING,
              "UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be "
              "considered for eviction: IfHealthyBudget or AlwaysAllow.")),
        NULL, "PodDisruptionBudgetSpec is a description of a PodDisruptionBudget."),
    DEF(POLICY "PodDisruptionBudgetStatus",
        FIELDS(FCONDS(META "Condition",
                      "Conditions contain conditions for PDB, DisruptionAllowed among them."),
               FREQ("currentHealthy", OA_INT32, "current number of healthy pods"),
               FREQ("desiredHealthy", OA_INT32, "minimum desired number of healthy pods"),
               FREF("disruptedPods", OA_REFMAP, META "Time",
                    "DisruptedPods contains information about pods whose eviction was processed by "
                    "the API server eviction subresource handler but has not yet been observed by "
                    "the PodDisruptionBudget controller."),
               FREQ("disruptionsAllowed", OA_INT32,
                    "Number of pod disruptions that are currently allowed."),
               FREQ("expectedPods", OA_INT32,
                    "total number of pods counted by this disruption budget"),
               F("observedGeneration", OA_INT64,
                 "Most recent generation observed when updating this PDB status.")),
        NULL,
        "PodDisruptionBudgetStatus represents information about the status of a "
        "PodDisruptionBudget."),
    DEF(HPA "HorizontalPodAutoscalerSpec",
        FIELDS(FREF("behavior", OA_REF, HPA "HorizontalPodAutoscalerBehavior",
                    "behavior configures the scaling behavior of the target in both Up and Down "
                    "directions."),
               FREQ("maxReplicas", OA_INT32,
                    "maxReplicas is the upper limit for the number of replicas to which the "
                    "autoscaler can scale up."),
               FATOMIC("metrics", HPA "MetricSpec",
                       "metrics contains the specifications for which to use to calculate the "
                       "desired replica count."),
               F("minReplicas", OA_INT32,
                 "minReplicas is the lower limit for the number of replicas to which the "
                 "autoscaler can scale down. It defaults to 1 pod."),
               FREFREQ("scaleTargetRef", OA_REF, HPA "CrossVersionObjectReference",
                       "scaleTargetRef points to the target resource to scale.")),
        NULL,
        "HorizontalPodAutoscalerSpec describes the desired functionality of the "
        "HorizontalPodAutoscaler."),
    DEF(HPA "CrossVersionObjectReference",
        FIELDS(F("apiVersion", OA_STRING, "apiVersion is the API version of the referent"),
               FREQ("kind", OA_STRING, "kind is the kind of the referent"),
               FREQ("name", OA_STRING, "name is the name of the referent")),
        NULL,
        "CrossVersionObjectReference contains enough information to let you identify the referred "
        "resource."),
    DEF(HPA "HorizontalPodAutoscalerBehavior",
        FIELDS(FREF("scaleDown", OA_REF, HPA "HPAScalingRules",
                    "scaleDown is scaling policy for scaling Down."),
               FREF("scaleUp", OA_REF, HPA "HPAScalingRules",
                    "scaleUp is scaling policy for scaling Up.")),
        NULL,
        "HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up "
        "and Down directions."),
    DEF(HPA "HPAScalingRules",
        FIELDS(
            FATOMIC("policies", HPA "HPAScalingPolicy",
                    "policies is a list of potential scaling polices which can be used during "
                    "scaling."),
            F("selectPolicy", OA_STRING,
              "selectPolicy is used to specify which policy should be used: Max, Min or Disabled."),
            F("stabilizationWindowSeconds", OA_INT32,
              "stabilizationWindowSeconds is the number of seconds for which past recommendations "
              "should be considered while scaling up or scaling down."),
            F("tolerance", OA_QUANTITY,
              "tolerance is the tolerance on the ratio between the current and desired metric "
              "value under which no updates are made to the desired number of replicas.")),
        NULL,
        "HPAScalingRules configures the scaling behavior for one direction via scaling Policy "
        "Rules and a configurable metric tolerance."),
    DEF(HPA "HPAScalingPolicy",
        FIELDS(
            FREQ("periodSeconds", OA_INT32,
                 "periodSeconds specifies the window of time for which the policy should hold "
                 "true."),
            FREQ("type", OA_STRING, "type is used to specify the scaling policy: Pods or Percent."),
            FREQ("value", OA_INT32,
                 "value contains the amount of change which is permitted by the policy.")),
        NULL,
        "HPAScalingPolicy is a single policy which must hold true for a specified past interval."),
    DEF(HPA "MetricSpec",
        FIELDS(FREF("containerResource", OA_REF, HPA "ContainerResourceMetricSource",
                    "containerResource refers to a resource metric known to Kubernetes describing "
                    "a single container in each pod of the current scale target."),
               FREF("external", OA_REF, HPA "ExternalMetricSource",
                    "external refers to a global metric that is not associated with any Kubernetes "
                    "object."),
               FREF("object", OA_REF, HPA "ObjectMetricSource",
                    "object refers to a metric describing a single kubernetes object."),
               FREF("pods", OA_REF, HPA "PodsMetricSource",
                    "pods refers to a metric describing each pod in the current scale target."),
               FREF("resource", OA_REF, HPA "ResourceMetricSource",
                    "resource refers to a resource metric known to Kubernetes describing each pod "
                    "in the current scale target."),
               FREQ("type", OA_STRING,
                    "type is the type of metric source: ContainerResource, External, Object, Pods "
                    "or Resource.")),
        NULL, "MetricSpec specifies how to scale based on a single metric."),
    DEF(HPA "ResourceMetricSource",
        FIELDS(FREQ("name", OA_STRING, "name is the name of the resource in question."),
               METRIC_TARGET),
        NULL,
        "ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes."),
    DEF(HPA "ContainerResourceMetricSource",
        FIELDS(FREQ("container", OA_STRING,
                    "container is the name of the container in the pods of the scaling target"),
               FREQ("name", OA_STRING, "name is the name of the resource in question."),
               METRIC_TARGET),
        NULL,
        "ContainerResourceMetricSource indicates how to scale on a resource metric known to "
        "Kubernetes."),
    DEF(HPA "ExternalMetricSource", FIELDS(METRIC_ID, METRIC_TARGET), NULL,
        "ExternalMetricSource indicates how to scale on a metric not associated with any "
        "Kubernetes object."),
    DEF(HPA "PodsMetricSource", FIELDS(METRIC_ID, METRIC_TARGET), NULL,
        "PodsMetricSource indicates how to scale on a metric describing each pod in the current "
        "scale target."),
    DEF(HPA "ObjectMetricSource",
        FIELDS(FREFREQ("describedObject", OA_REF, HPA "CrossVersionObjectReference",
                       "describedObject specifies the descriptions of a object,such as kind,name "
                       "apiVersion"),
               METRIC_ID, METRIC_TARGET),
        NULL,
        "ObjectMetricSource indicates how to scale on a metric describing a kubernetes object."),
    DEF(HPA "MetricIdentifier",
        FIELDS(FREQ("name", OA_STRING, "name is the name of the given metric"),
               FREF("selector", OA_REF, SELECTOR,
                    "selector is the string-encoded form of a standard kubernetes label selector "
                    "for the given metric.")),
        NULL, "MetricIdentifier defines the name and optionally selector for a metric"),
    DEF(HPA "MetricTarget",
        FIELDS(
            F("averageUtilization", OA_INT32,
              "averageUtilization is the target value of the average of the resource metric across "
              "all relevant pods, as a percentage of the requested value."),
            F("averageValue", OA_QUANTITY,
              "averageValue is the target value of the average of the metric across all relevant "
              "pods (as a quantity)"),
            FREQ("type", OA_STRING,
                 "type represents whether the metric type is Utilization, Value, or AverageValue"),
            F("value", OA_QUANTITY, "value is the target value of the metric (as a quantity).")),
        NULL,
        "MetricTarget defines the target value, average value, or average utilization of a "
        "specific metric"),
    DEF(HPA "HorizontalPodAutoscalerStatus",
        FIELDS(
            FCONDS(HPA "HorizontalPodAutoscalerCondition",
                   "conditions is the set of conditions required for this autoscaler to scale its "
                   "target, and indicates whether or not those conditions are met."),
            {.name = "currentMetrics",
             .type = OA_LIST,
             .doc = "currentMetrics is the last read state of the metrics used by this autoscaler.",
             .meta = {{0, NULL}, "atomic", NULL}},
            F("currentReplicas", OA_INT32,
              "currentReplicas is current number of replicas of pods managed by this autoscaler, "
              "as last seen by the autoscaler."),
            FREQ("desiredReplicas", OA_INT32,
                 "desiredReplicas is the desired number of replicas of pods managed by this "
                 "autoscaler, as last calculated by the autoscaler."),
            F("lastScaleTime", OA_TIME,
              "lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of "
              "pods."),
            F("observedGeneration", OA_INT64,
              "observedGeneration is the most recent generation observed by this autoscaler.")),
        NULL,
        "HorizontalPodAutoscalerStatus describes the current status of a horizontal pod "
        "autoscaler."),
    DEF(HPA "HorizontalPodAutoscalerCondition", FIELDS(HPA_COND_FIELDS), NULL,
        "HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a "
        "certain point."),
};

const oa_table kp_oa_table_misc = OA_TABLE(misc_kinds, misc_defs);
