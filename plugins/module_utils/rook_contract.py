# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection and the lab's Rook simulator both take from Rook, in one place, each fact with
the Rook file it was read from (paths in Rook's repository at the release's tag). Data only: the
filters, module_utils, the simulator and the contract tests (tests/unit/test_rook_contract.py,
tests/integration/test_rook_sim*.py) read it; nothing here decides anything."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Ceph's release names by major version (src/ceph_release of each Ceph release).
CEPH_RELEASES = {15: 'octopus', 16: 'pacific', 17: 'quincy', 18: 'reef', 19: 'squid', 20: 'tentacle', 21: 'umbrella'}

# Per Rook minor version, what its operator accepts and what its documentation supports.
#   operator_minimum: below it the operator refuses the image, allowUnsupported or not
#     (cluster/version.go validateCephVersion: "the version does not meet the minimum version").
#   operator_majors: the releases it runs without cephVersion.allowUnsupported (version.go
#     supportedVersions, compared by major only: Supported() / isRelease()).
#   documented: the support table of Documentation/Getting-Started/maintenance-and-support.md,
#     (release, oldest version) per release; the collection recommends only these.
#   kubernetes: the Kubernetes minors the same table gives the Rook series, (oldest, newest).
VERSION_GO = 'pkg/operator/ceph/version/version.go'
CLUSTER_VERSION_GO = 'pkg/operator/ceph/cluster/version.go'
SUPPORT_DOC = 'Documentation/Getting-Started/maintenance-and-support.md'
ROOK_CEPH = {
    '1.18': {'operator_minimum': (18, 2, 0), 'operator_majors': (18, 19, 20),
             'documented': (('reef', (18, 2, 0)), ('squid', (19, 2, 0)), ('tentacle', (20, 2, 0))),
             'kubernetes': ((1, 29), (1, 34)),
             'source': (VERSION_GO, CLUSTER_VERSION_GO, SUPPORT_DOC), 'release': 'v1.18.11'},
    '1.19': {'operator_minimum': (19, 2, 0), 'operator_majors': (19, 20),
             'documented': (('squid', (19, 2, 0)), ('tentacle', (20, 2, 1))),
             'kubernetes': ((1, 30), (1, 35)),
             'source': (VERSION_GO, CLUSTER_VERSION_GO, SUPPORT_DOC), 'release': 'v1.19.10'},
    '1.20': {'operator_minimum': (19, 2, 0), 'operator_majors': (19, 20),
             'documented': (('squid', (19, 2, 0)), ('tentacle', (20, 2, 1))),
             'kubernetes': ((1, 31), (1, 36)),
             'source': (VERSION_GO, CLUSTER_VERSION_GO, SUPPORT_DOC), 'release': 'v1.20.6'},
}

# Ceph releases Rook's documentation warns against, whichever Rook runs them
# (Documentation/Upgrade/ceph-upgrade.md, v1.20.6).
CEPH_KNOWN_BAD = {
    (20, 2, 0): 'a known data corruption issue when read affinity is enabled (Rook: Upgrade/ceph-upgrade.md)',
}

# The CephCluster status as the operator writes it (controller/conditions.go UpdateClusterCondition,
# cluster/cluster.go initializeCluster / configureLocalCephCluster).
CLUSTER_STATUS = {
    'source': ('pkg/operator/ceph/controller/conditions.go', 'pkg/operator/ceph/cluster/cluster.go'),
    # the phase is the type of the last condition written; the state follows from it, Error for a False one
    'states': {'Progressing': 'Creating', 'Ready': 'Created', 'Connecting': 'Connecting', 'Connected': 'Connected',
               'Deleting': 'Deleting', 'false': 'Error'},
    # conditions kept when another is written: these reasons and types; any other is dropped
    'persisted_reasons': ('ClusterCreated', 'ClusterConnected'),
    'persisted_types': ('Deleting', 'DeletionIsBlocked'),
    'ready': {'type': 'Ready', 'reason': 'ClusterCreated', 'message': 'Cluster created successfully'},
    'progressing_reason': 'ClusterProgressing',
    # a failed reconcile: condition Progressing=False, reason ClusterProgressing, the error as message
    'failed': {'phase': 'Progressing', 'state': 'Error', 'type': 'Progressing', 'status': 'False',
               'reason': 'ClusterProgressing'},
    # observedGeneration is written only with the Ready condition
    'observed_generation_with': 'Ready',
}

