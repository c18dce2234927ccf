"""S3 requests to a lab's radosgw, signed with AWS signature v4 (no SDK): what the tests use to
show that keys work and objects hold their data."""
import datetime
import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request


def s3(lab, access, secret, method="GET", path="/", body=b""):
    """One S3 request signed (AWS signature v4) with the given keys: (status, body)."""
    url = lab.rgw_url + path
    host = urllib.parse.urlparse(url).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = "host:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n" % (host, payload, amz_date)
    signed = "host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join([method, path, "", headers, signed, payload])
    scope = "%s/us-east-1/s3/aws4_request" % day
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body or None, method=method, headers={
        "x-amz-date": amz_date, "x-amz-content-sha256": payload,
        "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                         % (access, scope, signed, signature)})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
