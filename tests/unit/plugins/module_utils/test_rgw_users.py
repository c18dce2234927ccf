"""rgw_users: decoding RGWUserInfo objects, normalising, validating and planning; the agent's rados_read op."""
import base64
import json
import os

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import agent, rgw_users
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import apply_set, items_from_params
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import exec_, fake_runner, lab_file, reply

LAB = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "lab")


def load(name):
    with open(os.path.join(LAB, name)) as handle:
        return json.load(handle)


# --- the agent's rados_read op -------------------------------------------------------------

class FakeIoctx:
    def __init__(self, objects):
        self.objects = objects
        self.namespace = None
        self.closed = False

    def set_namespace(self, namespace):
        self.namespace = namespace

    def list_objects(self):
        return [type("Obj", (), {"key": k})() for k in self.objects[self.namespace]]

    def read(self, name, length, offset):
        try:
            return self.objects[self.namespace][name][offset:offset + length]
        except KeyError:
            raise FakeRados.ObjectNotFound(name)

    def close(self):
        self.closed = True


class FakeRados:
    class ObjectNotFound(Exception):
        pass


class FakeCluster:
    def __init__(self, objects):
        self.ioctx = FakeIoctx(objects)
        self.pools = []

    def open_ioctx(self, pool):
        self.pools.append(pool)
        return self.ioctx


def make_agent(objects):
    ag = agent.Agent({}, FakeRados)
    ag.cluster = FakeCluster(objects)
    return ag


def test_rados_read_all_named_missing_and_large(monkeypatch):
    monkeypatch.setattr(agent, "READ_CHUNK", 4)
    ag = make_agent({"users.uid": {"alice": b"0123456789", "bob": b"abcd", "c": b""}})
    reply = ag.handle({"id": 1, "op": "rados_read", "pool": "default.rgw.meta", "namespace": "users.uid",
                       "names": None})
    assert reply["rc"] == 0 and ag.cluster.pools == ["default.rgw.meta"] and ag.cluster.ioctx.closed
    got = dict((k, base64.b64decode(v)) for k, v in json.loads(reply["out"]).items())
    assert got == {"alice": b"0123456789", "bob": b"abcd", "c": b""}
    reply = ag.handle({"id": 2, "op": "rados_read", "pool": "p", "namespace": "users.uid", "names": ["bob", "zed"]})
    assert json.loads(reply["out"]) == {"bob": base64.b64encode(b"abcd").decode(), "zed": None}


def test_rados_read_needs_librados():
    reply = agent.Agent({}).handle({"id": 3, "op": "rados_read", "pool": "p", "names": None})
    assert reply["rc"] == 95 and "rados Python binding" in reply["err"]


# --- decoding the users.uid objects, checked against radosgw-admin user info ---------------

def recorded(name):
    obj = load("rgw_user_object_%s.json" % name)
    return base64.b64decode(obj["base64"]), load("rgw_user_info_%s.json" % name)


@pytest.mark.parametrize("name", ["full", "plain"])
def test_decoded_object_matches_radosgw_admin(name):
    data, info = recorded(name)
    user = rgw_users.decode_user(data)
    assert rgw_users.normalise(user) == rgw_users.normalise(info)
    assert rgw_users.secrets_of(user) == rgw_users.secrets_of(info)
    assert user["user_id"] == info["user_id"]
    assert sorted(s["id"] for s in user["subusers"]) == sorted(s["id"] for s in info["subusers"])


def test_decoded_full_user():
    user = rgw_users.normalise(rgw_users.decode_user(recorded("full")[0]))
    assert user == {
        "display_name": "Full User", "email": "full@example.com", "suspended": True, "max_buckets": 7,
        "caps": {"buckets": "*", "metadata": "write", "users": "read"},
        "user_quota": {"enabled": True, "max_size": 10737418240, "max_objects": 1000},
        "bucket_quota": {"enabled": False, "max_size": 1049600, "max_objects": 50},
        "access_keys": ["LSW63RY6VW8G557KD8HR", "RECFULLACCESS2"]}  # the subuser's S3 key is not the user's


def test_unknown_or_broken_encodings_are_refused():
    data = recorded("plain")[0]
    start = 4 + len("rgw-rec-plain")
    newer = data[:start] + bytes([30, 24]) + data[start + 2:]  # struct_v 30, compat 24
    with pytest.raises(rgw_users.DecodeError, match="compat version 24"):
        rgw_users.decode_user(newer)
    appended = data[:start] + bytes([24, 9]) + data[start + 2:]  # a newer version that only appends: fine
    assert rgw_users.normalise(rgw_users.decode_user(appended))["display_name"] == "Plain"
    with pytest.raises(rgw_users.DecodeError):
        rgw_users.decode_user(data[:60])


