"""ceph_upgrade_gate_info's daemon_ready gates and its wait, against real labs.

On the session's plain lab: osd.1 stopped closes its gate, naming it; restarted while the module
waits, the module returns within one poll interval of the OSD being up (measured from the OSD
map epoch that marked it up to the module's return).

On a Reef 18.2.7 lab of this file's own (KOOR_LAB_REEF_NAME, default "<KOOR_LAB_NAME>-reef", on
KOOR_LAB_REEF_PORT if set; made fresh and removed afterwards unless KOOR_LAB_REEF_KEEP=1): each daemon in upgrade order is
not ready for 20.2.4 on Reef and, restarted from Tentacle's image while the module waits, ready
once the new process is up; the OSD's version is cross-checked with the running process itself
(ceph tell osd.1 version).
"""
import calendar
import os
import subprocess
import threading
import time

import pytest

from conftest import KOOR_LAB, fresh_lab, run_module

TENTACLE = "20.2.4"


def koor_lab(*argv):
    return subprocess.run([KOOR_LAB] + list(argv), capture_output=True, text=True, check=True)


def gates(module_call, **options):
    result = module_call(**options)
    assert result["_rc"] == 0 and result["changed"] is False and result["commands"] == [], result
    return result


def in_background(delay, *argv):
    """Run koor-lab ARGV after ``delay`` seconds in a thread (the module is waiting by then)."""
    outcome = {}

    def run():
        time.sleep(delay)
        outcome["proc"] = subprocess.run([KOOR_LAB] + list(argv), capture_output=True, text=True, check=False)
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def osd_up_since(lab, osd):
    """When the OSD map marked ``osd`` up (wall clock): the stamp of the epoch in its up_from."""
    up_from = [o for o in lab.ceph("osd", "dump")["osds"] if o["osd"] == osd][0]["up_from"]
    stamp = lab.ceph("osd", "dump", str(up_from))["modified"]  # 2026-12-03T10:57:36.241096+0000
    return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + stamp[20:26])


def test_a_stopped_osd_closes_its_gate_and_the_wait_ends_once_it_is_up(lab, module):
    def gate_info(check_mode=False, **options):
        return gates(lambda **o: module("ceph_upgrade_gate_info", check_mode=check_mode, **o), **options)
    koor_lab("stop-daemon", "--name", lab.name, "--daemon", "osd.1")
    try:
        down = gate_info(gates=[], daemons_ready=["osd.1"])
        assert not down["passed"] and down["attempts"] == 1
        assert down["failed_gates"] == ["osd.1: osd.1 is down in the OSD map: start it (or read its log, ceph-osd.1.log "
                                        "on host %s, for why it stopped)" % down["gates"][0]["evidence"]["host"]]
        assert [o["up"] for o in lab.ceph("osd", "dump")["osds"] if o["osd"] == 1] == [0]
        assert gate_info(check_mode=True, gates=[], daemons_ready=["osd.1"])["failed_gates"] == down["failed_gates"]
        thread, outcome = in_background(2, "restart-daemon", "--name", lab.name, "--daemon", "osd.1")
        started = time.monotonic()
        back = gate_info(gates=[], daemons_ready=["osd.1"], wait_timeout=120)
        returned = time.time()
        thread.join()
        assert outcome["proc"].returncode == 0, outcome["proc"].stderr
        assert back["passed"] and back["gates"][0]["msg"].startswith("osd.1 is up in the OSD map")
        assert back["attempts"] > 1 and 2 <= back["waited"] < time.monotonic() - started
        latency = returned - osd_up_since(lab, 1)
        print("osd.1 up -> module returned: %.3f s (waited %.2f s, %d attempts)"
              % (latency, back["waited"], back["attempts"]))
        assert 0 < latency < 2.0, latency
        # the module's own wait for the lab to be whole again
        whole = gate_info(gates=["osds", "pgs"], wait_timeout=180)
        assert whole["passed"], whole["failed_gates"]
    finally:
        koor_lab("up", "--name", lab.name)  # starts osd.1 if a failure left it stopped; waits until ready


def test_a_wait_begun_while_the_only_mon_is_down_ends_once_it_is_back(lab, module):
    koor_lab("stop-daemon", "--name", lab.name, "--daemon", "mon.a")
    try:
        thread, outcome = in_background(8, "restart-daemon", "--name", lab.name, "--daemon", "mon.a")
        # timeout 3: each attempt's connection gives up after 3 s, and the wait tries again
        back = gates(lambda **o: module("ceph_upgrade_gate_info", **o), gates=["mons"], daemons_ready=["mon.a"],
                     wait_timeout=120, timeout=3)
        thread.join()
        assert outcome["proc"].returncode == 0, outcome["proc"].stderr
        assert back["passed"] and back["attempts"] > 1 and 8 <= back["waited"] < 60, back
    finally:
        koor_lab("up", "--name", lab.name)


