#!/usr/bin/env bash
# OIDC ID tokens from issuers a workspace configures for itself (WorkspaceAuthentication):
# inline JWKS and a JWKS URL served by a loopback HTTP server, claim mappings seen through
# kubectl auth whoami, RBAC on the mapped user, 401 for expired, wrong-audience, tampered and
# foreign tokens, isolation between workspaces, key rotation picked up from the URL, and the
# admission of bad configurations. Keys are made with the openssl CLI and tokens signed by a
# small Python script (standard library + openssl dgst).
#   bash tests/e2e/test_oidc.sh     or     TEST_FILTER=oidc tests/run.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DIR=$E2E_TMP/oidc
PORT=$(free_port)
# a 1 s refresh interval, so a rotation is picked up without waiting the default 30 s
if ! start_kplane "$DIR" "$PORT" --log-level debug --oidc-jwks-min-refresh 1s; then
    not_ok "kplane starts"
    exit 1
fi
export KUBECONFIG=$DIR/admin.kubeconfig
BASE=https://127.0.0.1:$PORT/clusters
ISS=https://idp.example.com
ISS2=https://idp2.example.com

# ---- keys, JWKS and tokens ----
for k in key1 key2 key3 evil; do
    openssl genrsa -out "$E2E_TMP/$k.pem" 2048 >/dev/null 2>&1
done
cat >"$E2E_TMP/idp.py" <<'PY'
"""A tiny OIDC issuer: JWKS of RSA keys and RS256 ID tokens, via the openssl CLI."""
import base64, json, subprocess, sys, time

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def jwk(path, kid):
    out = subprocess.run(["openssl", "rsa", "-in", path, "-noout", "-modulus"],
                         check=True, capture_output=True, text=True).stdout
    n = bytes.fromhex(out.strip().split("=", 1)[1])
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(n), "e": "AQAB"}

def sign(path, kid, claims):
    now = int(time.time())
    for k, v in list(claims.items()):  # "now+3600", "now-60": times relative to now
        if isinstance(v, str) and v.startswith("now"):
            claims[k] = now + int(v[3:] or 0)
    head = b64(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", path],
                         input=(head + "." + body).encode(), check=True,
                         capture_output=True).stdout
    return head + "." + body + "." + b64(sig)

if sys.argv[1] == "jwks":  # jwks KEY:KID...
    print(json.dumps({"keys": [jwk(*a.split(":", 1)) for a in sys.argv[2:]]}))
elif sys.argv[1] == "sign":  # sign KEY KID CLAIMS-JSON
    print(sign(sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))
PY
idp() { python3 "$E2E_TMP/idp.py" "$@"; }
# tok KEY KID [extra claims as JSON members]: a token of $ISS for audience kplane-a
tok() {
    local key=$1 kid=$2 extra=${3:-}
    idp sign "$E2E_TMP/$key.pem" "$kid" \
        "{\"iss\":\"$ISS\",\"aud\":\"kplane-a\",\"sub\":\"alice\",\"groups\":[\"dev\",\"system:masters\"],\"iat\":\"now-5\",\"exp\":\"now+3600\"${extra:+,$extra}}"
}
JWKS1=$(idp jwks "$E2E_TMP/key1.pem:k1")

# curl with a bearer token: prints the HTTP code
code() { # token url
    curl -s -o "$E2E_TMP/body.json" -w '%{http_code}' --cacert "$DIR/pki/ca.crt" \
        -H "Authorization: Bearer $1" "$2"
}
# kubectl with a token and nothing else from a kubeconfig (no client certificate)
printf 'apiVersion: v1\nkind: Config\n' >"$E2E_TMP/empty.kubeconfig"
kt() { # token workspace args...
    local t=$1 ws=$2
    shift 2
    KUBECONFIG=$E2E_TMP/empty.kubeconfig kubectl --server "$BASE/$ws" \
        --certificate-authority "$DIR/pki/ca.crt" --token "$t" "$@"
}

# ---- two workspaces; team-a trusts the issuer ----
for ws in team-a team-b; do
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"Workspace","metadata":{"name":"%s"}}\n' \
        "$ws" | kubectl create -f - >/dev/null 2>&1
done
wa_json() { # name issuer audience keysource-json [username prefix]
    printf '{"apiVersion":"tenancy.kplane.io/v1alpha1","kind":"WorkspaceAuthentication","metadata":{"name":"%s"},"spec":{"jwt":[{"issuer":{"url":"%s","audiences":["%s"],%s},"claimMappings":{"username":{"claim":"sub","prefix":"%s"},"groups":{"claim":"groups","prefix":"oidc:"}},"claimValidationRules":[{"claim":"hd","requiredValue":"example.com"}]}]}}\n' \
        "$1" "$2" "$3" "$4" "${5:-oidc:}"
}
wa_json corp "$ISS" kplane-a "\"jwks\":$JWKS1" >"$E2E_TMP/wa-a.json"
check "a WorkspaceAuthentication with an inline JWKS is created in team-a" \
    kubectl --server "$BASE/root:team-a" create -f "$E2E_TMP/wa-a.json"
