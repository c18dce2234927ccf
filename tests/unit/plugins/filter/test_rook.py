# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rook_storage_nodes, and the storage spec it makes validated against Rook v1.20.6's CephCluster CRD."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.filter.rook import FilterModule, rook_storage_nodes
from ansible_collections.koor.ceph.tests.unit.roles.rook_render import find_examples

CRDS = os.path.join(find_examples(), 'crds.yaml')


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


def test_running_osds_accepted_on_request():
    running = dict(disk('/dev/sdc', eligible=False), osd_running=True,
                   reasons=['is in use by ceph-osd (pid 4242)', 'has a Ceph BlueStore label of osd.0, cluster f'])
    leftover = dict(disk('/dev/sdd', eligible=False), osd_running=False,
                    reasons=['has a Ceph BlueStore label of osd.1, cluster old'])
    facts = {'storage-2': {'hostname': 'storage-2', 'disks': [disk('/dev/sdb'), running, leftover]}}
    chosen = {'storage-2': ['/dev/sdb', '/dev/sdc']}
    with pytest.raises(AnsibleFilterError, match=r'/dev/sdc is not eligible \(is in use by ceph-osd \(pid 4242\)'):
        rook_storage_nodes(facts, devices=chosen)
    expected = [{'name': 'storage-2', 'devices': [{'name': 'sdb'}, {'name': 'sdc'}]}]
    assert rook_storage_nodes(facts, devices=chosen, accept_osd_running=True) == expected
    assert rook_storage_nodes(facts, accept_osd_running=True) == expected  # the default choice keeps it too
    assert rook_storage_nodes(facts) == [{'name': 'storage-2', 'devices': [{'name': 'sdb'}]}]
    with pytest.raises(AnsibleFilterError, match=r'/dev/sdd is not eligible \(has a Ceph BlueStore label of osd.1'):
        rook_storage_nodes(facts, devices={'storage-2': ['/dev/sdd']}, accept_osd_running=True)


def test_not_disk_facts():
    with pytest.raises(AnsibleFilterError, match='not a disk_info result'):
        rook_storage_nodes({'x': {'changed': False}})
    with pytest.raises(AnsibleFilterError, match='expected a mapping'):
        rook_storage_nodes('storage-1')


def _storage_schema():
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


# --- manifests, images, Ceph versions, storage checks -------------------------------------------
from ansible_collections.koor.ceph.plugins.filter.rook import (  # noqa: E402  pylint: disable=wrong-import-position
    rook_ceph_image_check, rook_helm_image_values, rook_image, rook_manifest_overrides, rook_manifests,
    rook_storage_nodes_in_use, rook_storage_problems, rook_supported_ceph, rook_manifest_batches)

MANIFEST = """
# namespace markers as in Rook's common.yaml / operator.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: rook-ceph-operator-config
  namespace: rook-ceph # namespace:operator
  annotations:
data:
  ROOK_CEPH_ALLOW_LOOP_DEVICES: "false"
  ROOK_CSI_CEPH_IMAGE: "quay.io/cephcsi/cephcsi:v3.17.0"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rook-ceph-osd
  namespace: rook-ceph # namespace:cluster
subjects:
  - kind: ServiceAccount
    name: rook-ceph-osd
    namespace: rook-ceph # namespace:cluster
---
apiVersion: csi.ceph.io/v1
kind: Driver
metadata:
  name: rook-ceph.rbd.csi.ceph.com # csi-provisioner-name
  namespace: rook-ceph # namespace:operator
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rook-ceph-operator
  namespace: rook-ceph # namespace:operator
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox
      containers:
        - name: rook-ceph-operator
          image: docker.io/rook/ceph:v1.20.6
          env:
            - name: ROOK_CSI_ATTACHER_IMAGE
              value: registry.k8s.io/sig-storage/csi-attacher:v4.12.0
"""


