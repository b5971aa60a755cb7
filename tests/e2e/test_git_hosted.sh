#!/usr/bin/env bash
# Hosted Git repositories and the GitOps webhook (gitops/hosted.c), end to end with the real
# git: push over HTTPS with the admin client certificate, a bearer token (http.extraHeader)
# and Basic (the password is a token), clone back and compare; who may fetch or push (RBAC
# get / create or update on gitrepositories.gitops.kplane.io); two workspaces with a
# repository of the same name; force-push; a push larger than the API's body cap; the webhook
# with GitHub's HMAC signature and GitLab's token; a hanging or failing git http-backend is
# stopped and reaped.
#   bash tests/e2e/test_git_hosted.sh     or     TEST_FILTER=git_hosted tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

KUBECTL=$(command -v kubectl || kubectl_versions | tail -1)
K() { "$KUBECTL" "$@"; }
# the environment may point git at the system CA bundle; each command names kplane's CA
unset GIT_SSL_CAINFO GIT_SSL_CERT GIT_SSL_KEY
export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=e2e GIT_AUTHOR_EMAIL=e2e@example.com
export GIT_COMMITTER_NAME=e2e GIT_COMMITTER_EMAIL=e2e@example.com

DIR=$E2E_TMP/kp
PORT=$(free_port)
T_PUSH=push-token-$RANDOM$RANDOM
T_READ=read-token-$RANDOM$RANDOM
T_NONE=none-token-$RANDOM$RANDOM
T_UPD=update-token-$RANDOM$RANDOM
{
    echo "$T_PUSH,pusher,3001"
    echo "$T_READ,reader,3002"
    echo "$T_NONE,nobody,3003"
    echo "$T_UPD,updater,3004"
} >"$E2E_TMP/tokens.csv"
if ! start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv"; then
    not_ok "kplane starts"
    diag "$DIR.log"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BASE=https://127.0.0.1:$PORT
CA=$DIR/pki/ca.crt
# git with the admin client certificate, with a bearer token, with nothing
GA() { git -c "http.sslCert=$DIR/pki/admin.crt" -c "http.sslKey=$DIR/pki/admin.key" -c "http.sslCAInfo=$CA" "$@"; }
GT() { # token git-args...
    local t=$1
    shift
    git -c "http.sslCAInfo=$CA" -c "http.extraHeader=Authorization: Bearer $t" "$@"
}
GN() { git -c "http.sslCAInfo=$CA" "$@"; }
adm() { curl -s --cacert "$CA" --cert "$DIR/pki/admin.crt" --key "$DIR/pki/admin.key" "$@"; }
anon() { curl -s --cacert "$CA" "$@"; }
# head_of URL-of-repo: the sha of main there, as the admin sees it ("" when none)
head_of() { GA ls-remote "$1" refs/heads/main 2>/dev/null | cut -f1; }

# RBAC in root: entering the workspace, then reading or writing gitrepositories
K apply -f - >/dev/null 2>&1 <<'EOF'
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: enter}
  rules: [{nonResourceURLs: ["/"], verbs: ["access"]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: git-writer}
  rules: [{apiGroups: ["gitops.kplane.io"], resources: ["gitrepositories"], verbs: ["get", "create"]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: git-updater}
  rules: [{apiGroups: ["gitops.kplane.io"], resources: ["gitrepositories"], verbs: ["get", "update"]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: git-reader}
  rules: [{apiGroups: ["gitops.kplane.io"], resources: ["gitrepositories"], verbs: ["get", "list"]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: enter}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: enter}
  subjects:
  - {kind: User, name: pusher, apiGroup: rbac.authorization.k8s.io}
  - {kind: User, name: reader, apiGroup: rbac.authorization.k8s.io}
  - {kind: User, name: nobody, apiGroup: rbac.authorization.k8s.io}
  - {kind: User, name: updater, apiGroup: rbac.authorization.k8s.io}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: git-writer}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: git-writer}
  subjects: [{kind: User, name: pusher, apiGroup: rbac.authorization.k8s.io}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: git-updater}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: git-updater}
  subjects: [{kind: User, name: updater, apiGroup: rbac.authorization.k8s.io}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: git-reader}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: git-reader}
  subjects: [{kind: User, name: reader, apiGroup: rbac.authorization.k8s.io}]
