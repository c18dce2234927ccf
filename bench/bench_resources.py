"""Benchmark of the declared-state path (make bench): through the ceph_resources role (one
koor.ceph.ceph_resource_set call for the whole state), the no-op re-run of 50 pools + 50 RGW users
+ 20 subvolumes (goal: under 3 s), and creating 50 pools.

The no-op re-run runs three times once the cluster is settled (every PG active+clean after the
creations); the verdict takes the median, and every run is printed. Its wall time is set beside
what ansible-playbook itself costs (an empty play with the same variables), the role's tasks
(profile_tasks, in a separate no-op run so that the callback's cost stays out of the others),
the time the module waited on Ceph (the runner's trace), the CPU time of ansible-playbook and
everything it started (less dependent on the machine's load than wall time), and the load."""
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL_SECONDS = 3.0
NO_OP_RUNS = 3

ROLE_PLAY = [{"hosts": "localhost", "gather_facts": False,
              "module_defaults": {"group/koor.ceph.ceph": "{{ koor_ceph_connection }}"},
              "roles": [{"role": "koor.ceph.ceph_resources"}]}]
EMPTY_PLAY = [{"hosts": "localhost", "gather_facts": False, "tasks": []}]
TASK_TIME = re.compile(r"^(.*?) -{2,} +(\d+\.\d+)s$")


def lab_vars(name):
    out = subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", name, "--ansible"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out[out.index("{"):])


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_role(variables, trace, tags=None, play=None, profile=False):
    """Run the role (or ``play``) once: {wall, cpu, lines (the runner's trace), changed, tasks}."""
    with tempfile.TemporaryDirectory() as tmp:
        playbook = os.path.join(tmp, "play.yml")
        extra = os.path.join(tmp, "vars.json")
        with open(playbook, "w") as handle:
            json.dump(play or ROLE_PLAY, handle)
        with open(extra, "w") as handle:
            json.dump(variables, handle)
        if os.path.exists(trace):
            os.unlink(trace)
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="False",
                   KOOR_CEPH_TRACE=trace)
        if profile:
            env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
        argv = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local",
                "-e", "ansible_python_interpreter=" + sys.executable, "-e", "@" + extra, playbook]
        if tags:
            argv += ["--tags", tags]
        cpu = children_cpu()
        started = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        run = {"wall": time.perf_counter() - started, "cpu": children_cpu() - cpu}
        if proc.returncode != 0:
            raise SystemExit("the role failed:\n" + proc.stdout[-3000:] + proc.stderr[-2000:])
    run["lines"] = []
    if os.path.exists(trace):
        with open(trace) as handle:
            run["lines"] = [json.loads(line) for line in handle]
    run["changed"] = "changed=0" not in proc.stdout.split("PLAY RECAP")[-1]
    run["tasks"] = {}
    for line in proc.stdout.split("TASKS RECAP")[-1].splitlines():
        match = TASK_TIME.match(line.strip())
        if match:
            run["tasks"][match.group(1).split(" : ", 1)[-1]] = float(match.group(2))
    return run


def describe(lines):
    spawned = sum(1 for line in lines if line["op"] == "exec" or line["mode"] == "cli")
    ceph_ms = sum(line["ms"] for line in lines)
    return "%d requests to the cluster (%d processes spawned: %s), %.0f ms waiting on Ceph" % (
        len(lines), spawned, ", ".join(sorted(set(line["what"] for line in lines if line["op"] == "exec"))) or "none",
        ceph_ms)


