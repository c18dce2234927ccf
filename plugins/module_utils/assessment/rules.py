# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evaluators the checks of checks.py name (``rule``), each ``rule(facts, params, thresholds)`` returning
hits: ``{"subject", "message", "evidence": [ev(...)]}``. Generic ones (``items``, ``fact``, ``health_codes``)
take their whole condition from the check's data; the others compute what a condition cannot say (CRUSH
failure domains, scrub ages, version tables, ...). Pure functions of the facts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import re

from ansible_collections.koor.ceph.plugins.module_utils.assessment import releases
from ansible_collections.koor.ceph.plugins.module_utils.assessment.facts import (
    parse_time, release_rank, version_tuple)
from ansible_collections.koor.ceph.plugins.module_utils.assessment.gather import command_line

GIB = 1024 ** 3


class NotEvaluated(Exception):
    """A check could not run: the read it needs failed or is not in the bundle."""


def ev(source, field, value):
    """One piece of evidence: the value, the field it is, the read it came from."""
    return {"source": command_line(source) if not source.startswith(("ceph ", "radosgw", "kubectl", "rook")) else source,
            "field": field, "value": value}


def need(facts, *sections):
    values = []
    for section in sections:
        value = facts.get(section)
        if value is None:
            raise NotEvaluated("no data for %s%s" % (section, _why(facts, section)))
        values.append(value)
    return values[0] if len(values) == 1 else values


def _why(facts, section):
    errors = facts.get("errors") or {}
    return " (failed reads: %s)" % "; ".join(text for _name, text in sorted(errors.items())) if errors else ""


def _dig(obj, path):
    for part in path.split("."):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


# --- the generic condition ---------------------------------------------------------------
OPS = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "in": lambda a, b: a in b, "empty": lambda a, b: not a, "not_empty": lambda a, b: bool(a),
}


def _value(spec, item, facts, thresholds):
    """A condition's right-hand side: a literal, {"threshold": name}, {"field": name} of the item, or
    {"fact": "a.b"} of the facts."""
    if isinstance(spec, dict):
        if "threshold" in spec:
            return thresholds[spec["threshold"]]
        if "field" in spec:
            return item.get(spec["field"])
        if "fact" in spec:
            return _dig(facts, spec["fact"])
    return spec


def _holds(conditions, item, facts, thresholds):
    for field, op, spec in conditions:
        if not OPS[op](item.get(field), _value(spec, item, facts, thresholds)):
            return False
    return True


# The read each item field of facts.py comes from (where it is not the check's own ``source``), and the
# fields facts.py keeps in another unit than the read (Ceph prints utilization in percent).
FIELD_SOURCES = {
    "osds": {"up": "osd_dump", "in": "osd_dump", "reweight": "osd_dump", "primary_affinity": "osd_dump",
             "state": "osd_dump", "utilization": "osd_df_tree", "crush_weight": "osd_df_tree", "pgs": "osd_df_tree",
             "objectstore": "osd_metadata", "osd_memory_target": "ceph config show osd.*"},
    "pools": {"percent_used": "df", "stored_bytes": "df", "objects": "df", "max_avail_bytes": "df"},
    "mons": {"in_quorum": "quorum_status", "v2": "mon_dump", "host": "mon_metadata"},
}
FIELD_LABELS = {"utilization": "utilization / 100", "objectstore": "osd_objectstore", "reweight": "weight",
                "in_quorum": "in quorum_names", "v2": "public_addrs has v2"}


def items(facts, params, thresholds):
    """Every item of a facts list (``items``: pools, osds, ...) for which all conditions (``when``: [field, op,
    value]) hold; the evidence is the fields the conditions name (``show`` adds others), from ``source``."""
    listing = need(facts, params["items"])
    hits = []
    for item in listing:
        if not _holds(params["when"], item, facts, thresholds):
            continue
        fields = [c[0] for c in params["when"]] + list(params.get("show", []))
        evidence = []
        for field in dict.fromkeys(fields):
            source = FIELD_SOURCES.get(params["items"], {}).get(field, params["source"])
            evidence.append(ev(source, "%s[%s].%s" % (params["items"], item[params["key"]], FIELD_LABELS.get(field, field)),
                               item.get(field)))
        for _field, _op, spec in params["when"]:
            if isinstance(spec, dict) and "fact" in spec:
                evidence.append(ev(params.get("fact_source", params["source"]), spec["fact"].split(".")[-1],
                                   _dig(facts, spec["fact"])))
            if isinstance(spec, dict) and "threshold" in spec:
                evidence.append({"source": "threshold", "field": spec["threshold"], "value": thresholds[spec["threshold"]]})
        values = dict(item)
        values.update(("t_" + k, v) for k, v in thresholds.items())
        values.update(("f_" + spec["fact"].split(".")[-1], _dig(facts, spec["fact"]))
                      for _f, _o, spec in params["when"] if isinstance(spec, dict) and "fact" in spec)
        hits.append({"subject": params["subject"].format(**values), "message": params["message"].format(**values),
                     "evidence": evidence})
    return hits


