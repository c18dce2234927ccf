# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build Rook custom resource fragments; documented in the sidecar <name>.yml files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.module_utils import rook_storage as _rook_storage


def rook_storage_nodes(disk_facts, devices=None, device_class=None, config=None, use_by_id=False,
                       require_eligible=True):
    """disk_info results per node -> CephCluster spec.storage.nodes."""
    try:
        return _rook_storage.storage_nodes(disk_facts, devices=devices, device_class=device_class, config=config,
                                           use_by_id=use_by_id, require_eligible=require_eligible)
    except (ValueError, TypeError, KeyError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_storage_nodes: %s' % exc) from exc


class FilterModule(object):
    """koor.ceph Rook filters."""

    def filters(self):
        return {'rook_storage_nodes': rook_storage_nodes}
