# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the rolling upgrade's plan; documented in the sidecar <name>.yml files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.module_utils import upgrade_plan as _plan


def ceph_upgrade_plan_lines(result, require_osd_release=True):
    """The plan and every gate, one line each."""
    try:
        return _plan.plan_lines(result, require_osd_release=require_osd_release)
    except (ValueError, TypeError, KeyError) as exc:
        raise AnsibleFilterError('koor.ceph.ceph_upgrade_plan_lines: %s' % exc) from exc


def ceph_upgrade_sole_daemons(result):
    """The planned daemons that are the cluster's only mon or only MDS."""
    try:
        return _plan.sole_daemons(result)
    except (ValueError, TypeError, KeyError) as exc:
        raise AnsibleFilterError('koor.ceph.ceph_upgrade_sole_daemons: %s' % exc) from exc


def ceph_upgrade_sole_outage(result):
    """What restarting those daemons stops, in words."""
    try:
        return _plan.sole_outage(result)
    except (ValueError, TypeError, KeyError) as exc:
        raise AnsibleFilterError('koor.ceph.ceph_upgrade_sole_outage: %s' % exc) from exc


class FilterModule(object):
    """koor.ceph rolling upgrade filters."""

    def filters(self):
        return {
            'ceph_upgrade_plan_lines': ceph_upgrade_plan_lines,
            'ceph_upgrade_sole_daemons': ceph_upgrade_sole_daemons,
            'ceph_upgrade_sole_outage': ceph_upgrade_sole_outage,
        }
