#include "lib/common.h"
#include "tests/support/testlib.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

char *kp_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = kp_asprintf("%s/kplane-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        abort();
    chmod(tmpl, 0755);
    return tmpl;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void kp_test_tmpdir_remove(char *dir)
{
    if (dir)
        nftw(dir, rm_one, 32, FTW_DEPTH | FTW_PHYS);
    free(dir);
}
