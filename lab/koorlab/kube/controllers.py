"""The lab's built-in workload controller (a stand-in for kube-controller-manager and kubelet).

There is no kube-controller-manager and no kubelet in the lab, so this small controller,
running inside the lab API process, does the least that makes workloads look alive:

- Deployments: a ReplicaSet per pod template (``<deployment>-<pod-template-hash>``, the template and
  selector with the pod-template-hash label, owned by the Deployment), the ReplicaSets of earlier
  templates scaled to 0 at once; status replicas/updatedReplicas/readyReplicas/availableReplicas,
  observedGeneration and the Available/Progressing conditions. No rolling update: the old pods go
  and the new ones come in one pass; no revision annotations.
- ReplicaSets: one Pod per replica from the template (labels incl. pod-template-hash,
  annotations such as lab.koor.io/exec, spec, an owner reference), surplus pods deleted; status
  replicas/fullyLabeledReplicas/readyReplicas/availableReplicas/observedGeneration.
- Pods ("kubelet"): a Pending pod becomes Running and Ready at once, with a container status
  per container, unless it carries the annotation lab.koor.io/kubelet: manual (then whoever
  created it, e.g. the Rook simulator, owns its status).
- Jobs: marked Complete (succeeded = completions) without running anything.
- StatefulSets and DaemonSets are not run (no pods, no status): each gets a Warning Event, reason
  NotSimulated, saying so, since a wait for one (helm --wait, kubectl rollout status) can only time out.
"""

import hashlib
import json

from .patch import clone
from .api import ApiError, Options, now, random_suffix

MANAGER = "lab-workload-controller"
KUBELET_ANNOTATION = "lab.koor.io/kubelet"


