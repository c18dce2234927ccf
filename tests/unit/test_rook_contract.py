"""The facts about Rook in module_utils/rook_contract.py against what reads them: Rook's release
manifests (the project's cache of Rook's files, checked by checksum), the filters, the module's
wait rules, the roles' variables, and the lab's Rook simulator (lab/koorlab/rooksim): each must
say what the contract says, so a fact changed in one place cannot drift in another."""
import itertools
import os
import re
import sys

import pytest
import yaml

from ansible_collections.koor.ceph.plugins.filter.rook import rook_ceph_image_check, rook_supported_ceph
from ansible_collections.koor.ceph.plugins.module_utils import rook_cluster as rc
from ansible_collections.koor.ceph.plugins.module_utils import rook_contract as contract
from ansible_collections.koor.ceph.plugins.module_utils.rook_use_cases import is_settled

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "lab"))

from koorlab import rookfiles  # noqa: E402  pylint: disable=wrong-import-position
from koorlab.rooksim import operator as rooksim  # noqa: E402  pylint: disable=wrong-import-position

VERSIONS = sorted(contract.ROOK_CEPH)
CEPH_GRID = ["%d.%d.%d" % v for v in itertools.product((17, 18, 19, 20, 21), (0, 1, 2), (0, 1, 7))]


def _docs(version, name):
    with open(os.path.join(rookfiles.examples(version), name)) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


@pytest.mark.parametrize("minor", VERSIONS)
def test_each_rule_names_a_pinned_rook_release_and_its_operator_image(minor):
    release = contract.ROOK_CEPH[minor]["release"]
    assert release in rookfiles.versions()
    operator = [d for d in _docs(release, "operator.yaml") if d.get("kind") == "Deployment"][0]
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":" + release)
    assert operator["spec"]["template"]["metadata"]["labels"]["app"] == rc.OPERATOR_APP


@pytest.mark.parametrize("minor", VERSIONS)
def test_the_filter_and_the_simulator_agree_on_what_rook_refuses(minor):
    """For every Ceph version: the filter's operator_refuses is the simulator's refusal with
    allowUnsupported; what the filter calls supported the simulator runs without it."""
    release = contract.ROOK_CEPH[minor]["release"]
    for version in CEPH_GRID:
        check = rook_ceph_image_check("quay.io/ceph/ceph:v" + version, release, allow_unsupported=True)
        refused_anyway = rooksim.unsupported(version, {"allowUnsupported": True}, release)
        assert check["operator_refuses"] is (refused_anyway is not None), (release, version, refused_anyway)
        assert check["allowed"] is (refused_anyway is None), (release, version)
        plain = rook_ceph_image_check("quay.io/ceph/ceph:v" + version, release)
        if plain["supported"]:
            assert rooksim.unsupported(version, {}, release) is None, (release, version)


def test_the_version_rules_per_rook_release():
    assert rook_ceph_image_check("quay.io/ceph/ceph:v18.2.7", "v1.18.11")["supported"] is True
    for release in ("v1.19.10", "v1.20.6"):
        assert rook_ceph_image_check("quay.io/ceph/ceph:v18.2.7", release, True)["operator_refuses"] is True
        assert rooksim.unsupported("18.2.7", {"allowUnsupported": True}, release) == \
            'the version does not meet the minimum version "ceph version 19.2.0-0 squid"'
    assert [r["release"] for r in rook_supported_ceph("v1.18.11")] == ["reef", "squid", "tentacle"]
    with pytest.raises(Exception, match="no rules for Rook v1.17.0"):
        rooksim.unsupported("19.2.3", {}, "v1.17.0")


def test_known_bad_releases_are_never_supported():
    for version in contract.CEPH_KNOWN_BAD:
        text = ".".join(str(p) for p in version)
        for minor in VERSIONS:
            check = rook_ceph_image_check("quay.io/ceph/ceph:v" + text, contract.ROOK_CEPH[minor]["release"])
            assert check["supported"] is False and "not recommended" in check["message"]


