#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_mgr_module
short_description: Enable or disable Ceph mgr modules, one or a declared set
version_added: 0.1.0
description:
  - Enables and disables modules of the Ceph manager (C(ceph mgr module enable/disable)) of a Ceph cluster that Rook
    does not run (in a Rook cluster, declare mgr modules in the CephCluster resource instead).
  - Takes one module (O(name)) or a list of modules (O(modules)). The modules are read once (C(ceph mgr module ls)),
    the whole set is validated, then only the differences are written.
  - Modules that are always on in the cluster's Ceph release (C(balancer), C(crash), C(volumes), ...) count as
    enabled and cannot be disabled. A module the mgr does not have, or reports it cannot run (for example a
    missing Python dependency, with the mgr's reason), is refused before anything is written.
  - Ceph restarts the active mgr whenever the set of enabled modules changes. After a change the module waits (up
    to O(timeout) seconds) until the restarted mgr is active again, so the next task can use mgr commands.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  name:
    description:
      - The module's name, as C(ceph mgr module ls) lists it (V(prometheus), V(dashboard), V(stats), ...).
      - Required unless O(modules) is given.
    type: str
  state:
    description: V(present) enables the module, V(absent) disables it.
    type: str
    choices: [present, absent]
    default: present
  modules:
    description:
      - A declared set of modules, each with the options above (O(name) required in each).
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
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of each module of the set (C(state) V(present) is enabled).
seealso:
  - module: koor.ceph.ceph_config
  - name: Ceph Manager Daemon (Ceph documentation)
    description: The mgr modules.
    link: https://docs.ceph.com/en/latest/mgr/
"""

EXAMPLES = r"""
- name: Enable the Prometheus exporter
  koor.ceph.ceph_mgr_module:
    name: prometheus

- name: A declared set in one call (one read, only the differences written)
  koor.ceph.ceph_mgr_module:
    modules:
      - {name: prometheus}
      - {name: stats}
      - {name: telegraf, state: absent}
"""

RETURN = r"""
modules:
  description: Each module of the set after the run, with C(changed) and whether it is always on.
  returned: always
  type: list
  elements: dict
  sample: [{name: prometheus, state: present, always_on: false, changed: true}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph mgr module enable prometheus]
"""

from ansible_collections.koor.ceph.plugins.module_utils.mgr_modules import ITEM_SPEC, MgrModules, wait_for_restart
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set, items_from_params, module_spec


def main():
    module = ceph_module(module_spec(ITEM_SPEC, "modules"), mutually_exclusive=[("name", "modules")],
                         required_one_of=[("name", "modules")])

    def work(runner):
        items = items_from_params(module.params, ITEM_SPEC, "modules")
        resource = MgrModules()
        result = apply_set(runner, resource, items, "modules")
        if result["changed"]:
            wait_for_restart(runner, resource, runner.timeout)
        return result

    run_module(module, work)


if __name__ == "__main__":
    main()