class WorkloadController:

    def __init__(self, cluster, stopping):
        self.cluster = cluster
        self.stopping = stopping
        self.opts = Options(field_manager=MANAGER)
        self.types = {name: cluster.types[key] for name, key in (
            ("pods", ("", "pods")), ("deployments", ("apps", "deployments")), ("replicasets", ("apps", "replicasets")),
            ("jobs", ("batch", "jobs")), ("statefulsets", ("apps", "statefulsets")),
            ("daemonsets", ("apps", "daemonsets")), ("events", ("", "events")))}

    def run(self):
        seen = -1
        while not self.stopping.is_set():
            with self.cluster.cond:
                if self.cluster.rv == seen:
                    self.cluster.cond.wait(1.0)
                if self.cluster.rv == seen:
                    continue
                seen = self.cluster.rv  # writes of this pass trigger one more (which should find nothing to do)
                try:
                    self.reconcile()
                except ApiError as exc:
                    print("lab workload controller: %s" % exc.message)

    def _objects(self, name):
        return list(self.cluster.objects[self.types[name].key].values())

    def reconcile(self):
        for deploy in self._objects("deployments"):
            if not deploy["metadata"].get("deletionTimestamp"):
                self._deployment(deploy)
        deployments = {d["metadata"]["uid"] for d in self._objects("deployments")}
        for replicaset in self._objects("replicasets"):  # those no Deployment controls
            refs = replicaset["metadata"].get("ownerReferences") or []
            if not replicaset["metadata"].get("deletionTimestamp") and not any(
                    r.get("controller") and r.get("uid") in deployments for r in refs):
                self._replicaset_pods(replicaset)
        for pod in self._objects("pods"):
            self._kubelet(pod)
        for job in self._objects("jobs"):
            self._job(job)
        for name in ("statefulsets", "daemonsets"):
            for workload in self._objects(name):
                self._not_simulated(workload)

    # --- deployments and replica sets --------------------------------------------------------------

    def _controlled_by(self, name, owner):
        uid, namespace = owner["metadata"]["uid"], owner["metadata"]["namespace"]
        return [o for o in self._objects(name) if o["metadata"].get("namespace") == namespace and any(
            r.get("uid") == uid and r.get("controller") for r in o["metadata"].get("ownerReferences") or [])]

    def _deployment(self, deploy):
        cluster = self.cluster
        rs_type, pods_type = self.types["replicasets"], self.types["pods"]
        meta, spec = deploy["metadata"], deploy.get("spec") or {}
        namespace = meta["namespace"]
        template = spec.get("template") or {}
        template_hash = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        wanted = int(spec.get("replicas", 1))
        # pods a Deployment owns itself (the controller before it made ReplicaSets): replaced
        for pod in self._controlled_by("pods", deploy):
            if not pod["metadata"].get("deletionTimestamp"):
                cluster.delete(pods_type, "v1", namespace, pod["metadata"]["name"], self.opts)
        name = "%s-%s" % (meta["name"], template_hash)
        sets = [rs for rs in self._controlled_by("replicasets", deploy) if not rs["metadata"].get("deletionTimestamp")]
        current = next((rs for rs in sets if rs["metadata"]["name"] == name), None)
        if current is None:
            current = cluster.create(rs_type, "v1", namespace, self._replicaset(deploy, name, template, template_hash,
                                                                                wanted), self.opts)
        elif (current.get("spec") or {}).get("replicas") != wanted:
            current = cluster.patch(rs_type, "v1", namespace, name, "merge", {"spec": {"replicas": wanted}}, self.opts)
        earlier = sorted((rs for rs in sets if rs["metadata"]["name"] != name),
                         key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"]))
        for old in earlier:  # the ReplicaSets of earlier templates: scaled to 0 at once (their pods go)
            if (old.get("spec") or {}).get("replicas") != 0:
                cluster.patch(rs_type, "v1", namespace, old["metadata"]["name"], "merge", {"spec": {"replicas": 0}},
                              self.opts)
        for old in earlier[:max(0, len(earlier) - int(spec.get("revisionHistoryLimit", 10)))]:
            cluster.delete(rs_type, "v1", namespace, old["metadata"]["name"], self.opts)
        for replicaset in self._controlled_by("replicasets", deploy):
            self._replicaset_pods(replicaset)
        all_pods = [p for rs in self._controlled_by("replicasets", deploy) for p in self._controlled_by("pods", rs)
                    if not p["metadata"].get("deletionTimestamp")]
        updated = [p for p in all_pods if p["metadata"].get("labels", {}).get("pod-template-hash") == template_hash]
        ready = sum(1 for p in updated if _pod_ready(p))
        generation = meta.get("generation", 1)
        complete = ready >= wanted and len(all_pods) == len(updated)
        old = deploy.get("status") or {}
        stamp = now()
        conditions = []
        for ctype, status, reason, message in (
                ("Available", "True" if ready >= wanted else "False",
                 "MinimumReplicasAvailable" if ready >= wanted else "MinimumReplicasUnavailable",
                 "Deployment has minimum availability." if ready >= wanted else "Deployment does not have minimum "
                 "availability."),
                ("Progressing", "True", "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                 'ReplicaSet "%s" has successfully progressed.' % name if complete
                 else 'ReplicaSet "%s" is progressing.' % name)):
            previous = next((c for c in old.get("conditions") or [] if c.get("type") == ctype), {})
            same = previous.get("status") == status and previous.get("reason") == reason
            conditions.append({"type": ctype, "status": status, "reason": reason, "message": message,
                               "lastUpdateTime": previous.get("lastUpdateTime") if same else stamp,
                               "lastTransitionTime": previous.get("lastTransitionTime")
                               if previous.get("status") == status else stamp})
        status = {"observedGeneration": generation, "replicas": len(all_pods), "updatedReplicas": len(updated),
                  "readyReplicas": ready, "availableReplicas": ready, "conditions": conditions}
        if wanted - ready > 0:
            status["unavailableReplicas"] = wanted - ready
        for key in ("readyReplicas", "availableReplicas"):
            if not status[key]:
                del status[key]
        if status != old:
            new = clone(cluster.objects[self.types["deployments"].key][(namespace, meta["name"])])
            new["status"] = status
            cluster.update(self.types["deployments"], "v1", namespace, meta["name"], new, self.opts,
                           subresource="status")

    @staticmethod
    def _replicaset(deploy, name, template, template_hash, replicas):
        """The ReplicaSet of a Deployment's template, as kube-controller-manager names and labels it."""
        meta, spec = deploy["metadata"], deploy.get("spec") or {}
        template = clone(template)
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = dict(tmeta.get("labels") or {}, **{"pod-template-hash": template_hash})
        selector = clone(spec.get("selector") or {})
        selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{"pod-template-hash": template_hash})
        return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": name, "labels": tmeta["labels"],
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"],
                                                  "uid": meta["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": {"replicas": replicas, "selector": selector, "template": template}}

    def _replicaset_pods(self, replicaset):
        """One Pod per replica of a ReplicaSet (surplus pods deleted), and its status."""
        cluster, pods_type = self.cluster, self.types["pods"]
        meta, spec = replicaset["metadata"], replicaset.get("spec") or {}
        namespace = meta["namespace"]
        live = [p for p in self._controlled_by("pods", replicaset) if not p["metadata"].get("deletionTimestamp")]
        wanted = int(spec.get("replicas", 1))
        for pod in live[wanted:]:
            cluster.delete(pods_type, "v1", namespace, pod["metadata"]["name"], self.opts)
        live = live[:wanted]
        for _missing in range(wanted - len(live)):
            live.append(cluster.create(pods_type, "v1", namespace, self._pod(replicaset), self.opts))
        live = [cluster.objects[pods_type.key].get((namespace, p["metadata"]["name"])) or p for p in live]
        ready = sum(1 for p in live if _pod_ready(p))
        status = {"replicas": len(live), "fullyLabeledReplicas": len(live), "readyReplicas": ready,
                  "availableReplicas": ready, "observedGeneration": meta.get("generation", 1)}
        status = {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")}
        if status != (replicaset.get("status") or {}):
            new = clone(cluster.objects[self.types["replicasets"].key][(namespace, meta["name"])])
            new["status"] = status
            cluster.update(self.types["replicasets"], "v1", namespace, meta["name"], new, self.opts,
                           subresource="status")

    @staticmethod
    def _pod(replicaset):
        meta = replicaset["metadata"]
        template = (replicaset.get("spec") or {}).get("template") or {}
        tmeta = clone(template.get("metadata") or {})
        pod_meta = {"name": "%s-%s" % (meta["name"], random_suffix()), "labels": tmeta.get("labels") or {},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": meta["name"],
                                         "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = tmeta["annotations"]
        spec = clone(template.get("spec") or {})
        spec.setdefault("nodeName", "lab-node")
        return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}

    # --- pods and jobs ------------------------------------------------------------------------------

    def _kubelet(self, pod):
        meta = pod["metadata"]
        if meta.get("deletionTimestamp") or (meta.get("annotations") or {}).get(KUBELET_ANNOTATION) == "manual":
            return
        if (pod.get("status") or {}).get("phase") not in (None, "", "Pending"):
            return
        stamp = now()
        containers = (pod.get("spec") or {}).get("containers") or []
        status = dict(pod.get("status") or {})
        status.update({
            "phase": "Running", "hostIP": "127.0.0.1", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}],
            "startTime": stamp, "qosClass": "BestEffort",
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": stamp}
                           for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")],
            "containerStatuses": [{"name": c.get("name"), "image": c.get("image", ""), "imageID": "",
                                   "ready": True, "started": True, "restartCount": 0,
                                   "containerID": "lab://%s" % random_suffix(12),
                                   "state": {"running": {"startedAt": stamp}}} for c in containers]})
        new = clone(pod)
        new["status"] = status
        self.cluster.update(self.types["pods"], "v1", meta["namespace"], meta["name"], new, self.opts,
                            subresource="status")

    def _job(self, job):
        meta = job["metadata"]
        status = job.get("status") or {}
        if meta.get("deletionTimestamp") or any(c.get("type") in ("Complete", "Failed")
                                                for c in status.get("conditions") or []):
            return
        stamp = now()
        new = clone(job)
        new["status"] = {"startTime": status.get("startTime") or stamp, "completionTime": stamp,
                         "succeeded": (job.get("spec") or {}).get("completions", 1), "ready": 0, "active": 0,
                         "conditions": [{"type": t, "status": "True", "lastProbeTime": stamp,
                                         "lastTransitionTime": stamp, "reason": "CompletionsReached",
                                         "message": "Reached expected number of succeeded pods (lab workload "
                                                    "controller: nothing was run)"}
                                        for t in ("SuccessCriteriaMet", "Complete")]}
        self.cluster.update(self.types["jobs"], "v1", meta["namespace"], meta["name"], new, self.opts,
                            subresource="status")

    def _not_simulated(self, workload):
        meta = workload["metadata"]
        name = "%s.%s-not-simulated" % (meta["name"], workload["kind"].lower())
        if meta.get("deletionTimestamp") or (meta["namespace"], name) in self.cluster.objects[self.types["events"].key]:
            return
        stamp = now()
        event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": meta["namespace"]},
                 "involvedObject": {"apiVersion": "apps/v1", "kind": workload["kind"], "name": meta["name"],
                                    "namespace": meta["namespace"], "uid": meta["uid"]},
                 "reason": "NotSimulated", "type": "Warning", "count": 1, "firstTimestamp": stamp,
                 "lastTimestamp": stamp, "source": {"component": MANAGER},
                 "message": "the lab's workload controller runs no %ss: no pods, no status; a wait for this one "
                            "(helm --wait, kubectl rollout status) ends in its timeout" % workload["kind"]}
        try:
            self.cluster.create(self.types["events"], "v1", meta["namespace"], event, self.opts)
        except ApiError:  # a namespace being deleted takes no new objects
            pass


def _pod_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])
