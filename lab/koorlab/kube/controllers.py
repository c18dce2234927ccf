"""The lab's built-in workload controller (a stand-in for kube-controller-manager and kubelet).

There is no kube-controller-manager and no kubelet in the lab, so this small controller,
running inside the lab API process, does the least that makes workloads look alive:

- Deployments: a ReplicaSet per pod template (``<deployment>-<pod-template-hash>``, the template and
  selector with the pod-template-hash label, owned by the Deployment), the ReplicaSets of earlier
  templates scaled to 0 at once (revisionHistoryLimit kept); status replicas/updatedReplicas/
  readyReplicas/availableReplicas, observedGeneration and the Available/Progressing conditions, and
  the new ReplicaSet's ReplicaFailure condition copied, as the deployment controller does. No
  rolling update: the old pods go and the new ones come in one pass; no revision annotations.
- ReplicaSets: one Pod per replica from the template (labels incl. pod-template-hash,
  annotations such as lab.koor.io/exec, spec, an owner reference), surplus pods deleted; status
  replicas/fullyLabeledReplicas/readyReplicas/availableReplicas/observedGeneration, and the
  ReplicaFailure condition while a pod cannot be created.
- StatefulSets: pods `<name>-0` ... (OrderedReady: one at a time, each after the one before is
  Ready; Parallel: all), status replicas/readyReplicas/availableReplicas/currentReplicas/
  updatedReplicas and the revisions. DaemonSets: one pod per schedulable Node matching the
  template's nodeSelector (taints are not looked at), status desired/current/ready/available/
  updatedNumberScheduled.
- Pods are created through the API, so its ServiceAccount admission applies: a pod whose
  ServiceAccount (spec.serviceAccountName, default `default`) does not exist is refused, the
  workload gets no pod, and a Warning Event FailedCreate says why, as the controllers word it
  (`Error creating: pods "web-5d9c7b8f4-" is forbidden: error looking up service account ns/sa:
  serviceaccount "sa" not found`, on the ReplicaSet; StatefulSets `create Pod web-0 in StatefulSet
  web failed error: ...`); a ReplicaSet and its Deployment show it in their ReplicaFailure condition. The next pass after the
  ServiceAccount exists creates the pods. The `default` ServiceAccount of every namespace is made
  again when deleted (the serviceaccounts controller).
- Pods ("kubelet"): a Pending pod becomes Running and Ready at once, with a container status
  per container, unless it carries the annotation lab.koor.io/kubelet: manual (then whoever
  created it, e.g. the Rook simulator, owns its status).
- Jobs: marked Complete (succeeded = completions) without running anything, once a pod of the
  template would be admitted (a dry-run create: the ServiceAccount must exist).
- Events are core/v1 Events as kubectl shows them (`kubectl get events`, `describe`): one per
  object, reason and message, its count and lastTimestamp raised when it happens again (at most
  every EVENT_REPEAT seconds).
"""

import calendar
import hashlib
import json
import time

from .patch import clone
from .api import ApiError, Options, now, random_suffix
from .selectors import match_labels, parse_labels

MANAGER = "lab-workload-controller"
KUBELET_ANNOTATION = "lab.koor.io/kubelet"
EVENT_REPEAT = 10.0


def _hash(template):
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