def fact(facts, params, thresholds):
    """One fact (``fact``: a.b) compared (``op``) with a value, as in items()."""
    section = params["fact"].split(".")[0]
    need(facts, section)
    value = _dig(facts, params["fact"])
    other = _value(params["value"], {}, facts, thresholds)
    if not OPS[params["op"]](value, other):
        return []
    evidence = [ev(params["source"], params["field"], value)]
    if isinstance(params["value"], dict) and "threshold" in params["value"]:
        evidence.append({"source": "threshold", "field": params["value"]["threshold"], "value": other})
    if isinstance(params["value"], dict) and "fact" in params["value"]:
        evidence.append(ev(params["value_source"], params["value"]["fact"].split(".")[-1], other))
    return [{"subject": params.get("subject", "cluster"),
             "message": params["message"].format(value=value, other=other), "evidence": evidence}]


def health_codes(facts, params, thresholds):
    """Ceph's own health checks of ``codes`` (glob patterns), with their summary and detail."""
    health = need(facts, "health")
    hits = []
    for code, check in sorted(health["checks"].items()):
        if not any(fnmatch.fnmatch(code, pattern) for pattern in params["codes"]):
            continue
        evidence = [ev("health_detail", "checks.%s.severity" % code, check["severity"]),
                    ev("health_detail", "checks.%s.summary" % code, check["summary"])]
        evidence += [ev("health_detail", "checks.%s.detail[%d]" % (code, i), line)
                     for i, line in enumerate(check["detail"][:10])]
        hits.append({"subject": code, "message": "Ceph reports %s: %s" % (code, check["summary"]), "evidence": evidence})
    return hits


def health_other(facts, params, thresholds):
    """Ceph health checks of a severity that no other check of the assessment covers (``covered``, filled in
    by the engine), so nothing Ceph raises is lost."""
    health = need(facts, "health")
    hits = []
    for code, check in sorted(health["checks"].items()):
        if check["severity"] != params["severity"] or code in params["covered"]:
            continue
        evidence = [ev("health_detail", "checks.%s.summary" % code, check["summary"])]
        evidence += [ev("health_detail", "checks.%s.detail[%d]" % (code, i), line)
                     for i, line in enumerate(check["detail"][:10])]
        hits.append({"subject": code, "message": "Ceph reports %s: %s" % (code, check["summary"]), "evidence": evidence})
    return hits


# --- capacity ------------------------------------------------------------------------------
def ratio_order(facts, params, thresholds):
    osd_map = need(facts, "osd_map")
    near, back, full = (osd_map[k] for k in ("nearfull_ratio", "backfillfull_ratio", "full_ratio"))
    if near < back < full and full <= 1:
        return []
    return [{"subject": "cluster", "message": "the full ratios are out of order: nearfull %.3f, backfillfull %.3f, "
             "full %.3f (need nearfull < backfillfull < full <= 1)" % (near, back, full),
             "evidence": [ev("osd_dump", k, osd_map[k]) for k in ("nearfull_ratio", "backfillfull_ratio", "full_ratio")]}]


CEPH_RATIO_DEFAULTS = {"nearfull_ratio": 0.85, "backfillfull_ratio": 0.90, "full_ratio": 0.95}


def ratios_above_default(facts, params, thresholds):
    osd_map = need(facts, "osd_map")
    high = [k for k, default in sorted(CEPH_RATIO_DEFAULTS.items()) if osd_map[k] > default + 1e-6]
    if not high:
        return []
    return [{"subject": "cluster", "message": "ratios raised above Ceph's defaults: %s" % ", ".join(
        "%s %.2f (default %.2f)" % (k, osd_map[k], CEPH_RATIO_DEFAULTS[k]) for k in high),
        "evidence": [ev("osd_dump", k, osd_map[k]) for k in high]}]


def host_loss_capacity(facts, params, thresholds):
    tree, osd_map, capacity = need(facts, "tree", "osd_map", "capacity")
    hosts = [b for b in tree["buckets"].values() if b["type"] == "host" and b["osds"]]
    if len(hosts) < 2 or not capacity["total_bytes"]:
        return []
    largest = max(hosts, key=lambda b: b["kb"])
    left = capacity["total_bytes"] - largest["kb"] * 1024
    if left <= 0:
        return []
    ratio = float(capacity["used_bytes"]) / left
    if ratio < osd_map["nearfull_ratio"]:
        return []
    return [{"subject": "host %s" % largest["name"],
             "message": "after losing host %s the data would fill %.0f%% of what is left, above the nearfull ratio "
                        "%.2f: recovery could not complete" % (largest["name"], ratio * 100, osd_map["nearfull_ratio"]),
             "evidence": [ev("df", "stats.total_used_raw_bytes", capacity["used_bytes"]),
                          ev("df", "stats.total_bytes", capacity["total_bytes"]),
                          ev("osd_df_tree", "nodes[%s].kb" % largest["name"], largest["kb"]),
                          ev("osd_dump", "nearfull_ratio", osd_map["nearfull_ratio"])]}]


