"""ceph_status_info against the lab, cross-checked with the ceph CLI."""


def test_status_matches_the_cli(lab, module):
    result = module("ceph_status_info")
    assert result["_rc"] == 0 and result["changed"] is False and result["commands"] == []
    cli = lab.ceph("status")
    assert result["fsid"] == cli["fsid"] == lab.fsid
    assert result["health"]["status"] == cli["health"]["status"] == "HEALTH_OK"
    assert result["health"]["checks"] == []
    assert result["mon"] == {"count": 1, "quorum": cli["quorum_names"], "in_quorum": 1, "out_of_quorum": 0}
    assert result["osd"]["total"] == result["osd"]["up"] == result["osd"]["in"] == cli["osdmap"]["num_osds"] == 3
    assert result["pgs"]["total"] == cli["pgmap"]["num_pgs"]
    assert result["pgs"]["all_active_clean"] is True
    assert result["versions"]["overall"] == {"20.2.4": 7}
    assert result["versions"]["mixed"] is False and result["versions"]["releases"] == ["tentacle"]
    assert result["versions"]["by_type"]["osd"] == {"20.2.4": 3}
    df = lab.ceph("df")
    assert result["capacity"]["total_bytes"] == df["stats"]["total_bytes"]
    assert sorted(p["name"] for p in result["pools"]) == sorted(lab.ceph("osd", "pool", "ls"))
    assert result["mds"]["up"] == 1


def test_health_check_with_severity_and_detail(lab, module):
    lab.ceph("osd", "set", "noout")
    try:
        result = module("ceph_status_info")
    finally:
        lab.ceph("osd", "unset", "noout")
    assert result["health"]["status"] == "HEALTH_WARN"
    (check,) = result["health"]["checks"]
    assert check["name"] == "OSDMAP_FLAGS"
    assert check["severity"] == "HEALTH_WARN"
    assert "noout" in check["summary"]
    assert check["muted"] is False


def test_status_in_check_mode_reads_all_the_same(module):
    result = module("ceph_status_info", check_mode=True)
    assert result["_rc"] == 0 and result["health"]["status"] == "HEALTH_OK"


def test_bad_connection_fails_with_a_message_not_a_traceback(module):
    result = module("ceph_status_info", conf="/nonexistent.conf")
    assert result["failed"] is True and result["_rc"] != 0
    assert "set 'conf' to an existing ceph.conf" in result["msg"]
