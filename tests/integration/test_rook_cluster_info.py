"""koor.ceph.rook_cluster_info on the session's Rook lab (conftest `rook`, `rook_cluster`;
KOOR_ROOK_LAB names it): the CephCluster watched while it is created (the session's cluster,
made here when this file runs before the other Rook tests, as in pytest's default order), an
external CephCluster watched until Connected, the daemon Deployments and their labels
against kubectl, waits that see a daemon become available and the health return to
HEALTH_OK, a wait that runs out, connection errors, and the module in a play with
module_defaults for group/koor.ceph.rook.

Every wait is started before the change it waits for and must see it happen (``waited``, the
transitions in ``events``); what the module reports is checked against kubectl and the toolbox.
"""
import json
import os
import subprocess
import sys
import time

from conftest import COLLECTIONS, ROOT, run_module
from rook_sim_support import NS, example_cluster

MODULE = "rook_cluster_info"
MANUAL_KUBELET = "lab.koor.io/kubelet"


def info(rook, **options):
    args = {"kubeconfig": rook.kubeconfig}
    args.update(options)
    return run_module(MODULE, args)


def start(rook, **options):
    """The module in the background (a wait), fed its arguments as Ansible feeds them."""
    args = {"kubeconfig": rook.kubeconfig, "_ansible_check_mode": False, "_ansible_diff": False}
    args.update(options)
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "ansible_collections.koor.ceph.plugins.modules." + MODULE], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    proc.stdin.write(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc.stdin.close()
    return proc


def watching(proc, watches=1, timeout=300):
    """Return once the module's watch threads run. They start right after its first read, and
    each watch continues from that read's resourceVersion: every change made from now on is seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the module ended before it watched: %s" % proc.stdout.read()[-3000:])
        try:
            threads = len(os.listdir("/proc/%d/task" % proc.pid))
        except OSError:
            threads = 0
        if threads >= 1 + watches:
            return time.monotonic()
        time.sleep(0.2)
    raise AssertionError("the module did not start watching within %ss" % timeout)


def finish(proc, timeout=300):
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout)
    assert "Traceback" not in err, err
    try:
        result = json.loads(out)
    except ValueError:
        raise AssertionError("the module printed no JSON (rc=%s):\n%s\n%s" % (proc.returncode, out, err))
    result["_rc"] = proc.returncode
    return result


def apply_rook_manifests(rook):
    rook.apply_rook()  # Rook v1.20.6's manifests, loop devices allowed (the lab's disks are loop devices)


def transitions(result):
    return [(e["phase"], e["message"], e["health"]) for e in result["events"]]


def test_connection_errors_are_clear(rook):
    result = run_module(MODULE, {"kubeconfig": "/nonexistent/kubeconfig"})
    assert result["failed"] and result["msg"] == "kubeconfig /nonexistent/kubeconfig does not exist"
    result = info(rook, context="no-such-context")
    assert result["failed"]
    assert result["msg"].startswith("kubeconfig %s cannot be loaded with context no-such-context: " % rook.kubeconfig)
    # without a kubeconfig, the defaults are said (no KUBECONFIG, no ~/.kube/config here)
    env = dict(os.environ, HOME="/nonexistent-home")
    for key in ("KUBECONFIG", "K8S_AUTH_KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
        env.pop(key, None)
    proc = subprocess.run([sys.executable, "-m", "ansible_collections.koor.ceph.plugins.modules." + MODULE],
                          input=json.dumps({"ANSIBLE_MODULE_ARGS": {}}), capture_output=True, text=True,
                          env=dict(env, PYTHONPATH=COLLECTIONS), timeout=120, check=False)
    result = json.loads(proc.stdout)
    assert result["failed"] and result["msg"] == (
        "kubeconfig /nonexistent-home/.kube/config does not exist: set the kubeconfig option (or "
        "K8S_AUTH_KUBECONFIG or KUBECONFIG), or host and api_key")
    # the API refuses a wrong token (host and api_key override the kubeconfig's)
    server = json.loads(rook.kubectl("config", "view", "--minify", "-o", "json").stdout)["clusters"][0]["cluster"]
    result = info(rook, host=server["server"], api_key="not-the-token")
    assert result["failed"] and " 401 " in result["msg"] and "credentials were refused" in result["msg"]
    assert "not-the-token" not in json.dumps(result)
    # options that cannot work are refused before the API is asked
    result = info(rook, wait=True, wait_for=["Ready", "Connected"])
    assert result["failed"] and result["msg"].startswith("wait_for cannot hold both Ready and Connected")
    result = info(rook, wait=True, wait_timeout=0)
    assert result["failed"] and result["msg"] == "wait_timeout must be a positive number of seconds, not 0"


def test_info_on_no_cluster(rook):
    apply_rook_manifests(rook)  # what the rook_cluster fixture applies too; idempotent
    result = info(rook, name="h1-absent")
    assert result["_rc"] == 0 and not result["changed"]
    assert result["exists"] is False and result["ready"] is False and result["phase"] is None
    assert result["message"] == result["summary"] == "CephCluster rook-ceph/h1-absent does not exist"
    assert result["unmet"] == {"Ready": result["message"], "HEALTH_OK": result["message"]}
    assert result["deployments"] == [] and result["events"] == []
    # the operator is found all the same
    assert result["operator"]["name"] == "rook-ceph-operator" and result["operator"]["rook_version"] == "v1.20.6"


def test_wait_on_the_cluster_being_created_returns_ready_with_events(rook):
    # The session's Rook lab gets its CephCluster here: this file runs before the other Rook tests
    # (pytest's file order), so the creation itself is watched.
    assert rook.get("cephcluster", "rook-ceph") is None, "the session's CephCluster exists already"
    apply_rook_manifests(rook)
    waiting = start(rook, wait=True, wait_timeout=420)
    watching(waiting)  # the CephCluster that does not exist yet
    rook.apply(example_cluster())
    applied = time.monotonic()
    result = finish(waiting)
    assert result["_rc"] == 0 and result["ready"] is True, result.get("msg")
    assert result["waited"] >= time.monotonic() - applied - 1 > 0
    seen = transitions(result)
    assert seen[0] == (None, "CephCluster rook-ceph/rook-ceph does not exist", None)
    assert seen[-1] == ("Ready", "Cluster created successfully", "HEALTH_OK")
    progressing = [s for s in seen if s[0] == "Progressing"]
    assert progressing and any("OSD" in s[1] for s in progressing), seen
    assert len(seen) == len(set(seen)), "each transition once"
    # what the module returns is what the API holds (and the cluster, through Rook's toolbox.yaml: the
    # operator never makes a toolbox)
    rook.apply_toolbox()
    cr = rook.get("cephcluster", "rook-ceph")
    assert result["fsid"] == cr["status"]["ceph"]["fsid"] == rook.ceph("fsid")["fsid"]
    assert result["version"] == cr["status"]["version"] and result["version"]["version"] == "20.2.4-0"
    assert result["unmet"] == {} and result["health"] == "HEALTH_OK"
    # the session's fixture finds it Ready
    assert rook.ensure_cluster()["status"]["phase"] == "Ready"


def test_deployments_and_their_labels(rook, rook_cluster):
    # capacity comes with the simulator's next health read (every 10 s) once the mgr has OSD stats
    cr = rook.wait("cephcluster", "rook-ceph", lambda o: o["status"]["ceph"]["capacity"].get("bytesTotal", 0) > 0,
                   60, "reporting capacity")
    result = info(rook, wait_for=["Ready", "rolled_out"])
    assert result["_rc"] == 0 and result["exists"] and result["ready"] is True
    labels = rook.labels()
    assert sorted(d["name"] for d in result["deployments"]) == sorted(labels)
    for dep in result["deployments"]:
        mine = labels[dep["name"]]
        # the crash collectors and exporters have no ceph_daemon_type: the module names them by their app
        kind = mine.get("ceph_daemon_type") or mine["app"][len("rook-ceph-"):]
        assert (dep["daemon_type"], dep["daemon_id"], dep["rook_version"], dep["ceph_version"]) == (
            kind, mine["ceph_daemon_id"], mine["rook-version"], mine["ceph-version"])
        assert dep["available"] and dep["rolled_out"] and dep["pending"] == []
        assert dep["replicas"] == dep["ready_replicas"] == 1
    by_type = {}
    for dep in result["deployments"]:
        by_type.setdefault(dep["daemon_type"], []).append(dep["daemon_id"])
    assert by_type == {"mon": ["a", "b", "c"], "mgr": ["a", "b"], "osd": ["0", "1", "2"],
                       "crashcollector": ["crash"] * 3, "exporter": ["exporter"] * 3}
    operator = rook.get("deploy", "rook-ceph-operator")
    assert result["operator"] == {"name": "rook-ceph-operator", "namespace": NS, "rook_version": "v1.20.6",
                                  "image": operator["spec"]["template"]["spec"]["containers"][0]["image"],
                                  "available": True}
    status = rook_cluster["status"]
    assert result["phase"] == "Ready" and result["fsid"] == status["ceph"]["fsid"]
    assert result["ceph_image"] == rook_cluster["spec"]["cephVersion"]["image"]
    assert result["summary"] == \
        "rook-ceph Ready HEALTH_OK, ceph 20.2.4, 3 mon 2 mgr 3 osd 3 crashcollector 3 exporter, rook v1.20.6"
    assert result["health"] == rook.health() == "HEALTH_OK"
    assert {c["type"] for c in result["conditions"]} >= {"Ready"}
    assert result["capacity"]["bytesTotal"] == cr["status"]["ceph"]["capacity"]["bytesTotal"] > 0
    assert result["versions"]["overall"] == cr["status"]["ceph"]["versions"]["overall"]


def test_gather_subset_reads_what_kubectl_and_the_toolbox_see(rook, rook_cluster):
    result = info(rook, gather_subset=["clusters", "storage_classes", "snapshot_classes", "namespaces", "crush_map"])
    assert result["_rc"] == 0 and not result["changed"], result.get("msg")
    assert result["clusters"] == sorted(c["metadata"]["name"] for c in rook.items("cephcluster"))
    classes = json.loads(rook.kubectl("get", "storageclass", "-o", "json").stdout)["items"]
    assert sorted(c["metadata"]["name"] for c in result["storage_classes"]) == sorted(
        c["metadata"]["name"] for c in classes)
    assert [c.get("provisioner") for c in sorted(result["storage_classes"], key=lambda c: c["metadata"]["name"])] \
        == [c.get("provisioner") for c in sorted(classes, key=lambda c: c["metadata"]["name"])]
    snapshots = rook.kubectl("get", "volumesnapshotclass", "-o", "json", check=False)
    assert result["snapshot_classes_served"] is (snapshots.returncode == 0)
    if snapshots.returncode == 0:
        assert sorted(c["metadata"]["name"] for c in result["snapshot_classes"]) == sorted(
            c["metadata"]["name"] for c in json.loads(snapshots.stdout)["items"])
    assert result["namespaces"] == sorted(
        n["metadata"]["name"] for n in json.loads(rook.kubectl("get", "namespace", "-o", "json").stdout)["items"])
    toolbox = [p["metadata"]["name"] for p in rook.items("pod", selector="app=rook-ceph-tools")
               if p["status"].get("phase") == "Running"]
    assert result["toolbox"] in toolbox
    # the CRUSH map through the API's exec stream is the toolbox's own
    crush = rook.ceph("osd", "crush", "dump")
    assert result["crush_map"]["buckets"] == crush["buckets"] and result["crush_map"]["rules"] == crush["rules"]
    assert result["crush_map"]["devices"] == crush["devices"] and len(crush["devices"]) >= 3
    # Rook's object resources, as kubectl lists them (none of a kind whose CRD is missing)
    more = info(rook, gather_subset=["object_stores", "object_store_users", "bucket_claims"])
    assert more["_rc"] == 0, more.get("msg")
    for key, kind, extra in (("object_stores", "cephobjectstore", ["-n", NS]),
                             ("object_store_users", "cephobjectstoreuser", ["-n", NS]),
                             ("bucket_claims", "objectbucketclaim", ["--all-namespaces"])):
        listed = rook.kubectl("get", kind, "-o", "json", *extra, check=False)
        want = sorted(o["metadata"]["name"] for o in json.loads(listed.stdout)["items"]) if listed.returncode == 0 else []
        assert sorted(o["metadata"]["name"] for o in more[key]) == want, key
    # nothing gathered that was not asked for
    plain = info(rook)
    assert not {"clusters", "storage_classes", "toolbox", "crush_map"} & set(plain)


def test_gather_subset_without_a_toolbox_or_a_cluster(rook, rook_cluster):
    result = info(rook, gather_subset=["crush_map"], toolbox_selector="app=no-such-toolbox")
    assert result["_rc"] == 0 and result["toolbox"] is None and result["crush_map"] is None
    result = info(rook, namespace="default", gather_subset=["clusters", "toolbox"])
    assert result["_rc"] == 0 and result["exists"] is False and result["clusters"] == [] and result["toolbox"] is None


def test_wait_for_rolled_out_times_out_then_sees_the_daemon_become_available(rook, rook_cluster):
    dep = "rook-ceph-mgr-b"
    # its new pod stays Pending (no kubelet runs it): the Deployment is not available
    rook.patch("deploy", dep, {"spec": {"template": {"metadata": {"annotations": {MANUAL_KUBELET: "manual"}}}}})
    try:
        rook.wait("deploy", dep, lambda o: not any(c["type"] == "Available" and c["status"] == "True"
                                                   for c in o["status"].get("conditions", [])), 60, "unavailable")
        result = info(rook, wait=True, wait_for=["Ready", "HEALTH_OK", "rolled_out"], wait_timeout=8)
        assert result["failed"] and result["ready"] is False and result["waited"] >= 8
        assert result["msg"] == (
            "CephCluster rook-ceph/rook-ceph: not Ready + HEALTH_OK + rolled_out after 8s: rolled_out unmet: 1 of 14 "
            "Deployments not rolled out (rook-ceph-mgr-b: not available (0 of 1 replicas ready)). Last seen: "
            "phase Ready, message 'Cluster created successfully', health HEALTH_OK.")
        assert transitions(result) == [("Ready", "Cluster created successfully", "HEALTH_OK")]
        # wait_fail false: the same, as a result
        result = info(rook, wait=True, wait_for=["rolled_out"], wait_timeout=3, wait_fail=False)
        assert result["_rc"] == 0 and result["ready"] is False and list(result["unmet"]) == ["rolled_out"]

        waiting = start(rook, wait=True, wait_for=["Ready", "rolled_out"], wait_timeout=180)
        watching(waiting, 3)  # the CephCluster, the daemon Deployments, the operator's namespace
    finally:
        rook.kubectl("-n", NS, "patch", "deploy", dep, "--type", "json", "-p", json.dumps(
            [{"op": "remove", "path": "/spec/template/metadata/annotations/lab.koor.io~1kubelet"}]))
    result = finish(waiting)
    assert result["_rc"] == 0 and result["ready"] is True and result["unmet"] == {}, result.get("msg")
    mgr_b = [d for d in result["deployments"] if d["name"] == dep][0]
    assert mgr_b["available"] and mgr_b["rolled_out"] and mgr_b["ready_replicas"] == 1


def test_wait_for_health_ok_records_the_transitions(rook, rook_cluster):
    rook.toolbox("ceph", "osd", "set", "noout")
    try:
        rook.wait("cephcluster", "rook-ceph", lambda o: o["status"]["ceph"]["health"] == "HEALTH_WARN", 60,
                  "HEALTH_WARN")
        waiting = start(rook, wait=True, wait_timeout=180)
        watching(waiting)
    finally:
        rook.toolbox("ceph", "osd", "unset", "noout")
    result = finish(waiting)
    assert result["_rc"] == 0 and result["ready"] is True, result.get("msg")
    seen = transitions(result)
    assert seen[0] == ("Ready", "Cluster created successfully", "HEALTH_WARN")
    assert seen[-1] == ("Ready", "Cluster created successfully", "HEALTH_OK")
    assert rook.health() == "HEALTH_OK"
    # details are the CephCluster's own (the simulator's status merge patch keeps OSDMAP_FLAGS in them)
    assert result["details"] == rook.get("cephcluster", "rook-ceph")["status"]["ceph"]["details"]


def test_wait_on_an_external_cluster_being_created_until_connected(rook, rook_cluster):
    """Rook's external mode, connecting to the session's own Ceph cluster with a read-only key."""
    ns, name, client = "h1-rci-external", "external", "client.h1-rci-external"
    key = rook.ceph("auth", "get-or-create-key", client, "mon", "allow r")["key"]
    mon = rook.ceph("mon", "dump")["mons"][0]
    v1 = [a["addr"] for a in mon["public_addrs"]["addrvec"] if a["type"] == "v1"][0]
    rook.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    try:
        waiting = start(rook, name=name, namespace=ns, wait=True, wait_for=["Connected", "HEALTH_OK"],
                        wait_timeout=180)
        watching(waiting)
        rook.apply({"apiVersion": "ceph.rook.io/v1", "kind": "CephCluster", "metadata": {"name": name, "namespace": ns},
                    "spec": {"external": {"enable": True}, "crashCollector": {"disable": True}}})
        rook.wait("cephcluster", name, lambda o: (o.get("status") or {}).get("phase") == "Connecting", 60,
                  "Connecting", ns=ns)
        rook.apply({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/rook",
                    "metadata": {"name": "rook-ceph-mon", "namespace": ns},
                    "stringData": {"cluster-name": ns, "fsid": rook_cluster["status"]["ceph"]["fsid"],
                                   "admin-secret": "admin-secret", "mon-secret": "mon-secret",
                                   "ceph-username": client, "ceph-secret": key}})
        rook.apply({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "rook-ceph-mon-endpoints", "namespace": ns},
                    "data": {"data": "a=%s" % v1, "mapping": "{}", "maxMonId": "0"}})
        result = finish(waiting)
        assert result["_rc"] == 0 and result["ready"] is True, result.get("msg")
        assert result["external"] is True and result["phase"] == "Connected"
        assert result["fsid"] == rook_cluster["status"]["ceph"]["fsid"]
        assert result["deployments"] == []
        phases = [e["phase"] for e in result["events"]]
        assert phases[0] is None and result["events"][0]["message"] == (
            "CephCluster %s/%s does not exist" % (ns, name))
        assert "Connecting" in phases and phases[-1] == "Connected"
        assert phases.index("Connecting") < phases.index("Connected")
    finally:
        if rook.get("cephcluster", name, ns=ns) is not None:
            rook.delete("cephcluster", name, ns=ns)
            rook.wait_gone("cephcluster", name, 60, ns=ns)
        rook.kubectl("delete", "namespace", ns, "--wait=false")
        rook.toolbox("ceph", "auth", "rm", client)


def test_in_a_play_with_module_defaults_for_both_groups(rook, rook_cluster, tmp_path):
    playbook = tmp_path / "play.yml"
    results = tmp_path / "results.json"
    playbook.write_text("""
- name: rook_cluster_info in a play
  hosts: localhost
  gather_facts: false
  vars:
    k8s:
      kubeconfig: %(kubeconfig)s
  module_defaults:
    group/kubernetes.core.k8s: "{{ k8s }}"
    group/koor.ceph.rook: "{{ k8s }}"
  tasks:
    - name: Wait for the cluster (it is Ready)
      koor.ceph.rook_cluster_info:
        wait: true
        wait_for: [Ready, HEALTH_OK, rolled_out]
        wait_timeout: 120
      register: rook

    - name: The same CephCluster through kubernetes.core, with the same defaults
      kubernetes.core.k8s_info:
        api_version: ceph.rook.io/v1
        kind: CephCluster
        namespace: rook-ceph
        name: rook-ceph
      register: cr

    - name: Show the summary
      ansible.builtin.debug:
        msg: "{{ rook.summary }}"

    - name: Check mode reads the same
      koor.ceph.rook_cluster_info:
      check_mode: true
      register: checked

    - name: Save what was seen
      ansible.builtin.copy:
        content: "{{ {'rook': rook, 'cr': cr, 'checked': checked} | to_json }}"
        dest: %(results)s
        mode: "0600"
""" % {"kubeconfig": rook.kubeconfig, "results": results})
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    # (the YAML callback folds a long msg over lines)
    assert "rook-ceph Ready HEALTH_OK, ceph 20.2.4, 3 mon 2 mgr 3 osd 3 crashcollector 3 exporter, rook v1.20.6" \
        in " ".join(proc.stdout.split())
    out = json.loads(results.read_text())
    assert out["rook"]["ready"] is True and out["rook"]["changed"] is False
    assert out["rook"]["fsid"] == out["cr"]["resources"][0]["status"]["ceph"]["fsid"]
    assert out["checked"]["changed"] is False and out["checked"]["phase"] == "Ready"
