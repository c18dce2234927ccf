"""The lab Kubernetes API simulator (lab/koorlab/kube) through kubectl and the kubernetes Python client.

One API server per test session (own port, own state file, HTTPS with its own CA, bearer token).
kubernetes.core and persistence are in test_kube_api_ansible.py and test_kube_api_restart.py.
"""

import json
import os
import threading
import time
import urllib.error
import urllib.request
import ssl

import pytest
from kubernetes import client as k8s, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

from kube_api_support import EXAMPLES, ROOK_MANIFESTS, serve

EXEC_ANNOTATION = "lab.koor.io/exec"


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    yield from serve(tmp_path_factory, "kube-api")


@pytest.fixture(scope="module")
def rook(kube):
    """Rook's release manifests applied with plain `kubectl apply -f` (client-side apply)."""
    for name in ROOK_MANIFESTS:
        out = kube.kubectl("apply", "-f", os.path.join(EXAMPLES, name)).stdout
        assert " created" in out, out
    return kube


@pytest.fixture(scope="module")
def api_client(kube):
    return kube.client()


@pytest.fixture(scope="module")
def core(api_client):
    return k8s.CoreV1Api(api_client)


@pytest.fixture(scope="module")
def custom(api_client):
    return k8s.CustomObjectsApi(api_client)


@pytest.fixture
def namespace(core, request):
    name = "t-" + request.node.name.replace("_", "-")[5:40].strip("-").lower()
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


def _pool(name, namespace, size=3, **spec):
    body = {"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPool", "metadata": {"name": name, "namespace": namespace},
            "spec": dict({"failureDomain": "host", "replicated": {"size": size}}, **spec)}
    return body


def _status_of(exc):
    return json.loads(exc.body)


# --- discovery, manifests, schema validation --------------------------------------------------------

def test_discovery_and_rook_manifests_apply(rook, api_client):
    kube = rook
    version = kube.kubectl_json("version")
    assert version["serverVersion"]["gitVersion"].startswith("v1.32")
    resources = kube.kubectl("api-resources", "-o", "name").stdout.split()
    for name in ("pods", "deployments.apps", "cephblockpools.ceph.rook.io", "drivers.csi.ceph.io",
                 "customresourcedefinitions.apiextensions.k8s.io", "clusterroles.rbac.authorization.k8s.io"):
        assert name in resources
    established = kube.kubectl("wait", "--for=condition=Established", "crd/cephclusters.ceph.rook.io",
                               "--timeout=10s").stdout
    assert "condition met" in established
    dyn = dynamic.DynamicClient(api_client)
    pools = dyn.resources.get(api_version="ceph.rook.io/v1", kind="CephBlockPool")
    assert pools.namespaced and pools.name == "cephblockpools"
    # every manifest again: client-side apply finds nothing to change
    for name in ROOK_MANIFESTS:
        out = kube.kubectl("apply", "-f", os.path.join(EXAMPLES, name)).stdout
        assert set(line.rsplit(" ", 1)[-1] for line in out.splitlines()) == {"unchanged"}, out
    # and server-side, taking over from the client-side apply
    for name in ROOK_MANIFESTS:
        out = kube.kubectl("apply", "--server-side", "-f", os.path.join(EXAMPLES, name)).stdout
        assert set(line.rsplit(" ", 1)[-1] for line in out.splitlines()) == {"serverside-applied"}, out
    operator = kube.kubectl_json("-n", "rook-ceph", "get", "deploy/rook-ceph-operator", "--show-managed-fields")
    managers = {m["manager"] for m in operator["metadata"]["managedFields"]}
    assert "kubectl" in managers
    kube.kubectl("-n", "rook-ceph", "rollout", "status", "deploy/rook-ceph-operator", "--timeout=20s")


def _get(kube, path, accept):
    context = ssl.create_default_context(cafile=kube.ca)
    request = urllib.request.Request(kube.url + path, headers={"Authorization": "Bearer " + kube.token,
                                                               "Accept": accept})
    with urllib.request.urlopen(request, context=context) as resp:  # pylint: disable=consider-using-with
        return resp.headers["Content-Type"], json.loads(resp.read())


AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def test_aggregated_discovery_when_asked_for(rook):
    """/api and /apis answer apidiscovery.k8s.io/v2 (JSON) when the Accept header asks for it first, as kubectl
    1.32 and helm 3.17 do, and legacy discovery otherwise (v2beta1 is not served: the next acceptable type)."""
    kube = rook
    ctype, body = _get(kube, "/apis", AGGREGATED_V2 + "," + AGGREGATED_V2BETA1 + ",application/json")
    assert ctype == AGGREGATED_V2 and body["kind"] == "APIGroupDiscoveryList"
    groups = {item["metadata"]["name"]: item["versions"] for item in body["items"]}
    assert "" not in groups and {"apps", "ceph.rook.io", "apiextensions.k8s.io"} <= set(groups)
    apps = {r["resource"]: r for r in groups["apps"][0]["resources"]}
    assert groups["apps"][0]["version"] == "v1" and groups["apps"][0]["freshness"] == "Current"
    deployments = apps["deployments"]
    assert deployments["scope"] == "Namespaced" and deployments["singularResource"] == "deployment"
    assert deployments["responseKind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {s["subresource"]: s["responseKind"]["kind"] for s in deployments["subresources"]} == {
        "scale": "Scale", "status": "Deployment"}
    pools = {r["resource"]: r for r in groups["ceph.rook.io"][0]["resources"]}["cephblockpools"]
    assert pools["responseKind"]["kind"] == "CephBlockPool" and pools["scope"] == "Namespaced"
    ctype, body = _get(kube, "/api", AGGREGATED_V2 + ",application/json")
    assert ctype == AGGREGATED_V2 and [item["metadata"] for item in body["items"]] == [{"creationTimestamp": None}]
    core = {r["resource"]: r for r in body["items"][0]["versions"][0]["resources"]}
    assert core["namespaces"]["scope"] == "Cluster" and "exec" in [s["subresource"] for s in core["pods"]["subresources"]]
    # legacy discovery for a client that does not ask for v2 first
    for accept in (AGGREGATED_V2BETA1 + ",application/json", "application/json, */*"):
        ctype, body = _get(kube, "/apis", accept)
        assert ctype == "application/json" and body["kind"] == "APIGroupList", accept
    ctype, body = _get(kube, "/api", "application/json")
    assert body["kind"] == "APIVersions"


def test_cephblockpool_valid_and_invalid(rook, custom):
    created = custom.create_namespaced_custom_object("ceph.rook.io", "v1", "rook-ceph", "cephblockpools",
                                                     _pool("valid", "rook-ceph"))
    assert created["metadata"]["generation"] == 1 and created["metadata"]["uid"]
    assert created["spec"]["replicated"]["size"] == 3
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object("ceph.rook.io", "v1", "rook-ceph", "cephblockpools",
                                               _pool("invalid", "rook-ceph", size="three"))
    assert err.value.status == 422
    status = _status_of(err.value)
    assert status["reason"] == "Invalid"
    assert status["details"]["kind"] == "CephBlockPool"
    # the CRD has CEL rules: a type error means they were not run, which a second cause says
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.replicated.size", "<nil>"]
    assert status["details"]["causes"][1]["message"].endswith("some validation rules were not checked because the "
                                                              "object was invalid; correct the existing errors to "
                                                              "complete validation")
    assert status["details"]["causes"][0]["reason"] == "FieldValueTypeInvalid"
    assert 'spec.replicated.size in body must be of type integer: "three"' in status["message"]
    # an enum violation through kubectl: the message names the field
    bad = dict(_pool("badenum", "rook-ceph"), spec={"replicated": {"size": 3}, "compressionMode": "sometimes"})
    proc = rook.kubectl("apply", "-f", "-", input=json.dumps(bad), check=False)
    assert proc.returncode == 1
    assert "spec.compressionMode: Unsupported value: \"sometimes\"" in proc.stderr
    # unknown fields: kubectl asks for strict validation, and gets a 400 naming the field
    unknown = dict(_pool("unknown", "rook-ceph"), spec={"replicated": {"size": 3}, "sizee": 1})
    proc = rook.kubectl("apply", "-f", "-", input=json.dumps(unknown), check=False)
    assert proc.returncode == 1 and 'unknown field "spec.sizee"' in proc.stderr
    # a minimum violation; nothing invalid was stored
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object("ceph.rook.io", "v1", "rook-ceph", "cephblockpools",
                                               _pool("negative", "rook-ceph", size=-1))
    assert _status_of(err.value)["details"]["causes"][0]["message"] == (
        "Invalid value: -1: spec.replicated.size in body should be greater than or equal to 0")
    names = [p["metadata"]["name"] for p in custom.list_namespaced_custom_object(
        "ceph.rook.io", "v1", "rook-ceph", "cephblockpools")["items"]]
    assert names == ["valid"]


