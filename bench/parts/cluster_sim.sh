# shellcheck shell=bash
# Sourced by bench/run.sh (its helpers: log, rec, calc, free_port, stop_pid; $KPLANE, $TMP,
# $QUICK, PIDS). cluster-sim's simulation under load: Deployments of 2 replicas created by 16
# clients at once, timed until every one is Available (ReplicaSets made, pods scheduled on 20
# nodes of 110 pods each, Running after the start delay, statuses written back), i.e. what a downstream
# cluster adds to the syncer's 1,000 x 3 figure.
SIM_N=$([ "$QUICK" = 1 ] && echo 200 || echo 1000)
SIM_PORT=$(free_port)
SIM_DIR=$TMP/sim
log "cluster-sim: $SIM_N Deployments x 2 replicas to Available"
"$KPLANE" cluster-sim --data-dir "$SIM_DIR" --listen "127.0.0.1:$SIM_PORT" --nodes 20 \
    --pod-start-delay 500ms --log-level warn >"$TMP/cluster-sim.log" 2>&1 &
SIM_PID=$!
PIDS+=("$SIM_PID")
for _ in $(seq 1 300); do
    if [ -f "$SIM_DIR/pki/ca.crt" ] &&
        curl -sf --cacert "$SIM_DIR/pki/ca.crt" "https://127.0.0.1:$SIM_PORT/readyz" >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done
sim_curl() {
    curl -sf --cacert "$SIM_DIR/pki/ca.crt" --cert "$SIM_DIR/pki/admin.crt" \
        --key "$SIM_DIR/pki/admin.key" "$@"
}
sim_available() {
    sim_curl "https://127.0.0.1:$SIM_PORT/apis/apps/v1/namespaces/default/deployments" |
        python3 -c 'import json,sys; print(sum(1 for d in json.load(sys.stdin)["items"] if d.get("status",{}).get("availableReplicas")==2))'
}
export -f sim_curl
export SIM_DIR SIM_PORT
t0=$(date +%s.%N)
seq 1 "$SIM_N" | xargs -P 16 -I{} bash -c 'sim_curl -o /dev/null -X POST -H "Content-Type: application/json" "https://127.0.0.1:$SIM_PORT/apis/apps/v1/namespaces/default/deployments" --data-binary "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d{}\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"d{}\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"d{}\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":\"16Mi\"}}}]}}}}"'
t_created=$(date +%s.%N)
SIM_AVAIL=0
for _ in $(seq 1 600); do
    SIM_AVAIL=$(sim_available)
    [ "$SIM_AVAIL" -ge "$SIM_N" ] && break
    sleep 0.2
done
t1=$(date +%s.%N)
SIM_S=$(calc "$t1 - $t0")
SIM_CREATE_S=$(calc "$t_created - $t0")
fmt1() { awk "BEGIN { printf \"%.1f\", $* }"; }
SIM_OK=$([ "$SIM_AVAIL" -ge "$SIM_N" ] && awk "BEGIN { exit !($SIM_S * 1000 / $SIM_N <= 30) }" && echo true || echo false)
rec "cluster_sim_rollout" "{\"row\": {\"figure\": \"cluster-sim: $SIM_N Deployments x 2 pods, created by 16 clients, to all Available\", \"kplane\": \"$(fmt1 "$SIM_S") s ($SIM_AVAIL Available; the creates took $(fmt1 "$SIM_CREATE_S") s; $(fmt1 "2 * $SIM_N / $SIM_S") pods/s)\", \"anchors\": \"pods start 500 ms after they are bound\", \"target\": \"<= 30 s per 1,000\", \"ok\": $SIM_OK}, \"deployments\": $SIM_N, \"available\": $SIM_AVAIL, \"seconds\": $SIM_S}"
stop_pid "$SIM_PID"
