"""The object store and verbs of the lab Kubernetes API simulator.

Every stored object is immutable: a write builds a new dict. One lock serialises writes; a
condition wakes watchers. resourceVersion is one global counter, persisted with the objects.
"""

import base64
import collections
import json
import os
import random
import re
import string
import threading
import time
import uuid

from . import immutable
from . import patch as patches
from .patch import clone
from .resources import builtin_types, crd_types, node_info
from .selectors import SelectorError, match_fields, match_labels, parse_fields, parse_labels

EVENT_HISTORY = 20000
MAX_ANNOTATIONS = 262144
CRD_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
DEFAULT_SERVICE_ACCOUNT = "default"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAMES = ("namespaces", "services")
_PATH_SEGMENT_GROUPS = ("rbac.authorization.k8s.io",)


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ApiError(Exception):
    """An error answered as a Kubernetes Status object."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


def not_found(rtype, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (rtype.describe(), name),
                    {"name": name, "group": rtype.group, "kind": rtype.plural})


MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


def conflict(rtype, name, why=MODIFIED):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s' % (rtype.describe(), name, why),
                    {"name": name, "group": rtype.group, "kind": rtype.plural})


def invalid(rtype, name, causes):
    parts = ["%s: %s" % (c["field"], c["message"]) if c.get("field") else c["message"] for c in causes]
    text = parts[0] if len(parts) == 1 else "[%s]" % ", ".join(parts)
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (rtype.qualified_kind(), name, text),
                    {"name": name, "group": rtype.group, "kind": rtype.kind, "causes": causes})


def bad_request(message):
    return ApiError(400, "BadRequest", message)


class Options:
    """Per-request options of writes."""

    def __init__(self, dry_run=False, field_manager=None, force=False, field_validation="Warn",
                 propagation=None, preconditions=None):
        self.dry_run = dry_run
        self.field_manager = field_manager
        self.force = force
        self.field_validation = field_validation or "Warn"
        self.propagation = propagation
        self.preconditions = preconditions or {}
        self.warnings = []


class Event:
    __slots__ = ("rv", "key", "type", "obj", "old")

    def __init__(self, rv, key, etype, obj, old):
        self.rv, self.key, self.type, self.obj, self.old = rv, key, etype, obj, old


class Cluster:
    """The API's state: resource types, objects, the event history, persistence."""

    def __init__(self, state_path=None):
        self.state_path = state_path
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.types = {}
        self.objects = collections.defaultdict(dict)
        self.rv = 0
        self.events = collections.deque(maxlen=EVENT_HISTORY)
        self.oldest_rv = 1
        self.dirty = False
        self._validators = {}
        self._saved_at = 0.0
        self._save_lock = threading.Lock()
        for rtype in builtin_types():
            self.types[rtype.key] = rtype
        if state_path and os.path.exists(state_path):
            self._load()
        self._ensure_defaults()

    # --- persistence ----------------------------------------------------------------------------

    def _load(self):
        with open(self.state_path, encoding="utf-8") as handle:
            state = json.load(handle)
        self.rv = int(state.get("resourceVersion", 0))
        for item in state.get("objects", []):
            key = (item["group"], item["plural"])
            obj = item["object"]
            self.objects[key][(obj["metadata"].get("namespace", ""), obj["metadata"]["name"])] = obj
        for crd in self.objects[("apiextensions.k8s.io", "customresourcedefinitions")].values():
            self._register_crd(crd)
        self.oldest_rv = self.rv + 1

    def snapshot(self):
        with self.lock:
            items = [{"group": key[0], "plural": key[1], "object": obj}
                     for key, objs in self.objects.items() for obj in objs.values()]
            self.dirty = False
            return {"resourceVersion": self.rv, "objects": items}

    def save(self, force=False, interval=0.5):
        """Write the state file atomically when something changed (at most every interval)."""
        if not self.state_path or not (self.dirty or force):
            return
        if not force and time.monotonic() - self._saved_at < interval:
            return
        with self._save_lock:
            state = self.snapshot()
            tmp = "%s.tmp" % self.state_path
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(state, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.state_path)
            self._saved_at = time.monotonic()

    def _ensure_defaults(self):
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            if ("", name) not in self.objects[("", "namespaces")]:
                self.create(self.types[("", "namespaces")], "v1", "", {"metadata": {"name": name}},
                            Options(field_manager="lab-kube-apiserver"))
        for _unused, ns in list(self.objects[("", "namespaces")]):
            self.ensure_default_service_account(ns)  # a state file from before the lab made them
        if not self.objects[("", "nodes")]:
            node = {"metadata": {"name": "lab-node", "labels": {"kubernetes.io/hostname": "lab-node",
                                                                "kubernetes.io/os": "linux"}},
                    "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                               "message": "lab node (simulated)"}],
                               "nodeInfo": node_info("lab-node")}}
            self.create(self.types[("", "nodes")], "v1", "", node, Options(field_manager="lab-kube-apiserver"),
                        keep_status=True)

    # --- resource types ---------------------------------------------------------------------------

    def _register_crd(self, crd):
        rtype = crd_types(crd)
        if rtype is None or not rtype.plural or not rtype.kind:
            return
        old = self.types.get(rtype.key)
        if old is not None and old.crd is None:
            return  # a built-in stays built-in
        self.types[rtype.key] = rtype
        for version in rtype.versions:
            self._validators.pop((rtype.key, version), None)

    def _unregister_crd(self, crd):
        spec = crd.get("spec") or {}
        key = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        if key in self.types and self.types[key].crd is not None:
            del self.types[key]
            self.objects.pop(key, None)

    def find_type(self, group, version, plural):
        with self.lock:
            rtype = self.types.get((group, plural))
            if rtype is None or version not in rtype.versions:
                return None
            return rtype

    def group_versions(self):
        """{group: [versions]} of every served type."""
        with self.lock:
            out = collections.defaultdict(set)
            for rtype in self.types.values():
                out[rtype.group].update(rtype.versions)
            return out

    def types_in(self, group, version):
        with self.lock:
            return sorted((t for t in self.types.values() if t.group == group and version in t.versions),
                          key=lambda t: t.plural)

    def validator(self, rtype, version):
        key = (rtype.key, version)
        if key not in self._validators:
            from .schema import Validator  # pylint: disable=import-outside-toplevel
            self._validators[key] = Validator(rtype.schemas.get(version))
        return self._validators[key]

    # --- reads --------------------------------------------------------------------------------------

    def get(self, rtype, version, namespace, name):
        with self.lock:
            obj = self.objects[rtype.key].get((namespace if rtype.namespaced else "", name))
            if obj is None:
                raise not_found(rtype, name)
            return self.present(rtype, version, obj)

    @staticmethod
    def present(rtype, version, obj):
        if obj.get("apiVersion") == rtype.api_version(version):
            return obj
        out = dict(obj)
        out["apiVersion"] = rtype.api_version(version)
        return out

    @staticmethod
    def filters(label_selector=None, field_selector=None):
        try:
            labels = parse_labels(label_selector)
            fields = parse_fields(field_selector)
        except SelectorError as exc:
            raise bad_request(str(exc))
        return lambda obj: match_labels(labels, obj["metadata"].get("labels")) and match_fields(fields, obj)

    def list(self, rtype, version, namespace, label_selector=None, field_selector=None, limit=None, cont=None):
        match = self.filters(label_selector, field_selector)
        with self.lock:
            keys = sorted(k for k in self.objects[rtype.key] if not namespace or k[0] == namespace)
            start = 0
            if cont:
                try:
                    after = tuple(json.loads(base64.urlsafe_b64decode(cont.encode()).decode()))
                except ValueError:
                    raise ApiError(410, "Expired", "the provided continue parameter is invalid")
                start = next((n for n, k in enumerate(keys) if k > after), len(keys))
            items, last, next_key = [], None, None
            for key in keys[start:]:
                obj = self.objects[rtype.key][key]
                if not match(obj):
                    continue
                if limit and len(items) >= limit:
                    next_key = last
                    break
                items.append(self.present(rtype, version, obj))
                last = key
            meta = {"resourceVersion": str(self.rv)}
            if next_key is not None:
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(list(next_key)).encode()).decode()
            return {"kind": rtype.list_kind, "apiVersion": rtype.api_version(version), "metadata": meta,
                    "items": items}

    # --- writes -------------------------------------------------------------------------------------

    def _commit(self, rtype, key, etype, obj, old, dry_run=False):
        if dry_run:
            return obj
        self.rv += 1
        if obj is not None and etype != "DELETED":
            obj["metadata"]["resourceVersion"] = str(self.rv)
            self.objects[rtype.key][key] = obj
        else:
            self.objects[rtype.key].pop(key, None)
            if obj is not None:
                obj = dict(obj)
                obj["metadata"] = dict(obj["metadata"], resourceVersion=str(self.rv))
        self.events.append(Event(self.rv, rtype.key, etype, obj, old))
        if len(self.events) == self.events.maxlen:
            self.oldest_rv = self.events[0].rv
        self.dirty = True
        self.cond.notify_all()
        return obj

    def _key(self, rtype, namespace, name):
        return (namespace if rtype.namespaced else "", name)

    def _check_namespace(self, rtype, namespace, creating):
        if not rtype.namespaced:
            return
        if not namespace:
            raise bad_request("the server could not find the requested resource: %s is namespaced" % rtype.describe())
        ns = self.objects[("", "namespaces")].get(("", namespace))
        if ns is None:
            raise ApiError(404, "NotFound", 'namespaces "%s" not found' % namespace,
                           {"name": namespace, "kind": "namespaces"})
        if creating and ns["metadata"].get("deletionTimestamp"):
            raise ApiError(403, "Forbidden", 'unable to create new content in namespace %s because it is being '
                           'terminated' % namespace)

    def create(self, rtype, version, namespace, body, opts, keep_status=False, managed=None):
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        with self.lock:
            obj = clone(body)
            meta = obj.setdefault("metadata", {}) or {}
            obj["metadata"] = meta
            self._check_kind(rtype, version, obj)
            if rtype.namespaced:
                if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                    raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                      "the request")
                meta["namespace"] = namespace or meta.get("namespace")
            else:
                meta.pop("namespace", None)
            requested = meta.get("name") or meta.get("generateName") or ""
            if not meta.get("name"):
                if meta.get("generateName"):
                    meta["name"] = meta["generateName"] + "".join(random.choice("bcdfghjklmnpqrstvwxz2456789")
                                                                  for _unused in range(5))
                else:
                    raise invalid(rtype, "", [{"reason": "FieldValueRequired", "field": "metadata.name",
                                               "message": "Required value: name or generateName is required"}])
            name = meta["name"]
            self._check_namespace(rtype, meta.get("namespace"), creating=True)
            if rtype.key == ("", "pods"):
                self._admit_service_account(obj, requested)
            key = self._key(rtype, meta.get("namespace"), name)
            if key in self.objects[rtype.key]:
                raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (rtype.describe(), name),
                               {"name": name, "group": rtype.group, "kind": rtype.plural})
            for field in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(field, None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            meta["generation"] = 1
            if "status" in rtype.subresources and not keep_status:
                obj.pop("status", None)
            obj = self._admit(rtype, version, obj, None, opts)
            managed = managed if managed is not None else patches.record_update(
                None, obj, self._manager(opts), {}, self._list_info(rtype, version),
                skip_status="status" in rtype.subresources)
            self._set_managed(rtype, version, obj, managed, {})
            obj = self._commit(rtype, key, "ADDED", obj, None, opts.dry_run)
            if not opts.dry_run:
                self._after_write(rtype, obj, None)
            return self.present(rtype, version, obj)

    def _admit_service_account(self, pod, requested):
        """The ServiceAccount admission plugin: a pod runs as spec.serviceAccountName (default
        `default`), which must exist in its namespace (plugin/pkg/admission/serviceaccount)."""
        spec = pod.get("spec") if isinstance(pod.get("spec"), dict) else None
        if spec is None:
            return
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = spec["serviceAccount"] = account
        namespace = pod["metadata"].get("namespace")
        if ("", "serviceaccounts") in self.types and (namespace, account) not in self.objects[("", "serviceaccounts")]:
            raise ApiError(403, "Forbidden", 'pods "%s" is forbidden: error looking up service account %s/%s: '
                           'serviceaccount "%s" not found' % (requested, namespace, account, account),
                           {"name": requested, "kind": "pods"})

    def ensure_default_service_account(self, namespace):
        """The `default` ServiceAccount of a namespace, as kube-controller-manager's serviceaccounts
        controller makes it (not in a namespace being deleted)."""
        with self.lock:
            ns = self.objects[("", "namespaces")].get(("", namespace))
            if ns is None or ns["metadata"].get("deletionTimestamp"):
                return False
            if (namespace, DEFAULT_SERVICE_ACCOUNT) in self.objects[("", "serviceaccounts")]:
                return False
            self.create(self.types[("", "serviceaccounts")], "v1", namespace,
                        {"metadata": {"name": DEFAULT_SERVICE_ACCOUNT}},
                        Options(field_manager="lab-serviceaccount-controller"))
            return True

    def update(self, rtype, version, namespace, name, body, opts, subresource=None):
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        with self.lock:
            self._check_namespace(rtype, namespace, creating=False)
            key = self._key(rtype, namespace, name)
            old = self.objects[rtype.key].get(key)
            meta = body.get("metadata") or {}
            if meta.get("name") and meta["name"] != name:
                raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                  % (meta["name"], name))
            if old is None:
                if subresource:
                    raise not_found(rtype, name)
                return self.create(rtype, version, namespace, body, opts), True
            wanted = meta.get("resourceVersion")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                raise conflict(rtype, name)
            if not wanted and rtype.crd is not None:
                raise invalid(rtype, name, [{"reason": "FieldValueInvalid", "field": "metadata.resourceVersion",
                                             "message": "Invalid value: 0x0: must be specified for an update"}])
            return self._replace(rtype, version, old, clone(body), opts, subresource), False

    def patch(self, rtype, version, namespace, name, patch_type, body, opts, subresource=None):
        with self.lock:
            self._check_namespace(rtype, namespace, creating=False)
            key = self._key(rtype, namespace, name)
            old = self.objects[rtype.key].get(key)
            if patch_type == "apply":
                return self._apply(rtype, version, namespace, name, old, body, opts, subresource)
            if old is None:
                raise not_found(rtype, name)
            current = self.present(rtype, version, old)
            try:
                if patch_type == "merge":
                    if not isinstance(body, dict):
                        raise bad_request("a merge patch must be a JSON object")
                    new = patches.merge_patch(current, body)
                elif patch_type == "json":
                    new = patches.json_patch(current, body)
                elif patch_type == "strategic":
                    if rtype.crd is not None:
                        raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                                       "format - accepted media types include: application/json-patch+json, "
                                       "application/merge-patch+json, application/apply-patch+yaml")
                    if not isinstance(body, dict):
                        raise bad_request("a strategic merge patch must be a JSON object")
                    new = patches.strategic_merge(current, body, rtype.list_info)
                else:
                    raise ApiError(415, "UnsupportedMediaType", "unsupported patch type %r" % patch_type)
            except patches.PatchError as exc:
                if exc.code == 409:
                    raise conflict(rtype, name, str(exc))
                raise ApiError(exc.code, "Invalid" if exc.code == 422 else "BadRequest", str(exc))
            if not isinstance(new, dict):
                raise bad_request("the patched object is not a JSON object")
            new_meta = new.get("metadata") or {}
            if new_meta.get("resourceVersion") != old["metadata"]["resourceVersion"]:
                raise conflict(rtype, name)
            if new_meta.get("name") != name:
                raise bad_request("the name of the object cannot be changed by a patch")
            return self._replace(rtype, version, old, new, opts, subresource)

    def _apply(self, rtype, version, namespace, name, old, body, opts, subresource):
        if not isinstance(body, dict):
            raise bad_request("an apply patch must be a YAML or JSON object")
        if not opts.field_manager:
            raise bad_request("PATCH requests for server-side apply need the fieldManager query parameter")
        self._check_kind(rtype, version, body)
        meta = body.get("metadata") or {}
        if meta.get("name") and meta["name"] != name:
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                              % (meta["name"], name))
        if rtype.namespaced and meta.get("namespace") and meta["namespace"] != namespace:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        list_info = self._list_info(rtype, version)
        status_only = subresource == "status"
        applied = body
        if status_only:
            applied = {"apiVersion": body.get("apiVersion"), "kind": body.get("kind"),
                       "status": body.get("status") or {}}
        skip_status = "status" in rtype.subresources and not status_only
        current = self.present(rtype, version, old) if old is not None else None
        managed = self._get_managed(old) if old is not None else {}
        merged, new_managed, conflicts = patches.server_side_apply(
            current, applied, opts.field_manager, managed, opts.force, list_info, skip_status=skip_status)
        if conflicts:
            causes = [{"reason": "FieldManagerConflict", "field": self._dotted(path),
                       "message": 'conflict with "%s"%s' % (mgr, " using " + rtype.api_version(version)
                                                            if op == "Update" else "")}
                      for mgr, op, path in conflicts]
            text = "; ".join("%s: %s" % (c["message"], c["field"]) for c in causes)
            raise ApiError(409, "Conflict", "Apply failed with %d conflict%s: %s" % (
                len(causes), "" if len(causes) == 1 else "s", text),
                {"name": name, "group": rtype.group, "kind": rtype.plural, "causes": causes})
        if old is None:
            if status_only:
                raise not_found(rtype, name)
            merged.setdefault("metadata", {})["name"] = name
            return self.create(rtype, version, namespace, merged, opts, managed=new_managed)
        merged["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self._replace(rtype, version, old, merged, opts, subresource, managed=new_managed)

    @staticmethod
    def _dotted(path):
        out = ""
        for part in path:
            if part.startswith("f:"):
                out += "." + part[2:]
            elif part.startswith(("k:", "v:")):
                out += "[%s]" % part[2:]
        return out

    def _replace(self, rtype, version, old, new, opts, subresource, managed=None):
        name = old["metadata"]["name"]
        new = clone(new)  # patches share unchanged parts with the stored object, which defaulting must not touch
        new_meta = dict(new.get("metadata") or {})
        old_meta = old["metadata"]
        for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace",
                      "name", "generation"):
            if field in old_meta:
                new_meta[field] = old_meta[field]
            else:
                new_meta.pop(field, None)
        new["metadata"] = new_meta
        if subresource == "status":
            merged = clone(old)
            if "status" in new:
                merged["status"] = new["status"]
            else:
                merged.pop("status", None)
            merged["metadata"]["resourceVersion"] = new_meta.get("resourceVersion")
            if "managedFields" in new_meta:
                merged["metadata"]["managedFields"] = new_meta["managedFields"]
            new = merged
        elif "status" in rtype.subresources:
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
        self._check_kind(rtype, version, new)
        if old_meta.get("deletionTimestamp"):
            added = set(new_meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
            if added:
                raise invalid(rtype, name, [{"reason": "FieldValueForbidden", "field": "metadata.finalizers",
                                             "message": "Forbidden: no new finalizers can be added if the object "
                                                        "is being deleted, found new finalizers %s"
                                                        % json.dumps(sorted(added))}])
        new = self._admit(rtype, version, new, old, opts)
        if self._spec_changed(rtype, old, new):
            new["metadata"]["generation"] = int(old_meta.get("generation", 1)) + 1
        old_managed = self._get_managed(old)
        list_info = self._list_info(rtype, version)
        skip = "status" in rtype.subresources and subresource != "status"
        if managed is None:
            supplied = new_meta.get("managedFields")
            if supplied is not None and supplied != old_meta.get("managedFields"):
                managed = self._parse_managed(supplied)
            else:
                managed = patches.record_update(self.present(rtype, version, old), new, self._manager(opts),
                                                old_managed, list_info, skip_status=skip)
        self._set_managed(rtype, version, new, managed, old_managed, old_meta.get("managedFields"))
        if self._same(old, new):
            return self.present(rtype, version, old)
        key = self._key(rtype, old_meta.get("namespace"), name)
        if new_meta.get("deletionTimestamp") and not new_meta.get("finalizers"):
            obj = self._commit(rtype, key, "DELETED", new, old, opts.dry_run)
            if not opts.dry_run:
                self._after_delete(rtype, obj)
            return self.present(rtype, version, obj)
        obj = self._commit(rtype, key, "MODIFIED", new, old, opts.dry_run)
        if not opts.dry_run:
            self._after_write(rtype, obj, old)
        return self.present(rtype, version, obj)

    @staticmethod
    def _same(old, new):
        def strip(obj):
            meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
            return dict(obj, metadata=meta, apiVersion=None)
        return strip(old) == strip(new)

    @staticmethod
    def _spec_changed(rtype, old, new):
        skip = {"metadata", "apiVersion"} | ({"status"} if "status" in rtype.subresources else set())
        return ({k: v for k, v in old.items() if k not in skip} != {k: v for k, v in new.items() if k not in skip})

    def delete(self, rtype, version, namespace, name, opts):
        with self.lock:
            self._check_namespace(rtype, namespace, creating=False)
            key = self._key(rtype, namespace, name)
            old = self.objects[rtype.key].get(key)
            if old is None:
                raise not_found(rtype, name)
            pre = opts.preconditions
            if pre.get("uid") and pre["uid"] != old["metadata"]["uid"]:
                raise conflict(rtype, name, "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                               % (pre["uid"], old["metadata"]["uid"]))
            if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
                why = "Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s" % (
                    pre["resourceVersion"], old["metadata"]["resourceVersion"])
                raise conflict(rtype, name, why)
            return self._delete(rtype, version, key, old, opts)

    def _delete(self, rtype, version, key, old, opts):
        """Delete old; returns (object, finished)."""
        pending = bool(old["metadata"].get("finalizers"))
        if rtype.key == ("", "namespaces"):
            pending = True
        if rtype.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            crd_type = crd_types(old)
            pending = crd_type is not None and bool(self.objects.get(crd_type.key))
        if pending:
            if old["metadata"].get("deletionTimestamp"):
                return self.present(rtype, version, old), False
            new = clone(old)
            new["metadata"]["deletionTimestamp"] = now()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if rtype.key == ("", "namespaces"):
                new.setdefault("status", {})["phase"] = "Terminating"
            if opts.propagation == "Orphan":
                self._orphan(old)
            obj = self._commit(rtype, key, "MODIFIED", new, old, opts.dry_run)
            if not opts.dry_run:
                self._reap()
            return self.present(rtype, version, obj), False
        obj = self._commit(rtype, key, "DELETED", old, old, opts.dry_run)
        if not opts.dry_run:
            if opts.propagation == "Orphan":
                self._orphan(old)
            self._after_delete(rtype, obj)
        return self.present(rtype, version, obj), True

    def delete_collection(self, rtype, version, namespace, label_selector, field_selector, opts):
        with self.lock:
            listed = self.list(rtype, version, namespace, label_selector, field_selector)
            for item in listed["items"]:
                key = self._key(rtype, item["metadata"].get("namespace"), item["metadata"]["name"])
                old = self.objects[rtype.key].get(key)
                if old is not None:
                    self._delete(rtype, version, key, old, opts)
            return listed

    # --- lifecycle: garbage collection, namespaces, CRDs ---------------------------------------------

    def _orphan(self, owner):
        uid = owner["metadata"]["uid"]
        for key, objs in list(self.objects.items()):
            rtype = self.types.get(key)
            for okey, obj in list(objs.items()):
                refs = obj["metadata"].get("ownerReferences") or []
                if any(r.get("uid") == uid for r in refs):
                    new = clone(obj)
                    new["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
                    self._commit(rtype, okey, "MODIFIED", new, obj)

    def _after_delete(self, rtype, obj):
        if rtype.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._unregister_crd(obj)
        self._reap()

    def _reap(self):
        """Background deletion of dependents, namespace content and CRD instances."""
        for _round in range(100):
            uids = {o["metadata"]["uid"] for objs in self.objects.values() for o in objs.values()}
            work = []
            terminating_ns = {k[1] for k, ns in self.objects[("", "namespaces")].items()
                              if ns["metadata"].get("deletionTimestamp")}
            doomed_types = set()
            for crd in self.objects[("apiextensions.k8s.io", "customresourcedefinitions")].values():
                if crd["metadata"].get("deletionTimestamp"):
                    crd_type = crd_types(crd)
                    if crd_type is not None:
                        doomed_types.add(crd_type.key)
            for tkey, objs in self.objects.items():
                rtype = self.types.get(tkey)
                if rtype is None:
                    continue
                for okey, obj in objs.items():
                    if obj["metadata"].get("deletionTimestamp"):
                        continue
                    refs = obj["metadata"].get("ownerReferences") or []
                    orphaned = refs and all(r.get("uid") not in uids for r in refs)
                    if orphaned or (rtype.namespaced and okey[0] in terminating_ns) or tkey in doomed_types:
                        work.append((rtype, okey, obj))
            for nkey, ns in list(self.objects[("", "namespaces")].items()):
                if nkey[1] in terminating_ns and not any(
                        k[0] == nkey[1] for tkey, objs in self.objects.items()
                        if self.types.get(tkey) is not None and self.types[tkey].namespaced for k in objs):
                    self._commit(self.types[("", "namespaces")], nkey, "DELETED", ns, ns)
                    work.append(None)
            crd_type_key = ("apiextensions.k8s.io", "customresourcedefinitions")
            for ckey, crd in list(self.objects[crd_type_key].items()):
                if crd["metadata"].get("deletionTimestamp") and not crd["metadata"].get("finalizers"):
                    crd_type = crd_types(crd)
                    if crd_type is None or not self.objects.get(crd_type.key):
                        self._commit(self.types[crd_type_key], ckey, "DELETED", crd, crd)
                        self._unregister_crd(crd)
                        work.append(None)
            if not work:
                return
            for item in work:
                if item is None:
                    continue
                rtype, okey, obj = item
                self._delete(rtype, rtype.storage_version, okey, obj, Options(field_manager="lab-garbage-collector"))

    # --- admission: defaults and validation -----------------------------------------------------------

    def _check_kind(self, rtype, version, obj):
        kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if kind and kind != rtype.kind:
            raise bad_request("the kind of the object (%s) does not match the resource %s (kind %s)"
                              % (kind, rtype.describe(), rtype.kind))
        if api_version and api_version != rtype.api_version(version) and not (
                api_version.rsplit("/", 1)[0] == rtype.group or (not rtype.group and "/" not in api_version)):
            raise bad_request("the apiVersion of the object (%s) does not match the request (%s)"
                              % (api_version, rtype.api_version(version)))
        obj["kind"] = rtype.kind
        obj["apiVersion"] = rtype.api_version(version)

    def _admit(self, rtype, version, obj, old, opts):
        name = obj["metadata"].get("name", "")
        causes = self._validate_meta(rtype, obj)
        builtin_defaults(rtype, obj, old)
        if rtype.crd is not None:
            processed, unknown, schema_causes, warnings = self.validator(rtype, version).process(obj, old)
            opts.warnings.extend(warnings)
            if unknown:
                fields = ", ".join('unknown field "%s"' % u for u in unknown)
                if opts.field_validation == "Strict":
                    raise bad_request("strict decoding error: %s" % fields)
                if opts.field_validation == "Warn":
                    opts.warnings.extend('unknown field "%s"' % u for u in unknown)
            obj = processed
            causes += schema_causes
        else:
            causes += validate_builtin(rtype, obj)
            if old is not None:
                stored = clone(old)  # defaulted as now (a state file may hold objects from before a default)
                builtin_defaults(rtype, stored, old)
                causes += immutable.validate_update(rtype.key, obj, stored)
        if causes:
            raise invalid(rtype, name, causes)
        if rtype.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            obj["status"] = crd_status(obj, old)
        return obj

    @staticmethod
    def _validate_meta(rtype, obj):
        meta = obj["metadata"]
        name = meta.get("name", "")
        causes = []
        if rtype.group in _PATH_SEGMENT_GROUPS:
            bad = name in (".", "..") or "/" in name or "%" in name
            rule = "may not contain '/' or '%'"
        elif rtype.plural in _LABEL_NAMES and not rtype.group:
            bad = len(name) > 63 or not _DNS_LABEL.match(name)
            rule = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                    "start and end with an alphanumeric character")
        else:
            bad = len(name) > 253 or not _DNS_SUBDOMAIN.match(name)
            rule = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                    "and must start and end with an alphanumeric character")
        if bad:
            causes.append({"reason": "FieldValueInvalid", "field": "metadata.name",
                           "message": "Invalid value: %s: %s" % (json.dumps(name), rule)})
        size = sum(len(k) + len(str(v)) for k, v in (meta.get("annotations") or {}).items())
        if size > MAX_ANNOTATIONS:
            causes.append({"reason": "FieldValueTooLong", "field": "metadata.annotations",
                           "message": "Too long: must have at most %d bytes" % MAX_ANNOTATIONS})
        for field in ("labels", "annotations"):
            values = meta.get(field)
            if values is not None and (not isinstance(values, dict) or
                                       not all(isinstance(v, str) for v in values.values())):
                causes.append({"reason": "FieldValueTypeInvalid", "field": "metadata." + field,
                               "message": "Invalid value: must be a map of strings"})
        return causes

    # --- managed fields -----------------------------------------------------------------------------

    @staticmethod
    def _manager(opts):
        return opts.field_manager or "unknown"

    def _list_info(self, rtype, version):
        return lambda path: rtype.list_info(path, version)

    @staticmethod
    def _parse_managed(entries):
        managed = {}
        for entry in entries or []:
            key = (entry.get("manager", ""), entry.get("operation", "Update"))
            managed.setdefault(key, set()).update(patches.from_fields_v1(entry.get("fieldsV1")))
        return managed

    def _get_managed(self, obj):
        return self._parse_managed(obj["metadata"].get("managedFields"))

    @staticmethod
    def _set_managed(rtype, version, obj, managed, old_managed, old_entries=None):
        times = {(e.get("manager"), e.get("operation")): e.get("time") for e in old_entries or []}
        entries = []
        for (manager, operation), paths in sorted(managed.items()):
            if not paths:
                continue
            stamp = times.get((manager, operation)) if old_managed.get((manager, operation)) == paths else None
            entries.append({"manager": manager, "operation": operation, "apiVersion": rtype.api_version(version),
                            "time": stamp or now(), "fieldsType": "FieldsV1",
                            "fieldsV1": patches.to_fields_v1(paths)})
        if entries:
            obj["metadata"]["managedFields"] = entries
        else:
            obj["metadata"].pop("managedFields", None)

    def _after_write(self, rtype, obj, old):
        if rtype.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._register_crd(obj)
        if rtype.key == ("", "namespaces") and old is None:
            self.ensure_default_service_account(obj["metadata"]["name"])

    # --- watch ----------------------------------------------------------------------------------------

    def events_since(self, rv, timeout):
        """Events after rv (waiting up to timeout seconds for one); raises ApiError 410 when rv is too old."""
        with self.cond:
            if rv + 1 < self.oldest_rv and rv < self.rv:
                raise ApiError(410, "Expired", "too old resource version: %d (%d)" % (rv, self.oldest_rv - 1))
            if self.rv <= rv:
                self.cond.wait(timeout)
            found = []
            for event in reversed(self.events):
                if event.rv <= rv:
                    break
                found.append(event)
            found.reverse()
            return found, self.rv


def builtin_defaults(rtype, obj, old):
    """The defaults a real API server fills in for the built-in kinds the collection uses."""
    spec = obj.get("spec")
    key = rtype.key
    if key == ("", "namespaces"):
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif key == ("", "secrets"):
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None) or {}
        if string_data:
            data = obj.setdefault("data", {}) or {}
            for name, value in string_data.items():
                data[name] = base64.b64encode(str(value).encode()).decode()
            obj["data"] = data
    elif key == ("", "services") and isinstance(spec, dict):
        spec.setdefault("type", "ClusterIP")
        old_spec = (old or {}).get("spec") or {}
        if old is not None and "ExternalName" not in (spec.get("type"), old_spec.get("type", "ClusterIP")):
            # the registry's patchAllocatedValues and normalizeClusterIPs: an unset clusterIP(s) keeps the
            # allocated one; a changed clusterIP with clusterIPs as they were moves clusterIPs with it
            if not spec.get("clusterIP") and old_spec.get("clusterIP"):
                spec["clusterIP"] = old_spec["clusterIP"]
            if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
                spec["clusterIPs"] = list(old_spec["clusterIPs"])
            if spec.get("clusterIP") != old_spec.get("clusterIP") and spec.get("clusterIPs") == old_spec.get(
                    "clusterIPs"):
                spec["clusterIPs"] = [spec["clusterIP"]] + list(spec.get("clusterIPs") or [])[1:]
        if spec.get("type") != "ExternalName" and not spec.get("clusterIP"):
            spec["clusterIP"] = "10.96.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
        if spec.get("clusterIP") and spec["clusterIP"] != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif key == ("", "pods") and isinstance(spec, dict):
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        for container in spec.get("containers") or []:
            if isinstance(container, dict):
                container.setdefault("imagePullPolicy", "IfNotPresent")
                container.setdefault("terminationMessagePath", "/dev/termination-log")
        if old is None:
            obj.setdefault("status", {}).setdefault("phase", "Pending")
    elif key == ("apps", "deployments") and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
    elif key == ("batch", "jobs") and isinstance(spec, dict):
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completions", 1)
        spec.setdefault("parallelism", 1)
    elif key == ("apps", "statefulsets") and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"partition": 0})
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    elif key == ("apps", "daemonsets") and isinstance(spec, dict):
        spec.setdefault("revisionHistoryLimit", 10)
        strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})
    elif key == ("", "persistentvolumeclaims") and isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")
        if old is None:
            obj.setdefault("status", {}).setdefault("phase", "Pending")
    elif key == ("storage.k8s.io", "storageclasses"):
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")


