#!/usr/bin/env bash
# The kubectl ws plugin (workspaces/kubectl_ws.c), end to end: the real kubectl finds
# bin/kubectl-ws and bin/kubectl-create-workspace on PATH and drives a real kplane.
#   1. always: "ws ." and "ws current", "use root" / ":" / "-", ".." at root, a missing
#      workspace, "tree" of a lone root, create-context (and --overwrite), --help of each
#      command, unknown flags and bad arguments, --kubeconfig and the KUBECONFIG list, what the
#      rewritten kubeconfig keeps (other contexts, credentials, mode 0600);
#   2. when kplane serves the Workspace API (tenancy.kplane.io/v1alpha1): create (and
#      --ignore-existing, --enter, "kubectl create workspace"), use of relative and absolute
#      paths, "..", "-", "tree" and "tree --full", kubectl working inside the entered workspace.
#      Until then this part prints "# SKIP workspaces API not served yet".
#   bash tests/e2e/test_kubectl_ws.sh     or     TEST_FILTER=kubectl_ws tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
KUBECTL=$(command -v kubectl || kubectl_versions | tail -1)
WS_PLUGIN=${KUBECTL_WS_BIN:-$ROOT_DIR/bin/kubectl-ws}
if [ ! -x "$WS_PLUGIN" ]; then
    not_ok "bin/kubectl-ws is built (run make)"
    exit 1
fi
# A snapshot, as lib.sh takes of bin/kplane: a rebuild meanwhile must not change what one run
# tests. kubectl finds plugins on PATH: kubectl-ws for "kubectl ws", kubectl-create-workspace
# for "kubectl create workspace" (the same program, told apart by its name).
mkdir -p "$E2E_TMP/bin"
cp "$WS_PLUGIN" "$E2E_TMP/bin/kubectl-ws"
ln -sf kubectl-ws "$E2E_TMP/bin/kubectl-create-workspace"
export PATH="$E2E_TMP/bin:$ROOT_DIR/bin:$PATH"

# expect_fail "description" NAME REGEX: after run NAME, ok when it exited 1 and its output
# matches REGEX.
expect_fail() {
    local d=$1 n=$2 re=$3 rc=$RC
    if [ "$rc" -eq 1 ] && grep -qE -- "$re" "$E2E_TMP/$n.out"; then ok "$d"; else
        not_ok "$d (wanted exit 1 and /$re/, exit $rc)"
        diag "$E2E_TMP/$n.out"
    fi
}
# cfg JSONPATH [kubeconfig]: a field of the kubeconfig ($KUBECONFIG by default).
cfg() {
    "$KUBECTL" config view --raw --kubeconfig "${2:-$KUBECONFIG}" -o "jsonpath=$1"
}
# server_of CONTEXT [kubeconfig]: the server URL of a context's cluster.
server_of() {
    local cl
    cl=$(cfg "{.contexts[?(@.name==\"$1\")].context.cluster}" "${2:-$KUBECONFIG}")
    cfg "{.clusters[?(@.name==\"$cl\")].cluster.server}" "${2:-$KUBECONFIG}"
}

DIR=$E2E_TMP/ws
PORT=$(free_port)
# a bearer token too: the plugin sends kubeconfig tokens as kubectl does
TOKEN=ws-e2e-token-$RANDOM$RANDOM
echo "$TOKEN,ws-token-user,1001,\"system:masters\"" >"$E2E_TMP/tokens.csv"
if ! start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv"; then
    not_ok "kplane starts"
    diag "$DIR.log"
    exit 1
fi
URL=https://127.0.0.1:$PORT
# the plugin rewrites the kubeconfig: work on a copy, the server's own stays as it wrote it
export KUBECONFIG=$E2E_TMP/kubeconfig
cp "$DIR/admin.kubeconfig" "$KUBECONFIG"
chmod 644 "$KUBECONFIG"

# ---- 1. without the Workspace API ----------------------------------------------------------

run dot "$KUBECTL" ws .
expect_eq "ws . prints the current workspace" dot 'Current workspace is "root".'
run current "$KUBECTL" ws current
expect_eq "ws current is ws ." current 'Current workspace is "root".'
run short "$KUBECTL" ws . --short
expect_eq "ws . --short prints the path alone" short 'root'

