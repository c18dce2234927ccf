"""Make the working tree importable as ``ansible_collections.koor.ceph``."""
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_COLLECTIONS = os.path.join(_ROOT, ".cache", "collections")
_LINK = os.path.join(_COLLECTIONS, "ansible_collections", "koor", "ceph")

if not os.path.exists(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    try:
        os.symlink(_ROOT, _LINK)
    except FileExistsError:  # made by a pytest run started at the same moment
        if os.path.realpath(_LINK) != os.path.realpath(_ROOT):
            raise
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)