def osd_spread(facts, params, thresholds):
    tree = need(facts, "tree")
    summary = tree["summary"]
    max_var = summary.get("max_var")
    if not max_var or max_var <= thresholds["osd_utilization_max_var"]:
        return []
    return [{"subject": "cluster", "message": "the fullest OSD is %.2f times the average utilisation (limit %.2f)"
             % (max_var, thresholds["osd_utilization_max_var"]),
             "evidence": [ev("osd_df_tree", "summary.max_var", max_var), ev("osd_df_tree", "summary.min_var",
                                                                            summary.get("min_var")),
                          ev("osd_df_tree", "summary.average_utilization", summary.get("average_utilization")),
                          {"source": "threshold", "field": "osd_utilization_max_var",
                           "value": thresholds["osd_utilization_max_var"]}]}]


def pool_quota(facts, params, thresholds):
    pools = need(facts, "pools")
    hits = []
    limit = thresholds["pool_quota_warning"]
    for pool in pools:
        for quota, used in (("quota_max_bytes", "stored_bytes"), ("quota_max_objects", "objects")):
            if pool[quota] and pool[used] is not None and float(pool[used]) / pool[quota] >= limit:
                hits.append({"subject": "pool %s" % pool["name"],
                             "message": "pool %s uses %.0f%% of its %s" % (pool["name"], 100.0 * pool[used] / pool[quota], quota),
                             "evidence": [ev("osd_dump", "pools[%s].%s" % (pool["name"], quota), pool[quota]),
                                          ev("df", "pools[%s].%s" % (pool["name"], used), pool[used]),
                                          {"source": "threshold", "field": "pool_quota_warning", "value": limit}]})
    return hits


# --- redundancy and placement -----------------------------------------------------------------
def _domains(facts, rule):
    """The buckets of a rule's failure-domain type under its root that hold at least one in OSD."""
    tree, osds = facts["tree"], facts["osds"]
    ins = set(o["id"] for o in osds if o["in"])
    domain = rule["failure_domain"]
    if domain in (None, "osd"):
        root = [b for b in tree["buckets"].values() if b["name"] == rule["root"]]
        members = root[0]["osds"] if root else [o["id"] for o in osds]
        return [o for o in members if o in ins]
    root = [b for b in tree["buckets"].values() if b["name"] == rule["root"]]
    under = set(root[0]["osds"]) if root else ins
    return [b["name"] for b in tree["buckets"].values()
            if b["type"] == domain and set(b["osds"]) & ins & under]


def failure_domains(facts, params, thresholds):
    pools, rules = need(facts, "pools", "rules")
    need(facts, "tree", "osds")
    hits = []
    for pool in pools:
        rule = rules.get(pool["crush_rule"])
        if rule is None:
            continue
        domains = _domains(facts, rule)
        wanted = pool["size"] + params.get("spare", 0)
        if len(domains) >= wanted:
            continue
        hits.append({"subject": "pool %s" % pool["name"],
                     "message": params["message"].format(pool=pool["name"], size=pool["size"], count=len(domains),
                                                         domain=rule["failure_domain"], rule=rule["name"]),
                     "evidence": [ev("osd_dump", "pools[%s].size" % pool["name"], pool["size"]),
                                  ev("osd_crush_dump", "rules[%s].failure_domain" % rule["name"], rule["failure_domain"]),
                                  ev("osd_df_tree", "%s buckets with in OSDs" % rule["failure_domain"], len(domains))]})
    return hits


def ec_min_size(facts, params, thresholds):
    pools = need(facts, "pools")
    return [{"subject": "pool %s" % p["name"], "message": "erasure-coded pool %s (k=%d, m=%d) has min_size %d, below "
             "k+1 = %d" % (p["name"], p["k"], p["m"] or 0, p["min_size"], p["k"] + 1),
             "evidence": [ev("osd_dump", "pools[%s].min_size" % p["name"], p["min_size"]),
                          ev("osd_dump", "erasure_code_profiles[%s].k" % p["erasure_code_profile"], p["k"])]}
            for p in pools if p["type"] == "erasure" and p["k"] and p["min_size"] < p["k"] + 1]


