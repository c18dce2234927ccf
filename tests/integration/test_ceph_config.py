"""ceph_config: check -> apply -> apply again -> check again -> verified with the CLI."""
import pytest

from conftest import house_cycle

MODULE = "ceph_config"

# (who, option, value as declared, value as Ceph stores it)
SETTINGS = [
    ("osd", "osd_memory_target", "5G", "5368709120"),                        # size: G is 2**30 for Ceph
    ("osd/class:hdd", "osd_max_backfills", 3, "3"),                           # uint, device class mask
    ("osd.1", "osd_scrub_auto_repair", "yes", "true"),                        # bool
    ("mon", "mon_warn_on_pool_no_app_grace", "1h", "3600"),                   # secs
    ("osd", "osd_scrub_interval_randomize_ratio", 0.25, "0.250000"),          # float
    ("osd.0", "debug_osd", 5, "5/5"),                                         # debug level
    ("mgr", "mgr/balancer/sleep_interval", "2m", "120"),                      # mgr module option (secs)
    ("mgr", "mgr_module_load_delay", "2s", "2000"),                           # millisecs
    ("client.rgw.lab", "rgw max chunk size", "4Mi", "4194304"),               # name with spaces, size
    ("osd/host:vm", "osd_recovery_sleep", "0.1", "0.100000"),                 # CRUSH location mask
    ("global", "osd_pool_default_pg_autoscale_mode", "warn", "warn"),         # enum string
]


def cycle(module, **options):
    """The house cycle (conftest.house_cycle); returns the check and apply results."""
    return house_cycle(module, MODULE, **options)


def dump(lab):
    """The whole configuration database: {'<who> <option>': value}."""
    result = {}
    for entry in lab.ceph("config", "dump"):
        who = entry["section"] + ("/" + entry["mask"] if entry["mask"] else "")
        result["%s %s" % (who, entry["name"])] = entry["value"]
    return result


@pytest.fixture
def clean(lab):
    before = dump(lab)
    yield
    for key in set(dump(lab)) - set(before):
        who, option = key.split(" ", 1)
        lab.ceph("config", "rm", who, option)


def test_a_set_of_settings_normalised_then_removed(lab, module, clean):
    options = dict(settings=[dict(who=w, option=o, value=v) for w, o, v, _stored in SETTINGS])
    check, apply = cycle(module, **options)
    assert apply["commands"] == ["ceph config set %s %s %s" % (w, o.replace(" ", "_"), s)
                                 for w, o, _v, s in SETTINGS]
    key = "osd osd_memory_target"
    assert apply["diff"]["before"][key] == {"state": "absent"}
    assert apply["diff"]["after"][key] == {"value": "5368709120", "state": "present"}
    held = dump(lab)
    for who, option, _value, stored in SETTINGS:
        assert held["%s %s" % (who, option.replace(" ", "_"))] == stored
    assert str(lab.ceph("config", "get", "osd.2", "osd_memory_target")) == "5368709120"
    assert str(lab.ceph("config", "get", "osd.1", "osd_scrub_auto_repair")) == "true"

    # the same values written in other forms are the same settings
    same = module(MODULE, settings=[
        dict(who="osd", option="osd-memory-target", value="5Gi"),
        dict(who="osd/class:hdd", option="osd_max_backfills", value="3"),
        dict(who="osd.1", option="osd_scrub_auto_repair", value=True),
        dict(who="mon", option="mon_warn_on_pool_no_app_grace", value=3600),
        dict(who="osd", option="osd_scrub_interval_randomize_ratio", value=".25"),
        dict(who="osd.0", option="debug_osd", value="5/5"),
        dict(who="mgr", option="mgr/balancer/sleep_interval", value=120),
        dict(who="mgr", option="mgr_module_load_delay", value=2000),
        dict(who="client.rgw.lab", option="rgw_max_chunk_size", value="4M"),
    ])
    assert same["_rc"] == 0 and same["changed"] is False and same["commands"] == [], same

    # one changed value in a set: only that one is written
    one = module(MODULE, settings=[dict(who="osd", option="osd_memory_target", value="6G"),
                                   dict(who="osd/class:hdd", option="osd_max_backfills", value=3)])
    assert one["commands"] == ["ceph config set osd osd_memory_target 6442450944"]
    assert one["diff"] == {"before": {"osd osd_memory_target": {"value": "5368709120", "state": "present"},
                                      "osd/class:hdd osd_max_backfills": {"value": "3", "state": "present"}},
                           "after": {"osd osd_memory_target": {"value": "6442450944", "state": "present"},
                                     "osd/class:hdd osd_max_backfills": {"value": "3", "state": "present"}}}

    check, apply = cycle(module, settings=[dict(who=w, option=o, state="absent") for w, o, _v, _s in SETTINGS])
    assert len(apply["commands"]) == len(SETTINGS)
    held = dump(lab)
    assert not [k for k in held if k in ["%s %s" % (w, o.replace(" ", "_")) for w, o, _v, _s in SETTINGS]]


