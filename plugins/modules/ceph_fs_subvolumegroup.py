#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_fs_subvolumegroup
short_description: Manage CephFS subvolume groups, one or a declared set
version_added: 0.1.0
description:
  - Creates, updates and deletes subvolume groups of CephFS filesystems through the mgr's volumes module. In a Rook
    cluster, declare CephFilesystemSubVolumeGroup resources instead.
  - Takes one group (O(name) and O(fs)) or a list (O(groups)). The groups of each filesystem are listed once and each
    declared group that exists is read (C(fs subvolumegroup info), about a millisecond each), the whole set is
    validated, then only the differences are written.
  - Mode, owner and pool layout of an existing group change by re-issuing C(fs subvolumegroup create) with every
    attribute (those left out keep their current values); the size quota changes with C(fs subvolumegroup resize).
  - O(state=absent) deletes an empty group; a group that holds subvolumes is refused.
  - Options left out are not managed; a re-run never reverts what they control.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The group's name (letters, digits, C(.), C(_) and C(-); not starting with C(_)).
      - Required unless O(groups) is given.
    type: str
  fs:
    description:
      - The filesystem (volume) the group is in.
      - Required unless O(groups) is given.
    type: str
  state:
    description: V(present) creates or updates the group, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  mode:
    description:
      - The permissions of the group's directory, as an octal string (V('0755')) or a YAML octal number.
      - Defaults to V('0755') at creation.
    type: raw
  uid:
    description: The owner's user id of the group's directory (V(0) at creation if not given).
    type: int
  gid:
    description: The owner's group id of the group's directory (V(0) at creation if not given).
    type: int
  pool_layout:
    description:
      - A data pool of the filesystem for the group's new files. Defaults to the filesystem's data pool at creation.
    type: str
  size:
    description:
      - The group's quota in bytes, as a number or a size (V(10G) and V(10Gi) both mean 10 GiB, as in Ceph).
      - V(0) or V(infinite) removes it.
    type: raw
  groups:
    description:
      - A declared set of groups, each with the options above (O(name) and O(fs) required in each).
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(name).
        type: str
        required: true
      fs:
        description: See O(fs).
        type: str
        required: true
      state:
        description: See O(state).
        type: str
        choices: [present, absent]
        default: present
      mode:
        description: See O(mode).
        type: raw
      uid:
        description: See O(uid).
        type: int
      gid:
        description: See O(gid).
        type: int
      pool_layout:
        description: See O(pool_layout).
        type: str
      size:
        description: See O(size).
        type: raw
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each group in the set, keyed C(fs/name).
seealso:
  - module: koor.ceph.ceph_fs
  - module: koor.ceph.ceph_fs_subvolume
"""

EXAMPLES = r"""
- name: A group for a team's subvolumes, owned by uid/gid 1000, at most 100 GiB
  koor.ceph.ceph_fs_subvolumegroup:
    fs: cephfs
    name: team-a
    mode: "0750"
    uid: 1000
    gid: 1000
    size: 100Gi

- name: A declared set in one call
  koor.ceph.ceph_fs_subvolumegroup:
    groups:
      - {fs: cephfs, name: csi}
      - {fs: cephfs, name: old-team, state: absent}
"""

RETURN = r"""
groups:
  description: Each group of the set after the run, with C(changed), its filesystem and its managed fields.
  returned: always
  type: list
  elements: dict
  sample: [{name: team-a, fs: cephfs, state: present, changed: true, mode: "0750", uid: 1000, gid: 1000,
            pool_layout: cephfs.cephfs.data, size: 107374182400}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph fs subvolumegroup create cephfs team-a 107374182400 --uid=1000 --gid=1000 --mode=0750]
"""

from ansible_collections.koor.ceph.plugins.module_utils.cephfs import GROUP_ITEM_SPEC, SubvolumeGroups
from ansible_collections.koor.ceph.plugins.module_utils.module import run_set_module


def main():
    run_set_module(GROUP_ITEM_SPEC, "groups", SubvolumeGroups, required_by={"name": "fs"})


if __name__ == "__main__":
    main()
