#!/usr/bin/env bash
# kplane's foundation, end to end: the real binary, its embedded PostgreSQL, real kubectl
# (every version installed) and curl/openssl/psql. Covers start-up and health endpoints,
# the admin kubeconfig, authentication, persistence across a clean stop, a kill -9 and a
# restart, the start-up errors (lock, port, data dir, missing PostgreSQL, newer schema, bad
# flags) and an external PostgreSQL given by --database-url.
#   bash tests/e2e/test_foundation.sh     or     TEST_FILTER=foundation tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

PG_BINDIR=${KPLANE_PG_BINDIR:-/usr/lib/postgresql/15/bin}
PSQL=$(command -v psql || echo "$PG_BINDIR/psql")
KUBECTL=$(command -v kubectl || kubectl_versions | tail -1)
# kubectl 1.31 sends JSON for `create`; any kubectl does for `create -f file.json`.
KUBECTL_JSON=/usr/lib/google-cloud-sdk/bin/kubectl.1.31
[ -x "$KUBECTL_JSON" ] || KUBECTL_JSON=$KUBECTL

# run_fg NAME cmd...: runs a command that should exit by itself (60 s at most); its output
# goes to $E2E_TMP/NAME.out and its status to RC.
run_fg() {
    local name=$1
    shift
    timeout 60 "$@" >"$E2E_TMP/$name.out" 2>&1
    RC=$?
}

# expect_exit "description" STATUS REGEX NAME: after run_fg NAME, ok when it exited with
# STATUS and its output matches REGEX (grep -E, case-insensitive).
expect_exit() {
    local d=$1 want=$2 re=$3 name=$4
    if [ "$RC" -eq "$want" ] && grep -qiE -- "$re" "$E2E_TMP/$name.out"; then
        ok "$d"
    else
        not_ok "$d (wanted exit $want and /$re/, got exit $RC)"
        sed 's/^/#   /' "$E2E_TMP/$name.out" | head -20
    fi
}

# curl against the server without a client certificate; prints the body then the code.
anon() { curl -s -w '\n%{http_code}' --cacert "$DIR/pki/ca.crt" "https://127.0.0.1:$PORT$1"; }

# Runs a PostgreSQL tool as the postgres user when we are root (the server refuses root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}


sha() { sha256sum "$1" | cut -d' ' -f1; }

not_alive() { ! pid_alive "$1"; }

# ---- the command line, no server needed --------------------------------------------------

run_fg version "$KPLANE_BIN" version
expect_exit "kplane version prints the version" 0 '^kplane [0-9]+\.[0-9]+\.[0-9]+' version
SCHEMA_VERSION=$(sed -n 's/^PostgreSQL schema version \([0-9][0-9]*\)$/\1/p' "$E2E_TMP/version.out")
check_out "kplane version names the Kubernetes API 1.33" 'Kubernetes API v1\.33\.' \
    cat "$E2E_TMP/version.out"
check "kplane version names the schema version" test -n "$SCHEMA_VERSION"

run_fg help "$KPLANE_BIN" --help
expect_exit "kplane --help exits 0 and lists the serve command" 0 '^ +serve ' help
run_fg serve_help "$KPLANE_BIN" serve --help
expect_exit "kplane serve --help exits 0 and documents --data-dir" 0 '--data-dir' serve_help
run_fg help_serve "$KPLANE_BIN" help serve
expect_exit "kplane help serve documents --data-dir and --database-url" 0 \
    '--database-url' help_serve

run_fg bogus "$KPLANE_BIN" serve --bogus
expect_exit "kplane serve --bogus exits 2 naming the flag" 2 '"--bogus"' bogus
run_fg noarg "$KPLANE_BIN" serve --data-dir
expect_exit "kplane serve --data-dir without a value exits 2" 2 '--data-dir needs a value' noarg
run_fg nocmd "$KPLANE_BIN"
expect_exit "kplane without a command exits 2 with the usage" 2 'Usage:' nocmd
run_fg badcmd "$KPLANE_BIN" frobnicate
expect_exit "kplane frobnicate exits 2 naming the command" 2 '"frobnicate"' badcmd

# ---- start-up errors that need no server ---------------------------------------------------

P0=$(free_port)
run_fg proc "$KPLANE_BIN" serve --data-dir /proc/kplane-x --listen "127.0.0.1:$P0"
expect_exit "a data dir that cannot be created (/proc) exits 1 naming the path" 1 \
    '"/proc/kplane-x"' proc

touch "$E2E_TMP/a-file"
run_fg notdir "$KPLANE_BIN" serve --data-dir "$E2E_TMP/a-file/dd" --listen "127.0.0.1:$P0"
expect_exit "a data dir under a regular file exits 1 naming the path" 1 \
    "\"$E2E_TMP/a-file/dd\"" notdir

