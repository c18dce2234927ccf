# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upgrade gates of a Ceph cluster: read once through the runner, judged by pure functions.

Each gate is a dict ``{name, passed, msg, evidence}`` (``target`` too for ok-to-stop,
safe-to-destroy and daemon_ready): ``msg`` says what holds or, for a closed gate, what is wrong
and what to do; ``evidence`` is what Ceph answered, normalised. Nothing here writes.

With a wait (``wait_timeout``) the cluster is read and every gate judged again, through
``waiting.poll``, until all pass or the time is up.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import math
import re
import time

from ansible_collections.koor.ceph.plugins.module_utils import health
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.osd_flags import cluster_flags
from ansible_collections.koor.ceph.plugins.module_utils.rook_contract import CEPH_KNOWN_BAD, CEPH_RELEASES
from ansible_collections.koor.ceph.plugins.module_utils.runner import describe
from ansible_collections.koor.ceph.plugins.module_utils.status import parse_version
from ansible_collections.koor.ceph.plugins.module_utils.waiting import not_yet, poll

GATES = ("health", "pgs", "osds", "mons", "pool_min_size", "versions", "capacity", "flags")
# Raised by the upgrade itself (noout / nodeep-scrub, noout on a host, OSDs on the new release before
# require-osd-release): they do not close the health gate unless the caller says otherwise.
DEFAULT_ALLOWED_CHECKS = ("OSDMAP_FLAGS", "OSD_FLAGS", "OSD_UPGRADE_FINISHED")
# Cluster flags with which restarted daemons do not come back, or PGs never get clean again.
BLOCKING_FLAGS = ("pause", "pauserd", "pausewr", "noup", "nodown", "norecover", "nobackfill")
# The order an upgrade restarts daemon types in (Ceph's upgrade notes; cephadm's CEPH_UPGRADE_ORDER).
ORDER = ("mon", "mgr", "osd", "mds", "rgw")
OK_TO_STOP_TYPES = ("mon", "osd", "mds")
# Ceph upgrades across at most two major releases (cephadm refuses more; the release notes list N-2 only).
MAX_MAJOR_JUMP = 2
_NOT_NOW = (errno.EBUSY, errno.EAGAIN)
# Reads the active mgr answers (they time out while no mgr is active).
MGR_READS = ("osd df", "service dump", "osd ok-to-stop")
# The MDS states in which a daemon serves, or stands by to serve, a filesystem.
MDS_READY_STATES = ("up:active", "up:standby-replay", "up:standby")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def version_tuple(text):
    """'20.2.4' (or '20.2.4-1', a `ceph versions` line) -> (20, 2, 4); None when it is not one."""
    text = parse_version(text)["version"] if str(text).startswith("ceph version") else str(text)
    match = _VERSION.match(text.strip())
    return tuple(int(p) for p in match.groups()) if match else None


def validate(params):
    """Input errors before anything is read."""
    target = params.get("target_version")
    if target is not None:
        parsed = version_tuple(target)
        if parsed is None:
            raise CephInputError("target_version %r is not a Ceph version (MAJOR.MINOR.PATCH, e.g. 20.2.4)" % target)
        if parsed[0] not in CEPH_RELEASES:
            raise CephInputError("target_version %s: major %d is no Ceph release this collection knows (%s)"
                                 % (target, parsed[0], ", ".join("%d %s" % kv for kv in sorted(CEPH_RELEASES.items()))))
    for name in params.get("ok_to_stop") or []:
        kind, _sep, ident = name.partition(".")
        if kind not in OK_TO_STOP_TYPES or not ident:
            raise CephInputError("ok_to_stop: %r is not a daemon Ceph can check (ceph has ok-to-stop for %s: "
                                 "give osd.ID, mon.NAME or mds.NAME)" % (name, ", ".join(OK_TO_STOP_TYPES)))
        if kind == "osd" and not ident.isdigit():
            raise CephInputError("ok_to_stop: %r is not an OSD (osd.ID with a number)" % name)
    for osd in params.get("safe_to_destroy") or []:
        if osd < 0:
            raise CephInputError("safe_to_destroy: %d is not an OSD id" % osd)
    for name in params.get("daemons_ready") or []:
        kind, _sep, ident = str(name).partition(".")
        if kind not in ORDER or not ident:
            hint = (" (the module names a radosgw rgw.ID: rgw.%s)" % name[len("client.rgw."):]
                    if str(name).startswith("client.rgw.") else "")
            raise CephInputError("daemons_ready: %r is not a daemon name%s: give TYPE.ID as the module's daemons "
                                 "return them (mon.a, mgr.x, osd.1, mds.a, rgw.ID), TYPE one of %s"
                                 % (name, hint, ", ".join(ORDER)))
        if kind == "osd" and not ident.isdigit():
            raise CephInputError("daemons_ready: %r is not an OSD (osd.ID with a number)" % name)
    wait_timeout, interval = params.get("wait_timeout"), params.get("wait_interval")
    if wait_timeout is not None and wait_timeout < 0:
        raise CephInputError("wait_timeout must be 0 (judge once) or more seconds, got %s" % wait_timeout)
    if interval is not None and interval <= 0:
        raise CephInputError("wait_interval must be more than 0 seconds, got %s" % interval)