def test_cel_rule_refused_on_create(rook, custom, namespace):
    """CephBlockPool spec.erasureCoded: has(self.crushNumFailureDomains) == has(self.crushOSDsPerFailureDomain)."""
    group = ("ceph.rook.io", "v1", namespace, "cephblockpools")
    ec = {"dataChunks": 2, "codingChunks": 1, "crushNumFailureDomains": 3}
    body = dict(_pool("ec", namespace), spec={"failureDomain": "host", "erasureCoded": ec})
    del body["spec"]["failureDomain"]
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object(*group, body)
    assert err.value.status == 422
    status = _status_of(err.value)
    assert status["reason"] == "Invalid" and status["code"] == 422
    assert status["message"] == (
        'CephBlockPool.ceph.rook.io "ec" is invalid: spec.erasureCoded: Invalid value: "object": '
        'crushNumFailureDomains and crushOSDsPerFailureDomain must be specified together')
    assert status["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec.erasureCoded",
        "message": 'Invalid value: "object": crushNumFailureDomains and crushOSDsPerFailureDomain must be specified '
                   'together'}]
    # kubectl prints it as a real server's
    proc = rook.kubectl("apply", "-f", "-", input=json.dumps(body), check=False)
    assert proc.returncode == 1
    assert ('The CephBlockPool "ec" is invalid: spec.erasureCoded: Invalid value: "object": crushNumFailureDomains '
            'and crushOSDsPerFailureDomain must be specified together') in proc.stderr
    ec["crushOSDsPerFailureDomain"] = 1
    created = custom.create_namespaced_custom_object(*group, body)
    assert created["spec"]["erasureCoded"]["crushNumFailureDomains"] == 3
    # on update too: a merge patch removing one of the two
    with pytest.raises(ApiException) as err:
        custom.patch_namespaced_custom_object(*group, "ec", {"spec": {"erasureCoded": {
            "crushOSDsPerFailureDomain": None}}})
    assert err.value.status == 422
    assert _status_of(err.value)["details"]["causes"][0]["field"] == "spec.erasureCoded"


def test_cel_transition_rule_only_on_update(rook, custom, api_client, kube, namespace):
    """CephBlockPoolRadosNamespace spec.blockPoolName: self == oldSelf (blockPoolName is immutable)."""
    group = ("ceph.rook.io", "v1", namespace, "cephblockpoolradosnamespaces")
    body = {"apiVersion": "ceph.rook.io/v1", "kind": "CephBlockPoolRadosNamespace",
            "metadata": {"name": "rns", "namespace": namespace}, "spec": {"blockPoolName": "first"}}
    created = custom.create_namespaced_custom_object(*group, body)  # any value on create
    # the same value again, and a change elsewhere, are fine
    same = custom.patch_namespaced_custom_object(*group, "rns", {"metadata": {"labels": {"a": "b"}}})
    assert same["spec"]["blockPoolName"] == "first"
    # no old value at spec.name: the rule on spec.name is not evaluated, the first value is taken
    named = custom.patch_namespaced_custom_object(*group, "rns", {"spec": {"name": "ns1"}})
    assert named["spec"]["name"] == "ns1"
    expected_cause = {"reason": "FieldValueInvalid", "field": "spec.blockPoolName",
                      "message": 'Invalid value: "string": blockPoolName is immutable'}
    expected = ('CephBlockPoolRadosNamespace.ceph.rook.io "rns" is invalid: spec.blockPoolName: Invalid value: '
                '"string": blockPoolName is immutable')
    # PUT
    replaced = dict(created, metadata=named["metadata"], spec={"blockPoolName": "second", "name": "ns1"})
    with pytest.raises(ApiException) as err:
        custom.replace_namespaced_custom_object(*group, "rns", replaced)
    status = _status_of(err.value)
    assert err.value.status == 422 and status["reason"] == "Invalid"
    assert status["message"] == expected and status["details"]["causes"] == [expected_cause]
    # merge patch, JSON patch, server-side apply
    dyn = dynamic.DynamicClient(api_client)
    resource = dyn.resources.get(api_version="ceph.rook.io/v1", kind="CephBlockPoolRadosNamespace")
    for content_type, patch in (("application/merge-patch+json", {"spec": {"blockPoolName": "second"}}),
                                ("application/json-patch+json", [{"op": "replace", "path": "/spec/blockPoolName",
                                                                  "value": "second"}])):
        with pytest.raises(ApiException) as err:
            resource.patch(name="rns", namespace=namespace, content_type=content_type, body=patch)
        assert err.value.status == 422 and json.loads(err.value.body)["message"] == expected
    with pytest.raises(ApiException) as err:
        resource.server_side_apply(body=dict(body, spec={"blockPoolName": "second"}), name="rns",
                                   namespace=namespace, field_manager="tester", force_conflicts=True)
    assert err.value.status == 422 and json.loads(err.value.body)["details"]["causes"] == [expected_cause]
    # two rules broken at once: one message listing both, as a real server's
    with pytest.raises(ApiException) as err:
        custom.patch_namespaced_custom_object(*group, "rns", {"spec": {"blockPoolName": "second", "name": "ns2"}})
    status = _status_of(err.value)
    assert status["message"] == (
        'CephBlockPoolRadosNamespace.ceph.rook.io "rns" is invalid: [spec.blockPoolName: Invalid value: "string": '
        'blockPoolName is immutable, spec.name: Invalid value: "string": name is immutable]')
    assert custom.get_namespaced_custom_object(*group, "rns")["spec"] == {"blockPoolName": "first", "name": "ns1"}
    proc = kube.kubectl("-n", namespace, "patch", "cephblockpoolradosnamespace", "rns", "--type=merge",
                        "-p", '{"spec": {"blockPoolName": "second"}}', check=False)
    assert proc.returncode == 1
    assert ('The CephBlockPoolRadosNamespace "rns" is invalid: spec.blockPoolName: Invalid value: "string": '
            'blockPoolName is immutable') in proc.stderr


# --- CRUD, conflicts, selectors ---------------------------------------------------------------------

