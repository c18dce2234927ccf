"""Patches and field ownership for the lab Kubernetes API simulator.

JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch (the directives kubectl
sends: null deletion, merge keys, $patch, $setElementOrder, $deleteFromPrimitiveList,
$retainKeys) and server-side apply with managed fields in the fieldsV1 format.

`list_info(path)` tells how a list at path (field names, "[]" for list items) merges:
("map", keys), ("set", ()) or ("atomic", ()).
"""

import json


class PatchError(Exception):
    """A patch that cannot be applied (answered as 422, or 409 for a failed JSON patch test)."""

    def __init__(self, message, code=422):
        super().__init__(message)
        self.code = code


MISSING = object()


def clone(value):
    """A deep copy of JSON data (several times faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


# --- JSON merge patch ------------------------------------------------------------------------

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- JSON patch --------------------------------------------------------------------------------

def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    for part in parts:
        if isinstance(doc, list):
            try:
                doc = doc[int(part)]
            except (ValueError, IndexError):
                raise PatchError("path element %r not found" % part)
        elif isinstance(doc, dict):
            if part not in doc:
                raise PatchError("path element %r not found" % part)
            doc = doc[part]
        else:
            raise PatchError("path element %r not found" % part)
    return doc


def _index(container, part, insert=False):
    if part == "-" and insert:
        return len(container)
    try:
        index = int(part)
    except ValueError:
        raise PatchError("invalid list index %r" % part)
    if index < 0 or index > len(container) - (0 if insert else 1):
        raise PatchError("list index %d out of range" % index)
    return index


def _add(doc, parts, value):
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        parent.insert(_index(parent, last, insert=True), value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError("cannot add to a scalar at %r" % last)
    return doc


def _remove(doc, parts):
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        return parent.pop(_index(parent, last))
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    raise PatchError("unable to remove nonexistent key: %s: missing value" % last)


def json_patch(doc, operations):
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations", code=400)
    doc = clone(doc)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError("invalid JSON patch operation %r" % (op,), code=400)
        kind, parts = op["op"], _pointer(op["path"])
        if kind == "add":
            doc = _add(doc, parts, clone(op.get("value")))
        elif kind == "remove":
            _remove(doc, parts)
        elif kind == "replace":
            _walk(doc, parts)
            if parts:
                _remove(doc, parts)
            doc = _add(doc, parts, clone(op.get("value")))
        elif kind in ("move", "copy"):
            source = _pointer(op.get("from", ""))
            value = clone(_walk(doc, source))
            if kind == "move":
                _remove(doc, source)
            doc = _add(doc, parts, value)
        elif kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise PatchError("testing value %s failed: test failed" % op["path"])
        else:
            raise PatchError("unknown JSON patch operation %r" % kind, code=400)
    return doc


# --- strategic merge patch ---------------------------------------------------------------------

def strategic_merge(target, patch, list_info, path=()):
    if not isinstance(patch, dict):
        return clone(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return MISSING
    result = dict(target) if isinstance(target, dict) else {}
    orders = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list):
                result[name] = [x for x in result[name] if x not in (value or [])]
            continue
        if value is None:
            result.pop(key, None)
            continue
        current = result.get(key)
        if isinstance(value, list):
            kind, keys = list_info(path + (key,))
            if kind == "map" and keys:
                result[key] = _merge_keyed_list(current if isinstance(current, list) else [], value, keys,
                                                list_info, path + (key, "[]"))
            elif kind == "set":
                merged = list(current) if isinstance(current, list) else []
                merged += [x for x in value if x not in merged]
                result[key] = merged
            else:
                result[key] = [_strip_directives(x) for x in value]
        elif isinstance(value, dict):
            merged = strategic_merge(current, value, list_info, path + (key,))
            if merged is MISSING:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = value
    for name, order in orders.items():
        if isinstance(result.get(name), list):
            result[name] = _reorder(result[name], order, list_info(path + (name,)))
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _strip_directives(value):
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    return clone(value)


def _item_key(item, keys):
    if not isinstance(item, dict):
        return None
    return tuple(item.get(k) for k in keys)


def _merge_keyed_list(current, patch_items, keys, list_info, path):
    if any(isinstance(i, dict) and i.get("$patch") == "replace" and len(i) == 1 for i in patch_items):
        return [_strip_directives(i) for i in patch_items if not (isinstance(i, dict) and "$patch" in i)]
    result = [clone(i) for i in current]
    for item in patch_items:
        key = _item_key(item, keys)
        found = next((n for n, cur in enumerate(result) if _item_key(cur, keys) == key), None)
        if isinstance(item, dict) and item.get("$patch") == "delete":
            if found is not None:
                result.pop(found)
            continue
        if found is None:
            result.append(_strip_directives(item))
        else:
            merged = strategic_merge(result[found], item, list_info, path)
            if merged is not MISSING:
                result[found] = merged
    return result


def _reorder(items, order, info):
    kind, keys = info

    def keyed(item):
        return _item_key(item, keys) if kind == "map" and keys else item

    wanted = [keyed(o) for o in order]
    first = [i for w in wanted for i in items if keyed(i) == w]
    rest = [i for i in items if keyed(i) not in wanted]
    return first + rest


# --- field sets (managedFields, fieldsV1) --------------------------------------------------------
# A field set is a Python set of paths; a path is a tuple of fieldsV1 keys: "f:name" (a field),
# "k:{...}" (an item of a keyed list), "v:..." (an item of a set list), "." (the item itself).

IGNORED_PATHS = {("f:apiVersion",), ("f:kind",)}
_META_IGNORED = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                 "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "generateName"}


def _names(path):
    out = []
    for part in path:
        if part.startswith("f:"):
            out.append(part[2:])
        elif part != ".":
            out.append("[]")
    return tuple(out)


def field_set(obj, list_info, path=(), skip_status=False):
    """Leaf paths of obj."""
    out = set()
    if isinstance(obj, dict):
        if path and not obj:
            out.add(path)
        for key, value in obj.items():
            if not path and (key in ("apiVersion", "kind") or (skip_status and key == "status")):
                continue
            if path == ("f:metadata",) and key in _META_IGNORED:
                continue
            out |= field_set(value, list_info, path + ("f:" + key,))
        return out
    if isinstance(obj, list):
        kind, keys = list_info(_names(path))
        if kind == "map" and keys and all(isinstance(i, dict) for i in obj):
            for item in obj:
                element = path + ("k:" + json.dumps({k: item.get(k) for k in keys}, separators=(",", ":")),)
                out.add(element + (".",))
                out |= field_set(item, list_info, element)
            return out
        if kind == "set" and not any(isinstance(i, (dict, list)) for i in obj):
            for item in obj:
                out.add(path + ("v:" + json.dumps(item, separators=(",", ":")),))
            return out
    if path:
        out.add(path)
    return out


def to_fields_v1(paths):
    tree = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    return tree


def from_fields_v1(tree, prefix=()):
    out = set()
    for key, child in (tree or {}).items():
        if key == ".":
            out.add(prefix + (".",))
        elif child:
            out |= from_fields_v1(child, prefix + (key,))
        else:
            out.add(prefix + (key,))
    return out


def value_at(obj, path):
    for part in path:
        if part == ".":
            return obj
        if part.startswith("f:"):
            if not isinstance(obj, dict) or part[2:] not in obj:
                return MISSING
            obj = obj[part[2:]]
        elif part.startswith("k:"):
            want = json.loads(part[2:])
            if not isinstance(obj, list):
                return MISSING
            obj = next((i for i in obj if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())),
                       MISSING)
            if obj is MISSING:
                return MISSING
        elif part.startswith("v:"):
            want = json.loads(part[2:])
            return want if isinstance(obj, list) and want in obj else MISSING
        else:
            return MISSING
    return obj


def remove_at(obj, path):
    """Remove the value at path from obj (in place); parents left empty are removed too."""
    if not path:
        return
    parent_path, last = path[:-1], path[-1]
    if last == ".":
        if len(path) >= 2:
            remove_at(obj, path[:-1])
        return
    parent = value_at(obj, parent_path)
    if parent is MISSING:
        return
    if last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith("k:") and isinstance(parent, list):
        want = json.loads(last[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and all(i.get(k) == v for k, v in want.items()))]
    elif last.startswith("v:") and isinstance(parent, list):
        want = json.loads(last[2:])
        parent[:] = [i for i in parent if i != want]
    if parent_path and parent in ({}, []) and parent_path[-1].startswith("f:"):
        remove_at(obj, parent_path)


def apply_merge(current, applied, list_info, path=()):
    """Merge an applied configuration into the current object (server-side apply's merge)."""
    if isinstance(applied, dict):
        result = dict(current) if isinstance(current, dict) else {}
        for key, value in applied.items():
            result[key] = apply_merge(result.get(key), value, list_info, path + (key,))
        return result
    if isinstance(applied, list):
        kind, keys = list_info(path)
        if kind == "map" and keys and isinstance(current, list):
            result = [clone(i) for i in current]
            for item in applied:
                key = _item_key(item, keys)
                found = next((n for n, cur in enumerate(result) if _item_key(cur, keys) == key), None)
                if found is None:
                    result.append(clone(item))
                else:
                    result[found] = apply_merge(result[found], item, list_info, path + ("[]",))
            return result
        if kind == "set" and isinstance(current, list):
            return list(current) + [i for i in applied if i not in current]
    return clone(applied)


def server_side_apply(current, applied, manager, managed, force, list_info, skip_status=False):
    """Apply `applied` for `manager` onto `current` (None when creating).

    managed: {(manager, operation): set of paths} of the current object. Returns (new object,
    new managed dict, conflicts); conflicts is a list of (other manager, path) and, unless
    force, nothing was changed when it is not empty.
    """
    new_set = field_set(applied, list_info, skip_status=skip_status)
    conflicts = []
    for (other, operation), paths in managed.items():
        if (other, operation) == (manager, "Apply"):
            continue
        for path in new_set & paths:
            if path[-1] == ".":
                continue
            if current is not None and value_at(current, path) != value_at(applied, path):
                conflicts.append((other, operation, path))
    if conflicts and not force:
        return None, None, conflicts
    managed = {k: set(v) for k, v in managed.items()}
    for other, operation, path in conflicts:
        managed[(other, operation)].discard(path)
    applied_body = {k: v for k, v in applied.items() if not (skip_status and k == "status")}
    result = apply_merge(current or {}, applied_body, list_info)
    previous = managed.get((manager, "Apply"), set())
    others = set()
    for key, paths in managed.items():
        if key != (manager, "Apply"):
            others |= paths
    for path in sorted(previous - new_set, key=len, reverse=True):
        if path in others or any(o[:len(path)] == path for o in others):
            continue
        if path[-1] == "." and any(o[:len(path) - 1] == path[:-1] for o in others):
            continue
        remove_at(result, path)
    managed[(manager, "Apply")] = new_set
    return result, managed, []


def record_update(old, new, manager, managed, list_info, skip_status=False):
    """Ownership after a non-apply write by manager: the fields it changed become its own."""
    old_set = field_set(old, list_info, skip_status=skip_status) if old is not None else set()
    new_set = field_set(new, list_info, skip_status=skip_status)
    changed = {p for p in new_set if p not in old_set or value_at(old, p) != value_at(new, p)}
    removed = old_set - new_set
    managed = {k: set(v) - removed for k, v in managed.items()}
    if changed:
        for key, paths in managed.items():
            if key[0] != manager:
                paths -= changed
        managed.setdefault((manager, "Update"), set()).update(changed)
    return {k: v for k, v in managed.items() if v}
