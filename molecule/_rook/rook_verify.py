"""Shared by the verifiers of the rook_block, rook_object and rook_file scenarios: the lab's
kubeconfig, kubectl and the toolbox (the independent view of the real Ceph cluster), the declared
items merged over the role's profiles (what verify expects), and S3 requests signed with AWS
signature version 4 (urllib only)."""
import base64
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

import yaml

ROOT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
LAB = os.environ.get("KOOR_ROOK_LAB") or "rook-molecule"
KUBECONFIG = os.path.join(ROOT, "inventories", "lab", "generated", "%s-kubeconfig" % LAB)
NS = "rook-ceph"
sys.path.insert(0, os.path.join(ROOT, ".cache", "collections"))

from ansible_collections.koor.ceph.plugins.filter.rook_use_cases import rook_use_case_items  # noqa: E402


def kubectl(*args, check=True):
    proc = subprocess.run(["kubectl", "--kubeconfig", KUBECONFIG] + list(args), capture_output=True, text=True,
                          timeout=300, check=False)
    if check and proc.returncode:
        raise AssertionError("kubectl %s: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
    return proc


def get(kind, name, ns=NS):
    proc = kubectl("-n", ns, "get", kind, name, "-o", "json", check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def toolbox(*argv, check=True):
    return kubectl("-n", NS, "exec", "deploy/rook-ceph-tools", "--", *argv, check=check)


def ceph(*args):
    return json.loads(toolbox("ceph", "--format", "json", *args).stdout)


def pools():
    return {p["pool_name"]: p for p in ceph("osd", "pool", "ls", "detail")}


def secret(name, ns=NS):
    obj = get("secret", name, ns)
    return {k: base64.b64decode(v).decode() for k, v in obj["data"].items()}


def declared(scenario, role, key):
    """The scenario's declaration (vars/main.yml) merged over the role's profiles, as the role merges it."""
    with open(os.path.join(ROOT, "molecule", scenario, "vars", "main.yml")) as handle:
        items = yaml.safe_load(handle)[key]
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    return rook_use_case_items(items, role.split("_")[1], defaults["%s_profiles" % role],
                               defaults["%s_default_profile" % role])


def s3(method, endpoint, access, secret_key, path, body=b"", region="us-east-1"):
    """One S3 request with AWS signature version 4; returns (status, body)."""
    url = urllib.parse.urlsplit(endpoint)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": url.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    if body:  # signed, so that urllib does not add a form content type of its own
        headers.update({"content-type": "application/octet-stream", "content-length": str(len(body))})
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, urllib.parse.quote(path), "",
                           "".join("%s:%s\n" % (k, headers[k]) for k in sorted(headers)), signed, payload])
    scope = "%s/%s/s3/aws4_request" % (day, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access, scope, signed, signature)
    request = urllib.request.Request(endpoint.rstrip("/") + urllib.parse.quote(path), data=body or None,
                                     method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
