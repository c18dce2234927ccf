# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declarations of the Rook use-case roles (rook_block, rook_object, rook_file): profiles merged
under each item, the checks their preflights make before anything changes, and the check of the
rendered Kubernetes resources against what the cluster already holds.

Pure functions over plain data (what the roles declare, what Kubernetes and CRUSH report); no I/O.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import re

from ansible_collections.koor.ceph.plugins.module_utils.crush_rules import CrushMap
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bytes

# --- what an item may say, per use case ------------------------------------------------------------
# A nested dict is a sub-structure whose keys are checked too; None accepts any value; a list holds
# the schema of the list's elements.
_POOL = {
    'failure_domain': None, 'device_class': None, 'compression': None, 'parameters': None,
    'replicated': {'size': None, 'require_safe_replica_size': None, 'target_size_ratio': None},
    'erasure_coded': {'data_chunks': None, 'coding_chunks': None},
}
_SNAPSHOT_CLASS = {'name': None, 'deletion_policy': None}
SCHEMAS = {
    'block': dict(_POOL, **{
        'name': None, 'profile': None, 'state': None, 'enable_rbd_stats': None,
        'quotas': {'max_size': None, 'max_objects': None},
        'storage_class': {'name': None, 'reclaim_policy': None, 'allow_volume_expansion': None, 'fs_type': None,
                          'image_features': None, 'mount_options': None, 'volume_binding_mode': None,
                          'default': None},
        'snapshot_class': _SNAPSHOT_CLASS,
        'rados_namespaces': [{'name': None, 'state': None}],
    }),
    'object': dict(_POOL, **{
        'name': None, 'profile': None, 'state': None, 'preserve_pools_on_delete': None,
        'gateway': {'port': None, 'instances': None},
        'storage_class': {'name': None, 'reclaim_policy': None, 'region': None},
        'users': [{'name': None, 'display_name': None, 'state': None,
                   'quotas': {'max_buckets': None, 'max_size': None, 'max_objects': None},
                   'capabilities': None}],
        'bucket_claims': [{'name': None, 'namespace': None, 'bucket_name': None, 'generate_bucket_name': None,
                           'max_objects': None, 'max_size': None, 'state': None}],
    }),
    'file': dict(_POOL, **{
        'name': None, 'profile': None, 'state': None, 'preserve_filesystem_on_delete': None,
        'metadata_server': {'active_count': None, 'active_standby': None},
        'subvolume_groups': [{'name': None, 'quota': None, 'pinning': None, 'state': None}],
        'storage_class': {'name': None, 'reclaim_policy': None, 'allow_volume_expansion': None,
                          'mount_options': None, 'volume_binding_mode': None, 'default': None},
        'snapshot_class': _SNAPSHOT_CLASS,
    }),
}
# What an item of each use case is called in messages, and the default names of its classes.
WHAT = {'block': 'pool', 'object': 'object store', 'file': 'filesystem'}
STORAGE_CLASS_PREFIX = {'block': 'rook-ceph-block-', 'object': 'rook-ceph-bucket-', 'file': 'rook-cephfs-'}
SNAPSHOT_CLASS_PREFIX = {'block': 'rook-ceph-block-snap-', 'file': 'rook-cephfs-snap-'}

DNS_LABEL = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
DNS_SUBDOMAIN = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
COMPRESSION = ('none', 'passive', 'aggressive', 'force')
POLICIES = ('Delete', 'Retain')
FS_TYPES = ('ext4', 'xfs')
BINDING_MODES = ('Immediate', 'WaitForFirstConsumer')
STATES = ('present', 'absent')
CAPABILITY_VALUES = ('*', 'read', 'write', 'read, write')
CAPABILITIES = ('user', 'users', 'bucket', 'buckets', 'metadata', 'usage', 'zone', 'roles', 'info', 'amz-cache',
                'bilog', 'mdlog', 'datalog', 'user-policy', 'oidc-provider', 'ratelimit')
# Sizes the merge turns into whole bytes (Kubernetes quantity rules: G = 10**9, Gi = 2**30).
SIZE_PATHS = (('quotas', 'max_size'), ('users', 'quotas', 'max_size'), ('bucket_claims', 'max_size'),
              ('subvolume_groups', 'quota'))
