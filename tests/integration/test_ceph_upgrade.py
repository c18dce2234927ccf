"""playbooks/rolling_upgrade.yml (role ceph_upgrade) on a plain lab of its own: a real Reef 18.2.7 ->
Tentacle 20.2.4 rolling upgrade of a package-style cluster, each daemon restarted from Tentacle's
image as a package upgrade and a restart would (lab/koor-lab restart-daemon), in this order:
--check prints the plan and changes nothing; every refusal (the only mon without consent, a
downgrade, a known-bad release, HEALTH_ERR, a pool with min_size == size, an OSD down with PGs not
clean) stops the play before anything changes; the fault (an OSD stopped while the roll waits for
the one before it) stops the play at the gate naming that OSD, releases the upgrade's holds but
keeps the host's noout; restarted, the upgrade resumes and completes with require-osd-release,
the data (a RADOS object, an RBD image, an S3 object) intact; a second run changes nothing.

KOOR_UPGRADE_LAB names the lab (default "upgrade"); it is made fresh and removed at the end.
"""
import hashlib
import json
import os
import socket
import subprocess

import pytest

from conftest import KOOR_LAB, assert_same_state, fresh_lab, wait_for
from rook_sim_support import play_recap
from s3_support import s3
from test_check_mode import INVENTORY, _vars_file, changed_results, playbook

NAME = os.environ.get("KOOR_UPGRADE_LAB", "upgrade")
TARGET = "20.2.4"
POOL = "upgdata"
PAYLOAD = os.urandom(1 << 19).hex()


@pytest.fixture(scope="module")
def reef(tmp_path_factory):
    """A fresh Reef 18.2.7 plain lab with data in it (a RADOS object, an RBD image, an S3 object)."""
    with fresh_lab(NAME, "trixie") as lab:
        lab.run("ceph", "-c", lab.conf, "osd", "pool", "create", POOL, "8", "8")
        lab.run("ceph", "-c", lab.conf, "osd", "pool", "application", "enable", POOL, "rbd")
        lab.run("rados", "-c", lab.conf, "-p", POOL, "put", "obj", "-", input=PAYLOAD)
        lab.run("rbd", "-c", lab.conf, "create", POOL + "/disk", "--size", "16M")
        lab.run("rbd", "-c", lab.conf, "import", "-", POOL + "/disk2", input=PAYLOAD)
        user = json.loads(lab.run("radosgw-admin", "-c", lab.conf, "user", "create", "--uid", "upg",
                                  "--display-name", "upg").stdout)
        keys = user["keys"][0]["access_key"], user["keys"][0]["secret_key"]
        assert s3(lab, *keys, method="PUT", path="/upgbucket")[0] == 200
        assert s3(lab, *keys, method="PUT", path="/upgbucket/obj", body=PAYLOAD.encode())[0] == 200
        lab.s3_keys = keys
        lab.vars_dir = tmp_path_factory.mktemp("upgrade")
        yield lab


def data(lab):
    """Checksums of the data written before the upgrade, read back with the lab's own tools."""
    rados = lab.run("rados", "-c", lab.conf, "-p", POOL, "get", "obj", "-").stdout
    rbd = subprocess.run(["chroot", lab.root, "sh", "-c", "rbd -c %s export %s/disk2 - | md5sum" % (lab.conf, POOL)],
                         capture_output=True, text=True, check=True).stdout.split()[0]
    status, body = s3(lab, *lab.s3_keys, path="/upgbucket/obj")
    return {"rados": rados == PAYLOAD, "rbd": rbd == hashlib.md5(PAYLOAD.encode()).hexdigest(),
            "s3": (status, body == PAYLOAD)}


def pgs_clean(lab):
    states = lab.ceph("pg", "stat")["pg_summary"]["num_pg_by_state"]
    return bool(states) and all(s["name"] == "active+clean" for s in states)


def versions(lab):
    return lab.ceph("versions")["overall"]