def meta_version(meta):
    """The version a daemon's metadata says it runs ('18.2.7')."""
    return meta.get("ceph_version_short") or parse_version(meta.get("ceph_version", ""))["version"]


def rgw_daemons(service_dump):
    """The radosgw daemons of the service map: {id: its entry}. A radosgw that restarted has a new
    entry (a new gid) while the old one's lingers until mgr_service_beacon_grace passes: the newest
    (start_epoch, start_stamp) is the running process."""
    newest = {}
    rgw = ((service_dump or {}).get("services") or {}).get("rgw", {}).get("daemons", {})
    for key, entry in sorted(rgw.items()):
        meta = entry.get("metadata") if isinstance(entry, dict) else None
        if not meta:
            continue  # the "summary" entry, or a daemon that never reported
        ident = meta.get("id") or key
        age = (entry.get("start_epoch") or 0, entry.get("start_stamp") or "", entry.get("gid") or 0)
        if ident not in newest or age > newest[ident][0]:
            newest[ident] = (age, entry)
    return dict((ident, entry) for ident, (_age, entry) in newest.items())


def daemons(mon_meta, mgr_meta, osd_meta, mds_meta, service_dump):
    """Every daemon the cluster knows of: name, type, id, host and the version it runs."""
    found = []
    for kind, metas, key in (("mon", mon_meta, "name"), ("mgr", mgr_meta, "name"), ("osd", osd_meta, "id"),
                             ("mds", mds_meta, "name")):
        for meta in metas or []:
            ident = str(meta.get(key))
            found.append({"name": "%s.%s" % (kind, ident), "type": kind, "id": ident, "host": meta.get("hostname"),
                          "version": meta_version(meta)})
    for ident, entry in sorted(rgw_daemons(service_dump).items()):
        meta = entry["metadata"]
        found.append({"name": "rgw.%s" % ident, "type": "rgw", "id": ident, "host": meta.get("hostname"),
                      "version": meta_version(meta)})
    rank = dict((kind, i) for i, kind in enumerate(ORDER))
    found.sort(key=lambda d: (rank[d["type"]], d["host"] or "", int(d["id"]) if d["type"] == "osd" else 0, d["id"]))
    return found


def plan(daemon_list, target):
    """The daemons not yet on ``target`` (a version tuple), in the order an upgrade restarts them."""
    return [d["name"] for d in daemon_list if version_tuple(d["version"]) != target]


def _gate(name, passed, msg, evidence, target=None):
    gate = {"name": name, "passed": bool(passed), "msg": msg, "evidence": evidence}
    if target is not None:
        gate["target"] = target
    return gate


def gate_health(raw_health, allowed):
    checks = [c for c in health.health_checks(raw_health) if not c["muted"]]
    status = raw_health.get("status")
    blocking = [c for c in checks if c["name"] not in allowed]
    evidence = {"status": status, "checks": dict((c["name"], c["summary"]) for c in checks),
                "allowed": sorted(allowed), "blocking": [c["name"] for c in blocking]}
    if not blocking:
        return _gate("health", True, "%s%s" % (status, " (only allowed checks: %s)" % ", ".join(sorted(evidence["checks"]))
                                               if checks else ""), evidence)
    return _gate("health", False, "health is %s with %s: fix %s, or list %s in allowed_checks if %s expected "
                 "during the upgrade" % (status, "; ".join("%s (%s)" % (c["name"], c["summary"]) for c in blocking),
                                         "it" if len(blocking) == 1 else "them",
                                         ", ".join(c["name"] for c in blocking),
                                         "it is" if len(blocking) == 1 else "they are"), evidence)