# Rook's ceph status checker writes status.ceph at start and then every this many seconds, unless the
# operator's environment (ROOK_CEPH_STATUS_CHECK_INTERVAL) or the CephCluster
# (healthCheck.daemonHealth.status.interval) says otherwise (pkg/operator/ceph/cluster/cephstatus.go).
STATUS_CHECK = {'default_seconds': 60, 'env': 'ROOK_CEPH_STATUS_CHECK_INTERVAL',
                'spec_path': ('healthCheck', 'daemonHealth', 'status', 'interval'),
                'source': 'pkg/operator/ceph/cluster/cephstatus.go'}

# The error texts of the operator's Ceph version checks (cluster/version.go, cluster/cluster.go:
# configureLocalCephCluster wraps them in "failed the ceph version check: ").
VERSION_CHECK_PREFIX = 'failed the ceph version check: '
VERSION_BELOW_MINIMUM = 'the version does not meet the minimum version "%s"'
VERSION_NEEDS_ALLOW = 'allowUnsupported must be set to true to run with this version "%s"'
UPGRADE_UNHEALTHY = ('ceph status in namespace %s is not healthy, refusing to upgrade. Either fix the health issue or '
                     'force an update by setting skipUpgradeChecks to true in the cluster CR')
# Rook's upgrade health gate passes HEALTH_OK and HEALTH_WARN (daemon/ceph/client/status.go isCephHealthy).
UPGRADE_HEALTHY = ('HEALTH_OK', 'HEALTH_WARN')

# While cleanupPolicy.confirmation holds this, the operator orchestrates nothing
# (cluster/controller.go, predicate.go; CRDs/Cluster/ceph-cluster-crd.md).
CLEANUP_CONFIRMATION = 'yes-really-destroy-data'

# Drivers and provisioners, by the namespace they are named after.
PROVISIONERS = {
    'rbd': '{operator_namespace}.rbd.csi.ceph.com',  # deploy/examples/csi-operator.yaml, storageclass.yaml
    'cephfs': '{operator_namespace}.cephfs.csi.ceph.com',
    'bucket': '{cluster_namespace}.ceph.rook.io/bucket',  # object/bucket/provisioner.go
}

# The labels of the daemons' Deployments the roles select on: app and rook_cluster (controller/spec.go
# AppLabels), ceph_daemon_type and ceph_daemon_id (spec.go daemonTypeLabel, DaemonIDLabel), ceph-version
# and rook-version (what Rook writes on each daemon Deployment as it rolls: Upgrade/health-verification.md).
DAEMON_LABELS = ('app', 'rook_cluster', 'ceph_daemon_type', 'ceph_daemon_id', 'ceph-version', 'rook-version')

# The ServiceAccounts of a CephCluster's own pods, in the cluster's namespace (deploy/examples/common.yaml,
# the ServiceAccounts marked `# namespace:cluster`; the daemons' pod specs in controller/spec.go and the
# daemon packages name them): without them Rook's pods are refused and the cluster never comes up.
CLUSTER_SERVICE_ACCOUNTS = {
    'rook-ceph-default': 'mons, MDSes, crash collectors, exporters, the toolbox',
    'rook-ceph-mgr': 'mgrs',
    'rook-ceph-osd': 'OSDs and their prepare jobs',
    'rook-ceph-rgw': 'radosgws',
    'rook-ceph-cmd-reporter': "the Ceph version job (cluster/version.go)",
}
# The ServiceAccount each daemon's pods run as (the daemons' pod specs: mon/mds/rgw/mgr/osd spec.go,
# nodedaemon crash.go and exporter.go; k8sutil DefaultServiceAccount).
DAEMON_SERVICE_ACCOUNTS = {'mon': 'rook-ceph-default', 'mgr': 'rook-ceph-mgr', 'osd': 'rook-ceph-osd',
                           'mds': 'rook-ceph-default', 'rgw': 'rook-ceph-rgw', 'crashcollector': 'rook-ceph-default',
                           'exporter': 'rook-ceph-default'}

# The operator's settings: the ConfigMap rook-ceph-operator-config in the operator's namespace wins over the
# operator container's environment, which wins over the default (k8sutil.GetOperatorSetting; deploy/examples/
# operator.yaml). Booleans are read with Go's strconv.ParseBool; anything else is the default (controller/
# controller_utils.go SetAllowLoopDevices logs "set to an invalid value").
OPERATOR_CONFIG = {'configmap': 'rook-ceph-operator-config',
                   'source': ('pkg/operator/k8sutil/k8sutil.go', 'pkg/operator/ceph/controller/controller_utils.go',
                              'deploy/examples/operator.yaml')}
