"""playbooks/site.yml end to end on a fresh Rook lab (3 nodes, disks 10G, 10G, 1G each), with the
lab inventory (inventories/lab/hosts.yml + the lab's generated inventories and
inventories/lab/group_vars/{storage,rook_admin}.yml): disk_prep over SSH, the Rook operator, the
CephCluster with real OSDs on the nodes' loop devices, and the block, object and file use cases
the lab declares. Everything is checked on the real cluster (toolbox, S3 over HTTP), then the
second run must change nothing.

The lab is `site` (KOOR_SITE_LAB overrides), made fresh and removed at the end unless
KOOR_SITE_LAB_KEEP=1 (scripts/integration.sh keeps it for the Rook molecule scenarios).
KOOR_SITE_ROOK_SOURCE=helm runs every playbook with `-e rook_operator_source=helm`: the operator from the lab's
package of Rook's rook-ceph chart with the lab's helm (inventories/lab/group_vars/rook_admin.yml), the rest the same.
"""
import json
import os
import subprocess
import time
import uuid

import pytest
import yaml

import rook_sim_support as support
from conftest import Lab, assert_same_state
from test_check_mode import (assert_no_object_written, changed_results, disk_checksums, files_of,
                             kube_objects)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
LAB = os.environ.get("KOOR_SITE_LAB", "site")
KEEP = os.environ.get("KOOR_SITE_LAB_KEEP") == "1"
SOURCE = os.environ.get("KOOR_SITE_ROOK_SOURCE", "manifests")
GENERATED = os.path.join(ROOT, "inventories", "lab", "generated")
with open(os.path.join(ROOT, "inventories", "lab", "group_vars", "rook_admin.yml")) as _handle:
    LAB_VARS = yaml.safe_load(_handle)
RUNS = {}


@pytest.fixture(scope="module")
def site():
    lab = support.up_fresh(LAB, "10G,10G,1G")
    try:
        yield lab
    finally:
        if not KEEP:
            subprocess.run([KOOR_LAB, "down", "--name", LAB], check=False, capture_output=True)


def playbook(name="site.yml", *extra):
    argv = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"),
            "-i", os.path.join(ROOT, "inventories", "lab", "hosts.yml"),
            "-i", os.path.join(GENERATED, "%s-nodes.yml" % LAB),
            "-i", os.path.join(GENERATED, "%s-rook.yml" % LAB),
            os.path.join(ROOT, "playbooks", name)] + list(extra)
    if SOURCE != "manifests":
        argv += ["-e", "rook_operator_source=%s" % SOURCE]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=3600)
    proc.wall = time.monotonic() - started
    return proc


def tail(proc):
    return "%s\n%s" % (proc.stdout[-6000:], proc.stderr[-2000:])


def check_run(site):
    """site.yml --check --diff, with what it must leave as it was read before and after: every object
    of the lab API, the nodes' disks (whole images; only the first 4 KiB of a disk an OSD runs on)
    and the files disk_prep keeps, and on a deployed lab the Ceph cluster (through the toolbox)."""
    deployed = site.get("cephcluster", "rook-ceph") is not None
    nodes = site.nodes()
    osd_disks = site.osd_disks() if deployed else {}

    def whole(node, device, _size):
        return not osd_disks.get((node, device))
    files = ["/var/lib/koor-lab/%s/nodes/%s-sysctl.conf" % (LAB, n["name"]) for n in nodes]
    before = (kube_objects(site.kubectl), disk_checksums(nodes, whole), files_of(files),
              _ceph_state(site) if deployed else None)
    proc = playbook("site.yml", "--check", "--diff")
    after = (kube_objects(site.kubectl), disk_checksums(nodes, whole), files_of(files),
             _ceph_state(site) if deployed else None)
    return proc, before, after


