"""One Rook lab (`koor-lab up --rook`) for the whole test session: the lab Kubernetes API, the
Rook simulator and 3 nodes with disks 10G,1G. The fixtures in conftest.py (`rook`,
`rook_cluster`, `rook_object_store`) use it; tests/integration/test_rook_sim*.py share it.

KOOR_ROOK_LAB names the lab (default "rook"); it is made fresh and removed at the end.
Everything is checked against the real cluster: through the toolbox (kubectl exec), SSH on the
nodes and S3 over HTTP.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

import yaml

from conftest import KOOR_LAB, ROOK_EXAMPLES, ROOT, rookfiles

sys.path.insert(0, os.path.join(ROOT, "lab"))

from koorlab import nodes as lab_nodes  # noqa: E402  pylint: disable=wrong-import-position
from koorlab.rooksim import ceph as rooksim_ceph  # noqa: E402  pylint: disable=wrong-import-position

LAB = os.environ.get("KOOR_ROOK_LAB", "rook")
NS = "rook-ceph"
TENTACLE = "quay.io/ceph/ceph:v20.2.4"
REEF = "quay.io/ceph/ceph:v18.2.7"
CONTRACT = rooksim_ceph.CONTRACT  # the facts about Rook the roles and the simulator share (rook_contract.py)
TIMINGS = {}  # what took how long, printed at the end of the session (conftest)
EXEC_ANNOTATION = "lab.koor.io/exec"  # how the lab's API runs `kubectl exec` in a pod (docs/lab-kubernetes.md)


def strip_nulls(value):
    """Rook's examples have empty keys (`annotations:`); a real API server drops such nulls,
    the lab's rejects them where the CRD says object."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def example(name, rook_version=None):
    """The documents of one of Rook's example manifests (of Rook v1.20.6, or ``rook_version``), nulls stripped."""
    folder = rookfiles.examples(rook_version) if rook_version else ROOK_EXAMPLES
    with open(os.path.join(folder, name)) as handle:
        return [strip_nulls(doc) for doc in yaml.safe_load_all(handle) if doc]


def storage_nodes(lab=LAB):
    """spec.storage.nodes naming every disk of each lab node: the lab's disks are loop devices, which
    Rook uses only when named in `devices` (never by useAllDevices or a filter), and only with the
    operator's ROOK_CEPH_ALLOW_LOOP_DEVICES true (operator_manifest)."""
    return [{"name": node["name"], "devices": [{"name": os.path.basename(disk)} for disk in node["disks"]]}
            for node in lab_nodes.info(lab)["nodes"]]


def example_cluster(image=TENTACLE, allow_unsupported=False, rook_version=None):
    """Rook's cluster.yaml as it is, on the lab's disks: every node's disks by name, of which the 1G
    one is refused as Rook refuses it (too small)."""
    cluster = example("cluster.yaml", rook_version)[0]
    cluster["spec"]["storage"] = {"useAllNodes": False, "useAllDevices": False, "nodes": storage_nodes()}
    cluster["spec"]["cephVersion"] = {"image": image}
    # Rook's status checker every 10 s instead of the example's 60 s (a CephCluster setting Rook
    # honours, cluster/cephstatus.go): these tests watch health come and go; the roles' tests run
    # with Rook's default
    cluster["spec"]["healthCheck"]["daemonHealth"]["status"]["interval"] = "10s"
    if allow_unsupported:
        cluster["spec"]["cephVersion"]["allowUnsupported"] = True
    return cluster


