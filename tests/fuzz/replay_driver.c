#include "lib/common.h"
#include "lib/buf.h"

#include <dirent.h>
#include <libgen.h>

/* Replays a fuzz target's corpus outside MODE=fuzz (libgit2's standalone_driver.c), so every
 * `make test` runs the seeds and the crashers that were fixed. Linked with one
 * tests/fuzz/fuzz_X.c; as build/.../replay_fuzz_X it reads tests/fuzz/corpus/X/ under
 * $KPLANE_ROOT (else the current directory) and prints one TAP line per input. A crash kills
 * the program, which tests/run.sh counts as a failure. Given arguments, it replays those files
 * instead (to reproduce a crash found by the fuzzer). */

#define REPLAY_INPUT_MAX (64 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the target on one file; false when it cannot be read. */
static bool replay_file(const char *path)
{
    kp_buf b;
    bool ok;

    kp_buf_init(&b, REPLAY_INPUT_MAX);
    ok = kp_buf_read_file(&b, path) == 0;
    if (ok) {
        /* a copy of exactly the file's size, so ASan sees reads past the end */
        size_t len;
        char *data = kp_buf_take(&b, &len);
        uint8_t *exact = kp_malloc(len);
        if (len)
            memcpy(exact, data, len);
        free(data);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    kp_buf_dispose(&b);
    return ok;
}

/* The corpus name: "replay_fuzz_json" -> "json". */
static const char *target_name(char *argv0)
{
    const char *base = basename(argv0);
    const char *p = strstr(base, "fuzz_");
    return p ? p + strlen("fuzz_") : base;
}

static int replay_corpus(const char *name)
{
    const char *root = getenv("KPLANE_ROOT");
    char *dir = kp_asprintf("%s/tests/fuzz/corpus/%s", root && *root ? root : ".", name);
    char **files = NULL;
    size_t n = 0, alloc = 0, failed = 0;
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d) {
        /* every target needs seeds: a missing corpus is a failure, not a skipped test */
        printf("not ok 1 - %s: no corpus at %s: %s\n1..1\n", name, dir, strerror(errno));
        free(dir);
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') /* ., .., .gitkeep */
            continue;
        if (n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            files = kp_realloc(files, alloc * sizeof(*files));
        }
        files[n++] = kp_strdup(e->d_name);
    }
    closedir(d);
    if (n == 0) {
        printf("not ok 1 - %s: corpus %s is empty\n1..1\n", name, dir);
        free(files);
        free(dir);
        return 1;
    }
    qsort(files, n, sizeof(*files), name_cmp);
    for (size_t i = 0; i < n; i++) {
        char *path = kp_asprintf("%s/%s", dir, files[i]);
        bool ok = replay_file(path);
        failed += !ok;
        printf("%sok %zu - %s/%s\n", ok ? "" : "not ", i + 1, name, files[i]);
        fflush(stdout); /* the last line before a crash names the input */
        free(path);
        free(files[i]);
    }
    printf("1..%zu\n", n);
    free(files);
    free(dir);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    size_t failed = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2)
        return replay_corpus(target_name(argv[0]));
    for (int i = 1; i < argc; i++) {
        bool ok = replay_file(argv[i]);
        failed += !ok;
        printf("%sok %d - %s\n", ok ? "" : "not ", i, argv[i]);
        fflush(stdout);
    }
    printf("1..%d\n", argc - 1);
    return failed ? 1 : 0;
}