def test_quota_sizes_and_caps_normalise():
    assert rgw_users.quota_size("q", "10G") == 10 * 2 ** 30 and rgw_users.quota_size("q", "10Gi") == 10 * 2 ** 30
    assert rgw_users.quota_size("q", 1048577) == 1049600  # whole KiB, as radosgw keeps it
    assert rgw_users.quota_size("q", -1) == -1 and rgw_users.quota_size("q", "-1") == -1
    assert rgw_users.quota_size("q", 0) == 0 and rgw_users.quota_size("q", None) is None
    for bad in (-5, "-1G", "ten"):
        with pytest.raises(CephInputError):
            rgw_users.quota_size("q", bad)
    assert rgw_users.normalise_caps({"users": "read, write", "buckets": "READ"}) == {"users": "*", "buckets": "read"}
    assert rgw_users.caps_arg({"users": "*", "buckets": "read"}) == "buckets=read;users=*"
    assert rgw_users.pool_ns(load("rgw_zone_get.json")["user_uid_pool"]) == ("default.rgw.meta", "users.uid")


# --- plans: one zone get and one object read for the whole set -----------------------------

ROOT_LIST = {"op": "list_objects", "pool": ".rgw.root", "limit": rgw_users.ZONE_ROOT_LIMIT}


def b64(data):
    return base64.b64encode(data).decode()


def rgw_runner(users=(), objects=None, owners=None, check_mode=True, mode="librados", root=None):
    """The real runner on the agent fake, with the replies a set of ``users`` asks for: .rgw.root
    (``root``: {name: bytes}, None: the pool does not exist, as before the first radosgw starts), the
    zone radosgw-admin reports (recorded), the users.uid objects (``objects``: {uid: base64}), the
    owners of the declared access keys and emails (``owners``: {key or email: uid})."""
    fake = fake_runner(check_mode=check_mode, mode=mode)
    agent = fake.agent
    agent.answer(exec_(["radosgw-admin", "zone", "get"]), lab_file("rgw_zone_get.json"))
    if root is None:
        agent.answer(ROOT_LIST, reply(rc=2, err="error opening pool .rgw.root"))
    else:
        agent.answer(ROOT_LIST, sorted(root)[:rgw_users.ZONE_ROOT_LIMIT])
        zones = [n for n in sorted(root) if n.startswith("zone_info.")]
        agent.answer({"op": "rados_read", "pool": ".rgw.root", "namespace": "", "names": zones},
                     dict((n, b64(root[n])) for n in zones))
    objects, owners = objects or {}, owners or {}
    uids = [u["uid"] for u in users]
    for uid in uids:
        agent.answer(exec_(["radosgw-admin", "bucket", "list", "--uid", uid]), ["b1"])
        agent.answer(exec_(["radosgw-admin", "user", "info", "--uid", uid]),
                     reply(rc=2, err="could not fetch user info: no user info saved"))
    agent.answer({"op": "rados_read", "pool": "default.rgw.meta", "namespace": "users.uid", "names": uids},
                 dict((uid, objects.get(uid)) for uid in uids))
    for namespace, field in (("users.keys", "access_key"), ("users.email", "email")):
        names = sorted(set(u[field] for u in users if u.get(field)))
        agent.answer({"op": "rados_read", "pool": "default.rgw.meta", "namespace": namespace, "names": names},
                     dict((n, b64(len(owners[n]).to_bytes(4, "little") + owners[n].encode()) if n in owners else None)
                          for n in names))
    return fake


def plan(users, owners=None):
    objects = {"rgw-rec-full": load("rgw_user_object_full.json")["base64"],
               "rgw-rec-plain": load("rgw_user_object_plain.json")["base64"]}
    fake = rgw_runner(users, objects, owners)
    params = dict((k, v.get("default")) for k, v in rgw_users.ITEM_SPEC.items())
    params["users"] = users
    return apply_set(fake, rgw_users.Users(), items_from_params(params, rgw_users.ITEM_SPEC, "users"), "users"), fake


def test_a_set_reads_with_one_zone_get_and_one_object_read():
    users = [{"uid": "rgw-rec-full"}, {"uid": "rgw-rec-plain"}] + [{"uid": "u%d" % i, "display_name": "U"}
                                                                   for i in range(50)]
    result, fake = plan(users)  # no .rgw.root to read the zone from: radosgw-admin zone get
    assert [r["op"] for r in fake.requests] == ["list_objects", "exec", "rados_read"]
    assert len(fake.requests[2]["names"]) == 52
    assert [u["changed"] for u in result["users"][:2]] == [False, False]
    assert fake.commands[:1] == ["radosgw-admin user create --uid u0 --display-name U"] and len(fake.commands) == 50


