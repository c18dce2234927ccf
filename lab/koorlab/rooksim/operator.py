"""The Rook simulator's operator loop: Rook v1.20.6 resources from the lab's Kubernetes API
reconciled into the lab's real Ceph (koorlab.rooksim.ceph).

    python -m koorlab.rooksim.operator --lab L --kubeconfig FILE

It idles until Rook's operator Deployment (pods labelled app=rook-ceph-operator) exists, then
reconciles, every couple of seconds and in dependency order: CephCluster (mons, mgrs, OSDs
with `ceph-volume raw`, a Deployment per daemon with Rook's labels, status and conditions,
Ceph image and operator image rolls), CephBlockPool, CephFilesystem (+ MDS),
CephFilesystemSubVolumeGroup, CephObjectStore (+ radosgw), CephObjectStoreUser (+ Secret),
CephClient (+ Secret), ObjectBucketClaim (bucket, Secret, ConfigMap), with Rook's finalizers and
deletion rules. Like Rook it never makes the toolbox; an applied one (toolbox.yaml) gets the lab's
exec annotation. It talks to the API only through the small Kube class below (the kubernetes
Python client).
"""

import argparse
import base64
import datetime
import decimal
import hashlib
import json
import os
import re
import sys
import time
import traceback
import uuid

from ..kube.resources import node_info
from ..util import LabError, log, wait_for
from . import ceph as cephlib
from .ceph import CONTRACT

GROUP, VERSION = "ceph.rook.io", "v1"
OBC_GROUP, OBC_VERSION = "objectbucket.io", "v1alpha1"
EXEC_ANNOTATION = "lab.koor.io/exec"
TOOLBOX_APP = "rook-ceph-tools"  # the label of deploy/examples/toolbox.yaml's Deployment
KINDS = {  # plural: finalizer
    "cephclusters": "cephcluster.ceph.rook.io",
    "cephblockpools": "cephblockpool.ceph.rook.io",
    "cephblockpoolradosnamespaces": "cephblockpoolradosnamespace.ceph.rook.io",
    "cephfilesystems": "cephfilesystem.ceph.rook.io",
    "cephfilesystemsubvolumegroups": "cephfilesystemsubvolumegroup.ceph.rook.io",
    "cephobjectstores": "cephobjectstore.ceph.rook.io",
    "cephobjectstoreusers": "cephobjectstoreuser.ceph.rook.io",
    "cephclients": "cephclient.ceph.rook.io",
}
OBC_FINALIZER = CONTRACT.OBC["finalizer"]  # lib-bucket-provisioner's finalizer (claims and ObjectBuckets)
# spec.cleanupPolicy.confirmation that lets a deletion wipe the hosts (Rook's DeleteDataDirOnHostsConfirmation)
CLEANUP_CONFIRMATION = CONTRACT.CLEANUP_CONFIRMATION


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64(text):
    return base64.b64encode(text.encode()).decode()


