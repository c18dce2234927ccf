#!/usr/bin/env bash
# Integration tests on ONE lab of their own: start it fresh, run tests/integration and the
# molecule scenarios against it, remove it (also when a stage fails).
# Usage: scripts/integration.sh [LAB_NAME] [pytest args...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:-ci}
shift || true
LAB="$ROOT/lab/koor-lab"
cd "$ROOT"

cleanup() { "$LAB" down --name "$NAME" || echo "warning: 'koor-lab down --name $NAME' failed" >&2; }
trap cleanup EXIT
"$LAB" down --name "$NAME"          # leftovers of an interrupted run
"$LAB" up --name "$NAME" --nodes 3 >/dev/null
echo "--- pytest tests/integration (lab '$NAME')"
KOOR_LAB_NAME=$NAME "$ROOT/.venv/bin/python" -m pytest tests/integration -p no:cacheprovider -q "$@"
if [ $# -eq 0 ]; then
    "$ROOT/scripts/molecule.sh" "$NAME"
fi
