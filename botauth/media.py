"""Media for X's v2 upload: X's limits, reading the file, and the Media object X hands back.

What a file is lives in botauth.mediatypes, the HTTP side in botauth.client.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from botauth.exceptions import (
    MediaError,
    MediaTooLargeError,
    UnsupportedMediaError,
    XRejectedError,
)
from botauth.mediatypes import HEAD_BYTES

MIB = 1024 * 1024

# X's documented upload limits (https://docs.x.com/x-api/media, "Media types & size
# restrictions": image 5 MB, GIF 15 MB, video 512 MB). Read as MiB, the loosest reading, so that
# botauth never refuses a file X takes; X answers 400 itself for what it refuses beyond that.
SIZE_LIMITS: dict[str, int] = {
    "tweet_image": 5 * MIB,
    "dm_image": 5 * MIB,
    "tweet_gif": 15 * MIB,
    "dm_gif": 15 * MIB,
    "tweet_video": 512 * MIB,
    "dm_video": 512 * MIB,
    "amplify_video": 512 * MIB,
}
# InitializeMediaUploadRequest.media_category in X's spec 2.167; subtitles have no documented limit.
CATEGORIES = frozenset({*SIZE_LIMITS, "subtitles"})
# The categories the one-shot POST /2/media/upload takes without processing; GIFs and videos are
# processed asynchronously, so they go through initialize/append/finalize and STATUS.
ONE_SHOT_CATEGORIES = frozenset({"tweet_image", "dm_image", "subtitles"})
ONE_SHOT_MAX_BYTES = 5 * MIB

# An APPEND segment is at most 5 MB (X's APPEND reference) and segment_index runs 0..999 (spec).
MAX_SEGMENT_BYTES = 5 * MIB
MAX_SEGMENTS = 1000
DEFAULT_SEGMENT_BYTES = 4 * MIB

# Seconds botauth waits for X's processing, and STATUS calls it makes, before giving up.
PROCESSING_TIMEOUT = 600.0
MAX_STATUS_CHECKS = 200

MEDIA_ID = re.compile(r"[0-9]{1,19}")
USER_ID = re.compile(r"[0-9]{1,19}")


def check_upload(*, filename: str, size: int, category: str) -> None:
    """Refuse before any request what X would refuse after the whole file was sent."""
    if category not in CATEGORIES:
        raise UnsupportedMediaError(
            f"{category!r} is not an X media category; use one of {', '.join(sorted(CATEGORIES))}."
        )
    if size <= 0:
        raise MediaError(f"{filename!r} is empty: there is nothing to upload.")
    limit = SIZE_LIMITS.get(category)
    if limit is not None and size > limit:
        raise MediaTooLargeError(
            f"{filename!r} is {size / MIB:.1f} MiB; X takes at most {limit // MIB} MiB for "
            f"{category}. Compress or shorten it first.",
            size=size,
            limit=limit,
            category=category,
        )


def needs_chunked(*, category: str, size: int) -> bool:
    return category not in ONE_SHOT_CATEGORIES or size > ONE_SHOT_MAX_BYTES


def segment_bytes(size: int, requested: int = DEFAULT_SEGMENT_BYTES) -> int:
    """Bytes per APPEND: as asked, within X's 5 MB, and large enough for at most 1,000 segments."""
    smallest = math.ceil(size / MAX_SEGMENTS)
    if smallest > MAX_SEGMENT_BYTES:
        raise MediaTooLargeError(
            f"{size} bytes do not fit in X's {MAX_SEGMENTS} segments of at most "
            f"{MAX_SEGMENT_BYTES // MIB} MiB.",
            size=size,
            limit=MAX_SEGMENTS * MAX_SEGMENT_BYTES,
            category="",
        )
    return max(min(requested, MAX_SEGMENT_BYTES), smallest, 1)


def owners(additional_owners: Iterable[str | int] | str | None) -> list[str]:
    """X user ids, from a list or a comma-separated string (tweepy's v1.1 took both)."""
    if additional_owners is None:
        return []
    if isinstance(additional_owners, str):
        additional_owners = additional_owners.split(",")
    ids = [str(owner).strip() for owner in additional_owners]
    bad = [owner for owner in ids if not USER_ID.fullmatch(owner)]
    if bad:
        raise MediaError(f"additional_owners must be X user ids (digits); got {bad!r}.")
    return ids


