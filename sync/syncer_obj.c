#include "lib/common.h"
#include "sync/syncer_int.h"
#include "lib/json.h"

/* metadata.annotations kplane sets itself: never sent downstream */
static bool obj_own_annotation(const char *k)
{
    return strcmp(k, "kplane.io/cluster") == 0 || strncmp(k, "sync.kplane.io/", 15) == 0 ||
           strcmp(k, "kubectl.kubernetes.io/last-applied-configuration") == 0;
}

json_t *kp_sync_desired(const json_t *obj, const kp_sync_res *r, const char *dns_ns)
{
    json_t *out = json_object(), *md = json_object();
    const json_t *omd = json_object_get(obj, "metadata"), *v;
    const char *k;
    char gv[64];

    snprintf(gv, sizeof(gv), "%s%s%s", r->group, r->group[0] ? "/" : "", r->version);
    json_object_set_new(out, "apiVersion", json_string(gv));
    json_object_set_new(out, "kind", json_string(r->kind));
    json_object_foreach((json_t *)obj, k, v)
    {
        if (strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "metadata") == 0 ||
            strcmp(k, "status") == 0)
            continue;
        json_object_set_new(out, k, json_deep_copy(v));
    }
    json_object_set_new(md, "name", json_string(kp_json_get_str(obj, "metadata.name")));
    if (dns_ns)
        json_object_set_new(md, "namespace", json_string(dns_ns));
    if (json_is_object(json_object_get(omd, "labels")) &&
        json_object_size(json_object_get(omd, "labels")))
        json_object_set_new(md, "labels", json_deep_copy(json_object_get(omd, "labels")));
    v = json_object_get(omd, "annotations");
    if (json_is_object(v)) {
        json_t *ann = json_object();
        const char *ak;
        json_t *av;
        json_object_foreach((json_t *)v, ak, av)
        {
            if (!obj_own_annotation(ak))
                json_object_set_new(ann, ak, json_deep_copy(av));
        }
        if (json_object_size(ann))
            json_object_set(md, "annotations", ann);
        json_decref(ann);
    }
    json_object_set_new(out, "metadata", md);
    if (strcmp(r->kind, "Service") == 0) { /* the downstream cluster allocates its own */
        json_t *spec = json_object_get(out, "spec");
        json_object_del(spec, "clusterIP");
        json_object_del(spec, "clusterIPs");
    }
    return out;
}

bool kp_sync_subset(const json_t *want, const json_t *have)
{
    if (json_is_object(want)) {
        const char *k;
        json_t *v;
        if (!json_is_object(have))
            return false;
        json_object_foreach((json_t *)want, k, v)
        {
            json_t *h = json_object_get(have, k);
            if (json_is_null(v) && !h)
                continue;
            if (!h || !kp_sync_subset(v, h))
                return false;
        }
        return true;
    }
    if (json_is_array(want)) {
        size_t i;
        json_t *v;
        if (!json_is_array(have) || json_array_size(want) != json_array_size(have))
            return false;
        json_array_foreach(want, i, v)
        {
            if (!kp_sync_subset(v, json_array_get(have, i)))
                return false;
        }
        return true;
    }
    if (json_is_number(want) && json_is_number(have))
        return json_number_value(want) == json_number_value(have);
    return json_equal((json_t *)want, (json_t *)have);
}

/* Conditions of several clusters: one per type, True only when True in every cluster. */
static json_t *agg_conditions(const json_t *statuses)
{
    json_t *out = json_array();
    size_t n = json_array_size(statuses), i, j;
    const json_t *st, *c;

    json_array_foreach(statuses, i, st)
    {
        json_array_foreach(json_object_get(st, "conditions"), j, c)
        {
            const char *type = kp_json_get_str(c, "type");
            bool seen = false, all = true;
            size_t k, m;
            json_t *o;
            if (!type)
                continue;
            json_array_foreach(out, k, o)
            {
                if (strcmp(kp_json_get_str(o, "type"), type) == 0)
                    seen = true;
            }
            if (seen)
                continue;
            for (m = 0; m < n; m++) { /* True everywhere? */
                const json_t *cs = json_object_get(json_array_get(statuses, m), "conditions");
                bool found = false;
                json_t *x;
                json_array_foreach(cs, k, x)
                {
                    const char *t = kp_json_get_str(x, "type"), *s = kp_json_get_str(x, "status");
                    if (t && strcmp(t, type) == 0) {
                        found = true;
                        if (!s || strcmp(s, "True") != 0)
                            all = false;
                    }
                }
                if (!found)
                    all = false;
            }
            o = json_deep_copy(c);
            if (!all && strcmp(kp_json_get_str(c, "status") ? kp_json_get_str(c, "status") : "",
                               "True") == 0) {
                json_object_set_new(o, "status", json_string("False"));
                json_object_set_new(o, "reason", json_string("NotTrueInEveryCluster"));
                json_object_set_new(o, "message",
                                    json_string("the condition is not True in every cluster the "
                                                "object is synced to"));
            } else if (all) {
                json_object_set_new(o, "status", json_string("True"));
            }
            json_array_append_new(out, o);
        }
    }
    return out;
}

