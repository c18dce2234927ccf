"""HTTP front of the lab Kubernetes API simulator: routing, discovery, watch, exec."""

import hashlib
import json
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from . import execws, protobuf
from .api import ApiError, Cluster, Options, bad_request, not_found
from .resources import PREFERRED_GROUP_ORDER, version_priority

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-koorlab", "gitCommit": "koorlab",
           "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc",
           "platform": "linux/amd64"}
PATCH_TYPES = {"application/merge-patch+json": "merge", "application/json-patch+json": "json",
               "application/strategic-merge-patch+json": "strategic", "application/apply-patch+yaml": "apply",
               "application/apply-patch+cbor": None}
PROTOBUF = "application/vnd.kubernetes.protobuf"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
WATCH_DEFAULT_TIMEOUT = 1800
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BOOKMARK_INTERVAL = 10


def _first(query, name, default=None):
    values = query.get(name)
    return values[0] if values else default


def _bool(query, name):
    return _first(query, name, "").lower() in ("1", "true", "yes")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "koorlab-kube-apiserver/0.1"
    cluster = None  # set by make_server
    token = None

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            # what a client asks for (Accept) and sends (Content-Type) decides discovery and patch answers
            extra = "".join(" %s=%s" % (name, self.headers.get(name)) for name in ("Accept", "Content-Type")
                            if getattr(self, "headers", None) is not None and self.headers.get(name))
            sys.stderr.write("%s %s%s\n" % (time.strftime("%H:%M:%S"), format % args, extra))

    # --- plumbing -----------------------------------------------------------------------------

    def do_GET(self):  # noqa: N802 pylint: disable=invalid-name
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802 pylint: disable=invalid-name
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802 pylint: disable=invalid-name
        self._dispatch("PUT")

    def do_PATCH(self):  # noqa: N802 pylint: disable=invalid-name
        self._dispatch("PATCH")

    def do_DELETE(self):  # noqa: N802 pylint: disable=invalid-name
        self._dispatch("DELETE")

    def _send(self, code, body, content_type="application/json", warnings=()):
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for text in warnings:
            self.send_header("Warning", '299 - "%s"' % text.replace('"', "'"))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, exc):
        self._send(exc.code, exc.status())

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
        if "cbor" in ctype:
            raise ApiError(415, "UnsupportedMediaType", "the lab Kubernetes API (a simulator) speaks JSON only: "
                           "%s request bodies are not supported" % ctype)
        if not raw:
            return ctype, None
        if ctype == PROTOBUF:
            try:
                return "application/json", protobuf.decode(raw)
            except (protobuf.ProtobufError, UnicodeDecodeError, ValueError) as exc:
                raise ApiError(415, "UnsupportedMediaType", "the lab Kubernetes API (a simulator) speaks JSON and "
                               "decodes protobuf request bodies of %s only: %s"
                               % (", ".join(protobuf.served()), exc))
        if PROTOBUF in ctype:
            raise ApiError(415, "UnsupportedMediaType", "the lab Kubernetes API (a simulator) speaks JSON only: "
                           "%s request bodies are not supported" % ctype)
        try:
            if ctype in ("application/yaml", "application/apply-patch+yaml"):
                try:  # clients send JSON (a subset of YAML) for speed: PyYAML needs ~1 s for a big CRD
                    return ctype, json.loads(raw.decode())
                except ValueError:
                    return ctype, yaml.load(raw.decode(), Loader=_YAML_LOADER)
            return ctype, json.loads(raw.decode())
        except (ValueError, yaml.YAMLError) as exc:
            raise bad_request("the request body is not valid %s: %s"
                              % ("YAML" if "yaml" in ctype else "JSON", exc))

    def _check_accept(self):
        accept = self.headers.get("Accept") or "*/*"
        kinds = [a.split(";")[0].strip() for a in accept.split(",")]
        if kinds and all(PROTOBUF in k or "cbor" in k for k in kinds):
            raise ApiError(415, "UnsupportedMediaType", "the lab Kubernetes API (a simulator) answers JSON only, "
                           "not %s" % accept)

    def _wants_table(self):
        accept = self.headers.get("Accept") or ""
        return "as=Table" in accept.split(",")[0]

    def _dispatch(self, method):
        try:
            parsed = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
            path = parsed.path.rstrip("/") or "/"
            if path in ("/healthz", "/livez", "/readyz"):
                self._send(200, b"ok", "text/plain")
                return
            auth = self.headers.get("Authorization") or ""
            if auth != "Bearer %s" % self.token:
                self._send(401, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                 "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
                return
            self._check_accept()
            if method == "GET" and self._discovery(path):
                return
            self._resource(method, path, query)
        except ApiError as exc:
            self._error(exc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # pylint: disable=broad-except
            import traceback  # pylint: disable=import-outside-toplevel
            traceback.print_exc()
            self._error(ApiError(500, "InternalError", "internal error of the lab API: %s" % exc))

    # --- discovery -------------------------------------------------------------------------------

    def _discovery(self, path):
        cluster = self.cluster
        if path == "/version":
            self._send(200, VERSION)
        elif path in ("/api", "/apis") and self._wants_aggregated():
            self._send(200, self._aggregated(path == "/api"), AGGREGATED)
        elif path == "/api":
            self._send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % self.server.server_port}]})
        elif path == "/apis":
            groups = [self._group(name, versions) for name, versions in self._groups() if name]
            self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        elif path.startswith("/apis/") and path.count("/") == 2:
            name = path.split("/")[2]
            versions = dict(self._groups()).get(name)
            if not versions:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            self._send(200, dict(self._group(name, versions), kind="APIGroup", apiVersion="v1"))
        elif path == "/api/v1" or (path.startswith("/apis/") and path.count("/") == 3):
            group, version = ("", "v1") if path == "/api/v1" else tuple(path.split("/")[2:4])
            types = cluster.types_in(group, version)
            if not types:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            resources = [e for t in types for e in t.resource_entries(version)]
            self._send(200, {"kind": "APIResourceList", "apiVersion": "v1",
                             "groupVersion": "%s/%s" % (group, version) if group else version,
                             "resources": resources})
        elif path == "/openapi/v3":
            self._send(200, {"paths": {self._gv_path(g, v): {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (
                self._gv_path(g, v), self._gv_hash(g, v))} for g, versions in self._groups() for v in versions}})
        elif path.startswith("/openapi/v3/"):
            parts = path.split("/")[3:]
            group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
            if not cluster.types_in(group, version):
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            self._send(200, self._openapi_v3(group, version))
        elif path.startswith("/openapi/v2") or path.startswith("/swagger"):
            raise ApiError(404, "NotFound", "the lab Kubernetes API (a simulator) serves OpenAPI v3 only")
        else:
            return False
        return True

    def _wants_aggregated(self):
        """Whether the Accept header asks for aggregated discovery (apidiscovery.k8s.io/v2, JSON) before
        anything else the lab serves; v2beta1 and protobuf are not served, so a client asking for those
        first gets the next acceptable answer (legacy discovery), as from a server without them."""
        for part in (self.headers.get("Accept") or "application/json").split(","):
            fields = [f.strip() for f in part.split(";")]
            params = dict(f.split("=", 1) for f in fields[1:] if "=" in f)
            if fields[0] == "application/json" and params.get("g") == "apidiscovery.k8s.io":
                if params.get("v") == "v2" and params.get("as") == "APIGroupDiscoveryList":
                    return True
                continue
            if fields[0] in ("application/json", "*/*", "application/*"):
                return False
        return False

    def _aggregated(self, legacy):
        """The APIGroupDiscoveryList of /api (legacy: the core group) or /apis (every other group)."""
        items = []
        for name, versions in self._groups():
            if bool(name) == legacy:
                continue
            entries = []
            for version in versions:
                resources = [t.discovery_entry(version) for t in self.cluster.types_in(name, version)]
                entries.append({"version": version, "resources": resources, "freshness": "Current"})
            meta = {"name": name, "creationTimestamp": None} if name else {"creationTimestamp": None}
            items.append({"metadata": meta, "versions": entries})
        return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
                "items": items}

    def _groups(self):
        gvs = self.cluster.group_versions()
        order = {g: n for n, g in enumerate(PREFERRED_GROUP_ORDER)}
        names = sorted(gvs, key=lambda g: (order.get(g, len(order)), g))
        return [(g, sorted(gvs[g], key=version_priority)) for g in names]

    @staticmethod
    def _group(name, versions):
        entries = [{"groupVersion": "%s/%s" % (name, v), "version": v} for v in versions]
        return {"name": name, "versions": entries, "preferredVersion": entries[0]}

    @staticmethod
    def _gv_path(group, version):
        return "api/%s" % version if not group else "apis/%s/%s" % (group, version)

    def _gv_hash(self, group, version):
        text = json.dumps([(t.kind, t.plural, t.crd, sorted(t.subresources))
                           for t in self.cluster.types_in(group, version)])
        return hashlib.sha256(text.encode()).hexdigest()[:16].upper()

    def _openapi_v3(self, group, version):
        paths, schemas = {}, {}
        params = [{"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
                  for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
        for rtype in self.cluster.types_in(group, version):
            gvk = {"group": group, "version": version, "kind": rtype.kind}
            base = "/" + self._gv_path(group, version)
            scope = base + ("/namespaces/{namespace}/" if rtype.namespaced else "/") + rtype.plural
            operation = {"x-kubernetes-group-version-kind": gvk, "parameters": params,
                         "responses": {"200": {"description": "OK"}}}
            paths[scope] = {"post": dict(operation, operationId="create" + rtype.kind),
                            "get": dict(operation, operationId="list" + rtype.kind)}
            paths[scope + "/{name}"] = {"get": dict(operation, operationId="read" + rtype.kind),
                                        "put": dict(operation, operationId="replace" + rtype.kind),
                                        "patch": dict(operation, operationId="patch" + rtype.kind),
                                        "delete": dict(operation, operationId="delete" + rtype.kind)}
            name = "%s.%s.%s" % (".".join(reversed(group.split("."))) if group else "io.k8s.api.core", version,
                                 rtype.kind)
            schema = dict(rtype.schemas.get(version) or {"type": "object",
                                                         "x-kubernetes-preserve-unknown-fields": True})
            schema["x-kubernetes-group-version-kind"] = [gvk]
            schemas[name] = schema
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes (koor lab simulator)", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": schemas}}

    # --- resources -------------------------------------------------------------------------------

    def _route(self, path):
        """(rtype, version, namespace, name, subresource, watch_prefix) of a resource path."""
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        watch = False
        if rest and rest[0] == "watch":
            watch, rest = True, rest[1:]
        namespace = ""
        if len(rest) >= 3 and rest[0] == "namespaces" and not (
                group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rtype = self.cluster.find_type(group, version, rest[0])
        if rtype is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource (%s %s/%s)"
                           % (rest[0], group, version))
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        finalize = rtype.key == ("", "namespaces") and sub == "finalize"
        if sub is not None and sub not in rtype.subresources and not finalize:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if rtype.namespaced and not namespace and name is not None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return rtype, version, namespace, name, sub, watch

    def _options(self, query, body=None):
        manager = _first(query, "fieldManager")
        if not manager:
            agent = self.headers.get("User-Agent") or "unknown"
            manager = agent.split("/")[0].strip() or "unknown"
        opts = Options(dry_run=bool(query.get("dryRun")), field_manager=manager, force=_bool(query, "force"),
                       field_validation=_first(query, "fieldValidation", "Warn"))
        if isinstance(body, dict) and body.get("kind") == "DeleteOptions":
            opts.propagation = body.get("propagationPolicy")
            opts.preconditions = body.get("preconditions") or {}
            if body.get("dryRun"):
                opts.dry_run = True
            if body.get("orphanDependents") is True:
                opts.propagation = "Orphan"
        if _first(query, "propagationPolicy"):
            opts.propagation = _first(query, "propagationPolicy")
        return opts

    def _resource(self, method, path, query):
        cluster = self.cluster
        rtype, version, namespace, name, sub, watch = self._route(path)
        if sub == "exec":
            self._exec(rtype, version, namespace, name, query)
            return
        if sub == "log":
            pod = cluster.get(rtype, version, namespace, name)
            self._send(200, ("(the lab has no container runtime: no logs for pod %s)\n"
                             % pod["metadata"]["name"]).encode(), "text/plain")
            return
        if sub == "scale":
            self._scale(method, rtype, version, namespace, name, query)
            return
        if method == "GET":
            if name is None:
                if watch or _bool(query, "watch"):
                    self._watch(rtype, version, namespace, query)
                    return
                listed = cluster.list(rtype, version, namespace, _first(query, "labelSelector"),
                                      _first(query, "fieldSelector"), int(_first(query, "limit", "0") or 0),
                                      _first(query, "continue"))
                self._send_object(rtype, version, listed, listing=True)
            else:
                if watch:
                    query.setdefault("fieldSelector", ["metadata.name=%s" % name])
                    self._watch(rtype, version, namespace, query)
                    return
                self._send_object(rtype, version, cluster.get(rtype, version, namespace, name))
            return
        ctype, body = self._body()
        opts = self._options(query, body)
        if method == "POST" and name is None:
            obj = cluster.create(rtype, version, namespace, body, opts)
            self._send(201, obj, warnings=opts.warnings)
        elif method == "PUT" and name is not None:
            obj, created = cluster.update(rtype, version, namespace, name, body, opts,
                                          subresource="status" if sub == "status" else None)
            self._send(201 if created else 200, obj, warnings=opts.warnings)
        elif method == "PATCH" and name is not None:
            patch_type = PATCH_TYPES.get(ctype)
            if patch_type is None:
                accepted = ", ".join(t for t, v in PATCH_TYPES.items() if v)
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                               "accepted media types include: %s" % accepted)
            obj = cluster.patch(rtype, version, namespace, name, patch_type, body, opts,
                                subresource="status" if sub == "status" else None)
            self._send(200, obj, warnings=opts.warnings)
        elif method == "DELETE" and name is not None:
            obj = cluster.delete(rtype, version, namespace, name, opts)[0]
            self._send(200, obj)
        elif method == "DELETE":
            listed = cluster.delete_collection(rtype, version, namespace, _first(query, "labelSelector"),
                                               _first(query, "fieldSelector"), opts)
            self._send(200, listed)
        else:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _send_object(self, rtype, version, obj, listing=False):
        if self._wants_table():
            from .tables import to_table  # pylint: disable=import-outside-toplevel
            self._send(200, to_table(rtype, version, obj, listing),
                       "application/json;as=Table;v=v1;g=meta.k8s.io")
        else:
            self._send(200, obj)

    def _scale(self, method, rtype, version, namespace, name, query):
        cluster = self.cluster
        obj = cluster.get(rtype, version, namespace, name)
        if method in ("PUT", "PATCH"):
            ctype, body = self._body()
            current = self._scale_of(obj)
            if method == "PATCH":
                from . import patch as patches  # pylint: disable=import-outside-toplevel
                kind = PATCH_TYPES.get(ctype)
                if kind == "json":
                    body = patches.json_patch(current, body)
                elif kind in ("merge", "strategic", "apply"):
                    body = patches.merge_patch(current, body)
                else:
                    raise ApiError(415, "UnsupportedMediaType", "unsupported patch type %s" % ctype)
            replicas = ((body or {}).get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise ApiError(422, "Invalid", "spec.replicas: Invalid value: must be a non-negative integer")
            obj = cluster.patch(rtype, version, namespace, name, "merge", {"spec": {"replicas": replicas}},
                                self._options(query))
        self._send(200, self._scale_of(obj))

    @staticmethod
    def _scale_of(obj):
        meta = obj["metadata"]
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                             if k in meta},
                "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
                "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                           "selector": ",".join("%s=%s" % kv for kv in sorted(
                               (((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}).items()))}}

    # --- watch --------------------------------------------------------------------------------------

    def _chunk(self, obj):
        data = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(self, rtype, version, namespace, query):
        cluster = self.cluster
        match = cluster.filters(_first(query, "labelSelector"), _first(query, "fieldSelector"))
        timeout = int(_first(query, "timeoutSeconds", "0") or 0) or WATCH_DEFAULT_TIMEOUT
        bookmarks = _bool(query, "allowWatchBookmarks")
        initial = _bool(query, "sendInitialEvents")
        since = _first(query, "resourceVersion", "")
        try:
            since_rv = int(since) if since not in ("", "0") else None
        except ValueError:
            raise bad_request("invalid resourceVersion %r" % since)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

        def in_scope(obj):
            return obj is not None and (not namespace or obj["metadata"].get("namespace") == namespace) and match(obj)

        try:
            if since_rv is None or initial:
                listed = cluster.list(rtype, version, namespace, _first(query, "labelSelector"),
                                      _first(query, "fieldSelector"))
                last = int(listed["metadata"]["resourceVersion"])
                for item in listed["items"]:
                    self._chunk({"type": "ADDED", "object": item})
                if initial and bookmarks:
                    self._chunk(self._bookmark(rtype, version, last, initial_end=True))
            else:
                last = since_rv
            deadline = time.monotonic() + timeout
            last_sent = time.monotonic()
            while time.monotonic() < deadline and not self.server.stopping.is_set():
                try:
                    events, head = cluster.events_since(last, min(1.0, max(0.0, deadline - time.monotonic())))
                except ApiError as exc:
                    self._chunk({"type": "ERROR", "object": exc.status()})
                    break
                for event in events:
                    if event.key != rtype.key:
                        continue
                    new_in, old_in = in_scope(event.obj), in_scope(event.old)
                    etype = event.type
                    if etype == "MODIFIED":
                        if new_in and not old_in:
                            etype = "ADDED"
                        elif old_in and not new_in:
                            etype = "DELETED"
                        elif not new_in:
                            continue
                    elif not new_in:
                        continue
                    self._chunk({"type": etype, "object": cluster.present(rtype, version, event.obj)})
                    last_sent = time.monotonic()
                last = max(last, head) if not events else events[-1].rv
                if bookmarks and time.monotonic() - last_sent > BOOKMARK_INTERVAL:
                    self._chunk(self._bookmark(rtype, version, last))
                    last_sent = time.monotonic()
                if execws.peer_closed(self.connection):
                    break
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self.close_connection = True

    @staticmethod
    def _bookmark(rtype, version, rv, initial_end=False):
        meta = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {"type": "BOOKMARK", "object": {"kind": rtype.kind, "apiVersion": rtype.api_version(version),
                                               "metadata": meta}}

    # --- exec --------------------------------------------------------------------------------------

    def _exec(self, rtype, version, namespace, name, query):
        if rtype.key != ("", "pods"):
            raise not_found(rtype, name)
        pod = self.cluster.get(rtype, version, namespace, name)
        upgrade = (self.headers.get("Upgrade") or "").lower()
        if upgrade != "websocket":
            raise ApiError(400, "BadRequest", "the lab Kubernetes API (a simulator) serves pods/exec over WebSocket "
                           "only (Upgrade: websocket with v5.channel.k8s.io or v4.channel.k8s.io), not %r"
                           % (upgrade or "plain HTTP"))
        protocol = execws.choose_protocol(self.headers.get("Sec-WebSocket-Protocol"))
        if protocol is None:
            raise bad_request("no supported WebSocket subprotocol: the lab Kubernetes API supports %s"
                              % ", ".join(execws.PROTOCOLS))
        argv = query.get("command") or []
        if not argv:
            raise bad_request("you must specify at least 1 command")
        try:
            spec = execws.exec_spec(pod, _first(query, "container"))
            problem = None
        except execws.ExecError as exc:
            spec, problem = None, str(exc)
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", execws.accept_key(self.headers.get("Sec-WebSocket-Key", "")))
        self.send_header("Sec-WebSocket-Protocol", protocol)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        ws = execws.WebSocket(self.connection, self.rfile)
        if problem is not None:
            ws.send(execws.OP_BINARY, bytes([execws.ERROR]) + json.dumps(
                {"metadata": {}, "status": "Failure", "message": problem, "reason": "BadRequest", "code": 400}).encode())
            ws.close()
            return
        execws.serve_exec(ws, protocol, argv, spec, _bool(query, "stdin"), _bool(query, "stdout"),
                          _bool(query, "stderr"), _bool(query, "tty"))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, verbose=False):
        super().__init__(address, handler)
        self.verbose = verbose
        self.stopping = threading.Event()


