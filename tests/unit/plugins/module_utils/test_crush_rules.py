# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CRUSH rules: rule parsing, topology counting and plans, on JSON recorded from the lab.

The recordings (``ceph_crush_rule_osd_crush_dump.json`` and ``ceph_ec_profile_osd_dump.json``,
taken together, answered by the recording set ``resources`` of the agent fake) hold the lab's replicated_rule plus rec-hdd (create-replicated default osd hdd),
rec-host (default host) and rec-erasure (create-erasure from profile rec-ec: k=2 m=1, failure
domain osd, class hdd), which the pool rec-ecpool uses.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import (
    CrushMap,
    CrushRules,
    parse_rule,
    profile_placement,
)
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


CRUSH = fixture('ceph_crush_rule_osd_crush_dump.json')
OSD_DUMP = fixture('ceph_ec_profile_osd_dump.json')


def item(**options):
    base = dict(name=None, state='present', rule_type=None, root=None, failure_domain=None, device_class=None,
                profile=None, recreate=False)
    base.update(options)
    return base


def run(*items):
    runner = fake_runner('resources')
    result = apply_set(runner, CrushRules(), list(items), 'rules')
    return runner, result


def rule(name):
    return next(r for r in CRUSH['rules'] if r['rule_name'] == name)


@pytest.mark.parametrize('name, expected', [
    ('replicated_rule', ('replicated', 'default', 'osd', None)),
    ('rec-hdd', ('replicated', 'default', 'osd', 'hdd')),
    ('rec-host', ('replicated', 'default', 'host', None)),
    ('rec-erasure', ('erasure', 'default', 'osd', 'hdd')),
])
def test_parse_rule_reads_type_and_placement_from_the_steps(name, expected):
    parsed = parse_rule(rule(name))
    assert (parsed['rule_type'], parsed['root'], parsed['failure_domain'], parsed['device_class']) == expected
    assert 'custom' not in parsed


def test_a_hand_written_rule_is_custom():
    custom = copy.deepcopy(rule('rec-host'))
    custom['steps'].insert(1, {'op': 'take', 'item': -3, 'item_name': 'vm'})
    parsed = parse_rule(custom)
    assert parsed['custom'] is True and parsed['root'] is None and parsed['failure_domain'] is None


def test_an_erasure_rule_matches_its_profile_placement():
    placement = profile_placement(OSD_DUMP['erasure_code_profiles']['rec-ec'])
    parsed = parse_rule(rule('rec-erasure'))
    assert placement == dict((k, parsed[k]) for k in placement)
    # a profile from an older release without the CRUSH keys: Ceph's defaults
    assert profile_placement({'k': '2', 'm': '2'}) == {'root': 'default', 'failure_domain': 'host',
                                                       'device_class': None}


def test_crush_map_topology():
    crush = CrushMap(CRUSH)
    assert crush.roots() == ['default', 'vm']
    assert crush.classes == ['hdd']
    assert 'host' in crush.types and 'rack' in crush.types
    assert crush.count_domains('default', 'host') == 1
    assert crush.count_domains('default', 'osd') == 3
    assert crush.count_domains('default', 'osd', 'hdd') == 3
    assert crush.count_domains('default', 'host', 'hdd') == 1
    assert crush.count_domains('default', 'rack') == 0
    assert crush.count_domains('default', 'osd', 'ssd') == 0
    assert crush.count_domains('vm', 'osd') == 3


@pytest.mark.parametrize('args, message', [
    (('nowhere', 'host', None), "CRUSH root 'nowhere' does not exist (buckets: default, vm)"),
    (('default~hdd', 'host', None), "CRUSH root 'default~hdd' does not exist"),
    (('default', 'rackk', None), "failure domain 'rackk' is not a CRUSH type"),
    (('default', 'host', 'ssd'), "device class 'ssd' does not exist (classes: hdd)"),
])
def test_check_placement_refuses_what_the_map_lacks(args, message):
    with pytest.raises(CephInputError, match=message.replace('(', r'\(').replace(')', r'\)')):
        CrushMap(CRUSH).check_placement('rule x', *args)


def test_create_plans_and_reads_only_twice():
    runner, result = run(item(name='fast', failure_domain='host', device_class='hdd'),
                         item(name='plain'),
                         item(name='ec', profile='rec-jer'))
    assert runner.read_prefixes() == ['osd crush dump', 'osd dump']
    assert runner.commands == ['ceph osd crush rule create-replicated fast default host hdd',
                               'ceph osd crush rule create-replicated plain default host',
                               'ceph osd crush rule create-erasure ec rec-jer']
    assert result['diff']['after']['ec'] == {'rule_type': 'erasure', 'root': 'default', 'failure_domain': 'osd',
                                             'device_class': None, 'state': 'present'}


def test_existing_rules_declared_as_they_are_are_unchanged():
    runner, result = run(item(name='rec-hdd', root='default', failure_domain='osd', device_class='hdd'),
                         item(name='rec-host', device_class=''),
                         item(name='rec-erasure', profile='rec-ec'),
                         item(name='replicated_rule'))
    assert result['changed'] is False and runner.commands == []
    assert [r['changed'] for r in result['rules']] == [False] * 4


def test_recreate_an_unused_rule():
    runner, result = run(item(name='rec-host', failure_domain='osd', recreate=True))
    assert runner.commands == ['ceph osd crush rule rm rec-host',
                               'ceph osd crush rule create-replicated rec-host default osd']
    assert result['diff']['before']['rec-host']['failure_domain'] == 'host'
    assert result['diff']['after']['rec-host']['failure_domain'] == 'osd'


@pytest.mark.parametrize('items, message', [
    ([item(name='rec-host', failure_domain='osd')], "exists with another definition (failure_domain 'host' -> 'osd')"),
    ([item(name='rec-erasure', profile='rec-jer', recreate=True)],
     "is used by pool(s) rec-ecpool and its definition cannot change (device_class 'hdd' -> None)"),
    ([item(name='rec-erasure', state='absent')], "is used by pool(s) rec-ecpool and cannot be deleted"),
    ([item(name='x', rule_type='erasure')], 'an erasure rule needs profile'),
    ([item(name='x', profile='nope')], "erasure-code profile 'nope' does not exist (profiles: default, rec-ec, rec-jer)"),
    ([item(name='x', profile='rec-ec', root='default')], 'leave root out'),
    ([item(name='x', rule_type='replicated', profile='rec-ec')], 'profile applies to erasure rules only'),
    ([item(name='.hidden')], 'invalid name'),
    ([item(name='ok'), item(name='x', device_class='nvme')], "rule 'x': device class 'nvme' does not exist"),
])
def test_bad_input_is_refused_before_any_write(items, message):
    runner = fake_runner('resources')
    with pytest.raises(CephInputError) as info:
        apply_set(runner, CrushRules(), items, 'rules')
    assert message in info.value.msg
    assert runner.commands == []
