"""Token values shaped like X's, and the digests and prefixes the sandbox keeps instead."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

PREFIX_LENGTH = 8


def new_value(kind: str) -> str:
    # X's codes and tokens are base64 of "<random>:<unix ms>:1:<0|1>:<ac|at|rt>:1".
    flag = "1" if kind == "ac" else "0"
    raw = f"{secrets.token_urlsafe(33)}:{int(time.time() * 1000)}:1:{flag}:{kind}:1"
    return base64.b64encode(raw.encode()).decode().rstrip("=")


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def prefix(value: str) -> str:
    return value[:PREFIX_LENGTH]
