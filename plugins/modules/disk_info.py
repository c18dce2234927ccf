#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: disk_info
short_description: Block devices of a storage host and whether each can become a Ceph OSD
version_added: 0.1.0
description:
  - Runs on the storage host (over SSH) and reports every block device with its size, type, partitions,
    file systems and labels, mounts, holders, LVM membership, Ceph BlueStore labels and whether it holds the
    root or boot file system.
  - Gives each whole disk a verdict, RV(disks[].eligible), with every reason that makes it unfit for an OSD, by
    the same rules Rook and ceph-volume apply (no partitions, no file system or other signature, not an LVM
    physical volume, not mounted, no holders, big enough, not read-only), plus the host's root and boot disks.
  - Finds the processes that have a disk, one of its partitions or a device built on it open (RV(disks[].in_use_by)),
    by the device numbers of the files open in C(/proc/PID/fd), so that a device opened inside a container is found
    too. A disk in use is not eligible. A disk with a BlueStore label that a C(ceph-osd) process has open holds an
    OSD running on this host (RV(disks[].osd_running)).
  - Also reports what the kernel holds a disk for beyond this namespace's mounts (RV(disks[].claims)), that is a mount in
    any other mount namespace, swap, the external journal or log of a mounted file system. Such a disk is not eligible.
  - A malformed BlueStore label (the magic followed by anything that is not a label) makes that disk not eligible
    (reason code V(bluestore), C(malformed) in RV(disks[].bluestore)); it never fails the discovery of the other disks.
  - Costs one C(lsblk) and one C(blkid) call (plus one C(pvs) call when an LVM signature is found), whatever the
    number of devices, and one scan of C(/proc); BlueStore labels are read directly from the first bytes of each disk, so Ceph need not be
    installed on the host.
  - Needs root (to probe devices) and C(lsblk) and C(blkid) from util-linux.
  - The role C(koor.ceph.disk_prep) uses it to check storage hosts before Rook creates OSDs.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
options:
  devices:
    description:
      - Report only these devices (paths such as C(/dev/sdb) or C(/dev/disk/by-id/...) links), in this order.
        Paths that are not a block device of the host are listed in RV(missing).
      - By default every device is reported.
    type: list
    elements: path
  min_size:
    description:
      - The smallest device that is eligible, in bytes or as a size such as C(5GiB) or C(100G) (powers of 1024).
      - The default is ceph-volume's minimum.
    type: str
    default: 5GiB
  allow_loop_devices:
    description:
      - Loop devices are not eligible unless this is V(true) (as Rook's C(ROOK_CEPH_ALLOW_LOOP_DEVICES)).
    type: bool
    default: false
notes:
  - A device is I(clean) when C(blkid) finds no signature on it (no partition table, file system, LVM or RAID member,
    BlueStore), it has no partitions, and no BlueStore label is found at 0, 1, 10, 100 or 1000 GiB.
seealso:
  - module: koor.ceph.disk_wipe
"""

EXAMPLES = r"""
- name: Every block device of the host
  koor.ceph.disk_info:
  register: disks

- name: The devices meant for OSDs, with their verdict
  koor.ceph.disk_info:
    devices: [/dev/sdb, /dev/sdc]
    min_size: 100GiB
  register: osd_disks

- name: Stop when one of them is not fit
  ansible.builtin.assert:
    that: osd_disks.disks | rejectattr('eligible') | list | length == 0 and osd_disks.missing == []
    fail_msg: "{{ osd_disks.disks | rejectattr('eligible') | map(attribute='reasons') | list }}"
"""

RETURN = r"""
hostname:
  description: The host's name (as the kernel knows it; Kubernetes' default node name).
  returned: always
  type: str
  sample: storage-1
