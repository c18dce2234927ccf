# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The system assessment: gather a cluster's state once (gather.py) into a bundle (bundle.py), normalise it
(facts.py), run the checks of checks.py through the engine (engine.py) and render the report (report.py)."""
