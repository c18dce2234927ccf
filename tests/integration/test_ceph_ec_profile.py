"""ceph_ec_profile: check -> apply -> apply again -> check again -> verified with the CLI."""
import pytest

from conftest import house_cycle

MODULE = "ceph_ec_profile"
PREFIX = "t-ecp-"


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, MODULE, **options)


def profiles(lab):
    """Every profile with its keys, and which pools use which profile: what these tests may change."""
    dump = lab.ceph("osd", "dump")
    return dump["erasure_code_profiles"], sorted((p["pool_name"], p["erasure_code_profile"]) for p in dump["pools"])


@pytest.fixture
def clean(lab):
    yield
    dump = lab.ceph("osd", "dump")
    for pool in dump["pools"]:
        if pool["pool_name"].startswith(PREFIX):
            lab.ceph("osd", "pool", "rm", pool["pool_name"], pool["pool_name"], "--yes-i-really-really-mean-it")
    for name in lab.ceph("osd", "erasure-code-profile", "ls"):
        if name.startswith(PREFIX):
            lab.ceph("osd", "erasure-code-profile", "rm", name)


def test_create_a_set_then_delete_it(lab, module, clean):
    options = dict(profiles=[
        dict(name=PREFIX + "a", k=2, m=1, crush_failure_domain="osd", stripe_unit="8K"),
        dict(name=PREFIX + "b", k=2, m=1, plugin="jerasure", technique="cauchy_good", crush_failure_domain="osd",
             crush_device_class="hdd"),
    ])
    check, apply = cycle(module, **options)
    assert apply["commands"] == [
        "ceph osd erasure-code-profile set t-ecp-a k=2 m=1 crush-failure-domain=osd stripe_unit=8192",
        "ceph osd erasure-code-profile set t-ecp-b k=2 m=1 plugin=jerasure technique=cauchy_good "
        "crush-failure-domain=osd crush-device-class=hdd",
    ]
    assert apply["diff"]["before"] == {PREFIX + "a": {"state": "absent"}, PREFIX + "b": {"state": "absent"}}
    assert apply["diff"]["after"][PREFIX + "a"] == {"k": 2, "m": 1, "crush_failure_domain": "osd",
                                                    "stripe_unit": 8192, "state": "present"}
    a = lab.ceph("osd", "erasure-code-profile", "get", PREFIX + "a")
    assert (a["k"], a["m"], a["crush-failure-domain"], a["stripe_unit"]) == ("2", "1", "osd", "8192")
    assert a["plugin"] == "isa"  # Ceph 20's default plugin, left to Ceph
    b = lab.ceph("osd", "erasure-code-profile", "get", PREFIX + "b")
    assert (b["plugin"], b["technique"], b["crush-device-class"]) == ("jerasure", "cauchy_good", "hdd")

    # the same sizes written another way are the same profile
    same = module(MODULE, name=PREFIX + "a", k=2, m=1, crush_failure_domain="osd", stripe_unit=8192)
    assert same["_rc"] == 0 and same["changed"] is False and same["commands"] == []
    same = module(MODULE, name=PREFIX + "a", stripe_unit="8Ki", crush_root="default", crush_device_class="")
    assert same["_rc"] == 0 and same["changed"] is False, same

    cycle(module, profiles=[dict(name=PREFIX + "a", state="absent"), dict(name=PREFIX + "b", state="absent")])
    assert not [n for n in lab.ceph("osd", "erasure-code-profile", "ls") if n.startswith(PREFIX)]


