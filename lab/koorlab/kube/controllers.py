"""The lab's built-in workload controller (a stand-in for kube-controller-manager and kubelet).

There is no kube-controller-manager and no kubelet in the lab, so this small controller,
running inside the lab API process, does the least that makes workloads look alive:

- Deployments: one Pod per replica from the template (labels incl. pod-template-hash,
  annotations such as lab.koor.io/exec, spec, an owner reference); pods of an old template are
  replaced at once; status replicas/updatedReplicas/readyReplicas/availableReplicas,
  observedGeneration and the Available/Progressing conditions. No ReplicaSets.
- Pods ("kubelet"): a Pending pod becomes Running and Ready at once, with a container status
  per container, unless it carries the annotation lab.koor.io/kubelet: manual (then whoever
  created it, e.g. the Rook simulator, owns its status).
- Jobs: marked Complete (succeeded = completions) without running anything.
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
            ("pods", ("", "pods")), ("deployments", ("apps", "deployments")), ("jobs", ("batch", "jobs")))}

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
        for pod in self._objects("pods"):
            self._kubelet(pod)
        for job in self._objects("jobs"):
            self._job(job)

    # --- deployments ----------------------------------------------------------------------------

    def _deployment(self, deploy):
        cluster, pods_type = self.cluster, self.types["pods"]
        meta, spec = deploy["metadata"], deploy.get("spec") or {}
        namespace, uid = meta["namespace"], meta["uid"]
        template = spec.get("template") or {}
        template_hash = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        owned = [p for p in self._objects("pods") if p["metadata"].get("namespace") == namespace and any(
            r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])]
        live = [p for p in owned if not p["metadata"].get("deletionTimestamp")]
        current = [p for p in live if p["metadata"].get("labels", {}).get("pod-template-hash") == template_hash]
        for pod in live:
            if pod not in current:
                cluster.delete(pods_type, "v1", namespace, pod["metadata"]["name"], self.opts)
        wanted = int(spec.get("replicas", 1))
        for pod in current[wanted:]:
            cluster.delete(pods_type, "v1", namespace, pod["metadata"]["name"], self.opts)
        current = current[:wanted]
        for _missing in range(wanted - len(current)):
            current.append(cluster.create(pods_type, "v1", namespace, self._pod(deploy, template, template_hash),
                                          self.opts))
        current = [cluster.objects[pods_type.key].get((namespace, p["metadata"]["name"])) or p for p in current]
        ready = sum(1 for p in current if _pod_ready(p))
        generation = meta.get("generation", 1)
        complete = ready >= wanted
        old = deploy.get("status") or {}
        stamp = now()
        conditions = []
        for ctype, status, reason, message in (
                ("Available", "True" if complete else "False",
                 "MinimumReplicasAvailable" if complete else "MinimumReplicasUnavailable",
                 "Deployment has minimum availability." if complete else "Deployment does not have minimum "
                 "availability."),
                ("Progressing", "True", "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                 'Pods of "%s" are available (lab workload controller).' % meta["name"] if complete
                 else 'Pods of "%s" are progressing (lab workload controller).' % meta["name"])):
            previous = next((c for c in old.get("conditions") or [] if c.get("type") == ctype), {})
            same = previous.get("status") == status and previous.get("reason") == reason
            conditions.append({"type": ctype, "status": status, "reason": reason, "message": message,
                               "lastUpdateTime": previous.get("lastUpdateTime") if same else stamp,
                               "lastTransitionTime": previous.get("lastTransitionTime")
                               if previous.get("status") == status else stamp})
        status = {"observedGeneration": generation, "replicas": len(current), "updatedReplicas": len(current),
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
    def _pod(deploy, template, template_hash):
        meta = deploy["metadata"]
        tmeta = clone(template.get("metadata") or {})
        labels = dict(tmeta.get("labels") or {}, **{"pod-template-hash": template_hash})
        pod_meta = {"name": "%s-%s-%s" % (meta["name"], template_hash[:9], random_suffix()), "labels": labels,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"],
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


def _pod_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])
