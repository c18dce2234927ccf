"""The lab's Rook simulator: a stand-in for the Rook operator that acts on real Ceph.

ceph.py builds and runs a real Ceph cluster across a lab's test nodes (koorlab.nodes);
operator.py reconciles Rook's custom resources from the lab's Kubernetes API into it.
Test infrastructure only: never shipped in the collection.
"""
