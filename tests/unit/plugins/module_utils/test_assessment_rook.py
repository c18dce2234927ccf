# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The assessment's Rook mode: the Rook reads (rook_gather) on recordings of the lab's Kubernetes API (Rook
v1.20.6's manifests, the Rook simulator, Rook's example CephCluster on 3 nodes: ``rook_ready``; the same with
skipUpgradeChecks and continueUpgradeAfterChecksEvenIfNotHealthy on and the toolbox on another image:
``rook_problems``), and every Rook check firing and not firing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.assessment_support import lab_bundle
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.kube_fake import FakeKube

from ansible_collections.koor.ceph.plugins.module_utils.assessment import checks, engine, rook_gather
from ansible_collections.koor.ceph.plugins.module_utils.kube import KubeApiError

ROOK_CHECKS = set(c["id"] for c in checks.CHECKS if c.get("mode") == "rook")


def rook_bundle(name="rook_ready"):
    """The clean plain-lab bundle with the Rook reads of a recording: mode rook."""
    bundle = lab_bundle()
    data, errors = rook_gather.collect(FakeKube(name), "rook-ceph", "rook-ceph")
    bundle.update(mode="rook", rook=data)
    bundle["errors"].update(("rook." + k, v) for k, v in errors.items())
    return bundle


def rook_findings(bundle):
    document = engine.assess(bundle)
    return document, dict((f["key"], f) for f in document["findings"] if f["check"] in ROOK_CHECKS)


def evidence(finding):
    return dict((e["field"], e["value"]) for e in finding["evidence"])


def test_the_reads_hold_no_secret_and_what_the_checks_need():
    kube = FakeKube("rook_ready")
    data, errors = rook_gather.collect(kube, "rook-ceph", "rook-ceph")
    assert errors == {}
    assert [c["metadata"]["name"] for c in data["cephclusters"]] == ["rook-ceph"]
    assert len(data["deployments"]) == 11 and len(data["pods"]) == 11 and data["pdbs"] == []
    assert data["kubernetes_version"]["gitVersion"] == "v1.32.0-koorlab"
    assert not any('"Secret"' in k for k in kube.asked)
    assert "apiKey" not in json.dumps(data) and "token" not in json.dumps(data).lower()


def test_the_lab_s_rook_cluster_fires_only_the_missing_pod_disruption_budgets():
    document, found = rook_findings(rook_bundle())
    # the Rook simulator does not create PodDisruptionBudgets (Rook does): a true reading of the API
    assert set(found) == {"ROOK_NO_PDB:cephcluster rook-ceph"}
    assert evidence(found["ROOK_NO_PDB:cephcluster rook-ceph"])["spec.disruptionManagement.managePodBudgets"] is True
    statuses = dict((r["check"], r["status"]) for r in document["checks"] if r["check"] in ROOK_CHECKS)
    assert set(statuses.values()) == {"passed", "failed"}, statuses


def test_the_recorded_problems_are_found_with_their_evidence():
    _document, found = rook_findings(rook_bundle("rook_problems"))
    skip = found["ROOK_SKIP_UPGRADE_CHECKS:cephcluster rook-ceph"]
    assert evidence(skip)["spec.skipUpgradeChecks"] is True
    assert skip["evidence"][0]["source"] == "CephCluster rook-ceph/rook-ceph (Kubernetes API)"
    assert evidence(found["ROOK_CONTINUE_UNHEALTHY:cephcluster rook-ceph"])[
        "spec.continueUpgradeAfterChecksEvenIfNotHealthy"] is True
    toolbox = evidence(found["ROOK_TOOLBOX_IMAGE:deployment rook-ceph-tools"])
    assert toolbox == {"containers[0].image": "quay.io/ceph/ceph:v20.2.3", "spec.cephVersion.image": "quay.io/ceph/ceph:v20.2.4"}


def _cluster(bundle):
    return bundle["rook"]["cephclusters"][0]


def _pod(bundle, app):
    return [p for p in bundle["rook"]["pods"] if p["metadata"]["labels"].get("app") == app][0]


def _operator_image(bundle, image):
    dep = [d for d in bundle["rook"]["deployments"] if d["template_labels"].get("app") == "rook-ceph-operator"][0]
    dep["containers"][0]["image"] = image


def _ceph_version(bundle, version):
    _cluster(bundle)["status"]["version"] = {"version": version}


def _pdb(bundle):
    bundle["rook"]["pdbs"] = [{"metadata": {"name": "rook-ceph-osd"}, "minAvailable": None, "maxUnavailable": 1}]


