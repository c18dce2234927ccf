# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How a module reaches a Ceph cluster. Shared by every module of the koor.ceph.ceph action group.
    DOCUMENTATION = r"""
options:
  transport:
    description:
      - How to reach a host where Ceph commands can run.
      - V(local) runs them on the target host itself.
      - V(prefix) puts O(prefix) in front of every command, for Ceph inside a container or a chroot
        (for example C(cephadm shell --), C(podman exec -i NAME), C(chroot /srv/ceph)).
      - V(kubectl_exec) runs them in the Rook toolbox with C(kubectl exec)
        (see O(kubeconfig), O(context), O(namespace), O(toolbox)).
      - Whatever the transport, one small agent process is started on the far side for the whole
        module run. Where the C(rados) Python binding is importable there (as in Ceph's own
        containers and the Rook toolbox) every command goes over one librados connection;
        elsewhere the agent runs the C(ceph) CLI per command. See O(agent_mode).
    type: str
    choices: [local, prefix, kubectl_exec]
    default: local
  prefix:
    description:
      - The command prefix for O(transport=prefix), as a list of words
        (a string is split like a shell would).
    type: list
    elements: str
  cluster:
    description: The Ceph cluster name (selects C(/etc/ceph/CLUSTER.conf) when O(conf) is not set).
    type: str
    default: ceph
  conf:
    description:
      - Path of C(ceph.conf) on the far side of the transport.
      - When not set, Ceph's own search applies (C(CEPH_CONF), C(/etc/ceph/CLUSTER.conf)).
    type: path
  keyring:
    description:
      - Path of the keyring holding O(client)'s key, on the far side of the transport.
      - When not set, the keyring named in C(ceph.conf) or Ceph's default places are used.
    type: path
  client:
    description: The cephx identity to connect as, for example C(client.admin).
    type: str
    default: client.admin
  timeout:
    description:
      - Seconds to wait for the cluster to answer one command (and to connect).
      - An unreachable cluster fails after this long instead of hanging.
    type: int
    default: 30
  python:
    description: The Python interpreter that runs the agent on the far side of the transport.
    type: str
    default: python3
  agent_mode:
    description:
      - V(auto) uses librados where it is importable and the C(ceph) CLI otherwise.
      - V(cli) always runs the C(ceph) CLI, one process per command (slower; for diagnosis).
    type: str
    choices: [auto, cli]
    default: auto
  kubectl:
    description: The kubectl binary for O(transport=kubectl_exec).
    type: str
    default: kubectl
  kubeconfig:
    description:
      - The kubeconfig for O(transport=kubectl_exec).
      - Defaults to the E(K8S_AUTH_KUBECONFIG) environment variable, then kubectl's own default.
    type: path
  context:
    description: The kubeconfig context for O(transport=kubectl_exec).
    type: str
  namespace:
    description: The namespace of the Rook toolbox for O(transport=kubectl_exec).
    type: str
    default: rook-ceph
  toolbox:
    description: What C(kubectl exec) targets for O(transport=kubectl_exec), a pod or C(deploy/NAME).
    type: str
    default: deploy/rook-ceph-tools
  container:
    description: The container in the toolbox pod, when it has several.
    type: str
notes:
  - Every module of this group records the commands that change the cluster in RV(commands);
    in check mode it records them without running them.
  - Set the connection options once for a play with
    C(module_defaults) and the action group C(group/koor.ceph.ceph).
"""
