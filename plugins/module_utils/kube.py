# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Kubernetes client for the collection's modules that read the Kubernetes API.

The connection options are kubernetes.core's (``kubeconfig``, ``context``, ``host``,
``api_key``, ``validate_certs``, ``ca_cert``, with the same K8S_AUTH_* environment
fallbacks), documented in the ``koor.ceph.kube`` doc fragment. Objects come back as plain
dicts, as the API serves them (no model classes), from a list or from a watch that starts at
the list's resourceVersion.

Applying manifests is kubernetes.core's job; this only reads (and runs a read command in a pod,
:meth:`Kube.exec_read`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import threading
import time
import traceback

from ansible.module_utils.basic import env_fallback

try:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.watch.watch import iter_resp_lines
    from kubernetes.client.rest import ApiException
    from kubernetes.config.config_exception import ConfigException
    import urllib3
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None

# kubernetes.core's names and environment variables (see the koor.ceph.kube doc fragment).
KUBE_ARGSPEC = dict(
    kubeconfig=dict(type="path", fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG"])),
    context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
    host=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_HOST"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_API_KEY"])),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=(env_fallback, ["K8S_AUTH_VERIFY_SSL"])),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=(env_fallback, ["K8S_AUTH_SSL_CA_CERT"])),
)

# How long one request may take (connect, read), in seconds.
REQUEST_TIMEOUT = (10, 60)


class KubeError(Exception):
    """Something about the connection to Kubernetes or one of its answers went wrong."""

    def __init__(self, msg, status=None):
        super(KubeError, self).__init__(msg)
        self.msg = msg
        self.status = status

    def fail_kwargs(self):
        result = {"msg": self.msg}
        if self.status is not None:
            result["status"] = self.status
        return result


class KubeConfigError(KubeError):
    """The connection options or the kubeconfig cannot be used; nothing was asked of the API."""


class KubeApiError(KubeError):
    """The API answered with an error status, or could not be reached (``status`` None)."""


class KubeGone(KubeApiError):
    """A watch's resourceVersion is too old (410 Gone): list again and watch from there."""


def default_kubeconfig_paths(environ=None):
    """The files the kubernetes client reads when no kubeconfig is given: $KUBECONFIG
    (a list separated by the path separator) or ~/.kube/config."""
    environ = os.environ if environ is None else environ
    paths = [p for p in (environ.get("KUBECONFIG") or "").split(os.pathsep) if p]
    return paths or [os.path.expanduser("~/.kube/config")]


def _load_kubeconfig(paths, context, configuration):
    try:
        k8s_config.load_kube_config(config_file=os.pathsep.join(paths), context=context or None,
                                    client_configuration=configuration, persist_config=False)
    except (ConfigException, ValueError, TypeError, KeyError, OSError) as exc:
        raise KubeConfigError("kubeconfig %s cannot be loaded%s: %s"
                              % (os.pathsep.join(paths), " with context %s" % context if context else "", exc))
    except Exception as exc:  # pylint: disable=broad-except
        # a YAML syntax error and the like: the client raises whatever its parser raised
        raise KubeConfigError("kubeconfig %s cannot be loaded: %s: %s"
                              % (os.pathsep.join(paths), type(exc).__name__, exc))


