#include "lib/common.h"
#include "apiserver/openapi.h"
#include "apiserver/api.h"
#include "apiserver/schema.h"
#include "lib/crypto.h"
#include "lib/sv.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>

/* The documents are built as JSON trees in OpenAPI v2 form (refs "#/definitions/<name>"), from
 * which come the v2 JSON, its gnostic protobuf twin (a generic JSON-to-protobuf walker driven by
 * a descriptor table, so the two cannot drift apart) and each v3 document (a copy with refs
 * rewritten to "#/components/schemas/<name>", holding the definitions its paths reach).
 *
 * What kubectl needs from them:
 * - k8s: kubectl's QueryParamVerifier (v2, cli-runtime query_param_verifier.go) and
 *   queryParamVerifierV3 take the first path whose PATCH operation carries the object's
 *   x-kubernetes-group-version-kind and look for a parameter named fieldValidation among that
 *   operation's own parameters (inline, or a $ref to #/parameters/ in v2). Found: kubectl sends
 *   fieldValidation=Strict and skips client-side schema validation. Every PATCH operation here
 *   declares it inline, in both versions.
 * - k8s: kubectl still parses the v2 definitions (kube-openapi util/proto): a $ref has no type
 *   and no properties beside it, an array has exactly one items schema, every $ref resolves.
 * - k8s: kubectl apply computes a strategic merge patch from the OpenAPI schema when the PATCH
 *   operation offers application/strategic-merge-patch+json (v3 requestBody, v2 consumes), and
 *   from its compiled-in Go types otherwise. Objects whose fields are not described yet carry no
 *   patch-merge keys, so only kinds marked complete below offer it. */

#define OA_DOC_MAX (64u * 1024 * 1024) /* one built document, far above the real size */
#define V2_REF "#/definitions/"
#define V3_REF "#/components/schemas/"
#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define CORE "io.k8s.api.core.v1."
#define AUTOSCALING "io.k8s.api.autoscaling.v1."

/* ---- the field tables: real per-field schemas slot in here ---- */

typedef enum {
    OA_OBJECT = 0, /* an object not described yet: any content, never an unknown field */
    OA_STRING,
    OA_BOOL,
    OA_INT32,
    OA_INT64,
    OA_STRMAP,  /* map of strings (labels, ConfigMap data) */
    OA_BYTEMAP, /* map of base64 strings (Secret data) */
    OA_LIST,    /* array of objects not described yet */
    OA_STRLIST, /* array of strings */
    OA_TIME,    /* meta/v1 Time (RFC 3339) */
    OA_MICROTIME,
    OA_REF,     /* the definition named by ref */
    OA_REFLIST, /* array of the definition named by ref */
} oa_type;

typedef struct {
    const char *name;
    oa_type type;
    const char *ref; /* OA_REF, OA_REFLIST: a definition of oa_defs[] or a kind's */
    bool required;
    const char *ext; /* JSON object merged into the property (x-kubernetes-list-type...) */
    const char *doc;
} oa_field;

/* A kind of the schema table: its fields besides apiVersion, kind and metadata. To describe a
 * field fully, turn its OA_OBJECT into OA_REF to a new oa_defs[] row. */
typedef struct {
    const char *group;
    const char *kind;
    const oa_field *fields;
    /* every nested schema is real and carries its patch-merge keys: PATCH then offers
     * strategic merge patch and kubectl apply computes it from this document */
    bool complete;
    const char *doc;
} oa_kind;

/* A named definition other than a kind's (meta/v1 types, ObjectReference, Scale, ...). */
typedef struct {
    const char *name;
    const char *type; /* NULL: an object with fields; else "string", "object" (no fields) */
    const char *format;
    const oa_field *fields;
    const char *ext;
    const char *doc;
} oa_def;

#define FIELDS(...) ((const oa_field[]){__VA_ARGS__, {NULL, OA_OBJECT, NULL, false, NULL, NULL}})
#define F(n, t, d)                                                                                 \
    {                                                                                              \
        n, t, NULL, false, NULL, d                                                                 \
    }
