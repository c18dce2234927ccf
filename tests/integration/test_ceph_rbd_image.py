"""ceph_rbd_image(_info): check -> apply -> apply again -> check again -> verified with the rbd CLI."""
import json

import pytest

from conftest import house_cycle

POOL = "koor-it-rbd"
EC_POOL = "koor-it-rbd-ec"
IMAGE = "koor-it-img"


def cycle(module, module_name, /, **options):
    """The house cycle (conftest.house_cycle); returns the apply result."""
    return house_cycle(module, module_name, **options)[1]


def rbd(lab, *args):
    out = lab.run("rbd", "-c", lab.conf, "--format", "json", *args).stdout.strip()
    return json.loads(out) if out else None


def images(lab, namespace=None):
    return set(rbd(lab, "ls", "--pool", POOL, *(["--namespace", namespace] if namespace else [])) or [])


@pytest.fixture(scope="module")
def pool(lab):
    lab.ceph("osd", "pool", "create", POOL, "8", "8")
    lab.ceph("osd", "pool", "application", "enable", POOL, "rbd")
    yield POOL
    lab.ceph("osd", "pool", "rm", POOL, POOL, "--yes-i-really-really-mean-it")
    if EC_POOL in lab.ceph("osd", "pool", "ls"):
        lab.ceph("osd", "pool", "rm", EC_POOL, EC_POOL, "--yes-i-really-really-mean-it")


def test_create_grow_features_shrink_delete(lab, module, pool):
    options = dict(pool=POOL, name=IMAGE, size="16Mi", features=["layering", "exclusive-lock"])
    apply = cycle(module, "ceph_rbd_image", **options)
    assert apply["commands"] == ["rbd create --size 16777216B --image-feature exclusive-lock,layering --pool %s %s"
                                 % (POOL, IMAGE)]
    info = rbd(lab, "info", "%s/%s" % (POOL, IMAGE))
    assert info["size"] == 16 * 2 ** 20 and sorted(info["features"]) == ["exclusive-lock", "layering"]

    apply = cycle(module, "ceph_rbd_image", pool=POOL, name=IMAGE, size="32Mi",
                  features=["layering", "exclusive-lock", "object-map", "fast-diff"])
    assert apply["commands"] == [
        "rbd resize --size 33554432B --pool %s %s" % (POOL, IMAGE),
        "rbd feature enable --pool %s %s object-map fast-diff" % (POOL, IMAGE),
        "rbd object-map rebuild --pool %s %s" % (POOL, IMAGE)]
    info = rbd(lab, "info", "%s/%s" % (POOL, IMAGE))
    assert info["size"] == 32 * 2 ** 20
    assert sorted(info["features"]) == ["exclusive-lock", "fast-diff", "layering", "object-map"]
    assert "object map invalid" not in info["flags"]

    # shrinking needs consent: refused, nothing changed
    refused = module("ceph_rbd_image", pool=POOL, name=IMAGE, size="8Mi")
    assert refused.get("failed") is True and refused["commands"] == []
    assert "needs allow_shrink: true" in refused["msg"]
    assert rbd(lab, "info", "%s/%s" % (POOL, IMAGE))["size"] == 32 * 2 ** 20
    apply = cycle(module, "ceph_rbd_image", pool=POOL, name=IMAGE, size="8Mi", allow_shrink=True,
                  features=["layering", "exclusive-lock"])
    info = rbd(lab, "info", "%s/%s" % (POOL, IMAGE))
    assert info["size"] == 8 * 2 ** 20 and sorted(info["features"]) == ["exclusive-lock", "layering"]

    listed = module("ceph_rbd_image_info", pool=POOL, name=IMAGE)
    assert [(i["name"], i["size"], i["features"]) for i in listed["images"]] == [
        (IMAGE, 8 * 2 ** 20, ["exclusive-lock", "layering"])]

    lab.run("rbd", "-c", lab.conf, "snap", "create", "%s/%s@s1" % (POOL, IMAGE))
    refused = module("ceph_rbd_image", pool=POOL, name=IMAGE, state="absent", allow_delete=True)
    assert refused.get("failed") is True and "has 1 snapshot(s)" in refused["msg"] and IMAGE in images(lab)
    refused = module("ceph_rbd_image", pool=POOL, name=IMAGE, state="absent", purge_snapshots=True)
    assert refused.get("failed") is True and "needs allow_delete: true" in refused["msg"] and IMAGE in images(lab)
    apply = cycle(module, "ceph_rbd_image", pool=POOL, name=IMAGE, state="absent", allow_delete=True,
                  purge_snapshots=True)
    assert apply["commands"] == ["rbd snap purge --pool %s %s" % (POOL, IMAGE),
                                 "rbd rm --no-progress --pool %s %s" % (POOL, IMAGE)]
    assert IMAGE not in images(lab)


