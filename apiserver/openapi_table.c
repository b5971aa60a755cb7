#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of the OpenAPI documents: every kind of the schema table (besides
 * apiVersion, kind and metadata) and the named definitions they refer to. Real per-field
 * schemas slot in here: turn a field's OA_OBJECT into OA_REF to a new definition. */

const oa_kind kp_oa_kinds[] = {
    {"", "Namespace", FIELDS(SPEC_STATUS), false,
     "Namespace provides a scope for Names. Use of multiple namespaces is optional."},
    {"", "ConfigMap",
     FIELDS(F("binaryData", OA_BYTEMAP, "binaryData contains the binary data."),
            F("data", OA_STRMAP, "data contains the configuration data."),
            F("immutable", OA_BOOL,
              "immutable, if set to true, ensures that data cannot be "
              "updated (only object metadata can be modified).")),
     false, "ConfigMap holds configuration data for pods to consume."},
    {"", "Secret",
     FIELDS(F("data", OA_BYTEMAP, "data contains the secret data, base64 encoded."),
            F("immutable", OA_BOOL,
              "immutable, if set to true, ensures that data cannot be "
              "updated."),
            F("stringData", OA_STRMAP,
              "stringData allows specifying non-binary secret data in "
              "string form; merged into data on write."),
            F("type", OA_STRING, "Used to facilitate programmatic handling of secret data.")),
     false, "Secret holds secret data of a certain type."},
    {"", "ServiceAccount",
     FIELDS(F("automountServiceAccountToken", OA_BOOL,
              "whether pods running as this service account should have an API token "
              "automatically mounted."),
            FREF("imagePullSecrets", OA_REFLIST, CORE "LocalObjectReference",
                 "references to secrets in the same namespace to use for pulling images."),
            FREF("secrets", OA_REFLIST, CORE "ObjectReference",
                 "secrets is a list of the secrets in the same namespace that pods running "
                 "using this ServiceAccount are allowed to use.")),
     false, "ServiceAccount binds together a name, a principal and a set of secrets."},
    {"", "Service", FIELDS(SPEC_STATUS), false,
     "Service is a named abstraction of software service (for example, mysql) consisting of "
     "local port that the proxy listens on, and the selector that determines which pods will "
     "answer requests sent through the proxy."},
    {"", "Endpoints",
     FIELDS(F("subsets", OA_LIST, "The set of all endpoints is the union of all subsets.")), false,
     "Endpoints is a collection of endpoints that implement the actual service."},
    {"", "Pod", FIELDS(SPEC_STATUS), false,
     "Pod is a collection of containers that can run on a host."},
    {"", "Event",
     FIELDS(F("action", OA_STRING,
              "What action was taken/failed regarding to the Regarding "
              "object."),
            F("count", OA_INT32, "The number of times this event has occurred."),
            F("eventTime", OA_MICROTIME, "Time when this Event was first observed."),
            F("firstTimestamp", OA_TIME, "The time at which the event was first recorded."),
            {"involvedObject", OA_REF, CORE "ObjectReference", true, NULL,
             "The object that this event is about."},
            F("lastTimestamp", OA_TIME,
              "The time at which the most recent occurrence of this "
              "event was recorded."),
            F("message", OA_STRING,
              "A human-readable description of the status of this "
              "operation."),
            F("reason", OA_STRING,
              "This should be a short, machine understandable string that "
              "gives the reason for the transition into the object's "
              "current status."),
            FREF("related", OA_REF, CORE "ObjectReference",
                 "Optional secondary object for more "
                 "complex actions."),
            F("reportingComponent", OA_STRING, "Name of the controller that emitted this Event."),
            F("reportingInstance", OA_STRING, "ID of the controller instance."),
            F("series", OA_OBJECT, "Data about the Event series this event represents."),
            F("source", OA_OBJECT, "The component reporting this event."),
            F("type", OA_STRING, "Type of this event (Normal, Warning).")),
     false, "Event is a report of an event somewhere in the cluster."},
    {"", "LimitRange", FIELDS(SPEC("Spec defines the limits enforced.")), false,
     "LimitRange sets resource usage limits for each kind of resource in a Namespace."},
    {"", "ResourceQuota", FIELDS(SPEC_STATUS), false,
     "ResourceQuota sets aggregate quota restrictions enforced per namespace."},
    {"", "PersistentVolumeClaim", FIELDS(SPEC_STATUS), false,
     "PersistentVolumeClaim is a user's request for and claim to a persistent volume."},
    {"apps", "Deployment", FIELDS(SPEC_STATUS), false,
     "Deployment enables declarative updates for Pods and ReplicaSets."},
    {"apps", "ReplicaSet", FIELDS(SPEC_STATUS), false,
     "ReplicaSet ensures that a specified number of pod replicas are running at any given "
     "time."},
    {"apps", "StatefulSet", FIELDS(SPEC_STATUS), false,
     "StatefulSet represents a set of pods with consistent identities."},
    {"apps", "DaemonSet", FIELDS(SPEC_STATUS), false,
     "DaemonSet represents the configuration of a daemon set."},
    {"batch", "Job", FIELDS(SPEC_STATUS), false,
     "Job represents the configuration of a single job."},
    {"batch", "CronJob", FIELDS(SPEC_STATUS), false,
     "CronJob represents the configuration of a single cron job."},
    {"networking.k8s.io", "Ingress", FIELDS(SPEC_STATUS), false,
     "Ingress is a collection of rules that allow inbound connections to reach the endpoints "
     "defined by a backend."},
    {"networking.k8s.io", "NetworkPolicy",
     FIELDS(SPEC("spec represents the specification of the desired behavior for this "
                 "NetworkPolicy.")),
     false, "NetworkPolicy describes what network traffic is allowed for a set of Pods."},
    {"rbac.authorization.k8s.io", "Role",
     FIELDS(F("rules", OA_LIST, "Rules holds all the PolicyRules for this Role")), false,
     "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by "
     "a RoleBinding."},
    {"rbac.authorization.k8s.io", "RoleBinding",
     FIELDS(FREQ("roleRef", OA_OBJECT,
                 "RoleRef can reference a Role in the current namespace "
                 "or a ClusterRole in the global namespace."),
            F("subjects", OA_LIST,
              "Subjects holds references to the objects the role applies "
              "to.")),
     false, "RoleBinding references a role, but does not contain it."},
    {"rbac.authorization.k8s.io", "ClusterRole",
     FIELDS(F("aggregationRule", OA_OBJECT,
              "AggregationRule is an optional field that "
              "describes how to build the Rules for this "
              "ClusterRole."),
            F("rules", OA_LIST, "Rules holds all the PolicyRules for this ClusterRole")),
     false,
     "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced "
     "as a unit by a RoleBinding or ClusterRoleBinding."},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding",
     FIELDS(FREQ("roleRef", OA_OBJECT,
                 "RoleRef can only reference a ClusterRole in the global "
                 "namespace."),
            F("subjects", OA_LIST,
              "Subjects holds references to the objects the role applies "
              "to.")),
     false, "ClusterRoleBinding references a ClusterRole, but not contain it."},
    {"coordination.k8s.io", "Lease", FIELDS(SPEC("spec contains the specification of the Lease.")),
     false, "Lease defines a lease concept."},
    {"policy", "PodDisruptionBudget", FIELDS(SPEC_STATUS), false,
     "PodDisruptionBudget is an object to define the max disruption that can be caused to a "
     "collection of pods"},
    {"autoscaling", "HorizontalPodAutoscaler", FIELDS(SPEC_STATUS), false,
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
            F("deprecatedSource", OA_OBJECT,
              "deprecatedSource is the deprecated field assuring "
              "backward compatibility."),
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
            F("series", OA_OBJECT,
              "series is data about the Event series this event "
              "represents."),
            F("type", OA_STRING, "type is the type of this event (Normal, Warning).")),
     false, "Event is a report of an event somewhere in the cluster."},
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
     false,
     "PriorityClass defines mapping from a priority class name to the priority integer value."},
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
    {"authentication.k8s.io", "SelfSubjectReview",
     FIELDS(STATUS("Status is filled in by the server with the user attributes.")), false,
     "SelfSubjectReview contains the user information that the kube-apiserver has about the "
     "user making this request."},
    {"authorization.k8s.io", "SelfSubjectAccessReview",
     FIELDS(FREQ("spec", OA_OBJECT,
                 "Spec holds information about the request being "
                 "evaluated."),
            STATUS("Status is filled in by the server and indicates whether the request is "
                   "allowed or not")),
     false, "SelfSubjectAccessReview checks whether or the current user can perform an action."},
    {"authorization.k8s.io", "SelfSubjectRulesReview",
     FIELDS(FREQ("spec", OA_OBJECT,
                 "Spec holds information about the request being "
                 "evaluated."),
            STATUS("Status is filled in by the server and indicates the set of actions a user "
                   "can perform.")),
     false,
     "SelfSubjectRulesReview enumerates the set of actions the current user can perform within "
     "a namespace."},
};

