#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_resource_set
short_description: Apply a declared state of many kinds of Ceph resources in one call
version_added: 0.1.0
description:
  - Applies configuration settings, manager modules, erasure-code profiles, CRUSH rules, pools, CephFS filesystems,
    subvolume groups and subvolumes, RBD images, client keys and RGW users to a Ceph cluster that Rook does not run,
    in one module run (one process, one agent, one librados connection). The role koor.ceph.ceph_resources uses it.
  - Each list takes the items of the module that manages its kind alone (named in each option), with the same
    options and the same behaviour; this module only applies them together.
  - Items declared present are applied kind by kind in dependency order (O(config), O(mgr_modules),
    O(ec_profiles), O(crush_rules), O(pools), O(filesystems), O(subvolume_groups), O(subvolumes), O(rbd_images),
    O(clients), O(rgw_users)); items declared absent afterwards, in the reverse order (images before their pool,
    pools before their CRUSH rule).
  - Before anything is written, every kind is read once and the whole state is validated and planned. Each kind is
    validated against the cluster as it will be after the kinds before it, so a pool may name a CRUSH rule declared
    in the same call and a CRUSH rule may be deleted with the pools using it. A bad item anywhere refuses the whole
    call with nothing written.
  - A real run writes kind by kind; once a kind has written, each later kind is read again before its writes, so
    they follow what the cluster holds then.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
