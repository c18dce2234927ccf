#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_status_info
short_description: Read a Ceph cluster's health, versions, daemons, placement groups and capacity
version_added: 0.1.0
description:
  - Reads the status of a Ceph cluster in one agent run (C(ceph status), C(ceph health detail),
    C(ceph versions) and C(ceph df)) and returns it normalised for playbooks, health gates and reports.
  - Works on any Ceph cluster the transport reaches, run by Rook or not.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
"""

EXAMPLES = r"""
- name: Read the cluster's status from the host where the admin keyring is
  koor.ceph.ceph_status_info:
  register: ceph

- name: Stop unless the cluster is healthy and every PG is active+clean
  ansible.builtin.assert:
    that:
      - ceph | koor.ceph.ceph_health_ok
      - ceph | koor.ceph.ceph_pgs_clean
    fail_msg: "{{ ceph.health.checks | map(attribute='summary') | list }}"

- name: Read it through the Rook toolbox
  koor.ceph.ceph_status_info:
    transport: kubectl_exec
    namespace: rook-ceph
  register: ceph

- name: Read it from a cephadm host
  koor.ceph.ceph_status_info:
    transport: prefix
    prefix: [cephadm, shell, --]
"""

RETURN = r"""
fsid:
  description: The cluster's fsid.
  returned: always
  type: str
  sample: 7573213d-9eae-4719-b5c4-e1d3ba9b3869
health:
  description: Overall health and every health check.
  returned: always
  type: dict
  contains:
    status:
      description: V(HEALTH_OK), V(HEALTH_WARN) or V(HEALTH_ERR).
      type: str
    checks:
      description: Each raised check with C(name), C(severity), C(summary), C(detail) (list), C(count) and C(muted).
      type: list
      elements: dict
    muted:
      description: Names of the muted checks.
      type: list
      elements: str
  sample: {status: HEALTH_WARN, muted: [],
           checks: [{name: OSDMAP_FLAGS, severity: HEALTH_WARN, summary: noout flag(s) set, detail: [], count: 1,
                     muted: false}]}
versions:
  description: Ceph versions of the running daemons.
  returned: always
  type: dict
  contains:
    by_type:
      description: Per daemon type (mon, mgr, osd, mds, rgw, ...) the count of daemons per version.
      type: dict
    overall:
      description: The count of daemons per version.
      type: dict
    releases:
      description: Release names seen (for example V(tentacle)).
      type: list
      elements: str
    mixed:
      description: Whether daemons run more than one version (an upgrade in progress).
      type: bool
    mixed_types:
      description: The daemon types whose daemons run more than one version.
      type: list
      elements: str
  sample: {by_type: {mon: {"20.2.4": 1}, osd: {"20.2.4": 3}}, overall: {"20.2.4": 4}, releases: [tentacle],
           mixed: false, mixed_types: []}
mon:
  description: Monitor count and quorum (C(count), C(quorum) names, C(in_quorum), C(out_of_quorum)).
  returned: always
  type: dict
  sample: {count: 3, quorum: [a, b, c], in_quorum: 3, out_of_quorum: 0}
mgr:
  description: Whether a manager is active, and its standbys.
  returned: always
  type: dict
  sample: {available: true, standbys: 1}
osd:
  description: OSD counts (C(total), C(up), C(in), C(down), C(out), C(remapped_pgs)).
  returned: always
  type: dict
  sample: {total: 3, up: 3, in: 3, down: 0, out: 0, remapped_pgs: 0}
mds:
  description: MDS daemons up, in and standby.
  returned: always
  type: dict
  sample: {up: 1, in: 1, standby: 0}
pgs:
  description: Placement groups by state, and whether every PG is active+clean.
  returned: always
  type: dict
  sample: {total: 49, states: {active+clean: 49}, all_active_clean: true}
capacity:
  description: Raw capacity in bytes and the used ratio (0 to 1).
  returned: always
  type: dict
  sample: {total_bytes: 32212254720, used_bytes: 86310912, avail_bytes: 32125943808, used_ratio: 0.00268}
pools:
  description: Each pool with C(name), C(id), C(stored_bytes), C(used_bytes), C(objects), C(max_avail_bytes), C(used_ratio).
  returned: always
  type: list
  elements: dict
commands:
  description: Commands that changed the cluster (always empty for this module).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.status import gather


def main():
    module = ceph_module({})

    def work(runner):
        result = gather(runner)
        result["changed"] = False
        return result

    run_module(module, work)


if __name__ == "__main__":
    main()
