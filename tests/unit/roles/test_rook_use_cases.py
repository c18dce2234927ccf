# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Rook use-case roles (rook_block, rook_object, rook_file): their templates rendered with Ansible's
templating for every profile and validated against Rook v1.20.6's CRDs (the lab's cache of Rook's files)
and Kubernetes' own schemas (kubernetes-validate); profile merging; the preflight checks (filters rook_use_case_problems and
rook_resource_problems) on a CRUSH map recorded from a 3-host Rook lab."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.module_utils import rook_use_cases as rook_use_cases_utils
from ansible_collections.koor.ceph.plugins.filter.rook_use_cases import (
    FilterModule, rook_apply_results, rook_resource_problems, rook_resource_settled, rook_resources_to_wait_for, rook_use_case_items, rook_use_case_problems)

from ansible_collections.koor.ceph.tests.unit.roles.rook_render import build_crd_validators, example_docs, render, role_defaults, role_variables, validate

HERE = os.path.dirname(os.path.abspath(__file__))
NS, OPERATOR_NS = 'rook-ceph', 'rook-operator'
ROLES = ('rook_block', 'rook_object', 'rook_file')
with open(os.path.join(HERE, 'fixtures', 'rook_osd_crush_dump.json')) as _handle:
    CRUSH = json.load(_handle)  # `ceph osd crush dump` of a Rook lab: 3 hosts, 2 hdd OSDs each


@pytest.fixture(scope='module')
def crd_validators():
    return build_crd_validators()


def variables(role, items, profiles=None, **extra):
    """The role's defaults and vars (as Ansible would load them, templates trusted), the connection
    variables of an inventory, and the merged items as the preflight sets them."""
    kind = role.split('_')[1]
    defaults = role_defaults(role)
    result = role_variables(role)
    result.update({'koor_rook_namespace': NS, 'koor_rook_operator_namespace': OPERATOR_NS})
    profiles = profiles if profiles is not None else defaults['%s_profiles' % role]
    result['_%s_items' % role] = rook_use_case_items(items, kind, profiles, defaults['%s_default_profile' % role])
    result.update(extra)
    return result


def resources(role, items, profiles=None):
    return yaml.safe_load(render(role, 'resources.yml.j2', variables(role, items, profiles))) or []


def by_kind(entries, kind):
    return [e for e in entries if e['definition']['kind'] == kind]


# Items for every profile, with every kind of sub-item, so the schemas see every part of the templates.
SUB_ITEMS = {
    'rook_block': {'quotas': {'max_size': '100Gi', 'max_objects': 1000000}, 'rados_namespaces': ['tenant-a'],
                   'enable_rbd_stats': True, 'parameters': {'pg_num_min': 16}},
    'rook_object': {'users': [{'name': 'u-%s', 'display_name': 'User',
                               'quotas': {'max_buckets': 10, 'max_size': '1Ti', 'max_objects': 100000},
                               'capabilities': {'buckets': 'read', 'users': 'read, write'}}],
                    'bucket_claims': [{'name': 'c-%s', 'generate_bucket_name': 'data', 'max_objects': 1000,
                                       'max_size': '2G'},
                                      {'name': 'd-%s', 'namespace': 'apps', 'bucket_name': 'fixed-%s'}]},
    'rook_file': {'subvolume_groups': [{'name': 'homes', 'quota': '1Ti', 'pinning': {'distributed': 1}}, 'ci']},
}


def _item(role, profile):
    name = profile.replace('_', '-')
    item = json.loads(json.dumps(SUB_ITEMS[role]).replace('%s', name))
    item.update(name=name, profile=profile)
    return item


PROFILE_CASES = [(role, profile) for role in ROLES for profile in sorted(role_defaults(role)['%s_profiles' % role])]


@pytest.mark.parametrize('role, profile', PROFILE_CASES, ids=['%s-%s' % c for c in PROFILE_CASES])
def test_every_profile_renders_resources_the_schemas_accept(role, profile, crd_validators):
    entries = resources(role, [_item(role, profile)])
    assert entries, 'nothing rendered'
    for entry in entries:
        assert set(entry) == {'owner', 'state', 'ready', 'definition'}
        assert entry['state'] == 'present'
        errors = validate(entry['definition'], crd_validators)
        assert errors == [], (entry['definition']['kind'], entry['definition']['metadata']['name'], errors)
    kinds = [e['definition']['kind'] for e in entries]
    expected = {
        'rook_block': {'CephBlockPool', 'CephBlockPoolRadosNamespace', 'StorageClass', 'VolumeSnapshotClass'},
        'rook_object': {'CephObjectStore', 'StorageClass', 'CephObjectStoreUser', 'ObjectBucketClaim'},
        'rook_file': {'CephFilesystem', 'CephFilesystemSubVolumeGroup', 'StorageClass'},
    }[role]
    assert expected <= set(kinds)
    # waited for: Rook's resources until Ready, bucket claims until Bound, classes not at all
    for entry in entries:
        want = {'StorageClass': None, 'VolumeSnapshotClass': None, 'ObjectBucketClaim': 'Bound'}
        assert entry['ready'] == want.get(entry['definition']['kind'], 'Ready')


def test_the_validators_do_refuse_what_the_schemas_refuse(crd_validators):
    pool = resources('rook_block', [{'name': 'p'}])[0]['definition']
    assert validate(pool, crd_validators) == []
    bad = copy.deepcopy(pool)
    bad['spec']['replicated']['size'] = 'three'
    bad['spec']['replicas'] = 3
    assert len(validate(bad, crd_validators)) == 2
    sc = by_kind(resources('rook_block', [{'name': 'p'}]), 'StorageClass')[0]['definition']
    assert validate(dict(sc, reclaim='Delete'), crd_validators)
    vsc = by_kind(resources('rook_block', [{'name': 'p'}]), 'VolumeSnapshotClass')[0]['definition']
    assert validate(dict(vsc, deletionPolicy='Keep'), crd_validators)


