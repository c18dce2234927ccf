"""auth: entity/caps/key validation, keyrings and plans; the agent's files op; runner display lines."""
import json
import os
import stat

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import agent, auth, runner
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set, items_from_params
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import exec_, fake_runner, mon, reply

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
    request = {"id": 7, "op": "files", "action": "put",
               "files": [{"path": str(tmp_path / "no" / "dir" / "k"), "content": "x"}]}
    result = agent.Agent({}).handle(request)
    assert result["id"] == 7 and result["rc"] == 2 and "No such file or directory" in result["err"]
    request = {"id": 8, "op": "files", "action": "put",
               "files": [{"path": str(tmp_path / "k"), "content": "x", "owner": "no-such-user"}]}
    result = agent.Agent({}).handle(request)
    assert result["rc"] != 0 and "no-such-user" in result["err"]


# --- the runner records a masked line instead of a secret ---------------------------------

def test_secret_input_is_masked_in_the_recorded_line_and_the_error():
    fake = fake_runner(check_mode=False)
    keyring = "[client.a]\n\tkey = SECRET\n"
    meta = '{"data": {"keys": [{"secret_key": "SECRET"}]}}'
    fake.agent.answer(dict(mon("auth import"), inbuf=keyring), reply())
    fake.agent.answer(exec_(["radosgw-admin", "metadata", "put", "user:a"], inbuf=meta), reply(rc=22, err="bad key"))
    fake.write("auth import", inbuf=keyring, secret_input=True)
    assert fake.commands == ["printf %s <secret masked> | ceph auth import -i -"]
    assert fake.requests[0]["inbuf"].endswith("SECRET\n")
    with pytest.raises(runner.CephCommandError) as err:
        fake.tool(["radosgw-admin", "metadata", "put", "user:a"], write=True, inbuf=meta, secret_input=True)
    assert "SECRET" not in err.value.msg and "SECRET" not in err.value.cmd
    assert "SECRET" not in " ".join(fake.commands)


def test_put_file_records_and_skips_in_check_mode():
    fake = fake_runner(check_mode=True)
    assert fake.put_file("/etc/ceph/k", "SECRET") is None
    assert fake.put_file("/etc/ceph/k", None) is None
    assert fake.commands == ["printf %s <secret masked> | install -m 0600 /dev/stdin /etc/ceph/k",
                             "rm -f /etc/ceph/k"] and fake.requests == []


# --- validation --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["client.app", "client.rgw.lab", "client.csi-rbd-node", "osd.12", "mgr.x", "mon.",
                                  "mds.cephfs.a", "client.user@example.com"])
def test_valid_entities(name):
    auth.check_entity(name)


@pytest.mark.parametrize("name, message", [
    ("client", "use TYPE.ID"), ("rgw.a", "use TYPE.ID"), ("client.", "the id after"), ("client.a b", "the id after"),
    ("client.-x", "the id after"), ("osd.a", "osd.<number>"), ("client." + "a" * 256, "the id after"),
])
def test_invalid_entities(name, message):
    with pytest.raises(CephInputError, match=message):
        auth.check_entity(name)


def test_caps_grants_split_outside_quotes():
    assert auth.split_grants('allow r, allow command "osd blocklist, ls"; profile rbd') == [
        "allow r", 'allow command "osd blocklist, ls"', "profile rbd"]
    auth.check_caps("client.a", {"mon": 'allow r, allow command "osd blocklist"', "osd": "profile rbd pool=vms"})
    for caps, message in [({}, "at least one"), ({"rgw": "allow"}, "unknown caps type"), ({"mon": " "}, "non-empty"),
                          ({"mon": "allow r,"}, "each grant"), ({"osd": "rwx"}, "each grant"),
                          ({"mon": "profile"}, "each grant")]:
        with pytest.raises(CephInputError, match=message):
            auth.check_caps("client.a", caps)


