#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_rgw_user_info
short_description: Read RGW (S3) users with their settings (and keys on request)
version_added: 0.1.0
description:
  - Reads every RGW user (or the named ones) with the fields M(koor.ceph.ceph_rgw_user) manages, normalised (sizes in
    bytes, V(-1) for no limit, booleans), in one read of the zone's user objects.
  - Secret keys are returned only with O(include_keys=true); register the result with C(no_log) on the task when you do.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
options:
  uids:
    description: Only these users. All users when not set. A uid that does not exist is an error.
    type: list
    elements: str
    aliases: [uid]
  include_keys:
    description: Return each user's S3 keys (access and secret) as well.
    type: bool
    default: false
seealso:
  - module: koor.ceph.ceph_rgw_user
"""

EXAMPLES = r"""
- name: Every RGW user
  koor.ceph.ceph_rgw_user_info:
  register: rgw_users

- name: The keys of one user, for a secret store
  koor.ceph.ceph_rgw_user_info:
    uids: [backup]
    include_keys: true
  register: backup_user
  no_log: true
"""

RETURN = r"""
users:
  description:
    - Each user with C(uid), the managed fields of M(koor.ceph.ceph_rgw_user), C(access_keys), C(subusers) and, with
      O(include_keys), C(keys) (C(access_key), C(secret_key), C(user)).
  returned: always
  type: list
  elements: dict
  sample: [{uid: backup, display_name: Backup service, email: backup@example.com, suspended: false, max_buckets: 10,
            caps: {}, user_quota: {enabled: true, max_size: 2199023255552, max_objects: -1},
            bucket_quota: {enabled: false, max_size: -1, max_objects: -1}, access_keys: [0555b35654ad1656d804],
            subusers: []}]
commands:
  description: Always empty (reads only).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.rgw_users import read_info


def main():
    module = ceph_module(dict(uids=dict(type="list", elements="str", aliases=["uid"]),
                              include_keys=dict(type="bool", default=False)))
    run_module(module, lambda runner: {"changed": False, "users": read_info(
        runner, module.params["uids"], module.params["include_keys"])})


if __name__ == "__main__":
    main()
