# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evaluators of the Rook checks (checks.py, mode rook): the CephCluster's spec, Rook's other custom
resources, the operator and toolbox, pods, nodes and PodDisruptionBudgets, as rook_gather.py read them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils import rook_contract
from ansible_collections.koor.ceph.plugins.module_utils.assessment import releases
from ansible_collections.koor.ceph.plugins.module_utils.assessment.facts import version_tuple
from ansible_collections.koor.ceph.plugins.module_utils.assessment.rules import OPS, NotEvaluated


def _rook(facts):
    rook = facts.get("rook")
    if rook is None:
        raise NotEvaluated("no Rook reads (the assessment did not run in Rook mode)")
    return rook


def _cluster(facts):
    rook = _rook(facts)
    if rook["cluster"] is None:
        raise NotEvaluated("no CephCluster in namespace %s" % rook["target"].get("namespace"))
    return rook["cluster"]


def _where(obj):
    meta = obj["metadata"]
    return "%s %s/%s (Kubernetes API)" % (obj.get("kind") or "CephCluster", meta.get("namespace"), meta.get("name"))


def _dig(obj, path):
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def rook_spec(facts, params, thresholds):
    """One field of the CephCluster's spec (``path``) compared (``op``) with ``value`` (absent: ``default``)."""
    cluster = _cluster(facts)
    value = _dig(cluster["spec"], params["path"])
    if value is None:
        value = params.get("default")
    other = thresholds[params["value"]["threshold"]] if isinstance(params["value"], dict) else params["value"]
    if not OPS[params["op"]](value, other):
        return []
    evidence = [{"source": _where(cluster), "field": "spec." + params["path"], "value": value}]
    return [{"subject": "cephcluster %s" % cluster["metadata"]["name"],
             "message": params["message"].format(name=cluster["metadata"]["name"], value=value), "evidence": evidence}]


def rook_data_dir(facts, params, thresholds):
    rook = _rook(facts)
    hits = []
    paths = {}
    for cluster in rook["clusters"]:
        path = cluster["spec"].get("dataDirHostPath")
        paths.setdefault(path, []).append(cluster["metadata"]["name"])
        if not path:
            hits.append({"subject": "cephcluster %s" % cluster["metadata"]["name"],
                         "message": "CephCluster %s has no dataDirHostPath: the mons' data does not survive a pod restart"
                         % cluster["metadata"]["name"],
                         "evidence": [{"source": _where(cluster), "field": "spec.dataDirHostPath", "value": path}]})
    for path, names in sorted((p, n) for p, n in paths.items() if p and len(n) > 1):
        hits.append({"subject": "dataDirHostPath %s" % path, "message": "CephClusters %s share dataDirHostPath %s"
                     % (", ".join(names), path),
                     "evidence": [{"source": "CephClusters (Kubernetes API)", "field": "spec.dataDirHostPath", "value": path}]})
    return hits


def rook_pdbs(facts, params, thresholds):
    rook = _rook(facts)
    cluster = _cluster(facts)
    manage = (cluster["spec"].get("disruptionManagement") or {}).get("managePodBudgets")
    if rook["pdbs"] is None:
        raise NotEvaluated("the API serves no PodDisruptionBudget")
    if manage and rook["pdbs"]:
        return []
    return [{"subject": "cephcluster %s" % cluster["metadata"]["name"],
             "message": "no PodDisruptionBudgets guard the Ceph daemons (managePodBudgets %s, %d PDBs in %s): a node "
                        "drain can stop several OSDs or mons at once"
                        % (manage, len(rook["pdbs"]), cluster["metadata"]["namespace"]),
             "evidence": [{"source": _where(cluster), "field": "spec.disruptionManagement.managePodBudgets", "value": manage},
                          {"source": "PodDisruptionBudgets in %s (Kubernetes API)" % cluster["metadata"]["namespace"],
                           "field": "names", "value": sorted(p["metadata"]["name"] for p in rook["pdbs"])}]}]


def rook_toolbox_image(facts, params, thresholds):
    rook = _rook(facts)
    _cluster(facts)
    toolbox = rook["toolbox"]
    if toolbox is None or not rook["ceph_image"] or toolbox["image"] == rook["ceph_image"]:
        return []
    return [{"subject": "deployment %s" % toolbox["name"], "message": "the toolbox runs %s, the cluster %s: its ceph CLI "
             "may not match the daemons" % (toolbox["image"], rook["ceph_image"]),
             "evidence": [{"source": "Deployment %s (Kubernetes API)" % toolbox["name"], "field": "containers[0].image",
                           "value": toolbox["image"]},
                          {"source": _where(rook["cluster"]), "field": "spec.cephVersion.image", "value": rook["ceph_image"]}]}]


