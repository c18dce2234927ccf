#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_pool_info
short_description: Read Ceph pools with their settings and usage
version_added: 0.1.0
description:
  - Reads every pool (or the named ones) with the fields M(koor.ceph.ceph_pool) manages, normalised
    (bytes as integers, ratios as floats, booleans), and their usage.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
options:
  names:
    description: Only these pools. All pools when not set. A name that does not exist is an error.
    type: list
    elements: str
    aliases: [name]
seealso:
  - module: koor.ceph.ceph_pool
"""

EXAMPLES = r"""
- name: Every pool
  koor.ceph.ceph_pool_info:
  register: pools

- name: Pools with a quota
  ansible.builtin.debug:
    msg: "{{ pools.pools | selectattr('max_bytes', 'gt', 0) | map(attribute='name') }}"
"""

RETURN = r"""
pools:
  description: Each pool with C(name), C(id), its managed fields (see M(koor.ceph.ceph_pool)), C(applications)
    (all enabled), and usage C(stored_bytes), C(used_bytes), C(objects), C(max_avail_bytes), C(used_ratio).
  returned: always
  type: list
  elements: dict
  sample: [{name: vms, id: 4, pool_type: replicated, size: 3, min_size: 2, pg_num: 32, pg_autoscale_mode: "on",
            application: rbd, applications: [rbd], max_bytes: 0, max_objects: 0, compression_mode: none,
            stored_bytes: 1048576, used_bytes: 3145728, objects: 12, max_avail_bytes: 10386525184, used_ratio: 0.0001}]
commands:
  description: Always empty (reads only).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.pools import read_info


def main():
    module = ceph_module(dict(names=dict(type="list", elements="str", aliases=["name"])))
    run_module(module, lambda runner: {"changed": False, "pools": read_info(runner, module.params["names"])})


if __name__ == "__main__":
    main()
