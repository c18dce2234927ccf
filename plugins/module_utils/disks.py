# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Block devices of a storage host: discovery and the OSD eligibility verdict.

Discovery costs one ``lsblk`` call, one ``blkid`` call (and one ``pvs`` call when LVM is
installed); the rest is read from /proc, /sys and the first bytes of each disk (BlueStore
labels) without forking. The parsing and classifying functions are pure, for unit tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import json
import os
import re
import socket
import stat as _stat
import struct

from ansible_collections.koor.ceph.plugins.module_utils import units as _units
from ansible_collections.koor.ceph.plugins.module_utils.errors import DiskCommandError, DiskInputError

LSBLK = ["lsblk", "--json", "--output-all", "--bytes", "--tree"]
# Probing without the cache file (-c /dev/null), partition tables included. Not --probe: with
# several devices, low-level mode stops at the first device that has no signature.
BLKID = ["blkid", "-c", "/dev/null", "--output", "export"]
PVS = ["pvs", "--reportformat", "json", "--options", "pv_name,vg_name"]
BOOT_MOUNTS = ("/boot", "/boot/efi", "/efi")
# BlueStore writes its label at 0 and (Ceph 18+) copies at these offsets within the device.
BLUESTORE_OFFSETS = (0, 1 << 30, 10 << 30, 100 << 30, 1000 << 30)
BLUESTORE_MAGIC = b"bluestore block device\n"
# Label metadata that is reported; everything else (osd_key!) is not.
BLUESTORE_META = ("whoami", "ceph_fsid", "ceph_version_when_created", "created_at", "type", "multi")
GIB = 1 << 30
BLKRRPART = 0x125F  # _IO(0x12, 95)
BLKDISCARD = 0x1277  # _IO(0x12, 119)
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEFAULT_MIN_SIZE = 5 * GIB  # ceph-volume refuses smaller devices

# Reasons a device is not eligible, by code. CONTENT reasons are what a wipe clears.
CONTENT_REASONS = ("partitions", "partition_table", "filesystem", "lvm", "bluestore")
BLOCKING_REASONS = ("not_disk", "read_only", "root", "boot", "mounted", "partition_mounted", "swap", "journal", "holders",
                    "in_use", "busy")
# The process name of a Ceph OSD daemon: a BlueStore device it holds open is an OSD running here.
OSD_COMMAND = "ceph-osd"


class DiskHost(object):
    """What discovery needs from the host: commands (module.run_command) and files."""

    def __init__(self, module):
        self.module = module

    def run(self, argv, ok_rcs=(0,)):
        path = self.module.get_bin_path(argv[0])
        if path is None:
            raise DiskCommandError("%s is not installed on %s" % (argv[0], socket.gethostname()), cmd=argv)
        rc, out, err = self.module.run_command([path] + list(argv[1:]), environ_update={"LC_ALL": "C"})
        if rc not in ok_rcs:
            raise DiskCommandError("%s failed (rc=%d): %s" % (" ".join(argv), rc, err.strip()), cmd=" ".join(argv),
                                   rc=rc, stderr=err)
        return out, err

    def has(self, tool):
        return self.module.get_bin_path(tool) is not None

    @staticmethod
    def read(path):
        with open(path) as handle:
            return handle.read()

    # --- what a wipe needs: one exclusive descriptor per device, writes through it --------
    @staticmethod
    def open_exclusive(path, write):
        """os.open with O_EXCL, as ceph-volume does: the kernel refuses (EBUSY) while anything else claims the
        device (a mount in any namespace, swap, a journal, device-mapper, md, another exclusive open)."""
        return os.open(path, (os.O_RDWR if write else os.O_RDONLY) | os.O_EXCL | getattr(os, "O_CLOEXEC", 0))

    @staticmethod
    def write_zeros(fd, offset, length):
        zeros = b"\0" * min(length, 1 << 20)
        done = 0
        while done < length:
            chunk = zeros[:min(len(zeros), length - done)]
            os.lseek(fd, offset + done, os.SEEK_SET)
            done += os.write(fd, chunk)

    @staticmethod
    def flush(fd):
        os.fsync(fd)

    @staticmethod
    def discard(fd, size):
        fcntl.ioctl(fd, BLKDISCARD, struct.pack("=QQ", 0, size))

    @staticmethod
    def reread_partitions(fd):
        fcntl.ioctl(fd, BLKRRPART)

    @staticmethod
    def close(fd):
        os.close(fd)

    @staticmethod
    def read_bytes(path, offset, length):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.lseek(fd, offset, os.SEEK_SET)
            return os.read(fd, length)
        finally:
            os.close(fd)


