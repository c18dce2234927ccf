"""The lab Kubernetes API's CEL rules (lab/koorlab/kube/cel.py): every x-kubernetes-validations rule
of the CRDs the roles apply (Rook v1.18.11, v1.19.10, v1.20.6: crds.yaml and csi-operator.yaml)
compiles and evaluates, and the evaluation follows a kube-apiserver's (transition rules, ratcheting,
messages, fieldPath, reason). No API server: the schema Validator alone."""
import functools
import os
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "lab"))

from koorlab import rookfiles  # noqa: E402  pylint: disable=wrong-import-position
from koorlab.kube import cel  # noqa: E402  pylint: disable=wrong-import-position
from koorlab.kube.schema import Validator  # noqa: E402  pylint: disable=wrong-import-position

ROOK_VERSIONS = ["v1.18.11", "v1.19.10", "v1.20.6"]
MANIFESTS = ["crds.yaml", "csi-operator.yaml"]


@functools.lru_cache(maxsize=None)
def _crd_versions(version):
    """(CRD name, version name, openAPIV3Schema) of every CRD version in Rook's manifests."""
    out = []
    for name in MANIFESTS:
        with open(os.path.join(rookfiles.examples(version), name), encoding="utf-8") as handle:
            for doc in yaml.load_all(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
                if doc and doc.get("kind") == "CustomResourceDefinition":
                    for ver in doc["spec"]["versions"]:
                        out.append((doc["metadata"]["name"], ver["name"], ver["schema"]["openAPIV3Schema"]))
    return out


def _nodes(node):
    if node is None:
        return []
    out = [node] if node.rules else []
    for child in list(node.properties.values()) + [node.items, node.additional] + node.all_of:
        out += _nodes(child)
    return out


def _sample(schema, depth=0):
    """A value of the schema with every property set (so that a rule's field accesses find them)."""
    if not isinstance(schema, dict) or depth > 12:
        return None
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in ("", None)), schema["enum"][0])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        out = {name: _sample(sub, depth + 1) for name, sub in (schema.get("properties") or {}).items()}
        if isinstance(schema.get("additionalProperties"), dict):
            out["OSD_DOWN"] = _sample(schema["additionalProperties"], depth + 1)
        return {k: v for k, v in out.items() if v is not None}
    if kind == "array":
        item = _sample(schema.get("items"), depth + 1)
        return [] if item is None else [item]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if kind == "string":
        return "x" * max(int(schema.get("minLength", 1)), 1)
    if schema.get("x-kubernetes-int-or-string"):
        return 1
    return None


@pytest.mark.parametrize("version", ROOK_VERSIONS)
def test_every_rook_rule_compiles_and_evaluates(version):
    seen = set()
    rules = 0
    for crd, ver, schema in _crd_versions(version):
        nodes = _nodes(cel.build(schema, root=True))
        for node in nodes:
            value = _sample(node.schema)
            for rule in node.rules:
                rules += 1
                seen.add(rule.rule)
                assert rule.compiled.error is None, (crd, ver, rule.rule, rule.compiled.error)
                if rule.message_expression is not None:
                    assert rule.message_expression.error is None, (crd, rule.message_expression.text)
                if node.root:
                    value = dict(value, metadata={"name": "rook-ceph.rbd.csi.ceph.com"})
                activation = {"self": cel.to_cel(value, node.schema), "oldSelf": cel.to_cel(value, node.schema)}
                result = rule.compiled.program.evaluate(activation)
                assert str(type(result).__name__) == "BoolType", (crd, ver, rule.rule, result)
    assert rules >= {"v1.18.11": 30, "v1.19.10": 37, "v1.20.6": 47}[version]
    # what the rules of these CRDs use: oldSelf transitions, has, size, matches, all
    assert {"self == oldSelf", "self >= oldSelf", "self == '' || oldSelf == '' || self == oldSelf"} <= seen
    assert any(r.startswith("self.metadata.name.matches(") for r in seen)
    if version != "v1.18.11":
        assert {"self.all(k, k.matches('^[A-Z]+(_[A-Z]+)+$'))",
                "!has(oldSelf.keyGeneration) || has(self.keyGeneration)"} <= seen
    if version == "v1.20.6":
        assert "has(self.crushNumFailureDomains) == has(self.crushOSDsPerFailureDomain)" in seen


