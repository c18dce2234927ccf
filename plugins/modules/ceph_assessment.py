#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ceph_assessment
short_description: Assess a Ceph cluster, live or from a bundle, and report what is wrong or risky
version_added: 0.1.0
description:
  - Reads a Ceph cluster in one pass (one agent, the reads batched over one librados connection; status, health
    detail, versions, df, osd df tree, osd dump, OSD metadata, PGs, the CRUSH map, config dump and each mon's and
    OSD's running config, crashes, mgr and its modules, balancer, mon map and quorum, time sync, auth entities'
    key types and caps, never a key, filesystems and MDS map, RGW users' quotas) and runs the assessment's
    checks on it.
  - Each finding has a severity (info, warning, critical), the evidence (the values and the command and field
    they came from), why it matters, a remediation naming this collection's modules and variables where one does
    it, and a link to Ceph's documentation. docs/assessment.md lists every check and threshold.
  - With O(bundle_dest) the reads are saved as one archive without secrets; with O(bundle_src) the same checks
    run offline on such a bundle, collected elsewhere, and no connection is made.
  - With O(rook) the Rook layer is read too, through the Kubernetes API (O(kubeconfig), O(context)), that is the
    CephCluster's spec and status, Rook's other custom resources, the operator's Deployment and settings, the
    Deployments and pods of O(namespace), the nodes, the PodDisruptionBudgets and the Kubernetes version; no
    Secret. The Rook checks run then (and on a bundle collected so). The Ceph side is read as ever, usually
    with O(transport=kubectl_exec) through Rook's toolbox.
  - With O(report_dir) the report is written as C(report.json) (JSON Schema in the collection's
    C(docs/schemas/assessment-report-v1.json)), C(report.md) and C(report.html), a page with no external asset.
  - The module fails only when it cannot assess (bad input, the cluster unreachable). What it found is in
    RV(exit_code) (0 nothing above info, 1 warnings, 2 critical) for a play to act on.
author:
  - koor.ceph contributors (@koor-ceph)
extends_documentation_fragment:
  - koor.ceph.connection
attributes:
  check_mode:
    support: full
    description: Reads and assesses as a real run does, and writes no file (RV(files) names what it would write).
  diff_mode:
    support: none
    description: Writes only report files.
options:
  bundle_src:
    description:
      - A bundle saved with O(bundle_dest) (here or elsewhere) to check offline instead of reading the cluster.
      - The connection options are then not used.
    type: path
  bundle_dest:
    description:
      - Save the live collection to this path as a gzipped tar archive (mode 0600). It holds no key, password or
        other secret. Not with O(bundle_src).
    type: path
  report_dir:
    description: Write C(report.json), C(report.md) and C(report.html) into this existing folder.
    type: path
  previous:
    description:
      - A C(report.json) of an earlier run. The report then compares with it (its C(comparison) holds the new,
        resolved and still open findings).
    type: path
  rook:
    description:
      - Also read and check the Rook layer of the cluster through the Kubernetes API (see the description).
      - Needs the C(kubernetes) Python library where the module runs. Not with O(bundle_src).
    type: bool
    default: false
  operator_namespace:
    description: Where Rook's operator runs (O(rook) only); O(namespace) is the CephCluster's namespace.
    type: str
    default: rook-ceph
  thresholds:
    description:
      - Thresholds of the checks by name, replacing their defaults (docs/assessment.md lists them, each with its
        default and where the default comes from). An unknown name is an error.
    type: dict
    default: {}
  mutes:
    description:
      - Findings to mute. A muted finding is shown as muted, never hidden, and counts in neither the score nor
        RV(exit_code). A mute past its expiry date mutes nothing and is shown as expired.
    type: list
    elements: dict
    default: []
    suboptions:
      check:
        description: The check id (for example V(DMN_MON_FEW)).
        type: str
        required: true
      subject:
        description: The finding's subject, a shell-style pattern (for example V(osd.*) or V(pool rbd)).
        type: str
        default: "*"
      reason:
        description: Why the finding is accepted.
        type: str
        required: true
      expires:
        description: The last day the mute holds, V(YYYY-MM-DD).
        type: str
        required: true
seealso:
  - module: koor.ceph.ceph_status_info
"""

EXAMPLES = r"""
- name: Assess the cluster and write the report
  koor.ceph.ceph_assessment:
    report_dir: /var/tmp/ceph-assessment
    mutes:
      - check: DMN_MON_FEW
        reason: test cluster with one mon
        expires: "2027-06-30"
  register: assessment

- name: Stop on a critical finding
  ansible.builtin.assert:
    that: assessment.exit_code < 2
    fail_msg: "{{ assessment.report.findings | selectattr('severity', 'eq', 'critical') | map(attribute='message') }}"

- name: At the customer, collect a bundle of a Rook cluster (Ceph through the toolbox, Rook through the API)
  koor.ceph.ceph_assessment:
    transport: kubectl_exec
    namespace: rook-ceph
    rook: true
    kubeconfig: /etc/kubernetes/admin.conf
    bundle_dest: /tmp/ceph-bundle.tar.gz

- name: At the consultant, check it offline and compare with the last report
  koor.ceph.ceph_assessment:
    bundle_src: /tmp/ceph-bundle.tar.gz
    previous: /srv/reports/last/report.json
    report_dir: /srv/reports/now
"""

RETURN = r"""
exit_code:
  description: 0 when no unmuted finding is above info, 1 with warnings, 2 with a critical finding.
  returned: always
  type: int
  sample: 1
score:
  description: 100 less 15 per critical and 3 per warning finding (unmuted), at least 0.
  returned: always
  type: int
  sample: 82
grade:
  description: The score as a letter, V(A) (90 and up) to V(F).
  returned: always
  type: str
  sample: B
counts:
  description: Unmuted findings per severity.
  returned: always
  type: dict
  sample: {critical: 0, warning: 6, info: 2}
source:
  description: V(live) (read from the cluster) or V(bundle) (read from O(bundle_src)).
  returned: always
  type: str
  sample: live
files:
  description: The files written (in check mode, the files a real run writes).
  returned: always
  type: list
  elements: str
  sample: [/var/tmp/ceph-assessment/report.json, /var/tmp/ceph-assessment/report.md, /var/tmp/ceph-assessment/report.html]
stats:
  description: The reads of the collection (C(requests) to Ceph, C(round_trips) to the agent).
  returned: always
  type: dict
  sample: {requests: 28, round_trips: 5}
report:
  description:
    - The report document, as C(report.json) holds it (JSON Schema C(docs/schemas/assessment-report-v1.json)).
    - C(findings) each with C(key), C(check), C(category), C(severity), C(title), C(subject), C(message),
      C(evidence) (C(source), C(field), C(value)), C(why), C(remediation), C(docs) and C(muted) (null or
      C(reason), C(expires)); C(checks) the status of every check (passed, failed, not_evaluated with the
      reason); C(summary); C(comparison) with O(previous).
  returned: always
  type: dict
  sample: {report_version: 1, summary: {exit_code: 1, score: 82, grade: B}, findings: []}
commands:
  description: Commands that changed the cluster (always empty; the module only reads).
  returned: always
  type: list
  elements: str
  sample: []
"""

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.koor.ceph.plugins.module_utils.assessment import run
from ansible_collections.koor.ceph.plugins.module_utils.errors import CephError
from ansible_collections.koor.ceph.plugins.module_utils.kube import HAS_KUBERNETES, KUBERNETES_IMPORT_ERROR, Kube, KubeError
from ansible_collections.koor.ceph.plugins.module_utils.module import ceph_module
from ansible_collections.koor.ceph.plugins.module_utils.runner import CephRunner


def main():
    module = ceph_module(run.ARGSPEC, mutually_exclusive=[("bundle_src", "bundle_dest"), ("bundle_src", "rook")])
    if module.params["rook"] and not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR, changed=False, commands=[])
    try:
        result = run.execute(module.params, module.check_mode, lambda: CephRunner(module.params, check_mode=True),
                             lambda: Kube(module.params))
    except (CephError, KubeError) as exc:
        module.fail_json(changed=False, commands=[], **exc.fail_kwargs())
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(changed=False, commands=[], exception=traceback.format_exc(),
                         msg="unexpected error: %s: %s" % (type(exc).__name__, exc))
    result["commands"] = []
    module.exit_json(**result)


if __name__ == "__main__":
    main()
