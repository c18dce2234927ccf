# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mgr modules: parsing `mgr module ls` (recorded from the lab's Ceph 20.2.4) and plans."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError, CephTimeoutError
from ansible_collections.koor.ceph.plugins.module_utils.mgr_modules import (
    MgrModules,
    client_ids,
    parse_module_ls,
    wait_for_clients,
    wait_for_restart,
)
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, key, mon, reply

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')

with open(os.path.join(FIXTURES, 'ceph_mgr_module_ls.json')) as _handle:
    LISTING = json.load(_handle)


def mgr_runner(listing=None, dumps=None, check_mode=True):
    """The real runner on the agent fake (recording set mgr); ``dumps``: successive `mgr dump`
    answers (active gid, available), the last one repeats."""
    runner = fake_runner('mgr', check_mode=check_mode)
    if listing is not None:
        runner.agent.answer(mon('mgr module ls'), listing)
    if dumps:
        runner.agent.answer(mon('mgr dump'), *[{'active_gid': gid, 'available': available, 'active_name': 'x'}
                                               for gid, available in dumps])
    runner.agent.answer(mon('mgr module enable', module='stats'), reply())  # a real run's write: Ceph answers ''
    return runner


def run(*items, **kwargs):
    runner = mgr_runner(**kwargs)
    result = apply_set(runner, MgrModules(), [dict(dict(state='present'), **i) for i in items], 'modules')
    return runner, result


def test_parse_recorded_listing():
    modules = parse_module_ls(LISTING)
    assert modules['balancer'] == {'enabled': True, 'always_on': True, 'can_run': True, 'error': ''}
    assert modules['iostat'] == {'enabled': True, 'always_on': False, 'can_run': True, 'error': ''}
    assert modules['stats']['enabled'] is False and modules['stats']['can_run'] is True
    assert modules['influx']['can_run'] is False
    assert modules['influx']['error'] == 'influxdb python module not found'
    assert 'dashboard' not in modules  # not installed in the lab's image


def test_always_on_modules_of_older_releases_are_a_dict_per_release():
    listing = {'always_on_modules': {'octopus': ['balancer', 'crash'], 'pacific': ['balancer', 'volumes']},
               'enabled_modules': ['prometheus'], 'disabled_modules': [{'name': 'stats', 'can_run': True}]}
    modules = parse_module_ls(listing)
    assert sorted(n for n, m in modules.items() if m['always_on']) == ['balancer', 'crash', 'volumes']
    assert modules['prometheus']['enabled'] and not modules['stats']['enabled']


def test_force_disabled_modules_count_as_disabled():
    listing = dict(LISTING, force_disabled_modules=['volumes'])
    assert parse_module_ls(listing)['volumes']['enabled'] is False


def test_plans_touch_only_what_differs_with_one_read():
    runner, result = run(dict(name='stats'), dict(name='iostat'), dict(name='balancer'),
                         dict(name='nfs', state='absent'), dict(name='insights', state='absent'))
    assert runner.read_prefixes() == ['mgr module ls', 'mgr dump']  # the active mgr, known before the change
    assert runner.commands == ['ceph mgr module enable stats', 'ceph mgr module disable nfs']
    assert [m['changed'] for m in result['modules']] == [True, False, False, True, False]
    assert result['modules'][0] == {'name': 'stats', 'state': 'present', 'always_on': False, 'changed': True}
    assert result['diff']['before']['nfs'] == {'always_on': False, 'state': 'present'}
    assert result['diff']['after']['nfs'] == {'state': 'absent'}


@pytest.mark.parametrize('items, message', [
    ([dict(name='balancer', state='absent')], "'balancer' is always on in this Ceph release and cannot be disabled"),
    ([dict(name='dashboard')], "mgr module 'dashboard' is unknown to the active mgr (modules: alerts, balancer,"),
    ([dict(name='influx')], "'influx' cannot run on the active mgr: influxdb python module not found"),
    ([dict(name='stats'), dict(name='stats', state='absent')], 'modules listed more than once: stats'),
])
def test_bad_input_is_refused_before_any_write(items, message):
    runner = mgr_runner()
    with pytest.raises(CephInputError) as info:
        apply_set(runner, MgrModules(), [dict(dict(state='present'), **i) for i in items], 'modules')
    assert message in info.value.msg
    assert runner.commands == []