def _ceph_state(site):
    """conftest's Lab.state() of the Rook lab's cluster, read through the toolbox. RGW users are read
    in each object store's own realm, zone group and zone (Rook names them after the store), as
    "store/uid": radosgw-admin without them would read, and create, the pools of a default zone."""
    stores = [store["name"] for store in LAB_VARS["rook_object_stores"]]

    def radosgw_admin(store, *args):
        return json.loads(site.toolbox("radosgw-admin", "--format", "json", "--rgw-realm", store,
                                       "--rgw-zonegroup", store, "--rgw-zone", store, *args))

    class Toolbox:
        ceph = staticmethod(site.ceph)

        @staticmethod
        def radosgw_admin(*args):
            if list(args) == ["user", "list"]:
                return ["%s/%s" % (store, uid) for store in stores for uid in radosgw_admin(store, "user", "list")]
            assert list(args[:3]) == ["user", "info", "--uid"], args
            store, uid = args[3].split("/", 1)
            return radosgw_admin(store, "user", "info", "--uid", uid, *args[4:])
    return Lab.state(Toolbox())


def assert_check_wrote_nothing(before, after):
    assert_no_object_written(before[0], after[0])
    assert after[1] == before[1], "disks changed"
    assert after[2] == before[2], "disk_prep's files changed"
    if before[3] is not None:
        assert_same_state(before[3], after[3])


def test_check_mode_on_the_empty_lab(site):
    """Before site.yml: the check run goes to the end, writes nothing and says what it would do."""
    assert "first" not in RUNS, "runs before site.yml"
    proc, before, after = check_run(site)
    RUNS["check on the empty lab"] = proc
    assert proc.returncode == 0, tail(proc)
    assert_check_wrote_nothing(before, after)
    assert "would wait up to" in proc.stdout and "would create CephCluster rook-ceph/rook-ceph" in proc.stdout
    hosts = support.play_recap(proc.stdout)
    assert all(h["failed"] == 0 for h in hosts.values()) and hosts["localhost"]["changed"] > 0, hosts


def first_run(site):
    if "first" not in RUNS:
        RUNS["first"] = playbook()
        support.TIMINGS["site.yml from an empty lab"] = RUNS["first"].wall
    return RUNS["first"]


def test_site_from_an_empty_lab(site):
    # Empty: not even Rook's CRDs.
    assert "cephclusters.ceph.rook.io" not in site.kubectl("get", "crd", "-o", "name").stdout
    proc = first_run(site)
    assert proc.returncode == 0, tail(proc)
    hosts = support.play_recap(proc.stdout)
    assert set(hosts) == {"localhost", "%s-node1" % LAB, "%s-node2" % LAB, "%s-node3" % LAB}, hosts
    assert all(h["failed"] == 0 and h["unreachable"] == 0 for h in hosts.values()), hosts


def test_check_mode_on_the_empty_lab_reported_what_the_run_changed(site):
    """Every result the real run changed (role, host, item) was reported changed by the check run."""
    assert first_run(site).returncode == 0
    assert "check on the empty lab" in RUNS, "test_check_mode_on_the_empty_lab runs first"
    real = changed_results(RUNS["first"].stdout)
    check = changed_results(RUNS["check on the empty lab"].stdout)
    assert real, tail(RUNS["first"])
    # An item the check run could not dry-run is reported by the task that says what would be
    # created (same role, host and item label); a role's tasks without items by any changed task.
    missing = set(r for r in real if r not in check
                  and not (r[2] is None and any(c[:2] == r[:2] for c in check)))
    assert not missing, missing