def gate_pgs(raw_status):
    pgs = health.pg_summary(raw_status)
    unclean = dict((state, n) for state, n in pgs["states"].items() if not health.pg_state_is_clean(state))
    evidence = {"total": pgs["total"], "states": pgs["states"], "not_clean": unclean}
    if pgs["all_active_clean"]:
        return _gate("pgs", True, "all %d PGs active+clean" % pgs["total"], evidence)
    if not pgs["total"]:
        return _gate("pgs", False, "no PG stats yet (the mgr reports none): wait for the mgr", evidence)
    states = ", ".join("%d %s" % (n, s) for s, n in sorted(unclean.items()))
    return _gate("pgs", False, "%d of %d PGs are not active+clean (%s): wait until recovery ends (ceph pg stat) "
                 "before a daemon stops" % (sum(unclean.values()), pgs["total"], states), evidence)


def gate_osds(osd_dump):
    osds = osd_dump.get("osds", [])
    down = ["osd.%d" % o["osd"] for o in osds if not o.get("up")]
    out = ["osd.%d" % o["osd"] for o in osds if not o.get("in")]
    evidence = {"total": len(osds), "down": down, "out": out}
    if not down and not out:
        return _gate("osds", True, "all %d OSDs up and in" % len(osds), evidence)
    what = []
    if down:
        what.append("%s down (start %s)" % (", ".join(down), "it" if len(down) == 1 else "them"))
    if out:
        what.append("%s out (ceph osd in %s, once up)" % (", ".join(out), " ".join(o[4:] for o in out)))
    return _gate("osds", False, "; ".join(what), evidence)


def gate_mons(quorum_status):
    names = [m["name"] for m in quorum_status.get("monmap", {}).get("mons", [])]
    quorum = quorum_status.get("quorum_names", [])
    missing = [n for n in names if n not in quorum]
    evidence = {"mons": names, "quorum": quorum, "out_of_quorum": missing}
    if not missing:
        return _gate("mons", True, "all %d mons in quorum (%s)" % (len(names), ", ".join(quorum)), evidence)
    return _gate("mons", False, "mon %s out of quorum: bring %s back (its host, its log) before a mon restarts"
                 % (", ".join(missing), "it" if len(missing) == 1 else "them"), evidence)


def gate_pool_min_size(osd_dump):
    stuck = [{"pool": p["pool_name"], "size": p["size"], "min_size": p["min_size"]}
             for p in osd_dump.get("pools", []) if p.get("min_size", 0) >= p.get("size", 0)]
    evidence = {"pools": stuck}
    if not stuck:
        return _gate("pool_min_size", True, "every pool has min_size below size", evidence)
    return _gate("pool_min_size", False, "%s: with min_size == size one stopped OSD blocks the pool's I/O and "
                 "ok-to-stop never passes; lower min_size (ceph osd pool set POOL min_size SIZE-1) or raise size"
                 % ", ".join("pool %s size %d min_size %d" % (s["pool"], s["size"], s["min_size"]) for s in stuck),
                 evidence)


def _release_major(name):
    for major, release in CEPH_RELEASES.items():
        if release == name:
            return major
    return None


