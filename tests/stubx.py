"""A stand-in for X on 127.0.0.1 that other processes can reach: OAuth 2.0 refresh and posting.

It rotates refresh tokens single use, as X does, counts every refresh it is asked for, and takes
a post only with an access token it issued that has not expired.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests import xtoken


@dataclass
class StubX:
    refresh_token: str
    # access token -> expiry (time.time())
    access_tokens: dict[str, float] = field(default_factory=dict)
    ttl: float = 7200.0
    refresh_delay: float = 0.3
    refresh_calls: int = 0
    refused: int = 0
    posts: int = 0
    rejected_posts: int = 0
    issued: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def token(self, body: dict[str, str]) -> tuple[int, dict[str, Any]]:
        time.sleep(self.refresh_delay)  # X's round trip: the window two workers could race in
        with self.lock:
            self.refresh_calls += 1
            if body.get("grant_type") != "refresh_token" or body.get("refresh_token") != (
                self.refresh_token
            ):
                self.refused += 1
                return 400, xtoken.INVALID_TOKEN
            access = "A" + secrets.token_urlsafe(30)
            self.refresh_token = "R" + secrets.token_urlsafe(30)
            self.access_tokens[access] = time.time() + self.ttl
            self.issued.append(self.refresh_token)
            answer = {
                "token_type": "bearer",
                "expires_in": int(self.ttl),
                "access_token": access,
                "scope": xtoken.SCOPES,
                "refresh_token": self.refresh_token,
            }
        xtoken.check_answer_shape(answer)
        return 200, answer

    def post(self, authorization: str) -> tuple[int, dict[str, Any]]:
        token = authorization.removeprefix("Bearer ")
        with self.lock:
            if self.access_tokens.get(token, 0) <= time.time():
                self.rejected_posts += 1
                return 401, xtoken.UNAUTHORIZED
            self.posts += 1
            number = self.posts
        post_id = str(1456012973835788293 + number)
        return 201, {"data": {"id": post_id, "text": "race"}}


def _handler(stub: StubX) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.path == "/2/oauth2/token":
                status, answer = stub.token(dict(parse_qsl(body)))
            elif self.path == "/2/tweets":
                status, answer = stub.post(self.headers.get("Authorization", ""))
            else:
                status, answer = 404, {"title": "Not Found", "type": "about:blank"}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(stub: StubX) -> Iterator[StubX]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
