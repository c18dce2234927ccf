# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bundle's raw reads, normalised into the facts the checks read (pure: no I/O).

Every fact keeps where it came from: ``facts["sources"][section]`` is the command line of the read, and a
section whose read failed (or is missing from a bundle) is None, so the checks that need it report that they
could not run instead of a result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.koor.ceph.plugins.module_utils import health as _health
from ansible_collections.koor.ceph.plugins.module_utils import status as _status
from ansible_collections.koor.ceph.plugins.module_utils.assessment.gather import command_line

# Flags every current cluster has set: not a finding.
BASE_FLAGS = frozenset(("sortbitwise", "recovery_deletes", "purged_snapdirs", "pglog_hardlimit"))
RELEASE_ORDER = ("jewel", "kraken", "luminous", "mimic", "nautilus", "octopus", "pacific", "quincy", "reef",
                 "squid", "tentacle", "umbrella")
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)")


def parse_time(text):
    """A Ceph timestamp ('2026-12-03T07:24:32.808749+0000', '2026-12-03 07:24:32.8Z', ...) as UTC, or None."""
    match = _STAMP.match(str(text or ""))
    if not match:
        return None
    stamp = datetime.datetime.strptime("%s %s" % match.groups(), "%Y-%m-%d %H:%M:%S")
    return stamp.replace(tzinfo=datetime.timezone.utc)


def release_rank(name):
    """The order of a release name (jewel < ... < tentacle), -1 when unknown."""
    try:
        return RELEASE_ORDER.index(str(name).lower())
    except ValueError:
        return -1


def version_tuple(text):
    parts = re.findall(r"\d+", str(text or ""))[:3]
    return tuple(int(p) for p in parts) if len(parts) == 3 else None


def _get(raw, name):
    return raw.get(name)


def _health_facts(raw):
    value = _get(raw, "health_detail")
    if value is None:
        status = _get(raw, "status")
        value = status.get("health") if status else None
    if value is None:
        return None
    checks = {}
    for check in _health.health_checks(value):
        checks[check["name"]] = check
    return {"status": _health.health_status(value), "checks": checks}


def _pools(raw):
    dump = _get(raw, "osd_dump")
    if dump is None:
        return None
    profiles = dump.get("erasure_code_profiles") or {}
    df = dict((p["name"], p.get("stats", {})) for p in (_get(raw, "df") or {}).get("pools", []))
    pools = []
    for pool in dump.get("pools", []):
        erasure = pool.get("type") == 3
        profile = profiles.get(pool.get("erasure_code_profile") or "", {}) if erasure else {}
        stats = df.get(pool["pool_name"])
        pools.append({
            "name": pool["pool_name"], "id": pool["pool"], "type": "erasure" if erasure else "replicated",
            "size": pool.get("size"), "min_size": pool.get("min_size"), "crush_rule": pool.get("crush_rule"),
            "pg_num": pool.get("pg_num"), "pgp_num": pool.get("pg_placement_num"),
            "pg_autoscale_mode": pool.get("pg_autoscale_mode"),
            "k": int(profile["k"]) if profile.get("k") else None, "m": int(profile["m"]) if profile.get("m") else None,
            "erasure_code_profile": pool.get("erasure_code_profile") or None,
            "applications": sorted((pool.get("application_metadata") or {}).keys()),
            "quota_max_bytes": pool.get("quota_max_bytes", 0), "quota_max_objects": pool.get("quota_max_objects", 0),
            "percent_used": None if stats is None else stats.get("percent_used"),
            "stored_bytes": None if stats is None else stats.get("stored"),
            "objects": None if stats is None else stats.get("objects"),
            "max_avail_bytes": None if stats is None else stats.get("max_avail"),
        })
    return pools


def _tree(raw):
    """osd df tree -> nodes by id, each OSD's host, every bucket's OSDs."""
    tree = _get(raw, "osd_df_tree")
    if tree is None:
        return None
    nodes = dict((n["id"], n) for n in tree.get("nodes", []))
    parents = {}
    for node in nodes.values():
        for child in node.get("children", []):
            parents[child] = node["id"]
    buckets = {}
    for node in nodes.values():
        if node.get("type") == "osd":
            continue
        osds, todo = [], list(node.get("children", []))
        while todo:
            child = nodes.get(todo.pop())
            if child is None:
                continue
            if child.get("type") == "osd":
                osds.append(child["id"])
            else:
                todo.extend(child.get("children", []))
        buckets[node["id"]] = {"name": node["name"], "type": node["type"], "osds": sorted(osds),
                               "crush_weight": sum(nodes[o].get("crush_weight", 0) for o in osds if o in nodes),
                               "kb": node.get("kb", 0), "kb_used": node.get("kb_used", 0)}
    return {"nodes": nodes, "parents": parents, "buckets": buckets, "summary": tree.get("summary") or {}}


