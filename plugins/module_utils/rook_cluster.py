# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rook's CephCluster as koor.ceph.rook_cluster_info reads it: the CephCluster's status, the
daemon Deployments Rook made for it (with their rook-version / ceph-version labels) and the
operator's Deployment; and a wait for conditions on them by WATCHING the API.

The pure part (``cluster_info``, ``unmet``, ``EventRecorder``, ``ClusterState``) works on the
objects as the API serves them (dicts) and is what the unit tests exercise with objects
recorded from the lab. ``read`` and ``wait`` connect it to a :class:`kube.Kube`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import queue as _queue
import re
import threading
import time
import traceback

from ansible_collections.koor.ceph.plugins.module_utils.kube import KubeApiError, KubeError, KubeGone, Stopper

WAIT_ITEMS = ("Ready", "HEALTH_OK", "rolled_out", "Connected")
DEFAULT_WAIT_FOR = ["Ready", "HEALTH_OK"]
OPERATOR_APP = "rook-ceph-operator"
# the order daemons are listed (and counted in the summary) in
DAEMON_ORDER = ("mon", "mgr", "osd", "mds", "rgw", "rbd-mirror", "nfs", "cephfs-mirror", "crashcollector",
                "exporter")
# What else gather_subset reads: what the use-case roles check a declaration against.
GATHER_SUBSETS = ("clusters", "storage_classes", "snapshot_classes", "namespaces", "toolbox", "crush_map",
                  "object_stores", "object_store_users", "bucket_claims", "rados_namespaces", "subvolume_groups")
# subset -> (kind, namespaced): the objects a subset lists (toolbox and crush_map are read apart)
GATHER_RESOURCES = {"clusters": ("CephCluster", True), "storage_classes": ("StorageClass", False),
                    "snapshot_classes": ("VolumeSnapshotClass", False), "namespaces": ("Namespace", False),
                    "object_stores": ("CephObjectStore", True), "object_store_users": ("CephObjectStoreUser", True),
                    "bucket_claims": ("ObjectBucketClaim", False),
                    "rados_namespaces": ("CephBlockPoolRadosNamespace", True),
                    "subvolume_groups": ("CephFilesystemSubVolumeGroup", True)}
# the CRUSH map, read through the toolbox (a read: Ceph's CLI in Rook's toolbox pod)
CRUSH_DUMP = ["ceph", "osd", "crush", "dump", "--format", "json"]
CRUSH_TIMEOUT = 60

CLUSTER_ARGSPEC = dict(
    name=dict(type="str", default="rook-ceph"),
    namespace=dict(type="str", default="rook-ceph"),
    operator_namespace=dict(type="str", default="rook-ceph"),
    wait=dict(type="bool", default=False),
    wait_for=dict(type="list", elements="str", default=list(DEFAULT_WAIT_FOR), choices=list(WAIT_ITEMS)),
    wait_timeout=dict(type="int", default=900),
    wait_ceph_version=dict(type="str"),
    wait_fail=dict(type="bool", default=True),
    gather_subset=dict(type="list", elements="str", default=[], choices=list(GATHER_SUBSETS)),
    toolbox_selector=dict(type="str", default="app=rook-ceph-tools"),
)
# one watch request lasts at most this long; it is re-established after
WATCH_SLICE = 300
# how long the end of a wait waits for its watch threads to return
STOP_TIMEOUT = 10


class RookInputError(KubeError):
    """The module's options cannot be used; nothing was asked of the API."""


class RookWaitTimeout(KubeError):
    """The wait ended before every wait_for item held; ``result`` is what was last seen."""

    def __init__(self, msg, result):
        super(RookWaitTimeout, self).__init__(msg)
        self.result = result


