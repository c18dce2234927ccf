# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CRUSH rules as a declared set (see resources.py), and the CRUSH topology helpers that
erasure-code profiles share.

The whole set is read with two commands: ``osd crush dump`` (types, buckets, devices, rules)
and ``osd dump`` (pools with their rule ids, erasure-code profiles).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
NAME_HINT = "use letters, digits, '.', '_' and '-' (up to 128), starting with a letter, digit or '_'"
RULE_TYPES = {1: "replicated", 3: "erasure"}
CHOOSE_OPS = ("choose_firstn", "chooseleaf_firstn", "choose_indep", "chooseleaf_indep")

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    rule_type=dict(type="str", choices=["replicated", "erasure"]),
    root=dict(type="str"),
    failure_domain=dict(type="str"),
    device_class=dict(type="str"),
    profile=dict(type="str"),
    recreate=dict(type="bool", default=False),
)

FIELDS = ("rule_type", "root", "failure_domain", "device_class")


class CrushMap:
    """What `ceph osd crush dump -f json` says about the topology."""

    def __init__(self, dump):
        self.types = [t["name"] for t in dump.get("types") or []]
        self.buckets = dict((b["name"], b) for b in dump.get("buckets") or [])
        self.by_id = dict((b["id"], b) for b in dump.get("buckets") or [])
        self.devices = dict((d["id"], d) for d in dump.get("devices") or [])
        self.classes = sorted(set(d.get("class") for d in self.devices.values() if d.get("class")))
        self.rules = dump.get("rules") or []

    def roots(self):
        """Bucket names a rule can take (shadow buckets such as default~hdd excluded)."""
        return sorted(n for n in self.buckets if "~" not in n)

    def check_placement(self, what, root, failure_domain, device_class):
        """Raise CephInputError unless root, failure domain type and device class exist."""
        if root is not None and (root not in self.buckets or "~" in root):
            raise CephInputError("%s: CRUSH root %r does not exist (buckets: %s)"
                                 % (what, root, ", ".join(self.roots()) or "none"))
        if failure_domain is not None and failure_domain not in self.types:
            raise CephInputError("%s: failure domain %r is not a CRUSH type (types: %s)"
                                 % (what, failure_domain, ", ".join(self.types)))
        if device_class and device_class not in self.classes:
            raise CephInputError("%s: device class %r does not exist (classes: %s)"
                                 % (what, device_class, ", ".join(self.classes) or "none"))

    def leaves(self, bucket):
        """The OSD ids under a bucket (by name, e.g. default or default~hdd), as Ceph's get_leaves."""
        start = self.buckets.get(bucket)
        found = set()

        def walk(node):
            for item in node.get("items") or []:
                if item["id"] >= 0:
                    found.add(item["id"])
                elif item["id"] in self.by_id:
                    walk(self.by_id[item["id"]])

        if start is not None:
            walk(start)
        return found

    def count_domains(self, root, failure_domain, device_class=None, usable=None):
        """How many distinct failure domains under root hold at least one OSD (of the class).

        ``usable``: when given, only OSDs in it (up and in) with a CRUSH weight above 0 count."""
        start = self.buckets.get("%s~%s" % (root, device_class) if device_class else root)
        if start is None:
            return 0
        found = set()

        def walk(bucket, domain):
            for item in bucket.get("items") or []:
                child = item["id"]
                if child >= 0:
                    if device_class and self.devices.get(child, {}).get("class") != device_class:
                        continue
                    if usable is not None and (child not in usable or not item.get("weight")):
                        continue
                    found.add(child if failure_domain == "osd" else domain)
                    continue
                sub = self.by_id.get(child)
                if sub is None:
                    continue
                walk(sub, sub["id"] if sub.get("type_name") == failure_domain else domain)

        walk(start, start["id"] if start.get("type_name") == failure_domain else None)
        found.discard(None)
        return len(found)


def parse_rule(rule):
    """One rule of `osd crush rule dump` -> rule_type, root, failure_domain, device_class.

    A rule with more than one take or choose step (written by hand) is 'custom': its placement
    fields are None, so any declared placement differs from it.
    """
    steps = rule.get("steps") or []
    takes = [s for s in steps if s.get("op") == "take"]
    chooses = [s for s in steps if s.get("op") in CHOOSE_OPS]
    result = {"rule_type": RULE_TYPES.get(rule.get("type"), "type %s" % rule.get("type")),
              "root": None, "failure_domain": None, "device_class": None, "id": rule.get("rule_id")}
    if len(takes) != 1 or len(chooses) != 1:
        result["custom"] = True
        return result
    root, _sep, device_class = (takes[0].get("item_name") or "").partition("~")
    result.update(root=root, failure_domain=chooses[0].get("type"), device_class=device_class or None)
    return result


def profile_placement(profile):
    """The placement an erasure rule made from this profile (osd dump form) has."""
    return {"root": profile.get("crush-root") or "default",
            "failure_domain": profile.get("crush-failure-domain") or "host",
            "device_class": profile.get("crush-device-class") or None}


def read_cluster(runner):
    """The CRUSH map and the OSD map: two commands for any number of rules or profiles."""
    return CrushMap(runner.mon("osd crush dump")), runner.mon("osd dump")


def pool_users(world, field, name, users):
    """The pools whose ``field`` (crush_rule, erasure_profile) is ``name`` after the earlier steps:
    ``users`` as read, less the pools they delete or move away, plus the pools they create with it."""
    result = set(users or [])
    for pool, after in world.planned("pools").items():
        if after is None or after.get(field) not in (None, name):
            result.discard(pool)
        elif after.get(field) == name:
            result.add(pool)
    return sorted(result)


