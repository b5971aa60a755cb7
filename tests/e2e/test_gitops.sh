#!/usr/bin/env bash
# GitOps end to end with real git: file:// bare repositories and a hosted repository on disk,
# GitRepository + Sync objects made with kubectl, and what the agent does about pushes,
# changes, force-pushes, deleted files (prune), broken manifests (nothing applied), a CRD with
# its custom object in one commit, drift by hand (restored), the kustomize subset, an
# unreachable repository (last state kept) and two workspaces with repositories of one name.
#   bash tests/e2e/test_gitops.sh    or    TEST_FILTER=gitops tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

KUBECTL=$(kubectl_versions | tail -1)
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@example.com

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
# KSERVER, when set, is the workspace URL kubectl talks to
K() { timeout 60 "$KUBECTL" ${KSERVER:+--server "$KSERVER"} "$@"; }
jp() { K -n "$1" get "$2" "$3" -o jsonpath="$4" 2>/dev/null; }
# is NS KIND NAME JSONPATH VALUE: the field has that value
is() { [ "$(jp "$1" "$2" "$3" "$4")" = "$5" ]; }
exists() { K -n "$1" get "$2" "$3" >/dev/null 2>&1; }
gone() { ! exists "$@"; }
ready_reason() { jp "$1" "$2" "$3" '{.status.conditions[?(@.type=="Ready")].reason}'; }
ready_msg() { jp "$1" "$2" "$3" '{.status.conditions[?(@.type=="Ready")].message}'; }
has_reason() { [ "$(ready_reason "$1" "$2" "$3")" = "$4" ]; }

# a bare repository and a work tree that pushes to it
new_repo() { # new_repo NAME: $E2E_TMP/NAME.git and $E2E_TMP/NAME
    git init -q --bare -b main "$E2E_TMP/$1.git"
    git init -q -b main "$E2E_TMP/$1"
}
push() { # push NAME MESSAGE [git push flags]
    (cd "$E2E_TMP/$1" && git add -A && git commit -qm "$2" --allow-empty &&
        git push -q "${@:3}" "$E2E_TMP/$1.git" main) >/dev/null 2>&1
}
head_of() { git -C "$E2E_TMP/$1" rev-parse HEAD; }

DIR=$E2E_TMP/gitops
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
K create namespace team >/dev/null

# ---- the API: defaults and validation ------------------------------------------------------

run bad_url K -n team create -f - <<'EOF'
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: bad}
spec: {url: "ftp://example.com/x.git"}
EOF
check_out "a URL with an unsupported scheme is refused (422) naming the field" \
    'GitRepository "bad" is invalid: spec.url: Invalid value: "ftp://example.com/x.git": must start with https://' \
    cat "$E2E_TMP/bad_url.out"
run bad_ref K -n team create -f - <<'EOF'
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: bad}
spec: {url: "https://example.com/x.git", ref: {branch: main, tag: v1}}
EOF
check_out "a ref with both branch and tag is refused" 'spec.ref: .*at most one of branch, tag and commit' \
    cat "$E2E_TMP/bad_ref.out"
run bad_dur K -n team create -f - <<'EOF'
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: bad}
spec: {sourceRef: {name: x}, interval: "five minutes"}
EOF
check_out "a Sync with a bad interval is refused" 'spec.interval: Invalid value: "five minutes"' \
    cat "$E2E_TMP/bad_dur.out"
run bad_all K -n team create -f - <<'EOF'
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: bad}
spec: {url: "ftp://x", ref: {branch: main, tag: v1}, interval: "5 minutes"}
EOF
check_out "three problems at once: each is named" \
    '\* spec.url: .*|spec.url: .*spec.ref: .*spec.interval' cat "$E2E_TMP/bad_all.out"