def validate(params):
    """Raise RookInputError for options that cannot work, before anything is read."""
    for key in ("name", "namespace", "operator_namespace"):
        if not params.get(key):
            raise RookInputError("%s must not be empty" % key)
    wait_for = params.get("wait_for") or []
    if params.get("wait"):
        if params.get("wait_timeout") is None or params["wait_timeout"] <= 0:
            raise RookInputError("wait_timeout must be a positive number of seconds, not %s"
                                 % params.get("wait_timeout"))
        if not wait_for and not params.get("wait_ceph_version"):
            raise RookInputError("wait is true but wait_for is empty and wait_ceph_version is not set: "
                                 "nothing to wait for")
    if "Ready" in wait_for and "Connected" in wait_for:
        raise RookInputError("wait_for cannot hold both Ready and Connected: Ready is the phase of a cluster Rook "
                             "runs, Connected the phase of an external cluster; one CephCluster never has both")


# --- reading objects -------------------------------------------------------------------------------
def _status(obj):
    return (obj or {}).get("status") or {}


def _labels(obj):
    return ((obj or {}).get("metadata") or {}).get("labels") or {}


def condition(obj, ctype):
    """The condition of type ``ctype`` in the object's status, or None."""
    for cond in _status(obj).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def image_tag(image):
    """The tag of an image reference (``docker.io/rook/ceph:v1.20.6`` -> ``v1.20.6``), or None."""
    if not image:
        return None
    image = image.split("@", 1)[0]
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return None
    return tag


def short_version(version):
    """``20.2.4-0`` -> ``20.2.4`` (Rook's version strings carry a build number)."""
    if not version:
        return version
    return re.sub(r"-\d+$", "", str(version))


