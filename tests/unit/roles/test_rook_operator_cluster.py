# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rook_operator and rook_cluster roles: their templates and the manifests they apply, rendered with
Ansible's own templating from the roles' defaults and vars (and a few variable sets), validated against
Rook v1.20.6's CRD schemas (the lab's cache of Rook's release files) and Kubernetes 1.34's schemas (kubernetes-validate)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest
import yaml


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


from ansible_collections.koor.ceph.plugins.filter.rook import rook_manifests  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.koor.ceph.tests.unit.roles.rook_render import (  # noqa: E402  pylint: disable=wrong-import-position
    build_crd_validators, evaluate, example_text, find_examples, load_yaml, render, role_variables, trusted, validate)


@pytest.fixture(scope='module')
def crd_validators():
    return build_crd_validators()


def disk(path, eligible=True, size=10 << 30, fsid=None, reasons=None):
    codes = [] if eligible else (reasons or ['too_small'])
    return {'path': path, 'type': 'loop', 'rotational': True, 'by_id': [], 'size': size, 'eligible': eligible,
            'reason_codes': codes, 'reasons': ['is too small (1 GiB, the minimum is 5 GiB)'] if 'too_small' in codes
            else (['has a Ceph BlueStore label'] if codes else []),
            'bluestore': {'ceph_fsid': fsid} if fsid else None}


# Three storage hosts as koor.ceph.disk_prep leaves them (facts), disks 10G, 10G, 1G each.
def storage_hosts(fsid=None):
    hostvars, nodes = {}, []
    for i in range(3):
        name = 'node%d' % (i + 1)
        disks = [disk('/dev/loop%d' % (3 * i), fsid=fsid, eligible=not fsid, reasons=['bluestore']),
                 disk('/dev/loop%d' % (3 * i + 1)), disk('/dev/loop%d' % (3 * i + 2), False, 1 << 30)]
        nodes.append({'name': name, 'devices': [{'name': d['path'][5:]} for d in disks if d['eligible']]})
        hostvars[name] = {'inventory_hostname': name, 'disk_prep_node': name, 'disk_prep_disks': disks}
    for name in hostvars:
        hostvars[name]['disk_prep_storage_nodes'] = nodes
    hostvars['localhost'] = {'inventory_hostname': 'localhost'}
    return hostvars


def variables(role, hostvars=None, **extra):
    """The role's defaults and vars, as Ansible loads them (templates trusted), an inventory's hosts, and extra
    variables (the inventory's or the preflight's)."""
    result = role_variables(role)
    hostvars = storage_hosts() if hostvars is None else hostvars
    result['hostvars'] = hostvars
    result['groups'] = {'all': sorted(hostvars), 'storage': sorted(h for h in hostvars if h != 'localhost'),
                        'rook_admin': ['localhost']}
    result['inventory_hostname'] = 'localhost'
    result.update(trusted(extra))
    return result


def _merge(base, extra):
    """Ansible's combine(recursive=true), as the role merges rook_cluster_spec into the rendered CephCluster."""
    out = copy.deepcopy(base)
    for key, val in extra.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def cephcluster(**extra):
    vars_ = variables('rook_cluster', **extra)
    cluster = yaml.safe_load(render('rook_cluster', 'cephcluster.yaml.j2', vars_))
    return _merge(cluster, {'spec': evaluate('{{ rook_cluster_spec }}', vars_)})


