#!/usr/bin/env bash
# make bench: kplane against raw PostgreSQL (pgbench) and etcd, side by side, in one run on
# one machine. Every kplane figure is reported with its ratio to an anchor measured in the
# same run, because absolute numbers on a small shared machine are noise. Prints a Markdown
# table and writes bench/results/latest.json (bench/report.py).
#   BENCH_QUICK=1   about a minute and a half: shorter runs, fewer objects and workspaces (the
#                   memory target, for 100,000 objects, gets no verdict then)
#   BENCH_DIR=D     where the servers keep their data (default: a new dir under /var/tmp, the
#                   same disk for every server, removed at the end)
# Servers are started here on free loopback ports and stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${BENCH_QUICK:-0}
KPLANE=$ROOT/bin/kplane
LOADGEN=$ROOT/build/release/bench/loadgen
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
TMP=$(mktemp -d "${BENCH_DIR:-/var/tmp}/kplane-bench.XXXXXX")
chmod 755 "$TMP"
RES=$TMP/results.jsonl
: >"$RES"
PIDS=()

if [ "$QUICK" = 1 ]; then
    DUR=2 LIST_N=10000 WS_N=300 WS_IDLE=1000 MEM_N=10000 DEL_N=10000 WATCHERS=1000 WRITES=20
else
    DUR=10 LIST_N=10000 WS_N=2000 WS_IDLE=10000 MEM_N=100000 DEL_N=10000 WATCHERS=1000 WRITES=100
fi

