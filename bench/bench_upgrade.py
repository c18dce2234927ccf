"""Benchmark of the plain rolling upgrade (make bench) on a fresh Reef 18.2.7 lab of its own: the
upgrade's wall time (playbooks/rolling_upgrade.yml to Tentacle 20.2.4) beside the sum of the daemons'
own restart-to-ready times (from the start of each restart to the end of the wait that saw it back:
what no orchestration can save), as a ratio (the issue's goal: <= 1.25); the time from a restarted OSD
being up in the OSD map to ceph_upgrade_gate_info's wait returning (goal < 2 s: it watches, it does not
sleep); the processes one gate check starts. The lab (KOOR_BENCH_UPGRADE_LAB, default bench-upgrade)
is removed at the end."""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
sys.path.insert(0, COLLECTIONS)

from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner  # noqa: E402

KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
NAME = os.environ.get("KOOR_BENCH_UPGRADE_LAB", "bench-upgrade")
GOAL_RATIO = 1.25
GOAL_LATENCY = 2.0


def lab(*args, **kw):
    return subprocess.run([KOOR_LAB] + list(args) + ["--name", NAME], check=True, capture_output=True, text=True, **kw)


def connection():
    return json.loads(lab("env", "--ansible").stdout.split("\n", 1)[1])["koor_ceph_connection"]


def stamp(text):
    """ansible.posix.json's time stamps (2026-12-03T12:00:00.123456Z) as epoch seconds."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def upgrade(folder):
    """rolling_upgrade.yml with the json callback: (wall seconds, [(daemons, restart-to-ready seconds)])."""
    command = "%s restart-daemon --name %s --daemon %%s --suite sid" % (KOOR_LAB, NAME)
    settings = {"ceph_upgrade_target_version": "20.2.4", "ceph_upgrade_accept_sole_daemon_outage": True,
                "ceph_upgrade_hosts": {os.uname()[1]: "localhost"}, "ceph_upgrade_capacity_unit": "osd",
                "ceph_upgrade_package_command": "%s build --suite sid" % KOOR_LAB,
                "ceph_upgrade_restart_commands": dict((kind, command % ("client.rgw.{id}" if kind == "rgw" else "{name}"))
                                                      for kind in ("mon", "mgr", "osd", "mds", "rgw")),
                "koor_ceph_connection": connection()}
    extra = os.path.join(folder, "upgrade.json")
    with open(extra, "w") as handle:
        json.dump(settings, handle)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_LOCALHOST_WARNING="False")
    started = time.monotonic()
    proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab/hosts.yml",
                           "-e", "@" + extra, "playbooks/rolling_upgrade.yml"], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)
    wall = time.monotonic() - started
    if proc.returncode:
        raise SystemExit("the upgrade failed:\n%s\n%s" % (proc.stdout[-4000:], proc.stderr[-2000:]))
    tasks = [t for play in json.loads(proc.stdout)["plays"] for t in play["tasks"]]
    steps, restart = [], None
    for task in tasks:
        name = task["task"]["name"].split(" : ", 1)[-1]  # without the role
        duration = task["task"].get("duration") or {}
        if name.startswith("Restart the daemons on their host"):
            restart = (name.split(" | ", 1)[-1], stamp(duration["start"]))
        elif name.startswith("Wait until back on the target version") and restart:
            steps.append((restart[0], stamp(duration["end"]) - restart[1]))
            restart = None
    if not steps:
        raise SystemExit("no restart found in the play's output (task names: %s)" % sorted(set(
            t["task"]["name"] for t in tasks))[:40])
    return wall, steps


def latency():
    """Seconds from osd.1 up in the OSD map (watched here in a tight loop) to the module's wait
    returning, after osd.1 was stopped and started again while the module waited."""
    lab("stop-daemon", "--daemon", "osd.1")
    args = dict(connection(), gates=[], daemons_ready=["osd.1"], wait_timeout=120, target_version="20.2.4")
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    returned = {}

    def run_module():
        subprocess.run([sys.executable, "-m", "ansible_collections.koor.ceph.plugins.modules.ceph_upgrade_gate_info"],
                       input=json.dumps({"ANSIBLE_MODULE_ARGS": args}), capture_output=True, text=True, env=env, check=True)
        returned["at"] = time.monotonic()
    thread = threading.Thread(target=run_module)
    thread.start()
    time.sleep(2)
    lab("restart-daemon", "--daemon", "osd.1")
    with CephRunner(connection(), check_mode=True) as runner:
        while True:
            osds = dict((o["osd"], o["up"]) for o in runner.mon("osd dump")["osds"])
            if osds.get(1):
                up = time.monotonic()
                break
            time.sleep(0.01)
    thread.join()
    return returned["at"] - up


def processes_per_check(folder):
    """Processes one ceph_upgrade_gate_info run starts (itself included), counted by strace."""
    out = os.path.join(folder, "strace")
    args = dict(connection(), target_version="20.2.4")
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", out, sys.executable, "-m",
                    "ansible_collections.koor.ceph.plugins.modules.ceph_upgrade_gate_info"],
                   input=json.dumps({"ANSIBLE_MODULE_ARGS": args}), capture_output=True, text=True,
                   env=dict(os.environ, PYTHONPATH=COLLECTIONS), check=True)
    with open(out) as handle:
        return sum(1 for line in handle if "execve(" in line and "= 0" in line)


def main():
    subprocess.run([KOOR_LAB, "down", "--name", NAME], check=True, capture_output=True)
    lab("up", "--suite", "trixie")
    try:
        with tempfile.TemporaryDirectory() as folder:
            wall, steps = upgrade(folder)
            own = sum(seconds for _daemons, seconds in steps)
            print("rolling upgrade Reef 18.2.7 -> Tentacle 20.2.4 (%d daemons): %.1f s wall, the daemons' own "
                  "restart-to-ready %.1f s (%s): ratio %.2f (goal <= %.2f)%s"
                  % (len(steps), wall, own, ", ".join("%s %.1f" % s for s in steps), wall / own, GOAL_RATIO,
                     "" if wall / own <= GOAL_RATIO else "  NOT MET"))
            seconds = latency()
            print("osd.1 up in the OSD map -> the gate's wait returned: %.2f s (goal < %.1f s)%s"
                  % (seconds, GOAL_LATENCY, "" if seconds < GOAL_LATENCY else "  NOT MET"))
            print("processes started by one gate check (the module, the transport's chroot, the agent): %d"
                  % processes_per_check(folder))
    finally:
        subprocess.run([KOOR_LAB, "down", "--name", NAME], check=False, capture_output=True)


if __name__ == "__main__":
    main()
