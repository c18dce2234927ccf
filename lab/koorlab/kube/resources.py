"""Resource types of the lab Kubernetes API simulator: the built-in kinds and those of CRDs."""

import os
import re
import uuid
import zlib


def node_info(name):
    """A Node's status.nodeInfo as a kubelet reports it, every field the API's schema requires (the
    kubernetes client's models refuse a Node without them)."""
    uid = str(uuid.uuid5(uuid.NAMESPACE_DNS, name + ".lab.koor.io"))
    return {"machineID": uid.replace("-", ""), "systemUUID": uid, "bootID": uid, "kernelVersion": os.uname().release,
            "osImage": "Debian GNU/Linux (koor lab node)", "containerRuntimeVersion": "lab://none",
            "kubeletVersion": "v1.32.0-lab", "kubeProxyVersion": "v1.32.0-lab", "operatingSystem": "linux",
            "architecture": "amd64"}


VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# Lists merged by key (strategic merge patch, server-side apply) in built-in kinds, by field
# name: the subset of Kubernetes' patchMergeKey / listMapKeys the collection's objects use.
# A ("set",) entry is a list of scalars merged as a set; every other list is atomic.
_BUILTIN_LISTS = {
    "containers": ("map", ("name",)),
    "initContainers": ("map", ("name",)),
    "ephemeralContainers": ("map", ("name",)),
    "env": ("map", ("name",)),
    "volumes": ("map", ("name",)),
    "volumeMounts": ("map", ("mountPath",)),
    "volumeDevices": ("map", ("devicePath",)),
    "imagePullSecrets": ("map", ("name",)),
    "hostAliases": ("map", ("ip",)),
    "conditions": ("map", ("type",)),
    "ownerReferences": ("map", ("uid",)),
    "finalizers": ("set", ()),
    "secrets": ("map", ("name",)),
    "resourceClaims": ("map", ("name",)),
    "topologySpreadConstraints": ("map", ("topologyKey", "whenUnsatisfiable")),
}


class ResourceType:
    """One resource (group, plural) served in one or more versions."""

    def __init__(self, group, versions, kind, plural, namespaced, short_names=(), singular=None,
                 subresources=(), categories=(), crd=None, list_kind=None):
        self.group = group
        self.versions = list(versions)
        self.kind = kind
        self.plural = plural
        self.singular = singular or kind.lower()
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.subresources = set(subresources)
        self.categories = list(categories)
        self.list_kind = list_kind or kind + "List"
        self.crd = crd  # name of the CRD defining it; None for built-ins
        self.schemas = {}  # version -> openAPIV3Schema (CRDs)
        self.printer_columns = {}  # version -> additionalPrinterColumns (CRDs)
        self.storage_version = self.versions[0]

    @property
    def key(self):
        return (self.group, self.plural)

    def api_version(self, version=None):
        version = version or self.storage_version
        return "%s/%s" % (self.group, version) if self.group else version

    def describe(self):
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    def qualified_kind(self):
        return "%s.%s" % (self.kind, self.group) if self.group else self.kind

    def list_info(self, path, version=None):
        """How a list at path (field names; list items as "[]") merges: ("map", keys), ("set", ()) or
        ("atomic", ())."""
        if self.crd is None:
            if not path:
                return ("atomic", ())
            name = path[-1]
            if name == "ports":
                return ("map", ("containerPort",)) if "containers" in path or "initContainers" in path \
                    else ("map", ("port",))
            if name == "finalizers" and path[:1] != ("metadata",):
                return ("atomic", ())
            return _BUILTIN_LISTS.get(name, ("atomic", ()))
        if path[:1] == ("metadata",):
            return _BUILTIN_LISTS.get(path[-1], ("atomic", ()))
        schema = schema_at(self.schemas.get(version or self.storage_version) or {}, path)
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "map":
            return ("map", tuple(schema.get("x-kubernetes-list-map-keys") or ()))
        if list_type == "set":
            return ("set", ())
        return ("atomic", ())

    def resource_entries(self, version):
        """APIResource entries of a group/version resource list."""
        entry = {"name": self.plural, "singularName": self.singular, "namespaced": self.namespaced,
                 "kind": self.kind, "verbs": list(VERBS)}
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        if version == self.storage_version:
            entry["storageVersionHash"] = "%08x" % zlib.crc32(repr(self.key).encode())
        entries = [entry]
        for sub in sorted(self.subresources):
            if sub == "status":
                entries.append({"name": self.plural + "/status", "singularName": "", "namespaced": self.namespaced,
                                "kind": self.kind, "verbs": ["get", "patch", "update"]})
            elif sub == "scale":
                entries.append({"name": self.plural + "/scale", "singularName": "", "namespaced": self.namespaced,
                                "group": "autoscaling", "version": "v1", "kind": "Scale",
                                "verbs": ["get", "patch", "update"]})
            elif sub == "exec":
                entries.append({"name": self.plural + "/exec", "singularName": "", "namespaced": self.namespaced,
                                "kind": "PodExecOptions", "verbs": ["create", "get"]})
            elif sub == "log":
                entries.append({"name": self.plural + "/log", "singularName": "", "namespaced": self.namespaced,
                                "kind": self.kind, "verbs": ["get"]})
        return entries

    def discovery_entry(self, version):
        """The APIResourceDiscovery of aggregated discovery (apidiscovery.k8s.io/v2)."""
        kind = {"group": self.group, "version": version, "kind": self.kind}
        entry = {"resource": self.plural, "responseKind": kind, "scope": "Namespaced" if self.namespaced else "Cluster",
                 "singularResource": self.singular, "verbs": list(VERBS)}
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        subresources = []
        for legacy in self.resource_entries(version)[1:]:
            sub_kind = {"group": legacy.get("group", self.group), "version": legacy.get("version", version),
                        "kind": legacy["kind"]}
            subresources.append({"subresource": legacy["name"].split("/", 1)[1], "responseKind": sub_kind,
                                 "verbs": legacy["verbs"]})
        if subresources:
            entry["subresources"] = subresources
        return entry