def test_crud_and_errors(core, namespace):
    body = {"metadata": {"name": "cm", "labels": {"app": "a"}}, "data": {"k": "v"}}
    created = core.create_namespaced_config_map(namespace, body)
    rv = int(created.metadata.resource_version)
    assert created.metadata.uid and created.metadata.creation_timestamp
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(namespace, body)
    assert err.value.status == 409 and _status_of(err.value)["reason"] == "AlreadyExists"
    read = core.read_namespaced_config_map("cm", namespace)
    assert read.data == {"k": "v"}
    read.data["k"] = "w"
    replaced = core.replace_namespaced_config_map("cm", namespace, read)
    assert int(replaced.metadata.resource_version) > rv and replaced.data["k"] == "w"
    # an update without changes keeps the resourceVersion
    again = core.replace_namespaced_config_map("cm", namespace, replaced)
    assert again.metadata.resource_version == replaced.metadata.resource_version
    core.delete_namespaced_config_map("cm", namespace)
    with pytest.raises(ApiException) as err:
        core.read_namespaced_config_map("cm", namespace)
    assert err.value.status == 404 and _status_of(err.value)["reason"] == "NotFound"
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("no-such-namespace", body)
    assert err.value.status == 404
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "Bad_Name"}})
    assert err.value.status == 422
    assert _status_of(err.value)["details"]["causes"][0]["field"] == "metadata.name"
    secret = core.create_namespaced_secret(namespace, {"metadata": {"name": "s"}, "stringData": {"key": "value"}})
    assert secret.data == {"key": "dmFsdWU="} and secret.type == "Opaque"
    # stringData in a patch is a new version of the object (the stored one is not changed in place)
    patched = core.patch_namespaced_secret("s", namespace, {"stringData": {"key": "other"}})
    assert patched.data == {"key": "b3RoZXI="}
    assert int(patched.metadata.resource_version) > int(secret.metadata.resource_version)


def test_stale_update_conflicts(core, custom, rook, namespace):
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "c"}, "data": {"n": "0"}})
    first = core.read_namespaced_config_map("c", namespace)
    second = core.read_namespaced_config_map("c", namespace)
    first.data["n"] = "1"
    core.replace_namespaced_config_map("c", namespace, first)
    second.data["n"] = "2"
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_config_map("c", namespace, second)
    assert err.value.status == 409
    status = _status_of(err.value)
    assert status["reason"] == "Conflict" and "the object has been modified" in status["message"]
    # a merge patch carrying a stale resourceVersion is a conflict too
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_config_map("c", namespace, {"metadata": {"resourceVersion": "1"}, "data": {"n": "3"}})
    assert err.value.status == 409
    # custom resources need a resourceVersion on update
    pool = custom.create_namespaced_custom_object("ceph.rook.io", "v1", namespace, "cephblockpools",
                                                  _pool("p", namespace))
    del pool["metadata"]["resourceVersion"]
    with pytest.raises(ApiException) as err:
        custom.replace_namespaced_custom_object("ceph.rook.io", "v1", namespace, "cephblockpools", "p", pool)
    assert err.value.status == 422


def test_label_and_field_selectors(core, namespace, kube):
    for name, labels in (("a", {"app": "x", "tier": "web"}), ("b", {"app": "x", "tier": "db"}),
                         ("c", {"app": "y"})):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": name, "labels": labels}})

    def names(**kw):
        return sorted(i.metadata.name for i in core.list_namespaced_config_map(namespace, **kw).items)

    assert names(label_selector="app=x") == ["a", "b"]
    assert names(label_selector="app=x,tier!=web") == ["b"]
    assert names(label_selector="tier in (web,db)") == ["a", "b"]
    assert names(label_selector="app,!tier") == ["c"]
    assert names(label_selector="tier notin (web)") == ["b", "c"]
    assert names(field_selector="metadata.name=c") == ["c"]
    assert names(field_selector="metadata.name!=c", label_selector="app=x") == ["a", "b"]
    page = core.list_namespaced_config_map(namespace, limit=2)
    assert len(page.items) == 2 and page.metadata._continue
    rest = core.list_namespaced_config_map(namespace, limit=2, _continue=page.metadata._continue)
    assert [i.metadata.name for i in rest.items] == ["c"]
    out = kube.kubectl("-n", namespace, "get", "configmaps", "-l", "app=x", "-o", "name").stdout.split()
    assert out == ["configmap/a", "configmap/b"]
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(namespace, label_selector="app in (x")
    assert err.value.status == 400


# --- watch, status, finalizers ---------------------------------------------------------------------

def test_watch_from_resource_version(core, namespace):
    listed = core.list_namespaced_config_map(namespace, label_selector="w=1")
    seen = []
    ready = threading.Event()

    def watcher():
        stream_ = watch.Watch()
        ready.set()
        for event in stream_.stream(core.list_namespaced_config_map, namespace, label_selector="w=1",
                                    resource_version=listed.metadata.resource_version, timeout_seconds=10,
                                    allow_watch_bookmarks=True):
            seen.append((event["type"], event["object"].metadata.name,
                         (event["object"].data or {}).get("v")))
            if event["type"] == "DELETED":
                stream_.stop()

    thread = threading.Thread(target=watcher)
    thread.start()
    ready.wait()
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "other"}})  # filtered out by the selector
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "w", "labels": {"w": "1"}}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("w", namespace, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("w", namespace)
    thread.join(15)
    assert seen == [("ADDED", "w", "1"), ("MODIFIED", "w", "2"), ("DELETED", "w", "2")]
    # a watch without resourceVersion starts with the current objects
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "x", "labels": {"w": "1"}}})
    events = list(watch.Watch().stream(core.list_namespaced_config_map, namespace, label_selector="w=1",
                                       timeout_seconds=1))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "x")]


def test_status_subresource_and_generation(custom, rook, namespace):
    group = ("ceph.rook.io", "v1", namespace, "cephblockpools")
    pool = custom.create_namespaced_custom_object(*group, dict(_pool("s", namespace), status={"phase": "Ignored"}))
    assert "status" not in pool  # status is not set on create
    pool["status"] = {"phase": "Ready"}
    updated = custom.replace_namespaced_custom_object_status(*group, "s", pool)
    assert updated["status"] == {"phase": "Ready"} and updated["metadata"]["generation"] == 1
    # a status write does not change the spec, a main resource write does not change the status
    updated["spec"]["replicated"]["size"] = 2
    updated["status"]["phase"] = "Failure"
    after = custom.patch_namespaced_custom_object_status(*group, "s", {"status": {"phase": "Progressing"},
                                                                       "spec": {"failureDomain": "osd"}})
    assert after["spec"]["failureDomain"] == "host" and after["status"]["phase"] == "Progressing"
    main = custom.replace_namespaced_custom_object(*group, "s", dict(updated, metadata=after["metadata"]))
    assert main["spec"]["replicated"]["size"] == 2 and main["status"]["phase"] == "Progressing"
    assert main["metadata"]["generation"] == 2
    # an invalid status is refused as an invalid spec is
    with pytest.raises(ApiException) as err:
        custom.patch_namespaced_custom_object_status(*group, "s", {"status": {"phase": 5}})
    assert err.value.status == 422


def test_finalizers_and_deletion_timestamp(custom, rook, namespace, kube):
    group = ("ceph.rook.io", "v1", namespace, "cephblockpools")
    body = _pool("f", namespace)
    body["metadata"]["finalizers"] = ["cephblockpool.ceph.rook.io"]
    custom.create_namespaced_custom_object(*group, body)
    deleted = custom.delete_namespaced_custom_object(*group, "f")
    assert deleted["metadata"]["deletionTimestamp"]
    still = custom.get_namespaced_custom_object(*group, "f")
    assert still["metadata"]["deletionTimestamp"] and still["metadata"]["finalizers"]
    with pytest.raises(ApiException) as err:  # no new finalizers once deleting
        custom.patch_namespaced_custom_object(*group, "f", {"metadata": {"finalizers": ["a", "b"]}})
    assert err.value.status == 422
    waiter = threading.Thread(target=kube.kubectl, args=("-n", namespace, "wait", "--for=delete",
                                                         "cephblockpool/f", "--timeout=20s"))
    waiter.start()
    time.sleep(0.5)
    custom.patch_namespaced_custom_object(*group, "f", {"metadata": {"finalizers": None}})
    waiter.join(25)
    with pytest.raises(ApiException) as err:
        custom.get_namespaced_custom_object(*group, "f")
    assert err.value.status == 404


