#!/usr/bin/env bash
# Integration tests on labs of their own: start them fresh, run tests/integration and the molecule
# scenarios against them, remove them (also when a stage fails).
#   LAB_NAME        the plain lab (127.0.0.1 cluster + 3 test nodes): most of tests/integration,
#                   the plain molecule scenarios (ceph_resources, disk_prep)
#   LAB_NAME-site   a fresh Rook lab: playbooks/site.yml end to end (test_site.py), then kept for
#                   the Rook molecule scenarios (rook_block, rook_object, rook_file)
# (tests/integration's Rook simulator tests make their own Rook lab, `rook`, for their session.)
# Usage: scripts/integration.sh [LAB_NAME] [pytest args...]   (with pytest args: only that pytest run)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:-ci}
shift || true
SITE=$NAME-site
LAB="$ROOT/lab/koor-lab"
PYTEST=("$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q --durations=20)
cd "$ROOT"

# shellcheck source=scripts/lib/parts.sh
source "$ROOT/scripts/lib/parts.sh"

cleanup() {
    for lab in "$NAME" "$SITE"; do
        "$LAB" down --name "$lab" || echo "warning: 'koor-lab down --name $lab' failed" >&2
    done
}
trap cleanup EXIT
"$LAB" down --name "$NAME"          # leftovers of an interrupted run
"$LAB" down --name "$SITE"
"$LAB" up --name "$NAME" --nodes 3 >/dev/null
if [ $# -gt 0 ]; then
    KOOR_LAB_NAME=$NAME KOOR_SITE_LAB=$SITE "${PYTEST[@]}" "$@"
    exit 0
fi
part "pytest tests/integration (lab '$NAME')" \
    env KOOR_LAB_NAME="$NAME" "${PYTEST[@]}" tests/integration --ignore=tests/integration/test_site.py
part "site.yml end to end (Rook lab '$SITE')" \
    env KOOR_SITE_LAB="$SITE" KOOR_SITE_LAB_KEEP=1 "${PYTEST[@]}" tests/integration/test_site.py
part "molecule scenarios" env KOOR_ROOK_LAB="$SITE" "$ROOT/scripts/molecule.sh" "$NAME"