disks:
  description: Whole disks (and other top-level block devices), sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Device path.
      type: str
      sample: /dev/sdb
    name:
      description: Kernel name.
      type: str
      sample: sdb
    size:
      description: Size in bytes.
      type: int
      sample: 10737418240
    type:
      description: V(hdd), V(ssd), V(nvme), V(loop), V(rom), V(ram) or V(other).
      type: str
    lsblk_type:
      description: The type lsblk reports (disk, loop, rom, ...).
      type: str
    rotational:
      description: Whether the kernel reports a rotational device.
      type: bool
    read_only:
      description: Whether the device is read-only.
      type: bool
    removable:
      description: Whether the device is removable.
      type: bool
    model:
      description: Model, when the device reports one.
      type: str
    serial:
      description: Serial number, when the device reports one.
      type: str
    wwn:
      description: World wide name, when the device reports one.
      type: str
    transport:
      description: Transport (sata, sas, nvme, usb, ...).
      type: str
    maj_min:
      description: Major and minor device number.
      type: str
      sample: "8:16"
    partition_table:
      description: Partition table type (gpt, dos) or null.
      type: str
    partitions:
      description:
        - Partitions with path, name, size, maj_min, fstype, label, uuid, partlabel, mountpoints, holders, signatures.
      type: list
      elements: dict
    filesystem:
      description: The signature on the whole device (type, usage, label, uuid) or null.
      type: dict
    signatures:
      description: Signatures blkid found on the whole device.
      type: list
      elements: str
    mountpoints:
      description: Where the device itself is mounted (C([SWAP]) for swap).
      type: list
      elements: str
    holders:
      description: Device-mapper names (or kernel names) of devices built on it.
      type: list
      elements: str
    lvm:
      description: C(pvs) (physical volumes on it) and C(vgs) (their volume groups), or null.
      type: dict
    bluestore:
      description:
        - The BlueStore label (osd_uuid, whoami, ceph_fsid, size, description, created_at, ceph_version_when_created,
          offset), or null. The OSD's key in the label is never returned.
        - A label that cannot be read has only C(offset) and C(malformed) (why).
      type: dict
    claims:
      description:
        - What the kernel holds the disk or a partition of it for, besides this namespace's mounts (RV(disks[].mountpoints)),
          as C(code) (V(mounted) in another mount namespace, V(swap), V(journal) for an external journal or log of a
          mounted file system) and C(reason) in words.
      type: list
      elements: dict
    in_use_by:
      description:
        - The processes that have the disk, one of its partitions or a device built on it (device-mapper, md) open,
          sorted by pid; empty when none has. Processes that end or deny access while C(/proc) is read are left out.
        - A mounted file system or swap is not a process; see RV(disks[].mountpoints).
      type: list
      elements: dict
      contains:
        pid:
          description: The process id (as the host's C(/proc) sees it).
          type: int
          sample: 4242
        command:
          description: The process name (C(/proc/PID/comm), else the base name of its C(argv[0])).
          type: str
          sample: ceph-osd
        devices:
          description: Which of the disk's devices the process has open.
          type: list
          elements: str
          sample: [/dev/sdb]
    osd_running:
      description:
        - Whether the disk holds a Ceph OSD that is running on this host now, that is it has a BlueStore label
          (RV(disks[].bluestore)) and a C(ceph-osd) process has it open.
        - Such a disk is not RV(disks[].eligible) (it is taken) but is not a problem either; the role C(koor.ceph.disk_prep)
          keeps it as an OSD device and never wipes it. A BlueStore label that no running OSD holds (left from an
          earlier cluster) leaves this V(false).
      type: bool
    root:
      description: Whether it holds the root file system.
      type: bool
    boot:
      description: Whether it holds /boot, /boot/efi or /efi.
      type: bool
    by_id:
      description: Its /dev/disk/by-id and by-path links.
      type: list
      elements: str
    discard:
      description: Whether the device supports discard (TRIM).
      type: bool
    eligible:
      description: Whether it can become an OSD as it is.
      type: bool
    reasons:
      description: Every reason it cannot, in words.
      type: list
      elements: str
    reason_codes:
      description:
        - The same reasons as codes, for roles to act on. V(not_disk), V(loop), V(read_only), V(too_small), V(root),
          V(boot), V(mounted), V(partition_mounted), V(swap), V(journal), V(holders), V(in_use), V(partitions), V(partition_table),
          V(filesystem), V(lvm), V(bluestore).
      type: list
      elements: str
eligible:
  description: Paths of the eligible disks.
  returned: always
  type: list
  elements: str
missing:
  description: Paths in O(devices) that are not a block device of this host.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.koor.ceph.plugins.module_utils import disks
from ansible_collections.koor.ceph.plugins.module_utils.errors import DiskError


def main():
    module = AnsibleModule(argument_spec=dict(
        devices=dict(type="list", elements="path"),
        min_size=dict(type="str", default="5GiB"),
        allow_loop_devices=dict(type="bool", default=False),
    ), supports_check_mode=True)
    try:
        params = dict(module.params, min_size=disks.size_option("min_size", module.params["min_size"]))
        result = disks.info(disks.DiskHost(module), params)
    except DiskError as exc:
        module.fail_json(**exc.fail_kwargs())
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
