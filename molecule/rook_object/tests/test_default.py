"""Verify on the real Ceph cluster (through the toolbox) that the declared stores, users and
bucket claims exist with their profile's settings, and use them over S3 (AWS signature v4) with
the keys from the Secrets the role reports."""
import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "_rook"))

import rook_verify as rv  # noqa: E402  pylint: disable=wrong-import-position

STORES = {s["name"]: s for s in rv.declared("rook_object", "rook_object", "molecule_rook_object_stores")}


def radosgw_admin(store, *args):
    return json.loads(rv.toolbox("radosgw-admin", "--rgw-realm", store, "--rgw-zonegroup", store, "--rgw-zone",
                                 store, *args).stdout)


def test_pools_have_the_profiles_settings():
    pools = rv.pools()
    backup, app = pools["mol-backup.rgw.buckets.data"], pools["mol-app.rgw.buckets.data"]
    profile = rv.ceph("osd", "erasure-code-profile", "get", backup["erasure_code_profile"])
    assert (int(profile["k"]), int(profile["m"])) == (2, 1)
    assert backup["options"].get("compression_mode") == STORES["mol-backup"]["compression"] == "none"
    assert app.get("erasure_code_profile", "") == "" and app["size"] == STORES["mol-app"]["replicated"]["size"]
    for store in STORES:
        assert pools["%s.rgw.buckets.index" % store]["size"] == 3
        assert "rgw" in pools["%s.rgw.meta" % store]["application_metadata"]


def test_user_quota_and_capabilities():
    user = radosgw_admin("mol-backup", "user", "info", "--uid", "mol-velero")
    want = STORES["mol-backup"]["users"][0]
    assert user["display_name"] == want["display_name"] == "Velero"
    assert user["max_buckets"] == want["quotas"]["max_buckets"] == 3
    assert sorted((c["type"], c["perm"]) for c in user["caps"]) == [("buckets", "read"), ("users", "read")]


def test_user_works_over_s3_with_the_keys_of_its_secret():
    store = rv.get("cephobjectstore", "mol-backup")
    keys = rv.secret("rook-ceph-object-user-mol-backup-mol-velero")
    endpoint = store["status"]["info"]["endpoint"]
    assert keys["Endpoint"] == endpoint
    bucket = "verify-%s" % uuid.uuid4().hex[:8]
    body = b"koor.ceph rook_object verify\n" * 100
    assert rv.s3("PUT", endpoint, keys["AccessKey"], keys["SecretKey"], "/" + bucket)[0] == 200
    try:
        assert rv.s3("PUT", endpoint, keys["AccessKey"], keys["SecretKey"], "/%s/probe" % bucket, body)[0] == 200
        assert rv.s3("GET", endpoint, keys["AccessKey"], keys["SecretKey"], "/%s/probe" % bucket) == (200, body)
        # a wrong key is refused
        assert rv.s3("GET", endpoint, keys["AccessKey"], "x" + keys["SecretKey"][1:], "/%s/probe" % bucket)[0] == 403
    finally:
        rv.s3("DELETE", endpoint, keys["AccessKey"], keys["SecretKey"], "/%s/probe" % bucket)
        assert rv.s3("DELETE", endpoint, keys["AccessKey"], keys["SecretKey"], "/" + bucket)[0] == 204


def test_bucket_claim_is_bound_and_its_bucket_works():
    claim = rv.get("objectbucketclaim", "mol-uploads")
    assert claim["status"]["phase"] == "Bound"
    assert claim["spec"]["additionalConfig"] == {"maxObjects": "1000"}
    assert claim["metadata"]["finalizers"] == ["objectbucket.io/finalizer"]
    # Rook's bucket provisioner: "<generateBucketName>-<uuid4>", owned by obc-<namespace>-<claim> with the
    # claim's quota as its user quota
    bucket = claim["spec"]["bucketName"]
    assert re.match(r"^uploads-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", bucket), bucket
    owner = radosgw_admin("mol-app", "bucket", "stats", "--bucket", bucket)["owner"]
    assert owner == "obc-rook-ceph-mol-uploads"
    quota = radosgw_admin("mol-app", "user", "info", "--uid", owner)["user_quota"]
    assert (quota["enabled"], quota["max_objects"]) == (True, 1000)
    config = rv.get("configmap", "mol-uploads")["data"]
    assert config["BUCKET_NAME"] == bucket
    keys = rv.secret("mol-uploads")
    endpoint = "http://%s:%s" % (config["BUCKET_HOST"], config["BUCKET_PORT"])
    assert endpoint == rv.get("cephobjectstore", "mol-app")["status"]["info"]["endpoint"]
    key = "/%s/probe" % bucket
    assert rv.s3("PUT", endpoint, keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"], key, b"hello")[0] == 200
    try:
        assert rv.s3("GET", endpoint, keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"], key) == (200, b"hello")
    finally:
        rv.s3("DELETE", endpoint, keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"], key)


def test_bucket_storage_classes():
    for name, reclaim in (("mol-backup", "Retain"), ("mol-app", "Delete")):
        sc = rv.get("storageclass", "rook-ceph-bucket-" + name, ns="")
        assert sc["provisioner"] == "rook-ceph.ceph.rook.io/bucket"
        assert sc["parameters"] == {"objectStoreName": name, "objectStoreNamespace": "rook-ceph"}
        assert sc["reclaimPolicy"] == reclaim
