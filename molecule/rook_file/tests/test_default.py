"""Verify on the real Ceph cluster (through the toolbox) and the lab's Kubernetes API that the
declared filesystems exist with their profile's settings, and that a subvolume can be made the
way the StorageClass says."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "_rook"))

import rook_verify as rv  # noqa: E402  pylint: disable=wrong-import-position

FILESYSTEMS = {f["name"]: f for f in rv.declared("rook_file", "rook_file", "molecule_rook_file_filesystems")}


def fs_get(name):
    return rv.ceph("fs", "get", name)["mdsmap"]


def test_filesystems_and_their_pools():
    listed = {f["name"]: f for f in rv.ceph("fs", "ls")}
    pools = rv.pools()
    for name, want in FILESYSTEMS.items():
        assert listed[name]["metadata_pool"] == name + "-metadata"
        assert listed[name]["data_pools"] == ["%s-%s" % (name, p) for p in want["data_pools"]]
        for pool in [name + "-metadata", name + "-data"]:
            assert pools[pool]["size"] == want["replicated"]["size"], pool
            assert "cephfs" in pools[pool]["application_metadata"]
    assert FILESYSTEMS["mol-ci"]["replicated"]["size"] == 2 and FILESYSTEMS["mol-homes"]["replicated"]["size"] == 3
    profile = rv.ceph("osd", "erasure-code-profile", "get", pools["mol-ci-ec"]["erasure_code_profile"])
    assert (int(profile["k"]), int(profile["m"])) == (2, 1)
    assert "ec_overwrites" in pools["mol-ci-ec"]["flags_names"]


def test_metadata_servers():
    homes, ci = fs_get("mol-homes"), fs_get("mol-ci")
    assert homes["max_mds"] == ci["max_mds"] == 1
    assert homes["standby_count_wanted"] == 1 and ci["standby_count_wanted"] == 0
    assert [i["state"] for i in homes["info"].values()] == ["up:active"]


def test_subvolume_group():
    groups = json.loads(rv.toolbox("ceph", "fs", "subvolumegroup", "ls", "mol-homes", "--format", "json").stdout)
    assert [g["name"] for g in groups] == ["homes"]
    group = rv.get("cephfilesystemsubvolumegroup", "mol-homes-homes")
    assert group["status"]["phase"] == "Ready"
    assert group["spec"] == {"filesystemName": "mol-homes", "name": "homes", "quota": 2 ** 30}


def test_storage_classes_and_a_volume_where_they_say():
    homes = rv.get("storageclass", "rook-cephfs-mol-homes", ns="")
    assert homes["provisioner"] == "rook-ceph.cephfs.csi.ceph.com"
    assert (homes["parameters"]["fsName"], homes["parameters"]["pool"]) == ("mol-homes", "mol-homes-data")
    assert homes["reclaimPolicy"] == "Retain"
    ci = rv.get("storageclass", "rook-cephfs-mol-ci", ns="")
    got = (ci["parameters"]["fsName"], ci["parameters"]["pool"], ci["reclaimPolicy"])
    assert got == ("mol-ci", "mol-ci-ec", "Delete")
    assert rv.get("volumesnapshotclass", "rook-cephfs-snap-mol-homes", ns="")["deletionPolicy"] == "Retain"
    assert rv.get("volumesnapshotclass", "rook-cephfs-snap-mol-ci", ns="") is None
    # what ceph-csi does for a claim on the ci class: a subvolume in its data pool
    rv.toolbox("ceph", "fs", "subvolume", "create", "mol-ci", "verify-probe", "--pool_layout", "mol-ci-ec")
    try:
        info = rv.ceph("fs", "subvolume", "info", "mol-ci", "verify-probe")
        assert info["data_pool"] == "mol-ci-ec"
    finally:
        rv.toolbox("ceph", "fs", "subvolume", "rm", "mol-ci", "verify-probe", check=False)
