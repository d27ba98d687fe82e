"""Small helpers shared by the assembling scripts (make_*.py) and verify_export.py.

Only the standard library. Nothing here is used by expected.py, which stays independent.
"""
import hashlib
import io
import json
import os
import tarfile

# Go's archive/tar (used by moby and containerd) ends a tar with two zero blocks and no
# padding to a 10 KiB record; Python pads to RECORDSIZE. Match Go.
tarfile.RECORDSIZE = tarfile.BLOCKSIZE

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
MT_LAYER_GZIP = MT_LAYER + "+gzip"
MT_LAYER_ZSTD = MT_LAYER + "+zstd"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def hexof(digest: str) -> str:
    return digest.split(":", 1)[1]


def dumps(obj) -> bytes:
    """Compact JSON, as Go's json.Marshal writes it (no spaces, no trailing newline)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class Layout:
    """An OCI image layout directory, read-only."""

    def __init__(self, path):
        self.path = path
        self.index = json.load(open(os.path.join(path, "index.json")))

    def blob(self, digest) -> bytes:
        alg, hx = digest.split(":", 1)
        return open(os.path.join(self.path, "blobs", alg, hx), "rb").read()

    def json(self, digest):
        return json.loads(self.blob(digest))

    def single_manifest(self):
        """(descriptor, manifest) of the only manifest of index.json."""
        mans = self.index["manifests"]
        assert len(mans) == 1, f"{self.path}: expected one manifest, found {len(mans)}"
        return mans[0], self.json(mans[0]["digest"])


class TarWriter:
    """Writes a tar the way Go's archive/tar does for these exports: uid/gid 0, no user
    names, fixed mtime, parent directories as their own entries (added once, on demand)."""

    def __init__(self, path, mtime=0):
        self.t = tarfile.open(path, "w", format=tarfile.USTAR_FORMAT)
        self.mtime = mtime
        self.dirs = set()

    def _dir(self, name):
        if not name or name in self.dirs:
            return
        self._dir(os.path.dirname(name))
        ti = tarfile.TarInfo(name + "/")
        ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, self.mtime
        self.t.addfile(ti)
        self.dirs.add(name)

    def add(self, name, data: bytes, mode=0o644):
        self._dir(os.path.dirname(name))
        ti = tarfile.TarInfo(name)
        ti.size, ti.mode, ti.mtime = len(data), mode, self.mtime
        self.t.addfile(ti, io.BytesIO(data))

    def close(self):
        self.t.close()
