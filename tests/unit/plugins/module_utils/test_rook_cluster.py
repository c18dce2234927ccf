"""rook_cluster: parsing a CephCluster and its Deployments, the rolled_out rule, the wait
conditions and the event recording, on objects and watch streams recorded from the lab's Rook
(tests/unit/fixtures/rook/README.md says how each was made)."""
import copy
import json
import os
import re
import threading

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import rook_cluster as rc
from ansible_collections.koor.ceph.plugins.module_utils.kube import KubeApiError, KubeGone

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "rook")
NS = "rook-ceph"
PARAMS = {"name": "rook-ceph", "namespace": NS, "operator_namespace": NS, "wait": True,
          "wait_for": ["Ready", "HEALTH_OK"], "wait_timeout": 60, "wait_ceph_version": None, "wait_fail": True}


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def selected(items, selector):
    """The items a `k=v` label selector picks, as the API does."""
    key, value = selector.split("=", 1)
    return [o for o in items if (o["metadata"].get("labels") or {}).get(key) == value]


def info_of(cluster, deployments, **kwargs):
    return rc.cluster_info(cluster, selected(deployments, "rook_cluster=%s" % NS), deployments, "rook-ceph", NS, NS,
                           **kwargs)


# --- parsing -----------------------------------------------------------------------------------------
def test_ready_cluster_is_read_with_its_daemons_and_operator():
    deployments = load("deployments-ready.json")["items"]
    info = info_of(load("cephcluster-ready.json"), deployments)
    assert info["exists"] is True and info["external"] is False
    assert (info["phase"], info["state"], info["message"]) == ("Ready", "Created", "Cluster created successfully")
    assert info["health"] == "HEALTH_OK" and info["details"] == {}
    assert info["fsid"] == "35e4c80d-1bd8-4b65-93aa-3cb6014776d3"
    assert info["version"] == {"image": "quay.io/ceph/ceph:v20.2.4", "version": "20.2.4-0"}
    assert info["ceph_image"] == "quay.io/ceph/ceph:v20.2.4"
    assert info["capacity"]["bytesTotal"] == 32212254720
    assert list(info["versions"]) == ["mgr", "mon", "osd", "overall"]
    assert [c["type"] for c in info["conditions"]] == ["Progressing", "Ready"]
    assert (info["generation"], info["observed_generation"]) == (1, 1)
    # daemons in Rook's order, the operator and the CSI operator left out
    assert [d["name"] for d in info["deployments"]] == [
        "rook-ceph-mon-a", "rook-ceph-mon-b", "rook-ceph-mon-c", "rook-ceph-mgr-a", "rook-ceph-mgr-b",
        "rook-ceph-osd-0", "rook-ceph-osd-1", "rook-ceph-osd-2"]
    mon_a = info["deployments"][0]
    assert mon_a == {"name": "rook-ceph-mon-a", "daemon_type": "mon", "daemon_id": "a", "rook_version": "v1.20.6",
                     "ceph_version": "20.2.4-0", "image": "quay.io/ceph/ceph:v20.2.4", "replicas": 1,
                     "ready_replicas": 1, "available": True, "rolled_out": True, "pending": []}
    assert info["operator"] == {"name": "rook-ceph-operator", "namespace": NS, "image": "docker.io/rook/ceph:v1.20.6",
                                "rook_version": "v1.20.6", "available": True}
    assert info["summary"] == "rook-ceph Ready HEALTH_OK, ceph 20.2.4, 3 mon 2 mgr 3 osd, rook v1.20.6"
    assert rc.unmet(info, ["Ready", "HEALTH_OK", "rolled_out"]) == {}
    assert rc.unmet(info, [], "20.2") == {} and rc.unmet(info, [], "v20.2.4") == {}