check_out "... the interval too" 'spec.interval: Invalid value: "5 minutes"' cat "$E2E_TMP/bad_all.out"
check_out "... and the ref" 'spec.ref: ' cat "$E2E_TMP/bad_all.out"
check "nothing was stored by the refused creates" gone team gitrepository bad
run sync_nosrc K -n team create -f - <<'EOF'
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: bad}
spec: {path: ./}
EOF
check_out "a Sync without sourceRef.name is refused" 'spec.sourceRef.name: Required value' \
    cat "$E2E_TMP/sync_nosrc.out"

# ---- a file:// repository: push, change, force-push, delete a file ---------------------------

new_repo app
mkdir -p "$E2E_TMP/app/deploy"
cat >"$E2E_TMP/app/deploy/cms.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: one}
data: {v: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: two}
data: {v: "2"}
EOF
cat >"$E2E_TMP/app/deploy/keep.json" <<'EOF'
{"apiVersion": "v1", "kind": "ConfigMap",
 "metadata": {"name": "kept", "annotations": {"gitops.kplane.io/prune": "disabled"}},
 "data": {"v": "k"}}
EOF
echo "not a manifest" >"$E2E_TMP/app/deploy/README.md"
push app "first"
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: app, namespace: team}
spec: {url: "file://$E2E_TMP/app.git", ref: {branch: main}, interval: 1s}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: app, namespace: team}
spec: {sourceRef: {name: app}, path: ./deploy}
EOF
check "defaults are set on create (Sync prune true, interval 10m)" \
    is team sync app '{.spec.prune}/{.spec.interval}' "true/10m"
SHA=$(head_of app)
check "the GitRepository's artifact is main@sha1:<commit>" \
    wait_until 10 is team gitrepository app '{.status.artifact.revision}' "main@sha1:$SHA"
check "the Sync applies the commit (lastAppliedRevision)" \
    wait_until 10 is team sync app '{.status.lastAppliedRevision}' "main@sha1:$SHA"
count_cms() { [ "$(K -n team get cm one two kept -o name 2>/dev/null | wc -l)" = 3 ]; }
check "its objects exist (multi-document YAML and JSON)" count_cms
check_out "Ready=True ReconciliationSucceeded" "ReconciliationSucceeded" ready_reason team sync app
check_out "the inventory lists what was applied" "one.*two|two.*one" \
    jp team sync app '{.status.inventory[*].name}'
check_out "the applier is the field manager kplane-gitops" "kplane-gitops" \
    jp team cm one '{.metadata.managedFields[*].manager}'
check_out "kubectl get gitops (the category) lists both kinds with their columns" \
    "gitrepository.gitops.kplane.io/app +file://.*main@sha1:" K -n team get gitops
check_out "... and the Sync with its source and revision" "sync.gitops.kplane.io/app +app +main@sha1:" \
    K -n team get gitops
check_out "kubectl explain describes the fields" "at most one of branch, tag and commit" \
    K explain gitrepository.spec.ref
check_out "an Event records the apply" "ReconciliationSucceeded.*applied" \
    K -n team get events --field-selector involvedObject.name=app

sed -i 's/v: "1"/v: "1b"/' "$E2E_TMP/app/deploy/cms.yaml"
push app "change"
check "a pushed change is applied (polling at 1s)" wait_until 10 is team cm one '{.data.v}' 1b

(cd "$E2E_TMP/app" && sed -i 's/v: "2"/v: "forced"/' deploy/cms.yaml && git add -A &&
    git commit -q --amend -m "rewritten") >/dev/null
push app "x" -f 2>/dev/null || (cd "$E2E_TMP/app" && git push -q -f "$E2E_TMP/app.git" main) >/dev/null 2>&1
SHA=$(head_of app)
check "a force-pushed branch is followed" \
    wait_until 10 is team sync app '{.status.lastAppliedRevision}' "main@sha1:$SHA"
check "the force-pushed content is applied" is team cm two '{.data.v}' forced

