# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that runs ceph, rados, rbd and radosgw-admin.

A :class:`CephRunner` starts one agent (see ``agent.py``) on the far side of its transport
and keeps it for the module run: every read and write goes through that one process, over
librados where the far side has it, so a module reads, compares and writes in one exec.

Reads run in check mode too; writes are recorded in ``commands`` and skipped in check mode.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import inspect
import json
import os
import select
import shlex
import subprocess
import tempfile
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.koor.ceph.plugins.module_utils import agent as _agent
from ansible_collections.koor.ceph.plugins.module_utils.errors import (
    CephAgentError,
    CephCommandError,
    CephConnectionError,
    CephError,
    CephInputError,
    CephOutputError,
    CephTimeoutError,
)

TRANSPORTS = ("local", "prefix", "kubectl_exec")

# The options every cluster-facing module takes (see the koor.ceph.connection doc fragment).
CONNECTION_ARGSPEC = dict(
    transport=dict(type="str", default="local", choices=list(TRANSPORTS)),
    prefix=dict(type="list", elements="str"),
    cluster=dict(type="str", default="ceph"),
    conf=dict(type="path"),
    keyring=dict(type="path", no_log=False),
    client=dict(type="str", default="client.admin"),
    timeout=dict(type="int", default=30),
    python=dict(type="str", default="python3"),
    agent_mode=dict(type="str", default="auto", choices=["auto", "cli"]),
    kubectl=dict(type="str", default="kubectl"),
    kubeconfig=dict(type="path", fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG"])),
    context=dict(type="str"),
    namespace=dict(type="str", default="rook-ceph"),
    toolbox=dict(type="str", default="deploy/rook-ceph-tools"),
    container=dict(type="str"),
)


def connection_params(params):
    """The connection options of params, with the argument spec's defaults where unset."""
    result = {}
    for key, spec in CONNECTION_ARGSPEC.items():
        value = params.get(key)
        result[key] = spec.get("default") if value is None else value
    return result


class Transport:
    """How to reach the far side: wraps an argv so it runs there."""

    name = "local"

    def wrap(self, argv):
        return list(argv)

    def describe(self):
        return self.name

    def check(self):
        """Raise CephInputError for options that cannot work, before anything runs."""


class LocalTransport(Transport):
    name = "local"


class PrefixTransport(Transport):
    name = "prefix"

    def __init__(self, prefix):
        if isinstance(prefix, str):
            prefix = shlex.split(prefix)
        self.prefix = list(prefix or [])

    def wrap(self, argv):
        return self.prefix + list(argv)

    def describe(self):
        return "prefix %s" % " ".join(shlex.quote(p) for p in self.prefix)

    def check(self):
        if not self.prefix:
            raise CephInputError("transport 'prefix' needs the 'prefix' option, e.g. ['chroot', '/srv/ceph'], "
                                 "['cephadm', 'shell', '--'] or ['podman', 'exec', '-i', 'ceph-mon-a']")


class KubectlExecTransport(Transport):
    name = "kubectl_exec"

    def __init__(self, kubectl="kubectl", kubeconfig=None, context=None, namespace="rook-ceph",
                 toolbox="deploy/rook-ceph-tools", container=None):
        self.kubectl = kubectl or "kubectl"
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace or "rook-ceph"
        self.toolbox = toolbox or "deploy/rook-ceph-tools"
        self.container = container

    def base(self):
        argv = [self.kubectl]
        if self.kubeconfig:
            argv += ["--kubeconfig", self.kubeconfig]
        if self.context:
            argv += ["--context", self.context]
        return argv + ["--namespace", self.namespace]

    def wrap(self, argv):
        cmd = self.base() + ["exec", "-i", self.toolbox]
        if self.container:
            cmd += ["-c", self.container]
        return cmd + ["--"] + list(argv)

    def describe(self):
        return "kubectl exec into %s/%s" % (self.namespace, self.toolbox)

    def check(self):
        if self.kubeconfig and not os.path.isfile(self.kubeconfig):
            raise CephInputError("kubeconfig %s does not exist: set 'kubeconfig' to the cluster's kubeconfig file"
                                 % self.kubeconfig)


def make_transport(params):
    kind = params.get("transport") or "local"
    if kind == "local":
        transport = LocalTransport()
    elif kind == "prefix":
        transport = PrefixTransport(params.get("prefix"))
    elif kind == "kubectl_exec":
        transport = KubectlExecTransport(params.get("kubectl"), params.get("kubeconfig"), params.get("context"),
                                         params.get("namespace"), params.get("toolbox"), params.get("container"))
    else:
        raise CephInputError("unknown transport %r: choose one of %s" % (kind, ", ".join(TRANSPORTS)))
    transport.check()
    return transport


def mon_cmd(cmd):
    """A mon/mgr command as the agent is sent it: JSON output unless asked otherwise, no None arguments."""
    cmd = dict((k, v) for k, v in cmd.items() if v is not None)
    cmd.setdefault("format", "json")
    return cmd


def describe(cmd, inbuf="", secret=False):
    """A mon/mgr JSON command as the shell line a person would run (agent.mon_argv, quoted; its
    input on stdin, masked where ``secret``): the same line the agent runs without librados."""
    return _agent.shell_line(_agent.mon_argv(cmd, inbuf), inbuf, secret)


def tool_line(argv, inbuf="", secret=False):
    """A tool's argv (rados, rbd, radosgw-admin, ...) as the shell line a person would run."""
    return _agent.shell_line(argv, inbuf, secret)


def _agent_source():
    return inspect.getsource(_agent)


class CephRunner:
    """Runs ceph commands for one module run through one agent process."""

    def __init__(self, params, check_mode=False):
        self.params = connection_params(params)
        self.check_mode = check_mode
        timeout = self.params.get("timeout")
        self.timeout = 30 if timeout is None else int(timeout)
        if self.timeout < 1:
            raise CephInputError("timeout must be at least 1 second, got %d" % self.timeout)
        self.transport = make_transport(self.params)
        self.commands = []
        self.applied = []    # the writes that ran and succeeded (a real run only)
        self.failed = None   # the write that ran and failed, if any
        self.mode = None
        self._proc = None
        self._buf = b""
        self._next_id = 0
        self._errfile = None

    # --- agent lifecycle --------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _hello(self):
        return {"conf": self.params.get("conf"), "keyring": self.params.get("keyring"),
                "name": self.params.get("client"), "cluster": self.params.get("cluster"),
                "timeout": self.timeout, "mode": self.params.get("agent_mode") or "auto"}

    def start(self):
        if self._proc is not None:
            return
        python = self.params.get("python") or "python3"
        argv = self.transport.wrap([python, "-c", _agent.BOOTSTRAP])
        env = dict(os.environ, LC_ALL="C", LANG="C")
        for var in ("CEPH_ARGS", "PYTHONPATH", "PYTHONHOME"):
            env.pop(var, None)
        self._errfile = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errfile,
                                          env=env, close_fds=True)
        except OSError as exc:
            raise CephAgentError("cannot start the agent through %s: %s: check that %s is installed"
                                 % (self.transport.describe(), exc, argv[0]), cmd=" ".join(argv[:-2]))
        source = _agent_source()
        try:
            self._proc.stdin.write(("%d\n" % len(source)).encode() + source.encode("utf-8"))
            self._send(self._hello())
        except (BrokenPipeError, OSError):
            pass  # the far side died at once: its stderr says why, read below
        reply = self._receive(self.timeout + 15, starting=True)
        if not reply.get("ok"):
            self._fail_hello(reply)
        self.mode = reply.get("mode")

    def _fail_hello(self, reply):
        self.close()
        stage, message = reply.get("stage"), reply.get("message", "")
        where = self.transport.describe()
        if stage == "connect":
            raise self._connect_error(reply.get("errno"), message)
        raise CephAgentError("the agent cannot work on the far side (%s): %s" % (where, message), stderr=message)

    def _connect_error(self, code, message):
        """The error for a client that could not connect (librados at the agent's start, or the
        ceph CLI of agent_mode cli at its first command): what to check, with Ceph's words."""
        where = self.transport.describe()
        if code == errno.ETIMEDOUT or "timed out" in message.lower():
            return CephTimeoutError(
                "cannot reach the Ceph cluster within %ds (through %s): check that the mons in %s are up and "
                "reachable" % (self.timeout, where, self.params.get("conf") or "the default ceph.conf"),
                stderr=message)
        if code == errno.ENOENT and "conf_read_file" not in message:
            return CephConnectionError(
                "no usable key for %s (through %s): set 'keyring' to a keyring that holds its key"
                % (self.params.get("client"), where), stderr=message)
        if code == errno.ENOENT:
            return CephConnectionError(
                "cannot read the Ceph configuration (through %s): set 'conf' to an existing ceph.conf and "
                "'keyring' to a keyring for %s" % (where, self.params.get("client")), stderr=message)
        if code in (errno.EACCES, errno.EPERM, errno.EINVAL) or "auth" in message.lower():
            return CephConnectionError(
                "the cluster refused the credentials of %s (through %s): check 'client' and 'keyring'"
                % (self.params.get("client"), where), stderr=message)
        return CephConnectionError("cannot connect to the Ceph cluster (through %s): %s" % (where, message),
                                   stderr=message)

    def close(self):
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.write(b'{"op": "close"}\n')
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._errfile is not None:
            self._errfile.close()
            self._errfile = None

    def _send(self, obj):
        self._proc.stdin.write((json.dumps(obj) + "\n").encode("utf-8"))
        self._proc.stdin.flush()

    def _stderr_text(self):
        if self._errfile is None:
            return ""
        self._errfile.seek(0)
        return self._errfile.read().decode("utf-8", "replace").strip()[-2000:]

    def _receive(self, timeout, starting=False):
        deadline = time.monotonic() + timeout
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                stderr = self._stderr_text()
                self._proc.kill()
                self.close()
                what = "to start" if starting else "to answer"
                raise CephTimeoutError("the agent (through %s) did not %s within %ds"
                                       % (self.transport.describe(), what.replace("to ", ""), timeout),
                                       stderr=stderr)
            ready = select.select([fd], [], [], left)[0]
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self._proc.wait()
                rc = self._proc.returncode
                stderr = self._stderr_text()
                self.close()
                raise CephAgentError(
                    "the agent %s through %s (rc=%s): %s" % (
                        "could not start" if starting else "died", self.transport.describe(), rc,
                        stderr or "no error output") + self._hint(rc, stderr),
                    rc=rc, stderr=stderr)
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return json.loads(line.decode("utf-8"))
        except ValueError:
            raise CephAgentError("the agent answered something that is not its protocol: %r" % line[:200])

    def _hint(self, rc, stderr):
        python = self.params.get("python") or "python3"
        text = (stderr or "").lower()
        if rc in (126, 127) or "no such file" in text or "not found" in text:
            return " - check that %s exists on the far side (option 'python') and the transport's command" % python
        return ""

    def _request(self, req, timeout=None):
        if self._proc is None:
            self.start()
        self._next_id += 1
        req["id"] = self._next_id
        timeout = int(timeout or self.timeout)
        req["timeout"] = timeout
        try:
            self._send(req)
        except (BrokenPipeError, OSError):
            pass
        started = time.monotonic()
        reply = self._receive(timeout + 20)
        if reply.get("id") != req["id"]:
            raise CephAgentError("the agent answered request %s to request %s" % (reply.get("id"), req["id"]))
        self._trace(req, reply, time.monotonic() - started)
        return reply

    def _trace(self, req, reply, seconds):
        """With KOOR_CEPH_TRACE=FILE set, append one JSON line per request (for benchmarks and diagnosis).
        Only the command's name is written: never arguments, which may carry secrets."""
        path = os.environ.get("KOOR_CEPH_TRACE")
        if not path:
            return
        if req["op"] == "mon":
            what = req["cmd"].get("prefix")
        elif req["op"] == "exec":
            words = []
            for word in req["argv"][:3]:
                if word.startswith("-"):
                    break
                words.append(word)
            what = " ".join(words)
        elif req["op"] == "batch":
            what = "batch of %d" % len(req["requests"])
        else:
            what = req["op"]
        line = {"op": req["op"], "what": what, "rc": reply.get("rc"), "ms": round(seconds * 1000, 3),
                "mode": self.mode, "pid": os.getpid()}
        with open(path, "a") as handle:
            handle.write(json.dumps(line) + "\n")

    # --- commands -----------------------------------------------------------------------
    def mon_raw(self, cmd, inbuf="", timeout=None):
        """Send one mon/mgr command; return the agent's reply (rc, out, err) without judging it."""
        return self._request({"op": "mon", "cmd": cmd, "inbuf": inbuf}, timeout)

    def mon(self, prefix, inbuf="", timeout=None, ok_rcs=(0,), parse=True, **args):
        """Run a read (or the write path's command); raise CephCommandError on failure."""
        cmd = mon_cmd(dict(prefix=prefix, **args))
        return self._judge(cmd, self.mon_raw(cmd, inbuf, timeout), ok_rcs, parse)

    def _judge(self, cmd, reply, ok_rcs=(0,), parse=True):
        """A mon/mgr command's reply as a read takes it: CephCommandError unless its rc is in
        ``ok_rcs``; the parsed JSON (or, unparsed or not 0, the text) otherwise."""
        if reply["rc"] not in ok_rcs:
            raise self._command_error(describe(cmd), reply)
        if reply["rc"] != 0 or not parse:
            return reply["out"]
        return self._parse(describe(cmd), reply["out"])

    @property
    def requests_sent(self):
        """How many requests this runner has sent its agent (a batch counts once)."""
        return self._next_id

    def mon_batch(self, cmds, timeout=None):
        """Reads in one round trip to the agent: ``cmds`` a list of mon/mgr commands (dicts with
        ``prefix`` and arguments; ``format`` json added). Returns the agent's reply (rc, out, err)
        for each, in order, unjudged: the caller decides what a failure of one read means."""
        requests = [{"op": "mon", "cmd": mon_cmd(cmd)} for cmd in cmds]
        if not requests:
            return []
        reply = self._request({"op": "batch", "requests": requests}, timeout)
        if reply["rc"] != 0:
            raise self._command_error("batch of %d reads" % len(requests), reply)
        replies = self._parse("batch", reply["out"])
        if not isinstance(replies, list) or len(replies) != len(requests):
            raise CephAgentError("the agent answered a batch of %d reads with %r" % (len(requests), reply["out"][:200]))
        return replies

    def mon_batch_read(self, cmds, timeout=None):
        """Reads in one round trip (mon_batch), each judged as mon() judges a read: the parsed JSON of
        each, in order; the first that failed raises CephCommandError naming its command."""
        return [self._judge(mon_cmd(cmd), reply) for cmd, reply in zip(cmds, self.mon_batch(cmds, timeout))]

    def write(self, prefix, inbuf="", timeout=None, ok_rcs=(0,), secret_input=False, **args):
        """A command that changes the cluster: recorded, and skipped in check mode.

        ``secret_input``: ``inbuf`` holds a secret (a key): the recorded line (in ``commands`` and
        errors) shows it masked (agent.SECRET).
        """
        cmd = mon_cmd(dict(prefix=prefix, **args))
        line = describe(cmd, inbuf, secret_input)
        self.commands.append(line)
        if self.check_mode:
            return None
        reply = self._send_write(line, lambda: self.mon_raw(cmd, inbuf, timeout), ok_rcs, atomic=True)
        if reply["rc"] not in ok_rcs:
            raise self._command_error(line, reply)
        out = reply["out"].strip()
        if out.startswith(("{", "[")):
            return self._parse(line, out)
        return out

    def tool(self, argv, write=False, inbuf="", timeout=None, parse=True, ok_rcs=(0,), secret_input=False):
        """Run rados, rbd or radosgw-admin next to the agent (connection options added).

        ``secret_input``: ``inbuf`` holds a secret: the recorded line (in ``commands`` and errors)
        shows it masked (agent.SECRET). Secrets never go in argv, where ``ps`` would show them.
        """
        line = tool_line(argv, inbuf, secret_input)
        if write:
            self.commands.append(line)
            if self.check_mode:
                return None
        request = {"op": "exec", "argv": list(argv), "inbuf": inbuf}
        if write:
            reply = self._send_write(line, lambda: self._request(request, timeout), ok_rcs, atomic=False)
        else:
            reply = self._request(request, timeout)
        if reply["rc"] not in ok_rcs:
            raise self._command_error(line, reply)
        if not parse:
            return reply["out"]
        out = reply["out"].strip()
        return self._parse(line, out) if out else None

    def list_objects(self, pool, limit=1):
        """Up to ``limit`` object names in ``pool`` (all namespaces): whether a pool holds data,
        without waiting for the mgr's usage statistics to catch up."""
        line = "rados --pool %s --all ls" % shlex.quote(pool)
        reply = self._request({"op": "list_objects", "pool": pool, "limit": int(limit)})
        if reply["rc"] != 0:
            raise self._command_error(line, reply)
        return self._parse(line, reply["out"])

    def rados_read_objects(self, pool, namespace="", names=None):
        """Whole objects of one pool namespace over librados: ``{name: bytes, or None if missing}``.

        ``names`` None reads every object of the namespace. A read, so it runs in check mode.
        Raises CephCommandError with rc EOPNOTSUPP where the far side has no librados binding
        (agent_mode cli): callers fall back to the tool that owns the objects.
        """
        line = "rados --pool %s --namespace %s get" % (shlex.quote(pool), shlex.quote(namespace or '""'))
        reply = self._request({"op": "rados_read", "pool": pool, "namespace": namespace or "",
                               "names": None if names is None else list(names)})
        if reply["rc"] != 0:
            raise self._command_error(line, reply)
        objects = self._parse(line, reply["out"])
        return dict((name, None if data is None else base64.b64decode(data)) for name, data in objects.items())

    def file_status(self, files):
        """Whether putting each file (dicts: path, content, mode, owner, group) on the far side
        would change it; content None asks whether removing it would. A read: runs in check mode.

        Returns one dict per file: path, exists, changed.
        """
        reply = self._request({"op": "files", "action": "status", "files": list(files)})
        if reply["rc"] != 0:
            raise self._command_error("stat " + " ".join(shlex.quote(f["path"]) for f in files), reply)
        return self._parse("stat", reply["out"])

    def put_file(self, path, content, mode=0o600, owner=None, group=None):
        """Write (or with content None remove) a file on the far side of the transport, atomically
        and with its mode set before any content lands: recorded, skipped in check mode.

        The recorded line is the ``install`` (or ``rm``) that does the same; the content (often a
        secret) is never shown.
        """
        if content is None:
            display = tool_line(["rm", "-f", path])
        else:
            argv = ["install", "-m", "%04o" % mode]
            argv += ["-o", str(owner)] if owner not in (None, "") else []
            argv += ["-g", str(group)] if group not in (None, "") else []
            display = tool_line(argv + ["/dev/stdin", path], secret=True)
        self.commands.append(display)
        if self.check_mode:
            return None
        spec = {"path": path, "content": content, "mode": mode, "owner": owner, "group": group}
        request = {"op": "files", "action": "remove" if content is None else "put", "files": [spec]}
        reply = self._send_write(display, lambda: self._request(request), (0,), atomic=True)
        if reply["rc"] != 0:
            raise self._command_error(display, reply)
        return self._parse(display, reply["out"])[0]

    def rbd_images(self, pool, namespace="", names=None, timeout=None):
        """The images of a pool (namespace) read over librados in the agent: a dict, see agent.rbd_ls.

        Returns None where the agent cannot (CLI mode, no rbd binding): read with `rbd` then.
        """
        reply = self._request({"op": "rbd_ls", "pool": pool, "namespace": namespace or "",
                               "names": list(names) if names else None}, timeout)
        line = "rbd_ls %s" % "/".join(p for p in (pool, namespace) if p)
        if reply["rc"] == errno.EOPNOTSUPP:
            return None
        if reply["rc"] != 0:
            raise self._command_error(line, reply)
        return self._parse(line, reply["out"])

    def _send_write(self, line, send, ok_rcs, atomic):
        """Send a write and record it: applied, or the one that failed (``atomic``: a refusal changed
        nothing, as for a mon command or a file put by rename). A write that got no answer (a timeout,
        the agent gone) may have been applied. Returns the reply."""
        try:
            reply = send()
        except CephError:
            self.failed = (line, False)
            raise
        if reply["rc"] in ok_rcs:
            self.applied.append(line)
        else:
            self.failed = (line, atomic)
        return reply

    def changed_anything(self):
        """Whether this run changed the cluster: a write succeeded, or a tool's write (rados, rbd,
        radosgw-admin: not atomic as a mon command is) failed and may have done part of its work."""
        return bool(self.applied) or (self.failed is not None and not self.failed[1])

    def _parse(self, line, out):
        try:
            return json.loads(out) if out.strip() else None
        except ValueError:
            raise CephOutputError("'%s' did not answer JSON: %s" % (line, out[:300]), cmd=line, stdout=out[:2000])

    def _command_error(self, line, reply):
        rc = reply["rc"]
        err = (reply.get("err") or "").strip()
        if reply.get("connect"):
            return self._connect_error(rc, err)
        if rc == errno.ETIMEDOUT:
            return CephTimeoutError("'%s' timed out: %s" % (line, err or "no answer"), cmd=line, rc=rc, stderr=err)
        name = errno.errorcode.get(rc, "rc %s" % rc)
        return CephCommandError("'%s' failed (%s): %s" % (line, name, err or "no error output"),
                                cmd=line, rc=rc, stderr=err)

    def result(self):
        """What a module adds to its result about the runner's work."""
        return {"commands": list(self.commands)}