def _ancestor(tree, osd_id, bucket_type):
    node = osd_id
    while node in tree["parents"]:
        node = tree["parents"][node]
        if tree["nodes"].get(node, {}).get("type") == bucket_type:
            return tree["nodes"][node]["name"]
    return None


def _running(raw):
    config = {}
    for name, value in raw.items():
        if name.startswith("config_show.") and value is not None:
            config[name[len("config_show."):]] = dict((e["name"], e.get("value")) for e in value)
    return config


def _osds(raw, tree):
    dump = _get(raw, "osd_dump")
    if dump is None:
        return None
    metadata = dict((m["id"], m) for m in (_get(raw, "osd_metadata") or []))
    running = _running(raw)
    osds = []
    for osd in dump.get("osds", []):
        oid = osd["osd"]
        node = (tree or {"nodes": {}})["nodes"].get(oid, {})
        meta = metadata.get(oid, {})
        conf = running.get("osd.%d" % oid, {})
        osds.append({
            "id": oid, "name": "osd.%d" % oid, "up": bool(osd.get("up")), "in": bool(osd.get("in")),
            "reweight": osd.get("weight"), "primary_affinity": osd.get("primary_affinity"),
            "state": [s for s in osd.get("state", []) if s not in ("exists", "up")],
            "crush_weight": node.get("crush_weight"), "device_class": node.get("device_class"),
            "utilization": None if not node else node.get("utilization", 0) / 100.0,
            "kb": node.get("kb"), "pgs": node.get("pgs"),
            "host": _ancestor(tree, oid, "host") if tree else meta.get("hostname"),
            "hostname": meta.get("hostname"), "objectstore": meta.get("osd_objectstore"),
            "version": meta.get("ceph_version_short"), "mem_total_kb": _int(meta.get("mem_total_kb")),
            "rotational": meta.get("rotational"), "min_alloc_size": _int(meta.get("bluestore_min_alloc_size")),
            "osd_memory_target": _int(conf.get("osd_memory_target")) if conf else None,
        })
    return osds


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rules(raw):
    crush = _get(raw, "osd_crush_dump")
    if crush is None:
        return None
    rules = {}
    for rule in crush.get("rules", []):
        domain, root = None, None
        for step in rule.get("steps", []):
            if step.get("op") == "take":
                root = step.get("item_name")
            if step.get("op", "").startswith(("choose", "chooseleaf")):
                domain = step.get("type")
        rules[rule["rule_id"]] = {"name": rule.get("rule_name"), "failure_domain": domain, "root": root}
    return rules


def _pgs(raw):
    status = _get(raw, "status")
    summary = _health.pg_summary(status) if status else None
    dump = _get(raw, "pg_dump")
    listing = (dump or {}).get("pg_stats") if dump is not None else None
    if summary is None and listing is None:
        return None
    return {"summary": summary, "list": listing}


def _mons(raw):
    monmap = _get(raw, "mon_dump")
    if monmap is None:
        return None
    quorum = set((_get(raw, "quorum_status") or _get(raw, "status") or {}).get("quorum_names", []))
    metadata = dict((m.get("name"), m) for m in (_get(raw, "mon_metadata") or []))
    mons = []
    for mon in monmap.get("mons", []):
        addrs = (mon.get("public_addrs") or {}).get("addrvec", [])
        mons.append({"name": mon["name"], "rank": mon.get("rank"), "in_quorum": mon["name"] in quorum,
                     "v2": any(a.get("type") == "v2" for a in addrs),
                     "host": metadata.get(mon["name"], {}).get("hostname")})
    return mons


def _filesystems(raw):
    fsmap = _get(raw, "fs_dump")
    if fsmap is None:
        return None
    standbys = len(fsmap.get("standbys", []))
    result = []
    for fs in fsmap.get("filesystems", []):
        mdsmap = fs.get("mdsmap", {})
        infos = list((mdsmap.get("info") or {}).values())
        result.append({
            "name": mdsmap.get("fs_name"), "max_mds": mdsmap.get("max_mds"),
            "active": sum(1 for i in infos if i.get("state") == "up:active"),
            "standby_replay": sum(1 for i in infos if i.get("state") == "up:standby-replay"),
            "standby_count_wanted": mdsmap.get("standby_count_wanted"),
            "failed": list(mdsmap.get("failed", [])), "damaged": list(mdsmap.get("damaged", [])),
            "standbys_available": standbys,
        })
    return result


def _mgr(raw):
    dump = _get(raw, "mgr_dump")
    if dump is None:
        return None
    modules = _get(raw, "mgr_module_ls") or {}
    failing = [m["name"] for m in modules.get("disabled_modules", [])
               if m.get("can_run") is False and m.get("name") in (dump.get("modules") or [])]
    return {"active": dump.get("active_name"), "available": bool(dump.get("available")),
            "standbys": [s["name"] for s in dump.get("standbys", [])],
            "enabled_modules": sorted(set(modules.get("enabled_modules", dump.get("modules") or []))),
            "failing_modules": failing}