run_fg nopg env KPLANE_PG_BINDIR=/nonexistent "$KPLANE_BIN" serve --data-dir "$E2E_TMP/nopg" \
    --listen "127.0.0.1:$P0"
expect_exit "KPLANE_PG_BINDIR=/nonexistent exits 1 naming the package \"postgresql\"" 1 \
    'package "postgresql"' nopg
check "the failed start without PostgreSQL leaves no database dir" test ! -e "$E2E_TMP/nopg/pg"

# ---- one server: health, kubeconfig, kubectl, authentication --------------------------------

DIR=$E2E_TMP/main
PORT=$(free_port)
if start_kplane "$DIR" "$PORT"; then
    ok "kplane starts on a free port and /readyz answers"
else
    not_ok "kplane starts on a free port and /readyz answers"
    sed 's/^/#   /' "$DIR.log" | tail -20
    exit 1 # nothing below can pass without it
fi
PID1=$KP_PID

for ep in readyz livez healthz; do
    check_out "/$ep answers 200 ok" '^ok 200$' \
        curl -s -w ' %{http_code}\n' --cacert "$DIR/pki/ca.crt" "https://127.0.0.1:$PORT/$ep"
done
V=$(curl -sf --cacert "$DIR/pki/ca.crt" "https://127.0.0.1:$PORT/version")
check_out "/version is JSON with major 1, minor 33" '^1 33$' \
    echo "$(json_get major <<<"$V" 2>&1) $(json_get minor <<<"$V" 2>&1)"

KC=$DIR/admin.kubeconfig
check_out "admin.kubeconfig has mode 600" '^600$' stat -c %a "$KC"
check_out "admin.kubeconfig's server has the port and /clusters/root" \
    "server: \"?https://127\\.0\\.0\\.1:$PORT/clusters/root\"?\$" cat "$KC"
check_out "kubectl get namespaces lists default and kube-system" \
    'default.*kube-system' sh -c "KUBECONFIG='$KC' '$KUBECTL' get namespaces --no-headers \
        -o custom-columns=N:.metadata.name | sort | tr '\n' ' '"

for k in $(kubectl_versions); do
    v=$(basename "$k")
    out=$(KUBECONFIG=$KC "$k" version -o json 2>/dev/null | json_get serverVersion.minor 2>&1)
    ns=$(KUBECONFIG=$KC "$k" get ns kube-system -o name 2>&1)
    if [ "$out" = 33 ] && [ "$ns" = namespace/kube-system ]; then
        ok "$v: server minor 33, get ns works"
    else
        not_ok "$v: server minor 33, get ns works (minor \"$out\", get ns \"$ns\")"
    fi
done

V=$(KUBECONFIG=$KC "$KUBECTL" get --raw /version 2>&1)
check_out "kubectl get --raw /version returns the version JSON" '^1 33 v1\.33\.' \
    echo "$(json_get major <<<"$V" 2>&1) $(json_get minor <<<"$V" 2>&1) $(json_get gitVersion <<<"$V" 2>&1)"
check_out "kubectl get --raw /metrics has kplane_requests_total" '^kplane_requests_total\{' \
    env KUBECONFIG="$KC" "$KUBECTL" get --raw /metrics

R=$(anon /metrics)
B=$(head -n -1 <<<"$R")
check_out "unauthenticated /metrics is 401 with a Status, reason Unauthorized" \
    '^Status Unauthorized 401 401$' \
    echo "$(json_get kind <<<"$B" 2>&1) $(json_get reason <<<"$B" 2>&1)" \
    "$(json_get code <<<"$B" 2>&1) $(tail -1 <<<"$R")"
check_out "unauthenticated /api/v1/namespaces is 401" '^401$' \
    tail -1 <<<"$(anon /api/v1/namespaces)"
check_out "unauthenticated /clusters/root/api/v1/namespaces is 401" '^401$' \
    tail -1 <<<"$(anon /clusters/root/api/v1/namespaces)"

# A client certificate with the admin's very subject, signed by a CA kplane does not know.
O=$E2E_TMP/other
mkdir -p "$O"
if (openssl ecparam -name prime256v1 -genkey -noout -out "$O/ca.key" &&
    openssl req -x509 -new -key "$O/ca.key" -subj /CN=kplane-ca -days 1 -out "$O/ca.crt" &&
    openssl ecparam -name prime256v1 -genkey -noout -out "$O/c.key" &&
    openssl req -new -key "$O/c.key" -subj "/O=system:masters/CN=kplane-admin" -out "$O/c.csr" &&
    openssl x509 -req -in "$O/c.csr" -CA "$O/ca.crt" -CAkey "$O/ca.key" -CAcreateserial \
        -days 1 -out "$O/c.crt") >"$E2E_TMP/openssl.out" 2>&1; then
    check_out "a client cert from another CA gets 401 Unauthorized" '"reason":"Unauthorized".*401$' \
        sh -c "curl -s -w '%{http_code}' --cacert '$DIR/pki/ca.crt' --cert '$O/c.crt' \
            --key '$O/c.key' https://127.0.0.1:$PORT/clusters/root/api/v1/namespaces | tr -d '\n'"
