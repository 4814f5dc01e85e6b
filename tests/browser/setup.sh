#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests, once. Idempotent: does nothing when it is already there.
# Never `playwright install`: it downloads a browser from a CDN, which this machine cannot reach.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Chromium is missing and installing it needs root: apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
  || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
test -x /usr/bin/chromium
