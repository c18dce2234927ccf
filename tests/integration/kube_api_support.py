"""Start a lab Kubernetes API simulator (lab/koorlab/kube) for the tests of test_kube_api*.py."""

import json
import os
import re
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "lab"))

from koorlab.kube import cli as kube_cli  # noqa: E402  pylint: disable=wrong-import-position

from conftest import ROOK_EXAMPLES  # noqa: E402  pylint: disable=wrong-import-position

EXAMPLES = ROOK_EXAMPLES  # Rook v1.20.6's deploy/examples, from the lab's cache
ROOK_MANIFESTS = ["crds.yaml", "common.yaml", "csi-operator.yaml", "operator.yaml"]


class KubeAPI:
    """One API server process on a free port, with a kubeconfig and the three clients."""

    def __init__(self, directory, token="lab-test-token", verbose=False):
        self.directory = directory
        self.token = token
        self.verbose = verbose  # every request in server.log (requests())
        self.state = os.path.join(directory, "state.json")
        self.ca, self.cert, self.key = kube_cli.make_tls(os.path.join(directory, "tls"))
        self.kubeconfig = os.path.join(directory, "kubeconfig")
        self.cache = os.path.join(directory, "kubectl-cache")
        self.port = None
        self.proc = None

    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port

    def start(self):
        self.port = self.port or kube_cli.free_port()
        argv = kube_cli.server_argv(self.state, self.port, self.token, self.cert, self.key, python=sys.executable,
                                    verbose=self.verbose)
        self.proc = kube_cli.start_server(argv, os.path.join(self.directory, "server.log"))
        kube_cli.wait_healthy(self.url, self.proc, ca=self.ca)
        kube_cli.write_kubeconfig(self.kubeconfig, self.url, self.token, self.ca)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)
        self.proc = None

    def kubectl(self, *args, input=None, check=True, timeout=60):  # pylint: disable=redefined-builtin
        argv = ["kubectl", "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache] + list(args)
        proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise AssertionError("%s failed (rc=%d):\n%s\n%s" % (" ".join(argv), proc.returncode, proc.stdout,
                                                                 proc.stderr))
        return proc

    def kubectl_json(self, *args):
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def client(self):
        from kubernetes import config  # pylint: disable=import-outside-toplevel
        return config.new_client_from_config(config_file=self.kubeconfig)

    def log(self):
        with open(os.path.join(self.directory, "server.log"), encoding="utf-8") as handle:
            return handle.read()

    def requests(self):
        """(method, path, code, Accept, Content-Type) of every request so far (a verbose server)."""
        out = []
        for line in self.log().splitlines():
            match = REQUEST_LINE.match(line)
            if match:
                out.append((match.group("method"), match.group("path"), int(match.group("code")),
                            match.group("accept") or "", match.group("ctype") or ""))
        return out


REQUEST_LINE = re.compile(r'^\d\d:\d\d:\d\d "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<code>\d+) \S+'
                          r'(?: Accept=(?P<accept>.*?))?(?: Content-Type=(?P<ctype>\S+))?$')


def serve(tmp_path_factory, name, verbose=False):
    """A fixture body: one API server for a test module."""
    api = KubeAPI(str(tmp_path_factory.mktemp(name)), verbose=verbose)
    api.start()
    yield api
    api.stop()
    assert "Traceback" not in api.log(), api.log()
