"""ceph_fs: check -> apply -> apply again -> check again -> verified with the CLI; bad input refused."""
import pytest

from conftest import house_cycle

FS = "koor-it-fs"


def cycle(module, module_name, /, **options):
    """The house cycle (conftest.house_cycle); returns the apply result."""
    return house_cycle(module, module_name, **options)[1]


def filesystems(lab):
    return dict((f["name"], f) for f in lab.ceph("fs", "ls"))


def max_mds(lab, name):
    return [f["mdsmap"]["max_mds"] for f in lab.ceph("fs", "dump")["filesystems"] if f["mdsmap"]["fs_name"] == name][0]


def pools(lab):
    return set(lab.ceph("osd", "pool", "ls"))


@pytest.fixture
def cleanup(lab):
    yield
    if FS in filesystems(lab):
        lab.ceph("fs", "fail", FS)
        lab.ceph("fs", "rm", FS, "--yes-i-really-mean-it")
    for pool in pools(lab):
        if pool.startswith(("cephfs.%s." % FS, "koor-it-fs")):
            lab.ceph("osd", "pool", "rm", pool, pool, "--yes-i-really-really-mean-it")


def test_volume_create_update_and_delete_with_pools(lab, module, cleanup):
    apply = cycle(module, "ceph_fs", name=FS)
    assert apply["commands"] == ["ceph fs volume create %s" % FS]
    fs = filesystems(lab)[FS]
    assert fs["metadata_pool"] == "cephfs.%s.meta" % FS and fs["data_pools"] == ["cephfs.%s.data" % FS]
    assert apply["filesystems"][0]["metadata_pool"] == fs["metadata_pool"]

    apply = cycle(module, "ceph_fs", name=FS, max_mds=2)
    assert apply["commands"] == ["ceph fs set %s max_mds 2" % FS]
    assert apply["diff"]["before"][FS]["max_mds"] == 1 and apply["diff"]["after"][FS]["max_mds"] == 2
    assert max_mds(lab, FS) == 2

    apply = cycle(module, "ceph_fs", name=FS, state="absent", allow_delete=True, delete_pools=True)
    assert apply["commands"] == ["ceph fs volume rm %s --yes-i-really-mean-it" % FS]
    assert FS not in filesystems(lab)
    assert not [p for p in pools(lab) if p.startswith("cephfs.%s." % FS)]


def test_fs_new_on_given_pools_and_delete_keeps_them(lab, module, cleanup):
    meta, data = FS + "-meta", FS + "-data"
    for pool in (meta, data):
        lab.ceph("osd", "pool", "create", pool, "8", "8")
    apply = cycle(module, "ceph_fs", filesystems=[{"name": FS, "metadata_pool": meta, "data_pool": data}])
    assert apply["commands"] == ["ceph fs new %s %s %s" % (FS, meta, data)]
    fs = filesystems(lab)[FS]
    assert fs["metadata_pool"] == meta and fs["data_pools"] == [data]

    apply = cycle(module, "ceph_fs", name=FS, state="absent", allow_delete=True)
    assert apply["commands"] == ["ceph fs fail %s --yes-i-really-mean-it" % FS,
                                 "ceph fs rm %s --yes-i-really-mean-it" % FS]
    assert FS not in filesystems(lab)
    assert {meta, data} <= pools(lab)


@pytest.mark.parametrize("options, message", [
    (dict(name="cephfs", state="absent"), "needs allow_delete: true"),
    (dict(name="cephfs", data_pool="other"), "data_pool is 'cephfs.cephfs.data' and cannot change"),
    (dict(name="cephfs", max_mds=0), "max_mds must be at least 1"),
    (dict(name=FS, metadata_pool="no-such-pool", data_pool="cephfs.cephfs.data"), "does not exist"),
    (dict(name=FS, metadata_pool=".mgr"), "give both metadata_pool and data_pool"),
    (dict(name=FS, metadata_pool=".mgr", data_pool="cephfs.cephfs.data"), "used by filesystem 'cephfs'"),
    (dict(name="bad/name"), "invalid name"),
    (dict(filesystems=[{"name": FS}, {"name": FS}]), "listed more than once"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, options, message):
    before = (lab.ceph("fs", "ls"), max_mds(lab, "cephfs"), pools(lab))
    result = module("ceph_fs", **options)
    assert result.get("failed") is True and result["commands"] == [], result
    assert message in result["msg"]
    assert (lab.ceph("fs", "ls"), max_mds(lab, "cephfs"), pools(lab)) == before
