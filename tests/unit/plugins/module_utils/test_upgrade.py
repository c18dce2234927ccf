# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upgrade gates on the agent fake: recording set `upgrade` (the lab's Reef 18.2.7 cluster: 1 mon,
1 mgr, 3 OSDs on one host, 1 MDS, 1 radosgw), each gate passing as recorded and failing on a
reply changed the way a real cluster would answer."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import errno

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.upgrade import GATES, evaluate, validate, version_tuple
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, mon, recording, reply

REEF = "ceph version 18.2.7 (6b0e988052ec84cf2d4a54ff9bbbc5e720b621ad) reef (stable)"
TENTACLE = "ceph version 20.2.4 (af86a4ebab9b7d18c26e7ae25c3ad0e1c17b8ee5) tentacle (stable)"


def recorded(prefix, **args):
    """The recorded reply (parsed) to a mon command of the upgrade set."""
    for pair in recording("upgrade"):
        cmd = pair["request"]["cmd"]
        if cmd["prefix"] == prefix and all(cmd.get(k) == v for k, v in args.items()):
            return copy.deepcopy(pair["reply"]["json"])
    raise KeyError(prefix)


def run(params=None):
    """validate() and evaluate() on the recorded lab, as the module runs them."""
    runner = fake_runner("upgrade")
    params = dict({"gates": None, "allowed_checks": None, "capacity_unit": "host"}, **(params or {}))
    validate(params)
    return runner, evaluate(runner, params)


def gate(result, name, target=None):
    found = [g for g in result["gates"] if g["name"] == name and g.get("target") == target]
    assert len(found) == 1, result["gates"]
    return found[0]


def test_the_recorded_cluster_passes_every_gate_but_capacity_by_host():
    runner, result = run({"target_version": "20.2.4"})
    assert [g["name"] for g in result["gates"]] == list(GATES)
    assert [g["name"] for g in result["gates"] if not g["passed"]] == ["capacity"]
    assert "one host (vm)" in gate(result, "capacity")["msg"]
    assert result["plan"] == ["mon.a", "mgr.x", "osd.0", "osd.1", "osd.2", "mds.a", "rgw.lab"]
    assert result["target"] == {"version": "20.2.4", "release": "tentacle", "major": 20}
    assert result["require_osd_release"] == "reef" and result["changed"] is False
    assert runner.commands == [] and all(not write for _request, write in runner.agent.requests)
    # every gate's reads in one round trip to the agent (after the runner's own start-up requests)
    assert len(runner.mon_reads()) == 11 and runner.requests_sent == fake_runner("upgrade").requests_sent + 1


def test_capacity_by_osd_passes_with_the_projection():
    _runner, result = run({"capacity_unit": "osd", "gates": ["capacity"]})
    capacity = gate(result, "capacity")
    assert capacity["passed"] and result["passed"]
    # 3 x 10 GiB OSDs, 83408 KiB used: with one OSD down the other two hold it
    assert capacity["evidence"]["projected_used_ratio"] == round(83408 / (2 * 10485760.0), 4)


def test_capacity_fails_when_the_rest_would_pass_nearfull():
    tree = recorded("osd df", output_method="tree")
    for node in tree["nodes"]:
        if node["type"] == "osd":
            node["kb_used"] = int(node["kb"] * 0.7)
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd df", output_method="tree"), tree)
    result = evaluate(runner, {"gates": ["capacity"], "capacity_unit": "osd"})
    capacity = gate(result, "capacity")
    assert not capacity["passed"] and "past the nearfull ratio 93%" in capacity["msg"]
    assert capacity["evidence"]["projected_used_ratio"] == pytest.approx(1.05, abs=0.001)