def test_block_replicated_pool_and_classes_as_rooks_examples():
    entries = resources('rook_block', [{'name': 'vms', 'profile': 'virtual_machines', 'device_class': 'ssd',
                                        'quotas': {'max_size': '10G'}}])
    pool = by_kind(entries, 'CephBlockPool')
    assert len(pool) == 1
    assert pool[0]['definition']['metadata'] == {'name': 'vms', 'namespace': NS}
    assert pool[0]['definition']['spec'] == {
        'failureDomain': 'host', 'deviceClass': 'ssd', 'application': 'rbd',
        'replicated': {'size': 3, 'requireSafeReplicaSize': True},
        'parameters': {'compression_mode': 'none'}, 'quotas': {'maxSize': '10000000000'}}
    sc = by_kind(entries, 'StorageClass')[0]['definition']
    example = [d for d in example_docs('csi/rbd/storageclass.yaml') if d['kind'] == 'StorageClass'][0]
    assert sc['provisioner'] == OPERATOR_NS + '.rbd.csi.ceph.com'
    # every parameter of Rook's example, the secrets by the same names, in the cluster's namespace
    for key, value in example['parameters'].items():
        if key.endswith('secret-namespace') or key == 'clusterID':
            assert sc['parameters'][key] == NS
        elif key not in ('pool', 'imageFeatures'):
            assert sc['parameters'][key] == value, key
    assert sc['parameters']['pool'] == 'vms'
    assert sc['parameters']['imageFeatures'] == 'layering,exclusive-lock,object-map,fast-diff,deep-flatten'
    assert (sc['reclaimPolicy'], sc['allowVolumeExpansion']) == ('Retain', True)
    vsc = by_kind(entries, 'VolumeSnapshotClass')[0]['definition']
    assert vsc['driver'] == OPERATOR_NS + '.rbd.csi.ceph.com'
    assert vsc['parameters'] == {'clusterID': NS, 'csi.storage.k8s.io/snapshotter-secret-name': 'rook-csi-rbd-provisioner',
                                 'csi.storage.k8s.io/snapshotter-secret-namespace': NS}


def test_block_erasure_coded_pool_with_a_replicated_metadata_pool():
    entries = resources('rook_block', [{'name': 'cold', 'profile': 'archive', 'quotas': {'max_objects': 5},
                                        'rados_namespaces': ['a', {'name': 'b', 'state': 'absent'}]}])
    pools = dict((e['definition']['metadata']['name'], e['definition']['spec']) for e in by_kind(entries, 'CephBlockPool'))
    assert pools['cold-metadata']['replicated'] == {'size': 3, 'requireSafeReplicaSize': True}
    assert 'quotas' not in pools['cold-metadata'] and 'erasureCoded' not in pools['cold-metadata']
    assert pools['cold']['erasureCoded'] == {'dataChunks': 4, 'codingChunks': 2}
    assert pools['cold']['parameters'] == {'compression_mode': 'aggressive'}
    assert pools['cold']['quotas'] == {'maxObjects': 5}
    # the metadata pool is applied first, removed last
    names = [e['definition']['metadata']['name'] for e in entries]
    assert names.index('cold-metadata') < names.index('cold')
    sc = by_kind(entries, 'StorageClass')[0]['definition']
    assert (sc['parameters']['pool'], sc['parameters']['dataPool']) == ('cold-metadata', 'cold')
    namespaces = dict((e['definition']['spec']['name'], e) for e in by_kind(entries, 'CephBlockPoolRadosNamespace'))
    assert namespaces['a']['definition']['spec']['blockPoolName'] == 'cold-metadata'
    assert (namespaces['a']['state'], namespaces['b']['state']) == ('present', 'absent')


def test_an_absent_item_renders_every_resource_absent():
    entries = resources('rook_block', [{'name': 'old', 'state': 'absent', 'rados_namespaces': ['x']}])
    assert {e['state'] for e in entries} == {'absent'}
    assert len(entries) == 4
    entries = resources('rook_object', [{'name': 'old', 'state': 'absent', 'users': ['u'],
                                         'bucket_claims': [{'name': 'c'}]}])
    assert {e['state'] for e in entries} == {'absent'} and len(entries) == 4


def test_classes_switched_off():
    entries = resources('rook_block', [{'name': 'p', 'storage_class': False, 'snapshot_class': False}])
    assert [e['definition']['kind'] for e in entries] == ['CephBlockPool']


