#!/usr/bin/env bash
# kubectl's everyday verbs, unmodified, for every kubectl version present: the typed create
# subcommands (protobuf bodies from 1.32 on), edit (with an EDITOR script), label, annotate,
# patch, scale and delete.
#   bash tests/e2e/test_kubectl_verbs.sh    or    TEST_FILTER=kubectl_verbs tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/verbs
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
# a key for "create secret tls": the serving key is private to the server's pki directory
openssl ecparam -name prime256v1 -genkey -noout -out "$E2E_TMP/tls.key" 2>/dev/null
openssl req -x509 -new -key "$E2E_TMP/tls.key" -subj /CN=example.com -days 1 -out "$E2E_TMP/tls.crt" 2>/dev/null
# an EDITOR that changes a label in whatever kubectl edit opens
cat >"$E2E_TMP/editor.sh" <<'S'
#!/bin/sh
sed -i 's/edited: "no"/edited: "yes"/' "$1"
S
chmod +x "$E2E_TMP/editor.sh"

for k in $(kubectl_versions); do
    v=${k##*kubectl.}
    v=${v#*/}
    ns=v${v//./-}
    K() { "$k" -n "$ns" "$@"; }
    check "$v: create namespace $ns" "$k" create namespace "$ns"
    check "$v: create configmap" K create configmap cm --from-literal=a=b
    check "$v: create secret generic" K create secret generic s --from-literal=p=q
    check "$v: create secret tls" K create secret tls tls --cert="$E2E_TMP/tls.crt" --key="$E2E_TMP/tls.key"
    check "$v: create serviceaccount" K create serviceaccount sa
    check "$v: create service clusterip" K create service clusterip svc --tcp=80:8080
    check "$v: create deployment" K create deployment web --image=nginx --replicas=2
    check "$v: create job" K create job j --image=busybox
    check "$v: create cronjob" K create cronjob cj --image=busybox --schedule='*/5 * * * *'
    check "$v: create role" K create role r --verb=get --resource=pods
    check "$v: create rolebinding" K create rolebinding rb --role=r --user=u
    check "$v: create quota" K create quota q --hard=pods=10
    check "$v: create poddisruptionbudget" K create poddisruptionbudget pdb --selector=app=web --min-available=1
    check "$v: create ingress" K create ingress ing --rule='example.com/=svc:80'
    check "$v: create token" K create token sa
    check_out "$v: auth whoami" "kplane-admin" "$k" auth whoami
    check_out "$v: the deployment keeps its replicas" "^2$" K get deploy web -o jsonpath='{.spec.replicas}'
    check "$v: label" K label configmap cm edited=no
    check "$v: annotate" K annotate configmap cm note=hello
    check_out "$v: label and annotation stored" "no hello" K get cm cm -o jsonpath='{.metadata.labels.edited} {.metadata.annotations.note}'
    check "$v: edit (default validation)" env EDITOR="$E2E_TMP/editor.sh" "$k" -n "$ns" edit configmap cm
    check_out "$v: the edit is stored" "^yes$" K get cm cm -o jsonpath='{.metadata.labels.edited}'
    check "$v: patch (strategic merge)" K patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:2"}]}}}}'
    check_out "$v: the patched image" "^nginx:2$" K get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'
    check "$v: scale" K scale deployment web --replicas=5
    check_out "$v: scaled" "^5$" K get deploy web -o jsonpath='{.spec.replicas}'
    check "$v: delete namespace $ns" "$k" delete namespace "$ns"
done
