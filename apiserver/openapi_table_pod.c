#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of PodTemplateSpec, PodSpec and everything under it (containers, volumes,
 * probes, affinity, security contexts), and PodStatus; k8s: k8s.io/api/core/v1/types.go. The
 * rarely used volume sources stay open objects (any content is kept). */

#define QMAP(n, d) FREF(n, OA_REFMAP, RESOURCE "Quantity", d)
#define LOCALREF CORE "LocalObjectReference"
#define SELECTOR META "LabelSelector"

/* k8s: Container and EphemeralContainerCommon share these fields */
#define CONTAINER_FIELDS                                                                           \
    FSLIST("args", OA_STRLIST,                                                                     \
           "Arguments to the entrypoint; the image's CMD is used if not "                          \
           "provided. $(VAR_NAME) references are expanded."),                                      \
        FSLIST("command", OA_STRLIST,                                                              \
               "Entrypoint array, not executed within a shell; the image's ENTRYPOINT is used if " \
               "not provided."),                                                                   \
        FMAP("env", CORE "EnvVar", "name", "name",                                                 \
             "List of environment variables to set in the container."),                            \
        FATOMIC("envFrom", CORE "EnvFromSource",                                                   \
                "List of sources to populate environment variables in the container."),            \
        F("image", OA_STRING, "Container image name."),                                            \
        F("imagePullPolicy", OA_STRING, "Image pull policy: Always, Never or IfNotPresent."),      \
        FREF("lifecycle", OA_REF, CORE "Lifecycle",                                                \
             "Actions that the management system should take in response to container "            \
             "lifecycle events."),                                                                 \
        FREF("livenessProbe", OA_REF, CORE "Probe",                                                \
             "Periodic probe of container liveness; the container is restarted if it fails."),     \
        FREQ("name", OA_STRING, "Name of the container specified as a DNS_LABEL."),                \
        FMAP("ports", CORE "ContainerPort", "containerPort,protocol", "containerPort",             \
             "List of ports to expose from the container."),                                       \
        FREF("readinessProbe", OA_REF, CORE "Probe",                                               \
             "Periodic probe of container service readiness."),                                    \
        FATOMIC("resizePolicy", CORE "ContainerResizePolicy",                                      \
                "Resources resize policy for the container."),                                     \
        FREF("resources", OA_REF, CORE "ResourceRequirements",                                     \
             "Compute Resources required by this container."),                                     \
        F("restartPolicy", OA_STRING,                                                              \
          "RestartPolicy defines the restart behavior of individual containers in a pod."),        \
        FREF("securityContext", OA_REF, CORE "SecurityContext",                                    \
             "SecurityContext defines the security options the container should be run with."),    \
        FREF("startupProbe", OA_REF, CORE "Probe",                                                 \
             "StartupProbe indicates that the Pod has successfully initialized."),                 \
        F("stdin", OA_BOOL, "Whether this container should allocate a buffer for stdin."),         \
        F("stdinOnce", OA_BOOL,                                                                    \
          "Whether the container runtime should close the stdin channel after it has been "        \
          "opened by a single attach."),                                                           \
        F("terminationMessagePath", OA_STRING,                                                     \
          "Path at which the file to which the container's termination message will be "           \
          "written is mounted."),                                                                  \
        F("terminationMessagePolicy", OA_STRING,                                                   \
          "Indicate how the termination message should be populated: File or "                     \
          "FallbackToLogsOnError."),                                                               \
        F("tty", OA_BOOL, "Whether this container should allocate a TTY for itself."),             \
        FMAP("volumeDevices", CORE "VolumeDevice", "devicePath", "devicePath",                     \
             "volumeDevices is the list of block devices to be used by the container."),           \
        FMAP("volumeMounts", CORE "VolumeMount", "mountPath", "mountPath",                         \
             "Pod volumes to mount into the container's filesystem."),                             \
        F("workingDir", OA_STRING, "Container's working directory.")

#define KEY_SELECTOR(what)                                                                         \
    FIELDS(FREQ("key", OA_STRING, "The key to select."),                                           \
           F("name", OA_STRING, "Name of the referent."),                                          \
           F("optional", OA_BOOL, "Specify whether the " what " or its key must be defined"))

#define HANDLER_FIELDS                                                                             \
    FREF("exec", OA_REF, CORE "ExecAction",                                                        \
         "Exec specifies a command to execute in the "                                             \
         "container."),                                                                            \
        FREF("httpGet", OA_REF, CORE "HTTPGetAction",                                              \
             "HTTPGet specifies an HTTP GET request to "                                           \
             "perform."),                                                                          \
        FREF("tcpSocket", OA_REF, CORE "TCPSocketAction",                                          \
             "TCPSocket specifies a connection to a TCP port.")

#define SE_FIELDS                                                                                  \
    FREF("appArmorProfile", OA_REF, CORE "AppArmorProfile",                                        \
         "appArmorProfile is the AppArmor options to use."),                                       \
        F("runAsGroup", OA_INT64, "The GID to run the entrypoint of the container process."),      \
        F("runAsNonRoot", OA_BOOL, "Indicates that the container must run as a non-root user."),   \
        F("runAsUser", OA_INT64, "The UID to run the entrypoint of the container process."),       \
        FREF("seLinuxOptions", OA_REF, CORE "SELinuxOptions",                                      \
             "The SELinux context to be applied to the container."),                               \
        FREF("seccompProfile", OA_REF, CORE "SeccompProfile",                                      \
             "The seccomp options to use by the containers."),                                     \
        FREF("windowsOptions", OA_REF, CORE "WindowsSecurityContextOptions",                       \
             "The Windows specific settings applied to all containers.")

#define ITEMS_FIELD                                                                                \
    FATOMIC(                                                                                       \
        "items", CORE "KeyToPath",                                                                 \
        "items maps keys of the data to paths in the volume; unlisted keys are not projected.")

#define RARE(n, d) F(n, OA_OBJECT, d)

