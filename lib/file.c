#include "lib/common.h"
#include "lib/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_error(const char *path, int e)
{
    return kp_err_set(e == EACCES || e == EPERM || e == EROFS ? KP_EFORBIDDEN : KP_EINTERNAL,
                      "cannot write \"%s\": %s", path, strerror(e));
}

int kp_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? kp_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : kp_strdup(".");
    char *tmp = kp_asprintf("%s.tmp.XXXXXX", path);
    const char *p = data;
    int fd, dfd = -1, rc = 0;
    size_t off = 0;

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = file_error(path, errno);
        free(tmp);
        tmp = NULL; /* nothing to unlink */
        goto out;
    }
    if (fchmod(fd, mode) < 0) {
        rc = file_error(path, errno);
        goto out;
    }
    while (off < len) {
        ssize_t n = write(fd, p + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = file_error(path, errno);
            goto out;
        }
        off += (size_t)n;
    }
    if (fsync(fd) < 0) {
        rc = file_error(path, errno);
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = file_error(path, errno);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = file_error(path, errno);
        goto out;
    }
    free(tmp);
    tmp = NULL;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0)
        rc = file_error(path, errno);
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}
