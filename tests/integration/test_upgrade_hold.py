"""ceph_upgrade_hold on the plain lab: place the holds (check -> apply -> apply again -> check again), each verified
with Ceph's own CLI, release only what the module placed (the user's own nodeep-scrub survives), release after a
failed run, refusals that change nothing, and the module through ansible-playbook with the action group's defaults.

cephfs gets a second MDS (mds.b, started here and removed at the end) so that max_mds 2 really has rank 1 active,
and the module's wait for rank 1 to stop is a real one."""
import json
import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import ROOT, wait_for

KEY = "koor.ceph/upgrade/holds"
FS = "cephfs"
OPTION = "osd_pool_default_pg_autoscale_mode"


def mdsmap(lab):
    return [f["mdsmap"] for f in lab.ceph("fs", "dump")["filesystems"] if f["mdsmap"]["fs_name"] == FS][0]


def two_ranks(lab):
    lab.ceph("fs", "set", FS, "max_mds", "2")
    wait_for("rank 1 active", lambda: "mds_1" in mdsmap(lab)["up"]
             and all(i["state"] == "up:active" for i in mdsmap(lab)["info"].values()))


def only_rank_0(m):
    return m["in"] == [0] and list(m["up"]) == ["mds_0"]


def ceph_state(lab):
    """What the holds are made of, read with the lab's CLI: flags, noautoscale as `osd pool get` says, the hosts'
    flags, the config database's default autoscale mode, cephfs's settings and ranks, the record."""
    dump = lab.ceph("osd", "dump")
    noautoscale = lab.run("ceph", "-c", lab.conf, "osd", "pool", "get", "noautoscale").stderr.strip()
    config = dict(((c["section"], c["name"]), c["value"]) for c in lab.ceph("config", "dump"))
    m = mdsmap(lab)
    record = lab.run("ceph", "-c", lab.conf, "config-key", "get", KEY, check=False)
    return {"flags": sorted(set(dump["flags_set"]) & {"noout", "nodeep-scrub", "noautoscale"}),
            "noautoscale": noautoscale, "crush_node_flags": dump["crush_node_flags"],
            "default_mode": config.get(("global", OPTION)),
            "fs": {"max_mds": m["max_mds"], "allow_standby_replay": m["flags_state"]["allow_standby_replay"],
                   "in": m["in"], "up": sorted(m["up"])},
            "record": json.loads(record.stdout) if record.returncode == 0 else None}


@pytest.fixture
def host(lab):
    return [n["name"] for n in lab.ceph("osd", "crush", "tree")["nodes"] if n["type"] == "host"][0]


@pytest.fixture
def clean(lab, host):
    """No record, no hold; afterwards the lab as it was (cephfs with one rank, no standby replay)."""
    def reset():
        lab.run("ceph", "-c", lab.conf, "config-key", "rm", KEY, check=False)
        for flag in ("noout", "nodeep-scrub"):
            lab.ceph("osd", "unset", flag)
        lab.ceph("osd", "unset", "noautoscale")
        lab.ceph("config", "rm", "global", OPTION)
        lab.ceph("osd", "unset-group", "noout", host)
        lab.ceph("fs", "set", FS, "allow_standby_replay", "false")
        lab.ceph("fs", "set", FS, "max_mds", "1")
        wait_for("rank 1 stopped", lambda: only_rank_0(mdsmap(lab)))
    reset()
    yield
    reset()