def rook_cleanup(facts, params, thresholds):
    cluster = _cluster(facts)
    confirmation = (cluster["spec"].get("cleanupPolicy") or {}).get("confirmation")
    if not confirmation:
        return []
    return [{"subject": "cephcluster %s" % cluster["metadata"]["name"],
             "message": "cleanupPolicy.confirmation is %r: deleting the CephCluster wipes its data, and while it is %r "
                        "the operator orchestrates nothing" % (confirmation, rook_contract.CLEANUP_CONFIRMATION),
             "evidence": [{"source": _where(cluster), "field": "spec.cleanupPolicy.confirmation", "value": confirmation}]}]


def rook_deleting(facts, params, thresholds):
    rook = _rook(facts)
    hits = []
    for obj in rook["clusters"] + rook["resources"]:
        stamp = obj["metadata"].get("deletionTimestamp")
        if stamp:
            hits.append({"subject": "%s %s" % ((obj.get("kind") or "CephCluster").lower(), obj["metadata"]["name"]),
                         "message": "%s %s is being deleted since %s, held by finalizers %s" % (
                             obj.get("kind") or "CephCluster", obj["metadata"]["name"], stamp,
                             ", ".join(obj["metadata"]["finalizers"]) or "none"),
                         "evidence": [{"source": _where(obj), "field": "metadata.deletionTimestamp", "value": stamp},
                                      {"source": _where(obj), "field": "metadata.finalizers",
                                       "value": obj["metadata"]["finalizers"]}]})
    return hits


def rook_ceph_support(facts, params, thresholds):
    rook = _rook(facts)
    _cluster(facts)
    operator = rook["operator"]
    if operator is None or not operator["rook_version"]:
        raise NotEvaluated("no Rook operator Deployment found (its version decides the support table)")
    table = releases.rook_support(operator["rook_version"])
    version = version_tuple(rook["ceph_version"])
    if table is None or version is None:
        raise NotEvaluated("no support table for Rook %s or no Ceph version (%s)"
                           % (operator["rook_version"], rook["ceph_version"]))
    name = releases.release_name(version)
    documented = dict(table["documented"])
    evidence = [{"source": "Deployment %s (Kubernetes API)" % operator["name"], "field": "image", "value": operator["image"]},
                {"source": _where(rook["cluster"]), "field": "status.version / spec.cephVersion.image",
                 "value": rook["ceph_version"]},
                {"source": "rook_contract.ROOK_CEPH[%s]" % ".".join(operator["rook_version"].lstrip("v").split(".")[:2]),
                 "field": "documented", "value": ["%s >= %s" % (r, ".".join(str(p) for p in v)) for r, v in table["documented"]]}]
    if version < table["operator_minimum"]:
        why = "below the operator's minimum %s: the operator refuses it" % ".".join(str(p) for p in table["operator_minimum"])
    elif name not in documented or version < documented[name]:
        why = "outside Rook %s's documented releases" % operator["rook_version"]
    else:
        return []
    return [{"subject": "ceph %s" % rook["ceph_version"], "message": "Ceph %s under Rook %s: %s" % (
        rook["ceph_version"], operator["rook_version"], why), "evidence": evidence}]


def rook_kubernetes_support(facts, params, thresholds):
    """The Kubernetes version (GET /version) against the Kubernetes minors Rook's support table gives the
    operator's Rook series (rook_contract ROOK_CEPH[minor]['kubernetes'])."""
    rook = _rook(facts)
    operator = rook["operator"]
    if operator is None or not operator["rook_version"]:
        raise NotEvaluated("no Rook operator Deployment found (its version decides the support table)")
    table = releases.rook_support(operator["rook_version"])
    version = rook.get("kubernetes_version") or {}
    try:
        have = (int(version.get("major")), int(str(version.get("minor")).rstrip("+")))
    except (TypeError, ValueError):
        raise NotEvaluated("no Kubernetes version (GET /version: %s)" % (version or "not read"))
    if table is None:
        raise NotEvaluated("no support table for Rook %s" % operator["rook_version"])
    oldest, newest = table["kubernetes"]
    if oldest <= have <= newest:
        return []
    span = "v%d.%d - v%d.%d" % (oldest + newest)
    evidence = [{"source": "GET /version (Kubernetes API)", "field": "gitVersion", "value": version.get("gitVersion")},
                {"source": "Deployment %s (Kubernetes API)" % operator["name"], "field": "image", "value": operator["image"]},
                {"source": "rook_contract.ROOK_CEPH[%s] (%s)" % (
                    ".".join(operator["rook_version"].lstrip("v").split(".")[:2]), rook_contract.SUPPORT_DOC),
                 "field": "kubernetes", "value": span}]
    return [{"subject": "kubernetes v%d.%d" % have, "message": "Kubernetes v%d.%d is %s Rook %s's supported %s" % (
        have + ("older than" if have < oldest else "newer than", operator["rook_version"], span)),
        "evidence": evidence}]