def configuration(params, environ=None):
    """A kubernetes client Configuration for the connection options, as kubernetes.core reads
    them: the kubeconfig (option, else $KUBECONFIG or ~/.kube/config, else the pod's service
    account), then host, api_key, validate_certs and ca_cert on top. Raises KubeConfigError
    with a message a person can act on."""
    if not HAS_KUBERNETES:
        raise KubeConfigError("the kubernetes Python library is not installed")
    environ = os.environ if environ is None else environ
    kubeconfig = params.get("kubeconfig") or None
    context = params.get("context") or None
    host = params.get("host") or None
    api_key = params.get("api_key") or None
    config = k8s_client.Configuration()
    if kubeconfig:
        missing = [p for p in kubeconfig.split(os.pathsep) if p and not os.path.exists(p)]
        if missing:
            raise KubeConfigError("kubeconfig %s does not exist" % ", ".join(missing))
        _load_kubeconfig(kubeconfig.split(os.pathsep), context, config)
    elif host and not context:
        config.host = host
    else:
        paths = default_kubeconfig_paths(environ)
        existing = [p for p in paths if os.path.exists(p)]
        if existing:
            _load_kubeconfig(existing, context, config)
        elif environ.get("KUBERNETES_SERVICE_HOST") and not context:
            try:
                k8s_config.load_incluster_config(client_configuration=config)
            except ConfigException as exc:
                raise KubeConfigError("no kubeconfig (%s does not exist) and the in-cluster configuration "
                                      "cannot be loaded: %s" % (os.pathsep.join(paths), exc))
        else:
            raise KubeConfigError("kubeconfig %s does not exist: set the kubeconfig option (or K8S_AUTH_KUBECONFIG "
                                  "or KUBECONFIG), or host and api_key" % os.pathsep.join(paths))
    if host:
        config.host = host
    if api_key:
        config.api_key = {"BearerToken": api_key if api_key.startswith("Bearer ") else "Bearer " + api_key}
        config.api_key_prefix = {}
        config.refresh_api_key_hook = None  # the kubeconfig's hook would put its own token back
    if params.get("validate_certs") is not None:
        config.verify_ssl = params["validate_certs"]
    ca_cert = params.get("ca_cert")
    if ca_cert:
        if not os.path.exists(ca_cert):
            raise KubeConfigError("ca_cert %s does not exist" % ca_cert)
        config.ssl_ca_cert = ca_cert
    if not config.host:
        raise KubeConfigError("no API server: the kubeconfig names none and the host option is not set")
    return config


def _api_error(exc, what):
    """KubeApiError (or KubeGone) for an ApiException, with the API's own message."""
    message = exc.reason or ""
    try:
        body = json.loads(exc.body) if exc.body else {}
        message = body.get("message") or message
    except (ValueError, TypeError, AttributeError):
        pass
    cls = KubeGone if exc.status == 410 else KubeApiError
    hint = ""
    if exc.status == 401:
        hint = " (the credentials were refused: check the kubeconfig's user or api_key)"
    elif exc.status == 403:
        hint = " (the user may not do this)"
    return cls("%s: %s %s%s" % (what, exc.status, message, hint), status=exc.status)


