#include "lib/common.h"
#include "sync/cluster.h"
#include "apiserver/validate.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/json.h"

/* k8s: resources whose status the downstream controllers write are copied up; the pod
 * template paths name where ConfigMaps, Secrets and ServiceAccounts are referenced. */
static const kp_sync_res sync_res[] = {
    {"deployments", "apps", "v1", "Deployment", "apps/deployments", true, true, "spec.template"},
    {"services", "", "v1", "Service", "/services", true, true, NULL},
    {"configmaps", "", "v1", "ConfigMap", "/configmaps", false, true, NULL},
    {"secrets", "", "v1", "Secret", "/secrets", false, true, NULL},
    {"serviceaccounts", "", "v1", "ServiceAccount", "/serviceaccounts", false, true, NULL},
    {"statefulsets", "apps", "v1", "StatefulSet", "apps/statefulsets", true, true, "spec.template"},
    {"jobs", "batch", "v1", "Job", "batch/jobs", true, true, "spec.template"},
    {"ingresses", "networking.k8s.io", "v1", "Ingress", "networking.k8s.io/ingresses", true, true,
     NULL},
    {"daemonsets", "apps", "v1", "DaemonSet", "apps/daemonsets", true, false, "spec.template"},
    {"cronjobs", "batch", "v1", "CronJob", "batch/cronjobs", true, false,
     "spec.jobTemplate.spec.template"},
    {"persistentvolumeclaims", "", "v1", "PersistentVolumeClaim", "/persistentvolumeclaims", true,
     false, NULL},
};

const kp_sync_res *kp_sync_res_all(size_t *n_out)
{
    *n_out = KP_ARRAY_LEN(sync_res);
    return sync_res;
}

const kp_sync_res *kp_sync_res_find(const char *name)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(sync_res); i++)
        if (strcmp(sync_res[i].name, name) == 0)
            return &sync_res[i];
    return NULL;
}

const kp_sync_res *kp_sync_res_by_key(const char *store_key)
{
    for (size_t i = 0; i < KP_ARRAY_LEN(sync_res); i++)
        if (strcmp(sync_res[i].store_key, store_key) == 0)
            return &sync_res[i];
    return NULL;
}

const char *kp_sync_res_gv_path(const kp_sync_res *r)
{
    if (!r->group[0])
        return "/api/v1";
    if (strcmp(r->group, "apps") == 0)
        return "/apis/apps/v1";
    if (strcmp(r->group, "batch") == 0)
        return "/apis/batch/v1";
    return "/apis/networking.k8s.io/v1";
}

/* ---- admission ---- */

static void cl_dns(kp_verrs *v, const char *field, const char *value, bool label)
{
    kp_buf why = KP_BUF_INIT(200);
    bool ok = label ? kp_validate_dns1123_label(&why, kp_sv_from(value))
                    : kp_validate_dns1123_subdomain(&why, kp_sv_from(value));
    if (!ok)
        kp_verrs_add(v, field, "FieldValueInvalid", "Invalid value: \"%.64s\": %s", value,
                     kp_buf_cstr(&why));
    kp_buf_dispose(&why);
}

static void cl_check_taints(kp_verrs *v, const json_t *taints)
{
    size_t i;
    const json_t *t;
    json_array_foreach(taints, i, t)
    {
        char f[96];
        const char *key, *effect;
        if (!json_is_object(t)) {
            snprintf(f, sizeof(f), "spec.taints[%zu]", i);
            kp_verrs_type(v, f, t, "object");
            continue;
        }
        snprintf(f, sizeof(f), "spec.taints[%zu].key", i);
        key = kp_verrs_str(v, t, "key", f);
        if (!key || !*key)
            kp_verrs_add(v, f, "FieldValueRequired", "Required value");
        else if (!kp_validate_qualified_name(NULL, kp_sv_from(key)))
            kp_verrs_add(v, f, "FieldValueInvalid",
                         "Invalid value: \"%.64s\": must be a qualified name (a label key)", key);
        snprintf(f, sizeof(f), "spec.taints[%zu].value", i);
        kp_verrs_str(v, t, "value", f);
        snprintf(f, sizeof(f), "spec.taints[%zu].effect", i);
        effect = kp_verrs_str(v, t, "effect", f);
        if (!effect)
            kp_verrs_add(v, f, "FieldValueRequired", "Required value");
        else if (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "PreferNoSchedule") != 0 &&
                 strcmp(effect, "NoExecute") != 0)
            kp_verrs_add(v, f, "FieldValueNotSupported",
                         "Unsupported value: \"%.32s\": supported values: \"NoExecute\", "
                         "\"NoSchedule\", \"PreferNoSchedule\"",
                         effect);
    }
}

static void cl_check_zones(kp_verrs *v, const json_t *zones)
{
    size_t i;
    const json_t *z;
    json_array_foreach(zones, i, z)
    {
        char f[48];
        if (json_is_string(z))
            continue;
        snprintf(f, sizeof(f), "spec.zones[%zu]", i);
        kp_verrs_type(v, f, z, "string");
    }
}

