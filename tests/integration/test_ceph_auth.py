"""ceph_auth and ceph_auth_info: check -> apply -> apply again -> check again -> verified with the ceph CLI."""
import json
import os
import stat

import pytest

from conftest import house_cycle

PREFIX = "client.kt-"


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, "ceph_auth", **options)


def entities(lab):
    return dict((e["entity"], e) for e in lab.ceph("auth", "ls")["auth_dump"])


def keyring_of(lab, name):
    return lab.run("ceph", "-c", lab.conf, "auth", "get", name).stdout


def key_of(lab, name):
    return lab.run("ceph", "-c", lab.conf, "auth", "get-key", name).stdout.strip()


def new_key(lab):
    return lab.run("ceph-authtool", "--gen-print-key").stdout.strip()


def no_secret(results, *keys):
    text = json.dumps(results)
    for key in keys:
        assert key not in text


@pytest.fixture
def cleanup(lab):
    names = []
    yield names
    for name in names:
        lab.run("ceph", "-c", lab.conf, "auth", "rm", name, check=False)


def test_client_with_keyring_file(lab, module, cleanup):
    name = PREFIX + "vms"
    cleanup.append(name)
    path = os.path.join(lab.env["KOOR_LAB_DATA"], "kt-vms.keyring")
    caps = {"mon": "profile rbd", "osd": "profile rbd pool=vms"}
    check, apply = cycle(module, name=name, caps=caps, keyring_path=path)
    assert apply["commands"] == ["ceph auth get-or-create %s mon 'profile rbd' osd 'profile rbd pool=vms'" % name,
                                 "printf %%s <secret masked> | install -m 0600 /dev/stdin %s" % path]
    assert apply["diff"] == {"before": {name: {"state": "absent"}},
                             "after": {name: {"caps": caps, "keyring": "current", "state": "present"}}}
    assert apply["clients"] == [{"name": name, "state": "present", "caps": caps, "changed": True}]
    assert entities(lab)[name]["caps"] == caps
    with open(path) as handle:
        assert handle.read() == keyring_of(lab, name)  # the file is what 'ceph auth get' prints
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = key_of(lab, name)
    no_secret([check, apply], key)

    # caps change: one 'auth caps', and the keyring file follows; the key stays
    caps2 = {"mon": "profile rbd", "osd": "profile rbd pool=vms, profile rbd-read-only pool=images"}
    check, apply = cycle(module, name=name, caps=caps2, keyring_path=path)
    assert apply["commands"] == ["ceph auth caps %s mon 'profile rbd' osd 'profile rbd pool=vms, profile "
                                 "rbd-read-only pool=images'" % name,
                                 "printf %%s <secret masked> | install -m 0600 /dev/stdin %s" % path]
    assert apply["diff"]["before"][name]["caps"] == caps and apply["diff"]["after"][name]["caps"] == caps2
    assert apply["diff"]["after"][name]["keyring"] == "current"
    assert apply["diff"]["before"][name]["keyring"] == "outdated"
    assert entities(lab)[name]["caps"] == caps2 and key_of(lab, name) == key
    with open(path) as handle:
        assert handle.read() == keyring_of(lab, name)

    # someone loosens the file's mode: only the file is rewritten
    os.chmod(path, 0o644)
    result = module("ceph_auth", name=name, caps=caps2, keyring_path=path)
    assert result["changed"] is True and result["commands"] == ["printf %%s <secret masked> | install -m 0600 /dev/stdin %s" % path]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    # absent: the entity and its keyring file go
    check, apply = cycle(module, name=name, state="absent", keyring_path=path)
    assert apply["commands"] == ["ceph auth rm %s" % name, "rm -f %s" % path]
    assert name not in entities(lab) and not os.path.exists(path)


def test_given_key_is_never_shown_and_can_be_replaced(lab, module, cleanup):
    name = PREFIX + "given"
    cleanup.append(name)
    key1, key2 = new_key(lab), new_key(lab)
    caps = {"mon": "allow r"}
    check, apply = cycle(module, name=name, key=key1, caps=caps)
    assert apply["commands"] == ["printf %%s <secret masked> | ceph auth add %s mon 'allow r' -i -" % name]
    assert apply["diff"]["after"][name] == {"caps": caps, "key": "********", "state": "present"}
    assert key_of(lab, name) == key1 and entities(lab)[name]["caps"] == caps
    no_secret([check, apply], key1)

    check, apply = cycle(module, name=name, key=key2)
    assert apply["commands"] == ["printf %s <secret masked> | ceph auth import -i -"]
    assert apply["diff"] == {"before": {name: {"caps": caps, "key": "********", "state": "present"}},
                             "after": {name: {"caps": caps, "key": "******** (replaced)", "state": "present"}}}
    assert key_of(lab, name) == key2 and entities(lab)[name]["caps"] == caps  # caps kept
    no_secret([check, apply], key1, key2)

    info = module("ceph_auth_info", names=[name])
    assert info["clients"] == [{"name": name, "type": "client", "caps": caps}]
    info = module("ceph_auth_info", names=[name], include_keys=True)
    assert info["clients"][0]["key"] == key2