def test_object_store_users_and_claims():
    entries = resources('rook_object', [_item('rook_object', 'backup_target')])
    store = by_kind(entries, 'CephObjectStore')[0]['definition']['spec']
    assert store['metadataPool'] == {'failureDomain': 'host', 'replicated': {'size': 3, 'requireSafeReplicaSize': True}}
    assert store['dataPool'] == {'failureDomain': 'host', 'erasureCoded': {'dataChunks': 4, 'codingChunks': 2},
                                 'parameters': {'compression_mode': 'none'}}
    assert store['preservePoolsOnDelete'] is True and store['gateway'] == {'port': 80, 'instances': 2}
    sc = by_kind(entries, 'StorageClass')[0]['definition']
    example = example_docs('storageclass-bucket-delete.yaml')[0]
    assert sc['provisioner'] == example['provisioner'] == NS + '.ceph.rook.io/bucket'
    assert sc['parameters'] == {'objectStoreName': 'backup-target', 'objectStoreNamespace': NS}
    assert sc['reclaimPolicy'] == 'Retain'
    user = by_kind(entries, 'CephObjectStoreUser')[0]['definition']
    assert user['metadata'] == {'name': 'u-backup-target', 'namespace': NS}
    assert user['spec'] == {'store': 'backup-target', 'displayName': 'User',
                            'quotas': {'maxBuckets': 10, 'maxSize': str(2 ** 40), 'maxObjects': 100000},
                            'capabilities': {'buckets': 'read', 'users': 'read, write'}}
    claims = dict((e['definition']['metadata']['name'], e['definition']) for e in by_kind(entries, 'ObjectBucketClaim'))
    assert claims['c-backup-target']['metadata']['namespace'] == NS
    assert claims['c-backup-target']['spec'] == {'storageClassName': 'rook-ceph-bucket-backup-target',
                                                 'generateBucketName': 'data',
                                                 'additionalConfig': {'maxObjects': '1000', 'maxSize': '2000000000'}}
    assert claims['d-backup-target']['metadata']['namespace'] == 'apps'
    assert claims['d-backup-target']['spec'] == {'storageClassName': 'rook-ceph-bucket-backup-target',
                                                 'bucketName': 'fixed-backup-target'}
    order = [e['definition']['kind'] for e in entries]
    assert order == ['CephObjectStore', 'StorageClass', 'CephObjectStoreUser', 'ObjectBucketClaim',
                     'ObjectBucketClaim']


def test_file_system_replicated_and_erasure_coded():
    ci = {'name': 'ci', 'profile': 'ci_caches', 'erasure_coded': {'data_chunks': 2, 'coding_chunks': 1}}
    entries = resources('rook_file', [{'name': 'homes'}, ci])
    filesystems = dict((e['definition']['metadata']['name'], e['definition']['spec'])
                       for e in by_kind(entries, 'CephFilesystem'))
    assert [p['name'] for p in filesystems['homes']['dataPools']] == ['data']
    assert filesystems['homes']['preserveFilesystemOnDelete'] is True
    assert filesystems['homes']['metadataServer'] == {'activeCount': 1, 'activeStandby': True}
    assert [p['name'] for p in filesystems['ci']['dataPools']] == ['data', 'ec']
    assert filesystems['ci']['dataPools'][1]['erasureCoded'] == {'dataChunks': 2, 'codingChunks': 1}
    assert filesystems['ci']['metadataPool']['replicated']['size'] == 2
    classes = dict((e['definition']['metadata']['name'], e['definition']) for e in by_kind(entries, 'StorageClass'))
    example = example_docs('csi/cephfs/storageclass.yaml')[0]
    homes = classes['rook-cephfs-homes']
    assert homes['provisioner'] == OPERATOR_NS + '.cephfs.csi.ceph.com'
    assert set(homes['parameters']) == set(example['parameters'])
    assert (homes['parameters']['fsName'], homes['parameters']['pool']) == ('homes', 'homes-data')
    assert classes['rook-cephfs-ci']['parameters']['pool'] == 'ci-ec'
    assert [e['definition']['metadata']['name'] for e in by_kind(entries, 'VolumeSnapshotClass')] == \
        ['rook-cephfs-snap-homes']  # ci_caches takes no snapshots


def test_result_and_summary_templates():
    role = 'rook_object'
    items = [{'name': 's', 'users': ['u'], 'bucket_claims': [{'name': 'c', 'namespace': 'apps'}]},
             {'name': 'gone', 'state': 'absent'}]
    vars_ = variables(role, items)
    vars_['_rook_object_resources'] = yaml.safe_load(render(role, 'resources.yml.j2', vars_))
    # the wait's results: what k8s_info read back
    objs = [{'kind': 'CephObjectStore', 'metadata': {'name': 's', 'namespace': NS},
             'status': {'phase': 'Ready', 'info': {'endpoint': 'http://10.0.0.1:80'}}},
            {'kind': 'CephObjectStoreUser', 'metadata': {'name': 'u', 'namespace': NS},
             'status': {'phase': 'Ready', 'info': {'secretName': 'rook-ceph-object-user-s-u'}}},
            {'kind': 'ObjectBucketClaim', 'metadata': {'name': 'c', 'namespace': 'apps'},
             'spec': {'bucketName': 'c-1234'}, 'status': {'phase': 'Bound'}}]
    vars_['__rook_use_case_ready'] = {'results': [{'resources': [o]} for o in objs] + [{'skipped': True}]}
    result = yaml.safe_load(render(role, 'result.yml.j2', vars_))
    assert result == {
        'stores': [{'name': 's', 'profile': 'application_storage', 'namespace': NS, 'endpoint': 'http://10.0.0.1:80',
                    'storage_class': 'rook-ceph-bucket-s',
                    'users': [{'name': 'u', 'secret': 'rook-ceph-object-user-s-u', 'namespace': NS}],
                    'bucket_claims': [{'name': 'c', 'namespace': 'apps', 'bucket': 'c-1234', 'secret': 'c',
                                       'config_map': 'c'}]}],
        'removed': ['gone'], 'storage_classes': ['rook-ceph-bucket-s']}
    # a re-run: the apply returned every object settled, so nothing was waited for or read again
    settled = dict(vars_)
    settled['__rook_use_case_ready'] = {'results': [{'skipped': True}]}
    settled['__rook_use_case_applied'] = {'results': [{'changed': False, 'result': o} for o in objs]}
    assert yaml.safe_load(render(role, 'result.yml.j2', settled)) == result
    vars_['rook_object_result'] = result
    summary = render(role, 'summary.j2', vars_)
    assert 'S3 endpoint http://10.0.0.1:80' in summary
    assert 'Secret rook-ceph/rook-ceph-object-user-s-u' in summary and 'removed: gone' in summary

    for role, items in (('rook_block', [{'name': 'p', 'profile': 'archive'}]), ('rook_file', [{'name': 'f'}])):
        vars_ = variables(role, items)
        vars_['_%s_resources' % role] = yaml.safe_load(render(role, 'resources.yml.j2', vars_))
        result = yaml.safe_load(render(role, 'result.yml.j2', vars_))
        vars_['%s_result' % role] = result
        assert result['storage_classes'] == [('rook-ceph-block-p' if role == 'rook_block' else 'rook-cephfs-f')]
        assert render(role, 'summary.j2', vars_).strip()
    assert result['filesystems'][0]['data_pool'] == 'f-data'


