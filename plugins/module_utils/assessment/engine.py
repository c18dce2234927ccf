# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check engine: runs the checks of checks.py on the facts of a bundle, applies thresholds and mutes,
and builds the report document (its JSON Schema: docs/schemas/assessment-report-v1.json)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import numbers

from ansible_collections.koor.ceph.plugins.module_utils.assessment import checks as _checks
from ansible_collections.koor.ceph.plugins.module_utils.assessment import facts as _facts
from ansible_collections.koor.ceph.plugins.module_utils.assessment.rook_rules import RULES as ROOK_RULES
from ansible_collections.koor.ceph.plugins.module_utils.assessment.rules import RULES as CEPH_RULES
from ansible_collections.koor.ceph.plugins.module_utils.assessment.rules import NotEvaluated

RULES = dict(CEPH_RULES, **ROOK_RULES)
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

REPORT_SCHEMA = "https://koor.ceph/schemas/assessment-report-v1.json"
REPORT_VERSION = 1
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
# The score: 100 less these per unmuted finding, never below 0.
SCORE_COST = {"info": 0, "warning": 3, "critical": 15}
GRADES = ((90, "A"), (75, "B"), (50, "C"), (25, "D"), (0, "F"))


def by_id():
    return dict((c["id"], c) for c in _checks.CHECKS)


def thresholds_with(overrides=None):
    """The thresholds' defaults with ``overrides`` applied; an unknown name or a value that is not a number
    is refused (CephInputError) before anything is read."""
    values = dict((name, spec["default"]) for name, spec in _checks.THRESHOLDS.items())
    for name, value in sorted((overrides or {}).items()):
        if name not in _checks.THRESHOLDS:
            raise CephInputError("unknown assessment threshold %r: choose from %s" % (name, ", ".join(sorted(_checks.THRESHOLDS))))
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise CephInputError("threshold %s must be a number, got %r" % (name, value))
        if value < 0:
            raise CephInputError("threshold %s must not be negative, got %r" % (name, value))
        values[name] = value
    return values


def parse_date(text, what):
    try:
        return datetime.datetime.strptime(str(text), "%Y-%m-%d").date()
    except ValueError:
        raise CephInputError("%s: %r is not a date (YYYY-MM-DD)" % (what, text))


def check_mutes(mutes):
    """Mutes as given (a list of {check, subject (a glob, default *), reason, expires YYYY-MM-DD}), checked:
    each names a known check, says why, and ends."""
    known = by_id()
    result = []
    for index, mute in enumerate(mutes or []):
        what = "mutes[%d]" % index
        if not isinstance(mute, dict):
            raise CephInputError("%s must be a dict with check, reason and expires, got %r" % (what, mute))
        unknown = sorted(set(mute) - set(("check", "subject", "reason", "expires")))
        if unknown:
            raise CephInputError("%s: unknown key(s) %s (a mute has check, subject, reason, expires)" % (what, ", ".join(unknown)))
        if mute.get("check") not in known:
            raise CephInputError("%s: unknown check %r (see docs/assessment.md for the check ids)" % (what, mute.get("check")))
        if not str(mute.get("reason") or "").strip():
            raise CephInputError("%s (%s): a mute needs a reason" % (what, mute["check"]))
        if not mute.get("expires"):
            raise CephInputError("%s (%s): a mute needs an expiry date (expires: YYYY-MM-DD)" % (what, mute["check"]))
        parse_date(mute["expires"], "%s.expires" % what)
        result.append({"check": mute["check"], "subject": str(mute.get("subject") or "*"),
                       "reason": str(mute["reason"]).strip(), "expires": str(mute["expires"])})
    return result


def _mute_for(finding, mutes):
    for mute in mutes:
        if mute["check"] == finding["check"] and fnmatch.fnmatchcase(finding["subject"], mute["subject"]):
            return mute
    return None


def _codes_of(check):
    return set(check.get("ceph_codes", [])) | set(check["params"]["codes"] if check["rule"] == "health_codes" else [])


