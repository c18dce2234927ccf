# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RGW users as a declared set (see resources.py).

Reading: radosgw-admin is a process per call (~0.25-0.4 s), so reading a set of users with
``radosgw-admin user info`` per user would cost seconds. radosgw stores each user as one
object in the zone's ``user_uid_pool`` (``default.rgw.meta``, namespace ``users.uid``): its
uid, then the encoded ``RGWUserInfo``. The read path finds the zone's pools, then reads the
declared users' objects in one agent request over librados and decodes the fields this module
manages (:func:`decode_user`, checked against ``radosgw-admin user info`` on objects recorded
from the lab). The zone's pools come from its ``zone_info`` object in ``.rgw.root``
(:func:`decode_zone`) when that pool holds one zone and no realm, the zone radosgw-admin uses
then; otherwise (a realm, several zones, no librados) from ``radosgw-admin zone get``. A user object in an encoding
this decoder does not know (a newer compat version), or a far side without librados, falls
back to ``radosgw-admin user info`` for that user: slower, never wrong.

Writing always goes through radosgw-admin (``user create/modify/rm``, ``key create/rm``,
``caps add/rm``, ``quota set/enable/disable``, ``user suspend/enable``). A secret key given by
the user never goes on a command line (any user of the host reads /proc/PID/cmdline): the key is
made with a generated secret, then the user's metadata (``radosgw-admin metadata get user:<uid>``)
is written back with the given secret through radosgw-admin's standard input (``metadata put``),
which updates the key index as ``key create`` does (see :class:`SecretKeyWrite`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import struct

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import MASK, MASK_NEW, Resource, Write
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bytes

UID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+=-]{0,254}$")
ACCESS_KEY_RE = re.compile(r"^[A-Za-z0-9_.+=@/-]{1,128}$")
CAP_TYPES = ("users", "buckets", "metadata", "usage", "zone", "info", "bilog", "mdlog", "datalog", "roles",
             "user-policy", "amz-cache", "oidc-provider", "user-info-without-keys", "ratelimit", "accounts")
CAP_PERMS = {"read": "read", "write": "write", "*": "*", "read,write": "*", "read, write": "*", "full": "*"}
PERM_BITS = {1: "read", 2: "write", 3: "*"}
UNLIMITED = -1
INT64_MAX = 2 ** 63 - 1
# radosgw rounds a quota size up to whole KiB and keeps it in an int64: a larger size wraps to a
# negative one (measured on the lab: 9223372036854775807 is stored as -9223372036854775808)
MAX_QUOTA_SIZE = INT64_MAX // 1024 * 1024
# RGWUserInfo encodings this decoder reads: struct_v 9 (Firefly) .. 23 (Squid/Tentacle); a later
# version that keeps compat <= KNOWN_VERSION only appends fields, which the length lets us skip.
KNOWN_VERSION = 23

QUOTA_SPEC = dict(
    enabled=dict(type="bool"),
    max_size=dict(type="raw"),
    max_objects=dict(type="int"),
)

ITEM_SPEC = dict(
    uid=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    display_name=dict(type="str"),
    email=dict(type="str"),
    max_buckets=dict(type="int"),
    suspended=dict(type="bool"),
    caps=dict(type="dict"),
    user_quota=dict(type="dict", options=QUOTA_SPEC),
    bucket_quota=dict(type="dict", options=QUOTA_SPEC),
    access_key=dict(type="str", no_log=False),
    secret_key=dict(type="str", no_log=True),
    remove_other_keys=dict(type="bool", default=False),
    purge_data=dict(type="bool", default=False),
)

FIELDS = ("display_name", "email", "suspended", "max_buckets", "caps", "user_quota", "bucket_quota", "access_keys",
          "secret_key")


# The pool holding the zones (rgw_zone_root_pool), and how many names of it are looked at.
ZONE_ROOT_POOL = ".rgw.root"
ZONE_ROOT_LIMIT = 1000
# Objects of a multisite configuration: with any of them, radosgw-admin picks the zone.
REALM_OBJECTS = ("default.realm", "realms.", "realms_names.", "periods.")
# The pools RGWZoneParams encodes first, in order (stable since Luminous's rgw_pool v10).
ZONE_POOLS = ("domain_root", "control_pool", "gc_pool", "log_pool", "intent_log_pool", "usage_log_pool",
              "user_keys_pool", "user_email_pool", "user_swift_pool", "user_uid_pool")
