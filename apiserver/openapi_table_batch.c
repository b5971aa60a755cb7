#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of batch/v1 (k8s: k8s.io/api/batch/v1/types.go). */

static const oa_kind batch_kinds[] = {
    {"batch", "Job", FIELDS(SPEC_REF(BATCH "JobSpec"), STATUS_REF(BATCH "JobStatus")), true,
     "Job represents the configuration of a single job."},
    {"batch", "CronJob", FIELDS(SPEC_REF(BATCH "CronJobSpec"), STATUS_REF(BATCH "CronJobStatus")),
     true, "CronJob represents the configuration of a single cron job."},
};

static const oa_def batch_defs[] = {
    DEF(BATCH "JobSpec",
        FIELDS(F("activeDeadlineSeconds", OA_INT64,
                 "Specifies the duration in seconds relative to the startTime that the job may "
                 "be continuously active before the system tries to terminate it."),
               F("backoffLimit", OA_INT32,
                 "Specifies the number of retries before marking this job failed. Defaults to "
                 "6"),
               F("backoffLimitPerIndex", OA_INT32,
                 "Specifies the limit for the number of retries within an index before marking "
                 "this index as failed."),
               F("completionMode", OA_STRING,
                 "completionMode specifies how Pod completions are tracked: NonIndexed or "
                 "Indexed."),
               F("completions", OA_INT32,
                 "Specifies the desired number of successfully finished pods the job should be "
                 "run with."),
               F("managedBy", OA_STRING,
                 "ManagedBy field indicates the controller that manages a Job."),
               F("manualSelector", OA_BOOL,
                 "manualSelector controls generation of pod labels and pod selectors."),
               F("maxFailedIndexes", OA_INT32,
                 "Specifies the maximal number of failed indexes before marking the Job as "
                 "failed."),
               F("parallelism", OA_INT32,
                 "Specifies the maximum desired number of pods the job should run at any given "
                 "time."),
               FREF("podFailurePolicy", OA_REF, BATCH "PodFailurePolicy",
                    "Specifies the policy of handling failed pods."),
               F("podReplacementPolicy", OA_STRING,
                 "podReplacementPolicy specifies when to create replacement Pods: "
                 "TerminatingOrFailed or Failed."),
               FREF("selector", OA_REF, META "LabelSelector",
                    "A label query over pods that should match the pod count."),
               FREF("successPolicy", OA_REF, BATCH "SuccessPolicy",
                    "successPolicy specifies the policy when the Job can be declared as "
                    "succeeded."),
               F("suspend", OA_BOOL,
                 "suspend specifies whether the Job controller should create Pods or not."),
               FREFREQ("template", OA_REF, CORE "PodTemplateSpec",
                       "Describes the pod that will be created when executing a job."),
               F("ttlSecondsAfterFinished", OA_INT32,
                 "ttlSecondsAfterFinished limits the lifetime of a Job that has finished "
                 "execution (either Complete or Failed).")),
        NULL, "JobSpec describes how the job execution will look like."),
    DEF(BATCH "PodFailurePolicy",
        FIELDS({.name = "rules",
                .type = OA_REFLIST,
                .ref = BATCH "PodFailurePolicyRule",
                .required = true,
                .doc = "A list of pod failure policy rules. The rules are evaluated in order.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL, "PodFailurePolicy describes how failed pods influence the backoffLimit."),
    DEF(BATCH "PodFailurePolicyRule",
        FIELDS(FREQ("action", OA_STRING,
                    "Specifies the action taken on a pod failure when the requirements are "
                    "satisfied: FailJob, FailIndex, Ignore or Count."),
               FREF("onExitCodes", OA_REF, BATCH "PodFailurePolicyOnExitCodesRequirement",
                    "Represents the requirement on the container exit codes."),
               FATOMIC("onPodConditions", BATCH "PodFailurePolicyOnPodConditionsPattern",
                       "Represents the requirement on the pod conditions.")),
        NULL,
        "PodFailurePolicyRule describes how a pod failure is handled when the requirements are "
        "met."),
    DEF(BATCH "PodFailurePolicyOnExitCodesRequirement",
        FIELDS(F("containerName", OA_STRING,
                 "Restricts the check for exit codes to the container with the specified "
                 "name."),
               FREQ("operator", OA_STRING,
                    "Represents the relationship between the container exit code(s) and the "
                    "specified values: In or NotIn."),
               {.name = "values",
                .type = OA_INT32LIST,
                .required = true,
                .doc = "Specifies the set of values.",
                .meta = {{0, NULL}, "set", NULL}}),
        NULL,
        "PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed "
        "pod based on its container exit codes."),
    DEF(BATCH "PodFailurePolicyOnPodConditionsPattern",
        FIELDS(F("status", OA_STRING,
                 "Specifies the required Pod condition status. Defaults to True."),
               FREQ("type", OA_STRING, "Specifies the required Pod condition type.")),
        NULL,
        "PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod "
        "condition type."),
    DEF(BATCH "SuccessPolicy",
        FIELDS({.name = "rules",
                .type = OA_REFLIST,
                .ref = BATCH "SuccessPolicyRule",
                .required = true,
                .doc = "rules represents the list of alternative rules for the declaring the "
                       "Jobs as successful before `.status.succeeded >= .spec.completions`.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL, "SuccessPolicy describes when a Job can be declared as succeeded."),
    DEF(BATCH "SuccessPolicyRule",
        FIELDS(F("succeededCount", OA_INT32,
                 "succeededCount specifies the minimal required size of the actual set of the "
                 "succeeded indexes for the Job."),
               F("succeededIndexes", OA_STRING,
                 "succeededIndexes specifies the set of indexes which need to be contained in "
                 "the actual set of the succeeded indexes for the Job.")),
        NULL, "SuccessPolicyRule describes rule for declaring a Job as succeeded."),
    DEF(BATCH "JobStatus",
        FIELDS(F("active", OA_INT32,
                 "The number of pending and running pods which are not "
                 "terminating."),
               F("completedIndexes", OA_STRING,
                 "completedIndexes holds the completed indexes when .spec.completionMode = "
                 "\"Indexed\" in a text format."),
               F("completionTime", OA_TIME, "Represents time when the job was completed."),
               {.name = "conditions",
                .type = OA_REFLIST,
                .ref = BATCH "JobCondition",
                .doc = "The latest available observations of an object's current state.",
                .meta = {{KP_PATCH_MERGE, "type"}, "atomic", NULL}},
               F("failed", OA_INT32, "The number of pods which reached phase Failed."),
               F("failedIndexes", OA_STRING,
                 "FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is "
                 "set."),
               F("ready", OA_INT32, "The number of active pods which have a Ready condition."),
               F("startTime", OA_TIME,
                 "Represents time when the job controller started processing a job."),
               F("succeeded", OA_INT32, "The number of pods which reached phase Succeeded."),
               F("terminating", OA_INT32,
                 "The number of pods which are terminating (in phase Pending or Running and "
                 "have a deletionTimestamp)."),
               FREF("uncountedTerminatedPods", OA_REF, BATCH "UncountedTerminatedPods",
                    "uncountedTerminatedPods holds the UIDs of Pods that have terminated but "
                    "the job controller hasn't yet accounted for in the status counters.")),
        NULL, "JobStatus represents the current state of a Job."),
    DEF(BATCH "JobCondition",
        FIELDS(F("lastProbeTime", OA_TIME, "Last time the condition was checked."),
               F("lastTransitionTime", OA_TIME,
                 "Last time the condition transit from one status to another."),
               F("message", OA_STRING,
                 "Human readable message indicating details about last transition."),
               F("reason", OA_STRING, "(brief) reason for the condition's last transition."),
               FREQ("status", OA_STRING, "Status of the condition, one of True, False, Unknown."),
               FREQ("type", OA_STRING, "Type of job condition, Complete or Failed.")),
        NULL, "JobCondition describes current state of a job."),
    DEF(BATCH "UncountedTerminatedPods",
        FIELDS(FSET("failed", "failed holds UIDs of failed Pods."),
               FSET("succeeded", "succeeded holds UIDs of succeeded Pods.")),
        NULL,
        "UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been "
        "accounted in Job status counters."),
    DEF(BATCH "JobTemplateSpec",
        FIELDS(FREF("metadata", OA_REF, META "ObjectMeta",
                    "Standard object's metadata of the jobs created from this template."),
               FREF("spec", OA_REF, BATCH "JobSpec",
                    "Specification of the desired behavior of the job.")),
        NULL, "JobTemplateSpec describes the data a Job should have when created from a template"),
    DEF(BATCH "CronJobSpec",
        FIELDS(F("concurrencyPolicy", OA_STRING,
                 "Specifies how to treat concurrent executions of a Job: Allow, Forbid or "
                 "Replace."),
               F("failedJobsHistoryLimit", OA_INT32,
                 "The number of failed finished jobs to retain. Defaults to 1."),
               FREFREQ("jobTemplate", OA_REF, BATCH "JobTemplateSpec",
                       "Specifies the job that will be created when executing a CronJob."),
               FREQ("schedule", OA_STRING,
                    "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
               F("startingDeadlineSeconds", OA_INT64,
                 "Optional deadline in seconds for starting the job if it misses scheduled time "
                 "for any reason."),
               F("successfulJobsHistoryLimit", OA_INT32,
                 "The number of successful finished jobs to retain. Defaults to 3."),
               F("suspend", OA_BOOL,
                 "This flag tells the controller to suspend subsequent executions."),
               F("timeZone", OA_STRING,
                 "The time zone name for the given schedule, see "
                 "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.")),
        NULL,
        "CronJobSpec describes how the job execution will look like and when it will "
        "actually run."),
    DEF(BATCH "CronJobStatus",
        FIELDS(FATOMIC("active", CORE "ObjectReference",
                       "A list of pointers to currently running jobs."),
               F("lastScheduleTime", OA_TIME,
                 "Information when was the last time the job was successfully scheduled."),
               F("lastSuccessfulTime", OA_TIME,
                 "Information when was the last time the job successfully completed.")),
        NULL, "CronJobStatus represents the current state of a cron job."),
};

const oa_table kp_oa_table_batch = OA_TABLE(batch_kinds, batch_defs);
