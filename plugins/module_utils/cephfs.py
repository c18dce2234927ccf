# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CephFS filesystems, subvolume groups and subvolumes as declared sets (see resources.py).

Reads for a set: ``fs ls`` + ``fs dump`` for filesystems; for groups and subvolumes ``fs ls``,
``fs subvolumegroup ls`` per filesystem, ``fs subvolume ls`` per group and ``fs subvolume info``
(or ``fs subvolumegroup info``) per declared item that exists. The mgr answers each in about a
millisecond over the agent's librados connection, so a set of N items costs N + a few commands
in one process.

The mgr's volumes module changes mode, uid, gid and pool layout of an existing group or
subvolume by re-issuing ``create`` (its idempotent path sets the attributes); sizes change with
``resize``. A re-issued ``create`` resets what it is not given (a group's uid/gid to 0, the mode
to 755, a subvolume's earmark), so every update passes the current value of each such field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.pools import delete_allowed
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bytes

# The volumes module's goodchars for names.
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
NO_GROUP = "_nogroup"
UNLIMITED = ("inf", "infinite", "unlimited", "none")

FS_ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    metadata_pool=dict(type="str"),
    data_pool=dict(type="str"),
    max_mds=dict(type="int"),
    allow_delete=dict(type="bool", default=False),
    delete_pools=dict(type="bool", default=False),
)
FS_FIELDS = ("metadata_pool", "data_pool", "max_mds")

GROUP_ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    fs=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    mode=dict(type="raw"),
    uid=dict(type="int"),
    gid=dict(type="int"),
    pool_layout=dict(type="str"),
    size=dict(type="raw"),
)
GROUP_FIELDS = ("mode", "uid", "gid", "pool_layout", "size")

SUBVOLUME_ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    fs=dict(type="str", required=True),
    group=dict(type="str", default=NO_GROUP),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    size=dict(type="raw"),
    mode=dict(type="raw"),
    uid=dict(type="int"),
    gid=dict(type="int"),
    namespace_isolated=dict(type="bool"),
    pool_layout=dict(type="str"),
    allow_delete=dict(type="bool", default=False),
    allow_delete_with_data=dict(type="bool", default=False),
)
SUBVOLUME_FIELDS = ("size", "mode", "uid", "gid", "namespace_isolated", "pool_layout")


# --- normalisers (pure) ----------------------------------------------------------------
def normalise_mode(value):
    """A declared mode, a YAML octal int or an octal string -> '0755'.

    An int is the mode's value (YAML ``0755`` arrives as 493), a string is octal
    (``'755'``, ``'0755'``, ``'0o755'``), as Ansible's file module reads them.
    """
    if isinstance(value, bool):
        raise UnitError("mode %r is not a mode" % (value,))
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        if text.startswith("0o"):
            text = text[2:]
        if not re.match(r"^[0-7]{1,5}$", text):
            raise UnitError("mode %r is not an octal mode such as '0755'" % (value,))
        number = int(text, 8)
    if not 0 <= number <= 0o7777:
        raise UnitError("mode %r is out of range (0000 to 7777)" % (value,))
    return "%04o" % number


def mode_from_ceph(st_mode):
    """The ``mode`` of an info answer (st_mode, with the file type bits) -> '0755'."""
    return "%04o" % (int(st_mode) & 0o7777)


