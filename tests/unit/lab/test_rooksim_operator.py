"""The lab's Rook simulator (lab/koorlab/rooksim/operator.py) without a lab: its reconcile logic on an
in-memory API (fakekube.FakeKube) and Ceph (fakekube.FakeCeph), against what Rook v1.20.6 does (each
test names the Rook source). The real tests run it on a lab: tests/integration/test_rook_sim*.py."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "lab"))

from koorlab.rooksim import operator as rooksim  # noqa: E402  pylint: disable=wrong-import-position
from koorlab.rooksim.fakekube import FakeCeph, FakeKube  # noqa: E402  pylint: disable=wrong-import-position

NS = "rook-ceph"
TENTACLE = "quay.io/ceph/ceph:v20.2.4"


def simulator(**ceph):
    kube, fake_ceph = FakeKube(), FakeCeph(**ceph)
    sim = rooksim.Operator("unit", kube, ceph=fake_ceph)
    sim.rook_version = "v1.20.6"
    return sim, kube, fake_ceph


def cluster(**spec):
    cr = {"apiVersion": "ceph.rook.io/v1", "kind": "CephCluster",
          "metadata": {"name": "rook-ceph", "namespace": NS, "uid": "uid-1", "generation": 1},
          "spec": dict({"cephVersion": {"image": TENTACLE}}, **spec),
          "status": {"version": {"image": TENTACLE, "version": "20.2.4-0"}}}
    return cr


def deployments(kube):
    return {o["metadata"]["name"]: o for o in kube.list("deployments")}


def test_an_object_store_has_one_deployment_its_daemon_id_the_stores_name():
    # Rook's object/rgw.go createDeployment: rook-ceph-rgw-<store>-a, replicas = gateway.instances, labels of
    # object/spec.go getLabels (CephDaemonAppLabels with the store's name as the daemon id)
    sim, kube, ceph = simulator()
    ceph.add_daemon("mon", "a", "lab-node1")
    ceph.add_daemon("rgw", "my-store-a", "lab-node1", store="my-store", port=80, address="10.251.9.11")
    ceph.add_daemon("rgw", "my-store-b", "lab-node2", store="my-store", port=80, address="10.251.9.12")
    sim.ensure_deployments(cluster())
    deps = deployments(kube)
    assert sorted(deps) == ["rook-ceph-mon-a", "rook-ceph-rgw-my-store-a"]
    rgw = deps["rook-ceph-rgw-my-store-a"]
    labels = rgw["metadata"]["labels"]
    assert (labels["app"], labels["ceph_daemon_type"], labels["ceph_daemon_id"], labels["rgw"],
            labels["rook_object_store"]) == ("rook-ceph-rgw", "rgw", "my-store", "my-store", "my-store")
    assert rgw["spec"]["replicas"] == 2
    assert rgw["spec"]["selector"]["matchLabels"]["ceph_daemon_id"] == "my-store"
    # the mon keeps its own id
    assert deps["rook-ceph-mon-a"]["metadata"]["labels"]["ceph_daemon_id"] == "a"


def test_a_stores_deployment_shows_the_old_release_until_its_last_radosgw_rolled():
    sim, kube, ceph = simulator()
    ceph.add_daemon("rgw", "s-a", "lab-node1", store="s", port=80, address="10.251.9.11")
    ceph.add_daemon("rgw", "s-b", "lab-node2", store="s", port=80, address="10.251.9.12")
    ceph.state["suite"] = "trixie"  # a roll from Reef: the cluster's release until the roll is done
    ceph.state["daemons"]["rgw.s-a"]["suite"] = "sid"
    ceph.state["daemons"]["rgw.s-b"]["suite"] = "trixie"
    sim.ensure_deployments(cluster())
    assert deployments(kube)["rook-ceph-rgw-s-a"]["metadata"]["labels"]["ceph-version"] == "18.2.7-0"
    ceph.state["daemons"]["rgw.s-b"]["suite"] = "sid"
    sim.ensure_deployments(cluster())
    assert deployments(kube)["rook-ceph-rgw-s-a"]["metadata"]["labels"]["ceph-version"] == "20.2.4-0"


def test_a_store_removed_takes_its_deployment():
    sim, kube, ceph = simulator()
    ceph.add_daemon("rgw", "s-a", "lab-node1", store="s", port=80, address="10.251.9.11")
    sim.ensure_deployments(cluster())
    assert "rook-ceph-rgw-s-a" in deployments(kube)
    del ceph.state["daemons"]["rgw.s-a"]
    sim.ensure_deployments(cluster())
    assert "rook-ceph-rgw-s-a" not in deployments(kube)


def toolbox_yaml():
    """Rook v1.20.6's deploy/examples/toolbox.yaml (the lab's cache of Rook's files)."""
    from koorlab import rookfiles  # pylint: disable=import-outside-toplevel
    import yaml  # pylint: disable=import-outside-toplevel
    with open(os.path.join(rookfiles.examples("v1.20.6"), "toolbox.yaml")) as handle:
        return [d for d in yaml.safe_load_all(handle) if d][0]


