"""A real Ceph cluster across a lab's test nodes, run the way Rook runs it.

Each daemon runs inside its node: in the node's network namespace (so it binds the node's
address and CRUSH sees real hosts), its UTS namespace (host name = node name) and its mount
namespace (its /dev shows only the node's own loop disks). Inside that, the daemon runs in the
Ceph image chroot of its release (koorlab.images: sid = Tentacle 20.2.4, trixie = Reef 18.2.7).
Within the node's private mount namespace the chroot gets, by bind mounts that never reach the
host:
    ROOT/dev, ROOT/proc, ROOT/sys     the node's own (rbind)
    ROOT/<home>                       the cluster's shared home (conf, keyrings, mon/mgr/mds data,
                                      logs, pid files), at the same path as on the host
    ROOT/etc/ceph                     <home>/etc (ceph.conf, so ceph-volume finds it)
    ROOT/var/lib/ceph                 <home>/nodes/nodeI/lib (bootstrap keyring, OSD tmpfs dirs),
                                      like Rook's dataDirHostPath on that node
    ROOT/var/log/ceph                 <home>/nodes/nodeI/log (ceph-volume's log)
OSDs are made as Rook makes them: `ceph-volume raw prepare --bluestore --data DEV` and
`ceph-volume raw activate --device DEV --no-systemd` inside the node, then ceph-osd with
the node as its CRUSH host. Daemons are started without systemd and found by their pid files.

The home of a lab L is /var/lib/koor-lab/L/rook/; on the host it is bind-mounted at the same
path inside each image root, so `chroot ROOT ceph -c HOME/etc/ceph.conf` works from the host
(the host reaches the nodes through the lab's bridge).
"""

import importlib.util
import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid

from .. import images, nodes
from ..util import LabError, clean_env, cmdline, log, mounts_under, pid_alive, pids_matching, run, wait_for

try:  # the collection's runner: one librados connection (its agent in the image chroot)
    from ansible_collections.koor.ceph.plugins.module_utils.errors import CephError
    from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner
except ImportError:  # run without the collection on sys.path: the ceph CLI for everything
    CephRunner = CephError = None


