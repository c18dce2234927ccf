# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One pass of reads through the runner's agent: every read the assessment needs, batched into two round
trips over the agent's one librados connection (plus the RGW users over librados where radosgw runs).

The result is the bundle's content (see bundle.py): the raw JSON of each read, trimmed of what no check
reads and of every secret (auth keys become their key type, RGW keys are dropped, config values whose
name says secret are masked), so that a bundle can leave the site it was collected on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import json
import re
import struct

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephError

BUNDLE_FORMAT = 1

# name in the bundle -> the mon/mgr command (the first round trip).
READS = (
    ("status", {"prefix": "status"}),
    ("health_detail", {"prefix": "health", "detail": "detail"}),
    ("versions", {"prefix": "versions"}),
    ("df", {"prefix": "df", "detail": "detail"}),
    ("osd_df_tree", {"prefix": "osd df", "output_method": "tree"}),
    ("osd_dump", {"prefix": "osd dump"}),
    ("osd_metadata", {"prefix": "osd metadata"}),
    ("osd_crush_dump", {"prefix": "osd crush dump"}),
    ("pg_dump", {"prefix": "pg dump", "dumpcontents": ["pgs"]}),
    ("config_dump", {"prefix": "config dump"}),
    ("crash_ls", {"prefix": "crash ls"}),
    ("mgr_dump", {"prefix": "mgr dump"}),
    ("mgr_module_ls", {"prefix": "mgr module ls"}),
    ("balancer_status", {"prefix": "balancer status"}),
    ("mon_dump", {"prefix": "mon dump"}),
    ("mon_metadata", {"prefix": "mon metadata"}),
    ("quorum_status", {"prefix": "quorum_status"}),
    ("time_sync_status", {"prefix": "time-sync-status"}),
    ("auth_ls", {"prefix": "auth ls"}),
    ("fs_dump", {"prefix": "fs dump"}),
    ("fs_status", {"prefix": "fs status"}),
)
COMMANDS = dict(READS)

# The fields of each PG of `pg dump pgs` the checks read (the rest is large and unread).
PG_FIELDS = ("pgid", "state", "last_scrub_stamp", "last_deep_scrub_stamp", "up", "acting", "up_primary")
PG_SUM_FIELDS = ("num_objects", "num_large_omap_objects", "num_objects_degraded", "num_objects_unfound")

# Config options whose value is a secret (mgr module passwords, tokens, keys): masked in the bundle.
SECRET_OPTION = re.compile(r"(password|passwd|secret|token|(^|[_/])key$|access_key|api_key|private)", re.I)
MASK = "<masked>"

# cephx key types by the number a key starts with (src/auth/Crypto.h CEPH_CRYPTO_*).
KEY_TYPES = {0: "none", 1: "aes", 2: "aes256k"}


def command_line(name):
    """The `ceph` command line of a read (evidence names the command a value came from)."""
    cmd = COMMANDS.get(name)
    if cmd is None:
        return name
    words = ["ceph"] + cmd["prefix"].split()
    for key, value in cmd.items():
        if key == "prefix":
            continue
        if key == "detail":
            words.append("detail")
        elif key == "output_method":
            words.append(value)
        elif isinstance(value, list):
            words += value
        else:
            words.append(str(value))
    return " ".join(words)


def key_type(key):
    """The cephx key type of a base64 key (its first little-endian 16 bits), never the key."""
    try:
        raw = base64.b64decode(key or "", validate=False)
    except (binascii.Error, ValueError):
        return "unknown"
    if len(raw) < 2:
        return "unknown"
    return KEY_TYPES.get(struct.unpack("<H", raw[:2])[0], "unknown")


