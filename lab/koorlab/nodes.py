"""Test hosts ("nodes") of a lab: real SSH hosts with disks of their own, for disk preparation.

A lab named L with N nodes has nodes L-node1 .. L-nodeN. Each node is
  - a network namespace `koor-L-nodeI` with the address 10.251.K.(10+I)/24 on eth0, joined by
    a veth pair to a bridge `klbrK` (10.251.K.1/24) on the host. K is chosen per lab. There is
    no default route and the host does not forward: a node reaches the host and the other
    nodes of its lab, nothing else;
  - a mount and UTS namespace of its own (see node_init.py): its host name is its node name,
    and /dev, /sys/block, /sys/class/block, /sys/dev/block and /proc/partitions show only its
    own loop devices and their partitions;
  - its "disks": loop devices backed by sparse files in /var/lib/koor-lab/L/nodes/nodeI/;
  - an sshd on port 22 of its address, accepting the lab's key for root.
What a node shares with the host: the root file system (so the host's Python, tools and
packages), the process table, the kernel (sysctl values outside net.*), /sys/devices.
The isolation guards against accidents (a wipe reaching another node's disk or the host's
root disk), not against a hostile root user, who can always mknod a device.

Files of a lab's nodes, all under /var/lib/koor-lab/L/nodes/ (removed by `down`):
  state.json, ssh/ (client key, known_hosts, ssh_config), nodeI/ (disks, sshd config and
  host key, logs). The inventory is written to inventories/lab/generated/L-nodes.yml.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from .util import LabError, choice_lock, log, pid_alive, run, wait_for

LAB_HOME = os.environ.get("KOOR_LAB_HOME", "/var/lib/koor-lab")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY_DIR = os.path.join(ROOT, "inventories", "lab", "generated")
NODE_INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_init.py")
HOST_PYTHON = "/usr/bin/python3"
SUBNET = "10.251.%d"
DEFAULT_DISKS = "7x10G,1G"
MAX_NODES = 9
_SIZE_RE = re.compile(r"^(?:(\d+)x)?(\d+)([MGT])$")
_UNITS = {"M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

_SSHD_CONFIG = """\
# koor-lab node {node}: test infrastructure.
ListenAddress {address}
Port 22
HostKey {dir}/ssh_host_ed25519_key
AuthorizedKeysFile {ssh}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile {dir}/sshd.pid
PrintMotd no
MaxSessions 64
MaxStartups 64:30:128
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
"""


def nodes_dir(lab):
    return os.path.join(LAB_HOME, lab, "nodes")


def _state_path(lab):
    return os.path.join(nodes_dir(lab), "state.json")


def load_state(lab):
    try:
        with open(_state_path(lab)) as handle:
            return json.load(handle)
    except (FileNotFoundError, ValueError):
        return None


def _save_state(state):
    path = _state_path(state["lab"])
    with open(path + ".tmp", "w") as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)


def parse_disks(spec):
    """'7x10G,1G' -> [10 GiB] * 7 + [1 GiB] (sizes in bytes)."""
    sizes = []
    for part in (spec or "").replace(" ", "").split(","):
        match = _SIZE_RE.match(part)
        if not match:
            raise LabError("invalid --node-disks %r: a comma-separated list of [COUNTx]SIZE, SIZE like 512M, 10G, 1T"
                           % spec)
        count = int(match.group(1) or 1)
        size = int(match.group(2)) * _UNITS[match.group(3)]
        if count < 1 or size < (1 << 20):
            raise LabError("invalid --node-disks %r: at least one disk of at least 1M" % spec)
        sizes += [size] * count
    if not 1 <= len(sizes) <= 32:
        raise LabError("invalid --node-disks %r: 1 to 32 disks per node" % spec)
    return sizes


def node_name(lab, index):
    return "%s-node%d" % (lab, index)


def netns_name(lab, index):
    return "koor-%s-node%d" % (lab, index)


def bridge_name(k):
    return "klbr%d" % k


def veth_name(k, index):
    return "kl%dn%d" % (k, index)


def _used_subnets():
    used = set()
    if os.path.isdir(LAB_HOME):
        for other in os.listdir(LAB_HOME):
            if not os.path.isdir(os.path.join(LAB_HOME, other)):
                continue
            state = load_state(other)
            if state:
                used.add(state["subnet"])
    out = run(["ip", "-o", "-4", "addr", "show"]).stdout
    for match in re.finditer(r"inet 10\.251\.(\d+)\.", out):
        used.add(int(match.group(1)))
    return used


def _choose_subnet():
    used = _used_subnets()
    for k in range(1, 250):
        if k not in used:
            return k
    raise LabError("no free 10.251.K.0/24 subnet for the nodes")


def _address(state, index):
    return (SUBNET % state["subnet"]) + ".%d" % (10 + index)


def _node_dir(lab, index):
    return os.path.join(nodes_dir(lab), "node%d" % index)


# --- lifecycle ------------------------------------------------------------------------
def up(lab, count, disks_spec=None):
    """Create (or restart) the lab's nodes. count=None keeps what exists; 0 removes them."""
    state = load_state(lab)
    if count is None:
        if state is None:
            return None
        count = state["count"]
        disks_spec = disks_spec or state["disks_spec"]
    disks_spec = disks_spec or DEFAULT_DISKS
    sizes = parse_disks(disks_spec)
    if not 0 <= count <= MAX_NODES:
        raise LabError("--nodes %d: choose 0 to %d nodes" % (count, MAX_NODES))
    if state is not None and (state["count"] != count or state["sizes"] != sizes):
        log("lab %r has %d node(s) with disks %s: replacing them with %d node(s) with disks %s"
            % (lab, state["count"], state["disks_spec"], count, disks_spec))
        down(lab)
        state = None
    if count == 0:
        down(lab)
        return None
    started = time.monotonic()
    if state is None:
        try:
            state = _create(lab, count, disks_spec, sizes)
        except BaseException:
            log("creating the nodes failed; removing what was made")
            down(lab)
            raise
    else:
        for index in range(1, count + 1):
            if not _node_running(state, index):
                log("restarting node %s" % node_name(lab, index))
                _start_node(state, index)
        _save_state(state)
    _wait_ssh(state)
    write_inventory(state)
    log("%d node(s) of lab %r ready in %.1fs (inventory %s)"
        % (count, lab, time.monotonic() - started, inventory_path(lab)))
    return state


