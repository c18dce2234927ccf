# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one polling wait of the collection's modules: ask, judge, ask again after a short interval
until the answer is the one wanted or the time is up. Polling is cheap here (a mon command through
the runner's agent costs well under a millisecond), so the interval is short: a wait ends within
one interval of the cluster getting there, never after a fixed sleep."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import time

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephCommandError, CephConnectionError

# What a read answers while a mon restarts or elects, or no mgr is active yet.
NOT_YET_RCS = (errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT, errno.ENOTCONN, errno.ECONNREFUSED, errno.ECONNRESET,
               errno.ESHUTDOWN)


def not_yet(exc):
    """Whether a wait on the cluster counts ``exc`` as "not yet": the runner's connection and timeout
    errors, and a command answered with one of NOT_YET_RCS (a mon restarting or electing, no mgr active)."""
    if isinstance(exc, CephConnectionError):
        return True
    return isinstance(exc, CephCommandError) and abs(exc.rc or 0) in NOT_YET_RCS


class Waited(object):
    """What a wait ended with: ``done`` (the last attempt's verdict), its ``value``, the seconds
    ``waited``, the number of ``attempts`` and the ``error`` of the last attempt that raised one of
    the retried errors (None when the last attempt answered)."""

    def __init__(self, done, value, waited, attempts, error):
        self.done = done
        self.value = value
        self.waited = waited
        self.attempts = attempts
        self.error = error


def poll(attempt, timeout, interval=0.25, retry=(), clock=time.monotonic, sleep=time.sleep):
    """Call ``attempt()`` -> (done, value) until ``done`` or ``timeout`` seconds have passed
    (``timeout`` 0: once). An exception ``retry`` accepts - a tuple of exception types, or a predicate
    such as not_yet (a mon restarting answers with a timeout or EAGAIN) - counts as not done yet;
    any other propagates. Returns a Waited."""
    retried = retry if callable(retry) else (lambda exc: isinstance(exc, retry))
    started = clock()
    deadline = started + max(0.0, float(timeout))
    attempts = 0
    done, value, error = False, None, None
    while True:
        attempts += 1
        try:
            done, value = attempt()
            error = None
        except Exception as exc:  # pylint: disable=broad-except
            if not retried(exc):
                raise
            done, error = False, exc
        if done:
            break
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(interval, remaining))
    return Waited(done, value, clock() - started, attempts, error)