options:
  config:
    description:
      - Settings of Ceph's configuration database, each as an item of M(koor.ceph.ceph_config)'s
        O(koor.ceph.ceph_config#module:settings).
    type: list
    elements: dict
    suboptions:
      who:
        description: See O(koor.ceph.ceph_config#module:who).
        type: str
        required: true
      option:
        description: See O(koor.ceph.ceph_config#module:option).
        type: str
        required: true
      value:
        description: See O(koor.ceph.ceph_config#module:value).
        type: raw
      state:
        description: See O(koor.ceph.ceph_config#module:state).
        type: str
        choices: [present, absent]
        default: present
      allow_disruptive:
        description: See O(koor.ceph.ceph_config#module:allow_disruptive).
        type: bool
        default: false
  mgr_modules:
    description:
      - Manager modules to enable or disable, each as an item of M(koor.ceph.ceph_mgr_module)'s
        O(koor.ceph.ceph_mgr_module#module:modules).
      - After a change the module waits until the restarted mgr is active again, before the next kind.
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_mgr_module#module:name).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_mgr_module#module:state).
        type: str
        choices: [present, absent]
        default: present
  ec_profiles:
    description:
      - Erasure-code profiles, each as an item of M(koor.ceph.ceph_ec_profile)'s
        O(koor.ceph.ceph_ec_profile#module:profiles).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_ec_profile#module:name).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_ec_profile#module:state).
        type: str
        choices: [present, absent]
        default: present
      k:
        description: See O(koor.ceph.ceph_ec_profile#module:k).
        type: int
      m:
        description: See O(koor.ceph.ceph_ec_profile#module:m).
        type: int
      plugin:
        description: See O(koor.ceph.ceph_ec_profile#module:plugin).
        type: str
        choices: [jerasure, isa, clay]
      technique:
        description: See O(koor.ceph.ceph_ec_profile#module:technique).
        type: str
      crush_root:
        description: See O(koor.ceph.ceph_ec_profile#module:crush_root).
        type: str
      crush_failure_domain:
        description: See O(koor.ceph.ceph_ec_profile#module:crush_failure_domain).
        type: str
      crush_device_class:
        description: See O(koor.ceph.ceph_ec_profile#module:crush_device_class).
        type: str
      stripe_unit:
        description: See O(koor.ceph.ceph_ec_profile#module:stripe_unit).
        type: raw
      force:
        description: See O(koor.ceph.ceph_ec_profile#module:force).
        type: bool
        default: false
      allow_delete_default:
        description: See O(koor.ceph.ceph_ec_profile#module:allow_delete_default).
        type: bool
        default: false
  crush_rules:
    description:
      - CRUSH rules, each as an item of M(koor.ceph.ceph_crush_rule)'s O(koor.ceph.ceph_crush_rule#module:rules).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_crush_rule#module:name).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_crush_rule#module:state).
        type: str
        choices: [present, absent]
        default: present
      rule_type:
        description: See O(koor.ceph.ceph_crush_rule#module:rule_type).
        type: str
        choices: [replicated, erasure]
      root:
        description: See O(koor.ceph.ceph_crush_rule#module:root).
        type: str
      failure_domain:
        description: See O(koor.ceph.ceph_crush_rule#module:failure_domain).
        type: str
      device_class:
        description: See O(koor.ceph.ceph_crush_rule#module:device_class).
        type: str
      profile:
        description: See O(koor.ceph.ceph_crush_rule#module:profile).
        type: str
      recreate:
        description: See O(koor.ceph.ceph_crush_rule#module:recreate).
        type: bool
        default: false
  pools:
    description:
      - Pools, each as an item of M(koor.ceph.ceph_pool)'s O(koor.ceph.ceph_pool#module:pools).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_pool#module:name).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_pool#module:state).
        type: str
        choices: [present, absent]
        default: present
      pool_type:
        description: See O(koor.ceph.ceph_pool#module:pool_type).
        type: str
        choices: [replicated, erasure]
      erasure_profile:
        description: See O(koor.ceph.ceph_pool#module:erasure_profile).
        type: str
      crush_rule:
        description: See O(koor.ceph.ceph_pool#module:crush_rule).
        type: str
      size:
        description: See O(koor.ceph.ceph_pool#module:size).
        type: int
      min_size:
        description: See O(koor.ceph.ceph_pool#module:min_size).
        type: int
      pg_num:
        description: See O(koor.ceph.ceph_pool#module:pg_num).
        type: int
      pg_autoscale_mode:
        description: See O(koor.ceph.ceph_pool#module:pg_autoscale_mode).
        type: str
        choices: ['on', 'off', warn]
      target_size_ratio:
        description: See O(koor.ceph.ceph_pool#module:target_size_ratio).
        type: float
      application:
        description: See O(koor.ceph.ceph_pool#module:application).
        type: str
        choices: [rbd, rgw, cephfs, nfs, mgr]
      max_bytes:
        description: See O(koor.ceph.ceph_pool#module:max_bytes).
        type: raw
      max_objects:
        description: See O(koor.ceph.ceph_pool#module:max_objects).
        type: int
      compression_mode:
        description: See O(koor.ceph.ceph_pool#module:compression_mode).
        type: str
        choices: [none, passive, aggressive, force]
      compression_algorithm:
        description: See O(koor.ceph.ceph_pool#module:compression_algorithm).
        type: str
        choices: [snappy, zlib, zstd, lz4]
      allow_ec_overwrites:
        description: See O(koor.ceph.ceph_pool#module:allow_ec_overwrites).
        type: bool
      allow_delete:
        description: See O(koor.ceph.ceph_pool#module:allow_delete).
        type: bool
        default: false
      allow_delete_with_data:
        description: See O(koor.ceph.ceph_pool#module:allow_delete_with_data).
        type: bool
        default: false
      allow_size_one:
        description: See O(koor.ceph.ceph_pool#module:allow_size_one).
        type: bool
        default: false
      allow_undersized:
        description: See O(koor.ceph.ceph_pool#module:allow_undersized).
        type: bool
        default: false
  filesystems:
    description:
      - CephFS filesystems, each as an item of M(koor.ceph.ceph_fs)'s O(koor.ceph.ceph_fs#module:filesystems).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_fs#module:name).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_fs#module:state).
        type: str
        choices: [present, absent]
        default: present
      metadata_pool:
        description: See O(koor.ceph.ceph_fs#module:metadata_pool).
        type: str
      data_pool:
        description: See O(koor.ceph.ceph_fs#module:data_pool).
        type: str
      max_mds:
        description: See O(koor.ceph.ceph_fs#module:max_mds).
        type: int
      allow_delete:
        description: See O(koor.ceph.ceph_fs#module:allow_delete).
        type: bool
        default: false
      delete_pools:
        description: See O(koor.ceph.ceph_fs#module:delete_pools).
        type: bool
        default: false
  subvolume_groups:
    description:
      - CephFS subvolume groups, each as an item of M(koor.ceph.ceph_fs_subvolumegroup)'s
        O(koor.ceph.ceph_fs_subvolumegroup#module:groups).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:name).
        type: str
        required: true
      fs:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:fs).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:state).
        type: str
        choices: [present, absent]
        default: present
      mode:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:mode).
        type: raw
      uid:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:uid).
        type: int
      gid:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:gid).
        type: int
      pool_layout:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:pool_layout).
        type: str
      size:
        description: See O(koor.ceph.ceph_fs_subvolumegroup#module:size).
        type: raw
  subvolumes:
    description:
      - CephFS subvolumes, each as an item of M(koor.ceph.ceph_fs_subvolume)'s
        O(koor.ceph.ceph_fs_subvolume#module:subvolumes).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_fs_subvolume#module:name).
        type: str
        required: true
      fs:
        description: See O(koor.ceph.ceph_fs_subvolume#module:fs).
        type: str
        required: true
      group:
        description: See O(koor.ceph.ceph_fs_subvolume#module:group).
        type: str
        default: _nogroup
      state:
        description: See O(koor.ceph.ceph_fs_subvolume#module:state).
        type: str
        choices: [present, absent]
        default: present
      size:
        description: See O(koor.ceph.ceph_fs_subvolume#module:size).
        type: raw
      mode:
        description: See O(koor.ceph.ceph_fs_subvolume#module:mode).
        type: raw
      uid:
        description: See O(koor.ceph.ceph_fs_subvolume#module:uid).
        type: int
      gid:
        description: See O(koor.ceph.ceph_fs_subvolume#module:gid).
        type: int
      namespace_isolated:
        description: See O(koor.ceph.ceph_fs_subvolume#module:namespace_isolated).
        type: bool
      pool_layout:
        description: See O(koor.ceph.ceph_fs_subvolume#module:pool_layout).
        type: str
      allow_delete:
        description: See O(koor.ceph.ceph_fs_subvolume#module:allow_delete).
        type: bool
        default: false
      allow_delete_with_data:
        description: See O(koor.ceph.ceph_fs_subvolume#module:allow_delete_with_data).
        type: bool
        default: false
  rbd_images:
    description:
      - RBD images, each as an item of M(koor.ceph.ceph_rbd_image)'s O(koor.ceph.ceph_rbd_image#module:images).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_rbd_image#module:name).
        type: str
        required: true
      pool:
        description: See O(koor.ceph.ceph_rbd_image#module:pool).
        type: str
        required: true
      namespace:
        description: See O(koor.ceph.ceph_rbd_image#module:rbd_namespace).
        type: str
        aliases: [rbd_namespace]
      state:
        description: See O(koor.ceph.ceph_rbd_image#module:state).
        type: str
        choices: [present, absent]
        default: present
      size:
        description: See O(koor.ceph.ceph_rbd_image#module:size).
        type: raw
      features:
        description: See O(koor.ceph.ceph_rbd_image#module:features).
        type: list
        elements: str
      data_pool:
        description: See O(koor.ceph.ceph_rbd_image#module:data_pool).
        type: str
      allow_shrink:
        description: See O(koor.ceph.ceph_rbd_image#module:allow_shrink).
        type: bool
        default: false
      allow_delete:
        description: See O(koor.ceph.ceph_rbd_image#module:allow_delete).
        type: bool
        default: false
      purge_snapshots:
        description: See O(koor.ceph.ceph_rbd_image#module:purge_snapshots).
        type: bool
        default: false
  clients:
    description:
      - Client keys with their caps and keyring files, each as an item of M(koor.ceph.ceph_auth)'s
        O(koor.ceph.ceph_auth#module:clients).
    type: list
    elements: dict
    suboptions:
      name:
        description: See O(koor.ceph.ceph_auth#module:name).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_auth#module:state).
        type: str
        choices: [present, absent]
        default: present
      caps:
        description: See O(koor.ceph.ceph_auth#module:caps).
        type: dict
      key:
        description: See O(koor.ceph.ceph_auth#module:key).
        type: str
      keyring_path:
        description: See O(koor.ceph.ceph_auth#module:keyring_path).
        type: path
      keyring_mode:
        description: See O(koor.ceph.ceph_auth#module:keyring_mode).
        type: str
        default: '0600'
      keyring_owner:
        description: See O(koor.ceph.ceph_auth#module:keyring_owner).
        type: str
      keyring_group:
        description: See O(koor.ceph.ceph_auth#module:keyring_group).
        type: str
      allow_daemon_entities:
        description: See O(koor.ceph.ceph_auth#module:allow_daemon_entities).
        type: bool
        default: false
  rgw_users:
    description:
      - RGW (S3) users, each as an item of M(koor.ceph.ceph_rgw_user)'s O(koor.ceph.ceph_rgw_user#module:users).
    type: list
    elements: dict
    suboptions:
      uid:
        description: See O(koor.ceph.ceph_rgw_user#module:uid).
        type: str
        required: true
      state:
        description: See O(koor.ceph.ceph_rgw_user#module:state).
        type: str
        choices: [present, absent]
        default: present
      display_name:
        description: See O(koor.ceph.ceph_rgw_user#module:display_name).
        type: str
      email:
        description: See O(koor.ceph.ceph_rgw_user#module:email).
        type: str
      max_buckets:
        description: See O(koor.ceph.ceph_rgw_user#module:max_buckets).
        type: int
      suspended:
        description: See O(koor.ceph.ceph_rgw_user#module:suspended).
        type: bool
      caps:
        description: See O(koor.ceph.ceph_rgw_user#module:caps).
        type: dict
      user_quota:
        description: See O(koor.ceph.ceph_rgw_user#module:user_quota).
        type: dict
        suboptions:
          enabled:
            description: See O(koor.ceph.ceph_rgw_user#module:user_quota.enabled).
            type: bool
          max_size:
            description: See O(koor.ceph.ceph_rgw_user#module:user_quota.max_size).
            type: raw
          max_objects:
            description: See O(koor.ceph.ceph_rgw_user#module:user_quota.max_objects).
            type: int
      bucket_quota:
        description: See O(koor.ceph.ceph_rgw_user#module:bucket_quota).
        type: dict
        suboptions:
          enabled:
            description: See O(koor.ceph.ceph_rgw_user#module:bucket_quota.enabled).
            type: bool
          max_size:
            description: See O(koor.ceph.ceph_rgw_user#module:bucket_quota.max_size).
            type: raw
          max_objects:
            description: See O(koor.ceph.ceph_rgw_user#module:bucket_quota.max_objects).
            type: int
      access_key:
        description: See O(koor.ceph.ceph_rgw_user#module:access_key).
        type: str
      secret_key:
        description: See O(koor.ceph.ceph_rgw_user#module:secret_key).
        type: str
      remove_other_keys:
        description: See O(koor.ceph.ceph_rgw_user#module:remove_other_keys).
        type: bool
        default: false
      purge_data:
        description: See O(koor.ceph.ceph_rgw_user#module:purge_data).
        type: bool
        default: false
  kinds:
    description:
      - Apply only these kinds; the lists of the others are neither read nor applied. All kinds when not set.
    type: list
    elements: str
    choices: [config, mgr_modules, ec_profiles, crush_rules, pools, filesystems, subvolume_groups, subvolumes,
              rbd_images, clients, rgw_users]
attributes:
  check_mode:
    support: full
    description:
      - Reports the C(changed), diff and RV(commands) of the whole state, as a real run would, and changes nothing.
      - A kind sees what the kinds before it would create (a pool's new CRUSH rule, an image's new pool).
  diff_mode:
    support: full
    description: Before and after of the managed fields of each item, per kind.
notes:
  - Secrets (O(clients[].key), O(rgw_users[].secret_key)) are never logged and appear masked in RV(commands) and
    the diff.
seealso:
  - module: koor.ceph.ceph_pool
  - module: koor.ceph.ceph_rgw_user
  - module: koor.ceph.ceph_fs_subvolume
"""

EXAMPLES = r"""
- name: An EC data pool for RBD images, the images, and who may use them, in one call
  koor.ceph.ceph_resource_set:
    ec_profiles:
      - {name: ec-4-2, k: 4, m: 2, crush_failure_domain: host}
    pools:
      - {name: rbd-meta, application: rbd}
      - {name: rbd-ec, erasure_profile: ec-4-2, allow_ec_overwrites: true, application: rbd}
    rbd_images:
      - {pool: rbd-meta, name: archive-1, size: 2T, data_pool: rbd-ec}
    clients:
      - name: client.archive
        caps: {mon: profile rbd, osd: "profile rbd pool=rbd-meta, profile rbd pool=rbd-ec"}

- name: Remove a subvolume group with its subvolumes (subvolumes first)
  koor.ceph.ceph_resource_set:
    subvolume_groups:
      - {fs: shared, name: ci, state: absent}
    subvolumes:
      - {fs: shared, group: ci, name: cache, state: absent, allow_delete: true, allow_delete_with_data: true}

- name: Only the pools and the RGW users of a larger declaration
  koor.ceph.ceph_resource_set:
    pools: "{{ my_pools }}"
    rgw_users: "{{ my_users }}"
    subvolumes: "{{ my_subvolumes }}"
    kinds: [pools, rgw_users]
"""

RETURN = r"""
summary:
  description:
    - Per kind whether it was applied (declared and selected), whether it changed and the commands it ran.
  returned: always
  type: dict
  sample: {pools: {applied: true, changed: true, commands: [ceph osd pool create vms --pool-type=replicated]},
           rgw_users: {applied: true, changed: false, commands: []}, config: {applied: false, changed: false,
           commands: []}}
commands:
  description: Every command that changed (or in check mode would change) the cluster, in the order run.
  returned: always
  type: list
  elements: str
  sample: [ceph osd crush rule create-replicated ssd-host default host ssd, ceph osd pool create db --pool-type=replicated --rule=ssd-host]
config:
  description: The configuration settings, as M(koor.ceph.ceph_config) returns them.
  returned: always
  type: list
  elements: dict
mgr_modules:
  description: The manager modules, as M(koor.ceph.ceph_mgr_module) returns them.
  returned: always
  type: list
  elements: dict
ec_profiles:
  description: The erasure-code profiles, as M(koor.ceph.ceph_ec_profile) returns them.
  returned: always
  type: list
  elements: dict
crush_rules:
  description: The CRUSH rules, as M(koor.ceph.ceph_crush_rule) returns them.
  returned: always
  type: list
  elements: dict
pools:
  description: The pools, as M(koor.ceph.ceph_pool) returns them.
  returned: always
  type: list
  elements: dict
  sample: [{name: vms, state: present, changed: false, pool_type: replicated, size: 3, application: rbd}]
filesystems:
  description: The filesystems, as M(koor.ceph.ceph_fs) returns them.
  returned: always
  type: list
  elements: dict
subvolume_groups:
  description: The subvolume groups, as M(koor.ceph.ceph_fs_subvolumegroup) returns them.
  returned: always
  type: list
  elements: dict
subvolumes:
  description: The subvolumes, as M(koor.ceph.ceph_fs_subvolume) returns them (with their paths).
  returned: always
  type: list
  elements: dict
rbd_images:
  description: The RBD images, as M(koor.ceph.ceph_rbd_image) returns them.
  returned: always
  type: list
  elements: dict
clients:
  description: The client keys (their caps, never their keys), as M(koor.ceph.ceph_auth) returns them.
  returned: always
  type: list
  elements: dict
rgw_users:
  description: The RGW users (access key ids, never secret keys), as M(koor.ceph.ceph_rgw_user) returns them.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.koor.ceph.plugins.module_utils.resource_set import run_state_module


def main():
    run_state_module()


if __name__ == "__main__":
    main()