EOF
check "RBAC for the test users is in place" K get clusterrolebinding git-reader

# ---- push with the admin certificate, clone back ----
URL=$BASE/clusters/root/git/app.git
SRC=$E2E_TMP/src
mkdir -p "$SRC/manifests"
git -C "$SRC" init -q -b main
for i in 1 2 3; do
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm%s\ndata:\n  v: "%s"\n' "$i" "$i" >"$SRC/manifests/cm$i.yaml"
done
git -C "$SRC" add . && git -C "$SRC" commit -qm one
C1=$(git -C "$SRC" rev-parse HEAD)
run push1 GA -C "$SRC" push "$URL" main
expect "push with the admin client certificate creates the hosted repository" push1 'new branch.*main -> main'
check "it is a bare repository under <data dir>/git/root/app.git" test -f "$DIR/git/root/app.git/HEAD"
run clone1 GA clone -q "$URL" "$E2E_TMP/clone1"
expect "clone it back with the certificate" clone1
check "the clone has the same files" diff -r -x .git "$SRC" "$E2E_TMP/clone1"
check "the clone's main is the pushed commit" test "$(git -C "$E2E_TMP/clone1" rev-parse HEAD)" = "$C1"
check_out "the hosted repository's HEAD is main" "refs/heads/main" \
    git --git-dir "$DIR/git/root/app.git" symbolic-ref HEAD
run clonegz GA -c protocol.version=0 clone -q "$URL" "$E2E_TMP/clone-v0"
expect "clone over protocol version 0 as well" clonegz

# ---- bearer tokens and RBAC ----
echo "4" >"$SRC/manifests/extra.txt"
git -C "$SRC" add . && git -C "$SRC" commit -qm two
C2=$(git -C "$SRC" rev-parse HEAD)
run push2 GT "$T_PUSH" -C "$SRC" push "$URL" main
expect "a bearer token with create on gitrepositories may push" push2 "$(echo "$C1" | cut -c1-7)\.\.$(echo "$C2" | cut -c1-7) +main -> main"
check "the hosted main moved to the new commit" test "$(head_of "$URL")" = "$C2"

git -C "$SRC" commit -q --allow-empty -m three
C3=$(git -C "$SRC" rev-parse HEAD)
run push_upd GT "$T_UPD" -C "$SRC" push "$URL" main
expect "update (without create) on gitrepositories may push too" push_upd 'main -> main'
check "the hosted main moved again" test "$(head_of "$URL")" = "$C3"

run clone_r GT "$T_READ" clone -q "$URL" "$E2E_TMP/clone-r"
expect "a reader (get on gitrepositories) may clone" clone_r
check "the reader's clone is at the pushed commit" test "$(git -C "$E2E_TMP/clone-r" rev-parse HEAD)" = "$C3"
git -C "$E2E_TMP/clone-r" commit -q --allow-empty -m "reader was here"
run push_r GT "$T_READ" -C "$E2E_TMP/clone-r" push "$URL" main
if [ "$RC" -ne 0 ] && grep -qE 'cannot push to hosted repository "app".*"create" or "update"' "$E2E_TMP/push_r.out" &&
    grep -q 403 "$E2E_TMP/push_r.out"; then
    ok "a reader may not push: 403 naming the verbs and the resource (git prints it)"
else
    not_ok "a reader may not push: 403 naming the verbs and the resource (git prints it)"
    diag "$E2E_TMP/push_r.out"
fi
check "nothing changed after the refused push" test "$(head_of "$URL")" = "$C3"

run clone_n GT "$T_NONE" clone -q "$URL" "$E2E_TMP/clone-n"
if [ "$RC" -ne 0 ] && grep -q 'cannot fetch from hosted repository "app"' "$E2E_TMP/clone_n.out"; then
    ok "a user without get on gitrepositories may not clone (403, message shown)"
else
    not_ok "a user without get on gitrepositories may not clone (403, message shown)"
    diag "$E2E_TMP/clone_n.out"