def test_manifests_namespaces_and_nulls():
    docs = rook_manifests(MANIFEST, operator_namespace='op', cluster_namespace='cl')
    assert [d['kind'] for d in docs] == ['ConfigMap', 'RoleBinding', 'Driver', 'Deployment']
    assert docs[0]['metadata'] == {'name': 'rook-ceph-operator-config', 'namespace': 'op'}  # null annotations gone
    assert docs[1]['metadata']['namespace'] == 'cl' and docs[1]['subjects'][0]['namespace'] == 'cl'
    assert docs[2]['metadata'] == {'name': 'op.rbd.csi.ceph.com', 'namespace': 'op'}
    assert rook_manifests(MANIFEST)[1]['metadata']['namespace'] == 'rook-ceph'
    assert rook_manifests(MANIFEST, 'op')[1]['metadata']['namespace'] == 'op'  # cluster defaults to operator's
    assert json.loads(rook_manifests(MANIFEST, as_json=True)) == rook_manifests(MANIFEST)


@pytest.mark.parametrize('args, message', [
    ((42,), 'expected the YAML text'),
    (('a: [',), 'not valid YAML'),
    (('a: 1',), 'not a Kubernetes manifest'),
    ((MANIFEST, 'Bad_NS'), 'not a valid namespace name'),
    ((MANIFEST, 'op', None, {'colour': 'red'}), 'overrides must be a mapping with the options'),
])
def test_manifests_refuse(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        rook_manifests(*args)


def test_overrides_registry_images_and_config():
    docs = rook_manifests(MANIFEST)
    out = rook_manifest_overrides(docs, registry='reg.example:5000/mirror',
                                  images={'registry.k8s.io/sig-storage/csi-attacher': 'mine/attacher:v9'},
                                  operator_config={'ROOK_CEPH_ALLOW_LOOP_DEVICES': True, 'ROOK_LOG_LEVEL': 'DEBUG'})
    assert docs == rook_manifests(MANIFEST)  # the input is not changed
    config = out[0]['data']
    assert config == {'ROOK_CEPH_ALLOW_LOOP_DEVICES': 'true', 'ROOK_LOG_LEVEL': 'DEBUG',
                      'ROOK_CSI_CEPH_IMAGE': 'reg.example:5000/mirror/cephcsi/cephcsi:v3.17.0'}
    pod = out[3]['spec']['template']['spec']
    assert pod['initContainers'][0]['image'] == 'reg.example:5000/mirror/library/busybox'
    assert pod['containers'][0]['image'] == 'reg.example:5000/mirror/rook/ceph:v1.20.6'
    assert pod['containers'][0]['env'][0]['value'] == 'mine/attacher:v9'
    out = rook_manifest_overrides(docs, operator_image='mine/rook:v1.20.6')
    assert out[3]['spec']['template']['spec']['containers'][0]['image'] == 'mine/rook:v1.20.6'
    assert out[3]['spec']['template']['spec']['initContainers'][0]['image'] == 'busybox'
    with pytest.raises(AnsibleFilterError, match='not a registry host'):
        rook_manifest_overrides(docs, registry='https://reg')
    with pytest.raises(AnsibleFilterError, match='images must map'):
        rook_manifest_overrides(docs, images={'a': ''})


@pytest.mark.parametrize('image, kwargs, expected', [
    ('docker.io/rook/ceph:v1.20.6', {'registry': 'r.io'}, 'r.io/rook/ceph:v1.20.6'),
    ('quay.io/ceph/ceph@sha256:abc', {'registry': 'r.io/m'}, 'r.io/m/ceph/ceph@sha256:abc'),
    ('localhost:5000/x/y:1', {'registry': 'r.io'}, 'r.io/x/y:1'),
    ('quay.io/cephcsi/cephcsi:v3.17.0', {'images': {'quay.io/cephcsi/cephcsi': 'm/c'}}, 'm/c:v3.17.0'),
    ('quay.io/cephcsi/cephcsi:v3.17.0', {'images': {'quay.io/cephcsi/cephcsi': 'm/c:v1'}}, 'm/c:v1'),
    ('quay.io/cephcsi/cephcsi:v3.17.0', {'images': {'quay.io/cephcsi/cephcsi:v3.17.0': 'm/c:v2'}, 'registry': 'r'},
     'm/c:v2'),
    ('quay.io/cephcsi/cephcsi:v3.17.0', {}, 'quay.io/cephcsi/cephcsi:v3.17.0'),
])
def test_image(image, kwargs, expected):
    assert rook_image(image, **kwargs) == expected


def test_helm_image_values():
    values = rook_helm_image_values({'image': 'docker.io/rook/ceph:v1.20.6', 'csi.cephcsi': 'quay.io/cephcsi/cephcsi:v3.17.0'},
                                    registry='r.io', operator_image='')
    assert values == {'image': {'repository': 'r.io/rook/ceph', 'tag': 'v1.20.6'},
                      'csi': {'cephcsi': {'repository': 'r.io/cephcsi/cephcsi', 'tag': 'v3.17.0'}}}
    assert rook_helm_image_values({'image': 'docker.io/rook/ceph:v1.20.6'}, operator_image='x/rook:v1') == \
        {'image': {'repository': 'x/rook', 'tag': 'v1'}}


@pytest.mark.parametrize('image, rook, allow, supported, allowed, problem', [
    ('quay.io/ceph/ceph:v20.2.4', 'v1.20.6', False, True, True, None),
    ('quay.io/ceph/ceph:v19.2.0', 'v1.20.6', False, True, True, None),
    ('quay.io/ceph/ceph:v19.2.3-20250101', 'v1.20.6', False, True, True, None),
    ('quay.io/ceph/ceph:v20.2.0', 'v1.20.6', False, False, False,
     'Ceph 20.2.0 (tentacle) of image quay.io/ceph/ceph:v20.2.0 is not recommended with Rook v1.20.6: a known data corruption issue'),
    ('quay.io/ceph/ceph:v20.2.0', 'v1.20.6', True, False, True, None),
    # Rook v1.19 and v1.20 refuse Reef whatever allowUnsupported says; v1.18 runs it
    ('quay.io/ceph/ceph:v18.2.7', 'v1.20.6', False, False, False,
     'Ceph 18.2.7 (reef) of image quay.io/ceph/ceph:v18.2.7 is below 19.2.0, the oldest Ceph the operator of Rook v1.20.6 runs'),
    ('quay.io/ceph/ceph:v18.2.7', 'v1.20.6', True, False, False, 'refuses it even with cephVersion.allowUnsupported'),
    ('quay.io/ceph/ceph:v18.2.7', 'v1.19.10', True, False, False, 'below 19.2.0'),
    ('quay.io/ceph/ceph:v18.2.7', 'v1.18.11', False, True, True, None),
    ('quay.io/ceph/ceph:v18.1.2', 'v1.18.11', True, False, False, 'below 18.2.0'),
    ('quay.io/ceph/ceph:v17.2.8', 'v1.18.11', True, False, False, 'below 18.2.0'),
    ('quay.io/ceph/ceph:v20.2.0', 'v1.18.11', False, False, False, 'not recommended with Rook v1.18.11'),
    ('quay.io/ceph/ceph:v21.1.0', 'v1.20.6', False, False, False,
     'Ceph 21.1.0 (umbrella) of image quay.io/ceph/ceph:v21.1.0 is not supported by Rook v1.20.6, which supports Squid 19.2.0+ '
     'and Tentacle 20.2.1+'),
    ('quay.io/ceph/ceph:v21.1.0', 'v1.20.6', True, False, True, None),
    ('quay.io/ceph/ceph:v20', 'v1.20.6', False, False, False, 'names no full Ceph version'),
    ('quay.io/ceph/ceph@sha256:0123', 'v1.20.6', False, False, False, '(none) names no full Ceph version'),
    ('quay.io/ceph/ceph:latest', 'v1.20.6', True, False, True, None),
])
def test_ceph_image_check(image, rook, allow, supported, allowed, problem):
    result = rook_ceph_image_check(image, rook, allow_unsupported=allow)
    assert result['supported'] is supported
    assert result['allowed'] is allowed
    if problem:
        assert len(result['problems']) == 1 and problem in result['problems'][0], result
    else:
        assert result['problems'] == []


def test_ceph_image_check_remedy():
    """Below the operator's minimum the remedy names the Rook release that runs it, never allowUnsupported."""
    reef = rook_ceph_image_check('quay.io/ceph/ceph:v18.2.7', 'v1.20.6', allow_unsupported=True)
    assert reef['operator_refuses'] is True
    assert reef['remedy'] == 'Choose a supported image in rook_cluster_ceph_image, or run Rook v1.18.11 (koor_rook_version) for it'
    quincy = rook_ceph_image_check('quay.io/ceph/ceph:v17.2.8', 'v1.20.6')
    assert quincy['remedy'] == 'Choose a supported image in rook_cluster_ceph_image'
    umbrella = rook_ceph_image_check('quay.io/ceph/ceph:v21.1.0', 'v1.20.6')
    assert umbrella['operator_refuses'] is False and 'rook_cluster_allow_unsupported: true' in umbrella['remedy']


def test_ceph_support_table():
    assert rook_supported_ceph('v1.20.6') == [
        {'release': 'squid', 'major': 19, 'min_version': '19.2.0', 'operator_minimum': '19.2.0'},
        {'release': 'tentacle', 'major': 20, 'min_version': '20.2.1', 'operator_minimum': '19.2.0'}]
    assert [r['release'] for r in rook_supported_ceph('v1.18.11')] == ['reef', 'squid', 'tentacle']
    assert rook_supported_ceph('v1.19.10')[0]['operator_minimum'] == '19.2.0'
    with pytest.raises(AnsibleFilterError, match=r'no Ceph support rule for Rook 1.17 \(known: 1.18, 1.19, 1.20\)'):
        rook_supported_ceph('v1.17.0')
    with pytest.raises(AnsibleFilterError, match='not a Rook version'):
        rook_ceph_image_check('quay.io/ceph/ceph:v20.2.4', 'latest')


def _disk(path, eligible=True, fsid=None, codes=None):
    return {'path': path, 'by_id': ['/dev/disk/by-id/wwn-' + path[5:]], 'eligible': eligible,
            'bluestore': {'ceph_fsid': fsid} if fsid else None,
            'reason_codes': codes if codes is not None else ([] if eligible else ['bluestore']),
            'reasons': [] if eligible else ['has a BlueStore label']}


DISKS = {'n1': [_disk('/dev/sdb', False, 'f1'), _disk('/dev/sdc'), _disk('/dev/sdd', False, None, ['too_small'])],
         'n2': [_disk('/dev/sdb', False, 'other')]}


def test_storage_problems():
    nodes = [{'name': 'n1', 'devices': [{'name': 'sdb'}, {'name': '/dev/disk/by-id/wwn-sdc'}, {'name': 'sdd'},
                                        {'name': 'sdz'}]},
             {'name': 'n2', 'devices': [{'name': 'sdb'}]},
             {'name': 'n3', 'devices': [{'name': 'sdq'}]},  # no facts: not checked
             {'name': 'n1'}]
    assert rook_storage_problems(nodes, DISKS, cluster_fsid='f1') == [
        'node n1: device sdd is not eligible for an OSD (has a BlueStore label)',
        'node n1: device sdz was not found by disk discovery (found: /dev/sdb, /dev/sdc, /dev/sdd)',
        'node n2: device sdb is not eligible for an OSD (has a BlueStore label)',
        'storage.nodes: node n1 is listed twice']
    assert 'node n1: device sdb is not eligible' in rook_storage_problems(nodes[:1], DISKS)[0]


def test_storage_problems_name_a_storage_node_that_matches_no_kubernetes_node():
    # Rook matches storage.nodes[].name against each Node's kubernetes.io/hostname label or its name
    # (pkg/operator/k8sutil/node.go) and skips the others without an error
    kube_nodes = [{'metadata': {'name': 'worker-1.example.com', 'labels': {'kubernetes.io/hostname': 'worker-1'}}},
                  {'metadata': {'name': 'n2', 'labels': {}}}]
    nodes = [{'name': 'worker-1'}, {'name': 'worker-1.example.com'}, {'name': 'n2'}, {'name': 'storage-7'}]
    problems = rook_storage_problems(nodes, {}, kube_nodes=kube_nodes)
    assert problems == [
        'storage node storage-7 matches no Kubernetes Node by its kubernetes.io/hostname label or name (the Nodes: n2, '
        'worker-1.example.com): Rook skips such a node without an error and makes no OSD on it; set disk_prep_node_name '
        "on that storage host to its Node's kubernetes.io/hostname label, or correct the name"]
    # without the Nodes nothing is said about them; with none every node is named
    assert rook_storage_problems(nodes, {}) == []
    assert len(rook_storage_problems(nodes, {}, kube_nodes=[])) == 4


def test_storage_nodes_in_use():
    current = [{'name': 'n1', 'config': {'osdsPerDevice': '1'}, 'devices': [{'name': 'sdb', 'config': {'deviceClass': 'hdd'}}]}]
    assert rook_storage_nodes_in_use([{'name': 'n1', 'devices': [{'name': 'sdc'}]}], DISKS, 'f1', current) == [
        {'name': 'n1', 'devices': [{'name': 'sdb', 'config': {'deviceClass': 'hdd'}}, {'name': 'sdc'}]}]
    # disk_prep lists nothing any more: the node comes back from the disks that hold the cluster's OSDs
    assert rook_storage_nodes_in_use([], DISKS, 'f1', current) == [
        {'name': 'n1', 'config': {'osdsPerDevice': '1'}, 'devices': [{'name': 'sdb', 'config': {'deviceClass': 'hdd'}}]}]
    assert rook_storage_nodes_in_use([], DISKS, None, current) == []
    with pytest.raises(AnsibleFilterError, match='must be a list'):
        rook_storage_nodes_in_use('x', DISKS)


def test_storage_problems_accept_a_running_osd_of_the_cluster_only():
    running = dict(_disk('/dev/sdb', False, 'f1', ['bluestore', 'in_use']), osd_running=True)
    held = dict(_disk('/dev/sdc', False, 'f1', ['bluestore', 'in_use']), osd_running=False)
    other = dict(_disk('/dev/sdd', False, 'other', ['bluestore', 'in_use']), osd_running=True)
    disks = {'n1': [running, held, other]}
    nodes = [{'name': 'n1', 'devices': [{'name': 'sdb'}, {'name': 'sdc'}, {'name': 'sdd'}]}]
    assert rook_storage_problems(nodes, disks, cluster_fsid='f1') == [
        'node n1: device sdc is not eligible for an OSD (has a BlueStore label)',
        'node n1: device sdd is not eligible for an OSD (has a BlueStore label)']
    # without the cluster's fsid (no cluster yet) nothing in use is accepted
    assert len(rook_storage_problems(nodes, disks)) == 3


def _crd(group, kind):
    return {'apiVersion': 'apiextensions.k8s.io/v1', 'kind': 'CustomResourceDefinition',
            'spec': {'group': group, 'names': {'kind': kind}}}


def test_manifest_batches_split_before_a_kind_a_crd_of_the_batch_defines():
    docs = {'crds.yaml': [_crd('ceph.rook.io', 'CephCluster')],
            'common.yaml': [{'apiVersion': 'v1', 'kind': 'Namespace'}],
            'csi-operator.yaml': [_crd('csi.ceph.io', 'Driver'), {'apiVersion': 'apps/v1', 'kind': 'Deployment'}],
            'operator.yaml': json.dumps([{'apiVersion': 'csi.ceph.io/v1', 'kind': 'Driver'},
                                         {'apiVersion': 'apps/v1', 'kind': 'Deployment'}]),
            'cluster.yaml': [{'apiVersion': 'ceph.rook.io/v1', 'kind': 'CephCluster'}]}
    names = ['crds.yaml', 'common.yaml', 'csi-operator.yaml', 'operator.yaml']
    assert rook_manifest_batches(names, docs) == [['crds.yaml', 'common.yaml', 'csi-operator.yaml'], ['operator.yaml']]
    # a CRD of an earlier batch is established by then: no new split for it
    assert rook_manifest_batches(names + ['cluster.yaml'], docs) == [
        ['crds.yaml', 'common.yaml', 'csi-operator.yaml'], ['operator.yaml', 'cluster.yaml']]
    assert rook_manifest_batches(['crds.yaml', 'cluster.yaml'], docs) == [['crds.yaml'], ['cluster.yaml']]
    with pytest.raises(AnsibleFilterError, match='no documents for manifest x.yaml'):
        rook_manifest_batches(['x.yaml'], docs)


def test_manifest_batches_of_rooks_own_manifests():
    names = ['crds.yaml', 'common.yaml', 'csi-operator.yaml', 'operator.yaml']
    folder = find_examples()
    docs = {}
    for name in names:
        with open(os.path.join(folder, name)) as handle:
            docs[name] = rook_manifests(handle.read(), as_json=True)
    assert rook_manifest_batches(names, docs) == [['crds.yaml', 'common.yaml', 'csi-operator.yaml'], ['operator.yaml']]
