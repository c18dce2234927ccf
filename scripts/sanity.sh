#!/usr/bin/env bash
# Run `ansible-test sanity` on the koor.ceph collection, offline (no docker, no Galaxy).
#
# Usage: scripts/sanity.sh [ansible-test sanity options...]
#   scripts/sanity.sh                        # every sanity test (see docs/development.md)
#   scripts/sanity.sh --test pep8 --test pylint
#   scripts/sanity.sh plugins/modules/ceph_osd_flag.py
#   KOOR_TARGET_PYTHONS=none scripts/sanity.sh     # compile/import on the controller Python only
#   scripts/sanity.sh --unshipped [options...]   # only the files the Galaxy tarball leaves out (lab/,
#                                                # tests/unit/, ...): make test runs every sanity test on
#                                                # the installed tarball (scripts/galaxy.sh) and this
# Results: .cache/ansible-test/ansible_collections/koor/ceph/tests/output/
set -euo pipefail

# shellcheck source=scripts/lib/ansible-test-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ansible-test-env.sh"

TARGETS=()
if [[ ${1:-} == --unshipped ]]; then
    shift
    mapfile -t TARGETS < <("$KOOR_PYTHON" "$KOOR_ROOT/scripts/lib/galaxy_contents.py" unshipped "$KOOR_ROOT")
    [[ ${#TARGETS[@]} -gt 0 ]] || { echo "error: no unshipped files listed" >&2; exit 2; }
fi

koor_prepare
koor_target_pythons
koor_shellcheck
koor_ansible_test sanity "$@" ${TARGETS[@]+"${TARGETS[@]}"}
