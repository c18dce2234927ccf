# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import glob
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.health import (
    HealthFormatError,
    blocking_checks,
    health_checks,
    health_ok,
    health_status,
    pg_state_is_clean,
    pg_summary,
    pgs_clean,
    severity_rank,
    unclean_pg_states,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def info(status='HEALTH_OK', checks=None, pgs=None):
    """The relevant part of a koor.ceph.ceph_status_info result."""
    result = {'changed': False, 'health': {'status': status, 'checks': checks or []}}
    if pgs is not None:
        result['pgs'] = pgs
    return result


def check(name, severity='HEALTH_WARN', muted=False, summary='something', detail=None, count=1):
    return {'name': name, 'severity': severity, 'summary': summary,
            'detail': detail or [], 'count': count, 'muted': muted}


NOOUT = check('OSDMAP_FLAGS', summary='noout flag(s) set')


# --- health_checks ----------------------------------------------------------

def test_health_checks_from_raw_ceph_status():
    checks = health_checks(load('ceph_status_degraded.json'))
    assert [c['name'] for c in checks] == ['MON_DOWN', 'OSD_DOWN', 'OSD_HOST_DOWN', 'PG_DEGRADED']
    assert checks[1] == {
        'name': 'OSD_DOWN',
        'severity': 'HEALTH_WARN',
        'summary': '1 osds down',
        'detail': [],
        'count': 1,
        'muted': False,
    }
    assert checks[3]['count'] == 64
    assert checks[3]['summary'].startswith('Degraded data redundancy: 1250/3750 objects degraded')


def test_health_checks_from_raw_health_detail_with_detail_lines_and_mutes():
    checks = health_checks(load('ceph_health_detail_muted.json'))
    assert checks == [
        {'name': 'OSDMAP_FLAGS', 'severity': 'HEALTH_WARN', 'summary': 'noout flag(s) set',
         'detail': [], 'count': 1, 'muted': False},
        {'name': 'RECENT_CRASH', 'severity': 'HEALTH_WARN', 'summary': '1 daemons have recently crashed',
         'detail': ['osd.1 crashed on host rook-ceph-osd-1-7d9c8b6f5-x2kqp at 2025-11-21T07:58:12.345678Z'],
         'count': 1, 'muted': True},
    ]


def test_health_checks_from_status_info_list_shape_is_kept():
    checks = [NOOUT, check('RECENT_CRASH', muted=True, detail=['osd.1 crashed'])]
    assert health_checks(info('HEALTH_WARN', checks)) == checks


def test_health_checks_both_shapes_agree():
    raw = load('ceph_health_detail_muted.json')
    normalised = health_checks(raw)
    assert health_checks(info(raw['status'], normalised)) == normalised
    assert health_checks({'health': raw}) == normalised


def test_health_checks_empty_when_healthy():
    assert health_checks(load('ceph_status_healthy.json')) == []
    assert health_checks(info()) == []
    assert health_checks({'health': {'status': 'HEALTH_OK'}}) == []


def test_health_checks_accepts_json_text():
    text = json.dumps(load('ceph_status_noout.json'))
    assert [c['name'] for c in health_checks(text)] == ['OSDMAP_FLAGS']
    assert [c['name'] for c in health_checks(text.encode('utf-8'))] == ['OSDMAP_FLAGS']


def test_health_checks_mutes_list_marks_check_muted_when_flag_missing():
    raw = {'status': 'HEALTH_OK',
           'checks': {'POOL_NO_REDUNDANCY': {'severity': 'HEALTH_WARN', 'summary': {'message': 'x', 'count': 1}}},
           'mutes': [{'code': 'POOL_NO_REDUNDANCY', 'sticky': True}]}
    assert health_checks(raw)[0]['muted'] is True


def test_health_checks_fills_defaults_for_sparse_checks():
    raw = {'health': {'status': 'HEALTH_WARN', 'checks': {
        'A': {'severity': 'health_warn', 'summary': 'plain text summary'},
        'B': {'severity': 'HEALTH_WARN', 'detail': [{'message': 'one'}, 'two']},
    }}}
    a, b = health_checks(raw)
    assert a == {'name': 'A', 'severity': 'HEALTH_WARN', 'summary': 'plain text summary',
                 'detail': [], 'count': 1, 'muted': False}
    assert b['detail'] == ['one', 'two']
    assert b['count'] == 2
    assert b['summary'] == ''


@pytest.mark.parametrize('value, message', [
    (None, r'got NoneType'),
    ([], r'got list'),
    ('not json', r'status is a string but not JSON'),
    ({'pgmap': {}}, r"no 'health' section \(keys: pgmap\)"),
    ({'health': {'checks': 'OSD_DOWN'}}, r'health checks must be an object or a list, got str'),
    ({'health': {'checks': [{'severity': 'HEALTH_WARN'}]}}, r'health check without a name'),
    ({'health': {'checks': {'OSD_DOWN': 'down'}}}, r"health check 'OSD_DOWN' is not an object"),
])
def test_health_checks_rejects_unknown_shapes(value, message):
    with pytest.raises(HealthFormatError, match=message):
        health_checks(value)


def test_health_format_error_is_a_value_error():
    assert issubclass(HealthFormatError, ValueError)


def test_health_status():
    assert health_status(load('ceph_status_noout.json')) == 'HEALTH_WARN'
    assert health_status(load('ceph_health_detail_all_muted.json')) == 'HEALTH_OK'
    assert health_status(info('HEALTH_ERR')) == 'HEALTH_ERR'
    assert health_status({'health': {'checks': {}}}) is None


# --- severity_rank ----------------------------------------------------------

@pytest.mark.parametrize('value, rank', [
    ('HEALTH_OK', 0), ('HEALTH_WARN', 1), ('HEALTH_ERR', 2),
    ('ok', 0), ('warn', 1), ('ERR', 2), (' health_warn ', 1),
])
def test_severity_rank(value, rank):
    assert severity_rank(value) == rank


@pytest.mark.parametrize('value', ['HEALTH_WARNING', 'bad', '', None, 'HEALTH_CRIT'])
def test_severity_rank_rejects_unknown(value):
    with pytest.raises(ValueError, match=r'is not a Ceph health severity'):
        severity_rank(value)


# --- health_ok --------------------------------------------------------------

def test_health_ok_raw_healthy():
    assert health_ok(load('ceph_status_healthy.json')) is True


def test_health_ok_raw_noout_blocks_unless_allowed():
    status = load('ceph_status_noout.json')
    assert health_ok(status) is False
    assert health_ok(status, allow=['OSDMAP_FLAGS']) is True
    assert health_ok(status, allow='OSDMAP_FLAGS') is True
    assert health_ok(status, allow=['osdmap_flags']) is True
    assert health_ok(status, allow=['OSD_DOWN']) is False


def test_health_ok_allowing_one_check_does_not_hide_others():
    status = load('ceph_status_degraded.json')
    assert health_ok(status, allow=['OSD_DOWN', 'OSD_HOST_DOWN']) is False
    assert health_ok(status, allow=['MON_DOWN', 'OSD_DOWN', 'OSD_HOST_DOWN', 'PG_DEGRADED']) is True


def test_health_ok_info_shape():
    assert health_ok(info()) is True
    assert health_ok(info('HEALTH_WARN', [NOOUT])) is False
    assert health_ok(info('HEALTH_WARN', [NOOUT]), allow=['OSDMAP_FLAGS']) is True


def test_health_ok_muted_checks_do_not_count():
    assert health_ok(load('ceph_health_detail_all_muted.json')) is True
    muted = load('ceph_health_detail_muted.json')
    assert health_ok(muted) is False
    assert health_ok(muted, allow=['OSDMAP_FLAGS']) is True
    assert health_ok(info('HEALTH_OK', [check('RECENT_CRASH', muted=True)])) is True
    assert health_ok(info('HEALTH_ERR', [check('OSD_FULL', 'HEALTH_ERR', muted=True)])) is True


def test_health_ok_max_severity():
    warn = info('HEALTH_WARN', [NOOUT])
    err = info('HEALTH_ERR', [NOOUT, check('OSD_FULL', 'HEALTH_ERR')])
    assert health_ok(warn, max_severity='HEALTH_WARN') is True
    assert health_ok(warn, max_severity='warn') is True
    assert health_ok(err, max_severity='HEALTH_WARN') is False
    assert health_ok(err, max_severity='HEALTH_ERR') is True
    assert health_ok(err, allow=['OSD_FULL'], max_severity='HEALTH_WARN') is True
    assert health_ok(load('ceph_status_degraded.json'), max_severity='HEALTH_WARN') is True


def test_health_ok_allowed_check_counts_at_any_severity():
    assert health_ok(info('HEALTH_ERR', [check('PG_DAMAGED', 'HEALTH_ERR')]), allow=['PG_DAMAGED']) is True


def test_health_ok_unknown_check_severity_counts_as_error():
    status = info('HEALTH_WARN', [check('NEW_CHECK', 'HEALTH_CRITICAL')])
    assert health_ok(status, max_severity='HEALTH_WARN') is False
    assert health_ok(status, max_severity='HEALTH_ERR') is True
    missing = {'health': {'checks': {'NEW_CHECK': {'summary': {'message': 'x'}}}}}
    assert health_ok(missing, max_severity='HEALTH_WARN') is False


def test_health_ok_without_checks_uses_overall_status():
    assert health_ok({'health': {'status': 'HEALTH_WARN'}}) is False
    assert health_ok({'health': {'status': 'HEALTH_WARN'}}, max_severity='HEALTH_WARN') is True
    assert health_ok({'health': {'status': 'HEALTH_OK', 'checks': {}}}) is True
    assert health_ok({'health': {'overall_status': 'HEALTH_ERR'}}, max_severity='HEALTH_WARN') is False


def test_health_ok_without_checks_or_status_is_an_error():
    with pytest.raises(HealthFormatError, match=r'neither checks nor a status'):
        health_ok({'health': {'mutes': []}})


def test_health_ok_rejects_bad_max_severity():
    with pytest.raises(ValueError, match=r"'HEALTH_BAD' is not a Ceph health severity"):
        health_ok(info(), max_severity='HEALTH_BAD')


def test_health_ok_rejects_bad_allow_items():
    with pytest.raises(ValueError, match=r'allow must be a list of health check names, got item 1'):
        health_ok(info(), allow=['OSD_DOWN', 1])


def test_health_ok_json_text():
    assert health_ok(json.dumps(load('ceph_status_healthy.json'))) is True
    assert health_ok(json.dumps(load('ceph_status_noout.json'))) is False


def test_health_ok_does_not_modify_input():
    status = load('ceph_health_detail_muted.json')
    before = copy.deepcopy(status)
    health_ok(status, allow=['OSDMAP_FLAGS'])
    health_checks(status)
    assert status == before


def test_blocking_checks_lists_what_stands_in_the_way():
    status = load('ceph_status_degraded.json')
    names = [c['name'] for c in blocking_checks(status, allow=['MON_DOWN', 'OSD_DOWN'])]
    assert names == ['OSD_HOST_DOWN', 'PG_DEGRADED']
    assert blocking_checks(load('ceph_health_detail_muted.json')) == [health_checks(load('ceph_health_detail_muted.json'))[0]]
    assert blocking_checks(load('ceph_status_healthy.json')) == []


# --- pg_state_is_clean ------------------------------------------------------

@pytest.mark.parametrize('state', [
    'active+clean',
    'active+clean+scrubbing',
    'active+clean+scrubbing+deep',
    'active+clean+snaptrim',
    'active+clean+snaptrim_wait',
    'clean+active',
    ' active+clean ',
])
def test_pg_state_is_clean(state):
    assert pg_state_is_clean(state) is True


@pytest.mark.parametrize('state', [
    'active+undersized+degraded',
    'active+undersized',
    'active+clean+remapped',
    'active+clean+inconsistent',
    'active+clean+scrubbing+deep+inconsistent+repair',
    'active+clean+snaptrim_error',
    'active+clean+laggy',
    'active+clean+wait',
    'active+clean+premerge',
    'active+recovering+degraded',
    'active+recovery_wait+degraded',
    'active+remapped+backfilling',
    'active+remapped+backfill_wait',
    'active+clean+failed_repair',
    'stale+active+clean',
    'unknown',
    'creating+peering',
    'peering',
    'active',
    'clean',
    'activating',
    'down',
    'incomplete',
    'undersized+degraded+peered',
    '',
    None,
    42,
])
def test_pg_state_is_not_clean(state):
    assert pg_state_is_clean(state) is False


# --- pg_summary / pgs_clean ---------------------------------------------------

def test_pg_summary_raw():
    assert pg_summary(load('ceph_status_healthy.json')) == {
        'total': 97,
        'states': {'active+clean': 96, 'active+clean+scrubbing': 1},
        'all_active_clean': True,
    }


def test_pgs_clean_raw_fixtures():
    assert pgs_clean(load('ceph_status_healthy.json')) is True
    assert pgs_clean(load('ceph_status_noout.json')) is True
    assert pgs_clean(load('ceph_status_degraded.json')) is False
    assert pgs_clean(load('ceph_status_no_pools.json')) is False


def test_pgs_clean_accepts_the_pgmap_alone_and_json_text():
    status = load('ceph_status_noout.json')
    assert pgs_clean(status['pgmap']) is True
    assert pgs_clean(json.dumps(status)) is True


def test_pgs_clean_info_shape():
    assert pgs_clean(info(pgs={'total': 97, 'states': {'active+clean': 97}, 'all_active_clean': True})) is True
    assert pgs_clean(info(pgs={'total': 97, 'states': {'active+clean': 90, 'active+clean+scrubbing+deep': 7},
                               'all_active_clean': True})) is True
    assert pgs_clean(info(pgs={'total': 97, 'states': {'active+clean': 90, 'active+undersized+degraded': 7},
                               'all_active_clean': False})) is False


def test_pgs_clean_info_states_win_over_reported_flag():
    # The states are the data; a stale or wrong flag does not make unclean PGs clean.
    assert pgs_clean(info(pgs={'total': 10, 'states': {'peering': 10}, 'all_active_clean': True})) is False
    assert pgs_clean(info(pgs={'total': 10, 'states': {'active+clean': 10}, 'all_active_clean': False})) is True


def test_pgs_clean_info_without_states_uses_reported_flag():
    assert pgs_clean(info(pgs={'total': 10, 'all_active_clean': True})) is True
    assert pgs_clean(info(pgs={'total': 10, 'all_active_clean': False})) is False
    assert pgs_clean(info(pgs={'total': 0, 'all_active_clean': True})) is False


def test_pgs_clean_needs_at_least_one_pg():
    assert pgs_clean({'pgmap': {'num_pgs': 0, 'pgs_by_state': []}}) is False
    assert pgs_clean(info(pgs={'total': 0, 'states': {}, 'all_active_clean': False})) is False


def test_pgs_clean_unknown_after_mgr_restart():
    status = {'pgmap': {'num_pgs': 97, 'pgs_by_state': [{'state_name': 'unknown', 'count': 97}]}}
    assert pgs_clean(status) is False
    assert unclean_pg_states(status) == {'unknown': 97}


def test_pgs_clean_creating_pool():
    status = {'pgmap': {'num_pgs': 129, 'pgs_by_state': [
        {'state_name': 'active+clean', 'count': 97},
        {'state_name': 'creating+peering', 'count': 32},
    ]}}
    assert pgs_clean(status) is False
    assert unclean_pg_states(status) == {'creating+peering': 32}


def test_pgs_clean_states_short_of_total_is_not_clean():
    # num_pgs counts PGs that pgs_by_state does not report yet: not all known to be clean.
    assert pgs_clean({'pgmap': {'num_pgs': 100, 'pgs_by_state': [{'state_name': 'active+clean', 'count': 97}]}}) is False
    assert pgs_clean({'pgmap': {'num_pgs': 100, 'pgs_by_state': []}}) is False


def test_pgs_clean_total_missing_is_the_sum_of_states():
    assert pg_summary({'pgs': {'states': {'active+clean': 5, 'active+clean+snaptrim': 1}}}) == {
        'total': 6, 'states': {'active+clean': 5, 'active+clean+snaptrim': 1}, 'all_active_clean': True}


def test_pgs_clean_zero_count_unclean_state_is_ignored():
    assert pgs_clean(info(pgs={'total': 4, 'states': {'active+clean': 4, 'peering': 0}})) is True


def test_unclean_pg_states():
    assert unclean_pg_states(load('ceph_status_degraded.json')) == {
        'active+undersized+degraded': 64, 'active+undersized': 33}
    assert unclean_pg_states(load('ceph_status_noout.json')) == {}


def test_pg_summary_gives_the_status_info_shape_from_raw():
    raw = load('ceph_status_degraded.json')
    summary = pg_summary(raw)
    assert summary == {'total': 97,
                       'states': {'active+undersized+degraded': 64, 'active+undersized': 33},
                       'all_active_clean': False}
    assert pg_summary(info(pgs=summary)) == summary


@pytest.mark.parametrize('value, message', [
    ({'health': {}}, r"no 'pgmap' \(ceph status -f json\) or 'pgs'"),
    ({'pgmap': {'num_pgs': 1, 'pgs_by_state': 'active+clean'}}, r'PG states must be an object or a list, got str'),
    ({'pgmap': {'num_pgs': 1, 'pgs_by_state': [{'count': 1}]}}, r'PG state entry needs state_name and count'),
    ({'pgmap': {'num_pgs': 1, 'pgs_by_state': ['active+clean']}}, r'PG state entry is not an object'),
    (7, r'got int'),
])
def test_pg_summary_rejects_unknown_shapes(value, message):
    with pytest.raises(HealthFormatError, match=message):
        pg_summary(value)


# --- invariants against every fixture, including lab recordings -------------

def _fixture_files():
    paths = sorted(glob.glob(os.path.join(FIXTURES, '*.json')))
    paths += sorted(glob.glob(os.path.join(FIXTURES, 'lab', '**', '*.json'), recursive=True))
    return paths


def _health_documents():
    docs = []
    for path in _fixture_files():
        with open(path) as handle:
            try:
                doc = json.load(handle)
            except ValueError:
                continue
        if not isinstance(doc, dict):
            continue
        health = doc.get('health') if isinstance(doc.get('health'), dict) else doc
        if isinstance(health.get('checks'), dict) and 'status' in health:
            docs.append(pytest.param(doc, id=os.path.relpath(path, FIXTURES)))
    return docs


def _pgmap_documents():
    docs = []
    for path in _fixture_files():
        with open(path) as handle:
            try:
                doc = json.load(handle)
            except ValueError:
                continue
        if isinstance(doc, dict) and isinstance(doc.get('pgmap'), dict) and 'num_pgs' in doc['pgmap']:
            docs.append(pytest.param(doc, id=os.path.relpath(path, FIXTURES)))
    return docs


@pytest.mark.parametrize('doc', _health_documents())
def test_health_ok_agrees_with_ceph_overall_status(doc):
    # Ceph's overall status is the worst severity among unmuted checks.
    health = doc.get('health', doc)
    assert health_ok(doc) is (health['status'] == 'HEALTH_OK')
    assert health_ok(doc, max_severity='HEALTH_WARN') is (health['status'] != 'HEALTH_ERR')
    checks = health_checks(doc)
    assert [c['name'] for c in checks] == list(health['checks'])
    assert health_ok(doc, allow=[c['name'] for c in checks]) is True


@pytest.mark.parametrize('doc', _pgmap_documents())
def test_pg_summary_agrees_with_ceph_pgmap(doc):
    summary = pg_summary(doc)
    assert summary['total'] == doc['pgmap']['num_pgs']
    assert sum(summary['states'].values()) == doc['pgmap']['num_pgs']
    if summary['all_active_clean'] and isinstance(doc.get('health'), dict):
        raised = set(doc['health'].get('checks') or {})
        assert not raised & {'PG_DEGRADED', 'PG_AVAILABILITY', 'PG_DAMAGED', 'PG_BACKFILL_FULL', 'PG_RECOVERY_FULL'}
