#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (test/reliability/runtimes.test.ts) when it is missing.
# Idempotent: does nothing when /usr/bin/chromium (or $CHROMIUM_PATH) already exists.
set -euo pipefail

target="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$target" ]; then
  echo "chromium: $("$target" --version 2>/dev/null || echo "$target")"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "chromium: not found at $target, installing with apt-get"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: $("$target" --version)"