# --- parsing (pure) -------------------------------------------------------------------
def parse_lsblk(text):
    """lsblk --json --output-all --bytes --tree -> the list of top-level devices (children nested)."""
    data = json.loads(text or "{}")
    return data.get("blockdevices") or []


def parse_blkid(text):
    """blkid --output export (several devices) -> {devname: {KEY: value}}."""
    found = {}
    current = None
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            current = None
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.replace("\\ ", " ")
        if key == "DEVNAME":
            current = found.setdefault(value, {})
        elif current is not None:
            current[key] = value
    return found


def parse_blkid_errors(text):
    """Devices blkid could not decide on (several signatures: 'ambivalent result')."""
    return sorted(set(line.split(":")[0] for line in (text or "").splitlines() if "ambivalent" in line))


def parse_pvs(text):
    """pvs --reportformat json -> {pv path: vg name or ''}."""
    data = json.loads(text or "{}")
    found = {}
    for report in data.get("report", []):
        for pv in report.get("pv", []):
            found[pv.get("pv_name")] = pv.get("vg_name") or ""
    return found


def parse_bluestore_label(data):
    """The first bytes of a device -> the BlueStore label's public fields, or None.

    Layout (bluestore_bdev_label_t): the magic text, the OSD uuid as text and a newline, then
    an encoded struct: u8 version, u8 compat, u32 length, uuid (16 bytes), u64 size,
    utime (u32 s, u32 ns), string description, map<string,string> meta.
    Bytes after the magic that are not such a label give {"malformed": why} (never an exception):
    the device is then not eligible, and discovery of the host's other devices goes on.
    """
    if not data.startswith(BLUESTORE_MAGIC):
        return None
    try:
        return _bluestore_fields(data)
    except (struct.error, ValueError, TypeError, IndexError, OverflowError, UnicodeError) as exc:
        return {"malformed": "unreadable label (%s)" % exc}


def _bluestore_fields(data):
    pos = len(BLUESTORE_MAGIC)
    uuid_text = data[pos:pos + 37]
    if len(uuid_text) < 37 or uuid_text[36:37] != b"\n" or not _UUID_RE.match(uuid_text[:36].decode("ascii", "replace")):
        return {"malformed": "the magic text is not followed by an OSD uuid and a newline"}
    label = {"osd_uuid": uuid_text[:36].decode("ascii")}
    pos += 37
    try:
        pos += 6 + 16
        label["size"] = struct.unpack_from("<Q", data, pos)[0]
        pos += 16  # size, btime
        length = struct.unpack_from("<I", data, pos)[0]
        if pos + 4 + length > len(data):
            raise struct.error("description longer than the label")
        label["description"] = data[pos + 4:pos + 4 + length].decode("utf-8", "replace")
        pos += 4 + length
        count = struct.unpack_from("<I", data, pos)[0]
        pos += 4
        for dummy in range(min(count, 256)):
            klen = struct.unpack_from("<I", data, pos)[0]
            key = data[pos + 4:pos + 4 + klen].decode("utf-8", "replace")
            pos += 4 + klen
            vlen = struct.unpack_from("<I", data, pos)[0]
            value = data[pos + 4:pos + 4 + vlen].decode("utf-8", "replace")
            pos += 4 + vlen
            if key in BLUESTORE_META:
                label[key] = int(value) if key == "whoami" and re.match(r"^[0-9]+$", value) else value
    except struct.error:
        label["truncated"] = True
    return label


def parse_mountinfo(text):
    """/proc/self/mountinfo -> [(mount point, (major, minor), source)]."""
    return [(e["mountpoint"], e["devno"], e["source"]) for e in parse_mountinfo_entries(text) if e["devno"]]


