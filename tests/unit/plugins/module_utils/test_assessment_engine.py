# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine: thresholds and mutes checked before anything runs, mutes shown and never hidden, the exit
code, the score and the comparison of two runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.assessment_support import lab_bundle

from ansible_collections.koor.ceph.plugins.module_utils.assessment import checks, engine
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError


def test_every_check_is_complete_data():
    categories = set()
    for check in checks.CHECKS:
        for field in ("id", "category", "severity", "title", "looks_at", "rule", "params", "why", "remediation", "docs"):
            assert check.get(field) not in (None, ""), (check["id"], field)
        assert check["severity"] in checks.SEVERITIES and check["category"] in checks.CATEGORIES
        assert check["docs"].startswith("https://")
        categories.add(check["category"])
    assert categories == set(checks.CATEGORIES)
    for name, spec in checks.THRESHOLDS.items():
        assert spec["source"] and "default" in spec, name


@pytest.mark.parametrize("overrides, message", [
    ({"no_such": 1}, "unknown assessment threshold 'no_such'"),
    ({"min_mons": "three"}, "threshold min_mons must be a number"),
    ({"min_mons": -1}, "must not be negative"),
])
def test_bad_thresholds_are_refused(overrides, message):
    with pytest.raises(CephInputError, match=message):
        engine.assess(lab_bundle(), thresholds=overrides)


@pytest.mark.parametrize("mute, message", [
    ({"check": "NOPE", "reason": "x", "expires": "2027-01-01"}, "unknown check 'NOPE'"),
    ({"check": "DMN_MON_FEW", "expires": "2027-01-01"}, "needs a reason"),
    ({"check": "DMN_MON_FEW", "reason": "lab"}, "needs an expiry date"),
    ({"check": "DMN_MON_FEW", "reason": "lab", "expires": "soon"}, "'soon' is not a date"),
    ({"check": "DMN_MON_FEW", "reason": "lab", "expires": "2027-01-01", "until": 1}, "unknown key"),
    ("DMN_MON_FEW", "must be a dict"),
])
def test_bad_mutes_are_refused(mute, message):
    with pytest.raises(CephInputError, match=message):
        engine.assess(lab_bundle(), mutes=[mute])


def test_a_muted_finding_is_shown_muted_and_does_not_count():
    bundle = lab_bundle()  # recorded 2026-12-03
    plain = engine.assess(bundle)
    mutes = [{"check": "DMN_MON_FEW", "reason": "a one-mon lab", "expires": "2026-12-31"},
             {"check": "CFG_OSD_MEMORY_TARGET_LOW", "subject": "osd.[01]", "reason": "small lab host", "expires": "2027-01-01"}]
    document = engine.assess(bundle, mutes=mutes)
    findings = dict((f["key"], f) for f in document["findings"])
    assert set(findings) == set(f["key"] for f in plain["findings"])  # never hidden
    assert findings["DMN_MON_FEW:cluster"]["muted"] == {"reason": "a one-mon lab", "expires": "2026-12-31"}
    assert findings["CFG_OSD_MEMORY_TARGET_LOW:osd.0"]["muted"] and findings["CFG_OSD_MEMORY_TARGET_LOW:osd.1"]["muted"]
    assert findings["CFG_OSD_MEMORY_TARGET_LOW:osd.2"]["muted"] is None
    assert document["summary"]["muted"] == 3
    assert document["summary"]["findings"]["warning"] == plain["summary"]["findings"]["warning"] - 3
    assert document["summary"]["score"] == plain["summary"]["score"] + 3 * engine.SCORE_COST["warning"]


def test_an_expired_mute_no_longer_mutes_and_says_so():
    document = engine.assess(lab_bundle(), mutes=[{"check": "DMN_MON_FEW", "reason": "lab", "expires": "2026-12-02"}])
    finding = [f for f in document["findings"] if f["check"] == "DMN_MON_FEW"][0]
    assert finding["muted"] is None
    assert finding["mute_expired"] == {"reason": "lab", "expires": "2026-12-02"}


def test_the_exit_code_is_the_worst_unmuted_severity():
    info = {"severity": "info", "muted": None}
    warning = {"severity": "warning", "muted": None}
    critical = {"severity": "critical", "muted": None}
    assert engine.exit_code([]) == 0
    assert engine.exit_code([info]) == 0
    assert engine.exit_code([info, warning]) == 1
    assert engine.exit_code([warning, critical]) == 2
    assert engine.exit_code([dict(critical, muted={"reason": "r", "expires": "2099-01-01"}), warning]) == 1
    assert engine.assess(lab_bundle("assessment_problems"))["summary"]["exit_code"] == 2


def test_the_score_and_grade():
    assert engine.score([]) == (100, "A")
    assert engine.score([{"severity": "critical", "muted": None}] * 2) == (70, "C")
    assert engine.score([{"severity": "critical", "muted": None}] * 9) == (0, "F")


def test_two_runs_compare_as_new_resolved_and_still_open():
    before = engine.assess(lab_bundle())
    after = engine.assess(lab_bundle("assessment_problems"), previous=before)
    comparison = after["comparison"]
    assert "RED_POOL_SIZE_1:pool assess-size1" in comparison["new"]
    assert "DMN_MON_FEW:cluster" in comparison["still_open"]
    # osd.2 is down in the second run: its running configuration is not read, its finding is gone
    assert comparison["resolved"] == ["CFG_OSD_MEMORY_TARGET_LOW:osd.2"]
    back = engine.assess(lab_bundle(), previous=after)["comparison"]
    assert "RED_POOL_SIZE_1:pool assess-size1" in back["resolved"]
    assert back["new"] == ["CFG_OSD_MEMORY_TARGET_LOW:osd.2"]
    assert set(back["still_open"]) == set(f["key"] for f in before["findings"]) - set(back["new"])


def test_a_previous_report_that_is_not_one_is_refused():
    with pytest.raises(CephInputError, match="not an assessment report"):
        engine.assess(lab_bundle(), previous={"findings": []})
