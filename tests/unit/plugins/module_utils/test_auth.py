"""auth: entity/caps/key validation, keyrings and plans; the agent's files op; runner display lines."""
import json
import os
import stat

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import agent, runner

LAB = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "lab")


def load(name):
    with open(os.path.join(LAB, name)) as handle:
        return json.load(handle)


# --- the agent's files op (keyrings are written on the far side) ------------------------

def test_files_put_is_atomic_private_and_idempotent(tmp_path):
    path = str(tmp_path / "ceph.client.app.keyring")
    spec = {"path": path, "content": "[client.app]\n\tkey = X\n", "mode": 0o600}
    assert agent.file_op("status", spec) == {"path": path, "exists": False, "changed": True}
    assert not os.path.exists(path)
    assert agent.file_op("put", spec)["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        assert handle.read() == spec["content"]
    assert agent.file_op("status", spec)["changed"] is False
    assert agent.file_op("put", spec) == {"path": path, "exists": True, "changed": False}
    assert os.listdir(str(tmp_path)) == ["ceph.client.app.keyring"]  # no temporary file left


def test_files_put_fixes_mode_and_content(tmp_path):
    path = str(tmp_path / "k")
    with open(path, "w") as handle:
        handle.write("old")
    os.chmod(path, 0o644)
    spec = {"path": path, "content": "old", "mode": 0o600}
    assert agent.file_op("status", spec)["changed"] is True  # mode differs
    agent.file_op("put", spec)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    spec["content"] = "new"
    assert agent.file_op("put", spec)["changed"] is True
    with open(path) as handle:
        assert handle.read() == "new"


def test_files_remove(tmp_path):
    path = str(tmp_path / "k")
    spec = {"path": path, "content": None}
    assert agent.file_op("status", spec)["changed"] is False
    open(path, "w").close()
    assert agent.file_op("status", spec) == {"path": path, "exists": True, "changed": True}
    assert os.path.exists(path)
    assert agent.file_op("remove", spec)["changed"] is True
    assert not os.path.exists(path)


def test_files_op_reports_errors_as_rc(tmp_path):
    result = agent.Agent({}).handle({"id": 7, "op": "files", "action": "put",
                                      "files": [{"path": str(tmp_path / "no" / "dir" / "k"), "content": "x"}]})
    assert result["id"] == 7 and result["rc"] == 2 and "No such file or directory" in result["err"]
    result = agent.Agent({}).handle({"id": 8, "op": "files", "action": "put",
                                      "files": [{"path": str(tmp_path / "k"), "content": "x", "owner": "no-such-user"}]})
    assert result["rc"] != 0 and "no-such-user" in result["err"]


# --- the runner records a display line instead of a secret -------------------------------

class FakeRunner(runner.CephRunner):
    """A runner whose agent answers from a list, recording the requests."""

    def __init__(self, replies, check_mode=False):
        super(FakeRunner, self).__init__({}, check_mode=check_mode)
        self.replies = list(replies)
        self.requests = []

    def _request(self, req, timeout=None):
        self.requests.append(req)
        return self.replies.pop(0)


def test_write_display_replaces_the_recorded_line_and_the_error():
    fake = FakeRunner([{"rc": 0, "out": "", "err": ""}, {"rc": 22, "out": "", "err": "bad key"}])
    fake.write("auth import", inbuf="[client.a]\n\tkey = SECRET\n", display="ceph auth import -i <keyring of client.a>")
    assert fake.commands == ["ceph auth import -i <keyring of client.a>"]
    assert fake.requests[0]["inbuf"].endswith("SECRET\n")
    with pytest.raises(runner.CephCommandError) as err:
        fake.tool(["radosgw-admin", "key", "create", "--secret-key", "SECRET"], write=True,
                  display="radosgw-admin key create --secret-key ********")
    assert "SECRET" not in err.value.msg and "SECRET" not in err.value.cmd
    assert "SECRET" not in " ".join(fake.commands)


def test_put_file_records_and_skips_in_check_mode():
    fake = FakeRunner([], check_mode=True)
    assert fake.put_file("/etc/ceph/k", "SECRET") is None
    assert fake.put_file("/etc/ceph/k", None) is None
    assert fake.commands == ["install -m 0600 /etc/ceph/k", "rm -f /etc/ceph/k"] and fake.requests == []
