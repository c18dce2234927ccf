"""Benchmark of playbooks/site.yml in Rook mode (make bench): on a fresh Rook lab (3 nodes, disks
10G, 10G, 1G), the wall time from an empty lab to a Ready cluster with the lab's block, object and
file storage, then the no-op re-run (goal: under 60 s). Each run is split into the time spent
waiting on Ceph (tasks that wait for the cluster, a pool, a filesystem, an object store or a user
to become Ready, or for PGs to be clean) and the time in Ansible itself (everything else),
from the per-task durations of the ansible.posix.json callback."""
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
GOAL_NOOP = 60.0
WAITING = re.compile(r"\bwait|\bWait|until .*Ready|become[s]? Ready|active\+clean", re.I)


def seconds(stamp):
    # 2026-11-22T13:40:01.123456Z
    return time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + (stamp[20:26] or "0"))


def run(lab):
    inventories = ["-i", os.path.join(ROOT, "inventories", "lab", "hosts.yml"),
                   "-i", os.path.join(ROOT, "inventories", "lab", "generated", "%s-nodes.yml" % lab),
                   "-i", os.path.join(ROOT, "inventories", "lab", "generated", "%s-rook.yml" % lab)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    started = time.monotonic()
    proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook")] + inventories
                          + [os.path.join(ROOT, "playbooks", "site.yml")],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit("bench_site: site.yml failed:\n%s\n%s" % (proc.stdout[-4000:], proc.stderr[-2000:]))
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    waiting, tasks, changed = 0.0, [], 0
    for play in report["plays"]:
        for task in play["tasks"]:
            duration = task["task"].get("duration") or {}
            if not duration.get("end"):
                continue
            spent = seconds(duration["end"]) - seconds(duration["start"])
            tasks.append((spent, task["task"]["name"]))
            if WAITING.search(task["task"]["name"]):
                waiting += spent
    for host in report["stats"].values():
        changed += host.get("changed", 0)
    return {"wall": wall, "waiting": waiting, "ansible": wall - waiting, "changed": changed,
            "slowest": sorted(tasks, reverse=True)[:5]}


def show(what, result):
    print("  %-34s %6.1f s wall: %6.1f s waiting on Ceph/Rook, %6.1f s in Ansible itself; changed=%d"
          % (what, result["wall"], result["waiting"], result["ansible"], result["changed"]))
    for spent, name in result["slowest"]:
        print("      %6.1f s  %s" % (spent, name))


def main():
    # A Rook lab of its own (made fresh, removed after), whatever lab the other benchmarks use.
    lab = os.environ.get("BENCH_SITE_LAB", "bench-site")
    subprocess.run([KOOR_LAB, "down", "--name", lab], check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run([KOOR_LAB, "up", "--rook", "--name", lab, "--nodes", "3", "--node-disks", "10G,10G,1G"],
                   check=True, capture_output=True)
    lab_up = time.monotonic() - started
    try:
        first = run(lab)
        again = run(lab)
    finally:
        subprocess.run([KOOR_LAB, "down", "--name", lab], check=False, capture_output=True)
    print("site.yml on a fresh Rook lab %r (3 nodes x 2 OSD disks; lab up in %.1f s):" % (lab, lab_up))
    show("empty lab -> Ready, storage made", first)
    show("no-op re-run", again)
    verdict = "MET" if again["wall"] < GOAL_NOOP and again["changed"] == 0 else "NOT MET"
    print("  goal: no-op re-run under %.0f s with changed=0: %s" % (GOAL_NOOP, verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
