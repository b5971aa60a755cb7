#!/usr/bin/env bash
# Concurrent writers and watchers through the whole server: no lost, duplicated or
# reordered watch events (tests/e2e/py/watch_concurrency.py does the work).
#   bash tests/e2e/test_watch_concurrency.sh    or    TEST_FILTER=watch_concurrency tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/wc
PORT=$(free_port)
if ! start_kplane "$DIR" "$PORT"; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$E2E_TMP/c.crt"
kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$E2E_TMP/c.key"
# the script numbers its own TAP lines; renumber them into this script's count
python3 "$(dirname "$0")/py/watch_concurrency.py" "https://127.0.0.1:$PORT/clusters/root" \
    "$DIR/pki/ca.crt" "$E2E_TMP/c.crt" "$E2E_TMP/c.key" 150 >"$E2E_TMP/py.out" 2>&1
status=$?
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "${line#ok * - }" ;;
    "not ok "*) not_ok "${line#not ok * - }" ;;
    "1.."*) ;;
    *) echo "# $line" ;;
    esac
done <"$E2E_TMP/py.out"
[ "$status" -eq 0 ] || not_ok "the concurrency script exited with status $status"
