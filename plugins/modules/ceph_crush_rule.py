#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_crush_rule
short_description: Manage Ceph CRUSH rules (replicated and erasure), one or a declared set
version_added: 0.1.0
description:
  - Creates and deletes the CRUSH rules of a Ceph cluster that Rook does not run (in a Rook cluster, the operator
    makes the rules of the pools it owns).
  - A replicated rule places copies under O(root), one per O(failure_domain), on OSDs of O(device_class) when set
    (C(ceph osd crush rule create-replicated)). An erasure rule takes its root, failure domain and device class
    from an erasure-code O(profile) (C(ceph osd crush rule create-erasure)).
  - Takes one rule (O(name) and its options) or a list of rules (O(rules)). The CRUSH map and the pools are read
    once (two commands), the whole set is validated, then only the differences are written.
  - Ceph cannot edit a rule in place. A rule whose definition differs from the declared one is an error, unless
    no pool uses it and O(recreate=true), which deletes and re-creates it (its rule id may change). A rule used by a
    pool is never changed or deleted; create a new rule and move the pools to it with M(koor.ceph.ceph_pool).
  - Options left out of an existing rule are not compared. A rule the module did not make (more than one C(take)
    or C(choose) step) is compared as having no root, failure domain or device class.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The rule's name (letters, digits, C(.), C(_) and C(-); up to 128; not starting with C(.) or C(-)).
      - Required unless O(rules) is given.
    type: str
  state:
    description: V(present) creates the rule, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  rule_type:
    description: V(replicated), or V(erasure) for erasure-coded pools. Defaults to V(erasure) with O(profile).
    type: str
    choices: [replicated, erasure]
  root:
    description: The CRUSH root (a bucket) of a replicated rule. A new rule defaults to V(default).
    type: str
  failure_domain:
    description:
      - The CRUSH type (V(host), V(osd), V(rack), ...) no two copies share, for a replicated rule. A new rule
        defaults to V(host).
    type: str
  device_class:
    description: Use only OSDs of this device class (V(hdd), V(ssd), V(nvme)), for a replicated rule. V('') for any.
    type: str
  profile:
    description:
      - The erasure-code profile an erasure rule is made from (see M(koor.ceph.ceph_ec_profile)); its
        C(crush-root), C(crush-failure-domain) and C(crush-device-class) are the rule's placement.
      - Required to create an erasure rule.
    type: str
  recreate:
    description:
      - Delete and re-create a rule whose definition differs from the declared one. Only for a rule no pool uses.
    type: bool
    default: false
  rules:
    description:
      - A declared set of rules, each with the options above (O(name) required in each).
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
      rule_type:
        description: See O(rule_type).
        type: str
        choices: [replicated, erasure]
      root:
        description: See O(root).
        type: str
      failure_domain:
        description: See O(failure_domain).
        type: str
      device_class:
        description: See O(device_class).
        type: str
      profile:
        description: See O(profile).
        type: str
      recreate:
        description: See O(recreate).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the type and placement of each rule in the set.
seealso:
  - module: koor.ceph.ceph_ec_profile
  - module: koor.ceph.ceph_pool
  - name: CRUSH maps (Ceph documentation)
    description: Rules, device classes and failure domains.
    link: https://docs.ceph.com/en/latest/rados/operations/crush-map/
"""

EXAMPLES = r"""
- name: Replicated rules per device class, one copy per host
  koor.ceph.ceph_crush_rule:
    rules:
      - {name: fast, root: default, failure_domain: host, device_class: ssd}
      - {name: slow, root: default, failure_domain: host, device_class: hdd}

- name: An erasure rule from a profile
  koor.ceph.ceph_crush_rule:
    name: ec-4-2
    profile: ec-4-2

- name: Change the failure domain of a rule no pool uses yet
  koor.ceph.ceph_crush_rule:
    name: fast
    failure_domain: rack
    recreate: true

- name: Delete a rule
  koor.ceph.ceph_crush_rule:
    name: slow
    state: absent
"""

RETURN = r"""
rules:
  description: Each rule of the set after the run, with C(changed), its type and placement.
  returned: always
  type: list
  elements: dict
  sample: [{name: fast, state: present, changed: true, rule_type: replicated, root: default, failure_domain: host,
            device_class: ssd}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph osd crush rule create-replicated fast default host ssd]
"""

from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import ITEM_SPEC, CrushRules
from ansible_collections.koor.ceph.plugins.module_utils.module import run_set_module


def main():
    run_set_module(ITEM_SPEC, "rules", CrushRules)


if __name__ == "__main__":
    main()
