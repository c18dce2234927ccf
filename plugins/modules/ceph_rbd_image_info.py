#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_rbd_image_info
short_description: Read the RBD images of a pool
version_added: 0.1.0
description:
  - Lists the RBD images of a pool (or of one RADOS namespace in it, or one image) with size, features, data pool,
    number of snapshots and of watchers, read in one request over the agent's librados connection.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
options:
  pool:
    description: The pool.
    type: str
    required: true
  rbd_namespace:
    description:
      - The RADOS namespace in O(pool). None by default.
      - (Named so because O(namespace) is the Kubernetes namespace of the C(kubectl_exec) transport.)
    type: str
  name:
    description: Only the image of this name.
    type: str
seealso:
  - module: koor.ceph.ceph_rbd_image
"""

EXAMPLES = r"""
- name: Every image of a pool
  koor.ceph.ceph_rbd_image_info:
    pool: rbd
  register: images
"""

RETURN = r"""
images:
  description: The images found, sorted by name. C(size) is in bytes; C(data_pool) is null when data is in O(pool).
  returned: always
  type: list
  elements: dict
  sample: [{name: vm-disk-1, pool: rbd, namespace: "", id: 10c5a1b2c3d4, size: 21474836480,
            features: [exclusive-lock, fast-diff, layering, object-map], data_pool: rbd-ec, snapshots: 0, watchers: 1}]
commands:
  description: Always empty; this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.rbd_images import image_info


def main():
    module = ceph_module(dict(pool=dict(type="str", required=True), rbd_namespace=dict(type="str"),
                              name=dict(type="str")))

    def work(runner):
        params = module.params
        return {"changed": False, "images": image_info(runner, params["pool"], params.get("rbd_namespace"),
                                                       params.get("name"))}

    run_module(module, work)


if __name__ == "__main__":
    main()
