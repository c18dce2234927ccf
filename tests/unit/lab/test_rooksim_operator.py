"""The lab's Rook simulator (lab/koorlab/rooksim/operator.py) without a lab: its reconcile logic on an
in-memory API (fakekube.FakeKube) and Ceph (fakekube.FakeCeph), against what Rook v1.20.6 does (each
test names the Rook source). The real tests run it on a lab: tests/integration/test_rook_sim*.py."""
import os
import sys

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
