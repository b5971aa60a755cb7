#!/usr/bin/env bash
# make lint: formatting, cppcheck, and the module rules of STYLE.md section 1 (each
# third-party library's headers only in its wrapper; every .c starts with lib/common.h).
set -u
cd "$(dirname "$0")/.."
status=0
mapfile -t files < <(git ls-files '*.c' '*.h'; git ls-files --others --exclude-standard '*.c' '*.h')

if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/kplane-lint-format.txt; then
    head -40 /tmp/kplane-lint-format.txt
    echo "lint: clang-format would change the files above (run 'make format')"
    status=1
fi

mapfile -t cfiles < <(printf '%s\n' "${files[@]}" | grep '\.c$')
if ! cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
    --inline-suppr -D__GNUC__ -I. --suppress=missingIncludeSystem "${cfiles[@]}"; then
    echo "lint: cppcheck found problems"
    status=1
fi

# library header -> the only file allowed to include it
rules=(
    'microhttpd\.h|gnutls/:apiserver/http.c'
    'libpq-fe\.h:apiserver/store(_read)?\.c|apiserver/store_int\.h'
    'git2\.h:gitops/git.c'
    'yaml\.h:lib/yaml.c'
    'curl/curl\.h:lib/httpc.c'
    'openssl/:lib/crypto.c'
)
for r in "${rules[@]}"; do
    pat=${r%%:*}
    owner=${r##*:}
    # tests may link a library directly to set up what they check, the bench to load the server
    bad=$(grep -lE "#include <($pat)" "${files[@]}" | grep -vE "^($owner)$" | grep -v '^tests/' | grep -v '^bench/')
    if [ -n "$bad" ]; then
        echo "lint: <$pat> may only be included by $owner, found in: $bad"
        status=1
    fi
done

for f in "${cfiles[@]}"; do
    first=$(grep -m1 '^#include' "$f")
    if [ "$first" != '#include "lib/common.h"' ]; then
        echo "lint: $f must start with #include \"lib/common.h\" (found: $first)"
        status=1
    fi
done

[ $status -eq 0 ] && echo "lint: ok"
exit $status