def test_keys_from_the_lab_are_valid_and_garbage_is_not():
    for entry in load("auth_ls.json")["auth_dump"]:
        auth.check_key(entry["entity"], entry["key"])  # Tentacle's AES-256 keys (AgA...)
    auth.check_key("client.a", "AQBvaBFZAAAAABAA9VHgwCggS+3wT2xyzbYdEg==")  # AES-128 (AQ...)
    for key in ("", "not-a-key", "AQBvaBFZAAAAABAA9VHgwCggS+3wT2xyzbYd", "AQBvaBFZAAAAABAA9VHgwCggS+3wT2xyzbYdEgAA"):
        with pytest.raises(CephInputError, match="not a cephx key"):
            auth.check_key("client.a", key)


def test_keyring_text_is_what_ceph_auth_get_prints():
    with open(os.path.join(LAB, "auth_get_client_kt_rec.keyring")) as handle:
        recorded = handle.read()
    key = recorded.split("key = ")[1].split("\n")[0]
    assert auth.keyring_text("client.kt-rec", key, {"osd": "profile rbd pool=vms", "mon": "profile rbd"}) == recorded
    assert auth.keyring_text("client.q", "K", {"mon": 'allow command "x"'}) == (
        '[client.q]\n\tkey = K\n\tcaps mon = "allow command \\"x\\""\n')


# --- plans from the recorded 'auth ls' -----------------------------------------------------

ENTRIES = dict((e["entity"], e) for e in load("auth_ls.json")["auth_dump"])


def plan(params, check_mode=True, file_status=None, folders=None):
    """apply_set in check mode against the recorded auth ls (recording set auth); returns (result, runner).
    ``folders``: the status of the keyring files' directories (default: they exist when a keyring file is
    asked); ``file_status``: the status of the keyring file of the entity ``params`` names."""
    fake = fake_runner("auth", check_mode=check_mode)
    if folders is None and file_status is not None:
        folders = [{"path": "/etc/ceph", "exists": True, "changed": True}]
    if folders is not None:
        fake.agent.answer({"op": "files", "action": "status",
                           "files": [{"path": f["path"], "content": None} for f in folders]}, folders)
    if file_status is not None:
        entry = ENTRIES[params["name"]]
        spec = {"path": params["keyring_path"], "content": auth.keyring_text(params["name"], entry["key"], entry["caps"]),
                "mode": int(params.get("keyring_mode") or "0600", 8), "owner": None, "group": None}
        fake.agent.answer({"op": "files", "action": "status", "files": [spec]}, file_status)
    items = items_from_params(params, auth.ITEM_SPEC, "clients")
    return apply_set(fake, auth.Entities(), items, "clients"), fake


def params(**options):
    base = dict((k, v.get("default")) for k, v in auth.ITEM_SPEC.items())
    base["clients"] = None
    base.update(options)
    return base


def test_plan_create_update_delete():
    result, fake = plan(params(clients=[
        {"name": "client.new", "caps": {"osd": "profile rbd pool=vms", "mon": "profile rbd"}},
        {"name": "client.rgw.lab", "caps": {"mon": "allow rw", "osd": "allow rwx", "mgr": "allow r"}},
        {"name": "client.bootstrap-osd", "state": "absent"},
        {"name": "client.gone", "state": "absent"}]))
    assert fake.commands == [
        "ceph auth get-or-create client.new mon 'profile rbd' osd 'profile rbd pool=vms'",
        "ceph auth caps client.rgw.lab mgr 'allow r' mon 'allow rw' osd 'allow rwx'",
        "ceph auth rm client.bootstrap-osd"]
    assert [c["changed"] for c in result["clients"]] == [True, True, True, False]
    before = {"caps": {"mgr": "allow rw", "mon": "allow rw", "osd": "allow rwx"}, "key": "********", "state": "present"}
    assert result["diff"]["before"]["client.rgw.lab"] == before
    assert "client.gone" not in result["diff"]["before"]
    assert "AgA" not in json.dumps(result)


