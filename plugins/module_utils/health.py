# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading Ceph health and placement-group state from either of two shapes.

Shapes accepted by every public function here (as a dict, or as its JSON text):

``ceph status -f json`` (raw)::

    {"health": {"status": "HEALTH_WARN",
                "checks": {"OSDMAP_FLAGS": {"severity": "HEALTH_WARN",
                                            "summary": {"message": "noout flag(s) set", "count": 1},
                                            "muted": false}},
                "mutes": []},
     "pgmap": {"num_pgs": 97, "pgs_by_state": [{"state_name": "active+clean", "count": 97}]}}

``ceph health detail -f json`` is the ``health`` object above on its own, with a
``detail`` list (``[{"message": "..."}]``) in each check; it is accepted too, as is the
``pgmap`` object on its own.

The return of the ``koor.ceph.ceph_status_info`` module (normalised)::

    {"health": {"status": "HEALTH_WARN",
                "checks": [{"name": "OSDMAP_FLAGS", "severity": "HEALTH_WARN",
                            "summary": "noout flag(s) set", "detail": ["..."],
                            "count": 1, "muted": false}]},
     "pgs": {"total": 97, "states": {"active+clean": 97}, "all_active_clean": true}}

``health_checks`` and ``pg_summary`` produce the normalised forms, so the
``ceph_status_info`` module can build its return value from raw JSON with them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from collections.abc import Mapping


SEVERITIES = ('HEALTH_OK', 'HEALTH_WARN', 'HEALTH_ERR')

# PG state flags that may accompany active+clean without the data being at risk or
# I/O being held: background scrubs and snapshot trimming.
BENIGN_CLEAN_PG_FLAGS = frozenset(('scrubbing', 'deep', 'snaptrim', 'snaptrim_wait'))


class HealthFormatError(ValueError):
    """The input is neither raw Ceph JSON nor a ceph_status_info result."""


def _load(status):
    if isinstance(status, bytes):
        status = status.decode('utf-8')
    if isinstance(status, str):
        try:
            status = json.loads(status)
        except ValueError as exc:
            raise HealthFormatError('status is a string but not JSON (%s): %r' % (exc, status[:80])) from exc
    if not isinstance(status, Mapping):
        raise HealthFormatError(
            'status must be the JSON of `ceph status -f json` / `ceph health detail -f json` '
            'or the result of koor.ceph.ceph_status_info, got %s' % type(status).__name__
        )
    return status


def _health_section(status):
    status = _load(status)
    health = status.get('health')
    if isinstance(health, Mapping):
        return health
    if 'checks' in status or 'status' in status:
        # `ceph health detail -f json`, or the health object itself.
        return status
    raise HealthFormatError(
        "status has no 'health' section (keys: %s); pass the JSON of `ceph status -f json`, "
        '`ceph health detail -f json` or the result of koor.ceph.ceph_status_info' % ', '.join(sorted(status)[:10])
    )


def severity_rank(severity):
    """Return 0, 1 or 2 for HEALTH_OK, HEALTH_WARN, HEALTH_ERR.

    ``OK``/``WARN``/``ERR`` and lower case are accepted. Raises ValueError otherwise.
    """
    text = str(severity).strip().upper()
    if not text.startswith('HEALTH_'):
        text = 'HEALTH_' + text
    if text not in SEVERITIES:
        raise ValueError('%r is not a Ceph health severity (expected one of %s)' % (severity, ', '.join(SEVERITIES)))
    return SEVERITIES.index(text)


def _check_rank(severity):
    # A severity this code does not know (a future Ceph, a damaged input) counts as the worst.
    try:
        return severity_rank(severity)
    except ValueError:
        return len(SEVERITIES) - 1


def _message(item):
    if isinstance(item, Mapping):
        return str(item.get('message', ''))
    return str(item)


def _normalise_check(name, raw, muted_names):
    if not isinstance(raw, Mapping):
        raise HealthFormatError('health check %r is not an object: %r' % (name, raw))
    summary = raw.get('summary', '')
    summary_count = None
    if isinstance(summary, Mapping):
        summary_count = summary.get('count')
        summary = summary.get('message', '')
    detail = raw.get('detail') or []
    if isinstance(detail, (str, Mapping)):
        detail = [detail]
    detail = [_message(item) for item in detail]
    count = raw.get('count', summary_count)
    if count is None:
        # Ceph has reported a count since Octopus; older input: one per detail line, at least one.
        count = len(detail) or 1
    severity = raw.get('severity')
    return {
        'name': str(name),
        'severity': str(severity).upper() if severity is not None else None,
        'summary': str(summary),
        'detail': detail,
        'count': int(count),
        'muted': bool(raw.get('muted', False)) or str(name) in muted_names,
    }


def health_checks(status):
    """Return the health checks of ``status`` as a list of normalised dicts.

    Each item has ``name``, ``severity`` (``HEALTH_WARN``/``HEALTH_ERR``), ``summary`` (str),
    ``detail`` (list of str, empty when the input has none, as in `ceph status`), ``count``
    (int) and ``muted`` (bool). Order is the input's (Ceph sorts checks by name).
    """
    health = _health_section(status)
    muted_names = set()
    for mute in health.get('mutes') or []:
        if isinstance(mute, Mapping) and mute.get('code'):
            muted_names.add(str(mute['code']))
    checks = health.get('checks') or []
    result = []
    if isinstance(checks, Mapping):
        for name, raw in checks.items():
            result.append(_normalise_check(name, raw, muted_names))
    elif isinstance(checks, (list, tuple)):
        for raw in checks:
            if not isinstance(raw, Mapping) or not raw.get('name'):
                raise HealthFormatError('health check without a name: %r' % (raw,))
            result.append(_normalise_check(raw['name'], raw, muted_names))
    else:
        raise HealthFormatError('health checks must be an object or a list, got %s' % type(checks).__name__)
    return result