def sanitise(name, value):
    """A read's JSON as the bundle keeps it: trimmed, secrets removed."""
    if value is None:
        return None
    if name == "auth_ls":
        entities = []
        for entry in value.get("auth_dump", []):
            entities.append({"entity": entry.get("entity"), "key_type": key_type(entry.get("key")),
                             "caps": entry.get("caps") or {}})
        return {"auth_dump": entities}
    if name == "pg_dump":
        stats = value.get("pg_stats", value) if isinstance(value, dict) else value
        pgs = []
        for pg in stats or []:
            item = dict((k, pg.get(k)) for k in PG_FIELDS)
            item["stat_sum"] = dict((k, (pg.get("stat_sum") or {}).get(k, 0)) for k in PG_SUM_FIELDS)
            pgs.append(item)
        return {"pg_stats": pgs}
    if name == "config_dump":
        return [dict(entry, value=MASK) if SECRET_OPTION.search(entry.get("name", "")) else entry
                for entry in value]
    if name.startswith("config_show."):
        return [{"name": e.get("name"), "value": MASK if SECRET_OPTION.search(e.get("name", "")) else e.get("value"),
                 "source": e.get("source")} for e in value]
    if name == "mgr_dump":
        keep = ("active_name", "active_gid", "available", "standbys", "modules", "always_on_modules",
                "services", "epoch")
        result = dict((k, value.get(k)) for k in keep if k in value)
        result["standbys"] = [{"name": s.get("name"), "gid": s.get("gid")} for s in value.get("standbys", [])]
        result["always_on_modules"] = dict((k, v) for k, v in (value.get("always_on_modules") or {}).items())
        return result
    if name == "mgr_module_ls":
        return {"always_on_modules": value.get("always_on_modules", []),
                "enabled_modules": value.get("enabled_modules", []),
                "disabled_modules": [{"name": m.get("name"), "can_run": m.get("can_run"),
                                      "error_string": m.get("error_string", "")}
                                     for m in value.get("disabled_modules", [])]}
    if name == "crash_ls":
        return [dict((k, c.get(k)) for k in ("crash_id", "timestamp", "entity_name", "archived", "ceph_version")
                     if k in c) for c in value]
    return value


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(reply):
    out = (reply.get("out") or "").strip()
    if reply.get("rc") != 0:
        return None, "rc %s: %s" % (reply.get("rc"), (reply.get("err") or "").strip()[:300] or "no error output")
    if not out:
        return None, "no output"
    try:
        return json.loads(out), None
    except ValueError:
        return None, "not JSON: %s" % out[:120]


def _run_batch(runner, names, cmds, data, errors, stats):
    replies = runner.mon_batch(cmds)
    stats["round_trips"] += 1
    stats["requests"] += len(cmds)
    for name, reply in zip(names, replies):
        value, error = _parse(reply)
        if error:
            errors[name] = "%s: %s" % (command_line(name), error)
            data[name] = None
        else:
            data[name] = sanitise(name, value)


def daemons_to_show(data):
    """The daemons whose running configuration is read (`config show`): every mon and every up OSD."""
    names = []
    for mon in (data.get("mon_dump") or {}).get("mons", []):
        names.append("mon.%s" % mon["name"])
    for osd in (data.get("osd_dump") or {}).get("osds", []):
        if osd.get("up"):
            names.append("osd.%d" % osd["osd"])
    return names


def has_rgw(data):
    """Whether the cluster runs radosgw (a .rgw.root pool): only then are RGW users read (reading them
    otherwise would make radosgw-admin create its pools)."""
    pools = (data.get("osd_dump") or {}).get("pools", [])
    return any(p.get("pool_name") == ".rgw.root" for p in pools)


def rgw_users(runner, stats):
    """The RGW users' quotas and settings (rgw_users.read_info over librados), without any key."""
    from ansible_collections.koor.ceph.plugins.module_utils import rgw_users as _rgw  # pylint: disable=import-outside-toplevel
    before = runner.requests_sent
    users = _rgw.read_info(runner)
    stats["round_trips"] += runner.requests_sent - before
    stats["requests"] += runner.requests_sent - before
    keep = ("uid", "display_name", "suspended", "max_buckets", "caps", "user_quota", "bucket_quota", "subusers")
    return [dict((k, u.get(k)) for k in keep) for u in users]


def collect(runner, collector="koor.ceph.ceph_assessment"):
    """Every read, into the bundle's content: {"format", "collected_at", "collector", "mode", "ceph": {name:
    JSON or None}, "errors": {name: why}, "stats": {requests, round_trips}}. A read that fails is recorded in
    errors (the checks that need it say they could not run); a failure to reach the cluster raises."""
    data, errors = {}, {}
    stats = {"requests": 0, "round_trips": 0}
    collected_at = _now()
    names = [n for n, _c in READS]
    _run_batch(runner, names, [c for _n, c in READS], data, errors, stats)
    shows = daemons_to_show(data)
    _run_batch(runner, ["config_show." + who for who in shows],
               [{"prefix": "config show", "who": who} for who in shows], data, errors, stats)
    if has_rgw(data):
        try:
            data["rgw_users"] = rgw_users(runner, stats)
        except CephError as exc:
            data["rgw_users"] = None
            errors["rgw_users"] = "RGW users: %s" % exc
    return {"format": BUNDLE_FORMAT, "collected_at": collected_at, "collector": collector, "mode": "ceph",
            "transport": runner.transport.describe(), "agent_mode": runner.mode,
            "ceph": data, "errors": errors, "stats": stats}
