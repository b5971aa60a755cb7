#!/usr/bin/env bash
# Syncing to downstream clusters, end to end: one kplane (upstream) and three downstream
# clusters in different regions (kplane cluster-sim when this build has it, else plain kplane
# servers), registered as Cluster objects with kubeconfig Secrets. Two tenant workspaces label
# Deployments, Services and ConfigMaps for clusters; the objects land downstream in a
# kplane-<hash> namespace per (workspace, namespace) with a locator annotation; status comes
# back up (summed over clusters); heartbeats; a cluster stopped and started again converges;
# a hand edit downstream is restored with an Event; kplane restarts without re-pushing; Pull
# mode through `kplane syncer`; unlabel and delete clean up downstream and free the finalizer.
#   bash tests/e2e/test_sync.sh    or    TEST_FILTER=sync tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

KUBECTL=$(kubectl_versions | tail -1)
K() { "$KUBECTL" "$@"; }

# wait_until SECONDS cmd...: retries cmd every 0.2 s; fails after SECONDS.
wait_until() {
    local n=$(($1 * 5))
    shift
    for _ in $(seq 1 "$n"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
# eventually "description" SECONDS cmd...: ok when cmd succeeds within SECONDS.
eventually() {
    local d=$1 t=$2
    shift 2
    if wait_until "$t" "$@"; then ok "$d"; else
        not_ok "$d"
        "$@" 2>&1 | sed 's/^/#   /' | head -10
    fi
}

SIM=0
if "$KPLANE_BIN" cluster-sim --help >/dev/null 2>&1; then SIM=1; fi

# start_down NAME PORT REGION: a downstream cluster; its kubeconfig is $E2E_TMP/NAME/admin.kubeconfig.
declare -A DPID DPORT DREGION
start_down() {
    local n=$1 p=$2 r=$3 dir=$E2E_TMP/$1
    DPORT[$n]=$p
    DREGION[$n]=$r
    if [ $SIM = 1 ]; then
        "$KPLANE_BIN" cluster-sim --data-dir "$dir" --listen "127.0.0.1:$p" --nodes 3 \
            --region "$r" >>"$dir.log" 2>&1 &
        KP_PID=$!
        E2E_PIDS+=("$KP_PID")
        wait_ready "$dir" "$p" || return 1
    else
        start_kplane "$dir" "$p" --enable-syncer=false || return 1
    fi
    DPID[$n]=$KP_PID
}
D() { # D NAME kubectl-args...: kubectl against a downstream cluster
    local n=$1
    shift
    KUBECONFIG=$E2E_TMP/$n/admin.kubeconfig "$KUBECTL" "$@"
}

UP=$E2E_TMP/up
UPORT=$(free_port)
UPFLAGS=(--sync-heartbeat-interval 1s --sync-heartbeat-timeout 3s)
if ! start_kplane "$UP" "$UPORT" "${UPFLAGS[@]}"; then
    not_ok "kplane starts"
    exit 1
fi
UPID=$KP_PID
export KUBECONFIG=$UP/admin.kubeconfig
BASE=https://127.0.0.1:$UPORT/clusters
for n in d1:eu-west-1 d2:us-east-1 d3:ap-south-1 p1:eu-central-1; do
    start_down "${n%%:*}" "$(free_port)" "${n#*:}" || { not_ok "downstream ${n%%:*} starts"; exit 1; }
done
ok "one kplane and four downstream clusters run ($([ $SIM = 1 ] && echo cluster-sim || echo kplane serve))"
# Does the simulation run Deployments (pods, status)? Else the test reports status by hand.
SIMPODS=0
if [ $SIM = 1 ]; then
    D d3 create deployment probe --image=nginx >/dev/null 2>&1
    wait_until 10 sh -c "[ \"\$(KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL get deploy probe -o jsonpath='{.status.availableReplicas}')\" = 1 ]" && SIMPODS=1
    D d3 delete deployment probe >/dev/null 2>&1
fi
diag <(echo "cluster-sim: $SIM, simulated workloads: $SIMPODS")

# ---- the Cluster API ----
cluster_yaml() { # name mode region
    printf 'apiVersion: fleet.kplane.io/v1alpha1\nkind: Cluster\nmetadata: {name: %s}\nspec:\n  syncMode: %s\n  region: %s\n  provider: kind\n  zones: [%sa, %sb]\n' \
        "$1" "$2" "$3" "$3" "$3"
    [ "$2" = Push ] && printf '  kubeconfigSecretRef: {namespace: fleet, name: %s-kubeconfig}\n' "$1"
    return 0
}
printf 'apiVersion: fleet.kplane.io/v1alpha1\nkind: Cluster\nmetadata: {name: bad}\nspec: {syncMode: Sideways, resources: [pods], taints: [{key: x, effect: Sometimes}]}\n' >"$E2E_TMP/bad.yaml"
run bad K apply -f "$E2E_TMP/bad.yaml"
if [ $RC -ne 0 ] && grep -q 'spec.syncMode: Unsupported value: "Sideways"' "$E2E_TMP/bad.out" &&
    grep -q 'spec.resources\[0\]: Unsupported value: "pods"' "$E2E_TMP/bad.out" &&
    grep -q 'spec.taints\[0\].effect' "$E2E_TMP/bad.out"; then
    ok "an invalid Cluster is 422 naming each bad field"
else
    not_ok "an invalid Cluster is 422 naming each bad field"
    diag "$E2E_TMP/bad.out"
fi
printf 'apiVersion: fleet.kplane.io/v1alpha1\nkind: Cluster\nmetadata: {name: nosecret}\nspec: {region: x}\n' >"$E2E_TMP/nosecret.yaml"
run nosecret K apply -f "$E2E_TMP/nosecret.yaml"
if [ $RC -ne 0 ] && grep -q 'spec.kubeconfigSecretRef: Required value' "$E2E_TMP/nosecret.out"; then
    ok "a Push Cluster without kubeconfigSecretRef is refused"
else
    not_ok "a Push Cluster without kubeconfigSecretRef is refused"
    diag "$E2E_TMP/nosecret.out"
fi
check_out "nothing was stored" "No resources found|^$" K get clusters

K create namespace fleet >/dev/null
for n in d1 d2 d3; do
    K -n fleet create secret generic "$n-kubeconfig" --from-file=kubeconfig="$E2E_TMP/$n/admin.kubeconfig" >/dev/null
    cluster_yaml "$n" Push "${DREGION[$n]}" | K apply -f - >/dev/null
done
cluster_yaml p1 Pull "${DREGION[p1]}" | K apply -f - >/dev/null
check_out "Clusters list with mode and region" "d1 +Push +eu-west-1" K get clusters
check_out "spec.resources gets the default set" "deployments.*services.*configmaps.*secrets" \
    K get cluster d1 -o jsonpath='{.spec.resources}'

ready() { [ "$(K get cluster "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "$2" ]; }
eventually "every Push cluster is Ready from its heartbeat" 20 sh -c \
    "for n in d1 d2 d3; do [ \"\$($KUBECTL get cluster \$n -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ] || exit 1; done"
check_out "the heartbeat records the version and time" "^v1\.[0-9]+.* [0-9]{4}-[0-9]{2}-[0-9]{2}T" \
    K get cluster d1 -o jsonpath='{.status.kubernetesVersion} {.status.lastHeartbeatTime}'
if [ $SIM = 1 ]; then
    check_out "status.allocatable sums the nodes" '"cpu"' K get cluster d1 -o jsonpath='{.status.allocatable}'
fi

# ---- two tenants ----
for t in team-a team-b; do
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"}}\n' "$t" | K create -f - >/dev/null
done
wait_until 20 K --server "$BASE/root:team-b" get ns default
TA=(--server "$BASE/root:team-a")
TB=(--server "$BASE/root:team-b")
for t in TA TB; do
    declare -n S=$t
    K "${S[@]}" create namespace shop >/dev/null
    K "${S[@]}" -n shop create configmap env-cm --from-literal=MODE=prod >/dev/null
    K "${S[@]}" -n shop create configmap settings --from-literal=color=blue >/dev/null
    cat <<EOF | K "${S[@]}" apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, state.sync.kplane.io/d1: Sync, state.sync.kplane.io/d2: Sync}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        envFrom: [{configMapRef: {name: env-cm}}]
        resources: {requests: {cpu: 10m, memory: 16Mi}}
EOF
    K "${S[@]}" -n shop create service clusterip web --tcp=80:80 >/dev/null
    K "${S[@]}" -n shop label service web state.sync.kplane.io/d1=Sync >/dev/null
    K "${S[@]}" -n shop label configmap settings state.sync.kplane.io/d1=Sync >/dev/null
    unset -n S
done

nsof() { # downstream namespace of (workspace path, namespace) on cluster $1
    D "$1" get ns -o json | python3 -c '
import json, sys
for n in json.load(sys.stdin)["items"]:
    loc = (n["metadata"].get("annotations") or {}).get("sync.kplane.io/namespace-locator")
    if loc and json.loads(loc)["workspace"] == sys.argv[1] and json.loads(loc)["namespace"] == sys.argv[2]:
        print(n["metadata"]["name"])' "$2" "$3"
}
eventually "team-a's Deployment, Service and ConfigMap reach d1" 20 sh -c \
    "[ -n \"\$(KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL get deploy,svc,cm -A -o name 2>/dev/null | grep -c settings)\" ] && KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL get deploy -A 2>/dev/null | grep -c web | grep -q 2"
NSA=$(nsof d1 root:team-a shop)
NSB=$(nsof d1 root:team-b shop)
check "each tenant has its own kplane-<hash> namespace downstream" \
    bash -c "[[ '$NSA' =~ ^kplane-[a-z0-9]+$ && '$NSB' =~ ^kplane-[a-z0-9]+$ && '$NSA' != '$NSB' ]]"
check_out "the namespace locator names workspace, logical cluster and namespace" \
    '"workspace":"root:team-a".*"logicalCluster":"[a-z0-9]{16}".*"namespace":"shop"' \
    D d1 get ns "$NSA" -o jsonpath='{.metadata.annotations.sync\.kplane\.io/namespace-locator}'
check_out "Deployment, Service and ConfigMap are in team-a's namespace on d1" \
    "deployment.apps/web.*service/web.*configmap/settings|deployment.apps/web" \
    sh -c "KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get deploy/web svc/web cm/settings -o name | tr '\n' ' '"
check_out "the ConfigMap the pod template names went along" "MODE.*prod" \
    D d1 -n "$NSA" get cm env-cm -o jsonpath='{.data}'
check_out "downstream carries no upstream uid, owner or finalizer, and keeps the sync labels" \
    "^[^ ]* none none .*state.sync.kplane.io/d1" \
    sh -c "KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get deploy web -o go-template='{{.metadata.uid}} {{or .metadata.ownerReferences \"none\"}} {{or .metadata.finalizers \"none\"}} {{.metadata.labels}}'"
check_out "it was applied server-side by kplane-syncer" "kplane-syncer.*Apply|Apply.*kplane-syncer" \
    D d1 -n "$NSA" get deploy web -o jsonpath='{.metadata.managedFields}'
eventually "d2 got only the Deployment (labelled for d1 and d2)" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL get deploy,svc -A -o name | grep -q deployment.apps/web && ! KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL get svc -A -o name | grep -q web && ! KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL get cm -A -o name | grep -q settings"
check_out "d3 got nothing (nothing is labelled for it)" "^0$" \
    sh -c "KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL get deploy -A --no-headers 2>/dev/null | wc -l"
check_out "the upstream object holds the syncer's finalizer" "sync.kplane.io/syncer" \
    K "${TA[@]}" -n shop get deploy web -o jsonpath='{.metadata.finalizers}'

# ---- status up ----
NSA2=$(nsof d2 root:team-a shop)
if [ $SIMPODS = 0 ]; then # no controllers downstream: report what a cluster's would
    st='{"status":{"observedGeneration":1,"replicas":2,"readyReplicas":2,"availableReplicas":2,"updatedReplicas":2,"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]}}'
    D d1 -n "$NSA" patch deploy web --subresource=status --type=merge -p "$st" >/dev/null
    D d2 -n "$NSA2" patch deploy web --subresource=status --type=merge -p "$st" >/dev/null
else
    eventually "pods run downstream" 30 sh -c \
        "KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get pods --no-headers | grep -c Running | grep -q 2"
fi
eventually "upstream status.availableReplicas sums both clusters (2 + 2)" 30 sh -c \
    "[ \"\$($KUBECTL --server $BASE/root:team-a -n shop get deploy web -o jsonpath='{.status.availableReplicas}')\" = 4 ]"
check_out "the Available condition is True (True in every cluster)" "True" \
    K "${TA[@]}" -n shop get deploy web -o jsonpath='{.status.conditions[?(@.type=="Available")].status}'
check_out "each cluster's own status is in sync.kplane.io/status-<cluster>" \
    '"availableReplicas":2' \
    K "${TA[@]}" -n shop get deploy web -o jsonpath='{.metadata.annotations.sync\.kplane\.io/status-d2}'
if [ $SIMPODS = 0 ]; then
    D d2 -n "$NSA2" patch deploy web --subresource=status --type=merge -p \
        '{"status":{"availableReplicas":1,"conditions":[{"type":"Available","status":"False"},{"type":"Progressing","status":"True"}]}}' >/dev/null
    eventually "a condition False in one cluster is False upstream" 20 sh -c \
        "[ \"\$($KUBECTL --server $BASE/root:team-a -n shop get deploy web -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status} {.status.availableReplicas}')\" = 'False 3' ]"
fi
# one cluster: its status as is
cat <<EOF | K "${TB[@]}" apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: solo, namespace: shop, labels: {app: solo, state.sync.kplane.io/d3: Sync}}
spec:
  replicas: 1
  selector: {matchLabels: {app: solo}}
  template:
    metadata: {labels: {app: solo}}
    spec: {containers: [{name: c, image: nginx}]}
