# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declared sets of Ceph resources: read once, validate the whole set, then write the difference.

A resource module (pools, users, subvolumes, ...) describes its kind with a :class:`Resource`
subclass and calls :func:`apply_set`. The flow is the same for every kind:

1. ``read(runner, items)`` reads the current state of the whole set (a few commands, not one
   per item) and returns ``{key: normalised fields}``;
2. ``validate(runner, items, current)`` raises CephInputError for anything that cannot be
   applied, naming the item, BEFORE anything is written;
3. per item, ``plan(item, current)`` returns the commands that bring it to the declared state
   (deterministic, so check mode reports exactly what a real run does), and they run in order.

Item options with the value None are not managed: a re-run that leaves a field out never
reverts what someone else set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError


class Write:
    """One planned write: a mon command or a tool (rados, rbd, radosgw-admin) argv."""

    def __init__(self, prefix=None, argv=None, inbuf="", parse=True, **args):
        self.prefix = prefix
        self.argv = argv
        self.inbuf = inbuf
        self.parse = parse
        self.args = args

    def run(self, runner):
        if self.argv is not None:
            return runner.tool(self.argv, write=True, inbuf=self.inbuf, parse=self.parse)
        return runner.write(self.prefix, inbuf=self.inbuf, **self.args)


class Resource:
    """One kind of Ceph resource. Subclasses fill in the hooks."""

    kind = "resource"          # singular, for messages
    key = "name"               # the option that names an item
    fields = ()                # managed fields: compared, diffed and returned

    def item_id(self, item):
        """What identifies an item in the set: its key, or e.g. 'fs/group/name' for kinds whose
        names are unique only within a parent. ``read`` keys its answer by it; the diff too."""
        return item[self.key]

    def identity(self, item):
        """Options besides the key that place the item (e.g. its fs and group): added to its result."""
        return {}

    def read(self, runner, items):
        raise NotImplementedError

    def validate(self, runner, items, current):
        """Raise CephInputError for the first item that cannot be applied."""

    def desired(self, item, have):
        """The managed fields the item declares (None: not managed)."""
        return dict((f, item.get(f)) for f in self.fields if item.get(f) is not None)

    def plan_create(self, item, want):
        raise NotImplementedError

    def plan_update(self, item, have, changes):
        raise NotImplementedError

    def plan_delete(self, item, have):
        raise NotImplementedError

    def verify(self, runner, written):
        """After a real run's writes: raise CephCommandError for a write Ceph accepted but did not
        apply. ``written`` lists (item, after) for the items that were written."""

    def after_create(self, item, want):
        """The fields a created item will have (for the diff and the result)."""
        return dict(want)

    def result_item(self, name, state, after, outputs):
        """What the module returns for one item (override to add created data, never secrets)."""
        result = {self.key: name, "state": state}
        if after:
            result.update(after)
        return result


def items_from_params(params, item_spec, plural):
    """One item from the top-level options, or the list under ``plural``.

    Returns a list of item dicts with the item spec's defaults applied.
    """
    listed = params.get(plural)
    single = dict((k, params.get(k)) for k in item_spec)
    if listed is not None:
        key = next(k for k, v in item_spec.items() if v.get("required"))
        if params.get(key) is not None:
            raise CephInputError("give either %s (one item) or %s (a list), not both" % (key, plural))
        items = []
        for raw in listed:
            item = dict((k, v.get("default")) for k, v in item_spec.items())
            item.update(dict((k, v) for k, v in raw.items() if v is not None))
            items.append(item)
        return items
    return [single]


def item_list_spec(item_spec):
    """The argspec of the list option: the same options per element."""
    spec = copy.deepcopy(item_spec)
    return dict(type="list", elements="dict", options=spec)


def module_spec(item_spec, plural, extra=None):
    """Top-level options: the item's (none required, so a list can be given instead) + the list."""
    spec = copy.deepcopy(item_spec)
    for option in spec.values():
        option.pop("required", None)
    spec[plural] = item_list_spec(item_spec)
    if extra:
        spec.update(extra)
    return spec


def apply_set(runner, resource, items, plural):
    """Bring every item of the set to its declared state. Returns the module's result."""
    if any(item.get(resource.key) in (None, "") for item in items):
        raise CephInputError("every %s needs %s" % (resource.kind, resource.key))
    names = [resource.item_id(item) for item in items]
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        raise CephInputError("%s listed more than once: %s" % (plural, ", ".join(str(d) for d in dupes)))
    current = resource.read(runner, items)
    resource.validate(runner, items, current)
    plans = []
    for item in items:
        name = resource.item_id(item)
        have = current.get(name)
        state = item.get("state") or "present"
        if state == "absent":
            writes = resource.plan_delete(item, have) if have is not None else []
            after = None
        elif have is None:
            want = resource.desired(item, None)
            writes = resource.plan_create(item, want)
            after = resource.after_create(item, want)
        else:
            want = resource.desired(item, have)
            changes = dict((f, v) for f, v in want.items() if have.get(f) != v)
            writes = resource.plan_update(item, have, changes) if changes else []
            after = dict(have)
            after.update(changes)
        plans.append((item, name, state, have, after, writes))
    before_view, after_view, results = {}, {}, []
    for item, name, state, have, after, writes in plans:
        outputs = [w.run(runner) for w in writes]
        if have is not None or after is not None:
            before_view[name] = _diff_view(have, resource.fields)
            after_view[name] = _diff_view(after, resource.fields)
        results.append(resource.result_item(item[resource.key], state, after, outputs))
        results[-1].update(resource.identity(item))
        results[-1]["changed"] = bool(writes)
    written = [(item, after) for item, name, state, have, after, writes in plans if writes]
    if written and not runner.check_mode:
        resource.verify(runner, written)
    return {
        "changed": any(r["changed"] for r in results),
        "diff": {"before": before_view, "after": after_view},
        plural: results,
    }


def _diff_view(values, fields):
    if values is None:
        return {"state": "absent"}
    view = dict((f, values[f]) for f in fields if f in values)
    view["state"] = "present"
    return view