# --- rook_cluster --------------------------------------------------------------------------------
CLUSTER_CASES = {
    'defaults': {},
    'all-options': dict(
        rook_cluster_name='ceph-a', rook_cluster_namespace='storage-ns', rook_cluster_ceph_image='quay.io/ceph/ceph:v19.2.3',
        rook_cluster_mon_count=5, rook_cluster_mgr_count=1,
        rook_cluster_mgr_modules=[{'name': 'pg_autoscaler', 'enabled': True}],
        rook_cluster_host_network=True, rook_cluster_msgr2_encryption=True, rook_cluster_msgr2_compression=True,
        rook_cluster_require_msgr2=True, rook_cluster_network={'addressRanges': {'public': ['10.0.0.0/24']}},
        rook_cluster_storage_from='all_devices', rook_cluster_device_filter='^sd[b-d]$',
        rook_cluster_osd_encryption=True,
        rook_cluster_resources={'mon': {'requests': {'cpu': '500m', 'memory': '1Gi'}, 'limits': {'memory': '2Gi'}}},
        rook_cluster_placement={'all': {'tolerations': [{'key': 'storage', 'operator': 'Exists'}]}},
        rook_cluster_monitoring_enabled=True, rook_cluster_monitoring={'metricsDisabled': False},
        rook_cluster_dashboard_ssl=False, rook_cluster_dashboard={'port': 8443},
        rook_cluster_cleanup_policy={'sanitizeDisks': {'method': 'quick', 'dataSource': 'zero', 'iteration': 1}},
        rook_cluster_health_check={'daemonHealth': {'mon': {'interval': '45s'}}},
        rook_cluster_disruption_management={'managePodBudgets': False},
        rook_cluster_spec={'cephConfig': {'global': {'osd_pool_default_size': '3'}}},
        rook_cluster_cephx_csi_key_type=''),
    'custom-storage': dict(rook_cluster_storage_from='custom', rook_cluster_storage={
        'useAllNodes': False, 'useAllDevices': False,
        'nodes': [{'name': 'n1', 'devices': [{'name': 'sdb', 'config': {'deviceClass': 'ssd'}}],
                   'config': {'osdsPerDevice': '1'}}]}),
    'lab-small': dict(rook_cluster_mon_count=1, rook_cluster_allow_small_mon_count=True,
                      rook_cluster_mon_allow_multiple_per_node=True, rook_cluster_ceph_image='quay.io/ceph/ceph:v18.2.7',
                      rook_cluster_allow_unsupported=True),
}


@pytest.mark.parametrize('case', sorted(CLUSTER_CASES))
def test_cephcluster_validates_against_rooks_crd(case, crd_validators):
    cluster = cephcluster(**CLUSTER_CASES[case])
    assert cluster['apiVersion'] == 'ceph.rook.io/v1' and cluster['kind'] == 'CephCluster'
    assert validate(cluster, crd_validators) == []


def test_cephcluster_defaults_take_the_disk_prep_output():
    spec = cephcluster()['spec']
    assert spec['cephVersion'] == {'image': 'quay.io/ceph/ceph:v20.2.4', 'allowUnsupported': False}
    assert spec['mon'] == {'count': 3, 'allowMultiplePerNode': False}
    assert spec['mgr']['count'] == 2
    assert spec['dataDirHostPath'] == '/var/lib/rook'
    assert spec['storage'] == {'useAllNodes': False, 'useAllDevices': False, 'nodes': [
        {'name': 'node1', 'devices': [{'name': 'loop0'}, {'name': 'loop1'}]},
        {'name': 'node2', 'devices': [{'name': 'loop3'}, {'name': 'loop4'}]},
        {'name': 'node3', 'devices': [{'name': 'loop6'}, {'name': 'loop7'}]}]}
    assert 'cleanupPolicy' not in spec, 'no confirmation is declared: Rook orchestrates nothing while one is set'
    assert spec['network'] == {'connections': {'encryption': {'enabled': False}, 'compression': {'enabled': False},
                                               'requireMsgr2': False}}
    assert 'resources' not in spec and 'placement' not in spec and 'healthCheck' not in spec


def test_cephcluster_options_land_where_rook_reads_them():
    cluster = cephcluster(**CLUSTER_CASES['all-options'])
    spec = cluster['spec']
    assert cluster['metadata'] == {'name': 'ceph-a', 'namespace': 'storage-ns'}
    assert spec['network']['provider'] == 'host'
    assert spec['network']['connections'] == {'encryption': {'enabled': True}, 'compression': {'enabled': True},
                                              'requireMsgr2': True}
    assert spec['network']['addressRanges'] == {'public': ['10.0.0.0/24']}
    assert spec['storage'] == {'useAllNodes': True, 'useAllDevices': True, 'deviceFilter': '^sd[b-d]$',
                               'config': {'encryptedDevice': 'true'}}
    assert spec['cleanupPolicy'] == {'sanitizeDisks': {'method': 'quick', 'dataSource': 'zero', 'iteration': 1}}
    assert spec['cephConfig'] == {'global': {'osd_pool_default_size': '3'}}
    assert spec['dashboard'] == {'enabled': True, 'ssl': False, 'port': 8443}
    assert spec['monitoring'] == {'enabled': True, 'metricsDisabled': False}
    assert 'security' not in spec


