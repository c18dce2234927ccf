"""The slow part of the Rook simulator's tests, on the session's Rook lab (rook_sim_support.py),
in this order: the example CephCluster deleted with cleanupPolicy (its disks wiped); a Reef
cluster refused without cephVersion.allowUnsupported, then made; data written; the Ceph image
roll to Tentacle (refused under HEALTH_ERR, then under it with
continueUpgradeAfterChecksEvenIfNotHealthy: mon/mgr/OSD one by one, labels rolling,
cephx keys rotated, require-osd-release), data intact; deletion without cleanupPolicy keeps the
data (the cluster comes back with it); `koor-lab down` leaves nothing.
"""
import os
import subprocess
import time

from conftest import KOOR_LAB, ROOT
from rook_sim_support import LAB, NS, REEF, TENTACLE, LabelWatch, example_cluster, has_condition, phase

DEPENDENTS = ("cephblockpools", "cephfilesystemsubvolumegroups", "cephfilesystems", "cephobjectstoreusers",
              "cephobjectstores", "cephclients")
PAYLOAD = "reef-era object, %d" % os.getpid()


def _delete_dependents(rook):
    rook.kubectl("delete", "obc", "--all", "--all-namespaces", "--wait=false")
    for kind in DEPENDENTS:
        rook.kubectl("-n", NS, "delete", kind, "--all", "--wait=false")
    for kind in DEPENDENTS:
        for obj in rook.items(kind):
            rook.wait_gone(kind, obj["metadata"]["name"], 180)


def test_cluster_deletion_is_blocked_by_dependents_and_cleanup_policy_wipes_the_disks(rook, rook_cluster):
    _delete_dependents(rook)
    fsid = rook_cluster["status"]["ceph"]["fsid"]
    disks = rook.osd_disks()
    assert len(disks) == 3 and set(disks.values()) == {"ceph_bluestore"}, disks

    # a dependent blocks the deletion
    rook.apply({"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPool", "metadata": {"name": "blocker", "namespace": NS},
                "spec": {"replicated": {"size": 3}}})
    rook.wait_ready("cephblockpool", "blocker", 120)
    rook.patch("cephcluster", "rook-ceph", {"spec": {"cleanupPolicy": {"confirmation": "yes-really-destroy-data"}}})
    rook.delete("cephcluster", "rook-ceph")
    blocked = rook.wait("cephcluster", "rook-ceph", lambda o: has_condition(o, "DeletionIsBlocked",
                                                                            "ObjectHasDependents"), 60, "blocked")
    assert "blocker" in [c for c in blocked["status"]["conditions"] if c["type"] == "DeletionIsBlocked"][0]["message"]
    assert rook.ceph("fsid")["fsid"] == fsid

    rook.delete("cephblockpool", "blocker")
    started = time.monotonic()
    rook.wait_gone("cephcluster", "rook-ceph", 180)
    rook.timings["cluster deleted (wiped)"] = time.monotonic() - started
    assert not rook.labels()
    assert rook.get("deploy", "rook-ceph-tools") is None
    # the daemons are gone and the OSD disks hold nothing any more
    procs = subprocess.run(["pgrep", "-f", "/var/lib/koor-lab/%s/rook/etc/ceph.conf" % LAB], capture_output=True,
                           text=True, check=False).stdout
    assert procs.strip() == ""
    assert set(rook.osd_disks().values()) == {""}


def test_reef_needs_allow_unsupported_and_then_holds_data(rook):
    rook.apply(example_cluster(REEF))
    refused = rook.wait("cephcluster", "rook-ceph", lambda o: phase(o) == "Failure", 60, "refused")
    assert "allowUnsupported" in refused["status"]["message"] and "18.2.7" in refused["status"]["message"]
    assert not rook.labels()

    rook.patch("cephcluster", "rook-ceph", {"spec": {"cephVersion": {"allowUnsupported": True}}})
    started = time.monotonic()
    cr = rook.wait("cephcluster", "rook-ceph", lambda o: phase(o) == "Ready"
                   and o["status"]["ceph"]["health"] == "HEALTH_OK", 420, "Ready + HEALTH_OK on Reef")
    rook.timings["Reef cluster ready"] = time.monotonic() - started
    assert cr["status"]["version"]["version"] == "18.2.7-0"
    assert {labels["ceph-version"] for labels in rook.labels().values()} == {"18.2.7-0"}
    assert list(rook.ceph("versions")["overall"]) == [v for v in rook.ceph("versions")["overall"] if "18.2.7" in v]

    # data: an RBD image in a CephBlockPool, an object in a pool Rook does not own
    rook.apply({"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPool", "metadata": {"name": "rbdpool", "namespace": NS},
                "spec": {"replicated": {"size": 3}}})
    rook.wait_ready("cephblockpool", "rbdpool", 120)
    rook.toolbox("rbd", "create", "--size", "32M", "rbdpool/disk1")
    rook.toolbox("rbd", "bench", "--io-type", "write", "--io-size", "4K", "--io-total", "1M", "rbdpool/disk1")
    rook.toolbox("ceph", "osd", "pool", "create", "keep", "8")
    rook.toolbox("ceph", "osd", "pool", "application", "enable", "keep", "lab")
    rook.toolbox("rados", "-p", "keep", "put", "witness", "-", input=PAYLOAD)
    assert rook.toolbox("rados", "-p", "keep", "get", "witness", "-") == PAYLOAD
    rook.wait("cephcluster", "rook-ceph", lambda o: rook.health() == "HEALTH_OK", 120, "HEALTH_OK with the data")