def _create(lab, count, disks_spec, sizes):
    os.makedirs(os.path.join(nodes_dir(lab), "ssh"), exist_ok=True)
    with choice_lock(LAB_HOME):
        k = _choose_subnet()
        state = {"lab": lab, "count": count, "disks_spec": disks_spec, "sizes": sizes, "subnet": k,
                 "nodes": {}}
        _save_state(state)  # first: a half-made state is found and removed by down()
    log("creating %d node(s) for lab %r on 10.251.%d.0/24, disks %s" % (count, lab, k, disks_spec))
    ssh = os.path.join(nodes_dir(lab), "ssh")
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "koor-lab-%s" % lab, "-f", os.path.join(ssh, "id_ed25519")])
    shutil.copy(os.path.join(ssh, "id_ed25519.pub"), os.path.join(ssh, "authorized_keys"))
    known, config = [], []
    for index in range(1, count + 1):
        d = _node_dir(lab, index)
        os.makedirs(d, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", node_name(lab, index),
             "-f", os.path.join(d, "ssh_host_ed25519_key")])
        with open(os.path.join(d, "ssh_host_ed25519_key.pub")) as handle:
            key = " ".join(handle.read().split()[:2])
        address = _address(state, index)
        known.append("%s,%s %s" % (node_name(lab, index), address, key))
        config.append("Host %s %s\n  HostName %s\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n"
                      "  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  HostKeyAlias %s\n"
                      "  ConnectTimeout 10\n"
                      % (node_name(lab, index), address, address, os.path.join(ssh, "id_ed25519"),
                         os.path.join(ssh, "known_hosts"), node_name(lab, index)))
        with open(os.path.join(d, "sshd_config"), "w") as handle:
            handle.write(_SSHD_CONFIG.format(node=node_name(lab, index), address=address, dir=d, ssh=ssh))
        images = []
        for number, size in enumerate(sizes):
            image = os.path.join(d, "disk%d.img" % number)
            with open(image, "wb") as handle:
                handle.truncate(size)
            images.append(image)
        state["nodes"][str(index)] = {"name": node_name(lab, index), "address": address, "images": images,
                                      "disks": []}
        _save_state(state)
    with open(os.path.join(ssh, "known_hosts"), "w") as handle:
        handle.write("\n".join(known) + "\n")
    with open(os.path.join(ssh, "ssh_config"), "w") as handle:
        handle.write("# koor-lab nodes of lab %s\n" % lab + "\n".join(config))
    _ensure_bridge(state)
    for index in range(1, count + 1):
        _start_node(state, index)
    _save_state(state)
    return state


def _ensure_bridge(state):
    br = bridge_name(state["subnet"])
    if run(["ip", "link", "show", br], check=False).returncode != 0:
        run(["ip", "link", "add", br, "type", "bridge"])
        run(["ip", "addr", "add", (SUBNET % state["subnet"]) + ".1/24", "dev", br])
    run(["ip", "link", "set", br, "up"])