@pytest.fixture
def second_mds(lab, clean):  # pylint: disable=unused-argument,redefined-outer-name
    """mds.b beside the lab's mds.a: a standby that takes rank 1 when max_mds is 2."""
    data = os.path.join(os.path.dirname(lab.conf), "mds.b")
    os.makedirs(data, exist_ok=True)
    lab.run("ceph", "-c", lab.conf, "auth", "get-or-create", "mds.b", "mon", "allow profile mds", "osd", "allow rwx",
            "mds", "allow *", "mgr", "allow profile mds", "-o", os.path.join(data, "keyring"))
    # by its absolute path: an MDS that stopped its rank re-executes itself
    lab.run("/usr/bin/ceph-mds", "-i", "b", "-c", lab.conf)
    wait_for("mds.b standby", lambda: any(s["name"] == "b" for s in lab.ceph("fs", "dump")["standbys"]))
    yield
    lab.ceph("fs", "set", FS, "max_mds", "1")
    wait_for("rank 1 stopped", lambda: only_rank_0(mdsmap(lab)))
    pidfile = os.path.join(os.path.dirname(lab.conf), "run", "mds.b.pid")
    with open(pidfile) as handle:
        os.kill(int(handle.read().strip()), signal.SIGTERM)
    wait_for("mds.b gone", lambda: not any(s["name"] == "b" for s in lab.ceph("fs", "dump")["standbys"]))
    lab.ceph("auth", "rm", "mds.b")


def timeless(commands):
    """The commands with the record's time left out (a check run and the real run write it a second apart)."""
    return [re.sub(r'\\?"updated\\?": \\?"[^"\\]*\\?"', '"updated": TIME', c) for c in commands]


def test_hold_then_release_only_what_was_placed(lab, module, host, second_mds):  # pylint: disable=unused-argument
    lab.ceph("osd", "set", "nodeep-scrub")  # the user's own, before the upgrade
    two_ranks(lab)
    lab.ceph("fs", "set", FS, "allow_standby_replay", "true")
    before = ceph_state(lab)
    assert before["fs"]["in"] == [0, 1] and before["record"] is None
    options = dict(flags=["nodeep-scrub", "noout"], noautoscale=True, noout_hosts=[host], single_rank_filesystems=[FS])
    placed = ["flag:noout", "noautoscale", "noout:%s" % host, "fs:%s" % FS]

    check = module("ceph_upgrade_hold", check_mode=True, **options)
    assert check["_rc"] == 0 and check["changed"] is True, check
    assert check["placed"] == placed and check["kept"] == ["flag:nodeep-scrub"]
    assert ceph_state(lab) == before  # check mode wrote nothing

    apply = module("ceph_upgrade_hold", **options)
    assert apply["_rc"] == 0 and apply["changed"] is True, apply
    assert apply["placed"] == placed and apply["kept"] == ["flag:nodeep-scrub"]
    assert apply["diff"] == check["diff"] and timeless(apply["commands"]) == timeless(check["commands"])
    assert apply["commands"][0].startswith("ceph config-key set %s " % KEY)  # the record before the changes
    held = ceph_state(lab)
    assert held["flags"] == ["noautoscale", "nodeep-scrub", "noout"]
    assert held["noautoscale"] == "noautoscale is on" and held["crush_node_flags"] == {host: ["noout"]}
    assert held["default_mode"] == "off"  # as Ceph's `osd pool set noautoscale` does besides the flag
    assert held["fs"] == {"max_mds": 1, "allow_standby_replay": False, "in": [0], "up": ["mds_0"]}  # waited for it
    assert held["record"]["version"] == 1 and held["record"]["holds"] == {
        "flag:noout": {}, "noautoscale": {OPTION: None}, "noout:%s" % host: {},
        "fs:%s" % FS: {"max_mds": 2, "allow_standby_replay": True}}
    assert apply["holds"] == held["record"]["holds"] and apply["waited"] > 0

    again = module("ceph_upgrade_hold", **options)
    check_again = module("ceph_upgrade_hold", check_mode=True, **options)
    for result in (again, check_again):
        assert result["_rc"] == 0 and result["changed"] is False and result["commands"] == [], result
        assert result["kept"] == ["flag:nodeep-scrub"] and result["placed"] == []
    assert ceph_state(lab) == held

    some = module("ceph_upgrade_hold", state="absent", release=["flag:nodeep-scrub", "noout:%s" % host])
    assert some["_rc"] == 0 and some["changed"] is True, some
    assert some["released"] == ["noout:%s" % host] and some["kept"] == ["flag:nodeep-scrub"]
    assert some["commands"][0] == "ceph osd unset-group noout %s" % host
    after_some = ceph_state(lab)
    assert after_some["crush_node_flags"] == {} and "nodeep-scrub" in after_some["flags"]
    assert sorted(after_some["record"]["holds"]) == ["flag:noout", "fs:%s" % FS, "noautoscale"]

    check_all = module("ceph_upgrade_hold", check_mode=True, state="absent", release="all")
    assert check_all["changed"] is True and check_all["released"] == ["flag:noout", "noautoscale", "fs:%s" % FS]
    assert ceph_state(lab) == after_some

    release = module("ceph_upgrade_hold", state="absent", release="all")
    assert release["_rc"] == 0 and release["changed"] is True, release
    assert release["released"] == check_all["released"] and release["diff"] == check_all["diff"]
    assert release["commands"] == check_all["commands"] == [
        "ceph osd unset noout", "ceph osd unset noautoscale", "ceph config rm global %s" % OPTION,
        "ceph fs set %s max_mds 2" % FS, "ceph fs set %s allow_standby_replay true" % FS, "ceph config-key rm %s" % KEY]
    after = ceph_state(lab)
    assert after["flags"] == ["nodeep-scrub"]  # the user's own flag survived
    assert after["noautoscale"] == "noautoscale is off" and after["default_mode"] is None
    assert after["fs"]["max_mds"] == 2 and after["fs"]["allow_standby_replay"] is True
    assert after["record"] is None and release["holds"] == {}
    assert {k: v for k, v in after.items() if k != "fs"} == {k: v for k, v in before.items() if k != "fs"}

    nothing = module("ceph_upgrade_hold", state="absent", release="all")
    assert nothing["_rc"] == 0 and nothing["changed"] is False and nothing["commands"] == []


