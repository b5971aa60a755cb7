#include "lib/common.h"
#include "gitops/render.h"
#include "lib/err.h"

/* fuzz_kustomize: the kustomize subset on arbitrary input. The input is a kustomization.yaml,
 * optionally followed by a line "#---file---" and the bytes of the resource file "res.yaml"
 * (and "patch.yaml", "env.txt", the same bytes) it may name. Whatever builds must be objects;
 * a failure must say what is wrong. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n#---file---\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_render_files fs;
    const char *text = (const char *)data;
    const char *sep = NULL;
    size_t klen = size;
    json_t *items = NULL, *it;
    size_t i;

    if (size > 1024 * 1024)
        return 0;
    for (size_t k = 0; k + strlen(SEP) <= size; k++)
        if (memcmp(text + k, SEP, strlen(SEP)) == 0) {
            sep = text + k;
            break;
        }
    if (sep)
        klen = (size_t)(sep - text);
    memset(&fs, 0, sizeof(fs));
    kp_render_files_add(&fs, "app/kustomization.yaml", text, klen);
    if (sep) {
        const char *rest = sep + strlen(SEP);
        size_t rl = size - (size_t)(rest - text);
        kp_render_files_add(&fs, "app/res.yaml", rest, rl);
        kp_render_files_add(&fs, "app/patch.yaml", rest, rl);
        kp_render_files_add(&fs, "app/env.txt", rest, rl);
        kp_render_files_add(&fs, "base/kustomization.yaml", "resources: [../app/res.yaml]\n",
                            strlen("resources: [../app/res.yaml]\n"));
    }
    if (kp_render(&items, &fs, "app") == 0) {
        json_array_foreach(items, i, it)
        {
            const json_t *o = json_object_get(it, "object");
            if (!json_is_object(o) || !json_is_string(json_object_get(o, "kind")))
                abort();
        }
        json_decref(items);
    } else if (kp_err_msg()[0] == '\0') {
        abort();
    }
    kp_err_clear();
    kp_render_files_dispose(&fs);
    return 0;
}
