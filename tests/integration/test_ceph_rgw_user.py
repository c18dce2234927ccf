"""ceph_rgw_user and ceph_rgw_user_info: check -> apply -> apply again -> check again -> verified with radosgw-admin
and with S3 requests signed with the user's keys."""
import json
import os
import threading

import pytest

from conftest import assert_same_state, house_cycle
from s3_support import s3

PREFIX = "kt-"


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, "ceph_rgw_user", **options)


def admin(lab, *args, check=True):
    proc = lab.run("radosgw-admin", "-c", lab.conf, *args, check=check)
    out = proc.stdout.strip()
    return json.loads(out) if out.startswith(("{", "[")) else proc


def user_info(lab, uid):
    return admin(lab, "user", "info", "--uid", uid)


def uids(lab):
    return sorted(admin(lab, "metadata", "list", "user"))


def no_secret(results, *secrets):
    text = json.dumps(results)
    for secret in secrets:
        assert secret not in text


@pytest.fixture
def cleanup(lab):
    names = []
    yield names
    for uid in names:
        admin(lab, "user", "rm", "--uid", uid, "--purge-data", check=False)


def test_user_with_given_keys_works_over_s3(lab, module, cleanup):
    uid = PREFIX + "given"
    cleanup.append(uid)
    access, secret = "KTGIVENACCESS0001", "kt-given-secret-0001-abcdefgh"
    options = dict(uid=uid, display_name="Given keys", email="kt-given@example.com", max_buckets=5,
                   caps={"users": "read", "buckets": "*"}, access_key=access, secret_key=secret,
                   user_quota={"enabled": True, "max_size": "10G", "max_objects": 1000},
                   bucket_quota={"enabled": True, "max_objects": 100})
    check, apply = cycle(module, **options)
    assert apply["commands"] == [
        "radosgw-admin user create --uid %s --display-name 'Given keys' --email kt-given@example.com --max-buckets 5 "
        "--caps 'buckets=*;users=read' --access-key %s --gen-secret" % (uid, access),
        "printf %%s <secret masked> | radosgw-admin metadata put user:%s" % uid,
        "radosgw-admin quota set --quota-scope user --uid %s --max-size 10737418240 --max-objects 1000" % uid,
        "radosgw-admin quota enable --quota-scope user --uid %s" % uid,
        "radosgw-admin quota set --quota-scope bucket --uid %s --max-objects 100" % uid,
        "radosgw-admin quota enable --quota-scope bucket --uid %s" % uid]
    assert apply["diff"]["after"][uid]["secret_key"] == "********"
    no_secret([check, apply], secret)
    info = user_info(lab, uid)
    assert info["display_name"] == "Given keys" and info["email"] == "kt-given@example.com"
    assert info["max_buckets"] == 5 and info["suspended"] == 0
    assert sorted((c["type"], c["perm"]) for c in info["caps"]) == [("buckets", "*"), ("users", "read")]
    assert info["user_quota"]["enabled"] is True and info["user_quota"]["max_size"] == 10 * 2 ** 30
    assert info["user_quota"]["max_objects"] == 1000
    assert info["bucket_quota"]["enabled"] is True and info["bucket_quota"]["max_objects"] == 100
    assert [(k["access_key"], k["secret_key"]) for k in info["keys"]] == [(access, secret)]
    status, body = s3(lab, access, secret)
    assert status == 200 and "<ListAllMyBucketsResult" in body
    assert s3(lab, access, secret + "x")[0] == 403

    # the same secret again is no change; a new one replaces it, and only the new one works
    new_secret = "kt-given-secret-0002-abcdefgh"
    check, apply = cycle(module, uid=uid, access_key=access, secret_key=new_secret)
    assert apply["commands"] == ["printf %%s <secret masked> | radosgw-admin metadata put user:%s" % uid]
    assert apply["diff"]["before"][uid]["secret_key"] == "********"
    assert apply["diff"]["after"][uid]["secret_key"] == "******** (replaced)"
    no_secret([check, apply], secret, new_secret)
    assert s3(lab, access, new_secret)[0] == 200 and s3(lab, access, secret)[0] == 403

    info = module("ceph_rgw_user_info", uids=[uid])
    assert info["users"][0]["access_keys"] == [access] and "keys" not in info["users"][0]
    no_secret(info, new_secret)
    info = module("ceph_rgw_user_info", uids=[uid], include_keys=True)
    assert info["users"][0]["keys"] == [{"access_key": access, "secret_key": new_secret, "user": uid}]