def gate_versions(raw_versions, osd_dump, target):
    """Versions now, and (with a target) what the step to it would be."""
    running = {}
    for text, count in (raw_versions or {}).get("overall", {}).items():
        parsed = version_tuple(text)
        if parsed is not None:
            running[parsed] = running.get(parsed, 0) + count
    names = dict((v, "%d.%d.%d" % v) for v in running)
    require = osd_dump.get("require_osd_release")
    evidence = {"running": dict((names[v], n) for v, n in sorted(running.items())), "require_osd_release": require}
    problems = []
    if target is None:
        if len(running) > 1:
            problems.append("daemons run %s: an upgrade is under way; finish it (give its target_version) first"
                            % ", ".join(sorted(names.values())))
    else:
        evidence["target"] = "%d.%d.%d" % target
        evidence["target_release"] = CEPH_RELEASES.get(target[0])
        if target in CEPH_KNOWN_BAD:
            problems.append("%s is a known-bad release: %s; choose a later one" % (evidence["target"], CEPH_KNOWN_BAD[target]))
        newer = sorted(names[v] for v in running if v > target)
        if newer:
            problems.append("a downgrade: daemons run %s, newer than %s; Ceph does not support downgrades"
                            % (", ".join(newer), evidence["target"]))
        if running and target[0] - min(running)[0] > MAX_MAJOR_JUMP:
            problems.append("%s is %d major releases above %s: upgrade to at most %d majors up first"
                            % (evidence["target"], target[0] - min(running)[0], names[min(running)], MAX_MAJOR_JUMP))
        others = sorted(names[v] for v in running if v != target)
        if len(others) > 1:
            problems.append("daemons run %s besides the target: an earlier upgrade did not finish; finish it first"
                            % ", ".join(others))
        require_major = _release_major(require)
        if require_major is not None and target[0] - require_major > MAX_MAJOR_JUMP:
            needed = CEPH_RELEASES.get(target[0] - MAX_MAJOR_JUMP)
            problems.append("require_osd_release is %s: %s OSDs need it at most %d majors below; finish the earlier "
                            "upgrade (ceph osd require-osd-release %s)" % (require, evidence["target"], MAX_MAJOR_JUMP, needed))
    if problems:
        return _gate("versions", False, "; ".join(problems), evidence)
    if target is None:
        return _gate("versions", True, "every daemon runs %s" % ", ".join(sorted(names.values())), evidence)
    if running and list(running) == [target]:
        return _gate("versions", True, "every daemon runs %s already" % evidence["target"], evidence)
    older = ", ".join(sorted(n for v, n in names.items() if v != target))
    return _gate("versions", True, "%s -> %s is a supported step" % (older, evidence["target"]), evidence)


def gate_capacity(osd_df_tree, osd_dump, unit="host"):
    """Whether the cluster could hold its data with its largest ``unit`` (host or osd) down."""
    nodes = osd_df_tree.get("nodes", [])
    kib = 1024
    total = sum(n.get("kb", 0) for n in nodes if n.get("type") == "osd") * kib
    used = sum(n.get("kb_used", 0) for n in nodes if n.get("type") == "osd") * kib
    units = [n for n in nodes if n.get("type") == unit]
    ratio_limit = float(osd_dump.get("nearfull_ratio") or 0.85)
    evidence = {"unit": unit, "units": len(units), "total_bytes": total, "used_bytes": used,
                "nearfull_ratio": round(ratio_limit, 4)}
    if not units:
        return _gate("capacity", False, "no CRUSH %s holds an OSD: nothing to judge" % unit, evidence)
    largest = max(units, key=lambda n: n.get("kb", 0))
    left = total - largest.get("kb", 0) * kib
    evidence.update(largest=largest["name"], largest_bytes=largest.get("kb", 0) * kib)
    if left <= 0:
        return _gate("capacity", False, "the cluster has one %s (%s): with it down no copy is left; restart "
                     "OSDs one by one and judge by capacity_unit osd" % (unit, largest["name"]), evidence)
    projected = float(used) / left
    evidence["projected_used_ratio"] = round(projected, 4)
    if projected < ratio_limit:
        return _gate("capacity", True, "with %s %s down the rest would be %.1f%% used (nearfull at %.0f%%)"
                     % (unit, largest["name"], projected * 100, ratio_limit * 100), evidence)
    return _gate("capacity", False, "with %s %s down and its data recovered elsewhere the rest would be %.1f%% "
                 "used, past the nearfull ratio %.0f%%: free space or add OSDs first"
                 % (unit, largest["name"], projected * 100, ratio_limit * 100), evidence)


def gate_flags(osd_dump):
    raw = set(osd_dump.get("flags_set") or [f for f in osd_dump.get("flags", "").split(",") if f])
    flags = sorted(cluster_flags(osd_dump) | (raw & set(BLOCKING_FLAGS)) | (raw & {"noautoscale"}))
    blocking = [f for f in flags if f in BLOCKING_FLAGS]
    evidence = {"flags": flags, "blocking": blocking}
    if not blocking:
        return _gate("flags", True, "no flag blocks restarts%s" % (" (set: %s)" % ", ".join(flags) if flags else ""),
                     evidence)
    them = "it" if len(blocking) == 1 else "them"
    return _gate("flags", False, "flag %s set: restarted daemons would not rejoin or PGs not recover; unset %s "
                 "(ceph osd unset FLAG) if nothing needs %s" % (", ".join(blocking), them, them), evidence)


