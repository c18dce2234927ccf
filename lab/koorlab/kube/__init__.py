"""The lab's Kubernetes API: a simulator of a kube-apiserver, for tests and demos only.

No real Kubernetes can run on the lab's machines, so `python -m koorlab.kube serve` answers the
Kubernetes REST API (JSON over HTTP or HTTPS on 127.0.0.1, bearer token) well enough for
kubectl, the kubernetes Python client and kubernetes.core: discovery, built-in kinds and every
CRD applied to it (custom resources validated against the CRD's OpenAPI v3 schema and its CEL
rules), real object semantics (uid, resourceVersion, generation, selectors, watch, status,
patches, server-side apply, finalizers), pods/exec over WebSocket, and a small built-in workload
controller for Deployments, StatefulSets, DaemonSets and Jobs (pods need their ServiceAccount).
State is persisted to one JSON file.

It is not a Kubernetes: no scheduler, no kubelet, no admission webhooks, no RBAC enforcement.
See docs/lab-kubernetes.md. It is never shipped in the Galaxy tarball.

Only cli.py is imported by lab/koor-lab (stdlib only); the server modules need PyYAML,
jsonschema and cel-python from the project's venv.
"""
