# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ceph pools as a declared set (see resources.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from ansible.module_utils.common.warnings import warn
from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import CrushMap, parse_rule, pool_users
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bytes

NAME_RE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,127}$")
APPLICATIONS = ("rbd", "rgw", "cephfs", "nfs", "mgr")
AUTOSCALE = ("on", "off", "warn")
COMPRESSION_MODES = ("none", "passive", "aggressive", "force")
COMPRESSION_ALGORITHMS = ("snappy", "zlib", "zstd", "lz4")

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    pool_type=dict(type="str", choices=["replicated", "erasure"]),
    erasure_profile=dict(type="str"),
    crush_rule=dict(type="str"),
    size=dict(type="int"),
    min_size=dict(type="int"),
    pg_num=dict(type="int"),
    pg_autoscale_mode=dict(type="str", choices=list(AUTOSCALE)),
    target_size_ratio=dict(type="float"),
    application=dict(type="str", choices=list(APPLICATIONS)),
    max_bytes=dict(type="raw"),
    max_objects=dict(type="int"),
    compression_mode=dict(type="str", choices=list(COMPRESSION_MODES)),
    compression_algorithm=dict(type="str", choices=list(COMPRESSION_ALGORITHMS)),
    allow_ec_overwrites=dict(type="bool"),
    allow_delete=dict(type="bool", default=False),
    allow_delete_with_data=dict(type="bool", default=False),
    allow_size_one=dict(type="bool", default=False),
    allow_undersized=dict(type="bool", default=False),
)

FIELDS = ("pool_type", "erasure_profile", "crush_rule", "size", "min_size", "pg_num", "pg_autoscale_mode",
          "target_size_ratio", "application", "max_bytes", "max_objects", "compression_mode",
          "compression_algorithm", "allow_ec_overwrites")
# Fields only a new pool can take.
CREATE_ONLY = ("pool_type", "erasure_profile")
# What `osd pool set size` accepts (pool create does not check, so the module does)
MAX_SIZE = 10
# What `osd pool set-quota` accepts (an int64)
MAX_QUOTA = 2 ** 63 - 1
# The mon options pool creation and resizing depend on, with Ceph's defaults
MON_OPTIONS = (("mon_max_pg_per_osd", 250), ("osd_pool_default_size", 3), ("osd_pool_default_min_size", 0),
               ("osd_pool_default_pg_num", 32), ("osd_pool_default_pg_autoscale_mode", "on"),
               ("osd_pool_default_crush_rule", -1), ("mon_allow_pool_size_one", False))


def _true(value):
    return str(value).strip().lower() in ("true", "1", "yes")


def _ratio(value):
    """A stored ratio as a finite float, or None (Ceph prints nan and inf as null)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def odd_values(pool):
    """What of a pool's stored fields cannot be read as a value (``osd pool ls detail`` entry)."""
    odd = []
    options = pool.get("options")
    if options is not None and not isinstance(options, dict):
        odd.append("options %r" % (options,))
        options = {}
    options = options or {}
    if "target_size_ratio" in options and _ratio(options["target_size_ratio"]) is None:
        odd.append("target_size_ratio %r (nan, inf or not a number)" % (options["target_size_ratio"],))
    for field in ("size", "min_size", "pg_num"):
        if not isinstance(pool.get(field), int) or isinstance(pool.get(field), bool):
            odd.append("%s %r" % (field, pool.get(field)))
    return odd


