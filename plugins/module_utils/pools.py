# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ceph pools as a declared set (see resources.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import pool_users
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
)

FIELDS = ("pool_type", "erasure_profile", "crush_rule", "size", "min_size", "pg_num", "pg_autoscale_mode",
          "target_size_ratio", "application", "max_bytes", "max_objects", "compression_mode",
          "compression_algorithm", "allow_ec_overwrites")
# Fields only a new pool can take.
CREATE_ONLY = ("pool_type", "erasure_profile")


def normalise(pool, rules):
    """One entry of `ceph osd pool ls detail -f json` -> the managed fields."""
    options = pool.get("options") or {}
    apps = sorted((pool.get("application_metadata") or {}).keys())
    return {
        "pool_type": "erasure" if pool.get("type") == 3 else "replicated",
        "erasure_profile": pool.get("erasure_code_profile") or None,
        "crush_rule": rules.get(pool.get("crush_rule"), str(pool.get("crush_rule"))),
        "size": pool.get("size"),
        "min_size": pool.get("min_size"),
        "pg_num": pool.get("pg_num_target", pool.get("pg_num")),
        "pg_autoscale_mode": pool.get("pg_autoscale_mode"),
        "target_size_ratio": float(options.get("target_size_ratio", 0.0)),
        "application": apps[0] if len(apps) == 1 else (",".join(apps) or None),
        "applications": apps,
        "max_bytes": pool.get("quota_max_bytes", 0),
        "max_objects": pool.get("quota_max_objects", 0),
        "compression_mode": options.get("compression_mode", "none"),
        "compression_algorithm": options.get("compression_algorithm"),
        "allow_ec_overwrites": "ec_overwrites" in (pool.get("flags_names") or "").split(","),
        "id": pool.get("pool_id"),
    }


def delete_allowed(world, now):
    """Whether the mons allow deleting pools after the earlier steps (``now``: as read)."""
    planned = world.config_value("mon_allow_pool_delete")
    if planned is None:
        return now
    return str(planned).strip().lower() in ("true", "1", "yes")


def read_pools(runner):
    rules = dict((r["rule_id"], r["rule_name"]) for r in runner.mon("osd crush rule dump"))
    return dict((p["pool_name"], normalise(p, rules)) for p in runner.mon("osd pool ls", detail="detail")), rules


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

    def read(self, runner, items):
        current, rules = read_pools(runner)
        self.current = current
        self.rules = set(rules.values())
        wanted_profiles = set(i.get("erasure_profile") for i in items if i.get("erasure_profile"))
        for name in wanted_profiles:
            if name in runner.mon("osd erasure-code-profile ls"):
                self.profiles[name] = runner.mon("osd erasure-code-profile get", name=name)
        if any(i.get("erasure_profile") or i.get("pool_type") == "erasure" for i in items):
            tree = runner.mon("osd tree")
            self.osds = sum(1 for n in tree["nodes"] if n["type"] == "osd")
            self.hosts = sum(1 for n in tree["nodes"] if n["type"] == "host")
        if any(i.get("state") == "absent" and i["name"] in current for i in items):
            # the mgr's usage statistics lag behind writes: ask the pool itself
            self.holds_data = lambda pool: bool(runner.list_objects(pool, limit=1))
            value = runner.mon("config get", who="mon", key="mon_allow_pool_delete")
            self.delete_allowed = str(value).strip().lower() in ("true", "1", "yes")
        return current

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
            if item.get("max_objects") is not None and item["max_objects"] < 0:
                raise CephInputError("%s: max_objects cannot be negative (%d); 0 removes the quota"
                                     % (what, item["max_objects"]))
            if item.get("max_bytes") is not None:
                try:
                    to_bytes(item["max_bytes"], binary_si=True)
                except UnitError as exc:
                    raise CephInputError("%s: max_bytes: %s; 0 removes the quota" % (what, exc))
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
        if k + m > room:
            raise CephInputError("%s: erasure profile %r needs k+m=%d %ss, the cluster has %d"
                                 % (what, name, k + m, domain, room))

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
                writes.append(Write("osd pool set", pool=name, var=field, val=str(value)))
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
    current = read_pools(runner)[0]
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
