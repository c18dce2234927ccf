"""ceph_pool / ceph_ec_profile refuse what Ceph guards (issue 9), before any write, the same in check mode;
each consent option lets the write through. The lab: one host, failure domain osd, 3 OSDs."""
import time

import pytest

from conftest import assert_same_state, house_cycle

PREFIX = "kg-"


@pytest.fixture
def clean(lab):
    yield
    for pool in lab.ceph("osd", "pool", "ls"):
        if pool.startswith(PREFIX):
            lab.ceph("osd", "pool", "rm", pool, pool, "--yes-i-really-really-mean-it")
    lab.run("ceph", "-c", lab.conf, "config", "rm", "global", "mon_allow_pool_size_one")


def warnings(result):
    """The module's warnings as text (ansible-core 2.19 modules return them as WarningSummary dicts)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def refused(lab, module, module_name, message, **options):
    """The input is refused with ``message`` in check mode and for real, and the cluster is unchanged."""
    before = lab.state()
    for check_mode in (True, False):
        result = module(module_name, check_mode=check_mode, **options)
        assert result.get("failed") is True, result
        assert message in result["msg"], result["msg"]
        assert result["commands"] == []
    assert_same_state(before, lab.state())
    return result


FIFTY = [dict(name="%sb%02d" % (PREFIX, i), pg_autoscale_mode="off", pg_num=8) for i in range(50)]


@pytest.mark.parametrize("options, message", [
    (dict(name=PREFIX + "one", size=1, pg_autoscale_mode="off"), "set allow_size_one: true to mean it"),
    (dict(name=PREFIX + "one", size=1, allow_size_one=True, pg_autoscale_mode="off"),
     "mon_allow_pool_size_one is false"),
    (dict(name=PREFIX + "four", size=4, pg_autoscale_mode="off"),
     "size 4 needs 4 distinct osds (the failure domain of CRUSH rule 'replicated_rule') under root 'default', "
     "the cluster has 3"),
    (dict(name=PREFIX + "eleven", size=11, pg_autoscale_mode="off", allow_undersized=True), "size 11 is above 10"),
    (dict(name=PREFIX + "nan", target_size_ratio=float("nan")), "target_size_ratio must be a finite number, got nan"),
    (dict(name=PREFIX + "inf", target_size_ratio=float("inf")), "target_size_ratio must be a finite number, got inf"),
    (dict(name=PREFIX + "min", min_size=4, pg_autoscale_mode="off"),
     "min_size 4 is larger than size 3, the size a new pool gets (osd_pool_default_size)"),
    (dict(name=PREFIX + "quota", max_objects=2 ** 63), "max_objects 9223372036854775808 is above"),
    (dict(name=PREFIX + "quota", max_bytes="8Ei"), "max_bytes 9223372036854775808 is above"),
    (dict(pools=FIFTY), "pg_num 8 size 3 would bring the pools on CRUSH rule 'replicated_rule' to"),
    (dict(pools=[dict(name=PREFIX + "ok", pg_autoscale_mode="off"),
                 dict(name=PREFIX + "late", size=4, pg_autoscale_mode="off")]), "pool 'kg-late': size 4 needs"),
])
def test_guarded_input_is_refused_with_nothing_written(lab, module, clean, options, message):
    refused(lab, module, "ceph_pool", message, **options)


def test_the_pg_budget_names_the_numbers(lab, module, clean):
    result = refused(lab, module, "ceph_pool", "above mon_max_pg_per_osd 250", pools=FIFTY)
    assert "PG replicas on 3 OSDs" in result["msg"] and "nothing was written" in result["msg"]


def test_a_resource_set_with_a_bad_pool_late_writes_nothing(lab, module, clean):
    refused(lab, module, "ceph_resource_set", "pool 'kg-late': size 1 keeps a single copy",
            ec_profiles=[dict(name=PREFIX + "ec", k=2, m=1, crush_failure_domain="osd")],
            pools=[dict(name=PREFIX + "ok", pg_autoscale_mode="off"),
                   dict(name=PREFIX + "late", size=1, pg_autoscale_mode="off")])


def test_size_one_with_consent_passes_cephs_flag(lab, module, clean):
    lab.ceph("config", "set", "global", "mon_allow_pool_size_one", "true")
    deadline = time.time() + 30  # the module reads the mon's running config, which the mgr reports
    while lab.ceph("config", "show", "mon.a", "mon_allow_pool_size_one") != "true" and time.time() < deadline:
        time.sleep(0.5)
    check, apply = house_cycle(module, "ceph_pool", name=PREFIX + "one", size=1, allow_size_one=True,
                               pg_autoscale_mode="off")
    assert apply["commands"] == ["ceph osd pool create %sone 8 --pool-type=replicated --size=1 --yes-i-really-mean-it "
                                 "--autoscale-mode=off" % PREFIX]
    pool = next(p for p in lab.ceph("osd", "pool", "ls", "detail") if p["pool_name"] == PREFIX + "one")
    assert pool["size"] == 1
    # an existing pool resized to 1 and back
    module("ceph_pool", name=PREFIX + "two", pg_autoscale_mode="off")
    refused(lab, module, "ceph_pool", "allow_size_one", name=PREFIX + "two", size=1)
    check, apply = house_cycle(module, "ceph_pool", name=PREFIX + "two", size=1, allow_size_one=True)
    assert apply["commands"] == ["ceph osd pool set %stwo size 1 --yes-i-really-mean-it" % PREFIX]
    house_cycle(module, "ceph_pool", name=PREFIX + "two", size=3)


def test_undersized_with_consent_and_size_three_without(lab, module, clean):
    house_cycle(module, "ceph_pool", name=PREFIX + "three", size=3, pg_autoscale_mode="off")
    refused(lab, module, "ceph_pool", "allow_undersized: true", name=PREFIX + "three", size=4)
    check, apply = house_cycle(module, "ceph_pool", name=PREFIX + "three", size=4, allow_undersized=True)
    assert apply["commands"] == ["ceph osd pool set %sthree size 4" % PREFIX]
    assert next(p for p in lab.ceph("osd", "pool", "ls", "detail") if p["pool_name"] == PREFIX + "three")["size"] == 4


def test_an_erasure_pool_wider_than_the_cluster_needs_consent(lab, module, clean):
    # the default profile is k=2 m=2 over hosts: 4 hosts, the lab has 1
    refused(lab, module, "ceph_pool", "allow_undersized: true", name=PREFIX + "ec", erasure_profile="default")


def test_a_stored_nan_is_read_as_none_with_a_warning_and_can_be_fixed(lab, module, clean):
    name = PREFIX + "nan"
    module("ceph_pool", name=name, pg_autoscale_mode="off")
    lab.ceph("osd", "pool", "set", name, "target_size_ratio", "nan")
    info = module("ceph_pool_info")
    assert info["_rc"] == 0, info
    pool = next(p for p in info["pools"] if p["name"] == name)
    assert pool["target_size_ratio"] is None
    assert any(name in w and "target_size_ratio" in w for w in warnings(info)), info.get("warnings")
    # a call about another pool works, and does not warn about this one
    other = module("ceph_pool_info", names=[".mgr"])
    assert other["_rc"] == 0 and not warnings(other)
    check, apply = house_cycle(module, "ceph_pool", name=name, target_size_ratio=0.1)
    assert apply["commands"] == ["ceph osd pool set %s target_size_ratio 0.1" % name]
    assert apply["diff"]["before"][name]["target_size_ratio"] is None
    pool = next(p for p in lab.ceph("osd", "pool", "ls", "detail") if p["pool_name"] == name)
    assert pool["options"]["target_size_ratio"] == 0.1


def test_deleting_the_default_ec_profile_needs_consent(lab, module, clean):
    refused(lab, module, "ceph_ec_profile", "set allow_delete_default: true", name="default", state="absent")
    saved = lab.ceph("osd", "erasure-code-profile", "get", "default")
    try:
        check, apply = house_cycle(module, "ceph_ec_profile", name="default", state="absent",
                                   allow_delete_default=True)
        assert apply["commands"] == ["ceph osd erasure-code-profile rm default"]
        assert "default" not in lab.ceph("osd", "erasure-code-profile", "ls")
    finally:
        if "default" not in lab.ceph("osd", "erasure-code-profile", "ls"):
            lab.ceph("osd", "erasure-code-profile", "set", "default",
                     *["%s=%s" % (k, v) for k, v in sorted(saved.items())])
    restored = lab.ceph("osd", "erasure-code-profile", "get", "default")
    assert dict((k, restored[k]) for k in saved) == saved  # Ceph adds its CRUSH keys to a profile set again


def test_a_profile_in_use_is_refused_even_with_consent(lab, module, clean):
    lab.ceph("osd", "erasure-code-profile", "set", PREFIX + "used", "k=2", "m=1", "crush-failure-domain=osd")
    lab.ceph("osd", "pool", "create", PREFIX + "ecpool", "8", "8", "erasure", PREFIX + "used")
    try:
        refused(lab, module, "ceph_ec_profile", "is used by pool(s) kg-ecpool and cannot be deleted",
                name=PREFIX + "used", state="absent", allow_delete_default=True)
    finally:
        lab.ceph("osd", "pool", "rm", PREFIX + "ecpool", PREFIX + "ecpool", "--yes-i-really-really-mean-it")
        lab.ceph("osd", "erasure-code-profile", "rm", PREFIX + "used")
        lab.ceph("osd", "crush", "rule", "rm", PREFIX + "ecpool")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_ratio_is_refused_before_any_connection(lab, module, value):
    """No cluster is needed to refuse it: the message is the input's, not the unreachable cluster's."""
    for module_name, options in (("ceph_pool", dict(name=PREFIX + "x", target_size_ratio=value)),
                                 ("ceph_resource_set", dict(pools=[dict(name=PREFIX + "x", target_size_ratio=value)]))):
        result = module(module_name, conf="/nonexistent/ceph.conf", **options)
        assert result.get("failed") is True and result["changed"] is False, result
        assert "target_size_ratio must be a finite number" in result["msg"], result["msg"]
