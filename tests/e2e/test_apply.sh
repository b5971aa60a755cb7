#!/usr/bin/env bash
# kubectl's apply flows against kplane, with every kubectl present: client-side apply (create,
# update, a removed field goes through the last-applied annotation), kubectl diff (server
# dry-run), apply --prune, server-side apply (create, update, conflicts naming the manager,
# --force-conflicts, removed fields, the migration from client-side apply) and managedFields;
# then the raw API: bad apply bodies and conflicts change nothing, the Status of a conflict,
# dry-run, force, and managedFields sent by clients.
#   bash tests/e2e/test_apply.sh    or    TEST_FILTER=apply tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/a
PORT=$(free_port)
printf 'bob-token,bob,3001\n' >"$E2E_TMP/tokens.csv"
if ! start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$E2E_TMP/c.crt"
kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$E2E_TMP/c.key"
BASE=https://127.0.0.1:$PORT/clusters/root

# manifest FILE NS REPLICAS ENV...: a Deployment and a Service labelled app=x
manifest() {
    local f=$1 ns=$2 rep=$3 env="" e
    shift 3
    for e in "$@"; do env="$env{name: $e, value: \"1\"}, "; done
    cat >"$f" <<Y
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns, labels: {app: x}}
spec:
  replicas: $rep
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
        env: [${env%, }]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: $ns, labels: {app: x}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
Y
}