def _config_db(raw):
    dump = _get(raw, "config_dump")
    if dump is None:
        return None
    return [{"section": e.get("section"), "name": e.get("name"), "value": e.get("value")} for e in dump]


def _time_skew(raw):
    sync = _get(raw, "time_sync_status")
    if sync is None:
        return None
    skew = {}
    for mon, values in (sync.get("time_skew_status") or {}).items():
        skew[mon] = {"skew": float(values.get("skew", 0) or 0), "health": values.get("health")}
    return skew


def _rook(bundle):
    """The Rook reads (rook_gather.py) normalised: the CephCluster, its image and Ceph version, the operator (its
    image's tag is the Rook version), the toolbox, and the lists as read. None outside Rook mode."""
    raw = bundle.get("rook")
    if not raw:
        return None
    from ansible_collections.koor.ceph.plugins.module_utils.rook_cluster import image_tag, short_version  # pylint: disable=import-outside-toplevel
    clusters = raw.get("cephclusters") or []
    cluster = clusters[0] if clusters else None
    deployments = raw.get("deployments") or []
    operator = [d for d in deployments if d["template_labels"].get("app") == "rook-ceph-operator"]
    toolbox = [d for d in deployments if d["template_labels"].get("app") == "rook-ceph-tools"]
    image = ((cluster or {}).get("spec") or {}).get("cephVersion", {}).get("image")
    running = short_version(((cluster or {}).get("status") or {}).get("version", {}).get("version")
                            if isinstance(((cluster or {}).get("status") or {}).get("version"), dict) else None)
    return {
        "cluster": cluster, "clusters": clusters, "resources": raw.get("resources") or [],
        "ceph_image": image, "ceph_version": running or (image_tag(image) or "").lstrip("v") or None,
        "operator": None if not operator else {"name": operator[0]["metadata"]["name"],
                                               "image": (operator[0]["containers"] or [{}])[0].get("image"),
                                               "rook_version": image_tag((operator[0]["containers"] or [{}])[0].get("image"))},
        "toolbox": None if not toolbox else {"name": toolbox[0]["metadata"]["name"],
                                             "image": (toolbox[0]["containers"] or [{}])[0].get("image")},
        "deployments": deployments, "pods": raw.get("pods") or [], "nodes": raw.get("nodes") or [],
        "pdbs": raw.get("pdbs"), "operator_config": raw.get("operator_config") or {},
        "kubernetes_version": raw.get("kubernetes_version"), "target": raw.get("target") or {},
    }


def build(bundle):
    """The facts of a bundle (see gather.collect for its shape)."""
    raw = bundle.get("ceph") or {}
    tree = _tree(raw)
    status = _get(raw, "status")
    versions_raw = _get(raw, "versions")
    df = _get(raw, "df")
    dump = _get(raw, "osd_dump")
    facts = {
        "now": parse_time(bundle.get("collected_at")) or datetime.datetime.now(datetime.timezone.utc),
        "health": _health_facts(raw),
        "osd_map": None if dump is None else {
            "nearfull_ratio": dump.get("nearfull_ratio"), "backfillfull_ratio": dump.get("backfillfull_ratio"),
            "full_ratio": dump.get("full_ratio"),
            "flags": sorted(set(dump.get("flags_set") or []) - BASE_FLAGS),
            "crush_node_flags": dump.get("crush_node_flags") or {},
            "device_class_flags": dump.get("device_class_flags") or {},
            "require_osd_release": dump.get("require_osd_release"),
            "require_min_compat_client": dump.get("require_min_compat_client"),
        },
        "capacity": None if df is None else {
            "total_bytes": df.get("stats", {}).get("total_bytes", 0),
            "used_bytes": df.get("stats", {}).get("total_used_raw_bytes", 0),
            "used_ratio": df.get("stats", {}).get("total_used_raw_ratio", 0.0)},
        "tree": tree,
        "osds": _osds(raw, tree),
        "pools": _pools(raw),
        "rules": _rules(raw),
        "pgs": _pgs(raw),
        "versions": None if versions_raw is None else dict(_status.summarise_versions(versions_raw), raw=versions_raw),
        "mons": _mons(raw),
        "mon_ciphers": None if _get(raw, "mon_dump") is None else [
            c.get("name") for c in _get(raw, "mon_dump").get("auth_allowed_ciphers") or []],
        "mgr": _mgr(raw),
        "balancer": _get(raw, "balancer_status"),
        "filesystems": _filesystems(raw),
        "crashes": _get(raw, "crash_ls"),
        "auth": None if _get(raw, "auth_ls") is None else _get(raw, "auth_ls").get("auth_dump", []),
        "running_config": _running(raw),
        "config_db": _config_db(raw),
        "time_skew": _time_skew(raw),
        "rgw_users": raw.get("rgw_users"),
        "status": status,
        "errors": dict(bundle.get("errors") or {}),
        "rook": _rook(bundle),
    }
    facts["sources"] = dict((name, command_line(name)) for name in raw)
    return facts
