#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of networking.k8s.io/v1 (k8s: k8s.io/api/networking/v1/types.go) and
 * discovery.k8s.io/v1's EndpointSlice (k8s.io/api/discovery/v1/types.go). */

#define DISC "io.k8s.api.discovery.v1."

#define SELECTOR META "LabelSelector"

static const oa_kind net_kinds[] = {
    {"networking.k8s.io", "Ingress",
     FIELDS(SPEC_REF(NET "IngressSpec"), STATUS_REF(NET "IngressStatus")), true,
     "Ingress is a collection of rules that allow inbound connections to reach the endpoints "
     "defined by a backend."},
    {"networking.k8s.io", "NetworkPolicy",
     FIELDS(FREF("spec", OA_REF, NET "NetworkPolicySpec",
                 "spec represents the specification of the desired behavior for this "
                 "NetworkPolicy.")),
     true, "NetworkPolicy describes what network traffic is allowed for a set of Pods."},
    {"discovery.k8s.io", "EndpointSlice",
     FIELDS(FREQ("addressType", OA_STRING,
                 "addressType specifies the type of address carried by this EndpointSlice."),
            FATOMIC("endpoints", DISC "Endpoint",
                    "endpoints is a list of unique endpoints in this slice."),
            FATOMIC("ports", DISC "EndpointPort",
                    "ports specifies the list of network ports exposed by each endpoint in this "
                    "slice.")),
     true, "EndpointSlice represents a set of service endpoints."},
};