def test_a_failed_run_is_released_from_its_record(lab, module, second_mds):  # pylint: disable=unused-argument
    """A wait that times out fails the run after it placed and recorded the hold; release still finds it."""
    two_ranks(lab)
    failed = module("ceph_upgrade_hold", flags=[], noautoscale=False, single_rank_filesystems=[FS], wait_timeout=0)
    assert failed["_rc"] != 0 and failed["failed"] is True
    assert "ranks other than 0 are still active: cephfs rank 1" in failed["msg"]
    assert failed["changed"] is True and "see 'applied'" in failed["msg"]
    assert failed["applied"] == failed["commands"] and failed["commands"][1:] == ["ceph fs set %s max_mds 1" % FS]
    assert ceph_state(lab)["record"]["holds"] == {"fs:%s" % FS: {"max_mds": 2, "allow_standby_replay": False}}
    wait_for("rank 1 stopped", lambda: only_rank_0(mdsmap(lab)))
    release = module("ceph_upgrade_hold", state="absent", release=["fs:%s" % FS])
    assert release["_rc"] == 0 and release["released"] == ["fs:%s" % FS]
    assert release["commands"] == ["ceph fs set %s max_mds 2" % FS, "ceph config-key rm %s" % KEY]
    state = ceph_state(lab)
    assert state["fs"]["max_mds"] == 2 and state["record"] is None


def test_a_record_of_a_hold_never_placed_is_dropped(lab, module, clean):  # pylint: disable=unused-argument
    """A run killed between writing the record and the change: the release unsets nothing and drops the hold."""
    lab.run("ceph", "-c", lab.conf, "config-key", "set", KEY,
            json.dumps({"version": 1, "holds": {"flag:noout": {}}, "updated": "2026-12-03T12:00:00Z"}))
    release = module("ceph_upgrade_hold", state="absent", release="all")
    assert release["_rc"] == 0 and release["changed"] is True, release
    assert release["dropped"] == ["flag:noout"] and release["released"] == []
    assert release["commands"] == ["ceph config-key rm %s" % KEY]
    assert ceph_state(lab)["record"] is None and "noout" not in ceph_state(lab)["flags"]