static void cl_check_resources(kp_verrs *v, const json_t *res)
{
    size_t i;
    const json_t *r;
    json_array_foreach(res, i, r)
    {
        char f[64];
        snprintf(f, sizeof(f), "spec.resources[%zu]", i);
        if (!json_is_string(r)) {
            kp_verrs_type(v, f, r, "string");
        } else if (!kp_sync_res_find(json_string_value(r))) {
            kp_buf all = KP_BUF_INIT(512);
            size_t n;
            const kp_sync_res *t = kp_sync_res_all(&n);
            for (size_t k = 0; k < n; k++)
                kp_buf_appendf(&all, "%s\"%s\"", k ? ", " : "", t[k].name);
            kp_verrs_add(v, f, "FieldValueNotSupported",
                         "Unsupported value: \"%.48s\": supported values: %s", json_string_value(r),
                         kp_buf_cstr(&all));
            kp_buf_dispose(&all);
        }
    }
}

int kp_sync_cluster_admit(json_t *obj)
{
    kp_verrs v;
    json_t *spec = json_object_get(obj, "spec");
    const char *mode;
    const json_t *ref, *arr;

    v.n = 0;
    if (!spec || json_is_null(spec)) {
        spec = json_object();
        json_object_set_new(obj, "spec", spec);
    }
    if (!json_is_object(spec)) {
        kp_verrs_type(&v, "spec", spec, "object");
        return kp_verrs_report(&v, "Cluster.fleet.kplane.io",
                               kp_json_get_str(obj, "metadata.name"));
    }
    /* defaults, as a defaulting webhook would set them */
    if (!json_object_get(spec, "syncMode") || json_is_null(json_object_get(spec, "syncMode")))
        json_object_set_new(spec, "syncMode", json_string("Push"));
    if (!json_object_get(spec, "resources") || json_is_null(json_object_get(spec, "resources"))) {
        size_t n;
        const kp_sync_res *t = kp_sync_res_all(&n);
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            if (t[i].dflt)
                json_array_append_new(a, json_string(t[i].name));
        json_object_set_new(spec, "resources", a);
    }

    mode = kp_verrs_str(&v, spec, "syncMode", "spec.syncMode");
    if (mode && strcmp(mode, "Push") != 0 && strcmp(mode, "Pull") != 0)
        kp_verrs_add(&v, "spec.syncMode", "FieldValueNotSupported",
                     "Unsupported value: \"%.32s\": supported values: \"Pull\", \"Push\"", mode);
    ref = json_object_get(spec, "kubeconfigSecretRef");
    if (ref && !json_is_null(ref) && !json_is_object(ref)) {
        kp_verrs_type(&v, "spec.kubeconfigSecretRef", ref, "object");
    } else if (ref && json_is_object(ref)) {
        const char *ns = kp_verrs_str(&v, ref, "namespace", "spec.kubeconfigSecretRef.namespace");
        const char *name = kp_verrs_str(&v, ref, "name", "spec.kubeconfigSecretRef.name");
        if (!ns || !*ns)
            kp_verrs_add(&v, "spec.kubeconfigSecretRef.namespace", "FieldValueRequired",
                         "Required value");
        else
            cl_dns(&v, "spec.kubeconfigSecretRef.namespace", ns, true);
        if (!name || !*name)
            kp_verrs_add(&v, "spec.kubeconfigSecretRef.name", "FieldValueRequired",
                         "Required value");
        else
            cl_dns(&v, "spec.kubeconfigSecretRef.name", name, false);
    } else if (mode && strcmp(mode, "Push") == 0) {
        kp_verrs_add(&v, "spec.kubeconfigSecretRef", "FieldValueRequired",
                     "Required value: a Push cluster needs the Secret holding its kubeconfig (key "
                     "\"kubeconfig\")");
    }
    kp_verrs_str(&v, spec, "provider", "spec.provider");
    kp_verrs_str(&v, spec, "region", "spec.region");
    arr = json_object_get(spec, "zones");
    if (arr && !json_is_null(arr) && !json_is_array(arr))
        kp_verrs_type(&v, "spec.zones", arr, "array");
    else if (arr)
        cl_check_zones(&v, arr);
    arr = json_object_get(spec, "taints");
    if (arr && !json_is_null(arr)) {
        if (!json_is_array(arr))
            kp_verrs_type(&v, "spec.taints", arr, "array");
        else
            cl_check_taints(&v, arr);
    }
    arr = json_object_get(spec, "resources");
    if (!json_is_array(arr))
        kp_verrs_type(&v, "spec.resources", arr, "array");
    else
        cl_check_resources(&v, arr);
    if (v.n)
        return kp_verrs_report(&v, "Cluster.fleet.kplane.io",
                               kp_json_get_str(obj, "metadata.name"));
    return 0;
}

/* ---- names and quantities ---- */

void kp_sync_ns_name(char out[KP_SYNC_NS_MAX], const char *cluster_id, const char *ns)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint64_t h = kp_hash_str(kp_hash_str(KP_HASH_INIT, cluster_id), ns);
    char tail[14];
    for (int i = 12; i >= 0; i--) {
        tail[i] = digits[h % 36];
        h /= 36;
    }
    tail[13] = '\0';
    snprintf(out, KP_SYNC_NS_MAX, "%s%s", KP_SYNC_NS_PREFIX, tail);
}
