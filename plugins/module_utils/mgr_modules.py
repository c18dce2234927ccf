# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ceph mgr modules (enabled or disabled) as a declared set, read with one ``mgr module ls``.

A module is 'present' when it runs: enabled, or always on (Ceph runs those whatever the
enabled list says, and they cannot be disabled).

Ceph restarts (re-executes) the active mgr whenever the set of enabled modules changes. After
a real change, :func:`wait_for_restart` waits until a new active mgr instance is available, so
the next task can use mgr commands at once. Before a change in a run that also works on CephFS
subvolumes, :func:`wait_for_clients` lets the mgr report the CephFS clients it just opened.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError, CephTimeoutError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write
from ansible_collections.koor.ceph.plugins.module_utils.waiting import poll

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def _names(value):
    """always_on_modules is a list (Ceph 17+) or a dict of lists per release (older)."""
    if isinstance(value, dict):
        names = set()
        for listed in value.values():
            names.update(listed or [])
        return sorted(names)
    return sorted(value or [])


def parse_module_ls(listing):
    """`mgr module ls -f json` -> {name: {enabled, always_on, can_run, error}} for every module the mgr has."""
    modules = {}
    always_on = set(_names(listing.get("always_on_modules")))
    for name in always_on:
        modules[name] = {"enabled": True, "always_on": True, "can_run": True, "error": ""}
    for name in listing.get("enabled_modules") or []:
        modules.setdefault(name, {"enabled": True, "always_on": False, "can_run": True, "error": ""})
    for entry in listing.get("disabled_modules") or []:
        if entry["name"] in modules:
            continue
        modules[entry["name"]] = {"enabled": False, "always_on": False, "can_run": bool(entry.get("can_run", True)),
                                  "error": entry.get("error_string") or ""}
    for name in listing.get("force_disabled_modules") or []:
        if name in modules:
            modules[name]["enabled"] = False
    return modules


class MgrModules(Resource):
    kind = "mgr module"
    fields = ("always_on",)

    def __init__(self):
        self.modules = {}
        self.active_gid = None
        self.clients = None

    def read(self, runner, items):
        self.modules = parse_module_ls(runner.mon("mgr module ls"))
        return dict((name, {"always_on": m["always_on"]}) for name, m in self.modules.items() if m["enabled"])

    def desired(self, item, have):
        return {"always_on": self.modules[item["name"]]["always_on"]}

    def validate(self, runner, items, current):
        for item in items:
            name = item["name"]
            module = self.modules.get(name)
            if module is None:
                raise CephInputError("mgr module %r is unknown to the active mgr (modules: %s)"
                                     % (name, ", ".join(sorted(self.modules))))
            if item.get("state") == "absent":
                if module["always_on"]:
                    raise CephInputError("mgr module %r is always on in this Ceph release and cannot be disabled"
                                         % name)
                continue
            if not module["enabled"] and not module["can_run"]:
                raise CephInputError("mgr module %r cannot run on the active mgr: %s"
                                     % (name, module["error"] or "no reason given"))
        if any(self.modules[i["name"]]["enabled"] != (i.get("state") != "absent") for i in items):
            # a change is coming: the active mgr instance now, to know when its successor is up
            dump = runner.mon("mgr dump")
            self.active_gid = dump.get("active_gid") if dump.get("available") else None
            self.clients = client_ids(dump)

    def plan_create(self, item, want):
        return [Write("mgr module enable", module=item["name"])]

    def plan_update(self, item, have, changes):
        return []

    def plan_delete(self, item, have):
        return [Write("mgr module disable", module=item["name"])]


def client_ids(dump):
    """The clients the active mgr's modules reported (`mgr dump` active_clients), as comparable strings."""
    return set(json.dumps(c.get("addrvec"), sort_keys=True) for c in dump.get("active_clients") or [])


def wait_for_clients(runner, resource, timeout=6.0, interval=0.25):
    """Before a change that restarts the mgr: wait (``timeout`` at most) until the active mgr has
    reported a client that its modules opened after ``resource`` read the mgr.

    When the mgr restarts, the mon blocklists the clients it reported, so the MDS drops their
    CephFS sessions. A session the volumes module opened just before the restart (for the reads
    of subvolumes in the same run), which no beacon reported yet (one every mgr_tick_period, 2 s),
    outlives the old instance with its caps until the MDS gives up on it, a minute or more: a new
    directory under /volumes waits for those caps. Nothing to wait for in check mode.
    """
    if runner.check_mode or resource.clients is None:
        return
    poll(lambda: (bool(client_ids(runner.mon("mgr dump")) - resource.clients), None), timeout, interval)


def wait_for_restart(runner, resource, timeout, interval=0.25):
    """After a change to the enabled modules: wait until the mgr Ceph restarts for it is active again.

    Nothing to wait for in check mode or when no mgr was available before the change.
    """
    if runner.check_mode or not resource.active_gid:
        return

    def restarted():
        dump = runner.mon("mgr dump")
        return bool(dump.get("available") and dump.get("active_gid") not in (None, 0, resource.active_gid)), dump
    waited = poll(restarted, timeout, interval)
    if waited.done:
        return
    dump = waited.value or {}
    raise CephTimeoutError("the mgr modules were changed, but the mgr Ceph restarts for that was not active again "
                           "within %ds (active: %s, available: %s): check the mgr's log"
                           % (timeout, dump.get("active_name"), dump.get("available")))