# The replicated pool beside an erasure-coded block pool (Rook's chart names it so).
METADATA_SUFFIX = '-metadata'


class UseCaseError(ValueError):
    """A declaration the roles cannot use; the message names the item."""


_SCALARS = (str, bytes, int, float, bool, type(None))


def copy_data(value):
    """A copy of plain data (dicts, lists, scalars) as plain dicts and lists. copy.deepcopy is not used
    for this: an Ansible variable handed to a filter may be a lazy container, whose deep copy copies
    its templar with every variable of the host (seconds per call late in a play)."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        return dict((key, copy_data(item)) for key, item in value.items())
    if isinstance(value, list):
        return [copy_data(item) for item in value]
    if isinstance(value, tuple):
        return tuple(copy_data(item) for item in value)
    return copy.deepcopy(value)


def deep_merge(base, override):
    """override on top of base: dicts merge key by key, anything else (lists, false) replaces."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy_data(override)
    merged = copy_data(base)
    for key, value in override.items():
        merged[key] = deep_merge(merged[key], value) if key in merged else copy_data(value)
    return merged


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _as_bytes(value):
    """A size in whole bytes, or the value as given when it is not a size (the checks report it)."""
    if value is None or value == '':
        return value
    try:
        return to_bytes(value)
    except (UnitError, TypeError):
        return value


def _normalise_sizes(item):
    for path in SIZE_PATHS:
        head = path[0]
        if len(path) == 2 and isinstance(item.get(head), dict) and path[1] in item[head]:
            item[head][path[1]] = _as_bytes(item[head][path[1]])
        elif len(path) == 2 and isinstance(item.get(head), list):
            for sub in item[head]:
                if isinstance(sub, dict) and path[1] in sub:
                    sub[path[1]] = _as_bytes(sub[path[1]])
        elif len(path) == 3 and isinstance(item.get(head), list):
            for sub in item[head]:
                inner = sub.get(path[1]) if isinstance(sub, dict) else None
                if isinstance(inner, dict) and path[2] in inner:
                    inner[path[2]] = _as_bytes(inner[path[2]])


def _sub_list(item, key):
    """A list of sub-items (users, claims, groups, namespaces); a bare string is {name: string}."""
    result = []
    for sub in item.get(key) or []:
        sub = {'name': sub} if isinstance(sub, str) else copy_data(sub)
        if isinstance(sub, dict):
            sub.setdefault('state', 'present')
        result.append(sub)
    return result


def merge_items(items, kind, profiles, default_profile):
    """Each item over its profile (item.profile, else default_profile), with the defaults every
    template relies on filled in: state, the names of the StorageClass and VolumeSnapshotClass,
    the data pool, sizes in bytes. Items naming an unknown profile are kept as declared (the
    checks report them)."""
    merged = []
    for item in items or []:
        if not isinstance(item, dict):
            merged.append(item)
            continue
        name = item.get('profile') or default_profile
        profile = (profiles or {}).get(name) if name else {}
        result = deep_merge(profile if isinstance(profile, dict) else {}, item)
        result['profile'] = name
        result.setdefault('state', 'present')
        _fill_defaults(result, kind)
        _normalise_sizes(result)
        merged.append(result)
    return merged


