"""ceph_mgr_module: check -> apply -> apply again -> check again -> verified with the CLI.

Ceph respawns the active mgr whenever the set of enabled modules changes: the tests wait for
it to be back (and its commands to answer) before they end, so later tests find a working mgr.
"""
import time

import pytest

from conftest import house_cycle

MODULE = "ceph_mgr_module"


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, MODULE, **options)


def listing(lab):
    return lab.ceph("mgr", "module", "ls")


def enabled(lab):
    return set(listing(lab)["enabled_modules"])


def wait_for_mgr(lab, timeout=90):
    """Until the respawned mgr is active and answers its own commands."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stat = lab.ceph("mgr", "stat")
        if stat.get("available") and lab.run("ceph", "-c", lab.conf, "fs", "volume", "ls", check=False).returncode == 0:
            return
        time.sleep(1)
    raise AssertionError("the mgr did not come back within %ds: %s" % (timeout, lab.ceph("mgr", "stat")))


@pytest.fixture
def restore(lab):
    before = enabled(lab)
    yield
    now = enabled(lab)
    for name in sorted(now - before):
        lab.ceph("mgr", "module", "disable", name)
    for name in sorted(before - now):
        lab.ceph("mgr", "module", "enable", name)
    wait_for_mgr(lab)
    assert enabled(lab) == before


def test_enable_and_disable_a_set(lab, module, restore):
    assert {"stats", "insights"}.isdisjoint(enabled(lab)) and "iostat" in enabled(lab)
    options = dict(modules=[dict(name="stats"), dict(name="insights"), dict(name="balancer"),
                            dict(name="iostat", state="absent")])
    check, apply = cycle(module, **options)
    assert apply["commands"] == ["ceph mgr module enable stats", "ceph mgr module enable insights",
                                 "ceph mgr module disable iostat"]
    assert apply["diff"] == {
        "before": {"stats": {"state": "absent"}, "insights": {"state": "absent"},
                   "balancer": {"always_on": True, "state": "present"},
                   "iostat": {"always_on": False, "state": "present"}},
        "after": {"stats": {"always_on": False, "state": "present"}, "insights": {"always_on": False, "state": "present"},
                  "balancer": {"always_on": True, "state": "present"}, "iostat": {"state": "absent"}}}
    now = enabled(lab)
    assert {"stats", "insights"} <= now and "iostat" not in now
    wait_for_mgr(lab)

    check, apply = cycle(module, modules=[dict(name="stats", state="absent"), dict(name="insights", state="absent"),
                                          dict(name="iostat")])
    assert apply["commands"] == ["ceph mgr module disable stats", "ceph mgr module disable insights",
                                 "ceph mgr module enable iostat"]
    now = enabled(lab)
    assert {"stats", "insights"}.isdisjoint(now) and "iostat" in now


def test_one_module_and_the_mgr_restart_is_waited_for(lab, module, restore):
    gid = lab.ceph("mgr", "dump")["active_gid"]
    apply = module(MODULE, name="snap_schedule")
    assert apply["_rc"] == 0 and apply["commands"] == ["ceph mgr module enable snap_schedule"]
    assert apply["modules"] == [{"name": "snap_schedule", "state": "present", "always_on": False, "changed": True}]
    # Ceph restarted the mgr for the change; the module returned once the new one was active
    dump = lab.ceph("mgr", "dump")
    assert dump["active_gid"] != gid and dump["available"] is True
    assert "snap_schedule" in enabled(lab)
    again = module(MODULE, name="snap_schedule")
    assert again["_rc"] == 0 and again["changed"] is False and again["commands"] == []
    assert lab.ceph("mgr", "dump")["active_gid"] == dump["active_gid"]  # no change, no restart


def _cannot_run(lab):
    return sorted(m["name"] for m in listing(lab)["disabled_modules"] if not m["can_run"])


@pytest.mark.parametrize("options, message", [
    (dict(name="balancer", state="absent"), "mgr module 'balancer' is always on in this Ceph release and cannot be "
                                            "disabled"),
    (dict(name="no_such_module"), "mgr module 'no_such_module' is unknown to the active mgr (modules: alerts,"),
    (dict(name="no_such_module", state="absent"), "mgr module 'no_such_module' is unknown"),
    (dict(name="influx"), "mgr module 'influx' cannot run on the active mgr: influxdb python module not found"),
    (dict(modules=[dict(name="stats"), dict(name="volumes", state="absent")]), "'volumes' is always on"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, options, message):
    if "influx" in message:
        assert "influx" in _cannot_run(lab)  # the lab's mgr lacks the influxdb package
    before = listing(lab)
    result = module(MODULE, **options)
    assert result["failed"] is True and result["commands"] == []
    assert message in result["msg"]
    assert listing(lab) == before