def test_the_operator_makes_no_toolbox_and_an_applied_one_gets_the_exec_annotation():
    # Rook's operator never creates rook-ceph-tools: deploy/examples/toolbox.yaml is applied by the user
    sim, kube, ceph = simulator()
    ceph.add_daemon("mon", "a", "lab-node1")
    kube.add("deployments", {"metadata": {"name": "rook-ceph-operator", "namespace": NS},
                             "spec": {"template": {"metadata": {"labels": {"app": "rook-ceph-operator"}},
                                                   "spec": {"containers": [{"image": "docker.io/rook/ceph:v1.20.6"}]}}}})
    sim.ensure_toolbox(NS)
    assert "rook-ceph-tools" not in deployments(kube)
    kube.add("deployments", toolbox_yaml())
    sim.ensure_toolbox(NS)
    template = deployments(kube)["rook-ceph-tools"]["spec"]["template"]
    assert rooksim.EXEC_ANNOTATION in template["metadata"]["annotations"]
    assert template["metadata"]["labels"] == {"app": "rook-ceph-tools"}
    # the toolbox survives the cluster's deletion (it has no owner: Rook leaves it)
    kube.add("cephclusters", dict(cluster(), metadata=dict(cluster()["metadata"], finalizers=[rooksim.KINDS["cephclusters"]])))
    kube.remove("cephclusters", NS, "rook-ceph")
    ceph.state = None
    sim.delete_cluster(kube.get("cephclusters", NS, "rook-ceph"))
    assert kube.get("cephclusters", NS, "rook-ceph") is None
    assert "rook-ceph-tools" in deployments(kube)


def operator(kube, env=None, config=None):
    """Rook's operator Deployment (and its ConfigMap rook-ceph-operator-config when ``config``)."""
    dep = kube.add("deployments", {
        "metadata": {"name": "rook-ceph-operator", "namespace": NS},
        "spec": {"template": {"metadata": {"labels": {"app": "rook-ceph-operator"}},
                              "spec": {"containers": [{"image": "docker.io/rook/ceph:v1.20.6",
                                                       "env": [{"name": k, "value": v} for k, v in (env or {}).items()]}]}}}})
    if config is not None:
        kube.add("config_maps", {"metadata": {"name": "rook-ceph-operator-config", "namespace": NS}, "data": config})
    return dep


def loop_cluster(**storage):
    return cluster(storage=storage or {"useAllNodes": False, "nodes": [
        {"name": "lab-node1", "devices": [{"name": "loop10"}, {"name": "/dev/loop11"}]}]})


def test_loop_devices_are_not_used_without_rook_ceph_allow_loop_devices(capsys):
    # operator.yaml: ROOK_CEPH_ALLOW_LOOP_DEVICES "false"; the OSD prepare does not discover loop devices
    # then (pkg/clusterd/disk.go: unsupported diskType loop)
    sim, kube, dummy = simulator()
    sim.ensure_nodes()
    sim.read_operator(operator(kube, config={"ROOK_LOG_LEVEL": "INFO"}))
    assert sim.wanted_devices(loop_cluster()) == []
    assert "skipping device /dev/loop10 on lab-node1: unsupported diskType loop" in capsys.readouterr().err
    # the ConfigMap wins over the operator's environment (k8sutil.GetOperatorSetting)
    kube.objects.clear()
    sim.ensure_nodes()
    sim.read_operator(operator(kube, env={"ROOK_CEPH_ALLOW_LOOP_DEVICES": "true"},
                               config={"ROOK_CEPH_ALLOW_LOOP_DEVICES": "false"}))
    assert sim.wanted_devices(loop_cluster()) == []
    # an invalid value is false (strconv.ParseBool), and said so
    kube.objects.clear()
    sim.ensure_nodes()
    sim.read_operator(operator(kube, config={"ROOK_CEPH_ALLOW_LOOP_DEVICES": "yes"}))
    assert sim.wanted_devices(loop_cluster()) == []
    assert "ROOK_CEPH_ALLOW_LOOP_DEVICES is set to an invalid value yes" in capsys.readouterr().err