#define FREQ(n, t, d)                                                                              \
    {                                                                                              \
        n, t, NULL, true, NULL, d                                                                  \
    }
#define FREF(n, t, r, d)                                                                           \
    {                                                                                              \
        n, t, r, false, NULL, d                                                                    \
    }
#define SPEC(d) F("spec", OA_OBJECT, d)
#define STATUS(d) F("status", OA_OBJECT, d)
#define SPEC_STATUS                                                                                \
    SPEC("spec is the desired state of the object."),                                              \
        STATUS("status is the most recently observed state of the object; read-only.")

static const oa_kind oa_kinds[] = {
    {"", "Namespace", FIELDS(SPEC_STATUS), false,
     "Namespace provides a scope for Names. Use of multiple namespaces is optional."},
    {"", "ConfigMap",
     FIELDS(F("binaryData", OA_BYTEMAP, "binaryData contains the binary data."),
            F("data", OA_STRMAP, "data contains the configuration data."),
            F("immutable", OA_BOOL, "immutable, if set to true, ensures that data cannot be "
                                    "updated (only object metadata can be modified).")),
     false, "ConfigMap holds configuration data for pods to consume."},
    {"", "Secret",
     FIELDS(F("data", OA_BYTEMAP, "data contains the secret data, base64 encoded."),
            F("immutable", OA_BOOL, "immutable, if set to true, ensures that data cannot be "
                                    "updated."),
            F("stringData", OA_STRMAP, "stringData allows specifying non-binary secret data in "
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
     FIELDS(F("subsets", OA_LIST, "The set of all endpoints is the union of all subsets.")),
     false, "Endpoints is a collection of endpoints that implement the actual service."},
    {"", "Pod", FIELDS(SPEC_STATUS), false,
     "Pod is a collection of containers that can run on a host."},
    {"", "Event",
     FIELDS(F("action", OA_STRING, "What action was taken/failed regarding to the Regarding "
                                   "object."),
            F("count", OA_INT32, "The number of times this event has occurred."),
            F("eventTime", OA_MICROTIME, "Time when this Event was first observed."),
            F("firstTimestamp", OA_TIME, "The time at which the event was first recorded."),
            {"involvedObject", OA_REF, CORE "ObjectReference", true, NULL,
             "The object that this event is about."},
            F("lastTimestamp", OA_TIME, "The time at which the most recent occurrence of this "
                                        "event was recorded."),
            F("message", OA_STRING, "A human-readable description of the status of this "
                                    "operation."),
            F("reason", OA_STRING, "This should be a short, machine understandable string that "
                                   "gives the reason for the transition into the object's "
                                   "current status."),
            FREF("related", OA_REF, CORE "ObjectReference", "Optional secondary object for more "
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
     FIELDS(FREQ("roleRef", OA_OBJECT, "RoleRef can reference a Role in the current namespace "
                                       "or a ClusterRole in the global namespace."),
            F("subjects", OA_LIST, "Subjects holds references to the objects the role applies "
                                   "to.")),
     false, "RoleBinding references a role, but does not contain it."},
    {"rbac.authorization.k8s.io", "ClusterRole",
     FIELDS(F("aggregationRule", OA_OBJECT, "AggregationRule is an optional field that "
                                            "describes how to build the Rules for this "
                                            "ClusterRole."),
            F("rules", OA_LIST, "Rules holds all the PolicyRules for this ClusterRole")),
     false,
     "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced "
     "as a unit by a RoleBinding or ClusterRoleBinding."},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding",
     FIELDS(FREQ("roleRef", OA_OBJECT, "RoleRef can only reference a ClusterRole in the global "
                                       "namespace."),
            F("subjects", OA_LIST, "Subjects holds references to the objects the role applies "
                                   "to.")),
     false,
     "ClusterRoleBinding references a ClusterRole, but not contain it."},
    {"coordination.k8s.io", "Lease",
     FIELDS(SPEC("spec contains the specification of the Lease.")), false,
     "Lease defines a lease concept."},
    {"policy", "PodDisruptionBudget", FIELDS(SPEC_STATUS), false,
     "PodDisruptionBudget is an object to define the max disruption that can be caused to a "
     "collection of pods"},
    {"autoscaling", "HorizontalPodAutoscaler", FIELDS(SPEC_STATUS), false,
     "HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which "
     "automatically manages the replica count of any resource implementing the scale "
     "subresource based on the metrics specified."},
    {"events.k8s.io", "Event",
     FIELDS(F("action", OA_STRING, "action is what action was taken/failed regarding to the "
                                   "regarding object."),
            F("deprecatedCount", OA_INT32, "deprecatedCount is the deprecated field assuring "
                                           "backward compatibility with core.v1 Event type."),
            F("deprecatedFirstTimestamp", OA_TIME, "deprecatedFirstTimestamp is the deprecated "
                                                   "field assuring backward compatibility."),
            F("deprecatedLastTimestamp", OA_TIME, "deprecatedLastTimestamp is the deprecated "
                                                  "field assuring backward compatibility."),
            F("deprecatedSource", OA_OBJECT, "deprecatedSource is the deprecated field assuring "
                                             "backward compatibility."),
            FREQ("eventTime", OA_MICROTIME, "eventTime is the time when this Event was first "
                                            "observed."),
            F("note", OA_STRING, "note is a human-readable description of the status of this "
                                 "operation."),
            F("reason", OA_STRING, "reason is why the action was taken."),
            FREF("regarding", OA_REF, CORE "ObjectReference", "regarding contains the object "
                                                              "this Event is about."),
            FREF("related", OA_REF, CORE "ObjectReference", "related is the optional secondary "
                                                            "object for more complex actions."),
            F("reportingController", OA_STRING, "reportingController is the name of the "
                                                "controller that emitted this Event."),
            F("reportingInstance", OA_STRING, "reportingInstance is the ID of the controller "
                                              "instance."),
            F("series", OA_OBJECT, "series is data about the Event series this event "
                                   "represents."),
            F("type", OA_STRING, "type is the type of this event (Normal, Warning).")),
     false, "Event is a report of an event somewhere in the cluster."},
    {"scheduling.k8s.io", "PriorityClass",
     FIELDS(F("description", OA_STRING, "description is an arbitrary string that usually "
                                        "provides guidelines on when this priority class "
                                        "should be used."),
            F("globalDefault", OA_BOOL, "globalDefault specifies whether this PriorityClass "
                                        "should be considered as the default priority for pods "
                                        "that do not have any priority class."),
            F("preemptionPolicy", OA_STRING, "preemptionPolicy is the Policy for preempting "
                                             "pods with lower priority."),
            FREQ("value", OA_INT32, "value represents the integer value of this priority "
                                    "class.")),
     false,
     "PriorityClass defines mapping from a priority class name to the priority integer value."},
    {"authentication.k8s.io", "SelfSubjectReview",
     FIELDS(STATUS("Status is filled in by the server with the user attributes.")), false,
     "SelfSubjectReview contains the user information that the kube-apiserver has about the "
     "user making this request."},
    {"authorization.k8s.io", "SelfSubjectAccessReview",
     FIELDS(FREQ("spec", OA_OBJECT, "Spec holds information about the request being "
                                    "evaluated."),
            STATUS("Status is filled in by the server and indicates whether the request is "
                   "allowed or not")),
     false,
     "SelfSubjectAccessReview checks whether or the current user can perform an action."},
    {"authorization.k8s.io", "SelfSubjectRulesReview",
     FIELDS(FREQ("spec", OA_OBJECT, "Spec holds information about the request being "
                                    "evaluated."),
            STATUS("Status is filled in by the server and indicates the set of actions a user "
                   "can perform.")),
     false,
     "SelfSubjectRulesReview enumerates the set of actions the current user can perform within "
     "a namespace."},
};

#define GVK1(g, k, v) "{\"x-kubernetes-group-version-kind\":[{\"group\":\"" g "\",\"kind\":\"" k \
                      "\",\"version\":\"" v "\"}]}"
#define ATOMIC "{\"x-kubernetes-map-type\":\"atomic\"}"

static const oa_def oa_defs[] = {
    {META "ObjectMeta", NULL, NULL,
     FIELDS(F("annotations", OA_STRMAP, "Annotations is an unstructured key value map stored "
                                        "with a resource that may be set by external tools to "
                                        "store and retrieve arbitrary metadata."),
            F("creationTimestamp", OA_TIME, "CreationTimestamp is a timestamp representing the "
                                            "server time when this object was created."),
            F("deletionGracePeriodSeconds", OA_INT64,
              "Number of seconds allowed for this object to gracefully terminate before it will "
              "be removed from the system."),
            F("deletionTimestamp", OA_TIME, "DeletionTimestamp is RFC 3339 date and time at "
                                            "which this resource will be deleted."),
            {"finalizers", OA_STRLIST, NULL, false,
             "{\"x-kubernetes-list-type\":\"set\",\"x-kubernetes-patch-strategy\":\"merge\"}",
             "Must be empty before the object is deleted from the registry."},
            F("generateName", OA_STRING, "GenerateName is an optional prefix, used by the server, "
                                         "to generate a unique name ONLY IF the Name field has "
                                         "not been provided."),
            F("generation", OA_INT64, "A sequence number representing a specific generation of "
                                      "the desired state."),
            F("labels", OA_STRMAP, "Map of string keys and values that can be used to organize "
                                   "and categorize (scope and select) objects."),
            {"managedFields", OA_REFLIST, META "ManagedFieldsEntry", false,
             "{\"x-kubernetes-list-type\":\"atomic\"}",
             "ManagedFields maps workflow-id and version to the set of fields that are managed "
             "by that workflow."},
            F("name", OA_STRING, "Name must be unique within a namespace."),
            F("namespace", OA_STRING, "Namespace defines the space within which each name must "
                                      "be unique."),
            {"ownerReferences", OA_REFLIST, META "OwnerReference", false,
             "{\"x-kubernetes-list-map-keys\":[\"uid\"],\"x-kubernetes-list-type\":\"map\","
             "\"x-kubernetes-patch-merge-key\":\"uid\",\"x-kubernetes-patch-strategy\":\"merge\"}",
             "List of objects depended by this object."},
            F("resourceVersion", OA_STRING, "An opaque value that represents the internal version "
                                            "of this object."),
            F("selfLink", OA_STRING, "Deprecated: selfLink is a legacy read-only field that is no "
                                     "longer populated by the system."),
            F("uid", OA_STRING, "UID is the unique in time and space value for this object.")),
     NULL,
     "ObjectMeta is metadata that all persisted resources must have, which includes all objects "
     "users must create."},
    {META "ListMeta", NULL, NULL,
     FIELDS(F("continue", OA_STRING, "continue may be set if the user set a limit on the number "
                                     "of items returned."),
            F("remainingItemCount", OA_INT64, "the number of subsequent items in the list which "
                                              "are not included in this list response."),
            F("resourceVersion", OA_STRING, "String that identifies the server's internal version "
                                            "of this object."),
            F("selfLink", OA_STRING, "Deprecated: selfLink is a legacy read-only field.")),
     NULL, "ListMeta describes metadata that synthetic resources must have."},
    {META "OwnerReference", NULL, NULL,
     FIELDS(FREQ("apiVersion", OA_STRING, "API version of the referent."),
            F("blockOwnerDeletion", OA_BOOL, "If true, AND if the owner has the "
                                             "\"foregroundDeletion\" finalizer, then the owner "
                                             "cannot be deleted from the key-value store until "
                                             "this reference is removed."),
            F("controller", OA_BOOL, "If true, this reference points to the managing "
                                     "controller."),
            FREQ("kind", OA_STRING, "Kind of the referent."),
            FREQ("name", OA_STRING, "Name of the referent."),
            FREQ("uid", OA_STRING, "UID of the referent.")),
     ATOMIC,
     "OwnerReference contains enough information to let you identify an owning object."},
    {META "ManagedFieldsEntry", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING, "APIVersion defines the version of this resource that "
                                       "this field set applies to."),
            F("fieldsType", OA_STRING, "FieldsType is the discriminator for the different "
                                       "fields format and version."),
            FREF("fieldsV1", OA_REF, META "FieldsV1", "FieldsV1 holds the first JSON version "
                                                      "format as described in the \"FieldsV1\" "
                                                      "type."),
            F("manager", OA_STRING, "Manager is an identifier of the workflow managing these "
                                    "fields."),
            F("operation", OA_STRING, "Operation is the type of operation which lead to this "
                                      "ManagedFieldsEntry being created."),
            F("subresource", OA_STRING, "Subresource is the name of the subresource used to "
                                        "update that object."),
            F("time", OA_TIME, "Time is the timestamp of when the ManagedFields entry was "
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
     FIELDS(F("apiVersion", OA_STRING, "APIVersion defines the versioned schema of this "
                                       "representation of an object."),
            F("code", OA_INT32, "Suggested HTTP return code for this status, 0 if not set."),
            FREF("details", OA_REF, META "StatusDetails", "Extended data associated with the "
                                                          "reason."),
            F("kind", OA_STRING, "Kind is a string value representing the REST resource this "
                                 "object represents."),
            F("message", OA_STRING, "A human-readable description of the status of this "
                                    "operation."),
            FREF("metadata", OA_REF, META "ListMeta", "Standard list metadata."),
            F("reason", OA_STRING, "A machine-readable description of why this operation is in "
                                   "the \"Failure\" status."),
            F("status", OA_STRING, "Status of the operation. One of: \"Success\" or "
                                   "\"Failure\".")),
     GVK1("", "Status", "v1"), "Status is a return value for calls that don't return other objects."},
    {META "StatusDetails", NULL, NULL,
     FIELDS(FREF("causes", OA_REFLIST, META "StatusCause", "The Causes array includes more "
                                                           "details associated with the "
                                                           "StatusReason failure."),
            F("group", OA_STRING, "The group attribute of the resource associated with the "
                                  "status StatusReason."),
            F("kind", OA_STRING, "The kind attribute of the resource associated with the "
                                 "status StatusReason."),
            F("name", OA_STRING, "The name attribute of the resource associated with the "
                                 "status StatusReason."),
            F("retryAfterSeconds", OA_INT32, "If specified, the time in seconds before the "
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
     FIELDS(F("apiVersion", OA_STRING, "APIVersion defines the versioned schema of this "
                                       "representation of an object."),
            F("dryRun", OA_STRLIST, "When present, indicates that modifications should not be "
                                    "persisted."),
            F("gracePeriodSeconds", OA_INT64, "The duration in seconds before the object should "
                                              "be deleted."),
            F("kind", OA_STRING, "Kind is a string value representing the REST resource this "
                                 "object represents."),
            F("orphanDependents", OA_BOOL, "Deprecated: please use the PropagationPolicy."),
            FREF("preconditions", OA_REF, META "Preconditions", "Must be fulfilled before a "
                                                                "deletion is carried out."),
            F("propagationPolicy", OA_STRING, "Whether and how garbage collection will be "
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
            F("fieldPath", OA_STRING, "If referring to a piece of an object instead of an entire "
                                      "object, this string should contain a valid JSON/Go "
                                      "field access statement."),
            F("kind", OA_STRING, "Kind of the referent."),
            F("name", OA_STRING, "Name of the referent."),
            F("namespace", OA_STRING, "Namespace of the referent."),
            F("resourceVersion", OA_STRING, "Specific resourceVersion to which this reference "
                                            "is made, if any."),
            F("uid", OA_STRING, "UID of the referent.")),
     ATOMIC, "ObjectReference contains enough information to let you inspect or modify the "
             "referred object."},
    {CORE "LocalObjectReference", NULL, NULL,
     FIELDS(F("name", OA_STRING, "Name of the referent.")), ATOMIC,
     "LocalObjectReference contains enough information to let you locate the referenced object "
     "inside the same namespace."},
    {AUTOSCALING "Scale", NULL, NULL,
     FIELDS(F("apiVersion", OA_STRING, "APIVersion defines the versioned schema of this "
                                       "representation of an object."),
            F("kind", OA_STRING, "Kind is a string value representing the REST resource this "
                                 "object represents."),
            FREF("metadata", OA_REF, META "ObjectMeta", "Standard object metadata."),
            FREF("spec", OA_REF, AUTOSCALING "ScaleSpec", "spec defines the behavior of the "
                                                          "scale."),
            FREF("status", OA_REF, AUTOSCALING "ScaleStatus", "status is the current status of "
                                                              "the scale; read-only.")),
     GVK1("autoscaling", "Scale", "v1"), "Scale represents a scaling request for a resource."},
    {AUTOSCALING "ScaleSpec", NULL, NULL,
     FIELDS(F("replicas", OA_INT32, "replicas is the desired number of instances for the "
                                    "scaled object.")),
     NULL, "ScaleSpec describes the attributes of a scale subresource."},
    {AUTOSCALING "ScaleStatus", NULL, NULL,
     FIELDS(FREQ("replicas", OA_INT32, "replicas is the actual number of observed instances of "
                                       "the scaled object."),
            F("selector", OA_STRING, "selector is the label query over pods that should match "
                                     "the replicas count.")),
     NULL, "ScaleStatus represents the current status of a scale subresource."},
};

/* ---- small helpers ---- */

static const char *sfmt(char *buf, size_t n, const char *fmt, ...) KP_PRINTF(3, 4);

/* Names and URLs come from the tables, never from a request: not fitting is a bug. */
static const char *sfmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int w;
    va_start(ap, fmt);
    w = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    assert(w >= 0 && (size_t)w < n);
    (void)w;
    return buf;
}

static bool csv_has(const char *csv, const char *word)
{
    kp_sv in = kp_sv_from(csv), f;
    while (in.len) {
        kp_sv_cut(&in, ',', &f);
        if (kp_sv_eq_str(f, word))
            return true;
    }
    return false;
}

static json_t *ref_to(const char *name, int ver)
{
    char buf[256];
    return json_pack("{s:s}", "$ref", sfmt(buf, sizeof(buf), "%s%s", ver == 2 ? V2_REF : V3_REF,
                                          name));
}

static json_t *strings(const char *const *v)
{
    json_t *a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static json_t *gvk_obj(const char *group, const char *version, const char *kind)
{
    return json_pack("{s:s, s:s, s:s}", "group", group, "kind", kind, "version", version);
}

static void set_doc(json_t *o, const char *doc)
{
    if (doc)
        json_object_set_new(o, "description", json_string(doc));
}

/* Merges the JSON object text ext into o. */
static int merge_ext(json_t *o, const char *ext, const char *where)
{
    json_error_t jerr;
    json_t *x;
    if (!ext)
        return 0;
    x = json_loads(ext, 0, &jerr);
    if (!json_is_object(x)) {
        json_decref(x);
        return kp_err_set(KP_EINTERNAL, "openapi: the extensions of \"%s\" are not a JSON object",
                          where);
    }
    json_object_update(o, x);
    json_decref(x);
    return 0;
}

/* "networking.k8s.io" -> "Networking", "rbac.authorization.k8s.io" -> "RbacAuthorization",
 * "" -> "Core": as kube-apiserver's operation ids and tags. */
static const char *group_camel(char *buf, size_t n, const char *group)
{
    size_t len = strlen(group), o = 0;
    bool up = true;
    if (!group[0])
        return sfmt(buf, n, "Core");
    if (len > 7 && strcmp(group + len - 7, ".k8s.io") == 0)
        len -= 7;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        if (group[i] == '.' || group[i] == '-') {
            up = true;
            continue;
        }
        buf[o++] = up && group[i] >= 'a' && group[i] <= 'z' ? (char)(group[i] - 'a' + 'A')
                                                            : group[i];
        up = false;
    }
    buf[o] = '\0';
    return buf;
}

/* k8s: definitions are named after the Go package: io.k8s.api.<first label of group>.<v>.<Kind>,
 * the core group being "core". */
static const char *kind_def_name(char *buf, size_t n, const char *group, const char *version,
                                 const char *kind)
{
    if (!group[0])
        return sfmt(buf, n, "io.k8s.api.core.%s.%s", version, kind);
    return sfmt(buf, n, "io.k8s.api.%.*s.%s.%s", (int)strcspn(group, "."), group, version, kind);
}

static const oa_kind *kind_find(const char *group, const char *kind)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(oa_kinds); i++)
        if (strcmp(oa_kinds[i].group, group) == 0 && strcmp(oa_kinds[i].kind, kind) == 0)
            return &oa_kinds[i];
    return NULL;
}

/* ---- schemas (v2 form) ---- */

static json_t *object_any(void)
{
    return json_pack("{s:s, s:b}", "type", "object", "x-kubernetes-preserve-unknown-fields", 1);
}

static int field_schema(json_t **out, const oa_field *f)
{
    json_t *s;
    switch (f->type) {
    case OA_OBJECT:
        s = object_any();
        break;
    case OA_STRING:
        s = json_pack("{s:s}", "type", "string");
        break;
    case OA_BOOL:
        s = json_pack("{s:s}", "type", "boolean");
        break;
    case OA_INT32:
    case OA_INT64:
        s = json_pack("{s:s, s:s}", "type", "integer", "format",
                      f->type == OA_INT32 ? "int32" : "int64");
        break;
    case OA_STRMAP:
        s = json_pack("{s:s, s:{s:s}}", "type", "object", "additionalProperties", "type",
                      "string");
        break;
    case OA_BYTEMAP:
        s = json_pack("{s:s, s:{s:s, s:s}}", "type", "object", "additionalProperties", "type",
                      "string", "format", "byte");
        break;
    case OA_LIST:
        s = json_pack("{s:s, s:o}", "type", "array", "items", object_any());
        break;
    case OA_STRLIST:
        s = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
        break;
    case OA_TIME:
        s = ref_to(META "Time", 2);
        break;
    case OA_MICROTIME:
        s = ref_to(META "MicroTime", 2);
        break;
    case OA_REF:
        assert(f->ref);
        s = ref_to(f->ref, 2);
        break;
    case OA_REFLIST:
        assert(f->ref);
        s = json_pack("{s:s, s:o}", "type", "array", "items", ref_to(f->ref, 2));
        break;
    default:
        return kp_err_set(KP_EINTERNAL, "openapi: field \"%s\" has no type", f->name);
    }
    set_doc(s, f->doc);
    *out = s;
    return merge_ext(s, f->ext, f->name);
}

/* Adds fields to the object schema s (properties, required). */
static int fields_add(json_t *s, const oa_field *fields)
{
    json_t *props = kp_json_props(s), *req = json_object_get(s, "required");
    int rc;
    for (const oa_field *f = fields; f && f->name; f++) {
        json_t *p = NULL;
        if ((rc = field_schema(&p, f)) < 0) {
            json_decref(p);
            return rc;
        }
        json_object_set_new(props, f->name, p);
        if (f->required) {
            if (!req) {
                req = json_array();
                json_object_set_new(s, "required", req);
            }
            json_array_append_new(req, json_string(f->name));
        }
    }
    return 0;
}
