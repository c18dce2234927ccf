"""The Rook simulator's other resources on the session's Rook lab (see rook_sim_support.py):
CephFilesystem with its MDSes and a CephFilesystemSubVolumeGroup (a real CephFS written through
libcephfs), CephClient (its Secret's key really authenticates), ObjectBucketClaim (bucket,
Secret and ConfigMap as Rook's lib-bucket-provisioner makes them, S3 with those keys) and an
external CephCluster connecting to the 127.0.0.1 lab cluster (conftest `lab`).
"""
import json
import re

from rook_sim_support import NS, example, has_condition, phase, s3

CEPHFS_WRITE = r"""
import cephfs, sys
fs = cephfs.LibCephFS()
fs.conf_read_file()
fs.mount(filesystem_name=sys.argv[1])
path = sys.argv[2] + "/hello.txt"
fd = fs.open(path, "w", 0o644)
fs.write(fd, b"hello cephfs", 0)
fs.close(fd)
fd = fs.open(path, "r")
print(fs.read(fd, 0, 100).decode())
fs.close(fd)
fs.unmount()
"""


def test_filesystem_has_active_mds_and_subvolume_group_holds_real_files(rook, rook_cluster):
    fs_doc, group_doc = example("filesystem.yaml")
    for doc in (fs_doc, group_doc):
        rook.apply(doc)
    fs_cr = rook.wait_ready("cephfilesystem", "myfs", 240)
    rook.wait_ready("cephfilesystemsubvolumegroup", "myfs-csi", 120)
    assert fs_cr["status"]["info"]["metadataPool"] == "myfs-metadata"

    # the real filesystem: its pools, one active MDS and a standby (activeStandby)
    listed = {f["name"]: f for f in rook.ceph("fs", "ls")}
    assert listed["myfs"]["metadata_pool"] == "myfs-metadata"
    assert listed["myfs"]["data_pools"] == ["myfs-replicated"]
    status = rook.ceph("fs", "status", "myfs")
    states = sorted(m["state"] for m in status["mdsmap"])
    assert states == ["active", "standby"] or states == ["active", "standby-replay"], states
    mds = rook.labels("rook-ceph-mds")
    assert sorted(mds) == ["rook-ceph-mds-myfs-a", "rook-ceph-mds-myfs-b"]
    assert all(labels["rook_file_system"] == "myfs" for labels in mds.values())

    # the subvolume group, and a file written and read back through libcephfs (the MDS serves it)
    assert "csi" in [g["name"] for g in rook.ceph("fs", "subvolumegroup", "ls", "myfs")]
    rook.toolbox("ceph", "fs", "subvolume", "create", "myfs", "sv1", "--group_name", "csi")
    path = rook.toolbox("ceph", "fs", "subvolume", "getpath", "myfs", "sv1", "--group_name", "csi").strip()
    assert path.startswith("/volumes/csi/sv1/")
    assert rook.toolbox("python3", "-c", CEPHFS_WRITE, "myfs", path).strip() == "hello cephfs"
    assert rook.toolbox("rados", "-p", "myfs-replicated", "ls").split(), "no data object in the data pool"

    # the group cannot go while it has a subvolume; the filesystem not while the group exists
    rook.delete("cephfilesystemsubvolumegroup", "myfs-csi")
    rook.wait("cephfilesystemsubvolumegroup", "myfs-csi", lambda o: has_condition(o, "DeletionIsBlocked"),
              60, "DeletionIsBlocked")
    rook.patch("cephfilesystem", "myfs", {"spec": {"preserveFilesystemOnDelete": False}})
    rook.delete("cephfilesystem", "myfs")
    rook.wait("cephfilesystem", "myfs", lambda o: has_condition(o, "DeletionIsBlocked"), 60, "DeletionIsBlocked")
    assert "myfs" in [f["name"] for f in rook.ceph("fs", "ls")]
    rook.toolbox("ceph", "fs", "subvolume", "rm", "myfs", "sv1", "--group_name", "csi")
    rook.wait_gone("cephfilesystemsubvolumegroup", "myfs-csi", 60)
    rook.wait_gone("cephfilesystem", "myfs", 120)
    assert "myfs" not in [f["name"] for f in rook.ceph("fs", "ls")]
    pools = rook.ceph("osd", "pool", "ls")
    assert "myfs-metadata" not in pools and "myfs-replicated" not in pools
    assert not rook.labels("rook-ceph-mds")
    rook.wait("cephcluster", "rook-ceph", lambda o: rook.health() == "HEALTH_OK", 120, "HEALTH_OK again")


