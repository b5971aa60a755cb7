#!/usr/bin/env bash
# Workspace quotas end to end: a WorkspaceType's spec.defaultQuota, a Workspace's spec.quota
# override, writes past a limit answered 403 Forbidden naming the limit, other workspaces
# unaffected, deletes freeing room, a changed quota applying within the cache's 10 s. Real
# kplane, real kubectl, curl.
#   bash tests/e2e/test_quota.sh     or     TEST_FILTER=quota tests/run.sh
# A new workspace holds 5 objects from the start (its LogicalCluster, namespaces default and
# kube-system, ClusterRole cluster-admin, ClusterRoleBinding workspace-admin): they count.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/quota
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BASE=https://127.0.0.1:$PORT/clusters
INITIAL=5 # objects of a new workspace
SMALL=8   # the type's default maxObjects

kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$E2E_TMP/admin.crt"
kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$E2E_TMP/admin.key"
adm() { curl -s --cacert "$DIR/pki/ca.crt" --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" "$@"; }

# fill WS PREFIX MAX: creates configmaps PREFIX-1.. in WS with kubectl until one is refused
# (or MAX were created); prints how many were created; the refusal is in $E2E_TMP/refused.out.
fill() {
    local ws=$1 prefix=$2 max=$3 n=0
    : >"$E2E_TMP/refused.out"
    while [ "$n" -lt "$max" ]; do
        if ! kubectl --server "$BASE/$ws" create configmap "$prefix-$((n + 1))" \
            --from-literal=k=v >"$E2E_TMP/fill.out" 2>&1; then
            cp "$E2E_TMP/fill.out" "$E2E_TMP/refused.out"
            break
        fi
        n=$((n + 1))
    done
    echo "$n"
}

ws_create() { # name type [quota-json]
    local q=""
    [ -n "${3:-}" ] && q=",\"quota\":$3"
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"},"spec":{"type":{"name":"%s"}%s}}\n' \
        "$1" "$2" "$q" | kubectl create -f -
}

# ---- a type's default quota ----
printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"WorkspaceType","metadata":{"name":"small"},"spec":{"defaultQuota":{"maxObjects":%d}}}\n' \
    "$SMALL" >"$E2E_TMP/small.json"
check "create a WorkspaceType with spec.defaultQuota.maxObjects=$SMALL" kubectl create -f "$E2E_TMP/small.json"
check "create workspace root:full of that type" ws_create full small
check_out "it is Ready" "^Ready$" kubectl get workspace full -o 'jsonpath={.status.phase}'

n=$(fill root:full cm 50)
check "configmaps fit until the workspace holds $SMALL objects ($n created)" \
    test "$n" -eq $((SMALL - INITIAL))
check_out "the next is refused naming the limit" "exceeded quota: .*at most $SMALL objects" \
    cat "$E2E_TMP/refused.out"
check_out "kubectl create -f reports 403 Forbidden" "Error from server \(Forbidden\).*at most $SMALL objects" \
    sh -c "kubectl --server $BASE/root:full create configmap extra --from-literal=k=v --dry-run=client -o json | kubectl --server $BASE/root:full create -f - 2>&1"
adm -o "$E2E_TMP/status.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"by-curl"}}' \
    "$BASE/root:full/api/v1/namespaces/default/configmaps" >"$E2E_TMP/code"
check "the API answers 403" test "$(cat "$E2E_TMP/code")" = 403
check_out "with a Status of reason Forbidden" '"reason": ?"Forbidden"' cat "$E2E_TMP/status.json"
check_out "whose message names the limit" '"message": ?".*at most 8 objects' cat "$E2E_TMP/status.json"
check_out "the refused configmap was not stored" "NotFound" \
    kubectl --server "$BASE/root:full" get configmap extra
check_out "a namespace counts too" "at most $SMALL objects" kubectl --server "$BASE/root:full" create namespace more
check "reads still work in the full workspace" kubectl --server "$BASE/root:full" get configmaps
check "updates still work at the object limit" \
    kubectl --server "$BASE/root:full" label configmap cm-1 env=test
