"""The Rook simulator on a Rook lab of its own (`koor-lab up --rook --name rook`): Rook's own
manifests applied with kubectl, then an example-like CephCluster on 3 nodes, a CephBlockPool,
a CephObjectStore with a user, all checked against the real Ceph cluster.

Run alone: .venv/bin/python -m pytest tests/integration/test_rook_sim.py (KOOR_ROOK_LAB names
the lab, default "rook"; the lab is made fresh and removed at the end).
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from conftest import KOOR_LAB, ROOK_EXAMPLES as EXAMPLES, ROOT

LAB = os.environ.get("KOOR_ROOK_LAB", "rook")
NS = "rook-ceph"


def _strip_nulls(value):
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


class RookLab:
    def __init__(self, env):
        self.env = env
        self.kubeconfig = env["KUBECONFIG"]

    def kubectl(self, *args, input=None, check=True):
        proc = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args), input=input,
                              capture_output=True, text=True, timeout=120, check=False)
        if check and proc.returncode:
            raise AssertionError("kubectl %s failed: %s" % (" ".join(args), proc.stderr))
        return proc

    def apply(self, obj):
        return self.kubectl("apply", "-f", "-", input=json.dumps(obj))

    def get(self, kind, name, ns=NS):
        proc = self.kubectl("-n", ns, "get", kind, name, "-o", "json", check=False)
        return json.loads(proc.stdout) if proc.returncode == 0 else None

    def wait(self, kind, name, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        obj = None
        while time.monotonic() < deadline:
            obj = self.get(kind, name)
            if predicate(obj):
                return obj
            time.sleep(2)
        raise AssertionError("timed out after %ss waiting for %s %s to be %s; last: %s"
                             % (timeout, kind, name, what, json.dumps((obj or {}).get("status"))[:1500]))

    def toolbox(self, *argv):
        """A command in the toolbox (kubectl exec): the independent view of the real cluster."""
        return self.kubectl("-n", NS, "exec", "deploy/rook-ceph-tools", "--", *argv).stdout

    def ceph(self, *args):
        return json.loads(self.toolbox("ceph", "--format", "json", *args))


@pytest.fixture(scope="module")
def rook():
    subprocess.run([KOOR_LAB, "down", "--name", LAB], check=True, capture_output=True)
    started = time.monotonic()
    proc = subprocess.run([KOOR_LAB, "up", "--rook", "--name", LAB, "--nodes", "3", "--node-disks", "10G,1G"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    env = {}
    for line in proc.stdout.splitlines():
        if line.startswith("export "):
            key, value = line[len("export "):].split("=", 1)
            env[key] = value.strip("'")
    lab = RookLab(env)
    lab.timings = {"lab up": time.monotonic() - started}
    try:
        yield lab
    finally:
        sys.stderr.write("rook lab timings: %s\n" % json.dumps({k: round(v, 1) for k, v in lab.timings.items()}))
        subprocess.run([KOOR_LAB, "down", "--name", LAB], check=False)


def test_rook_manifests_apply_and_cluster_becomes_ready_on_real_osds(rook):
    started = time.monotonic()
    rook.kubectl("apply", "--server-side", "-f", os.path.join(EXAMPLES, "crds.yaml"))
    for manifest in ("common.yaml", "csi-operator.yaml", "operator.yaml"):
        rook.kubectl("apply", "-f", os.path.join(EXAMPLES, manifest))
    with open(os.path.join(EXAMPLES, "cluster.yaml")) as handle:
        cluster = _strip_nulls(yaml.safe_load(handle))
    # Rook's example as it is, but on the lab's disks: every node's disks, of which the 1G one
    # is refused as Rook refuses it (too small).
    cluster["spec"]["storage"] = {"useAllNodes": True, "useAllDevices": True}
    rook.apply(cluster)
    cr = rook.wait("cephcluster", "rook-ceph",
                   lambda o: o and (o.get("status") or {}).get("phase") == "Ready"
                   and o["status"]["ceph"]["health"] == "HEALTH_OK", 300, "Ready + HEALTH_OK")
    rook.timings["cluster ready"] = time.monotonic() - started
    status = cr["status"]
    assert status["state"] == "Created" and status["message"] == "Cluster created successfully"
    ready = [c for c in status["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "True" and ready["reason"] == "ClusterCreated"
    assert status["version"]["version"] == "20.2.4-0"
    assert status["ceph"]["capacity"]["bytesTotal"] > 0
    assert "20.2.4" in list(status["ceph"]["versions"]["overall"])[0]

    # the real cluster: 3 mons in quorum, 3 OSDs, one per node, each node a CRUSH host
    assert status["ceph"]["fsid"] == rook.ceph("fsid")["fsid"]
    assert len(rook.ceph("quorum_status")["quorum_names"]) == 3
    tree = rook.ceph("osd", "tree")
    hosts = {n["name"]: n["children"] for n in tree["nodes"] if n["type"] == "host"}
    assert sorted(hosts) == ["%s-node%d" % (LAB, i) for i in (1, 2, 3)]
    assert all(len(children) == 1 for children in hosts.values())
    metadata = rook.ceph("osd", "metadata")
    assert {m["hostname"] for m in metadata} == set(hosts)
    assert all(m["bluestore_bdev_dev_node"].startswith("/dev/loop") for m in metadata)

    # one Deployment per daemon, with Rook's labels
    deps = json.loads(rook.kubectl("-n", NS, "get", "deploy", "-l", "rook_cluster=rook-ceph", "-o", "json").stdout)
    by_app = {}
    for dep in deps["items"]:
        labels = dep["metadata"]["labels"]
        by_app.setdefault(labels["app"], []).append(labels["ceph_daemon_id"])
        assert labels["rook-version"] == "v1.20.6" and labels["ceph-version"] == "20.2.4-0"
    assert sorted(by_app["rook-ceph-mon"]) == ["a", "b", "c"]
    assert sorted(by_app["rook-ceph-mgr"]) == ["a", "b"]
    assert sorted(by_app["rook-ceph-osd"]) == ["0", "1", "2"]

    # the refused 1G disks are reported, as Rook's OSD prepare reports them
    cms = json.loads(rook.kubectl("-n", NS, "get", "configmap", "-l", "app=rook-ceph-osd-prepare",
                                  "-o", "json").stdout)["items"]
    assert len(cms) == 3
    assert all("Insufficient space" in cm["data"]["status"] for cm in cms)


def test_block_pool_is_created_blocked_while_it_has_images_and_removed(rook):
    with open(os.path.join(EXAMPLES, "pool.yaml")) as handle:
        pool = _strip_nulls(yaml.safe_load(handle))
    started = time.monotonic()
    rook.apply(pool)
    rook.wait("cephblockpool", "replicapool", lambda o: o and (o.get("status") or {}).get("phase") == "Ready",
              120, "Ready")
    rook.timings["pool ready"] = time.monotonic() - started
    detail = {p["pool_name"]: p for p in rook.ceph("osd", "pool", "ls", "detail")}
    assert detail["replicapool"]["size"] == 3
    assert "rbd" in detail["replicapool"]["application_metadata"]
    rook.toolbox("rbd", "create", "--size", "16M", "replicapool/img1")
    rook.kubectl("-n", NS, "delete", "cephblockpool", "replicapool", "--wait=false")
    blocked = rook.wait("cephblockpool", "replicapool", lambda o: any(
        c["type"] == "DeletionIsBlocked" and c["status"] == "True"
        for c in ((o or {}).get("status") or {}).get("conditions", [])), 60, "DeletionIsBlocked")
    assert blocked["metadata"]["deletionTimestamp"]
    assert "replicapool" in rook.ceph("osd", "pool", "ls")
    rook.toolbox("rbd", "rm", "replicapool/img1")
    rook.wait("cephblockpool", "replicapool", lambda o: o is None, 60, "deleted")
    assert "replicapool" not in rook.ceph("osd", "pool", "ls")


def _s3(method, url, access, secret, body=b""):
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    path = "/" + url.split("/", 3)[3]
    ctype = "application/octet-stream" if body else ""
    sign = "%s\n\n%s\n%s\n%s" % (method, ctype, date, path)
    sig = base64.b64encode(hmac.new(secret.encode(), sign.encode(), hashlib.sha1).digest()).decode()
    headers = {"Date": date, "Authorization": "AWS %s:%s" % (access, sig)}
    if body:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read()


def test_object_store_and_user_work_over_s3(rook):
    started = time.monotonic()
    for manifest in ("object.yaml", "object-user.yaml"):
        with open(os.path.join(EXAMPLES, manifest)) as handle:
            rook.apply(_strip_nulls(yaml.safe_load(handle)))
    store = rook.wait("cephobjectstore", "my-store", lambda o: o and (o.get("status") or {}).get("phase") == "Ready",
                      240, "Ready")
    rook.wait("cephobjectstoreuser", "my-user", lambda o: o and (o.get("status") or {}).get("phase") == "Ready",
              120, "Ready")
    rook.timings["object store + user ready"] = time.monotonic() - started
    endpoint = store["status"]["info"]["endpoint"]
    secret = rook.get("secret", "rook-ceph-object-user-my-store-my-user")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    access, key = data["AccessKey"], data["SecretKey"]
    assert data["Endpoint"] == endpoint
    assert _s3("PUT", endpoint + "/lab-bucket", access, key)[0] == 200
    assert _s3("PUT", endpoint + "/lab-bucket/hello.txt", access, key, b"hello rook")[0] == 200
    assert _s3("GET", endpoint + "/lab-bucket/hello.txt", access, key) == (200, b"hello rook")
    users = json.loads(rook.toolbox("radosgw-admin", "--rgw-realm", "my-store", "--rgw-zonegroup", "my-store",
                                    "--rgw-zone", "my-store", "user", "list"))
    assert "my-user" in users
    pools = rook.ceph("osd", "pool", "ls")
    assert "my-store.rgw.buckets.data" in pools and ".rgw.root" in pools


def test_down_removes_everything(rook):
    subprocess.run([KOOR_LAB, "down", "--name", LAB], check=True, capture_output=True)
    assert not os.path.exists("/var/lib/koor-lab/%s" % LAB)
    assert not os.path.exists(os.path.join(ROOT, "inventories", "lab", "generated", "%s-kubeconfig" % LAB))
    leftovers = subprocess.run(["pgrep", "-f", "/var/lib/koor-lab/%s/" % LAB], capture_output=True, text=True).stdout
    assert leftovers.strip() == ""
