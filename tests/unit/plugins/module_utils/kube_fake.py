# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Kubernetes API fake at kube.Kube's seam (collection(kind, namespace, selectors).list() and version()),
answering from recordings of the lab's API: ``tests/unit/fixtures/rook/assessment/NAME.json``, a list of
``{"kind", "namespace", "label_selector", "field_selector", "items"}`` (``"status": 404`` for a kind the API does
not serve) and one ``{"version": {...}}``. A request nobody recorded fails the test.

Record from a Rook lab (``lab/koor-lab up --rook --name LAB`` with a CephCluster)::

    PYTHONPATH=.cache/collections .venv/bin/python tests/unit/plugins/module_utils/kube_fake.py record \
        inventories/lab/generated/LAB-kubeconfig NAME

runs rook_gather.collect() with the real client against the lab's API and writes what it read (managedFields and
the lab's exec annotation removed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

from ansible_collections.koor.ceph.plugins.module_utils.kube import KubeApiError

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "rook", "assessment")
DROP_ANNOTATIONS = ("lab.koor.io/exec", "kubectl.kubernetes.io/last-applied-configuration")


def _key(kind, namespace, label_selector, field_selector):
    return json.dumps([kind, namespace, label_selector or None, field_selector or None])


class _Collection:
    def __init__(self, fake, key):
        self.fake, self.key = fake, key

    def list(self):
        self.fake.asked.append(self.key)
        if self.key not in self.fake.answers:
            raise AssertionError("no recorded Kubernetes answer to %s" % self.key)
        entry = self.fake.answers[self.key]
        if entry.get("status"):
            raise KubeApiError("list: %s" % entry["status"], status=entry["status"])
        return json.loads(json.dumps(entry["items"])), "1"


class FakeKube:
    host = "https://fake"

    def __init__(self, name):
        with open(os.path.join(FIXTURES, name + ".json")) as handle:
            entries = json.load(handle)
        self.answers = {}
        self.version_info = None
        self.asked = []
        for entry in entries:
            if "version" in entry:
                self.version_info = entry["version"]
            else:
                self.answers[_key(entry["kind"], entry["namespace"], entry.get("label_selector"),
                                  entry.get("field_selector"))] = entry

    def collection(self, kind, namespace, label_selector=None, field_selector=None):
        return _Collection(self, _key(kind, namespace, label_selector, field_selector))

    def version(self):
        if self.version_info is None:
            raise KubeApiError("GET /version: 404", status=404)
        return dict(self.version_info)

    def answer(self, kind, namespace, items, label_selector=None, field_selector=None, status=None):
        """Replace one recorded answer (a test's change to the lab's state)."""
        self.answers[_key(kind, namespace, label_selector, field_selector)] = {"items": items, "status": status}


def _clean(obj):
    meta = obj.get("metadata") or {}
    meta.pop("managedFields", None)
    for name in DROP_ANNOTATIONS:
        (meta.get("annotations") or {}).pop(name, None)
    return obj


def _record(kubeconfig, name):
    from ansible_collections.koor.ceph.plugins.module_utils.assessment import rook_gather  # pylint: disable=import-outside-toplevel
    from ansible_collections.koor.ceph.plugins.module_utils.kube import Kube  # pylint: disable=import-outside-toplevel
    kube = Kube({"kubeconfig": kubeconfig})
    entries = []
    real = kube.collection

    def collection(kind, namespace, label_selector=None, field_selector=None):
        inner = real(kind, namespace, label_selector, field_selector)

        class Recording:
            def list(self):
                entry = {"kind": kind, "namespace": namespace, "label_selector": label_selector,
                         "field_selector": field_selector}
                try:
                    items, version = inner.list()
                except KubeApiError as exc:
                    entries.append(dict(entry, items=[], status=exc.status))
                    raise
                entries.append(dict(entry, items=[_clean(i) for i in items]))
                return items, version
        return Recording()

    kube.collection = collection
    rook_gather.collect(kube, "rook-ceph", "rook-ceph")
    entries.append({"version": kube.version()})
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, name + ".json"), "w") as handle:
        json.dump(entries, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print("%d answers recorded" % len(entries))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "record":
        raise SystemExit("usage: kube_fake.py record KUBECONFIG NAME")
    _record(sys.argv[2], sys.argv[3])
