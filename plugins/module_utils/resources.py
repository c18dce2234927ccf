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

:func:`plan_set` does steps 1-3 without writing, :func:`run_plan` runs the writes; a module for
one kind calls :func:`apply_set` (both). A declared state of several kinds (resource_set.py)
plans every kind before it writes anything: a :class:`World` tells each kind what the kinds
planned before it will create or delete (a pool's CRUSH rule, a subvolume's group).

Item options with the value None are not managed: a re-run that leaves a field out never
reverts what someone else set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

# How a diff shows a secret (a cephx key, an S3 secret key): never its value; MASK_NEW when the run
# replaces it with another.
MASK = "********"
MASK_NEW = "******** (replaced)"


class Write:
    """One planned write: a mon command or a tool (rados, rbd, radosgw-admin) argv.

    ``secret_input``: ``inbuf`` holds a secret, shown masked in the recorded line."""

    def __init__(self, prefix=None, argv=None, inbuf="", parse=True, secret_input=False, **args):
        self.prefix = prefix
        self.argv = argv
        self.inbuf = inbuf
        self.parse = parse
        self.secret_input = secret_input
        self.args = args

    def run(self, runner):
        if self.argv is not None:
            return runner.tool(self.argv, write=True, inbuf=self.inbuf, parse=self.parse,
                               secret_input=self.secret_input)
        return runner.write(self.prefix, inbuf=self.inbuf, secret_input=self.secret_input, **self.args)


class World:
    """What the earlier steps of one declared state leave behind, for the kinds planned after them.

    Kinds are named as the options of koor.ceph.ceph_resource_set (``pools``, ``crush_rules``,
    ``subvolume_groups``, ...), items by their :meth:`Resource.item_id`. A resource that refers
    to another kind validates against the cluster as read AND this projection, so a whole state
    (a CRUSH rule, the pool using it, the images in the pool) is validated before its first
    write. A module applying one kind has an empty world: the cluster as read is all there is.
    """

    def __init__(self):
        self._planned = {}

    def record(self, kind, planned):
        """``planned``: {item id: the item's fields after the step, or None where it deletes it}."""
        self._planned.setdefault(kind, {}).update(planned)

    def planned(self, kind):
        """{item id: fields after the earlier steps, or None where they delete it} for one kind."""
        return self._planned.get(kind, {})

    def exists(self, kind, ident, now):
        """Whether the item exists after the earlier steps; ``now``: whether it exists in the cluster."""
        planned = self.planned(kind)
        if ident in planned:
            return planned[ident] is not None
        return now

    def config_value(self, option, whos=("mon", "global")):
        """The value the earlier steps set for ``option`` (the first of ``whos`` set), or None."""
        planned = self.planned("config")
        for who in whos:
            after = planned.get("%s %s" % (who, option))
            if after is not None and after.get("value") is not None:
                return after["value"]
        return None


class Resource:
    """One kind of Ceph resource. Subclasses fill in the hooks."""

    kind = "resource"          # singular, for messages
    key = "name"               # the option that names an item
    fields = ()                # managed fields: compared, diffed and returned
    world = World()            # never recorded into: plan_set gives each run its own

    def item_id(self, item):
        """What identifies an item in the set: its key, or e.g. 'fs/group/name' for kinds whose
        names are unique only within a parent. ``read`` keys its answer by it; the diff too."""
        return item[self.key]

    def identity(self, item):
        """Options besides the key that place the item (e.g. its fs and group): added to its result."""
        return {}

    def check_input(self, items):
        """Raise CephInputError for input no cluster could take (checked before any connection)."""

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

    def projected(self, item, after):
        """The item after the run, as the kinds planned after it see it in the :class:`World`."""
        return after

    def effects(self, steps):
        """What the planned steps (see :class:`SetPlan`) do to other kinds by themselves:
        {kind: {item id: fields, or None if deleted}} (e.g. a filesystem deleted with its pools)."""
        return {}


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
        return list_items(listed, item_spec)
    return [single]


def list_items(listed, item_spec):
    """The items of a list option, each with the item spec's defaults where it gives no value."""
    items = []
    for raw in listed or []:
        item = dict((k, v.get("default")) for k, v in item_spec.items())
        item.update(dict((k, v) for k, v in raw.items() if v is not None))
        items.append(item)
    return items


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


def check_items(resource, items, plural):
    """Raise CephInputError for an item without its key, an item listed twice or input the kind's
    ``check_input`` refuses (no cluster needed)."""
    if any(item.get(resource.key) in (None, "") for item in items):
        raise CephInputError("every %s needs %s" % (resource.kind, resource.key))
    names = [resource.item_id(item) for item in items]
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        raise CephInputError("%s listed more than once: %s" % (plural, ", ".join(str(d) for d in dupes)))
    resource.check_input(items)


class SetPlan:
    """A set read, validated and planned: per item (item, id, state, have, after, writes)."""

    def __init__(self, resource, items, plural, steps):
        self.resource = resource
        self.items = items
        self.plural = plural
        self.steps = steps

    @property
    def changes(self):
        return any(writes for _item, _name, _state, _have, _after, writes in self.steps)

    def project(self, world, kind):
        """Record in ``world`` what this plan leaves behind, as ``kind``, and its effects on other kinds."""
        world.record(kind, dict((name, self.resource.projected(item, after) if after is not None else None)
                                for item, name, _state, _have, after, _writes in self.steps))
        for other, planned in self.resource.effects(self.steps).items():
            world.record(other, planned)


def plan_set(runner, resource, items, plural, world=None):
    """Read the set once, validate it, and plan every item's writes. Writes nothing."""
    check_items(resource, items, plural)
    resource.world = world if world is not None else World()
    current = resource.read(runner, items)
    for name, after in resource.world.planned(plural).items():
        if after is None:
            current.pop(name, None)  # an earlier step deletes it (a filesystem with its pools)
    resource.validate(runner, items, current)
    steps = []
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
        steps.append((item, name, state, have, after, writes))
    return SetPlan(resource, items, plural, steps)


def run_plan(runner, plan):
    """Run the plan's writes in order (in check mode: record them); returns the module's result."""
    resource = plan.resource
    before_view, after_view, results = {}, {}, []
    for item, name, state, have, after, writes in plan.steps:
        outputs = [w.run(runner) for w in writes]
        if have is not None or after is not None:
            before_view[name] = _diff_view(have, resource.fields)
            after_view[name] = _diff_view(after, resource.fields)
        results.append(resource.result_item(item[resource.key], state, after, outputs))
        results[-1].update(resource.identity(item))
        results[-1]["changed"] = bool(writes)
    written = [(item, after) for item, name, state, have, after, writes in plan.steps if writes]
    if written and not runner.check_mode:
        resource.verify(runner, written)
    return {
        "changed": any(r["changed"] for r in results),
        "diff": {"before": before_view, "after": after_view},
        plan.plural: results,
    }


def apply_set(runner, resource, items, plural):
    """Bring every item of the set to its declared state. Returns the module's result."""
    return run_plan(runner, plan_set(runner, resource, items, plural))


def _diff_view(values, fields):
    if values is None:
        return {"state": "absent"}
    view = dict((f, values[f]) for f in fields if f in values)
    view["state"] = "present"
    return view
