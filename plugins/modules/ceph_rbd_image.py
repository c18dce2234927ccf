#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_rbd_image
short_description: Manage RBD images, one or a declared set
version_added: 0.1.0
description:
  - Creates, grows, shrinks (with consent), changes the features of and deletes RBD images.
  - Takes one image (O(name), O(pool), O(rbd_namespace)) or a list (O(images)). The images of each pool (namespace) are
    read once over the agent's librados connection (size, features, data pool, snapshots, watchers), the whole set is
    validated, then only the differences are written with C(rbd).
  - O(size) grows an image; shrinking it destroys the data beyond the new end and needs O(allow_shrink=true).
  - O(features) is the full set of declarable features the image should have. V(layering) is fixed at creation,
    V(deep-flatten) can only be disabled; V(object-map) needs V(exclusive-lock), V(fast-diff) needs V(object-map),
    V(journaling) needs V(exclusive-lock). A newly enabled object map is rebuilt.
  - A namespace that does not exist is created with the first image in it.
  - Deleting an image needs O(allow_delete=true); one with snapshots needs O(purge_snapshots=true) as well, and an
    image in use (watchers, e.g. mapped or open by a VM) is refused.
  - Options left out are not managed; a re-run never reverts what they control.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The image's name.
      - Required unless O(images) is given.
    type: str
  pool:
    description:
      - The pool the image is in (its metadata, and its data unless O(data_pool) is given).
      - Required unless O(images) is given.
    type: str
  rbd_namespace:
    description:
      - The RADOS namespace of the image in O(pool). None by default.
      - Named so because O(namespace) is the Kubernetes namespace of the C(kubectl_exec) transport; in O(images)
        the key is C(namespace).
    type: str
  state:
    description: V(present) creates or updates the image, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  size:
    description:
      - The image's size in bytes, as a number or a size (V(10G) and V(10Gi) both mean 10 GiB, as in Ceph).
      - Required to create an image.
    type: raw
  features:
    description:
      - The features the image should have, out of V(layering), V(exclusive-lock), V(object-map), V(fast-diff),
        V(deep-flatten) and V(journaling). Left out, a new image gets the cluster's default features.
    type: list
    elements: str
  data_pool:
    description: A pool for the image's data (e.g. an erasure-coded pool with overwrites allowed). Fixed at creation.
    type: str
  allow_shrink:
    description: Consent to shrink the image when O(size) is smaller than its current size.
    type: bool
    default: false
  allow_delete:
    description: Consent to delete the image with O(state=absent).
    type: bool
    default: false
  purge_snapshots:
    description: Consent to delete the image's snapshots with it (C(rbd snap purge)); protected snapshots still fail.
    type: bool
    default: false
  images:
    description:
      - A declared set of images, each with the options above (O(name) and O(pool) required in each).
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(name).
        type: str
        required: true
      pool:
        description: See O(pool).
        type: str
        required: true
      namespace:
        description: See O(rbd_namespace).
        type: str
        aliases: [rbd_namespace]
      state:
        description: See O(state).
        type: str
        choices: [present, absent]
        default: present
      size:
        description: See O(size).
        type: raw
      features:
        description: See O(features).
        type: list
        elements: str
      data_pool:
        description: See O(data_pool).
        type: str
      allow_shrink:
        description: See O(allow_shrink).
        type: bool
        default: false
      allow_delete:
        description: See O(allow_delete).
        type: bool
        default: false
      purge_snapshots:
        description: See O(purge_snapshots).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each image, keyed C(pool/namespace/name).
seealso:
  - module: koor.ceph.ceph_rbd_image_info
  - module: koor.ceph.ceph_pool
"""

EXAMPLES = r"""
- name: A 20 GiB image with its data on an erasure-coded pool
  koor.ceph.ceph_rbd_image:
    pool: rbd
    name: vm-disk-1
    size: 20Gi
    data_pool: rbd-ec
    features: [layering, exclusive-lock, object-map, fast-diff]

- name: A declared set in one call (one read per pool)
  koor.ceph.ceph_rbd_image:
    images:
      - {pool: rbd, name: db, size: 100G}
      - {pool: rbd, namespace: tenant-a, name: data, size: 10G, features: [layering, exclusive-lock]}
      - {pool: rbd, name: old, state: absent, allow_delete: true, purge_snapshots: true}

- name: Shrink an image (destroys the data beyond 5 GiB)
  koor.ceph.ceph_rbd_image:
    pool: rbd
    name: scratch
    size: 5Gi
    allow_shrink: true
"""

RETURN = r"""
images:
  description: Each image of the set after the run, with C(changed), its pool and namespace and its managed fields.
  returned: always
  type: list
  elements: dict
  sample: [{name: vm-disk-1, pool: rbd, namespace: "", state: present, changed: true, size: 21474836480,
            features: [exclusive-lock, fast-diff, layering, object-map], data_pool: rbd-ec}]
commands:
  description: The rbd commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [rbd create --size 21474836480B --image-feature exclusive-lock,fast-diff,layering,object-map --data-pool rbd-ec
           --pool rbd vm-disk-1]
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.rbd_images import Images, argument_spec, items
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set


def main():
    module = ceph_module(argument_spec(), mutually_exclusive=[("name", "images")],
                         required_one_of=[("name", "images")], required_by={"name": "pool"})

    def work(runner):
        return apply_set(runner, Images(), items(module.params), "images")

    run_module(module, work)


if __name__ == "__main__":
    main()
