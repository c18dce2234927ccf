#!/usr/bin/env bash
# Check changelogs/ (config.yaml, changelog.yaml and every fragment) with antsibull-changelog.
#
# Usage: scripts/changelog-lint.sh
# A fragment is a YAML file in changelogs/fragments/ named after the change, for example
# changelogs/fragments/123-ceph_osd_flag-groups.yml; see docs/development.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
VENV=${KOOR_VENV:-$ROOT/.venv}

if [[ ! -x $VENV/bin/antsibull-changelog ]]; then
    echo "error: $VENV/bin/antsibull-changelog not found: create the venv first (make venv)" >&2
    exit 2
fi

cd "$ROOT"
"$VENV/bin/antsibull-changelog" lint "$@"
"$VENV/bin/antsibull-changelog" lint-changelog-yaml --strict changelogs/changelog.yaml
echo "changelog-lint: ok"
