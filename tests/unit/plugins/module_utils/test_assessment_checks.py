# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every check of the assessment firing and not firing: on the lab's recordings (a clean lab, and the lab
with problems induced) and on the clean recording changed by hand for conditions the lab cannot show."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.assessment_support import lab_bundle

from ansible_collections.koor.ceph.plugins.module_utils.assessment import checks, engine, facts, rules

V = "ceph version %s (7f793731f1b39eb4f465e960113d2363c311b964) %s (stable - RelWithDebInfo)"
TENTACLE = V % ("20.2.4", "tentacle")


def fired(bundle, **kwargs):
    document = engine.assess(bundle, **kwargs)
    return document, dict((f["key"], f) for f in document["findings"])


def of(findings, check):
    return [f for f in findings.values() if f["check"] == check]


def evidence(finding):
    return dict((e["field"], e["value"]) for e in finding["evidence"])


# --- the lab's recordings -------------------------------------------------------------------------
CLEAN_LAB = {  # what the one-host lab really is: true findings, none critical
    "CAP_RATIOS_RAISED", "CFG_OSD_MEMORY_TARGET_LOW", "CFG_POOL_DELETE_ALLOWED", "DMN_MGR_NO_STANDBY",
    "DMN_MON_FEW", "FS_NO_STANDBY_MDS", "PG_AUTOSCALE_OFF", "RED_FAILURE_DOMAINS_NO_SPARE", "RED_FEW_HOSTS",
    "RED_RULE_OSD_DOMAIN"}
INDUCED = {  # what the problems recording adds
    "CAP_OSD_NEARFULL", "CAP_RAW_USED_NEARFULL", "DMN_FLAGS_SET", "DMN_OSD_DOWN", "DMN_RECENT_CRASH", "PG_INACTIVE",
    "PG_NOT_CLEAN", "RED_POOL_MIN_SIZE_1", "RED_POOL_MIN_SIZE_EQ_SIZE", "RED_POOL_SIZE_1", "RGW_USER_NO_QUOTA",
    "SEC_GLOBAL_ID_RECLAIM", "HEALTH_WARN_OTHER"}


def test_the_clean_lab_fires_only_what_it_is_and_nothing_critical():
    document, findings = fired(lab_bundle())
    assert set(f["check"] for f in findings.values()) == CLEAN_LAB
    assert document["summary"]["findings"]["critical"] == 0
    assert document["summary"]["exit_code"] == 1
    rook = set(c["id"] for c in checks.CHECKS if c.get("mode") == "rook")
    assert all(r["status"] in ("passed", "failed") for r in document["checks"] if r["check"] not in rook), \
        [r for r in document["checks"] if r["status"] not in ("passed", "failed")]
    assert set(r["check"] for r in document["checks"] if r["status"] == "not_applicable") == rook


def test_the_induced_problems_are_each_found_with_their_evidence():
    document, findings = fired(lab_bundle("assessment_problems"))
    assert set(f["check"] for f in findings.values()) == CLEAN_LAB | INDUCED
    assert document["summary"]["exit_code"] == 2
    size1 = findings["RED_POOL_SIZE_1:pool assess-size1"]
    assert evidence(size1)["pools[assess-size1].size"] == 1
    assert [e["source"] for e in size1["evidence"]] == ["ceph osd dump", "ceph osd dump"]
    assert evidence(findings["RED_POOL_MIN_SIZE_EQ_SIZE:pool assess-minsize"])["pools[assess-minsize].min_size"] == 3
    assert evidence(findings["DMN_OSD_DOWN:osd.2"])["osds[osd.2].up"] is False
    nearfull = findings["CAP_OSD_NEARFULL:osd.0"]
    assert abs(evidence(nearfull)["nearfull_ratio"] - 0.001) < 1e-6
    assert evidence(nearfull)["osds[osd.0].utilization / 100"] > 0.001
    assert "CAP_OSD_NEARFULL:osd.2" not in findings  # down: its utilisation is stale, as Ceph says
    crash = findings["DMN_RECENT_CRASH:cluster"]
    assert "osd.1" in crash["message"] and crash["evidence"][0]["source"] == "ceph crash ls"
    assert evidence(findings["DMN_FLAGS_SET:cluster"])["flags_set"] == ["noout"]
    reclaim = evidence(findings["SEC_GLOBAL_ID_RECLAIM:cluster"])
    assert reclaim["auth_allow_insecure_global_id_reclaim"] == "true"
    assert "checks.AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED.summary" in reclaim
    assert "8 undersized+peered" in findings["PG_INACTIVE:cluster"]["message"]
    assert evidence(findings["RGW_USER_NO_QUOTA:rgw user assess-user"])["assess-user.user_quota.enabled"] is False
    # Ceph's POOL_NEARFULL has no finding of the check that covers pool use: the pass-through keeps it
    assert "HEALTH_WARN_OTHER:POOL_NEARFULL" in findings
    # codes a check with a finding covers are not repeated
    assert "HEALTH_WARN_OTHER:OSD_DOWN" not in findings and "HEALTH_WARN_OTHER:OSDMAP_FLAGS" not in findings


