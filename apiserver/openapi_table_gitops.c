#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of gitops.kplane.io/v1alpha1 (gitops/gitops.c): GitRepository and Sync, shaped
 * like Flux's GitRepository and Kustomization. */

#define GO "io.kplane.gitops.v1alpha1."

static const oa_kind gitops_kinds[] = {
    {"gitops.kplane.io", "GitRepository",
     FIELDS(SPEC_REF(GO "GitRepositorySpec"), STATUS_REF(GO "GitRepositoryStatus")), false,
     "GitRepository is a Git repository kplane fetches (https, http, ssh, file, or one hosted by "
     "kplane at /clusters/<path>/git/<name>.git) and the revision it points at."},
    {"gitops.kplane.io", "Sync", FIELDS(SPEC_REF(GO "SyncSpec"), STATUS_REF(GO "SyncStatus")),
     false,
     "Sync applies the manifests under a path of a GitRepository's revision to this workspace "
     "with server-side apply, prunes what left the repository and restores drift."},
};

static const oa_def gitops_defs[] = {
    DEF(GO "GitRepositorySpec",
        FIELDS(FREQ("url", OA_STRING,
                    "url of the repository: https://, http://, ssh://, file://, or "
                    "/clusters/<path>/git/<name>.git for a repository hosted by kplane."),
               FREF("ref", OA_REF, GO "GitRepositoryRef",
                    "ref to check out: at most one of branch, tag and commit (default branch "
                    "master or main, as the remote HEAD says)."),
               F("interval", OA_STRING, "interval between fetches, e.g. 30s, 1m, 1h (default 1m)."),
               FREF("secretRef", OA_REF, GO "LocalObjectReference",
                    "secretRef names a Secret in the same namespace with username and password, "
                    "bearerToken, or identity and known_hosts."),
               FREF("webhookSecretRef", OA_REF, GO "LocalObjectReference",
                    "webhookSecretRef names a Secret whose token key verifies webhooks."),
               F("suspend", OA_BOOL, "suspend stops fetching.")),
        NULL, "GitRepositorySpec is the desired state of a GitRepository."),
    DEF(GO "GitRepositoryRef",
        FIELDS(F("branch", OA_STRING, "branch to follow."),
               F("tag", OA_STRING, "tag to check out."),
               F("commit", OA_STRING, "commit SHA-1 to check out.")),
        NULL, "GitRepositoryRef selects the revision."),
    DEF(GO "LocalObjectReference", FIELDS(FREQ("name", OA_STRING, "name of the object.")), NULL,
        "LocalObjectReference names an object in the same namespace."),
    DEF(GO "GitRepositoryStatus",
        FIELDS(F("observedGeneration", OA_INT64, "the generation last acted on."),
               FREF("artifact", OA_REF, GO "Artifact", "artifact is the revision last fetched."),
               FCONDS(META "Condition", "conditions: Ready.")),
        NULL, "GitRepositoryStatus is the observed state of a GitRepository."),
    DEF(GO "Artifact",
        FIELDS(F("revision", OA_STRING, "revision as <branch>@sha1:<sha>."),
               F("lastUpdateTime", OA_TIME, "when the revision was fetched.")),
        NULL, "Artifact is a fetched revision."),
    DEF(GO "SyncSpec",
        FIELDS(FREFREQ("sourceRef", OA_REF, GO "LocalObjectReference",
                       "sourceRef names the GitRepository in the same namespace."),
               F("path", OA_STRING, "path in the repository (default ./)."),
               F("prune", OA_BOOL, "prune objects that left the repository (default true)."),
               F("interval", OA_STRING, "interval between full reconciles (default 10m)."),
               F("targetNamespace", OA_STRING, "targetNamespace for every namespaced object."),
               F("suspend", OA_BOOL, "suspend stops reconciling."),
               FREF("dependsOn", OA_REFLIST, GO "LocalObjectReference",
                    "dependsOn lists Syncs of this namespace that must be Ready first."),
               F("timeout", OA_STRING, "timeout for CRDs to be established (default 5m).")),
        NULL, "SyncSpec is the desired state of a Sync."),
    DEF(GO "InventoryEntry",
        FIELDS(F("apiVersion", OA_STRING, "apiVersion of the object."),
               F("kind", OA_STRING, "kind of the object."),
               F("namespace", OA_STRING, "namespace of the object, empty if cluster-scoped."),
               F("name", OA_STRING, "name of the object.")),
        NULL, "InventoryEntry is an object a Sync applied."),
    DEF(GO "SyncStatus",
        FIELDS(F("observedGeneration", OA_INT64, "the generation last acted on."),
               F("lastAppliedRevision", OA_STRING, "the revision last applied in full."),
               F("lastAttemptedRevision", OA_STRING, "the revision last attempted."),
               FREF("inventory", OA_REFLIST, GO "InventoryEntry",
                    "inventory lists every object the last successful reconcile applied."),
               FCONDS(META "Condition", "conditions: Ready and Reconciling.")),
        NULL, "SyncStatus is the observed state of a Sync."),
};

const oa_table kp_oa_table_gitops = OA_TABLE(gitops_kinds, gitops_defs);