def test_plan_updates_only_the_differences():
    full_secret = rgw_users.secrets_of(recorded("full")[1])["RECFULLACCESS2"]
    result, fake = plan([
        {"uid": "rgw-rec-full", "suspended": False, "caps": {"buckets": "*", "users": "read, write"},
         "user_quota": {"max_size": "10Gi"}, "bucket_quota": {"enabled": True},
         "access_key": "RECFULLACCESS2", "secret_key": full_secret},
        {"uid": "rgw-rec-plain", "display_name": "Plain", "email": "plain@example.com", "access_key": "PLAINNEW01",
         "secret_key": "plain-new-secret", "remove_other_keys": True}])
    assert fake.commands == [
        "radosgw-admin caps rm --uid rgw-rec-full --caps 'metadata=write;users=read'",
        "radosgw-admin caps add --uid rgw-rec-full --caps 'users=*'",
        "radosgw-admin quota enable --quota-scope bucket --uid rgw-rec-full",
        "radosgw-admin user enable --uid rgw-rec-full",
        "radosgw-admin user modify --uid rgw-rec-plain --email plain@example.com",
        "radosgw-admin key create --uid rgw-rec-plain --key-type s3 --access-key PLAINNEW01 --gen-secret",
        "printf %s <secret masked> | radosgw-admin metadata put user:rgw-rec-plain",
        "radosgw-admin key rm --uid rgw-rec-plain --key-type s3 --access-key 4FL1ATOHPOK12RO077Y9"]
    diff = result["diff"]
    assert diff["before"]["rgw-rec-full"]["secret_key"] == diff["after"]["rgw-rec-full"]["secret_key"] == "********"
    assert diff["after"]["rgw-rec-plain"]["access_keys"] == ["PLAINNEW01"]
    assert full_secret not in json.dumps(result) and "plain-new-secret" not in json.dumps(result)


def test_owned_keys_emails_and_buckets_are_refused():
    with pytest.raises(CephInputError, match="access key TAKEN01 belongs to user 'someone'"):
        plan([{"uid": "new", "display_name": "N", "access_key": "TAKEN01"}], owners={"TAKEN01": "someone"})
    with pytest.raises(CephInputError, match="email a@b.c belongs to user 'someone'"):
        plan([{"uid": "new", "display_name": "N", "email": "a@b.c"}], owners={"a@b.c": "someone"})
    result, fake = plan([{"uid": "new", "display_name": "N", "access_key": "MINE01", "email": "a@b.c"}],
                        owners={"MINE01": "new", "a@b.c": "new"})
    assert fake.commands == ["radosgw-admin user create --uid new --display-name N --email a@b.c "
                             "--access-key MINE01 --gen-secret"]
    with pytest.raises(CephInputError, match=r"owns 1 bucket\(s\) \(b1\): deleting it needs purge_data"):
        plan([{"uid": "rgw-rec-plain", "state": "absent"}])
    result, fake = plan([{"uid": "rgw-rec-plain", "state": "absent", "purge_data": True}])
    assert fake.commands == ["radosgw-admin user rm --uid rgw-rec-plain --purge-data"]


# --- the zone's pools: its object over librados when that is unambiguous ----------------------
ZONE_ROOT = load("rgw_zone_root.json")


def zone_root(**extra):
    """.rgw.root as recorded from the lab (one zone, no realm), plus ``extra`` objects."""
    root = dict((name, b"") for name in ZONE_ROOT["names"])
    root[ZONE_ROOT["zone_info"]["name"]] = base64.b64decode(ZONE_ROOT["zone_info"]["base64"])
    root.update(extra)
    return root


def test_decode_zone_gives_what_radosgw_admin_zone_get_says():
    zone = rgw_users.decode_zone(base64.b64decode(ZONE_ROOT["zone_info"]["base64"]))
    for field in rgw_users.ZONE_POOLS:
        assert zone[field] == rgw_users.pool_ns(ZONE_ROOT["zone_get"][field]), field
    assert (zone["id"], zone["name"]) == (ZONE_ROOT["zone_get"]["id"], ZONE_ROOT["zone_get"]["name"])


@pytest.mark.parametrize("data", [b"", b"\x12\x01\x04\x00\x00\x00abcd", b"\x05\x01\x00\x00\x00\x00",
                                  b"\x12\x30\x00\x00\x00\x00"])
def test_decode_zone_refuses_what_it_does_not_know(data):
    with pytest.raises((rgw_users.DecodeError, ValueError)):
        rgw_users.decode_zone(data)


def read_with(root, mode="librados"):
    fake = rgw_runner([dict(uid="u1")], mode=mode, root=root)
    users = rgw_users.Users()
    users.read(fake, [dict(uid="u1", state="present")])
    return users, [(r["op"], r.get("pool")) for r in fake.requests]