def test_health_warn_with_an_allowed_check_passes_and_another_fails():
    raw = {"status": "HEALTH_WARN", "checks": {
        "OSDMAP_FLAGS": {"severity": "HEALTH_WARN", "summary": {"message": "noout flag(s) set", "count": 1},
                         "detail": [], "muted": False}}, "mutes": []}
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("health", detail="detail"), raw)
    result = evaluate(runner, {"gates": ["health"], "allowed_checks": ["OSDMAP_FLAGS"]})
    assert gate(result, "health")["passed"] and "only allowed checks: OSDMAP_FLAGS" in gate(result, "health")["msg"]
    bad = copy.deepcopy(raw)
    bad["checks"]["MGR_MODULE_DEPENDENCY"] = {"severity": "HEALTH_WARN", "summary": {"message": "Module 'restful' has failed"},
                                              "detail": [], "muted": False}
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("health", detail="detail"), bad)
    result = evaluate(runner, {"gates": ["health"], "allowed_checks": ["OSDMAP_FLAGS"]})
    health = gate(result, "health")
    assert not health["passed"] and health["evidence"]["blocking"] == ["MGR_MODULE_DEPENDENCY"]
    assert "list MGR_MODULE_DEPENDENCY in allowed_checks" in health["msg"]
    assert result["failed_gates"] == ["health: " + health["msg"]]


def test_health_err_fails_with_the_default_allow_list():
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("health", detail="detail"), {"status": "HEALTH_ERR", "checks": {
        "AUTH_INSECURE_SERVICE_KEY_TYPE": {"severity": "HEALTH_ERR", "summary": {"message": "3 daemons use insecure keys"},
                                           "muted": False}}})
    result = evaluate(runner, {"gates": ["health"]})
    assert not result["passed"] and "HEALTH_ERR" in gate(result, "health")["msg"]


def test_rolling_checks_apply_only_to_a_resumed_upgrade():
    insecure = {"status": "HEALTH_ERR", "checks": {
        "AUTH_INSECURE_SERVICE_KEY_TYPE": {"severity": "HEALTH_ERR", "summary": {"message": "3 daemons use insecure keys"},
                                           "muted": False}}}
    params = {"gates": ["health"], "target_version": "20.2.4", "rolling_checks": ["AUTH_INSECURE_SERVICE_KEY_TYPE"]}
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("health", detail="detail"), insecure)
    fresh = evaluate(runner, params)
    assert not fresh["passed"] and fresh["resumed"] is False
    # the mon already on Tentacle: the roll raised it, the resumed run is judged as it left the cluster
    meta = recorded("mon metadata")
    meta[0]["ceph_version_short"] = "20.2.4"
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("health", detail="detail"), insecure)
    runner.agent.answer(mon("mon metadata"), meta)
    resumed = evaluate(runner, params)
    assert resumed["passed"] and resumed["resumed"] is True and resumed["plan"][0] == "mgr.x"
    assert not evaluate(runner, dict(params, rolling_checks=[]))["passed"]


def _status_with(states):
    status = recorded("status")
    status["pgmap"]["pgs_by_state"] = [{"state_name": s, "count": n} for s, n in states.items()]
    status["pgmap"]["num_pgs"] = sum(states.values())
    return status


def test_pgs_gate():
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("status"), _status_with({"active+clean": 40, "active+undersized+degraded": 9}))
    pgs = gate(evaluate(runner, {"gates": ["pgs"]}), "pgs")
    assert not pgs["passed"] and pgs["evidence"]["not_clean"] == {"active+undersized+degraded": 9}
    assert "9 of 49 PGs are not active+clean" in pgs["msg"]
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("status"), _status_with({"active+clean": 45, "active+clean+scrubbing+deep": 4}))
    assert gate(evaluate(runner, {"gates": ["pgs"]}), "pgs")["passed"]


def _osd_dump(**changes):
    dump = recorded("osd dump")
    for key, value in changes.items():
        dump[key] = value
    return dump


def test_osds_gate_names_down_and_out_osds():
    dump = _osd_dump()
    dump["osds"][1]["up"] = 0
    dump["osds"][2]["in"] = 0
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd dump"), dump)
    osds = gate(evaluate(runner, {"gates": ["osds"]}), "osds")
    assert not osds["passed"] and osds["evidence"] == {"total": 3, "down": ["osd.1"], "out": ["osd.2"]}
    assert "osd.1 down" in osds["msg"] and "ceph osd in 2" in osds["msg"]


def test_mons_gate_names_the_mon_out_of_quorum():
    quorum = recorded("quorum_status")
    quorum["monmap"]["mons"].append(dict(quorum["monmap"]["mons"][0], name="b", rank=1))
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("quorum_status"), quorum)
    mons = gate(evaluate(runner, {"gates": ["mons"]}), "mons")
    assert not mons["passed"] and mons["evidence"]["out_of_quorum"] == ["b"]