def test_overwrite_an_unused_profile_needs_force(lab, module, clean):
    lab.ceph("osd", "erasure-code-profile", "set", PREFIX + "c", "k=2", "m=1", "crush-failure-domain=osd",
             "plugin=jerasure", "technique=cauchy_good")
    before = profiles(lab)
    refused = module(MODULE, name=PREFIX + "c", k=2, m=1, plugin="isa", stripe_unit="16K")
    assert refused["failed"] is True and refused["commands"] == []
    assert "exists with other values" in refused["msg"] and "set force: true" in refused["msg"]
    assert profiles(lab) == before

    check, apply = cycle(module, name=PREFIX + "c", k=2, m=1, plugin="isa", stripe_unit="16K", force=True)
    # the jerasure technique does not carry over to isa: the module says which technique isa gets
    assert apply["commands"] == [
        "ceph osd erasure-code-profile set t-ecp-c k=2 m=1 plugin=isa technique=reed_sol_van crush-root=default "
        "crush-failure-domain=osd crush-device-class= stripe_unit=16384 crush-num-failure-domains=0 "
        "crush-osds-per-failure-domain=0 --force --yes-i-really-mean-it"]
    assert apply["diff"]["before"][PREFIX + "c"]["plugin"] == "jerasure"
    assert apply["diff"]["after"][PREFIX + "c"]["plugin"] == "isa"
    got = lab.ceph("osd", "erasure-code-profile", "get", PREFIX + "c")
    assert (got["plugin"], got["technique"], got["stripe_unit"], got["crush-failure-domain"]) == \
        ("isa", "reed_sol_van", "16384", "osd")
    assert "w" not in got and "jerasure-per-chunk-alignment" not in got


def test_a_profile_in_use_cannot_change_nor_go(lab, module, clean):
    lab.ceph("osd", "erasure-code-profile", "set", PREFIX + "used", "k=2", "m=1", "crush-failure-domain=osd")
    lab.ceph("osd", "pool", "create", PREFIX + "pool", "8", "8", "erasure", PREFIX + "used")
    before = profiles(lab)
    changed = module(MODULE, name=PREFIX + "used", k=2, m=1, crush_device_class="hdd", force=True)
    assert changed["failed"] is True and changed["commands"] == []
    assert "is used by pool(s) t-ecp-pool and cannot change (crush_device_class '' -> 'hdd')" in changed["msg"]
    deleted = module(MODULE, name=PREFIX + "used", state="absent")
    assert deleted["failed"] is True and "is used by pool(s) t-ecp-pool and cannot be deleted" in deleted["msg"]
    assert profiles(lab) == before
    # declared as it is: fine
    same = module(MODULE, name=PREFIX + "used", k=2, m=1, crush_failure_domain="osd")
    assert same["_rc"] == 0 and same["changed"] is False


@pytest.mark.parametrize("options, message", [
    (dict(name=PREFIX + "x", k=1, m=1, crush_failure_domain="osd"), "k must be at least 2, got 1"),
    (dict(name=PREFIX + "x", k=2, m=0, crush_failure_domain="osd"), "m must be at least 1, got 0"),
    (dict(name=PREFIX + "x", k=2, m=1), "k+m=3 chunks need 3 distinct hosts (failure domain) under root 'default', "
                                        "the cluster has 1"),
    (dict(name=PREFIX + "x", k=3, m=1, crush_failure_domain="osd"), "k+m=4 chunks need 4 distinct osds"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", crush_device_class="ssd"),
     "device class 'ssd' does not exist"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="rackk"), "failure domain 'rackk' is not a CRUSH type"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", crush_root="nowhere"),
     "CRUSH root 'nowhere' does not exist"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", plugin="isa", technique="cauchy_good"),
     "technique 'cauchy_good' is not one of reed_sol_van, cauchy (plugin isa)"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", plugin="jerasure", technique="reed_sol_r6_op"),
     "technique reed_sol_r6_op needs m=2"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", plugin="clay"), "clay plugin needs m of at least 2"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", stripe_unit="-4K"), "stripe_unit: '-4K' is negative"),
    (dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd", stripe_unit="4k bytes"), "stripe_unit:"),
    (dict(name=PREFIX + "x", m=1, crush_failure_domain="osd"), "a new profile needs k and m"),
    (dict(name="bad name", k=2, m=1, crush_failure_domain="osd"), "invalid name"),
    (dict(name="-dash", k=2, m=1, crush_failure_domain="osd"), "invalid name"),
    (dict(profiles=[dict(name=PREFIX + "ok", k=2, m=1, crush_failure_domain="osd"),
                    dict(name=PREFIX + "x", k=2, m=1)]), "'t-ecp-x': k+m=3 chunks need 3 distinct hosts"),
    (dict(profiles=[dict(name=PREFIX + "x", k=2, m=1, crush_failure_domain="osd"),
                    dict(name=PREFIX + "x", state="absent")]), "profiles listed more than once: t-ecp-x"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, clean, options, message):
    before = profiles(lab)
    result = module(MODULE, **options)
    assert result["failed"] is True and result["commands"] == []
    assert message in result["msg"]
    assert profiles(lab) == before