run use_root "$KUBECTL" ws use root
expect_eq "ws use root" use_root 'Current workspace is "root".'
if [ "$(cfg '{.current-context}')" = workspace.kplane.io/current ] &&
    [ "$(server_of workspace.kplane.io/current)" = "$URL/clusters/root" ] &&
    [ "$(server_of workspace.kplane.io/previous)" = "$URL/clusters/root" ] &&
    [ "$(server_of kplane)" = "$URL/clusters/root" ]; then
    ok "ws use switches to the workspace.kplane.io/current context, keeps kplane's"
else
    not_ok "ws use switches to the workspace.kplane.io/current context, keeps kplane's"
    sed 's/-data: .*/-data: .../; s/^/#   /' "$KUBECONFIG" | head -40
fi
if [ "$(stat -c %a "$KUBECONFIG")" = 600 ]; then ok "the rewritten kubeconfig has mode 0600"; else
    not_ok "the rewritten kubeconfig has mode 0600 (got $(stat -c %a "$KUBECONFIG"))"
fi
if [ "$(cfg '{.contexts[?(@.name=="workspace.kplane.io/current")].context.user}')" = kplane-admin ] &&
    [ -n "$(cfg '{.clusters[?(@.name=="workspace.kplane.io/current")].cluster.certificate-authority-data}')" ]; then
    ok "the workspace context keeps the user and the cluster's CA"
else
    not_ok "the workspace context keeps the user and the cluster's CA"
fi
run get_ns "$KUBECTL" get ns default -o name
expect_eq "kubectl works with the rewritten kubeconfig" get_ns 'namespace/default'

run cd_root "$KUBECTL" ws cd :
expect_eq "ws cd : enters the root" cd_root 'Current workspace is "root".'
run prev "$KUBECTL" ws -
expect_eq "ws - returns to the previous workspace" prev 'Current workspace is "root".'
run bare "$KUBECTL" ws
expect "ws without arguments goes home (root while none is served)" bare \
    '^Current workspace is "root"\.$' "^Note: 'kubectl ws'"

run up "$KUBECTL" ws ..
expect_fail "ws .. at the root fails" up 'Error: cannot go up from "root"'
run up2 "$KUBECTL" ws ..:..
expect_fail "ws ..:.. at the root fails" up2 'cannot go up'
if [ "$(server_of "$(cfg '{.current-context}')")" = "$URL/clusters/root" ]; then
    ok "a failed ws leaves the kubeconfig pointing where it was"
else
    not_ok "a failed ws leaves the kubeconfig pointing where it was"
fi
run missing "$KUBECTL" ws use root:nope
expect_fail "ws use of a missing workspace" missing 'Error: workspace "root:nope" not found'
run missing_rel "$KUBECTL" ws nope
expect_fail "ws of a missing relative workspace" missing_rel 'workspace "root:nope" not found'
run invalid "$KUBECTL" ws 'Bad_Name'
expect_fail "ws of an invalid path" invalid 'invalid workspace path: Bad_Name'

run tree "$KUBECTL" ws tree
expect_eq "ws tree of a lone root" tree "$(printf '.\n\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 root')"
run tree_full "$KUBECTL" ws tree --full
expect "ws tree --full" tree_full '^└── root$'

run cc "$KUBECTL" ws create-context
expect_eq "ws create-context names the context after the workspace" cc \
    'Created context "root" and switched to it.'
run cc_again "$KUBECTL" ws create-context
expect_fail "ws create-context refuses an existing context" cc_again \
    'context "root" already exists in kubeconfig, use --overwrite to update it'
run cc_over "$KUBECTL" ws create-context --overwrite
expect_eq "ws create-context --overwrite" cc_over 'Updated context "root".'
run cc_named "$KUBECTL" ws create-context my-root
expect_eq "ws create-context NAME" cc_named 'Created context "my-root" and switched to it.'
if [ "$(cfg '{.current-context}')" = my-root ] && [ "$(server_of my-root)" = "$URL/clusters/root" ]; then
    ok "the created context points at the workspace"
else
    not_ok "the created context points at the workspace"
fi
run get_ns2 "$KUBECTL" get ns default -o name
expect_eq "kubectl works in the created context" get_ns2 'namespace/default'

for c in "" use create create-context tree current; do
    # shellcheck disable=SC2086
    run help "$KUBECTL" ws $c --help
    expect "ws $c --help" help '^Usage:' '--kubeconfig'