# --- hand-built cases, on the clean recording ------------------------------------------------------
def pool(raw, name):
    return [p for p in raw["osd_dump"]["pools"] if p["pool_name"] == name][0]


def df_pool(raw, name):
    return [p for p in raw["df"]["pools"] if p["name"] == name][0]


def osd_node(raw, osd_id):
    return [n for n in raw["osd_df_tree"]["nodes"] if n["id"] == osd_id][0]


def set_health(raw, code, severity="HEALTH_WARN", summary="x", detail=()):
    raw["health_detail"]["checks"][code] = {"severity": severity, "summary": {"message": summary, "count": 1},
                                            "detail": [{"message": d} for d in detail], "muted": False}


def add_host(raw, name, weight=0.009796142578125, osd_id=10):
    """A second host with one OSD, in the CRUSH tree, the OSD map and the metadata."""
    nodes = raw["osd_df_tree"]["nodes"]
    root = [n for n in nodes if n["type"] == "root"][0]
    host = dict([n for n in nodes if n["type"] == "host"][0], id=-10 - osd_id, name=name, children=[osd_id],
                kb=10485760)
    nodes.append(host)
    root["children"].append(host["id"])
    nodes.append(dict(osd_node(raw, 0), id=osd_id, name="osd.%d" % osd_id, crush_weight=weight))
    raw["osd_dump"]["osds"].append(dict(raw["osd_dump"]["osds"][0], osd=osd_id))
    raw["osd_metadata"].append(dict(raw["osd_metadata"][0], id=osd_id, hostname=name))


def add_pg_state(raw, state, count=2):
    raw["status"]["pgmap"]["pgs_by_state"].append({"state_name": state, "count": count})


def versions(raw, text, count=1):
    raw["versions"]["osd"][text] = count
    raw["versions"]["overall"][text] = count


def set_running(raw, who, name, value):
    raw["config_show." + who] = [e for e in raw["config_show." + who] if e["name"] != name] + [
        {"name": name, "value": value, "source": "override"}]


def ec_pool(raw, k, m, min_size):
    p = pool(raw, "cephfs.cephfs.data")
    p.update(type=3, erasure_code_profile="ec", size=k + m, min_size=min_size)
    raw["osd_dump"]["erasure_code_profiles"]["ec"] = {"k": str(k), "m": str(m), "plugin": "isa"}


def _spread_hosts(raw):
    """Three hosts of equal weight and a host failure domain: the lab's redundancy findings clear."""
    add_host(raw, "h2", osd_id=10)
    add_host(raw, "h3", osd_id=11)
    add_host(raw, "h4", osd_id=12)
    for host in [n for n in raw["osd_df_tree"]["nodes"] if n["type"] == "host" and n["name"] == "vm"]:
        host["children"] = [0]
    for rule in raw["osd_crush_dump"]["rules"]:
        for step in rule["steps"]:
            if step["op"].startswith("choose"):
                step["type"] = "host"


