# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing and classifying block devices, on output recorded from the lab's nodes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import os
import stat

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import disks, wipe
from ansible_collections.koor.ceph.plugins.module_utils.errors import DiskInputError, DiskRefusedError

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'disks')


def fixture(name, mode='r'):
    with open(os.path.join(FIXTURES, name), mode) as handle:
        return handle.read()


@pytest.fixture(scope='module')
def records():
    tree = disks.parse_lsblk(fixture('node_lsblk.json'))
    probes = disks.parse_blkid(fixture('node_blkid.txt'))
    pvs = disks.parse_pvs(fixture('node_pvs.json'))
    found = {}
    for dev in tree:
        record = disks.build_device(dev, probes, pvs, {}, None, set(), set(), {}, {dev['name']: True}, [])
        found[record['path']] = record
    return found


def test_parse_lsblk_tree(records):
    assert sorted(records) == sorted('/dev/loop%d' % i for i in range(8, 16))
    gpt = records['/dev/loop9']
    assert gpt['partition_table'] == 'gpt' and gpt['type'] == 'loop' and gpt['size'] == 10 << 30
    assert [p['path'] for p in gpt['partitions']] == ['/dev/loop9p1', '/dev/loop9p2']
    assert gpt['partitions'][1]['mountpoints'] == ['/mnt/u'] and gpt['partitions'][1]['fstype'] == 'ext4'
    assert gpt['partitions'][1]['label'] == 'corpus' and gpt['partitions'][0]['signatures'] == []
    assert records['/dev/loop15']['size'] == 1 << 30


def test_parse_blkid_export():
    probes = disks.parse_blkid(fixture('node_blkid.txt'))
    assert probes['/dev/loop10'] == {'LABEL': 'plain', 'UUID': '55eb6587-900c-495f-8fea-181e91e1393d',
                                     'BLOCK_SIZE': '4096', 'TYPE': 'ext4'}
    assert probes['/dev/loop9']['PTTYPE'] == 'gpt' and '/dev/loop8' not in probes
    probe = disks.parse_blkid('DEVNAME=/dev/sdb\nLABEL=my\\ disk\nTYPE=xfs\n')
    assert probe == {'/dev/sdb': {'LABEL': 'my disk', 'TYPE': 'xfs'}}
    assert disks.parse_blkid_errors('/dev/sdc: ambivalent result (probably more filesystems)\n') == ['/dev/sdc']


def test_parse_pvs():
    assert disks.parse_pvs(fixture('node_pvs.json')) == {'/dev/loop11': 'koor_corpus'}


def test_parse_mountinfo():
    mounts = disks.parse_mountinfo(fixture('node_mountinfo.txt'))
    assert mounts == [('/', (254, 0), '/dev/vda'), ('/mnt/u', (259, 1), '/dev/loop9p2')]


def test_bluestore_label():
    label = disks.parse_bluestore_label(fixture('bluestore_label.bin', 'rb'))
    assert label['osd_uuid'] == '8a5c988a-8497-43dc-b3e3-2ffcd22a9fed' and label['whoami'] == 3
    assert label['ceph_fsid'] == 'b5fe6443-6c6b-43f9-9fa3-f6a6f072f07d' and label['size'] == 10 << 30
    assert label['description'] == 'main' and label['multi'] == 'yes'
    assert 'osd_key' not in label and not any('AAAA' in str(v) for v in label.values())
    assert disks.parse_bluestore_label(b'\0' * 4096) is None
    assert disks.parse_bluestore_label(fixture('bluestore_label.bin', 'rb')[:80])['truncated'] is True


@pytest.mark.parametrize('path, codes', [
    ('/dev/loop8', ['loop']),
    ('/dev/loop9', ['loop', 'partition_mounted', 'partitions', 'filesystem']),
    ('/dev/loop10', ['loop', 'filesystem']),
    ('/dev/loop11', ['loop', 'lvm']),
    ('/dev/loop15', ['loop', 'too_small']),
])
def test_classify(records, path, codes):
    got, reasons = disks.classify(records[path])
    assert got == codes and len(reasons) == len(codes)