static const oa_def net_defs[] = {
    DEF(DISC "Endpoint",
        FIELDS(FSET("addresses", "addresses of this endpoint."),
               FREF("conditions", OA_REF, DISC "EndpointConditions",
                    "conditions contains information about the current status of the endpoint."),
               F("hostname", OA_STRING, "hostname of this endpoint."),
               F("nodeName", OA_STRING,
                 "nodeName represents the name of the Node hosting this endpoint."),
               FREF("targetRef", OA_REF, CORE "ObjectReference",
                    "targetRef is a reference to a Kubernetes object that represents this "
                    "endpoint."),
               F("zone", OA_STRING, "zone is the name of the Zone this endpoint exists in.")),
        NULL, "Endpoint represents a single logical \"backend\" implementing a service."),
    DEF(DISC "EndpointConditions",
        FIELDS(
            F("ready", OA_BOOL, "ready indicates that this endpoint is ready to receive traffic."),
            F("serving", OA_BOOL,
              "serving indicates that this endpoint is able to receive "
              "traffic."),
            F("terminating", OA_BOOL,
              "terminating indicates that this endpoint is "
              "terminating.")),
        NULL, "EndpointConditions represents the current condition of an endpoint."),
    DEF(DISC "EndpointPort",
        FIELDS(F("appProtocol", OA_STRING, "The application protocol for this port."),
               F("name", OA_STRING, "name represents the name of this port."),
               F("port", OA_INT32, "port represents the port number of the endpoint."),
               F("protocol", OA_STRING, "protocol represents the IP protocol for this port.")),
        ATOMIC, "EndpointPort represents a Port used by an EndpointSlice"),
    DEF(NET "IngressSpec",
        FIELDS(FREF("defaultBackend", OA_REF, NET "IngressBackend",
                    "defaultBackend is the backend that should handle requests that don't match "
                    "any rule."),
               F("ingressClassName", OA_STRING,
                 "ingressClassName is the name of an IngressClass cluster resource."),
               FATOMIC("rules", NET "IngressRule",
                       "rules is a list of host rules used to configure the Ingress."),
               FATOMIC("tls", NET "IngressTLS", "tls represents the TLS configuration.")),
        NULL, "IngressSpec describes the Ingress the user wishes to exist."),
    DEF(NET "IngressBackend",
        FIELDS(FREF("resource", OA_REF, CORE "TypedLocalObjectReference",
                    "resource is an ObjectRef to another Kubernetes resource in the namespace of "
                    "the Ingress object."),
               FREF("service", OA_REF, NET "IngressServiceBackend",
                    "service references a service as a backend.")),
        NULL, "IngressBackend describes all endpoints for a given service and port."),
    DEF(NET "IngressServiceBackend",
        FIELDS(FREQ("name", OA_STRING, "name is the referenced service."),
               FREF("port", OA_REF, NET "ServiceBackendPort", "port of the referenced service.")),
        NULL, "IngressServiceBackend references a Kubernetes Service as a Backend."),
    DEF(NET "ServiceBackendPort",
        FIELDS(F("name", OA_STRING, "name is the name of the port on the Service."),
               F("number", OA_INT32,
                 "number is the numerical port number (e.g. 80) on the "
                 "Service.")),
        ATOMIC, "ServiceBackendPort is the service port being referenced."),
    DEF(NET "IngressRule",
        FIELDS(F("host", OA_STRING, "host is the fully qualified domain name of a network host."),
               FREF("http", OA_REF, NET "HTTPIngressRuleValue",
                    "http is a list of http selectors pointing to backends.")),
        NULL,
        "IngressRule represents the rules mapping the paths under a specified host to the "
        "related backend services."),
    DEF(NET "HTTPIngressRuleValue",
        FIELDS({.name = "paths",
                .type = OA_REFLIST,
                .ref = NET "HTTPIngressPath",
                .required = true,
                .doc = "paths is a collection of paths that map requests to backends.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL, "HTTPIngressRuleValue is a list of http selectors pointing to backends."),
    DEF(NET "HTTPIngressPath",
        FIELDS(FREFREQ("backend", OA_REF, NET "IngressBackend",
                       "backend defines the referenced service endpoint to which the traffic "
                       "will be forwarded to."),
               F("path", OA_STRING, "path is matched against the path of an incoming request."),
               FREQ("pathType", OA_STRING,
                    "pathType determines the interpretation of the path matching: Exact, "
                    "Prefix or ImplementationSpecific.")),
        NULL, "HTTPIngressPath associates a path with a backend."),
    DEF(NET "IngressTLS",
        FIELDS(FSLIST("hosts", OA_STRLIST,
                      "hosts is a list of hosts included in the TLS certificate."),
               F("secretName", OA_STRING,
                 "secretName is the name of the secret used to terminate TLS traffic on port "
                 "443.")),
        NULL, "IngressTLS describes the transport layer security associated with an ingress."),
    DEF(NET "IngressStatus",
        FIELDS(FREF("loadBalancer", OA_REF, NET "IngressLoadBalancerStatus",
                    "loadBalancer contains the current status of the load-balancer.")),
        NULL, "IngressStatus describe the current state of the Ingress."),
    DEF(NET "IngressLoadBalancerStatus",
        FIELDS(FATOMIC("ingress", NET "IngressLoadBalancerIngress",
                       "ingress is a list containing ingress points for the load-balancer.")),
        NULL, "IngressLoadBalancerStatus represents the status of a load-balancer."),
    DEF(NET "IngressLoadBalancerIngress",
        FIELDS(F("hostname", OA_STRING,
                 "hostname is set for load-balancer ingress points that are DNS based."),
               F("ip", OA_STRING, "ip is set for load-balancer ingress points that are IP based."),
               FATOMIC("ports", NET "IngressPortStatus",
                       "ports provides information about the ports exposed by this "
                       "LoadBalancer.")),
        NULL, "IngressLoadBalancerIngress represents the status of a load-balancer ingress point."),
    DEF(NET "IngressPortStatus",
        FIELDS(F("error", OA_STRING, "error is to record the problem with the service port."),
               FREQ("port", OA_INT32, "port is the port number of the ingress port."),
               FREQ("protocol", OA_STRING, "protocol is the protocol of the ingress port.")),
        NULL, "IngressPortStatus represents the error condition of a service port"),
    DEF(NET "NetworkPolicySpec",
        FIELDS(FATOMIC("egress", NET "NetworkPolicyEgressRule",
                       "egress is a list of egress rules to be applied to the selected pods."),
               FATOMIC("ingress", NET "NetworkPolicyIngressRule",
                       "ingress is a list of ingress rules to be applied to the selected pods."),
               FREF("podSelector", OA_REF, SELECTOR,
                    "podSelector selects the pods to which this NetworkPolicy object applies."),
               FSLIST("policyTypes", OA_STRLIST,
                      "policyTypes is a list of rule types that the NetworkPolicy relates to: "
                      "Ingress, Egress.")),
        NULL, "NetworkPolicySpec provides the specification of a NetworkPolicy"),
    DEF(NET "NetworkPolicyIngressRule",
        FIELDS(FATOMIC("from", NET "NetworkPolicyPeer",
                       "from is a list of sources which should be able to access the pods "
                       "selected for this rule."),
               FATOMIC("ports", NET "NetworkPolicyPort",
                       "ports is a list of ports which should be made accessible on the pods "
                       "selected for this rule.")),
        NULL,
        "NetworkPolicyIngressRule describes a particular set of traffic that is allowed to the "
        "pods matched by a NetworkPolicySpec's podSelector."),
    DEF(NET "NetworkPolicyEgressRule",
        FIELDS(FATOMIC("ports", NET "NetworkPolicyPort",
                       "ports is a list of destination ports for outgoing traffic."),
               FATOMIC("to", NET "NetworkPolicyPeer",
                       "to is a list of destinations for outgoing traffic of pods selected for "
                       "this rule.")),
        NULL,
        "NetworkPolicyEgressRule describes a particular set of traffic that is allowed out of "
        "pods matched by a NetworkPolicySpec's podSelector."),
    DEF(NET "NetworkPolicyPeer",
        FIELDS(FREF("ipBlock", OA_REF, NET "IPBlock",
                    "ipBlock defines policy on a particular IPBlock."),
               FREF("namespaceSelector", OA_REF, SELECTOR,
                    "namespaceSelector selects namespaces using cluster-scoped labels."),
               FREF("podSelector", OA_REF, SELECTOR,
                    "podSelector is a label selector which selects pods.")),
        NULL, "NetworkPolicyPeer describes a peer to allow traffic to/from."),
    DEF(NET "IPBlock",
        FIELDS(FREQ("cidr", OA_STRING,
                    "cidr is a string representing the IPBlock, e.g. \"192.168.1.0/24\"."),
               FSLIST("except", OA_STRLIST,
                      "except is a slice of CIDRs that should not be included within an "
                      "IPBlock.")),
        NULL,
        "IPBlock describes a particular CIDR that is allowed to the pods matched by a "
        "NetworkPolicySpec's podSelector."),
    DEF(NET "NetworkPolicyPort",
        FIELDS(F("endPort", OA_INT32,
                 "endPort indicates that the range of ports from port to endPort if set, "
                 "inclusive, should be allowed by the policy."),
               F("port", OA_INTORSTR,
                 "port represents the port on the given protocol: a numerical or named port."),
               F("protocol", OA_STRING,
                 "protocol represents the protocol (TCP, UDP, or SCTP) which traffic must "
                 "match.")),
        NULL, "NetworkPolicyPort describes a port to allow traffic on"),
};

const oa_table kp_oa_table_net = OA_TABLE(net_kinds, net_defs);