def _fs_standby(raw):
    raw["fs_dump"]["standbys"] = [{"name": "b", "state": "up:standby"}]


def _old_crash(raw, days_before="2026-11-01T00:00:00.000000Z", archived=None):
    entry = {"crash_id": "c1", "timestamp": days_before, "entity_name": "osd.0"}
    if archived:
        entry["archived"] = archived
    raw["crash_ls"] = [entry]


# check id -> (make it fire, subject of the finding, an evidence field it shows)
FIRE = {
    "CAP_RATIO_ORDER": (lambda r: r["osd_dump"].update(backfillfull_ratio=0.99), "cluster", "backfillfull_ratio"),
    "CAP_RAW_USED_HIGH": (lambda r: r["df"]["stats"].update(total_used_raw_ratio=0.8), "cluster", "stats.total_used_raw_ratio"),
    "CAP_RAW_USED_NEARFULL": (lambda r: r["df"]["stats"].update(total_used_raw_ratio=0.94), "cluster", "stats.total_used_raw_ratio"),
    "CAP_OSD_NEARFULL": (lambda r: osd_node(r, 1).update(utilization=93.5), "osd.1", "osds[osd.1].utilization / 100"),
    "CAP_OSD_BACKFILLFULL": (lambda r: osd_node(r, 1).update(utilization=95.5), "osd.1", "osds[osd.1].utilization / 100"),
    "CAP_OSD_FULL": (lambda r: osd_node(r, 1).update(utilization=97.5), "osd.1", "full_ratio"),
    "CAP_POOL_USED_HIGH": (lambda r: [p for p in r["df"]["pools"] if p["name"] == ".mgr"][0]["stats"].update(percent_used=0.8),
                           "pool .mgr", "pools[.mgr].percent_used"),
    "CAP_POOL_QUOTA_NEAR": (lambda r: pool(r, ".mgr").update(quota_max_objects=df_pool(r, ".mgr")["stats"]["objects"]),
                            "pool .mgr", "pools[.mgr].quota_max_objects"),
    "CAP_OSD_SPREAD": (lambda r: r["osd_df_tree"]["summary"].update(max_var=1.5), "cluster", "summary.max_var"),
    "CAP_MON_STORE": (lambda r: set_health(r, "MON_DISK_BIG", summary="mon a is using a lot of disk space"),
                      "MON_DISK_BIG", "checks.MON_DISK_BIG.summary"),
    "CAP_MON_DISK_CRIT": (lambda r: set_health(r, "MON_DISK_CRIT", "HEALTH_ERR", "mon a is very low on available space"),
                          "MON_DISK_CRIT", "checks.MON_DISK_CRIT.severity"),
    "CAP_HOST_LOSS": (lambda r: (add_host(r, "small"),
                                 r["df"]["stats"].update(total_bytes=40 * 1024 ** 3, total_used_raw_bytes=int(9.5 * 1024 ** 3))),
                      "host vm", "stats.total_used_raw_bytes"),
    "RED_POOL_SIZE_1": (lambda r: pool(r, ".mgr").update(size=1, min_size=1), "pool .mgr", "pools[.mgr].size"),
    "RED_POOL_SIZE_2": (lambda r: pool(r, ".mgr").update(size=2), "pool .mgr", "pools[.mgr].size"),
    "RED_POOL_MIN_SIZE_1": (lambda r: pool(r, ".mgr").update(min_size=1), "pool .mgr", "pools[.mgr].min_size"),
    "RED_POOL_MIN_SIZE_EQ_SIZE": (lambda r: pool(r, ".mgr").update(min_size=3), "pool .mgr", "pools[.mgr].min_size"),
    "RED_EC_MIN_SIZE": (lambda r: ec_pool(r, 2, 2, 2), "pool cephfs.cephfs.data", "pools[cephfs.cephfs.data].min_size"),
    "RED_EC_M_1": (lambda r: ec_pool(r, 2, 1, 3), "pool cephfs.cephfs.data", "pools[cephfs.cephfs.data].m"),
    "RED_FAILURE_DOMAINS_LT_SIZE": (lambda r: pool(r, ".mgr").update(size=4), "pool .mgr", "pools[.mgr].size"),
    "CAP_RATIOS_RAISED": None,  # fires on the clean lab
    "RED_FAILURE_DOMAINS_NO_SPARE": None,
    "RED_RULE_OSD_DOMAIN": None,
    "RED_FEW_HOSTS": None,
    "RED_MONS_SHARE_HOST": (lambda r: (r["mon_dump"]["mons"].append(dict(r["mon_dump"]["mons"][0], name="b", rank=1)),
                                       r["mon_metadata"].append(dict(r["mon_metadata"][0], name="b"))),
                            "cluster", "[b].hostname"),
    "RED_CRUSH_WEIGHT_IMBALANCE": (lambda r: add_host(r, "big", weight=0.5), "cluster", "hosts[big].crush_weight"),
    "RED_REWEIGHT_LEFT": (lambda r: r["osd_dump"]["osds"][1].update(weight=0.8), "osd.1", "osds[osd.1].weight"),
    "RED_PRIMARY_AFFINITY": (lambda r: r["osd_dump"]["osds"][1].update(primary_affinity=0.5), "osd.1",
                             "osds[osd.1].primary_affinity"),
    "RED_OSD_OUT": (lambda r: r["osd_dump"]["osds"][1].update(**{"in": 0}), "osd.1", "osds[osd.1].in"),
    "PG_INACTIVE": (lambda r: r["status"]["pgmap"]["pgs_by_state"].append({"state_name": "peering", "count": 2}),
                    "cluster", "pgmap.pgs_by_state[peering]"),
    "PG_NOT_CLEAN": (lambda r: add_pg_state(r, "active+remapped+backfilling"), "cluster",
                     "pgmap.pgs_by_state[active+remapped+backfilling]"),
    "PG_INCONSISTENT": (lambda r: set_health(r, "OSD_SCRUB_ERRORS", "HEALTH_ERR", "2 scrub errors"), "OSD_SCRUB_ERRORS",
                        "checks.OSD_SCRUB_ERRORS.summary"),
    "PG_TOO_MANY_PER_OSD": (lambda r: osd_node(r, 0).update(pgs=300), "osd.0", "nodes[osd.0].pgs"),
    "PG_TOO_FEW_PER_OSD": (lambda r: [n.update(pgs=10) for n in r["osd_df_tree"]["nodes"] if n["type"] == "osd"],
                           "cluster", "average of nodes[type=osd].pgs"),
    "PG_NUM_NOT_POWER_OF_TWO": (lambda r: pool(r, ".mgr").update(pg_num=12), "pool .mgr", "pools[.mgr].pg_num"),
    "PG_AUTOSCALE_OFF": None,
    "PG_SCRUB_OVERDUE": (lambda r: r["pg_dump"]["pg_stats"][0].update(last_scrub_stamp="2026-11-01T00:00:00.000000+0000"),
                         "cluster", "last_scrub_stamp"),
    "PG_DEEP_SCRUB_OVERDUE": (lambda r: r["pg_dump"]["pg_stats"][0].update(last_deep_scrub_stamp="2026-11-01T00:00:00+0000"),
                              "cluster", "last_deep_scrub_stamp"),
    "VER_MIXED": (lambda r: versions(r, V % ("20.2.3", "tentacle")), "cluster", "osd.20.2.3"),
    "VER_REQUIRE_OSD_RELEASE": (lambda r: r["osd_dump"].update(require_osd_release="squid"), "cluster", "require_osd_release"),
    "VER_KNOWN_BAD": (lambda r: versions(r, V % ("20.2.0", "tentacle")), "20.2.0", "overall[20.2.0]"),
    "VER_MINOR_BEHIND": (lambda r: versions(r, V % ("19.2.1", "squid")), "19.2.1", "recommended_minimum[squid]"),
    "VER_END_OF_LIFE": (lambda r: versions(r, V % ("17.2.8", "quincy")), "17.2.8", "end_of_life[quincy]"),
    "VER_MIN_COMPAT_CLIENT": (lambda r: r["osd_dump"].update(require_min_compat_client="jewel"), "cluster",
                              "require_min_compat_client"),
    "VER_FILESTORE": (lambda r: r["osd_metadata"][0].update(osd_objectstore="filestore"), "osd.0", "osds[osd.0].osd_objectstore"),
    "VER_LEGACY_BLUESTORE": (lambda r: set_health(r, "BLUESTORE_NO_PER_POOL_OMAP"), "BLUESTORE_NO_PER_POOL_OMAP",
                             "checks.BLUESTORE_NO_PER_POOL_OMAP.summary"),
    "SEC_GLOBAL_ID_RECLAIM": (lambda r: set_running(r, "mon.a", "auth_allow_insecure_global_id_reclaim", "true"), "cluster",
                              "auth_allow_insecure_global_id_reclaim"),
    "SEC_INSECURE_KEY_TYPE": (lambda r: r["auth_ls"]["auth_dump"][0].update(key_type="aes"), "cluster",
                              "auth_dump[mds.a].key_type"),
    "SEC_INSECURE_AUTH_HEALTH": (lambda r: set_health(r, "AUTH_INSECURE_SERVICE_TICKETS", "HEALTH_ERR"),
                                 "AUTH_INSECURE_SERVICE_TICKETS", "checks.AUTH_INSECURE_SERVICE_TICKETS.severity"),
    "SEC_MSGR2_OFF": (lambda r: r["mon_dump"]["mons"][0]["public_addrs"].update(addrvec=[{"type": "v1", "addr": "x"}]),
                      "mon.a", "mons[a].public_addrs has v2"),
    "SEC_BROAD_CLIENT_CAPS": (lambda r: [e for e in r["auth_ls"]["auth_dump"] if e["entity"] == "client.rgw.lab"][0][
        "caps"].update(mon="allow *"), "client.rgw.lab", "auth_dump[client.rgw.lab].caps.mon"),
    "SEC_CEPHX_OFF": (lambda r: set_running(r, "mon.a", "auth_client_required", "none"), "mon.a auth_client_required",
                      "auth_client_required"),
    "DMN_MON_DOWN": (lambda r: r["quorum_status"].update(quorum_names=[]), "mon.a", "mons[a].in quorum_names"),
    "DMN_MON_FEW": None,
    "DMN_MON_EVEN": (lambda r: r["mon_dump"]["mons"].append(dict(r["mon_dump"]["mons"][0], name="b")), "cluster", "mons"),
    "DMN_MGR_NO_STANDBY": None,
    "DMN_MGR_UNAVAILABLE": (lambda r: r["mgr_dump"].update(available=False), "cluster", "available"),
    "DMN_MGR_MODULE_FAILING": (lambda r: set_health(r, "MGR_MODULE_ERROR", summary="Module 'x' has failed"),
                               "MGR_MODULE_ERROR", "checks.MGR_MODULE_ERROR.summary"),
    "DMN_OSD_DOWN": (lambda r: r["osd_dump"]["osds"][2].update(up=0), "osd.2", "osds[osd.2].up"),
    "DMN_RECENT_CRASH": (lambda r: _old_crash(r, "2026-12-01T00:00:00.000000Z"), "cluster", "[c1]"),
    "DMN_FLAGS_SET": (lambda r: r["osd_dump"]["flags_set"].append("norebalance"), "cluster", "flags"),
    "DMN_GROUP_FLAGS_SET": (lambda r: r["osd_dump"].update(device_class_flags={"hdd": ["noout"]}), "cluster",
                            "device_class_flags.hdd"),
    "DMN_CLOCK_SKEW": (lambda r: r["time_sync_status"].update(time_skew_status={"a": {"skew": 0.2, "health": "HEALTH_WARN"}}),
                       "mon.a", "time_skew_status.a.skew"),
    "DMN_SLOW_OPS": (lambda r: set_health(r, "SLOW_OPS", summary="3 slow ops"), "SLOW_OPS", "checks.SLOW_OPS.summary"),
    "CFG_DEBUG_HIGH": (lambda r: r["config_dump"].append({"section": "osd", "name": "debug_osd", "value": "20/20"}),
                       "cluster", "osd/debug_osd"),
    "CFG_OSD_MEMORY_TARGET_LOW": None,
    "CFG_OSD_MEMORY_OVERCOMMIT": (lambda r: [m.update(mem_total_kb="1048576") for m in r["osd_metadata"]], "host vm",
                                  "sum of osd_memory_target on vm"),
    "CFG_POOL_NO_APPLICATION": (lambda r: pool(r, ".mgr").update(application_metadata={}), "pool .mgr",
                                "pools[.mgr].applications"),
    "CFG_POOL_DELETE_ALLOWED": None,
    "CFG_BALANCER_OFF": (lambda r: r["balancer_status"].update(active=False), "cluster", "active"),
    "RGW_USER_NO_QUOTA": (lambda r: r.update(rgw_users=[{"uid": "u1", "user_quota": {"enabled": False},
                                                         "bucket_quota": {"enabled": False}}]),
                          "rgw user u1", "u1.user_quota.enabled"),
    "RGW_LARGE_OMAP": (lambda r: r["pg_dump"]["pg_stats"][0]["stat_sum"].update(num_large_omap_objects=2),
                       None, "num_large_omap_objects"),
    "FS_NO_STANDBY_MDS": None,
    "FS_MANY_ACTIVE_MDS": (lambda r: r["fs_dump"]["filesystems"][0]["mdsmap"].update(max_mds=4), "fs cephfs",
                           "filesystems[cephfs].max_mds"),
    "FS_DEGRADED": (lambda r: set_health(r, "MDS_ALL_DOWN", "HEALTH_ERR", "1 filesystem is offline"), "MDS_ALL_DOWN",
                    "checks.MDS_ALL_DOWN.summary"),
    "HEALTH_ERR_OTHER": (lambda r: set_health(r, "OSD_TOO_MANY_REPAIRS", "HEALTH_ERR", "Too many repaired reads"),
                         "OSD_TOO_MANY_REPAIRS", "checks.OSD_TOO_MANY_REPAIRS.summary"),
    "HEALTH_WARN_OTHER": (lambda r: set_health(r, "POOL_TOO_FEW_PGS"), "POOL_TOO_FEW_PGS", "checks.POOL_TOO_FEW_PGS.summary"),
    "ASSESS_READ_FAILED": None,
}