def _fill_defaults(item, kind):
    name = item.get('name')
    if not isinstance(name, str):
        return
    if item.get('erasure_coded') in (None, {}):
        item['erasure_coded'] = False
    if kind not in SCHEMAS:
        return  # a use case of its own: its role's templates name what it makes
    storage_class = item.get('storage_class')
    if storage_class is None or storage_class is True:
        storage_class = item['storage_class'] = {}
    if isinstance(storage_class, dict):
        storage_class.setdefault('name', STORAGE_CLASS_PREFIX[kind] + name)
    if kind in SNAPSHOT_CLASS_PREFIX:
        snapshot_class = item.get('snapshot_class')
        if snapshot_class is None or snapshot_class is True:
            snapshot_class = item['snapshot_class'] = {}
        if isinstance(snapshot_class, dict):
            snapshot_class.setdefault('name', SNAPSHOT_CLASS_PREFIX[kind] + name)
    if kind == 'block':
        # RBD keeps images (their metadata) in a replicated pool, the StorageClass's `pool`. With
        # erasure coding, as in Rook's chart, the pool NAME is erasure-coded and holds the data
        # (the StorageClass's `dataPool`), and NAME-metadata is the replicated one.
        item['image_pool'] = name + METADATA_SUFFIX if item['erasure_coded'] else name
        item['data_pool'] = name if item['erasure_coded'] else None
        item['rados_namespaces'] = _sub_list(item, 'rados_namespaces')
    elif kind == 'file':
        # CephFS keeps its default data pool replicated (backtraces of every file live there);
        # erasure coding is a second data pool, the one the StorageClass writes to.
        item['data_pools'] = ['data'] + (['ec'] if item['erasure_coded'] else [])
        item['data_pool'] = '%s-%s' % (name, item['data_pools'][-1])
        item['subvolume_groups'] = _sub_list(item, 'subvolume_groups')
    else:
        item['users'] = _sub_list(item, 'users')
        item['bucket_claims'] = _sub_list(item, 'bucket_claims')


# --- checks -------------------------------------------------------------------------------------
def _unknown_keys(value, schema, where, problems):
    if not isinstance(value, dict):
        return
    for key in value:
        if key not in schema:
            problems.append('%s: unknown option %r (known: %s)' % (where, key, ', '.join(sorted(schema))))
            continue
        sub = schema[key]
        if isinstance(sub, dict) and isinstance(value[key], dict):
            _unknown_keys(value[key], sub, '%s.%s' % (where, key), problems)
        elif isinstance(sub, list) and isinstance(value[key], list):
            for index, element in enumerate(value[key]):
                if isinstance(element, dict):
                    _unknown_keys(element, sub[0], '%s.%s[%d]' % (where, key, index), problems)


def _check_count(value, what, problems, minimum=0):
    if value is None:
        return
    if not _is_int(value) or value < minimum:
        problems.append('%s must be a whole number of at least %d, not %r' % (what, minimum, value))


def _check_size(value, what, problems):
    if value is None or value == '':
        return
    if not _is_int(value):
        problems.append('%s: %r is not a size (a number of bytes, or with a unit such as 500Gi, 1T)'
                        % (what, value))


def _check_choice(value, choices, what, problems):
    if value is not None and value not in choices:
        problems.append('%s must be one of %s, not %r' % (what, ', '.join(choices), value))


def _check_name(value, what, problems, pattern=DNS_LABEL, limit=63):
    if not isinstance(value, str) or not value:
        problems.append('%s has no name' % what)
        return False
    if len(value) > limit or not pattern.match(value):
        problems.append('%s: %r is not a valid Kubernetes name (lower case letters, digits and -, at most %d '
                        'characters)' % (what, value, limit))
        return False
    return True


def _width(item):
    """How many failure domains one placement group of the item's (data) pool needs."""
    ec = item.get('erasure_coded')
    if isinstance(ec, dict) and _is_int(ec.get('data_chunks')) and _is_int(ec.get('coding_chunks')):
        width = ec['data_chunks'] + ec['coding_chunks']
        return width, 'erasure coding %d+%d' % (ec['data_chunks'], ec['coding_chunks'])
    size = (item.get('replicated') or {}).get('size')
    return (size, 'replicated size %d' % size) if _is_int(size) else (None, None)


def _check_pool(item, where, problems, crush):
    _check_choice(item.get('compression'), COMPRESSION, '%s.compression' % where, problems)
    replicated = item.get('replicated')
    if not isinstance(replicated, dict) or replicated.get('size') is None:
        problems.append('%s: replicated.size is not set (by the item or its profile)' % where)
    else:
        _check_count(replicated.get('size'), '%s.replicated.size' % where, problems, 1)
        if replicated.get('size') == 1 and replicated.get('require_safe_replica_size') is not False:
            problems.append('%s: replicated.size 1 keeps a single copy; set replicated.require_safe_replica_size: '
                            'false to accept losing data with any disk' % where)
    ec = item.get('erasure_coded')
    if ec is not False:
        if not isinstance(ec, dict):
            problems.append('%s.erasure_coded must be a dict with data_chunks and coding_chunks, or false' % where)
        else:
            _check_count(ec.get('data_chunks'), '%s.erasure_coded.data_chunks' % where, problems, 2)
            _check_count(ec.get('coding_chunks'), '%s.erasure_coded.coding_chunks' % where, problems, 1)
            if ec.get('data_chunks') is None or ec.get('coding_chunks') is None:
                problems.append('%s.erasure_coded needs data_chunks and coding_chunks' % where)
    params = item.get('parameters')
    if params is not None and not isinstance(params, dict):
        problems.append('%s.parameters must be a dict of Ceph pool settings' % where)
    if crush is not None:
        _check_placement(item, where, problems, crush)


