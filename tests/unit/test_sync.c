#include "lib/common.h"
#include "lib/quantity.h"
#include "lib/json.h"
#include "sync/cluster.h"
#include "sync/syncer_int.h"
#include "tests/support/testlib.h"

/* The syncer's pure parts: Cluster admission, downstream namespace names, quantities, what is
 * applied downstream, the drift check and the status aggregate. */

static json_t *J(const char *text)
{
    json_t *v = NULL;
    assert_int_equal(kp_json_parse(&v, text, strlen(text)), 0);
    return v;
}

static void test_admit_defaults(void **state)
{
    json_t *c = J("{\"metadata\":{\"name\":\"c1\"},\"spec\":{\"kubeconfigSecretRef\":"
                  "{\"namespace\":\"fleet\",\"name\":\"kc\"}}}");
    (void)state;
    assert_int_equal(kp_sync_cluster_admit(c), 0);
    assert_string_equal(kp_json_get_str(c, "spec.syncMode"), "Push");
    assert_true(json_array_size(kp_json_get(c, "spec.resources")) >= 8);
    json_decref(c);
    c = J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"syncMode\":\"Pull\",\"resources\":"
          "[\"deployments\"]}}");
    assert_int_equal(kp_sync_cluster_admit(c), 0); /* Pull needs no Secret */
    assert_int_equal(json_array_size(kp_json_get(c, "spec.resources")), 1);
    json_decref(c);
}

static void test_admit_invalid(void **state)
{
    json_t *c = J("{\"metadata\":{\"name\":\"c1\"},\"spec\":{\"syncMode\":\"Sometimes\","
                  "\"zones\":[\"a\",2],\"taints\":[{\"effect\":\"NoSchedule\"}],"
                  "\"resources\":[\"pods\"]}}");
    const kp_err_cause_entry *causes;
    (void)state;
    assert_int_equal(kp_sync_cluster_admit(c), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "Cluster.fleet.kplane.io \"c1\" is invalid: ["));
    assert_non_null(strstr(kp_err_msg(), "spec.syncMode: Unsupported value: \"Sometimes\""));
    assert_non_null(strstr(kp_err_msg(), "spec.zones[1]: Invalid value: "));
    assert_non_null(strstr(kp_err_msg(), "spec.taints[0].key: Required value"));
    assert_non_null(strstr(kp_err_msg(), "spec.resources[0]: Unsupported value: \"pods\""));
    assert_int_equal(kp_err_causes(&causes), 4);
    kp_err_clear();
    json_decref(c);
    c = J(
        "{\"metadata\":{\"name\":\"c2\"},\"spec\":{\"kubeconfigSecretRef\":{\"name\":\"Bad_\"}}}");
    assert_int_equal(kp_sync_cluster_admit(c), KP_EINVALID);
    assert_non_null(strstr(kp_err_msg(), "spec.kubeconfigSecretRef.namespace: Required value"));
    assert_non_null(strstr(kp_err_msg(), "spec.kubeconfigSecretRef.name: Invalid value"));
    kp_err_clear();
    json_decref(c);
}

static void test_ns_name(void **state)
{
    char a[KP_SYNC_NS_MAX], b[KP_SYNC_NS_MAX], c[KP_SYNC_NS_MAX];
    (void)state;
    kp_sync_ns_name(a, "abc123", "shop");
    kp_sync_ns_name(b, "abc123", "shop");
    kp_sync_ns_name(c, "abd123", "shop");
    assert_string_equal(a, b); /* stable */
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), strlen("kplane-") + 13);
    assert_int_equal(strncmp(a, "kplane-", 7), 0);
    kp_sync_ns_name(c, "abc12", "3shop"); /* the separator keeps the pair apart */
    assert_string_not_equal(a, c);
}

static void test_quantity(void **state)
{
    int64_t m;
    json_t *q;
    (void)state;
    assert_int_equal(0, kp_quantity_milli(&m, "2"));
    assert_int_equal(m, 2000);
    assert_int_equal(0, kp_quantity_milli(&m, "250m"));
    assert_int_equal(m, 250);
    assert_int_equal(0, kp_quantity_milli(&m, "1Gi"));
    assert_int_equal(m, 1073741824LL * 1000);
    assert_int_equal(0, kp_quantity_milli(&m, "1e3"));
    assert_int_equal(m, 1000000);
    assert_int_equal(KP_EINVALID, kp_quantity_milli(&m, "12Zi"));
    assert_int_equal(KP_EINVALID, kp_quantity_milli(&m, ""));
    q = kp_quantity_json(1500);
    assert_string_equal(json_string_value(q), "1500m");
    json_decref(q);
    q = kp_quantity_json(8000);
    assert_string_equal(json_string_value(q), "8");
    json_decref(q);
}

