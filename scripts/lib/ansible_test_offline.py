"""Prepare an offline ``ansible-test`` run for the koor.ceph collection.

Used by ``scripts/sanity.sh`` and ``scripts/units.sh``; run it with the project venv's
Python (it imports ``ansible_test`` to learn the pip version ansible-test bootstraps).

Subcommands:

``tree SRC DEST``
    Mirror the files git knows in SRC (tracked plus untracked-not-ignored, i.e.
    ``git ls-files -co --exclude-standard``) into DEST, which must end in
    ``ansible_collections/<namespace>/<name>``. Stale files are removed; DEST/tests/output
    (ansible-test's results and its delegation venv) is kept between runs. DEST gets its own
    empty git repository so that ansible-test lists exactly these files instead of walking up
    to the enclosing work tree, where DEST is git-ignored.

``deps SRC DEST``
    Make the collections named in SRC/galaxy.yml ``dependencies`` visible next to DEST
    (symlinks into the ``ansible_collections`` tree shipped by the ``ansible`` package of the
    running interpreter), so imports of e.g. kubernetes.core resolve without Galaxy.

``get-pip``
    Write ansible-test's pip bootstrap script, ``~/.ansible/test/cache/get_pip_<X_Y>.py``,
    when it is missing. ansible-test would download it from a host that is not reachable
    here; this stand-in embeds the pip wheel fetched from the package index instead, and
    installs it without network access, as the real get-pip.py does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import types

KEEP = ('tests/output',)

GET_PIP_TEMPLATE = '''\
"""Offline stand-in for ansible-test's get-pip-{version}.py.

Written by koor.ceph scripts/lib/ansible_test_offline.py. ansible-test runs it (through its
quiet_pip.py wrapper) inside a fresh virtual environment made with --without-pip, passing pip
install arguments such as "pip=={version} --no-setuptools --no-wheel". Like the upstream
get-pip.py it carries the pip wheel ({wheel}, sha256 {sha256}) and installs pip from it,
without touching the network.
"""

import base64
import os
import shutil
import sys
import tempfile

WHEEL = {wheel!r}
GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')
DATA = b"""
{data}
"""


def main():
    """Install pip from the embedded wheel, passing the caller's pip install arguments."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    tmpdir = tempfile.mkdtemp(prefix='get-pip-')
    try:
        wheel = os.path.join(tmpdir, WHEEL)
        with open(wheel, 'wb') as wheel_file:
            wheel_file.write(base64.b85decode(DATA.replace(b'\\n', b'')))
        sys.path.insert(0, wheel)
        from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel
        return pip_main(['install', '--upgrade', '--force-reinstall', '--no-index', '--find-links', tmpdir] + args)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