done
run help_cw "$KUBECTL" create workspace --help
expect "kubectl create workspace --help" help_cw '^  kubectl create workspace <workspace name>'
run badflag "$KUBECTL" ws --bogus
expect_fail "an unknown flag is an error naming it" badflag 'Error: unknown flag: --bogus'
run badflag2 "$KUBECTL" ws tree --type x
expect_fail "a flag of another command is unknown" badflag2 'unknown flag: --type'
run badflag3 "$KUBECTL" ws use -z root
expect_fail "an unknown shorthand flag" badflag3 "unknown shorthand flag: 'z' in -z"
run noarg "$KUBECTL" ws use
expect_fail "ws use without a workspace" noarg 'accepts 1 arg\(s\), received 0'
run twoargs "$KUBECTL" ws a b
expect_fail "ws with two workspaces" twoargs 'accepts at most 1 arg\(s\), received 2'
run noname "$KUBECTL" ws create
expect_fail "ws create without a name" noname 'accepts 1 arg\(s\), received 0'
run badtimeout "$KUBECTL" ws create x --timeout soon
expect_fail "ws create --timeout takes a duration" badtimeout 'invalid argument "soon" for "--timeout"'

# --kubeconfig, and KUBECONFIG lists: the first file is the one read and written
OTHER=$E2E_TMP/other.kubeconfig
cp "$DIR/admin.kubeconfig" "$OTHER"
before=$(md5sum <"$KUBECONFIG")
run kflag "$KUBECTL" ws --kubeconfig "$OTHER" use root
expect_eq "ws --kubeconfig FILE" kflag 'Current workspace is "root".'
if [ "$(cfg '{.current-context}' "$OTHER")" = workspace.kplane.io/current ] &&
    [ "$(md5sum <"$KUBECONFIG")" = "$before" ]; then
    ok "--kubeconfig changes that file only"
else
    not_ok "--kubeconfig changes that file only"
fi
cp "$DIR/admin.kubeconfig" "$OTHER"
run klist env KUBECONFIG="$OTHER:$KUBECONFIG" "$KUBECTL" ws use :
expect_eq "ws with a KUBECONFIG list" klist 'Current workspace is "root".'
if [ "$(cfg '{.current-context}' "$OTHER")" = workspace.kplane.io/current ] &&
    [ "$(md5sum <"$KUBECONFIG")" = "$before" ]; then
    ok "a KUBECONFIG list: the first file is written"
else
    not_ok "a KUBECONFIG list: the first file is written"
fi
# a server URL that names no workspace
sed "s#$URL/clusters/root#$URL#" "$DIR/admin.kubeconfig" >"$OTHER"
run nows "$KUBECTL" ws --kubeconfig "$OTHER" .
expect_eq "ws . of a URL that names no workspace" nows "Current workspace is the URL \"$URL\"."
run nows2 "$KUBECTL" ws --kubeconfig "$OTHER" use team
expect_fail "ws use from a URL that names no workspace" nows2 \
    "current URL \"$URL\" does not point to a workspace"
# a context with a bearer token, chosen by --context
cp "$DIR/admin.kubeconfig" "$OTHER"
"$KUBECTL" --kubeconfig "$OTHER" config set-credentials tok --token="$TOKEN" >/dev/null
"$KUBECTL" --kubeconfig "$OTHER" config set-context tok --cluster=kplane --user=tok >/dev/null
"$KUBECTL" --kubeconfig "$OTHER" config set-credentials bad --token=not-a-token >/dev/null
"$KUBECTL" --kubeconfig "$OTHER" config set-context bad --cluster=kplane --user=bad >/dev/null
run tok "$KUBECTL" ws --kubeconfig "$OTHER" --context tok use root
expect_eq "ws --context with a bearer token" tok 'Current workspace is "root".'
if [ "$(cfg '{.contexts[?(@.name=="workspace.kplane.io/current")].context.user}' "$OTHER")" = tok ] &&
    [ "$(cfg '{.contexts[?(@.name=="workspace.kplane.io/previous")].context.user}' "$OTHER")" = tok ]; then
    ok "--context: that context is the one switched from"
else
    not_ok "--context: that context is the one switched from"
fi
run tok_tree "$KUBECTL" ws --kubeconfig "$OTHER" tree
expect "ws tree with a bearer token" tok_tree '^└── root$'
run badtok "$KUBECTL" ws --kubeconfig "$OTHER" --context bad use root
expect_fail "a rejected token" badtok 'Error: cannot enter workspace "root": Unauthorized'
if grep -q not-a-token "$E2E_TMP/badtok.out" || grep -q "$TOKEN" "$E2E_TMP/tok.out"; then
    not_ok "no token in the output"