for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    v=${v#*/}
    ns=a-${v//./-}
    kk() { timeout 60 "$k" -n "$ns" "$@"; }
    kk create namespace "$ns" >/dev/null 2>&1
    M=$E2E_TMP/m.yaml

    # ---- client-side apply ----
    manifest "$M" "$ns" 2 A B
    run csa "$k" apply -f "$M"
    expect "kubectl $v: apply -f creates a Deployment and a Service" csa \
        "deployment.apps/web created" "service/web created"
    run mf kk get deploy web -o yaml --show-managed-fields
    expect "kubectl $v: managedFields name kubectl-client-side-apply, Update, FieldsV1 with list keys" mf \
        "manager: kubectl-client-side-apply" "operation: Update" "fieldsType: FieldsV1" \
        'k:\{"name":"nginx"\}:' 'k:\{"containerPort":80,"protocol":"TCP"\}:' 'f:replicas: \{\}'
    run diff0 kk diff -f "$M"
    expect_eq "kubectl $v: diff of the applied manifest is empty (exit 0)" diff0 ""
    manifest "$M" "$ns" 4 A
    run diff1 kk diff -f "$M"
    if [ "$RC" -eq 1 ] && grep -qE '^\+  replicas: 4' "$E2E_TMP/diff1.out"; then
        ok "kubectl $v: diff of a changed manifest shows the change and exits 1"
    else
        not_ok "kubectl $v: diff of a changed manifest (exit $RC)"
        diag "$E2E_TMP/diff1.out"
    fi
    run rep kk get deploy web -o jsonpath='{.spec.replicas}'
    expect_eq "kubectl $v: diff (server dry-run) changed nothing" rep "2"
    run csa2 "$k" apply -f "$M"
    expect "kubectl $v: apply -f again configures" csa2 "deployment.apps/web configured"
    run env kk get deploy web -o jsonpath='{.spec.template.spec.containers[0].env[*].name}/{.spec.replicas}'
    expect_eq "kubectl $v: the env var left out of the manifest is gone (last-applied)" env "A/4"

    # ---- prune ----
    cat "$M" >"$E2E_TMP/p.yaml"
    printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: %s, labels: {app: x}}\ndata: {k: v}\n' \
        "$ns" >>"$E2E_TMP/p.yaml"
    kk apply -f "$E2E_TMP/p.yaml" >/dev/null 2>&1
    # kubectl's default prune list: every kind in it is served
    run prune "$k" apply --prune -l app=x -f "$M"
    expect "kubectl $v: apply --prune -l app=x prunes the labelled ConfigMap left out" prune \
        "configmap/extra pruned"
    run gone kk get configmap extra
    if [ "$RC" -ne 0 ] && grep -q NotFound "$E2E_TMP/gone.out"; then
        ok "kubectl $v: the pruned ConfigMap is deleted"
    else
        not_ok "kubectl $v: the pruned ConfigMap is deleted"
        diag "$E2E_TMP/gone.out"
    fi

    # ---- server-side apply after client-side apply, conflicts ----
    kk scale deploy web --replicas=3 >/dev/null 2>&1
    manifest "$M" "$ns" 5 A
    run ssa1 "$k" apply --server-side -f "$M"
    if [ "$RC" -ne 0 ] && grep -qE 'conflict with "kubectl[^"]*"( with subresource "scale")? using apps/v1: \.spec\.replicas' \
        "$E2E_TMP/ssa1.out"; then
        ok "kubectl $v: apply --server-side conflicts on .spec.replicas, naming the manager that scaled"
    else
        not_ok "kubectl $v: apply --server-side conflicts (exit $RC)"
        diag "$E2E_TMP/ssa1.out"
    fi
    run rep kk get deploy web -o jsonpath='{.spec.replicas}'
    expect_eq "kubectl $v: the conflicting apply changed nothing" rep "3"
    run ssa2 "$k" apply --server-side --force-conflicts -f "$M"
    expect "kubectl $v: --force-conflicts applies" ssa2 "deployment.apps/web serverside-applied"
    run rep kk get deploy web -o jsonpath='{.spec.replicas}'
    expect_eq "kubectl $v: and takes .spec.replicas over" rep "5"
    run mf kk get deploy web -o yaml --show-managed-fields
    expect "kubectl $v: managedFields: manager kubectl, operation Apply" mf \
        "manager: kubectl$" "operation: Apply"
    if grep -q "manager: kubectl-client-side-apply" "$E2E_TMP/mf.out"; then
        not_ok "kubectl $v: the client-side apply manager's fields moved to kubectl (migration)"
        diag "$E2E_TMP/mf.out" 60
    else
        ok "kubectl $v: the client-side apply manager's fields moved to kubectl (migration)"
    fi
    sed -i 's/labels: {app: x}}/labels: {app: x, tier: web}}/' "$M"
    run ssa3 "$k" apply --server-side -f "$M"
    expect "kubectl $v: apply --server-side updates" ssa3 "serverside-applied"
    run lab kk get deploy web -o jsonpath='{.metadata.labels.tier}'
    expect_eq "kubectl $v: with the added label" lab "web"
    manifest "$M" "$ns" 5
    run ssa4 "$k" apply --server-side -f "$M"
    run env kk get deploy web -o jsonpath='{.spec.template.spec.containers[0].env}{.metadata.labels}'
    expect_eq "kubectl $v: fields left out of a server-side apply are removed (env, label tier)" env \
        '{"app":"x"}'

    sed 's/replicas: 5/replicas: 8/' "$M" >"$E2E_TMP/m8.yaml"
    run sd kk diff --server-side -f "$E2E_TMP/m8.yaml"
    if [ "$RC" -eq 1 ] && grep -qE '^\+  replicas: 8' "$E2E_TMP/sd.out"; then
        ok "kubectl $v: diff --server-side shows the change (server-side apply, dry run)"
    else
        not_ok "kubectl $v: diff --server-side (exit $RC)"
        diag "$E2E_TMP/sd.out"
    fi
    run sd0 kk diff --server-side -f "$M"
    expect_eq "kubectl $v: diff --server-side of the applied manifest is empty" sd0 ""

    # ---- server-side apply from scratch, and an edit that conflicts ----
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s, namespace: %s}\ndata: {a: "1", b: "2"}\n' \
        "$ns" >"$E2E_TMP/s.yaml"
    run s1 "$k" apply --server-side -f "$E2E_TMP/s.yaml"
    expect "kubectl $v: apply --server-side creates" s1 "configmap/s serverside-applied"
    rv1=$(kk get cm s -o jsonpath='{.metadata.resourceVersion}' 2>&1)
    run s1b "$k" apply --server-side -f "$E2E_TMP/s.yaml"
    run s1c kk get cm s -o jsonpath='{.metadata.resourceVersion}'
    expect_eq "kubectl $v: the same apply again writes nothing (resourceVersion stays $rv1)" s1c "$rv1"
    kk patch configmap s --type=merge -p '{"data":{"a":"9"}}' >/dev/null 2>&1
    run s2 "$k" apply --server-side -f "$E2E_TMP/s.yaml"
    if [ "$RC" -ne 0 ] && grep -qE 'conflict with "kubectl-patch" using v1: \.data\.a' "$E2E_TMP/s2.out"; then
        ok "kubectl $v: a field changed by kubectl patch conflicts with the next apply"
    else
        not_ok "kubectl $v: a field changed by kubectl patch conflicts (exit $RC)"
        diag "$E2E_TMP/s2.out"
    fi
    run s3 kk get cm s -o jsonpath='{.data.a}'
    expect_eq "kubectl $v: and keeps its value" s3 "9"
    EDITOR='sed -i -e "s/^  b: \"2\"$/  b: edited/"' timeout 60 "$k" -n "$ns" edit configmap s >/dev/null 2>&1
    run s4 "$k" apply --server-side -f "$E2E_TMP/s.yaml"
    f=$E2E_TMP/s4.out
    if [ "$RC" -ne 0 ] && grep -q 'Apply failed with 2 conflicts' "$f" &&
        grep -q 'conflicts with "kubectl-edit" using v1:' "$f" && grep -q '^- \.data\.b' "$f" &&
        grep -q 'conflicts with "kubectl-patch" using v1:' "$f"; then
        ok "kubectl $v: after kubectl edit, the apply fails with two conflicts naming kubectl-edit and kubectl-patch"
    else
        not_ok "kubectl $v: after kubectl edit, two conflicts (exit $RC)"
        diag "$f"
    fi
    run s5 "$k" apply --server-side --force-conflicts -f "$E2E_TMP/s.yaml"
    run s6 kk get cm s -o jsonpath='{.data.a}/{.data.b}'
    expect_eq "kubectl $v: --force-conflicts takes both back" s6 "1/2"