def parse_mountinfo_entries(text):
    """/proc/PID/mountinfo -> [{"mountpoint", "devno", "fstype", "source", "options"}] (super options as a dict)."""
    found = []
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) < 10 or "-" not in fields:
            continue
        sep = fields.index("-")
        if len(fields) < sep + 3:
            continue
        options = {}
        for opt in (fields[sep + 3] if len(fields) > sep + 3 else "").split(","):
            key, dummy, value = opt.partition("=")
            options[key] = value
        found.append({"mountpoint": fields[4].replace("\\040", " "), "devno": parse_devno(fields[2]),
                      "fstype": fields[sep + 1], "source": fields[sep + 2], "options": options})
    return found


def parse_swaps(text):
    """/proc/swaps -> the paths in use as swap."""
    return [line.split()[0].replace("\\040", " ") for line in (text or "").splitlines()[1:] if line.strip()]


def decode_devno(value):
    """A kernel-encoded dev_t (new_encode_dev, as ext4 stores s_journal_dev) -> (major, minor)."""
    return (value & 0xfff00) >> 8, (value & 0xff) | ((value >> 12) & 0xfff00)


def parse_ext4_journal(superblock):
    """An ext[234] superblock (the 1024 bytes at offset 1024) -> (journal uuid hex or None, journal devno or None)
    when the file system keeps its journal on another device; (None, None) otherwise."""
    if len(superblock) < 0xE8 or superblock[0x38:0x3A] != b"\x53\xef":
        return None, None
    journal_inum, journal_dev = struct.unpack_from("<II", superblock, 0xE0)
    uuid = superblock[0xD0:0xE0]
    if journal_inum or not (journal_dev or any(bytearray(uuid))):
        return None, None
    hexed = "".join("%02x" % b for b in bytearray(uuid))
    uuid_text = "-".join((hexed[:8], hexed[8:12], hexed[12:16], hexed[16:20], hexed[20:]))
    return (uuid_text if any(bytearray(uuid)) else None), (decode_devno(journal_dev) if journal_dev else None)


def mounts_elsewhere(tables, own_ns):
    """[(namespace, pid, command, mountinfo text)] of the host's mount namespaces -> {devno: [where]},
    every mount of a block device in a namespace other than own_ns ("is mounted at X in the mount
    namespace of pid N (command)")."""
    found = {}
    for namespace, pid, command, text in tables:
        if namespace == own_ns:
            continue
        for entry in parse_mountinfo_entries(text):
            if entry["devno"] and entry["devno"][0]:
                where = "%s in the mount namespace of pid %d (%s)" % (entry["mountpoint"], pid, command)
                found.setdefault(entry["devno"], [])
                if where not in found[entry["devno"]]:
                    found[entry["devno"]].append(where)
    return found


def mount_tables(proc_root="/proc"):
    """One mountinfo per mount namespace of the host: [(namespace, lowest pid, command, text)].
    Processes that end or deny access are skipped."""
    seen = {}
    try:
        pids = sorted((p for p in os.listdir(proc_root) if p.isdigit()), key=int)
    except OSError:
        return []
    for pid in pids:
        try:
            namespace = os.readlink(os.path.join(proc_root, pid, "ns", "mnt"))
        except OSError:
            continue
        if namespace in seen:
            continue
        try:
            with open(os.path.join(proc_root, pid, "mountinfo")) as handle:
                text = handle.read()
        except (IOError, OSError):
            continue
        seen[namespace] = (namespace, int(pid), _command_of(proc_root, pid) or "?", text)
    return list(seen.values())


def parse_devno(text):
    """'8:16' -> (8, 16); None when it is not a device number."""
    try:
        major, minor = str(text).strip().split(":")
        return int(major), int(minor)
    except (AttributeError, ValueError):
        return None


def _command_of(proc_root, pid):
    """A process's name: /proc/PID/comm, else the base name of argv[0]; None when it is gone."""
    base = os.path.join(proc_root, pid)
    try:
        with open(os.path.join(base, "comm")) as handle:
            comm = handle.read().strip()
        if comm:
            return comm
    except (IOError, OSError):
        pass
    try:
        with open(os.path.join(base, "cmdline"), "rb") as handle:
            argv0 = handle.read().split(b"\0")[0].decode("utf-8", "replace")
    except (IOError, OSError):
        return None
    return os.path.basename(argv0) or None