check "deleting a configmap works" kubectl --server "$BASE/root:full" delete configmap cm-1
check "which makes room for exactly one more" \
    kubectl --server "$BASE/root:full" create configmap again-1 --from-literal=k=v
check_out "and no more" "at most $SMALL objects" \
    kubectl --server "$BASE/root:full" create configmap again-2 --from-literal=k=v

# ---- other workspaces are not affected ----
printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"other"}}\n' |
    kubectl create -f - >/dev/null 2>&1
n=$(fill root:other cm 20)
check "another (universal) workspace still takes 20 configmaps" test "$n" -eq 20
n=$(fill root cm 20)
check "root is unlimited" test "$n" -eq 20

# ---- a Workspace's own quota wins over its type's ----
check "create workspace root:big of type small with spec.quota.maxObjects=12" \
    ws_create big small '{"maxObjects":12}'
n=$(fill root:big cm 50)
check "it takes $((12 - INITIAL)) configmaps ($n)" test "$n" -eq $((12 - INITIAL))
check_out "then refuses naming its own limit" "at most 12 objects" cat "$E2E_TMP/refused.out"
n=$(fill root:full more 5)
check "root:full keeps the type's limit" test "$n" -eq 0

# ---- a byte quota ----
check "create workspace root:bytes with spec.quota.maxBytes=20000" \
    ws_create bytes universal '{"maxBytes":20000}'
head -c 30000 /dev/zero | tr '\0' x >"$E2E_TMP/big.txt"
check_out "a 30 kB configmap is refused naming the byte limit" "exceeded quota: .*at most 20000 bytes" \
    kubectl --server "$BASE/root:bytes" create configmap big --from-file=big.txt="$E2E_TMP/big.txt"
head -c 8000 /dev/zero | tr '\0' y >"$E2E_TMP/mid.txt"
check "an 8 kB one fits" \
    kubectl --server "$BASE/root:bytes" create configmap mid-1 --from-file=mid.txt="$E2E_TMP/mid.txt"
check_out "two more do not" "at most 20000 bytes" sh -c "
    kubectl --server $BASE/root:bytes create configmap mid-2 --from-file=mid.txt=$E2E_TMP/mid.txt 2>&1 &&
    kubectl --server $BASE/root:bytes create configmap mid-3 --from-file=mid.txt=$E2E_TMP/mid.txt 2>&1"

# ---- validation, and a changed quota applies (the cache keeps limits for 10 s at most) ----
check_out "a negative spec.quota.maxObjects is 422" "Invalid.*spec.quota.maxObjects|spec.quota.maxObjects.*Invalid" \
    ws_create bad small '{"maxObjects":-1}'
check_out "a non-integer spec.quota.maxBytes is 422" "Invalid.*spec.quota.maxBytes|spec.quota.maxBytes.*Invalid" \
    ws_create bad small '{"maxBytes":"1Gi"}'
check "raise root:full's quota to 10 with kubectl patch" \
    kubectl patch workspace full --type=merge -p '{"spec":{"quota":{"maxObjects":10}}}'
ok_raise=0
for _ in $(seq 1 30); do
    if kubectl --server "$BASE/root:full" create configmap raised-1 --from-literal=k=v >/dev/null 2>&1; then
        ok_raise=1
        break
    fi
    sleep 0.5
done
check "within the cache's 10 s the workspace takes more" test "$ok_raise" -eq 1
check "one more" kubectl --server "$BASE/root:full" create configmap raised-2 --from-literal=k=v
check_out "and then it is full at the new limit" "at most 10 objects" \
    kubectl --server "$BASE/root:full" create configmap raised-3 --from-literal=k=v
check "deleting a full workspace works" kubectl delete workspace full
check_out "it is gone" "NotFound" kubectl get workspace full