#define GVK1(g, k, v)                                                                              \
    "{\"x-kubernetes-group-version-kind\":[{\"group\":\"" g "\",\"kind\":\"" k                     \
    "\",\"version\":\"" v "\"}]}"
#define ATOMIC "{\"x-kubernetes-map-type\":\"atomic\"}"

const oa_def kp_oa_defs[] = {
    {META "ObjectMeta", NULL, NULL,
     FIELDS(F("annotations", OA_STRMAP,
              "Annotations is an unstructured key value map stored "
              "with a resource that may be set by external tools to "
              "store and retrieve arbitrary metadata."),
            F("creationTimestamp", OA_TIME,
              "CreationTimestamp is a timestamp representing the "
              "server time when this object was created."),
            F("deletionGracePeriodSeconds", OA_INT64,
              "Number of seconds allowed for this object to gracefully terminate before it will "
              "be removed from the system."),
            F("deletionTimestamp", OA_TIME,
              "DeletionTimestamp is RFC 3339 date and time at "
              "which this resource will be deleted."),
            {"finalizers", OA_STRLIST, NULL, false,
             "{\"x-kubernetes-list-type\":\"set\",\"x-kubernetes-patch-strategy\":\"merge\"}",
             "Must be empty before the object is deleted from the registry."},
            F("generateName", OA_STRING,
              "GenerateName is an optional prefix, used by the server, "
              "to generate a unique name ONLY IF the Name field has "
              "not been provided."),
            F("generation", OA_INT64,
              "A sequence number representing a specific generation of "
              "the desired state."),
            F("labels", OA_STRMAP,
              "Map of string keys and values that can be used to organize "
              "and categorize (scope and select) objects."),
            {"managedFields", OA_REFLIST, META "ManagedFieldsEntry", false,
             "{\"x-kubernetes-list-type\":\"atomic\"}",
             "ManagedFields maps workflow-id and version to the set of fields that are managed "
             "by that workflow."},
            F("name", OA_STRING, "Name must be unique within a namespace."),
            F("namespace", OA_STRING,
              "Namespace defines the space within which each name must "
              "be unique."),
            {"ownerReferences", OA_REFLIST, META "OwnerReference", false,
             "{\"x-kubernetes-list-map-keys\":[\"uid\"],\"x-kubernetes-list-type\":\"map\","
             "\"x-kubernetes-patch-merge-key\":\"uid\",\"x-kubernetes-patch-strategy\":\"merge\"}",
             "List of objects depended by this object."},
            F("resourceVersion", OA_STRING,
              "An opaque value that represents the internal version "
              "of this object."),
            F("selfLink", OA_STRING,
              "Deprecated: selfLink is a legacy read-only field that is no "
              "longer populated by the system."),
            F("uid", OA_STRING, "UID is the unique in time and space value for this object.")),
     NULL,
     "ObjectMeta is metadata that all persisted resources must have, which includes all objects "
     "users must create."},
    {META "ListMeta", NULL, NULL,
     FIELDS(F("continue", OA_STRING,
              "continue may be set if the user set a limit on the number "
              "of items returned."),
            F("remainingItemCount", OA_INT64,
              "the number of subsequent items in the list which "
              "are not included in this list response."),
            F("resourceVersion", OA_STRING,
              "String that identifies the server's internal version "
              "of this object."),
            F("selfLink", OA_STRING, "Deprecated: selfLink is a legacy read-only field.")),
     NULL, "ListMeta describes metadata that synthetic resources must have."},
    {META "OwnerReference", NULL, NULL,
     FIELDS(FREQ("apiVersion", OA_STRING, "API version of the referent."),
            F("blockOwnerDeletion", OA_BOOL,
              "If true, AND if the owner has the "
              "\"foregroundDeletion\" finalizer, then the owner "
              "cannot be deleted from the key-value store until "
              "this reference is removed."),
            F("controller", OA_BOOL,
              "If true, this reference points to the managing "
              "controller."),
            FREQ("kind", OA_STRING, "Kind of the referent."),
            FREQ("name", OA_STRING, "Name of the referent."),
            FREQ("uid", OA_STRING, "UID of the referent.")),
     ATOMIC, "OwnerReference contains enough information to let you identify an owning object."},
    {META "ManagedFieldsEntry", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING,
              "APIVersion defines the version of this resource that "
              "this field set applies to."),
            F("fieldsType", OA_STRING,
              "FieldsType is the discriminator for the different "
              "fields format and version."),
            FREF("fieldsV1", OA_REF, META "FieldsV1",
                 "FieldsV1 holds the first JSON version "
                 "format as described in the \"FieldsV1\" "
                 "type."),
            F("manager", OA_STRING,
              "Manager is an identifier of the workflow managing these "
              "fields."),
            F("operation", OA_STRING,
              "Operation is the type of operation which lead to this "
              "ManagedFieldsEntry being created."),
            F("subresource", OA_STRING,
              "Subresource is the name of the subresource used to "
              "update that object."),
            F("time", OA_TIME,
              "Time is the timestamp of when the ManagedFields entry was "
              "added.")),
     NULL,
     "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource "
     "that the fieldset applies to."},
    {META "FieldsV1", "object", NULL, NULL, NULL,
     "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format."},
    {META "Time", "string", "date-time", NULL, NULL,
     "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON "
     "(RFC 3339)."},
    {META "MicroTime", "string", "date-time", NULL, NULL,
     "MicroTime is version of Time with microsecond level precision."},
    {META "Patch", "object", NULL, NULL, NULL,
     "Patch is provided to give a concrete name and type to the Kubernetes PATCH request "
     "body."},
    {META "Status", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING,
              "APIVersion defines the versioned schema of this "
              "representation of an object."),
            F("code", OA_INT32, "Suggested HTTP return code for this status, 0 if not set."),
            FREF("details", OA_REF, META "StatusDetails",
                 "Extended data associated with the "
                 "reason."),
            F("kind", OA_STRING,
              "Kind is a string value representing the REST resource this "
              "object represents."),
            F("message", OA_STRING,
              "A human-readable description of the status of this "
              "operation."),
            FREF("metadata", OA_REF, META "ListMeta", "Standard list metadata."),
            F("reason", OA_STRING,
              "A machine-readable description of why this operation is in "
              "the \"Failure\" status."),
            F("status", OA_STRING,
              "Status of the operation. One of: \"Success\" or "
              "\"Failure\".")),
     GVK1("", "Status", "v1"),
     "Status is a return value for calls that don't return other objects."},
    {META "StatusDetails", NULL, NULL,
     FIELDS(FREF("causes", OA_REFLIST, META "StatusCause",
                 "The Causes array includes more "
                 "details associated with the "
                 "StatusReason failure."),
            F("group", OA_STRING,
              "The group attribute of the resource associated with the "
              "status StatusReason."),
            F("kind", OA_STRING,
              "The kind attribute of the resource associated with the "
              "status StatusReason."),
            F("name", OA_STRING,
              "The name attribute of the resource associated with the "
              "status StatusReason."),
            F("retryAfterSeconds", OA_INT32,
              "If specified, the time in seconds before the "
              "operation should be retried."),
            F("uid", OA_STRING, "UID of the resource.")),
     NULL,
     "StatusDetails is a set of additional properties that MAY be set by the server to provide "
     "additional information about a response."},
    {META "StatusCause", NULL, NULL,
     FIELDS(F("field", OA_STRING, "The field of the resource that has caused this error."),
            F("message", OA_STRING, "A human-readable description of the cause of the error."),
            F("reason", OA_STRING, "A machine-readable description of the cause of the error.")),
     NULL,
     "StatusCause provides more information about an api.Status failure, including cases when "
     "multiple errors are encountered."},
    /* its x-kubernetes-group-version-kind (one per group-version) is added by defs_build() */
    {META "DeleteOptions", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING,
              "APIVersion defines the versioned schema of this "
              "representation of an object."),
            F("dryRun", OA_STRLIST,
              "When present, indicates that modifications should not be "
              "persisted."),
            F("gracePeriodSeconds", OA_INT64,
              "The duration in seconds before the object should "
              "be deleted."),
            F("kind", OA_STRING,
              "Kind is a string value representing the REST resource this "
              "object represents."),
            F("orphanDependents", OA_BOOL, "Deprecated: please use the PropagationPolicy."),
            FREF("preconditions", OA_REF, META "Preconditions",
                 "Must be fulfilled before a "
                 "deletion is carried out."),
            F("propagationPolicy", OA_STRING,
              "Whether and how garbage collection will be "
              "performed.")),
     NULL, "DeleteOptions may be provided when deleting an API object."},
    {META "Preconditions", NULL, NULL,
     FIELDS(F("resourceVersion", OA_STRING, "Specifies the target ResourceVersion"),
            F("uid", OA_STRING, "Specifies the target UID.")),
     NULL,
     "Preconditions must be fulfilled before an operation (update, delete, etc.) is carried "
     "out."},
    {CORE "ObjectReference", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING, "API version of the referent."),
            F("fieldPath", OA_STRING,
              "If referring to a piece of an object instead of an entire "
              "object, this string should contain a valid JSON/Go "
              "field access statement."),
            F("kind", OA_STRING, "Kind of the referent."),
            F("name", OA_STRING, "Name of the referent."),
            F("namespace", OA_STRING, "Namespace of the referent."),
            F("resourceVersion", OA_STRING,
              "Specific resourceVersion to which this reference "
              "is made, if any."),
            F("uid", OA_STRING, "UID of the referent.")),
     ATOMIC,
     "ObjectReference contains enough information to let you inspect or modify the "
     "referred object."},
    {CORE "LocalObjectReference", NULL, NULL, FIELDS(F("name", OA_STRING, "Name of the referent.")),
     ATOMIC,
     "LocalObjectReference contains enough information to let you locate the referenced object "
     "inside the same namespace."},
    {AUTOSCALING "Scale", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING,
              "APIVersion defines the versioned schema of this "
              "representation of an object."),
            F("kind", OA_STRING,
              "Kind is a string value representing the REST resource this "
              "object represents."),
            FREF("metadata", OA_REF, META "ObjectMeta", "Standard object metadata."),
            FREF("spec", OA_REF, AUTOSCALING "ScaleSpec",
                 "spec defines the behavior of the "
                 "scale."),
            FREF("status", OA_REF, AUTOSCALING "ScaleStatus",
                 "status is the current status of "
                 "the scale; read-only.")),
     GVK1("autoscaling", "Scale", "v1"), "Scale represents a scaling request for a resource."},
    {AUTOSCALING "ScaleSpec", NULL, NULL,
     FIELDS(F("replicas", OA_INT32,
              "replicas is the desired number of instances for the "
              "scaled object.")),
     NULL, "ScaleSpec describes the attributes of a scale subresource."},
    {AUTOSCALING "ScaleStatus", NULL, NULL,
     FIELDS(FREQ("replicas", OA_INT32,
                 "replicas is the actual number of observed instances of "
                 "the scaled object."),
            F("selector", OA_STRING,
              "selector is the label query over pods that should match "
              "the replicas count.")),
     NULL, "ScaleStatus represents the current status of a scale subresource."},
};

const size_t kp_oa_nkinds = KP_ARRAY_LEN(kp_oa_kinds);
const size_t kp_oa_ndefs = KP_ARRAY_LEN(kp_oa_defs);
