"""disk_info and disk_wipe on the lab's nodes, over real SSH, on real loop block devices.

The corpus, spread over three nodes (each sees only its own disks):
  node1: clean, mounted ext4, unmounted ext4 holding data, too small (its 1 GiB disk)
  node2: GPT with partitions (ext4 with data on one), GPT with a mounted partition, BlueStore
         label left by `ceph-volume raw prepare`
  node3: LVM physical volume in a volume group, clean, an ext4 holding data that a process has open,
         a BlueStore label that a process named ceph-osd has open (an OSD running there)
Witnesses are read on the host, not through the collection: checksums of the regions a wipe
touches, the file written on the ext4 (debugfs), and blkid / wipefs over SSH on the node.
"""
import hashlib
import json
import os
import re
import subprocess
import time

import pytest
import yaml

# node_lab is the session fixture the tests below request.
from disk_lab import CONFIRM, ROOT, node_lab  # noqa: F401  pylint: disable=unused-import

DATA = "koor.ceph corpus data, must survive a refused wipe"


def _reset(node):
    """Unmount and wipe every disk of the node (test set-up, with the system's own tools)."""
    node.sh("for m in $(findmnt -rn -o TARGET | grep '^/mnt/koor-corpus'); do umount $m; done; "
            "vgs --noheadings -o vg_name 2>/dev/null | grep -q koor_corpus && vgremove -f koor_corpus >/dev/null; "
            "for d in %s; do wipefs -a -f $d* >/dev/null 2>&1; sgdisk --zap-all $d >/dev/null 2>&1; "
            "dd if=/dev/zero of=$d bs=1M count=2 status=none; dd if=/dev/zero of=$d bs=1M count=2 seek=1024 "
            "status=none 2>/dev/null; partprobe $d; done; true" % " ".join(node.disks))


def _ext4_with_data(node, dev, mount_at=None):
    node.sh("mkfs.ext4 -q -F -L corpus %s && mkdir -p /mnt/koor-corpus-tmp && mount %s /mnt/koor-corpus-tmp && "
            "echo '%s' > /mnt/koor-corpus-tmp/data.txt && umount /mnt/koor-corpus-tmp" % (dev, dev, DATA))
    if mount_at:
        node.sh("mkdir -p %s && mount %s %s" % (mount_at, dev, mount_at))


def _gpt(node, dev):
    node.sh("parted -s %s mklabel gpt mkpart one ext4 1MiB 1GiB mkpart two ext4 1GiB 2GiB" % dev)
    node.wait_for_path(dev + "p1")
    node.wait_for_path(dev + "p2")