def rule_domain_osd(facts, params, thresholds):
    pools, rules = need(facts, "pools", "rules")
    by_rule = {}
    for pool in pools:
        rule = rules.get(pool["crush_rule"])
        if rule is not None and rule["failure_domain"] in ("osd", None) and pool["size"] > 1:
            by_rule.setdefault(rule["name"], []).append(pool["name"])
    return [{"subject": "rule %s" % name, "message": "CRUSH rule %s separates copies by OSD only: the copies of its %d "
             "pool(s) (%s) can share a host" % (name, len(names), ", ".join(sorted(names))),
             "evidence": [ev("osd_crush_dump", "rules[%s].failure_domain" % name, "osd")]
             + [ev("osd_dump", "pools[%s].crush_rule" % p, name) for p in sorted(names)]}
            for name, names in sorted(by_rule.items())]


def hosts_few(facts, params, thresholds):
    osds = need(facts, "osds")
    hosts = sorted(set(o["host"] for o in osds if o["host"]))
    if not osds or len(hosts) >= thresholds["min_osd_hosts"]:
        return []
    return [{"subject": "cluster", "message": "the OSDs run on %d host(s) (%s); %d are needed for host-level redundancy"
             % (len(hosts), ", ".join(hosts) or "unknown", thresholds["min_osd_hosts"]),
             "evidence": [ev("osd_df_tree", "hosts with OSDs", hosts),
                          {"source": "threshold", "field": "min_osd_hosts", "value": thresholds["min_osd_hosts"]}]}]


def mons_same_host(facts, params, thresholds):
    mons = need(facts, "mons")
    hosts = [m["host"] for m in mons if m["host"]]
    if len(mons) < 2 or len(set(hosts)) >= len(mons) or len(hosts) < len(mons):
        return []
    evidence = [ev("mon_metadata", "[%s].hostname" % m["name"], m["host"]) for m in mons]
    return [{"subject": "cluster", "message": "%d mons run on %d host(s): one host's loss takes several mons"
             % (len(mons), len(set(hosts))), "evidence": evidence}]


def crush_weight_imbalance(facts, params, thresholds):
    tree = need(facts, "tree")
    hosts = [b for b in tree["buckets"].values() if b["type"] == "host" and b["crush_weight"] > 0]
    if len(hosts) < 2:
        return []
    low, high = min(hosts, key=lambda b: b["crush_weight"]), max(hosts, key=lambda b: b["crush_weight"])
    if high["crush_weight"] <= low["crush_weight"] * (1 + thresholds["crush_weight_imbalance"]):
        return []
    return [{"subject": "cluster", "message": "host CRUSH weights differ: %s %.3f vs %s %.3f" % (
        high["name"], high["crush_weight"], low["name"], low["crush_weight"]),
        "evidence": [ev("osd_df_tree", "hosts[%s].crush_weight" % b["name"], round(b["crush_weight"], 6)) for b in (high, low)]
        + [{"source": "threshold", "field": "crush_weight_imbalance", "value": thresholds["crush_weight_imbalance"]}]}]


# --- placement groups ----------------------------------------------------------------------------
def pg_states(facts, params, thresholds):
    pgs = need(facts, "pgs")
    summary = pgs["summary"]
    if summary is None:
        raise NotEvaluated("no PG summary (ceph status)")
    from ansible_collections.koor.ceph.plugins.module_utils.health import pg_state_is_clean  # pylint: disable=import-outside-toplevel
    if params["which"] == "inactive":
        bad = dict((s, n) for s, n in summary["states"].items() if "active" not in s.split("+"))
    else:
        bad = dict((s, n) for s, n in summary["states"].items() if n and not pg_state_is_clean(s))
    if not bad:
        return []
    return [{"subject": "cluster", "message": "%d of %d PGs are %s: %s" % (
        sum(bad.values()), summary["total"], "not active" if params["which"] == "inactive" else "not active+clean",
        ", ".join("%d %s" % (n, s) for s, n in sorted(bad.items()))),
        "evidence": [ev("status", "pgmap.pgs_by_state[%s]" % s, n) for s, n in sorted(bad.items())]}]


def pgs_per_osd(facts, params, thresholds):
    osds = need(facts, "osds")
    counted = [o for o in osds if o["in"] and o["pgs"] is not None]
    if not counted:
        return []
    if params["which"] == "high":
        limit = thresholds["pgs_per_osd_max"]
        return [{"subject": o["name"], "message": "%s holds %d PGs (limit %d)" % (o["name"], o["pgs"], limit),
                 "evidence": [ev("osd_df_tree", "nodes[%s].pgs" % o["name"], o["pgs"]),
                              {"source": "threshold", "field": "pgs_per_osd_max", "value": limit}]}
                for o in counted if o["pgs"] > limit]
    average = sum(o["pgs"] for o in counted) / float(len(counted))
    if average >= thresholds["pgs_per_osd_min"]:
        return []
    return [{"subject": "cluster", "message": "the OSDs hold %.0f PGs each on average (fewer than %d): data spreads "
             "unevenly" % (average, thresholds["pgs_per_osd_min"]),
             "evidence": [ev("osd_df_tree", "average of nodes[type=osd].pgs", round(average, 1)),
                          {"source": "threshold", "field": "pgs_per_osd_min", "value": thresholds["pgs_per_osd_min"]}]}]