def test_classify_reasons_in_words(records):
    codes, reasons = disks.classify(records['/dev/loop9'], allow_loop_devices=True)
    assert reasons == ['partition /dev/loop9p2 is mounted at /mnt/u',
                       'has partitions (/dev/loop9p1, /dev/loop9p2)',
                       'has file systems on its partitions (ext4 on /dev/loop9p2)']
    codes, reasons = disks.classify(records['/dev/loop11'], allow_loop_devices=True)
    assert reasons == ['is an LVM physical volume (volume group koor_corpus)']
    codes, reasons = disks.classify(records['/dev/loop15'], allow_loop_devices=True)
    assert reasons == ['is too small (1 GiB, the minimum is 5 GiB)']
    assert disks.classify(records['/dev/loop8'], allow_loop_devices=True) == ([], [])


def test_classify_root_boot_holders_bluestore_read_only(records):
    record = copy.deepcopy(records['/dev/loop8'])
    record.update(root=True, boot=True, read_only=True, holders=['ceph--abc-osd--block--def'],
                  bluestore={'whoami': 7, 'ceph_fsid': 'f', 'offset': 1 << 30}, mountpoints=['[SWAP]'])
    codes, reasons = disks.classify(record, allow_loop_devices=True)
    assert codes == ['read_only', 'root', 'boot', 'mounted', 'holders', 'bluestore']
    assert reasons[-1] == 'has a Ceph BlueStore label of osd.7, cluster f (a copy at 1 GiB)'


@pytest.mark.parametrize('dev, kind', [
    ({'name': 'sda', 'type': 'disk', 'rota': True}, 'hdd'),
    ({'name': 'sdb', 'type': 'disk', 'rota': False}, 'ssd'),
    ({'name': 'nvme0n1', 'type': 'disk', 'rota': False}, 'nvme'),
    ({'name': 'loop0', 'type': 'loop', 'rota': True}, 'loop'),
    ({'name': 'sr0', 'type': 'rom'}, 'rom'),
    ({'name': 'zram0', 'type': 'disk'}, 'ram'),
    ({'name': 'md0', 'type': 'raid1'}, 'other'),
])
def test_device_kind(dev, kind):
    assert disks.device_kind(dev) == kind


def test_size_option():
    assert disks.size_option('min_size', '5GiB') == 5 << 30
    assert disks.size_option('min_size', '100G') == 100 << 30
    with pytest.raises(DiskInputError, match='min_size'):
        disks.size_option('min_size', 'lots')


# --- wipe planning ------------------------------------------------------------------------
def test_wipe_validate():
    ok = {'devices': ['/dev/sdb'], 'allow': ['/dev/sdb'], 'confirm': wipe.CONFIRM}
    wipe.validate(ok)
    with pytest.raises(DiskInputError, match="set confirm to 'yes-i-really-really-mean-it'"):
        wipe.validate(dict(ok, confirm=None))
    with pytest.raises(DiskInputError, match='lists /dev/sdb more than once'):
        wipe.validate(dict(ok, devices=['/dev/sdb', '/dev/sdb']))
    with pytest.raises(DiskInputError, match='at least one device'):
        wipe.validate(dict(ok, devices=[]))


