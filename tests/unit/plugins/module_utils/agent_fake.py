# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit tests' one fake: an agent that answers from recorded request -> reply pairs.

The real :class:`CephRunner` runs in every unit test (command building, check mode, write
recording, error mapping, the ``applied``/``failed`` bookkeeping); only the agent process on
the far side of the transport is replaced. A request is what the runner sends the agent (see
the protocol in ``plugins/module_utils/agent.py``), a reply what the agent answers::

    request  {"op": "mon", "cmd": {"prefix": "osd dump", "format": "json"}}
    reply    {"rc": 0, "out": "{...}", "err": ""}

Recordings are keyed on the request itself (op, the mon command's prefix and arguments, an
exec's argv, a pool and namespace, ...), never on a CLI line. A request nobody recorded fails
the test at once, naming the request and the recorded ones of the same op and prefix.

Recording sets live in ``tests/unit/fixtures/lab/replies/<set>.json`` as a list of
``{"request": {...}, "reply": {...}}`` (or ``"replies": [...]``: successive answers, the last
one repeats). A reply gives its ``out`` as text, as ``"json": <value>`` or as ``"file": NAME``
(a file of ``tests/unit/fixtures/lab``, optionally narrowed by ``"path": [keys]``).

To record replies from a lab cluster (``lab/koor-lab up --name NAME``)::

    .venv/bin/python tests/unit/plugins/module_utils/agent_fake.py record --lab NAME \\
        '{"op": "mon", "cmd": {"prefix": "config help", "key": "mon_allow_pool_delete"}}' ...

prints one ``{"request", "reply"}`` pair per request (the real runner and agent against the
lab) to add to a recording set. To record how a cluster changes (a daemon stopped, restarted),
record the same requests at each moment into a file, then::

    .venv/bin/python tests/unit/plugins/module_utils/agent_fake.py merge MOMENT1.json MOMENT2.json ...

prints one set whose requests answer with ``"replies"``: each moment's reply in order (a run of
equal last replies kept once, as the last one repeats), one pair per line. Every moment must
hold the same requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import sys

from ansible_collections.koor.ceph.plugins.module_utils import agent as _agent
from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "lab")
REPLIES = os.path.join(LAB, "replies")

# Fields of a request that say nothing about what is asked.
_NOT_THE_QUESTION = ("id", "timeout")


def lab_file(name, path=()):
    """A recorded file of tests/unit/fixtures/lab: parsed JSON (or text), narrowed by ``path``."""
    with open(os.path.join(LAB, name)) as handle:
        text = handle.read()
    if not name.endswith(".json"):
        return text
    value = json.loads(text)
    for key in path:
        value = value[key]
    return value


def mon(prefix, **args):
    """The request the runner sends for ``runner.mon(prefix, **args)`` / ``runner.write(...)``."""
    cmd = dict(prefix=prefix, format="json")
    cmd.update((k, v) for k, v in args.items() if v is not None)
    return {"op": "mon", "cmd": cmd}


def exec_(argv, inbuf=""):
    """The request of ``runner.tool(argv)``."""
    return {"op": "exec", "argv": list(argv), "inbuf": inbuf}


def reply(value=None, rc=0, err="", out=None):
    """A reply: ``value`` as the JSON the agent prints (or ``out`` as text)."""
    if out is None:
        out = "" if value is None else json.dumps(value)
    return {"rc": rc, "out": out, "err": err}


def key(request):
    """The canonical form of a request: what is asked, whatever the id or the order of fields."""
    req = dict((k, v) for k, v in request.items() if k not in _NOT_THE_QUESTION)
    if not req.get("inbuf"):
        req.pop("inbuf", None)
    if req.get("op") == "mon":
        req["cmd"] = dict((k, v) for k, v in req["cmd"].items() if v is not None)
        req["cmd"].setdefault("format", "json")
    return json.dumps(req, sort_keys=True)


def _reply_of(entry):
    entry = dict(entry)
    if "file" in entry:
        value = lab_file(entry.pop("file"), entry.pop("path", ()))
        entry["out"] = value if isinstance(value, str) else json.dumps(value)
    elif "json" in entry:
        entry["out"] = json.dumps(entry.pop("json"))
    entry.setdefault("rc", 0)
    entry.setdefault("out", "")
    entry.setdefault("err", "")
    return entry


