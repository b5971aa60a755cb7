#!/usr/bin/env bash
# The official Python client (Debian's python3-kubernetes, deploy/install-deps.sh installs
# it) against kplane, unmodified: tests/e2e/py/client_python.py does the work and prints TAP.
# kplane keeps a tiny event window here so the informer in that script meets 410 Gone.
#   bash tests/e2e/test_client_python.sh    or    TEST_FILTER=client_python tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# Debian's dist-packages are on the path of the system python only (pyenv's is first on PATH)
PY=/usr/bin/python3
if ! "$PY" -c 'import kubernetes' 2>/dev/null; then
    not_ok "the python3-kubernetes package is installed (run deploy/install-deps.sh)"
    exit 1
fi
DIR=$E2E_TMP/py
PORT=$(free_port)
printf 'py-token-1,tok-user,3001\n' >"$E2E_TMP/tokens.csv"
if ! start_kplane "$DIR" "$PORT" --token-auth-file "$E2E_TMP/tokens.csv" \
    --events-max 20 --compaction-interval 1s; then
    not_ok "kplane starts"
    exit 1
fi
# the script numbers its own TAP lines; renumber them into this script's count
timeout 300 "$PY" "$(dirname "$0")/py/client_python.py" "$DIR/admin.kubeconfig" py-token-1 3 \
    >"$E2E_TMP/py.out" 2>&1
status=$?
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "${line#ok * - }" ;;
    "not ok "*) not_ok "${line#not ok * - }" ;;
    "1.."*) ;;
    *) echo "# $line" ;;
    esac
done <"$E2E_TMP/py.out"
[ "$status" -eq 0 ] || not_ok "the client script exited with status $status"
