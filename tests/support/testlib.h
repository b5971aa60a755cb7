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

#endif
