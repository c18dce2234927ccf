# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wiping disks for Rook the way Rook's cleanup guide does, behind every safety check.

Order: check the input and the confirmation, discover the host once, refuse the whole run
if any listed device is unsafe (nothing is written before every device passed; a device that
a process has open, such as a running ceph-osd, is unsafe: disks.open_devices), then per
device: remove ceph-* device-mapper leftovers on it, wipe its partitions' signatures,
``sgdisk --zap-all``, ``wipefs --all --force``, 200 KiB of zeros at 0, 1, 10, 100 and 1000 GiB
(where within the device), ``blkdiscard`` where the device supports discard, and a
re-read of its partition table. Devices that are already clean are left alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket

from ansible_collections.koor.ceph.plugins.module_utils import disks as _disks
from ansible_collections.koor.ceph.plugins.module_utils.errors import DiskCommandError, DiskInputError, DiskRefusedError

CONFIRM = "yes-i-really-really-mean-it"
ZERO_OFFSETS = (0, 1 << 30, 10 << 30, 100 << 30, 1000 << 30)
ZERO_KIB = 200
CEPH_DM_PREFIX = "ceph--"


def validate(params):
    """Checks that need no look at the host. Raises DiskInputError."""
    if params.get("confirm") != CONFIRM:
        raise DiskInputError("refusing to wipe anything: set confirm to %r to destroy the data on %s"
                             % (CONFIRM, ", ".join(params.get("devices") or []) or "the listed devices"))
    devices = params.get("devices") or []
    if not devices:
        raise DiskInputError("devices must list at least one device to wipe")
    seen, dupes = {}, []
    for path in devices:
        real = os.path.realpath(path)
        if real in seen:
            dupes.append("%s (same device as %s)" % (path, seen[real]) if path != seen[real] else path)
        seen.setdefault(real, path)
    if dupes:
        raise DiskInputError("devices lists %s more than once" % ", ".join(dupes))


def ceph_dm_holders(record):
    """Holders of the device or its partitions that are ceph-* device-mapper leftovers."""
    held = list(record["holders"]) + [h for p in record["partitions"] for h in p["holders"]]
    return sorted(set(h for h in held if h.startswith(CEPH_DM_PREFIX)))


def refusals(record, allowed, in_use_dm):
    """Every reason the device must not be wiped (empty: it may be)."""
    reasons = []
    if not allowed:
        reasons.append("is not in the allow list")
    codes, texts = _disks.classify(record, min_size=0, allow_loop_devices=True)
    for code, text in zip(codes, texts):
        if code == "holders":
            other = [h for h in set(record["holders"] + [x for p in record["partitions"] for x in p["holders"]])
                     if not h.startswith(CEPH_DM_PREFIX) or h in in_use_dm]
            if other:
                reasons.append("is held by %s" % ", ".join(sorted(other)))
        elif code in _disks.BLOCKING_REASONS:
            reasons.append(text)
    return reasons


def is_clean(record):
    return not (record["signatures"] or record["partition_table"] or record["partitions"] or record["bluestore"]
                or record["lvm"] or ceph_dm_holders(record))


def state_of(record):
    """The managed fields, for the diff."""
    return {
        "signatures": list(record["signatures"]),
        "partitions": [p["path"] for p in record["partitions"]],
        "bluestore": bool(record["bluestore"]),
        "ceph_dm": ceph_dm_holders(record),
    }


