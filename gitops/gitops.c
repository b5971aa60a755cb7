#include "lib/common.h"
#include "gitops/gitops.h"
#include "lib/mem.h"

/* Placeholder until the controller lands: the hosted-repository layout is fixed here already. */

char *kp_gitops_hosted_dir(const char *data_dir, const char *cluster, const char *name)
{
    return kp_asprintf("%s/git/%s/%s.git", data_dir, cluster, name);
}

void kp_gitops_hosted_pushed(kp_gitops *g, const char *cluster, const char *name)
{
    (void)g;
    (void)cluster;
    (void)name;
}

void kp_gitops_repo_changed(kp_gitops *g, const char *cluster, const char *ns, const char *name)
{
    (void)g;
    (void)cluster;
    (void)ns;
    (void)name;
}
