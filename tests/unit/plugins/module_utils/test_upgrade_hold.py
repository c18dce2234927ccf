# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ceph_upgrade_hold on the agent fake: recording sets tests/unit/fixtures/lab/replies/upgrade_hold/<version>/<run>.json,
each run recorded from a lab (Reef 18.2.7 and Tentacle 20.2.4: 1 mon, 1 mgr, 3 OSDs on one host, a second MDS
started for rank 1) by upgrade_hold_record.py, which lists the scenario. Every test runs on every recorded version."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import upgrade_hold, waiting
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError, CephTimeoutError
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import REPLIES, fake_runner, recording

VERSIONS = sorted(os.listdir(os.path.join(REPLIES, "upgrade_hold")))
NOW = "2026-12-03T12:00:00Z"  # the record's time in the recordings (upgrade_hold_record.NOW)
KEY = upgrade_hold.RECORD_KEY
FS = "cephfs"
DEFAULTS = {"state": "present", "flags": ["nodeep-scrub"], "noautoscale": True, "noout_hosts": None,
            "single_rank_filesystems": None, "wait_timeout": 300, "release": None, "record_key": KEY}


@pytest.fixture(autouse=True)
def fixed_time_no_sleep(monkeypatch):
    """The record's time as recorded; the wait asks again at once (the recorded answers come in order)."""
    monkeypatch.setattr(upgrade_hold, "now", lambda: NOW)
    monkeypatch.setattr(upgrade_hold, "poll", functools.partial(waiting.poll, sleep=lambda seconds: None))


@pytest.fixture(params=VERSIONS)
def version(request):
    return request.param


def host_of(version):
    """The lab's one CRUSH host, as recorded."""
    for pair in recording("upgrade_hold/%s/place" % version):
        if pair["request"]["cmd"]["prefix"] == "osd crush tree":
            return [n["name"] for n in pair["reply"]["json"]["nodes"] if n["type"] == "host"][0]
    raise AssertionError("no osd crush tree in the place recording")


def scenario(version):
    """The options of the recorded runs check, place and held."""
    return dict(flags=["nodeep-scrub", "noout"], noautoscale=True, noout_hosts=[host_of(version)],
                single_rank_filesystems=[FS])


def run(version, name, check_mode=False, **options):
    """validate() and apply() on the recording of run ``name``, as the module runs them. Returns (runner, result)."""
    params = dict(DEFAULTS, **options)
    runner = fake_runner("upgrade_hold/%s/%s" % (version, name), check_mode=check_mode)
    upgrade_hold.validate(params)
    return runner, upgrade_hold.apply(runner, params)


def writes(runner):
    """The write requests the fake saw, in order: (prefix, arguments without format)."""
    return [(r["cmd"]["prefix"], dict((k, v) for k, v in r["cmd"].items() if k not in ("prefix", "format")))
            for r, write in runner.agent.requests if write]


def record_written(runner):
    vals = [args["val"] for prefix, args in writes(runner) if prefix == "config-key set"]
    assert len(vals) == 1, writes(runner)
    return json.loads(vals[0])


def ceph_line(*words):
    return " ".join(["ceph"] + list(words))


# --- present ----------------------------------------------------------------------------------
def test_check_mode_reports_the_change_and_writes_nothing(version):
    host = host_of(version)
    runner, result = run(version, "check", check_mode=True, **scenario(version))
    assert result["changed"] is True
    assert result["placed"] == ["flag:noout", "noautoscale", "noout:%s" % host, "fs:%s" % FS]
    assert result["kept"] == ["flag:nodeep-scrub"]  # the user set it before: not ours
    assert writes(runner) == [] and runner.applied == []
    assert runner.commands[1:] == [ceph_line("osd set noout"), ceph_line("osd set noautoscale"),
                                   ceph_line("config set global osd_pool_default_pg_autoscale_mode off"),
                                   ceph_line("osd set-group noout", host),
                                   ceph_line("fs set", FS, "allow_standby_replay false"), ceph_line("fs set", FS, "max_mds 1")]
    assert runner.commands[0].startswith("ceph config-key set %s " % KEY)
    assert result["waited"] == 0.0  # nothing changed, nothing to wait for
    # one round trip for the cluster (osd dump, crush tree, fs dump, config dump), one for the record
    assert runner.read_prefixes() == ["config-key get", "osd dump", "osd crush tree", "fs dump", "config dump"]


