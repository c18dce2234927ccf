"""meta.k8s.io/v1 Table answers (what `kubectl get` prints without -o)."""

import calendar
import time


def _age(stamp):
    try:
        seconds = int(time.time() - calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return "<unknown>"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * 2:
            return "%d%s" % (seconds // size, unit)
    return "%ds" % max(seconds, 0)


def _json_path(obj, path):
    """The value at a simple JSONPath (.a.b.c); "" when absent or not simple."""
    value = obj
    for name in (path or "").strip().lstrip(".").split("."):
        if not isinstance(value, dict) or not name or "[" in name:
            return ""
        value = value.get(name)
    return "" if value is None else value


def _pod_ready(pod):
    ready = sum(1 for c in (pod.get("status") or {}).get("containerStatuses") or [] if c.get("ready"))
    return "%d/%d" % (ready, len((pod.get("spec") or {}).get("containers") or []))


def _deployment_ready(deploy):
    return "%s/%s" % ((deploy.get("status") or {}).get("readyReplicas", 0), (deploy.get("spec") or {}).get("replicas", 0))


def _event_object(event):
    involved = event.get("involvedObject") or {}
    return "%s/%s" % ((involved.get("kind") or "").lower(), involved.get("name", ""))


def _event_table(obj, items):
    """Events as the kube-apiserver prints them: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE."""
    names = ("Last Seen", "Type", "Reason", "Object", "Message")
    rows = [{"cells": [_age(e.get("lastTimestamp") or e["metadata"].get("creationTimestamp")), e.get("type", ""),
                       e.get("reason", ""), _event_object(e), e.get("message", "")], "object": e} for e in items]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
            "columnDefinitions": [{"name": n, "type": "string", "format": "", "description": "", "priority": 0}
                                  for n in names], "rows": rows}


def _columns(rtype, version):
    if rtype.crd is not None:
        return [(c["name"], c.get("type", "string"), c.get("jsonPath")) for c in rtype.printer_columns.get(version, [])
                if c.get("name") != "Age"]
    if rtype.key == ("", "pods"):
        return [("Ready", "string", _pod_ready), ("Status", "string", ".status.phase")]
    if rtype.key == ("apps", "deployments"):
        return [("Ready", "string", _deployment_ready),
                ("Up-to-date", "integer", ".status.updatedReplicas"),
                ("Available", "integer", ".status.availableReplicas")]
    if rtype.key == ("apps", "replicasets"):
        return [("Desired", "integer", ".spec.replicas"), ("Current", "integer", lambda rs: (rs.get("status") or {}).get(
            "replicas", 0)), ("Ready", "integer", lambda rs: (rs.get("status") or {}).get("readyReplicas", 0))]
    if rtype.key == ("", "namespaces"):
        return [("Status", "string", ".status.phase")]
    return []


def to_table(rtype, version, obj, listing):
    items = obj["items"] if listing else [obj]
    if rtype.key == ("", "events"):
        return _event_table(obj, items)
    columns = _columns(rtype, version)
    rows = []
    for item in items:
        cells = [item["metadata"]["name"]]
        for column in columns:
            path = column[2]
            cells.append(path(item) if callable(path) else _json_path(item, path))
        cells.append(_age(item["metadata"].get("creationTimestamp")))
        rows.append({"cells": cells, "object": item})
    defs = [{"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0}]
    defs += [{"name": name, "type": kind, "format": "", "description": "", "priority": 0} for name, kind, _path in columns]
    defs.append({"name": "Age", "type": "string", "format": "", "description": "", "priority": 0})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
            "columnDefinitions": defs, "rows": rows}