def test_ceph_client_secret_holds_a_key_that_authenticates(rook, rook_cluster):
    rook.apply({"apiVersion": "ceph.rook.io/v1", "kind": "CephClient",
                "metadata": {"name": "lab-client", "namespace": NS},
                "spec": {"caps": {"mon": "allow r", "osd": "profile rbd"}}})
    client = rook.wait_ready("cephclient", "lab-client", 120)
    assert client["status"]["info"]["secretName"] == "rook-ceph-client-lab-client"
    key = rook.secret("rook-ceph-client-lab-client")["lab-client"]
    entity = rook.ceph("auth", "get", "client.lab-client")[0]
    assert entity["key"] == key
    assert entity["caps"] == {"mon": "allow r", "osd": "profile rbd"}

    # the key from the Secret, and only it, opens the cluster as client.lab-client
    status = json.loads(rook.toolbox("ceph", "-n", "client.lab-client", "--key", key, "--format", "json", "status"))
    assert status["fsid"] == rook_cluster["status"]["ceph"]["fsid"]
    wrong = "AQBh1XlZAAAAABAAcVaBh1p8w4Q3oaGoPW0R8w=="
    refused = rook.kubectl("-n", NS, "exec", "deploy/rook-ceph-tools", "--", "ceph", "-n", "client.lab-client",
                           "--key", wrong, "--connect-timeout", "10", "status", check=False)
    assert refused.returncode != 0 and "permission denied" in refused.stderr.lower(), refused.stderr

    rook.delete("cephclient", "lab-client")
    rook.wait_gone("cephclient", "lab-client", 60)
    assert rook.get("secret", "rook-ceph-client-lab-client") is None
    gone = rook.kubectl("-n", NS, "exec", "deploy/rook-ceph-tools", "--", "ceph", "auth", "get", "client.lab-client",
                        check=False)
    assert gone.returncode != 0


def test_object_bucket_claim_gives_a_bucket_with_keys_that_work(rook, rook_object_store):
    storage_class, = example("storageclass-bucket-delete.yaml")
    claim, = example("object-bucket-claim-delete.yaml")
    # the quotas Rook's example has commented out
    claim["spec"]["additionalConfig"] = {"maxObjects": "1000", "maxSize": "2G"}
    rook.apply(storage_class)
    rook.apply(claim)
    obc = rook.wait("obc", "ceph-delete-bucket", lambda o: phase(o) == "Bound", 120, "Bound", ns="default")
    # lib-bucket-provisioner: generateBucketName + "-" + a uuid4, written to spec.bucketName; its finalizer and label
    bucket = obc["spec"]["bucketName"]
    assert re.match(r"^ceph-bkt-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", bucket), bucket
    assert obc["metadata"]["finalizers"] == ["objectbucket.io/finalizer"]
    assert obc["metadata"]["labels"]["bucket-provisioner"] == "rook-ceph.ceph.rook.io-bucket"

    # what lib-bucket-provisioner leaves for the application: a Secret and a ConfigMap named after the claim
    keys = rook.secret("ceph-delete-bucket", ns="default")
    config = rook.get("configmap", "ceph-delete-bucket", ns="default")["data"]
    assert set(keys) >= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert config["BUCKET_NAME"] == bucket
    assert "http://%s:%s" % (config["BUCKET_HOST"], config["BUCKET_PORT"]) == \
        rook_object_store["status"]["info"]["endpoint"]

    # the ObjectBucket bound to the claim
    bound = rook.get("objectbucket", "obc-default-ceph-delete-bucket")
    assert phase(bound) == "Bound"
    assert bound["spec"]["claimRef"]["name"] == "ceph-delete-bucket" and bound["spec"]["claimRef"]["uid"] == \
        obc["metadata"]["uid"]
    assert bound["spec"]["endpoint"]["bucketName"] == bucket and bound["spec"]["reclaimPolicy"] == "Delete"
    assert bound["metadata"]["finalizers"] == ["objectbucket.io/finalizer"]

    # the bucket is real, and those keys PUT and GET in it over S3
    admin = ["radosgw-admin", "--rgw-realm", "my-store", "--rgw-zonegroup", "my-store", "--rgw-zone", "my-store"]
    assert bucket in json.loads(rook.toolbox(*(admin + ["bucket", "list"])))
    url = "http://%s:%s/%s/obc.txt" % (config["BUCKET_HOST"], config["BUCKET_PORT"], bucket)
    access, secret = keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"]
    assert s3("PUT", url, access, secret, b"claimed")[0] == 200
    assert s3("GET", url, access, secret) == (200, b"claimed")
    stats = json.loads(rook.toolbox(*(admin + ["bucket", "stats", "--bucket", bucket])))
    assert stats["usage"]["rgw.main"]["num_objects"] == 1
    # the owner user: obc-<namespace>-<claim>, one bucket, the claim's quotas as its user quota (Rook's provisioner)
    assert stats["owner"] == "obc-default-ceph-delete-bucket"
    user = json.loads(rook.toolbox(*(admin + ["user", "info", "--uid", stats["owner"]])))
    assert user["max_buckets"] == 1
    assert (user["user_quota"]["enabled"], user["user_quota"]["max_objects"], user["user_quota"]["max_size"]) == \
        (True, 1000, 2000000000)

    # reclaimPolicy Delete: the claim's deletion removes the bucket (with its objects) and the keys
    rook.delete("obc", "ceph-delete-bucket", ns="default")
    rook.wait_gone("obc", "ceph-delete-bucket", 90, ns="default")
    assert bucket not in json.loads(rook.toolbox(*(admin + ["bucket", "list"])))
    assert rook.get("secret", "ceph-delete-bucket", ns="default") is None
    assert rook.get("configmap", "ceph-delete-bucket", ns="default") is None
    assert rook.get("objectbucket", "obc-default-ceph-delete-bucket") is None