def _template_labels(dep):
    return ((((dep.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")) or {}


def _containers(dep):
    return ((((dep.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []


def deployment_state(dep):
    """(replicas wanted, ready replicas, available, rollout complete) of a Deployment."""
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    replicas = spec.get("replicas", 1)
    replicas = 1 if replicas is None else int(replicas)
    ready = int(status.get("readyReplicas") or 0)
    available_replicas = int(status.get("availableReplicas") or 0)
    cond = None
    for item in status.get("conditions") or []:
        if item.get("type") == "Available":
            cond = item
    available = available_replicas >= replicas and (cond is None or cond.get("status") == "True")
    generation = (dep.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    current = generation is None or (observed is not None and int(observed) >= int(generation))
    updated = int(status.get("updatedReplicas") or 0) >= replicas
    return replicas, ready, available, current and updated


def operator_info(deployments, namespace):
    """The Rook operator's Deployment among ``deployments`` (its pod template has
    app=rook-ceph-operator): name, image, rook_version (the image's tag), available."""
    found = sorted((d for d in deployments if _template_labels(d).get("app") == OPERATOR_APP),
                   key=lambda d: d["metadata"]["name"])
    if not found:
        return {"name": None, "namespace": namespace, "image": None, "rook_version": None, "available": False}
    dep = found[0]
    containers = _containers(dep)
    container = next((c for c in containers if c.get("name") == OPERATOR_APP), containers[0] if containers else {})
    image = container.get("image")
    rook_version = image_tag(image) or _labels(dep).get("app.kubernetes.io/version")
    return {"name": dep["metadata"]["name"], "namespace": namespace, "image": image, "rook_version": rook_version,
            "available": deployment_state(dep)[2]}


def _daemon_key(entry):
    kind = entry["daemon_type"] or ""
    order = DAEMON_ORDER.index(kind) if kind in DAEMON_ORDER else len(DAEMON_ORDER)
    ident = entry["daemon_id"] or ""
    return (order, kind, (0, int(ident)) if ident.isdigit() else (1, ident), entry["name"])


def deployment_info(dep, want_ceph, want_rook):
    """One daemon Deployment: Rook's labels, replicas, and whether it is rolled out (its labels
    say the cluster's Ceph version and the operator's Rook version, and it is available);
    ``pending`` says why not."""
    labels = _labels(dep)
    replicas, ready, available, complete = deployment_state(dep)
    kind = labels.get("ceph_daemon_type")
    if not kind and labels.get("app", "").startswith("rook-ceph-"):
        kind = labels["app"][len("rook-ceph-"):]
    ceph_version, rook_version = labels.get("ceph-version"), labels.get("rook-version")
    pending = []
    if not want_ceph:
        pending.append("the CephCluster reports no Ceph version yet")
    elif ceph_version != want_ceph:
        pending.append("ceph-version %s, not %s" % (ceph_version, want_ceph))
    if not want_rook:
        pending.append("no Rook operator found")
    elif rook_version != want_rook:
        pending.append("rook-version %s, not %s" % (rook_version, want_rook))
    if not complete:
        pending.append("rollout in progress")
    if not available:
        pending.append("not available (%d of %d replicas ready)" % (ready, replicas))
    containers = _containers(dep)
    return {"name": dep["metadata"]["name"], "daemon_type": kind, "daemon_id": labels.get("ceph_daemon_id"),
            "rook_version": rook_version, "ceph_version": ceph_version, "image": containers[0].get("image")
            if containers else None, "replicas": replicas, "ready_replicas": ready, "available": available,
            "rolled_out": not pending, "pending": pending}


def cluster_info(cluster, daemons, operator_deployments, name, namespace, operator_namespace, missing_kind=False):
    """What the module returns about one CephCluster (None: it does not exist), its daemon
    Deployments and the operator Deployments' namespace content."""
    status = _status(cluster)
    ceph = status.get("ceph") or {}
    version = status.get("version") or {}
    operator = operator_info(operator_deployments, operator_namespace)
    want_ceph = version.get("version")
    deployments = sorted((deployment_info(d, want_ceph, operator["rook_version"]) for d in daemons),
                         key=_daemon_key)
    info = {
        "name": name,
        "namespace": namespace,
        "exists": cluster is not None,
        "external": bool(((((cluster or {}).get("spec") or {}).get("external")) or {}).get("enable")),
        "phase": status.get("phase"),
        "state": status.get("state"),
        "message": status.get("message"),
        "conditions": status.get("conditions") or [],
        "health": ceph.get("health"),
        "details": ceph.get("details") or {},
        "capacity": ceph.get("capacity") or {},
        "fsid": ceph.get("fsid"),
        "versions": ceph.get("versions") or {},
        "version": version,
        "ceph_image": ((((cluster or {}).get("spec") or {}).get("cephVersion")) or {}).get("image"),
        "generation": ((cluster or {}).get("metadata") or {}).get("generation"),
        "observed_generation": status.get("observedGeneration"),
        "deployments": deployments,
        "operator": operator,
    }
    if cluster is None:
        info["message"] = ("the API has no CephCluster kind (Rook's CRDs are not applied)" if missing_kind
                           else "CephCluster %s/%s does not exist" % (namespace, name))
    info["summary"] = summary(info)
    return info


def summary(info):
    """One line for people: ``rook-ceph Ready HEALTH_OK, ceph 20.2.4, 3 mon 2 mgr 3 osd, rook v1.20.6``."""
    if not info["exists"]:
        return info["message"]
    parts = ["%s %s %s" % (info["name"], info["phase"] or "(no phase yet)", info["health"] or "(no health yet)")]
    if info["version"].get("version"):
        parts.append("ceph %s" % short_version(info["version"]["version"]))
    counts = {}
    for dep in info["deployments"]:
        counts[dep["daemon_type"]] = counts.get(dep["daemon_type"], 0) + 1
    if counts:
        order = [k for k in DAEMON_ORDER if k in counts] + sorted(k for k in counts if k not in DAEMON_ORDER)
        parts.append(" ".join("%d %s" % (counts[k], k) for k in order))
    if info["operator"]["rook_version"]:
        parts.append("rook %s" % info["operator"]["rook_version"])
    pending = [d for d in info["deployments"] if not d["rolled_out"]]
    if pending:
        parts.append("%d of %d Deployments not rolled out" % (len(pending), len(info["deployments"])))
    if info["message"] and info["phase"] not in ("Ready", "Connected"):
        parts.append(info["message"])
    return ", ".join(parts)


# --- wait conditions ---------------------------------------------------------------------------------
def _phase_text(info):
    text = "phase is %s" % (info["phase"] or "not set yet")
    if info["message"]:
        text += " (%s)" % info["message"]
    return text


def unmet(info, wait_for, ceph_version=None):
    """{item: why it does not hold} for every wait_for item (and ``ceph_version`` for
    wait_ceph_version) that does not hold on ``info``; empty when all hold."""
    result = {}
    if not info["exists"]:
        for item in list(wait_for) + (["ceph_version"] if ceph_version else []):
            result[item] = info["message"]
        return result
    observed, generation = info["observed_generation"], info["generation"]
    stale = observed is not None and generation is not None and int(observed) < int(generation)
    for item in wait_for:
        if item == "Ready":
            cond = condition({"status": {"conditions": info["conditions"]}}, "Ready")
            if info["phase"] != "Ready":
                result[item] = _phase_text(info)
            elif not cond or cond.get("status") != "True":
                result[item] = "condition Ready is %s" % (cond.get("status") if cond else "missing")
            elif stale:
                result[item] = ("the operator has not reconciled generation %s yet (observed %s)"
                                % (generation, observed))
        elif item == "Connected":
            cond = condition({"status": {"conditions": info["conditions"]}}, "Connected")
            if info["phase"] != "Connected":
                result[item] = _phase_text(info)
            elif cond is not None and cond.get("status") != "True":
                result[item] = "condition Connected is %s" % cond.get("status")
        elif item == "HEALTH_OK":
            if info["health"] != "HEALTH_OK":
                checks = sorted(info["details"])
                result[item] = "health is %s%s" % (info["health"] or "not reported yet",
                                                   " (%s)" % ", ".join(checks) if checks else "")
        elif item == "rolled_out":
            pending = [d for d in info["deployments"] if not d["rolled_out"]]
            if not info["deployments"]:
                result[item] = "no daemon Deployments labelled rook_cluster=%s" % info["namespace"]
            elif not info["operator"]["name"]:
                result[item] = "no Rook operator Deployment (app=%s) in namespace %s" % (
                    OPERATOR_APP, info["operator"]["namespace"])
            elif pending:
                shown = "; ".join("%s: %s" % (d["name"], ", ".join(d["pending"])) for d in pending[:5])
                result[item] = "%d of %d Deployments not rolled out (%s%s)" % (
                    len(pending), len(info["deployments"]), shown, "; ..." if len(pending) > 5 else "")
    if ceph_version:
        # Rook writes status.version when it has validated the image, before the roll (cluster/version.go
        # updateClusterCephVersion): done only once every daemon Deployment says that version too
        want = ceph_version[1:] if ceph_version[:1] in "vV" else ceph_version
        have = info["version"].get("version") or ""
        behind = [d["name"] for d in info["deployments"] if not (d["ceph_version"] or "").startswith(want)]
        if not have.startswith(want):
            result["ceph_version"] = "Ceph version is %s, not %s*" % (have or "not reported yet", want)
        elif not info["deployments"]:
            result["ceph_version"] = "no daemon Deployments labelled rook_cluster=%s" % info["namespace"]
        elif behind:
            result["ceph_version"] = "%d of %d daemon Deployments not on Ceph %s yet (%s%s)" % (
                len(behind), len(info["deployments"]), want, ", ".join(behind[:5]), ", ..." if len(behind) > 5 else "")
    return result


class EventRecorder:
    """The CephCluster's status transitions: an entry {time, phase, message, health} whenever one
    of the three differs from the last entry (the first observation is recorded too)."""

    KEYS = ("phase", "message", "health")

    def __init__(self, name, namespace, clock=time.time):
        self.name = name
        self.namespace = namespace
        self.clock = clock
        self.events = []

    def observe(self, cluster, missing_kind=False):
        if cluster is None:
            seen = {"phase": None, "health": None,
                    "message": ("the API has no CephCluster kind (Rook's CRDs are not applied)" if missing_kind
                                else "CephCluster %s/%s does not exist" % (self.namespace, self.name))}
        else:
            status = _status(cluster)
            seen = {"phase": status.get("phase"), "message": status.get("message"),
                    "health": (status.get("ceph") or {}).get("health")}
        if self.events and all(self.events[-1][k] == seen[k] for k in self.KEYS):
            return False
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock()))}
        entry.update(seen)
        self.events.append(entry)
        return True


class ClusterState:
    """What the watches have delivered: the CephCluster, the daemon Deployments and the
    operator namespace's Deployments, by name. ``apply`` takes a list (SYNC) or one watch event."""

    def __init__(self, name, namespace, operator_namespace):
        self.name = name
        self.namespace = namespace
        self.operator_namespace = operator_namespace
        self.objects = {"cluster": {}, "daemons": {}, "operator": {}}
        self.missing_kind = False

    def sync(self, key, items):
        self.objects[key] = dict((o["metadata"]["name"], o) for o in items)
        if key == "cluster":
            self.missing_kind = False

    def apply(self, key, event_type, obj):
        """One watch event; True when it changed something."""
        if event_type in ("ADDED", "MODIFIED"):
            self.objects[key][obj["metadata"]["name"]] = obj
            return True
        if event_type == "DELETED":
            self.objects[key].pop(obj["metadata"]["name"], None)
            return True
        return False

    @property
    def cluster(self):
        return self.objects["cluster"].get(self.name)

    def info(self):
        return cluster_info(self.cluster, list(self.objects["daemons"].values()),
                            list(self.objects["operator"].values()), self.name, self.namespace,
                            self.operator_namespace, self.missing_kind)


# --- the API side ------------------------------------------------------------------------------------
def collections(kube, name, namespace, operator_namespace):
    return {
        "cluster": kube.collection("CephCluster", namespace, field_selector="metadata.name=%s" % name),
        "daemons": kube.collection("Deployment", namespace, label_selector="rook_cluster=%s" % namespace),
        "operator": kube.collection("Deployment", operator_namespace),
    }


def _list_into(state, key, collection):
    """List one collection into the state; returns the list's resourceVersion. A CephCluster
    kind the API does not know (404: Rook's CRDs not applied) reads as no cluster."""
    try:
        items, version = collection.list()
    except KubeApiError as exc:
        if key == "cluster" and exc.status == 404:
            state.sync(key, [])
            state.missing_kind = True
            return None
        raise
    if key == "cluster":
        items = [o for o in items if o["metadata"]["name"] == state.name]
    state.sync(key, items)
    return version


def read(kube, params):
    """The cluster as it is now (no wait)."""
    state = ClusterState(params["name"], params["namespace"], params["operator_namespace"])
    for key, collection in collections(kube, params["name"], params["namespace"],
                                       params["operator_namespace"]).items():
        _list_into(state, key, collection)
    return state


class Watcher(threading.Thread):
    """Watches one collection from a resourceVersion and puts (key, type, payload) on a queue:
    each event, SYNC with the items after a relist (410 Gone, or the kind appearing), ERROR with
    a transient failure (the watch is re-established after a short pause), FATAL otherwise."""

    def __init__(self, key, collection, events, resource_version, deadline, clock=time.monotonic):
        super(Watcher, self).__init__(name="watch-%s" % key)
        self.daemon = True
        self.key = key
        self.collection = collection
        self.events = events
        self.resource_version = resource_version
        self.deadline = deadline
        self.clock = clock
        self.stopper = Stopper()
        self._pause = threading.Event()

    def stop(self):
        self.stopper.stop()
        self._pause.set()

    def run(self):
        pause = 1
        while not self.stopper.stopped:
            try:
                if self.resource_version is None:
                    items, self.resource_version = self.collection.list()
                    self.events.put((self.key, "SYNC", items))
                seconds = max(1, min(WATCH_SLICE, int(self.deadline - self.clock()) + 5))
                for event in self.collection.watch(self.resource_version, seconds, stopper=self.stopper):
                    obj = event.get("object") or {}
                    version = (obj.get("metadata") or {}).get("resourceVersion")
                    if version:
                        self.resource_version = version
                    if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                        self.events.put((self.key, event["type"], obj))
                pause = 1
            except KubeGone:
                self.resource_version = None
            except KubeError as exc:
                if self.stopper.stopped:
                    return
                if exc.status in (401, 403):
                    self.events.put((self.key, "FATAL", exc.msg))
                    return
                if exc.status == 404:
                    self.resource_version = None
                self.events.put((self.key, "ERROR", exc.msg))
                self._pause.wait(pause)
                pause = min(pause * 2, 10)
            except Exception:  # pylint: disable=broad-except
                if not self.stopper.stopped:
                    self.events.put((self.key, "FATAL", traceback.format_exc()))
                return


def _last_seen(info):
    return "phase %s, message %r, health %s" % (info["phase"], info["message"], info["health"])


def wait(kube, params, clock=time.monotonic, wallclock=time.time):
    """Watch the CephCluster (and, for rolled_out, the Deployments) until every wait_for item
    holds or wait_timeout passes. Returns (state, recorder, unmet, waited seconds, last error)."""
    wait_for, ceph_version = params["wait_for"], params.get("wait_ceph_version")
    started = clock()
    deadline = started + params["wait_timeout"]
    state = ClusterState(params["name"], params["namespace"], params["operator_namespace"])
    recorder = EventRecorder(params["name"], params["namespace"], wallclock)
    sources = collections(kube, params["name"], params["namespace"], params["operator_namespace"])
    watched = ["cluster"] + (["daemons", "operator"] if "rolled_out" in wait_for or ceph_version else [])
    events = _queue.Queue()
    versions = {}
    for key, collection in sources.items():
        versions[key] = _list_into(state, key, collection)
    recorder.observe(state.cluster, state.missing_kind)
    watchers = [Watcher(key, sources[key], events, versions[key], deadline, clock) for key in watched]
    last_error = None
    try:
        pending = unmet(state.info(), wait_for, ceph_version)
        if pending:
            for watcher in watchers:
                watcher.start()
        while pending:
            remaining = deadline - clock()
            if remaining <= 0:
                break
            try:
                batch = [events.get(timeout=remaining)]
            except _queue.Empty:
                break
            while True:
                try:
                    batch.append(events.get_nowait())
                except _queue.Empty:
                    break
            for key, event_type, payload in batch:
                if event_type == "FATAL":
                    raise KubeError("watching %s failed: %s" % (sources[key].describe(), payload))
                if event_type == "ERROR":
                    last_error = payload
                    continue
                if event_type == "SYNC":
                    state.sync(key, payload if key != "cluster"
                               else [o for o in payload if o["metadata"]["name"] == state.name])
                else:
                    state.apply(key, event_type, payload)
                if key == "cluster":
                    recorder.observe(state.cluster, state.missing_kind)
            pending = unmet(state.info(), wait_for, ceph_version)
    finally:
        for watcher in watchers:
            watcher.stop()
        for watcher in watchers:
            if watcher.is_alive():
                watcher.join(STOP_TIMEOUT)
    # what was not watched is read again, so the result is as fresh as the CephCluster
    for key in sources:
        if key not in watched:
            _list_into(state, key, sources[key])
    pending = unmet(state.info(), wait_for, ceph_version)
    return state, recorder, pending, clock() - started, last_error


def _listed(collection):
    """(items, True), or ([], False) when the API has no such kind (its CRD is not applied: 404)."""
    try:
        return collection.list()[0], True
    except KubeApiError as exc:
        if exc.status != 404:
            raise
        return [], False


def gather(kube, params):
    """What gather_subset asks for, read after the cluster (after a wait, when there is one):
    clusters (the names of every CephCluster of the namespace), storage_classes and
    snapshot_classes (every one; snapshot_classes_served is false when the API has no
    VolumeSnapshotClass kind), namespaces (names), object_stores and object_store_users (of the
    namespace), bucket_claims (of every namespace), rados_namespaces and subvolume_groups (of the
    namespace), toolbox (the name of the first Running pod of
    the namespace that toolbox_selector selects, or None) and crush_map (``ceph osd crush dump``
    through that pod, or None without one). A kind whose CRD is not applied reads as none."""
    subsets = set(params.get("gather_subset") or [])
    namespace = params["namespace"]
    result = {}
    for subset, (kind, namespaced) in GATHER_RESOURCES.items():
        if subset in subsets:
            result[subset], served = _listed(kube.collection(kind, namespace if namespaced else None))
            if subset == "snapshot_classes":
                result["snapshot_classes_served"] = served
    for subset in ("clusters", "namespaces"):
        if subset in result:
            result[subset] = sorted(o["metadata"]["name"] for o in result[subset])
    if subsets & {"toolbox", "crush_map"}:
        pods = kube.collection("Pod", namespace, label_selector=params.get("toolbox_selector") or None,
                               field_selector="status.phase=Running").list()[0]
        names = sorted(p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp"))
        result["toolbox"] = names[0] if names else None
    if "crush_map" in subsets:
        result["crush_map"] = None
        if result["toolbox"]:
            what = "%s in pod %s/%s" % (" ".join(CRUSH_DUMP), namespace, result["toolbox"])
            rc, out, err = kube.exec_read(namespace, result["toolbox"], CRUSH_DUMP, timeout=CRUSH_TIMEOUT)
            if rc != 0:
                raise KubeApiError("%s exited %s: %s" % (what, rc, err.strip()[-500:]))
            try:
                result["crush_map"] = json.loads(out)
            except ValueError:
                raise KubeApiError("%s: the answer is not JSON: %r" % (what, out[:200]))
    return result


def run(kube, params, clock=time.monotonic, wallclock=time.time):
    """The module's result: the cluster now or after the wait. Raises RookWaitTimeout (with the
    result) when the wait ends unmet and wait_fail is set."""
    wait_for, ceph_version = params["wait_for"], params.get("wait_ceph_version")
    if not params.get("wait"):
        state = read(kube, params)
        info = state.info()
        pending = unmet(info, wait_for, ceph_version)
        info.update({"ready": not pending, "unmet": pending, "events": [], "waited": 0.0, "changed": False})
        info.update(gather(kube, params))
        return info
    state, recorder, pending, waited, last_error = wait(kube, params, clock, wallclock)
    info = state.info()
    info.update({"ready": not pending, "unmet": pending, "events": recorder.events, "waited": round(waited, 1),
                 "changed": False})
    if pending and params.get("wait_fail", True):
        msg = "CephCluster %s/%s: not %s after %ss: %s. Last seen: %s." % (
            params["namespace"], params["name"], " + ".join(list(wait_for) + (
                ["ceph %s" % ceph_version] if ceph_version else [])), params["wait_timeout"],
            "; ".join("%s unmet: %s" % (k, v) for k, v in pending.items()), _last_seen(info))
        if last_error:
            msg += " Last API error: %s" % last_error
        raise RookWaitTimeout(msg, info)
    info.update(gather(kube, params))
    return info
