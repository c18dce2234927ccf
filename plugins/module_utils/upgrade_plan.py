# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling upgrade's plan, from what koor.ceph.ceph_upgrade_gate_info returned: the lines it
prints (each step with its versions, every gate with its state) and the daemons that are the only
one of their kind (Ceph never says they are ok to stop). Pure functions; the ceph_upgrade role
uses them through filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SOLE_TYPES = ("mon", "mds")
_WHAT = {"mon": "the cluster stops (no mon quorum)", "mds": "its filesystem stops (no active MDS)"}


def _check(result):
    if not isinstance(result, dict) or "daemons" not in result or "gates" not in result:
        raise ValueError("expects what koor.ceph.ceph_upgrade_gate_info returned (daemons, gates, plan)")


def sole_daemons(result):
    """The daemons of the plan that are the cluster's only mon, or its only MDS (no standby)."""
    _check(result)
    counts = {}
    for daemon in result["daemons"]:
        counts[daemon["type"]] = counts.get(daemon["type"], 0) + 1
    plan = set(result.get("plan") or [])
    return [d["name"] for d in result["daemons"]
            if d["name"] in plan and d["type"] in SOLE_TYPES and counts[d["type"]] == 1]


def sole_outage(result):
    """What restarting the sole daemons stops, in words ('' when none)."""
    by_name = dict((d["name"], d) for d in result["daemons"])
    return " and ".join(sorted(set(_WHAT[by_name[n]["type"]] for n in sole_daemons(result))))


def plan_lines(result, require_osd_release=True):
    """The upgrade as printed before anything changes (and all that --check shows)."""
    _check(result)
    target = result.get("target") or {}
    by_name = dict((d["name"], d) for d in result["daemons"])
    todo = [by_name[n] for n in result.get("plan") or [] if n in by_name]
    lines = ["Ceph %s (%s): %d of %d daemons to restart" % (target.get("version"), target.get("release"), len(todo),
                                                            len(result["daemons"]))]
    for daemon in todo:
        lines.append("  restart %s on %s: %s -> %s" % (daemon["name"], daemon.get("host") or "?", daemon.get("version"),
                                                       target.get("version")))
    current = result.get("require_osd_release")
    if require_osd_release and current != target.get("release"):
        lines.append("  then require-osd-release %s (now %s)" % (target.get("release"), current))
    elif not todo:
        lines.append("  nothing to do: every daemon runs %s and require-osd-release is %s" % (target.get("version"), current))
    sole = sole_daemons(result)
    if sole:
        lines.append("  %s: the only one of its kind, Ceph never says ok-to-stop (%s while it restarts)"
                     % (", ".join(sole), sole_outage(result)))
    lines.append("gates:")
    for gate in result["gates"]:
        lines.append("  [%s] %s: %s" % ("ok" if gate["passed"] else "CLOSED", gate.get("target") or gate["name"], gate["msg"]))
    return lines