def test_no_cluster_and_no_cephcluster_kind():
    deployments = load("deployments-ready.json")["items"]
    info = info_of(None, [])
    assert info["exists"] is False and info["phase"] is None and info["deployments"] == []
    assert info["message"] == info["summary"] == "CephCluster rook-ceph/rook-ceph does not exist"
    assert rc.unmet(info, ["Ready", "HEALTH_OK"], "20") == {
        "Ready": info["message"], "HEALTH_OK": info["message"], "ceph_version": info["message"]}
    # the operator is still reported when it runs
    assert info_of(None, deployments)["operator"]["rook_version"] == "v1.20.6"
    missing = info_of(None, [], missing_kind=True)
    assert missing["message"] == "the API has no CephCluster kind (Rook's CRDs are not applied)"


def test_health_warn_names_the_raised_checks():
    info = info_of(load("cephcluster-health-warn.json"), load("deployments-ready.json")["items"])
    assert info["health"] == "HEALTH_WARN"
    assert info["details"]["OSDMAP_FLAGS"] == {"message": "noout flag(s) set", "severity": "HEALTH_WARN"}
    assert rc.unmet(info, ["Ready", "HEALTH_OK"]) == {"HEALTH_OK": "health is HEALTH_WARN (OSDMAP_FLAGS)"}
    assert info["summary"].startswith("rook-ceph Ready HEALTH_WARN, ceph 20.2.4")


def test_unavailable_daemon_is_not_rolled_out():
    info = info_of(load("cephcluster-ready.json"), load("deployments-mgr-unavailable.json")["items"])
    mgr_b = [d for d in info["deployments"] if d["name"] == "rook-ceph-mgr-b"][0]
    assert (mgr_b["available"], mgr_b["ready_replicas"], mgr_b["rolled_out"]) == (False, 0, False)
    assert mgr_b["pending"] == ["not available (0 of 1 replicas ready)"]
    assert all(d["rolled_out"] for d in info["deployments"] if d["name"] != "rook-ceph-mgr-b")
    assert rc.unmet(info, ["Ready", "HEALTH_OK", "rolled_out"]) == {
        "rolled_out": "1 of 8 Deployments not rolled out (rook-ceph-mgr-b: not available (0 of 1 replicas ready))"}
    assert info["summary"].endswith(", 1 of 8 Deployments not rolled out")


def test_rolled_out_needs_an_operator_and_daemons():
    deployments = load("deployments-ready.json")["items"]
    no_operator = [d for d in deployments if d["metadata"]["name"] != "rook-ceph-operator"]
    info = info_of(load("cephcluster-ready.json"), no_operator)
    assert info["operator"] == {"name": None, "namespace": NS, "image": None, "rook_version": None,
                                "available": False}
    assert rc.unmet(info, ["rolled_out"]) == {
        "rolled_out": "no Rook operator Deployment (app=rook-ceph-operator) in namespace rook-ceph"}
    assert all(d["pending"] == ["no Rook operator found"] for d in info["deployments"])
    info = info_of(load("cephcluster-ready.json"), [d for d in deployments if d["metadata"]["name"] ==
                                                    "rook-ceph-operator"])
    assert rc.unmet(info, ["rolled_out"]) == {"rolled_out": "no daemon Deployments labelled rook_cluster=rook-ceph"}


def test_a_deployment_whose_new_generation_is_not_observed_is_rolling():
    deployments = copy.deepcopy(load("deployments-ready.json")["items"])
    osd = [d for d in deployments if d["metadata"]["name"] == "rook-ceph-osd-1"][0]
    osd["metadata"]["generation"] = osd["status"]["observedGeneration"] + 1
    info = info_of(load("cephcluster-ready.json"), deployments)
    entry = [d for d in info["deployments"] if d["name"] == "rook-ceph-osd-1"][0]
    assert entry["available"] is True and entry["pending"] == ["rollout in progress"]


def test_ready_waits_for_the_operator_to_observe_the_latest_generation():
    # the first event after `cephVersion.image` was changed: still phase Ready, generation 2 not observed
    roll = load("roll-to-tentacle.watch.json")
    cluster = roll["cluster"][1]["object"]
    assert (cluster["status"]["phase"], cluster["metadata"]["generation"], cluster["status"]["observedGeneration"]) \
        == ("Ready", 2, 1)
    info = info_of(cluster, load("deployments-reef.json")["items"])
    assert rc.unmet(info, ["Ready", "HEALTH_OK"]) == {
        "Ready": "the operator has not reconciled generation 2 yet (observed 1)"}
    # the daemons all still say Reef, as status.version does: rolled out, but not on 20.2 yet
    assert rc.unmet(info, ["rolled_out"], "20.2") == {"ceph_version": "Ceph version is 18.2.7-0, not 20.2*"}


