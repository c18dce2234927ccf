"""A real Ceph cluster on 127.0.0.1, run from a lab image without systemd.

Layout of a lab named NAME:
  /var/lib/koor-lab/NAME/            data (conf, keyrings, daemon data, logs, pid files)
  <image root>/var/lib/koor-lab/NAME bind mount of the data, so the same paths work on the
                                     host and inside the chroot (and inside another release's
                                     chroot for rolling upgrades).
Ports: a block of 100 from the base port: mon v2 = base, mon v1 = base+1, rgw = base+2,
daemons bind within base+10 .. base+99.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid

from . import images, nodes
from .util import (LabError, choice_lock, clean_env, cmdline, log, mounts_under, pid_alive, pids_matching, port_in_use,
                   posix_locked, run, wait_for)

LAB_HOME = os.environ.get("KOOR_LAB_HOME", "/var/lib/koor-lab")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
PORT_BLOCK = 100
DEFAULT_BASE = 21000  # below the kernel's ephemeral range (32768-60999)
OSD_COUNT = 3
FS_NAME = "cephfs"
RGW_NAME = "client.rgw.lab"

_CEPH_CONF = """\
# koor-lab cluster {name}: test and demo infrastructure, not a production configuration.
[global]
fsid = {fsid}
mon_host = [v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]
public_addr = 127.0.0.1
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
keyring = {data}/keyring
ms_bind_port_min = {bind_min}
ms_bind_port_max = {bind_max}
run_dir = {data}/run
admin_socket = {data}/run/$name.asok
pid_file = {data}/run/$name.pid
log_file = {data}/log/$name.log
mon_cluster_log_file = {data}/log/cluster.log
crash_dir = {data}/crash
osd_crush_chooseleaf_type = 0
osd_pool_default_size = 3
osd_pool_default_min_size = 2
osd_pool_default_pg_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_data_avail_warn = 3
mon_data_avail_crit = 1
mon_allow_pool_delete = true
paxos_propose_interval = 0.1
mgr_stats_period = 1
{mgr_modules}mon_osd_full_ratio = 0.97
mon_osd_backfillfull_ratio = 0.95
mon_osd_nearfull_ratio = 0.93

[mon]
mon_data = {data}/$name
keyring = {data}/$name/keyring

[mgr]
mgr_data = {data}/$name
keyring = {data}/$name/keyring

[osd]
osd_data = {data}/$name
keyring = {data}/$name/keyring
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = 10G
bluestore_fsck_on_mount = false
osd_memory_target = 939524096

[mds]
mds_data = {data}/$name
keyring = {data}/$name/keyring

