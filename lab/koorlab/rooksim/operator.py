"""The Rook simulator's operator loop: Rook v1.20.6 resources from the lab's Kubernetes API
reconciled into the lab's real Ceph (koorlab.rooksim.ceph).

    python -m koorlab.rooksim.operator --lab L --kubeconfig FILE

It idles until Rook's operator Deployment (pods labelled app=rook-ceph-operator) exists, then
reconciles, every couple of seconds and in dependency order: CephCluster (mons, mgrs, OSDs
with `ceph-volume raw`, a Deployment per daemon with Rook's labels, status and conditions,
Ceph image and operator image rolls), the rook-ceph-tools Deployment, CephBlockPool,
CephFilesystem (+ MDS), CephFilesystemSubVolumeGroup, CephObjectStore (+ radosgw),
CephObjectStoreUser (+ Secret), CephClient (+ Secret), ObjectBucketClaim (bucket, Secret,
ConfigMap), with Rook's finalizers and deletion rules. It talks to the API only through the
small Kube class below (the kubernetes Python client).
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import sys
import time
import traceback

from ..kube.resources import node_info
from ..util import LabError, log, wait_for
from . import ceph as cephlib

GROUP, VERSION = "ceph.rook.io", "v1"
OBC_GROUP, OBC_VERSION = "objectbucket.io", "v1alpha1"
EXEC_ANNOTATION = "lab.koor.io/exec"
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
OBC_FINALIZER = "ceph.rook.io/bucket"  # Rook's lib-bucket-provisioner finalizer
HEALTH_PERIOD = 10
# spec.cleanupPolicy.confirmation that lets a deletion wipe the hosts (Rook's DeleteDataDirOnHostsConfirmation)
CLEANUP_CONFIRMATION = "yes-really-destroy-data"


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
            self.custom.patch_cluster_custom_object(group, version, plural, name, {"spec": body["spec"]})
        if status:
            self.custom.patch_cluster_custom_object_status(group, version, plural, name, {"status": status})

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


# Rook v1.20 runs Squid 19.2.0+ and Tentacle 20.2.1+; anything else needs
# cephVersion.allowUnsupported (Rook's own rule, pkg/operator/ceph/version).
SUPPORTED = {19: ("squid", (19, 2, 0)), 20: ("tentacle", (20, 2, 1))}
RELEASES = {17: "quincy", 18: "reef", 19: "squid", 20: "tentacle", 21: "umbrella"}


def unsupported(version, ceph_version_spec):
    """Why Rook v1.20.6 refuses Ceph `version` ("18.2.7"), or None."""
    numbers = tuple(int(x) for x in version.split(".")[:3])
    major = numbers[0]
    if major in SUPPORTED and numbers >= SUPPORTED[major][1]:
        return None
    if ceph_version_spec.get("allowUnsupported"):
        return None
    return ('ceph version "%s-0 %s" is not supported by Rook v1.20 (squid 19.2.0+ and tentacle 20.2.1+); '
            'set cephVersion.allowUnsupported to true to run it anyway' % (version, RELEASES.get(major, "?")))


def image_tag(image):
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


class Operator:
    """One simulator for one lab: at most one managed CephCluster, any number of external ones."""

    def __init__(self, lab, kube):
        self.lab = lab
        self.kube = kube
        self.ceph = cephlib.CephCluster(lab)
        self.rook_version = None
        self.cluster = None  # the CephCluster resource being served
        self._frozen = None  # (uid, generation) last logged as not orchestrated (cleanup confirmation set)
        self.last_health = 0
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
        containers = operators[0]["spec"]["template"]["spec"]["containers"]
        self.rook_version = image_tag(containers[0]["image"])
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
        except LabError as exc:
            self._status(cr, plural, {"phase": "Failure", "state": "Error", "message": str(exc)})
            return
        refusal = unsupported(version, spec.get("cephVersion") or {})
        if refusal:
            log("rooksim: " + refusal)
            self._status(cr, plural, {"phase": "Failure", "state": "Error", "message": refusal,
                                      "conditions": [condition("Progressing", "False", "ReconcileFailed", refusal,
                                                               (cr.get("status") or {}).get("conditions"))]})
            return
        if not self.ceph.exists:
            self.ready = False
            self.create_cluster(cr, suite)
        elif not all(self.ceph.running(name) for name in self.ceph.state["daemons"]):
            # a cluster deleted without cleanupPolicy (its data kept, as under Rook's
            # dataDirHostPath) comes back when a CephCluster asks for it; a daemon that died is
            # restarted, as its Deployment would be
            self._progress(cr, "Starting the Ceph daemons")
            self.ceph.start_all()
        self.ensure_osds(cr)
        self.roll(cr, suite, version)
        self.ensure_deployments(cr)
        self.ensure_toolbox(cr)
        self.update_cluster_status(cr)

    def _progress(self, cr, message):
        log("rooksim: %s" % message)
        conds = [condition("Progressing", "True", "ClusterProgressing", message,
                           (cr.get("status") or {}).get("conditions"))]
        self._status(cr, "cephclusters", {"phase": "Progressing", "state": "Creating", "message": message,
                                          "conditions": conds})

    def create_cluster(self, cr, suite):
        spec = cr["spec"]
        all_nodes = [n for n in self.ceph.nodes() if n.running]
        count = int((spec.get("mon") or {}).get("count", 3))
        if count > len(all_nodes) and not (spec.get("mon") or {}).get("allowMultiplePerNode"):
            self._status(cr, "cephclusters", {"phase": "Failure", "state": "Error",
                                              "message": "%d mons need %d nodes, the lab has %d"
                                              % (count, count, len(all_nodes))})
            raise LabError("not enough nodes for the mons")
        self._progress(cr, "Configuring Ceph Mons")
        self.ceph.create([all_nodes[i % len(all_nodes)] for i in range(count)], suite=suite,
                         fsid=None)
        self._progress(cr, "Configuring Ceph Mgr(s)")
        mgrs = int((spec.get("mgr") or {}).get("count", 2))
        for index in range(mgrs):
            self.ceph.add_mgr(chr(ord("a") + index), all_nodes[index % len(all_nodes)])
        for module in (spec.get("mgr") or {}).get("modules") or []:
            if module.get("name") and module.get("enabled") and module["name"] != "rook":
                self.ceph.ceph("mgr", "module", "enable", module["name"], "--force", check=False)
        self.ensure_deployments(cr)

    # storage selection as Rook does it
    def wanted_devices(self, cr):
        """[(node, device path)] that spec.storage names on the lab's nodes."""
        storage = cr["spec"].get("storage") or {}
        lab_nodes = {n.name: n for n in self.ceph.nodes() if n.running}
        kube_nodes = self.storage_kube_nodes()
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
            if devices:
                for dev in devices:
                    name = dev["name"]
                    wanted.append((node, name if name.startswith("/dev/") else "/dev/" + name))
            elif use_all or dev_filter:
                for disk in node.disks:
                    if dev_filter and not re.search(dev_filter, os.path.basename(disk)):
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
            return "rook-ceph-rgw-%s" % ident
        return "rook-ceph-%s-%s" % (kind, ident)

    def _image_for(self, suite, cr):
        image = (cr["spec"].get("cephVersion") or {}).get("image", "")
        version = cephlib.images.SUITES[suite]["ceph"]
        return image if version in image else "quay.io/ceph/ceph:v%s" % version

    def ensure_deployments(self, cr):
        ns = cr["metadata"]["namespace"]
        wanted = {}
        for daemon in self.ceph.state["daemons"].values():
            node = self.ceph.node(daemon["node"])
            labels = self.daemon_labels(cr, daemon)
            exec_prefix = ["nsenter", "-t", str(node.init_pid), "-m", "-n", "-u", "--", "chroot",
                           self.ceph.root(daemon["suite"])]
            dep_name = self.deployment_name(daemon)
            select = {"app": labels["app"], "rook_cluster": ns, "ceph_daemon_id": labels["ceph_daemon_id"]}
            body = {"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": dep_name, "namespace": ns, "labels": labels,
                                 "ownerReferences": [self._owner(cr)]},
                    "spec": {"replicas": 1, "selector": {"matchLabels": select}, "strategy": {"type": "Recreate"},
                             "template": {
                                 "metadata": {"labels": labels, "annotations": {EXEC_ANNOTATION: json.dumps(
                                     {"prefix": exec_prefix, "env": self.ceph.env(), "cwd": "/"})}},
                                 "spec": {"nodeName": node.name, "containers": [{
                                     "name": daemon["type"], "image": self._image_for(daemon["suite"], cr),
                                     "command": ["ceph-%s" % daemon["type"] if daemon["type"] != "rgw"
                                                 else "radosgw"]}]}}}}
            wanted[dep_name] = body
        existing = {d["metadata"]["name"]: d for d in self.kube.list_deployments(ns, "rook_cluster=%s" % ns)}
        for dep_name, body in wanted.items():
            old = existing.get(dep_name)
            if old is None or old["metadata"].get("labels") != body["metadata"]["labels"] or \
                    old["spec"]["template"]["spec"]["containers"][0]["image"] != \
                    body["spec"]["template"]["spec"]["containers"][0]["image"]:
                self.kube.apply_deployment(ns, body)
        for dep_name, old in existing.items():
            if dep_name not in wanted and old["metadata"].get("labels", {}).get("ceph_daemon_type"):
                self.kube.delete_deployment(ns, dep_name)

    @staticmethod
    def _owner(cr):
        return {"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": "CephCluster", "name": cr["metadata"]["name"],
                "uid": cr["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}

    def toolbox_exec(self):
        return json.dumps({"prefix": self.ceph.prefix(), "env": self.ceph.env(), "cwd": "/"})

    def ensure_toolbox(self, cr):
        """rook-ceph-tools: created when missing (Rook's toolbox.yaml may be applied instead: its
        pod template then gets the lab's exec annotation)."""
        ns = cr["metadata"]["namespace"]
        want = self.toolbox_exec()
        old = self.kube.get_deployment(ns, "rook-ceph-tools")
        if old is None:
            labels = {"app": "rook-ceph-tools"}
            self.kube.apply_deployment(ns, {
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "rook-ceph-tools", "namespace": ns, "labels": labels},
                "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                         "template": {"metadata": {"labels": labels, "annotations": {EXEC_ANNOTATION: want}},
                                      "spec": {"containers": [{
                                          "name": "rook-ceph-tools",
                                          "image": self._image_for(self.ceph.state["suite"], cr),
                                          "command": ["/bin/bash"]}]}}}})
        elif ((old["spec"]["template"].get("metadata") or {}).get("annotations") or {}).get(EXEC_ANNOTATION) != want:
            self.kube.patch_deployment(ns, "rook-ceph-tools", {
                "spec": {"template": {"metadata": {"annotations": {EXEC_ANNOTATION: want}}}}})

    # status
    def update_cluster_status(self, cr, force=False):
        if not force and self.ready and time.monotonic() - self.last_health < HEALTH_PERIOD:
            return
        status = self.ceph.status()
        df = self.ceph.mon("df", timeout=30)
        versions = self.ceph.versions()
        self.last_health = time.monotonic()
        health = status["health"]
        details = self._details(cr, health)
        stats = df.get("stats", {})
        ceph_status = {"health": health["status"], "details": details, "lastChecked": now(),
                       "fsid": self.ceph.fsid, "versions": versions,
                       "capacity": {"bytesTotal": stats.get("total_bytes", 0),
                                    "bytesUsed": stats.get("total_used_raw_bytes", 0),
                                    "bytesAvailable": stats.get("total_avail_bytes", 0), "lastUpdated": now()}}
        suites = {d["suite"] for d in self.ceph.state["daemons"].values()}
        suite = sorted(suites)[0] if len(suites) == 1 else self.ceph.state["suite"]
        previous = (cr.get("status") or {}).get("conditions")
        pgs_clean = cephlib.pg_clean_all(status)
        osd_count = len(self.ceph.state["osds"])
        if health["status"] == "HEALTH_ERR" and self.ready:
            phase, state, message = "Ready", "Created", "Cluster created successfully"
        elif health["status"] in ("HEALTH_OK", "HEALTH_WARN") and (pgs_clean or self.ready) and osd_count:
            phase, state, message = "Ready", "Created", "Cluster created successfully"
        else:
            phase, state, message = "Progressing", "Creating", "Configuring Ceph OSDs" if not osd_count \
                else "Waiting for the cluster to be healthy (%s)" % health["status"]
        if phase == "Ready":
            self.ready = True
            conds = [condition("Progressing", "False", "ClusterCreated", "Cluster progression is completed",
                               previous),
                     condition("Ready", "True", "ClusterCreated", message, previous)]
        else:
            conds = [condition("Progressing", "True", "ClusterProgressing", message, previous)]
        classes = sorted({o.get("device_class", "hdd") for o in self.ceph.state["osds"].values()})
        self._status(cr, "cephclusters", {
            "phase": phase, "state": state, "message": message, "conditions": conds, "ceph": ceph_status,
            "version": {"image": self._image_for(suite, cr), "version": self._ceph_version_label(suite)},
            "storage": {"deviceClasses": [{"name": c} for c in classes],
                        "osd": {"storeType": {"bluestore": osd_count}}},
            "observedGeneration": cr["metadata"].get("generation", 1)})

    # Ceph image change: restart the daemons one by one with the new release's binaries
    def roll(self, cr, suite, version):
        """Rook's Ceph upgrade: refused under HEALTH_ERR unless skipUpgradeChecks or
        continueUpgradeAfterChecksEvenIfNotHealthy; then mons, mgrs, OSDs (noout set), MDSes and
        radosgws restarted one at a time with the new release, each after its ok-to-stop gate
        (mon/osd/mds ok-to-stop; skipped with skipUpgradeChecks), PGs clean again after each OSD,
        the Deployment's image and ceph-version label updated as each daemon comes back; then
        `require-osd-release`. On Tentacle the simulator then rotates the Reef-era cephx keys
        (rotate_cephx_keys): its own choice, see docs/lab-rook-simulator.md."""
        spec = cr["spec"]
        stale = [n for n, d in self.ceph.state["daemons"].items() if d["suite"] != suite]
        if not stale:
            return
        health = self.ceph.status()["health"]["status"]
        if health == "HEALTH_ERR" and not spec.get("skipUpgradeChecks") and \
                not spec.get("continueUpgradeAfterChecksEvenIfNotHealthy"):
            message = "ceph is not healthy (HEALTH_ERR): not upgrading to %s" % version
            previous = (cr.get("status") or {}).get("conditions")
            self._status(cr, "cephclusters", {"message": message, "conditions": [
                condition("Ready", "True", "ClusterCreated", "Cluster created successfully", previous),
                condition("Progressing", "False", "UpgradeBlocked", message, previous)]})
            log("rooksim: " + message)
            return
        self.ready = False
        self._progress(cr, "Upgrading Ceph to %s" % version)
        order = {"mon": 0, "mgr": 1, "osd": 2, "mds": 3, "rgw": 4}
        stale.sort(key=lambda n: (order[self.ceph.state["daemons"][n]["type"]], n))
        osds = [n for n in stale if n.startswith("osd.")]
        if osds:
            self.ceph.mon("osd set", key="noout")
        for name in stale:
            kind = self.ceph.state["daemons"][name]["type"]
            if kind in ("mon", "osd", "mds") and not spec.get("skipUpgradeChecks"):
                ident = self.ceph.state["daemons"][name]["id"]
                wait_for("%s ok-to-stop" % name,
                         lambda k=kind, i=ident: self.ceph.mon("%s ok-to-stop" % k, ids=[i], check=False)[0] == 0,
                         300, 1)
            log("rooksim: restarting %s with Ceph %s" % (name, version))
            self.ceph.restart(name, suite=suite)
            if kind == "mon":
                self.ceph.wait_quorum()
            elif kind == "osd":
                self.ceph.wait_osds_up(len(self.ceph.state["osds"]))
                wait_for("PGs active+clean after %s" % name,
                         lambda: cephlib.pg_clean_all(self.ceph.status()), 300, 1)
            self.ensure_deployments(cr)
        if osds:
            self.ceph.mon("osd unset", key="noout")
        self.ceph.state["suite"] = suite
        self.ceph.save()
        self.ensure_toolbox(cr)
        if osds:
            release = {"sid": "tentacle", "trixie": "reef"}[suite]
            self.ceph.mon("osd require-osd-release", release=release, yes_i_really_mean_it=True)
        if suite == "sid":
            self.rotate_cephx_keys(cr)
        self.update_cluster_status(cr, force=True)

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
        self.kube.delete_deployment(ns, "rook-ceph-tools")
        self.ready = False
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
                time.monotonic() - self.external_checked.get(cr["metadata"]["uid"], 0) < HEALTH_PERIOD:
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
            self._status(cr, plural, {"phase": "ReconcileFailed" if not store else "Progressing"})
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
        plural = "objectbucketclaims"
        spec = obc.get("spec") or {}
        ns, name = obc["metadata"]["namespace"], obc["metadata"]["name"]
        sc = self.kube.storage_class(spec.get("storageClassName") or "")
        if sc is None or not str(sc.get("provisioner", "")).endswith("ceph.rook.io/bucket"):
            return
        params = sc.get("parameters") or {}
        store = params.get("objectStoreName")
        store_ns = params.get("objectStoreNamespace", ns)
        bucket = spec.get("bucketName") or (obc.get("status") or {}).get("bucketName") or \
            "%s%s" % (spec.get("generateBucketName") or name + "-", os.urandom(4).hex())
        uid = "obc-%s-%s" % (ns, name)
        if self._deleting(obc):
            if sc.get("reclaimPolicy", "Delete") == "Delete":
                self.radosgw_admin(store, "bucket", "rm", "--bucket", bucket, "--purge-objects", check=False)
            self.radosgw_admin(store, "user", "rm", "--uid", uid, check=False)
            self.kube.delete("secret", ns, name)
            self.kube.delete("config_map", ns, name)
            self.kube.delete_cluster_object("objectbuckets", "obc-%s-%s" % (ns, name))
            self._drop_finalizer(obc, plural, OBC_FINALIZER, OBC_GROUP, OBC_VERSION)
            return
        if (obc.get("status") or {}).get("phase") == "Bound" or not self._store_ready(store_ns, store):
            return
        self._ensure_finalizer(obc, plural, OBC_FINALIZER, OBC_GROUP, OBC_VERSION)
        info = self.radosgw_admin(store, "user", "info", "--uid", uid, check=False)
        user = json.loads(info.stdout) if info.returncode == 0 else self.radosgw_admin(
            store, "user", "create", "--uid", uid, "--display-name", uid, "--max-buckets", "1")
        key = user["keys"][0]
        endpoint = self.store_endpoint(store)
        _s3_create_bucket(endpoint, key["access_key"], key["secret_key"], bucket)
        host, port = endpoint.split("//", 1)[1].rsplit(":", 1)
        self.kube.apply("secret", ns, {"metadata": {"name": name, "namespace": ns, "labels": {"bucket-provisioner": "rook-ceph.ceph.rook.io-bucket"}},
                                       "data": {"AWS_ACCESS_KEY_ID": b64(key["access_key"]),
                                                "AWS_SECRET_ACCESS_KEY": b64(key["secret_key"])}})
        self.kube.apply("config_map", ns, {"metadata": {"name": name, "namespace": ns},
                                           "data": {"BUCKET_HOST": host, "BUCKET_PORT": port,
                                                    "BUCKET_NAME": bucket, "BUCKET_REGION": "us-east-1",
                                                    "BUCKET_SUBREGION": ""}})
        # the ObjectBucket lib-bucket-provisioner binds to the claim (cluster-scoped)
        self.kube.apply_cluster_object("objectbuckets", {
            "apiVersion": "%s/%s" % (OBC_GROUP, OBC_VERSION), "kind": "ObjectBucket",
            "metadata": {"name": "obc-%s-%s" % (ns, name),
                         "labels": {"bucket-provisioner": "rook-ceph.ceph.rook.io-bucket"}},
            "spec": {"storageClassName": sc["metadata"]["name"], "reclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                     "claimRef": {"apiVersion": "%s/%s" % (OBC_GROUP, OBC_VERSION), "kind": "ObjectBucketClaim",
                                  "name": name, "namespace": ns, "uid": obc["metadata"]["uid"]},
                     "endpoint": {"bucketHost": host, "bucketPort": int(port), "bucketName": bucket,
                                  "region": "us-east-1", "subRegion": "", "additionalConfig": {}}},
            "status": {"phase": "Bound"}})
        self.kube.patch(obc, {"spec": {"bucketName": bucket, "objectBucketName": "obc-%s-%s" % (ns, name)}},
                        plural, OBC_GROUP, OBC_VERSION)
        self._status(obc, plural, {"phase": "Bound"}, OBC_GROUP, OBC_VERSION)


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