fi
git -C "$SRC" commit -q --allow-empty -m "nobody's"
run push_n GT "$T_NONE" -C "$SRC" push "$URL" main
check "a user without create or update may not push" test "$RC" -ne 0
check "nothing changed after that either" test "$(head_of "$URL")" = "$C3"
git -C "$SRC" reset -q --hard "$C3"

run push_anon GN -C "$SRC" push "$URL" main
check_out "without credentials git is refused (401, asks for credentials)" \
    'could not read Username|Authentication failed|401' cat "$E2E_TMP/push_anon.out"
check_out "the 401 offers Basic" '^HTTP/[0-9.]+ 401|WWW-Authenticate: Basic realm="kplane"' \
    anon -i "$URL/info/refs?service=git-upload-pack"
check_out "a bad bearer token is 401" '^HTTP/[0-9.]+ 401' \
    anon -i -H "Authorization: Bearer not-a-token" "$URL/info/refs?service=git-upload-pack"
head -c 4500000 /dev/zero >"$E2E_TMP/pack.bin"
check_out "without any credential a pack gets no more room than any request (413 past 3 MiB)" '^413$' \
    anon -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-git-receive-pack-request' \
    --data-binary "@$E2E_TMP/pack.bin" "$URL/git-receive-pack"
run clone_basic GN clone -q "https://git:$T_READ@127.0.0.1:$PORT/clusters/root/git/app.git" "$E2E_TMP/clone-basic"
expect "Basic credentials work, the password being a token (as a credential helper sends)" clone_basic
check "Basic clone at the pushed commit" test "$(git -C "$E2E_TMP/clone-basic" rev-parse HEAD)" = "$C3"

# ---- force-push, a push larger than the API's 3 MiB body cap ----
git -C "$SRC" reset -q --hard "$C1"
run push_nf GA -C "$SRC" push "$URL" main
check "a non-fast-forward push without --force is rejected by git" test "$RC" -ne 0
run push_f GA -C "$SRC" push --force "$URL" main
expect "a force-push is accepted" push_f 'forced update'
check "main is back at the first commit" test "$(head_of "$URL")" = "$C1"
head -c 6000000 /dev/urandom >"$SRC/blob.bin"
git -C "$SRC" add blob.bin && git -C "$SRC" commit -qm big
C4=$(git -C "$SRC" rev-parse HEAD)
run push_big GA -c http.postBuffer=1048576 -C "$SRC" push "$URL" main
expect "a 6 MB push (chunked, past the 3 MiB API body cap) is accepted" push_big 'main -> main'
run clone_big GA clone -q "$URL" "$E2E_TMP/clone-big"
check "and comes back byte for byte" cmp "$SRC/blob.bin" "$E2E_TMP/clone-big/blob.bin"
printf '0032want %s\n00000009done\n' "$C4" >"$E2E_TMP/want.req"
adm -H 'Content-Type: application/x-git-upload-pack-request' --data-binary "@$E2E_TMP/want.req" \
    -o "$E2E_TMP/pack.out" --limit-rate 100k --max-time 2 "$URL/git-upload-pack"
check "a fetch's pack is streamed (its start arrives while git is still packing)" \
    test "$(stat -c %s "$E2E_TMP/pack.out")" -gt 100000
no_children() {
    for _ in $(seq 1 50); do
        [ -z "$(pgrep -P "$KP_PID")" ] && return 0
        sleep 0.1
    done
    pgrep -a -P "$KP_PID"
    return 1
}
check "a client that goes away mid-pack takes git http-backend with it (no child left)" no_children
# git-upload-pack and pack-objects below it run in the repository
in_repos() { for p in /proc/[0-9]*; do readlink "$p/cwd"; done 2>/dev/null | grep -q "^$DIR/git/"; }
check "nor any git-upload-pack or pack-objects of it (no process left in the repositories)" \
    sh -c "sleep 0.5; ! { $(declare -f in_repos); DIR='$DIR'; in_repos; }"

