"""Benchmark of disk discovery + validation (make bench): koor.ceph.disk_prep's discover and
preflight steps on 3 lab nodes x 8 disks, over SSH, with the hosts in parallel (forks=3) and
one after the other (forks=1). The lab's nodes are brought up if it has none."""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
NODES, DISKS = 3, 8
PLAY = [{
    "name": "disk discovery and validation",
    "hosts": "koor_lab_nodes",
    "gather_facts": False,
    "vars": {"disk_prep_devices": "{{ koor_lab_node_disks }}", "disk_prep_allow_loop_devices": True,
             "disk_prep_min_size": "1GiB", "disk_prep_storage_file": ""},
    "roles": [{"role": "koor.ceph.disk_prep"}],
}]


def ensure_nodes(name):
    status = json.loads(subprocess.run([KOOR_LAB, "status", "--name", name], capture_output=True, text=True,
                                       check=False).stdout or "{}")
    nodes = status.get("nodes") or {}
    if nodes.get("count") != NODES or len(nodes["nodes"][0]["disks"]) != DISKS or \
            not all(n["running"] for n in nodes["nodes"]):
        subprocess.run([KOOR_LAB, "up", "--name", name, "--nodes", str(NODES), "--node-disks", "7x10G,1G"],
                       check=True, stdout=subprocess.DEVNULL)
        status = json.loads(subprocess.run([KOOR_LAB, "status", "--name", name], capture_output=True, text=True,
                                           check=True).stdout)
    return status["nodes"]


def run(inventory, playbook, forks):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    started = time.perf_counter()
    proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", inventory, playbook,
                           "--forks", str(forks), "--tags", "discover,preflight"],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit("bench_disks: the playbook failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-2000:]))
    return wall


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "demo"
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    nodes = ensure_nodes(name)
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        json.dump(PLAY, handle)
    try:
        run(nodes["inventory"], handle.name, NODES)  # warm up (SSH control connections, caches)
        parallel = sorted(run(nodes["inventory"], handle.name, NODES) for dummy in range(rounds))
        serial = sorted(run(nodes["inventory"], handle.name, 1) for dummy in range(rounds))
    finally:
        os.unlink(handle.name)
    p, s = parallel[len(parallel) // 2], serial[len(serial) // 2]
    print("disk discovery + validation on lab %r: %d nodes x %d disks over SSH (koor.ceph.disk_prep, tags "
          "discover,preflight), median of %d" % (name, NODES, DISKS, rounds))
    print("  hosts in parallel (forks=%d): %5.2f s wall" % (NODES, p))
    print("  one host at a time (forks=1): %5.2f s wall" % s)
    print("  parallel/serial: %.2f (1/%d would be perfect overlap; %d CPUs on this machine, load average %.2f)"
          % (p / s, NODES, os.cpu_count(), os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