def recording(name):
    """The pairs of one recording set (tests/unit/fixtures/lab/replies/NAME.json)."""
    with open(os.path.join(REPLIES, name + ".json")) as handle:
        return json.load(handle)


class UnrecordedRequest(AssertionError):
    """The code under test sent a request no recording answers."""


class FakeAgent:
    """Answers requests from recordings; remembers every request, and which were writes."""

    def __init__(self, *sets, **options):
        self.mode = options.get("mode", "librados")
        self.answers = {}
        self.requests = []   # (request without id/timeout, sent by a write)
        self.hello = None
        for name in sets:
            self.load(recording(name))

    def load(self, pairs):
        for pair in pairs:
            replies = pair.get("replies") or [pair["reply"]]
            self.answer(pair["request"], *[_reply_of(r) for r in replies])
        return self

    def answer(self, request, *replies):
        """Record (or replace) the replies to ``request``: successive answers, the last one repeats.
        A reply is a dict (see :func:`reply`) or any other value, taken as the JSON the agent prints."""
        if not replies:
            raise ValueError("answer() needs at least one reply")
        self.answers[key(request)] = [r if isinstance(r, dict) and "rc" in r else reply(r) for r in replies]
        return self

    def handle(self, request, write=False):
        if request.get("op") == "batch":  # as the real agent: each read answered on its own
            replies = []
            for sub in request["requests"]:
                answer = self.handle(sub, write)
                answer.pop("id", None)
                replies.append(answer)
            return {"rc": 0, "out": json.dumps(replies), "err": "", "id": request.get("id")}
        asked = dict((k, v) for k, v in request.items() if k not in _NOT_THE_QUESTION)
        self.requests.append((copy.deepcopy(asked), write))
        if self.mode == "cli" and request["op"] in ("rbd_ls", "rados_read"):
            # what the real agent answers where the far side has no librados (nothing is run)
            return _agent.Agent({}).handle(dict(request))
        replies = self.answers.get(key(request))
        if replies is None:
            raise UnrecordedRequest("no recorded reply to the request %s%s" % (key(request), self._near(request)))
        answer = replies.pop(0) if len(replies) > 1 else replies[0]
        return dict(copy.deepcopy(answer), id=request.get("id"))

    def _near(self, request):
        def same(other):
            other = json.loads(other)
            if other.get("op") != request.get("op"):
                return False
            if request.get("op") == "mon":
                return other["cmd"].get("prefix") == request["cmd"].get("prefix")
            if request.get("op") == "exec":
                return other["argv"][:2] == list(request["argv"][:2])
            return True
        near = [k for k in self.answers if same(k)]
        return "; recorded for the same command: %s" % ", ".join(near) if near else "; nothing recorded like it"


class AgentRunner(CephRunner):
    """The real CephRunner with the agent process replaced by a :class:`FakeAgent`."""

    def __init__(self, agent, check_mode=True, params=None):
        super(AgentRunner, self).__init__(dict(params or {}), check_mode=check_mode)
        self.agent = agent
        self._writing = False

    # --- the seam: the agent process ---------------------------------------------------
    def start(self):
        if self._proc is not None:
            return
        self.agent.hello = self._hello()
        self._proc = self.agent
        self.mode = self.agent.mode
        self._replies = []

    def close(self):
        self._proc = None

    def _send(self, obj):
        self._replies.append(self.agent.handle(obj, write=self._writing))

    def _receive(self, timeout, starting=False):
        return self._replies.pop(0)

    def _send_write(self, line, send, ok_rcs, atomic):
        self._writing = True
        try:
            return super(AgentRunner, self)._send_write(line, send, ok_rcs, atomic)
        finally:
            self._writing = False

    # --- what a test looks at ------------------------------------------------------------
    @property
    def requests(self):
        """Every request sent to the agent, in order (reads and writes)."""
        return [request for request, _write in self.agent.requests]

    @property
    def reads(self):
        """The requests that were not writes."""
        return [request for request, write in self.agent.requests if not write]

    def mon_reads(self):
        """The mon/mgr commands read: (prefix, arguments without format), in order."""
        return [(r["cmd"]["prefix"], dict((k, v) for k, v in r["cmd"].items() if k not in ("prefix", "format")))
                for r in self.reads if r["op"] == "mon"]

    def read_prefixes(self):
        return [prefix for prefix, _args in self.mon_reads()]


