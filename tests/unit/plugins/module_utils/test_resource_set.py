# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A declared state of many kinds (resource_set.py): the argument spec, the order of the steps,
validation of the whole state before the first write, re-reads after writes, and what each kind
sees of the kinds planned before it (resources.World), on JSON recorded from the lab.

The recordings: ``ceph_crush_rule_osd_crush_dump.json`` + ``ceph_ec_profile_osd_dump.json`` hold the
rules replicated_rule, rec-hdd, rec-host, rec-erasure (from profile rec-ec), the EC pool rec-ecpool
(rule rec-erasure, profile rec-ec) and the lab's other pools; ``fs_*.json`` the filesystem cephfs
with the group res3g and its subvolume sv. The agent fake answers from the recording set ``resources``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os
import re

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import resource_set
from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import pool_users
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, World, Write, item_list_spec
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, mon

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')
ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'ceph_resources')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


CRUSH = fixture('ceph_crush_rule_osd_crush_dump.json')
OSD_DUMP = fixture('ceph_ec_profile_osd_dump.json')


def lab_runner(check_mode=True, allow_pool_delete=True):
    """The real runner on the agent fake, answering every kind's reads from the recording set
    ``resources``. ``check_mode`` False: the writes are sent too (Ceph answers them with nothing),
    and a test asserts which ran."""
    runner = fake_runner('resources', check_mode=check_mode)
    if not allow_pool_delete:
        runner.agent.answer(mon('config get', who='mon', key='mon_allow_pool_delete'), False)
    return runner


def declared(**lists):
    """The module's params for these lists -> the declared state (defaults applied, checks done)."""
    params = dict((name, None) for name in resource_set.KIND_NAMES)
    params.update(lists)
    return resource_set.declared_state(params)


def apply(runner, **lists):
    return resource_set.apply_state(runner, declared(**lists))


# --- the argument spec and the declared state -------------------------------------------
def test_every_kind_takes_the_item_options_of_its_own_module():
    spec = resource_set.argument_spec()
    assert list(spec) == list(resource_set.KIND_NAMES) + ['kinds']
    for kind in resource_set.KINDS:
        assert spec[kind.name] == item_list_spec(kind.item_spec)
        assert spec[kind.name]['options'] is not kind.item_spec  # a copy: the kind's own spec is untouched
    assert spec['clients']['options']['key']['no_log'] is True
    assert spec['rgw_users']['options']['secret_key']['no_log'] is True
    assert spec['kinds']['choices'] == list(resource_set.KIND_NAMES)


def test_the_role_lists_every_kind_in_the_same_order():
    with open(os.path.join(ROLE, 'vars', 'main.yml')) as handle:
        text = handle.read()
    kinds = [line.split('kind: ')[1].split(',')[0] for line in text.splitlines() if 'kind: ' in line]
    assert kinds == list(resource_set.KIND_NAMES)
    with open(os.path.join(ROLE, 'defaults', 'main.yml')) as handle:
        text = handle.read()
    default = text.split('ceph_resources_kinds: [')[1].split(']')[0]
    assert [k.strip() for k in default.split(',')] == list(resource_set.KIND_NAMES)


def test_steps_apply_present_forward_and_absent_in_reverse():
    order = [(kind.name, state) for kind, state in resource_set.steps()]
    assert order[:3] == [('config', 'present'), ('mgr_modules', 'present'), ('ec_profiles', 'present')]
    assert order[10:13] == [('rgw_users', 'present'), ('rgw_users', 'absent'), ('clients', 'absent')]
    assert order[-1] == ('config', 'absent')
    assert order.index(('rbd_images', 'absent')) < order.index(('pools', 'absent')) < \
        order.index(('crush_rules', 'absent')) < order.index(('ec_profiles', 'absent'))


def test_declared_state_applies_defaults_selects_kinds_and_checks_without_a_cluster():
    state = declared(pools=[{'name': 'a'}], rgw_users=[{'uid': 'u', 'display_name': 'U'}],
                     config=[{'who': 'osd/class:ssd', 'option': 'osd-max-backfills', 'value': 2}])
    assert sorted(state) == ['config', 'pools', 'rgw_users']
    assert state['pools'][0]['state'] == 'present' and state['pools'][0]['allow_delete'] is False
    assert state['config'][0]['setting'] == 'osd/class:ssd osd_max_backfills'
    assert declared(pools=[]) == {}
    params = dict((name, None) for name in resource_set.KIND_NAMES)
    params.update(pools=[{'name': 'a'}], rgw_users=[{'uid': 'u'}], kinds=['rgw_users'])
    assert list(resource_set.declared_state(params)) == ['rgw_users']
    with pytest.raises(CephInputError, match='subvolumes listed more than once: cephfs/g/s'):
        declared(subvolumes=[{'fs': 'cephfs', 'group': 'g', 'name': 's'},
                             {'fs': 'cephfs', 'group': 'g', 'name': 's', 'state': 'absent'}])
    with pytest.raises(CephInputError, match='invalid who'):
        declared(config=[{'who': 'nobody', 'option': 'x', 'value': 1}])


