"""Kubernetes protobuf request bodies of the few kinds clients send that way to the lab API.

client-go 1.32's typed clientset encodes built-in objects as protobuf (Content-Type
application/vnd.kubernetes.protobuf); helm 3.17 stores its releases through it, so its Secret (and, with
HELM_DRIVER=configmap, ConfigMap) writes and the DeleteOptions of its deletes arrive as protobuf. This module
decodes exactly those messages (k8s.io/api/core/v1 and k8s.io/apimachinery meta/v1 generated.proto) into the
JSON form the rest of the API works with. Anything else, an unknown field included, is refused with a 415
naming it: nothing is silently dropped. Answers stay JSON (those clients accept JSON as well).

Wire format: the magic ``k8s\\x00`` and a runtime.Unknown {typeMeta {apiVersion, kind}, raw, contentEncoding,
contentType}; ``raw`` is the object's own message.
"""

import base64
import json
import time

MAGIC = b"k8s\x00"


class ProtobufError(Exception):
    """A body this decoder cannot turn into JSON (the message says what and why)."""


def _varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def _fields(data):
    """(field number, wire type, value) of a message: ints for varints, bytes for length-delimited."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise ProtobufError("truncated field %d" % number)
            value, pos = data[pos:pos + size], pos + size
        elif wire == 1:
            value, pos = int.from_bytes(data[pos:pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(data[pos:pos + 4], "little"), pos + 4
        else:
            raise ProtobufError("unsupported wire type %d (field %d)" % (wire, number))
        yield number, wire, value


def _int64(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value):
    return value.decode("utf-8")


def _entry(data, value_kind):
    key, value = "", b"" if value_kind == "bytes" else ""
    for number, _wire, raw in _fields(data):
        if number == 1:
            key = _text(raw)
        elif number == 2:
            value = raw if value_kind == "bytes" else _text(raw)
    return key, value


def _time(data):
    if not data:
        return None  # the zero time
    seconds = 0
    for number, _wire, raw in _fields(data):
        if number == 1:
            seconds = _int64(raw)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _message(data, name, spec):
    """Decode ``data`` by ``spec``: {number: (json name, kind)}; kind is a scalar kind, ("map", value kind),
    ("repeated", kind) or a nested spec (dict)."""
    out = {}
    for number, _wire, raw in _fields(data):
        if number not in spec:
            raise ProtobufError("field %d of %s is not known to the lab API's protobuf decoder" % (number, name))
        field, kind = spec[number]
        if isinstance(kind, tuple) and kind[0] == "map":
            key, value = _entry(raw, kind[1])
            out.setdefault(field, {})[key] = base64.b64encode(value).decode() if kind[1] == "bytes" else value
        elif isinstance(kind, tuple) and kind[0] == "repeated":
            out.setdefault(field, []).append(_scalar(raw, kind[1], "%s.%s" % (name, field)))
        else:
            value = _scalar(raw, kind, "%s.%s" % (name, field))
            if value not in ("", None) and not (kind == "int64,omitempty" and value == 0):
                out[field] = value  # Go encodes every non-pointer field; its JSON omits the empty ones
    return out


def _scalar(raw, kind, name):
    if isinstance(kind, dict):
        return _message(raw, name, kind)
    if kind == "string":
        return _text(raw)
    if kind == "bytes":
        return base64.b64encode(raw).decode()
    if kind == "bool":
        return bool(raw)
    if kind in ("int64", "int64,omitempty"):
        return _int64(raw)
    if kind == "time":
        return _time(raw)
    if kind == "fieldsV1":
        for number, _wire, value in _fields(raw):
            if number == 1:
                return json.loads(value.decode())
        return {}
    raise ProtobufError("no decoder for %s" % kind)


OWNER_REFERENCE = {5: ("apiVersion", "string"), 1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                   6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")}
MANAGED_FIELDS = {1: ("manager", "string"), 2: ("operation", "string"), 3: ("apiVersion", "string"),
                  4: ("time", "time"), 6: ("fieldsType", "string"), 7: ("fieldsV1", "fieldsV1"),
                  8: ("subresource", "string")}
OBJECT_META = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
               4: ("selfLink", "string"), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
               7: ("generation", "int64,omitempty"), 8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "time"),
               10: ("deletionGracePeriodSeconds", "int64"), 11: ("labels", ("map", "string")),
               12: ("annotations", ("map", "string")), 13: ("ownerReferences", ("repeated", OWNER_REFERENCE)),
               14: ("finalizers", ("repeated", "string")), 17: ("managedFields", ("repeated", MANAGED_FIELDS))}
PRECONDITIONS = {1: ("uid", "string"), 2: ("resourceVersion", "string")}
# (apiVersion, kind) -> the message
MESSAGES = {
    ("v1", "Secret"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "bytes")), 3: ("type", "string"),
                       4: ("stringData", ("map", "string")), 5: ("immutable", "bool")},
    ("v1", "ConfigMap"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "string")),
                          3: ("binaryData", ("map", "bytes")), 4: ("immutable", "bool")},
    ("meta.k8s.io/v1", "DeleteOptions"): {
        1: ("gracePeriodSeconds", "int64"), 2: ("preconditions", PRECONDITIONS), 3: ("orphanDependents", "bool"),
        4: ("propagationPolicy", "string"), 5: ("dryRun", ("repeated", "string")),
        6: ("ignoreStoreReadErrorWithClusterBreakingPotential", "bool")},
}
MESSAGES[("v1", "DeleteOptions")] = MESSAGES[("meta.k8s.io/v1", "DeleteOptions")]


def served():
    return sorted({kind for _version, kind in MESSAGES})


def decode(body):
    """The JSON object of a Kubernetes protobuf body; raises ProtobufError saying what is not served."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf magic k8s\\x00")
    api_version = kind = ""
    raw = b""
    encoding = ""
    for number, _wire, value in _fields(body[len(MAGIC):]):
        if number == 1:
            for tnumber, _twire, tvalue in _fields(value):
                if tnumber == 1:
                    api_version = _text(tvalue)
                elif tnumber == 2:
                    kind = _text(tvalue)
        elif number == 2:
            raw = value
        elif number == 3:
            encoding = _text(value)
    if encoding:
        raise ProtobufError("content encoding %r is not supported" % encoding)
    spec = MESSAGES.get((api_version, kind))
    if spec is None:
        raise ProtobufError("%s %s is not one of the kinds it decodes (%s); send JSON"
                            % (api_version or "(no apiVersion)", kind or "(no kind)", ", ".join(served())))
    return dict({"apiVersion": api_version, "kind": kind}, **_message(raw, kind, spec))
