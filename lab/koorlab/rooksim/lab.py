"""`koor-lab up --rook` / `koor-lab down`: a Rook lab = nodes + the lab Kubernetes API + the
Rook simulator (operator.py), with a kubeconfig and an inventory under inventories/lab/.

Files of lab L: /var/lib/koor-lab/L/rooksim.pid and rooksim.log (the simulator process),
/var/lib/koor-lab/L/rook/ (the Ceph cluster it builds, see ceph.py), the kube API's files (see
koorlab.kube.cli) and the nodes' (koorlab.nodes). Written for clients:
inventories/lab/generated/L-kubeconfig and inventories/lab/generated/L-rook.yml.
"""

import json
import os
import shutil
import signal
import subprocess
import time

from .. import charts, nodes, rookfiles, tools
from ..util import LabError, cmdline, log, pid_alive, wait_for
from . import ceph as cephlib

LAB_HOME = os.environ.get("KOOR_LAB_HOME", "/var/lib/koor-lab")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VENV_PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
DEFAULT_NODES = 3
DEFAULT_DISKS = "10G,10G,1G"


def _pid_path(lab):
    return os.path.join(LAB_HOME, lab, "rooksim.pid")


def kubeconfig_copy(lab):
    return os.path.join(nodes.INVENTORY_DIR, "%s-kubeconfig" % lab)


def inventory_path(lab):
    return os.path.join(nodes.INVENTORY_DIR, "%s-rook.yml" % lab)


def operator_pid(lab):
    try:
        with open(_pid_path(lab)) as handle:
            pid = int(handle.read().strip())
    except (FileNotFoundError, ValueError):
        return None
    ours = "koorlab.rooksim.operator" in " ".join(cmdline(pid))
    return pid if ours and pid_alive(pid) else None


def start_operator(lab, kubeconfig):
    if operator_pid(lab):
        return operator_pid(lab)
    if not os.path.exists(VENV_PYTHON):
        raise LabError("%s not found: the Rook simulator needs the project's venv (make venv)" % VENV_PYTHON)
    log_path = os.path.join(LAB_HOME, lab, "rooksim.log")
    # The collection's runner (one librados connection for the simulator's mon commands) is
    # imported as ansible_collections.koor.ceph: the tree linked where ansible.cfg looks too.
    collections = os.path.join(ROOT, ".cache", "collections")
    link = os.path.join(collections, "ansible_collections", "koor", "ceph")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(ROOT, os.path.dirname(link)), link)
    proc_env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "lab"), collections]),
                    PYTHONUNBUFFERED="1")
    for var in ("CEPH_ARGS", "CEPH_CONF", "CEPH_KEYRING"):
        proc_env.pop(var, None)
    with open(log_path, "ab") as out:
        proc = subprocess.Popen([VENV_PYTHON, "-m", "koorlab.rooksim.operator", "--lab", lab,  # pylint: disable=consider-using-with
                                 "--kubeconfig", kubeconfig], stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                env=proc_env, start_new_session=True, cwd="/")
    with open(_pid_path(lab), "w") as handle:
        handle.write("%d\n" % proc.pid)
    time.sleep(0.5)
    if proc.poll() is not None:
        raise LabError("the Rook simulator exited at once (rc=%s): see %s" % (proc.returncode, log_path))
    log("Rook simulator of lab %r running (pid %d, log %s)" % (lab, proc.pid, log_path))
    return proc.pid


def stop_operator(lab):
    pid = operator_pid(lab)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    if os.path.exists(_pid_path(lab)):
        os.unlink(_pid_path(lab))