def read_file(dev, path="/data.txt"):
    """The corpus file read from the host with debugfs (read-only)."""
    proc = subprocess.run(["debugfs", "-R", "cat %s" % path, dev], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def corpus(node_lab):  # noqa: F811
    n1, n2, n3 = node_lab.nodes[:3]
    for node in (n1, n2, n3):
        _reset(node)
    c = {
        "clean1": (n1, n1.disks[0]),
        "mounted": (n1, n1.disks[1]),
        "ext4": (n1, n1.disks[2]),
        "small": (n1, n1.disks[-1]),
        "gpt": (n2, n2.disks[0]),
        "gpt_mounted": (n2, n2.disks[1]),
        "bluestore": (n2, n2.disks[2]),
        "lvm": (n3, n3.disks[0]),
        "clean3": (n3, n3.disks[1]),
    }
    assert n1.sizes[-1] < 5 << 30, "the nodes' last disk must be small (koor-lab --node-disks ...,1G)"
    _ext4_with_data(n1, c["mounted"][1], mount_at="/mnt/koor-corpus-mounted")
    _ext4_with_data(n1, c["ext4"][1])
    _gpt(n2, c["gpt"][1])
    _ext4_with_data(n2, c["gpt"][1] + "p1")
    _gpt(n2, c["gpt_mounted"][1])
    _ext4_with_data(n2, c["gpt_mounted"][1] + "p2", mount_at="/mnt/koor-corpus-part")
    osd_id = node_lab.ceph_volume_prepare(c["bluestore"][1])
    n3.sh("pvcreate -q %s && vgcreate -q koor_corpus %s" % (c["lvm"][1], c["lvm"][1]))
    c["_osd_id"] = osd_id
    yield c
    for node in (n1, n2, n3):
        _reset(node)


@pytest.fixture(scope="module")
def corpus_info(corpus):
    """disk_info once per corpus node: {path: disk}."""
    found = {}
    for node in {id(n): n for n, d in (v for k, v in corpus.items() if not k.startswith("_"))}.values():
        disks, result = info(node)
        assert result["missing"] == []
        found.update(disks)
    return found


def info(node, **options):
    result = node.module("disk_info", dict(allow_loop_devices=True, **options))
    assert not result.get("failed"), result
    return {d["path"]: d for d in result["disks"]}, result


def test_each_node_sees_only_its_own_disks(node_lab):  # noqa: F811
    for node in node_lab.nodes:
        disks, result = info(node)
        assert sorted(disks) == sorted(node.disks), (node.name, sorted(disks))
        assert result["hostname"] == node.name
        assert not any(d["root"] or d["boot"] for d in disks.values())


def test_host_root_disk_is_classified_root():
    """On the host itself (where the root disk is visible), the root disk is never eligible."""
    from conftest import run_module
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "/"], capture_output=True, text=True,
                            check=True).stdout.strip()
    result = run_module("disk_info", {})
    roots = [d for d in result["disks"] if d["root"]]
    assert roots, result["disks"]
    assert any(source == d["path"] or source in [p["path"] for p in d["partitions"]] for d in roots)
    for disk in roots:
        assert disk["eligible"] is False and "root" in disk["reason_codes"]
        assert "holds the root file system" in disk["reasons"]


@pytest.mark.parametrize("key, codes", [
    ("clean1", []),
    ("clean3", []),
    ("mounted", ["mounted", "filesystem"]),
    ("ext4", ["filesystem"]),
    ("small", ["too_small"]),
    ("gpt", ["partitions", "filesystem"]),
    ("gpt_mounted", ["partition_mounted", "partitions", "filesystem"]),
    ("bluestore", ["bluestore"]),
    ("lvm", ["lvm"]),
])
def test_classification(corpus, corpus_info, key, codes):
    node, dev = corpus[key]
    disk = corpus_info[dev]
    assert disk["reason_codes"] == codes, disk["reasons"]
    assert disk["eligible"] is (codes == [])
    assert len(disk["reasons"]) == len(codes)
    assert disk["type"] == "loop" and disk["size"] > 0
    if key == "mounted":
        assert disk["mountpoints"] == ["/mnt/koor-corpus-mounted"] and disk["filesystem"]["type"] == "ext4"
        assert disk["filesystem"]["label"] == "corpus"
    if key == "gpt_mounted":
        assert "partition %sp2 is mounted at /mnt/koor-corpus-part" % dev in disk["reasons"]
    if key == "gpt":
        assert disk["partition_table"] == "gpt" and [p["path"] for p in disk["partitions"]] == [dev + "p1", dev + "p2"]
        assert disk["partitions"][0]["fstype"] == "ext4" and disk["partitions"][0]["label"] == "corpus"
    if key == "bluestore":
        label = disk["bluestore"]
        assert label["ceph_fsid"] == corpus[key][0].lab.env["KOOR_LAB_FSID"] and label["offset"] == 0
        assert label["whoami"] == corpus["_osd_id"] and "osd_key" not in label
    if key == "lvm":
        assert disk["lvm"] == {"pvs": [dev], "vgs": ["koor_corpus"], "vg_pvs": [dev]}


