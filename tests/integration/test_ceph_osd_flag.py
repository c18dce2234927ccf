"""ceph_osd_flag: check -> apply -> apply again -> check again -> verified with the CLI."""
import pytest

from conftest import house_cycle


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, "ceph_osd_flag", **options)


def flags_set(lab):
    return set(lab.ceph("osd", "dump")["flags_set"])


def all_flags(lab):
    """Every flag the OSD map holds: cluster-wide, per OSD, per CRUSH node, per device class."""
    dump = lab.ceph("osd", "dump")
    return (sorted(dump["flags_set"]), sorted((o["osd"], sorted(o["state"])) for o in dump["osds"]),
            dump["crush_node_flags"], dump["device_class_flags"])


def test_cluster_flags(lab, module):
    check, apply = cycle(module, flags=["noout", "norebalance", "pause"])
    assert apply["commands"] == ["ceph osd set noout", "ceph osd set norebalance", "ceph osd set pause"]
    assert apply["diff"] == {"before": {"cluster": []}, "after": {"cluster": ["noout", "norebalance", "pause"]}}
    assert {"noout", "norebalance", "pauserd", "pausewr"} <= flags_set(lab)
    check, apply = cycle(module, flags=["noout", "norebalance", "pause"], state="absent")
    assert not {"noout", "norebalance", "pauserd", "pausewr"} & flags_set(lab)


def test_check_mode_writes_nothing(lab, module):
    result = module("ceph_osd_flag", check_mode=True, flags=["nodeep-scrub"])
    assert result["changed"] is True and result["commands"] == ["ceph osd set nodeep-scrub"]
    assert "nodeep-scrub" not in flags_set(lab)


def test_group_flags_per_osd_host_and_class(lab, module):
    host = [n["name"] for n in lab.ceph("osd", "tree")["nodes"] if n["type"] == "host"][0]
    options = dict(flags=["noout", "noin"], osds=[0, 2], crush_nodes=[host], device_classes=["hdd"])
    check, apply = cycle(module, **options)
    assert apply["commands"] == ["ceph osd set-group noin,noout osd.0 osd.2 %s hdd" % host]
    dump = lab.ceph("osd", "dump")
    states = {o["osd"]: set(o["state"]) for o in dump["osds"]}
    assert {"noout", "noin"} <= states[0] and {"noout", "noin"} <= states[2]
    assert not {"noout", "noin"} & states[1]
    assert set(dump["crush_node_flags"][host]) == {"noout", "noin"}
    assert set(dump["device_class_flags"]["hdd"]) == {"noout", "noin"}
    assert apply["flags"]["osd.0"] == ["noin", "noout"] and apply["flags"]["class:hdd"] == ["noin", "noout"]
    cycle(module, state="absent", **options)
    dump = lab.ceph("osd", "dump")
    assert all(not {"noout", "noin"} & set(o["state"]) for o in dump["osds"])
    assert not dump["crush_node_flags"].get(host) and not dump["device_class_flags"].get("hdd")


def test_partial_change_touches_only_what_differs(lab, module):
    lab.ceph("osd", "set-group", "noout", "osd.1")
    try:
        result = module("ceph_osd_flag", flags=["noout"], osds=[0, 1])
        assert result["commands"] == ["ceph osd set-group noout osd.0"]
    finally:
        lab.ceph("osd", "unset-group", "noout", "osd.0", "osd.1")


@pytest.mark.parametrize("options, message", [
    (dict(flags=["noscrub"], osds=[0]), "cannot be set per osds"),
    (dict(flags=["nosuchflag"]), "unknown OSD flag(s) nosuchflag"),
    (dict(flags=["noout", "noout"]), "lists noout more than once"),
    (dict(flags=["noout"], osds=[42]), "not in this cluster: osd.42"),
    (dict(flags=["noout"], crush_nodes=["no-such-host"]), "not in this cluster: no-such-host"),
    (dict(flags=["noout"], device_classes=["nvme"]), "not in this cluster: device class nvme"),
    (dict(flags=["noout"], osds=[-1]), "-1 is not an OSD id"),
    (dict(flags=[]), "at least one flag"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, options, message):
    before = all_flags(lab)
    result = module("ceph_osd_flag", **options)
    assert result["failed"] is True and result["commands"] == []
    assert message in result["msg"]
    assert all_flags(lab) == before
