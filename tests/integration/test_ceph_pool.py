"""ceph_pool / ceph_pool_info on the lab: the house cycle, sets, deletion consent, bad input."""
import pytest

from conftest import house_cycle


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the apply result."""
    return house_cycle(module, "ceph_pool", **options)[1]


def pool_detail(lab, name):
    return next((p for p in lab.ceph("osd", "pool", "ls", "detail") if p["pool_name"] == name), None)


def drop(lab, *names):
    for name in names:
        if pool_detail(lab, name):
            lab.ceph("osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it")


@pytest.fixture
def cleanup(lab):
    names = []
    yield names
    drop(lab, *names)


def test_create_and_tune_one_pool(lab, module, cleanup):
    cleanup.append("kt-vms")
    options = dict(name="kt-vms", application="rbd", min_size=2, pg_autoscale_mode="off", pg_num=16,
                   max_bytes="2G", max_objects=1000, compression_mode="aggressive", compression_algorithm="zstd",
                   target_size_ratio=0.2)
    apply1 = cycle(module, **options)
    assert apply1["commands"][0] == "ceph osd pool create kt-vms 16 --pool-type=replicated --autoscale-mode=off"
    pool = pool_detail(lab, "kt-vms")
    assert pool["min_size"] == 2 and pool["pg_num"] == 16 and pool["pg_autoscale_mode"] == "off"
    assert pool["quota_max_bytes"] == 2 * 1024 ** 3 and pool["quota_max_objects"] == 1000
    assert pool["options"]["compression_mode"] == "aggressive"
    assert pool["options"]["compression_algorithm"] == "zstd"
    assert pool["options"]["target_size_ratio"] == 0.2
    assert list(pool["application_metadata"]) == ["rbd"]
    # change two fields; the others stay as they are
    apply2 = cycle(module, name="kt-vms", max_bytes=0, compression_mode="none")
    assert apply2["commands"] == ["ceph osd pool set kt-vms compression_mode none",
                                  "ceph osd pool set-quota kt-vms max_bytes 0"]
    assert apply2["diff"]["before"]["kt-vms"]["max_bytes"] == 2 * 1024 ** 3
    assert apply2["diff"]["after"]["kt-vms"]["max_bytes"] == 0
    pool = pool_detail(lab, "kt-vms")
    assert pool["quota_max_bytes"] == 0 and pool["quota_max_objects"] == 1000


def test_a_declared_set_in_one_call(lab, module, cleanup):
    names = ["kt-set-%d" % i for i in range(5)]
    cleanup.extend(names)
    pools = [dict(name=n, application="rgw", pg_autoscale_mode="off", pg_num=8) for n in names]
    apply1 = cycle(module, pools=pools)
    assert [p["name"] for p in apply1["pools"]] == names and all(p["changed"] for p in apply1["pools"])
    listed = set(lab.ceph("osd", "pool", "ls"))
    assert set(names) <= listed
    # one pool changes, four stay
    pools[2]["max_objects"] = 10
    result = module("ceph_pool", pools=pools)
    assert result["commands"] == ["ceph osd pool set-quota kt-set-2 max_objects 10"]
    assert [p["changed"] for p in result["pools"]] == [False, False, True, False, False]
    info = module("ceph_pool_info", names=names)
    assert [p["max_objects"] for p in info["pools"]] == [0, 0, 10, 0, 0]
    assert all(p["applications"] == ["rgw"] for p in info["pools"])


def test_delete_needs_consent_and_data_needs_more(lab, module, cleanup):
    cleanup.append("kt-data")
    module("ceph_pool", name="kt-data", pg_autoscale_mode="off", pg_num=8)
    lab.run("rados", "-c", lab.conf, "-p", "kt-data", "put", "obj", "/etc/hostname")
    refused = module("ceph_pool", name="kt-data", state="absent")
    assert refused["failed"] and "needs allow_delete: true" in refused["msg"]
    refused = module("ceph_pool", name="kt-data", state="absent", allow_delete=True)
    assert refused["failed"] and "holds objects" in refused["msg"] and "allow_delete_with_data" in refused["msg"]
    assert pool_detail(lab, "kt-data") is not None
    assert lab.run("rados", "-c", lab.conf, "-p", "kt-data", "ls").stdout.split() == ["obj"]
    options = dict(name="kt-data", state="absent", allow_delete=True, allow_delete_with_data=True)
    apply1 = cycle(module, **options)
    assert apply1["commands"] == ["ceph osd pool rm kt-data kt-data --yes-i-really-really-mean-it"]
    assert apply1["diff"]["after"] == {"kt-data": {"state": "absent"}}
    assert pool_detail(lab, "kt-data") is None


def test_delete_refused_when_the_mons_forbid_it(lab, module, cleanup):
    cleanup.append("kt-guarded")
    module("ceph_pool", name="kt-guarded", pg_autoscale_mode="off", pg_num=8)
    lab.ceph("config", "set", "mon", "mon_allow_pool_delete", "false")
    try:
        refused = module("ceph_pool", name="kt-guarded", state="absent", allow_delete=True)
    finally:
        lab.ceph("config", "set", "mon", "mon_allow_pool_delete", "true")
    assert refused["failed"] and "mon_allow_pool_delete is false" in refused["msg"]
    assert pool_detail(lab, "kt-guarded") is not None


@pytest.mark.parametrize("options, message", [
    (dict(name="bad name"), "invalid name"),
    (dict(name="-dash"), "invalid name"),
    (dict(name="kt-x", size=3, min_size=4), "min_size 4 is larger than size 3"),
    (dict(name="kt-x", max_objects=-1), "max_objects cannot be negative"),
    (dict(name="kt-x", max_bytes="-5G"), "max_bytes"),
    (dict(name="kt-x", max_bytes="lots"), "max_bytes"),
    (dict(name="kt-x", application="oracle"), "value of application must be one of"),
    (dict(name="kt-x", erasure_profile="default"), "needs k+m=4 hosts, the cluster has 1"),
    (dict(name="kt-x", erasure_profile="missing-profile"), "erasure profile 'missing-profile' does not exist"),
    (dict(name="kt-x", crush_rule="no-rule"), "crush rule 'no-rule' does not exist"),
    (dict(name="kt-x", pg_num=16, pg_autoscale_mode="on"), "pg_num is the autoscaler's"),
    (dict(name="kt-x", pool_type="replicated", allow_ec_overwrites=True), "erasure-coded pools only"),
    (dict(pools=[dict(name="kt-x"), dict(name="kt-x")]), "pools listed more than once: kt-x"),
    (dict(pools=[dict(name="kt-ok"), dict(name="kt-x", min_size=0)]), "min_size must be at least 1"),
])
def test_bad_input_is_refused_before_any_write(lab, module, options, message):
    before = lab.ceph("osd", "pool", "ls", "detail")
    result = module("ceph_pool", **options)
    assert result.get("failed") is True, result
    assert message in result["msg"]
    assert result.get("commands", []) == []
    assert lab.ceph("osd", "pool", "ls", "detail") == before


def test_type_is_fixed_after_creation(lab, module, cleanup):
    cleanup.append("kt-fixed")
    module("ceph_pool", name="kt-fixed", pg_autoscale_mode="off", pg_num=8)
    result = module("ceph_pool", name="kt-fixed", pool_type="erasure")
    assert result["failed"] and "cannot change to 'erasure'" in result["msg"]


def test_info_reports_usage_and_unknown_names(lab, module):
    info = module("ceph_pool_info")
    names = [p["name"] for p in info["pools"]]
    by_id = sorted(lab.ceph("osd", "pool", "ls", "detail"), key=lambda p: p["pool_id"])
    assert names == [p["pool_name"] for p in by_id]
    meta = next(p for p in info["pools"] if p["name"] == "cephfs.cephfs.meta")
    assert meta["objects"] > 0 and meta["application"] == "cephfs"
    missing = module("ceph_pool_info", names=["nope"])
    assert missing["failed"] and "no such pool: nope" in missing["msg"]
