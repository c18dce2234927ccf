# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import cephfs
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set
from ansible_collections.koor.ceph.plugins.module_utils.units import UnitError
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import fake_runner, mon

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'lab')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


CONFIG_GET = mon("config get", who="mon", key="mon_allow_pool_delete")
SV_INFO = mon("fs subvolume info", vol_name="cephfs", sub_name="sv", group_name="res3g")
SV_SNAPS = mon("fs subvolume snapshot ls", vol_name="cephfs", sub_name="sv", group_name="res3g")


def fs_runner(*answers):
    """The real runner on the agent fake, recording set cephfs; ``answers``: (request, reply) pairs that
    replace or add to it."""
    runner = fake_runner("cephfs")
    for request, value in answers:
        runner.agent.answer(request, value)
    return runner


def group_item(**kw):
    item = dict((k, v.get("default")) for k, v in cephfs.GROUP_ITEM_SPEC.items())
    item.update(kw)
    return item


def subvolume_item(**kw):
    item = dict((k, v.get("default")) for k, v in cephfs.SUBVOLUME_ITEM_SPEC.items())
    item.update(kw)
    return item


def fs_item(**kw):
    item = dict((k, v.get("default")) for k, v in cephfs.FS_ITEM_SPEC.items())
    item.update(kw)
    return item


# --- normalisers -----------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    ("755", "0755"), ("0750", "0750"), ("0o700", "0700"), (493, "0755"), (0o2770, "2770"), ("0", "0000"),
])
def test_normalise_mode(value, expected):
    assert cephfs.normalise_mode(value) == expected


@pytest.mark.parametrize("value", ["rwx", "0758", 0o17777, -1, True, "12345678"])
def test_normalise_mode_refuses(value):
    with pytest.raises(UnitError):
        cephfs.normalise_mode(value)


def test_mode_from_ceph_drops_the_file_type():
    assert cephfs.mode_from_ceph(16872) == "0750"


@pytest.mark.parametrize("value, expected", [
    (0, 0), ("infinite", 0), ("inf", 0), ("10G", 10 * 2 ** 30), ("1Gi", 2 ** 30), (104857600, 104857600),
])
def test_normalise_size(value, expected):
    assert cephfs.normalise_size(value) == expected


@pytest.mark.parametrize("value", [-1, "-5G", "lots", "1m"])
def test_normalise_size_refuses(value):
    with pytest.raises(UnitError):
        cephfs.normalise_size(value)


def test_size_arg():
    assert cephfs.size_arg(0) == "infinite" and cephfs.size_arg(1024) == "1024"


def test_read_filesystems_from_lab_json():
    current = cephfs.read_filesystems(fs_runner())
    assert current["cephfs"] == {"metadata_pool": "cephfs.cephfs.meta", "data_pool": "cephfs.cephfs.data",
                                 "data_pools": ["cephfs.cephfs.data"], "max_mds": 1, "id": 1}


def test_normalise_group_from_lab_json():
    assert cephfs.normalise_group(fixture("fs_subvolumegroup_info.json")) == {
        "mode": "0700", "uid": 1000, "gid": 1001, "pool_layout": "cephfs.cephfs.data", "size": 0, "bytes_used": 0}


def test_normalise_subvolume_from_lab_json():
    sub = cephfs.normalise_subvolume(fixture("fs_subvolume_info_isolated.json"))
    assert sub["size"] == 104857600 and sub["mode"] == "0770" and sub["namespace_isolated"] is True
    assert sub["pool_namespace"] == "fsvolumens__res3g_sv" and sub["path"].startswith("/volumes/res3g/sv/")
    plain = cephfs.normalise_subvolume(fixture("fs_subvolume_info_nogroup.json"))
    assert plain["size"] == 0 and plain["namespace_isolated"] is False and plain["uid"] == 0


# --- filesystems -----------------------------------------------------------------------
def test_fs_create_with_and_without_pools():
    runner = fs_runner()
    result = apply_set(runner, cephfs.Filesystems(), [
        fs_item(name="a"), fs_item(name="b", metadata_pool="fsmeta", data_pool="fsdata", max_mds=2)], "filesystems")
    assert runner.commands == ["ceph fs volume create a", "ceph fs new b fsmeta fsdata", "ceph fs set b max_mds 2"]
    assert result["diff"]["after"]["a"] == {"metadata_pool": "cephfs.a.meta", "data_pool": "cephfs.a.data",
                                            "max_mds": 1, "state": "present"}


def test_fs_unchanged_and_max_mds_update():
    runner = fs_runner()
    result = apply_set(runner, cephfs.Filesystems(), [fs_item(name="cephfs", max_mds=1)], "filesystems")
    assert result["changed"] is False and runner.commands == []
    result = apply_set(runner, cephfs.Filesystems(), [fs_item(name="cephfs", max_mds=3)], "filesystems")
    assert runner.commands == ["ceph fs set cephfs max_mds 3"]


