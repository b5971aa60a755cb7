#!/usr/bin/env bash
# Garbage collection and namespace termination, end to end: ownerReferences set by hand on
# ConfigMaps, Secrets and Deployments (kplane runs no Deployment controller), deleted with
# every kubectl's --cascade=background|foreground|orphan and `kubectl delete ns`, and the raw
# API (curl) for DeleteOptions bodies, deletecollection, bad input and the watch that shows
# the order things went in. A second server starts with --enable-garbage-collector=false,
# leaves work undone, and is restarted with the collector: the work completes.
#   bash tests/e2e/test_gc.sh    or    TEST_FILTER=gc tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

KUBECTL=$(kubectl_versions | tail -1)

# ---- helpers -------------------------------------------------------------------------------

# wait_until SECONDS cmd...: retries cmd every 0.1 s; fails after SECONDS.
wait_until() {
    local n=$(($1 * 10))
    shift
    for _ in $(seq 1 "$n"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# use_server DIR PORT: the admin client certificate for curl, and KUBECONFIG.
use_server() {
    local dir=$1 port=$2 f
    CA=$dir/pki/ca.crt
    CRT=$dir.admin.crt
    KEY=$dir.admin.key
    BASE=https://127.0.0.1:$port/clusters/root
    export KUBECONFIG=$dir/admin.kubeconfig
    for f in certificate key; do
        "$KUBECTL" config view --raw -o "jsonpath={.users[0].user.client-$f-data}" |
            base64 -d >"$dir.admin.$f"
    done
    mv "$dir.admin.certificate" "$CRT"
    chmod 600 "$KEY"
}

# api METHOD PATH [curl args...]: the body goes to $E2E_TMP/body, the HTTP status to CODE.
api() {
    local m=$1 p=$2
    shift 2
    : >"$E2E_TMP/body"
    CODE=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' --max-time 30 \
        --cacert "$CA" --cert "$CRT" --key "$KEY" -X "$m" "$@" "$BASE$p")
}
jsend() {
    local m=$1 p=$2 d=$3
    shift 3
    api "$m" "$p" -H 'Content-Type: application/json' --data-binary "$d" "$@"
}
# expect_code "description" CODE REGEX: after api, ok when the status is CODE and the body
# matches REGEX.
expect_code() {
    if [ "$CODE" = "$2" ] && grep -qE -- "$3" "$E2E_TMP/body"; then ok "$1"; else
        not_ok "$1 (wanted $2 /$3/, got $CODE)"
        diag "$E2E_TMP/body"
    fi
}

# KSERVER, when set, is the workspace URL kubectl talks to
K() { timeout 60 "$KUBECTL" ${KSERVER:+--server "$KSERVER"} "$@"; }
uid_of() { K -n "$1" get "$2" "$3" -o jsonpath='{.metadata.uid}'; }
exists() { K -n "$1" get "$2" "$3" >/dev/null 2>&1; }
gone() { ! exists "$@"; }
# is_marked NS KIND NAME: it has a deletionTimestamp
is_marked() { [ -n "$(K -n "$1" get "$2" "$3" -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null)" ]; }

# ref KIND NAME UID [block]: one ownerReferences entry (flow YAML)
ref() {
    local av=v1
    [ "$1" = Deployment ] && av=apps/v1
    echo "{apiVersion: $av, kind: $1, name: $2, uid: \"$3\", blockOwnerDeletion: ${4:-false}}"
}
# mk NS KIND NAME FINALIZERS REFS...: creates a ConfigMap, Secret or Deployment with those
# ownerReferences and finalizers ("" for none).
mk() {
    local ns=$1 kind=$2 name=$3 fin=$4 refs="" r extra="" av=v1
    shift 4
    for r in "$@"; do refs="$refs    - $r"$'\n'; done
    case $kind in
    Deployment)
        av=apps/v1
        extra=$'spec:\n  replicas: 1\n  selector: {matchLabels: {app: '"$name"$'}}\n  template:\n    metadata: {labels: {app: '"$name"$'}}\n    spec: {containers: [{name: c, image: nginx}]}'
        ;;
    Secret) extra=$'stringData: {k: v}' ;;
    ConfigMap) extra=$'data: {k: v}' ;;
    esac
    {
        echo "apiVersion: $av"
        echo "kind: $kind"
        echo "metadata:"
        echo "  name: $name"
        echo "  labels: {grp: \"${GRP:-none}\"}"
        [ -n "$fin" ] && echo "  finalizers: [$fin]"
        [ -n "$refs" ] && printf '  ownerReferences:\n%s' "$refs"
        echo "$extra"
    } >"$E2E_TMP/mk.yaml"
    K -n "$ns" create -f "$E2E_TMP/mk.yaml" >/dev/null
}
unhold() { K -n "$1" patch "$2" "$3" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null; }