json_t *kp_sync_aggregate(const json_t *statuses, int64_t generation)
{
    json_t *out;
    size_t n = json_array_size(statuses), i;
    const json_t *st;

    if (n == 0)
        return json_object();
    out = json_deep_copy(json_array_get(statuses, 0));
    if (!json_is_object(out)) {
        json_decref(out);
        out = json_object();
    }
    if (n > 1) {
        json_t *sums = json_object(); /* every integer field any cluster reports, summed */
        const char *k;
        json_t *v;
        json_array_foreach(statuses, i, st)
        {
            json_object_foreach((json_t *)st, k, v)
            {
                json_t *cur;
                if (!json_is_integer(v) || strcmp(k, "observedGeneration") == 0)
                    continue;
                cur = json_object_get(sums, k);
                json_object_set_new(
                    sums, k,
                    json_integer((cur ? json_integer_value(cur) : 0) + json_integer_value(v)));
            }
        }
        json_object_update(out, sums);
        json_decref(sums);
        json_object_set_new(out, "conditions", agg_conditions(statuses));
    }
    { /* observed only as far as every cluster observed it */
        json_int_t min = -1;
        json_array_foreach(statuses, i, st)
        {
            const json_t *og = json_object_get(st, "observedGeneration");
            if (json_is_integer(og) && (min < 0 || json_integer_value(og) < min))
                min = json_integer_value(og);
        }
        if (min >= 0)
            json_object_set_new(
                out, "observedGeneration",
                json_integer(generation > 0 && min > generation ? generation : min));
    }
    return out;
}

static void refs_add(json_t *set, const char *res, const char *name)
{
    char k[320];
    if (!name || !*name)
        return;
    snprintf(k, sizeof(k), "%s/%s", res, name);
    json_object_set_new(set, k, json_true());
}

static void refs_containers(json_t *set, const json_t *list)
{
    size_t i, j;
    const json_t *c, *e;
    json_array_foreach(list, i, c)
    {
        json_array_foreach(json_object_get(c, "envFrom"), j, e)
        {
            refs_add(set, "configmaps", kp_json_get_str(e, "configMapRef.name"));
            refs_add(set, "secrets", kp_json_get_str(e, "secretRef.name"));
        }
        json_array_foreach(json_object_get(c, "env"), j, e)
        {
            refs_add(set, "configmaps", kp_json_get_str(e, "valueFrom.configMapKeyRef.name"));
            refs_add(set, "secrets", kp_json_get_str(e, "valueFrom.secretKeyRef.name"));
        }
    }
}

void kp_sync_template_refs(json_t *set, const json_t *podspec)
{
    size_t i, j;
    const json_t *v, *src;
    const char *sa;

    if (!json_is_object(podspec))
        return;
    json_array_foreach(json_object_get(podspec, "volumes"), i, v)
    {
        refs_add(set, "configmaps", kp_json_get_str(v, "configMap.name"));
        refs_add(set, "secrets", kp_json_get_str(v, "secret.secretName"));
        json_array_foreach(kp_json_get(v, "projected.sources"), j, src)
        {
            refs_add(set, "configmaps", kp_json_get_str(src, "configMap.name"));
            refs_add(set, "secrets", kp_json_get_str(src, "secret.name"));
        }
    }
    refs_containers(set, json_object_get(podspec, "containers"));
    refs_containers(set, json_object_get(podspec, "initContainers"));
    json_array_foreach(json_object_get(podspec, "imagePullSecrets"), i, v)
    {
        refs_add(set, "secrets", kp_json_get_str(v, "name"));
    }
    sa = kp_json_get_str(podspec, "serviceAccountName");
    if (sa && strcmp(sa, "default") != 0) /* every namespace has its own default */
        refs_add(set, "serviceaccounts", sa);
}

char *kp_sync_dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}