def test_image_tags_and_versions():
    assert rc.image_tag("docker.io/rook/ceph:v1.20.6") == "v1.20.6"
    assert rc.image_tag("registry.local:5000/rook/ceph:v1.20.6") == "v1.20.6"
    assert rc.image_tag("registry.local:5000/rook/ceph") is None
    assert rc.image_tag("rook/ceph:v1.20.6@sha256:" + "0" * 64) == "v1.20.6"
    assert rc.image_tag(None) is None
    assert rc.short_version("20.2.4-0") == "20.2.4" and rc.short_version("18.2.7") == "18.2.7"


# --- replaying watch streams through the state ---------------------------------------------------------
def replay(state, key, recorded, until=None):
    """Feed a recorded watch (after its LIST) into the state, up to resourceVersion ``until``."""
    state.sync(key, recorded[0]["object"]["items"])
    for event in recorded[1:]:
        if until is not None and int(event["object"]["metadata"]["resourceVersion"]) > until:
            break
        state.apply(key, event["type"], event["object"])


def test_operator_roll_is_pending_until_every_daemon_has_the_new_rook_version():
    recorded = load("deployments-operator-roll.watch.json")
    state = rc.ClusterState("rook-ceph", NS, NS)
    state.sync("cluster", [load("cephcluster-ready.json")])
    state.sync("daemons", selected(recorded[0]["object"]["items"], "rook_cluster=rook-ceph"))
    state.sync("operator", recorded[0]["object"]["items"])
    assert rc.unmet(state.info(), ["rolled_out"]) == {}
    seen = []
    for event in recorded[1:]:
        obj = event["object"]
        key = "daemons" if (obj["metadata"].get("labels") or {}).get("rook_cluster") == NS else "operator"
        state.apply(key, event["type"], obj)
        if key == "daemons":  # the operator watch sees every Deployment of its namespace
            state.apply("operator", event["type"], obj)
        info = state.info()
        pending = [d["name"] for d in info["deployments"] if not d["rolled_out"]]
        seen.append((info["operator"]["rook_version"], len(pending)))
        if len(seen) == 1:  # the operator's new image: every daemon still has the old label
            assert all(d["pending"] == ["rook-version v1.20.6, not v1.20.7"] for d in info["deployments"])
    # the operator changes first, then the daemons follow one by one until none is pending
    assert seen[0] == ("v1.20.7", 8)
    assert seen[-1] == ("v1.20.7", 0)
    counts = [count for version, count in seen]
    assert counts == sorted(counts, reverse=True)
    assert rc.unmet(state.info(), ["Ready", "HEALTH_OK", "rolled_out"]) == {}


def test_ceph_roll_is_pending_while_labels_and_status_version_disagree():
    roll = load("roll-to-tentacle.watch.json")
    state = rc.ClusterState("rook-ceph", NS, NS)
    state.sync("operator", load("deployments-reef.json")["items"])
    # mid-roll: mons and mgrs restarted on 20.2.4, status.version still 18.2.7-0
    replay(state, "cluster", roll["cluster"], until=459)
    replay(state, "daemons", roll["deployments"], until=459)
    info = state.info()
    assert info["version"]["version"] == "18.2.7-0" and info["phase"] == "Progressing"
    pending = {d["name"]: d["pending"] for d in info["deployments"] if not d["rolled_out"]}
    assert sorted(pending) == ["rook-ceph-mgr-a", "rook-ceph-mgr-b", "rook-ceph-mon-a", "rook-ceph-mon-b",
                               "rook-ceph-mon-c"]
    assert pending["rook-ceph-mon-a"] == ["ceph-version 20.2.4-0, not 18.2.7-0"]
    reasons = rc.unmet(info, ["Ready", "rolled_out"], "20.2")
    assert reasons["Ready"] == "phase is Progressing (Upgrading Ceph to 20.2.4)"
    assert reasons["rolled_out"].startswith("5 of 8 Deployments not rolled out (rook-ceph-mon-a: ceph-version ")
    assert reasons["ceph_version"] == "Ceph version is 18.2.7-0, not 20.2*"
    # the end: Ready on 20.2.4, every label follows
    replay(state, "cluster", roll["cluster"])
    replay(state, "daemons", roll["deployments"])
    info = state.info()
    assert rc.unmet(info, ["Ready", "rolled_out"], "20.2") == {}
    assert {d["ceph_version"] for d in info["deployments"]} == {"20.2.4-0"}