def test_empty_result_names_every_kind():
    result = resource_set.empty_result()
    assert result['changed'] is False and result['commands'] == []
    assert all(result[name] == [] and not result['summary'][name]['applied'] for name in resource_set.KIND_NAMES)


# --- the steps, with stand-in kinds ---------------------------------------------------------
class Box(Resource):
    """A stand-in kind: items live in a dict the runner holds; every read is counted."""

    kind = 'box'
    fields = ('size',)
    store = None

    def read(self, runner, items):
        runner.box_reads.append(self.store)
        return dict((n, {'size': s}) for n, s in runner.boxes[self.store].items())

    def validate(self, runner, items, current):
        for item in items:
            if (item.get('size') or 0) < 0:
                raise CephInputError('%s %s: negative size' % (self.store, item['name']))

    def plan_create(self, item, want):
        return [BoxWrite(self.store, item['name'], want.get('size'))]

    def plan_update(self, item, have, changes):
        return [BoxWrite(self.store, item['name'], changes['size'])]

    def plan_delete(self, item, have):
        return [BoxWrite(self.store, item['name'], None)]


class BoxWrite(Write):
    def __init__(self, store, name, size):
        super(BoxWrite, self).__init__('box set')
        self.where = (store, name, size)

    def run(self, runner):
        store, name, size = self.where
        runner.commands.append('%s %s %s' % self.where)
        if not runner.check_mode:
            if size is None:
                runner.boxes[store].pop(name)
            else:
                runner.boxes[store][name] = size


class Red(Box):
    store = 'red'


class Blue(Box):
    store = 'blue'


BOXES = {'red': {'r1': 1}, 'blue': {'b1': 1, 'b2': 2}}


def box_runner(check_mode=False):
    """The real runner (no Ceph request expected: the stand-in kinds keep their items in ``boxes``)."""
    runner = fake_runner(check_mode=check_mode)
    runner.boxes = copy.deepcopy(BOXES)
    runner.box_reads = []
    return runner


FINISHED = []
BEFORE = []
BOX_SPEC = {'name': {'type': 'str', 'required': True}, 'size': {'type': 'int'},
            'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']}}
BOX_KINDS = (resource_set.Kind('red', 'red_module', BOX_SPEC, Red,
                               before=lambda runner, res, state: BEFORE.append((res, sorted(state))),
                               finish=lambda runner, res: FINISHED.append('red')),
             resource_set.Kind('blue', 'blue_module', BOX_SPEC, Blue))


def boxes(**lists):
    return dict((name, [dict(dict(state='present', size=None), **i) for i in items]) for name, items in lists.items())


def test_a_no_op_reads_each_step_once_and_writes_nothing():
    runner = box_runner()
    state = boxes(red=[{'name': 'r1', 'size': 1}], blue=[{'name': 'b1', 'size': 1}])
    result = resource_set.apply_state(runner, state, BOX_KINDS)
    assert runner.box_reads == ['red', 'blue'] and runner.commands == []
    assert result['changed'] is False
    assert result['summary'] == {'red': {'applied': True, 'changed': False, 'commands': []},
                                 'blue': {'applied': True, 'changed': False, 'commands': []}}


def test_a_bad_item_in_the_last_step_refuses_the_whole_state_before_any_write():
    runner = box_runner()
    state = boxes(red=[{'name': 'r2', 'size': 5}], blue=[{'name': 'b1', 'state': 'absent'}, {'name': 'b9', 'size': -1}])
    with pytest.raises(CephInputError, match='blue b9: negative size'):
        resource_set.apply_state(runner, state, BOX_KINDS)
    assert runner.commands == [] and runner.boxes == BOXES


