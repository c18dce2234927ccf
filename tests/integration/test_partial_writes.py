"""A run that wrote and then failed says so: changed true, the commands it ran, the writes that took
effect, on the real lab. The failure comes from Ceph itself: a client whose caps allow creating
pools but not setting their options (an operator account scoped that way), so the first write of
a pool succeeds and the second is refused with EACCES, which no validation can foresee."""
import os

import pytest

from conftest import assert_same_state

CLIENT = "client.koor-partial"


@pytest.fixture(scope="module")
def restricted(lab):
    """Connection options of a client that may read and create pools, nothing else."""
    keyring = os.path.join(os.path.dirname(lab.keyring), "koor-partial.keyring")
    lab.run("ceph", "-c", lab.conf, "auth", "get-or-create", CLIENT, "mon", 'allow r, allow command "osd pool create"',
            "-o", keyring)
    yield dict(lab.connection, client=CLIENT, keyring=keyring)
    lab.run("ceph", "-c", lab.conf, "auth", "rm", CLIENT)
    os.unlink(keyring)


def _pools(lab):
    return sorted(p["pool_name"] for p in lab.ceph("osd", "pool", "ls", "detail"))


def _remove(lab, *names):
    for name in names:
        lab.run("ceph", "-c", lab.conf, "osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it", check=False)


@pytest.mark.parametrize("module_name, plural", [("ceph_pool", "pools"), ("ceph_resource_set", "pools")])
def test_a_write_refused_after_a_create_reports_changed_and_what_was_applied(lab, module, restricted, module_name,
                                                                             plural):
    names = ["partial-a", "partial-b"]
    _remove(lab, *names)
    before = _pools(lab)
    items = [{"name": n, "pg_autoscale_mode": "off", "pg_num": 8, "target_size_ratio": 0.05} for n in names]
    try:
        check = module(module_name, check_mode=True, **{plural: items}, **restricted)
        assert check["_rc"] == 0 and check["changed"] is True and _pools(lab) == before
        result = module(module_name, **{plural: items}, **restricted)
        assert result["_rc"] != 0 and result.get("failed") is True
        assert result["changed"] is True, result
        create = "ceph osd pool create partial-a"
        assert [line for line in result["applied"] if line.startswith(create)], result["applied"]
        assert len(result["applied"]) == 1
        assert result["commands"][0].startswith(create)
        assert "EACCES" in result["msg"] and "target_size_ratio" in result["msg"]
        assert "after 1 write that took effect" in result["msg"]
        # the cluster holds what the message says: the first pool, not the second
        assert _pools(lab) == sorted(before + ["partial-a"])
    finally:
        _remove(lab, *names)


def test_a_refusal_before_any_write_reports_unchanged(lab, module, restricted):
    before = lab.state()
    result = module("ceph_pool", name="partial-c", size=0, **restricted)
    assert result["_rc"] != 0 and result["changed"] is False and "applied" not in result
    assert_same_state(before, lab.state())


def test_state_witness_sees_every_kind(lab):
    """Lab.state(), the witness of the bad-input tests, reads every kind it names from the lab."""
    state = lab.state()
    assert "default" in state["ec_profiles"] and state["crush_rules"]
    assert "client.admin" in state["auth"] and state["auth"]["client.admin"]["key"]
    assert state["pools"] and state["filesystems"] and state["config"]
    assert isinstance(state["rgw_users"], dict)
    assert_same_state(state, lab.state())
