#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of the core group's kinds but Pod's spec and status (openapi_table_pod.c);
 * k8s: k8s.io/api/core/v1/types.go. */

#define QMAP(n, d) FREF(n, OA_REFMAP, RESOURCE "Quantity", d)
#define SELECTOR META "LabelSelector"

static const oa_kind core_kinds[] = {
    {"", "Namespace", FIELDS(SPEC_REF(CORE "NamespaceSpec"), STATUS_REF(CORE "NamespaceStatus")),
     true, "Namespace provides a scope for Names. Use of multiple namespaces is optional."},
    {"", "ConfigMap",
     FIELDS(F("binaryData", OA_BYTEMAP, "binaryData contains the binary data."),
            F("data", OA_STRMAP, "data contains the configuration data."),
            F("immutable", OA_BOOL,
              "immutable, if set to true, ensures that data cannot be updated (only object "
              "metadata can be modified).")),
     true, "ConfigMap holds configuration data for pods to consume."},
    {"", "Secret",
     FIELDS(
         F("data", OA_BYTEMAP, "data contains the secret data, base64 encoded."),
         F("immutable", OA_BOOL, "immutable, if set to true, ensures that data cannot be updated."),
         F("stringData", OA_STRMAP,
           "stringData allows specifying non-binary secret data in string form; merged into "
           "data on write."),
         F("type", OA_STRING, "Used to facilitate programmatic handling of secret data.")),
     true, "Secret holds secret data of a certain type."},
    {"", "ServiceAccount",
     FIELDS(F("automountServiceAccountToken", OA_BOOL,
              "whether pods running as this service account should have an API token "
              "automatically mounted."),
            FREF("imagePullSecrets", OA_REFLIST, CORE "LocalObjectReference",
                 "references to secrets in the same namespace to use for pulling images."),
            {.name = "secrets",
             .type = OA_REFLIST,
             .ref = CORE "ObjectReference",
             .doc = "secrets is a list of the secrets in the same namespace that pods running "
                    "using this ServiceAccount are allowed to use.",
             .meta = {{KP_PATCH_MERGE, "name"}, NULL, NULL}}),
     true, "ServiceAccount binds together a name, a principal and a set of secrets."},
    {"", "Service", FIELDS(SPEC_REF(CORE "ServiceSpec"), STATUS_REF(CORE "ServiceStatus")), true,
     "Service is a named abstraction of software service (for example, mysql) consisting of "
     "local port that the proxy listens on, and the selector that determines which pods will "
     "answer requests sent through the proxy."},
    {"", "Endpoints",
     FIELDS(FATOMIC("subsets", CORE "EndpointSubset",
                    "The set of all endpoints is the union of all subsets.")),
     true, "Endpoints is a collection of endpoints that implement the actual service."},
    {"", "Node", FIELDS(SPEC_REF(CORE "NodeSpec"), STATUS_REF(CORE "NodeStatus")), true,
     "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache "
     "(i.e. in etcd)."},
    {"", "Pod", FIELDS(SPEC_REF(CORE "PodSpec"), STATUS_REF(CORE "PodStatus")), true,
     "Pod is a collection of containers that can run on a host."},
    {"", "Event",
     FIELDS(
         F("action", OA_STRING, "What action was taken/failed regarding to the Regarding object."),
         F("count", OA_INT32, "The number of times this event has occurred."),
         F("eventTime", OA_MICROTIME, "Time when this Event was first observed."),
         F("firstTimestamp", OA_TIME, "The time at which the event was first recorded."),
         FREFREQ("involvedObject", OA_REF, CORE "ObjectReference",
                 "The object that this event is about."),
         F("lastTimestamp", OA_TIME,
           "The time at which the most recent occurrence of this event was recorded."),
         F("message", OA_STRING,
           "A human-readable description of the status of this "
           "operation."),
         F("reason", OA_STRING,
           "This should be a short, machine understandable string that gives the reason for "
           "the transition into the object's current status."),
         FREF("related", OA_REF, CORE "ObjectReference",
              "Optional secondary object for more complex actions."),
         F("reportingComponent", OA_STRING, "Name of the controller that emitted this Event."),
         F("reportingInstance", OA_STRING, "ID of the controller instance."),
         FREF("series", OA_REF, CORE "EventSeries",
              "Data about the Event series this event represents."),
         FREF("source", OA_REF, CORE "EventSource", "The component reporting this event."),
         F("type", OA_STRING, "Type of this event (Normal, Warning).")),
     true, "Event is a report of an event somewhere in the cluster."},
    {"", "LimitRange",
     FIELDS(FREF("spec", OA_REF, CORE "LimitRangeSpec", "Spec defines the limits enforced.")), true,
     "LimitRange sets resource usage limits for each kind of resource in a Namespace."},
    {"", "ResourceQuota",
     FIELDS(FREF("spec", OA_REF, CORE "ResourceQuotaSpec", "Spec defines the desired quota."),
            FREF("status", OA_REF, CORE "ResourceQuotaStatus",
                 "Status defines the actual enforced quota and its current usage.")),
     true, "ResourceQuota sets aggregate quota restrictions enforced per namespace."},
    {"", "PersistentVolumeClaim",
     FIELDS(FREF("spec", OA_REF, CORE "PersistentVolumeClaimSpec",
                 "spec defines the desired characteristics of a volume requested by a pod "
                 "author."),
            FREF("status", OA_REF, CORE "PersistentVolumeClaimStatus",
                 "status represents the current information/status of a persistent volume "
                 "claim. Read-only.")),
     true, "PersistentVolumeClaim is a user's request for and claim to a persistent volume."},
    {"", "ReplicationController",
     FIELDS(SPEC_REF(CORE "ReplicationControllerSpec"),
            STATUS_REF(CORE "ReplicationControllerStatus")),
     true, "ReplicationController represents the configuration of a replication controller."},
    {"", "PersistentVolume",
     FIELDS(SPEC_REF(CORE "PersistentVolumeSpec"), STATUS_REF(CORE "PersistentVolumeStatus")), true,
     "PersistentVolume (PV) is a storage resource provisioned by an administrator. It is "
     "analogous to a node."},
};

