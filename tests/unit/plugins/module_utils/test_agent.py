# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent's reading of a ceph CLI process's result (agent_mode cli), from the lab's real outputs."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.agent import cli_reply

# stderr of `ceph ... status` recorded on the lab (Ceph 20.2.4), each with the CLI's exit status
CONNECT_CASES = [
    # mons unreachable with --connect-timeout 3
    (1, "timed out\n", errno.ETIMEDOUT),
    # a keyring that is not one
    (1, "2026-12-02T03:16:58.161+0000 7f346fe9a6c0 -1 monclient: Key loading failed with: failed to load "
        "'keyring' config file '/etc/hosts': (5) Input/output error\n"
        "[errno 2] RADOS object not found (error connecting to the cluster)\n", errno.ENOENT),
    # a key the cluster does not know
    (1, "[errno 13] RADOS permission denied (error connecting to the cluster)\n", errno.EACCES),
    # a ceph.conf that does not exist
    (1, "Error initializing cluster client: ObjectNotFound('RADOS object not found (error calling "
        "conf_read_file)')\n", errno.ENOENT),
]


@pytest.mark.parametrize("rc, err, code", CONNECT_CASES)
def test_a_client_that_cannot_connect_is_marked_with_the_errno(rc, err, code):
    reply = cli_reply({"rc": rc, "out": "", "err": err})
    assert reply["connect"] is True
    assert reply["rc"] == code


def test_a_command_error_keeps_the_commands_errno():
    reply = cli_reply({"rc": 2, "out": "", "err": "Error ENOENT: unrecognized pool 'nopool'\n"})
    assert reply["rc"] == errno.ENOENT and "connect" not in reply


def test_an_exit_status_that_is_not_the_errno_is_read_from_the_error_line():
    reply = cli_reply({"rc": 1, "out": "", "err": "Error EINVAL: invalid command\n"})
    assert reply["rc"] == errno.EINVAL and "connect" not in reply


def test_success_is_left_alone():
    reply = {"rc": 0, "out": "{}", "err": ""}
    assert cli_reply(dict(reply)) == reply


def test_a_batch_answers_each_request_on_its_own():
    from ansible_collections.koor.ceph.plugins.module_utils.agent import Agent
    import json
    reply = Agent({}).handle({"id": 7, "op": "batch", "requests": [{"op": "nope"}, {"op": "batch", "requests": []}]})
    assert reply["id"] == 7 and reply["rc"] == 0
    answers = json.loads(reply["out"])
    assert [a["rc"] for a in answers] == [errno.EINVAL, errno.EINVAL]
    assert "unknown agent op 'nope'" in answers[0]["err"] and "cannot hold a batch" in answers[1]["err"]
    assert all("id" not in a for a in answers)
