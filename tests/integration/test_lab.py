"""The lab itself: a second lab beside the first, a taken port, and a down that leaves nothing."""
import json
import os
import socket
import subprocess

from conftest import KOOR_LAB
from koorlab.util import cmdline


def koor_lab(*args, check=True):
    return subprocess.run([KOOR_LAB] + list(args), capture_output=True, text=True, check=check)


def _cmdline(pid):
    return " ".join(cmdline(pid))


def test_taken_port_is_a_clear_error_not_a_hang(lab):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    port = sock.getsockname()[1]
    try:
        proc = koor_lab("up", "--name", "porttaken", "--port", str(port - 5), check=False)
    finally:
        sock.close()
    assert proc.returncode == 1
    assert "port %d is already in use" % port in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not os.path.exists("/var/lib/koor-lab/porttaken")


def test_invalid_name_is_refused():
    proc = koor_lab("up", "--name", "Bad_Name", check=False)
    assert proc.returncode == 1 and "invalid lab name 'Bad_Name'" in proc.stderr


def test_second_lab_runs_beside_the_first_and_down_leaves_nothing(lab):
    name = "side"
    koor_lab("down", "--name", name)
    try:
        koor_lab("up", "--name", name)
        env = json.loads(koor_lab("env", "--name", name, "--json").stdout)
        assert env["KOOR_LAB_MON_PORT"] != lab.env["KOOR_LAB_MON_PORT"]
        assert env["KOOR_LAB_FSID"] != lab.fsid
        status = json.loads(koor_lab("status", "--name", name).stdout)
        assert status["ready"] is True and status["running"] is True
        # both clusters answer, each with its own fsid
        out = subprocess.run(["chroot", env["KOOR_LAB_ROOT"], "ceph", "-c", env["KOOR_LAB_CONF"], "fsid"],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == env["KOOR_LAB_FSID"]
        assert lab.ceph("fsid")["fsid"] == lab.fsid
        pids = status["pids"]
        base = int(env["KOOR_LAB_MON_PORT"])
        # a killed OSD (and mgr) is started again by `up`, not waited for until the timeout
        conf_arg = "-c /var/lib/koor-lab/%s/ceph.conf" % name
        killed = [pid for pid in pids if _cmdline(pid).startswith(("ceph-osd -i 1 " + conf_arg,
                                                                   "/usr/bin/ceph-mgr -i x " + conf_arg))]
        assert len(killed) == 2, [_cmdline(p) for p in pids]
        for pid in killed:
            os.kill(pid, 9)
        proc = koor_lab("up", "--name", name, "--timeout", "90", check=False)
        assert proc.returncode == 0, proc.stderr
        assert "mgr.x, osd.1 not running: starting them again" in proc.stderr
        again = json.loads(koor_lab("status", "--name", name).stdout)
        assert again["ready"] is True and len(again["pids"]) == 7
        assert not set(killed) & set(again["pids"])
        osd_stat = subprocess.run(["chroot", env["KOOR_LAB_ROOT"], "ceph", "-c", env["KOOR_LAB_CONF"], "osd", "stat",
                                   "--format", "json"], capture_output=True, text=True, check=True).stdout
        assert json.loads(osd_stat)["num_up_osds"] == 3
    finally:
        koor_lab("down", "--name", name)
    assert len(pids) == 7  # mon, mgr, 3 OSDs, MDS, radosgw
    conf = "/var/lib/koor-lab/%s/ceph.conf" % name
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            assert conf not in _cmdline(entry), "a daemon survived down: %s" % _cmdline(entry)
    with open("/proc/self/mounts") as handle:
        assert "/var/lib/koor-lab/%s " % name not in handle.read()
    assert not os.path.exists("/var/lib/koor-lab/%s" % name)
    for port in range(base, base + 100):
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as daemons bind: TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        finally:
            probe.close()
    # the first lab is untouched
    assert lab.ceph("health")["status"] == "HEALTH_OK"
