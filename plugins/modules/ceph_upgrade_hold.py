#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_upgrade_hold
short_description: Place the holds a rolling upgrade needs and release exactly those it placed
version_added: 0.1.0
description:
  - Puts in place (O(state=present)) what a rolling Ceph upgrade holds while daemons restart, and releases
    (O(state=absent)) exactly the holds it placed itself, even after a failed or killed run.
  - 'A hold is named C(flag:FLAG) (a cluster OSD flag, C(ceph osd set FLAG)), C(noautoscale) (the PG
    autoscaler''s global switch), C(noout:HOST) (noout for one CRUSH host, C(ceph osd set-group noout HOST)) or
    C(fs:NAME) (a filesystem reduced to one active rank for the MDS upgrade: C(allow_standby_replay false), then
    C(max_mds 1), as Ceph''s "Upgrading the MDS Cluster" says).'
  - >-
    The module records the holds it placed in the cluster itself, in the config-key O(record_key), as JSON
    C({"version": 1, "holds": {"flag:nodeep-scrub": {}, "noautoscale": {"osd_pool_default_pg_autoscale_mode":
    null}, "noout:host1": {}, "fs:cephfs": {"max_mds": 2, "allow_standby_replay": true}}, "updated": TIME}).
    The record is written before the changes it describes, so a run stopped in between leaves at worst a
    record of a hold not placed, whose release finds it gone and drops it (RV(dropped)).
  - A hold already in place that this module did not place (for example C(nodeep-scrub) set by hand before)
    is not recorded and is reported in RV(kept), so releasing never undoes what somebody else did.
  - 'C(noautoscale) is what C(ceph osd pool set noautoscale) (a command of the pg_autoscaler mgr module) does:
    the OSD map''s C(noautoscale) flag (C(ceph osd set noautoscale)) and C(osd_pool_default_pg_autoscale_mode) C(off)
    in the config database, so that new pools do not autoscale either. The module writes both with the mon''s own
    commands, which work while the mgr restarts (the mgr''s C(osd pool unset noautoscale) also crashes the mgr of
    Reef 18.2.7 as Debian builds it). Releasing it unsets the flag and puts back what the config database held for
    C(osd_pool_default_pg_autoscale_mode) before the hold (the mgr''s unset would set it to C(on)).'
  - Releasing C(fs:NAME) restores the recorded C(max_mds) and C(allow_standby_replay).
  - Every run reads the cluster once (the OSD map, and as needed the CRUSH tree, the FS map and the config
    database, in one round trip; the record in one more) and writes only what differs.
  - Two runs at the same time against one O(record_key) may lose each other's record; run one at a time.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  state:
    description:
      - V(present) ensures every hold of O(flags), O(noautoscale), O(noout_hosts) and
        O(single_rank_filesystems) is in place.
      - V(absent) releases the holds of O(release) that the record holds. Holds of O(release) the record does
        not hold are left as they are and reported in RV(kept). Holds of the record already gone from the
        cluster are dropped from the record (RV(dropped)). The record is rewritten after the changes, and its
        config-key removed once it holds nothing.
    type: str
    choices: [present, absent]
    default: present
  flags:
    description:
      - Cluster OSD flags to hold (O(state=present)).
      - 'One of C(noout), C(noin), C(nodown), C(noup), C(noscrub), C(nodeep-scrub), C(norebalance),
        C(norecover), C(nobackfill), C(pause); any other is refused before anything changes.'
    type: list
    elements: str
    default: [nodeep-scrub]
  noautoscale:
    description: Whether to hold the PG autoscaler's global switch off (the C(noautoscale) flag) (O(state=present)).
    type: bool
    default: true
  noout_hosts:
    description:
      - CRUSH hosts to hold C(noout) on (O(state=present)), so that their OSDs stay in while they restart.
      - A host that is not a CRUSH host of the cluster is refused before anything changes.
    type: list
    elements: str
  single_rank_filesystems:
    description:
      - Filesystems to reduce to one active rank (O(state=present)), with C(allow_standby_replay) false and
        C(max_mds) 1; the record keeps the values before.
      - The run then waits (at most O(wait_timeout) seconds) until each has only rank 0 in its MDS map.
      - A filesystem the cluster does not have is refused before anything changes.
      - V([all]) holds every filesystem of the cluster (none when it has none).
    type: list
    elements: str
  wait_timeout:
    description:
      - Seconds to wait until every filesystem of O(single_rank_filesystems) has only rank 0 active. V(0)
        asks once.
      - When the time is up the module fails, naming the filesystem and the ranks still active; the holds
        stay in place and recorded.
    type: int
    default: 300
  release:
    description:
      - For O(state=absent), required. V(all) releases every hold of the record; a list of hold names
        (C(flag:FLAG), C(noautoscale), C(noout:HOST), C(fs:NAME)) releases those of them the record holds.
    type: list
    elements: str
  record_key:
    description: The config-key that records the holds this module placed.
    type: str
    default: koor.ceph/upgrade/holds
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff, holds and RV(commands) as a real run, and writes nothing (nor waits).
  diff_mode:
    support: full
    description: Before and after of the record's holds and of the cluster's state the holds are made of.
