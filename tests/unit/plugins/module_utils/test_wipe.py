# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disk safety: what the kernel claims a device for, malformed labels, and the wipe's exclusive hold."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import errno
import os
import struct

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import disks, wipe
from ansible_collections.koor.ceph.plugins.module_utils.errors import DiskCommandError, DiskInputError, DiskRefusedError

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'disks')
MOUNTINFO_NODE = ('118 53 7:5 / /mnt/t rw,relatime - ext4 /dev/loop5 rw\n'
                  '119 53 7:6 / /mnt/x rw - xfs /dev/loop6 rw,logdev=/dev/loop3,noquota\n'
                  '120 53 0:44 / /proc rw - proc proc rw\n')


def fixture(name, mode='r'):
    with open(os.path.join(FIXTURES, name), mode) as handle:
        return handle.read()


def test_parse_mountinfo_entries():
    entries = disks.parse_mountinfo_entries(MOUNTINFO_NODE)
    assert [(e['mountpoint'], e['devno'], e['fstype'], e['source']) for e in entries] == [
        ('/mnt/t', (7, 5), 'ext4', '/dev/loop5'), ('/mnt/x', (7, 6), 'xfs', '/dev/loop6'),
        ('/proc', (0, 44), 'proc', 'proc')]
    assert entries[1]['options']['logdev'] == '/dev/loop3'


def test_mounts_elsewhere_names_namespace_and_pid():
    tables = [('mnt:[1]', 1, 'init', '1 0 7:9 / /srv rw - ext4 /dev/loop9 rw\n'),
              ('mnt:[2]', 4242, 'sleep', MOUNTINFO_NODE)]
    found = disks.mounts_elsewhere(tables, 'mnt:[1]')
    assert found == {(7, 5): ['/mnt/t in the mount namespace of pid 4242 (sleep)'],
                     (7, 6): ['/mnt/x in the mount namespace of pid 4242 (sleep)']}  # own namespace and proc left out


def test_mount_tables_real_proc():
    tables = disks.mount_tables()
    own = os.readlink('/proc/self/ns/mnt')
    assert own in [t[0] for t in tables] and len(set(t[0] for t in tables)) == len(tables)


def test_parse_swaps():
    text = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/loop4  partition\t1048572\t\t0\t\t-2\n'
    assert disks.parse_swaps(text) == ['/dev/loop4']
    assert disks.parse_swaps('Filename Type Size Used Priority\n') == []


def _superblock(journal_inum=0, journal_dev=0, uuid=b''):
    sb = bytearray(1024)
    sb[0x38:0x3A] = b'\x53\xef'
    struct.pack_into('<II', sb, 0xE0, journal_inum, journal_dev)
    sb[0xD0:0xD0 + len(uuid)] = uuid
    return bytes(sb)


def test_parse_ext4_journal():
    uuid = bytes(bytearray(range(1, 17)))
    assert disks.parse_ext4_journal(_superblock(journal_dev=0x0704, uuid=uuid)) == (
        '01020304-0506-0708-090a-0b0c0d0e0f10', (7, 4))
    assert disks.parse_ext4_journal(_superblock(journal_inum=8)) == (None, None)  # internal journal
    assert disks.parse_ext4_journal(b'\0' * 1024) == (None, None)  # not ext
    assert disks.decode_devno(0x10300) == (259, 0)


def test_claims_of_and_classify():
    claims = {(7, 4): [('journal', 'is the external journal of the ext4 on /dev/loop5 mounted at /mnt/t')],
              (259, 1): [('swap', 'is in use as swap (/dev/loop9p1 in /proc/swaps)')]}
    got = disks.claims_of([((7, 4), '/dev/loop4'), ((259, 1), '/dev/loop9p1')], claims)
    assert got == [{'code': 'journal', 'reason': '/dev/loop4 is the external journal of the ext4 on /dev/loop5 mounted at /mnt/t'},
                   {'code': 'swap', 'reason': '/dev/loop9p1 is in use as swap (/dev/loop9p1 in /proc/swaps)'}]


