#include "lib/common.h"
#include "tests/support/testlib.h"
#include "apiserver/pgctl.h"
#include "lib/log.h"

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

static char *pg_tmp;
static kp_pgctl *pg_server;

int kp_test_pg_start(int log_level)
{
    kp_log_set_level((kp_level)log_level);
    pg_tmp = kp_test_tmpdir();
    if (kp_pgctl_start(&pg_server, pg_tmp) < 0) {
        fprintf(stderr, "cannot start PostgreSQL: %s\n", kp_err_msg());
        return -1;
    }
    return 0;
}

void kp_test_pg_stop(void)
{
    if (pg_server && kp_pgctl_stop(pg_server) < 0)
        fprintf(stderr, "cannot stop PostgreSQL: %s\n", kp_err_msg());
    kp_pgctl_free(pg_server);
    pg_server = NULL;
    kp_test_tmpdir_remove(pg_tmp);
    pg_tmp = NULL;
}

int kp_test_pg_down(void)
{
    return kp_pgctl_stop(pg_server);
}

int kp_test_pg_up(void)
{
    kp_pgctl *pg = NULL;
    int rc = kp_pgctl_start(&pg, pg_tmp);
    if (rc < 0)
        return rc;
    kp_pgctl_free(pg_server);
    pg_server = pg;
    return 0;
}

const char *kp_test_pg_admin_conninfo(void)
{
    return kp_pgctl_admin_conninfo(pg_server);
}

char *kp_test_pg_conninfo_for(const char *db)
{
    const char *base = kp_pgctl_conninfo(pg_server);
    const char *p = strstr(base, "dbname=");
    const char *end;
    assert(p);
    end = strchr(p, ' ');
    return kp_asprintf("%.*sdbname=%s%s", (int)(p - base), base, db, end ? end : "");
}
