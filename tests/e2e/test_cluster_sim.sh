#!/usr/bin/env bash
# kplane cluster-sim, end to end with the real kubectl: a plain cluster API (kubeconfig without
# /clusters/, no workspace API) with simulated nodes, and the simulation: Deployments roll out
# (ReplicaSets, pods scheduled and Running), scale, update and go; pods that fit no node stay
# Pending; Services get endpoints; Jobs complete; StatefulSets and DaemonSets make their pods;
# a restart picks up where the last run stopped.
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

# kubectl's node verbs: roles from node-role labels, cordon -> SchedulingDisabled
k label node euw-node-0 node-role.kubernetes.io/control-plane= >/dev/null
run cordon k cordon euw-node-0
expect "kubectl cordon" cordon 'cordoned'
run roles k get node euw-node-0 --no-headers
expect "a cordoned control-plane node: Ready,SchedulingDisabled, ROLES control-plane" roles \
    '^euw-node-0 +Ready,SchedulingDisabled +control-plane +'

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

# ---- Deployments ------------------------------------------------------------------------------
# count_pods SELECTOR PHASE: how many pods with that label selector are in that phase
count_pods() {
    "$KUBECTL" get pods -l "$1" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' |
        grep -c "^$2\$"
}
pods_are() { [ "$(count_pods "$1" "$2")" = "$3" ] && [ "$(k get pods -l "$1" -o name | wc -l)" = "$3" ]; }

run mk k create deployment web --image=nginx:1.25 --replicas=3
expect "kubectl create deployment" mk 'deployment.apps/web created'
run rollout timeout 60 "$KUBECTL" rollout status deployment/web --timeout=50s
expect "kubectl rollout status deployment/web finishes" rollout 'successfully rolled out'
run dstatus k get deployment web -o \
    'jsonpath={.status.replicas} {.status.updatedReplicas} {.status.readyReplicas} {.status.availableReplicas} {.status.observedGeneration} {.status.conditions[?(@.type=="Available")].reason} {.status.conditions[?(@.type=="Progressing")].reason}'
expect "the Deployment's status counts 3 and says Available, NewReplicaSetAvailable" dstatus \
    '^3 3 3 3 1 MinimumReplicasAvailable NewReplicaSetAvailable$'
run rs k get rs -l app=web -o \
    'jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].controller} {.status.readyReplicas} {.status.fullyLabeledReplicas}{"\n"}{end}'
expect "a ReplicaSet web-<hash> owned by the Deployment" rs '^web-[a-z0-9]+ Deployment true 3 3$'
RS1=$(k get rs -l app=web -o 'jsonpath={.items[0].metadata.name}')
HASH=$(k get rs "$RS1" -o 'jsonpath={.metadata.labels.pod-template-hash}')
if [ -n "$HASH" ] && [ "$RS1" = "web-$HASH" ]; then ok "the ReplicaSet is named by its pod-template-hash label"; else
    not_ok "the ReplicaSet is named by its pod-template-hash label ($RS1, $HASH)"
fi
run pods k get pods -l app=web -o \
    'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.status.podIP} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].state.running.startedAt} {.metadata.ownerReferences[0].name}{"\n"}{end}'
n_ok=$(grep -cE "^$RS1-[a-z0-9]{5} Running euw-node-[0-3] 10\.244\.[0-9]+\.[0-9]+ true 20[0-9-]+T[0-9:]+Z $RS1\$" "$E2E_TMP/pods.out")
if [ "$n_ok" = 3 ]; then ok "3 pods <rs>-xxxxx Running on nodes with pod IPs and ready containers"; else
    not_ok "3 pods <rs>-xxxxx Running on nodes with pod IPs and ready containers ($n_ok)"
    diag "$E2E_TMP/pods.out"
fi
run ready k get pods -l app=web -o 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'
expect_eq "the pods are Ready" ready "True True True"
run qos k get pods -l app=web -o 'jsonpath={.items[0].status.qosClass}'
expect_eq "pods without requests are BestEffort" qos BestEffort
run ips sh -c "$KUBECTL get pods -o jsonpath='{range .items[*]}{.status.podIP}{\"\\n\"}{end}' | sort | uniq -d"
expect_eq "pod IPs are distinct" ips ""

run nocordoned k get pods -l app=web -o 'jsonpath={.items[*].spec.nodeName}'
if [ "$RC" -eq 0 ] && ! grep -q euw-node-0 "$E2E_TMP/nocordoned.out"; then
    ok "no pod lands on the cordoned node"
else
    not_ok "no pod lands on the cordoned node"
    diag "$E2E_TMP/nocordoned.out"
