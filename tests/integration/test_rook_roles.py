"""The roles disk_prep, rook_operator and rook_cluster together, by ansible-playbook, on a Rook lab of its own
(`koor-lab up --rook`, 3 nodes with disks 10G,10G,1G; KOOR_ROOK_ROLES_LAB names it, default "rookroles"): it
must start without Rook, so it is not the session's shared Rook lab (conftest `rook`). Made fresh, removed at
the end.

Bad input first, each caught in preflight with its message and nothing applied (checked on the API); then
the cluster: Ready, HEALTH_OK and 3 real OSDs one per host (toolbox, SSH), a second run with changed=0, bad
input against the running cluster changes nothing, and the operator from a mirror URL (a local HTTP server
serving Rook's manifests) finds nothing to change.
"""
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import yaml

import rook_sim_support as support
from conftest import KOOR_LAB, ROOK_EXAMPLES, ROOT

LAB = os.environ.get("KOOR_ROOK_ROLES_LAB", "rookroles")
NS = "rook-ceph"
PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "rook_roles.yml")
OPERATOR_PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "rook_operator.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


class RolesLab(support.RookLab):
    """The Rook lab (rook_sim_support.RookLab: kubectl, the toolbox, SSH to the nodes) with an inventory
    and a playbook run of its own."""

    def __init__(self, env, workdir):
        super().__init__(env)
        self.workdir = workdir
        with open(os.path.join(ROOT, "inventories", "lab", "generated", "%s-nodes.yml" % self.name)) as handle:
            nodes = yaml.safe_load(handle)["all"]["children"]["koor_lab_nodes"]
        self.nodes = nodes["hosts"]
        self.node_vars = nodes["vars"]

    def disks(self, node):
        return self.nodes[node]["koor_lab_node_disks"]

    def inventory(self, all_disks=(), **admin_vars):
        """storage: the lab's nodes (disk_prep settings for the lab, the first 10G disk of each for Rook, every
        disk on the nodes in ``all_disks``); rook_admin: this controller."""
        storage_vars = dict(self.node_vars)
        storage_vars.update({
            "disk_prep_allow_loop_devices": True,
            "disk_prep_install_packages": False,
            "disk_prep_time_sync_check": "ignore",
            "disk_prep_kernel_modules_check": "ignore",
            "disk_prep_sysctl_file": "/var/lib/koor-lab/%s/nodes/{{ inventory_hostname }}-sysctl.conf" % self.name,
            "disk_prep_storage_file": "",
        })
        hosts = {}
        for node, info in self.nodes.items():
            hosts[node] = {"ansible_host": info["ansible_host"],
                           "disk_prep_devices": [] if node in all_disks else [self.disks(node)[0]]}
        admin = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "rook_operator_manifests_dir": ROOK_EXAMPLES, "rook_operator_allow_loop_devices": True,
                 "rook_cluster_wait_slice": 30}
        admin.update(admin_vars)
        return {"all": {"vars": {"koor_rook_kubeconfig": self.kubeconfig},
                        "children": {"storage": {"hosts": hosts, "vars": storage_vars},
                                     "rook_admin": {"hosts": {"localhost": admin}}}}}

    def play(self, playbook=PLAYBOOK, all_disks=(), **admin_vars):
        """ansible-playbook; returns (rc, output, {host: recap counts})."""
        path = os.path.join(self.workdir, "inventory.json")
        with open(path, "w") as handle:
            json.dump(self.inventory(all_disks, **admin_vars), handle)
        argv = [ANSIBLE_PLAYBOOK, "-i", path, playbook]
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0")
        started = time.monotonic()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=1800, check=False)
        recap = support.play_recap(proc.stdout)
        print("ansible-playbook %s: rc=%s in %.0fs"
              % (os.path.basename(playbook), proc.returncode, time.monotonic() - started))
        return proc.returncode, proc.stdout + proc.stderr, recap

    def cephclusters(self):
        proc = self.kubectl("-n", NS, "get", "cephcluster", "-o", "json", check=False)
        return json.loads(proc.stdout)["items"] if proc.returncode == 0 else None


@pytest.fixture(scope="module")
def roles_lab(tmp_path_factory):
    lab = support.up_fresh(LAB, "10G,10G,1G")
    try:
        yield RolesLab(lab.env, str(tmp_path_factory.mktemp("rook-roles")))
    finally:
        subprocess.run([KOOR_LAB, "down", "--name", LAB], check=False, capture_output=True)


def assert_failed_with(result, message):
    rc, output, _recap = result
    assert rc != 0, output[-3000:]
    flat = " ".join(output.split())
    assert message in flat, flat[-3000:]


def test_missing_kubeconfig_fails_before_anything(roles_lab):
    result = roles_lab.play(koor_rook_kubeconfig="/nonexistent/kubeconfig")
    assert_failed_with(result, "The kubeconfig /nonexistent/kubeconfig (rook_operator_kubeconfig, or koor_rook_kubeconfig"
                               " in the inventory) does not exist on localhost. Nothing was applied.")
    # nothing reached the API: no Rook CRD, no operator
    assert roles_lab.kubectl("get", "crd", "cephclusters.ceph.rook.io", check=False).returncode != 0
    assert roles_lab.get("deploy", "rook-ceph-operator") is None


