# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RBD images as a declared set (see resources.py).

Reads for a set: ``osd pool ls detail`` once, then one agent request per (pool, namespace)
that lists and opens the declared images over librados (``rbd_ls``, see agent.py): size,
features, data pool, snapshot and watcher counts, in milliseconds. Where the agent runs the CLI
(no rbd binding), ``rbd ls`` per pool and ``rbd info`` + ``rbd status`` per declared image.
Writes are ``rbd`` commands.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import Resource, Write, items_from_params, module_spec
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError, to_bytes

# librbd's feature bits.
FEATURE_BITS = {
    "layering": 1, "striping": 2, "exclusive-lock": 4, "object-map": 8, "fast-diff": 16, "deep-flatten": 32,
    "journaling": 64, "data-pool": 128, "operations": 256, "migrating": 512, "non-primary": 1024,
}
# The features a user declares; the others follow from other settings (data pool, striping, clones).
FEATURES = ("layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten", "journaling")
# Each feature and what it needs.
REQUIRES = {"object-map": "exclusive-lock", "fast-diff": "object-map", "journaling": "exclusive-lock"}
# Orders that respect REQUIRES.
ENABLE_ORDER = ("exclusive-lock", "object-map", "fast-diff", "journaling")
DISABLE_ORDER = ("journaling", "fast-diff", "object-map", "exclusive-lock", "deep-flatten")

