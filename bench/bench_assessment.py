"""Benchmark of the system assessment on the lab (make bench): a live assessment's wall time (collection,
checks and the three report files; as a module run and as playbooks/assess.yml), the requests to Ceph, the
round trips to the agent and the processes the collection starts. The issue's goal: under 10 s for the
whole report. With KOOR_BENCH_ROOK_LAB=NAME (a Rook lab with a CephCluster: lab/koor-lab up --rook) the Rook mode
is measured too (Ceph through the toolbox, Rook through the lab's Kubernetes API)."""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".cache", "collections"))

from ansible_collections.koor.ceph.plugins.module_utils.assessment import run  # noqa: E402
from ansible_collections.koor.ceph.plugins.module_utils.kube import Kube  # noqa: E402
from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner  # noqa: E402

GOAL_SECONDS = 10.0


def lab_env(name):
    out = subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", name, "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def assess_once(connection, folder, mode, rook=False):
    """One assessment through the module's code (run.execute) with the agent in ``mode``: (seconds, result,
    the trace lines of the runner's requests)."""
    trace = os.path.join(folder, "trace-%s-%s.jsonl" % (mode, rook))
    os.environ["KOOR_CEPH_TRACE"] = trace
    params = dict((k, v.get("default")) for k, v in run.ARGSPEC.items())
    params.update(connection, report_dir=folder, rook=rook)
    started = time.perf_counter()
    result = run.execute(params, False, lambda: CephRunner(dict(connection, agent_mode=mode), check_mode=True),
                         lambda: Kube(connection))
    seconds = time.perf_counter() - started
    del os.environ["KOOR_CEPH_TRACE"]
    with open(trace) as handle:
        lines = [json.loads(line) for line in handle]
    return seconds, result, lines


def playbook_wall(name, folder):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="False")
    extra = os.path.join(folder, "lab.json")
    with open(extra, "w") as handle:
        handle.write(subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", name, "--ansible"],
                                    capture_output=True, text=True, check=True).stdout.split("\n", 1)[1])
    started = time.perf_counter()
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab/hosts.yml",
                    "-e", "@" + extra, "-e", "assess_report_dir=" + os.path.join(folder, "play"),
                    "-e", "assess_fail_on=none", "playbooks/assess.yml"],
                   check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - started


def rook_bench(name):
    with open(os.path.join(ROOT, "inventories", "lab", "generated", name + "-rook.yml")) as handle:
        inventory = json.loads(handle.read().split("\n", 1)[1])
    connection = inventory["all"]["children"]["koor_lab_rook"]["vars"]["koor_ceph_connection"]
    folder = tempfile.mkdtemp(prefix="koor-bench-assess-rook-")
    seconds, result, lines = assess_once(connection, folder, "auto", rook=True)
    print("assessment benchmark on Rook lab %r (Ceph through %s, Rook through the Kubernetes API)" % (
        name, connection["toolbox"]))
    print("  %.2f s for the whole report: %d requests to Ceph in %d round trips to the agent; processes started: "
          "1 kubectl exec (the agent in the toolbox) + %d tool processes; %d findings, exit code %d" % (
              seconds, result["stats"]["requests"], len(lines), sum(1 for line in lines if line["op"] == "exec"),
              len(result["report"]["findings"]), result["exit_code"]))
    print("  goal: under %.0f s for the whole report: %s" % (GOAL_SECONDS, "met" if seconds < GOAL_SECONDS else "NOT MET"))


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "demo"
    if os.environ.get("KOOR_BENCH_ROOK_LAB"):
        rook_bench(os.environ["KOOR_BENCH_ROOK_LAB"])
    env = lab_env(name)
    connection = {"transport": "prefix", "prefix": ["chroot", env["KOOR_LAB_ROOT"]], "conf": env["KOOR_LAB_CONF"],
                  "keyring": env["KOOR_LAB_KEYRING"]}
    print("assessment benchmark on lab %r (Ceph %s, plain mode)" % (name, env["KOOR_LAB_CEPH_VERSION"]))
    folder = tempfile.mkdtemp(prefix="koor-bench-assess-")
    for mode, label in (("auto", "agent, librados"), ("cli", "agent, CLI fall back")):
        seconds, result, lines = assess_once(connection, folder, mode)
        execs = sum(1 for line in lines if line["op"] == "exec")
        batched = sum(int(line["what"].split()[-1]) for line in lines if line["op"] == "batch")
        print("  %-22s %6.2f s for the whole report: %d requests to Ceph in %d round trips to the agent "
              "(%d batched); processes started: 1 agent + %d tool processes%s; %d findings, exit code %d" % (
                  label, seconds, result["stats"]["requests"], len(lines), batched, execs,
                  " + one ceph CLI per read" if mode == "cli" else "", len(result["report"]["findings"]),
                  result["exit_code"]))
        if mode == "auto":
            live = seconds
    wall = playbook_wall(name, folder)
    print("  playbooks/assess.yml: %.2f s wall (ansible-playbook start to end)" % wall)
    print("  goal: under %.0f s for the whole report: %s (%.2f s live, %.2f s as a playbook)" % (
        GOAL_SECONDS, "met" if max(live, wall) < GOAL_SECONDS else "NOT MET", live, wall))
    return 0  # the verdict is printed; a missed goal is a finding, not a failed run


if __name__ == "__main__":
    sys.exit(main())
