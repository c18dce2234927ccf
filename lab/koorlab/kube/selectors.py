"""Label and field selectors (the string forms of the Kubernetes API's query parameters)."""

import re

_SET_RE = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_RE = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")
_EXISTS_RE = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*$")


class SelectorError(ValueError):
    pass


def _split(text):
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def parse_labels(text):
    """A label selector as a list of (key, operator, values) requirements."""
    reqs = []
    for part in _split(text or ""):
        match = _SET_RE.match(part)
        if match:
            values = [v.strip() for v in match.group(3).split(",") if v.strip()]
            reqs.append((match.group(1), match.group(2), values))
            continue
        match = _EQ_RE.match(part)
        if match:
            op = "!=" if match.group(2) == "!=" else "="
            reqs.append((match.group(1), op, [match.group(3)]))
            continue
        match = _EXISTS_RE.match(part)
        if match:
            reqs.append((match.group(2), "!" if match.group(1) else "exists", []))
            continue
        raise SelectorError("unable to parse requirement: %r" % part.strip())
    return reqs


def match_labels(reqs, labels):
    labels = labels or {}
    for key, op, values in reqs:
        present = key in labels
        value = labels.get(key)
        if op == "=" and value != values[0]:
            return False
        if op == "!=" and present and value == values[0]:
            return False
        if op == "in" and value not in values:
            return False
        if op == "notin" and present and value in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
    return True


def selector_from_label_selector(selector):
    """The string form of a metav1.LabelSelector object (matchLabels, matchExpressions)."""
    parts = ["%s=%s" % (k, v) for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator")
        values = ",".join(expr.get("values") or [])
        if op == "In":
            parts.append("%s in (%s)" % (expr["key"], values))
        elif op == "NotIn":
            parts.append("%s notin (%s)" % (expr["key"], values))
        elif op == "Exists":
            parts.append(expr["key"])
        elif op == "DoesNotExist":
            parts.append("!" + expr["key"])
    return ",".join(parts)


def parse_fields(text):
    reqs = []
    for part in _split(text or ""):
        match = _EQ_RE.match(part)
        if not match:
            raise SelectorError("invalid field selector: %r" % part.strip())
        reqs.append((match.group(1), "!=" if match.group(2) == "!=" else "=", match.group(3)))
    return reqs


def field_value(obj, path):
    value = obj
    for name in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def match_fields(reqs, obj):
    for path, op, want in reqs:
        have = field_value(obj, path)
        if (op == "=") != (have == want):
            return False
    return True