else
    not_ok "a client cert from another CA gets 401 Unauthorized (openssl failed)"
    sed 's/^/#   /' "$E2E_TMP/openssl.out" | head -20
fi
check_out "the admin cert from the kubeconfig's CA gets 200 with curl" '^200$' sh -c \
    "curl -s -o /dev/null -w '%{http_code}' --cacert '$DIR/pki/ca.crt' \
        --cert '$DIR/pki/admin.crt' --key '$DIR/pki/admin.key' \
        https://127.0.0.1:$PORT/clusters/root/api/v1/namespaces"

# ---- a second kplane: same data dir, then same port -----------------------------------------

P2=$(free_port)
run_fg inuse "$KPLANE_BIN" serve --data-dir "$DIR" --listen "127.0.0.1:$P2"
expect_exit "a second kplane on the same data dir exits 1: in use" 1 'in use' inuse
check "the first kplane still serves /readyz" \
    curl -sf --cacert "$DIR/pki/ca.crt" "https://127.0.0.1:$PORT/readyz"
check_out "the second kplane left the kubeconfig alone" "127\\.0\\.0\\.1:$PORT/" cat "$KC"

run_fg busy "$KPLANE_BIN" serve --data-dir "$E2E_TMP/busy" --listen "127.0.0.1:$PORT"
expect_exit "a kplane on a port in use exits 1 naming 127.0.0.1:$PORT" 1 \
    "127\\.0\\.0\\.1:$PORT" busy
check "the kplane that lost the port stopped its PostgreSQL" \
    test ! -e "$E2E_TMP/busy/pg/postmaster.pid"
check "the first kplane still serves after the port clash" \
    curl -sf --cacert "$DIR/pki/ca.crt" "https://127.0.0.1:$PORT/readyz"

# ---- persistence: SIGTERM, restart, kill -9, restart -----------------------------------------

cat >"$E2E_TMP/cm.json" <<'EOF'
{"apiVersion": "v1", "kind": "ConfigMap",
 "metadata": {"name": "kept", "namespace": "default"}, "data": {"a": "b"}}
EOF
check "kubectl create -f a JSON ConfigMap (default validation)" \
    env KUBECONFIG="$KC" "$KUBECTL_JSON" create -f "$E2E_TMP/cm.json"
check "kubectl 1.31 create configmap --from-literal" \
    env KUBECONFIG="$KC" "$KUBECTL_JSON" create configmap lit --from-literal=x=y

PGPID=$(pg_pid "$DIR")
CA_SUM=$(sha "$DIR/pki/ca.crt")
ADMIN_SUM=$(sha "$DIR/pki/admin.crt")
cp "$KC" "$E2E_TMP/old.kubeconfig"
check "the embedded postmaster runs while kplane does" pid_alive "${PGPID:-none}"

stop_pid "$PID1" TERM
rc=$?
check_out "SIGTERM: kplane exits with status 0" '^0 gone$' \
    echo "$rc $(pid_alive "$PID1" && echo running || echo gone)"
check "SIGTERM: the postmaster (pid $PGPID) is no longer running" not_alive "$PGPID"
check "SIGTERM: postmaster.pid is gone" test ! -e "$DIR/pg/postmaster.pid"
check_out "SIGTERM: the log says stopped" 'msg="stopped"' cat "$DIR.log"

if start_kplane "$DIR" "$PORT"; then ok "restart on the same data dir and port"; else
    not_ok "restart on the same data dir and port"
    sed 's/^/#   /' "$DIR.log" | tail -20
fi
check "restart kept ca.crt (sha256)" test "$(sha "$DIR/pki/ca.crt")" = "$CA_SUM"
check "restart kept admin.crt (sha256)" test "$(sha "$DIR/pki/admin.crt")" = "$ADMIN_SUM"
check_out "the old kubeconfig still works and the ConfigMap is there" '^b$' \
    env KUBECONFIG="$E2E_TMP/old.kubeconfig" "$KUBECTL" get configmap kept -n default \
    -o 'jsonpath={.data.a}{"\n"}'
check_out "the --from-literal ConfigMap is there too" '^y$' \
    env KUBECONFIG="$KC" "$KUBECTL" get configmap lit -o 'jsonpath={.data.x}{"\n"}'