done

# ---- the raw API ----
# api NAME METHOD PATH CONTENT-TYPE BODY [curl args]: body in $E2E_TMP/NAME.json, code in CODE
# as the admin, or as AS=bob
api() {
    local n=$1 m=$2 p=$3 ct=$4 body=$5 auth=(--cert "$E2E_TMP/c.crt" --key "$E2E_TMP/c.key")
    shift 5
    N=$n
    [ "${AS:-}" = bob ] && auth=(-H "Authorization: Bearer bob-token")
    CODE=$(curl -s -o "$E2E_TMP/$n.json" -w '%{http_code}' --cacert "$DIR/pki/ca.crt" \
        "${auth[@]}" -X "$m" -H "Content-Type: $ct" --data-binary "$body" "$@" "$BASE$p")
}
# jq_ NAME EXPR: a Python expression over the JSON answer j
jq_() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$E2E_TMP/$1.json"; }
code_is() { # description want
    if [ "$CODE" = "$2" ]; then ok "$1"; else
        not_ok "$1 (HTTP $CODE, wanted $2)"
        diag "$E2E_TMP/$N.json"
    fi
}
eq() { # description got want
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got \"$2\", wanted \"$3\")"; fi
}
CM=/api/v1/namespaces/default/configmaps
AP=application/apply-patch+yaml

api c1 PATCH "$CM/cfg?fieldManager=tool-a" $AP \
    $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k: v\n  x: "1"\n'
code_is "apply (YAML) to a missing object creates it: 201" 201
eq "its managedFields: one Apply entry of tool-a with FieldsV1" \
    "$(jq_ c1 '[(e["manager"],e["operation"],e["apiVersion"],e["fieldsType"],e["fieldsV1"]) for e in j["metadata"]["managedFields"]]')" \
    "[('tool-a', 'Apply', 'v1', 'FieldsV1', {'f:data': {'f:k': {}, 'f:x': {}}})]"
