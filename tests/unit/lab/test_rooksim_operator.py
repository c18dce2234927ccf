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
