# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wiping disks for Rook the way Rook's cleanup guide does, behind every safety check.

Order: check the input and the confirmation, discover the host, refuse the whole run if any
listed device is unsafe (mounted in any mount namespace, swap, an external journal or log, held,
open in a process, in a volume group spanning unlisted disks: see disks.classify). Then every
device is opened exclusively (O_EXCL; EBUSY is a refusal naming the holder) and held until its
partition table has been re-read; with the devices held the host is read and checked again, so a
device mounted after the first look is refused. Check mode does the same, read-only. The writes go
through the held descriptor: zeros over each signature wipefs reports, 200 KiB at 0, 1, 10, 100
and 1000 GiB (the BlueStore label copies, the MBR and primary GPT), the last MiB (the backup GPT),
BLKDISCARD where the device supports discard, then BLKRRPART. Clean devices are left alone. A
write that fails marks the error as having written (the module reports changed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
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


def parse_wipefs(text):
    """wipefs --no-act --json -> [(kernel name, offset)] of every signature it found."""
    data = json.loads(text or "{}")
    return [(sig.get("device"), int(str(sig.get("offset")), 0)) for sig in data.get("signatures") or []]


def zero_ranges(record, signatures, starts):
    """Where one device is zeroed: [(offset, length, what)], sorted, within the device.

    signatures: parse_wipefs() of the disk and its partitions; starts: {partition name: first byte}.
    The 200 KiB at BlueStore's label offsets (0 holds the MBR and the primary GPT), the last MiB (the
    backup GPT), and 8 KiB around every signature blkid reports on the disk or its partitions."""
    size = record["size"]
    ranges = []
    for offset in ZERO_OFFSETS:
        if offset < size:
            ranges.append((offset, min(ZERO_KIB << 10, size - offset), "label offset"))
    if size > (1 << 20):
        ranges.append((size - (1 << 20), 1 << 20, "backup GPT"))
    for name, offset in signatures:
        base = 0 if name == record["name"] else starts.get(name)
        if base is None:
            continue
        at = (base + offset) - (base + offset) % 4096
        if at < size:
            ranges.append((at, min(8192, size - at), "signature"))
    merged = []
    for offset, length, what in sorted(ranges):
        if merged and offset <= merged[-1][0] + merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], offset + length - last[0]), last[2])
        else:
            merged.append((offset, length, what))
    return merged


def steps_for(record, ranges):
    """The wipe of one device through its exclusive descriptor, as [(step, text)] (the RV commands)."""
    path = record["path"]
    steps = [("zero", (offset, length), "zero %s bytes %d-%d (%s)" % (path, offset, offset + length - 1, what))
             for offset, length, what in ranges]
    if record["discard"]:
        steps.append(("discard", None, "discard %s (BLKDISCARD)" % path))
    steps.append(("reread", None, "re-read the partition table of %s (BLKRRPART)" % path))
    return steps


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


def _missing_message(hostname, missing, records):
    """Paths that are not a disk of this host; a partition is named as such, with its disk."""
    parts = {}
    for record in records:
        for part in record["partitions"]:
            parts[part["path"]] = record["path"]
    words = []
    for path in missing:
        disk = parts.get(path) or parts.get(os.path.realpath(path))
        if disk:
            words.append("%s is a partition of %s: disk_wipe wipes whole disks only (list %s to wipe the whole disk, "
                         "every partition on it included)" % (path, disk, disk))
        else:
            words.append("%s is not a block device of %s (its disks: %s)"
                         % (path, hostname, ", ".join(r["path"] for r in records if r["lsblk_type"] in ("disk", "loop"))
                            or "none"))
    return "; ".join(words) + "; nothing was wiped"


def _refuse(hostname, refused, when=""):
    raise DiskRefusedError("refusing to wipe on %s%s, nothing was wiped: %s"
                           % (hostname, when, "; ".join("%s %s" % (p, ", ".join(r)) for p, r in refused.items())),
                           refused=refused)


def _check(host, params, records, hostname):
    """The devices listed, as [(path, record)], or a refusal of the whole run."""
    index = _index(records)
    allowed = set(os.path.realpath(p) for p in params.get("allow") or [])
    chosen, refused, missing = [], {}, []
    for path in params["devices"]:
        record = index.get(path) or index.get(os.path.realpath(path))
        if record is None:
            missing.append(path)
            continue
        chosen.append((path, record))
    if missing:
        raise DiskInputError(_missing_message(hostname, missing, records))
    busy = _in_use_dm(host, [r for p, r in chosen])
    listed = set(r["path"] for p, r in chosen)
    disk_of = {}
    for record in records:
        disk_of[record["path"]] = record["path"]
        for part in record["partitions"]:
            disk_of[part["path"]] = record["path"]
    for path, record in chosen:
        reasons = refusals(record, os.path.realpath(path) in allowed or record["path"] in allowed, busy)
        lvm = record.get("lvm") or {}
        others = sorted(set(disk_of.get(pv, pv) for pv in lvm.get("vg_pvs") or []) - listed)
        if others:
            reasons.append("is in LVM volume group %s, which also spans %s (not listed): remove the volume group "
                           "(vgremove) or list every disk of it" % (", ".join(lvm.get("vgs") or []), ", ".join(others)))
        if reasons:
            refused[path] = reasons
    if refused:
        _refuse(hostname, refused)
    return chosen