def test_place_writes_the_record_before_the_changes_and_waits_for_rank_0(version):
    host = host_of(version)
    runner, result = run(version, "place", **scenario(version))
    done = writes(runner)
    assert [p for p, _a in done] == ["config-key set", "osd set", "osd set", "config set", "osd set-group",
                                     "fs set", "fs set"]
    assert done[1][1] == {"key": "noout"} and done[2][1] == {"key": "noautoscale"}
    assert done[3][1] == {"who": "global", "name": "osd_pool_default_pg_autoscale_mode", "value": "off"}
    assert done[4][1] == {"flags": "noout", "who": [host]}
    assert done[5][1] == {"fs_name": FS, "var": "allow_standby_replay", "val": "false"}  # Ceph's order: first
    assert done[6][1] == {"fs_name": FS, "var": "max_mds", "val": "1"}
    record = record_written(runner)
    assert record == {"version": 1, "updated": NOW, "holds": {
        "flag:noout": {}, "noautoscale": {"osd_pool_default_pg_autoscale_mode": None}, "noout:%s" % host: {},
        "fs:%s" % FS: {"max_mds": 2, "allow_standby_replay": True}}}
    assert "flag:nodeep-scrub" not in record["holds"]
    assert result["holds"] == record["holds"] and result["kept"] == ["flag:nodeep-scrub"]
    # the recorded rank 1 went active -> stopping -> gone: the wait asked until only rank 0 was left
    polls = [r for r in runner.reads if r["op"] == "mon" and r["cmd"]["prefix"] == "fs dump"]
    fs_dumps = [p for p in recording("upgrade_hold/%s/place" % version) if p["request"]["cmd"]["prefix"] == "fs dump"][0]
    assert len(polls) == len(fs_dumps["replies"]) > 2
    assert upgrade_hold.ranks_active(upgrade_hold.filesystems(fs_dumps["replies"][0]["json"])[FS])[0][0] == 1
    assert upgrade_hold.ranks_active(upgrade_hold.filesystems(fs_dumps["replies"][-1]["json"])[FS]) == []


def test_check_mode_and_the_real_run_agree(version):
    _runner, check = run(version, "check", check_mode=True, **scenario(version))
    runner, real = run(version, "place", **scenario(version))
    check_runner = fake_runner("upgrade_hold/%s/place" % version, check_mode=True)
    check_on_place = upgrade_hold.apply(check_runner, dict(DEFAULTS, **scenario(version)))
    for result in (check, check_on_place):
        for key in ("changed", "placed", "kept", "holds", "diff"):
            assert result[key] == real[key], key
    assert check_runner.commands == runner.commands and writes(check_runner) == []


def test_the_diff_shows_the_record_and_the_cluster(version):
    host = host_of(version)
    _runner, result = run(version, "place", **scenario(version))
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["record"] == {} and after["record"] == result["holds"]
    assert before["cluster"] == {"flags": ["nodeep-scrub"], "noautoscale": False, "noout_hosts": [],
                                 "config": {"global osd_pool_default_pg_autoscale_mode": None},
                                 "filesystems": {FS: {"max_mds": 2, "allow_standby_replay": True}}}
    assert after["cluster"] == {"flags": ["nodeep-scrub", "noout"], "noautoscale": True, "noout_hosts": [host],
                                "config": {"global osd_pool_default_pg_autoscale_mode": "off"},
                                "filesystems": {FS: {"max_mds": 1, "allow_standby_replay": False}}}


def test_second_run_changes_nothing(version):
    runner, result = run(version, "held", **scenario(version))
    assert result["changed"] is False and result["placed"] == [] and writes(runner) == [] and runner.commands == []
    assert result["kept"] == ["flag:nodeep-scrub"]
    assert sorted(result["holds"]) == ["flag:noout", "fs:%s" % FS, "noautoscale", "noout:%s" % host_of(version)]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_second_run_in_check_mode_changes_nothing(version):
    runner, result = run(version, "held", check_mode=True, **scenario(version))
    assert result["changed"] is False and runner.commands == []