def make_server(state, port, token, host="127.0.0.1", tls_cert=None, tls_key=None, verbose=False,
                controllers=True):
    cluster = Cluster(state)
    handler = type("LabHandler", (Handler,), {"cluster": cluster, "token": token})
    server = Server((host, port), handler, verbose=verbose)
    if tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_cert, tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.cluster = cluster
    threads = [threading.Thread(target=_saver, args=(server,), name="saver", daemon=True)]
    if controllers:
        from .controllers import WorkloadController  # pylint: disable=import-outside-toplevel
        threads.append(threading.Thread(target=WorkloadController(cluster, server.stopping).run,
                                        name="workload-controller", daemon=True))
    for thread in threads:
        thread.start()
    return server


def _saver(server):
    while not server.stopping.wait(0.5):
        try:
            server.cluster.save()
        except OSError as exc:
            sys.stderr.write("lab kube: cannot save state: %s\n" % exc)


def serve(state, port, token, host="127.0.0.1", tls_cert=None, tls_key=None, verbose=False):
    server = make_server(state, port, token, host, tls_cert, tls_key, verbose)

    def stop(_signum, _frame):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write("lab kube API (simulator) listening on %s://%s:%d, state %s\n"
                     % ("https" if tls_cert else "http", host, server.server_port, state))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.stopping.set()
        server.server_close()
        server.cluster.save(force=True)
    return 0