def _check_placement(item, where, problems, crush):
    domain = item.get('failure_domain') or 'host'
    device_class = item.get('device_class') or None
    if domain not in crush.types:
        problems.append('%s: failure_domain %r is not a CRUSH type of the cluster (types: %s)'
                        % (where, domain, ', '.join(crush.types)))
        return
    if device_class and device_class not in crush.classes:
        problems.append('%s: device_class %r has no OSDs in the cluster (classes: %s)'
                        % (where, device_class, ', '.join(crush.classes) or 'none'))
        return
    width, how = _width(item)
    if width is None:
        return
    count = crush.count_domains('default', domain, device_class)
    if width > count:
        problems.append('%s: %s needs %d failure domains of type %s%s, the cluster has %d: lower it or choose '
                        'another profile' % (where, how, width, domain,
                                             ' with %s OSDs' % device_class if device_class else '', count))
    replicated = item.get('replicated') or {}
    if item.get('erasure_coded') and _is_int(replicated.get('size')) and replicated['size'] > count:
        problems.append('%s: the replicated metadata pool of size %d needs %d failure domains of type %s, the '
                        'cluster has %d' % (where, replicated['size'], replicated['size'], domain, count))


def _check_classes(item, kind, where, problems):
    storage_class = item.get('storage_class')
    if isinstance(storage_class, dict):
        _check_name(storage_class.get('name'), '%s.storage_class' % where, problems, DNS_SUBDOMAIN, 253)
        _check_choice(storage_class.get('reclaim_policy'), POLICIES, '%s.storage_class.reclaim_policy' % where,
                      problems)
        _check_choice(storage_class.get('volume_binding_mode'), BINDING_MODES,
                      '%s.storage_class.volume_binding_mode' % where, problems)
        if kind == 'block':
            _check_choice(storage_class.get('fs_type'), FS_TYPES, '%s.storage_class.fs_type' % where, problems)
    elif storage_class is not False:
        problems.append('%s.storage_class must be a dict or false' % where)
    if kind in SNAPSHOT_CLASS_PREFIX:
        snapshot_class = item.get('snapshot_class')
        if isinstance(snapshot_class, dict):
            _check_name(snapshot_class.get('name'), '%s.snapshot_class' % where, problems, DNS_SUBDOMAIN, 253)
            _check_choice(snapshot_class.get('deletion_policy'), POLICIES,
                          '%s.snapshot_class.deletion_policy' % where, problems)
        elif snapshot_class is not False:
            problems.append('%s.snapshot_class must be a dict or false' % where)


def _check_subs(item, key, where, problems, check):
    seen = set()
    for index, sub in enumerate(item.get(key) or []):
        sub_where = '%s.%s[%d]' % (where, key, index)
        if not isinstance(sub, dict):
            problems.append('%s must be a dict' % sub_where)
            continue
        if not _check_name(sub.get('name'), sub_where, problems):
            continue
        sub_where = '%s.%s %s' % (where, key, sub['name'])
        ident = (sub.get('namespace'), sub['name'])
        if ident in seen:
            problems.append('%s is declared more than once' % sub_where)
        seen.add(ident)
        _check_choice(sub.get('state'), STATES, '%s.state' % sub_where, problems)
        check(sub, sub_where)


def _check_block(item, where, problems):
    quotas = item.get('quotas') or {}
    _check_size(quotas.get('max_size'), '%s.quotas.max_size' % where, problems)
    _check_count(quotas.get('max_objects'), '%s.quotas.max_objects' % where, problems)
    _check_subs(item, 'rados_namespaces', where, problems, lambda sub, sub_where: None)