def test_external_cluster_connects_to_the_lab_cluster(rook, rook_cluster, lab):
    """Rook's external mode against the 127.0.0.1 lab cluster, with what Rook's
    import-external-cluster.sh creates: Secret rook-ceph-mon, ConfigMap rook-ceph-mon-endpoints."""
    ns = "rook-ceph-external"
    key = lab.ceph("auth", "get-or-create-key", "client.rook-external", "mon", "allow r")["key"]
    mon = lab.ceph("mon", "dump")["mons"][0]
    v1 = [a["addr"] for a in mon["public_addrs"]["addrvec"] if a["type"] == "v1"][0]
    rook.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    rook.apply({"apiVersion": "ceph.rook.io/v1", "kind": "CephCluster",
                "metadata": {"name": "rook-ceph-external", "namespace": ns},
                "spec": {"external": {"enable": True}, "crashCollector": {"disable": True},
                         "healthCheck": {"daemonHealth": {"mon": {"disabled": False, "interval": "45s"}}}}})
    waiting = rook.wait("cephcluster", "rook-ceph-external", lambda o: phase(o) == "Connecting", 60, "Connecting",
                        ns=ns)
    assert "rook-ceph-mon" in waiting["status"]["message"]
    rook.apply({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/rook",
                "metadata": {"name": "rook-ceph-mon", "namespace": ns},
                "stringData": {"cluster-name": ns, "fsid": lab.fsid, "admin-secret": "admin-secret",
                               "mon-secret": "mon-secret", "ceph-username": "client.rook-external",
                               "ceph-secret": key}})
    rook.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "rook-ceph-mon-endpoints", "namespace": ns},
                "data": {"data": "a=%s" % v1, "mapping": "{}", "maxMonId": "0"}})
    cr = rook.wait("cephcluster", "rook-ceph-external", lambda o: phase(o) == "Connected", 90, "Connected", ns=ns)
    assert cr["status"]["state"] == "Connected"
    assert has_condition(cr, "Connected", "ClusterConnected")
    assert cr["status"]["ceph"]["fsid"] == lab.fsid != rook_cluster["status"]["ceph"]["fsid"]
    assert cr["status"]["ceph"]["health"] == lab.ceph("health")["status"]
    # the lab's own cluster is still the one it serves
    assert phase(rook.get("cephcluster", "rook-ceph")) == "Ready"

    # deleting an external CephCluster leaves the Ceph cluster alone
    rook.delete("cephcluster", "rook-ceph-external", ns=ns)
    rook.wait_gone("cephcluster", "rook-ceph-external", 60, ns=ns)
    assert lab.ceph("fsid")["fsid"] == lab.fsid
    lab.ceph("auth", "rm", "client.rook-external")
    rook.kubectl("delete", "namespace", ns, "--wait=false")


