"""Issue 9 on the lab: ceph_config and ceph_auth refuse, before any write, what would cut the cluster
off or what Ceph's mon refuses; the cluster's state (Lab.state) is compared before and after."""
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