DIR=$E2E_TMP/gc
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
use_server "$DIR" "$PORT"
K create namespace g >/dev/null

# ---- background (the default): the owner goes at once, its dependents after ----------------
K -n g create configmap owner >/dev/null
U=$(uid_of g cm owner)
mk g ConfigMap dep-cm "" "$(ref ConfigMap owner "$U")"
mk g Secret dep-secret "" "$(ref ConfigMap owner "$U")"
mk g Deployment dep-deploy "" "$(ref ConfigMap owner "$U")"
K -n g create configmap bystander >/dev/null
run del K -n g delete configmap owner
expect "background: kubectl delete answers at once" del 'configmap "owner" deleted'
check "background: the dependent ConfigMap is collected" wait_until 10 gone g cm dep-cm
check "background: the dependent Secret is collected" wait_until 10 gone g secret dep-secret
check "background: the dependent Deployment is collected" wait_until 10 gone g deploy dep-deploy
check "background: an object without owners stays" exists g cm bystander

# ---- dangling: an owner uid nobody has ------------------------------------------------------
mk g ConfigMap orphaned "" "$(ref ConfigMap ghost 0b6e6a3e-0000-4000-8000-000000000000)"
check "dangling owner: the dependent is collected" wait_until 10 gone g cm orphaned
# a namespaced owner is looked for in the dependent's namespace only
K create namespace g2 >/dev/null
K -n g2 create configmap far >/dev/null
mk g ConfigMap cross-ns "" "$(ref ConfigMap far "$(uid_of g2 cm far)")"
check "owner in another namespace: counts as absent, the dependent is collected" \
    wait_until 10 gone g cm cross-ns
check "owner in another namespace: the other namespace's object stays" exists g2 cm far

# a cluster-scoped owner may own namespaced objects; a namespaced owner of a cluster-scoped
# object can never be resolved, so that object is never collected (k8s 1.20+)
K create clusterrole gc-owner --verb=get --resource=pods >/dev/null
CR=$(K get clusterrole gc-owner -o jsonpath='{.metadata.uid}')
mk g ConfigMap by-clusterrole "" "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, name: gc-owner, uid: \"$CR\"}"
K -n g create configmap ns-owner >/dev/null
printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: gc-dep\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: ns-owner, uid: "%s"}\n' \
    "$(uid_of g cm ns-owner)" >"$E2E_TMP/cr.yaml"
K create -f "$E2E_TMP/cr.yaml" >/dev/null
sleep 0.5
check "a cluster-scoped owner keeps its namespaced dependent" exists g cm by-clusterrole
K delete clusterrole gc-owner >/dev/null
check "a cluster-scoped owner's namespaced dependent is collected" wait_until 10 gone g cm by-clusterrole
K -n g delete configmap ns-owner >/dev/null
sleep 1
check "a cluster-scoped dependent of a namespaced owner is never collected" exists "" clusterrole gc-dep