(cd "$E2E_TMP/app" && git rm -q deploy/keep.json && sed -i '/^---$/,$d' deploy/cms.yaml)
push app "delete two and kept"
SHA=$(head_of app)
check "a removed document is pruned" wait_until 10 gone team cm two
check "an object annotated gitops.kplane.io/prune: disabled is kept" exists team cm kept
check_out "the inventory no longer lists them" "^one$" jp team sync app '{.status.inventory[*].name}'

# ---- broken manifests: nothing applied, the old state stays ------------------------------------

cat >"$E2E_TMP/app/deploy/broken.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: broken
data: [
EOF
sed -i 's/v: "1b"/v: "should-not-apply"/' "$E2E_TMP/app/deploy/cms.yaml"
push app "broken yaml"
SHA=$(head_of app)
check "invalid YAML: Ready=False BuildFailed" wait_until 10 has_reason team sync app BuildFailed
check_out "the condition names the file" "deploy/broken.yaml" ready_msg team sync app
check "nothing of that commit was applied" is team cm one '{.data.v}' 1b
check "lastAttemptedRevision is the broken commit" \
    is team sync app '{.status.lastAttemptedRevision}' "main@sha1:$SHA"
check_out "a Warning Event records the failure" "Warning +BuildFailed" \
    K -n team get events --field-selector involvedObject.name=app

cat >"$E2E_TMP/app/deploy/broken.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
data: {v: ok}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: Not_Valid}
data: {v: x}
EOF
push app "invalid object"
check "an object the API refuses: Ready=False ValidationFailed" \
    wait_until 10 has_reason team sync app ValidationFailed
check_out "the message names file, document and the API's reason" \
    'deploy/broken.yaml: document 2: ConfigMap "Not_Valid": .*metadata.name' ready_msg team sync app
check "the dry run kept every object out (none applied)" gone team cm fine
check "the old state is intact" is team cm one '{.data.v}' 1b

rm "$E2E_TMP/app/deploy/broken.yaml"
push app "fixed"
check "a fixed commit applies again" wait_until 10 is team cm one '{.data.v}' should-not-apply

# ---- drift: changed or deleted by hand, restored at once ---------------------------------------

K -n team patch cm one --type=merge -p '{"data":{"v":"by-hand"}}' >/dev/null
check "a field changed with kubectl is restored" wait_until 5 is team cm one '{.data.v}' should-not-apply
K -n team delete cm one >/dev/null
check "an object deleted with kubectl is recreated" wait_until 5 exists team cm one
check_out "an Event records the drift" "DriftCorrected" \
    K -n team get events --field-selector involvedObject.name=app
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside, namespace: extra}\ndata: {v: x}\n' \
    >"$E2E_TMP/app/deploy/ns.yaml"
push app "a namespace with a ConfigMap"
check "a Namespace and its ConfigMap in one commit are applied" wait_until 10 exists extra cm inside
K delete namespace extra >/dev/null
check "a Namespace deleted by hand comes back with its contents" wait_until 15 exists extra cm inside

# ---- a CRD and its custom object in one commit --------------------------------------------------

cat >"$E2E_TMP/app/deploy/crd.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3}
EOF
push app "crd and widget"
check "the CRD and its custom object in the same commit are both applied" \
    wait_until 15 is team widget w1 '{.spec.size}' 3
check_out "the inventory has the Widget" "Widget" jp team sync app '{.status.inventory[*].kind}'

# ---- kustomize ---------------------------------------------------------------------------------

new_repo kz
mkdir -p "$E2E_TMP/kz/base"
cat >"$E2E_TMP/kz/base/kustomization.yaml" <<'EOF'
resources: [deploy.yaml]
namePrefix: dev-
commonLabels: {env: dev}
configMapGenerator:
- name: settings
  literals: [color=blue, size=L]
images:
- {name: nginx, newTag: "1.27"}
patches:
- target: {kind: Deployment, name: web}
  patch: |
    - {op: replace, path: /spec/replicas, value: 3}
