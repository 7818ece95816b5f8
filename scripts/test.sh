#!/usr/bin/env bash
# Runs every test file through node's test runner. The shell expands the list: on Node 20 a
# directory argument finds no .ts files and quoted globs fail.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src test packages -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}"