def _failed_status(generation=3, observed=2):
    failed = contract.CLUSTER_STATUS["failed"]
    ready = contract.CLUSTER_STATUS["ready"]
    return {"metadata": {"name": "rook-ceph", "namespace": "rook-ceph", "generation": generation},
            "status": {"phase": failed["phase"], "state": failed["state"], "observedGeneration": observed,
                       "message": "failed the ceph version check: ...",
                       "conditions": [{"type": ready["type"], "status": "True", "reason": ready["reason"]},
                                      {"type": failed["type"], "status": failed["status"],
                                       "reason": failed["reason"], "message": "..."}]}}


def test_the_waits_treat_rooks_failed_reconcile_as_not_yet():
    cluster = _failed_status()
    assert is_settled(cluster, "Ready") is False
    state = rc.ClusterState("rook-ceph", "rook-ceph", "rook-ceph")
    state.sync("cluster", [cluster])
    assert "Ready" in rc.unmet(state.info(), ["Ready"])
    # Ready again, but for an older generation (observedGeneration is written only with Ready)
    cluster["status"].update(phase="Ready", state="Created", conditions=cluster["status"]["conditions"][:1])
    state.sync("cluster", [cluster])
    assert rc.unmet(state.info(), ["Ready"])["Ready"].startswith("the operator has not reconciled generation 3")


class _Recorder(rooksim.Operator):
    """The simulator's status writer without a lab: what it would patch."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.patches = []

    def _status(self, obj, plural, status, group=None, version=None):
        merged = dict(obj.get("status") or {})
        merged.update(status)
        obj["status"] = merged
        self.patches.append(status)


def test_the_simulator_writes_the_cluster_status_as_the_contract_says():
    sim = _Recorder()
    cr = {"metadata": {"name": "rook-ceph", "namespace": "rook-ceph", "generation": 1}, "status": {}}
    sim._cluster_condition(cr, "Progressing", "True", contract.CLUSTER_STATUS["progressing_reason"], "Configuring")
    assert (cr["status"]["phase"], cr["status"]["state"]) == ("Progressing", "Creating")
    ready = contract.CLUSTER_STATUS["ready"]
    sim._cluster_condition(cr, ready["type"], "True", ready["reason"], ready["message"], observed=1)
    assert [c["type"] for c in cr["status"]["conditions"]] == ["Ready"]
    assert (cr["status"]["phase"], cr["status"]["state"], cr["status"]["observedGeneration"]) == ("Ready", "Created", 1)
    cr["metadata"]["generation"] = 2
    sim._cluster_failed(cr, "failed the ceph version check: x")
    failed = contract.CLUSTER_STATUS["failed"]
    assert (cr["status"]["phase"], cr["status"]["state"]) == (failed["phase"], failed["state"])
    assert [(c["type"], c["status"], c["reason"]) for c in cr["status"]["conditions"]] == [
        ("Ready", "True", "ClusterCreated"), (failed["type"], failed["status"], failed["reason"])]
    assert cr["status"]["observedGeneration"] == 1
    assert all("observedGeneration" not in p for p in sim.patches[2:])
    # a deletion's phase is never taken back
    cr["status"]["phase"] = "Deleting"
    sim._cluster_condition(cr, "Progressing", "True", "ClusterProgressing", "again")
    assert cr["status"]["phase"] == "Deleting"


def test_the_simulator_and_rooks_example_share_the_cleanup_confirmation():
    assert rooksim.CLEANUP_CONFIRMATION == contract.CLEANUP_CONFIRMATION
    cluster = _docs("v1.20.6", "cluster.yaml")[0]
    assert cluster["spec"]["cleanupPolicy"]["confirmation"] == ""
    with open(os.path.join(rookfiles.examples("v1.20.6"), "cluster.yaml")) as handle:
        assert '"%s"' % contract.CLEANUP_CONFIRMATION in handle.read()


@pytest.mark.parametrize("role, kind, example", [
    ("rook_block", "rbd", "csi/rbd/storageclass.yaml"),
    ("rook_file", "cephfs", "csi/cephfs/storageclass.yaml"),
    ("rook_object", "bucket", "storageclass-bucket-delete.yaml")])
def test_the_roles_provisioners_are_rooks(role, kind, example):
    """Rook's example StorageClass (namespace rook-ceph) names the contract's provisioner, and the
    role's variable is the same pattern with its namespace variable."""
    pattern = contract.PROVISIONERS[kind]
    sc = [d for d in _docs("v1.20.6", example) if d.get("kind") == "StorageClass"][0]
    assert sc["provisioner"] == pattern.format(operator_namespace="rook-ceph", cluster_namespace="rook-ceph")
    with open(os.path.join(ROOT, "roles", role, "vars", "main.yml")) as handle:
        variables = yaml.safe_load(handle)
    ns_var = "{{ %s_%s }}" % (role, "namespace" if kind == "bucket" else "operator_namespace")
    assert variables["_%s_provisioner" % role] == pattern.format(operator_namespace=ns_var, cluster_namespace=ns_var)


