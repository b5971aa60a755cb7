#!/bin/sh
# Installs the Debian packages kplane needs to build, run and test, and nothing that is
# already there: with everything present it is a fast no-op (one dpkg-query, one cmp).
# Works as root or as a user with sudo. Used by `make run`, `make test` and .ci/run; `make
# bench` names the extra packages it needs (etcd-server) as arguments.
# The e2e tests of the official clients need python3-kubernetes (for the system
# /usr/bin/python3) and @kubernetes/client-node, which npm installs into .cache/node of the
# checkout at the version tests/e2e/js/package-lock.json pins (1.x: 2.x needs Node 22).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_CACHE=$ROOT/.cache/node

PKGS="build-essential pkg-config git ca-certificates openssl curl
postgresql postgresql-client libpq-dev
libmicrohttpd-dev libjansson-dev libssl-dev libyaml-dev libcurl4-openssl-dev libgit2-dev
libcmocka-dev python3-kubernetes $*"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done
# kubectl: any kubectl on PATH will do; Debian's kubernetes-client only when there is none.
if ! command -v kubectl >/dev/null 2>&1; then
    missing="$missing kubernetes-client"
fi
# npm: any on PATH will do (it comes with the machine's Node); Debian's only when there is none.
if ! command -v npm >/dev/null 2>&1; then
    missing="$missing npm"
fi

# The JavaScript client, when the lock file in .cache/node is not the checked-in one.
node_client() {
    if cmp -s "$ROOT/tests/e2e/js/package-lock.json" "$NODE_CACHE/package-lock.json" &&
        [ -f "$NODE_CACHE/node_modules/@kubernetes/client-node/package.json" ]; then
        return 0
    fi
    echo "install-deps: installing @kubernetes/client-node into $NODE_CACHE" >&2
    mkdir -p "$NODE_CACHE"
    cp "$ROOT/tests/e2e/js/package.json" "$ROOT/tests/e2e/js/package-lock.json" "$NODE_CACHE/"
    # a failure leaves no lock file behind, so the next run tries again; the e2e test of the
    # client says what is missing rather than every other test failing here
    if ! (cd "$NODE_CACHE" && npm ci --no-audit --no-fund --loglevel=error >&2); then
        rm -f "$NODE_CACHE/package-lock.json"
        echo "install-deps: npm could not install @kubernetes/client-node" >&2
    fi
}

if [ -z "$missing" ]; then
    node_client
    exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: need root or sudo to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# An update only when the package lists are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    $SUDO apt-get update -q >&2
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
node_client
