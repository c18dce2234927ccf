# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The koor.ceph agent: a small process on the far side of a transport.

The runner starts it once per module run (``python3 -c BOOTSTRAP``, its source sent on
stdin) and talks JSON lines with it over stdin/stdout. Where the ``rados`` Python binding is
importable the agent connects once with librados and sends every mon/mgr command over that
connection (about half a millisecond each); where it is not, it runs the ``ceph`` CLI per
command. ``rados``, ``rbd`` and ``radosgw-admin`` always run as processes next to the agent.

This file must stay standalone: Python >= 3.9 standard library only, no collection imports,
because its source is what runs on the far side.

Protocol (one JSON object per line):
  hello  -> {"conf", "keyring", "name", "cluster", "timeout", "mode": "auto"|"cli"}
         <- {"ok": true, "mode": "librados"|"cli", "python": "3.x.y"} or
            {"ok": false, "stage": "connect"|"import"|"start", "message", "errno"}
  request-> {"id", "op": "mon"|"osd"|"exec"|"list_objects", "cmd": {...}, "inbuf": "...", "osd": 0,
             "argv": [...], "pool": "...", "limit": 1, "timeout": 30}
         <- {"id", "rc", "out", "err"}   rc follows the CLI: 0 or a positive errno
  rados_read -> {"id", "op": "rados_read", "pool", "namespace", "names": [...] or null (all)}
         <- out: {name: base64 of the whole object, or null if missing}
  files  -> {"id", "op": "files", "action": "status"|"put"|"remove",
             "files": [{"path", "content": str or null, "mode": 384, "owner", "group"}]}
         <- out: [{"path", "exists", "changed"}]
  batch  -> {"id", "op": "batch", "requests": [{"op": "mon", "cmd": {...}}, ...]}  (reads only)
         <- out: [{"rc", "out", "err"}, ...]  one reply per request, in order
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno as _errno
import json
import os
import re
import shlex
import subprocess
import sys

# Argument names the ceph CLI reads as its own options (``--name``, ``--id``, ``--key`` for
# ``--keyring``, ...): given positionally only, never as ``--name=value``.
CLI_RESERVED = frozenset(["key", "name", "id", "format", "cluster", "conf", "keyring", "user", "admin_daemon",
                          "status", "watch", "version", "verbose", "concise", "output_file", "setuser",
                          "setgroup", "connect_timeout", "block", "period", "in_file", "target"])

BOOTSTRAP = "import sys;exec(compile(sys.stdin.read(int(sys.stdin.readline())),'koor_ceph_agent','exec'))"


def conn_args(hello):
    """Generic Ceph client options shared by ceph, rados, rbd and radosgw-admin."""
    args = []
    if hello.get("conf"):
        args += ["--conf", hello["conf"]]
    if hello.get("keyring"):
        args += ["--keyring", hello["keyring"]]
    if hello.get("name"):
        args += ["--name", hello["name"]]
    if hello.get("cluster"):
        args += ["--cluster", hello["cluster"]]
    return args


# --- command lines ----------------------------------------------------------------------
# The one renderer of the commands the collection runs as the lines a person types: the
# runner records them (``commands``, error messages), this agent runs them where the far side
# has no librados (agent_mode cli), and the lab's Rook simulator uses them too. It lives in this
# file because this file is standalone (its source is what runs on the far side).

# What a recorded line shows instead of a secret it does not give: written where the shell reads a
# word (``printf %s <secret masked> | ceph auth add ... -i -``), it makes the line a syntax error,
# so a masked line pasted as it is runs nothing. Replace it with the secret, quoted, to run it.
SECRET = "<secret masked>"