def normalise_size(value):
    """A quota: bytes (int), a size ('10G', '10Gi': binary as in Ceph), or 0/'infinite' for none -> int."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in UNLIMITED:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise UnitError("size %d is negative; 0 or 'infinite' removes the quota" % value)
    return to_bytes(value, binary_si=True)


def quota_from_ceph(value):
    """``bytes_quota`` of an info answer: an int or 'infinite' -> int (0: no quota)."""
    if isinstance(value, int):
        return value
    return 0


def size_arg(size):
    """The ``new_size`` argument of a resize."""
    return "infinite" if not size else str(size)


def normalise_fs(entry, dump_entry):
    """One entry of ``fs ls`` (+ its ``fs dump`` mdsmap) -> the managed fields."""
    mdsmap = (dump_entry or {}).get("mdsmap") or {}
    data_pools = list(entry.get("data_pools") or [])
    return {
        "metadata_pool": entry.get("metadata_pool"),
        "data_pool": data_pools[0] if data_pools else None,
        "data_pools": data_pools,
        "max_mds": mdsmap.get("max_mds"),
        "id": (dump_entry or {}).get("id"),
    }


def normalise_group(info):
    """``fs subvolumegroup info`` -> the managed fields."""
    return {
        "mode": mode_from_ceph(info["mode"]),
        "uid": info.get("uid"),
        "gid": info.get("gid"),
        "pool_layout": info.get("data_pool"),
        "size": quota_from_ceph(info.get("bytes_quota")),
        "bytes_used": info.get("bytes_used"),
    }


def normalise_subvolume(info):
    """``fs subvolume info`` -> the managed fields (+ path, usage, state, earmark)."""
    return {
        "size": quota_from_ceph(info.get("bytes_quota")),
        "mode": mode_from_ceph(info["mode"]),
        "uid": info.get("uid"),
        "gid": info.get("gid"),
        "namespace_isolated": bool(info.get("pool_namespace")),
        "pool_layout": info.get("data_pool"),
        "pool_namespace": info.get("pool_namespace") or "",
        "path": info.get("path"),
        "bytes_used": info.get("bytes_used"),
        "status": info.get("state"),
        "earmark": info.get("earmark") or "",
    }


def _group_arg(group):
    """The group_name argument: left out for subvolumes outside any group."""
    return None if group in (None, "", NO_GROUP) else group


# --- reads -----------------------------------------------------------------------------
def read_filesystems(runner):
    """{fs name: fields} from ``fs ls`` and ``fs dump`` (two commands)."""
    dump = runner.mon("fs dump")
    by_name = dict((f["mdsmap"]["fs_name"], f) for f in dump.get("filesystems", []))
    return dict((e["name"], normalise_fs(e, by_name.get(e["name"]))) for e in runner.mon("fs ls"))


def read_groups(runner, fs):
    return [g["name"] for g in runner.mon("fs subvolumegroup ls", vol_name=fs)]


def read_subvolume_names(runner, fs, group):
    return [s["name"] for s in runner.mon("fs subvolume ls", vol_name=fs, group_name=_group_arg(group))]


def read_subvolume(runner, fs, group, name):
    return normalise_subvolume(runner.mon("fs subvolume info", vol_name=fs, sub_name=name,
                                          group_name=_group_arg(group)))


def _check_name(what, name):
    if not NAME_RE.match(name or ""):
        raise CephInputError("%s: invalid name: use letters, digits, '.', '_' and '-'" % what)


def _check_mode_ids(item, what):
    if item.get("mode") is not None:
        try:
            normalise_mode(item["mode"])
        except UnitError as exc:
            raise CephInputError("%s: %s" % (what, exc))
    for field in ("uid", "gid"):
        if item.get(field) is not None and item[field] < 0:
            raise CephInputError("%s: %s cannot be negative (%d)" % (what, field, item[field]))
    if item.get("size") is not None:
        try:
            normalise_size(item["size"])
        except UnitError as exc:
            raise CephInputError("%s: size: %s" % (what, exc))


# --- filesystems -----------------------------------------------------------------------
class Filesystems(Resource):
    kind = "filesystem"
    fields = FS_FIELDS

    def __init__(self):
        self.pools = None
        self.objects = {}
        self.delete_allowed = None

    def read(self, runner, items):
        current = read_filesystems(runner)
        if any(i.get("state") != "absent" and i["name"] not in current for i in items):
            self.pools = set(runner.mon("osd pool ls"))
            if any(i.get("metadata_pool") for i in items):
                self.objects = dict((p["name"], p["stats"].get("objects", 0)) for p in runner.mon("df")["pools"])
        if any(i.get("state") == "absent" and i.get("delete_pools") and i["name"] in current for i in items):
            value = runner.mon("config get", who="mon", key="mon_allow_pool_delete")
            self.delete_allowed = str(value).strip().lower() in ("true", "1", "yes")
        return current

    def desired(self, item, have):
        want = dict((f, item.get(f)) for f in self.fields if item.get(f) is not None)
        if have is None and not item.get("metadata_pool"):
            want["metadata_pool"] = "cephfs.%s.meta" % item["name"]
            want["data_pool"] = "cephfs.%s.data" % item["name"]
        return want

    def validate(self, runner, items, current):
        used = {}
        for name, have in current.items():
            for pool in [have["metadata_pool"]] + have["data_pools"]:
                used[pool] = name
        for item in items:
            name = item["name"]
            what = "filesystem %r" % name
            _check_name(what, name)
            have = current.get(name)
            if item.get("state") == "absent":
                if have is None:
                    continue
                if not item.get("allow_delete"):
                    raise CephInputError("%s: deleting a filesystem destroys its files: it needs allow_delete: true"
                                         % what)
                if item.get("delete_pools") and not delete_allowed(self.world, self.delete_allowed):
                    raise CephInputError("%s: delete_pools needs the mons' permission to delete pools "
                                         "(mon_allow_pool_delete is false): set it with koor.ceph.ceph_config "
                                         "(who: mon) first" % what)
                continue
            if item.get("max_mds") is not None and item["max_mds"] < 1:
                raise CephInputError("%s: max_mds must be at least 1, got %d" % (what, item["max_mds"]))
            meta, data = item.get("metadata_pool"), item.get("data_pool")
            if have is not None:
                for field, value in (("metadata_pool", meta), ("data_pool", data)):
                    if value is not None and value != have[field]:
                        raise CephInputError("%s: %s is %r and cannot change to %r (a filesystem's pools are "
                                             "fixed at creation)" % (what, field, have[field], value))
                continue
            if bool(meta) != bool(data):
                raise CephInputError("%s: give both metadata_pool and data_pool (existing pools), or neither "
                                     "(the mgr creates cephfs.%s.meta and cephfs.%s.data)" % (what, name, name))
            if not meta:
                taken = [p for p in ("cephfs.%s.meta" % name, "cephfs.%s.data" % name) if self._pool_exists(p)]
                if taken:
                    raise CephInputError("%s: pool(s) %s exist already: pass them as metadata_pool and data_pool"
                                         % (what, ", ".join(taken)))
                continue
            if meta == data:
                raise CephInputError("%s: metadata_pool and data_pool must be different pools" % what)
            for pool in (meta, data):
                if not self._pool_exists(pool):
                    raise CephInputError("%s: pool %r does not exist: create it first with koor.ceph.ceph_pool"
                                         % (what, pool))
                if pool in used:
                    raise CephInputError("%s: pool %r is used by filesystem %r already" % (what, pool, used[pool]))
            if self.objects.get(meta):
                raise CephInputError("%s: metadata pool %r holds %d objects: a new filesystem needs an empty one"
                                     % (what, meta, self.objects[meta]))

    def _pool_exists(self, pool):
        return self.world.exists("pools", pool, pool in self.pools)

    def effects(self, steps):
        """``fs volume create`` makes the filesystem's pools, ``fs volume rm`` deletes them."""
        pools = {}
        for item, _name, _state, have, after, _writes in steps:
            if after is not None and have is None and not item.get("metadata_pool"):
                pools.update((after[f], {"pool_type": "replicated", "application": "cephfs"})
                             for f in ("metadata_pool", "data_pool"))
            elif after is None and have is not None and item.get("delete_pools"):
                pools.update((pool, None) for pool in [have["metadata_pool"]] + have["data_pools"])
        return {"pools": pools} if pools else {}

    def plan_create(self, item, want):
        name = item["name"]
        if item.get("metadata_pool"):
            writes = [Write("fs new", fs_name=name, metadata=want["metadata_pool"], data=want["data_pool"])]
        else:
            writes = [Write("fs volume create", name=name)]
        if want.get("max_mds") not in (None, 1):
            writes.append(Write("fs set", fs_name=name, var="max_mds", val=str(want["max_mds"])))
        return writes

    def after_create(self, item, want):
        after = dict(want)
        after.setdefault("max_mds", 1)
        after["data_pools"] = [want["data_pool"]]
        return after

    def plan_update(self, item, have, changes):
        if "max_mds" in changes:
            return [Write("fs set", fs_name=item["name"], var="max_mds", val=str(changes["max_mds"]))]
        return []

    def plan_delete(self, item, have):
        name = item["name"]
        if item.get("delete_pools"):
            return [Write("fs volume rm", vol_name=name, **{"yes-i-really-mean-it": "--yes-i-really-mean-it"})]
        return [Write("fs fail", fs_name=name, yes_i_really_mean_it=True),
                Write("fs rm", fs_name=name, yes_i_really_mean_it=True)]

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update((k, v) for k, v in after.items() if k != "id")
        return result


