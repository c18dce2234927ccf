# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Known-release data the version checks read, each fact with its source. Rook's facts (its support table
per Rook version, the Ceph releases Rook's documentation warns against) live in rook_contract.py and are
used from there, not copied."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.koor.ceph.plugins.module_utils import rook_contract

# The point release of each maintained Ceph release this collection version recommends as a minimum: the
# newest one published when it was written (docs.ceph.com/en/latest/releases/<release>/; Tentacle 20.2.4 is
# also the version Rook v1.20.6 deploys: rook_contract.ROOK_CEPH['1.20']['release']).
RECOMMENDED_MINIMUM = {
    "tentacle": {"version": (20, 2, 4), "source": "https://docs.ceph.com/en/latest/releases/tentacle/"},
    "squid": {"version": (19, 2, 3), "source": "https://docs.ceph.com/en/latest/releases/squid/"},
    "reef": {"version": (18, 2, 7), "source": "https://docs.ceph.com/en/latest/releases/reef/"},
}

# Releases past their end of life: listed under "Archived releases" on docs.ceph.com/en/latest/releases/.
END_OF_LIFE = {
    "luminous": "https://docs.ceph.com/en/latest/releases/",
    "mimic": "https://docs.ceph.com/en/latest/releases/",
    "nautilus": "https://docs.ceph.com/en/latest/releases/",
    "octopus": "https://docs.ceph.com/en/latest/releases/",
    "pacific": "https://docs.ceph.com/en/latest/releases/",
    "quincy": "https://docs.ceph.com/en/latest/releases/",
}


def known_bad():
    """{version tuple: {"why", "source"}}: the releases with a known bug that must not run."""
    result = {}
    for version, why in rook_contract.CEPH_KNOWN_BAD.items():
        result[version] = {"why": why, "source": "rook: Documentation/Upgrade/ceph-upgrade.md (v1.20.6)"}
    return result


def release_name(version):
    """(20, 2, 4) -> 'tentacle' (rook_contract.CEPH_RELEASES)."""
    return rook_contract.CEPH_RELEASES.get(version[0]) if version else None


def rook_support(rook_version):
    """Rook's documented Ceph releases for a Rook version ('v1.20.6' or '1.20'): the rook_contract entry, or
    None for a Rook version the collection has no table for."""
    text = str(rook_version or "").lstrip("v")
    minor = ".".join(text.split(".")[:2])
    return rook_contract.ROOK_CEPH.get(minor)
