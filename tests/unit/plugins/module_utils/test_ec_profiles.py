# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Erasure-code profiles: normalising, command building and plans, on JSON recorded from the lab.

``ceph_ec_profile_osd_dump.json`` holds the profiles default (k=2 m=2 isa, no CRUSH keys),
rec-ec (k=2 m=1, failure domain osd, class hdd, stripe_unit 8K; used by the pool rec-ecpool)
and rec-jer (jerasure cauchy_good, failure domain osd; unused). The lab has one host with 3 OSDs.
The agent fake answers from the recording set ``resources``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.ec_profiles import EcProfiles, normalise, profile_words
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


CRUSH = fixture('ceph_crush_rule_osd_crush_dump.json')
OSD_DUMP = fixture('ceph_ec_profile_osd_dump.json')
PROFILES = OSD_DUMP['erasure_code_profiles']


def item(**options):
    base = dict(name=None, state='present', k=None, m=None, plugin=None, technique=None, crush_root=None,
                crush_failure_domain=None, crush_device_class=None, stripe_unit=None, force=False)
    base.update(options)
    return base


def run(*items):
    runner = fake_runner('resources')
    result = apply_set(runner, EcProfiles(), list(items), 'profiles')
    return runner, result


def test_normalise_recorded_profiles():
    assert normalise(PROFILES['rec-ec']) == {
        'k': 2, 'm': 1, 'plugin': 'isa', 'technique': 'reed_sol_van', 'crush_root': 'default',
        'crush_failure_domain': 'osd', 'crush_device_class': 'hdd', 'stripe_unit': 8192}
    # the default profile predates the CRUSH keys: Ceph's defaults stand in for them
    assert normalise(PROFILES['default']) == {
        'k': 2, 'm': 2, 'plugin': 'isa', 'technique': 'reed_sol_van', 'crush_root': 'default',
        'crush_failure_domain': 'host', 'crush_device_class': '', 'stripe_unit': None}


def test_profile_words_put_managed_keys_first_then_the_rest_sorted():
    assert profile_words(PROFILES['rec-jer']) == [
        'k=2', 'm=1', 'plugin=jerasure', 'technique=cauchy_good', 'crush-root=default', 'crush-failure-domain=osd',
        'crush-device-class=', 'crush-num-failure-domains=0', 'crush-osds-per-failure-domain=0',
        'jerasure-per-chunk-alignment=false', 'packetsize=2048', 'w=8']


def test_create_writes_only_the_declared_keys_and_reads_twice():
    runner, result = run(item(name='new', k=2, m=1, crush_failure_domain='osd', stripe_unit='64K'),
                         item(name='gone', state='absent'))
    assert runner.read_prefixes() == ['osd crush dump', 'osd dump']
    assert runner.commands == ['ceph osd erasure-code-profile set new k=2 m=1 crush-failure-domain=osd '
                               'stripe_unit=65536']
    assert result['profiles'][0] == {'name': 'new', 'state': 'present', 'changed': True, 'k': 2, 'm': 1,
                                     'crush_failure_domain': 'osd', 'stripe_unit': 65536}
    assert result['profiles'][1] == {'name': 'gone', 'state': 'absent', 'changed': False}


@pytest.mark.parametrize('declared', [
    dict(k=2, m=1, stripe_unit='8K'),
    dict(stripe_unit=8192, crush_root='default', crush_device_class='hdd'),
    dict(stripe_unit='8Ki', plugin='isa', technique='reed_sol_van', crush_failure_domain='osd'),
])
def test_a_profile_declared_as_it_is_is_unchanged(declared):
    runner, result = run(item(name='rec-ec', **declared))
    assert result['changed'] is False and runner.commands == []


def test_force_overwrites_an_unused_profile_keeping_what_is_not_declared():
    runner, result = run(item(name='rec-jer', stripe_unit='16K', force=True))
    assert runner.commands == [
        'ceph osd erasure-code-profile set rec-jer k=2 m=1 plugin=jerasure technique=cauchy_good crush-root=default '
        'crush-failure-domain=osd crush-device-class= stripe_unit=16384 crush-num-failure-domains=0 '
        'crush-osds-per-failure-domain=0 jerasure-per-chunk-alignment=false packetsize=2048 w=8 '
        '--force --yes-i-really-mean-it']
    assert result['diff']['before']['rec-jer']['stripe_unit'] is None
    assert result['diff']['after']['rec-jer']['stripe_unit'] == 16384


def test_a_new_plugin_drops_the_old_plugins_keys_and_technique():
    runner, result = run(item(name='rec-jer', plugin='isa', force=True))
    assert runner.commands == [
        'ceph osd erasure-code-profile set rec-jer k=2 m=1 plugin=isa technique=reed_sol_van crush-root=default '
        'crush-failure-domain=osd crush-device-class= crush-num-failure-domains=0 crush-osds-per-failure-domain=0 '
        '--force --yes-i-really-mean-it']
    assert result['diff']['after']['rec-jer']['technique'] == 'reed_sol_van'


@pytest.mark.parametrize('items, message', [
    ([item(name='rec-jer', k=3, m=1)], 'k+m=4 chunks need 4 distinct osds'),
    ([item(name='rec-jer', plugin='isa')], "exists with other values (plugin 'jerasure' -> 'isa', technique "
                                           "'cauchy_good' -> 'reed_sol_van'): set force: true"),
    ([item(name='rec-ec', crush_device_class='', force=True)],
     "is used by pool(s) rec-ecpool and cannot change (crush_device_class 'hdd' -> '')"),
    ([item(name='rec-ec', state='absent')], 'is used by pool(s) rec-ecpool and cannot be deleted'),
    ([item(name='x', k=2, m=1)], 'k+m=3 chunks need 3 distinct hosts (failure domain) under root \'default\', '
                                 'the cluster has 1'),
    ([item(name='x', k=2, m=1, crush_failure_domain='host', crush_device_class='hdd')],
     'with device class hdd, the cluster has 1'),
    ([item(name='x', k=1, m=1, crush_failure_domain='osd')], 'k must be at least 2, got 1'),
    ([item(name='x', k=2, m=0, crush_failure_domain='osd')], 'm must be at least 1, got 0'),
    ([item(name='x', k=2)], 'a new profile needs k and m'),
    ([item(name='x', k=2, m=1, crush_failure_domain='osd', technique='cauchy')],
     None),  # isa's cauchy exists; no plugin given: any known technique passes
    ([item(name='x', k=2, m=1, crush_failure_domain='osd', technique='fast')], "technique 'fast' is not one of"),
    ([item(name='x', k=2, m=1, crush_failure_domain='osd', plugin='jerasure', technique='liberation')],
     'technique liberation needs m=2'),
    ([item(name='x', k=2, m=1, crush_failure_domain='osd', stripe_unit=0)], 'stripe_unit must be at least 1 byte'),
    ([item(name='x', k=2, m=1, crush_failure_domain='osd', stripe_unit='4 kb')], "stripe_unit: '4 kb'"),
    ([item(name='x', k=2, m=1, crush_failure_domain='osd', crush_root='nowhere')], "CRUSH root 'nowhere'"),
    ([item(name='bad/name', k=2, m=1)], 'invalid name'),
])
def test_validation(items, message):
    runner = fake_runner('resources')
    if message is None:
        apply_set(runner, EcProfiles(), items, 'profiles')
        assert len(runner.commands) == 1
        return
    with pytest.raises(CephInputError) as info:
        apply_set(runner, EcProfiles(), items, 'profiles')
    assert message in info.value.msg
    assert runner.commands == []