# ---- foreground with blockOwnerDeletion -----------------------------------------------------
K -n g create configmap fg >/dev/null
U=$(uid_of g cm fg)
mk g ConfigMap fg-block example.com/hold "$(ref ConfigMap fg "$U" true)"
mk g ConfigMap fg-free "" "$(ref ConfigMap fg "$U" false)"
run del K -n g delete configmap fg --cascade=foreground --wait=false
expect "foreground: kubectl delete --cascade=foreground" del 'configmap "fg" deleted'
check "foreground: the non-blocking dependent is deleted" wait_until 10 gone g cm fg-free
check "foreground: the blocking dependent is marked" wait_until 10 is_marked g cm fg-block
sleep 1
run fgget K -n g get configmap fg -o 'jsonpath={.metadata.finalizers} {.metadata.deletionTimestamp}'
expect "foreground: the owner stays readable with foregroundDeletion and a deletionTimestamp" \
    fgget 'foregroundDeletion.* [0-9]{4}-'
unhold g cm fg-block
check "foreground: the blocking dependent goes once its finalizer is removed" \
    wait_until 10 gone g cm fg-block
check "foreground: then the owner goes" wait_until 10 gone g cm fg

# ---- a chain A -> B -> C, foreground: all gone, the owner last --------------------------------
K -n g create configmap chain-a >/dev/null
mk g ConfigMap chain-b "" "$(ref ConfigMap chain-a "$(uid_of g cm chain-a)" true)"
mk g ConfigMap chain-c example.com/hold "$(ref ConfigMap chain-b "$(uid_of g cm chain-b)" true)"
api GET /api/v1/namespaces/g/configmaps
RV=$(json_get metadata.resourceVersion <"$E2E_TMP/body")
curl -sN --max-time 30 --cacert "$CA" --cert "$CRT" --key "$KEY" \
    "$BASE/api/v1/namespaces/g/configmaps?watch=1&resourceVersion=$RV&timeoutSeconds=8" \
    >"$E2E_TMP/chain.watch" &
WATCH=$!
sleep 0.3
K -n g delete configmap chain-a --cascade=foreground --wait=false >/dev/null
check "chain: C is marked" wait_until 10 is_marked g cm chain-c
check "chain: B waits, marked, with foregroundDeletion" wait_until 10 is_marked g cm chain-b
check "chain: A waits" exists g cm chain-a
unhold g cm chain-c
check "chain: A goes once C and B went" wait_until 10 gone g cm chain-a
wait "$WATCH"
run order python3 -c '
import json, sys
names = [e["object"]["metadata"]["name"] for e in map(json.loads, open(sys.argv[1]))
         if e["type"] == "DELETED"]
print(" ".join(n for n in names if n.startswith("chain-")))' "$E2E_TMP/chain.watch"
expect_eq "chain: deleted in the order C, B, A" order "chain-c chain-b chain-a"

# ---- orphan: the dependents stay, without the reference ---------------------------------------
K -n g create configmap orph >/dev/null
U=$(uid_of g cm orph)
K -n g create configmap other >/dev/null
mk g Secret orph-s "" "$(ref ConfigMap orph "$U" true)" "$(ref ConfigMap other "$(uid_of g cm other)")"
mk g ConfigMap orph-c "" "$(ref ConfigMap orph "$U" true)"
run del K -n g delete configmap orph --cascade=orphan
expect "orphan: kubectl delete --cascade=orphan returns once the owner is gone" del 'deleted'
check "orphan: the owner is gone" gone g cm orph
run refs K -n g get configmap orph-c -o 'jsonpath={.metadata.ownerReferences}'
expect_eq "orphan: the dependent stays without ownerReferences" refs ""
run refs K -n g get secret orph-s -o 'jsonpath={.metadata.ownerReferences[*].name}'
expect_eq "orphan: a dependent keeps its other owners" refs "other"

# ---- several owners: collected only when all are gone ----------------------------------------
K -n g create configmap o1 >/dev/null
K -n g create configmap o2 >/dev/null
mk g ConfigMap shared "" "$(ref ConfigMap o1 "$(uid_of g cm o1)")" "$(ref ConfigMap o2 "$(uid_of g cm o2)")"
K -n g delete configmap o1 >/dev/null
check "two owners: the gone owner's reference is dropped" wait_until 10 sh -c \
    "[ \"\$('$KUBECTL' -n g get cm shared -o jsonpath='{.metadata.ownerReferences[*].name}')\" = o2 ]"
