"""`koor-lab kube up|down|env`: run a lab's Kubernetes API simulator (stdlib only).

Files of lab N, under /var/lib/koor-lab/N/ (removed with the lab by `koor-lab down`):
  kubeconfig          what clients use (HTTPS, the lab's own CA, a bearer token)
  kube/state.json     every object (the API's persisted state)
  kube/token, kube/ca.pem, kube/server.pem, kube/server-key.pem, kube/kube.pid, kube/kube.log

The server runs as `<venv python> -m koorlab.kube serve ...` (it needs PyYAML and jsonschema
from the project's venv) on 127.0.0.1, port base+3 of the lab's port block when the Ceph lab
exists, else a free port below 32768.
"""

import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import ssl

from ..util import LabError, cmdline, log, pid_alive, port_in_use, run

LAB_HOME = os.environ.get("KOOR_LAB_HOME", "/var/lib/koor-lab")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB_DIR = os.path.join(ROOT, "lab")
VENV_PYTHON = os.environ.get("KOOR_LAB_KUBE_PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
KUBE_PORT_OFFSET = 3
FREE_RANGE = (30000, 32767)


def kube_dir(name):
    return os.path.join(LAB_HOME, name, "kube")


def kubeconfig_path(name):
    return os.path.join(LAB_HOME, name, "kubeconfig")


def make_tls(directory, hosts=("127.0.0.1",)):
    """A CA and a server certificate for 127.0.0.1 (kubectl sends a token over HTTPS only)."""
    ca, ca_key = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca-key.pem")
    cert, key = os.path.join(directory, "server.pem"), os.path.join(directory, "server-key.pem")
    if all(os.path.exists(p) for p in (ca, cert, key)):
        return ca, cert, key
    os.makedirs(directory, exist_ok=True)
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w", encoding="utf-8") as handle:
        handle.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                     "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n"
                     % ",".join(("IP:%s" if h[0].isdigit() else "DNS:%s") % h for h in list(hosts) + ["localhost"]))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509"] + ec + ["-keyout", ca_key, "-out", ca, "-days", "3650",
                                            "-subj", "/CN=koor-lab-kube-ca",
                                            "-addext", "basicConstraints=critical,CA:TRUE",
                                            "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    csr = os.path.join(directory, "server.csr")
    run(["openssl", "req", "-new"] + ec + ["-keyout", key, "-out", csr, "-subj", "/CN=koor-lab-kube"])
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
         "-days", "3650", "-extfile", ext])
    for path in (csr, ext):
        os.unlink(path)
    os.chmod(key, 0o600)
    os.chmod(ca_key, 0o600)
    return ca, cert, key


def write_kubeconfig(path, server, token, ca=None, namespace="default", context="koor-lab"):
    cluster = {"server": server}
    if ca:
        with open(ca, encoding="utf-8") as handle:
            import base64  # pylint: disable=import-outside-toplevel
            cluster["certificate-authority-data"] = base64.b64encode(handle.read().encode()).decode()
    config = {"apiVersion": "v1", "kind": "Config", "preferences": {},
              "clusters": [{"name": context, "cluster": cluster}],
              "users": [{"name": context, "user": {"token": token}}],
              "contexts": [{"name": context, "context": {"cluster": context, "user": context, "namespace": namespace}}],
              "current-context": context}
    tmp = path + ".tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)
    os.replace(tmp, path)
    return path


def free_port(low=FREE_RANGE[0], high=FREE_RANGE[1]):
    for port in range(high, low, -1):
        if not port_in_use(port):
            return port
    raise LabError("no free port between %d and %d for the lab Kubernetes API" % (low, high))


def server_argv(state, port, token, cert=None, key=None, python=VENV_PYTHON, verbose=False):
    argv = [python, "-m", "koorlab.kube", "serve", "--state", state, "--port", str(port), "--token", token]
    if cert:
        argv += ["--tls-cert", cert, "--tls-key", key]
    if verbose:
        argv.append("--verbose")  # every request in the log
    return argv


def start_server(argv, log_path, pid_path=None):
    """Start the API server in the background; returns its Popen."""
    if not os.path.exists(argv[0]):
        raise LabError("%s not found: the lab Kubernetes API needs the project's venv (make venv)" % argv[0])
    env = dict(os.environ, PYTHONPATH=LAB_DIR)
    with open(log_path, "ab") as logf:
        proc = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                env=env, start_new_session=True)
    if pid_path:
        with open(pid_path, "w", encoding="utf-8") as handle:
            handle.write("%d\n" % proc.pid)
    return proc


def wait_healthy(url, proc=None, timeout=20, ca=None):
    context = ssl.create_default_context(cafile=ca) if ca else None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise LabError("the lab Kubernetes API exited with rc=%s" % proc.returncode)
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2, context=context) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise LabError("the lab Kubernetes API did not answer %s/healthz within %ss" % (url, timeout))


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        return None