def test_loop_devices_need_allowing(corpus):
    node, dev = corpus["clean1"]
    result = node.module("disk_info", {"devices": [dev]})
    assert result["disks"][0]["reason_codes"] == ["loop"] and result["eligible"] == []


def _witness(corpus, keys):
    return {k: corpus[k][0].lab.checksum(corpus[k][1]) for k in keys}


def _wipe(node, devices, allow=None, confirm=CONFIRM, check_mode=False):
    args = {"devices": devices, "allow": devices if allow is None else allow}
    if confirm is not None:
        args["confirm"] = confirm
    return node.module("disk_wipe", args, check_mode=check_mode)


@pytest.mark.parametrize("check_mode", [True, False])
def test_wipe_refuses_unsafe_devices_and_touches_nothing(corpus, check_mode):
    n1, mounted = corpus["mounted"]
    ext4, clean = corpus["ext4"][1], corpus["clean1"][1]
    n2, gpt_mounted = corpus["gpt_mounted"]
    keys = ["mounted", "ext4", "clean1", "gpt_mounted", "gpt"]
    before = _witness(corpus, keys)
    # The mounted one, the unmounted ext4 left out of the allow list, and a clean one that is fine:
    # the whole run is refused, every reason named.
    result = _wipe(n1, [mounted, ext4, clean], allow=[mounted, clean], check_mode=check_mode)
    assert result["failed"] is True and result["commands"] == []
    assert result["refused"] == {mounted: ["is mounted at /mnt/koor-corpus-mounted"],
                                 ext4: ["is not in the allow list"]}, result
    assert "nothing was wiped" in result["msg"] and mounted in result["msg"] and ext4 in result["msg"]
    result = _wipe(n2, [gpt_mounted, corpus["gpt"][1]], check_mode=check_mode)
    assert result["refused"] == {gpt_mounted: ["partition %sp2 is mounted at /mnt/koor-corpus-part" % gpt_mounted]}
    assert _witness(corpus, keys) == before
    assert read_file(ext4) == DATA and read_file(mounted) == DATA
    assert read_file(gpt_mounted + "p2") == DATA and read_file(corpus["gpt"][1] + "p1") == DATA


@pytest.mark.parametrize("case, message", [
    ("unknown", "/dev/koor-no-such-disk is not a block device of {host}"),
    ("duplicate", "devices lists {dev} more than once"),
    ("wrong_host", "{other} is not a block device of {host}"),
    ("no_confirm", "refusing to wipe anything: set confirm to 'yes-i-really-really-mean-it'"),
    ("wrong_confirm", "refusing to wipe anything"),
])
def test_wipe_bad_input_is_refused_and_touches_nothing(corpus, case, message):
    n1, dev = corpus["ext4"]
    other = corpus["gpt"][1]  # a disk of node2
    devices, confirm = [dev], CONFIRM
    if case == "unknown":
        devices = [dev, "/dev/koor-no-such-disk"]
    elif case == "duplicate":
        devices = [dev, dev]
    elif case == "wrong_host":
        devices = [dev, other]
    elif case == "no_confirm":
        confirm = None
    elif case == "wrong_confirm":
        confirm = "yes"
    before = _witness(corpus, ["ext4", "gpt"])
    result = _wipe(n1, devices, confirm=confirm)
    assert result["failed"] is True and result["commands"] == []
    assert message.format(host=n1.name, dev=dev, other=other) in result["msg"], result["msg"]
    assert _witness(corpus, ["ext4", "gpt"]) == before and read_file(dev) == DATA


def _signatures(node, dev):
    """What the system's own tools find on a device, seen from its node."""
    blkid = node.sh("blkid -p -o export %s" % dev, check=False)
    wipefs = node.sh("wipefs -n %s" % dev)
    parts = node.sh("ls %s?* 2>/dev/null; true" % dev).stdout.split()
    return blkid.stdout.strip(), wipefs.stdout.strip(), parts