def test_one_setting_with_the_top_level_options(lab, module, clean):
    check, apply = cycle(module, who="osd/host:vm/class:hdd", option="osd_max_backfills", value=2)
    # Ceph's order of masks: the CRUSH location first, then the device class
    assert apply["commands"] == ["ceph config set osd/host:vm/class:hdd osd_max_backfills 2"]
    assert apply["settings"] == [{"who": "osd/host:vm/class:hdd", "option": "osd_max_backfills", "value": "2",
                                  "state": "present", "changed": True}]
    assert dump(lab)["osd/host:vm/class:hdd osd_max_backfills"] == "2"
    cycle(module, who="osd/class:hdd/host:vm", option="osd_max_backfills", state="absent")
    assert "osd/host:vm/class:hdd osd_max_backfills" not in dump(lab)


@pytest.mark.parametrize("options, message", [
    (dict(who="bogus", option="osd_max_backfills", value=1), "invalid who 'bogus'"),
    (dict(who="rgw", option="osd_max_backfills", value=1), "invalid who 'rgw'"),
    (dict(who="osd/nowhere", option="osd_max_backfills", value=1), "mask 'nowhere' is not <crush type>:<name>"),
    (dict(who="osd/rackk:r1", option="osd_max_backfills", value=1), "'rackk' is not a CRUSH type"),
    (dict(who="osd", option="no_such_option", value=1), "unknown option 'no_such_option'"),
    (dict(who="mgr", option="mgr/dashboard/ssl", value=False), "unknown option 'mgr/dashboard/ssl'"),
    (dict(who="osd", option="Bad!Name", value=1), "invalid option 'Bad!Name'"),
    (dict(who="osd", option="osd_memory_target", value="banana"), "invalid value for a size option"),
    (dict(who="osd", option="osd_memory_target", value="100"), "100 is below the minimum 939524096"),
    (dict(who="osd", option="osd_memory_target", value="-4G"), "is negative"),
    (dict(who="osd", option="osd_op_queue", value="fifo"), "'fifo' is not one of 'wpq', 'mclock_scheduler'"),
    (dict(who="osd", option="osd_scrub_auto_repair", value="maybe"), "invalid value for a bool option"),
    (dict(who="global", option="osd_heartbeat_grace", value="20.5"), "invalid value for a int option"),
    (dict(who="mon", option="mon_warn_on_pool_no_app_grace", value="1.5s"), "not a whole number of seconds"),
    (dict(who="osd", option="osd_max_backfills"), "state present needs a value"),
    (dict(settings=[dict(who="osd", option="osd_max_backfills", value=7),
                    dict(who="osd", option="osd_memory_target", value="banana")]), "invalid value for a size option"),
    (dict(settings=[dict(who="osd/class:hdd/host:vm", option="osd_max_backfills", value=7),
                    dict(who="osd/host:vm/class:hdd", option="osd_max_backfills", value=7)]),
     "settings listed more than once: osd/host:vm/class:hdd osd_max_backfills"),
])
def test_bad_input_is_refused_and_nothing_changes(lab, module, options, message):
    before = dump(lab)
    result = module(MODULE, **options)
    assert result["failed"] is True and result["commands"] == []
    assert message in result["msg"]
    assert dump(lab) == before