# The arguments of the mon/mgr commands the collection sends, in the order of Ceph's own command
# descriptions (``get_command_descriptions``, the same in Reef and Tentacle); ``*`` marks one that
# takes several values. Ceph's parser fills the arguments given positionally in this order, so a
# line gives positionally the leading run of given arguments and the rest as ``--name=value``
# (tests/integration/test_commands_runnable.py checks the table against the lab's cluster).
SIGNATURES = {
    "auth add": "entity caps* key_type",
    "auth caps": "entity caps*",
    "auth get-or-create": "entity caps* key_type",
    "auth import": "",
    "auth ls": "",
    "auth rm": "entity",
    "auth rotate": "entity key_type",
    "auth wipe-rotating-service-keys": "",
    "config dump": "",
    "config get": "who key",
    "config help": "key",
    "config rm": "who name",
    "config set": "who name value force",
    "config show": "who key",
    "config-key get": "key",
    "config-key rm": "key",
    "config-key set": "key val",
    "df": "detail",
    "fs dump": "epoch",
    "fs fail": "fs_name yes_i_really_mean_it",
    "fs ls": "",
    "fs new": "fs_name metadata data force allow_dangerous_metadata_overlay fscid recover "
              "yes_i_really_really_mean_it set*",
    "fs rm": "fs_name yes_i_really_mean_it",
    "fs set": "fs_name var val yes_i_really_mean_it yes_i_really_really_mean_it",
    "fs subvolume create": "vol_name sub_name size group_name pool_layout uid gid mode namespace_isolated",
    "fs subvolume getpath": "vol_name sub_name group_name",
    "fs subvolume info": "vol_name sub_name group_name",
    "fs subvolume ls": "vol_name group_name",
    "fs subvolume resize": "vol_name sub_name new_size group_name no_shrink",
    "fs subvolume rm": "vol_name sub_name group_name force retain_snapshots",
    "fs subvolume snapshot ls": "vol_name sub_name group_name",
    "fs subvolumegroup create": "vol_name group_name size pool_layout uid gid mode",
    "fs subvolumegroup info": "vol_name group_name",
    "fs subvolumegroup ls": "vol_name",
    "fs subvolumegroup resize": "vol_name group_name new_size no_shrink",
    "fs subvolumegroup rm": "vol_name group_name force",
    "fs volume create": "name placement meta_pool data_pool",
    "fs volume rm": "vol_name yes-i-really-mean-it",
    "health": "detail",
    "mds metadata": "who",
    "mds ok-to-stop": "ids*",
    "mgr dump": "epoch",
    "mgr metadata": "who",
    "mgr module disable": "module",
    "mgr module enable": "module force",
    "mgr module ls": "",
    "mon metadata": "id",
    "mon ok-to-stop": "ids*",
    "mon set": "name value",
    "osd crush class ls": "",
    "osd crush dump": "",
    "osd crush rule create-erasure": "name profile",
    "osd crush rule create-replicated": "name root type class",
    "osd crush rule dump": "name",
    "osd crush rule rm": "name",
    "osd crush tree": "show_shadow",
    "osd df": "output_method filter_by filter",
    "osd dump": "epoch",
    "osd erasure-code-profile get": "name",
    "osd erasure-code-profile ls": "",
    "osd erasure-code-profile rm": "name",
    "osd erasure-code-profile set": "name profile* force yes_i_really_mean_it",
    "osd metadata": "id",
    "osd ok-to-stop": "ids* max",
    "osd pool application enable": "pool app yes_i_really_mean_it",
    "osd pool create": "pool pg_num pgp_num pool_type erasure_code_profile rule expected_num_objects size "
                       "pg_num_min pg_num_max autoscale_mode bulk target_size_bytes target_size_ratio "
                       "yes_i_really_mean_it",
    "osd pool get": "pool var",
    "osd pool ls": "detail",
    "osd pool rm": "pool pool2 yes_i_really_really_mean_it yes_i_really_really_mean_it_not_faking",
    "osd pool set": "pool var val yes_i_really_mean_it",
    "osd pool set-quota": "pool field val",
    "osd require-osd-release": "release yes_i_really_mean_it",
    "osd safe-to-destroy": "ids*",
    "osd set": "key yes_i_really_mean_it",
    "osd set-group": "flags who*",
    "osd stat": "",
    "osd unset": "key",
    "osd unset-group": "flags who*",
    "quorum_status": "",
    "service dump": "",
    "status": "",
    "versions": "",
}

# Values Ceph's parser takes positionally although they start with "--" (old confirmation flags).
_DASHED_VALUES = frozenset(["--yes-i-really-mean-it", "--yes-i-really-really-mean-it",
                            "--yes-i-really-really-mean-it-not-faking", "--force"])
