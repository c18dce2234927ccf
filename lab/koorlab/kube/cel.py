"""CRD validation rules (x-kubernetes-validations) evaluated with cel-python, as a kube-apiserver does.

What the kube-apiserver does (k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/validation.go
and pkg/registry/customresource/strategy.go, Kubernetes 1.32) and this module follows:

- A rule is evaluated at the schema node that declares it, `self` bound to the value there
  (pruned and defaulted); a null or absent value is not validated. At the resource root `self`
  has apiVersion, kind and metadata.name/generateName only.
- A transition rule (one that names `oldSelf`) is evaluated only on update and only where the old
  object has a value at the correlated path: object properties, map values (not under
  `x-kubernetes-map-type: atomic`), items of `x-kubernetes-list-type: map` lists by their keys;
  never items of other lists.
- Ratcheting (CRDValidationRatcheting, on by default since 1.30): on update, a failing rule that
  does not name `oldSelf` at a value equal to the old one (or under an equal uncorrelated parent)
  is a warning, not an error.
- A failed rule is a field error at the node's path (`<nil>` at the root), plus `fieldPath` when
  given: FieldValueInvalid `Invalid value: "<schema type>": <message>`, or the rule's `reason`
  (FieldValueForbidden, FieldValueRequired, FieldValueDuplicate). The message is
  `messageExpression`'s value when it evaluates to a non-empty single-line string, else
  `message`, else `failed rule: <rule>`. An evaluation error is `<error> evaluating rule: <rule>`.
- No rule is evaluated when the schema validation found a type, required, enum or size error;
  one cause says `some validation rules were not checked because the object was invalid; ...`.

Compiled once per expression text (a process-wide cache); Cluster keeps one Validator per CRD
version (koorlab.kube.api).

Not done: cost budgets; static type checking (cel-python is dynamic: a rule a kube-apiserver
refuses at CRD creation for a type error shows up here only when evaluated); escaping of
property names that are CEL keywords (`__namespace__` ...); `optionalOldSelf` (such a rule is
treated as a plain transition rule); `format`-typed strings are strings, not timestamps,
durations or bytes; Kubernetes' CEL libraries (lists, regex `find`, url, ip/cidr, quantity,
semver, format, authz) and the string extensions (`lowerAscii`, `split`, ...). Base CEL is what
the CRDs of Rook v1.18.11, v1.19.10 and v1.20.6 (crds.yaml, csi-operator.yaml) use: `has`,
`size`, `matches`, `all`, comparisons and logic; tests/unit/lab/test_kube_cel.py compiles and
evaluates every one of their rules.
"""

import json
import re

_ABSENT = object()
_PROGRAMS = {}  # expression text -> Compiled
_ENV = []
BLOCKED = ("some validation rules were not checked because the object was invalid; correct the existing errors "
           "to complete validation")
# Schema validation errors after which a kube-apiserver runs no CEL rule (strategy.go hasBlockingErr).
BLOCKING_REASONS = {"FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong", "FieldValueTooMany",
                    "FieldValueTypeInvalid"}


def _environment():
    if not _ENV:
        import celpy  # pylint: disable=import-outside-toplevel
        _ENV.append((celpy, celpy.Environment()))
    return _ENV[0]


class Compiled:
    """One expression compiled: program (None on error), error text, whether it names oldSelf."""

    def __init__(self, text):
        self.text = text
        self.program = None
        self.error = None
        self.uses_old_self = False
        celpy, env = _environment()
        try:
            ast = env.compile(text)
            self.program = env.program(ast)
        except celpy.CELParseError as exc:
            self.error = "compilation failed: %s" % " ".join(str(exc).split())
            return
        except Exception as exc:  # pylint: disable=broad-except
            self.error = "compilation failed: %s" % exc
            return
        self.uses_old_self = any(getattr(t, "data", None) == "ident" and [str(c) for c in t.children] == ["oldSelf"]
                                 for t in ast.iter_subtrees())


def compile_expression(text):
    if text not in _PROGRAMS:
        _PROGRAMS[text] = Compiled(text)
    return _PROGRAMS[text]


class Rule:
    """One entry of x-kubernetes-validations."""

    def __init__(self, spec, node_schema):
        self.rule = (spec.get("rule") or "").strip()
        self.message = (spec.get("message") or "").strip()
        self.reason = spec.get("reason")
        self.field_path = spec.get("fieldPath") or ""
        self.compiled = compile_expression(self.rule) if self.rule else None
        self.message_expression = (compile_expression(spec["messageExpression"])
                                   if spec.get("messageExpression") else None)
        self.normalized_path = normalize_field_path(self.field_path, node_schema) if self.field_path else ""

    def error_string(self):
        return self.message or self.rule

    def default_message(self):
        return self.message or "failed rule: %s" % self.rule


