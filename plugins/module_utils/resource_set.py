# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A declared state of many kinds of Ceph resources applied in one module run (ceph_resource_set).

Each kind is the same :class:`~resources.Resource` its own module uses (pools.py, cephfs.py,
...), with the same item options. The state is applied in steps: the items declared present,
kind by kind in dependency order (:data:`KINDS`), then the items declared absent in the reverse
order (images before their pool). One runner serves every step: one process, one agent, one
librados connection.

Before anything is written, every step is read, validated and planned. A step sees what the
steps before it will create or delete (:class:`~resources.World`): a pool may name a CRUSH rule
the same run creates, a CRUSH rule may be deleted once the run deletes the pools using it. So a
bad item in the last kind refuses the whole state with nothing written, and check mode reports
the whole run. A real run writes the steps in order; once a step has written, every later step
is read and planned again before its writes, so they follow what the cluster holds then.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils import (
    auth,
    cephfs,
    config,
    crush_rules,
    ec_profiles,
    mgr_modules,
    pools,
    rbd_images,
    rgw_users,
)
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephError
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.resources import (
    World,
    check_items,
    item_list_spec,
    list_items,
    plan_set,
    run_plan,
)


def _before_mgr_change(runner, first, state):
    """The mgr restarts when its enabled modules change: CephFS sessions it opened for the reads of
    subvolume groups and subvolumes must be known to the mon by then (see mgr_modules.wait_for_clients).
    ``first``: the step's resource as planned before anything was written (before those reads)."""
    if state.get("subvolume_groups") or state.get("subvolumes"):
        mgr_modules.wait_for_clients(runner, first)


def _wait_for_mgr(runner, resource):
    """The mgr restarts when its enabled modules change: the next step needs it back."""
    mgr_modules.wait_for_restart(runner, resource, runner.timeout)


class Kind:
    """One kind of a declared state: its option, the module that applies it alone, its items."""

    def __init__(self, name, module, item_spec, resource, prepare=None, before=None, finish=None):
        self.name = name              # the option (and the ceph_resources role's ceph_resources_<name>)
        self.module = module          # the module applying this kind alone: same item options
        self.item_spec = item_spec
        self.resource = resource      # the Resource class
        self.prepare = prepare        # items -> items, before anything else (no cluster)
        self.before = before          # (runner, resource as first planned, state) before a step writes
        self.finish = finish          # (runner, resource) after a step of this kind wrote


# In dependency order: what is declared present is applied in this order, what is declared
# absent in the reverse one.
KINDS = (
    Kind("config", "ceph_config", config.ITEM_SPEC, config.ConfigSettings, prepare=config.prepare),
    Kind("mgr_modules", "ceph_mgr_module", mgr_modules.ITEM_SPEC, mgr_modules.MgrModules, before=_before_mgr_change,
         finish=_wait_for_mgr),
    Kind("ec_profiles", "ceph_ec_profile", ec_profiles.ITEM_SPEC, ec_profiles.EcProfiles),
    Kind("crush_rules", "ceph_crush_rule", crush_rules.ITEM_SPEC, crush_rules.CrushRules),
    Kind("pools", "ceph_pool", pools.ITEM_SPEC, pools.Pools),
    Kind("filesystems", "ceph_fs", cephfs.FS_ITEM_SPEC, cephfs.Filesystems),
    Kind("subvolume_groups", "ceph_fs_subvolumegroup", cephfs.GROUP_ITEM_SPEC, cephfs.SubvolumeGroups),
    Kind("subvolumes", "ceph_fs_subvolume", cephfs.SUBVOLUME_ITEM_SPEC, cephfs.Subvolumes),
    Kind("rbd_images", "ceph_rbd_image", rbd_images.ITEM_SPEC, rbd_images.Images),
    Kind("clients", "ceph_auth", auth.ITEM_SPEC, auth.Entities),
    Kind("rgw_users", "ceph_rgw_user", rgw_users.ITEM_SPEC, rgw_users.Users),
)
KIND_NAMES = tuple(kind.name for kind in KINDS)


