"""Benchmark of playbooks/site.yml in Rook mode (make bench): on a fresh Rook lab (3 nodes, disks
10G, 10G, 1G), the wall time from an empty lab to a Ready cluster with the lab's block, object and
file storage, then the no-op re-run. Goal: the no-op under 60 s and under 0.25x the first run, with
changed=0; the script exits 1 when it is not met.

Each run's wall time is split by what its tasks did, from the per-task start and end times of the
ansible.posix.json callback and the module each task ran (its `action`):
  waiting        tasks that wait for Ceph/Rook (a name saying wait, Ready, active+clean)
  Kubernetes API tasks of kubernetes.core modules and koor.ceph.rook_cluster_info (reads, applies)
  Ceph           tasks of the koor.ceph.ceph_* modules (the runner) and kubernetes.core.k8s_exec
                 (ceph commands in the toolbox)
  storage hosts  tasks on the storage hosts over SSH (disk_prep)
  Ansible        every other task (assert, set_fact, templates, debug, includes, argument checks) and
                 the time between tasks and outside them (start-up, inventory, plays)
A module task's time includes starting the module (Python and its imports) as well as the time the
server took: it is the time the play spent in such tasks, not the server's own time.

Usage: bench/bench_site.py [--lab NAME] [--keep]   (lab: BENCH_SITE_LAB, default bench-site; made
fresh, removed after unless --keep). scripts/bench.sh passes the plain lab's name, which is ignored.
"""
import argparse
import calendar
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
GOAL_NOOP = 60.0
GOAL_RATIO = 0.25
WAITING = re.compile(r"\bwait|until .*Ready|become[s]? Ready|active\+clean", re.I)
PARTS = ("waiting", "Kubernetes API", "Ceph", "storage hosts", "Ansible")


def seconds(stamp):
    # 2026-11-22T13:40:01.123456Z (UTC)
    return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + (stamp[20:26] or "0"))


def part_of(name, hosts):
    """What a task did, from its name and the module it ran on each host."""
    actions = set(result.get("action", "") for result in hosts.values())
    if WAITING.search(name):
        return "waiting"
    if any(h != "localhost" for h in hosts):
        return "storage hosts"
    if actions & {"kubernetes.core.k8s_exec", "k8s_exec"} or any(a.startswith("koor.ceph.ceph_") for a in actions):
        return "Ceph"
    if any(a.startswith("kubernetes.core.") or a == "koor.ceph.rook_cluster_info" for a in actions):
        return "Kubernetes API"
    return "Ansible"


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
    parts = dict((part, 0.0) for part in PARTS)
    tasks, changed = [], 0
    for play in report["plays"]:
        for task in play["tasks"]:
            duration = task["task"].get("duration") or {}
            if not duration.get("end"):
                continue
            spent = seconds(duration["end"]) - seconds(duration["start"])
            part = part_of(task["task"]["name"], task.get("hosts") or {})
            parts[part] += spent
            tasks.append((spent, part, task["task"]["name"]))
    # The rest of the wall time (start-up, inventory, between tasks) is Ansible's own.
    parts["Ansible"] += max(0.0, wall - sum(task[0] for task in tasks))
    for host in report["stats"].values():
        changed += host.get("changed", 0)
    return {"wall": wall, "parts": parts, "changed": changed, "tasks": len(tasks),
            "slowest": sorted(tasks, reverse=True)[:8]}


def show(what, result):
    print("  %-30s %6.1f s wall, %d tasks, changed=%d" % (what, result["wall"], result["tasks"], result["changed"]))
    print("      " + ", ".join("%s %.1f s" % (part, result["parts"][part]) for part in PARTS))
    for spent, part, name in result["slowest"]:
        print("      %6.1f s  %-14s %s" % (spent, part, name))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default=os.environ.get("BENCH_SITE_LAB", "bench-site"),
                        help="the Rook lab to make fresh for the benchmark (default: BENCH_SITE_LAB or bench-site)")
    parser.add_argument("--keep", action="store_true", help="keep the lab afterwards")
    parser.add_argument("plain_lab", nargs="?", help=argparse.SUPPRESS)  # scripts/bench.sh's lab: not used here
    args = parser.parse_args(argv)
    lab = args.lab
    subprocess.run([KOOR_LAB, "down", "--name", lab], check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run([KOOR_LAB, "up", "--rook", "--name", lab, "--nodes", "3", "--node-disks", "10G,10G,1G"],
                   check=True, capture_output=True)
    lab_up = time.monotonic() - started
    try:
        first = run(lab)
        again = run(lab)
    finally:
        if not args.keep:
            subprocess.run([KOOR_LAB, "down", "--name", lab], check=False, capture_output=True)
    print("site.yml on a fresh Rook lab %r (3 nodes x 2 OSD disks; lab up in %.1f s):" % (lab, lab_up))
    print("  (split by what each task did, from the json callback's task times and modules: see bench_site.py)")
    show("empty lab -> Ready, storage made", first)
    show("no-op re-run", again)
    ratio = again["wall"] / first["wall"]
    met = again["wall"] < GOAL_NOOP and ratio < GOAL_RATIO and again["changed"] == 0
    print("  goal: no-op under %.0f s and under %.2fx the first run, changed=0: %.1f s, %.2fx, changed=%d: %s"
          % (GOAL_NOOP, GOAL_RATIO, again["wall"], ratio, again["changed"], "MET" if met else "FAIL"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