fi
run scale5 k scale deployment web --replicas=5
if wait_until 30 pods_are app=web Running 5; then ok "scale to 5: 5 pods Running"; else
    not_ok "scale to 5: 5 pods Running"
    k get pods -o wide | diag /dev/stdin
fi
run rollout5 timeout 60 "$KUBECTL" rollout status deployment/web --timeout=50s
expect "rollout status after scaling to 5" rollout5 'successfully rolled out'
run scale1 k scale deployment web --replicas=1
if wait_until 30 pods_are app=web Running 1; then ok "scale to 1: 1 pod left"; else
    not_ok "scale to 1: 1 pod left"
    k get pods -o wide | diag /dev/stdin
fi
run avail1 sh -c "sleep 1; $KUBECTL get deploy web -o jsonpath='{.status.replicas} {.status.availableReplicas}'"
expect_eq "the Deployment's status follows: 1 1" avail1 "1 1"

k scale deployment web --replicas=2 >/dev/null
run setimage k set image deployment/web nginx=nginx:1.27
run rollout2 timeout 60 "$KUBECTL" rollout status deployment/web --timeout=50s
expect "an image change rolls out" rollout2 'successfully rolled out'
run rs2 k get rs -l app=web -o \
    'jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\.kubernetes\.io/revision}{"\n"}{end}'
expect "a new ReplicaSet with the new image (revision 2), the old one scaled to 0" rs2 \
    "^$RS1 0 nginx:1\.25 1\$" '^web-[a-z0-9]+ 2 nginx:1\.27 2$'
if wait_until 20 sh -c "[ \"\$($KUBECTL get pods -l app=web -o jsonpath='{.items[*].spec.containers[0].image}')\" = 'nginx:1.27 nginx:1.27' ]"; then
    ok "the pods run the new image"
else
    not_ok "the pods run the new image"
    k get pods -l app=web -o yaml | grep image: | diag /dev/stdin
fi

# Recreate: the old pods go before the new ones come (k8s DeploymentStrategy Recreate)
k create deployment rec --image=nginx:1 --replicas=2 >/dev/null
k patch deployment rec -p '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}' >/dev/null
timeout 60 "$KUBECTL" rollout status deployment/rec --timeout=50s >/dev/null
k get pods -l app=rec -w --output-watch-events -o 'jsonpath={.type} {.object.spec.containers[0].image} {.object.status.phase}{"\n"}' >"$E2E_TMP/recwatch.out" 2>&1 &
WATCH_PID=$!
sleep 1
k set image deployment/rec nginx=nginx:2 >/dev/null
run recroll timeout 60 "$KUBECTL" rollout status deployment/rec --timeout=50s
expect "a Recreate Deployment rolls out" recroll 'successfully rolled out'
sleep 1
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
# every nginx:1 pod was deleted before the first nginx:2 pod was added
if awk '/^DELETED nginx:1/ {d++} /^ADDED nginx:2/ && !first {first=NR; if (d < 2) bad=1} END {exit !(first && !bad)}' "$E2E_TMP/recwatch.out"; then
    ok "Recreate: both old pods were deleted before a new one was made"
else
    not_ok "Recreate: both old pods were deleted before a new one was made"
    diag "$E2E_TMP/recwatch.out" 30
fi
k delete deployment rec >/dev/null

# ---- Services -> Endpoints -------------------------------------------------------------------
k expose deployment web --port=80 --target-port=8080 >/dev/null
ep_ips() { k get endpoints web -o 'jsonpath={.subsets[0].addresses[*].ip}' | tr ' ' '\n' | sort | tr '\n' ' '; }
pod_ips() { k get pods -l app=web -o 'jsonpath={.items[*].status.podIP}' | tr ' ' '\n' | sort | tr '\n' ' '; }
same_ips() { [ -n "$(pod_ips | tr -d ' ')" ] && [ "$(ep_ips)" = "$(pod_ips)" ]; }
if wait_until 20 same_ips; then ok "the Service's endpoints are the ready pods' IPs"; else
    not_ok "the Service's endpoints are the ready pods' IPs (endpoints: $(ep_ips), pods: $(pod_ips))"
fi
run epport k get endpoints web -o 'jsonpath={.subsets[0].ports[0].port} {.subsets[0].addresses[0].targetRef.kind}'
expect_eq "endpoints use the targetPort and point at pods" epport "8080 Pod"
slice_ips() { k get endpointslices -l kubernetes.io/service-name=web -o 'jsonpath={.items[0].endpoints[*].addresses[0]}' | tr ' ' '\n' | sort | tr '\n' ' '; }
if wait_until 20 sh -c "[ \"\$($KUBECTL get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[0].endpoints[*].addresses[0]}' | tr ' ' '\\n' | sort | tr '\\n' ' ')\" = \"$(pod_ips)\" ]"; then
    ok "an EndpointSlice (kubernetes.io/service-name=web) lists the same pod IPs"
