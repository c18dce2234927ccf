"""`ansible-playbook --check --diff` of the plain-Ceph playbooks on the lab (health.yml and
resources.yml on the lab cluster, disk_prep.yml on its test nodes): each runs to the end, writes
nothing (the cluster's state, the nodes' disks and files read with the lab's own tools) and
reports as changed what a real run then changes, and nothing on a converged state.

The helpers below are also used by test_site.py for site.yml on the Rook lab: the changed
results of a run, every Kubernetes object of the lab API, the nodes' disks.
"""
import json
import os
import re
import subprocess
import uuid

import yaml

from conftest import ROOT, assert_same_state
# node_lab is the session fixture the disk_prep test requests.
from disk_lab import NodeLab, node_lab  # noqa: F401  pylint: disable=unused-import
from rook_sim_support import play_recap

ANSIBLE_PLAYBOOK = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
INVENTORY = os.path.join(ROOT, "inventories", "lab", "hosts.yml")


# --- helpers shared with test_site.py ---------------------------------------------------------
def playbook(inventories, name, *extra, check=False):
    """ansible-playbook NAME (with --check --diff when CHECK) on the lab inventories; the process."""
    argv = [ANSIBLE_PLAYBOOK]
    for inventory in inventories:
        argv += ["-i", inventory]
    argv += [os.path.join(ROOT, "playbooks", name)] + list(extra) + (["--check", "--diff"] if check else [])
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=3600)


def changed_results(output):
    """{(role, host, item label or None)} of every changed result in ansible-playbook's output (the
    default callback): what a run changed (or, in check mode, says it would change), role by role."""
    found = set()
    role = None
    for line in output.splitlines():
        task = re.match(r"^TASK \[(.*)\] \*+$", line)
        if task:
            role = task.group(1).split(" : ")[0] if " : " in task.group(1) else "(play)"
            continue
        result = re.match(r"^changed: \[([^\]]+)\](?: => \(item=(.*?)\))?", line)
        if result:
            found.add((role, result.group(1), result.group(2)))
    return found


def changed_roles(results):
    """{(role, host)} of changed_results(): what changed, without the items."""
    return set((role, host) for role, host, _item in results)


def kube_objects(kubectl):
    """{(apiVersion, kind, namespace, name): object} of every object the lab's Kubernetes API lists
    (every listable resource of its discovery, in one request). KUBECTL(*args) runs kubectl."""
    names = kubectl("api-resources", "--verbs=list", "-o", "name").stdout.split()
    items = json.loads(kubectl("get", ",".join(names), "--all-namespaces", "-o", "json").stdout)["items"]
    return dict(((o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]), o)
                for o in items)


def _without_status(obj):
    rest = dict((k, v) for k, v in obj.items() if k not in ("status", "metadata"))
    rest["metadata"] = dict((k, v) for k, v in obj["metadata"].items() if k not in ("resourceVersion", "managedFields"))
    return rest


def assert_no_object_written(before, after):
    """Nothing was created, deleted or written: the same objects with the same resourceVersions. An
    object whose status alone moved (the operator's periodic status writes, which a check run cannot
    cause) must have the same generation and everything else as it was."""
    assert sorted(after) == sorted(before), "objects created %s, deleted %s" % (
        sorted(set(after) - set(before)), sorted(set(before) - set(after)))
    for key, obj in before.items():
        if after[key]["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]:
            continue
        assert after[key].get("status") != obj.get("status"), "%s was written (resourceVersion %s -> %s)" % (
            key, obj["metadata"]["resourceVersion"], after[key]["metadata"]["resourceVersion"])
        assert _without_status(after[key]) == _without_status(obj), "%s was written beyond its status" % (key,)


def disk_checksums(nodes, whole=None):
    """{(node, device): checksum} of every disk of NODES (lab nodes' info dicts): the whole image
    (NodeLab.image_checksum) when WHOLE(node, device, size) says so (default: every disk), else the
    first 4 KiB (where a wipe starts; a running OSD keeps writing the rest of its disk)."""
    sums = {}
    for node in nodes:
        for device, size, image in zip(node["disks"], node["sizes"], node["images"]):
            if whole is None or whole(node["name"], device, size):
                sums[(node["name"], device)] = NodeLab.image_checksum(image)
            else:
                with open(image, "rb") as handle:
                    sums[(node["name"], device)] = handle.read(4096)
    return sums


def files_of(paths):
    """{path: content or None} of files on the host (the lab nodes share its file system)."""
    found = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                found[path] = handle.read()
        except FileNotFoundError:
            found[path] = None
    return found


# --- the plain-Ceph playbooks ------------------------------------------------------------------
def _vars_file(lab, tmp_path):
    proc = subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", lab.name, "--ansible"],
                          capture_output=True, text=True, check=True)
    path = tmp_path / "lab.yml"
    path.write_text(proc.stdout)
    return str(path)


