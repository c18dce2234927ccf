#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_fs_subvolume_info
short_description: Read the CephFS subvolumes of a filesystem
version_added: 0.1.0
description:
  - Lists the subvolumes of a CephFS filesystem (all groups, one group, or one subvolume) with their quota, usage,
    mode, owner, pool layout, RADOS namespace, state and path.
  - Reads C(fs subvolumegroup ls), C(fs subvolume ls) per group and C(fs subvolume info) per subvolume, over one
    connection (about a millisecond each).
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
options:
  fs:
    description: The filesystem (volume).
    type: str
    required: true
  group:
    description: Only this subvolume group (V(_nogroup) for subvolumes outside any group). All groups if left out.
    type: str
  name:
    description: Only the subvolume of this name.
    type: str
seealso:
  - module: koor.ceph.ceph_fs_subvolume
"""

EXAMPLES = r"""
- name: Every subvolume of a filesystem
  koor.ceph.ceph_fs_subvolume_info:
    fs: cephfs
  register: subvolumes

- name: The path of one subvolume
  koor.ceph.ceph_fs_subvolume_info:
    fs: cephfs
    group: team-a
    name: builds
  register: builds
"""

RETURN = r"""
subvolumes:
  description: The subvolumes found. C(size) is the quota in bytes (0 for none); C(status) is Ceph's state of the subvolume (C(complete) once usable).
  returned: always
  type: list
  elements: dict
  sample: [{name: builds, fs: cephfs, group: team-a, size: 10737418240, bytes_used: 0, mode: "0770", uid: 1000,
            gid: 1000, namespace_isolated: true, pool_namespace: fsvolumens__team-a_builds,
            pool_layout: cephfs.cephfs.data, status: complete, earmark: "",
            path: /volumes/team-a/builds/86a7a1cc-b2b8-42fb-937e-cdac2a531909}]
commands:
  description: Always empty; this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.koor.ceph.plugins.module_utils.cephfs import subvolume_info
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module


def main():
    module = ceph_module(dict(fs=dict(type="str", required=True), group=dict(type="str"), name=dict(type="str")))

    def work(runner):
        params = module.params
        return {"changed": False,
                "subvolumes": subvolume_info(runner, params["fs"], params.get("group"), params.get("name"))}

    run_module(module, work)


if __name__ == "__main__":
    main()