# --- subvolume groups ------------------------------------------------------------------
class _InFilesystem(Resource):
    """Shared reads of the kinds that live in a filesystem."""

    def __init__(self):
        self.filesystems = {}
        self.groups = {}

    def _read_parents(self, runner, items):
        self.filesystems = read_filesystems(runner)
        for fs in sorted(set(i["fs"] for i in items if i.get("fs") in self.filesystems)):
            self.groups[fs] = read_groups(runner, fs)

    def _filesystem(self, fs):
        """The filesystem's fields after the earlier steps (the cluster's, or what they create), or None."""
        planned = self.world.planned("filesystems")
        return planned[fs] if fs in planned else self.filesystems.get(fs)

    def _group_in_cluster(self, fs, group):
        return group == NO_GROUP or group in self.groups.get(fs, ())

    def _group_exists(self, fs, group):
        """Whether the group exists after the earlier steps."""
        return group == NO_GROUP or self.world.exists("subvolume_groups", "%s/%s" % (fs, group),
                                                      self._group_in_cluster(fs, group))

    def _check_parent(self, item, what):
        if not item.get("fs"):
            raise CephInputError("%s: fs (the filesystem) is required" % what)
        if item.get("state") != "absent" and self._filesystem(item["fs"]) is None:
            raise CephInputError("%s: filesystem %r does not exist (filesystems: %s)"
                                 % (what, item["fs"], ", ".join(sorted(self.filesystems)) or "none"))

    def _check_pool_layout(self, item, what):
        pool = item.get("pool_layout")
        filesystem = self._filesystem(item["fs"])
        if pool and filesystem is not None and pool not in filesystem["data_pools"]:
            raise CephInputError("%s: pool_layout %r is not a data pool of filesystem %r (its data pools: %s)"
                                 % (what, pool, item["fs"], ", ".join(filesystem["data_pools"])))

    def desired(self, item, have):
        want = dict((f, item.get(f)) for f in self.fields if item.get(f) is not None)
        if "mode" in want:
            want["mode"] = normalise_mode(want["mode"])
        if "size" in want:
            want["size"] = normalise_size(want["size"])
        return want