def test_wipe_allowed_devices(corpus):
    plan = {
        corpus["ext4"][0].name: ["ext4", "clean1", "small"],
        corpus["gpt"][0].name: ["gpt", "bluestore"],
        corpus["lvm"][0].name: ["lvm", "clean3"],
    }
    for keys in plan.values():
        node = corpus[keys[0]][0]
        devices = [corpus[k][1] for k in keys]
        before = _witness(corpus, keys)
        check = _wipe(node, devices, check_mode=True)
        assert not check.get("failed"), check
        assert _witness(corpus, keys) == before, "check mode wrote to a device"
        apply = _wipe(node, devices)
        assert not apply.get("failed"), apply
        for result in (check, apply):
            dirty = [corpus[k][1] for k in keys if not k.startswith("clean") and k != "small"]
            assert result["changed"] is True and result["wiped"] == dirty
            assert result["unchanged"] == [d for d in devices if d not in dirty]
        assert check["commands"] == apply["commands"] and check["diff"] == apply["diff"]
        for dev in apply["wiped"]:
            assert [c for c in apply["commands"] if c.startswith("zero %s bytes 0-" % dev)], apply["commands"]
            assert "re-read the partition table of %s (BLKRRPART)" % dev in apply["commands"]
            assert apply["diff"]["after"][dev] == {"signatures": [], "partitions": [], "bluestore": False, "ceph_dm": []}
            blkid, wipefs, parts = _signatures(node, dev)
            assert (blkid, wipefs, parts) == ("", "", []), (dev, blkid, wipefs, parts)
        again = _wipe(node, devices)
        check_again = _wipe(node, devices, check_mode=True)
        for result in (again, check_again):
            assert result["changed"] is False and result["commands"] == [] and result["wiped"] == []
        disks, dummy = info(node, devices=devices)
        assert all(disks[d]["eligible"] for d in devices if d != corpus["small"][1])
    # The BlueStore label and its copy at 1 GiB are gone.
    with open(corpus["bluestore"][1], "rb") as handle:
        assert not handle.read(64).startswith(b"bluestore block device")
        handle.seek(1 << 30)
        assert not handle.read(64).startswith(b"bluestore block device")


def test_refused_devices_kept_their_data(corpus):
    assert read_file(corpus["mounted"][1]) == DATA
    assert read_file(corpus["gpt_mounted"][1] + "p2") == DATA


# --- devices a process has open -------------------------------------------------------------
# Holds a device open until killed: argv[1] the device, argv[2] the process name to take (prctl
# PR_SET_NAME, as /proc/PID/comm shows it; empty: python3's own), opened O_DIRECT as BlueStore does.
HOLD = ("import ctypes, os, sys, time\n"
        "if sys.argv[2]:\n"
        "    ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)\n"
        "time.sleep(1800)\n")


def _hold(node, dev, name=""):
    """Starts a process on the node that holds dev open; returns its pid once the descriptor is open."""
    node.sh("cat > /tmp/koor-hold.py <<'EOF'\n%sEOF" % HOLD)
    pid = int(node.sh("setsid nohup python3 /tmp/koor-hold.py %s '%s' </dev/null >/dev/null 2>&1 & echo $!"
                      % (dev, name)).stdout.strip())
    deadline = time.monotonic() + 20
    while True:
        fds = node.sh("readlink /proc/%d/fd/* 2>/dev/null; cat /proc/%d/comm" % (pid, pid), check=False).stdout.split()
        if dev in fds and fds[-1] == (name or "python3"):
            return pid
        assert time.monotonic() < deadline, "the process holding %s did not start on %s: %s" % (dev, node.name, fds)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def held(corpus, node_lab):  # noqa: F811
    """On node3: an ext4 with data that a python3 process holds open, and a BlueStore-labelled disk that a
    process named ceph-osd holds open (an OSD running there, as disk_info sees it)."""
    n3 = node_lab.nodes[2]
    busy, osd = n3.disks[2], n3.disks[3]
    _ext4_with_data(n3, busy)
    node_lab.ceph_volume_prepare(osd)
    pids = {}
    try:
        pids["busy"] = _hold(n3, busy)
        pids["osd"] = _hold(n3, osd, "ceph-osd")
        yield {"node": n3, "busy": busy, "osd": osd, "pids": pids}
    finally:
        for pid in pids.values():
            n3.sh("kill %d" % pid, check=False)