eq "the entry has an RFC 3339 time" "$(jq_ c1 'j["metadata"]["managedFields"][0]["time"][-1]')" Z
api c2 PATCH "$CM/cfg?fieldManager=tool-b" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"k":"other"}}'
code_is "an apply (JSON) changing another applier's field: 409" 409
eq "Status reason Conflict, one FieldManagerConflict cause naming field and manager" \
    "$(jq_ c2 '(j["reason"], [(c["reason"], c["field"], c["message"]) for c in j["details"]["causes"]])')" \
    "('Conflict', [('FieldManagerConflict', '.data.k', 'conflict with \"tool-a\"')])"
eq "the message is Kubernetes'" "$(jq_ c2 'j["message"]')" \
    'Apply failed with 1 conflict: conflict with "tool-a": .data.k'
api g0 GET "$CM/cfg" application/json ''
RV0=$(jq_ g0 'j["metadata"]["resourceVersion"]')
eq "the conflicting apply changed nothing" "$(jq_ g0 'j["data"]')" "{'k': 'v', 'x': '1'}"
api c3 PATCH "$CM/cfg?fieldManager=tool-b" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"k":"v"}}'
code_is "an apply that sets a shared field to its current value does not conflict" 200
eq "both appliers own .data.k" "$(jq_ c3 'sorted(e["manager"] for e in j["metadata"]["managedFields"] if "f:k" in e["fieldsV1"]["f:data"])')" \
    "['tool-a', 'tool-b']"
api c4 PATCH "$CM/cfg?fieldManager=tool-a" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"k":"v"}}'
eq "tool-a drops .data.x: it is removed; .data.k stays" "$CODE $(jq_ c4 'j["data"]')" "200 {'k': 'v'}"
api c5 PATCH "$CM/cfg?fieldManager=tool-b&force=true" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"k":"w"}}'
eq "force=true takes the field: tool-a's entry goes" "$CODE $(jq_ c5 '(j["data"], [e["manager"] for e in j["metadata"]["managedFields"]])')" \
    "200 ({'k': 'w'}, ['tool-b'])"
api c6 PATCH "$CM/cfg?fieldManager=ed" application/merge-patch+json '{"data":{"k":"z","n":"1"}}'
eq "a merge patch never conflicts: its fields move to its manager (Update)" \
    "$(jq_ c6 '[(e["manager"], e["operation"], e["fieldsV1"]) for e in j["metadata"]["managedFields"]]')" \
    "[('ed', 'Update', {'f:data': {'f:k': {}, 'f:n': {}}})]"

api jp PATCH "$CM/cfg?fieldManager=jp" application/json-patch+json '[{"op":"add","path":"/data/j","value":"1"}]'
eq "a JSON patch records its manager owning the field it added" \
    "$CODE $(jq_ jp '[e["fieldsV1"] for e in j["metadata"]["managedFields"] if e["manager"] == "jp"]')" \
    "200 [{'f:data': {'f:j': {}}}]"
api g1 GET "$CM/cfg" application/json ''
body=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); o["data"]["k"]="put"; print(json.dumps(o))' "$E2E_TMP/g1.json")
api put PUT "$CM/cfg?fieldManager=putter" application/json "$body"
eq "a PUT moves the field it changed to its manager; the stored managedFields it sent back stay" \
    "$CODE $(jq_ put 'sorted((e["manager"], e["fieldsV1"]) for e in j["metadata"]["managedFields"])')" \
    "200 [('ed', {'f:data': {'f:n': {}}}), ('jp', {'f:data': {'f:j': {}}}), ('putter', {'f:data': {'f:k': {}}})]"
