"""What a media file really is, read from the file itself: Pillow for pictures, ffprobe for video
and audio. The facts feed the same spec checks as the facts Graph reports."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from mediaflow_dagster.specs.facts import MediaFacts

FFPROBE_TIMEOUT_SECONDS = 60
HASH_BLOCK_BYTES = 1 << 20
PILLOW_MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


class UnreadableMedia(ValueError):
    """The file is not the media it claims to be, or is damaged."""


class UnsupportedMediaType(ValueError):
    """The file is of a type no platform takes as media."""


class ProbeUnavailable(RuntimeError):
    """ffprobe is not installed, so video and audio files cannot be read here."""


@dataclass(frozen=True)
class InspectedMedia:
    facts: MediaFacts
    sha256: str


def inspect_media(path: Path) -> InspectedMedia:
    """The file's facts and SHA-256; its type is taken from its name, then checked against what
    the bytes say."""
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    family = mime_type.partition("/")[0]
    if family == "image":
        facts = _picture_facts(path)
    elif family in ("video", "audio"):
        facts = _stream_facts(path, family, mime_type)
    else:
        raise UnsupportedMediaType(f"{path.name}: {mime_type} is not an image, video or audio")
    return InspectedMedia(facts=facts, sha256=_sha256(path))


def _picture_facts(path: Path) -> MediaFacts:
    try:
        with Image.open(path) as picture:
            picture.load()
            file_format, width, height = picture.format, picture.width, picture.height
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise UnreadableMedia(f"{path.name} is not a readable picture: {error}") from error
    if file_format not in PILLOW_MIME_TYPES:
        raise UnsupportedMediaType(f"{path.name}: pictures in {file_format} are not supported")
    return MediaFacts(
        mime_type=PILLOW_MIME_TYPES[file_format],
        bytes=path.stat().st_size,
        width=width,
        height=height,
    )


def _stream_facts(path: Path, family: str, mime_type: str) -> MediaFacts:
    probe = _ffprobe(path)
    streams = [stream for stream in probe.get("streams", []) if stream.get("codec_type") == family]
    if not streams:
        raise UnreadableMedia(f"{path.name} has no {family} stream")
    stream = streams[0]
    duration = stream.get("duration") or probe.get("format", {}).get("duration")
    return MediaFacts(
        mime_type=mime_type,
        bytes=path.stat().st_size,
        width=stream.get("width"),
        height=stream.get("height"),
        duration_seconds=float(duration) if duration is not None else None,
        codec=stream.get("codec_name"),
    )


def _ffprobe(path: Path) -> dict:
    executable = shutil.which("ffprobe")
    if executable is None:
        raise ProbeUnavailable("ffprobe is not installed: install ffmpeg (apt-get install ffmpeg)")
    command = [
        executable,
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False
    )
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        raise UnreadableMedia(f"{path.name} is not readable media: {reason[0]}")
    return json.loads(completed.stdout)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()
