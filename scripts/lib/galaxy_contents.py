"""What the koor.ceph Galaxy tarball ships, stated once, and the check of a built tarball against it.

Used by ``scripts/galaxy.sh`` (the check) and ``scripts/sanity.sh --unshipped`` (the files that
ansible-test sanity must cover in the work tree because the tarball's sanity run does not see them).

The tarball holds what a Galaxy user can use: the plugins, roles, playbooks, documentation, metadata,
changelog, README, licence, the sample inventory and the sanity test configuration. The lab and what
needs it stays out: lab/, its inventory, molecule scenarios, the integration tests and the unit tests
(they read Rook's release files through lab/koorlab), as do the benchmarks and the development scripts.

Subcommands:

``check TARBALL SRC``
    Compare the tarball's files with the files git knows in SRC (tracked plus untracked-not-ignored)
    that ship: every one of them must be in the tarball, and nothing else but MANIFEST.json and
    FILES.json. Then each lab-only path must be missing. Prints what ships, exits 1 with every
    difference otherwise.

``unshipped SRC``
    Print the files git knows in SRC that the tarball leaves out, one a line.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ansible_test_offline import git_files  # noqa: E402  pylint: disable=wrong-import-position

# Files and folders (a trailing slash) that ship; everything else git knows stays out.
SHIPPED = (
    'README.md',
    'COPYING',
    'changelogs/changelog.yaml',
    'changelogs/config.yaml',
    'changelogs/fragments/',
    'docs/',
    'inventories/sample/',
    'meta/',
    'playbooks/',
    'plugins/',
    'roles/',
    'tests/sanity/',
)
# What ansible-galaxy adds.
GENERATED = ('MANIFEST.json', 'FILES.json')
# Named so that a change of build_ignore that lets the lab in fails with a message that says so.
LAB_ONLY = (
    'lab/',
    'inventories/lab/',
    'molecule/',
    'tests/integration/',
    'tests/unit/',
    'tests/conftest.py',
    'bench/',
    'scripts/',
    '.ci/',
    'Makefile',
    'ansible.cfg',
    'requirements.txt',
    'constraints.txt',
    '.ansible-lint',
    'galaxy.yml',
)


def matches(path, patterns):
    """Return True if PATH is one of PATTERNS or lies in one of their folders."""
    return any(path.startswith(p) if p.endswith('/') else path == p for p in patterns)


def shipped(path):
    """Return True if the file at PATH (relative to the collection root) belongs in the tarball."""
    return matches(path, SHIPPED) and not matches(path, LAB_ONLY)


def tarball_files(tarball):
    """Return the regular files in TARBALL as paths relative to the collection root."""
    with tarfile.open(tarball, 'r:gz') as tar:
        return sorted(os.path.normpath(m.name) for m in tar.getmembers() if not m.isdir())


def check(tarball, src):
    """Return the problems of TARBALL against the files of SRC that ship (an empty list when none)."""
    inside = set(tarball_files(tarball))
    wanted = {path for path in git_files(src) if shipped(path)}
    problems = []
    problems += ['missing from the tarball: %s' % path for path in sorted(wanted - inside)]
    problems += ['in the tarball but not meant to ship: %s' % path
                 for path in sorted(inside - wanted - set(GENERATED)) if not matches(path, LAB_ONLY)]
    problems += ['lab-only file in the tarball: %s' % path for path in sorted(inside) if matches(path, LAB_ONLY)]
    problems += ['ansible-galaxy did not write %s' % name for name in GENERATED if name not in inside]
    with tarfile.open(tarball, 'r:gz') as tar:
        member = next((m for m in tar.getmembers() if os.path.normpath(m.name) == 'MANIFEST.json'), None)
        manifest = json.load(tar.extractfile(member)) if member else {}
    if manifest and not manifest.get('collection_info', {}).get('repository'):
        problems.append('MANIFEST.json has no repository URL (galaxy.yml repository)')
    return problems


def summary(tarball):
    """Return a line per top-level folder of TARBALL with its file count."""
    counts = collections.Counter(path.split('/', 1)[0] if '/' in path else path for path in tarball_files(tarball))
    return ['  %-20s %4d file(s)' % (name, count) for name, count in sorted(counts.items())]


def main():
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    check_cmd = sub.add_parser('check', help="compare a built tarball's files with what ships")
    check_cmd.add_argument('tarball')
    check_cmd.add_argument('src')
    unshipped_cmd = sub.add_parser('unshipped', help='print the files git knows that do not ship')
    unshipped_cmd.add_argument('src')
    args = parser.parse_args()

    if args.command == 'unshipped':
        for path in git_files(os.path.abspath(args.src)):
            if not shipped(path):
                print(path)
        return 0
    problems = check(args.tarball, os.path.abspath(args.src))
    if problems:
        print('%s: %d problem(s):' % (args.tarball, len(problems)))
        print('\n'.join('  ' + problem for problem in problems))
        return 1
    print('%s ships (every file git knows there, lab-only files none):' % args.tarball)
    print('\n'.join(summary(args.tarball)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
