"""Benchmarks of the runner on the lab (make bench): per-call cost through the agent over
librados and through the CLI fall back, and ceph_status_info as an Ansible task."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".cache", "collections"))

from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner  # noqa: E402


def lab_env(name):
    out = subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", name, "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def per_call(connection, mode, n):
    started = time.perf_counter()
    with CephRunner(dict(connection, agent_mode=mode)) as runner:
        startup = time.perf_counter() - started
        times = []
        for dummy in range(n):
            t = time.perf_counter()
            runner.mon("status")
            times.append(time.perf_counter() - t)
        assert runner.mode == ("librados" if mode == "auto" else "cli"), runner.mode
    return startup, times


def playbook_wall(connection, tasks):
    play = [{"hosts": "localhost", "gather_facts": False,
             "module_defaults": {"group/koor.ceph.ceph": connection},
             "tasks": [{"name": "status %d" % i, "koor.ceph.ceph_status_info": {}} for i in range(tasks)]}]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        json.dump(play, handle)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="False")
    t = time.perf_counter()
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local",
                    "-e", "ansible_python_interpreter=" + sys.executable, handle.name],
                   check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    os.unlink(handle.name)
    return wall


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "demo"
    n = int(os.environ.get("BENCH_N", "200"))
    env = lab_env(name)
    connection = {"transport": "prefix", "prefix": ["chroot", env["KOOR_LAB_ROOT"]], "conf": env["KOOR_LAB_CONF"],
                  "keyring": env["KOOR_LAB_KEYRING"]}
    print("runner benchmark on lab %r (Ceph %s), N=%d `ceph status` reads per path"
          % (name, env["KOOR_LAB_CEPH_VERSION"], n))
    rows = []
    for mode, label in (("auto", "agent, librados"), ("cli", "agent, CLI fall back")):
        startup, times = per_call(connection, mode, n)
        rows.append((label, startup, statistics.median(times), max(times)))
        print("  %-22s agent start %6.1f ms   median %8.2f ms/call   p100 %8.2f ms" % (
            label, startup * 1000, statistics.median(times) * 1000, max(times) * 1000))
    goal = 2.0
    median_ms = rows[0][2] * 1000
    print("  goal: under %.1f ms per call through the agent: %s (%.2f ms, %.0fx faster than the CLI)" % (
        goal, "met" if median_ms < goal else "NOT MET", median_ms, rows[1][2] / rows[0][2]))
    one = playbook_wall(connection, 1)
    eleven = playbook_wall(connection, 11)
    print("ceph_status_info as an Ansible task: playbook with 1 task %.2f s wall; each further task %.0f ms"
          % (one, (eleven - one) / 10 * 1000))
    return 0  # the verdict is printed; a missed goal is a finding, not a failed run


if __name__ == "__main__":
    sys.exit(main())