EOF
cat >"$E2E_TMP/kz/base/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        envFrom: [{configMapRef: {name: settings}}]
EOF
push kz "kustomize"
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: kz, namespace: team}
spec: {url: "file://$E2E_TMP/kz.git", interval: 1s}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: kz, namespace: team}
spec: {sourceRef: {name: kz}, path: base}
EOF
check "kustomize: namePrefix applies" wait_until 10 exists team deployment dev-web
check_out "configMapGenerator adds the hash suffix" '^configmap/dev-settings-[a-z0-9]{10}$' \
    K -n team get cm -o name -l env=dev
CM=$(K -n team get cm -o name -l env=dev | cut -d/ -f2)
check "the Deployment refers to the generated name" \
    is team deployment dev-web '{.spec.template.spec.containers[0].envFrom[0].configMapRef.name}' "$CM"
check "images sets the tag" is team deployment dev-web '{.spec.template.spec.containers[0].image}' nginx:1.27
check "a JSON 6902 patch applies" is team deployment dev-web '{.spec.replicas}' 3
check "commonLabels reach the selector" is team deployment dev-web '{.spec.selector.matchLabels.env}' dev
echo "replicas: [{name: web, count: 2}]" >>"$E2E_TMP/kz/base/kustomization.yaml"
push kz "unsupported"
check "an unsupported kustomize field: BuildFailed" wait_until 10 has_reason team sync kz BuildFailed
check_out "the condition names the field and the file" \
    'base/kustomization.yaml: field "replicas" is not supported' ready_msg team sync kz

# ---- dependsOn -------------------------------------------------------------------------------------

new_repo dep
mkdir -p "$E2E_TMP/dep/a" "$E2E_TMP/dep/b"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dep-a}\n' >"$E2E_TMP/dep/a/cm.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dep-b}\n' >"$E2E_TMP/dep/b/cm.yaml"
push dep "two paths"
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: dep, namespace: team}
spec: {url: "file://$E2E_TMP/dep.git", interval: 1m}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: second, namespace: team}
spec: {sourceRef: {name: dep}, path: b, dependsOn: [{name: first}]}
EOF
check "a Sync whose dependency is missing: Ready=False DependencyNotReady" \
    wait_until 10 has_reason team sync second DependencyNotReady
check "and it applies nothing" gone team cm dep-b
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: first, namespace: team}
spec: {sourceRef: {name: dep}, path: a}
EOF
check "once the dependency is Ready the dependent Sync applies" wait_until 10 exists team cm dep-b

# ---- an unreachable repository: Ready=False, the last state kept ----------------------------------

K -n team patch gitrepository app --type=merge -p "{\"spec\":{\"url\":\"file://$E2E_TMP/nowhere.git\"}}" >/dev/null
check "an unreachable URL: the GitRepository is Ready=False" \
    wait_until 10 has_reason team gitrepository app GitOperationFailed
check "the Sync keeps the last applied state" is team cm one '{.data.v}' should-not-apply
check "the applied revision stays" is team sync app '{.status.lastAppliedRevision}' "main@sha1:$(head_of app)"

# ---- credentials: from the Secret, never in a status, an event or the log -----------------------

CLOSED=$(free_port)
K -n team create secret generic git-auth --from-literal=username=bob \
    --from-literal=password=hunter2-very-secret >/dev/null
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: private, namespace: team}
spec:
  url: "http://alice:url-secret-pw@127.0.0.1:$CLOSED/private.git"
  secretRef: {name: git-auth}
  interval: 1s
---
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: nosecret, namespace: team}
spec: {url: "http://127.0.0.1:$CLOSED/x.git", secretRef: {name: missing}, interval: 1s}
EOF
check "a repository that refuses connections: Ready=False GitOperationFailed" \
    wait_until 10 has_reason team gitrepository private GitOperationFailed
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: sshrepo, namespace: team}
spec: {url: "ssh://git@127.0.0.1:$CLOSED/x.git", interval: 1s}
EOF
check "an ssh:// repository that cannot be reached: Ready=False GitOperationFailed" \
    wait_until 10 has_reason team gitrepository sshrepo GitOperationFailed
