"""Real H.264 clips for the tests, made by ffmpeg from one of its test sources."""

from __future__ import annotations

import subprocess
from pathlib import Path


def h264_clip(
    path: Path,
    seconds: float,
    *,
    size: str = "320x568",
    rate: int = 10,
    source: str = "color",
) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"{source}=s={size}:r={rate}:d={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path