def test_plan_given_key_same_and_different():
    entry = [e for e in load("auth_ls.json")["auth_dump"] if e["entity"] == "client.rgw.lab"][0]
    result, fake = plan(params(name="client.rgw.lab", key=entry["key"]))
    assert result["changed"] is False and fake.commands == []
    other = "AQBvaBFZAAAAABAA9VHgwCggS+3wT2xyzbYdEg=="
    result, fake = plan(params(name="client.rgw.lab", key=other))
    assert fake.commands == ["printf %s <secret masked> | ceph auth import -i -"]
    assert result["diff"]["after"]["client.rgw.lab"]["key"] == "******** (replaced)"
    assert other not in json.dumps(result) and entry["key"] not in json.dumps(result)


def test_plan_keyring_file_follows_its_status():
    result, fake = plan(params(name="client.rgw.lab", keyring_path="/etc/ceph/k"),
                        file_status=[{"path": "/etc/ceph/k", "exists": True, "changed": False}])
    assert result["changed"] is False and fake.commands == []
    assert fake.requests[1]["files"] == [{"path": "/etc/ceph", "content": None}]
    status_request = fake.requests[2]
    assert status_request["op"] == "files" and status_request["action"] == "status"
    assert status_request["files"][0]["content"].startswith("[client.rgw.lab]\n\tkey = AgA")
    assert status_request["files"][0]["mode"] == 0o600
    result, fake = plan(params(name="client.rgw.lab", keyring_path="/etc/ceph/k", keyring_mode="0640"),
                        file_status=[{"path": "/etc/ceph/k", "exists": True, "changed": True}])
    assert fake.commands == ["printf %s <secret masked> | install -m 0640 /dev/stdin /etc/ceph/k"]
    assert result["diff"]["before"]["client.rgw.lab"]["keyring"] == "outdated"
    assert result["diff"]["after"]["client.rgw.lab"]["keyring"] == "current"


def test_protected_entities_need_consent():
    for name in ("osd.0", "mgr.x", "client.admin"):
        with pytest.raises(CephInputError, match="allow_daemon_entities"):
            plan(params(name=name, caps={"mon": "allow r"}))
    result, fake = plan(params(name="mgr.x", caps={"mon": "allow *"}, allow_daemon_entities=True))
    assert fake.commands == ["ceph auth caps mgr.x mon 'allow *'"]


CORPUS = load("auth_caps_corpus.json")
# accepted by this check, refused by the mon only when it parses them (still refused before the
# first write of a ceph_auth call, by Ceph, but after the writes of earlier items of a set)
LEFT_TO_CEPH = [("osd", "allow rw pool=x object_prefix=a"), ("mgr", "profile bogus")]


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: "%s:%s" % (e["type"], e["caps"]))
def test_caps_corpus_tried_on_the_lab(entry):
    """Each cap string was given to 'ceph auth get-or-create' on the lab: what Ceph accepts is never
    refused here; what it refuses is refused before any write (but the two of LEFT_TO_CEPH)."""
    caps = {entry["type"]: entry["caps"]}
    if entry["ceph_accepts"] or (entry["type"], entry["caps"]) in LEFT_TO_CEPH:
        auth.check_caps("client.a", caps)
    else:
        with pytest.raises(CephInputError) as info:
            auth.check_caps("client.a", caps)
        assert "caps %s %r: the mon would refuse grant" % (entry["type"], entry["caps"]) in info.value.msg


def test_a_keyring_path_in_a_missing_directory_is_refused_before_any_write():
    with pytest.raises(CephInputError) as info:
        plan(params(name="client.new", caps={"mon": "allow r"}, keyring_path="/nowhere/client.new.keyring"),
             folders=[{"path": "/nowhere", "exists": False, "changed": False}])
    assert "entity 'client.new': keyring_path '/nowhere/client.new.keyring': the directory /nowhere does not " \
           "exist" in info.value.msg