def restart_commands(stop_on=None, stop=None):
    """The lab's restart step per daemon type: the daemon from Tentacle's image (and, for the fault,
    daemon STOP stopped right after the restart of STOP_ON)."""
    command = "%s restart-daemon --name %s --daemon %%s --suite sid" % (KOOR_LAB, NAME)
    if stop_on:
        command += " && if [ {name} = %s ]; then %s stop-daemon --name %s --daemon %s; fi" % (stop_on, KOOR_LAB, NAME, stop)
    return dict((kind, command % ("client.rgw.{id}" if kind == "rgw" else "{name}"))
                for kind in ("mon", "mgr", "osd", "mds", "rgw"))


def run(lab, check=False, **overrides):
    """rolling_upgrade.yml on the lab with the lab's package and restart steps; the process."""
    settings = {"ceph_upgrade_target_version": TARGET, "ceph_upgrade_accept_sole_daemon_outage": True,
                "ceph_upgrade_hosts": {socket.gethostname(): "localhost"},
                # the package step: the new release's image in the lab's cache (as a package download)
                "ceph_upgrade_package_command": "%s build --suite sid" % KOOR_LAB,
                "ceph_upgrade_restart_commands": restart_commands(),
                "ceph_upgrade_wait_timeout": 120,
                # one host: its OSDs restart one by one (osd_batch auto finds the host not ok to stop)
                "ceph_upgrade_capacity_unit": "osd"}
    settings.update(overrides)
    extra = lab.vars_dir / "upgrade.json"
    extra.write_text(json.dumps(settings))
    return playbook([INVENTORY], "rolling_upgrade.yml", "-e", "@" + _vars_file(lab, lab.vars_dir), "-e", "@%s" % extra,
                    check=check)


def out(proc):
    return proc.stdout[-6000:] + proc.stderr[-2000:]


def _words(proc):
    return (proc.stdout + proc.stderr).strip()


def holds(lab):
    """What the upgrade holds, read with Ceph's CLI: cluster flags, the autoscaler switch, noout of
    CRUSH hosts, the holds record."""
    dump = lab.ceph("osd", "dump")
    record = lab.run("ceph", "-c", lab.conf, "config-key", "get", "koor.ceph/upgrade/holds", check=False)
    return {"flags": sorted(f for f in dump.get("flags", "").split(",") if f in ("noout", "nodeep-scrub", "noscrub")),
            # the mgr answers in words, on stderr
            "noautoscale": _words(lab.run("ceph", "-c", lab.conf, "osd", "pool", "get", "noautoscale")),
            "crush_node_flags": dump.get("crush_node_flags") or {},
            "record": record.stdout if record.returncode == 0 else None}


def test_check_mode_prints_the_plan_and_changes_nothing(reef):
    before, before_versions, before_holds = reef.state(), versions(reef), holds(reef)
    proc = run(reef, check=True)
    assert proc.returncode == 0, out(proc)
    for line in ("restart mon.a on %s: 18.2.7 -> %s" % (socket.gethostname(), TARGET), "restart osd.2",
                 "restart rgw.lab", "then require-osd-release tentacle (now reef)", "[ok] health:", "[ok] pool_min_size:"):
        assert line in proc.stdout, out(proc)
    # one change per restart a real run makes, and require-osd-release
    assert len(changed_results(proc.stdout)) == 8, sorted(changed_results(proc.stdout))
    assert_same_state(before, reef.state())
    assert versions(reef) == before_versions and holds(reef) == before_holds