def test_wipe_zero_ranges_and_steps(records):
    gpt = records['/dev/loop9']
    sigs = wipe.parse_wipefs('{"signatures": [{"device": "loop9", "offset": "0x200", "type": "gpt"},'
                             '{"device": "loop9", "offset": "0x27ffffe00", "type": "gpt"},'
                             '{"device": "loop9p2", "offset": "0x438", "type": "ext4"}]}')
    assert sigs == [('loop9', 0x200), ('loop9', 0x27ffffe00), ('loop9p2', 0x438)]
    ranges = wipe.zero_ranges(gpt, sigs, {'loop9p2': 1 << 30})
    size = gpt['size']
    # the signatures at 0x200 and at the end lie in the label and backup GPT ranges: merged into them
    assert [(o, n) for o, n, w in ranges] == [(0, 200 << 10), (1 << 30, 200 << 10), (size - (1 << 20), 1 << 20)]
    ranges = wipe.zero_ranges(gpt, sigs, {'loop9p2': 3 << 30})
    assert ((3 << 30), 8192, 'signature') in ranges
    steps = [t for k, a, t in wipe.steps_for(gpt, ranges)]
    assert steps[0].startswith('zero /dev/loop9 bytes 0-204799 (')
    assert steps[-2:] == ['discard /dev/loop9 (BLKDISCARD)', 're-read the partition table of /dev/loop9 (BLKRRPART)']
    big = dict(records['/dev/loop8'], size=2000 << 30, discard=False)
    offsets = [o for o, l, w in wipe.zero_ranges(big, [], {})]
    assert offsets == [0, 1 << 30, 10 << 30, 100 << 30, 1000 << 30, (2000 << 30) - (1 << 20)]
    assert not any('discard' in t for k, a, t in wipe.steps_for(big, []))


def test_wipe_refusals(records):
    gpt = records['/dev/loop9']
    assert wipe.refusals(gpt, False, set()) == ['is not in the allow list',
                                                'partition /dev/loop9p2 is mounted at /mnt/u']
    assert wipe.refusals(records['/dev/loop11'], True, set()) == []  # a PV: content, wiped
    held = dict(records['/dev/loop8'], holders=['ceph--a-osd--block--b', 'md127'])
    assert wipe.refusals(held, True, set()) == ['is held by md127']
    leftover = dict(records['/dev/loop8'], holders=['ceph--a-osd--block--b'])
    assert wipe.refusals(leftover, True, set()) == []
    assert wipe.refusals(leftover, True, {'ceph--a-osd--block--b'}) == ['is held by ceph--a-osd--block--b']
    root = dict(records['/dev/loop8'], root=True)
    assert wipe.refusals(root, True, set()) == ['holds the root file system']


def test_wipe_clean_and_state(records):
    assert wipe.is_clean(records['/dev/loop8']) and not wipe.is_clean(records['/dev/loop10'])
    assert wipe.state_of(records['/dev/loop9']) == {'signatures': ['gpt partition table'],
                                                    'partitions': ['/dev/loop9p1', '/dev/loop9p2'],
                                                    'bluestore': False, 'ceph_dm': []}


# --- processes that have a device open ---------------------------------------------------
class FakeStat(object):
    def __init__(self, mode, rdev=0):
        self.st_mode = mode
        self.st_rdev = rdev


def fake_proc(tmp_path, processes):
    """A /proc tree: {pid: (comm, cmdline, {fd: link target})}; targets are dangling links read by fake_stat."""
    root = tmp_path / 'proc'
    root.mkdir()
    (root / 'self').mkdir()
    (root / 'sys').mkdir()
    for pid, (comm, cmdline, fds) in processes.items():
        base = root / str(pid)
        base.mkdir()
        (base / 'comm').write_text(comm + '\n')
        (base / 'cmdline').write_bytes(b'\0'.join(a.encode() for a in cmdline) + b'\0')
        if fds is None:  # gone, or no access: no fd directory to list
            continue
        (base / 'fd').mkdir()
        for fd, target in fds.items():
            os.symlink(target, str(base / 'fd' / str(fd)))
    return str(root)


BLOCK = {'/dev/loop9': (7, 9), '/dev/loop9p2': (259, 1), '/dev/loop10': (7, 10), '/dev/dm-0': (253, 0)}