def test_a_flag_the_user_set_is_kept_and_not_recorded(version):
    runner, result = run(version, "user_flag", flags=["nodeep-scrub"], noautoscale=False)
    assert result["changed"] is False and result["kept"] == ["flag:nodeep-scrub"] and result["placed"] == []
    assert writes(runner) == [] and result["holds"] == {}  # no record written for a hold not ours


# --- absent -----------------------------------------------------------------------------------
def test_release_only_the_listed_holds_of_the_record(version):
    host = host_of(version)
    runner, result = run(version, "release_some", state="absent", release=["flag:nodeep-scrub", "noout:%s" % host])
    assert result["released"] == ["noout:%s" % host]
    assert result["kept"] == ["flag:nodeep-scrub"]  # listed, but not in the record: left as it is
    done = writes(runner)
    assert done[0] == ("osd unset-group", {"flags": "noout", "who": [host]})
    assert done[-1][0] == "config-key set"  # the record rewritten after the change
    assert len(done) == 2 and ("osd unset", {"key": "nodeep-scrub"}) not in done
    assert sorted(record_written(runner)["holds"]) == ["flag:noout", "fs:%s" % FS, "noautoscale"]
    assert result["holds"] == record_written(runner)["holds"] and result["changed"] is True


def test_release_all_restores_what_the_record_keeps_and_drops_what_is_gone(version):
    runner, result = run(version, "release_all", state="absent", release=["all"])
    # noout was unset by hand before this run: dropped from the record, not unset again
    assert result["dropped"] == ["flag:noout"] and result["released"] == ["noautoscale", "fs:%s" % FS]
    assert writes(runner) == [
        ("osd unset", {"key": "noautoscale"}),
        # the config database held nothing for it before the hold
        ("config rm", {"who": "global", "name": "osd_pool_default_pg_autoscale_mode"}),
        ("fs set", {"fs_name": FS, "var": "max_mds", "val": "2"}),
        ("fs set", {"fs_name": FS, "var": "allow_standby_replay", "val": "true"}),
        ("config-key rm", {"key": KEY}),  # nothing left in the record: the key goes
    ]
    assert result["holds"] == {} and result["changed"] is True
    assert result["diff"]["after"]["cluster"]["filesystems"] == {FS: {"max_mds": 2, "allow_standby_replay": True}}
    assert result["diff"]["after"]["cluster"]["flags"] == ["nodeep-scrub"]  # the user's flag stays


def test_release_in_check_mode_reports_the_same_and_writes_nothing(version):
    real_runner, real = run(version, "release_all", state="absent", release=["all"])
    runner, check = run(version, "release_all", check_mode=True, state="absent", release=["all"])
    assert writes(runner) == [] and runner.commands == real_runner.commands
    for key in ("changed", "released", "dropped", "kept", "holds", "diff"):
        assert check[key] == real[key], key


def test_release_without_a_record_changes_nothing(version):
    runner, result = run(version, "released", state="absent", release=["all"])
    assert result["changed"] is False and result["released"] == [] and writes(runner) == []
    assert runner.read_prefixes() == ["config-key get", "osd dump"]  # a missing key (ENOENT) is an empty record


def test_an_empty_record_is_removed(version):
    runner, result = run(version, "empty_record", state="absent", release=["all"])
    assert writes(runner) == [("config-key rm", {"key": KEY})]
    assert result["changed"] is True and result["holds"] == {} and result["released"] == []


# --- refusals ---------------------------------------------------------------------------------
def test_an_unknown_host_is_refused_before_anything_changes(version):
    runner = fake_runner("upgrade_hold/%s/refusals_host" % version, check_mode=False)
    with pytest.raises(CephInputError, match="no-such-host is not a CRUSH host of this cluster"):
        upgrade_hold.apply(runner, dict(DEFAULTS, noout_hosts=["no-such-host"]))
    assert writes(runner) == [] and runner.commands == []