def pg_num_power_of_two(facts, params, thresholds):
    pools = need(facts, "pools")
    return [{"subject": "pool %s" % p["name"], "message": "pool %s has pg_num %d, not a power of two: its PGs "
             "differ in size" % (p["name"], p["pg_num"]),
             "evidence": [ev("osd_dump", "pools[%s].pg_num" % p["name"], p["pg_num"])]}
            for p in pools if p["pg_num"] and p["pg_num"] & (p["pg_num"] - 1)]


def scrub_overdue(facts, params, thresholds):
    pgs = need(facts, "pgs")
    if pgs["list"] is None:
        raise NotEvaluated("no PG listing (ceph pg dump pgs)")
    days = thresholds[params["interval"]] * (1 + thresholds[params["ratio"]])
    limit = facts["now"] - datetime.timedelta(days=days)
    late = []
    for pg in pgs["list"]:
        stamp = parse_time(pg.get(params["field"]))
        if stamp is not None and stamp < limit:
            late.append((stamp, pg["pgid"]))
    if not late:
        return []
    late.sort()
    return [{"subject": "cluster", "message": "%d PG(s) not %s for more than %.1f days (oldest %s, %s)" % (
        len(late), params["what"], days, late[0][1], late[0][0].strftime("%Y-%m-%d")),
        "evidence": [ev("pg_dump", "pg_stats[%s].%s" % (pgid, params["field"]), stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
                     for stamp, pgid in late[:5]]
        + [{"source": "threshold", "field": params["interval"], "value": thresholds[params["interval"]]}]}]


def large_omap(facts, params, thresholds):
    pgs, pools = need(facts, "pgs", "pools")
    if pgs["list"] is None:
        raise NotEvaluated("no PG listing (ceph pg dump pgs)")
    names = dict((p["id"], p["name"]) for p in pools)
    by_pool = {}
    for pg in pgs["list"]:
        count = (pg.get("stat_sum") or {}).get("num_large_omap_objects", 0)
        if count:
            pool = names.get(int(str(pg["pgid"]).split(".", maxsplit=1)[0]), pg["pgid"])
            by_pool[pool] = by_pool.get(pool, 0) + count
    return [{"subject": "pool %s" % pool, "message": "pool %s holds %d large omap object(s)%s" % (
        pool, count, " (RGW bucket indexes: reshard the buckets)" if ".rgw." in str(pool) else ""),
        "evidence": [ev("pg_dump", "sum of pg_stats[pool=%s].stat_sum.num_large_omap_objects" % pool, count)]}
        for pool, count in sorted(by_pool.items())]


# --- versions ------------------------------------------------------------------------------------
def _running_versions(facts):
    versions = need(facts, "versions")
    return dict((v, n) for v, n in versions["overall"].items() if version_tuple(v))


def versions_mixed(facts, params, thresholds):
    versions = need(facts, "versions")
    if not versions["mixed"]:
        return []
    return [{"subject": "cluster", "message": "daemons run %d versions: %s" % (
        len(versions["overall"]), ", ".join("%s x%d" % (v, n) for v, n in sorted(versions["overall"].items()))),
        "evidence": [ev("versions", "%s.%s" % (t, v), n) for t in sorted(versions["by_type"])
                     for v, n in sorted(versions["by_type"][t].items())]}]


def require_osd_release(facts, params, thresholds):
    osd_map, versions = need(facts, "osd_map", "versions")
    osd_versions = [version_tuple(v) for v in versions["by_type"].get("osd", {})]
    names = sorted(set(releases.release_name(v) for v in osd_versions if v), key=release_rank)
    if not names:
        return []
    oldest = names[0]
    required = osd_map["require_osd_release"]
    if release_rank(required) >= release_rank(oldest):
        return []
    return [{"subject": "cluster", "message": "every OSD runs %s or newer but require_osd_release is %s: the new "
             "release's features stay off" % (oldest, required),
             "evidence": [ev("osd_dump", "require_osd_release", required),
                          ev("versions", "osd", sorted(versions["by_type"].get("osd", {})))]}]


def known_bad(facts, params, thresholds):
    bad = releases.known_bad()
    hits = []
    for version, count in sorted(_running_versions(facts).items()):
        entry = bad.get(version_tuple(version))
        if entry:
            hits.append({"subject": version, "message": "%d daemon(s) run Ceph %s: %s" % (count, version, entry["why"]),
                         "evidence": [ev("versions", "overall[%s]" % version, count),
                                      {"source": "releases", "field": "known_bad[%s]" % version, "value": entry["source"]}]})
    return hits


def minor_behind(facts, params, thresholds):
    hits = []
    for version, count in sorted(_running_versions(facts).items()):
        parsed = version_tuple(version)
        entry = releases.RECOMMENDED_MINIMUM.get(releases.release_name(parsed))
        if entry and parsed < entry["version"]:
            wanted = ".".join(str(p) for p in entry["version"])
            hits.append({"subject": version, "message": "%d daemon(s) run Ceph %s; %s is the recommended minimum of %s"
                         % (count, version, wanted, releases.release_name(parsed)),
                         "evidence": [ev("versions", "overall[%s]" % version, count),
                                      {"source": "releases", "field": "recommended_minimum[%s]" % releases.release_name(parsed),
                                       "value": wanted}]})
    return hits


def end_of_life(facts, params, thresholds):
    hits = []
    for version, count in sorted(_running_versions(facts).items()):
        name = releases.release_name(version_tuple(version))
        if name in releases.END_OF_LIFE:
            hits.append({"subject": version, "message": "%d daemon(s) run Ceph %s (%s), a release past its end of life"
                         % (count, version, name),
                         "evidence": [ev("versions", "overall[%s]" % version, count),
                                      {"source": "releases", "field": "end_of_life[%s]" % name,
                                       "value": releases.END_OF_LIFE[name]}]})
    return hits


def min_compat_client(facts, params, thresholds):
    osd_map = need(facts, "osd_map")
    value = osd_map["require_min_compat_client"]
    if release_rank(value) >= release_rank("luminous"):
        return []
    return [{"subject": "cluster", "message": "require_min_compat_client is %s: the upmap balancer needs luminous" % value,
             "evidence": [ev("osd_dump", "require_min_compat_client", value)]}]


# --- security ------------------------------------------------------------------------------------
def _truthy(value):
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def global_id_reclaim(facts, params, thresholds):
    health = need(facts, "health")
    evidence = []
    for code in ("AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED",):
        if code in health["checks"]:
            evidence.append(ev("health_detail", "checks.%s.summary" % code, health["checks"][code]["summary"]))
    for who, conf in sorted((facts.get("running_config") or {}).items()):
        if who.startswith("mon.") and _truthy(conf.get("auth_allow_insecure_global_id_reclaim", "true")):
            evidence.append(ev("ceph config show %s" % who, "auth_allow_insecure_global_id_reclaim",
                               conf.get("auth_allow_insecure_global_id_reclaim", "true (default)")))
    if not evidence:
        return []
    return [{"subject": "cluster", "message": "the mons let clients reclaim their global_id insecurely (CVE-2021-20288)",
             "evidence": evidence}]


def insecure_key_types(facts, params, thresholds):
    auth, ciphers = need(facts, "auth", "mon_ciphers")
    if "aes256k" not in ciphers:
        return []
    old = [e for e in auth if e["key_type"] == "aes"]
    if not old:
        return []
    return [{"subject": "cluster", "message": "%d cephx entities keep an aes key although the cluster offers aes256k: %s"
             % (len(old), ", ".join(e["entity"] for e in old[:10])),
             "evidence": [ev("mon_dump", "auth_allowed_ciphers", ciphers)]
             + [ev("auth_ls", "auth_dump[%s].key_type" % e["entity"], e["key_type"]) for e in old[:10]]}]


def broad_caps(facts, params, thresholds):
    auth = need(facts, "auth")
    hits = []
    for entry in auth:
        entity = entry["entity"] or ""
        if not entity.startswith("client.") or entity in params["allowed"]:
            continue
        wide = dict((svc, cap) for svc, cap in sorted(entry["caps"].items()) if re.search(r"allow\s+\*", cap or ""))
        if wide:
            hits.append({"subject": entity, "message": "%s may do anything on %s" % (entity, ", ".join(sorted(wide))),
                         "evidence": [ev("auth_ls", "auth_dump[%s].caps.%s" % (entity, svc), cap)
                                      for svc, cap in wide.items()]})
    return hits


def cephx_off(facts, params, thresholds):
    hits = []
    for who, conf in sorted((facts.get("running_config") or {}).items()):
        if not who.startswith("mon."):
            continue
        for option in ("auth_cluster_required", "auth_service_required", "auth_client_required"):
            if option in conf and "cephx" not in str(conf[option]):
                hits.append({"subject": "%s %s" % (who, option), "message": "%s runs with %s = %s: no authentication"
                             % (who, option, conf[option]),
                             "evidence": [ev("ceph config show %s" % who, option, conf[option])]})
    if not facts.get("running_config"):
        raise NotEvaluated("no running configuration (ceph config show mon.*)")
    return hits


# --- daemons --------------------------------------------------------------------------------------
def mon_count(facts, params, thresholds):
    mons = need(facts, "mons")
    count = len(mons)
    evidence = [ev("mon_dump", "mons", [m["name"] for m in mons])]
    if params["which"] == "few" and count < thresholds["min_mons"]:
        return [{"subject": "cluster", "message": "%d mon(s): losing %s stops the cluster" % (
            count, "it" if count == 1 else "one more than a minority"),
            "evidence": evidence + [{"source": "threshold", "field": "min_mons", "value": thresholds["min_mons"]}]}]
    if params["which"] == "even" and count and count % 2 == 0:
        return [{"subject": "cluster", "message": "%d mons, an even number: one more does not survive more failures"
                 % count, "evidence": evidence}]
    return []


def recent_crashes(facts, params, thresholds):
    crashes = need(facts, "crashes")
    since = facts["now"] - datetime.timedelta(days=thresholds["crash_recent_days"])
    recent = []
    for crash in crashes:
        stamp = parse_time(crash.get("timestamp"))
        if stamp is not None and stamp >= since and not crash.get("archived"):
            recent.append(crash)
    if not recent:
        return []
    return [{"subject": "cluster", "message": "%d daemon crash(es) in the last %d days, not archived: %s" % (
        len(recent), thresholds["crash_recent_days"], ", ".join(sorted(set(c.get("entity_name", "?") for c in recent)))),
        "evidence": [ev("crash_ls", "[%s]" % c.get("crash_id"), "%s at %s" % (c.get("entity_name"), c.get("timestamp")))
                     for c in recent[:10]]}]


def osd_group_flags(facts, params, thresholds):
    osd_map, osds = need(facts, "osd_map", "osds")
    evidence = []
    for node, flags in sorted(osd_map["crush_node_flags"].items()):
        evidence.append(ev("osd_dump", "crush_node_flags.%s" % node, flags))
    for klass, flags in sorted(osd_map["device_class_flags"].items()):
        evidence.append(ev("osd_dump", "device_class_flags.%s" % klass, flags))
    for osd in osds:
        flags = [s for s in osd["state"] if s in ("noout", "noin", "noup", "nodown")]
        if flags:
            evidence.append(ev("osd_dump", "osds[%d].state" % osd["id"], flags))
    if not evidence:
        return []
    return [{"subject": "cluster", "message": "%d OSD, CRUSH node or device class flag set(s) left on" % len(evidence),
             "evidence": evidence}]


def clock_skew(facts, params, thresholds):
    skew = need(facts, "time_skew")
    limit = thresholds["clock_skew_max_seconds"]
    return [{"subject": "mon.%s" % mon, "message": "mon.%s's clock is %.3f s off (limit %.3f s)" % (mon, v["skew"], limit),
             "evidence": [ev("time_sync_status", "time_skew_status.%s.skew" % mon, v["skew"]),
                          {"source": "threshold", "field": "clock_skew_max_seconds", "value": limit}]}
            for mon, v in sorted(skew.items()) if abs(v["skew"]) > limit]


def mds_standby(facts, params, thresholds):
    filesystems = need(facts, "filesystems")
    hits = []
    for fs in filesystems:
        if fs["standbys_available"] + fs["standby_replay"] == 0:
            hits.append({"subject": "fs %s" % fs["name"], "message": "filesystem %s has no standby MDS: a failed MDS "
                         "stops its clients until the daemon returns" % fs["name"],
                         "evidence": [ev("fs_dump", "standbys", fs["standbys_available"]),
                                      ev("fs_dump", "filesystems[%s] standby-replay daemons" % fs["name"],
                                         fs["standby_replay"])]})
    return hits


# --- configuration ----------------------------------------------------------------------------------
def _level(value):
    match = re.match(r"^\s*(\d+)", str(value))
    return int(match.group(1)) if match else None


def debug_levels(facts, params, thresholds):
    limit = thresholds["debug_level_max"]
    seen = {}
    for entry in facts.get("config_db") or []:
        if entry["name"].startswith("debug_") and (_level(entry["value"]) or 0) > limit:
            seen[("config_dump", "%s/%s" % (entry["section"], entry["name"]))] = entry["value"]
    for who, conf in sorted((facts.get("running_config") or {}).items()):
        for name, value in sorted(conf.items()):
            if name.startswith("debug_") and (_level(value) or 0) > limit:
                seen[("ceph config show %s" % who, name)] = value
    if facts.get("config_db") is None and not facts.get("running_config"):
        raise NotEvaluated("no configuration read (ceph config dump, ceph config show)")
    if not seen:
        return []
    return [{"subject": "cluster", "message": "%d debug level(s) above %d: logging at that level slows daemons and fills "
             "disks" % (len(seen), limit),
             "evidence": [ev(src, field, value) for (src, field), value in sorted(seen.items())[:20]]}]


def memory_overcommit(facts, params, thresholds):
    osds = need(facts, "osds")
    hosts = {}
    for osd in osds:
        if osd["up"] and osd["osd_memory_target"] and osd["mem_total_kb"] and osd["hostname"]:
            entry = hosts.setdefault(osd["hostname"], {"targets": 0, "mem": osd["mem_total_kb"] * 1024, "osds": []})
            entry["targets"] += osd["osd_memory_target"]
            entry["osds"].append(osd["name"])
    ratio = thresholds["osd_memory_host_ratio"]
    return [{"subject": "host %s" % host, "message": "the %d OSDs on %s aim at %.1f GiB together, more than %.0f%% of "
             "its %.1f GiB" % (len(h["osds"]), host, h["targets"] / float(GIB), ratio * 100, h["mem"] / float(GIB)),
             "evidence": [ev("ceph config show osd.*", "sum of osd_memory_target on %s" % host, h["targets"]),
                          ev("osd_metadata", "[%s].mem_total_kb" % host, h["mem"] // 1024),
                          {"source": "threshold", "field": "osd_memory_host_ratio", "value": ratio}]}
            for host, h in sorted(hosts.items()) if h["targets"] > h["mem"] * ratio]


def mon_option(facts, params, thresholds):
    """A mon's running option compared with a value (``option``, ``op``, ``value``)."""
    running = facts.get("running_config") or {}
    mons = [(who, conf) for who, conf in sorted(running.items()) if who.startswith("mon.")]
    if not mons:
        raise NotEvaluated("no running mon configuration (ceph config show mon.*)")
    hits = []
    for who, conf in mons:
        value = conf.get(params["option"], params.get("default"))
        if OPS[params["op"]](str(value).lower(), params["value"]):
            hits.append({"subject": who, "message": params["message"].format(who=who, value=value),
                         "evidence": [ev("ceph config show %s" % who, params["option"], value)]})
    return hits


def balancer(facts, params, thresholds):
    status = need(facts, "balancer")
    if status.get("active"):
        return []
    return [{"subject": "cluster", "message": "the balancer is off (mode %s)" % status.get("mode"),
             "evidence": [ev("balancer_status", "active", status.get("active")),
                          ev("balancer_status", "mode", status.get("mode"))]}]


def rgw_quota(facts, params, thresholds):
    users = facts.get("rgw_users")
    if users is None:
        if "rgw_users" in (facts.get("errors") or {}):
            raise NotEvaluated(facts["errors"]["rgw_users"])
        return []
    return [{"subject": "rgw user %s" % u["uid"], "message": "RGW user %s has neither a user nor a bucket quota" % u["uid"],
             "evidence": [ev("radosgw users (rgw_users)", "%s.user_quota.enabled" % u["uid"], (u.get("user_quota") or {}).get("enabled")),
                          ev("radosgw users (rgw_users)", "%s.bucket_quota.enabled" % u["uid"], (u.get("bucket_quota") or {}).get("enabled"))]}
            for u in users if not (u.get("user_quota") or {}).get("enabled") and not (u.get("bucket_quota") or {}).get("enabled")]


def read_errors(facts, params, thresholds):
    errors = facts.get("errors") or {}
    return [{"subject": name, "message": "the read %s failed: %s" % (name, text),
             "evidence": [{"source": "collection", "field": name, "value": text}]} for name, text in sorted(errors.items())]


# The thresholds a rule reads itself (a generic rule's are named in its check's params).
RULE_THRESHOLDS = {
    "osd_spread": ("osd_utilization_max_var",), "pool_quota": ("pool_quota_warning",),
    "crush_weight_imbalance": ("crush_weight_imbalance",), "hosts_few": ("min_osd_hosts",),
    "mon_count": ("min_mons",), "recent_crashes": ("crash_recent_days",), "clock_skew": ("clock_skew_max_seconds",),
    "debug_levels": ("debug_level_max",), "memory_overcommit": ("osd_memory_host_ratio",),
    "rook_pods": ("pod_restarts_warning",),
}


def thresholds_of(check, known):
    """The thresholds a check reads: those its params name, and its rule's own."""
    text = repr(check["params"])
    found = set(name for name in known if "'%s'" % name in text)
    found.update(RULE_THRESHOLDS.get(check["rule"], ()))
    if check["rule"] == "pgs_per_osd":
        found.add("pgs_per_osd_max" if check["params"]["which"] == "high" else "pgs_per_osd_min")
    return found


RULES = dict((fn.__name__, fn) for fn in (
    items, fact, health_codes, health_other, ratio_order, ratios_above_default, host_loss_capacity, osd_spread,
    pool_quota, failure_domains, ec_min_size, rule_domain_osd, hosts_few, mons_same_host, crush_weight_imbalance,
    pg_states, pgs_per_osd, pg_num_power_of_two, scrub_overdue, large_omap, versions_mixed, require_osd_release,
    known_bad, minor_behind, end_of_life, min_compat_client, global_id_reclaim, insecure_key_types, broad_caps,
    cephx_off, mon_count, recent_crashes, osd_group_flags, clock_skew, mds_standby, debug_levels, memory_overcommit,
    mon_option, balancer, rgw_quota, read_errors))
