# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of koor.ceph. Each carries what a person needs to act: the command, its
return code and its stderr. ``fail_kwargs()`` gives the arguments for ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class CephError(Exception):
    """Base class: something about the cluster or the command went wrong."""

    def __init__(self, msg, cmd=None, rc=None, stderr=None, stdout=None):
        super(CephError, self).__init__(msg)
        self.msg = msg
        self.cmd = cmd
        self.rc = rc
        self.stderr = stderr
        self.stdout = stdout

    def fail_kwargs(self):
        result = {"msg": self.msg}
        for key in ("cmd", "rc", "stderr"):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        return result


class CephInputError(CephError):
    """The module's input cannot be applied; nothing was changed."""


class CephConnectionError(CephError):
    """The cluster could not be reached or refused the credentials."""


class CephTimeoutError(CephConnectionError):
    """The cluster or the far side did not answer in time."""


class CephAgentError(CephError):
    """The agent could not start (or died) on the far side of the transport."""


class CephCommandError(CephError):
    """A ceph command ran and failed."""


class CephOutputError(CephError):
    """A command answered with output that is not the JSON it should be."""


class DiskError(CephError):
    """Base class of the disk preparation modules (disk_info, disk_wipe)."""


class DiskInputError(DiskError):
    """The input cannot be applied (unknown or duplicate device, missing confirmation); nothing was touched."""


class DiskRefusedError(DiskInputError):
    """A wipe was refused before anything was written: ``refused`` maps each device to every reason."""

    def __init__(self, msg, refused=None, **kwargs):
        super(DiskRefusedError, self).__init__(msg, **kwargs)
        self.refused = refused or {}

    def fail_kwargs(self):
        result = super(DiskRefusedError, self).fail_kwargs()
        result["refused"] = self.refused
        return result


class DiskCommandError(DiskError):
    """A command on the storage host failed (lsblk, blkid, sgdisk, wipefs, ...)."""