# the checks that fire on the clean lab, and what clears each
CLEAR = {
    "CAP_RATIOS_RAISED": lambda r: r["osd_dump"].update(nearfull_ratio=0.85, backfillfull_ratio=0.9, full_ratio=0.95),
    "RED_FAILURE_DOMAINS_NO_SPARE": _spread_hosts,
    "RED_RULE_OSD_DOMAIN": _spread_hosts,
    "RED_FEW_HOSTS": _spread_hosts,
    "PG_AUTOSCALE_OFF": lambda r: [p.update(pg_autoscale_mode="on") for p in r["osd_dump"]["pools"]],
    "DMN_MON_FEW": lambda r: r["mon_dump"]["mons"].extend([dict(r["mon_dump"]["mons"][0], name=n) for n in "bc"]),
    "DMN_MGR_NO_STANDBY": lambda r: r["mgr_dump"].update(standbys=[{"name": "y", "gid": 1}]),
    "CFG_OSD_MEMORY_TARGET_LOW": lambda r: [set_running(r, "osd.%d" % i, "osd_memory_target", str(4 * 1024 ** 3))
                                            for i in range(3)],
    "CFG_POOL_DELETE_ALLOWED": lambda r: set_running(r, "mon.a", "mon_allow_pool_delete", "false"),
    "FS_NO_STANDBY_MDS": _fs_standby,
}