def fake_runner(*sets, **options):
    """A real CephRunner on a FakeAgent holding the recording ``sets``.

    Options: ``check_mode`` (default True), ``mode`` ("librados" or "cli": the agent's mode),
    ``params`` (the runner's connection parameters).
    """
    agent = FakeAgent(*sets, mode=options.pop("mode", "librados"))
    runner = AgentRunner(agent, check_mode=options.pop("check_mode", True), params=options.pop("params", None))
    runner.start()  # as a module's ``with CephRunner(...)``: the agent's mode is known from here on
    return runner


# --- recording from a lab ---------------------------------------------------------------------
def lab_connection(name):
    """(``koor-lab env --json`` of lab ``name``, the module options that reach its cluster)."""
    import subprocess  # pylint: disable=import-outside-toplevel
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..")
    env = json.loads(subprocess.run([os.path.join(root, "lab", "koor-lab"), "env", "--name", name, "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    return env, {"transport": "prefix", "prefix": ["chroot", env["KOOR_LAB_ROOT"]], "conf": env["KOOR_LAB_CONF"],
                 "keyring": env["KOOR_LAB_KEYRING"]}


class RecordingRunner(CephRunner):
    """The real runner, keeping every (request, reply) it exchanged with the real agent: each read of
    a batch on its own, as the fake answers them."""

    def __init__(self, params, check_mode=False):
        super(RecordingRunner, self).__init__(params, check_mode=check_mode)
        self.pairs = []

    def _request(self, req, timeout=None):
        reply = super(RecordingRunner, self)._request(req, timeout)
        if req["op"] == "batch":
            for sub, answer in zip(req["requests"], json.loads(reply["out"])):
                self.pairs.append((sub, answer))
        else:
            self.pairs.append((dict((k, v) for k, v in req.items() if k not in _NOT_THE_QUESTION), reply))
        return reply


def reply_entry(reply):
    """An agent's reply as a recording set keeps it: its output as ``json`` when it is JSON, else as ``out``."""
    entry = dict((k, v) for k, v in reply.items() if k not in ("id", "out"))
    out = reply.get("out", "")
    try:
        return dict(entry, json=json.loads(out)) if out.strip() else dict(entry, out=out)
    except ValueError:
        return dict(entry, out=out)


def _record(argv):
    """``record --lab NAME REQUEST...``: send each request through the real runner to the lab's
    cluster and print the pairs as a recording set's entries."""
    if len(argv) < 3 or argv[0] != "--lab":
        raise SystemExit("usage: agent_fake.py record --lab NAME REQUEST_JSON...")
    _env, params = lab_connection(argv[1])
    pairs = []
    with CephRunner(params) as runner:
        for text in argv[2:]:
            request = json.loads(text)
            if request.get("op") == "mon":
                request["cmd"].setdefault("format", "json")
            answer = runner._request(dict(request))  # pylint: disable=protected-access
            pairs.append({"request": request, "reply": reply_entry(answer)})
    print(json.dumps(pairs, indent=1))


def _merge(paths):
    """``merge MOMENT.json...``: recordings of the same requests at successive moments -> one set with
    each request's ``replies`` in the moments' order."""
    order, replies = [], {}
    for path in paths:
        with open(path) as handle:
            moment = json.load(handle)
        if order and sorted(key(pair["request"]) for pair in moment) != sorted(order):
            raise SystemExit("%s does not hold the requests of %s" % (path, paths[0]))
        for pair in moment:
            name = key(pair["request"])
            if name not in replies:
                order.append(name)
                replies[name] = (pair["request"], [])
            replies[name][1].append(pair["reply"])
    pairs = []
    for name in order:
        request, answers = replies[name]
        while len(answers) > 1 and answers[-1] == answers[-2]:
            answers.pop()
        pairs.append({"request": request, "replies": answers} if len(answers) > 1 else {"request": request, "reply": answers[0]})
    print("[\n" + ",\n".join(json.dumps(pair) for pair in pairs) + "\n]")


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"]:
        _record(sys.argv[2:])
    elif sys.argv[1:2] == ["merge"] and sys.argv[2:]:
        _merge(sys.argv[2:])
    else:
        raise SystemExit("usage: agent_fake.py record --lab NAME REQUEST_JSON... | merge MOMENT_JSON...")