def validate_builtin(rtype, obj):
    """The validation of a real API server that the collection's manifests can trip over."""
    causes = []
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if rtype.key == ("", "pods") and not spec.get("containers"):
        causes.append({"reason": "FieldValueRequired", "field": "spec.containers", "message": "Required value"})
    if rtype.key in (("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"),
                     ("apps", "replicasets")):
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
            causes.append({"reason": "FieldValueRequired", "field": "spec.selector", "message": "Required value"})
        else:
            labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            from .selectors import selector_from_label_selector  # pylint: disable=import-outside-toplevel
            if not match_labels(parse_labels(selector_from_label_selector(selector)), labels):
                causes.append({"reason": "FieldValueInvalid", "field": "spec.template.metadata.labels",
                               "message": "Invalid value: %s: `selector` does not match template `labels`"
                                          % json.dumps(labels, sort_keys=True)})
        if not ((spec.get("template") or {}).get("spec") or {}).get("containers"):
            causes.append({"reason": "FieldValueRequired", "field": "spec.template.spec.containers",
                           "message": "Required value"})
    if rtype.key == ("batch", "jobs") and not ((spec.get("template") or {}).get("spec") or {}).get("containers"):
        causes.append({"reason": "FieldValueRequired", "field": "spec.template.spec.containers",
                       "message": "Required value"})
    if rtype.key == ("", "secrets"):
        for name, value in (obj.get("data") or {}).items():
            try:
                base64.b64decode(value or "", validate=True)
            except (ValueError, TypeError):
                causes.append({"reason": "FieldValueInvalid", "field": "data[%s]" % name,
                               "message": "Invalid value: illegal base64 data"})
    if rtype.key == ("apiextensions.k8s.io", "customresourcedefinitions"):
        causes += validate_crd(obj)
    return causes