def _check_object(item, where, problems, namespaces):
    gateway = item.get('gateway') or {}
    _check_count(gateway.get('port'), '%s.gateway.port' % where, problems, 1)
    _check_count(gateway.get('instances'), '%s.gateway.instances' % where, problems, 1)

    def user(sub, sub_where):
        quotas = sub.get('quotas') or {}
        _check_count(quotas.get('max_buckets'), '%s.quotas.max_buckets' % sub_where, problems)
        _check_count(quotas.get('max_objects'), '%s.quotas.max_objects' % sub_where, problems)
        _check_size(quotas.get('max_size'), '%s.quotas.max_size' % sub_where, problems)
        caps = sub.get('capabilities') or {}
        if not isinstance(caps, dict):
            problems.append('%s.capabilities must be a dict such as {bucket: read, user: "read, write"}' % sub_where)
            return
        for cap, value in caps.items():
            _check_choice(cap, CAPABILITIES, '%s.capabilities key' % sub_where, problems)
            _check_choice(value, CAPABILITY_VALUES, '%s.capabilities.%s' % (sub_where, cap), problems)

    def claim(sub, sub_where):
        if sub.get('bucket_name') and sub.get('generate_bucket_name'):
            problems.append('%s: give bucket_name or generate_bucket_name, not both' % sub_where)
        _check_count(sub.get('max_objects'), '%s.max_objects' % sub_where, problems)
        _check_size(sub.get('max_size'), '%s.max_size' % sub_where, problems)
        if sub.get('namespace') is not None:
            _check_name(sub['namespace'], '%s.namespace' % sub_where, problems)
            if namespaces is not None and sub['namespace'] not in namespaces and sub.get('state') == 'present':
                problems.append('%s: namespace %r does not exist' % (sub_where, sub['namespace']))
        if sub.get('state') == 'present' and item.get('storage_class') is False:
            problems.append('%s: a bucket claim needs the store\'s bucket StorageClass (storage_class is false)'
                            % sub_where)

    _check_subs(item, 'users', where, problems, user)
    _check_subs(item, 'bucket_claims', where, problems, claim)


def _check_file(item, where, problems):
    mds = item.get('metadata_server') or {}
    _check_count(mds.get('active_count'), '%s.metadata_server.active_count' % where, problems, 1)

    def group(sub, sub_where):
        _check_size(sub.get('quota'), '%s.quota' % sub_where, problems)
        pinning = sub.get('pinning')
        if pinning is not None and (not isinstance(pinning, dict) or len(pinning) != 1
                                    or next(iter(pinning)) not in ('export', 'distributed', 'random')):
            problems.append('%s.pinning must be one of {export: N}, {distributed: 0|1}, {random: 0.0-1.0}'
                            % sub_where)

    _check_subs(item, 'subvolume_groups', where, problems, group)


def schema_of(kind, options=None):
    """The options an item of the use case may have. A use case other than block, object and file
    (a role made from the use-case template) has the pool options, name, profile, state and its
    own options."""
    if kind in SCHEMAS:
        return SCHEMAS[kind]
    return dict(_POOL, name=None, profile=None, state=None, **dict((o, None) for o in options or []))


