"""X's v2 media endpoints at the HTTP boundary, in the shapes of X's spec 2.167 and its quickstart
(../shared/x-api/ENDPOINTS.md), and what a test needs to read the requests botauth sends."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import responses
from oauthlib.common import Request
from oauthlib.oauth1.rfc5849 import signature, utils
from responses import matchers

from tests import spec, xmock

UPLOAD_URL = f"{xmock.API}/2/media/upload"
MEDIA_ID = "1880028106020515840"
MEDIA_KEY = f"13_{MEDIA_ID}"
CONSUMER_SECRET = "test-consumer-secret"
# Spec 2.167 types the problems inside a 200's errors[]; X's top-level problems may be about:blank.
INVALID_REQUEST = "https://api.x.com/2/problems/invalid-request"

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + bytes(200)
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)) * 40


def urls(base: str = xmock.API) -> dict[str, str]:
    upload = f"{base}/2/media/upload"
    return {
        "upload": upload,
        "initialize": f"{upload}/initialize",
        "append": f"{upload}/{MEDIA_ID}/append",
        "finalize": f"{upload}/{MEDIA_ID}/finalize",
    }


def one_shot_answer(*, size: int, image_type: str = "image/png") -> dict[str, Any]:
    body = {
        "data": {
            "id": MEDIA_ID,
            "media_key": MEDIA_KEY,
            "size": size,
            "expires_after_secs": 86400,
            "image": {"image_type": image_type, "w": 16, "h": 16},
        }
    }
    spec.validate("MediaUploadResponse", body)
    return body


def initialize_answer(media_id: str = MEDIA_ID) -> dict[str, Any]:
    body = {"data": {"id": media_id, "media_key": f"13_{media_id}", "expires_after_secs": 1295999}}
    spec.validate("InitializeMediaUploadResponse", body)
    return body


def append_answer() -> dict[str, Any]:
    body = {"data": {"expires_at": 1767225600}}
    spec.validate("AppendMediaUploadResponse", body)
    return body


def finalize_answer(*, size: int, state: str | None = "pending", after: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": MEDIA_ID,
        "media_key": MEDIA_KEY,
        "size": size,
        "expires_after_secs": 86400,
    }
    if state is not None:
        data["processing_info"] = {"state": state, "check_after_secs": after}
    body = {"data": data}
    spec.validate("FinalizeMediaUploadResponse", body)
    return body


def status_answer(
    state: str, *, size: int, after: int | None = 1, progress: int | None = None
) -> dict[str, Any]:
    info: dict[str, Any] = {"state": state}
    if after is not None and state in ("pending", "in_progress"):
        info["check_after_secs"] = after
    if progress is not None:
        info["progress_percent"] = progress
    data: dict[str, Any] = {
        "id": MEDIA_ID,
        "media_key": MEDIA_KEY,
        "size": size,
        "expires_after_secs": 86400,
        "processing_info": info,
    }
    if state == "succeeded":
        data["video"] = {"video_type": "video/mp4"}
    body = {"data": data}
    spec.validate("GetMediaUploadStatusResponse", body)
    return body


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> dict[str, Any]:
    body = {"title": title, "detail": detail, "type": type_, "status": status}
    spec.validate_problem(body)
    return body


def chunked(
    rsps: responses.RequestsMock,
    *,
    size: int,
    segments: int,
    states: tuple[str, ...] = ("in_progress", "succeeded"),
    finalize_state: str | None = "pending",
    base: str = xmock.API,
) -> None:
    """initialize, `segments` appends, finalize, then one STATUS answer per state."""
    at = urls(base)
    rsps.post(at["initialize"], json=initialize_answer())
    for _ in range(segments):
        rsps.post(at["append"], json=append_answer())
    rsps.post(at["finalize"], json=finalize_answer(size=size, state=finalize_state))
    for state in states:
        rsps.get(
            at["upload"],
            json=status_answer(state, size=size),
            match=[matchers.query_param_matcher({"command": "STATUS", "media_id": MEDIA_ID})],
        )


def multipart(request: Any) -> list[tuple[str, str | None, str | None, bytes]]:
    """(name, filename, content type, bytes) of each part of a multipart/form-data body."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary="), content_type
    boundary = content_type.split("boundary=", 1)[1].encode()
    body: bytes = request.body
    assert body.startswith(b"--" + boundary + b"\r\n")
    assert body.endswith(b"\r\n--" + boundary + b"--\r\n")
    parts = []
    for raw in body[: -len(boundary) - 6].split(b"--" + boundary + b"\r\n")[1:]:
        head, _, payload = raw.partition(b"\r\n\r\n")
        assert payload.endswith(b"\r\n")
        headers = dict(
            line.decode().split(": ", 1) for line in head.split(b"\r\n") if b": " in line
        )
        disposition = headers["Content-Disposition"]
        name = re.search(r'; name="([^"]*)"', disposition)
        filename = re.search(r'; filename="([^"]*)"', disposition)
        assert name is not None
        parts.append(
            (
                name.group(1),
                filename.group(1) if filename else None,
                headers.get("Content-Type"),
                payload[:-2],
            )
        )
    return parts


def fields(request: Any) -> dict[str, bytes]:
    return {name: payload for name, _, _, payload in multipart(request)}


def oauth1_signature_valid(
    request: Any, *, token_secret: str, body: Any = None, consumer_secret: str = CONSUMER_SECRET
) -> bool:
    """Recompute the request's HMAC-SHA1 signature as oauthlib (the sandbox) does.

    `body` is what counts as body parameters: None for a JSON or multipart body (RFC 5849
    3.4.1.3.1: only a form-urlencoded body is signed), the raw body as a string to let oauthlib
    decide, or a list of pairs to sign them anyway.
    """
    header = request.headers["Authorization"]
    assert header.startswith("OAuth "), header
    oauth = dict(utils.parse_authorization_header(header))
    assert oauth["oauth_signature_method"] == "HMAC-SHA1"
    params = signature.collect_parameters(
        uri_query=urlsplit(request.url).query,
        body=body,
        headers={"Authorization": header},
        exclude_oauth_signature=True,
    )
    checked = Request(request.url, http_method=request.method)
    checked.params = params
    checked.signature = utils.unescape(oauth["oauth_signature"])
    return bool(signature.verify_hmac_sha1(checked, consumer_secret, token_secret))
