"""pods/exec over WebSocket (RFC 6455) with the Kubernetes channel protocols v4 and v5.

Each binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 error/status
(a metav1.Status, sent once at the end), 4 resize. v5 adds the close signal: a message
[255, channel] from the client closes that channel (255 0 is stdin EOF).

The lab has no container runtime: a pod says how to run a command "in" it with the annotation
lab.koor.io/exec = {"prefix": [...], "env": {...}, "cwd": "/"} (optionally "containers":
{name: {...}} per container); the command runs as prefix + command on this host.
"""

import base64
import hashlib
import json
import os
import select
import socket
import struct
import subprocess
import threading

EXEC_ANNOTATION = "lab.koor.io/exec"
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


class ExecError(Exception):
    """A pod or command the lab cannot exec into (answered before or after the upgrade)."""


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key.strip() + _GUID).encode()).digest()).decode()


def choose_protocol(header):
    offered = [p.strip() for p in (header or "").split(",") if p.strip()]
    for wanted in PROTOCOLS:
        if wanted in offered:
            return wanted
    return None


def exec_spec(pod, container):
    """The prefix, env and cwd to run a command in container of pod; raises ExecError."""
    meta = pod.get("metadata") or {}
    name = meta.get("name")
    containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    if container and container not in containers:
        raise ExecError('container %s is not valid for pod %s' % (container, name))
    phase = (pod.get("status") or {}).get("phase")
    if phase != "Running":
        raise ExecError('unable to upgrade connection: pod %s is %s, not Running' % (name, phase or "Pending"))
    raw = (meta.get("annotations") or {}).get(EXEC_ANNOTATION)
    if not raw:
        raise ExecError('pod %s has no %s annotation: the lab has no container runtime and cannot run commands in '
                        'this pod (whoever creates the pod sets it, e.g. {"prefix": ["chroot", "/path"]})'
                        % (name, EXEC_ANNOTATION))
    try:
        spec = json.loads(raw)
    except ValueError as exc:
        raise ExecError("pod %s: the %s annotation is not JSON: %s" % (name, EXEC_ANNOTATION, exc))
    if not isinstance(spec, dict):
        raise ExecError("pod %s: the %s annotation must be a JSON object" % (name, EXEC_ANNOTATION))
    per = (spec.get("containers") or {}).get(container or (containers[0] if containers else ""))
    if isinstance(per, dict):
        spec = dict(spec, **per)
    prefix = spec.get("prefix") or []
    env = spec.get("env")
    if not isinstance(prefix, list) or not all(isinstance(p, str) for p in prefix):
        raise ExecError("pod %s: prefix in the %s annotation must be a list of strings" % (name, EXEC_ANNOTATION))
    base = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/root",
            "HOSTNAME": name or ""}
    if isinstance(env, dict):
        base.update({str(k): str(v) for k, v in env.items()})
    return prefix, base, spec.get("cwd") or "/"


class WebSocket:
    """The server side of one WebSocket connection (no extensions)."""

    def __init__(self, sock, rfile):
        self.sock = sock
        self.rfile = rfile
        self.send_lock = threading.Lock()
        self.closed = False

    def send(self, opcode, payload=b""):
        header = bytearray([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header.append(size)
        elif size < 65536:
            header.append(126)
            header += struct.pack("!H", size)
        else:
            header.append(127)
            header += struct.pack("!Q", size)
        with self.send_lock:
            if self.closed and opcode != OP_CLOSE:
                return
            try:
                self.sock.sendall(bytes(header) + payload)
            except OSError:
                self.closed = True

    def _read(self, count):
        data = self.rfile.read(count)
        if data is None or len(data) < count:
            raise EOFError("connection closed")
        return data

    def recv(self):
        """One message as (opcode, payload); control frames are returned as they come."""
        message, message_op = b"", None
        while True:
            first, second = self._read(2)
            fin, opcode = first & 0x80, first & 0x0F
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(size) if size else b""
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode >= 0x8:
                return opcode, payload
            if opcode != OP_CONT:
                message_op = opcode
            message += payload
            if fin:
                return message_op, message

    def close(self, code=1000, reason=b""):
        self.send(OP_CLOSE, struct.pack("!H", code) + reason)
        self.closed = True


def status_message(rc, argv, error=None):
    if error is None and rc == 0:
        return {"metadata": {}, "status": "Success"}
    if error is not None:
        return {"metadata": {}, "status": "Failure", "message": error, "reason": "InternalError",
                "details": {"causes": [{"message": error}]}, "code": 500}
    return {"metadata": {}, "status": "Failure",
            "message": "command terminated with non-zero exit code: error executing command %s, exit code %d"
                       % (json.dumps(argv), rc),
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(rc)}]}}


