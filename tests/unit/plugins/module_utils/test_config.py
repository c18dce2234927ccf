# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config settings: who/option names, value normalising and plans, on JSON recorded from the lab.

``ceph_config_dump.json`` is `ceph config dump` after setting (as written to the CLI):
osd osd_memory_target 5G, osd/class:hdd osd_max_backfills 3, osd.1 osd_scrub_auto_repair true,
mon mon_warn_on_pool_no_app_grace 1h, osd osd_scrub_interval_randomize_ratio 0.25, osd.0
debug_osd 5, mgr mgr/balancer/sleep_interval 2m, mgr mgr_module_load_delay 2000,
osd/host:vm/class:hdd osd_max_backfills 2, global osd_pool_default_pg_autoscale_mode warn.
``ceph_config_help.json`` maps option names to their `ceph config help <option>` output. The agent fake
answers from the recording set ``config`` (an option Ceph does not know: ENOENT, as Ceph answers).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.config import (
    ConfigSettings,
    canonical_option,
    canonical_who,
    check_value,
    normalise,
    prepare,
    read_dump,
)
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, mon

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


DUMP = fixture('ceph_config_dump.json')
HELP = fixture('ceph_config_help.json')
# `ceph config help` of options that can cut the cluster off (none gives choices: ms_type is any string)
HELP.update(fixture('ceph_config_help_disruptive.json'))
CRUSH = fixture('ceph_crush_rule_osd_crush_dump.json')


def reads(runner):
    """The reads as 'prefix value...' (config help: the option asked)."""
    return [' '.join([prefix] + [str(v) for v in args.values()]) for prefix, args in runner.mon_reads()]


def run(*settings):
    runner = fake_runner('config')
    runner.agent.answer(mon('config dump'), copy.deepcopy(DUMP))  # DUMP as the test holds it
    items = [dict(dict(value=None, state='present'), **s) for s in settings]
    result = apply_set(runner, ConfigSettings(), prepare(items), 'settings')
    return runner, result


@pytest.mark.parametrize('who, expected', [
    ('global', 'global'),
    ('osd', 'osd'),
    ('osd.12', 'osd.12'),
    ('client.rgw.gw-1', 'client.rgw.gw-1'),
    (' mon.a ', 'mon.a'),
    ('osd/class:ssd', 'osd/class:ssd'),
    ('osd/class:hdd/host:vm', 'osd/host:vm/class:hdd'),
    ('osd/rack:r1', 'osd/rack:r1'),
])
def test_canonical_who(who, expected):
    assert canonical_who(who) == expected


@pytest.mark.parametrize('who, message', [
    ('bogus', "invalid who 'bogus'"),
    ('rgw', "invalid who 'rgw'"),
    ('', "invalid who ''"),
    ('osd/ssd', "mask 'ssd' is not"),
    ('osd/class:a/class:b', 'at most one location mask and one class mask'),
    ('osd/host:a/rack:b', 'at most one location mask'),
])
def test_canonical_who_refuses(who, message):
    with pytest.raises(CephInputError, match=message):
        canonical_who(who)


@pytest.mark.parametrize('option, expected', [
    ('osd_memory_target', 'osd_memory_target'),
    ('osd memory target', 'osd_memory_target'),
    ('osd-memory-target', 'osd_memory_target'),
    ('mgr/balancer/mode', 'mgr/balancer/mode'),
    ('mgr/dashboard/x/server_port', 'mgr/dashboard/x/server_port'),
])
def test_canonical_option(option, expected):
    assert canonical_option(option) == expected


@pytest.mark.parametrize('option', ['Osd_Memory', 'osd!', 'mgr/balancer', 'mgr//x', ''])
def test_canonical_option_refuses(option):
    with pytest.raises(CephInputError):
        canonical_option(option)


def test_read_dump_keys_by_who_and_option():
    current = read_dump(DUMP)
    assert current['osd osd_memory_target']['value'] == '5368709120'
    assert current['osd/class:hdd osd_max_backfills']['value'] == '3'
    assert current['osd/host:vm/class:hdd osd_max_backfills']['value'] == '2'
    assert current['osd.0 debug_osd']['value'] == '5/5'
    assert current['mgr mgr/balancer/sleep_interval']['value'] == '120'