class WorkloadController:

    def __init__(self, cluster, stopping):
        self.cluster = cluster
        self.stopping = stopping
        self.opts = Options(field_manager=MANAGER)
        self.types = {name: cluster.types[key] for name, key in (
            ("pods", ("", "pods")), ("deployments", ("apps", "deployments")), ("replicasets", ("apps", "replicasets")),
            ("jobs", ("batch", "jobs")),
            ("daemonsets", ("apps", "daemonsets")), ("statefulsets", ("apps", "statefulsets")),
            ("events", ("", "events")), ("namespaces", ("", "namespaces")), ("nodes", ("", "nodes")))}

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
        for ns in self._objects("namespaces"):
            self.cluster.ensure_default_service_account(ns["metadata"]["name"])
        for deploy in self._objects("deployments"):
            if not deploy["metadata"].get("deletionTimestamp"):
                self._deployment(deploy)
        deployments = {d["metadata"]["uid"] for d in self._objects("deployments")}
        for replicaset in self._objects("replicasets"):  # those no Deployment controls
            refs = replicaset["metadata"].get("ownerReferences") or []
            if not replicaset["metadata"].get("deletionTimestamp") and not any(
                    r.get("controller") and r.get("uid") in deployments for r in refs):
                self._replicaset_pods(replicaset)
        for sts in self._objects("statefulsets"):
            if not sts["metadata"].get("deletionTimestamp"):
                self._statefulset(sts)
        for ds in self._objects("daemonsets"):
            if not ds["metadata"].get("deletionTimestamp"):
                self._daemonset(ds)
        for pod in self._objects("pods"):
            self._kubelet(pod)
        for job in self._objects("jobs"):
            self._job(job)

    # --- pods and events --------------------------------------------------------------------------

    def _owned(self, owner, name="pods"):
        """The live objects of a kind (pods by default) that owner controls."""
        meta = owner["metadata"]
        return [p for p in self._objects(name) if p["metadata"].get("namespace") == meta["namespace"] and any(
            r.get("uid") == meta["uid"] and r.get("controller") for r in p["metadata"].get("ownerReferences") or [])
            and not p["metadata"].get("deletionTimestamp")]

    @staticmethod
    def _pod(owner, kind, template, labels, name=None, generate=None, node=None):
        meta = owner["metadata"]
        tmeta = clone(template.get("metadata") or {})
        pod_meta = {"labels": dict(tmeta.get("labels") or {}, **labels),
                    "ownerReferences": [{"apiVersion": "apps/v1" if kind != "Job" else "batch/v1", "kind": kind,
                                         "name": meta["name"], "uid": meta["uid"], "controller": True,
                                         "blockOwnerDeletion": True}]}
        if name:
            pod_meta["name"] = name
        else:
            pod_meta["generateName"] = generate
        if tmeta.get("annotations"):
            pod_meta["annotations"] = tmeta["annotations"]
        spec = clone(template.get("spec") or {})
        spec.setdefault("nodeName", node or "lab-node")
        return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}

    def _create_pod(self, namespace, body, dry_run=False):
        """(pod, None), or (None, the API's message) when the API refuses it (403: its ServiceAccount is
        missing; 422: the template makes an invalid pod)."""
        opts = Options(field_manager=MANAGER, dry_run=dry_run)
        try:
            return self.cluster.create(self.types["pods"], "v1", namespace, body, opts), None
        except ApiError as exc:
            if exc.code not in (403, 422):
                raise
            return None, exc.message

    def _delete_pod(self, pod):
        self.cluster.delete(self.types["pods"], "v1", pod["metadata"]["namespace"], pod["metadata"]["name"], self.opts)

    def event(self, obj, reason, message, component, etype="Warning"):
        """Record a core/v1 Event about obj, or count it again (not more often than EVENT_REPEAT)."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        for ev in self._objects("events"):
            involved = ev.get("involvedObject") or {}
            if involved.get("uid") == meta["uid"] and ev.get("reason") == reason and ev.get("message") == message:
                if time.time() - _epoch(ev.get("lastTimestamp")) < EVENT_REPEAT:
                    return
                new = clone(ev)
                new["count"] = int(ev.get("count") or 1) + 1
                new["lastTimestamp"] = now()
                self.cluster.update(self.types["events"], "v1", namespace, ev["metadata"]["name"], new, self.opts)
                return
        body = {"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": "%s.%x" % (meta["name"], time.time_ns()), "namespace": namespace},
                "involvedObject": {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": meta["name"],
                                   "namespace": meta.get("namespace"), "uid": meta["uid"],
                                   "resourceVersion": meta.get("resourceVersion")},
                "reason": reason, "message": message, "type": etype, "count": 1,
                "firstTimestamp": now(), "lastTimestamp": now(), "source": {"component": component},
                "reportingComponent": component, "reportingInstance": ""}
        try:
            self.cluster.create(self.types["events"], "v1", namespace, body, self.opts)
        except ApiError as exc:
            if exc.code != 403:  # a namespace being deleted
                raise

    def _status(self, name, obj, status):
        if status != (obj.get("status") or {}):
            meta = obj["metadata"]
            new = clone(self.cluster.objects[self.types[name].key][(meta["namespace"], meta["name"])])
            new["status"] = status
            self.cluster.update(self.types[name], "v1", meta["namespace"], meta["name"], new, self.opts,
                                subresource="status")

    # --- deployments and replica sets -----------------------------------------------------------

    def _deployment(self, deploy):
        cluster = self.cluster
        rs_type = self.types["replicasets"]
        meta, spec = deploy["metadata"], deploy.get("spec") or {}
        namespace = meta["namespace"]
        template = spec.get("template") or {}
        template_hash = _hash(template)
        wanted = int(spec.get("replicas", 1))
        # pods a Deployment owns itself (the controller before it made ReplicaSets): replaced
        for pod in self._owned(deploy):
            self._delete_pod(pod)
        name = "%s-%s" % (meta["name"], template_hash)
        sets = self._owned(deploy, "replicasets")
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
        for replicaset in self._owned(deploy, "replicasets"):
            self._replicaset_pods(replicaset)
        current = cluster.objects[rs_type.key].get((namespace, name)) or current
        failure = next((c for c in (current.get("status") or {}).get("conditions") or []
                        if c.get("type") == "ReplicaFailure" and c.get("status") == "True"), None)
        all_pods = [p for rs in self._owned(deploy, "replicasets") for p in self._owned(rs)]
        updated = [p for p in all_pods if p["metadata"].get("labels", {}).get("pod-template-hash") == template_hash]
        ready = sum(1 for p in updated if _pod_ready(p))
        generation = meta.get("generation", 1)
        complete = ready >= wanted and len(all_pods) == len(updated)
        old = deploy.get("status") or {}
        stamp = now()
        conditions = []
        wanted_conditions = [
            ("Available", "True" if ready >= wanted else "False",
             "MinimumReplicasAvailable" if ready >= wanted else "MinimumReplicasUnavailable",
             "Deployment has minimum availability." if ready >= wanted else "Deployment does not have minimum "
             "availability."),
            ("Progressing", "True", "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
             'ReplicaSet "%s" has successfully progressed.' % name if complete
             else 'ReplicaSet "%s" is progressing.' % name)]
        if failure:  # the deployment controller copies the new ReplicaSet's ReplicaFailure
            wanted_conditions.append(("ReplicaFailure", "True", failure.get("reason"), failure.get("message")))
        for ctype, status, reason, message in wanted_conditions:
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
        self._status("deployments", deploy, status)

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
        live = self._owned(replicaset)
        wanted = int(spec.get("replicas", 1))
        for pod in live[wanted:]:
            self._delete_pod(pod)
        live = live[:wanted]
        template = spec.get("template") or {}
        failure = None
        for _missing in range(wanted - len(live)):
            pod, failure = self._create_pod(namespace, self._pod(replicaset, "ReplicaSet", template, {},
                                                                 generate="%s-" % meta["name"]))
            if pod is None:
                self.event(replicaset, "FailedCreate", "Error creating: %s" % failure, "replicaset-controller")
                break
            live.append(pod)
        live = [cluster.objects[pods_type.key].get((namespace, p["metadata"]["name"])) or p for p in live]
        ready = sum(1 for p in live if _pod_ready(p))
        status = {"replicas": len(live), "fullyLabeledReplicas": len(live), "readyReplicas": ready,
                  "availableReplicas": ready, "observedGeneration": meta.get("generation", 1)}
        status = {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")}
        if failure:
            previous = next((c for c in (replicaset.get("status") or {}).get("conditions") or []
                             if c.get("type") == "ReplicaFailure"), {})
            status["conditions"] = [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                     "message": failure,
                                     "lastTransitionTime": previous.get("lastTransitionTime") or now()}]
        self._status("replicasets", replicaset, status)

    # --- statefulsets and daemonsets -------------------------------------------------------------

    def _statefulset(self, sts):
        meta, spec = sts["metadata"], sts.get("spec") or {}
        namespace, name = meta["namespace"], meta["name"]
        template = spec.get("template") or {}
        revision = "%s-%s" % (name, _hash(template))
        wanted = int(spec.get("replicas", 1))
        by_name = {p["metadata"]["name"]: p for p in self._owned(sts)}
        for pod_name, pod in list(by_name.items()):
            index = pod_name.rsplit("-", 1)[-1]
            stale = pod["metadata"].get("labels", {}).get("controller-revision-hash") != revision
            if stale or not index.isdigit() or int(index) >= wanted:
                self._delete_pod(pod)
                del by_name[pod_name]
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        for index in range(wanted):
            pod_name = "%s-%d" % (name, index)
            if pod_name in by_name:
                if ordered and not _pod_ready(by_name[pod_name]):
                    break
                continue
            body = self._pod(sts, "StatefulSet", template, {
                "controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": pod_name,
                "apps.kubernetes.io/pod-index": str(index)}, name=pod_name)
            body["spec"].setdefault("hostname", pod_name)
            if spec.get("serviceName"):
                body["spec"].setdefault("subdomain", spec["serviceName"])
            pod, failure = self._create_pod(namespace, body)
            if pod is None:
                self.event(sts, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s"
                           % (pod_name, name, failure), "statefulset-controller")
                break
            by_name[pod_name] = pod
            if ordered:
                break
        pods = [self.cluster.objects[self.types["pods"].key].get((namespace, n)) or p for n, p in by_name.items()]
        ready = sum(1 for p in pods if _pod_ready(p))
        status = {"observedGeneration": meta.get("generation", 1), "replicas": len(pods), "readyReplicas": ready,
                  "availableReplicas": ready, "currentReplicas": len(pods), "updatedReplicas": len(pods),
                  "currentRevision": revision, "updateRevision": revision, "collisionCount": 0}
        for key in ("readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas"):
            if not status[key]:
                del status[key]
        self._status("statefulsets", sts, status)

    def _daemonset(self, ds):
        meta, spec = ds["metadata"], ds.get("spec") or {}
        namespace = meta["namespace"]
        template = spec.get("template") or {}
        revision = _hash(template)
        selector = parse_labels(",".join("%s=%s" % kv for kv in sorted(
            ((template.get("spec") or {}).get("nodeSelector") or {}).items())))
        nodes = sorted(n["metadata"]["name"] for n in self._objects("nodes")
                       if not (n.get("spec") or {}).get("unschedulable")
                       and match_labels(selector, n["metadata"].get("labels")))
        on_node = {}
        for pod in self._owned(ds):
            node = (pod.get("spec") or {}).get("nodeName")
            if node not in nodes or node in on_node or \
                    pod["metadata"].get("labels", {}).get("controller-revision-hash") != revision:
                self._delete_pod(pod)
            else:
                on_node[node] = pod
        for node in nodes:
            if node in on_node:
                continue
            pod, failure = self._create_pod(namespace, self._pod(
                ds, "DaemonSet", template, {"controller-revision-hash": revision}, generate="%s-" % meta["name"],
                node=node))
            if pod is None:
                self.event(ds, "FailedCreate", "Error creating: %s" % failure, "daemonset-controller")
                break
            on_node[node] = pod
        pods = [self.cluster.objects[self.types["pods"].key].get((namespace, p["metadata"]["name"])) or p
                for p in on_node.values()]
        ready = sum(1 for p in pods if _pod_ready(p))
        status = {"observedGeneration": meta.get("generation", 1), "desiredNumberScheduled": len(nodes),
                  "currentNumberScheduled": len(pods), "updatedNumberScheduled": len(pods), "numberMisscheduled": 0,
                  "numberReady": ready, "numberAvailable": ready}
        if len(nodes) - ready > 0:
            status["numberUnavailable"] = len(nodes) - ready
        if not ready:
            del status["numberAvailable"]
        self._status("daemonsets", ds, status)

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
        template = (job.get("spec") or {}).get("template") or {}
        _pod, failure = self._create_pod(meta["namespace"], self._pod(job, "Job", template, {
            "batch.kubernetes.io/job-name": meta["name"], "job-name": meta["name"]}, generate="%s-" % meta["name"]),
            dry_run=True)
        if failure:
            self.event(job, "FailedCreate", "Error creating: %s" % failure, "job-controller")
            self._status("jobs", job, {"startTime": status.get("startTime") or stamp, "active": 0, "ready": 0})
            return
        self._status("jobs", job, {
            "startTime": status.get("startTime") or stamp, "completionTime": stamp,
            "succeeded": (job.get("spec") or {}).get("completions", 1), "ready": 0, "active": 0,
            "conditions": [{"type": t, "status": "True", "lastProbeTime": stamp, "lastTransitionTime": stamp,
                            "reason": "CompletionsReached",
                            "message": "Reached expected number of succeeded pods (lab workload controller: nothing "
                                       "was run)"} for t in ("SuccessCriteriaMet", "Complete")]})


def _pod_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _epoch(stamp):
    try:
        return calendar.timegm(time.strptime(stamp or "", "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return 0
