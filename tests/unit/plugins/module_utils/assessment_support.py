# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bundles of the assessment from the lab's recordings (tests/unit/fixtures/lab/replies/assessment*.json,
recorded with assessment_record.py): ``assessment`` a clean lab, ``assessment_problems`` the same lab with
a size-1 pool, a pool with min_size = size, osd.2 stopped, the nearfull ratio at 0.001, a posted crash, noout,
insecure global_id reclaim allowed and an RGW user without quota."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import LAB, fake_runner
from ansible_collections.koor.ceph.plugins.module_utils.assessment import gather

_CACHE = {}


def lab_bundle(name="assessment"):
    """The bundle gather.collect() makes from a recording set (through the real runner on the agent fake),
    dated when it was recorded."""
    if name not in _CACHE:
        runner = fake_runner(name)
        bundle = gather.collect(runner)
        with open(os.path.join(LAB, "assessment", name, "collected_at")) as handle:
            bundle["collected_at"] = handle.read().strip()
        _CACHE[name] = (bundle, runner)
    return copy.deepcopy(_CACHE[name][0])


def lab_runner(name="assessment"):
    lab_bundle(name)
    return _CACHE[name][1]