def test_even_mon_count_fails_in_preflight(roles_lab):
    result = roles_lab.play(rook_cluster_mon_count=4)
    assert_failed_with(result, "rook_cluster_mon_count is 4: the monitors need an odd count")
    # the operator ran (its role comes first); no CephCluster was made
    assert roles_lab.get("deploy", "rook-ceph-operator") is not None
    assert roles_lab.cephclusters() == []


def test_unsupported_ceph_image_fails_in_preflight(roles_lab):
    # Rook v1.20's operator refuses Reef even with allowUnsupported: so does the role, naming the Rook that runs it
    result = roles_lab.play(rook_cluster_ceph_image="quay.io/ceph/ceph:v18.2.7", rook_cluster_allow_unsupported=True)
    assert_failed_with(result, "Ceph 18.2.7 (reef) of image quay.io/ceph/ceph:v18.2.7 is below 19.2.0, the oldest Ceph the"
                               " operator of Rook v1.20.6 runs: it refuses it even with cephVersion.allowUnsupported (Rook"
                               " v1.20.6 supports Squid 19.2.0+ and Tentacle 20.2.1+). Choose a supported image in"
                               " rook_cluster_ceph_image, or run Rook v1.18.11 (koor_rook_version) for it. Nothing was applied.")
    assert roles_lab.cephclusters() == []


def test_device_disk_prep_did_not_find_fails_in_preflight(roles_lab):
    node = sorted(roles_lab.nodes)[0]
    result = roles_lab.play(rook_cluster_storage={"nodes": [{"name": node, "devices": [{"name": "sdz"}]}]})
    assert_failed_with(result, "node %s: device sdz was not found by disk discovery" % node)
    assert roles_lab.cephclusters() == []


def test_storage_node_that_matches_no_kubernetes_node_fails_in_preflight(roles_lab):
    # Rook skips it without an error (0 OSDs there, a wait that never ends): refused before anything is applied
    node = sorted(roles_lab.nodes)[0]
    result = roles_lab.play(rook_cluster_storage_from="custom", rook_cluster_storage={
        "nodes": [{"name": node + "-renamed", "devices": [{"name": roles_lab.disks(node)[0][5:]}]}]})
    assert_failed_with(result, "storage node %s-renamed matches no Kubernetes Node by its kubernetes.io/hostname label"
                               " or name" % node)
    assert node in " ".join(result[1].split()).split("matches no Kubernetes Node")[1][:300]
    assert roles_lab.cephclusters() == []


def test_ineligible_device_fails_in_preflight(roles_lab):
    node = sorted(roles_lab.nodes)[1]
    small = roles_lab.disks(node)[2]  # the 1G disk
    # disk_prep looks at every disk of that node (it refuses an ineligible device in disk_prep_devices itself)
    result = roles_lab.play(all_disks=[node],
                            rook_cluster_storage={"nodes": [{"name": node, "devices": [{"name": small[5:]}]}]})
    assert_failed_with(result, "node %s: device %s is not eligible for an OSD (is too small" % (node, small[5:]))
    assert roles_lab.cephclusters() == []


def test_cleanup_confirmation_is_refused_in_preflight(roles_lab):
    # Rook orchestrates nothing while spec.cleanupPolicy.confirmation is set: the role never sets it
    for variables in ({"rook_cluster_cleanup_confirmation": "yes-really-destroy-data"},
                      {"rook_cluster_spec": {"cleanupPolicy": {"confirmation": "yes-really-destroy-data"}}}):
        result = roles_lab.play(**variables)
        assert_failed_with(result, "while spec.cleanupPolicy.confirmation is set Rook stops orchestrating the cluster")
        assert roles_lab.cephclusters() == []


def test_cluster_namespace_without_rooks_service_accounts_is_refused_in_preflight(roles_lab):
    # Rook's pods run as common.yaml's ServiceAccounts of the cluster namespace; the lab API refuses a pod
    # whose ServiceAccount is missing, as Kubernetes does, so such a CephCluster would never come up
    result = roles_lab.play(rook_cluster_namespace="koor-no-common")
    assert_failed_with(result, "The namespace koor-no-common has no ServiceAccount rook-ceph-default, rook-ceph-mgr, "
                               "rook-ceph-osd, rook-ceph-rgw, rook-ceph-cmd-reporter")
    assert roles_lab.cephclusters() == []
    assert roles_lab.kubectl("get", "cephclusters", "-A", "-o", "name").stdout.strip() == ""