def test_ceph_image_roll_to_tentacle_with_rooks_gates(rook):
    before = rook.toolbox("sh", "-c", "rbd export rbdpool/disk1 - | md5sum")
    # HEALTH_ERR (full ratios out of order) refuses the upgrade
    rook.toolbox("ceph", "osd", "set-full-ratio", "0.001")
    rook.wait("cephcluster", "rook-ceph", lambda o: rook.health() == "HEALTH_ERR", 60, "HEALTH_ERR")
    rook.patch("cephcluster", "rook-ceph", {"spec": {"cephVersion": {"image": TENTACLE}}})
    rook.wait("cephcluster", "rook-ceph", lambda o: any(
        c["type"] == "Progressing" and c["reason"] == "UpgradeBlocked" for c in o["status"]["conditions"]),
        60, "UpgradeBlocked")
    time.sleep(5)
    assert {labels["ceph-version"] for labels in rook.labels().values()} == {"18.2.7-0"}

    # continueUpgradeAfterChecksEvenIfNotHealthy: the roll starts anyway (ok-to-stop gates still
    # apply), one daemon at a time, labels following; healthy again once the ratio is back
    watch = LabelWatch(rook, "ceph-version")
    rook.patch("cephcluster", "rook-ceph", {"spec": {"continueUpgradeAfterChecksEvenIfNotHealthy": True}})
    started = time.monotonic()
    restored = False
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        labels = rook.labels()
        rolled = [name for name, lb in labels.items() if lb["ceph-version"] == "20.2.4-0"]
        cr = rook.get("cephcluster", "rook-ceph")
        status = cr["status"]
        # the roll (and the key rotation after it: clients are refused for moments) is over
        # when the status reports the new version and no longer says what it is doing
        if len(rolled) == len(labels) and not restored and status["version"]["version"] == "20.2.4-0" \
                and not status["message"].startswith(("Upgrading", "Rotating")):
            rook.toolbox("ceph", "osd", "set-full-ratio", "0.97")
            restored = True
        if restored and phase(cr) == "Ready" and cr["status"]["ceph"]["health"] == "HEALTH_OK":
            break
        time.sleep(1)
    rook.timings["Reef -> Tentacle roll"] = time.monotonic() - started
    assert phase(cr) == "Ready" and cr["status"]["ceph"]["health"] == "HEALTH_OK", (cr["status"], rook.log_tail())
    assert cr["status"]["version"]["version"] == "20.2.4-0"
    labels = rook.labels()
    assert {lb["ceph-version"] for lb in labels.values()} == {"20.2.4-0"}
    # rolled one daemon at a time in Rook's order (mons, mgrs, OSDs), each OSD after the one
    # before was back with its PGs clean
    watch.stop()
    order = [name for dummy, name, value in watch.flips if value == "20.2.4-0"]
    assert sorted(order) == sorted(labels) and len(order) == len(set(order)), watch.flips
    kinds = [name.split("-")[2] for name in order]
    assert kinds == sorted(kinds, key=["mon", "mgr", "osd"].index), order
    osd_times = [t for t, name, value in watch.flips if name.startswith("rook-ceph-osd-")]
    assert all(later - earlier > 2 for earlier, later in zip(osd_times, osd_times[1:])), watch.flips

    versions = rook.ceph("versions")
    assert list(versions["overall"]) and all("20.2.4" in v for v in versions["overall"]), versions
    assert rook.ceph("osd", "dump")["require_osd_release"] == "tentacle"
    # the simulator rotated the Reef-era (AES-128, "AQ...") keys: no AUTH_INSECURE_* left
    assert all(not e["key"].startswith("AQ") for e in rook.ceph("auth", "ls")["auth_dump"])

    # the data written on Reef
    assert rook.toolbox("rados", "-p", "keep", "get", "witness", "-") == PAYLOAD
    assert rook.toolbox("sh", "-c", "rbd export rbdpool/disk1 - | md5sum") == before


def test_deletion_without_cleanup_policy_keeps_the_data(rook):
    fsid = rook.get("cephcluster", "rook-ceph")["status"]["ceph"]["fsid"]
    rook.toolbox("rbd", "rm", "rbdpool/disk1")
    rook.delete("cephblockpool", "rbdpool")
    rook.wait_gone("cephblockpool", "rbdpool", 90)
    rook.delete("cephcluster", "rook-ceph")
    rook.wait_gone("cephcluster", "rook-ceph", 120)
    assert not rook.labels()
    assert set(rook.osd_disks().values()) == {"ceph_bluestore"}

    # as with Rook's dataDirHostPath, the same CephCluster brings the same cluster back, data and all
    cluster = example_cluster(TENTACLE)
    rook.apply(cluster)
    cr = rook.wait("cephcluster", "rook-ceph", lambda o: phase(o) == "Ready"
                   and o["status"]["ceph"]["health"] == "HEALTH_OK", 300, "Ready again")
    assert cr["status"]["ceph"]["fsid"] == fsid
    assert rook.toolbox("rados", "-p", "keep", "get", "witness", "-") == PAYLOAD


def test_down_removes_everything(rook):
    subprocess.run([KOOR_LAB, "down", "--name", LAB], check=True, capture_output=True)
    assert not os.path.exists("/var/lib/koor-lab/%s" % LAB)
    assert not os.path.exists(os.path.join(ROOT, "inventories", "lab", "generated", "%s-kubeconfig" % LAB))
    leftovers = subprocess.run(["pgrep", "-f", "/var/lib/koor-lab/%s/" % LAB], capture_output=True, text=True,
                               check=False).stdout
    assert leftovers.strip() == ""
