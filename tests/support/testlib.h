/* testlib: helpers shared by the cmocka unit and integration tests. */
#ifndef KP_TESTLIB_H
#define KP_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh temporary directory (mode 0755 so the postgres user can reach a database in it when
 * tests run as root); owned, free with kp_test_tmpdir_remove(), which deletes it recursively. */
char *kp_test_tmpdir(void);
void kp_test_tmpdir_remove(char *dir);

/* One throwaway PostgreSQL per test program (a real server on a Unix socket in a temporary
 * directory, never a mock): start it in a cmocka group setup, stop it in the teardown. */
int kp_test_pg_start(int log_level);
void kp_test_pg_stop(void);
/* Stops the server but keeps its data (a test of the database going away), and starts it
 * again on the same data; 0 or a kp_err code. */
int kp_test_pg_down(void);
int kp_test_pg_up(void);
/* The maintenance database's connection string; borrowed, valid until kp_test_pg_stop(). */
const char *kp_test_pg_admin_conninfo(void);
/* The connection string of database db on that server; owned, free with free(). */
char *kp_test_pg_conninfo_for(const char *db);

#endif