def test_in_use_by_a_process(held):
    disks, dummy = info(held["node"], devices=[held["busy"], held["osd"]])
    busy, osd = disks[held["busy"]], disks[held["osd"]]
    assert busy["in_use_by"] == [{"pid": held["pids"]["busy"], "command": "python3", "devices": [held["busy"]]}]
    assert busy["eligible"] is False and busy["reason_codes"] == ["in_use", "filesystem"]
    assert busy["reasons"][0] == "is in use by python3 (pid %d)" % held["pids"]["busy"]
    assert busy["osd_running"] is False
    assert osd["in_use_by"] == [{"pid": held["pids"]["osd"], "command": "ceph-osd", "devices": [held["osd"]]}]
    assert osd["eligible"] is False and osd["reason_codes"] == ["in_use", "bluestore"]
    assert osd["reasons"][0] == "is in use by ceph-osd (pid %d)" % held["pids"]["osd"]
    assert osd["osd_running"] is True and osd["bluestore"]["offset"] == 0


@pytest.mark.parametrize("check_mode", [True, False])
def test_wipe_refuses_devices_in_use(held, check_mode):
    node, busy, osd = held["node"], held["busy"], held["osd"]
    before = {d: node.lab.checksum(d) for d in (busy, osd)}
    result = _wipe(node, [busy, osd], check_mode=check_mode)
    assert result["failed"] is True and result["commands"] == []
    assert result["refused"] == {busy: ["is in use by python3 (pid %d)" % held["pids"]["busy"]],
                                 osd: ["is in use by ceph-osd (pid %d)" % held["pids"]["osd"]]}, result
    assert "nothing was wiped" in result["msg"] and "ceph-osd (pid %d)" % held["pids"]["osd"] in result["msg"]
    assert {d: node.lab.checksum(d) for d in (busy, osd)} == before
    assert read_file(busy) == DATA
    with open(osd, "rb") as handle:
        assert handle.read(64).startswith(b"bluestore block device")


def _disk_prep(node, tmp_path, devices, name):
    """playbooks/disk_prep.yml on one node, wiping allowed for the devices; (rc, output, recap, storage spec)."""
    spec = tmp_path / "rook-storage-nodes.yml"
    extra = {
        "disk_prep_hosts": node.name, "disk_prep_devices": devices, "disk_prep_allow_loop_devices": True,
        "disk_prep_install_packages": False, "disk_prep_time_sync_check": "warn",
        "disk_prep_kernel_modules_check": "warn",
        "disk_prep_sysctl_file": "/var/lib/koor-lab/%s/nodes/%s-sysctl.conf" % (node.lab.name, node.name),
        "disk_prep_wipe": True, "disk_prep_wipe_allow": devices, "disk_prep_wipe_confirm": CONFIRM,
        "disk_prep_storage_file": str(spec),
    }
    extra_file = tmp_path / ("%s-vars.json" % name)
    extra_file.write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", node.lab.inventory,
                           os.path.join(ROOT, "playbooks", "disk_prep.yml"), "-e", "@%s" % extra_file],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=False)
    recap = {}
    for line in proc.stdout.splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line)
        if match and "ok=" in match.group(2):
            recap[match.group(1)] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2)))
    return proc.returncode, proc.stdout + proc.stderr, recap, (yaml.safe_load(spec.read_text()) if spec.exists() else None)


