"""An in-memory stand-in for operator.Kube, for unit tests of the reconcile logic only.

The real tests run the operator against the lab's Kubernetes API (koorlab.kube)."""
# pylint: disable=unused-argument

import copy
import datetime
import uuid


class FakeKube:
    def __init__(self):
        self.objects = {}  # (plural, namespace, name) -> dict
        self.calls = []

    def add(self, plural, obj):
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        meta.setdefault("namespace", "rook-ceph")
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("generation", 1)
        meta.setdefault("creationTimestamp", datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.objects[(plural, meta["namespace"], meta["name"])] = obj
        return obj

    def remove(self, plural, namespace, name):
        """kubectl delete: sets deletionTimestamp while finalizers remain."""
        obj = self.objects.get((plural, namespace, name))
        if obj is None:
            return
        if obj["metadata"].get("finalizers"):
            obj["metadata"]["deletionTimestamp"] = "now"
        else:
            del self.objects[(plural, namespace, name)]

    def get(self, plural, namespace, name):
        return self.objects.get((plural, namespace, name))

    def missing(self, exc):
        return False

    def list(self, plural, group=None, version=None):
        return [copy.deepcopy(o) for (p, _n, _m), o in sorted(self.objects.items()) if p == plural]

    def patch(self, obj, body, plural, group=None, version=None):
        meta = obj["metadata"]
        stored = self.objects[(plural, meta["namespace"], meta["name"])]
        self.calls.append(("patch", plural, meta["name"], body))
        if "labels" in body.get("metadata", {}):
            stored["metadata"]["labels"] = dict(body["metadata"]["labels"] or {})
        if "metadata" in body and "finalizers" in body["metadata"]:
            stored["metadata"]["finalizers"] = body["metadata"]["finalizers"] or []
            if not stored["metadata"]["finalizers"] and stored["metadata"].get("deletionTimestamp"):
                del self.objects[(plural, meta["namespace"], meta["name"])]
        if "spec" in body:
            stored.setdefault("spec", {}).update(body["spec"])
        return stored

    def patch_status(self, obj, status, plural, group=None, version=None):
        meta = obj["metadata"]
        stored = self.objects.get((plural, meta["namespace"], meta["name"]))
        if stored is not None:
            stored.setdefault("status", {}).update(copy.deepcopy(status))
        return stored

    def list_deployments(self, namespace, selector):
        key, value = selector.split("=", 1)
        return [copy.deepcopy(o) for (p, n, _m), o in sorted(self.objects.items())
                if p == "deployments" and n == namespace and o["metadata"].get("labels", {}).get(key) == value]

    def operator_deployments(self):
        return [o for o in self.list("deployments")
                if o["spec"]["template"].get("metadata", {}).get("labels", {}).get("app") == "rook-ceph-operator"]

    def get_deployment(self, namespace, name):
        return copy.deepcopy(self.objects.get(("deployments", namespace, name)))

    def apply_deployment(self, namespace, body):
        self.add("deployments", body)

    def patch_deployment(self, namespace, name, body):
        stored = self.objects[("deployments", namespace, name)]
        meta = stored["spec"]["template"].setdefault("metadata", {})
        meta.setdefault("annotations", {}).update(body["spec"]["template"]["metadata"]["annotations"])

    def delete_deployment(self, namespace, name):
        self.objects.pop(("deployments", namespace, name), None)

    def apply(self, kind, namespace, body):
        self.add(kind + "s", body)

    def read(self, kind, namespace, name):
        return copy.deepcopy(self.objects.get((kind + "s", namespace, name)))

    def delete(self, kind, namespace, name):
        self.objects.pop((kind + "s", namespace, name), None)

    def storage_class(self, name):
        return copy.deepcopy(self.objects.get(("storageclasses", "", name)))

    # nodes (what the kubelets register)
    def list_nodes(self):
        return self.list("nodes")

    def create_node(self, body):
        body = copy.deepcopy(body)
        body["metadata"]["namespace"] = ""
        self.add("nodes", body)

    def patch_node_status(self, name, status):
        self.objects[("nodes", "", name)].setdefault("status", {}).update(copy.deepcopy(status))

    # cluster-scoped custom resources (ObjectBuckets): namespace ""
    def apply_cluster_object(self, plural, body, group=None, version=None):
        body = copy.deepcopy(body)
        status = body.pop("status", None)
        body["metadata"]["namespace"] = ""
        old = self.objects.get((plural, "", body["metadata"]["name"]))
        obj = self.add(plural, body) if old is None else old
        if old is not None:
            old["spec"] = body["spec"]
            old["metadata"].update({k: v for k, v in body["metadata"].items() if k in ("labels", "finalizers")})
        if status:
            obj.setdefault("status", {}).update(status)

    def get_cluster_object(self, plural, name, group=None, version=None):
        return copy.deepcopy(self.objects.get((plural, "", name)))

    def patch_cluster_object(self, plural, name, body, group=None, version=None):
        stored = self.objects[(plural, "", name)]
        for key, value in (body.get("metadata") or {}).items():
            if value is None:
                stored["metadata"].pop(key, None)
            else:
                stored["metadata"][key] = value
        return copy.deepcopy(stored)

    def patch_cluster_status(self, plural, name, status, group=None, version=None):
        self.objects[(plural, "", name)].setdefault("status", {}).update(status)

    def delete_cluster_object(self, plural, name, group=None, version=None):
        obj = self.objects.get((plural, "", name))
        if obj is not None and obj["metadata"].get("finalizers"):
            obj["metadata"]["deletionTimestamp"] = "now"
        else:
            self.objects.pop((plural, "", name), None)


class FakeNode:
    """A lab node as ceph.Node describes it."""

    def __init__(self, index, name, disks):
        self.index, self.name, self.disks = index, name, list(disks)
        self.address = "10.251.9.%d" % (10 + index)
        self.init_pid = 1000 + index
        self.running = True


class FakeCeph:
    """An in-memory stand-in for ceph.CephCluster: its state (daemons, OSDs), its nodes, and the mon
    commands the reconcile logic sends, recorded in ``commands`` (``auth get-or-create-key`` answers a key
    per entity, ``auth get`` knows the entities made). For unit tests only."""

    def __init__(self, nodes=3, disks=2, suite="sid"):
        self.state = {"suite": suite, "fsid": "00000000-0000-4000-8000-000000000001", "daemons": {}, "osds": {},
                      "mons": {}}
        self._nodes = [FakeNode(i + 1, "lab-node%d" % (i + 1), ["/dev/loop%d" % (10 + disks * i + d) for d in range(disks)])
                       for i in range(nodes)]
        self.conf = "/var/lib/koor-lab/unit/rook/etc/ceph.conf"
        self.commands = []
        self.entities = {}  # entity: {"key", "caps"}

    @property
    def exists(self):
        return self.state is not None

    @property
    def fsid(self):
        return self.state["fsid"]

    def save(self):
        pass

    def nodes(self):
        return list(self._nodes)

    def node(self, name_or_index):
        for node in self._nodes:
            if name_or_index in (node.name, node.index, str(node.index)):
                return node
        raise KeyError(name_or_index)

    def root(self, suite=None):
        return "/roots/%s" % (suite or self.state["suite"])

    def env(self):
        return {"CEPH_CONF": self.conf, "CEPH_ARGS": "", "LC_ALL": "C"}

    def prefix(self):
        return ["chroot", self.root()]

    def add_daemon(self, kind, ident, node, **extra):
        daemon = dict(type=kind, id=str(ident), node=node, suite=self.state["suite"], **extra)
        self.state["daemons"]["%s.%s" % (kind, ident)] = daemon

    def mon(self, prefix, check=True, timeout=60, **args):
        self.commands.append(dict(args, prefix=prefix))
        entity = args.get("entity")
        if prefix == "auth get-or-create-key":
            made = self.entities.setdefault(entity, {"key": "AQ%s==" % uuid.uuid5(uuid.NAMESPACE_DNS, entity).hex,
                                                     "caps": list(args.get("caps") or [])})
            out = {"key": made["key"]}
        elif prefix == "auth get":
            if entity not in self.entities:
                return (2, "", "failed to find %s in keyring" % entity) if not check else {}
            out = [dict(self.entities[entity], entity=entity)]
        elif prefix == "auth caps":
            self.entities[entity]["caps"] = list(args.get("caps") or [])
            out = ""
        else:
            out = {}
        return (0, out, "") if not check else out
