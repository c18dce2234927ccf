# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephConnectionError, CephTimeoutError
from ansible_collections.koor.ceph.plugins.module_utils.waiting import not_yet, poll


class Clock(object):
    """A clock the fake sleep advances."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_done_at_once_asks_once_and_never_sleeps():
    clock = Clock()
    waited = poll(lambda: (True, "v"), 10, clock=clock, sleep=clock.sleep)
    assert (waited.done, waited.value, waited.attempts, waited.waited, clock.sleeps) == (True, "v", 1, 0.0, [])


def test_polls_at_the_interval_until_done():
    clock = Clock()
    answers = iter([(False, 1), (False, 2), (True, 3)])
    waited = poll(lambda: next(answers), 10, interval=0.5, clock=clock, sleep=clock.sleep)
    assert (waited.done, waited.value, waited.attempts, clock.sleeps) == (True, 3, 3, [0.5, 0.5])
    assert waited.waited == 1.0


def test_timeout_ends_with_the_last_answer_and_never_oversleeps():
    clock = Clock()
    waited = poll(lambda: (False, clock.now), 1.2, interval=0.5, clock=clock, sleep=clock.sleep)
    assert not waited.done
    assert clock.sleeps == [0.5, 0.5, pytest.approx(0.2)]
    assert waited.attempts == 4 and waited.value == pytest.approx(101.2)


def test_zero_timeout_judges_once():
    clock = Clock()
    waited = poll(lambda: (False, None), 0, clock=clock, sleep=clock.sleep)
    assert (waited.done, waited.attempts, clock.sleeps) == (False, 1, [])


def test_retried_errors_count_as_not_yet_and_are_kept():
    clock = Clock()
    answers = iter([TimeoutError("mon restarting"), (True, "back")])

    def attempt():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    waited = poll(attempt, 5, retry=(TimeoutError,), clock=clock, sleep=clock.sleep)
    assert (waited.done, waited.value, waited.error, waited.attempts) == (True, "back", None, 2)

    def still():
        raise TimeoutError("still")
    failing = poll(still, 0.5, interval=0.25, retry=(TimeoutError,), clock=clock, sleep=clock.sleep)
    assert not failing.done and str(failing.error) == "still" and failing.attempts == 3


def test_other_errors_propagate():
    def attempt():
        raise ValueError("a bug, not a wait")
    with pytest.raises(ValueError):
        poll(attempt, 5, retry=(TimeoutError,))


def test_a_predicate_decides_what_is_retried():
    clock = Clock()
    answers = iter([CephCommandError("electing", rc=errno.EAGAIN), CephTimeoutError("mon restarting"), (True, "up")])

    def attempt():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    waited = poll(attempt, 5, retry=not_yet, clock=clock, sleep=clock.sleep)
    assert (waited.done, waited.value, waited.attempts) == (True, "up", 3)
    with pytest.raises(CephCommandError):
        poll(lambda: _raise(CephCommandError("no such pool", rc=errno.ENOENT)), 5, retry=not_yet, clock=clock,
             sleep=clock.sleep)


def _raise(exc):
    raise exc


def test_not_yet_is_what_a_restarting_cluster_answers():
    assert not_yet(CephTimeoutError("timed out")) and not_yet(CephConnectionError("no mon"))
    assert not_yet(CephCommandError("again", rc=-errno.EAGAIN))
    assert not not_yet(CephCommandError("no such pool", rc=errno.ENOENT)) and not not_yet(ValueError("a bug"))