def host_osds(osd_df_tree, host):
    """The OSD ids under CRUSH host ``host``."""
    by_id = dict((n["id"], n) for n in osd_df_tree.get("nodes", []))
    for node in osd_df_tree.get("nodes", []):
        if node.get("type") == "host" and node.get("name") == host:
            return sorted(c for c in node.get("children", []) if by_id.get(c, {}).get("type") == "osd")
    hosts = sorted(n["name"] for n in osd_df_tree.get("nodes", []) if n.get("type") == "host")
    raise CephInputError("ok_to_stop_hosts: no CRUSH host %r (hosts: %s)" % (host, ", ".join(hosts) or "none"))


def _ask(runner, prefix, ids, timeout=None):
    """A judging command (ok-to-stop, safe-to-destroy): (passed by rc, parsed output, Ceph's message)."""
    cmd = {"prefix": prefix, "format": "json", "ids": [str(i) for i in ids]}
    reply = runner.mon_raw(cmd, timeout=timeout)
    err = (reply.get("err") or "").strip()
    if reply["rc"] not in (0,) + _NOT_NOW:
        raise CephCommandError("'%s' failed (%s): %s" % (describe(cmd), errno.errorcode.get(reply["rc"], reply["rc"]),
                                                         err or "no error output"), cmd=describe(cmd), rc=reply["rc"],
                               stderr=err)
    out = reply.get("out") or ""
    try:
        parsed = json.loads(out) if out.strip() else None
    except ValueError:
        parsed = out.strip() or None
    return reply["rc"] == 0, parsed, err


def gate_ok_to_stop(runner, kind, ids, target, sole, timeout=None):
    ok, parsed, err = _ask(runner, "%s ok-to-stop" % kind, ids, timeout)
    evidence = {"daemons": ["%s.%s" % (kind, i) for i in ids], "ceph": parsed, "message": err, "sole": sole}
    if ok:
        return _gate("ok_to_stop", True, "Ceph says %s %s ok to stop" % (", ".join(evidence["daemons"]),
                                                                         "is" if len(ids) == 1 else "are"),
                     evidence, target)
    advice = {"osd": "wait until its PGs are active+clean, or restart fewer OSDs at once",
              "mon": "bring the other mons into quorum first",
              "mds": "start a standby MDS first"}[kind]
    if sole:
        advice = ("%s the cluster's only %s: stopping %s stops what %s until %s back"
                  % ("it is" if len(ids) == 1 else "they are", kind if len(ids) == 1 else kind + "s",
                     "it" if len(ids) == 1 else "them", "it serves" if len(ids) == 1 else "they serve",
                     "it is" if len(ids) == 1 else "they are"))
    return _gate("ok_to_stop", False, "%s not ok to stop: %s (%s)" % (target, err or "Ceph refused", advice),
                 evidence, target)


def gate_safe_to_destroy(runner, osd, timeout=None):
    _ok, parsed, err = _ask(runner, "osd safe-to-destroy", [osd], timeout)
    safe = isinstance(parsed, dict) and osd in (parsed.get("safe_to_destroy") or [])
    evidence = {"ceph": parsed, "message": err}
    target = "osd.%d" % osd
    if safe:
        return _gate("safe_to_destroy", True, "%s is safe to destroy (no PG needs it)" % target, evidence, target)
    why = err
    if isinstance(parsed, dict) and not why:
        reasons = [k for k in ("active", "missing_stats", "stored_pgs") if parsed.get(k)]
        why = "Ceph lists it under %s" % ", ".join(reasons) if reasons else "Ceph does not list it as safe"
    return _gate("safe_to_destroy", False, "%s is not safe to destroy: %s (mark it out and wait until its PGs have "
                 "moved: ceph osd out %d)" % (target, why, osd), evidence, target)


def _mds_has_standby(fs_dump):
    return bool((fs_dump or {}).get("standbys"))


def _by(metas, key, ident):
    for meta in metas or []:
        if str(meta.get(key)) == ident:
            return meta
    return {}


_START = "start it (or read its log, %s, for why it stopped)"


def _mon_state(ident, reads):
    """(up, state, advice or None for _START): a mon is up in quorum (quorum_status quorum_names)."""
    quorum = reads["quorum_status"].get("quorum_names", [])
    if ident in quorum:
        return True, "in quorum", None
    return False, "not in quorum (quorum: %s)" % (", ".join(quorum) or "none"), None