static const oa_def pod_defs[] = {
    DEF(CORE "PodTemplateSpec",
        FIELDS(FREF("metadata", OA_REF, META "ObjectMeta", "Standard object's metadata."),
               FREF("spec", OA_REF, CORE "PodSpec",
                    "Specification of the desired behavior of the pod.")),
        NULL, "PodTemplateSpec describes the data a pod should have when created from a template"),
    DEF(CORE "PodSpec",
        FIELDS(F("activeDeadlineSeconds", OA_INT64,
                 "Optional duration in seconds the pod may be active on the node relative to "
                 "StartTime before the system will actively try to mark it failed and kill "
                 "associated containers."),
               FREF("affinity", OA_REF, CORE "Affinity",
                    "If specified, the pod's scheduling constraints"),
               F("automountServiceAccountToken", OA_BOOL,
                 "AutomountServiceAccountToken indicates whether a service account token should "
                 "be automatically mounted."),
               {.name = "containers",
                .type = OA_REFLIST,
                .ref = CORE "Container",
                .required = true,
                .doc = "List of containers belonging to the pod. There must be at least one.",
                .meta = {{KP_PATCH_MERGE, "name"}, "map", "name"}},
               FREF("dnsConfig", OA_REF, CORE "PodDNSConfig",
                    "Specifies the DNS parameters of a pod."),
               F("dnsPolicy", OA_STRING,
                 "Set DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or "
                 "None."),
               F("enableServiceLinks", OA_BOOL,
                 "EnableServiceLinks indicates whether information about services should be "
                 "injected into pod's environment variables."),
               FMAP("ephemeralContainers", CORE "EphemeralContainer", "name", "name",
                    "List of ephemeral containers run in this pod."),
               FMAP("hostAliases", CORE "HostAlias", "ip", "ip",
                    "HostAliases is an optional list of hosts and IPs that will be injected into "
                    "the pod's hosts file."),
               F("hostIPC", OA_BOOL, "Use the host's ipc namespace."),
               F("hostNetwork", OA_BOOL, "Host networking requested for this pod."),
               F("hostPID", OA_BOOL, "Use the host's pid namespace."),
               F("hostUsers", OA_BOOL, "Use the host's user namespace."),
               F("hostname", OA_STRING, "Specifies the hostname of the Pod."),
               FMAP("imagePullSecrets", LOCALREF, "name", "name",
                    "ImagePullSecrets is an optional list of references to secrets in the same "
                    "namespace to use for pulling any of the images used by this PodSpec."),
               FMAP("initContainers", CORE "Container", "name", "name",
                    "List of initialization containers belonging to the pod."),
               F("nodeName", OA_STRING, "NodeName indicates in which node this pod is scheduled."),
               {.name = "nodeSelector",
                .type = OA_STRMAP,
                .ext = ATOMIC,
                .doc = "NodeSelector is a selector which must be true for the pod to fit on a "
                       "node."},
               FREF("os", OA_REF, CORE "PodOS", "Specifies the OS of the containers in the pod."),
               QMAP("overhead", "Overhead represents the resource overhead associated with "
                                "running a pod for a given RuntimeClass."),
               F("preemptionPolicy", OA_STRING,
                 "PreemptionPolicy is the Policy for preempting pods with lower priority."),
               F("priority", OA_INT32, "The priority value."),
               F("priorityClassName", OA_STRING, "If specified, indicates the pod's priority."),
               FATOMIC("readinessGates", CORE "PodReadinessGate",
                       "If specified, all readiness gates will be evaluated for pod readiness."),
               {.name = "resourceClaims",
                .type = OA_REFLIST,
                .ref = CORE "PodResourceClaim",
                .doc = "ResourceClaims defines which ResourceClaims must be allocated and "
                       "reserved before the Pod is allowed to start.",
                .meta = {{KP_PATCH_MERGE | KP_PATCH_RETAIN_KEYS, "name"}, "map", "name"}},
               FREF("resources", OA_REF, CORE "ResourceRequirements",
                    "Resources is the total amount of CPU and Memory resources required by all "
                    "containers in the pod."),
               F("restartPolicy", OA_STRING,
                 "Restart policy for all containers within the pod: Always, OnFailure, Never."),
               F("runtimeClassName", OA_STRING,
                 "RuntimeClassName refers to a RuntimeClass object which should be used to run "
                 "this pod."),
               F("schedulerName", OA_STRING,
                 "If specified, the pod will be dispatched by specified scheduler."),
               FMAP("schedulingGates", CORE "PodSchedulingGate", "name", "name",
                    "SchedulingGates is an opaque list of values that if specified will block "
                    "scheduling the pod."),
               FREF("securityContext", OA_REF, CORE "PodSecurityContext",
                    "SecurityContext holds pod-level security attributes and common container "
                    "settings."),
               F("serviceAccount", OA_STRING,
                 "DeprecatedServiceAccount is a deprecated alias for ServiceAccountName."),
               F("serviceAccountName", OA_STRING,
                 "ServiceAccountName is the name of the ServiceAccount to use to run this pod."),
               F("setHostnameAsFQDN", OA_BOOL,
                 "If true the pod's hostname will be configured as the pod's FQDN."),
               F("shareProcessNamespace", OA_BOOL,
                 "Share a single process namespace between all of the containers in a pod."),
               F("subdomain", OA_STRING,
                 "If specified, the fully qualified Pod hostname will be "
                 "\"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\"."),
               F("terminationGracePeriodSeconds", OA_INT64,
                 "Optional duration in seconds the pod needs to terminate gracefully."),
               FATOMIC("tolerations", CORE "Toleration", "If specified, the pod's tolerations."),
               FMAP("topologySpreadConstraints", CORE "TopologySpreadConstraint",
                    "topologyKey,whenUnsatisfiable", "topologyKey",
                    "TopologySpreadConstraints describes how a group of pods ought to spread "
                    "across topology domains."),
               {.name = "volumes",
                .type = OA_REFLIST,
                .ref = CORE "Volume",
                .doc = "List of volumes that can be mounted by containers belonging to the pod.",
                .meta = {{KP_PATCH_MERGE | KP_PATCH_RETAIN_KEYS, "name"}, "map", "name"}}),
        NULL, "PodSpec is a description of a pod."),
    DEF(CORE "Container", FIELDS(CONTAINER_FIELDS), NULL,
        "A single application container that you want to run within a pod."),
    DEF(CORE "EphemeralContainer",
        FIELDS(CONTAINER_FIELDS,
               F("targetContainerName", OA_STRING,
                 "If set, the name of the container from PodSpec that this ephemeral container "
                 "targets.")),
        NULL,
        "An EphemeralContainer is a temporary container that you may add to an existing Pod for "
        "user-initiated activities such as debugging."),
    DEF(CORE "EnvVar",
        FIELDS(FREQ("name", OA_STRING, "Name of the environment variable."),
               F("value", OA_STRING,
                 "Variable references $(VAR_NAME) are expanded using the previously defined "
                 "environment variables in the container."),
               FREF("valueFrom", OA_REF, CORE "EnvVarSource",
                    "Source for the environment variable's value.")),
        NULL, "EnvVar represents an environment variable present in a Container."),
    DEF(CORE "EnvVarSource",
        FIELDS(FREF("configMapKeyRef", OA_REF, CORE "ConfigMapKeySelector",
                    "Selects a key of a ConfigMap."),
               FREF("fieldRef", OA_REF, CORE "ObjectFieldSelector", "Selects a field of the pod."),
               FREF("resourceFieldRef", OA_REF, CORE "ResourceFieldSelector",
                    "Selects a resource of the container: limits and requests."),
               FREF("secretKeyRef", OA_REF, CORE "SecretKeySelector",
                    "Selects a key of a secret in the pod's namespace")),
        NULL, "EnvVarSource represents a source for the value of an EnvVar."),
    DEF(CORE "ConfigMapKeySelector", KEY_SELECTOR("ConfigMap"), ATOMIC,
        "Selects a key from a ConfigMap."),
    DEF(CORE "SecretKeySelector", KEY_SELECTOR("Secret"), ATOMIC,
        "SecretKeySelector selects a key of a Secret."),
    DEF(CORE "ObjectFieldSelector",
        FIELDS(F("apiVersion", OA_STRING,
                 "Version of the schema the FieldPath is written in terms of, defaults to "
                 "\"v1\"."),
               FREQ("fieldPath", OA_STRING,
                    "Path of the field to select in the specified API version.")),
        ATOMIC, "ObjectFieldSelector selects an APIVersioned field of an object."),
    DEF(CORE "ResourceFieldSelector",
        FIELDS(F("containerName", OA_STRING,
                 "Container name: required for volumes, optional for env vars"),
               F("divisor", OA_QUANTITY,
                 "Specifies the output format of the exposed resources, defaults to \"1\""),
               FREQ("resource", OA_STRING, "Required: resource to select")),
        ATOMIC,
        "ResourceFieldSelector represents container resources (cpu, memory) and their output "
        "format"),
    DEF(CORE "EnvFromSource",
        FIELDS(
            FREF("configMapRef", OA_REF, CORE "ConfigMapEnvSource", "The ConfigMap to select from"),
            F("prefix", OA_STRING,
              "Optional text to prepend to the name of each environment variable."),
            FREF("secretRef", OA_REF, CORE "SecretEnvSource", "The Secret to select from")),
        NULL, "EnvFromSource represents the source of a set of ConfigMaps or Secrets"),
    DEF(CORE "ConfigMapEnvSource",
        FIELDS(F("name", OA_STRING, "Name of the referent."),
               F("optional", OA_BOOL, "Specify whether the ConfigMap must be defined")),
        NULL, "ConfigMapEnvSource selects a ConfigMap to populate the environment variables with."),
    DEF(CORE "SecretEnvSource",
        FIELDS(F("name", OA_STRING, "Name of the referent."),
               F("optional", OA_BOOL, "Specify whether the Secret must be defined")),
        NULL, "SecretEnvSource selects a Secret to populate the environment variables with."),
    DEF(CORE "ContainerPort",
        FIELDS(
            FREQ("containerPort", OA_INT32,
                 "Number of port to expose on the pod's IP address (0 < x < 65536)."),
            F("hostIP", OA_STRING, "What host IP to bind the external port to."),
            F("hostPort", OA_INT32, "Number of port to expose on the host."),
            F("name", OA_STRING, "An IANA_SVC_NAME naming the port, unique within the pod."),
            F("protocol", OA_STRING, "Protocol for port: UDP, TCP, or SCTP. Defaults to \"TCP\".")),
        NULL, "ContainerPort represents a network port in a single container."),
    DEF(CORE "ResourceRequirements",
        FIELDS(FMAPNP("claims", CORE "ResourceClaim", "name",
                      "Claims lists the names of resources, defined in spec.resourceClaims, that "
                      "are used by this container."),
               QMAP("limits", "Limits describes the maximum amount of compute resources "
                              "allowed."),
               QMAP("requests", "Requests describes the minimum amount of compute resources "
                                "required.")),
        NULL, "ResourceRequirements describes the compute resource requirements."),
    DEF(CORE "ResourceClaim",
        FIELDS(FREQ("name", OA_STRING,
                    "Name must match the name of one entry in pod.spec.resourceClaims."),
               F("request", OA_STRING,
                 "Request is the name chosen for a request in the referenced claim.")),
        NULL, "ResourceClaim references one entry in PodSpec.ResourceClaims."),
    DEF(CORE "VolumeMount",
        FIELDS(FREQ("mountPath", OA_STRING,
                    "Path within the container at which the volume should be mounted."),
               F("mountPropagation", OA_STRING,
                 "mountPropagation determines how mounts are propagated from the host to "
                 "container and the other way around."),
               FREQ("name", OA_STRING, "This must match the Name of a Volume."),
               F("readOnly", OA_BOOL, "Mounted read-only if true, read-write otherwise."),
               F("recursiveReadOnly", OA_STRING,
                 "RecursiveReadOnly specifies whether read-only mounts should be handled "
                 "recursively."),
               F("subPath", OA_STRING,
                 "Path within the volume from which the container's volume should be mounted."),
               F("subPathExpr", OA_STRING,
                 "Expanded path within the volume from which the container's volume should be "
                 "mounted.")),
        NULL, "VolumeMount describes a mounting of a Volume within a container."),
    DEF(CORE "VolumeDevice",
        FIELDS(FREQ("devicePath", OA_STRING,
                    "devicePath is the path inside of the container that the device will be "
                    "mapped to."),
               FREQ("name", OA_STRING,
                    "name must match the name of a persistentVolumeClaim in the pod")),
        NULL, "volumeDevice describes a mapping of a raw block device within a container."),
    DEF(CORE "Probe",
        FIELDS(FREF("exec", OA_REF, CORE "ExecAction",
                    "Exec specifies a command to execute in the container."),
               F("failureThreshold", OA_INT32,
                 "Minimum consecutive failures for the probe to be considered failed after "
                 "having succeeded."),
               FREF("grpc", OA_REF, CORE "GRPCAction", "GRPC specifies a GRPC HealthCheckRequest."),
               FREF("httpGet", OA_REF, CORE "HTTPGetAction",
                    "HTTPGet specifies an HTTP GET request to perform."),
               F("initialDelaySeconds", OA_INT32,
                 "Number of seconds after the container has started before liveness probes are "
                 "initiated."),
               F("periodSeconds", OA_INT32,
                 "How often (in seconds) to perform the probe. Default to 10 seconds."),
               F("successThreshold", OA_INT32,
                 "Minimum consecutive successes for the probe to be considered successful "
                 "after having failed."),
               FREF("tcpSocket", OA_REF, CORE "TCPSocketAction",
                    "TCPSocket specifies a connection to a TCP port."),
               F("terminationGracePeriodSeconds", OA_INT64,
                 "Optional duration in seconds the pod needs to terminate gracefully upon probe "
                 "failure."),
               F("timeoutSeconds", OA_INT32,
                 "Number of seconds after which the probe times out. Defaults to 1 second.")),
        NULL,
        "Probe describes a health check to be performed against a container to determine "
        "whether it is alive or ready to receive traffic."),
    DEF(CORE "ExecAction",
        FIELDS(FSLIST("command", OA_STRLIST,
                      "Command is the command line to execute inside the container.")),
        NULL, "ExecAction describes a \"run in container\" action."),
    DEF(CORE "GRPCAction",
        FIELDS(FREQ("port", OA_INT32,
                    "Port number of the gRPC service. Number must be in the "
                    "range 1 to 65535."),
               F("service", OA_STRING,
                 "Service is the name of the service to place in the gRPC HealthCheckRequest.")),
        NULL, "GRPCAction specifies an action involving a GRPC service."),
    DEF(CORE "HTTPGetAction",
        FIELDS(
            F("host", OA_STRING,
              "Host name to connect to, defaults to the pod IP. You probably want to set "
              "\"Host\" in httpHeaders instead."),
            FATOMIC("httpHeaders", CORE "HTTPHeader",
                    "Custom headers to set in the request. HTTP allows repeated headers."),
            F("path", OA_STRING, "Path to access on the HTTP server."),
            FREQ("port", OA_INTORSTR, "Name or number of the port to access on the container."),
            F("scheme", OA_STRING, "Scheme to use for connecting to the host. Defaults to HTTP.")),
        NULL, "HTTPGetAction describes an action based on HTTP Get requests."),
    DEF(CORE "HTTPHeader",
        FIELDS(FREQ("name", OA_STRING, "The header field name."),
               FREQ("value", OA_STRING, "The header field value")),
        NULL, "HTTPHeader describes a custom header to be used in HTTP probes"),
    DEF(CORE "TCPSocketAction",
        FIELDS(F("host", OA_STRING, "Optional: Host name to connect to, defaults to the pod IP."),
               FREQ("port", OA_INTORSTR, "Number or name of the port to access on the container.")),
        NULL, "TCPSocketAction describes an action based on opening a socket"),
    DEF(CORE "Lifecycle",
        FIELDS(FREF("postStart", OA_REF, CORE "LifecycleHandler",
                    "PostStart is called immediately after a container is created."),
               FREF("preStop", OA_REF, CORE "LifecycleHandler",
                    "PreStop is called immediately before a container is terminated."),
               F("stopSignal", OA_STRING,
                 "StopSignal defines which signal will be sent to a container when it is being "
                 "stopped.")),
        NULL,
        "Lifecycle describes actions that the management system should take in response to "
        "container lifecycle events."),
    DEF(CORE "LifecycleHandler",
        FIELDS(HANDLER_FIELDS, FREF("sleep", OA_REF, CORE "SleepAction",
                                    "Sleep represents a duration that the container should "
                                    "sleep.")),
        NULL,
        "LifecycleHandler defines a specific action that should be taken in a lifecycle hook."),
    DEF(CORE "SleepAction",
        FIELDS(FREQ("seconds", OA_INT64, "Seconds is the number of seconds to sleep.")), NULL,
        "SleepAction describes a \"sleep\" action."),
    DEF(CORE "SecurityContext",
        FIELDS(F("allowPrivilegeEscalation", OA_BOOL,
                 "AllowPrivilegeEscalation controls whether a process can gain more privileges "
                 "than its parent process."),
               FREF("capabilities", OA_REF, CORE "Capabilities",
                    "The capabilities to add/drop when running containers."),
               F("privileged", OA_BOOL, "Run container in privileged mode."),
               F("procMount", OA_STRING,
                 "procMount denotes the type of proc mount to use for the containers."),
               F("readOnlyRootFilesystem", OA_BOOL,
                 "Whether this container has a read-only root filesystem."),
               SE_FIELDS),
        NULL, "SecurityContext holds security configuration that will be applied to a container."),
    DEF(CORE "PodSecurityContext",
        FIELDS(F("fsGroup", OA_INT64,
                 "A special supplemental group that applies to all containers in a pod."),
               F("fsGroupChangePolicy", OA_STRING,
                 "fsGroupChangePolicy defines behavior of changing ownership and permission of "
                 "the volume before being exposed inside Pod."),
               F("seLinuxChangePolicy", OA_STRING,
                 "seLinuxChangePolicy defines how the container's SELinux label is applied to "
                 "all volumes used by the Pod."),
               FSLIST("supplementalGroups", OA_INT64LIST,
                      "A list of groups applied to the first process run in each container."),
               F("supplementalGroupsPolicy", OA_STRING,
                 "Defines how supplemental groups of the first container processes are "
                 "calculated."),
               FATOMIC("sysctls", CORE "Sysctl",
                       "Sysctls hold a list of namespaced sysctls used for the pod."),
               SE_FIELDS),
        NULL,
        "PodSecurityContext holds pod-level security attributes and common container "
        "settings."),
    DEF(CORE "Capabilities",
        FIELDS(FSLIST("add", OA_STRLIST, "Added capabilities"),
               FSLIST("drop", OA_STRLIST, "Removed capabilities")),
        NULL, "Adds and removes POSIX capabilities from running containers."),
    DEF(CORE "SELinuxOptions",
        FIELDS(F("level", OA_STRING, "Level is SELinux level label that applies to the container."),
               F("role", OA_STRING, "Role is a SELinux role label that applies to the container."),
               F("type", OA_STRING, "Type is a SELinux type label that applies to the container."),
               F("user", OA_STRING, "User is a SELinux user label that applies to the container.")),
        NULL, "SELinuxOptions are the labels to be applied to the container"),
    DEF(CORE "SeccompProfile",
        FIELDS(F("localhostProfile", OA_STRING,
                 "localhostProfile indicates a profile defined in a file on the node should be "
                 "used."),
               FREQ("type", OA_STRING,
                    "type indicates which kind of seccomp profile will be applied: Localhost, "
                    "RuntimeDefault or Unconfined.")),
        UNION, "SeccompProfile defines a pod/container's seccomp profile settings."),
    DEF(CORE "AppArmorProfile",
        FIELDS(F("localhostProfile", OA_STRING,
                 "localhostProfile indicates a profile loaded on the node that should be used."),
               FREQ("type", OA_STRING,
                    "type indicates which kind of AppArmor profile will be applied: Localhost, "
                    "RuntimeDefault or Unconfined.")),
        UNION, "AppArmorProfile defines a pod or container's AppArmor settings."),
    DEF(CORE "WindowsSecurityContextOptions",
        FIELDS(F("gmsaCredentialSpec", OA_STRING,
                 "GMSACredentialSpec is where the GMSA admission webhook inlines the contents of "
                 "the GMSA credential spec."),
               F("gmsaCredentialSpecName", OA_STRING,
                 "GMSACredentialSpecName is the name of the GMSA credential spec to use."),
               F("hostProcess", OA_BOOL,
                 "HostProcess determines if a container should be run as a 'Host Process' "
                 "container."),
               F("runAsUserName", OA_STRING,
                 "The UserName in Windows to run the entrypoint of the container process.")),
        NULL, "WindowsSecurityContextOptions contain Windows-specific options and credentials."),
    DEF(CORE "Sysctl",
        FIELDS(FREQ("name", OA_STRING, "Name of a property to set"),
               FREQ("value", OA_STRING, "Value of a property to set")),
        NULL, "Sysctl defines a kernel parameter to be set"),
    DEF(CORE "ContainerResizePolicy",
        FIELDS(FREQ("resourceName", OA_STRING,
                    "Name of the resource to which this resource resize policy applies."),
               FREQ("restartPolicy", OA_STRING,
                    "Restart policy to apply when specified resource is resized.")),
        NULL, "ContainerResizePolicy represents resource resize policy for the container."),
    DEF(CORE "Toleration",
        FIELDS(F("effect", OA_STRING,
                 "Effect indicates the taint effect to match: NoSchedule, PreferNoSchedule or "
                 "NoExecute."),
               F("key", OA_STRING, "Key is the taint key that the toleration applies to."),
               F("operator", OA_STRING,
                 "Operator represents a key's relationship to the value: Exists or Equal."),
               F("tolerationSeconds", OA_INT64,
                 "TolerationSeconds represents the period of time the toleration tolerates the "
                 "taint."),
               F("value", OA_STRING, "Value is the taint value the toleration matches to.")),
        NULL,
        "The pod this Toleration is attached to tolerates any taint that matches the triple "
        "<key,value,effect> using the matching operator <operator>."),
    DEF(CORE "TopologySpreadConstraint",
        FIELDS(
            FREF("labelSelector", OA_REF, SELECTOR, "LabelSelector is used to find matching pods."),
            FSLIST("matchLabelKeys", OA_STRLIST,
                   "MatchLabelKeys is a set of pod label keys to select the pods over which "
                   "spreading will be calculated."),
            FREQ("maxSkew", OA_INT32,
                 "MaxSkew describes the degree to which pods may be unevenly distributed."),
            F("minDomains", OA_INT32,
              "MinDomains indicates a minimum number of eligible "
              "domains."),
            F("nodeAffinityPolicy", OA_STRING,
              "NodeAffinityPolicy indicates how we will treat Pod's nodeAffinity/nodeSelector "
              "when calculating pod topology spread skew."),
            F("nodeTaintsPolicy", OA_STRING,
              "NodeTaintsPolicy indicates how we will treat node taints when calculating pod "
              "topology spread skew."),
            FREQ("topologyKey", OA_STRING, "TopologyKey is the key of node labels."),
            FREQ("whenUnsatisfiable", OA_STRING,
                 "WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy "
                 "the spread constraint: DoNotSchedule or ScheduleAnyway.")),
        NULL,
        "TopologySpreadConstraint specifies how to spread matching pods among the given "
        "topology."),
    DEF(CORE "HostAlias",
        FIELDS(FSLIST("hostnames", OA_STRLIST, "Hostnames for the above IP address."),
               FREQ("ip", OA_STRING, "IP address of the host file entry.")),
        NULL,
        "HostAlias holds the mapping between IP and hostnames that will be injected as an entry "
        "in the pod's hosts file."),
    DEF(CORE "PodDNSConfig",
        FIELDS(FSLIST("nameservers", OA_STRLIST, "A list of DNS name server IP addresses."),
               FATOMIC("options", CORE "PodDNSConfigOption", "A list of DNS resolver options."),
               FSLIST("searches", OA_STRLIST,
                      "A list of DNS search domains for host-name "
                      "lookup.")),
        NULL,
        "PodDNSConfig defines the DNS parameters of a pod in addition to those generated from "
        "DNSPolicy."),
    DEF(CORE "PodDNSConfigOption",
        FIELDS(F("name", OA_STRING, "Name is this DNS resolver option's name."),
               F("value", OA_STRING, "Value is this DNS resolver option's value.")),
        NULL, "PodDNSConfigOption defines DNS resolver options of a pod."),
    DEF(CORE "PodOS", FIELDS(FREQ("name", OA_STRING, "Name is the name of the operating system.")),
        NULL, "PodOS defines the OS parameters of a pod."),
    DEF(CORE "PodReadinessGate",
        FIELDS(FREQ("conditionType", OA_STRING,
                    "ConditionType refers to a condition in the pod's condition list with "
                    "matching type.")),
        NULL, "PodReadinessGate contains the reference to a pod condition"),
    DEF(CORE "PodResourceClaim",
        FIELDS(
            FREQ("name", OA_STRING, "Name uniquely identifies this resource claim inside the pod."),
            F("resourceClaimName", OA_STRING,
              "ResourceClaimName is the name of a ResourceClaim object in the same namespace "
              "as this pod."),
            F("resourceClaimTemplateName", OA_STRING,
              "ResourceClaimTemplateName is the name of a ResourceClaimTemplate object in the "
              "same namespace as this pod.")),
        NULL,
        "PodResourceClaim references exactly one ResourceClaim, either directly or by naming a "
        "ResourceClaimTemplate."),
    DEF(CORE "PodSchedulingGate", FIELDS(FREQ("name", OA_STRING, "Name of the scheduling gate.")),
        NULL, "PodSchedulingGate is associated to a Pod to guard its scheduling."),
    /* affinity */
    DEF(CORE "Affinity",
        FIELDS(FREF("nodeAffinity", OA_REF, CORE "NodeAffinity",
                    "Describes node affinity scheduling rules for the pod."),
               FREF("podAffinity", OA_REF, CORE "PodAffinity",
                    "Describes pod affinity scheduling rules."),
               FREF("podAntiAffinity", OA_REF, CORE "PodAntiAffinity",
                    "Describes pod anti-affinity scheduling rules.")),
        NULL, "Affinity is a group of affinity scheduling rules."),
    DEF(CORE "NodeAffinity",
        FIELDS(FATOMIC("preferredDuringSchedulingIgnoredDuringExecution",
                       CORE "PreferredSchedulingTerm",
                       "The scheduler will prefer to schedule pods to nodes that satisfy the "
                       "affinity expressions specified by this field."),
               FREF("requiredDuringSchedulingIgnoredDuringExecution", OA_REF, CORE "NodeSelector",
                    "If the affinity requirements specified by this field are not met at "
                    "scheduling time, the pod will not be scheduled onto the node.")),
        NULL, "Node affinity is a group of node affinity scheduling rules."),
    DEF(CORE "NodeSelector",
        FIELDS({.name = "nodeSelectorTerms",
                .type = OA_REFLIST,
                .ref = CORE "NodeSelectorTerm",
                .required = true,
                .doc = "Required. A list of node selector terms. The terms are ORed.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        ATOMIC,
        "A node selector represents the union of the results of one or more label queries over "
        "a set of nodes."),
    DEF(CORE "NodeSelectorTerm",
        FIELDS(FATOMIC("matchExpressions", CORE "NodeSelectorRequirement",
                       "A list of node selector requirements by node's labels."),
               FATOMIC("matchFields", CORE "NodeSelectorRequirement",
                       "A list of node selector requirements by node's fields.")),
        ATOMIC, "A null or empty node selector term matches no objects."),
    DEF(CORE "NodeSelectorRequirement",
        FIELDS(FREQ("key", OA_STRING, "The label key that the selector applies to."),
               FREQ("operator", OA_STRING,
                    "Represents a key's relationship to a set of values: In, NotIn, Exists, "
                    "DoesNotExist, Gt, Lt."),
               FSLIST("values", OA_STRLIST, "An array of string values.")),
        NULL,
        "A node selector requirement is a selector that contains values, a key, and an operator "
        "that relates the key and values."),
    DEF(CORE "PreferredSchedulingTerm",
        FIELDS(FREFREQ("preference", OA_REF, CORE "NodeSelectorTerm",
                       "A node selector term, associated with the corresponding weight."),
               FREQ("weight", OA_INT32,
                    "Weight associated with matching the corresponding nodeSelectorTerm, in the "
                    "range 1-100.")),
        NULL, "An empty preferred scheduling term matches all objects with implicit weight 0."),
    DEF(CORE "PodAffinity",
        FIELDS(FATOMIC("preferredDuringSchedulingIgnoredDuringExecution",
                       CORE "WeightedPodAffinityTerm",
                       "The scheduler will prefer to schedule pods to nodes that satisfy the "
                       "affinity expressions specified by this field."),
               FATOMIC("requiredDuringSchedulingIgnoredDuringExecution", CORE "PodAffinityTerm",
                       "If the affinity requirements specified by this field are not met at "
                       "scheduling time, the pod will not be scheduled onto the node.")),
        NULL, "Pod affinity is a group of inter pod affinity scheduling rules."),
    DEF(CORE "PodAntiAffinity",
        FIELDS(FATOMIC("preferredDuringSchedulingIgnoredDuringExecution",
                       CORE "WeightedPodAffinityTerm",
                       "The scheduler will prefer to schedule pods to nodes that satisfy the "
                       "anti-affinity expressions specified by this field."),
               FATOMIC("requiredDuringSchedulingIgnoredDuringExecution", CORE "PodAffinityTerm",
                       "If the anti-affinity requirements specified by this field are not met at "
                       "scheduling time, the pod will not be scheduled onto the node.")),
        NULL, "Pod anti affinity is a group of inter pod anti affinity scheduling rules."),
    DEF(CORE "PodAffinityTerm",
        FIELDS(FREF("labelSelector", OA_REF, SELECTOR,
                    "A label query over a set of resources, in this case pods."),
               FSLIST("matchLabelKeys", OA_STRLIST,
                      "MatchLabelKeys is a set of pod label keys to select which pods will be "
                      "taken into consideration."),
               FSLIST("mismatchLabelKeys", OA_STRLIST,
                      "MismatchLabelKeys is a set of pod label keys to select which pods will "
                      "be taken into consideration."),
               FREF("namespaceSelector", OA_REF, SELECTOR,
                    "A label query over the set of namespaces that the term applies to."),
               FSLIST("namespaces", OA_STRLIST,
                      "namespaces specifies a static list of namespace names that the term "
                      "applies to."),
               FREQ("topologyKey", OA_STRING,
                    "This pod should be co-located (affinity) or not co-located (anti-affinity) "
                    "with the pods matching the labelSelector in the specified namespaces.")),
        NULL,
        "Defines a set of pods (namely those matching the labelSelector relative to the given "
        "namespace(s)) that this pod should be co-located (affinity) or not co-located "
        "(anti-affinity) with."),
    DEF(CORE "WeightedPodAffinityTerm",
        FIELDS(FREFREQ("podAffinityTerm", OA_REF, CORE "PodAffinityTerm",
                       "Required. A pod affinity term, associated with the corresponding "
                       "weight."),
               FREQ("weight", OA_INT32,
                    "weight associated with matching the corresponding podAffinityTerm, in the "
                    "range 1-100.")),
        NULL,
        "The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to "
        "find the most preferred node(s)"),
    /* volumes */
    DEF(CORE "Volume",
        FIELDS(RARE("awsElasticBlockStore", "Deprecated: an AWS Disk resource."),
               RARE("azureDisk", "Deprecated: an Azure Data Disk mount on the host."),
               RARE("azureFile", "Deprecated: an Azure File Service mount on the host."),
               RARE("cephfs", "Deprecated: a Ceph FS mount on the host."),
               RARE("cinder", "Deprecated: a cinder volume attached and mounted on kubelets "
                              "host machine."),
               FREF("configMap", OA_REF, CORE "ConfigMapVolumeSource",
                    "configMap represents a configMap that should populate this volume"),
               FREF("csi", OA_REF, CORE "CSIVolumeSource",
                    "csi represents ephemeral storage that is handled by certain external CSI "
                    "drivers."),
               FREF("downwardAPI", OA_REF, CORE "DownwardAPIVolumeSource",
                    "downwardAPI represents downward API about the pod that should populate "
                    "this volume"),
               FREF("emptyDir", OA_REF, CORE "EmptyDirVolumeSource",
                    "emptyDir represents a temporary directory that shares a pod's lifetime."),
               FREF("ephemeral", OA_REF, CORE "EphemeralVolumeSource",
                    "ephemeral represents a volume that is handled by a cluster storage driver."),
               RARE("fc", "fc represents a Fibre Channel resource."),
               RARE("flexVolume", "Deprecated: a generic volume resource provisioned/attached "
                                  "using an exec based plugin."),
               RARE("flocker", "Deprecated: a Flocker volume."),
               RARE("gcePersistentDisk", "Deprecated: a GCE Disk resource."),
               RARE("gitRepo", "Deprecated: a git repository at a particular revision."),
               RARE("glusterfs", "Deprecated: a Glusterfs mount on the host."),
               FREF("hostPath", OA_REF, CORE "HostPathVolumeSource",
                    "hostPath represents a pre-existing file or directory on the host machine."),
               FREF("image", OA_REF, CORE "ImageVolumeSource",
                    "image represents an OCI object (a container image or artifact) pulled and "
                    "mounted on the kubelet's host machine."),
               RARE("iscsi", "iscsi represents an ISCSI Disk resource."),
               FREQ("name", OA_STRING,
                    "name of the volume, a DNS_LABEL unique within "
                    "the pod."),
               FREF("nfs", OA_REF, CORE "NFSVolumeSource",
                    "nfs represents an NFS mount on the host that shares a pod's lifetime"),
               FREF("persistentVolumeClaim", OA_REF, CORE "PersistentVolumeClaimVolumeSource",
                    "persistentVolumeClaimVolumeSource represents a reference to a "
                    "PersistentVolumeClaim in the same namespace."),
               RARE("photonPersistentDisk", "Deprecated: a PhotonController persistent disk."),
               RARE("portworxVolume", "Deprecated: a portworx volume."),
               FREF("projected", OA_REF, CORE "ProjectedVolumeSource",
                    "projected items for all in one resources secrets, configmaps, and downward "
                    "API"),
               RARE("quobyte", "Deprecated: a Quobyte mount on the host."),
               RARE("rbd", "Deprecated: a Rados Block Device mount on the host."),
               RARE("scaleIO", "Deprecated: a ScaleIO persistent volume."),
               FREF("secret", OA_REF, CORE "SecretVolumeSource",
                    "secret represents a secret that should populate this volume."),
               RARE("storageos", "Deprecated: a StorageOS volume."),
               RARE("vsphereVolume", "Deprecated: a vSphere volume.")),
        NULL,
        "Volume represents a named volume in a pod that may be accessed by any container in the "
        "pod."),
    DEF(CORE "ConfigMapVolumeSource",
        FIELDS(F("defaultMode", OA_INT32,
                 "defaultMode is optional: mode bits used to set permissions on created files by "
                 "default."),
               ITEMS_FIELD, F("name", OA_STRING, "Name of the referent."),
               F("optional", OA_BOOL,
                 "optional specify whether the ConfigMap or its keys must be defined")),
        NULL, "Adapts a ConfigMap into a volume."),
    DEF(CORE "SecretVolumeSource",
        FIELDS(F("defaultMode", OA_INT32,
                 "defaultMode is Optional: mode bits used to set permissions on created files by "
                 "default."),
               ITEMS_FIELD,
               F("optional", OA_BOOL,
                 "optional field specify whether the Secret or its keys must be defined"),
               F("secretName", OA_STRING,
                 "secretName is the name of the secret in the pod's namespace to use.")),
        NULL, "Adapts a Secret into a volume."),
    DEF(CORE "KeyToPath",
        FIELDS(FREQ("key", OA_STRING, "key is the key to project."),
               F("mode", OA_INT32,
                 "mode is Optional: mode bits used to set permissions on this file."),
               FREQ("path", OA_STRING, "path is the relative path of the file to map the key to.")),
        NULL, "Maps a string key to a path within a volume."),
    DEF(CORE "EmptyDirVolumeSource",
        FIELDS(F("medium", OA_STRING,
                 "medium represents what type of storage medium should back this directory: "
                 "\"\" or Memory."),
               F("sizeLimit", OA_QUANTITY,
                 "sizeLimit is the total amount of local storage required for this EmptyDir "
                 "volume.")),
        NULL, "Represents an empty directory for a pod."),
    DEF(CORE "HostPathVolumeSource",
        FIELDS(FREQ("path", OA_STRING, "path of the directory on the host."),
               F("type", OA_STRING, "type for HostPath Volume, defaults to \"\".")),
        NULL, "Represents a host path mapped into a pod."),
    DEF(CORE "PersistentVolumeClaimVolumeSource",
        FIELDS(FREQ("claimName", OA_STRING,
                    "claimName is the name of a PersistentVolumeClaim in the same namespace as "
                    "the pod using this volume."),
               F("readOnly", OA_BOOL,
                 "readOnly will force the ReadOnly setting in "
                 "VolumeMounts.")),
        NULL, "PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace."),
    DEF(CORE "NFSVolumeSource",
        FIELDS(
            FREQ("path", OA_STRING, "path that is exported by the NFS server."),
            F("readOnly", OA_BOOL,
              "readOnly here will force the NFS export to be mounted with read-only "
              "permissions."),
            FREQ("server", OA_STRING, "server is the hostname or IP address of the NFS server.")),
        NULL, "Represents an NFS mount that lasts the lifetime of a pod."),
    DEF(CORE "CSIVolumeSource",
        FIELDS(
            FREQ("driver", OA_STRING,
                 "driver is the name of the CSI driver that handles this volume."),
            F("fsType", OA_STRING, "fsType to mount. Ex. \"ext4\", \"xfs\", \"ntfs\"."),
            FREF("nodePublishSecretRef", OA_REF, LOCALREF,
                 "nodePublishSecretRef is a reference to the secret object containing "
                 "sensitive information to pass to the CSI driver."),
            F("readOnly", OA_BOOL, "readOnly specifies a read-only configuration for the volume."),
            F("volumeAttributes", OA_STRMAP,
              "volumeAttributes stores driver-specific properties that are passed to the "
              "CSI driver.")),
        NULL,
        "Represents a source location of a volume to mount, managed by an external CSI driver"),
    DEF(CORE "EphemeralVolumeSource",
        FIELDS(FREF("volumeClaimTemplate", OA_REF, CORE "PersistentVolumeClaimTemplate",
                    "Will be used to create a stand-alone PVC to provision the volume.")),
        NULL, "Represents an ephemeral volume that is handled by a normal storage driver."),
    DEF(CORE "PersistentVolumeClaimTemplate",
        FIELDS(FREF("metadata", OA_REF, META "ObjectMeta",
                    "May contain labels and annotations that will be copied into the PVC when "
                    "creating it."),
               FREFREQ("spec", OA_REF, CORE "PersistentVolumeClaimSpec",
                       "The specification for the PersistentVolumeClaim.")),
        NULL,
        "PersistentVolumeClaimTemplate is used to produce PersistentVolumeClaim objects as part "
        "of an EphemeralVolumeSource."),
    DEF(CORE "ImageVolumeSource",
        FIELDS(F("pullPolicy", OA_STRING,
                 "Policy for pulling OCI objects: Always, Never or IfNotPresent."),
               F("reference", OA_STRING, "Required: Image or artifact reference to be used.")),
        NULL, "ImageVolumeSource represents a image volume resource."),
    DEF(CORE "DownwardAPIVolumeSource",
        FIELDS(
            F("defaultMode", OA_INT32, "Optional: mode bits to use on created files by default."),
            FATOMIC("items", CORE "DownwardAPIVolumeFile",
                    "Items is a list of downward API volume file")),
        NULL, "DownwardAPIVolumeSource represents a volume containing downward API info."),
    DEF(CORE "DownwardAPIVolumeFile",
        FIELDS(FREF("fieldRef", OA_REF, CORE "ObjectFieldSelector",
                    "Required: Selects a field of the pod."),
               F("mode", OA_INT32, "Optional: mode bits used to set permissions on this file."),
               FREQ("path", OA_STRING,
                    "Required: Path is the relative path name of the file to be created."),
               FREF("resourceFieldRef", OA_REF, CORE "ResourceFieldSelector",
                    "Selects a resource of the container: limits and requests.")),
        NULL,
        "DownwardAPIVolumeFile represents information to create the file containing the pod "
        "field"),
    DEF(CORE "ProjectedVolumeSource",
        FIELDS(F("defaultMode", OA_INT32,
                 "defaultMode are the mode bits used to set permissions on created files by "
                 "default."),
               FATOMIC("sources", CORE "VolumeProjection",
                       "sources is the list of volume projections.")),
        NULL, "Represents a projected volume source"),
    DEF(CORE "VolumeProjection",
        FIELDS(RARE("clusterTrustBundle",
                    "ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of "
                    "ClusterTrustBundle objects in an auto-updating file."),
               FREF("configMap", OA_REF, CORE "ConfigMapProjection",
                    "configMap information about the configMap data to project"),
               FREF("downwardAPI", OA_REF, CORE "DownwardAPIProjection",
                    "downwardAPI information about the downwardAPI data to project"),
               RARE("podCertificate",
                    "Projects an auto-rotating credential bundle into the pod's filesystem."),
               FREF("secret", OA_REF, CORE "SecretProjection",
                    "secret information about the secret data to project"),
               FREF("serviceAccountToken", OA_REF, CORE "ServiceAccountTokenProjection",
                    "serviceAccountToken is information about the serviceAccountToken data to "
                    "project")),
        NULL, "Projection that may be projected along with other supported volume types."),
    DEF(CORE "ConfigMapProjection",
        FIELDS(ITEMS_FIELD, F("name", OA_STRING, "Name of the referent."),
               F("optional", OA_BOOL,
                 "optional specify whether the ConfigMap or its keys must be defined")),
        NULL, "Adapts a ConfigMap into a projected volume."),
    DEF(CORE "SecretProjection",
        FIELDS(ITEMS_FIELD, F("name", OA_STRING, "Name of the referent."),
               F("optional", OA_BOOL,
                 "optional field specify whether the Secret or its key must be defined")),
        NULL, "Adapts a secret into a projected volume."),
    DEF(CORE "DownwardAPIProjection",
        FIELDS(FATOMIC("items", CORE "DownwardAPIVolumeFile",
                       "Items is a list of DownwardAPIVolume file")),
        NULL, "Represents downward API info for projecting into a projected volume."),
    DEF(CORE "ServiceAccountTokenProjection",
        FIELDS(F("audience", OA_STRING, "audience is the intended audience of the token."),
               F("expirationSeconds", OA_INT64,
                 "expirationSeconds is the requested duration of validity of the service "
                 "account token."),
               FREQ("path", OA_STRING,
                    "path is the path relative to the mount point of the file to project the "
                    "token into.")),
        NULL, "ServiceAccountTokenProjection represents a projected service account token volume."),
    /* status */
    DEF(CORE "PodStatus",
        FIELDS(FCONDS(CORE "PodCondition", "Current service state of pod."),
               {.name = "containerStatuses",
                .type = OA_LIST,
                .doc = "Statuses of containers in this pod.",
                .meta = {{0, NULL}, "atomic", NULL}},
               {.name = "ephemeralContainerStatuses",
                .type = OA_LIST,
                .doc = "Statuses for any ephemeral containers that have run in this pod.",
                .meta = {{0, NULL}, "atomic", NULL}},
               F("hostIP", OA_STRING,
                 "hostIP holds the IP address of the host to which the pod "
                 "is assigned."),
               {.name = "hostIPs",
                .type = OA_REFLIST,
                .ref = CORE "HostIP",
                .doc = "hostIPs holds the IP addresses allocated to the host.",
                .meta = {{KP_PATCH_MERGE, "ip"}, "atomic", NULL}},
               {.name = "initContainerStatuses",
                .type = OA_LIST,
                .doc = "Statuses of init containers in this pod.",
                .meta = {{0, NULL}, "atomic", NULL}},
               F("message", OA_STRING,
                 "A human readable message indicating details about why the pod is in this "
                 "condition."),
               F("nominatedNodeName", OA_STRING,
                 "nominatedNodeName is set only when this pod preempts other pods on the node."),
               F("observedGeneration", OA_INT64,
                 "If set, this represents the .metadata.generation that the pod status was set "
                 "based upon."),
               F("phase", OA_STRING,
                 "The phase of a Pod: Pending, Running, Succeeded, Failed or Unknown."),
               F("podIP", OA_STRING, "podIP address allocated to the pod."),
               FMAP("podIPs", CORE "PodIP", "ip", "ip",
                    "podIPs holds the IP addresses allocated to the pod."),
               F("qosClass", OA_STRING,
                 "The Quality of Service (QOS) classification assigned to the pod."),
               F("reason", OA_STRING,
                 "A brief CamelCase message indicating details about why the pod is in this "
                 "state."),
               F("resize", OA_STRING, "Status of resources resize desired for pod's containers."),
               {.name = "resourceClaimStatuses",
                .type = OA_REFLIST,
                .ref = CORE "PodResourceClaimStatus",
                .doc = "Status of resource claims.",
                .meta = {{KP_PATCH_MERGE | KP_PATCH_RETAIN_KEYS, "name"}, "map", "name"}},
               F("startTime", OA_TIME,
                 "RFC 3339 date and time at which the object was acknowledged by the Kubelet.")),
        NULL, "PodStatus represents information about the status of a pod."),
    DEF(CORE "PodCondition",
        FIELDS(F("lastProbeTime", OA_TIME, "Last time we probed the condition."),
               F("lastTransitionTime", OA_TIME,
                 "Last time the condition transitioned from one status to another."),
               F("message", OA_STRING,
                 "Human-readable message indicating details about last transition."),
               F("observedGeneration", OA_INT64,
                 "the .metadata.generation that the pod condition was set based upon."),
               F("reason", OA_STRING,
                 "Unique, one-word, CamelCase reason for the condition's last transition."),
               FREQ("status", OA_STRING,
                    "Status is the status of the condition: True, False, "
                    "Unknown."),
               FREQ("type", OA_STRING, "Type is the type of the condition.")),
        NULL, "PodCondition contains details for the current condition of this pod."),
    DEF(CORE "PodIP", FIELDS(FREQ("ip", OA_STRING, "IP is the IP address assigned to the pod")),
        NULL, "PodIP represents a single IP address allocated to the pod."),
    DEF(CORE "HostIP", FIELDS(FREQ("ip", OA_STRING, "IP is the IP address assigned to the host")),
        NULL, "HostIP represents a single IP address allocated to the host."),
    DEF(CORE "PodResourceClaimStatus",
        FIELDS(
            FREQ("name", OA_STRING, "Name uniquely identifies this resource claim inside the pod."),
            F("resourceClaimName", OA_STRING,
              "ResourceClaimName is the name of the ResourceClaim that was generated for "
              "the Pod in the namespace of the Pod.")),
        NULL,
        "PodResourceClaimStatus is stored in the PodStatus for each PodResourceClaim which "
        "references a ResourceClaimTemplate."),
};

const oa_table kp_oa_table_pod = OA_DEFS_ONLY(pod_defs);