GO_TRUE = ('1', 't', 'T', 'TRUE', 'true', 'True')
GO_FALSE = ('0', 'f', 'F', 'FALSE', 'false', 'False')

# Loop devices for OSDs (test clusters): only with ROOK_CEPH_ALLOW_LOOP_DEVICES true (default "false" in
# operator.yaml, allowLoopDevices in the rook-ceph chart); without it the OSD prepare does not even discover
# them ("unsupported diskType loop", pkg/clusterd/disk.go). With it a loop device is used only when named in
# `devices`: useAllDevices, deviceFilter and devicePathFilter never pick one (pkg/daemon/ceph/osd/daemon.go
# getAvailableDevices). The CephCluster status says nothing of it but the OSD count.
LOOP_DEVICES = {'setting': 'ROOK_CEPH_ALLOW_LOOP_DEVICES', 'default': 'false', 'chart_value': 'allowLoopDevices',
                'not_picked_by': ('useAllDevices', 'deviceFilter', 'devicePathFilter'),
                'source': ('pkg/clusterd/disk.go', 'pkg/daemon/ceph/osd/daemon.go', 'deploy/examples/operator.yaml',
                           'deploy/charts/rook-ceph/values.yaml')}

# The Secrets the operator makes in the CephCluster's namespace once the mons run, for the CSI drivers
# (pkg/operator/ceph/csi/secrets.go createOrUpdateCSISecret, called from cluster/cluster.go postMonStartupActions;
# none with spec.csi.skipUserCreation): {Secret: (cephx user, id key, key key, caps)}. The StorageClasses name
# them (csi.storage.k8s.io/*-secret-name, deploy/examples/csi/{rbd,cephfs}/storageclass.yaml).
CSI_SECRETS_SOURCE = ('pkg/operator/ceph/csi/secrets.go', 'pkg/operator/ceph/cluster/cluster.go')
CSI_SECRETS = {
    'rook-csi-rbd-provisioner': ('client.csi-rbd-provisioner', 'userID', 'userKey',
                                 (('mon', "profile rbd, allow command 'osd blocklist'"), ('mgr', 'allow rw'),
                                  ('osd', 'profile rbd'))),
    'rook-csi-rbd-node': ('client.csi-rbd-node', 'userID', 'userKey',
                          (('mon', 'profile rbd'), ('mgr', 'allow rw'), ('osd', 'profile rbd'))),
    'rook-csi-cephfs-provisioner': ('client.csi-cephfs-provisioner', 'adminID', 'adminKey',
                                    (('mon', "allow r, allow command 'osd blocklist'"), ('mgr', 'allow rw'),
                                     ('osd', 'allow rw tag cephfs metadata=*'), ('mds', 'allow *'))),
    'rook-csi-cephfs-node': ('client.csi-cephfs-node', 'adminID', 'adminKey',
                             (('mon', 'allow r'), ('mgr', 'allow rw'), ('osd', 'allow rw tag cephfs *=*'),
                              ('mds', 'allow rw'))),
}
# Which Secret each StorageClass parameter names, per driver (deploy/examples/csi/*/storageclass.yaml; the
# VolumeSnapshotClasses' snapshotter secret is the provisioner's, deploy/examples/csi/*/snapshotclass.yaml).
CSI_SECRET_PARAMETERS = {
    'rbd': {'csi.storage.k8s.io/provisioner-secret-name': 'rook-csi-rbd-provisioner',
            'csi.storage.k8s.io/controller-expand-secret-name': 'rook-csi-rbd-provisioner',
            'csi.storage.k8s.io/controller-publish-secret-name': 'rook-csi-rbd-provisioner',
            'csi.storage.k8s.io/node-stage-secret-name': 'rook-csi-rbd-node'},
    'cephfs': {'csi.storage.k8s.io/provisioner-secret-name': 'rook-csi-cephfs-provisioner',
               'csi.storage.k8s.io/controller-expand-secret-name': 'rook-csi-cephfs-provisioner',
               'csi.storage.k8s.io/controller-publish-secret-name': 'rook-csi-cephfs-provisioner',
               'csi.storage.k8s.io/node-stage-secret-name': 'rook-csi-cephfs-node'},
}
CSI_SNAPSHOTTER_SECRET = {'rbd': 'rook-csi-rbd-provisioner', 'cephfs': 'rook-csi-cephfs-provisioner'}