@pytest.mark.parametrize("case", ["sole mon", "downgrade", "known bad", "health error", "min_size", "osd down"])
def test_refusals_change_nothing(reef, case):
    overrides, undo = {}, None
    if case == "sole mon":
        overrides["ceph_upgrade_accept_sole_daemon_outage"] = False
        expect = ["mon.a", "ceph_upgrade_accept_sole_daemon_outage: true", "Nothing was changed"]
    elif case == "downgrade":
        overrides["ceph_upgrade_target_version"] = "17.2.8"
        expect = ["versions:", "17.2.8", "nothing was changed"]
    elif case == "known bad":
        overrides["ceph_upgrade_target_version"] = "20.2.0"
        expect = ["versions:", "20.2.0"]
    elif case == "health error":
        # full ratios out of order: HEALTH_ERR OSD_OUT_OF_ORDER_FULL
        reef.run("ceph", "-c", reef.conf, "osd", "set-nearfull-ratio", "0.97")
        undo = ("osd", "set-nearfull-ratio", "0.85")
        expect = ["health:", "OSD_OUT_OF_ORDER_FULL"]
    elif case == "min_size":
        reef.run("ceph", "-c", reef.conf, "osd", "pool", "set", POOL, "min_size", "3")
        undo = ("osd", "pool", "set", POOL, "min_size", "2")
        expect = ["pool_min_size:", POOL]
    else:
        subprocess.run([KOOR_LAB, "stop-daemon", "--name", NAME, "--daemon", "osd.2"], check=True, capture_output=True)
        wait_for("PGs not active+clean", lambda: not pgs_clean(reef), 60)
        expect = ["osds:", "osd.2", "[CLOSED] pgs:"]
    try:
        before, before_versions, before_holds = reef.state(), versions(reef), holds(reef)
        proc = run(reef, **overrides)
        assert proc.returncode != 0, out(proc)
        for text in expect:
            assert text in proc.stdout, (text, out(proc))
        assert play_recap(proc.stdout)["localhost"]["changed"] == 0, out(proc)
        assert_same_state(before, reef.state())
        assert versions(reef) == before_versions and holds(reef) == before_holds
    finally:
        if undo:
            reef.run("ceph", "-c", reef.conf, *undo)
        if case == "osd down":
            subprocess.run([KOOR_LAB, "restart-daemon", "--name", NAME, "--daemon", "osd.2"], check=True,
                           capture_output=True)
            wait_for("PGs active+clean again", lambda: pgs_clean(reef))


def test_a_fault_stops_the_roll_at_the_gate_naming_the_osd(reef):
    before_holds = holds(reef)
    proc = run(reef, ceph_upgrade_restart_commands=restart_commands(stop_on="osd.1", stop="osd.2"),
               ceph_upgrade_wait_timeout=30)
    assert proc.returncode != 0, out(proc)
    assert "The upgrade stopped after restarting osd.1" in proc.stdout and "osd.2" in proc.stdout, out(proc)
    # mon, mgr and osd.0 / osd.1 are on Tentacle; osd.2 (stopped) and the MDS / radosgw are not
    assert any(TARGET in v for v in versions(reef)) and any("18.2.7" in v for v in versions(reef))
    after = holds(reef)
    # nodeep-scrub and the autoscaler are released; the host keeps noout while its OSD is down
    assert after["flags"] == before_holds["flags"] and after["noautoscale"] == before_holds["noautoscale"], after
    assert after["crush_node_flags"].get(socket.gethostname()) == ["noout"], after
    assert after["record"] is not None and "noout:" in after["record"], after


def test_restarted_the_upgrade_resumes_and_completes_with_the_data_intact(reef):
    before = data(reef)
    # osd.2 back, still on Reef (`koor-lab up` would wait for HEALTH_OK, which Tentacle's mon keeps at
    # HEALTH_ERR AUTH_INSECURE_* until the cephx keys are rotated)
    subprocess.run([KOOR_LAB, "restart-daemon", "--name", NAME, "--daemon", "osd.2"], check=True, capture_output=True)
    wait_for("PGs active+clean again", lambda: pgs_clean(reef))  # as an operator would, before the run
    proc = run(reef)
    assert proc.returncode == 0, out(proc)
    assert list(versions(reef)) == [v for v in versions(reef) if TARGET in v] and len(versions(reef)) == 1
    assert reef.ceph("osd", "dump")["require_osd_release"] == "tentacle"
    after_holds = holds(reef)
    assert after_holds["flags"] == [] and after_holds["crush_node_flags"] == {} and after_holds["record"] is None
    assert after_holds["noautoscale"] == "noautoscale is off", after_holds
    assert data(reef) == before and before == {"rados": True, "rbd": True, "s3": (200, True)}


def test_a_second_run_changes_nothing(reef):
    before = reef.state()
    proc = run(reef)
    assert proc.returncode == 0, out(proc)
    assert play_recap(proc.stdout)["localhost"]["changed"] == 0, out(proc)
    assert "nothing to do" in proc.stdout, out(proc)
    assert_same_state(before, reef.state())
    check = run(reef, check=True)
    assert check.returncode == 0 and play_recap(check.stdout)["localhost"]["changed"] == 0, out(check)
