"""ceph_fs_subvolume(_info): check -> apply -> apply again -> check again -> verified with the CLI."""
import json

import pytest

from conftest import house_cycle

FS = "cephfs"
GROUP = "koor-it-svgroup"
SUB = "koor-it-sub"


def cycle(module, module_name, /, **options):
    """The house cycle (conftest.house_cycle); returns the apply result."""
    return house_cycle(module, module_name, **options)[1]


def subvolumes(lab, group=GROUP):
    where = [] if group == "_nogroup" else [group]
    return set(s["name"] for s in lab.ceph("fs", "subvolume", "ls", FS, *where))


def info(lab, name=SUB, group=GROUP):
    return lab.ceph("fs", "subvolume", "info", FS, name, group)


@pytest.fixture
def group(lab):
    lab.ceph("fs", "subvolumegroup", "create", FS, GROUP)
    yield GROUP
    for name in subvolumes(lab):
        lab.ceph("fs", "subvolume", "rm", FS, name, GROUP)
    for name in subvolumes(lab, "_nogroup"):
        if name.startswith(SUB):
            lab.ceph("fs", "subvolume", "rm", FS, name)
    lab.ceph("fs", "subvolumegroup", "rm", FS, GROUP)


def test_create_resize_update_and_delete(lab, module, group):
    options = dict(fs=FS, group=GROUP, name=SUB, size="100Mi", mode="0770", uid=1000, gid=1000,
                   namespace_isolated=True)
    apply = cycle(module, "ceph_fs_subvolume", **options)
    assert apply["commands"] == ["ceph fs subvolume create %s %s 104857600 %s --uid=1000 --gid=1000 --mode=0770 "
                                 "--namespace-isolated"
                                 % (FS, SUB, GROUP)]
    got = info(lab)
    assert (got["bytes_quota"], got["mode"] & 0o7777, got["uid"], got["gid"]) == (104857600, 0o770, 1000, 1000)
    assert got["pool_namespace"] == "fsvolumens__%s_%s" % (GROUP, SUB)
    assert apply["subvolumes"][0]["path"] == got["path"]
    assert lab.run("ceph", "-c", lab.conf, "fs", "subvolume", "getpath", FS, SUB, GROUP).stdout.strip() == got["path"]

    # grow, then remove the quota, and change the mode: uid/gid stay
    apply = cycle(module, "ceph_fs_subvolume", fs=FS, group=GROUP, name=SUB, size="1Gi", mode="0700")
    assert apply["commands"] == [
        "ceph fs subvolume create %s %s --group-name=%s --uid=1000 --gid=1000 --mode=0700" % (FS, SUB, GROUP),
        "ceph fs subvolume resize %s %s 1073741824 %s" % (FS, SUB, GROUP)]
    got = info(lab)
    assert (got["bytes_quota"], got["mode"] & 0o7777, got["uid"], got["gid"]) == (2 ** 30, 0o700, 1000, 1000)
    cycle(module, "ceph_fs_subvolume", fs=FS, group=GROUP, name=SUB, size="infinite")
    assert info(lab)["bytes_quota"] == "infinite"
    # shrink back
    cycle(module, "ceph_fs_subvolume", fs=FS, group=GROUP, name=SUB, size="10Mi")
    assert info(lab)["bytes_quota"] == 10 * 2 ** 20

    listed = module("ceph_fs_subvolume_info", fs=FS, group=GROUP)
    assert listed["changed"] is False and [s["name"] for s in listed["subvolumes"]] == [SUB]
    assert listed["subvolumes"][0]["path"] == got["path"] and listed["subvolumes"][0]["namespace_isolated"] is True

    apply = cycle(module, "ceph_fs_subvolume", fs=FS, group=GROUP, name=SUB, state="absent", allow_delete=True)
    assert apply["commands"] == ["ceph fs subvolume rm %s %s %s" % (FS, SUB, GROUP)]
    assert SUB not in subvolumes(lab)


