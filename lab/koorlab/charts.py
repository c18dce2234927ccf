"""Rook's Helm charts as packages helm installs, built from Rook's checked release files (rookfiles).

Rook publishes its charts (charts.rook.io) as Rook's release build makes them (build/makelib/helm.mk): the chart
folder copied with its symlinks followed (``cp -aL``: charts/library -> ../../library), ``master`` replaced by the
version in values.yaml, the ceph-csi-operator subchart of rook-ceph fetched from its chart repository (``helm
dependency update``), then ``helm package --version V --app-version V``. ``package(version, name)`` does the same
from the lab's cache with the lab's helm (koorlab.tools) and returns
``$KOOR_LAB_CACHE/charts/<version>/<name>-<version>.tgz``, rebuilt when its inputs change (the sidecar
``.inputs`` file holds their digest) and written under a temporary name, then renamed.

One step cannot be done here: a chart repository (https://ceph.github.io/ceph-csi-operator for rook-ceph's
ceph-csi-operator subchart) is not reachable from the lab. In its place the package holds a stand-in subchart of
that name and version that renders nothing when its condition (``csi.installCsiOperator``; Rook v1.18 and v1.19:
``csi.rookUseCsiOperator``) is false, and fails the render, naming what is missing, when it is true: install the
package with that value false (the lab simulates no CSI operator either). For the same reason there is no
ceph-csi-drivers chart (Rook's tree has only its values for it; the chart is ceph-csi-operator's).
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile

from . import rookfiles, tools
from .images import CACHE
from .util import LabError, log

CACHE_ROOT = os.path.join(CACHE, "charts")
RECIPE_VERSION = "1"
CHARTS = ("rook-ceph", "rook-ceph-cluster")
STAND_IN_TEMPLATE = "templates/not-in-the-lab.yaml"


def _load_yaml(text):
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise LabError("reading a chart's Chart.yaml needs PyYAML in %s's Python (Debian: python3-yaml)"
                       % __name__)
    return yaml.safe_load(text)


def path(version, name):
    return os.path.join(CACHE_ROOT, version, "%s-%s.tgz" % (name, version))


def _link_target(source_root, path_in_cache):
    """Where a file that stands for a symlink points (raw.githubusercontent.com serves a symlink as a file
    holding its target), or None for an ordinary file."""
    try:
        if os.path.getsize(path_in_cache) > 255:
            return None
        with open(path_in_cache, encoding="utf-8") as handle:
            text = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if "\n" in text or not text.startswith(("./", "../")):
        return None
    target = os.path.normpath(os.path.join(os.path.dirname(path_in_cache), text))
    inside = os.path.commonpath([target, source_root]) == source_root
    return target if inside and os.path.exists(target) else None


def _copy_following_links(source, dest, source_root):
    """cp -aL of a chart folder of the cache."""
    os.makedirs(dest, exist_ok=True)
    for entry in sorted(os.listdir(source)):
        src, dst = os.path.join(source, entry), os.path.join(dest, entry)
        target = _link_target(source_root, src) if os.path.isfile(src) else None
        if target is not None:
            src = target
        if os.path.isdir(src):
            _copy_following_links(src, dst, source_root)
        else:
            shutil.copyfile(src, dst)


def _stand_in(chart_dir, dependency, chart_name):
    condition = dependency.get("condition")
    if not condition:
        raise LabError("%s's dependency %s comes from %s, which the lab cannot reach, and has no condition to turn "
                       "it off: the lab cannot build %s" % (chart_name, dependency["name"],
                                                            dependency.get("repository"), chart_name))
    folder = os.path.join(chart_dir, "charts", dependency.get("alias") or dependency["name"])
    os.makedirs(os.path.join(folder, "templates"))
    with open(os.path.join(folder, "Chart.yaml"), "w") as handle:  # JSON is YAML
        description = ("koor lab stand-in, not %s's chart: %s is not reachable from the lab; this one renders "
                       "nothing and fails when %s is true" % (dependency["name"], dependency.get("repository"),
                                                              condition))
        json.dump({"apiVersion": "v2", "name": dependency["name"], "version": dependency["version"],
                   "description": description}, handle, indent=2)
    with open(os.path.join(folder, STAND_IN_TEMPLATE), "w") as handle:
        handle.write('{{ fail "the koor lab has no %s chart (%s %s, from %s, is not reachable from the lab): '
                     'install the lab package of %s with %s=false" }}\n'
                     % (dependency["name"], dependency["name"], dependency["version"], dependency.get("repository"),
                        chart_name, condition))


def _inputs(version, name):
    """The digest of everything a package is made from: the pinned files of the charts folder, the recipe,
    the helm release."""
    pinned = rookfiles.pins()["versions"][version]
    files = sorted((rel, digest) for rel, digest in pinned.items() if rel.startswith("deploy/charts/"))
    text = json.dumps([RECIPE_VERSION, tools.HELM["sha256"], name, version, files])
    return hashlib.sha256(text.encode()).hexdigest()


def package(version, name):
    """The lab's package of Rook ``version``'s chart ``name`` (built when missing or stale); returns its path."""
    if name not in CHARTS:
        raise LabError("the lab builds Rook's charts %s, not %r%s" % (", ".join(CHARTS), name,
                                                                      " (ceph-csi-operator's chart: Rook's tree has only "
                                                                      "its values, and its chart repository is not "
                                                                      "reachable from the lab)"
                                                                      if name == "ceph-csi-drivers" else ""))
    source_root = rookfiles.ensure(version)
    target = path(version, name)
    digest = _inputs(version, name)
    stamp = target + ".inputs"
    try:
        with open(stamp) as handle:
            if handle.read().strip() == digest and os.path.isfile(target):
                return target
    except OSError:
        pass
    helm = tools.helm()
    os.makedirs(os.path.dirname(target), exist_ok=True)
    work = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=".build-")
    try:
        chart_dir = os.path.join(work, name)
        _copy_following_links(os.path.join(source_root, "deploy", "charts", name), chart_dir, source_root)
        values = os.path.join(chart_dir, "values.yaml")
        with open(values) as handle:
            text = handle.read()
        with open(values, "w") as handle:
            handle.write(text.replace("master", version))
        with open(os.path.join(chart_dir, "Chart.yaml")) as handle:
            chart = _load_yaml(handle.read())
        for dependency in chart.get("dependencies") or []:
            repository = dependency.get("repository") or ""
            present = os.path.exists(os.path.join(chart_dir, "charts", dependency.get("alias") or dependency["name"]))
            if not repository.startswith("file://") and not present:
                _stand_in(chart_dir, dependency, name)
        env = dict(os.environ, HELM_CACHE_HOME=os.path.join(work, "helm-cache"),
                   HELM_CONFIG_HOME=os.path.join(work, "helm-config"), HELM_DATA_HOME=os.path.join(work, "helm-data"))
        out = os.path.join(work, "out")
        proc = subprocess.run([helm, "package", "--version", version, "--app-version", version, "-d", out, chart_dir],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
        if proc.returncode != 0:
            raise LabError("helm package of Rook %s's %s failed: %s" % (version, name, proc.stderr.strip()))
        os.replace(os.path.join(out, os.path.basename(target)), target)
        with open(os.path.join(work, "inputs"), "w") as handle:
            handle.write(digest + "\n")
        os.replace(os.path.join(work, "inputs"), stamp)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log("Rook %s's %s chart packaged for the lab: %s" % (version, name, target))
    return target
