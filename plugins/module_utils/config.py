# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings of Ceph's configuration database (``ceph config set/rm``) as a declared set.

The set is read with one ``config dump``. Values are compared in the form Ceph stores them
(``4G`` of a size option is stored as ``4294967296``, ``yes`` of a bool as ``true``, ``0.5`` of
a float as ``0.500000``, ``1h`` of a secs option as ``3600``), so a re-run with the same input
is unchanged. To normalise, the type of an option comes from ``config help``, asked only for
options whose declared value is not literally what the cluster already holds (so a re-run of
values written in Ceph's own form costs the one dump); an option ``config help`` does not know
is refused before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import re

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bool, to_bytes, to_seconds

ITEM_SPEC = dict(
    who=dict(type="str", required=True),
    option=dict(type="str", required=True),
    value=dict(type="raw"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    allow_disruptive=dict(type="bool", default=False),
)

# Options that can cut the cluster or its clients off when set wrong (the messenger, the
# authentication methods, the mons' addresses, keyring paths): refused without
# allow_disruptive. `config help` gives most of them no choices (ms_type is a free string), so
# Ceph itself stores any value, and a daemon or client started afterwards cannot connect.
DISRUPTIVE_RE = re.compile(r"^(ms_type|ms_public_type|ms_cluster_type|ms_bind_.*|ms_.*_mode|ms_mon_.*|ms_crc_.*|"
                           r"auth_.*|cephx_.*|mon_host|mon_addr|mon_dns_srv_name|mon_initial_members|public_addr.*|"
                           r"cluster_addr|public_network.*|cluster_network.*|public_bind_addr|keyring|keyfile|key)$")
# The messenger implementations Ceph builds (src/msg/Messenger.cc): other values fail every start.
MS_TYPES = ("async+posix", "async+dpdk", "async+rdma")
MS_TYPE_OPTIONS = ("ms_type", "ms_public_type", "ms_cluster_type")

DAEMON_TYPES = ("mon", "mgr", "osd", "mds", "client")
SECTION_RE = re.compile(r"^(global|(%s)(\.[A-Za-z0-9_.:-]+)?)$" % "|".join(DAEMON_TYPES))
MASK_RE = re.compile(r"^([a-z_]+):([^/:\s]+)$")
OPTION_RE = re.compile(r"^[a-z0-9_]+$")
MGR_OPTION_RE = re.compile(r"^mgr/[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)?/[A-Za-z0-9_]+$")
DEBUG_RE = re.compile(r"^debug_[a-z0-9_]+$")
INT_RE = re.compile(r"^[+-]?\d+$")
WHO_HINT = ("who is global, a daemon type (mon, mgr, osd, mds, client) or one daemon (osd.3, client.rgw.x), "
            "optionally followed by masks such as /class:ssd or /host:node1")


def setting_key(who, option):
    """The key of one setting in the set, the diff and the result: '<who> <option>'."""
    return "%s %s" % (who, option)


def canonical_who(who):
    """'osd/class:ssd/host:a' -> 'osd/host:a/class:ssd' (Ceph's order: location, then class).

    Raises CephInputError for a who Ceph does not accept.
    """
    text = (who or "").strip()
    parts = text.split("/")
    section, masks = parts[0], parts[1:]
    if not SECTION_RE.match(section):
        raise CephInputError("invalid who %r: %s" % (who, WHO_HINT))
    location, device_class = [], []
    for mask in masks:
        match = MASK_RE.match(mask)
        if not match:
            raise CephInputError("invalid who %r: mask %r is not <crush type>:<name> or class:<device class>"
                                 % (who, mask))
        (device_class if match.group(1) == "class" else location).append(mask)
    if len(device_class) > 1 or len(location) > 1:
        raise CephInputError("invalid who %r: at most one location mask and one class mask" % who)
    return "/".join([section] + location + device_class)


def canonical_option(option):
    """Ceph's name of an option: spaces and dashes are written as underscores (not in mgr/ names)."""
    text = (option or "").strip()
    if text.startswith("mgr/"):
        if not MGR_OPTION_RE.match(text):
            raise CephInputError("invalid option %r: a mgr module option is mgr/<module>/<option>" % option)
        return text
    text = re.sub(r"[ -]+", "_", text)
    if not OPTION_RE.match(text):
        raise CephInputError("invalid option %r: option names are lower-case letters, digits and '_' "
                             "(or mgr/<module>/<option>)" % option)
    return text


def prepare(items):
    """Canonical who and option per item, and the key apply_set uses ('<who> <option>')."""
    for item in items:
        if item.get("who") in (None, "") or item.get("option") in (None, ""):
            raise CephInputError("every setting needs who and option")
        item["who"] = canonical_who(item["who"])
        item["option"] = canonical_option(item["option"])
        item["setting"] = setting_key(item["who"], item["option"])
    return items


def literal(value):
    """The value as Ceph would print it if no conversion were needed (True -> 'true', 0.5 -> '0.500000')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "%f" % value
    return str(value).strip()


def _integer(value, what, signed):
    if isinstance(value, bool):
        raise UnitError("%r is a boolean, not an integer" % (value,))
    if isinstance(value, float):
        if not value.is_integer():
            raise UnitError("%r is not a whole number" % (value,))
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if INT_RE.match(text):
            number = int(text)
        else:
            try:
                number = to_bytes(text)  # Ceph reads 1K as 1000 in integer options (strict_si_cast)
            except UnitError:
                raise UnitError("%r is not an integer (a whole number, optionally with k, M, G, ... for powers "
                                "of 1000)" % (value,))
    if number < 0 and not signed:
        raise UnitError("%r is negative; %s takes 0 or more" % (value, what))
    return number


def _whole(number, value, unit):
    if number != int(number):
        raise UnitError("%r is not a whole number of %s" % (value, unit))
    return int(number)


def normalise(value, opt):
    """The string Ceph stores for value in an option described by `config help` (opt).

    Raises UnitError (a ValueError) with the reason when the value does not fit the type.
    """
    kind = opt.get("type")
    name = opt.get("name") or ""
    if kind == "bool":
        return "true" if to_bool(value) else "false"
    if kind in ("int", "uint"):
        return str(_integer(value, "an unsigned option", kind == "int"))
    if kind == "size":
        return str(to_bytes(value if not isinstance(value, float) else _whole(value, value, "bytes"),
                            binary_si=True))
    if kind == "secs":
        return str(_whole(to_seconds(value), value, "seconds"))
    if kind == "millisecs":
        if isinstance(value, (int, float)) and not isinstance(value, bool) or INT_RE.match(str(value).strip()):
            return str(_integer(value, "a duration", False))  # a bare number is milliseconds
        return str(_whole(to_seconds(value) * 1000, value, "milliseconds"))
    if kind == "float":
        if isinstance(value, bool):
            raise UnitError("%r is a boolean, not a number" % (value,))
        try:
            return "%f" % float(str(value).strip())
        except ValueError:
            raise UnitError("%r is not a number" % (value,))
    text = literal(value)
    if DEBUG_RE.match(name) and INT_RE.match(text):
        return "%s/%s" % (text, text)  # debug_osd 5 is stored as 5/5
    return text


def _bound(opt, kind, key):
    raw = opt.get(key)
    if raw in (None, ""):
        return None
    try:
        return float(raw) if kind == "float" else int(normalise(raw, opt))
    except (ValueError, TypeError):
        return None


def check_value(stored, opt):
    """Raise UnitError unless a normalised value is within the option's choices and bounds."""
    kind = opt.get("type")
    choices = opt.get("enum_values") or opt.get("enum_allowed") or []
    if choices and stored not in choices:
        raise UnitError("%r is not one of %s" % (stored, ", ".join(repr(c) for c in choices)))
    if kind in ("int", "uint", "size", "secs", "millisecs", "float"):
        number = float(stored) if kind == "float" else int(stored)
        low, high = _bound(opt, kind, "min"), _bound(opt, kind, "max")
        if low is not None and number < low:
            raise UnitError("%s is below the minimum %s" % (stored, opt["min"]))
        if high is not None and number > high:
            raise UnitError("%s is above the maximum %s" % (stored, opt["max"]))


def read_dump(dump):
    """`config dump` -> {'<who> <option>': {'value': stored string}}."""
    current = {}
    for entry in dump or []:
        who = entry["section"] + ("/" + entry["mask"] if entry.get("mask") else "")
        current[setting_key(who, entry["name"])] = {"value": entry.get("value"), "level": entry.get("level")}
    return current


class ConfigSettings(Resource):
    kind = "setting"
    key = "setting"
    fields = ("value",)

    def __init__(self):
        self.options = {}
        self.unsettled = set()
        self.crush_types = None

    def read(self, runner, items):
        current = read_dump(runner.mon("config dump"))
        # settings the cluster does not hold literally: their option's type is needed to compare
        # them, and their who's CRUSH location mask (if any) is checked against the CRUSH types
        unsettled = [i for i in items if i.get("state") != "absent" and i.get("value") is not None and
                     (current.get(i["setting"]) or {}).get("value") != literal(i["value"])]
        self.unsettled = set(i["setting"] for i in unsettled)
        for option in sorted(set(i["option"] for i in unsettled)):
            opt = runner.mon("config help", key=option, ok_rcs=(0, errno.ENOENT))
            self.options[option] = opt if isinstance(opt, dict) else None
        if any(not m.startswith("class:") for i in unsettled for m in i["who"].split("/")[1:]):
            self.crush_types = [t["name"] for t in runner.mon("osd crush dump").get("types") or []]
        return current

    def desired(self, item, have):
        value = item.get("value")
        if item["setting"] in self.unsettled:
            return {"value": normalise(value, self.options[item["option"]])}
        return {"value": literal(value)}  # what the cluster holds already

    def validate(self, runner, items, current):
        for item in items:
            what = "setting %s of %s" % (item["option"], item["who"])
            if item.get("state") == "absent":
                continue
            if item.get("value") is None:
                raise CephInputError("%s: state present needs a value" % what)
            if item["setting"] not in self.unsettled:
                continue  # the cluster holds exactly this value already
            self._check_disruptive(item, what)
            if self.crush_types is not None:
                for mask in item["who"].split("/")[1:]:
                    kind = mask.split(":")[0]
                    if kind != "class" and kind not in self.crush_types:
                        raise CephInputError("%s: mask %r: %r is not a CRUSH type (types: %s)"
                                             % (what, mask, kind, ", ".join(self.crush_types)))
            opt = self.options[item["option"]]
            if opt is None:
                raise CephInputError("%s: unknown option %r (ceph config help does not know it%s)"
                                     % (what, item["option"], "; is the mgr module enabled?"
                                        if item["option"].startswith("mgr/") else ""))
            try:
                check_value(normalise(item["value"], opt), opt)
            except (UnitError, ValueError) as exc:
                raise CephInputError("%s: invalid value for a %s option: %s" % (what, opt.get("type"), exc))

    @staticmethod
    def _check_disruptive(item, what):
        option, value = item["option"], literal(item["value"])
        if option in MS_TYPE_OPTIONS and value not in MS_TYPES + ("",):
            raise CephInputError("%s: value %r is not a messenger Ceph has (%s): every daemon and client started "
                                 "with it would fail to connect" % (what, value, ", ".join(MS_TYPES)))
        if DISRUPTIVE_RE.match(option) and not item.get("allow_disruptive"):
            raise CephInputError("%s: value %r refused: %s is a messenger, authentication, mon address or keyring "
                                 "option, and a wrong value cuts daemons and clients off the cluster (new clients "
                                 "cannot connect, nor can this module to undo it); set allow_disruptive: true to "
                                 "write it" % (what, value, option))

    def plan_create(self, item, want):
        return [Write("config set", who=item["who"], name=item["option"], value=want["value"])]

    def plan_update(self, item, have, changes):
        return self.plan_create(item, changes)

    def plan_delete(self, item, have):
        return [Write("config rm", who=item["who"], name=item["option"])]

    def verify(self, runner, written):
        """Ceph answers success to some sets it then ignores (with the mClock scheduler it keeps
        osd_max_backfills and other recovery limits unless osd_mclock_override_recovery_settings
        is true): read the database once more and fail for what did not stick."""
        current = read_dump(runner.mon("config dump"))
        lost = []
        for item, after in written:
            held = (current.get(item["setting"]) or {}).get("value")
            if after is None and held is not None:
                lost.append("%s of %s is still %r after config rm" % (item["option"], item["who"], held))
            elif after is not None and held != after.get("value"):
                lost.append("%s of %s is %r, not %r" % (item["option"], item["who"], held, after.get("value")))
        if lost:
            raise CephCommandError(
                "Ceph accepted the change but did not store it: %s. Some options are kept by Ceph itself "
                "(for example recovery limits under the mClock scheduler unless "
                "osd_mclock_override_recovery_settings is true)" % "; ".join(lost), cmd="ceph config dump")

    def result_item(self, name, state, after, outputs):
        who, option = name.split(" ", 1)
        result = {"who": who, "option": option, "state": state}
        if after:
            result["value"] = after.get("value")
        return result