FIRE = {  # check id -> (change, subject, evidence field)
    "ROOK_SKIP_UPGRADE_CHECKS": (lambda b: _cluster(b)["spec"].update(skipUpgradeChecks=True),
                                 "cephcluster rook-ceph", "spec.skipUpgradeChecks"),
    "ROOK_CONTINUE_UNHEALTHY": (lambda b: _cluster(b)["spec"].update(continueUpgradeAfterChecksEvenIfNotHealthy=True),
                                "cephcluster rook-ceph", "spec.continueUpgradeAfterChecksEvenIfNotHealthy"),
    "ROOK_ALLOW_UNSUPPORTED": (lambda b: _cluster(b)["spec"]["cephVersion"].update(allowUnsupported=True),
                               "cephcluster rook-ceph", "spec.cephVersion.allowUnsupported"),
    "ROOK_MON_MULTIPLE_PER_NODE": (lambda b: _cluster(b)["spec"]["mon"].update(allowMultiplePerNode=True),
                                   "cephcluster rook-ceph", "spec.mon.allowMultiplePerNode"),
    "ROOK_MON_COUNT": (lambda b: _cluster(b)["spec"]["mon"].update(count=1), "cephcluster rook-ceph", "spec.mon.count"),
    "ROOK_SINGLE_MGR": (lambda b: _cluster(b)["spec"]["mgr"].update(count=1), "cephcluster rook-ceph", "spec.mgr.count"),
    "ROOK_DATA_DIR_HOST_PATH": (lambda b: _cluster(b)["spec"].update(dataDirHostPath=""), "cephcluster rook-ceph",
                                "spec.dataDirHostPath"),
    "ROOK_NO_PDB": None,  # fires on the lab
    "ROOK_TOOLBOX_IMAGE": None,  # recorded: rook_problems
    "ROOK_CLEANUP_POLICY": (lambda b: _cluster(b)["spec"]["cleanupPolicy"].update(confirmation="yes-really-destroy-data"),
                            "cephcluster rook-ceph", "spec.cleanupPolicy.confirmation"),
    "ROOK_CR_DELETING": (lambda b: _cluster(b)["metadata"].update(deletionTimestamp="2026-12-03T08:00:00Z",
                                                                  finalizers=["cephcluster.ceph.rook.io"]),
                         "cephcluster rook-ceph", "metadata.deletionTimestamp"),
    "ROOK_CEPH_SUPPORT": (lambda b: _ceph_version(b, "20.2.0-0"), "ceph 20.2.0", "documented"),
    "ROOK_KUBERNETES_SUPPORT": (lambda b: b["rook"]["kubernetes_version"].update(minor="30", gitVersion="v1.30.4"),
                                "kubernetes v1.30", "kubernetes"),
    "ROOK_NOT_READY": (lambda b: _cluster(b)["status"].update(phase="Progressing", message="Configuring Ceph OSDs"),
                       "cephcluster rook-ceph", "status.phase"),
    "ROOK_POD_RESTARTS": (lambda b: _pod(b, "rook-ceph-mgr")["containers"][0].update(restartCount=7), None,
                          "restartCount"),
    "ROOK_POD_NOT_RUNNING": (lambda b: _pod(b, "rook-ceph-mgr")["containers"][0].update(waiting="CrashLoopBackOff"),
                             None, "state.waiting.reason"),
    "ROOK_DEPLOYMENT_UNAVAILABLE": (lambda b: b["rook"]["deployments"][0].update(availableReplicas=0), None,
                                    "status.availableReplicas"),
    "ROOK_NODE_NOT_READY": (lambda b: b["rook"]["nodes"][0].update(ready=False), None, "Ready"),
}


def test_every_rook_check_has_a_case():
    assert set(FIRE) == ROOK_CHECKS


@pytest.mark.parametrize("check_id", sorted(k for k, v in FIRE.items() if v))
def test_a_rook_check_fires_on_its_condition_and_not_without_it(check_id):
    bundle = rook_bundle()
    _document, before = rook_findings(bundle)
    assert not [f for f in before.values() if f["check"] == check_id]
    change, subject, field = FIRE[check_id]
    change(bundle)
    _document, after = rook_findings(bundle)
    hits = [f for f in after.values() if f["check"] == check_id]
    assert hits
    if subject:
        assert [h["subject"] for h in hits] == [subject]
    assert any(field in e["field"] for h in hits for e in h["evidence"])


def test_missing_pod_disruption_budgets_clear_when_rook_manages_them():
    bundle = rook_bundle()
    _pdb(bundle)
    _document, found = rook_findings(bundle)
    assert "ROOK_NO_PDB:cephcluster rook-ceph" not in found


