# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_ready gates and the wait of ceph_upgrade_gate_info, on replies recorded from real labs.

The recording sets (tests/unit/fixtures/lab/replies/), each the gate batch's reads recorded with
``agent_fake.py record`` at each moment and put together with ``agent_fake.py merge`` (a request's
``replies`` are the moments in order):

- ``upgrade_reef``: a Reef 18.2.7 lab (1 mon, 1 mgr, 3 OSDs, 1 MDS, 1 radosgw), everything up, with
  mgr dump, fs dump and osd.1's ok-to-stop. ``upgrade_tentacle``: the same on a Tentacle 20.2.4 lab.
- ``upgrade_osd1_to_tentacle`` (that Reef lab): osd.1 stopped (down; its metadata still says
  18.2.7), restarted from Tentacle's image (up on 20.2.4, PGs undersized), its PGs clean again (the
  mixed cluster: osd.1 on 20.2.4, the rest on 18.2.7).
- ``upgrade_osd1_restart`` (then): osd.1, now on 20.2.4, stopped (down; its metadata says 20.2.4),
  started again (up; osd.0 not ok to stop while PGs recover), clean; ok-to-stop of osd.0 and osd.1.
- ``upgrade_mds_to_tentacle``: mds.a stopped (it leaves the fsmap and its metadata), restarted from
  Tentacle's image (up:active on 20.2.4).
- ``upgrade_rgw_to_tentacle``: the Reef radosgw killed (its service map entry stays), restarted from
  Tentacle's image (a second entry, the newer on 20.2.4, beside the old), the old entry gone.
- ``upgrade_mgr_to_tentacle``: mgr.x stopped (no mgr active: osd df and service dump, which the mgr
  answers, time out), restarted from Tentacle's image (active, 20.2.4).
- ``upgrade_mon_restart`` (the Tentacle lab): every read while the only mon is stopped (timed out;
  recorded through an agent connected before the mon stopped, read timeout 3 s), and after it is back.
- ``upgrade_rgw_restart`` (the Tentacle lab): its radosgw stopped (Tentacle's radosgw stays in the
  service map until mgr_service_beacon_grace, 60 s, passes), gone from it, started again.

Clusters with more than one mon, a standby mgr or a standby MDS are the recorded replies changed
the way such a cluster answers (the lab has one of each).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import errno

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephInputError, CephTimeoutError
from ansible_collections.koor.ceph.plugins.module_utils.upgrade import READS, evaluate, validate
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, mon, recording, reply

ALL = ["mon.a", "mgr.x", "osd.0", "osd.1", "osd.2", "mds.a", "rgw.lab"]