@pytest.mark.parametrize('tail', [
    b'not a uuid at all, just text\n',
    b'8a5c988a-8497-43dc-b3e3-2ffcd22a9fed\n' + b'\xff' * 40,
    b'8a5c988a-8497-43dc-b3e3-2ffcd22a9fed\n' + b'\x01\x01' + b'\0' * 4 + b'\0' * 16 + b'\0' * 16 + b'\xff\xff\xff\x7f',
    b'{"json": "garbage", ',
    b'',
])
def test_malformed_bluestore_label(tail):
    label = disks.parse_bluestore_label(disks.BLUESTORE_MAGIC + tail)
    assert label.get('malformed') or label.get('truncated')
    good = disks.parse_bluestore_label(fixture('bluestore_label.bin', 'rb'))
    assert 'malformed' not in good and good['whoami'] == 3
    assert disks.parse_bluestore_label(disks.BLUESTORE_MAGIC + b'not a uuid\n')['malformed'].startswith('the magic')
    # superscript digits pass str.isdigit() but not int(): the whoami stays text, no crash
    odd = fixture('bluestore_label.bin', 'rb').replace(b'\x01\x00\x00\x003', b'\x02\x00\x00\x00\xc2\xb3', 1)
    assert disks.parse_bluestore_label(odd) is not None


def _records():
    tree = disks.parse_lsblk(fixture('node_lsblk.json'))
    probes = disks.parse_blkid(fixture('node_blkid.txt'))
    found = {}
    for dev in tree:
        record = disks.build_device(dev, probes, {}, {}, None, set(), set(), {}, {}, [])
        found[record['path']] = record
    return found


def test_malformed_label_classified_and_not_osd_running():
    record = copy.deepcopy(_records()['/dev/loop8'])
    record['bluestore'] = {'offset': 0, 'malformed': 'the magic text is not followed by an OSD uuid and a newline'}
    record['in_use_by'] = [{'pid': 1, 'command': 'ceph-osd', 'devices': []}]
    codes, reasons = disks.classify(record, allow_loop_devices=True)
    assert codes == ['in_use', 'bluestore']
    assert reasons[1] == ('has a malformed BlueStore label at 0 B (the magic text is not followed by an OSD uuid '
                          'and a newline): a wipe clears it')
    assert disks.osd_running(record) is False


class Host(object):
    """A host double: discover() answers from a list of snapshots (one per call), every exclusive open and write is
    recorded; `busy` paths give EBUSY on the exclusive open."""

    def __init__(self, snapshots, busy=()):
        self.snapshots = list(snapshots)
        self.busy = set(busy)
        self.log = []

    def discover(self):
        snap = self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]
        return copy.deepcopy(snap)

    def run(self, argv, ok_rcs=(0,)):
        self.log.append(('run', argv))
        assert argv[:2] == ['wipefs', '--no-act'], argv  # the only command: a read
        return '{"signatures": []}', ''

    @staticmethod
    def has(tool):
        return True

    @staticmethod
    def read(path):
        raise IOError(2, 'no such file')

    def open_exclusive(self, path, write):
        self.log.append(('open', path, write))
        if path in self.busy:
            raise OSError(errno.EBUSY, 'Device or resource busy')
        return len(self.log)

    def write_zeros(self, fd, offset, length):
        self.log.append(('zero', fd, offset, length))

    def flush(self, fd):
        self.log.append(('flush', fd))

    def discard(self, fd, size):
        self.log.append(('discard', fd))

    def reread_partitions(self, fd):
        self.log.append(('reread', fd))

    def close(self, fd):
        self.log.append(('close', fd))


PARAMS = {'devices': ['/dev/loop10'], 'allow': ['/dev/loop10'], 'confirm': wipe.CONFIRM}


def _use(monkeypatch, host):
    monkeypatch.setattr(disks, 'discover', lambda h: h.discover())


@pytest.mark.parametrize('check_mode', [False, True])
def test_mounted_between_discovery_and_write_is_refused(monkeypatch, check_mode):
    """The disk is free at the first look and mounted (in another namespace) when the module looks again with
    the disk held: refused, nothing written, the descriptor closed."""
    first = _records()['/dev/loop10']
    mounted = copy.deepcopy(first)
    mounted['claims'] = [{'code': 'mounted', 'reason': '/dev/loop10 is mounted at /mnt/x in the mount namespace '
                                                       'of pid 77 (sh)'}]
    host = Host([[first], [mounted]])
    _use(monkeypatch, host)
    with pytest.raises(DiskRefusedError) as err:
        wipe.apply(host, PARAMS, check_mode)
    assert 'checked again with the disks held exclusively' in err.value.msg
    assert err.value.refused == {'/dev/loop10': ['/dev/loop10 is mounted at /mnt/x in the mount namespace of pid 77 (sh)']}
    assert [e[0] for e in host.log] == ['open', 'close']
    assert host.log[0] == ('open', '/dev/loop10', not check_mode)


