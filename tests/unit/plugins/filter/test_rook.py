# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rook_storage_nodes, and the storage spec it makes validated against Rook v1.20.6's CephCluster CRD."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.filter.rook import FilterModule, rook_storage_nodes

CRDS_REL = os.path.join('shared', 'rook', 'v1.20.6', 'deploy', 'examples', 'crds.yaml')


def _find_crds():
    """The project keeps Rook's manifests beside the repository (../shared/rook); ansible-test runs a copy of
    the tree further down, so look in every ancestor. KOOR_ROOK_CRDS overrides."""
    if os.environ.get('KOOR_ROOK_CRDS'):
        return os.environ['KOOR_ROOK_CRDS']
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(here, CRDS_REL)
        if os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.join('..', CRDS_REL)
        here = parent


CRDS = _find_crds()


def disk(path, eligible=True, kind='hdd', by_id=None, rotational=True):
    return {'path': path, 'type': kind, 'rotational': rotational, 'by_id': by_id or [], 'eligible': eligible,
            'reasons': [] if eligible else ['is mounted at /srv']}


FACTS = {
    'storage-2': {'hostname': 'storage-2', 'disks': [disk('/dev/sdb'), disk('/dev/sdc', eligible=False)]},
    'storage-1': {'hostname': 'storage-1', 'disks': [
        disk('/dev/nvme0n1', kind='nvme', rotational=False,
             by_id=['/dev/disk/by-id/nvme-X', '/dev/disk/by-id/wwn-0x5', '/dev/disk/by-path/pci-0']),
        disk('/dev/loop3', kind='loop')]},
    'storage-3': {'hostname': 'storage-3', 'disks': [disk('/dev/sdb', eligible=False)]},
}


def test_registered():
    assert FilterModule().filters()['rook_storage_nodes'] is rook_storage_nodes


def test_every_eligible_disk_by_default():
    assert rook_storage_nodes(FACTS) == [
        {'name': 'storage-1', 'devices': [{'name': 'nvme0n1'}, {'name': 'loop3'}]},
        {'name': 'storage-2', 'devices': [{'name': 'sdb'}]},
    ]


def test_chosen_devices_classes_by_id_and_config():
    nodes = rook_storage_nodes(FACTS, devices={'storage-1': ['/dev/nvme0n1']}, device_class='auto', use_by_id=True,
                               config={'osdsPerDevice': 2})
    assert nodes[0] == {'name': 'storage-1', 'config': {'osdsPerDevice': '2'},
                        'devices': [{'name': '/dev/disk/by-id/wwn-0x5', 'config': {'deviceClass': 'nvme'}}]}
    assert nodes[1]['devices'] == [{'name': 'sdb', 'config': {'deviceClass': 'hdd'}}]


def test_list_of_results_is_keyed_by_hostname():
    assert rook_storage_nodes(list(FACTS.values())) == rook_storage_nodes(FACTS)


@pytest.mark.parametrize('kwargs, message', [
    (dict(devices={'storage-2': ['/dev/sdc']}), 'storage-2: /dev/sdc is not eligible (is mounted at /srv)'),
    (dict(devices={'storage-2': ['/dev/sdz']}), 'storage-2: /dev/sdz is not one of its disks'),
    (dict(devices={'storage-2': ['/dev/sdb', '/dev/sdb']}), 'storage-2: /dev/sdb is listed twice'),
    (dict(devices={'storage-9': ['/dev/sdb']}), 'node(s) without disk facts: storage-9'),
])
def test_bad_choices_fail_with_every_problem(kwargs, message):
    with pytest.raises(AnsibleFilterError, match='koor.ceph.rook_storage_nodes: .*' + message.replace('(', r'\(')
                       .replace(')', r'\)')):
        rook_storage_nodes(FACTS, **kwargs)


def test_not_disk_facts():
    with pytest.raises(AnsibleFilterError, match='not a disk_info result'):
        rook_storage_nodes({'x': {'changed': False}})
    with pytest.raises(AnsibleFilterError, match='expected a mapping'):
        rook_storage_nodes('storage-1')


def _storage_schema():
    if not os.path.exists(CRDS):
        pytest.fail('Rook CRDs not found at %s (set KOOR_ROOK_CRDS)' % CRDS)
    with open(CRDS) as handle:
        for doc in yaml.safe_load_all(handle):
            if doc and doc.get('kind') == 'CustomResourceDefinition' and doc['spec']['names']['kind'] == 'CephCluster':
                version = [v for v in doc['spec']['versions'] if v.get('storage')][0]
                return version['schema']['openAPIV3Schema']
    pytest.fail('no CephCluster CRD in %s' % CRDS)


def _validator(schema):
    import jsonschema  # in requirements.txt and tests/unit/requirements.txt

    # OpenAPI v3 'nullable' and the Kubernetes x- extensions are not JSON Schema: allow null where nullable.
    def convert(node):
        if isinstance(node, dict):
            node = dict((k, convert(v)) for k, v in node.items() if not k.startswith('x-kubernetes'))
            if node.pop('nullable', False) and 'type' in node:
                node['type'] = [node['type'], 'null']
            return node
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node
    return jsonschema.Draft7Validator(convert(schema))


def test_storage_spec_validates_against_the_cephcluster_crd():
    validator = _validator(_storage_schema())
    spec = {'useAllNodes': False, 'useAllDevices': False,
            'nodes': rook_storage_nodes(FACTS, device_class='auto', use_by_id=True, config={'osdsPerDevice': 1})}
    cluster = {'apiVersion': 'ceph.rook.io/v1', 'kind': 'CephCluster',
               'metadata': {'name': 'rook-ceph', 'namespace': 'rook-ceph'},
               'spec': {'cephVersion': {'image': 'quay.io/ceph/ceph:v20.2.4'}, 'dataDirHostPath': '/var/lib/rook',
                        'storage': spec}}
    errors = sorted(validator.iter_errors(cluster), key=str)
    assert errors == [], [e.message for e in errors]
    # And the validator does catch a spec the CRD refuses (a number where Rook wants a string).
    bad = dict(cluster, spec=dict(cluster['spec'], storage=dict(spec, nodes=[{'name': 'x', 'config': {'a': 1},
                                                                              'devices': [{'name': 5}]}])))
    assert len(list(validator.iter_errors(bad))) == 2