def rook_pods(facts, params, thresholds):
    rook = _rook(facts)
    limit = thresholds["pod_restarts_warning"]
    hits = []
    for pod in rook["pods"]:
        name = pod["metadata"]["name"]
        if params["which"] == "restarts":
            restarts = dict((c["name"], c["restartCount"]) for c in pod["containers"] if c["restartCount"] >= limit)
            if restarts:
                hits.append({"subject": "pod %s" % name, "message": "pod %s restarted %s" % (
                    name, ", ".join("%s %d times" % kv for kv in sorted(restarts.items()))),
                    "evidence": [{"source": "Pod %s (Kubernetes API)" % name, "field": "containerStatuses[%s].restartCount" % c,
                                  "value": n} for c, n in sorted(restarts.items())]
                    + [{"source": "threshold", "field": "pod_restarts_warning", "value": limit}]})
        else:
            waiting = [c for c in pod["containers"] if c["waiting"]]
            if pod["phase"] not in ("Running", "Succeeded") or waiting:
                hits.append({"subject": "pod %s" % name, "message": "pod %s is %s%s" % (
                    name, pod["phase"], "".join(", %s %s" % (c["name"], c["waiting"]) for c in waiting)),
                    "evidence": [{"source": "Pod %s (Kubernetes API)" % name, "field": "status.phase", "value": pod["phase"]}]
                    + [{"source": "Pod %s (Kubernetes API)" % name, "field": "containerStatuses[%s].state.waiting.reason"
                        % c["name"], "value": c["waiting"]} for c in waiting]})
    return hits


def rook_nodes(facts, params, thresholds):
    rook = _rook(facts)
    return [{"subject": "node %s" % n["name"], "message": "node %s is %s" % (
        n["name"], "not Ready" if not n["ready"] else "unschedulable (cordoned)"),
        "evidence": [{"source": "Node %s (Kubernetes API)" % n["name"], "field": "Ready", "value": n["ready"]},
                     {"source": "Node %s (Kubernetes API)" % n["name"], "field": "spec.unschedulable", "value": n["unschedulable"]}]}
        for n in rook["nodes"] if not n["ready"] or n["unschedulable"]]


def rook_deployments(facts, params, thresholds):
    rook = _rook(facts)
    hits = []
    for dep in rook["deployments"]:
        wanted = 1 if dep["replicas"] is None else dep["replicas"]
        if dep["availableReplicas"] < wanted:
            name = dep["metadata"]["name"]
            hits.append({"subject": "deployment %s" % name, "message": "deployment %s has %d of %d replicas available"
                         % (name, dep["availableReplicas"], wanted),
                         "evidence": [{"source": "Deployment %s/%s (Kubernetes API)" % (dep["metadata"]["namespace"], name),
                                       "field": "status.availableReplicas", "value": dep["availableReplicas"]},
                                      {"source": "Deployment %s/%s (Kubernetes API)" % (dep["metadata"]["namespace"], name),
                                       "field": "spec.replicas", "value": wanted}]})
    return hits


def rook_phases(facts, params, thresholds):
    rook = _rook(facts)
    hits = []
    for obj in rook["clusters"] + rook["resources"]:
        phase = obj["status"].get("phase")
        if phase in params["good"] or obj["metadata"].get("deletionTimestamp"):
            continue
        kind = obj.get("kind") or "CephCluster"
        hits.append({"subject": "%s %s" % (kind.lower(), obj["metadata"]["name"]),
                     "message": "%s %s is %s%s" % (kind, obj["metadata"]["name"], phase or "without a phase",
                                                   ": %s" % obj["status"]["message"] if obj["status"].get("message") else ""),
                     "evidence": [{"source": _where(obj), "field": "status.phase", "value": phase}]})
    return hits


RULES = dict((fn.__name__, fn) for fn in (
    rook_spec, rook_data_dir, rook_pdbs, rook_toolbox_image, rook_cleanup, rook_deleting, rook_ceph_support,
    rook_kubernetes_support, rook_pods,
    rook_nodes, rook_deployments, rook_phases))
