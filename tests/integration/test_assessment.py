"""The system assessment (koor.ceph.ceph_assessment) against the real lab cluster: a clean lab has no critical
finding; induced problems are each found with the right evidence and undone after; the offline run of the
live run's bundle gives the same findings; the HTML page renders in headless Chromium."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import KOOR_LAB, assert_same_state, wait_for

CRASH_STAMP = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() - 3600))
CRASH_ID = CRASH_STAMP + "_9c5f6c2e-0e57-4d8e-8a1e-koorassess99"
POOL_SIZE_1 = "koor-assess-size1"
POOL_MIN_SIZE = "koor-assess-minsize"
RGW_USER = "koor-assess-user"


def findings_of(result):
    return dict((f["key"], f) for f in result["report"]["findings"])


def evidence(finding):
    return dict((e["field"], e["value"]) for e in finding["evidence"])


def test_a_clean_lab_has_no_critical_finding(module, tmp_path):
    started = time.monotonic()
    result = module("ceph_assessment", report_dir=str(tmp_path))
    seconds = time.monotonic() - started
    assert result["_rc"] == 0 and not result.get("failed"), result.get("msg")
    assert result["counts"]["critical"] == 0, [f["message"] for f in result["report"]["findings"]
                                               if f["severity"] == "critical"]
    assert result["exit_code"] == 1  # the one-host lab's true warnings (one mon, no standby mgr, ...)
    assert "DMN_MON_FEW:cluster" in findings_of(result)
    statuses = dict((r["check"], r["status"]) for r in result["report"]["checks"])
    assert all(s in ("passed", "failed") for c, s in statuses.items() if not c.startswith("ROOK_")), statuses
    assert all(s == "not_applicable" for c, s in statuses.items() if c.startswith("ROOK_"))  # plain Ceph
    assert result["stats"]["round_trips"] <= 6, result["stats"]
    assert sorted(os.listdir(str(tmp_path))) == ["report.html", "report.json", "report.md"]
    assert result["changed"] is True and result["commands"] == []
    assert seconds < 10, "a live assessment took %.1fs" % seconds
    print("live assessment: %.2fs (module run), %s" % (seconds, result["stats"]))


@pytest.fixture
def problems(lab):
    """The lab with problems induced, each undone after (the lab's state compared before and after)."""
    before = lab.state()
    dump = lab.ceph("osd", "dump")
    nearfull = dump["nearfull_ratio"]
    reclaim = lab.ceph("config", "show", "mon.a", "auth_allow_insecure_global_id_reclaim")
    pid_file = os.path.join(lab.env["KOOR_LAB_DATA"], "run", "osd.2.pid")
    crash = json.dumps({"crash_id": CRASH_ID, "timestamp": CRASH_STAMP, "entity_name": "osd.1",
                        "ceph_version": "20.2.4", "backtrace": ["koor.ceph assessment test"]})
    try:
        lab.ceph("config", "set", "global", "mon_allow_pool_size_one", "true")
        lab.ceph("osd", "pool", "create", POOL_SIZE_1, "8")
        lab.ceph("osd", "pool", "set", POOL_SIZE_1, "size", "1", "--yes-i-really-mean-it")
        lab.ceph("osd", "pool", "application", "enable", POOL_SIZE_1, "rbd")
        lab.ceph("osd", "pool", "create", POOL_MIN_SIZE, "8")
        lab.ceph("osd", "pool", "set", POOL_MIN_SIZE, "min_size", "3")
        lab.ceph("osd", "pool", "application", "enable", POOL_MIN_SIZE, "rbd")
        lab.ceph("osd", "set", "noout")
        lab.ceph("osd", "set-nearfull-ratio", "0.001")
        lab.ceph("tell", "mon.a", "config", "set", "auth_allow_insecure_global_id_reclaim", "true")
        lab.run("ceph", "-c", lab.conf, "crash", "post", "-i", "-", input=crash)
        lab.radosgw_admin("user", "create", "--uid", RGW_USER, "--display-name", "assessment test")
        with open(pid_file) as handle:
            os.kill(int(handle.read().strip()), 15)
        wait_for("osd.2 down", lambda: lab.ceph("osd", "dump")["osds"][2]["up"] == 0, 60)
        wait_for("the OSD_NEARFULL check", lambda: "OSD_NEARFULL" in lab.ceph("health")["checks"], 60)
        yield lab
    finally:
        lab.radosgw_admin("user", "rm", "--uid", RGW_USER, "--purge-data")
        lab.run("ceph", "-c", lab.conf, "crash", "rm", CRASH_ID, check=False)
        lab.ceph("tell", "mon.a", "config", "set", "auth_allow_insecure_global_id_reclaim", str(reclaim).lower())
        lab.ceph("osd", "set-nearfull-ratio", "%.6f" % nearfull)
        lab.ceph("osd", "unset", "noout")
        for pool in (POOL_SIZE_1, POOL_MIN_SIZE):
            lab.run("ceph", "-c", lab.conf, "osd", "pool", "rm", pool, pool, "--yes-i-really-really-mean-it", check=False)
        lab.ceph("config", "rm", "global", "mon_allow_pool_size_one")
        # starts the stopped OSD again and waits for HEALTH_OK, every PG active+clean
        subprocess.run([KOOR_LAB, "up", "--name", lab.name], check=True, stdout=subprocess.DEVNULL)
        assert lab.ceph("health")["status"] == "HEALTH_OK"
        assert_same_state(before, lab.state())


def test_induced_problems_are_found_with_their_evidence_and_the_bundle_checks_the_same(problems, module, tmp_path):
    bundle = str(tmp_path / "bundle.tar.gz")
    live = module("ceph_assessment", bundle_dest=bundle, report_dir=str(tmp_path))
    assert live["_rc"] == 0, live.get("msg")
    found = findings_of(live)
    assert live["exit_code"] == 2
    size1 = found["RED_POOL_SIZE_1:pool %s" % POOL_SIZE_1]
    assert size1["severity"] == "critical"
    assert evidence(size1)["pools[%s].size" % POOL_SIZE_1] == 1
    assert size1["evidence"][0]["source"] == "ceph osd dump"
    minsize = evidence(found["RED_POOL_MIN_SIZE_EQ_SIZE:pool %s" % POOL_MIN_SIZE])
    assert minsize["pools[%s].min_size" % POOL_MIN_SIZE] == 3 and minsize["pools[%s].size" % POOL_MIN_SIZE] == 3
    assert evidence(found["DMN_OSD_DOWN:osd.2"])["osds[osd.2].up"] is False
    nearfull = [f for f in found.values() if f["check"] == "CAP_OSD_NEARFULL"]
    assert nearfull and all(abs(evidence(f)["nearfull_ratio"] - 0.001) < 1e-6 for f in nearfull)
    assert all(evidence(f)["osds[%s].utilization / 100" % f["subject"]] >= 0.001 for f in nearfull)
    crash = found["DMN_RECENT_CRASH:cluster"]
    assert evidence(found["DMN_FLAGS_SET:cluster"])["flags_set"] == ["noout"]
    reclaim = evidence(found["SEC_GLOBAL_ID_RECLAIM:cluster"])
    assert reclaim["auth_allow_insecure_global_id_reclaim"] == "true"
    assert found["SEC_GLOBAL_ID_RECLAIM:cluster"]["severity"] == "critical"
    assert evidence(found["RGW_USER_NO_QUOTA:rgw user %s" % RGW_USER])["%s.user_quota.enabled" % RGW_USER] is False
    assert CRASH_ID in [e["field"].strip("[]") for e in crash["evidence"]]
    offline = module("ceph_assessment", bundle_src=bundle)
    assert offline["_rc"] == 0 and offline["source"] == "bundle"
    assert offline["report"]["findings"] == live["report"]["findings"]
    assert offline["report"]["checks"] == live["report"]["checks"]
    with open(str(tmp_path / "report.json")) as handle:
        assert json.load(handle)["summary"]["exit_code"] == 2


# The colours the page draws with (plugins/module_utils/assessment/report.py COLOURS).
COLOURS = {"critical": (0xc0, 0x39, 0x2b), "warning": (0xd6, 0x89, 0x10), "info": (0x2e, 0x86, 0xc1),
           "ok": (0x22, 0x99, 0x54)}


def chromium():
    path = shutil.which("chromium")
    assert path, "the Debian package chromium is not installed (make deps installs it)"
    return path


def test_the_html_page_renders_in_headless_chromium_with_the_findings_and_every_chart(module, tmp_path):
    from PIL import Image  # pylint: disable=import-outside-toplevel
    result = module("ceph_assessment", report_dir=str(tmp_path))
    page = str(tmp_path / "report.html")
    profile = tempfile.mkdtemp(prefix="koor-chromium-")
    try:
        base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=" + profile, "--window-size=1280,2000"]
        shot = str(tmp_path / "report.png")
        subprocess.run(base + ["--screenshot=" + shot, "file://" + page], capture_output=True, timeout=120, check=True)
        dom = subprocess.run(base + ["--dump-dom", "file://" + page], capture_output=True, text=True, timeout=120,
                             check=True).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    # the DOM Chromium built: the findings table with a row per finding, and the four charts
    assert dom.count('<tr class="finding') == len(result["report"]["findings"]) > 0
    for chart in ("chart-capacity", "chart-osd-utilization", "chart-pg-states", "chart-findings-by-category"):
        assert 'id="%s"' % chart in dom
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2000)
    pixels = list(image.get_flattened_data())
    white = sum(1 for p in pixels if p == (255, 255, 255))
    assert white < 0.97 * len(pixels), "the page is (nearly) blank"
    seen = set(pixels)
    # the severity badges and the charts' bars: every colour the clean lab's report draws is on the screen
    wanted = {"warning", "info", "ok"}
    assert set(name for name, rgb in COLOURS.items() if rgb in seen) >= wanted
    # the charts are drawn in the top part of the page: coloured bars there, not only text
    top = image.crop((0, 0, 1280, 1000))
    coloured = sum(1 for p in top.get_flattened_data() if p in (COLOURS["ok"], COLOURS["info"], COLOURS["warning"]))
    assert coloured > 2000, coloured