@pytest.mark.parametrize('check_mode', [False, True])
def test_ebusy_is_refused_naming_the_holder(monkeypatch, check_mode):
    record = _records()['/dev/loop10']
    journal = copy.deepcopy(record)
    journal['claims'] = [{'code': 'journal', 'reason': '/dev/loop10 is the external journal of the ext4 on /dev/loop5'}]
    host = Host([[record], [journal]], busy={'/dev/loop10'})
    _use(monkeypatch, host)
    with pytest.raises(DiskRefusedError) as err:
        wipe.apply(host, PARAMS, check_mode)
    assert err.value.refused == {'/dev/loop10': [
        'is claimed by something else (an exclusive open gives EBUSY): /dev/loop10 is the external journal of the '
        'ext4 on /dev/loop5']}
    assert not any(e[0] == 'zero' for e in host.log)


def test_ebusy_with_no_holder_found_says_what_to_do(monkeypatch):
    record = _records()['/dev/loop10']
    host = Host([[record]], busy={'/dev/loop10'})
    _use(monkeypatch, host)
    with pytest.raises(DiskRefusedError) as err:
        wipe.apply(host, PARAMS, False)
    assert 'find it with lsof, dmsetup ls, cat /proc/mdstat' in err.value.msg


def test_wipe_writes_through_the_held_descriptor(monkeypatch):
    record = _records()['/dev/loop10']
    clean = copy.deepcopy(_records()['/dev/loop8'])
    clean.update(path='/dev/loop10', name='loop10')
    host = Host([[record], [record], [clean]])
    _use(monkeypatch, host)
    result = wipe.apply(host, PARAMS, False)
    kinds = [e[0] for e in host.log]
    assert kinds[0] == 'open' and kinds[-1] == 'close' and kinds.count('open') == 1
    fd = host.log[0] and 1
    assert all(e[1] == fd for e in host.log if e[0] in ('zero', 'flush', 'reread'))
    assert kinds.index('reread') > max(i for i, k in enumerate(kinds) if k == 'zero')
    assert result['changed'] is True and result['wiped'] == ['/dev/loop10']
    assert result['commands'][-1] == 're-read the partition table of /dev/loop10 (BLKRRPART)'
    check = Host([[record], [record]])
    _use(monkeypatch, check)
    assert wipe.apply(check, PARAMS, True)['commands'] == result['commands']
    assert [e[0] for e in check.log] == ['open', 'run', 'close'] and check.log[0][2] is False


def test_partition_given_directly_names_its_disk(monkeypatch):
    host = Host([list(_records().values())])
    _use(monkeypatch, host)
    with pytest.raises(DiskInputError) as err:
        wipe.apply(host, dict(PARAMS, devices=['/dev/loop9p2'], allow=['/dev/loop9p2']), False)
    assert err.value.msg == ('/dev/loop9p2 is a partition of /dev/loop9: disk_wipe wipes whole disks only (list '
                             '/dev/loop9 to wipe the whole disk, every partition on it included); nothing was wiped')
    assert host.log == []


def test_volume_group_spanning_unlisted_disks_is_refused(monkeypatch):
    recs = _records()
    pv = copy.deepcopy(recs['/dev/loop11'])
    pv['lvm'] = {'pvs': ['/dev/loop11'], 'vgs': ['vg0'], 'vg_pvs': ['/dev/loop11', '/dev/loop12']}
    host = Host([[pv, recs['/dev/loop12']]])
    _use(monkeypatch, host)
    with pytest.raises(DiskRefusedError) as err:
        wipe.apply(host, dict(PARAMS, devices=['/dev/loop11'], allow=['/dev/loop11']), False)
    assert err.value.refused == {'/dev/loop11': [
        'is in LVM volume group vg0, which also spans /dev/loop12 (not listed): remove the volume group (vgremove) '
        'or list every disk of it']}
    assert host.log == []


class FailingHost(Host):
    """A host double whose second zero write fails (an I/O error part way through a wipe)."""

    def write_zeros(self, fd, offset, length):
        super(FailingHost, self).write_zeros(fd, offset, length)
        if sum(1 for e in self.log if e[0] == 'zero') == 2:
            raise OSError(errno.EIO, 'Input/output error')


def test_a_wipe_that_fails_part_way_says_it_wrote(monkeypatch):
    """The first range is zeroed, the second fails: the error carries the steps run and that it wrote, and the
    descriptor is closed."""
    record = _records()['/dev/loop10']
    host = FailingHost([[record], [record]])
    _use(monkeypatch, host)
    with pytest.raises(DiskCommandError) as err:
        wipe.apply(host, PARAMS, False)
    assert err.value.wrote is True
    assert 'wiping /dev/loop10 stopped there' in err.value.msg and 'Input/output error' in err.value.msg
    assert len(err.value.commands) == 2 and err.value.commands[0].startswith('zero /dev/loop10')
    assert host.log[-1][0] == 'close'