@pytest.mark.parametrize("rook, ceph, why", [
    ("v1.20.6", "18.2.7-0", "below the operator's minimum 19.2.0"),
    ("v1.18.11", "17.2.8-0", "below the operator's minimum 18.2.0"),
    ("v1.19.10", "20.2.0-0", "outside Rook v1.19.10's documented releases"),
])
def test_the_ceph_version_is_judged_by_the_operator_s_rook_version(rook, ceph, why):
    bundle = rook_bundle()
    _operator_image(bundle, "docker.io/rook/ceph:" + rook)
    _ceph_version(bundle, ceph)
    _document, found = rook_findings(bundle)
    assert why in found["ROOK_CEPH_SUPPORT:ceph %s" % ceph.split("-")[0]]["message"]


def test_reef_is_supported_under_rook_v1_18():
    bundle = rook_bundle()
    _operator_image(bundle, "docker.io/rook/ceph:v1.18.11")
    _ceph_version(bundle, "18.2.7-0")
    _document, found = rook_findings(bundle)
    assert not [k for k in found if k.startswith("ROOK_CEPH_SUPPORT")]


def test_in_plain_mode_the_rook_checks_are_not_applicable():
    document = engine.assess(lab_bundle())
    results = dict((r["check"], r) for r in document["checks"])
    assert all(results[c]["status"] == "not_applicable" for c in ROOK_CHECKS)


def test_a_cluster_namespace_without_a_cephcluster_is_said_so():
    bundle = rook_bundle()
    bundle["rook"]["cephclusters"] = []
    document = engine.assess(bundle)
    results = dict((r["check"], r) for r in document["checks"])
    assert results["ROOK_SKIP_UPGRADE_CHECKS"]["status"] == "not_evaluated"
    assert "no CephCluster in namespace rook-ceph" in results["ROOK_SKIP_UPGRADE_CHECKS"]["reason"]


def test_an_api_without_pod_disruption_budgets_is_an_error_of_the_read():
    kube = FakeKube("rook_ready")
    kube.answer("PodDisruptionBudget", "rook-ceph", [], status=404)
    data, errors = rook_gather.collect(kube, "rook-ceph", "rook-ceph")
    assert data["pdbs"] is None and "PodDisruptionBudget" in errors["pdbs"]


def test_an_api_error_other_than_a_missing_kind_stops_the_collection():
    kube = FakeKube("rook_ready")
    kube.answer("CephBlockPool", "rook-ceph", [], status=403)
    with pytest.raises(KubeApiError):
        rook_gather.collect(kube, "rook-ceph", "rook-ceph")


def test_a_rook_bundle_goes_through_the_archive(tmp_path):
    from ansible_collections.koor.ceph.plugins.module_utils.assessment import bundle as _bundle
    bundle = rook_bundle("rook_problems")
    path = str(tmp_path / "rook.tar.gz")
    _bundle.write(bundle, path)
    again = _bundle.read(path)
    assert again["mode"] == "rook" and again["rook"] == copy.deepcopy(bundle["rook"])
    assert engine.assess(again)["findings"] == engine.assess(bundle)["findings"]


def test_a_rook_report_is_valid_against_the_schema():
    import jsonschema
    from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.test_assessment_run import schema
    from ansible_collections.koor.ceph.plugins.module_utils.assessment import report
    document = json.loads(report.to_json(engine.assess(rook_bundle("rook_problems"))))
    assert document["cluster"]["mode"] == "rook"
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(document))
    assert not errors, [e.message for e in errors[:5]]


@pytest.mark.parametrize("rook, minor, why", [
    ("v1.20.6", "30", "older than Rook v1.20.6's supported v1.31 - v1.36"),
    ("v1.18.11", "35", "newer than Rook v1.18.11's supported v1.29 - v1.34"),
    ("v1.19.10", "36+", "newer than Rook v1.19.10's supported v1.30 - v1.35"),
])
def test_the_kubernetes_version_is_judged_by_the_operator_s_rook_version(rook, minor, why):
    bundle = rook_bundle()
    _operator_image(bundle, "docker.io/rook/ceph:" + rook)
    bundle["rook"]["kubernetes_version"].update(minor=minor)
    _document, found = rook_findings(bundle)
    assert why in found["ROOK_KUBERNETES_SUPPORT:kubernetes v1.%s" % minor.rstrip("+")]["message"]
    # v1.32 (the lab's) is in the span of each of these Rook series
    bundle["rook"]["kubernetes_version"].update(minor="32")
    _document, found = rook_findings(bundle)
    assert not [k for k in found if k.startswith("ROOK_KUBERNETES_SUPPORT")]