def normalise(pool, rules):
    """One entry of `ceph osd pool ls detail -f json` -> the managed fields."""
    options = pool.get("options") if isinstance(pool.get("options"), dict) else {}
    apps = sorted(pool.get("application_metadata") or {}) if isinstance(pool.get("application_metadata"), dict) else []
    ratio = options.get("target_size_ratio", 0.0)
    return {
        "pool_type": "erasure" if pool.get("type") == 3 else "replicated",
        "erasure_profile": pool.get("erasure_code_profile") or None,
        "crush_rule": rules.get(pool.get("crush_rule"), str(pool.get("crush_rule"))),
        "size": pool.get("size"),
        "min_size": pool.get("min_size"),
        "pg_num": pool.get("pg_num_target", pool.get("pg_num")),
        "pg_autoscale_mode": pool.get("pg_autoscale_mode"),
        "target_size_ratio": _ratio(ratio),
        "application": apps[0] if len(apps) == 1 else (",".join(apps) or None),
        "applications": apps,
        "max_bytes": pool.get("quota_max_bytes", 0),
        "max_objects": pool.get("quota_max_objects", 0),
        "compression_mode": options.get("compression_mode", "none"),
        "compression_algorithm": options.get("compression_algorithm"),
        "allow_ec_overwrites": "ec_overwrites" in str(pool.get("flags_names") or "").split(","),
        "id": pool.get("pool_id", pool.get("pool")),
    }


def delete_allowed(world, now):
    """Whether the mons allow deleting pools after the earlier steps (``now``: as read)."""
    planned = world.config_value("mon_allow_pool_delete")
    if planned is None:
        return now
    return _true(planned)


def read_pools(runner, names=None):
    """{name: managed fields} of every pool, and {rule id: rule name}. A stored value that cannot be
    read (e.g. a target_size_ratio of nan) reads as None, with a warning for the pools in ``names``
    (every pool when None): a fix can still be written."""
    rules = dict((r["rule_id"], r["rule_name"]) for r in runner.mon("osd crush rule dump"))
    current = {}
    for pool in runner.mon("osd pool ls", detail="detail"):
        current[pool["pool_name"]] = normalise(pool, rules)
        odd = odd_values(pool)
        if odd and (names is None or pool["pool_name"] in names):
            warn("pool %r holds values that cannot be read: %s; they read as None (declare the field to "
                 "overwrite it)" % (pool["pool_name"], ", ".join(odd)))
    return current, rules


def read_mon_options(runner):
    """The values the leading mon runs with (its config file included) for :data:`MON_OPTIONS`."""
    leader = runner.mon("quorum_status").get("quorum_leader_name")
    # every option set for the mon, from any source; one it leaves out runs at its default
    shown = runner.mon("config show", who="mon.%s" % leader) if leader else []
    running = dict((entry.get("name"), entry.get("value")) for entry in shown or [] if isinstance(entry, dict))
    values = {}
    for option, default in MON_OPTIONS:
        value = running.get(option)
        value = str(value).strip() if value is not None else ""
        if value == "":
            values[option] = default
        elif isinstance(default, bool):
            values[option] = _true(value)
        elif isinstance(default, int):
            try:
                values[option] = int(value)
            except ValueError:
                values[option] = default
        else:
            values[option] = value
    return values


def finite_numbers(items):
    """Raise CephInputError for a float option that is nan or infinite (no cluster needed)."""
    for item in items:
        ratio = item.get("target_size_ratio")
        if ratio is not None and not math.isfinite(ratio):
            raise CephInputError("pool %r: target_size_ratio must be a finite number, got %s: Ceph would store it and "
                                 "its autoscaler cannot use it" % (item.get("name"), ratio))


