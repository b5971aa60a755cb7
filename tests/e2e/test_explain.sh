#!/usr/bin/env bash
# The field schemas of the built-in kinds, as every kubectl present uses them: kubectl explain
# (1.27/1.28 from the v2 protobuf document, 1.29+ from v3), unknown fields found at any depth
# by kubectl's default (Strict) validation and dropped with --validate=false, and a Deployment
# using every common PodSpec feature applied unchanged, read back identical, re-applied
# unchanged and updated through the strategic merge patch kubectl computes from the document.
#   bash tests/e2e/test_explain.sh    or    TEST_FILTER=explain tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/x
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BIG=$(cd "$(dirname "$0")/../data/openapi" && pwd)/big-deployment.yaml

cat >"$E2E_TMP/typo.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers:
      - name: c
        image: nginx
        imagee: nginx:1.27
        ports: [{containerPort: 80, hostPortt: 8080}]
Y

for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    v=${v##*/}
    run explain-containers "$k" explain deployment.spec.template.spec.containers --recursive
    expect "kubectl $v: explain deployment.spec.template.spec.containers --recursive shows the Container tree" \
        explain-containers '^FIELD: *containers <\[\]Container>|^RESOURCE: *containers <\[\]Object>|containers <\[\]Container>' \
        '^ *livenessProbe[[:space:]]+<Probe>' '^ *httpGet[[:space:]]+<HTTPGetAction>' \
        '^ *port[[:space:]]+<IntOrString> -required-' '^ *valueFrom[[:space:]]+<EnvVarSource>' \
        '^ *capabilities[[:space:]]+<Capabilities>' '^ *limits[[:space:]]+<map\[string\]Quantity>'
    run explain-pod "$k" explain pod.spec
    expect "kubectl $v: explain pod.spec lists the PodSpec fields with types and descriptions" \
        explain-pod '^ *containers[[:space:]]+<\[\]Container> -required-' \
        'List of containers belonging to the pod' '^ *affinity[[:space:]]+<Affinity>' \
        '^ *tolerations[[:space:]]+<\[\]Toleration>' '^ *volumes[[:space:]]+<\[\]Volume>' \
        '^ *securityContext[[:space:]]+<PodSecurityContext>'
    run explain-ports "$k" explain svc.spec.ports
    expect "kubectl $v: explain svc.spec.ports shows ServicePort" explain-ports \
        '^ *port[[:space:]]+<integer> -required-' '^ *targetPort[[:space:]]+<IntOrString>' \
        'The port that will be exposed by this service'

    run typo "$k" apply -f "$E2E_TMP/typo.yaml"
    if [ "$RC" -ne 0 ] && grep -q 'strict decoding error: unknown field "spec.template.spec.containers\[0\].imagee", unknown field "spec.template.spec.containers\[0\].ports\[0\].hostPortt"' "$E2E_TMP/typo.out"; then
        ok "kubectl $v: apply -f with nested unknown fields is refused, naming each"
    else
        not_ok "kubectl $v: apply -f with nested unknown fields is refused, naming each"
        diag "$E2E_TMP/typo.out"
    fi
    check_out "kubectl $v: the refused Deployment was not created" 'NotFound' "$k" get deploy typo

    name=big-${v//./-}
    sed "s/name: big$/name: $name/" "$BIG" >"$E2E_TMP/big.yaml"
    run big "$k" apply -f "$E2E_TMP/big.yaml"
    expect "kubectl $v: a Deployment using every common PodSpec feature is applied unchanged" big \
        "deployment.apps/$name created"
    "$k" create --dry-run=client -o json -f "$E2E_TMP/big.yaml" | jq -S .spec >"$E2E_TMP/want.json"
    "$k" get deploy "$name" -o json | jq -S .spec >"$E2E_TMP/got.json"
    if [ -s "$E2E_TMP/want.json" ] && diff "$E2E_TMP/want.json" "$E2E_TMP/got.json" >"$E2E_TMP/diff.out"; then
        ok "kubectl $v: it reads back identical, no field lost"
    else
        not_ok "kubectl $v: it reads back identical, no field lost"
        diag "$E2E_TMP/diff.out"
    fi
    run big2 "$k" apply -f "$E2E_TMP/big.yaml"
    expect_eq "kubectl $v: applying it again changes nothing" big2 "deployment.apps/$name unchanged"
    # one container's env merged on its name, a probe header list replaced, a legacy volume
    # source (kept open in the schema) changed
    sed -e 's/{name: MODE, value: production}/{name: MODE, value: staging}/' \
        -e 's/value: liveness}/value: live2}/' -e 's/pdName: legacy-disk/pdName: legacy-disk2/' \
        -e 's/cpu: 250m/cpu: 300m/' "$E2E_TMP/big.yaml" >"$E2E_TMP/big2.yaml"
    run big3 "$k" apply -f "$E2E_TMP/big2.yaml"
    expect "kubectl $v: an edited manifest is applied (strategic merge patch from the document)" \
        big3 "deployment.apps/$name configured"
    "$k" create --dry-run=client -o json -f "$E2E_TMP/big2.yaml" | jq -S .spec >"$E2E_TMP/want.json"
    "$k" get deploy "$name" -o json | jq -S .spec >"$E2E_TMP/got.json"
    if [ -s "$E2E_TMP/want.json" ] && diff "$E2E_TMP/want.json" "$E2E_TMP/got.json" >"$E2E_TMP/diff.out"; then
        ok "kubectl $v: the edits are stored and nothing else changed"
    else
        not_ok "kubectl $v: the edits are stored and nothing else changed"
        diag "$E2E_TMP/diff.out"
    fi
done

run novalidate kubectl apply -f "$E2E_TMP/typo.yaml" --validate=false
expect_eq "--validate=false: created without a word" novalidate "deployment.apps/typo created"
run stored kubectl get deploy typo -o jsonpath='{.spec.template.spec.containers[0]}'
expect_eq "the nested unknown fields were dropped, the rest kept" stored \
    '{"image":"nginx","name":"c","ports":[{"containerPort":80}]}'
run warn kubectl apply -f "$E2E_TMP/typo.yaml" --validate=warn
expect "--validate=warn: each nested unknown field is a warning" warn \
    'Warning: unknown field "spec.template.spec.containers\[0\].imagee"' \
    'Warning: unknown field "spec.template.spec.containers\[0\].ports\[0\].hostPortt"'

# Pod, Service and CronJob: nested fields of other kinds
cat >"$E2E_TMP/svc.yaml" <<'Y'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, protocoll: TCP}]
Y
check_out "a Service port's unknown field is named" 'unknown field "spec.ports\[0\].protocoll"' \
    kubectl create -f "$E2E_TMP/svc.yaml"
cat >"$E2E_TMP/cj.yaml" <<'Y'
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: c
            image: busybox
            resources: {limits: {cpu: 100m}}
            securityContext: {runAsNonRoot: true, runAsUsr: 1}
Y
check_out "a CronJob's pod template is checked too" \
    'unknown field "spec.jobTemplate.spec.template.spec.containers\[0\].securityContext.runAsUsr"' \
    kubectl create -f "$E2E_TMP/cj.yaml"
sed -i 's/, runAsUsr: 1}/}/' "$E2E_TMP/cj.yaml"
check_out "without it the CronJob is created" 'cronjob.batch/nightly created' \
    kubectl create -f "$E2E_TMP/cj.yaml"
