"""Fields of the built-in kinds that an update may not change, refused as a kube-apiserver 1.32 does.

Every write that replaces an object (PUT, each patch type, server-side apply) runs this on the
defaulted new object against the stored one. The rules and messages are Kubernetes' own:

- StorageClass (pkg/apis/storage/validation ValidateStorageClassUpdate): `parameters`,
  `provisioner`, `reclaimPolicy` Forbidden `updates to X are forbidden.`; `volumeBindingMode`
  Invalid `field is immutable`.
- Deployment, ReplicaSet, DaemonSet (pkg/registry/apps/*/strategy.go ValidateUpdate), Job
  (pkg/apis/batch/validation ValidateJobSpecUpdate): `spec.selector` `field is immutable`, the
  value printed as Go prints a metav1.LabelSelector (`v1.LabelSelector{MatchLabels:...}`). Job also
  `spec.template` and `spec.completions`.
- StatefulSet (pkg/apis/apps/validation ValidateStatefulSetUpdate): `spec` Forbidden unless only
  replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
  minReadySeconds changed (1.32's list; revisionHistoryLimit joined it in 1.33).
- PersistentVolumeClaim (pkg/apis/core/validation ValidatePersistentVolumeClaimUpdate): `spec`
  Forbidden except `resources.requests` of a Bound claim, `volumeName` once, `storageClassName`
  from unset; a smaller request Forbidden.
- Service (validateUpgradeDowngradeClusterIPs, after the registry's patchAllocatedValues and
  normalizeClusterIPs in api.builtin_defaults): `spec.clusterIPs[i]` `may not change once set`,
  `primary clusterIP can not be unset`; nothing for ExternalName.
- Secret and ConfigMap with `immutable: true` (ValidateSecretUpdate, ValidateConfigMapUpdate):
  `data` (and `binaryData`, `immutable`) Forbidden `field is immutable when `immutable` is set`;
  Secret `type` always immutable.

Simplified: values compare as apimachinery's Semantic.DeepEqual does for the fields involved,
except that an absent and an empty map or list are equal everywhere (reflect.DeepEqual, used for
StorageClass parameters and ConfigMap/Secret data, tells them apart on a request); a Job's
template is printed `core.PodTemplateSpec{...}` and a PersistentVolumeClaim's message leaves out
the spec diff Kubernetes appends; the PersistentVolumeClaimResize admission plugin (the class
must allow expansion) is not there.
"""

import json

IMMUTABLE = "field is immutable"
WHEN_SET = "field is immutable when `immutable` is set"
STATEFULSET = ("updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
               "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")
PVC = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
_SELECTOR_KINDS = {("apps", "deployments"), ("apps", "replicasets"), ("apps", "daemonsets"), ("batch", "jobs")}


def _empty(value):
    return value is None or value == {} or value == [] or value == ""


