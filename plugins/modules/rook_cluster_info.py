#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rook_cluster_info
short_description: Read a Rook CephCluster's status and daemon Deployments, optionally wait for it
version_added: 0.1.0
description:
  - Reads a Rook C(CephCluster) from the Kubernetes API, with its phase, conditions, Ceph health and its details,
    capacity, versions, and the daemon Deployments Rook made for it with their C(rook-version) and
    C(ceph-version) labels, and the Rook operator's Deployment.
  - With O(wait=true), waits until every O(wait_for) item holds by watching the API (a watch from the
    objects' resourceVersion, re-established when it expires), not by polling. The status transitions
    seen meanwhile are returned in RV(events). A C(CephCluster) that does not exist yet is waited for.
  - With O(gather_subset), also reads what a declaration of pools, object stores or filesystems is checked
    against, in the same module run and connection (the namespace's C(CephCluster) names, the
    C(StorageClass)es and C(VolumeSnapshotClass)es, the namespaces, Rook's toolbox pod and the CRUSH map
    through it).
  - Only reads. Applying manifests is M(kubernetes.core.k8s)'s job.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.attributes.info_module
  - koor.ceph.kube
options:
  name:
    description: The name of the C(CephCluster).
    type: str
    default: rook-ceph
  namespace:
    description:
      - The namespace of the C(CephCluster).
      - The daemon Deployments are those of this namespace labelled C(rook_cluster=NAMESPACE).
    type: str
    default: rook-ceph
  operator_namespace:
    description:
      - Where the Rook operator's Deployment (its pod template labelled C(app=rook-ceph-operator)) runs.
      - Its image tag is the Rook version the daemon Deployments' C(rook-version) labels must show.
    type: str
    default: rook-ceph
  wait:
    description: Wait until every O(wait_for) item holds (and O(wait_ceph_version), when set).
    type: bool
    default: false
  wait_for:
    description:
      - What to wait for with O(wait=true). Whether they hold now is returned in RV(ready) either way.
      - V(Ready) - phase C(Ready), condition C(Ready) C(True), and the operator has reconciled the
        C(CephCluster)'s latest generation (C(status.observedGeneration)).
      - V(HEALTH_OK) - C(status.ceph.health) is C(HEALTH_OK).
      - V(rolled_out) - every daemon Deployment's C(ceph-version) label equals C(status.version.version),
        its C(rook-version) label equals the operator image's tag, its rollout is complete and it is available.
      - V(Connected) - phase C(Connected), for an external cluster (C(spec.external.enable)).
        V(Ready) and V(Connected) exclude each other.
    type: list
    elements: str
    choices: [Ready, HEALTH_OK, rolled_out, Connected]
    default: [Ready, HEALTH_OK]
  wait_timeout:
    description:
      - How many seconds to wait at most.
      - When they pass, the module fails with what was last seen and which item is unmet, unless
        O(wait_fail=false).
    type: int
    default: 900
  wait_ceph_version:
    description:
      - Also wait until C(status.version.version) starts with this (for example V(20.2) or V(v20.2.4)) and so does
        the C(ceph-version) label of every daemon Deployment. Rook writes C(status.version) as soon as it has
        validated a new image, before it restarts any daemon; the labels follow each daemon's restart.
    type: str
  wait_fail:
    description:
      - Whether a wait that ends before everything holds fails.
      - With V(false) the module returns RV(ready=false) instead, for example to wait in slices with
        C(until)/C(retries) and show progress between them.
    type: bool
    default: true
  gather_subset:
    description:
      - What else to read, after the C(CephCluster) (after the wait, with O(wait=true)).
      - V(clusters) - the names of every C(CephCluster) of O(namespace) (RV(clusters)).
      - V(storage_classes) - every C(StorageClass) (RV(storage_classes)).
      - V(snapshot_classes) - every C(VolumeSnapshotClass) (RV(snapshot_classes)); RV(snapshot_classes_served)
        is V(false) when the API has no such kind (the CSI snapshot CRDs are not installed).
      - V(namespaces) - the names of every namespace (RV(namespaces)).
      - V(toolbox) - the first C(Running) pod of O(namespace) that O(toolbox_selector) selects (RV(toolbox)).
      - V(crush_map) - C(ceph osd crush dump) run in that pod over the API's exec stream (RV(crush_map));
        V(null) when no toolbox runs. A read, it changes nothing.
      - V(object_stores), V(object_store_users) - the C(CephObjectStore)s and C(CephObjectStoreUser)s of O(namespace)
        (RV(object_stores), RV(object_store_users)).
      - V(bucket_claims) - the C(ObjectBucketClaim)s of every namespace (RV(bucket_claims)).
      - V(rados_namespaces), V(subvolume_groups) - the C(CephBlockPoolRadosNamespace)s and
        C(CephFilesystemSubVolumeGroup)s of O(namespace) (RV(rados_namespaces), RV(subvolume_groups)).
      - A kind whose CRD is not applied reads as none.
    type: list
    elements: str
    choices: [clusters, storage_classes, snapshot_classes, namespaces, toolbox, crush_map, object_stores,
              object_store_users, bucket_claims, rados_namespaces, subvolume_groups]
    default: []
    version_added: 0.1.0
  toolbox_selector:
    description: The label selector of Rook's toolbox pod, for O(gather_subset=toolbox) and V(crush_map).
    type: str
    default: app=rook-ceph-tools
    version_added: 0.1.0
attributes:
  action_group:
    description: Use C(group/koor.ceph.rook) in C(module_defaults) to set the connection options.
    support: full
    membership: [koor.ceph.rook]
notes:
  - The result's C(changed) is always C(false).
seealso:
  - module: kubernetes.core.k8s_info
  - module: koor.ceph.ceph_status_info
"""

EXAMPLES = r"""
- name: Read the cluster
  koor.ceph.rook_cluster_info:
    kubeconfig: ~/.kube/config
  register: rook

- name: Show it
  ansible.builtin.debug:
    msg: "{{ rook.summary }}"

- name: Wait up to 15 minutes for the CephCluster just applied to be Ready with HEALTH_OK
  koor.ceph.rook_cluster_info:
    name: rook-ceph
    namespace: rook-ceph
    wait: true
    wait_timeout: 900

- name: Wait in one-minute slices, to show progress between them
  koor.ceph.rook_cluster_info:
    wait: true
    wait_timeout: 60
    wait_fail: false
  register: rook
  until: rook.ready
  retries: 15
  delay: 0

- name: After an upgrade, wait until every daemon runs the new release and the operator's version
  koor.ceph.rook_cluster_info:
    wait: true
    wait_for: [Ready, rolled_out]
    wait_ceph_version: "20.2.4"
    wait_timeout: 3600

- name: Read what a pool declaration is checked against, in one module run
  koor.ceph.rook_cluster_info:
    namespace: rook-ceph
    gather_subset: [clusters, storage_classes, snapshot_classes, crush_map]
  register: rook

- name: Show the CRUSH buckets the cluster has
  ansible.builtin.debug:
    msg: "{{ rook.crush_map.buckets | map(attribute='name') | list if rook.crush_map else 'no toolbox runs' }}"

- name: Set the connection once for kubernetes.core and koor.ceph.rook
  module_defaults:
    group/kubernetes.core.k8s: &k8s
      kubeconfig: /etc/rook/kubeconfig
      context: storage
    group/koor.ceph.rook: *k8s
  block:
    - name: Read the cluster
      koor.ceph.rook_cluster_info:
      register: rook
"""

RETURN = r"""
exists:
  description: Whether the C(CephCluster) exists.
  returned: always
  type: bool
  sample: true
ready:
  description: Whether every O(wait_for) item (and O(wait_ceph_version)) holds, at the end of the wait or now.
  returned: always
  type: bool
  sample: true
unmet:
  description: For each O(wait_for) item that does not hold (and C(ceph_version)), why not.
  returned: always
  type: dict
  sample: {HEALTH_OK: "health is HEALTH_WARN (MON_DOWN)"}
events:
  description:
    - The C(CephCluster)'s status transitions seen during the wait, the first observation first
      (empty without O(wait)). C(time) is UTC.
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: When it was seen (ISO 8601, UTC).
      type: str
    phase:
      description: C(status.phase).
      type: str
    message:
      description: C(status.message), or that the C(CephCluster) does not exist.
      type: str
    health:
      description: C(status.ceph.health).
      type: str
  sample:
    - {time: "2026-11-22T13:29:48Z", phase: null, message: CephCluster rook-ceph/rook-ceph does not exist,
       health: null}
    - {time: "2026-11-22T13:29:50Z", phase: Progressing, message: Configuring Ceph Mons, health: null}
    - {time: "2026-11-22T13:30:16Z", phase: Ready, message: Cluster created successfully, health: HEALTH_OK}
waited:
  description: Seconds the wait took (0 without O(wait)).
  returned: always
  type: float
  sample: 28.4
name:
  description: The C(CephCluster)'s name.
  returned: always
  type: str
  sample: rook-ceph
namespace:
  description: The C(CephCluster)'s namespace.
  returned: always
  type: str
  sample: rook-ceph
external:
  description: Whether it is an external cluster (C(spec.external.enable)).
  returned: always
  type: bool
  sample: false
phase:
  description: C(status.phase) (C(Progressing), C(Ready), C(Connected), C(Failure), ...); null before the operator set one.
  returned: always
  type: str
  sample: Ready
state:
  description: C(status.state).
  returned: always
  type: str
  sample: Created
message:
  description: C(status.message), or why there is no C(CephCluster).
  returned: always
  type: str
  sample: Cluster created successfully
conditions:
  description: C(status.conditions) as Rook set them.
  returned: always
  type: list
  elements: dict
  sample:
    - {type: Ready, status: "True", reason: ClusterCreated, message: Cluster created successfully,
       lastHeartbeatTime: "2026-11-22T13:30:27Z", lastTransitionTime: "2026-11-22T13:30:16Z"}
health:
  description: C(status.ceph.health).
  returned: always
  type: str
  sample: HEALTH_OK
details:
  description: C(status.ceph.details), the raised health checks by name with C(message) and C(severity).
  returned: always
  type: dict
  sample: {MON_DOWN: {message: 1/3 mons down, quorum a,b, severity: HEALTH_WARN}}
capacity:
  description: C(status.ceph.capacity) (C(bytesTotal), C(bytesUsed), C(bytesAvailable), C(lastUpdated)).
  returned: always
  type: dict
  sample: {bytesTotal: 32212254720, bytesUsed: 504266752, bytesAvailable: 31707987968,
           lastUpdated: "2026-11-22T13:30:27Z"}
fsid:
  description: C(status.ceph.fsid).
  returned: always
  type: str
  sample: 35e4c80d-1bd8-4b65-93aa-3cb6014776d3
versions:
  description: C(status.ceph.versions), the count of daemons per Ceph version, per daemon type and C(overall).
  returned: always
  type: dict
version:
  description: C(status.version), the Ceph C(image) and C(version) the cluster runs.
  returned: always
  type: dict
  sample: {image: "quay.io/ceph/ceph:v20.2.4", version: 20.2.4-0}
ceph_image:
  description: C(spec.cephVersion.image), the Ceph image asked for.
  returned: always
  type: str
  sample: quay.io/ceph/ceph:v20.2.4
generation:
  description: C(metadata.generation) of the C(CephCluster).
  returned: always
  type: int
  sample: 1
observed_generation:
  description: C(status.observedGeneration), the generation the operator last reconciled.
  returned: always
  type: int
  sample: 1
deployments:
  description: The daemon Deployments labelled C(rook_cluster=NAMESPACE), mons, mgrs, OSDs, MDSes, radosgws first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The Deployment's name.
      type: str
    daemon_type:
      description: Its C(ceph_daemon_type) label (C(mon), C(mgr), C(osd), ...).
      type: str
    daemon_id:
      description: Its C(ceph_daemon_id) label.
      type: str
    rook_version:
      description: Its C(rook-version) label.
      type: str
    ceph_version:
      description: Its C(ceph-version) label.
      type: str
    image:
      description: The image of its first container.
      type: str
    replicas:
      description: The replicas it asks for.
      type: int
    ready_replicas:
      description: Its ready replicas.
      type: int
    available:
      description: Whether it is available (all replicas available).
      type: bool
    rolled_out:
      description: Whether its labels show the cluster's Ceph version and the operator's Rook version,
        its rollout is complete and it is available.
      type: bool
    pending:
      description: Why it is not rolled out (empty when it is).
      type: list
      elements: str
  sample:
    - {name: rook-ceph-mon-a, daemon_type: mon, daemon_id: a, rook_version: v1.20.6, ceph_version: 20.2.4-0,
       image: "quay.io/ceph/ceph:v20.2.4", replicas: 1, ready_replicas: 1, available: true, rolled_out: true,
       pending: []}
operator:
  description: The Rook operator's Deployment in O(operator_namespace); C(name) is null when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: The Deployment's name.
      type: str
    namespace:
      description: Its namespace.
      type: str
    image:
      description: The operator's image.
      type: str
    rook_version:
      description: The image's tag.
      type: str
    available:
      description: Whether the Deployment is available.
      type: bool
  sample: {name: rook-ceph-operator, namespace: rook-ceph, image: "docker.io/rook/ceph:v1.20.6",
           rook_version: v1.20.6, available: true}
summary:
  description: One line for people.
  returned: always
  type: str
  sample: rook-ceph Ready HEALTH_OK, ceph 20.2.4, 3 mon 2 mgr 3 osd 3 crashcollector 3 exporter, rook v1.20.6
clusters:
  description: The names of every C(CephCluster) of O(namespace) (none when Rook's CRDs are not applied).
  returned: when O(gather_subset) holds V(clusters)
  type: list
  elements: str
  sample: [rook-ceph]
storage_classes:
  description: Every C(StorageClass), as the API serves it.
  returned: when O(gather_subset) holds V(storage_classes)
  type: list
  elements: dict
snapshot_classes:
  description: Every C(VolumeSnapshotClass), as the API serves it.
  returned: when O(gather_subset) holds V(snapshot_classes)
  type: list
  elements: dict
snapshot_classes_served:
  description: Whether the API has the C(VolumeSnapshotClass) kind (C(snapshot.storage.k8s.io/v1)).
  returned: when O(gather_subset) holds V(snapshot_classes)
  type: bool
  sample: true
namespaces:
  description: The names of every namespace.
  returned: when O(gather_subset) holds V(namespaces)
  type: list
  elements: str
toolbox:
  description: The name of the toolbox pod found (the first C(Running) one, by name), or V(null).
  returned: when O(gather_subset) holds V(toolbox) or V(crush_map)
  type: str
  sample: rook-ceph-tools-5d8f7c9b4-x2k8q
object_stores:
  description: The C(CephObjectStore)s of O(namespace), as the API serves them.
  returned: when O(gather_subset) holds V(object_stores)
  type: list
  elements: dict
object_store_users:
  description: The C(CephObjectStoreUser)s of O(namespace), as the API serves them.
  returned: when O(gather_subset) holds V(object_store_users)
  type: list
  elements: dict
bucket_claims:
  description: The C(ObjectBucketClaim)s of every namespace, as the API serves them.
  returned: when O(gather_subset) holds V(bucket_claims)
  type: list
  elements: dict
rados_namespaces:
  description: The C(CephBlockPoolRadosNamespace)s of O(namespace), as the API serves them.
  returned: when O(gather_subset) holds V(rados_namespaces)
  type: list
  elements: dict
subvolume_groups:
  description: The C(CephFilesystemSubVolumeGroup)s of O(namespace), as the API serves them.
  returned: when O(gather_subset) holds V(subvolume_groups)
  type: list
  elements: dict
crush_map:
  description:
    - The CRUSH map (C(ceph osd crush dump)) read through the toolbox, or V(null) when no toolbox runs.
  returned: when O(gather_subset) holds V(crush_map)
  type: dict
  sample: {devices: [{id: 0, name: osd.0, class: hdd}], buckets: [{id: -1, name: default, type_name: root}]}
"""

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.koor.ceph.plugins.module_utils.kube import (
    HAS_KUBERNETES,
    KUBE_ARGSPEC,
    KUBERNETES_IMPORT_ERROR,
    Kube,
    KubeError,
)
from ansible_collections.koor.ceph.plugins.module_utils.rook_cluster import (
    CLUSTER_ARGSPEC,
    RookWaitTimeout,
    run,
    validate,
)


def main():
    spec = copy.deepcopy(KUBE_ARGSPEC)
    spec.update(copy.deepcopy(CLUSTER_ARGSPEC))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
    try:
        validate(module.params)
        result = run(Kube(module.params), module.params)
    except RookWaitTimeout as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except KubeError as exc:
        module.fail_json(changed=False, **exc.fail_kwargs())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