def open_devices(devnos, proc_root="/proc", stat=os.stat):
    """The processes that have one of the block devices ``devnos`` ((major, minor) pairs) open.

    Scans /proc/PID/fd/*: stat() follows each descriptor to the open file itself, so a device
    opened through a node in another mount namespace (a container's /dev) is found by its
    device number. Processes that end or deny access during the scan are skipped, and so is
    this process. Returns {(major, minor): [{"pid": int, "command": str}]}, sorted by pid.
    """
    wanted = set(devnos)
    found = {}
    if not wanted:
        return found
    me = str(os.getpid())
    try:
        pids = [p for p in os.listdir(proc_root) if p.isdigit() and p != me]
    except OSError:
        return found
    for pid in sorted(pids, key=int):
        fd_dir = os.path.join(proc_root, pid, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        hits = set()
        for fd in fds:
            try:
                st = stat(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if not _stat.S_ISBLK(st.st_mode):
                continue
            devno = (os.major(st.st_rdev), os.minor(st.st_rdev))
            if devno in wanted:
                hits.add(devno)
        if not hits:
            continue
        command = _command_of(proc_root, pid)
        if command is None:
            continue
        for devno in hits:
            found.setdefault(devno, []).append({"pid": int(pid), "command": command})
    return found


def users_of(devices, opened):
    """[(devno, path)] of one disk (itself, its partitions, their holders) and open_devices' result
    -> the disk's in_use_by list: one entry per process, with the paths it has open."""
    by_pid = {}
    for devno, path in devices:
        for proc in opened.get(devno, []):
            entry = by_pid.setdefault(proc["pid"], {"pid": proc["pid"], "command": proc["command"], "devices": []})
            if path not in entry["devices"]:
                entry["devices"].append(path)
    return [by_pid[pid] for pid in sorted(by_pid)]


def osd_running(record):
    """Whether the disk holds an OSD that is running here: a BlueStore label, and open by ceph-osd."""
    label = record.get("bluestore")
    return bool(label) and not label.get("malformed") and any(p["command"] == OSD_COMMAND for p in record.get("in_use_by") or [])


# --- building the device records --------------------------------------------------------
def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip() in ("1", "true", "True")


def _mountpoints(dev):
    points = dev.get("mountpoints")
    if points is None:
        points = [dev.get("mountpoint")]
    return sorted(p for p in points if p)


def device_kind(dev):
    """hdd, ssd, nvme, loop, rom, ram or other."""
    name, kind = dev.get("name") or "", dev.get("type")
    if kind == "loop":
        return "loop"
    if kind == "rom":
        return "rom"
    if name.startswith(("zram", "ram")):
        return "ram"
    if kind != "disk":
        return "other"
    if name.startswith("nvme") or (dev.get("tran") or "") == "nvme":
        return "nvme"
    return "hdd" if _bool(dev.get("rota")) else "ssd"


def signature_of(probe):
    """A blkid record -> the signature names it holds (file system, RAID/LVM member, table)."""
    found = []
    if probe.get("TYPE"):
        found.append(probe["TYPE"])
    if probe.get("PTTYPE"):
        found.append("%s partition table" % probe["PTTYPE"])
    return found


def build_device(dev, probes, pvs, holders, bluestore, root_disks, boot_disks, by_id, discard, ambivalent,
                 in_use_by=None):
    """One top-level lsblk entry and what else was read about it -> the disk_info record.

    in_use_by: users_of() for the disk (the processes that have it, a partition or a holder open)."""
    path = dev.get("path") or "/dev/" + dev["name"]
    probe = probes.get(path, {})
    parts = []
    for child in dev.get("children") or []:
        if child.get("type") != "part":
            continue
        cpath = child.get("path") or "/dev/" + child["name"]
        cprobe = probes.get(cpath, {})
        parts.append({
            "path": cpath, "name": child["name"], "size": int(child.get("size") or 0), "maj_min": child.get("maj:min"),
            "fstype": cprobe.get("TYPE") or child.get("fstype"), "label": cprobe.get("LABEL") or child.get("label"),
            "uuid": cprobe.get("UUID") or child.get("uuid"), "partlabel": child.get("partlabel"),
            "mountpoints": _mountpoints(child), "holders": sorted(holders.get(child["name"], [])),
            "signatures": signature_of(cprobe) + (["ambivalent"] if cpath in ambivalent else []),
        })
    fs = None
    if probe.get("TYPE"):
        fs = {"type": probe["TYPE"], "usage": probe.get("USAGE"), "label": probe.get("LABEL"), "uuid": probe.get("UUID")}
    lvm = None
    pv_paths = [p for p in [path] + [x["path"] for x in parts] if p in pvs]
    lvm_member = probe.get("TYPE") == "LVM2_member" or any(x["fstype"] == "LVM2_member" for x in parts)
    if pv_paths or lvm_member:
        vgs = sorted(set(pvs.get(p, "") for p in pv_paths if pvs.get(p)))
        lvm = {"pvs": pv_paths or [path], "vgs": vgs, "vg_pvs": sorted(p for p, vg in pvs.items() if vg in vgs)}
    record = {
        "path": path, "name": dev["name"], "size": int(dev.get("size") or 0), "type": device_kind(dev),
        "lsblk_type": dev.get("type"), "rotational": _bool(dev.get("rota")), "read_only": _bool(dev.get("ro")),
        "removable": _bool(dev.get("rm")), "model": dev.get("model"), "serial": dev.get("serial"),
        "wwn": dev.get("wwn"), "transport": dev.get("tran"), "maj_min": dev.get("maj:min"),
        "partition_table": probe.get("PTTYPE") or dev.get("pttype"), "partitions": parts,
        "filesystem": fs, "signatures": signature_of(probe) + (["ambivalent"] if path in ambivalent else []),
        "mountpoints": _mountpoints(dev), "holders": sorted(holders.get(dev["name"], [])),
        "lvm": lvm, "bluestore": bluestore, "root": dev["name"] in root_disks, "boot": dev["name"] in boot_disks,
        "by_id": sorted(by_id.get(path, [])), "discard": bool(discard.get(dev["name"])),
        "in_use_by": list(in_use_by or []),
    }
    record["osd_running"] = osd_running(record)
    return record


def _human(size):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(size) < 1024 or unit == "PiB":
            text = ("%.1f" % size).rstrip("0").rstrip(".")
            return "%s %s" % (text, unit)
        size /= 1024.0


def classify(record, min_size=DEFAULT_MIN_SIZE, allow_loop_devices=False):
    """The verdict: (codes, reasons). A device is eligible for an OSD when both are empty."""
    out = []

    def add(code, text):
        out.append((code, text))
    kind = record["type"]
    if record["lsblk_type"] not in ("disk", "loop") or kind in ("rom", "ram"):
        add("not_disk", "is not a whole disk (%s)" % (kind if kind in ("rom", "ram") else record["lsblk_type"]))
    if kind == "loop" and not allow_loop_devices:
        add("loop", "is a loop device (allow_loop_devices is false)")
    if record["read_only"]:
        add("read_only", "is read-only")
    if record["size"] < min_size:
        add("too_small", "is too small (%s, the minimum is %s)" % (_human(record["size"]), _human(min_size)))
    if record["root"]:
        add("root", "holds the root file system")
    if record["boot"]:
        add("boot", "holds the boot file system")
    if record["mountpoints"]:
        add("mounted", "is mounted at %s" % ", ".join(record["mountpoints"]))
    for part in record["partitions"]:
        if part["mountpoints"]:
            add("partition_mounted", "partition %s is mounted at %s" % (part["path"], ", ".join(part["mountpoints"])))
    held = list(record["holders"]) + [h for p in record["partitions"] for h in p["holders"]]
    if held:
        add("holders", "is held by %s" % ", ".join(sorted(set(held))))
    for claim in record.get("claims") or []:
        add(claim["code"], claim["reason"])
    users = record.get("in_use_by") or []
    if users:
        add("in_use", "is in use by %s" % ", ".join("%s (pid %d)" % (p["command"], p["pid"]) for p in users))
    if record["partitions"]:
        add("partitions", "has partitions (%s)" % ", ".join(p["path"] for p in record["partitions"]))
    elif record["partition_table"]:
        add("partition_table", "has a %s partition table" % record["partition_table"])
    fs = record["filesystem"]
    if fs and fs["type"] not in ("LVM2_member", "ceph_bluestore"):
        add("filesystem", "has a %s signature%s" % (fs["type"], ' (label "%s")' % fs["label"] if fs.get("label") else ""))
    part_fs = ["%s on %s" % (p["fstype"], p["path"]) for p in record["partitions"]
               if p["fstype"] and p["fstype"] not in ("LVM2_member",)]
    if part_fs:
        add("filesystem", "has file systems on its partitions (%s)" % ", ".join(part_fs))
    if "ambivalent" in record["signatures"]:
        add("filesystem", "has several signatures (blkid: ambivalent result)")
    if record["lvm"]:
        vgs = record["lvm"]["vgs"]
        add("lvm", "is an LVM physical volume (%s)" % ("volume group %s" % ", ".join(vgs) if vgs else "in no volume group"))
    label = record["bluestore"]
    if label and label.get("malformed"):
        add("bluestore", "has a malformed BlueStore label at %s (%s): a wipe clears it"
            % (_human(label.get("offset", 0)), label["malformed"]))
    elif label:
        where = "" if label.get("offset", 0) == 0 else " (a copy at %s)" % _human(label["offset"])
        add("bluestore", "has a Ceph BlueStore label of osd.%s, cluster %s%s"
            % (label.get("whoami", "?"), label.get("ceph_fsid", "?"), where))
    return [c for c, t in out], [t for c, t in out]


# --- discovery (reads the host) ---------------------------------------------------------
def _sys_list(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def _disks_of_devno(host, devno, seen=None):
    """Whole-disk names under a device number: partition -> its disk, dm/md -> their slaves."""
    seen = seen if seen is not None else set()
    path = "/sys/dev/block/%d:%d" % devno
    real = os.path.realpath(path)
    if not os.path.exists(real) or real in seen:
        return set()
    seen.add(real)
    if os.path.exists(os.path.join(real, "partition")):
        return {os.path.basename(os.path.dirname(real))}
    slaves = _sys_list(os.path.join(real, "slaves"))
    if not slaves:
        return {os.path.basename(real)}
    found = set()
    for slave in slaves:
        try:
            major, minor = host.read(os.path.join(real, "slaves", slave, "dev")).strip().split(":")
        except (OSError, ValueError):
            continue
        found |= _disks_of_devno(host, (int(major), int(minor)), seen)
    return found


def system_disks(host, mountinfo):
    """({disks holding /}, {disks holding /boot...}) from the mount table."""
    root, boot = set(), set()
    for point, devno, source in parse_mountinfo(mountinfo):
        if point != "/" and point not in BOOT_MOUNTS:
            continue
        numbers = [devno]
        if devno[0] == 0 and source.startswith("/dev/"):  # btrfs and friends: anonymous device numbers
            try:
                rdev = os.stat(source).st_rdev
                numbers.append((os.major(rdev), os.minor(rdev)))
            except OSError:
                pass
        disks = set()
        for number in numbers:
            disks |= _disks_of_devno(host, number)
        (root if point == "/" else boot).update(disks)
    return root, boot


def _holders(names):
    found = {}
    for name, sys_path in names:
        held = []
        for holder in _sys_list(os.path.join(sys_path, "holders")):
            dm_name = None
            try:
                with open("/sys/block/%s/dm/name" % holder) as handle:
                    dm_name = handle.read().strip()
            except OSError:
                pass
            held.append(dm_name or holder)
        if held:
            found[name] = held
    return found


def _by_id():
    found = {}
    for directory in ("/dev/disk/by-id", "/dev/disk/by-path"):
        for link in _sys_list(directory):
            path = os.path.join(directory, link)
            found.setdefault(os.path.realpath(path), []).append(path)
    return found


def _holder_devnos(sys_path):
    """[(devno, /dev/name)] of the devices built on a disk or partition (device-mapper, md)."""
    found = []
    for holder in _sys_list(os.path.join(sys_path, "holders")):
        try:
            with open(os.path.join(sys_path, "holders", holder, "dev")) as handle:
                devno = parse_devno(handle.read())
        except (IOError, OSError):
            continue
        if devno:
            found.append((devno, "/dev/" + holder))
    return found


def _device_numbers(dev):
    """[(devno, path)] of a top-level lsblk entry: itself, its partitions and their holders."""
    found = []
    entries = [(dev, "/sys/block/%s" % dev["name"])]
    entries += [(c, "/sys/block/%s/%s" % (dev["name"], c["name"])) for c in dev.get("children") or []
                if c.get("type") == "part"]
    for entry, sys_path in entries:
        devno = parse_devno(entry.get("maj:min"))
        if devno:
            found.append((devno, entry.get("path") or "/dev/" + entry["name"]))
        found += _holder_devnos(sys_path)
    return found


def read_bluestore(host, path, size):
    """The first BlueStore label found at the label offsets within the device, or None."""
    for offset in BLUESTORE_OFFSETS:
        if offset + 4096 > size:
            break
        try:
            label = parse_bluestore_label(host.read_bytes(path, offset, 4096))
        except OSError:
            return None
        if label:
            label["offset"] = offset
            return label
    return None


def _devno_of(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (os.major(st.st_rdev), os.minor(st.st_rdev)) if _stat.S_ISBLK(st.st_mode) else None


def kernel_claims(host, numbers, probes):
    """What the kernel holds a device for besides this namespace's mounts: {devno: [(code, text)]}.

    - mounts in every other mount namespace (/proc/PID/mountinfo of one process per namespace);
    - swap (/proc/swaps);
    - the external journal of a mounted ext2/3/4 (its superblock's journal uuid or device) and the
      external log of a mounted XFS (its logdev option), in any namespace.
    """
    found = {}
    paths = dict((n, p) for devs in numbers.values() for n, p in devs)
    try:
        own = os.readlink("/proc/self/ns/mnt")
    except OSError:
        own = None
    tables = mount_tables()
    for devno, places in mounts_elsewhere(tables, own).items():
        for where in places:
            found.setdefault(devno, []).append(("mounted", "is mounted at %s" % where))
    try:
        swaps = parse_swaps(host.read("/proc/swaps"))
    except (IOError, OSError):
        swaps = []
    for path in swaps:
        devno = _devno_of(path)
        if devno:
            found.setdefault(devno, []).append(("swap", "is in use as swap (%s in /proc/swaps)" % path))
    jbd = dict((probe.get("UUID"), path) for path, probe in probes.items() if probe.get("TYPE") == "jbd")
    by_path = dict((p, n) for n, p in paths.items())
    for namespace, pid, command, text in tables:
        for entry in parse_mountinfo_entries(text):
            what = "the %s on %s mounted at %s%s" % (entry["fstype"], entry["source"], entry["mountpoint"],
                                                     "" if namespace == own else " (mount namespace of pid %d)" % pid)
            if entry["fstype"] in ("ext2", "ext3", "ext4") and entry["devno"] in paths:
                try:
                    uuid, jdev = parse_ext4_journal(host.read_bytes(paths[entry["devno"]], 1024, 1024))
                except (IOError, OSError):
                    continue
                target = jdev if jdev in paths else by_path.get(jbd.get(uuid))
                if target:
                    text_ = "is the external journal of %s" % what
                    if ("journal", text_) not in found.get(target, []):
                        found.setdefault(target, []).append(("journal", text_))
            elif entry["fstype"] == "xfs" and entry["options"].get("logdev"):
                target = _devno_of(entry["options"]["logdev"])
                if target:
                    text_ = "is the external log of %s" % what
                    if ("journal", text_) not in found.get(target, []):
                        found.setdefault(target, []).append(("journal", text_))
    return found


def claims_of(devices, claims):
    """[(devno, path)] of one disk and kernel_claims' result -> [{"code", "reason"}] naming the device."""
    out = []
    for devno, path in devices:
        for code, text in claims.get(devno, []):
            out.append({"code": code, "reason": "%s %s" % (path, text)})
    return out


def discover(host):
    """Every block device of the host, with what discovery found out. Returns (records, raw)."""
    tree = parse_lsblk(host.run(LSBLK)[0])
    paths, sys_names = [], []
    for dev in tree:
        paths.append(dev.get("path") or "/dev/" + dev["name"])
        sys_names.append((dev["name"], "/sys/block/%s" % dev["name"]))
        for child in dev.get("children") or []:
            if child.get("type") == "part":
                paths.append(child.get("path") or "/dev/" + child["name"])
                sys_names.append((child["name"], "/sys/block/%s/%s" % (dev["name"], child["name"])))
    probes, ambivalent = {}, []
    existing = [p for p in paths if os.path.exists(p)]
    if existing:
        # rc 2: some device has no signature at all; output for the others is complete.
        out, err = host.run(BLKID + existing, ok_rcs=(0, 2))
        probes = parse_blkid(out)
        ambivalent = parse_blkid_errors(err)
    pvs = {}
    if host.has("pvs") and any(p.get("TYPE") == "LVM2_member" for p in probes.values()):
        pvs = parse_pvs(host.run(PVS)[0])
    holders = _holders(sys_names)
    root, boot = system_disks(host, host.read("/proc/self/mountinfo"))
    by_id = _by_id()
    numbers = dict((dev["name"], _device_numbers(dev)) for dev in tree)
    opened = open_devices(set(n for devs in numbers.values() for n, p in devs))
    claims = kernel_claims(host, numbers, probes)
    records = []
    for dev in tree:
        path = dev.get("path") or "/dev/" + dev["name"]
        size = int(dev.get("size") or 0)
        try:
            label = read_bluestore(host, path, size) if dev.get("type") in ("disk", "loop") and size else None
        except Exception as exc:  # pylint: disable=broad-except  # one odd disk never fails the others' discovery
            label = {"offset": 0, "malformed": "unreadable label (%s)" % exc}
        try:
            discard = int(host.read("/sys/block/%s/queue/discard_max_bytes" % dev["name"]).strip()) > 0
        except (OSError, ValueError):
            discard = False
        record = build_device(dev, probes, pvs, holders, label, root, boot, by_id, {dev["name"]: discard},
                              ambivalent, users_of(numbers[dev["name"]], opened))
        record["claims"] = claims_of(numbers[dev["name"]], claims)
        records.append(record)
    return sorted(records, key=lambda r: _natural(r["name"]))


def _natural(name):
    head = name.rstrip("0123456789")
    tail = name[len(head):]
    return (head, int(tail) if tail else -1)


def info(host, params):
    """The disk_info module's result."""
    min_size = params.get("min_size") or DEFAULT_MIN_SIZE
    records = discover(host)
    for record in records:
        codes, reasons = classify(record, min_size=min_size, allow_loop_devices=params.get("allow_loop_devices"))
        record["eligible"] = not codes
        record["reason_codes"] = codes
        record["reasons"] = reasons
    wanted = params.get("devices")
    missing = []
    if wanted:
        index = {}
        for record in records:
            for alias in [record["path"]] + record["by_id"]:
                index[alias] = record
        chosen = []
        for path in wanted:
            record = index.get(path) or index.get(os.path.realpath(path))
            if record is None:
                missing.append(path)
            elif record not in chosen:
                chosen.append(record)
        records = chosen
    return {
        "hostname": socket.gethostname(),
        "disks": records,
        "eligible": [r["path"] for r in records if r["eligible"]],
        "missing": missing,
    }


def size_option(name, value):
    """A size option ('5GiB', '100G' = 100 GiB, '1073741824') -> bytes; DiskInputError if it is not one."""
    try:
        size = _units.to_bytes(value, binary_si=True)
    except (ValueError, TypeError) as exc:
        raise DiskInputError("%s: %s" % (name, exc))
    if size < 0:
        raise DiskInputError("%s: %s is negative" % (name, value))
    return size
