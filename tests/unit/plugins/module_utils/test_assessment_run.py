# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ceph_assessment does (assessment/run.py): input refused before any read, live and offline runs giving
the same findings, the report files (the JSON validated against its schema, the HTML self-contained), check mode
writing nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import jsonschema
import pytest

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.assessment_support import lab_bundle

from ansible_collections.koor.ceph.plugins.module_utils.assessment import engine, report, run
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..")
SCHEMA = os.path.join(ROOT, "docs", "schemas", "assessment-report-v1.json")


def params(**kwargs):
    result = dict((k, v.get("default")) for k, v in run.ARGSPEC.items())
    result.update(kwargs)
    return result


def no_runner():
    raise AssertionError("an offline run must not connect")


def live(recording="assessment"):
    def make():
        runner = fake_runner(recording)
        return runner
    return make


def schema():
    with open(SCHEMA) as handle:
        value = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(value)
    return value


def test_the_report_of_each_recording_is_valid_against_the_schema():
    validator = jsonschema.Draft202012Validator(schema())
    previous = engine.assess(lab_bundle())
    mutes = [{"check": "DMN_MON_FEW", "reason": "lab", "expires": "2027-01-01"},
             {"check": "RED_FEW_HOSTS", "reason": "lab", "expires": "2026-01-01"}]
    for name in ("assessment", "assessment_problems"):
        document = engine.assess(lab_bundle(name), mutes=mutes, previous=previous)
        errors = sorted(validator.iter_errors(json.loads(report.to_json(document))), key=str)
        assert not errors, [e.message for e in errors[:5]]


def test_the_schema_refuses_a_report_that_is_not_one():
    validator = jsonschema.Draft202012Validator(schema())
    document = json.loads(report.to_json(engine.assess(lab_bundle())))
    document["summary"]["exit_code"] = 3
    del document["findings"][0]["evidence"]
    assert len(list(validator.iter_errors(document))) == 2


def test_a_live_run_writes_the_bundle_and_the_report_and_the_bundle_checks_the_same_offline(tmp_path):
    out = tmp_path / "live"
    out.mkdir()
    bundle_path = str(tmp_path / "b.tar.gz")
    first = run.execute(params(report_dir=str(out), bundle_dest=bundle_path), False, live("assessment_problems"))
    assert first["source"] == "live" and first["changed"] and first["exit_code"] == 2
    assert sorted(os.listdir(str(out))) == ["report.html", "report.json", "report.md"]
    offline = run.execute(params(bundle_src=bundle_path), False, no_runner)
    assert offline["source"] == "bundle"
    assert offline["report"]["findings"] == first["report"]["findings"]
    assert offline["report"]["checks"] == first["report"]["checks"]
    with open(str(out / "report.json")) as handle:
        assert json.load(handle)["findings"] == first["report"]["findings"]


def test_check_mode_writes_nothing_and_names_what_it_would(tmp_path):
    result = run.execute(params(report_dir=str(tmp_path), bundle_dest=str(tmp_path / "b.tar.gz")), True, live())
    assert result["files"] == [str(tmp_path / "b.tar.gz")] + [str(tmp_path / n) for n in ("report.json", "report.md", "report.html")]
    assert os.listdir(str(tmp_path)) == []


def test_a_comparison_with_a_previous_report_file(tmp_path):
    run.execute(params(report_dir=str(tmp_path)), False, live())
    again = run.execute(params(previous=str(tmp_path / "report.json")), False, live("assessment_problems"))
    assert "RED_POOL_SIZE_1:pool assess-size1" in again["report"]["comparison"]["new"]


@pytest.mark.parametrize("given, message", [
    ({"bundle_src": "/nonexistent/b.tar.gz"}, "bundle_src /nonexistent/b.tar.gz does not exist"),
    ({"bundle_dest": "/nonexistent/dir/b.tar.gz"}, "the folder /nonexistent/dir does not exist"),
    ({"report_dir": "/nonexistent/dir"}, "report_dir /nonexistent/dir is not a folder"),
    ({"previous": "/nonexistent/report.json"}, "not a readable report.json"),
    ({"thresholds": {"nope": 1}}, "unknown assessment threshold"),
    ({"mutes": [{"check": "DMN_MON_FEW", "reason": "x"}]}, "needs an expiry date"),
])
def test_bad_input_is_refused_before_any_read(given, message):
    with pytest.raises(CephInputError, match=re.escape(message)):
        run.execute(params(**given), False, no_runner)


def test_a_previous_file_that_is_not_a_report_is_refused(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"findings": []}')
    with pytest.raises(CephInputError, match="not an assessment report"):
        run.execute(params(previous=str(path)), False, no_runner)


def test_the_html_page_is_self_contained_and_has_every_chart_and_the_findings():
    document = engine.assess(lab_bundle("assessment_problems"), mutes=[
        {"check": "DMN_MON_FEW", "reason": "lab <one mon>", "expires": "2027-01-01"}])
    page = report.to_html(document)
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"""(src|href)=["']?(?!https://docs\.ceph\.com|https://rook\.io)(https?:)?//""", page)
    assert "url(" not in page and "@import" not in page
    for chart in ("chart-capacity", "chart-osd-utilization", "chart-pg-states", "chart-findings-by-category"):
        assert page.count('id="%s"' % chart) == 1
    assert page.count('<tr class="finding') == len(document["findings"])
    assert page.count("<details>") == len(document["findings"])
    assert "muted until 2027-01-01" in page and "lab &lt;one mon&gt;" in page  # escaped, shown
    assert "undersized+peered" in page


def test_the_markdown_lists_every_finding_with_its_evidence():
    document = engine.assess(lab_bundle("assessment_problems"))
    text = report.to_markdown(document)
    for finding in document["findings"]:
        assert "### %s: %s (%s)" % (finding["check"], finding["subject"], finding["severity"]) in text
    assert "- `ceph osd dump` pools[assess-size1].size = `1`" in text