def fake_stat(path):
    target = os.readlink(path)
    if target == 'denied':
        raise OSError(13, 'Permission denied')
    if target in BLOCK:
        return FakeStat(stat.S_IFBLK | 0o660, os.makedev(*BLOCK[target]))
    if target == '/dev/null':
        return FakeStat(stat.S_IFCHR | 0o666, os.makedev(7, 9))  # same numbers, but a character device
    return FakeStat(stat.S_IFREG | 0o644)


def test_open_devices_scans_proc(tmp_path):
    root = fake_proc(tmp_path, {
        4242: ('ceph-osd', ['/usr/bin/ceph-osd', '-f', '--id', '0'],
               {0: '/dev/null', 1: 'pipe:[77]', 5: 'socket:[88]', 9: '/dev/loop9', 10: '/dev/loop9'}),
        77: ('', ['/usr/bin/python3', '-c', 'x'], {3: '/dev/loop9p2', 4: '/var/log/x'}),
        31: ('sleepy', ['sleepy'], {3: 'denied', 4: '/dev/loop10'}),
        99: ('gone', ['gone'], None),
        12: ('idle', ['idle'], {0: '/dev/null', 3: '/dev/loop12'}),
    })
    found = disks.open_devices({(7, 9), (259, 1), (7, 10)}, proc_root=root, stat=fake_stat)
    assert found == {(7, 9): [{'pid': 4242, 'command': 'ceph-osd'}],
                     (259, 1): [{'pid': 77, 'command': 'python3'}],  # empty comm: argv[0]'s base name
                     (7, 10): [{'pid': 31, 'command': 'sleepy'}]}  # a denied descriptor does not hide the others
    assert disks.open_devices(set(), proc_root=root, stat=fake_stat) == {}
    assert disks.open_devices({(7, 9)}, proc_root=str(tmp_path / 'none'), stat=fake_stat) == {}


def test_open_devices_skips_itself(tmp_path):
    root = fake_proc(tmp_path, {os.getpid(): ('pytest', ['pytest'], {3: '/dev/loop9'})})
    assert disks.open_devices({(7, 9)}, proc_root=root, stat=fake_stat) == {}


def test_open_devices_real_proc():
    # This process's own descriptors are skipped; a real scan of /proc runs through without error.
    assert disks.open_devices({(7, 9999)}) == {}


def test_users_of_and_osd_running(records):
    opened = {(7, 9): [{'pid': 4242, 'command': 'ceph-osd'}],
              (259, 1): [{'pid': 77, 'command': 'python3'}, {'pid': 4242, 'command': 'ceph-osd'}],
              (253, 0): [{'pid': 5, 'command': 'qemu'}]}
    numbers = [((7, 9), '/dev/loop9'), ((259, 0), '/dev/loop9p1'), ((259, 1), '/dev/loop9p2'), ((253, 0), '/dev/dm-0')]
    assert disks.users_of(numbers, opened) == [
        {'pid': 5, 'command': 'qemu', 'devices': ['/dev/dm-0']},
        {'pid': 77, 'command': 'python3', 'devices': ['/dev/loop9p2']},
        {'pid': 4242, 'command': 'ceph-osd', 'devices': ['/dev/loop9', '/dev/loop9p2']}]
    assert disks.users_of(numbers, {}) == []


def test_device_numbers(records):
    tree = disks.parse_lsblk(fixture('node_lsblk.json'))
    gpt = [d for d in tree if d['name'] == 'loop9'][0]
    assert disks._device_numbers(gpt)[:3] == [((7, 9), '/dev/loop9'), ((259, 0), '/dev/loop9p1'),
                                              ((259, 1), '/dev/loop9p2')]
    assert records['/dev/loop9']['partitions'][1]['maj_min'] == '259:1'
    assert disks.parse_devno('253:0') == (253, 0) and disks.parse_devno(None) is None
    assert disks.parse_devno('x') is None


LABEL = {'whoami': 0, 'ceph_fsid': 'f00', 'offset': 0}
OSD = [{'pid': 4242, 'command': 'ceph-osd', 'devices': ['/dev/loop8']}]