def _validator(name):
    for crd, _ver, schema in _crd_versions("v1.20.6"):
        if crd == name:
            return Validator(schema)
    raise AssertionError("no CRD %s" % name)


def _cr(kind, **spec):
    return {"apiVersion": "ceph.rook.io/v1", "kind": kind, "metadata": {"name": "x", "namespace": "rook-ceph"},
            "spec": spec}


def test_rule_on_create_and_transition_rule_only_on_update():
    pools = _validator("cephblockpools.ceph.rook.io")
    # crushNumFailureDomains without crushOSDsPerFailureDomain: refused on create, at spec.erasureCoded
    ec = {"dataChunks": 2, "codingChunks": 1, "crushNumFailureDomains": 2}
    assert pools.process(_cr("CephBlockPool", erasureCoded=ec))[2] == [
        {"reason": "FieldValueInvalid", "field": "spec.erasureCoded",
         "message": 'Invalid value: "object": crushNumFailureDomains and crushOSDsPerFailureDomain must be '
                    'specified together'}]
    assert pools.process(_cr("CephBlockPool", erasureCoded=dict(ec, crushOSDsPerFailureDomain=1)))[2] == []
    # CephBlockPoolRadosNamespace spec.blockPoolName is immutable (self == oldSelf): any value on create ...
    namespaces = _validator("cephblockpoolradosnamespaces.ceph.rook.io")
    created, _unknown, causes, _warnings = namespaces.process(_cr("CephBlockPoolRadosNamespace", blockPoolName="a"))
    assert causes == []
    # ... the same on update, not another one
    assert namespaces.process(_cr("CephBlockPoolRadosNamespace", blockPoolName="a"), old=created)[2] == []
    assert namespaces.process(_cr("CephBlockPoolRadosNamespace", blockPoolName="b"), old=created)[2] == [
        {"reason": "FieldValueInvalid", "field": "spec.blockPoolName",
         "message": 'Invalid value: "string": blockPoolName is immutable'}]
    # no old value at the path (name unset before): the transition rule is not evaluated
    assert namespaces.process(_cr("CephBlockPoolRadosNamespace", blockPoolName="a", name="n"), old=created)[2] == []


def test_root_rule_sees_the_name():
    drivers = _validator("drivers.csi.ceph.io")
    body = {"apiVersion": "csi.ceph.io/v1", "kind": "Driver", "metadata": {"name": "rook-ceph.rbd.csi.ceph.com"},
            "spec": {}}
    assert drivers.process(body)[2] == []
    body["metadata"]["name"] = "rbd-driver"
    assert drivers.process(body)[2] == [
        {"reason": "FieldValueInvalid", "field": "<nil>",
         "message": "Invalid value: \"object\": .metadata.name must match: '[<prefix>.](rbd|cephfs|nfs|nvmeof)"
                    ".csi.ceph.com'"}]


def test_blocking_schema_error_skips_the_rules():
    pools = _validator("cephblockpools.ceph.rook.io")
    ec = {"dataChunks": "two", "codingChunks": 1, "crushNumFailureDomains": 2}
    causes = pools.process(_cr("CephBlockPool", erasureCoded=ec))[2]
    assert [c["field"] for c in causes] == ["spec.erasureCoded.dataChunks", "<nil>"]
    assert causes[1] == {"reason": "FieldValueInvalid", "field": "<nil>",
                         "message": 'Invalid value: "null": some validation rules were not checked because the '
                                    'object was invalid; correct the existing errors to complete validation'}


