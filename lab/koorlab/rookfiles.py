"""Rook's release files (manifests, charts, external-mode files) for the lab and the tests.

The project pins, for each Rook version it uses, every file it needs with its sha256
(lab/rook-files.json, paths as at Rook's release tag). ``ensure`` puts them under
``$KOOR_LAB_CACHE/rook/<version>/`` (default ~/.cache/koor-lab/rook), checking every checksum.
Sources, in order: a mirror directory with the same layout (``<version>/deploy/...``) named by
``KOOR_ROOK_MIRROR``, else ../shared/rook beside the checkout when it exists; then the file's
URL at Rook's tag (``KOOR_ROOK_URL`` replaces the URL template, ``{version}`` and ``{path}`` in it).
A file is written under a temporary name and renamed once its checksum matches,
so the cache never holds a half-written or unchecked file. Everything that reads Rook's files
(the lab inventory, molecule, the unit and integration tests) reads them from this cache.
"""

import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.request

from .images import CACHE
from .util import LabError, log

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PINS = os.path.join(ROOT, "lab", "rook-files.json")
DEFAULT_MIRROR = os.path.join(os.path.dirname(ROOT), "shared", "rook")
URL_TIMEOUT = 20
CACHE_ROOT = os.path.join(CACHE, "rook")


def pins():
    with open(PINS) as handle:
        return json.load(handle)


def versions():
    return sorted(pins()["versions"])


def cache_dir(version):
    return os.path.join(CACHE_ROOT, version)


def examples(version="v1.20.6"):
    """The cached deploy/examples folder of ``version``, fetched first where needed."""
    return os.path.join(ensure(version), "deploy", "examples")


def mirrors():
    """Mirror directories to try, in order."""
    named = os.environ.get("KOOR_ROOK_MIRROR")
    if named:
        return [named]
    return [DEFAULT_MIRROR] if os.path.isdir(DEFAULT_MIRROR) else []


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _cached(path, digest):
    try:
        with open(path, "rb") as handle:
            return _sha256(handle.read()) == digest
    except OSError:
        return False


def _from_mirror(mirror, version, rel):
    with open(os.path.join(mirror, version, rel), "rb") as handle:
        return handle.read()


def _from_url(url):
    with urllib.request.urlopen(url, timeout=URL_TIMEOUT) as resp:
        return resp.read()


def _put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def ensure(version):
    """Every pinned file of ``version`` in the cache, checked; returns the version's cache folder.
    Raises LabError naming the version, the file, every source tried and KOOR_ROOK_MIRROR."""
    spec = pins()
    if version not in spec["versions"]:
        raise LabError("Rook %s is not pinned in %s (pinned: %s)" % (version, PINS, ", ".join(versions())))
    target = cache_dir(version)
    fetched = 0
    for rel, digest in sorted(spec["versions"][version].items()):
        path = os.path.join(target, rel)
        if _cached(path, digest):
            continue
        tried = []
        sources = [("mirror %s" % m, lambda m=m: _from_mirror(m, version, rel)) for m in mirrors()]
        url = os.environ.get("KOOR_ROOK_URL", spec["url"]).format(version=version, path=rel)
        sources.append((url, lambda url=url: _from_url(url)))
        for name, read in sources:
            try:
                data = read()
            except (OSError, urllib.error.URLError, ValueError) as exc:
                tried.append("%s: %s" % (name, getattr(exc, "reason", None) or exc))
                continue
            if _sha256(data) != digest:
                tried.append("%s: sha256 %s, not the pinned %s" % (name, _sha256(data), digest))
                continue
            _put(path, data)
            fetched += 1
            break
        else:
            raise LabError("cannot get Rook %s's %s: %s; set KOOR_ROOK_MIRROR to a directory holding %s/%s "
                           "(the layout of Rook's release tag), or let this machine reach Rook's release files"
                           % (version, rel, "; ".join(tried) or "no source", version, rel))
    if fetched:
        log("Rook %s: %d file(s) fetched into %s, every checksum checked" % (version, fetched, target))
    return target