def test_allowed_loop_devices_are_used_only_when_named_in_devices(capsys):
    sim, kube, dummy = simulator()
    sim.ensure_nodes()
    sim.read_operator(operator(kube, env={"ROOK_CEPH_ALLOW_LOOP_DEVICES": "true"}))
    assert [(n.name, d) for n, d in sim.wanted_devices(loop_cluster())] == [
        ("lab-node1", "/dev/loop10"), ("lab-node1", "/dev/loop11")]
    # useAllDevices, deviceFilter and devicePathFilter never pick a loop device (osd/daemon.go getAvailableDevices)
    for storage, word in (({"useAllNodes": True, "useAllDevices": True}, "useAllDevices: true"),
                          ({"useAllNodes": True, "deviceFilter": "^loop"}, "deviceFilter"),
                          ({"useAllNodes": True, "devicePathFilter": "^/dev/loop"}, "devicePathFilter")):
        assert sim.wanted_devices(loop_cluster(**storage)) == [], storage
        assert "loop device /dev/loop12 on lab-node2 is not picked by `%s`" % word in capsys.readouterr().err
    # "1" is true too (strconv.ParseBool)
    kube.objects.clear()
    sim.ensure_nodes()
    sim.read_operator(operator(kube, config={"ROOK_CEPH_ALLOW_LOOP_DEVICES": "1"}))
    assert len(sim.wanted_devices(loop_cluster())) == 2