else
    not_ok "an EndpointSlice (kubernetes.io/service-name=web) lists the same pod IPs (slice: $(slice_ips), pods: $(pod_ips))"
fi
run slice k get endpointslices -l kubernetes.io/service-name=web -o \
    'jsonpath={.items[0].addressType} {.items[0].ports[0].port} {.items[0].endpoints[0].conditions.ready} {.items[0].endpoints[0].targetRef.kind} {.items[0].endpoints[0].zone} {.items[0].metadata.ownerReferences[0].kind}'
expect "the slice: IPv4, targetPort, ready, a Pod, its zone, owned by the Service" slice \
    '^IPv4 8080 true Pod eu-west-1[ab] Service$'
k scale deployment web --replicas=4 >/dev/null
if wait_until 30 sh -c "pods_are() { :; }; [ \$($KUBECTL get endpoints web -o jsonpath='{.subsets[0].addresses[*].ip}' | wc -w) = 4 ]"; then
    ok "scaling to 4: the endpoints list 4 addresses"
else
    not_ok "scaling to 4: the endpoints list 4 addresses"
    k get endpoints web -o yaml | diag /dev/stdin
fi
k delete service web >/dev/null
if wait_until 20 sh -c "! $KUBECTL get endpoints web && [ -z \"\$($KUBECTL get endpointslices -l kubernetes.io/service-name=web -o name)\" ]"; then ok "the endpoints and the slice go with their Service"; else
    not_ok "the endpoints go with their Service"
fi

# ---- delete cascades --------------------------------------------------------------------------
run del k delete deployment web
if wait_until 30 sh -c "[ -z \"\$($KUBECTL get pods,rs -l app=web -o name)\" ]"; then
    ok "deleting the Deployment removes its ReplicaSets and pods"
else
    not_ok "deleting the Deployment removes its ReplicaSets and pods"
    k get pods,rs -l app=web | diag /dev/stdin
fi

# ---- scheduling by requests -------------------------------------------------------------------
run uncordon k uncordon euw-node-0
expect "kubectl uncordon" uncordon 'uncordoned'

# 4 nodes of 8 cpu: pods of 3 cpu fit twice on each, the ninth does not
cat >"$E2E_TMP/big.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: big
spec:
  replicas: 9
  selector:
    matchLabels: {app: big}
  template:
    metadata:
      labels: {app: big}
    spec:
      containers:
      - name: c
        image: busybox
        resources:
          requests: {cpu: "3", memory: 1Gi}
YAML
k apply -f "$E2E_TMP/big.yaml" >/dev/null
if wait_until 30 sh -c "[ \$($KUBECTL get pods -l app=big --field-selector=status.phase=Running -o name | wc -l) = 8 ]"; then
    ok "9 pods of 3 cpu on 4 nodes of 8 cpu: 8 run"
else
    not_ok "9 pods of 3 cpu on 4 nodes of 8 cpu: 8 run"
    k get pods -l app=big -o wide | diag /dev/stdin
fi
run qosb k get pods -l app=big --field-selector=status.phase=Running -o 'jsonpath={.items[0].status.qosClass}'
expect_eq "pods with requests and no limits are Burstable" qosb Burstable
run pernode sh -c "$KUBECTL get pods -l app=big -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | grep . | sort | uniq -c | awk '{print \$1}' | sort -u"
expect_eq "two on each node" pernode 2
run pending k get pods -l app=big --field-selector=status.phase=Pending -o \
    'jsonpath={range .items[*]}{.status.conditions[?(@.type=="PodScheduled")].status} {.status.conditions[?(@.type=="PodScheduled")].reason} {.status.conditions[?(@.type=="PodScheduled")].message}{"\n"}{end}'
expect "the ninth stays Pending: PodScheduled=False Unschedulable, Insufficient cpu" pending \
    '^False Unschedulable 0/4 nodes are available: 4 Insufficient cpu\.$'
k scale deployment big --replicas=7 >/dev/null
if wait_until 30 sh -c "[ \$($KUBECTL get pods -l app=big --field-selector=status.phase=Running -o name | wc -l) = 7 ] && [ \$($KUBECTL get pods -l app=big -o name | wc -l) = 7 ]"; then
    ok "scaled to 7: the pending pod goes first, 7 run"