def test_nothing_declared_renders_nothing():
    for role in ROLES:
        vars_ = variables(role, [])
        assert (yaml.safe_load(render(role, 'resources.yml.j2', vars_)) or []) == []
        vars_['_%s_resources' % role] = []
        result = yaml.safe_load(render(role, 'result.yml.j2', vars_))
        assert result['removed'] == [] and result['storage_classes'] == []
        vars_['%s_result' % role] = result
        assert 'declared' in render(role, 'summary.j2', vars_)


# --- profile merging -------------------------------------------------------------------------------
PROFILES = {'base': {'failure_domain': 'host', 'replicated': {'size': 3, 'require_safe_replica_size': True},
                     'erasure_coded': {'data_chunks': 4, 'coding_chunks': 2},
                     'storage_class': {'reclaim_policy': 'Retain', 'fs_type': 'xfs'}}}


def test_filters_registered():
    filters = FilterModule().filters()
    assert filters['rook_use_case_items'] is rook_use_case_items
    assert filters['rook_use_case_problems'] is rook_use_case_problems
    assert filters['rook_resource_problems'] is rook_resource_problems
    assert filters['rook_resources_to_wait_for'] is rook_resources_to_wait_for
    assert filters['rook_apply_results'] is rook_apply_results
    assert filters['rook_resource_settled'] is rook_resource_settled


def test_a_resource_is_settled_in_the_awaited_phase_for_its_current_generation():
    def obj(phase, generation=2, observed=2):
        status = {'phase': phase} if phase else {}
        if observed is not None:
            status['observedGeneration'] = observed
        return {'metadata': {'name': 'p', 'generation': generation}, 'status': status}
    assert rook_resource_settled(obj('Ready'), 'Ready')
    assert rook_resource_settled(obj('Bound', observed=None), 'Bound'), 'a bucket claim has no observedGeneration'
    assert not rook_resource_settled(obj('Ready', observed=1), 'Ready'), 'the latest change is not reconciled yet'
    # the phases Rook retries are not yet: a wait goes on until its timeout
    for phase in ('ReconcileFailed', 'Failure', 'Progressing', None):
        assert not rook_resource_settled(obj(phase), 'Ready'), phase
    assert not rook_resource_settled({'metadata': {'name': 'p'}}, 'Ready')
    assert not rook_resource_settled(obj('Ready'), '')


def _applied_entry(kind, name, ready='Ready'):
    return {'definition': {'apiVersion': 'ceph.rook.io/v1', 'kind': kind,
                           'metadata': {'name': name, 'namespace': NS}}, 'ready': ready, 'state': 'present'}


def test_apply_results_of_several_definitions_pair_with_their_resources():
    # kubernetes.core.k8s with a list of definitions and continue_on_error: results under result.results, in order
    entries = [_applied_entry('CephBlockPool', 'a'), _applied_entry('CephBlockPool', 'b'), _applied_entry('StorageClass', 'c', '')]
    pool_a = {'apiVersion': 'ceph.rook.io/v1', 'kind': 'CephBlockPool',
              'metadata': {'name': 'a', 'namespace': NS, 'generation': 1}, 'status': {'phase': 'Ready'}}
    applied = {'changed': True, 'result': {'results': [
        {'changed': False, 'result': pool_a},
        {'changed': False, 'result': {},
         'error': {'msg': 'Failed to apply object: admission webhook refused', 'reason': 'Unprocessable Entity'}},
        {'changed': True, 'result': {'kind': 'StorageClass', 'metadata': {'name': 'c'}}, 'diff': {'after': {}}},
    ]}}
    out = rook_apply_results(entries, applied)
    assert [r['item'] for r in out] == entries
    assert [(r['changed'], r['failed']) for r in out] == [(False, False), (False, True), (True, False)]
    assert out[0]['result'] == pool_a and out[1]['msg'] == 'Failed to apply object: admission webhook refused'
    assert out[2]['diff'] == {'after': {}} and out[0]['msg'] == ''
    # what reads a loop's results reads these alike: the settled pool is not waited for, the failed one is
    assert rook_resources_to_wait_for(entries, out) == [entries[1]]


def test_apply_results_of_one_definition_and_of_a_skipped_apply():
    entry = _applied_entry('CephFilesystem', 'fs')
    obj = {'kind': 'CephFilesystem', 'metadata': {'name': 'fs'}, 'status': {'phase': 'Ready'}}
    assert rook_apply_results([entry], {'changed': True, 'result': obj}) == [
        {'item': entry, 'changed': True, 'result': obj, 'failed': False, 'msg': '', 'diff': {}}]
    refused = rook_apply_results([entry], {'changed': False, 'result': {}, 'error': {'msg': 'forbidden'}})
    assert refused[0]['failed'] and refused[0]['msg'] == 'forbidden' and not refused[0]['changed']
    assert rook_apply_results([entry], {'skipped': True, 'changed': False}) == []
    assert rook_apply_results([], {'changed': False}) == []


