#include "lib/common.h"
#include "lib/yaml.h"
#include "lib/json.h"
#include "lib/limits.h"

/* fuzz_yaml: kp_yaml_parse and kp_yaml_parse_stream on arbitrary bytes; whatever parses must
 * survive kp_yaml_emit and read back as the same JSON (the round trip kp_yaml_emit promises).
 * Inputs that are JSON take the same round trip from kp_json_parse, which reaches values YAML
 * seeds rarely spell (reals such as 1e300, odd keys). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const json_t *v)
{
    kp_buf b = KP_BUF_INIT(256 * 1024 * 1024);
    json_t *again = NULL;

    if (kp_yaml_emit(&b, v) < 0)
        abort();
    if (kp_yaml_parse(&again, b.p, b.len) < 0) {
        fprintf(stderr, "emitted YAML does not parse: %s\n%s\n", kp_err_msg(), kp_buf_cstr(&b));
        abort();
    }
    if (!json_equal(v, again)) {
        char *want = kp_json_dump(v, NULL), *got = kp_json_dump(again, NULL);
        fprintf(stderr, "round trip changed the value\nwant %s\ngot  %s\nyaml:\n%s\n", want, got,
                kp_buf_cstr(&b));
        abort();
    }
    json_decref(again);
    kp_buf_dispose(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    json_t *v = NULL;

    /* Request bodies are capped before they reach the parser. */
    if (size > KP_BODY_MAX)
        return 0;
    if (kp_yaml_parse(&v, text, size) == 0) {
        roundtrip(v);
        json_decref(v);
    } else if (kp_err_msg()[0] == '\0') { /* a 400 must say what is wrong */
        abort();
    }
    kp_err_clear();
    if (kp_yaml_parse_stream(&v, text, size) == 0) {
        size_t i;
        json_t *doc;
        json_array_foreach(v, i, doc)
        {
            roundtrip(doc);
        }
        json_decref(v);
    }
    kp_err_clear();
    if (kp_json_parse(&v, text, size) == 0) {
        roundtrip(v);
        json_decref(v);
    }
    kp_err_clear();
    return 0;
}