def declaration_problems(items, kind, profiles, default_profile, crush_dump=None, namespaces=None, options=None):
    """Everything wrong with a use case's declaration, as messages a person can act on; empty when
    it is sound. crush_dump (`ceph osd crush dump`) enables the placement checks; namespaces (the
    Kubernetes namespaces that exist) the check of bucket claims' namespaces; options the options
    of a use case of its own (its items need no pool then)."""
    schema = schema_of(kind, options)
    what = WHAT.get(kind, kind)
    problems = []
    profiles = profiles or {}
    if not isinstance(profiles, dict):
        return ['the profiles must be a dict of profile name: settings']
    for name, profile in sorted(profiles.items()):
        if not isinstance(profile, dict):
            problems.append('profile %s must be a dict' % name)
            continue
        _unknown_keys(profile, schema, 'profile %s' % name, problems)
    if default_profile and default_profile not in profiles:
        problems.append('the default profile %r is not a profile (profiles: %s)'
                        % (default_profile, ', '.join(sorted(profiles)) or 'none'))
    crush = CrushMap(crush_dump) if crush_dump else None
    seen = set()
    for index, (raw, item) in enumerate(zip(items or [], merge_items(items, kind, profiles, default_profile))):
        where = '%s #%d' % (what, index + 1)
        if not isinstance(item, dict):
            problems.append('%s must be a dict' % where)
            continue
        if isinstance(item.get('name'), str) and item['name']:
            where = '%s %s' % (what, item['name'])
        _unknown_keys(raw, schema, where, problems)
        if not _check_name(item.get('name'), where, problems):
            continue
        if item['name'] in seen:
            problems.append('%s is declared more than once' % where)
        seen.add(item['name'])
        if item['profile'] not in profiles:
            problems.append('%s: unknown profile %r (profiles: %s)'
                            % (where, item['profile'], ', '.join(sorted(profiles)) or 'none'))
            continue
        _check_choice(item.get('state'), STATES, '%s.state' % where, problems)
        if kind not in SCHEMAS:
            if item.get('replicated') is not None or item.get('erasure_coded'):
                _check_pool(item, where, problems, crush if item.get('state') == 'present' else None)
            continue
        _check_pool(item, where, problems, crush if item.get('state') == 'present' else None)
        _check_classes(item, kind, where, problems)
        if kind == 'block':
            _check_block(item, where, problems)
        elif kind == 'object':
            _check_object(item, where, problems, namespaces)
        else:
            _check_file(item, where, problems)
    return problems


# --- the rendered resources against each other and the cluster ---------------------------------
# Fields of a StorageClass that Kubernetes does not let an update change; and the parameters that
# say which Ceph data a class points at (a class of that name pointing elsewhere belongs to
# something else).
IMMUTABLE = ('provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode')
IDENTITY = ('clusterID', 'pool', 'dataPool', 'fsName', 'objectStoreName', 'objectStoreNamespace')


def _ident(doc):
    meta = doc.get('metadata') or {}
    return '%s %s%s' % (doc.get('kind'), meta.get('namespace') + '/' if meta.get('namespace') else '',
                        meta.get('name'))


def _key(doc):
    meta = doc.get('metadata') or {}
    return (doc.get('kind'), meta.get('namespace'), meta.get('name'))


# Spec fields of Rook's resources that their CRDs' CEL rules make immutable (self == oldSelf in
# deploy/examples/crds.yaml): an object of that name elsewhere must be removed first.
IMMUTABLE_SPEC = {
    'CephBlockPoolRadosNamespace': ('blockPoolName',),
    'CephFilesystemSubVolumeGroup': ('filesystemName', 'name'),
}


