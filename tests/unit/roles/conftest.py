# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every role test needs before its module is imported: the collection loader, so that the roles'
templates find the collection's filters (a test file run on its own included)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def _collection_loader():
    """The roles' templates call the collection's filters (koor.ceph.*): Ansible finds them through its
    collection loader, which ansible-test installs and plain pytest does not."""
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is None:
        import sys
        from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
        # the collection imported as a plain package (tests/conftest.py) has no collection metadata: import it
        # again through the loader
        for name in [m for m in sys.modules if m == 'ansible_collections' or m.startswith('ansible_collections.')]:
            del sys.modules[name]
        paths = [os.path.join(ROOT, '.cache', 'collections')]  # the working tree's link (tests/conftest.py)
        if os.path.basename(os.path.dirname(os.path.dirname(ROOT))) == 'ansible_collections':
            paths.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(ROOT))))
        _AnsibleCollectionFinder(paths=paths)._install()


_collection_loader()
