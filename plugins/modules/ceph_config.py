#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_config
short_description: Manage settings of Ceph's configuration database, one or a declared set
version_added: 0.1.0
description:
  - Sets and removes options in the configuration database of the mons (C(ceph config set) and C(ceph config rm))
    of a Ceph cluster that Rook does not run (in a Rook cluster, declare settings in the CephCluster resource
    instead).
  - Takes one setting (O(who), O(option), O(value)) or a list of settings (O(settings)). The configuration database
    is read once (C(ceph config dump)), the whole set is validated, then only the differences are written.
  - Values are compared in the form Ceph stores them, so a re-run is unchanged however a value is written. Sizes
    V(4G), V(4Gi) and V(4294967296) are equal (Ceph reads C(G) as 2**30); booleans V(true), V(yes), V(on), V(1)
    are V(true); durations V(1h) and V(3600) are equal for an option in seconds; floats are compared as Ceph
    prints them (six decimals); a number given to a C(debug_) option is its log and memory level (V(5) is V(5/5)).
  - The type, choices and bounds of an option come from C(ceph config help), asked only for options whose declared
    value differs from the stored one. An unknown option, a value of the wrong type or out of bounds, and an
    invalid O(who) are refused before anything is written.
  - Options that can cut daemons and clients off the cluster when set wrong are refused before anything is written
    unless O(allow_disruptive=true). They are the messenger (V(ms_type), V(ms_bind_*), V(ms_*_mode), V(ms_mon_*), ...),
    authentication (V(auth_*), V(cephx_*)), the mons' and daemons' addresses and networks (V(mon_host),
    V(mon_addr), V(public_addr), V(public_network), V(cluster_network), ...) and keyring paths (V(keyring),
    V(keyfile), V(key)). Ceph gives most of them no choices and stores any value, and a daemon or client started
    afterwards may fail to connect (this module included, so it could not undo the change).
  - A messenger type (V(ms_type), V(ms_public_type), V(ms_cluster_type)) other than V(async+posix),
    V(async+dpdk) or V(async+rdma) is refused even with O(allow_disruptive).
  - Only the configuration database is managed, not C(ceph.conf) files nor values daemons were started with;
    some options take effect only when the daemons restart.
  - Values appear in the diff, the result and RV(commands) as Ceph stores them; do not set secrets (passwords,
    keys) with this module.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  who:
    description:
      - Whom the setting applies to; V(global), a daemon type (V(mon), V(mgr), V(osd), V(mds), V(client)) or one
        daemon or client (V(osd.3), V(client.rgw.gw1)), optionally with a CRUSH location mask (V(osd/host:node1),
        V(osd/rack:r1)) and/or a device class mask (V(osd/class:ssd)).
      - Required unless O(settings) is given.
    type: str
  option:
    description:
      - The option's name, for example V(osd_memory_target), or V(mgr/<module>/<option>) for a mgr module option.
        Spaces and dashes are read as underscores.
      - Required with O(who).
    type: str
  value:
    description: The value, in any form Ceph accepts for the option's type (see above). Required with O(state=present).
    type: raw
  state:
    description: V(present) sets the option, V(absent) removes it from the database (the default applies again).
    type: str
    choices: [present, absent]
    default: present
  allow_disruptive:
    description:
      - Write an option that can cut daemons and clients off the cluster (messenger, authentication, mon addresses
        and networks, keyring paths; see the description). Without it such a setting is refused, naming the option
        and the value, before anything is written. Removing such a setting (O(state=absent)) needs no consent.
    type: bool
    default: false
  settings:
    description:
      - A declared set of settings, each with the options above (O(who) and O(option) required in each).
      - Mutually exclusive with O(who) and O(option).
    type: list
    elements: dict
    suboptions:
      who:
        description: See O(who).
        type: str
        required: true
      option:
        description: See O(option).
        type: str
        required: true
      value:
        description: See O(value).
        type: raw
      state:
        description: See O(state).
        type: str
        choices: [present, absent]
        default: present
      allow_disruptive:
        description: See O(allow_disruptive).
        type: bool
        default: false
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: Before and after of the stored value of each setting, keyed C(<who> <option>).
seealso:
  - module: koor.ceph.ceph_mgr_module
  - name: Configuring Ceph (Ceph documentation)
    description: The configuration database, who and masks.
    link: https://docs.ceph.com/en/latest/rados/configuration/ceph-conf/
"""

EXAMPLES = r"""
- name: One setting
  koor.ceph.ceph_config:
    who: osd
    option: osd_memory_target
    value: 6G

- name: A declared set in one call (one read, only the differences written)
  koor.ceph.ceph_config:
    settings:
      - {who: global, option: mon_max_pg_per_osd, value: 400}
      - {who: mon, option: mon_allow_pool_delete, value: false}
      - {who: osd/class:ssd, option: osd_max_backfills, value: 4}
      - {who: osd.3, option: debug_osd, value: 5}
      - {who: mgr, option: mgr/balancer/mode, value: upmap}
      - {who: osd, option: osd_scrub_begin_hour, state: absent}
"""

RETURN = r"""
settings:
  description: Each setting of the set after the run, with C(changed) and the value as Ceph stores it.
  returned: always
  type: list
  elements: dict
  sample: [{who: osd, option: osd_memory_target, value: '6442450944', state: present, changed: true}]
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph config set osd osd_memory_target 6442450944]
"""

from ansible_collections.koor.ceph.plugins.module_utils.config import ITEM_SPEC, ConfigSettings, prepare
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set, items_from_params, module_spec


def main():
    module = ceph_module(module_spec(ITEM_SPEC, "settings"),
                         mutually_exclusive=[("who", "settings"), ("option", "settings"), ("value", "settings")],
                         required_one_of=[("who", "settings")], required_together=[("who", "option")])

    def work(runner):
        items = prepare(items_from_params(module.params, ITEM_SPEC, "settings"))
        return apply_set(runner, ConfigSettings(), items, "settings")

    run_module(module, work)


if __name__ == "__main__":
    main()