@pytest.mark.parametrize('option, value, stored', [
    ('osd_memory_target', '5G', '5368709120'),
    ('osd_memory_target', '5Gi', '5368709120'),
    ('osd_memory_target', '5GiB', '5368709120'),
    ('osd_memory_target', 5368709120, '5368709120'),
    ('osd_memory_target', 5368709120.0, '5368709120'),
    ('osd_max_backfills', '3', '3'),
    ('osd_max_backfills', 3, '3'),
    ('osd_max_backfills', 3.0, '3'),
    ('osd_max_backfills', '1K', '1000'),
    ('osd_heartbeat_grace', '-1', '-1'),
    ('osd_scrub_auto_repair', True, 'true'),
    ('osd_scrub_auto_repair', 'yes', 'true'),
    ('osd_scrub_auto_repair', 'On', 'true'),
    ('osd_scrub_auto_repair', 1, 'true'),
    ('osd_scrub_auto_repair', 'false', 'false'),
    ('mon_warn_on_pool_no_app_grace', '1h', '3600'),
    ('mon_warn_on_pool_no_app_grace', '1h 30m', '5400'),
    ('mon_warn_on_pool_no_app_grace', 90, '90'),
    ('mon_warn_on_pool_no_app_grace', '90', '90'),
    ('mgr/balancer/sleep_interval', '2m', '120'),
    ('mgr_module_load_delay', 2000, '2000'),
    ('mgr_module_load_delay', '2000', '2000'),
    ('mgr_module_load_delay', '2s', '2000'),
    ('mgr_module_load_delay', '1.5s', '1500'),
    ('mgr_module_load_delay', '500ms', '500'),
    ('osd_scrub_interval_randomize_ratio', 0.25, '0.250000'),
    ('osd_scrub_interval_randomize_ratio', '.25', '0.250000'),
    ('osd_scrub_interval_randomize_ratio', 1, '1.000000'),
    ('osd_scrub_interval_randomize_ratio', '1e-2', '0.010000'),
    ('debug_osd', 5, '5/5'),
    ('debug_osd', '5', '5/5'),
    ('debug_osd', '1/5', '1/5'),
    ('osd_op_queue', 'wpq', 'wpq'),
    ('osd_pool_default_pg_autoscale_mode', 'warn', 'warn'),
])
def test_normalise_gives_what_ceph_stores(option, value, stored):
    assert normalise(value, HELP[option]) == stored


def test_every_recorded_stored_value_is_its_own_normal_form():
    # what `config dump` prints must normalise to itself, or a re-run would never be unchanged
    checked = 0
    for entry in DUMP:
        if entry['name'] in HELP:
            assert normalise(entry['value'], HELP[entry['name']]) == entry['value'], entry
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize('option, value, message', [
    ('osd_memory_target', 'banana', 'is not a size'),
    ('osd_memory_target', '-4G', 'is negative'),
    ('osd_memory_target', '1.1Ki', 'not a whole number of bytes'),
    ('osd_max_backfills', '-1', 'is negative'),
    ('osd_max_backfills', True, 'is a boolean'),
    ('osd_max_backfills', 2.5, 'not a whole number'),
    ('osd_heartbeat_grace', '20.5', 'is not an integer'),
    ('osd_scrub_auto_repair', 'maybe', 'is not a boolean'),
    ('mon_warn_on_pool_no_app_grace', '1.5', 'not a whole number of seconds'),
    ('mon_warn_on_pool_no_app_grace', '5 parsecs', 'unknown duration unit'),
    ('mgr_module_load_delay', '0.5ms', 'not a whole number of milliseconds'),
    ('osd_scrub_interval_randomize_ratio', 'half', 'is not a number'),
    ('osd_scrub_interval_randomize_ratio', False, 'is a boolean'),
])
def test_normalise_refuses_values_of_the_wrong_type(option, value, message):
    with pytest.raises(UnitError, match=message):
        normalise(value, HELP[option])


@pytest.mark.parametrize('option, value, message', [
    ('osd_memory_target', '100', 'below the minimum 939524096'),
    ('osd_op_queue', 'fifo', "'fifo' is not one of 'wpq', 'mclock_scheduler', 'debug_random'"),
    ('mgr/balancer/mode', 'fast', "is not one of 'crush-compat'"),
])
def test_check_value_bounds_and_choices(option, value, message):
    with pytest.raises(UnitError, match=message):
        check_value(normalise(value, HELP[option]), HELP[option])
    check_value(HELP[option]['default'] if isinstance(HELP[option]['default'], str) else
                normalise(HELP[option]['default'], HELP[option]), HELP[option])


def test_a_no_op_rerun_in_cephs_own_form_reads_once():
    runner, result = run(*[dict(who=e['section'] + ('/' + e['mask'] if e['mask'] else ''), option=e['name'],
                                value=e['value']) for e in DUMP])
    assert reads(runner) == ['config dump']
    assert result['changed'] is False and runner.commands == []


def test_a_no_op_rerun_in_other_forms_asks_help_once_per_option():
    runner, result = run(dict(who='osd', option='osd_memory_target', value='5G'),
                         dict(who='osd/class:hdd', option='osd_max_backfills', value=3),
                         dict(who='osd/class:hdd/host:vm', option='osd_max_backfills', value='2'),
                         dict(who='osd.1', option='osd_scrub_auto_repair', value=True),
                         dict(who='mon', option='mon_warn_on_pool_no_app_grace', value='1h'),
                         dict(who='osd.0', option='debug_osd', value=5))
    assert reads(runner) == ['config dump', 'config help debug_osd', 'config help mon_warn_on_pool_no_app_grace',
                             'config help osd_memory_target']
    assert result['changed'] is False and runner.commands == []