def test_a_later_run_keeps_the_devices_that_hold_the_clusters_osds():
    """Once Rook made OSDs on loop0/loop3/loop6, disk_prep reports them ineligible (BlueStore of this cluster)
    and its output no longer lists them: the spec must stay the same."""
    first = cephcluster()
    hostvars = storage_hosts(fsid='f5')
    current = {'metadata': {'name': 'rook-ceph'}, 'status': {'ceph': {'fsid': 'f5'}},
               'spec': {'storage': first['spec']['storage']}}
    later = cephcluster(hostvars=hostvars, __rook_cluster_current=current)
    # disk_prep now lists only the second 10G disk; loop0 is kept, in disk order
    assert later['spec']['storage'] == first['spec']['storage']
    problems = evaluate("{{ __rook_cluster_storage_x.nodes | koor.ceph.rook_storage_problems(_rook_cluster_disks_by_node,"
                        " cluster_fsid=_rook_cluster_fsid) }}",
                        variables('rook_cluster', hostvars=hostvars, __rook_cluster_current=current,
                                  __rook_cluster_storage_x=later['spec']['storage']))
    assert problems == []
    # another cluster's BlueStore is not taken over
    other = cephcluster(hostvars=hostvars, __rook_cluster_current=dict(current, status={'ceph': {'fsid': 'x'}}))
    assert [d['name'] for n in other['spec']['storage']['nodes'] for d in n['devices']] == ['loop1', 'loop4', 'loop7']


def test_ceph_image_check_in_the_role():
    # Reef: refused by Rook v1.20's operator even with allowUnsupported, so by the role; run by v1.18
    for allow in (False, True):
        check = evaluate('{{ _rook_cluster_ceph_check }}', variables('rook_cluster', rook_cluster_ceph_image='quay.io/ceph/ceph:v18.2.7',
                                                                     rook_cluster_allow_unsupported=allow))
        assert check['problems'] and 'the oldest Ceph the operator of Rook v1.20.6 runs' in check['problems'][0]
        assert 'Rook v1.18.11' in check['remedy']
    check = evaluate('{{ _rook_cluster_ceph_check }}', variables('rook_cluster', rook_cluster_ceph_image='quay.io/ceph/ceph:v18.2.7',
                                                                 koor_rook_version='v1.18.11'))
    assert check['problems'] == [] and check['supported']
    # Umbrella: not supported by Rook v1.20, allowed with allowUnsupported
    check = evaluate('{{ _rook_cluster_ceph_check }}', variables('rook_cluster', rook_cluster_ceph_image='quay.io/ceph/ceph:v21.2.0',
                                                                 rook_cluster_allow_unsupported=True))
    assert check['problems'] == [] and not check['supported']
    assert evaluate('{{ _rook_cluster_ceph_check.supported }}', variables('rook_cluster')) is True


def test_ceph_connection_for_later_plays():
    vars_ = variables('rook_cluster', koor_rook_kubeconfig='/k/config', koor_rook_namespace='ceph')
    assert evaluate('{{ _rook_cluster_ceph_connection }}', vars_) == {
        'transport': 'kubectl_exec', 'namespace': 'ceph', 'toolbox': 'deploy/rook-ceph-tools', 'kubeconfig': '/k/config'}
    assert evaluate('{{ _rook_cluster_k8s }}', variables('rook_cluster')) == {}


@pytest.mark.parametrize('extra', [{}, {'rook_cluster_namespace': 'storage-ns',
                                        'rook_cluster_toolbox_image': 'registry.example.com/ceph/ceph:v20.2.4'}])
def test_toolbox_validates_against_kubernetes(extra, crd_validators):
    toolbox = yaml.safe_load(render('rook_cluster', 'toolbox.yaml.j2', variables('rook_cluster', **extra)))
    assert validate(toolbox, crd_validators) == []
    assert toolbox['metadata']['namespace'] == extra.get('rook_cluster_namespace', 'rook-ceph')
    container = toolbox['spec']['template']['spec']['containers'][0]
    assert container['image'] == extra.get('rook_cluster_toolbox_image', 'quay.io/ceph/ceph:v20.2.4')
    # the rest is Rook's own toolbox.yaml
    rook = rook_manifests(example_text('toolbox.yaml'))[0]
    rook['metadata']['namespace'] = toolbox['metadata']['namespace']
    rook['spec']['template']['spec']['containers'][0]['image'] = container['image']
    assert toolbox == rook


