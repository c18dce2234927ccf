"""The collection's kubectl_exec transport reaches the lab's real Ceph through the lab Kubernetes
API: a Rook-style toolbox Deployment whose pods run commands in the lab's Ceph chroot."""

import json

import pytest

from conftest import run_module
from kube_api_support import serve


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    yield from serve(tmp_path_factory, "kube-api-lab")


def test_kubectl_exec_transport_into_the_toolbox(kube, lab):
    toolbox = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "rook-ceph-tools", "namespace": "rook-ceph"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "rook-ceph-tools"}},
                        "template": {"metadata": {"labels": {"app": "rook-ceph-tools"}, "annotations": {
                            "lab.koor.io/exec": json.dumps({"prefix": ["chroot", lab.root],
                                                            "env": {"CEPH_CONF": lab.conf, "CEPH_KEYRING": lab.keyring}})}},
                                     "spec": {"containers": [{"name": "rook-ceph-tools", "image": "quay.io/ceph/ceph:v20.2.4"}]}}}}
    # (`kubectl create namespace` would send protobuf, which the simulator refuses with 415)
    kube.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Namespace",
                                                      "metadata": {"name": "rook-ceph"}}))
    kube.kubectl("apply", "-f", "-", input=json.dumps(toolbox))
    kube.kubectl("-n", "rook-ceph", "rollout", "status", "deploy/rook-ceph-tools", "--timeout=20s")
    out = kube.kubectl("-n", "rook-ceph", "exec", "-i", "deploy/rook-ceph-tools", "--", "ceph", "fsid").stdout
    assert out.strip() == lab.fsid
    result = run_module("ceph_status_info", {"transport": "kubectl_exec", "kubeconfig": kube.kubeconfig,
                                             "namespace": "rook-ceph", "toolbox": "deploy/rook-ceph-tools",
                                             "conf": lab.conf, "keyring": lab.keyring})
    assert result["_rc"] == 0, result
    assert result["fsid"] == lab.fsid