EOF
eventually "a Deployment labelled for d3 only reaches d3" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL get deploy -A -o name | grep -q solo"
if [ $SIMPODS = 0 ]; then
    D d3 -n "$(nsof d3 root:team-b shop)" patch deploy solo --subresource=status --type=merge \
        -p '{"status":{"replicas":1,"availableReplicas":1,"readyReplicas":1}}' >/dev/null
fi
eventually "with one cluster the status comes up as is" 30 sh -c \
    "[ \"\$($KUBECTL --server $BASE/root:team-b -n shop get deploy solo -o jsonpath='{.status.availableReplicas}/{.status.readyReplicas}')\" = 1/1 ]"

# ---- a hand edit downstream is restored ----
D d1 -n "$NSA" scale deploy web --replicas=7 >/dev/null
eventually "a downstream scale by hand is undone" 20 sh -c \
    "[ \"\$(KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get deploy web -o jsonpath='{.spec.replicas}')\" = 2 ]"
D d1 -n "$NSA" delete cm settings >/dev/null
eventually "a downstream delete by hand is undone" 20 D d1 -n "$NSA" get cm settings
check_out "an Event upstream tells the tenant" "DownstreamDriftRestored.*Deployment shop/web .*cluster d1" \
    K "${TA[@]}" -n shop get events