def wait_nodes_registered(lab, url, timeout=30):
    """Until the simulator has registered a Node for every lab node (what the kubelets do before a
    cluster is usable): roles read the Nodes to match storage hosts against."""
    import ssl  # pylint: disable=import-outside-toplevel
    import urllib.error  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel
    from ..kube import cli as kube  # pylint: disable=import-outside-toplevel
    directory = kube.kube_dir(lab)
    with open(os.path.join(directory, "token"), encoding="utf-8") as handle:
        token = handle.read().strip()
    context = ssl.create_default_context(cafile=os.path.join(directory, "ca.pem"))
    wanted = {n["name"] for n in (nodes.load_state(lab) or {}).get("nodes", {}).values()}

    def registered():
        request = urllib.request.Request(url + "/api/v1/nodes", headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(request, timeout=5, context=context) as resp:
                have = {n["metadata"]["name"] for n in json.load(resp).get("items", [])}
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise LabError("the lab API: %s" % exc)
        if not wanted <= have:
            raise LabError("not yet registered: %s" % ", ".join(sorted(wanted - have)))
        return True

    wait_for("the Rook simulator of lab %r to register a Node per lab node (log: %s)"
             % (lab, os.path.join(LAB_HOME, lab, "rooksim.log")), registered, timeout, interval=0.2)


def up(lab, count=None, disks=None):
    """Nodes, the lab Kubernetes API and the simulator. Returns what env() returns."""
    from ..kube import cli as kube  # pylint: disable=import-outside-toplevel
    started = time.monotonic()
    if count is None and nodes.load_state(lab) is None:
        count = DEFAULT_NODES
    nodes.up(lab, count, disks or (DEFAULT_DISKS if count else None))
    info = kube.up(lab)
    start_operator(lab, info["kubeconfig"])
    wait_nodes_registered(lab, info["url"])
    write_inventory(lab, info["kubeconfig"])
    log("Rook lab %r up in %.1fs: apply Rook's manifests with KUBECONFIG=%s" % (lab, time.monotonic() - started,
                                                                                kubeconfig_copy(lab)))
    return env(lab)


def rook_files():
    """The cache folder of Rook's release files (<it>/<version>/deploy/...), every pinned version in it."""
    for version in rookfiles.versions():
        rookfiles.ensure(version)
    return rookfiles.CACHE_ROOT


def helm_source():
    """The inventory variables of the Helm source: the lab's helm and the folder of its packages of Rook's
    charts (<it>/<version>/rook-ceph-<version>.tgz); none, with a warning, when helm cannot be had (the
    manifests source does not need it)."""
    try:
        for version in rookfiles.versions():
            for name in charts.CHARTS:
                charts.package(version, name)
        return {"koor_lab_helm": tools.helm(), "koor_lab_rook_charts": charts.CACHE_ROOT}
    except LabError as exc:
        log("warning: no helm in this lab, rook_operator_source helm will not run: %s" % exc)
        return {}


def write_inventory(lab, kubeconfig):
    os.makedirs(nodes.INVENTORY_DIR, exist_ok=True)
    shutil.copy(kubeconfig, kubeconfig_copy(lab))
    os.chmod(kubeconfig_copy(lab), 0o600)
    inventory = {"all": {"children": {"koor_lab_rook": {
        "hosts": {"localhost": {"ansible_connection": "local"}},
        "vars": {"koor_lab_name": lab,
                 "koor_ceph_connection": {"transport": "kubectl_exec", "kubeconfig": kubeconfig_copy(lab),
                                          "namespace": "rook-ceph", "toolbox": "deploy/rook-ceph-tools"},
                 "k8s_kubeconfig": kubeconfig_copy(lab), "koor_lab_kubeconfig": kubeconfig_copy(lab),
                 # Rook's release files, checked into the cache: <this>/<version>/deploy/...
                 "koor_lab_rook_files": rook_files()}}}}}
    inventory["all"]["children"]["koor_lab_rook"]["vars"].update(helm_source())
    with open(inventory_path(lab), "w") as handle:
        handle.write("# Written by lab/koor-lab up --rook for lab %r. Do not edit.\n" % lab)
        json.dump(inventory, handle, indent=2, sort_keys=True)
        handle.write("\n")


def down(lab):
    """Stop the simulator, remove its Ceph cluster (daemons, disks wiped), the API and the nodes."""
    stop_operator(lab)
    cluster = cephlib.CephCluster(lab)
    if cluster.exists or os.path.isdir(cluster.home):
        try:
            cluster.destroy(wipe=False)  # the nodes' disk images are removed next
        except LabError as exc:
            log("removing the simulator's cluster: %s" % exc)
    try:
        from ..kube import cli as kube  # pylint: disable=import-outside-toplevel
        kube.down(lab)
    except ImportError:
        pass
    for path in (kubeconfig_copy(lab), inventory_path(lab), os.path.join(LAB_HOME, lab, "rooksim.log")):
        if os.path.exists(path):
            os.unlink(path)


def env(lab):
    values = {"KOOR_LAB_NAME": lab, "KUBECONFIG": kubeconfig_copy(lab),
              "KOOR_LAB_ROOK_INVENTORY": inventory_path(lab),
              "KOOR_LAB_ROOKSIM_PID": str(operator_pid(lab) or "")}
    cluster = cephlib.CephCluster(lab)
    if cluster.exists:
        values.update({"KOOR_LAB_CONF": cluster.conf, "KOOR_LAB_PREFIX": "chroot %s" % cluster.prefix()[1],
                       "KOOR_LAB_FSID": cluster.fsid})
    return values
