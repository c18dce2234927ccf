"""Benchmark of the declared-state path (make bench): through the ceph_resources role, the no-op
re-run of 50 pools + 50 RGW users + 20 subvolumes (goal: under 3 s), and creating 50 pools."""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL_SECONDS = 3.0


def lab_vars(name):
    out = subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", name, "--ansible"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out[out.index("{"):])


def run_role(variables, trace, tags=None, with_changed=False):
    """Run the role once; returns (wall seconds, trace lines of this run)."""
    play = [{"hosts": "localhost", "gather_facts": False,
             "module_defaults": {"group/koor.ceph.ceph": "{{ koor_ceph_connection }}"},
             "roles": [{"role": "koor.ceph.ceph_resources"}]}]
    with tempfile.TemporaryDirectory() as tmp:
        playbook = os.path.join(tmp, "play.yml")
        extra = os.path.join(tmp, "vars.json")
        with open(playbook, "w") as handle:
            json.dump(play, handle)
        with open(extra, "w") as handle:
            json.dump(variables, handle)
        if os.path.exists(trace):
            os.unlink(trace)
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="False",
                   KOOR_CEPH_TRACE=trace)
        argv = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local",
                "-e", "ansible_python_interpreter=" + sys.executable, "-e", "@" + extra, playbook]
        if tags:
            argv += ["--tags", tags]
        started = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit("the role failed:\n" + proc.stdout[-3000:] + proc.stderr[-2000:])
    lines = []
    if os.path.exists(trace):
        with open(trace) as handle:
            lines = [json.loads(line) for line in handle]
    if with_changed:
        return wall, lines, "changed=0" not in proc.stdout.split("PLAY RECAP")[-1]
    return wall, lines


def describe(lines):
    spawned = sum(1 for line in lines if line["op"] == "exec" or line["mode"] == "cli")
    ceph_ms = sum(line["ms"] for line in lines)
    return "%d requests to the cluster (%d processes spawned: %s), %.0f ms waiting on Ceph" % (
        len(lines), spawned, ", ".join(sorted(set(line["what"] for line in lines if line["op"] == "exec"))) or "none",
        ceph_ms)


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

    wall, lines = run_role(dict(variables, ceph_resources_pools=pools), trace, tags="pools")
    print("  create 50 pools from nothing:     %6.2f s wall (%.0f ms per pool); %s"
          % (wall, wall / 50 * 1000, describe(lines)))
    state = dict(variables, ceph_resources_pools=pools, ceph_resources_rgw_users=users,
                 ceph_resources_subvolume_groups=group, ceph_resources_subvolumes=subvolumes)
    wall, lines = run_role(state, trace)
    print("  create users and subvolumes:      %6.2f s wall; %s" % (wall, describe(lines)))
    wall, lines, changed = run_role(state, trace, with_changed=True)
    print("  no-op re-run of the whole state:  %6.2f s wall (ansible-playbook start to end); %s"
          % (wall, describe(lines)))
    verdict = "met" if wall < GOAL_SECONDS and not changed else "NOT MET"
    print("  goal: no-op re-run under %.0f s, changed=0: %s (changed=%s). ceph-ansible's modules, one task per item, "
          "were measured at ~55 s for 50 pools alone." % (GOAL_SECONDS, verdict, changed))

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
