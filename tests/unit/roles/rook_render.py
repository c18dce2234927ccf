# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit tests of the Rook roles share: Rook v1.20.6's manifests (from the lab's cache of
Rook's release files), the schemas a rendered object is validated against (Rook's CRDs, ceph-csi-operator's,
the CSI snapshot CRD, Kubernetes 1.34's own), and a role's variables and templates rendered with
Ansible's own templating."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import os
import sys

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
K8S_VERSION = '1.34.0'


def find_examples(version='v1.20.6'):
    """Rook's deploy/examples (v1.20.6 unless told) from the lab's cache (lab/koor-lab rook-files; every
    checksum checked against lab/rook-files.json). ansible-test runs a copy of the tree, lab/ included."""
    sys.path.insert(0, os.path.join(ROOT, 'lab'))
    from koorlab import rookfiles  # pylint: disable=import-error,import-outside-toplevel
    from koorlab.util import LabError  # pylint: disable=import-error,import-outside-toplevel
    try:
        return rookfiles.examples(version)
    except LabError as exc:
        pytest.fail(str(exc))


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def example_text(name):
    with open(os.path.join(find_examples(), name)) as handle:
        return handle.read()


def example_docs(name):
    return [d for d in yaml.safe_load_all(example_text(name)) if d]


# --- schemas -------------------------------------------------------------------------------------
def strict(node):
    """A CRD's OpenAPI v3 schema as JSON Schema: null where nullable, unknown fields refused where the CRD
    lists the properties (kubectl's strict field validation)."""
    if isinstance(node, list):
        return [strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    preserve = node.get('x-kubernetes-preserve-unknown-fields')
    node = dict((k, strict(v)) for k, v in node.items() if not k.startswith('x-kubernetes'))
    if node.pop('nullable', False) and 'type' in node:
        node['type'] = [node['type'], 'null']
    if 'properties' in node and 'additionalProperties' not in node and not preserve:
        node['additionalProperties'] = False
    return node


# VolumeSnapshotClass is a CRD of the CSI external-snapshotter, not a built-in kind; its v1 schema as
# client/config/crd/snapshot.storage.k8s.io_volumesnapshotclasses.yaml of kubernetes-csi/external-snapshotter
# states it.
VOLUME_SNAPSHOT_CLASS = {
    'type': 'object', 'required': ['deletionPolicy', 'driver'], 'additionalProperties': False,
    'properties': {
        'apiVersion': {'type': 'string', 'enum': ['snapshot.storage.k8s.io/v1']},
        'kind': {'type': 'string', 'enum': ['VolumeSnapshotClass']},
        'metadata': {'type': 'object'},
        'driver': {'type': 'string'},
        'deletionPolicy': {'type': 'string', 'enum': ['Delete', 'Retain']},
        'parameters': {'type': 'object', 'additionalProperties': {'type': 'string'}},
        'allowedTopologies': {'type': 'array'},
    },
}


def build_crd_validators():
    """{(apiVersion, kind): validator} for every CRD version of Rook's crds.yaml and csi-operator.yaml
    (ceph-csi-operator's CRDs) and the CSI snapshot class."""
    import jsonschema  # tests/unit/requirements.txt
    validators = {('snapshot.storage.k8s.io/v1', 'VolumeSnapshotClass'):
                  jsonschema.Draft7Validator(VOLUME_SNAPSHOT_CLASS)}
    for name in ('crds.yaml', 'csi-operator.yaml'):
        for doc in example_docs(name):
            if doc.get('kind') != 'CustomResourceDefinition':
                continue
            for version in doc['spec']['versions']:
                schema = copy.deepcopy(version['schema']['openAPIV3Schema'])
                # every object has these, whether its CRD lists them or not (ObjectBucketClaim's does not)
                for field, kind in (('apiVersion', 'string'), ('kind', 'string'), ('metadata', 'object')):
                    schema.setdefault('properties', {}).setdefault(field, {'type': kind})
                key = ('%s/%s' % (doc['spec']['group'], version['name']), doc['spec']['names']['kind'])
                validators[key] = jsonschema.Draft7Validator(strict(schema))
    return validators


def validate(definition, crd_validators):
    """Every error the schema of the definition's kind finds: a CRD's, else Kubernetes 1.34's."""
    key = (definition['apiVersion'], definition['kind'])
    if key in crd_validators:
        return ['%s: %s' % ('.'.join(str(p) for p in e.path), e.message)
                for e in crd_validators[key].iter_errors(definition)]
    import kubernetes_validate  # tests/unit/requirements.txt
    try:
        kubernetes_validate.validate(definition, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [str(exc).split('\n', 1)[0]]
    return []


# --- rendering with Ansible's templating ---------------------------------------------------------
def trusted(value):
    """Variables as Ansible loads them from a role's files: their strings are templates."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((k, trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return value


def role_defaults(role):
    return load_yaml(os.path.join(ROOT, 'roles', role, 'defaults', 'main.yml'))


def role_variables(role):
    """The role's defaults and vars, as Ansible loads them (templates trusted)."""
    result = trusted(role_defaults(role))
    result.update(trusted(load_yaml(os.path.join(ROOT, 'roles', role, 'vars', 'main.yml'))))
    return result


def render(role, template, variables):
    """One of the role's templates rendered with these variables ('' for one that renders only whitespace)."""
    with open(os.path.join(ROOT, 'roles', role, 'templates', template)) as handle:
        text = handle.read()
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(text)) or ''


def evaluate(expression, variables):
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))