def test_rados_namespace_is_created_and_blocks_deletions_while_it_holds_images(rook, rook_cluster):
    pool = {"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPool",
            "metadata": {"name": "nspool", "namespace": NS},
            "spec": {"failureDomain": "host", "replicated": {"size": 3}}}
    radosns = {"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPoolRadosNamespace",
               "metadata": {"name": "nspool-tenant", "namespace": NS},
               "spec": {"blockPoolName": "nspool", "name": "tenant"}}
    rook.apply(radosns)  # before its pool: Progressing until the pool exists
    rook.wait("cephblockpoolradosnamespace", "nspool-tenant",
              lambda o: ((o or {}).get("status") or {}).get("phase") == "Progressing", 60, "Progressing")
    rook.apply(pool)
    rook.wait_ready("cephblockpool", "nspool", 180)
    ready = rook.wait_ready("cephblockpoolradosnamespace", "nspool-tenant", 120)
    assert ready["status"]["info"]["clusterID"]
    assert [n["name"] for n in json.loads(rook.toolbox("rbd", "namespace", "ls", "--format", "json", "nspool"))] \
        == ["tenant"]
    rook.toolbox("rbd", "create", "--size", "16M", "--namespace", "tenant", "nspool/img")
    # The pool's deletion waits for its rados namespaces; the namespace's for its images.
    rook.delete("cephblockpool", "nspool")
    rook.wait("cephblockpool", "nspool", lambda o: has_condition(o, "DeletionIsBlocked", "ObjectHasDependents"),
              60, "pool deletion blocked by its rados namespace")
    rook.delete("cephblockpoolradosnamespace", "nspool-tenant")
    rook.wait("cephblockpoolradosnamespace", "nspool-tenant",
              lambda o: has_condition(o, "DeletionIsBlocked", "ObjectHasDependents"), 60, "blocked by its image")
    assert "tenant" in rook.toolbox("rbd", "namespace", "ls", "nspool")
    rook.toolbox("rbd", "rm", "--namespace", "tenant", "nspool/img")
    rook.wait_gone("cephblockpoolradosnamespace", "nspool-tenant", 60)
    rook.wait_gone("cephblockpool", "nspool", 60)
    assert "nspool" not in rook.ceph("osd", "pool", "ls")


def test_a_bucket_claim_that_cannot_be_bound_stays_pending_and_is_retried(rook, rook_object_store):
    """A claim on a store that does not exist: Pending (not failed), its generated name already chosen, the
    provisioner retrying with back-off (lib-bucket-provisioner's work queue) and saying why; its deletion
    needs nothing from the store."""
    rook.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "h-no-store-bucket"},
                "provisioner": "%s.ceph.rook.io/bucket" % NS, "reclaimPolicy": "Delete",
                "parameters": {"objectStoreName": "no-such-store", "objectStoreNamespace": NS}})
    rook.apply({"apiVersion": "objectbucket.io/v1alpha1", "kind": "ObjectBucketClaim",
                "metadata": {"name": "h-waiting", "namespace": "default"},
                "spec": {"storageClassName": "h-no-store-bucket", "generateBucketName": "waiting"}})
    try:
        pending = rook.wait("obc", "h-waiting", lambda o: phase(o) == "Pending" and (o.get("spec") or {}).get("bucketName"),
                            60, "Pending", ns="default")
        assert pending["spec"]["bucketName"].startswith("waiting-")
        rook.wait("obc", "h-waiting", lambda o: rook.log_tail(100).count("error syncing 'default/h-waiting'") >= 3, 60,
                  "retried", ns="default")
        assert "cephObjectStore not found" in rook.log_tail(100)
        assert phase(rook.get("obc", "h-waiting", ns="default")) == "Pending"
    finally:
        rook.delete("obc", "h-waiting", ns="default")
        rook.wait_gone("obc", "h-waiting", 60, ns="default")
        rook.kubectl("delete", "storageclass", "h-no-store-bucket")
