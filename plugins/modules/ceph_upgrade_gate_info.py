#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_upgrade_gate_info
short_description: Judge whether a Ceph cluster may be upgraded, or a daemon stopped, now
version_added: 0.1.0
description:
  - Reads the cluster once (one agent run) and reports each upgrade gate with whether it passes, a message
    saying what is wrong and what to do, and the evidence Ceph gave.
  - "Gates: V(health) (HEALTH_OK, or only the checks in O(allowed_checks)), V(pgs) (every PG active+clean),
    V(osds) (every OSD up and in), V(mons) (every mon in quorum), V(pool_min_size) (no pool with min_size equal to
    size, the classic cause of upgrades stuck on ok-to-stop), V(versions) (no unfinished earlier upgrade, no
    downgrade, at most two major releases, no known-bad target release), V(capacity) (the data fits with the
    largest host down) and V(flags) (no flag that keeps restarted daemons out or PGs unrecovered)."
  - Asks Ceph C(ok-to-stop) for daemons (O(ok_to_stop)) or the OSDs of CRUSH hosts (O(ok_to_stop_hosts)), and
    C(osd safe-to-destroy) for OSDs (O(safe_to_destroy)).
  - Also returns every daemon with its host and version and, with O(target_version), the upgrade plan.
  - Never fails because a gate is closed (it reads); a playbook asserts on RV(passed) and reports RV(failed_gates).
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.connection
options:
  target_version:
    description:
      - The Ceph version the upgrade goes to (V(20.2.4)). Without it the versions gate only asks that every
        daemon runs the same version.
      - Daemons already on it do not count as an unfinished earlier upgrade, so a run resumed part way passes.
    type: str
  gates:
    description: The gates to judge (all by default).
    type: list
    elements: str
    choices: [health, pgs, osds, mons, pool_min_size, versions, capacity, flags]
  allowed_checks:
    description:
      - Health checks that do not close the health gate (unmuted checks not listed close it, whatever their
        severity).
      - The default lists the checks the upgrade raises itself (noout and nodeep-scrub, noout on a host, OSDs on
        the new release before C(require-osd-release)).
    type: list
    elements: str
    default: [OSDMAP_FLAGS, OSD_FLAGS, OSD_UPGRADE_FINISHED]
  capacity_unit:
    description:
      - What goes down at once for the capacity gate, the largest CRUSH V(host) or the largest V(osd) (when
        OSDs restart one by one).
    type: str
    choices: [host, osd]
    default: host
  ok_to_stop:
    description: Daemons to ask Ceph C(ok-to-stop) about (V(osd.3), V(mon.a), V(mds.a)); Ceph has it for these types only.
    type: list
    elements: str
    default: []
  ok_to_stop_hosts:
    description: CRUSH hosts whose OSDs, all together, are asked C(osd ok-to-stop).
    type: list
    elements: str
    default: []
  safe_to_destroy:
    description: OSD ids to ask C(osd safe-to-destroy) about.
    type: list
    elements: int
    default: []
notes:
  - Ceph answers ok-to-stop for the single mon or the single MDS without a standby with a refusal;
    such a gate carries C(evidence.sole=true), so a play can tell an outage it accepts from a danger.
seealso:
  - module: koor.ceph.ceph_status_info
  - module: koor.ceph.ceph_osd_flag
"""

EXAMPLES = r"""
- name: Judge every gate for an upgrade to Tentacle 20.2.4
  koor.ceph.ceph_upgrade_gate_info:
    target_version: 20.2.4
  register: gates

- name: Stop unless every gate passes
  ansible.builtin.assert:
    that: gates.passed
    fail_msg: "{{ gates.failed_gates }}"

- name: May osd.3 stop now?
  koor.ceph.ceph_upgrade_gate_info:
    gates: [health, pgs]
    ok_to_stop: [osd.3]
  register: osd3

- name: May all OSDs of host storage-2 stop together?
  koor.ceph.ceph_upgrade_gate_info:
    gates: []
    ok_to_stop_hosts: [storage-2]
"""

RETURN = r"""
passed:
  description: Whether every gate judged passes.
  returned: always
  type: bool
gates:
  description:
    - Each gate with C(name), C(passed), C(msg) (what holds, or what is wrong and what to do) and C(evidence)
      (what Ceph answered); ok-to-stop and safe-to-destroy gates also name their C(target).
  returned: always
  type: list
  elements: dict
  sample: [{name: pool_min_size, passed: false, evidence: {pools: [{pool: rbd, size: 2, min_size: 2}]},
            msg: "pool rbd size 2 min_size 2: with min_size == size one stopped OSD blocks the pool's I/O ..."}]
failed_gates:
  description: One line per closed gate, naming it (or its target) and what to do.
  returned: always
  type: list
  elements: str
daemons:
  description: Every daemon with C(name) (V(osd.0), V(rgw.lab)), C(type), C(id), C(host) and C(version), in upgrade order.
  returned: always
  type: list
  elements: dict
  sample: [{name: mon.a, type: mon, id: a, host: ceph-1, version: 18.2.7}]
plan:
  description: With O(target_version), the daemons not on it yet, in the order an upgrade restarts them (mon, mgr, osd, mds, rgw).
  returned: always
  type: list
  elements: str
  sample: [mon.a, mgr.x, osd.0, osd.1, mds.a, rgw.lab]
target:
  description: The target's C(version), C(release) name and C(major).
  returned: when O(target_version) is given
  type: dict
  sample: {version: 20.2.4, release: tentacle, major: 20}
require_osd_release:
  description: The OSD map's C(require_osd_release).
  returned: always
  type: str
  sample: reef
flags:
  description: The cluster flags set (V(noout), V(nodeep-scrub), V(noautoscale), ...).
  returned: always
  type: list
  elements: str
commands:
  description: Commands that changed the cluster (always empty for this module).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.upgrade import DEFAULT_ALLOWED_CHECKS, GATES, evaluate, validate


def main():
    module = ceph_module(dict(
        target_version=dict(type="str"),
        gates=dict(type="list", elements="str", choices=list(GATES)),
        allowed_checks=dict(type="list", elements="str", default=list(DEFAULT_ALLOWED_CHECKS)),
        capacity_unit=dict(type="str", choices=["host", "osd"], default="host"),
        ok_to_stop=dict(type="list", elements="str", default=[]),
        ok_to_stop_hosts=dict(type="list", elements="str", default=[]),
        safe_to_destroy=dict(type="list", elements="int", default=[]),
    ))
    run_module(module, lambda runner: evaluate(runner, module.params), validate=validate)


if __name__ == "__main__":
    main()
