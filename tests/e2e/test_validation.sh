#!/usr/bin/env bash
# kubectl's default validation against kplane: every kubectl reads /openapi (v2 protobuf or
# v3), sends fieldValidation=Strict, and kplane refuses unknown fields (400), warns (Warn),
# or ignores them (Ignore), dropping them in every mode. apply creates and then updates.
#   bash tests/e2e/test_validation.sh    or    TEST_FILTER=validation tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/v
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig

cat >"$E2E_TMP/bad.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: bad, foo: 1}
bogus: 2
data: {k: v}
Y
for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    check_out "kubectl ${v#*/}: create -f with unknown fields is refused, naming them" \
        'strict decoding error: unknown field "bogus", unknown field "metadata.foo"' \
        "$k" create -f "$E2E_TMP/bad.yaml"
    sed "s/name: web/name: web-${v//./-}/" >"$E2E_TMP/d.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
Y
    check_out "kubectl ${v#*/}: apply -f creates a Deployment (default validation)" "created" "$k" apply -f "$E2E_TMP/d.yaml"
    sed -i 's/replicas: 1/replicas: 3/' "$E2E_TMP/d.yaml"
    check_out "kubectl ${v#*/}: apply -f again updates it" "configured" "$k" apply -f "$E2E_TMP/d.yaml"
    check_out "kubectl ${v#*/}: the change is stored" "^3$" "$k" get deploy "web-${v//./-}" -o jsonpath='{.spec.replicas}'
done
check_out "--validate=warn: created with one warning per unknown field" 'Warning: unknown field "bogus"' \
    kubectl create -f "$E2E_TMP/bad.yaml" --validate=warn
check_out "the unknown fields were dropped, not stored" "^0$" sh -c "kubectl get cm bad -o json | grep -c bogus"
kubectl delete cm bad >/dev/null 2>&1
check_out "--validate=false (Ignore): created without a warning" "^configmap/bad created$" \
    kubectl create -f "$E2E_TMP/bad.yaml" --validate=false
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$DIR/pki/ca.crt" \
    --cert <(kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d) \
    --key <(kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d) \
    -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"x"}}' \
    "https://127.0.0.1:$PORT/clusters/root/api/v1/namespaces/default/configmaps?fieldValidation=Sometimes")
check "an unknown fieldValidation directive is 400" test "$code" = 400