def _mgr_state(ident, reads):
    """A mgr is up as the active one (available) or a standby (mgr dump)."""
    dump = reads["mgr_dump"]
    standbys = [s.get("name") for s in dump.get("standbys", [])]
    if dump.get("active_name") == ident:
        if dump.get("available"):
            return True, "the active mgr", None
        return False, "the active mgr but not available yet", "wait until its modules have started (ceph mgr stat)"
    if ident in standbys:
        return True, "a standby mgr", None
    state = "not in the mgr map (active: %s, standbys: %s)" % (dump.get("active_name") or "none", ", ".join(standbys) or "none")
    return False, state, None


def _osd_state(ident, reads):
    """An OSD is up in the OSD map (osd dump)."""
    osd = [o for o in reads["osd_dump"].get("osds", []) if str(o.get("osd")) == ident][0]
    state = "%s in the OSD map%s" % ("up" if osd.get("up") else "down", "" if osd.get("in") else " (and out)")
    return bool(osd.get("up")), state, None


def _mds_state(ident, reads):
    """An MDS is up as up:active or up:standby-replay of a filesystem, or as a standby (fs dump)."""
    fs_dump = reads["fs_dump"]
    for fs in fs_dump.get("filesystems", []):
        mdsmap = fs.get("mdsmap", {})
        for info in mdsmap.get("info", {}).values():
            if info.get("name") == ident:
                state = "%s in filesystem %s" % (info.get("state"), mdsmap.get("fs_name"))
                if info.get("state") in MDS_READY_STATES:
                    return True, state, None
                return False, state, "wait until it is up:active (ceph fs status)"
    for info in fs_dump.get("standbys", []):
        if info.get("name") == ident:
            return info.get("state") in MDS_READY_STATES, "a standby (%s)" % info.get("state"), None
    return False, "not in the fsmap (no filesystem or standby lists it)", None


def _rgw_state(ident, reads):
    """A radosgw is up in the service map (service dump, the newest entry of its id)."""
    if ident in reads["rgw"]:
        return True, "in the service map", None
    return False, "not in the service map", None


_STATES = {"mon": (_mon_state, "mon_meta", "name"), "mgr": (_mgr_state, "mgr_meta", "name"),
           "osd": (_osd_state, "osd_meta", "id"), "mds": (_mds_state, "mds_meta", "name"), "rgw": (_rgw_state, None, None)}


def gate_daemon_ready(name, reads, target=None):
    """Whether daemon ``name`` (mon.a, osd.1, rgw.ID, ...) is up and, with ``target`` (a version tuple),
    runs it. ``reads``: what the batch read (see judge()). The version is the running process's: the
    metadata a daemon sends when it joins (a mon joining quorum, an OSD booting, a mgr's or an MDS's
    first beacon, a radosgw's service map entry); a daemon that is not up keeps its last metadata, so
    only an up daemon's version counts."""
    kind, _sep, ident = name.partition(".")
    judge_state, metas, key = _STATES[kind]
    up, state, advice = judge_state(ident, reads)
    if kind == "rgw":
        meta = reads["rgw"][ident]["metadata"] if up else {}
    else:
        meta = _by(reads[metas], key, ident)
    version = meta_version(meta) if meta else None
    evidence = {"daemon": name, "type": kind, "up": up, "state": state, "version": version, "host": meta.get("hostname")}
    if target is not None:
        evidence["target_version"] = "%d.%d.%d" % target
    if not up:
        log = "ceph-%s.log%s" % ("client.rgw." + ident if kind == "rgw" else name,
                                 " on host %s" % meta["hostname"] if meta.get("hostname") else "")
        return _gate("daemon_ready", False, "%s is %s: %s" % (name, state, advice or _START % log), evidence, name)
    if target is not None and version_tuple(version or "") != target:
        return _gate("daemon_ready", False, "%s is %s but runs %s, wants %s: restart it from %s's packages or image"
                     % (name, state, version or "no version it reported", evidence["target_version"],
                        evidence["target_version"]), evidence, name)
    return _gate("daemon_ready", True, "%s is %s%s" % (name, state, " and runs %s" % version if version else ""),
                 evidence, name)


