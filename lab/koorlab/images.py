"""Ceph chroot images for the lab: built from Debian packages, cached as tarballs.

An image is a minbase Debian chroot holding one Ceph release. It is built once with
mmdebstrap, packed with zstd under ~/.cache/koor-lab/images/ and unpacked on demand under
~/.cache/koor-lab/roots/. The cache key names the suite, the Ceph version and a hash of the
recipe, so a change of recipe or release builds a new image instead of reusing a stale one.
"""

import hashlib
import os
import shutil
import tempfile

from .util import LabError, file_lock, log, run

CACHE = os.environ.get("KOOR_LAB_CACHE", os.path.expanduser("~/.cache/koor-lab"))
MIRROR = os.environ.get("KOOR_LAB_MIRROR", "http://deb.debian.org/debian")

_COMMON = [
    "ceph-mon", "ceph-mgr", "ceph-osd", "ceph-mds", "radosgw", "ceph-common", "ceph-volume",
    "python3-rados", "python3-rbd", "python3-cephfs", "procps", "iproute2", "gdisk",
]

SUITES = {
    # Tentacle: the release Rook v1.20.6 deploys by default.
    "sid": {"ceph": "20.2.4", "packages": _COMMON + ["libqatzip3"]},
    # Reef: the starting point of the lab's rolling-upgrade tests.
    # Its ceph-volume calls udevadm (Tentacle's does not), hence udev.
    "trixie": {"ceph": "18.2.7", "packages": _COMMON + ["udev"]},
}
RECIPE_VERSION = "1"


def _recipe_hash(suite):
    spec = SUITES[suite]
    text = "|".join([RECIPE_VERSION, suite, spec["ceph"]] + sorted(spec["packages"]))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def image_key(suite):
    if suite not in SUITES:
        raise LabError("unknown suite %r: choose one of %s" % (suite, ", ".join(sorted(SUITES))))
    return "ceph-%s-%s-%s" % (SUITES[suite]["ceph"], suite, _recipe_hash(suite))


def tarball_path(suite):
    return os.path.join(CACHE, "images", image_key(suite) + ".tar.zst")


def root_path(suite):
    return os.path.join(CACHE, "roots", image_key(suite))


def _installed_ceph_version(root):
    out = run(["chroot", root, "dpkg-query", "-W", "-f", "${Version}", "ceph-mon"]).stdout
    return out.split("+")[0].split("-")[0]


def build(suite, force=False):
    """Build (or reuse) the image for a suite. Returns the tarball path."""
    tarball = tarball_path(suite)
    if os.path.exists(tarball) and not force:
        log("image %s is cached (%s)" % (image_key(suite), tarball))
        return tarball
    os.makedirs(os.path.dirname(tarball), exist_ok=True)
    with file_lock(tarball + ".lock"):  # two labs that need a new image at once build it once
        if os.path.exists(tarball) and not force:
            return tarball
        return _build(suite, tarball)


def _build(suite, tarball):
    if not shutil.which("mmdebstrap"):
        raise LabError("mmdebstrap is not installed: apt-get install -y mmdebstrap zstd")
    spec = SUITES[suite]
    work = tempfile.mkdtemp(prefix="koor-lab-build-", dir=os.path.dirname(tarball))
    root = os.path.join(work, "root")
    try:
        log("building %s from Debian %s (mmdebstrap, about 1-2 minutes)" % (image_key(suite), suite))
        run(["mmdebstrap", "--variant=minbase", "--include=" + ",".join(spec["packages"]),
             "--aptopt=Acquire::Check-Valid-Until \"false\"", "--aptopt=Acquire::Check-Date \"false\"",
             "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
             "--dpkgopt=path-exclude=/usr/share/locale/*",
             suite, root, MIRROR], timeout=1800, capture=False)
        version = _installed_ceph_version(root)
        if version != spec["ceph"]:
            raise LabError("Debian %s now ships Ceph %s, the lab expects %s: update SUITES in %s"
                           % (suite, version, spec["ceph"], __file__))
        manifest = run(["chroot", root, "dpkg-query", "-W"]).stdout
        with open(tarball + ".manifest", "w") as handle:
            handle.write(manifest)
        partial = tarball + ".partial"
        run(["tar", "--zstd", "-C", root, "-cf", partial, "."], timeout=600)
        os.replace(partial, tarball)
        log("image cached: %s (%d MiB)" % (tarball, os.path.getsize(tarball) >> 20))
        return tarball
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_root(suite):
    """Unpack the suite's image (building it first when missing). Returns the chroot path."""
    root = root_path(suite)
    if os.path.exists(os.path.join(root, ".koor-lab-complete")):
        return root
    os.makedirs(os.path.dirname(root), exist_ok=True)
    with file_lock(root + ".lock"):  # two labs that need it at once unpack it once
        if not os.path.exists(os.path.join(root, ".koor-lab-complete")):
            _unpack(build(suite), root)
    return root


def _unpack(tarball, root):
    partial = root + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    run(["tar", "--zstd", "-C", partial, "-xf", tarball], timeout=600)
    open(os.path.join(partial, ".koor-lab-complete"), "w").close()
    shutil.rmtree(root, ignore_errors=True)
    os.replace(partial, root)


def reef_mgr_modules(overlay):
    """A module path for Reef's mgr at ``overlay`` (a directory both the host and the chroot see at
    the same path): its own modules (symlinks into the image) except mgr_util.py, whose top-level
    `import bcrypt` is made lazy. bcrypt is a PyO3 module, which loads in one mgr subinterpreter
    only; imported by every module through mgr_util, it leaves all modules but the first with
    MGR_MODULE_DEPENDENCY (Debian trixie's Reef). Returns the path."""
    source = os.path.join(ensure_root("trixie"), "usr/share/ceph/mgr")
    if not os.path.exists(os.path.join(overlay, "mgr_util.py")):
        os.makedirs(overlay, exist_ok=True)
        for entry in os.listdir(source):
            if entry != "mgr_util.py" and not os.path.lexists(os.path.join(overlay, entry)):
                os.symlink(os.path.join("/usr/share/ceph/mgr", entry), os.path.join(overlay, entry))
        with open(os.path.join(source, "mgr_util.py")) as handle:
            text = handle.read()
        lazy = ("class _LazyBcrypt:  # koor-lab: imported on first use, see lab/koorlab/images.py\n"
                "    def __getattr__(self, name):\n"
                "        import bcrypt as real\n"
                "        return getattr(real, name)\n\n\n"
                "bcrypt = _LazyBcrypt()\n")
        if "\nimport bcrypt\n" not in text:
            raise LabError("Reef's mgr_util.py no longer imports bcrypt at the top: review the overlay")
        with open(os.path.join(overlay, "mgr_util.py"), "w") as handle:
            handle.write(text.replace("\nimport bcrypt\n", "\n" + lazy, 1))
    return overlay
