# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling upgrade's plan lines and sole daemons, from the gates module's result on the recorded
Reef lab (1 mon, 1 mgr, 3 OSDs, 1 MDS, 1 radosgw on host vm)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.upgrade import evaluate
from ansible_collections.koor.ceph.plugins.module_utils.upgrade_plan import plan_lines, sole_daemons, sole_outage
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner


def gates(**params):
    return evaluate(fake_runner("upgrade"), dict({"gates": None, "allowed_checks": None, "capacity_unit": "osd"}, **params))


def test_plan_lines_name_each_step_and_every_gate():
    lines = plan_lines(gates(target_version="20.2.4"))
    assert lines[0] == "Ceph 20.2.4 (tentacle): 7 of 7 daemons to restart"
    assert lines[1] == "  restart mon.a on vm: 18.2.7 -> 20.2.4"
    assert "  restart rgw.lab on vm: 18.2.7 -> 20.2.4" in lines
    assert "  then require-osd-release tentacle (now reef)" in lines
    assert any(line.startswith("  mon.a, mds.a: the only one of its kind") and "no mon quorum" in line for line in lines)
    assert lines[lines.index("gates:") + 1:] and all(line.startswith("  [ok] ") for line in lines[lines.index("gates:") + 1:])


def test_without_require_osd_release_and_nothing_to_do():
    result = gates(target_version="18.2.7")
    assert result["plan"] == []
    lines = plan_lines(result, require_osd_release=True)
    assert "  nothing to do: every daemon runs 18.2.7 and require-osd-release is reef" in lines
    assert not any(line.startswith("  restart") for line in lines)


def test_sole_daemons_are_the_only_mon_and_the_only_mds():
    result = gates(target_version="20.2.4")
    assert sole_daemons(result) == ["mon.a", "mds.a"]
    assert sole_outage(result) == "its filesystem stops (no active MDS) and the cluster stops (no mon quorum)"
    result["daemons"].append(dict(result["daemons"][0], name="mon.b", id="b"))
    assert sole_daemons(result) == ["mds.a"]
    result["plan"] = []
    assert sole_daemons(result) == [] and sole_outage(result) == ""


def test_not_a_gates_result_is_refused():
    with pytest.raises(ValueError):
        plan_lines({"plan": []})
