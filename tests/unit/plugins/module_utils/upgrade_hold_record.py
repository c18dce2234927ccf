# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record ceph_upgrade_hold's requests and the lab's replies, run by run, as recording sets of the agent fake.

    lab/koor-lab up --name rec [--suite trixie]
    PYTHONPATH=.cache/collections .venv/bin/python tests/unit/plugins/module_utils/upgrade_hold_record.py rec

runs upgrade_hold.validate() + apply() with the real runner and agent against the lab, in the scenario below, and
writes each run's request -> reply pairs (each read of a batch on its own, as the fake answers them; successive
different answers to one request as ``replies``) to tests/unit/fixtures/lab/replies/upgrade_hold/<ceph version>/<run>.json.

The scenario (the lab is put back as it was at the end): a second MDS ``mds.b`` is started, cephfs gets max_mds 2
(rank 1 active on mds.b) and allow_standby_replay true, and the user sets nodeep-scrub by hand. Then:

    check          present (check mode): flags [nodeep-scrub, noout], noautoscale, noout_hosts [the host], cephfs
    place          the same for real: the record, the writes, the wait until rank 1 stopped
    held           the same again: nothing to do
    release_some   absent, release [flag:nodeep-scrub, noout:HOST]: the user's flag kept, the host released
    (noout unset by hand)
    release_all    absent, release all: noout dropped, noautoscale and cephfs released, the key removed
    released       absent, release all again: nothing recorded, nothing to do
    user_flag      present flags [nodeep-scrub], noautoscale false: the user's flag kept, nothing written
    (nodeep-scrub unset by hand)
    refusals       present with an unknown host, then an unknown filesystem
    empty_record   the key holding a record without holds; absent, release all: the key removed
    foreign_record the key holding something else; present: refused
    wait_timeout   cephfs back to max_mds 2 (rank 1 active); present, cephfs only, wait_timeout 0: times out

The record's time is fixed (``NOW``) so that the recorded ``config-key set`` is the one a test makes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time

from ansible_collections.koor.ceph.plugins.module_utils import upgrade_hold
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephError
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import (
    RecordingRunner, key as request_key, lab_connection, reply_entry)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fixtures", "lab", "replies", "upgrade_hold")
NOW = "2026-12-03T12:00:00Z"
FS = "cephfs"
DEFAULTS = {"state": "present", "flags": ["nodeep-scrub"], "noautoscale": True, "noout_hosts": None,
            "single_rank_filesystems": None, "wait_timeout": 300, "release": None, "record_key": upgrade_hold.RECORD_KEY}


def pairs_to_set(pairs):
    """[(request, reply)] -> a recording set: one entry per request, its successive different replies in order."""
    order, answers = [], {}
    for request, reply in pairs:
        key = request_key(request)  # as the fake keys it: a batch's reads come without an empty inbuf
        if key not in answers:
            order.append((key, json.loads(key)))
            answers[key] = []
        entry = reply_entry(reply)
        if not answers[key] or answers[key][-1] != entry:
            answers[key].append(entry)
    result = []
    for key, request in order:
        replies = answers[key]
        result.append({"request": request, "reply": replies[0]} if len(replies) == 1 else
                      {"request": request, "replies": replies})
    return result