def test_ceph_version_waits_for_the_daemons_not_only_the_status():
    """Rook writes status.version when it has validated the new image, before any daemon restarts
    (cluster/version.go updateClusterCephVersion): the version is reached only with every label."""
    roll = load("roll-to-tentacle.watch.json")
    state = rc.ClusterState("rook-ceph", NS, NS)
    state.sync("operator", load("deployments-reef.json")["items"])
    replay(state, "cluster", roll["cluster"], until=459)
    replay(state, "daemons", roll["deployments"], until=459)
    info = state.info()
    info["version"] = {"image": "quay.io/ceph/ceph:v20.2.4", "version": "20.2.4-0"}  # as Rook has it mid-roll
    for entry in info["deployments"]:
        entry["ceph_version"] = "20.2.4-0" if entry["name"].startswith(("rook-ceph-mon", "rook-ceph-mgr")) \
            else "18.2.7-0"
    reason = rc.unmet(info, [], "20.2")["ceph_version"]
    assert reason == ("3 of 8 daemon Deployments not on Ceph 20.2 yet (rook-ceph-osd-0, rook-ceph-osd-1, "
                      "rook-ceph-osd-2)"), reason
    info["deployments"] = []
    assert rc.unmet(info, [], "20.2") == {"ceph_version": "no daemon Deployments labelled rook_cluster=%s" % NS}


def test_external_cluster_connected():
    recorded = load("cephcluster-external.watch.json")
    connecting = [e["object"] for e in recorded[1:] if (e["object"].get("status") or {}).get("phase") == "Connecting"][0]
    connected = [e["object"] for e in recorded[1:] if (e["object"].get("status") or {}).get("phase") == "Connected"][0]
    info = rc.cluster_info(connecting, [], [], "external", "h1-external", "rook-ceph")
    assert info["external"] is True
    assert rc.unmet(info, ["Connected"]) == {"Connected": "phase is Connecting (waiting for the Secret rook-ceph-mon "
                                                          "and the ConfigMap rook-ceph-mon-endpoints)"}
    info = rc.cluster_info(connected, [], [], "external", "h1-external", "rook-ceph")
    assert rc.unmet(info, ["Connected", "HEALTH_OK"]) == {}
    assert rc.unmet(info, ["Ready"]) == {"Ready": "phase is Connected (Cluster connected successfully)"}
    assert info["summary"] == "external Connected HEALTH_OK"


# --- event recording -----------------------------------------------------------------------------------
class Clock:
    def __init__(self, start=1795354200.0):
        self.now = start

    def __call__(self):
        self.now += 1.5
        return self.now


def test_events_record_each_transition_once():
    recorded = load("cephcluster-create.watch.json")
    recorder = rc.EventRecorder("rook-ceph", NS, clock=Clock())
    state = rc.ClusterState("rook-ceph", NS, NS)
    state.sync("cluster", recorded[0]["object"]["items"])
    recorder.observe(state.cluster)
    for event in recorded[1:]:
        state.apply("cluster", event["type"], event["object"])
        recorder.observe(state.cluster)
    assert [(e["phase"], e["message"], e["health"]) for e in recorder.events] == [
        (None, "CephCluster rook-ceph/rook-ceph does not exist", None),
        (None, None, None),  # created, not yet seen by the operator
        ("Progressing", "Configuring Ceph Mons", None),
        ("Progressing", "Configuring Ceph Mgr(s)", None),
        ("Progressing", "Configuring Ceph OSDs", None),
        ("Ready", "Cluster created successfully", "HEALTH_OK"),
    ]
    assert recorder.events[0]["time"] == "2026-11-22T13:30:01Z"
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", e["time"]) for e in recorder.events)
    # a repeated observation adds nothing; a deletion is a transition
    assert recorder.observe(state.cluster) is False
    assert recorder.observe(None) is True and recorder.events[-1]["phase"] is None