def test_apply_results_that_do_not_match_the_resources_are_an_error():
    with pytest.raises(AnsibleFilterError, match='2 results for 3 resources'):
        rook_apply_results([_applied_entry('CephBlockPool', n) for n in 'abc'], {'result': {'results': [{}, {}]}})
    with pytest.raises(AnsibleFilterError, match='no list of results for 2 resources'):
        rook_apply_results([_applied_entry('CephBlockPool', n) for n in 'ab'], {'result': {'kind': 'CephBlockPool'}})


def test_items_merge_over_their_profile_key_by_key():
    item = {'name': 'p', 'replicated': {'size': 2}, 'storage_class': {'name': 'fast'}, 'quotas': {'max_size': '1Gi'}}
    merged = rook_use_case_items([item], 'block', PROFILES, 'base')[0]
    assert merged['replicated'] == {'size': 2, 'require_safe_replica_size': True}
    assert merged['storage_class'] == {'name': 'fast', 'reclaim_policy': 'Retain', 'fs_type': 'xfs'}
    assert merged['erasure_coded'] == {'data_chunks': 4, 'coding_chunks': 2}
    assert (merged['image_pool'], merged['data_pool']) == ('p-metadata', 'p')
    assert merged['quotas'] == {'max_size': 2 ** 30}
    assert (merged['profile'], merged['state']) == ('base', 'present')
    assert merged['snapshot_class'] == {'name': 'rook-ceph-block-snap-p'}
    assert item == {'name': 'p', 'replicated': {'size': 2}, 'storage_class': {'name': 'fast'},
                    'quotas': {'max_size': '1Gi'}}, 'the declaration itself is left alone'
    assert PROFILES['base']['storage_class'] == {'reclaim_policy': 'Retain', 'fs_type': 'xfs'}


def test_ansibles_lazy_variables_are_copied_without_their_templar(monkeypatch):
    # A role's variables reach a filter as Ansible's lazy containers; a deep copy of one copies its
    # templar and every variable of the host with it (seconds per call late in site.yml). The merge
    # copies them as plain data instead. The filters are called from a template as Ansible calls them.
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template
    from ansible._internal._templating import _lazy_containers

    def no_deepcopy(self, memo):
        raise AssertionError('a lazy container was deep-copied')

    monkeypatch.setattr(_lazy_containers._AnsibleLazyTemplateDict, '__deepcopy__', no_deepcopy)
    monkeypatch.setattr(_lazy_containers._AnsibleLazyTemplateList, '__deepcopy__', no_deepcopy)
    seen = []

    def seeing(function):
        return lambda items, *rest: seen.append(type(items).__name__) or function(items, *rest)

    items = [{'name': 'p', 'rados_namespaces': ['a'], 'storage_class': {'name': 'fast'}},
             {'name': 'q', 'compression': 'zip'}]
    templar = Templar(loader=DataLoader(), variables={
        'items': items, 'profiles': PROFILES, 'big': [{'n': n} for n in range(1000)],
        'items_filter': seeing(rook_use_case_items), 'problems_filter': seeing(rook_use_case_problems)})
    merged = templar.template(trust_as_template("{{ items_filter(items, 'block', profiles, 'base') }}"))
    problems = templar.template(trust_as_template("{{ problems_filter(items, 'block', profiles, 'base') }}"))
    assert seen == ['_AnsibleLazyTemplateList'] * 2, 'the filters saw no lazy container: %s' % seen
    assert merged == rook_use_case_items(copy.deepcopy(items), 'block', copy.deepcopy(PROFILES), 'base')
    assert merged[0]['storage_class'] == {'name': 'fast', 'reclaim_policy': 'Retain', 'fs_type': 'xfs'}
    assert merged[0]['rados_namespaces'] == [{'name': 'a', 'state': 'present'}]
    assert problems == rook_use_case_problems(copy.deepcopy(items), 'block', copy.deepcopy(PROFILES), 'base')
    assert problems == ["pool q.compression must be one of none, passive, aggressive, force, not 'zip'"]


def test_copy_data_copies_plain_data():
    data = {'a': [1, {'b': (2, 3)}], 'c': None}
    copied = rook_use_cases_utils.copy_data(data)
    assert copied == data and copied is not data
    assert copied['a'] is not data['a'] and copied['a'][1] is not data['a'][1]
    assert copied['a'][1]['b'] == (2, 3)


def test_false_switches_a_profile_part_off():
    merged = rook_use_case_items([{'name': 'p', 'erasure_coded': False, 'storage_class': False}], 'block',
                                 PROFILES, 'base')[0]
    assert merged['erasure_coded'] is False and merged['storage_class'] is False
    assert (merged['image_pool'], merged['data_pool']) == ('p', None)


def test_default_names_and_sub_items():
    file_ = rook_use_case_items([{'name': 'f', 'subvolume_groups': ['a', {'name': 'b', 'quota': '10G'}]}], 'file',
                                {'x': {}}, 'x')[0]
    assert file_['storage_class'] == {'name': 'rook-cephfs-f'}
    assert file_['snapshot_class'] == {'name': 'rook-cephfs-snap-f'}
    assert file_['subvolume_groups'] == [{'name': 'a', 'state': 'present'},
                                         {'name': 'b', 'quota': 10 ** 10, 'state': 'present'}]
    assert (file_['data_pools'], file_['data_pool']) == (['data'], 'f-data')
    store = rook_use_case_items([{'name': 's', 'users': ['u', {'name': 'v', 'quotas': {'max_size': '1T'}}],
                                  'bucket_claims': [{'name': 'c', 'max_size': '5Gi'}]}], 'object', {'x': {}}, 'x')[0]
    assert store['storage_class'] == {'name': 'rook-ceph-bucket-s'} and 'snapshot_class' not in store
    assert store['users'][1]['quotas'] == {'max_size': 10 ** 12}
    assert store['bucket_claims'] == [{'name': 'c', 'max_size': 5 * 2 ** 30, 'state': 'present'}]