[{rgw_name}]
keyring = {data}/{rgw_name}/keyring
rgw_frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw_dns_name = 127.0.0.1
"""

# Reef's restful module imports a PyO3 module a second time in the mgr (MGR_MODULE_DEPENDENCY, see
# images.reef_mgr_modules): a Reef lab starts without it, as the Rook simulator's clusters do.
_MGR_MODULES = {"trixie": "mgr_initial_modules = iostat nfs\n"}

# Every daemon's key is generated before the mon is made, so the mon starts knowing them all.
_CAPS = {
    "client.admin": {"mon": "allow *", "osd": "allow *", "mds": "allow *", "mgr": "allow *"},
    "mgr.x": {"mon": "allow profile mgr", "osd": "allow *", "mds": "allow *"},
    "mds.a": {"mon": "allow profile mds", "osd": "allow rwx", "mds": "allow *", "mgr": "allow profile mds"},
    RGW_NAME: {"mon": "allow rw", "osd": "allow rwx", "mgr": "allow rw"},
}
for _i in range(OSD_COUNT):
    _CAPS["osd.%d" % _i] = {"mon": "allow profile osd", "mgr": "allow profile osd", "osd": "allow *"}


def data_dir(name):
    return os.path.join(LAB_HOME, name)


def state_path(name):
    return os.path.join(data_dir(name), "lab.json")


def load_state(name):
    try:
        with open(state_path(name)) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def _save_state(state):
    with open(state_path(state["name"]) + ".tmp", "w") as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
    os.replace(state_path(state["name"]) + ".tmp", state_path(state["name"]))


def list_labs():
    if not os.path.isdir(LAB_HOME):
        return []
    return sorted(n for n in os.listdir(LAB_HOME) if os.path.exists(state_path(n)))


def check_name(name):
    if not NAME_RE.match(name or ""):
        raise LabError("invalid lab name %r: lower-case letters, digits and '-', at most 20 characters" % name)


def ports(base):
    return {"mon_v2": base, "mon_v1": base + 1, "rgw": base + 2,
            "bind_min": base + 10, "bind_max": base + PORT_BLOCK - 1}


def _ports_taken(base):
    return [p for p in range(base, base + PORT_BLOCK) if port_in_use(p)]


def _reserved_bases():
    bases = set()
    for other in list_labs():
        state = load_state(other)
        if state:
            bases.add(state["port"])
    return bases


def choose_base(requested=None):
    if requested is not None:
        if not 1024 <= requested <= 65535 - PORT_BLOCK:
            raise LabError("port %d out of range: choose a base port between 1024 and %d"
                           % (requested, 65535 - PORT_BLOCK))
        taken = _ports_taken(requested)
        if taken:
            raise LabError("port %d is already in use (the lab needs %d-%d free): choose another with --port"
                           % (taken[0], requested, requested + PORT_BLOCK - 1))
        return requested
    reserved = _reserved_bases()
    for base in range(DEFAULT_BASE, 32768 - PORT_BLOCK, PORT_BLOCK):
        if base not in reserved and not _ports_taken(base):
            return base
    raise LabError("no free block of %d ports between %d and 32767: choose one with --port" % (PORT_BLOCK, DEFAULT_BASE))


class Lab:
    """One lab cluster: its state, its commands and its daemons."""

    def __init__(self, state):
        self.state = state
        self.name = state["name"]
        self.data = data_dir(self.name)
        self.root = state["root"]
        self.conf = os.path.join(self.data, "ceph.conf")
        self.ports = ports(state["port"])

    # --- commands ---------------------------------------------------------------------
    def chroot(self, argv, **kw):
        return run(["chroot", self.root] + argv, **kw)

    def ceph(self, *args, timeout=60, check=True, inbuf=None):
        argv = ["ceph", "-c", self.conf, "--connect-timeout", "15", "--format", "json"] + list(args)
        proc = self.chroot(argv, timeout=timeout, check=check, input=inbuf)
        out = proc.stdout.strip()
        if not check:
            return proc
        return json.loads(out) if out.startswith(("{", "[")) else out

    def suite_of(self, name):
        """The suite (Ceph release) daemon ``name`` runs from: the lab's own unless a rolling upgrade
        restarted it from another one (restart_daemon)."""
        return self.state.get("daemon_suites", {}).get(name, self.state["suite"])

    def _spawn(self, name, argv):
        """Start daemon ``name`` from its suite's image (it forks itself and writes its pid file)."""
        suite = self.suite_of(name)
        root = self.mount(suite)
        # A daemon just stopped or killed can look gone (its main thread a zombie) while it still holds
        # its pid file: a new one started then fails to lock it and exits.
        pid_file = os.path.join(self.data, "run", name + ".pid")
        wait_for("the stopped %s to release %s" % (name, pid_file), lambda: not posix_locked(pid_file), 30, 0.05)
        if name.startswith("mgr.") and suite == "trixie":
            argv = argv + ["--mgr_module_path", images.reef_mgr_modules(os.path.join(self.data, "mgr-modules-reef"))]
        run(["chroot", root] + argv + ["-c", self.conf], timeout=120)

    # --- bind mount -------------------------------------------------------------------
    def inner(self, root=None):
        return os.path.join(root or self.root, self.data.lstrip("/"))

    def _suites(self):
        return sorted(set([self.state["suite"]] + list(self.state.get("daemon_suites", {}).values())))

    def mount(self, suite=None):
        """Bind-mount the data at the same path inside the suite's image root (the lab's own by default)."""
        root = self.root if suite in (None, self.state["suite"]) else images.ensure_root(suite)
        target = self.inner(root)
        if target not in mounts_under(target):
            os.makedirs(target, exist_ok=True)
            run(["mount", "--bind", self.data, target])
        return root

    def unmount(self):
        for suite in self._suites():
            root = self.root if suite == self.state["suite"] else images.root_path(suite)
            inner = self.inner(root)
            for target in mounts_under(inner):
                run(["umount", "-l", target], check=False)
            if os.path.isdir(inner) and not os.listdir(inner):
                os.rmdir(inner)

    # --- creation ---------------------------------------------------------------------
    def create(self):
        d = self.data
        for sub in ("run", "log", "crash"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(self.conf, "w") as handle:
            handle.write(_CEPH_CONF.format(name=self.name, fsid=self.state["fsid"], data=d, rgw_name=RGW_NAME,
                                           rgw_port=self.ports["rgw"], mgr_modules=_MGR_MODULES.get(self.state["suite"], ""),
                                           **self.ports))
        self.mount()
        mon_keyring = os.path.join(d, "mon.keyring")
        self.chroot(["ceph-authtool", "--create-keyring", mon_keyring, "--gen-key", "-n", "mon.",
                     "--cap", "mon", "allow *"])
        for entity, caps in _CAPS.items():
            keyring = os.path.join(d, "keyring") if entity == "client.admin" else os.path.join(d, entity, "keyring")
            os.makedirs(os.path.dirname(keyring), exist_ok=True)
            argv = ["ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", entity]
            for kind, cap in caps.items():
                argv += ["--cap", kind, cap]
            self.chroot(argv)
            self.chroot(["ceph-authtool", mon_keyring, "--import-keyring", keyring])
        os.chmod(os.path.join(d, "keyring"), 0o600)
        monmap = os.path.join(d, "monmap")
        self.chroot(["monmaptool", "--create", "--fsid", self.state["fsid"], "--enable-all-features",
                     "--addv", "a", "[v2:127.0.0.1:%d,v1:127.0.0.1:%d]" % (self.ports["mon_v2"], self.ports["mon_v1"]),
                     monmap])
        self.chroot(["ceph-mon", "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", mon_keyring, "-c", self.conf])
        self._start_mon_mgr()
        self.ceph("config", "set", "mon", "mon_allow_pool_delete", "true")
        uuids = [str(uuid.uuid4()) for dummy in range(OSD_COUNT)]
        for i, osd_uuid in enumerate(uuids):
            self.ceph("osd", "new", osd_uuid, str(i))
        procs = [subprocess.Popen(["chroot", self.root, "ceph-osd", "-i", str(i), "--mkfs", "--osd-uuid", osd_uuid,
                                   "-c", self.conf], env=clean_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True)
                 for i, osd_uuid in enumerate(uuids)]
        for i, proc in enumerate(procs):
            out = proc.communicate(timeout=300)[0]
            if proc.returncode:
                raise LabError("mkfs of osd.%d failed:\n%s" % (i, out[-2000:]))
        self._start_osds()
        self.ceph("osd", "pool", "create", "cephfs.%s.meta" % FS_NAME, "8")
        self.ceph("osd", "pool", "create", "cephfs.%s.data" % FS_NAME, "8")
        self.ceph("fs", "new", FS_NAME, "cephfs.%s.meta" % FS_NAME, "cephfs.%s.data" % FS_NAME)
        self.ceph("fs", "set", FS_NAME, "standby_count_wanted", "0")
        self._start_mds_rgw()

    def _start(self, kinds):
        for name, argv in self.daemons():
            if name.split(".")[0] in kinds:
                self._spawn(name, argv)

    def _start_mon_mgr(self):
        self._start(("mon",))
        wait_for("the mon to answer", lambda: self.ceph("mon", "stat", timeout=20, check=False).returncode == 0, 60)
        self._start(("mgr",))

    def _start_osds(self):
        self._start(("osd",))
        wait_for("%d OSDs up" % OSD_COUNT,
                 lambda: self.ceph("osd", "stat")["num_up_osds"] == OSD_COUNT, 120)

    def _start_mds_rgw(self):
        self._start(("mds", "client"))

    # --- lifecycle --------------------------------------------------------------------
    def start(self):
        self.mount()
        self._start_mon_mgr()
        self._start_osds()
        self._start_mds_rgw()

    def daemons(self):
        """The lab's daemons, in the order they start: (name, argv)."""
        # the mgr by its absolute path: it re-executes itself on module changes
        return ([("mon.a", ["ceph-mon", "-i", "a"]), ("mgr.x", ["/usr/bin/ceph-mgr", "-i", "x"])]
                + [("osd.%d" % i, ["ceph-osd", "-i", str(i)]) for i in range(OSD_COUNT)]
                + [("mds.a", ["ceph-mds", "-i", "a"]), (RGW_NAME, ["radosgw", "-n", RGW_NAME])])

    def daemon_pids(self):
        """{name: pid} of the lab's daemons that have a process (mon.a, osd.1, client.rgw.lab, ...)."""
        found = {}
        for pid in self.pids():
            argv = cmdline(pid)
            if not argv:
                continue
            kind = os.path.basename(argv[0]).replace("ceph-", "")
            for flag in ("-i", "-n"):
                if flag in argv[:-1]:
                    ident = argv[argv.index(flag) + 1]
                    found[ident if flag == "-n" else "%s.%s" % (kind, ident)] = pid
        return found

    def running_daemons(self):
        """Names (mon.a, osd.1, client.rgw.lab, ...) of the lab's daemons that have a process."""
        return set(self.daemon_pids())

    def stop_daemon(self, name, grace=20):
        """Stop one daemon (SIGTERM, SIGKILL after ``grace`` seconds); a stopped one is left as it is."""
        self._argv_of(name)
        pid = self.daemon_pids().get(name)
        if pid is not None:
            self._signal([pid], grace)
        return pid is not None

    def restart_daemon(self, name, suite=None, grace=20):
        """Stop daemon ``name`` and start it again, from ``suite``'s image when given (a rolling
        upgrade: the data is bind-mounted at the same path in every image). The suite is kept in
        the lab's state, so a later `up` restarts the daemon from it."""
        argv = self._argv_of(name)
        if suite is not None:
            images.image_key(suite)  # an unknown suite is refused before the daemon stops
            images.ensure_root(suite)
        self.stop_daemon(name, grace)
        if suite is not None:
            self.state.setdefault("daemon_suites", {})[name] = suite
            _save_state(self.state)
        self._spawn(name, argv)
        wait_for("%s to start" % name, lambda: name in self.running_daemons(), 30, 0.1)

    def _argv_of(self, name):
        for known, argv in self.daemons():
            if known == name:
                return argv
        raise LabError("lab %r has no daemon %r: its daemons are %s"
                       % (self.name, name, ", ".join(n for n, _argv in self.daemons())))

    def missing_daemons(self):
        running = self.running_daemons()
        return [name for name, _argv in self.daemons() if name not in running]

    def start_missing(self, missing):
        """Start the daemons that died (an OSD killed, the mgr crashed) in the order they start."""
        self.mount()
        for name, argv in self.daemons():
            if name not in missing:
                continue
            self._spawn(name, argv)
            if name == "mon.a":
                wait_for("the mon to answer",
                         lambda: self.ceph("mon", "stat", timeout=20, check=False).returncode == 0, 60)
        if any(name.startswith("osd.") for name in missing):
            wait_for("%d OSDs up" % OSD_COUNT, lambda: self.ceph("osd", "stat")["num_up_osds"] == OSD_COUNT, 120)

    def pids(self):
        return pids_matching(self.conf)

    def running(self):
        return bool(self.pids())

    def stop(self, graceful=True):
        """Stop the daemons: clients of the cluster first, the mon last. Not graceful: SIGKILL.
        The lab's test nodes stop too (their disk images are kept)."""
        nodes.stop(self.name)
        if graceful:
            # radosgw can hang in its shutdown (dedup background thread): give it little time.
            for names, grace in ((("radosgw", "ceph-mds"), 3), (("ceph-osd",), 20), (("ceph-mgr",), 10),
                                 (("ceph-mon",), 10)):
                self._signal([p for p in self.pids() if _daemon(p) in names], grace)
        self._signal(self.pids(), 0)
        self.unmount()

    def _signal(self, pids, grace):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM if grace else signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while grace and any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in pids:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        wait_for("the lab's daemons to exit", lambda: not any(pid_alive(p) for p in pids), 15, 0.1)

    # --- readiness --------------------------------------------------------------------
    def rgw_url(self):
        return "http://127.0.0.1:%d" % self.ports["rgw"]

    def rgw_answers(self):
        try:
            with urllib.request.urlopen(self.rgw_url(), timeout=3) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def readiness(self):
        """(ready, reasons): HEALTH_OK, every PG active+clean, the fs active and rgw answering."""
        status = self.ceph("status", timeout=20)
        reasons = []
        health = status["health"]["status"]
        if health != "HEALTH_OK":
            reasons.append("%s: %s" % (health, ", ".join(sorted(status["health"].get("checks", {})))))
        pgmap = status.get("pgmap", {})
        total = pgmap.get("num_pgs", 0)
        clean = sum(s["count"] for s in pgmap.get("pgs_by_state", []) if _pg_clean(s["state_name"]))
        if total == 0 or clean != total:
            reasons.append("%d of %d PGs active+clean" % (clean, total))
        fsmap = status.get("fsmap", {})
        if fsmap.get("up", 0) < 1:
            reasons.append("no active MDS")
        if not self.rgw_answers():
            reasons.append("rgw does not answer on %s" % self.rgw_url())
        return not reasons, reasons

    def wait_ready(self, timeout=240):
        last = {"reasons": []}

        def ready():
            ok, reasons = self.readiness()
            if reasons != last["reasons"]:
                log("waiting: " + "; ".join(reasons) if reasons else "ready")
                last["reasons"] = reasons
            return ok
        wait_for("the lab to be ready (HEALTH_OK, all PGs active+clean, rgw)", ready, timeout, 0.5)

    def ansible_vars(self):
        return _ansible_vars(self)

    def env(self):
        return {
            "KOOR_LAB_NAME": self.name,
            "KOOR_LAB_ROOT": self.root,
            "KOOR_LAB_SUITE": self.state["suite"],
            "KOOR_LAB_CEPH_VERSION": images.SUITES[self.state["suite"]]["ceph"],
            "KOOR_LAB_PREFIX": "chroot %s" % self.root,
            "KOOR_LAB_CONF": self.conf,
            "KOOR_LAB_KEYRING": os.path.join(self.data, "keyring"),
            "KOOR_LAB_FSID": self.state["fsid"],
            "KOOR_LAB_MON_PORT": str(self.ports["mon_v2"]),
            "KOOR_LAB_RGW_URL": self.rgw_url(),
            "KOOR_LAB_DATA": self.data,
        }


def _ansible_vars(lab):
    return {
        "koor_lab_name": lab.name,
        "koor_lab_rgw_url": lab.rgw_url(),
        "koor_ceph_connection": {
            "transport": "prefix",
            "prefix": ["chroot", lab.root],
            "conf": lab.conf,
            "keyring": os.path.join(lab.data, "keyring"),
        },
    }


def _daemon(pid):
    argv = cmdline(pid)
    return os.path.basename(argv[0]) if argv else None


def _pg_clean(state_name):
    parts = set(state_name.split("+"))
    return {"active", "clean"} <= parts and not parts & {
        "degraded", "undersized", "peering", "stale", "down", "incomplete", "inconsistent",
        "recovering", "recovery_wait", "backfilling", "backfill_wait", "remapped", "creating", "unknown"}


def up(name, suite=None, port=None, timeout=240):
    """Start lab NAME as it is, or create it (from SUITE's image, default sid). A SUITE given for an
    existing lab must be the one it was made from."""
    check_name(name)
    state = load_state(name)
    if suite is None:
        suite = state["suite"] if state is not None else "sid"
    if state is not None and port is not None and state["port"] != port:
        raise LabError("lab %r exists on port %d: run 'koor-lab down --name %s' before choosing port %d"
                       % (name, state["port"], name, port))
    if state is not None and state["suite"] != suite:
        raise LabError("lab %r runs Ceph from %s, not %s: run 'koor-lab down --name %s' first"
                       % (name, state["suite"], suite, name))
    started = time.monotonic()
    root = images.ensure_root(suite)
    if state is None:
        with choice_lock(LAB_HOME):
            base = choose_base(port)
            state = {"name": name, "suite": suite, "root": root, "port": base, "fsid": str(uuid.uuid4()),
                     "image": images.image_key(suite),
                     "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            os.makedirs(data_dir(name))
            _save_state(state)
        lab = Lab(state)
        log("creating lab %r (Ceph %s) on ports %d-%d"
            % (name, images.SUITES[suite]["ceph"], base, base + PORT_BLOCK - 1))
        try:
            lab.create()
        except BaseException:
            logs = "/tmp/koor-lab-%s-failed-logs" % name
            shutil.rmtree(logs, ignore_errors=True)
            shutil.copytree(os.path.join(lab.data, "log"), logs)
            log("creation failed; removing the half-made lab (its logs are kept in %s)" % logs)
            down(name)
            raise
    else:
        state["root"] = root
        lab = Lab(state)
        if not lab.running():
            taken = _ports_taken(state["port"])
            if taken:
                raise LabError("port %d is in use by another program: lab %r cannot restart on it" % (taken[0], name))
            log("restarting lab %r" % name)
            lab.start()
        else:
            missing = lab.missing_daemons()
            if missing:
                log("lab %r: %s not running: starting %s again"
                    % (name, ", ".join(missing), "it" if len(missing) == 1 else "them"))
                lab.start_missing(missing)
        _save_state(state)
    lab.wait_ready(timeout)
    log("lab %r ready in %.1fs" % (name, time.monotonic() - started))
    return lab


def get(name):
    check_name(name)
    state = load_state(name)
    if state is None:
        raise LabError("no lab named %r (run 'koor-lab up --name %s')" % (name, name))
    return Lab(state)


def down(name):
    check_name(name)
    state = load_state(name)
    data = data_dir(name)
    nodes.down(name)
    if state is not None:
        lab = Lab(state)
        lab.stop(graceful=False)  # its data is removed next
        base = state["port"]
        wait_for("the lab's ports to be released", lambda: not _ports_taken(base), 30, 0.2)
    leftovers = pids_matching(os.path.join(data, "ceph.conf"))
    if leftovers:
        raise LabError("processes %s of lab %r are still running" % (leftovers, name))
    if os.path.isdir(data):
        shutil.rmtree(data)
