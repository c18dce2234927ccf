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
        stored["spec"]["template"]["metadata"]["annotations"].update(body["spec"]["template"]["metadata"]["annotations"])

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
