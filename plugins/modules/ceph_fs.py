#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_fs
short_description: Manage CephFS filesystems (volumes), one or a declared set
version_added: 0.1.0
description:
  - Creates and deletes CephFS filesystems of a Ceph cluster that Rook does not run (in a Rook cluster, declare
    CephFilesystem resources instead), and sets their number of active MDS ranks.
  - Without pools, a filesystem is created as the mgr's volumes module does (C(ceph fs volume create)), with new
    pools C(cephfs.NAME.meta) and C(cephfs.NAME.data). With O(metadata_pool) and O(data_pool) it is created on those
    existing pools (C(ceph fs new)); create them first with M(koor.ceph.ceph_pool).
  - An active filesystem needs an MDS daemon; this module does not deploy daemons.
  - Takes one filesystem (O(name)) or a list (O(filesystems)). The filesystems are read once (C(fs ls), C(fs dump)),
    the whole set is validated, then only the differences are written.
  - Deleting a filesystem destroys its files and needs O(allow_delete=true). By default its pools are kept;
    O(delete_pools=true) deletes them too (C(ceph fs volume rm)), which needs the mons' C(mon_allow_pool_delete).
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The filesystem's name (letters, digits, C(.), C(_) and C(-)).
      - Required unless O(filesystems) is given.
    type: str
  state:
    description: V(present) creates or updates the filesystem, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  metadata_pool:
    description:
      - An existing, empty pool for the metadata, fixed at creation. Give it with O(data_pool), or neither.
    type: str
  data_pool:
    description: An existing pool for the file data (the default data pool), fixed at creation.
    type: str
  max_mds:
    description: The number of active MDS ranks.
    type: int
  allow_delete:
    description: Consent to delete the filesystem (and every file in it) with O(state=absent).
    type: bool
    default: false
  delete_pools:
    description:
      - With O(state=absent), delete the filesystem's metadata and data pools too (C(ceph fs volume rm)).
      - Without it, the filesystem is failed and removed (C(ceph fs fail), C(ceph fs rm)) and its pools kept.
    type: bool
    default: false
  filesystems:
    description:
      - A declared set of filesystems, each with the options above (O(name) required in each).
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(name).
        type: str
        required: true
      state:
        description: See O(state).
        type: str
        choices: [present, absent]
        default: present
      metadata_pool:
        description: See O(metadata_pool).
        type: str
      data_pool:
        description: See O(data_pool).
        type: str
      max_mds:
        description: See O(max_mds).
        type: int
      allow_delete:
        description: See O(allow_delete).
        type: bool
        default: false
      delete_pools:
        description: See O(delete_pools).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each filesystem in the set.
seealso:
  - module: koor.ceph.ceph_pool
  - module: koor.ceph.ceph_fs_subvolumegroup
  - module: koor.ceph.ceph_fs_subvolume
"""

EXAMPLES = r"""
- name: A filesystem with pools the mgr creates (cephfs.shared.meta, cephfs.shared.data)
  koor.ceph.ceph_fs:
    name: shared

- name: A filesystem on pools made beforehand
  koor.ceph.ceph_fs:
    name: home
    metadata_pool: home-meta
    data_pool: home-data
    max_mds: 2

- name: Delete a filesystem and its pools
  koor.ceph.ceph_fs:
    name: scratch
    state: absent
    allow_delete: true
    delete_pools: true
"""

RETURN = r"""
filesystems:
  description: Each filesystem of the set after the run, with C(changed) and its fields.
  returned: always
  type: list
  elements: dict
  sample: [{name: shared, state: present, changed: true, metadata_pool: cephfs.shared.meta,
            data_pool: cephfs.shared.data, data_pools: [cephfs.shared.data], max_mds: 1}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph fs volume create shared]
"""

from ansible_collections.koor.ceph.plugins.module_utils.cephfs import FS_ITEM_SPEC, Filesystems
from ansible_collections.koor.ceph.plugins.module_utils.module import run_set_module


def main():
    run_set_module(FS_ITEM_SPEC, "filesystems", Filesystems)


if __name__ == "__main__":
    main()
