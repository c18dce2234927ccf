"""Integration tests run against the real lab cluster (lab/koor-lab).

`make test` starts the lab (name in KOOR_LAB_NAME) before pytest and removes it after. Run
alone, these tests start a lab named by KOOR_LAB_NAME (default "pytest") if it is not up and
leave it running for the next run.
"""
import contextlib
import hashlib
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KOOR_LAB = os.path.join(ROOT, "lab", "koor-lab")
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
sys.path.insert(0, os.path.join(ROOT, "lab"))

from koorlab import rookfiles  # noqa: E402  pylint: disable=wrong-import-position
# the tests' wait is the lab's: wait_for(what, predicate, timeout=120, interval=0.5), LabError naming WHAT
from koorlab.util import wait_for  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

# Rook v1.20.6's release manifests from the lab's cache, every checksum checked (lab/rook-files.json).
ROOK_EXAMPLES = rookfiles.examples("v1.20.6")


class Lab:
    def __init__(self, env):
        self.env = env
        self.name = env["KOOR_LAB_NAME"]
        self.root = env["KOOR_LAB_ROOT"]
        self.conf = env["KOOR_LAB_CONF"]
        self.keyring = env["KOOR_LAB_KEYRING"]
        self.rgw_url = env["KOOR_LAB_RGW_URL"]
        self.fsid = env["KOOR_LAB_FSID"]

    @property
    def connection(self):
        """Module options that reach the lab cluster."""
        return {"transport": "prefix", "prefix": ["chroot", self.root], "conf": self.conf,
                "keyring": self.keyring}

    def run(self, *argv, check=True, input=None, timeout=300):
        """A command inside the lab's chroot (the lab's own Ceph CLI, not the collection). Ended after
        ``timeout`` seconds: the CLI waits for ever on a mgr command while no mgr runs."""
        return subprocess.run(["chroot", self.root] + list(argv), input=input, capture_output=True, text=True,
                              check=check, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
                              timeout=timeout)

    def ceph(self, *args):
        """The ceph CLI, JSON parsed: the independent witness of what the cluster holds."""
        out = self.run("ceph", "-c", self.conf, "--format", "json", *args).stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out

    def radosgw_admin(self, *args):
        out = self.run("radosgw-admin", "-c", self.conf, "--format", "json", *args).stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out

    def state(self):
        """What a refused input must leave as it was, read with Ceph's own CLI: pools (their settings and
        flags, less the transient "creating"), erasure-code profiles, CRUSH rules, auth entities (caps,
        a digest of each key), the config database, filesystems and RGW users (caps, quotas, a digest
        of their keys)."""
        pools = {}
        for pool in self.ceph("osd", "pool", "ls", "detail"):
            pools[pool["pool_name"]] = dict((k, pool.get(k)) for k in (
                "type", "size", "min_size", "crush_rule", "pg_num_target", "pg_autoscale_mode", "options",
                "application_metadata", "quota_max_bytes", "quota_max_objects", "erasure_code_profile"))
            # "creating" is the mon's own transient flag: it goes once the new pool's PGs exist
            pools[pool["pool_name"]]["flags"] = sorted(set(pool.get("flags_names", "").split(",")) - {"creating", ""})
        profiles = dict((name, self.ceph("osd", "erasure-code-profile", "get", name))
                        for name in self.ceph("osd", "erasure-code-profile", "ls"))
        rules = self.ceph("osd", "crush", "rule", "dump")
        auth = dict((e["entity"], {"caps": e.get("caps"), "key": _digest(e.get("key"))})
                    for e in self.ceph("auth", "ls")["auth_dump"])
        config = sorted((c["section"], c["name"], c["value"]) for c in self.ceph("config", "dump"))
        filesystems = dict((fs["mdsmap"]["fs_name"], {"metadata_pool": fs["mdsmap"]["metadata_pool"],
                                                      "data_pools": fs["mdsmap"]["data_pools"],
                                                      "max_mds": fs["mdsmap"]["max_mds"]})
                           for fs in self.ceph("fs", "dump")["filesystems"])
        users = {}
        for uid in self.radosgw_admin("user", "list"):
            info = self.radosgw_admin("user", "info", "--uid", uid)
            users[uid] = {"caps": info.get("caps"), "max_buckets": info.get("max_buckets"),
                          "user_quota": info.get("user_quota"), "bucket_quota": info.get("bucket_quota"),
                          "suspended": info.get("suspended"),
                          "keys": sorted((k["access_key"], _digest(k["secret_key"])) for k in info.get("keys", []))}
        return {"pools": pools, "ec_profiles": profiles, "crush_rules": rules, "auth": auth, "config": config,
                "filesystems": filesystems, "rgw_users": users}


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else None