SCHEMA = {
    "type": "object",
    "x-kubernetes-validations": [{"rule": "self.metadata.name.startsWith('ok')", "message": "name must start with ok"}],
    "properties": {
        "spec": {
            "type": "object",
            "x-kubernetes-validations": [
                {"rule": "self.min <= self.max", "messageExpression": "'min ' + string(self.min) + ' above max'"},
                {"rule": "self.min >= 0", "fieldPath": ".min", "reason": "FieldValueForbidden",
                 "message": "min must not be negative"},
                {"rule": "has(self.max)", "reason": "FieldValueRequired", "message": "max is needed"},
                {"rule": "self.min != 7"},
            ],
            "properties": {
                "min": {"type": "integer"},
                "max": {"type": "integer", "x-kubernetes-validations": [
                    {"rule": "self >= oldSelf", "message": "max cannot decrease"}]},
                "labels": {"type": "object", "additionalProperties": {
                    "type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "fixed"}]}},
                "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                          "items": {"type": "object", "properties": {
                              "name": {"type": "string"},
                              "size": {"type": "integer", "x-kubernetes-validations": [
                                  {"rule": "self == oldSelf", "message": "size is immutable"}]}}}},
                "atomic": {"type": "array", "items": {"type": "object", "properties": {"size": {
                    "type": "integer", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "never"}]}}}},
            },
        },
    },
}


def _obj(name="ok-1", **spec):
    return {"apiVersion": "x.io/v1", "kind": "X", "metadata": {"name": name}, "spec": dict({"min": 1, "max": 2}, **spec)}


def _causes(obj, old=None):
    return Validator(SCHEMA).process(obj, old)[2]


def test_messages_field_path_reason_and_the_root():
    assert _causes(_obj()) == []
    assert _causes(_obj(name="bad")) == [{"reason": "FieldValueInvalid", "field": "<nil>",
                                          "message": 'Invalid value: "object": name must start with ok'}]
    assert _causes(_obj(min=3)) == [{"reason": "FieldValueInvalid", "field": "spec",
                                     "message": 'Invalid value: "object": min 3 above max'}]
    assert _causes(_obj(min=-1)) == [{"reason": "FieldValueForbidden", "field": "spec.min",
                                      "message": "Forbidden: min must not be negative"}]
    body = _obj()
    del body["spec"]["max"]
    assert _causes(body) == [
        {"reason": "FieldValueInvalid", "field": "spec",
         "message": 'Invalid value: "object": no such key: max evaluating rule: self.min <= self.max'},
        {"reason": "FieldValueRequired", "field": "spec", "message": "Required value: max is needed"}]
    assert _causes(_obj(min=7, max=8)) == [{"reason": "FieldValueInvalid", "field": "spec",
                                            "message": 'Invalid value: "object": failed rule: self.min != 7'}]


def test_transition_rules_follow_correlation():
    old = _obj(labels={"a": "1"}, items=[{"name": "x", "size": 1}], atomic=[{"size": 1}])
    assert _causes(_obj(max=1), old) == [{"reason": "FieldValueInvalid", "field": "spec.max",
                                          "message": 'Invalid value: "integer": max cannot decrease'}]
    assert _causes(_obj(labels={"a": "2", "b": "new"}), old) == [
        {"reason": "FieldValueInvalid", "field": "spec.labels[a]", "message": 'Invalid value: "string": fixed'}]
    # map list items correlate by key: x's size is checked, a new item y is not
    changed = _obj(items=[{"name": "y", "size": 5}, {"name": "x", "size": 2}], atomic=[{"size": 9}])
    assert _causes(changed, old) == [{"reason": "FieldValueInvalid", "field": "spec.items[1].size",
                                      "message": 'Invalid value: "integer": size is immutable'}]


def test_ratcheting_unchanged_invalid_value_is_a_warning():
    old = _obj(min=7, max=8)  # stored before the rule existed
    validator = Validator(SCHEMA)
    _obj_out, _unknown, causes, warnings = validator.process(_obj(min=7, max=8), old)
    assert causes == [] and warnings == ['spec: Invalid value: "object": failed rule: self.min != 7']
    # a change elsewhere in spec makes spec a changed value: the error counts again
    assert len(validator.process(_obj(min=7, max=9), old)[2]) == 1


def test_rules_are_compiled_once():
    first, second = Validator(SCHEMA), Validator(SCHEMA)
    assert cel.every_rule(first.rules)[0].compiled is cel.every_rule(second.rules)[0].compiled
