"""koor.ceph.rook_operator's Helm path (rook_operator_source: helm) by ansible-playbook against the lab Kubernetes API
alone: the role's wait (the operator Deployment Available) is served by the API's workload controller, so no Rook
simulator and no Ceph. The chart is the lab's package of Rook's rook-ceph chart (lab/koorlab/charts.py, a local
path: no chart repository is reachable), helm the lab's (lab/koorlab/tools.py); the ceph-csi-drivers chart is off
(ceph-csi-operator's chart: not obtainable here), and so is the chart's ceph-csi-operator subchart.

Rook v1.19.10 installed (check mode first: changed, nothing written), a second run and a check run change
nothing, then the upgrade to v1.20.6 the same way, a values change; a downgrade and a missing local chart are
refused before anything is written. What the role did is checked on the API (the release Secrets, the operator's image, its ConfigMap) and
with helm; "nothing written" is the API's resourceVersion, which every write moves."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from kube_api_support import ROOT, serve
from rook_sim_support import play_recap

from koorlab import charts, tools  # kube_api_support put lab/ on sys.path

NS = "rook-ceph"
PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "rook_operator.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# v1.19's chart names its CSI operator switch csi.rookUseCsiOperator, v1.20's csi.installCsiOperator
VALUES = {"csi": {"rookUseCsiOperator": False, "installCsiOperator": False}}


class Runner:
    def __init__(self, kube, workdir):
        self.kube = kube
        self.workdir = workdir
        self.env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "ansible-local"),
                        HELM_CACHE_HOME=os.path.join(workdir, "helm", "cache"),
                        HELM_CONFIG_HOME=os.path.join(workdir, "helm", "config"),
                        HELM_DATA_HOME=os.path.join(workdir, "helm", "data"), KUBECONFIG=kube.kubeconfig)

    def play(self, version, *flags, **admin_vars):
        """ansible-playbook of the role for Rook ``version``; returns (rc, output, recap of localhost)."""
        admin = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "rook_operator_source": "helm", "rook_operator_version": version,
                 "rook_operator_helm_binary": tools.helm(),
                 "rook_operator_helm_chart": charts.package(version, "rook-ceph"),
                 "rook_operator_helm_values": VALUES, "rook_operator_helm_csi_drivers": False,
                 "rook_operator_wait_timeout": 60}
        admin.update(admin_vars)
        inventory = {"all": {"vars": {"koor_rook_kubeconfig": self.kube.kubeconfig},
                             "children": {"rook_admin": {"hosts": {"localhost": admin}}}}}
        path = os.path.join(self.workdir, "inventory.json")
        with open(path, "w") as handle:
            json.dump(inventory, handle)
        proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", path, PLAYBOOK] + list(flags), cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=600, check=False)
        output = proc.stdout + proc.stderr
        return proc.returncode, output, play_recap(proc.stdout).get("localhost", {})

    def written(self):
        """The API's resourceVersion: every write moves it."""
        listed = json.loads(self.kube.kubectl("get", "--raw", "/api/v1/namespaces").stdout)
        return int(listed["metadata"]["resourceVersion"])

    def helm(self, *args):
        proc = subprocess.run([tools.helm()] + list(args), env=self.env, capture_output=True, text=True, check=True,
                              timeout=120)
        return json.loads(proc.stdout)

    def operator_image(self):
        deploy = self.kube.kubectl_json("-n", NS, "get", "deploy", "rook-ceph-operator")
        return deploy["spec"]["template"]["spec"]["containers"][0]["image"]

    def release_states(self):
        """{revision: status label} of the rook-ceph release Secrets."""
        items = self.kube.kubectl_json("-n", NS, "get", "secrets", "-l", "owner=helm,name=rook-ceph")["items"]
        return {int(i["metadata"]["labels"]["version"]): i["metadata"]["labels"]["status"] for i in items}


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    yield from serve(tmp_path_factory, "kube-api-rook-operator-helm")


@pytest.fixture(scope="module")
def runner(kube, tmp_path_factory):
    return Runner(kube, str(tmp_path_factory.mktemp("rook-operator-helm")))


def assert_ok(result, changed=None):
    rc, output, recap = result
    assert rc == 0, output[-6000:]
    assert recap.get("failed") == 0, recap
    if changed is not None:
        assert (recap["changed"] > 0) if changed else (recap["changed"] == 0), (recap, output[-6000:])
    return " ".join(output.split())


def test_check_mode_before_an_install_writes_nothing(runner):
    before = runner.written()
    output = assert_ok(runner.play("v1.19.10", "--check", "--diff"), changed=True)
    assert "Installing Rook v1.19.10 (helm) in rook-ceph" in output
    assert "would wait up to 60s until the Deployments rook-ceph-operator in rook-ceph are Available" in output
    assert runner.written() == before
    assert runner.kube.kubectl("get", "namespace", NS, check=False).returncode != 0


