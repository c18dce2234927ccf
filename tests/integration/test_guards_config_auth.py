"""Issue 9 on the lab: ceph_config and ceph_auth refuse, before any write, what would cut the cluster
off or what Ceph's mon refuses; the cluster's state (Lab.state) is compared before and after."""
import json
import os

import pytest

from conftest import assert_same_state


@pytest.mark.parametrize("check_mode", [True, False])
def test_ms_type_no_client_can_use_is_refused_before_the_write(lab, module, check_mode):
    before = lab.state()
    result = module("ceph_config", check_mode=check_mode, who="global", option="ms_type", value="async+bogus")
    assert result["_rc"] != 0 and result.get("changed") is False, result
    assert "ms_type of global: value 'async+bogus' is not a messenger Ceph has" in result["msg"]
    assert result["commands"] == []
    assert_same_state(before, lab.state())


@pytest.mark.parametrize("option, value", [("ms_cluster_mode", "secure"), ("auth_client_required", "none"),
                                           ("public_network", "10.99.0.0/24")])
def test_options_that_cut_the_cluster_off_need_consent(lab, module, option, value):
    before = lab.state()
    result = module("ceph_config", who="client.koor-guard", option=option, value=value)
    assert result["_rc"] != 0 and "allow_disruptive: true" in result["msg"], result
    assert "%s of client.koor-guard: value %r refused" % (option, value) in result["msg"]
    assert_same_state(before, lab.state())


def test_with_consent_a_disruptive_option_is_written(lab, module):
    try:
        result = module("ceph_config", who="client.koor-guard", option="ms_type", value="async+posix",
                        allow_disruptive=True)
        assert result["_rc"] == 0 and result["changed"] is True, result
        held = [c for c in lab.ceph("config", "dump") if c["section"] == "client.koor-guard"]
        assert [(c["name"], c["value"]) for c in held] == [("ms_type", "async+posix")]
    finally:
        lab.run("ceph", "-c", lab.conf, "config", "rm", "client.koor-guard", "ms_type")


CORPUS = json.load(open(os.path.join(os.path.dirname(__file__), "..", "unit", "fixtures", "lab",
                                     "auth_caps_corpus.json")))


def test_the_caps_corpus_still_matches_what_the_mon_accepts(lab):
    """The unit tests' corpus (what 'ceph auth get-or-create' accepts) tried again on this lab."""
    differ = []
    for entry in CORPUS:
        proc = lab.run("ceph", "-c", lab.conf, "auth", "get-or-create", "client.koor-capcheck", entry["type"],
                       entry["caps"], check=False)
        lab.run("ceph", "-c", lab.conf, "auth", "rm", "client.koor-capcheck", check=False)
        if (proc.returncode == 0) != entry["ceph_accepts"]:
            differ.append((entry["type"], entry["caps"], proc.returncode, proc.stderr.strip()))
    assert differ == []


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("options, message", [
    (dict(name="client.koor-guard", caps={"mon": "allow rwz"}), "caps mon 'allow rwz': the mon would refuse"),
    (dict(name="client.koor-guard", caps={"mon": "profile rbd pool=x"}), "a mon profile takes no arguments"),
    (dict(name="client.koor-guard", caps={"osd": "allow rw pool=*"}), "pool=* is not a name"),
    (dict(name="client.koor-guard", caps={"mds": "allow rwx"}), "'rwx' is not a permission of a mds cap"),
    (dict(name="client.koor-guard", caps={"rgw": "allow r"}), "unknown caps type 'rgw'"),
    (dict(name="client.koor-guard", caps={"mon": "allow r"}, keyring_path="/nonexistent-koor/k.keyring"),
     "the directory /nonexistent-koor does not exist"),
])
def test_bad_auth_input_is_refused_and_nothing_changes(lab, module, check_mode, options, message):
    before = lab.state()
    result = module("ceph_auth", check_mode=check_mode, **options)
    assert result["_rc"] != 0 and result["commands"] == [], result
    assert message in result["msg"], result["msg"]
    assert_same_state(before, lab.state())


def test_a_declared_set_with_a_good_pool_and_bad_caps_creates_nothing(lab, module):
    before = lab.state()
    result = module("ceph_resource_set", pools=[dict(name="koor-guard-pool", pg_num=8, pg_autoscale_mode="off")],
                    clients=[dict(name="client.koor-guard", caps={"osd": "allow rw pool=koor-guard-pool pool=x"})])
    assert result["_rc"] != 0 and result["commands"] == [] and result["changed"] is False, result
    assert "pool is given more than once" in result["msg"]
    assert "koor-guard-pool" not in lab.ceph("osd", "pool", "ls")
    assert_same_state(before, lab.state())
