#!/usr/bin/env bash
# CustomResourceDefinitions per workspace, end to end with every kubectl: a CRD as users write
# them (two versions, printer columns, a short name, a category, status and scale), established
# at once; custom objects validated against the schema with Kubernetes' messages, defaulted and
# pruned; Table columns, short names, categories, explain, scale and status subresources,
# watch, 415 for strategic merge patches; deleting the CRD deletes its objects; the same CRD
# in two workspaces is two independent things.
#   bash tests/e2e/test_crd.sh     or     TEST_FILTER=crd tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/crd
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BASE=https://127.0.0.1:$PORT/clusters
kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$E2E_TMP/admin.crt"
kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$E2E_TMP/admin.key"
adm() { curl -s --cacert "$DIR/pki/ca.crt" --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" "$@"; }

for w in a b; do
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"}}\n' \
        "$w" >"$E2E_TMP/ws-$w.json"
    kubectl create -f "$E2E_TMP/ws-$w.json" >/dev/null
done
A="--server $BASE/root:a"
B="--server $BASE/root:b"

cat >"$E2E_TMP/crd.yaml" <<'Y'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wdg]
    categories: [gadgets]
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Size, type: string, priority: 1, jsonPath: .spec.size}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: string, description: How big it is.}
              color: {type: string, enum: [red, blue], default: red}
              replicas: {type: integer, minimum: 0, maximum: 10, default: 1}
              tags:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
            x-kubernetes-validations:
            - rule: "self.replicas >= 0"
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
Y

# ---- the CRD ----
run apply kubectl $A apply -f "$E2E_TMP/crd.yaml"
expect "apply creates the CRD in root:a" apply "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"
run wait kubectl $A wait --for condition=established --timeout=20s crd/widgets.example.com
expect "kubectl wait --for condition=established returns at once" wait "condition met"
run names kubectl $A get crd widgets.example.com -o 'jsonpath={.status.conditions[?(@.type=="NamesAccepted")].reason} {.status.acceptedNames.kind} {.status.storedVersions}'
expect "NamesAccepted (NoConflicts), acceptedNames and storedVersions are set" names '^NoConflicts Widget \["v1"\]$'
run crdshort kubectl $A get crds
expect "kubectl get crds lists it" crdshort "widgets.example.com"

for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    sed "s/description: What the widget should be./description: What the widget should be ($v)./" \
        "$E2E_TMP/crd.yaml" >"$E2E_TMP/crd-$v.yaml"
    run "crdup-$v" "$k" $A apply -f "$E2E_TMP/crd-$v.yaml"
    expect "kubectl $v: apply of a changed CRD updates it" "crdup-$v" "widgets.example.com configured"
done
run still kubectl $A get crd widgets.example.com -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}'
expect_eq "still Established after updates" still "True"

