/* pgctl: the embedded PostgreSQL. Finds the server binaries, runs initdb into DATA_DIR/pg on
 * first start, starts the server with pg_ctl on a Unix socket in that directory only (no TCP),
 * as the "postgres" system user when kplane runs as root, reuses a server left running by a
 * killed kplane, and stops it on shutdown. It runs programs; it never links libpq (the store
 * does). Called from main only. */
#ifndef KP_PGCTL_H
#define KP_PGCTL_H

typedef struct kp_pgctl kp_pgctl;

/* Prepares and starts (or adopts) the server for data_dir; owned, free with
 * kp_pgctl_free(). Errors name the path or the missing package. */
int kp_pgctl_start(kp_pgctl **out, const char *data_dir);
/* The libpq connection string for the kplane database; borrowed from pg. */
const char *kp_pgctl_conninfo(const kp_pgctl *pg);
/* The connection string for the maintenance database "postgres"; borrowed from pg. */
const char *kp_pgctl_admin_conninfo(const kp_pgctl *pg);
/* Stops the server (fast shutdown) and waits for it. */
int kp_pgctl_stop(kp_pgctl *pg);
void kp_pgctl_free(kp_pgctl *pg);
/* The directory holding the server binaries (initdb, pg_ctl), or NULL with a message that
 * names the Debian package; static storage. */
const char *kp_pgctl_bindir(void);

#endif