mkdir -p "$E2E_TMP/legacy" && git -C "$E2E_TMP/legacy" init -q -b master
echo old >"$E2E_TMP/legacy/f" && git -C "$E2E_TMP/legacy" add . && git -C "$E2E_TMP/legacy" commit -qm m
run push_master GA -C "$E2E_TMP/legacy" push "$BASE/clusters/root/git/legacy.git" master
expect "a first push of only \"master\"" push_master 'new branch.*master -> master'
check_out "HEAD follows it (the first pushed branch), so a clone checks it out" 'refs/heads/master' \
    git --git-dir "$DIR/git/root/legacy.git" symbolic-ref HEAD
run clone_master GA clone -q "$BASE/clusters/root/git/legacy.git" "$E2E_TMP/legacy-c"
check_out "the clone has master's files" '^old$' cat "$E2E_TMP/legacy-c/f"

# ---- what is and is not served ----
check_out "a repository that does not exist: 404 naming it" 'hosted repository "nope" not found' \
    adm "$BASE/clusters/root/git/nope.git/info/refs?service=git-upload-pack"
run clone_missing GA clone -q "$BASE/clusters/root/git/nope.git" "$E2E_TMP/nope"
check_out "git shows that message" 'remote: hosted repository "nope" not found' cat "$E2E_TMP/clone_missing.out"
check "fetching did not create it" test ! -e "$DIR/git/root/nope.git"
check_out "an invalid repository name is 400" '^HTTP/[0-9.]+ 400' \
    adm -i "$BASE/clusters/root/git/Bad_Name.git/info/refs?service=git-upload-pack"
check_out "a Status when JSON is asked for" '"reason":"BadRequest"' \
    adm -H "Accept: application/json" "$BASE/clusters/root/git/Bad_Name.git/info/refs?service=git-upload-pack"
check_out "files of the repository are not served (only smart HTTP)" '^HTTP/[0-9.]+ 404' \
    adm -i "$BASE/clusters/root/git/app.git/config"
check_out "the dumb protocol is not served" '^HTTP/[0-9.]+ 400' \
    adm -i "$BASE/clusters/root/git/app.git/info/refs"
check_out "an unknown service is 400" '^HTTP/[0-9.]+ 400' \
    adm -i "$BASE/clusters/root/git/app.git/info/refs?service=git-upload-archive"
check_out "GET on git-receive-pack is 405" '^HTTP/[0-9.]+ 405' \
    adm -i "$BASE/clusters/root/git/app.git/git-receive-pack"
check_out "/clusters/*/git is 404" '^HTTP/[0-9.]+ 404' \
    adm -i "$BASE/clusters/*/git/app.git/info/refs?service=git-upload-pack"
run clone_root GA clone -q "$BASE/git/app.git" "$E2E_TMP/clone-root"
expect "/git/... without /clusters is the root workspace" clone_root

# ---- two workspaces, the same repository name ----
for w in wa wb; do
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"}}\n' "$w" |
        K create -f - >/dev/null 2>&1
done
if K --server "$BASE/clusters/root:wb" get ns default >/dev/null 2>&1; then
    for w in wa wb; do
        mkdir -p "$E2E_TMP/$w" && git -C "$E2E_TMP/$w" init -q -b main
        echo "content of $w" >"$E2E_TMP/$w/who.txt"
        git -C "$E2E_TMP/$w" add . && git -C "$E2E_TMP/$w" commit -qm "$w"
    done
    run push_wa GA -C "$E2E_TMP/wa" push "$BASE/clusters/root:wa/git/shared.git" main
    expect "push to root:wa's repository \"shared\"" push_wa 'new branch'
    run clone_wb0 GA clone -q "$BASE/clusters/root:wb/git/shared.git" "$E2E_TMP/wb0"
    check_out "root:wb has no repository \"shared\" yet" 'not found' cat "$E2E_TMP/clone_wb0.out"
    run push_wb GA -C "$E2E_TMP/wb" push "$BASE/clusters/root:wb/git/shared.git" main
    expect "push other content to root:wb's \"shared\"" push_wb 'new branch'
    run clone_wa GA clone -q "$BASE/clusters/root:wa/git/shared.git" "$E2E_TMP/wa-c"
    run clone_wb GA clone -q "$BASE/clusters/root:wb/git/shared.git" "$E2E_TMP/wb-c"
    check_out "root:wa's clone has root:wa's content" '^content of wa$' cat "$E2E_TMP/wa-c/who.txt"
    check_out "root:wb's clone has root:wb's content" '^content of wb$' cat "$E2E_TMP/wb-c/who.txt"
    WBID=$(K get workspace wb -o jsonpath='{.spec.cluster}')
    run clone_wbid GA clone -q "$BASE/clusters/$WBID/git/shared.git" "$E2E_TMP/wb-id"
    check_out "/clusters/<logical cluster id> reaches the same repository" '^content of wb$' cat "$E2E_TMP/wb-id/who.txt"
    check "each lives under its own logical cluster id" test -f "$DIR/git/$WBID/shared.git/HEAD"
    run push_wa_tok GT "$T_PUSH" -C "$E2E_TMP/wa" push "$BASE/clusters/root:wa/git/other.git" main
    check_out "root's grant does not reach into root:wa" '403|cannot access workspace' cat "$E2E_TMP/push_wa_tok.out"