check "two owners: the dependent stays while one owner remains" exists g cm shared
K -n g delete configmap o2 >/dev/null
check "two owners: collected when the last owner is gone" wait_until 10 gone g cm shared

# ---- the raw API: DeleteOptions, deletecollection, bad input ----------------------------------
K -n g create configmap raw-owner >/dev/null
mk g ConfigMap raw-dep "" "$(ref ConfigMap raw-owner "$(uid_of g cm raw-owner)")"
api DELETE "/api/v1/namespaces/g/configmaps/raw-owner?propagationPolicy=Sometimes"
expect_code "bad propagationPolicy: 422 naming the supported values" 422 \
    'propagationPolicy: Unsupported value: \\"Sometimes\\": supported values: \\"Foreground\\", \\"Background\\", \\"Orphan\\"'
jsend DELETE /api/v1/namespaces/g/configmaps/raw-owner \
    '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan","orphanDependents":true}'
expect_code "propagationPolicy and orphanDependents together: 422" 422 \
    'orphanDependents and deletionPropagation cannot be both set'
jsend DELETE /api/v1/namespaces/g/configmaps/raw-owner '{"propagationPolicy":7}'
expect_code "a propagationPolicy that is no string: 400" 400 'propagationPolicy must be a string'
check "refused deletes change nothing: the owner is there" exists g cm raw-owner
check "refused deletes change nothing: the dependent is there" exists g cm raw-dep
jsend DELETE /api/v1/namespaces/g/configmaps/raw-owner '{"orphanDependents":true}'
expect_code "orphanDependents=true (deprecated) in DeleteOptions" 200 '"name":"raw-owner"'
check "orphanDependents=true: the owner goes" wait_until 10 gone g cm raw-owner
sleep 0.5
run refs K -n g get configmap raw-dep -o 'jsonpath={.metadata.ownerReferences}'
expect_eq "orphanDependents=true: the dependent stays, unowned" refs ""

api DELETE "/api/v1/namespaces/g/configmaps?labelSelector=none%3Dmatches&propagationPolicy=Later"
expect_code "deletecollection with a bad propagationPolicy: 422 even when nothing matches" 422 \
    'propagationPolicy: Unsupported value'
GRP=owners
K -n g create configmap dc-1 >/dev/null
K -n g create configmap dc-2 >/dev/null
K -n g label configmap dc-1 dc-2 role=owner >/dev/null
GRP=deps
mk g ConfigMap dc-dep-1 "" "$(ref ConfigMap dc-1 "$(uid_of g cm dc-1)" true)"
mk g Secret dc-dep-2 example.com/hold "$(ref ConfigMap dc-2 "$(uid_of g cm dc-2)" true)"
api DELETE "/api/v1/namespaces/g/configmaps?labelSelector=role%3Downer&propagationPolicy=Foreground"
expect_code "deletecollection with propagationPolicy=Foreground" 200 '"kind":"ConfigMapList"'
check "deletecollection Foreground: a free dependent goes, then its owner" \
    wait_until 10 gone g cm dc-1
check "deletecollection Foreground: the owner of a held dependent waits" exists g cm dc-2
unhold g secret dc-dep-2
check "deletecollection Foreground: and goes after it" wait_until 10 gone g cm dc-2
check "deletecollection Foreground: the dependents are gone" gone g cm dc-dep-1
GRP=none
K -n g create configmap dco >/dev/null
K -n g label configmap dco role=dco >/dev/null
mk g ConfigMap dco-dep "" "$(ref ConfigMap dco "$(uid_of g cm dco)")"
jsend DELETE "/api/v1/namespaces/g/configmaps?labelSelector=role%3Ddco" \
    '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan"}'
expect_code "deletecollection with an Orphan DeleteOptions body" 200 '"kind":"ConfigMapList"'
check "deletecollection Orphan: the owner goes" wait_until 10 gone g cm dco
sleep 0.5
run refs K -n g get configmap dco-dep -o 'jsonpath={.metadata.ownerReferences}'
expect_eq "deletecollection Orphan: the dependent stays, unowned" refs ""