def test_fs_delete_keeps_or_deletes_pools():
    runner = fs_runner()
    apply_set(runner, cephfs.Filesystems(), [fs_item(name="cephfs", state="absent", allow_delete=True)], "fs")
    assert runner.commands == ["ceph fs fail cephfs --yes-i-really-mean-it", "ceph fs rm cephfs --yes-i-really-mean-it"]
    runner = fs_runner()
    apply_set(runner, cephfs.Filesystems(),
              [fs_item(name="cephfs", state="absent", allow_delete=True, delete_pools=True)], "fs")
    assert runner.commands == ["ceph fs volume rm cephfs --yes-i-really-mean-it"]


@pytest.mark.parametrize("item, extra, message", [
    (dict(name="cephfs", state="absent"), [], "needs allow_delete: true"),
    (dict(name="cephfs", state="absent", allow_delete=True, delete_pools=True), [(CONFIG_GET, False)],
     "mon_allow_pool_delete is false"),
    (dict(name="bad name"), [], "invalid name"),
    (dict(name="x", metadata_pool="fsmeta"), [], "give both metadata_pool and data_pool"),
    (dict(name="x", metadata_pool="nope", data_pool="fsdata"), [], "pool 'nope' does not exist"),
    (dict(name="x", metadata_pool="cephfs.cephfs.meta", data_pool="fsdata"), [], "used by filesystem 'cephfs'"),
    (dict(name="x", metadata_pool="fsmeta", data_pool="fsmeta"), [], "must be different pools"),
    (dict(name="cephfs", data_pool="fsdata"), [], "fixed at creation"),
    (dict(name="cephfs", max_mds=0), [], "max_mds must be at least 1"),
    (dict(name="cephfs", state="absent"), [], "needs allow_delete: true"),
    (dict(name="x", metadata_pool="fsmeta", data_pool="fsdata"),
     [(mon("df"), {"pools": [{"name": "fsmeta", "stats": {"objects": 3}}]})], "holds 3 objects"),
])
def test_fs_bad_input(item, extra, message):
    runner = fs_runner(*extra)
    with pytest.raises(CephInputError, match=message.replace("(", r"\(")):
        apply_set(runner, cephfs.Filesystems(), [fs_item(**item)], "filesystems")
    assert runner.commands == []


def test_fs_volume_create_refuses_taken_default_pools():
    runner = fs_runner((mon("osd pool ls"), ["cephfs.x.meta"]))
    with pytest.raises(CephInputError, match="cephfs.x.meta exist already"):
        apply_set(runner, cephfs.Filesystems(), [fs_item(name="x")], "filesystems")


# --- groups ----------------------------------------------------------------------------
def test_group_update_passes_every_attribute():
    runner = fs_runner()
    result = apply_set(runner, cephfs.SubvolumeGroups(), [group_item(fs="cephfs", name="res3g", mode="0750", size="1G")],
                       "groups")
    # uid/gid/pool_layout are the current ones: a re-issued create would otherwise reset them
    assert runner.commands == ["ceph fs subvolumegroup create cephfs res3g --pool-layout=cephfs.cephfs.data --uid=1000 "
                               "--gid=1001 --mode=0750",
                               "ceph fs subvolumegroup resize cephfs res3g 1073741824"]
    assert result["diff"]["before"]["cephfs/res3g"]["mode"] == "0700"
    assert result["groups"][0]["fs"] == "cephfs"


def test_group_unchanged_and_create():
    runner = fs_runner()
    result = apply_set(runner, cephfs.SubvolumeGroups(), [
        group_item(fs="cephfs", name="res3g", mode=0o700, uid=1000, size="infinite"),
        group_item(fs="cephfs", name="new", uid=5)], "groups")
    assert runner.commands == ["ceph fs subvolumegroup create cephfs new --uid=5"]
    assert result["diff"]["after"]["cephfs/new"] == {"mode": "0755", "uid": 5, "gid": 0, "size": 0,
                                                     "pool_layout": "cephfs.cephfs.data", "state": "present"}


