#include "lib/common.h"
#include "apiserver/pgctl.h"
#include "lib/buf.h"
#include "lib/crypto.h"
#include "lib/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_USER "postgres" /* the system user the server runs as when kplane is root */
#define PG_DB "kplane"
#define PG_ROLE "kplane"
#define PG_OUT_MAX (64 * 1024)

struct kp_pgctl {
    char *bindir;
    char *pgdir; /* the cluster's data directory, absolute */
    char *conninfo;
    char *admin_conninfo;
    bool as_pg_user; /* we are root: programs run as PG_USER */
    uid_t uid;
    gid_t gid;
    bool running;
};

static char pg_bindir_buf[PATH_MAX];

const char *kp_pgctl_bindir(void)
{
    const char *env = getenv("KPLANE_PG_BINDIR");
    char best[PATH_MAX] = "";
    long best_ver = -1;
    DIR *d;
    struct dirent *e;

    if (env && *env) {
        snprintf(pg_bindir_buf, sizeof(pg_bindir_buf), "%s", env);
        goto check;
    }
    /* Debian keeps each major version in /usr/lib/postgresql/<major>/bin: take the newest. */
    if ((d = opendir("/usr/lib/postgresql"))) {
        while ((e = readdir(d))) {
            char path[PATH_MAX];
            long v = strtol(e->d_name, NULL, 10);
            if (v <= 0)
                continue;
            snprintf(path, sizeof(path), "/usr/lib/postgresql/%s/bin/pg_ctl", e->d_name);
            if (access(path, X_OK) == 0 && v > best_ver) {
                best_ver = v;
                snprintf(best, sizeof(best), "/usr/lib/postgresql/%s/bin", e->d_name);
            }
        }
        closedir(d);
    }
    snprintf(pg_bindir_buf, sizeof(pg_bindir_buf), "%s",
             best[0] ? best : "/usr/lib/postgresql/15/bin");
check : {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/initdb", pg_bindir_buf);
    if (access(path, X_OK) != 0) {
        kp_err_set(KP_ENOTFOUND,
                   "PostgreSQL server binaries not found (\"%s\" is missing): install the "
                   "Debian package \"postgresql\" (deploy/install-deps.sh does), or pass "
                   "--database-url",
                   path);
        return NULL;
    }
}
    return pg_bindir_buf;
}

/* Runs argv (argv[0] a full path), as PG_USER when pg->as_pg_user, capturing its output.
 * Returns its exit status (0..255), or a negative code when it could not run. */
