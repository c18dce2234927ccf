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
  - Judges whether restarted daemons are back (O(daemons_ready)) and run O(target_version).
  - With O(wait_timeout) it reads and judges again every O(wait_interval) until every gate passes or the time
    is up, inside one module run, so a rolling upgrade waits for a restarted daemon without sleeping.
  - Also returns every daemon with its host and version and, with O(target_version), the upgrade plan.
  - Never fails because a gate is closed (it reads), not even after a wait; a playbook asserts on RV(passed) and
    reports RV(failed_gates).
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
  rolling_checks:
    description:
      - Health checks that do not close the health gate once some daemon already runs O(target_version), that is the checks a
        roll raises while daemons run two versions (Tentacle's mons raise C(AUTH_INSECURE_*) for Reef-era cephx keys), so
        that a run resuming an upgrade is judged as the upgrade left the cluster. RV(resumed) says whether they applied.
      - Without O(target_version) they never apply.
    type: list
    elements: str
    default: []
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
  daemons_ready:
    description:
      - Daemons, named as RV(daemons) names them (V(mon.a), V(mgr.x), V(osd.1), V(mds.a), V(rgw.ID)), that must be
        up and, with O(target_version), run exactly that version; one C(daemon_ready) gate each.
      - "Up: a mon in quorum; a mgr active (and available) or a standby; an OSD up in the OSD map; an MDS
        V(up:active) or V(up:standby-replay) in a filesystem, or a standby; a radosgw in the service map."
      - The version is the one the running process reported when it joined (a daemon that is not up keeps its
        last metadata, so it never counts).
      - A mon or OSD the cluster does not have is an input error; a mgr, MDS or radosgw that is down leaves the
        maps that name it, so for those an unknown name is a closed gate (not in the map).
      - Adds C(mgr dump) (for a mgr) and C(fs dump) (for an MDS) to the one batch read.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait for every gate judged (O(gates), O(ok_to_stop), O(ok_to_stop_hosts), O(safe_to_destroy),
        O(daemons_ready)) to pass, reading the cluster again every O(wait_interval); V(0) judges once.
      - The wait ends at once when every closed gate is an ok-to-stop of the cluster's only mon or only MDS
        (C(evidence.sole)), since Ceph never says yes to those.
      - A read that fails while a mon restarts or no mgr is active yet (a timeout, EAGAIN, a lost connection, a
        connection that cannot be made) counts as not yet; a wait that ends on such an error fails the module
        with it, naming the gates closed at the last attempt that read the cluster.
      - While waiting a read blocks at most until the wait's end (and at most O(timeout)); a connection or an
        agent that does not answer at all is given up O(timeout) + 15 or 20 seconds after it was asked.
    type: float
    default: 0
  wait_interval:
    description: Seconds between two attempts of a wait (each attempt costs one batch read and the ok-to-stop asks).
    type: float
    default: 0.25
notes:
  - Ceph answers ok-to-stop for the single mon or the single MDS without a standby with a refusal;
    such a gate carries C(evidence.sole=true), so a play can tell an outage it accepts from a danger.
  - "What a stopped daemon leaves behind (measured on Reef 18.2.7 and Tentacle 20.2.4): a stopped mgr stays
    in the mgr map for C(mgr_beacon_grace) (30 s); while it was the active one, reads the mgr answers time out,
    so a wait counts them as not yet. A radosgw that died without unregistering stays in the service map for
    C(mgr_service_beacon_grace) (60 s); a restarted one gets a new entry, and the newest counts."
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

- name: Wait up to 5 minutes for the restarted osd.3 to be up on 20.2.4 and its PGs clean again
  koor.ceph.ceph_upgrade_gate_info:
    gates: [pgs]
    daemons_ready: [osd.3]
    target_version: 20.2.4
    wait_timeout: 300
  register: back

- name: Stop the roll if it did not come back
  ansible.builtin.assert:
    that: back.passed
    fail_msg: "{{ back.failed_gates }} (after {{ back.waited }} s)"
"""

RETURN = r"""
passed:
  description: Whether every gate judged passes.
  returned: always
  type: bool
gates:
  description:
    - Each gate with C(name), C(passed), C(msg) (what holds, or what is wrong and what to do) and C(evidence)
      (what Ceph answered); ok-to-stop, safe-to-destroy and daemon_ready gates also name their C(target).
    - A C(daemon_ready) gate's evidence has C(daemon), C(type), C(up), C(state), C(version), C(host) and, with
      O(target_version), C(target_version).
  returned: always
  type: list
  elements: dict
  sample: [{name: pool_min_size, passed: false, evidence: {pools: [{pool: rbd, size: 2, min_size: 2}]},
            msg: "pool rbd size 2 min_size 2: with min_size == size one stopped OSD blocks the pool's I/O ..."},
           {name: daemon_ready, target: osd.1, passed: false,
            evidence: {daemon: osd.1, type: osd, up: true, state: up in the OSD map, version: 18.2.7, host: vm,
                       target_version: 20.2.4},
            msg: "osd.1 is up in the OSD map but runs 18.2.7, wants 20.2.4: restart it from 20.2.4's packages or image"}]
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
resumed:
  description: With O(target_version), whether some daemon already runs it (O(rolling_checks) then applied).
  returned: always
  type: bool
  sample: false
waited:
  description: Seconds from the first read to the last judgement (about V(0) without O(wait_timeout)).
  returned: always
  type: float
  sample: 12.84
attempts:
  description: How many times the gates were judged (one batch read, and the ok-to-stop asks, each).
  returned: always
  type: int
  sample: 52
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
        rolling_checks=dict(type="list", elements="str", default=[]),
        capacity_unit=dict(type="str", choices=["host", "osd"], default="host"),
        ok_to_stop=dict(type="list", elements="str", default=[]),
        ok_to_stop_hosts=dict(type="list", elements="str", default=[]),
        safe_to_destroy=dict(type="list", elements="int", default=[]),
        daemons_ready=dict(type="list", elements="str", default=[]),
        wait_timeout=dict(type="float", default=0),
        wait_interval=dict(type="float", default=0.25),
    ))
    # the agent connects at the first read, inside the wait: a mon not reachable yet is "not yet" too
    run_module(module, lambda runner: evaluate(runner, module.params), validate=validate, connect_first=False)


if __name__ == "__main__":
    main()