'''


def git_files(src):
    """Return the relative paths git lists for SRC (tracked and untracked, not ignored)."""
    out = subprocess.run(['git', '-C', src, 'ls-files', '-z', '-co', '--exclude-standard'],
                         check=True, stdout=subprocess.PIPE).stdout
    names = [name for name in out.decode('utf-8', 'surrogateescape').split('\0') if name]
    # tracked files deleted from the work tree are still listed: skip them
    return sorted(name for name in names if os.path.lexists(os.path.join(src, name)))


def same_file(src, dest):
    """Return True if DEST already holds the content of SRC (same type, size and mtime or link target)."""
    try:
        dest_st = os.lstat(dest)
    except FileNotFoundError:
        return False
    src_st = os.lstat(src)
    if stat.S_ISLNK(src_st.st_mode) or stat.S_ISLNK(dest_st.st_mode):
        return stat.S_ISLNK(src_st.st_mode) and stat.S_ISLNK(dest_st.st_mode) and os.readlink(src) == os.readlink(dest)
    return (src_st.st_size, src_st.st_mtime_ns, stat.S_IMODE(src_st.st_mode)) == \
        (dest_st.st_size, dest_st.st_mtime_ns, stat.S_IMODE(dest_st.st_mode))


def kept(rel):
    """Return True for paths under DEST that the mirror must not delete."""
    return rel == '.git' or rel.startswith('.git/') or any(rel == keep or rel.startswith(keep + '/') for keep in KEEP)


def make_tree(src, dest):
    """Mirror the files git knows in SRC into DEST; return the number of files copied."""
    parts = os.path.normpath(dest).split(os.sep)
    if len(parts) < 3 or parts[-3] != 'ansible_collections':
        raise SystemExit(f'{dest}: must end in ansible_collections/<namespace>/<name>')
    wanted = git_files(src)
    wanted_set = set(wanted)
    os.makedirs(dest, exist_ok=True)

    # remove what is no longer wanted (files, links, then directories left empty)
    for root, dirs, files in os.walk(dest, topdown=False):
        rel_root = os.path.relpath(root, dest)
        rel_root = '' if rel_root == '.' else rel_root
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            rel = os.path.join(rel_root, name)
            if not kept(rel) and rel not in wanted_set:
                os.unlink(os.path.join(root, name))
        if rel_root and not kept(rel_root) and not os.listdir(root):
            os.rmdir(root)

    copied = 0
    for rel in wanted:
        src_path = os.path.join(src, rel)
        dest_path = os.path.join(dest, rel)
        if same_file(src_path, dest_path):
            continue
        if os.path.lexists(dest_path) or os.path.isdir(dest_path):
            if os.path.isdir(dest_path) and not os.path.islink(dest_path):
                shutil.rmtree(dest_path)
            else:
                os.unlink(dest_path)
        os.makedirs(os.path.dirname(dest_path), exist_ok=True)
        if os.path.islink(src_path):
            os.symlink(os.readlink(src_path), dest_path)
        else:
            shutil.copy2(src_path, dest_path)
        copied += 1

    if not os.path.isdir(os.path.join(dest, '.git')):
        subprocess.run(['git', 'init', '--quiet', dest], check=True)
    return copied


def link_deps(src, dest):
    """Symlink the galaxy.yml dependencies from the ansible package next to DEST; return their names."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(os.path.join(src, 'galaxy.yml'), encoding='utf-8') as galaxy_file:
        galaxy = yaml.safe_load(galaxy_file) or {}
    root = os.path.dirname(os.path.dirname(os.path.normpath(dest)))
    linked = []
    for name in sorted(galaxy.get('dependencies') or {}):
        namespace, collection = name.split('.', 1)
        target = os.path.join(root, namespace, collection)
        if os.path.exists(target) and not os.path.islink(target):
            continue
        source = find_installed_collection(namespace, collection)
        if source is None:
            print(f'warning: dependency {name} is not installed with ansible; imports of it will fail', file=sys.stderr)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(target):
            os.unlink(target)
        os.symlink(source, target)
        linked.append(name)
    return linked


def find_installed_collection(namespace, collection):
    """Return the path of NAMESPACE.COLLECTION in the ansible package's collections, or None."""
    try:
        import ansible_collections  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    for base in ansible_collections.__path__:
        path = os.path.join(base, namespace, collection)
        if os.path.isfile(os.path.join(path, 'MANIFEST.json')):
            return path
    return None


def bootstrap_pip_version():
    """Return the pip version ansible-test installs into the virtual environments it creates."""
    from ansible_test._internal.python_requirements import get_venv_packages  # pylint: disable=import-outside-toplevel

    version = '%d.%d' % sys.version_info[:2]
    return get_venv_packages(types.SimpleNamespace(version=version))['pip']


def write_get_pip(force=False):
    """Create ~/.ansible/test/cache/get_pip_<X_Y>.py if missing; return its path."""
    version = bootstrap_pip_version()
    path = os.path.expanduser(f'~/.ansible/test/cache/get_pip_{version.replace(".", "_")}.py')
    if os.path.exists(path) and not force:
        return path
    with tempfile.TemporaryDirectory(prefix='koor-get-pip-') as tmpdir:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check',
                        '--no-deps', '--only-binary=:all:', '--dest', tmpdir, f'pip=={version}'], check=True)
        wheels = [name for name in os.listdir(tmpdir) if name.startswith('pip-') and name.endswith('.whl')]
        if len(wheels) != 1:
            raise SystemExit(f'expected one pip {version} wheel, got {wheels}')
        with open(os.path.join(tmpdir, wheels[0]), 'rb') as wheel_file:
            wheel = wheel_file.read()
    encoded = base64.b85encode(wheel).decode('ascii')
    data = '\n'.join(encoded[i:i + 79] for i in range(0, len(encoded), 79))
    script = GET_PIP_TEMPLATE.format(version=version, wheel=wheels[0], sha256=hashlib.sha256(wheel).hexdigest(), data=data)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w', encoding='utf-8') as script_file:
        script_file.write(script)
    os.replace(path + '.tmp', path)
    return path


def main():
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    tree = sub.add_parser('tree', help='mirror the git-known files of SRC into DEST')
    tree.add_argument('src')
    tree.add_argument('dest')
    deps = sub.add_parser('deps', help='link galaxy.yml dependencies next to DEST')
    deps.add_argument('src')
    deps.add_argument('dest')
    get_pip = sub.add_parser('get-pip', help='write the offline pip bootstrap script for ansible-test')
    get_pip.add_argument('--force', action='store_true', help='rewrite it even if present')
    args = parser.parse_args()

    if args.command == 'tree':
        copied = make_tree(os.path.abspath(args.src), os.path.abspath(args.dest))
        print(f'tree: {args.dest} ({copied} file(s) updated)')
    elif args.command == 'deps':
        linked = link_deps(os.path.abspath(args.src), os.path.abspath(args.dest))
        if linked:
            print('deps: linked ' + ', '.join(linked))
    else:
        print(f'get-pip: {write_get_pip(args.force)}')


if __name__ == '__main__':
    main()