def steps(kinds=KINDS):
    """(kind, state of the items it applies) in the order the steps run."""
    return [(kind, "present") for kind in kinds] + [(kind, "absent") for kind in reversed(kinds)]


def argument_spec():
    """One list option per kind, its elements taking the item options of the kind's own module."""
    spec = dict((kind.name, item_list_spec(kind.item_spec)) for kind in KINDS)
    spec["kinds"] = dict(type="list", elements="str", choices=list(KIND_NAMES))
    return spec


def declared_state(params):
    """{kind name: items} of the selected kinds that declare items; checks that need no cluster
    (every item named, none twice, config names) run here, before any connection."""
    selected = params.get("kinds")
    state = {}
    for kind in KINDS:
        if selected is not None and kind.name not in selected:
            continue
        items = list_items(params.get(kind.name), kind.item_spec)
        if not items:
            continue
        if kind.prepare is not None:
            items = kind.prepare(items)
        check_items(kind.resource(), items, kind.name)
        state[kind.name] = items
    return state


def plan_steps(runner, state, world, kinds=KINDS):
    """Read, validate and plan every step (nothing written); returns [(kind, plan)]."""
    planned = []
    for kind, wanted in steps(kinds):
        items = [item for item in state.get(kind.name, ()) if (item.get("state") or "present") == wanted]
        if items:
            planned.append((kind, _plan(runner, kind, items, world)))
    return planned


def _plan(runner, kind, items, world):
    plan = plan_set(runner, kind.resource(), items, kind.name, world)
    plan.project(world, kind.name)
    return plan


def apply_state(runner, state, kinds=KINDS):
    """Bring the declared state about; returns the module's result (without ``commands``)."""
    planned = plan_steps(runner, state, World(), kinds)
    # every step is validated: now write, step by step, in a world rebuilt as the steps run
    world, written, done = World(), False, []
    for kind, first_plan in planned:
        if written:
            plan = _plan(runner, kind, first_plan.items, world)  # what the cluster holds after the writes
        else:
            plan = first_plan
            plan.project(world, kind.name)
        if plan.changes and not runner.check_mode and kind.before is not None:
            kind.before(runner, first_plan.resource, state)
        first = len(runner.commands)
        result = run_plan(runner, plan)
        if result["changed"] and kind.finish is not None:
            kind.finish(runner, plan.resource)
        written = written or (result["changed"] and not runner.check_mode)
        done.append((kind, plan, result, runner.commands[first:]))
    return _result(state, done, kinds)


def _result(state, done, kinds):
    results = dict((kind.name, []) for kind in kinds)
    before, after = {}, {}
    summary = dict((kind.name, {"applied": kind.name in state, "changed": False, "commands": []}) for kind in kinds)
    for kind, plan, result, commands in done:
        position = dict((id(item), index) for index, item in enumerate(state[kind.name]))
        for item, item_result in zip(plan.items, result[kind.name]):
            results[kind.name].append((position[id(item)], item_result))
        before.setdefault(kind.name, {}).update(result["diff"]["before"])
        after.setdefault(kind.name, {}).update(result["diff"]["after"])
        summary[kind.name]["changed"] = summary[kind.name]["changed"] or result["changed"]
        summary[kind.name]["commands"].extend(commands)
    output = dict((name, [r for _index, r in sorted(listed, key=lambda pair: pair[0])])
                  for name, listed in results.items())
    output.update(changed=any(s["changed"] for s in summary.values()), summary=summary,
                  diff={"before": before, "after": after})
    return output


def empty_result():
    """The result when nothing is declared: no connection, nothing to do."""
    output = dict((kind.name, []) for kind in KINDS)
    output.update(changed=False, commands=[], diff={"before": {}, "after": {}},
                  summary=dict((kind.name, {"applied": False, "changed": False, "commands": []}) for kind in KINDS))
    return output


def run_state_module():
    """main() of koor.ceph.ceph_resource_set."""
    module = ceph_module(argument_spec())
    try:
        state = declared_state(module.params)
    except CephError as exc:
        module.fail_json(changed=False, commands=[], **exc.fail_kwargs())
    if not state:
        module.exit_json(**empty_result())
    run_module(module, lambda runner: apply_state(runner, state))
