"""helm 3.17 (the lab's: lab/koorlab/tools.py) against the lab Kubernetes API alone, with Rook's charts rook-ceph and
rook-ceph-cluster as the lab packages them (lab/koorlab/charts.py): install, status, list, upgrade (strategic merge
patches of built-ins, merge patches of custom resources, a resource the chart no longer renders deleted, --wait),
template --validate, uninstall (the CRDs kept by Rook's resource policy). The release Secrets are checked as
Kubernetes holds them (type helm.sh/release.v1, labels owner/name/status/version, the release inside), and every
request helm made is in the server's log, none refused (no 400/415/5xx). No Ceph, no Rook simulator."""
import base64
import gzip
import json
import os
import subprocess
import tarfile
import time

import pytest

from kube_api_support import serve

from koorlab import charts, tools  # kube_api_support put lab/ on sys.path
from koorlab.util import LabError

NS = "rook-ceph"
VERSION = "v1.20.6"
# the lab packages have a stand-in for rook-ceph's ceph-csi-operator subchart (its chart repository is not
# reachable): it must be off
NO_CSI_OPERATOR = ["--set", "csi.installCsiOperator=false"]


class Helm:
    def __init__(self, api, home):
        self.api = api
        self.binary = tools.helm()
        self.env = dict(os.environ, KUBECONFIG=api.kubeconfig, HELM_CACHE_HOME=os.path.join(home, "cache"),
                        HELM_CONFIG_HOME=os.path.join(home, "config"), HELM_DATA_HOME=os.path.join(home, "data"))

    def run(self, *args, check=True):
        proc = subprocess.run([self.binary] + list(args), capture_output=True, text=True, env=self.env, timeout=300,
                              check=False)
        if check and proc.returncode != 0:
            raise AssertionError("helm %s failed (rc=%d):\n%s\n%s"
                                 % (" ".join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def json(self, *args):
        return json.loads(self.run(*args, "-o", "json").stdout)


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    yield from serve(tmp_path_factory, "kube-api-helm", verbose=True)


@pytest.fixture(scope="module")
def helm(kube, tmp_path_factory):
    return Helm(kube, str(tmp_path_factory.mktemp("helm-home")))


@pytest.fixture(scope="module")
def operator_chart():
    return charts.package(VERSION, "rook-ceph")


@pytest.fixture(scope="module")
def cluster_chart():
    return charts.package(VERSION, "rook-ceph-cluster")


def releases(kube, name):
    """The release Secrets of ``name``: {revision: (labels, release)}."""
    listed = kube.kubectl_json("-n", NS, "get", "secrets", "-l", "owner=helm,name=%s" % name)["items"]
    out = {}
    for item in listed:
        assert item["type"] == "helm.sh/release.v1"
        data = base64.b64decode(base64.b64decode(item["data"]["release"]))  # helm: base64(gzip(JSON)) in the data
        out[int(item["metadata"]["labels"]["version"])] = (item["metadata"]["labels"], json.loads(gzip.decompress(data)))
    return out


def test_the_lab_packages_rooks_charts_as_rooks_release_does(operator_chart, cluster_chart, helm):
    with tarfile.open(operator_chart) as tar:
        names = tar.getnames()
        meta = tar.extractfile("rook-ceph/Chart.yaml").read().decode()
        stand_in = tar.extractfile("rook-ceph/charts/ceph-csi-operator/Chart.yaml").read().decode()
    assert "rook-ceph/charts/library/templates/_recommended-labels.tpl" in names  # the symlink followed
    assert "version: %s" % VERSION in meta and "appVersion: %s" % VERSION in meta
    assert "description: 'koor lab stand-in, not ceph-csi-operator''s chart" in stand_in
    with tarfile.open(cluster_chart) as tar:
        assert "rook-ceph-cluster/charts/library/Chart.yaml" in tar.getnames()
    # the stand-in renders nothing when off, and says what is missing when on (Rook's default)
    assert "kind: Deployment" in helm.run("template", "rook-ceph", operator_chart, *NO_CSI_OPERATOR).stdout
    proc = helm.run("template", "rook-ceph", operator_chart, check=False)
    assert proc.returncode != 0
    assert ("the koor lab has no ceph-csi-operator chart (ceph-csi-operator 1.0.4, from "
            "https://ceph.github.io/ceph-csi-operator, is not reachable from the lab): install the lab package of "
            "rook-ceph with csi.installCsiOperator=false") in proc.stderr, proc.stderr
    with pytest.raises(LabError, match="ceph-csi-operator's chart: Rook's tree has only its values"):
        charts.package(VERSION, "ceph-csi-drivers")


def test_install_status_list(kube, helm, operator_chart):
    helm.run("install", "rook-ceph", operator_chart, "-n", NS, "--create-namespace", *NO_CSI_OPERATOR)
    kept = releases(kube, "rook-ceph")
    assert list(kept) == [1]
    labels, release = kept[1]
    assert {k: v for k, v in labels.items() if k != "modifiedAt"} == {
        "name": "rook-ceph", "owner": "helm", "status": "deployed", "version": "1"}
    assert release["info"]["status"] == "deployed" and release["chart"]["metadata"]["version"] == VERSION
    status = helm.json("status", "rook-ceph", "-n", NS)
    assert status["info"]["status"] == "deployed" and status["version"] == 1
    listed = helm.json("list", "-A")
    assert [(r["name"], r["namespace"], r["status"], r["chart"]) for r in listed] == [
        ("rook-ceph", NS, "deployed", "rook-ceph-" + VERSION)]
    # what the chart holds, as Kubernetes would have it
    crds = [c["metadata"]["name"] for c in kube.kubectl_json("get", "crd")["items"]]
    assert len(crds) == 21 and "cephclusters.ceph.rook.io" in crds
    kube.kubectl("wait", "--for=condition=Established", "crd/cephclusters.ceph.rook.io", "--timeout=10s")
    operator = kube.kubectl_json("-n", NS, "get", "deploy", "rook-ceph-operator")
    assert operator["metadata"]["annotations"]["meta.helm.sh/release-name"] == "rook-ceph"
    assert operator["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/rook/ceph:" + VERSION
    kube.kubectl("-n", NS, "rollout", "status", "deploy/rook-ceph-operator", "--timeout=20s")
    assert helm.json("get", "values", "rook-ceph", "-n", NS) == {"csi": {"installCsiOperator": False}}


def test_upgrade_patches_built_ins_and_drops_what_the_chart_no_longer_renders(kube, helm, operator_chart):
    before = len(kube.requests())
    started = time.monotonic()
    # --wait: helm waits for the Deployment's new ReplicaSet to be ready (the lab's workload controller makes it)
    helm.run("upgrade", "rook-ceph", operator_chart, "-n", NS, *NO_CSI_OPERATOR, "--set", "logLevel=DEBUG",
             "--set", "image.tag=v1.20.5", "--set", "rbacAggregate.enableOBCs=true", "--wait", "--timeout", "60s")
    assert time.monotonic() - started < 30
    sets = kube.kubectl_json("-n", NS, "get", "rs", "-l", "app=rook-ceph-operator")["items"]
    assert sorted((r["spec"]["template"]["spec"]["containers"][0]["image"], r["spec"]["replicas"]) for r in sets) == [
        ("docker.io/rook/ceph:v1.20.5", 1), ("docker.io/rook/ceph:" + VERSION, 0)]
    config = kube.kubectl_json("-n", NS, "get", "configmap", "rook-ceph-operator-config")
    assert config["data"]["ROOK_LOG_LEVEL"] == "DEBUG"
    operator = kube.kubectl_json("-n", NS, "get", "deploy", "rook-ceph-operator")
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/rook/ceph:v1.20.5"
    assert kube.kubectl_json("get", "clusterrole", "rook-ceph-obc-view")["metadata"]["name"] == "rook-ceph-obc-view"
    kept = releases(kube, "rook-ceph")
    assert sorted(kept) == [1, 2]
    assert kept[1][0]["status"] == "superseded" and kept[2][0]["status"] == "deployed"
    deployed = kube.kubectl_json("-n", NS, "get", "secrets", "-l", "owner=helm,name=rook-ceph,status=deployed")
    assert [i["metadata"]["name"] for i in deployed["items"]] == ["sh.helm.release.v1.rook-ceph.v2"]
    patches = {(m, p.split("?")[0], c) for m, p, _code, _a, c in kube.requests()[before:] if m == "PATCH"}
    assert ("PATCH", "/apis/apps/v1/namespaces/%s/deployments/rook-ceph-operator" % NS,
            "application/strategic-merge-patch+json") in patches, patches
    # back to the defaults: the aggregated ClusterRoles are deleted, the image goes back
    helm.run("upgrade", "rook-ceph", operator_chart, "-n", NS, *NO_CSI_OPERATOR)
    assert kube.kubectl("get", "clusterrole", "rook-ceph-obc-view", check=False).returncode != 0
    operator = kube.kubectl_json("-n", NS, "get", "deploy", "rook-ceph-operator")
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/rook/ceph:" + VERSION
    assert [r["revision"] for r in helm.json("history", "rook-ceph", "-n", NS)] == [1, 2, 3]


def test_cluster_chart_custom_resources(kube, helm, cluster_chart):
    rendered = helm.run("template", "rook-ceph-cluster", cluster_chart, "-n", NS, "--validate").stdout
    assert "kind: CephCluster" in rendered
    helm.run("install", "rook-ceph-cluster", cluster_chart, "-n", NS)
    cluster = kube.kubectl_json("-n", NS, "get", "cephcluster", "rook-ceph")
    assert cluster["spec"]["mon"]["count"] == 3
    kinds = {"cephblockpool": "ceph-blockpool", "cephfilesystem": "ceph-filesystem",
             "cephobjectstore": "ceph-objectstore"}
    for kind, name in kinds.items():
        assert kube.kubectl_json("-n", NS, "get", kind, name)["metadata"]["name"] == name
    before = len(kube.requests())
    helm.run("upgrade", "rook-ceph-cluster", cluster_chart, "-n", NS, "--set", "cephClusterSpec.mon.count=1")
    assert kube.kubectl_json("-n", NS, "get", "cephcluster", "rook-ceph")["spec"]["mon"]["count"] == 1
    patched = [(p.split("?")[0], c) for m, p, _code, _a, c in kube.requests()[before:] if m == "PATCH"]
    assert ("/apis/ceph.rook.io/v1/namespaces/%s/cephclusters/rook-ceph" % NS, "application/merge-patch+json") \
        in patched, patched
    helm.run("uninstall", "rook-ceph-cluster", "-n", NS)
    assert kube.kubectl_json("-n", NS, "get", "cephcluster")["items"] == []
    assert releases(kube, "rook-ceph-cluster") == {}


def test_uninstall_keeps_the_crds_by_rooks_resource_policy(kube, helm):
    out = helm.run("uninstall", "rook-ceph", "-n", NS).stdout
    assert "These resources were kept due to the resource policy" in out
    assert releases(kube, "rook-ceph") == {}
    assert helm.json("list", "-A") == []
    left = kube.kubectl_json("-n", NS, "get", "deploy,configmap,serviceaccount,pods")["items"]
    # what the namespace keeps of its own: its default ServiceAccount (the serviceaccounts controller's)
    assert [(o["kind"], o["metadata"]["name"]) for o in left] == [("ServiceAccount", "default")]
    assert len(kube.kubectl_json("get", "crd")["items"]) == 21


def test_every_request_helm_made_was_served(kube):
    requests = kube.requests()
    assert len(requests) > 100
    refused = [r for r in requests if r[2] >= 400 and not (r[2] == 404 and r[0] == "GET")]
    assert refused == [], refused
    # the release storage went as protobuf, the rest as JSON; discovery in one aggregated request each
    assert any(m == "POST" and "/secrets" in p and c == "application/vnd.kubernetes.protobuf"
               for m, p, _code, _a, c in requests)
    assert any(m == "DELETE" and "/secrets/sh.helm.release.v1." in p and c == "application/vnd.kubernetes.protobuf"
               for m, p, _code, _a, c in requests)
    assert not any(p.startswith("/apis/apps/v1?") for _m, p, _code, _a, _c in requests)
    # validation: helm reads the OpenAPI v3 documents (the server validates fields itself), never OpenAPI v2
    assert any(p.startswith("/openapi/v3/apis/apps/v1?") for _m, p, _code, _a, _c in requests)
    assert not any(p.startswith(("/openapi/v2", "/swagger")) for _m, p, _code, _a, _c in requests)
