# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OSD flags: cluster-wide (``ceph osd set``) and per OSD / CRUSH node / device class
(``ceph osd set-group``). Read once from the OSD map, compare, write only the difference."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

CLUSTER_FLAGS = ("noup", "nodown", "noout", "noin", "nobackfill", "norebalance", "norecover", "noscrub",
                 "nodeep-scrub", "notieragent", "nosnaptrim", "pause")
GROUP_FLAGS = ("noup", "nodown", "noin", "noout")
# `ceph osd set pause` sets two flags in the map.
_PAUSE = ("pauserd", "pausewr")


def validate(params):
    flags = params["flags"]
    if not flags:
        raise CephInputError("flags must name at least one flag")
    dupes = sorted(set(f for f in flags if flags.count(f) > 1))
    if dupes:
        raise CephInputError("flags lists %s more than once" % ", ".join(dupes))
    scoped = [k for k in ("osds", "crush_nodes", "device_classes") if params.get(k)]
    allowed = GROUP_FLAGS if scoped else CLUSTER_FLAGS
    bad = [f for f in flags if f not in allowed]
    if bad:
        if scoped:
            raise CephInputError("flag(s) %s cannot be set per %s: Ceph allows only %s there (set %s cluster-wide "
                                 "by leaving out osds, crush_nodes and device_classes)"
                                 % (", ".join(bad), "/".join(scoped), ", ".join(GROUP_FLAGS), ", ".join(bad)))
        raise CephInputError("unknown OSD flag(s) %s: choose from %s" % (", ".join(bad), ", ".join(CLUSTER_FLAGS)))
    for osd in params.get("osds") or []:
        if osd < 0:
            raise CephInputError("osds: %d is not an OSD id" % osd)


def raw_flags(osd_dump):
    """Every flag of the OSD map as it stores them (pauserd and pausewr, noautoscale, sortbitwise, ...)."""
    return set(osd_dump.get("flags_set") or [f for f in osd_dump.get("flags", "").split(",") if f])


def cluster_flags(osd_dump):
    raw = raw_flags(osd_dump)
    flags = set(f for f in raw if f in CLUSTER_FLAGS)
    if all(p in raw for p in _PAUSE):
        flags.add("pause")
    return flags


def group_flags(osd_dump):
    """{target: set(flags)} for every OSD, CRUSH node and device class that carries group flags."""
    targets = {}
    for osd in osd_dump.get("osds", []):
        targets["osd.%d" % osd["osd"]] = set(s for s in osd.get("state", []) if s in GROUP_FLAGS)
    for name, flags in (osd_dump.get("crush_node_flags") or {}).items():
        targets[name] = set(flags)
    for name, flags in (osd_dump.get("device_class_flags") or {}).items():
        targets["class:" + name] = set(flags)
    return targets


def _targets(params, osd_dump, crush_names, classes):
    osd_ids = set(o["osd"] for o in osd_dump.get("osds", []))
    missing = ["osd.%d" % i for i in params.get("osds") or [] if i not in osd_ids]
    missing += [n for n in params.get("crush_nodes") or [] if n not in crush_names]
    missing += ["device class %s" % c for c in params.get("device_classes") or [] if c not in classes]
    if missing:
        raise CephInputError("not in this cluster: %s" % ", ".join(missing))
    names = ["osd.%d" % i for i in params.get("osds") or []]
    names += list(params.get("crush_nodes") or [])
    names += ["class:" + c for c in params.get("device_classes") or []]
    return names


def _who(target):
    return target[len("class:"):] if target.startswith("class:") else target


def apply(runner, params):
    """Bring the flags to the wanted state. Returns the module result (without commands)."""
    want_set = params["state"] == "present"
    flags = list(params["flags"])
    osd_dump = runner.mon("osd dump")
    scoped = any(params.get(k) for k in ("osds", "crush_nodes", "device_classes"))
    if not scoped:
        have = cluster_flags(osd_dump)
        change = [f for f in flags if (f in have) != want_set]
        for flag in change:
            runner.write("osd set" if want_set else "osd unset", key=flag)
        after = set(have) | set(change) if want_set else set(have) - set(change)
        before_view, after_view = {"cluster": sorted(have)}, {"cluster": sorted(after)}
    else:
        crush_names = set()
        if params.get("crush_nodes"):
            crush_names = set(n["name"] for n in runner.mon("osd crush tree").get("nodes", []))
        classes = set()
        if params.get("device_classes"):
            classes = set(runner.mon("osd crush class ls") or [])
        targets = _targets(params, osd_dump, crush_names, classes)
        current = group_flags(osd_dump)
        before_view, after_view, batches = {}, {}, {}
        for target in targets:
            have = current.get(target, set())
            change = tuple(sorted(f for f in flags if (f in have) != want_set))
            before_view[target] = sorted(have)
            after_view[target] = sorted(have | set(change) if want_set else have - set(change))
            if change:
                batches.setdefault(change, []).append(_who(target))
        for change, who in sorted(batches.items()):
            runner.write("osd set-group" if want_set else "osd unset-group", flags=",".join(change), who=who)
    changed = before_view != after_view
    return {"changed": changed, "flags": after_view, "diff": {"before": before_view, "after": after_view}}