def _unknown_daemons(names, reads):
    """daemons_ready names the cluster cannot have: mons not in the monmap, OSDs not in the OSD map. (A mgr,
    MDS or radosgw that is down leaves the maps that would name it: for those, absent means down.)"""
    mons = [m["name"] for m in reads["quorum_status"].get("monmap", {}).get("mons", [])]
    osds = [str(o["osd"]) for o in reads["osd_dump"].get("osds", [])]
    for name in names:
        kind, _sep, ident = name.partition(".")
        known = {"mon": mons, "osd": osds}.get(kind)
        if known is not None and ident not in known:
            raise CephInputError("daemons_ready: the cluster has no %s (its %ss: %s)"
                                 % (name, kind, ", ".join("%s.%s" % (kind, k) for k in known) or "none"))


# What every run reads, in one round trip to the agent (runner.mon_batch_read).
READS = ({"prefix": "status"}, {"prefix": "health", "detail": "detail"}, {"prefix": "versions"}, {"prefix": "osd dump"},
         {"prefix": "osd df", "output_method": "tree"}, {"prefix": "quorum_status"}, {"prefix": "mon metadata"},
         {"prefix": "mgr metadata"}, {"prefix": "osd metadata"}, {"prefix": "mds metadata"}, {"prefix": "service dump"})
# Added to the batch only when a gate needs them: mgr dump for mgrs in daemons_ready, fs dump for MDSes in
# daemons_ready or ok_to_stop.
MGR_DUMP = {"prefix": "mgr dump"}
FS_DUMP = {"prefix": "fs dump"}


def gate_reads(params):
    """The batch one attempt reads: READS, plus mgr dump / fs dump when asked for."""
    kinds = set(n.partition(".")[0] for n in params.get("daemons_ready") or [])
    reads = list(READS)
    if "mgr" in kinds:
        reads.append(MGR_DUMP)
    if "mds" in kinds or any(n.partition(".")[0] == "mds" for n in params.get("ok_to_stop") or []):
        reads.append(FS_DUMP)
    return reads


def judge(runner, params, reads=None, timeout=None):
    """Read the cluster once (one batch) and judge every gate asked for. Returns the module's result
    (without the wait's ``waited`` and ``attempts``)."""
    reads = gate_reads(params) if reads is None else reads
    wanted = list(GATES) if params.get("gates") is None else params["gates"]
    allowed = set(params.get("allowed_checks") if params.get("allowed_checks") is not None else DEFAULT_ALLOWED_CHECKS)
    target = version_tuple(params["target_version"]) if params.get("target_version") else None
    answers = dict(zip([r["prefix"] for r in reads], runner.mon_batch_read(reads, timeout)))
    osd_dump, osd_df_tree, quorum_status = answers["osd dump"], answers["osd df"], answers["quorum_status"]
    daemon_list = daemons(answers["mon metadata"], answers["mgr metadata"], answers["osd metadata"],
                          answers["mds metadata"], answers["service dump"])
    state = {"quorum_status": quorum_status, "osd_dump": osd_dump, "mgr_dump": answers.get("mgr dump"),
             "fs_dump": answers.get("fs dump"), "rgw": rgw_daemons(answers["service dump"]),
             "mon_meta": answers["mon metadata"], "mgr_meta": answers["mgr metadata"],
             "osd_meta": answers["osd metadata"], "mds_meta": answers["mds metadata"]}
    ready = list(dict.fromkeys(params.get("daemons_ready") or []))  # each once, in the order asked
    _unknown_daemons(ready, state)
    todo = plan(daemon_list, target) if target else []
    # a run resuming an upgrade (some daemon already on the target) is judged as the roll left the cluster
    resumed = target is not None and len(todo) < len(daemon_list)
    if resumed:
        allowed |= set(params.get("rolling_checks") or [])
    judge_gate = {
        "health": lambda: gate_health(answers["health"], allowed),
        "pgs": lambda: gate_pgs(answers["status"]),
        "osds": lambda: gate_osds(osd_dump),
        "mons": lambda: gate_mons(quorum_status),
        "pool_min_size": lambda: gate_pool_min_size(osd_dump),
        "versions": lambda: gate_versions(answers["versions"], osd_dump, target),
        "capacity": lambda: gate_capacity(osd_df_tree, osd_dump, params.get("capacity_unit") or "host"),
        "flags": lambda: gate_flags(osd_dump),
    }
    gates = [judge_gate[name]() for name in GATES if name in wanted]
    known = set(d["name"] for d in daemon_list)
    asks = []
    for name in params.get("ok_to_stop") or []:
        kind, _sep, ident = name.partition(".")
        if name not in known:
            raise CephInputError("ok_to_stop: the cluster has no daemon %s (it has %s)"
                                 % (name, ", ".join(d["name"] for d in daemon_list if d["type"] == kind) or "none of that type"))
        sole = {"mon": len(quorum_status.get("monmap", {}).get("mons", [])) == 1,
                "mds": kind == "mds" and not _mds_has_standby(answers.get("fs dump")),
                "osd": len(osd_dump.get("osds", [])) == 1}[kind]
        asks.append((kind, [ident], name, sole))
    for host in params.get("ok_to_stop_hosts") or []:
        ids = host_osds(osd_df_tree, host)
        if not ids:
            gates.append(_gate("ok_to_stop", True, "host %s holds no OSD" % host, {"daemons": []}, "host " + host))
            continue
        asks.append(("osd", ids, "host %s (%s)" % (host, ", ".join("osd.%d" % i for i in ids)),
                     len(osd_dump.get("osds", [])) == len(ids)))
    gates += [gate_ok_to_stop(runner, kind, ids, name, sole, timeout) for kind, ids, name, sole in asks]
    for osd in params.get("safe_to_destroy") or []:
        gates.append(gate_safe_to_destroy(runner, osd, timeout))
    gates += [gate_daemon_ready(name, state, target) for name in ready]
    failed = [g for g in gates if not g["passed"]]
    result = {
        "changed": False,
        "passed": not failed,
        "gates": gates,
        "failed_gates": ["%s: %s" % (g.get("target") or g["name"], g["msg"]) for g in failed],
        "daemons": daemon_list,
        "require_osd_release": osd_dump.get("require_osd_release"),
        "flags": gate_flags(osd_dump)["evidence"]["flags"],
        "plan": todo,
        "resumed": resumed,
    }
    if target:
        result["target"] = {"version": "%d.%d.%d" % target, "release": CEPH_RELEASES.get(target[0]), "major": target[0]}
    return result


