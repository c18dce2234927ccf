#!/usr/bin/env bash
# Run `ansible-test units` on the koor.ceph collection (tests/unit/), offline (no docker).
#
# Usage: scripts/units.sh [ansible-test units options...]
#   scripts/units.sh
#   scripts/units.sh tests/unit/plugins/module_utils/
# Results: .cache/ansible-test/ansible_collections/koor/ceph/tests/output/
set -euo pipefail

# shellcheck source=scripts/lib/ansible-test-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ansible-test-env.sh"

koor_prepare
koor_ansible_test units "$@"