def test_the_simulators_daemon_labels_are_the_contracts():
    sim = _Recorder()
    sim.rook_version = "v1.20.6"
    labels = sim.daemon_labels({"metadata": {"namespace": "rook-ceph"}},
                               {"type": "osd", "id": "0", "suite": "sid", "node": "n1"})
    assert set(contract.DAEMON_LABELS) <= set(labels)
    assert labels["ceph-version"] == "20.2.4-0" and labels["rook-version"] == "v1.20.6"
    # a radosgw's daemon id is its object store's name (Rook's object/spec.go getLabels)
    rgw = sim.daemon_labels({"metadata": {"namespace": "rook-ceph"}},
                            {"type": "rgw", "id": "my-store-a", "store": "my-store", "suite": "sid", "node": "n1"})
    assert (rgw["ceph_daemon_type"], rgw["ceph_daemon_id"], rgw["rgw"]) == ("rgw", "my-store", "my-store")


def test_the_simulators_status_check_interval_is_rooks():
    sim = _Recorder()
    sim.operator_env = {}
    cluster = {"spec": {}}
    assert sim.status_interval(cluster) == (contract.STATUS_CHECK["default_seconds"], False)
    cluster = _docs("v1.20.6", "cluster.yaml")[0]  # Rook's example says 60s
    assert sim.status_interval(cluster) == (60, False)
    cluster["spec"]["healthCheck"]["daemonHealth"]["status"].update(interval="1m30s", disabled=True)
    assert sim.status_interval(cluster) == (90, True)
    sim.operator_env = {contract.STATUS_CHECK["env"]: "500ms"}
    assert sim.status_interval(cluster)[0] == 0.5
    assert [rooksim.go_duration(t) for t in ("10s", "2h", "", "10", "5x", None)] == [10, 7200, None, None, None, None]


class _Ceph:
    """The part of the simulator's Ceph (koorlab.rooksim.ceph.Cluster) the status writer reads: a healthy
    cluster of three OSDs."""
    fsid = "00000000-0000-4000-8000-000000000000"

    def __init__(self):
        self.state = {"osds": {str(i): {"device_class": "hdd"} for i in range(3)}}

    def save(self):
        pass

    @staticmethod
    def status():
        return {"health": {"status": "HEALTH_OK", "checks": {}},
                "pgmap": {"num_pgs": 8, "pgs_by_state": [{"state_name": "active+clean", "count": 8}]}}

    @staticmethod
    def mon(prefix, **_kwargs):
        assert prefix == "df"
        return {"stats": {"total_bytes": 3, "total_used_raw_bytes": 1, "total_avail_bytes": 2}}

    @staticmethod
    def versions():
        return {"overall": {"ceph version 20.2.4": 7}}


