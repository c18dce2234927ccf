# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Erasure-code profiles as a declared set (see resources.py).

Read with two commands for any number of profiles: ``osd dump`` (every profile and which pools
use it) and ``osd crush dump`` (the topology that k+m must fit into).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import NAME_HINT, NAME_RE, pool_users, read_cluster
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bytes

PLUGINS = ("jerasure", "isa", "clay")
TECHNIQUES = {
    "jerasure": ("reed_sol_van", "reed_sol_r6_op", "cauchy_orig", "cauchy_good", "liberation", "blaum_roth",
                 "liber8tion"),
    "isa": ("reed_sol_van", "cauchy"),
}
# what Ceph picks when a profile names a plugin but no technique
DEFAULT_TECHNIQUE = {"jerasure": "reed_sol_van", "isa": "reed_sol_van"}
# jerasure techniques that only work with m=2
M2_TECHNIQUES = ("reed_sol_r6_op", "liberation", "blaum_roth", "liber8tion")

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    k=dict(type="int"),
    m=dict(type="int"),
    plugin=dict(type="str", choices=list(PLUGINS)),
    technique=dict(type="str"),
    crush_root=dict(type="str"),
    crush_failure_domain=dict(type="str"),
    crush_device_class=dict(type="str"),
    stripe_unit=dict(type="raw"),
    force=dict(type="bool", default=False),
    allow_delete_default=dict(type="bool", default=False),
)
# the profile Ceph makes itself (osd_pool_default_erasure_code_profile): pools made without a profile use it
BUILTIN = "default"

FIELDS = ("k", "m", "plugin", "technique", "crush_root", "crush_failure_domain", "crush_device_class",
          "stripe_unit")
# module field -> key in Ceph's profile
CEPH_KEYS = {"k": "k", "m": "m", "plugin": "plugin", "technique": "technique", "crush_root": "crush-root",
             "crush_failure_domain": "crush-failure-domain", "crush_device_class": "crush-device-class",
             "stripe_unit": "stripe_unit"}
# keys whose meaning does not depend on the plugin (kept when an overwrite changes the plugin)
GENERIC_KEYS = ("k", "m", "plugin", "crush-root", "crush-failure-domain", "crush-device-class",
                "crush-num-failure-domains", "crush-osds-per-failure-domain", "stripe_unit")


def normalise(profile):
    """One profile of `osd dump` (all values strings) -> the managed fields.

    Missing CRUSH keys (profiles made by older releases) get the values Ceph uses for them:
    root default, failure domain host, no device class.
    """
    def number(key):
        value = profile.get(key)
        try:
            return int(value) if value not in (None, "") else None
        except ValueError:
            return value

    stripe = profile.get("stripe_unit")
    try:
        stripe = to_bytes(stripe, binary_si=True) if stripe not in (None, "") else None
    except UnitError:
        pass
    return {
        "k": number("k"),
        "m": number("m"),
        "plugin": profile.get("plugin"),
        "technique": profile.get("technique") or None,
        "crush_root": profile.get("crush-root") or "default",
        "crush_failure_domain": profile.get("crush-failure-domain") or "host",
        "crush_device_class": profile.get("crush-device-class") or "",
        "stripe_unit": stripe,
    }


def profile_words(values):
    """Ceph profile key=value words in a fixed order (managed keys first, then the rest sorted)."""
    order = [CEPH_KEYS[f] for f in FIELDS]
    keys = [k for k in order if k in values] + sorted(k for k in values if k not in order)
    return ["%s=%s" % (k, values[k]) for k in keys]


