# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the Rook use-case roles (rook_block, rook_object, rook_file); documented in the sidecar
<name>.yml files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.module_utils import rook_use_cases as _use_cases


def rook_use_case_items(items, kind, profiles, default_profile=None):
    """Declared items over their profiles, with the names the templates use filled in."""
    try:
        return _use_cases.merge_items(items, kind, profiles, default_profile)
    except (_use_cases.UseCaseError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_use_case_items: %s' % exc) from exc


def rook_use_case_problems(items, kind, profiles, default_profile=None, crush_dump=None, namespaces=None,
                           options=None):
    """What is wrong with a declaration (unknown profiles and options, bad sizes, placements the
    cluster's CRUSH map cannot hold, names declared twice); empty when it is sound."""
    try:
        return _use_cases.declaration_problems(items, kind, profiles, default_profile, crush_dump=crush_dump or None,
                                               namespaces=namespaces, options=options)
    except (_use_cases.UseCaseError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_use_case_problems: %s' % exc) from exc


def rook_resource_problems(entries, existing=None):
    """Rendered resources declared twice, or StorageClasses / VolumeSnapshotClasses that clash with
    the cluster's."""
    try:
        return _use_cases.resource_problems(entries, existing)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_resource_problems: %s' % exc) from exc


def rook_resources_to_wait_for(entries, applied=None):
    """The rendered resources with a phase to wait for that their apply did not already show settled."""
    try:
        return _use_cases.to_wait_for(entries, applied)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_resources_to_wait_for: %s' % exc) from exc


def rook_apply_results(entries, applied):
    """One loop-like result per rendered resource from one kubernetes.core.k8s run that applied them all."""
    try:
        return _use_cases.apply_results(entries, applied)
    except (_use_cases.UseCaseError, KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_apply_results: %s' % exc) from exc


def rook_resource_settled(obj, ready):
    """Whether a Rook resource (as the API returned it) is in the phase ``ready`` for its current generation."""
    try:
        return _use_cases.is_settled(obj, ready)
    except (TypeError, AttributeError) as exc:
        raise AnsibleFilterError('koor.ceph.rook_resource_settled: %s' % exc) from exc


class FilterModule(object):
    """koor.ceph filters of the Rook use-case roles."""

    def filters(self):
        return {
            'rook_use_case_items': rook_use_case_items,
            'rook_use_case_problems': rook_use_case_problems,
            'rook_resource_problems': rook_resource_problems,
            'rook_resources_to_wait_for': rook_resources_to_wait_for,
            'rook_apply_results': rook_apply_results,
            'rook_resource_settled': rook_resource_settled,
        }