static int pg_run(const kp_pgctl *pg, const char *const argv[], kp_buf *output)
{
    int fds[2], status;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return kp_err_set(KP_EINTERNAL, "pipe failed: %s", strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return kp_err_set(KP_EINTERNAL, "fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close_range(3, ~0U, 0); /* no lock file or socket may leak into the server */
        if (pg->as_pg_user) {
            if (setgroups(0, NULL) < 0 || setgid(pg->gid) < 0 || setuid(pg->uid) < 0)
                _exit(126);
        }
        setenv("LC_ALL", "C", 1);
        execv(argv[0], (char *const *)argv); /* execv does not change them */
        _exit(127);
    }
    close(fds[1]);
    kp_buf_read_fd(output, fds[0]); /* a cut-off transcript is fine */
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return kp_err_set(KP_EINTERNAL, "waitpid failed: %s", strerror(errno));
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The last non-empty line of a program's output, for error messages. */
static const char *pg_last_line(kp_buf *out)
{
    char *p = out->p;
    size_t n = out->len;
    if (!p)
        return "";
    while (n && (p[n - 1] == '\n' || p[n - 1] == ' '))
        p[--n] = '\0';
    for (size_t i = n; i > 0; i--)
        if (p[i - 1] == '\n')
            return p + i;
    return p;
}

static int pg_tool(const kp_pgctl *pg, const char *what, const char *const argv[])
{
    kp_buf out;
    int rc;

    kp_buf_init(&out, PG_OUT_MAX);
    rc = pg_run(pg, argv, &out);
    if (rc > 0) {
        rc = kp_err_set(KP_EINTERNAL, "%s failed (exit %d): %s", what, rc,
                        rc == 126 ? "cannot switch to the postgres user" : pg_last_line(&out));
    } else if (rc == 0) {
        KP_LOG_DEBUG("pgctl", "%s: %s", what, pg_last_line(&out));
    }
    kp_buf_dispose(&out);
    return rc;
}

/* Can the postgres user reach dir? Tested in a child that drops privileges. */
static bool pg_user_can_reach(const kp_pgctl *pg, const char *dir)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        if (setgroups(0, NULL) < 0 || setgid(pg->gid) < 0 || setuid(pg->uid) < 0)
            _exit(1);
        _exit(access(dir, X_OK) == 0 ? 0 : 1);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int pg_mkdir_owned(const kp_pgctl *pg, const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return kp_err_set(errno == EACCES ? KP_EFORBIDDEN : KP_EINTERNAL,
                          "cannot create \"%s\": %s", dir, strerror(errno));
    if (pg->as_pg_user && chown(dir, pg->uid, pg->gid) < 0)
        return kp_err_set(KP_EINTERNAL, "cannot chown \"%s\" to %s: %s", dir, PG_USER,
                          strerror(errno));
    return 0;
}

/* Where the cluster lives. Normally data_dir/pg; when kplane runs as root and the postgres
 * user cannot reach data_dir (a home directory of mode 0700, say), the cluster goes to
 * /var/lib/kplane/<hash of data_dir> and data_dir/pg is a symlink to it. */
static int pg_locate(kp_pgctl *pg, const char *data_dir)
{
    char *link = kp_asprintf("%s/pg", data_dir);
    char real[PATH_MAX];
    struct stat st;
    int rc = 0;

    if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (!realpath(link, real)) {
            rc = kp_err_set(KP_EINTERNAL, "\"%s\" is a broken link: remove it to start afresh",
                            link);
            goto out;
        }
        pg->pgdir = kp_strdup(real);
        goto out;
    }
    if (!realpath(data_dir, real)) {
        rc = kp_err_set(KP_EINTERNAL, "cannot resolve \"%s\": %s", data_dir, strerror(errno));
        goto out;
    }
    if (pg->as_pg_user && !pg_user_can_reach(pg, real)) {
        char fp[17];
        char *base;
        kp_crypto_fingerprint(fp, real, strlen(real));
        if (mkdir("/var/lib/kplane", 0755) < 0 && errno != EEXIST) {
            rc = kp_err_set(KP_EINTERNAL, "cannot create \"/var/lib/kplane\": %s", strerror(errno));
            goto out;
        }
        base = kp_asprintf("/var/lib/kplane/%s", fp);
        rc = pg_mkdir_owned(pg, base);
        pg->pgdir = kp_asprintf("%s/pg", base);
        free(base);
        if (rc < 0)
            goto out;
        if (symlink(pg->pgdir, link) < 0 && errno != EEXIST) {
            rc = kp_err_set(KP_EINTERNAL, "cannot create \"%s\": %s", link, strerror(errno));
            goto out;
        }
        KP_LOG_INFO("pgctl", "the postgres user cannot reach \"%s\"; database kept in \"%s\"", real,
                    pg->pgdir);
        goto out;
    }
    pg->pgdir = kp_asprintf("%s/pg", real);
out:
    free(link);
    return rc;
}

static int pg_write_file(const kp_pgctl *pg, const char *path, const char *text, bool append)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
    size_t len = strlen(text);
    if (fd < 0)
        return kp_err_set(KP_EINTERNAL, "cannot write \"%s\": %s", path, strerror(errno));
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
        close(fd);
        return kp_err_set(KP_EINTERNAL, "cannot write \"%s\": %s", path, strerror(errno));
    }
    close(fd);
    if (pg->as_pg_user && chown(path, pg->uid, pg->gid) < 0)
        return kp_err_set(KP_EINTERNAL, "cannot chown \"%s\": %s", path, strerror(errno));
    return 0;
}

/* Settings rewritten at every start, so a moved data dir still finds its socket. */
static int pg_write_conf(const kp_pgctl *pg)
{
    kp_buf conf, path;
    int rc;

    kp_buf_init(&conf, 8192);
    kp_buf_init(&path, PATH_MAX * 2);
    for (const char *s = pg->pgdir; *s; s++) { /* a quote doubles in postgresql.conf */
        if (*s == '\'')
            kp_buf_putc(&path, '\'');
        kp_buf_putc(&path, *s);
    }
    kp_buf_appendf(&conf,
                   "# written by kplane at every start; edit postgresql.conf instead\n"
                   "listen_addresses = ''\n"
                   "unix_socket_directories = '%s'\n"
                   "unix_socket_permissions = 0700\n"
                   "max_connections = 200\n"
                   "shared_buffers = 256MB\n"
                   "fsync = on\n"
                   "synchronous_commit = on\n"
                   "max_wal_size = 2GB\n"
                   "logging_collector = off\n",
                   kp_buf_cstr(&path));
    {
        char *file = kp_asprintf("%s/kplane.conf", pg->pgdir);
        rc = pg_write_file(pg, file, kp_buf_cstr(&conf), false);
        free(file);
    }
    kp_buf_dispose(&conf);
    kp_buf_dispose(&path);
    return rc;
}

static bool pg_initialized(const kp_pgctl *pg)
{
    char *f = kp_asprintf("%s/PG_VERSION", pg->pgdir);
    bool ok = access(f, F_OK) == 0;
    free(f);
    return ok;
}

static int pg_initdb(kp_pgctl *pg)
{
    char *initdb = kp_asprintf("%s/initdb", pg->bindir);
    char *conf = kp_asprintf("%s/postgresql.conf", pg->pgdir);
    const char *argv[] = {initdb,  "-D",          pg->pgdir, "-U",   PG_ROLE, "-A",
                          "trust", "--no-locale", "-E",      "UTF8", NULL};
    int rc;

    KP_LOG_INFO("pgctl", "initializing a PostgreSQL cluster in \"%s\"", pg->pgdir);
    if ((rc = pg_mkdir_owned(pg, pg->pgdir)) < 0)
        goto out;
    if ((rc = pg_tool(pg, "initdb", argv)) < 0)
        goto out;
    rc = pg_write_file(pg, conf, "\ninclude_if_exists = 'kplane.conf'\n", true);
out:
    free(initdb);
    free(conf);
    return rc;
}

