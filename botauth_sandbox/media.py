"""X's v2 media upload, one shot or in segments, kept as sizes and digests, never as bytes.

Processing: FINALIZE of a video or GIF leaves it `pending`; each STATUS call then moves it one
state on, `pending` -> `in_progress` -> `succeeded` (or `failed` for a sandbox user flagged
`media_processing_fails`). Advancing per call rather than by the clock makes a client's polling
loop deterministic in tests, and `check_after_secs` (SANDBOX_MEDIA_CHECK_AFTER_SECS, default 1)
tells it how long X would have it wait.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from botauth_sandbox import conf, images, problems
from botauth_sandbox.bodies import Received
from botauth_sandbox.models import Media, MediaState, SandboxUser

MIB = 1024 * 1024
# X's limits per category (docs.x.com/x-api/media: image 5 MB, GIF 15 MB, video 512 MB); X does
# not document one for subtitles, so they get the image limit.
SIZE_LIMITS = {
    "tweet_image": 5 * MIB,
    "dm_image": 5 * MIB,
    "subtitles": 5 * MIB,
    "tweet_gif": 15 * MIB,
    "dm_gif": 15 * MIB,
    "tweet_video": 512 * MIB,
    "dm_video": 512 * MIB,
    "amplify_video": 512 * MIB,
}
SEGMENT_LIMIT = 5 * MIB
PROCESSED = frozenset({"tweet_gif", "dm_gif", "tweet_video", "dm_video", "amplify_video"})
ONE_SHOT = frozenset({"tweet_image", "dm_image", "subtitles"})
EXPIRES_AFTER = timedelta(days=1)
# The prefix of X's media keys: 3 photo, 7 video, 13 amplify video, 16 animated GIF.
KEY_PREFIXES = {"image": "3", "gif": "16", "video": "7", "amplify_video": "13"}
KINDS = {"image": "photo", "gif": "animated_gif", "video": "video", "amplify_video": "video"}
NEXT_STATE = {MediaState.PENDING: MediaState.IN_PROGRESS}


def initialize(
    *,
    owner: SandboxUser,
    media_type: str,
    total_bytes: int,
    media_category: str | None,
    additional_owners: list[str],
) -> Media:
    category = media_category or _category_for(media_type)
    _check_category(category, media_type)
    _check_size(category, total_bytes)
    return Media.objects.create(
        owner=owner,
        media_category=category,
        media_type=media_type,
        total_bytes=total_bytes,
        additional_owners=additional_owners,
    )


def upload(
    *,
    owner: SandboxUser,
    received: Received,
    media_category: str,
    media_type: str | None,
    additional_owners: list[str],
) -> Media:
    """The one-shot upload of an image or subtitles."""
    if media_category not in ONE_SHOT:
        raise _invalid(
            "media_category",
            media_category,
            f"Upload {media_category} media in segments: initialize, append, finalize.",
        )
    _check_size(media_category, received.size)
    info = images.sniff(received.head)
    return Media.objects.create(
        owner=owner,
        media_category=media_category,
        media_type=media_type or (info.image_type if info else ""),
        total_bytes=received.size,
        received_bytes=received.size,
        digest=received.sha256,
        width=info.width if info else None,
        height=info.height if info else None,
        additional_owners=additional_owners,
        state=MediaState.SUCCEEDED,
        finalized_at=timezone.now(),
    )


def append(*, owner: SandboxUser, media_id: str, segment_index: int, received: Received) -> Media:
    if not 0 <= segment_index <= 999:
        raise _invalid("segment_index", str(segment_index), "segment_index must be 0 to 999.")
    if received.size > SEGMENT_LIMIT:
        raise _invalid("media", media_id, f"Segment size exceeds {SEGMENT_LIMIT} bytes.")
    with transaction.atomic():
        media = _own(owner, media_id, lock=True)
        if media.state != MediaState.UPLOADING:
            raise _invalid("media_id", media_id, f"Media id [{media_id}] is already finalized.")
        media.segments[str(segment_index)] = [received.size, received.sha256]
        media.received_bytes = sum(size for size, _ in media.segments.values())
        if segment_index == 0 and (info := images.sniff(received.head)):
            media.width, media.height = info.width, info.height
        media.save(update_fields=["segments", "received_bytes", "width", "height"])
    return media


def finalize(*, owner: SandboxUser, media_id: str) -> Media:
    with transaction.atomic():
        media = _own(owner, media_id, lock=True)
        if media.state != MediaState.UPLOADING:
            return media
        indexes = sorted(int(index) for index in media.segments)
        if indexes != list(range(len(indexes))) or media.received_bytes != media.total_bytes:
            raise _invalid(
                "media_id", media_id, "Segments do not add up to provided total file size."
            )
        ordered = (media.segments[str(index)][1] for index in indexes)
        media.digest = hashlib.sha256("".join(ordered).encode()).hexdigest()
        processed = media.media_category in PROCESSED
        media.state = MediaState.PENDING if processed else MediaState.SUCCEEDED
        media.finalized_at = timezone.now()
        media.save(update_fields=["digest", "state", "finalized_at"])
    return media


def status(*, owner: SandboxUser, media_id: str) -> Media:
    """The upload's state, after moving its processing one step on."""
    media = _own(owner, media_id)
    if media.state == MediaState.UPLOADING:
        raise _invalid("media_id", media_id, f"Media id [{media_id}] is not finalized.")
    current = MediaState(media.state)
    after = NEXT_STATE.get(current)
    if current == MediaState.IN_PROGRESS:
        after = MediaState.FAILED if owner.media_processing_fails else MediaState.SUCCEEDED
    if after is not None:
        # Only one of two concurrent polls moves the state, so none is skipped.
        Media.objects.filter(pk=media.pk, state=current).update(state=after)
        media.refresh_from_db(fields=["state"])
    return media