def test_changes_and_removals_are_planned_in_order():
    runner, result = run(dict(who='osd', option='osd_memory_target', value='6G'),
                         dict(who='osd', option='osd_max_backfills', value=4),
                         dict(who='osd.1', option='osd_scrub_auto_repair', state='absent'),
                         dict(who='osd.2', option='osd_scrub_auto_repair', state='absent'))
    assert runner.commands == ['ceph config set osd osd_memory_target 6442450944',
                               'ceph config set osd osd_max_backfills 4',
                               'ceph config rm osd.1 osd_scrub_auto_repair']
    assert result['diff'] == {
        'before': {'osd osd_memory_target': {'value': '5368709120', 'state': 'present'},
                   'osd osd_max_backfills': {'state': 'absent'},
                   'osd.1 osd_scrub_auto_repair': {'value': 'true', 'state': 'present'}},
        'after': {'osd osd_memory_target': {'value': '6442450944', 'state': 'present'},
                  'osd osd_max_backfills': {'value': '4', 'state': 'present'},
                  'osd.1 osd_scrub_auto_repair': {'state': 'absent'}}}
    assert [s['changed'] for s in result['settings']] == [True, True, True, False]
    assert result['settings'][0] == {'who': 'osd', 'option': 'osd_memory_target', 'state': 'present',
                                     'value': '6442450944', 'changed': True}


@pytest.mark.parametrize('settings, message', [
    ([dict(who='osd', option='no_such_option', value=1)], "unknown option 'no_such_option'"),
    ([dict(who='mgr', option='mgr/nomodule/x', value=1)], 'is the mgr module enabled?'),
    ([dict(who='osd', option='osd_max_backfills')], 'state present needs a value'),
    ([dict(who='osd/row:r1', option='osd_max_backfills', value=1)], None),
    ([dict(who='osd/rackk:r1', option='osd_max_backfills', value=1)], "'rackk' is not a CRUSH type"),
    ([dict(who='osd', option='osd_max_backfills', value=1),
      dict(who='osd', option='osd_memory_target', value='lots')], 'setting osd_memory_target of osd: invalid value '
                                                                  'for a size option'),
    ([dict(who='osd', option='osd_max_backfills', value=1),
      dict(who='osd', option='osd max backfills', value=2)], 'settings listed more than once: osd osd_max_backfills'),
])
def test_bad_input_is_refused_before_any_write(settings, message):
    if message is None:
        runner, result = run(*settings)
        assert runner.commands == ['ceph config set osd/row:r1 osd_max_backfills 1']
        return
    with pytest.raises(CephInputError) as info:
        run(*settings)
    assert message in info.value.msg


@pytest.mark.parametrize('option, value', [
    ('ms_type', 'async+dpdk'),
    ('ms_cluster_mode', 'secure'),
    ('auth_client_required', 'none'),
    ('mon_host', '10.0.0.1'),
    ('public_network', '10.0.0.0/24'),
    ('keyring', '/etc/ceph/other.keyring'),
])
def test_options_that_cut_the_cluster_off_need_consent(option, value):
    assert HELP[option].get('enum_values') in ([], None)  # Ceph's schema alone would let any value through
    with pytest.raises(CephInputError) as info:
        run(dict(who='global', option=option, value=value))
    assert ('setting %s of global: value %r refused' % (option, value)) in info.value.msg
    assert 'allow_disruptive: true' in info.value.msg
    runner, result = run(dict(who='global', option=option, value=value, allow_disruptive=True))
    assert runner.commands == ['ceph config set global %s %s' % (option, value)]
    assert result['changed'] is True


def test_an_unknown_messenger_is_refused_even_with_consent():
    with pytest.raises(CephInputError) as info:
        run(dict(who='global', option='ms_type', value='async+bogus', allow_disruptive=True))
    assert "value 'async+bogus' is not a messenger Ceph has (async+posix, async+dpdk, async+rdma)" in info.value.msg
    assert 'fail to connect' in info.value.msg


def test_removing_a_disruptive_setting_needs_no_consent():
    runner, _result = run(dict(who='global', option='ms_type', state='absent'))
    assert runner.commands == []  # not in the recorded dump: nothing to remove, and no refusal


def test_a_disruptive_value_the_cluster_holds_already_is_not_refused():
    held = copy.deepcopy(DUMP)
    DUMP.append({'section': 'global', 'name': 'ms_cluster_mode', 'value': 'secure', 'level': 'basic',
                 'can_update_at_runtime': False, 'mask': ''})
    try:
        runner, result = run(dict(who='global', option='ms_cluster_mode', value='secure'))
    finally:
        DUMP[:] = held
    assert result['changed'] is False and runner.commands == []