static int pg_ctl(kp_pgctl *pg, const char *verb, bool quiet)
{
    char *bin = kp_asprintf("%s/pg_ctl", pg->bindir);
    char *log = kp_asprintf("%s/server.log", pg->pgdir);
    const char *argv[16];
    size_t n = 0;
    kp_buf out;
    int rc;

    argv[n++] = bin;
    argv[n++] = verb;
    argv[n++] = "-D";
    argv[n++] = pg->pgdir;
    if (strcmp(verb, "start") == 0) {
        argv[n++] = "-w";
        argv[n++] = "-t";
        argv[n++] = "120";
        argv[n++] = "-l";
        argv[n++] = log;
    } else if (strcmp(verb, "stop") == 0) {
        argv[n++] = "-w";
        argv[n++] = "-m";
        argv[n++] = "fast";
    }
    argv[n] = NULL;
    kp_buf_init(&out, PG_OUT_MAX);
    rc = pg_run(pg, argv, &out);
    if (rc > 0 && !quiet) {
        char *tail = NULL;
        if (strcmp(verb, "start") == 0) {
            kp_buf lg;
            kp_buf_init(&lg, 1 << 20);
            kp_buf_read_file(&lg, log);
            kp_err_clear();
            tail = kp_strdup(pg_last_line(&lg));
            kp_buf_dispose(&lg);
        }
        rc = kp_err_set(KP_EINTERNAL, "pg_ctl %s failed (exit %d): %s%s%s", verb, rc,
                        pg_last_line(&out), tail ? "; server log: " : "", tail ? tail : "");
        free(tail);
    }
    kp_buf_dispose(&out);
    free(bin);
    free(log);
    return rc;
}

int kp_pgctl_start(kp_pgctl **out, const char *data_dir)
{
    kp_pgctl *pg = kp_calloc(1, sizeof(*pg));
    const char *bindir = kp_pgctl_bindir();
    int rc;

    if (!bindir) {
        rc = KP_ENOTFOUND;
        goto out;
    }
    pg->bindir = kp_strdup(bindir);
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam(PG_USER);
        if (!pw) {
            rc = kp_err_set(KP_ENOTFOUND,
                            "kplane runs as root and there is no \"%s\" system user to run "
                            "PostgreSQL: install the Debian package \"postgresql\"",
                            PG_USER);
            goto out;
        }
        pg->as_pg_user = true;
        pg->uid = pw->pw_uid;
        pg->gid = pw->pw_gid;
    }
    if ((rc = pg_locate(pg, data_dir)) < 0)
        goto out;
    if (strlen(pg->pgdir) + sizeof("/.s.PGSQL.5432") >
        sizeof(((struct sockaddr_un *)0)->sun_path)) {
        rc = kp_err_set(KP_EINVALID,
                        "data dir path \"%s\" is too long for a Unix socket: use a shorter "
                        "--data-dir",
                        pg->pgdir);
        goto out;
    }
    pg->conninfo = kp_asprintf("host='%s' port=5432 dbname=%s user=%s", pg->pgdir, PG_DB, PG_ROLE);
    pg->admin_conninfo =
        kp_asprintf("host='%s' port=5432 dbname=postgres user=%s", pg->pgdir, PG_ROLE);
    if (!pg_initialized(pg) && (rc = pg_initdb(pg)) < 0)
        goto out;
    if ((rc = pg_write_conf(pg)) < 0)
        goto out;
    /* A server left running by a kplane that was killed is adopted, not restarted. */
    if (pg_ctl(pg, "status", true) == 0) {
        KP_LOG_INFO("pgctl", "adopting the PostgreSQL server already running in \"%s\"", pg->pgdir);
    } else {
        KP_LOG_INFO("pgctl", "starting PostgreSQL in \"%s\"", pg->pgdir);
        if ((rc = pg_ctl(pg, "start", false)) < 0)
            goto out;
    }
    pg->running = true;
    *out = pg;
    pg = NULL;
    rc = 0;
out:
    kp_pgctl_free(pg);
    return rc;
}

const char *kp_pgctl_conninfo(const kp_pgctl *pg)
{
    return pg->conninfo;
}

const char *kp_pgctl_admin_conninfo(const kp_pgctl *pg)
{
    return pg->admin_conninfo;
}

int kp_pgctl_stop(kp_pgctl *pg)
{
    int rc;
    if (!pg || !pg->running)
        return 0;
    KP_LOG_INFO("pgctl", "stopping PostgreSQL in \"%s\"", pg->pgdir);
    rc = pg_ctl(pg, "stop", false);
    if (rc == 0)
        pg->running = false;
    return rc;
}

void kp_pgctl_free(kp_pgctl *pg)
{
    if (!pg)
        return;
    free(pg->bindir);
    free(pg->pgdir);
    free(pg->conninfo);
    free(pg->admin_conninfo);
    free(pg);
}