def normalize_field_path(path, schema):
    """A rule's fieldPath (`.a.b`, `['a.b']`) as Kubernetes' field path string (`a.b`, `a[key]` in maps)."""
    out = ""
    for dotted, quoted in re.findall(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]", path):
        name = dotted or re.sub(r"\\(.)", r"\1", quoted)
        props = (schema or {}).get("properties")
        if props is None and isinstance((schema or {}).get("additionalProperties"), dict):
            out += "[%s]" % name
            schema = schema["additionalProperties"]
        else:
            out = "%s.%s" % (out, name) if out else name
            schema = (props or {}).get(name) or {}
    return out


class Node:
    """The rules of one schema node and the nodes below it that have rules."""

    def __init__(self, schema, root=False):
        self.schema = schema
        self.root = root
        self.type = schema.get("type", "")
        self.rules = [Rule(r, schema) for r in schema.get("x-kubernetes-validations") or [] if isinstance(r, dict)]
        self.properties = {}
        for name, sub in (schema.get("properties") or {}).items():
            node = build(sub)
            if node is not None:
                self.properties[name] = node
        self.items = build(schema["items"]) if isinstance(schema.get("items"), dict) else None
        extra = schema.get("additionalProperties")
        self.additional = build(extra) if isinstance(extra, dict) else None
        self.all_of = [n for n in (build(dict(s, type=self.type)) for s in schema.get("allOf") or []
                                   if isinstance(s, dict)) if n is not None]
        self.map_correlatable = schema.get("x-kubernetes-map-type") != "atomic"
        self.list_keys = (tuple(schema.get("x-kubernetes-list-map-keys") or ())
                          if schema.get("x-kubernetes-list-type") == "map" else None)

    def empty(self):
        return not (self.rules or self.properties or self.items or self.additional or self.all_of)


def build(schema, root=False):
    if not isinstance(schema, dict):
        return None
    node = Node(schema, root)
    return None if node.empty() else node


def every_rule(node):
    """Every Rule of a tree of Nodes (for tests)."""
    if node is None:
        return []
    out = list(node.rules)
    for child in list(node.properties.values()) + [node.items, node.additional] + node.all_of:
        out += every_rule(child)
    return out


def to_cel(value, schema):
    """A JSON value as CEL values: integers stay int unless the schema says number."""
    celpy, _env = _environment()
    types = celpy.celtypes
    schema = schema if isinstance(schema, dict) else {}
    if value is None:
        return None
    if isinstance(value, bool):
        return types.BoolType(value)
    if isinstance(value, int):
        return types.DoubleType(value) if schema.get("type") == "number" else types.IntType(value)
    if isinstance(value, float):
        return types.DoubleType(value)
    if isinstance(value, str):
        return types.StringType(value)
    if isinstance(value, list):
        return types.ListType([to_cel(v, schema.get("items")) for v in value])
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        return types.MapType({types.StringType(k): to_cel(v, props.get(k, extra if isinstance(extra, dict) else {}))
                              for k, v in value.items()})
    return celpy.json_to_cel(value)


def _eval_error(exc):
    args = getattr(exc, "args", ()) or ()
    text, kind = (args[0] if args else str(exc)), (args[1] if len(args) > 1 else None)
    if kind is KeyError:
        match = re.match(r"no such member in mapping: '(.*)'$", str(text))
        return "no such key: %s" % match.group(1) if match else str(text)
    if kind is TypeError and "no matching overload" in str(text):
        return "no such overload"
    if kind is ZeroDivisionError:
        return "division by zero"
    if kind is IndexError:
        return "index out of bounds"
    return str(text)


def _field(path):
    return path or "<nil>"


def _join(path, name):
    return "%s.%s" % (path, name) if path else name


def field_error(path, schema_type, detail, reason):
    """A cause as a kube-apiserver's fieldErrorForReason makes it."""
    if reason == "FieldValueForbidden":
        return {"reason": reason, "field": _field(path), "message": "Forbidden: %s" % detail}
    if reason == "FieldValueRequired":
        return {"reason": reason, "field": _field(path), "message": "Required value: %s" % detail}
    if reason == "FieldValueDuplicate":
        return {"reason": reason, "field": _field(path), "message": "Duplicate value: %s" % json.dumps(schema_type)}
    return {"reason": "FieldValueInvalid", "field": _field(path),
            "message": "Invalid value: %s: %s" % (json.dumps(schema_type), detail)}


def cause_text(cause):
    return "%s: %s" % (cause["field"], cause["message"])