def test_install_then_nothing_to_change(runner):
    output = assert_ok(runner.play("v1.19.10"), changed=True)
    assert "rook-ceph-operator: 1/1 available, image docker.io/rook/ceph:v1.19.10" in output
    assert runner.operator_image() == "docker.io/rook/ceph:v1.19.10"
    assert runner.release_states() == {1: "deployed"}
    assert runner.helm("status", "rook-ceph", "-n", NS, "-o", "json")["info"]["status"] == "deployed"
    assert [(r["name"], r["chart"], r["app_version"]) for r in runner.helm("list", "-n", NS, "-o", "json")] == [
        ("rook-ceph", "rook-ceph-v1.19.10", "v1.19.10")]
    # the values the role gave
    assert runner.helm("get", "values", "rook-ceph", "-n", NS, "-o", "json") == dict(VALUES, allowLoopDevices=False)
    # every object of the release is in the API (crds.enabled: Rook's CRDs among them)
    manifest = subprocess.run([tools.helm(), "get", "manifest", "rook-ceph", "-n", NS], env=runner.env,
                              capture_output=True, text=True, check=True).stdout
    objects = [d for d in yaml.safe_load_all(manifest) if d]
    assert sum(1 for d in objects if d["kind"] == "CustomResourceDefinition") == 20
    assert {d["metadata"].get("namespace", NS) for d in objects} == {NS}
    wanted = ["%s/%s" % (d["kind"], d["metadata"]["name"]) for d in objects]
    found = runner.kube.kubectl("-n", NS, "get", "-o", "name", *wanted).stdout.split()
    assert len(found) == len(wanted), (found, wanted)
    # a second run and a check run find nothing to change; the check run writes nothing
    assert_ok(runner.play("v1.19.10"), changed=False)
    before = runner.written()
    assert_ok(runner.play("v1.19.10", "--check", "--diff"), changed=False)
    assert runner.written() == before
    assert runner.release_states() == {1: "deployed"}


def test_upgrade_to_the_next_minor_release(runner):
    before = runner.written()
    output = assert_ok(runner.play("v1.20.6", "--check", "--diff"), changed=True)
    assert "Updating Rook v1.20.6 (helm) in rook-ceph; running now: docker.io/rook/ceph:v1.19.10" in output
    assert runner.written() == before and runner.operator_image() == "docker.io/rook/ceph:v1.19.10"
    output = assert_ok(runner.play("v1.20.6"), changed=True)
    assert "rook-ceph-operator: 1/1 available, image docker.io/rook/ceph:v1.20.6" in output
    assert runner.operator_image() == "docker.io/rook/ceph:v1.20.6"
    assert runner.release_states() == {1: "superseded", 2: "deployed"}
    assert_ok(runner.play("v1.20.6"), changed=False)
    before = runner.written()
    assert_ok(runner.play("v1.20.6", "--check", "--diff"), changed=False)
    assert runner.written() == before


def test_a_values_change_is_applied(runner):
    values = dict(VALUES, logLevel="DEBUG")
    before = runner.written()
    assert_ok(runner.play("v1.20.6", "--check", rook_operator_helm_values=values), changed=True)
    assert runner.written() == before
    assert_ok(runner.play("v1.20.6", rook_operator_helm_values=values), changed=True)
    config = runner.kube.kubectl_json("-n", NS, "get", "configmap", "rook-ceph-operator-config")
    assert config["data"]["ROOK_LOG_LEVEL"] == "DEBUG"
    assert runner.release_states() == {1: "superseded", 2: "superseded", 3: "deployed"}
    assert_ok(runner.play("v1.20.6", rook_operator_helm_values=values), changed=False)


def test_a_downgrade_is_refused_before_anything_is_written(runner):
    before = runner.written()
    rc, output, _recap = runner.play("v1.19.10")
    assert rc != 0
    assert ("Rook v1.20.6 runs in rook-ceph and rook_operator_version is v1.19.10: Rook does not support downgrades "
            "(set rook_operator_allow_downgrade to force one). Nothing was applied.") in " ".join(output.split())
    assert runner.written() == before and runner.operator_image() == "docker.io/rook/ceph:v1.20.6"


def test_a_missing_local_chart_is_refused_before_anything_is_written(runner, tmp_path):
    before = runner.written()
    missing = str(tmp_path / "rook-ceph-v1.20.6.tgz")
    rc, output, _recap = runner.play("v1.20.6", rook_operator_helm_chart=missing)
    assert rc != 0
    assert ("The chart %s (rook_operator_helm_chart or rook_operator_helm_csi_drivers_chart: a local chart, as its path "
            "starts with /, ./ or ../) does not exist on localhost. Nothing was applied." % missing) in " ".join(
        output.split()), output[-3000:]
    assert runner.written() == before