_NUMBER = re.compile(r"^-?[0-9][0-9.]*$")


def _positional(value):
    """Whether Ceph's parser reads value back as the same positional argument."""
    if isinstance(value, bool):
        return False
    if isinstance(value, list):
        return bool(value) and all(_positional(v) for v in value)
    text = _cli_str(value)
    return not text.startswith("-") or text in _DASHED_VALUES or bool(_NUMBER.match(text))


def _named(key, value):
    flag = "--" + key.replace("_", "-")
    if isinstance(value, bool):  # an absent bool is false in every Ceph command
        return [flag] if value else []
    words = []
    for item in value if isinstance(value, list) else [value]:
        text = _cli_str(item)
        words += [flag + "=" + text] if text else [flag, text]
    return words


def mon_words(cmd):
    """A mon/mgr JSON command as the ceph CLI's words after ``ceph``, which Ceph's parser reads
    back into the same command: the leading run of the arguments its description lists (see
    SIGNATURES) positionally, the others as ``--name=value``, a bool as ``--name`` (false: left out). The names the
    CLI keeps for itself (CLI_RESERVED) can only go positionally: a command that would need one
    named raises ValueError (a programming error, never the user's)."""
    words = cmd["prefix"].split()
    args = [(k, v) for k, v in cmd.items() if k not in ("prefix", "format") and v is not None]
    given = dict(args)
    signature = SIGNATURES.get(cmd["prefix"])
    if signature is None:  # not described here: the CLI's own names first, in the order given
        positional = [k for k, v in args if k in CLI_RESERVED]
    else:
        positional = []
        for name in signature.split():
            many = name.endswith("*")
            name = name.rstrip("*")
            if name not in given or not _positional(given[name]):
                break
            positional.append(name)
            if many:  # a list takes every positional word after it
                break
    for name in positional:
        value = given[name]
        words += [_cli_str(v) for v in (value if isinstance(value, list) else [value])]
    for key, value in args:
        if key in positional:
            continue
        if key in CLI_RESERVED:
            raise ValueError("'%s': the argument %r cannot be given by name on the ceph command line"
                             % (cmd["prefix"], key))
        words += _named(key, value)
    return words


def mon_argv(cmd, inbuf=""):
    """The ceph CLI argv of a mon/mgr command (input, if any, read from stdin with ``-i -``)."""
    return ["ceph"] + mon_words(cmd) + (["-i", "-"] if inbuf else [])


def shell_line(argv, inbuf="", secret=False):
    """argv as one shell line with the same effect: every word quoted, input given on stdin
    (``printf %s ... |``), shown as SECRET where ``secret`` says it is one."""
    line = " ".join(shlex.quote(_cli_str(word)) for word in argv)
    if not inbuf and not secret:
        return line
    return "printf %%s %s | %s" % (SECRET if secret else shlex.quote(_text(inbuf)), line)


def is_masked(line):
    """Whether a recorded line stands for a secret it does not show (not runnable as it is)."""
    return SECRET in line


def cli_argv(cmd, hello, timeout, inbuf=""):
    """A mon/mgr JSON command as the ceph CLI command line the agent runs without librados."""
    argv = mon_argv(cmd, inbuf)
    return argv[:1] + conn_args(hello) + ["--connect-timeout", str(int(max(1, timeout))), "--format", "json"] + argv[1:]


CLI_CONNECT_ERROR = re.compile(r"\[errno (\d+)\] (.*)\(error connecting to the cluster\)")
CLI_INIT_ERROR = re.compile(r"Error initializing cluster client: (\w+)\(")
CLI_INIT_ERRNO = {"ObjectNotFound": _errno.ENOENT, "PermissionDeniedError": _errno.EACCES,
                  "PermissionError": _errno.EPERM, "TimedOut": _errno.ETIMEDOUT, "InvalidArgumentError": _errno.EINVAL}
CLI_ERROR = re.compile(r"^Error (E[A-Z]+): ", re.M)