static void test_desired(void **state)
{
    json_t *up = J("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
                   "\"namespace\":\"shop\",\"uid\":\"u\",\"resourceVersion\":\"9\","
                   "\"finalizers\":[\"sync.kplane.io/syncer\"],\"ownerReferences\":[{}],"
                   "\"managedFields\":[{}],\"labels\":{\"state.sync.kplane.io/d1\":\"Sync\"},"
                   "\"annotations\":{\"kplane.io/cluster\":\"x\",\"sync.kplane.io/status-d1\":"
                   "\"{}\",\"team\":\"a\"}},\"spec\":{\"clusterIP\":\"10.0.0.1\",\"ports\":"
                   "[{\"port\":80}]},\"status\":{\"loadBalancer\":{}}}");
    json_t *d = kp_sync_desired(up, kp_sync_res_find("services"), "kplane-x");
    (void)state;
    assert_string_equal(kp_json_get_str(d, "metadata.namespace"), "kplane-x");
    assert_null(kp_json_get(d, "metadata.uid"));
    assert_null(kp_json_get(d, "metadata.resourceVersion"));
    assert_null(kp_json_get(d, "metadata.finalizers"));
    assert_null(kp_json_get(d, "metadata.ownerReferences"));
    assert_null(kp_json_get(d, "metadata.managedFields"));
    assert_null(kp_json_get(d, "status"));
    assert_null(kp_json_get(d, "spec.clusterIP"));
    assert_non_null(json_object_get(kp_json_get(d, "metadata.labels"), "state.sync.kplane.io/d1"));
    assert_non_null(json_object_get(kp_json_get(d, "metadata.annotations"), "team"));
    assert_null(json_object_get(kp_json_get(d, "metadata.annotations"), "kplane.io/cluster"));
    assert_null(
        json_object_get(kp_json_get(d, "metadata.annotations"), "sync.kplane.io/status-d1"));
    json_decref(d);
    json_decref(up);
}

static void test_subset(void **state)
{
    json_t *want = J("{\"spec\":{\"replicas\":2,\"ports\":[{\"port\":80}]}}");
    json_t *have = J("{\"spec\":{\"replicas\":2.0,\"strategy\":{},\"ports\":[{\"port\":80,"
                     "\"protocol\":\"TCP\"}]},\"status\":{}}");
    json_t *drift = J("{\"spec\":{\"replicas\":7,\"ports\":[{\"port\":80}]}}");
    json_t *more = J("{\"spec\":{\"replicas\":2,\"ports\":[{\"port\":80},{\"port\":81}]}}");
    (void)state;
    assert_true(kp_sync_subset(want, have));
    assert_false(kp_sync_subset(want, drift));
    assert_false(kp_sync_subset(want, more)); /* a list is whole */
    assert_false(kp_sync_subset(have, want));
    json_decref(want);
    json_decref(have);
    json_decref(drift);
    json_decref(more);
}

static void test_aggregate(void **state)
{
    json_t *one = J("[{\"replicas\":2,\"observedGeneration\":5,\"conditions\":[{\"type\":"
                    "\"Available\",\"status\":\"False\"}]}]");
    json_t *two = J("[{\"replicas\":2,\"availableReplicas\":2,\"observedGeneration\":1,"
                    "\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"},{\"type\":"
                    "\"Progressing\",\"status\":\"True\"}]},{\"replicas\":3,"
                    "\"availableReplicas\":1,\"readyReplicas\":1,\"observedGeneration\":1,"
                    "\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"},{\"type\":"
                    "\"Progressing\",\"status\":\"False\"}]}]");
    json_t *a;
    (void)state;
    a = kp_sync_aggregate(one, 3); /* one cluster: as is, but the upstream generation */
    assert_int_equal(json_integer_value(json_object_get(a, "replicas")), 2);
    assert_int_equal(json_integer_value(json_object_get(a, "observedGeneration")), 3);
    assert_string_equal(
        kp_json_get_str(json_array_get(json_object_get(a, "conditions"), 0), "status"), "False");
    json_decref(a);
    a = kp_sync_aggregate(two, 2);
    assert_int_equal(json_integer_value(json_object_get(a, "replicas")), 5);
    assert_int_equal(json_integer_value(json_object_get(a, "availableReplicas")), 3);
    assert_int_equal(json_integer_value(json_object_get(a, "readyReplicas")), 1);
    assert_int_equal(json_integer_value(json_object_get(a, "observedGeneration")), 1);
    assert_string_equal(
        kp_json_get_str(json_array_get(json_object_get(a, "conditions"), 0), "status"), "True");
    assert_string_equal(
        kp_json_get_str(json_array_get(json_object_get(a, "conditions"), 1), "status"), "False");
    json_decref(a);
    json_decref(one);
    json_decref(two);
}

static void test_template_refs(void **state)
{
    json_t *spec = J("{\"serviceAccountName\":\"runner\",\"imagePullSecrets\":[{\"name\":"
                     "\"reg\"}],\"volumes\":[{\"configMap\":{\"name\":\"cv\"}},{\"secret\":{"
                     "\"secretName\":\"sv\"}},{\"projected\":{\"sources\":[{\"configMap\":{"
                     "\"name\":\"pc\"}}]}}],\"containers\":[{\"envFrom\":[{\"configMapRef\":{"
                     "\"name\":\"ef\"}}],\"env\":[{\"valueFrom\":{\"secretKeyRef\":{\"name\":"
                     "\"ev\"}}}]}]}");
    json_t *set = json_object();
    (void)state;
    kp_sync_template_refs(set, spec);
    assert_int_equal(json_object_size(set), 7);
    assert_non_null(json_object_get(set, "serviceaccounts/runner"));
    assert_non_null(json_object_get(set, "secrets/reg"));
    assert_non_null(json_object_get(set, "configmaps/cv"));
    assert_non_null(json_object_get(set, "secrets/sv"));
    assert_non_null(json_object_get(set, "configmaps/pc"));
    assert_non_null(json_object_get(set, "configmaps/ef"));
    assert_non_null(json_object_get(set, "secrets/ev"));
    json_decref(set);
    json_decref(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admit_defaults), cmocka_unit_test(test_admit_invalid),
        cmocka_unit_test(test_ns_name),        cmocka_unit_test(test_quantity),
        cmocka_unit_test(test_desired),        cmocka_unit_test(test_subset),
        cmocka_unit_test(test_aggregate),      cmocka_unit_test(test_template_refs),
    };
    return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
