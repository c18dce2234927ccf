"""Every line a module records in `commands` runs as it is: pasted into a shell (bash -c, the lab's
ceph.conf in CEPH_ARGS, Ceph's own CLI) it does what the module did.

Each test runs a module on names with A in them, then the recorded lines with A replaced by B, and
compares the two objects the cluster holds. A line with a masked secret must not run as it is (the
shell refuses it); with the secret put back it does the same.
"""
import json
import shlex
import subprocess
import sys
import time

import pytest

from conftest import COLLECTIONS

sys.path.insert(0, COLLECTIONS)
from ansible_collections.koor.ceph.plugins.module_utils import agent  # noqa: E402  pylint: disable=wrong-import-position

A, B = "kcr-a", "kcr-b"
FS = "cephfs"  # the lab's filesystem


def bash(lab, line):
    """One line in the lab's chroot as a person would run it there."""
    return subprocess.run(["chroot", lab.root, "bash", "-c", line], capture_output=True, text=True, check=False,
                          timeout=120, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
                                            "CEPH_ARGS": "--conf " + lab.conf})


def replay(lab, lines, secrets=()):
    """Run recorded lines with A replaced by B; a masked line is first shown to be refused as it is,
    then run with the next of ``secrets`` in place of the mask."""
    secrets = list(secrets)
    assert lines, "the module recorded no command"
    for line in lines:
        assert A in line, line
        if agent.is_masked(line):
            as_is = bash(lab, line.replace(A, B))
            assert as_is.returncode == 2 and "syntax error" in as_is.stderr, (line, as_is)
            line = line.replace(agent.SECRET, shlex.quote(secrets.pop(0)))
        proc = bash(lab, line.replace(A, B))
        assert proc.returncode == 0, "%s\nfailed (rc=%d): %s" % (line.replace(A, B), proc.returncode, proc.stderr)
    assert not secrets


def run_as_recorded(lab, lines):
    for line in lines:
        proc = bash(lab, line)
        assert proc.returncode == 0, "%s\nfailed (rc=%d): %s" % (line, proc.returncode, proc.stderr)


def applied(module, module_name, /, **options):
    result = module(module_name, **options)
    assert result["_rc"] == 0 and result["changed"] is True, result
    return result["commands"]


def same(lab, read, a_name, b_name):
    """The object read for A, with A's name replaced by B's, equals the object read for B."""
    a, b = read(lab, a_name), read(lab, b_name)
    assert a is not None and b is not None, (a, b)
    assert json.loads(json.dumps(a).replace(A, B)) == b
    return b


def gone(lab, *argv):
    lab.run("ceph", "-c", lab.conf, *argv, check=False)


# --- readers of what the cluster holds -----------------------------------------------------
def pool(lab, name):
    rules = dict((r["rule_id"], r["rule_name"]) for r in lab.ceph("osd", "crush", "rule", "dump"))
    for entry in lab.ceph("osd", "pool", "ls", "detail"):
        if entry["pool_name"] == name:
            fields = dict((k, entry.get(k)) for k in (
                "type", "size", "min_size", "pg_num", "pg_autoscale_mode", "options", "application_metadata",
                "quota_max_bytes", "quota_max_objects", "erasure_code_profile", "flags_names"))
            fields["crush_rule"] = rules[entry["crush_rule"]]
            return fields
    return None


def profile(lab, name):
    return lab.ceph("osd", "erasure-code-profile", "get", name)


def rule(lab, name):
    found = [dict(r) for r in lab.ceph("osd", "crush", "rule", "dump") if r["rule_name"] == name]
    for entry in found:
        entry.pop("rule_id")
    return found[0] if found else None


def config(lab, who):
    return sorted([c["name"], c["value"]] for c in lab.ceph("config", "dump") if c["section"] == who) or None


def entity(lab, name):
    got = lab.ceph("auth", "get", name)
    return {"key": got[0]["key"], "caps": got[0]["caps"]}


def filesystem(lab, name):
    pools = dict((p["pool_id"], p["pool_name"]) for p in lab.ceph("osd", "pool", "ls", "detail"))
    for fs in lab.ceph("fs", "dump")["filesystems"]:
        if fs["mdsmap"]["fs_name"] == name:
            mdsmap = fs["mdsmap"]
            return {"max_mds": mdsmap["max_mds"], "metadata_pool": pools[mdsmap["metadata_pool"]],
                    "data_pools": [pools[p] for p in mdsmap["data_pools"]]}
    return None


