# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How a module reaches the Kubernetes API. Shared by every module of the koor.ceph.rook action
    # group; the names, meanings and environment variables are kubernetes.core's, so one
    # module_defaults dict serves group/kubernetes.core.k8s and group/koor.ceph.rook.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path of an existing Kubernetes config file (several separated by C(:) are merged, as kubectl does).
      - When not set, and O(host) is not set either, the E(KUBECONFIG) environment variable, then
        C(~/.kube/config), then the service account of the pod the module runs in are used.
      - An empty value counts as not set.
      - Can also be specified via the E(K8S_AUTH_KUBECONFIG) environment variable.
    type: path
  context:
    description:
      - The name of a context found in the config file. When not set (or empty), the file's current context.
      - Can also be specified via the E(K8S_AUTH_CONTEXT) environment variable.
    type: str
  host:
    description:
      - The URL of the API server. Overrides the kubeconfig's server; with O(api_key), no kubeconfig is needed.
      - Can also be specified via the E(K8S_AUTH_HOST) environment variable.
    type: str
  api_key:
    description:
      - A bearer token to authenticate with the API.
      - Can also be specified via the E(K8S_AUTH_API_KEY) environment variable.
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate. When not set, the kubeconfig decides
        (verified unless it says C(insecure-skip-tls-verify)).
      - Can also be specified via the E(K8S_AUTH_VERIFY_SSL) environment variable.
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - Path of the CA certificate (the full chain) that signed the API server's certificate.
      - Can also be specified via the E(K8S_AUTH_SSL_CA_CERT) environment variable.
    type: path
    aliases: [ssl_ca_cert]
requirements:
  - kubernetes (the Python client) on the host the module runs on (usually the controller).
notes:
  - These are kubernetes.core's connection options, with the same names and environment variables.
    Set them once for a play or a block with C(module_defaults) for both groups,
    C(group/kubernetes.core.k8s) and C(group/koor.ceph.rook).
"""
