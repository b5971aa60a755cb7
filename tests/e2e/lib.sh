# Shared by the e2e scripts: TAP output, free ports, starting and stopping kplane by PID.
# Source it: . "$(dirname "$0")/lib.sh". Every server a test starts is stopped by PID in the
# EXIT trap, never by name.
set -u
KPLANE_BIN=${KPLANE_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/kplane}
E2E_N=0
E2E_PIDS=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kplane-e2e-XXXXXX")
chmod 755 "$E2E_TMP" # the postgres user must reach data dirs when tests run as root

ok() { E2E_N=$((E2E_N + 1)); echo "ok $E2E_N - $*"; }
not_ok() { E2E_N=$((E2E_N + 1)); echo "not ok $E2E_N - $*"; }
# check "description" command...: ok when the command succeeds.
check() {
    local d=$1
    shift
    if "$@" >"$E2E_TMP/check.out" 2>&1; then ok "$d"; else
        not_ok "$d"
        sed 's/^/#   /' "$E2E_TMP/check.out" | head -20
    fi
}
# check_out "description" "regex" command...: ok when the command's output matches.
check_out() {
    local d=$1 re=$2
    shift 2
    "$@" >"$E2E_TMP/check.out" 2>&1
    if grep -qE -- "$re" "$E2E_TMP/check.out"; then ok "$d"; else
        not_ok "$d (wanted /$re/)"
        sed 's/^/#   /' "$E2E_TMP/check.out" | head -20
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_kplane DATA_DIR PORT [extra flags]: starts in the background; sets KP_PID; waits
# until /readyz answers (60 s at most). Returns non-zero if it did not come up.
start_kplane() {
    local dir=$1 port=$2
    shift 2
    "$KPLANE_BIN" serve --data-dir "$dir" --listen "127.0.0.1:$port" "$@" >>"$dir.log" 2>&1 &
    KP_PID=$!
    E2E_PIDS+=("$KP_PID")
    wait_ready "$dir" "$port"
}

wait_ready() {
    local dir=$1 port=$2 i
    for i in $(seq 1 300); do
        if [ -f "$dir/pki/ca.crt" ] &&
            curl -sf --cacert "$dir/pki/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$KP_PID" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# stop_pid PID [signal]: signals and waits (30 s at most); prints the exit status.
stop_pid() {
    local pid=$1 sig=${2:-TERM} i
    kill -"$sig" "$pid" 2>/dev/null
    for i in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    wait "$pid" 2>/dev/null
}

# The PostgreSQL postmaster pid of a data dir, if one runs.
pg_pid() {
    local f="$1/pg/postmaster.pid"
    [ -f "$f" ] && head -1 "$f"
}

kubectl_versions() {
    local found=0 k
    for k in /usr/lib/google-cloud-sdk/bin/kubectl.1.*; do
        [ -x "$k" ] && { echo "$k"; found=1; }
    done
    [ $found -eq 1 ] || command -v kubectl
}

e2e_cleanup() {
    local p
    for p in "${E2E_PIDS[@]}"; do
        if kill -0 "$p" 2>/dev/null; then
            stop_pid "$p" TERM
        fi
    done
    # A server killed with -9 leaves its PostgreSQL running: stop those by their own pid file.
    for f in "$E2E_TMP"/*/pg/postmaster.pid; do
        [ -f "$f" ] || continue
        p=$(head -1 "$f")
        kill -INT "$p" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$E2E_TMP"
    echo "1..$E2E_N"
}
trap e2e_cleanup EXIT