class Evaluation:
    """One object's evaluation: the causes (errors) and warnings (ratcheted errors) found."""

    def __init__(self):
        self.causes = []
        self.warnings = []

    def run(self, node, value, old, path, unchanged):
        if node is None or value is None:
            return
        if old is not None and old is not _ABSENT and not isinstance(old, type(value)) and not (
                isinstance(old, (int, float)) and isinstance(value, (int, float))):
            old = _ABSENT
        self._rules(node, value, old, path, unchanged)
        for sub in node.all_of:  # not ratcheted (as a kube-apiserver does not)
            self.run(sub, value, old, path, False)
        if isinstance(value, dict):
            self._map(node, value, old, path, unchanged)
        elif isinstance(value, list) and node.items is not None:
            self._list(node, value, old, path, unchanged)

    def _map(self, node, value, old, path, unchanged):
        old_map = old if isinstance(old, dict) and node.map_correlatable else None
        for key, item in value.items():
            if key in node.properties:
                child, child_path = node.properties[key], _join(path, key)
            elif node.additional is not None:
                child, child_path = node.additional, "%s[%s]" % (path, key)
            else:
                continue
            old_item = old_map.get(key, _ABSENT) if old_map is not None else _ABSENT
            correlated = old_item is not _ABSENT and old_item is not None
            self.run(child, item, old_item if correlated else _ABSENT, child_path,
                     old_item == item if correlated else unchanged)

    def _list(self, node, value, old, path, unchanged):
        keys = node.list_keys
        olds = {}
        if keys is not None and isinstance(old, list):
            for item in old:
                if isinstance(item, dict):
                    olds[tuple(json.dumps(item.get(k), sort_keys=True) for k in keys)] = item
        for index, item in enumerate(value):
            old_item = _ABSENT
            if keys is not None and isinstance(item, dict):
                old_item = olds.get(tuple(json.dumps(item.get(k), sort_keys=True) for k in keys), _ABSENT)
            correlated = old_item is not _ABSENT
            self.run(node.items, item, old_item, "%s[%d]" % (path, index),
                     old_item == item if correlated else unchanged)

    def _rules(self, node, value, old, path, unchanged):
        if not node.rules:
            return
        celpy, _env = _environment()
        has_old = old is not _ABSENT and old is not None
        shown = value
        if node.root and isinstance(value, dict):
            meta = value.get("metadata") or {}
            shown = dict(value, metadata={k: meta[k] for k in ("name", "generateName") if k in meta})
        activation = {"self": to_cel(shown, node.schema)}
        if has_old:
            activation["oldSelf"] = to_cel(old, node.schema)
        for rule in node.rules:
            compiled = rule.compiled
            if compiled is None:
                continue
            if compiled.error:
                self.causes.append(field_error(path, node.type, "rule compile error: %s" % compiled.error, None))
                continue
            if compiled.uses_old_self and not has_old:
                continue
            try:
                result = compiled.program.evaluate(activation)
                if isinstance(result, celpy.CELEvalError):
                    raise result
            except celpy.CELEvalError as exc:
                reason = _eval_error(exc)
                if reason == "no such overload":
                    detail = ("'no such overload': call arguments did not match a supported operator, function or "
                              "macro signature for rule: %s" % rule.error_string())
                else:
                    detail = "%s evaluating rule: %s" % (reason, rule.error_string())
                self.causes.append(field_error(path, node.type, detail, None))
                continue
            except Exception as exc:  # pylint: disable=broad-except
                self.causes.append(field_error(path, node.type, "%s evaluating rule: %s" % (exc, rule.error_string()),
                                               None))
                continue
            if not isinstance(result, (bool, celpy.celtypes.BoolType)):
                self.causes.append(field_error(path, node.type, "rule did not evaluate to a bool: %s" % rule.error_string(),
                                               None))
                continue
            if result:
                continue
            detail = self._message(rule, activation) or rule.default_message()
            where = path
            if rule.normalized_path:
                where = _join(path, rule.normalized_path)
            cause = field_error(where, node.type, detail, rule.reason)
            if unchanged and not compiled.uses_old_self:
                self.warnings.append(cause_text(cause))
            else:
                self.causes.append(cause)

    @staticmethod
    def _message(rule, activation):
        expression = rule.message_expression
        if expression is None or expression.program is None:
            return None
        try:
            text = expression.program.evaluate(activation)
        except Exception:  # pylint: disable=broad-except
            return None
        if not isinstance(text, str):
            return None
        text = text.strip()
        return text if text and "\n" not in text else None


def validate(root, obj, old=None):
    """(causes, warnings) of the rules of the tree root for obj (old: the stored object on update)."""
    evaluation = Evaluation()
    if root is not None:
        evaluation.run(root, obj, old if old is not None else _ABSENT, "", old is not None and old == obj)
    return evaluation.causes, evaluation.warnings