def _claim(host, chosen, write):
    """Opens every device exclusively. Returns {path: fd}, or closes what it opened and returns the EBUSY ones."""
    held, busy = {}, []
    for path, record in chosen:
        try:
            held[record["path"]] = host.open_exclusive(record["path"], write)
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                _release(host, held)
                raise DiskCommandError("cannot open %s exclusively: %s; nothing was wiped" % (record["path"], exc))
            busy.append(path)
    if busy:
        _release(host, held)
        return None, busy
    return held, []


def _release(host, held):
    for fd in held.values():
        try:
            host.close(fd)
        except OSError:
            pass


def _holders_named(record):
    """What a discovery says holds a device, in words (for an EBUSY refusal)."""
    codes, texts = _disks.classify(record, min_size=0, allow_loop_devices=True)
    named = [t for c, t in zip(codes, texts) if c in _disks.BLOCKING_REASONS]
    return named


def apply(host, params, check_mode):
    """Refuse or wipe. Returns the module result; raises DiskInputError/DiskRefusedError before
    any write, DiskCommandError when a write fails (with the steps done so far).

    Every device is held open with O_EXCL (in check mode too, read-only) from before the first write
    until after the partition table is re-read; with the devices held, the host is read again and
    every check made again, so a device mounted (or taken) after the first look is refused."""
    validate(params)
    hostname = socket.gethostname()
    chosen = _check(host, params, _disks.discover(host), hostname)
    if not check_mode:  # unused ceph-* mappings hold the disk: they go before the exclusive open
        for path, record in chosen:
            for name in ceph_dm_holders(record):
                host.run(["dmsetup", "remove", name])
    held, busy = _claim(host, chosen, not check_mode)
    if busy:
        index = _index(_disks.discover(host))
        refused = {}
        for path in busy:
            record = index.get(os.path.realpath(path)) or index.get(path)
            named = _holders_named(record) if record else []
            refused[path] = ["is claimed by something else (an exclusive open gives EBUSY): %s" % (
                ", ".join(named) if named else
                "nothing this module can name (not a mount in any namespace, swap, a journal or log, a holder or a "
                "process); find it with lsof, dmsetup ls, cat /proc/mdstat, then free the disk and run again")]
        _refuse(hostname, refused)
    try:
        return _wipe_held(host, params, check_mode, hostname, held)
    finally:
        _release(host, held)


def _wipe_held(host, params, check_mode, hostname, held):
    """The checks again and the writes, with every device held exclusively."""
    try:
        chosen = _check(host, params, _disks.discover(host), hostname)
    except DiskRefusedError as exc:
        exc.msg = exc.msg.replace("refusing to wipe on %s" % hostname,
                                  "refusing to wipe on %s (checked again with the disks held exclusively)" % hostname, 1)
        raise
    plan, before, after = [], {}, {}
    dirty = [record for _path, record in chosen if not is_clean(record)]
    # one look for every signature of the dirty disks and their partitions (zero_ranges keeps each disk's own)
    names = [n for record in dirty for n in [record["path"]] + [p["path"] for p in record["partitions"]]]
    signatures = parse_wipefs(host.run(["wipefs", "--no-act", "--json"] + names)[0]) if names else []
    for path, record in chosen:
        before[record["path"]] = state_of(record)
        if is_clean(record):
            after[record["path"]] = state_of(record)
            continue
        after[record["path"]] = {"signatures": [], "partitions": [], "bluestore": False, "ceph_dm": []}
        starts = {}
        for part in record["partitions"]:
            try:
                starts[part["name"]] = int(host.read("/sys/class/block/%s/start" % part["name"]).strip()) * 512
            except (IOError, OSError, ValueError):
                pass
        plan.append((record, steps_for(record, zero_ranges(record, signatures, starts))))
    commands = []
    result = {"changed": bool(plan), "wiped": [r["path"] for r, c in plan],
              "unchanged": [r["path"] for p, r in chosen if r["path"] not in [x["path"] for x, c in plan]],
              "commands": commands, "diff": {"before": before, "after": after}}
    for record, steps in plan:
        fd = held[record["path"]]
        for step, arg, text in steps:
            commands.append(text)
            if check_mode:
                continue
            try:
                if step == "zero":
                    host.write_zeros(fd, arg[0], arg[1])
                elif step == "discard":
                    host.flush(fd)
                    try:
                        host.discard(fd, record["size"])
                    except OSError as exc:  # advertised but refused: the zeros are written
                        result.setdefault("warnings", []).append("%s: %s" % (text, exc))
                else:
                    host.flush(fd)
                    try:
                        host.reread_partitions(fd)
                    except OSError as exc:
                        if exc.errno != errno.EINVAL:  # EINVAL: a device without partition support
                            raise
            except OSError as exc:
                raise _failed(text, exc, record, commands)
    if plan and not check_mode:
        _release(host, held)
        held.clear()
        again = _index(_disks.discover(host))
        dirty = [r["path"] for r, c in plan if not is_clean(again[r["path"]])]
        if dirty:
            error = DiskCommandError("%s still carry signatures after the wipe: %s"
                                     % (", ".join(dirty), "; ".join("%s %s" % (p, state_of(again[p])) for p in dirty)))
            error.commands, error.wrote = commands, True
            raise error
    return result


def _failed(text, exc, record, commands):
    error = DiskCommandError("%s failed: %s; wiping %s stopped there" % (text, exc, record["path"]), cmd=text)
    error.commands = commands
    error.wrote = True  # the steps before it ran, and the failed one may have written part of its range
    return error
