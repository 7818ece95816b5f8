#!/usr/bin/env bash
# Runs every test file through node's test runner. The shell expands the list: on Node 20 a
# directory argument finds no .ts files and quoted globs fail.
# Production-shape tests (*.production.test.ts: several spawned processes, rates and latencies
# measured by the emulator's clock) run afterwards one at a time, so that no other test file
# competes with them for the CPU; on PGlite they skip themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src test packages -name '*.test.ts' -not -name '*.production.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
mapfile -t production < <(find src test packages -name '*.production.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}"
# They need PostgreSQL + Redis and skip themselves without; leave them out so the run closes on the main counts.
if [ "${#production[@]}" -gt 0 ] && [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec node --import tsx --test --test-concurrency=1 "${production[@]}"
fi