class Kube:
    """The few Kubernetes calls the simulator makes (kubernetes Python client)."""

    def __init__(self, kubeconfig):
        from kubernetes import client, config  # the project's venv
        from kubernetes.client.rest import ApiException
        config.load_kube_config(config_file=kubeconfig)
        self.api = client.ApiClient()
        self.custom = client.CustomObjectsApi(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.core = client.CoreV1Api(self.api)
        self.storage = client.StorageV1Api(self.api)
        self.ApiException = ApiException

    def _dict(self, obj):
        return self.api.sanitize_for_serialization(obj)

    def missing(self, exc):
        return isinstance(exc, self.ApiException) and exc.status == 404

    # custom resources
    def list(self, plural, group=GROUP, version=VERSION):
        try:
            return self.custom.list_cluster_custom_object(group, version, plural)["items"]
        except self.ApiException as exc:
            if exc.status == 404:  # CRD not applied
                return []
            raise

    def patch(self, obj, body, plural, group=GROUP, version=VERSION):
        meta = obj["metadata"]
        return self.custom.patch_namespaced_custom_object(group, version, meta["namespace"], plural, meta["name"], body)

    def patch_status(self, obj, status, plural, group=GROUP, version=VERSION):
        meta = obj["metadata"]
        try:
            return self.custom.patch_namespaced_custom_object_status(group, version, meta["namespace"], plural,
                                                                     meta["name"], {"status": status})
        except self.ApiException as exc:
            if exc.status != 404:
                raise
        return None

    # nodes (what the kubelets register)
    def list_nodes(self):
        return json.loads(self.core.list_node(_preload_content=False).data)["items"]

    def create_node(self, body):
        return self.core.create_node(body)

    def patch_node_status(self, name, status):
        return self.core.patch_node_status(name, {"status": status})

    # workloads and config
    def list_deployments(self, namespace, selector):
        items = self.apps.list_namespaced_deployment(namespace, label_selector=selector).items
        return [self._dict(d) for d in items]

    def operator_deployments(self):
        """Deployments whose pods are Rook's operator (operator.yaml labels its pod template
        app=rook-ceph-operator, not the Deployment itself)."""
        items = [self._dict(d) for d in self.apps.list_deployment_for_all_namespaces(label_selector="operator=rook").items]
        return [d for d in items
                if d["spec"]["template"]["metadata"].get("labels", {}).get("app") == "rook-ceph-operator"]

    def get_deployment(self, namespace, name):
        try:
            return self._dict(self.apps.read_namespaced_deployment(name, namespace))
        except self.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def apply_deployment(self, namespace, body):
        name = body["metadata"]["name"]
        if self.get_deployment(namespace, name) is None:
            self.apps.create_namespaced_deployment(namespace, body)
        else:
            self.apps.patch_namespaced_deployment(name, namespace, body)

    def patch_deployment(self, namespace, name, body):
        self.apps.patch_namespaced_deployment(name, namespace, body)

    def delete_deployment(self, namespace, name):
        try:
            self.apps.delete_namespaced_deployment(name, namespace)
        except self.ApiException as exc:
            if exc.status != 404:
                raise

    def apply(self, kind, namespace, body):
        """Create or replace a Secret or ConfigMap."""
        name = body["metadata"]["name"]
        create = getattr(self.core, "create_namespaced_%s" % kind)
        replace = getattr(self.core, "replace_namespaced_%s" % kind)
        try:
            replace(name, namespace, body)
        except self.ApiException as exc:
            if exc.status != 404:
                raise
            create(namespace, body)

    def read(self, kind, namespace, name):
        try:
            return self._dict(getattr(self.core, "read_namespaced_%s" % kind)(name, namespace))
        except self.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def delete(self, kind, namespace, name):
        try:
            getattr(self.core, "delete_namespaced_%s" % kind)(name, namespace)
        except self.ApiException as exc:
            if exc.status != 404:
                raise

    def apply_cluster_object(self, plural, body, group=OBC_GROUP, version=OBC_VERSION):
        """Create (or patch) a cluster-scoped custom resource, then set its status."""
        name = body["metadata"]["name"]
        status = body.pop("status", None)
        try:
            self.custom.create_cluster_custom_object(group, version, plural, body)
        except self.ApiException as exc:
            if exc.status != 409:
                raise
            self.custom.patch_cluster_custom_object(group, version, plural, name, {
                "metadata": {k: v for k, v in body["metadata"].items() if k in ("labels", "finalizers")},
                "spec": body["spec"]})
        if status:
            self.custom.patch_cluster_custom_object_status(group, version, plural, name, {"status": status})

    def get_cluster_object(self, plural, name, group=OBC_GROUP, version=OBC_VERSION):
        try:
            return self.custom.get_cluster_custom_object(group, version, plural, name)
        except self.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def patch_cluster_object(self, plural, name, body, group=OBC_GROUP, version=OBC_VERSION):
        return self.custom.patch_cluster_custom_object(group, version, plural, name, body)

    def patch_cluster_status(self, plural, name, status, group=OBC_GROUP, version=OBC_VERSION):
        return self.custom.patch_cluster_custom_object_status(group, version, plural, name, {"status": status})

    def delete_cluster_object(self, plural, name, group=OBC_GROUP, version=OBC_VERSION):
        try:
            self.custom.delete_cluster_custom_object(group, version, plural, name)
        except self.ApiException as exc:
            if exc.status != 404:
                raise

    def storage_class(self, name):
        try:
            return self._dict(self.storage.read_storage_class(name))
        except self.ApiException as exc:
            if exc.status == 404:
                return None
            raise


def condition(ctype, status, reason, message, previous=None):
    """A Rook condition; keeps lastTransitionTime while the status is unchanged."""
    stamp = now()
    for old in previous or []:
        if old.get("type") == ctype and old.get("status") == status:
            stamp = old.get("lastTransitionTime", stamp)
    return {"type": ctype, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": now(), "lastTransitionTime": stamp}


def ceph_version_text(numbers):
    """Rook's CephVersion.String(): "ceph version 19.2.0-0 squid"."""
    return "ceph version %d.%d.%d-0 %s" % (tuple(numbers[:3]) + (CONTRACT.CEPH_RELEASES.get(numbers[0], "<unknown version>"),))


def rook_rules(rook_version):
    """The Ceph version rules of the operator of ``rook_version`` ("v1.18.11"): rook_contract.ROOK_CEPH."""
    match = re.match(r"^v?(\d+)\.(\d+)", rook_version or "")
    minor = "%s.%s" % match.groups() if match else None
    if minor not in CONTRACT.ROOK_CEPH:
        raise LabError("the simulator has no rules for Rook %s (it knows %s)"
                       % (rook_version, ", ".join("v" + m for m in sorted(CONTRACT.ROOK_CEPH))))
    return CONTRACT.ROOK_CEPH[minor]


def unsupported(version, ceph_version_spec, rook_version):
    """Why the operator of ``rook_version`` refuses Ceph ``version`` ("18.2.7"), or None; as Rook's
    cluster/version.go validateCephVersion says it: below the minimum, whatever allowUnsupported says;
    a release outside supportedVersions (by major) unless allowUnsupported."""
    numbers = tuple(int(x) for x in version.split(".")[:3])
    rules = rook_rules(rook_version)
    if numbers < rules["operator_minimum"]:
        return CONTRACT.VERSION_BELOW_MINIMUM % ceph_version_text(rules["operator_minimum"])
    if numbers[0] not in rules["operator_majors"] and not ceph_version_spec.get("allowUnsupported"):
        return CONTRACT.VERSION_NEEDS_ALLOW % ceph_version_text(numbers)
    return None


# The CephCluster spec fields the simulator carries out on a running cluster; a change of any other
# (mon, mgr, network, placement, resources, ...) is reported as not simulated, never as Ready.
SIMULATED_SPEC = ("cephVersion", "storage", "cleanupPolicy", "healthCheck", "skipUpgradeChecks",
                  "continueUpgradeAfterChecksEvenIfNotHealthy", "upgradeOSDRequiresHealthyPGs",
                  "waitTimeoutForHealthyOSDInMinutes", "external")


def unsimulated_spec(spec):
    """The part of a CephCluster spec the simulator does not carry out after creation."""
    return {k: v for k, v in (spec or {}).items() if k not in SIMULATED_SPEC}


def go_duration(text):
    """Seconds of a Go duration ("60s", "1m30s", "500ms"), or None when it is not one."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text or ""))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        return None
    return sum(float(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in parts)


def truncate_node_name(fmt, node_name, max_length=63):
    """k8sutil.TruncateNodeName: a node's name in ``fmt``, the name hashed (sha256, its first 16 bytes in
    hex) when the result would be longer than a DNS label."""
    if len(node_name) + len(fmt % "") > max_length:
        node_name = hashlib.sha256(node_name.encode()).hexdigest()[:32]
    return fmt % node_name


def is_loop(device):
    """A loop device (lsblk TYPE loop): the lab's disks all are."""
    return re.match(r"^loop\d+$", os.path.basename(device)) is not None


def image_tag(image):
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


class Operator:
    """One simulator for one lab: at most one managed CephCluster, any number of external ones."""

    def __init__(self, lab, kube, ceph=None):
        self.lab = lab
        self.kube = kube
        self.ceph = ceph if ceph is not None else cephlib.CephCluster(lab)
        self.rook_version = None
        self.cluster = None  # the CephCluster resource being served
        self._frozen = None  # (uid, generation) last logged as not orchestrated (cleanup confirmation set)
        self.last_health = 0
        self._checked_uid = None  # the CephCluster whose status checker runs (first check at once)
        self.operator_env = {}  # the Rook operator container's environment
        self.operator_config = {}  # the data of its ConfigMap rook-ceph-operator-config
        self._device_notes = {}  # (node, device): why the OSD prepare passed it over, as last logged
        self._secrets = {}  # (CephCluster uid, Secret name): the data last made sure of
        self._node_events = set()  # Nodes the node controller has to reconcile (crash collectors, exporters)
        self._node_daemons_uid = None  # (CephCluster uid, Rook version) whose Nodes were all reconciled (operator start)
        self._node_daemons_applied = {}  # node daemon Deployment name: the labels the simulator wrote
        self._obc_retry = {}  # claim uid: (failures, monotonic time of the next try): the work queue's back-off
        self._obc_done = {}  # claim uid: the generation bound (a claim is provisioned again when it changes)
        self.ready = False
        self.refused = {}  # (node, device): why Rook would not make an OSD on it
        self._unmatched = set()  # storage node names logged as matching no Node
        self.external_checked = {}  # external CephCluster uid: when its health was last read

    # --- helpers ---------------------------------------------------------------------------
    def _ensure_finalizer(self, obj, plural, finalizer, group=GROUP, version=VERSION):
        finalizers = obj["metadata"].get("finalizers") or []
        if finalizer not in finalizers:
            self.kube.patch(obj, {"metadata": {"finalizers": finalizers + [finalizer]}}, plural, group, version)

    def _drop_finalizer(self, obj, plural, finalizer, group=GROUP, version=VERSION):
        finalizers = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        self.kube.patch(obj, {"metadata": {"finalizers": finalizers or None}}, plural, group, version)

    def _status(self, obj, plural, status, group=GROUP, version=VERSION):
        old = obj.get("status") or {}
        merged = dict(old)
        merged.update(status)
        if merged != old:
            self.kube.patch_status(obj, status, plural, group, version)
            obj["status"] = merged

    @staticmethod
    def _details(cr, health):
        """status.ceph.details for a merge patch: the current checks, and null for each check the
        status still lists that has cleared (a merge patch keeps keys it does not name)."""
        details = {name: {"message": check["summary"]["message"], "severity": check["severity"]}
                   for name, check in (health.get("checks") or {}).items()}
        old = (((cr.get("status") or {}).get("ceph") or {}).get("details") or {})
        details.update({name: None for name in old if name not in details})
        return details

    def _blocked(self, cr, plural, reason, message, status=None):
        """A deletion that waits, as Rook reports it: condition DeletionIsBlocked with a reason."""
        previous = (cr.get("status") or {}).get("conditions")
        self._status(cr, plural, dict(status or {}, conditions=[
            condition("DeletionIsBlocked", "True", reason, message, previous)]))

    def _cluster_condition(self, cr, ctype, status, reason, message, observed=None, extra=None):
        """The CephCluster status as Rook's UpdateClusterCondition writes it (controller/conditions.go):
        the conditions Rook persists (reasons ClusterCreated / ClusterConnected, types Deleting and
        DeletionIsBlocked) are kept, any other dropped; this one added or updated; the phase is its
        type (never back from Deleting), the state follows (Error for a False one), the message is its
        message; observedGeneration is written only with Ready. ``extra``: more status fields."""
        rules = CONTRACT.CLUSTER_STATUS
        kept, current = [], None
        for old in (cr.get("status") or {}).get("conditions") or []:
            if old.get("reason") in rules["persisted_reasons"] or old.get("type") in rules["persisted_types"]:
                if old.get("type") != ctype:
                    kept.append(old)
                else:
                    current = dict(old)
        stamp = now()
        if current is None or current.get("status") != status or current.get("message") != message:
            transition = stamp
        else:
            transition = current.get("lastTransitionTime", stamp)
        unchanged = current is not None and transition != stamp and current.get("reason") == reason
        # the simulator writes a heartbeat only with another change (Rook: with each update)
        kept.append({"type": ctype, "status": status, "reason": reason, "message": message,
                     "lastHeartbeatTime": current.get("lastHeartbeatTime", stamp) if unchanged else stamp,
                     "lastTransitionTime": transition})
        update = dict(extra or {}, conditions=kept)
        if observed is not None and ctype == rules["observed_generation_with"]:
            update["observedGeneration"] = observed
        if (cr.get("status") or {}).get("phase") != "Deleting":
            update["phase"] = ctype
            update["state"] = rules["states"]["false"] if status == "False" else rules["states"].get(ctype, ctype)
            update["message"] = message
        self._status(cr, "cephclusters", update)

    def _cluster_failed(self, cr, message):
        """A failed CephCluster reconcile as Rook reports it (cluster/cluster.go initializeCluster):
        Progressing=False, reason ClusterProgressing, the error as the message; Rook retries it."""
        log("rooksim: failed to reconcile CephCluster %s: %s" % (cr["metadata"]["name"], message))
        failed = CONTRACT.CLUSTER_STATUS["failed"]
        self._cluster_condition(cr, failed["type"], failed["status"], failed["reason"], message)

    @staticmethod
    def _current(cr):
        """Ready for the spec it has now: nothing to reconcile."""
        status = cr.get("status") or {}
        return status.get("phase") == "Ready" and status.get("observedGeneration") == cr["metadata"].get("generation")

    @staticmethod
    def _deleting(obj):
        return bool(obj["metadata"].get("deletionTimestamp"))

    def _ceph_version_label(self, suite):
        return "%s-0" % cephlib.images.SUITES[suite]["ceph"]

    # --- the loop ----------------------------------------------------------------------------
    def run(self, interval=2.0):
        log("rooksim: operator for lab %r started" % self.lab)
        while True:
            try:
                self.reconcile_all()
            except Exception:  # keep serving; the next round retries  # pylint: disable=broad-except
                log("rooksim: reconcile failed:\n%s" % traceback.format_exc())
            time.sleep(interval)

    def ensure_nodes(self):
        """One Node per lab node, as its kubelet registers it: named after the host, labelled
        kubernetes.io/hostname (what Rook matches storage.nodes against, pkg/operator/k8sutil/node.go),
        kubernetes.io/os and arch (and their beta. forms), Ready while the node runs (Unknown when it is
        stopped, as when a kubelet stops posting its status)."""
        have = {n["metadata"]["name"]: n for n in self.kube.list_nodes()}
        for node in self.ceph.nodes():
            ready = {"type": "Ready", "status": "True", "reason": "KubeletReady",
                     "message": "kubelet is posting ready status (lab node)"} if node.running else \
                {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                 "message": "Kubelet stopped posting node status (lab node stopped)."}
            if node.name not in have:
                labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux",
                          "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                          "beta.kubernetes.io/arch": "amd64"}
                self.kube.create_node({"apiVersion": "v1", "kind": "Node",
                                       "metadata": {"name": node.name, "labels": labels}})
                self._node_events.add(node.name)  # the node controller sees a Node made
                log("rooksim: registered Node %s" % node.name)
            elif [c for c in (have[node.name].get("status") or {}).get("conditions") or []
                  if c.get("type") == "Ready" and c.get("status") == ready["status"]]:
                continue
            self.kube.patch_node_status(node.name, {
                "conditions": [ready],
                "addresses": [{"type": "InternalIP", "address": node.address}, {"type": "Hostname", "address": node.name}],
                "nodeInfo": node_info(node.name)})

    def storage_kube_nodes(self):
        """{lab node name: Node} of the Nodes Rook would place OSDs on: matched by their
        kubernetes.io/hostname label (or name), schedulable and Ready (k8sutil.GetValidNodes)."""
        valid = {}
        for obj in self.kube.list_nodes():
            meta = obj["metadata"]
            hostname = (meta.get("labels") or {}).get("kubernetes.io/hostname") or meta["name"]
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (obj.get("status") or {}).get("conditions") or [])
            if (obj.get("spec") or {}).get("unschedulable") or not ready:
                continue
            valid[hostname] = obj
            valid.setdefault(meta["name"], obj)
        return valid

    def reconcile_all(self):
        self.ensure_nodes()
        operators = self.kube.operator_deployments()
        if not operators:
            return
        self.read_operator(operators[0])
        clusters = []
        for obj in self.kube.list("cephclusters"):
            if ((obj.get("spec") or {}).get("external") or {}).get("enable"):
                try:
                    self.reconcile_external(obj)
                except LabError as exc:
                    log("rooksim: external CephCluster %s: %s" % (obj["metadata"]["name"], exc))
            else:
                clusters.append(obj)
        if not clusters:
            self.cluster = None
            return
        clusters.sort(key=lambda c: c["metadata"]["creationTimestamp"])
        for extra in clusters[1:]:
            self._status(extra, "cephclusters", {"phase": "Failed", "state": "Error",
                                                 "message": "the lab runs one CephCluster: %s/%s" % (
                                                     clusters[0]["metadata"]["namespace"],
                                                     clusters[0]["metadata"]["name"])})
        self.cluster = clusters[0]
        if self.ceph.exists:  # lab plumbing, whatever state the CephCluster is in
            self.ensure_toolbox(self.cluster["metadata"]["namespace"])
        self.reconcile_cluster(self.cluster)
        # While the cluster waits for its dependents to go, their deletions must still be served.
        if not self.ready and not (self._deleting(self.cluster) and self.ceph.exists):
            return
        ns = self.cluster["metadata"]["namespace"]
        for plural, method in (("cephblockpools", self.reconcile_pool),
                               ("cephblockpoolradosnamespaces", self.reconcile_radosnamespace),
                               ("cephfilesystems", self.reconcile_filesystem),
                               ("cephfilesystemsubvolumegroups", self.reconcile_subvolumegroup),
                               ("cephobjectstores", self.reconcile_objectstore),
                               ("cephobjectstoreusers", self.reconcile_objectuser),
                               ("cephclients", self.reconcile_client)):
            for obj in self.kube.list(plural):
                if obj["metadata"]["namespace"] != ns:
                    continue
                try:
                    method(obj)
                except LabError as exc:
                    log("rooksim: %s %s: %s" % (plural, obj["metadata"]["name"], exc))
                    self._status(obj, plural, {"phase": "Failure", "message": str(exc)[:500]})
                except Exception:  # one resource's failure must not stop the others  # pylint: disable=broad-except
                    log("rooksim: %s %s failed:\n%s" % (plural, obj["metadata"]["name"], traceback.format_exc()))
        for obc in self.kube.list("objectbucketclaims", OBC_GROUP, OBC_VERSION):
            try:
                self.reconcile_obc(obc)
            except LabError as exc:
                log("rooksim: OBC %s: %s" % (obc["metadata"]["name"], exc))

    # --- CephCluster ---------------------------------------------------------------------------
    def reconcile_cluster(self, cr):
        plural, finalizer = "cephclusters", KINDS["cephclusters"]
        spec = cr.get("spec") or {}
        if self._deleting(cr):
            self.delete_cluster(cr)
            return
        self._ensure_finalizer(cr, plural, finalizer)
        if (spec.get("cleanupPolicy") or {}).get("confirmation") == CLEANUP_CONFIRMATION:
            # Rook's reconcileCephCluster returns at once while the cleanup policy is set
            # (pkg/operator/ceph/cluster/controller.go; predicate.go does not even reload on a spec
            # change): nothing is orchestrated and the status is left as it is, observedGeneration too.
            frozen = (cr["metadata"]["uid"], cr["metadata"].get("generation"))
            if self._frozen != frozen:
                log("rooksim: skipping orchestration for cluster object %s in namespace %s because its cleanup "
                    "policy is set" % (cr["metadata"]["name"], cr["metadata"]["namespace"]))
                self._frozen = frozen
            return
        self._frozen = None
        try:
            version, suite = cephlib.suite_for_image((spec.get("cephVersion") or {}).get("image", ""))
            refusal = unsupported(version, spec.get("cephVersion") or {}, self.rook_version)
        except LabError as exc:
            self._cluster_failed(cr, CONTRACT.VERSION_CHECK_PREFIX + str(exc))
            return
        if refusal is None and self.ceph.exists and all(self.ceph.running(n) for n in self.ceph.state["daemons"]):
            refusal = self.upgrade_refusal(cr, suite)
        if refusal:
            self._cluster_failed(cr, CONTRACT.VERSION_CHECK_PREFIX + refusal)
            return
        # Rook writes the version of the spec's image once it is validated, before any daemon
        # restarts (cluster/version.go detectAndValidateCephVersion -> updateClusterCephVersion)
        self._status(cr, plural, {"version": {"image": spec["cephVersion"]["image"],
                                              "version": self._ceph_version_label(suite)}})
        try:
            if not self.ceph.exists:
                self.ready = False
                self.create_cluster(cr, suite)
            elif not all(self.ceph.running(name) for name in self.ceph.state["daemons"]):
                # a cluster deleted without cleanupPolicy (its data kept, as under Rook's
                # dataDirHostPath) comes back when a CephCluster asks for it; a daemon that died is
                # restarted, as its Deployment would be
                self._progress(cr, "Starting the Ceph daemons")
                self.ceph.start_all()
                self.ensure_toolbox(cr["metadata"]["namespace"])
            self.ensure_osds(cr)
            self.roll(cr, suite, version)
        except LabError as exc:
            # Rook: the reconcile fails with the error, is reported and retried (cluster/cluster.go)
            self.ready = False
            self._cluster_failed(cr, str(exc))
            return
        self.ensure_cluster_secrets(cr)
        self.ensure_node_daemon_keyrings(cr)
        self.ensure_deployments(cr)
        self.update_cluster_status(cr)

    def _progress(self, cr, message):
        log("rooksim: %s" % message)
        self._cluster_condition(cr, "Progressing", "True", CONTRACT.CLUSTER_STATUS["progressing_reason"], message)

    def upgrade_refusal(self, cr, suite):
        """Rook's upgrade gate (cluster/version.go validateCephVersion): when the image's version
        differs from the running daemons', a cluster whose health is not HEALTH_OK or HEALTH_WARN is
        not upgraded unless skipUpgradeChecks (continueUpgradeAfterChecksEvenIfNotHealthy does not
        pass this gate in Rook's code, whatever Upgrade/health-verification.md says)."""
        if not any(d["suite"] != suite for d in self.ceph.state["daemons"].values()):
            return None
        if self.ceph.status()["health"]["status"] in CONTRACT.UPGRADE_HEALTHY or cr["spec"].get("skipUpgradeChecks"):
            return None
        return CONTRACT.UPGRADE_UNHEALTHY % cr["metadata"]["namespace"]

    def missing_service_accounts(self, namespace):
        """The ServiceAccounts Rook's pods of a CephCluster run as (common.yaml's cluster part) that its
        namespace lacks."""
        return [name for name in CONTRACT.CLUSTER_SERVICE_ACCOUNTS
                if self.kube.read("service_account", namespace, name) is None]

    def create_cluster(self, cr, suite):
        spec = cr["spec"]
        ns = cr["metadata"]["namespace"]
        missing = self.missing_service_accounts(ns)
        if missing:
            # Rook's mon pods (and its version job before them) are refused by the API's ServiceAccount
            # admission: no daemon ever starts and the reconcile fails, retried
            raise LabError("failed to start ceph monitors: the pods cannot be created: error looking up service "
                           "account %s/%s: serviceaccount \"%s\" not found (missing in namespace %s: %s; Rook's "
                           "common.yaml makes them for the cluster namespace)" % (
                               ns, missing[0], missing[0], ns, ", ".join(missing)))
        all_nodes = [n for n in self.ceph.nodes() if n.running]
        count = int((spec.get("mon") or {}).get("count", 3))
        if count > len(all_nodes) and not (spec.get("mon") or {}).get("allowMultiplePerNode"):
            # cluster/cluster.go preClusterStartValidation
            raise LabError("failed to perform validation before cluster creation: cannot start %d mons on %d node(s) "
                           "when allowMultiplePerNode is false" % (count, len(all_nodes)))
        self._progress(cr, "Configuring Ceph Mons")
        self.ceph.create([all_nodes[i % len(all_nodes)] for i in range(count)], suite=suite,
                         fsid=None)
        # Rook's toolbox follows the mon endpoints as soon as they exist (toolbox.sh watches the
        # rook-ceph-mon-endpoints ConfigMap): the lab's exec annotation follows the new cluster now
        self.ensure_toolbox(ns)
        self.ensure_cluster_secrets(cr)  # Rook's postMonStartupActions, before the mgrs
        self.ensure_node_daemon_keyrings(cr)
        self._progress(cr, "Configuring Ceph Mgr(s)")
        mgrs = int((spec.get("mgr") or {}).get("count", 2))
        for index in range(mgrs):
            self.ceph.add_mgr(chr(ord("a") + index), all_nodes[index % len(all_nodes)])
        for module in (spec.get("mgr") or {}).get("modules") or []:
            if module.get("name") and module.get("enabled") and module["name"] != "rook":
                self.ceph.ceph("mgr", "module", "enable", module["name"], "--force", check=False)
        self.ensure_deployments(cr)

    # operator settings
    def read_operator(self, deployment):
        """The Rook version (the operator image's tag) and settings (its container's environment, its
        ConfigMap) of the operator's Deployment."""
        containers = deployment["spec"]["template"]["spec"]["containers"]
        self.rook_version = image_tag(containers[0]["image"])
        self.operator_env = {e["name"]: e["value"] for e in containers[0].get("env") or []
                             if "name" in e and e.get("value") is not None}
        config = self.kube.read("config_map", deployment["metadata"]["namespace"], CONTRACT.OPERATOR_CONFIG["configmap"])
        self.operator_config = dict((config or {}).get("data") or {})

    def operator_setting(self, name, default):
        """k8sutil.GetOperatorSetting: the operator's ConfigMap (rook-ceph-operator-config in its
        namespace), else its container's environment, else the default."""
        if name in self.operator_config:
            return self.operator_config[name]
        return self.operator_env.get(name, default)

    def loop_devices_allowed(self):
        """ROOK_CEPH_ALLOW_LOOP_DEVICES read as Rook's SetAllowLoopDevices reads it (strconv.ParseBool;
        an invalid value is false)."""
        setting = CONTRACT.LOOP_DEVICES["setting"]
        text = self.operator_setting(setting, CONTRACT.LOOP_DEVICES["default"])
        if text in CONTRACT.GO_TRUE:
            return True
        if text not in CONTRACT.GO_FALSE:
            self._note(("operator", setting), "%s is set to an invalid value %s, set the default value false" % (setting, text))
        return False

    def _note(self, key, text):
        """A log line about a device (or setting) once, and again only when it says something else."""
        if self._device_notes.get(key) != text:
            self._device_notes[key] = text
            log("rooksim: %s" % text)

    # storage selection as Rook does it
    def wanted_devices(self, cr):
        """[(node, device path)] that spec.storage names on the lab's nodes and Rook's OSD prepare would
        take. The lab's disks are loop devices: without ROOK_CEPH_ALLOW_LOOP_DEVICES the prepare does not
        discover them (pkg/clusterd/disk.go), and with it they are used only when named in `devices`
        (pkg/daemon/ceph/osd/daemon.go getAvailableDevices: never by useAllDevices, deviceFilter or
        devicePathFilter). Each such skip is logged with Rook's words; the status says nothing of it."""
        storage = cr["spec"].get("storage") or {}
        lab_nodes = {n.name: n for n in self.ceph.nodes() if n.running}
        kube_nodes = self.storage_kube_nodes()
        loops = self.loop_devices_allowed()
        wanted = []
        if storage.get("useAllNodes", False) or not storage.get("nodes"):
            entries = [{"name": name} for name in sorted(lab_nodes) if name in kube_nodes] \
                if storage.get("useAllNodes", False) else []
        else:
            entries = storage.get("nodes") or []
        for entry in entries:
            kube_node = kube_nodes.get(entry.get("name"))
            if kube_node is None:
                # Rook: only a warning in its log, and no OSD on that node (k8sutil.GetKubernetesNodesMatchingRookNodes)
                if entry.get("name") not in self._unmatched:
                    log("rooksim: failed to find matching kubernetes node for %r. Check the CephCluster's config and "
                        "confirm each 'name' field in spec.storage.nodes matches their 'kubernetes.io/hostname' label"
                        % entry.get("name"))
                    self._unmatched.add(entry.get("name"))
                continue
            hostname = (kube_node["metadata"].get("labels") or {}).get("kubernetes.io/hostname") or \
                kube_node["metadata"]["name"]
            node = lab_nodes.get(hostname)
            if node is None:
                continue  # a Node that is no lab storage host (the API's own lab-node): its prepare job finds no disk
            devices = entry.get("devices") if "devices" in entry else storage.get("devices") if not storage.get(
                "useAllNodes") else None
            use_all = entry.get("useAllDevices", storage.get("useAllDevices", False))
            dev_filter = entry.get("deviceFilter", storage.get("deviceFilter"))
            path_filter = entry.get("devicePathFilter", storage.get("devicePathFilter"))
            if devices:
                for dev in devices:
                    name = dev["name"]
                    path = name if name.startswith("/dev/") else "/dev/" + name
                    if is_loop(path) and not loops:
                        self._note((node.name, path), "skipping device %s on %s: unsupported diskType loop (%s is not "
                                   "true)" % (path, node.name, CONTRACT.LOOP_DEVICES["setting"]))
                        continue
                    wanted.append((node, path))
            elif use_all or dev_filter or path_filter:
                picked_by = "deviceFilter" if dev_filter else "devicePathFilter" if path_filter else "useAllDevices: true"
                for disk in node.disks:
                    if is_loop(disk):
                        if not loops:
                            self._note((node.name, disk), "skipping device %s on %s: unsupported diskType loop (%s is "
                                       "not true)" % (disk, node.name, CONTRACT.LOOP_DEVICES["setting"]))
                        else:
                            self._note((node.name, disk), "loop device %s on %s is not picked by `%s`. please specify "
                                       "the exact device name (e.g. /dev/loop0) in `devices` field instead"
                                       % (disk, node.name, picked_by))
                        continue
                    if dev_filter and not re.search(dev_filter, os.path.basename(disk)):
                        continue
                    if path_filter and not dev_filter and not re.search(path_filter, disk):
                        continue
                    wanted.append((node, disk))
        return wanted

    def ensure_osds(self, cr):
        todo, report = [], {}
        for node, device in self.wanted_devices(cr):
            if self.ceph.osd_on(node, device) is not None:
                continue
            key = (node.name, device)
            if key in self.refused:
                continue
            ok, reason = self.ceph.device_verdict(node, device)
            if ok and reason is None:
                todo.append((node, device))
            elif not ok:
                log("rooksim: skipping device %s on %s: %s" % (device, node.name, reason))
                self.refused[key] = reason
                report.setdefault(node.name, []).append({"device": device, "skipped": reason})
        ns = cr["metadata"]["namespace"]
        for node_name, skipped in report.items():
            self.kube.apply("config_map", ns, {
                "metadata": {"name": "rook-ceph-osd-%s-status" % node_name, "namespace": ns,
                             "labels": {"app": "rook-ceph-osd-prepare", "node": node_name}},
                "data": {"status": json.dumps({"status": "completed", "skipped": skipped})}})
        if not todo:
            return
        self.ready = False
        self._progress(cr, "Configuring Ceph OSDs")
        cephlib.prepare_osds(self.ceph, todo)
        self.ceph.wait_osds_up(len(self.ceph.state["osds"]))
        self.ensure_deployments(cr)

    # deployments
    def daemon_labels(self, cr, daemon):
        ns = cr["metadata"]["namespace"]
        kind, ident = daemon["type"], daemon["id"]
        if kind == "rgw":
            # one Deployment per object store, its daemon id the store's name (object/spec.go getLabels)
            ident = daemon.get("store", "")
        labels = {"app": "rook-ceph-%s" % kind, "rook_cluster": ns, "ceph_daemon_type": kind,
                  "ceph_daemon_id": ident, kind: ident, "rook-version": self.rook_version or "v1.20.6",
                  "ceph-version": self._ceph_version_label(daemon["suite"]), "app.kubernetes.io/part-of": ns,
                  "rook.io/operator-namespace": ns}
        if kind == "osd":
            labels["topology-location-host"] = daemon["node"]
        if kind == "mds":
            labels["rook_file_system"] = daemon.get("fs", "")
        if kind == "rgw":
            labels["rook_object_store"] = daemon.get("store", "")
        return labels

    @staticmethod
    def deployment_name(daemon):
        kind, ident = daemon["type"], daemon["id"]
        if kind == "rgw":
            # Rook's rgw.go: one Deployment rook-ceph-rgw-<store>-a whose replicas are gateway.instances
            return "rook-ceph-rgw-%s-a" % daemon.get("store", "")
        return "rook-ceph-%s-%s" % (kind, ident)

    def _image_for(self, suite, cr):
        image = (cr["spec"].get("cephVersion") or {}).get("image", "")
        version = cephlib.images.SUITES[suite]["ceph"]
        return image if version in image else "quay.io/ceph/ceph:v%s" % version

    def _daemon_deployment(self, cr, daemon):
        """The Deployment of one daemon (its node, the exec prefix into its chroot, Rook's labels)."""
        ns = cr["metadata"]["namespace"]
        node = self.ceph.node(daemon["node"])
        labels = self.daemon_labels(cr, daemon)
        exec_prefix = ["nsenter", "-t", str(node.init_pid), "-m", "-n", "-u", "--", "chroot",
                       self.ceph.root(daemon["suite"])]
        select = {"app": labels["app"], "rook_cluster": ns, "ceph_daemon_id": labels["ceph_daemon_id"]}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": self.deployment_name(daemon), "namespace": ns, "labels": labels,
                             "ownerReferences": [self._owner(cr)]},
                "spec": {"replicas": 1, "selector": {"matchLabels": select}, "strategy": {"type": "Recreate"},
                         "template": {
                             "metadata": {"labels": labels, "annotations": {EXEC_ANNOTATION: json.dumps(
                                 {"prefix": exec_prefix, "env": self.ceph.env(), "cwd": "/"})}},
                             "spec": {"nodeName": node.name,
                                      "serviceAccountName": CONTRACT.DAEMON_SERVICE_ACCOUNTS[daemon["type"]],
                                      "containers": [{
                                          "name": daemon["type"], "image": self._image_for(daemon["suite"], cr),
                                          "command": ["ceph-%s" % daemon["type"] if daemon["type"] != "rgw"
                                                      else "radosgw"]}]}}}}

    def ensure_deployments(self, cr):
        """A Deployment per daemon (per object store for radosgws: replicas = its instances, the pods
        in the first instance's node) with Rook's labels; the ones of daemons gone are deleted."""
        ns = cr["metadata"]["namespace"]
        wanted, suites = {}, {}
        for dummy, daemon in sorted(self.ceph.state["daemons"].items()):
            dep_name = self.deployment_name(daemon)
            if dep_name in wanted:  # another radosgw of the same store
                replicas = wanted[dep_name]["spec"]["replicas"] + 1
                if suites[dep_name] != daemon["suite"] == self.ceph.state.get("suite"):
                    # mid-roll: the Deployment shows the release until its last instance is restarted
                    wanted[dep_name], suites[dep_name] = self._daemon_deployment(cr, daemon), daemon["suite"]
                wanted[dep_name]["spec"]["replicas"] = replicas
                continue
            wanted[dep_name], suites[dep_name] = self._daemon_deployment(cr, daemon), daemon["suite"]
        existing = {d["metadata"]["name"]: d for d in self.kube.list_deployments(ns, "rook_cluster=%s" % ns)}
        pods_moved = set()  # Nodes where a Ceph pod is made or goes: the node controller's events
        for dep_name, body in wanted.items():
            old = existing.get(dep_name)
            if old is None or old["metadata"].get("labels") != body["metadata"]["labels"] or \
                    old["spec"].get("replicas") != body["spec"]["replicas"] or \
                    old["spec"]["template"]["spec"]["containers"][0]["image"] != \
                    body["spec"]["template"]["spec"]["containers"][0]["image"]:
                self.kube.apply_deployment(ns, body)
                pods_moved.add(body["spec"]["template"]["spec"]["nodeName"])
                if old is not None:
                    pods_moved.add(old["spec"]["template"]["spec"].get("nodeName"))
        for dep_name, old in existing.items():
            if dep_name not in wanted and old["metadata"].get("labels", {}).get("ceph_daemon_type"):
                self.kube.delete_deployment(ns, dep_name)
                pods_moved.add(old["spec"]["template"]["spec"].get("nodeName"))
        self.ensure_node_daemons(cr, existing, pods_moved - {None})

    # the node controller (pkg/operator/ceph/cluster/nodedaemon): crash collectors and exporters
    def node_daemon_deployment(self, cr, kind, node, version):
        """The Deployment Rook's createOrUpdateCephCrash / createOrUpdateCephExporter makes for a Node."""
        daemon = CONTRACT.NODE_DAEMONS[kind]
        ns, spec = cr["metadata"]["namespace"], cr.get("spec") or {}
        hostname = (node["metadata"].get("labels") or {})["kubernetes.io/hostname"]
        labels = {"kubernetes.io/hostname": hostname, "app": daemon["app"], "node_name": node["metadata"]["name"]}
        if kind == "crashcollector":
            labels["crash"] = "crash"  # config.CrashType
        labels.update({"ceph_daemon_id": daemon["daemon_id"], "rook_cluster": ns})
        selector = {k: labels[k] for k in ("kubernetes.io/hostname", "app", "node_name")}
        for key, value in ((spec.get("labels") or {}).get(kind) or {}).items():
            labels.setdefault(key, value)  # cephv1.GetCrashCollectorLabels / GetCephExporterLabels: ApplyToObjectMeta
        labels["ceph-version"] = version
        pod_labels = dict(labels)  # crash.go copies them before the rook-version; exporter.go after it
        labels["rook-version"] = self.rook_version or "v1.20.6"
        if kind == "exporter":
            pod_labels = dict(labels)
        image = (spec.get("cephVersion") or {}).get("image", "")
        container = {"name": "ceph-crash", "image": image, "command": ["ceph-crash"]} if kind == "crashcollector" else \
            {"name": "ceph-exporter", "image": image, "command": ["ceph-exporter"],
             "args": ["--sock-dir", "/run/ceph", "--port", "9926", "--prio-limit", "5", "--stats-period", "5"]}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": truncate_node_name(daemon["name"], hostname), "namespace": ns, "labels": labels,
                             "ownerReferences": [self._owner(cr)]},
                "spec": {"replicas": 1, "selector": {"matchLabels": selector},
                         "strategy": {"type": "Recreate" if kind == "exporter" else "RollingUpdate"},
                         "template": {"metadata": {"labels": pod_labels},
                                      "spec": {"nodeSelector": {"kubernetes.io/hostname": hostname},
                                               "serviceAccountName": CONTRACT.DAEMON_SERVICE_ACCOUNTS[kind],
                                               "containers": [container]}}}}

    def ensure_node_daemons(self, cr, existing, pods_moved=()):
        """Rook's node controller (nodedaemon/reconcile.go), for the Nodes an event concerns: every Node
        when the operator starts (here: the simulator's first reconcile of the CephCluster, and a new
        operator version), a Node where a Ceph
        pod is made or goes (``pods_moved``), a Node made, a Node whose crash collector Deployment was
        changed or deleted by someone else (add.go watches those, not the exporters). For each: a crash
        collector and an exporter Deployment while the Node runs a Ceph daemon of the cluster, none when it
        runs none. crashCollector.disable removes every crash collector, and only then does
        monitoring.metricsDisabled remove the exporters (reconcile.go: removeDisabledCrashCollectorDaemons
        && removeDisabledCephExporterDaemons; with only metricsDisabled, no exporter is made or updated but
        the existing ones stay). Nothing happens until the crash collector's keyring Secret exists (retried)
        or while status.version is not of the spec's image (Rook logs it and waits for the next event). The
        Deployments' ceph-version is status.version: it follows a roll Node by Node, as each Node's first
        daemon is restarted. No ceph-crash or ceph-exporter process runs in the lab."""
        ns, uid = cr["metadata"]["namespace"], cr["metadata"]["uid"]
        spec = cr.get("spec") or {}
        kube_nodes = {n["metadata"]["name"]: n for n in self.kube.list_nodes()}
        events = set(pods_moved)
        if self._node_daemons_uid != (uid, self.rook_version):  # a new operator (or CephCluster): every Node
            events |= set(kube_nodes)
            self._node_daemons_uid, self._node_daemons_applied = (uid, self.rook_version), {}
        apps = {d["app"]: kind for kind, d in CONTRACT.NODE_DAEMONS.items()}
        mine = {name: dep for name, dep in existing.items() if (dep["metadata"].get("labels") or {}).get("app") in apps}
        for name, labels in list(self._node_daemons_applied.items()):
            dep = mine.get(name)
            if labels.get("app") == CONTRACT.NODE_DAEMONS["crashcollector"]["app"] and (
                    dep is None or dep["metadata"].get("labels") != labels):
                events.add(labels.get("node_name"))
        self._node_events |= events - {None}
        if not self._node_events:
            return

        def remove(kind, node_name=None):
            for name, dep in mine.items():
                labels = dep["metadata"].get("labels") or {}
                if labels.get("app") == CONTRACT.NODE_DAEMONS[kind]["app"] and node_name in (None, labels.get("node_name")):
                    self.kube.delete_deployment(ns, name)
                    self._node_daemons_applied.pop(name, None)

        def disabled(kind):
            section, field = CONTRACT.NODE_DAEMONS[kind]["disabled_by"]
            return bool((spec.get(section) or {}).get(field))
        if disabled("crashcollector"):
            remove("crashcollector")
            if disabled("exporter"):
                remove("exporter")
                self._node_events.clear()
                return
        if self.kube.read("secret", ns, CONTRACT.NODE_DAEMONS["crashcollector"]["keyring_secret"]) is None:
            return  # Rook: requeued after 30 s
        version = ((cr.get("status") or {}).get("version") or {})
        if version.get("image") != (spec.get("cephVersion") or {}).get("image") or not version.get("version"):
            log("rooksim: ceph version not found for image %r used by cluster %r in namespace %r" % (
                (spec.get("cephVersion") or {}).get("image"), cr["metadata"]["name"], ns))
            self._node_events.clear()
            return
        numbers = tuple(int(x) for x in re.findall(r"\d+", version["version"])[:3])
        ceph_nodes = {d["node"] for d in self.ceph.state["daemons"].values()
                      if "rook-ceph-%s" % d["type"] in CONTRACT.NODE_DAEMON_CEPH_APPS}
        retry = set()
        for node_name in sorted(self._node_events):
            node = kube_nodes.get(node_name)
            if node is None or node_name not in ceph_nodes:
                remove("crashcollector", node_name)
                remove("exporter", node_name)
                continue
            if "kubernetes.io/hostname" not in (node["metadata"].get("labels") or {}):
                log('rooksim: label key "kubernetes.io/hostname" does not exist on node %r' % node_name)
                retry.add(node_name)
                continue
            for kind in CONTRACT.NODE_DAEMONS:
                minimum = CONTRACT.NODE_DAEMONS[kind].get("minimum_ceph")
                if disabled(kind) or (minimum and numbers < minimum):
                    continue
                body = self.node_daemon_deployment(cr, kind, node, version["version"])
                old = mine.get(body["metadata"]["name"])
                if old is None or old["metadata"].get("labels") != body["metadata"]["labels"] or \
                        old["spec"]["template"]["spec"]["containers"][0]["image"] != \
                        body["spec"]["template"]["spec"]["containers"][0]["image"]:
                    self.kube.apply_deployment(ns, body)
                self._node_daemons_applied[body["metadata"]["name"]] = body["metadata"]["labels"]
        self._node_events = retry

    @staticmethod
    def _owner(cr):
        return {"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": "CephCluster", "name": cr["metadata"]["name"],
                "uid": cr["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}

    # the cephx users and Secrets Rook makes once the mons run (cluster/cluster.go postMonStartupActions)
    def _cephx_key(self, entity, caps):
        """The key of ``entity`` with ``caps`` ((kind, cap), ...): its caps set when it exists, else made
        (csi/secrets.go createCSIKeyring: AuthGetKey, then AuthUpdateCaps or AuthGetOrCreateKey)."""
        flat = [word for pair in caps for word in pair]
        rc, out, dummy = self.ceph.mon("auth get", entity=entity, check=False)
        if rc == 0 and out:
            self.ceph.mon("auth caps", entity=entity, caps=flat)
            return out[0]["key"]
        return self.ceph.mon("auth get-or-create-key", entity=entity, caps=flat)["key"]

    def _cluster_secret(self, cr, name, data):
        """A Secret of type kubernetes.io/rook owned by the CephCluster, written when its data differs."""
        ns = cr["metadata"]["namespace"]
        data = {k: b64(v) for k, v in data.items()}
        key = (cr["metadata"]["uid"], name)
        if self._secrets.get(key) == data:
            return
        old = self.kube.read("secret", ns, name)
        if old is None or (old.get("data") or {}) != data:
            self.kube.apply("secret", ns, {"metadata": {"name": name, "namespace": ns, "ownerReferences": [self._owner(cr)]},
                                           "type": "kubernetes.io/rook", "data": data})
        self._secrets[key] = data

    def ensure_cluster_secrets(self, cr):
        """The CSI drivers' cephx users, with Rook's caps, and their Secrets rook-csi-{rbd,cephfs}-
        {provisioner,node} (userID/userKey for RBD, adminID/adminKey for CephFS; csi/secrets.go). None
        with spec.csi.skipUserCreation: the ones the CephCluster owns are removed then. Made once per
        CephCluster and simulator run, again after a key rotation. The keys are of the cluster's default
        type: spec.security.cephx.csi.keyType (aes in Rook's cluster.yaml, which Tentacle refuses to make
        unless told to allow insecure keys) is not simulated."""
        ns = cr["metadata"]["namespace"]
        if ((cr.get("spec") or {}).get("csi") or {}).get("skipUserCreation"):
            for name in CONTRACT.CSI_SECRETS:
                old = self.kube.read("secret", ns, name)
                if old and any(r.get("uid") == cr["metadata"]["uid"] for r in old["metadata"].get("ownerReferences") or []):
                    self.kube.delete("secret", ns, name)
                self._secrets.pop((cr["metadata"]["uid"], name), None)
            return
        for name, (entity, id_key, key_key, caps) in sorted(CONTRACT.CSI_SECRETS.items()):
            if (cr["metadata"]["uid"], name) in self._secrets:
                continue
            key = self._cephx_key(entity, caps)
            self._cluster_secret(cr, name, {id_key: entity[len("client."):], key_key: key})

    def ensure_node_daemon_keyrings(self, cr):
        """The crash collector's and the exporter's cephx users and keyring Secrets (nodedaemon/keyring.go:
        rook-ceph-crash-collector-keyring, rook-ceph-exporter-keyring, data `keyring` in Rook's template),
        made by the cluster reconcile whether or not the daemons are disabled."""
        for daemon in CONTRACT.NODE_DAEMONS.values():
            name = daemon["keyring_secret"]
            if (cr["metadata"]["uid"], name) in self._secrets:
                continue
            key = self._cephx_key(daemon["user"], daemon["caps"])
            keyring = "\n[%s]\n\tkey = %s\n" % (daemon["user"], key) + "".join(
                '\tcaps %s = "%s"\n' % pair for pair in daemon["caps"])
            self._cluster_secret(cr, name, {"keyring": keyring})

    def toolbox_exec(self):
        return json.dumps({"prefix": self.ceph.prefix(), "env": self.ceph.env(), "cwd": "/"})

    def ensure_toolbox(self, ns):
        """Rook's operator never makes the toolbox: the user applies deploy/examples/toolbox.yaml (the
        rook_cluster role does). What the lab adds to an applied one (Deployments labelled
        app=rook-ceph-tools in the cluster's namespace): the exec annotation on its pod template, so
        `kubectl exec deploy/rook-ceph-tools -- ceph ...` runs in the lab's Ceph chroot (its pods' own
        volumes and script are not run)."""
        want = self.toolbox_exec()
        for dep in self.kube.list_deployments(ns, "app=%s" % TOOLBOX_APP):
            annotations = (dep["spec"]["template"].get("metadata") or {}).get("annotations") or {}
            if annotations.get(EXEC_ANNOTATION) != want:
                self.kube.patch_deployment(ns, dep["metadata"]["name"], {
                    "spec": {"template": {"metadata": {"annotations": {EXEC_ANNOTATION: want}}}}})

    # status
    def unsimulated_changes(self, cr):
        """The spec fields outside SIMULATED_SPEC that differ from what the cluster was made with
        (the baseline is kept in the lab's Ceph state, per CephCluster uid: a CephCluster applied
        again over a kept cluster starts a new one)."""
        baseline = self.ceph.state.get("rook_spec") or {}
        current = unsimulated_spec(cr.get("spec"))
        if baseline.get("uid") != cr["metadata"]["uid"]:
            self.ceph.state["rook_spec"] = {"uid": cr["metadata"]["uid"], "spec": current}
            self.ceph.save()
            return []
        old = baseline["spec"]
        return sorted(k for k in set(old) | set(current) if old.get(k) != current.get(k))

    def status_interval(self, cr):
        """(seconds, disabled) of Rook's ceph status checker for ``cr`` (cluster/cephstatus.go
        newCephStatusChecker): the operator's ROOK_CEPH_STATUS_CHECK_INTERVAL, else the CephCluster's
        healthCheck.daemonHealth.status.interval, else 60 s."""
        status_check = (((cr.get("spec") or {}).get("healthCheck") or {}).get("daemonHealth") or {}).get("status") or {}
        interval = go_duration(self.operator_env.get(CONTRACT.STATUS_CHECK["env"])) or \
            go_duration(status_check.get("interval")) or CONTRACT.STATUS_CHECK["default_seconds"]
        return interval, bool(status_check.get("disabled"))

    def update_cluster_status(self, cr):
        """The Ready condition once the orchestration is done (written again for each new
        generation), and status.ceph as Rook's status checker writes it: at once when it starts
        for a cluster, then every status_interval."""
        interval, disabled = self.status_interval(cr)
        uid = cr["metadata"]["uid"]
        check_due = not disabled and (self._checked_uid != uid or time.monotonic() - self.last_health >= interval)
        if self.ready and not check_due and self._current(cr):
            return
        status = self.ceph.status()
        health = status["health"]
        extra = {}
        if check_due:
            df = self.ceph.mon("df", timeout=30)
            stats = df.get("stats", {})
            self.last_health, self._checked_uid = time.monotonic(), uid
            extra["ceph"] = {"health": health["status"], "details": self._details(cr, health), "lastChecked": now(),
                             "fsid": self.ceph.fsid, "versions": self.ceph.versions(),
                             "capacity": {"bytesTotal": stats.get("total_bytes", 0),
                                          "bytesUsed": stats.get("total_used_raw_bytes", 0),
                                          "bytesAvailable": stats.get("total_avail_bytes", 0), "lastUpdated": now()}}
        unapplied = self.unsimulated_changes(cr)
        pgs_clean = cephlib.pg_clean_all(status)
        osd_count = len(self.ceph.state["osds"])
        classes = sorted({o.get("device_class", "hdd") for o in self.ceph.state["osds"].values()})
        extra["storage"] = {"deviceClasses": [{"name": c} for c in classes], "osd": {"storeType": {"bluestore": osd_count}}}
        # The simulator calls the orchestration done (Rook: reconcileCephDaemons returned) once the
        # OSDs are up and, the first time, their PGs clean; a HEALTH_ERR later does not undo it.
        if unapplied and (self.ready or osd_count):
            self.ready = True
            self._cluster_condition(
                cr, "Progressing", "False", CONTRACT.CLUSTER_STATUS["progressing_reason"],
                "not simulated: the lab's Rook simulator does not carry out a change of spec.%s on a running cluster "
                "(docs/lab-rook-simulator.md); generation %s is not reconciled" % (
                    ", spec.".join(unapplied), cr["metadata"].get("generation")), extra=extra)
        elif self.ready or (health["status"] in CONTRACT.UPGRADE_HEALTHY and pgs_clean and osd_count):
            self.ready = True
            ready = CONTRACT.CLUSTER_STATUS["ready"]
            self._cluster_condition(cr, ready["type"], "True", ready["reason"], ready["message"],
                                    observed=cr["metadata"].get("generation", 1), extra=extra)
        else:
            message = "Configuring Ceph OSDs" if not osd_count \
                else "Waiting for the cluster to be healthy (%s)" % health["status"]
            self._cluster_condition(cr, "Progressing", "True", CONTRACT.CLUSTER_STATUS["progressing_reason"], message,
                                    extra=extra)

    # Ceph image change: restart the daemons one by one with the new release's binaries
    def roll(self, cr, suite, version):
        """Rook's Ceph upgrade, once upgrade_refusal let it start: mons, mgrs, OSDs (noout set),
        MDSes and radosgws restarted with the new release, the Deployment's image and ceph-version
        label updated as each daemon comes back; then `require-osd-release`. The gates, as Rook has
        them (daemon/ceph/client/upgrade.go, cluster/osd/update.go), none with skipUpgradeChecks:
        - mon and mds: ok-to-stop, retried (Rook: 10 times, every 60 s; here every second for 10
          minutes), the reconcile failing after; mons under 3 are not checked;
        - osd: `osd ok-to-stop <id> --max osdMaxUpdatesInParallel` (default 20) names the OSDs
          restarted together; not checked under 3 OSDs or all on one host (then one at a time). An
          OSD not ok-to-stop within waitTimeoutForHealthyOSDInMinutes (default 10) is restarted
          anyway with continueUpgradeAfterChecksEvenIfNotHealthy, else left for the next reconcile;
          upgradeOSDRequiresHealthyPGs holds the OSDs until every PG is clean.
        On Tentacle the simulator then rotates the Reef-era cephx keys (rotate_cephx_keys): its
        own choice, see docs/lab-rook-simulator.md."""
        spec = cr["spec"]
        daemons = self.ceph.state["daemons"]
        stale = [n for n, d in daemons.items() if d["suite"] != suite]
        if not stale:
            return
        skip = bool(spec.get("skipUpgradeChecks"))
        self.ready = False
        self._progress(cr, "Upgrading Ceph to %s" % version)
        order = {"mon": 0, "mgr": 1, "osd": 2, "mds": 3, "rgw": 4}
        stale.sort(key=lambda n: (order[daemons[n]["type"]], n))
        osds = [n for n in stale if daemons[n]["type"] == "osd"]
        if osds:
            self.ceph.mon("osd set", key="noout")
        for name in [n for n in stale if daemons[n]["type"] in ("mon", "mgr")]:
            kind = daemons[name]["type"]
            if kind == "mon" and not skip and sum(1 for d in daemons.values() if d["type"] == "mon") >= 3:
                self._ok_to_stop_or_fail(name)
            self._restart_daemon(cr, name, suite, version)
        self._roll_osds(cr, spec, osds, suite, skip)
        for name in [n for n in stale if daemons[n]["type"] in ("mds", "rgw")]:
            if daemons[name]["type"] == "mds" and not skip:
                self._ok_to_stop_or_fail(name)
            self._restart_daemon(cr, name, suite, version)
        left = [n for n, d in daemons.items() if d["suite"] != suite]
        if osds:
            self.ceph.mon("osd unset", key="noout")
        if left:
            # Rook re-queues what it could not update: the next reconcile tries again
            raise LabError("not every daemon is updated to Ceph %s yet (%s): will try again" % (version, ", ".join(left)))
        self.ceph.state["suite"] = suite
        self.ceph.save()
        self.ensure_toolbox(cr["metadata"]["namespace"])
        if osds:
            release = {"sid": "tentacle", "trixie": "reef"}[suite]
            self.ceph.mon("osd require-osd-release", release=release, yes_i_really_mean_it=True)
        if suite == "sid":
            self.rotate_cephx_keys(cr)
        self.update_cluster_status(cr)

    def _restart_daemon(self, cr, name, suite, version):
        kind = self.ceph.state["daemons"][name]["type"]
        log("rooksim: restarting %s with Ceph %s" % (name, version))
        self.ceph.restart(name, suite=suite)
        if kind == "mon":
            self.ceph.wait_quorum()
        elif kind == "osd":
            self.ceph.wait_osds_up(len(self.ceph.state["osds"]))
        self.ensure_deployments(cr)

    def _ok_to_stop(self, kind, ids, limit=None):
        """`ceph <kind> ok-to-stop`: the ids it names as ok to stop together, or [] when not ok."""
        rc, out, _err = self.ceph.mon("%s ok-to-stop" % kind, ids=[str(i) for i in ids], max=limit, check=False)
        if rc != 0:
            return []
        if kind == "osd" and isinstance(out, dict):
            return [int(i) for i in out.get("osds") or ids]
        return list(ids)

    def _ok_to_stop_or_fail(self, name):
        daemon = self.ceph.state["daemons"][name]
        deployment = "rook-ceph-%s-%s" % (daemon["type"], daemon["id"])
        try:
            wait_for("%s ok-to-stop" % name, lambda: self._ok_to_stop(daemon["type"], [daemon["id"]]), 600, 1)
        except LabError:
            raise LabError("failed to check if %s was ok to stop" % deployment)

    def _roll_osds(self, cr, spec, osds, suite, skip):
        daemons = self.ceph.state["daemons"]
        hosts = {d.get("node") for d in daemons.values() if d["type"] == "osd"}
        check = not skip and len(self.ceph.state["osds"]) >= 3 and len(hosts) > 1
        limit = int((spec.get("storage") or {}).get("osdMaxUpdatesInParallel") or 20)
        timeout = 60 * int(spec.get("waitTimeoutForHealthyOSDInMinutes") or 10)
        queue = [int(daemons[n]["id"]) for n in osds]
        while queue:
            if not skip and spec.get("upgradeOSDRequiresHealthyPGs"):
                wait_for("PGs clean before updating OSDs", lambda: cephlib.pg_clean_all(self.ceph.status()), timeout, 1)
            first = queue[0]
            batch = [first]
            if check:
                try:
                    found = wait_for("osd.%d ok-to-stop" % first,
                                     lambda: self._ok_to_stop("osd", [first], limit), timeout, 1)
                    batch = [i for i in found if i in queue] or [first]
                except LabError:
                    if not spec.get("continueUpgradeAfterChecksEvenIfNotHealthy"):
                        log("rooksim: OSD %d is not ok-to-stop. will try updating it again later" % first)
                        return
                    log("rooksim: OSD %d is not ok-to-stop but 'continueUpgradeAfterChecksEvenIfNotHealthy' is true, "
                        "so continuing to update it" % first)
            log("rooksim: updating OSDs: %s" % batch)
            for ident in batch:
                self.ceph.restart("osd.%d" % ident, suite=suite)
            self.ceph.wait_osds_up(len(self.ceph.state["osds"]))
            self.ensure_deployments(cr)
            queue = [i for i in queue if i not in batch]

    def rotate_cephx_keys(self, cr):
        """After a roll to Tentacle: the upstream "Upgrading and Rotating CephX Keys" procedure,
        so that the AUTH_INSECURE_* health errors about Reef-era (AES-128) keys clear. Every key
        gets an aes256k one (mon., each daemon with a restart, client.admin, the bootstrap and
        CephClient keys with their Secrets), then the service cipher, the rotating service keys
        and the allowed ciphers follow."""
        checks = self.ceph.status()["health"].get("checks") or {}
        insecure = sorted(c for c in checks if c.startswith("AUTH_INSECURE"))
        if not insecure:
            return
        self._progress(cr, "Rotating cephx keys to aes256k (%s)" % ", ".join(insecure))
        started = time.monotonic()
        self.ceph.mon("mon set", name="auth_preferred_cipher", value="aes256k")
        self.ceph.rotate_keys()
        ns = cr["metadata"]["namespace"]
        for client in self.kube.list("cephclients"):
            if client["metadata"]["namespace"] == ns and (client.get("status") or {}).get("phase") == "Ready":
                name = (client.get("spec") or {}).get("name") or client["metadata"]["name"]
                key = self.ceph.rotate_key("client." + name)
                self.kube.apply("secret", ns, {"metadata": {"name": "rook-ceph-client-%s" % name, "namespace": ns},
                                               "type": "kubernetes.io/rook", "data": {name: b64(key)}})
        self._secrets.clear()  # the CSI (and node daemon) keys were rotated: their Secrets are written again
        self.ceph.mon("mon set", name="auth_service_cipher", value="aes256k")
        self.ceph.mon("auth wipe-rotating-service-keys")
        self.ceph.mon("mon set", name="auth_allowed_ciphers", value="aes256k")
        log("rooksim: cephx keys rotated in %.1fs" % (time.monotonic() - started))

    def delete_cluster(self, cr):
        ns = cr["metadata"]["namespace"]
        dependents = []
        for plural in ("cephblockpools", "cephblockpoolradosnamespaces", "cephfilesystems", "cephobjectstores",
                       "cephobjectstoreusers", "cephclients", "cephfilesystemsubvolumegroups"):
            dependents += ["%s/%s" % (plural, o["metadata"]["name"]) for o in self.kube.list(plural)
                           if o["metadata"]["namespace"] == ns]
        if dependents:
            message = "CephCluster %s has dependents: %s" % (cr["metadata"]["name"], ", ".join(dependents))
            self._blocked(cr, "cephclusters", "ObjectHasDependents", message, {"phase": "Deleting"})
            return
        spec = cr.get("spec") or {}
        confirmed = (spec.get("cleanupPolicy") or {}).get("confirmation") == CLEANUP_CONFIRMATION
        log("rooksim: deleting the cluster (cleanupPolicy %s)" % ("wipes the disks" if confirmed else "keeps data"))
        for dep in self.kube.list_deployments(ns, "rook_cluster=%s" % ns):
            self.kube.delete_deployment(ns, dep["metadata"]["name"])
        if self.ceph.exists:
            if confirmed:
                self.ceph.destroy(wipe=True)
            else:
                self.ceph.stop_all()
        self.ready = False
        self._node_daemons_uid, self._node_daemons_applied, self._node_events = None, {}, set()
        self._drop_finalizer(cr, "cephclusters", KINDS["cephclusters"])

    def reconcile_external(self, cr):
        """external.enable: connect to an existing Ceph cluster as Rook does, with what Rook's
        import-external-cluster.sh leaves in the CephCluster's namespace: the Secret rook-ceph-mon
        (fsid, ceph-username + ceph-secret, or admin-secret for client.admin) and the ConfigMap
        rook-ceph-mon-endpoints (data: "a=HOST:PORT,..."). Connecting until `ceph status` with that
        identity answers for that fsid, then Connected with the cluster's health. Deleting it
        touches nothing in Ceph."""
        plural = "cephclusters"
        ns = cr["metadata"]["namespace"]
        previous = (cr.get("status") or {}).get("conditions")
        if self._deleting(cr):
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if (cr.get("status") or {}).get("phase") == "Connected" and \
                time.monotonic() - self.external_checked.get(cr["metadata"]["uid"], 0) < self.status_interval(cr)[0]:
            return
        secret = self.kube.read("secret", ns, "rook-ceph-mon")
        endpoints = self.kube.read("config_map", ns, "rook-ceph-mon-endpoints")
        problem, status = None, None
        if secret is None or endpoints is None:
            problem = "waiting for the Secret rook-ceph-mon and the ConfigMap rook-ceph-mon-endpoints"
        else:
            data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
            data.update(secret.get("stringData") or {})
            user = data.get("ceph-username") or "client.admin"
            key = data.get("ceph-secret") if data.get("ceph-username") else data.get("admin-secret")
            mons = [item.split("=", 1)[-1] for item in ((endpoints.get("data") or {}).get("data") or "").split(",")
                    if item.strip()]
            if not key or not mons:
                problem = "rook-ceph-mon has no key for %s or rook-ceph-mon-endpoints no mons" % user
            else:
                try:
                    status = self.ceph.external_status(self.lab + "-" + ns, mons, user, key)
                except LabError as exc:
                    problem = "cannot connect to %s as %s: %s" % (",".join(mons), user, str(exc)[-300:])
                if status and data.get("fsid") and status["fsid"] != data["fsid"]:
                    problem, status = "the cluster at %s has fsid %s, not %s" % (
                        ",".join(mons), status["fsid"], data["fsid"]), None
        if problem:
            log("rooksim: external CephCluster %s/%s: %s" % (ns, cr["metadata"]["name"], problem))
            self._status(cr, plural, {"phase": "Connecting", "state": "Connecting", "message": problem,
                                      "conditions": [condition("Connecting", "True", "ClusterConnecting",
                                                               "Attempting to connect to an external cluster",
                                                               previous)]})
            return
        self.external_checked[cr["metadata"]["uid"]] = time.monotonic()
        health = status["health"]
        details = self._details(cr, health)
        self._status(cr, plural, {
            "phase": "Connected", "state": "Connected", "message": "Cluster connected successfully",
            "conditions": [condition("Connected", "True", "ClusterConnected", "Cluster connected successfully",
                                     previous)],
            "ceph": {"health": health["status"], "details": details, "fsid": status["fsid"],
                     "lastChecked": now()},
            "observedGeneration": cr["metadata"].get("generation", 1)})

    # --- pools -------------------------------------------------------------------------------
    def create_pool(self, name, spec, application):
        """A pool per a Rook PoolSpec (replicated or erasureCoded, failureDomain, deviceClass,
        parameters, quotas). Idempotent. Over the simulator's librados connection."""
        mon = self.ceph.mon
        pools = {p["pool_name"]: p for p in mon("osd pool ls", detail="detail")}
        domain = spec.get("failureDomain") or "host"
        device_class = spec.get("deviceClass")
        ec = spec.get("erasureCoded") or {}
        if name not in pools:
            dot = name.startswith(".") or None  # '.' names are Ceph's own
            if ec.get("dataChunks"):
                profile = "%s_ecprofile" % name
                settings = ["k=%d" % ec["dataChunks"], "m=%d" % ec["codingChunks"], "crush-failure-domain=%s" % domain]
                if device_class:
                    settings.append("crush-device-class=%s" % device_class)
                mon("osd erasure-code-profile set", name=profile, profile=settings, force=True)
                mon("osd pool create", pool=name, pg_num=8, pgp_num=8, pool_type="erasure",
                    erasure_code_profile=profile, yes_i_really_mean_it=dot)
                mon("osd pool set", pool=name, var="allow_ec_overwrites", val="true")
            else:
                rule = name if name != ".mgr" else "%s_rule" % name.strip(".")
                mon("osd crush rule create-replicated", name=rule, root="default", type=domain, **{"class": device_class})
                mon("osd pool create", pool=name, pg_num=8, pgp_num=8, pool_type="replicated", rule=rule,
                    yes_i_really_mean_it=dot)
            mon("osd pool application enable", pool=name, app=application, yes_i_really_mean_it=True)
        size = int((spec.get("replicated") or {}).get("size") or 0)
        if size and not ec.get("dataChunks") and pools.get(name, {}).get("size") != size:
            mon("osd pool set", pool=name, var="size", val=str(size), yes_i_really_mean_it=size == 1 or None)
        for key, value in (spec.get("parameters") or {}).items():
            rc, dummy, err = mon("osd pool set", pool=name, var=key, val=str(value), check=False)
            if rc:
                log("rooksim: pool %s: parameter %s=%s refused: %s" % (name, key, value, err.strip()))
        quotas = spec.get("quotas") or {}
        if quotas.get("maxBytes") or quotas.get("maxSize"):
            mon("osd pool set-quota", pool=name, field="max_bytes",
                val=str(quotas.get("maxBytes") or _bytes(quotas["maxSize"])))
        if quotas.get("maxObjects"):
            mon("osd pool set-quota", pool=name, field="max_objects", val=str(quotas["maxObjects"]))

    def delete_pool(self, name):
        self.ceph.mon("osd pool rm", pool=name, pool2=name, yes_i_really_really_mean_it=True, check=False)
        self.ceph.mon("osd crush rule rm", name=name, check=False)
        self.ceph.mon("osd erasure-code-profile rm", name="%s_ecprofile" % name, check=False)

    def _pool_id(self, name):
        for pool in self.ceph.mon("osd pool ls", detail="detail"):
            if pool["pool_name"] == name:
                return pool["pool_id"]
        return None

    def reconcile_pool(self, cr):
        plural = "cephblockpools"
        spec = cr.get("spec") or {}
        name = spec.get("name") or cr["metadata"]["name"]
        previous = (cr.get("status") or {}).get("conditions")
        if self._deleting(cr):
            namespaces = [n["metadata"]["name"] for n in self.kube.list("cephblockpoolradosnamespaces")
                          if n["metadata"]["namespace"] == cr["metadata"]["namespace"]
                          and (n.get("spec") or {}).get("blockPoolName") == name]
            if namespaces:
                self._blocked(cr, plural, "ObjectHasDependents", "CephBlockPool %s has dependents: "
                              "CephBlockPoolRadosNamespaces %s" % (name, ", ".join(namespaces)))
                return
            images = self._rbd("ls", "--format", "json", name, check=False)
            listed = json.loads(images.stdout) if images.returncode == 0 and images.stdout.strip() else []
            if listed:
                self._blocked(cr, plural, "PoolNotEmpty",
                              "pool %s still has %d rbd images: %s" % (name, len(listed), ", ".join(listed[:10])))
                return
            self.delete_pool(name)
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if self._current(cr):
            return
        self._status(cr, plural, {"phase": "Progressing"})
        self.create_pool(name, spec, spec.get("application") or "rbd")
        info = {"type": "Erasure Coded" if (spec.get("erasureCoded") or {}).get("dataChunks") else "Replicated",
                "failureDomain": spec.get("failureDomain") or "host"}
        self._status(cr, plural, {"phase": "Ready", "info": info, "poolID": self._pool_id(name),
                                  "observedGeneration": cr["metadata"].get("generation", 1),
                                  "conditions": [condition("Ready", "True", "PoolCreated",
                                                           "pool %s created" % name, previous)]})

    def _rbd(self, *args, check=True):
        return self.ceph.host(["rbd", "-c", self.ceph.conf] + list(args), check=check, timeout=60)

    def reconcile_radosnamespace(self, cr):
        """CephBlockPoolRadosNamespace: `rbd namespace create POOL/NS`; deletion blocked while the
        namespace holds images; status Ready with info.clusterID, as Rook reports them."""
        plural = "cephblockpoolradosnamespaces"
        spec = cr.get("spec") or {}
        pool, name = spec.get("blockPoolName"), spec.get("name") or cr["metadata"]["name"]
        previous = (cr.get("status") or {}).get("conditions")
        listed = self._rbd("namespace", "ls", "--format", "json", pool, check=False)
        existing = [n["name"] for n in json.loads(listed.stdout or "[]")] if listed.returncode == 0 else None
        if self._deleting(cr):
            if existing and name in existing:
                images = self._rbd("ls", "--format", "json", "--namespace", name, pool, check=False)
                held = json.loads(images.stdout or "[]") if images.returncode == 0 else []
                if held:
                    self._blocked(cr, plural, "ObjectHasDependents",
                                  "rados namespace %s/%s still has %d rbd images" % (pool, name, len(held)))
                    return
                self._rbd("namespace", "remove", "%s/%s" % (pool, name))
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if self._current(cr):
            return
        if existing is None:  # the pool is not there (yet)
            self._status(cr, plural, {"phase": "Progressing",
                                      "message": "waiting for CephBlockPool %s" % pool})
            return
        if name not in existing:
            self._rbd("namespace", "create", "%s/%s" % (pool, name))
        cluster_id = hashlib.md5(("%s-%s-%s" % (cr["metadata"]["namespace"], pool, name)).encode()).hexdigest()
        self._status(cr, plural, {"phase": "Ready", "info": {"clusterID": cluster_id},
                                  "observedGeneration": cr["metadata"].get("generation", 1),
                                  "conditions": [condition("Ready", "True", "RadosNamespaceCreated",
                                                           "rados namespace %s/%s created" % (pool, name),
                                                           previous)]})

    # --- filesystems -----------------------------------------------------------------------
    def reconcile_filesystem(self, cr):
        plural = "cephfilesystems"
        spec = cr.get("spec") or {}
        fs_name = cr["metadata"]["name"]
        meta_pool = "%s-metadata" % fs_name
        data_pools = ["%s-%s" % (fs_name, p.get("name") or "data%d" % i)
                      for i, p in enumerate(spec.get("dataPools") or [{}])]
        mds_names = [n for n, d in self.ceph.state["daemons"].items() if d["type"] == "mds" and d.get("fs") == fs_name]
        if self._deleting(cr):
            groups = [g for g in self.kube.list("cephfilesystemsubvolumegroups")
                      if (g.get("spec") or {}).get("filesystemName") == fs_name]
            if groups:
                self._blocked(cr, plural, "ObjectHasDependents", "CephFilesystem %s has dependents: %s" % (
                    fs_name, ", ".join(g["metadata"]["name"] for g in groups)))
                return
            self.ceph.ceph("fs", "fail", fs_name, check=False)
            for name in mds_names:
                self.ceph.remove_daemon(name)
            if not spec.get("preserveFilesystemOnDelete"):
                self.ceph.ceph("fs", "rm", fs_name, "--yes-i-really-mean-it", check=False)
                if not spec.get("preservePoolsOnDelete"):
                    for pool in [meta_pool] + data_pools:
                        self.delete_pool(pool)
            self.ensure_deployments(self.cluster)
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if self._current(cr):
            return
        self._status(cr, plural, {"phase": "Progressing"})
        self.create_pool(meta_pool, spec.get("metadataPool") or {}, "cephfs")
        for pool, pool_spec in zip(data_pools, spec.get("dataPools") or [{}]):
            self.create_pool(pool, pool_spec, "cephfs")
        existing = [f["name"] for f in self.ceph.ceph("fs", "ls")]
        if fs_name not in existing:
            self.ceph.ceph("fs", "new", fs_name, meta_pool, data_pools[0], "--force")
            for pool in data_pools[1:]:
                self.ceph.ceph("fs", "add_data_pool", fs_name, pool)
        mds = spec.get("metadataServer") or {}
        active = int(mds.get("activeCount", 1))
        count = active * (2 if mds.get("activeStandby", True) else 1)
        self.ceph.ceph("fs", "set", fs_name, "max_mds", str(active))
        self.ceph.ceph("fs", "set", fs_name, "standby_count_wanted", "1" if count > active else "0")
        lab_nodes = [n for n in self.ceph.nodes() if n.running]
        for index in range(count):
            mds_id = "%s-%s" % (fs_name, chr(ord("a") + index))
            if "mds." + mds_id not in self.ceph.state["daemons"]:
                self.ceph.add_mds(mds_id, lab_nodes[(index + 1) % len(lab_nodes)], fs_name)
        self.ensure_deployments(self.cluster)
        wait_for("an active MDS for %s" % fs_name, lambda: self._fs_active(fs_name) >= active, 120, 1)
        self._status(cr, plural, {"phase": "Ready", "observedGeneration": cr["metadata"].get("generation", 1),
                                  "info": {"metadataPool": meta_pool, "dataPools": ",".join(data_pools)}})

    def _fs_active(self, fs_name):
        dump = self.ceph.mon("fs dump")
        for fs in dump.get("filesystems", []):
            if fs["mdsmap"]["fs_name"] == fs_name:
                return sum(1 for info in fs["mdsmap"]["info"].values() if info["state"] == "up:active")
        return 0

    def reconcile_subvolumegroup(self, cr):
        plural = "cephfilesystemsubvolumegroups"
        spec = cr.get("spec") or {}
        fs_name = spec.get("filesystemName")
        name = spec.get("name") or cr["metadata"]["name"]
        if self._deleting(cr):
            proc = self.ceph.ceph("fs", "subvolume", "ls", fs_name, "--group_name", name, check=False)
            if proc.returncode == 0 and json.loads(proc.stdout or "[]"):
                self._blocked(cr, plural, "ObjectHasDependents", "subvolume group %s has subvolumes" % name)
                return
            self.ceph.ceph("fs", "subvolumegroup", "rm", fs_name, name, "--force", check=False)
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if (cr.get("status") or {}).get("phase") == "Ready":
            return
        if fs_name not in [f["name"] for f in self.ceph.ceph("fs", "ls")]:
            self._status(cr, plural, {"phase": "Progressing"})
            return
        wait_for("the mgr's volumes module", lambda: self.ceph.ceph("fs", "volume", "ls", check=False).returncode == 0,
                 60, 1)
        self.ceph.ceph("fs", "subvolumegroup", "create", fs_name, name)
        self._status(cr, plural, {"phase": "Ready", "info": {"clusterID": self.ceph.fsid},
                                  "observedGeneration": cr["metadata"].get("generation", 1)})

    # --- object stores -------------------------------------------------------------------
    def radosgw_admin(self, store, *args, check=True):
        argv = ["radosgw-admin", "-c", self.ceph.conf, "--rgw-realm", store, "--rgw-zonegroup", store,
                "--rgw-zone", store] + list(args)
        proc = self.ceph.host(argv, check=check, timeout=120)
        if not check:
            return proc
        out = proc.stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out

    def store_endpoint(self, store):
        for daemon in self.ceph.state["daemons"].values():
            if daemon["type"] == "rgw" and daemon.get("store") == store:
                return "http://%s:%d" % (daemon["address"], daemon["port"])
        return None

    def reconcile_objectstore(self, cr):
        plural = "cephobjectstores"
        spec = cr.get("spec") or {}
        store = cr["metadata"]["name"]
        rgws = [n for n, d in self.ceph.state["daemons"].items() if d["type"] == "rgw" and d.get("store") == store]
        meta_pools = [".rgw.root"] + ["%s.rgw.%s" % (store, p) for p in
                                      ("control", "meta", "log", "buckets.index", "buckets.non-ec", "otp")]
        data_pool = "%s.rgw.buckets.data" % store
        if self._deleting(cr):
            buckets = self.radosgw_admin(store, "bucket", "list", check=False)
            listed = json.loads(buckets.stdout) if buckets.returncode == 0 and buckets.stdout.strip() else []
            if listed:
                self._blocked(cr, plural, "ObjectHasDependents",
                              "object store %s has buckets: %s" % (store, ", ".join(listed[:10])))
                return
            for name in rgws:
                self.ceph.remove_daemon(name)
            if not spec.get("preservePoolsOnDelete"):
                for pool in meta_pools[1:] + [data_pool]:
                    self.delete_pool(pool)
            self.ensure_deployments(self.cluster)
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if self._current(cr):
            return
        self._status(cr, plural, {"phase": "Progressing"})
        for pool in meta_pools:
            self.create_pool(pool, spec.get("metadataPool") or {}, "rgw")
        self.create_pool(data_pool, spec.get("dataPool") or {}, "rgw")
        if self.radosgw_admin(store, "realm", "get", check=False).returncode != 0:
            self.ceph.host(["radosgw-admin", "-c", self.ceph.conf, "realm", "create", "--rgw-realm", store],
                           timeout=120)
            self.ceph.host(["radosgw-admin", "-c", self.ceph.conf, "zonegroup", "create", "--rgw-realm", store,
                            "--rgw-zonegroup", store, "--master"], timeout=120)
            self.ceph.host(["radosgw-admin", "-c", self.ceph.conf, "zone", "create", "--rgw-realm", store,
                            "--rgw-zonegroup", store, "--rgw-zone", store, "--master"], timeout=120)
            self.radosgw_admin(store, "period", "update", "--commit")
        gateway = spec.get("gateway") or {}
        port = int(gateway.get("port") or 80)
        lab_nodes = [n for n in self.ceph.nodes() if n.running]
        for index in range(int(gateway.get("instances", 1))):
            rgw_id = "%s-%s" % (store, chr(ord("a") + index))
            if "rgw." + rgw_id not in self.ceph.state["daemons"]:
                self.ceph.add_rgw(rgw_id, lab_nodes[index % len(lab_nodes)], port, store)
        self.ensure_deployments(self.cluster)
        endpoint = self.store_endpoint(store)
        wait_for("radosgw of %s to answer on %s" % (store, endpoint), lambda: self.ceph.rgw_answers(endpoint), 90, 1)
        self._status(cr, plural, {"phase": "Ready", "observedGeneration": cr["metadata"].get("generation", 1),
                                  "info": {"endpoint": endpoint},
                                  "endpoints": {"insecure": [endpoint], "secure": []}})

    def _store_ready(self, ns, store):
        for obj in self.kube.list("cephobjectstores"):
            if obj["metadata"]["namespace"] == ns and obj["metadata"]["name"] == store:
                return (obj.get("status") or {}).get("phase") == "Ready"
        return False

    def reconcile_objectuser(self, cr):
        plural = "cephobjectstoreusers"
        spec = cr.get("spec") or {}
        ns, uid = cr["metadata"]["namespace"], cr["metadata"]["name"]
        store = spec.get("store")
        secret = "rook-ceph-object-user-%s-%s" % (store, uid)
        if self._deleting(cr):
            if store and self.store_endpoint(store):
                self.radosgw_admin(store, "user", "rm", "--uid", uid, check=False)
            self.kube.delete("secret", ns, secret)
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if self._current(cr):
            return
        if not self._store_ready(ns, store):
            # Rook (object/user/controller.go): the store's context cannot be initialised, the
            # reconcile fails (phase ReconcileFailed) and is retried 10 s later
            self._status(cr, plural, {"phase": "ReconcileFailed"})
            return
        info = self.radosgw_admin(store, "user", "info", "--uid", uid, check=False)
        if info.returncode != 0:
            argv = ["user", "create", "--uid", uid, "--display-name", spec.get("displayName") or uid]
            user = self.radosgw_admin(store, *argv)
        else:
            user = json.loads(info.stdout)
        for kind, value in (spec.get("quotas") or {}).items():
            if kind == "maxBuckets":
                self.radosgw_admin(store, "user", "modify", "--uid", uid, "--max-buckets", str(value))
        caps = spec.get("capabilities") or {}
        if caps:
            self.radosgw_admin(store, "caps", "add", "--uid", uid, "--caps",
                               ";".join("%s=%s" % (k, v) for k, v in caps.items()))
        key = user["keys"][0]
        endpoint = self.store_endpoint(store)
        self.kube.apply("secret", ns, {
            "metadata": {"name": secret, "namespace": ns,
                         "labels": {"app": "rook-ceph-rgw", "rook_cluster": ns, "rook_object_store": store,
                                    "user": uid}},
            "type": "kubernetes.io/rook",
            "data": {"AccessKey": b64(key["access_key"]), "SecretKey": b64(key["secret_key"]),
                     "Endpoint": b64(endpoint)}})
        self._status(cr, plural, {"phase": "Ready", "info": {"secretName": secret},
                                  "observedGeneration": cr["metadata"].get("generation", 1)})

    # --- clients ---------------------------------------------------------------------------
    def reconcile_client(self, cr):
        plural = "cephclients"
        spec = cr.get("spec") or {}
        ns, name = cr["metadata"]["namespace"], spec.get("name") or cr["metadata"]["name"]
        secret = "rook-ceph-client-%s" % name
        if self._deleting(cr):
            self.ceph.ceph("auth", "rm", "client." + name, check=False)
            self.kube.delete("secret", ns, secret)
            self._drop_finalizer(cr, plural, KINDS[plural])
            return
        self._ensure_finalizer(cr, plural, KINDS[plural])
        if self._current(cr):
            return
        caps = []
        for kind, cap in sorted((spec.get("caps") or {}).items()):
            caps += [kind, cap]
        if self.ceph.ceph("auth", "get", "client." + name, check=False).returncode == 0:
            self.ceph.ceph("auth", "caps", "client." + name, *caps)
        key = self.ceph.ceph("auth", "get-or-create-key", "client." + name, *caps)["key"]
        self.kube.apply("secret", ns, {"metadata": {"name": secret, "namespace": ns},
                                       "type": "kubernetes.io/rook", "data": {name: b64(key)}})
        self._status(cr, plural, {"phase": "Ready", "info": {"secretName": secret},
                                  "observedGeneration": cr["metadata"].get("generation", 1)})

    # --- object bucket claims ----------------------------------------------------------------
    def reconcile_obc(self, obc):
        """An ObjectBucketClaim as lib-bucket-provisioner's controller syncs it with Rook's provisioner: a
        failed sync (no StorageClass yet, the store not Ready, a quota Rook cannot read, ...) leaves the claim
        as it is (Pending) and is retried with the work queue's per-claim exponential back-off (5 ms doubling
        up to 1000 s; the simulator's loop runs every 2 s), logged as lib-bucket-provisioner logs it."""
        meta = obc["metadata"]
        uid = meta["uid"]
        failures, due = self._obc_retry.get(uid, (0, 0))
        if time.monotonic() < due:
            return
        try:
            self._sync_obc(obc)
        except LabError as exc:
            backoff = CONTRACT.OBC["backoff"]
            delay = min(backoff["base_seconds"] * 2 ** failures, backoff["max_seconds"])
            self._obc_retry[uid] = (failures + 1, time.monotonic() + delay)
            log("rooksim: error syncing '%s/%s': %s, requeuing (try %d, next in %.3gs)"
                % (meta["namespace"], meta["name"], exc, failures + 1, delay))
            return
        self._obc_retry.pop(uid, None)

    def _obc_names(self, obc):
        meta = obc["metadata"]
        values = {"namespace": meta["namespace"], "name": meta["name"]}
        return CONTRACT.OBC["object_bucket"].format(**values), CONTRACT.OBC["user"].format(**values)

    def _sync_obc(self, obc):
        """lib-bucket-provisioner's syncHandler / handleProvisionClaim (controller.go) with Rook's
        Provision (object/bucket/provisioner.go)."""
        plural = "objectbucketclaims"
        meta, spec = obc["metadata"], obc.get("spec") or {}
        ns, name = meta["namespace"], meta["name"]
        if not spec.get("storageClassName"):
            raise LabError('no StorageClass defined for ObjectBucketClaim "%s/%s"' % (ns, name))
        sc = self.kube.storage_class(spec["storageClassName"])
        if sc is None:
            raise LabError('error getting StorageClass "%s": not found' % spec["storageClassName"])
        provisioner = CONTRACT.PROVISIONERS["bucket"].format(cluster_namespace=self.cluster["metadata"]["namespace"])
        if sc.get("provisioner") != provisioner:
            return  # "unsupported provisioner": another provisioner's claim
        if self._deleting(obc):
            self._delete_obc(obc, sc)
            return
        phase = (obc.get("status") or {}).get("phase")
        if not phase:
            self._status(obc, plural, {"phase": "Pending"}, OBC_GROUP, OBC_VERSION)
        elif phase == "Bound" and self._obc_done.get(meta["uid"]) == meta.get("generation"):
            return  # provisioned, and nothing changed since (additionalConfig is the one field it updates)
        label_value = provisioner.replace("/", "-")
        finalizers = list(meta.get("finalizers") or [])
        labels = dict(meta.get("labels") or {})
        if OBC_FINALIZER not in finalizers or labels.get(CONTRACT.OBC["label"]) != label_value:
            labels[CONTRACT.OBC["label"]] = label_value
            self.kube.patch(obc, {"metadata": {"finalizers": finalizers + [f for f in [OBC_FINALIZER] if f not in finalizers],
                                               "labels": labels}}, plural, OBC_GROUP, OBC_VERSION)
        params = sc.get("parameters") or {}
        if params.get("bucketName"):
            raise LabError("not simulated: a StorageClass with bucketName (Rook's Grant of an existing bucket)")
        bucket = spec.get("bucketName")
        if not bucket:
            if not spec.get("generateBucketName"):
                raise LabError("error composing bucket name: expected either bucketName or generateBucketName defined")
            bucket = generate_bucket_name(spec["generateBucketName"])
            # written before any provisioning, so that a retry makes no second bucket (controller.go)
            self.kube.patch(obc, {"spec": {"bucketName": bucket}}, plural, OBC_GROUP, OBC_VERSION)
            spec = dict(spec, bucketName=bucket)
        ob_name, uid = self._obc_names(obc)
        store = params.get("objectStoreName")
        cluster_ns = self.cluster["metadata"]["namespace"]
        if not store or not any(o["metadata"]["namespace"] == cluster_ns and o["metadata"]["name"] == store
                                for o in self.kube.list("cephobjectstores")):
            raise LabError("error provisioning bucket: failed to get cephObjectStore: cephObjectStore not found")
        if not self._store_ready(cluster_ns, store) or not self.store_endpoint(store):
            raise LabError("error provisioning bucket: CephObjectStore %s/%s is not ready" % (cluster_ns, store))
        # Rook's Provision: the owner user, the bucket, max-buckets 1, the additionalConfig quotas
        info = self.radosgw_admin(store, "user", "info", "--uid", uid, check=False)
        user = json.loads(info.stdout) if info.returncode == 0 else self.radosgw_admin(
            store, "user", "create", "--uid", uid, "--display-name", uid)
        key = user["keys"][0]
        endpoint = self.store_endpoint(store)
        stats = self.radosgw_admin(store, "bucket", "stats", "--bucket", bucket, check=False)
        if stats.returncode == 0 and stats.stdout.strip():
            owner = json.loads(stats.stdout).get("owner")
            if owner != uid:
                raise LabError('error provisioning bucket: bucket "%s" already exists and is owned by "%s" for different '
                               'OBC' % (bucket, owner))
        else:
            self.s3_create_bucket(endpoint, key["access_key"], key["secret_key"], bucket)
        if user.get("max_buckets") != 1:
            self.radosgw_admin(store, "user", "modify", "--uid", uid, "--max-buckets", "1")
        self._obc_quotas(store, uid, spec.get("additionalConfig") or {},
                         (user.get("user_quota") if info.returncode == 0 else None) or {})
        host, port = endpoint.split("//", 1)[1].rsplit(":", 1)
        provisioner_labels = {CONTRACT.OBC["label"]: label_value}
        owner_ref = {"apiVersion": "%s/%s" % (OBC_GROUP, OBC_VERSION), "kind": "ObjectBucketClaim", "name": name,
                     "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}
        self.kube.apply("secret", ns, {"metadata": {"name": name, "namespace": ns, "labels": provisioner_labels,
                                                    "ownerReferences": [owner_ref]},
                                       "data": {"AWS_ACCESS_KEY_ID": b64(key["access_key"]),
                                                "AWS_SECRET_ACCESS_KEY": b64(key["secret_key"])}})
        self.kube.apply("config_map", ns, {"metadata": {"name": name, "namespace": ns, "labels": provisioner_labels,
                                                        "ownerReferences": [owner_ref]},
                                           "data": {"BUCKET_HOST": host, "BUCKET_PORT": port,
                                                    "BUCKET_NAME": bucket, "BUCKET_REGION": "us-east-1",
                                                    "BUCKET_SUBREGION": ""}})
        # the ObjectBucket lib-bucket-provisioner binds to the claim (cluster-scoped), with its finalizer
        self.kube.apply_cluster_object("objectbuckets", {
            "apiVersion": "%s/%s" % (OBC_GROUP, OBC_VERSION), "kind": "ObjectBucket",
            "metadata": {"name": ob_name, "labels": provisioner_labels, "finalizers": [OBC_FINALIZER]},
            "spec": {"storageClassName": sc["metadata"]["name"], "reclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                     "claimRef": {"apiVersion": "%s/%s" % (OBC_GROUP, OBC_VERSION), "kind": "ObjectBucketClaim",
                                  "name": name, "namespace": ns, "uid": meta["uid"]},
                     "endpoint": {"bucketHost": host, "bucketPort": int(port), "bucketName": bucket,
                                  "region": "us-east-1", "subRegion": "",
                                  "additionalConfig": dict(spec.get("additionalConfig") or {})},
                     "additionalState": {"cephUser": uid, "objectStoreName": store, "objectStoreNamespace": cluster_ns}},
            "status": {"phase": "Bound"}})
        updated = self.kube.patch(obc, {"spec": {"bucketName": bucket, "objectBucketName": ob_name}},
                                  plural, OBC_GROUP, OBC_VERSION)
        self._status(obc, plural, {"phase": "Bound"}, OBC_GROUP, OBC_VERSION)
        generation = ((updated or {}).get("metadata") or {}).get("generation", meta.get("generation"))
        self._obc_done[meta["uid"]] = generation

    def _obc_quotas(self, store, uid, config, current):
        """Rook's setAdditionalSettings: maxObjects / maxSize of additionalConfig (Kubernetes quantities) as
        the owner user's quota, enabled while either is set; a key the operator setting does not allow is
        refused (ROOK_OBC_ALLOW_ADDITIONAL_CONFIG_FIELDS, default maxObjects,maxSize)."""
        allowed = [k.strip() for k in self.operator_setting(
            CONTRACT.OBC["allowed_setting"], ",".join(CONTRACT.OBC["allowed_default"])).split(",")]
        known = ("maxObjects", "maxSize", "bucketMaxObjects", "bucketMaxSize", "bucketPolicy", "bucketLifecycle",
                 "bucketOwner", "bucketPlacement", "bucketStorageClass")
        wanted = {}
        for field in known:
            if field not in config:
                continue
            if field not in allowed:
                raise LabError('failed to set additional settings: failed to process additionalConfig: OBC config "%s" '
                               'is not allowed' % field)
            if field not in CONTRACT.OBC["quota_keys"]:
                raise LabError("not simulated: additionalConfig %s" % field)
            try:
                wanted[CONTRACT.OBC["quota_keys"][field]] = k8s_quantity(config[field])
            except LabError as exc:
                raise LabError("failed to set additional settings: failed to process additionalConfig: failed to parse "
                               "%s quota: %s" % (field, exc))
        enabled = bool(wanted)
        sync = bool(current.get("enabled")) != enabled
        for field, value in wanted.items():
            if current.get(field) is not None and current.get(field) != value:
                sync = True
        if not sync:
            return
        args = []
        for field, value in sorted(wanted.items()):
            args += ["--%s" % field.replace("_", "-"), str(value)]
        if args:
            self.radosgw_admin(store, "quota", "set", "--quota-scope", "user", "--uid", uid, *args)
        self.radosgw_admin(store, "quota", "enable" if enabled else "disable", "--quota-scope", "user", "--uid", uid)

    def _delete_obc(self, obc, sc):
        """handleDeleteClaim: the ObjectBucket Released, then Rook's Delete (reclaimPolicy Delete: the bucket
        with its objects and the user) or Revoke (else: Rook adds a bucket policy that denies the owner user;
        the lab suspends that user instead, so its keys stop working too), then the ObjectBucket, Secret,
        ConfigMap and the claim's finalizer."""
        meta = obc["metadata"]
        ns, name = meta["namespace"], meta["name"]
        ob_name, uid = self._obc_names(obc)
        ob = self.kube.get_cluster_object("objectbuckets", ob_name)
        if ob is not None:
            self.kube.patch_cluster_status("objectbuckets", ob_name, {"phase": "Released"})
            ob_spec = ob.get("spec") or {}
            store = (ob_spec.get("additionalState") or {}).get("objectStoreName") or \
                (sc.get("parameters") or {}).get("objectStoreName")
            bucket = (ob_spec.get("endpoint") or {}).get("bucketName") or (obc.get("spec") or {}).get("bucketName")
            if not store or not self.store_endpoint(store):
                # Rook's initializeDeleteOrRevoke needs the store: the claim stays until it is back
                raise LabError("provisioner error deleting bucket: failed to get cephObjectStore %r" % store)
            if ob_spec.get("reclaimPolicy", "Delete") == "Delete":
                self.radosgw_admin(store, "bucket", "rm", "--bucket", bucket, "--purge-objects", check=False)
                self.radosgw_admin(store, "user", "rm", "--uid", uid, check=False)
            else:
                self.radosgw_admin(store, "user", "suspend", "--uid", uid, check=False)
            self.kube.patch_cluster_object("objectbuckets", ob_name, {"metadata": {"finalizers": None}})
            self.kube.delete_cluster_object("objectbuckets", ob_name)
        self.kube.delete("secret", ns, name)
        self.kube.delete("config_map", ns, name)
        self._obc_done.pop(meta["uid"], None)
        self._drop_finalizer(obc, "objectbucketclaims", OBC_FINALIZER, OBC_GROUP, OBC_VERSION)

    @staticmethod
    def s3_create_bucket(endpoint, access, secret, bucket):
        _s3_create_bucket(endpoint, access, secret, bucket)


def generate_bucket_name(prefix):
    """lib-bucket-provisioner's generateBucketName: "<prefix>-<uuid4>", a prefix over 27 characters cut to 26."""
    if len(prefix) > CONTRACT.OBC["prefix_max"]:
        prefix = prefix[:CONTRACT.OBC["prefix_cut"]]
    return "%s-%s" % (prefix, uuid.uuid4())


def k8s_quantity(text):
    """resource.ParseQuantity(text).Value(): a Kubernetes quantity ("1000", "2G", "1Gi", "1e3") as an int,
    rounded up; LabError when it is none."""
    match = re.match(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$",
                     str(text))
    if not match:
        raise LabError('failed to parse "%s" as a quantity: quantities must match the regular expression '
                       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" % text)
    number = decimal.Decimal(match.group(1))
    if match.group(2):
        number *= decimal.Decimal(10) ** int(match.group(2)[1:])
    factors = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
               "n": decimal.Decimal("1e-9"), "u": decimal.Decimal("1e-6"), "m": decimal.Decimal("1e-3"),
               "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}
    number *= factors.get(match.group(3) or "", 1)
    return int(number.to_integral_value(rounding=decimal.ROUND_CEILING))


def _bytes(text):
    match = re.match(r"^(\d+)([KMGTP]i?)?$", str(text))
    if not match:
        raise LabError("cannot read size %r" % text)
    units = {"K": 1, "M": 2, "G": 3, "T": 4, "P": 5}
    unit = match.group(2) or ""
    return int(match.group(1)) * (1024 ** units.get(unit[:1], 0))


def _s3_create_bucket(endpoint, access, secret, bucket):
    """PUT /bucket signed with AWS signature v2 (enough for radosgw)."""
    import hashlib
    import hmac
    import urllib.error
    import urllib.request
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    string = "PUT\n\n\n%s\n/%s" % (date, bucket)
    sig = base64.b64encode(hmac.new(secret.encode(), string.encode(), hashlib.sha1).digest()).decode()
    req = urllib.request.Request("%s/%s" % (endpoint, bucket), method="PUT",
                                 headers={"Date": date, "Authorization": "AWS %s:%s" % (access, sig)})
    try:
        with urllib.request.urlopen(req, timeout=30):
            pass
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise LabError("creating bucket %s: HTTP %d" % (bucket, exc.code))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m koorlab.rooksim.operator")
    parser.add_argument("--lab", required=True)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    Operator(args.lab, Kube(args.kubeconfig)).run(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