log() { printf '# %s\n' "$*" >&2; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# rec NAME JSON: one measured figure
# calc EXPR: floating-point arithmetic (awk is on every machine, bc is not)
calc() { awk "BEGIN { printf \"%.4f\", $* }"; }
rec() { printf '{"name":"%s","data":%s}\n' "$1" "$2" >>"$RES"; }
pid_alive() { kill -0 "$1" 2>/dev/null; }
stop_pid() {
    local pid=$1
    pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
        pid_alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    if [ -f "$TMP/kp/pg/postmaster.pid" ]; then # kplane stops its PostgreSQL; in case it could not
        runuser -u postgres -- "$PG_BIN/pg_ctl" stop -D "$TMP/kp/pg" -m immediate >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
# the proportional set size of every PostgreSQL process of our cluster (shared memory counted once)
pg_pss_kib() {
    local pm total=0 p
    pm=$(head -1 "$TMP/kp/pg/postmaster.pid")
    for p in $pm $(pgrep -P "$pm" || true); do
        total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# ---- kplane ------------------------------------------------------------------------------------
KP_PORT=$(free_port)
log "starting kplane on 127.0.0.1:$KP_PORT (data in $TMP/kp)"
"$KPLANE" serve --data-dir "$TMP/kp" --listen "127.0.0.1:$KP_PORT" --log-level warn \
    >"$TMP/kplane.log" 2>&1 &
KP_PID=$!
PIDS+=("$KP_PID")
for _ in $(seq 1 300); do
    if [ -f "$TMP/kp/pki/ca.crt" ] &&
        curl -sf --cacert "$TMP/kp/pki/ca.crt" "https://127.0.0.1:$KP_PORT/readyz" >/dev/null 2>&1; then
        break
    fi
    pid_alive "$KP_PID" || {
        cat "$TMP/kplane.log" >&2
        exit 1
    }
    sleep 0.2
done
PKI=$TMP/kp/pki
TLS=(--cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")
BASE=https://127.0.0.1:$KP_PORT/clusters/root
kcurl() { curl -sS "${TLS[@]}" -H 'Content-Type: application/json' "$@"; }
mkns() {
    kcurl -o /dev/null -X POST "$BASE/api/v1/namespaces" \
        -d "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}"
}
lg() { "$LOADGEN" "$@" "${TLS[@]}"; }
CM=$BASE/api/v1/namespaces

# ---- anchor 1: PostgreSQL, the same server kplane uses, a table shaped like kplane's ----------
PGH=(-h "$TMP/kp/pg" -p 5432 -U kplane)
"$PG_BIN/psql" "${PGH[@]}" -q -d postgres -c "CREATE DATABASE bench" >/dev/null
"$PG_BIN/psql" "${PGH[@]}" -q -d bench >/dev/null <<'SQL'
CREATE TABLE objects (cluster text NOT NULL, resource text NOT NULL, namespace text NOT NULL,
  name text NOT NULL, rv bigint NOT NULL, value jsonb NOT NULL, bytes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (cluster, resource, namespace, name));
CREATE INDEX objects_by_resource ON objects (resource, cluster, namespace, name);
CREATE SEQUENCE rv;
SQL
PAYLOAD=$(python3 -c 'print("".join(chr(97 + i % 26) for i in range(1024)))')
DOC="{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"namespace\":\"bench\",\"labels\":{\"app\":\"bench\"}},\"data\":{\"payload\":\"$PAYLOAD\"}}"
cat >"$TMP/insert.sql" <<SQL
INSERT INTO objects (cluster, resource, namespace, name, rv, value, bytes) VALUES ('c', '/configmaps', 'bench', 'pg-' || nextval('rv'), currval('rv'), '$DOC'::jsonb, ${#DOC});
SQL
cat >"$TMP/select.sql" <<'SQL'
\set i random(1, 1000)
SELECT value FROM objects WHERE cluster = 'c' AND resource = '/configmaps' AND namespace = 'bench' AND name = 'pg-' || :i;
SQL
cat >"$TMP/list.sql" <<'SQL'
SELECT value FROM objects WHERE cluster = 'c' AND resource = '/configmaps' AND namespace = 'list' ORDER BY name;
SQL
# checkpoint: flushes PostgreSQL's dirty pages before a timed run, so no run pays for the
# checkpoint an earlier one's writes made due (pgbench's and kplane's runs alike)
checkpoint() { "$PG_BIN/psql" "${PGH[@]}" -q -d postgres -c CHECKPOINT >/dev/null; }
pgb() { # clients script seconds|-t N -> pgbench's output
    local c=$1 f=$2
    shift 2
    "$PG_BIN/pgbench" "${PGH[@]}" -n -M prepared -c "$c" -j "$((c < 2 ? c : 2))" -f "$f" "$@" bench 2>&1
}
pgb_json() { # clients script args... -> {"rate":..,"lat_ms":..}
    local out
    out=$(pgb "$@")
    python3 - "$out" <<'PY'
import re, sys, json
o = sys.argv[1]
tps = re.search(r"tps = ([0-9.]+)", o)
lat = re.search(r"latency average = ([0-9.]+) ms", o)
if not tps:
    sys.stderr.write(o)
    sys.exit(1)
print(json.dumps({"rate": float(tps.group(1)), "lat_ms": float(lat.group(1)) if lat else None}))
PY
}
for c in 1 8 64; do
    log "pgbench: 1 KB jsonb insert per transaction, $c clients"
    checkpoint
    rec "pg_insert@$c" "$(pgb_json "$c" "$TMP/insert.sql" -T "$DUR")"
done
log "pgbench: primary-key select, 8 clients"
rec "pg_select@8" "$(pgb_json 8 "$TMP/select.sql" -T "$DUR")"
"$PG_BIN/psql" "${PGH[@]}" -q -d bench -c "INSERT INTO objects SELECT 'c', '/configmaps', 'list', 'l-' || i, i, '$DOC'::jsonb, ${#DOC} FROM generate_series(1, $LIST_N) i" >/dev/null
log "pgbench: select of $LIST_N rows"
rec "pg_list" "$(pgb_json 1 "$TMP/list.sql" -t 10)"
{
    t0=$(date +%s.%N)
    "$PG_BIN/psql" "${PGH[@]}" -q -d bench -c "DELETE FROM objects WHERE namespace = 'list'" >/dev/null
    t1=$(date +%s.%N)
    rec "pg_delete" "{\"seconds\": $(calc "$t1 - $t0")}"
}
"$PG_BIN/psql" "${PGH[@]}" -q -d postgres -c "DROP DATABASE bench" >/dev/null

# ---- anchor 2: etcd, its JSON gateway, same disk ------------------------------------------------
E_PORT=$(free_port)
E_PEER=$(free_port)
log "starting etcd on 127.0.0.1:$E_PORT"
etcd --name bench --data-dir "$TMP/etcd" --listen-client-urls "http://127.0.0.1:$E_PORT" \
    --advertise-client-urls "http://127.0.0.1:$E_PORT" --listen-peer-urls "http://127.0.0.1:$E_PEER" \
    --initial-advertise-peer-urls "http://127.0.0.1:$E_PEER" \
    --initial-cluster "bench=http://127.0.0.1:$E_PEER" --quota-backend-bytes 8589934592 \
    --log-level error >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
PIDS+=("$ETCD_PID")
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$E_PORT/health" >/dev/null 2>&1 && break
    sleep 0.1
done
for c in 1 8 64; do
    log "etcd: 1 KB puts through the JSON gateway, $c clients"
    rec "etcd_put@$c" "$("$LOADGEN" etcd-put --url "http://127.0.0.1:$E_PORT/v3/kv/put" --clients "$c" --duration "$DUR" --prefix "e$c")"
done
"$LOADGEN" etcd-put --url "http://127.0.0.1:$E_PORT/v3/kv/put" --clients 1 --count 1000 --prefix g >/dev/null
log "etcd: range gets, 8 clients"
rec "etcd_get@8" "$("$LOADGEN" etcd-get --url "http://127.0.0.1:$E_PORT/v3/kv/range" --clients 8 --duration "$DUR" --prefix g-0 --objects 1000)"
stop_pid "$ETCD_PID"

# ---- kplane ------------------------------------------------------------------------------------
mkns bench
for c in 1 8 64; do
    log "kplane: create ConfigMaps, $c clients"
    checkpoint
    rec "create@$c" "$(lg create --url "$CM/bench/configmaps" --clients "$c" --duration "$DUR" --prefix "c$c")"
done
lg create --url "$CM/bench/configmaps" --clients 1 --count 1000 --prefix g >/dev/null
log "kplane: GET, 8 clients"
checkpoint
rec "get@8" "$(lg get --url "$CM/bench/configmaps" --clients 8 --duration "$DUR" --prefix g-0 --objects 1000)"
lg create --url "$CM/bench/configmaps" --clients 1 --count 4 --prefix u >/dev/null
log "kplane: read-modify-write, 8 clients on 4 objects"
checkpoint
rec "update@8" "$(lg update --url "$CM/bench/configmaps" --clients 8 --duration "$DUR" --prefix u-0 --objects 4)"

mkns list
lg create --url "$CM/list/configmaps" --clients 8 --count "$LIST_N" --prefix l >/dev/null
log "kplane: LIST of $LIST_N ConfigMaps"
{
    best="" best_ms=0
    for _ in 1 2 3 4 5; do
        echo 5 >"/proc/$KP_PID/clear_refs"
        rss0=$(rss_kib "$KP_PID")
        t=$(kcurl -o /dev/null -w '%{time_total} %{time_appconnect} %{size_download}' "$CM/list/configmaps")
        hwm=$(hwm_kib "$KP_PID")
        set -- $t
        ms=$(calc "($1 - $2) * 1000")
        line="{\"ms\": $ms, \"bytes\": $3, \"rss_growth_kib\": $((hwm - rss0))}"
        if [ -z "$best" ] || [ "$(calc "$ms < $best_ms")" != 0.0000 ]; then
            best=$line best_ms=$ms
        fi
    done
    rec "list" "$best"
}

# ---- memory with many stored objects (before the watchers: they are measured on their own) ---
mkns mem
log "kplane: resident memory with $MEM_N stored ConfigMaps"
lg create --url "$CM/mem/configmaps" --clients 8 --count "$MEM_N" --prefix m >/dev/null
sleep 2
rss=$(rss_kib "$KP_PID")
pss=$(pg_pss_kib)
json_bytes=$(kcurl "$CM/mem/configmaps" | python3 -c 'import json,sys; print(sum(len(json.dumps(i, separators=(",",":"))) for i in json.load(sys.stdin)["items"]))')
rec "mem" "{\"objects\": $MEM_N, \"json_bytes\": $json_bytes, \"rss_kib\": $rss, \"pg_pss_kib\": $pss}"

mkns watch
log "kplane: watch fan-out, $WATCHERS watchers, $WRITES writes"
rec "watch" "$(lg watch --url "$CM/watch/configmaps" --watchers "$WATCHERS" --writes "$WRITES" --interval-ms 50 --prefix w)"

# ---- workspaces --------------------------------------------------------------------------------
WS=$BASE/apis/tenancy.kplane.io/v1alpha1/workspaces
log "kplane: $WS_N workspaces, created to Ready, 16 clients"
checkpoint
rss0=$(rss_kib "$KP_PID")
rec "ws_create" "$(lg workspaces --url "$WS" --clients 16 --count "$WS_N" --prefix ws)"
log "kplane: idle workspaces up to $WS_IDLE"
lg workspaces --url "$WS" --clients 16 --count "$((WS_IDLE - WS_N))" --prefix idle >/dev/null
sleep 2
rss1=$(rss_kib "$KP_PID")
rec "ws_idle" "{\"workspaces\": $WS_IDLE, \"rss_before_kib\": $rss0, \"rss_after_kib\": $rss1, \"kib_per_ws\": $(calc "($rss1 - $rss0) / $WS_IDLE")}"

log "kplane: deleting a workspace of $DEL_N objects"
lg workspaces --url "$WS" --clients 1 --count 1 --prefix del >/dev/null
lg create --url "https://127.0.0.1:$KP_PORT/clusters/root:del-0/api/v1/namespaces/default/configmaps" \
    --clients 8 --count "$DEL_N" --prefix d >/dev/null
t0=$(date +%s.%N)
kcurl -o /dev/null -X DELETE "$WS/del-0"
while [ "$(kcurl -o /dev/null -w '%{http_code}' "$WS/del-0")" != 404 ]; do sleep 0.01; done
t1=$(date +%s.%N)
rec "ws_delete" "{\"objects\": $DEL_N, \"seconds\": $(calc "$t1 - $t0")}"

# ---- the other modules' figures: each bench/parts/*.sh is sourced here, with this script's
# helpers (log, rec, calc, kcurl, lg, free_port, stop_pid), kplane at $BASE (its pid $KP_PID,
# TLS material in $PKI, its kubeconfig $TMP/kp/admin.kubeconfig), $TMP for its own files and
# $QUICK. A part records a ready-made table row: rec NAME '{"row": {"figure": .., "kplane": ..,
# "anchors": .., "target": .., "ok": true|false|null}, ...measured fields}'.
for part in bench/parts/*.sh; do
    [ -f "$part" ] || continue
    log "bench part: $part"
    # shellcheck disable=SC1090
    . "$part"
done

stop_pid "$KP_PID"
mkdir -p bench/results
python3 bench/report.py "$RES" bench/results/latest.json "$QUICK"
