"""The lab Kubernetes API simulator keeps its state across a restart; `koor-lab kube` runs it."""

import json
import os
import subprocess

import pytest
from kubernetes import client as k8s, watch
from kubernetes.client.rest import ApiException

from kube_api_support import ROOT, KubeAPI


def test_state_survives_a_restart(tmp_path):
    api = KubeAPI(str(tmp_path))
    api.start()
    try:
        core = k8s.CoreV1Api(api.client())
        created = core.create_namespaced_config_map("default", {"metadata": {"name": "kept"}, "data": {"a": "1"}})
        old_rv = int(created.metadata.resource_version)
    finally:
        api.stop()
    assert json.load(open(api.state, encoding="utf-8"))["resourceVersion"] >= old_rv
    api.start()  # same port, same state file
    try:
        core = k8s.CoreV1Api(api.client())
        kept = core.read_namespaced_config_map("kept", "default")
        assert kept.metadata.uid == created.metadata.uid and kept.data == {"a": "1"}
        kept.data["a"] = "2"
        updated = core.replace_namespaced_config_map("kept", "default", kept)
        assert int(updated.metadata.resource_version) > old_rv  # resourceVersion continues
        # history before the restart is gone: a watch from an older resourceVersion gets 410 Gone
        with pytest.raises(ApiException) as err:
            events = watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version="1",
                                          timeout_seconds=2)
            list(events)
        assert err.value.status == 410
    finally:
        api.stop()


def test_koor_lab_kube_cli():
    name = "kubetest"
    koor_lab = os.path.join(ROOT, "lab", "koor-lab")
    try:
        up = subprocess.run([koor_lab, "kube", "up", "--name", name], capture_output=True, text=True, check=True)
        assert "export KUBECONFIG=/var/lib/koor-lab/%s/kubeconfig" % name in up.stdout
        env = json.loads(subprocess.run([koor_lab, "kube", "env", "--name", name, "--json"], capture_output=True,
                                        text=True, check=True).stdout)
        assert env["KOOR_LAB_KUBE_RUNNING"] == "true"
        port = int(env["KOOR_LAB_KUBE_URL"].rsplit(":", 1)[1])
        assert port < 32768
        out = subprocess.run(["kubectl", "--kubeconfig", env["KUBECONFIG"], "get", "ns", "default", "-o", "name"],
                             capture_output=True, text=True, check=True).stdout
        assert out.strip() == "namespace/default"
        pid = int(open("/var/lib/koor-lab/%s/kube/kube.pid" % name, encoding="utf-8").read())
    finally:
        subprocess.run([koor_lab, "kube", "down", "--name", name], check=True)
    assert not os.path.exists("/proc/%d" % pid) or "koorlab.kube" not in open(
        "/proc/%d/cmdline" % pid, encoding="utf-8", errors="replace").read()
    assert not os.path.exists("/var/lib/koor-lab/%s/kube" % name)