api g1 GET "$CM/cfg" application/json ''
RV1=$(jq_ g1 'j["metadata"]["resourceVersion"]')
bad() { # description want-code body [query]
    api bad PATCH "$CM/cfg?fieldManager=t${4:-}" $AP "$3"
    code_is "$1" "$2"
    api bg GET "$CM/cfg" application/json ''
    eq "  ... and changes nothing" "$(jq_ bg 'j["metadata"]["resourceVersion"]')" "$RV1"
}
bad "apply of a list body: 400" 400 '[1, 2]'
bad "apply of a scalar body: 400" 400 '"text"'
bad "apply with another apiVersion: 400" 400 '{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"cfg"}}'
bad "apply without apiVersion: 400" 400 '{"kind":"ConfigMap","metadata":{"name":"cfg"}}'
bad "apply with another kind: 400" 400 '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"cfg"}}'
bad "apply with another name than the URL: 400" 400 '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}'
bad "apply with malformed YAML: 400" 400 $'apiVersion: v1\nkind: [\n'
bad "apply with duplicate list keys: 422" 422 '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","ownerReferences":[{"uid":"1","name":"a","kind":"K","apiVersion":"v1"},{"uid":"1","name":"b","kind":"K","apiVersion":"v1"}]}}'
eq "  ... naming the key" "$(jq_ bad '"duplicate" in j["message"]')" True
api rv PATCH "$CM/cfg?fieldManager=t" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","resourceVersion":"1"},"data":{"rv":"x"}}'
eq "a stale resourceVersion in the configuration is a failed precondition: 409 Conflict" \
    "$CODE $(jq_ rv 'j["reason"]')" "409 Conflict"
api bg GET "$CM/cfg" application/json ''
eq "  ... and changes nothing" "$(jq_ bg 'j["metadata"]["resourceVersion"]')" "$RV1"
api nofm PATCH "$CM/cfg" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"}}'
eq "apply without fieldManager: 422 with Kubernetes' message" "$CODE $(jq_ nofm 'j["message"]')" \
    '422 PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
api f PATCH "$CM/cfg?force=true" application/merge-patch+json '{"data":{"q":"1"}}'
code_is "force on a merge patch: 422" 422
api long PATCH "$CM/cfg?fieldManager=$(printf 'm%.0s' $(seq 1 129))" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"}}'
code_is "a fieldManager over 128 bytes: 422" 422

api dry PATCH "$CM/dry?fieldManager=t&dryRun=All" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"},"data":{"a":"b"}}'
code_is "a dry-run apply of a missing object answers 201" 201
api dg GET "$CM/dry" application/json ''
code_is "  ... and creates nothing" 404

# managedFields sent by clients
api ua POST "$CM" application/json '{"metadata":{"name":"ua"},"data":{"a":"1"}}' -A "mytool/1.2 (linux)"
eq "without fieldManager the manager is the User-Agent up to its first /" \
    "$(jq_ ua '[(e["manager"], e["operation"]) for e in j["metadata"]["managedFields"]]')" "[('mytool', 'Update')]"
api inv PATCH "$CM/ua?fieldManager=x" application/merge-patch+json '{"metadata":{"managedFields":[{"manager":"evil","operation":"Bogus","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{}}]}}'
eq "invalid managedFields from a client are ignored (kept as stored)" \
    "$CODE $(jq_ inv '[e["manager"] for e in j["metadata"]["managedFields"]]')" "200 ['mytool']"
api own PATCH "$CM/ua?fieldManager=x" application/merge-patch+json '{"metadata":{"managedFields":[{"manager":"other","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]}}'
eq "valid managedFields from a client replace them" \
    "$CODE $(jq_ own '[(e["manager"], e["operation"]) for e in j["metadata"]["managedFields"]]')" "200 [('other', 'Apply')]"
api rst2 PATCH "$CM/ua?fieldManager=x" application/merge-patch+json '{"metadata":{"managedFields":[]}}'
eq "an empty managedFields list changes nothing (clients unaware of them drop nothing)" \
    "$CODE $(jq_ rst2 '[e["manager"] for e in j["metadata"]["managedFields"]]')" "200 ['other']"
api rst PATCH "$CM/ua?fieldManager=x" application/merge-patch+json '{"metadata":{"managedFields":[{}]}}'
eq "managedFields [{}] resets them" "$CODE $(jq_ rst '"managedFields" in j["metadata"]')" "200 False"
api st PATCH "/apis/apps/v1/namespaces/$ns/deployments/web/status?fieldManager=st" \
    application/merge-patch+json '{"status":{"conditions":[{"type":"X","status":"True"}]}}'
eq "a /status patch records subresource status, owning status fields only" \
    "$CODE $(jq_ st '[(e["operation"], e.get("subresource"), list(e["fieldsV1"])) for e in j["metadata"]["managedFields"] if e["manager"] == "st"]')" \
    "200 [('Update', 'status', ['f:status'])]"
