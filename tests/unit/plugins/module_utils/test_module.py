# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed module run reports: changed and commands as they were, never 'unchanged' after a write."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephTimeoutError
from ansible_collections.koor.ceph.plugins.module_utils.module import failure
from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner


def _runner():
    return CephRunner({"transport": "local"})


def test_no_runner_no_change():
    assert failure(None, {"msg": "bad"}) == {"msg": "bad", "changed": False, "commands": []}


def test_a_refused_mon_write_alone_changed_nothing():
    runner = _runner()
    runner.commands.append("ceph osd pool create a")
    runner._send_write("ceph osd pool create a", lambda: {"rc": 1}, (0,), atomic=True)  # pylint: disable=protected-access
    kwargs = failure(runner, {"msg": "'ceph osd pool create a' failed (EPERM)"})
    assert kwargs["changed"] is False and "applied" not in kwargs
    assert kwargs["commands"] == ["ceph osd pool create a"]


def test_writes_before_the_failure_are_changed_and_named():
    runner = _runner()
    for line, rc in (("ceph osd pool create a", 0), ("ceph osd pool create b", 0), ("ceph osd pool set b size 9", 22)):
        runner.commands.append(line)
        runner._send_write(line, lambda rc=rc: {"rc": rc}, (0,), atomic=True)  # pylint: disable=protected-access
    kwargs = failure(runner, {"msg": "'ceph osd pool set b size 9' failed (EINVAL)"})
    assert kwargs["changed"] is True
    assert kwargs["applied"] == ["ceph osd pool create a", "ceph osd pool create b"]
    assert "after 2 writes that took effect" in kwargs["msg"]


def test_a_failed_tool_write_may_have_changed_something():
    runner = _runner()
    line = "radosgw-admin user create --uid u"
    runner._send_write(line, lambda: {"rc": 5}, (0,), atomic=False)  # pylint: disable=protected-access
    kwargs = failure(runner, {"msg": "failed"})
    assert kwargs["changed"] is True and line in kwargs["msg"]


def test_a_write_that_got_no_answer_may_have_changed_something():
    runner = _runner()

    def no_answer():
        raise runner._command_error("ceph osd pool create a", {"rc": 110, "err": ""})  # pylint: disable=protected-access
    with pytest.raises(CephTimeoutError):
        runner._send_write("ceph osd pool create a", no_answer, (0,), atomic=True)  # pylint: disable=protected-access
    assert failure(runner, {"msg": "timed out"})["changed"] is True
