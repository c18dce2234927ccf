"""The system assessment in Rook mode against the Rook lab (the lab Kubernetes API, the Rook simulator and
real Ceph on the nodes): the Ceph side through Rook's toolbox (kubectl exec), the Rook side through the API.
A Ready cluster has no critical finding; skipUpgradeChecks set on the CephCluster is found with its evidence and
undone; the bundle checked offline gives the same findings."""
import time

from conftest import run_module

ROOK_CHECKS = ("ROOK_SKIP_UPGRADE_CHECKS", "ROOK_CEPH_SUPPORT", "ROOK_DATA_DIR_HOST_PATH", "ROOK_NO_PDB")


def assess(rook, **options):
    args = {"transport": "kubectl_exec", "kubeconfig": rook.kubeconfig, "namespace": "rook-ceph",
            "toolbox": "deploy/rook-ceph-tools", "rook": True}
    args.update(options)
    return run_module("ceph_assessment", args)


def findings_of(result):
    return dict((f["key"], f) for f in result["report"]["findings"])


def test_a_ready_rook_cluster_has_no_critical_finding(rook, rook_cluster, tmp_path):  # pylint: disable=unused-argument
    started = time.monotonic()
    result = assess(rook, report_dir=str(tmp_path))
    seconds = time.monotonic() - started
    assert result["_rc"] == 0 and not result.get("failed"), result.get("msg")
    assert result["report"]["cluster"]["mode"] == "rook"
    assert result["counts"]["critical"] == 0, [f["message"] for f in result["report"]["findings"]
                                               if f["severity"] == "critical"]
    statuses = dict((r["check"], r["status"]) for r in result["report"]["checks"])
    assert all(statuses[c] in ("passed", "failed") for c in ROOK_CHECKS), statuses
    assert statuses["ROOK_CEPH_SUPPORT"] == "passed" and statuses["ROOK_SKIP_UPGRADE_CHECKS"] == "passed"
    assert seconds < 10, "a live Rook assessment took %.1fs" % seconds
    print("live Rook assessment: %.2fs (module run), %s" % (seconds, result["stats"]))


def test_skip_upgrade_checks_is_found_and_the_bundle_checks_the_same(rook, rook_cluster, tmp_path):  # pylint: disable=unused-argument
    before = rook.get("cephcluster", "rook-ceph")["spec"].get("skipUpgradeChecks")
    rook.patch("cephcluster", "rook-ceph", {"spec": {"skipUpgradeChecks": True}})
    try:
        bundle = str(tmp_path / "rook-bundle.tar.gz")
        live = assess(rook, bundle_dest=bundle)
        assert live["_rc"] == 0, live.get("msg")
        finding = findings_of(live)["ROOK_SKIP_UPGRADE_CHECKS:cephcluster rook-ceph"]
        assert finding["evidence"] == [{"source": "CephCluster rook-ceph/rook-ceph (Kubernetes API)",
                                        "field": "spec.skipUpgradeChecks", "value": True}]
        assert finding["severity"] == "warning"
        offline = run_module("ceph_assessment", {"bundle_src": bundle})
        assert offline["_rc"] == 0 and offline["report"]["cluster"]["mode"] == "rook"
        assert offline["report"]["findings"] == live["report"]["findings"]
        assert offline["report"]["checks"] == live["report"]["checks"]
    finally:
        rook.patch("cephcluster", "rook-ceph", {"spec": {"skipUpgradeChecks": bool(before)}})
    assert bool(rook.get("cephcluster", "rook-ceph")["spec"].get("skipUpgradeChecks")) == bool(before)
    again = assess(rook)
    assert "ROOK_SKIP_UPGRADE_CHECKS:cephcluster rook-ceph" not in findings_of(again)
