# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import inspect
import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.koor.ceph.plugins.filter import ceph as ceph_filters
from ansible_collections.koor.ceph.plugins.filter.ceph import FilterModule

FILTER_DIR = os.path.dirname(ceph_filters.__file__)
FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
NAMES = ['to_bytes', 'human_bytes', 'to_seconds', 'ceph_health_ok', 'ceph_pgs_clean', 'ceph_health_checks']


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def filters():
    return FilterModule().filters()


def info(status='HEALTH_OK', checks=None, pgs=None):
    result = {'changed': False, 'health': {'status': status, 'checks': checks or []}}
    if pgs is not None:
        result['pgs'] = pgs
    return result


NOOUT = {'name': 'OSDMAP_FLAGS', 'severity': 'HEALTH_WARN', 'summary': 'noout flag(s) set',
         'detail': [], 'count': 1, 'muted': False}


def test_filter_module_exposes_the_filters():
    assert sorted(filters()) == sorted(NAMES)
    assert all(callable(f) for f in filters().values())


# --- size and duration filters ----------------------------------------------

def test_to_bytes():
    to_bytes = filters()['to_bytes']
    assert to_bytes('10Gi') == 10737418240
    assert to_bytes('10G') == 10 * 10 ** 9
    assert to_bytes('10G', binary_si=True) == 10737418240
    assert to_bytes('10G', True) == 10737418240
    assert to_bytes('10G', binary_si='yes') == 10737418240
    assert to_bytes(4096) == 4096