def test_role_keeps_a_running_osd_and_changes_nothing(held, corpus, tmp_path):
    node, osd = held["node"], held["osd"]
    clean = corpus["clean3"][1]
    before = node.lab.checksum(osd)
    for run in (1, 2):
        rc, out, recap, spec = _disk_prep(node, tmp_path, [osd, clean], "run%d" % run)
        assert rc == 0, out[-4000:]
        # the callback may wrap the message over lines: compared with whitespace collapsed
        assert ("Not wiped, kept as they are: %s on %s hold an OSD that is running" % (osd, node.name)
                in " ".join(out.split())), out[-4000:]
        assert spec["nodes"] == [{"name": node.name, "devices": [{"name": os.path.basename(osd)},
                                                                 {"name": os.path.basename(clean)}]}], spec
    assert recap[node.name]["changed"] == 0 and recap[node.name]["failed"] == 0, recap
    assert node.lab.checksum(osd) == before


def test_role_refuses_a_device_another_process_holds(held, tmp_path):
    node, busy = held["node"], held["busy"]
    before = node.lab.checksum(busy)
    rc, out, recap, spec = _disk_prep(node, tmp_path, [busy], "busy")
    assert rc != 0 and recap[node.name]["failed"] == 1, out[-4000:]
    assert "Not fit for an OSD on %s: %s is in use by python3 (pid %d)" % (node.name, busy, held["pids"]["busy"]) in out
    assert node.lab.checksum(busy) == before and read_file(busy) == DATA


# --- disks the kernel holds for something disk_info's first look cannot see -------------------------
# node1's disks 3-6 and node2's disks 3-4. Every mount is read-only (no write of its own to the disk), so the
# checksums of the whole image before and after tell whether the wipe wrote anything.
def _safety_reset(node, devices):
    node.sh("swapoff -a 2>/dev/null; for m in $(findmnt -rn -o TARGET | grep '^/mnt/koor-safety'); do umount $m; done; "
            "for d in %s; do wipefs -a -f $d >/dev/null 2>&1; dd if=/dev/zero of=$d bs=1M count=4 status=none; done; true"
            % " ".join(devices))


def _image_sums(node, devices):
    return {d: node.lab.image_checksum(node.images[d]) for d in devices}


def _expect_refused(node, devices, dev, holder_words, check_mode):
    result = _wipe(node, devices, check_mode=check_mode)
    assert result["failed"] is True and result["commands"] == [], result
    assert "nothing was wiped" in result["msg"] and dev in result["msg"], result["msg"]
    reasons = " ".join(result["refused"].get(dev, []))
    for word in holder_words:
        assert word in reasons, (word, result["refused"])
    assert "would" not in result["msg"] and not result.get("wiped")
    return result


@pytest.fixture(scope="module")
def other_ns(node_lab):  # noqa: F811
    """node1's disk 3: an ext4 with data mounted only in a mount namespace of its own (a process inside the node)."""
    node = node_lab.nodes[0]
    dev = node.disks[3]
    _safety_reset(node, [dev])
    _ext4_with_data(node, dev)
    pid = int(node.sh("mkdir -p /mnt/koor-safety-ns; setsid nohup unshare --mount --propagation private sh -c "
                      "'mount -o ro %s /mnt/koor-safety-ns && exec sleep 1800' </dev/null >/dev/null 2>&1 & echo $!"
                      % dev).stdout.strip())
    deadline = time.monotonic() + 20
    while node.sh("nsenter -t %d -m cat /mnt/koor-safety-ns/data.txt" % pid, check=False).stdout.strip() != DATA:
        assert time.monotonic() < deadline, "the namespace's mount did not appear"
        time.sleep(0.2)
    assert node.sh("findmnt -rn %s" % dev, check=False).stdout.strip() == ""  # the node's own table does not show it
    yield {"node": node, "dev": dev, "pid": pid}
    node.sh("kill %d" % pid, check=False)
    time.sleep(0.5)
    _safety_reset(node, [dev])


