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
import sys

from ansible_collections.koor.ceph.plugins.module_utils.assessment import gather
from ansible_collections.koor.ceph.tests.unit.plugins.module_utils.agent_fake import RecordingRunner, lab_connection

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "fixtures", "lab")


def main(lab, name):
    _env, params = lab_connection(lab)
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