def test_namespace_deletion_and_garbage_collection(core, kube):
    core.create_namespace({"metadata": {"name": "doomed"}})
    owner = core.create_namespaced_config_map("doomed", {"metadata": {"name": "owner"}})
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "dependent", "ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}]}})
    core.delete_namespaced_config_map("owner", "doomed")
    assert [i.metadata.name for i in core.list_namespaced_config_map("doomed").items] == []
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "content"}})
    core.delete_namespace("doomed")
    kube.kubectl("wait", "--for=delete", "namespace/doomed", "--timeout=10s")
    with pytest.raises(ApiException):
        core.read_namespaced_config_map("content", "doomed")


# --- patches and server-side apply ----------------------------------------------------------------

def _deployment(name, namespace, image="busybox:1", replicas=1, exec_spec=None):
    template_meta = {"labels": {"app": name}}
    if exec_spec is not None:
        template_meta["annotations"] = {EXEC_ANNOTATION: json.dumps(exec_spec)}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": template_meta, "spec": {"containers": [
                         {"name": "main", "image": image, "env": [{"name": "A", "value": "1"}]},
                         {"name": "side", "image": "busybox:1"}]}}}}


def test_every_patch_type(api_client, namespace):
    apps = k8s.AppsV1Api(api_client)
    apps.create_namespaced_deployment(namespace, _deployment("d", namespace))
    # strategic merge: containers merge by name, env by name; $patch: delete removes one
    patched = apps.patch_namespaced_deployment("d", namespace, {"spec": {"template": {"spec": {"containers": [
        {"name": "main", "env": [{"name": "B", "value": "2"}]}, {"name": "side", "$patch": "delete"}]}}}})
    containers = patched.spec.template.spec.containers
    assert [c.name for c in containers] == ["main"] and containers[0].image == "busybox:1"
    assert [(e.name, e.value) for e in containers[0].env] == [("A", "1"), ("B", "2")]
    assert patched.metadata.generation == 2
    # JSON merge patch: lists are replaced
    dyn = dynamic.DynamicClient(api_client)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    merged = deployments.patch(name="d", namespace=namespace, content_type="application/merge-patch+json", body={
        "metadata": {"labels": {"m": "1"}}, "spec": {"template": {"spec": {"containers": [
            {"name": "only", "image": "x"}]}}}}).to_dict()
    assert merged["metadata"]["labels"] == {"m": "1"}
    assert [c["name"] for c in merged["spec"]["template"]["spec"]["containers"]] == ["only"]
    # JSON patch, with a test that fails: 422 and nothing changed
    out = deployments.patch(name="d", namespace=namespace, content_type="application/json-patch+json", body=[
        {"op": "replace", "path": "/spec/replicas", "value": 2}, {"op": "add", "path": "/metadata/labels/j", "value": "1"}])
    assert out.spec.replicas == 2 and out.metadata.labels["j"] == "1"
    with pytest.raises(ApiException) as err:
        deployments.patch(name="d", namespace=namespace, content_type="application/json-patch+json", body=[
            {"op": "test", "path": "/spec/replicas", "value": 5}, {"op": "replace", "path": "/spec/replicas",
                                                                   "value": 7}])
    assert err.value.status == 422
    assert deployments.get(name="d", namespace=namespace).spec.replicas == 2
    # server-side apply (application/apply-patch+yaml)
    applied = deployments.server_side_apply(body={"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
        "name": "d", "namespace": namespace, "labels": {"owner": "ssa"}}}, name="d", namespace=namespace,
        field_manager="tester")
    assert applied.metadata.labels["owner"] == "ssa"
    entries = {(m["manager"], m["operation"]) for m in applied.metadata.managedFields}
    assert ("tester", "Apply") in entries
    # a strategic merge patch of a custom resource is refused (415), as a real server does
    k8s.CustomObjectsApi(api_client).create_namespaced_custom_object("ceph.rook.io", "v1", namespace,
                                                                     "cephblockpools", _pool("smp", namespace))
    pools = dyn.resources.get(api_version="ceph.rook.io/v1", kind="CephBlockPool")
    with pytest.raises(ApiException) as err:
        pools.patch(name="smp", namespace=namespace, content_type="application/strategic-merge-patch+json",
                    body={"spec": {"failureDomain": "osd"}})
    assert err.value.status == 415


def test_server_side_apply_conflicts(api_client, namespace, kube):
    dyn = dynamic.DynamicClient(api_client)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": namespace},
            "data": {"a": "1", "b": "1"}}
    created = cms.server_side_apply(body=body, name="ssa", namespace=namespace, field_manager="alice")
    assert created.to_dict()["data"] == {"a": "1", "b": "1"}
    # bob sets a to another value: conflict, unless forced
    bob = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": namespace},
           "data": {"a": "2"}}
    with pytest.raises(ApiException) as err:
        cms.server_side_apply(body=bob, name="ssa", namespace=namespace, field_manager="bob")
    assert err.value.status == 409
    status = _status_of(err.value)
    assert status["details"]["causes"][0]["field"] == ".data.a" and '"alice"' in status["message"]
    # the same value is shared ownership, not a conflict
    cms.server_side_apply(body=dict(bob, data={"b": "1"}), name="ssa", namespace=namespace, field_manager="bob")
    forced = cms.server_side_apply(body=bob, name="ssa", namespace=namespace, field_manager="bob",
                                   force_conflicts=True)
    assert forced.to_dict()["data"] == {"a": "2", "b": "1"}
    # alice drops a and b from her configuration: a is bob's now and stays; b was hers alone (bob's last
    # apply no longer holds it) and goes
    after = cms.server_side_apply(body=dict(body, data={}), name="ssa", namespace=namespace, field_manager="alice")
    assert after.to_dict()["data"] == {"a": "2"}
    # kubectl --server-side reports the conflict and --force-conflicts resolves it
    manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": namespace},
                           "data": {"a": "3"}})
    proc = kube.kubectl("apply", "--server-side", "-f", "-", input=manifest, check=False)
    assert proc.returncode != 0 and "conflict" in proc.stderr.lower()
    kube.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=manifest)
    assert kube.kubectl_json("-n", namespace, "get", "cm", "ssa")["data"]["a"] == "3"


def test_kubectl_client_side_apply_of_builtins(kube, namespace):
    deploy = _deployment("csa", namespace)
    kube.kubectl("apply", "-f", "-", input=json.dumps(deploy))
    # remove the side container and change the image: kubectl computes a strategic merge patch
    deploy["spec"]["template"]["spec"]["containers"] = [dict(deploy["spec"]["template"]["spec"]["containers"][0],
                                                             image="busybox:2")]
    out = kube.kubectl("apply", "-f", "-", input=json.dumps(deploy)).stdout
    assert "configured" in out
    live = kube.kubectl_json("-n", namespace, "get", "deploy", "csa")
    assert [(c["name"], c["image"]) for c in live["spec"]["template"]["spec"]["containers"]] == [("main", "busybox:2")]
    assert "kubectl.kubernetes.io/last-applied-configuration" in live["metadata"]["annotations"]
    assert kube.kubectl("apply", "-f", "-", input=json.dumps(deploy)).stdout.strip().endswith("unchanged")
    kube.kubectl("-n", namespace, "rollout", "status", "deploy/csa", "--timeout=20s")
    pods = kube.kubectl_json("-n", namespace, "get", "pods", "-l", "app=csa")["items"]
    assert len(pods) == 1 and pods[0]["status"]["phase"] == "Running"
    assert pods[0]["spec"]["containers"][0]["image"] == "busybox:2"
    yaml_out = kube.kubectl("-n", namespace, "get", "deploy", "csa", "-o", "yaml").stdout
    assert "readyReplicas: 1" in yaml_out
    kube.kubectl("-n", namespace, "scale", "deploy/csa", "--replicas=2")
    kube.kubectl("-n", namespace, "wait", "deploy/csa", "--for=jsonpath={.status.readyReplicas}=2", "--timeout=20s")