def cli_reply(reply):
    """A ceph CLI process's result in the agent's terms: its exit status is 1 for a failure to
    connect (the errno is in its last words) and the command's errno otherwise. ``connect``
    marks a reply that never reached the cluster."""
    if reply["rc"] == 0:
        return reply
    err = reply["err"].strip()
    last = err.splitlines()[-1].strip() if err else ""
    found = CLI_CONNECT_ERROR.search(last)
    if found:
        reply.update(rc=int(found.group(1)) or _errno.EIO, connect=True)
    elif reply["rc"] == 1 and last == "timed out":
        reply.update(rc=_errno.ETIMEDOUT, connect=True)
    elif CLI_INIT_ERROR.search(last):
        reply.update(rc=CLI_INIT_ERRNO.get(CLI_INIT_ERROR.search(last).group(1), _errno.EIO), connect=True)
    else:
        found = CLI_ERROR.search(err)
        if found and isinstance(getattr(_errno, found.group(1), None), int):
            reply["rc"] = getattr(_errno, found.group(1))
    return reply


def _cli_str(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text(data):
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


READ_CHUNK = 1 << 20


def _ids(spec):
    """The uid and gid a file spec asks for (names or numbers), -1 where it leaves them."""
    import grp  # pylint: disable=import-outside-toplevel
    import pwd  # pylint: disable=import-outside-toplevel
    uid = gid = -1
    owner, group = spec.get("owner"), spec.get("group")
    if owner not in (None, ""):
        uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
    if group not in (None, ""):
        gid = int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
    return uid, gid


def file_op(action, spec):
    """One file: status, put (atomic: a temporary file with the mode set, then renamed) or remove.

    Returns {"path", "exists", "changed"}; for status, changed says whether put (content given)
    or remove (content None) would change the file.
    """
    path = spec["path"]
    content = spec.get("content")
    exists = os.path.lexists(path)
    if content is None:
        if action == "remove" and exists:
            os.unlink(path)
        return {"path": path, "exists": exists, "changed": exists}
    data = content.encode("utf-8")
    mode = int(spec.get("mode") if spec.get("mode") is not None else 0o600)
    uid, gid = _ids(spec)
    same = False
    if exists and os.path.isfile(path) and not os.path.islink(path):
        st = os.stat(path)
        with open(path, "rb") as handle:
            same = (handle.read() == data and (st.st_mode & 0o7777) == mode
                    and uid in (-1, st.st_uid) and gid in (-1, st.st_gid))
    if action == "put" and not same:
        folder = os.path.dirname(os.path.abspath(path))
        tmp = os.path.join(folder, ".%s.koor-tmp-%d" % (os.path.basename(path), os.getpid()))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, mode)
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.write(fd, data)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        os.replace(tmp, path)
    return {"path": path, "exists": exists, "changed": not same}


