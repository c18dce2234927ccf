#!/usr/bin/env bash
# Molecule scenarios against a running lab: scripts/molecule.sh LAB_NAME [SCENARIO...]
# Without scenarios, every scenario under molecule/ runs. The Rook scenarios (rook_*) run on the
# Rook lab KOOR_ROOK_LAB (default LAB_NAME-rook; their prepare brings it up when it is not).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:?usage: scripts/molecule.sh LAB_NAME [SCENARIO...]}
shift
cd "$ROOT"
export PATH=$ROOT/.venv/bin:$PATH
export KOOR_PYTHON=$ROOT/.venv/bin/python
export KOOR_LAB_NAME=$NAME
export KOOR_LAB_VARS=$ROOT/.cache/lab-$NAME.vars.yml
export KOOR_ROOK_LAB=${KOOR_ROOK_LAB:-$NAME-rook}
mkdir -p "$ROOT/.cache"
"$ROOT/lab/koor-lab" env --name "$NAME" --ansible > "$KOOR_LAB_VARS"
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
    for dir in molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$dir")")"); done
fi
for scenario in "${scenarios[@]}"; do
    echo "--- molecule scenario $scenario"
    # Molecule keeps a scenario's state (prepared, converged) under ~/.ansible/tmp between runs and
    # skips `prepare` when it says prepared: every run starts from a reset state.
    # The Rook scenarios share one base (molecule/_rook/base.yml); their molecule.yml adds their own.
    base=()
    case $scenario in rook_*) base=(--base-config "$ROOT/molecule/_rook/base.yml") ;; esac
    molecule "${base[@]}" reset --scenario-name "$scenario" >/dev/null
    molecule "${base[@]}" test --scenario-name "$scenario"
done
