# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pools: reading odd stored values, and the guards validate() applies before any write (issue 9), on JSON
recorded from the lab (one host, failure domain osd, 3 OSDs up and in; mon_max_pg_per_osd 250,
osd_pool_default_size 3, osd_pool_default_pg_num 8, mon_allow_pool_size_one false).

The runner is test_resource_set's lab_runner (the agent fake with the recordings of every kind's reads)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.pools import ITEM_SPEC, Pools, normalise, odd_values
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set, list_items

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.test_resource_set import OSD_DUMP, lab_runner

RULES = {0: 'replicated_rule'}


def run(*items):
    runner = lab_runner()
    result = apply_set(runner, Pools(), list_items(items, ITEM_SPEC), 'pools')
    return runner, result


def refused(message, *items):
    runner = lab_runner()
    with pytest.raises(CephInputError) as info:
        apply_set(runner, Pools(), list_items(items, ITEM_SPEC), 'pools')
    assert message in info.value.msg
    assert runner.commands == []
    return info.value.msg


def lab_pool(name='.mgr'):
    return copy.deepcopy(next(p for p in OSD_DUMP['pools'] if p['pool_name'] == name))


def test_a_stored_nan_reads_as_none_and_is_named():
    pool = lab_pool()
    pool['options']['target_size_ratio'] = None  # how Ceph prints a stored nan or inf
    assert normalise(pool, RULES)['target_size_ratio'] is None
    assert odd_values(pool) == ["target_size_ratio None (nan, inf or not a number)"]
    pool['options']['target_size_ratio'] = 'abc'
    assert normalise(pool, RULES)['target_size_ratio'] is None
    pool['options'] = 'junk'
    del pool['size']
    fields = normalise(pool, RULES)
    assert fields['size'] is None and fields['compression_mode'] == 'none'
    assert odd_values(lab_pool()) == []


@pytest.mark.parametrize('ratio', [float('nan'), float('inf'), float('-inf')])
def test_non_finite_ratios_are_refused(ratio):
    refused('target_size_ratio must be a finite number', dict(name='p', target_size_ratio=ratio))


@pytest.mark.parametrize('item, message', [
    (dict(name='p', size=1), 'set allow_size_one: true to mean it'),
    (dict(name='p', size=1, allow_size_one=True), 'mon_allow_pool_size_one is false'),
    (dict(name='p', size=4), "size 4 needs 4 distinct osds (the failure domain of CRUSH rule 'replicated_rule')"),
    (dict(name='.mgr', size=4), 'set allow_undersized: true to mean it'),
    (dict(name='p', size=11, allow_undersized=True), 'size 11 is above 10'),
    (dict(name='p', min_size=4), 'min_size 4 is larger than size 3, the size a new pool gets'),
    (dict(name='p', max_objects=2 ** 63), 'max_objects 9223372036854775808 is above 9223372036854775807'),
    (dict(name='p', max_bytes='8Ei'), 'max_bytes 9223372036854775808 is above'),
    (dict(name='p', pg_autoscale_mode='off', pg_num=256), 'pg_num 256 size 3 would bring the pools on CRUSH rule '
                                                          "'replicated_rule' to"),
])
def test_guards(item, message):
    refused(message, item)


def test_size_one_with_consent_passes_cephs_flag_when_the_config_step_allows_it():
    from ansible_collections.koor.ceph.plugins.module_utils.resources import World
    world = World()
    world.record('config', {'global mon_allow_pool_size_one': {'value': True}})
    runner = lab_runner()
    from ansible_collections.koor.ceph.plugins.module_utils.resources import plan_set, run_plan
    items = list_items([dict(name='p', size=1, allow_size_one=True, pg_autoscale_mode='off'),
                        dict(name='.mgr', size=1, allow_size_one=True)], ITEM_SPEC)
    run_plan(runner, plan_set(runner, Pools(), items, 'pools', world))
    assert runner.commands == ['ceph osd pool create p 8 --pool-type=replicated --size=1 --yes-i-really-mean-it '
                               '--autoscale-mode=off',
                               'ceph osd pool set .mgr size 1 --yes-i-really-mean-it']


def test_undersized_with_consent():
    runner, result = run(dict(name='.mgr', size=4, allow_undersized=True))
    assert runner.commands == ['ceph osd pool set .mgr size 4']


def test_the_pg_budget_counts_the_pools_of_the_rule_and_refuses_the_whole_set():
    # the lab's pools hold 1*3 + 6*8*3 = 147 PG replicas (rec-ecpool on another rule not counted): 750 fit on 3 OSDs
    pools = [dict(name='b%02d' % i, pg_autoscale_mode='off', pg_num=8) for i in range(50)]
    message = refused("pool 'b25': pg_num 8 size 3 would bring the pools on CRUSH rule 'replicated_rule' to 771 PG "
                      "replicas on 3 OSDs, 257 per OSD, above mon_max_pg_per_osd 250", *pools)
    assert 'nothing was written' in message
    runner, result = run(*pools[:25])
    assert len(runner.commands) == 25


def test_a_no_op_re_run_reads_no_placement():
    runner, result = run(dict(name='.mgr', size=3))
    assert result['changed'] is False
    assert not [prefix for prefix, _args in runner.mon_reads() if prefix in ('osd dump', 'quorum_status', 'config show')]