def operator_manifest(rook_version=None):
    """Rook's operator.yaml (of Rook v1.20.6, or ``rook_version``) with ROOK_CEPH_ALLOW_LOOP_DEVICES "true"
    in its ConfigMap rook-ceph-operator-config, as a test cluster on loop devices needs it (Rook's own CI
    edits it so), as YAML."""
    folder = rookfiles.examples(rook_version) if rook_version else ROOK_EXAMPLES
    with open(os.path.join(folder, "operator.yaml")) as handle:
        docs = [doc for doc in yaml.safe_load_all(handle) if doc]
    config = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "rook-ceph-operator-config"]
    assert len(config) == 1 and config[0]["data"]["ROOK_CEPH_ALLOW_LOOP_DEVICES"] == "false"
    config[0]["data"]["ROOK_CEPH_ALLOW_LOOP_DEVICES"] = "true"
    return yaml.safe_dump_all(docs, sort_keys=False)


def phase(obj):
    return ((obj or {}).get("status") or {}).get("phase")


def has_condition(obj, ctype, reason=None):
    return any(c["type"] == ctype and c["status"] == "True" and reason in (None, c.get("reason"))
               for c in ((obj or {}).get("status") or {}).get("conditions", []))


def s3(method, url, access, secret, body=b""):
    """One S3 request signed with AWS signature v2 (radosgw accepts it)."""
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    path = "/" + url.split("/", 3)[3]
    ctype = "application/octet-stream" if body else ""
    sign = "%s\n\n%s\n%s\n%s" % (method, ctype, date, path)
    sig = base64.b64encode(hmac.new(secret.encode(), sign.encode(), hashlib.sha1).digest()).decode()
    headers = {"Date": date, "Authorization": "AWS %s:%s" % (access, sig)}
    if body:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read()


def play_recap(output):
    """{host: {ok, changed, unreachable, failed, ...}} from ansible-playbook's PLAY RECAP lines."""
    recap = {}
    for line in output.splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match and "ok=" in match.group(2):
            recap[match.group(1)] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2)))
    return recap