class Agent:
    def __init__(self, hello, rados_mod=None):
        self.hello = hello
        self.timeout = float(hello.get("timeout") or 30)
        self.cluster = None
        self.rados = rados_mod
        self.env = dict(os.environ, LC_ALL="C", LANG="C")
        self.env.pop("CEPH_ARGS", None)

    def connect(self):
        rados = self.rados
        conf = {"client_mount_timeout": str(int(self.timeout)), "rados_mon_op_timeout": str(int(self.timeout)),
                "rados_osd_op_timeout": str(int(self.timeout))}
        if self.hello.get("keyring"):
            conf["keyring"] = self.hello["keyring"]
        # An empty conffile makes librados search the default places (CEPH_CONF, /etc/ceph).
        kwargs = {"conf": conf, "clustername": self.hello.get("cluster") or "ceph",
                  "conffile": self.hello.get("conf") or ""}
        if self.hello.get("name"):
            kwargs["name"] = self.hello["name"]
        cluster = rados.Rados(**kwargs)
        cluster.connect(timeout=int(self.timeout))
        self.cluster = cluster

    def mon(self, req):
        cmd = req["cmd"]
        inbuf = _text(req.get("inbuf")).encode("utf-8")
        timeout = int(req.get("timeout") or self.timeout)
        if self.cluster is None:
            return cli_reply(self.run(cli_argv(cmd, self.hello, timeout, inbuf), inbuf, timeout))
        ret, out, outs = self.cluster.mon_command(json.dumps(cmd), inbuf, timeout=timeout)
        return {"rc": abs(ret), "out": _text(out), "err": _text(outs)}

    def osd(self, req):
        cmd = req["cmd"]
        timeout = int(req.get("timeout") or self.timeout)
        if self.cluster is None:
            argv = ["ceph"] + conn_args(self.hello) + ["--connect-timeout", str(timeout), "--format", "json"]
            argv += ["tell", "osd.%d" % req["osd"]] + cmd["prefix"].split()
            return cli_reply(self.run(argv, b"", timeout))
        ret, out, outs = self.cluster.osd_command(int(req["osd"]), json.dumps(cmd), b"", timeout=timeout)
        return {"rc": abs(ret), "out": _text(out), "err": _text(outs)}

    def list_objects(self, req):
        """Up to ``limit`` object names of a pool, across namespaces (cheap "is it empty?")."""
        limit = int(req.get("limit") or 1)
        if self.cluster is None:
            argv = ["rados"] + conn_args(self.hello) + ["--pool", req["pool"], "--all", "ls"]
            result = self.run(argv, b"", float(req.get("timeout") or self.timeout))
            if result["rc"] == 0:
                names = [line.split("\t")[-1] for line in result["out"].splitlines() if line.strip()]
                result["out"] = json.dumps(names[:limit])
            return result
        ioctx = self.cluster.open_ioctx(req["pool"])
        try:
            ioctx.set_namespace(self.rados.LIBRADOS_ALL_NSPACES)
            names = []
            for obj in ioctx.list_objects():
                names.append(obj.key)
                if len(names) >= limit:
                    break
        finally:
            ioctx.close()
        return {"rc": 0, "out": json.dumps(names), "err": ""}

    def rados_read(self, req):
        """Whole objects of one pool namespace (the named ones, or all): {name: base64 or None}."""
        if self.cluster is None:
            return {"rc": _errno.EOPNOTSUPP, "out": "", "err": "reading objects needs the rados Python binding"}
        ioctx = self.cluster.open_ioctx(req["pool"])
        try:
            ioctx.set_namespace(req.get("namespace") or "")
            names = req.get("names")
            if names is None:
                names = sorted(obj.key for obj in ioctx.list_objects())
            objects = {}
            for name in names:
                try:
                    data = chunk = ioctx.read(name, READ_CHUNK, 0)
                    while len(chunk) == READ_CHUNK:
                        chunk = ioctx.read(name, READ_CHUNK, len(data))
                        data += chunk
                    objects[name] = base64.b64encode(data).decode("ascii")
                except self.rados.ObjectNotFound:
                    objects[name] = None
        finally:
            ioctx.close()
        return {"rc": 0, "out": json.dumps(objects), "err": ""}

    def files(self, req):
        """Files on this side: "status" (would a put/remove change them?), "put" or "remove"."""
        action = req.get("action") or "status"
        results = []
        for spec in req["files"]:
            try:
                results.append(file_op(action, spec))
            except (OSError, KeyError) as exc:
                return {"rc": abs(getattr(exc, "errno", None) or _errno.EIO), "out": "",
                        "err": "%s: %s" % (spec.get("path"), exc)}
        return {"rc": 0, "out": json.dumps(results), "err": ""}

    def rbd_ls(self, req):
        """The images of one pool (and namespace) as `rbd info` + `rbd status` see them, over librados."""
        if self.cluster is None:
            return {"rc": _errno.EOPNOTSUPP, "out": "", "err": "rbd_ls needs librados (the agent runs the CLI)"}
        try:
            import rbd  # pylint: disable=import-outside-toplevel
        except ImportError:
            return {"rc": _errno.EOPNOTSUPP, "out": "", "err": "the rbd Python binding is not installed here"}
        only = set(req.get("names") or [])
        ioctx = self.cluster.open_ioctx(req["pool"])
        try:
            namespace = req.get("namespace") or ""
            if namespace and namespace not in rbd.RBD().namespace_list(ioctx):
                return {"rc": 0, "out": json.dumps({"namespace": False, "images": []}), "err": ""}
            ioctx.set_namespace(namespace)
            images = []
            for entry in rbd.RBD().list2(ioctx):
                if only and entry["name"] not in only:
                    continue
                with rbd.Image(ioctx, image_id=entry["id"], read_only=True) as image:
                    pool_id = image.data_pool_id()
                    data_pool = None
                    if pool_id not in (-1, ioctx.get_pool_id()):
                        data_pool = self.cluster.pool_reverse_lookup(pool_id)
                    images.append({"name": entry["name"], "id": entry["id"], "size": image.size(),
                                   "features": image.features(), "data_pool": data_pool,
                                   "snapshots": len(list(image.list_snaps())),
                                   "watchers": len(list(image.watchers_list()))})
            return {"rc": 0, "out": json.dumps({"namespace": True, "images": images}), "err": ""}
        finally:
            ioctx.close()

    def execute(self, req):
        argv = list(req["argv"])
        if req.get("conn", True):
            argv = argv[:1] + conn_args(self.hello) + argv[1:]
        return self.run(argv, _text(req.get("inbuf")).encode("utf-8"), float(req.get("timeout") or self.timeout))

    def run(self, argv, inbuf, timeout):
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=self.env)
        except OSError as exc:
            return {"rc": _errno.ENOENT, "out": "", "err": "cannot run %s: %s" % (argv[0], exc)}
        try:
            out, err = proc.communicate(inbuf, timeout=timeout + 5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return {"rc": _errno.ETIMEDOUT, "out": "", "err": "timed out after %ss" % timeout}
        return {"rc": proc.returncode, "out": _text(out), "err": _text(err)}

    def batch(self, req):
        """Several reads in one round trip: each answered as if sent alone (a failure stays its own)."""
        replies = []
        for sub in req.get("requests") or []:
            if sub.get("op") == "batch":
                replies.append({"rc": _errno.EINVAL, "out": "", "err": "a batch cannot hold a batch"})
                continue
            sub = dict(sub, timeout=sub.get("timeout") or req.get("timeout"))
            reply = self.handle(sub)
            reply.pop("id", None)
            replies.append(reply)
        return {"rc": 0, "out": json.dumps(replies), "err": ""}

    def handle(self, req):
        op = req.get("op")
        try:
            if op == "mon":
                result = self.mon(req)
            elif op == "osd":
                result = self.osd(req)
            elif op == "exec":
                result = self.execute(req)
            elif op == "rbd_ls":
                result = self.rbd_ls(req)
            elif op == "rados_read":
                result = self.rados_read(req)
            elif op == "files":
                result = self.files(req)
            elif op == "list_objects":
                result = self.list_objects(req)
            elif op == "batch":
                result = self.batch(req)
            else:
                result = {"rc": _errno.EINVAL, "out": "", "err": "unknown agent op %r" % op}
        except Exception as exc:  # a librados failure reaches the runner as a command error
            code = getattr(exc, "errno", None) or _errno.EIO
            result = {"rc": abs(code), "out": "", "err": "%s: %s" % (type(exc).__name__, exc)}
        result["id"] = req.get("id")
        return result


def _reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _which(name):
    for folder in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def main():
    line = sys.stdin.readline()
    if not line:
        return 0
    hello = json.loads(line)
    rados_mod = None
    if hello.get("mode", "auto") != "cli":
        try:
            import rados as rados_mod  # pylint: disable=import-outside-toplevel
        except ImportError:
            rados_mod = None
    agent = Agent(hello, rados_mod)
    mode = "cli"
    if rados_mod is not None:
        try:
            agent.connect()
            mode = "librados"
        except Exception as exc:
            code = getattr(exc, "errno", None)
            _reply({"ok": False, "stage": "connect", "message": "%s: %s" % (type(exc).__name__, exc),
                    "errno": abs(code) if isinstance(code, int) else None})
            return 1
    elif not _which("ceph"):
        _reply({"ok": False, "stage": "import",
                "message": "neither the rados Python binding nor the ceph CLI is available here (%s)"
                % sys.executable, "errno": _errno.ENOENT})
        return 1
    _reply({"ok": True, "mode": mode, "python": "%d.%d.%d" % sys.version_info[:3], "pid": os.getpid()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req.get("op") == "close":
            break
        _reply(agent.handle(req))
    if agent.cluster is not None:
        agent.cluster.shutdown()
    return 0


if __name__ == "__main__":
    # The agent runs as its own process on the far side, not as an Ansible module.
    sys.exit(main())  # pylint: disable=ansible-bad-function