def test_the_roles_profiles_are_sound():
    for role in ROLES:
        defaults = role_defaults(role)
        kind = role.split('_')[1]
        profiles = defaults['%s_profiles' % role]
        items = [{'name': p.replace('_', '-'), 'profile': p} for p in profiles]
        assert rook_use_case_problems(items, kind, profiles, defaults['%s_default_profile' % role]) == []


# --- preflight checks ---------------------------------------------------------------------------
def problems(items, kind='block', profiles=None, crush=None, namespaces=None):
    profiles = profiles if profiles is not None else role_defaults('rook_%s' % kind)['rook_%s_profiles' % kind]
    return rook_use_case_problems(items, kind, profiles, role_defaults('rook_%s' % kind)['rook_%s_default_profile' % kind],
                                  crush, namespaces)


def test_sound_declaration_has_no_problems():
    assert problems([{'name': 'a'}, {'name': 'b', 'profile': 'archive',
                                     'erasure_coded': {'data_chunks': 2, 'coding_chunks': 1}}], crush=CRUSH) == []


@pytest.mark.parametrize('items, kind, message', [
    ([{'name': 'a', 'profile': 'fast'}], 'block',
     "pool a: unknown profile 'fast' (profiles: archive, database, general, virtual_machines)"),
    ([{'name': 'a', 'replicas': 3}], 'block', "pool a: unknown option 'replicas'"),
    ([{'name': 'a', 'storage_class': {'reclaim': 'Delete'}}], 'block', "pool a.storage_class: unknown option 'reclaim'"),
    ([{'name': 'a'}, {'name': 'a'}], 'block', 'pool a is declared more than once'),
    ([{'name': 'A_b'}], 'block', "pool A_b: 'A_b' is not a valid Kubernetes name"),
    ([{'profile': 'general'}], 'block', 'pool #1 has no name'),
    ([{'name': 'a', 'quotas': {'max_size': 'ten gigs'}}], 'block', "pool a.quotas.max_size: 'ten gigs' is not a size"),
    ([{'name': 'a', 'quotas': {'max_size': '10Gb'}}], 'block', "pool a.quotas.max_size: '10Gb' is not a size"),
    ([{'name': 'a', 'quotas': {'max_objects': -1}}], 'block',
     'pool a.quotas.max_objects must be a whole number of at least 0, not -1'),
    ([{'name': 'a', 'replicated': {'size': 1}}], 'block', 'pool a: replicated.size 1 keeps a single copy'),
    ([{'name': 'a', 'replicated': {'size': 'three'}}], 'block', "pool a.replicated.size must be a whole number"),
    ([{'name': 'a', 'erasure_coded': {'data_chunks': 1, 'coding_chunks': 1}}], 'block',
     'pool a.erasure_coded.data_chunks must be a whole number of at least 2, not 1'),
    ([{'name': 'a', 'erasure_coded': {'data_chunks': 2}}], 'block',
     'pool a.erasure_coded needs data_chunks and coding_chunks'),
    ([{'name': 'a', 'compression': 'zstd'}], 'block',
     "pool a.compression must be one of none, passive, aggressive, force, not 'zstd'"),
    ([{'name': 'a', 'storage_class': {'reclaim_policy': 'Recycle'}}], 'block',
     "pool a.storage_class.reclaim_policy must be one of Delete, Retain, not 'Recycle'"),
    ([{'name': 'a', 'storage_class': {'fs_type': 'btrfs'}}], 'block',
     "pool a.storage_class.fs_type must be one of ext4, xfs, not 'btrfs'"),
    ([{'name': 'a', 'state': 'gone'}], 'block', "pool a.state must be one of present, absent, not 'gone'"),
    ([{'name': 'a', 'rados_namespaces': ['x', 'x']}], 'block', 'pool a.rados_namespaces x is declared more than once'),
    ([{'name': 's', 'users': [{'name': 'u', 'quotas': {'max_buckets': 'many'}}]}], 'object',
     "object store s.users u.quotas.max_buckets must be a whole number of at least 0, not 'many'"),
    ([{'name': 's', 'users': [{'name': 'u', 'capabilities': {'buckets': 'all'}}]}], 'object',
     "object store s.users u.capabilities.buckets must be one of *, read, write, read, write, not 'all'"),
    ([{'name': 's', 'users': [{'name': 'u', 'capabilities': {'root': 'read'}}]}], 'object',
     "object store s.users u.capabilities key must be one of user, users, bucket, buckets"),
    ([{'name': 's', 'bucket_claims': [{'name': 'c', 'bucket_name': 'b', 'generate_bucket_name': 'g'}]}], 'object',
     'object store s.bucket_claims c: give bucket_name or generate_bucket_name, not both'),
    ([{'name': 's', 'storage_class': False, 'bucket_claims': [{'name': 'c'}]}], 'object',
     "object store s.bucket_claims c: a bucket claim needs the store's bucket StorageClass (storage_class is false)"),
    ([{'name': 's', 'gateway': {'port': 0}}], 'object', 's.gateway.port must be a whole number of at least 1, not 0'),
    ([{'name': 'f', 'subvolume_groups': [{'name': 'g', 'pinning': {'export': 1, 'random': 0.5}}]}], 'file',
     'filesystem f.subvolume_groups g.pinning must be one of'),
    ([{'name': 'f', 'metadata_server': {'active_count': 0}}], 'file',
     'filesystem f.metadata_server.active_count must be a whole number of at least 1, not 0'),
])
def test_bad_declarations_are_named(items, kind, message):
    found = problems(items, kind)
    assert any(message in p for p in found), found