# ---- a cluster goes away and comes back ----
stop_pid "${DPID[d2]}" TERM
K "${TA[@]}" -n shop scale deploy web --replicas=3 >/dev/null
K "${TA[@]}" -n shop create configmap later --from-literal=k=v >/dev/null
K "${TA[@]}" -n shop label configmap later state.sync.kplane.io/d2=Sync >/dev/null
eventually "a stopped cluster turns Ready=False (HeartbeatMissed)" 20 sh -c \
    "$KUBECTL get cluster d2 -o jsonpath='{.status.conditions[0].reason}' | grep -q HeartbeatMissed"
check "the other clusters stay Ready" ready d1 True
if [ $SIM = 1 ]; then
    "$KPLANE_BIN" cluster-sim --data-dir "$E2E_TMP/d2" --listen "127.0.0.1:${DPORT[d2]}" --nodes 3 \
        --region us-east-1 >>"$E2E_TMP/d2.log" 2>&1 &
    KP_PID=$!
    E2E_PIDS+=("$KP_PID")
    wait_ready "$E2E_TMP/d2" "${DPORT[d2]}"
else
    start_kplane "$E2E_TMP/d2" "${DPORT[d2]}" --enable-syncer=false
fi
DPID[d2]=$KP_PID
eventually "started again on its port and data, it converges: new replicas" 30 sh -c \
    "[ \"\$(KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL -n $NSA2 get deploy web -o jsonpath='{.spec.replicas}')\" = 3 ]"