def validate_crd(obj):
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    names = spec.get("names") or {}
    causes = []
    for field in ("group", "scope"):
        if not spec.get(field):
            causes.append({"reason": "FieldValueRequired", "field": "spec." + field, "message": "Required value"})
    for field in ("plural", "kind"):
        if not names.get(field):
            causes.append({"reason": "FieldValueRequired", "field": "spec.names." + field, "message": "Required value"})
    if not spec.get("versions"):
        causes.append({"reason": "FieldValueRequired", "field": "spec.versions", "message": "Required value"})
    elif len([v for v in spec["versions"] if v.get("storage")]) != 1:
        causes.append({"reason": "FieldValueInvalid", "field": "spec.versions",
                       "message": "Invalid value: must have exactly one version marked as storage version"})
    wanted = "%s.%s" % (names.get("plural"), spec.get("group"))
    if names.get("plural") and spec.get("group") and obj["metadata"].get("name") != wanted:
        causes.append({"reason": "FieldValueInvalid", "field": "metadata.name",
                       "message": 'Invalid value: "%s": must be spec.names.plural+"."+spec.group'
                                  % obj["metadata"].get("name")})
    return causes


def crd_status(obj, old):
    """The status an API server gives a CRD: names accepted and established."""
    stamp = ((old or {}).get("status") or {}).get("conditions", [{}])[0].get("lastTransitionTime") or now()
    names = dict((obj.get("spec") or {}).get("names") or {})
    names.setdefault("singular", names.get("kind", "").lower())
    names.setdefault("listKind", names.get("kind", "") + "List")
    versions = [v["name"] for v in (obj.get("spec") or {}).get("versions") or [] if v.get("storage")]
    return {"acceptedNames": names, "storedVersions": versions,
            "conditions": [{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                            "message": "no conflicts found", "lastTransitionTime": stamp},
                           {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                            "message": "the initial names have been accepted", "lastTransitionTime": stamp}]}


def random_suffix(length=5):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _unused in range(length))
