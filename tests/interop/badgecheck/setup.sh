#!/usr/bin/env bash
# Create (once) the private virtualenv in which the 1EdTech validator `badgecheck` runs: var/badgecheck-venv under
# the repository root (or $BADGECHECK_VENV). Idempotent: does nothing when the venv already matches
# requirements.txt. Needs PyPI only the first time; the validator itself then runs offline (run_badgecheck.py).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${BADGECHECK_VENV:-$root/var/badgecheck-venv}"
python="${BADGECHECK_PYTHON:-python3}"
requirements="$here/requirements.txt"
stamp="$venv/.laurel-requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

mkdir -p "$(dirname "$venv")"
exec 9>"$(dirname "$venv")/.badgecheck-setup.lock"
flock 9  # two test processes must not build the same venv at once

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && "$venv/bin/python" -c "import openbadges" 2>/dev/null; then
    echo "badgecheck venv up to date: $venv"
    exit 0
fi

echo "building badgecheck venv in $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$requirements"
"$venv/bin/python" -m pip check >&2 || true  # badgecheck's own pins are known to disagree; see requirements.txt

if "$venv/bin/python" -c "import cryptography" 2>/dev/null; then
    echo "error: cryptography got into $venv; python-jose would use it and break badgecheck" >&2
    exit 1
fi
"$venv/bin/python" -c "import openbadges, jose, Crypto; from openbadges.verifier import verify"
echo "$want" >"$stamp"
echo "badgecheck venv ready: $venv"
