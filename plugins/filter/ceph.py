# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure filters for sizes, durations and Ceph health; documented in the sidecar <name>.yml files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.module_utils import health as _health
from ansible_collections.koor.ceph.plugins.module_utils import units as _units


def _fail(name, exc):
    return AnsibleFilterError('koor.ceph.%s: %s' % (name, exc))


def _flag(name, option, value):
    try:
        return _units.to_bool(value)
    except _units.UnitError as exc:
        raise _fail(name, '%s: %s' % (option, exc)) from exc


def to_bytes(value, binary_si=False):
    """'10Gi' -> 10737418240; plain SI letters are powers of 1000 unless binary_si."""
    try:
        return _units.to_bytes(value, binary_si=_flag('to_bytes', 'binary_si', binary_si))
    except (ValueError, TypeError) as exc:
        raise _fail('to_bytes', exc) from exc


def human_bytes(value, binary=True):
    """10737418240 -> '10 GiB' (or '10.74 GB' with binary=false)."""
    try:
        return _units.human_bytes(value, binary=_flag('human_bytes', 'binary', binary))
    except (ValueError, TypeError) as exc:
        raise _fail('human_bytes', exc) from exc


def to_seconds(value):
    """'1h30m' -> 5400, '500ms' -> 0.5."""
    try:
        return _units.to_seconds(value)
    except (ValueError, TypeError) as exc:
        raise _fail('to_seconds', exc) from exc


def ceph_health_ok(status, allow=None, max_severity='HEALTH_OK'):
    """True when only muted, allowed or tolerated-severity checks are raised."""
    try:
        return _health.health_ok(status, allow=allow, max_severity=max_severity)
    except (ValueError, TypeError) as exc:
        raise _fail('ceph_health_ok', exc) from exc


def ceph_pgs_clean(status):
    """True when there is at least one PG and every PG is active+clean."""
    try:
        return _health.pgs_clean(status)
    except (ValueError, TypeError) as exc:
        raise _fail('ceph_pgs_clean', exc) from exc


def ceph_health_checks(status):
    """The health checks as a list of {name, severity, summary, detail, count, muted}."""
    try:
        return _health.health_checks(status)
    except (ValueError, TypeError) as exc:
        raise _fail('ceph_health_checks', exc) from exc


class FilterModule(object):
    """koor.ceph filters."""

    def filters(self):
        return {
            'to_bytes': to_bytes,
            'human_bytes': human_bytes,
            'to_seconds': to_seconds,
            'ceph_health_ok': ceph_health_ok,
            'ceph_pgs_clean': ceph_pgs_clean,
            'ceph_health_checks': ceph_health_checks,
        }
