#!/usr/bin/env python3
"""Rewrite a tar in place with every member's mtime set to 0, nothing else changed
(same order, names, types, modes, owners, contents; Go-style end: no 10 KiB padding).

Usage: zero_tar_mtimes.py FILE.tar
buildah's oci-archive: transport stamps the wall-clock time on the members of the outer tar
(the blobs inside are unaffected); this makes rebuilds byte-identical.
"""
import io
import os
import sys
import tarfile

tarfile.RECORDSIZE = tarfile.BLOCKSIZE


def main():
    path = sys.argv[1]
    src = tarfile.open(fileobj=io.BytesIO(open(path, "rb").read()))
    tmp = path + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as dst:
        for m in src.getmembers():
            m.mtime = 0
            dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
