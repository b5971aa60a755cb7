#!/usr/bin/env bash
# Workspaces end to end: a tree of logical clusters under /clusters/<path>, reachable by path
# and by id, isolated from each other, initialized with namespaces and an admin binding for
# the creator, deleted with everything below them. Real kplane, real kubectl, curl.
#   bash tests/e2e/test_workspaces.sh     or     TEST_FILTER=workspaces tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/ws
PORT=$(free_port)
printf 'tenant-a-token,alice,2001,"tenants"\nbob-token,bob,2002\ncarol-token,carol,2003\n' >"$E2E_TMP/tokens.csv"
if ! start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BASE=https://127.0.0.1:$PORT/clusters
K() { kubectl "$@"; }

ws_json() { # name [type]
    local spec=""
    [ -n "${2:-}" ] && spec=",\"spec\":{\"type\":{\"name\":\"$2\"}}"
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"}%s}\n' \
        "$1" "$spec"
}

# admin client certificate for curl
kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$E2E_TMP/admin.crt"
kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$E2E_TMP/admin.key"
adm() { curl -s --cacert "$DIR/pki/ca.crt" --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" "$@"; }
alice() { curl -s --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer tenant-a-token" "$@"; }

# ---- create, nested, by path and by id ----
ws_json org >"$E2E_TMP/org.json"
check "create a workspace in root" K create -f "$E2E_TMP/org.json"
check_out "it is Ready at once, with its URL" "^org +universal +Ready +https://127.0.0.1:$PORT/clusters/root:org" \
    kubectl get workspaces --no-headers
check_out "it has namespaces default and kube-system" "default.*kube-system|kube-system.*default" \
    sh -c "kubectl --server $BASE/root:org get ns -o name | tr '\n' ' '"
check_out "its creator is bound to cluster-admin" "workspace-admin +ClusterRole/cluster-admin" \
    kubectl --server "$BASE/root:org" get clusterrolebindings -o wide
ID=$(kubectl get workspace org -o jsonpath='{.spec.cluster}')
check "it has a random 16-character logical cluster id" test "${#ID}" -eq 16
check_out "/clusters/<id> reaches the same workspace" "^default" kubectl --server "$BASE/$ID" get ns --no-headers
check_out "its LogicalCluster names its path" '"path": ?"root:org"' \
    kubectl --server "$BASE/$ID" get --raw "/clusters/$ID/apis/tenancy.kplane.io/v1alpha1/logicalclusters/cluster"
ws_json team >"$E2E_TMP/team.json"
check "create a child workspace in root:org" K --server "$BASE/root:org" create -f "$E2E_TMP/team.json"
check_out "root:org:team serves its own namespaces" "^default" kubectl --server "$BASE/root:org:team" get ns --no-headers
check_out "root lists only its own children" "^org$" \
    sh -c "kubectl get workspaces -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'"
check_out "a duplicate name is 409 AlreadyExists" "AlreadyExists" K create -f "$E2E_TMP/org.json"
ws_json bogus nosuchtype >"$E2E_TMP/bogus.json"
check_out "an unknown workspace type is 422 naming it" "nosuchtype" K create -f "$E2E_TMP/bogus.json"
check_out "an invalid workspace name is 422" "Invalid" \
    sh -c "ws_json() { :; }; printf '%s' '{\"apiVersion\":\"tenancy.kplane.io/v1alpha1\",\"kind\":\"Workspace\",\"metadata\":{\"name\":\"Bad_Name\"}}' | kubectl create -f - 2>&1"

# ---- isolation ----
ws_json other >"$E2E_TMP/other.json"
K create -f "$E2E_TMP/other.json" >/dev/null 2>&1
kubectl --server "$BASE/root:org" create configmap secret-plans --from-literal=plan=a >/dev/null 2>&1
check_out "an object created in root:org is there" "secret-plans" kubectl --server "$BASE/root:org" get cm
check_out "root:other does not see it" "No resources found" kubectl --server "$BASE/root:other" get cm
check_out "root does not see it" "No resources found" kubectl get cm
check_out "root:other cannot get it by name (404)" "NotFound" kubectl --server "$BASE/root:other" get cm secret-plans
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/root:nope/api/v1/namespaces")
check "an unknown workspace path is 404" test "$code" = 404
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/zzzzzzzzzzzzzzzz/api/v1/namespaces")
check "an unknown logical cluster id is 404" test "$code" = 404
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/org/api/v1/namespaces")
check "a path not starting at root is refused" test "$code" = 404 -o "$code" = 400
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/root:..:org/api/v1/namespaces")
check "'..' in a workspace path is refused" test "$code" = 400 -o "$code" = 404
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/root%3Aorg/api/v1/namespaces/default/configmaps/secret-plans")
check "an encoded ':' never reaches another workspace's object" test "$code" != 200 -o "$(adm "$BASE/root%3Aorg/api/v1/namespaces/default/configmaps/secret-plans" | grep -c secret-plans)" = 1
code=$(alice -o /dev/null -w '%{http_code}' "$BASE/root:org/api/v1/namespaces/default/configmaps")
check "a token user without rights is refused (403) in root:org" test "$code" = 403
body=$(alice "$BASE/root:org/api/v1/namespaces/default/configmaps/secret-plans")
check "the refusal does not leak the object's data" sh -c "! printf '%s' '$body' | grep -q '\"data\"'"
code=$(curl -s --cacert "$DIR/pki/ca.crt" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$BASE/root:org/api/v1/namespaces")
check "a wrong token is 401" test "$code" = 401

# ---- wildcard reads across every workspace (fleet controllers) ----
kubectl --server "$BASE/root:other" create configmap other-cm --from-literal=a=b >/dev/null 2>&1
check_out "an admin lists configmaps of every workspace via /clusters/*" "secret-plans.*|other-cm" \
    kubectl --server "$BASE/*" get cm -A
check_out "each item names its logical cluster (kplane.io/cluster)" "$ID" \
    kubectl --server "$BASE/*" get cm -A -o jsonpath='{range .items[*]}{.metadata.annotations.kplane\.io/cluster}{" "}{end}'
check_out "paging a wildcard list covers every workspace" "other-cm" kubectl --server "$BASE/*" get cm -A --chunk-size=1
code=$(adm -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$BASE/*/api/v1/namespaces/default/configmaps")
check "a write through /clusters/* is refused (405)" test "$code" = 405
code=$(alice -o /dev/null -w '%{http_code}' "$BASE/*/api/v1/configmaps")
check "a tenant may not read across workspaces (403)" test "$code" = 403

# ---- grants in a parent: access to enter, admin over everything below ----
printf '%s' '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"org-admin"},"rules":[{"apiGroups":["tenancy.kplane.io"],"resources":["workspaces/content"],"verbs":["admin"],"resourceNames":["org"]}]}' |
    kubectl create -f - >/dev/null 2>&1
kubectl create clusterrolebinding bob-org-admin --clusterrole=org-admin --user=bob >/dev/null 2>&1
printf '%s' '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"org-enter"},"rules":[{"apiGroups":["tenancy.kplane.io"],"resources":["workspaces/content"],"verbs":["access"],"resourceNames":["org"]}]}' |
    kubectl create -f - >/dev/null 2>&1
kubectl create clusterrolebinding carol-org-enter --clusterrole=org-enter --user=carol >/dev/null 2>&1
TK() { kubectl --kubeconfig=/dev/null --certificate-authority="$DIR/pki/ca.crt" "$@"; }
check_out "admin on workspaces/content in root administers root:org" "secret-plans" \
    TK --token=bob-token --server "$BASE/root:org" -n default get cm
check_out "and every workspace below it (root:org:team)" "^default" TK --token=bob-token --server "$BASE/root:org:team" get ns --no-headers
check_out "but not a sibling (root:other)" "cannot access workspace" TK --token=bob-token --server "$BASE/root:other" get ns
check_out "access on workspaces/content lets carol enter root:org, where RBAC still decides" 'User "carol" cannot list resource "configmaps"' \
    TK --token=carol-token --server "$BASE/root:org" -n default get cm
check_out "access does not reach below the child" "cannot access workspace" TK --token=carol-token --server "$BASE/root:org:team" get ns

# ---- tokens and versions from one workspace used in another ----
for i in 1 2 3; do kubectl --server "$BASE/root:org" create configmap "page-$i" --from-literal=a=b >/dev/null 2>&1; done
CONT=$(adm "$BASE/root:org/api/v1/namespaces/default/configmaps?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["continue"])')
adm "$BASE/root:other/api/v1/namespaces/default/configmaps?limit=50&continue=$CONT" >"$E2E_TMP/xcont"
check_out "a continue token of root:org used in root:other lists only root:other" '"items":\[' cat "$E2E_TMP/xcont"
check "and never shows root:org's objects" sh -c "! grep -q 'secret-plans\|page-' '$E2E_TMP/xcont'"
RV=$(adm "$BASE/root:org/api/v1/namespaces/default/configmaps" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
adm -N "$BASE/root:other/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$((RV - 3))&timeoutSeconds=3" >"$E2E_TMP/xwatch" 2>/dev/null &
XW=$!
sleep 0.5
kubectl --server "$BASE/root:org" create configmap during-watch --from-literal=a=b >/dev/null 2>&1
wait "$XW"
check "a watch in root:other resumed from root:org's resourceVersion gets none of root:org's events" \
    sh -c "! grep -q 'secret-plans\|page-\|during-watch' '$E2E_TMP/xwatch'"

# ---- RBAC inside a workspace ----
printf '%s' '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"ws-access"},"rules":[{"verbs":["access"],"nonResourceURLs":["/"]}]}' |
    kubectl --server "$BASE/root:org" create -f - >/dev/null 2>&1
kubectl --server "$BASE/root:org" create clusterrolebinding alice-access --clusterrole=ws-access --user=alice >/dev/null 2>&1
kubectl --server "$BASE/root:org" -n default create role cm-reader --verb=get,list --resource=configmaps >/dev/null 2>&1
kubectl --server "$BASE/root:org" -n default create rolebinding alice-cm --role=cm-reader --user=alice >/dev/null 2>&1
AK() { kubectl --kubeconfig=/dev/null --certificate-authority="$DIR/pki/ca.crt" --token=tenant-a-token "$@"; }
check_out "with access and a RoleBinding, alice lists configmaps in root:org" "secret-plans" \
    AK --server "$BASE/root:org" -n default get cm
check_out "but not in another namespace (RBAC message)" 'User "alice" cannot list resource "configmaps" in API group "" in the namespace "kube-system"' \
    AK --server "$BASE/root:org" -n kube-system get cm
check_out "nor create there" "cannot create resource" AK --server "$BASE/root:org" -n default create cm nope --from-literal=a=b
check_out "kubectl auth can-i answers from RBAC (yes)" "^yes" AK --server "$BASE/root:org" -n default auth can-i list configmaps
check_out "kubectl auth can-i answers from RBAC (no)" "^no" AK --server "$BASE/root:org" -n default auth can-i delete configmaps
check_out "kubectl auth whoami shows the token's user and groups" "alice" AK --server "$BASE/root:org" auth whoami
check_out "the same user may not enter root:other" "cannot access workspace" AK --server "$BASE/root:other" -n default get cm
kubectl --server "$BASE/root:org" delete rolebinding alice-cm -n default >/dev/null 2>&1
check_out "removing the binding takes effect at once" "cannot list resource" AK --server "$BASE/root:org" -n default get cm

# ---- ServiceAccount tokens: bound to their workspace and their ServiceAccount ----
kubectl --server "$BASE/root:org" create serviceaccount bot >/dev/null 2>&1
for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    T=$("$k" --server "$BASE/root:org" create token bot --duration=1h 2>"$E2E_TMP/tok.err")
    check "kubectl ${v#*/} create token issues a JWT" sh -c "printf '%s' '$T' | grep -qE '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'"
done
T=$(kubectl --server "$BASE/root:org" create token bot)
kubectl --server "$BASE/root:org" create clusterrolebinding bot-admin --clusterrole=cluster-admin --serviceaccount=default:bot >/dev/null 2>&1
BK() { kubectl --kubeconfig=/dev/null --certificate-authority="$DIR/pki/ca.crt" "$@"; }
check_out "the token works in its workspace" "^default" BK --token="$T" --server "$BASE/root:org" get ns --no-headers
check_out "as system:serviceaccount:default:bot" "system:serviceaccount:default:bot" BK --token="$T" --server "$BASE/root:org" auth whoami
check_out "the same token is refused in another workspace (401)" "Unauthorized|provide credentials" BK --token="$T" --server "$BASE/root:other" get ns
TAMPERED=$(printf '%s' "$T" | sed 's/\.\([A-Za-z0-9_-]\)/.A\1/')
check_out "a tampered token is 401" "Unauthorized|provide credentials" BK --token="$TAMPERED" --server "$BASE/root:org" get ns
check "no token reaches the log" sh -c "! grep -q '$T' '$DIR.log'"
kubectl --server "$BASE/root:org" delete serviceaccount bot >/dev/null 2>&1
check_out "deleting the ServiceAccount revokes its tokens" "Unauthorized|provide credentials" BK --token="$T" --server "$BASE/root:org" get ns

# ---- deletion ----
kubectl --server "$BASE/root:org:team" create configmap c1 --from-literal=a=b >/dev/null 2>&1
check "delete root:org" kubectl delete workspace org
check_out "root:org is gone (404)" "not found|NotFound|could not find" kubectl --server "$BASE/root:org" get ns
check_out "its child root:org:team is gone too" "not found|NotFound|could not find" kubectl --server "$BASE/root:org:team" get ns
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/$ID/api/v1/namespaces")
check "its logical cluster id no longer resolves" test "$code" = 404
check_out "root:other is untouched" "^default" kubectl --server "$BASE/root:other" get ns --no-headers
check "a new workspace may reuse the name" K create -f "$E2E_TMP/org.json"
check_out "and starts empty" "No resources found" kubectl --server "$BASE/root:org" get cm
NEWID=$(kubectl get workspace org -o jsonpath='{.spec.cluster}')
check "with a new logical cluster id" test "$NEWID" != "$ID"