jsend POST /api/v1/namespaces/g/configmaps \
    '{"metadata":{"name":"badref","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"x","uid":""}]}}'
expect_code "ownerReferences without uid: 422 with the field" 422 \
    'metadata.ownerReferences.uid: Invalid value: \\"\\": uid must not be empty'
jsend POST /api/v1/namespaces/g/configmaps \
    '{"metadata":{"name":"badref","ownerReferences":[{"kind":"ConfigMap","name":"x","uid":"u"}]}}'
expect_code "ownerReferences without apiVersion: 422" 422 \
    'metadata.ownerReferences.apiVersion: Invalid value: \\"\\": version must not be empty'
jsend POST /api/v1/namespaces/g/configmaps \
    '{"metadata":{"name":"badref","ownerReferences":[{"apiVersion":"v1","name":"x","uid":"u"}]}}'
expect_code "ownerReferences without kind: 422" 422 'metadata.ownerReferences.kind: Invalid value'
jsend POST /api/v1/namespaces/g/configmaps \
    '{"metadata":{"name":"badref","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","uid":"u"}]}}'
expect_code "ownerReferences without name: 422" 422 'metadata.ownerReferences.name: Invalid value'
check "a refused ownerReferences stores nothing" gone g cm badref

# ---- namespaces ------------------------------------------------------------------------------
K create namespace quick >/dev/null
K -n quick create configmap a >/dev/null
K -n quick create secret generic b --from-literal=k=v >/dev/null
run del K delete namespace quick --wait=false
check "a namespace without finalized content goes at once" gone "" namespace quick

K create namespace term >/dev/null
K -n term create configmap plain >/dev/null
mk term Secret held example.com/hold
run del K delete namespace term --wait=false
expect "kubectl delete ns (no wait)" del 'namespace "term" deleted'
run phase K get namespace term -o 'jsonpath={.status.phase} {.spec.finalizers} {.metadata.deletionTimestamp}'
expect "a namespace with a finalized object is Terminating" phase '^Terminating \["kubernetes"\] [0-9]{4}-'
check "its content without finalizers went" gone term cm plain
check "the finalized object is marked" is_marked term secret held
check "the namespace controller reports what is left" wait_until 10 sh -c \
    "'$KUBECTL' get ns term -o jsonpath='{.status.conditions}' | grep -q 'secrets. has 1 resource instances'"
run cond K get namespace term -o 'jsonpath={range .status.conditions[*]}{.type}={.status}/{.reason}: {.message}{"\n"}{end}'
expect "conditions like Kubernetes'" cond \
    '^NamespaceContentRemaining=True/SomeResourcesRemain: Some resources are remaining: secrets. has 1 resource instances$' \
    '^NamespaceFinalizersRemaining=True/SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances$'
run create K -n term create configmap late
if [ "$RC" -ne 0 ] && grep -q 'configmaps "late" is forbidden: unable to create new content in namespace term because it is being terminated' "$E2E_TMP/create.out"; then
    ok "creating in a Terminating namespace: 403 Forbidden"
else
    not_ok "creating in a Terminating namespace: 403 Forbidden"
    diag "$E2E_TMP/create.out"
fi
api DELETE /api/v1/namespaces/term
expect_code "deleting a Terminating namespace again: 409" 409 'The system is ensuring all content is removed from this namespace'
sleep 1
check "the namespace stays Terminating while the finalizer is there" exists "" namespace term
run again K delete namespace term
if [ "$RC" -ne 0 ] && grep -q 'Error from server (Conflict): Operation cannot be fulfilled on namespaces "term": The system is ensuring' "$E2E_TMP/again.out"; then
    ok "kubectl delete ns of a Terminating namespace: Conflict, as Kubernetes"
else
    not_ok "kubectl delete ns of a Terminating namespace: Conflict, as Kubernetes"
    diag "$E2E_TMP/again.out"
