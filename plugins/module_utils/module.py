# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every cluster-facing module's main() shares: the argument spec and the run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set, check_items, items_from_params, module_spec
from ansible_collections.koor.ceph.plugins.module_utils.runner import CONNECTION_ARGSPEC, CephRunner


def ceph_module(argument_spec, **kwargs):
    """An AnsibleModule whose spec is the module's own options plus the connection options."""
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(argument_spec)
    kwargs.setdefault("supports_check_mode", True)
    return AnsibleModule(argument_spec=spec, **kwargs)


def run_module(module, work, validate=None, connect_first=True):
    """Validate, then run ``work(runner)`` with one agent; exit or fail with a clear message.

    ``validate(params)`` runs before any connection: it raises CephInputError for input that
    cannot be applied. ``work`` returns the result dict (changed, diff, ...). With
    ``connect_first`` False the agent starts (and connects) at the first request ``work`` sends,
    so a ``work`` that waits can count a cluster not reachable yet as "not yet".
    A run that fails after it wrote reports ``changed: true``, the commands it ran and, in its
    message, which of them were applied: the cluster holds what they did.
    """
    runner = None
    try:
        if validate is not None:
            validate(module.params)
        runner = CephRunner(module.params, check_mode=module.check_mode)
        try:
            if connect_first:
                runner.start()
            result = work(runner)
        finally:
            runner.close()
    except CephError as exc:
        module.fail_json(**failure(runner, exc.fail_kwargs()))
    except Exception as exc:  # a bug must still say what it changed before it stopped
        module.fail_json(exception=traceback.format_exc(),
                         **failure(runner, {"msg": "unexpected error: %s: %s" % (type(exc).__name__, exc)}))
    result.update(runner.result())
    module.exit_json(**result)


def failure(runner, kwargs):
    """fail_json's arguments for a run that stopped on an error: changed and commands told truly."""
    if runner is None:
        kwargs.update(changed=False, commands=[])
        return kwargs
    kwargs["commands"] = list(runner.commands)
    kwargs["changed"] = runner.changed_anything()
    if runner.applied:
        kwargs["applied"] = list(runner.applied)
        kwargs["msg"] = "%s (after %d write%s that took effect: the cluster keeps them; see 'applied')" % (
            kwargs["msg"], len(runner.applied), "" if len(runner.applied) == 1 else "s")
    elif kwargs["changed"]:
        kwargs["msg"] = "%s (the failed command may have done part of its work: %s)" % (kwargs["msg"], runner.failed[0])
    return kwargs


def run_set_module(item_spec, plural, resource_class, key="name", required_by=None):
    """main() of a declared-set module: one item by its options (``key`` names it) or a list
    under ``plural``, applied with one read of the whole set (see resources.py)."""
    kwargs = {"required_by": required_by} if required_by else {}
    module = ceph_module(module_spec(item_spec, plural), mutually_exclusive=[(key, plural)],
                         required_one_of=[(key, plural)], **kwargs)

    def items():
        return items_from_params(module.params, item_spec, plural)

    def work(runner):
        return apply_set(runner, resource_class(), items(), plural)

    run_module(module, work, validate=lambda params: check_items(resource_class(), items(), plural))