def test_declared_set_of_20_no_op_reads_once(lab, module, group, tmp_path, monkeypatch):
    items = [{"fs": FS, "group": GROUP, "name": "%s-%02d" % (SUB, i), "size": "1Gi", "mode": "0750"}
             for i in range(20)]
    apply = cycle(module, "ceph_fs_subvolume", subvolumes=items)
    assert len(apply["commands"]) == 20 and len(subvolumes(lab)) == 20
    assert all(s["path"].startswith("/volumes/%s/" % GROUP) for s in apply["subvolumes"])
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("KOOR_CEPH_TRACE", str(trace))
    again = module("ceph_fs_subvolume", subvolumes=items)
    monkeypatch.delenv("KOOR_CEPH_TRACE")
    assert again["changed"] is False
    # The re-run reads the set once, in one agent, without a ceph process: fs ls/dump, group ls,
    # subvolume ls and one info per subvolume (its speed is measured by make bench, not here).
    requests = [json.loads(line) for line in trace.read_text().splitlines()]
    assert len({r["pid"] for r in requests}) == 1
    assert [r for r in requests if r["op"] == "exec"] == []
    assert 20 <= len(requests) <= 26, [r["what"] for r in requests]
    # and the whole set goes in one call
    gone = [dict(item, state="absent", allow_delete=True) for item in items]
    apply = cycle(module, "ceph_fs_subvolume", subvolumes=gone)
    assert len(apply["commands"]) == 20 and subvolumes(lab) == set()


def test_nogroup_and_same_name_in_two_groups(lab, module, group):
    items = [{"fs": FS, "name": SUB}, {"fs": FS, "group": GROUP, "name": SUB, "size": 2 ** 20}]
    apply = cycle(module, "ceph_fs_subvolume", subvolumes=items)
    assert sorted(apply["diff"]["after"]) == sorted(["%s/%s/%s" % (FS, GROUP, SUB), "%s/_nogroup/%s" % (FS, SUB)])
    assert SUB in subvolumes(lab, "_nogroup") and SUB in subvolumes(lab)


@pytest.mark.parametrize("options, message", [
    (dict(fs=FS, group="koor-it-missing-group", name=SUB), "subvolume group 'koor-it-missing-group' does not exist"),
    (dict(fs="no-such-fs", name=SUB), "filesystem 'no-such-fs' does not exist"),
    (dict(fs=FS, group=GROUP, name=SUB, mode="rwx"), "not an octal mode"),
    (dict(fs=FS, group=GROUP, name=SUB, size="-1G"), "size"),
    (dict(fs=FS, group=GROUP, name=SUB, pool_layout=".mgr"), "not a data pool"),
    (dict(fs=FS, group=GROUP, name="a/b"), "invalid name"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, group, options, message):
    before = (subvolumes(lab), subvolumes(lab, "_nogroup"))
    result = module("ceph_fs_subvolume", **options)
    assert result.get("failed") is True and result["commands"] == [], result
    assert message in result["msg"]
    assert (subvolumes(lab), subvolumes(lab, "_nogroup")) == before


def test_existing_subvolume_refusals(lab, module, group):
    lab.ceph("fs", "subvolume", "create", FS, SUB, "--group_name", GROUP, "--uid", "1000", "--gid", "1000")
    before = info(lab)
    for options, message in [
            (dict(state="absent"), "needs allow_delete: true"),
            (dict(namespace_isolated=True), "fixed at creation"),
            (dict(uid=0), "cannot set uid back to 0")]:
        result = module("ceph_fs_subvolume", fs=FS, group=GROUP, name=SUB, **options)
        assert result.get("failed") is True and result["commands"] == [] and message in result["msg"], result
    after = info(lab)
    assert (after["uid"], after["pool_namespace"], after["path"]) == \
        (before["uid"], before["pool_namespace"], before["path"])
