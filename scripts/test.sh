#!/usr/bin/env bash
# Every test of koor.ceph (what `make test` runs). Stops at the first failing stage.
# Usage: scripts/test.sh [LAB_NAME]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:-ci}
cd "$ROOT"
# shellcheck source=scripts/lib/parts.sh
source "$ROOT/scripts/lib/parts.sh"

LOGS=$ROOT/.cache/test-logs
mkdir -p "$LOGS"
TIMES=()   # "seconds<TAB>stage<TAB>result" of each stage run, printed as a table at the end
# A stage's own parts (the integration stage's pytest, site and molecule runs) add lines here.
export KOOR_STAGE_TIMES=$LOGS/stage-parts.tsv
: >"$KOOR_STAGE_TIMES"

# The table of the stages' times: at the end of every run, passed or not.
times_table() {
    local line secs name result
    echo "=== stage times"
    printf '%-44s %8s  %s\n' "stage" "time" "result"
    for line in "${TIMES[@]}"; do
        IFS=$'\t' read -r secs name result <<<"$line"
        printf '%-44s %5dm%02ds  %s\n' "$name" $((secs / 60)) $((secs % 60)) "$result"
        while IFS=$'\t' read -r psecs pstage pname presult; do
            [ "$pstage" = "$name" ] || continue
            printf '  %-42s %5dm%02ds  %s\n' "$pname" $((psecs / 60)) $((psecs % 60)) "$presult"
        done <"$KOOR_STAGE_TIMES"
    done
    printf '%-44s %5dm%02ds\n' "total" $((SECONDS / 60)) $((SECONDS % 60))
}

# A stage's output goes to the terminal and to .cache/test-logs/<stage>.log. When a stage fails,
# its failures are repeated at the very end, where a CI log's tail shows them.
stage() {
    local name=$1; shift
    local start=$SECONDS rc=0
    export KOOR_STAGE=$name
    local log
    log=$LOGS/$(printf '%s' "$name" | tr -cs 'A-Za-z0-9' '-').log
    echo "=== $name"
    "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    TIMES+=("$((SECONDS - start))"$'\t'"$name"$'\t'"$(verdict "$rc")")
    if [ "$rc" -ne 0 ]; then
        times_table
        echo "=== $name: FAILED (exit $rc) after $((SECONDS - start))s; what failed (full log: $log):"
        sed 's/\x1b\[[0-9;]*m//g' "$log" \
            | grep -E '^(FAILED|ERROR) |^E +|fatal: |failed=[1-9]|Error:|^=+ .*(failed|error)' | tail -60 || true
        exit "$rc"
    fi
    echo "=== $name: ok in $((SECONDS - start))s"
}

# The lab image is built (or taken from ~/.cache) first: the slowest thing on a new machine.
stage "lab image" "$ROOT/lab/koor-lab" build
stage "lab image (Reef, Debian trixie)" "$ROOT/lab/koor-lab" build --suite trixie
stage "Rook release files" "$ROOT/lab/koor-lab" rook-files --version all
stage "helm (from PyPI) and Rook's charts" "$ROOT/lab/koor-lab" rook-charts --version all
stage "changelog" scripts/changelog-lint.sh
stage "ansible-lint" scripts/lint.sh
stage "Galaxy tarball" scripts/galaxy.sh
stage "ansible-test sanity (not shipped)" scripts/sanity.sh --unshipped
stage "ansible-test units" scripts/units.sh
stage "integration (lab '$NAME')" scripts/integration.sh "$NAME"
times_table
echo "=== all stages passed in ${SECONDS}s"
