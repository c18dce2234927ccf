"""The slow part of the Rook simulator's tests, on the session's Rook lab (rook_sim_support.py),
in this order: the example CephCluster deleted with cleanupPolicy (its disks wiped); a Reef
cluster refused by Rook v1.20.6 even with cephVersion.allowUnsupported; Rook v1.18.11 installed
and a Reef cluster made with it; data written; the Ceph image roll to Tentacle (refused under
HEALTH_ERR even with continueUpgradeAfterChecksEvenIfNotHealthy, as Rook's code does; then, healthy,
status.version first, mon/mgr/OSD one by one behind ok-to-stop, labels rolling, cephx keys rotated,
require-osd-release), data intact; Rook v1.19.10 and v1.20.6 installed after it, the daemons'
rook-version labels following; deletion without cleanupPolicy keeps the data (the cluster comes
back with it); `koor-lab down` leaves nothing.
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
    # the toolbox is the user's (toolbox.yaml, no owner reference): Rook leaves it
    assert rook.get("deploy", "rook-ceph-tools") is not None
    # the daemons are gone and the OSD disks hold nothing any more
    procs = subprocess.run(["pgrep", "-f", "/var/lib/koor-lab/%s/rook/etc/ceph.conf" % LAB], capture_output=True,
                           text=True, check=False).stdout
    assert procs.strip() == ""
    assert set(rook.osd_disks().values()) == {""}


def _failed_reconcile(obj):
    """Rook's failed CephCluster reconcile: phase Progressing, state Error, condition Progressing=False
    (reason ClusterProgressing) with the error; the Ready condition, once there, kept."""
    status = (obj or {}).get("status") or {}
    return status.get("phase") == "Progressing" and status.get("state") == "Error" and any(
        c["type"] == "Progressing" and c["status"] == "False" and c["reason"] == "ClusterProgressing"
        for c in status.get("conditions") or [])


def test_rook_v1_20_refuses_reef_even_with_allow_unsupported(rook):
    rook.apply(example_cluster(REEF, allow_unsupported=True))
    refused = rook.wait("cephcluster", "rook-ceph", _failed_reconcile, 60, "refused")
    assert refused["status"]["message"] == ('failed the ceph version check: the version does not meet the minimum '
                                            'version "ceph version 19.2.0-0 squid"'), refused["status"]
    assert "observedGeneration" not in refused["status"]
    assert not rook.labels()
    rook.delete("cephcluster", "rook-ceph")
    rook.wait_gone("cephcluster", "rook-ceph", 60)


def test_rook_v1_18_runs_reef_and_holds_data(rook):
    # Rook v1.18.11 as its release installs it: the honest way to run Reef (v1.19 and v1.20 refuse it)
    rook.install_rook("v1.18.11")
    rook.apply(example_cluster(REEF, rook_version="v1.18.11"))
    started = time.monotonic()
    cr = rook.wait("cephcluster", "rook-ceph", lambda o: phase(o) == "Ready"
                   and o["status"]["ceph"]["health"] == "HEALTH_OK", 420, "Ready + HEALTH_OK on Reef")
    rook.timings["Reef cluster ready"] = time.monotonic() - started
    assert cr["status"]["version"]["version"] == "18.2.7-0"
    # after creation Rook keeps only the Ready condition, and writes observedGeneration with it
    assert [(c["type"], c["reason"]) for c in cr["status"]["conditions"]] == [("Ready", "ClusterCreated")]
    assert cr["status"]["observedGeneration"] == cr["metadata"]["generation"]
    assert {labels["ceph-version"] for labels in rook.labels().values()} == {"18.2.7-0"}
    assert {labels["rook-version"] for labels in rook.labels().values()} == {"v1.18.11"}
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
    # HEALTH_ERR (full ratios out of order) refuses the upgrade; continueUpgradeAfterChecksEvenIfNotHealthy
    # does not pass that gate in Rook's code (cluster/version.go: only skipUpgradeChecks does)
    rook.toolbox("ceph", "osd", "set-full-ratio", "0.001")
    rook.wait("cephcluster", "rook-ceph", lambda o: rook.health() == "HEALTH_ERR", 60, "HEALTH_ERR")
    rook.patch("cephcluster", "rook-ceph", {"spec": {"cephVersion": {"image": TENTACLE},
                                                     "continueUpgradeAfterChecksEvenIfNotHealthy": True}})
    refused = rook.wait("cephcluster", "rook-ceph", _failed_reconcile, 60, "refused under HEALTH_ERR")
    assert refused["status"]["message"] == (
        "failed the ceph version check: ceph status in namespace rook-ceph is not healthy, refusing to upgrade. Either "
        "fix the health issue or force an update by setting skipUpgradeChecks to true in the cluster CR")
    # the Ready condition of the creation is kept beside it; observedGeneration stays at the last Ready one
    assert [c["type"] for c in refused["status"]["conditions"]] == ["Ready", "Progressing"]
    assert refused["status"]["observedGeneration"] < refused["metadata"]["generation"]
    time.sleep(5)
    assert {labels["ceph-version"] for labels in rook.labels().values()} == {"18.2.7-0"}

    # healthy again: the roll starts, status.version at once, then one daemon at a time behind
    # its ok-to-stop gate, labels following
    watch = LabelWatch(rook, "ceph-version")
    rook.toolbox("ceph", "osd", "set-full-ratio", "0.97")
    started = time.monotonic()
    early = rook.wait("cephcluster", "rook-ceph", lambda o: o["status"]["version"]["version"] == "20.2.4-0", 120,
                      "status.version written")
    assert any(lb["ceph-version"] == "18.2.7-0" for lb in rook.labels().values()), \
        "status.version is written before the daemons roll (Rook's updateClusterCephVersion)"
    assert early["status"]["phase"] == "Progressing"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        cr = rook.get("cephcluster", "rook-ceph")
        if phase(cr) == "Ready" and cr["status"]["observedGeneration"] == cr["metadata"]["generation"] \
                and cr["status"]["ceph"]["health"] == "HEALTH_OK":
            break
        time.sleep(1)
    rook.timings["Reef -> Tentacle roll"] = time.monotonic() - started
    assert phase(cr) == "Ready" and cr["status"]["ceph"]["health"] == "HEALTH_OK", (cr["status"], rook.log_tail())
    assert cr["status"]["version"]["version"] == "20.2.4-0"
    labels = rook.labels()
    assert {lb["ceph-version"] for lb in labels.values()} == {"20.2.4-0"}
    # rolled one daemon at a time in Rook's order (mons, mgrs, OSDs); ok-to-stop let one OSD at a
    # time go (3 OSDs, size-3 pools), the next only once the one before was back
    watch.stop()
    order = [name for dummy, name, value in watch.flips if value == "20.2.4-0"]
    assert sorted(order) == sorted(labels) and len(order) == len(set(order)), watch.flips
    daemons = [name for name in order if labels[name].get("ceph_daemon_type")]
    kinds = [name.split("-")[2] for name in daemons]
    assert kinds == sorted(kinds, key=["mon", "mgr", "osd"].index), order
    # the crash collectors and exporters follow node by node, once a daemon of theirs restarted (Rook's node
    # controller runs for a node when a Ceph pod on it is made): never before the first mon
    first_mon = min(t for t, name, value in watch.flips if name.startswith("rook-ceph-mon-"))
    node_daemons = [(t, name) for t, name, value in watch.flips if not labels[name].get("ceph_daemon_type")]
    assert len(node_daemons) == 6 and all(t >= first_mon for t, dummy in node_daemons), watch.flips
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


def test_rook_minor_by_minor_back_to_v1_20(rook):
    for version in ("v1.19.10", "v1.20.6"):
        rook.install_rook(version)
        rook.wait("cephcluster", "rook-ceph", lambda o, v=version: {
            lb["rook-version"] for lb in rook.labels().values()} == {v} and phase(o) == "Ready", 120,
            "daemons on Rook %s" % version)


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