eventually "and the ConfigMap labelled meanwhile" 20 D d2 -n "$NSA2" get cm later
eventually "and it is Ready again" 20 ready d2 True
check_out "no duplicates downstream" "^1$" \
    sh -c "KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL -n $NSA2 get deploy --no-headers | grep -c '^web '"

# ---- kplane restarts: resync from lists, no blind re-push ----
RV1=$(D d1 -n "$NSA" get deploy web -o jsonpath='{.metadata.resourceVersion}')
stop_pid "$UPID" TERM
start_kplane "$UP" "$UPORT" "${UPFLAGS[@]}" || not_ok "kplane starts again"
UPID=$KP_PID
K "${TA[@]}" -n shop label configmap env-cm state.sync.kplane.io/d3=Sync >/dev/null
eventually "after a restart new work syncs" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL get cm -A -o name | grep -q env-cm"
check_out "and what was in sync was not pushed again (same resourceVersion)" "^$RV1$" \
    D d1 -n "$NSA" get deploy web -o jsonpath='{.metadata.resourceVersion}'

# ---- a Cluster serves its workspace tree only ----
K "${TA[@]}" create namespace fleet >/dev/null
K "${TA[@]}" -n fleet create secret generic local-kc --from-file=kubeconfig="$E2E_TMP/d3/admin.kubeconfig" >/dev/null
printf 'apiVersion: fleet.kplane.io/v1alpha1\nkind: Cluster\nmetadata: {name: local}\nspec: {kubeconfigSecretRef: {namespace: fleet, name: local-kc}}\n' |
    K "${TA[@]}" apply -f - >/dev/null