NAME_RE = re.compile(r"^[^/@\s]{1,255}$")

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    pool=dict(type="str", required=True),
    namespace=dict(type="str", aliases=["rbd_namespace"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    size=dict(type="raw"),
    features=dict(type="list", elements="str"),
    data_pool=dict(type="str"),
    allow_shrink=dict(type="bool", default=False),
    allow_delete=dict(type="bool", default=False),
    purge_snapshots=dict(type="bool", default=False),
)
FIELDS = ("size", "features", "data_pool")


def argument_spec():
    """The module's options. The top-level namespace option is ``rbd_namespace``: ``namespace`` is the
    connection's (the Kubernetes namespace of kubectl_exec). In ``images`` items the key is ``namespace``."""
    spec = module_spec(ITEM_SPEC, "images")
    spec.pop("namespace")
    spec["rbd_namespace"] = dict(type="str")
    return spec


def items(params):
    """The declared items: the list, or the one image of the top-level options."""
    result = items_from_params(params, ITEM_SPEC, "images")
    if params.get("images") is None:
        result[0]["namespace"] = params.get("rbd_namespace")
    return result


def feature_names(bits):
    """librbd feature bits -> the sorted names of the declarable features."""
    return sorted(name for name in FEATURES if int(bits) & FEATURE_BITS[name])


def normalise_features(features):
    """A declared feature list -> sorted unique names; raises UnitError for unknown or derived ones."""
    names = sorted(set(f.strip().lower().replace("_", "-") for f in features))
    unknown = [f for f in names if f not in FEATURES]
    if unknown:
        raise UnitError("unknown or not declarable feature(s) %s (declarable: %s)"
                        % (", ".join(unknown), ", ".join(FEATURES)))
    return names


def check_feature_set(features):
    """The dependencies between features: the message for the first one missing, or None."""
    for feature, needed in sorted(REQUIRES.items()):
        if feature in features and needed not in features:
            return "%s needs %s" % (feature, needed)
    return None


def normalise_image(entry):
    """One image of the agent's rbd_ls answer -> the managed fields (+ id, snapshots, watchers)."""
    return {
        "size": entry["size"],
        "features": feature_names(entry["features"]),
        "data_pool": entry.get("data_pool"),
        "id": entry.get("id"),
        "snapshots": entry.get("snapshots", 0),
        "watchers": entry.get("watchers", 0),
    }


def normalise_rbd_info(info, status=None):
    """`rbd info --format json` (+ `rbd status`) of one image -> what the agent's rbd_ls gives."""
    bits = sum(FEATURE_BITS.get(f, 0) for f in info.get("features", []))
    return {"name": info["name"], "id": info.get("id"), "size": info["size"], "features": bits,
            "data_pool": info.get("data_pool"), "snapshots": info.get("snapshot_count", 0),
            "watchers": len((status or {}).get("watchers", []))}


def image_spec(pool, namespace, name):
    return "/".join(p for p in (pool, namespace, name) if p)


def _where(pool, namespace):
    argv = ["--pool", pool]
    if namespace:
        argv += ["--namespace", namespace]
    return argv


def list_images(runner, pool, namespace="", names=None):
    """{image name: normalised fields} of one pool (namespace), or None if the namespace does not exist."""
    answer = runner.rbd_images(pool, namespace, names)
    if answer is None:
        answer = _list_images_cli(runner, pool, namespace, names)
    if not answer["namespace"]:
        return None
    return dict((e["name"], normalise_image(e)) for e in answer["images"])


def _list_images_cli(runner, pool, namespace, names):
    """The same answer as the agent's rbd_ls, from the rbd CLI (a process per image)."""
    if namespace:
        known = [n["name"] for n in runner.tool(["rbd", "namespace", "ls", "--pool", pool, "--format", "json"]) or []]
        if namespace not in known:
            return {"namespace": False, "images": []}
    listed = runner.tool(["rbd", "ls"] + _where(pool, namespace) + ["--format", "json"]) or []
    images = []
    for name in listed:
        if names and name not in names:
            continue
        spec = image_spec(pool, namespace, name)
        info = runner.tool(["rbd", "info", "--format", "json", spec])
        status = runner.tool(["rbd", "status", "--format", "json", spec])
        images.append(normalise_rbd_info(info, status))
    return {"namespace": True, "images": images}


class Images(Resource):
    kind = "image"
    fields = FIELDS

    def __init__(self):
        self.pools = {}
        self.namespaces = {}

    def item_id(self, item):
        return image_spec(item.get("pool"), item.get("namespace"), item["name"])

    def identity(self, item):
        return {"pool": item.get("pool"), "namespace": item.get("namespace") or ""}

    def read(self, runner, items):
        self.pools = dict((p["pool_name"], p) for p in runner.mon("osd pool ls", detail="detail"))
        wanted = {}
        for item in items:
            if item.get("pool") in self.pools:
                wanted.setdefault((item["pool"], item.get("namespace") or ""), []).append(item["name"])
        current = {}
        for (pool, namespace), names in sorted(wanted.items()):
            images = list_images(runner, pool, namespace, names)
            self.namespaces[(pool, namespace)] = images is not None
            for name, fields in (images or {}).items():
                current[image_spec(pool, namespace, name)] = fields
        return current

    def desired(self, item, have):
        want = {}
        if item.get("size") is not None:
            want["size"] = to_bytes(item["size"], binary_si=True)
        if item.get("features") is not None:
            want["features"] = normalise_features(item["features"])
        if item.get("data_pool") is not None:
            want["data_pool"] = item["data_pool"]
        return want

    def validate(self, runner, items, current):
        for item in items:
            ident = self.item_id(item)
            what = "image %r" % ident
            for field in ("name", "pool"):
                if not item.get(field):
                    raise CephInputError("%s: %s is required" % (what, field))
            if not NAME_RE.match(item["name"]) or (item.get("namespace") and not NAME_RE.match(item["namespace"])):
                raise CephInputError("%s: invalid name: no '/', '@' or spaces" % what)
            have = current.get(ident)
            if item.get("state") == "absent":
                if have is not None:
                    self._validate_delete(item, have, what)
                continue
            if self._pool(item["pool"]) is None:
                raise CephInputError("%s: pool %r does not exist: create it first with koor.ceph.ceph_pool"
                                     % (what, item["pool"]))
            try:
                want = self.desired(item, have)
            except UnitError as exc:
                raise CephInputError("%s: %s" % (what, exc))
            if have is None:
                self._validate_create(item, want, what)
                continue
            if want.get("size") is not None and want["size"] < have["size"] and not item.get("allow_shrink"):
                raise CephInputError("%s: shrinking the image from %d to %d bytes destroys the data beyond the new "
                                     "end: it needs allow_shrink: true" % (what, have["size"], want["size"]))
            if want.get("size") == 0:
                raise CephInputError("%s: size must be more than 0" % what)
            if "data_pool" in want and want["data_pool"] != have["data_pool"]:
                raise CephInputError("%s: data_pool is %r and cannot change to %r (fixed at creation)"
                                     % (what, have["data_pool"], want["data_pool"]))
            if "features" in want:
                self._validate_features(want["features"], have["features"], what)

    def _validate_create(self, item, want, what):
        if not want.get("size"):
            raise CephInputError("%s: a new image needs a size of more than 0 bytes" % what)
        if "features" in want:
            problem = check_feature_set(want["features"])
            if problem:
                raise CephInputError("%s: features: %s" % (what, problem))
        pool = want.get("data_pool")
        if pool:
            detail = self._pool(pool)
            if detail is None:
                raise CephInputError("%s: data pool %r does not exist" % (what, pool))
            if detail["pool_type"] == "erasure" and not detail["allow_ec_overwrites"]:
                raise CephInputError("%s: data pool %r is erasure-coded without allow_ec_overwrites: set it with "
                                     "koor.ceph.ceph_pool first" % (what, pool))

    def _pool(self, name):
        """{pool_type, allow_ec_overwrites} of a pool after the earlier steps, or None if there is none."""
        planned = self.world.planned("pools")
        if name in planned:
            after = planned[name]
            return None if after is None else {"pool_type": after.get("pool_type") or "replicated",
                                               "allow_ec_overwrites": bool(after.get("allow_ec_overwrites"))}
        detail = self.pools.get(name)
        if detail is None:
            return None
        return {"pool_type": "erasure" if detail.get("type") == 3 else "replicated",
                "allow_ec_overwrites": "ec_overwrites" in (detail.get("flags_names") or "").split(",")}

    def _validate_features(self, want, have, what):
        problem = check_feature_set(want)
        if problem:
            raise CephInputError("%s: features: %s" % (what, problem))
        if ("layering" in want) != ("layering" in have):
            raise CephInputError("%s: layering is fixed at creation (the image %s it)"
                                 % (what, "has" if "layering" in have else "does not have"))
        if "deep-flatten" in want and "deep-flatten" not in have:
            raise CephInputError("%s: deep-flatten can only be disabled, not enabled, on an existing image" % what)

    def _validate_delete(self, item, have, what):
        if not item.get("allow_delete"):
            raise CephInputError("%s: deleting an image destroys its data: it needs allow_delete: true" % what)
        if have.get("watchers"):
            raise CephInputError("%s is in use (%d watcher(s)): unmap it or stop its clients first"
                                 % (what, have["watchers"]))
        if have.get("snapshots") and not item.get("purge_snapshots"):
            raise CephInputError("%s has %d snapshot(s): deleting it needs purge_snapshots: true as well"
                                 % (what, have["snapshots"]))

    def _argv(self, item, *argv):
        return list(argv) + _where(item["pool"], item.get("namespace")) + [item["name"]]

    def plan_create(self, item, want):
        writes = []
        namespace = item.get("namespace")
        if namespace and not self.namespaces.get((item["pool"], namespace)):
            writes.append(Write(argv=["rbd", "namespace", "create", "--pool", item["pool"], "--namespace", namespace],
                                parse=False))
            self.namespaces[(item["pool"], namespace)] = True  # once for the set
        argv = ["rbd", "create", "--size", "%dB" % want["size"]]
        if "features" in want:
            argv += ["--image-feature", ",".join(want["features"])]
        if want.get("data_pool"):
            argv += ["--data-pool", want["data_pool"]]
        writes.append(Write(argv=self._argv(item, *argv), parse=False))
        return writes

    def after_create(self, item, want):
        after = {"data_pool": None}
        after.update(want)
        return after

    def plan_update(self, item, have, changes):
        writes = []
        if "size" in changes:
            argv = ["rbd", "resize", "--size", "%dB" % changes["size"]]
            if changes["size"] < have["size"]:
                argv.append("--allow-shrink")
            writes.append(Write(argv=self._argv(item, *argv), parse=False))
        if "features" in changes:
            want, had = set(changes["features"]), set(have["features"])
            off = [f for f in DISABLE_ORDER if f in had - want]
            on = [f for f in ENABLE_ORDER if f in want - had]
            if off:
                writes.append(Write(argv=self._argv(item, "rbd", "feature", "disable") + off, parse=False))
            if on:
                writes.append(Write(argv=self._argv(item, "rbd", "feature", "enable") + on, parse=False))
            if "object-map" in on:
                # a newly enabled object map starts invalid: build it
                writes.append(Write(argv=self._argv(item, "rbd", "object-map", "rebuild"), parse=False))
        return writes

    def plan_delete(self, item, have):
        writes = []
        if have.get("snapshots"):
            writes.append(Write(argv=self._argv(item, "rbd", "snap", "purge"), parse=False))
        writes.append(Write(argv=self._argv(item, "rbd", "rm", "--no-progress"), parse=False))
        return writes

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result.update(after)
        return result


def image_info(runner, pool, namespace=None, name=None):
    """The images of a pool (namespace), or one image, with their fields."""
    pools = set(runner.mon("osd pool ls"))
    if pool not in pools:
        raise CephInputError("pool %r does not exist" % pool)
    images = list_images(runner, pool, namespace or "", [name] if name else None)
    if images is None:
        raise CephInputError("namespace %r does not exist in pool %r" % (namespace, pool))
    result = []
    for image, fields in sorted(images.items()):
        fields.update(name=image, pool=pool, namespace=namespace or "")
        result.append(fields)
    return result
