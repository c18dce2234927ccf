#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_pool
short_description: Manage Ceph pools, one or a declared set
version_added: 0.1.0
description:
  - Creates, updates and deletes replicated and erasure-coded pools of a Ceph cluster that Rook does not run
    (in a Rook cluster, declare pools as CephBlockPool resources instead).
  - Takes one pool (O(name) and its options) or a list of pools (O(pools)). The current state of all pools is read
    once, the whole set is validated, then only the differences are written.
  - Options left out are not managed; a re-run never reverts what they control.
  - Deleting a pool needs O(allow_delete=true) and the mons' permission (C(mon_allow_pool_delete)); a pool that
    holds objects needs O(allow_delete_with_data=true) as well.
  - "Refused before anything is written (check mode reports the same refusal): O(size=1) without
    O(allow_size_one=true) (and, with it, while the mons' C(mon_allow_pool_size_one) is false); a size, or an
    erasure-coded pool's k+m, above the failure domains (the CRUSH rule's chooseleaf type, e.g. C(host) or C(osd))
    with OSDs up and in under the rule's root, without O(allow_undersized=true); O(size) above 10; a
    non-finite O(target_size_ratio) (nan, inf); O(min_size) above the size a new pool gets
    (C(osd_pool_default_size) when O(size) is left out); a quota above 2^63-1; and any pool creation or growth of
    O(size) or O(pg_num) that would take the pools of its CRUSH rule above the mons' PG budget
    (C(mon_max_pg_per_osd) times the OSDs under the rule's root, at least 3, as Ceph's own check counts it). A set
    with one such pool is refused whole."
  - "A stored value that cannot be read (e.g. a C(target_size_ratio) of nan, which Ceph prints as null) reads as
    null with a warning; declaring the field overwrites it."
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The pool's name (letters, digits, C(.), C(_) and C(-); up to 128; not starting with C(-)).
      - Required unless O(pools) is given.
    type: str
  state:
    description: V(present) creates or updates the pool, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  pool_type:
    description: The pool's type, fixed at creation. Defaults to V(replicated), or V(erasure) with O(erasure_profile).
    type: str
    choices: [replicated, erasure]
  erasure_profile:
    description: The erasure-code profile of an erasure-coded pool, fixed at creation (see M(koor.ceph.ceph_ec_profile)).
    type: str
  crush_rule:
    description: The name of the CRUSH rule placing the pool's data (see M(koor.ceph.ceph_crush_rule)).
    type: str
  size:
    description: Replicas of a replicated pool. Leave out for erasure-coded pools (their size is k+m).
    type: int
  min_size:
    description: Replicas (or shards) that must be up for I/O. Not larger than O(size); for EC between k and k+m.
    type: int
  pg_num:
    description: Placement groups. Only with O(pg_autoscale_mode) V(off) or V(warn).
    type: int
  pg_autoscale_mode:
    description: Whether the PG autoscaler manages O(pg_num).
    type: str
    choices: ['on', 'off', warn]
  target_size_ratio:
    description: The share of the cluster the pool is expected to take, a hint to the autoscaler.
    type: float
  application:
    description: The application the pool is for; enabled beside any the pool has already.
    type: str
    choices: [rbd, rgw, cephfs, nfs, mgr]
  max_bytes:
    description:
      - Quota in bytes, as a number or a size (V(10G) and V(10Gi) both mean 10 GiB, as in Ceph). V(0) removes it.
    type: raw
  max_objects:
    description: Quota in objects. V(0) removes it.
    type: int
  compression_mode:
    description: BlueStore compression of the pool's data.
    type: str
    choices: [none, passive, aggressive, force]
  compression_algorithm:
    description: The compression algorithm.
    type: str
    choices: [snappy, zlib, zstd, lz4]
  allow_ec_overwrites:
    description: Allow partial overwrites on an erasure-coded pool (needed for RBD and CephFS data). Cannot be undone.
    type: bool
  allow_delete:
    description: Consent to delete the pool with O(state=absent).
    type: bool
    default: false
  allow_delete_with_data:
    description: Consent to delete a pool that holds objects.
    type: bool
    default: false
  allow_size_one:
    description:
      - Consent to O(size=1), a single copy of every object (the loss of one OSD loses data for good). The write then
        passes Ceph's C(--yes-i-really-mean-it); the mons must allow it too (C(mon_allow_pool_size_one), see
        M(koor.ceph.ceph_config)).
    type: bool
    default: false
  allow_undersized:
    description:
      - Consent to a size (or an erasure-coded pool's k+m) above the failure domains CRUSH can place the copies on;
        the pool's PGs stay undersized until the cluster grows.
    type: bool
    default: false
  pools:
    description:
      - A declared set of pools, each with the options above (O(name) required in each).
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
      pool_type:
        description: See O(pool_type).
        type: str
        choices: [replicated, erasure]
      erasure_profile:
        description: See O(erasure_profile).
        type: str
      crush_rule:
        description: See O(crush_rule).
        type: str
      size:
        description: See O(size).
        type: int
      min_size:
        description: See O(min_size).
        type: int
      pg_num:
        description: See O(pg_num).
        type: int
      pg_autoscale_mode:
        description: See O(pg_autoscale_mode).
        type: str
        choices: ['on', 'off', warn]
      target_size_ratio:
        description: See O(target_size_ratio).
        type: float
      application:
        description: See O(application).
        type: str
        choices: [rbd, rgw, cephfs, nfs, mgr]
      max_bytes:
        description: See O(max_bytes).
        type: raw
      max_objects:
        description: See O(max_objects).
        type: int
      compression_mode:
        description: See O(compression_mode).
        type: str
        choices: [none, passive, aggressive, force]
      compression_algorithm:
        description: See O(compression_algorithm).
        type: str
        choices: [snappy, zlib, zstd, lz4]
      allow_ec_overwrites:
        description: See O(allow_ec_overwrites).
        type: bool
      allow_delete:
        description: See O(allow_delete).
        type: bool
        default: false
      allow_delete_with_data:
        description: See O(allow_delete_with_data).
        type: bool
        default: false
      allow_size_one:
        description: See O(allow_size_one).
        type: bool
        default: false
      allow_undersized:
        description: See O(allow_undersized).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each pool in the set.
seealso:
  - module: koor.ceph.ceph_pool_info
"""

EXAMPLES = r"""
- name: A replicated pool for RBD images
  koor.ceph.ceph_pool:
    name: vms
    application: rbd
    size: 3
    min_size: 2
    target_size_ratio: 0.3

- name: A declared set in one call (one read, only the differences written)
  koor.ceph.ceph_pool:
    pools:
      - {name: db, application: rbd, compression_mode: none}
      - {name: backups, application: rgw, max_bytes: 10Ti, compression_mode: aggressive, compression_algorithm: zstd}
      - {name: ec-data, erasure_profile: ec-4-2, allow_ec_overwrites: true, application: cephfs}

- name: Delete a pool that still holds objects
  koor.ceph.ceph_pool:
    name: scratch
    state: absent
    allow_delete: true
    allow_delete_with_data: true
"""

RETURN = r"""
pools:
  description: Each pool of the set after the run, with C(changed) and its managed fields.
  returned: always
  type: list
  elements: dict
  sample: [{name: vms, state: present, changed: true, pool_type: replicated, size: 3, min_size: 2,
            application: rbd, max_bytes: 0, max_objects: 0, compression_mode: none}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph osd pool create vms --pool-type=replicated --size=3, ceph osd pool application enable vms rbd]
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import run_set_module
from ansible_collections.koor.ceph.plugins.module_utils.pools import ITEM_SPEC, Pools


def main():
    run_set_module(ITEM_SPEC, "pools", Pools)


if __name__ == "__main__":
    main()