K "${TA[@]}" -n shop label configmap settings state.sync.kplane.io/local=Sync >/dev/null
K "${TB[@]}" -n shop label configmap settings state.sync.kplane.io/local=Sync >/dev/null
eventually "a Cluster in root:team-a syncs team-a's objects" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL -n $(nsof d3 root:team-a shop) get cm settings"
sleep 1
check_out "but not team-b's (not below its workspace)" "^1$" sh -c \
    "KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL get cm -A --no-headers | grep -c ' settings '"

# ---- Pull mode ----
"$KPLANE_BIN" syncer --upstream-kubeconfig "$UP/admin.kubeconfig" --cluster p1 \
    --downstream-kubeconfig "$E2E_TMP/p1/admin.kubeconfig" --sync-heartbeat-interval 1s \
    >>"$E2E_TMP/pull.log" 2>&1 &
PULL=$!
E2E_PIDS+=("$PULL")
K "${TB[@]}" -n shop label deploy web state.sync.kplane.io/p1=Sync >/dev/null
eventually "kplane syncer (Pull) brings a labelled Deployment to its cluster" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/p1/admin.kubeconfig $KUBECTL get deploy -A -o name | grep -q web"
eventually "its heartbeat makes the Pull Cluster Ready" 20 ready p1 True
check_out "in the tenant's own namespace on that cluster" "^1$" \
    sh -c "KUBECONFIG=$E2E_TMP/p1/admin.kubeconfig $KUBECTL get deploy -A --no-headers | grep -c '$(nsof p1 root:team-b shop) '"
K "${TB[@]}" -n shop label deploy web state.sync.kplane.io/p1- >/dev/null
eventually "unlabelled, it goes from the Pull cluster" 20 sh -c \
    "! KUBECONFIG=$E2E_TMP/p1/admin.kubeconfig $KUBECTL get deploy -A -o name | grep -q web"
