#!/usr/bin/env python3
"""Prints "USER_ID TOKEN" lines: HS256 JWTs for benchmark users, the claims `sigmaris token --user`
signs (aud and role "authenticated", sub, iat, exp), signed with SUPABASE_JWT_SECRET.

  SUPABASE_JWT_SECRET=... mint_tokens.py LIFETIME_SECONDS < user-ids

`sigmaris token` starts a process per token (about 0.1 s each on a busy 2-core machine); the
benchmarks need up to 10,000, so they are signed here, in one process.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def main():
    secret = os.environ["SUPABASE_JWT_SECRET"].encode()
    lifetime = int(sys.argv[1])
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    for line in sys.stdin:
        user = line.strip()
        if not user:
            continue
        claims = {"aud": "authenticated", "exp": now + lifetime, "iat": now, "role": "authenticated", "sub": user}
        signing_input = header + b"." + b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())
        print(user, (signing_input + b"." + signature).decode())


if __name__ == "__main__":
    main()