else
    not_ok "workspaces root:wa and root:wb are served"
fi

# ---- the webhook ----
if ! K get --raw /apis/gitops.kplane.io/v1alpha1 >/dev/null 2>&1; then
    # until the GitOps controller serves the API, a CRD of the same name stands in
    K apply -f - >/dev/null 2>&1 <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gitrepositories.gitops.kplane.io}
spec:
  group: gitops.kplane.io
  scope: Namespaced
  names: {plural: gitrepositories, singular: gitrepository, kind: GitRepository}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
    for _ in $(seq 1 50); do
        K get --raw /apis/gitops.kplane.io/v1alpha1 >/dev/null 2>&1 && break
        sleep 0.1
    done
fi
SECRET=whs-$RANDOM$RANDOM
K -n default create secret generic hook-secret --from-literal=token="$SECRET" >/dev/null
K apply -f - >/dev/null 2>"$E2E_TMP/gr.err" <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: ext, namespace: default}
spec:
  url: https://example.invalid/org/ext.git
  ref: {branch: main}
  interval: 10m
  webhookSecretRef: {name: hook-secret}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: nosecret, namespace: default}
spec:
  url: https://example.invalid/org/nosecret.git
  ref: {branch: main}
EOF
check "GitRepositories ext (with webhookSecretRef) and nosecret exist" K -n default get gitrepositories.gitops.kplane.io ext nosecret
HOOK=$BASE/clusters/root/gitops/hooks/default/ext
BODY='{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567"}'
SIG=sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
hook() { anon -o "$E2E_TMP/hook.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@"; }
check_out "GitHub: a good X-Hub-Signature-256 is 200, without any kplane credential" '^200$' \
    hook -H "X-GitHub-Event: push" -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY" "$HOOK"
check_out "the answer says a fetch was requested" '"status":"Success".*default/ext' cat "$E2E_TMP/hook.body"
check_out "the upper-case hex of the same signature is fine" '^200$' \
    hook -H "X-Hub-Signature-256: sha256=$(echo "${SIG#sha256=}" | tr a-f A-F)" --data-binary "$BODY" "$HOOK"
BAD=sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "wrong-$SECRET" -r | cut -d' ' -f1)
check_out "a signature with another secret is 403" '^403$' \
    hook -H "X-Hub-Signature-256: $BAD" --data-binary "$BODY" "$HOOK"
check_out "the right signature of another body is 403" '^403$' \
    hook -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY " "$HOOK"
check_out "a malformed signature is 403" '^403$' \
    hook -H "X-Hub-Signature-256: sha1=abc" --data-binary "$BODY" "$HOOK"
check_out "no signature and no token: 401" '^401$' hook --data-binary "$BODY" "$HOOK"
check_out "the 401 is a Status saying what is missing" '"message":"a webhook must be signed: X-Hub-Signature-256.*"reason":"Unauthorized"' cat "$E2E_TMP/hook.body"
check_out "GitLab: the right X-Gitlab-Token is 200" '^200$' \
    hook -H "X-Gitlab-Event: Push Hook" -H "X-Gitlab-Token: $SECRET" --data-binary "$BODY" "$HOOK"