class EcProfiles(Resource):
    kind = "erasure-code profile"
    fields = FIELDS

    def __init__(self):
        self.crush = None
        self.raw = {}
        self.users = {}

    def read(self, runner, items):
        self.crush, osd_dump = read_cluster(runner)
        self.raw = osd_dump.get("erasure_code_profiles") or {}
        for pool in osd_dump.get("pools") or []:
            if pool.get("erasure_code_profile"):
                self.users.setdefault(pool["erasure_code_profile"], []).append(pool["pool_name"])
        return dict((name, normalise(profile)) for name, profile in self.raw.items())

    def desired(self, item, have):
        want = dict((f, item.get(f)) for f in FIELDS if item.get(f) is not None)
        if "stripe_unit" in want:
            want["stripe_unit"] = to_bytes(want["stripe_unit"], binary_si=True)
        if have is not None and want.get("plugin") not in (None, have.get("plugin")) and "technique" not in want:
            # the old technique belongs to the old plugin: say which one the new plugin gets
            want["technique"] = DEFAULT_TECHNIQUE.get(want["plugin"])
        return want

    def validate(self, runner, items, current):
        for item in items:
            name = item["name"]
            what = "erasure-code profile %r" % name
            if not NAME_RE.match(name):
                raise CephInputError("%s: invalid name: %s" % (what, NAME_HINT))
            have = current.get(name)
            users = pool_users(self.world, "erasure_profile", name, self.users.get(name))
            if item.get("state") == "absent":
                if have is not None and users:
                    raise CephInputError("%s is used by pool(s) %s and cannot be deleted" % (what, ", ".join(users)))
                if have is not None and name == BUILTIN and not item.get("allow_delete_default"):
                    raise CephInputError("%s is Ceph's built-in profile: an erasure-coded pool created without a "
                                         "profile uses it, and Ceph does not make it again; set "
                                         "allow_delete_default: true to delete it" % what)
                continue
            if have is None and (item.get("k") is None or item.get("m") is None):
                raise CephInputError("%s: a new profile needs k and m" % what)
            if item.get("stripe_unit") is not None:
                try:
                    stripe = to_bytes(item["stripe_unit"], binary_si=True)
                except UnitError as exc:
                    raise CephInputError("%s: stripe_unit: %s" % (what, exc))
                if stripe < 1:
                    raise CephInputError("%s: stripe_unit must be at least 1 byte (e.g. 4K)" % what)
            want = self.desired(item, have)
            changes = sorted(f for f, v in want.items() if have is None or have.get(f) != v)
            if not changes:
                continue
            eff = dict(have or {})
            eff.update(want)
            eff.setdefault("crush_root", "default")
            eff.setdefault("crush_failure_domain", "host")
            self._validate_values(what, eff, have, want)
            if have is None:
                continue
            detail = ", ".join("%s %r -> %r" % (f, have.get(f), want[f]) for f in changes)
            if users:
                raise CephInputError("%s is used by pool(s) %s and cannot change (%s): a pool's profile is fixed "
                                     "at its creation; create a new profile (and pool) instead"
                                     % (what, ", ".join(users), detail))
            if not item.get("force"):
                raise CephInputError("%s exists with other values (%s): set force: true to overwrite it (no pool "
                                     "uses it)" % (what, detail))

    def _validate_values(self, what, eff, have, want):
        k, m = eff.get("k"), eff.get("m")
        if k is None or k < 2:
            raise CephInputError("%s: k must be at least 2, got %s" % (what, k))
        if m is None or m < 1:
            raise CephInputError("%s: m must be at least 1, got %s" % (what, m))
        plugin = want.get("plugin") or (have or {}).get("plugin")
        if plugin == "clay" and m < 2:
            raise CephInputError("%s: the clay plugin needs m of at least 2 (its d must lie in k+1..k+m-1)" % what)
        technique = want.get("technique")
        if technique is not None:
            allowed = TECHNIQUES.get(plugin) if plugin else sorted(set(sum(TECHNIQUES.values(), ())))
            if allowed and technique not in allowed:
                raise CephInputError("%s: technique %r is not one of %s%s" % (
                    what, technique, ", ".join(allowed), " (plugin %s)" % plugin if plugin else ""))
            if technique in M2_TECHNIQUES and m != 2:
                raise CephInputError("%s: technique %s needs m=2, got m=%d" % (what, technique, m))
        root, domain, device_class = eff["crush_root"], eff["crush_failure_domain"], eff.get("crush_device_class")
        self.crush.check_placement(what, root, domain, device_class)
        room = self.crush.count_domains(root, domain, device_class)
        if k + m > room:
            raise CephInputError("%s: k+m=%d chunks need %d distinct %ss (failure domain) under root %r%s, the "
                                 "cluster has %d: lower k or m, or choose a smaller failure domain (e.g. osd)"
                                 % (what, k + m, k + m, domain, root,
                                    " with device class %s" % device_class if device_class else "", room))

    def _words(self, values):
        ceph = {}
        for field, value in values.items():
            if field in CEPH_KEYS and value is not None:
                ceph[CEPH_KEYS[field]] = value
        return ceph

    def plan_create(self, item, want):
        return [Write("osd erasure-code-profile set", name=item["name"], profile=profile_words(self._words(want)))]

    def plan_update(self, item, have, changes):
        # validate() allows this only for a profile no pool uses, with force: true
        raw = dict(self.raw.get(item["name"]) or {})
        if changes.get("plugin") and changes["plugin"] != raw.get("plugin"):
            raw = dict((k, v) for k, v in raw.items() if k in GENERIC_KEYS)
        raw.update(self._words(changes))
        return [Write("osd erasure-code-profile set", name=item["name"], profile=profile_words(raw), force=True,
                      yes_i_really_mean_it=True)]

    def plan_delete(self, item, have):
        return [Write("osd erasure-code-profile rm", name=item["name"])]

    def projected(self, item, after):
        """The profile as `osd erasure-code-profile get` shows it (the form pools and CRUSH rules read)."""
        return dict((CEPH_KEYS[f], str(v)) for f, v in after.items() if f in CEPH_KEYS and v not in (None, ""))

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update((k, v) for k, v in after.items() if k in FIELDS)
        return result
