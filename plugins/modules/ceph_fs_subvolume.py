#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_fs_subvolume
short_description: Manage CephFS subvolumes, one or a declared set
version_added: 0.1.0
description:
  - Creates, resizes, updates and deletes CephFS subvolumes through the mgr's volumes module, and returns each
    subvolume's path. Works in Rook clusters too, where subvolumes are left to users.
  - Takes one subvolume (O(name), O(fs), O(group)) or a list (O(subvolumes)). The subvolumes of each group are listed
    once and each declared subvolume that exists is read (C(fs subvolume info), about a millisecond each), the whole
    set is validated, then only the differences are written.
  - The group must exist (see M(koor.ceph.ceph_fs_subvolumegroup)); a subvolume in a missing group is refused before
    anything is written.
  - O(size) grows or shrinks the quota (C(fs subvolume resize)); not below what the subvolume holds.
    Mode, owner and pool layout of an existing subvolume change by re-issuing C(fs subvolume create) with the
    current values of what is left out. The volumes module cannot set an owner back to 0 on an existing subvolume.
  - Deleting a subvolume destroys its files and needs O(allow_delete=true); one that holds data needs
    O(allow_delete_with_data=true) as well, and one with snapshots is refused.
  - Options left out are not managed; a re-run never reverts what they control.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The subvolume's name (letters, digits, C(.), C(_) and C(-)).
      - Required unless O(subvolumes) is given.
    type: str
  fs:
    description:
      - The filesystem (volume) the subvolume is in.
      - Required unless O(subvolumes) is given.
    type: str
  group:
    description: The subvolume group; V(_nogroup) for subvolumes outside any group.
    type: str
    default: _nogroup
  state:
    description: V(present) creates or updates the subvolume, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  size:
    description:
      - The quota in bytes, as a number or a size (V(10G) and V(10Gi) both mean 10 GiB, as in Ceph).
      - V(0) or V(infinite) removes it.
    type: raw
  mode:
    description:
      - The permissions of the subvolume's directory, as an octal string (V('0755')) or a YAML octal number.
      - Defaults to V('0755') at creation.
    type: raw
  uid:
    description: The owner's user id (the group's at creation if not given).
    type: int
  gid:
    description: The owner's group id (the group's at creation if not given).
    type: int
  namespace_isolated:
    description: Put the subvolume's data in a RADOS namespace of its own. Fixed at creation.
    type: bool
  pool_layout:
    description: A data pool of the filesystem for the subvolume's new files.
    type: str
  allow_delete:
    description: Consent to delete the subvolume with O(state=absent).
    type: bool
    default: false
  allow_delete_with_data:
    description: Consent to delete a subvolume that holds data.
    type: bool
    default: false
  subvolumes:
    description:
      - A declared set of subvolumes, each with the options above (O(name) and O(fs) required in each).
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
      group:
        description: See O(group).
        type: str
        default: _nogroup
      state:
        description: See O(state).
        type: str
        choices: [present, absent]
        default: present
      size:
        description: See O(size).
        type: raw
      mode:
        description: See O(mode).
        type: raw
      uid:
        description: See O(uid).
        type: int
      gid:
        description: See O(gid).
        type: int
      namespace_isolated:
        description: See O(namespace_isolated).
        type: bool
      pool_layout:
        description: See O(pool_layout).
        type: str
      allow_delete:
        description: See O(allow_delete).
        type: bool
        default: false
      allow_delete_with_data:
        description: See O(allow_delete_with_data).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: >-
      Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing. A subvolume that does
      not exist yet has no path in check mode.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each subvolume in the set, keyed C(fs/group/name).
seealso:
  - module: koor.ceph.ceph_fs_subvolume_info
  - module: koor.ceph.ceph_fs_subvolumegroup
  - module: koor.ceph.ceph_fs
"""

EXAMPLES = r"""
- name: A 10 GiB subvolume in its own RADOS namespace
  koor.ceph.ceph_fs_subvolume:
    fs: cephfs
    group: team-a
    name: builds
    size: 10Gi
    mode: "0770"
    uid: 1000
    gid: 1000
    namespace_isolated: true
  register: builds

- name: Mount it
  ansible.builtin.debug:
    msg: "mount -t ceph :{{ builds.subvolumes[0].path }} /mnt/builds"

- name: A declared set in one call
  koor.ceph.ceph_fs_subvolume:
    subvolumes:
      - {fs: cephfs, group: team-a, name: db, size: 50Gi}
      - {fs: cephfs, name: scratch, size: infinite}
      - {fs: cephfs, name: old, state: absent, allow_delete: true, allow_delete_with_data: true}
"""

RETURN = r"""
subvolumes:
  description:
    - Each subvolume of the set after the run, with C(changed), its filesystem and group, its managed fields and
      its C(path) (not for a subvolume created in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{name: builds, fs: cephfs, group: team-a, state: present, changed: true, size: 10737418240, mode: "0770",
            uid: 1000, gid: 1000, namespace_isolated: true,
            path: /volumes/team-a/builds/86a7a1cc-b2b8-42fb-937e-cdac2a531909}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph fs subvolume create cephfs builds 10737418240 team-a --uid=1000 --gid=1000 --mode=0770 --namespace-isolated]
"""

from ansible_collections.koor.ceph.plugins.module_utils.cephfs import SUBVOLUME_ITEM_SPEC, Subvolumes
from ansible_collections.koor.ceph.plugins.module_utils.module import run_set_module


def main():
    run_set_module(SUBVOLUME_ITEM_SPEC, "subvolumes", Subvolumes, required_by={"name": "fs"})


if __name__ == "__main__":
    main()