check_out "a wrong X-Gitlab-Token is 403" '^403$' \
    hook -H "X-Gitlab-Token: $SECRET-not" --data-binary "$BODY" "$HOOK"
check_out "an unknown GitRepository is 404" '^404$' \
    hook -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY" "$BASE/clusters/root/gitops/hooks/default/nope"
check_out "a GitRepository without webhookSecretRef is 404" '^404$' \
    hook -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY" "$BASE/clusters/root/gitops/hooks/default/nosecret"
check_out "an unknown workspace is 404 too (nothing revealed)" '^404$' \
    hook -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY" "$BASE/clusters/root:nowhere/gitops/hooks/default/ext"
check_out "the 404 says no more than not found" '"message":"not found"' cat "$E2E_TMP/hook.body"
check_out "GET on a webhook is 405" '^405$' anon -o /dev/null -w '%{http_code}' "$HOOK"
check_out "a path below a webhook is 404 (no way around authentication)" '^404$' \
    hook --path-as-is -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY" "$HOOK/../../../../api/v1/namespaces"
check_out "a path beside the webhooks needs credentials as ever (401)" '^401$' \
    hook --data-binary "$BODY" "$BASE/clusters/root/gitops/hooksx/default/ext"
check_out "the API next to it needs credentials as ever (401)" '^401$' \
    anon -o /dev/null -w '%{http_code}' "$BASE/clusters/root/api/v1/namespaces/default/secrets"
head -c 1100000 /dev/zero | tr '\0' a >"$E2E_TMP/big.body"
check_out "a delivery over 1 MiB is 413" '^413$' \
    hook -H "X-Hub-Signature-256: $SIG" --data-binary "@$E2E_TMP/big.body" "$HOOK"
check_out "the webhook secret never reaches the log" '^0$' sh -c "grep -c -- '$SECRET' '$DIR.log'"

# ---- with the GitOps agent: a push is applied, a webhook fetches at once ----
# wait_ms SECONDS cmd...: retries cmd every 0.05 s; prints the milliseconds it took, fails
# after SECONDS
wait_ms() {
    local n=$(($1 * 20)) t0
    shift
    t0=$(date +%s%N)
    for _ in $(seq 1 "$n"); do
        if "$@" >/dev/null 2>&1; then
            echo $((($(date +%s%N) - t0) / 1000000))
            return 0
        fi
        sleep 0.05
    done
    return 1
}
cm_is() { [ "$(K -n "$1" get configmap "$2" -o jsonpath='{.data.v}' 2>/dev/null)" = "$3" ]; }
if K get --raw /apis/gitops.kplane.io/v1alpha1 2>/dev/null | grep -q '"syncs"'; then
    K create namespace deploy >/dev/null
    D=$E2E_TMP/deploy
    mkdir -p "$D" && git -C "$D" init -q -b main
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pushed, namespace: deploy}\ndata: {v: "1"}\n' >"$D/cm.yaml"
    git -C "$D" add . && git -C "$D" commit -qm one
    run push_deploy GA -C "$D" push "$BASE/clusters/root/git/deploy.git" main
    expect "push manifests to the hosted repository deploy" push_deploy 'new branch'
    K apply -f - >/dev/null 2>"$E2E_TMP/sync.err" <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: deploy, namespace: deploy}