@pytest.mark.parametrize('value, message', [
    ('10m', r"^koor\.ceph\.to_bytes: '10m': 'm' is milli"),
    ('-1G', r"^koor\.ceph\.to_bytes: '-1G' is negative"),
    ('lots', r"^koor\.ceph\.to_bytes: 'lots' is not a size"),
    ('0.5', r"^koor\.ceph\.to_bytes: '0.5' is not a whole number of bytes"),
    (None, r'^koor\.ceph\.to_bytes: None \(NoneType\) is not a size'),
])
def test_to_bytes_errors(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        filters()['to_bytes'](value)


def test_to_bytes_rejects_a_bad_binary_si():
    with pytest.raises(AnsibleFilterError, match=r"^koor\.ceph\.to_bytes: binary_si: 'sometimes' is not a boolean"):
        filters()['to_bytes']('10G', binary_si='sometimes')


def test_human_bytes():
    human_bytes = filters()['human_bytes']
    assert human_bytes(10737418240) == '10 GiB'
    assert human_bytes(10737418240, binary=False) == '10.74 GB'
    assert human_bytes('1610612736') == '1.5 GiB'


def test_human_bytes_errors():
    with pytest.raises(AnsibleFilterError, match=r"^koor\.ceph\.human_bytes: -5 is negative"):
        filters()['human_bytes'](-5)
    with pytest.raises(AnsibleFilterError, match=r"^koor\.ceph\.human_bytes: binary: 'maybe' is not a boolean"):
        filters()['human_bytes'](5, binary='maybe')


def test_to_seconds():
    to_seconds = filters()['to_seconds']
    assert to_seconds('1h30m') == 5400
    assert to_seconds('500ms') == 0.5
    assert to_seconds(30) == 30


def test_to_seconds_errors():
    with pytest.raises(AnsibleFilterError, match=r"^koor\.ceph\.to_seconds: '5 fortnights': unknown duration unit 'fortnights'"):
        filters()['to_seconds']('5 fortnights')
    with pytest.raises(AnsibleFilterError, match=r"^koor\.ceph\.to_seconds: '-5m' is negative"):
        filters()['to_seconds']('-5m')


# --- Ceph health filters ----------------------------------------------------

def test_ceph_health_ok_raw_shapes():
    ok = filters()['ceph_health_ok']
    assert ok(load('ceph_status_healthy.json')) is True
    assert ok(load('ceph_status_noout.json')) is False
    assert ok(load('ceph_status_noout.json'), ['OSDMAP_FLAGS']) is True
    assert ok(load('ceph_status_noout.json'), allow=['OSDMAP_FLAGS']) is True
    assert ok(load('ceph_status_degraded.json'), max_severity='HEALTH_WARN') is True
    assert ok(load('ceph_health_detail_all_muted.json')) is True
    assert ok(load('ceph_health_detail_muted.json')) is False
    assert ok(json.dumps(load('ceph_status_healthy.json'))) is True


def test_ceph_health_ok_status_info_shape():
    ok = filters()['ceph_health_ok']
    assert ok(info()) is True
    assert ok(info('HEALTH_WARN', [NOOUT])) is False
    assert ok(info('HEALTH_WARN', [NOOUT]), allow=['OSDMAP_FLAGS']) is True
    assert ok(info('HEALTH_WARN', [dict(NOOUT, muted=True)])) is True


@pytest.mark.parametrize('args, kwargs, message', [
    (('nonsense',), {}, r'^koor\.ceph\.ceph_health_ok: status is a string but not JSON'),
    (({'pgmap': {}},), {}, r"^koor\.ceph\.ceph_health_ok: status has no 'health' section"),
    ((info(),), {'max_severity': 'CRITICAL'}, r"^koor\.ceph\.ceph_health_ok: 'CRITICAL' is not a Ceph health severity"),
    ((info(),), {'allow': [['OSD_DOWN']]}, r'^koor\.ceph\.ceph_health_ok: allow must be a list of health check names'),
])
def test_ceph_health_ok_errors(args, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        filters()['ceph_health_ok'](*args, **kwargs)


def test_ceph_pgs_clean():
    clean = filters()['ceph_pgs_clean']
    assert clean(load('ceph_status_healthy.json')) is True
    assert clean(load('ceph_status_noout.json')) is True
    assert clean(load('ceph_status_degraded.json')) is False
    assert clean(load('ceph_status_no_pools.json')) is False
    assert clean(info(pgs={'total': 8, 'states': {'active+clean+scrubbing': 8}, 'all_active_clean': True})) is True
    assert clean(info(pgs={'total': 8, 'states': {'active+undersized+degraded': 8}, 'all_active_clean': False})) is False


def test_ceph_pgs_clean_errors():
    with pytest.raises(AnsibleFilterError, match=r"^koor\.ceph\.ceph_pgs_clean: status has no 'pgmap'"):
        filters()['ceph_pgs_clean'](info())


def test_ceph_health_checks():
    checks = filters()['ceph_health_checks']
    assert [c['name'] for c in checks(load('ceph_status_degraded.json'))] == [
        'MON_DOWN', 'OSD_DOWN', 'OSD_HOST_DOWN', 'PG_DEGRADED']
    assert checks(info('HEALTH_WARN', [NOOUT])) == [NOOUT]
    assert checks(load('ceph_status_noout.json')) == [NOOUT]
    assert checks(load('ceph_status_healthy.json')) == []


def test_ceph_health_checks_errors():
    with pytest.raises(AnsibleFilterError, match=r'^koor\.ceph\.ceph_health_checks: status must be the JSON of'):
        filters()['ceph_health_checks'](['OSD_DOWN'])


# --- sidecar documentation ----------------------------------------------------

def _doc(name):
    with open(os.path.join(FILTER_DIR, name + '.yml')) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize('name', NAMES)
def test_sidecar_doc_matches_the_filter(name):
    doc = _doc(name)
    assert set(doc) == {'DOCUMENTATION', 'EXAMPLES', 'RETURN'}
    documentation = doc['DOCUMENTATION']
    assert documentation['name'] == name
    assert documentation['short_description']
    assert '_value' in doc['RETURN']
    assert 'koor.ceph.' + name in doc['EXAMPLES']
    yaml.safe_load(doc['EXAMPLES'])

    signature = inspect.signature(filters()[name])
    params = list(signature.parameters.values())
    options = documentation['options']
    assert options['_input']['required'] is True
    assert set(options) == {'_input'} | {p.name for p in params[1:]}
    assert documentation['positional'].replace(' ', '').split(',') == ['_input'] + [p.name for p in params[1:]]
    for param in params[1:]:
        default = param.default if param.default is not None else []
        assert options[param.name]['default'] == default, param.name


# --- through Ansible's own templating -----------------------------------------

PLAYBOOK = textwrap.dedent("""\
    - hosts: localhost
      gather_facts: false
      connection: local
      vars:
        noout: "{{ lookup('file', fixtures ~ '/ceph_status_noout.json') | from_json }}"
        noout_text: "{{ lookup('file', fixtures ~ '/ceph_status_noout.json') }}"
        degraded: "{{ lookup('file', fixtures ~ '/ceph_status_degraded.json') | from_json }}"
      tasks:
        - name: Filters give the documented results on Ansible's own values
          ansible.builtin.assert:
            that:
              - ('10Gi' | koor.ceph.to_bytes) == 10737418240
              - ('10G' | koor.ceph.to_bytes(binary_si=true)) == 10737418240
              - ('10G' | koor.ceph.to_bytes) == 10000000000
              - (10737418240 | koor.ceph.human_bytes) == '10 GiB'
              - ('1h30m' | koor.ceph.to_seconds) == 5400
              - not (noout | koor.ceph.ceph_health_ok)
              - noout | koor.ceph.ceph_health_ok(allow=['OSDMAP_FLAGS'])
              - noout_text | koor.ceph.ceph_health_ok(allow=['OSDMAP_FLAGS'])
              - noout | koor.ceph.ceph_pgs_clean
              - not (degraded | koor.ceph.ceph_pgs_clean)
              - (degraded | koor.ceph.ceph_health_checks | map(attribute='name') | list)
                == ['MON_DOWN', 'OSD_DOWN', 'OSD_HOST_DOWN', 'PG_DEGRADED']

        - name: A bad size fails the task with the filter's message
          block:
            - name: Convert a milli quantity
              ansible.builtin.debug:
                msg: "{{ '512m' | koor.ceph.to_bytes }}"
            - name: Not reached
              ansible.builtin.fail:
                msg: the filter did not fail
          rescue:
            - name: The message names the filter and the value
              ansible.builtin.assert:
                that:
                  - "'koor.ceph.to_bytes' in ansible_failed_result.msg"
                  - "\\"'512m'\\" in ansible_failed_result.msg"
                  - "'milli' in ansible_failed_result.msg"
    """)


def _collections_root():
    # .../ansible_collections/koor/ceph/plugins/filter/ceph.py -> the folder holding ansible_collections
    return os.path.abspath(os.path.join(FILTER_DIR, '..', '..', '..', '..', '..'))


def test_filters_work_in_a_real_playbook(tmp_path):
    playbook = tmp_path / 'playbook.yml'
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': _collections_root(),
        'ANSIBLE_HOME': str(tmp_path / 'home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
    })
    env.pop('ANSIBLE_CONFIG', None)
    proc = subprocess.run(
        [sys.executable, '-m', 'ansible.cli.playbook', '-i', 'localhost,', str(playbook),
         '-e', json.dumps({'fixtures': os.path.abspath(FIXTURES)})],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout
    assert 'failed=0' in proc.stdout, proc.stdout
    assert 'rescued=1' in proc.stdout, proc.stdout