class Clock(object):
    """A clock for waits: time passes only when the wait sleeps."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def moment(name, index):
    """The pairs of recording set ``name`` at one moment (the index of its successive replies)."""
    pairs = []
    for pair in recording(name):
        replies = pair.get("replies") or [pair["reply"]]
        pairs.append({"request": pair["request"], "reply": replies[min(index, len(replies) - 1)]})
    return pairs


def runner_for(name, index=None):
    """A runner on a recording set: all its successive replies, or only the moment ``index``."""
    if index is None:
        return fake_runner(name)
    runner = fake_runner()
    runner.agent.load(moment(name, index))
    return runner


def recorded(name, index, prefix):
    """The parsed reply to ``prefix`` in recording set ``name`` at moment ``index``."""
    for pair in moment(name, index):
        if pair["request"]["cmd"]["prefix"] == prefix:
            return copy.deepcopy(pair["reply"]["json"])
    raise KeyError(prefix)


def run(runner, clock=None, **params):
    """validate() and evaluate() as the module runs them (no gate but the ones asked for)."""
    params = dict({"gates": [], "allowed_checks": None, "capacity_unit": "host", "ok_to_stop": [],
                   "daemons_ready": [], "wait_timeout": 0, "wait_interval": 0.25}, **params)
    validate(params)
    clock = clock or Clock()
    return evaluate(runner, params, clock=clock, sleep=clock.sleep)


def ready(result, name):
    found = [g for g in result["gates"] if g["name"] == "daemon_ready" and g["target"] == name]
    assert len(found) == 1, result["gates"]
    return found[0]


# --- every daemon type: ready, down, wrong version ---------------------------------------------

def test_every_daemon_of_the_reef_lab_is_ready_and_none_for_tentacle():
    runner = runner_for("upgrade_reef")
    result = run(runner, daemons_ready=ALL)
    assert result["passed"] and result["failed_gates"] == []
    assert [ready(result, n)["msg"] for n in ALL] == [
        "mon.a is in quorum and runs 18.2.7", "mgr.x is the active mgr and runs 18.2.7",
        "osd.0 is up in the OSD map and runs 18.2.7", "osd.1 is up in the OSD map and runs 18.2.7",
        "osd.2 is up in the OSD map and runs 18.2.7", "mds.a is up:active in filesystem cephfs and runs 18.2.7",
        "rgw.lab is in the service map and runs 18.2.7"]
    assert ready(result, "osd.1")["evidence"] == {"daemon": "osd.1", "type": "osd", "up": True, "state": "up in the OSD map",
                                                  "version": "18.2.7", "host": "vm"}
    # the one batch, with mgr dump and fs dump because a mgr and an MDS were asked for
    assert runner.requests_sent == 1
    assert runner.read_prefixes() == [r["prefix"] for r in READS] + ["mgr dump", "fs dump"]
    result = run(runner_for("upgrade_reef"), daemons_ready=ALL, target_version="20.2.4")
    assert not result["passed"] and len(result["failed_gates"]) == 7
    assert ready(result, "mds.a")["msg"] == ("mds.a is up:active in filesystem cephfs but runs 18.2.7, wants 20.2.4: "
                                             "restart it from 20.2.4's packages or image")
    assert ready(result, "mds.a")["evidence"]["target_version"] == "20.2.4"
    assert run(runner_for("upgrade_reef"), daemons_ready=ALL, target_version="18.2.7")["passed"]


def test_every_daemon_of_the_tentacle_lab_is_ready_for_20_2_4():
    result = run(runner_for("upgrade_tentacle"), daemons_ready=ALL, target_version="20.2.4")
    assert result["passed"], result["failed_gates"]
    assert all(ready(result, n)["evidence"]["version"] == "20.2.4" for n in ALL)
    assert result["plan"] == [] and result["waited"] == 0 and result["attempts"] == 1


def test_the_default_run_reads_what_it_read_before():
    runner = runner_for("upgrade_reef")
    result = run(runner, gates=None)
    assert runner.requests_sent == 1 and runner.read_prefixes() == [r["prefix"] for r in READS]
    assert [g["name"] for g in result["gates"] if not g["passed"]] == ["capacity"]  # one host
    runner = runner_for("upgrade_reef")
    run(runner, daemons_ready=["osd.1", "mon.a", "rgw.lab"])
    assert runner.read_prefixes() == [r["prefix"] for r in READS]  # neither mgr dump nor fs dump


def test_an_osd_stopped_on_reef_is_down_and_once_restarted_from_tentacle_is_ready():
    down = run(runner_for("upgrade_osd1_to_tentacle", 0), daemons_ready=["osd.1"], target_version="20.2.4")
    gate = ready(down, "osd.1")
    assert not gate["passed"] and gate["evidence"]["up"] is False and gate["evidence"]["version"] == "18.2.7"
    assert gate["msg"] == ("osd.1 is down in the OSD map: start it (or read its log, ceph-osd.1.log on host vm, "
                           "for why it stopped)")
    assert down["failed_gates"] == ["osd.1: " + gate["msg"]]
    back = run(runner_for("upgrade_osd1_to_tentacle", 1), daemons_ready=["osd.0", "osd.1"], target_version="20.2.4",
               gates=["pgs"])
    assert ready(back, "osd.1")["passed"] and ready(back, "osd.1")["msg"] == "osd.1 is up in the OSD map and runs 20.2.4"
    assert ready(back, "osd.0")["msg"].startswith("osd.0 is up in the OSD map but runs 18.2.7, wants 20.2.4")
    assert not back["gates"][0]["passed"] and "active+undersized" in back["gates"][0]["msg"]  # PGs recovering
    mixed = run(runner_for("upgrade_osd1_to_tentacle", 2), daemons_ready=["osd.1"], target_version="20.2.4",
                gates=["pgs", "versions"])
    assert mixed["passed"] and "18.2.7 -> 20.2.4 is a supported step" in mixed["gates"][1]["msg"]
    assert mixed["plan"] == ["mon.a", "mgr.x", "osd.0", "osd.2", "mds.a", "rgw.lab"]


def test_a_down_osd_is_not_ready_though_its_metadata_says_the_target_version():
    result = run(runner_for("upgrade_osd1_restart", 0), daemons_ready=["osd.1"], target_version="20.2.4")
    gate = ready(result, "osd.1")
    assert not gate["passed"] and gate["evidence"]["version"] == "20.2.4" and gate["evidence"]["up"] is False
    assert gate["msg"].startswith("osd.1 is down in the OSD map: start it")
    # its metadata is the last the process sent: the daemons list still shows it
    assert [d["version"] for d in result["daemons"] if d["name"] == "osd.1"] == ["20.2.4"]


def test_an_out_osd_is_named_so():
    dump = recorded("upgrade_reef", 0, "osd dump")
    dump["osds"][1].update(up=0, **{"in": 0})
    runner = runner_for("upgrade_reef")
    runner.agent.answer(mon("osd dump"), dump)
    assert ready(run(runner, daemons_ready=["osd.1"]), "osd.1")["evidence"]["state"] == "down in the OSD map (and out)"


def test_mds_stopped_leaves_the_fsmap_and_once_restarted_from_tentacle_is_ready():
    down = ready(run(runner_for("upgrade_mds_to_tentacle", 0), daemons_ready=["mds.a"]), "mds.a")
    assert not down["passed"] and down["evidence"]["version"] is None
    assert down["msg"] == ("mds.a is not in the fsmap (no filesystem or standby lists it): start it (or read its log, "
                           "ceph-mds.a.log, for why it stopped)")
    back = ready(run(runner_for("upgrade_mds_to_tentacle", 1), daemons_ready=["mds.a"], target_version="20.2.4"), "mds.a")
    assert back["passed"] and back["evidence"]["state"] == "up:active in filesystem cephfs"


def _fs_dump_with(state, standby=False):
    """The recorded fs dump with mds.a in ``state`` (or as a standby)."""
    dump = recorded("upgrade_mds_to_tentacle", 1, "fs dump")
    (gid, info), = dump["filesystems"][0]["mdsmap"]["info"].items()
    if standby:
        del dump["filesystems"][0]["mdsmap"]["info"][gid]
        dump["standbys"] = [dict(info, state=state, rank=-1)]
    else:
        info["state"] = state
    return dump


@pytest.mark.parametrize("state,standby,passed,words", [
    ("up:replay", False, False, "mds.a is up:replay in filesystem cephfs: wait until it is up:active (ceph fs status)"),
    ("up:rejoin", False, False, "mds.a is up:rejoin in filesystem cephfs: wait"),
    ("up:standby-replay", False, True, "mds.a is up:standby-replay in filesystem cephfs and runs 20.2.4"),
    ("up:standby", True, True, "mds.a is a standby (up:standby) and runs 20.2.4"),
])
def test_mds_states(state, standby, passed, words):
    runner = runner_for("upgrade_mds_to_tentacle", 1)
    runner.agent.answer(mon("fs dump"), _fs_dump_with(state, standby))
    gate = ready(run(runner, daemons_ready=["mds.a"], target_version="20.2.4"), "mds.a")
    assert gate["passed"] is passed and gate["msg"].startswith(words), gate["msg"]


def test_a_radosgw_restarted_from_tentacle_counts_by_its_new_entry():
    killed = run(runner_for("upgrade_rgw_to_tentacle", 0), daemons_ready=["rgw.lab"], target_version="20.2.4")
    # killed: its entry stays in the service map until mgr_service_beacon_grace passes, on the old version
    assert ready(killed, "rgw.lab")["msg"].startswith("rgw.lab is in the service map but runs 18.2.7, wants 20.2.4")
    both = run(runner_for("upgrade_rgw_to_tentacle", 1), daemons_ready=["rgw.lab"], target_version="20.2.4")
    services = recorded("upgrade_rgw_to_tentacle", 1, "service dump")["services"]["rgw"]["daemons"]
    assert sorted(e["metadata"]["ceph_version_short"] for e in services.values() if isinstance(e, dict)) == ["18.2.7", "20.2.4"]
    assert ready(both, "rgw.lab")["passed"] and ready(both, "rgw.lab")["evidence"]["version"] == "20.2.4"
    assert [(d["name"], d["version"]) for d in both["daemons"] if d["type"] == "rgw"] == [("rgw.lab", "20.2.4")]
    assert run(runner_for("upgrade_rgw_to_tentacle", 2), daemons_ready=["rgw.lab"], target_version="20.2.4")["passed"]


def test_a_stopped_tentacle_radosgw_counts_until_ceph_drops_it():
    # Tentacle's radosgw does not leave the service map when it stops: Ceph (ceph -s, ceph versions) and
    # the gate count it until mgr_service_beacon_grace (60 s) passes
    assert run(runner_for("upgrade_rgw_restart", 0), daemons_ready=["rgw.lab"])["passed"]
    gone = ready(run(runner_for("upgrade_rgw_restart", 1), daemons_ready=["rgw.lab"]), "rgw.lab")
    assert not gone["passed"] and gone["msg"] == ("rgw.lab is not in the service map: start it (or read its log, "
                                                  "ceph-client.rgw.lab.log, for why it stopped)")
    assert run(runner_for("upgrade_rgw_restart", 2), daemons_ready=["rgw.lab"], target_version="20.2.4")["passed"]


def test_no_active_mgr_is_a_read_error_and_the_restarted_mgr_is_ready():
    with pytest.raises(CephTimeoutError) as err:
        run(runner_for("upgrade_mgr_to_tentacle", 0), daemons_ready=["mgr.x"])
    assert "osd df" in err.value.msg and "is a mgr active? ceph mgr stat" in err.value.msg
    back = ready(run(runner_for("upgrade_mgr_to_tentacle", 1), daemons_ready=["mgr.x"], target_version="20.2.4"), "mgr.x")
    assert back["passed"] and back["msg"] == "mgr.x is the active mgr and runs 20.2.4"


@pytest.mark.parametrize("change,name,passed,words", [
    (lambda d: d.update(standbys=[{"gid": 4300, "name": "y"}]), "mgr.y", True, "mgr.y is a standby mgr and runs"),
    (lambda d: d.update(standbys=[{"gid": 4300, "name": "y"}]), "mgr.z", False,
     "mgr.z is not in the mgr map (active: x, standbys: y): start it"),
    (lambda d: d.update(available=False), "mgr.x", False,
     "mgr.x is the active mgr but not available yet: wait until its modules have started"),
    (lambda d: d.update(active_name="", active_gid=0, available=False), "mgr.x", False,
     "mgr.x is not in the mgr map (active: none, standbys: none): start it (or read its log, ceph-mgr.x.log on host vm"),
])
def test_mgr_states(change, name, passed, words):
    dump = recorded("upgrade_reef", 0, "mgr dump")
    change(dump)
    meta = recorded("upgrade_reef", 0, "mgr metadata")
    meta.append(dict(meta[0], name="y"))
    runner = runner_for("upgrade_reef")
    runner.agent.answer(mon("mgr dump"), dump)
    runner.agent.answer(mon("mgr metadata"), meta)
    gate = ready(run(runner, daemons_ready=[name]), name)
    assert gate["passed"] is passed and gate["msg"].startswith(words), gate["msg"]


def test_a_mon_out_of_quorum_is_not_ready():
    quorum = recorded("upgrade_reef", 0, "quorum_status")
    quorum["monmap"]["mons"].append(dict(quorum["monmap"]["mons"][0], name="b", rank=1))
    meta = recorded("upgrade_reef", 0, "mon metadata")
    meta.append(dict(meta[0], name="b", ceph_version_short="20.2.4"))
    runner = runner_for("upgrade_reef")
    runner.agent.answer(mon("quorum_status"), quorum)
    runner.agent.answer(mon("mon metadata"), meta)
    result = run(runner, daemons_ready=["mon.a", "mon.b"], target_version="20.2.4")
    gate = ready(result, "mon.b")
    assert not gate["passed"] and gate["evidence"]["version"] == "20.2.4"  # its last metadata: it does not count
    assert gate["msg"] == "mon.b is not in quorum (quorum: a): start it (or read its log, ceph-mon.b.log on host vm, for why it stopped)"
    assert ready(result, "mon.a")["msg"] == "mon.a is in quorum but runs 18.2.7, wants 20.2.4: restart it from 20.2.4's packages or image"


# --- input errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("params,words", [
    ({"daemons_ready": ["foo.1"]}, r"'foo.1' is not a daemon name: give TYPE.ID .* TYPE one of mon, mgr, osd, mds, rgw"),
    ({"daemons_ready": ["client.rgw.lab"]}, r"the module names a radosgw rgw.ID: rgw.lab"),
    ({"daemons_ready": ["osd"]}, "'osd' is not a daemon name"),
    ({"daemons_ready": ["osd.a"]}, "osd.ID with a number"),
    ({"wait_timeout": -1}, "wait_timeout must be 0"),
    ({"wait_interval": 0}, "wait_interval must be more than 0"),
])
def test_bad_input_is_refused_before_anything_is_read(params, words):
    with pytest.raises(CephInputError, match=words):
        validate(params)


def test_an_unknown_mon_or_osd_is_refused_before_anything_is_asked():
    runner = runner_for("upgrade_reef")
    with pytest.raises(CephInputError, match=r"daemons_ready: the cluster has no osd.7 \(its osds: osd.0, osd.1, osd.2\)"):
        run(runner, daemons_ready=["osd.7"], ok_to_stop=["osd.1"], wait_timeout=30)
    assert "osd ok-to-stop" not in runner.read_prefixes() and runner.requests_sent == 1  # no ask, no wait
    with pytest.raises(CephInputError, match=r"the cluster has no mon.b \(its mons: mon.a\)"):
        run(runner_for("upgrade_reef"), daemons_ready=["mon.b"])


def test_an_absent_mds_or_radosgw_is_a_closed_gate_not_an_error():
    # a stopped MDS or radosgw leaves the maps that would name it: absent is down
    result = run(runner_for("upgrade_reef"), daemons_ready=["mds.b", "rgw.other"])
    assert [g["passed"] for g in result["gates"]] == [False, False]
    assert ready(result, "rgw.other")["msg"].startswith("rgw.other is not in the service map: start it")


# --- the wait ---------------------------------------------------------------------------------------

def test_the_wait_passes_once_the_restarted_osd_is_up_its_pgs_clean_and_osd0_ok_to_stop():
    runner, clock = runner_for("upgrade_osd1_restart"), Clock()
    result = run(runner, clock, gates=["pgs"], daemons_ready=["osd.1"], ok_to_stop=["osd.0"], target_version="20.2.4",
                 wait_timeout=60)
    # attempt 1: osd.1 down; 2: up, PGs undersized and osd.0 not ok to stop (EBUSY); 3: all pass
    assert result["passed"] and result["attempts"] == 3 and result["waited"] == 0.5
    assert [g["name"] for g in result["gates"]] == ["pgs", "ok_to_stop", "daemon_ready"]
    # one batch per attempt plus the ok-to-stop ask
    assert runner.requests_sent == 3 * 2
    assert runner.read_prefixes().count("osd ok-to-stop") == 3 and runner.read_prefixes().count("status") == 3


def test_each_attempt_judges_every_gate_and_reports_the_last():
    runner, clock = runner_for("upgrade_osd1_restart"), Clock()
    seen = []
    original = runner.mon_batch_read

    def spy(cmds, timeout=None):
        seen.append(timeout)
        return original(cmds, timeout)
    runner.mon_batch_read = spy
    result = run(runner, clock, gates=["pgs", "health"], daemons_ready=["osd.1"], ok_to_stop=["osd.0"], wait_timeout=0.2)
    # attempt 2 (at 0.2 s, the end of the wait) is the last: PGs recovering, osd.0 not ok to stop
    assert not result["passed"] and result["attempts"] == 2 and result["waited"] == 0.2
    assert [g["name"] for g in result["gates"] if not g["passed"]] == ["health", "pgs", "ok_to_stop"]
    assert "unsafe to stop osd(s)" in result["failed_gates"][2]
    assert seen == [1, 1]  # no read blocks past the wait's end


def test_a_wait_that_times_out_returns_the_closed_gates_without_failing():
    runner, clock = runner_for("upgrade_osd1_to_tentacle", 0), Clock()
    result = run(runner, clock, daemons_ready=["osd.1"], wait_timeout=2)
    assert not result["passed"] and result["attempts"] == 9 and result["waited"] == 2.0
    assert result["failed_gates"] == ["osd.1: osd.1 is down in the OSD map: start it (or read its log, ceph-osd.1.log "
                                      "on host vm, for why it stopped)"]
    assert runner.requests_sent == 9


def test_reads_timing_out_while_the_mon_restarts_count_as_not_yet():
    runner, clock = runner_for("upgrade_mon_restart"), Clock()
    result = run(runner, clock, daemons_ready=["mon.a"], target_version="20.2.4", gates=["mons"], wait_timeout=30)
    assert result["passed"] and result["attempts"] == 2 and result["waited"] == 0.25


def test_reads_timing_out_while_no_mgr_is_active_count_as_not_yet():
    runner, clock = runner_for("upgrade_mgr_to_tentacle"), Clock()
    result = run(runner, clock, daemons_ready=["mgr.x"], target_version="20.2.4", wait_timeout=30)
    assert result["passed"] and result["attempts"] == 2


def test_a_wait_that_ends_on_a_read_error_fails_with_it():
    runner, clock = runner_for("upgrade_mon_restart", 0), Clock()
    with pytest.raises(CephTimeoutError) as err:
        run(runner, clock, daemons_ready=["mon.a"], wait_timeout=1)
    assert err.value.msg == ("'ceph status' timed out: timed out - the wait for the gates ended on this error after "
                             "1.0s and 5 attempts")
    assert err.value.rc == errno.ETIMEDOUT and err.value.cmd == "ceph status"


def test_a_wait_ending_on_an_error_after_closed_gates_names_them():
    runner, clock = runner_for("upgrade_osd1_to_tentacle", 0), Clock()
    runner.agent.answer(mon("status"), recorded("upgrade_osd1_to_tentacle", 0, "status"),
                        reply(rc=errno.EAGAIN, err="mon is electing"))
    with pytest.raises(CephCommandError) as err:
        run(runner, clock, daemons_ready=["osd.1"], wait_timeout=0.5)
    assert "EAGAIN" in err.value.msg and "after 0.5s and 3 attempts" in err.value.msg
    assert "the last attempt that read the cluster had closed: osd.1: osd.1 is down" in err.value.msg


def test_eagain_counts_as_not_yet_and_other_errors_fail_at_once():
    runner, clock = runner_for("upgrade_tentacle"), Clock()
    runner.agent.answer(mon("quorum_status"), reply(rc=errno.EAGAIN, err="EAGAIN: electing"),
                        recorded("upgrade_tentacle", 0, "quorum_status"))
    result = run(runner, clock, daemons_ready=["mon.a"], wait_timeout=10)
    assert result["passed"] and result["attempts"] == 2
    runner, clock = runner_for("upgrade_tentacle"), Clock()
    runner.agent.answer(mon("quorum_status"), reply(rc=errno.EACCES, err="access denied"))
    with pytest.raises(CephCommandError, match="EACCES"):
        run(runner, clock, daemons_ready=["mon.a"], wait_timeout=10)
    assert runner.requests_sent == 1 and clock.now == 1000.0


def test_judging_once_fails_on_a_read_error_as_before():
    with pytest.raises(CephTimeoutError) as err:
        run(runner_for("upgrade_mon_restart", 0), daemons_ready=["mon.a"])
    assert err.value.msg == "'ceph status' timed out: timed out"


def test_check_mode_and_a_real_run_judge_the_same():
    checked = run(runner_for("upgrade_osd1_restart"), Clock(), daemons_ready=["osd.1"], wait_timeout=5)
    runner = fake_runner("upgrade_osd1_restart", check_mode=False)
    applied = run(runner, Clock(), daemons_ready=["osd.1"], wait_timeout=5)
    assert checked == applied and applied["passed"] and applied["attempts"] == 2
    assert runner.commands == [] and not any(write for _request, write in runner.agent.requests)


def test_a_cluster_not_reachable_when_the_agent_starts_counts_as_not_yet():
    # the module connects at its first read (run_module connect_first=False): inside the wait
    runner, clock = runner_for("upgrade_tentacle"), Clock()
    runner.close()
    starts = []
    real_start = runner.start

    def start():
        starts.append(clock())
        if len(starts) == 1:
            raise CephTimeoutError("cannot reach the Ceph cluster within 3s (through local): check that the mons in "
                                   "the default ceph.conf are up and reachable")
        real_start()
    runner.start = start
    result = run(runner, clock, daemons_ready=["mon.a"], wait_timeout=10)
    assert result["passed"] and result["attempts"] == 2 and starts == [1000.0, 1000.25]


def test_a_wait_on_the_only_mon_ends_at_once_and_a_wait_on_another_gate_does_not():
    # mon.a is the recorded lab's only mon: Ceph never says it is ok to stop, so waiting is pointless
    runner, clock = fake_runner("upgrade"), Clock()
    result = run(runner, clock, ok_to_stop=["mon.a"], wait_timeout=60)
    assert not result["passed"] and result["attempts"] == 1 and result["waited"] == 0
    assert result["gates"][0]["evidence"]["sole"] is True
    # with a gate that may still open beside it, the wait goes on to its end
    runner, clock = fake_runner("upgrade"), Clock()
    runner.agent.answer(mon("osd ok-to-stop", ids=["1"]), reply(
        {"ok_to_stop": False, "osds": [1], "num_ok_pgs": 0, "num_not_ok_pgs": 49}, rc=errno.EBUSY,
        err="unsafe to stop osd(s) at this time (49 PGs are or would become offline)"))
    result = run(runner, clock, ok_to_stop=["mon.a", "osd.1"], wait_timeout=1)
    assert not result["passed"] and result["attempts"] > 1 and result["waited"] >= 1