else
    not_ok "scaled to 7: the pending pod goes first, 7 run"
    k get pods -l app=big -o wide | diag /dev/stdin
fi
run huge k run huge --image=busybox --overrides='{"spec":{"containers":[{"name":"huge","image":"busybox","resources":{"requests":{"memory":"64Gi"}}}]}}'
if wait_until 20 sh -c "$KUBECTL get pod huge -o jsonpath='{.status.conditions[0].reason}' | grep -q Unschedulable"; then
    run hugest k get pod huge -o 'jsonpath={.status.phase} {.spec.nodeName} {.status.conditions[0].message}'
    expect "a pod too big for any node stays Pending without a node" hugest \
        '^Pending  0/4 nodes are available: 4 Insufficient memory\.$'
else
    not_ok "a pod too big for any node stays Pending without a node"
    k get pod huge -o yaml | diag /dev/stdin 40
fi
run fsev k get events --field-selector involvedObject.name=huge -o \
    'jsonpath={range .items[*]}{.type} {.reason} {.source.component}: {.message}{"\n"}{end}'
expect "a FailedScheduling Warning Event tells why" fsev \
    '^Warning FailedScheduling default-scheduler: 0/4 nodes are available: 4 Insufficient memory\.$'
k run ghost --image=busybox --overrides='{"spec":{"nodeName":"no-such-node"}}' >/dev/null
sleep 2
run ghost k get pod ghost -o 'jsonpath={.status.phase}:{.status.podIP}'
expect_eq "a pod bound to a node that does not exist stays Pending" ghost "Pending:"
k delete deployment big >/dev/null
k delete pod huge ghost >/dev/null

# ---- Job ---------------------------------------------------------------------------------------
run job k create job calc --image=busybox -- echo done
run jobwait timeout 60 "$KUBECTL" wait --for=condition=complete job/calc --timeout=50s
expect "a Job completes (kubectl wait --for=condition=complete)" jobwait 'condition met'
run jobst k get job calc -o 'jsonpath={.status.succeeded} {.status.completionTime}'
expect "its status counts 1 succeeded and a completionTime" jobst '^1 20[0-9-]+T'
run jobpod k get pods -l job-name=calc -o 'jsonpath={.items[*].status.phase} {.items[*].status.containerStatuses[0].state.terminated.reason}'
expect_eq "its pod Succeeded, container Completed" jobpod "Succeeded Completed"
cat >"$E2E_TMP/job3.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: three}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
YAML
k apply -f "$E2E_TMP/job3.yaml" >/dev/null
run job3 timeout 60 "$KUBECTL" wait --for=condition=complete job/three --timeout=50s
expect "a Job of 3 completions, 2 at a time, completes" job3 'condition met'
run job3n sh -c "$KUBECTL get pods -l job-name=three --field-selector=status.phase=Succeeded -o name | wc -l"
expect_eq "with 3 succeeded pods" job3n 3

# ---- StatefulSet -------------------------------------------------------------------------------
cat >"$E2E_TMP/sts.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  updateStrategy: {type: RollingUpdate}
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers: [{name: db, image: postgres}]
YAML
k apply -f "$E2E_TMP/sts.yaml" >/dev/null
run stsroll timeout 60 "$KUBECTL" rollout status statefulset/db --timeout=50s
expect "kubectl rollout status statefulset/db finishes" stsroll 'rolling update complete 3 pods'
[ "$RC" -eq 0 ] || { k get pods -o yaml | diag /dev/stdin 200; grep -E 'level=(warn|error)' "$DIR.log" | diag /dev/stdin; }
run stspods sh -c "$KUBECTL get pods -l app=db -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{\"\\n\"}{end}' | sort"
expect_eq "its pods are db-0, db-1, db-2, Running" stspods "db-0 Running
db-1 Running
db-2 Running"
run stsst k get sts db -o 'jsonpath={.status.replicas} {.status.readyReplicas} {.status.currentReplicas}'
expect_eq "its status: 3 replicas, 3 ready, 3 current" stsst "3 3 3"
REV1=$(k get sts db -o 'jsonpath={.status.updateRevision}')
k set image sts/db db=postgres:17 >/dev/null
run stsroll2 timeout 90 "$KUBECTL" rollout status statefulset/db --timeout=80s
expect "an image change rolls the StatefulSet's pods over" stsroll2 'rolling update complete 3 pods'
run stsimg sh -c "$KUBECTL get pods -l app=db -o jsonpath='{range .items[*]}{.metadata.name} {.spec.containers[0].image} {.metadata.labels.controller-revision-hash}{\"\\n\"}{end}' | sort"
REV2=$(k get sts db -o 'jsonpath={.status.updateRevision}')
expect_eq "db-0..2 run the new image at the new revision" stsimg "db-0 postgres:17 $REV2
db-1 postgres:17 $REV2
db-2 postgres:17 $REV2"
if [ "$REV1" != "$REV2" ] && [ "$(k get sts db -o 'jsonpath={.status.currentRevision}')" = "$REV2" ]; then
    ok "the update revision changed and became current"
