"""The first process of a koor-lab test node (started by koorlab.nodes; not imported).

It runs inside the node's network namespace and in a mount and UTS namespace of its own
(`ip netns exec NS unshare --mount --uts --propagation private python3 node_init.py CONF`),
so what it mounts here is seen only by the node's processes (its sshd and every SSH session):

- the host name is the node's name;
- /dev is a fresh tmpfs holding null, zero, full, random, urandom, tty, a private devpts, shm,
  and block device nodes for the node's own loop devices and their partitions only;
- /sys/block, /sys/class/block and /sys/dev/block are tmpfs copies holding links to those
  devices only, and /proc/partitions is a file listing only them;
- /run/udev (where the host has one) is an empty tmpfs: the node has no udev database;
- root's shell start-up files (~/.bashrc, ~/.profile) are empty: this machine's start pyenv.

Partitions come and go (sgdisk, partprobe), so this process keeps the copies in step with
the kernel every 0.1 s, as udev would. It starts sshd in the foreground, and exits when sshd
does or on SIGTERM (then stopping sshd).

Uses only the standard library of the host's /usr/bin/python3.
"""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time

SYS_VIRTUAL = "/sys/devices/virtual/block"
CHAR_DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
                "tty": (5, 0)}


def sh(*argv):
    subprocess.run(argv, check=True)


def mount_tmpfs(target, mode="0755"):
    sh("mount", "-t", "tmpfs", "-o", "mode=%s,nosuid" % mode, "koor-node", target)


def setup_dev():
    mount_tmpfs("/dev")
    for name, (major, minor) in CHAR_DEVICES.items():
        os.mknod("/dev/" + name, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        # mknod's mode is filtered by the umask (root's 022 gives 0644); a real /dev has
        # 0666, and daemons that drop root (ceph-volume's mkfs as the ceph user) need it.
        os.chmod("/dev/" + name, 0o666)
    os.makedirs("/dev/pts")
    sh("mount", "-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620", "devpts", "/dev/pts")
    os.symlink("pts/ptmx", "/dev/ptmx")
    os.makedirs("/dev/shm")
    mount_tmpfs("/dev/shm", "1777")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, "/dev/" + name)


def own_devices(disks):
    """{name: (major, minor, size in 512-byte sectors, sysfs path relative to /sys)} for the
    node's disks and their partitions, read from the kernel."""
    found = {}
    for disk in disks:
        base = os.path.join(SYS_VIRTUAL, disk)
        entries = [(disk, base)]
        try:
            entries += [(sub, os.path.join(base, sub)) for sub in sorted(os.listdir(base))
                        if os.path.exists(os.path.join(base, sub, "partition"))]
        except OSError:
            continue
        for name, path in entries:
            try:
                with open(os.path.join(path, "dev")) as handle:
                    major, minor = (int(x) for x in handle.read().strip().split(":"))
                with open(os.path.join(path, "size")) as handle:
                    size = int(handle.read().strip())
            except (OSError, ValueError):
                continue
            found[name] = (major, minor, size, os.path.relpath(path, "/sys"))
    return found


def _replace_link(path, target):
    try:
        if os.readlink(path) == target:
            return
        os.unlink(path)
    except OSError:
        pass
    os.symlink(target, path)


class Sync:
    """Keeps /dev, the /sys/*block copies and /proc/partitions equal to the node's devices."""

    def __init__(self, disks, partitions_file):
        self.disks = disks
        self.partitions_file = partitions_file
        self.known = {}
        self.last_table = None

    def run_once(self):
        devices = own_devices(self.disks)
        for name in set(self.known) - set(devices):
            major, minor = self.known[name][:2]
            for path in ("/dev/" + name, "/sys/class/block/" + name, "/sys/dev/block/%d:%d" % (major, minor)):
                try:
                    os.unlink(path)
                except OSError:
                    pass
        for name, (major, minor, size, sys_rel) in devices.items():
            node = "/dev/" + name
            try:
                st = os.stat(node)
                wrong = not stat.S_ISBLK(st.st_mode) or st.st_rdev != os.makedev(major, minor)
            except OSError:
                wrong, st = True, None
            if wrong:
                if st is not None:
                    os.unlink(node)
                os.mknod(node, 0o660 | stat.S_IFBLK, os.makedev(major, minor))
            _replace_link("/sys/class/block/" + name, "../../" + sys_rel)
            _replace_link("/sys/dev/block/%d:%d" % (major, minor), "../../" + sys_rel)
            if name in self.disks:
                _replace_link("/sys/block/" + name, "../" + sys_rel)
        self.known = devices
        lines = ["major minor  #blocks  name", ""]
        for name in sorted(devices, key=lambda n: devices[n][:2]):
            major, minor, size = devices[name][:3]
            lines.append("%4d  %7d %10d %s" % (major, minor, size // 2, name))
        table = "\n".join(lines) + "\n"
        if table != self.last_table:
            # Rewritten in place: the file is bind-mounted over /proc/partitions by inode.
            with open(self.partitions_file, "r+") as handle:
                handle.truncate(0)
                handle.write(table)
            self.last_table = table


def main():
    with open(sys.argv[1]) as handle:
        conf = json.load(handle)
    socket.sethostname(conf["name"])
    setup_dev()
    for path in ("/sys/block", "/sys/class/block", "/sys/dev/block"):
        mount_tmpfs(path)
    if os.path.isdir("/run/udev"):
        mount_tmpfs("/run/udev")
    # root's shell start-up files on this machine start pyenv (~0.3 s per SSH command, and shims
    # that confuse interpreter discovery); a storage host has none of that: the node gets empty ones.
    empty = os.path.join(conf["dir"], "empty-rc")
    with open(empty, "w"):
        pass
    for rc in ("/root/.bashrc", "/root/.profile", "/root/.bash_profile"):
        if os.path.isfile(rc):
            sh("mount", "--bind", "-o", "ro", empty, rc)
    partitions_file = os.path.join(conf["dir"], "partitions")
    with open(partitions_file, "w"):
        pass
    sh("mount", "--bind", partitions_file, "/proc/partitions")
    sync = Sync(conf["disks"], partitions_file)
    sync.run_once()
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log = open(os.path.join(conf["dir"], "sshd.log"), "a")
    sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", conf["sshd_config"]], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(os.path.join(conf["dir"], "ready"), "w") as handle:
        handle.write("%d\n" % os.getpid())
    while not stopping and sshd.poll() is None:
        try:
            sync.run_once()
        except OSError as exc:  # a partition vanished between two reads: next round
            sys.stderr.write("node_init: %s\n" % exc)
        time.sleep(0.1)
    if sshd.poll() is None:
        sshd.terminate()
        try:
            sshd.wait(5)
        except subprocess.TimeoutExpired:
            sshd.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