else
    ok "no token in the output"
fi
run nokc "$KUBECTL" ws --kubeconfig "$E2E_TMP/absent" .
expect_fail "a missing kubeconfig" nokc "kubeconfig \"$E2E_TMP/absent\" does not exist"

# ---- 2. with the Workspace API ------------------------------------------------------------

"$KUBECTL" config view --raw -o 'jsonpath={.users[0].user.client-certificate-data}' |
    base64 -d >"$E2E_TMP/admin.crt"
"$KUBECTL" config view --raw -o 'jsonpath={.users[0].user.client-key-data}' |
    base64 -d >"$E2E_TMP/admin.key"
chmod 600 "$E2E_TMP/admin.key"
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 --cacert "$DIR/pki/ca.crt" \
    --cert "$E2E_TMP/admin.crt" --key "$E2E_TMP/admin.key" \
    "$URL/clusters/root/apis/tenancy.kplane.io/v1alpha1/workspaces")
if [ "$CODE" = 404 ]; then
    echo "# SKIP workspaces API not served yet"
    exit 0
fi

cp "$DIR/admin.kubeconfig" "$KUBECONFIG"
run create "$KUBECTL" ws create org
expect "ws create" create '^Workspace "org" (\(type [^)]+\) )?is ready to use\.$'
# kcp's wording: "created. Waiting..." only when the new workspace is not Ready at once
if grep -q 'created' "$E2E_TMP/create.out"; then
    expect "ws create waits for Ready" create \
        '^Workspace "org" (\(type [^)]+\) )?created\. Waiting for it to be ready\.\.\.$'
fi
run create_again "$KUBECTL" ws create org
expect_fail "ws create of an existing workspace" create_again 'already exists'
run create_ign "$KUBECTL" ws create org --ignore-existing
expect "ws create --ignore-existing" create_ign '^Workspace "org" .*already exists\.$' \
    'is ready to use\.$'
run create_ign_type "$KUBECTL" ws create org --ignore-existing --type universal
expect_fail "--ignore-existing wants an absolute type" create_ign_type \
    'must not be used with non-absolute type path'
run dot_still "$KUBECTL" ws .
expect_eq "ws create leaves the current workspace" dot_still 'Current workspace is "root".'

run use_org "$KUBECTL" ws use org
expect "ws use of a relative path" use_org '^Current workspace is "root:org"( \(type [^)]+\))?\.$'
if [ "$(server_of workspace.kplane.io/current)" = "$URL/clusters/root:org" ]; then
    ok "the kubeconfig points at /clusters/root:org"
else
    not_ok "the kubeconfig points at /clusters/root:org"
fi
run enter "$KUBECTL" ws create team --enter
expect "ws create --enter" enter 'is ready to use\.$' '^Current workspace is "root:org:team"'
run in_team "$KUBECTL" get ns default -o name
expect_eq "kubectl works inside the entered workspace" in_team 'namespace/default'
run parent "$KUBECTL" ws ..
expect "ws .." parent '^Current workspace is "root:org"'
run back "$KUBECTL" ws -
expect "ws - after .." back '^Current workspace is "root:org:team"'
run abs "$KUBECTL" ws root:org
expect "ws of an absolute path" abs '^Current workspace is "root:org"'
run abs2 "$KUBECTL" ws :root:org:team
expect "ws of an absolute path written :root:..." abs2 '^Current workspace is "root:org:team"'
run up_up "$KUBECTL" ws ../..
expect "ws ../.." up_up '^Current workspace is "root"'
run cw "$KUBECTL" create workspace other
expect "kubectl create workspace" cw '^Workspace "other" .*is ready to use\.$'
run tree2 "$KUBECTL" ws tree
expect "ws tree" tree2 '^└── root$' '^    [├└]── org$' '^    [│ ]   └── team$' '^    [├└]── other$'
run tree3 "$KUBECTL" ws tree --full
expect "ws tree --full" tree3 '^    [├└]── root:org$' '^    [│ ]   └── root:org:team$'
run org_tree "$KUBECTL" ws use org
run tree4 "$KUBECTL" ws tree
expect_eq "ws tree below the root" tree4 "$(printf '.\n└── org\n    └── team')"
run not_there "$KUBECTL" ws use team:nope
expect_fail "ws use of a missing child" not_there 'workspace "root:org:team:nope" not found'