api sc PATCH "/apis/apps/v1/namespaces/$ns/deployments/web/scale?fieldManager=sc" application/merge-patch+json \
    '{"spec":{"replicas":7}}'
api sc GET "/apis/apps/v1/namespaces/$ns/deployments/web" application/json ''
eq "a /scale patch records subresource scale owning .spec.replicas" \
    "$(jq_ sc '[(e["operation"], e.get("subresource"), e["fieldsV1"]) for e in j["metadata"]["managedFields"] if e["manager"] == "sc"]')" \
    "[('Update', 'scale', {'f:spec': {'f:replicas': {}}})]"

# an apply that creates takes the create verb too
kubectl apply -f - >/dev/null <<'Y'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cm-patcher}
rules:
- {nonResourceURLs: ["/"], verbs: [access]}
- {apiGroups: [""], resources: [configmaps], verbs: [get, patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-patches}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cm-patcher}
subjects: [{kind: User, name: bob}]
Y
AS=bob api b1 PATCH "$CM/bobs?fieldManager=bob" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bobs"}}'
eq "an apply that would create, by a user who may patch but not create: 403 Forbidden" \
    "$CODE $(jq_ b1 'j["reason"]')" "403 Forbidden"
api b0 GET "$CM/bobs" application/json ''
code_is "  ... and nothing is created" 404
AS=bob api b2 PATCH "$CM/cfg?fieldManager=bob" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"bob":"1"}}'
eq "the same user may apply to an existing object (patch)" "$CODE $(jq_ b2 'j["data"]["bob"]')" "200 1"
kubectl patch clusterrole cm-patcher --type=json \
    -p '[{"op":"add","path":"/rules/1/verbs/-","value":"create"}]' >/dev/null
AS=bob api b3 PATCH "$CM/bobs?fieldManager=bob" $AP '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bobs"}}'
code_is "with create granted, the apply creates: 201" 201

# ---- custom resources: list types from the CRD's schema ----
kubectl apply -f - >/dev/null <<'Y'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              parts:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties: {name: {type: string}, count: {type: integer}}
              tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
              args: {type: array, items: {type: string}}
Y
for _ in $(seq 1 50); do kubectl get gizmos >/dev/null 2>&1 && break; sleep 0.1; done
G=$E2E_TMP/g.yaml
printf 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g1, namespace: default}\nspec:\n  size: 1\n  parts: [{name: a, count: 1}, {name: b, count: 2}]\n  tags: [red, blue]\n  args: [p, q]\n' >"$G"
run g1 kubectl apply --server-side -f "$G"
expect "a custom resource: apply --server-side creates it" g1 "gizmo.example.com/g1 serverside-applied"
run gmf kubectl get gizmo g1 -o jsonpath='{.metadata.managedFields[0].fieldsV1}'
expect "its managedFields key parts by name (list-type map), tags by value (set), args whole" gmf \
    'k:\{\\"name\\":\\"a\\"\}' 'v:\\"red\\"' '"f:args":\{\}'
kubectl patch gizmo g1 --type=merge -p '{"spec":{"size":5}}' >/dev/null
run g2 kubectl apply --server-side -f "$G"
if [ "$RC" -ne 0 ] && grep -q 'conflict with "kubectl-patch" using example.com/v1: .spec.size' "$E2E_TMP/g2.out"; then
    ok "a custom resource: a patched field conflicts with the next apply"
else
    not_ok "a custom resource: a patched field conflicts (exit $RC)"
    diag "$E2E_TMP/g2.out"
fi
printf 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g1, namespace: default}\nspec:\n  parts: [{name: b, count: 3}]\n  tags: [blue]\n  args: [q]\n' >"$G"
run g3 kubectl apply --server-side -f "$G"
run g4 kubectl get gizmo g1 -o jsonpath='{.spec}'
expect_eq "a custom resource: items and values left out go, the patched size stays" g4 \
    '{"args":["q"],"parts":[{"count":3,"name":"b"}],"size":5,"tags":["blue"]}'
