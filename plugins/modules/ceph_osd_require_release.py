#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_osd_require_release
short_description: Set require_osd_release, the last step of a Ceph upgrade
version_added: 0.1.0
description:
  - Sets the OSD map's C(require_osd_release) (C(ceph osd require-osd-release)) to a release once every OSD runs it,
    which clears C(OSD_UPGRADE_FINISHED) and lets the cluster use the release's features.
  - Once set, an OSD of an older release can no longer join the cluster. The module therefore sets it only when
    every OSD is up and runs the release (Ceph itself looks at the up OSDs only), names the OSDs that are not, and
    never lowers it.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  release:
    description: The release name, for example V(tentacle) or V(squid).
    type: str
    required: true
attributes:
  check_mode:
    support: full
    description: Reports the same C(changed), diff and RV(commands) as a real run, and changes nothing.
  diff_mode:
    support: full
    description: C(require_osd_release) before and after.
seealso:
  - module: koor.ceph.ceph_upgrade_gate_info
"""

EXAMPLES = r"""
- name: Finish the upgrade to Tentacle
  koor.ceph.ceph_osd_require_release:
    release: tentacle
"""

RETURN = r"""
require_osd_release:
  description: The OSD map's require_osd_release after the run.
  returned: always
  type: str
  sample: tentacle
commands:
  description: The ceph commands that changed (or in check mode would change) the cluster.
  returned: always
  type: list
  elements: str
  sample: [ceph osd require-osd-release tentacle]
"""

from ansible_collections.koor.ceph.plugins.module_utils import osd_release
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module, run_module


def main():
    module = ceph_module(dict(release=dict(type="str", required=True)))
    run_module(module, lambda runner: osd_release.apply(runner, module.params), validate=osd_release.validate)


if __name__ == "__main__":
    main()
