"""ceph_crush_rule: check -> apply -> apply again -> check again -> verified with the CLI."""
import pytest

from conftest import house_cycle

MODULE = "ceph_crush_rule"
PREFIX = "t-rule-"


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, MODULE, **options)


def rules(lab):
    """Every rule with its steps, and each pool's rule: what these tests may change."""
    pools = sorted((p["pool_name"], p["crush_rule"]) for p in lab.ceph("osd", "dump")["pools"])
    return lab.ceph("osd", "crush", "rule", "dump"), pools


def steps(lab, name):
    """A rule's type and its take / choose steps, as the CLI dumps them."""
    rule = lab.ceph("osd", "crush", "rule", "dump", name)
    return rule["type"], [(s["op"], s.get("item_name") or s.get("type")) for s in rule["steps"]
                          if s["op"] not in ("emit", "set_chooseleaf_tries", "set_choose_tries")]


@pytest.fixture(scope="module")
def profile(lab):
    """An erasure-code profile for the erasure rules (one chunk per OSD, on HDDs)."""
    lab.ceph("osd", "erasure-code-profile", "set", PREFIX + "prof", "k=2", "m=1", "crush-failure-domain=osd",
             "crush-device-class=hdd")
    yield PREFIX + "prof"
    lab.ceph("osd", "erasure-code-profile", "rm", PREFIX + "prof")


@pytest.fixture
def clean(lab, profile):
    yield
    for pool in lab.ceph("osd", "dump")["pools"]:
        if pool["pool_name"].startswith(PREFIX):
            lab.ceph("osd", "pool", "rm", pool["pool_name"], pool["pool_name"], "--yes-i-really-really-mean-it")
    for name in lab.ceph("osd", "crush", "rule", "ls"):
        if name.startswith(PREFIX):
            lab.ceph("osd", "crush", "rule", "rm", name)


def test_replicated_and_erasure_rules_then_delete(lab, module, clean):
    options = dict(rules=[
        dict(name=PREFIX + "hdd", failure_domain="osd", device_class="hdd"),
        dict(name=PREFIX + "hosts"),
        dict(name=PREFIX + "ec", profile=PREFIX + "prof"),
    ])
    check, apply = cycle(module, **options)
    assert apply["commands"] == [
        "ceph osd crush rule create-replicated t-rule-hdd default osd hdd",
        "ceph osd crush rule create-replicated t-rule-hosts default host",
        "ceph osd crush rule create-erasure t-rule-ec t-rule-prof",
    ]
    assert apply["diff"]["after"][PREFIX + "ec"] == {"rule_type": "erasure", "root": "default",
                                                     "failure_domain": "osd", "device_class": "hdd",
                                                     "state": "present"}
    assert steps(lab, PREFIX + "hdd") == (1, [("take", "default~hdd"), ("choose_firstn", "osd")])
    assert steps(lab, PREFIX + "hosts") == (1, [("take", "default"), ("chooseleaf_firstn", "host")])
    assert steps(lab, PREFIX + "ec") == (3, [("take", "default~hdd"), ("choose_indep", "osd")])

    # declaring what exists, in part or in full, changes nothing
    same = module(MODULE, rules=[dict(name=PREFIX + "hdd", device_class="hdd"),
                                 dict(name=PREFIX + "hosts", root="default", failure_domain="host", device_class=""),
                                 dict(name=PREFIX + "ec", rule_type="erasure"),
                                 dict(name="replicated_rule")])
    assert same["_rc"] == 0 and same["changed"] is False and same["commands"] == [], same

    cycle(module, rules=[dict(name=PREFIX + n, state="absent") for n in ("hdd", "hosts", "ec")])
    assert not [n for n in lab.ceph("osd", "crush", "rule", "ls") if n.startswith(PREFIX)]


def test_a_changed_definition_needs_recreate(lab, module, clean):
    lab.ceph("osd", "crush", "rule", "create-replicated", PREFIX + "r", "default", "host")
    before = rules(lab)
    refused = module(MODULE, name=PREFIX + "r", failure_domain="osd", device_class="hdd")
    assert refused["failed"] is True and refused["commands"] == []
    assert ("exists with another definition (device_class None -> 'hdd', failure_domain 'host' -> 'osd')"
            in refused["msg"]) and "recreate: true" in refused["msg"]
    assert rules(lab) == before

    check, apply = cycle(module, name=PREFIX + "r", failure_domain="osd", device_class="hdd", recreate=True)
    assert apply["commands"] == ["ceph osd crush rule rm t-rule-r",
                                 "ceph osd crush rule create-replicated t-rule-r default osd hdd"]
    assert apply["diff"]["before"][PREFIX + "r"]["failure_domain"] == "host"
    assert apply["diff"]["after"][PREFIX + "r"]["failure_domain"] == "osd"
    assert steps(lab, PREFIX + "r") == (1, [("take", "default~hdd"), ("choose_firstn", "osd")])

    # replicated -> erasure is a new definition too
    check, apply = cycle(module, name=PREFIX + "r", profile=PREFIX + "prof", recreate=True)
    assert apply["commands"] == ["ceph osd crush rule rm t-rule-r",
                                 "ceph osd crush rule create-erasure t-rule-r t-rule-prof"]
    assert steps(lab, PREFIX + "r")[0] == 3


def test_a_rule_in_use_cannot_change_nor_go(lab, module, clean):
    lab.ceph("osd", "crush", "rule", "create-replicated", PREFIX + "used", "default", "osd")
    lab.ceph("osd", "pool", "create", PREFIX + "pool", "8", "8", "replicated", PREFIX + "used")
    before = rules(lab)
    changed = module(MODULE, name=PREFIX + "used", failure_domain="host", recreate=True)
    assert changed["failed"] is True and changed["commands"] == []
    assert "is used by pool(s) t-rule-pool and its definition cannot change (failure_domain 'osd' -> 'host')" \
        in changed["msg"]
    deleted = module(MODULE, name=PREFIX + "used", state="absent")
    assert deleted["failed"] is True and "is used by pool(s) t-rule-pool and cannot be deleted" in deleted["msg"]
    assert rules(lab) == before


@pytest.mark.parametrize("options, message", [
    (dict(name="bad name"), "invalid name"),
    (dict(name=PREFIX + "x", root="nowhere"), "CRUSH root 'nowhere' does not exist (buckets: default, vm)"),
    (dict(name=PREFIX + "x", failure_domain="rackk"), "failure domain 'rackk' is not a CRUSH type"),
    (dict(name=PREFIX + "x", device_class="ssd"), "device class 'ssd' does not exist (classes: hdd)"),
    (dict(name=PREFIX + "x", rule_type="erasure"), "an erasure rule needs profile"),
    (dict(name=PREFIX + "x", profile="no-such-profile"), "erasure-code profile 'no-such-profile' does not exist"),
    (dict(name=PREFIX + "x", profile=PREFIX + "prof", failure_domain="osd"),
     "an erasure rule takes its placement from its profile: leave failure_domain out"),
    (dict(name=PREFIX + "x", rule_type="replicated", profile=PREFIX + "prof"),
     "profile applies to erasure rules only"),
    (dict(name="replicated_rule", state="absent"), "'replicated_rule' is used by pool(s)"),
    (dict(rules=[dict(name=PREFIX + "ok"), dict(name=PREFIX + "x", root="nowhere")]),
     "CRUSH rule 't-rule-x': CRUSH root 'nowhere' does not exist"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, clean, options, message):
    before = rules(lab)
    result = module(MODULE, **options)
    assert result["failed"] is True and result["commands"] == []
    assert message in result["msg"]
    assert rules(lab) == before