check_out "it is listed with its issuer count" "^corp +1 " \
    kubectl --server "$BASE/root:team-a" get workspaceauthentications --no-headers
cat >"$E2E_TMP/rbac.yaml" <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: oidc-access}
rules:
- nonResourceURLs: ["/"]
  verbs: ["access"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oidc-access}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: oidc-access}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "oidc:dev"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cm-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "oidc:alice"}
EOF
check "RBAC in team-a: access for group oidc:dev, configmaps for user oidc:alice" \
    kubectl --server "$BASE/root:team-a" apply -f "$E2E_TMP/rbac.yaml"
kubectl --server "$BASE/root:team-a" create configmap plans -n default --from-literal=a=b >/dev/null

# ---- a good token ----
GOOD=$(tok key1 k1 '"hd":"example.com"')
check_out "a good token lists configmaps in team-a with kubectl" "^plans " \
    kt "$GOOD" root:team-a get cm -n default --no-headers
kt "$GOOD" root:team-a auth whoami -o json >"$E2E_TMP/whoami.json" 2>&1
check_out "auth whoami shows the mapped username" '^oidc:alice$' \
    json_get status.userInfo.username <"$E2E_TMP/whoami.json"
check_out "and the mapped groups plus system:authenticated" \
    '^\["oidc:dev", "oidc:system:masters", "system:authenticated"\]$' json_get status.userInfo.groups <"$E2E_TMP/whoami.json"
check "its prefix keeps the issuer's \"system:masters\" out of kplane's groups (no secrets)" \
    test "$(code "$GOOD" "$BASE/root:team-a/api/v1/namespaces/default/secrets")" = 403
check_out "the access log names the user" 'user="oidc:alice"' cat "$DIR.log"

# ---- refused tokens: 401, the reason in the debug log, never the token ----
EXPIRED=$(tok key1 k1 '"hd":"example.com","exp":"now-3600","iat":"now-7200"')
check "an expired token is 401" \
    test "$(code "$EXPIRED" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401
check_out "its 401 is a plain Unauthorized Status" '"message": *"Unauthorized"' cat "$E2E_TMP/body.json"
check_out "kubectl says Unauthorized" "Unauthorized" kt "$EXPIRED" root:team-a get cm -n default
check_out "the reason is in the debug log" "refused: token has expired" cat "$DIR.log"
check "the log never holds the token" sh -c "! grep -qF -- '${EXPIRED%%.*}' '$DIR.log'"
WRONGAUD=$(tok key1 k1 '"hd":"example.com","aud":"someone-else"')
check "a token for another audience is 401" \
    test "$(code "$WRONGAUD" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401
EVIL=$(tok evil k1 '"hd":"example.com"')
check "a token signed by another key under the same kid is 401" \
    test "$(code "$EVIL" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401
# tampered: the payload of a good token with another subject, the signature kept
FORGED_BODY=$(printf '{"iss":"%s","aud":"kplane-a","sub":"mallory","groups":["dev"],"hd":"example.com","exp":%s}' \
    "$ISS" "$(($(date +%s) + 3600))" | basenc --base64url | tr -d '=\n')
TAMPERED=$(echo "$GOOD" | awk -F. -v b="$FORGED_BODY" '{print $1 "." b "." $3}')
check "a tampered token is 401" \
    test "$(code "$TAMPERED" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401
NOHD=$(tok key1 k1)
check "a token failing a claimValidationRule is 401" \
    test "$(code "$NOHD" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401
check "garbage that looks like a JWT is 401" \
    test "$(code "a.b.c" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401

# ---- isolation ----
check "the good token is 401 in team-b, which does not trust the issuer" \
    test "$(code "$GOOD" "$BASE/root:team-b/api/v1/namespaces/default/configmaps")" = 401