else
    not_ok "the update revision changed and became current ($REV1 -> $REV2)"
fi
k scale sts db --replicas=1 >/dev/null
if wait_until 30 sh -c "[ \"\$($KUBECTL get pods -l app=db -o name)\" = pod/db-0 ]"; then
    ok "scaled to 1: db-0 is left"
else
    not_ok "scaled to 1: db-0 is left"
    k get pods -l app=db | diag /dev/stdin
fi

# ---- DaemonSet ---------------------------------------------------------------------------------
cat >"$E2E_TMP/ds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy: {type: RollingUpdate}
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers: [{name: a, image: fluentd}]
YAML
k apply -f "$E2E_TMP/ds.yaml" >/dev/null
run dsroll timeout 60 "$KUBECTL" rollout status daemonset/agent --timeout=50s
expect "kubectl rollout status daemonset/agent finishes" dsroll 'successfully rolled out'
run dsnodes sh -c "$KUBECTL get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | sort | tr '\\n' ' '"
expect_eq "a DaemonSet pod on each node" dsnodes "euw-node-0 euw-node-1 euw-node-2 euw-node-3 "
k set image ds/agent a=fluentd:2 >/dev/null
run dsroll2 timeout 90 "$KUBECTL" rollout status daemonset/agent --timeout=80s
expect "an image change rolls the DaemonSet over" dsroll2 'successfully rolled out'
run dsimg sh -c "$KUBECTL get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName} {.spec.containers[0].image}{\"\\n\"}{end}' | sort | tr '\\n' ' '"
expect_eq "each node runs the new image once" dsimg "euw-node-0 fluentd:2 euw-node-1 fluentd:2 euw-node-2 fluentd:2 euw-node-3 fluentd:2 "

# ---- a second cluster beside the first --------------------------------------------------------
DIR2=$E2E_TMP/sim2
PORT2=$(free_port)
FIRST_PID=$KP_PID
if start_cluster_sim "$DIR2" "$PORT2" --nodes 2 --region us-east-1 --provider gcp; then
    run two sh -c "KUBECONFIG=$DIR2/admin.kubeconfig $KUBECTL get nodes -L topology.kubernetes.io/region --no-headers | awk '{print \$1, \$NF}'"
    expect_eq "a second cluster-sim serves its own nodes" two "sim-node-0 us-east-1
sim-node-1 us-east-1"
    run two-pods sh -c "KUBECONFIG=$DIR2/admin.kubeconfig $KUBECTL get deploy -o name | wc -l"
    expect_eq "and none of the first one's objects" two-pods 0
    stop_pid "$KP_PID"
else
    not_ok "a second cluster-sim starts"
    diag "$DIR2.log"
fi
KP_PID=$FIRST_PID

# ---- restart: the nodes stay, the simulation resumes from the objects -------------------------
k create deployment later --image=nginx --replicas=2 >/dev/null
run later timeout 60 "$KUBECTL" rollout status deployment/later --timeout=50s
stop_pid "$KP_PID"
if start_cluster_sim "$DIR" "$PORT" --nodes 4 --region eu-west-1 --zones eu-west-1a,eu-west-1b \
    --provider aws --node-prefix euw; then ok "cluster-sim restarts on its data dir"; else
    not_ok "cluster-sim restarts on its data dir"
    diag "$DIR.log"
fi
run nodes-again sh -c "$KUBECTL get no -o name | wc -l"
expect_eq "after a restart the nodes are still 4" nodes-again 4
k scale deployment later --replicas=4 >/dev/null
run later4 timeout 60 "$KUBECTL" rollout status deployment/later --timeout=50s
expect "after a restart a Deployment scales and rolls out" later4 'successfully rolled out'
run later4n sh -c "$KUBECTL get pods -l app=later --field-selector=status.phase=Running -o name | wc -l"
expect_eq "4 pods run" later4n 4
run iprestart sh -c "$KUBECTL get pods -o jsonpath='{range .items[*]}{.status.podIP}{\"\\n\"}{end}' | grep . | sort | uniq -d"
expect_eq "pod IPs stay distinct across the restart" iprestart ""
