"""The runner and its agent against the real lab cluster, on both paths."""
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import (
    CephAgentError, CephCommandError, CephConnectionError, CephInputError, CephTimeoutError)
from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner


@pytest.fixture(params=["auto", "cli"])
def runner(lab, request):
    params = dict(lab.connection, agent_mode=request.param)
    with CephRunner(params) as r:
        yield r


def _connect(params):
    """Start the agent and send it one read: in agent_mode cli the CLI connects at the first command."""
    with CephRunner(params) as r:
        r.mon("status")


MODES = pytest.mark.parametrize("mode", ["auto", "cli"])


def test_agent_mode_matches_far_side(lab, runner):
    expected = "librados" if runner.params["agent_mode"] == "auto" else "cli"
    assert runner.mode == expected


def test_reads_agree_with_the_cli(lab, runner):
    status = runner.mon("status")
    assert status["fsid"] == lab.fsid
    assert sorted(runner.mon("osd pool ls")) == sorted(lab.ceph("osd", "pool", "ls"))
    # mgr commands go through the mon on both paths
    assert [v["name"] for v in runner.mon("fs volume ls")] == ["cephfs"]


def test_tools_run_next_to_the_agent(lab, runner):
    pools = runner.tool(["rados", "lspools"], parse=False).split()
    assert "cephfs.cephfs.data" in pools
    assert isinstance(runner.tool(["radosgw-admin", "user", "list"]), list)


def test_failed_command_is_typed_with_cmd_rc_stderr(runner):
    with pytest.raises(CephCommandError) as err:
        runner.mon("osd pool get", pool="no-such-pool", var="size")
    assert err.value.rc == 2
    assert "no-such-pool" in err.value.stderr
    assert err.value.cmd == "ceph osd pool get no-such-pool size"


def test_writes_are_recorded_and_skipped_in_check_mode(lab):
    with CephRunner(lab.connection, check_mode=True) as r:
        assert r.write("osd set", key="noscrub") is None
        assert r.commands == ["ceph osd set noscrub"]
    assert "noscrub" not in lab.ceph("osd", "dump")["flags_set"]


def test_writes_apply_on_both_paths(lab):
    for mode in ("auto", "cli"):
        with CephRunner(dict(lab.connection, agent_mode=mode)) as r:
            r.write("osd set", key="nosnaptrim")
            assert "nosnaptrim" in lab.ceph("osd", "dump")["flags_set"]
            r.write("osd unset", key="nosnaptrim")
            assert "nosnaptrim" not in lab.ceph("osd", "dump")["flags_set"]
            assert r.commands == ["ceph osd set nosnaptrim", "ceph osd unset nosnaptrim"]


@MODES
def test_missing_conf_is_a_clear_error(lab, mode):
    with pytest.raises(CephConnectionError) as err:
        _connect(dict(lab.connection, conf="/nonexistent/ceph.conf", agent_mode=mode))
    assert "set 'conf' to an existing ceph.conf" in err.value.msg


@MODES
@pytest.mark.parametrize("keyring", ["/nonexistent.keyring", "/etc/hosts"])
def test_missing_keyring_is_a_clear_error(lab, mode, keyring):
    with pytest.raises(CephConnectionError) as err:
        _connect(dict(lab.connection, keyring=keyring, agent_mode=mode))
    assert "no usable key for client.admin" in err.value.msg and "set 'keyring'" in err.value.msg


@MODES
def test_wrong_key_is_refused_credentials(lab, mode):
    bad = os.path.join(os.path.dirname(lab.keyring), "wrong-%s.keyring" % mode)
    lab.run("ceph-authtool", "--create-keyring", bad, "--gen-key", "-n", "client.admin")
    try:
        with pytest.raises(CephConnectionError) as err:
            _connect(dict(lab.connection, keyring=bad, timeout=5, agent_mode=mode))
        assert "refused the credentials of client.admin" in err.value.msg
    finally:
        os.unlink(bad)


@MODES
def test_unreachable_cluster_times_out_not_hangs(lab, mode):
    tmp = os.path.join(os.path.dirname(lab.conf), "unreachable-%s.conf" % mode)
    with open(lab.conf) as src, open(tmp, "w") as dst:
        # a port nothing listens on
        dst.write(src.read().replace("mon_host = ", "mon_host = [v2:127.0.0.1:9,v1:127.0.0.1:8] #"))
    try:
        with pytest.raises(CephTimeoutError) as err:
            _connect(dict(lab.connection, conf=tmp, timeout=3, agent_mode=mode))
        assert "cannot reach the Ceph cluster within 3s" in err.value.msg
        assert "EPERM" not in err.value.msg
    finally:
        os.unlink(tmp)


def test_agent_that_cannot_start_names_the_cause(lab):
    with pytest.raises(CephAgentError) as err:
        CephRunner(dict(lab.connection, python="python2.7")).start()
    assert "could not start" in err.value.msg and "python" in err.value.msg


def test_missing_transport_binary(lab):
    with pytest.raises(CephAgentError) as err:
        CephRunner({"transport": "prefix", "prefix": ["no-such-wrapper"]}).start()
    assert "no-such-wrapper" in err.value.msg


def test_unknown_transport_and_empty_prefix():
    with pytest.raises(CephInputError) as err:
        CephRunner({"transport": "ssh"})
    assert "unknown transport 'ssh'" in err.value.msg
    with pytest.raises(CephInputError) as err:
        CephRunner({"transport": "prefix", "prefix": []})
    assert "needs the 'prefix' option" in err.value.msg


def test_kubectl_exec_missing_kubeconfig():
    with pytest.raises(CephInputError) as err:
        CephRunner({"transport": "kubectl_exec", "kubeconfig": "/nonexistent/kubeconfig"})
    assert "kubeconfig /nonexistent/kubeconfig does not exist" in err.value.msg


def test_non_json_output_is_a_clear_error(lab):
    from ansible_collections.koor.ceph.plugins.module_utils.errors import CephOutputError
    with CephRunner(lab.connection) as r:
        with pytest.raises(CephOutputError) as err:
            r.tool(["rados", "lspools"])  # plain text where JSON is expected
        assert "did not answer JSON" in err.value.msg


def test_list_objects_sees_data_at_once(lab, runner):
    assert len(runner.list_objects("cephfs.cephfs.meta", limit=2)) == 2
    assert runner.list_objects("default.rgw.meta") == []
    with pytest.raises(CephCommandError):
        runner.list_objects("no-such-pool")


@pytest.mark.parametrize("timeout", [0, -5])
def test_timeout_below_one_second_is_refused_not_replaced(lab, timeout):
    with pytest.raises(CephInputError) as err:
        CephRunner(dict(lab.connection, timeout=timeout))
    assert "timeout must be at least 1 second, got %d" % timeout in err.value.msg