class Pools(Resource):
    kind = "pool"
    fields = FIELDS

    def __init__(self):
        self.rules = {}
        self.profiles = {}
        self.holds_data = None
        self.osds = 0
        self.hosts = 0
        self.delete_allowed = None
        self.current = {}
        self.crush = None
        self.osd_dump = None
        self.mon_options = None

    def check_input(self, items):
        finite_numbers(items)

    def read(self, runner, items):
        current, rules = read_pools(runner, set(i["name"] for i in items))
        self.current = current
        self.rules = set(rules.values())
        if any(self._places(item, current.get(item["name"])) for item in items):
            # a pool is created or resized: what CRUSH can place and what the mons will accept
            self.crush = CrushMap(runner.mon("osd crush dump"))
            self.osd_dump = runner.mon("osd dump")
            self.mon_options = read_mon_options(runner)
        wanted_profiles = set(i.get("erasure_profile") for i in items if i.get("erasure_profile"))
        existing = runner.mon("osd erasure-code-profile ls") if wanted_profiles else []
        for name in sorted(wanted_profiles & set(existing)):
            self.profiles[name] = runner.mon("osd erasure-code-profile get", name=name)
        if self.crush is not None:  # an erasure-coded pool created needs this many OSDs or hosts
            self.osds = len(self.crush.devices)
            self.hosts = sum(1 for name, b in self.crush.buckets.items() if b.get("type_name") == "host" and "~" not in name)
        if any(i.get("state") == "absent" and i["name"] in current for i in items):
            # the mgr's usage statistics lag behind writes: ask the pool itself
            self.holds_data = lambda pool: bool(runner.list_objects(pool, limit=1))
            value = runner.mon("config get", who="mon", key="mon_allow_pool_delete")
            self.delete_allowed = str(value).strip().lower() in ("true", "1", "yes")
        return current

    @staticmethod
    def _places(item, have):
        """Whether the item creates a pool or changes what its PGs need (size, pg_num, CRUSH rule)."""
        if item.get("state") == "absent":
            return False
        if have is None:
            return True
        return any(item.get(f) is not None and item[f] != have.get(f) for f in ("size", "pg_num", "crush_rule"))

    def desired(self, item, have):
        want = dict((f, item.get(f)) for f in self.fields if item.get(f) is not None)
        if "max_bytes" in want:
            want["max_bytes"] = to_bytes(want["max_bytes"], binary_si=True)
        if item.get("erasure_profile") and "pool_type" not in want:
            want["pool_type"] = "erasure"
        if have is not None and want.get("application") in have["applications"]:
            want["application"] = have["application"]  # enabled already, beside others
        return want

    def validate(self, runner, items, current):
        finite_numbers(items)
        for item in items:
            name = item["name"]
            what = "pool %r" % name
            if not NAME_RE.match(name):
                raise CephInputError("%s: invalid name: use letters, digits, '.', '_' and '-' (up to 128), "
                                     "not starting with '-'" % what)
            have = current.get(name)
            if item.get("state") == "absent":
                self._validate_delete(item, have)
                continue
            for field in ("size", "min_size", "pg_num"):
                if item.get(field) is not None and item[field] < 1:
                    raise CephInputError("%s: %s must be at least 1, got %d" % (what, field, item[field]))
            if item.get("size") is not None and item["size"] > MAX_SIZE:
                raise CephInputError("%s: size %d is above %d, the most `osd pool set size` accepts"
                                     % (what, item["size"], MAX_SIZE))
            if item.get("size") == 1 and (have or {}).get("size") != 1 and not item.get("allow_size_one"):
                raise CephInputError("%s: size 1 keeps a single copy of every object: the loss of one OSD loses data "
                                     "for good (Ceph itself asks --yes-i-really-mean-it): set allow_size_one: true "
                                     "to mean it" % what)
            if item.get("max_objects") is not None and item["max_objects"] < 0:
                raise CephInputError("%s: max_objects cannot be negative (%d); 0 removes the quota"
                                     % (what, item["max_objects"]))
            if item.get("max_objects") is not None and item["max_objects"] > MAX_QUOTA:
                raise CephInputError("%s: max_objects %d is above %d, the most Ceph accepts; 0 removes the quota"
                                     % (what, item["max_objects"], MAX_QUOTA))
            if item.get("max_bytes") is not None:
                try:
                    quota = to_bytes(item["max_bytes"], binary_si=True)
                except UnitError as exc:
                    raise CephInputError("%s: max_bytes: %s; 0 removes the quota" % (what, exc))
                if quota > MAX_QUOTA:
                    raise CephInputError("%s: max_bytes %d is above %d, the most Ceph accepts; 0 removes the quota"
                                         % (what, quota, MAX_QUOTA))
            autoscale = item.get("pg_autoscale_mode") or (have or {}).get("pg_autoscale_mode")
            if item.get("pg_num") is not None and autoscale == "on":
                raise CephInputError("%s: pg_num is the autoscaler's while pg_autoscale_mode is on: set "
                                     "pg_autoscale_mode off (or warn), or leave pg_num out and use "
                                     "target_size_ratio" % what)
            ratio = item.get("target_size_ratio")
            if ratio is not None and ratio < 0:
                raise CephInputError("%s: target_size_ratio cannot be negative (%s)" % (what, ratio))
            rule = item.get("crush_rule")
            if rule and not self.world.exists("crush_rules", rule, rule in self.rules):
                raise CephInputError("%s: crush rule %r does not exist (rules: %s)"
                                     % (what, rule, ", ".join(sorted(self.rules))))
            erasure = item.get("pool_type") == "erasure" or bool(item.get("erasure_profile")) or \
                (have is not None and have["pool_type"] == "erasure")
            size = item.get("size") if item.get("size") is not None else (have or {}).get("size")
            if erasure:
                self._validate_ec(item, have, what)
                profile = self._profile(item.get("erasure_profile") or (have or {}).get("erasure_profile"))
                if profile and item.get("min_size") is not None:
                    k, m = int(profile["k"]), int(profile["m"])
                    if not k <= item["min_size"] <= k + m:
                        raise CephInputError("%s: min_size %d must be between k=%d and k+m=%d"
                                             % (what, item["min_size"], k, k + m))
            else:
                if item.get("allow_ec_overwrites"):
                    raise CephInputError("%s: allow_ec_overwrites applies to erasure-coded pools only" % what)
                if item.get("min_size") is not None and size is not None and item["min_size"] > size:
                    raise CephInputError("%s: min_size %d is larger than size %d" % (what, item["min_size"], size))
            if have is not None:
                for field in CREATE_ONLY:
                    if item.get(field) is not None and have.get(field) != item[field] and \
                            not (field == "pool_type" and item[field] == have["pool_type"]):
                        raise CephInputError(
                            "%s: %s is %r and cannot change to %r (a pool's type and erasure profile are fixed "
                            "at creation)" % (what, field, have.get(field), item[field]))
                if have["allow_ec_overwrites"] and item.get("allow_ec_overwrites") is False:
                    raise CephInputError("%s: allow_ec_overwrites cannot be turned off once on" % what)
        if self.crush is not None:
            self._validate_placement(items, current)

    def _option(self, option):
        """A mon option as the earlier steps leave it (ceph_resource_set's config), else as the mon runs."""
        planned = self.world.config_value(option, whos=("mon", "global"))
        default = dict(MON_OPTIONS)[option]
        if planned is None:
            return self.mon_options[option]
        if isinstance(default, bool):
            return _true(planned)
        if isinstance(default, int):
            try:
                return int(str(planned).strip())
            except ValueError:
                return self.mon_options[option]
        return str(planned)

    def _rule_placement(self, rule):
        """(root, failure domain, device class, take bucket) of a CRUSH rule by name, or None if unknown
        or hand-written (more than one take or choose step)."""
        planned = self.world.planned("crush_rules")
        if planned.get(rule):
            fields = planned[rule]
            if fields.get("root") is None:
                return None
            cls = fields.get("device_class")
            return fields["root"], fields.get("failure_domain"), cls, "%s~%s" % (fields["root"], cls) if cls else fields["root"]
        found = next((r for r in self.crush.rules if r.get("rule_name") == rule), None)
        if found is None:
            return None
        parsed = parse_rule(found)
        if parsed.get("custom"):
            return None
        take = next(s.get("item_name") for s in found.get("steps") or [] if s.get("op") == "take")
        return parsed["root"], parsed["failure_domain"], parsed["device_class"], take

    def _default_rule(self):
        """The rule Ceph gives a new replicated pool (osd_pool_default_crush_rule, else the first replicated)."""
        wanted = self._option("osd_pool_default_crush_rule")
        rules = sorted(self.crush.rules, key=lambda r: r.get("rule_id"))
        found = [r for r in rules if r.get("rule_id") == wanted] if wanted >= 0 else \
            [r for r in rules if r.get("type") == 1][:1]
        return found[0]["rule_name"] if found else None

    def _validate_placement(self, items, current):
        """Size against the failure domains CRUSH can place on, and the mons' PG budget, item after item as the
        writes would leave the cluster (Ceph's OSDMonitor::check_pg_num counts the pools of the same rule)."""
        names = dict((r.get("rule_id"), r.get("rule_name")) for r in self.crush.rules)
        usable = set(o["osd"] for o in self.osd_dump.get("osds") or [] if o.get("up") and o.get("in"))
        budget = dict((p["pool_name"], [names.get(p.get("crush_rule")), p.get("pg_num_target", p.get("pg_num")) or 0,
                                        p.get("size") or 0]) for p in self.osd_dump.get("pools") or [])
        for item in items:
            name = item["name"]
            have = current.get(name)
            if not self._places(item, have):
                continue
            what = "pool %r" % name
            placement, size, pg_num, rule = self._new_pool(item) if have is None else self._resized(item, have)
            if size is None:
                continue
            if size == 1 and item.get("allow_size_one") and (have or {}).get("size") != 1 and \
                    not self._option("mon_allow_pool_size_one"):
                raise CephInputError("%s: size 1 needs the mons' consent as well: mon_allow_pool_size_one is false; set "
                                     "it with koor.ceph.ceph_config (who: global) first" % what)
            if item.get("min_size") is not None and have is None and item.get("size") is None and \
                    not (item.get("erasure_profile") or item.get("pool_type") == "erasure") and \
                    item["min_size"] > size:
                raise CephInputError("%s: min_size %d is larger than size %d, the size a new pool gets "
                                     "(osd_pool_default_size): give size as well, or a smaller min_size"
                                     % (what, item["min_size"], size))
            if placement is not None and (have is None or size > (have.get("size") or 0) or
                                          item.get("crush_rule") not in (None, have.get("crush_rule"))):
                root, domain, cls = placement[0], placement[1], placement[2]
                room = self.crush.count_domains(root, domain, cls, usable=usable)
                if size > room and not item.get("allow_undersized"):
                    raise CephInputError(
                        "%s: size %d needs %d distinct %ss (the failure domain of CRUSH rule %r) under root %r%s, the "
                        "cluster has %d with OSDs up and in: its PGs would stay undersized for good; lower size, use "
                        "a rule with a smaller failure domain, or set allow_undersized: true to mean it"
                        % (what, size, size, domain, rule, root, " with device class %s" % cls if cls else "", room))
            if placement is None:
                continue
            old = budget.get(name)
            grows = old is None or size > old[2] or pg_num > old[1] or rule != old[0]
            budget[name] = [rule, pg_num, size]
            if not grows:
                continue
            projected = sum(pg * sz for r, pg, sz in budget.values() if r == rule)
            osds = max(len(self.crush.leaves(placement[3])), 3)
            limit = self._option("mon_max_pg_per_osd")
            if projected // osds > limit:
                raise CephInputError(
                    "%s: pg_num %d size %d would bring the pools on CRUSH rule %r to %d PG replicas on %d OSDs, %d per "
                    "OSD, above mon_max_pg_per_osd %d (the mons refuse it with ERANGE): nothing was written; lower "
                    "pg_num or size, declare fewer pools, or raise mon_max_pg_per_osd (koor.ceph.ceph_config)"
                    % (what, pg_num, size, rule, projected, osds, projected // osds, limit))

    def _new_pool(self, item):
        """(placement, size, pg_num, rule) of a pool the item creates; placement: root, failure domain, device
        class, take bucket, erasure."""
        autoscale = item.get("pg_autoscale_mode") or self._option("osd_pool_default_pg_autoscale_mode")
        if item.get("pg_num") is not None:
            pg_num = item["pg_num"]
        elif item.get("pg_autoscale_mode") == "off":
            pg_num = 8  # what plan_create asks for
        else:
            pg_num = 1 if autoscale == "on" else self._option("osd_pool_default_pg_num")
        if item.get("erasure_profile") or item.get("pool_type") == "erasure":
            profile = self._profile(item.get("erasure_profile") or "default")
            if profile is None:
                return None, None, pg_num, None
            size = int(profile["k"]) + int(profile["m"])
            rule = item.get("crush_rule") or item["name"]
            placement = self._rule_placement(item["crush_rule"]) if item.get("crush_rule") else None
            if placement is None:
                root = profile.get("crush-root") or "default"
                cls = profile.get("crush-device-class") or None
                placement = (root, profile.get("crush-failure-domain") or "host", cls,
                             "%s~%s" % (root, cls) if cls else root)
            return placement + (True,), size, pg_num, rule
        size = item.get("size") or self._option("osd_pool_default_size")
        rule = item.get("crush_rule") or self._default_rule()
        placement = self._rule_placement(rule) if rule else None
        return (placement + (False,) if placement else None), size, pg_num, rule

    def _resized(self, item, have):
        """(placement, size, pg_num, rule) of an existing pool after the item's changes."""
        rule = item.get("crush_rule") or have.get("crush_rule")
        placement = self._rule_placement(rule)
        size = item.get("size") or have.get("size")
        pg_num = item.get("pg_num") or have.get("pg_num") or 0
        return (placement + (have["pool_type"] == "erasure",) if placement else None), size, pg_num, rule

    def _validate_ec(self, item, have, what):
        if item.get("size") is not None:
            raise CephInputError("%s: an erasure-coded pool's size is k+m of its profile; leave size out" % what)
        if have is not None:
            return
        name = item.get("erasure_profile") or "default"
        profile = self._profile(name)
        if profile is None and name != "default":
            raise CephInputError("%s: erasure profile %r does not exist: create it first with "
                                 "koor.ceph.ceph_ec_profile" % (what, name))
        if profile is None:
            return
        k, m = int(profile["k"]), int(profile["m"])
        domain = profile.get("crush-failure-domain", "host")
        room = self.hosts if domain == "host" else self.osds
        if k + m > room and not item.get("allow_undersized"):
            raise CephInputError("%s: erasure profile %r needs k+m=%d %ss, the cluster has %d: its PGs would stay "
                                 "undersized for good; use a profile that fits, or set allow_undersized: true to "
                                 "mean it" % (what, name, k + m, domain, room))

    def effects(self, steps):
        """Ceph deletes an erasure rule with the last pool using it (e.g. the rule it made for the pool)."""
        deleted = set(name for _item, name, _state, have, after, _writes in steps if have is not None and after is None)
        rules = {}
        for name in sorted(deleted):
            have = self.current[name]
            if have["pool_type"] != "erasure":
                continue
            rule = have["crush_rule"]
            users = [pool for pool, fields in self.current.items() if fields["crush_rule"] == rule]
            if not set(pool_users(self.world, "crush_rule", rule, users)) - deleted:
                rules[rule] = None
        return {"crush_rules": rules} if rules else {}

    def _profile(self, name):
        """An erasure-code profile (`osd erasure-code-profile get` form) as the earlier steps leave it."""
        planned = self.world.planned("ec_profiles")
        return planned[name] if name in planned else self.profiles.get(name)

    def _validate_delete(self, item, have):
        if have is None:
            return
        name = item["name"]
        if not item.get("allow_delete"):
            raise CephInputError("pool %r: deleting a pool needs allow_delete: true" % name)
        if not item.get("allow_delete_with_data") and self.holds_data(name):
            raise CephInputError("pool %r holds objects: deleting it needs allow_delete_with_data: true as well"
                                 % name)
        if not delete_allowed(self.world, self.delete_allowed):
            raise CephInputError("pool %r: the mons do not allow pool deletion (mon_allow_pool_delete is false): "
                                 "set it with koor.ceph.ceph_config (who: mon) first" % name)

    def plan_create(self, item, want):
        name = item["name"]
        args = {"pool": name, "pg_num": want.get("pg_num", 8 if want.get("pg_autoscale_mode") == "off" else None)}
        if want.get("pool_type") == "erasure":
            args.update(pool_type="erasure", erasure_code_profile=want.get("erasure_profile") or "default")
        else:
            args["pool_type"] = "replicated"
        if want.get("crush_rule"):
            args["rule"] = want["crush_rule"]
        if want.get("size") is not None:
            args["size"] = want["size"]
            if want["size"] == 1:
                args["yes_i_really_mean_it"] = True  # validate() let it through only with allow_size_one
        if want.get("pg_autoscale_mode"):
            args["autoscale_mode"] = want["pg_autoscale_mode"]
        writes = [Write("osd pool create", **args)]
        rest = dict((f, v) for f, v in want.items()
                    if f not in ("pool_type", "erasure_profile", "crush_rule", "size", "pg_num", "pg_autoscale_mode"))
        return writes + self._sets(name, rest, {})

    def after_create(self, item, want):
        after = dict(want)
        after.setdefault("pool_type", "replicated")
        return after

    def plan_update(self, item, have, changes):
        return self._sets(item["name"], changes, have)

    def _sets(self, name, changes, have):
        writes = []
        order = ("crush_rule", "size", "min_size", "pg_num", "pg_autoscale_mode", "target_size_ratio",
                 "compression_mode", "compression_algorithm", "allow_ec_overwrites")
        for field in order:
            if field in changes:
                value = changes[field]
                if isinstance(value, bool):
                    value = "true" if value else "false"
                # pgp_num follows pg_num by itself since Nautilus
                sure = field == "size" and value == 1  # validate() let it through only with allow_size_one
                writes.append(Write("osd pool set", pool=name, var=field, val=str(value),
                                    yes_i_really_mean_it=True if sure else None))
        for field in ("max_bytes", "max_objects"):
            if field in changes:
                writes.append(Write("osd pool set-quota", pool=name, field=field, val=str(changes[field])))
        if "application" in changes:
            writes.append(Write("osd pool application enable", pool=name, app=changes["application"],
                                yes_i_really_mean_it=bool(have.get("applications"))))
        return writes

    def plan_delete(self, item, have):
        name = item["name"]
        return [Write("osd pool rm", pool=name, pool2=name, yes_i_really_really_mean_it=True)]

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update((k, v) for k, v in after.items() if k not in ("applications", "id"))
        return result


def read_info(runner, names=None):
    """Every pool (or the named ones) with managed fields and usage, for ceph_pool_info."""
    current = read_pools(runner, set(names) if names else None)[0]
    missing = [n for n in names or [] if n not in current]
    if missing:
        raise CephInputError("no such pool: %s" % ", ".join(missing))
    usage = dict((p["name"], p.get("stats", {})) for p in runner.mon("df").get("pools", []))
    result = []
    for name in names or sorted(current, key=lambda n: current[n]["id"]):
        pool = dict(current[name], name=name)
        stats = usage.get(name, {})
        pool.update(stored_bytes=stats.get("stored", 0), used_bytes=stats.get("bytes_used", 0),
                    objects=stats.get("objects", 0), max_avail_bytes=stats.get("max_avail", 0),
                    used_ratio=stats.get("percent_used", 0.0))
        result.append(pool)
    return result
