"""Verify over SSH (testinfra through Ansible's connection) what disk_prep left on each node."""
import os

import pytest
import yaml

LAB = os.environ["KOOR_LAB_NAME"]
ROOT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
with open(os.path.join(ROOT, "inventories", "lab", "generated", "%s-nodes.yml" % LAB)) as _handle:
    NODES = yaml.safe_load(_handle)["all"]["children"]["koor_lab_nodes"]["hosts"]


@pytest.fixture
def disks(host):
    return NODES[host.backend.get_hostname()]["koor_lab_node_disks"]


def test_host_is_the_node(host):
    assert host.check_output("hostname") == host.backend.get_hostname()


def test_listed_disks_carry_no_signature(host, disks):
    for dev in disks[:3]:
        assert host.run("blkid -p -o export %s" % dev).stdout == ""
        assert host.check_output("wipefs -n %s" % dev) == ""
        assert host.check_output("lsblk -rn -o NAME %s" % dev) == os.path.basename(dev)


def test_unlisted_disk_kept_its_file_system(host, disks):
    out = host.check_output("blkid -c /dev/null -o export %s" % disks[3])
    assert "TYPE=ext4" in out and "LABEL=keep" in out


def test_only_its_own_disks_are_visible(host, disks):
    assert sorted(host.check_output("lsblk -drn -o PATH").split()) == sorted(disks)


def test_kernel_settings(host):
    assert int(host.sysctl("fs.aio-max-nr")) >= 1048576
    assert int(host.sysctl("kernel.pid_max")) >= 4194304
    conf = host.file("/var/lib/koor-lab/%s/nodes/%s-sysctl.conf" % (LAB, host.backend.get_hostname()))
    assert conf.exists and "fs.aio-max-nr = 1048576" in conf.content_string


def test_storage_spec_written_for_rook():
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rook-storage-nodes.yml")) as handle:
        spec = yaml.safe_load(handle)
    assert spec["useAllNodes"] is False and spec["useAllDevices"] is False
    assert [n["name"] for n in spec["nodes"]] == sorted(NODES)
    for node in spec["nodes"]:
        disks = NODES[node["name"]]["koor_lab_node_disks"][:3]
        assert node["devices"] == [{"name": os.path.basename(d), "config": {"deviceClass": "hdd"}} for d in disks]
