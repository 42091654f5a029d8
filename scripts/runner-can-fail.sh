#!/usr/bin/env bash
# Before the suite: a run of a deliberately failing test file must exit non-zero. If it
# does not (an exit hook swallowing vitest's status, as embedded-postgres's once did), the
# suite's own green would mean nothing, so the test command stops here, red.
set -u
cd "$(dirname "$0")/.."
if EXIT_CASE=fail node node_modules/vitest/vitest.mjs run --config test/fixtures/exit-status/vitest.config.ts >/dev/null 2>&1; then
  echo "runner-can-fail: a deliberately failing test exited 0; the test command cannot report failure" >&2
  exit 1
fi