def test_every_check_has_a_firing_case():
    assert set(FIRE) == set(c["id"] for c in checks.CHECKS if c.get("mode") != "rook")  # Rook's: test_assessment_rook.py
    assert len(checks.CHECKS) >= 45
    # a check the cases leave to the recordings fires in one of them
    assert set(k for k, v in FIRE.items() if v is None) <= CLEAN_LAB | INDUCED | {"ASSESS_READ_FAILED"}


@pytest.mark.parametrize("check_id", sorted(k for k, v in FIRE.items() if v is not None))
def test_a_check_fires_on_its_condition_and_not_without_it(check_id):
    bundle = lab_bundle()
    _document, before = fired(bundle)
    assert not of(before, check_id), "fires on the clean lab already"
    mutate, subject, field = FIRE[check_id]
    mutate(bundle["ceph"])
    _document, after = fired(bundle)
    hits = of(after, check_id)
    assert hits, "%s did not fire" % check_id
    if subject is not None:
        assert [h["subject"] for h in hits] == [subject]
    fields = [e["field"] for h in hits for e in h["evidence"]]
    assert any(field in f for f in fields), fields
    spec = engine.by_id()[check_id]
    assert all(h["severity"] == spec["severity"] and h["remediation"] == spec["remediation"] for h in hits)


