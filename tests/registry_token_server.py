#!/usr/bin/env python3
"""A Bearer token server for the registry tests (distribution's token auth,
docs/spec/auth/token.md): RS256 JWTs signed by a throwaway key whose
certificate it writes for the registry's `rootcertbundle`.

Anyone gets `pull`; `push` needs HTTP Basic tester:s3cret.

Usage: registry_token_server.py DIR SERVICE ISSUER
Writes DIR/token.crt, listens on 127.0.0.1:0 and prints the port on stdout.
Exits when stdin closes (the test holds it), so it never outlives the test.
"""
import base64
import datetime
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

DIR, SERVICE, ISSUER = sys.argv[1], sys.argv[2], sys.argv[3]
USERS = {"tester": "s3cret"}

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "layerscope-test-token")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (
    x509.CertificateBuilder()
    .subject_name(name)
    .issuer_name(name)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(minutes=5))
    .not_valid_after(now + datetime.timedelta(days=1))
    .sign(key, hashes.SHA256())
)
with open(os.path.join(DIR, "token.crt"), "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
X5C = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(claims):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [X5C]}
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing + "." + b64url(sig)


def user_of(headers):
    auth = headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
    except Exception:
        return None
    return user if USERS.get(user) == password else None


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        user = user_of(self.headers)
        if "Authorization" in self.headers and user is None:
            self.send_response(401)
            self.end_headers()
            return
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            wanted = parts[2].split(",")
            granted = [a for a in wanted if a == "pull" or (user and a in ("push", "*"))]
            access.append({"type": "repository", "name": parts[1], "actions": granted})
        t = int(time.time())
        token = jwt({
            "iss": ISSUER, "sub": user or "", "aud": SERVICE,
            "exp": t + 300, "nbf": t - 10, "iat": t, "jti": uuid.uuid4().hex,
            "access": access,
        })
        body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
