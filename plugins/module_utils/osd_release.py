# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``require_osd_release``: the last step of an upgrade. Once set, OSDs of an older release can no
longer join the cluster, so it is set only when every OSD is up and runs the release (stricter than
Ceph, which looks at the up OSDs only: a down OSD still on the old release would never come back);
it is never lowered."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.rook_contract import CEPH_RELEASES
from ansible_collections.koor.ceph.plugins.module_utils.upgrade import meta_version, version_tuple

_MAJOR = dict((name, major) for major, name in CEPH_RELEASES.items())


def validate(params):
    if params["release"] not in _MAJOR:
        raise CephInputError("release %r is no Ceph release this collection knows (%s)"
                             % (params["release"], ", ".join(CEPH_RELEASES[m] for m in sorted(CEPH_RELEASES))))


def blockers(osd_dump, osd_meta, major):
    """Why the OSDs do not allow ``major`` yet: [(osd name, reason)]."""
    found = []
    versions = dict((m.get("id"), meta_version(m)) for m in osd_meta or [])
    for osd in osd_dump.get("osds", []):
        name = "osd.%d" % osd["osd"]
        if not osd.get("up"):
            found.append((name, "down"))
            continue
        parsed = version_tuple(versions.get(osd["osd"]) or "")
        if parsed is None:
            found.append((name, "reports no version"))
        elif parsed[0] < major:
            found.append((name, "runs %d.%d.%d" % parsed))
    return found


def apply(runner, params):
    release = params["release"]
    major = _MAJOR[release]
    osd_dump, osd_meta = runner.mon_batch_read([{"prefix": "osd dump"}, {"prefix": "osd metadata"}])
    current = osd_dump.get("require_osd_release")
    before = {"require_osd_release": current}
    if current == release:
        return {"changed": False, "require_osd_release": current, "diff": {"before": before, "after": before}}
    if current in _MAJOR and _MAJOR[current] > major:
        raise CephInputError("require_osd_release is %s: it is never lowered (to %s); OSDs of %s could not join "
                             "again anyway" % (current, release, release))
    found = blockers(osd_dump, osd_meta, major)
    if found:
        raise CephInputError("require_osd_release stays %s: not every OSD is up on %s (%s); once set, an OSD of an older "
                             "release can no longer join the cluster. Start or upgrade them first"
                             % (current, release, ", ".join("%s %s" % pair for pair in found)))
    runner.write("osd require-osd-release", release=release)
    after = {"require_osd_release": release}
    return {"changed": True, "require_osd_release": release, "diff": {"before": before, "after": after}}
