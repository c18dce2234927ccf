# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Rook side of an assessment, read through the Kubernetes API (kube.py): the CephCluster (spec and
status), Rook's other custom resources, the operator's Deployment and settings, the Deployments and pods of
the cluster's namespace, the nodes, the PodDisruptionBudgets and the Kubernetes version. Trimmed to what the
checks read; no Secret is read, and settings whose name says secret are masked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils.assessment.gather import MASK, SECRET_OPTION
from ansible_collections.koor.ceph.plugins.module_utils.kube import ROOK_KINDS, KubeApiError

OPERATOR_CONFIG = "rook-ceph-operator-config"
# the operator's settings read from its environment and ConfigMap
OPERATOR_SETTINGS = ("ROOK_CEPH_STATUS_CHECK_INTERVAL", "ROOK_LOG_LEVEL", "ROOK_ENABLE_DISCOVERY_DAEMON",
                     "ROOK_CSI_ENABLE_RBD", "ROOK_CSI_ENABLE_CEPHFS", "ROOK_USE_CSI_OPERATOR",
                     "ROOK_UNREACHABLE_NODE_TOLERATION_SECONDS", "ROOK_HOSTPATH_REQUIRES_PRIVILEGED")


def _listed(collection):
    """The items, or None when the API has no such kind (its CRD is not applied: 404)."""
    try:
        return collection.list()[0]
    except KubeApiError as exc:
        if exc.status != 404:
            raise
        return None


def _meta(obj):
    meta = obj.get("metadata") or {}
    return {"name": meta.get("name"), "namespace": meta.get("namespace"), "generation": meta.get("generation"),
            "creationTimestamp": meta.get("creationTimestamp"), "deletionTimestamp": meta.get("deletionTimestamp"),
            "finalizers": meta.get("finalizers") or [], "labels": meta.get("labels") or {}}


def _resource(obj):
    status = obj.get("status") or {}
    return {"kind": obj.get("kind"), "metadata": _meta(obj), "spec": obj.get("spec") or {},
            "status": {"phase": status.get("phase"), "state": status.get("state"), "message": status.get("message"),
                       "version": status.get("version"), "ceph": {"health": (status.get("ceph") or {}).get("health")},
                       "conditions": [dict((k, c.get(k)) for k in ("type", "status", "reason", "message"))
                                      for c in status.get("conditions") or []]}}


def _containers(spec):
    return [{"name": c.get("name"), "image": c.get("image"),
             "env": dict((e["name"], e.get("value")) for e in c.get("env") or [] if e.get("name") in OPERATOR_SETTINGS)}
            for c in spec.get("containers") or []]


def _deployment(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    template = (spec.get("template") or {})
    return {"metadata": _meta(obj), "template_labels": (template.get("metadata") or {}).get("labels") or {},
            "containers": _containers(template.get("spec") or {}), "replicas": spec.get("replicas"),
            "readyReplicas": status.get("readyReplicas", 0), "availableReplicas": status.get("availableReplicas", 0)}


def _pod(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    containers = []
    for state in status.get("containerStatuses") or []:
        waiting = (state.get("state") or {}).get("waiting") or {}
        containers.append({"name": state.get("name"), "restartCount": state.get("restartCount", 0),
                           "ready": bool(state.get("ready")), "waiting": waiting.get("reason")})
    return {"metadata": _meta(obj), "node": spec.get("nodeName"), "phase": status.get("phase"), "containers": containers}


def _node(obj):
    status = obj.get("status") or {}
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    return {"name": (obj.get("metadata") or {}).get("name"), "ready": bool(ready) and ready[0].get("status") == "True",
            "unschedulable": bool((obj.get("spec") or {}).get("unschedulable")),
            "kubelet_version": (status.get("nodeInfo") or {}).get("kubeletVersion"),
            "memory": (status.get("capacity") or {}).get("memory")}


def _pdb(obj):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {"metadata": _meta(obj), "minAvailable": spec.get("minAvailable"), "maxUnavailable": spec.get("maxUnavailable"),
            "currentHealthy": status.get("currentHealthy"), "desiredHealthy": status.get("desiredHealthy"),
            "disruptionsAllowed": status.get("disruptionsAllowed")}


def collect(kube, namespace, operator_namespace):
    """The Rook reads as the bundle's ``rook`` section: {name: JSON}, and the errors of the reads that failed
    (a failure to reach the API raises)."""
    data, errors = {}, {}
    data["cephclusters"] = [_resource(o) for o in kube.collection("CephCluster", namespace).list()[0]]
    resources = []
    for kind in sorted(ROOK_KINDS) + ["CephObjectStore", "CephObjectStoreUser"]:
        items = _listed(kube.collection(kind, namespace))
        for obj in items or []:
            obj.setdefault("kind", kind)
            resources.append(_resource(obj))
    data["resources"] = resources
    namespaces = [namespace] + ([operator_namespace] if operator_namespace != namespace else [])
    data["deployments"] = [_deployment(o) for ns in namespaces for o in kube.collection("Deployment", ns).list()[0]]
    data["pods"] = [_pod(o) for o in kube.collection("Pod", namespace).list()[0]]
    data["nodes"] = [_node(o) for o in kube.collection("Node", None).list()[0]]
    pdbs = _listed(kube.collection("PodDisruptionBudget", namespace))
    data["pdbs"] = None if pdbs is None else [_pdb(o) for o in pdbs]
    if pdbs is None:
        errors["pdbs"] = "the API serves no PodDisruptionBudget (policy/v1)"
    config = kube.collection("ConfigMap", operator_namespace, field_selector="metadata.name=" + OPERATOR_CONFIG).list()[0]
    settings = (config[0].get("data") or {}) if config else {}
    data["operator_config"] = dict((k, MASK if SECRET_OPTION.search(k) else v) for k, v in settings.items())
    try:
        version = kube.version()
        data["kubernetes_version"] = dict((k, version.get(k)) for k in ("gitVersion", "major", "minor", "platform"))
    except KubeApiError as exc:
        data["kubernetes_version"] = None
        errors["kubernetes_version"] = "GET /version: %s" % exc
    data["target"] = {"namespace": namespace, "operator_namespace": operator_namespace}
    return data, errors
