# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mgr modules: parsing `mgr module ls` (recorded from the lab's Ceph 20.2.4) and plans."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.mgr_modules import MgrModules, parse_module_ls
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.plugins.module_utils.runner import describe

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')

with open(os.path.join(FIXTURES, 'ceph_mgr_module_ls.json')) as _handle:
    LISTING = json.load(_handle)


class FakeRunner:
    check_mode = True

    def __init__(self, listing=None):
        self.listing = listing if listing is not None else LISTING
        self.reads = []
        self.commands = []

    def mon(self, prefix, **args):
        self.reads.append(prefix)
        assert prefix == 'mgr module ls'
        return copy.deepcopy(self.listing)

    def write(self, prefix, inbuf='', **args):
        cmd = dict(prefix=prefix, format='json')
        cmd.update(args)
        self.commands.append(describe(cmd))


def run(*items, **kwargs):
    runner = FakeRunner(**kwargs)
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
    assert runner.reads == ['mgr module ls']
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
    runner = FakeRunner()
    with pytest.raises(CephInputError) as info:
        apply_set(runner, MgrModules(), [dict(dict(state='present'), **i) for i in items], 'modules')
    assert message in info.value.msg
    assert runner.commands == []