def test_the_operator_came_from_the_source_asked_for(site):
    assert first_run(site).returncode == 0
    operator = site.get("deploy", "rook-ceph-operator")
    releases = site.items("secret", selector="owner=helm,name=rook-ceph")
    if SOURCE == "helm":
        assert operator["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        assert [(r["type"], r["metadata"]["labels"]["status"]) for r in releases] == [("helm.sh/release.v1", "deployed")]
    else:
        assert "app.kubernetes.io/managed-by" not in operator["metadata"].get("labels", {}) and releases == []


def test_the_cluster_is_ready_with_an_osd_per_disk(site):
    assert first_run(site).returncode == 0
    cluster = site.get("cephcluster", "rook-ceph")
    assert support.phase(cluster) == "Ready" and cluster["status"]["ceph"]["health"] == "HEALTH_OK"
    tree = site.ceph("osd", "tree")
    hosts = {n["name"]: n["children"] for n in tree["nodes"] if n["type"] == "host"}
    assert sorted(hosts) == ["%s-node%d" % (LAB, i) for i in (1, 2, 3)]
    assert all(len(children) == 2 for children in hosts.values()), hosts
    assert all(n["status"] == "up" for n in tree["nodes"] if n["type"] == "osd")
    # Each node's two 10G disks hold its OSDs; the 1G disk was left out.
    disks = site.osd_disks()
    assert len(disks) == 6 and set(disks.values()) == {"ceph_bluestore"}, disks
    status = site.ceph("status")
    pgs = status["pgmap"]
    assert sum(s["count"] for s in pgs["pgs_by_state"] if s["state_name"] == "active+clean") == pgs["num_pgs"]


def test_block_storage_is_usable(site):
    assert first_run(site).returncode == 0
    pools = {p["pool_name"]: p for p in site.ceph("osd", "pool", "ls", "detail")}
    classes = {sc["metadata"]["name"]: sc for sc in site.items("storageclass")}
    for item in LAB_VARS["rook_block_pools"]:
        assert item["name"] in pools, sorted(pools)
        assert "rbd" in pools[item["name"]]["application_metadata"]
        sc_name = item["storage_class"]["name"]
        assert classes[sc_name]["provisioner"] == "rook-ceph.rbd.csi.ceph.com"
        assert classes[sc_name]["parameters"]["pool"] == item["name"]
        namespaces = json.loads(site.toolbox("rbd", "namespace", "ls", "--format", "json", item["name"]))
        assert sorted(n["name"] for n in namespaces) == sorted(item.get("rados_namespaces", []))
    # A real image in the first pool, written and read back through librbd.
    pool = LAB_VARS["rook_block_pools"][0]["name"]
    image = "site-%s" % uuid.uuid4().hex[:6]
    site.toolbox("rbd", "create", "--size", "64M", "%s/%s" % (pool, image))
    try:
        site.toolbox("rbd", "bench", "--io-type", "write", "--io-total", "4M", "%s/%s" % (pool, image))
        info = json.loads(site.toolbox("rbd", "info", "--format", "json", "%s/%s" % (pool, image)))
        assert info["size"] == 64 * 1024 * 1024
    finally:
        site.toolbox("rbd", "rm", "%s/%s" % (pool, image))


def test_file_storage_is_usable(site):
    assert first_run(site).returncode == 0
    filesystems = {fs["name"]: fs for fs in site.ceph("fs", "ls")}
    classes = {sc["metadata"]["name"]: sc for sc in site.items("storageclass")}
    for item in LAB_VARS["rook_file_filesystems"]:
        assert item["name"] in filesystems, sorted(filesystems)
        fs = site.get("cephfilesystem", item["name"])
        assert support.phase(fs) == "Ready"
        groups = site.ceph("fs", "subvolumegroup", "ls", item["name"])
        for group in item.get("subvolume_groups", []):
            assert (group if isinstance(group, str) else group["name"]) in [g["name"] for g in groups]
        sc_name = item["storage_class"]["name"]
        assert classes[sc_name]["provisioner"] == "rook-ceph.cephfs.csi.ceph.com"
        assert classes[sc_name]["parameters"]["fsName"] == item["name"]
    # A subvolume (what the CSI driver makes for a claim) really gets a path in the filesystem.
    name = LAB_VARS["rook_file_filesystems"][0]["name"]
    sub = "site-%s" % uuid.uuid4().hex[:6]
    site.toolbox("ceph", "fs", "subvolume", "create", name, sub, "--size", str(16 * 1024 * 1024))
    try:
        assert site.toolbox("ceph", "fs", "subvolume", "getpath", name, sub).strip().startswith("/volumes/")
    finally:
        site.toolbox("ceph", "fs", "subvolume", "rm", name, sub)


def test_object_storage_is_usable_with_the_users_keys(site):
    assert first_run(site).returncode == 0
    for store in LAB_VARS["rook_object_stores"]:
        obj = site.get("cephobjectstore", store["name"])
        assert support.phase(obj) == "Ready"
        endpoint = obj["status"]["info"]["endpoint"]
        for user in store["users"]:
            cr = site.get("cephobjectstoreuser", user["name"])
            secret = site.secret(cr["status"]["info"]["secretName"])
            bucket = "site-%s" % uuid.uuid4().hex[:8]
            body = os.urandom(4096)
            assert support.s3("PUT", "%s/%s" % (endpoint, bucket), secret["AccessKey"], secret["SecretKey"])[0] == 200
            assert support.s3("PUT", "%s/%s/blob" % (endpoint, bucket), secret["AccessKey"], secret["SecretKey"],
                              body)[0] == 200
            assert support.s3("GET", "%s/%s/blob" % (endpoint, bucket), secret["AccessKey"],
                              secret["SecretKey"]) == (200, body)
            support.s3("DELETE", "%s/%s/blob" % (endpoint, bucket), secret["AccessKey"], secret["SecretKey"])
            support.s3("DELETE", "%s/%s" % (endpoint, bucket), secret["AccessKey"], secret["SecretKey"])


def test_the_summary_says_where_the_storage_is(site):
    proc = first_run(site)
    assert proc.returncode == 0
    summary = proc.stdout[proc.stdout.rindex("Show the summary"):]
    for item in LAB_VARS["rook_block_pools"] + LAB_VARS["rook_file_filesystems"]:
        assert item["storage_class"]["name"] in summary
    for store in LAB_VARS["rook_object_stores"]:
        endpoint = site.get("cephobjectstore", store["name"])["status"]["info"]["endpoint"]
        assert endpoint in summary
        for user in store["users"]:
            secret_name = site.get("cephobjectstoreuser", user["name"])["status"]["info"]["secretName"]
            assert "Secret rook-ceph/%s" % secret_name in summary
    assert "Ready" in summary and "HEALTH_OK" in summary


def _generations(site, kinds):
    return {kind: {o["metadata"]["name"]: o["metadata"].get("generation") for o in site.items(kind)} for kind in kinds}


def test_second_run_changes_nothing(site):
    assert first_run(site).returncode == 0
    kinds = ("cephcluster", "cephblockpool", "cephfilesystem", "cephfilesystemsubvolumegroup", "cephobjectstore",
             "cephobjectstoreuser", "objectbucketclaim", "deployment")
    before = _generations(site, kinds)
    classes = {sc["metadata"]["name"]: sc["metadata"]["resourceVersion"] for sc in site.items("storageclass")}
    proc = playbook()
    support.TIMINGS["site.yml again (no-op)"] = proc.wall
    assert proc.returncode == 0, tail(proc)
    hosts = support.play_recap(proc.stdout)
    assert all(h["changed"] == 0 and h["failed"] == 0 for h in hosts.values()), tail(proc)
    # No spec was written (the operator may still write statuses, which do not bump generations).
    assert _generations(site, kinds) == before
    assert {sc["metadata"]["name"]: sc["metadata"]["resourceVersion"]
            for sc in site.items("storageclass")} == classes


def test_check_mode_on_the_deployed_lab_changes_nothing(site):
    assert first_run(site).returncode == 0
    proc, before, after = check_run(site)
    support.TIMINGS["site.yml --check --diff (deployed)"] = proc.wall
    assert proc.returncode == 0, tail(proc)
    hosts = support.play_recap(proc.stdout)
    assert set(hosts) == {"localhost", "%s-node1" % LAB, "%s-node2" % LAB, "%s-node3" % LAB}, hosts
    assert all(h["changed"] == 0 and h["failed"] == 0 for h in hosts.values()), tail(proc)
    assert_check_wrote_nothing(before, after)


def test_missing_kubeconfig_is_refused_before_anything(site):
    cluster = site.get("cephcluster", "rook-ceph")
    proc = playbook("rook_cluster.yml", "-e", "koor_rook_kubeconfig=/nonexistent/kubeconfig")
    assert proc.returncode != 0
    assert "/nonexistent/kubeconfig" in proc.stdout and "does not exist" in proc.stdout, tail(proc)
    assert site.get("cephcluster", "rook-ceph")["metadata"]["generation"] == cluster["metadata"]["generation"]