def _ended_on(error, waited, timeout):
    """The error a wait ended on, its message saying so (and what a mgr read timing out means)."""
    msg = error.msg
    cmd = error.cmd or ""
    if any(cmd.startswith("ceph %s" % prefix) for prefix in MGR_READS):
        msg += " (a read the active mgr answers: is a mgr active? ceph mgr stat; start it or read its log)"
    if timeout:
        msg += " - the wait for the gates ended on this error after %.1fs and %d attempt%s" % (
            waited.waited, waited.attempts, "" if waited.attempts == 1 else "s")
        if waited.value is not None and waited.value["failed_gates"]:
            msg += "; the last attempt that read the cluster had closed: %s" % "; ".join(waited.value["failed_gates"])
    return type(error)(msg, cmd=error.cmd, rc=error.rc, stderr=error.stderr, stdout=error.stdout)


def hopeless(gates):
    """Whether every closed gate is one no wait opens: ok-to-stop of the cluster's only mon or only MDS."""
    closed = [g for g in gates if not g["passed"]]
    return bool(closed) and all(g["name"] == "ok_to_stop" and (g.get("evidence") or {}).get("sole") for g in closed)


def evaluate(runner, params, clock=time.monotonic, sleep=time.sleep):
    """Judge every gate asked for, once (``wait_timeout`` 0) or again and again through waiting.poll (one
    batch and the ok-to-stop asks per attempt) until all pass or ``wait_timeout`` seconds have passed.
    Returns the module's result with ``waited`` (seconds) and ``attempts``."""
    reads = gate_reads(params)
    timeout = float(params.get("wait_timeout") or 0)
    interval = float(params.get("wait_interval") or 0.25)
    deadline = clock() + timeout

    def attempt():
        # while waiting, no read blocks past the wait's end (the runner's timeout bounds it otherwise)
        per_read = max(1, min(runner.timeout, int(math.ceil(deadline - clock())))) if timeout else None
        result = judge(runner, params, reads, per_read)
        return result["passed"] or hopeless(result["gates"]), result

    waited = poll(attempt, timeout, interval, retry=not_yet, clock=clock, sleep=sleep)
    if waited.error is not None:
        raise _ended_on(waited.error, waited, timeout)
    result = waited.value
    result["waited"] = round(waited.waited, 3)
    result["attempts"] = waited.attempts
    return result