class LabelWatch:
    """`kubectl get deploy --watch` in the background: when each daemon Deployment's label took
    each value, as the API saw it (polling can miss a daemon that rolls in a second)."""

    def __init__(self, lab, label):
        self.label = label
        self.flips = []  # (monotonic time, deployment, new value)
        self._last = {}
        self._proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["kubectl", "--kubeconfig", lab.kubeconfig, "-n", NS, "get", "deploy", "-l", "rook_cluster=%s" % NS,
             "--watch", "--output-watch-events", "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        decoder, buf = json.JSONDecoder(), ""
        for line in self._proc.stdout:
            buf += line
            try:
                event, end = decoder.raw_decode(buf.lstrip())
            except ValueError:
                continue
            buf = buf.lstrip()[end:]
            obj = event.get("object") or {}
            name = obj.get("metadata", {}).get("name")
            value = (obj.get("metadata", {}).get("labels") or {}).get(self.label)
            if name and value and self._last.get(name) != value:
                if name in self._last:
                    self.flips.append((time.monotonic(), name, value))
                self._last[name] = value

    def stop(self):
        self._proc.terminate()
        self._proc.wait(10)
        self._thread.join(10)


class RookLab:
    def __init__(self, env):
        self.env = env
        self.name = env["KOOR_LAB_NAME"]
        self.kubeconfig = env["KUBECONFIG"]
        self.timings = TIMINGS

    # --- the API ---------------------------------------------------------------------------
    def kubectl(self, *args, input=None, check=True, timeout=180):
        proc = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args), input=input,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode:
            raise AssertionError("kubectl %s failed: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
        return proc

    def apply(self, obj):
        return self.kubectl("apply", "-f", "-", input=json.dumps(obj))

    def patch(self, kind, name, body, ns=NS):
        return self.kubectl("-n", ns, "patch", kind, name, "--type", "merge", "-p", json.dumps(body))

    def delete(self, kind, name, ns=NS):
        return self.kubectl("-n", ns, "delete", kind, name, "--wait=false")

    def get(self, kind, name, ns=NS):
        proc = self.kubectl("-n", ns, "get", kind, name, "-o", "json", check=False)
        return json.loads(proc.stdout) if proc.returncode == 0 else None

    def items(self, kind, ns=NS, selector=None):
        args = ["-n", ns, "get", kind, "-o", "json"] + (["-l", selector] if selector else [])
        return json.loads(self.kubectl(*args).stdout)["items"]

    def secret(self, name, ns=NS):
        obj = self.get("secret", name, ns)
        return {k: base64.b64decode(v).decode() for k, v in obj["data"].items()} if obj else None

    def wait(self, kind, name, predicate, timeout, what, ns=NS, poll=2):
        deadline = time.monotonic() + timeout
        obj = None
        while time.monotonic() < deadline:
            obj = self.get(kind, name, ns)
            if predicate(obj):
                return obj
            time.sleep(poll)
        raise AssertionError("timed out after %ss waiting for %s %s to be %s; last status: %s\nsimulator log:\n%s"
                             % (timeout, kind, name, what, json.dumps((obj or {}).get("status"))[:1500],
                                self.log_tail()))

    def wait_ready(self, kind, name, timeout, ns=NS):
        started = time.monotonic()
        obj = self.wait(kind, name, lambda o: phase(o) == "Ready", timeout, "Ready", ns)
        self.timings["%s %s ready" % (kind, name)] = time.monotonic() - started
        return obj

    def wait_gone(self, kind, name, timeout, ns=NS):
        return self.wait(kind, name, lambda o: o is None, timeout, "deleted", ns)

    def log_tail(self, lines=25):
        try:
            with open("/var/lib/koor-lab/%s/rooksim.log" % self.name) as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError as exc:
            return str(exc)

    def labels(self, app=None):
        """{deployment name: labels} of the cluster's daemon Deployments."""
        selector = "rook_cluster=%s" % NS + (",app=%s" % app if app else "")
        return {d["metadata"]["name"]: d["metadata"]["labels"] for d in self.items("deploy", selector=selector)}

    # --- the real cluster --------------------------------------------------------------------
    def toolbox_rolled_out(self, timeout=60):
        """Wait until the toolbox Deployment runs its current pod template (the lab's exec annotation
        changes with the cluster: a new cluster, another Ceph image), as `kubectl rollout status`."""
        def done():
            dep = self.get("deploy", "rook-ceph-tools")
            status = (dep or {}).get("status") or {}
            wanted = (dep or {}).get("spec", {}).get("replicas", 1)
            return dep is not None and status.get("observedGeneration") == dep["metadata"].get("generation") and \
                status.get("updatedReplicas") == status.get("replicas") == status.get("readyReplicas") == wanted
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the toolbox Deployment did not roll out in %ss:\n%s" % (
                timeout, self.log_tail())
            time.sleep(0.5)

    def toolbox(self, *argv, check=True, input=None):
        """A command in the toolbox (kubectl exec, once its Deployment is rolled out): the independent
        view of the real cluster."""
        self.toolbox_rolled_out()
        args = ["-n", NS, "exec"] + (["-i"] if input is not None else []) + ["deploy/rook-ceph-tools", "--"]
        return self.kubectl(*(args + list(argv)), check=check, input=input).stdout

    def ceph(self, *args):
        return json.loads(self.toolbox("ceph", "--format", "json", *args))

    def health(self):
        return self.ceph("health")["status"]

    # --- the nodes (over SSH, as an administrator would look) --------------------------------
    def nodes(self):
        return lab_nodes.info(self.name)["nodes"]

    def on_node(self, node, command, check=True):
        ssh_config = lab_nodes.info(self.name)["ssh_config"]
        proc = subprocess.run(["ssh", "-F", ssh_config, node, command], capture_output=True, text=True,
                              check=False, timeout=120)
        if check and proc.returncode:
            raise AssertionError("on %s: %s failed: %s%s" % (node, command, proc.stdout, proc.stderr))
        return proc.stdout

    def osd_disks(self):
        """{(node, device): blkid TYPE or ''} of each node's 10G disk (the OSD disks)."""
        found = {}
        for node in self.nodes():
            for device, size in zip(node["disks"], node["sizes"]):
                if size >= 5 << 30:
                    out = self.on_node(node["name"], "blkid -p -o value -s TYPE %s || true" % device)
                    found[(node["name"], device)] = out.strip()
        return found

    # --- building blocks shared by the test files --------------------------------------------
    def ensure_cluster(self):
        """Rook's manifests and the example CephCluster (Tentacle), Ready with HEALTH_OK."""
        cr = self.get("cephcluster", "rook-ceph")
        if cr is None or phase(cr) != "Ready":
            started = time.monotonic()
            self.apply_rook()
            if cr is None:
                self.apply(example_cluster())
            self.wait("cephcluster", "rook-ceph", lambda o: phase(o) == "Ready"
                      and o["status"]["ceph"]["health"] == "HEALTH_OK", 420, "Ready + HEALTH_OK")
            self.timings["cluster ready"] = time.monotonic() - started
        if self.get("deploy", "rook-ceph-tools") is None:
            self.apply_toolbox()
        return self.get("cephcluster", "rook-ceph")

    def apply_toolbox(self):
        """Rook's toolbox.yaml as a user applies it (Rook's operator never makes it), until its pod
        runs in the lab's Ceph chroot (the simulator adds the lab's exec annotation to it)."""
        for doc in example("toolbox.yaml"):
            self.apply(doc)

        def execs(pods):
            return any(EXEC_ANNOTATION in (p["metadata"].get("annotations") or {}) and p["status"].get("phase") == "Running"
                       for p in pods)
        deadline = time.monotonic() + 60
        while not execs(self.items("pod", selector="app=rook-ceph-tools")):
            assert time.monotonic() < deadline, "the toolbox's pod got no exec annotation:\n%s" % self.log_tail()
            time.sleep(1)

    def apply_rook(self, rook_version=None):
        """Rook's release manifests (of Rook v1.20.6, or ``rook_version``) as they install it: CRDs
        server-side, then common, the CSI operator and the operator (loop devices allowed)."""
        folder = rookfiles.examples(rook_version) if rook_version else ROOK_EXAMPLES
        self.kubectl("apply", "--server-side", "--force-conflicts", "-f", os.path.join(folder, "crds.yaml"))
        for manifest in ("common.yaml", "csi-operator.yaml"):
            self.kubectl("apply", "-f", os.path.join(folder, manifest))
        self.kubectl("apply", "-f", "-", input=operator_manifest(rook_version))

    def install_rook(self, rook_version):
        """Rook's operator of ``rook_version`` as its release manifests install it, until the simulator
        runs it."""
        self.apply_rook(rook_version)
        self.wait("deploy", "rook-ceph-operator", lambda o: o["spec"]["template"]["spec"]["containers"][0]["image"]
                  .endswith(":" + rook_version), 30, "operator %s" % rook_version)

    def ensure_object_store(self):
        """Rook's example object store my-store, Ready."""
        for doc in example("object.yaml"):
            self.apply(doc)
        return self.wait_ready("cephobjectstore", "my-store", 360)


def up_fresh(name, node_disks):
    """A fresh Rook lab NAME (3 nodes with NODE_DISKS), as a RookLab."""
    subprocess.run([KOOR_LAB, "down", "--name", name], check=True, capture_output=True)
    proc = subprocess.run([KOOR_LAB, "up", "--rook", "--name", name, "--nodes", "3", "--node-disks", node_disks],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    env = {}
    for line in proc.stdout.splitlines():
        if line.startswith("export "):
            key, value = line[len("export "):].split("=", 1)
            env[key] = value.strip("'")
    return RookLab(env)


def rook_lab():
    """The session's Rook lab: made fresh, yielded, removed (also when tests fail)."""
    started = time.monotonic()
    lab = up_fresh(LAB, "10G,1G")
    lab.timings["lab up"] = time.monotonic() - started
    try:
        yield lab
    finally:
        subprocess.run([KOOR_LAB, "down", "--name", LAB], check=False, capture_output=True)
