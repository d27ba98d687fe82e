#!/usr/bin/env python3
"""Write the generated, deterministic part of a build context.

Usage: gen_payloads.py IMAGE STAGE_DIR

Every byte is a pure function of (file key, size): binary files are a SHA-256 counter
stream (incompressible, so stored sizes stay honest), text files are realistic lines
truncated to an exact size. Sizes are round numbers so that figures can be added by hand.
Files with the same key have the same content (that is how duplicates are made).

Modes are set explicitly (files 0644, dirs 0755, /tmp 1777) so that the result does not
depend on the umask of whoever runs the build.
"""
import gzip
import hashlib
import io
import os
import sys
import tarfile


def rand_bytes(key: str, n: int) -> bytes:
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"layerscope-testdata:{key}:{i}".encode()).digest()
        i += 1
    return bytes(out[:n])


def text_bytes(lines, n: int) -> bytes:
    """Cycle through `lines` (a function i -> str) until n bytes, end with a newline."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += (lines(i) + "\n").encode()
        i += 1
    out = out[:n]
    if n:
        out[-1:] = b"\n"
    return bytes(out)


def write(root, rel, data: bytes, mode=0o644):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def mkdir(root, rel, mode=0o755):
    path = os.path.join(root, rel)
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)


def symlink(root, rel, target):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.remove(path)
    os.symlink(target, path)


def hexline(key):
    return lambda i: hashlib.sha256(f"{key}{i}".encode()).hexdigest()


# --------------------------------------------------------------------------- basic
def gen_basic(stage):
    r = os.path.join(stage, "rootfs")
    write(r, "etc/os-release", text_bytes(
        lambda i: ["NAME=\"layerscope test\"", "ID=layerscope-test", "VERSION_ID=1",
                   "PRETTY_NAME=\"layerscope basic fixture\""][i % 4], 128))
    write(r, "data/keep.bin", rand_bytes("keep", 1000))
    write(r, "data/remove-me.bin", rand_bytes("remove-me", 2000))
    write(r, "data/overwrite-me.bin", rand_bytes("overwrite-old", 4096))
    write(r, "data/tree/a/one.bin", rand_bytes("tree-one", 300))
    write(r, "data/tree/a/two.bin", rand_bytes("tree-two", 500))
    write(r, "data/tree/b/three.bin", rand_bytes("tree-three", 700))
    write(r, "data/opq/old-1.bin", rand_bytes("opq-old-1", 1100))
    write(r, "data/opq/old-2.bin", rand_bytes("opq-old-2", 1200))
    write(r, "data/opq/sub/old-3.bin", rand_bytes("opq-old-3", 1400))
    write(r, "data/becomes-dir", rand_bytes("becomes-dir", 600))
    a = os.path.join(stage, "app")
    write(a, "dup-a.bin", rand_bytes("dup", 10000))
    write(a, "dup-b.bin", rand_bytes("dup", 10000))
    write(a, "config.txt", text_bytes(lambda i: f"option_{i} = value_{i}", 256))
    write(a, "empty-1", b"")
    write(a, "empty-2", b"")
    p = os.path.join(stage, "payload")
    write(p, "overwrite-new.bin", rand_bytes("overwrite-new", 5000))
    write(p, "opq-new.bin", rand_bytes("opq-new", 1300))
    write(p, "inner.bin", rand_bytes("inner", 800))
    write(p, "hl-keep.bin", rand_bytes("hl-keep", 3000))
    write(p, "hl-gone.bin", rand_bytes("hl-gone", 3500))


# ------------------------------------------------------- antipatterns / remedies
DEBIAN = "http://deb.debian.org/debian"
LISTS = {
    # /var/lib/apt/lists/<name>: size
    "deb.debian.org_debian_dists_bookworm_InRelease": 15000,
    "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4": 30000,
    "deb.debian.org_debian_dists_bookworm-updates_InRelease": 5000,
    "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4": 2000,
    "deb.debian.org_debian-security_dists_bookworm-security_InRelease": 4000,
    "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4": 9000,
}

PKGS = {
    "python3-minimal": {
        "deb": ("python3.11-minimal_3.11.2-6+deb12u2_amd64.deb", 8000),
        "files": {"usr/bin/python3.11": 12000, "usr/lib/python3.11/encodings/__init__.py": 2000},
        "links": {"usr/bin/python3": "python3.11"},
        "status": 6000, "dpkg.log": 1500, "history.log": 700, "term.log": 900,
        "version": "3.11.2-6+deb12u2",
    },
    "curl": {
        "deb": ("curl_7.88.1-10+deb12u8_amd64.deb", 3000),
        "files": {"usr/bin/curl": 7000, "usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0": 6000},
        "links": {"usr/lib/x86_64-linux-gnu/libcurl.so.4": "libcurl.so.4.8.0"},
        "status": 3000, "dpkg.log": 1000, "history.log": 700, "term.log": 900,
        "version": "7.88.1-10+deb12u8",
    },
}


def in_release(name):
    suite = name.split("_dists_")[1].split("_")[0]
    head = ["-----BEGIN PGP SIGNED MESSAGE-----", "Hash: SHA512", "",
            "Origin: Debian", "Label: Debian", f"Suite: {suite}", f"Codename: {suite}",
            "Date: Sat, 01 Jun 2024 08:00:00 UTC", "Architectures: all amd64 arm64",
            "Components: main contrib non-free-firmware non-free", "SHA256:"]
    return lambda i: head[i] if i < len(head) else \
        f" {hexline(name)(i)} {1000 + i * 37:>9} main/binary-amd64/Packages.part{i}"


def dpkg_stanza(pkg, version):
    lines = [f"Package: {pkg}", "Status: install ok installed", "Priority: optional",
             "Section: python" if "python" in pkg else "Section: web",
             "Installed-Size: 1234", "Maintainer: Debian Maintainers <debian@example.org>",
             "Architecture: amd64", f"Version: {version}", "Depends: libc6 (>= 2.34)",
             f"Description: {pkg} (layerscope test stand-in)"]
    return lambda i: lines[i] if i < len(lines) else f" {hexline(pkg)(i)[:70]}"


def log_lines(pkg, version, kind):
    if kind == "dpkg.log":
        return lambda i: f"2024-06-01 12:00:{i % 60:02d} status unpacked {pkg}:amd64 {version} #{i}"
    if kind == "history.log":
        return lambda i: f"Start-Date: 2024-06-01  12:00:00 Commandline: apt-get install -y {pkg} #{i}"
    return lambda i: f"Log started: 2024-06-01  12:00:00 Selecting previously unselected package {pkg}. #{i}"


def gen_python_app(stage, here):
    r = os.path.join(stage, "rootfs")
    write(r, "etc/os-release", (
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
        'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
        'HOME_URL="https://www.debian.org/"\n').encode())
    write(r, "etc/debian_version", b"12.5\n")
    mkdir(r, "tmp", 0o1777)
    mkdir(r, "var/tmp", 0o1777)
    mkdir(r, "var/log")
    mkdir(r, "root", 0o700)
    mkdir(r, "usr/local/bin")
    # payload read by the simulators in sim/ (mounted at /usr/local/sbin during RUN)
    p = os.path.join(stage, "sim", "payload")
    for name, size in LISTS.items():
        data = text_bytes(in_release(name), size) if name.endswith("InRelease") \
            else rand_bytes(name, size)
        write(p, "apt-update/var/lib/apt/lists/" + name, data)
    write(p, "apt-update/var/lib/apt/lists/lock", b"", 0o640)
    mkdir(p, "apt-update/var/lib/apt/lists/partial", 0o700)
    write(p, "apt-update/var/cache/apt/pkgcache.bin", rand_bytes("pkgcache", 20000))
    write(p, "apt-update/var/cache/apt/srcpkgcache.bin", rand_bytes("srcpkgcache", 19000))
    for pkg, d in PKGS.items():
        base = f"pkgs/{pkg}"
        debname, debsize = d["deb"]
        write(p, f"{base}/{debname}", rand_bytes(debname, debsize))
        for rel, size in d["files"].items():
            data = text_bytes(hexline(rel), size) if rel.endswith(".py") else rand_bytes(rel, size)
            write(p, f"{base}/root/{rel}", data, 0o755 if "/bin/" in rel else 0o644)
        for rel, target in d["links"].items():
            symlink(p, f"{base}/root/{rel}", target)
        # a stanza ends with a blank line, so that the sim's `cat >> status` keeps
        # each package its own stanza (same size as before: one byte of padding less)
        write(p, f"{base}/status", text_bytes(dpkg_stanza(pkg, d["version"]), d["status"] - 1) + b"\n")
        for kind in ("dpkg.log", "history.log", "term.log"):
            write(p, f"{base}/{kind}", text_bytes(log_lines(pkg, d["version"], kind), d[kind]))
    # a source tarball "downloaded" by the curl simulator (deterministic tar.gz)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for rel, data, mode in [
            ("app-1.0/Makefile", text_bytes(lambda i: f"all:\n\tcc -o app src/main.c # {i}", 400), 0o644),
            ("app-1.0/src/main.c", text_bytes(lambda i: f"int f{i}(void) {{ return {i}; }}", 3000), 0o644),
            ("app-1.0/app", rand_bytes("app-binary", 5200), 0o755),
        ]:
            ti = tarfile.TarInfo(rel)
            ti.size, ti.mode, ti.mtime, ti.uname, ti.gname = len(data), mode, 0, "root", "root"
            t.addfile(ti, io.BytesIO(data))
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, filename="") as g:
        g.write(buf.getvalue())
    write(p, "downloads/app-1.0.tar.gz", gz.getvalue())


def main():
    image, stage = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    if image == "basic":
        gen_basic(stage)
    elif image in ("antipatterns", "remedies"):
        gen_python_app(stage, here)
    else:
        sys.exit(f"gen_payloads.py: unknown image {image}")


if __name__ == "__main__":
    main()
