"""Custom resources against their CRD's OpenAPI v3 schema: pruning, defaulting, validation.

Validation uses the jsonschema library (Draft 4, the dialect of Kubernetes' structural schemas)
on a copy of the schema with the Kubernetes extensions translated (nullable,
x-kubernetes-int-or-string, x-kubernetes-embedded-resource). Then, unless that found a type,
required, enum or size error, the CRD's CEL rules (x-kubernetes-validations) with cel-python, as
a kube-apiserver runs them: transition rules (oldSelf) only on update, ratcheting, `message`,
`messageExpression`, `fieldPath`, `reason` (koorlab.kube.cel says what is and is not done).
`format` is not checked. The schema validation is not ratcheted (a kube-apiserver 1.30+ does:
an unchanged invalid value is accepted on update), so the lab is stricter there.
"""

import json

import jsonschema

from . import cel
from .patch import clone

_SKIP = {"description", "example", "externalDocs", "default", "nullable", "title", "format"}


def to_jsonschema(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {n: to_jsonschema(s) for n, s in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = to_jsonschema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_jsonschema(s) for s in value]
        elif key in _SKIP or key.startswith("x-kubernetes"):
            continue
        else:
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        if "anyOf" not in out and "oneOf" not in out:
            out["type"] = ["integer", "string"]
    if schema.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    if schema.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    return out


def prune(value, schema, path, unknown, root=False):
    """Drop fields the schema does not know (in place); their paths are appended to unknown."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        embedded = root or schema.get("x-kubernetes-embedded-resource")
        for key in list(value):
            sub = props.get(key)
            if sub is None and isinstance(extra, dict):
                sub = extra
            if sub is None:
                if (embedded and key in ("apiVersion", "kind", "metadata")) or preserve or extra is True:
                    continue
                unknown.append(_join(path, key))
                del value[key]
                continue
            if root and key == "metadata":
                continue
            prune(value[key], sub, _join(path, key), unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            prune(item, schema["items"], "%s[%d]" % (path, index), unknown)


def apply_defaults(value, schema):
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, sub in props.items():
            if isinstance(sub, dict) and "default" in sub and (key not in value or (
                    value[key] is None and not sub.get("nullable"))):
                value[key] = clone(sub["default"])
        for key, item in value.items():
            sub = props.get(key)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            apply_defaults(item, sub)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(item, schema["items"])


def _join(path, key):
    return "%s.%s" % (path, key) if path else key


def _field(error_path):
    out = ""
    for part in error_path:
        out = "%s[%d]" % (out, part) if isinstance(part, int) else _join(out, part)
    return out


def render(value):
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return '"%s"' % ("object" if isinstance(value, dict) else "array")


def _cause(error):
    field = _field(error.absolute_path)
    name = field or "<root>"
    val = error.validator_value
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return {"reason": "FieldValueRequired", "message": "Required value", "field": _join(field, missing)}
    if kind == "type":
        types = val if isinstance(val, list) else [val]
        return {"reason": "FieldValueTypeInvalid", "field": field,
                "message": "Invalid value: %s: %s in body must be of type %s: %s"
                           % (render(error.instance), name, ",".join(t for t in types if t != "null"),
                              render(error.instance))}
    if kind == "enum":
        return {"reason": "FieldValueNotSupported", "field": field,
                "message": "Unsupported value: %s: supported values: %s"
                           % (render(error.instance), ", ".join(json.dumps(v) for v in val if v is not None))}
    texts = {
        "minimum": "should be greater than or equal to %s",
        "maximum": "should be less than or equal to %s",
        "pattern": "should match '%s'",
        "minLength": "should be at least %s chars long",
        "minItems": "should have at least %s items",
        "minProperties": "should have at least %s properties",
    }
    if kind in texts:
        return {"reason": "FieldValueInvalid", "field": field,
                "message": "Invalid value: %s: %s in body %s" % (render(error.instance), name, texts[kind] % val)}
    if kind == "maxLength":
        return {"reason": "FieldValueTooLong", "field": field,
                "message": "Too long: may not be more than %s bytes" % val}
    if kind in ("maxItems", "maxProperties"):
        return {"reason": "FieldValueTooMany", "field": field,
                "message": "Too many: %d: must have at most %s items" % (len(error.instance), val)}
    return {"reason": "FieldValueInvalid", "field": field,
            "message": "Invalid value: %s: %s" % (render(error.instance), error.message)}


class Validator:
    """Prunes, defaults and validates objects of one custom resource version."""

    def __init__(self, openapi_schema):
        self.schema = openapi_schema or {}
        self.validator = jsonschema.Draft4Validator(to_jsonschema(self.schema))
        self.rules = cel.build(self.schema, root=True)  # compiled here, once per CRD version

    def process(self, obj, old=None):
        """Returns (object pruned and defaulted, unknown field paths, causes, warnings); old is the
        stored object on update (for transition rules and ratcheting)."""
        obj = clone(obj)
        unknown = []
        prune(obj, self.schema, "", unknown, root=True)
        apply_defaults(obj, self.schema)
        body = {k: v for k, v in obj.items() if k != "metadata"}
        if "metadata" in obj:  # not validated here, but present: Rook's CRDs list it as required
            body["metadata"] = {}
        causes = [_cause(e) for e in sorted(self.validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])]
        warnings = []
        if self.rules is not None:
            if any(c["reason"] in cel.BLOCKING_REASONS for c in causes):
                causes.append({"reason": "FieldValueInvalid", "field": "<nil>",
                               "message": "Invalid value: \"null\": %s" % cel.BLOCKED})
            else:
                rule_causes, warnings = cel.validate(self.rules, obj, old)
                causes += rule_causes
        return obj, unknown, causes, warnings
