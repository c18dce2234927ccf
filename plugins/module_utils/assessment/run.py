# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What koor.ceph.ceph_assessment does: check its input, collect (live, through one runner) or read a bundle,
run the checks, write the bundle and the report files. The module itself only maps options and errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.koor.ceph.plugins.module_utils.assessment import bundle as _bundle
from ansible_collections.koor.ceph.plugins.module_utils.assessment import engine, gather, report, rook_gather
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

REPORT_FILES = (("report.json", report.to_json), ("report.md", report.to_markdown), ("report.html", report.to_html))

ARGSPEC = dict(
    bundle_src=dict(type="path"),
    bundle_dest=dict(type="path"),
    report_dir=dict(type="path"),
    previous=dict(type="path"),
    thresholds=dict(type="dict", default={}),
    mutes=dict(type="list", elements="dict", default=[]),
    rook=dict(type="bool", default=False),
    operator_namespace=dict(type="str", default="rook-ceph"),
)


def _folder_of(path, what):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CephInputError("%s %s: the folder %s does not exist" % (what, path, folder))


def validate(params, check_mode=False):
    """Everything that can be wrong with the input, before any read: returns the previous report (or None).
    In check mode report_dir may not exist yet (a play creates it first, which check mode skips)."""
    engine.thresholds_with(params.get("thresholds"))
    engine.check_mutes(params.get("mutes"))
    if params.get("bundle_src") and params.get("rook"):
        raise CephInputError("rook reads the Rook layer live; a bundle (bundle_src) says itself whether it holds one")
    if params.get("bundle_src") and params.get("bundle_dest"):
        raise CephInputError("bundle_src checks a bundle offline and bundle_dest saves a live collection: give one of them")
    if params.get("bundle_src") and not os.path.isfile(params["bundle_src"]):
        raise CephInputError("bundle_src %s does not exist (or is not a file)" % params["bundle_src"])
    if params.get("bundle_dest"):
        _folder_of(params["bundle_dest"], "bundle_dest")
    if params.get("report_dir") and not os.path.isdir(params["report_dir"]) and not check_mode:
        raise CephInputError("report_dir %s is not a folder: create it first" % params["report_dir"])
    previous = None
    if params.get("previous"):
        try:
            with open(params["previous"]) as handle:
                previous = json.load(handle)
        except (IOError, OSError, ValueError) as exc:
            raise CephInputError("previous %s is not a readable report.json: %s" % (params["previous"], exc))
        if not isinstance(previous, dict) or previous.get("report_version") != engine.REPORT_VERSION:
            raise CephInputError("previous %s is not an assessment report of version %d"
                                 % (params["previous"], engine.REPORT_VERSION))
    return previous


def _write(path, text, mode):
    fd, tmp = tempfile.mkstemp(prefix=".koor-assessment-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def execute(params, check_mode, make_runner, make_kube=None):
    """The module's result. ``make_runner()`` gives a started-on-enter CephRunner, ``make_kube()`` a kube.Kube
    (each only called for a live run; the Kubernetes API only with ``rook``)."""
    previous = validate(params, check_mode)
    if params.get("bundle_src"):
        collected = _bundle.read(params["bundle_src"])
        source = "bundle"
    else:
        kube = make_kube() if params.get("rook") else None  # its configuration is checked before any read
        with make_runner() as runner:
            collected = gather.collect(runner)
        if kube is not None:
            rook, errors = rook_gather.collect(kube, params.get("namespace") or "rook-ceph",
                                               params.get("operator_namespace") or "rook-ceph")
            collected.update(mode="rook", rook=rook)
            collected["errors"].update(("rook." + k, v) for k, v in errors.items())
        source = "live"
    document = engine.assess(collected, params.get("thresholds"), params.get("mutes"), previous)
    files = []
    if params.get("bundle_dest"):
        files.append(params["bundle_dest"])
        if not check_mode:
            _bundle.write(collected, params["bundle_dest"])
    if params.get("report_dir"):
        for name, render in REPORT_FILES:
            path = os.path.join(params["report_dir"], name)
            files.append(path)
            if not check_mode:
                _write(path, render(document), 0o644)
    summary = document["summary"]
    return {"changed": bool(files), "source": source, "files": files, "exit_code": summary["exit_code"],
            "score": summary["score"], "grade": summary["grade"], "counts": summary["findings"],
            "report": document, "stats": collected.get("stats") or {}}
