# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for Rook: manifests, the Ceph versions a Rook release supports, the CephCluster storage
spec; documented in the sidecar <name>.yml files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

from ansible_collections.koor.ceph.plugins.module_utils import rook_contract as _contract
from ansible_collections.koor.ceph.plugins.module_utils import rook_storage as _rook_storage
from ansible_collections.koor.ceph.plugins.module_utils.rook_use_cases import copy_data as _copy_data

try:
    import yaml
    _LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

# Rook's way of naming the namespaces in its manifests (deploy/examples: "sed" in its docs).
_NAMESPACE_MARKERS = (
    (re.compile(r'^(?P<key>.*):.*# namespace:(?P<which>operator|cluster)\s*$'), '{key}: {ns} # namespace:{which}'),
    (re.compile(r'^(?P<key>.*serviceaccount):[^:\n]*:(?P<rest>.*) # serviceaccount:namespace:(?P<which>operator|cluster)\s*$'),
     '{key}:{ns}:{rest} # serviceaccount:namespace:{which}'),
    (re.compile(r'^(?P<key>.*): [-_A-Za-z0-9]*\.(?P<rest>.*) # driver:namespace:(?P<which>operator|cluster)\s*$'),
     '{key}: {ns}.{rest} # driver:namespace:{which}'),
    (re.compile(r'^(?P<key>.*): [-_A-Za-z0-9]*\.(?P<rest>.*) # csi-provisioner-name\s*$'),
     '{key}: {ns}.{rest} # csi-provisioner-name'),
)
_WORKLOADS = ('Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'ReplicaSet', 'Pod')
OPERATOR_CONFIGMAP = 'rook-ceph-operator-config'
CSI_IMAGE_SET_CONFIGMAP = 'rook-csi-operator-image-set-configmap'


def _fail(name, exc):
    return AnsibleFilterError('koor.ceph.%s: %s' % (name, exc))


def rook_storage_nodes(disk_facts, devices=None, device_class=None, config=None, use_by_id=False,
                       require_eligible=True, accept_osd_running=False):
    """disk_info results per node -> CephCluster spec.storage.nodes."""
    try:
        return _rook_storage.storage_nodes(disk_facts, devices=devices, device_class=device_class, config=config,
                                           use_by_id=use_by_id, require_eligible=require_eligible,
                                           accept_osd_running=accept_osd_running)
    except (ValueError, TypeError, KeyError) as exc:
        raise _fail('rook_storage_nodes', exc) from exc


# --- manifests ---------------------------------------------------------------------------------
def strip_nulls(value):
    """Drop null values from mappings (Rook's examples have empty keys such as ``annotations:``)."""
    if isinstance(value, dict):
        return dict((k, strip_nulls(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def _renamespace(text, operator_namespace, cluster_namespace):
    lines = []
    for line in text.splitlines():
        for pattern, template in _NAMESPACE_MARKERS:
            match = pattern.match(line)
            if match:
                parts = match.groupdict()
                which = parts.get('which') or 'operator'
                parts['ns'] = operator_namespace if which == 'operator' else cluster_namespace
                parts['which'] = which
                line = template.format(**parts)
                break
        lines.append(line)
    return '\n'.join(lines) + '\n'


def rook_manifests(text, operator_namespace='rook-ceph', cluster_namespace=None, overrides=None, as_json=False):
    """The documents of one of Rook's manifests (YAML text), with Rook's namespace markers set
    and null values dropped; ``overrides`` (the options of rook_manifest_overrides) applied;
    as JSON text with ``as_json`` (big manifests pass through Ansible faster as text)."""
    if yaml is None:  # pragma: no cover
        raise _fail('rook_manifests', 'PyYAML is required')
    if not isinstance(text, string_types):
        raise _fail('rook_manifests', 'expected the YAML text of a manifest, not %s' % type(text).__name__)
    operator_namespace = operator_namespace or 'rook-ceph'
    cluster_namespace = cluster_namespace or operator_namespace
    for name, value in (('operator_namespace', operator_namespace), ('cluster_namespace', cluster_namespace)):
        if not re.match(r'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$', value):
            raise _fail('rook_manifests', '%s %r is not a valid namespace name' % (name, value))
    try:
        docs = list(yaml.load_all(_renamespace(text, operator_namespace, cluster_namespace), Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise _fail('rook_manifests', 'not valid YAML: %s' % exc) from exc
    out = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict) or 'kind' not in doc or 'apiVersion' not in doc:
            raise _fail('rook_manifests', 'not a Kubernetes manifest: a document without kind and apiVersion')
        out.append(strip_nulls(doc))
    if overrides:
        if not isinstance(overrides, dict) or set(overrides) - set(_OVERRIDE_OPTIONS):
            raise _fail('rook_manifests', 'overrides must be a mapping with the options %s' % ', '.join(_OVERRIDE_OPTIONS))
        out = _overrides(out, 'rook_manifests', **overrides)
    return json.dumps(out, separators=(',', ':'), sort_keys=False) if as_json else out


def rook_manifest_batches(names, docs_by_name):
    """The manifests in order, grouped into as few applies as possible: a manifest starts a new group
    when one of its documents is of a kind that a CustomResourceDefinition of the current group
    defines (the API serves a new kind only once its CRD is established: Rook's operator.yaml holds
    a Driver and an OperatorConfig of csi-operator.yaml's CRDs). ``docs_by_name``: manifest name ->
    its documents (a list, or JSON text as rook_manifests gives with as_json)."""
    if not isinstance(names, list) or not isinstance(docs_by_name, dict):
        raise _fail('rook_manifest_batches', 'expected the list of manifest names and a mapping of their documents')
    batches, defined = [], set()
    for name in names:
        if name not in docs_by_name:
            raise _fail('rook_manifest_batches', 'no documents for manifest %s' % name)
        docs = docs_by_name[name]
        docs = json.loads(docs) if isinstance(docs, string_types) else docs
        kinds = set((d.get('apiVersion', '').split('/')[0] if '/' in d.get('apiVersion', '') else '', d.get('kind'))
                    for d in docs if isinstance(d, dict))
        if not batches or kinds & defined:
            batches.append([])
            defined = set()
        batches[-1].append(name)
        for doc in docs:
            if isinstance(doc, dict) and doc.get('kind') == 'CustomResourceDefinition':
                spec = doc.get('spec') or {}
                defined.add((spec.get('group'), (spec.get('names') or {}).get('kind')))
    return batches


def split_image(image):
    """'docker.io/rook/ceph:v1.20.6' -> ('docker.io', 'rook/ceph', ':v1.20.6'); the registry is '' when the
    reference has none (Docker Hub), the suffix holds the tag and/or digest."""
    rest, digest = image, ''
    if '@' in rest:
        rest, digest = rest.split('@', 1)
        digest = '@' + digest
    tag = ''
    slash = rest.rfind('/')
    colon = rest.rfind(':')
    if colon > slash:
        rest, tag = rest[:colon], rest[colon:]
    registry = ''
    first, sep, remainder = rest.partition('/')
    if sep and ('.' in first or ':' in first or first == 'localhost'):
        registry, rest = first, remainder
    return registry, rest, tag + digest


def _image_override(image, registry, images):
    if not isinstance(image, string_types) or not image:
        return image
    if image in images:
        return images[image]
    reg, path, suffix = split_image(image)
    repository = '%s/%s' % (reg, path) if reg else path
    if repository in images:
        return images[repository] + suffix if not split_image(images[repository])[2] else images[repository]
    if registry:
        if not reg and '/' not in path:
            path = 'library/' + path
        return '%s/%s%s' % (registry.rstrip('/'), path, suffix)
    return image


def _config_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


_OVERRIDE_OPTIONS = ('registry', 'images', 'operator_config', 'operator_image')


def rook_manifest_overrides(docs, registry='', images=None, operator_config=None, operator_image=''):
    """Rook's manifests with images moved to a registry or replaced, and settings added to the operator's
    ConfigMap. Returns new documents; the input is not changed."""
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise _fail('rook_manifest_overrides', 'expected a list of manifests (mappings)')
    return _overrides(_copy_data(docs), 'rook_manifest_overrides', registry, images, operator_config,
                      operator_image)


def _overrides(out, name, registry='', images=None, operator_config=None, operator_image=''):
    """rook_manifest_overrides on documents it may change in place."""
    images = dict(images or {})
    if not all(isinstance(k, string_types) and isinstance(v, string_types) and v for k, v in images.items()):
        raise _fail(name, 'images must map image names to non-empty image names')
    registry = registry or ''
    if registry and not re.match(r'^[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]+)?$', registry):
        raise _fail(name, 'registry %r is not a registry host with an optional path' % registry)
    operator_config = operator_config or {}
    if not isinstance(operator_config, dict):
        raise _fail(name, 'operator_config must be a mapping')
    for doc in out:
        kind, name = doc.get('kind'), (doc.get('metadata') or {}).get('name')
        if kind in _WORKLOADS:
            spec = doc.get('spec') or {}
            pod = spec if kind == 'Pod' else ((spec.get('template') or {}).get('spec') or {})
            for key in ('initContainers', 'containers'):
                for container in pod.get(key) or []:
                    if operator_image and kind == 'Deployment' and name == 'rook-ceph-operator' \
                            and container.get('name') == 'rook-ceph-operator':
                        container['image'] = operator_image
                    else:
                        container['image'] = _image_override(container.get('image'), registry, images)
                    for env in container.get('env') or []:
                        if env.get('name', '').endswith('_IMAGE') and 'value' in env:
                            env['value'] = _image_override(env['value'], registry, images)
        elif kind == 'ConfigMap' and name == CSI_IMAGE_SET_CONFIGMAP:
            doc['data'] = dict((k, _image_override(v, registry, images)) for k, v in (doc.get('data') or {}).items())
        elif kind == 'ConfigMap' and name == OPERATOR_CONFIGMAP:
            data = doc.setdefault('data', {})
            for key in list(data):
                if key.endswith('_IMAGE'):
                    data[key] = _image_override(data[key], registry, images)
            for key, value in operator_config.items():
                data[str(key)] = _config_value(value)
    return out


def rook_image(image, registry='', images=None):
    """One image reference moved to ``registry`` or replaced by ``images`` (as in rook_manifest_overrides)."""
    return _image_override(image, registry or '', dict(images or {}))


def rook_helm_image_values(chart_images, registry='', images=None, operator_image=''):
    """Helm values ({path: {repository, tag}} nested by the dotted paths) for a chart's images
    (``chart_images``: {dotted values path: image}), moved to ``registry`` or replaced by ``images``;
    the path ``image`` is the operator's and takes ``operator_image`` when set."""
    if not isinstance(chart_images, dict):
        raise _fail('rook_helm_image_values', 'expected a mapping of values path to image')
    values = {}
    for path, image in sorted(chart_images.items()):
        if path == 'image' and operator_image:
            new = operator_image
        else:
            new = _image_override(image, registry or '', dict(images or {}))
        reg, repo, suffix = split_image(new)
        node = values
        for part in path.split('.'):
            node = node.setdefault(part, {})
        node['repository'] = '%s/%s' % (reg, repo) if reg else repo
        tag = suffix.split('@')[0].lstrip(':')
        if tag:
            node['tag'] = tag
    return values


# --- Ceph versions -------------------------------------------------------------------------------
def _version_tuple(text):
    match = re.match(r'^v?(\d+)\.(\d+)\.(\d+)(?:[-.+_].*)?$', text or '')
    return tuple(int(p) for p in match.groups()) if match else None


def rook_minor(rook_version):
    """'v1.20.6' -> '1.20'."""
    match = re.match(r'^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$', str(rook_version or ''))
    if not match:
        raise _fail('rook_ceph_image_check', 'rook_version %r is not a Rook version such as v1.20.6' % rook_version)
    return '%s.%s' % match.group(1, 2)


def _dotted(version):
    return '.'.join(str(p) for p in version)


def _rook_rule(name, rook_version):
    minor = rook_minor(rook_version)
    if minor not in _contract.ROOK_CEPH:
        raise _fail(name, 'no Ceph support rule for Rook %s (known: %s)' % (minor, ', '.join(sorted(_contract.ROOK_CEPH))))
    return _contract.ROOK_CEPH[minor]


def rook_supported_ceph(rook_version):
    """The Ceph releases a Rook version runs as its documentation supports them:
    [{release, major, min_version}], and what its operator accepts at all."""
    rule = _rook_rule('rook_supported_ceph', rook_version)
    return [{'release': rel, 'major': oldest[0], 'min_version': _dotted(oldest),
             'operator_minimum': _dotted(rule['operator_minimum'])}
            for rel, oldest in rule['documented']]


def rook_ceph_image_check(image, rook_version, allow_unsupported=False):
    """Whether a Rook version runs the Ceph of an image (by its tag): {image, version, release, supported,
    operator_refuses, allowed, problems, message, remedy}. ``problems`` is empty when the image may be used.

    supported: a release and version Rook's documentation supports for that Rook minor, and not one
    its documentation warns against. Anything else is allowed only with ``allow_unsupported`` (the
    CephCluster's cephVersion.allowUnsupported), and never below the operator's minimum, which the
    operator refuses whatever allowUnsupported says (the rules: module_utils/rook_contract.py)."""
    if not isinstance(image, string_types) or not image.strip():
        raise _fail('rook_ceph_image_check', 'expected a Ceph image reference, got %r' % (image,))
    rule = _rook_rule('rook_ceph_image_check', rook_version)
    supported_text = ' and '.join('%s %s+' % (rel.capitalize(), _dotted(oldest)) for rel, oldest in rule['documented'])
    tag = split_image(image.strip())[2].split('@')[0].lstrip(':')
    version = _version_tuple(tag)
    result = {'image': image, 'rook_version': str(rook_version), 'version': None, 'release': None,
              'supported': False, 'operator_refuses': False, 'allowed': False, 'problems': [], 'message': '',
              'remedy': ''}
    allow_remedy = ('Choose a supported image in rook_cluster_ceph_image, or set rook_cluster_allow_unsupported: true '
                    'to run it anyway (not for production)')
    result['remedy'] = allow_remedy
    if version is None:
        result['message'] = ('the tag of Ceph image %s (%s) names no full Ceph version (such as v20.2.4), so it '
                             'cannot be checked against Rook %s, which supports %s'
                             % (image, tag or 'none', rook_version, supported_text))
    else:
        result['version'] = _dotted(version)
        result['release'] = _contract.CEPH_RELEASES.get(version[0], 'unknown')
        documented = any(version[0] == oldest[0] and version >= oldest for _rel, oldest in rule['documented'])
        bad = _contract.CEPH_KNOWN_BAD.get(version)
        result['supported'] = documented and not bad
        if version < rule['operator_minimum']:
            result['operator_refuses'] = True
            result['message'] = ('Ceph %s (%s) of image %s is below %s, the oldest Ceph the operator of Rook %s runs: it '
                                 'refuses it even with cephVersion.allowUnsupported (Rook %s supports %s)'
                                 % (result['version'], result['release'], image, _dotted(rule['operator_minimum']),
                                    rook_version, rook_version, supported_text))
            older = sorted(minor for minor, other in _contract.ROOK_CEPH.items()
                           if any(version[0] == oldest[0] and version >= oldest for _rel, oldest in other['documented']))
            result['remedy'] = ('Choose a supported image in rook_cluster_ceph_image%s'
                                % (', or run Rook %s (koor_rook_version) for it' % ' or '.join(
                                    _contract.ROOK_CEPH[m]['release'] for m in older) if older else ''))
        elif bad:
            result['message'] = ('Ceph %s (%s) of image %s is not recommended with Rook %s: %s'
                                 % (result['version'], result['release'], image, rook_version, bad))
        elif not documented:
            result['message'] = ('Ceph %s (%s) of image %s is not supported by Rook %s, which supports %s'
                                 % (result['version'], result['release'], image, rook_version, supported_text))
    result['allowed'] = result['supported'] or (bool(allow_unsupported) and not result['operator_refuses'])
    if not result['allowed']:
        result['problems'] = [result['message']]
    return result


# --- storage -------------------------------------------------------------------------------------
def _holds_osd_of(disk, cluster_fsid):
    """Whether a disk is ineligible only because it holds an OSD of the cluster ``cluster_fsid`` (and, when
    that OSD runs, because ceph-osd has it open)."""
    bluestore = disk.get('bluestore') or {}
    # A running OSD also has its disk open (reason in_use, by ceph-osd: disk_info's osd_running).
    allowed = set(['bluestore', 'in_use']) if disk.get('osd_running') else set(['bluestore'])
    return bool(cluster_fsid) and bluestore.get('ceph_fsid') == cluster_fsid \
        and set(disk.get('reason_codes') or ['bluestore']) <= allowed


def _disk_index(disks):
    index = {}
    for position, disk in enumerate(disks or []):
        for alias in [disk.get('path')] + list(disk.get('by_id') or []):
            if alias:
                index[alias] = (position, disk)
    return index


def _lookup(index, name):
    return index.get(name if str(name).startswith('/dev/') else '/dev/' + str(name))


def _position(index, device):
    found = _lookup(index, device.get('name'))
    return found[0] if found else len(index)


def rook_storage_nodes_in_use(nodes, disks_by_node, cluster_fsid=None, current_nodes=None):
    """disk_prep's storage.nodes plus, on every node, the devices that already hold an OSD of this cluster
    (BlueStore labelled with ``cluster_fsid``), which disk discovery reports ineligible once Rook used them.
    A device in use keeps its entry from ``current_nodes`` (the CephCluster's storage.nodes now); devices are
    ordered as discovery lists the disks, so that a run after the OSDs exist builds the same list."""
    if not isinstance(nodes, list):
        raise _fail('rook_storage_nodes_in_use', 'storage.nodes must be a list, not %s' % type(nodes).__name__)
    disks_by_node = disks_by_node or {}
    current = dict((n.get('name'), n) for n in current_nodes or [] if isinstance(n, dict))
    given = dict((n.get('name'), n) for n in nodes if isinstance(n, dict))
    names = set(given)
    if cluster_fsid:
        names |= set(name for name, disks in disks_by_node.items()
                     if any(_holds_osd_of(d, cluster_fsid) for d in disks or []))
    out = []
    for name in sorted(names):
        index = _disk_index(disks_by_node.get(name))
        kept = dict((k, v) for k, v in (current.get(name) or {}).items() if k != 'devices')
        entry = _copy_data(given.get(name) or kept)
        entry['name'] = name
        devices = list(entry.get('devices') or [])
        taken = set(id(_lookup(index, d.get('name'))[1]) for d in devices if _lookup(index, d.get('name')))
        for disk in disks_by_node.get(name) or []:
            if id(disk) in taken or not _holds_osd_of(disk, cluster_fsid):
                continue
            named = [d for d in (current.get(name) or {}).get('devices') or []
                     if _lookup(index, d.get('name')) and _lookup(index, d.get('name'))[1] is disk]
            path = disk.get('path', '')
            devices.append(_copy_data(named[0]) if named else
                           {'name': path[len('/dev/'):] if path.startswith('/dev/') and path.count('/') == 2 else path})
            taken.add(id(disk))
        entry['devices'] = sorted(devices, key=functools.partial(_position, index))
        if entry['devices']:
            out.append(entry)
    return out


HOSTNAME_LABEL = 'kubernetes.io/hostname'


def _kube_node_names(kube_nodes):
    """{name a storage node may use: the Node's name}: its kubernetes.io/hostname label (the node's name
    when it has none) and its name, as Rook matches them (pkg/operator/k8sutil/node.go)."""
    names = {}
    for obj in kube_nodes:
        meta = (obj or {}).get('metadata') or {}
        if not meta.get('name'):
            continue
        names[meta['name']] = meta['name']
        names[(meta.get('labels') or {}).get(HOSTNAME_LABEL) or meta['name']] = meta['name']
    return names


def rook_storage_problems(nodes, disks_by_node, cluster_fsid=None, kube_nodes=None):
    """Every device named in a CephCluster's storage.nodes that disk discovery did not find on that node, or
    found ineligible (a device that holds an OSD of the cluster ``cluster_fsid`` is fine).
    ``disks_by_node``: {node name: disk_info disks}; nodes without facts are not checked.
    ``kube_nodes``: the cluster's Node objects: a storage node that matches none (by the kubernetes.io/hostname
    label or the name) is a problem, as Rook skips it without an error and makes no OSD on it."""
    if not isinstance(nodes, list):
        raise _fail('rook_storage_problems', 'storage.nodes must be a list, not %s' % type(nodes).__name__)
    disks_by_node = disks_by_node or {}
    known = _kube_node_names(kube_nodes) if kube_nodes is not None else None
    problems, seen = [], set()
    for node in nodes:
        if not isinstance(node, dict) or not node.get('name'):
            problems.append('storage.nodes: an entry without a name: %s' % (node,))
            continue
        name = node['name']
        if name in seen:
            problems.append('storage.nodes: node %s is listed twice' % name)
        seen.add(name)
        if known is not None and name not in known:
            problems.append('storage node %s matches no Kubernetes Node by its %s label or name (the Nodes: %s): Rook '
                            'skips such a node without an error and makes no OSD on it; set disk_prep_node_name on that '
                            'storage host to its Node\'s %s label, or correct the name'
                            % (name, HOSTNAME_LABEL, ', '.join(sorted(set(known.values()))) or 'none', HOSTNAME_LABEL))
        disks = disks_by_node.get(name)
        for device in node.get('devices') or []:
            dev = device.get('name') if isinstance(device, dict) else None
            if not dev:
                problems.append('node %s: a device without a name: %s' % (name, device))
                continue
            if disks is None:
                continue
            path = dev if dev.startswith('/dev/') else '/dev/' + dev
            found = [d for d in disks if path == d.get('path') or path in (d.get('by_id') or [])]
            if not found:
                problems.append('node %s: device %s was not found by disk discovery (found: %s)'
                                % (name, dev, ', '.join(d.get('path', '?') for d in disks) or 'none'))
            elif not found[0].get('eligible') and not _holds_osd_of(found[0], cluster_fsid):
                problems.append('node %s: device %s is not eligible for an OSD (%s)'
                                % (name, dev, '; '.join(found[0].get('reasons') or []) or 'no reason given'))
    return problems


class FilterModule(object):
    """koor.ceph Rook filters."""

    def filters(self):
        return {
            'rook_storage_nodes': rook_storage_nodes,
            'rook_manifests': rook_manifests,
            'rook_manifest_batches': rook_manifest_batches,
            'rook_manifest_overrides': rook_manifest_overrides,
            'rook_image': rook_image,
            'rook_helm_image_values': rook_helm_image_values,
            'rook_ceph_image_check': rook_ceph_image_check,
            'rook_supported_ceph': rook_supported_ceph,
            'rook_storage_problems': rook_storage_problems,
            'rook_storage_nodes_in_use': rook_storage_nodes_in_use,
        }