def test_after_a_write_every_later_step_is_read_again():
    del FINISHED[:]
    del BEFORE[:]
    runner = box_runner()
    state = boxes(red=[{'name': 'r2', 'size': 5}, {'name': 'r1', 'state': 'absent'}],
                  blue=[{'name': 'b2', 'state': 'absent'}, {'name': 'b1', 'size': 3}])
    result = resource_set.apply_state(runner, state, BOX_KINDS)
    # planned: red present, blue present, blue absent, red absent (nothing written yet);
    # then red present writes, so blue present, blue absent and red absent are read again
    assert runner.box_reads == ['red', 'blue', 'blue', 'red', 'blue', 'blue', 'red']
    assert runner.commands == ['red r2 5', 'blue b1 3', 'blue b2 None', 'red r1 None']
    assert runner.boxes == {'red': {'r2': 5}, 'blue': {'b1': 3}}
    assert FINISHED == ['red', 'red']  # after each step of the kind that wrote
    # before each step of the kind that writes, with the resource as planned before any write
    assert [type(res).__name__ for res, kinds in BEFORE] == ['Red', 'Red'] and BEFORE[0][1] == ['blue', 'red']
    assert BEFORE[0][0] is not BEFORE[1][0]
    # results per kind in the declared order, whatever the step that applied them
    assert [(r['name'], r['state'], r['changed']) for r in result['blue']] == [('b2', 'absent', True),
                                                                               ('b1', 'present', True)]
    assert result['summary']['red'] == {'applied': True, 'changed': True, 'commands': ['red r2 5', 'red r1 None']}
    assert result['diff']['before']['blue'] == {'b1': {'size': 1, 'state': 'present'},
                                                'b2': {'size': 2, 'state': 'present'}}
    assert result['diff']['after']['red'] == {'r2': {'size': 5, 'state': 'present'}, 'r1': {'state': 'absent'}}


def test_check_mode_plans_once_and_reports_what_a_real_run_writes():
    state = boxes(red=[{'name': 'r2', 'size': 5}, {'name': 'r1', 'state': 'absent'}],
                  blue=[{'name': 'b2', 'state': 'absent'}, {'name': 'b1', 'size': 3}])
    check = box_runner(check_mode=True)
    del BEFORE[:]
    checked = resource_set.apply_state(check, copy.deepcopy(state), BOX_KINDS)
    assert BEFORE == []  # nothing is written in check mode
    assert check.box_reads == ['red', 'blue', 'blue', 'red'] and check.boxes == BOXES
    real = box_runner()
    applied = resource_set.apply_state(real, copy.deepcopy(state), BOX_KINDS)
    assert check.commands == real.commands
    assert checked['diff'] == applied['diff'] and checked['summary'] == applied['summary']


# --- what each kind sees of the steps before it (recorded lab state) --------------------------
def test_a_new_rule_profile_and_pools_and_an_image_on_them_validate_together():
    runner = lab_runner()
    result = apply(runner,
                   ec_profiles=[{'name': 'ec21', 'k': 2, 'm': 1, 'crush_failure_domain': 'osd'}],
                   crush_rules=[{'name': 'ssd-ish', 'device_class': 'hdd', 'failure_domain': 'osd'},
                                {'name': 'ec21-rule', 'profile': 'ec21'}],
                   pools=[{'name': 'meta', 'crush_rule': 'ssd-ish', 'application': 'rbd'},
                          {'name': 'data', 'erasure_profile': 'ec21', 'allow_ec_overwrites': True,
                           'min_size': 2}],
                   rbd_images=[{'pool': 'meta', 'name': 'disk', 'size': '1G', 'data_pool': 'data'}])
    assert runner.commands == [
        'ceph osd erasure-code-profile set ec21 k=2 m=1 crush-failure-domain=osd',
        'ceph osd crush rule create-replicated ssd-ish default osd hdd',
        'ceph osd crush rule create-erasure ec21-rule ec21',
        'ceph osd pool create meta --pool-type=replicated --rule=ssd-ish',
        'ceph osd pool application enable meta rbd',
        'ceph osd pool create data --pool-type=erasure --erasure-code-profile=ec21',
        'ceph osd pool set data min_size 2',
        'ceph osd pool set data allow_ec_overwrites true',
        'rbd create --size 1073741824B --data-pool data --pool meta disk']
    assert result['crush_rules'][1]['failure_domain'] == 'osd'  # the placement of the new profile
    # the image's pools were not there to read: no rbd_ls of a pool that does not exist yet
    assert not [r for r in runner.reads if r['op'] == 'rbd_ls' and r['pool'] == 'meta']