def run_checks(facts, thresholds, mutes, mode="ceph"):
    """Every check on the facts: (findings, results). A finding per hit; a result per check (passed, failed,
    not_evaluated with the reason, not_applicable). The pass-through of Ceph's health checks runs last and
    leaves out only the codes a check that has a finding covers."""
    covered = set()
    today = facts["now"].date()
    findings, results = [], []
    ordered = sorted(_checks.CHECKS, key=lambda c: c["rule"] == "health_other")
    for check in ordered:
        if check.get("mode", "ceph") not in ("ceph", mode):
            results.append({"check": check["id"], "status": "not_applicable", "reason": "needs %s mode" % check["mode"]})
            continue
        params = dict(check["params"])
        if check["rule"] == "health_other":
            params["covered"] = covered
        try:
            hits = RULES[check["rule"]](facts, params, thresholds)
        except NotEvaluated as exc:
            results.append({"check": check["id"], "status": "not_evaluated", "reason": str(exc)})
            continue
        results.append({"check": check["id"], "status": "failed" if hits else "passed", "findings": len(hits)})
        if hits:
            covered |= _codes_of(check)
        for hit in hits:
            finding = {
                "key": "%s:%s" % (check["id"], hit["subject"]), "check": check["id"], "category": check["category"],
                "severity": check["severity"], "title": check["title"], "subject": hit["subject"],
                "message": hit["message"], "evidence": hit["evidence"], "why": check["why"],
                "remediation": check["remediation"], "docs": check["docs"], "muted": None,
            }
            mute = _mute_for(finding, mutes)
            if mute is not None:
                expires = parse_date(mute["expires"], "mute of %s" % check["id"])
                if expires >= today:
                    finding["muted"] = {"reason": mute["reason"], "expires": mute["expires"]}
                else:
                    finding["mute_expired"] = {"reason": mute["reason"], "expires": mute["expires"]}
            findings.append(finding)
    findings.sort(key=lambda f: (-SEVERITY_RANK[f["severity"]], f["category"], f["key"]))
    order = dict((c["id"], i) for i, c in enumerate(_checks.CHECKS))
    results.sort(key=lambda r: order[r["check"]])
    return findings, results


def exit_code(findings):
    """0: nothing above info, 1: a warning, 2: a critical finding (muted findings do not count)."""
    worst = max([SEVERITY_RANK[f["severity"]] for f in findings if not f["muted"]] or [0])
    return worst


def score(findings):
    value = 100 - sum(SCORE_COST[f["severity"]] for f in findings if not f["muted"])
    value = max(0, value)
    grade = [g for limit, g in GRADES if value >= limit][0]
    return value, grade


def summary(findings, results):
    counts = dict((s, 0) for s in SEVERITY_RANK)
    muted = 0
    categories = dict((c, dict((s, 0) for s in SEVERITY_RANK)) for c in _checks.CATEGORIES)
    for finding in findings:
        if finding["muted"]:
            muted += 1
            continue
        counts[finding["severity"]] += 1
        categories[finding["category"]][finding["severity"]] += 1
    statuses = {}
    for result in results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    value, grade = score(findings)
    return {"exit_code": exit_code(findings), "score": value, "grade": grade, "findings": counts, "muted": muted,
            "by_category": categories, "checks": statuses}


def compare(findings, previous):
    """new / resolved / still_open finding keys against a previous report (its document, as returned by
    report())."""
    if not isinstance(previous, dict) or previous.get("report_version") != REPORT_VERSION or "findings" not in previous:
        raise CephInputError("the previous report is not an assessment report of version %d" % REPORT_VERSION)
    before = dict((f["key"], f) for f in previous["findings"])
    now = dict((f["key"], f) for f in findings)
    return {"previous_generated_at": previous.get("generated_at"),
            "new": sorted(k for k in now if k not in before),
            "resolved": sorted(k for k in before if k not in now),
            "still_open": sorted(k for k in now if k in before)}


def charts(facts):
    """The numbers the HTML page draws: capacity, OSD utilisation, PG states, (findings by category: summary)."""
    capacity = facts.get("capacity") or {}
    pools = [{"name": p["name"], "percent_used": p["percent_used"] or 0.0, "stored_bytes": p["stored_bytes"] or 0}
             for p in facts.get("pools") or []]
    osds = [{"name": o["name"], "utilization": o["utilization"]} for o in facts.get("osds") or []
            if o["utilization"] is not None]
    pgs = ((facts.get("pgs") or {}).get("summary") or {}).get("states") or {}
    osd_map = facts.get("osd_map") or {}
    return {"capacity": {"total_bytes": capacity.get("total_bytes", 0), "used_bytes": capacity.get("used_bytes", 0),
                         "used_ratio": capacity.get("used_ratio", 0.0), "pools": pools,
                         "nearfull_ratio": osd_map.get("nearfull_ratio"), "full_ratio": osd_map.get("full_ratio")},
            "osd_utilization": osds, "pg_states": dict(pgs)}


def assess(bundle, thresholds=None, mutes=None, previous=None):
    """The report of a bundle: the document report.py renders and the JSON Schema describes."""
    values = thresholds_with(thresholds)
    mutes = check_mutes(mutes)
    facts = _facts.build(bundle)
    mode = bundle.get("mode") or "ceph"
    findings, results = run_checks(facts, values, mutes, mode)
    status = facts.get("status") or {}
    versions = facts.get("versions") or {}
    document = {
        "report_version": REPORT_VERSION, "$schema": REPORT_SCHEMA,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cluster": {"fsid": status.get("fsid"), "mode": mode, "collected_at": bundle.get("collected_at"),
                    "collector": bundle.get("collector"), "health": (facts.get("health") or {}).get("status"),
                    "versions": sorted((versions.get("overall") or {}).keys())},
        "summary": summary(findings, results),
        "thresholds": values, "mutes": mutes, "findings": findings, "checks": results,
        "charts": charts(facts), "stats": bundle.get("stats") or {},
    }
    if previous is not None:
        document["comparison"] = compare(findings, previous)
    return document
