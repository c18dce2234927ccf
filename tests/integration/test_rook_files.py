"""Rook's release files come from the project itself: lab/rook-files.json pins every file with its sha256,
`koor-lab rook-files` puts them in the lab's cache from a mirror or Rook's release tag, checking each.
Run with a cache of their own (KOOR_LAB_CACHE) and a mirror of their own (KOOR_ROOK_MIRROR): ../shared
plays no part here."""
import hashlib
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import KOOR_LAB, ROOK_EXAMPLES, ROOT

PINS = os.path.join(ROOT, "lab", "rook-files.json")
VERSION = "v1.20.6"


def rook_files(env, *args):
    return subprocess.run([KOOR_LAB, "rook-files"] + list(args), capture_output=True, text=True, check=False,
                          env=dict(os.environ, **env), timeout=120)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A mirror with the layout of Rook's tags (<version>/deploy/...), copied from the checked cache."""
    root = tmp_path_factory.mktemp("rook-mirror")
    cached = os.path.dirname(os.path.dirname(ROOK_EXAMPLES))  # <cache>/rook/v1.20.6
    shutil.copytree(cached, str(root / VERSION))
    return root


def _pinned():
    with open(PINS) as handle:
        return json.load(handle)["versions"][VERSION]


def _leftovers(cache):
    return [os.path.join(d, f) for d, _dirs, files in os.walk(cache) for f in files if f.startswith(".part-")]


def test_a_mirror_fills_a_fresh_cache_every_file_checked(tmp_path, mirror):
    proc = rook_files({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_ROOK_MIRROR": str(mirror)}, "--version", VERSION)
    assert proc.returncode == 0, proc.stderr
    folder = proc.stdout.strip()
    assert folder == str(tmp_path / "rook" / VERSION)
    pinned = _pinned()
    assert len(pinned) > 50 and "deploy/examples/crds.yaml" in pinned and "deploy/examples/operator.yaml" in pinned
    for rel, digest in pinned.items():
        with open(os.path.join(folder, rel), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest, rel
    assert "%d file(s) fetched" % len(pinned) in proc.stderr
    # a second run has nothing to fetch; a cached file damaged since is fetched again
    again = rook_files({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_ROOK_MIRROR": str(mirror)}, "--version", VERSION)
    assert again.returncode == 0 and "fetched" not in again.stderr
    with open(os.path.join(folder, "deploy/examples/crds.yaml"), "a") as handle:
        handle.write("# damaged\n")
    third = rook_files({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_ROOK_MIRROR": str(mirror)}, "--version", VERSION)
    assert third.returncode == 0 and "1 file(s) fetched" in third.stderr


def test_a_corrupted_mirror_file_is_refused_and_nothing_half_written(tmp_path, mirror):
    bad = tmp_path / "bad-mirror"
    shutil.copytree(str(mirror), str(bad))
    with open(str(bad / VERSION / "deploy" / "examples" / "crds.yaml"), "a") as handle:
        handle.write("# not Rook's\n")
    cache = tmp_path / "cache"
    proc = rook_files({"KOOR_LAB_CACHE": str(cache), "KOOR_ROOK_MIRROR": str(bad),
                       "KOOR_ROOK_URL": "http://127.0.0.1:9/{version}/{path}"}, "--version", VERSION)
    assert proc.returncode == 1
    assert "cannot get Rook v1.20.6's deploy/examples/crds.yaml" in proc.stderr
    assert "not the pinned %s" % _pinned()["deploy/examples/crds.yaml"] in proc.stderr
    assert "KOOR_ROOK_MIRROR" in proc.stderr and "Traceback" not in proc.stderr
    assert not os.path.exists(str(cache / "rook" / VERSION / "deploy" / "examples" / "crds.yaml"))
    assert _leftovers(str(cache)) == []


def test_no_source_fails_fast_with_one_message(tmp_path):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    started = time.monotonic()
    proc = rook_files({"KOOR_LAB_CACHE": str(tmp_path / "cache"), "KOOR_ROOK_MIRROR": str(empty),
                       "KOOR_ROOK_URL": "http://127.0.0.1:9/{version}/{path}"}, "--version", VERSION)
    assert time.monotonic() - started < 10
    assert proc.returncode == 1
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("koor-lab: error: cannot get Rook v1.20.6's deploy/")
    assert "mirror %s" % empty in message and "http://127.0.0.1:9/v1.20.6/deploy/" in message
    assert "set KOOR_ROOK_MIRROR" in message
    assert _leftovers(str(tmp_path / "cache")) == []


def test_an_unpinned_version_is_refused():
    proc = rook_files({}, "--version", "v1.17.0")
    assert proc.returncode == 1 and "Rook v1.17.0 is not pinned" in proc.stderr


def test_nothing_but_the_fetch_step_reads_the_folder_beside_the_checkout():
    """A user's clone has no ../shared: only lab/koorlab/rookfiles.py may name it (as a mirror)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    readers = []
    for rel in tracked:
        fetch_step = ("lab/koorlab/rookfiles.py", "tests/integration/test_rook_files.py")
        if rel.endswith((".md", ".json", ".bin", ".tar.zst")) or rel in fetch_step:
            continue
        try:
            with open(os.path.join(ROOT, rel)) as handle:
                text = handle.read()
        except (UnicodeDecodeError, OSError):
            continue
        if "../shared" in text or "shared/rook" in text or "'shared', 'rook'" in text or '"shared", "rook"' in text:
            readers.append(rel)
    assert readers == []