def test_every_daemon_of_the_lab_is_ready_on_its_version(lab, module):
    version = lab.env["KOOR_LAB_CEPH_VERSION"]
    names = ["mon.a", "mgr.x", "osd.0", "osd.1", "osd.2", "mds.a", "rgw.lab"]
    result = gates(lambda **o: module("ceph_upgrade_gate_info", **o), gates=[], daemons_ready=names,
                   target_version=version)
    assert result["passed"], result["failed_gates"]
    assert [g["target"] for g in result["gates"]] == names
    assert set(g["evidence"]["version"] for g in result["gates"]) == {version}
    assert result["waited"] < 1 and result["attempts"] == 1
    # ceph versions (what the daemons report) says the same; it also counts a radosgw that stopped less than
    # mgr_service_beacon_grace ago (a lab restarted), where the module names each daemon once, by its newest entry
    (text, _count), = lab.ceph("versions")["overall"].items()
    assert version in text
    assert sorted(d["name"] for d in result["daemons"]) == sorted(names)


def test_unknown_daemons_are_refused(module):
    result = module("ceph_upgrade_gate_info", gates=[], daemons_ready=["osd.9"])
    assert result["failed"] is True and "the cluster has no osd.9 (its osds: osd.0, osd.1, osd.2)" in result["msg"]
    result = module("ceph_upgrade_gate_info", gates=[], daemons_ready=["client.rgw.lab"])
    assert result["failed"] is True and "rgw.lab" in result["msg"]


# --- a Reef lab restarted daemon by daemon from Tentacle's image ------------------------------------

@pytest.fixture(scope="module")
def reef():
    name = os.environ.get("KOOR_LAB_REEF_NAME", os.environ.get("KOOR_LAB_NAME", "pytest") + "-reef")
    with fresh_lab(name, "trixie", os.environ.get("KOOR_LAB_REEF_PORT"), bool(os.environ.get("KOOR_LAB_REEF_KEEP"))) as lab:
        yield lab


def reef_module(reef_lab, **options):
    args = dict(reef_lab.connection)
    args.update(options)
    return gates(lambda **o: run_module("ceph_upgrade_gate_info", dict(args, **o)))


@pytest.mark.parametrize("daemon,lab_name", [("mon.a", "mon.a"), ("mgr.x", "mgr.x"), ("osd.1", "osd.1"),
                                             ("mds.a", "mds.a"), ("rgw.lab", "client.rgw.lab")])
def test_a_reef_daemon_is_ready_for_tentacle_once_restarted_from_its_image(reef, daemon, lab_name):
    assert reef.env["KOOR_LAB_CEPH_VERSION"] == "18.2.7"
    before = reef_module(reef, gates=[], daemons_ready=[daemon], target_version=TENTACLE)
    gate = before["gates"][0]
    assert not gate["passed"] and gate["evidence"]["up"] is True and gate["evidence"]["version"] == "18.2.7"
    assert gate["msg"].endswith("but runs 18.2.7, wants 20.2.4: restart it from 20.2.4's packages or image"), gate["msg"]
    thread, outcome = in_background(2, "restart-daemon", "--name", reef.name, "--daemon", lab_name, "--suite", "sid")
    after = reef_module(reef, gates=[], daemons_ready=[daemon], target_version=TENTACLE, wait_timeout=120)
    returned = time.time()
    thread.join()
    assert outcome["proc"].returncode == 0, outcome["proc"].stderr
    assert after["passed"], after["failed_gates"]
    assert after["gates"][0]["evidence"]["version"] == TENTACLE and after["attempts"] > 1
    running = [d for d in after["daemons"] if d["name"] == daemon]
    assert [d["version"] for d in running] == [TENTACLE]
    print("%s restarted from Tentacle: ready after %.2f s, %d attempts" % (daemon, after["waited"], after["attempts"]))
    if daemon == "osd.1":
        assert TENTACLE in reef.ceph("tell", "osd.1", "version")["version"]  # the running process itself
        latency = returned - osd_up_since(reef, 1)
        print("osd.1 up on Tentacle -> module returned: %.3f s" % latency)
        assert 0 < latency < 2.0, latency
        still_reef = reef_module(reef, gates=[], daemons_ready=["osd.0"], target_version=TENTACLE)
        assert "runs 18.2.7, wants 20.2.4" in still_reef["failed_gates"][0]
