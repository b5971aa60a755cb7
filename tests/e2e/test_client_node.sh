#!/usr/bin/env bash
# The official JavaScript client (@kubernetes/client-node 1.x; deploy/install-deps.sh installs
# it into .cache/node) against kplane, unmodified: tests/e2e/js/client_node.mjs does the work
# and prints TAP. kplane keeps a tiny event window here so makeInformer meets 410 Gone.
#   bash tests/e2e/test_client_node.sh    or    TEST_FILTER=client_node tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ENTRY=$ROOT/.cache/node/node_modules/@kubernetes/client-node/dist/index.js
if [ ! -f "$ENTRY" ] || ! command -v node >/dev/null 2>&1; then
    not_ok "node and @kubernetes/client-node in .cache/node are installed (run deploy/install-deps.sh)"
    exit 1
fi
DIR=$E2E_TMP/js
PORT=$(free_port)
printf 'js-token-1,tok-user,3001\n' >"$E2E_TMP/tokens.csv"
if ! start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv" \
    --events-max 20 --compaction-interval 1s; then
    not_ok "kplane starts"
    exit 1
fi
# the script numbers its own TAP lines; renumber them into this script's count
timeout 300 node "$(dirname "$0")/js/client_node.mjs" "$DIR/admin.kubeconfig" js-token-1 "$ENTRY" 3 \
    >"$E2E_TMP/js.out" 2>&1
status=$?
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "${line#ok * - }" ;;
    "not ok "*) not_ok "${line#not ok * - }" ;;
    "1.."*) ;;
    *) echo "# $line" ;;
    esac
done <"$E2E_TMP/js.out"
[ "$status" -eq 0 ] || not_ok "the client script exited with status $status"
