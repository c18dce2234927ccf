#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: disk_wipe
short_description: Wipe disks for Rook the way Rook's cleanup guide does, refusing anything unsafe
version_added: 0.1.0
description:
  - Destroys every partition table, file system, LVM and BlueStore signature on exactly the listed disks of the
    host it runs on, so that Rook can create OSDs on them.
  - 'Per disk, as Rook''s cleanup guide: zeros over every signature C(wipefs --no-act) reports on the disk and its
    partitions, 200 KiB of zeros at 0, 1, 10, 100 and 1000 GiB (where within the disk: the MBR and primary GPT, and
    BlueStore''s label copies), the last MiB (the backup GPT), a discard (C(BLKDISCARD)) when the disk supports it,
    and a re-read of the partition table (C(BLKRRPART)). C(ceph-*) device-mapper leftovers on the disk that are not
    open are removed first.'
  - 'Every disk is opened with C(O_EXCL), as ceph-volume does, before the first write and held until the partition
    table is re-read; every write goes through that descriptor. With the disks held, the host is read again and every
    check is made again, so a disk mounted or taken after the first look is refused. Check mode makes the same
    exclusive open (read-only) and the same checks.'
  - 'It refuses the whole run, with a message naming each device and every reason, and before anything is written to
    any device: a run without O(confirm); a device that is not in O(allow); a path that is not a block device of
    this host (a device listed for the wrong host); a partition given directly (the message names its disk: whole
    disks are wiped); a device listed twice; a disk that is mounted or has a mounted partition, in this or any other
    mount namespace (naming the mount point and a process of that namespace); swap on it; a disk that is the
    external journal or log of a mounted file system (ext4 journal device, XFS C(logdev)); a disk with holders other
    than unused ceph-* mappings; an LVM physical volume whose volume group spans disks not listed; a disk that a
    process has open (a running C(ceph-osd) for instance), naming the processes and their pids; a disk the kernel
    does not give exclusively (EBUSY), naming what holds it where that is known; the disk holding the root or boot
    file system; a read-only device; anything that is not a whole disk. No option overrides these: free the disk and
    run again.'
  - A disk that is already clean (no signature, no partition, no BlueStore label copy, no ceph-* mapping) is left
    alone and reported in RV(unchanged). After wiping, the disks are read again and the run fails if any still
    carries a signature.
author:
  - koor.ceph contributors (@koor-ceph)
options:
  devices:
    description: The disks to wipe, on this host (C(/dev/sdb), C(/dev/disk/by-id/...)).
    type: list
    elements: path
    required: true
  allow:
    description:
      - The disks that may be wiped on this host. Every device in O(devices) must be in it; keep it in the
        inventory, next to the host, as a second statement of intent.
    type: list
    elements: path
    required: true
  confirm:
    description:
      - Must be the phrase V(yes-i-really-really-mean-it). Without it nothing is wiped (and check mode fails the same
        way).
    type: str
attributes:
  check_mode:
    support: full
    description:
      - Refuses and reports exactly as a real run, with the same C(changed), diff and RV(commands); writes nothing.
      - Opens the disks exclusively (read-only) and checks them again as a real run does, so it never reports as
        wiped a disk the real run would refuse.
  diff_mode:
    support: full
    description: Per disk, before and after lists of signatures and partitions, BlueStore label and ceph-* mappings.
notes:
  - Needs root and C(lsblk), C(blkid) and C(wipefs) (util-linux); C(dmsetup) is used when present. The writes are
    made by the module itself through the exclusive descriptor (C(wipefs) without C(--force), C(blkdiscard) and
    C(blockdev --rereadpt) cannot run while the disk is held).
  - The data on a wiped disk is gone. There is no undo.
seealso:
  - module: koor.ceph.disk_info
  - name: Rook's cleanup guide
    description: Zapping devices.
    link: https://rook.io/docs/rook/latest-release/Getting-Started/ceph-teardown/#zapping-devices
"""

EXAMPLES = r"""
- name: Show what would be wiped
  koor.ceph.disk_wipe:
    devices: [/dev/sdb, /dev/sdc]
    allow: "{{ storage_wipe_allow }}"  # host_vars: [/dev/sdb, /dev/sdc]
    confirm: yes-i-really-really-mean-it
  check_mode: true
  diff: true

- name: Wipe them
  koor.ceph.disk_wipe:
    devices: [/dev/sdb, /dev/sdc]
    allow: "{{ storage_wipe_allow }}"
    confirm: yes-i-really-really-mean-it
"""

RETURN = r"""
wiped:
  description: Disks that were wiped (in check mode, would be).
  returned: success
  type: list
  elements: str
  sample: [/dev/sdb]
unchanged:
  description: Disks that were already clean.
  returned: success
  type: list
  elements: str
  sample: [/dev/sdc]
commands:
  description: The commands that wiped (in check mode, would wipe) the disks, in order.
  returned: always
  type: list
  elements: str
  sample: ["zero /dev/sdb bytes 0-204799 (label offset)", "re-read the partition table of /dev/sdb (BLKRRPART)"]
refused:
  description: When the run was refused, every reason per device.
  returned: when refused
  type: dict
  sample: {/dev/sdb: [is not in the allow list, "partition /dev/sdb1 is mounted at /srv"], /dev/sdc: ["is in use by ceph-osd (pid 4242)"]}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.koor.ceph.plugins.module_utils import disks, wipe
from ansible_collections.koor.ceph.plugins.module_utils.errors import DiskError


def main():
    module = AnsibleModule(argument_spec=dict(
        devices=dict(type="list", elements="path", required=True),
        allow=dict(type="list", elements="path", required=True),
        confirm=dict(type="str"),
    ), supports_check_mode=True)
    try:
        result = wipe.apply(disks.DiskHost(module), module.params, module.check_mode)
    except DiskError as exc:
        kwargs = exc.fail_kwargs()
        kwargs["commands"] = getattr(exc, "commands", [])
        # a wipe that failed part way has written: say so
        kwargs["changed"] = bool(getattr(exc, "wrote", False)) and not module.check_mode
        module.fail_json(**kwargs)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