def test_unknown_options_in_profiles_and_an_unknown_default_profile():
    found = rook_use_case_problems([], 'file', {'mine': {'replicas': 2}}, 'shared')
    assert found == ["profile mine: unknown option 'replicas' (known: " + ', '.join(sorted(
        ['name', 'profile', 'state', 'preserve_filesystem_on_delete', 'metadata_server', 'subvolume_groups',
         'storage_class', 'snapshot_class', 'failure_domain', 'device_class', 'compression', 'parameters',
         'replicated', 'erasure_coded'])) + ')',
        "the default profile 'shared' is not a profile (profiles: mine)"]


def test_placements_the_crush_map_cannot_hold():
    # 3 hosts with 2 hdd OSDs each
    assert problems([{'name': 'cold', 'profile': 'archive'}], crush=CRUSH) == [
        'pool cold: erasure coding 4+2 needs 6 failure domains of type host, the cluster has 3: lower it or choose '
        'another profile']
    assert problems([{'name': 'r', 'replicated': {'size': 4}}], crush=CRUSH) == [
        'pool r: replicated size 4 needs 4 failure domains of type host, the cluster has 3: lower it or choose '
        'another profile']
    # spread over OSDs instead of hosts, 6 OSDs hold 4+2
    assert problems([{'name': 'cold', 'profile': 'archive', 'failure_domain': 'osd'}], crush=CRUSH) == []
    assert problems([{'name': 'r', 'device_class': 'ssd'}], crush=CRUSH) == [
        "pool r: device_class 'ssd' has no OSDs in the cluster (classes: hdd)"]
    assert problems([{'name': 'r', 'device_class': 'hdd'}], crush=CRUSH) == []
    assert problems([{'name': 'r', 'failure_domain': 'shelf'}], crush=CRUSH)[0].startswith(
        "pool r: failure_domain 'shelf' is not a CRUSH type of the cluster (types: osd, host,")
    # the replicated metadata pool beside an erasure-coded one must fit too
    assert problems([{'name': 'c', 'profile': 'archive', 'replicated': {'size': 4}, 'failure_domain': 'osd'}],
                    crush=CRUSH) == []
    assert 'metadata pool of size 4' in ' '.join(problems(
        [{'name': 'c', 'profile': 'archive', 'replicated': {'size': 4},
          'erasure_coded': {'data_chunks': 2, 'coding_chunks': 1}}], crush=CRUSH))
    # what is being removed is not placed
    assert problems([{'name': 'cold', 'profile': 'archive', 'state': 'absent'}], crush=CRUSH) == []
    # the same for stores and filesystems
    assert problems([{'name': 's', 'profile': 'backup_target'}], 'object', crush=CRUSH)[0].startswith(
        'object store s: erasure coding 4+2 needs 6 failure domains')
    assert problems([{'name': 'f', 'replicated': {'size': 5}}], 'file', crush=CRUSH)[0].startswith(
        'filesystem f: replicated size 5 needs 5 failure domains')


def test_bucket_claims_go_to_existing_namespaces():
    items = [{'name': 's', 'bucket_claims': [{'name': 'c', 'namespace': 'apps'},
                                             {'name': 'd', 'namespace': 'gone', 'state': 'absent'}]}]
    assert problems(items, 'object', namespaces=['rook-ceph', 'apps']) == []
    assert problems(items, 'object', namespaces=['rook-ceph']) == [
        "object store s.bucket_claims c: namespace 'apps' does not exist"]


# --- rendered resources against each other and the cluster ---------------------------------------
def _existing(role, items):
    classes = ('StorageClass', 'VolumeSnapshotClass')
    return [e['definition'] for e in resources(role, items) if e['definition']['kind'] in classes]


def test_resources_declared_twice():
    entries = resources('rook_block', [{'name': 'a', 'storage_class': {'name': 'fast'}},
                                       {'name': 'b', 'storage_class': {'name': 'fast'}}])
    assert rook_resource_problems(entries, []) == ['StorageClass fast is declared twice (by pool a and pool b)']
    # an erasure-coded pool's metadata pool against a pool of that name
    entries = resources('rook_block', [{'name': 'x', 'profile': 'archive'}, {'name': 'x-metadata'}])
    assert rook_resource_problems(entries, []) == [
        'CephBlockPool rook-ceph/x-metadata is declared twice (by pool x and pool x-metadata)']
    # users are named per namespace, whatever their store
    entries = resources('rook_object', [{'name': 's1', 'users': ['u']}, {'name': 's2', 'users': ['u']}])
    assert rook_resource_problems(entries, []) == [
        'CephObjectStoreUser rook-ceph/u is declared twice (by object store s1 and object store s2)']


