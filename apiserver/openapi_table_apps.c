#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of apps/v1 (k8s: k8s.io/api/apps/v1/types.go). */

#define SELECTOR META "LabelSelector"

#define SELECTOR_REQ                                                                               \
    FREFREQ("selector", OA_REF, SELECTOR,                                                          \
            "Label selector for pods. It must match the pod template's labels.")
#define TEMPLATE_REQ                                                                               \
    FREFREQ("template", OA_REF, CORE "PodTemplateSpec",                                            \
            "Template describes the pods that will be created.")
#define MIN_READY                                                                                  \
    F("minReadySeconds", OA_INT32,                                                                 \
      "Minimum number of seconds for which a newly created pod should be ready without any of "    \
      "its container crashing, for it to be considered available. Defaults to 0.")
#define REPLICAS                                                                                   \
    F("replicas", OA_INT32, "Number of desired pods. Defaults to 1 when not specified.")
#define HISTORY                                                                                    \
    F("revisionHistoryLimit", OA_INT32,                                                            \
      "The number of old history to retain to allow rollback. Defaults to 10.")
#define OBSERVED F("observedGeneration", OA_INT64, "The generation observed by the controller.")
#define COLLISION                                                                                  \
    F("collisionCount", OA_INT32,                                                                  \
      "Count of hash collisions, used as a collision avoidance mechanism when a name is needed "   \
      "for the newest ControllerRevision.")

/* k8s: DeploymentCondition, ReplicaSetCondition, StatefulSetCondition, DaemonSetCondition */
#define COND_FIELDS                                                                                \
    F("lastTransitionTime", OA_TIME,                                                               \
      "Last time the condition transitioned from one status to another."),                         \
        F("message", OA_STRING,                                                                    \
          "A human readable message indicating details about the "                                 \
          "transition."),                                                                          \
        F("reason", OA_STRING, "The reason for the condition's last transition."),                 \
        FREQ("status", OA_STRING, "Status of the condition, one of True, False, Unknown."),        \
        FREQ("type", OA_STRING, "Type of the condition.")
#define COND_DEF(name, what)                                                                       \
    DEF(APPS name, FIELDS(COND_FIELDS), NULL,                                                      \
        name " describes the state of a " what " at a certain point.")

static const oa_kind apps_kinds[] = {
    {"apps", "Deployment",
     FIELDS(SPEC_REF(APPS "DeploymentSpec"), STATUS_REF(APPS "DeploymentStatus")), true,
     "Deployment enables declarative updates for Pods and ReplicaSets."},
    {"apps", "ReplicaSet",
     FIELDS(SPEC_REF(APPS "ReplicaSetSpec"), STATUS_REF(APPS "ReplicaSetStatus")), true,
     "ReplicaSet ensures that a specified number of pod replicas are running at any given "
     "time."},
    {"apps", "StatefulSet",
     FIELDS(SPEC_REF(APPS "StatefulSetSpec"), STATUS_REF(APPS "StatefulSetStatus")), true,
     "StatefulSet represents a set of pods with consistent identities."},
    {"apps", "DaemonSet",
     FIELDS(SPEC_REF(APPS "DaemonSetSpec"), STATUS_REF(APPS "DaemonSetStatus")), true,
     "DaemonSet represents the configuration of a daemon set."},
};