def test_cluster_ready_with_three_osds_one_per_host(roles_lab):
    rc, output, recap = roles_lab.play()
    assert rc == 0, output[-5000:]
    assert recap["localhost"]["failed"] == 0 and recap["localhost"]["changed"] >= 2
    # progress was shown while waiting, and the transitions seen
    assert re.search(r"msg: '\d+s: (Progressing|Ready)", output), output[-5000:]
    assert "Ready HEALTH_OK: Cluster created successfully" in output
    cluster = roles_lab.get("cephcluster", "rook-ceph")
    assert cluster["status"]["phase"] == "Ready" and cluster["status"]["ceph"]["health"] == "HEALTH_OK"
    assert cluster["spec"]["storage"]["nodes"] == [
        {"name": node, "devices": [{"name": roles_lab.disks(node)[0][5:]}]} for node in sorted(roles_lab.nodes)]
    # the real cluster, through the toolbox
    status = roles_lab.ceph("status")
    assert status["health"]["status"] == "HEALTH_OK"
    pgs = status["pgmap"]
    assert pgs["num_pgs"] > 0 and [s["state_name"] for s in pgs["pgs_by_state"]] == ["active+clean"]
    tree = roles_lab.ceph("osd", "tree")
    osds = [n for n in tree["nodes"] if n["type"] == "osd"]
    assert len(osds) == 3 and all(o["status"] == "up" for o in osds)
    hosts = dict((n["name"], n["children"]) for n in tree["nodes"] if n["type"] == "host")
    assert sorted(hosts) == sorted(roles_lab.nodes) and all(len(c) == 1 for c in hosts.values())
    # on the nodes: BlueStore on the first 10G disk only
    for node in roles_lab.nodes:
        types = [roles_lab.on_node(node, "blkid -p -o value -s TYPE %s || true" % d).strip()
                 for d in roles_lab.disks(node)]
        assert types == ["ceph_bluestore", "", ""], (node, types)


def test_second_run_changes_nothing(roles_lab):
    before = roles_lab.get("cephcluster", "rook-ceph")["metadata"]
    rc, output, recap = roles_lab.play()
    assert rc == 0, output[-5000:]
    assert set(recap) == set(roles_lab.nodes) | {"localhost"}
    assert all(counts["changed"] == 0 and counts["failed"] == 0 for counts in recap.values()), recap
    after = roles_lab.get("cephcluster", "rook-ceph")["metadata"]
    assert after["generation"] == before["generation"]


def test_bad_input_on_a_running_cluster_changes_nothing(roles_lab):
    before = roles_lab.get("cephcluster", "rook-ceph")
    result = roles_lab.play(rook_cluster_mon_count=2, rook_cluster_allow_small_mon_count=True)
    assert_failed_with(result, "rook_cluster_mon_count is 2: the monitors need an odd count")
    # dataDirHostPath is immutable in Rook's CRD: refused in preflight, before the toolbox or anything is applied
    result = roles_lab.play(rook_cluster_data_dir_host_path="/var/lib/rook-moved")
    assert_failed_with(result, "keeps its data under /var/lib/rook on every node; rook_cluster_data_dir_host_path is "
                               "/var/lib/rook-moved, and Rook cannot move it")
    after = roles_lab.get("cephcluster", "rook-ceph")
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["spec"] == before["spec"]


def test_a_cluster_being_torn_down_is_refused_and_left_alone(roles_lab):
    roles_lab.kubectl("-n", NS, "patch", "cephcluster", "rook-ceph", "--type", "merge", "-p",
                      json.dumps({"spec": {"cleanupPolicy": {"confirmation": "yes-really-destroy-data"}}}))
    try:
        before = roles_lab.get("cephcluster", "rook-ceph")
        result = roles_lab.play()
        assert_failed_with(result, "Rook orchestrates nothing while it is set (a teardown begun?)")
        assert "/spec/cleanupPolicy/confirmation" in result[1]
        after = roles_lab.get("cephcluster", "rook-ceph")
        assert after["metadata"]["generation"] == before["metadata"]["generation"] and after["spec"] == before["spec"]
    finally:
        roles_lab.kubectl("-n", NS, "patch", "cephcluster", "rook-ceph", "--type", "json", "-p",
                          json.dumps([{"op": "remove", "path": "/spec/cleanupPolicy/confirmation"}]))
    # and without it the role runs again, changing nothing
    rc, output, recap = roles_lab.play()
    assert rc == 0, output[-5000:]
    assert all(counts["changed"] == 0 and counts["failed"] == 0 for counts in recap.values()), recap


def test_operator_from_a_mirror_url_finds_nothing_to_change(roles_lab):
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            requests.append(args[0] if args else format)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=ROOK_EXAMPLES))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = "http://127.0.0.1:%d/" % server.server_address[1]
        rc, output, recap = roles_lab.play(OPERATOR_PLAYBOOK, rook_operator_manifests_dir="",
                                           rook_operator_manifests_url=url)
    finally:
        server.shutdown()
        server.server_close()
    assert rc == 0, output[-5000:]
    assert "Download the manifests from %s" % url in output
    for name in ("crds.yaml", "common.yaml", "csi-operator.yaml", "operator.yaml"):
        assert any("GET /%s " % name in r for r in requests), requests
    assert recap["localhost"]["changed"] == 0 and recap["localhost"]["failed"] == 0, recap