def assert_same_state(before, after):
    """Compare two Lab.state() snapshots kind by kind, so a failure names what changed."""
    for kind in before:
        assert after[kind] == before[kind], "%s changed" % kind


def _lab_env(name):
    proc = subprocess.run([KOOR_LAB, "env", "--name", name, "--json"], capture_output=True, text=True, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


@contextlib.contextmanager
def fresh_lab(name, suite="sid", port=None, keep=False):
    """Lab NAME made fresh from SUITE's image (a leftover of an
    earlier run removed first), as a Lab; removed afterwards unless KEEP."""
    subprocess.run([KOOR_LAB, "down", "--name", name], check=True, capture_output=True)
    subprocess.run([KOOR_LAB, "up", "--name", name, "--suite", suite] + (["--port", str(port)] if port else []),
                   check=True, stdout=subprocess.DEVNULL)
    try:
        yield Lab(_lab_env(name))
    finally:
        if not keep:
            subprocess.run([KOOR_LAB, "down", "--name", name], check=False, capture_output=True)


@pytest.fixture(scope="session")
def lab():
    name = os.environ.get("KOOR_LAB_NAME", "pytest")
    env = _lab_env(name)
    status = subprocess.run([KOOR_LAB, "status", "--name", name], capture_output=True, text=True, check=False)
    if env is None or '"ready": true' not in status.stdout:
        subprocess.run([KOOR_LAB, "up", "--name", name], check=True, stdout=subprocess.DEVNULL)
        env = _lab_env(name)
    return Lab(env)


def run_module(name, args, check_mode=False, diff=True):
    """Run one koor.ceph module as Ansible does (a process fed its arguments); return its result."""
    payload = dict(args)
    payload.update({"_ansible_check_mode": check_mode, "_ansible_diff": diff})
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.run([sys.executable, "-m", "ansible_collections.koor.ceph.plugins.modules." + name],
                          input=json.dumps({"ANSIBLE_MODULE_ARGS": payload}), capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("module %s printed no JSON (rc=%s):\n%s\n%s"
                             % (name, proc.returncode, proc.stdout, proc.stderr))
    assert "Traceback" not in proc.stderr, proc.stderr
    result["_rc"] = proc.returncode
    return result


@pytest.fixture
def module(lab):
    """module(name, check_mode=False, **options): run a module against the lab."""
    def call(module_name, /, check_mode=False, diff=True, **options):
        args = dict(lab.connection)
        args.update(options)
        return run_module(module_name, args, check_mode=check_mode, diff=diff)
    return call


def house_cycle(module, module_name, /, **options):
    """The house cycle of a module against the lab: check -> apply -> apply again -> check again. The
    first two change and agree (diff, commands), the last two change nothing. Returns (check, apply)."""
    check1 = module(module_name, check_mode=True, **options)
    apply1 = module(module_name, **options)
    apply2 = module(module_name, **options)
    check2 = module(module_name, check_mode=True, **options)
    for result in (check1, apply1, apply2, check2):
        assert result["_rc"] == 0, result
    assert check1["changed"] is True and apply1["changed"] is True
    assert check1["diff"] == apply1["diff"] and check1["commands"] == apply1["commands"]
    assert apply2["changed"] is False and apply2["commands"] == [], apply2["commands"]
    assert check2["changed"] is False and check2["commands"] == []
    return check1, apply1


# --- the Rook simulator lab (tests/integration/test_rook_sim*.py): one per session ---------------
# test_rook_cluster_info.py watches the creation of the session Rook lab's CephCluster: it runs before any other
# test of the session, whatever the file names (test_assessment_rook.py would otherwise make the cluster first).
FIRST = ("test_rook_cluster_info.py",)


def pytest_collection_modifyitems(session, config, items):  # pylint: disable=unused-argument
    first = [i for i in items if os.path.basename(str(i.fspath)) in FIRST]
    items[:] = first + [i for i in items if i not in first]


def pytest_terminal_summary(terminalreporter):
    support = sys.modules.get("rook_sim_support")
    if support is not None and support.TIMINGS:
        terminalreporter.write_line("rook lab timings (s): %s"
                                    % json.dumps({k: round(v, 1) for k, v in support.TIMINGS.items()}))


@pytest.fixture(scope="session")
def rook():
    """The session's Rook lab (rook_sim_support.RookLab), removed at the end."""
    import rook_sim_support  # pylint: disable=import-outside-toplevel
    yield from rook_sim_support.rook_lab()


@pytest.fixture(scope="session")
def rook_cluster(rook):
    """Rook's example CephCluster on the Rook lab, Ready with HEALTH_OK."""
    return rook.ensure_cluster()


@pytest.fixture(scope="session")
def rook_object_store(rook, rook_cluster):  # pylint: disable=redefined-outer-name,unused-argument
    """Rook's example object store my-store, Ready."""
    return rook.ensure_object_store()