def _cmdlines():
    """Every process's command line on the host, as /proc shows it to any user."""
    lines = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    lines.append(handle.read().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
    return lines


def test_given_secret_keys_never_appear_on_a_command_line(lab, module, cleanup):
    """While the module creates a user with a given key and then replaces it, a watcher samples every
    process's /proc/PID/cmdline: radosgw-admin runs are seen, the secrets never."""
    uid = PREFIX + "argv"
    cleanup.append(uid)
    access, secrets = "KTARGVACCESS0001", ["kt-argv-secret-0001-abcdefgh", "kt-argv-secret-0002-abcdefgh"]
    seen, leaked, done = [], [], threading.Event()

    def watch():
        while not done.is_set():
            for line in _cmdlines():
                if "radosgw-admin" in line:
                    seen.append(line)
                if any(secret in line for secret in secrets):
                    leaked.append(line)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        first = module("ceph_rgw_user", uid=uid, display_name="Argv", access_key=access, secret_key=secrets[0])
        second = module("ceph_rgw_user", uid=uid, access_key=access, secret_key=secrets[1])
    finally:
        done.set()
        watcher.join()
    assert first["_rc"] == 0 and second["_rc"] == 0 and second["changed"] is True, (first, second)
    assert any("metadata" in line for line in seen), seen  # the watcher saw the writes' processes
    assert leaked == []
    no_secret([first, second], *secrets)
    assert [(k["access_key"], k["secret_key"]) for k in user_info(lab, uid)["keys"]] == [(access, secrets[1])]
    assert s3(lab, access, secrets[1])[0] == 200


def test_update_fields_and_suspend(lab, module, cleanup):
    uid = PREFIX + "upd"
    cleanup.append(uid)
    admin(lab, "user", "create", "--uid", uid, "--display-name", "Before", "--email", "kt-upd@example.com",
          "--caps", "users=read;usage=read")
    key = user_info(lab, uid)["keys"][0]
    options = dict(uid=uid, display_name="After", email="kt-upd2@example.com", max_buckets=3, suspended=True,
                   caps={"users": "*", "buckets": "read"}, bucket_quota={"max_size": 1048577})
    check, apply = cycle(module, **options)
    assert apply["commands"] == [
        "radosgw-admin user modify --uid %s --display-name After --email kt-upd2@example.com --max-buckets 3" % uid,
        "radosgw-admin caps rm --uid %s --caps 'usage=read;users=read'" % uid,
        "radosgw-admin caps add --uid %s --caps 'buckets=read;users=*'" % uid,
        "radosgw-admin quota set --quota-scope bucket --uid %s --max-size 1049600" % uid,
        "radosgw-admin user suspend --uid %s" % uid]
    assert apply["diff"]["before"][uid]["suspended"] is False and apply["diff"]["after"][uid]["suspended"] is True
    info = user_info(lab, uid)
    assert (info["display_name"], info["email"], info["max_buckets"], info["suspended"]) == (
        "After", "kt-upd2@example.com", 3, 1)
    assert sorted((c["type"], c["perm"]) for c in info["caps"]) == [("buckets", "read"), ("users", "*")]
    assert info["bucket_quota"]["max_size"] == 1049600 and info["bucket_quota"]["enabled"] is False
    status, body = s3(lab, key["access_key"], key["secret_key"])
    assert status == 403 and "UserSuspended" in body
    check, apply = cycle(module, uid=uid, suspended=False)
    assert apply["commands"] == ["radosgw-admin user enable --uid %s" % uid]
    assert s3(lab, key["access_key"], key["secret_key"])[0] == 200


def test_generated_keys_rotation_and_purge(lab, module, cleanup):
    uid = PREFIX + "gen"
    cleanup.append(uid)
    check, apply = cycle(module, uid=uid, display_name="Generated")
    assert apply["commands"] == ["radosgw-admin user create --uid %s --display-name Generated" % uid]
    generated = apply["users"][0]["access_keys"]
    assert len(generated) == 1 and "access_keys" not in check["users"][0]
    keys = module("ceph_rgw_user_info", uids=[uid], include_keys=True)["users"][0]["keys"]
    assert keys[0]["access_key"] == generated[0]
    old_secret = keys[0]["secret_key"]
    assert s3(lab, generated[0], old_secret)[0] == 200
    no_secret([check, apply], old_secret)

    # rotation: a second key, then only it
    options = dict(uid=uid, access_key="KTGENROTATED0001", secret_key="kt-rotated-secret-0001")
    check, apply = cycle(module, **options)
    assert apply["diff"]["after"][uid]["access_keys"] == sorted(generated + ["KTGENROTATED0001"])
    check, apply = cycle(module, remove_other_keys=True, **options)
    assert apply["commands"] == ["radosgw-admin key rm --uid %s --key-type s3 --access-key %s" % (uid, generated[0])]
    assert [k["access_key"] for k in user_info(lab, uid)["keys"]] == ["KTGENROTATED0001"]
    assert s3(lab, generated[0], old_secret)[0] == 403
    assert s3(lab, "KTGENROTATED0001", "kt-rotated-secret-0001")[0] == 200

    # a user that owns a bucket is deleted only with purge_data
    assert s3(lab, "KTGENROTATED0001", "kt-rotated-secret-0001", "PUT", "/kt-gen-bucket")[0] == 200
    result = module("ceph_rgw_user", uid=uid, state="absent")
    assert result["failed"] is True and result["commands"] == []
    assert "owns 1 bucket(s) (kt-gen-bucket): deleting it needs purge_data: true" in result["msg"]
    assert uid in uids(lab)
    check, apply = cycle(module, uid=uid, state="absent", purge_data=True)
    assert apply["commands"] == ["radosgw-admin user rm --uid %s --purge-data" % uid]
    assert uid not in uids(lab)
    assert "kt-gen-bucket" not in admin(lab, "bucket", "list")


def test_declared_set_reads_once(lab, module, cleanup, tmp_path, monkeypatch):
    users = [{"uid": PREFIX + "set%02d" % i, "display_name": "Set %d" % i,
              "user_quota": {"enabled": True, "max_objects": 10 + i}} for i in range(10)]
    cleanup.extend(u["uid"] for u in users)
    check, apply = cycle(module, users=users)
    assert len(apply["commands"]) == 30 and all(u["changed"] for u in apply["users"])
    assert all(user_info(lab, u["uid"])["user_quota"]["max_objects"] == 10 + i for i, u in enumerate(users[:3]))
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("KOOR_CEPH_TRACE", str(trace))
    again = module("ceph_rgw_user", users=users)
    monkeypatch.delenv("KOOR_CEPH_TRACE")
    assert again["changed"] is False and again["commands"] == []
    # The set is read in one pass (librados over the zone's metadata pool), not a radosgw-admin per
    # user: a handful of requests in one agent, at most one process (its speed: make bench).
    requests = [json.loads(line) for line in trace.read_text().splitlines()]
    assert len({r["pid"] for r in requests}) == 1
    assert len([r for r in requests if r["op"] == "exec"]) <= 1 and len(requests) <= 8, requests
    listed = dict((u["uid"], u) for u in module("ceph_rgw_user_info")["users"])
    for i, user in enumerate(users):
        assert listed[user["uid"]]["user_quota"]["max_objects"] == 10 + i
    check, apply = cycle(module, users=[{"uid": u["uid"], "state": "absent"} for u in users])
    assert not set(u["uid"] for u in users) & set(uids(lab))


@pytest.fixture(scope="module")
def owner(lab):
    """An existing user whose access key and email other users may not take."""
    uid = PREFIX + "owner"
    admin(lab, "user", "create", "--uid", uid, "--display-name", "Owner", "--email", "kt-owner@example.com",
          "--access-key", "KTOWNERACCESS01", "--secret-key", "kt-owner-secret-01")
    yield uid
    admin(lab, "user", "rm", "--uid", uid, check=False)


@pytest.mark.parametrize("options, message", [
    (dict(uid="tenant$user", display_name="x"), "tenanted uids (tenant$user) are not supported"),
    (dict(uid="kt-a:sub", display_name="x"), "':' separates a subuser"),
    (dict(uid="-kt", display_name="x"), "invalid uid"),
    (dict(uid="kt new", display_name="x"), "invalid uid"),
    (dict(uid="kt-new"), "does not exist: creating it needs display_name"),
    (dict(uid="kt-new", display_name=" "), "display_name cannot be empty"),
    (dict(uid="kt-new", display_name="x", user_quota={"max_size": -5}), "user_quota max_size -5: a quota is 0 or "
                                                                        "more, or -1 for no limit"),
    (dict(uid="kt-new", display_name="x", user_quota={"max_size": "-1G"}), "a quota is 0 or more"),
    (dict(uid="kt-new", display_name="x", bucket_quota={"max_objects": -2}), "bucket_quota max_objects -2"),
    (dict(uid="kt-new", display_name="x", user_quota={"max_size": "10 apples"}), "user_quota max_size"),
    (dict(uid="kt-owner", user_quota={"max_size": 2 ** 63 - 1}), "above the largest quota radosgw keeps"),
    (dict(uid="kt-owner", bucket_quota={"max_objects": 2 ** 63}), "bucket_quota max_objects 9223372036854775808"),
    (dict(uid="kt-owner", user_quota={"max_objects": -5}), "user_quota max_objects -5"),
    (dict(uid="kt-new", display_name="x", caps={"bogus": "read"}), "unknown caps type 'bogus'"),
    (dict(uid="kt-new", display_name="x", caps={"users": "rw"}), "caps users 'rw': use read, write or '*'"),
    (dict(uid="kt-new", display_name="x", secret_key="abcdefghij"), "secret_key needs access_key"),
    (dict(uid="kt-new", display_name="x", access_key="KTNEW01", secret_key="short"), "at least 8 characters"),
    (dict(uid="kt-new", display_name="x", access_key="KT NEW"), "not a valid S3 access key"),
    (dict(uid="kt-new", display_name="x", access_key="KTOWNERACCESS01"), "access key KTOWNERACCESS01 belongs to "
                                                                         "user 'kt-owner'"),
    (dict(uid="kt-new", display_name="x", email="kt-owner@example.com"), "email kt-owner@example.com belongs to "
                                                                         "user 'kt-owner'"),
    (dict(uid="kt-owner", email=""), "is not an address"),
    (dict(uid="kt-new", display_name="x", remove_other_keys=True), "remove_other_keys needs access_key"),
    (dict(users=[{"uid": "kt-ok", "display_name": "ok"}, {"uid": "kt-bad", "display_name": "x",
                                                          "caps": {"users": "all"}}]), "user 'kt-bad': caps users"),
    (dict(users=[{"uid": "kt-a1", "display_name": "a", "access_key": "KTSAME0001"},
                 {"uid": "kt-a2", "display_name": "b", "access_key": "KTSAME0001"}]),
     "access key KTSAME0001 is declared for user 'kt-a1' as well"),
    (dict(users=[{"uid": "kt-dup", "display_name": "a"}, {"uid": "kt-dup", "display_name": "b"}]),
     "users listed more than once: kt-dup"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, owner, options, message):
    before = (uids(lab), user_info(lab, owner))
    result = module("ceph_rgw_user", **options)
    assert result.get("failed") is True, result
    assert result["commands"] == []
    assert message in result["msg"], result["msg"]
    assert (uids(lab), user_info(lab, owner)) == before


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_refused_quota_leaves_the_cluster_as_it_was(lab, module, owner, check_mode):
    before = lab.state()
    result = module("ceph_rgw_user", check_mode=check_mode,
                    users=[{"uid": "kt-quota-new", "display_name": "new"},
                           {"uid": owner, "user_quota": {"enabled": True, "max_size": 2 ** 63 - 1}}])
    assert result.get("failed") is True and result["commands"] == [], result
    assert "user %r: user_quota max_size 9223372036854775807: above the largest quota" % owner in result["msg"]
    assert_same_state(before, lab.state())


def test_info_missing_user(lab, module):
    result = module("ceph_rgw_user_info", uids=["kt-nobody"])
    assert result["failed"] is True and "no such user: kt-nobody" in result["msg"]
