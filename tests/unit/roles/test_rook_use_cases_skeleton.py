# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The use-case role skeleton (docs/use-cases/role-skeleton, docs/use-cases/new-use-case.md): ansible-galaxy role init
--role-skeleton makes a role with the files every role of the collection has, its variables prefixed with the role's
name, and a resources template that renders, with Ansible's templating, what Rook's CRDs accept."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible.cli.galaxy import GalaxyCLI

from ansible_collections.koor.ceph.plugins.filter.rook_use_cases import (
    rook_resource_problems, rook_use_case_items, rook_use_case_problems)

from ansible_collections.koor.ceph.tests.unit.roles.rook_render import ROOT, evaluate, validate
from ansible_collections.koor.ceph.tests.unit.roles.test_rook_use_cases import CRUSH, crd_validators  # noqa: F401  pylint: disable=unused-import

SKELETON = os.path.join(ROOT, 'docs', 'use-cases', 'role-skeleton')
ROLE = 'rook_pool_demo'
REQUIRED = ['defaults/main.yml', 'vars/main.yml', 'meta/main.yml', 'meta/argument_specs.yml', 'tasks/main.yml',
            'tasks/preflight.yml', 'templates/resources.yml.j2']


@pytest.fixture(scope='module')
def role(tmp_path_factory):
    path = tmp_path_factory.mktemp('roles')
    GalaxyCLI(['ansible-galaxy', 'role', 'init', '--role-skeleton', SKELETON, '--init-path', str(path), ROLE]).run()
    return os.path.join(str(path), ROLE)


def _load(role, rel):
    with open(os.path.join(role, rel)) as handle:
        return yaml.safe_load(handle)


def test_the_role_has_every_file_a_role_of_the_collection_has(role):
    made = sorted(os.path.relpath(os.path.join(d, f), role) for d, dummy, files in os.walk(role) for f in files)
    assert made == sorted(REQUIRED)
    for rel in REQUIRED:
        if rel.endswith('.yml'):
            assert _load(role, rel) is not None, rel
    # the preflight comes first, tagged always
    main = _load(role, 'tasks/main.yml')
    assert main[0] == {'name': 'Preflight', 'ansible.builtin.import_tasks': 'preflight.yml', 'tags': ['always']}


def test_variables_are_prefixed_with_the_role_name_and_documented(role):
    defaults = _load(role, 'defaults/main.yml')
    assert defaults and all(name.startswith(ROLE + '_') for name in defaults)
    private = _load(role, 'vars/main.yml')
    assert all(name.startswith('_%s_' % ROLE) for name in private)
    specs = _load(role, 'meta/argument_specs.yml')['argument_specs']['main']['options']
    assert set(defaults) == set(specs)
    # no placeholder of the skeleton is left, and the role's own templates survive
    for rel in REQUIRED:
        with open(os.path.join(role, rel)) as handle:
            text = handle.read()
        assert 'role_name' not in text, rel
        assert not re.search(r'rook_pool_demo_\w*\s*}}\s*_', text), rel
    assert "{{ koor_rook_kubeconfig | default('') }}" == defaults[ROLE + '_kubeconfig']


def test_the_preflight_accepts_the_default_profiles_and_refuses_bad_input(role):
    defaults = _load(role, 'defaults/main.yml')
    profiles, default = defaults[ROLE + '_profiles'], defaults[ROLE + '_default_profile']
    options = defaults[ROLE + '_item_options']
    assert rook_use_case_problems([{'name': 'a'}], ROLE, profiles, default, CRUSH, None, options) == []
    assert rook_use_case_problems([{'name': 'a', 'size': 3}, {'name': 'a', 'profile': 'x'}], ROLE, profiles, default,
                                  CRUSH, None, options) == [
        "rook_pool_demo a: unknown option 'size' (known: compression, device_class, erasure_coded, failure_domain, "
        "name, parameters, profile, replicated, state)",
        'rook_pool_demo a is declared more than once',
        "rook_pool_demo a: unknown profile 'x' (profiles: general)"]
    assert rook_use_case_problems([{'name': 'a', 'replicated': {'size': 4}}], ROLE, profiles, default, CRUSH, None,
                                  options)[0].startswith('rook_pool_demo a: replicated size 4 needs 4 failure domains')
    # a use case's own options are accepted once listed
    assert rook_use_case_problems([{'name': 'a', 'users': []}], ROLE, profiles, default, None, None, ['users']) == []


def test_the_resources_template_renders_what_rooks_crds_accept(role, crd_validators):  # noqa: F811
    defaults = _load(role, 'defaults/main.yml')
    two = {'name': 'two', 'erasure_coded': {'data_chunks': 2, 'coding_chunks': 1}, 'state': 'absent'}
    items = rook_use_case_items([{'name': 'one'}, two],
                                ROLE, defaults[ROLE + '_profiles'], defaults[ROLE + '_default_profile'])
    with open(os.path.join(role, 'templates', 'resources.yml.j2')) as handle:
        text = handle.read()
    # as the role's lookup passes template_vars
    variables = {'use_case_items': items, 'use_case_namespace': 'rook-ceph', 'use_case_what': ROLE + ' item'}
    entries = yaml.safe_load(evaluate(text, variables))
    assert [(e['owner'], e['state'], e['ready']) for e in entries] == [
        ('rook_pool_demo item one', 'present', 'Ready'), ('rook_pool_demo item two', 'absent', 'Ready')]
    for entry in entries:
        assert validate(entry['definition'], crd_validators) == []
    assert entries[0]['definition']['spec'] == {'failureDomain': 'host', 'replicated': {'size': 3},
                                                'parameters': {'compression_mode': 'none'}}
    assert entries[1]['definition']['spec']['erasureCoded'] == {'dataChunks': 2, 'codingChunks': 1}
    assert rook_resource_problems(entries, []) == []