def test_the_csi_secrets_and_their_cephx_users_as_rook_makes_them():
    # csi/secrets.go: client.csi-{rbd,cephfs}-{provisioner,node} with Rook's caps, Secrets rook-csi-* in the
    # cluster's namespace, userID/userKey (RBD) and adminID/adminKey (CephFS), owned by the CephCluster
    sim, kube, ceph = simulator()
    cr = cluster()
    sim.ensure_cluster_secrets(cr)
    secrets = {o["metadata"]["name"]: o for o in kube.list("secrets")}
    assert sorted(secrets) == ["rook-csi-cephfs-node", "rook-csi-cephfs-provisioner", "rook-csi-rbd-node",
                               "rook-csi-rbd-provisioner"]
    data = {name: {k: rooksim.base64.b64decode(v).decode() for k, v in s["data"].items()} for name, s in secrets.items()}
    assert data["rook-csi-rbd-provisioner"] == {"userID": "csi-rbd-provisioner",
                                                "userKey": ceph.entities["client.csi-rbd-provisioner"]["key"]}
    assert data["rook-csi-cephfs-node"] == {"adminID": "csi-cephfs-node",
                                            "adminKey": ceph.entities["client.csi-cephfs-node"]["key"]}
    assert ceph.entities["client.csi-rbd-provisioner"]["caps"] == [
        "mon", "profile rbd, allow command 'osd blocklist'", "mgr", "allow rw", "osd", "profile rbd"]
    assert ceph.entities["client.csi-cephfs-provisioner"]["caps"] == [
        "mon", "allow r, allow command 'osd blocklist'", "mgr", "allow rw", "osd", "allow rw tag cephfs metadata=*",
        "mds", "allow *"]
    assert all(s["type"] == "kubernetes.io/rook" and s["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
               for s in secrets.values())
    # made once: the next reconcile sends no command
    sent = len(ceph.commands)
    sim.ensure_cluster_secrets(cr)
    assert len(ceph.commands) == sent
    # spec.csi.skipUserCreation: none, and the ones the cluster owns go (csi/secrets.go CreateCSISecrets)
    sim.ensure_cluster_secrets(cluster(csi={"skipUserCreation": True}))
    assert kube.list("secrets") == []


def node_daemons(kube, app):
    """{node: Deployment} of the crash collectors (or exporters)."""
    return {d["metadata"]["labels"]["node_name"]: d for d in kube.list("deployments")
            if d["metadata"]["labels"].get("app") == app}


def node_daemon_cluster(**spec):
    """A simulator with a mon on lab-node1 and an OSD on lab-node2 (lab-node3 runs no Ceph daemon), its
    Nodes registered and the CephCluster's keyrings made."""
    sim, kube, ceph = simulator()
    sim.ensure_nodes()
    ceph.add_daemon("mon", "a", "lab-node1")
    ceph.add_daemon("osd", "0", "lab-node2", device="/dev/loop12")
    cr = cluster(**spec)
    sim.ensure_cluster_secrets(cr)
    sim.ensure_node_daemon_keyrings(cr)
    return sim, kube, ceph, cr


def test_a_crash_collector_and_an_exporter_on_each_node_that_runs_a_ceph_daemon():
    # nodedaemon/crash.go, exporter.go: rook-ceph-crashcollector-<node> and rook-ceph-exporter-<node> with
    # their labels; reconcile.go: only where a Ceph pod runs
    sim, kube, ceph, cr = node_daemon_cluster()
    sim.ensure_deployments(cr)
    crash, exporter = node_daemons(kube, "rook-ceph-crashcollector"), node_daemons(kube, "rook-ceph-exporter")
    assert sorted(crash) == sorted(exporter) == ["lab-node1", "lab-node2"]
    dep = crash["lab-node1"]
    assert dep["metadata"]["name"] == "rook-ceph-crashcollector-lab-node1"
    assert dep["metadata"]["labels"] == {
        "kubernetes.io/hostname": "lab-node1", "app": "rook-ceph-crashcollector", "node_name": "lab-node1",
        "crash": "crash", "ceph_daemon_id": "crash", "rook_cluster": NS, "ceph-version": "20.2.4-0",
        "rook-version": "v1.20.6"}
    assert dep["spec"]["selector"]["matchLabels"] == {"kubernetes.io/hostname": "lab-node1",
                                                      "app": "rook-ceph-crashcollector", "node_name": "lab-node1"}
    # crash.go copies the pod's labels before adding rook-version; exporter.go after
    assert "rook-version" not in dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["template"]["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "lab-node1"}
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == TENTACLE
    assert dep["metadata"]["ownerReferences"][0]["kind"] == "CephCluster"
    exp = exporter["lab-node2"]
    assert exp["metadata"]["name"] == "rook-ceph-exporter-lab-node2"
    assert exp["metadata"]["labels"]["ceph_daemon_id"] == "exporter" and "crash" not in exp["metadata"]["labels"]
    assert exp["spec"]["template"]["metadata"]["labels"]["rook-version"] == "v1.20.6"
    # the keyrings (nodedaemon/keyring.go)
    keyring = rooksim.base64.b64decode(kube.get("secrets", NS, "rook-ceph-crash-collector-keyring")["data"]["keyring"]).decode()
    assert keyring == '\n[client.crash]\n\tkey = %s\n\tcaps mon = "allow profile crash"\n\tcaps mgr = "allow rw"\n' % (
        ceph.entities["client.crash"]["key"])
    assert ceph.entities["client.ceph-exporter"]["caps"] == [
        "mon", "allow profile ceph-exporter", "mgr", "allow r", "osd", "allow r", "mds", "allow r"]
    # a node whose last Ceph daemon goes loses them
    del ceph.state["daemons"]["osd.0"]
    sim.ensure_deployments(cr)
    assert sorted(node_daemons(kube, "rook-ceph-crashcollector")) == ["lab-node1"]
    assert sorted(node_daemons(kube, "rook-ceph-exporter")) == ["lab-node1"]


def test_node_daemons_follow_a_roll_node_by_node():
    # their ceph-version is status.version (GetImageVersion) once it is of the spec's image; the node
    # controller runs for a Node when a Ceph pod on it is made or goes (add.go)
    sim, kube, ceph, cr = node_daemon_cluster()
    ceph.state["suite"] = "trixie"
    for daemon in ceph.state["daemons"].values():
        daemon["suite"] = "trixie"
    reef = "quay.io/ceph/ceph:v18.2.7"
    cr["spec"]["cephVersion"]["image"] = reef
    cr["status"]["version"] = {"image": reef, "version": "18.2.7-0"}
    sim.ensure_deployments(cr)
    assert {d["metadata"]["labels"]["ceph-version"] for d in node_daemons(kube, "rook-ceph-crashcollector").values()} \
        == {"18.2.7-0"}
    # the roll: Rook writes status.version first (cluster/version.go), then restarts the daemons one by one
    cr["spec"]["cephVersion"]["image"] = TENTACLE
    cr["status"]["version"] = {"image": TENTACLE, "version": "20.2.4-0"}
    sim.ensure_deployments(cr)  # no Ceph pod restarted yet: no event, no change
    assert {d["metadata"]["labels"]["ceph-version"] for d in node_daemons(kube, "rook-ceph-crashcollector").values()} \
        == {"18.2.7-0"}
    ceph.state["daemons"]["mon.a"]["suite"] = "sid"  # the mon on lab-node1 restarted on Tentacle
    sim.ensure_deployments(cr)
    versions = {n: d["metadata"]["labels"]["ceph-version"] for n, d in node_daemons(kube, "rook-ceph-crashcollector").items()}
    assert versions == {"lab-node1": "20.2.4-0", "lab-node2": "18.2.7-0"}
    ceph.state["daemons"]["osd.0"]["suite"] = "sid"
    sim.ensure_deployments(cr)
    assert {d["metadata"]["labels"]["ceph-version"] for d in kube.list("deployments")} == {"20.2.4-0"}


def test_node_daemons_wait_while_status_version_is_not_of_the_spec_image(capsys):
    # reconcile.go: GetImageVersion fails until the CephCluster records the spec's image; the event is then
    # dropped (no requeue): the Node waits for its next event
    sim, kube, ceph, cr = node_daemon_cluster()
    cr["status"] = {}
    sim.ensure_deployments(cr)
    assert not node_daemons(kube, "rook-ceph-crashcollector")
    assert "ceph version not found for image" in capsys.readouterr().err
    cr["status"]["version"] = {"image": TENTACLE, "version": "20.2.4-0"}
    sim.ensure_deployments(cr)
    assert not node_daemons(kube, "rook-ceph-crashcollector")
    ceph.add_daemon("mgr", "a", "lab-node1")  # a pod made on lab-node1
    sim.ensure_deployments(cr)
    assert sorted(node_daemons(kube, "rook-ceph-crashcollector")) == ["lab-node1"]


def test_disabled_node_daemons_as_reconcile_go_removes_them():
    # crashCollector.disable: none made; metricsDisabled: no exporter made
    sim, kube, dummy, cr = node_daemon_cluster(crashCollector={"disable": True}, monitoring={"metricsDisabled": True})
    sim.ensure_deployments(cr)
    assert not node_daemons(kube, "rook-ceph-crashcollector") and not node_daemons(kube, "rook-ceph-exporter")
    # made, then disabled: removeDisabledCrashCollectorDaemons && removeDisabledCephExporterDaemons - the
    # exporters go only with the crash collectors (Go's && stops at the first false)
    sim, kube, ceph, cr = node_daemon_cluster()
    sim.ensure_deployments(cr)
    cr["spec"]["monitoring"] = {"metricsDisabled": True}
    sim._node_events.add("lab-node1")  # an event on a Node
    sim.ensure_deployments(cr)
    assert len(node_daemons(kube, "rook-ceph-exporter")) == 2  # kept: the crash collectors are not disabled
    cr["spec"]["crashCollector"] = {"disable": True}
    sim._node_events.add("lab-node1")
    sim.ensure_deployments(cr)
    assert not node_daemons(kube, "rook-ceph-crashcollector") and not node_daemons(kube, "rook-ceph-exporter")


def test_a_deleted_crash_collector_comes_back_and_long_node_names_are_hashed():
    sim, kube, ceph, cr = node_daemon_cluster()
    sim.ensure_deployments(cr)
    kube.delete_deployment(NS, "rook-ceph-crashcollector-lab-node1")  # add.go watches the crash Deployments
    sim.ensure_deployments(cr)
    assert "lab-node1" in node_daemons(kube, "rook-ceph-crashcollector")
    # k8sutil.TruncateNodeName: over 63 characters the node's name is hashed
    long_name = "node-" + "x" * 40
    assert rooksim.truncate_node_name("rook-ceph-crashcollector-%s", long_name) == \
        "rook-ceph-crashcollector-" + rooksim.hashlib.sha256(long_name.encode()).hexdigest()[:32]
    assert rooksim.truncate_node_name("rook-ceph-exporter-%s", "lab-node1") == "rook-ceph-exporter-lab-node1"


def test_a_new_operator_version_relabels_the_node_daemons():
    # a new operator starts its node controller, which reconciles every Node: rook-version follows
    sim, kube, dummy, cr = node_daemon_cluster()
    sim.ensure_deployments(cr)
    sim.rook_version = "v1.20.7"
    sim.ensure_deployments(cr)
    assert {d["metadata"]["labels"]["rook-version"] for d in kube.list("deployments")} == {"v1.20.7"}


class _Proc:
    def __init__(self, returncode, stdout=""):
        self.returncode, self.stdout = returncode, stdout


class BucketSimulator(rooksim.Operator):
    """The simulator with an in-memory RGW: users {uid: user info}, buckets {name: owner}."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.users, self.buckets, self.rgw_commands = {}, {}, []

    def s3_create_bucket(self, endpoint, access, secret, bucket):
        owner = [uid for uid, user in self.users.items() if user["keys"][0]["access_key"] == access][0]
        self.buckets[bucket] = owner

    def radosgw_admin(self, store, *args, check=True):  # pylint: disable=too-many-return-statements
        import json  # pylint: disable=import-outside-toplevel
        self.rgw_commands.append(args)
        words = list(args)
        uid = words[words.index("--uid") + 1] if "--uid" in words else None
        if words[:2] == ["user", "info"]:
            return _Proc(0, json.dumps(self.users[uid])) if uid in self.users else _Proc(2)
        if words[:2] == ["user", "create"]:
            self.users[uid] = {"user_id": uid, "max_buckets": 1000, "suspended": 0,
                               "keys": [{"access_key": "AK" + uid, "secret_key": "SK" + uid}],
                               "user_quota": {"enabled": False, "max_size": -1, "max_objects": -1}}
            return self.users[uid]
        if words[:2] == ["user", "modify"]:
            self.users[uid]["max_buckets"] = int(words[words.index("--max-buckets") + 1])
        elif words[:2] == ["user", "suspend"]:
            self.users[uid]["suspended"] = 1
        elif words[:2] == ["user", "rm"]:
            self.users.pop(uid, None)
        elif words[:2] == ["bucket", "stats"]:
            bucket = words[words.index("--bucket") + 1]
            return _Proc(0, json.dumps({"owner": self.buckets[bucket]})) if bucket in self.buckets else _Proc(2)
        elif words[:2] == ["bucket", "rm"]:
            self.buckets.pop(words[words.index("--bucket") + 1], None)
        elif words[:2] == ["quota", "set"]:
            quota = self.users[uid]["user_quota"]
            for flag in ("--max-objects", "--max-size"):
                if flag in words:
                    quota[flag[2:].replace("-", "_")] = int(words[words.index(flag) + 1])
        elif words[0] == "quota":
            self.users[uid]["user_quota"]["enabled"] = words[1] == "enable"
        return _Proc(0) if not check else ""


def bucket_lab(store_ready=True):
    kube, ceph = FakeKube(), FakeCeph()
    sim = BucketSimulator("unit", kube, ceph=ceph)
    sim.rook_version = "v1.20.6"
    sim.cluster = cluster()
    ceph.add_daemon("rgw", "my-store-a", "lab-node1", store="my-store", port=80, address="10.251.9.11")
    kube.add("cephobjectstores", {"metadata": {"name": "my-store", "namespace": NS},
                                  "status": {"phase": "Ready" if store_ready else "Progressing"}})
    kube.add("storageclasses", {"metadata": {"name": "rook-ceph-delete-bucket", "namespace": ""},
                                "provisioner": "rook-ceph.ceph.rook.io/bucket", "reclaimPolicy": "Delete",
                                "parameters": {"objectStoreName": "my-store", "objectStoreNamespace": NS}})
    return sim, kube


def claim(kube, name="ceph-bucket", **spec):
    return kube.add("objectbucketclaims", {
        "metadata": {"name": name, "namespace": "default"},
        "spec": dict({"storageClassName": "rook-ceph-delete-bucket", "generateBucketName": "ceph-bkt"}, **spec)})


def test_a_bucket_claim_as_lib_bucket_provisioner_binds_it():
    # lib-bucket-provisioner controller.go: Pending, finalizer objectbucket.io/finalizer and the provisioner
    # label, a generated "<prefix>-<uuid4>" written to spec.bucketName first; Rook's Provision: the owner user
    # obc-<ns>-<claim> with max-buckets 1; Secret, ConfigMap, the bound ObjectBucket with the same finalizer
    import re  # pylint: disable=import-outside-toplevel
    sim, kube = bucket_lab()
    claim(kube)
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    obc = kube.get("objectbucketclaims", "default", "ceph-bucket")
    assert obc["status"]["phase"] == "Bound"
    assert obc["metadata"]["finalizers"] == ["objectbucket.io/finalizer"]
    assert obc["metadata"]["labels"] == {"bucket-provisioner": "rook-ceph.ceph.rook.io-bucket"}
    bucket = obc["spec"]["bucketName"]
    assert re.match(r"^ceph-bkt-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", bucket), bucket
    assert obc["spec"]["objectBucketName"] == "obc-default-ceph-bucket"
    assert sim.buckets == {bucket: "obc-default-ceph-bucket"}
    assert sim.users["obc-default-ceph-bucket"]["max_buckets"] == 1
    ob = kube.get("objectbuckets", "", "obc-default-ceph-bucket")
    assert ob["status"]["phase"] == "Bound" and ob["metadata"]["finalizers"] == ["objectbucket.io/finalizer"]
    assert ob["spec"]["additionalState"] == {"cephUser": "obc-default-ceph-bucket", "objectStoreName": "my-store",
                                             "objectStoreNamespace": NS}
    assert kube.get("config_maps", "default", "ceph-bucket")["data"]["BUCKET_NAME"] == bucket
    # a long prefix is cut to 26 characters (lib-bucket-provisioner helpers.go generateBucketName)
    assert re.match(r"^%s-[0-9a-f-]{36}$" % ("p" * 26), rooksim.generate_bucket_name("p" * 40))
    assert len(rooksim.generate_bucket_name("p" * 40)) == 63
    # bound and unchanged: the next loop does nothing
    sent = len(sim.rgw_commands)
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    assert len(sim.rgw_commands) == sent
    # deletion, reclaimPolicy Delete: bucket and user gone, then the ObjectBucket, Secret, ConfigMap, the claim
    kube.remove("objectbucketclaims", "default", "ceph-bucket")
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    assert sim.buckets == {} and sim.users == {}
    assert kube.get("objectbucketclaims", "default", "ceph-bucket") is None
    assert kube.get("objectbuckets", "", "obc-default-ceph-bucket") is None
    assert kube.get("secrets", "default", "ceph-bucket") is None


def test_a_claim_that_cannot_be_bound_yet_stays_pending_and_is_retried_with_back_off(capsys, monkeypatch):
    sim, kube = bucket_lab(store_ready=False)
    claim(kube)
    clock = [1000.0]
    monkeypatch.setattr(rooksim.time, "monotonic", lambda: clock[0])
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    obc = kube.get("objectbucketclaims", "default", "ceph-bucket")
    assert obc["status"]["phase"] == "Pending" and sim.buckets == {}
    bucket = obc["spec"]["bucketName"]  # chosen before provisioning: a retry keeps it
    assert "error syncing 'default/ceph-bucket'" in capsys.readouterr().err
    # the work queue's back-off: 5 ms, 10 ms, ... doubling (client-go ItemExponentialFailureRateLimiter)
    delays = []
    for dummy in range(12):
        failures, due = sim._obc_retry[obc["metadata"]["uid"]]
        delays.append(round(due - clock[0], 3))
        sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))  # not due yet: nothing
        assert sim._obc_retry[obc["metadata"]["uid"]][0] == failures
        clock[0] = due
        sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04] and delays[11] == round(0.005 * 2 ** 11, 3)
    assert kube.get("objectbucketclaims", "default", "ceph-bucket")["status"]["phase"] == "Pending"
    # the store Ready: bound at the next try, with the name chosen first
    kube.objects[("cephobjectstores", NS, "my-store")]["status"]["phase"] = "Ready"
    clock[0] += 1000
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    obc = kube.get("objectbucketclaims", "default", "ceph-bucket")
    assert obc["status"]["phase"] == "Bound" and list(sim.buckets) == [bucket]
    assert obc["metadata"]["uid"] not in sim._obc_retry


def test_bucket_claim_quotas_are_the_owner_users_quota():
    # Rook's setAdditionalSettings: maxObjects / maxSize (Kubernetes quantities) as the user quota
    sim, kube = bucket_lab()
    claim(kube, additionalConfig={"maxObjects": "1k", "maxSize": "2Gi"})
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    assert sim.users["obc-default-ceph-bucket"]["user_quota"] == {"enabled": True, "max_objects": 1000,
                                                                  "max_size": 2 << 30}
    assert [rooksim.k8s_quantity(q) for q in ("1000", "2G", "1.5Ki", "1e3", "500m")] == [1000, 2000000000, 1536, 1000, 1]
    # a change of additionalConfig (the field lib-bucket-provisioner updates) is applied
    stored = kube.objects[("objectbucketclaims", "default", "ceph-bucket")]
    stored["spec"]["additionalConfig"] = {"maxObjects": "10"}
    stored["metadata"]["generation"] += 1
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    assert sim.users["obc-default-ceph-bucket"]["user_quota"]["max_objects"] == 10
    # a key the operator does not allow, or a quantity Rook cannot read: Pending, retried
    for index, config in enumerate(({"bucketMaxObjects": "5"}, {"maxSize": "2GB"})):
        name = "claim-%d" % index
        claim(kube, name=name, additionalConfig=config)
        sim.reconcile_obc(kube.get("objectbucketclaims", "default", name))
        assert kube.get("objectbucketclaims", "default", name)["status"]["phase"] == "Pending", config


def test_claims_of_another_provisioner_are_left_alone():
    sim, kube = bucket_lab()
    kube.add("storageclasses", {"metadata": {"name": "other", "namespace": ""}, "provisioner": "other.ceph.rook.io/bucket"})
    claim(kube, storageClassName="other")
    sim.reconcile_obc(kube.get("objectbucketclaims", "default", "ceph-bucket"))
    assert "status" not in kube.get("objectbucketclaims", "default", "ceph-bucket")


def test_no_daemon_starts_without_rooks_service_accounts_and_each_daemon_names_its_own():
    """Rook's pods run as common.yaml's ServiceAccounts of the cluster namespace; the API refuses a pod whose
    ServiceAccount is missing, so a CephCluster in a namespace without them never gets a mon (the reconcile
    fails and is retried). The simulator used to start the daemons whatever the namespace held."""
    sim, kube, fake_ceph = simulator()
    cr = cluster()
    before = dict(fake_ceph.state["daemons"])
    with pytest.raises(rooksim.LabError) as err:
        sim.create_cluster(cr, "sid")
    message = str(err.value)
    assert message.startswith('failed to start ceph monitors: the pods cannot be created: error looking up service '
                              'account rook-ceph/rook-ceph-default: serviceaccount "rook-ceph-default" not found')
    assert all(name in message for name in rooksim.CONTRACT.CLUSTER_SERVICE_ACCOUNTS)
    assert fake_ceph.state["daemons"] == before and kube.list("deployments") == []
    for name in rooksim.CONTRACT.CLUSTER_SERVICE_ACCOUNTS:
        kube.add("service_accounts", {"metadata": {"name": name, "namespace": NS}})
    assert sim.missing_service_accounts(NS) == []
    assert set(rooksim.CONTRACT.DAEMON_SERVICE_ACCOUNTS.values()) <= set(rooksim.CONTRACT.CLUSTER_SERVICE_ACCOUNTS)
    # the Deployments of the daemons name the ServiceAccount Rook's pod specs give them
    for kind, ident in (("mon", "a"), ("mgr", "a"), ("osd", "0"), ("mds", "fs-a")):
        fake_ceph.add_daemon(kind, ident, "lab-node1")
    fake_ceph.add_daemon("rgw", "s-a", "lab-node1", store="s", port=80, address="10.251.9.11")
    sim.ensure_deployments(cr)
    accounts = {d["metadata"]["labels"].get("ceph_daemon_type") or d["metadata"]["labels"]["app"]:
                d["spec"]["template"]["spec"]["serviceAccountName"] for d in deployments(kube).values()}
    assert {k: v for k, v in accounts.items() if k in ("mon", "mgr", "osd", "mds", "rgw")} == {
        "mon": "rook-ceph-default", "mgr": "rook-ceph-mgr", "osd": "rook-ceph-osd", "mds": "rook-ceph-default",
        "rgw": "rook-ceph-rgw"}