def test_a_spec_change_the_simulator_does_not_carry_out_is_never_ready():
    """Rook reconciles every spec change (cluster/predicate.go); the simulator carries out only SIMULATED_SPEC.
    Any other change (mon count, network, placement, resources) is reported as not simulated and the new
    generation never gets Ready's observedGeneration, where the simulator used to report it Ready."""
    sim = _Recorder()
    sim.ceph, sim.operator_env, sim.ready, sim.last_health, sim._checked_uid = _Ceph(), {}, False, 0, None
    spec = {"mon": {"count": 3}, "network": {}, "storage": {"useAllNodes": False}, "cephVersion": {"image": "x"}}
    cr = {"metadata": {"name": "rook-ceph", "namespace": "rook-ceph", "uid": "u1", "generation": 1},
          "spec": spec, "status": {}}
    sim.update_cluster_status(cr)
    assert (cr["status"]["phase"], cr["status"]["observedGeneration"]) == ("Ready", 1)
    # what the simulator does carry out (storage, cephVersion) is no such change
    cr["metadata"]["generation"], spec["storage"]["useAllNodes"] = 2, True
    sim.update_cluster_status(cr)
    assert cr["status"]["observedGeneration"] == 2
    for field, value in (("mon", {"count": 5}), ("network", {"provider": "host"}), ("resources", {"mgr": {}})):
        cr["metadata"]["generation"] += 1
        spec[field] = value
        sim.update_cluster_status(cr)
        progressing = [c for c in cr["status"]["conditions"] if c["type"] == "Progressing"][0]
        assert (progressing["status"], progressing["reason"]) == ("False", contract.CLUSTER_STATUS["progressing_reason"])
        assert progressing["message"].startswith("not simulated:") and "spec.%s" % field in progressing["message"]
        assert cr["status"]["observedGeneration"] == 2
        # the roles' waits (rook_cluster_info's Ready wait) go on waiting, and say why
        state = rc.ClusterState("rook-ceph", "rook-ceph", "rook-ceph")
        state.sync("cluster", [cr])
        assert rc.unmet(state.info(), ["Ready"])["Ready"].startswith("phase is Progressing (not simulated: ")
    # a new CephCluster (another uid) starts from its own spec
    cr["metadata"].update(uid="u2", generation=1)
    sim.update_cluster_status(cr)
    assert cr["status"]["observedGeneration"] == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_the_cluster_service_accounts_are_rooks_and_the_roles(version):
    """Every ServiceAccount the contract names is one of common.yaml's for the cluster namespace (marked
    `# namespace:cluster`) in each Rook release, and rook_cluster's preflight requires exactly these."""
    release = contract.ROOK_CEPH[version]["release"]
    with open(os.path.join(rookfiles.examples(release), "common.yaml")) as handle:
        text = handle.read()
    cluster_accounts = set()
    for doc in text.split("\n---"):
        if re.search(r"^kind: ServiceAccount\s*$", doc, re.M) and re.search(r"^  namespace: \S+ # namespace:cluster", doc, re.M):
            cluster_accounts.add(re.search(r"^  name: (\S+)", doc, re.M).group(1))
    assert set(contract.CLUSTER_SERVICE_ACCOUNTS) <= cluster_accounts
    with open(os.path.join(ROOT, "roles", "rook_cluster", "vars", "main.yml")) as handle:
        assert set(yaml.safe_load(handle)["_rook_cluster_service_accounts"]) == set(contract.CLUSTER_SERVICE_ACCOUNTS)
    with open(os.path.join(ROOT, "roles", "rook_cluster", "templates", "toolbox.yaml.j2")) as handle:
        assert re.search(r"serviceAccountName: (\S+)", handle.read()).group(1) in contract.CLUSTER_SERVICE_ACCOUNTS


def _role_vars(role, **extra):
    from ansible_collections.koor.ceph.tests.unit.roles.rook_render import role_variables  # pylint: disable=import-outside-toplevel
    variables = role_variables(role)
    variables.update(koor_rook_namespace="rook-ceph", koor_rook_operator_namespace="rook-ceph", **extra)
    return variables


def test_loop_devices_setting_of_rook_the_role_and_the_simulator():
    """ROOK_CEPH_ALLOW_LOOP_DEVICES: Rook's operator.yaml has it "false" in its ConfigMap, the chart as
    allowLoopDevices false; rook_operator writes the same key (default false, true on the lab's inventory)
    and the simulator reads that key from that ConfigMap."""
    from ansible_collections.koor.ceph.tests.unit.roles.rook_render import evaluate  # pylint: disable=import-outside-toplevel
    loop = contract.LOOP_DEVICES
    config = [d for d in _docs("v1.20.6", "operator.yaml")
              if d.get("kind") == "ConfigMap" and d["metadata"]["name"] == contract.OPERATOR_CONFIG["configmap"]][0]
    assert config["data"][loop["setting"]] == loop["default"] == "false"
    with open(os.path.join(os.path.dirname(rookfiles.examples("v1.20.6")), "charts", "rook-ceph", "values.yaml")) as handle:
        assert yaml.safe_load(handle)[loop["chart_value"]] is False
    assert evaluate("{{ _rook_operator_config }}", _role_vars("rook_operator")) == {loop["setting"]: False}
    assert evaluate("{{ _rook_operator_config }}", _role_vars("rook_operator", rook_operator_allow_loop_devices=True)) \
        == {loop["setting"]: True}
    assert evaluate("{{ _rook_operator_helm_values }}", _role_vars("rook_operator"))[loop["chart_value"]] is False
    with open(os.path.join(ROOT, "inventories", "lab", "group_vars", "rook_admin.yml")) as handle:
        assert yaml.safe_load(handle)["rook_operator_allow_loop_devices"] is True
    # what the role's ConfigMap value (rook_manifest_overrides writes booleans as "true"/"false") means to Rook
    assert "true" in contract.GO_TRUE and "false" in contract.GO_FALSE
    sim = _Recorder()
    sim.operator_env, sim.operator_config, sim._device_notes = {}, {loop["setting"]: "true"}, {}
    assert sim.loop_devices_allowed() is True
    sim.operator_config = {}
    assert sim.loop_devices_allowed() is False