@pytest.mark.parametrize('lists, message', [
    (dict(pools=[{'name': 'p', 'crush_rule': 'ssd-ish'}]), "crush rule 'ssd-ish' does not exist"),
    (dict(pools=[{'name': 'p', 'erasure_profile': 'ec21'}]), "erasure profile 'ec21' does not exist"),
    (dict(ec_profiles=[{'name': 'ec21', 'k': 2, 'm': 1, 'crush_failure_domain': 'osd'}],
          pools=[{'name': 'p', 'erasure_profile': 'ec21', 'min_size': 4}]), 'min_size 4 must be between k=2 and k+m=3'),
    (dict(crush_rules=[{'name': 'r', 'profile': 'ec21'}]), "erasure-code profile 'ec21' does not exist"),
    (dict(pools=[{'name': 'data', 'erasure_profile': 'rec-ec'}],
          rbd_images=[{'pool': 'rbdt2', 'name': 'i', 'size': '1G'}]), "pool 'rbdt2' does not exist"),
    (dict(pools=[{'name': 'data', 'erasure_profile': 'rec-ec'}],
          rbd_images=[{'pool': '.mgr', 'name': 'i', 'size': '1G', 'data_pool': 'data'}]),
     "data pool 'data' is erasure-coded without allow_ec_overwrites"),
    (dict(subvolumes=[{'fs': 'cephfs', 'group': 'new', 'name': 's'}]), "subvolume group 'new' does not exist"),
    (dict(subvolume_groups=[{'fs': 'shared', 'name': 'g'}]), "filesystem 'shared' does not exist"),
    (dict(filesystems=[{'name': 'shared'}],
          subvolume_groups=[{'fs': 'shared', 'name': 'g', 'pool_layout': 'fsdata'}]),
     "pool_layout 'fsdata' is not a data pool of filesystem 'shared' (its data pools: cephfs.shared.data)"),
    (dict(pools=[{'name': 'fsmeta'}],
          filesystems=[{'name': 'shared', 'metadata_pool': 'fsmeta', 'data_pool': 'fsdata'}]),
     "pool 'fsdata' does not exist"),
])
def test_references_to_what_neither_the_cluster_nor_an_earlier_step_has_are_refused(lists, message):
    runner = lab_runner()
    with pytest.raises(CephInputError, match=re.escape(message)):
        apply(runner, **lists)
    assert runner.commands == []


def test_a_new_filesystem_with_its_group_and_subvolume():
    runner = lab_runner()
    result = apply(runner, filesystems=[{'name': 'shared'}],
                   subvolume_groups=[{'fs': 'shared', 'name': 'homes', 'mode': '0750'}],
                   subvolumes=[{'fs': 'shared', 'group': 'homes', 'name': 'alice', 'size': '1G'}])
    assert runner.commands == ['ceph fs volume create shared', 'ceph fs subvolumegroup create shared homes --mode=0750',
                               'ceph fs subvolume create shared alice 1073741824 homes']
    assert result['subvolume_groups'][0]['pool_layout'] == 'cephfs.shared.data'
    # nothing of the new filesystem was read: it is not there yet
    assert not [args for prefix, args in runner.mon_reads() if args.get('vol_name') == 'shared']


def test_rules_and_profiles_are_deleted_with_the_pools_that_use_them():
    runner = lab_runner()
    result = apply(runner, ec_profiles=[{'name': 'rec-ec', 'state': 'absent'}],
                   crush_rules=[{'name': 'rec-erasure', 'state': 'absent'}, {'name': 'rec-hdd', 'state': 'absent'}],
                   pools=[{'name': 'rec-ecpool', 'state': 'absent', 'allow_delete': True}])
    # Ceph deletes an erasure rule with the last pool using it: nothing left to delete for the rule step
    assert runner.commands == ['ceph osd pool rm rec-ecpool rec-ecpool --yes-i-really-really-mean-it',
                               'ceph osd crush rule rm rec-hdd', 'ceph osd erasure-code-profile rm rec-ec']
    assert [(r['name'], r['changed']) for r in result['crush_rules']] == [('rec-erasure', False), ('rec-hdd', True)]
    with pytest.raises(CephInputError, match=r"CRUSH rule 'rec-erasure' is used by pool\(s\) rec-ecpool"):
        apply(lab_runner(), crush_rules=[{'name': 'rec-erasure', 'state': 'absent'}])
    with pytest.raises(CephInputError, match=r"profile 'rec-ec' is used by pool\(s\) rec-ecpool"):
        apply(lab_runner(), ec_profiles=[{'name': 'rec-ec', 'state': 'absent'}])