fi
timeout 60 "$KUBECTL" wait --for=delete namespace/term --timeout=40s >"$E2E_TMP/nswait.out" 2>&1 &
NSWAIT=$!
sleep 1
unhold term secret held
if wait "$NSWAIT"; then ok "kubectl wait --for=delete returns once the last finalizer went"; else
    not_ok "kubectl wait --for=delete returns once the last finalizer went"
    diag "$E2E_TMP/nswait.out"
fi
check "the namespace is gone" gone "" namespace term

# ---- every kubectl: --cascade and delete ns ---------------------------------------------------
for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    v=${v#*/}
    ns=c${v//./-}
    KV() { timeout 60 "$k" -n "$ns" "$@"; }
    K create namespace "$ns" >/dev/null
    for c in background foreground orphan; do
        KV create configmap "$c" >/dev/null
        mk "$ns" Deployment "$c-web" "" "$(ref ConfigMap "$c" "$(uid_of "$ns" cm "$c")" true)"
        mk "$ns" Secret "$c-s" "" "$(ref Deployment "$c-web" "$(uid_of "$ns" deploy "$c-web")" true)"
        run del KV delete configmap "$c" --cascade="$c"
        expect "$v: kubectl delete --cascade=$c" del "configmap \"$c\" deleted"
        check "$v: --cascade=$c: the owner is gone when kubectl returns" gone "$ns" cm "$c"
    done
    check "$v: --cascade=background: the dependents are collected" \
        wait_until 10 sh -c "! '$k' -n $ns get deploy background-web && ! '$k' -n $ns get secret background-s"
    check "$v: --cascade=foreground: the whole chain went before the owner" \
        sh -c "! '$k' -n $ns get deploy foreground-web && ! '$k' -n $ns get secret foreground-s"
    sleep 0.3
    check "$v: --cascade=orphan: the dependent stays" exists "$ns" deploy orphan-web
    run refs KV get deploy orphan-web -o 'jsonpath={.metadata.ownerReferences}'
    expect_eq "$v: --cascade=orphan: without its ownerReference" refs ""
    check "$v: --cascade=orphan: its own dependent stays owned" exists "$ns" secret orphan-s
    mk "$ns" Secret held example.com/hold
    timeout 60 "$k" delete namespace "$ns" --timeout=40s >"$E2E_TMP/nsv.out" 2>&1 &
    NSWAIT=$!
    wait_until 10 is_marked "$ns" secret held
    unhold "$ns" secret held
    if wait "$NSWAIT" && grep -q "namespace \"$ns\" deleted" "$E2E_TMP/nsv.out"; then
        ok "$v: kubectl delete ns waits for the Terminating namespace and returns"
    else
        not_ok "$v: kubectl delete ns waits for the Terminating namespace and returns"
        diag "$E2E_TMP/nsv.out"
    fi
    check "$v: the namespace is gone" gone "" namespace "$ns"
done

# ---- a deleted workspace: its objects go in bulk, the collector visits none of them ---------
printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"gcws"}}' \
    >"$E2E_TMP/ws.json"
K create -f "$E2E_TMP/ws.json" >/dev/null
KSERVER=https://127.0.0.1:$PORT/clusters/root:gcws
K create namespace app >/dev/null
for i in $(seq 1 12); do
    K -n app create configmap "owner-$i" >/dev/null
    mk app ConfigMap "dep-$i" "" "$(ref ConfigMap "owner-$i" "$(uid_of app cm "owner-$i")" true)"
done
K -n app create configmap owner2 >/dev/null
mk app Secret dep-of-2 "" "$(ref ConfigMap owner2 "$(uid_of app cm owner2)")"
K -n app delete configmap owner2 >/dev/null
check "in a workspace: background collection works there too" wait_until 10 gone app secret dep-of-2
mk app ConfigMap lost "" "$(ref ConfigMap ghost 0b6e6a3e-0000-4000-8000-000000000001)"
check "in a workspace: a dangling dependent is collected" wait_until 10 gone app cm lost
KSERVER=
sleep 0.5
gc_jobs() { K get --raw /metrics | awk '$1 == "kplane_gc_jobs_total" {print $2}'; }
BEFORE=$(gc_jobs)
REQ_BEFORE=$(grep -c 'user="system:kplane:gc"' "$DIR.log")
run wsdel K delete workspace gcws
expect "delete the workspace" wsdel 'deleted'
sleep 1
AFTER=$(gc_jobs)
REQ_AFTER=$(grep -c 'user="system:kplane:gc"' "$DIR.log")
# 12 owners and their 12 dependents went: a job for each would be 12 and more; the
# Workspace's own deletion is one
if [ -n "$BEFORE" ] && [ "$((AFTER - BEFORE))" -le 2 ] && [ "$REQ_BEFORE" = "$REQ_AFTER" ]; then
    ok "a deleted workspace's objects: the collector neither visits nor calls for them"
