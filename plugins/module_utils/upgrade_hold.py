# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The holds a rolling upgrade puts on a Ceph cluster, placed and released by what the cluster records.

A hold is one named thing the upgrade needs in place:

    flag:<name>   a cluster OSD flag (``ceph osd set nodeep-scrub``)
    noautoscale   the PG autoscaler's global switch: the OSD map's noautoscale flag and the config
                  database's default autoscale mode off for new pools (what ``ceph osd pool set
                  noautoscale`` does, written with the mon's own commands: see AUTOSCALE_OPTION)
    noout:<host>  noout on one CRUSH host (``ceph osd set-group noout <host>``)
    fs:<name>     a filesystem reduced to rank 0 for the MDS upgrade (allow_standby_replay false,
                  max_mds 1, as Ceph's "Upgrading the MDS Cluster" says)

The holds this module placed are recorded in the cluster itself, in one config-key (JSON, see
:func:`record_text`), so that a later run releases exactly those, even after a failed or killed
run. The record is written before the changes it describes (a crash in between leaves a record
of something not done: releasing it later unsets what is already unset). A hold already in place
that the module did not place (the user's own nodeep-scrub) is never recorded, so releasing never
undoes what somebody else did.

Each run reads once (the OSD map, and where needed the CRUSH tree, the FS map and the config
database, in one round trip; the record in one more), computes every change on a copy of the
cluster's state (so check mode reports the same result and diff), then writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import errno
import json

from ansible_collections.koor.ceph.plugins.module_utils.config import read_dump, setting_key
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError, CephTimeoutError
from ansible_collections.koor.ceph.plugins.module_utils.osd_flags import cluster_flags, raw_flags
from ansible_collections.koor.ceph.plugins.module_utils.waiting import not_yet, poll

RECORD_KEY = "koor.ceph/upgrade/holds"
RECORD_VERSION = 1
# The cluster flags `ceph osd set` takes that an upgrade may hold.
FLAGS = ("noout", "noin", "nodown", "noup", "noscrub", "nodeep-scrub", "norebalance", "norecover", "nobackfill",
         "pause")
# `ceph osd pool set noautoscale` is a command of the pg_autoscaler mgr module (Reef 18.2 and Tentacle 20.2 alike):
# it runs `config set global osd_pool_default_pg_autoscale_mode off` and the mon's `osd set noautoscale`; its
# `unset` runs `config set ... on` and `osd unset noautoscale`, and answers only in words ("noautoscale is on")
# on stderr. This module runs the mon's commands itself: the flag, and the config database's option put back
# as it was before the hold (the record keeps it), not set to "on". The mgr's unset also kills Reef 18.2.7's
# mgr as Debian trixie builds it (Python 3.13: a segfault in MonCommandCompletion::finish, every time in the
# lab), and mon commands work while the mgr restarts during the upgrade. The flag is read from `osd dump`,
# where the mgr module reads it too.
AUTOSCALE_OPTION = "osd_pool_default_pg_autoscale_mode"
# MDSMap's flag bit for allow_standby_replay (CEPH_MDSMAP_ALLOW_STANDBY_REPLAY), for an FS map without flags_state.
_STANDBY_REPLAY_BIT = 1 << 5
KINDS = ("flag", "noautoscale", "noout", "fs")


# --- names -----------------------------------------------------------------------------------
def parse_hold(name, what="hold"):
    """'flag:noout' -> ('flag', 'noout'); 'noautoscale' -> ('noautoscale', None). CephInputError if it is not one."""
    if name == "noautoscale":
        return "noautoscale", None
    kind, sep, arg = str(name).partition(":")
    if not sep or kind not in ("flag", "noout", "fs") or not arg:
        raise CephInputError("%s %r is not a hold: give flag:FLAG, noautoscale, noout:HOST or fs:NAME" % (what, name))
    if kind == "flag" and arg not in FLAGS:
        raise CephInputError("%s %r: %s is not a cluster flag an upgrade holds (%s)" % (what, name, arg, ", ".join(FLAGS)))
    return kind, arg


def _order(name):
    kind, arg = parse_hold(name)
    return (KINDS.index(kind), arg or "")


def sort_holds(names):
    """Hold names in the order they are placed: flags, noautoscale, hosts, filesystems."""
    return sorted(names, key=_order)


def _dupes(values):
    return sorted(set(v for v in values if values.count(v) > 1))


ALL = "all"


def wanted(params):
    """The hold names state=present asks for, in the order they are placed (sort_holds)."""
    names = ["flag:%s" % f for f in params.get("flags") or []]
    if params.get("noautoscale"):
        names.append("noautoscale")
    names += ["noout:%s" % h for h in params.get("noout_hosts") or []]
    names += ["fs:%s" % f for f in params.get("single_rank_filesystems") or []]
    return sort_holds(names)


def validate(params):
    """Input errors, before anything is asked of the cluster."""
    if not params.get("record_key"):
        raise CephInputError("record_key must name a config-key (default %s)" % RECORD_KEY)
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 0:
        raise CephInputError("wait_timeout must be 0 or more seconds, got %d" % params["wait_timeout"])
    flags = list(params.get("flags") or [])
    bad = [f for f in flags if f not in FLAGS]
    if bad:
        raise CephInputError("flags: %s %s not a cluster flag an upgrade holds: choose from %s"
                             % (", ".join(bad), "is" if len(bad) == 1 else "are", ", ".join(FLAGS)))
    for option in ("flags", "noout_hosts", "single_rank_filesystems"):
        values = list(params.get(option) or [])
        if any(not str(v).strip() for v in values):
            raise CephInputError("%s: an empty name" % option)
        if _dupes(values):
            raise CephInputError("%s lists %s more than once" % (option, ", ".join(_dupes(values))))
    single = list(params.get("single_rank_filesystems") or [])
    if ALL in single and len(single) > 1:
        raise CephInputError("single_rank_filesystems: all means every filesystem of the cluster; list no other with it")
    release = params.get("release")
    if params.get("state") == "absent":
        if not release:
            raise CephInputError("state absent releases holds this module placed: set release to all (every hold "
                                 "of the record) or to the holds to release, e.g. [flag:nodeep-scrub, noout:HOST]")
        if "all" in release and len(release) > 1:
            raise CephInputError("release: all releases every hold of the record; list no other hold with it")
        if release != ["all"]:
            for name in release:
                parse_hold(name, "release:")
            if _dupes(list(release)):
                raise CephInputError("release lists %s more than once" % ", ".join(_dupes(list(release))))
    elif release:
        raise CephInputError("release is for state absent; state present places the holds of flags, noautoscale, "
                             "noout_hosts and single_rank_filesystems")


# --- the record -----------------------------------------------------------------------------
def parse_record(text, key):
    """The config-key's text -> {hold name: entry}. Empty text (no key) is an empty record."""
    if text is None or not text.strip():
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("holds"), dict):
        raise CephInputError("config-key %s holds something that is not this module's record of holds (%r): "
                             "choose another record_key, or remove it with `ceph config-key rm %s` if nothing "
                             "needs it" % (key, text[:200], key))
    if record.get("version") != RECORD_VERSION:
        raise CephInputError("config-key %s is a record of holds of version %r; this module reads version %d: "
                             "release its holds with the collection that wrote it" % (key, record.get("version"),
                                                                                      RECORD_VERSION))
    holds = {}
    for name, entry in record["holds"].items():
        parse_hold(name, "config-key %s: hold" % key)
        if not isinstance(entry, dict):
            raise CephInputError("config-key %s: hold %s is recorded as %r, not as what its release puts back (a dict)"
                                 % (key, name, entry))
        holds[name] = dict(entry)
    return holds


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_text(holds, updated):
    """The config-key's value: {"version": 1, "holds": {name: entry}, "updated": ISO time}, its keys sorted
    (the same holds give the same text, whatever order they were read in)."""
    return json.dumps({"version": RECORD_VERSION, "holds": holds, "updated": updated}, sort_keys=True)


def read_record(runner, key):
    """(the record's holds, whether the config-key exists). A key that does not exist (`config-key get`
    answers ENOENT) is an empty record."""
    out = runner.mon("config-key get", key=key, ok_rcs=(0, errno.ENOENT), parse=False)
    return parse_record(out, key), bool(out and out.strip())


# --- the cluster's state ----------------------------------------------------------------------
def _allow_standby_replay(mdsmap):
    state = mdsmap.get("flags_state")
    if isinstance(state, dict) and "allow_standby_replay" in state:
        return bool(state["allow_standby_replay"])
    return bool(int(mdsmap.get("flags") or 0) & _STANDBY_REPLAY_BIT)


def ranks_active(mdsmap):
    """The ranks other than 0 still in the MDS map (in, or up): [(rank, 'mds.NAME up:STATE')]."""
    ranks = set(int(r) for r in mdsmap.get("in") or [])
    ranks |= set(int(k.split("_", 1)[1]) for k in (mdsmap.get("up") or {}))
    ranks.discard(0)
    who = {}
    for info in (mdsmap.get("info") or {}).values():
        if info.get("rank", -1) in ranks and (info["rank"] not in who or "standby" not in str(info.get("state"))):
            who[info["rank"]] = "mds.%s %s" % (info.get("name"), info.get("state"))
    return [(rank, who.get(rank, "no daemon")) for rank in sorted(ranks)]


def filesystems(fs_dump):
    """{fs name: mdsmap} of `fs dump`."""
    return dict((fs["mdsmap"]["fs_name"], fs["mdsmap"]) for fs in (fs_dump or {}).get("filesystems") or [])


def fs_settings(mdsmap):
    return {"max_mds": int(mdsmap.get("max_mds", 1)), "allow_standby_replay": _allow_standby_replay(mdsmap)}


def crush_hosts(crush_tree):
    return set(n["name"] for n in (crush_tree or {}).get("nodes") or [] if n.get("type") == "host")


class State:
    """What the holds are made of, as read from the cluster; changed in place as writes are planned."""

    def __init__(self, osd_dump, fs_dump=None, config_dump=None):
        self.flags = set(f for f in cluster_flags(osd_dump) if f in FLAGS)
        self.noautoscale = "noautoscale" in raw_flags(osd_dump)
        self.noout_hosts = set(h for h, flags in (osd_dump.get("crush_node_flags") or {}).items() if "noout" in flags)
        self.filesystems = dict((name, fs_settings(m)) for name, m in filesystems(fs_dump).items())
        self.has_config = config_dump is not None
        self.autoscale_default = None
        if config_dump is not None:
            self.autoscale_default = (read_dump(config_dump).get(setting_key("global", AUTOSCALE_OPTION)) or {}).get("value")

    def view(self, fs_names):
        """The managed part of the cluster, for the diff."""
        view = {"flags": sorted(self.flags), "noautoscale": self.noautoscale, "noout_hosts": sorted(self.noout_hosts)}
        if self.has_config:
            view["config"] = {setting_key("global", AUTOSCALE_OPTION): self.autoscale_default}
        if fs_names:
            view["filesystems"] = dict((n, copy.deepcopy(self.filesystems.get(n))) for n in sorted(fs_names))
        return view

    # --- one hold ---
    def in_place(self, name):
        kind, arg = parse_hold(name)
        if kind == "flag":
            return arg in self.flags
        if kind == "noautoscale":
            return self.noautoscale
        if kind == "noout":
            return arg in self.noout_hosts
        fs = self.filesystems.get(arg)
        return fs is not None and fs["max_mds"] == 1 and not fs["allow_standby_replay"]

    def entry(self, name):
        """What the record keeps of a hold about to be placed: what release puts back beyond the hold itself."""
        kind, arg = parse_hold(name)
        if kind == "noautoscale":
            return {AUTOSCALE_OPTION: self.autoscale_default}
        if kind == "fs":
            return dict(self.filesystems[arg])
        return {}

    def place(self, name):
        """The writes that put hold ``name`` in place (applied to this state): [(prefix, args)]."""
        kind, arg = parse_hold(name)
        if kind == "flag":
            self.flags.add(arg)
            return [("osd set", {"key": arg})]
        if kind == "noautoscale":
            self.noautoscale = True
            writes = [("osd set", {"key": "noautoscale"})]
            if self.autoscale_default != "off":  # new pools are made with the autoscaler off too
                self.autoscale_default = "off"
                writes.append(("config set", {"who": "global", "name": AUTOSCALE_OPTION, "value": "off"}))
            return writes
        if kind == "noout":
            self.noout_hosts.add(arg)
            return [("osd set-group", {"flags": "noout", "who": [arg]})]
        fs, writes = self.filesystems[arg], []
        if fs["allow_standby_replay"]:
            fs["allow_standby_replay"] = False
            writes.append(("fs set", {"fs_name": arg, "var": "allow_standby_replay", "val": "false"}))
        if fs["max_mds"] != 1:
            fs["max_mds"] = 1
            writes.append(("fs set", {"fs_name": arg, "var": "max_mds", "val": "1"}))
        return writes

    def release(self, name, entry):
        """The writes that release hold ``name`` (applied to this state); [] when it is gone already."""
        kind, arg = parse_hold(name)
        if kind == "flag":
            if arg not in self.flags:
                return []
            self.flags.discard(arg)
            return [("osd unset", {"key": arg})]
        if kind == "noautoscale":
            writes = []
            if self.noautoscale:
                self.noautoscale = False
                writes.append(("osd unset", {"key": "noautoscale"}))
            before = entry.get(AUTOSCALE_OPTION)
            if self.autoscale_default != before:  # what the config database held before the hold
                self.autoscale_default = before
                writes.append(("config rm", {"who": "global", "name": AUTOSCALE_OPTION}) if before is None else
                              ("config set", {"who": "global", "name": AUTOSCALE_OPTION, "value": before}))
            return writes
        if kind == "noout":
            if arg not in self.noout_hosts:
                return []
            self.noout_hosts.discard(arg)
            return [("osd unset-group", {"flags": "noout", "who": [arg]})]
        fs, writes = self.filesystems.get(arg), []
        if fs is None:
            return []
        old_max = int(entry.get("max_mds", 1))
        if fs["max_mds"] != old_max:
            fs["max_mds"] = old_max
            writes.append(("fs set", {"fs_name": arg, "var": "max_mds", "val": str(old_max)}))
        if bool(entry.get("allow_standby_replay")) and not fs["allow_standby_replay"]:
            fs["allow_standby_replay"] = True
            writes.append(("fs set", {"fs_name": arg, "var": "allow_standby_replay", "val": "true"}))
        return writes


def _merge(writes):
    """One `osd set-group noout` / `osd unset-group noout` for all hosts, where the hosts come one by one."""
    merged = []
    for prefix, args in writes:
        if prefix in ("osd set-group", "osd unset-group"):
            for other_prefix, other in merged:
                if other_prefix == prefix and other["flags"] == args["flags"]:
                    other["who"] = other["who"] + args["who"]
                    break
            else:
                merged.append((prefix, dict(args)))
        else:
            merged.append((prefix, args))
    return merged


# --- reads ------------------------------------------------------------------------------------
def read_cluster(runner, need_crush=False, need_fs=False, need_config=False):
    """(osd dump, osd crush tree, fs dump, config dump) in one round trip; None for what is not needed."""
    wanted = (("osd dump", True), ("osd crush tree", need_crush), ("fs dump", need_fs), ("config dump", need_config))
    cmds = [{"prefix": prefix} for prefix, need in wanted if need]
    answers = dict(zip([c["prefix"] for c in cmds], runner.mon_batch_read(cmds)))
    return tuple(answers.get(prefix) for prefix, _need in wanted)


def _write_all(runner, writes):
    for prefix, args in _merge(writes):
        runner.write(prefix, **args)


def _write_record(runner, key, holds):
    if holds:
        runner.write("config-key set", key=key, val=record_text(holds, now()))
    else:
        runner.write("config-key rm", key=key)


# --- the wait ---------------------------------------------------------------------------------
def wait_single_rank(runner, names, timeout, interval=0.5):
    """Wait until each filesystem of ``names`` has only rank 0 in its MDS map (`fs dump`). Check mode
    (nothing was changed) does not wait. Raises CephTimeoutError naming what is still active."""
    if runner.check_mode or not names:
        return 0.0

    def attempt():
        maps = filesystems(runner.mon("fs dump"))
        left = dict((n, ranks_active(maps[n])) for n in names if n in maps and ranks_active(maps[n]))
        return not left, left
    waited = poll(attempt, timeout, interval, retry=not_yet)
    if waited.done:
        return round(waited.waited, 1)
    left = waited.value or {}
    still = "; ".join("%s rank %s" % (n, ", ".join("%d (%s)" % r for r in ranks)) for n, ranks in sorted(left.items()))
    raise CephTimeoutError(
        "after %ds with max_mds 1, ranks other than 0 are still active: %s. An MDS hands its rank's metadata to rank 0 "
        "before it stops, which takes long with many clients or a long journal: check `ceph fs status %s` and `ceph "
        "health detail`, then run again (the holds stay in place and recorded; a longer wait_timeout waits longer) or "
        "release them with state absent%s"
        % (timeout, still, " ".join(sorted(left)),
           "" if waited.error is None else " (the last fs dump failed: %s)" % waited.error))


# --- the two states -----------------------------------------------------------------------------
def _result(changed, placed, released, kept, dropped, holds_after, before, after):
    return {"changed": changed, "placed": placed, "released": released, "kept": kept, "dropped": dropped,
            "holds": dict((n, holds_after[n]) for n in sort_holds(holds_after)), "diff": {"before": before, "after": after}}


def _views(holds, state, fs_names):
    return {"record": dict((n, copy.deepcopy(holds[n])) for n in sort_holds(holds)), "cluster": state.view(fs_names)}


def present(runner, params):
    key = params["record_key"]
    names = wanted(params)
    hosts = list(params.get("noout_hosts") or [])
    fs_names = list(params.get("single_rank_filesystems") or [])
    holds = read_record(runner, key)[0]
    osd_dump, crush_tree, fs_dump, config_dump = read_cluster(
        runner, need_crush=bool(hosts), need_fs=bool(fs_names), need_config=bool(params.get("noautoscale")))
    missing = sorted(set(hosts) - crush_hosts(crush_tree))
    if missing:
        raise CephInputError("noout_hosts: %s %s not a CRUSH host of this cluster (hosts: %s); nothing was changed"
                             % (", ".join(missing), "is" if len(missing) == 1 else "are",
                                ", ".join(sorted(crush_hosts(crush_tree))) or "none"))
    known = filesystems(fs_dump)
    if fs_names == [ALL]:  # every filesystem of the cluster, as the MDS upgrade needs
        fs_names = sorted(known)
        names = wanted(dict(params, single_rank_filesystems=fs_names))
    unknown = [f for f in fs_names if f not in known]
    if unknown:
        raise CephInputError("single_rank_filesystems: no filesystem %s in this cluster (it has %s); nothing was changed"
                             % (", ".join(unknown), ", ".join(sorted(known)) or "none"))
    state = State(osd_dump, fs_dump, config_dump)
    before = _views(holds, state, fs_names)
    after_holds = dict(holds)
    placed, kept, writes = [], [], []
    for name in names:
        if state.in_place(name):
            if name not in holds:
                kept.append(name)
            continue
        if name not in holds:
            after_holds[name] = state.entry(name)
        placed.append(name)
        writes += state.place(name)
    new = [n for n in placed if n not in holds]
    if new:  # the record first: a run killed after it only leaves release something already undone
        _write_record(runner, key, after_holds)
    _write_all(runner, writes)
    result = _result(bool(placed), placed, [], kept, [], after_holds, before, _views(after_holds, state, fs_names))
    result["waited"] = wait_single_rank(runner, fs_names, params.get("wait_timeout", 300))
    return result


def absent(runner, params):
    key = params["record_key"]
    release = list(params["release"])
    # what the cluster must be asked depends on the holds of the record: the record first
    holds, exists = read_record(runner, key)
    targets = sort_holds(holds) if release == ["all"] else [n for n in release if n in holds]
    kept = [] if release == ["all"] else [n for n in release if n not in holds]
    kinds = set(parse_hold(n)[0] for n in targets)
    osd_dump, _crush, fs_dump, config_dump = read_cluster(runner, need_fs="fs" in kinds, need_config="noautoscale" in kinds)
    state = State(osd_dump, fs_dump, config_dump)
    fs_names = [parse_hold(n)[1] for n in targets if n.startswith("fs:")]
    before = _views(holds, state, fs_names)
    released, dropped, writes = [], [], []
    for name in targets:
        undo = state.release(name, holds[name])
        (released if undo else dropped).append(name)
        writes += undo
    after_holds = dict((n, e) for n, e in holds.items() if n not in targets)
    _write_all(runner, writes)
    rewrite = bool(targets) or (exists and not holds)
    if rewrite:  # after the changes: a run killed before it leaves a record whose holds are gone (dropped next time)
        _write_record(runner, key, after_holds)
    return _result(bool(writes) or rewrite, [], released, kept, dropped, after_holds, before,
                   _views(after_holds, state, fs_names))


def apply(runner, params):
    """Place (state present) or release (absent) the holds. Returns the module's result (without commands)."""
    if params.get("state", "present") == "absent":
        return absent(runner, params)
    return present(runner, params)