def test_an_erasure_rule_another_pool_uses_stays():
    world = World()
    state = declared(pools=[{'name': 'newec', 'erasure_profile': 'rec-ec', 'crush_rule': 'rec-erasure'},
                            {'name': 'rec-ecpool', 'state': 'absent', 'allow_delete': True}])
    resource_set.plan_steps(lab_runner(), state, world)
    assert 'rec-erasure' not in world.planned('crush_rules')
    world = World()
    resource_set.plan_steps(lab_runner(), declared(pools=[{'name': 'rec-ecpool', 'state': 'absent',
                                                          'allow_delete': True}]), world)
    assert world.planned('crush_rules') == {'rec-erasure': None}


def test_a_rule_a_new_pool_will_use_cannot_be_deleted_in_the_same_state():
    runner = lab_runner()
    with pytest.raises(CephInputError, match=r"CRUSH rule 'rec-hdd' is used by pool\(s\) newpool"):
        apply(runner, pools=[{'name': 'newpool', 'crush_rule': 'rec-hdd'}],
              crush_rules=[{'name': 'rec-hdd', 'state': 'absent'}])
    assert runner.commands == []


def test_a_group_is_deleted_with_its_subvolumes():
    runner = lab_runner()
    apply(runner, subvolume_groups=[{'fs': 'cephfs', 'name': 'res3g', 'state': 'absent'}],
          subvolumes=[{'fs': 'cephfs', 'group': 'res3g', 'name': 'sv', 'state': 'absent', 'allow_delete': True,
                       'allow_delete_with_data': True}])
    assert runner.commands == ['ceph fs subvolume rm cephfs sv res3g', 'ceph fs subvolumegroup rm cephfs res3g']
    with pytest.raises(CephInputError, match=r"holds subvolumes \(sv\)"):
        apply(lab_runner(), subvolume_groups=[{'fs': 'cephfs', 'name': 'res3g', 'state': 'absent'}])


def test_the_mons_permission_to_delete_pools_may_come_from_the_config_step():
    bad = dict(pools=[{'name': 'rec-ecpool', 'state': 'absent', 'allow_delete': True}])
    with pytest.raises(CephInputError, match='mon_allow_pool_delete is false'):
        apply(lab_runner(allow_pool_delete=False), **bad)
    runner = lab_runner(allow_pool_delete=False)
    apply(runner, config=[{'who': 'mon', 'option': 'mon_allow_pool_delete', 'value': True}], **bad)
    assert runner.commands == ['ceph config set mon mon_allow_pool_delete true',
                               'ceph osd pool rm rec-ecpool rec-ecpool --yes-i-really-really-mean-it']


def test_a_filesystem_deleted_with_its_pools_leaves_no_pool_to_delete():
    runner = lab_runner()
    apply(runner, filesystems=[{'name': 'cephfs', 'state': 'absent', 'allow_delete': True, 'delete_pools': True}],
          pools=[{'name': 'cephfs.cephfs.data', 'state': 'absent', 'allow_delete': True}])
    assert runner.commands == ['ceph fs volume rm cephfs --yes-i-really-mean-it']


def test_a_bad_rgw_user_refuses_the_state_with_nothing_written():
    runner = lab_runner(check_mode=False)
    with pytest.raises(CephInputError, match="user 'u': user_quota max_size -5"):
        apply(runner, crush_rules=[{'name': 'r', 'device_class': 'hdd', 'failure_domain': 'osd'}],
              pools=[{'name': 'p', 'crush_rule': 'r'}],
              rgw_users=[{'uid': 'u', 'display_name': 'U', 'user_quota': {'max_size': -5}}])
    assert runner.commands == []


# --- the projection itself ------------------------------------------------------------------
def test_world_exists_falls_back_to_the_cluster():
    world = World()
    world.record('pools', {'new': {'pool_type': 'replicated'}, 'gone': None})
    assert world.exists('pools', 'new', False) is True
    assert world.exists('pools', 'gone', True) is False
    assert world.exists('pools', 'other', True) is True and world.exists('crush_rules', 'x', False) is False


def test_world_config_value_prefers_the_first_who():
    world = World()
    assert world.config_value('mon_allow_pool_delete') is None
    world.record('config', {'global mon_allow_pool_delete': {'value': 'false'}})
    assert world.config_value('mon_allow_pool_delete') == 'false'
    world.record('config', {'mon mon_allow_pool_delete': {'value': 'true'}})
    assert world.config_value('mon_allow_pool_delete') == 'true'


def test_pool_users_follow_the_planned_pools():
    world = World()
    world.record('pools', {'a': None, 'b': {'crush_rule': 'other'}, 'c': {'crush_rule': 'r'}, 'd': {'size': 3}})
    assert pool_users(world, 'crush_rule', 'r', ['a', 'b', 'd']) == ['c', 'd']