static const oa_def apps_defs[] = {
    DEF(APPS "DeploymentSpec",
        FIELDS(MIN_READY, F("paused", OA_BOOL, "Indicates that the deployment is paused."),
               F("progressDeadlineSeconds", OA_INT32,
                 "The maximum time in seconds for a deployment to make progress before it is "
                 "considered to be failed. Defaults to 600s."),
               REPLICAS, HISTORY, SELECTOR_REQ,
               {.name = "strategy",
                .type = OA_REF,
                .ref = APPS "DeploymentStrategy",
                .doc = "The deployment strategy to use to replace existing pods with new ones.",
                .meta = {{KP_PATCH_RETAIN_KEYS, NULL}, NULL, NULL}},
               TEMPLATE_REQ),
        NULL, "DeploymentSpec is the specification of the desired behavior of the Deployment."),
    DEF(APPS "DeploymentStrategy",
        FIELDS(FREF("rollingUpdate", OA_REF, APPS "RollingUpdateDeployment",
                    "Rolling update config params. Present only if DeploymentStrategyType = "
                    "RollingUpdate."),
               F("type", OA_STRING,
                 "Type of deployment: \"Recreate\" or \"RollingUpdate\". Default is "
                 "RollingUpdate.")),
        NULL, "DeploymentStrategy describes how to replace existing pods with new ones."),
    DEF(APPS "RollingUpdateDeployment",
        FIELDS(F("maxSurge", OA_INTORSTR,
                 "The maximum number of pods that can be scheduled above the desired number of "
                 "pods: a number (5) or a percentage (10%). Defaults to 25%."),
               F("maxUnavailable", OA_INTORSTR,
                 "The maximum number of pods that can be unavailable during the update: a "
                 "number (5) or a percentage (10%). Defaults to 25%.")),
        NULL, "Spec to control the desired behavior of rolling update."),
    DEF(APPS "DeploymentStatus",
        FIELDS(F("availableReplicas", OA_INT32,
                 "Total number of available non-terminating pods targeted by this deployment."),
               COLLISION,
               FCONDS(APPS "DeploymentCondition",
                      "Represents the latest available observations of a deployment's current "
                      "state."),
               OBSERVED,
               F("readyReplicas", OA_INT32,
                 "Total number of non-terminating pods targeted by this Deployment with a Ready "
                 "Condition."),
               F("replicas", OA_INT32,
                 "Total number of non-terminating pods targeted by this deployment."),
               F("terminatingReplicas", OA_INT32,
                 "Total number of terminating pods targeted by this deployment."),
               F("unavailableReplicas", OA_INT32,
                 "Total number of unavailable pods targeted by this deployment."),
               F("updatedReplicas", OA_INT32,
                 "Total number of non-terminating pods targeted by this deployment that have "
                 "the desired template spec.")),
        NULL, "DeploymentStatus is the most recently observed status of the Deployment."),
    DEF(APPS "DeploymentCondition",
        FIELDS(COND_FIELDS,
               F("lastUpdateTime", OA_TIME, "The last time this condition was updated.")),
        NULL, "DeploymentCondition describes the state of a deployment at a certain point."),
    DEF(APPS "ReplicaSetSpec",
        FIELDS(MIN_READY, REPLICAS, SELECTOR_REQ,
               FREF("template", OA_REF, CORE "PodTemplateSpec",
                    "Template is the object that describes the pod that will be created if "
                    "insufficient replicas are detected.")),
        NULL, "ReplicaSetSpec is the specification of a ReplicaSet."),
    DEF(APPS "ReplicaSetStatus",
        FIELDS(F("availableReplicas", OA_INT32,
                 "The number of available non-terminating pods for this replica set."),
               FCONDS(APPS "ReplicaSetCondition",
                      "Represents the latest available observations of a replica set's "
                      "current state."),
               F("fullyLabeledReplicas", OA_INT32,
                 "The number of non-terminating pods that have labels matching the labels of "
                 "the pod template of the replicaset."),
               OBSERVED,
               F("readyReplicas", OA_INT32,
                 "The number of non-terminating pods targeted by this ReplicaSet with a Ready "
                 "Condition."),
               FREQ("replicas", OA_INT32,
                    "Replicas is the most recently observed number of non-terminating pods."),
               F("terminatingReplicas", OA_INT32,
                 "The number of terminating pods for this replica set.")),
        NULL, "ReplicaSetStatus represents the current status of a ReplicaSet."),
    COND_DEF("ReplicaSetCondition", "replica set"),
    DEF(APPS "StatefulSetSpec",
        FIELDS(MIN_READY,
               FREF("ordinals", OA_REF, APPS "StatefulSetOrdinals",
                    "ordinals controls the numbering of replica indices in a StatefulSet."),
               FREF("persistentVolumeClaimRetentionPolicy", OA_REF,
                    APPS "StatefulSetPersistentVolumeClaimRetentionPolicy",
                    "persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent "
                    "volume claims created from volumeClaimTemplates."),
               F("podManagementPolicy", OA_STRING,
                 "podManagementPolicy controls how pods are created during initial scale up: "
                 "OrderedReady or Parallel."),
               REPLICAS, HISTORY, SELECTOR_REQ,
               F("serviceName", OA_STRING,
                 "serviceName is the name of the service that governs this StatefulSet."),
               TEMPLATE_REQ,
               FREF("updateStrategy", OA_REF, APPS "StatefulSetUpdateStrategy",
                    "updateStrategy indicates the StatefulSetUpdateStrategy that will be "
                    "employed to update Pods in the StatefulSet when a revision is made to "
                    "Template."),
               {.name = "volumeClaimTemplates",
                .type = OA_REFLIST,
                .ref = CORE "PersistentVolumeClaim",
                .doc = "volumeClaimTemplates is a list of claims that pods are allowed to "
                       "reference.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL, "A StatefulSetSpec is the specification of a StatefulSet."),
    DEF(APPS "StatefulSetOrdinals",
        FIELDS(F("start", OA_INT32, "start is the number representing the first replica's index.")),
        NULL, "StatefulSetOrdinals describes the policy used for replica ordinal assignment."),
    DEF(APPS "StatefulSetPersistentVolumeClaimRetentionPolicy",
        FIELDS(F("whenDeleted", OA_STRING,
                 "WhenDeleted specifies what happens to PVCs created from StatefulSet "
                 "VolumeClaimTemplates when the StatefulSet is deleted: Retain or Delete."),
               F("whenScaled", OA_STRING,
                 "WhenScaled specifies what happens to PVCs created from StatefulSet "
                 "VolumeClaimTemplates when the StatefulSet is scaled down: Retain or "
                 "Delete.")),
        NULL,
        "StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs "
        "created from the StatefulSet VolumeClaimTemplates."),
    DEF(APPS "StatefulSetUpdateStrategy",
        FIELDS(FREF("rollingUpdate", OA_REF, APPS "RollingUpdateStatefulSetStrategy",
                    "RollingUpdate is used to communicate parameters when Type is "
                    "RollingUpdateStatefulSetStrategyType."),
               F("type", OA_STRING,
                 "Type indicates the type of the StatefulSetUpdateStrategy: RollingUpdate or "
                 "OnDelete. Default is RollingUpdate.")),
        NULL,
        "StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will "
        "use to perform updates."),
    DEF(APPS "RollingUpdateStatefulSetStrategy",
        FIELDS(F("maxUnavailable", OA_INTORSTR,
                 "The maximum number of pods that can be unavailable during the update."),
               F("partition", OA_INT32,
                 "Partition indicates the ordinal at which the StatefulSet should be "
                 "partitioned for updates.")),
        NULL,
        "RollingUpdateStatefulSetStrategy is used to communicate parameter for "
        "RollingUpdateStatefulSetStrategyType."),
    DEF(APPS "StatefulSetStatus",
        FIELDS(F("availableReplicas", OA_INT32,
                 "Total number of available pods targeted by this statefulset."),
               COLLISION,
               FCONDS(APPS "StatefulSetCondition",
                      "Represents the latest available observations of a statefulset's current "
                      "state."),
               F("currentReplicas", OA_INT32,
                 "currentReplicas is the number of Pods created by the StatefulSet controller "
                 "from the StatefulSet version indicated by currentRevision."),
               F("currentRevision", OA_STRING,
                 "currentRevision, if not empty, indicates the version of the StatefulSet used "
                 "to generate Pods in the sequence [0,currentReplicas)."),
               OBSERVED,
               F("readyReplicas", OA_INT32,
                 "readyReplicas is the number of pods created for this StatefulSet with a Ready "
                 "Condition."),
               FREQ("replicas", OA_INT32,
                    "replicas is the number of Pods created by the StatefulSet controller."),
               F("updateRevision", OA_STRING,
                 "updateRevision, if not empty, indicates the version of the StatefulSet used "
                 "to generate Pods in the sequence [replicas-updatedReplicas,replicas)"),
               F("updatedReplicas", OA_INT32,
                 "updatedReplicas is the number of Pods created by the StatefulSet controller "
                 "from the StatefulSet version indicated by updateRevision.")),
        NULL, "StatefulSetStatus represents the current state of a StatefulSet."),
    COND_DEF("StatefulSetCondition", "statefulset"),
    DEF(APPS "DaemonSetSpec",
        FIELDS(MIN_READY, HISTORY, SELECTOR_REQ, TEMPLATE_REQ,
               FREF("updateStrategy", OA_REF, APPS "DaemonSetUpdateStrategy",
                    "An update strategy to replace existing DaemonSet pods with new pods.")),
        NULL, "DaemonSetSpec is the specification of a daemon set."),
    DEF(APPS "DaemonSetUpdateStrategy",
        FIELDS(FREF("rollingUpdate", OA_REF, APPS "RollingUpdateDaemonSet",
                    "Rolling update config params. Present only if type = \"RollingUpdate\"."),
               F("type", OA_STRING,
                 "Type of daemon set update: \"RollingUpdate\" or \"OnDelete\". Default is "
                 "RollingUpdate.")),
        NULL,
        "DaemonSetUpdateStrategy is a struct used to control the update strategy for a "
        "DaemonSet."),
    DEF(APPS "RollingUpdateDaemonSet",
        FIELDS(F("maxSurge", OA_INTORSTR,
                 "The maximum number of nodes with an existing available DaemonSet pod that can "
                 "have an updated DaemonSet pod during an update."),
               F("maxUnavailable", OA_INTORSTR,
                 "The maximum number of DaemonSet pods that can be unavailable during the "
                 "update.")),
        NULL, "Spec to control the desired behavior of daemon set rolling update."),
    DEF(APPS "DaemonSetStatus",
        FIELDS(COLLISION,
               FCONDS(APPS "DaemonSetCondition",
                      "Represents the latest available observations of a DaemonSet's current "
                      "state."),
               FREQ("currentNumberScheduled", OA_INT32,
                    "The number of nodes that are running at least 1 daemon pod and are "
                    "supposed to run the daemon pod."),
               FREQ("desiredNumberScheduled", OA_INT32,
                    "The total number of nodes that should be running the daemon pod."),
               F("numberAvailable", OA_INT32,
                 "The number of nodes that should be running the daemon pod and have one or "
                 "more of the daemon pod running and available."),
               FREQ("numberMisscheduled", OA_INT32,
                    "The number of nodes that are running the daemon pod, but are not supposed "
                    "to run the daemon pod."),
               FREQ("numberReady", OA_INT32,
                    "numberReady is the number of nodes that should be running the daemon pod "
                    "and have one or more of the daemon pod running with a Ready Condition."),
               F("numberUnavailable", OA_INT32,
                 "The number of nodes that should be running the daemon pod and have none of "
                 "the daemon pod running and available."),
               OBSERVED,
               F("updatedNumberScheduled", OA_INT32,
                 "The total number of nodes that are running updated daemon pod")),
        NULL, "DaemonSetStatus represents the current status of a daemon set."),
    COND_DEF("DaemonSetCondition", "DaemonSet"),
};

const oa_table kp_oa_table_apps = OA_TABLE(apps_kinds, apps_defs);
