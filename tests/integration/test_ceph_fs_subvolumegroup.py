"""ceph_fs_subvolumegroup: check -> apply -> apply again -> check again -> verified with the CLI."""
import pytest

from conftest import house_cycle

FS = "cephfs"
GROUP = "koor-it-group"


def cycle(module, module_name, /, **options):
    """The house cycle (conftest.house_cycle); returns the apply result."""
    return house_cycle(module, module_name, **options)[1]


def groups(lab):
    return set(g["name"] for g in lab.ceph("fs", "subvolumegroup", "ls", FS))


def info(lab, name=GROUP):
    return lab.ceph("fs", "subvolumegroup", "info", FS, name)


@pytest.fixture
def cleanup(lab):
    yield
    for name in groups(lab):
        if name.startswith("koor-it-group"):
            for sub in lab.ceph("fs", "subvolume", "ls", FS, name):
                lab.ceph("fs", "subvolume", "rm", FS, sub["name"], name)
            lab.ceph("fs", "subvolumegroup", "rm", FS, name)


def test_create_update_and_delete(lab, module, cleanup):
    options = dict(fs=FS, name=GROUP, mode="0750", uid=1000, gid=1001, size="1Gi")
    apply = cycle(module, "ceph_fs_subvolumegroup", **options)
    assert apply["commands"] == ["ceph fs subvolumegroup create %s %s 1073741824 --uid=1000 --gid=1001 --mode=0750"
                                 % (FS, GROUP)]
    got = info(lab)
    assert (got["mode"] & 0o7777, got["uid"], got["gid"], got["bytes_quota"]) == (0o750, 1000, 1001, 2 ** 30)

    # change the mode only: owner and quota stay as they are
    apply = cycle(module, "ceph_fs_subvolumegroup", fs=FS, name=GROUP, mode=0o700, size="infinite")
    assert apply["diff"]["before"]["%s/%s" % (FS, GROUP)]["mode"] == "0750"
    assert apply["diff"]["after"]["%s/%s" % (FS, GROUP)] == {
        "mode": "0700", "uid": 1000, "gid": 1001, "size": 0, "pool_layout": "cephfs.cephfs.data", "state": "present"}
    got = info(lab)
    assert (got["mode"] & 0o7777, got["uid"], got["gid"], got["bytes_quota"]) == (0o700, 1000, 1001, "infinite")

    apply = cycle(module, "ceph_fs_subvolumegroup", groups=[{"fs": FS, "name": GROUP, "state": "absent"}])
    assert apply["commands"] == ["ceph fs subvolumegroup rm %s %s" % (FS, GROUP)]
    assert GROUP not in groups(lab)


def test_declared_set(lab, module, cleanup):
    names = ["koor-it-group-%d" % i for i in range(3)]
    apply = cycle(module, "ceph_fs_subvolumegroup", groups=[{"fs": FS, "name": n, "uid": 7} for n in names])
    assert len(apply["commands"]) == 3 and set(names) <= groups(lab)
    assert all(info(lab, n)["uid"] == 7 for n in names)


@pytest.mark.parametrize("options, message", [
    (dict(fs="no-such-fs", name=GROUP), "filesystem 'no-such-fs' does not exist"),
    (dict(fs=FS, name="_nogroup"), "names starting with '_'"),
    (dict(fs=FS, name=GROUP, mode="0799"), "not an octal mode"),
    (dict(fs=FS, name=GROUP, uid=-3), "uid cannot be negative"),
    (dict(fs=FS, name=GROUP, size=-1), "negative"),
    (dict(fs=FS, name=GROUP, pool_layout=".mgr"), "not a data pool of filesystem 'cephfs'"),
    (dict(fs=FS, name="bad name"), "invalid name"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, options, message):
    before = groups(lab)
    result = module("ceph_fs_subvolumegroup", **options)
    assert result.get("failed") is True and result["commands"] == [], result
    assert message in result["msg"]
    assert groups(lab) == before


def test_group_with_subvolumes_is_not_deleted(lab, module, cleanup):
    lab.ceph("fs", "subvolumegroup", "create", FS, GROUP)
    lab.ceph("fs", "subvolume", "create", FS, "koor-it-sub", "--group_name", GROUP)
    result = module("ceph_fs_subvolumegroup", fs=FS, name=GROUP, state="absent")
    assert result.get("failed") is True and result["commands"] == []
    assert "holds subvolumes (koor-it-sub)" in result["msg"]
    assert GROUP in groups(lab)
