"""The Rook simulator (docs/lab-rook-simulator.md) on the session's Rook lab (conftest `rook`):
Rook's own manifests applied with kubectl, Rook's example CephCluster on 3 nodes, a
CephBlockPool, a CephObjectStore with a user, all checked against the real Ceph cluster.

More in test_rook_sim_resources.py (filesystems, clients, bucket claims, external clusters) and
test_rook_sim_upgrade.py (deletion, Reef -> Tentacle roll, down). KOOR_ROOK_LAB names the lab
(default "rook"); it is made fresh and removed at the end of the session.
"""
import json
import time

from rook_sim_support import CONTRACT, LAB, NS, example, s3


def test_rook_manifests_apply_and_cluster_becomes_ready_on_real_osds(rook, rook_cluster):
    cr = rook_cluster
    status = cr["status"]
    assert status["state"] == "Created" and status["message"] == "Cluster created successfully"
    ready = [c for c in status["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "True" and ready["reason"] == "ClusterCreated"
    assert status["version"]["version"] == "20.2.4-0"
    # capacity comes with the next health read (every 10 s), once the mgr has OSD stats
    cr = rook.wait("cephcluster", "rook-ceph", lambda o: o["status"]["ceph"]["capacity"]["bytesTotal"] > 0, 60,
                   "reporting capacity")
    status = cr["status"]
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
    # Rook's node controller (nodedaemon/crash.go, exporter.go): a crash collector and an exporter on each
    # node that runs a Ceph daemon (every node here runs a mon)
    nodes = sorted(n["name"] for n in rook.nodes())
    for app, daemon_id in (("rook-ceph-crashcollector", "crash"), ("rook-ceph-exporter", "exporter")):
        assert by_app[app] == [daemon_id] * 3
        found = rook.labels(app)
        assert sorted(found) == ["%s-%s" % (app, n) for n in nodes]
        assert sorted(labels["node_name"] for labels in found.values()) == nodes
        assert all(labels["kubernetes.io/hostname"] == labels["node_name"] and labels["rook_cluster"] == NS
                   for labels in found.values())
    assert rook.secret("rook-ceph-crash-collector-keyring")["keyring"].startswith("\n[client.crash]\n")
    assert rook.ceph("auth", "get", "client.crash")[0]["caps"] == {"mon": "allow profile crash", "mgr": "allow rw"}

    # the refused 1G disks are reported, as Rook's OSD prepare reports them
    cms = json.loads(rook.kubectl("-n", NS, "get", "configmap", "-l", "app=rook-ceph-osd-prepare",
                                  "-o", "json").stdout)["items"]
    assert len(cms) == 3
    assert all("Insufficient space" in cm["data"]["status"] for cm in cms)


def test_block_pool_is_created_blocked_while_it_has_images_and_removed(rook, rook_cluster):
    rook.apply(example("pool.yaml")[0])
    rook.wait_ready("cephblockpool", "replicapool", 180)
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


def test_object_store_and_user_work_over_s3(rook, rook_object_store):
    store = rook_object_store
    # one Deployment for the store's radosgws, its daemon id the store's name (Rook's object/spec.go getLabels)
    rgw = rook.labels("rook-ceph-rgw")
    assert list(rgw) == ["rook-ceph-rgw-my-store-a"], rgw
    labels = rgw["rook-ceph-rgw-my-store-a"]
    assert (labels["ceph_daemon_id"], labels["rgw"], labels["rook_object_store"]) == ("my-store",) * 3
    assert rook.get("deploy", "rook-ceph-rgw-my-store-a")["spec"]["replicas"] == \
        store["spec"]["gateway"]["instances"]
    rook.apply(example("object-user.yaml")[0])
    rook.wait_ready("cephobjectstoreuser", "my-user", 120)
    endpoint = store["status"]["info"]["endpoint"]
    data = rook.secret("rook-ceph-object-user-my-store-my-user")
    access, key = data["AccessKey"], data["SecretKey"]
    assert data["Endpoint"] == endpoint
    assert s3("PUT", endpoint + "/lab-bucket", access, key)[0] == 200
    assert s3("PUT", endpoint + "/lab-bucket/hello.txt", access, key, b"hello rook")[0] == 200
    assert s3("GET", endpoint + "/lab-bucket/hello.txt", access, key) == (200, b"hello rook")
    users = json.loads(rook.toolbox("radosgw-admin", "--rgw-realm", "my-store", "--rgw-zonegroup", "my-store",
                                    "--rgw-zone", "my-store", "user", "list"))
    assert "my-user" in users
    pools = rook.ceph("osd", "pool", "ls")
    assert "my-store.rgw.buckets.data" in pools and ".rgw.root" in pools
    # leave no bucket behind: the store's deletion (test_rook_sim_upgrade.py) waits for that
    assert s3("DELETE", endpoint + "/lab-bucket/hello.txt", access, key)[0] == 204
    assert s3("DELETE", endpoint + "/lab-bucket", access, key)[0] == 204


def test_operator_image_change_rolls_the_rook_version_labels(rook, rook_cluster):
    operator = rook.get("deploy", "rook-ceph-operator")
    image = operator["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "docker.io/rook/ceph:v1.20.6"
    rook.kubectl("-n", NS, "set", "image", "deploy/rook-ceph-operator", "rook-ceph-operator=docker.io/rook/ceph:v1.20.7")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            versions = {labels["rook-version"] for labels in rook.labels().values()}
            if versions == {"v1.20.7"}:
                break
            time.sleep(2)
        assert versions == {"v1.20.7"}, versions
        # the Ceph side did not move
        assert {labels["ceph-version"] for labels in rook.labels().values()} == {"20.2.4-0"}
    finally:
        rook.kubectl("-n", NS, "set", "image", "deploy/rook-ceph-operator",
                     "rook-ceph-operator=docker.io/rook/ceph:v1.20.6")
    rook.wait("cephcluster", "rook-ceph", lambda o: {lb["rook-version"] for lb in rook.labels().values()}
              == {"v1.20.6"}, 60, "back on v1.20.6 labels")


def test_cleanup_confirmation_stops_orchestration_as_rook_does(rook, rook_cluster):
    # Rook's reconcileCephCluster returns at once while spec.cleanupPolicy.confirmation is set
    # (pkg/operator/ceph/cluster/controller.go): a spec change is not reconciled, observedGeneration stays.
    rook.wait("cephcluster", "rook-ceph", lambda o: o["status"].get("observedGeneration") == o["metadata"]["generation"],
              60, "reconciled")
    rook.patch("cephcluster", "rook-ceph", {"spec": {"cleanupPolicy": {"confirmation": "yes-really-destroy-data"}}})
    try:
        frozen = rook.get("cephcluster", "rook-ceph")
        rook.patch("cephcluster", "rook-ceph", {"spec": {"healthCheck": {"daemonHealth": {"status": {"interval": "61s"}}}}})
        changed = rook.get("cephcluster", "rook-ceph")
        assert changed["metadata"]["generation"] == frozen["metadata"]["generation"] + 1
        time.sleep(12)  # the simulator reconciles every 2 s
        still = rook.get("cephcluster", "rook-ceph")
        assert still["status"].get("observedGeneration") < still["metadata"]["generation"], still["status"]
        assert "because its cleanup policy is set" in rook.log_tail(200)
    finally:
        rook.kubectl("-n", NS, "patch", "cephcluster", "rook-ceph", "--type", "json", "-p", json.dumps(
            [{"op": "replace", "path": "/spec/cleanupPolicy/confirmation", "value": ""},
             {"op": "replace", "path": "/spec/healthCheck/daemonHealth/status/interval", "value": "60s"}]), check=False)
    # without the confirmation Rook reconciles again
    rook.wait("cephcluster", "rook-ceph", lambda o: o["status"].get("observedGeneration") == o["metadata"]["generation"]
              and o["status"].get("phase") == "Ready", 90, "reconciled again")


def test_a_node_per_lab_node_labelled_as_a_kubelet_labels_it(rook):
    nodes = {n["metadata"]["name"]: n for n in json.loads(rook.kubectl("get", "nodes", "-o", "json").stdout)["items"]}
    for lab_node in rook.nodes():
        node = nodes[lab_node["name"]]
        assert node["metadata"]["labels"]["kubernetes.io/hostname"] == lab_node["name"]
        assert node["metadata"]["labels"]["kubernetes.io/os"] == "linux"
        assert [c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"] == ["True"]
        assert {"type": "InternalIP", "address": lab_node["address"]} in node["status"]["addresses"]
        assert node["status"]["nodeInfo"]["kubeletVersion"]


def test_loop_devices_need_the_operators_setting(rook, rook_cluster):
    """ROOK_CEPH_ALLOW_LOOP_DEVICES "false" (operator.yaml's default) in the operator's ConfigMap: Rook's OSD
    prepare does not discover loop devices (the lab's disks all are). It is said in the log, and nothing
    in the status but the OSD count; set "true" again, the disks are seen again."""
    node = rook.nodes()[0]
    small = [d for d, size in zip(node["disks"], node["sizes"]) if size < 5 << 30][0]
    rook.patch("configmap", "rook-ceph-operator-config", {"data": {"ROOK_CEPH_ALLOW_LOOP_DEVICES": "false"}})
    try:
        line = "skipping device %s on %s: unsupported diskType loop" % (small, node["name"])
        deadline = time.monotonic() + 30
        while line not in rook.log_tail(400):
            assert time.monotonic() < deadline, rook.log_tail()
            time.sleep(1)
        cr = rook.get("cephcluster", "rook-ceph")
        assert cr["status"]["phase"] == "Ready" and cr["status"]["storage"]["osd"]["storeType"] == {"bluestore": 3}
        assert "loop" not in json.dumps(cr["status"])
    finally:
        rook.patch("configmap", "rook-ceph-operator-config", {"data": {"ROOK_CEPH_ALLOW_LOOP_DEVICES": "true"}})
    assert len(rook.ceph("osd", "ls")) == 3


def test_the_csi_secrets_hold_keys_of_cephx_users_with_rooks_caps(rook, rook_cluster):
    """Rook's CSI Secrets (csi/secrets.go) in the cluster's namespace, each the key of a real cephx user with
    Rook's caps, which opens the cluster as that user; the roles' StorageClasses name them."""
    for name, (entity, id_key, key_key, caps) in CONTRACT.CSI_SECRETS.items():
        data = rook.secret(name)
        assert data is not None, name
        assert sorted(data) == sorted([id_key, key_key]) and data[id_key] == entity[len("client."):]
        entry = rook.ceph("auth", "get", entity)[0]
        assert entry["key"] == data[key_key] and entry["caps"] == dict(caps), entry
    key = rook.secret("rook-csi-cephfs-node")["adminKey"]
    status = json.loads(rook.toolbox("ceph", "-n", "client.csi-cephfs-node", "--key", key, "--format", "json", "fsid"))
    assert status["fsid"] == rook_cluster["status"]["ceph"]["fsid"]