check "and 401 in root" test "$(code "$GOOD" "$BASE/root/api/v1/namespaces/default/configmaps")" = 401
check "and 401 across every workspace (/clusters/*)" \
    test "$(code "$GOOD" "$BASE/*/api/v1/configmaps")" = 401
check "a workspace that does not exist is 401 too, not 404" \
    test "$(code "$GOOD" "$BASE/root:nope/api/v1/namespaces/default/configmaps")" = 401
wa_json corp "$ISS" kplane-a "\"jwks\":$JWKS1" >"$E2E_TMP/wa-b.json"
kubectl --server "$BASE/root:team-b" create -f "$E2E_TMP/wa-b.json" >/dev/null
check "once team-b trusts the issuer the token authenticates there (403: no RBAC yet)" \
    test "$(code "$GOOD" "$BASE/root:team-b/api/v1/namespaces/default/configmaps")" = 403
kubectl --server "$BASE/root:team-b" delete workspaceauthentication corp >/dev/null
check "deleting it takes effect at once (401 again)" \
    test "$(code "$GOOD" "$BASE/root:team-b/api/v1/namespaces/default/configmaps")" = 401

# ---- keys from a URL, and their rotation ----
mkdir -p "$E2E_TMP/www"
idp jwks "$E2E_TMP/key2.pem:k2" >"$E2E_TMP/www/jwks.json"
WPORT=$(free_port)
python3 -m http.server "$WPORT" --bind 127.0.0.1 --directory "$E2E_TMP/www" >"$E2E_TMP/www.log" 2>&1 &
WPID=$!
E2E_PIDS+=("$WPID")
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$WPORT/" >/dev/null 2>&1 && break
    sleep 0.1
done
wa_json partner "$ISS2" kplane-a "\"jwksURL\":\"http://127.0.0.1:$WPORT/jwks.json\"" partner: \
    >"$E2E_TMP/wa-url.json"
check "a WorkspaceAuthentication with a loopback jwksURL is created in team-a" \
    kubectl --server "$BASE/root:team-a" create -f "$E2E_TMP/wa-url.json"
tok2() { # key kid: a token of $ISS2
    idp sign "$E2E_TMP/$1.pem" "$2" \
        "{\"iss\":\"$ISS2\",\"aud\":\"kplane-a\",\"sub\":\"bob\",\"groups\":[\"dev\"],\"hd\":\"example.com\",\"iat\":\"now-5\",\"exp\":\"now+3600\"}"
}
T2=$(tok2 key2 k2)
kt "$T2" root:team-a auth whoami -o json >"$E2E_TMP/whoami2.json" 2>&1
check_out "a token of the URL-configured issuer works" '^partner:bob$' \
    json_get status.userInfo.username <"$E2E_TMP/whoami2.json"
check_out "the JWKS was fetched from the loopback server" 'GET /jwks.json' cat "$E2E_TMP/www.log"
idp jwks "$E2E_TMP/key3.pem:k3" >"$E2E_TMP/www/jwks.json" # the issuer rotates to key3
sleep 1.2
T3=$(tok2 key3 k3)
kt "$T3" root:team-a auth whoami -o json >"$E2E_TMP/whoami3.json" 2>&1
check_out "after a rotation a token with the new kid works (refetched on the unknown kid)" \
    '^partner:bob$' json_get status.userInfo.username <"$E2E_TMP/whoami3.json"
check_out "kplane fetched the JWKS twice in all" '^2$' grep -c 'GET /jwks.json' "$E2E_TMP/www.log"
# bob has no RBAC for configmaps: 403 means authenticated, 401 not
check "a token with the new key is authenticated for other requests too (403, not 401)" \
    test "$(code "$T3" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 403
check "a token with the retired key is 401" \
    test "$(code "$T2" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 401
check "a token of the inline issuer still works beside it" \
    test "$(code "$GOOD" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 200

# ---- admission ----
wa_json bad "$ISS" kplane-a "\"jwks\":$JWKS1" >"$E2E_TMP/bad.json"
sed -i 's/"claim":"sub","prefix":"oidc:"/"claim":"sub"/' "$E2E_TMP/bad.json"
check_out "a username claim without a prefix is 422, worded as Kubernetes" \
    'spec.jwt\[0\].claimMappings.username.prefix: Required value: prefix is required when claim is set' \
    kubectl --server "$BASE/root:team-a" create -f "$E2E_TMP/bad.json"
wa_json file "$ISS" kplane-a '"jwksFile":"/etc/passwd"' >"$E2E_TMP/file.json"
check_out "a jwksFile outside the root workspace is 422 Forbidden" \
    'jwksFile: Forbidden: only allowed in the root workspace' \
    kubectl --server "$BASE/root:team-a" create -f "$E2E_TMP/file.json"
wa_json sa https://kplane.local kplane-a "\"jwks\":$JWKS1" >"$E2E_TMP/sa.json"
check_out "kplane's ServiceAccount issuer cannot be claimed" \
    "must not overlap with kplane's ServiceAccount issuer" \
    kubectl --server "$BASE/root:team-a" create -f "$E2E_TMP/sa.json"
wa_json plain http://idp.example.com kplane-a "\"jwks\":$JWKS1" >"$E2E_TMP/http.json"
check_out "an http:// issuer is 422" "URL scheme must be https" \
    kubectl --server "$BASE/root:team-a" create -f "$E2E_TMP/http.json"

# ---- kplane's own tokens still work beside ----
kubectl --server "$BASE/root:team-a" create serviceaccount bot -n default >/dev/null 2>&1
SAT=$(kubectl --server "$BASE/root:team-a" create token bot -n default 2>/dev/null)
check "a ServiceAccount token still authenticates (403 without RBAC, not 401)" \
    test "$(code "$SAT" "$BASE/root:team-a/api/v1/namespaces/default/configmaps")" = 403
check_out "as its ServiceAccount" 'system:serviceaccount:default:bot' cat "$E2E_TMP/body.json"

stop_pid "$WPID" || true # the HTTP server ends by SIGTERM: its status is not ours
