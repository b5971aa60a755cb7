#!/usr/bin/env bash
# core/v1 ResourceQuota object counts end to end: a quota's spec.hard "count/<resource>" and
# core names ("configmaps", "secrets") limit how many objects a namespace holds; the create past
# it is 403 Forbidden with kube-apiserver's message and stores nothing; deletes free room; other
# namespaces and workspaces are unaffected; changing or deleting the quota applies at once.
# Real kplane, real kubectl (every version for the quota kubectl creates).
#   bash tests/e2e/test_resourcequota.sh     or     TEST_FILTER=resourcequota tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/rq
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BASE=https://127.0.0.1:$PORT/clusters

check "create namespace q" kubectl create namespace q
check "create namespace other" kubectl create namespace other
check "kubectl create quota with count/configmaps=2, secrets=1, count/deployments.apps=1" \
    kubectl -n q create quota objs --hard=count/configmaps=2,secrets=1,count/deployments.apps=1
check "a first configmap fits" kubectl -n q create configmap a --from-literal=k=v
check "a second configmap fits" kubectl -n q create configmap b --from-literal=k=v
check_out "the third is refused with kube-apiserver's message" \
    'configmaps "c" is forbidden: exceeded quota: objs, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2' \
    kubectl -n q create configmap c --from-literal=k=v
check_out "and nothing was stored" "NotFound" kubectl -n q get configmap c
check_out "the refusal is a 403" "Forbidden" \
    curl -s --cacert "$DIR/pki/ca.crt" -o - -w '%{http_code}' "$BASE/root/api/v1/namespaces/q/configmaps" \
    -H 'Content-Type: application/json' --cert <(kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d) \
    --key <(kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d) \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}'
check "the core name \"secrets\" limits secrets: one fits" kubectl -n q create secret generic s1 --from-literal=k=v
check_out "a second is refused" "exceeded quota: objs, requested: secrets=1, used: secrets=1, limited: secrets=1" \
    kubectl -n q create secret generic s2 --from-literal=k=v
check "count/deployments.apps: one deployment fits" kubectl -n q create deployment d1 --image=nginx
check_out "a second is refused" "exceeded quota: objs, requested: count/deployments.apps=1" \
    kubectl -n q create deployment d2 --image=nginx
check "other namespaces are not limited" kubectl -n other create configmap c --from-literal=k=v
check "nor a third" kubectl -n other create configmap d --from-literal=k=v
check "a deleted configmap frees room" kubectl -n q delete configmap a
check "so c fits now" kubectl -n q create configmap c --from-literal=k=v
check "raising the quota (kubectl patch) applies at once" \
    kubectl -n q patch resourcequota objs --type=merge -p '{"spec":{"hard":{"count/configmaps":"3"}}}'
check "a third configmap fits" kubectl -n q create configmap e --from-literal=k=v
check_out "a fourth does not" "used: count/configmaps=3, limited: count/configmaps=3" \
    kubectl -n q create configmap f --from-literal=k=v
check "a second quota in the namespace limits too" \
    kubectl -n q create quota tight --hard=count/serviceaccounts=0
check_out "it is named in the refusal" "exceeded quota: tight" kubectl -n q create serviceaccount sa
check "deleting the quotas lifts them" kubectl -n q delete resourcequota objs tight
check "the fourth configmap fits now" kubectl -n q create configmap f --from-literal=k=v

# another workspace with the same namespace name has its own quotas
check "create workspace root:t" kubectl create -f - <<<'{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"t"}}'
check "its namespace q" kubectl --server "$BASE/root:t" create namespace q
check "a quota of zero configmaps there" kubectl --server "$BASE/root:t" -n q create quota none --hard=configmaps=0
check_out "refuses there" "exceeded quota: none" kubectl --server "$BASE/root:t" -n q create configmap x --from-literal=k=v
check "but not in root's namespace q" kubectl -n q create configmap g --from-literal=k=v

# every kubectl present creates a quota that limits
i=0
while read -r k; do
    i=$((i + 1))
    check "kubectl ${k##*/}: create quota" "$k" -n other create quota "v$i" --hard=count/secrets=0
    check_out "kubectl ${k##*/}: it limits" "exceeded quota: v$i" "$k" -n other create secret generic "x$i" --from-literal=k=v
    "$k" -n other delete resourcequota "v$i" >/dev/null 2>&1
done < <(kubectl_versions)
