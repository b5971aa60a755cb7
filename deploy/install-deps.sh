#!/bin/sh
# Installs the Debian packages kplane needs to build, run and test, and nothing that is
# already there: with everything present it is a fast no-op (one dpkg-query).
# Works as root or as a user with sudo. Used by `make run`, `make test` and .ci/run; `make
# bench` names the extra packages it needs (etcd-server) as arguments.
set -eu

PKGS="build-essential pkg-config git ca-certificates openssl curl
postgresql postgresql-client libpq-dev
libmicrohttpd-dev libjansson-dev libssl-dev libyaml-dev libcurl4-openssl-dev libgit2-dev
libcmocka-dev $*"

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

[ -z "$missing" ] && exit 0

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