def test_declared_set_in_namespaces(lab, module, pool):
    items = [{"pool": POOL, "name": "%s-%d" % (IMAGE, i), "size": "4Mi"} for i in range(5)]
    items += [{"pool": POOL, "namespace": "koor-it-ns", "name": IMAGE, "size": "4Mi", "features": ["layering"]}]
    apply = cycle(module, "ceph_rbd_image", images=items)
    assert apply["commands"][5] == "rbd namespace create --pool %s --namespace koor-it-ns" % POOL
    assert len(apply["commands"]) == 7
    assert images(lab) >= set(i["name"] for i in items[:5])
    assert images(lab, "koor-it-ns") == {IMAGE}
    assert rbd(lab, "info", "%s/koor-it-ns/%s" % (POOL, IMAGE))["features"] == ["layering"]
    # one image by the top-level options: rbd_namespace (namespace is the kubectl_exec transport's)
    single = module("ceph_rbd_image", pool=POOL, rbd_namespace="koor-it-ns", name=IMAGE, size="4Mi")
    assert single["changed"] is False and single["images"][0]["namespace"] == "koor-it-ns", single
    listed = module("ceph_rbd_image_info", pool=POOL, rbd_namespace="koor-it-ns")
    assert [i["name"] for i in listed["images"]] == [IMAGE]
    gone = [dict(i, state="absent", allow_delete=True) for i in items]
    cycle(module, "ceph_rbd_image", images=gone)
    assert not images(lab) and not images(lab, "koor-it-ns")


def test_data_pool_on_erasure_coded_pool(lab, module, pool):
    lab.ceph("osd", "erasure-code-profile", "set", "koor-it-k2m1", "k=2", "m=1", "crush-failure-domain=osd")
    lab.ceph("osd", "pool", "create", EC_POOL, "8", "8", "erasure", "koor-it-k2m1")
    refused = module("ceph_rbd_image", pool=POOL, name=IMAGE, size="4Mi", data_pool=EC_POOL)
    assert refused.get("failed") is True and "without allow_ec_overwrites" in refused["msg"]
    assert IMAGE not in images(lab)
    lab.ceph("osd", "pool", "set", EC_POOL, "allow_ec_overwrites", "true")
    apply = cycle(module, "ceph_rbd_image", pool=POOL, name=IMAGE, size="4Mi", data_pool=EC_POOL)
    assert apply["images"][0]["data_pool"] == EC_POOL
    assert rbd(lab, "info", "%s/%s" % (POOL, IMAGE))["data_pool"] == EC_POOL
    refused = module("ceph_rbd_image", pool=POOL, name=IMAGE, data_pool=POOL)
    assert refused.get("failed") is True and "fixed at creation" in refused["msg"]
    cycle(module, "ceph_rbd_image", pool=POOL, name=IMAGE, state="absent", allow_delete=True)


@pytest.mark.parametrize("options, message", [
    (dict(name=IMAGE), "needs a size"),
    (dict(name=IMAGE, size="-1G"), "negative"),
    (dict(name=IMAGE, size="1Gi", features=["object-map"]), "object-map needs exclusive-lock"),
    (dict(name=IMAGE, size="1Gi", features=["bogus"]), "not declarable"),
    (dict(name=IMAGE, size="1Gi", data_pool="no-such-pool"), "data pool 'no-such-pool' does not exist"),
    (dict(name=IMAGE, pool="no-such-pool", size="1Gi"), "pool 'no-such-pool' does not exist"),
    (dict(name="a@b", size="1Gi"), "invalid name"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, pool, options, message):
    options.setdefault("pool", POOL)
    before = images(lab)
    result = module("ceph_rbd_image", **options)
    assert result.get("failed") is True and result["commands"] == [], result
    assert message in result["msg"]
    assert images(lab) == before