@pytest.mark.parametrize("check_mode", [True, False])
def test_wipe_refuses_a_disk_mounted_in_another_mount_namespace(other_ns, check_mode):
    node, dev, pid = other_ns["node"], other_ns["dev"], other_ns["pid"]
    before = _image_sums(node, [dev])
    disks, dummy = info(node, devices=[dev])
    assert "mounted" in disks[dev]["reason_codes"], disks[dev]["reasons"]
    _expect_refused(node, [dev], dev, ["/mnt/koor-safety-ns", "mount namespace of pid %d" % pid], check_mode)
    assert _image_sums(node, [dev]) == before
    assert node.sh("nsenter -t %d -m cat /mnt/koor-safety-ns/data.txt" % pid).stdout.strip() == DATA
    assert read_file(dev) == DATA


@pytest.fixture(scope="module")
def journal(node_lab):  # noqa: F811
    """node1's disk 4 is the external journal (mke2fs -O journal_dev) of an ext4 on disk 5, mounted; only disk 4
    is given to the wipe."""
    node = node_lab.nodes[0]
    jdev, fsdev = node.disks[4], node.disks[5]
    _safety_reset(node, [jdev, fsdev])
    # a 64 MiB journal (mke2fs writes every block of a journal device: a whole 10 GiB one costs minutes of checksums)
    node.sh("mke2fs -q -F -O journal_dev -b 4096 %s 16384 && mkfs.ext4 -q -F -J device=%s %s && mkdir -p /mnt/koor-safety-j && "
            "mount %s /mnt/koor-safety-j && echo '%s' > /mnt/koor-safety-j/data.txt && umount /mnt/koor-safety-j && "
            "mount -o ro %s /mnt/koor-safety-j" % (jdev, jdev, fsdev, fsdev, DATA, fsdev))
    yield {"node": node, "jdev": jdev, "fsdev": fsdev}
    _safety_reset(node, [jdev, fsdev])


@pytest.mark.parametrize("check_mode", [True, False])
def test_wipe_refuses_the_external_journal_of_a_mounted_ext4(journal, check_mode):
    node, jdev, fsdev = journal["node"], journal["jdev"], journal["fsdev"]
    before = _image_sums(node, [jdev, fsdev])
    files = node.sh("sha256sum /mnt/koor-safety-j/data.txt").stdout
    _expect_refused(node, [jdev], jdev, ["external journal of the ext4 on %s mounted at /mnt/koor-safety-j" % fsdev],
                    check_mode)
    assert _image_sums(node, [jdev, fsdev]) == before
    assert node.sh("sha256sum /mnt/koor-safety-j/data.txt").stdout == files
    assert node.sh("cat /mnt/koor-safety-j/data.txt").stdout.strip() == DATA


@pytest.fixture(scope="module")
def swap(node_lab):  # noqa: F811
    node = node_lab.nodes[0]
    dev = node.disks[6]
    _safety_reset(node, [dev])
    node.sh("mkswap -q %s >/dev/null && swapon %s" % (dev, dev))
    yield {"node": node, "dev": dev}
    node.sh("swapoff %s" % dev, check=False)
    _safety_reset(node, [dev])


@pytest.mark.parametrize("check_mode", [True, False])
def test_wipe_refuses_a_disk_in_use_as_swap(swap, check_mode):
    node, dev = swap["node"], swap["dev"]
    # The kernel itself writes swapped-out pages anywhere on the disk: the swap header (the first page, what a
    # wipe would zero first) is the witness here.

    def header():
        with open(dev, "rb") as handle:
            return hashlib.sha256(handle.read(4096)).hexdigest()
    before = header()
    _expect_refused(node, [dev], dev, ["swap"], check_mode)
    assert header() == before
    assert dev in node.sh("cat /proc/swaps").stdout