def serve_exec(ws, protocol, argv, spec, want_stdin, want_stdout, want_stderr, tty):
    """Run argv per spec, pumping the channels of ws, then report the exit status on channel 3."""
    v5 = protocol.startswith("v5")
    if want_stdout:
        ws.send(OP_BINARY, bytes([STDOUT]))
    elif want_stderr:
        ws.send(OP_BINARY, bytes([STDERR]))
    else:
        ws.send(OP_BINARY, bytes([ERROR]))
    if spec is None:
        return
    prefix, env, cwd = spec
    try:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            list(prefix) + list(argv), stdin=subprocess.PIPE if want_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if tty else subprocess.PIPE, env=env, cwd=cwd,
            start_new_session=True)
    except OSError as exc:
        rc = 127 if isinstance(exc, FileNotFoundError) else 126
        if want_stderr:
            ws.send(OP_BINARY, bytes([STDERR]) + ("exec: %s\n" % exc).encode())
        ws.send(OP_BINARY, bytes([ERROR]) + json.dumps(status_message(rc, argv)).encode())
        ws.close()
        return

    def pump(stream, channel, wanted):
        fd = stream.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            if wanted:
                ws.send(OP_BINARY, bytes([channel]) + data)
        stream.close()

    pumps = [threading.Thread(target=pump, args=(proc.stdout, STDOUT, want_stdout or tty), daemon=True)]
    if not tty:
        pumps.append(threading.Thread(target=pump, args=(proc.stderr, STDERR, want_stderr), daemon=True))
    for thread in pumps:
        thread.start()
    reader = threading.Thread(target=_read_client, args=(ws, proc, v5), daemon=True)
    reader.start()
    rc = proc.wait()
    for thread in pumps:
        thread.join()
    ws.send(OP_BINARY, bytes([ERROR]) + json.dumps(status_message(rc, argv)).encode())
    ws.close()
    reader.join(5)


def _close_stdin(proc):
    if proc.stdin is not None and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _read_client(ws, proc, v5):
    """Client to process: stdin data, v5 close signals, pings; a close or EOF ends the command's stdin."""
    try:
        while True:
            opcode, payload = ws.recv()
            if opcode == OP_CLOSE:
                if not ws.closed:
                    ws.close()
                break
            if opcode == OP_PING:
                ws.send(OP_PONG, payload)
                continue
            if opcode not in (OP_BINARY, OP_TEXT) or not payload:
                continue
            channel, data = payload[0], payload[1:]
            if channel == STDIN and proc.stdin is not None and data:
                try:
                    proc.stdin.write(data)
                    proc.stdin.flush()
                except (OSError, ValueError):
                    pass
            elif v5 and channel == CLOSE and data[:1] == bytes([STDIN]):
                _close_stdin(proc)
    except (EOFError, OSError, ValueError):
        pass
    _close_stdin(proc)
    if proc.poll() is None:
        _kill_after(proc, 2)


def _kill_after(proc, delay):
    try:
        proc.wait(delay)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            pass


def peer_closed(sock):
    """True when the peer has closed the connection (nothing to read but EOF)."""
    try:
        readable = select.select([sock], [], [], 0)[0]
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True
