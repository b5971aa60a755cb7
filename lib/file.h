/* file: small helpers for files kplane owns (certificates, keys, kubeconfigs). Any thread. */
#ifndef KP_FILE_H
#define KP_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Writes data to path atomically: a temporary file in the same directory with the given
 * mode, fsync, rename, then fsync of the directory so the rename itself survives a crash.
 * Readers see the old file or the new one, never a torn one. KP_EFORBIDDEN (permissions) or
 * KP_EINTERNAL with a message naming the path. */
int kp_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