def build(records, path, bluestore=None, in_use_by=None):
    tree = disks.parse_lsblk(fixture('node_lsblk.json'))
    dev = [d for d in tree if (d.get('path') or '/dev/' + d['name']) == path][0]
    return disks.build_device(dev, disks.parse_blkid(fixture('node_blkid.txt')), {}, {}, bluestore, set(), set(),
                              {}, {}, [], in_use_by)


def test_in_use_not_eligible(records):
    assert records['/dev/loop8']['in_use_by'] == [] and records['/dev/loop8']['osd_running'] is False
    busy = build(records, '/dev/loop10', in_use_by=[{'pid': 77, 'command': 'python3', 'devices': ['/dev/loop10']},
                                                    {'pid': 80, 'command': 'dd', 'devices': ['/dev/loop10']}])
    codes, reasons = disks.classify(busy, allow_loop_devices=True)
    assert codes == ['in_use', 'filesystem']
    assert reasons[0] == 'is in use by python3 (pid 77), dd (pid 80)'
    assert busy['osd_running'] is False  # no BlueStore label


def test_osd_running(records):
    running = build(records, '/dev/loop8', bluestore=LABEL, in_use_by=OSD)
    assert running['osd_running'] is True
    codes, reasons = disks.classify(running, allow_loop_devices=True)
    assert codes == ['in_use', 'bluestore'] and reasons[0] == 'is in use by ceph-osd (pid 4242)'
    # A previous cluster's label, no OSD running: not eligible, not osd_running (a wipe clears it).
    leftover = build(records, '/dev/loop8', bluestore=LABEL)
    assert leftover['osd_running'] is False and disks.classify(leftover, allow_loop_devices=True)[0] == ['bluestore']
    # Open by something that is not an OSD: in use, but no OSD running there.
    other = build(records, '/dev/loop8', bluestore=LABEL, in_use_by=[dict(OSD[0], command='dd')])
    assert other['osd_running'] is False
    # An OSD process on a device without a label (its label is elsewhere): not an OSD of this disk.
    assert build(records, '/dev/loop8', in_use_by=OSD)['osd_running'] is False


def test_wipe_refuses_device_in_use(records):
    running = build(records, '/dev/loop8', bluestore=LABEL, in_use_by=OSD)
    assert wipe.refusals(running, True, set()) == ['is in use by ceph-osd (pid 4242)']
    clean_but_open = build(records, '/dev/loop8', in_use_by=[{'pid': 9, 'command': 'python3', 'devices': []}])
    assert wipe.refusals(clean_but_open, False, set()) == ['is not in the allow list', 'is in use by python3 (pid 9)']


class NoWriteHost(object):
    """A host whose every command is a write: apply() must refuse before calling it."""

    def __init__(self):
        self.ran = []

    def run(self, argv, ok_rcs=(0,)):
        self.ran.append(argv)
        raise AssertionError('a command ran: %s' % argv)

    @staticmethod
    def has(tool):
        return True


@pytest.mark.parametrize('check_mode', [False, True])
def test_wipe_apply_refuses_in_use_before_writing(records, monkeypatch, check_mode):
    running = build(records, '/dev/loop8', bluestore=LABEL, in_use_by=OSD)
    leftover = build(records, '/dev/loop10')
    monkeypatch.setattr(disks, 'discover', lambda host: [running, leftover])
    host = NoWriteHost()
    params = {'devices': ['/dev/loop8', '/dev/loop10'], 'allow': ['/dev/loop8', '/dev/loop10'], 'confirm': wipe.CONFIRM}
    with pytest.raises(DiskRefusedError) as err:
        wipe.apply(host, params, check_mode)
    assert 'nothing was wiped' in err.value.msg and '/dev/loop8 is in use by ceph-osd (pid 4242)' in err.value.msg
    assert err.value.refused == {'/dev/loop8': ['is in use by ceph-osd (pid 4242)']}
    assert host.ran == []
