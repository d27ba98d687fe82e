#!/usr/bin/env python3
"""Write pip's HTTP cache entries (http-v2 layout, pip >= 23.3) for docopt and six.

Usage: capture_pip_http.py OUT_DIR DOWNLOAD_DIR   (run with a python whose pip >= 23.3)

Layout, as pip's SafeFileCache writes it: key = the request URL; h = sha224(key);
path = http-v2/h[0]/h[1]/h[2]/h[3]/h[4]/h, metadata in `path`, body in `path.body`.
Metadata = b"cc=4," + msgpack({"response": {...headers...}, "vary": {...}}) like
cachecontrol's Serializer. Bodies: the real downloaded files; index pages are shortened
PEP 691 JSON pages listing the one file used. Dates are fixed so the output is stable.
"""
import hashlib
import json
import os
import sys

from pip._vendor import msgpack  # the serializer pip itself uses

OUT, DL = sys.argv[1], sys.argv[2]
DATE = "Sat, 01 Jun 2024 12:00:00 GMT"

FILES = {
    "docopt": ("docopt-0.6.2.tar.gz",
               "https://files.pythonhosted.org/packages/a2/55/"
               "8f8cab2afd404cf578136ef2cc5dfb50baa1761b68c9da1fb1e4eed343c9/docopt-0.6.2.tar.gz",
               "application/x-tar", "0.6.2"),
    "six": ("six-1.16.0-py2.py3-none-any.whl",
            "https://files.pythonhosted.org/packages/d9/5a/"
            "e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl",
            "binary/octet-stream", "1.16.0"),
}


def entry(pkg, url, body, headers):
    h = hashlib.sha224(url.encode()).hexdigest()
    d = os.path.join(OUT, "cache", pkg, "http-v2", *h[:5])
    os.makedirs(d, exist_ok=True)
    meta = {
        "response": {
            "body": b"",  # stored separately in .body
            "headers": headers,
            "status": 200,
            "version": 11,
            "reason": "OK",
            "decode_content": False,
        },
        "vary": {"Accept-Encoding": None} if "Vary" in headers else {},
    }
    with open(os.path.join(d, h), "wb") as f:
        f.write(b",".join([b"cc=4", msgpack.dumps(meta, use_bin_type=True)]))
    with open(os.path.join(d, h + ".body"), "wb") as f:
        f.write(body)


for pkg, (fname, url, ctype, version) in FILES.items():
    data = open(os.path.join(DL, fname), "rb").read()
    sha = hashlib.sha256(data).hexdigest()
    page = {
        "meta": {"_last-serial": 0, "api-version": "1.1"},
        "name": pkg,
        "versions": [version],
        "files": [{
            "filename": fname,
            "hashes": {"sha256": sha},
            "requires-python": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*" if pkg == "six" else None,
            "size": len(data),
            "upload-time": "2021-05-05T14:18:17.000000Z" if pkg == "six" else "2014-06-16T11:18:57.000000Z",
            "url": url,
            "yanked": False,
        }],
    }
    body = json.dumps(page, indent=None, separators=(",", ":")).encode()
    entry(pkg, f"https://pypi.org/simple/{pkg}/", body, {
        "Content-Type": "application/vnd.pypi.simple.v1+json",
        "Content-Length": str(len(body)),
        "Cache-Control": "max-age=600, public",
        "Date": DATE,
        "ETag": '"%s"' % hashlib.md5(body).hexdigest(),
        "Vary": "Accept-Encoding, Accept",
        "X-PyPI-Last-Serial": "0",
    })
    entry(pkg, url, data, {
        "Content-Type": ctype,
        "Content-Length": str(len(data)),
        "Cache-Control": "max-age=365000000, immutable, public",
        "Date": DATE,
        "Last-Modified": "Wed, 05 May 2021 14:18:18 GMT" if pkg == "six" else "Mon, 16 Jun 2014 11:18:57 GMT",
        "ETag": '"%s"' % hashlib.md5(data).hexdigest(),
        "Accept-Ranges": "bytes",
        "Age": "1234567",
    })
