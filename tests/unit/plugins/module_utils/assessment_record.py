# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record the assessment's reads from a lab as a recording set of the agent fake.

    lab/koor-lab up --name rec
    PYTHONPATH=.cache/collections .venv/bin/python tests/unit/plugins/module_utils/assessment_record.py rec NAME

runs gather.collect() with the real runner and agent against the lab and writes every request -> reply pair
(each read of a batch on its own, as the fake answers them) to tests/unit/fixtures/lab/replies/NAME.json, the
large replies as files of tests/unit/fixtures/lab/assessment/NAME/.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

from ansible_collections.koor.ceph.plugins.module_utils.assessment import gather
from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..", "..")
LAB = os.path.join(HERE, "..", "..", "fixtures", "lab")


class RecordingRunner(CephRunner):
    def __init__(self, params):
        super(RecordingRunner, self).__init__(params)
        self.pairs = []

    def _request(self, req, timeout=None):
        reply = super(RecordingRunner, self)._request(req, timeout)
        if req["op"] == "batch":
            for sub, answer in zip(req["requests"], json.loads(reply["out"])):
                self.pairs.append((sub, answer))
        else:
            self.pairs.append((dict((k, v) for k, v in req.items() if k not in ("id", "timeout")), reply))
        return reply


def main(lab, name):
    env = json.loads(subprocess.run([os.path.join(ROOT, "lab", "koor-lab"), "env", "--name", lab, "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    params = {"transport": "prefix", "prefix": ["chroot", env["KOOR_LAB_ROOT"]], "conf": env["KOOR_LAB_CONF"],
              "keyring": env["KOOR_LAB_KEYRING"]}
    folder = os.path.join(LAB, "assessment", name)
    os.makedirs(folder, exist_ok=True)
    with RecordingRunner(params) as runner:
        bundle = gather.collect(runner)
    entries = []
    for request, reply in runner.pairs:
        entry = {"rc": reply["rc"], "err": reply.get("err", "")}
        out = reply.get("out", "")
        if request["op"] == "mon" and reply["rc"] == 0 and out.strip().startswith(("{", "[")):
            base = request["cmd"]["prefix"].replace(" ", "_").replace("-", "_")
            if request["cmd"].get("who"):
                base += "." + request["cmd"]["who"]
            filename = os.path.join("assessment", name, base + ".json")
            with open(os.path.join(LAB, filename), "w") as handle:
                json.dump(json.loads(out), handle, sort_keys=True, separators=(",", ":"))
                handle.write("\n")
            entry["file"] = filename
        else:
            entry["out"] = out
        entries.append({"request": request, "reply": entry})
    with open(os.path.join(LAB, "replies", name + ".json"), "w") as handle:
        json.dump(entries, handle, indent=1)
        handle.write("\n")
    with open(os.path.join(folder, "collected_at"), "w") as handle:
        handle.write(bundle["collected_at"] + "\n")
    print("%d pairs, %d requests in %d round trips" % (len(entries), bundle["stats"]["requests"], bundle["stats"]["round_trips"]))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: assessment_record.py LAB NAME")
    main(sys.argv[1], sys.argv[2])