class SubvolumeGroups(_InFilesystem):
    kind = "subvolume group"
    fields = GROUP_FIELDS

    def __init__(self):
        super(SubvolumeGroups, self).__init__()
        self.members = {}

    def item_id(self, item):
        return "%s/%s" % (item.get("fs"), item["name"])

    def identity(self, item):
        return {"fs": item.get("fs")}

    def read(self, runner, items):
        self._read_parents(runner, items)
        current = {}
        for item in items:
            fs, name = item.get("fs"), item["name"]
            if name in self.groups.get(fs, ()):
                info = runner.mon("fs subvolumegroup info", vol_name=fs, group_name=name)
                current[self.item_id(item)] = normalise_group(info)
                if item.get("state") == "absent":
                    self.members[self.item_id(item)] = read_subvolume_names(runner, fs, name)
        return current

    def validate(self, runner, items, current):
        for item in items:
            what = "subvolume group %r" % self.item_id(item)
            self._check_parent(item, what)
            _check_name(what, item["name"])
            if item["name"].startswith("_"):
                raise CephInputError("%s: names starting with '_' are the volumes module's own (e.g. %s)"
                                     % (what, NO_GROUP))
            if item.get("state") == "absent":
                members = self._members(item)
                if members:
                    raise CephInputError("%s holds subvolumes (%s): delete them first with "
                                         "koor.ceph.ceph_fs_subvolume" % (what, ", ".join(sorted(members))))
                continue
            _check_mode_ids(item, what)
            self._check_pool_layout(item, what)

    def _members(self, item):
        """The group's subvolumes after the earlier steps (the cluster's, less deleted, plus created)."""
        members = set(self.members.get(self.item_id(item)) or [])
        prefix = self.item_id(item) + "/"
        for ident, after in self.world.planned("subvolumes").items():
            if ident.startswith(prefix):
                (members.add if after is not None else members.discard)(ident[len(prefix):])
        return sorted(members)

    def plan_create(self, item, want):
        return [Write("fs subvolumegroup create", vol_name=item["fs"], group_name=item["name"],
                      size=want.get("size") or None, pool_layout=want.get("pool_layout"), uid=want.get("uid"),
                      gid=want.get("gid"), mode=want.get("mode"))]

    def after_create(self, item, want):
        after = {"mode": "0755", "uid": 0, "gid": 0, "size": 0,
                 "pool_layout": self._filesystem(item["fs"])["data_pool"]}
        after.update(want)
        return after

    def plan_update(self, item, have, changes):
        writes = []
        attrs = [f for f in ("mode", "uid", "gid", "pool_layout") if f in changes]
        if attrs:
            merged = dict(have)
            merged.update(changes)
            # A re-issued create sets every attribute: pass the current value of those not changing.
            writes.append(Write("fs subvolumegroup create", vol_name=item["fs"], group_name=item["name"],
                                pool_layout=merged["pool_layout"], uid=merged["uid"], gid=merged["gid"],
                                mode=merged["mode"]))
        if "size" in changes:
            writes.append(Write("fs subvolumegroup resize", vol_name=item["fs"], group_name=item["name"],
                                new_size=size_arg(changes["size"])))
        return writes

    def plan_delete(self, item, have):
        return [Write("fs subvolumegroup rm", vol_name=item["fs"], group_name=item["name"])]

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update(after)
        return result