seealso:
  - module: koor.ceph.ceph_upgrade_gate_info
  - module: koor.ceph.ceph_osd_flag
  - name: Upgrading the MDS Cluster
    description: Ceph's steps for the MDS during an upgrade.
    link: https://docs.ceph.com/en/latest/cephfs/upgrading/
"""

EXAMPLES = r"""
- name: Before the upgrade, hold deep scrubs and the PG autoscaler; one active MDS rank
  koor.ceph.ceph_upgrade_hold:
    flags: [nodeep-scrub]
    noautoscale: true
    single_rank_filesystems: [cephfs]

- name: While one host's OSDs restart
  koor.ceph.ceph_upgrade_hold:
    flags: []
    noautoscale: false
    noout_hosts: ["{{ inventory_hostname }}"]

- name: That host is done
  koor.ceph.ceph_upgrade_hold:
    state: absent
    release: ["noout:{{ inventory_hostname }}"]

- name: After the upgrade (or after a failed one), release every hold this module placed
  koor.ceph.ceph_upgrade_hold:
    state: absent
    release: all
"""

RETURN = r"""
placed:
  description: The holds this run put in place (in check mode, would put).
  returned: always
  type: list
  elements: str
  sample: [flag:nodeep-scrub, noautoscale, fs:cephfs]
released:
  description: The holds of the record this run released (in check mode, would release).
  returned: always
  type: list
  elements: str
  sample: [noout:storage-1]
kept:
  description:
    - O(state=present) the holds already in place that this module did not place; they are not recorded
      and never released by it.
    - O(state=absent) the holds of O(release) that the record does not hold, left as they are.
  returned: always
  type: list
  elements: str
  sample: [flag:nodeep-scrub]
dropped:
  description: O(state=absent) the holds of the record already gone from the cluster, dropped from the record.
  returned: always
  type: list
  elements: str
  sample: []
holds:
  description: The record's holds after the run, each with what its release puts back.
  returned: always
  type: dict
  sample: {"fs:cephfs": {"max_mds": 2, "allow_standby_replay": true}, "flag:nodeep-scrub": {}}
waited:
  description: O(state=present) seconds waited until every filesystem of O(single_rank_filesystems) had only rank 0.
  returned: when O(state=present)
  type: float
  sample: 4.5
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster, the record's included.
  returned: always
  type: list
  elements: str
  sample: ["ceph config-key set koor.ceph/upgrade/holds '{...}'", "ceph osd set nodeep-scrub", "ceph osd set noautoscale",
           "ceph config set global osd_pool_default_pg_autoscale_mode off"]
"""

from ansible_collections.koor.ceph.plugins.module_utils import upgrade_hold
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module


def main():
    module = ceph_module(dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        flags=dict(type="list", elements="str", default=["nodeep-scrub"]),
        noautoscale=dict(type="bool", default=True),
        noout_hosts=dict(type="list", elements="str"),
        single_rank_filesystems=dict(type="list", elements="str"),
        wait_timeout=dict(type="int", default=300),
        release=dict(type="list", elements="str"),
        record_key=dict(type="str", default=upgrade_hold.RECORD_KEY, no_log=False),
    ))
    run_module(module, lambda runner: upgrade_hold.apply(runner, module.params), validate=upgrade_hold.validate)


if __name__ == "__main__":
    main()