K -n team delete gitrepository sshrepo >/dev/null
check "a missing Secret: Ready=False AuthenticationFailed" \
    wait_until 10 has_reason team gitrepository nosecret AuthenticationFailed
secret_leaks() {
    K -n team get gitrepository private -o jsonpath='{.status}' | grep -E 'hunter2|url-secret-pw'
    K -n team get events -o yaml | grep -E 'hunter2|url-secret-pw'
    grep -aE 'hunter2|url-secret-pw' "$DIR.log"
    return 0
}
run leaks secret_leaks
expect_eq "no password in the status, events or the log" leaks ""
check "each GitRepository has a mirror in the data dir" test -d "$DIR/gitops/mirrors/root/team/private.git"
K -n team delete gitrepository private nosecret >/dev/null
check "a deleted GitRepository's mirror is removed" wait_until 10 test ! -e "$DIR/gitops/mirrors/root/team/private.git"

# ---- an HTTP server that wants credentials (git http-backend behind basic auth or a token) --------

new_repo auth
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-auth}\ndata: {v: a}\n' >"$E2E_TMP/auth/cm.yaml"
push auth "behind auth"
HPORT=$(free_port)
python3 "$(dirname "$0")/py/git_auth_server.py" "$E2E_TMP" "$HPORT" bob pw-right-horse tok-123456 \
    >"$E2E_TMP/httpgit.log" 2>&1 &
E2E_PIDS+=("$!")
HTTPGIT_PID=$!
wait_until 10 curl -s -o /dev/null "http://127.0.0.1:$HPORT/"
K -n team create secret generic right --from-literal=username=bob \
    --from-literal=password=pw-right-horse >/dev/null
K -n team create secret generic wrong --from-literal=username=bob \
    --from-literal=password=pw-wrong-horse >/dev/null
K -n team create secret generic token --from-literal=bearerToken=tok-123456 >/dev/null
for s in right wrong token; do
    K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: http-$s, namespace: team}
spec: {url: "http://127.0.0.1:$HPORT/auth.git", secretRef: {name: $s}, interval: 1m}
EOF
done
check "basic auth from the Secret: the repository is fetched" \
    wait_until 10 has_reason team gitrepository http-right Succeeded
check "a bearer token from the Secret: fetched" wait_until 10 has_reason team gitrepository http-token Succeeded
check "a wrong password: Ready=False GitOperationFailed" \
    wait_until 10 has_reason team gitrepository http-wrong GitOperationFailed
check_out "... with libgit2's reason" "auth|401|credentials" ready_msg team gitrepository http-wrong
K -n team apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: http, namespace: team}
spec: {sourceRef: {name: http-right}}
EOF
check "what it fetched is applied" wait_until 10 exists team cm from-auth
http_leaks() {
    K -n team get gitrepositories -o jsonpath='{.items[*].status}' | grep -E 'pw-right|pw-wrong|tok-123'
    grep -aE 'pw-right|pw-wrong|tok-123' "$DIR.log"
    return 0
}
run hleaks http_leaks
expect_eq "no password or token in statuses or the log" hleaks ""
kill "$HTTPGIT_PID" 2>/dev/null
K -n team delete sync http >/dev/null

# a server that accepts and never answers holds a fetch thread, not the agent
SPORT=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$SPORT" >/dev/null 2>&1 &
E2E_PIDS+=("$!")
SILENT_PID=$!
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: silent, namespace: team}
spec: {url: "http://127.0.0.1:$SPORT/x.git", interval: 1m}
EOF
sleep 0.5
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dep-a}\ndata: {v: while-silent}\n' \
    >"$E2E_TMP/dep/a/cm.yaml"
push dep "while a server hangs"
K -n team patch gitrepository dep --type=merge -p '{"spec":{"interval":"2m"}}' >/dev/null
check "a server that never answers does not hold up other repositories" \
    wait_until 10 is team cm dep-a '{.data.v}' while-silent