@pytest.mark.parametrize("item, message", [
    (dict(fs="nofs", name="g"), "filesystem 'nofs' does not exist"),
    (dict(fs="cephfs", name="_nogroup"), "names starting with '_'"),
    (dict(fs="cephfs", name="g", mode="999"), "not an octal mode"),
    (dict(fs="cephfs", name="g", uid=-1), "uid cannot be negative"),
    (dict(fs="cephfs", name="g", size=-5), "size -5 is negative"),
    (dict(fs="cephfs", name="g", pool_layout=".mgr"), "not a data pool of filesystem 'cephfs'"),
    (dict(fs="cephfs", name="res3g", state="absent"), "holds subvolumes (sv)"),
])
def test_group_bad_input(item, message):
    runner = fs_runner()
    with pytest.raises(CephInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_set(runner, cephfs.SubvolumeGroups(), [group_item(**item)], "groups")
    assert runner.commands == []


# --- subvolumes ------------------------------------------------------------------------
def test_subvolume_same_name_in_two_groups_is_two_items():
    runner = fs_runner()
    result = apply_set(runner, cephfs.Subvolumes(), [
        subvolume_item(fs="cephfs", group="res3g", name="sv"),
        subvolume_item(fs="cephfs", name="sv", size="1G", namespace_isolated=True)], "subvolumes")
    assert runner.commands == ["ceph fs subvolume create cephfs sv 1073741824 --namespace-isolated"]
    assert set(result["diff"]["after"]) == {"cephfs/res3g/sv", "cephfs/_nogroup/sv"}
    assert result["subvolumes"][0]["path"].startswith("/volumes/res3g/sv/")
    assert [r["group"] for r in result["subvolumes"]] == ["res3g", "_nogroup"]


def test_subvolume_listed_twice_is_refused():
    with pytest.raises(CephInputError, match="listed more than once: cephfs/_nogroup/a"):
        apply_set(fs_runner(), cephfs.Subvolumes(),
                  [subvolume_item(fs="cephfs", name="a"), subvolume_item(fs="cephfs", name="a", group="_nogroup")],
                  "subvolumes")


def test_subvolume_update_resize_and_attributes():
    runner = fs_runner()
    apply_set(runner, cephfs.Subvolumes(), [subvolume_item(fs="cephfs", group="res3g", name="sv", size="infinite",
                                                           mode="0700", uid=1000)], "subvolumes")
    assert runner.commands == ["ceph fs subvolume create cephfs sv --group-name=res3g --uid=1000 --gid=1000 --mode=0700",
                               "ceph fs subvolume resize cephfs sv infinite res3g"]


def test_subvolume_reads_are_one_per_item_plus_a_few():
    runner = fs_runner()
    apply_set(runner, cephfs.Subvolumes(), [subvolume_item(fs="cephfs", group="res3g", name="sv"),
                                            subvolume_item(fs="cephfs", name="sv2"),
                                            subvolume_item(fs="cephfs", name="new")], "subvolumes")
    prefixes = runner.read_prefixes()
    assert prefixes.count("fs subvolume info") == 2 and prefixes.count("fs subvolume ls") == 2
    assert len(prefixes) == 7


@pytest.mark.parametrize("item, message", [
    (dict(fs="cephfs", group="missing", name="a"), "subvolume group 'missing' does not exist"),
    (dict(fs="nofs", name="a"), "filesystem 'nofs' does not exist"),
    (dict(fs="cephfs", group="res3g", name="sv", namespace_isolated=False), "fixed at creation"),
    (dict(fs="cephfs", group="res3g", name="sv", uid=0), "cannot set uid back to 0"),
    (dict(fs="cephfs", group="res3g", name="sv", state="absent"), "needs allow_delete: true"),
    (dict(fs="cephfs", name="a b"), "invalid name"),
    (dict(fs="cephfs", name="a", mode="rw"), "not an octal mode"),
])
def test_subvolume_bad_input(item, message):
    runner = fs_runner()
    with pytest.raises(CephInputError, match=message):
        apply_set(runner, cephfs.Subvolumes(), [subvolume_item(**item)], "subvolumes")
    assert runner.commands == []


def test_subvolume_delete_with_data_and_snapshots():
    used = fixture("fs_subvolume_info_isolated.json")
    used["bytes_used"] = 4096
    item = subvolume_item(fs="cephfs", group="res3g", name="sv", state="absent", allow_delete=True)
    with pytest.raises(CephInputError, match="holds 4096 bytes"):
        apply_set(fs_runner((SV_INFO, used)), cephfs.Subvolumes(), [item], "subvolumes")
    item["allow_delete_with_data"] = True
    with pytest.raises(CephInputError, match=r"has snapshots \(s1\)"):
        apply_set(fs_runner((SV_INFO, used), (SV_SNAPS, [{"name": "s1"}])), cephfs.Subvolumes(), [item], "subvolumes")
    runner = fs_runner((SV_INFO, used), (SV_SNAPS, []))
    apply_set(runner, cephfs.Subvolumes(), [item], "subvolumes")
    assert runner.commands == ["ceph fs subvolume rm cephfs sv res3g"]


def test_subvolume_shrink_below_usage_is_refused():
    used = fixture("fs_subvolume_info_isolated.json")
    used["bytes_used"] = 50 * 2 ** 20
    with pytest.raises(CephInputError, match="is less than that"):
        apply_set(fs_runner((SV_INFO, used)), cephfs.Subvolumes(),
                  [subvolume_item(fs="cephfs", group="res3g", name="sv", size="10M")], "subvolumes")


def test_subvolume_info_lists_every_group():
    subs = cephfs.subvolume_info(fs_runner(), "cephfs")
    assert [(s["group"], s["name"]) for s in subs] == [("_nogroup", "sv2"), ("res3g", "sv")]
    with pytest.raises(CephInputError, match="does not exist"):
        cephfs.subvolume_info(fs_runner(), "cephfs", group="nope")