@pytest.mark.parametrize("check_id", sorted(CLEAR))
def test_a_check_that_fires_on_the_lab_clears_when_its_condition_goes(check_id):
    bundle = lab_bundle()
    _document, before = fired(bundle)
    assert of(before, check_id)
    CLEAR[check_id](bundle["ceph"])
    _document, after = fired(bundle)
    assert not of(after, check_id), [f["message"] for f in of(after, check_id)]


def test_the_checks_not_firing_on_the_clean_lab_are_the_ones_with_a_firing_case():
    assert set(CLEAR) == CLEAN_LAB


def test_a_read_that_failed_is_a_finding_and_its_checks_say_they_could_not_run():
    bundle = lab_bundle()
    bundle["ceph"]["osd_dump"] = None
    bundle["errors"] = {"osd_dump": "ceph osd dump: rc 13: access denied"}
    document, findings = fired(bundle)
    assert evidence(findings["ASSESS_READ_FAILED:osd_dump"])["osd_dump"] == "ceph osd dump: rc 13: access denied"
    results = dict((r["check"], r) for r in document["checks"])
    assert results["RED_POOL_SIZE_1"]["status"] == "not_evaluated"
    assert "ceph osd dump: rc 13" in results["RED_POOL_SIZE_1"]["reason"]
    assert results["DMN_MON_FEW"]["status"] == "failed"  # its read is there


def test_a_check_hit_by_the_thresholds_follows_them():
    bundle = lab_bundle()
    _document, findings = fired(bundle, thresholds={"osd_memory_target_min": 512 * 1024 ** 2})
    assert not of(findings, "CFG_OSD_MEMORY_TARGET_LOW")
    _document, findings = fired(bundle, thresholds={"min_osd_hosts": 1})
    assert not of(findings, "RED_FEW_HOSTS")


class Reads(dict):
    def __init__(self, values):
        super(Reads, self).__init__(values)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return dict.__getitem__(self, key)


@pytest.mark.parametrize("check_id", sorted(k for k, v in FIRE.items() if v is not None))
def test_a_check_reads_only_the_thresholds_docs_assessment_md_names(check_id):
    bundle = lab_bundle()
    FIRE[check_id][0](bundle["ceph"])
    check = engine.by_id()[check_id]
    values = Reads(engine.thresholds_with())
    params = dict(check["params"], covered=set()) if check["rule"] == "health_other" else check["params"]
    assert rules.RULES[check["rule"]](facts.build(bundle), params, values)
    assert values.read <= rules.thresholds_of(check, checks.THRESHOLDS)
