# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json
import os
import sys
import types

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import agent, rbd_images
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def rbd_runner(images=None, cli=False, names=("img1",)):
    """The real runner on the agent fake, recording set rbd; ``images`` replaces the rbd_ls reply of
    pool rbdt for the images ``names``; ``cli``: an agent without librados (rbd_ls refused, the rbd
    CLI answers)."""
    runner = fake_runner("rbd", mode="cli" if cli else "librados")
    if images is not None:
        runner.agent.answer({"op": "rbd_ls", "pool": "rbdt", "namespace": "", "names": list(names)}, images)
    return runner


def tools_run(runner):
    return [r["argv"] for r in runner.reads if r["op"] == "exec"]


def item(**kw):
    result = dict((k, v.get("default")) for k, v in rbd_images.ITEM_SPEC.items())
    result.update(kw)
    return result


def run(runner, *items):
    return apply_set(runner, rbd_images.Images(), list(items), "images")


# --- normalisers -----------------------------------------------------------------------
def test_feature_names_from_bits():
    assert rbd_images.feature_names(61) == ["deep-flatten", "exclusive-lock", "fast-diff", "layering", "object-map"]
    assert rbd_images.feature_names(5 | 128 | 256) == ["exclusive-lock", "layering"]  # data-pool, operations: derived


def test_normalise_features():
    assert rbd_images.normalise_features(["Exclusive_Lock", "layering", "layering"]) == ["exclusive-lock", "layering"]
    with pytest.raises(UnitError, match="data-pool"):
        rbd_images.normalise_features(["data-pool"])


def test_check_feature_set():
    assert rbd_images.check_feature_set(["object-map"]) == "object-map needs exclusive-lock"
    assert rbd_images.check_feature_set(["exclusive-lock", "fast-diff"]) == "fast-diff needs object-map"
    assert rbd_images.check_feature_set(["exclusive-lock", "journaling"]) is None


def test_cli_info_gives_what_the_agent_gives():
    info = rbd_images.normalise_rbd_info(fixture("rbd_info.json"), fixture("rbd_status.json"))
    assert info["features"] == 1 + 4 + 8 + 16 and info["size"] == 20971520
    assert info["watchers"] == 0 and info["snapshots"] == 0 and info["name"] == "i1"


# --- plans -----------------------------------------------------------------------------
def test_unchanged_image_is_no_op():
    runner = rbd_runner()
    result = run(runner, item(pool="rbdt", name="img1", size="1Mi",
                              features=["layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten"]))
    assert result["changed"] is False and runner.commands == []


def test_create_in_new_namespace_once_for_the_set():
    runner = rbd_runner()
    result = run(runner, item(pool="rbdt", namespace="ns9", name="a", size="10M", features=["layering"]),
                 item(pool="rbdt", namespace="ns9", name="b", size=4096, data_pool="rbdt"))
    assert runner.commands == [
        "rbd namespace create --pool rbdt --namespace ns9",
        "rbd create --size 10485760B --image-feature layering --pool rbdt --namespace ns9 a",
        "rbd create --size 4096B --data-pool rbdt --pool rbdt --namespace ns9 b"]
    assert result["diff"]["after"]["rbdt/ns9/a"] == {"size": 10485760, "features": ["layering"], "data_pool": None,
                                                     "state": "present"}
    assert result["images"][0]["namespace"] == "ns9"


def test_grow_shrink_and_features():
    runner = rbd_runner()
    run(runner, item(pool="rbdt", name="img1", size="2M", features=["layering", "exclusive-lock", "journaling"]))
    assert runner.commands == [
        "rbd resize --size 2097152B --pool rbdt img1",
        "rbd feature disable --pool rbdt img1 fast-diff object-map deep-flatten",
        "rbd feature enable --pool rbdt img1 journaling"]
    runner = rbd_runner()
    run(runner, item(pool="rbdt", name="img1", size=4096, allow_shrink=True))
    assert runner.commands == ["rbd resize --size 4096B --allow-shrink --pool rbdt img1"]


def test_enabling_object_map_rebuilds_it():
    images = {("rbdt", ""): {"namespace": True, "images": [
        {"name": "x", "id": "1", "size": 1024, "features": 5, "data_pool": None, "snapshots": 0, "watchers": 0}]}}
    runner = rbd_runner(images=images["rbdt", ""], names=["x"])
    run(runner, item(pool="rbdt", name="x", features=["layering", "exclusive-lock", "object-map", "fast-diff"]))
    assert runner.commands == ["rbd feature enable --pool rbdt x object-map fast-diff",
                               "rbd object-map rebuild --pool rbdt x"]


def test_delete_with_snapshots():
    images = fixture("rbd_ls_agent.json")
    images["images"][0]["snapshots"] = 2
    runner = rbd_runner(images=images)
    with pytest.raises(CephInputError, match="has 2 snapshot"):
        run(runner, item(pool="rbdt", name="img1", state="absent", allow_delete=True))
    run(runner, item(pool="rbdt", name="img1", state="absent", allow_delete=True, purge_snapshots=True))
    assert runner.commands == ["rbd snap purge --pool rbdt img1", "rbd rm --no-progress --pool rbdt img1"]