def collection_module(name):
    """A standalone module of the collection's module_utils (agent, whose mon_argv renders a mon
    command as the ceph CLI line the collection records and runs; rook_contract, the facts about
    Rook the simulator shares with the roles): imported from the collection where it is on
    sys.path, else loaded from this checkout's file."""
    try:
        return importlib.import_module("ansible_collections.koor.ceph.plugins.module_utils." + name)
    except ImportError:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins",
                            "module_utils", name + ".py")
        spec = importlib.util.spec_from_file_location("koor_ceph_" + name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


CONTRACT = collection_module("rook_contract")


_AGENT = collection_module("agent")

LAB_HOME = os.environ.get("KOOR_LAB_HOME", "/var/lib/koor-lab")
MON_V2, MON_V1 = 3300, 6789
MIN_OSD_BYTES = 5 << 30  # ceph-volume's "Insufficient space (<5GB)"

# Ceph versions the lab has images for, and the image of each.
SUITE_OF_VERSION = {images.SUITES[s]["ceph"]: s for s in images.SUITES}

_CONF = """\
# koor-lab Rook simulator cluster of lab {lab}: test infrastructure.
[global]
fsid = {fsid}
mon_host = {mon_host}
public_network = {network}
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
run_dir = {home}/run
log_file = {home}/log/$name.log
mon_cluster_log_file = {home}/log/cluster.log
crash_dir = {home}/crash
osd_pool_default_size = 3
osd_pool_default_min_size = 2
osd_pool_default_pg_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_data_avail_warn = 3
mon_data_avail_crit = 1
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
paxos_propose_interval = 0.1
mgr_stats_period = 1
mgr_initial_modules = iostat nfs
mon_osd_full_ratio = 0.97
mon_osd_backfillfull_ratio = 0.95
mon_osd_nearfull_ratio = 0.93
osd_memory_target = 805306368
bluestore_fsck_on_mount = false

[client]
keyring = {home}/etc/ceph.client.admin.keyring

[mon]
admin_socket = {home}/run/$name.asok
pid_file = {home}/run/$name.pid
mon_data = {home}/data/$name
keyring = {home}/data/$name/keyring

[mgr]
admin_socket = {home}/run/$name.asok
pid_file = {home}/run/$name.pid
mgr_data = {home}/data/$name
keyring = {home}/data/$name/keyring

[mds]
admin_socket = {home}/run/$name.asok
pid_file = {home}/run/$name.pid
mds_data = {home}/data/$name
keyring = {home}/data/$name/keyring

[osd]
admin_socket = {home}/run/$name.asok
pid_file = {home}/run/$name.pid
keyring = /var/lib/ceph/osd/ceph-$id/keyring
"""

_NODE_UNMOUNTS = r"""
R="$1"; H="$2"
for t in "$R/var/log/ceph" "$R/var/lib/ceph" "$R/etc/ceph" "$R$H" "$R/sys" "$R/proc" "$R/dev"; do
    for i in 1 2 3 4 5 6 7 8; do umount -l "$t" 2>/dev/null || break; done
done
true
"""

_NODE_MOUNTS = _NODE_UNMOUNTS + r"""
set -e
N="$3"
for d in dev proc sys; do mount --rbind "/$d" "$R/$d"; done
mkdir -p "$R$H" "$N/lib/bootstrap-osd" "$N/lib/osd" "$N/log" "$R/var/lib/ceph" "$R/var/log/ceph" "$R/etc/ceph"
mount --bind "$H" "$R$H"
mount --bind "$H/etc" "$R/etc/ceph"
mount --bind "$N/lib" "$R/var/lib/ceph"
mount --bind "$N/log" "$R/var/log/ceph"
"""

CAPS = {
    "mgr": ["mon", "allow profile mgr", "osd", "allow *", "mds", "allow *"],
    "mds": ["mon", "allow profile mds", "osd", "allow *", "mds", "allow", "mgr", "allow profile mds"],
    "rgw": ["mon", "allow rw", "osd", "allow rwx", "mgr", "allow rw"],
}


def home_dir(lab):
    return os.path.join(LAB_HOME, lab, "rook")


def suite_for_image(image):
    """quay.io/ceph/ceph:v20.2.4 -> ('20.2.4', 'sid'); raises LabError for versions the lab
    has no binaries for."""
    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
    version = tag.lstrip("v").split("-")[0]
    if version not in SUITE_OF_VERSION:
        raise LabError("image %r: the lab has Ceph %s only" % (image, " and ".join(sorted(SUITE_OF_VERSION))))
    return version, SUITE_OF_VERSION[version]


class Node:
    """One lab node as the cluster uses it."""

    def __init__(self, index, info):
        self.index = index
        self.name = info["name"]
        self.address = info["address"]
        self.init_pid = info["init_pid"]
        self.disks = info["disks"]
        self.running = info["running"]

    def __repr__(self):
        return "Node(%s)" % self.name


class CephCluster:
    """The simulator's Ceph cluster of one lab (state in HOME/state.json)."""

    def __init__(self, lab):
        self.lab = lab
        self.home = home_dir(lab)
        self.conf = os.path.join(self.home, "etc", "ceph.conf")
        self.admin_keyring = os.path.join(self.home, "etc", "ceph.client.admin.keyring")
        self.state = self._load()
        self.lock = threading.RLock()
        self._runner = None  # (suite, CephRunner)
        self._runner_lock = threading.Lock()

    # --- state ------------------------------------------------------------------------
    def _state_path(self):
        return os.path.join(self.home, "state.json")

    def _load(self):
        try:
            with open(self._state_path()) as handle:
                return json.load(handle)
        except (FileNotFoundError, ValueError):
            return None

    def save(self):
        with self.lock:
            tmp = self._state_path() + ".tmp"
            with open(tmp, "w") as handle:
                json.dump(self.state, handle, indent=2, sort_keys=True)
            os.replace(tmp, self._state_path())

    @property
    def exists(self):
        return self.state is not None

    @property
    def fsid(self):
        return self.state["fsid"]

    def nodes(self):
        info = nodes.info(self.lab)
        if not info:
            raise LabError("lab %r has no nodes: run 'koor-lab up --name %s --nodes 3' first" % (self.lab, self.lab))
        return [Node(i + 1, n) for i, n in enumerate(info["nodes"])]

    def node(self, name_or_index):
        for node in self.nodes():
            if name_or_index in (node.name, node.index, str(node.index)):
                return node
        raise LabError("lab %r has no node %r" % (self.lab, name_or_index))

    def network(self):
        return nodes.info(self.lab)["subnet"]

    # --- running commands ---------------------------------------------------------------
    def root(self, suite=None):
        return images.ensure_root(suite or self.state["suite"])

    def _host_mount(self, suite):
        root = self.root(suite)
        target = os.path.join(root, self.home.lstrip("/"))
        if target not in mounts_under(target):
            os.makedirs(target, exist_ok=True)
            run(["mount", "--bind", self.home, target])
        return root

    def host(self, argv, suite=None, **kw):
        """A command in the image chroot on the host (CLI clients of the cluster)."""
        root = self._host_mount(suite or self.state["suite"])
        return run(["chroot", root] + list(argv), **kw)

    def ceph(self, *args, timeout=60, check=True, inbuf=None, suite=None, parse=True):
        """The ceph CLI from the host, JSON parsed (or the CompletedProcess when check=False)."""
        argv = ["ceph", "-c", self.conf, "--connect-timeout", "15", "--format", "json"] + list(args)
        proc = self.host(argv, suite=suite, timeout=timeout, check=check, input=inbuf)
        if not check:
            return proc
        out = proc.stdout.strip()
        if not parse:
            return out
        return json.loads(out) if out.startswith(("{", "[")) else out

    def mon(self, prefix, check=True, timeout=60, **args):
        """One mon/mgr command (JSON arguments, as `ceph --format json` sends them) over the
        collection's CephRunner in the image chroot: one long-lived librados connection, ~1 ms a
        command instead of a ~0.3-0.6 s `ceph` process. The parsed output; LabError on failure
        (check=False: (rc, parsed output or text, stderr) instead)."""
        cmd = dict(prefix=prefix, format="json")
        cmd.update((k, v) for k, v in args.items() if v is not None)
        if CephRunner is None:
            return self._mon_cli(cmd, check, timeout)
        with self._runner_lock:
            suite = self.state["suite"]
            if self._runner is not None and self._runner[0] != suite:
                self.close_runner()
            try:
                if self._runner is None:
                    self._host_mount(suite)
                    runner = CephRunner({"transport": "prefix", "prefix": ["chroot", self.root(suite)],
                                         "conf": self.conf, "keyring": self.admin_keyring, "timeout": 30})
                    runner.start()
                    self._runner = (suite, runner)
                reply = self._runner[1].mon_raw(cmd, "", timeout)
            except CephError as exc:
                self.close_runner()
                raise LabError("%s: %s" % (prefix, exc))
        out = reply["out"].strip()
        parsed = json.loads(out) if out.startswith(("{", "[")) else out
        if not check:
            return reply["rc"], parsed, reply["err"]
        if reply["rc"]:
            raise LabError("ceph %s failed (rc=%d): %s" % (prefix, reply["rc"], reply["err"].strip()[-1000:]))
        return parsed

    def _mon_cli(self, cmd, check, timeout):
        argv = ["ceph", "-c", self.conf, "--connect-timeout", "15", "--format", "json"] + _AGENT.mon_words(cmd)
        proc = self.host(argv, timeout=timeout, check=check)
        out = proc.stdout.strip()
        parsed = json.loads(out) if out.startswith(("{", "[")) else out
        return parsed if check else (proc.returncode, parsed, proc.stderr)

    def close_runner(self):
        """Drop the librados connection (a new release's binaries, a rotated client.admin key)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                runner[1].close()
            except CephError:
                pass

    def _node_dir(self, node):
        return os.path.join(self.home, "nodes", "node%d" % node.index)

    def _ensure_node_mounts(self, node, suite):
        """Bind mounts of the chroot inside the node's mount namespace, once per namespace."""
        if not node.running:
            raise LabError("node %s is not running" % node.name)
        root = self.root(suite)
        mnt_ns = os.readlink("/proc/%d/ns/mnt" % node.init_pid)
        marker = os.path.join(self._node_dir(node), "mounted-%s" % suite)
        try:  # the image root is part of the key: a rebuilt image is a new root to mount
            with open(marker) as handle:
                if handle.read().strip() == "%s %s" % (mnt_ns, root):
                    return root
        except FileNotFoundError:
            pass
        os.makedirs(self._node_dir(node), exist_ok=True)
        run(["nsenter", "-t", str(node.init_pid), "-m", "--", "/bin/sh", "-c", _NODE_MOUNTS, "sh",
             root, self.home, self._node_dir(node)])
        with open(marker, "w") as handle:
            handle.write("%s %s\n" % (mnt_ns, root))
        return root

    def in_node(self, node, argv, suite=None, **kw):
        """A command inside the node (its net, UTS and mount namespaces) in the image chroot."""
        root = self._ensure_node_mounts(node, suite or self.state["suite"])
        return run(["nsenter", "-t", str(node.init_pid), "-m", "-n", "-u", "--", "chroot", root] + list(argv), **kw)

    def on_node(self, node, argv, **kw):
        """A host tool inside the node's namespaces (no chroot): lsblk, blkid, sgdisk."""
        return run(["nsenter", "-t", str(node.init_pid), "-m", "-n", "-u", "--"] + list(argv), **kw)

    # --- creation -----------------------------------------------------------------------
    def create(self, mon_nodes, suite="sid", fsid=None):
        """Make the cluster's home, keys and mons (ids a, b, c, ... on mon_nodes) and start the
        mons. Returns when they are in quorum."""
        if self.exists:
            raise LabError("lab %r already has a simulator cluster" % self.lab)
        network = self.network()
        self.state = {"lab": self.lab, "fsid": fsid or str(uuid.uuid4()), "suite": suite, "network": network,
                      "mons": {}, "daemons": {}, "osds": {},
                      "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        for sub in ("etc", "data", "run", "log", "crash", "nodes"):
            os.makedirs(os.path.join(self.home, sub), exist_ok=True)
        for sub in ("run", "log", "crash"):  # ceph-volume's mkfs runs as the ceph user
            os.chmod(os.path.join(self.home, sub), 0o1777)
        for index, node in enumerate(mon_nodes):
            self.state["mons"][chr(ord("a") + index)] = {"node": node.name, "address": node.address}
        self.save()
        self._write_conf()
        home = self.home
        mon_keyring = os.path.join(home, "etc", "mon.keyring")
        bootstrap = os.path.join(home, "etc", "bootstrap-osd.keyring")
        self.host(["ceph-authtool", "--create-keyring", mon_keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"])
        self.host(["ceph-authtool", "--create-keyring", self.admin_keyring, "--gen-key", "-n", "client.admin",
                   "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mds", "allow *",
                   "--cap", "mgr", "allow *"])
        self.host(["ceph-authtool", "--create-keyring", bootstrap, "--gen-key", "-n", "client.bootstrap-osd",
                   "--cap", "mon", "profile bootstrap-osd", "--cap", "mgr", "allow r"])
        for keyring in (self.admin_keyring, bootstrap):
            self.host(["ceph-authtool", mon_keyring, "--import-keyring", keyring])
            os.chmod(keyring, 0o600)
        monmap = os.path.join(home, "etc", "monmap")
        argv = ["monmaptool", "--create", "--fsid", self.fsid, "--enable-all-features"]
        for mon_id, mon in sorted(self.state["mons"].items()):
            argv += ["--addv", mon_id, self._mon_addrs(mon["address"])]
        self.host(argv + [monmap])
        for mon_id in sorted(self.state["mons"]):
            self.host(["ceph-mon", "--mkfs", "-i", mon_id, "--monmap", monmap, "--keyring", mon_keyring,
                       "-c", self.conf])
            self.state["daemons"]["mon." + mon_id] = {"type": "mon", "id": mon_id,
                                                      "node": self.state["mons"][mon_id]["node"], "suite": suite}
        self.save()
        for mon_id in sorted(self.state["mons"]):
            self.start("mon." + mon_id)
        self.wait_quorum()
        self.ceph("config", "set", "mon", "mon_allow_pool_delete", "true")
        self.ceph("config", "set", "global", "mon_warn_on_pool_no_redundancy", "false")
        for node in self.nodes():
            self.install_bootstrap_keyring(node)

    @staticmethod
    def _mon_addrs(address):
        return "[v2:%s:%d,v1:%s:%d]" % (address, MON_V2, address, MON_V1)

    def _write_conf(self):
        mon_host = ",".join(self._mon_addrs(m["address"]) for dummy, m in sorted(self.state["mons"].items()))
        text = _CONF.format(lab=self.lab, fsid=self.fsid, mon_host=mon_host, network=self.state["network"],
                            home=self.home)
        with open(self.conf + ".tmp", "w") as handle:
            handle.write(text)
        os.replace(self.conf + ".tmp", self.conf)

    def install_bootstrap_keyring(self, node):
        target = os.path.join(self._node_dir(node), "lib", "bootstrap-osd")
        os.makedirs(target, exist_ok=True)
        shutil.copy(os.path.join(self.home, "etc", "bootstrap-osd.keyring"), os.path.join(target, "ceph.keyring"))

    def wait_quorum(self, timeout=90):
        wanted = set(self.state["mons"])

        def quorum():
            try:
                rc, out, dummy = self.mon("quorum_status", check=False, timeout=20)
            except LabError:  # no mon answered in time
                return False
            return rc == 0 and set(out["quorum_names"]) == wanted
        wait_for("mons %s in quorum" % ",".join(sorted(wanted)), quorum, timeout, 0.5)

    def _keyring_for(self, name, kind):
        """Create (or get) the cephx key of a daemon and write its keyring to its data dir."""
        keyring = os.path.join(self.home, "data", name, "keyring")
        os.makedirs(os.path.dirname(keyring), exist_ok=True)
        entity = name if kind != "rgw" else "client." + name
        out = self.ceph("auth", "get-or-create", entity, *CAPS[kind], "--format", "plain", parse=False)
        with open(keyring, "w") as handle:
            handle.write(out.strip() + "\n")
        os.chmod(keyring, 0o600)
        return keyring

    def add_mgr(self, mgr_id, node, suite=None):
        name = "mgr." + mgr_id
        self._keyring_for(name, "mgr")
        self.state["daemons"][name] = {"type": "mgr", "id": mgr_id, "node": node.name,
                                       "suite": suite or self.state["suite"]}
        self.save()
        self.start(name)

    def add_mds(self, mds_id, node, fs_name, suite=None):
        name = "mds." + mds_id
        self._keyring_for(name, "mds")
        self.state["daemons"][name] = {"type": "mds", "id": mds_id, "node": node.name, "fs": fs_name,
                                       "suite": suite or self.state["suite"]}
        self.save()
        self.start(name)

    def add_rgw(self, rgw_id, node, port, store, suite=None):
        """radosgw client.rgw.<rgw_id> on the node's address and port, in zone <store>."""
        name = "rgw." + rgw_id
        self._keyring_for(name, "rgw")
        self.state["daemons"][name] = {"type": "rgw", "id": rgw_id, "node": node.name, "port": port,
                                       "address": node.address, "store": store,
                                       "suite": suite or self.state["suite"]}
        self.save()
        self.start(name)

    def remove_daemon(self, name, purge_key=True):
        self.stop(name)
        daemon = self.state["daemons"].pop(name, None)
        self.save()
        if daemon and purge_key and daemon["type"] in ("mgr", "mds", "rgw"):
            entity = name if daemon["type"] != "rgw" else "client." + name
            self.ceph("auth", "rm", entity, check=False)
        shutil.rmtree(os.path.join(self.home, "data", name), ignore_errors=True)

    # --- cephx key rotation (after a roll to Tentacle) -------------------------------------
    def rotate_key(self, entity, key_type="aes256k"):
        """`ceph auth rotate`: a new key of key_type for the entity; returns it."""
        return self.mon("auth rotate", entity=entity, key_type=key_type)[0]["key"]

    @staticmethod
    def _write_keyring(path, entity, key, caps=None):
        lines = ["[%s]" % entity, "\tkey = %s" % key]
        lines += ['\tcaps %s = "%s"' % (kind, cap) for kind, cap in sorted((caps or {}).items())]
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(tmp, path)

    def rotate_keys(self):
        """New aes256k keys for client.admin, mon. (the mons restarted one by one), every daemon
        (restarted; an OSD's key also goes into its BlueStore label, where `ceph-volume raw
        activate` takes it from) and client.bootstrap-osd. OSDs one at a time with noout set and
        PGs clean in between."""
        # ("AQ..." keys are AES-128, Tentacle's aes256k keys start "Ag")
        key = self.rotate_key("client.admin")
        self._write_keyring(self.admin_keyring, "client.admin", key,
                            {"mon": "allow *", "osd": "allow *", "mds": "allow *", "mgr": "allow *"})
        self.close_runner()  # its connection authenticated with the old key
        key = self.rotate_key("mon.")
        mons = sorted(n for n, d in self.state["daemons"].items() if d["type"] == "mon")
        for name in mons:
            self._write_keyring(os.path.join(self.home, "data", name, "keyring"), "mon.", key, {"mon": "allow *"})
        for name in mons:
            self.restart(name)
        self.wait_quorum()
        order = {"mgr": 0, "osd": 1, "mds": 2, "rgw": 3}
        daemons = sorted((n for n, d in self.state["daemons"].items() if d["type"] in order),
                         key=lambda n: (order[self.state["daemons"][n]["type"]], n))
        if any(n.startswith("osd.") for n in daemons):
            self.mon("osd set", key="noout")
        for name in daemons:
            daemon = self.state["daemons"][name]
            if daemon["type"] == "osd":
                wait_for("%s ok-to-stop" % name,
                         lambda i=daemon["id"]: self.mon("osd ok-to-stop", ids=[i], check=False)[0] == 0, 300, 1)
                self.stop(name)
                key = self.rotate_key(name)
                self.in_node(self.node(daemon["node"]),
                             ["ceph-bluestore-tool", "set-label-key", "--dev", daemon["device"], "-k", "osd_key",
                              "-v", key], timeout=120)
                self.start(name)
                self.wait_osds_up(len(self.state["osds"]))
                wait_for("PGs active+clean after %s" % name, lambda: pg_clean_all(self.status()), 300, 1)
                continue
            entity = "client." + name if daemon["type"] == "rgw" else name
            key = self.rotate_key(entity)
            self._write_keyring(os.path.join(self.home, "data", name, "keyring"), entity, key)
            self.restart(name)
        if any(n.startswith("osd.") for n in daemons):
            self.mon("osd unset", key="noout")
        key = self.rotate_key("client.bootstrap-osd")
        self._write_keyring(os.path.join(self.home, "etc", "bootstrap-osd.keyring"), "client.bootstrap-osd", key,
                            {"mon": "profile bootstrap-osd", "mgr": "allow r"})
        for node in self.nodes():
            self.install_bootstrap_keyring(node)
        # what is left: keys no file of the lab holds (Reef's client.bootstrap-mds/-mgr/-rbd/...)
        for entry in self.mon("auth ls")["auth_dump"]:
            if entry["key"].startswith("AQ") and entry["entity"].startswith("client."):
                self.rotate_key(entry["entity"])

    # --- OSDs ---------------------------------------------------------------------------
    def device_verdict(self, node, device):
        """(ok, reason) about a device for a new OSD, as Rook's OSD prepare judges it: None when
        clean, 'osd.N' when it already holds an OSD of this cluster, else the reason to refuse."""
        name = os.path.basename(device)
        if name not in node.disks and device not in node.disks:
            return False, "%s is not a disk of node %s" % (device, node.name)
        sysdir = "/sys/block/%s" % name
        with open(sysdir + "/size") as handle:
            size = int(handle.read()) * 512
        with open(sysdir + "/ro") as handle:
            if handle.read().strip() != "0":
                return False, "device is read-only"
        parts = [p for p in os.listdir(sysdir) if p.startswith(name + "p")]
        if parts:
            return False, "device has partitions (%s)" % ", ".join(sorted(parts))
        probe = self.on_node(node, ["blkid", "-p", "-o", "export", device], check=False)
        fields = dict(line.split("=", 1) for line in probe.stdout.splitlines() if "=" in line)
        if fields.get("TYPE") == "ceph_bluestore":
            label = self.in_node(node, ["ceph-bluestore-tool", "show-label", "--dev", device], check=False)
            try:
                meta = json.loads(label.stdout)[device]
            except (ValueError, KeyError):
                return False, "device holds a BlueStore label that cannot be read"
            if meta.get("ceph_fsid") == self.fsid:
                return True, "osd.%s" % meta.get("whoami")
            return False, "device belongs to another Ceph cluster (fsid %s)" % meta.get("ceph_fsid")
        if fields.get("TYPE"):
            return False, "device has a filesystem (%s)" % fields["TYPE"]
        if fields.get("PTTYPE"):
            return False, "device has a partition table (%s)" % fields["PTTYPE"]
        if size < MIN_OSD_BYTES:
            return False, "Insufficient space (<5GB)"
        return True, None

    def osd_on(self, node, device):
        for osd_id, osd in self.state["osds"].items():
            if osd["node"] == node.name and osd["device"] == device:
                return int(osd_id)
        return None

    def prepare_osd(self, node, device, device_class=None):
        """ceph-volume raw prepare on a clean device of the node; returns the new OSD id."""
        argv = ["ceph-volume", "raw", "prepare", "--bluestore", "--data", device]
        if device_class:
            argv += ["--crush-device-class", device_class]
        self.in_node(node, argv, timeout=300, env=clean_env({"CEPH_VOLUME_SKIP_RESTORECON": "yes"}))
        listing = json.loads(self.in_node(node, ["ceph-volume", "raw", "list", "--format", "json", device],
                                          timeout=120).stdout or "{}")
        for entry in listing.values():
            if entry.get("device") == device and entry.get("ceph_fsid") == self.fsid:
                osd_id = int(entry["osd_id"])
                with self.lock:
                    self.state["osds"][str(osd_id)] = {"node": node.name, "device": device, "uuid": entry["osd_uuid"]}
                    self.state["daemons"]["osd.%d" % osd_id] = {
                        "type": "osd", "id": str(osd_id), "node": node.name, "device": device,
                        "suite": self.state["suite"]}
                    self.save()
                return osd_id
        raise LabError("ceph-volume raw prepare of %s on %s left no OSD in 'raw list'" % (device, node.name))

    def _activate_osd(self, osd_id, node, suite):
        osd = self.state["osds"][str(osd_id)]
        data = os.path.join(self._node_dir(node), "lib", "osd", "ceph-%d" % osd_id)
        self._ensure_node_mounts(node, suite)
        # A previous activation's tmpfs lives in the node's mount namespace only; activating
        # again (as Rook's OSD pod does on every start) is idempotent.
        self.in_node(node, ["ceph-volume", "raw", "activate", "--device", osd["device"], "--no-systemd"],
                     suite=suite, timeout=180, env=clean_env({"CEPH_VOLUME_SKIP_RESTORECON": "yes"}))
        return data

    # --- daemons ------------------------------------------------------------------------
    def pidfile(self, name):
        return os.path.join(self.home, "run", "%s.pid" % ("client." + name if name.startswith("rgw.") else name))

    def pid(self, name):
        try:
            with open(self.pidfile(name)) as handle:
                pid = int(handle.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            return None
        if pid and pid_alive(pid) and self.conf in " ".join(cmdline(pid)):
            return pid
        return None

    def running(self, name):
        return self.pid(name) is not None

    def start(self, name, suite=None):
        """Start a daemon in its node from its release's chroot (no-op if it runs)."""
        daemon = self.state["daemons"][name]
        if suite:
            daemon["suite"] = suite
            self.save()
        if self.running(name):
            return
        suite = daemon["suite"]
        node = self.node(daemon["node"])
        kind, ident = daemon["type"], daemon["id"]
        if kind == "mon":
            argv = ["ceph-mon", "-i", ident, "--public-addr", node.address]
        elif kind == "mgr":
            argv = ["ceph-mgr", "-i", ident]
            if suite == "trixie":
                argv += ["--mgr_module_path", self._reef_mgr_modules()]
        elif kind == "mds":
            argv = ["ceph-mds", "-i", ident]
        elif kind == "osd":
            self._activate_osd(int(ident), node, suite)
            argv = ["ceph-osd", "-i", ident, "--crush-location", "root=default host=%s" % node.name]
        elif kind == "rgw":
            keyring = os.path.join(self.home, "data", name, "keyring")
            argv = ["radosgw", "-n", "client." + name, "--keyring", keyring,
                    "--rgw-frontends", "beast endpoint=%s:%d" % (node.address, daemon["port"]),
                    "--rgw-realm", daemon["store"], "--rgw-zonegroup", daemon["store"], "--rgw-zone", daemon["store"],
                    "--pid-file", self.pidfile(name),
                    "--admin-socket", os.path.join(self.home, "run", "client.%s.asok" % name)]
        else:
            raise LabError("unknown daemon type %r" % kind)
        if os.path.exists(self.pidfile(name)):
            os.unlink(self.pidfile(name))
        self.in_node(node, argv + ["-c", self.conf], suite=suite, timeout=120)
        wait_for("%s to write its pid file" % name, lambda: self.running(name), 30, 0.1)

    def _reef_mgr_modules(self):
        """Reef's mgr module path without the bcrypt trap (images.reef_mgr_modules)."""
        return images.reef_mgr_modules(os.path.join(self.home, "mgr-modules-reef"))

    def stop(self, name, grace=20):
        pid = self.pid(name)
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
            wait_for("%s to exit" % name, lambda: not pid_alive(pid), 15, 0.1)

    def restart(self, name, suite=None):
        self.stop(name)
        self.start(name, suite=suite)

    def start_all(self):
        order = ("mon", "mgr", "osd", "mds", "rgw")
        for kind in order:
            for name, daemon in sorted(self.state["daemons"].items()):
                if daemon["type"] == kind:
                    self.start(name)
            if kind == "mon":
                self.wait_quorum()

    def stop_all(self, graceful=True):
        order = (("rgw", 3), ("mds", 5), ("osd", 20), ("mgr", 10), ("mon", 10))
        for kind, grace in order:
            for name, daemon in sorted(self.state["daemons"].items()):
                if daemon["type"] == kind:
                    self.stop(name, grace if graceful else 0)

    # --- Ceph-side helpers the operator uses --------------------------------------------
    def wait_osds_up(self, count, timeout=180):
        wait_for("%d OSDs up" % count, lambda: self.mon("osd stat", timeout=20)["num_up_osds"] >= count,
                 timeout, 0.5)

    def status(self):
        return self.mon("status", timeout=30)

    def versions(self):
        return self.mon("versions", timeout=30)

    def readiness(self):
        """(ready, reasons): HEALTH_OK and every PG active+clean."""
        status = self.status()
        reasons = []
        health = status["health"]["status"]
        if health != "HEALTH_OK":
            reasons.append("%s: %s" % (health, ", ".join(sorted(status["health"].get("checks", {})))))
        pgmap = status.get("pgmap", {})
        total = pgmap.get("num_pgs", 0)
        clean = sum(s["count"] for s in pgmap.get("pgs_by_state", []) if pg_clean(s["state_name"]))
        if clean != total:
            reasons.append("%d of %d PGs active+clean" % (clean, total))
        return not reasons, reasons

    def wait_ready(self, timeout=240):
        last = {"reasons": None}

        def ready():
            ok, reasons = self.readiness()
            if reasons != last["reasons"]:
                log("rooksim: " + ("; ".join(reasons) if reasons else "ready"))
                last["reasons"] = reasons
            return ok
        wait_for("the cluster to be HEALTH_OK with every PG active+clean", ready, timeout, 0.5)

    def rgw_answers(self, url):
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def env(self):
        """What a shell (or the toolbox) needs to use the cluster."""
        return {"CEPH_CONF": self.conf, "CEPH_ARGS": "", "LC_ALL": "C"}

    def prefix(self):
        return ["chroot", self._host_mount(self.state["suite"])]

    def external_status(self, tag, mons, user, key):
        """`ceph status` of another cluster (mons ["HOST:PORT"], cephx user and key), from the
        lab's Tentacle image on the host: what Rook's external mode connects with."""
        root = images.ensure_root("sid")
        keyfile = os.path.join(root, "tmp", "koor-lab-external-%s.key" % tag)
        fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        argv = ["chroot", root, "ceph", "-c", "/dev/null", "-m", ",".join(mons), "--name", user,
                "--keyfile", keyfile[len(root):], "--connect-timeout", "10", "--format", "json", "status"]
        proc = run(argv, check=False, timeout=30, env=clean_env())
        if proc.returncode:
            raise LabError((proc.stderr or proc.stdout).strip() or "rc=%d" % proc.returncode)
        return json.loads(proc.stdout)

    # --- teardown -------------------------------------------------------------------------
    def wipe_device(self, node, device):
        """Rook's manual wipe: sgdisk --zap-all, zeros at 0/1G/10G/100G/1000G within the disk."""
        self.on_node(node, ["sgdisk", "--zap-all", device], check=False)
        with open("/sys/block/%s/size" % os.path.basename(device)) as handle:
            size = int(handle.read()) * 512
        for offset_gib in (0, 1, 10, 100, 1000):
            if offset_gib << 30 < size:
                self.on_node(node, ["dd", "if=/dev/zero", "of=" + device, "bs=1K", "count=200", "oflag=direct,dsync",
                                    "seek=%d" % ((offset_gib << 30) // 1024)], check=False)

    def destroy(self, wipe=True):
        """Stop every daemon, wipe the OSD devices (wipe=True) and remove the home."""
        if self.state is not None:
            self.stop_all(graceful=False)
            if wipe:
                for osd in self.state["osds"].values():
                    try:
                        self.wipe_device(self.node(osd["node"]), osd["device"])
                    except LabError as exc:
                        log("rooksim: could not wipe %s on %s: %s" % (osd["device"], osd["node"], exc))
        leftovers = pids_matching(self.conf)
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for root in _image_roots():
            target = os.path.join(root, self.home.lstrip("/"))
            for mount in mounts_under(target):
                run(["umount", "-l", mount], check=False)
            if os.path.isdir(target) and not os.listdir(target):
                os.rmdir(target)
        self._unmount_nodes()
        if os.path.isdir(self.home):
            shutil.rmtree(self.home)
        self.state = None

    def _unmount_nodes(self):
        info = nodes.info(self.lab)
        for index, node in enumerate(info["nodes"] if info else []):
            if not node["running"]:
                continue
            for root in _image_roots():
                run(["nsenter", "-t", str(node["init_pid"]), "-m", "--", "/bin/sh", "-c", _NODE_UNMOUNTS, "sh",
                     root, self.home], check=False)
            for suite in images.SUITES:
                marker = os.path.join(self.home, "nodes", "node%d" % (index + 1), "mounted-%s" % suite)
                if os.path.exists(marker):
                    os.unlink(marker)


def _image_roots():
    """Every unpacked image root, also of older recipes (a lab may have mounts in one)."""
    base = os.path.join(images.CACHE, "roots")
    return [os.path.join(base, d) for d in sorted(os.listdir(base))
            if os.path.exists(os.path.join(base, d, ".koor-lab-complete"))] if os.path.isdir(base) else []


def pg_clean(state_name):
    parts = set(state_name.split("+"))
    return {"active", "clean"} <= parts and not parts & {
        "degraded", "undersized", "peering", "stale", "down", "incomplete", "inconsistent", "recovering",
        "recovery_wait", "backfilling", "backfill_wait", "remapped", "creating", "unknown"}


def pg_clean_all(status):
    """Every PG of a `ceph status` active+clean (True when there are none)."""
    pgmap = status.get("pgmap", {})
    clean = sum(s["count"] for s in pgmap.get("pgs_by_state", []) if pg_clean(s["state_name"]))
    return clean == pgmap.get("num_pgs", 0)


def build(lab, osd_devices=None, suite="sid", mgr_count=1, timeout=300):
    """A whole cluster on the lab's nodes: a mon per node (up to 3), mgrs, one OSD per node on
    its first disk (or {node name: [devices]}), readiness. For tests and `koor-lab`."""
    cluster = CephCluster(lab)
    all_nodes = cluster.nodes()
    started = time.monotonic()
    cluster.create(all_nodes[:3], suite=suite)
    for index in range(mgr_count):
        cluster.add_mgr(chr(ord("a") + index), all_nodes[index % len(all_nodes)])
    if osd_devices is None:
        osd_devices = {n.name: [n.disks[0]] for n in all_nodes}
    procs = []
    for node in all_nodes:
        for device in osd_devices.get(node.name, []):
            procs.append((node, device))
    prepare_osds(cluster, procs)
    cluster.wait_osds_up(len(procs))
    cluster.wait_ready(timeout)
    log("rooksim: cluster of lab %r ready in %.1fs" % (lab, time.monotonic() - started))
    return cluster


def prepare_osds(cluster, pairs):
    """Prepare and start OSDs on [(node, device)], nodes in parallel (one device at a time per
    node, as Rook's per-node prepare job does). Returns {(node name, device): osd id or error}."""
    results = {}
    lock = threading.Lock()
    by_node = {}
    for node, device in pairs:
        by_node.setdefault(node.name, (node, []))[1].append(device)

    def work(node, devices):
        for device in devices:
            try:
                osd_id = cluster.prepare_osd(node, device)
                cluster.start("osd.%d" % osd_id)
                with lock:
                    results[(node.name, device)] = osd_id
            except LabError as exc:
                with lock:
                    results[(node.name, device)] = exc
    threads = [threading.Thread(target=work, args=item) for item in by_node.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [v for v in results.values() if isinstance(v, LabError)]
    if errors:
        raise errors[0]
    return results