# --- rook_operator -------------------------------------------------------------------------------
MANIFESTS = ('crds.yaml', 'common.yaml', 'csi-operator.yaml', 'operator.yaml')
OPERATOR_CASES = {
    'defaults': {},
    'private-registry': dict(koor_rook_operator_namespace='rook-operator', koor_rook_namespace='ceph',
                             rook_operator_registry='registry.example.com:5000/mirror',
                             rook_operator_images={'quay.io/cephcsi/cephcsi': 'registry.example.com/csi/cephcsi:v3.17.1'},
                             rook_operator_allow_loop_devices=True,
                             rook_operator_config={'ROOK_LOG_LEVEL': 'DEBUG', 'ROOK_CSI_ENABLE_RBD': True}),
}


def operator_docs(case):
    """The manifests as the role parses them (the expressions of tasks/fetch.yml), through Ansible's templating."""
    vars_ = variables('rook_operator', **OPERATOR_CASES[case])
    vars_['__texts'] = [example_text(name) for name in MANIFESTS]
    overrides = evaluate('{{ {"registry": rook_operator_registry, "images": rook_operator_images,'
                         ' "operator_config": _rook_operator_config, "operator_image": rook_operator_image} }}', vars_)
    vars_['__overrides'] = overrides
    texts = evaluate("{{ __texts | map('koor.ceph.rook_manifests', operator_namespace=rook_operator_namespace,"
                     " cluster_namespace=rook_operator_cluster_namespace, overrides=__overrides, as_json=true) | list }}",
                     vars_)
    return dict(zip(MANIFESTS, [json.loads(t) for t in texts]))


@pytest.mark.parametrize('case', sorted(OPERATOR_CASES))
def test_operator_manifests_validate(case, crd_validators):
    docs = operator_docs(case)
    assert [len(docs[m]) > 0 for m in MANIFESTS] == [True] * 4
    for name in MANIFESTS:
        for doc in docs[name]:
            if doc['kind'] == 'CustomResourceDefinition' and name == 'crds.yaml':
                continue  # ~1 MB of CRDs: checked by kind and name below, their schemas serve the validators
            errors = validate(doc, crd_validators)
            assert errors == [], (name, doc['kind'], doc['metadata']['name'], errors)
    crds = docs['crds.yaml']
    assert set(d['kind'] for d in crds) == {'CustomResourceDefinition'}
    assert 'cephclusters.ceph.rook.io' in [d['metadata']['name'] for d in crds]


def test_operator_overrides_reach_the_objects():
    docs = operator_docs('private-registry')
    objects = [d for name in MANIFESTS for d in docs[name]]

    def one(kind, name):
        return [d for d in objects if d['kind'] == kind and d['metadata']['name'] == name][0]
    operator = one('Deployment', 'rook-ceph-operator')
    assert operator['metadata']['namespace'] == 'rook-operator'
    assert operator['spec']['template']['spec']['containers'][0]['image'] == \
        'registry.example.com:5000/mirror/rook/ceph:v1.20.6'
    assert one('Deployment', 'ceph-csi-controller-manager')['spec']['template']['spec']['containers'][0]['image'] \
        .startswith('registry.example.com:5000/mirror/cephcsi/ceph-csi-operator:')
    config = one('ConfigMap', 'rook-ceph-operator-config')['data']
    assert config['ROOK_CEPH_ALLOW_LOOP_DEVICES'] == 'true'
    assert config['ROOK_LOG_LEVEL'] == 'DEBUG' and config['ROOK_CSI_ENABLE_RBD'] == 'true'
    images = one('ConfigMap', 'rook-csi-operator-image-set-configmap')['data']
    assert images['plugin'] == 'registry.example.com/csi/cephcsi:v3.17.1'
    assert images['provisioner'] == 'registry.example.com:5000/mirror/sig-storage/csi-provisioner:v6.2.0'
    assert one('Driver', 'rook-operator.rbd.csi.ceph.com')['metadata']['namespace'] == 'rook-operator'
    # the cluster's RBAC lands in the cluster's namespace
    namespaces = set(d['metadata'].get('namespace') for d in docs['common.yaml'])
    assert {'rook-operator', 'ceph'} <= namespaces and 'rook-ceph' not in namespaces
    # every image of the set is moved or replaced
    for doc in objects:
        if doc['kind'] == 'Deployment':
            for container in doc['spec']['template']['spec']['containers']:
                assert container['image'].startswith(('registry.example.com:5000/mirror/', 'registry.example.com/'))