def group(lab, name):
    info = lab.ceph("fs", "subvolumegroup", "info", FS, name)
    return dict((k, info[k]) for k in ("uid", "gid", "mode", "bytes_quota", "data_pool"))


def subvolume(lab, spec):
    name, grp = spec.split("@")
    info = lab.ceph("fs", "subvolume", "info", FS, name, "--group_name", grp)
    return dict((k, info[k]) for k in ("uid", "gid", "mode", "bytes_quota", "data_pool", "pool_namespace"))


def image(lab, spec):
    proc = lab.run("rbd", "-c", lab.conf, "info", "--format", "json", spec)
    info = json.loads(proc.stdout)
    return dict((k, info[k]) for k in ("size", "order", "object_size", "features", "op_features", "flags"))


def rgw_user(lab, uid):
    proc = lab.run("radosgw-admin", "-c", lab.conf, "user", "info", "--uid", uid)
    info = json.loads(proc.stdout)
    return dict((k, info[k]) for k in ("display_name", "email", "max_buckets", "caps", "user_quota", "bucket_quota",
                                       "suspended"))


# --- cleaning up -----------------------------------------------------------------------------
def drop_all(lab):
    """Everything this file makes, for both names (before and after, so a failed run leaves nothing)."""
    for name in (A, B):
        lab.run("ceph", "-c", lab.conf, "fs", "subvolume", "rm", FS, name + "-sv", "--group_name", name + "-g",
                check=False)
        lab.run("ceph", "-c", lab.conf, "fs", "subvolumegroup", "rm", FS, name + "-g", check=False)
        gone(lab, "fs", "volume", "rm", name + "-fs", "--yes-i-really-mean-it")
        gone(lab, "auth", "rm", "client." + name)
        gone(lab, "config", "rm", "client." + name, "rbd_cache")
        gone(lab, "config", "rm", "client." + name, "rbd_cache_size")
        lab.run("radosgw-admin", "-c", lab.conf, "user", "rm", "--uid", name, check=False)
    pools = [p for p in lab.ceph("osd", "pool", "ls") if p.startswith((A, B))]
    for name in pools:
        gone(lab, "osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it")
    for name in lab.ceph("osd", "crush", "rule", "ls"):  # an EC pool's create makes a rule named after it
        if name.startswith((A, B)):
            gone(lab, "osd", "crush", "rule", "rm", name)
    for name in lab.ceph("osd", "erasure-code-profile", "ls"):
        if name.startswith((A, B)):
            gone(lab, "osd", "erasure-code-profile", "rm", name)


@pytest.fixture
def clean(lab):
    drop_all(lab)
    yield
    drop_all(lab)


# --- the tests --------------------------------------------------------------------------------
def test_the_command_descriptions_are_the_clusters(lab):
    """agent.SIGNATURES (how the lines order their arguments) matches the cluster's own descriptions."""
    script = ("import json, rados, sys\n"
              "c = rados.Rados(conffile=sys.argv[1]); c.connect()\n"
              "r, out, err = c.mon_command(json.dumps({'prefix': 'get_command_descriptions'}), b'')\n"
              "print(out.decode())\n")
    described = {}
    for entry in json.loads(lab.run("python3", "-c", script, lab.conf).stdout).values():
        words = [a if isinstance(a, str) else a["name"] for a in entry["sig"]
                 if isinstance(a, str) or a["type"] == "CephPrefix"]
        args = [a["name"] + ("*" if a.get("n") == "N" else "") for a in entry["sig"]
                if isinstance(a, dict) and a["type"] != "CephPrefix"]
        described[" ".join(words)] = args
    for prefix, signature in sorted(agent.SIGNATURES.items()):
        ours = signature.split()
        assert prefix in described, prefix
        assert described[prefix][:len(ours)] == ours, (prefix, described[prefix])


