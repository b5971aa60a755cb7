#include "lib/common.h"
#include "gitops/gitops_int.h"
#include "gitops/gitops.h"
#include "apiserver/validate.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/sv.h"

/* Admission of gitops.kplane.io objects: defaults, then validation with one cause per problem
 * and the message errors.NewInvalid builds. */

#define DURATION_MAX_MS (366LL * 24 * 3600 * 1000)

static void admit_duration(kp_verrs *e, const json_t *spec, const char *key, const char *field)
{
    const json_t *v = json_object_get(spec, key);
    int64_t ms;
    if (!v)
        return;
    if (!json_is_string(v)) {
        kp_verrs_type(e, field, v, "string");
        return;
    }
    if (kp_parse_duration_ms(&ms, kp_sv_from(json_string_value(v)), DURATION_MAX_MS) < 0 ||
        ms <= 0) {
        /* kp_parse_duration_ms's message is replaced below; the causes so far must stay */
        kp_verrs_invalid(e, field, json_string_value(v),
                         "must be a positive duration such as 30s, 5m or 1h30m");
    }
}

static void admit_string(kp_verrs *e, const json_t *spec, const char *key, const char *field)
{
    const json_t *v = json_object_get(spec, key);
    if (v && !json_is_string(v))
        kp_verrs_type(e, field, v, "string");
}

static bool is_hex40(const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == 40;
}

static void admit_repo(kp_verrs *e, json_t *spec)
{
    const json_t *url = json_object_get(spec, "url");
    const json_t *ref = json_object_get(spec, "ref");
    static const char *const schemes[] = {"https://", "http://", "ssh://", "file://", "/clusters/"};

    if (!json_object_get(spec, "interval"))
        json_object_set_new(spec, "interval", json_string("1m"));
    if (!url) {
        kp_verrs_required(e, "spec.url", "");
    } else if (!json_is_string(url)) {
        kp_verrs_type(e, "spec.url", url, "string");
    } else {
        const char *u = json_string_value(url);
        bool ok = false;
        for (size_t i = 0; i < KP_ARRAY_LEN(schemes); i++)
            ok = ok || strncmp(u, schemes[i], strlen(schemes[i])) == 0;
        if (!ok)
            kp_verrs_invalid(e, "spec.url", u,
                             "must start with https://, http://, ssh:// or file://, or be a "
                             "repository hosted by kplane (/clusters/<path>/git/<name>.git)");
        else if (strchr(u, '\n') || strchr(u, ' '))
            kp_verrs_invalid(e, "spec.url", u, "must not contain spaces or line breaks");
    }
    if (ref && !json_is_object(ref)) {
        kp_verrs_type(e, "spec.ref", ref, "object");
    } else if (ref) {
        int set = 0;
        const char *commit = json_string_value(json_object_get(ref, "commit"));
        admit_string(e, ref, "branch", "spec.ref.branch");
        admit_string(e, ref, "tag", "spec.ref.tag");
        admit_string(e, ref, "commit", "spec.ref.commit");
        set += json_object_get(ref, "branch") != NULL;
        set += json_object_get(ref, "tag") != NULL;
        set += json_object_get(ref, "commit") != NULL;
        if (set > 1)
            kp_verrs_add(e, "spec.ref", "FieldValueInvalid",
                         "Invalid value: \"object\": at most one of branch, tag and commit may "
                         "be set");
        if (commit && !is_hex40(commit))
            kp_verrs_invalid(e, "spec.ref.commit", commit,
                             "must be a full SHA-1: 40 lower-case hexadecimal digits");
    }
    admit_duration(e, spec, "interval", "spec.interval");
    if (json_object_get(spec, "secretRef") && !json_is_string(kp_json_get(spec, "secretRef.name")))
        kp_verrs_required(e, "spec.secretRef.name", "");
    if (json_object_get(spec, "webhookSecretRef") &&
        !json_is_string(kp_json_get(spec, "webhookSecretRef.name")))
        kp_verrs_required(e, "spec.webhookSecretRef.name", "");
    if (json_object_get(spec, "suspend") && !json_is_boolean(json_object_get(spec, "suspend")))
        kp_verrs_type(e, "spec.suspend", json_object_get(spec, "suspend"), "boolean");
}

static void admit_sync(kp_verrs *e, json_t *spec)
{
    const json_t *src = json_object_get(spec, "sourceRef");
    const json_t *path, *prune, *deps;

    if (!json_object_get(spec, "path"))
        json_object_set_new(spec, "path", json_string("./"));
    if (!json_object_get(spec, "prune"))
        json_object_set_new(spec, "prune", json_true());
    if (!json_object_get(spec, "interval"))
        json_object_set_new(spec, "interval", json_string("10m"));
    if (!json_is_object(src) || !json_is_string(json_object_get(src, "name")))
        kp_verrs_required(e, "spec.sourceRef.name", "");
    else if (json_object_get(src, "kind") &&
             !go_str_is(json_object_get(src, "kind"), "GitRepository"))
        kp_verrs_add(e, "spec.sourceRef.kind", "FieldValueNotSupported",
                     "Unsupported value: supported values: \"GitRepository\"");
    path = json_object_get(spec, "path");
    if (!json_is_string(path)) {
        kp_verrs_type(e, "spec.path", path, "string");
    } else {
        const char *p = json_string_value(path);
        if (p[0] == '/' || strstr(p, "..")) /* never leave the repository's tree */
            kp_verrs_invalid(e, "spec.path", p, "must be relative and must not contain \"..\"");
    }
    prune = json_object_get(spec, "prune");
    if (!json_is_boolean(prune))
        kp_verrs_type(e, "spec.prune", prune, "boolean");
    if (json_object_get(spec, "suspend") && !json_is_boolean(json_object_get(spec, "suspend")))
        kp_verrs_type(e, "spec.suspend", json_object_get(spec, "suspend"), "boolean");
    admit_duration(e, spec, "interval", "spec.interval");
    admit_duration(e, spec, "timeout", "spec.timeout");
    admit_string(e, spec, "targetNamespace", "spec.targetNamespace");
    deps = json_object_get(spec, "dependsOn");
    if (deps && !json_is_array(deps)) {
        kp_verrs_type(e, "spec.dependsOn", deps, "array");
    } else if (deps) {
        size_t i;
        const json_t *d;
        json_array_foreach(deps, i, d)
        {
            if (!json_is_string(json_object_get(d, "name"))) {
                char f[64];
                snprintf(f, sizeof(f), "spec.dependsOn[%zu].name", i);
                kp_verrs_required(e, f, "");
            }
        }
    }
}

int kp_gitops_admit(const char *kind, json_t *obj)
{
    kp_verrs e;
    json_t *spec = json_object_get(obj, "spec");
    char qkind[64];

    e.n = 0;
    if (!json_is_object(spec))
        kp_verrs_required(&e, "spec", "");
    else if (strcmp(kind, "GitRepository") == 0)
        admit_repo(&e, spec);
    else if (strcmp(kind, "Sync") == 0)
        admit_sync(&e, spec);
    if (!e.n)
        return 0;
    kp_err_clear(); /* a duration parser's message is not ours: the causes below are */
    snprintf(qkind, sizeof(qkind), "%s.%s", kind, KP_GITOPS_GROUP);
    return kp_verrs_report(&e, qkind, kp_json_get_str(obj, "metadata.name"));
}