def _attach_loops(state, index):
    """Loop devices for the node's images (reusing those still attached)."""
    node = state["nodes"][str(index)]
    attached = _loops_by_backing()
    disks = []
    for image in node["images"]:
        loop = attached.get(image)
        if loop is None:
            loop = os.path.basename(run(["losetup", "--find", "--show", "--partscan", image]).stdout.strip())
        disks.append(loop)
    node["disks"] = disks
    return disks


def _loops_by_backing():
    """{backing file: loop name} for every attached loop device."""
    found = {}
    for name in os.listdir("/sys/block"):
        if not name.startswith("loop"):
            continue
        try:
            with open("/sys/block/%s/loop/backing_file" % name) as handle:
                found[handle.read().strip()] = name
        except OSError:
            continue
    return found


def _start_node(state, index):
    lab = state["lab"]
    node = state["nodes"][str(index)]
    ns, veth, d = netns_name(lab, index), veth_name(state["subnet"], index), _node_dir(lab, index)
    _stop_node(state, index)
    _ensure_bridge(state)
    disks = _attach_loops(state, index)
    run(["ip", "netns", "add", ns])
    run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns])
    run(["ip", "link", "set", veth, "master", bridge_name(state["subnet"]), "up"])
    run(["ip", "-n", ns, "addr", "add", node["address"] + "/24", "dev", "eth0"])
    run(["ip", "-n", ns, "link", "set", "eth0", "up"])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])
    conf = {"name": node["name"], "dir": d, "disks": disks, "sshd_config": os.path.join(d, "sshd_config")}
    with open(os.path.join(d, "init.json"), "w") as handle:
        json.dump(conf, handle, indent=2)
    for stale in ("ready", "sshd.pid"):
        if os.path.exists(os.path.join(d, stale)):
            os.unlink(os.path.join(d, stale))
    out = open(os.path.join(d, "init.log"), "a")
    proc = subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "--mount", "--uts", "--propagation", "private",
                             HOST_PYTHON, NODE_INIT, os.path.join(d, "init.json")],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
                            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/root"})
    node["init_pid"] = proc.pid
    wait_for("node %s to start" % node["name"],
             lambda: os.path.exists(os.path.join(d, "ready")) or proc.poll() is not None, 30, 0.05)
    if proc.poll() is not None:
        with open(os.path.join(d, "init.log")) as handle:
            raise LabError("node %s did not start:\n%s" % (node["name"], handle.read()[-2000:]))
    node["mnt_ns"] = os.readlink("/proc/%d/ns/mnt" % proc.pid)


def _node_running(state, index):
    node = state["nodes"].get(str(index), {})
    pid = node.get("init_pid")
    if not pid or not pid_alive(pid):
        return False
    try:
        return os.readlink("/proc/%d/ns/mnt" % pid) == node.get("mnt_ns")
    except OSError:
        return False


def _wait_ssh(state):
    def answers(address):
        try:
            with socket.create_connection((address, 22), timeout=1) as sock:
                return sock.recv(4).startswith(b"SSH")
        except OSError:
            return False
    for node in state["nodes"].values():
        wait_for("sshd of %s on %s" % (node["name"], node["address"]), lambda: answers(node["address"]), 30, 0.1)


def _pids_in(mnt_ns=None, netns=None):
    """Pids whose mount namespace is mnt_ns, or that live in the named network namespace."""
    pids = set()
    if mnt_ns:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink("/proc/%s/ns/mnt" % entry) == mnt_ns:
                        pids.add(int(entry))
                except OSError:
                    pass
    if netns:
        proc = run(["ip", "netns", "pids", netns], check=False)
        pids.update(int(p) for p in proc.stdout.split() if p.isdigit())
    pids.discard(os.getpid())
    return sorted(pids)


def _kill(pids, what):
    for sig, grace in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not any(pid_alive(p) for p in pids):
            return
    raise LabError("processes %s of %s do not exit" % ([p for p in pids if pid_alive(p)], what))


def _stop_node(state, index):
    """Stop a node's processes and remove its namespace and veth. Its disks stay attached."""
    lab = state["lab"]
    node = state["nodes"].get(str(index), {})
    ns = netns_name(lab, index)
    # Every process of a node lives in its network namespace; processes that entered only its
    # mount namespace are found through the running init (a recorded id may have been reused).
    mnt_ns = node.get("mnt_ns") if _node_running(state, index) else None
    netns_exists = os.path.exists("/run/netns/" + ns)
    pids = _pids_in(mnt_ns, ns if netns_exists else None)
    if pids:
        _kill(pids, "node %s" % node.get("name", ns))
    if netns_exists:
        run(["ip", "netns", "del", ns], check=False)
    if run(["ip", "link", "show", veth_name(state["subnet"], index)], check=False).returncode == 0:
        run(["ip", "link", "del", veth_name(state["subnet"], index)], check=False)
    node.pop("init_pid", None)