def test_malformed_bluestore_label_beside_a_good_disk(node_lab):  # noqa: F811
    """node2's disk 3 starts with BlueStore's magic and garbage: that disk is not eligible, with the reason; the
    node's other disks are discovered as usual; check mode and a wipe handle it."""
    node = node_lab.nodes[1]
    bad, good = node.disks[3], node.disks[4]
    _safety_reset(node, [bad, good])
    node.sh("printf 'bluestore block device\\n{\"not\": json, garbage \\377\\376' | dd of=%s conv=notrunc "
            "status=none" % bad)
    disks, result = info(node)
    assert sorted(disks) == sorted(node.disks)
    assert disks[good]["eligible"] is True, disks[good]["reasons"]
    assert disks[bad]["eligible"] is False and disks[bad]["reason_codes"] == ["bluestore"], disks[bad]["reasons"]
    assert "malformed BlueStore label" in disks[bad]["reasons"][0] and disks[bad]["osd_running"] is False
    check = _wipe(node, [bad], check_mode=True)
    assert not check.get("failed") and check["wiped"] == [bad], check
    apply = _wipe(node, [bad])
    assert not apply.get("failed") and apply["commands"] == check["commands"], apply
    with open(bad, "rb") as handle:
        assert not handle.read(64).startswith(b"bluestore block device")
    _safety_reset(node, [bad, good])


def test_role_refuses_a_disk_mounted_after_its_discovery(node_lab, tmp_path):  # noqa: F811
    """disk_prep's discovery and preflight see an unmounted ext4 (fit once wiped); the disk is then mounted; the
    role's wipe step (disk_wipe) refuses it, names the mount, and writes nothing."""
    node = node_lab.nodes[1]
    dev = node.disks[5]
    _safety_reset(node, [dev])
    _ext4_with_data(node, dev)
    before = _image_sums(node, [dev])
    role = "koor.ceph.disk_prep"
    tasks = [
        {"name": "Discovery", "ansible.builtin.include_role": {"name": role, "tasks_from": "discover.yml"}},
        {"name": "Preflight", "ansible.builtin.include_role": {"name": role, "tasks_from": "preflight.yml"}},
        {"name": "The disk is mounted meanwhile", "changed_when": True,
         "ansible.builtin.command": "mount -o ro %s /mnt/koor-safety-late" % dev},
        {"name": "Wipe", "ansible.builtin.include_role": {"name": role, "tasks_from": "wipe.yml"}},
    ]
    variables = {"disk_prep_devices": [dev], "disk_prep_allow_loop_devices": True, "disk_prep_wipe": True,
                 "disk_prep_wipe_allow": [dev], "disk_prep_wipe_confirm": CONFIRM}
    play = [{"hosts": node.name, "gather_facts": False, "become": False, "vars": variables, "tasks": tasks}]
    node.sh("mkdir -p /mnt/koor-safety-late")
    playbook = tmp_path / "late-mount.yml"
    playbook.write_text(yaml.safe_dump(play))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    try:
        proc = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", node.lab.inventory,
                               str(playbook)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
                              check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, out[-4000:]
        assert "refusing to wipe on %s" % node.name in out and "%s is mounted at /mnt/koor-safety-late" % dev in out, \
            out[-4000:]
        assert "nothing was wiped" in out
        assert node.sh("cat /mnt/koor-safety-late/data.txt").stdout.strip() == DATA
    finally:
        node.sh("umount /mnt/koor-safety-late", check=False)
    assert _image_sums(node, [dev]) == before and read_file(dev) == DATA
    _safety_reset(node, [dev])


def test_wipe_names_a_partition_given_directly(corpus):
    node, dev = corpus["gpt_mounted"]
    before = _witness(corpus, ["gpt_mounted"])
    result = _wipe(node, [dev + "p1"])
    assert result["failed"] is True and result["commands"] == []
    assert ("%sp1 is a partition of %s: disk_wipe wipes whole disks only (list %s" % (dev, dev, dev)) in result["msg"]
    assert _witness(corpus, ["gpt_mounted"]) == before