def test_a_no_op_reads_only_the_module_list():
    runner, result = run(dict(name='iostat'), dict(name='volumes'), dict(name='stats', state='absent'))
    assert runner.read_prefixes() == ['mgr module ls'] and result['changed'] is False


def test_wait_for_restart_returns_when_a_new_active_mgr_is_available():
    runner = mgr_runner(dumps=[(4100, True), (4100, True), (0, False), (4300, False), (4300, True)], check_mode=False)
    resource = MgrModules()
    apply_set(runner, resource, [dict(name='stats', state='present')], 'modules')
    assert resource.active_gid == 4100
    wait_for_restart(runner, resource, timeout=5, interval=0)
    assert runner.read_prefixes() == ['mgr module ls', 'mgr dump'] + ['mgr dump'] * 4


def test_wait_for_restart_times_out_with_a_clear_error():
    runner = mgr_runner(dumps=[(4100, True)], check_mode=False)
    resource = MgrModules()
    apply_set(runner, resource, [dict(name='stats', state='present')], 'modules')
    with pytest.raises(CephTimeoutError, match='was not active again within 0s'):
        wait_for_restart(runner, resource, timeout=0.05, interval=0.01)


@pytest.mark.parametrize('check_mode, dumps', [(True, [(4100, True)]), (False, [(0, False)])])
def test_no_wait_in_check_mode_or_without_an_active_mgr(check_mode, dumps):
    runner = mgr_runner(dumps=dumps, check_mode=check_mode)
    resource = MgrModules()
    apply_set(runner, resource, [dict(name='stats', state='present')], 'modules')
    reads = len(runner.reads)
    wait_for_restart(runner, resource, timeout=5, interval=0)
    assert len(runner.reads) == reads


def clients_runner(*clients, **options):
    """Successive `mgr dump` answers with the clients the mgr reported (the last one repeats)."""
    runner = fake_runner('mgr', check_mode=options.get('check_mode', False))
    runner.agent.answer(mon('mgr dump'), *[dict(active_gid=4100, available=True, active_clients=[
        {'name': 'volumes', 'addrvec': [{'type': 'v2', 'addr': '127.0.0.1:0', 'nonce': n}]} for n in nonces])
        for nonces in clients])
    return runner


def dumps_read(runner):
    return runner.read_prefixes().count('mgr dump')


def test_wait_for_clients_returns_once_the_mgr_reported_a_new_client():
    runner = clients_runner([1], [1], [1, 2], [1, 2])
    resource = MgrModules()
    resource.clients = client_ids(runner.mon('mgr dump'))
    wait_for_clients(runner, resource, timeout=5, interval=0)
    assert dumps_read(runner) == 3 and len(runner.agent.answers[key(mon('mgr dump'))]) == 1


def test_wait_for_clients_gives_up_after_the_timeout_without_failing():
    runner = clients_runner([1, 2])
    resource = MgrModules()
    resource.clients = client_ids(runner.mon('mgr dump'))
    wait_for_clients(runner, resource, timeout=0.05, interval=0.01)
    assert dumps_read(runner) > 2


@pytest.mark.parametrize('check_mode, clients', [(True, set()), (False, None)])
def test_no_wait_for_clients_in_check_mode_or_without_a_change(check_mode, clients):
    runner = clients_runner([1], check_mode=check_mode)
    resource = MgrModules()
    resource.clients = clients
    wait_for_clients(runner, resource, timeout=5, interval=0)
    assert dumps_read(runner) == 0


def test_a_change_records_the_clients_of_the_mgr():
    runner = mgr_runner()
    resource = MgrModules()
    apply_set(runner, resource, [dict(name='stats', state='present')], 'modules')
    assert resource.clients == set()  # the recorded dump reports none
    resource = MgrModules()
    apply_set(runner, resource, [dict(name='balancer', state='present')], 'modules')
    assert resource.clients is None  # no change, no restart
