#!/usr/bin/env bash
# Runs every test kplane has and ends with one line: "N passed, M failed".
#   tests/run.sh [BUILD_DIR]     (default build/debug; `make test` passes it)
# Each test program speaks TAP ("ok N - name" / "not ok N - name"): the cmocka unit and
# integration binaries (CMOCKA_MESSAGE_OUTPUT=TAP), the corpus-replay drivers of the fuzz
# targets, and the e2e shell scripts (tests/e2e/lib.sh). A program that exits non-zero
# without reporting a failure counts as one failure. TEST_FILTER=regex runs a subset.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build/debug}
FILTER=${TEST_FILTER:-.}
export CMOCKA_MESSAGE_OUTPUT=TAP
export KPLANE_BIN=${KPLANE_BIN:-$PWD/bin/kplane}
export KPLANE_ROOT=$PWD
pass=0
fail=0
failed_names=()

run_one() { # name, command...
    local name=$1
    shift
    local out rc p f
    out=$(mktemp)
    echo "# --- $name"
    "$@" >"$out" 2>&1
    rc=$?
    cat "$out"
    p=$(grep -cE '^ok ' "$out")
    f=$(grep -cE '^not ok ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name exited with status $rc"
        f=1
    fi
    if [ "$f" -gt 0 ]; then
        failed_names+=("$name")
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    rm -f "$out"
}

for t in "$BUILD"/tests/test_* "$BUILD"/tests/replay_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    echo "$name" | grep -qE "$FILTER" || continue
    run_one "$name" "$t"
done
for t in tests/e2e/test_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    echo "$name" | grep -qE "$FILTER" || continue
    run_one "$name" bash "$t"
done

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "# failing programs: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
