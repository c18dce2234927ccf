# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one renderer of command lines (agent.mon_words, agent.shell_line): named arguments where
Ceph's parser would misread positions, shell quoting, secrets masked. The lines' effect on a real
cluster is tested in tests/integration/test_commands_runnable.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shlex
import subprocess

import pytest

from ansible_collections.koor.ceph.plugins.module_utils import agent, runner

MODULE_UTILS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                            "plugins", "module_utils")


def line(prefix, **args):
    return runner.describe(dict(prefix=prefix, format="json", **args))


# --- named arguments where a position would be misread ----------------------------------

def test_a_gap_in_the_arguments_turns_the_rest_into_named_ones():
    # `ceph osd pool create kt-vms 16 replicated off` makes Ceph take `off` for a CRUSH rule
    assert line("osd pool create", pool="kt-vms", pg_num=16, pool_type="replicated", autoscale_mode="off") == \
        "ceph osd pool create kt-vms 16 --pool-type=replicated --autoscale-mode=off"
    assert line("osd pool create", pool="m", pool_type="replicated", rule="ssd") == \
        "ceph osd pool create m --pool-type=replicated --rule=ssd"
    assert line("fs subvolumegroup create", vol_name="fs", group_name="g", uid=5) == \
        "ceph fs subvolumegroup create fs g --uid=5"


def test_a_full_leading_run_stays_positional():
    assert line("config set", who="osd", name="osd_memory_target", value="6442450944") == \
        "ceph config set osd osd_memory_target 6442450944"
    assert line("osd pool set", pool="p", var="size", val="1", yes_i_really_mean_it=True) == \
        "ceph osd pool set p size 1 --yes-i-really-mean-it"
    assert line("osd pool rm", pool="p", pool2="p", yes_i_really_really_mean_it=True) == \
        "ceph osd pool rm p p --yes-i-really-really-mean-it"
    assert line("fs volume rm", vol_name="f", **{"yes-i-really-mean-it": "--yes-i-really-mean-it"}) == \
        "ceph fs volume rm f --yes-i-really-mean-it"


def test_bools_are_flags_and_false_is_left_out():
    assert line("osd pool application enable", pool="p", app="rbd", yes_i_really_mean_it=False) == \
        "ceph osd pool application enable p rbd"
    assert line("osd erasure-code-profile set", name="e", profile=["k=2", "m=1"], force=True) == \
        "ceph osd erasure-code-profile set e k=2 m=1 --force"


def test_lists_take_every_positional_word_so_what_follows_is_named():
    assert line("auth get-or-create", entity="client.a", caps=["mon", "allow r"], key_type="aes") == \
        "ceph auth get-or-create client.a mon 'allow r' --key-type=aes"
    assert line("osd set-group", flags="noout", who=["osd.1", "rack a"]) == "ceph osd set-group noout osd.1 'rack a'"


def test_values_the_cli_would_read_as_options_go_named():
    assert line("config set", who="osd", name="x", value="-5") == "ceph config set osd x -5"
    assert line("osd pool set", pool="p", var="compression_algorithm", val="--x") == \
        "ceph osd pool set p compression_algorithm --val=--x"
    assert line("osd pool create", pool="p", pool_type="erasure", erasure_code_profile="") == \
        "ceph osd pool create p --pool-type=erasure --erasure-code-profile ''"


def test_the_clis_own_names_are_never_named():
    with pytest.raises(ValueError, match="'key'"):
        line("config get", key="x")
    # a command not described here: the CLI's own names first, positionally
    assert runner.describe({"prefix": "foo bar", "who": "mon", "name": "x"}) == "ceph foo bar x --who=mon"


