"""ceph_resource_set on the lab: a whole declared state (every kind that refers to another declared in the
same call) through the house cycle, verified with the ceph, rbd and radosgw-admin CLIs; removed again in one
call; a bad item in the last kind refusing the whole call with nothing written."""
import json

import pytest

from conftest import house_cycle

MODULE = "ceph_resource_set"
SECRET = "kt-set-secret-0123456789"
KEYRING = "/tmp/kt-set.keyring"


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    check1, apply1 = house_cycle(module, MODULE, **options)
    assert check1["summary"] == apply1["summary"]
    return check1, apply1


def state(present=True):
    """The state: each kind that can refers to another kind declared in the same call."""
    gone = {} if present else {"state": "absent"}
    delete = {} if present else {"state": "absent", "allow_delete": True, "allow_delete_with_data": True}
    return dict(
        config=[dict(who="client", option="rbd_cache_max_dirty", value="8M", **gone)],
        mgr_modules=[dict(name="stats", **gone)],
        ec_profiles=[dict(name="kt-set-ec", k=2, m=1, crush_failure_domain="osd", **gone)],
        crush_rules=[dict(name="kt-set-hdd", device_class="hdd", failure_domain="osd", **gone),
                     dict(name="kt-set-ecrule", profile="kt-set-ec", **gone)],
        pools=[dict(name="kt-set-rbd", application="rbd", crush_rule="kt-set-hdd", pg_autoscale_mode="off",
                    pg_num=8, max_bytes="1G", **delete),
               dict(name="kt-set-ec", erasure_profile="kt-set-ec", crush_rule="kt-set-ecrule",
                    allow_ec_overwrites=True, application="rbd", pg_autoscale_mode="off", pg_num=8, **delete)],
        subvolume_groups=[dict(fs="cephfs", name="kt-set-g", mode="0750", **gone)],
        subvolumes=[dict(fs="cephfs", group="kt-set-g", name="kt-sv", size="1G", mode="0700",
                         **(delete if not present else {}))],
        rbd_images=[dict(pool="kt-set-rbd", name="kt-disk", size="1G", data_pool="kt-set-ec",
                         **({"state": "absent", "allow_delete": True} if not present else {}))],
        clients=[dict(name="client.kt-set", caps={"mon": "profile rbd", "osd": "profile rbd pool=kt-set-rbd"},
                      keyring_path=KEYRING, **gone)],
        rgw_users=[dict(uid="kt-set-user", display_name="Set user", max_buckets=3,
                        user_quota=dict(enabled=True, max_size="2G"), access_key="KTSETACCESSKEY0001",
                        secret_key=SECRET, **({"purge_data": True, "state": "absent"} if not present else {}))],
    )


def snapshot(lab):
    """What the cluster holds of every kind, as its own CLIs say (the witness that nothing was written)."""
    return {
        "pools": sorted(lab.ceph("osd", "pool", "ls")),
        "rules": sorted(lab.ceph("osd", "crush", "rule", "ls")),
        "profiles": sorted(lab.ceph("osd", "erasure-code-profile", "ls")),
        "groups": sorted(g["name"] for g in lab.ceph("fs", "subvolumegroup", "ls", "cephfs")),
        "entities": sorted(e["entity"] for e in lab.ceph("auth", "ls")["auth_dump"]),
        "config": sorted((c["section"], c["name"], c["value"]) for c in lab.ceph("config", "dump")),
        "mgr": sorted(lab.ceph("mgr", "module", "ls")["enabled_modules"]),
        "users": sorted(json.loads(lab.run("radosgw-admin", "-c", lab.conf, "metadata", "list", "user").stdout)),
    }


def pool_detail(lab, name):
    return next((p for p in lab.ceph("osd", "pool", "ls", "detail") if p["pool_name"] == name), None)


@pytest.fixture
def cleanup(lab, module):
    yield
    result = module(MODULE, **state(present=False))
    assert result["_rc"] == 0, result