def _optional(data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise XRejectedError(f"X sent a media object whose {key!r} is not a {kind.__name__}.")
    return value


@dataclass(frozen=True)
class Media:
    """An upload X accepted. Pass ``media_id`` to ``create_tweet(media_ids=[...])``.

    The fields are X's, as X returned them (``MediaUploadResponse`` and friends in X's spec).
    """

    media_id: str
    media_key: str | None = None
    size: int | None = None
    expires_after_secs: int | None = None
    processing_info: dict[str, Any] | None = field(default=None, hash=False)
    image: dict[str, Any] | None = field(default=None, hash=False)
    video: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def state(self) -> str | None:
        """X's processing state (pending, in_progress, succeeded, failed), or None."""
        state = (self.processing_info or {}).get("state")
        return state if isinstance(state, str) else None

    @classmethod
    def from_response(cls, body: Mapping[str, Any]) -> Media:
        """The Media in an answer's ``data``, after checking every field X sent."""
        data = body.get("data")
        if not isinstance(data, dict):
            raise XRejectedError(f"X sent no media object: {(_problems(body) or repr(body))[:300]}")
        media_id = data.get("id")
        if not isinstance(media_id, str) or not MEDIA_ID.fullmatch(media_id):
            raise XRejectedError(f"X sent a media id that is not 1 to 19 digits: {media_id!r:.40}")
        return cls(
            media_id=media_id,
            media_key=_optional(data, "media_key", str),
            size=_optional(data, "size", int),
            expires_after_secs=_optional(data, "expires_after_secs", int),
            processing_info=_optional(data, "processing_info", dict),
            image=_optional(data, "image", dict),
            video=_optional(data, "video", dict),
        )


def _problems(body: Mapping[str, Any]) -> str:
    errors = body.get("errors")
    if not isinstance(errors, list):
        return ""
    texts = [
        str(e.get("detail") or e.get("message") or e.get("title") or "")
        for e in errors
        if isinstance(e, dict)
    ]
    return "; ".join(t for t in texts if t)


def failure(body: Mapping[str, Any], media: Media) -> tuple[str, str]:
    """X's name and message for a failed processing: processing_info.error, else errors[]."""
    error = (media.processing_info or {}).get("error")
    if isinstance(error, dict):
        return str(error.get("name") or ""), str(error.get("message") or "")
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    if isinstance(first, dict):
        return str(first.get("title") or ""), _problems(body)
    return "", ""


def measure(fp: IO[bytes], filename: str) -> tuple[int, bytes]:
    """The bytes left from the file's position, and its first ones; the position is kept."""
    try:
        start = fp.tell()
        head = fp.read(HEAD_BYTES)
        end = fp.seek(0, 2)
        fp.seek(start)
    except (OSError, AttributeError, ValueError) as err:
        raise MediaError(
            f"{filename!r} cannot be measured: give media_upload a path or a seekable file "
            "opened in binary mode."
        ) from err
    if not isinstance(head, bytes):
        raise MediaError(f"{filename!r} is open in text mode: open it with 'rb'.")
    return end - start, head


def read_exactly(fp: IO[bytes], count: int, filename: str) -> bytes:
    chunk = fp.read(count)
    while len(chunk) < count:
        more = fp.read(count - len(chunk))
        if not more:
            raise MediaError(f"{filename!r} shrank while it was being uploaded; upload it again.")
        chunk += more
    return chunk


def check_after(info: dict[str, Any]) -> float:
    # At least a second: a missing, zero or negative check_after_secs must not spin.
    value = info.get("check_after_secs")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 1.0
    return float(max(value, 1))


def check_same_media(body: dict[str, Any], media_id: str) -> None:
    data = body.get("data")
    if isinstance(data, dict) and data.get("id") not in (None, media_id):
        raise XRejectedError(
            f"X answered about media {data.get('id')!r:.40} while botauth uploaded {media_id}."
        )
