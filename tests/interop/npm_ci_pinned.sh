#!/usr/bin/env bash
# Install the pinned Node packages of one directory (its package-lock.json) into its node_modules, for the test
# clients and the benchmark's reference stack. Usage: npm_ci_pinned.sh DIRECTORY MARKER-PACKAGE
# Idempotent: does nothing when node_modules already matches the lock file (and holds MARKER-PACKAGE).
# Needs Node.js >= 18 and the npm registry; exit 3 when Node.js or npm is missing.
set -euo pipefail
cd "$1"
marker="$2"

command -v node >/dev/null || { echo "node is not installed" >&2; exit 3; }
command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 3; }
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 18 ] || { echo "Node.js >= 18 is needed (found $(node --version))" >&2; exit 3; }

stamp="node_modules/.laurel-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "node_modules/$marker/package.json" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