class Recorder:
    def __init__(self, lab):
        self.env, self.params = lab_connection(lab)
        self.folder = os.path.join(OUT, self.env["KOOR_LAB_CEPH_VERSION"])
        os.makedirs(self.folder, exist_ok=True)

    def chroot(self, *argv, **kwargs):
        return subprocess.run(["chroot", self.env["KOOR_LAB_ROOT"]] + list(argv), capture_output=True, text=True,
                              check=kwargs.get("check", True), env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"})

    def ceph(self, *args, **kwargs):
        out = self.chroot("ceph", "-c", self.env["KOOR_LAB_CONF"], "--format", "json", *args, **kwargs).stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out

    def mdsmap(self):
        return [f["mdsmap"] for f in self.ceph("fs", "dump")["filesystems"] if f["mdsmap"]["fs_name"] == FS][0]

    def wait(self, what, check, timeout=120):
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for %s" % what)
            time.sleep(0.5)

    def run(self, name, check_mode=False, **options):
        params = dict(DEFAULTS, **options)
        params.update(self.params)
        upgrade_hold.now = lambda: NOW
        result = None
        runner = RecordingRunner(params, check_mode=check_mode)
        try:
            upgrade_hold.validate(params)
            with runner:
                result = upgrade_hold.apply(runner, params)
        except CephError as exc:
            result = {"failed": True, "msg": exc.msg}
        with open(os.path.join(self.folder, name + ".json"), "w") as handle:
            json.dump(pairs_to_set(runner.pairs), handle, indent=1, sort_keys=True)
            handle.write("\n")
        print("%-14s %s" % (name, json.dumps(dict((k, result.get(k)) for k in (
            "changed", "placed", "released", "kept", "dropped", "failed", "msg") if result.get(k) not in (None, [])))))
        return result

    # --- the lab's side ---
    def start_mds_b(self):
        data = os.path.join(self.env["KOOR_LAB_DATA"], "mds.b")
        os.makedirs(data, exist_ok=True)
        self.chroot("ceph", "-c", self.env["KOOR_LAB_CONF"], "auth", "get-or-create", "mds.b", "mon", "allow profile mds",
                    "osd", "allow rwx", "mds", "allow *", "mgr", "allow profile mds", "-o", os.path.join(data, "keyring"))
        # by its absolute path: an MDS that stopped its rank re-executes itself
        self.chroot("/usr/bin/ceph-mds", "-i", "b", "-c", self.env["KOOR_LAB_CONF"])
        self.wait("mds.b in the FS map", lambda: any(s["name"] == "b" for s in self.ceph("fs", "dump")["standbys"])
                  or any(i["name"] == "b" for i in self.mdsmap()["info"].values()))

    def stop_mds_b(self):
        pidfile = os.path.join(self.env["KOOR_LAB_DATA"], "run", "mds.b.pid")
        if os.path.exists(pidfile):
            try:
                os.kill(int(open(pidfile).read().strip()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        self.ceph("auth", "rm", "mds.b", check=False)

    def two_ranks(self):
        self.ceph("fs", "set", FS, "max_mds", "2")
        self.wait("rank 1 active", lambda: "mds_1" in self.mdsmap()["up"] and all(
            i["state"] == "up:active" for i in self.mdsmap()["info"].values()))

    def one_rank(self):
        self.wait("rank 1 stopped", lambda: self.mdsmap()["in"] == [0] and list(self.mdsmap()["up"]) == ["mds_0"])

    def clean(self):
        self.ceph("config-key", "rm", upgrade_hold.RECORD_KEY, check=False)
        for flag in ("noout", "nodeep-scrub"):
            self.ceph("osd", "unset", flag)
        self.ceph("osd", "unset", "noautoscale")  # the mon's: the mgr's `osd pool unset` crashes Reef's mgr
        self.ceph("config", "rm", "global", upgrade_hold.AUTOSCALE_OPTION)
        self.ceph("osd", "unset-group", "noout", self.host, check=False)
        self.ceph("fs", "set", FS, "allow_standby_replay", "false")
        self.ceph("fs", "set", FS, "max_mds", "1")
        self.one_rank()

    def scenario(self):
        self.host = [n["name"] for n in self.ceph("osd", "crush", "tree")["nodes"] if n["type"] == "host"][0]
        self.clean()
        self.start_mds_b()
        try:
            self._runs()
        finally:
            self.clean()
            self.stop_mds_b()

    def _runs(self):
        host = self.host
        self.two_ranks()
        self.ceph("fs", "set", FS, "allow_standby_replay", "true")
        self.ceph("osd", "set", "nodeep-scrub")
        options = dict(flags=["nodeep-scrub", "noout"], noautoscale=True, noout_hosts=[host], single_rank_filesystems=[FS])
        self.run("check", check_mode=True, **options)
        self.run("place", **options)
        self.run("held", **options)
        self.run("release_some", state="absent", release=["flag:nodeep-scrub", "noout:%s" % host])
        self.ceph("osd", "unset", "noout")
        self.run("release_all", state="absent", release=["all"])
        self.run("released", state="absent", release=["all"])
        assert "nodeep-scrub" in self.ceph("osd", "dump")["flags_set"], "the user's nodeep-scrub was released"
        self.run("user_flag", flags=["nodeep-scrub"], noautoscale=False)
        self.ceph("osd", "unset", "nodeep-scrub")
        self.run("refusals_host", noout_hosts=["no-such-host"])
        self.run("refusals_fs", single_rank_filesystems=["no-such-fs"])
        self.ceph("config-key", "set", upgrade_hold.RECORD_KEY, '{"version": 1, "holds": {}, "updated": "%s"}' % NOW)
        self.run("empty_record", state="absent", release=["all"])
        self.ceph("config-key", "set", upgrade_hold.RECORD_KEY, "maintenance until friday")
        self.run("foreign_record")
        self.ceph("config-key", "rm", upgrade_hold.RECORD_KEY)
        self.ceph("fs", "set", FS, "max_mds", "1")  # release_all gave it back max_mds 2 (with standby replay)
        self.ceph("fs", "set", FS, "allow_standby_replay", "false")
        self.one_rank()
        self.two_ranks()
        self.run("wait_timeout", flags=[], noautoscale=False, single_rank_filesystems=[FS], wait_timeout=0)


def main(lab):
    Recorder(lab).scenario()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: upgrade_hold_record.py LAB")
    main(sys.argv[1])