def test_declared_set(lab, module, cleanup):
    names = [PREFIX + "set%d" % i for i in range(3)]
    cleanup.extend(names)
    lab.ceph("auth", "get-or-create", names[2], "mon", "allow r")
    clients = [{"name": names[0], "caps": {"mon": "allow r", "osd": "allow r pool=a"}},
               {"name": names[1], "caps": {"mgr": "allow r"}},
               {"name": names[2], "state": "absent"}]
    check, apply = cycle(module, clients=clients)
    assert apply["commands"] == [
        "ceph auth get-or-create %s mon 'allow r' osd 'allow r pool=a'" % names[0],
        "ceph auth get-or-create %s mgr 'allow r'" % names[1],
        "ceph auth rm %s" % names[2]]
    now = entities(lab)
    assert now[names[0]]["caps"] == {"mon": "allow r", "osd": "allow r pool=a"}
    assert now[names[1]]["caps"] == {"mgr": "allow r"} and names[2] not in now
    assert [c["changed"] for c in apply["clients"]] == [True, True, True]
    # a caps type left out is removed; a client without caps options is left alone
    clients = [{"name": names[0], "caps": {"mon": "allow r"}}, {"name": names[1]}]
    check, apply = cycle(module, clients=clients)
    assert apply["commands"] == ["ceph auth caps %s mon 'allow r'" % names[0]]
    assert entities(lab)[names[0]]["caps"] == {"mon": "allow r"}


def test_info_lists_everything_without_keys(lab, module):
    info = module("ceph_auth_info")
    assert info["_rc"] == 0 and info["changed"] is False and info["commands"] == []
    names = [c["name"] for c in info["clients"]]
    assert "client.admin" in names and "osd.0" in names
    assert all("key" not in c for c in info["clients"])
    assert set(names) == set(entities(lab))
    missing = module("ceph_auth_info", names=["client.kt-nope"])
    assert missing["failed"] is True and "no such entity: client.kt-nope" in missing["msg"]


@pytest.mark.parametrize("options, message", [
    (dict(name="client"), "invalid name: use TYPE.ID"),
    (dict(name="foo.bar"), "invalid name: use TYPE.ID"),
    (dict(name="client."), "invalid name: the id after 'client.'"),
    (dict(name="client.a b"), "invalid name: the id after 'client.'"),
    (dict(name="osd.x", allow_daemon_entities=True), "an OSD entity is osd.<number>"),
    (dict(name="osd.0", caps={"osd": "allow *"}),
     "'osd.0' is the entity of a Ceph daemon (osd): managing it needs allow_daemon_entities: true"),
    (dict(name="mon.", state="absent"), "managing it needs allow_daemon_entities"),
    (dict(name="mgr.x", caps={"mon": "allow *"}), "managing it needs allow_daemon_entities"),
    (dict(name="client.admin", caps={"mon": "allow r"}), "'client.admin' is the admin entity"),
    (dict(name="client.kt-bad", caps={"rgw": "allow r"}), "unknown caps type 'rgw'"),
    (dict(name="client.kt-bad", caps={"mon": "alow r"}), "each grant must start with 'allow' or 'profile'"),
    (dict(name="client.kt-bad", caps={"osd": "allow r pool=a,"}), "each grant must start with"),
    (dict(name="client.kt-bad", caps={}), "caps must name at least one daemon type"),
    (dict(name="client.kt-bad", key="not-a-key"), "key is not a cephx key"),
    (dict(name="client.kt-bad", key="AQBvaBFZAAAAABAA9VHgwCggS+3wT2xyzbYd"), "key is not a cephx key"),
    (dict(name="client.kt-bad", keyring_path="relative.keyring"), "must be an absolute path"),
    (dict(name="client.kt-bad", keyring_path="/tmp/kt.keyring", keyring_mode="0644"), "would let every user read"),
    (dict(name="client.kt-bad", keyring_path="/tmp/kt.keyring", keyring_mode="rw"), "is not an octal mode"),
    (dict(clients=[{"name": "client.kt-ok", "caps": {"mon": "allow r"}},
                   {"name": "client.kt-bad2", "caps": {"mon": "allow r", "osd": "nope"}}]),
     "entity 'client.kt-bad2': caps osd 'nope'"),
    (dict(clients=[{"name": "client.kt-dup"}, {"name": "client.kt-dup"}]),
     "clients listed more than once: client.kt-dup"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, options, message):
    before = entities(lab)
    result = module("ceph_auth", **options)
    assert result.get("failed") is True, result
    assert result["commands"] == []
    assert message in result["msg"], result["msg"]
    assert entities(lab) == before


def test_ceph_refusal_after_validation_is_reported(lab, module, cleanup):
    """A caps string that passes the module's check but Ceph refuses (an unknown mgr profile, left to the
    mgr's cap parser): a failure with Ceph's words, not 'ok'."""
    cleanup.append(PREFIX + "refused")
    result = module("ceph_auth", name=PREFIX + "refused", caps={"mgr": "profile sideways"})
    assert result["failed"] is True and "capability parse failed" in result["msg"]
    refused = module("ceph_auth", name=PREFIX + "refused", caps={"mon": "allow sideways"})
    assert refused["failed"] is True and refused["commands"] == []
    assert "'sideways' is not a permission of a mon cap" in refused["msg"]
    assert PREFIX + "refused" not in entities(lab)
