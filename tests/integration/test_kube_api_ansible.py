"""The lab Kubernetes API simulator through kubernetes.core (k8s apply and server-side apply,
k8s_info with wait_condition, k8s_exec, wait: true), run by ansible-playbook."""

import json
import os
import subprocess
import sys

import pytest

from kube_api_support import EXAMPLES, ROOT, serve

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/kubernetes.core.k8s:
      kubeconfig: "{kubeconfig}"
  vars:
    deploy:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {{name: tools, namespace: ansible}}
      spec:
        replicas: 1
        selector: {{matchLabels: {{app: tools}}}}
        template:
          metadata:
            labels: {{app: tools}}
            annotations: {{lab.koor.io/exec: '{{"prefix": []}}'}}
          spec:
            containers: [{{name: tools, image: busybox}}]
    pool:
      apiVersion: ceph.rook.io/v1
      kind: CephBlockPool
      metadata: {{name: replicapool, namespace: ansible}}
      spec: {{failureDomain: host, replicated: {{size: 3}}}}
  tasks:
    - kubernetes.core.k8s: {{name: ansible, kind: Namespace, state: present}}
    - name: A deployment, client-side apply, waiting for it
      kubernetes.core.k8s: {{definition: "{{{{ deploy }}}}", apply: true, wait: true, wait_timeout: 30}}
      register: first
    - kubernetes.core.k8s: {{definition: "{{{{ deploy }}}}", apply: true}}
      register: second
    - name: A pool, server-side apply
      kubernetes.core.k8s:
        definition: "{{{{ pool }}}}"
        apply: true
        server_side_apply: {{field_manager: ansible-test, force_conflicts: false}}
      register: ssa
    - name: The pool changed, server-side apply
      kubernetes.core.k8s:
        definition: "{{{{ pool | combine({{'spec': {{'replicated': {{'size': 2}}}}}}, recursive=true) }}}}"
        apply: true
        server_side_apply: {{field_manager: ansible-test}}
      register: ssa_change
    - kubernetes.core.k8s:
        definition: "{{{{ pool | combine({{'spec': {{'replicated': {{'size': 2}}}}}}, recursive=true) }}}}"
        apply: true
        server_side_apply: {{field_manager: ansible-test}}
      register: ssa_again
    - name: A schema-invalid pool is refused
      kubernetes.core.k8s:
        definition:
          apiVersion: ceph.rook.io/v1
          kind: CephBlockPool
          metadata: {{name: broken, namespace: ansible}}
          spec: {{replicated: {{size: many}}}}
      register: invalid
      failed_when: invalid is not failed
    - name: The deployment is Available
      kubernetes.core.k8s_info:
        kind: Deployment
        namespace: ansible
        name: tools
        wait: true
        wait_timeout: 30
        wait_condition: {{type: Available, status: "True"}}
      register: available
    - name: The pool's Ready condition (set by the test, as the Rook simulator will)
      kubernetes.core.k8s_info:
        api_version: ceph.rook.io/v1
        kind: CephBlockPool
        namespace: ansible
        name: replicapool
        wait: true
        wait_timeout: 30
        wait_condition: {{type: Ready, status: "True"}}
      register: ready
    - kubernetes.core.k8s_info: {{kind: Pod, namespace: ansible, label_selectors: [app=tools]}}
      register: pods
    - name: exec into the pod
      kubernetes.core.k8s_exec:
        namespace: ansible
        pod: "{{{{ pods.resources[0].metadata.name }}}}"
        command: sh -c 'echo out; echo err >&2; exit 4'
      register: exec4
      failed_when: exec4.rc != 4
    - kubernetes.core.k8s: {{definition: "{{{{ deploy }}}}", state: absent, wait: true, wait_timeout: 30}}
      register: removed
    - ansible.builtin.copy:
        dest: "{results}"
        content: "{{{{ dict(first=first, second=second, ssa=ssa, ssa_change=ssa_change, ssa_again=ssa_again, invalid=invalid,
                   available=available, ready=ready, exec4=exec4, removed=removed) | to_json }}}}"
"""


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    for api in serve(tmp_path_factory, "kube-api-ansible"):
        api.kubectl("apply", "--server-side", "-f", os.path.join(EXAMPLES, "crds.yaml"))
        yield api


def test_kubernetes_core_modules(kube, tmp_path):
    import threading  # pylint: disable=import-outside-toplevel
    results = tmp_path / "results.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK.format(kubeconfig=kube.kubeconfig, examples=EXAMPLES, results=results))
    done = threading.Event()

    def set_pool_ready():
        """Stand in for the Rook simulator: mark the pool Ready once it exists."""
        from kubernetes import client  # pylint: disable=import-outside-toplevel
        from kubernetes.client.rest import ApiException  # pylint: disable=import-outside-toplevel
        custom = client.CustomObjectsApi(kube.client())
        while not done.wait(0.3):
            try:
                custom.patch_namespaced_custom_object_status(
                    "ceph.rook.io", "v1", "ansible", "cephblockpools", "replicapool",
                    {"status": {"phase": "Ready", "conditions": [{"type": "Ready", "status": "True"}]}})
                return
            except ApiException:
                continue

    helper = threading.Thread(target=set_pool_ready)
    helper.start()
    env = dict(os.environ, ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    done.set()
    helper.join()
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    out = json.loads(results.read_text())
    assert out["first"]["changed"] and not out["second"]["changed"]
    assert out["first"]["result"]["status"]["readyReplicas"] == 1
    assert out["ssa"]["changed"] and out["ssa_change"]["changed"] and not out["ssa_again"]["changed"]
    assert out["ssa_change"]["result"]["spec"]["replicated"]["size"] == 2
    for result in (out["ssa"], out["ssa_change"]):
        assert any(m["manager"] == "ansible-test" and m["operation"] == "Apply"
                   for m in result["result"]["metadata"]["managedFields"])
    assert "spec.replicated.size" in out["invalid"]["msg"] + json.dumps(out["invalid"].get("error", ""))
    assert out["available"]["resources"][0]["status"]["availableReplicas"] == 1
    assert out["ready"]["resources"][0]["status"]["phase"] == "Ready"
    assert out["exec4"]["rc"] == 4 and out["exec4"]["stdout"] == "out\n" and out["exec4"]["stderr"] == "err\n"
    assert out["removed"]["changed"]
    pods = kube.kubectl_json("-n", "ansible", "get", "pods")["items"]
    assert pods == []  # the deployment's pods went with it (owner references)