@pytest.mark.parametrize("options, message", [
    (dict(name="img1", size="512K"), "needs allow_shrink: true"),
    (dict(name="img1", features=["exclusive-lock", "object-map", "fast-diff", "deep-flatten"]), "layering is fixed"),
    (dict(name="img1", features=["layering", "object-map"]), "object-map needs exclusive-lock"),
    (dict(name="img1", data_pool=".mgr"), "fixed at creation"),
    (dict(name="img1", state="absent"), "needs allow_delete: true"),
    (dict(name="new"), "needs a size"),
    (dict(name="new", size=0), "needs a size"),
    (dict(name="new", size="-1G"), "negative"),
    (dict(name="new", size="1G", features=["striping"]), "not declarable"),
    (dict(name="new", size="1G", data_pool="nope"), "data pool 'nope' does not exist"),
    (dict(name="new", pool="nopool", size="1G"), "pool 'nopool' does not exist"),
    (dict(name="a/b", size="1G"), "invalid name"),
])
def test_bad_input(options, message):
    options.setdefault("pool", "rbdt")
    runner = rbd_runner()
    with pytest.raises(CephInputError, match=message):
        run(runner, item(**options))
    assert runner.commands == []


def test_image_in_use_is_not_deleted():
    images = fixture("rbd_ls_agent.json")
    images["images"][0]["watchers"] = 1
    with pytest.raises(CephInputError, match="in use"):
        run(rbd_runner(images=images), item(pool="rbdt", name="img1", state="absent", allow_delete=True))


def test_cli_fallback_reads_the_same():
    runner = rbd_runner(cli=True)
    images = rbd_images.list_images(runner, "rbdt", "res3ns", ["i1"])
    assert images["i1"]["features"] == ["exclusive-lock", "fast-diff", "layering", "object-map"]
    assert [a[:3] for a in tools_run(runner)] == [["rbd", "namespace", "ls"], ["rbd", "ls", "--pool"],
                                                  ["rbd", "info", "--format"], ["rbd", "status", "--format"]]
    assert rbd_images.list_images(rbd_runner(cli=True), "rbdt", "other") is None


def test_image_info():
    assert [i["name"] for i in rbd_images.image_info(rbd_runner(), "rbdt")] == ["img1"]
    with pytest.raises(CephInputError, match="does not exist"):
        rbd_images.image_info(rbd_runner(), "rbdt", namespace="nope")


# --- the agent's rbd_ls op, with stand-ins for librados and the rbd binding -------------
class FakeImage:
    def __init__(self, ioctx, image_id=None, read_only=False):
        assert read_only
        self.spec = ioctx.images[image_id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def size(self):
        return self.spec["size"]

    def features(self):
        return self.spec["features"]

    def data_pool_id(self):
        return self.spec.get("data_pool_id", 1)

    def list_snaps(self):
        return iter([{"name": "s"}] * self.spec.get("snaps", 0))

    def watchers_list(self):
        return iter([{"addr": "x"}] * self.spec.get("watchers", 0))


class FakeIoctx:
    def __init__(self):
        self.images = {"id1": {"name": "a", "size": 10, "features": 61},
                       "id2": {"name": "b", "size": 20, "features": 133, "data_pool_id": 7, "snaps": 2, "watchers": 1}}
        self.namespace = None
        self.closed = False

    def set_namespace(self, namespace):
        self.namespace = namespace

    def get_pool_id(self):
        return 1

    def close(self):
        self.closed = True


class FakeRBD:
    def namespace_list(self, ioctx):
        return ["ns1"]

    def list2(self, ioctx):
        return [{"id": k, "name": v["name"]} for k, v in sorted(ioctx.images.items())]


class FakeCluster:
    def __init__(self):
        self.ioctx = FakeIoctx()

    def open_ioctx(self, pool):
        return self.ioctx

    def pool_reverse_lookup(self, pool_id):
        return {7: "ec-data"}[pool_id]


@pytest.fixture
def fake_rbd(monkeypatch):
    module = types.ModuleType("rbd")
    module.RBD = FakeRBD
    module.Image = FakeImage
    monkeypatch.setitem(sys.modules, "rbd", module)


def test_agent_rbd_ls(fake_rbd):
    a = agent.Agent({})
    a.cluster = FakeCluster()
    reply = a.handle({"id": 3, "op": "rbd_ls", "pool": "rbd", "namespace": ""})
    assert reply["rc"] == 0 and reply["id"] == 3 and a.cluster.ioctx.closed
    assert json.loads(reply["out"]) == {"namespace": True, "images": [
        {"name": "a", "id": "id1", "size": 10, "features": 61, "data_pool": None, "snapshots": 0, "watchers": 0},
        {"name": "b", "id": "id2", "size": 20, "features": 133, "data_pool": "ec-data", "snapshots": 2,
         "watchers": 1}]}
    only = json.loads(a.handle({"op": "rbd_ls", "pool": "rbd", "names": ["b"]})["out"])
    assert [i["name"] for i in only["images"]] == ["b"]
    missing = json.loads(a.handle({"op": "rbd_ls", "pool": "rbd", "namespace": "nope"})["out"])
    assert missing == {"namespace": False, "images": []}
    assert a.handle({"op": "rbd_ls", "pool": "rbd", "namespace": "ns1"})["rc"] == 0
    assert a.cluster.ioctx.namespace == "ns1"


def test_agent_rbd_ls_needs_librados():
    reply = agent.Agent({}).handle({"op": "rbd_ls", "pool": "rbd"})
    assert reply["rc"] == errno.EOPNOTSUPP and "librados" in reply["err"]


def test_single_item_takes_rbd_namespace_not_the_connection_namespace():
    spec = rbd_images.argument_spec()
    assert "namespace" not in spec and spec["rbd_namespace"] == {"type": "str"}
    assert "namespace" in spec["images"]["options"]
    params = dict((k, None) for k in spec)
    params.update(name="img", pool="rbd", state="present", namespace="rook-ceph", rbd_namespace="tenant")
    assert rbd_images.items(params)[0]["namespace"] == "tenant"
    params.update(name=None, images=[{"name": "img", "pool": "rbd", "namespace": "t2"}])
    assert rbd_images.items(params)[0]["namespace"] == "t2"
