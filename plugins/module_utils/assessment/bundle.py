# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bundle: what gather.collect() read, as one gzipped tar archive, so the same checks run offline on a
bundle collected elsewhere. It holds no secret (gather.sanitise removed them before it was written).

Layout::

    koor-assessment/manifest.json      format, collected_at, collector, mode, errors, stats, the files
    koor-assessment/ceph/<read>.json    one read each (null for a read that failed)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import re
import tarfile
import tempfile

from ansible_collections.koor.ceph.plugins.module_utils.assessment.gather import BUNDLE_FORMAT
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

TOP = "koor-assessment"
MANIFEST = TOP + "/manifest.json"
_MEMBER = re.compile(r"^%s/(ceph|rook)/([A-Za-z0-9_.\-]+)\.json$" % TOP)
MAX_MEMBER_BYTES = 512 * 1024 * 1024
META = ("format", "collected_at", "collector", "mode", "transport", "agent_mode", "errors", "stats")


def _add(tar, name, value):
    data = json.dumps(value, indent=1, sort_keys=True).encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def write(bundle, path):
    """Write the bundle to ``path`` (atomically: a temporary file in the same folder, then renamed)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CephInputError("bundle %s: the folder %s does not exist" % (path, folder))
    fd, tmp = tempfile.mkstemp(prefix=".koor-bundle-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w:gz") as tar:
                manifest = dict((k, bundle.get(k)) for k in META)
                manifest["files"] = {}
                for section in ("ceph", "rook"):
                    for name in sorted(bundle.get(section) or {}):
                        member = "%s/%s/%s.json" % (TOP, section, name)
                        manifest["files"][member] = name
                        _add(tar, member, bundle[section][name])
                _add(tar, MANIFEST, manifest)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read(path):
    """A bundle written by write(): the same dict collect() returned. Anything else is refused with a
    message that says what is wrong, before any check runs."""
    if not os.path.isfile(path):
        raise CephInputError("bundle %s does not exist (or is not a file)" % path)
    try:
        tar = tarfile.open(path, mode="r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise CephInputError("bundle %s is not a gzipped tar archive written by koor.ceph's assessment: %s"
                             % (path, exc))
    bundle = {"ceph": {}, "rook": {}}
    manifest = None
    with tar:
        for member in tar.getmembers():
            if member.name == MANIFEST:
                manifest = _load(tar, member, path)
                continue
            match = _MEMBER.match(member.name)
            if not match or not member.isfile():
                raise CephInputError("bundle %s holds %r, which no assessment bundle has" % (path, member.name))
            bundle[match.group(1)][match.group(2)] = _load(tar, member, path)
    if not isinstance(manifest, dict):
        raise CephInputError("bundle %s has no %s: not an assessment bundle" % (path, MANIFEST))
    if manifest.get("format") != BUNDLE_FORMAT:
        raise CephInputError("bundle %s has format %r; this collection reads format %d"
                             % (path, manifest.get("format"), BUNDLE_FORMAT))
    for key in META:
        bundle[key] = manifest.get(key)
    bundle["errors"] = bundle.get("errors") or {}
    if not bundle["rook"]:
        bundle.pop("rook")
    if bundle.get("mode") not in ("ceph", "rook") or (bundle["mode"] == "rook") != ("rook" in bundle):
        raise CephInputError("bundle %s: mode %r does not match its content" % (path, bundle.get("mode")))
    return bundle


def _load(tar, member, path):
    if member.size > MAX_MEMBER_BYTES:
        raise CephInputError("bundle %s: %s is larger than %d bytes" % (path, member.name, MAX_MEMBER_BYTES))
    try:
        return json.loads(tar.extractfile(member).read().decode("utf-8"))
    except ValueError as exc:
        raise CephInputError("bundle %s: %s is not JSON: %s" % (path, member.name, exc))