PGPID=$(pg_pid "$DIR")
stop_pid "$KP_PID" KILL
check "kill -9 leaves the embedded postmaster running" pid_alive "${PGPID:-none}"
if start_kplane "$DIR" "$PORT"; then ok "start again after kill -9"; else
    not_ok "start again after kill -9"
    sed 's/^/#   /' "$DIR.log" | tail -20
fi
check_out "after kill -9 the ConfigMap is still there" '^b$' \
    env KUBECONFIG="$E2E_TMP/old.kubeconfig" "$KUBECTL" get configmap kept -n default \
    -o 'jsonpath={.data.a}{"\n"}'
check "after kill -9 new writes work" \
    env KUBECONFIG="$KC" "$KUBECTL_JSON" create configmap after-kill --from-literal=k=v
check "after kill -9 postmaster.pid names a running postmaster" pid_alive "$(pg_pid "$DIR")"

# ---- a newer schema in the database --------------------------------------------------------

PGPID=$(pg_pid "$DIR")
check "psql over the Unix socket sets the schema version to 999" \
    "$PSQL" -X -v ON_ERROR_STOP=1 "host=$DIR/pg dbname=kplane user=kplane" \
    -c "UPDATE kplane_schema SET version = 999"
stop_pid "$KP_PID" TERM
rc=$?
check "SIGTERM after the kill -9 restart exits 0" test "$rc" -eq 0
check "SIGTERM also stops the adopted postmaster" not_alive "$PGPID"
run_fg newer "$KPLANE_BIN" serve --data-dir "$DIR" --listen "127.0.0.1:$PORT"
expect_exit "a database with schema 999 makes kplane exit 1 naming 999 and $SCHEMA_VERSION" 1 \
    "version 999, newer than version ${SCHEMA_VERSION:-NONE}" newer
check "the refused start stopped its PostgreSQL" test ! -e "$DIR/pg/postmaster.pid"

# ---- an external PostgreSQL: --database-url ------------------------------------------------

EXT=$E2E_TMP/ext # its cluster in $EXT/pg, where lib.sh's cleanup looks for leftovers
mkdir -p "$EXT/pg"
chmod 755 "$EXT"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$EXT/pg"
chmod 700 "$EXT/pg"
if as_pg env LC_ALL=C "$PG_BINDIR/initdb" -D "$EXT/pg" -U tester -A trust --no-locale -E UTF8 \
    >"$E2E_TMP/ext-initdb.out" 2>&1 &&
    as_pg env LC_ALL=C "$PG_BINDIR/pg_ctl" start -D "$EXT/pg" -w -t 60 -l "$EXT/pg/server.log" \
        -o "-c listen_addresses='' -k $EXT/pg" >"$E2E_TMP/ext-start.out" 2>&1; then
    ok "an external PostgreSQL starts on a Unix socket"
    EXTPG=$(pg_pid "$EXT")
    XD=$E2E_TMP/extkp
    XP=$(free_port)
    if start_kplane "$XD" "$XP" --database-url "host=$EXT/pg dbname=postgres user=tester"; then
        ok "kplane serves with --database-url"
    else
        not_ok "kplane serves with --database-url"
        sed 's/^/#   /' "$XD.log" | tail -20
    fi
    check_out "--database-url: kubectl get ns lists default" '^namespace/default$' \
        env KUBECONFIG="$XD/admin.kubeconfig" "$KUBECTL" get ns -o name
    check "--database-url: no embedded PostgreSQL was made" test ! -e "$XD/pg"
    check_out "--database-url: kplane's tables are in that database" '^[1-9][0-9]*$' \
        "$PSQL" -X -At "host=$EXT/pg dbname=postgres user=tester" \
        -c "SELECT max(version) FROM kplane_schema"
    stop_pid "$KP_PID" TERM
    rc=$?
    check "--database-url: SIGTERM exits 0" test "$rc" -eq 0
    check "--database-url: the external PostgreSQL still runs after kplane stops" \
        pid_alive "${EXTPG:-none}"
    check "the external PostgreSQL stops by pg_ctl" \
        as_pg "$PG_BINDIR/pg_ctl" stop -D "$EXT/pg" -w -m fast
else
    not_ok "an external PostgreSQL starts on a Unix socket"
    cat "$E2E_TMP"/ext-*.out "$EXT/pg/server.log" 2>/dev/null | sed 's/^/#   /' | tail -20
fi

# ---- nothing left behind ---------------------------------------------------------------------

LEFT=$(pgrep -af -- "$E2E_TMP")
check_out "no kplane or postgres of this run is left running" '^none$' echo "${LEFT:-none}"