def test_an_unknown_filesystem_is_refused_before_anything_changes(version):
    runner = fake_runner("upgrade_hold/%s/refusals_fs" % version, check_mode=False)
    with pytest.raises(CephInputError, match=r"no filesystem no-such-fs in this cluster \(it has cephfs\)"):
        upgrade_hold.apply(runner, dict(DEFAULTS, single_rank_filesystems=["no-such-fs"]))
    assert writes(runner) == [] and runner.commands == []


def test_a_foreign_value_under_the_record_key_is_refused(version):
    runner = fake_runner("upgrade_hold/%s/foreign_record" % version, check_mode=False)
    with pytest.raises(CephInputError, match="is not this module's record of holds"):
        upgrade_hold.apply(runner, dict(DEFAULTS))
    assert writes(runner) == [] and runner.read_prefixes() == ["config-key get"]


def test_all_filesystems_holds_each_filesystem_of_the_cluster(version):
    _runner, named = run(version, "place", **scenario(version))
    params = dict(DEFAULTS, **scenario(version))
    params["single_rank_filesystems"] = ["all"]
    runner = fake_runner("upgrade_hold/%s/place" % version, check_mode=False)
    upgrade_hold.validate(params)
    every = upgrade_hold.apply(runner, params)
    assert every == named and "fs:%s" % FS in every["placed"]
    assert ("fs set", {"fs_name": FS, "var": "max_mds", "val": "1"}) in writes(runner)


def test_a_rank_that_does_not_stop_in_time_fails_naming_it(version):
    runner = fake_runner("upgrade_hold/%s/wait_timeout" % version, check_mode=False)
    params = dict(DEFAULTS, flags=[], noautoscale=False, single_rank_filesystems=[FS], wait_timeout=0)
    with pytest.raises(CephTimeoutError) as caught:
        upgrade_hold.apply(runner, params)
    assert "ranks other than 0 are still active: cephfs rank 1 (mds.b up:" in caught.value.msg
    assert "after 0s" in caught.value.msg and "the holds stay in place and recorded" in caught.value.msg
    # the hold was placed (and recorded first) before the wait: the failure says so (module.failure)
    assert [p for p, _a in writes(runner)] == ["config-key set", "fs set"] and len(runner.applied) == 2


@pytest.mark.parametrize("options, message", [
    (dict(flags=["nosuchflag"]), "flags: nosuchflag is not a cluster flag an upgrade holds"),
    (dict(flags=["notieragent", "bogus"]), "notieragent, bogus are not a cluster flag"),
    (dict(flags=["noout", "noout"]), "flags lists noout more than once"),
    (dict(noout_hosts=["a", "a"]), "noout_hosts lists a more than once"),
    (dict(noout_hosts=[""]), "noout_hosts: an empty name"),
    (dict(single_rank_filesystems=["x", "x"]), "single_rank_filesystems lists x more than once"),
    (dict(single_rank_filesystems=["all", "x"]), "all means every filesystem of the cluster; list no other"),
    (dict(state="absent"), "state absent releases holds this module placed: set release to all"),
    (dict(state="absent", release=[]), "set release to all"),
    (dict(state="absent", release=["all", "flag:noout"]), "list no other hold with it"),
    (dict(state="absent", release=["noout"]), "'noout' is not a hold"),
    (dict(state="absent", release=["flag:bogus"]), "bogus is not a cluster flag"),
    (dict(state="absent", release=["fs:"]), "'fs:' is not a hold"),
    (dict(state="absent", release=["noautoscale", "noautoscale"]), "release lists noautoscale more than once"),
    (dict(release=["all"]), "release is for state absent"),
    (dict(wait_timeout=-1), "wait_timeout must be 0 or more"),
    (dict(record_key=""), "record_key must name a config-key"),
])
def test_bad_input_is_refused_before_the_cluster_is_asked(options, message):
    with pytest.raises(CephInputError) as caught:
        upgrade_hold.validate(dict(DEFAULTS, **options))
    assert message in caught.value.msg


# --- pieces -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [None, "", "  "])
def test_no_record_is_an_empty_record(text):
    assert upgrade_hold.parse_record(text, KEY) == {}