K -n team delete gitrepository silent >/dev/null
kill "$SILENT_PID" 2>/dev/null

# ---- a hosted repository (bare on disk where the Git server keeps it) -----------------------------

HOSTED=$DIR/git/root/site.git
mkdir -p "$DIR/git/root"
git init -q --bare -b main "$HOSTED"
git init -q -b main "$E2E_TMP/site"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-hosted}\ndata: {v: h}\n' >"$E2E_TMP/site/cm.yaml"
(cd "$E2E_TMP/site" && git add -A && git commit -qm h && git push -q "$HOSTED" main) >/dev/null 2>&1
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: site, namespace: team}
spec: {url: "https://127.0.0.1:$PORT/clusters/root/git/site.git", interval: 1s}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: site, namespace: team}
spec: {sourceRef: {name: site}}
EOF
check "a repository hosted by kplane is read from its directory" wait_until 10 exists team cm from-hosted

# ---- two workspaces, a GitRepository of the same name in each ------------------------------------

for w in w1 w2; do
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"}}\n' $w |
        K create -f - >/dev/null
    new_repo "repo-$w"
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: only-%s}\ndata: {v: x}\n' $w \
        >"$E2E_TMP/repo-$w/cm.yaml"
    push "repo-$w" "$w"
done
for w in w1 w2; do
    wait_until 10 sh -c "'$KUBECTL' --server https://127.0.0.1:$PORT/clusters/root:$w get ns default"
    KSERVER=https://127.0.0.1:$PORT/clusters/root:$w K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: same, namespace: default}
spec: {url: "file://$E2E_TMP/repo-$w.git", interval: 1s}
---
apiVersion: gitops.kplane.io/v1alpha1
kind: Sync
metadata: {name: same, namespace: default}
spec: {sourceRef: {name: same}}
EOF
done
KSERVER=https://127.0.0.1:$PORT/clusters/root:w1
check "workspace w1 gets its repository's object" wait_until 10 exists default cm only-w1
check "and not w2's" gone default cm only-w2
KSERVER=https://127.0.0.1:$PORT/clusters/root:w2
check "workspace w2 gets its own" wait_until 10 exists default cm only-w2
check "and not w1's" gone default cm only-w1
K apply -f - >/dev/null <<EOF
apiVersion: gitops.kplane.io/v1alpha1
kind: GitRepository
metadata: {name: steal, namespace: default}
spec: {url: "/clusters/root/git/site.git", interval: 1s}
EOF
check "another workspace's hosted repository is refused (URLInvalid)" \
    wait_until 10 has_reason default gitrepository steal URLInvalid
unset KSERVER
check "root's objects never reached the workspaces" gone default cm only-w1

# ---- deleting a Sync (prune: true) takes its objects with it ------------------------------------

K -n team delete sync kz >/dev/null
check "a deleted Sync prunes what it applied" wait_until 10 gone team deployment dev-web
check "the object the other Sync applied stays" exists team cm one

# ---- suspend ------------------------------------------------------------------------------------

K -n team patch sync site --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
K -n team delete cm from-hosted >/dev/null
sleep 1
check "a suspended Sync does not restore drift" gone team cm from-hosted

# ---- a restart: the agent lists its objects again and goes on ---------------------------------

stop_pid "$KP_PID"
if start_kplane "$DIR" "$PORT"; then ok "kplane restarts on the same data"; else not_ok "kplane restarts"; fi
check "after a restart the Syncs are reconciled from the last artifact (the repository is still unreachable)" \
    wait_until 15 has_reason team sync app ReconciliationSucceeded
K -n team delete cm one >/dev/null
check "after a restart drift is still corrected" wait_until 10 exists team cm one
check "nothing was pruned by the restart" exists team widget w1

grep -E 'level=error' "$DIR.log" >"$E2E_TMP/errors" 2>&1
run errs cat "$E2E_TMP/errors"
expect_eq "no errors logged" errs ""
stop_pid "$KP_PID"
