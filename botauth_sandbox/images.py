"""An image's type and size from its first bytes, as X reports them after an upload."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageInfo:
    image_type: str
    width: int
    height: int


def sniff(head: bytes) -> ImageInfo | None:
    """PNG, GIF and JPEG dimensions from the start of the file; None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        # PNG caps dimensions at 2**31 - 1; anything larger is not a real header.
        if 0 < width < 2**31 and 0 < height < 2**31:
            return ImageInfo("image/png", width, height)
        return None
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return ImageInfo("image/gif", width, height)
    if head.startswith(b"\xff\xd8"):
        return _jpeg(head)
    return None


# Start-of-frame markers carry the dimensions; the others (DHT 0xC4, JPG 0xC8, DAC 0xCC) do not.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(head: bytes) -> ImageInfo | None:
    at = 2
    while at + 9 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", head[at + 2 : at + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return ImageInfo("image/jpeg", width, height)
        at += 2 + length
    return None
