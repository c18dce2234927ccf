# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/assessment.md is generated from the check data (scripts/assessment_docs.py) and must be current."""
# The script is not executable: python scripts/assessment_docs.py writes the file.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "assessment_docs.py")


def test_docs_assessment_md_is_current():
    proc = subprocess.run([sys.executable, SCRIPT, "--check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_every_check_and_threshold_is_documented():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import assessment_docs  # pylint: disable=import-error
    from ansible_collections.koor.ceph.plugins.module_utils.assessment import checks
    text = assessment_docs.render()
    for check in checks.CHECKS:
        assert "#### %s\n" % check["id"] in text and check["remediation"] in text
    for name in checks.THRESHOLDS:
        assert "| `%s` |" % name in text
