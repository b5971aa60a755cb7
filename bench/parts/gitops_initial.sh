# shellcheck shell=bash
# GitOps initial sync: a file:// repository with 1,000 small ConfigMaps (one file each), a
# GitRepository + Sync created through the API, timed until the Sync's lastAppliedRevision is
# the commit and all 1,000 ConfigMaps exist. Sourced by bench/run.sh (its helpers and $BASE).

GO_N=1000
GO_DIR=$TMP/gitops-bench
rm -rf "$GO_DIR"
mkdir -p "$GO_DIR/work/cms"
git init -q --bare -b main "$GO_DIR/repo.git"
(
    cd "$GO_DIR/work" || exit 1
    git init -q -b main .
    for i in $(seq 1 "$GO_N"); do
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d}\ndata: {i: "%d"}\n' \
            "$i" "$i" >"cms/cm-$i.yaml"
    done
    git add -A
    git -c user.name=b -c user.email=b@example.com commit -qm bench
    git push -q "$GO_DIR/repo.git" main
) >/dev/null 2>&1
GO_SHA=$(git -C "$GO_DIR/work" rev-parse HEAD)
kcurl -o /dev/null -X POST "$BASE/api/v1/namespaces" -d '{"metadata":{"name":"gitops-bench"}}'
GO_GR=$BASE/apis/gitops.kplane.io/v1alpha1/namespaces/gitops-bench
t0=$(date +%s.%N)
kcurl -o /dev/null -X POST "$GO_GR/gitrepositories" -d "{\"apiVersion\":\"gitops.kplane.io/v1alpha1\",\"kind\":\"GitRepository\",\"metadata\":{\"name\":\"bench\"},\"spec\":{\"url\":\"file://$GO_DIR/repo.git\"}}"
kcurl -o /dev/null -X POST "$GO_GR/syncs" -d '{"apiVersion":"gitops.kplane.io/v1alpha1","kind":"Sync","metadata":{"name":"bench"},"spec":{"sourceRef":{"name":"bench"},"path":"cms"}}'
go_ok=false
for _ in $(seq 1 1200); do
    if kcurl "$GO_GR/syncs/bench" | grep -q "\"lastAppliedRevision\": *\"main@sha1:$GO_SHA\""; then
        go_ok=true
        break
    fi
    sleep 0.05
done
t1=$(date +%s.%N)
GO_COUNT=$(kcurl "$BASE/api/v1/namespaces/gitops-bench/configmaps" |
    python3 -c 'import json,sys; print(len([i for i in json.load(sys.stdin)["items"] if i["metadata"]["name"].startswith("cm-")]))')
[ "$GO_COUNT" = "$GO_N" ] || go_ok=false
GO_S=$(calc "$t1 - $t0")
if $go_ok; then
    GO_PASS=$(awk "BEGIN { print ($GO_S <= 10) ? \"true\" : \"false\" }")
    GO_TXT="$(printf '%.1f' "$GO_S") s"
else
    GO_PASS=false
    GO_TXT="not done ($GO_COUNT of $GO_N)"
fi
log "gitops initial sync: $GO_TXT ($GO_COUNT ConfigMaps)"
rec gitops_initial "{\"row\": {\"figure\": \"GitOps initial sync, 1,000 manifests\", \"kplane\": \"$GO_TXT\", \"anchors\": \"vs Flux's 60 s default poll / Argo CD's 180 s\", \"target\": \"<= 10 s\", \"ok\": $GO_PASS}, \"seconds\": $GO_S, \"objects\": $GO_COUNT}"