def pools_by_rule(osd_dump):
    result = {}
    for pool in osd_dump.get("pools") or []:
        result.setdefault(pool.get("crush_rule"), []).append(pool["pool_name"])
    return result


class CrushRules(Resource):
    kind = "CRUSH rule"
    fields = FIELDS

    def __init__(self):
        self.crush = None
        self.profiles = {}
        self.users = {}

    def read(self, runner, items):
        self.crush, osd_dump = read_cluster(runner)
        self.profiles = osd_dump.get("erasure_code_profiles") or {}
        by_rule = pools_by_rule(osd_dump)
        current = {}
        for rule in self.crush.rules:
            current[rule["rule_name"]] = parse_rule(rule)
            self.users[rule["rule_name"]] = sorted(by_rule.get(rule.get("rule_id"), []))
        return current

    def _profile(self, name):
        """An erasure-code profile (osd dump form) as the earlier steps leave it, or None."""
        planned = self.world.planned("ec_profiles")
        return planned[name] if name in planned else self.profiles.get(name)

    def _rule_type(self, item, have):
        if item.get("rule_type"):
            return item["rule_type"]
        if item.get("profile"):
            return "erasure"
        return have["rule_type"] if have is not None else "replicated"

    def desired(self, item, have):
        rule_type = self._rule_type(item, have)
        if rule_type == "erasure":
            want = dict(rule_type="erasure")
            if item.get("profile"):
                want.update(profile_placement(self._profile(item["profile"])))
            return want
        want = dict((f, item.get(f)) for f in ("root", "failure_domain", "device_class") if item.get(f) is not None)
        if "device_class" in want and want["device_class"] == "":
            want["device_class"] = None
        want["rule_type"] = "replicated"
        if have is None or have["rule_type"] != "replicated":
            # a new (or re-created) rule: what create-replicated makes of the options left out
            want.setdefault("root", "default")
            want.setdefault("failure_domain", "host")
            want.setdefault("device_class", None)
        return want

    def validate(self, runner, items, current):
        for item in items:
            name = item["name"]
            what = "CRUSH rule %r" % name
            if not NAME_RE.match(name):
                raise CephInputError("%s: invalid name: %s" % (what, NAME_HINT))
            have = current.get(name)
            users = pool_users(self.world, "crush_rule", name, self.users.get(name))
            if item.get("state") == "absent":
                if have is not None and users:
                    raise CephInputError("%s is used by pool(s) %s and cannot be deleted: move them to another rule "
                                         "first (koor.ceph.ceph_pool crush_rule)" % (what, ", ".join(users)))
                continue
            rule_type = self._rule_type(item, have)
            if rule_type == "erasure":
                placement = [f for f in ("root", "failure_domain", "device_class") if item.get(f) is not None]
                if placement:
                    raise CephInputError("%s: an erasure rule takes its placement from its profile: leave %s out "
                                         "and set crush_root, crush_failure_domain and crush_device_class on the "
                                         "profile" % (what, ", ".join(placement)))
                if not item.get("profile"):
                    if have is not None and have["rule_type"] == "erasure":
                        continue  # nothing declared beyond the type: the existing rule stands
                    raise CephInputError("%s: an erasure rule needs profile (an erasure-code profile, see "
                                         "koor.ceph.ceph_ec_profile)" % what)
                profile = self._profile(item["profile"])
                if profile is None:
                    raise CephInputError("%s: erasure-code profile %r does not exist (profiles: %s): create it first "
                                         "with koor.ceph.ceph_ec_profile"
                                         % (what, item["profile"], ", ".join(sorted(self.profiles)) or "none"))
                placement = profile_placement(profile)
                self.crush.check_placement("%s (profile %r)" % (what, item["profile"]), placement["root"],
                                           placement["failure_domain"], placement["device_class"])
            else:
                if item.get("profile"):
                    raise CephInputError("%s: profile applies to erasure rules only" % what)
                self.crush.check_placement(what, item.get("root"), item.get("failure_domain"),
                                           item.get("device_class"))
            if have is None:
                continue
            want = self.desired(item, have)
            changes = sorted(f for f, v in want.items() if have.get(f) != v)
            if not changes:
                continue
            detail = ", ".join("%s %r -> %r" % (f, have.get(f), want[f]) for f in changes)
            if users:
                raise CephInputError("%s is used by pool(s) %s and its definition cannot change (%s): create a new "
                                     "rule and move the pools to it (koor.ceph.ceph_pool crush_rule)"
                                     % (what, ", ".join(users), detail))
            if not item.get("recreate"):
                raise CephInputError("%s exists with another definition (%s): Ceph cannot edit a rule; set "
                                     "recreate: true to delete and re-create it (no pool uses it)" % (what, detail))

    def plan_create(self, item, want):
        name = item["name"]
        if want["rule_type"] == "erasure":
            return [Write("osd crush rule create-erasure", name=name, profile=item["profile"])]
        args = {"name": name, "root": want["root"], "type": want["failure_domain"]}
        if want.get("device_class"):
            args["class"] = want["device_class"]
        return [Write("osd crush rule create-replicated", **args)]

    def after_create(self, item, want):
        return dict(want)

    def plan_update(self, item, have, changes):
        # validate() allows an update only for an unused rule with recreate: true
        want = dict(have)
        want.update(self.desired(item, have))
        return [Write("osd crush rule rm", name=item["name"])] + self.plan_create(item, want)

    def plan_delete(self, item, have):
        return [Write("osd crush rule rm", name=item["name"])]

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update((k, v) for k, v in after.items() if k in FIELDS)
        return result