# --- the wait, served by the recorded streams ------------------------------------------------------------
class _Socket:
    def __init__(self):
        self.down = threading.Event()

    def shutdown(self, how):  # pylint: disable=unused-argument
        self.down.set()


class _Response:
    """What a watch request returns, as far as Stopper needs it: its connection's socket."""

    def __init__(self):
        self.connection = type("Connection", (), {})()
        self.connection.sock = _Socket()


class Replay:
    """One collection as the API served it when recorded: the LIST, then the watch events after
    the requested resourceVersion; then an idle watch until its timeout or until Stopper.stop()
    shuts its socket down."""

    def __init__(self, recorded=None, selector=None, gone_once=False, list_error=None):
        recorded = recorded or [{"type": "LIST", "object": {"items": [], "metadata": {"resourceVersion": "1"}}}]
        pick = (lambda items: selected(items, selector)) if selector else (lambda items: items)
        self.items = pick(recorded[0]["object"]["items"])
        self.version = recorded[0]["object"]["metadata"]["resourceVersion"]
        self.events = [e for e in recorded[1:] if pick([e["object"]])]
        self.gone_once = gone_once
        self.list_error = list_error
        self.lists = 0
        self.watches = []

    def describe(self):
        return "replayed collection"

    def list(self):
        self.lists += 1
        if self.list_error:
            raise self.list_error
        return self.items, self.version

    def watch(self, resource_version, seconds, stopper=None):
        self.watches.append(resource_version)
        if self.gone_once:
            self.gone_once = False
            raise KubeGone("watch: 410 too old resource version", status=410)
        resp = _Response()
        if stopper is not None and not stopper.attach(resp):
            return
        try:
            for event in self.events:
                if int(event["object"]["metadata"]["resourceVersion"]) > int(resource_version):
                    yield event
            resp.connection.sock.down.wait(seconds)  # idle until the server's timeout or stop()
        finally:
            if stopper is not None:
                stopper.detach()


class ReplayKube:
    host = "https://replay"

    def __init__(self, **collections):
        self.collections = collections

    def collection(self, kind, namespace, label_selector=None, field_selector=None):
        key = {"CephCluster": "cluster"}.get(kind) or ("daemons" if label_selector else "operator")
        return self.collections.get(key) or Replay()


def test_wait_for_a_cluster_being_created_returns_ready_with_events():
    kube = ReplayKube(cluster=Replay(load("cephcluster-create.watch.json")))
    result = rc.run(kube, dict(PARAMS))
    assert result["ready"] is True and result["unmet"] == {} and result["changed"] is False
    assert [(e["phase"], e["health"]) for e in result["events"]] == [
        (None, None), (None, None), ("Progressing", None), ("Progressing", None), ("Progressing", None),
        ("Ready", "HEALTH_OK")]
    assert result["phase"] == "Ready" and result["waited"] < 30


def test_wait_relists_after_410_gone():
    cluster = Replay(load("cephcluster-create.watch.json"), gone_once=True)
    result = rc.run(ReplayKube(cluster=cluster), dict(PARAMS))
    assert result["ready"] is True
    assert cluster.lists == 2  # the first list, and the relist after 410
    assert cluster.watches[:2] == ["136", "136"]


