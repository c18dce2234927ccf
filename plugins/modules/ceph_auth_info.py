#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_auth_info
short_description: Read Ceph cephx entities with their caps (and keys on request)
version_added: 0.1.0
description:
  - Reads every cephx entity (or the named ones) with its caps, from one C(ceph auth ls).
  - Keys are returned only with O(include_keys=true); register the result with C(no_log) on the task when you do.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
options:
  names:
    description: Only these entities (e.g. C(client.app)). All entities when not set. A name that does not exist is an error.
    type: list
    elements: str
    aliases: [name]
  include_keys:
    description: Return each entity's key as well.
    type: bool
    default: false
seealso:
  - module: koor.ceph.ceph_auth
"""

EXAMPLES = r"""
- name: Every entity with its caps
  koor.ceph.ceph_auth_info:
  register: auth

- name: The key of one client, for a secret store
  koor.ceph.ceph_auth_info:
    names: [client.vms]
    include_keys: true
  register: vms_auth
  no_log: true
"""

RETURN = r"""
clients:
  description: Each entity with C(name), C(type) (client, osd, mon, mgr, mds), C(caps) and, with O(include_keys), C(key).
  returned: always
  type: list
  elements: dict
  sample: [{name: client.vms, type: client, caps: {mon: profile rbd, osd: profile rbd pool=vms}}]
commands:
  description: Always empty (reads only).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.koor.ceph.plugins.module_utils.auth import read_info
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module


def main():
    module = ceph_module(dict(names=dict(type="list", elements="str", aliases=["name"]),
                              include_keys=dict(type="bool", default=False)))
    run_module(module, lambda runner: {"changed": False, "clients": read_info(
        runner, module.params["names"], module.params["include_keys"])})


if __name__ == "__main__":
    main()