def test_operator_defaults_leave_rooks_images():
    docs = operator_docs('defaults')
    operator = [d for d in docs['operator.yaml'] if d['kind'] == 'Deployment'][0]
    assert operator['spec']['template']['spec']['containers'][0]['image'] == 'docker.io/rook/ceph:v1.20.6'
    config = [d for d in docs['operator.yaml'] if d['metadata']['name'] == 'rook-ceph-operator-config'][0]['data']
    assert config['ROOK_CEPH_ALLOW_LOOP_DEVICES'] == 'false'


def test_helm_values_follow_the_image_settings():
    vars_ = variables('rook_operator', **OPERATOR_CASES['private-registry'])
    helm = evaluate('{{ _rook_operator_helm_values }}', vars_)
    assert helm['allowLoopDevices'] is True
    assert helm['image'] == {'repository': 'registry.example.com:5000/mirror/rook/ceph', 'tag': 'v1.20.6'}
    assert helm['csi']['cephcsi'] == {'repository': 'registry.example.com/csi/cephcsi', 'tag': 'v3.17.1'}
    assert helm['csi']['provisioner']['repository'] == 'registry.example.com:5000/mirror/sig-storage/csi-provisioner'
    # no image settings: the chart's own images
    assert evaluate('{{ _rook_operator_helm_values }}', variables('rook_operator')) == {'allowLoopDevices': False}
    # the chart's default images in vars/main.yml are those of Rook's v1.20.6 chart
    chart = os.path.join(os.path.dirname(find_examples()), 'charts', 'rook-ceph', 'values.yaml')
    if os.path.exists(chart):
        chart_values = load_yaml(chart)
        images = evaluate('{{ _rook_operator_chart_images }}', variables('rook_operator'))
        for path, image in images.items():
            node = chart_values
            for part in path.split('.'):
                node = node[part]
            assert image == '%s:%s' % (node['repository'], node['tag']), path
    drivers = evaluate('{{ _rook_operator_csi_drivers_values }}', variables('rook_operator', koor_rook_operator_namespace='op'))
    assert drivers['drivers']['rbd']['name'] == 'op.rbd.csi.ceph.com'


@pytest.mark.parametrize('version, csi_namespace', [('v1.20.6', 'rook-operator'), ('v1.18.11', 'rook-ceph')])
def test_the_operator_wait_looks_where_the_manifests_put_each_deployment(version, csi_namespace):
    """The role waits for every Deployment of the manifests in the namespace the manifests give it: Rook v1.18's
    csi-operator.yaml has no namespace markers, so its ceph-csi-controller-manager stays in rook-ceph whatever the
    operator's namespace (a wait in the operator's namespace would only time out)."""
    vars_ = variables('rook_operator', koor_rook_operator_namespace='rook-operator', koor_rook_namespace='ceph')
    examples = find_examples(version)
    texts = []
    for name in ('csi-operator.yaml', 'operator.yaml'):
        with open(os.path.join(examples, name)) as handle:
            texts.append(handle.read())
    vars_['__texts'] = texts
    vars_['__rook_operator_docs'] = dict(zip(('csi-operator.yaml', 'operator.yaml'), evaluate(
        "{{ __texts | map('koor.ceph.rook_manifests', operator_namespace=rook_operator_namespace,"
        " cluster_namespace=rook_operator_cluster_namespace, as_json=true) | list }}", vars_)))
    waited = evaluate('{{ _rook_operator_deployments }}', vars_)
    assert sorted((d['namespace'], d['name']) for d in waited) == sorted(
        [('rook-operator', 'rook-ceph-operator'), (csi_namespace, 'ceph-csi-controller-manager')])
    vars_['rook_operator_source'] = 'helm'
    assert [(d['namespace'], d['name']) for d in evaluate('{{ _rook_operator_deployments }}', vars_)] == [
        ('rook-operator', 'rook-ceph-operator')]