def test_wait_for_a_roll_watches_the_deployments_too():
    roll = load("roll-to-tentacle.watch.json")
    roll_deployments = roll["deployments"]
    kube = ReplayKube(cluster=Replay(roll["cluster"]), daemons=Replay(roll_deployments, "rook_cluster=rook-ceph"),
                      operator=Replay([{"type": "LIST", "object": load("deployments-reef.json")}]))
    params = dict(PARAMS, wait_for=["Ready", "rolled_out"], wait_ceph_version="20.2")
    result = rc.run(kube, params)
    assert result["ready"] is True and result["version"]["version"] == "20.2.4-0"
    assert [(e["phase"], e["message"][:20], e["health"]) for e in result["events"]] == [
        ("Ready", "Cluster created succ", "HEALTH_OK"),
        ("Progressing", "Upgrading Ceph to 20", "HEALTH_OK"),
        ("Progressing", "Rotating cephx keys ", "HEALTH_OK"),
        ("Ready", "Cluster created succ", "HEALTH_WARN"),
    ]
    assert all(d["rolled_out"] and d["ceph_version"] == "20.2.4-0" for d in result["deployments"])
    assert kube.collections["daemons"].watches, "the daemon Deployments were watched"
    assert not [t.name for t in threading.enumerate() if t.name.startswith("watch-")], "the watches ended"


def test_wait_timeout_fails_with_what_was_last_seen():
    kube = ReplayKube(cluster=Replay(load("cephcluster-create.watch.json")))
    params = dict(PARAMS, wait_timeout=1, wait_ceph_version="18")
    with pytest.raises(rc.RookWaitTimeout) as caught:
        rc.run(kube, params)
    assert caught.value.msg == (
        "CephCluster rook-ceph/rook-ceph: not Ready + HEALTH_OK + ceph 18 after 1s: ceph_version unmet: Ceph version "
        "is 20.2.4-0, not 18*. Last seen: phase Ready, message 'Cluster created successfully', health HEALTH_OK.")
    assert caught.value.result["ready"] is False and caught.value.result["events"][-1]["phase"] == "Ready"
    assert not [t.name for t in threading.enumerate() if t.name.startswith("watch-")], "the idle watch was stopped"
    # wait_fail false: the same, returned
    result = rc.run(ReplayKube(cluster=Replay(load("cephcluster-create.watch.json"))),
                    dict(params, wait_fail=False))
    assert result["ready"] is False and list(result["unmet"]) == ["ceph_version"]


def test_no_cephcluster_kind_reads_as_no_cluster_and_is_waited_for():
    missing = KubeApiError("list CephClusters: 404 the server could not find the requested resource", status=404)
    result = rc.run(ReplayKube(cluster=Replay(list_error=missing)), dict(PARAMS, wait=False))
    assert result["exists"] is False and result["ready"] is False
    assert result["message"] == "the API has no CephCluster kind (Rook's CRDs are not applied)"
    with pytest.raises(rc.RookWaitTimeout) as caught:
        rc.run(ReplayKube(cluster=Replay(list_error=missing)), dict(PARAMS, wait_timeout=1))
    assert "Rook's CRDs are not applied" in caught.value.msg
    assert caught.value.msg.endswith("Last API error: list CephClusters: 404 the server could not find the "
                                     "requested resource")


def test_other_api_errors_fail_at_once():
    refused = KubeApiError("list CephClusters: 401 Unauthorized", status=401)
    with pytest.raises(KubeApiError, match="401 Unauthorized"):
        rc.run(ReplayKube(cluster=Replay(list_error=refused)), dict(PARAMS))


@pytest.mark.parametrize("params, message", [
    (dict(PARAMS, wait_for=["Ready", "Connected"]), "wait_for cannot hold both Ready and Connected"),
    (dict(PARAMS, wait_for=[]), "nothing to wait for"),
    (dict(PARAMS, wait_timeout=0), "wait_timeout must be a positive number of seconds, not 0"),
    (dict(PARAMS, namespace=""), "namespace must not be empty"),
])
def test_bad_options_are_refused(params, message):
    with pytest.raises(rc.RookInputError, match=re.escape(message)):
        rc.validate(params)


def test_good_options_pass():
    rc.validate(dict(PARAMS))
    rc.validate(dict(PARAMS, wait_for=[], wait_ceph_version="20.2"))
    rc.validate(dict(PARAMS, wait=False, wait_for=[], wait_timeout=0))