def test_replicated_pool_create_set_and_quota(lab, module, clean):
    lines = applied(module, "ceph_pool", name=A + "-rbd", application="rbd", min_size=2, pg_autoscale_mode="off",
                    pg_num=16, max_objects=1000, compression_mode="aggressive", target_size_ratio=0.2)
    assert lines[0] == "ceph osd pool create kcr-a-rbd 16 --pool-type=replicated --autoscale-mode=off"
    assert "ceph osd pool set kcr-a-rbd compression_mode aggressive" in lines
    replay(lab, lines)
    got = same(lab, pool, A + "-rbd", B + "-rbd")
    assert got["pg_autoscale_mode"] == "off" and got["pg_num"] == 16 and got["quota_max_objects"] == 1000
    replay(lab, applied(module, "ceph_pool", name=A + "-rbd", compression_mode="none", max_objects=0, size=2))
    assert same(lab, pool, A + "-rbd", B + "-rbd")["size"] == 2


def test_ec_profile_crush_rules_and_the_pools_on_them(lab, module, clean):
    replay(lab, applied(module, "ceph_ec_profile", name=A + "-prof", k=2, m=1, crush_failure_domain="osd",
                        stripe_unit="8K"))
    same(lab, profile, A + "-prof", B + "-prof")
    replay(lab, applied(module, "ceph_crush_rule", rules=[dict(name=A + "-rule", failure_domain="osd",
                                                               device_class="hdd"),
                                                          dict(name=A + "-ec", profile=A + "-prof")]))
    same(lab, rule, A + "-rule", B + "-rule")
    same(lab, rule, A + "-ec", B + "-ec")
    lines = applied(module, "ceph_pool", pools=[
        dict(name=A + "-ecpool", pool_type="erasure", erasure_profile=A + "-prof", allow_ec_overwrites=True),
        dict(name=A + "-onrule", crush_rule=A + "-rule", pg_autoscale_mode="off", pg_num=8)])
    assert "ceph osd pool create kcr-a-onrule 8 --pool-type=replicated --rule=kcr-a-rule --autoscale-mode=off" \
        in lines
    replay(lab, lines)
    assert same(lab, pool, A + "-ecpool", B + "-ecpool")["erasure_code_profile"] == B + "-prof"
    assert same(lab, pool, A + "-onrule", B + "-onrule")["crush_rule"] == B + "-rule"


def test_config_set_and_rm(lab, module, clean):
    settings = [dict(who="client." + A, option="rbd_cache", value=False),
                dict(who="client." + A, option="rbd_cache_size", value="64Mi")]
    replay(lab, applied(module, "ceph_config", settings=settings))
    assert same(lab, config, "client." + A, "client." + B) == [["rbd_cache", "false"], ["rbd_cache_size", "67108864"]]
    replay(lab, applied(module, "ceph_config", settings=[dict(settings[0], state="absent")]))
    assert same(lab, config, "client." + A, "client." + B) == [["rbd_cache_size", "67108864"]]


def test_auth_with_a_given_key_then_caps(lab, module, clean):
    key = lab.run("ceph-authtool", "--gen-print-key").stdout.strip()
    lines = applied(module, "ceph_auth", name="client." + A, key=key, caps={"mon": "allow r"})
    assert lines == ["printf %s <secret masked> | ceph auth add client.kcr-a mon 'allow r' -i -"]
    assert key not in json.dumps(lines)
    # as it is the line runs nothing (replay checks the shell refuses it); with the keyring it stood for, it runs
    replay(lab, lines, secrets=["[client.%s]\n\tkey = %s\n" % (A, key)])
    assert same(lab, entity, "client." + A, "client." + B)["key"] == key
    lines = applied(module, "ceph_auth", name="client." + A, caps={"mon": "profile rbd", "osd": "profile rbd pool=vms"})
    assert lines == ["ceph auth caps client.kcr-a mon 'profile rbd' osd 'profile rbd pool=vms'"]
    replay(lab, lines)
    assert same(lab, entity, "client." + A, "client." + B)["caps"]["osd"] == "profile rbd pool=vms"