def stop(lab):
    """Stop the nodes' processes and networking and detach their disks; keep the disk images."""
    state = load_state(lab)
    if state is None:
        return
    for index in range(1, state["count"] + 1):
        _stop_node(state, index)
    _detach_loops(lab)
    _remove_bridge(state)
    _save_state(state)


def _detach_loops(lab):
    prefix = nodes_dir(lab) + "/"
    for backing, loop in _loops_by_backing().items():
        if backing.startswith(prefix):
            run(["losetup", "-d", "/dev/" + loop], check=False)
    wait_for("the nodes' loop devices to be released",
             lambda: not [b for b in _loops_by_backing() if b.startswith(prefix)], 20, 0.1)


def _remove_bridge(state):
    br = bridge_name(state["subnet"])
    if run(["ip", "link", "show", br], check=False).returncode == 0:
        run(["ip", "link", "del", br], check=False)


def down(lab):
    """Remove the lab's nodes: processes, namespaces, veths, bridge, loop devices, files.
    Works from any half-made state."""
    state = load_state(lab)
    if state is not None:
        for index in range(1, max(state["count"], len(state["nodes"])) + 1):
            _stop_node(state, index)
        _remove_bridge(state)
    # Namespaces named after the lab that the state file does not know about.
    for ns in run(["ip", "netns", "list"], check=False).stdout.split("\n"):
        ns = ns.split(" ")[0]
        if re.match(r"^koor-%s-node\d+$" % re.escape(lab), ns):
            pids = _pids_in(netns=ns)
            if pids:
                _kill(pids, "namespace %s" % ns)
            run(["ip", "netns", "del", ns], check=False)
    _detach_loops(lab)
    if os.path.isdir(nodes_dir(lab)):
        shutil.rmtree(nodes_dir(lab))
    if os.path.exists(inventory_path(lab)):
        os.unlink(inventory_path(lab))


# --- what tests and inventories need -------------------------------------------------------
def inventory_path(lab):
    return os.path.join(INVENTORY_DIR, "%s-nodes.yml" % lab)


def info(lab):
    """The nodes as tests see them (None when the lab has no nodes)."""
    state = load_state(lab)
    if state is None:
        return None
    ssh = os.path.join(nodes_dir(lab), "ssh")
    nodes = []
    for index in range(1, state["count"] + 1):
        node = state["nodes"].get(str(index), {})
        nodes.append({"name": node.get("name"), "address": node.get("address"), "netns": netns_name(lab, index),
                      "disks": ["/dev/" + d for d in node.get("disks", [])],
                      "sizes": state["sizes"], "images": node.get("images", []),
                      "init_pid": node.get("init_pid"), "running": _node_running(state, index)})
    return {"count": state["count"], "disks_spec": state["disks_spec"], "subnet": "10.251.%d.0/24" % state["subnet"],
            "ssh_config": os.path.join(ssh, "ssh_config"), "ssh_key": os.path.join(ssh, "id_ed25519"),
            "known_hosts": os.path.join(ssh, "known_hosts"), "inventory": inventory_path(lab), "nodes": nodes}


def write_inventory(state):
    lab = state["lab"]
    ssh = os.path.join(nodes_dir(lab), "ssh")
    hosts = {}
    for index in range(1, state["count"] + 1):
        node = state["nodes"][str(index)]
        hosts[node["name"]] = {"ansible_host": node["address"],
                               "koor_lab_node_disks": ["/dev/" + d for d in node["disks"]]}
    inventory = {"all": {"children": {"koor_lab_nodes": {
        "hosts": hosts,
        "vars": {"ansible_user": "root",
                 "ansible_python_interpreter": HOST_PYTHON,
                 "ansible_ssh_private_key_file": os.path.join(ssh, "id_ed25519"),
                 "ansible_ssh_common_args": "-F %s" % os.path.join(ssh, "ssh_config"),
                 "koor_lab_name": lab}}}}}
    os.makedirs(INVENTORY_DIR, exist_ok=True)
    with open(inventory_path(lab), "w") as handle:
        handle.write("# Written by lab/koor-lab for the nodes of lab %r. Do not edit.\n" % lab)
        json.dump(inventory, handle, indent=2, sort_keys=True)
        handle.write("\n")
