#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of the OpenAPI documents, one file per API group (openapi_table_<group>.c);
 * this one holds the meta/v1 types every kind shares, Quantity, IntOrString and the /scale
 * subresource's Scale, and the list of all the tables. A field of a kind or definition is
 * described fully with OA_REF to another definition; a field left OA_OBJECT accepts anything.
 * The patch strategies and list types (kp_openapi_field_meta) are the only ones kplane has:
 * patch.c's strategic merge patch reads them through kp_openapi_field_lookup(). */

static const oa_def meta_defs[] = {
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
            {.name = "finalizers",
             .type = OA_STRLIST,
             .doc = "Must be empty before the object is deleted from the registry.",
             .meta = {{KP_PATCH_MERGE, NULL}, "set", NULL}},
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
            FATOMIC("managedFields", META "ManagedFieldsEntry",
                    "ManagedFields maps workflow-id and version to the set of fields that are "
                    "managed by that workflow."),
            F("name", OA_STRING, "Name must be unique within a namespace."),
            F("namespace", OA_STRING,
              "Namespace defines the space within which each name must "
              "be unique."),
            FMAP("ownerReferences", META "OwnerReference", "uid", "uid",
                 "List of objects depended by this object."),
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
    DEF(META "LabelSelector",
        FIELDS(FATOMIC("matchExpressions", META "LabelSelectorRequirement",
                       "matchExpressions is a list of label selector requirements. The "
                       "requirements are ANDed."),
               F("matchLabels", OA_STRMAP,
                 "matchLabels is a map of {key,value} pairs; each is equivalent to an element "
                 "of matchExpressions whose key field is \"key\", the operator is \"In\", and "
                 "the values array contains only \"value\".")),
        ATOMIC,
        "A label selector is a label query over a set of resources. The result of matchLabels "
        "and matchExpressions are ANDed."),
    DEF(META "LabelSelectorRequirement",
        FIELDS(FREQ("key", OA_STRING, "key is the label key that the selector applies to."),
               FREQ("operator", OA_STRING,
                    "operator represents a key's relationship to a set of values: In, NotIn, "
                    "Exists and DoesNotExist."),
               FSLIST("values", OA_STRLIST, "values is an array of string values.")),
        NULL,
        "A label selector requirement is a selector that contains values, a key, and an "
        "operator that relates the key and values."),
    DEF(META "Condition",
        FIELDS(FREQ("lastTransitionTime", OA_TIME,
                    "lastTransitionTime is the last time the condition transitioned from one "
                    "status to another."),
               FREQ("message", OA_STRING,
                    "message is a human readable message indicating details about the "
                    "transition."),
               F("observedGeneration", OA_INT64,
                 "observedGeneration represents the .metadata.generation that the condition was "
                 "set based upon."),
               FREQ("reason", OA_STRING,
                    "reason contains a programmatic identifier indicating the reason for the "
                    "condition's last transition."),
               FREQ("status", OA_STRING, "status of the condition, one of True, False, Unknown."),
               FREQ("type", OA_STRING,
                    "type of condition in CamelCase or in foo.example.com/CamelCase.")),
        NULL,
        "Condition contains details for one aspect of the current state of this API Resource."),
    {RESOURCE "Quantity", "string", NULL, NULL, NULL,
     "Quantity is a fixed-point representation of a number: a signed number with an optional "
     "SI (m, k, M, G, ...) or binary (Ki, Mi, Gi, ...) suffix, as \"100m\" or \"1Gi\"."},
    {INTSTR "IntOrString", "string", "int-or-string", NULL, NULL,
     "IntOrString is a type that can hold an int32 or a string."},
};

const oa_table kp_oa_table_meta = OA_DEFS_ONLY(meta_defs);

const oa_table *const kp_oa_tables[] = {
    &kp_oa_table_meta, &kp_oa_table_core,  &kp_oa_table_pod,
    &kp_oa_table_apps, &kp_oa_table_batch, &kp_oa_table_net,
    &kp_oa_table_rbac, &kp_oa_table_misc,  &kp_oa_table_gitops,
};
const size_t kp_oa_ntables = KP_ARRAY_LEN(kp_oa_tables);
