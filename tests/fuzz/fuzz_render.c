#include "lib/common.h"
#include "gitops/render.h"
#include "lib/err.h"

/* fuzz_render: the plain manifest renderer on arbitrary bytes, as a .yaml file and as a .json
 * file of a repository tree. Whatever renders must be objects with apiVersion, kind and
 * metadata.name, each with its file and document index; a failure must say what is wrong. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const kp_render_files *fs, const char *dir)
{
    json_t *items = NULL, *it;
    size_t i;
    if (kp_render(&items, fs, dir) < 0) {
        if (kp_err_msg()[0] == '\0')
            abort();
        kp_err_clear();
        return;
    }
    json_array_foreach(items, i, it)
    {
        const json_t *o = json_object_get(it, "object");
        if (!json_is_string(json_object_get(it, "file")) ||
            !json_is_integer(json_object_get(it, "index")) ||
            !json_is_string(json_object_get(o, "kind")) ||
            !json_is_string(json_object_get(o, "apiVersion")))
            abort();
    }
    json_decref(items);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_render_files fs;
    if (size > 1024 * 1024)
        return 0;
    memset(&fs, 0, sizeof(fs));
    kp_render_files_add(&fs, "deploy/a.yaml", (const char *)data, size);
    kp_render_files_add(&fs, "deploy/sub/b.json", (const char *)data, size);
    kp_render_files_add(&fs, "other/c.yml", (const char *)data, size);
    check(&fs, "./deploy");
    check(&fs, "");
    kp_render_files_dispose(&fs);
    return 0;
}
