"""Small helpers shared by the lab's commands."""

import contextlib
import errno
import fcntl
import os
import socket
import subprocess
import sys
import time


class LabError(Exception):
    """A failure the lab reports as one clear line, without a traceback."""


def log(msg):
    sys.stderr.write("koor-lab: %s\n" % msg)
    sys.stderr.flush()


def clean_env(extra=None):
    """A minimal environment: no inherited CEPH_* variables, C locale."""
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL": "C",
        "LANG": "C",
        "HOME": "/root",
    }
    if extra:
        env.update(extra)
    return env


def run(argv, timeout=120, check=True, capture=True, input=None, env=None):
    try:
        proc = subprocess.run(
            argv, input=input, timeout=timeout, env=env or clean_env(),
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            universal_newlines=True, check=False)
    except subprocess.TimeoutExpired:
        raise LabError("timed out after %ss: %s" % (timeout, " ".join(argv)))
    except FileNotFoundError:
        raise LabError("command not found: %s" % argv[0])
    if check and proc.returncode != 0:
        err = (proc.stderr or "").strip() if capture else ""
        raise LabError("command failed (rc=%d): %s\n%s" % (proc.returncode, " ".join(argv), err[-2000:]))
    return proc


def port_in_use(port, host="127.0.0.1"):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    finally:
        sock.close()
    return False


def wait_for(what, predicate, timeout=120, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = predicate()
        except LabError as exc:
            result, last = None, str(exc)
        if result:
            return result
        if time.monotonic() > deadline:
            raise LabError("timed out after %ss waiting for %s%s" % (timeout, what, (": " + last) if last else ""))
        time.sleep(interval)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def cmdline(pid):
    """A process's argv ([] when it is gone or unreadable)."""
    try:
        with open("/proc/%d/cmdline" % int(pid), "rb") as handle:
            return [arg.decode(errors="replace") for arg in handle.read().split(b"\0") if arg]
    except OSError:
        return []


def pids_matching(token):
    """Pids whose command line contains token (used to find a lab's daemons)."""
    return [int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and int(entry) != os.getpid() and token in " ".join(cmdline(entry))]


def mounts_under(path):
    found = []
    with open("/proc/self/mounts") as handle:
        for line in handle:
            target = line.split()[1].replace("\\040", " ")
            if target == path or target.startswith(path.rstrip("/") + "/"):
                found.append(target)
    return sorted(found, key=len, reverse=True)


def posix_locked(path):
    """Whether another process holds a POSIX (fcntl) lock on file PATH, as a Ceph daemon holds its pid
    file until its very end; a missing file is not locked."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return True
        raise
    finally:
        os.close(fd)  # releases the lock taken here
    return False


@contextlib.contextmanager
def file_lock(path):
    """Held (flock on PATH, made when missing) while one koor-lab process does what another one started
    at the same moment must not do too."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def choice_lock(home):
    """Held while a lab chooses its ports or its nodes' subnet and records the choice in its state:
    two labs started at the same moment never take the same block."""
    # beside the labs' folder, not in it: what is in it is a lab
    with file_lock(home.rstrip("/") + ".lock"):
        yield
