"""Request bodies read the way an upload of 512 MiB needs: streamed, counted, hashed, dropped.

The sandbox keeps no media bytes. A multipart file part goes through `DigestingUploadHandler`,
which sees it chunk by chunk and keeps its size, its sha256 and its first 64 KiB (enough to read
an image's dimensions); nothing else is held in memory or written to disk, whatever Django's
FILE_UPLOAD_MAX_MEMORY_SIZE says. A JSON body is read up to a bound and refused past it, instead
of through `request.body`, which DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default) would refuse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict

from botauth_sandbox import problems

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Received:
    """What the sandbox keeps of an uploaded chunk of media."""

    size: int
    sha256: str
    head: bytes

    @classmethod
    def of(cls, data: bytes) -> Received:
        return cls(size=len(data), sha256=hashlib.sha256(data).hexdigest(), head=data[:HEAD_BYTES])


class DigestedFile(UploadedFile):  # type: ignore[type-arg]
    def __init__(self, *, name: str, content_type: str | None, received: Received) -> None:
        super().__init__(
            io.BytesIO(received.head), name=name, content_type=content_type, size=received.size
        )
        self.received = received


class DigestingUploadHandler(FileUploadHandler):
    """Counts and hashes each file part as it streams in, keeping only its head."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = bytearray()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._hash.update(raw_data)
        self._size += len(raw_data)
        if len(self._head) < HEAD_BYTES:
            self._head += raw_data[: HEAD_BYTES - len(self._head)]
        return None

    def file_complete(self, file_size: int) -> DigestedFile | None:
        received = Received(size=self._size, sha256=self._hash.hexdigest(), head=bytes(self._head))
        return DigestedFile(
            name=self.file_name or "", content_type=self.content_type, received=received
        )


@dataclass(frozen=True)
class Form:
    fields: QueryDict
    files: MultiValueDict[str, Any]

    def media(self) -> Received | None:
        """The `media` part: a file part, or a field holding base64 (or, failing that, text)."""
        part = self.files.get("media")
        if isinstance(part, DigestedFile):
            return part.received
        if isinstance(part, UploadedFile):
            return _digest(part)
        text = self.fields.get("media")
        if text is None:
            return None
        try:
            return Received.of(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            return Received.of(text.encode())

    def names(self) -> set[str]:
        return set(self.fields) | set(self.files)


def form(request: HttpRequest) -> Form:
    """A multipart or form-encoded body, file parts digested rather than stored."""
    if not hasattr(request, "_files"):
        # Only before Django has parsed the body; a middleware reading request.POST first would
        # have parsed it with the default handlers (to memory or disk), which still works.
        request.upload_handlers = [DigestingUploadHandler(request)]
    try:
        return Form(fields=request.POST, files=request.FILES)
    except RequestDataTooBig as err:
        raise problems.invalid_request(
            {
                "message": (
                    "A form field is larger than DATA_UPLOAD_MAX_MEMORY_SIZE. Send media as a "
                    "file part (with a filename), as curl -F media=@file and requests' files= do."
                )
            }
        ) from err
    except (MultiPartParserError, TooManyFieldsSent) as err:
        raise problems.invalid_request(
            {"message": f"The request body is malformed: {err}"}
        ) from err


def _digest(part: UploadedFile) -> Received:  # type: ignore[type-arg]
    sha = hashlib.sha256()
    head = b""
    for chunk in part.chunks():
        sha.update(chunk)
        head = head or chunk[:HEAD_BYTES]
    return Received(size=part.size or 0, sha256=sha.hexdigest(), head=head)


def is_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def json_object(request: HttpRequest, *, limit: int) -> dict[str, Any]:
    """The JSON object in the body, read up to limit bytes; anything else is X's 400."""
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise problems.invalid_request(
            {"message": f"The request body is larger than the {limit} bytes accepted here."}
        )
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, ValueError) as err:
        raise problems.invalid_request({"message": "Request body is not valid JSON."}) from err
    if not isinstance(body, dict):
        raise problems.invalid_request({"message": "$: a JSON object is expected"})
    return body


def base64_media(text: str) -> Received:
    try:
        return Received.of(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as err:
        raise problems.invalid_request(
            {"parameters": {"media": ["<base64>"]}, "message": "$.media: is not valid base64"}
        ) from err
