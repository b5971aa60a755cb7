/* common: included first by every .c file. Standard headers every module uses, the
 * compiler attributes kplane relies on, and banned.h last so unsafe libc calls fail to
 * compile. */
#ifndef KP_COMMON_H
#define KP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <assert.h>

#define KP_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#define KP_NORETURN __attribute__((noreturn))
#define KP_UNUSED __attribute__((unused))
#define KP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KP_MAX(a, b) ((a) > (b) ? (a) : (b))

#include "lib/err.h"
#include "lib/mem.h"
#include "lib/banned.h"

#endif
