#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_ec_profile
short_description: Manage Ceph erasure-code profiles, one or a declared set
version_added: 0.1.0
description:
  - Creates, overwrites and deletes erasure-code profiles of a Ceph cluster that Rook does not run (in a Rook
    cluster, the operator makes the profiles of the erasure-coded pools it owns).
  - Takes one profile (O(name) and its options) or a list of profiles (O(profiles)). All profiles, the pools that
    use them and the CRUSH topology are read once (two commands), the whole set is validated, then only the
    differences are written.
  - Options left out are not managed. A new profile needs O(k) and O(m); what else is left out Ceph fills in from
    C(osd_pool_default_erasure_code_profile) (plugin V(isa) and technique V(reed_sol_van) since Ceph 20,
    V(jerasure) before) and its CRUSH defaults (root V(default), failure domain V(host)).
  - The k+m chunks must fit the cluster, one per failure domain. With O(crush_failure_domain=host) (the default)
    that means k+m hosts (holding OSDs of O(crush_device_class) when set); on a one-host cluster use V(osd).
  - A pool's profile is fixed at the pool's creation, so a profile used by a pool can neither change nor be
    deleted. A profile no pool uses is overwritten only with O(force=true).
  - Deleting Ceph's built-in profile V(default) (which erasure-coded pools made without a profile use) is refused
    before anything is written unless O(allow_delete_default=true); a profile a pool uses is always refused.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The profile's name (letters, digits, C(.), C(_) and C(-); up to 128; not starting with C(.) or C(-)).
      - Required unless O(profiles) is given.
    type: str
  state:
    description: V(present) creates or overwrites the profile, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  k:
    description: Data chunks per object, at least 2.
    type: int
  m:
    description: Coding chunks per object (the number of failure domains that can be lost), at least 1.
    type: int
  plugin:
    description: The erasure-code library. Left out, Ceph's default (V(isa) since Ceph 20, V(jerasure) before).
    type: str
    choices: [jerasure, isa, clay]
  technique:
    description:
      - The coding technique of the plugin, for example V(reed_sol_van) (both plugins), V(cauchy) (isa),
        V(cauchy_good) or V(reed_sol_r6_op) (jerasure, m=2).
    type: str
  crush_root:
    description: The CRUSH root the pool's chunks are placed under.
    type: str
  crush_failure_domain:
    description: The CRUSH type (V(host), V(osd), V(rack), ...) no two chunks of an object share.
    type: str
  crush_device_class:
    description: Place chunks only on OSDs of this device class (V(hdd), V(ssd), V(nvme)). V('') for any.
    type: str
  stripe_unit:
    description:
      - Bytes of one chunk per stripe, as a number or a size (V(4K), V(64Ki)). Left out, Ceph uses
        C(osd_pool_erasure_code_stripe_unit) when a pool is created.
    type: raw
  force:
    description:
      - Overwrite an existing profile whose values differ. Only for a profile no pool uses; a profile in use is
        never changed.
    type: bool
    default: false
  allow_delete_default:
    description: Consent to delete the built-in profile V(default) with O(state=absent) (no pool may use it).
    type: bool
    default: false
  profiles:
    description:
      - A declared set of profiles, each with the options above (O(name) required in each).
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
      k:
        description: See O(k).
        type: int
      m:
        description: See O(m).
        type: int
      plugin:
        description: See O(plugin).
        type: str
        choices: [jerasure, isa, clay]
      technique:
        description: See O(technique).
        type: str
      crush_root:
        description: See O(crush_root).
        type: str
      crush_failure_domain:
        description: See O(crush_failure_domain).
        type: str
      crush_device_class:
        description: See O(crush_device_class).
        type: str
      stripe_unit:
        description: See O(stripe_unit).
        type: raw
      force:
        description: See O(force).
        type: bool
        default: false
      allow_delete_default:
        description: See O(allow_delete_default).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each profile in the set.
seealso:
  - module: koor.ceph.ceph_crush_rule
  - module: koor.ceph.ceph_pool
  - name: Erasure code profiles (Ceph documentation)
    description: The profile keys and plugins.
    link: https://docs.ceph.com/en/latest/rados/operations/erasure-code-profile/
"""

EXAMPLES = r"""
- name: A 4+2 profile, one chunk per host, on HDDs
  koor.ceph.ceph_ec_profile:
    name: ec-4-2
    k: 4
    m: 2
    crush_failure_domain: host
    crush_device_class: hdd

- name: A declared set in one call (one read, only the differences written)
  koor.ceph.ceph_ec_profile:
    profiles:
      - {name: ec-4-2, k: 4, m: 2, plugin: isa}
      - {name: ec-8-3, k: 8, m: 3, plugin: jerasure, technique: cauchy_good, stripe_unit: 64K}
      - {name: old-profile, state: absent}

- name: Change a profile that no pool uses yet
  koor.ceph.ceph_ec_profile:
    name: ec-4-2
    k: 4
    m: 2
    crush_device_class: ssd
    force: true
"""

RETURN = r"""
profiles:
  description: Each profile of the set after the run, with C(changed) and its managed fields.
  returned: always
  type: list
  elements: dict
  sample: [{name: ec-4-2, state: present, changed: true, k: 4, m: 2, crush_failure_domain: host,
            crush_device_class: hdd}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph osd erasure-code-profile set ec-4-2 k=4 m=2 crush-failure-domain=host crush-device-class=hdd]
"""

from ansible_collections.koor.ceph.plugins.module_utils.ec_profiles import ITEM_SPEC, EcProfiles
from ansible_collections.koor.ceph.plugins.module_utils.module import run_set_module


def main():
    run_set_module(ITEM_SPEC, "profiles", EcProfiles)


if __name__ == "__main__":
    main()
