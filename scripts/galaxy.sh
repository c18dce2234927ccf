#!/usr/bin/env bash
# The collection as Galaxy gets it: build the tarball once, then
#   1. its file list: what a Galaxy user can use is in, the lab and what needs it is out
#      (scripts/lib/galaxy_contents.py);
#   2. galaxy-importer on it (scripts/galaxy-importer.cfg: no container steps): no error, no warning;
#   3. antsibull-docs lint-collection-docs --plugin-docs on the installed tarball;
#   4. ansible-test sanity, every test, on the installed tarball (offline, as scripts/sanity.sh).
# The files the tarball leaves out get their sanity run in the work tree: scripts/sanity.sh --unshipped.
#
# Usage: scripts/galaxy.sh [ansible-test sanity options...]
#   scripts/galaxy.sh
#   KOOR_TARGET_PYTHONS=none scripts/galaxy.sh --test validate-modules
# Output: the tarball in .cache/galaxy/dist/, installed in .cache/galaxy/collections/, the importer's
# result in .cache/galaxy/importer/.
set -euo pipefail

# shellcheck source=scripts/lib/ansible-test-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ansible-test-env.sh"
# shellcheck source=scripts/lib/parts.sh
source "$KOOR_ROOT/scripts/lib/parts.sh"

GALAXY=$KOOR_ROOT/.cache/galaxy
DIST=$GALAXY/dist
IMPORTER=$GALAXY/importer
COLLECTIONS=${KOOR_INSTALLED%/ansible_collections/*}

# The parts run where errexit is off (part's cmd || rc=$?): each step is checked.
build() {
    rm -rf "$DIST" || return
    ansible-galaxy collection build --output-path "$DIST" "$KOOR_ROOT"
}

# galaxy-importer exits 0 on warnings; Galaxy shows them on the collection's page, so they fail here too.
importer() {
    local log=$IMPORTER/importer.log rc=0
    rm -rf "$IMPORTER" && mkdir -p "$IMPORTER" || return
    (cd "$IMPORTER" && GALAXY_IMPORTER_CONFIG=$KOOR_ROOT/scripts/galaxy-importer.cfg \
        "$KOOR_PYTHON" -m galaxy_importer.main "$TARBALL") >"$log" 2>&1 || rc=$?
    grep -v -E '^(Loading|Finding) ' "$log" || true
    if [[ $rc -ne 0 ]] || grep -q -E '^(ERROR|WARNING|CRITICAL):' "$log"; then
        echo "galaxy-importer: exit $rc; errors or warnings above (full log: $log)" >&2
        return 1
    fi
}

# antsibull-docs finds collections through ansible-galaxy: there, the installed tarball and its
# dependencies only (the project's ansible.cfg points koor.ceph at the work tree).
docs_lint() {
    (cd "$GALAXY" && env -u ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" \
        antsibull-docs lint-collection-docs --plugin-docs "$KOOR_INSTALLED")
}

# A run that found no file to test passes in ansible-test: refused here.
sanity() {
    local log=$GALAXY/sanity.log rc=0
    koor_target_pythons || return
    koor_shellcheck || return
    koor_ansible_test sanity "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    [[ $rc -eq 0 ]] || return "$rc"
    if grep -q 'All targets skipped' "$log"; then
        echo "ansible-test sanity found no file to test in $KOOR_TREE" >&2
        return 1
    fi
}

koor_prepare_tools
part "build the tarball" build
TARBALL=$(echo "$DIST"/koor-ceph-*.tar.gz)
part "file list" "$KOOR_PYTHON" "$KOOR_ROOT/scripts/lib/galaxy_contents.py" check "$TARBALL" "$KOOR_ROOT"
part "install the tarball" koor_install_tarball "$TARBALL"
part "galaxy-importer" importer
part "antsibull-docs lint" docs_lint
part "ansible-test sanity (installed tarball)" sanity "$@"
