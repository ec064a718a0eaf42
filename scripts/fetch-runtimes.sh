#!/usr/bin/env bash
# Fetches the Bun and Deno runtimes (their npm packages) into a directory outside the project, for the
# runtime-portability test (test/reliability/runtimes.test.ts). They are not devDependencies: together they
# weigh ~200 MB, and only this CI job needs them. Prints the directory holding the `bun` and `deno`
# executables; the test finds them through TRIPSWITCH_RUNTIMES_BIN:
#
#   export TRIPSWITCH_RUNTIMES_BIN="$(bash scripts/fetch-runtimes.sh)"
set -euo pipefail

# Bump these deliberately (and run the test) rather than floating with a range.
BUN_VERSION=1.4.5
DENO_VERSION=2.9.6

dir="${1:-${TMPDIR:-/tmp}/tripswitch-runtimes}"
mkdir -p "$dir"
bin="$dir/node_modules/.bin"
if [[ -x "$bin/bun" && -x "$bin/deno" ]] \
  && [[ "$("$bin/bun" --version 2>/dev/null)" == "$BUN_VERSION" ]] \
  && "$bin/deno" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  echo "$bin"
  exit 0
fi
# Progress goes to stderr so that stdout is only the directory.
npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund \
  "bun@$BUN_VERSION" "deno@$DENO_VERSION" >&2
echo "$bin"