def _use_case_resources(role, item):
    """The role's resources.yml.j2 rendered for one item (as tests/unit/roles/test_rook_use_cases.py does)."""
    from ansible_collections.koor.ceph.plugins.filter.rook_use_cases import rook_use_case_items  # pylint: disable=import-outside-toplevel
    from ansible_collections.koor.ceph.tests.unit.roles.rook_render import (  # pylint: disable=import-outside-toplevel
        render, role_defaults)
    defaults = role_defaults(role)
    variables = _role_vars(role)
    variables["_%s_items" % role] = rook_use_case_items([item], role.split("_")[1], defaults["%s_profiles" % role],
                                                        defaults["%s_default_profile" % role])
    return [e["definition"] for e in yaml.safe_load(render(role, "resources.yml.j2", variables)) or []]


def _simulators_secrets():
    """{Secret name: data keys} of what the simulator makes for a CephCluster (fakekube: no lab)."""
    sys.path.insert(0, os.path.join(ROOT, "lab"))
    from koorlab.rooksim.fakekube import FakeCeph, FakeKube  # pylint: disable=import-outside-toplevel
    kube = FakeKube()
    sim = rooksim.Operator("contract", kube, ceph=FakeCeph())
    sim.ensure_cluster_secrets({"metadata": {"name": "rook-ceph", "namespace": "rook-ceph", "uid": "u"}, "spec": {}})
    return {s["metadata"]["name"]: sorted(s["data"]) for s in kube.list("secrets")}


@pytest.mark.parametrize("role, driver, example", [("rook_block", "rbd", "csi/rbd/storageclass.yaml"),
                                                   ("rook_file", "cephfs", "csi/cephfs/storageclass.yaml")])
def test_the_roles_classes_name_the_csi_secrets_the_simulator_makes(role, driver, example):
    """Every *-secret-name of the role's StorageClass (and VolumeSnapshotClass) is a Secret the simulator
    makes in the cluster's namespace, the one Rook's example names for that parameter, with the keys the
    driver reads (userID/userKey for RBD, adminID/adminKey for CephFS)."""
    made = _simulators_secrets()
    assert made == {name: sorted(spec[1:3]) for name, spec in contract.CSI_SECRETS.items()}
    sc = [d for d in _docs("v1.20.6", example) if d.get("kind") == "StorageClass"][0]
    named = {k: v for k, v in sc["parameters"].items() if k.endswith("-secret-name")}
    assert named == contract.CSI_SECRET_PARAMETERS[driver]
    definitions = _use_case_resources(role, {"name": "p"})
    classes = [d for d in definitions if d["kind"] == "StorageClass"]
    assert classes
    for definition in classes:
        names = {k: v for k, v in definition["parameters"].items() if k.endswith("-secret-name")}
        assert names == contract.CSI_SECRET_PARAMETERS[driver], names
        assert all(definition["parameters"][k.replace("-name", "-namespace")] == "rook-ceph" for k in names)
        assert set(names.values()) <= set(made)
    for definition in [d for d in definitions if d["kind"] == "VolumeSnapshotClass"]:
        secret = definition["parameters"]["csi.storage.k8s.io/snapshotter-secret-name"]
        assert secret == contract.CSI_SNAPSHOTTER_SECRET[driver] and secret in made