def semantic(value):
    """value with empty maps, lists, strings and nulls dropped, for comparison."""
    if isinstance(value, dict):
        out = {k: semantic(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if not _empty(v)}
    if isinstance(value, list):
        return [semantic(v) for v in value]
    return value


def same(a, b):
    return semantic(a) == semantic(b)


def go_quote(text):
    return json.dumps(text, ensure_ascii=False)


def go_strings(values, type_name="[]string"):
    if values is None:
        return "%s(nil)" % type_name
    return "%s{%s}" % (type_name, ", ".join(go_quote(str(v)) for v in values))


def go_label_selector(selector):
    """A label selector as Go's %#v prints a metav1.LabelSelector."""
    if selector is None:
        return '"null"'
    labels = selector.get("matchLabels")
    if labels is None:
        labels_text = "map[string]string(nil)"
    else:
        labels_text = "map[string]string{%s}" % ", ".join(
            "%s:%s" % (go_quote(k), go_quote(str(labels[k]))) for k in sorted(labels))
    exprs = selector.get("matchExpressions")
    if exprs is None:
        exprs_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        exprs_text = "[]v1.LabelSelectorRequirement{%s}" % ", ".join(
            "v1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:%s}"
            % (go_quote(e.get("key", "")), go_quote(e.get("operator", "")), go_strings(e.get("values")))
            for e in exprs)
    return "v1.LabelSelector{MatchLabels:%s, MatchExpressions:%s}" % (labels_text, exprs_text)


def go_value(value):
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_quote(json.dumps(value, sort_keys=True))


def forbidden(field, detail):
    return {"reason": "FieldValueForbidden", "field": field, "message": "Forbidden: %s" % detail}


def invalid(field, rendered, detail):
    return {"reason": "FieldValueInvalid", "field": field, "message": "Invalid value: %s: %s" % (rendered, detail)}


def _spec(obj):
    return obj.get("spec") if isinstance(obj.get("spec"), dict) else {}


def validate_update(key, new, old):
    """The causes of an update of a built-in object (key: (group, plural)) from old to new."""
    causes = []
    spec, old_spec = _spec(new), _spec(old)
    if key == ("storage.k8s.io", "storageclasses"):
        if not same(new.get("parameters"), old.get("parameters")):
            causes.append(forbidden("parameters", "updates to parameters are forbidden."))
        if new.get("provisioner") != old.get("provisioner"):
            causes.append(forbidden("provisioner", "updates to provisioner are forbidden."))
        if new.get("reclaimPolicy") != old.get("reclaimPolicy"):
            causes.append(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        if new.get("volumeBindingMode") != old.get("volumeBindingMode"):
            causes.append(invalid("volumeBindingMode", go_value(new.get("volumeBindingMode")), IMMUTABLE))
    elif key in _SELECTOR_KINDS:
        if key == ("batch", "jobs") and spec.get("completions") != old_spec.get("completions"):
            causes.append(invalid("spec.completions", go_value(spec.get("completions")), IMMUTABLE))
        if not same(spec.get("selector"), old_spec.get("selector")):
            causes.append(invalid("spec.selector", go_label_selector(spec.get("selector")), IMMUTABLE))
        if key == ("batch", "jobs") and not same(spec.get("template"), old_spec.get("template")):
            causes.append(invalid("spec.template", "core.PodTemplateSpec{...}", IMMUTABLE))
    elif key == ("apps", "statefulsets"):
        allowed = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                   "minReadySeconds")
        if not same({k: v for k, v in spec.items() if k not in allowed},
                    {k: v for k, v in old_spec.items() if k not in allowed}):
            causes.append(forbidden("spec", STATEFULSET))
    elif key == ("", "persistentvolumeclaims"):
        causes += _pvc(new, old)
    elif key == ("", "services"):
        causes += _service(spec, old_spec)
    elif key in (("", "secrets"), ("", "configmaps")):
        if key == ("", "secrets") and new.get("type") != old.get("type"):
            causes.append(invalid("type", go_value(new.get("type")), IMMUTABLE))
        if old.get("immutable") is True:
            if new.get("immutable") is not True:
                causes.append(forbidden("immutable", WHEN_SET))
            for field in ("data", "binaryData") if key == ("", "configmaps") else ("data",):
                if not same(new.get(field), old.get(field)):
                    causes.append(forbidden(field, WHEN_SET))
    return causes


_SUFFIXES = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
             "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18, "m": 10 ** -3}


def quantity(text):
    """A resource quantity ("10Gi", "500M", "1e3") as a number; None when it is not one."""
    text = str(text or "").strip()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text[:-len(suffix)]:
            try:
                return float(text[:-len(suffix)]) * _SUFFIXES[suffix]
            except ValueError:
                return None
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _storage(spec):
    return ((spec.get("resources") or {}).get("requests") or {}).get("storage")


def _pvc(new, old):
    causes = []
    spec, old_spec = dict(_spec(new)), dict(_spec(old))
    if not old_spec.get("volumeName"):
        old_spec["volumeName"] = spec.get("volumeName")  # volumeName may be set once
    if old_spec.get("storageClassName") is None and spec.get("storageClassName") is not None and not (
            (old["metadata"].get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")):
        old_spec["storageClassName"] = spec["storageClassName"]  # a class may be set on a claim without one
    bound = (new.get("status") or {}).get("phase") == "Bound"
    if bound:
        for side in (spec, old_spec):
            requests = dict((side.get("resources") or {}).get("requests") or {})
            requests.pop("storage", None)
            side["resources"] = dict(side.get("resources") or {}, requests=requests)
        spec.pop("volumeAttributesClassName", None)
        old_spec.pop("volumeAttributesClassName", None)
    if not same(spec, old_spec):
        causes.append(forbidden("spec", PVC))
    new_size, old_size = quantity(_storage(_spec(new))), quantity(_storage(_spec(old)))
    capacity = quantity(((old.get("status") or {}).get("capacity") or {}).get("storage")) or 0
    if new_size is not None and old_size is not None and new_size < old_size and new_size <= capacity:
        # RecoverVolumeExpansionFailure (beta, on in 1.32): down to above status.capacity is allowed
        causes.append(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
    return causes


def _service(spec, old_spec):
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    new_ips, old_ips = list(spec.get("clusterIPs") or []), list(old_spec.get("clusterIPs") or [])
    if not old_ips:
        return []
    if old_ips == ["None"] and new_ips == ["None"]:
        return []
    if not new_ips:
        return [invalid("spec.clusterIPs[0]", go_strings(new_ips), "primary clusterIP can not be unset")]
    causes = []
    for index, ip in enumerate(old_ips[:len(new_ips)]):
        if new_ips[index] != ip:
            causes.append(invalid("spec.clusterIPs[%d]" % index, go_strings(new_ips), "may not change once set"))
    return causes
