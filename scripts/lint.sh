#!/usr/bin/env bash
# Run ansible-lint (configuration: .ansible-lint, profile production, offline) on koor.ceph.
#
# Usage: scripts/lint.sh [ansible-lint options or paths...]
#   scripts/lint.sh
#   scripts/lint.sh roles/rook_cluster
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
VENV=${KOOR_VENV:-$ROOT/.venv}

if [[ ! -x $VENV/bin/ansible-lint ]]; then
    echo "error: $VENV/bin/ansible-lint not found: create the venv first (make venv)" >&2
    exit 2
fi

cd "$ROOT"
# ansible.cfg points collections_path at .cache/collections, where koor.ceph is this tree.
mkdir -p .cache/collections/ansible_collections/koor
if [[ ! -e .cache/collections/ansible_collections/koor/ceph ]]; then
    ln -sfn ../../../.. .cache/collections/ansible_collections/koor/ceph
fi
# ansible-lint runs ansible-playbook & co. and warns when they are not first on PATH.
export PATH=$VENV/bin:$PATH
exec ansible-lint "$@"
