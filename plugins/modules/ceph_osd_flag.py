#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_osd_flag
short_description: Set or unset OSD flags cluster-wide or per OSD, CRUSH node or device class
version_added: 0.1.0
description:
  - Sets (O(state=present)) or unsets (O(state=absent)) OSD flags such as C(noout) before maintenance
    and clears them afterwards.
  - Without O(osds), O(crush_nodes) and O(device_classes) the flags are cluster-wide (C(ceph osd set)).
    With any of them the flags apply only to those OSDs, CRUSH nodes (hosts, racks, ...) or device classes
    (C(ceph osd set-group)); Ceph allows only C(noup), C(nodown), C(noin) and C(noout) there.
  - Reads the OSD map once, changes only the flags that differ and reports the before/after state.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  flags:
    description:
      - The flags to set or unset.
      - 'Cluster-wide: C(noup), C(nodown), C(noout), C(noin), C(nobackfill), C(norebalance), C(norecover),
        C(noscrub), C(nodeep-scrub), C(notieragent), C(nosnaptrim), C(pause) (pauses reads and writes).'
      - 'Per OSD, CRUSH node or device class: C(noup), C(nodown), C(noin), C(noout).'
    type: list
    elements: str
    required: true
    aliases: [flag, name]
  state:
    description: V(present) sets the flags, V(absent) unsets them.
    type: str
    choices: [present, absent]
    default: present
  osds:
    description: OSD ids the flags apply to.
    type: list
    elements: int
  crush_nodes:
    description: CRUSH nodes (hosts, racks, rooms, ...) the flags apply to.
    type: list
    elements: str
    aliases: [hosts]
  device_classes:
    description: Device classes (for example C(hdd), C(ssd)) the flags apply to.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after lists of flags per scope.
"""

EXAMPLES = r"""
- name: Keep OSDs in while a host reboots
  koor.ceph.ceph_osd_flag:
    flags: [noout, norebalance]

- name: Clear them afterwards
  koor.ceph.ceph_osd_flag:
    flags: [noout, norebalance]
    state: absent

- name: Only the host under maintenance
  koor.ceph.ceph_osd_flag:
    flags: noout
    crush_nodes: [storage-2]

- name: Two OSDs, through the Rook toolbox
  koor.ceph.ceph_osd_flag:
    flags: [noout, noin]
    osds: [4, 5]
    transport: kubectl_exec
"""

RETURN = r"""
flags:
  description:
    - The flags after the run, per scope. C(cluster) for cluster-wide flags; C(osd.N), the CRUSH node's name,
      or C(class:NAME) for scoped ones.
  returned: always
  type: dict
  sample: {cluster: [noout, norebalance]}
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph osd set noout]
"""

from ansible_collections.koor.ceph.plugins.module_utils import osd_flags
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module


def main():
    module = ceph_module(dict(
        flags=dict(type="list", elements="str", required=True, aliases=["flag", "name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        osds=dict(type="list", elements="int"),
        crush_nodes=dict(type="list", elements="str", aliases=["hosts"]),
        device_classes=dict(type="list", elements="str"),
    ))
    run_module(module, lambda runner: osd_flags.apply(runner, module.params), validate=osd_flags.validate)


if __name__ == "__main__":
    main()
