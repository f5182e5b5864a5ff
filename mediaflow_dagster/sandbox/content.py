"""What the n8n workflows produce: post copy, and small media files of the right formats."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any

IMAGE_SIDE_PIXELS = 8
MP3_FRAME_HEADER = bytes.fromhex("FFFB9064")  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
MP3_FRAME_BYTES = 417
MAX_TOPIC_HASHTAGS = 3


@dataclass(frozen=True)
class PostCopy:
    text: str
    hashtags: list[str]


@dataclass(frozen=True)
class MediaFile:
    name: str
    mime_type: str
    data: bytes


def post_copy(object_id: int, config: dict[str, Any]) -> PostCopy:
    title, topic = config.get("title"), config.get("topic")
    subject = " on ".join(str(part) for part in (title, topic) if part) or f"story #{object_id}"
    words = re.findall(r"[A-Za-z0-9]+", str(topic or title or ""))
    hashtags = [f"#{word.lower()}" for word in words if len(word) > 3][:MAX_TOPIC_HASHTAGS]
    return PostCopy(
        text=f"New: {subject}. Take a look and tell us what you think in the comments!",
        hashtags=[*hashtags, "#mediaflow"],
    )


def media_file(object_type: str, object_id: int, sources: list[Any]) -> MediaFile:
    seed = hashlib.sha256(json.dumps([object_id, sources], sort_keys=True).encode()).digest()
    if object_type == "image":
        return MediaFile("image.png", "image/png", png_image(seed))
    if object_type == "video":
        return MediaFile("video.mp4", "video/mp4", mp4_video(seed))
    if object_type == "audio":
        return MediaFile("audio.mp3", "audio/mpeg", mp3_audio(seed))
    raise ValueError(f"no media file for {object_type!r}")


def png_image(seed: bytes) -> bytes:
    """A small square of one colour taken from the seed."""
    row = b"\x00" + seed[:3] * IMAGE_SIDE_PIXELS
    header = struct.pack(">IIBBBBB", IMAGE_SIDE_PIXELS, IMAGE_SIDE_PIXELS, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row * IMAGE_SIDE_PIXELS))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def mp4_video(seed: bytes) -> bytes:
    """An ISO base media file: an `ftyp` box and an `mdat` box of seed-derived bytes."""
    return _mp4_box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41") + _mp4_box(
        b"mdat", b"".join(hashlib.sha256(seed + bytes([n])).digest() for n in range(32))
    )


def _mp4_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp3_audio(seed: bytes) -> bytes:
    """An empty ID3v2 tag and a few silent MPEG audio frames, as many as the seed says."""
    frame = MP3_FRAME_HEADER + bytes(MP3_FRAME_BYTES - len(MP3_FRAME_HEADER))
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + frame * (8 + seed[0] % 8)