def schema_at(schema, path):
    """The sub-schema at path (field names, "[]" for list items); {} when unknown."""
    for name in path:
        if not isinstance(schema, dict):
            return {}
        if name == "[]":
            schema = schema.get("items") or {}
        else:
            props = schema.get("properties") or {}
            if name in props:
                schema = props[name]
            elif isinstance(schema.get("additionalProperties"), dict):
                schema = schema["additionalProperties"]
            else:
                return {}
    return schema if isinstance(schema, dict) else {}


def _b(group, version, kind, plural, namespaced, short=(), sub=(), cats=()):
    return ResourceType(group, [version], kind, plural, namespaced, short_names=short, subresources=sub,
                        categories=cats)


def builtin_types():
    """The built-in kinds: those the collection and Rook's manifests touch, and a few neighbours."""
    return [
        _b("", "v1", "Namespace", "namespaces", False, ["ns"], ["status"]),
        _b("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
        _b("", "v1", "Secret", "secrets", True),
        _b("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"]),
        _b("", "v1", "Service", "services", True, ["svc"], ["status"], ["all"]),
        _b("", "v1", "Endpoints", "endpoints", True, ["ep"]),
        _b("", "v1", "Pod", "pods", True, ["po"], ["status", "exec", "log"], ["all"]),
        _b("", "v1", "Node", "nodes", False, ["no"], ["status"]),
        _b("", "v1", "Event", "events", True, ["ev"]),
        _b("", "v1", "PersistentVolume", "persistentvolumes", False, ["pv"], ["status"]),
        _b("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ["pvc"], ["status"]),
        _b("apps", "v1", "Deployment", "deployments", True, ["deploy"], ["status", "scale"], ["all"]),
        _b("apps", "v1", "ReplicaSet", "replicasets", True, ["rs"], ["status"], ["all"]),
        _b("apps", "v1", "StatefulSet", "statefulsets", True, ["sts"], ["status"], ["all"]),
        _b("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"], ["status"], ["all"]),
        _b("batch", "v1", "Job", "jobs", True, [], ["status"], ["all"]),
        _b("batch", "v1", "CronJob", "cronjobs", True, ["cj"], ["status"], ["all"]),
        _b("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ["pdb"], ["status"]),
        _b("coordination.k8s.io", "v1", "Lease", "leases", True),
        _b("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ["sc"]),
        _b("storage.k8s.io", "v1", "CSIDriver", "csidrivers", False),
        _b("snapshot.storage.k8s.io", "v1", "VolumeSnapshotClass", "volumesnapshotclasses", False, ["vsclass"]),
        _b("snapshot.storage.k8s.io", "v1", "VolumeSnapshot", "volumesnapshots", True, ["vs"], ["status"]),
        _b("snapshot.storage.k8s.io", "v1", "VolumeSnapshotContent", "volumesnapshotcontents", False, ["vsc"],
           ["status"]),
        _b("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
        _b("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
        _b("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
        _b("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
        _b("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
           ["crd", "crds"], ["status"]),
    ]


PREFERRED_GROUP_ORDER = ["", "apps", "batch", "policy", "coordination.k8s.io", "storage.k8s.io",
                         "rbac.authorization.k8s.io", "apiextensions.k8s.io", "snapshot.storage.k8s.io"]


def crd_types(crd):
    """The ResourceType a CustomResourceDefinition object defines."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    served = [v for v in spec.get("versions") or [] if v.get("served", True)]
    if not served:
        return None
    storage = [v["name"] for v in served if v.get("storage")]
    versions = [v["name"] for v in served]
    subs = set()
    for ver in served:
        subs.update((ver.get("subresources") or {}).keys())
    rtype = ResourceType(spec.get("group", ""), versions, names.get("kind", ""), names.get("plural", ""),
                         spec.get("scope", "Namespaced") == "Namespaced", short_names=names.get("shortNames") or (),
                         singular=names.get("singular"), subresources=subs, categories=names.get("categories") or (),
                         crd=crd["metadata"]["name"], list_kind=names.get("listKind"))
    rtype.storage_version = storage[0] if storage else versions[0]
    for ver in served:
        rtype.schemas[ver["name"]] = ((ver.get("schema") or {}).get("openAPIV3Schema")) or {}
        rtype.printer_columns[ver["name"]] = ver.get("additionalPrinterColumns") or []
    return rtype


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version):
    """Kubernetes' version ordering: GA before beta before alpha, higher numbers first."""
    match = _VERSION_RE.match(version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), version)
