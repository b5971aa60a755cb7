# shellcheck shell=bash
# bench part (sourced by bench/run.sh): the syncer. Three cluster-sims register as Push
# Clusters; N Deployments (replicas 1) labelled for all three are created at once; we time
# until every one is Available upstream (status summed over the clusters: 3), or, while the
# simulation runs no Deployments, until every one exists in all three clusters. Then the sync
# latency of single objects: upstream create -> the object exists downstream in all three
# clusters, sampled over 50 objects, p50/p99. Targets: 1,000 x 3 converged in <= 30 s; p99
# <= 500 ms. BENCH_QUICK: 100 Deployments.

SYNC_N=1000
[ "$QUICK" = 1 ] && SYNC_N=100
SYNC_SAMPLES=50
SYNC_SIMS=()
if ! "$KPLANE" cluster-sim --help >/dev/null 2>&1; then
    log "sync: this kplane has no cluster-sim; skipped"
else
    for i in 1 2 3; do
        p=$(free_port)
        "$KPLANE" cluster-sim --data-dir "$TMP/sim$i" --listen "127.0.0.1:$p" --nodes 20 \
            --region "region-$i" --log-level warn >"$TMP/sim$i.log" 2>&1 &
        PIDS+=("$!")
        SYNC_SIMS+=("$TMP/sim$i")
        for _ in $(seq 1 300); do
            [ -f "$TMP/sim$i/admin.kubeconfig" ] &&
                curl -sf --cacert "$TMP/sim$i/pki/ca.crt" "https://127.0.0.1:$p/readyz" >/dev/null 2>&1 && break
            sleep 0.2
        done
    done
    mkns fleet
    mkns sbench
    for i in 1 2 3; do
        kc=$(base64 -w0 <"$TMP/sim$i/admin.kubeconfig")
        kcurl -o /dev/null -X POST "$CM/fleet/secrets" -d "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"sim$i\"},\"data\":{\"kubeconfig\":\"$kc\"}}"
        kcurl -o /dev/null -X POST "$BASE/apis/fleet.kplane.io/v1alpha1/clusters" -d "{\"apiVersion\":\"fleet.kplane.io/v1alpha1\",\"kind\":\"Cluster\",\"metadata\":{\"name\":\"sim$i\"},\"spec\":{\"region\":\"region-$i\",\"kubeconfigSecretRef\":{\"namespace\":\"fleet\",\"name\":\"sim$i\"},\"resources\":[\"deployments\"]}}"
    done
    SYNC_OUT=$(python3 - "$BASE" "$PKI" "$SYNC_N" "$SYNC_SAMPLES" "${SYNC_SIMS[@]}" <<'PY'
import base64, json, re, ssl, sys, threading, time, http.client, urllib.parse, os, tempfile

base, pki, n, samples = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sims = sys.argv[5:]

def ctx_from(ca, crt, key):
    c = ssl.create_default_context(cafile=ca)
    c.load_cert_chain(crt, key)
    return c

up = urllib.parse.urlsplit(base)
up_ctx = ctx_from(f"{pki}/ca.crt", f"{pki}/admin.crt", f"{pki}/admin.key")

def sim_target(d):
    text = open(f"{d}/admin.kubeconfig").read()
    def field(k):
        return base64.b64decode(re.search(k + r':\s*"?([A-Za-z0-9+/=]+)', text).group(1))
    server = re.search(r'server:\s*"?(https://[^"\s]+)', text).group(1)
    files = []
    for k in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
        f = tempfile.NamedTemporaryFile(delete=False, dir=os.path.dirname(d))
        f.write(field(k)); f.close(); files.append(f.name)
    return urllib.parse.urlsplit(server), ctx_from(*files)

downs = [sim_target(d) for d in sims]

class Conn:
    def __init__(self, u, ctx):
        self.u, self.ctx, self.c = u, ctx, None
    def req(self, method, path, body=None):
        for _ in range(3):
            try:
                if self.c is None:
                    self.c = http.client.HTTPSConnection(self.u.hostname, self.u.port, context=self.ctx, timeout=30)
                self.c.request(method, path, body=json.dumps(body) if body is not None else None,
                               headers={"Content-Type": "application/json"})
                r = self.c.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.c = None
        return 0, b""

def deploy(name):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name, "state.sync.kplane.io/sim1": "Sync",
                                                 "state.sync.kplane.io/sim2": "Sync",
                                                 "state.sync.kplane.io/sim3": "Sync"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx",
                                           "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}}}}

upath = up.path + "/apis/apps/v1/namespaces/sbench/deployments"
# wait until the clusters are Ready (heartbeats), so the timing is the sync's
c = Conn(up, up_ctx)
for _ in range(300):
    st, b = c.req("GET", up.path + "/apis/fleet.kplane.io/v1alpha1/clusters")
    items = json.loads(b).get("items", []) if st == 200 else []
    if len(items) == 3 and all(any(x.get("type") == "Ready" and x.get("status") == "True"
                                   for x in (i.get("status") or {}).get("conditions", [])) for i in items):
        break
    time.sleep(0.2)

t0 = time.time()
def creator(k, total):
    cc = Conn(up, up_ctx)
    for i in range(k, n, total):
        cc.req("POST", upath, deploy(f"d{i}"))
ts = [threading.Thread(target=creator, args=(k, 8)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
t_created = time.time() - t0

def count_down(dc):
    st, b = dc.req("GET", "/apis/apps/v1/deployments?labelSelector=state.sync.kplane.io/sim1")
    return len(json.loads(b).get("items", [])) if st == 200 else 0
dcs = [Conn(u, x) for u, x in downs]
synced = avail = None
limit = 120 if n >= 1000 else 60
while time.time() - t0 < limit:
    if synced is None and all(count_down(dc) >= n for dc in dcs):
        synced = time.time() - t0
    st, b = c.req("GET", upath)
    items = json.loads(b).get("items", []) if st == 200 else []
    if len(items) >= n and sum(1 for i in items if (i.get("status") or {}).get("availableReplicas", 0) >= 3) >= n:
        avail = time.time() - t0
        break
    if synced is not None and time.time() - t0 > synced + 15 and \
            not any((i.get("status") or {}).get("availableReplicas") for i in items):
        break  # nothing becomes Available: the simulation runs no Deployments
    time.sleep(1.0)  # each poll lists every Deployment: it must not be the load it measures

# per-object latency: create one, poll all three clusters until it is there (a GET by name in
# the tenant's downstream namespace, found by its locator annotation)
def down_ns(dc):
    st, b = dc.req("GET", "/api/v1/namespaces")
    for i in (json.loads(b).get("items", []) if st == 200 else []):
        loc = ((i["metadata"].get("annotations") or {}).get("sync.kplane.io/namespace-locator"))
        if loc and json.loads(loc).get("namespace") == "sbench":
            return i["metadata"]["name"]
    return "none"
nss = [down_ns(dc) for dc in dcs]
lat = []
for s in range(samples):
    name = f"lat{s}"
    t1 = time.time()
    c.req("POST", upath, deploy(name))
    pending = set(range(len(dcs)))
    while pending and time.time() - t1 < 10:
        for k in list(pending):
            st, b = dcs[k].req("GET", f"/apis/apps/v1/namespaces/{nss[k]}/deployments/{name}")
            if st == 200:
                pending.discard(k)
        if pending:
            time.sleep(0.005)
    lat.append((time.time() - t1) * 1000 if not pending else 10000.0)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(json.dumps({"n": n, "created_s": t_created, "synced_s": synced, "available_s": avail,
                  "p50_ms": p(0.50), "p99_ms": p(0.99), "samples": len(lat)}))
PY
    ) || SYNC_OUT=""
    if [ -n "$SYNC_OUT" ]; then
        read -r s_n s_av s_sy s_p50 s_p99 < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
f = lambda v: "null" if v is None else "%.2f" % v
print(d["n"], f(d["available_s"]), f(d["synced_s"]), "%.1f" % d["p50_ms"], "%.1f" % d["p99_ms"])' "$SYNC_OUT")
        if [ "$s_av" != null ]; then
            fig="$s_av s until all Available upstream (synced to all 3 in $s_sy s)"
            okv=$(python3 -c "print('true' if $s_av <= 30 else 'false')")
        elif [ "$s_sy" != null ]; then
            fig="synced to all 3 in $s_sy s; Available not measured (cluster-sim runs no Deployments yet)"
            okv=null
        else
            fig="did not converge"
            okv=false
        fi
        rec sync_converge "{\"row\": {\"figure\": \"$s_n Deployments x 3 clusters, create to converged\", \"kplane\": \"$fig\", \"anchors\": \"\", \"target\": \"<= 30 s\", \"ok\": $okv}, \"result\": $SYNC_OUT}"
        okl=$(python3 -c "print('true' if $s_p99 <= 500 else 'false')")
        rec sync_latency "{\"row\": {\"figure\": \"sync latency, create upstream -> in all 3 clusters ($SYNC_SAMPLES samples)\", \"kplane\": \"p50 $s_p50 ms, p99 $s_p99 ms\", \"anchors\": \"\", \"target\": \"p99 <= 500 ms\", \"ok\": $okl}}"
    else
        log "sync: the measurement failed"
    fi
fi