def test_a_record_of_another_version_is_refused():
    with pytest.raises(CephInputError, match="of version 2; this module reads version 1"):
        upgrade_hold.parse_record('{"version": 2, "holds": {}}', KEY)


def test_a_record_with_a_hold_it_cannot_name_is_refused():
    with pytest.raises(CephInputError, match="'noout' is not a hold"):
        upgrade_hold.parse_record('{"version": 1, "holds": {"noout": {}}}', KEY)


def test_a_record_with_an_entry_that_is_not_a_dict_is_refused():
    with pytest.raises(CephInputError, match="hold flag:noout is recorded as 'x'"):
        upgrade_hold.parse_record('{"version": 1, "holds": {"flag:noout": "x"}}', KEY)


def test_the_record_text_round_trips_and_does_not_depend_on_the_order_read():
    holds = {"fs:b": {"max_mds": 3, "allow_standby_replay": False}, "noout:h": {}, "noautoscale": {}, "flag:pause": {}}
    text = upgrade_hold.record_text(holds, NOW)
    assert upgrade_hold.parse_record(text, KEY) == holds
    assert text == upgrade_hold.record_text(dict(reversed(list(holds.items()))), NOW)


def test_pause_is_held_as_one_flag(version):
    """`ceph osd set pause` sets pauserd and pausewr: read back as pause (osd_flags.cluster_flags)."""
    dump = [p for p in recording("upgrade_hold/%s/place" % version) if p["request"]["cmd"]["prefix"] == "osd dump"][0]
    osd_dump = dict(dump["reply"]["json"], flags_set=dump["reply"]["json"]["flags_set"] + ["pauserd", "pausewr"])
    state = upgrade_hold.State(osd_dump)
    assert state.in_place("flag:pause") and state.release("flag:pause", {}) == [("osd unset", {"key": "pause"})]


def test_standby_replay_is_read_from_the_flag_bits_without_flags_state():
    assert upgrade_hold.fs_settings({"max_mds": 2, "flags": 50}) == {"max_mds": 2, "allow_standby_replay": True}
    assert upgrade_hold.fs_settings({"max_mds": 1, "flags": 18}) == {"max_mds": 1, "allow_standby_replay": False}


def test_release_puts_back_a_default_mode_the_user_had():
    dump = [{"section": "global", "name": "osd_pool_default_pg_autoscale_mode", "value": "off", "mask": ""}]
    state = upgrade_hold.State({"flags_set": ["noautoscale"]}, config_dump=dump)
    assert state.release("noautoscale", {"osd_pool_default_pg_autoscale_mode": "warn"}) == [
        ("osd unset", {"key": "noautoscale"}),
        ("config set", {"who": "global", "name": "osd_pool_default_pg_autoscale_mode", "value": "warn"})]


def test_a_half_placed_noautoscale_is_released_too():
    """A run stopped after `osd set noautoscale` and before the config set: the flag alone is undone; and the
    config alone, where somebody unset the flag since."""
    state = upgrade_hold.State({"flags_set": ["noautoscale"]}, config_dump=[])
    assert state.release("noautoscale", {"osd_pool_default_pg_autoscale_mode": None}) == [
        ("osd unset", {"key": "noautoscale"})]
    dump = [{"section": "global", "name": "osd_pool_default_pg_autoscale_mode", "value": "off", "mask": ""}]
    state = upgrade_hold.State({"flags_set": []}, config_dump=dump)
    assert state.release("noautoscale", {"osd_pool_default_pg_autoscale_mode": None}) == [
        ("config rm", {"who": "global", "name": "osd_pool_default_pg_autoscale_mode"})]


def test_noautoscale_where_new_pools_are_made_without_autoscale_already_sets_the_flag_only():
    dump = [{"section": "global", "name": "osd_pool_default_pg_autoscale_mode", "value": "off", "mask": ""}]
    state = upgrade_hold.State({"flags_set": []}, config_dump=dump)
    assert state.entry("noautoscale") == {"osd_pool_default_pg_autoscale_mode": "off"}
    assert state.place("noautoscale") == [("osd set", {"key": "noautoscale"})]