# a CRD that is not valid: 422 with Kubernetes' field paths
cat >"$E2E_TMP/badcrd.yaml" <<'Y'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.com}
spec:
  group: example.com
  scope: Everywhere
  names: {plural: gizmos, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {properties: {a: {type: string}}}
Y
run badcrd kubectl $A apply -f "$E2E_TMP/badcrd.yaml"
RC=$((1 - RC)) # it must fail
expect "an invalid CRD is refused with each problem" badcrd 'is invalid' \
    'spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced"' \
    'spec.versions: Invalid value: 0: must have exactly one version marked as storage version' \
    'spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].type: Required value: must not be empty for specified object fields'
check "and nothing was stored" sh -c "! kubectl $A get crd gizmos.example.com"

# names that collide: stored, but not accepted (and not served)
sed -e 's/name: widgets.example.com/name: widgets2.example.com/' -e 's/plural: widgets/plural: widgets2/' \
    -e 's/singular: widget$/singular: widget2/' "$E2E_TMP/crd.yaml" >"$E2E_TMP/crd2.yaml"
kubectl $A apply -f "$E2E_TMP/crd2.yaml" >/dev/null 2>&1
run conflict kubectl $A get crd widgets2.example.com -o 'jsonpath={.status.conditions[?(@.type=="NamesAccepted")].status} {.status.conditions[?(@.type=="NamesAccepted")].reason} {.status.conditions[?(@.type=="NamesAccepted")].message} {.status.conditions[?(@.type=="Established")].status}'
expect "a CRD whose names collide is NamesAccepted=False and not Established" conflict '^False (KindConflict|ShortNamesConflict) ".*" is already in use False$'
sed -e 's/name: widgets.example.com/name: pods.example.org/' -e 's/group: example.com/group: example.org/' \
    -e 's/plural: widgets/plural: pods/' -e 's/shortNames: \[wdg\]/shortNames: [po]/' "$E2E_TMP/crd.yaml" >"$E2E_TMP/crd3.yaml"
kubectl $A apply -f "$E2E_TMP/crd3.yaml" >/dev/null 2>&1
run conflict2 kubectl $A get crd pods.example.org -o 'jsonpath={.status.conditions[?(@.type=="NamesAccepted")].reason}: {.status.conditions[?(@.type=="NamesAccepted")].message}'
expect "a short name a built-in resource has is a conflict" conflict2 '^ShortNamesConflict: "po" is already in use$'
kubectl $A delete crd pods.example.org >/dev/null 2>&1

# ---- custom objects, with every kubectl ----
cat >"$E2E_TMP/w.yaml" <<'Y'
apiVersion: example.com/v1
kind: Widget
metadata: {name: NAME}
spec: {size: big, replicas: 3}
Y
cat >"$E2E_TMP/bad.yaml" <<'Y'
apiVersion: example.com/v1
kind: Widget
metadata: {name: bad}
spec: {color: green, replicas: 11}
Y
for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    n="w-${v//./-}"
    sed "s/NAME/$n/" "$E2E_TMP/w.yaml" >"$E2E_TMP/w-$n.yaml"
    run "apply-$n" "$k" $A apply -f "$E2E_TMP/w-$n.yaml"
    expect "kubectl $v: apply creates a Widget (default validation)" "apply-$n" "widget.example.com/$n created"
    run "apply2-$n" "$k" $A apply -f "$E2E_TMP/w-$n.yaml"
    expect "kubectl $v: apply again leaves it unchanged" "apply2-$n" "widget.example.com/$n unchanged"
    run "get-$n" "$k" $A get wdg "$n"
    expect "kubectl $v: get by short name shows the printer columns" "get-$n" \
        '^NAME +COLOR +REPLICAS +READY +AGE$' "^$n +red +3 +[0-9]+s$"
    run "bad-$n" "$k" $A apply -f "$E2E_TMP/bad.yaml"
    expect_bad="spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"
    if grep -q "$expect_bad" "$E2E_TMP/bad-$n.out" && grep -q 'spec.size: Required value' "$E2E_TMP/bad-$n.out" &&
        grep -q 'spec.color: Unsupported value: "green": supported values: "red", "blue"' "$E2E_TMP/bad-$n.out"; then
        ok "kubectl $v: an invalid Widget is refused, one message per problem"
    else
        not_ok "kubectl $v: an invalid Widget is refused, one message per problem"
        diag "$E2E_TMP/bad-$n.out"
    fi
    run "explain-$n" "$k" $A explain widgets.spec.size
    expect "kubectl $v: explain shows the schema's field" "explain-$n" "KIND: +Widget" "How big it is"
done
check "the invalid Widget was not stored" sh -c "! kubectl $A get widget bad"

run wide kubectl $A get widgets -o wide
expect "-o wide adds the priority-1 column" wide '^NAME +COLOR +REPLICAS +READY +SIZE +AGE$' '^w-1-33 +red +3 +big'
run defaulted kubectl $A get widget w-1-33 -o 'jsonpath={.spec.color} {.spec.replicas} {.apiVersion}'
expect_eq "defaults are stored (color), given values kept" defaulted "red 3 example.com/v1"

# pruning and fieldValidation
cat >"$E2E_TMP/extra.yaml" <<'Y'
apiVersion: example.com/v1
kind: Widget
metadata: {name: extra}
spec: {size: s, bogus: 1}
Y
run strict kubectl $A create -f "$E2E_TMP/extra.yaml"
RC=$((1 - RC))
expect "Strict (kubectl's default): an unknown field is a 400 naming it" strict 'strict decoding error: unknown field "spec.bogus"'
run warn kubectl $A create -f "$E2E_TMP/extra.yaml" --validate=warn
expect "Warn: created with a warning" warn 'Warning: unknown field "spec.bogus"' 'widget.example.com/extra created'
run pruned kubectl $A get widget extra -o json
check "the unknown field was pruned" sh -c "! grep -q bogus '$E2E_TMP/pruned.out'"
kubectl $A delete widget extra >/dev/null
run ignore kubectl $A create -f "$E2E_TMP/extra.yaml" --validate=false
expect "Ignore: created silently, pruned" ignore '^widget.example.com/extra created$'

# the other version (conversion None rewrites apiVersion)
run v1beta1 kubectl $A get widgets.v1beta1.example.com w-1-33 -o 'jsonpath={.apiVersion} {.spec.size}'
expect_eq "the same object is served at v1beta1" v1beta1 "example.com/v1beta1 big"

# categories and short names
run cat kubectl $A get gadgets
expect "kubectl get <category> lists the widgets" cat "^w-1-33 "

# scale and status subresources
run scale kubectl $A scale widget w-1-33 --replicas=5
expect "kubectl scale uses /scale" scale "scaled"
run scaled kubectl $A get widget w-1-33 -o 'jsonpath={.spec.replicas}'
expect_eq "specReplicasPath was set" scaled "5"
run st kubectl $A patch widget w-1-33 --subresource=status --type=merge \
    -p '{"status":{"replicas":4,"selector":"app=w","conditions":[{"type":"Ready","status":"True"}]}}'
expect "status is patched through /status" st "patched"
run scaleget adm "$BASE/root:a/apis/example.com/v1/namespaces/default/widgets/w-1-33/scale"
expect "GET /scale reads the paths of the CRD" scaleget '"spec":\{"replicas":5\}' '"replicas":4' '"selector":"app=w"'
run ready kubectl $A get wdg w-1-33 --no-headers
expect "the Ready column follows the condition" ready '^w-1-33 +red +5 +True '
kubectl $A patch widget w-1-33 --type=merge -p '{"status":{"replicas":99}}' >/dev/null
run ignored kubectl $A get widget w-1-33 -o 'jsonpath={.status.replicas}'
expect_eq "status does not change through the main resource" ignored "4"
run smp kubectl $A patch widget w-1-33 -p '{"spec":{"color":"blue"}}'
RC=$((1 - RC))
expect "a strategic merge patch is refused (415)" smp "strategic-merge-patch\+json is not supported"
code=$(adm -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/strategic-merge-patch+json' \
    -d '{"spec":{"color":"blue"}}' "$BASE/root:a/apis/example.com/v1/namespaces/default/widgets/w-1-33")
check "the answer is 415 Unsupported Media Type" test "$code" = 415
run merge kubectl $A patch widget w-1-33 --type=merge -p '{"spec":{"color":"blue"}}'
expect "a merge patch works" merge "patched"
run mergebad kubectl $A patch widget w-1-33 --type=merge -p '{"spec":{"color":"pink"}}'
RC=$((1 - RC))
expect "a patch is validated like a create" mergebad 'spec.color: Unsupported value: "pink"'

# watch
kubectl $A get widgets -w --output-watch-events >"$E2E_TMP/watch.out" 2>&1 &
WPID=$!
E2E_PIDS+=("$WPID")
sleep 2
sed "s/NAME/watched/" "$E2E_TMP/w.yaml" | kubectl $A apply -f - >/dev/null
kubectl $A delete widget watched >/dev/null
sleep 2
stop_pid "$WPID" TERM
check_out "kubectl get -w sees ADDED and DELETED with the printer columns" "DELETED +watched +red +3" cat "$E2E_TMP/watch.out"

# a cluster-scoped CRD without a schema of its own to speak of (x-kubernetes-preserve-unknown-fields)
cat >"$E2E_TMP/regions.yaml" <<'Y'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: regions.geo.example.com}
spec:
  group: geo.example.com
  scope: Cluster
  names: {plural: regions, kind: Region}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
Y
kubectl $A apply -f "$E2E_TMP/regions.yaml" >/dev/null
printf 'apiVersion: geo.example.com/v1alpha1\nkind: Region\nmetadata: {name: eu}\nspec: {anything: [1, 2]}\n' >"$E2E_TMP/eu.yaml"
run region kubectl $A apply -f "$E2E_TMP/eu.yaml"
expect "a cluster-scoped custom object is created" region "region.geo.example.com/eu created"
run regionget kubectl $A get regions eu -o 'jsonpath={.spec.anything[1]} {.metadata.namespace}'
expect_eq "kept whole (preserve-unknown-fields), without a namespace" regionget "2 "
run regionfs kubectl $A get regions --field-selector metadata.name=eu --no-headers
expect "field selector metadata.name works on custom objects" regionfs "^eu +[0-9]+s$"
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/root:a/apis/geo.example.com/v1alpha1/namespaces/default/regions")
check "a cluster-scoped custom resource has no namespaced URL (404)" test "$code" = 404

# ---- workspaces ----
run other kubectl $B get widgets
RC=$((1 - RC))
expect "root:b does not serve root:a's CRD" other "the server doesn't have a resource type \"widgets\""
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/root:b/apis/example.com/v1/namespaces/default/widgets")
check "its URL is 404 in root:b" test "$code" = 404
sed 's/enum: \[red, blue\]/enum: [green]/; s/default: red/default: green/' "$E2E_TMP/crd.yaml" >"$E2E_TMP/crd-b.yaml"
run applyb kubectl $B apply -f "$E2E_TMP/crd-b.yaml"
expect "the same CRD name in root:b is a CRD of its own" applyb "created"
sed "s/NAME/wb/" "$E2E_TMP/w.yaml" | sed 's/replicas: 3/replicas: 3, color: green/' >"$E2E_TMP/wb.yaml"
run wb kubectl $B apply -f "$E2E_TMP/wb.yaml"
expect "root:b validates with its own schema" wb "widget.example.com/wb created"
run bsees kubectl $B get widgets --no-headers
expect "root:b lists only its own widgets" bsees "^wb +green"
check "root:a's widgets are not in root:b" sh -c "! grep -q w-1-33 '$E2E_TMP/bsees.out'"

# ---- delete the CRD: its objects go, and a new one starts empty ----
run del kubectl $A delete crd widgets.example.com
expect "delete the CRD in root:a" del "deleted"
code=$(adm -o /dev/null -w '%{http_code}' "$BASE/root:a/apis/example.com/v1/namespaces/default/widgets")
check "widgets are no longer served in root:a" test "$code" = 404
run accepted kubectl $A wait --for condition=established --timeout=10s crd/widgets2.example.com
expect "the CRD whose names collided is accepted and established once the other is gone" accepted "condition met"
run served kubectl $A get widgets2 --no-headers
expect "and served" served "No resources found"
kubectl $A delete crd widgets2.example.com >/dev/null
run bstill kubectl $B get widgets --no-headers
expect "root:b's CRD and widgets are untouched" bstill "^wb "
kubectl $A apply -f "$E2E_TMP/crd.yaml" >/dev/null
kubectl $A wait --for condition=established --timeout=20s crd/widgets.example.com >/dev/null
run empty kubectl $A get widgets
expect "re-created, the CRD starts empty" empty "No resources found"
