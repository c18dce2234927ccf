# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster status: read once through the runner, normalised for playbooks and reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.koor.ceph.plugins.module_utils import health

_VERSION_RE = re.compile(r"ceph version (\S+) \((\w+)\) (\w+) \(([^)]*)\)")


def parse_version(text):
    """'ceph version 20.2.4 (7f79...) tentacle (stable - RelWithDebInfo)' -> dict."""
    match = _VERSION_RE.match(text or "")
    if not match:
        return {"version": text, "commit": None, "release": None, "channel": None}
    version, commit, release, channel = match.groups()
    return {"version": version, "commit": commit, "release": release, "channel": channel.split(" - ")[0]}


def summarise_versions(raw):
    """`ceph versions` -> per daemon type {version: count}, the releases, and whether mixed."""
    by_type = {}
    for daemon_type, counts in (raw or {}).items():
        if daemon_type == "overall":
            continue
        by_type[daemon_type] = {}
        for text, count in counts.items():
            version = parse_version(text)["version"]
            by_type[daemon_type][version] = by_type[daemon_type].get(version, 0) + count
    overall = {}
    releases = set()
    for text, count in (raw or {}).get("overall", {}).items():
        parsed = parse_version(text)
        overall[parsed["version"]] = overall.get(parsed["version"], 0) + count
        if parsed["release"]:
            releases.add(parsed["release"])
    return {
        "by_type": by_type,
        "overall": overall,
        "releases": sorted(releases),
        "mixed": len(overall) > 1,
        "mixed_types": sorted(t for t, v in by_type.items() if len(v) > 1),
    }


def summarise_pools(df):
    pools = []
    for pool in (df or {}).get("pools", []):
        stats = pool.get("stats", {})
        pools.append({
            "name": pool["name"],
            "id": pool["id"],
            "stored_bytes": stats.get("stored", 0),
            "used_bytes": stats.get("bytes_used", 0),
            "objects": stats.get("objects", 0),
            "max_avail_bytes": stats.get("max_avail", 0),
            "used_ratio": stats.get("percent_used", 0.0),
        })
    return pools


def gather(runner):
    """Read the cluster's status with four commands over the runner's one connection."""
    raw_status = runner.mon("status")
    raw_health = runner.mon("health", detail="detail")
    raw_versions = runner.mon("versions")
    raw_df = runner.mon("df")
    return build(raw_status, raw_health, raw_versions, raw_df)


def build(raw_status, raw_health, raw_versions, raw_df):
    """Pure: the normalised status from the four raw JSON documents."""
    osdmap = raw_status.get("osdmap", {})
    osdmap = osdmap.get("osdmap", osdmap)  # older releases nest it once more
    stats = (raw_df or {}).get("stats", {})
    total = stats.get("total_bytes", raw_status.get("pgmap", {}).get("bytes_total", 0))
    used = stats.get("total_used_raw_bytes", raw_status.get("pgmap", {}).get("bytes_used", 0))
    avail = stats.get("total_avail_bytes", raw_status.get("pgmap", {}).get("bytes_avail", 0))
    checks = health.health_checks(raw_health)
    quorum = raw_status.get("quorum_names", [])
    num_mons = raw_status.get("monmap", {}).get("num_mons", len(quorum))
    fsmap = raw_status.get("fsmap", {})
    mgrmap = raw_status.get("mgrmap", {})
    return {
        "fsid": raw_status.get("fsid"),
        "health": {
            "status": raw_health.get("status"),
            "checks": checks,
            "muted": [c["name"] for c in checks if c["muted"]],
        },
        "versions": summarise_versions(raw_versions),
        "mon": {"count": num_mons, "quorum": quorum, "in_quorum": len(quorum),
                "out_of_quorum": max(0, num_mons - len(quorum))},
        "mgr": {"available": bool(mgrmap.get("available")), "standbys": mgrmap.get("num_standbys", 0)},
        "osd": {"total": osdmap.get("num_osds", 0), "up": osdmap.get("num_up_osds", 0),
                "in": osdmap.get("num_in_osds", 0),
                "down": osdmap.get("num_osds", 0) - osdmap.get("num_up_osds", 0),
                "out": osdmap.get("num_osds", 0) - osdmap.get("num_in_osds", 0),
                "remapped_pgs": osdmap.get("num_remapped_pgs", 0)},
        "mds": {"up": fsmap.get("up", 0), "in": fsmap.get("in", 0),
                "standby": fsmap.get("up:standby", 0)},
        "pgs": health.pg_summary(raw_status),
        "capacity": {"total_bytes": total, "used_bytes": used, "avail_bytes": avail,
                     "used_ratio": round(float(used) / total, 6) if total else 0.0},
        "pools": summarise_pools(raw_df),
    }