def test_every_command_the_collection_sends_is_described():
    """A prefix missing from SIGNATURES would be rendered by guesswork: every literal prefix the
    module_utils send (mon, write, Write, KeyWrite) must be in the table."""
    found = set()
    pattern = re.compile(r"(?:\.mon|\.write|\bWrite|KeyWrite\(self, name,)\(?\s*\"([a-z][a-z _-]*)\"")
    for name in os.listdir(MODULE_UTILS):
        if name.endswith(".py"):
            with open(os.path.join(MODULE_UTILS, name)) as handle:
                found.update(pattern.findall(handle.read()))
    assert {"osd pool create", "auth get-or-create", "config set", "fs subvolume create"} <= found
    assert sorted(found - set(agent.SIGNATURES)) == []


# --- quoting -----------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["plain", "with space", "it's", "$HOME", "a;b", "*", "", "ünï", "x\ny"])
def test_every_word_comes_back_as_it_was(word):
    rendered = agent.shell_line(["ceph", "config", "set", "client", "x", word])
    assert shlex.split(rendered) == ["ceph", "config", "set", "client", "x", word]
    out = subprocess.run(["bash", "-c", agent.shell_line(["printf", "%s", word])], capture_output=True, text=True,
                         check=True).stdout
    assert out == word


def test_input_goes_on_stdin():
    rendered = agent.shell_line(["cat"], inbuf="line one\n'two'")
    assert rendered == "printf %s 'line one\n'\"'\"'two'\"'\"'' | cat"
    assert subprocess.run(["bash", "-c", rendered], capture_output=True, text=True, check=True).stdout == \
        "line one\n'two'"
    assert runner.describe({"prefix": "auth import"}, inbuf="[client.a]\n") == \
        "printf %s '[client.a]\n' | ceph auth import -i -"


# --- secrets -----------------------------------------------------------------------------

def test_a_secret_input_is_masked_and_the_line_cannot_run_as_it_is():
    keyring = "[client.a]\n\tkey = AQBsecret==\n"
    rendered = runner.describe({"prefix": "auth add", "entity": "client.a", "caps": ["mon", "allow r"]},
                               inbuf=keyring, secret=True)
    assert rendered == "printf %s <secret masked> | ceph auth add client.a mon 'allow r' -i -"
    assert "AQBsecret" not in rendered and agent.is_masked(rendered)
    # pasted as it is, the shell refuses the line before running anything
    check = subprocess.run(["bash", "-n", "-c", rendered], capture_output=True, text=True, check=False)
    assert check.returncode == 2 and "syntax error" in check.stderr
    # with the secret put back, quoted, it is the line with the input shown
    assert rendered.replace(agent.SECRET, shlex.quote(keyring)) == runner.describe(
        {"prefix": "auth add", "entity": "client.a", "caps": ["mon", "allow r"]}, inbuf=keyring)


def test_a_secret_without_input_in_check_mode_is_still_masked():
    assert runner.tool_line(["radosgw-admin", "metadata", "put", "user:u"], secret=True) == \
        "printf %s <secret masked> | radosgw-admin metadata put user:u"
    assert not agent.is_masked(runner.tool_line(["rbd", "create", "--size", "1G", "p/i"]))


# --- the agent without librados runs the same words ---------------------------------------

def test_the_cli_fall_back_runs_the_recorded_words():
    hello = {"conf": "/c", "keyring": "/k", "name": "client.admin", "cluster": "ceph"}
    cmd = {"prefix": "osd pool create", "pool": "p", "pg_num": 8, "pool_type": "replicated",
           "autoscale_mode": "off", "format": "json"}
    argv = agent.cli_argv(cmd, hello, 10)
    assert argv[:9] == ["ceph", "--conf", "/c", "--keyring", "/k", "--name", "client.admin", "--cluster", "ceph"]
    assert argv[9:13] == ["--connect-timeout", "10", "--format", "json"]
    assert shlex.split(runner.describe(cmd)) == argv[:1] + argv[13:]
    with_input = agent.cli_argv({"prefix": "auth import"}, hello, 10, inbuf="[client.a]\n")
    assert with_input[-4:] == ["auth", "import", "-i", "-"]
