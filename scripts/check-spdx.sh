#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Every source file the repository tracks names its licence in an SPDX line near its top
# (CONTRIBUTING.md, "Licence"). Prints each file that does not and exits 1; else one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
missing=0
total=0
while IFS= read -r f; do
  total=$((total + 1))
  if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: EUPL-1.2'; then
    echo "$f: no 'SPDX-License-Identifier: EUPL-1.2' in its first three lines"
    missing=$((missing + 1))
  fi
done < <(git ls-files -- '*.c' '*.h' '*.sh' '*.py' '*.js' '*.mjs' '*.css' '*.html' Makefile .ci/run \
           ':!:node_modules/*')
echo "spdx: $total source files checked, $missing without the licence line"
[[ $missing -eq 0 ]]
