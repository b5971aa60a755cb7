# shellcheck shell=bash
# bench part (sourced by bench/run.sh): "git push to deploy" latency. A repository hosted by
# kplane (/clusters/root/git/gpbench.git) with 1,000 ConfigMap manifests, followed by a
# GitRepository and a Sync; once the initial sync is applied, pushes of a one-object change,
# each timed from `git push` returning to the API serving the new value. Skips itself, recording
# nothing, while kplane does not serve the Sync API (gitops.kplane.io/v1alpha1 syncs).
# Runs in a subshell: nothing here may stop the rest of the bench.
(
    set +e +o pipefail
    GP_N=1000
    GP_PUSHES=$([ "$QUICK" = 1 ] && echo 10 || echo 30)
    GP_NS=gpbench
    GP_DIR=$TMP/gitops-push
    GP_URL=$BASE/git/gpbench.git
    GP_CM=$BASE/api/v1/namespaces/$GP_NS/configmaps
    GP_API=$BASE/apis/gitops.kplane.io/v1alpha1

    if ! kcurl "$GP_API" 2>/dev/null | grep -q '"name": *"syncs"'; then
        log "gitops_push: skipped, kplane does not serve gitops.kplane.io/v1alpha1 syncs"
        exit 0
    fi
    gp_git() {
        env -u GIT_SSL_CAINFO GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
            GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
            GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com \
            git -c "http.sslCert=$PKI/admin.crt" -c "http.sslKey=$PKI/admin.key" \
            -c "http.sslCAInfo=$PKI/ca.crt" "$@"
    }
    gp_now() { date +%s%N; }
    # gp_value NAME: data.v of a ConfigMap ("" when absent)
    gp_value() {
        kcurl "$GP_CM/$1" 2>/dev/null | python3 -c \
            'import json,sys
try: print(json.load(sys.stdin).get("data",{}).get("v",""))
except Exception: print("")'
    }

    mkdir -p "$GP_DIR/manifests"
    git -C "$GP_DIR" init -q -b main
    for i in $(seq -w 1 "$GP_N"); do
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\n  namespace: %s\ndata:\n  v: "0"\n' \
            "$i" "$GP_NS" >"$GP_DIR/manifests/cm-$i.yaml"
    done
    gp_git -C "$GP_DIR" add . && gp_git -C "$GP_DIR" commit -qm initial
    if ! gp_git -C "$GP_DIR" push -q "$GP_URL" main 2>"$TMP/gitops-push.err"; then
        log "gitops_push: the first push failed: $(head -3 "$TMP/gitops-push.err")"
        exit 0
    fi
    mkns "$GP_NS"
    GP_T0=$(gp_now)
    kcurl -o /dev/null -X POST "$GP_API/namespaces/$GP_NS/gitrepositories" -d "{
        \"apiVersion\":\"gitops.kplane.io/v1alpha1\",\"kind\":\"GitRepository\",
        \"metadata\":{\"name\":\"gpbench\",\"namespace\":\"$GP_NS\"},
        \"spec\":{\"url\":\"$GP_URL\",\"ref\":{\"branch\":\"main\"},\"interval\":\"10m\"}}"
    kcurl -o /dev/null -X POST "$GP_API/namespaces/$GP_NS/syncs" -d "{
        \"apiVersion\":\"gitops.kplane.io/v1alpha1\",\"kind\":\"Sync\",
        \"metadata\":{\"name\":\"gpbench\",\"namespace\":\"$GP_NS\"},
        \"spec\":{\"sourceRef\":{\"name\":\"gpbench\"},\"path\":\"./manifests\",\"interval\":\"10m\",
                 \"prune\":true}}"
    # the initial sync: the last manifest is served
    GP_LAST=cm-$(seq -w 1 "$GP_N" | tail -1)
    GP_FIRST_NAME=cm-$(seq -w 1 "$GP_N" | head -1)
    GP_OK=0
    for _ in $(seq 1 1200); do
        if [ "$(gp_value "$GP_LAST")" = 0 ]; then
            GP_OK=1
            break
        fi
        sleep 0.1
    done
    GP_INIT_S=$(calc "($(gp_now) - $GP_T0) / 1000000000")
    if [ "$GP_OK" != 1 ]; then
        log "gitops_push: the initial sync of $GP_N manifests did not finish in 120 s"
        rec gitops_push "{\"row\": {\"figure\": \"GitOps push-to-applied, one-object change\", \"kplane\": \"initial sync of $GP_N manifests not applied within 120 s\", \"anchors\": \"Flux polls every 60 s, Argo CD every 180 s by default\", \"target\": \"p50 <= 1 s\", \"ok\": false}}"
        exit 0
    fi
    log "gitops_push: initial sync of $GP_N manifests in $GP_INIT_S s; $GP_PUSHES pushes"

    # the timed loop in one Python process: one kept-alive HTTPS connection polls as fast as the
    # server answers, so the figure is kplane's latency, not curl's start-up
    read -r GP_P50 GP_P99 GP_MISSED < <(python3 - "$GP_DIR" "$GP_URL" "$GP_CM/$GP_FIRST_NAME" \
        "$PKI" "$GP_PUSHES" "manifests/$GP_FIRST_NAME.yaml" <<'PY'
import http.client, json, os, re, ssl, subprocess, sys, time, urllib.parse
d, url, cm, pki, pushes, rel = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/admin.crt", pki + "/admin.key")
u = urllib.parse.urlparse(cm)
conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx)
env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
           GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
env.pop("GIT_SSL_CAINFO", None)
git = ["git", "-C", d, "-c", "http.sslCert=%s/admin.crt" % pki, "-c",
       "http.sslKey=%s/admin.key" % pki, "-c", "http.sslCAInfo=%s/ca.crt" % pki]
def value():
    conn.request("GET", u.path)
    r = conn.getresponse()
    body = r.read()
    return json.loads(body).get("data", {}).get("v") if r.status == 200 else None
ms, missed = [], 0
for p in range(1, int(pushes) + 1):
    path = os.path.join(d, rel)
    text = re.sub(r'(?m)^  v: .*$', '  v: "%d"' % p, open(path).read())
    open(path, "w").write(text)
    subprocess.run(git + ["commit", "-qam", "change %d" % p], env=env, check=True)
    subprocess.run(git + ["push", "-q", url, "main"], env=env, check=True)
    t0 = time.monotonic()
    while value() != str(p):
        if time.monotonic() - t0 > 60:
            missed += 1
            break
    else:
        ms.append((time.monotonic() - t0) * 1000)
ms.sort()
pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))] if ms else -1
print("%.0f %.0f %d" % (pick(0.5), pick(0.99), missed))
PY
    )
    if [ -z "${GP_P50:-}" ] || [ "$GP_P50" = -1 ]; then
        log "gitops_push: no push was applied within 60 s"
        rec gitops_push '{"row": {"figure": "GitOps push-to-applied, one-object change", "kplane": "pushes not applied within 60 s", "anchors": "Flux polls every 60 s, Argo CD every 180 s by default", "target": "p50 <= 1 s", "ok": false}}'
        exit 0
    fi
    GP_VERDICT=$([ "$GP_P50" -le 1000 ] && [ "$GP_MISSED" = 0 ] && echo true || echo false)
    rec gitops_push "{\"row\": {\"figure\": \"GitOps push-to-applied, one-object change\", \"kplane\": \"p50 $GP_P50 ms, p99 $GP_P99 ms ($GP_PUSHES pushes, $GP_N manifests)\", \"anchors\": \"Flux polls every 60 s, Argo CD every 180 s by default\", \"target\": \"p50 <= 1 s\", \"ok\": $GP_VERDICT}, \"pushes\": $GP_PUSHES, \"missed\": $GP_MISSED, \"manifests\": $GP_N, \"p50_ms\": $GP_P50, \"p99_ms\": $GP_P99, \"initial_sync_s\": $GP_INIT_S}"
    log "gitops_push: p50 $GP_P50 ms, p99 $GP_P99 ms"
)
