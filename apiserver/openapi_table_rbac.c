#include "lib/common.h"
#include "apiserver/openapi_int.h"

/* The field tables of rbac.authorization.k8s.io/v1 (k8s: k8s.io/api/rbac/v1/types.go). */

#define RULES(what)                                                                                \
    FATOMIC("rules", RBAC "PolicyRule", "Rules holds all the PolicyRules for this " what)
#define SUBJECTS                                                                                   \
    FATOMIC("subjects", RBAC "Subject",                                                            \
            "Subjects holds references to the objects the role "                                   \
            "applies to.")

static const oa_kind rbac_kinds[] = {
    {"rbac.authorization.k8s.io", "Role", FIELDS(RULES("Role")), true,
     "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by "
     "a RoleBinding."},
    {"rbac.authorization.k8s.io", "RoleBinding",
     FIELDS(FREFREQ("roleRef", OA_REF, RBAC "RoleRef",
                    "RoleRef can reference a Role in the current namespace or a ClusterRole in "
                    "the global namespace."),
            SUBJECTS),
     true, "RoleBinding references a role, but does not contain it."},
    {"rbac.authorization.k8s.io", "ClusterRole",
     FIELDS(FREF("aggregationRule", OA_REF, RBAC "AggregationRule",
                 "AggregationRule is an optional field that describes how to build the Rules for "
                 "this ClusterRole."),
            RULES("ClusterRole")),
     true,
     "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced "
     "as a unit by a RoleBinding or ClusterRoleBinding."},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding",
     FIELDS(FREFREQ("roleRef", OA_REF, RBAC "RoleRef",
                    "RoleRef can only reference a ClusterRole in the global namespace."),
            SUBJECTS),
     true, "ClusterRoleBinding references a ClusterRole, but not contain it."},
};

static const oa_def rbac_defs[] = {
    DEF(RBAC "PolicyRule",
        FIELDS(FSLIST("apiGroups", OA_STRLIST,
                      "APIGroups is the name of the APIGroup that contains the resources; \"\" "
                      "is the core API group and \"*\" all."),
               FSLIST("nonResourceURLs", OA_STRLIST,
                      "NonResourceURLs is a set of partial urls that a user should have access "
                      "to."),
               FSLIST("resourceNames", OA_STRLIST,
                      "ResourceNames is an optional white list of names that the rule applies "
                      "to."),
               FSLIST("resources", OA_STRLIST,
                      "Resources is a list of resources this rule applies to. '*' represents "
                      "all resources."),
               {.name = "verbs",
                .type = OA_STRLIST,
                .required = true,
                .doc = "Verbs is a list of Verbs that apply to ALL the ResourceKinds contained "
                       "in this rule. '*' represents all verbs.",
                .meta = {{0, NULL}, "atomic", NULL}}),
        NULL,
        "PolicyRule holds information that describes a policy rule, but does not contain "
        "information about who the rule applies to or which namespace the rule applies to."),
    DEF(RBAC "RoleRef",
        FIELDS(
            FREQ("apiGroup", OA_STRING, "APIGroup is the group for the resource being referenced"),
            FREQ("kind", OA_STRING, "Kind is the type of resource being referenced"),
            FREQ("name", OA_STRING, "Name is the name of resource being referenced")),
        ATOMIC, "RoleRef contains information that points to the role being used"),
    DEF(RBAC "Subject",
        FIELDS(F("apiGroup", OA_STRING,
                 "APIGroup holds the API group of the referenced subject: \"\" for "
                 "ServiceAccount, \"rbac.authorization.k8s.io\" for User and Group."),
               FREQ("kind", OA_STRING,
                    "Kind of object being referenced: \"User\", \"Group\", and "
                    "\"ServiceAccount\"."),
               FREQ("name", OA_STRING, "Name of the object being referenced."),
               F("namespace", OA_STRING,
                 "Namespace of the referenced object; empty for User and Group.")),
        ATOMIC,
        "Subject contains a reference to the object or user identities a role binding applies "
        "to."),
    DEF(RBAC "AggregationRule",
        FIELDS(FATOMIC("clusterRoleSelectors", META "LabelSelector",
                       "ClusterRoleSelectors holds a list of selectors which will be used to "
                       "find ClusterRoles and create the rules.")),
        NULL,
        "AggregationRule describes how to locate ClusterRoles to aggregate into the "
        "ClusterRole"),
};

const oa_table kp_oa_table_rbac = OA_TABLE(rbac_kinds, rbac_defs);