def test_filesystem_subvolumegroup_and_subvolume(lab, module, clean):
    replay(lab, applied(module, "ceph_fs", name=A + "-fs", max_mds=2))
    assert same(lab, filesystem, A + "-fs", B + "-fs")["max_mds"] == 2
    lines = applied(module, "ceph_fs_subvolumegroup", fs=FS, name=A + "-g", mode="0750", uid=1000, gid=1001,
                    size="1Gi")
    assert lines == ["ceph fs subvolumegroup create cephfs kcr-a-g 1073741824 --uid=1000 --gid=1001 --mode=0750"]
    replay(lab, lines)
    assert same(lab, group, A + "-g", B + "-g")["uid"] == 1000
    lines = applied(module, "ceph_fs_subvolume", fs=FS, group=A + "-g", name=A + "-sv", size="100Mi", mode="0770",
                    uid=1000, gid=1000)
    replay(lab, lines)
    assert same(lab, subvolume, A + "-sv@" + A + "-g", B + "-sv@" + B + "-g")["bytes_quota"] == 100 * 2 ** 20


def test_rbd_image_create_and_resize(lab, module, clean):
    for name in (A, B):
        lab.ceph("osd", "pool", "create", name + "-img", "8", "8")
        lab.ceph("osd", "pool", "application", "enable", name + "-img", "rbd")
    spec_a, spec_b = A + "-img/" + A + "-disk", B + "-img/" + B + "-disk"
    replay(lab, applied(module, "ceph_rbd_image", pool=A + "-img", name=A + "-disk", size="16Mi",
                        features=["layering", "exclusive-lock"]))
    assert same(lab, image, spec_a, spec_b)["size"] == 16 * 2 ** 20
    replay(lab, applied(module, "ceph_rbd_image", pool=A + "-img", name=A + "-disk", size="32Mi"))
    assert same(lab, image, spec_a, spec_b)["size"] == 32 * 2 ** 20


def test_rgw_user_with_caps_and_quota(lab, module, clean):
    lines = applied(module, "ceph_rgw_user", uid=A, display_name="User " + A, email=A + "@example.com",
                    max_buckets=7, caps={"users": "read"},
                    user_quota={"enabled": True, "max_size": "1G", "max_objects": 100})
    assert lines[0].startswith("radosgw-admin user create --uid kcr-a --display-name 'User kcr-a'")
    replay(lab, lines)
    got = same(lab, rgw_user, A, B)
    assert got["max_buckets"] == 7 and got["user_quota"]["enabled"] is True


def test_mgr_module_and_osd_flags(lab, module):
    """No names to vary: the cluster state the module made is undone with the CLI, then made again by
    the recorded lines. Last in this file: a mgr module switched respawns the mgr, whose old CephFS
    client holds its caps until the MDS drops its session, so a subvolume write right after it waits."""
    def mgr_ready():
        """Until the respawned mgr is active and its volumes module answers (the next tests need it)."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if lab.ceph("mgr", "stat").get("available") and \
                    lab.run("ceph", "-c", lab.conf, "fs", "volume", "ls", check=False).returncode == 0:
                return
            time.sleep(1)
        raise AssertionError("the mgr did not come back within 90s: %s" % lab.ceph("mgr", "stat"))

    def mgr_state():
        mgr_ready()
        return sorted(lab.ceph("mgr", "module", "ls")["enabled_modules"])

    def flags():
        dump = lab.ceph("osd", "dump")
        return sorted(dump["flags_set"]), sorted((o["osd"], sorted(o["state"])) for o in dump["osds"])

    assert "stats" not in mgr_state()
    try:
        lines = applied(module, "ceph_mgr_module", name="stats")
        assert lines == ["ceph mgr module enable stats"]
        by_module = mgr_state()
        lab.ceph("mgr", "module", "disable", "stats")
        assert mgr_state() != by_module
        run_as_recorded(lab, lines)
        assert mgr_state() == by_module
    finally:
        lab.ceph("mgr", "module", "disable", "stats")
        mgr_ready()
    before = flags()
    try:
        lines = applied(module, "ceph_osd_flag", flags=["nodeep-scrub"])
        lines += applied(module, "ceph_osd_flag", flags=["noout"], osds=[0])
        assert lines == ["ceph osd set nodeep-scrub", "ceph osd set-group noout osd.0"]
        by_module = flags()
        lab.ceph("osd", "unset", "nodeep-scrub")
        lab.ceph("osd", "unset-group", "noout", "osd.0")
        assert flags() == before
        run_as_recorded(lab, lines)
        assert flags() == by_module
    finally:
        gone(lab, "osd", "unset", "nodeep-scrub")
        gone(lab, "osd", "unset-group", "noout", "osd.0")
