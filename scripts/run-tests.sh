#!/usr/bin/env bash
# Runs the compiled tests with node's test runner: every file two at a time, except the slow,
# timing-sensitive files under tests/serial/, which run afterwards one at a time so that no other
# test competes with them for the two cores. Both groups always run; the exit code is non-zero
# when either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
timeout_ms=${STAMPEDE_TEST_TIMEOUT_MS:-300000}
mapfile -t parallel < <(find dist/tests -name '*.test.js' -not -path 'dist/tests/serial/*' | sort)
mapfile -t serial < <(find dist/tests/serial -name '*.test.js' 2>/dev/null | sort)
status=0
node --test --test-concurrency=2 --test-timeout="$timeout_ms" "${parallel[@]}" || status=1
if [ "${#serial[@]}" -gt 0 ]; then
  node --test --test-concurrency=1 --test-timeout="$timeout_ms" "${serial[@]}" || status=1
fi
exit $status
