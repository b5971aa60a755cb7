#!/usr/bin/env bash
# kplane cluster-sim, end to end with the real kubectl: a plain cluster API (kubeconfig without
# /clusters/, no workspace API) with simulated nodes.
#   bash tests/e2e/test_cluster_sim.sh    or    TEST_FILTER=cluster_sim tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

KUBECTL=$(kubectl_versions | tail -1)
DIR=$E2E_TMP/sim
PORT=$(free_port)

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
k() { "$KUBECTL" "$@"; }

# ---- flags -----------------------------------------------------------------------------------
run help "$KPLANE_BIN" cluster-sim --help
expect "cluster-sim --help lists its flags" help -- "--nodes N" -- "--region R" -- "--pod-start-delay"
run badflag "$KPLANE_BIN" cluster-sim --nodes many
if [ "$RC" -eq 2 ] && grep -q -- '--nodes' "$E2E_TMP/badflag.out"; then ok "a bad --nodes is refused"; else
    not_ok "a bad --nodes is refused (exit $RC)"
    diag "$E2E_TMP/badflag.out"
fi

# ---- a plain cluster with nodes ----------------------------------------------------------------
if start_cluster_sim "$DIR" "$PORT" --nodes 4 --region eu-west-1 --zones eu-west-1a,eu-west-1b \
    --provider aws --node-prefix euw; then ok "cluster-sim starts"; else
    not_ok "cluster-sim starts"
    diag "$DIR.log"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
run server k config view -o 'jsonpath={.clusters[0].cluster.server}'
expect_eq "the kubeconfig's server has no /clusters/" server "https://127.0.0.1:$PORT"

for kc in $(kubectl_versions); do
    v=$(basename "$kc")
    run "nodes-$v" "$kc" get nodes
    expect "$v: get nodes prints STATUS ROLES AGE VERSION" "nodes-$v" \
        '^NAME +STATUS +ROLES +AGE +VERSION$' '^euw-node-0 +Ready +<none> +[0-9]+s +v1\.' \
        '^euw-node-3 +Ready '
done
run nodes-n sh -c "$KUBECTL get no -o name | wc -l"
expect_eq "--nodes 4 makes 4 nodes" nodes-n 4
run labels k get node euw-node-1 -o 'jsonpath={.metadata.labels}'
expect "a node has hostname, region, zone and instance-type labels" labels \
    '"kubernetes.io/hostname":"euw-node-1"' '"topology.kubernetes.io/region":"eu-west-1"' \
    '"topology.kubernetes.io/zone":"eu-west-1b"' '"node.kubernetes.io/instance-type":'
run byregion k get nodes -l topology.kubernetes.io/region=eu-west-1 -o name
expect "nodes select by region label" byregion '^node/euw-node-0$' '^node/euw-node-3$'
run zonea sh -c "$KUBECTL get nodes -l topology.kubernetes.io/zone=eu-west-1a -o name | wc -l"
expect_eq "zones are assigned round robin" zonea 2
run status k get node euw-node-2 -o \
    'jsonpath={.spec.providerID} {.status.capacity.cpu} {.status.allocatable.memory} {.status.allocatable.pods} {.status.conditions[?(@.type=="Ready")].status} {.status.nodeInfo.kubeletVersion}'
expect "a node has providerID, capacity, allocatable, Ready and a kubelet version" status \
    '^aws://eu-west-1/eu-west-1a/euw-node-2 8 32Gi 110 True v1\.'
run wide k get nodes -o wide
expect "get nodes -o wide adds OS-IMAGE" wide 'OS-IMAGE' 'kplane cluster-sim'
run short k get no euw-node-0 -o name
expect "short name no" short '^node/euw-node-0$'

# ---- no workspace API ------------------------------------------------------------------------
run apires k api-resources
if [ "$RC" -eq 0 ] && ! grep -q tenancy.kplane.io "$E2E_TMP/apires.out" &&
    grep -qE '^nodes +no +v1 +false +Node' "$E2E_TMP/apires.out"; then
    ok "discovery lists nodes and not the workspace API"
else
    not_ok "discovery lists nodes and not the workspace API"
    diag "$E2E_TMP/apires.out"
fi
run ws k get --raw /apis/tenancy.kplane.io/v1alpha1/workspaces
if [ "$RC" -ne 0 ] && grep -q NotFound "$E2E_TMP/ws.out"; then ok "the workspace API is 404"; else
    not_ok "the workspace API is 404 (exit $RC)"
    diag "$E2E_TMP/ws.out"
fi
run wsdisc k get --raw /apis/tenancy.kplane.io/v1alpha1
if [ "$RC" -ne 0 ]; then ok "the workspace API group has no discovery document"; else
    not_ok "the workspace API group has no discovery document"
    diag "$E2E_TMP/wsdisc.out"
fi

# ---- restart keeps the nodes, no duplicates ----------------------------------------------------
stop_pid "$KP_PID"
if start_cluster_sim "$DIR" "$PORT" --nodes 4 --region eu-west-1 --zones eu-west-1a,eu-west-1b \
    --provider aws --node-prefix euw; then ok "cluster-sim restarts on its data dir"; else
    not_ok "cluster-sim restarts on its data dir"
    diag "$DIR.log"
fi
run nodes-again sh -c "$KUBECTL get no -o name | wc -l"
expect_eq "after a restart the nodes are still 4" nodes-again 4