def commands_for(record, has_tool):
    """The commands that wipe one device (record from disks.discover)."""
    path, size = record["path"], record["size"]
    cmds = [["dmsetup", "remove", name] for name in ceph_dm_holders(record)]
    cmds += [["wipefs", "--all", "--force", part["path"]] for part in record["partitions"] if part["signatures"]]
    cmds.append(["sgdisk", "--zap-all", path])
    cmds.append(["wipefs", "--all", "--force", path])
    for offset in ZERO_OFFSETS:
        if offset >= size:
            break
        count = min(ZERO_KIB, (size - offset) // 1024)
        if count:
            cmds.append(["dd", "if=/dev/zero", "of=%s" % path, "bs=1K", "count=%d" % count,
                         "seek=%d" % (offset // 1024), "oflag=direct,dsync", "status=none"])
    if record["discard"] and has_tool("blkdiscard"):
        cmds.append(["blkdiscard", path])
    if has_tool("partprobe"):
        cmds.append(["partprobe", path])
    else:
        cmds.append(["blockdev", "--rereadpt", path])
    return cmds


def _in_use_dm(host, records):
    """ceph-* mappings that are open or mounted (not leftovers): these block a wipe."""
    names = set()
    for record in records:
        names.update(ceph_dm_holders(record))
    if not names:
        return set()
    if not host.has("dmsetup"):
        return set(names)  # cannot check, so cannot remove: refuse
    out = host.run(["dmsetup", "info", "--columns", "--noheadings", "--separator", ";", "--options", "name,open"])[0]
    busy = set()
    for line in out.splitlines():
        parts = line.strip().split(";")
        if len(parts) == 2 and parts[0] in names and parts[1].strip() not in ("0", ""):
            busy.add(parts[0])
    return busy


def _index(records):
    index = {}
    for record in records:
        for alias in [record["path"]] + record["by_id"]:
            index[alias] = record
    return index


def apply(host, params, check_mode):
    """Refuse or wipe. Returns the module result; raises DiskInputError/DiskRefusedError before
    any write, DiskCommandError when a command fails (with the commands run so far)."""
    validate(params)
    records = _disks.discover(host)
    index = _index(records)
    hostname = socket.gethostname()
    allowed = set(os.path.realpath(p) for p in params.get("allow") or [])
    chosen, refused, missing = [], {}, []
    for path in params["devices"]:
        record = index.get(path) or index.get(os.path.realpath(path))
        if record is None:
            missing.append(path)
            continue
        chosen.append((path, record))
    if missing:
        raise DiskInputError("not a block device of %s: %s (its disks: %s); nothing was wiped"
                             % (hostname, ", ".join(missing),
                                ", ".join(r["path"] for r in records if r["lsblk_type"] in ("disk", "loop")) or "none"))
    busy = _in_use_dm(host, [r for p, r in chosen])
    for path, record in chosen:
        reasons = refusals(record, os.path.realpath(path) in allowed or record["path"] in allowed, busy)
        if reasons:
            refused[path] = reasons
    if refused:
        raise DiskRefusedError(
            "refusing to wipe on %s, nothing was wiped: %s"
            % (hostname, "; ".join("%s %s" % (p, ", ".join(r)) for p, r in refused.items())), refused=refused)
    plan, before, after = [], {}, {}
    for path, record in chosen:
        before[record["path"]] = state_of(record)
        if is_clean(record):
            after[record["path"]] = state_of(record)
            continue
        after[record["path"]] = {"signatures": [], "partitions": [], "bluestore": False, "ceph_dm": []}
        plan.append((record, commands_for(record, host.has)))
    commands = []
    result = {"changed": bool(plan), "wiped": [r["path"] for r, c in plan],
              "unchanged": [r["path"] for p, r in chosen if r["path"] not in [x["path"] for x, c in plan]],
              "commands": commands, "diff": {"before": before, "after": after}}
    for record, cmds in plan:
        for argv in cmds:
            commands.append(" ".join(argv))
            if check_mode:
                continue
            try:
                host.run(argv)
            except DiskCommandError as exc:
                if argv[0] == "blkdiscard":  # advertised but refused: the zeros are already written
                    result.setdefault("warnings", []).append("%s: %s" % (" ".join(argv), exc.msg))
                    continue
                exc.msg = "%s; wiping %s stopped there" % (exc.msg, record["path"])
                exc.commands = commands
                raise
    if plan and not check_mode:
        again = _index(_disks.discover(host))
        dirty = [r["path"] for r, c in plan if not is_clean(again[r["path"]])]
        if dirty:
            raise DiskCommandError("%s still carry signatures after the wipe: %s"
                                   % (", ".join(dirty), "; ".join("%s %s" % (p, state_of(again[p])) for p in dirty)))
    return result
