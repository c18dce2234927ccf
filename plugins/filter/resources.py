# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for declared sets of resources (used by the ceph_resources role's preflight)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def _check(items, keys, name):
    if not isinstance(items, list):
        raise AnsibleFilterError("koor.ceph.%s: expected a list of items, got %s" % (name, type(items).__name__))
    if isinstance(keys, str):
        keys = [keys]
    return list(keys)


def missing_keys(items, keys):
    """The items (as given) that lack any of ``keys`` or are not mappings."""
    keys = _check(items, keys, "missing_keys")
    return [item for item in items
            if not isinstance(item, dict) or any(item.get(k) in (None, "") for k in keys)]


def duplicate_keys(items, keys):
    """The identities (``keys`` joined by '/') declared more than once, in first-seen order."""
    keys = _check(items, keys, "duplicate_keys")
    seen, dupes = set(), []
    for item in items:
        if not isinstance(item, dict):
            continue
        ident = "/".join(str(item.get(k)) for k in keys)
        if ident in seen and ident not in dupes:
            dupes.append(ident)
        seen.add(ident)
    return dupes


def declaration_problems(kinds, values):
    """Every unnamed or duplicated item of several declared lists, as messages.

    ``kinds`` is a list of {var, key_fields}; ``values`` the lists in the same order.
    """
    if not isinstance(kinds, list) or not isinstance(values, list) or len(kinds) != len(values):
        raise AnsibleFilterError("koor.ceph.declaration_problems: expected the kinds and one list per kind")
    problems = []
    for kind, items in zip(kinds, values):
        if not isinstance(items, list):
            problems.append("%s must be a list, not %s" % (kind["var"], type(items).__name__))
            continue
        bad = missing_keys(items, kind["key_fields"])
        if bad:
            problems.append("%s: items without %s: %s" % (kind["var"], " and ".join(kind["key_fields"]), bad))
        dupes = duplicate_keys(items, kind["key_fields"])
        if dupes:
            problems.append("%s declares %s more than once" % (kind["var"], ", ".join(dupes)))
    return problems


def resource_summary(results):
    """Module results (one, or a list: a skipped task's counts as not applied) -> {applied, changed, commands}."""
    if isinstance(results, dict):
        results = [results]
    if not isinstance(results, list):
        raise AnsibleFilterError("koor.ceph.resource_summary: expected a task result or a list of them")
    summary = {"applied": False, "changed": False, "commands": []}
    for result in results:
        if not isinstance(result, dict) or not result or result.get("skipped"):
            continue
        summary["applied"] = True
        summary["changed"] = summary["changed"] or bool(result.get("changed"))
        summary["commands"].extend(result.get("commands") or [])
    return summary


def declared(items, state="present"):
    """The items whose ``state`` (present when not given) is ``state``."""
    if not isinstance(items, list):
        raise AnsibleFilterError("koor.ceph.declared: expected a list of items, got %s" % type(items).__name__)
    if state not in ("present", "absent"):
        raise AnsibleFilterError("koor.ceph.declared: state must be present or absent, not %r" % (state,))
    return [item for item in items if isinstance(item, dict) and (item.get("state") or "present") == state]


class FilterModule(object):
    def filters(self):
        return {
            "missing_keys": missing_keys,
            "duplicate_keys": duplicate_keys,
            "resource_summary": resource_summary,
            "declared": declared,
            "declaration_problems": declaration_problems,
        }