# --- subvolumes ------------------------------------------------------------------------
class PathLookup(Write):
    """Not a write: after a create, read the new subvolume's path (a real run only)."""

    def __init__(self, fs, group, name):
        super(PathLookup, self).__init__()
        self.where = (fs, group, name)

    def run(self, runner):
        if runner.check_mode:
            return None
        fs, group, name = self.where
        return runner.mon("fs subvolume getpath", vol_name=fs, sub_name=name, group_name=_group_arg(group),
                          parse=False).strip()


class Subvolumes(_InFilesystem):
    kind = "subvolume"
    fields = SUBVOLUME_FIELDS

    def __init__(self):
        super(Subvolumes, self).__init__()
        self.snapshots = {}

    def item_id(self, item):
        return "%s/%s/%s" % (item.get("fs"), item.get("group") or NO_GROUP, item["name"])

    def identity(self, item):
        return {"fs": item.get("fs"), "group": item.get("group") or NO_GROUP}

    def read(self, runner, items):
        self._read_parents(runner, items)
        names = {}
        current = {}
        for item in items:
            fs, group = item.get("fs"), item.get("group") or NO_GROUP
            if fs not in self.filesystems or not self._group_in_cluster(fs, group):
                continue
            if (fs, group) not in names:
                names[(fs, group)] = set(read_subvolume_names(runner, fs, group))
            if item["name"] in names[(fs, group)]:
                ident = self.item_id(item)
                current[ident] = read_subvolume(runner, fs, group, item["name"])
                if item.get("state") == "absent":
                    snaps = runner.mon("fs subvolume snapshot ls", vol_name=fs, sub_name=item["name"],
                                       group_name=_group_arg(group))
                    self.snapshots[ident] = [s["name"] for s in snaps]
        return current

    def validate(self, runner, items, current):
        for item in items:
            ident = self.item_id(item)
            what = "subvolume %r" % ident
            self._check_parent(item, what)
            _check_name(what, item["name"])
            group = item.get("group") or NO_GROUP
            have = current.get(ident)
            if item.get("state") == "absent":
                if have is not None:
                    self._validate_delete(item, have, what)
                continue
            if not self._group_exists(item["fs"], group):
                raise CephInputError("%s: subvolume group %r does not exist in filesystem %r: create it first "
                                     "with koor.ceph.ceph_fs_subvolumegroup" % (what, group, item["fs"]))
            _check_mode_ids(item, what)
            self._check_pool_layout(item, what)
            if have is None:
                continue
            isolated = item.get("namespace_isolated")
            if isolated is not None and isolated != have["namespace_isolated"]:
                raise CephInputError("%s: namespace_isolated is %s and cannot change (a subvolume's RADOS "
                                     "namespace is fixed at creation)" % (what, have["namespace_isolated"]))
            for field in ("uid", "gid"):
                if item.get(field) == 0 and have[field] != 0:
                    raise CephInputError("%s: the volumes module cannot set %s back to 0 on an existing subvolume "
                                         "(it is %d): chown it through a mount" % (what, field, have[field]))
            size = normalise_size(item.get("size"))
            if size and have.get("bytes_used") and size < have["bytes_used"]:
                raise CephInputError("%s holds %d bytes: size %d is less than that" % (what, have["bytes_used"], size))

    def _validate_delete(self, item, have, what):
        if not item.get("allow_delete"):
            raise CephInputError("%s: deleting a subvolume destroys its files: it needs allow_delete: true" % what)
        if have.get("bytes_used") and not item.get("allow_delete_with_data"):
            raise CephInputError("%s holds %d bytes: deleting it needs allow_delete_with_data: true as well"
                                 % (what, have["bytes_used"]))
        snaps = self.snapshots.get(self.item_id(item))
        if snaps:
            raise CephInputError("%s has snapshots (%s): remove them first" % (what, ", ".join(sorted(snaps))))

    def plan_create(self, item, want):
        fs, group, name = item["fs"], item.get("group") or NO_GROUP, item["name"]
        return [Write("fs subvolume create", vol_name=fs, sub_name=name, size=want.get("size") or None,
                      group_name=_group_arg(group), pool_layout=want.get("pool_layout"), uid=want.get("uid"),
                      gid=want.get("gid"), mode=want.get("mode"),
                      namespace_isolated=True if want.get("namespace_isolated") else None),
                PathLookup(fs, group, name)]

    def after_create(self, item, want):
        after = {"mode": "0755", "size": 0, "namespace_isolated": False}
        after.update(want)
        return after

    def plan_update(self, item, have, changes):
        fs, group, name = item["fs"], item.get("group") or NO_GROUP, item["name"]
        writes = []
        if any(f in changes for f in ("mode", "uid", "gid", "pool_layout")):
            merged = dict(have)
            merged.update(changes)
            # A re-issued create resets the mode to 755 and the earmark: pass the current ones.
            writes.append(Write("fs subvolume create", vol_name=fs, sub_name=name, group_name=_group_arg(group),
                                pool_layout=changes.get("pool_layout"), uid=merged["uid"], gid=merged["gid"],
                                mode=merged["mode"], earmark=have.get("earmark") or None))
        if "size" in changes:
            writes.append(Write("fs subvolume resize", vol_name=fs, sub_name=name, new_size=size_arg(changes["size"]),
                                group_name=_group_arg(group)))
        return writes

    def plan_delete(self, item, have):
        return [Write("fs subvolume rm", vol_name=item["fs"], sub_name=item["name"],
                      group_name=_group_arg(item.get("group")))]

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update((k, v) for k, v in after.items() if k not in ("earmark", "pool_namespace"))
        if outputs and outputs[-1] and state == "present" and "path" not in result:
            result["path"] = outputs[-1]
        return result


def subvolume_info(runner, fs, group=None, name=None):
    """Every subvolume of a filesystem (or of one group, or one subvolume) with its info."""
    filesystems = read_filesystems(runner)
    if fs not in filesystems:
        raise CephInputError("filesystem %r does not exist (filesystems: %s)"
                             % (fs, ", ".join(sorted(filesystems)) or "none"))
    groups = [NO_GROUP] + read_groups(runner, fs)
    if group is not None:
        if group not in groups:
            raise CephInputError("subvolume group %r does not exist in filesystem %r" % (group, fs))
        groups = [group]
    result = []
    for grp in groups:
        for sub in read_subvolume_names(runner, fs, grp):
            if name is not None and sub != name:
                continue
            info = read_subvolume(runner, fs, grp, sub)
            info.update(name=sub, fs=fs, group=grp)
            result.append(info)
    return result
