# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The assessment's one pass of reads (batched through the real runner on the agent fake) and its bundle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tarfile

import pytest

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import LAB, fake_runner, mon, recording
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.assessment_support import lab_bundle, lab_runner

from ansible_collections.koor.ceph.plugins.module_utils.assessment import bundle as _bundle
from ansible_collections.koor.ceph.plugins.module_utils.assessment import engine, gather
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError


def test_the_reads_go_in_two_batches_and_the_rgw_users_over_librados():
    runner = lab_runner()
    ops = [r["op"] for r in runner.requests]
    prefixes = runner.read_prefixes()
    assert prefixes[:len(gather.READS)] == [c["prefix"] for _n, c in gather.READS]
    assert prefixes[len(gather.READS):] == ["config show"] * 4  # mon.a, osd.0-2
    assert ops.count("exec") == 0  # no CLI process: radosgw-admin is never run
    bundle = lab_bundle()
    assert bundle["stats"] == {"requests": 28, "round_trips": 5}
    assert bundle["errors"] == {}
    assert bundle["ceph"]["rgw_users"] == []


def test_a_batch_is_one_request_to_the_agent():
    runner = fake_runner("assessment")
    before = runner.requests_sent
    replies = runner.mon_batch([{"prefix": "status"}, {"prefix": "versions"}])
    assert runner.requests_sent - before == 1
    assert [r["rc"] for r in replies] == [0, 0]
    assert json.loads(replies[1]["out"])["overall"]


def test_the_bundle_holds_no_key():
    text = json.dumps(lab_bundle())
    keys = [e["key"] for e in json.load(open(os.path.join(LAB, "assessment", "assessment", "auth_ls.json")))["auth_dump"]]
    assert keys and not [k for k in keys if k in text]
    entities = lab_bundle()["ceph"]["auth_ls"]["auth_dump"]
    assert set(e["key_type"] for e in entities) == {"aes256k"}
    assert all(set(e) == {"entity", "key_type", "caps"} for e in entities)


@pytest.mark.parametrize("key, kind", [("AQBdyv5kAAAAABAAdU0mGH8cLkvM0y2hNBKv9w==", "aes"),
                                       ("AgA9xwJr7Fr4JyAAb1Cjt5TKZfhIO7Gfhf6eZSzM95rDFunCA1nzMIcdYKw=", "aes256k"),
                                       ("", "unknown"), ("!!", "unknown")])
def test_key_types_are_read_from_the_key_header(key, kind):
    assert gather.key_type(key) == kind


def test_secret_config_values_are_masked():
    value = gather.sanitise("config_dump", [{"section": "mgr", "name": "mgr/dashboard/password", "value": "s3cret"},
                                            {"section": "osd", "name": "osd_memory_target", "value": "4294967296"}])
    assert [v["value"] for v in value] == [gather.MASK, "4294967296"]


def test_a_failed_read_is_recorded_and_the_others_go_on():
    runner = fake_runner("assessment")
    runner.agent.answer(mon("crash ls"), {"rc": 13, "out": "", "err": "access denied"})
    bundle = gather.collect(runner)
    assert bundle["ceph"]["crash_ls"] is None
    assert bundle["errors"] == {"crash_ls": "ceph crash ls: rc 13: access denied"}
    assert bundle["ceph"]["osd_dump"]


def test_no_rgw_users_are_read_without_radosgw():
    runner = fake_runner("assessment")
    dump = json.loads(runner.mon_raw({"prefix": "osd dump", "format": "json"})["out"])
    dump["pools"] = [p for p in dump["pools"] if p["pool_name"] != ".rgw.root"]
    runner.agent.answer(mon("osd dump"), dump)
    bundle = gather.collect(runner)
    assert "rgw_users" not in bundle["ceph"]
    assert not [r for r in runner.requests if r["op"] in ("list_objects", "rados_read")]


def test_the_bundle_goes_to_an_archive_and_back_the_same(tmp_path):
    bundle = lab_bundle("assessment_problems")
    path = str(tmp_path / "b.tar.gz")
    _bundle.write(bundle, path)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    again = _bundle.read(path)
    assert again == bundle
    assert engine.assess(again)["findings"] == engine.assess(bundle)["findings"]
    with tarfile.open(path) as tar:
        names = tar.getnames()
    assert "koor-assessment/manifest.json" in names and "koor-assessment/ceph/osd_dump.json" in names


def test_what_is_not_a_bundle_is_refused(tmp_path):
    with pytest.raises(CephInputError, match="does not exist"):
        _bundle.read(str(tmp_path / "none.tar.gz"))
    (tmp_path / "x.tar.gz").write_text("not an archive")
    with pytest.raises(CephInputError, match="not a gzipped tar"):
        _bundle.read(str(tmp_path / "x.tar.gz"))
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(str(evil), "w:gz") as tar:
        tar.add(__file__, arcname="../../etc/passwd")
    with pytest.raises(CephInputError, match="which no assessment bundle has"):
        _bundle.read(str(evil))
    old = dict(lab_bundle(), format=99)
    _bundle.write(old, str(tmp_path / "old.tar.gz"))
    with pytest.raises(CephInputError, match="format 99"):
        _bundle.read(str(tmp_path / "old.tar.gz"))


def test_a_bundle_into_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(CephInputError, match="does not exist"):
        _bundle.write(lab_bundle(), str(tmp_path / "no" / "b.tar.gz"))


def test_the_recordings_are_the_reads_gather_makes():
    asked = set(json.dumps(p["request"]["cmd"], sort_keys=True) for p in recording("assessment") if p["request"]["op"] == "mon")
    for _name, cmd in gather.READS:
        assert json.dumps(dict(cmd, format="json"), sort_keys=True) in asked
