"""A requests transport that serves the sandbox in this process: X without a server.

Each request becomes a Django request handled by django.test.Client, whose handler keeps the
test's database connection open (a real server would close it at the end of each request), so
the sandbox sees the rows of the test's transaction and its writes are rolled back with it.
"""

from __future__ import annotations

import io
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import connections
from django.test import Client
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPResponse

# Set by requests or by the WSGI environment itself, not passed on as HTTP_* headers.
SKIPPED = {"content-type", "content-length", "host"}


class InProcessAdapter(HTTPAdapter):
    """Serves requests under `base` with this project's URLconf; refuses any other URL."""

    def __init__(self, base: str, *, owner: int | None = None) -> None:
        super().__init__()
        self.base = base.rstrip("/") + "/"
        self.client = Client()
        self.owner = threading.get_ident() if owner is None else owner
        self.owner_connections = [connections[alias] for alias in connections]
        # One request at a time: on SQLite, concurrent writers to a shared in-memory test
        # database fail at once ("table is locked") instead of waiting.
        self.lock = threading.Lock()

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        if not url.startswith(self.base):
            # Nothing leaves the process while x_sandbox is active, least of all a call to X.
            raise requests.ConnectionError(
                f"x_sandbox serves X from the sandbox at {self.base} and refuses {url}.",
                request=request,
            )
        if threading.get_ident() != self.owner and any(
            connection.in_atomic_block for connection in self.owner_connections
        ):
            raise requests.ConnectionError(
                "x_sandbox was asked from another thread while the test's database is a "
                "transaction (the db fixture), whose rows no other thread sees: use "
                "transactional_db in tests whose code calls X from threads (verify_bot_tokens).",
                request=request,
            )
        with self.lock:
            return self._serve(request, url)

    def _serve(self, request: requests.PreparedRequest, url: str) -> requests.Response:
        parts = urlsplit(url)
        # WSGI hands Django str headers; requests-oauthlib sets Authorization as bytes.
        sent = {
            name: value.decode("latin-1") if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        headers = {name: value for name, value in sent.items() if name.lower() not in SKIPPED}
        response = self.client.generic(
            request.method or "GET",
            f"{parts.path}?{parts.query}" if parts.query else parts.path,
            data=_body_bytes(request.body),
            content_type=CaseInsensitiveDict(sent).get("Content-Type", "application/octet-stream"),
            secure=parts.scheme == "https",
            headers=headers,
            HTTP_HOST=parts.netloc,
        )
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
            if response.streaming
            else response.content
        )
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers=dict(response.items()),
            status=response.status_code,
            reason=response.reason_phrase,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=url,
        )
        return self.build_response(request, raw)


def _body_bytes(body: Any) -> bytes:
    # Streamed uploads arrive as a file or a generator of chunks; the test client wants bytes.
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else chunk for chunk in body)