def test_storage_class_clashes_with_the_cluster():
    entries = resources('rook_block', [{'name': 'db', 'profile': 'database', 'storage_class': {'name': 'fast'}}])
    # the same class again: nothing to say
    assert rook_resource_problems(entries, _existing('rook_block', [
        {'name': 'db', 'profile': 'database', 'storage_class': {'name': 'fast'}}])) == []
    # a class of that name for CephFS
    cephfs = _existing('rook_file', [{'name': 'shared', 'storage_class': {'name': 'fast'}, 'snapshot_class': False}])
    assert rook_resource_problems(entries, cephfs) == [
        'StorageClass fast (pool db) exists for other data: provisioner rook-operator.cephfs.csi.ceph.com, '
        'pool shared-data; choose another name or remove it first']
    # a class of that name for another pool of the same driver
    other = _existing('rook_block', [{'name': 'web', 'storage_class': {'name': 'fast'}, 'snapshot_class': False}])
    assert rook_resource_problems(entries, other) == [
        'StorageClass fast (pool db) exists for other data: pool web; choose another name or remove it first']
    # the same pool, but a reclaim policy and fs type Kubernetes cannot change in place
    general = _existing('rook_block', [{'name': 'db', 'storage_class': {'name': 'fast'}, 'snapshot_class': False}])
    assert rook_resource_problems(entries, general) == [
        'StorageClass fast (pool db) exists with other parameters, reclaimPolicy, volumeBindingMode, which Kubernetes '
        'cannot change: remove it first or declare what it has']
    # only what is applied is compared
    gone = [dict(e, state='absent') for e in entries]
    assert rook_resource_problems(gone, cephfs) == []


def test_a_rados_namespace_or_subvolume_group_cannot_move_to_another_parent():
    """Rook's CRDs make a RADOS namespace's blockPoolName and a subvolume group's filesystemName immutable (CEL
    self == oldSelf): a pool turned erasure-coded moves its images to NAME-metadata, and its RADOS namespaces
    with them, which the API would refuse at apply; the preflight says so first."""
    existing = [e['definition'] for e in resources('rook_block', [{'name': 'vms', 'rados_namespaces': ['t1']}])
                if e['definition']['kind'] == 'CephBlockPoolRadosNamespace']
    assert existing and existing[0]['spec']['blockPoolName'] == 'vms'
    same = resources('rook_block', [{'name': 'vms', 'rados_namespaces': ['t1']}])
    assert rook_resource_problems(same, existing) == []
    moved = resources('rook_block', [{'name': 'vms', 'profile': 'archive', 'rados_namespaces': ['t1']}])
    problems = rook_resource_problems(moved, existing)
    assert len(problems) == 1 and problems[0].startswith(
        'CephBlockPoolRadosNamespace rook-ceph/%s (pool vms) exists with other blockPoolName vms -> vms-metadata, '
        'which Rook cannot change' % existing[0]['metadata']['name'])
    # declared absent, it is not compared
    assert rook_resource_problems([dict(e, state='absent') for e in moved], existing) == []
    group = [e['definition'] for e in resources('rook_file', [{'name': 'f', 'subvolume_groups': ['g']}])
             if e['definition']['kind'] == 'CephFilesystemSubVolumeGroup'][0]
    other = dict(group, spec=dict(group['spec'], filesystemName='elsewhere'))
    assert 'exists with other filesystemName elsewhere -> f' in rook_resource_problems(
        resources('rook_file', [{'name': 'f', 'subvolume_groups': ['g']}]), [other])[0]


def test_snapshot_class_clash():
    entries = resources('rook_block', [{'name': 'db', 'snapshot_class': {'name': 'snaps'}, 'storage_class': False}])
    cephfs = _existing('rook_file', [{'name': 'f', 'snapshot_class': {'name': 'snaps'}, 'storage_class': False}])
    assert rook_resource_problems(entries, cephfs) == [
        'VolumeSnapshotClass snaps (pool db) exists for other data: driver rook-operator.cephfs.csi.ceph.com; choose '
        'another name or remove it first']


def _entry(kind, name, ready, namespace=NS):
    meta = {'name': name, 'namespace': namespace} if namespace else {'name': name}
    return {'state': 'present', 'ready': ready, 'definition': {'apiVersion': 'v1', 'kind': kind, 'metadata': meta}}


def _applied(entry, changed=False, phase='Ready', generation=1, observed=1):
    # As kubernetes.core.k8s returns an apply of the lab (status of a CephBlockPool with observedGeneration).
    obj = {'kind': entry['definition']['kind'], 'metadata': dict(entry['definition']['metadata'], generation=generation)}
    if phase is not None:
        obj['status'] = {'phase': phase, 'conditions': [{'type': 'Ready', 'status': 'True'}]}
        if observed is not None:
            obj['status']['observedGeneration'] = observed
    return {'changed': changed, 'item': entry, 'result': obj}


def test_a_re_run_waits_only_for_what_its_apply_did_not_show_settled():
    pool, rns = _entry('CephBlockPool', 'p', 'Ready'), _entry('CephBlockPoolRadosNamespace', 'p-a', 'Ready')
    claim, klass = _entry('ObjectBucketClaim', 'c', 'Bound'), _entry('StorageClass', 'sc', None, None)
    entries = [pool, rns, claim, klass]
    settled = [_applied(pool), _applied(rns), _applied(claim, phase='Bound', observed=None), _applied(klass, phase=None)]
    assert rook_resources_to_wait_for(entries, settled) == []
    # No apply results (check mode before the cluster exists, or the loop skipped): wait for every one.
    assert rook_resources_to_wait_for(entries, None) == [pool, rns, claim]
    skipped = [{'skipped': True, 'item': e} for e in entries]
    assert rook_resources_to_wait_for(entries, skipped) == [pool, rns, claim]


@pytest.mark.parametrize('result', [
    {'changed': True},
    {'phase': 'Progressing'},
    {'phase': None},
    {'generation': 2, 'observed': 1},
], ids=['changed', 'another phase', 'no status', 'older generation'])
def test_a_resource_not_shown_settled_is_waited_for(result):
    pool, other = _entry('CephBlockPool', 'p', 'Ready'), _entry('CephBlockPool', 'q', 'Ready')
    applied = [_applied(pool, **result), _applied(other)]
    assert rook_resources_to_wait_for([pool, other], applied) == [pool]
    failed = dict(_applied(pool), failed=True)
    assert rook_resources_to_wait_for([pool], [failed]) == [pool]