def test_health_report_in_check_mode_reads_and_changes_nothing(lab, tmp_path):
    before = lab.state()
    proc = playbook([INVENTORY], "health.yml", "-e", "@" + _vars_file(lab, tmp_path), check=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "cluster %s: HEALTH_" % lab.fsid in proc.stdout, proc.stdout[-4000:]
    assert changed_results(proc.stdout) == set()
    assert_same_state(before, lab.state())


def test_resources_in_check_mode_tell_what_the_run_does(lab, tmp_path):
    name = "kc-%s" % uuid.uuid4().hex[:6]
    declared = tmp_path / "declared.json"
    declared.write_text(json.dumps({
        "ceph_resources_pools": [{"name": name, "application": "rbd", "pg_autoscale_mode": "off", "pg_num": 8}],
        "ceph_resources_clients": [{"name": "client." + name,
                                    "caps": {"mon": "profile rbd", "osd": "profile rbd pool=%s" % name}}]}))
    extra = ["-e", "@" + _vars_file(lab, tmp_path), "-e", "@" + str(declared)]
    try:
        before = lab.state()
        check = playbook([INVENTORY], "resources.yml", *extra, check=True)
        assert check.returncode == 0, check.stdout[-4000:] + check.stderr[-2000:]
        assert_same_state(before, lab.state())
        assert name not in [p["pool_name"] for p in lab.ceph("osd", "pool", "ls", "detail")]
        # The diff names what would be made.
        assert name in check.stdout and "client.%s" % name in check.stdout, check.stdout[-4000:]

        real = playbook([INVENTORY], "resources.yml", *extra)
        assert real.returncode == 0, real.stdout[-4000:] + real.stderr[-2000:]
        assert changed_results(real.stdout) and changed_results(real.stdout) <= changed_results(check.stdout)
        assert name in [p["pool_name"] for p in lab.ceph("osd", "pool", "ls", "detail")]

        converged = lab.state()
        again = playbook([INVENTORY], "resources.yml", *extra, check=True)
        assert again.returncode == 0, again.stdout[-4000:]
        assert changed_results(again.stdout) == set(), again.stdout[-4000:]
        assert_same_state(converged, lab.state())
    finally:
        lab.run("ceph", "-c", lab.conf, "auth", "rm", "client." + name, check=False)
        lab.run("ceph", "-c", lab.conf, "osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it", check=False)


def _sysctl_as_written(path, settings):
    """Whether PATH holds what disk_prep writes for SETTINGS (its template) and the kernel runs them."""
    want = "# Ansible managed\n# Kernel settings for Ceph OSD hosts (koor.ceph.disk_prep).\n" + "".join(
        "%s = %s\n" % (key, settings[key]) for key in sorted(settings))
    current = files_of([path])[path]
    with_kernel = all(open("/proc/sys/" + key.replace(".", "/")).read().split() == str(value).split()
                      for key, value in settings.items())
    return current is not None and current.decode() == want and with_kernel


def test_disk_prep_in_check_mode_writes_nothing_and_tells_what_it_would(node_lab):  # noqa: F811
    """disk_prep.yml with the lab's settings (inventories/lab/group_vars/storage.yml: the two first
    disks of each node to wipe, the kernel settings kept in a file per node): nothing on the disks or
    in the files changes, and a node is reported changed exactly when a real run would change it: a
    disk to wipe holds a signature, or the settings file or the kernel differs from what the role sets."""
    with open(os.path.join(ROOT, "roles", "disk_prep", "defaults", "main.yml")) as handle:
        settings = yaml.safe_load(handle)["disk_prep_sysctl"]
    nodes = [{"name": n.name, "disks": n.disks, "sizes": n.sizes, "images": [n.images[d] for d in n.disks]}
             for n in node_lab.nodes]
    sysctl_files = ["/var/lib/koor-lab/%s/nodes/%s-sysctl.conf" % (node_lab.name, n["name"]) for n in nodes]
    would = {}
    for node, path in zip(nodes, sysctl_files):
        holds = [image for image in node["images"][:2]
                 if subprocess.run(["blkid", "-p", image], capture_output=True, check=False).returncode == 0]
        would[node["name"]] = bool(holds) or not _sysctl_as_written(path, settings)
    disks, files = disk_checksums(nodes), files_of(sysctl_files)
    proc = playbook([INVENTORY, node_lab.inventory], "disk_prep.yml", check=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert disk_checksums(nodes) == disks
    assert files_of(sysctl_files) == files
    recap = play_recap(proc.stdout)
    assert dict((name, recap[name]["changed"] > 0) for name in would) == would, proc.stdout[-6000:]