def test_deployments_run_through_replicasets(kube, namespace):
    """As kube-controller-manager: a ReplicaSet per pod template (named with its pod-template-hash, owned by the
    Deployment), pods owned by the ReplicaSet; a new template gets a new ReplicaSet and the old one is scaled to 0;
    the Deployment's deletion takes both with it."""
    kube.kubectl("apply", "-f", "-", input=json.dumps(_deployment("rs", namespace, replicas=2)))
    kube.kubectl("-n", namespace, "rollout", "status", "deploy/rs", "--timeout=20s")
    deploy = kube.kubectl_json("-n", namespace, "get", "deploy", "rs")
    sets = kube.kubectl_json("-n", namespace, "get", "rs", "-l", "app=rs")["items"]
    assert len(sets) == 1
    first = sets[0]
    template_hash = first["metadata"]["labels"]["pod-template-hash"]
    assert first["metadata"]["name"] == "rs-" + template_hash
    assert [(r["kind"], r["uid"], r["controller"]) for r in first["metadata"]["ownerReferences"]] == [
        ("Deployment", deploy["metadata"]["uid"], True)]
    assert first["spec"]["selector"]["matchLabels"] == {"app": "rs", "pod-template-hash": template_hash}
    assert first["spec"]["replicas"] == 2 and first["status"]["readyReplicas"] == 2
    pods = kube.kubectl_json("-n", namespace, "get", "pods", "-l", "app=rs")["items"]
    assert len(pods) == 2 and all(p["metadata"]["ownerReferences"][0]["uid"] == first["metadata"]["uid"] for p in pods)
    assert all(p["metadata"]["name"].startswith("rs-%s-" % template_hash) for p in pods)
    kube.kubectl("-n", namespace, "set", "image", "deploy/rs", "main=busybox:2")
    kube.kubectl("-n", namespace, "rollout", "status", "deploy/rs", "--timeout=20s")
    sets = {r["metadata"]["name"]: r for r in kube.kubectl_json("-n", namespace, "get", "rs", "-l", "app=rs")["items"]}
    assert len(sets) == 2 and sets[first["metadata"]["name"]]["spec"]["replicas"] == 0
    pods = kube.kubectl_json("-n", namespace, "get", "pods", "-l", "app=rs")["items"]
    assert len(pods) == 2 and {p["spec"]["containers"][0]["image"] for p in pods} == {"busybox:2"}
    rows = {line.split()[0]: line.split()[1:4] for line in kube.kubectl("-n", namespace, "get", "rs").stdout.splitlines()}
    assert rows["NAME"] == ["DESIRED", "CURRENT", "READY"] and rows[first["metadata"]["name"]] == ["0", "0", "0"]
    kube.kubectl("-n", namespace, "delete", "deploy", "rs")
    assert kube.kubectl_json("-n", namespace, "get", "rs,pods", "-l", "app=rs")["items"] == []


def test_kubectl_wait_for_jsonpath_on_custom_resource(kube, custom, rook, namespace):
    group = ("ceph.rook.io", "v1", namespace, "cephblockpools")
    custom.create_namespaced_custom_object(*group, _pool("w", namespace))

    def later():
        time.sleep(1)
        custom.patch_namespaced_custom_object_status(*group, "w", {"status": {"phase": "Ready"}})

    thread = threading.Thread(target=later)
    thread.start()
    out = kube.kubectl("-n", namespace, "wait", "cephblockpool/w", "--for=jsonpath={.status.phase}=Ready",
                       "--timeout=20s").stdout
    thread.join()
    assert "condition met" in out


# --- exec --------------------------------------------------------------------------------------------

@pytest.fixture
def tools(kube, namespace):
    """A deployment whose pods run commands on this host (exec prefix [])."""
    deploy = _deployment("tools", namespace, exec_spec={"prefix": [], "env": {"LAB_VAR": "from-annotation"},
                                                        "cwd": "/tmp"})
    kube.kubectl("apply", "-f", "-", input=json.dumps(deploy))
    kube.kubectl("-n", namespace, "rollout", "status", "deploy/tools", "--timeout=20s")
    return namespace


def test_exec_through_kubectl(kube, tools):
    proc = kube.kubectl("-n", tools, "exec", "-i", "deploy/tools", "--", "sh", "-c",
                        "cat; echo to-stderr >&2; echo $LAB_VAR; pwd; exit 3", input="from-stdin\n", check=False)
    assert proc.returncode == 3
    assert proc.stdout == "from-stdin\nfrom-annotation\n/tmp\n"
    assert "to-stderr" in proc.stderr
    assert kube.kubectl("-n", tools, "exec", "deploy/tools", "-c", "side", "--", "true").returncode == 0
    big = kube.kubectl("-n", tools, "exec", "-i", "deploy/tools", "--", "wc", "-c", input="x" * 300000).stdout
    assert big.strip() == "300000"
    # kubectl speaks WebSocket (v5) to the lab API: no SPDY fallback is needed (the lab has none)
    verbose = kube.kubectl("-v=7", "-n", tools, "exec", "deploy/tools", "--", "true").stderr
    assert "v5.channel.k8s.io" in verbose or "websocket" in verbose.lower()