else
    not_ok "a deleted workspace's objects: the collector neither visits nor calls for them (jobs $BEFORE -> $AFTER, requests $REQ_BEFORE -> $REQ_AFTER)"
fi

# ---- a restart: work left undone completes ----------------------------------------------------
stop_pid "$KP_PID"
DIR2=$E2E_TMP/gc2
PORT2=$(free_port)
if ! start_kplane "$DIR2" "$PORT2" --enable-garbage-collector=false; then
    not_ok "kplane starts without the garbage collector"
    exit 1
fi
use_server "$DIR2" "$PORT2"
K create namespace r >/dev/null
K -n r create configmap bg >/dev/null
mk r ConfigMap bg-dep "" "$(ref ConfigMap bg "$(uid_of r cm bg)")"
K -n r create configmap fg >/dev/null
mk r ConfigMap fg-dep "" "$(ref ConfigMap fg "$(uid_of r cm fg)" true)"
K -n r create configmap or >/dev/null
mk r ConfigMap or-dep "" "$(ref ConfigMap or "$(uid_of r cm or)" true)"
K -n r delete configmap bg >/dev/null
K -n r delete configmap fg --cascade=foreground --wait=false >/dev/null
K -n r delete configmap or --cascade=orphan --wait=false >/dev/null
K create namespace r2 >/dev/null
mk r2 Secret held example.com/hold
K delete namespace r2 --wait=false >/dev/null
sleep 1
check "without the collector: a background owner's dependent stays" exists r cm bg-dep
check "without the collector: a foreground owner stays pending" exists r cm fg
check "without the collector: an orphaning owner stays pending" exists r cm or
stop_pid "$KP_PID"
if ! start_kplane "$DIR2" "$PORT2"; then
    not_ok "kplane restarts with the garbage collector"
    exit 1
fi
check "after the restart: the dangling dependent is collected" wait_until 15 gone r cm bg-dep
check "after the restart: the foreground deletion completes" wait_until 15 gone r cm fg
check "after the restart: ... its dependent went first" gone r cm fg-dep
check "after the restart: the orphaning completes" wait_until 15 gone r cm or
run refs K -n r get configmap or-dep -o 'jsonpath={.metadata.ownerReferences}'
expect_eq "after the restart: the orphan lost its reference" refs ""
check "after the restart: the namespace stays Terminating while its content is there" \
    exists "" namespace r2
unhold r2 secret held
check "after the restart: the Terminating namespace goes once its content is gone" \
    wait_until 15 gone "" namespace r2

# a foreground deletion pending across a restart of a server with the collector
K create namespace p >/dev/null
K -n p create configmap fg >/dev/null
mk p ConfigMap fg-dep example.com/hold "$(ref ConfigMap fg "$(uid_of p cm fg)" true)"
K -n p delete configmap fg --cascade=foreground --wait=false >/dev/null
wait_until 10 is_marked p cm fg-dep
stop_pid "$KP_PID"
start_kplane "$DIR2" "$PORT2" || not_ok "kplane restarts"
check "pending across a restart: the owner still waits" exists p cm fg
unhold p cm fg-dep
check "pending across a restart: completes once the dependent is gone" wait_until 15 gone p cm fg
grep -E 'level=(error)' "$DIR.log" "$DIR2.log" >"$E2E_TMP/errors" 2>&1
run errs cat "$E2E_TMP/errors"
expect_eq "no errors logged" errs ""
