# shellcheck shell=bash
# bench part (sourced by bench/run.sh): "git push to deploy" latency. A repository hosted by
# kplane (/clusters/root/git/gpbench.git) with 1,000 ConfigMap manifests, followed by a
# GitRepository and a Sync; once the initial sync is applied, pushes of a one-object change,
# each timed from `git push` returning to the API serving the new value. The same with a
# repository of 10 manifests tells what the hosting and the trigger cost apart from applying.
# Skips itself, recording nothing, while kplane does not serve the Sync API
# (gitops.kplane.io/v1alpha1 syncs). Runs in a subshell: nothing here may stop the rest of the
# bench.
(
    set +e +o pipefail
    GP_PUSHES=$([ "$QUICK" = 1 ] && echo 10 || echo 30)
    GP_API=$BASE/apis/gitops.kplane.io/v1alpha1
    GP_ROW='"figure": "GitOps push-to-applied, one-object change", "anchors": "Flux polls every 60 s, Argo CD every 180 s by default", "target": "p50 <= 1 s"'

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
    # gp_value NS NAME: data.v of a ConfigMap ("" when absent)
    gp_value() {
        kcurl "$BASE/api/v1/namespaces/$1/configmaps/$2" 2>/dev/null | python3 -c \
            'import json,sys
try: print(json.load(sys.stdin).get("data",{}).get("v",""))
except Exception: print("")'
    }

    # gp_setup NAME N: hosted repository NAME with N ConfigMaps (cm-0001...) for namespace
    # NAME, pushed, followed by GitRepository and Sync NAME; waits for the initial sync and
    # prints its seconds. Fails when it does not finish in 120 s.
    gp_setup() {
        local name=$1 n=$2 dir=$TMP/gitops-push-$1 t0 last
        mkdir -p "$dir/manifests"
        git -C "$dir" init -q -b main
        for i in $(seq -f '%04g' 1 "$n"); do
            printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\n  namespace: %s\ndata:\n  v: "0"\n' \
                "$i" "$name" >"$dir/manifests/cm-$i.yaml"
        done
        gp_git -C "$dir" add . && gp_git -C "$dir" commit -qm initial
        if ! gp_git -C "$dir" push -q "$BASE/git/$name.git" main 2>"$TMP/gitops-push.err"; then
            log "gitops_push: the first push to $name failed: $(head -3 "$TMP/gitops-push.err")"
            return 1
        fi
        mkns "$name"
        t0=$(date +%s%N)
        kcurl -o /dev/null -X POST "$GP_API/namespaces/$name/gitrepositories" -d "{\"apiVersion\":\"gitops.kplane.io/v1alpha1\",\"kind\":\"GitRepository\",\"metadata\":{\"name\":\"$name\",\"namespace\":\"$name\"},\"spec\":{\"url\":\"$BASE/git/$name.git\",\"ref\":{\"branch\":\"main\"},\"interval\":\"10m\"}}"
        kcurl -o /dev/null -X POST "$GP_API/namespaces/$name/syncs" -d "{\"apiVersion\":\"gitops.kplane.io/v1alpha1\",\"kind\":\"Sync\",\"metadata\":{\"name\":\"$name\",\"namespace\":\"$name\"},\"spec\":{\"sourceRef\":{\"name\":\"$name\"},\"path\":\"./manifests\",\"interval\":\"10m\",\"prune\":true}}"
        last=cm-$(printf '%04d' "$n")
        for _ in $(seq 1 1200); do
            if [ "$(gp_value "$name" "$last")" = 0 ]; then
                calc "($(date +%s%N) - $t0) / 1000000000"
                return 0
            fi
            sleep 0.1
        done
        log "gitops_push: the initial sync of $n manifests ($name) did not finish in 120 s"
        return 1
    }

    # gp_time NAME: GP_PUSHES pushes changing cm-0001 of hosted repository NAME, each timed in
    # one Python process from `git push` returning until the API serves the new value (one
    # kept-alive HTTPS connection polls as fast as the server answers, so the figure is
    # kplane's, not curl's start-up). Prints "p50_ms p99_ms missed".
    gp_time() {
        python3 - "$TMP/gitops-push-$1" "$BASE/git/$1.git" \
            "$BASE/api/v1/namespaces/$1/configmaps/cm-0001" "$PKI" "$GP_PUSHES" <<'PY'
import http.client, json, os, re, ssl, subprocess, sys, time, urllib.parse
d, url, cm, pki, pushes = sys.argv[1:6]
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
path = os.path.join(d, "manifests", "cm-0001.yaml")
for p in range(1, int(pushes) + 1):
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
    }

    if ! GP_INIT_S=$(gp_setup gpbench 1000); then
        rec gitops_push "{\"row\": {$GP_ROW, \"kplane\": \"initial sync of 1,000 manifests not applied within 120 s\", \"ok\": false}}"
        exit 0
    fi
    log "gitops_push: initial sync of 1,000 manifests in $GP_INIT_S s; $GP_PUSHES pushes"
    read -r GP_P50 GP_P99 GP_MISSED < <(gp_time gpbench)
    if [ -z "${GP_P50:-}" ] || [ "$GP_P50" = -1 ]; then
        log "gitops_push: no push was applied within 60 s"
        rec gitops_push "{\"row\": {$GP_ROW, \"kplane\": \"pushes not applied within 60 s\", \"ok\": false}}"
        exit 0
    fi
    # the same in a repository of 10 manifests: what hosting and triggering cost by themselves
    GP_S50=-1 GP_S99=-1
    if gp_setup gpsmall 10 >/dev/null; then
        read -r GP_S50 GP_S99 _ < <(gp_time gpsmall)
    fi
    GP_VERDICT=$([ "$GP_P50" -le 1000 ] && [ "$GP_MISSED" = 0 ] && echo true || echo false)
    rec gitops_push "{\"row\": {$GP_ROW, \"kplane\": \"p50 $GP_P50 ms, p99 $GP_P99 ms (1,000 manifests; 10 manifests: p50 $GP_S50 ms)\", \"ok\": $GP_VERDICT}, \"pushes\": $GP_PUSHES, \"missed\": $GP_MISSED, \"manifests\": 1000, \"p50_ms\": $GP_P50, \"p99_ms\": $GP_P99, \"small_p50_ms\": $GP_S50, \"small_p99_ms\": $GP_S99, \"initial_sync_s\": $GP_INIT_S}"
    log "gitops_push: p50 $GP_P50 ms, p99 $GP_P99 ms; 10 manifests: p50 $GP_S50 ms, p99 $GP_S99 ms"
)