def test_pool_min_size_equal_to_size_fails():
    dump = _osd_dump()
    dump["pools"][2]["min_size"] = dump["pools"][2]["size"]
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd dump"), dump)
    gate_ = gate(evaluate(runner, {"gates": ["pool_min_size"]}), "pool_min_size")
    assert not gate_["passed"]
    assert gate_["evidence"]["pools"] == [{"pool": dump["pools"][2]["pool_name"], "size": 3, "min_size": 3}]
    assert "min_size SIZE-1" in gate_["msg"]


@pytest.mark.parametrize("flags,passed", [(["noout", "nodeep-scrub", "noautoscale"], True), (["pauserd", "pausewr"], False),
                                          (["noup"], False), (["norecover"], False)])
def test_flags_gate(flags, passed):
    dump = _osd_dump(flags_set=sorted(flags + ["sortbitwise"]))
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd dump"), dump)
    result = evaluate(runner, {"gates": ["flags"]})
    assert gate(result, "flags")["passed"] is passed
    assert set(flags) - {"pauserd", "pausewr"} <= set(result["flags"])


def _versions(*texts):
    overall = {}
    for text, count in texts:
        overall[text] = overall.get(text, 0) + count
    return {"mon": {}, "overall": overall}


@pytest.mark.parametrize("target,running,passed,words", [
    ("20.2.4", [(REEF, 7)], True, "18.2.7 -> 20.2.4 is a supported step"),
    ("20.2.4", [(REEF, 4), (TENTACLE, 3)], True, "supported step"),  # resumed part way
    ("20.2.4", [(TENTACLE, 7)], True, "already"),
    ("18.2.7", [(TENTACLE, 7)], False, "a downgrade"),
    ("20.2.0", [(REEF, 7)], False, "known-bad"),
    ("21.2.0", [(REEF, 7)], False, "3 major releases above"),
    ("20.2.4", [(REEF, 3), ("ceph version 19.2.3 (x) squid (stable)", 2), (TENTACLE, 2)], False, "did not finish"),
    (None, [(REEF, 7)], True, "every daemon runs 18.2.7"),
    (None, [(REEF, 4), (TENTACLE, 3)], False, "an upgrade is under way"),
])
def test_versions_gate(target, running, passed, words):
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("versions"), _versions(*running))
    versions = gate(evaluate(runner, {"gates": ["versions"], "target_version": target}), "versions")
    assert versions["passed"] is passed and words in versions["msg"], versions


def test_require_osd_release_too_old_for_the_target():
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd dump"), _osd_dump(require_osd_release="quincy"))
    runner.agent.answer(mon("versions"), _versions(("ceph version 18.2.7 (x) reef (stable)", 7)))
    versions = gate(evaluate(runner, {"gates": ["versions"], "target_version": "20.2.4"}), "versions")
    assert not versions["passed"] and "ceph osd require-osd-release reef" in versions["msg"]


def test_plan_skips_daemons_already_on_the_target():
    meta = recorded("osd metadata")
    meta[0]["ceph_version_short"] = "20.2.4"
    mons = recorded("mon metadata")
    mons[0]["ceph_version_short"] = "20.2.4"
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd metadata"), meta)
    runner.agent.answer(mon("mon metadata"), mons)
    result = evaluate(runner, {"gates": [], "target_version": "20.2.4"})
    assert result["plan"] == ["mgr.x", "osd.1", "osd.2", "mds.a", "rgw.lab"]
    assert result["gates"] == [] and result["passed"]
    assert [d["host"] for d in result["daemons"]] == ["vm"] * 7


