"""Verify on the real Ceph cluster (through the toolbox) and the lab's Kubernetes API that the
declared pools exist with their profile's settings, and that RBD images can be made the way the
StorageClasses say."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "_rook"))

import rook_verify as rv  # noqa: E402  pylint: disable=wrong-import-position

POOLS = {p["name"]: p for p in rv.declared("rook_block", "rook_block", "molecule_rook_block_pools")}


def test_replicated_pool_has_the_profiles_settings():
    pool = rv.pools()["mol-general"]
    want = POOLS["mol-general"]
    assert pool["size"] == want["replicated"]["size"] == 3
    assert "rbd" in pool["application_metadata"]
    assert pool["options"].get("compression_mode") == want["compression"] == "none"
    assert pool["quota_max_bytes"] == want["quotas"]["max_size"] == 2 ** 30
    rule = {r["rule_id"]: r for r in rv.ceph("osd", "crush", "rule", "dump")}[pool["crush_rule"]]
    assert [s.get("type") for s in rule["steps"] if s["op"].startswith("choose")] == [want["failure_domain"]]


def test_erasure_coded_pool_with_replicated_metadata_pool():
    pools = rv.pools()
    want = POOLS["mol-archive"]
    data, meta = pools["mol-archive"], pools["mol-archive-metadata"]
    assert meta["size"] == want["replicated"]["size"] and meta.get("erasure_code_profile", "") == ""
    profile = rv.ceph("osd", "erasure-code-profile", "get", data["erasure_code_profile"])
    assert (int(profile["k"]), int(profile["m"])) == (2, 1)
    assert profile["crush-failure-domain"] == "host"
    assert "ec_overwrites" in data["flags_names"]
    assert data["options"].get("compression_mode") == want["compression"] == "aggressive"


def test_storage_classes_point_at_the_pools():
    general = rv.get("storageclass", "rook-ceph-block-mol-general", ns="")
    assert general["provisioner"] == "rook-ceph.rbd.csi.ceph.com"
    assert (general["parameters"]["clusterID"], general["parameters"]["pool"]) == ("rook-ceph", "mol-general")
    assert (general["reclaimPolicy"], general["allowVolumeExpansion"]) == ("Delete", True)
    archive = rv.get("storageclass", "mol-archive", ns="")
    pools = (archive["parameters"]["pool"], archive["parameters"]["dataPool"])
    assert pools == ("mol-archive-metadata", "mol-archive")
    assert (archive["reclaimPolicy"], archive["parameters"]["csi.storage.k8s.io/fstype"]) == ("Retain", "xfs")
    assert rv.get("volumesnapshotclass", "rook-ceph-block-snap-mol-archive", ns="")["deletionPolicy"] == "Retain"


def test_an_image_as_the_csi_driver_makes_it_lands_in_the_ec_pool():
    image = "mol-archive-metadata/verify-probe"
    rv.toolbox("rbd", "create", "--size", "16M", "--data-pool", "mol-archive", image)
    try:
        assert json.loads(rv.toolbox("rbd", "info", "--format", "json", image).stdout)["data_pool"] == "mol-archive"
        rv.toolbox("rbd", "bench", "--io-type", "write", "--io-total", "4M", image)
        deadline = time.monotonic() + 60
        while True:  # the manager's pool statistics follow within seconds
            stored = {p["name"]: p["stats"]["stored"] for p in rv.ceph("df", "detail")["pools"]}
            if stored["mol-archive"] > 0 or time.monotonic() > deadline:
                break
            time.sleep(3)
        assert stored["mol-archive"] > 0
    finally:
        rv.toolbox("rbd", "rm", image, check=False)