def _exit_code(status, what):
    """The exit code in an exec stream's status channel (a metav1.Status: Success, or Failure
    with reason NonZeroExitCode and the code in details.causes)."""
    try:
        body = json.loads(status) if status else {}
    except ValueError:
        raise KubeApiError("%s: the exec status is not JSON: %r" % (what, status[:200]))
    if body.get("status") == "Success":
        return 0
    for cause in (body.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message"))
            except (TypeError, ValueError):
                break
    raise KubeApiError("%s: %s" % (what, body.get("message") or status or "the stream ended without a status"))


class Kube:
    """The API server one set of connection options reaches."""

    def __init__(self, params, environ=None):
        self.configuration = configuration(params, environ)
        self.api_client = k8s_client.ApiClient(self.configuration)
        self.host = self.configuration.host

    def collection(self, kind, namespace, label_selector=None, field_selector=None):
        """One kind of objects in one namespace (see KINDS), listed and watched."""
        return Collection(self, kind, namespace, label_selector, field_selector)

    def version(self):
        """The API server's version (``gitVersion``, ``major``, ``minor``, ...) from /version."""
        what = "the version of %s" % self.host
        try:
            resp = k8s_client.VersionApi(self.api_client).get_code(_preload_content=False,
                                                                   _request_timeout=REQUEST_TIMEOUT)
            return json.loads(resp.data)
        except ApiException as exc:
            raise _api_error(exc, what)
        except urllib3.exceptions.HTTPError as exc:
            raise KubeApiError("%s: the API cannot be reached: %s" % (what, exc))
        except ValueError as exc:
            raise KubeApiError("%s: the answer is not JSON: %s" % (what, exc))

    def exec_read(self, namespace, pod, argv, timeout=60):
        """Run ``argv`` in a pod (its first container) over the API's exec stream, as ``kubectl exec``
        does, for a command that only reads: (rc, stdout, stderr). Raises KubeApiError when the pod
        cannot be reached or the command does not end within ``timeout`` seconds."""
        from kubernetes.stream import stream  # only the modules that exec need the WebSocket client
        what = "exec %s in pod %s/%s on %s" % (" ".join(argv), namespace, pod, self.host)
        try:
            resp = stream(k8s_client.CoreV1Api(self.api_client).connect_get_namespaced_pod_exec, pod, namespace,
                          command=list(argv), stdout=True, stderr=True, stdin=False, tty=False,
                          _preload_content=False, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as exc:
            raise _api_error(exc, what)
        except Exception as exc:  # pylint: disable=broad-except
            # the WebSocket client raises its own errors (handshake refused, connection reset)
            raise KubeApiError("%s: %s: %s" % (what, type(exc).__name__, exc))
        out, err = [], []
        deadline = time.monotonic() + timeout
        try:
            while resp.is_open():
                if time.monotonic() > deadline:
                    raise KubeApiError("%s: no end after %ss" % (what, timeout))
                resp.update(timeout=1)
                if resp.peek_stdout():
                    out.append(resp.read_stdout())
                if resp.peek_stderr():
                    err.append(resp.read_stderr())
            status = resp.read_channel(3)
        finally:
            resp.close()
        return _exit_code(status, what), "".join(out), "".join(err)


# kind -> how to list it: (API class, list method, positional arguments before the namespace,
# after it). Custom resources are (group, version, namespace, plural). A cluster-scoped kind is
# listed with namespace None (its method takes none).
KINDS = {
    "CephCluster": ("CustomObjectsApi", "list_namespaced_custom_object", ("ceph.rook.io", "v1"), ("cephclusters",)),
    "Deployment": ("AppsV1Api", "list_namespaced_deployment", (), ()),
    "Pod": ("CoreV1Api", "list_namespaced_pod", (), ()),
    "Namespace": ("CoreV1Api", "list_namespace", (), ()),
    "StorageClass": ("StorageV1Api", "list_storage_class", (), ()),
    "VolumeSnapshotClass": ("CustomObjectsApi", "list_cluster_custom_object", ("snapshot.storage.k8s.io", "v1"),
                            ("volumesnapshotclasses",)),
    "CephObjectStore": ("CustomObjectsApi", "list_namespaced_custom_object", ("ceph.rook.io", "v1"),
                        ("cephobjectstores",)),
    "CephObjectStoreUser": ("CustomObjectsApi", "list_namespaced_custom_object", ("ceph.rook.io", "v1"),
                            ("cephobjectstoreusers",)),
    "ObjectBucketClaim": ("CustomObjectsApi", "list_cluster_custom_object", ("objectbucket.io", "v1alpha1"),
                          ("objectbucketclaims",)),
    "Node": ("CoreV1Api", "list_node", (), ()),
    "ConfigMap": ("CoreV1Api", "list_namespaced_config_map", (), ()),
    "PodDisruptionBudget": ("PolicyV1Api", "list_namespaced_pod_disruption_budget", (), ()),
}
# Rook's other custom resources (ceph.rook.io/v1), by kind: their plural.
ROOK_KINDS = {"CephBlockPool": "cephblockpools", "CephBlockPoolRadosNamespace": "cephblockpoolradosnamespaces",
              "CephFilesystem": "cephfilesystems", "CephFilesystemSubVolumeGroup": "cephfilesystemsubvolumegroups",
              "CephFilesystemMirror": "cephfilesystemmirrors", "CephClient": "cephclients", "CephNFS": "cephnfses",
              "CephRBDMirror": "cephrbdmirrors", "CephObjectZone": "cephobjectzones",
              "CephBucketNotification": "cephbucketnotifications"}
for _kind, _plural in ROOK_KINDS.items():
    KINDS[_kind] = ("CustomObjectsApi", "list_namespaced_custom_object", ("ceph.rook.io", "v1"), (_plural,))


class Collection:
    """The objects of one kind in one namespace (optionally selected), as dicts: ``list()``,
    then ``watch()`` from the list's resourceVersion."""

    def __init__(self, kube, kind, namespace, label_selector=None, field_selector=None):
        self.kube = kube
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        api_class, method, before, after = KINDS[kind]
        self._fn = getattr(getattr(k8s_client, api_class)(kube.api_client), method)
        self._args = tuple(before) + ((namespace,) if namespace is not None else ()) + tuple(after)

    def describe(self):
        selectors = [s for s in (self.field_selector, self.label_selector) if s]
        where = " in namespace %s" % self.namespace if self.namespace is not None else ""
        plural = self.kind + ("es" if self.kind.endswith("ss") else "s")
        return "%s%s%s" % (plural, where, " (%s)" % ", ".join(selectors) if selectors else "")

    def _selectors(self):
        kwargs = {}
        if self.label_selector:
            kwargs["label_selector"] = self.label_selector
        if self.field_selector:
            kwargs["field_selector"] = self.field_selector
        return kwargs

    def list(self):
        """(items, resourceVersion) as the API has them now."""
        what = "list %s on %s" % (self.describe(), self.kube.host)
        try:
            resp = self._fn(*self._args, _preload_content=False, _request_timeout=REQUEST_TIMEOUT, **self._selectors())
            data = json.loads(resp.data)
        except ApiException as exc:
            raise _api_error(exc, what)
        except urllib3.exceptions.HTTPError as exc:
            raise KubeApiError("%s: the API cannot be reached: %s" % (what, exc))
        except ValueError as exc:
            raise KubeApiError("%s: the answer is not JSON: %s" % (what, exc))
        return data.get("items") or [], (data.get("metadata") or {}).get("resourceVersion")

    def watch(self, resource_version, timeout_seconds, stopper=None):
        """Yield the watch events ({type, object}) after ``resource_version`` until the server ends
        the watch (``timeout_seconds``). BOOKMARK events are yielded too (they carry the newest
        resourceVersion). Raises KubeGone when the version is too old: list again.

        ``stopper`` (a :class:`Stopper`) lets another thread end the watch at once."""
        what = "watch %s on %s" % (self.describe(), self.kube.host)
        try:
            resp = self._fn(*self._args, watch=True, resource_version=resource_version,
                            timeout_seconds=int(timeout_seconds), allow_watch_bookmarks=True, _preload_content=False,
                            _request_timeout=(REQUEST_TIMEOUT[0], timeout_seconds + 30), **self._selectors())
        except ApiException as exc:
            raise _api_error(exc, what)
        except urllib3.exceptions.HTTPError as exc:
            raise KubeApiError("%s: the API cannot be reached: %s" % (what, exc))
        try:
            if stopper is not None and not stopper.attach(resp):
                return
            for line in iter_resp_lines(resp):
                if not line.strip():
                    continue
                event = json.loads(line)
                obj = event.get("object") or {}
                if event.get("type") == "ERROR":
                    code = obj.get("code")
                    cls = KubeGone if code == 410 else KubeApiError
                    raise cls("%s: %s %s" % (what, code, obj.get("message") or obj.get("reason")), status=code)
                yield {"type": event.get("type"), "object": obj}
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            if stopper is not None and stopper.stopped:
                return
            raise KubeApiError("%s: the watch broke off: %s" % (what, exc))
        finally:
            if stopper is not None:
                stopper.detach()
            resp.close()
            resp.release_conn()


class Stopper:
    """Ends a watch from another thread: ``stop()`` shuts its connection down, so the thread
    reading it returns at once (and no later watch starts)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._resp = None
        self.stopped = False

    def attach(self, resp):
        with self._lock:
            if self.stopped:
                return False
            self._resp = resp
            return True

    def detach(self):
        with self._lock:
            self._resp = None

    def stop(self):
        with self._lock:
            self.stopped = True
            resp, self._resp = self._resp, None
        if resp is None:
            return
        conn = getattr(resp, "connection", None) or getattr(resp, "_connection", None)
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