def test_the_node_daemons_count_in_the_ceph_version_wait():
    """The simulator's crash collectors and exporters carry what the contract says (rook_cluster,
    ceph-version, rook-version, ...), rook_cluster_info lists them by their app, and its Ceph version wait
    (Rook's upgrade check: one ceph-version over every Deployment labelled rook_cluster) holds only once they
    are on the new version too."""
    sys.path.insert(0, os.path.join(ROOT, "lab"))
    from koorlab.rooksim.fakekube import FakeCeph, FakeKube  # pylint: disable=import-outside-toplevel
    kube, ceph = FakeKube(), FakeCeph()
    sim = rooksim.Operator("contract", kube, ceph=ceph)
    sim.rook_version = "v1.20.6"
    sim.ensure_nodes()
    ceph.add_daemon("mon", "a", "lab-node1")
    ceph.add_daemon("osd", "0", "lab-node2", device="/dev/loop12")
    image = "quay.io/ceph/ceph:v20.2.4"
    cr = {"metadata": {"name": "rook-ceph", "namespace": "rook-ceph", "uid": "u", "generation": 1},
          "spec": {"cephVersion": {"image": image}}, "status": {"version": {"image": image, "version": "20.2.4-0"}}}
    sim.ensure_cluster_secrets(cr)
    sim.ensure_node_daemon_keyrings(cr)
    sim.ensure_deployments(cr)
    deployments = kube.list("deployments")
    node_daemons = [d for d in deployments if d["metadata"]["labels"]["app"] in
                    {n["app"] for n in contract.NODE_DAEMONS.values()}]
    assert len(node_daemons) == 4
    for dep in node_daemons:
        assert set(contract.NODE_DAEMON_LABELS) <= set(dep["metadata"]["labels"]), dep["metadata"]["labels"]
        assert dep["metadata"]["labels"]["ceph_daemon_id"] in [n["daemon_id"] for n in contract.NODE_DAEMONS.values()]
    info = rc.cluster_info(cr, deployments, [], "rook-ceph", "rook-ceph", "rook-ceph")
    kinds = sorted({d["daemon_type"] for d in info["deployments"]})
    assert kinds == ["crashcollector", "exporter", "mon", "osd"] and set(kinds) <= set(rc.DAEMON_ORDER)
    assert "ceph_version" not in rc.unmet(info, [], "20.2.4")
    # a crash collector still on the old version holds the wait
    crash = [d for d in deployments if d["metadata"]["name"] == "rook-ceph-crashcollector-lab-node1"][0]
    crash["metadata"]["labels"]["ceph-version"] = "18.2.7-0"
    info = rc.cluster_info(cr, deployments, [], "rook-ceph", "rook-ceph", "rook-ceph")
    assert "rook-ceph-crashcollector-lab-node1" in rc.unmet(info, [], "20.2.4")["ceph_version"]


def test_the_roles_bucket_claims_use_what_rooks_provisioner_allows_and_reads():
    """rook_object's claims put only the additionalConfig keys Rook allows by default (operator.yaml), as
    quantities Rook's provisioner parses; the simulator's finalizer and names are the contract's."""
    with open(os.path.join(rookfiles.examples("v1.20.6"), "operator.yaml")) as handle:
        assert '# %s: "%s"' % (contract.OBC["allowed_setting"], ",".join(contract.OBC["allowed_default"])) in handle.read()
    definitions = _use_case_resources("rook_object", {"name": "s", "bucket_claims": [
        {"name": "c", "generate_bucket_name": "data", "max_objects": 1000, "max_size": "2G"},
        {"name": "d", "max_size": "1.5Ti"}]})
    claims = [d for d in definitions if d["kind"] == "ObjectBucketClaim"]
    assert len(claims) == 2
    for claim in claims:
        config = claim["spec"]["additionalConfig"]
        assert set(config) <= set(contract.OBC["allowed_default"])
        assert all(isinstance(v, str) and rooksim.k8s_quantity(v) > 0 for v in config.values()), config
        assert claim["spec"]["generateBucketName"] in ("data", "d")
    assert rooksim.OBC_FINALIZER == contract.OBC["finalizer"] == "objectbucket.io/finalizer"
    assert rooksim.generate_bucket_name("data").startswith("data-")
