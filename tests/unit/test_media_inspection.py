"""Media facts read from the file itself (Pillow, ffprobe), and what the platforms' specs say
of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.clips import h264_clip

from mediaflow_dagster.specs import ContentFacts, check_content, load_specs
from mediaflow_dagster.specs.inspection import (
    UnreadableMedia,
    UnsupportedMediaType,
    inspect_media,
)
from mediaflow_sandbox.content import jpeg_image


def video(folder: Path, seconds: float, size: str = "320x568", rate: int = 10) -> Path:
    return h264_clip(folder / "clip.mp4", seconds, size=size, rate=rate)


def test_a_picture_is_measured_from_its_pixels(tmp_path):
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(jpeg_image(b"\x01\x02\x03", 1080, 1350))

    inspected = inspect_media(picture)

    assert (inspected.facts.width, inspected.facts.height) == (1080, 1350)
    assert inspected.facts.mime_type == "image/jpeg"
    assert inspected.facts.bytes == picture.stat().st_size
    assert len(inspected.sha256) == 64


def test_a_corrupt_picture_is_unreadable_media(tmp_path):
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(jpeg_image(b"\x01\x02\x03", 200, 200)[:120])

    with pytest.raises(UnreadableMedia, match=r"photo\.jpg is not a readable picture"):
        inspect_media(picture)


def test_a_file_of_another_kind_is_unsupported(tmp_path):
    document = tmp_path / "brief.pdf"
    document.write_bytes(b"%PDF-1.7")

    with pytest.raises(UnsupportedMediaType, match="application/pdf is not an image"):
        inspect_media(document)


def test_a_video_is_measured_by_ffprobe(tmp_path):
    inspected = inspect_media(video(tmp_path, 2))

    facts = inspected.facts
    assert (facts.width, facts.height, facts.codec) == (320, 568, "h264")
    assert facts.duration_seconds == pytest.approx(2.0, abs=0.05)


def test_a_damaged_video_is_unreadable_media(tmp_path):
    clip = video(tmp_path, 1)
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(64))

    with pytest.raises(UnreadableMedia, match=r"clip\.mp4"):
        inspect_media(clip)


def test_a_video_over_the_platform_duration_breaks_its_spec(tmp_path):
    clip = inspect_media(video(tmp_path, 601, size="360x640", rate=1)).facts
    specs = load_specs()

    on_tiktok = check_content(
        specs.platforms["tiktok"], ContentFacts(object_type="video", media=clip)
    )
    on_facebook = check_content(
        specs.platforms["facebook"], ContentFacts(object_type="video", media=clip)
    )

    assert [violation.code for violation in on_tiktok] == ["video_too_long"]
    assert on_facebook == []