def bash(lab, line):
    """One recorded line in the lab's chroot as a person would paste it (test_commands_runnable.bash)."""
    return subprocess.run(["chroot", lab.root, "bash", "-c", line], capture_output=True, text=True, check=False,
                          timeout=120, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
                                            "CEPH_ARGS": "--conf " + lab.conf})


def test_the_recorded_commands_run_as_they_are(lab, module, host, clean):  # pylint: disable=unused-argument
    """Pasted into a shell, the lines of `commands` do what the module did: the record included."""
    lab.ceph("fs", "set", FS, "allow_standby_replay", "true")
    before = ceph_state(lab)
    options = dict(flags=["noout"], noautoscale=True, noout_hosts=[host], single_rank_filesystems=[FS])
    place = module("ceph_upgrade_hold", **options)
    assert place["_rc"] == 0 and len(place["commands"]) == 6, place
    held = ceph_state(lab)
    release = module("ceph_upgrade_hold", state="absent", release="all")
    assert release["_rc"] == 0 and ceph_state(lab) == before, release
    for lines, expected in ((place["commands"], held), (release["commands"], before)):
        for line in lines:
            proc = bash(lab, line)
            assert proc.returncode == 0, (line, proc.stderr)
        assert ceph_state(lab) == expected


@pytest.mark.parametrize("options, message", [
    (dict(flags=["notieragent"]), "notieragent is not a cluster flag an upgrade holds"),
    (dict(noout_hosts=["no-such-host"]), "no-such-host is not a CRUSH host of this cluster"),
    (dict(single_rank_filesystems=["no-such-fs"]), "no filesystem no-such-fs in this cluster"),
    (dict(state="absent"), "set release to all"),
    (dict(state="absent", release=["all", "noautoscale"]), "list no other hold with it"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, clean, options, message):  # pylint: disable=unused-argument
    before = ceph_state(lab)
    result = module("ceph_upgrade_hold", **options)
    assert result["failed"] is True and result["changed"] is False and result["commands"] == []
    assert message in result["msg"]
    assert ceph_state(lab) == before


def test_through_ansible_playbook(lab, clean, tmp_path):  # pylint: disable=unused-argument
    """The module by its FQCN in a play, its connection from the action group's module_defaults."""
    results = tmp_path / "results.json"
    playbook = tmp_path / "hold.yml"
    connection = json.dumps(lab.connection)
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/koor.ceph.ceph: %s
  tasks:
    - name: Hold
      koor.ceph.ceph_upgrade_hold:
        flags: [noout, nodeep-scrub]
      register: first
    - name: Hold again
      koor.ceph.ceph_upgrade_hold:
        flags: [noout, nodeep-scrub]
      register: second
    - name: The OSD map as Ceph's CLI prints it
      ansible.builtin.command: chroot %s ceph -c %s --format json osd dump
      register: osd_dump
      changed_when: false
    - name: Release
      koor.ceph.ceph_upgrade_hold:
        state: absent
        release: all
      register: released
    - name: Results
      ansible.builtin.copy:
        content: "{{ {'first': first, 'second': second, 'osd_dump': osd_dump.stdout | from_json, 'released': released} | to_json }}"
        dest: %s
        mode: "0600"
""" % (connection, lab.root, lab.conf, results))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    out = json.loads(results.read_text())
    assert out["first"]["changed"] is True and out["first"]["placed"] == ["flag:nodeep-scrub", "flag:noout", "noautoscale"]
    assert out["second"]["changed"] is False
    assert {"noout", "nodeep-scrub", "noautoscale"} <= set(out["osd_dump"]["flags_set"])
    assert out["released"]["changed"] is True and out["released"]["released"] == out["first"]["placed"]
    state = ceph_state(lab)
    assert state["flags"] == [] and state["record"] is None and state["default_mode"] is None