def test_exec_through_python_client(core, tools):
    pod = core.list_namespaced_pod(tools, label_selector="app=tools").items[0].metadata.name
    out = stream(core.connect_get_namespaced_pod_exec, pod, tools, command=["sh", "-c", "echo out; echo err >&2"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    assert "out" in out
    resp = stream(core.connect_get_namespaced_pod_exec, pod, tools, command=["sh", "-c", "cat; exit 5"],
                  stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
    resp.write_stdin("piped\n")
    resp.close_channel(0)  # v5: stdin EOF
    stdout = ""
    while resp.is_open():
        resp.update(timeout=1)
        stdout += resp.read_stdout() or ""
    assert stdout == "piped\n"
    assert resp.returncode == 5


def test_exec_errors(kube, core, namespace):
    core.create_namespaced_pod(namespace, {"metadata": {"name": "plain"}, "spec": {"containers": [
        {"name": "c", "image": "x"}]}})
    kube.kubectl("-n", namespace, "wait", "pod/plain", "--for=condition=Ready", "--timeout=10s")
    proc = kube.kubectl("-n", namespace, "exec", "plain", "--", "true", check=False)
    assert proc.returncode != 0 and EXEC_ANNOTATION in proc.stderr
    core.patch_namespaced_pod("plain", namespace, {"metadata": {"annotations": {EXEC_ANNOTATION: '{"prefix": []}'}}})
    proc = kube.kubectl("-n", namespace, "exec", "plain", "--", "no-such-command-here", check=False)
    assert proc.returncode == 127


# --- protocol details ---------------------------------------------------------------------------------

def test_unauthorized_and_protobuf(kube):
    context = ssl.create_default_context(cafile=kube.ca)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(kube.url + "/api/v1/namespaces", context=context)  # pylint: disable=consider-using-with
    assert err.value.code == 401
    request = urllib.request.Request(kube.url + "/api/v1/namespaces/default/configmaps", method="POST", data=b"\x00",
                                     headers={"Authorization": "Bearer " + kube.token,
                                              "Content-Type": "application/vnd.kubernetes.protobuf"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, context=context)  # pylint: disable=consider-using-with
    assert err.value.code == 415
    assert json.loads(err.value.read())["message"] == (
        "the lab Kubernetes API (a simulator) speaks JSON and decodes protobuf request bodies of ConfigMap, "
        "DeleteOptions, Secret only: the body does not start with the Kubernetes protobuf magic k8s\\x00")


def _pb(number, payload):
    """One length-delimited protobuf field (payload short enough for one-byte lengths)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def _pb_envelope(api_version, kind, raw):
    return b"k8s\x00" + _pb(1, _pb(1, api_version.encode()) + _pb(2, kind.encode())) + _pb(2, raw)


def test_protobuf_body_with_a_field_the_decoder_does_not_know(kube, namespace):
    context = ssl.create_default_context(cafile=kube.ca)
    meta = _pb(1, b"pb-raw") + _pb(11, _pb(1, b"team") + _pb(2, b"a"))  # name, labels {team: a}
    url = kube.url + "/api/v1/namespaces/%s/secrets" % namespace
    headers = {"Authorization": "Bearer " + kube.token, "Content-Type": "application/vnd.kubernetes.protobuf",
               "Accept": "application/vnd.kubernetes.protobuf,application/json"}
    body = _pb_envelope("v1", "Secret", _pb(1, meta) + _pb(2, _pb(1, b"k") + _pb(2, b"\x00\xff")) + _pb(3, b"Opaque"))
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method="POST"),
                                context=context) as resp:  # pylint: disable=consider-using-with
        assert resp.status == 201 and resp.headers["Content-Type"] == "application/json"
        created = json.loads(resp.read())
    assert created["metadata"]["labels"] == {"team": "a"} and created["data"] == {"k": "AP8="}
    assert created["type"] == "Opaque"
    unknown = _pb_envelope("v1", "Secret", _pb(1, _pb(1, b"pb-other")) + _pb(9, b"x"))
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(urllib.request.Request(url, data=unknown, headers=headers, method="POST"),
                               context=context)  # pylint: disable=consider-using-with
    assert err.value.code == 415
    assert json.loads(err.value.read())["message"].endswith(
        "field 9 of Secret is not known to the lab API's protobuf decoder")


def test_protobuf_bodies_of_secrets_and_configmaps(kube, namespace):
    """client-go's typed clients (kubectl's generators, helm's release storage) send built-in objects as protobuf:
    the lab decodes Secret, ConfigMap and DeleteOptions, and refuses any other kind naming it."""
    kube.kubectl("-n", namespace, "create", "secret", "generic", "pb", "--type", "example.com/lab",
                 "--from-literal", "key=value")
    kube.kubectl("-n", namespace, "create", "configmap", "pb", "--from-literal", "a=1", "--from-literal", "b=two")
    secret = kube.kubectl_json("-n", namespace, "get", "secret", "pb")
    assert secret["type"] == "example.com/lab" and secret["data"] == {"key": "dmFsdWU="}
    # the empty fields Go's protobuf encodes (generateName, selfLink, ...) are left out, as its JSON does
    assert not {"generateName", "selfLink", "labels", "annotations"} & set(secret["metadata"]), secret["metadata"]
    assert kube.kubectl_json("-n", namespace, "get", "configmap", "pb")["data"] == {"a": "1", "b": "two"}
    kube.kubectl("-n", namespace, "label", "secret", "pb", "owner=lab")
    # a Namespace (kubectl create namespace sends protobuf too) is not decoded: a 415 that says so
    proc = kube.kubectl("create", "namespace", "pb-" + namespace, check=False)
    assert proc.returncode != 0
    assert ("decodes protobuf request bodies of ConfigMap, DeleteOptions, Secret only: v1 Namespace is not one of "
            "the kinds it decodes") in proc.stderr, proc.stderr


# --- immutable fields of built-in kinds ------------------------------------------------------------

def _refused(call, *args, **kwargs):
    """The Status of a write a real API server refuses with 422 Invalid."""
    with pytest.raises(ApiException) as err:
        call(*args, **kwargs)
    assert err.value.status == 422, err.value.body
    status = _status_of(err.value)
    assert status["reason"] == "Invalid" and status["code"] == 422
    return status


def test_storageclass_immutable_fields_every_write(api_client, kube):
    storage = k8s.StorageV1Api(api_client)
    body = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "imm-sc"},
            "provisioner": "rook-ceph.rbd.csi.ceph.com", "parameters": {"pool": "a", "clusterID": "rook-ceph"}}
    created = storage.create_storage_class(body)
    assert created.reclaim_policy == "Delete" and created.volume_binding_mode == "Immediate"  # defaulted
    expected = ('StorageClass.storage.k8s.io "imm-sc" is invalid: parameters: Forbidden: updates to parameters '
                'are forbidden.')
    cause = {"reason": "FieldValueForbidden", "field": "parameters",
             "message": "Forbidden: updates to parameters are forbidden."}
    # PUT
    current = storage.read_storage_class("imm-sc")
    current.parameters = {"pool": "b", "clusterID": "rook-ceph"}
    status = _refused(storage.replace_storage_class, "imm-sc", current)
    assert status["message"] == expected and status["details"]["causes"] == [cause]
    assert status["details"]["kind"] == "StorageClass" and status["details"]["group"] == "storage.k8s.io"
    # strategic merge, merge, JSON patch, server-side apply
    dyn = dynamic.DynamicClient(api_client)
    classes = dyn.resources.get(api_version="storage.k8s.io/v1", kind="StorageClass")
    for content_type, patch in (("application/strategic-merge-patch+json", {"parameters": {"pool": "b"}}),
                                ("application/merge-patch+json", {"parameters": {"pool": "b"}}),
                                ("application/json-patch+json", [{"op": "replace", "path": "/parameters/pool",
                                                                  "value": "b"}])):
        status = _refused(classes.patch, name="imm-sc", content_type=content_type, body=patch)
        assert status["message"] == expected
    status = _refused(classes.server_side_apply, body=dict(body, parameters={"pool": "b", "clusterID": "rook-ceph"}),
                      name="imm-sc", field_manager="tester", force_conflicts=True)
    assert status["details"]["causes"] == [cause]
    # the other three fields, all at once: one message listing each
    status = _refused(storage.patch_storage_class, "imm-sc", {
        "provisioner": "other.csi", "reclaimPolicy": "Retain", "volumeBindingMode": "WaitForFirstConsumer"})
    assert status["message"] == (
        'StorageClass.storage.k8s.io "imm-sc" is invalid: [provisioner: Forbidden: updates to provisioner are '
        'forbidden., reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden., volumeBindingMode: '
        'Invalid value: "WaitForFirstConsumer": field is immutable]')
    # what may change does (allowVolumeExpansion, labels); the same parameters again are no change
    storage.patch_storage_class("imm-sc", {"allowVolumeExpansion": True, "metadata": {"labels": {"a": "b"}}})
    classes.server_side_apply(body=dict(body, reclaimPolicy="Delete"), name="imm-sc", field_manager="tester",
                              force_conflicts=True)
    assert storage.read_storage_class("imm-sc").parameters == {"pool": "a", "clusterID": "rook-ceph"}
    # kubectl apply prints it as a real server's
    proc = kube.kubectl("apply", "-f", "-", input=json.dumps(dict(body, parameters={"pool": "c"})), check=False)
    assert proc.returncode == 1
    assert 'The StorageClass "imm-sc" is invalid: parameters: Forbidden: updates to parameters are forbidden.' \
        in proc.stderr
    storage.delete_storage_class("imm-sc")


def _selector_text(labels):
    return ("v1.LabelSelector{MatchLabels:map[string]string{%s}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
            % ", ".join('"%s":"%s"' % (k, v) for k, v in sorted(labels.items())))


def test_workload_selectors_are_immutable(api_client, namespace):
    apps = k8s.AppsV1Api(api_client)
    template = {"metadata": {"labels": {"app": "w", "tier": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    new_selector = {"selector": {"matchLabels": {"app": "w", "tier": "x"}}}
    for kind, create, patch in (
            ("Deployment", apps.create_namespaced_deployment, apps.patch_namespaced_deployment),
            ("DaemonSet", apps.create_namespaced_daemon_set, apps.patch_namespaced_daemon_set),
            ("ReplicaSet", apps.create_namespaced_replica_set, apps.patch_namespaced_replica_set)):
        name = kind.lower()
        spec = {"selector": {"matchLabels": {"app": "w"}}, "template": template}
        create(namespace, {"metadata": {"name": name}, "spec": spec})
        status = _refused(patch, name, namespace, {"spec": new_selector})
        assert status["message"] == '%s.apps "%s" is invalid: spec.selector: Invalid value: %s: field is immutable' % (
            kind, name, _selector_text({"app": "w", "tier": "x"}))
        assert status["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "spec.selector",
                                                "message": "Invalid value: %s: field is immutable"
                                                           % _selector_text({"app": "w", "tier": "x"})}]
        patch(name, namespace, {"spec": {"template": {"metadata": {"annotations": {"a": "b"}}}}})  # template may change
    # a StatefulSet: any spec field but replicas, ordinals, template, updateStrategy, ... is Forbidden
    apps.create_namespaced_stateful_set(namespace, {"metadata": {"name": "sts"}, "spec": {
        "serviceName": "sts", "selector": {"matchLabels": {"app": "w"}}, "template": template}})
    apps.patch_namespaced_stateful_set("sts", namespace, {"spec": {"replicas": 2, "minReadySeconds": 5}})
    for change in ({"selector": {"matchLabels": {"app": "w", "tier": "x"}}}, {"serviceName": "other"},
                   {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                       "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]},
                   {"revisionHistoryLimit": 3}):
        status = _refused(apps.patch_namespaced_stateful_set, "sts", namespace, {"spec": change})
        assert status["message"] == (
            'StatefulSet.apps "sts" is invalid: spec: Forbidden: updates to statefulset spec for fields other than '
            "'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden"), change


def test_job_template_and_selector_are_immutable(api_client, namespace):
    batch = k8s.BatchV1Api(api_client)
    template = {"metadata": {"labels": {"job": "j"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}
    batch.create_namespaced_job(namespace, {"metadata": {"name": "j"}, "spec": {
        "manualSelector": True, "selector": {"matchLabels": {"job": "j"}}, "template": template}})
    status = _refused(batch.patch_namespaced_job, "j", namespace, {"spec": {"template": {"spec": {
        "containers": [{"name": "c", "image": "other"}]}}}})
    assert status["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "spec.template",
                                            "message": "Invalid value: core.PodTemplateSpec{...}: field is immutable"}]
    assert status["message"].startswith('Job.batch "j" is invalid: spec.template: Invalid value: ')
    assert status["message"].endswith(": field is immutable")
    status = _refused(batch.patch_namespaced_job, "j", namespace, {"spec": {"selector": {"matchLabels": {"job": "k"}},
                                                                            "template": {"metadata": {"labels": {
                                                                                "job": "k"}}}}})
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.selector", "spec.template"]
    assert status["details"]["causes"][0]["message"] == "Invalid value: %s: field is immutable" % _selector_text(
        {"job": "k"})
    batch.patch_namespaced_job("j", namespace, {"metadata": {"labels": {"may": "change"}}})


def test_pvc_spec_immutable_but_requests_of_a_bound_claim(core, namespace):
    body = {"metadata": {"name": "claim"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                                                    "resources": {"requests": {"storage": "1Gi"}}}}
    created = core.create_namespaced_persistent_volume_claim(namespace, body)
    assert created.spec.volume_mode == "Filesystem" and created.status.phase == "Pending"
    expected = ('PersistentVolumeClaim "claim" is invalid: spec: Forbidden: spec is immutable after creation except '
                'resources.requests and volumeAttributesClassName for bound claims')
    for change in ({"storageClassName": "slow"}, {"accessModes": ["ReadWriteMany"]},
                   {"resources": {"requests": {"storage": "2Gi"}}}):  # growth too, while the claim is not Bound
        status = _refused(core.patch_namespaced_persistent_volume_claim, "claim", namespace, {"spec": change})
        assert status["message"] == expected, change
        assert status["details"]["causes"][0]["field"] == "spec"
    core.patch_namespaced_persistent_volume_claim("claim", namespace, {"spec": {"volumeName": "pv-1"}})  # once
    status = _refused(core.patch_namespaced_persistent_volume_claim, "claim", namespace, {"spec": {"volumeName": "pv-2"}})
    assert status["message"] == expected
    core.patch_namespaced_persistent_volume_claim_status("claim", namespace, {"status": {
        "phase": "Bound", "capacity": {"storage": "1Gi"}}})
    grown = core.patch_namespaced_persistent_volume_claim("claim", namespace, {"spec": {"resources": {"requests": {
        "storage": "2Gi"}}}})
    assert grown.spec.resources.requests["storage"] == "2Gi"
    status = _refused(core.patch_namespaced_persistent_volume_claim, "claim", namespace, {"spec": {"resources": {
        "requests": {"storage": "512Mi"}}}})
    assert status["details"]["causes"] == [{"reason": "FieldValueForbidden", "field": "spec.resources.requests.storage",
                                            "message": "Forbidden: field can not be less than status.capacity"}]


def test_service_cluster_ip_once_set(core, namespace):
    created = core.create_namespaced_service(namespace, {"metadata": {"name": "svc"}, "spec": {
        "selector": {"app": "a"}, "ports": [{"port": 80}]}})
    ip = created.spec.cluster_ip
    assert ip and created.spec.cluster_ips == [ip]
    # an update without clusterIP keeps it (as the registry fills in the allocated values)
    current = core.read_namespaced_service("svc", namespace)
    current.spec.cluster_ip = None
    current.spec.cluster_ips = None
    kept = core.replace_namespaced_service("svc", namespace, current)
    assert kept.spec.cluster_ip == ip and kept.spec.cluster_ips == [ip]
    other = "10.96.250.%d" % (1 if not ip.endswith(".1") else 2)
    status = _refused(core.patch_namespaced_service, "svc", namespace, {"spec": {"clusterIP": other}})
    assert status["message"] == 'Service "svc" is invalid: spec.clusterIPs[0]: Invalid value: []string{"%s"}: ' \
                                'may not change once set' % other
    assert status["details"]["causes"][0]["field"] == "spec.clusterIPs[0]"
    assert core.read_namespaced_service("svc", namespace).spec.cluster_ip == ip


def test_immutable_secret_and_configmap(core, namespace):
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "cm"}, "data": {"a": "1"}, "immutable": True})
    status = _refused(core.patch_namespaced_config_map, "cm", namespace, {"data": {"a": "2"}})
    assert status["message"] == 'ConfigMap "cm" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    status = _refused(core.patch_namespaced_config_map, "cm", namespace, {"immutable": False})
    assert status["details"]["causes"] == [{"reason": "FieldValueForbidden", "field": "immutable",
                                            "message": "Forbidden: field is immutable when `immutable` is set"}]
    core.patch_namespaced_config_map("cm", namespace, {"metadata": {"labels": {"a": "b"}}})  # metadata may change
    core.create_namespaced_secret(namespace, {"metadata": {"name": "s"}, "stringData": {"k": "v"}, "immutable": True})
    status = _refused(core.patch_namespaced_secret, "s", namespace, {"stringData": {"k": "w"}})
    assert status["message"] == 'Secret "s" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    # a Secret's type never changes; a mutable one's data does
    core.create_namespaced_secret(namespace, {"metadata": {"name": "m"}, "data": {"k": "dg=="}})
    core.patch_namespaced_secret("m", namespace, {"data": {"k": "dw=="}})
    status = _refused(core.patch_namespaced_secret, "m", namespace, {"type": "kubernetes.io/tls"})
    assert status["message"] == 'Secret "m" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable'


# --- pods need their ServiceAccount ------------------------------------------------------------------

def _sa_message(pod_name, namespace, account):
    return ('pods "%s" is forbidden: error looking up service account %s/%s: serviceaccount "%s" not found'
            % (pod_name, namespace, account, account))


def _wait(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s" % what)


def _events(core, namespace, name):
    return [e for e in core.list_namespaced_event(namespace, field_selector="involvedObject.name=%s" % name).items
            if e.reason == "FailedCreate"]


def test_every_namespace_has_a_default_service_account(core, namespace):
    accounts = [a.metadata.name for a in core.list_namespaced_service_account(namespace).items]
    assert accounts == ["default"]
    core.delete_namespaced_service_account("default", namespace)
    _wait(lambda: list(core.list_namespaced_service_account(namespace).items), what="default made again")
    # a pod without serviceAccountName runs as default
    pod = core.create_namespaced_pod(namespace, {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "c", "image": "i"}]}})
    assert pod.spec.service_account_name == "default"


def test_pod_with_missing_service_account_is_forbidden(core, namespace):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_pod(namespace, {"metadata": {"generateName": "p-"}, "spec": {
            "serviceAccountName": "nobody", "containers": [{"name": "c", "image": "i"}]}})
    assert err.value.status == 403
    status = _status_of(err.value)
    assert status["reason"] == "Forbidden"
    assert status["message"] == _sa_message("p-", namespace, "nobody")


def test_deployment_waits_for_its_service_account(api_client, core, kube, namespace):
    apps = k8s.AppsV1Api(api_client)
    deploy = _deployment("needs-sa", namespace)
    deploy["spec"]["template"]["spec"]["serviceAccountName"] = "rook-ceph-system"
    apps.create_namespaced_deployment(namespace, deploy)

    def failed():
        status = apps.read_namespaced_deployment_status("needs-sa", namespace).status
        return status if any(c.type == "ReplicaFailure" for c in status.conditions or []) else None

    status = _wait(failed, what="ReplicaFailure")
    conditions = {c.type: c for c in status.conditions}
    assert conditions["Available"].status == "False" and not status.available_replicas
    failure = conditions["ReplicaFailure"]
    assert failure.status == "True" and failure.reason == "FailedCreate"
    assert failure.message.startswith('pods "needs-sa-') and failure.message.endswith(
        '-" is forbidden: error looking up service account %s/rook-ceph-system: serviceaccount "rook-ceph-system" '
        'not found' % namespace)
    # as kube-controller-manager has it: the ReplicaSet's controller fails to create the pod, records the Event
    # on the ReplicaSet and its ReplicaFailure condition, which the deployment controller copies
    replicaset = [rs for rs in apps.list_namespaced_replica_set(namespace).items
                  if rs.metadata.owner_references and rs.metadata.owner_references[0].name == "needs-sa"][0]
    assert [(c.type, c.reason, c.message) for c in replicaset.status.conditions] == [
        ("ReplicaFailure", "FailedCreate", failure.message)]
    assert failure.message.startswith('pods "%s-" is forbidden' % replicaset.metadata.name)
    events = _wait(lambda: _events(core, namespace, replicaset.metadata.name), what="the FailedCreate event")
    assert len(events) == 1 and events[0].type == "Warning" and events[0].involved_object.kind == "ReplicaSet"
    assert events[0].message == "Error creating: " + failure.message
    assert events[0].source.component == "replicaset-controller" and events[0].count >= 1
    assert core.list_namespaced_pod(namespace, label_selector="app=needs-sa").items == []
    table = kube.kubectl("-n", namespace, "get", "events").stdout
    assert "FailedCreate" in table and "replicaset/%s" % replicaset.metadata.name in table
    assert "error looking up service account" in table
    rollout = kube.kubectl("-n", namespace, "rollout", "status", "deploy/needs-sa", "--timeout=2s", check=False)
    assert rollout.returncode != 0
    # the ServiceAccount appears: pods follow, the failure condition goes
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "rook-ceph-system"}})
    kube.kubectl("-n", namespace, "rollout", "status", "deploy/needs-sa", "--timeout=20s")
    status = apps.read_namespaced_deployment_status("needs-sa", namespace).status
    assert status.available_replicas == 1
    assert "ReplicaFailure" not in {c.type for c in status.conditions}
    assert not apps.read_namespaced_replica_set_status(replicaset.metadata.name, namespace).status.conditions
    pods = core.list_namespaced_pod(namespace, label_selector="app=needs-sa").items
    assert [p.spec.service_account_name for p in pods] == ["rook-ceph-system"]


def test_statefulset_daemonset_and_job_wait_for_their_service_account(api_client, core, kube, namespace):
    apps, batch = k8s.AppsV1Api(api_client), k8s.BatchV1Api(api_client)
    template = {"metadata": {"labels": {"app": "w"}}, "spec": {"serviceAccountName": "worker",
                                                               "containers": [{"name": "c", "image": "i"}]}}
    apps.create_namespaced_stateful_set(namespace, {"metadata": {"name": "web"}, "spec": {
        "replicas": 2, "serviceName": "web", "selector": {"matchLabels": {"app": "w"}}, "template": template}})
    apps.create_namespaced_daemon_set(namespace, {"metadata": {"name": "agent"}, "spec": {
        "selector": {"matchLabels": {"app": "w"}}, "template": template}})
    job_template = {"spec": dict(template["spec"], restartPolicy="Never")}
    batch.create_namespaced_job(namespace, {"metadata": {"name": "once"}, "spec": {"template": job_template}})
    for name, message in (
            ("web", "create Pod web-0 in StatefulSet web failed error: %s" % _sa_message("web-0", namespace, "worker")),
            ("agent", "Error creating: %s" % _sa_message("agent-", namespace, "worker")),
            ("once", "Error creating: %s" % _sa_message("once-", namespace, "worker"))):
        events = _wait(lambda n=name: _events(core, namespace, n), what="FailedCreate of %s" % name)
        assert [e.message for e in events] == [message]
    assert not apps.read_namespaced_stateful_set_status("web", namespace).status.ready_replicas
    assert not apps.read_namespaced_daemon_set_status("agent", namespace).status.number_ready
    assert not (batch.read_namespaced_job_status("once", namespace).status.conditions or [])
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "worker"}})
    kube.kubectl("-n", namespace, "rollout", "status", "statefulset/web", "--timeout=20s")
    kube.kubectl("-n", namespace, "rollout", "status", "daemonset/agent", "--timeout=20s")
    kube.kubectl("-n", namespace, "wait", "job/once", "--for=condition=Complete", "--timeout=20s")
    assert sorted(p.metadata.name for p in core.list_namespaced_pod(namespace, label_selector="app=w").items
                  if p.metadata.name.startswith("web-")) == ["web-0", "web-1"]
