"""status.build, osd_flags parsing and runner command building, on JSON recorded from the lab."""
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import agent, osd_flags, runner, status
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError

LAB = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "lab")


def load(name):
    with open(os.path.join(LAB, name)) as handle:
        return json.load(handle)


def test_build_healthy_status():
    result = status.build(load("status_healthy.json"), load("health_detail_healthy.json"), load("versions.json"),
                          load("df.json"))
    assert result["health"] == {"status": "HEALTH_OK", "checks": [], "muted": []}
    assert result["versions"]["overall"] == {"20.2.4": 7}
    assert result["versions"]["by_type"]["osd"] == {"20.2.4": 3}
    assert result["versions"]["releases"] == ["tentacle"] and result["versions"]["mixed"] is False
    assert result["osd"] == {"total": 3, "up": 3, "in": 3, "down": 0, "out": 0, "remapped_pgs": 0}
    assert result["mon"]["quorum"] == ["a"] and result["mon"]["out_of_quorum"] == 0
    assert result["pgs"]["all_active_clean"] is True and result["pgs"]["total"] == 49
    assert result["capacity"]["total_bytes"] == 32212254720
    assert 0 < result["capacity"]["used_ratio"] < 0.01
    assert [p["name"] for p in result["pools"]][:3] == [".mgr", "cephfs.cephfs.meta", "cephfs.cephfs.data"]


def test_build_flags_status_has_details():
    result = status.build(load("status_noout.json"), load("health_detail_noout.json"), load("versions.json"),
                          load("df.json"))
    names = [c["name"] for c in result["health"]["checks"]]
    assert names == ["OSDMAP_FLAGS", "OSD_FLAGS"]
    osd_flags_check = result["health"]["checks"][1]
    assert osd_flags_check["detail"] == ["osd.1 has flags noin", "device class 'hdd' has flags noout"]


def test_mixed_versions_during_an_upgrade():
    raw = {"mon": {"ceph version 20.2.4 (abc) tentacle (stable - RelWithDebInfo)": 1},
           "osd": {"ceph version 18.2.7 (def) reef (stable)": 2,
                   "ceph version 20.2.4 (abc) tentacle (stable - RelWithDebInfo)": 1},
           "overall": {"ceph version 18.2.7 (def) reef (stable)": 2,
                       "ceph version 20.2.4 (abc) tentacle (stable - RelWithDebInfo)": 2}}
    result = status.summarise_versions(raw)
    assert result["mixed"] is True and result["mixed_types"] == ["osd"]
    assert result["releases"] == ["reef", "tentacle"]
    assert result["by_type"]["osd"] == {"18.2.7": 2, "20.2.4": 1}


def test_parse_version_keeps_unknown_text():
    assert status.parse_version("weird")["version"] == "weird"
    assert status.parse_version("ceph version 20.2.4 (7f79) tentacle (stable - RelWithDebInfo)") == {
        "version": "20.2.4", "commit": "7f79", "release": "tentacle", "channel": "stable"}


def test_osd_flags_from_recorded_dumps():
    assert osd_flags.cluster_flags(load("osd_dump.json")) == set()
    dump = load("osd_dump_flags.json")
    assert osd_flags.cluster_flags(dump) == {"noout"}
    groups = osd_flags.group_flags(dump)
    assert groups["osd.1"] == {"noin"} and groups["osd.0"] == set()
    assert groups["class:hdd"] == {"noout"}


def test_pause_is_two_flags_in_the_map():
    assert osd_flags.cluster_flags({"flags_set": ["pauserd", "pausewr", "sortbitwise"]}) == {"pause"}
    assert osd_flags.cluster_flags({"flags_set": ["pauserd"]}) == set()
    assert osd_flags.cluster_flags({"flags": "noout,sortbitwise"}) == {"noout"}


@pytest.mark.parametrize("params, message", [
    ({"flags": ["noscrub"], "osds": [1]}, "cannot be set per osds"),
    ({"flags": ["bogus"]}, "unknown OSD flag(s) bogus"),
    ({"flags": []}, "at least one flag"),
    ({"flags": ["noout", "noout"]}, "more than once"),
])
def test_osd_flags_validate(params, message):
    with pytest.raises(CephInputError) as err:
        osd_flags.validate(params)
    assert message in err.value.msg


def test_describe_reads_like_the_cli():
    assert runner.describe({"prefix": "osd set", "key": "noout", "format": "json"}) == "ceph osd set noout"
    assert runner.describe({"prefix": "osd set-group", "flags": "noout", "who": ["osd.1", "rack a"]}) == \
        "ceph osd set-group noout osd.1 'rack a'"
    assert runner.describe({"prefix": "osd pool rm", "pool": "p", "pool2": "p",
                            "yes_i_really_really_mean_it": True}) == \
        "ceph osd pool rm p p --yes-i-really-really-mean-it"


def test_cli_argv_keeps_reserved_names_positional():
    hello = {"conf": "/c", "keyring": "/k", "name": "client.admin", "cluster": "ceph"}
    argv = agent.cli_argv({"prefix": "osd set", "key": "noout", "format": "json"}, hello, 10)
    assert argv[-3:] == ["osd", "set", "noout"]
    assert argv[:9] == ["ceph", "--conf", "/c", "--keyring", "/k", "--name", "client.admin", "--cluster", "ceph"]
    argv = agent.cli_argv({"prefix": "config set", "who": "mon", "name": "x", "value": "1"}, hello, 10)
    assert argv[-5:] == ["config", "set", "mon", "x", "1"]
    argv = agent.cli_argv({"prefix": "auth get-or-create", "entity": "client.a", "caps": ["mon", "allow r"],
                           "force": True, "skip": False}, hello, 10)
    assert argv[-6:] == ["auth", "get-or-create", "client.a", "mon", "allow r", "--force"]


def test_transports_wrap_the_agent_command():
    assert runner.make_transport({"transport": "local"}).wrap(["python3"]) == ["python3"]
    assert runner.make_transport({"transport": "prefix", "prefix": "cephadm shell --"}).wrap(["python3"]) == \
        ["cephadm", "shell", "--", "python3"]
    kube = runner.make_transport({"transport": "kubectl_exec", "kubectl": "kubectl", "kubeconfig": None,
                                  "context": "lab", "namespace": "rook-ceph", "toolbox": "deploy/rook-ceph-tools"})
    assert kube.wrap(["python3", "-c", "x"]) == ["kubectl", "--context", "lab", "--namespace", "rook-ceph", "exec",
                                                 "-i", "deploy/rook-ceph-tools", "--", "python3", "-c", "x"]


def test_agent_source_is_shipped_whole():
    source = runner._agent_source()
    compile(source, "agent", "exec")
    assert "def main()" in source and "from ansible" not in source