ZONE_KNOWN_VERSION = 18  # RGWZoneParams of Squid/Tentacle


# --- decoding the user object (Ceph's encoding: little endian, length-prefixed) ----------

class DecodeError(ValueError):
    """The object is not an RGWUserInfo this decoder knows."""


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, size):
        if self.pos + size > len(self.data):
            raise DecodeError("truncated at %d (+%d of %d)" % (self.pos, size, len(self.data)))
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))[0]

    def string(self):
        return self.take(self.unpack("I")).decode("utf-8", "replace")

    def struct_start(self, compatv=1, lenv=1):
        """DECODE_START_LEGACY_COMPAT_LEN: (version, compat, end offset)."""
        version = self.unpack("B")
        compat = self.unpack("B") if version >= compatv else version
        if version < lenv:
            raise DecodeError("legacy encoding without a length (v%d)" % version)
        length = self.unpack("I")
        end = self.pos + length
        if end > len(self.data):
            raise DecodeError("struct length beyond the object")
        return version, compat, end

    def map(self, key, value):
        return [(key(), value()) for _index in range(self.unpack("I"))]


def _access_key(reader):
    version, _compat, end = reader.struct_start(2, 2)
    key = {"access_key": reader.string(), "secret_key": reader.string(), "subuser": "", "active": True}
    if version >= 2:
        key["subuser"] = reader.string()
    if version >= 3:
        key["active"] = bool(reader.unpack("B"))
    reader.pos = end
    return key


def _skip_struct(reader, compatv=1, lenv=1):
    reader.pos = reader.struct_start(compatv, lenv)[2]


def _quota(reader):
    version, _compat, end = reader.struct_start(1, 1)
    max_size_kb = reader.unpack("q")
    quota = {"max_objects": reader.unpack("q"), "enabled": bool(reader.unpack("B"))}
    quota["max_size"] = reader.unpack("q") if version >= 2 else max_size_kb * 1024
    quota["check_on_raw"] = bool(reader.unpack("B")) if version >= 3 else False
    reader.pos = end
    return quota


def decode_zone(data):
    """A ``zone_info.<id>`` object (RGWZoneParams) -> {pool field: (pool, namespace)} for the pools
    it encodes first, with the zone's ``id`` and ``name``."""
    reader = _Reader(data)
    version, compat, _end = reader.struct_start(1, 1)
    if compat > ZONE_KNOWN_VERSION or version < 6:
        raise DecodeError("RGWZoneParams v%d (compat %d): not an encoding this decoder reads" % (version, compat))
    zone = {}
    for field in ZONE_POOLS:
        pool_version, _compat, end = reader.struct_start(3, 3)
        if pool_version < 10:
            raise DecodeError("rgw_pool v%d (before Luminous)" % pool_version)
        zone[field] = (reader.string(), reader.string())
        reader.pos = end
    _version, _compat, end = reader.struct_start(1, 1)  # RGWSystemMetaObj
    zone["id"], zone["name"] = reader.string(), reader.string()
    return zone