def resource_problems(entries, existing=None):
    """entries: the rendered resources ({state, definition}); existing: the StorageClass,
    VolumeSnapshotClass, CephBlockPoolRadosNamespace and CephFilesystemSubVolumeGroup objects the
    cluster holds. Reports resources declared twice (one name, two declarations), classes to be
    applied whose name is taken by a class for other data or that differ in what Kubernetes cannot
    update, and Rook resources whose immutable spec fields (IMMUTABLE_SPEC) would change."""
    problems = []
    seen = {}
    for entry in entries or []:
        doc = entry['definition']
        key = _key(doc)
        if key in seen:
            problems.append('%s is declared twice (by %s and %s)' % (_ident(doc), seen[key], entry.get('owner')))
            continue
        seen[key] = entry.get('owner')
    current = dict((_key(obj), obj) for obj in existing or [])
    for entry in entries or []:
        doc = entry['definition']
        have = current.get(_key(doc))
        if entry.get('state') != 'present' or have is None or doc.get('kind') not in IMMUTABLE_SPEC:
            continue
        want_spec, have_spec = doc.get('spec') or {}, have.get('spec') or {}
        changed = ['%s %s -> %s' % (f, have_spec.get(f), want_spec.get(f)) for f in IMMUTABLE_SPEC[doc['kind']]
                   if f in want_spec and f in have_spec and want_spec[f] != have_spec[f]]
        if changed:
            problems.append('%s (%s) exists with other %s, which Rook cannot change (its CRD makes it immutable): '
                            'declare it absent first, or choose another name' % (
                                _ident(doc), entry.get('owner'), ', '.join(changed)))
    for entry in entries or []:
        doc = entry['definition']
        if entry.get('state') != 'present' or doc.get('kind') not in ('StorageClass', 'VolumeSnapshotClass'):
            continue
        have = current.get(_key(doc))
        if have is None:
            continue
        driver = 'provisioner' if doc['kind'] == 'StorageClass' else 'driver'
        want_params, have_params = doc.get('parameters') or {}, have.get('parameters') or {}
        other = ['%s %s' % (driver, have.get(driver))] if have.get(driver) != doc.get(driver) else []
        other += ['%s %s' % (p, have_params.get(p)) for p in IDENTITY
                  if p in want_params and have_params.get(p) != want_params.get(p)]
        if other:
            problems.append('%s (%s) exists for other data: %s; choose another name or remove it first'
                            % (_ident(doc), entry.get('owner'), ', '.join(other)))
            continue
        if doc['kind'] == 'StorageClass':
            changed = [f for f in IMMUTABLE if f in doc and doc[f] != have.get(f)]
            if changed:
                problems.append('%s (%s) exists with other %s, which Kubernetes cannot change: remove it first or '
                                'declare what it has' % (_ident(doc), entry.get('owner'), ', '.join(changed)))
    return problems


def apply_results(entries, applied):
    """One result per rendered resource, in the shape of a loop's results (``item``, ``changed``,
    ``result``, ``failed``, ``msg``, ``diff``), from one kubernetes.core.k8s run that applied all of
    their definitions in order with continue_on_error (it returns a single definition's result at
    the top level, several under result.results). Nothing applied (the task skipped): []."""
    entries = list(entries or [])
    if not entries or not isinstance(applied, dict) or applied.get('skipped'):
        return []
    if len(entries) == 1:
        each = [applied]
    else:
        each = (applied.get('result') or {}).get('results')
        if not isinstance(each, list):
            raise UseCaseError('the apply returned no list of results for %d resources: %s'
                               % (len(entries), str(applied.get('msg') or applied)[:300]))
    if len(each) != len(entries):
        raise UseCaseError('the apply returned %d results for %d resources' % (len(each), len(entries)))
    out = []
    for entry, result in zip(entries, each):
        error = result.get('error') or ({'msg': result.get('msg')} if result.get('failed') else None)
        out.append({'item': entry, 'changed': bool(result.get('changed')) and not error,
                    'result': result.get('result') or {}, 'failed': bool(error),
                    'msg': (error or {}).get('msg') or '', 'diff': result.get('diff') or {}})
    return out


def is_settled(obj, ready):
    """Whether a Rook resource as the API returned it is done: in the phase ``ready`` for its current
    generation (status.observedGeneration, where Rook sets one, at least metadata.generation). Any
    other phase, Rook's retried ReconcileFailed and Failure included, is not yet."""
    status = (obj or {}).get('status') or {}
    if not ready or not isinstance(status, dict) or status.get('phase') != ready:
        return False
    observed, generation = status.get('observedGeneration'), (obj.get('metadata') or {}).get('generation')
    return observed is None or generation is None or observed >= generation


def to_wait_for(entries, applied=None):
    """The rendered resources (those with a phase to wait for, ``ready``) whose apply did not already
    show them settled. applied: the results of the role's apply loop (each with its ``item``, the
    entry, and ``result``, the object the API returned). A resource is settled when its apply changed
    nothing and the object returned has the phase waited for, for its current generation (Rook's
    status.observedGeneration, where it sets one): a wait would read the same. Anything else (changed,
    another phase, an older generation, no result) is waited for."""
    settled = set()
    for result in applied or []:
        if not isinstance(result, dict) or result.get('changed') or result.get('skipped') or result.get('failed'):
            continue
        obj = result.get('result') or {}
        if is_settled(obj, (result.get('item') or {}).get('ready')):
            settled.add(_key(obj))
    return [entry for entry in entries or [] if entry.get('ready') and _key(entry['definition']) not in settled]