def usable(*, user: SandboxUser, media_ids: list[str]) -> list[Media]:
    """The media a post by user may attach, or X's 400 when one of them may not be."""
    found = {
        media.media_id: media
        for media in Media.objects.filter(media_id__in=media_ids, state=MediaState.SUCCEEDED)
        if media.owner_id == user.pk or user.user_id in media.additional_owners
    }
    chosen = [found.get(media_id) for media_id in media_ids]
    fresh = [media for media in chosen if media is not None and not _expired(media)]
    kinds = [_kind(media) for media in fresh]
    mixed = len(fresh) > 1 and any(kind != "image" for kind in kinds)
    if len(fresh) != len(media_ids) or mixed:
        raise problems.invalid_request(
            problems.param_error("media.media_ids", media_ids, "Your media IDs are invalid.")
        )
    return fresh


def data(media: Media) -> dict[str, Any]:
    """The `data` of X's upload, FINALIZE and STATUS answers."""
    found: dict[str, Any] = {"id": media.media_id}
    if key := media_key(media):
        found["media_key"] = key
    found["size"] = media.total_bytes
    found["expires_after_secs"] = max(int((_expires_at(media) - timezone.now()).total_seconds()), 0)
    kind = _kind(media)
    if kind == "image" and media.width is not None and media.height is not None:
        found["image"] = {"image_type": media.media_type, "w": media.width, "h": media.height}
    if media.media_category in PROCESSED:
        found["processing_info"] = _processing(media)
    if kind in ("video", "amplify_video", "gif") and media.state == MediaState.SUCCEEDED:
        found["video"] = {"video_type": "video/mp4"}
    return found


def initialize_data(media: Media) -> dict[str, Any]:
    found: dict[str, Any] = {"id": media.media_id}
    if key := media_key(media):
        found["media_key"] = key
    found["expires_after_secs"] = int(EXPIRES_AFTER.total_seconds())
    return found


def append_data(media: Media) -> dict[str, Any]:
    return {"expires_at": int(_expires_at(media).timestamp())}


def media_key(media: Media) -> str:
    prefix = KEY_PREFIXES.get(_kind(media))
    return f"{prefix}_{media.media_id}" if prefix else ""


def media_object(media: Media) -> dict[str, Any]:
    """X's Media object, as a post's `includes.media` lists it."""
    found: dict[str, Any] = {"media_key": media_key(media), "type": KINDS.get(_kind(media), "")}
    if media.width is not None and media.height is not None:
        found.update(width=media.width, height=media.height)
    return found


def _processing(media: Media) -> dict[str, Any]:
    progress = {
        MediaState.PENDING: 0,
        MediaState.IN_PROGRESS: 50,
        MediaState.SUCCEEDED: 100,
        MediaState.FAILED: 100,
    }
    info: dict[str, Any] = {
        "state": media.state,
        "progress_percent": progress[MediaState(media.state)],
    }
    if media.state in (MediaState.PENDING, MediaState.IN_PROGRESS):
        info["check_after_secs"] = conf.media_check_after_secs()
    return info


def _kind(media: Media) -> str:
    return _kind_of(media.media_category)


def _kind_of(category: str) -> str:
    if category == "amplify_video":
        return "amplify_video"
    if category.endswith("_video"):
        return "video"
    if category.endswith("_gif"):
        return "gif"
    if category.endswith("_image"):
        return "image"
    return category


def _category_for(media_type: str) -> str:
    if media_type.startswith("video/"):
        return "tweet_video"
    if media_type == "image/gif":
        return "tweet_gif"
    if media_type.startswith("image/"):
        return "tweet_image"
    if media_type in ("text/srt", "text/vtt"):
        return "subtitles"
    raise _invalid("media_type", media_type, f"The sandbox takes no {media_type} uploads.")


def _check_category(category: str, media_type: str) -> None:
    family = {"video": "video/", "gif": "image/gif", "image": "image/", "subtitles": "text/"}
    wanted = family.get(_kind_of(category), "video/")
    if not media_type.startswith(wanted):
        raise _invalid(
            "media_type",
            media_type,
            f"media_type [{media_type}] cannot be uploaded as media_category [{category}].",
        )


def _check_size(category: str, size: int) -> None:
    limit = SIZE_LIMITS[category]
    if size > limit:
        raise _invalid("total_bytes", str(size), f"File size exceeds {limit} bytes.")


def _own(owner: SandboxUser, media_id: str, *, lock: bool = False) -> Media:
    rows = Media.objects.select_for_update() if lock else Media.objects.all()
    media = rows.filter(media_id=media_id, owner=owner).first()
    if media is None or _expired(media):
        raise _invalid(
            "media_id",
            media_id,
            f"Invalid media id [{media_id}]: it does not exist, has expired or is not yours.",
        )
    return media


def _expires_at(media: Media) -> datetime:
    return media.created_at + EXPIRES_AFTER


def _expired(media: Media) -> bool:
    return bool(_expires_at(media) <= timezone.now())


def _invalid(parameter: str, value: str, message: str) -> problems.Problem:
    return problems.invalid_parameter(parameter, value, message)