def decode_user(data):
    """An object of the zone's users.uid namespace -> the user as `radosgw-admin user info` shows it
    (the fields this module reads: ids, names, keys, caps, quotas, suspension)."""
    reader = _Reader(data)
    reader.string()  # RGWUID: the user id as a string, before the user info
    version, compat, end = reader.struct_start(9, 9)
    if compat > KNOWN_VERSION:
        raise DecodeError("RGWUserInfo compat version %d is newer than %d" % (compat, KNOWN_VERSION))
    reader.unpack("Q")  # the old auid
    reader.string()  # access key and secret of the first key, kept for old readers
    reader.string()
    user = {"display_name": reader.string(), "email": reader.string()}
    reader.string()  # swift name and key, likewise
    reader.string()
    uid = reader.string()
    access_keys = reader.map(reader.string, lambda: _access_key(reader))
    subusers = reader.map(reader.string, lambda: _skip_struct(reader, 2, 2))
    user["suspended"] = reader.unpack("B")
    if version >= 8:
        reader.map(reader.string, lambda: _access_key(reader))  # swift keys
    user["max_buckets"] = reader.unpack("i") if version >= 10 else 1000
    caps = []
    if version >= 11:
        _v, _c, caps_end = reader.struct_start()
        caps = [{"type": kind, "perm": PERM_BITS.get(mask, "")}
                for kind, mask in reader.map(reader.string, lambda: reader.unpack("I")) if mask]
        reader.pos = caps_end
    user["caps"] = caps
    if version >= 12:
        reader.unpack("I")  # op mask
    if version >= 13:
        reader.unpack("B")  # system
        reader.string()  # default placement
        for _index in range(reader.unpack("I")):  # placement tags
            reader.string()
    unlimited = {"enabled": False, "check_on_raw": False, "max_size": UNLIMITED, "max_objects": UNLIMITED}
    user["bucket_quota"] = _quota(reader) if version >= 14 else dict(unlimited)
    if version >= 15:
        reader.map(lambda: reader.unpack("i"), reader.string)  # temp url keys
    user["user_quota"] = _quota(reader) if version >= 16 else dict(unlimited)
    tenant = reader.string() if version >= 17 else ""
    if reader.pos > end:
        raise DecodeError("fields run past the user info")
    user["user_id"] = "%s$%s" % (tenant, uid) if tenant else uid
    user["tenant"] = tenant
    user["subusers"] = [{"id": "%s:%s" % (user["user_id"], name)} for name, _none in subusers]
    user["keys"] = [{"user": "%s:%s" % (user["user_id"], k["subuser"]) if k["subuser"] else user["user_id"],
                     "access_key": k["access_key"], "secret_key": k["secret_key"], "active": k["active"]}
                    for _id, k in access_keys]
    return user


# --- normalising and validating -------------------------------------------------------------

def normalise_caps(caps):
    """[{type, perm}] (radosgw-admin) or {type: perm} (the module) -> {type: 'read'|'write'|'*'}."""
    if isinstance(caps, dict):
        pairs = caps.items()
    else:
        pairs = [(c["type"], c["perm"]) for c in caps or []]
    return dict((kind, CAP_PERMS.get(str(perm).strip().lower(), perm)) for kind, perm in pairs)


def normalise_quota(quota):
    return {"enabled": bool(quota.get("enabled")), "max_size": int(quota.get("max_size", UNLIMITED)),
            "max_objects": int(quota.get("max_objects", UNLIMITED))}


def normalise(user):
    """`radosgw-admin user info` JSON (or decode_user's) -> the managed fields."""
    uid = user["user_id"]
    return {
        "display_name": user.get("display_name", ""),
        "email": user.get("email", ""),
        "suspended": bool(user.get("suspended")),
        "max_buckets": int(user.get("max_buckets", 1000)),
        "caps": normalise_caps(user.get("caps")),
        "user_quota": normalise_quota(user.get("user_quota") or {}),
        "bucket_quota": normalise_quota(user.get("bucket_quota") or {}),
        "access_keys": sorted(k["access_key"] for k in user.get("keys", []) if k.get("user") == uid),
    }


def secrets_of(user):
    return dict((k["access_key"], k.get("secret_key")) for k in user.get("keys", [])
                if k.get("user") == user["user_id"])


