"""The lab's test nodes for the disk tests: real SSH hosts with loop "disks" (lab/koor-lab --nodes).

The session fixture `node_lab` uses the lab named by KOOR_LAB_NAME (make test: `ci`, started
with --nodes 3 by scripts/integration.sh) or, run alone, the lab `disks`, started with
`koor-lab up --name disks --nodes 3` when it is not up (and left running for the next run).
"""
import hashlib
import json
import os
import re
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
ANSIBLE = os.path.join(ROOT, ".venv", "bin", "ansible")
CONFIRM = "yes-i-really-really-mean-it"


def _status(name):
    proc = subprocess.run([KOOR_LAB, "status", "--name", name], capture_output=True, text=True, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


class Node:
    def __init__(self, lab, info):
        self.lab = lab
        self.name = info["name"]
        self.address = info["address"]
        self.disks = info["disks"]
        self.sizes = info["sizes"]
        self.images = dict(zip(info["disks"], info.get("images") or []))

    def sh(self, command, check=True):
        """A command on the node, over SSH (what the node itself sees)."""
        proc = subprocess.run(["ssh", "-F", self.lab.ssh_config, self.name, command], capture_output=True, text=True,
                              check=False, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError("on %s: %s failed (rc=%d): %s%s"
                                 % (self.name, command, proc.returncode, proc.stdout, proc.stderr))
        return proc

    def wait_for_path(self, path, timeout=10):
        deadline = time.monotonic() + timeout
        while self.sh("test -b %s" % path, check=False).returncode != 0:
            assert time.monotonic() < deadline, "%s did not appear on %s" % (path, self.name)
            time.sleep(0.1)

    def module(self, name, args, check_mode=False):
        return self.lab.module(self.name, name, args, check_mode=check_mode)


def _digest_nonzero_blocks(digest, chunk, offset):
    """Each nonzero 4 KiB block of ``chunk`` (read at ``offset`` of a disk image), with its offset: a run of
    zeros inside data hashes like a hole. A chunk of zeros only is skipped whole."""
    if not chunk.strip(b"\0"):
        return
    for at in range(0, len(chunk), 4096):
        block = chunk[at:at + 4096]
        if block.strip(b"\0"):
            digest.update(b"%d:" % (offset + at))
            digest.update(block)


class NodeLab:
    def __init__(self, name, status, env):
        self.name = name
        self.env = env
        info = status["nodes"]
        self.ssh_config = info["ssh_config"]
        self.inventory = info["inventory"]
        self.nodes = [Node(self, n) for n in info["nodes"]]

    def module(self, host, name, args, check_mode=False):
        """One koor.ceph module on one node, run by Ansible over SSH; its result."""
        argv = [ANSIBLE, "-i", self.inventory, host, "-m", "koor.ceph." + name, "-a", json.dumps(args), "--diff"]
        if check_mode:
            argv.append("--check")
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                   ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_NOCOLOR="1")
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=300)
        try:
            out = json.loads(proc.stdout)
            return out["plays"][0]["tasks"][0]["hosts"][host]
        except (ValueError, KeyError, IndexError):
            raise AssertionError("no result from %s on %s (rc=%d):\n%s\n%s"
                                 % (name, host, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))

    # --- witnesses read on the host, independent of the collection --------------------------
    @staticmethod
    def checksum(device):
        """sha256 of the regions a wipe touches: the first 32 MiB and 1 MiB at 1 GiB."""
        digest = hashlib.sha256()
        with open(device, "rb") as handle:
            digest.update(handle.read(32 << 20))
            handle.seek(1 << 30)
            digest.update(handle.read(1 << 20))
        return digest.hexdigest()

    @staticmethod
    def image_checksum(image):
        """sha256 of a whole sparse disk image: every data extent (SEEK_DATA/SEEK_HOLE) with its offset, so
        holes count as zeros without reading 10 GiB; the loop device's cache is written back first."""
        subprocess.run(["sync"], check=True)
        digest = hashlib.sha256()
        fd = os.open(image, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            digest.update(str(size).encode())
            pos = 0
            while pos < size:
                try:
                    start = os.lseek(fd, pos, os.SEEK_DATA)
                except OSError:
                    break
                end = os.lseek(fd, start, os.SEEK_HOLE)
                os.lseek(fd, start, os.SEEK_SET)
                left = end - start
                while left:
                    chunk = os.read(fd, min(left, 8 << 20))
                    _digest_nonzero_blocks(digest, chunk, start)
                    start += len(chunk)
                    left -= len(chunk)
                pos = end
        finally:
            os.close(fd)
        return digest.hexdigest()

    def ceph_volume_prepare(self, device):
        """`ceph-volume raw prepare` on a node's disk, from the lab's Ceph chroot (leaves a BlueStore label);
        the OSD id it registered is purged again. Returns the OSD id. It runs in a mount namespace of its
        own where the chroot's /dev, /sys/block, /sys/dev/block and /proc/partitions hold only that disk (ceph-volume looks at every device
        and wants udev data for partitions, which this machine has not)."""
        root, data, conf = self.env["KOOR_LAB_ROOT"], self.env["KOOR_LAB_DATA"], self.env["KOOR_LAB_CONF"]
        cv = os.path.join(data, "ceph-volume")
        os.makedirs(os.path.join(cv, "bootstrap-osd"), exist_ok=True)
        chroot_ceph = ["chroot", root, "ceph", "-c", conf]
        key = subprocess.run(chroot_ceph + ["auth", "get-or-create", "client.bootstrap-osd", "mon",
                                            "allow profile bootstrap-osd"], capture_output=True, text=True, check=True)
        with open(os.path.join(cv, "bootstrap-osd", "ceph.keyring"), "w") as handle:
            handle.write(key.stdout)
        with open(conf) as handle:
            keep = [line for line in handle if line.startswith(("fsid", "mon_host"))]
        with open(os.path.join(cv, "ceph.conf"), "w") as handle:
            handle.write("[global]\n" + "".join(keep))
        st = os.stat(device)
        script = """set -e
R=%(root)s
mount -t tmpfs koor-cv-dev $R/dev
mknod -m 666 $R/dev/null c 1 3; mknod -m 666 $R/dev/zero c 1 5
mknod -m 666 $R/dev/random c 1 8; mknod -m 666 $R/dev/urandom c 1 9
mknod -m 660 $R%(dev)s b %(major)d %(minor)d
mount --bind %(cv)s $R/var/lib/ceph
mount -t tmpfs -o mode=1777 koor-cv-log $R/var/log/ceph
mount -t tmpfs -o mode=1777 koor-cv-run $R/run
mount -t proc proc $R/proc
awk 'NR <= 2 || $4 == "%(name)s"' /proc/partitions > %(cv)s/partitions
mount --bind %(cv)s/partitions $R/proc/partitions
mount --bind /sys $R/sys
mount -t tmpfs koor-cv-sys $R/sys/block
ln -s ../devices/virtual/block/%(name)s $R/sys/block/%(name)s
mount -t tmpfs koor-cv-sysdev $R/sys/dev/block
ln -s ../../devices/virtual/block/%(name)s $R/sys/dev/block/%(major)d:%(minor)d
chroot $R env CEPH_CONF=/var/lib/ceph/ceph.conf ceph-volume raw prepare --bluestore --data %(dev)s
"""
        script = script % {"root": root, "dev": device, "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev),
                           "cv": cv, "name": os.path.basename(device)}
        proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                              capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        match = re.search(r"--mkfs -i (\d+)", proc.stdout + proc.stderr)
        osd_id = int(match.group(1)) if match else None
        if osd_id is not None:
            subprocess.run(chroot_ceph + ["osd", "purge", str(osd_id), "--yes-i-really-mean-it"], capture_output=True,
                           check=True)
        return osd_id


@pytest.fixture(scope="session")
def node_lab():
    name = os.environ.get("KOOR_LAB_NAME", "disks")
    status = _status(name)
    nodes = (status or {}).get("nodes") or {}
    if (not status or not status.get("ready") or nodes.get("count", 0) < 3
            or not all(n["running"] for n in nodes.get("nodes", []))):
        subprocess.run([KOOR_LAB, "up", "--name", name, "--nodes", str(max(3, nodes.get("count", 0)))], check=True,
                       stdout=subprocess.DEVNULL)
        status = _status(name)
    env = json.loads(subprocess.run([KOOR_LAB, "env", "--name", name, "--json"], capture_output=True, text=True,
                                    check=True).stdout)
    lab = NodeLab(name, status, env)
    assert len(lab.nodes) >= 3 and all(len(n.disks) >= 3 for n in lab.nodes), status
    return lab