def test_one_zone_without_realm_is_read_over_librados_without_radosgw_admin():
    users, requests = read_with(zone_root())
    assert requests == [("list_objects", ".rgw.root"), ("rados_read", ".rgw.root"), ("rados_read", "default.rgw.meta")]
    assert users.pools == {"user_uid_pool": ("default.rgw.meta", "users.uid"),
                           "user_keys_pool": ("default.rgw.meta", "users.keys"),
                           "user_email_pool": ("default.rgw.meta", "users.email")}


@pytest.mark.parametrize("root, mode", [
    (zone_root(**{"default.realm": b"", "realms_names.gold": b""}), "librados"),   # a realm: radosgw-admin decides
    (zone_root(**{"zone_info.another-zone": b""}), "librados"),                      # two zones
    (zone_root(**{ZONE_ROOT["zone_info"]["name"]: b"\x12\x30\x00\x00\x00\x00"}), "librados"),  # unknown encoding
    (None, "librados"),                                                               # no .rgw.root yet
    (zone_root(), "cli"),                                                             # no librados on the far side
])
def test_anything_else_asks_radosgw_admin(root, mode):
    users, requests = read_with(root, mode)
    assert ("exec", None) in requests
    assert users.pools["user_uid_pool"] == ("default.rgw.meta", "users.uid")


def test_a_given_secret_key_never_goes_on_a_command_line():
    """A real run (not check mode): the secret reaches radosgw-admin only on stdin of metadata put."""
    users = [{"uid": "rgw-new", "display_name": "New", "access_key": "NEWKEY01", "secret_key": "never-on-argv-42"}]
    fake = rgw_runner(users, check_mode=False)
    create = "radosgw-admin user create --uid rgw-new --display-name New --access-key NEWKEY01 --gen-secret".split()
    fake.agent.answer(exec_(create), reply())
    meta = {"key": "user:rgw-new", "data": {"user_id": "rgw-new", "keys": [
        {"user": "rgw-new", "access_key": "NEWKEY01", "secret_key": "generated-secret"}]}}
    fake.agent.answer(exec_(["radosgw-admin", "metadata", "get", "user:rgw-new"]), meta)
    meta["data"]["keys"][0]["secret_key"] = "never-on-argv-42"
    fake.agent.answer(exec_(["radosgw-admin", "metadata", "put", "user:rgw-new"], inbuf=json.dumps(meta)), reply())
    params = dict((k, v.get("default")) for k, v in rgw_users.ITEM_SPEC.items())
    params["users"] = users
    result = apply_set(fake, rgw_users.Users(), items_from_params(params, rgw_users.ITEM_SPEC, "users"), "users")
    execs = [r for r in fake.requests if r["op"] == "exec"]
    assert all("never-on-argv-42" not in " ".join(r["argv"]) for r in execs)
    puts = [r for r in execs if r["argv"][1:3] == ["metadata", "put"]]
    assert len(puts) == 1 and puts[0]["argv"][3] == "user:rgw-new"
    assert json.loads(puts[0]["inbuf"])["data"]["keys"] == [
        {"user": "rgw-new", "access_key": "NEWKEY01", "secret_key": "never-on-argv-42"}]
    assert fake.commands == [
        "radosgw-admin user create --uid rgw-new --display-name New --access-key NEWKEY01 --gen-secret",
        "printf %s <secret masked> | radosgw-admin metadata put user:rgw-new"]
    assert "never-on-argv-42" not in json.dumps(result) and "generated-secret" not in json.dumps(result)


@pytest.mark.parametrize("quota, message", [
    ({"max_size": -5}, "user_quota max_size -5: a quota is 0 or more, or -1 for no limit"),
    ({"max_size": 2 ** 63 - 1}, "user_quota max_size 9223372036854775807: above the largest quota radosgw keeps "
                                "(9223372036854774784 bytes"),
    ({"max_size": "8Ei"}, "user_quota max_size 8Ei: above the largest quota radosgw keeps"),
    ({"max_objects": -5}, "user_quota max_objects -5: a quota is 0 to 9223372036854775807, or -1 for no limit"),
    ({"max_objects": 2 ** 63}, "user_quota max_objects 9223372036854775808: a quota is 0 to"),
])
def test_quotas_radosgw_refuses_or_mangles_are_refused_before_any_write(quota, message):
    """Measured on the lab: radosgw-admin stores max_size/max_objects -5 as -1, wraps a max_size above
    9223372036854774784 to a negative one, and refuses max_objects above 2**63-1 after the user is made."""
    with pytest.raises(CephInputError) as info:
        plan([{"uid": "rgw-new", "display_name": "New", "user_quota": quota}])
    assert "user 'rgw-new': " + message in info.value.msg
    largest = {"max_size": 2 ** 63 // 1024 * 1024 - 1024, "max_objects": 2 ** 63 - 1}
    plan([{"uid": "rgw-new", "display_name": "New", "user_quota": largest}])
