# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""require_osd_release on the agent fake: recording set `upgrade` (the lab's Reef 18.2.7 cluster,
3 OSDs up), its OSDs' versions changed the way a cluster part way through an upgrade answers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.osd_release import apply, validate
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, mon, recording

TENTACLE = "ceph version 20.2.4 (af86a4ebab9b7d18c26e7ae25c3ad0e1c17b8ee5) tentacle (stable)"


def recorded(prefix):
    for pair in recording("upgrade"):
        if pair["request"]["cmd"]["prefix"] == prefix:
            return copy.deepcopy(pair["reply"]["json"])
    raise KeyError(prefix)


def runner_with(osds_on_tentacle, down=(), check_mode=False, require=None):
    runner = fake_runner("upgrade", check_mode=check_mode)
    meta = recorded("osd metadata")
    for entry in meta:
        if entry["id"] in osds_on_tentacle:
            entry["ceph_version"], entry["ceph_version_short"] = TENTACLE, "20.2.4"
    dump = recorded("osd dump")
    for osd in dump["osds"]:
        if osd["osd"] in down:
            osd["up"] = 0
    if require:
        dump["require_osd_release"] = require
    runner.agent.answer(mon("osd metadata"), meta)
    runner.agent.answer(mon("osd dump"), dump)
    runner.agent.answer(mon("osd require-osd-release", release="tentacle"), {})
    return runner


def test_set_once_every_osd_is_up_on_the_release():
    runner = runner_with({0, 1, 2})
    result = apply(runner, {"release": "tentacle"})
    assert result["changed"] and result["require_osd_release"] == "tentacle"
    assert result["diff"] == {"before": {"require_osd_release": "reef"}, "after": {"require_osd_release": "tentacle"}}
    assert runner.commands == ["ceph osd require-osd-release tentacle"]
    # the OSD map and the OSDs' metadata in one round trip, then the write
    assert runner.requests_sent == fake_runner("upgrade").requests_sent + 2
    assert [r["cmd"] for r, write in runner.agent.requests if write] == [
        {"prefix": "osd require-osd-release", "format": "json", "release": "tentacle"}]


def test_check_mode_reports_the_change_and_writes_nothing():
    runner = runner_with({0, 1, 2}, check_mode=True)
    result = apply(runner, {"release": "tentacle"})
    assert result["changed"] and runner.commands == ["ceph osd require-osd-release tentacle"]
    assert not [r for r, write in runner.agent.requests if write]


def test_already_set_changes_nothing():
    runner = runner_with({0, 1, 2}, require="tentacle")
    result = apply(runner, {"release": "tentacle"})
    assert not result["changed"] and runner.commands == []


@pytest.mark.parametrize("on, down, named", [({0, 1}, (), "osd.2 runs 18.2.7"), ({0, 1, 2}, (1,), "osd.1 down")])
def test_refused_while_an_osd_is_behind_or_down(on, down, named):
    runner = runner_with(on, down=down)
    with pytest.raises(CephInputError) as err:
        apply(runner, {"release": "tentacle"})
    assert named in str(err.value) and "stays reef" in str(err.value)
    assert runner.commands == []


def test_never_lowered():
    runner = runner_with({0, 1, 2}, require="tentacle")
    with pytest.raises(CephInputError) as err:
        apply(runner, {"release": "reef"})
    assert "never lowered" in str(err.value) and runner.commands == []


def test_unknown_release_refused_before_anything_is_read():
    with pytest.raises(CephInputError) as err:
        validate({"release": "tentacles"})
    assert "tentacle" in str(err.value)
