# shellcheck shell=bash
# Shared by the e2e scripts: TAP output, free ports, starting and stopping kplane by PID.
# Source it: . "$(dirname "$0")/lib.sh". Every server a test starts is stopped by PID in the
# EXIT trap, never by name.
set -u
KPLANE_BIN=${KPLANE_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/kplane}
E2E_N=0
E2E_PIDS=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kplane-e2e-XXXXXX")
chmod 755 "$E2E_TMP" # the postgres user must reach data dirs when tests run as root
# kubectl caches discovery under ~/.kube/cache by default: keep it in the temp dir so a run
# leaves nothing behind and never reads another run's cache.
export KUBECACHEDIR="$E2E_TMP/kube-cache"
# Run a snapshot of the binary: others may rebuild bin/kplane while a script runs, and one
# run must test one build.
if [ -x "$KPLANE_BIN" ]; then
    mkdir -p "$E2E_TMP/bin"
    cp "$KPLANE_BIN" "$E2E_TMP/bin/kplane" && KPLANE_BIN=$E2E_TMP/bin/kplane
fi

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

# run NAME cmd...: output (stdout and stderr) in $E2E_TMP/NAME.out, exit status in RC; a
# program that hangs is stopped after 120 s (shell functions run as they are).
run() {
    local n=$1
    shift
    if [ "$(type -t "$1")" = file ]; then
        timeout 120 "$@" >"$E2E_TMP/$n.out" 2>&1
    else
        "$@" >"$E2E_TMP/$n.out" 2>&1
    fi
    RC=$?
}

# diag FILE [LINES]: FILE as TAP diagnostics (a last line without newline included).
diag() {
    { head -c 4000 "$1"; echo; } | sed -e '/^$/d' -e 's/^/#   /' | head -"${2:-20}"
}

# expect "description" NAME REGEX...: after run NAME, ok when it exited 0 and its output
# matches every REGEX (grep -E, each on some line).
expect() {
    local d=$1 n=$2 rc=$RC re miss=""
    shift 2
    [ "$rc" -eq 0 ] || miss=" exit $rc"
    for re in "$@"; do
        grep -qE -- "$re" "$E2E_TMP/$n.out" || miss="$miss /$re/"
    done
    if [ -z "$miss" ]; then ok "$d"; else
        not_ok "$d (missing:$miss)"
        diag "$E2E_TMP/$n.out"
    fi
}

# expect_eq "description" NAME TEXT: after run NAME, ok when it exited 0 printing exactly TEXT.
expect_eq() {
    local d=$1 n=$2 want=$3 rc=$RC got
    got=$(cat "$E2E_TMP/$n.out")
    if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then ok "$d"; else
        not_ok "$d (wanted \"$want\", exit $rc)"
        diag "$E2E_TMP/$n.out"
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
    local dir=$1 port=$2
    for _ in $(seq 1 300); do
        if [ -f "$dir/pki/ca.crt" ] &&
            curl -sf --cacert "$dir/pki/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
            return 0
        fi
        pid_alive "$KP_PID" || return 1
        sleep 0.2
    done
    return 1
}

# pid_alive PID: the process exists and is not a zombie. PID 1 of a container may never reap
# the orphans it inherits (a postmaster that pg_ctl daemonized), and kill -0 succeeds on a
# zombie.
pid_alive() {
    local st
    kill -0 "$1" 2>/dev/null || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ]
}

# stop_pid PID [signal]: signals and waits (30 s at most); returns the process's exit status
# (it must be a child of this shell, as start_kplane's are). stderr is silenced so bash's
# "Killed" job notice does not end up in the TAP stream.
stop_pid() {
    local pid=$1 sig=${2:-TERM}
    {
        kill -"$sig" "$pid"
        for _ in $(seq 1 150); do
            pid_alive "$pid" || break
            sleep 0.2
        done
        wait "$pid"
    } 2>/dev/null
}

# The PostgreSQL postmaster pid of a data dir, if one runs.
pg_pid() {
    local f="$1/pg/postmaster.pid"
    [ -f "$f" ] && head -1 "$f"
}

# json_get PATH: reads JSON on stdin, prints the value at a dotted path (a.b.0.c); fails
# when the path is missing. Strings print bare, anything else as JSON.
json_get() {
    python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in [p for p in sys.argv[1].split(".") if p]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
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
        if pid_alive "$p"; then
            stop_pid "$p" TERM
        fi
    done
    # A server killed with -9 leaves its PostgreSQL running: stop those by their own pid file
    # (data dirs, and clusters a test runs itself, live in $E2E_TMP/<name>/pg).
    for f in "$E2E_TMP"/*/pg/postmaster.pid; do
        [ -f "$f" ] || continue
        p=$(head -1 "$f")
        kill -INT "$p" 2>/dev/null
        for _ in $(seq 1 50); do pid_alive "$p" || break; sleep 0.1; done
    done
    rm -rf "$E2E_TMP"
    echo "1..$E2E_N"
}
trap e2e_cleanup EXIT

# start_cluster_sim DATA_DIR PORT [extra flags]: `kplane cluster-sim` in the background, like
# start_kplane (sets KP_PID, waits for /readyz); its kubeconfig is DATA_DIR/admin.kubeconfig.
start_cluster_sim() {
    local dir=$1 port=$2
    shift 2
    "$KPLANE_BIN" cluster-sim --data-dir "$dir" --listen "127.0.0.1:$port" "$@" >>"$dir.log" 2>&1 &
    KP_PID=$!
    E2E_PIDS+=("$KP_PID")
    wait_ready "$dir" "$port"
}