def health_status(status):
    """Return the overall status string (``HEALTH_OK``, ``HEALTH_WARN``, ``HEALTH_ERR``) or None."""
    health = _health_section(status)
    value = health.get('status', health.get('overall_status'))
    return str(value).upper() if value is not None else None


def _allowed_names(allow):
    if allow is None:
        return frozenset()
    if isinstance(allow, str):
        allow = [allow]
    names = set()
    for name in allow:
        if not isinstance(name, str):
            raise ValueError('allow must be a list of health check names, got item %r' % (name,))
        names.add(name.strip().upper())
    return frozenset(names)


def blocking_checks(status, allow=None, max_severity='HEALTH_OK'):
    """Return the normalised checks that make ``status`` not OK.

    A check does not block when it is muted, when its name is in ``allow`` (at any
    severity), or when its severity is at most ``max_severity``.
    """
    return _blocking(health_checks(status), _allowed_names(allow), severity_rank(max_severity))


def _blocking(checks, allowed, limit):
    return [
        check for check in checks
        if not check['muted']
        and check['name'].upper() not in allowed
        and _check_rank(check['severity']) > limit
    ]


def health_ok(status, allow=None, max_severity='HEALTH_OK'):
    """Return True when the cluster health is acceptable.

    Acceptable means: no raised check other than muted ones, those named in ``allow``
    (e.g. ``['OSDMAP_FLAGS']`` while ``noout`` is set for maintenance) and those whose
    severity is at most ``max_severity`` (``HEALTH_OK`` by default, so any other check
    blocks; ``HEALTH_WARN`` tolerates warnings). When the input lists no checks at all
    the overall ``status`` decides.
    """
    allowed = _allowed_names(allow)
    limit = severity_rank(max_severity)
    checks = health_checks(status)
    if checks:
        return not _blocking(checks, allowed, limit)
    overall = health_status(status)
    if overall is None:
        raise HealthFormatError('health has neither checks nor a status: %r' % (dict(_health_section(status)),))
    return _check_rank(overall) <= limit


def pg_state_is_clean(state_name):
    """Return True when a PG state string (``active+clean+scrubbing``) counts as clean.

    It must hold both ``active`` and ``clean``, and nothing else but background work
    that neither risks data nor holds I/O: ``scrubbing``, ``deep``, ``snaptrim`` and
    ``snaptrim_wait``. Anything else (``degraded``, ``undersized``, ``remapped``,
    ``backfill*``, ``recover*``, ``inconsistent``, ``repair``, ``laggy``, ``wait``,
    ``peering``, ``stale``, ``unknown``, ...) means not clean.
    """
    if not isinstance(state_name, str):
        return False
    flags = set(state_name.strip().lower().split('+'))
    if not {'active', 'clean'} <= flags:
        return False
    return flags - {'active', 'clean'} <= BENIGN_CLEAN_PG_FLAGS


def _state_counts(states):
    counts = {}
    if isinstance(states, Mapping):
        items = states.items()
    elif isinstance(states, (list, tuple)):
        items = []
        for entry in states:
            if not isinstance(entry, Mapping):
                raise HealthFormatError('PG state entry is not an object: %r' % (entry,))
            name = entry.get('state_name', entry.get('name'))
            count = entry.get('count', entry.get('num'))
            if name is None or count is None:
                raise HealthFormatError('PG state entry needs state_name and count: %r' % (dict(entry),))
            items.append((name, count))
    else:
        raise HealthFormatError('PG states must be an object or a list, got %s' % type(states).__name__)
    for name, count in items:
        counts[str(name)] = counts.get(str(name), 0) + int(count)
    return counts


def pg_summary(status):
    """Return ``{"total": N, "states": {state: count}, "all_active_clean": bool}``.

    ``all_active_clean`` is True only when there is at least one PG and every PG is in
    a state ``pg_state_is_clean`` accepts.
    """
    status = _load(status)
    if isinstance(status.get('pgmap'), Mapping) or 'num_pgs' in status:
        pgmap = status['pgmap'] if isinstance(status.get('pgmap'), Mapping) else status
        states = _state_counts(pgmap.get('pgs_by_state') or [])
        total = pgmap.get('num_pgs')
        reported_clean = None
    elif isinstance(status.get('pgs'), Mapping):
        pgs = status['pgs']
        states = _state_counts(pgs.get('states') or {})
        total = pgs.get('total')
        reported_clean = pgs.get('all_active_clean')
    else:
        raise HealthFormatError(
            "status has no 'pgmap' (ceph status -f json) or 'pgs' (koor.ceph.ceph_status_info) section"
        )
    if total is None:
        total = sum(states.values())
    total = int(total)
    if states:
        clean = sum(count for name, count in states.items() if pg_state_is_clean(name))
        unclean = sum(count for name, count in states.items() if count and not pg_state_is_clean(name))
        all_clean = total > 0 and unclean == 0 and clean == total
    else:
        all_clean = total > 0 and bool(reported_clean)
    return {'total': total, 'states': states, 'all_active_clean': all_clean}


def unclean_pg_states(status):
    """Return ``{state: count}`` for the PG states that are not clean (empty when all are)."""
    return dict(
        (name, count) for name, count in pg_summary(status)['states'].items()
        if count and not pg_state_is_clean(name)
    )


def pgs_clean(status):
    """Return True when there is at least one PG and every PG is active+clean."""
    return pg_summary(status)['all_active_clean']
