"""What a file is, for X: its media type from its first bytes or its name, and the category X
files that type under in a Post."""

from __future__ import annotations

from pathlib import PurePath

from botauth.exceptions import UnsupportedMediaError

# InitializeMediaUploadRequest.media_type in X's spec 2.167.
MEDIA_TYPES = frozenset(
    {
        "video/mp4",
        "video/webm",
        "video/mp2t",
        "video/quicktime",
        "text/srt",
        "text/vtt",
        "image/jpeg",
        "image/gif",
        "image/bmp",
        "image/png",
        "image/webp",
        "image/pjpeg",
        "image/tiff",
        "model/gltf-binary",
        "model/vnd.usdz+zip",
    }
)
EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".ts": "video/mp2t",
    ".srt": "text/srt",
    ".vtt": "text/vtt",
    ".glb": "model/gltf-binary",
    ".usdz": "model/vnd.usdz+zip",
}
HEAD_BYTES = 512


def sniff(head: bytes) -> str | None:
    """The media type that a file's first bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm"
    if len(head) > 188 and head[0] == head[188] == 0x47:
        return "video/mp2t"
    if head.removeprefix(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return "text/vtt"
    if head.startswith(b"glTF"):
        return "model/gltf-binary"
    if head.startswith(b"BM") and head[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    return None


def media_type_of(filename: str, head: bytes) -> str:
    """The file's media type: its first bytes first, then its extension."""
    media_type = sniff(head) or EXTENSIONS.get(PurePath(filename).suffix.lower())
    if media_type is None:
        raise UnsupportedMediaError(
            f"{filename!r} is not a media type X takes (JPEG, PNG, GIF, WebP, BMP, TIFF, MP4, "
            "MOV, WebM, MPEG-TS, SRT, WebVTT): convert it, or pass media_type= if it is one."
        )
    return media_type


def category_of(media_type: str) -> str:
    """The category X files a media type under in a Post."""
    if media_type not in MEDIA_TYPES:
        raise UnsupportedMediaError(
            f"X takes no media of type {media_type!r}; it takes {', '.join(sorted(MEDIA_TYPES))}."
        )
    if media_type == "image/gif":
        return "tweet_gif"
    if media_type.startswith("image/"):
        return "tweet_image"
    if media_type.startswith("video/"):
        return "tweet_video"
    if media_type.startswith("text/"):
        return "subtitles"
    raise UnsupportedMediaError(
        f"X files {media_type!r} under no Post category: pass media_category= to upload it."
    )