def test_ok_to_stop_as_ceph_answers_on_the_lab():
    _runner, result = run({"gates": [], "ok_to_stop": ["osd.0", "mon.a", "mds.a"], "ok_to_stop_hosts": ["vm"]})
    assert gate(result, "ok_to_stop", "osd.0")["passed"]
    assert gate(result, "ok_to_stop", "osd.0")["evidence"]["ceph"]["num_not_ok_pgs"] == 0
    single_mon = gate(result, "ok_to_stop", "mon.a")
    assert not single_mon["passed"] and single_mon["evidence"]["sole"] is True
    assert "not enough monitors" in single_mon["msg"]
    mds = gate(result, "ok_to_stop", "mds.a")
    assert not mds["passed"] and mds["evidence"]["sole"] is True and "insufficent standby" in mds["msg"]
    host = gate(result, "ok_to_stop", "host vm (osd.0, osd.1, osd.2)")
    assert not host["passed"] and host["evidence"]["daemons"] == ["osd.0", "osd.1", "osd.2"]
    assert "49 PGs are or would become offline" in host["msg"]
    assert not result["passed"] and len(result["failed_gates"]) == 3


def test_ok_to_stop_of_an_osd_with_degraded_pgs_fails_and_is_not_sole():
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd ok-to-stop", ids=["1"]), reply(
        {"ok_to_stop": False, "osds": [1], "num_ok_pgs": 0, "num_not_ok_pgs": 49}, rc=errno.EBUSY,
        err="unsafe to stop osd(s) at this time (49 PGs are or would become offline)"))
    result = evaluate(runner, {"gates": [], "ok_to_stop": ["osd.1"]})
    osd1 = gate(result, "ok_to_stop", "osd.1")
    assert not osd1["passed"] and osd1["evidence"]["sole"] is False and "active+clean" in osd1["msg"]


def test_ok_to_stop_other_errors_raise():
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd ok-to-stop", ids=["1"]), reply(rc=errno.EINVAL, err="osd.1 does not exist"))
    with pytest.raises(CephCommandError, match="EINVAL"):
        evaluate(runner, {"gates": [], "ok_to_stop": ["osd.1"]})


def test_safe_to_destroy_judges_by_ceph_s_json_not_the_rc():
    _runner, result = run({"gates": [], "safe_to_destroy": [0]})
    sd = gate(result, "safe_to_destroy", "osd.0")
    assert not sd["passed"] and "active" in sd["msg"]  # rc 0, yet osd.0 is listed as active
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("osd safe-to-destroy", ids=["0"]),
                        {"safe_to_destroy": [0], "active": [], "missing_stats": [], "stored_pgs": []})
    assert gate(evaluate(runner, {"gates": [], "safe_to_destroy": [0]}), "safe_to_destroy", "osd.0")["passed"]


@pytest.mark.parametrize("params,words", [
    ({"target_version": "tentacle"}, "not a Ceph version"),
    ({"target_version": "99.1.0"}, "major 99"),
    ({"ok_to_stop": ["mgr.x"]}, "ceph has ok-to-stop for mon, osd, mds"),
    ({"ok_to_stop": ["osd.a"]}, "osd.ID with a number"),
    ({"safe_to_destroy": [-1]}, "not an OSD id"),
])
def test_bad_input_is_refused_before_any_read(params, words):
    with pytest.raises(CephInputError, match=words):
        validate(params)


def test_unknown_daemon_and_host_are_refused_naming_what_exists():
    runner = fake_runner("upgrade")
    with pytest.raises(CephInputError, match=r"no daemon osd.7 \(it has osd.0, osd.1, osd.2\)"):
        evaluate(runner, {"gates": [], "ok_to_stop": ["osd.7"]})
    with pytest.raises(CephInputError, match=r"no CRUSH host 'nohost' \(hosts: vm\)"):
        evaluate(fake_runner("upgrade"), {"gates": [], "ok_to_stop_hosts": ["nohost"]})


def test_version_tuple():
    assert version_tuple("20.2.4") == (20, 2, 4)
    assert version_tuple(REEF) == (18, 2, 7)
    assert version_tuple("20.2.4-1~bpo") == (20, 2, 4)
    assert version_tuple("tentacle") is None


def test_a_failed_read_of_the_batch_fails_the_run_naming_its_command():
    runner = fake_runner("upgrade")
    runner.agent.answer(mon("quorum_status"), reply(rc=-errno.ETIMEDOUT, err="timed out"))
    with pytest.raises(CephCommandError) as err:
        evaluate(runner, {"gates": None})
    assert "quorum_status" in str(err.value)