def _lab_base(name):
    state = _read(os.path.join(LAB_HOME, name, "lab.json"))
    return json.loads(state)["port"] if state else None


def status(name):
    directory = kube_dir(name)
    info = _read(os.path.join(directory, "kube.json"))
    if not info:
        return None
    info = json.loads(info)
    pid = int(_read(os.path.join(directory, "kube.pid")) or 0)
    info["running"] = bool(pid) and pid_alive(pid) and _is_ours(pid, directory)
    info["pid"] = pid
    return info


def _is_ours(pid, directory):
    return os.path.join(directory, "state.json") in " ".join(cmdline(pid))


def up(name, port=None):
    directory = kube_dir(name)
    os.makedirs(directory, exist_ok=True)
    current = status(name)
    if current and current["running"]:
        if port is not None and port != current["port"]:
            raise LabError("the lab Kubernetes API of %r runs on port %d: 'koor-lab kube down --name %s' first"
                           % (name, current["port"], name))
        return current
    if port is None:
        base = _lab_base(name)
        if current and not port_in_use(current["port"]):
            port = current["port"]
        elif base is not None and not port_in_use(base + KUBE_PORT_OFFSET):
            port = base + KUBE_PORT_OFFSET
        else:
            port = free_port()
    elif port_in_use(port):
        raise LabError("port %d is already in use: choose another with --port" % port)
    token_path = os.path.join(directory, "token")
    token = _read(token_path)
    if not token:
        token = secrets.token_hex(24)
        with open(os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as h:
            h.write(token + "\n")
    ca, cert, key = make_tls(directory)
    url = "https://127.0.0.1:%d" % port
    proc = start_server(server_argv(os.path.join(directory, "state.json"), port, token, cert, key),
                        os.path.join(directory, "kube.log"), os.path.join(directory, "kube.pid"))
    wait_healthy(url, proc, ca=ca)
    write_kubeconfig(kubeconfig_path(name), url, token, ca)
    info = {"name": name, "port": port, "url": url, "kubeconfig": kubeconfig_path(name)}
    with open(os.path.join(directory, "kube.json"), "w", encoding="utf-8") as handle:
        json.dump(info, handle, indent=2)
    log("lab Kubernetes API (simulator) of %r on %s (pid %d)" % (name, url, proc.pid))
    return dict(info, running=True, pid=proc.pid)


def down(name, remove=True):
    """Stop the lab's API server (SIGTERM: it saves its state); remove its files when remove."""
    directory = kube_dir(name)
    pid = int(_read(os.path.join(directory, "kube.pid")) or 0)
    if pid and pid_alive(pid) and _is_ours(pid, directory):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    if remove:
        for path in (kubeconfig_path(name),):
            if os.path.exists(path):
                os.unlink(path)
        if os.path.isdir(directory):
            import shutil  # pylint: disable=import-outside-toplevel
            shutil.rmtree(directory)
        lab_dir = os.path.dirname(directory)
        if os.path.isdir(lab_dir) and not os.listdir(lab_dir):
            os.rmdir(lab_dir)  # made by `kube up` for a name without a Ceph lab
    elif os.path.exists(os.path.join(directory, "kube.pid")):
        os.unlink(os.path.join(directory, "kube.pid"))


def env(name):
    info = status(name)
    if not info:
        raise LabError("lab %r has no Kubernetes API: run 'koor-lab kube up --name %s'" % (name, name))
    return {"KUBECONFIG": info["kubeconfig"], "KOOR_LAB_KUBE_URL": info["url"],
            "KOOR_LAB_KUBE_RUNNING": "true" if info["running"] else "false"}


def add_parser(sub, default_name):
    p = sub.add_parser("kube", help="the lab's Kubernetes API (a simulator): up, down, stop, env")
    p.add_argument("action", choices=["up", "down", "stop", "env"])
    p.add_argument("--name", default=default_name)
    p.add_argument("--port", type=int, help="port of the API (default: base+3 of the lab's port block, else free)")
    p.add_argument("--json", action="store_true", help="env: JSON instead of shell exports")


def main(args):
    if args.action == "up":
        up(args.name, args.port)
        _print_env(env(args.name), args.json)
    elif args.action == "down":
        down(args.name)
    elif args.action == "stop":
        down(args.name, remove=False)
    else:
        _print_env(env(args.name), args.json)
    return 0


def _print_env(values, as_json):
    if as_json:
        print(json.dumps(values, indent=2, sort_keys=True))
    else:
        for key, value in sorted(values.items()):
            print("export %s=%s" % (key, shlex.quote(value)))
    sys.stdout.flush()