stop_pid "$PULL" TERM
check "kplane syncer stops cleanly on SIGTERM" test $? -eq 0
eventually "without its syncer the Pull Cluster turns Ready=False" 20 ready p1 False

# ---- unlabel and delete ----
K "${TA[@]}" -n shop label configmap settings state.sync.kplane.io/d1- >/dev/null
eventually "an unlabelled ConfigMap is deleted downstream" 20 sh -c "! KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get cm settings"
eventually "its status-d1 mark goes, the finalizer stays for the other cluster" 20 sh -c \
    "$KUBECTL --server $BASE/root:team-a -n shop get cm settings -o jsonpath='{.metadata.annotations} {.metadata.finalizers}' | grep -v status-d1 | grep -q sync.kplane.io/syncer"
K "${TA[@]}" -n shop label configmap settings state.sync.kplane.io/local- >/dev/null
eventually "unlabelled everywhere, the finalizer is gone" 20 sh -c \
    "[ -z \"\$($KUBECTL --server $BASE/root:team-a -n shop get cm settings -o jsonpath='{.metadata.finalizers}')\" ]"
run del K "${TA[@]}" -n shop delete deploy web --timeout=30s
expect "deleting a synced Deployment completes" del "deleted"
eventually "it is gone from d1 and d2" 20 sh -c \
    "! KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get deploy web && ! KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL -n $NSA2 get deploy web"
eventually "the ConfigMap that went along with it goes too (d1 and d2)" 20 sh -c \
    "! KUBECONFIG=$E2E_TMP/d1/admin.kubeconfig $KUBECTL -n $NSA get cm env-cm && ! KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL -n $NSA2 get cm env-cm"
check_out "and from kplane" "NotFound" K "${TA[@]}" -n shop get deploy web
check_out "team-b's copy on d1 stays" "web" D d1 -n "$NSB" get deploy web -o name

# ---- a Cluster deleted releases what it held ----
K "${TA[@]}" -n shop label configmap env-cm state.sync.kplane.io/local=Sync >/dev/null
eventually "env-cm carries the marks of d3 and local" 20 sh -c \
    "$KUBECTL --server $BASE/root:team-a -n shop get cm env-cm -o jsonpath='{.metadata.annotations}' | grep status-local | grep -q status-d3"
K "${TA[@]}" delete cluster local >/dev/null
eventually "deleting Cluster local removes its mark from the objects labelled for it" 20 sh -c \
    "! $KUBECTL --server $BASE/root:team-a -n shop get cm env-cm -o jsonpath='{.metadata.annotations}' | grep -q status-local"
run delcm K "${TA[@]}" -n shop delete cm env-cm --timeout=30s
expect "an object labelled for a deleted Cluster can be deleted" delcm "deleted"
eventually "and goes from the remaining cluster (d3)" 20 sh -c \
    "! KUBECONFIG=$E2E_TMP/d3/admin.kubeconfig $KUBECTL get cm -A -o name | grep -q env-cm"

# ---- a rotated kubeconfig Secret takes effect ----
K -n fleet create secret generic rot-kubeconfig --from-file=kubeconfig="$E2E_TMP/p1/admin.kubeconfig" >/dev/null
K "${TB[@]}" -n shop label deploy solo state.sync.kplane.io/rot=Sync >/dev/null
cluster_yaml rot Push eu-north-1 | K apply -f - >/dev/null
eventually "a Cluster registered after the label syncs what was labelled before (to p1)" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/p1/admin.kubeconfig $KUBECTL get deploy -A -o name | grep -q solo"
K -n fleet create secret generic rot-kubeconfig --from-file=kubeconfig="$E2E_TMP/d2/admin.kubeconfig" \
    --dry-run=client -o yaml | K apply -f - >/dev/null 2>&1
eventually "after the Secret changes, it syncs to the new cluster (d2)" 20 sh -c \
    "KUBECONFIG=$E2E_TMP/d2/admin.kubeconfig $KUBECTL get deploy -A -o name | grep -q solo"

check_out "no kubeconfig content in kplane's log" "^0$" sh -c \
    "grep -c -e 'BEGIN' -e 'client-key-data' '$UP.log'"