static const oa_def core_defs[] = {
    DEF(CORE "NodeSpec",
        FIELDS(
            F("podCIDR", OA_STRING, "PodCIDR represents the pod IP range assigned to the node."),
            {.name = "podCIDRs",
             .type = OA_STRLIST,
             .doc = "podCIDRs represents the IP ranges assigned to the node for usage by Pods "
                    "on that node.",
             .meta = {{KP_PATCH_MERGE, NULL}, "set", NULL}},
            F("providerID", OA_STRING,
              "ID of the node assigned by the cloud provider in the format: "
              "<ProviderName>://<ProviderSpecificNodeID>"),
            FATOMIC("taints", CORE "Taint", "If specified, the node's taints."),
            F("unschedulable", OA_BOOL, "Unschedulable controls node schedulability of new pods.")),
        NULL, "NodeSpec describes the attributes that a node is created with."),
    DEF(CORE "Taint",
        FIELDS(
            FREQ("effect", OA_STRING,
                 "Required. The effect of the taint on pods that do not tolerate the taint."),
            FREQ("key", OA_STRING, "Required. The taint key to be applied to a node."),
            F("timeAdded", OA_TIME, "TimeAdded represents the time at which the taint was added."),
            F("value", OA_STRING, "The taint value corresponding to the taint key.")),
        NULL,
        "The node this Taint is attached to has the \"effect\" on any pod that does not "
        "tolerate the Taint."),
    DEF(CORE "NodeStatus",
        FIELDS(FMAP("addresses", CORE "NodeAddress", "type", "type",
                    "List of addresses reachable to the node."),
               QMAP("allocatable", "Allocatable represents the resources of a node that are "
                                   "available for scheduling."),
               QMAP("capacity", "Capacity represents the total resources of a node."),
               FCONDS(CORE "NodeCondition", "Conditions is an array of current observed node "
                                            "conditions."),
               F("daemonEndpoints", OA_OBJECT, "Endpoints of daemons running on the Node."),
               F("images", OA_LIST, "List of container images on this node"),
               FREF("nodeInfo", OA_REF, CORE "NodeSystemInfo",
                    "Set of ids/uuids to uniquely identify the node."),
               F("phase", OA_STRING,
                 "NodePhase is the recently observed lifecycle phase of the "
                 "node."),
               F("volumesAttached", OA_LIST, "List of volumes that are attached to the node."),
               FSLIST("volumesInUse", OA_STRLIST,
                      "List of attachable volumes in use (mounted) by the node.")),
        NULL, "NodeStatus is information about the current status of a node."),
    DEF(CORE "NodeAddress",
        FIELDS(FREQ("address", OA_STRING, "The node address."),
               FREQ("type", OA_STRING,
                    "Node address type, one of Hostname, ExternalIP or "
                    "InternalIP.")),
        NULL, "NodeAddress contains information for the node's address."),
    DEF(CORE "NodeCondition",
        FIELDS(F("lastHeartbeatTime", OA_TIME, "Last time we got an update on a given condition."),
               F("lastTransitionTime", OA_TIME,
                 "Last time the condition transit from one status to another."),
               F("message", OA_STRING,
                 "Human readable message indicating details about last "
                 "transition."),
               F("reason", OA_STRING, "(brief) reason for the condition's last transition."),
               FREQ("status", OA_STRING, "Status of the condition, one of True, False, Unknown."),
               FREQ("type", OA_STRING, "Type of node condition.")),
        NULL, "NodeCondition contains condition information for a node."),
    DEF(CORE "NodeSystemInfo",
        FIELDS(FREQ("architecture", OA_STRING, "The Architecture reported by the node"),
               FREQ("bootID", OA_STRING, "Boot ID reported by the node."),
               FREQ("containerRuntimeVersion", OA_STRING,
                    "ContainerRuntime Version reported by the node through runtime remote API."),
               FREQ("kernelVersion", OA_STRING, "Kernel Version reported by the node."),
               FREQ("kubeProxyVersion", OA_STRING,
                    "Deprecated: KubeProxy Version reported by "
                    "the node."),
               FREQ("kubeletVersion", OA_STRING, "Kubelet Version reported by the node."),
               FREQ("machineID", OA_STRING, "MachineID reported by the node."),
               FREQ("operatingSystem", OA_STRING, "The Operating System reported by the node"),
               FREQ("osImage", OA_STRING, "OS Image reported by the node."),
               FREQ("systemUUID", OA_STRING, "SystemUUID reported by the node.")),
        NULL, "NodeSystemInfo is a set of ids/uuids to uniquely identify the node."),
    DEF(CORE "ObjectReference",
        FIELDS(F("apiVersion", OA_STRING, "API version of the referent."),
               F("fieldPath", OA_STRING,
                 "If referring to a piece of an object instead of an entire object, this string "
                 "should contain a valid JSON/Go field access statement."),
               F("kind", OA_STRING, "Kind of the referent."),
               F("name", OA_STRING, "Name of the referent."),
               F("namespace", OA_STRING, "Namespace of the referent."),
               F("resourceVersion", OA_STRING,
                 "Specific resourceVersion to which this reference is made, if any."),
               F("uid", OA_STRING, "UID of the referent.")),
        ATOMIC,
        "ObjectReference contains enough information to let you inspect or modify the referred "
        "object."),
    DEF(CORE "LocalObjectReference", FIELDS(F("name", OA_STRING, "Name of the referent.")), ATOMIC,
        "LocalObjectReference contains enough information to let you locate the referenced "
        "object inside the same namespace."),
    DEF(CORE "TypedLocalObjectReference",
        FIELDS(F("apiGroup", OA_STRING,
                 "APIGroup is the group for the resource being "
                 "referenced."),
               FREQ("kind", OA_STRING, "Kind is the type of resource being referenced"),
               FREQ("name", OA_STRING, "Name is the name of resource being referenced")),
        ATOMIC,
        "TypedLocalObjectReference contains enough information to let you locate the typed "
        "referenced object inside the same namespace."),
    DEF(CORE "TypedObjectReference",
        FIELDS(
            F("apiGroup", OA_STRING,
              "APIGroup is the group for the resource being "
              "referenced."),
            FREQ("kind", OA_STRING, "Kind is the type of resource being referenced"),
            FREQ("name", OA_STRING, "Name is the name of resource being referenced"),
            F("namespace", OA_STRING, "Namespace is the namespace of resource being referenced")),
        NULL,
        "TypedObjectReference contains enough information to let you locate the typed "
        "referenced object"),
    DEF(CORE "NamespaceSpec",
        FIELDS(FSLIST("finalizers", OA_STRLIST,
                      "Finalizers is an opaque list of values that must be empty to permanently "
                      "remove object from storage.")),
        NULL, "NamespaceSpec describes the attributes on a Namespace."),
    DEF(CORE "NamespaceStatus",
        FIELDS(FCONDS(CORE "NamespaceCondition",
                      "Represents the latest available observations of a namespace's current "
                      "state."),
               F("phase", OA_STRING, "Phase is the current lifecycle phase of the namespace.")),
        NULL, "NamespaceStatus is information about the current status of a Namespace."),
    DEF(CORE "NamespaceCondition",
        FIELDS(F("lastTransitionTime", OA_TIME,
                 "Last time the condition transitioned from one status to another."),
               F("message", OA_STRING,
                 "Human-readable message indicating details about last transition."),
               F("reason", OA_STRING,
                 "Unique, one-word, CamelCase reason for the condition's last transition."),
               FREQ("status", OA_STRING, "Status of the condition, one of True, False, Unknown."),
               FREQ("type", OA_STRING, "Type of namespace controller condition.")),
        NULL, "NamespaceCondition contains details about state of namespace."),
    DEF(CORE "ServiceSpec",
        FIELDS(F("allocateLoadBalancerNodePorts", OA_BOOL,
                 "allocateLoadBalancerNodePorts defines if NodePorts will be automatically "
                 "allocated for services with type LoadBalancer."),
               F("clusterIP", OA_STRING,
                 "clusterIP is the IP address of the service and is usually assigned "
                 "randomly."),
               FSLIST("clusterIPs", OA_STRLIST,
                      "ClusterIPs is a list of IP addresses assigned to this service."),
               FSLIST("externalIPs", OA_STRLIST,
                      "externalIPs is a list of IP addresses for which nodes in the cluster "
                      "will also accept traffic for this service."),
               F("externalName", OA_STRING,
                 "externalName is the external reference that discovery mechanisms will return "
                 "as an alias for this service (e.g. a DNS CNAME record)."),
               F("externalTrafficPolicy", OA_STRING,
                 "externalTrafficPolicy describes how nodes distribute service traffic they "
                 "receive on one of the Service's \"externally-facing\" addresses."),
               F("healthCheckNodePort", OA_INT32,
                 "healthCheckNodePort specifies the healthcheck nodePort for the service."),
               F("internalTrafficPolicy", OA_STRING,
                 "InternalTrafficPolicy describes how nodes distribute service traffic they "
                 "receive on the ClusterIP."),
               FSLIST("ipFamilies", OA_STRLIST,
                      "IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this "
                      "service."),
               F("ipFamilyPolicy", OA_STRING,
                 "IPFamilyPolicy represents the dual-stack-ness requested or required by this "
                 "Service."),
               F("loadBalancerClass", OA_STRING,
                 "loadBalancerClass is the class of the load balancer implementation this "
                 "Service belongs to."),
               F("loadBalancerIP", OA_STRING,
                 "Deprecated: only applies to Service Type: LoadBalancer."),
               FSLIST("loadBalancerSourceRanges", OA_STRLIST,
                      "If specified and supported by the platform, traffic through the "
                      "cloud-provider load-balancer will be restricted to the specified client "
                      "IPs."),
               FMAP("ports", CORE "ServicePort", "port,protocol", "port",
                    "The list of ports that are exposed by this service."),
               F("publishNotReadyAddresses", OA_BOOL,
                 "publishNotReadyAddresses indicates that any agent which deals with endpoints "
                 "for this Service should disregard any indications of ready/not-ready."),
               {.name = "selector",
                .type = OA_STRMAP,
                .ext = ATOMIC,
                .doc = "Route service traffic to pods with label keys and values matching this "
                       "selector."},
               F("sessionAffinity", OA_STRING,
                 "Supports \"ClientIP\" and \"None\". Used to maintain session affinity."),
               FREF("sessionAffinityConfig", OA_REF, CORE "SessionAffinityConfig",
                    "sessionAffinityConfig contains the configurations of session affinity."),
               F("trafficDistribution", OA_STRING,
                 "TrafficDistribution offers a way to express preferences for how traffic is "
                 "distributed to Service endpoints."),
               F("type", OA_STRING,
                 "type determines how the Service is exposed: ClusterIP, NodePort, LoadBalancer "
                 "or ExternalName.")),
        NULL, "ServiceSpec describes the attributes that a user creates on a service."),
    DEF(CORE "ServicePort",
        FIELDS(F("appProtocol", OA_STRING, "The application protocol for this port."),
               F("name", OA_STRING, "The name of this port within the service."),
               F("nodePort", OA_INT32,
                 "The port on each node on which this service is exposed when type is NodePort "
                 "or LoadBalancer."),
               FREQ("port", OA_INT32, "The port that will be exposed by this service."),
               F("protocol", OA_STRING,
                 "The IP protocol for this port. Supports \"TCP\", \"UDP\", and \"SCTP\"."),
               F("targetPort", OA_INTORSTR,
                 "Number or name of the port to access on the pods targeted by the service.")),
        NULL, "ServicePort contains information on service's port."),
    DEF(CORE "SessionAffinityConfig",
        FIELDS(FREF("clientIP", OA_REF, CORE "ClientIPConfig",
                    "clientIP contains the configurations of Client IP based session "
                    "affinity.")),
        NULL, "SessionAffinityConfig represents the configurations of session affinity."),
    DEF(CORE "ClientIPConfig",
        FIELDS(F("timeoutSeconds", OA_INT32,
                 "timeoutSeconds specifies the seconds of ClientIP type session sticky time.")),
        NULL, "ClientIPConfig represents the configurations of Client IP based session affinity."),
    DEF(CORE "ServiceStatus",
        FIELDS(FCONDS(META "Condition", "Current service state"),
               FREF("loadBalancer", OA_REF, CORE "LoadBalancerStatus",
                    "LoadBalancer contains the current status of the load-balancer, if one is "
                    "present.")),
        NULL, "ServiceStatus represents the current status of a service."),
    DEF(CORE "LoadBalancerStatus",
        FIELDS(FATOMIC("ingress", CORE "LoadBalancerIngress",
                       "Ingress is a list containing ingress points for the load-balancer.")),
        NULL, "LoadBalancerStatus represents the status of a load-balancer."),
    DEF(CORE "LoadBalancerIngress",
        FIELDS(F("hostname", OA_STRING,
                 "Hostname is set for load-balancer ingress points that are DNS based."),
               F("ip", OA_STRING, "IP is set for load-balancer ingress points that are IP based."),
               F("ipMode", OA_STRING,
                 "IPMode specifies how the load-balancer IP behaves: VIP or Proxy."),
               FATOMIC("ports", CORE "PortStatus", "Ports is a list of records of service ports.")),
        NULL, "LoadBalancerIngress represents the status of a load-balancer ingress point."),
    DEF(CORE "PortStatus",
        FIELDS(F("error", OA_STRING, "Error is to record the problem with the service port."),
               FREQ("port", OA_INT32,
                    "Port is the port number of the service port of which "
                    "status is recorded here"),
               FREQ("protocol", OA_STRING, "Protocol is the protocol of the service port.")),
        NULL, "PortStatus represents the error condition of a service port"),
    DEF(CORE "EndpointSubset",
        FIELDS(FATOMIC("addresses", CORE "EndpointAddress",
                       "IP addresses which offer the related ports that are marked as ready."),
               FATOMIC("notReadyAddresses", CORE "EndpointAddress",
                       "IP addresses which offer the related ports but are not currently marked "
                       "as ready."),
               FATOMIC("ports", CORE "EndpointPort",
                       "Port numbers available on the related IP addresses.")),
        NULL, "EndpointSubset is a group of addresses with a common set of ports."),
    DEF(CORE "EndpointAddress",
        FIELDS(F("hostname", OA_STRING, "The Hostname of this endpoint"),
               FREQ("ip", OA_STRING, "The IP of this endpoint."),
               F("nodeName", OA_STRING, "Optional: Node hosting this endpoint."),
               FREF("targetRef", OA_REF, CORE "ObjectReference",
                    "Reference to object providing the endpoint.")),
        ATOMIC, "EndpointAddress is a tuple that describes single IP address."),
    DEF(CORE "EndpointPort",
        FIELDS(
            F("appProtocol", OA_STRING, "The application protocol for this port."),
            F("name", OA_STRING, "The name of this port."),
            FREQ("port", OA_INT32, "The port number of the endpoint."),
            F("protocol", OA_STRING, "The IP protocol for this port. Must be UDP, TCP, or SCTP.")),
        ATOMIC, "EndpointPort is a tuple that describes a single port."),
    DEF(CORE "EventSeries",
        FIELDS(F("count", OA_INT32,
                 "Number of occurrences in this series up to the last heartbeat time"),
               F("lastObservedTime", OA_MICROTIME, "Time of the last occurrence observed")),
        NULL,
        "EventSeries contain information on series of events, i.e. thing that was/is happening "
        "continuously for some time."),
    DEF(CORE "EventSource",
        FIELDS(F("component", OA_STRING, "Component from which the event is generated."),
               F("host", OA_STRING, "Node name on which the event is generated.")),
        NULL, "EventSource contains information for an event."),
    DEF(CORE "LimitRangeSpec",
        FIELDS({.name = "limits",
                .type = OA_REFLIST,
                .ref = CORE "LimitRangeItem",
                .required = true,
                .doc = "Limits is the list of LimitRangeItem objects that are enforced.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL, "LimitRangeSpec defines a min/max usage limit for resources that match on kind."),
    DEF(CORE "LimitRangeItem",
        FIELDS(QMAP("default", "Default resource requirement limit value by resource name if "
                               "resource limit is omitted."),
               QMAP("defaultRequest", "DefaultRequest is the default resource requirement "
                                      "request value by resource name if resource request is "
                                      "omitted."),
               QMAP("max", "Max usage constraints on this kind by resource name."),
               QMAP("maxLimitRequestRatio",
                    "MaxLimitRequestRatio if specified, the named resource must have a request "
                    "and limit that are both non-zero where limit divided by request is less "
                    "than or equal to the enumerated value."),
               QMAP("min", "Min usage constraints on this kind by resource name."),
               FREQ("type", OA_STRING, "Type of resource that this limit applies to.")),
        NULL,
        "LimitRangeItem defines a min/max usage limit for any resource that matches on kind."),
    DEF(CORE "ResourceQuotaSpec",
        FIELDS(QMAP("hard", "hard is the set of desired hard limits for each named resource."),
               FREF("scopeSelector", OA_REF, CORE "ScopeSelector",
                    "scopeSelector is also a collection of filters like scopes that must match "
                    "each object tracked by a quota."),
               FSLIST("scopes", OA_STRLIST,
                      "A collection of filters that must match each object tracked by a "
                      "quota.")),
        NULL, "ResourceQuotaSpec defines the desired hard limits to enforce for Quota."),
    DEF(CORE "ScopeSelector",
        FIELDS(FATOMIC("matchExpressions", CORE "ScopedResourceSelectorRequirement",
                       "A list of scope selector requirements by scope of the resources.")),
        ATOMIC,
        "A scope selector represents the AND of the selectors represented by the "
        "scoped-resource selector requirements."),
    DEF(CORE "ScopedResourceSelectorRequirement",
        FIELDS(FREQ("operator", OA_STRING,
                    "Represents a scope's relationship to a set of values: In, NotIn, Exists, "
                    "DoesNotExist."),
               FREQ("scopeName", OA_STRING, "The name of the scope that the selector applies to."),
               FSLIST("values", OA_STRLIST, "An array of string values.")),
        NULL,
        "A scoped-resource selector requirement is a selector that contains values, a scope "
        "name, and an operator that relates the scope name and values."),
    DEF(CORE "ResourceQuotaStatus",
        FIELDS(QMAP("hard", "Hard is the set of enforced hard limits for each named resource."),
               QMAP("used", "Used is the current observed total usage of the resource in the "
                            "namespace.")),
        NULL, "ResourceQuotaStatus defines the enforced hard limits and observed use."),
    DEF(CORE "ReplicationControllerSpec",
        FIELDS(F("minReadySeconds", OA_INT32,
                 "Minimum number of seconds for which a newly created pod should be ready "
                 "without any of its container crashing, for it to be considered available."),
               F("replicas", OA_INT32, "Replicas is the number of desired replicas."),
               F("selector", OA_STRMAP,
                 "Selector is a label query over pods that should match the Replicas count."),
               FREF("template", OA_REF, CORE "PodTemplateSpec",
                    "Template is the object that describes the pod that will be created if "
                    "insufficient replicas are detected.")),
        NULL, "ReplicationControllerSpec is the specification of a replication controller."),
    DEF(CORE "ReplicationControllerStatus",
        FIELDS(F("availableReplicas", OA_INT32,
                 "The number of available replicas (ready for at least minReadySeconds) for "
                 "this replication controller."),
               F("fullyLabeledReplicas", OA_INT32,
                 "The number of pods that have labels matching the labels of the pod template "
                 "of the replication controller."),
               F("observedGeneration", OA_INT64,
                 "ObservedGeneration reflects the generation of the most recently observed "
                 "replication controller."),
               F("readyReplicas", OA_INT32,
                 "The number of ready replicas for this replication controller."),
               FREQ("replicas", OA_INT32,
                    "Replicas is the most recently observed number of replicas.")),
        NULL,
        "ReplicationControllerStatus represents the current status of a replication "
        "controller."),
    DEF(CORE "PersistentVolumeSpec",
        FIELDS(FSLIST("accessModes", OA_STRLIST,
                      "accessModes contains all ways the volume can be mounted."),
               QMAP("capacity", "capacity is the description of the persistent volume's "
                                "resources and capacity."),
               FREF("claimRef", OA_REF, CORE "ObjectReference",
                    "claimRef is part of a bi-directional binding between PersistentVolume "
                    "and PersistentVolumeClaim."),
               FSLIST("mountOptions", OA_STRLIST,
                      "mountOptions is the list of mount options, e.g. [\"ro\", \"soft\"]."),
               F("persistentVolumeReclaimPolicy", OA_STRING,
                 "persistentVolumeReclaimPolicy defines what happens to a persistent volume "
                 "when released from its claim: Retain, Delete or Recycle."),
               F("storageClassName", OA_STRING,
                 "storageClassName is the name of StorageClass to which this persistent "
                 "volume belongs."),
               F("volumeMode", OA_STRING,
                 "volumeMode defines if a volume is intended to be used with a formatted "
                 "filesystem or to remain in raw block state.")),
        NULL, "PersistentVolumeSpec is the specification of a persistent volume."),
    DEF(CORE "PersistentVolumeStatus",
        FIELDS(F("message", OA_STRING,
                 "message is a human-readable message indicating details about why the volume "
                 "is in this state."),
               F("phase", OA_STRING,
                 "phase indicates if a volume is available, bound to a claim, or released by "
                 "a claim."),
               F("reason", OA_STRING,
                 "reason is a brief CamelCase string that describes any failure.")),
        NULL, "PersistentVolumeStatus is the current status of a persistent volume."),
    DEF(CORE "PersistentVolumeClaimSpec",
        FIELDS(FSLIST("accessModes", OA_STRLIST,
                      "accessModes contains the desired access modes the volume should have."),
               FREF("dataSource", OA_REF, CORE "TypedLocalObjectReference",
                    "dataSource field can be used to specify either an existing VolumeSnapshot "
                    "object or an existing PVC."),
               FREF("dataSourceRef", OA_REF, CORE "TypedObjectReference",
                    "dataSourceRef specifies the object from which to populate the volume with "
                    "data, if a non-empty volume is desired."),
               FREF("resources", OA_REF, CORE "VolumeResourceRequirements",
                    "resources represents the minimum resources the volume should have."),
               FREF("selector", OA_REF, SELECTOR,
                    "selector is a label query over volumes to consider for binding."),
               F("storageClassName", OA_STRING,
                 "storageClassName is the name of the StorageClass required by the claim."),
               F("volumeAttributesClassName", OA_STRING,
                 "volumeAttributesClassName may be used to set the VolumeAttributesClass used "
                 "by this claim."),
               F("volumeMode", OA_STRING,
                 "volumeMode defines what type of volume is required by the claim: Filesystem "
                 "or Block."),
               F("volumeName", OA_STRING,
                 "volumeName is the binding reference to the PersistentVolume backing this "
                 "claim.")),
        NULL,
        "PersistentVolumeClaimSpec describes the common attributes of storage devices and "
        "allows a Source for provider-specific attributes"),
    DEF(CORE "VolumeResourceRequirements",
        FIELDS(QMAP("limits", "Limits describes the maximum amount of compute resources "
                              "allowed."),
               QMAP("requests", "Requests describes the minimum amount of compute resources "
                                "required.")),
        NULL,
        "VolumeResourceRequirements describes the storage resource requirements for a "
        "volume."),
    DEF(CORE "PersistentVolumeClaimStatus",
        FIELDS(
            FSLIST("accessModes", OA_STRLIST,
                   "accessModes contains the actual access modes the volume backing the PVC "
                   "has."),
            {.name = "allocatedResourceStatuses",
             .type = OA_STRMAP,
             .ext = GRANULAR,
             .doc = "allocatedResourceStatuses stores status of resource being resized for "
                    "the given PVC."},
            QMAP("allocatedResources", "allocatedResources tracks the resources allocated to "
                                       "a PVC including its capacity."),
            QMAP("capacity", "capacity represents the actual resources of the underlying "
                             "volume."),
            FCONDS(CORE "PersistentVolumeClaimCondition",
                   "conditions is the current Condition of persistent volume claim."),
            F("currentVolumeAttributesClassName", OA_STRING,
              "currentVolumeAttributesClassName is the current name of the "
              "VolumeAttributesClass the PVC is using."),
            F("modifyVolumeStatus", OA_OBJECT,
              "ModifyVolumeStatus represents the status object of ControllerModifyVolume "
              "operation."),
            F("phase", OA_STRING, "phase represents the current phase of PersistentVolumeClaim.")),
        NULL, "PersistentVolumeClaimStatus is the current status of a persistent volume claim."),
    DEF(CORE "PersistentVolumeClaimCondition",
        FIELDS(F("lastProbeTime", OA_TIME, "lastProbeTime is the time we probed the condition."),
               F("lastTransitionTime", OA_TIME,
                 "lastTransitionTime is the time the condition transitioned from one status to "
                 "another."),
               F("message", OA_STRING,
                 "message is the human-readable message indicating details about last "
                 "transition."),
               F("reason", OA_STRING,
                 "reason is a unique, this should be a short, machine understandable string "
                 "that gives the reason for condition's last transition."),
               FREQ("status", OA_STRING, "Status of the condition: True, False, Unknown."),
               FREQ("type", OA_STRING, "Type of the condition.")),
        NULL, "PersistentVolumeClaimCondition contains details about state of pvc"),
};

const oa_table kp_oa_table_core = OA_TABLE(core_kinds, core_defs);