# The per-node daemons of the node controller (pkg/operator/ceph/cluster/nodedaemon: reconcile.go, crash.go,
# exporter.go, add.go, keyring.go): a Deployment per Node that runs a pod of one of NODE_DAEMON_CEPH_APPS, removed
# from a Node that runs none; skipped (and removed) when the CephCluster disables them. A Node is reconciled when
# an event concerns it (a Ceph pod made or gone on it, its spec, its crash collector's Deployment; every Node at
# the operator's start). Their labels carry rook_cluster, ceph-version (the CephCluster's status.version once it
# is of the spec's image) and rook-version, so Rook's upgrade check (Upgrade/ceph-upgrade.md: one ceph-version
# over every Deployment labelled rook_cluster) counts them. Their keyrings: the Secrets keyring_secret of user.
NODE_DAEMONS_SOURCE = ('pkg/operator/ceph/cluster/nodedaemon/reconcile.go', 'pkg/operator/ceph/cluster/nodedaemon/crash.go',
                       'pkg/operator/ceph/cluster/nodedaemon/exporter.go', 'pkg/operator/ceph/cluster/nodedaemon/add.go',
                       'pkg/operator/ceph/cluster/nodedaemon/keyring.go')
NODE_DAEMON_CEPH_APPS = ('rook-ceph-mon', 'rook-ceph-mgr', 'rook-ceph-osd', 'rook-ceph-rgw', 'rook-ceph-mds',
                         'rook-ceph-rbd-mirror', 'rook-ceph-fs-mirror')
NODE_DAEMONS = {
    'crashcollector': {'app': 'rook-ceph-crashcollector', 'name': 'rook-ceph-crashcollector-%s', 'daemon_id': 'crash',
                       'disabled_by': ('crashCollector', 'disable'), 'keyring_secret': 'rook-ceph-crash-collector-keyring',
                       'user': 'client.crash', 'caps': (('mon', 'allow profile crash'), ('mgr', 'allow rw'))},
    'exporter': {'app': 'rook-ceph-exporter', 'name': 'rook-ceph-exporter-%s', 'daemon_id': 'exporter',
                 'disabled_by': ('monitoring', 'metricsDisabled'), 'keyring_secret': 'rook-ceph-exporter-keyring',
                 'user': 'client.ceph-exporter', 'minimum_ceph': (18, 0, 0),
                 'caps': (('mon', 'allow profile ceph-exporter'), ('mgr', 'allow r'), ('osd', 'allow r'), ('mds', 'allow r'))},
}
# the labels every node daemon's Deployment has (beside app and the ones above): the node's
NODE_DAEMON_LABELS = ('kubernetes.io/hostname', 'node_name', 'rook_cluster', 'ceph_daemon_id', 'ceph-version', 'rook-version')

# ObjectBucketClaims as Rook's bucket provisioner (kube-object-storage/lib-bucket-provisioner pkg/provisioner:
# controller.go, helpers.go; Rook's pkg/operator/ceph/object/bucket: provisioner.go, util.go) handles them: the
# claim goes Pending, gets the finalizer and the provisioner label, a generated name is written to spec.bucketName
# before the bucket is made ("<prefix>-<uuid4>", a prefix over 27 characters cut to 26), the bucket's owner is
# the user obc-<namespace>-<claim> (max-buckets 1) with the claim's additionalConfig quotas (Kubernetes
# quantities) as its user quota; a claim that cannot be bound yet stays Pending and is retried with the work
# queue's exponential back-off (5 ms doubling to 1000 s). Only these additionalConfig keys are allowed unless
# the operator setting says otherwise (deploy/examples/operator.yaml).
OBC = {'finalizer': 'objectbucket.io/finalizer', 'label': 'bucket-provisioner', 'object_bucket': 'obc-{namespace}-{name}',
       'user': 'obc-{namespace}-{name}', 'prefix_max': 27, 'prefix_cut': 26,
       'allowed_setting': 'ROOK_OBC_ALLOW_ADDITIONAL_CONFIG_FIELDS', 'allowed_default': ('maxObjects', 'maxSize'),
       'quota_keys': {'maxObjects': 'max_objects', 'maxSize': 'max_size'},
       'backoff': {'base_seconds': 0.005, 'max_seconds': 1000},
       'source': ('lib-bucket-provisioner pkg/provisioner/controller.go', 'lib-bucket-provisioner pkg/provisioner/helpers.go',
                  'pkg/operator/ceph/object/bucket/provisioner.go', 'pkg/operator/ceph/object/bucket/util.go')}