def test_a_whole_state_in_one_call(lab, module, cleanup):
    check, apply = cycle(module, **state())
    # dependency order: config, mgr modules, profiles, rules, pools, groups, subvolumes, images, clients, users
    order = [next(i for i, c in enumerate(apply["commands"]) if c.startswith(prefix)) for prefix in (
        "ceph config set", "ceph mgr module enable", "ceph osd erasure-code-profile set",
        "ceph osd crush rule create-replicated", "ceph osd pool create kt-set-rbd", "ceph fs subvolumegroup create",
        "ceph fs subvolume create", "rbd create", "ceph auth get-or-create", "radosgw-admin user create")]
    assert order == sorted(order), apply["commands"]
    assert all(apply["summary"][kind]["changed"] for kind in (
        "config", "mgr_modules", "ec_profiles", "crush_rules", "pools", "subvolume_groups", "subvolumes",
        "rbd_images", "clients", "rgw_users"))
    assert apply["summary"]["filesystems"] == {"applied": False, "changed": False, "commands": []}
    assert apply["subvolumes"][0]["path"].startswith("/volumes/kt-set-g/kt-sv/")
    assert apply["diff"]["after"]["pools"]["kt-set-rbd"]["crush_rule"] == "kt-set-hdd"
    # secrets: never in the results (masked in commands and diff)
    for result in (check, apply):
        assert SECRET not in json.dumps(result)
    assert apply["diff"]["after"]["rgw_users"]["kt-set-user"]["secret_key"] == "********"

    # what the cluster holds, as its own CLIs say
    assert str(lab.ceph("config", "get", "client", "rbd_cache_max_dirty")) == str(8 * 1024 ** 2)
    assert "stats" in lab.ceph("mgr", "module", "ls")["enabled_modules"]
    rules = dict((r["rule_id"], r["rule_name"]) for r in lab.ceph("osd", "crush", "rule", "dump"))
    rbd_pool, ec_pool = pool_detail(lab, "kt-set-rbd"), pool_detail(lab, "kt-set-ec")
    assert rules[rbd_pool["crush_rule"]] == "kt-set-hdd" and rbd_pool["quota_max_bytes"] == 1024 ** 3
    assert rules[ec_pool["crush_rule"]] == "kt-set-ecrule" and ec_pool["erasure_code_profile"] == "kt-set-ec"
    assert "ec_overwrites" in ec_pool["flags_names"]
    info = json.loads(lab.run("rbd", "-c", lab.conf, "info", "--format", "json", "kt-set-rbd/kt-disk").stdout)
    assert info["size"] == 1024 ** 3 and info["data_pool"] == "kt-set-ec"
    sub = lab.ceph("fs", "subvolume", "info", "cephfs", "kt-sv", "--group_name", "kt-set-g")
    assert sub["bytes_quota"] == 1024 ** 3 and sub["mode"] & 0o7777 == 0o700
    group = lab.ceph("fs", "subvolumegroup", "info", "cephfs", "kt-set-g")
    assert group["mode"] & 0o7777 == 0o750
    entry = lab.ceph("auth", "get", "client.kt-set")[0]
    assert entry["caps"] == {"mon": "profile rbd", "osd": "profile rbd pool=kt-set-rbd"}
    assert entry["key"] in lab.run("cat", KEYRING).stdout
    user = json.loads(lab.run("radosgw-admin", "-c", lab.conf, "user", "info", "--uid", "kt-set-user").stdout)
    assert user["max_buckets"] == 3 and user["user_quota"]["max_size"] == 2 * 1024 ** 3
    assert [k["secret_key"] for k in user["keys"] if k["access_key"] == "KTSETACCESSKEY0001"] == [SECRET]

    # the whole state removed in one call: images before their pool, pools before their rule and profile,
    # subvolumes before their group
    check, apply = cycle(module, **state(present=False))
    commands = apply["commands"]
    assert commands.index("rbd rm --no-progress --pool kt-set-rbd kt-disk") < \
        commands.index("ceph osd pool rm kt-set-rbd kt-set-rbd --yes-i-really-really-mean-it") < \
        commands.index("ceph osd crush rule rm kt-set-hdd")
    assert commands.index("ceph osd pool rm kt-set-ec kt-set-ec --yes-i-really-really-mean-it") < \
        commands.index("ceph osd erasure-code-profile rm kt-set-ec")
    # Ceph deletes an erasure rule with the last pool using it: check mode knew
    assert "ceph osd crush rule rm kt-set-ecrule" not in commands
    assert [(r["name"], r["changed"]) for r in apply["crush_rules"]] == [("kt-set-hdd", True), ("kt-set-ecrule", False)]
    assert commands.index("ceph fs subvolume rm cephfs kt-sv kt-set-g") < \
        commands.index("ceph fs subvolumegroup rm cephfs kt-set-g")
    after = snapshot(lab)
    assert not [p for p in after["pools"] if p.startswith("kt-set")]
    assert not {"kt-set-hdd", "kt-set-ecrule"} & set(after["rules"]) and "kt-set-ec" not in after["profiles"]
    assert "kt-set-g" not in after["groups"] and "client.kt-set" not in after["entities"]
    assert "kt-set-user" not in after["users"] and "stats" not in after["mgr"]
    assert ("client", "rbd_cache_max_dirty", "8388608") not in after["config"]
    assert lab.run("test", "-e", KEYRING, check=False).returncode == 1


def test_a_bad_item_in_the_last_kind_refuses_the_whole_call(lab, module, cleanup):
    before = snapshot(lab)
    bad = state()
    bad["rgw_users"][0]["user_quota"] = dict(enabled=True, max_size=-5)
    for check_mode in (True, False):
        result = module(MODULE, check_mode=check_mode, **bad)
        assert result["failed"] and result["_rc"] == 1
        assert result["msg"] == "user 'kt-set-user': user_quota max_size -5: a quota is 0 or more, or -1 for no limit"
        assert result["commands"] == []
    assert snapshot(lab) == before


def test_kinds_limits_the_call(lab, module, cleanup):
    options = state()
    refused = module(MODULE, kinds=["pools", "crush_rules"], **options)
    # the profile is declared, but its kind is not selected: the EC rule refers to nothing
    assert refused["failed"] and "erasure-code profile 'kt-set-ec' does not exist" in refused["msg"]
    assert refused["commands"] == [] and "kt-set-hdd" not in lab.ceph("osd", "crush", "rule", "ls")
    options["crush_rules"], options["pools"] = options["crush_rules"][:1], options["pools"][:1]
    before = snapshot(lab)
    result = module(MODULE, kinds=["pools", "crush_rules"], **options)
    assert result["_rc"] == 0 and result["changed"] is True, result
    assert [p["name"] for p in result["pools"]] == ["kt-set-rbd"] and result["rgw_users"] == []
    assert result["summary"]["rgw_users"] == {"applied": False, "changed": False, "commands": []}
    after = snapshot(lab)
    assert "kt-set-rbd" in after["pools"] and "kt-set-hdd" in after["rules"]
    for kind in ("profiles", "groups", "entities", "config", "mgr", "users"):
        assert after[kind] == before[kind], kind


def test_nothing_declared_needs_no_cluster(module):
    result = module(MODULE, conf="/nonexistent/ceph.conf", pools=[])
    assert result["_rc"] == 0 and result["changed"] is False and result["commands"] == []
    assert set(result["summary"]) == {"config", "mgr_modules", "ec_profiles", "crush_rules", "pools", "filesystems",
                                      "subvolume_groups", "subvolumes", "rbd_images", "clients", "rgw_users"}
