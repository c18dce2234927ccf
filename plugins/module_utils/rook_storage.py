# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disk facts (koor.ceph.disk_info results) -> the CephCluster ``spec.storage.nodes`` list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DEVICE_CLASSES = {"hdd": "hdd", "ssd": "ssd", "nvme": "nvme"}


def _results(disk_facts):
    """{node name: disk_info result} from a mapping or a list of results (named by their hostname)."""
    if isinstance(disk_facts, dict):
        return dict(disk_facts)
    if isinstance(disk_facts, (list, tuple)):
        found = {}
        for result in disk_facts:
            if not isinstance(result, dict) or not result.get("hostname"):
                raise ValueError("each disk_info result in the list needs its hostname")
            if result["hostname"] in found:
                raise ValueError("node %s appears twice" % result["hostname"])
            found[result["hostname"]] = result
        return found
    raise TypeError("expected a mapping of node name to disk_info result, or a list of disk_info results, not %s"
                    % type(disk_facts).__name__)


def _device_class(disk, device_class):
    if not device_class:
        return None
    if device_class != "auto":
        return str(device_class)
    if disk["type"] in DEVICE_CLASSES:
        return DEVICE_CLASSES[disk["type"]]
    return "hdd" if disk.get("rotational") else "ssd"


def _device_name(disk, use_by_id):
    if use_by_id:
        links = [p for p in disk.get("by_id") or [] if p.startswith("/dev/disk/by-id/")]
        if links:
            wwn = [p for p in links if p.startswith("/dev/disk/by-id/wwn-")]
            return (wwn or links)[0]
    path = disk["path"]
    return path[len("/dev/"):] if path.startswith("/dev/") and path.count("/") == 2 else path


def _acceptable(disk, accept_osd_running):
    return bool(disk.get("eligible") or (accept_osd_running and disk.get("osd_running")))


def storage_nodes(disk_facts, devices=None, device_class=None, config=None, use_by_id=False, require_eligible=True,
                  accept_osd_running=False):
    """The ``storage.nodes`` list: one entry per node, in name order, with its devices.

    devices: {node: [paths]} chooses the devices; by default every eligible disk of the node.
    A chosen device that is not a disk of the node, or (require_eligible) not eligible, is an error.
    accept_osd_running: a disk that holds an OSD running on its node (disk_info's osd_running) counts
    as eligible, both when chosen and in the default choice (it is an OSD already, so it stays one).
    """
    results = _results(disk_facts)
    devices = devices or {}
    unknown = sorted(set(devices) - set(results))
    if unknown:
        raise ValueError("devices names node(s) without disk facts: %s" % ", ".join(unknown))
    nodes, problems = [], []
    for node in sorted(results):
        result = results[node] or {}
        disks = result.get("disks")
        if disks is None:
            raise ValueError("node %s: not a disk_info result (no disks)" % node)
        index = {}
        for disk in disks:
            for alias in [disk["path"]] + list(disk.get("by_id") or []):
                index[alias] = disk
        if node in devices:
            chosen = []
            for path in devices[node] or []:
                disk = index.get(path)
                if disk is None:
                    problems.append("%s: %s is not one of its disks" % (node, path))
                    continue
                if disk in chosen:
                    problems.append("%s: %s is listed twice" % (node, path))
                    continue
                chosen.append(disk)
        else:
            chosen = [d for d in disks if _acceptable(d, accept_osd_running)]
        if require_eligible:
            for disk in chosen:
                if not _acceptable(disk, accept_osd_running):
                    problems.append("%s: %s is not eligible (%s)" % (node, disk["path"], "; ".join(disk.get("reasons") or [])))
        if not chosen:
            continue
        entry = {"name": node, "devices": []}
        for disk in chosen:
            item = {"name": _device_name(disk, use_by_id)}
            cls = _device_class(disk, device_class)
            if cls:
                item["config"] = {"deviceClass": cls}
            entry["devices"].append(item)
        if config:
            entry["config"] = dict((str(k), str(v)) for k, v in config.items())
        nodes.append(entry)
    if problems:
        raise ValueError("; ".join(problems))
    return nodes