def quota_size(what, value):
    """A quota size (bytes, or a size like 10G as Ceph reads it) -> bytes; -1 means no limit."""
    if value is None:
        return None
    text = str(value).strip()
    if text == "-1":
        return UNLIMITED
    if text.startswith("-"):
        raise CephInputError("%s %s: a quota is 0 or more, or -1 for no limit" % (what, text))
    try:
        size = to_bytes(value, binary_si=True)
    except UnitError as exc:
        raise CephInputError("%s: %s" % (what, exc))
    if size > MAX_QUOTA_SIZE:
        raise CephInputError("%s %s: above the largest quota radosgw keeps (%d bytes; a larger one wraps to a "
                             "negative size), or -1 for no limit" % (what, text, MAX_QUOTA_SIZE))
    return -(-size // 1024) * 1024  # radosgw keeps quotas in whole KiB, rounded up


def pool_ns(value):
    """'default.rgw.meta:users.uid' -> ('default.rgw.meta', 'users.uid')."""
    pool, _sep, namespace = value.partition(":")
    return pool, namespace


def _admin(*words):
    return ["radosgw-admin"] + list(words)


class AdminWrite(Write):
    """A radosgw-admin write (never with a secret in its argv); its output (which holds the user's
    keys) is kept only for the access key ids."""

    def __init__(self, argv):
        super(AdminWrite, self).__init__(argv=argv)

    def run(self, runner):
        out = runner.tool(self.argv, write=True)
        if isinstance(out, dict) and "keys" in out:
            return {"access_keys": sorted(k["access_key"] for k in out["keys"] if k.get("user") == out["user_id"])}
        return None


class SecretKeyWrite(Write):
    """Give the S3 key ``access`` of ``uid`` the secret the user declared, without a command line that
    holds it: read the user's metadata, set the secret, write it back on radosgw-admin's stdin."""

    def __init__(self, uid, access, secret):
        super(SecretKeyWrite, self).__init__(argv=_admin("metadata", "put", "user:" + uid))
        self.uid = uid
        self.access = access
        self.secret = secret

    def run(self, runner):
        if runner.check_mode:
            return runner.tool(self.argv, write=True, secret_input=True)
        meta = runner.tool(_admin("metadata", "get", "user:" + self.uid))
        keys = [k for k in (meta or {}).get("data", {}).get("keys", []) if k.get("access_key") == self.access]
        if len(keys) != 1:
            raise CephCommandError("user %r: key %s not found in its metadata to set the given secret key"
                                   % (self.uid, self.access), cmd="radosgw-admin metadata get user:" + self.uid)
        keys[0]["secret_key"] = self.secret
        runner.tool(self.argv, write=True, inbuf=json.dumps(meta), secret_input=True)
        return None


class Users(Resource):
    kind = "user"
    key = "uid"
    fields = FIELDS

    def __init__(self):
        self.secrets = {}
        self.pools = {}
        self.key_owners = {}
        self.email_owners = {}
        self.buckets = {}
        self.reads = 0

    def read_zone(self, runner):
        """The pools of the zone radosgw-admin uses (see the module's docstring)."""
        zone = self._zone_over_librados(runner)
        if zone is None:
            zone = dict((k, pool_ns(v)) for k, v in runner.tool(_admin("zone", "get")).items() if k in ZONE_POOLS)
        self.reads += 1
        self.pools = dict((k, zone[k]) for k in ("user_uid_pool", "user_keys_pool", "user_email_pool"))

    @staticmethod
    def _zone_over_librados(runner):
        """The one zone of a configuration without realms, read from its object; None otherwise."""
        if runner.mode != "librados":
            return None
        try:
            names = runner.list_objects(ZONE_ROOT_POOL, limit=ZONE_ROOT_LIMIT)
        except CephCommandError:
            return None  # no .rgw.root (yet): radosgw-admin says what to do
        zones = [name for name in names if name.startswith("zone_info.")]
        if len(names) >= ZONE_ROOT_LIMIT or len(zones) != 1 or any(n.startswith(REALM_OBJECTS) for n in names):
            return None
        try:
            data = runner.rados_read_objects(ZONE_ROOT_POOL, "", zones)[zones[0]]
            zone = decode_zone(data) if data else None
        except (CephCommandError, DecodeError, struct.error, UnicodeDecodeError):
            return None
        if zone is None or zones[0] != "zone_info." + zone["id"]:
            return None
        return zone

    def read_users(self, runner, uids):
        """{uid: radosgw-admin-shaped user} for the uids that exist (None: every user)."""
        pool, namespace = self.pools["user_uid_pool"]
        try:
            objects = runner.rados_read_objects(pool, namespace, uids)
            self.reads += 1
        except CephCommandError:
            objects = None
        users = {}
        if objects is None:  # no librados on the far side: radosgw-admin per user
            if uids is None:
                uids = runner.tool(_admin("metadata", "list", "user"))
                self.reads += 1
            for uid in uids:
                info = self._user_info(runner, uid)
                if info is not None:
                    users[uid] = info
            return users
        for name, data in objects.items():
            if not data:
                continue  # missing, or a '<uid>.buckets' index object (omap only)
            try:
                users[name] = decode_user(data)
            except (DecodeError, struct.error, UnicodeDecodeError):
                info = self._user_info(runner, name)
                if info is not None:
                    users[name] = info
        return users

    def _user_info(self, runner, uid):
        self.reads += 1
        try:
            return runner.tool(_admin("user", "info", "--uid", uid))
        except CephCommandError as exc:
            if "no user info saved" in (exc.stderr or "") or exc.rc == 2:
                return None
            raise

    def owners(self, runner, pool_key, names):
        if not names:
            return {}
        pool, namespace = self.pools[pool_key]
        result = {}
        try:
            objects = runner.rados_read_objects(pool, namespace, sorted(names))
            self.reads += 1
        except CephCommandError:
            return result  # no librados: radosgw-admin itself refuses a taken key or email
        for name, data in objects.items():
            if data:
                try:
                    result[name] = _Reader(data).string()
                except (DecodeError, struct.error):
                    pass
        return result

    def read(self, runner, items):
        for item in items:
            self._check_uid(item["uid"])
        self.read_zone(runner)
        users = self.read_users(runner, [i["uid"] for i in items])
        current = {}
        for uid, user in users.items():
            current[uid] = normalise(user)
            self.secrets[uid] = secrets_of(user)
            if any(i["uid"] == uid and i.get("secret_key") is not None for i in items):
                current[uid]["secret_key"] = MASK
        present = [i for i in items if i.get("state") != "absent"]
        access_keys = set(i["access_key"] for i in present if i.get("access_key"))
        emails = set(i["email"] for i in present if i.get("email"))
        self.key_owners = self.owners(runner, "user_keys_pool", access_keys)
        self.email_owners = self.owners(runner, "user_email_pool", emails)
        for item in items:
            if item.get("state") == "absent" and item["uid"] in current and not item.get("purge_data"):
                self.reads += 1
                self.buckets[item["uid"]] = runner.tool(_admin("bucket", "list", "--uid", item["uid"])) or []
        return current

    @staticmethod
    def _check_uid(uid):
        if "$" in str(uid):
            raise CephInputError("user %r: tenanted uids (tenant$user) are not supported: give a uid without '$'"
                                 % uid)
        if ":" in str(uid):
            raise CephInputError("user %r: ':' separates a subuser; give the user's uid alone" % uid)
        if not UID_RE.match(str(uid)):
            raise CephInputError("user %r: invalid uid: use letters, digits and . _ - @ + = (up to 255), not "
                                 "starting with a symbol" % uid)

    def validate(self, runner, items, current):
        declared_keys = {}
        for item in items:
            uid = item["uid"]
            what = "user %r" % uid
            if item.get("state") == "absent":
                owned = self.buckets.get(uid)
                if owned:
                    raise CephInputError("%s owns %d bucket(s) (%s): deleting it needs purge_data: true, which "
                                         "deletes them and their objects" % (what, len(owned),
                                                                             ", ".join(sorted(owned)[:5])))
                continue
            have = current.get(uid)
            if have is None and not item.get("display_name"):
                raise CephInputError("%s does not exist: creating it needs display_name" % what)
            if item.get("display_name") is not None and not item["display_name"].strip():
                raise CephInputError("%s: display_name cannot be empty" % what)
            email = item.get("email")
            if email is not None:
                if not email.strip() or " " in email:
                    raise CephInputError("%s: email %r is not an address (radosgw-admin cannot remove an email, "
                                         "only change it)" % (what, email))
                owner = self.email_owners.get(email)
                if owner not in (None, uid):
                    raise CephInputError("%s: email %s belongs to user %r" % (what, email, owner))
            if item.get("caps") is not None:
                for kind, perm in item["caps"].items():
                    if kind not in CAP_TYPES:
                        raise CephInputError("%s: unknown caps type %r: use %s" % (what, kind, ", ".join(CAP_TYPES)))
                    if str(perm).strip().lower() not in CAP_PERMS:
                        raise CephInputError("%s: caps %s %r: use read, write or '*'" % (what, kind, perm))
            for scope in ("user_quota", "bucket_quota"):
                quota = item.get(scope) or {}
                quota_size("%s: %s max_size" % (what, scope), quota.get("max_size"))
                if quota.get("max_objects") is not None and not UNLIMITED <= quota["max_objects"] <= INT64_MAX:
                    raise CephInputError("%s: %s max_objects %d: a quota is 0 to %d, or -1 for no limit (radosgw "
                                         "stores a negative one as -1 and refuses a larger one)"
                                         % (what, scope, quota["max_objects"], INT64_MAX))
            self._validate_keys(item, what, declared_keys)

    def _validate_keys(self, item, what, declared_keys):
        uid, access, secret = item["uid"], item.get("access_key"), item.get("secret_key")
        if secret is not None and not access:
            raise CephInputError("%s: secret_key needs access_key (the key it belongs to)" % what)
        if item.get("remove_other_keys") and not access:
            raise CephInputError("%s: remove_other_keys needs access_key (the key to keep)" % what)
        if access is None:
            return
        if not ACCESS_KEY_RE.match(access):
            raise CephInputError("%s: access_key is not a valid S3 access key (letters, digits and _ . + = @ / -, "
                                 "up to 128)" % what)
        if secret is not None and (len(secret) < 8 or any(c.isspace() for c in secret)):
            raise CephInputError("%s: secret_key must be at least 8 characters without spaces" % what)
        owner = self.key_owners.get(access)
        if owner not in (None, uid):
            raise CephInputError("%s: access key %s belongs to user %r" % (what, access, owner))
        if declared_keys.get(access, uid) != uid:
            raise CephInputError("%s: access key %s is declared for user %r as well"
                                 % (what, access, declared_keys[access]))
        declared_keys[access] = uid

    def desired(self, item, have):
        uid = item["uid"]
        want = {}
        for field in ("display_name", "email", "max_buckets", "suspended"):
            if item.get(field) is not None:
                want[field] = item[field]
        if item.get("caps") is not None:
            want["caps"] = normalise_caps(item["caps"])
        for scope in ("user_quota", "bucket_quota"):
            given = item.get(scope)
            if given is None:
                continue
            quota = dict((have or {}).get(scope) or normalise_quota({}))
            if given.get("enabled") is not None:
                quota["enabled"] = given["enabled"]
            if given.get("max_size") is not None:
                quota["max_size"] = quota_size(scope, given["max_size"])
            if given.get("max_objects") is not None:
                quota["max_objects"] = given["max_objects"]
            want[scope] = quota
        access = item.get("access_key")
        if access:
            keys = [] if item.get("remove_other_keys") else list((have or {}).get("access_keys", []))
            want["access_keys"] = sorted(set(keys) | set([access]))
            if item.get("secret_key") is not None:
                same = have is not None and self.secrets.get(uid, {}).get(access) == item["secret_key"]
                want["secret_key"] = MASK if have is None or same else MASK_NEW
        return want

    def plan_create(self, item, want):
        uid = item["uid"]
        argv = _admin("user", "create", "--uid", uid, "--display-name", want["display_name"])
        if want.get("email"):
            argv += ["--email", want["email"]]
        if want.get("max_buckets") is not None:
            argv += ["--max-buckets", str(want["max_buckets"])]
        if want.get("caps"):
            argv += ["--caps", caps_arg(want["caps"])]
        secret = item.get("secret_key")
        if item.get("access_key"):
            argv += ["--access-key", item["access_key"], "--gen-secret"]
        writes = [AdminWrite(argv)]
        if item.get("access_key") and secret is not None:
            writes.append(SecretKeyWrite(uid, item["access_key"], secret))
        empty = {"user_quota": normalise_quota({}), "bucket_quota": normalise_quota({}), "suspended": False}
        writes += self._settings(uid, dict((k, v) for k, v in want.items() if k in empty), empty)
        return writes

    def after_create(self, item, want):
        after = dict(want)
        after.setdefault("email", "")
        after.setdefault("suspended", False)
        after.setdefault("caps", {})
        return after

    def plan_update(self, item, have, changes):
        uid = item["uid"]
        writes = []
        modify = []
        for field, flag in (("display_name", "--display-name"), ("email", "--email"), ("max_buckets", "--max-buckets")):
            if field in changes:
                modify += [flag, str(changes[field])]
        if modify:
            writes.append(AdminWrite(_admin("user", "modify", "--uid", uid, *modify)))
        if "caps" in changes:
            old, new = have["caps"], changes["caps"]
            gone = dict((k, v) for k, v in old.items() if new.get(k) != v)
            added = dict((k, v) for k, v in new.items() if old.get(k) != v)
            if gone:
                writes.append(AdminWrite(_admin("caps", "rm", "--uid", uid, "--caps", caps_arg(gone))))
            if added:
                writes.append(AdminWrite(_admin("caps", "add", "--uid", uid, "--caps", caps_arg(added))))
        if "access_keys" in changes or "secret_key" in changes:
            access, secret = item["access_key"], item.get("secret_key")
            if access not in have["access_keys"]:
                writes.append(AdminWrite(_admin("key", "create", "--uid", uid, "--key-type", "s3", "--access-key",
                                                access, "--gen-secret")))
            if secret is not None and (access not in have["access_keys"] or "secret_key" in changes):
                writes.append(SecretKeyWrite(uid, access, secret))
            for other in have["access_keys"]:
                if other not in changes.get("access_keys", have["access_keys"]):
                    writes.append(AdminWrite(_admin("key", "rm", "--uid", uid, "--key-type", "s3",
                                                    "--access-key", other)))
        return writes + self._settings(uid, changes, have)

    @staticmethod
    def _settings(uid, changes, have):
        writes = []
        for scope in ("user_quota", "bucket_quota"):
            if scope not in changes:
                continue
            old, new = have[scope], changes[scope]
            kind = scope.split("_", 1)[0]
            argv = _admin("quota", "set", "--quota-scope", kind, "--uid", uid)
            if new["max_size"] != old["max_size"]:
                argv += ["--max-size", str(new["max_size"])]
            if new["max_objects"] != old["max_objects"]:
                argv += ["--max-objects", str(new["max_objects"])]
            if len(argv) > 7:
                writes.append(AdminWrite(argv))
            if new["enabled"] != old["enabled"]:
                writes.append(AdminWrite(_admin("quota", "enable" if new["enabled"] else "disable",
                                                "--quota-scope", kind, "--uid", uid)))
        if "suspended" in changes and changes["suspended"] != have.get("suspended"):
            writes.append(AdminWrite(_admin("user", "suspend" if changes["suspended"] else "enable", "--uid", uid)))
        return writes

    def plan_delete(self, item, have):
        argv = _admin("user", "rm", "--uid", item["uid"])
        if item.get("purge_data"):
            argv.append("--purge-data")
        return [AdminWrite(argv)]

    def result_item(self, name, state, after, outputs):
        result = {"uid": name, "state": state}
        if after:
            result.update((k, v) for k, v in after.items() if k != "secret_key")
            for out in outputs:
                if out and out.get("access_keys"):
                    result["access_keys"] = out["access_keys"]
        return result


def caps_arg(caps):
    return ";".join("%s=%s" % (kind, caps[kind]) for kind in sorted(caps))


def read_info(runner, uids=None, include_keys=False):
    """What ceph_rgw_user_info returns: users with their managed fields (secrets only when asked)."""
    users = Users()
    if uids:
        for uid in uids:
            users._check_uid(uid)
    users.read_zone(runner)
    found = users.read_users(runner, uids or None)
    if uids:
        missing = [u for u in uids if u not in found]
        if missing:
            raise CephInputError("no such user: %s" % ", ".join(missing))
    result = []
    for uid in (uids or sorted(found)):
        user = found[uid]
        entry = {"uid": uid}
        entry.update(normalise(user))
        entry["subusers"] = sorted(s["id"] for s in user.get("subusers", []))
        if include_keys:
            entry["keys"] = [{"access_key": k["access_key"], "secret_key": k.get("secret_key"), "user": k["user"]}
                             for k in user.get("keys", [])]
        result.append(entry)
    return result