def wait_settled(variables, timeout=300):
    """Until every PG is active+clean (the creations' peering done), at most ``timeout`` seconds."""
    conn = variables["koor_ceph_connection"]
    argv = list(conn.get("prefix") or []) + ["ceph", "--format", "json"]
    if conn.get("conf"):
        argv += ["-c", conn["conf"]]
    if conn.get("keyring"):
        argv += ["--keyring", conn["keyring"]]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(argv + ["pg", "stat"], capture_output=True, text=True, check=False).stdout
        try:
            stat = json.loads(out)
            states = dict((s["name"], s["num"]) for s in stat["pg_summary"]["num_pg_by_state"])
            if states.get("active+clean") == stat["pg_summary"]["num_pgs"]:
                return True
        except (ValueError, KeyError):
            pass
        time.sleep(2)
    return False


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "demo"
    variables = lab_vars(name)
    pools = [{"name": "bench-pool-%02d" % i, "application": "rbd", "pg_autoscale_mode": "off", "pg_num": 1}
             for i in range(50)]
    users = [{"uid": "bench-user-%02d" % i, "display_name": "Bench user %d" % i} for i in range(50)]
    group = [{"fs": "cephfs", "name": "bench"}]
    subvolumes = [{"fs": "cephfs", "group": "bench", "name": "sv-%02d" % i, "size": "1G"} for i in range(20)]
    trace = os.path.join(tempfile.gettempdir(), "koor-bench-resources.trace")
    print("declared state on lab %r: 50 pools + 50 RGW users + 20 subvolumes, through the ceph_resources role" % name)

    run = run_role(dict(variables, ceph_resources_pools=pools), trace, tags="pools")
    print("  create 50 pools from nothing:     %6.2f s wall (%.0f ms per pool); %s"
          % (run["wall"], run["wall"] / 50 * 1000, describe(run["lines"])))
    state = dict(variables, ceph_resources_pools=pools, ceph_resources_rgw_users=users,
                 ceph_resources_subvolume_groups=group, ceph_resources_subvolumes=subvolumes)
    run = run_role(state, trace)
    print("  create users and subvolumes:      %6.2f s wall; %s" % (run["wall"], describe(run["lines"])))
    if not wait_settled(variables):
        print("  (the PGs were not all active+clean after 300 s: measuring anyway)")

    runs = [run_role(state, trace) for _index in range(NO_OP_RUNS)]
    walls = [r["wall"] for r in runs]
    median = sorted(walls)[len(walls) // 2]
    changed = any(r["changed"] for r in runs)
    print("  no-op re-run of the whole state:  %6.2f s wall, the median of %s (ansible-playbook start to end, "
          "CPU %s s); %s" % (median, " / ".join("%.2f" % w for w in walls),
                             " / ".join("%.2f" % r["cpu"] for r in runs), describe(runs[0]["lines"])))
    profiled = run_role(state, trace + ".profiled", profile=True)
    empty = run_role(state, trace + ".empty", play=EMPTY_PLAY)
    ceph = sum(line["ms"] for line in runs[0]["lines"]) / 1000.0
    print("    beside it: ansible-playbook with an empty play %.2f s wall (CPU %.2f s); the role's tasks %.2f s (%s); "
          "waiting on Ceph %.2f s" % (empty["wall"], empty["cpu"], sum(profiled["tasks"].values()), ", ".join(
              "%s %.2f s" % (task, seconds)
              for task, seconds in sorted(profiled["tasks"].items(), key=lambda t: -t[1])), ceph))
    print("    load average while measuring: %.2f %.2f %.2f on %d CPUs" % (os.getloadavg() + (os.cpu_count(),)))
    verdict = "met" if median < GOAL_SECONDS and not changed else "NOT MET"
    print("  goal: no-op re-run under %.0f s, changed=0: %s (changed=%s)" % (GOAL_SECONDS, verdict, changed))

    for item in pools:
        item.update(state="absent", allow_delete=True)
    for item in users:
        item["state"] = "absent"
    for item in subvolumes:
        item.update(state="absent", allow_delete=True)
    group[0]["state"] = "absent"
    # one run: what is absent is removed in reverse dependency order (subvolumes before their group)
    run_role(dict(variables, ceph_resources_pools=pools, ceph_resources_rgw_users=users,
                  ceph_resources_subvolumes=subvolumes, ceph_resources_subvolume_groups=group), trace)
    return 0  # the verdict is printed; a missed goal is a finding, not a failed run


if __name__ == "__main__":
    sys.exit(main())
