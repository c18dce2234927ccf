#!/usr/bin/env bash
# Integration tests on labs of their own: start them fresh, run tests/integration and the molecule
# scenarios against them, remove them (also when a stage fails). Two streams run at once, each on
# labs of its own (most of a test's time is Ceph's and Rook's own waiting, not this machine's CPU):
#   plain   LAB_NAME (the 127.0.0.1 cluster + 3 test nodes): every test file but the Rook ones,
#           then the plain molecule scenarios (ceph_resources, disk_prep)
#   rook    the Rook files and others on labs of their own (ROOK_TESTS: each makes the labs it needs;
#           LAB_NAME-r is their plain cluster where they read one), then playbooks/site.yml end to end on a fresh Rook lab
#           LAB_NAME-site (test_site.py), kept for the Rook molecule scenarios (rook_block,
#           rook_object, rook_file)
# Each stream's output goes to .cache/test-logs/integration-<stream>.log and is printed when both
# have ended; pytest's per-test times to integration-<stream>.xml (JUnit).
# Usage: scripts/integration.sh [LAB_NAME] [pytest args...]   (with pytest args: only that pytest run,
# on LAB_NAME, in the foreground)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:-ci}
shift || true
SITE=$NAME-site
ROOKPLAIN=$NAME-r
LABS=("$NAME" "$ROOKPLAIN" "$SITE")
LAB="$ROOT/lab/koor-lab"
LOGS=$ROOT/.cache/test-logs
PYTEST=("$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q --durations=20)
# In the order pytest takes them alone (alphabetical): test_rook_sim_upgrade.py ends by removing the
# session's Rook lab. test_upgrade_gate_wait.py is here too (a Reef lab of its own), for the streams' balance.
ROOK_TESTS=(test_assessment_rook.py test_kube_api.py test_kube_api_ansible.py test_kube_api_helm.py
            test_kube_api_lab.py test_kube_api_restart.py test_lab_helm.py test_rook_cluster_info.py
            test_rook_files.py test_rook_operator_helm.py test_rook_roles.py test_rook_sim.py
            test_rook_sim_resources.py test_rook_sim_upgrade.py test_upgrade_gate_wait.py)
cd "$ROOT"
mkdir -p "$LOGS"

# shellcheck source=scripts/lib/parts.sh
source "$ROOT/scripts/lib/parts.sh"

# A stream still running when this script ends (a failure, a signal) is stopped with what it started.
kill_tree() {
    local child
    for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
    kill "$1" 2>/dev/null || true
}
streams=()
cleanup() {
    local pid
    for pid in "${streams[@]}"; do kill_tree "$pid"; done
    for lab in "${LABS[@]}"; do
        "$LAB" down --name "$lab" || echo "warning: 'koor-lab down --name $lab' failed" >&2
    done
}
trap cleanup EXIT
for lab in "${LABS[@]}"; do
    "$LAB" down --name "$lab"        # leftovers of an interrupted run
done
"$LAB" up --name "$NAME" --nodes 3 >/dev/null
if [ $# -gt 0 ]; then
    KOOR_LAB_NAME=$NAME KOOR_SITE_LAB=$SITE "${PYTEST[@]}" "$@"
    exit 0
fi
"$LAB" up --name "$ROOKPLAIN" >/dev/null

# Every test file is in exactly one stream: the Rook files by name, the plain stream the rest.
ignore_rook=()
for file in "${ROOK_TESTS[@]}"; do
    [ -f "tests/integration/$file" ] || { echo "scripts/integration.sh: ROOK_TESTS names $file, which does not exist" >&2; exit 1; }
    ignore_rook+=(--ignore="tests/integration/$file")
done

plain_stream() {
    part "[plain] pytest (lab '$NAME')" \
        env KOOR_LAB_NAME="$NAME" "${PYTEST[@]}" --junitxml="$LOGS/integration-plain.xml" tests/integration \
        --ignore=tests/integration/test_site.py "${ignore_rook[@]}" &&
    part "[plain] molecule: ceph_resources, disk_prep" "$ROOT/scripts/molecule.sh" "$NAME" ceph_resources disk_prep
}

rook_stream() {
    part "[rook] pytest (labs of their own, '$ROOKPLAIN')" \
        env KOOR_LAB_NAME="$ROOKPLAIN" "${PYTEST[@]}" --junitxml="$LOGS/integration-rook.xml" \
        "${ROOK_TESTS[@]/#/tests/integration/}" &&
    part "[rook] site.yml end to end (lab '$SITE')" \
        env KOOR_SITE_LAB="$SITE" KOOR_SITE_LAB_KEEP=1 "${PYTEST[@]}" tests/integration/test_site.py &&
    part "[rook] molecule: rook_block/object/file" \
        env KOOR_ROOK_LAB="$SITE" "$ROOT/scripts/molecule.sh" "$ROOKPLAIN" rook_block rook_object rook_file
}

plain_stream >"$LOGS/integration-plain.log" 2>&1 &
plain=$!
rook_stream >"$LOGS/integration-rook.log" 2>&1 &
rook=$!
streams=("$plain" "$rook")
rc_plain=0 rc_rook=0
wait "$plain" || rc_plain=$?
wait "$rook" || rc_rook=$?
streams=()
for stream in plain rook; do
    echo "=== integration stream '$stream' (log: $LOGS/integration-$stream.log)"
    cat "$LOGS/integration-$stream.log"
done
echo "integration streams: plain $(verdict "$rc_plain"), rook $(verdict "$rc_rook")"
[ $rc_plain -eq 0 ] && [ $rc_rook -eq 0 ]
