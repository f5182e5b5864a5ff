"""What the n8n workflows produce: post copy, and small media files of the right formats."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

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
    facets: dict[str, Any] = field(default_factory=dict)


def post_copy(object_id: int, config: dict[str, Any]) -> PostCopy:
    title, topic = config.get("title"), config.get("topic")
    subject = " on ".join(str(part) for part in (title, topic) if part) or f"story #{object_id}"
    words = re.findall(r"[A-Za-z0-9]+", str(topic or title or ""))
    hashtags = [f"#{word.lower()}" for word in words if len(word) > 3][:MAX_TOPIC_HASHTAGS]
    return PostCopy(
        text=f"New: {subject}. Take a look and tell us what you think in the comments!",
        hashtags=[*hashtags, "#mediaflow"],
    )


def media_file(
    object_type: str, object_id: int, sources: list[Any], config: dict[str, Any]
) -> MediaFile:
    """The file a workflow renders, at the size and duration its config asks (a portrait
    1080x1350 picture, a 30 s 1080x1920 H.264 clip by default). Graph reports a video's facts
    from the file; these stand-in clips carry them as the facets Graph would report."""
    seed = _seed(object_id, sources)
    if object_type == "image":
        width, height = config.get("width", 1080), config.get("height", 1350)
        return MediaFile("image.jpg", "image/jpeg", jpeg_image(seed, width, height))
    if object_type == "video":
        facets = {
            "video": {
                "duration": int(config.get("duration_seconds", 30) * 1000),
                "width": config.get("width", 1080),
                "height": config.get("height", 1920),
                "fourCC": "avc1",
                "frameRate": 30,
            }
        }
        video = facets["video"]
        data = encoded_video(seed, video["width"], video["height"], video["duration"] / 1000)
        return MediaFile("video.mp4", "video/mp4", data, facets)
    if object_type == "audio":
        facets = {"audio": {"duration": int(config.get("duration_seconds", 20) * 1000)}}
        return MediaFile("audio.mp3", "audio/mpeg", mp3_audio(seed), facets)
    raise ValueError(f"no media file for {object_type!r}")


def rendition_file(object_id: int, sources: list[Any], rendition: dict[str, Any]) -> MediaFile:
    """A picture made for one platform, at the size it asked for."""
    seed = _seed(object_id, sources)
    picture = jpeg_image(seed, rendition["width"], rendition["height"])
    return MediaFile(f"{rendition['platform']}.jpg", "image/jpeg", picture)


def _seed(object_id: int, sources: list[Any]) -> bytes:
    """What a stand-in file's bytes derive from: the same request always makes the same file."""
    return hashlib.sha256(json.dumps([object_id, sources], sort_keys=True).encode()).digest()


def jpeg_image(seed: bytes, width: int, height: int) -> bytes:
    """A JPEG picture of one colour taken from the seed (Pillow)."""
    output = io.BytesIO()
    Image.new("RGB", (width, height), tuple(seed[:3])).save(output, "JPEG", quality=80)
    return output.getvalue()


def encoded_video(seed: bytes, width: int, height: int, duration_seconds: float) -> bytes:
    """A real H.264 clip of one colour when ffmpeg is installed (so ffprobe reads what Graph
    reports), else `mp4_video`'s stand-in."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return mp4_video(seed)
    colour = seed[:3].hex()
    completed = subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c=0x{colour}:s={width}x{height}:r=30:d={duration_seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "stillimage",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+frag_keyframe+empty_moov",
            "-f",
            "mp4",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    )
    return completed.stdout


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
