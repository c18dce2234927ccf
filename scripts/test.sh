#!/usr/bin/env bash
# Every test of koor.ceph (what `make test` runs). Stops at the first failing stage.
# Usage: scripts/test.sh [LAB_NAME]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:-ci}
cd "$ROOT"

stage() {
    local name=$1; shift
    local start=$SECONDS
    echo "=== $name"
    "$@"
    echo "=== $name: ok in $((SECONDS - start))s"
}

# The lab image is built (or taken from ~/.cache) first: the slowest thing on a new machine.
stage "lab image" "$ROOT/lab/koor-lab" build
stage "changelog" scripts/changelog-lint.sh
stage "ansible-lint" scripts/lint.sh
stage "ansible-test sanity" scripts/sanity.sh
stage "ansible-test units" scripts/units.sh
stage "integration (lab '$NAME')" scripts/integration.sh "$NAME"
echo "=== all stages passed in ${SECONDS}s"