spec: {url: "$BASE/clusters/root/git/deploy.git", interval: 1h}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: deploy, namespace: deploy}
spec: {sourceRef: {name: deploy}, path: ./, interval: 1h}
EOF
    check "a GitRepository following the hosted repository, and its Sync, are created" test ! -s "$E2E_TMP/sync.err"
    check "the Sync applies what was pushed" wait_ms 20 cm_is deploy pushed 1
    sed -i 's/v: "1"/v: "2"/' "$D/cm.yaml"
    git -C "$D" commit -qam two
    run push_deploy2 GA -C "$D" push "$BASE/clusters/root/git/deploy.git" main
    if MS=$(wait_ms 10 cm_is deploy pushed 2); then
        ok "a push is applied at once, not at the 1 h interval ($MS ms after git push returned)"
    else
        not_ok "a push is applied at once, not at the 1 h interval"
    fi

    # an external repository (file://, polled every hour) and its webhook
    X=$E2E_TMP/ext
    git init -q --bare -b main "$X.git" && mkdir -p "$X" && git -C "$X" init -q -b main
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hooked, namespace: deploy}\ndata: {v: "1"}\n' >"$X/cm.yaml"
    git -C "$X" add . && git -C "$X" commit -qm one && git -C "$X" push -q "$X.git" main
    K -n deploy create secret generic ext-hook --from-literal=token="$SECRET" >/dev/null
    K apply -f - >/dev/null 2>"$E2E_TMP/sync2.err" <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: ext, namespace: deploy}
spec: {url: "file://$X.git", interval: 1h, webhookSecretRef: {name: ext-hook}}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: ext, namespace: deploy}
spec: {sourceRef: {name: ext}, path: ./, interval: 1h}
EOF
    check "the external repository's first commit is applied" wait_ms 20 cm_is deploy hooked 1
    sed -i 's/v: "1"/v: "2"/' "$X/cm.yaml"
    git -C "$X" commit -qam two && git -C "$X" push -q "$X.git" main
    XHOOK=$BASE/clusters/root/gitops/hooks/deploy/ext
    hook -H "X-Hub-Signature-256: $BAD" --data-binary "$BODY" "$XHOOK" >/dev/null
    sleep 2
    check "a webhook with a bad signature fetches nothing (the old value stays)" cm_is deploy hooked 1
    check_out "a webhook with a good signature: 200" '^200$' \
        hook -H "X-Hub-Signature-256: $SIG" --data-binary "$BODY" "$XHOOK"
    if MS=$(wait_ms 10 cm_is deploy hooked 2); then
        ok "the webhook makes the agent fetch and apply the new commit ($MS ms)"
    else
        not_ok "the webhook makes the agent fetch and apply the new commit"
    fi
else
    echo "# SKIP push-to-applied and webhook-to-fetch: the GitOps agent (syncs) is not served yet"
fi

# ---- a hanging and a failing git http-backend ----
cat >"$E2E_TMP/hang.sh" <<'EOF'
#!/bin/sh
# stands in for git http-backend: never answers (a child of its own, as git-upload-pack is)
sleep 97.25 &
sleep 97.5
EOF
printf '#!/bin/sh\necho broken >&2\nexit 3\n' >"$E2E_TMP/fail.sh"
chmod +x "$E2E_TMP/hang.sh" "$E2E_TMP/fail.sh"
stop_pid "$KP_PID"
KPLANE_GIT_HTTP_BACKEND=$E2E_TMP/hang.sh KPLANE_GIT_TIMEOUT_S=2 start_kplane "$DIR" "$PORT" \
    --token-auth-file "$E2E_TMP/tokens.csv"
T0=$(date +%s)
check_out "a backend that hangs is stopped after its timeout: 504" '^HTTP/[0-9.]+ 504' \
    adm -i "$URL/info/refs?service=git-upload-pack"
T1=$(date +%s)
check "within a few seconds" test $((T1 - T0)) -le 10
check "its process group is gone (no sleep left behind)" sh -c "! pgrep -f 'sleep 97\\.(25|5)' >/dev/null"
check "no zombie child of kplane" sh -c "! ps -o stat= --ppid $KP_PID | grep -q Z"
check_out "the API goes on serving meanwhile" '^200$' adm -o /dev/null -w '%{http_code}' "$BASE/readyz"
stop_pid "$KP_PID"
KPLANE_GIT_HTTP_BACKEND=$E2E_TMP/fail.sh start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv"
check_out "a backend that fails is 500 with a request id" 'internal error \(request id' \
    adm "$URL/info/refs?service=git-upload-pack"
check "no zombie child of kplane after it" sh -c "! ps -o stat= --ppid $KP_PID | grep -q Z"
check_out "after a restart the repository is still there" 'refs/heads/main' \
    git --git-dir "$DIR/git/root/app.git" for-each-ref
