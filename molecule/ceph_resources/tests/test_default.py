"""Verify with the cluster's own CLIs (over testinfra's local connection) that the declared state exists."""
import json
import os

import pytest

LAB = json.loads(open(os.environ["KOOR_LAB_VARS"]).read().split("\n", 1)[1])
PREFIX = " ".join(LAB["koor_ceph_connection"]["prefix"])
CONF = LAB["koor_ceph_connection"]["conf"]


def ceph(host, *args):
    out = host.check_output("%s ceph -c %s --format json %s" % (PREFIX, CONF, " ".join(args)))
    return json.loads(out)


def tool(host, *args):
    return json.loads(host.check_output("%s %s -c %s --format json" % (PREFIX, " ".join(args), CONF)))


@pytest.fixture(scope="module")
def pools(host):
    return dict((p["pool_name"], p) for p in ceph(host, "osd pool ls detail"))


def test_config(host):
    assert ceph(host, "config get client rbd_cache_max_dirty") == 16 * 1024 ** 2


def test_pools_with_rule_quota_and_ec(host, pools):
    rules = dict((r["rule_id"], r["rule_name"]) for r in ceph(host, "osd crush rule dump"))
    assert rules[pools["mol-rbd"]["crush_rule"]] == "mol-hdd"
    assert pools["mol-rbd"]["quota_max_bytes"] == 1024 ** 3
    assert pools["mol-ec"]["erasure_code_profile"] == "mol-ec-2-1"
    assert "ec_overwrites" in pools["mol-ec"]["flags_names"]
    assert ceph(host, "osd erasure-code-profile get mol-ec-2-1")["k"] == "2"


def test_rbd_image_uses_the_ec_data_pool(host):
    info = tool(host, "rbd info mol-rbd/mol-disk")
    assert info["size"] == 1024 ** 3 and info["data_pool"] == "mol-ec"


def test_subvolume(host):
    info = ceph(host, "fs subvolume info cephfs alice --group_name mol-homes")
    assert info["bytes_quota"] == 1024 ** 3 and info["mode"] == 0o40700


def test_client_caps(host):
    entry = ceph(host, "auth get client.mol-app")[0]
    assert entry["caps"] == {"mon": "profile rbd", "osd": "profile rbd pool=mol-rbd"}


def test_rgw_user(host):
    user = json.loads(host.check_output("%s radosgw-admin -c %s user info --uid mol-backup" % (PREFIX, CONF)))
    assert user["display_name"] == "Molecule backups" and user["max_buckets"] == 5
