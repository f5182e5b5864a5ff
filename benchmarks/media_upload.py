"""Uploading media to SharePoint through Graph upload sessions, against the sandbox.

For each file size (by default 64 MiB, then 256 MiB) writes `--total-mib` of media (1 GiB by
default: 16 files of 64 MiB, then 4 of 256 MiB) into a temporary folder, 1 MiB of seeded random
bytes at a time, then uploads them one after the other with the code location's `SharePoint`
resource (upload sessions, the default fragment size) in a fresh child process. Prints the
throughput and the child's resident memory high-water mark (`ru_maxrss`) before and after the
uploads, so that writing the files does not count. Every driveItem's SHA-256 must equal the
source file's.

    .venv/bin/python benchmarks/media_upload.py [--total-mib 1024] [--file-mib 64 256]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.settings import SandboxSettings

GOAL_PEAK_MB = 150
MIB = 1024 * 1024
WRITE_BLOCK_BYTES = MIB


@dataclass(frozen=True)
class UploadRun:
    seconds: float
    rss_before_mb: float
    rss_peak_mb: float
    sha256_hashes: dict[str, str]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total-mib", type=int, default=1024, help="media uploaded per file size")
    parser.add_argument(
        "--file-mib", type=int, nargs="+", default=[64, 256], help="file sizes to compare"
    )
    args = parser.parse_args()
    if min(args.file_mib) < 1 or any(size > args.total_mib for size in args.file_mib):
        parser.error("every --file-mib must be between 1 and --total-mib")
    if len(set(args.file_mib)) < len(args.file_mib):
        parser.error("--file-mib sizes must differ")
    with ExitStack() as stack:
        uploaders = [stack.enter_context(uploader_process()) for _ in args.file_mib]
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mediaflow-bench-")))
        port, tls_port = free_local_ports(2)
        sandbox = SandboxSettings(home=home / "sandbox", port=port, tls_port=tls_port)
        stack.enter_context(running_sandbox(sandbox, log_path=home / "sandbox.log"))
        sharepoint = client_from_environment(SharePoint, client_environment(sandbox))
        return measure(
            sharepoint, home, args.total_mib, dict(zip(args.file_mib, uploaders, strict=True))
        )


@contextmanager
def uploader_process() -> Iterator[ProcessPoolExecutor]:
    """A fresh process to upload from, started at once: a child's `ru_maxrss` starts from its
    parent's high-water mark, so it must start before this process imports the code location,
    runs the sandbox and writes the media."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as uploader:
        uploader.submit(peak_rss_mb).result()
        yield uploader


def measure(
    sharepoint: SharePoint,
    home: Path,
    total_mib: int,
    uploaders: dict[int, ProcessPoolExecutor],
) -> int:
    table = Table(title="media uploads through Graph upload sessions (sandbox, loopback)")
    for column in ("files", "MiB", "seconds", "MiB/s", "RSS before MB", "RSS peak MB"):
        table.add_column(column, justify="right")
    verified, peaks = True, []
    for file_mib, uploader in uploaders.items():
        folder = home / f"media-{file_mib}MiB"
        folder.mkdir()
        count = total_mib // file_mib
        started = time.monotonic()
        expected = write_media(folder, count, file_mib * MIB)
        print(f"  {count} x {file_mib} MiB written in {time.monotonic() - started:.1f} s")
        run = uploader.submit(
            upload_all, sharepoint.model_dump(), sorted(expected), folder.name
        ).result()
        for path in expected:
            path.unlink()
        verified &= run.sha256_hashes == {path.name: digest for path, digest in expected.items()}
        peaks.append(run.rss_peak_mb)
        uploaded_mib = count * file_mib
        table.add_row(
            f"{count} x {file_mib} MiB",
            str(uploaded_mib),
            f"{run.seconds:.1f}",
            f"{uploaded_mib / run.seconds:.0f}",
            f"{run.rss_before_mb:.0f}",
            f"{run.rss_peak_mb:.0f}",
        )
    Console().print(table)
    goal = "met" if max(peaks) < GOAL_PEAK_MB else "NOT met"
    verdict = "every SHA-256 matches" if verified else "VERIFICATION FAILED"
    print(
        f"summary: peak client RSS {', '.join(f'{peak:.0f}' for peak in peaks)} MB for files of "
        f"{', '.join(f'{size} MiB' for size in uploaders)} "
        f"(goal < {GOAL_PEAK_MB} MB whatever the size: {goal}); {verdict}"
    )
    return 0 if verified else 1


def write_media(folder: Path, count: int, size: int) -> dict[Path, str]:
    """`count` files of `size` bytes of seeded random content, written a block at a time;
    their SHA-256 as Graph writes it."""
    hashes = {}
    for number in range(count):
        path = folder / f"clip-{number:02d}.mp4"
        digest, content = hashlib.sha256(), random.Random(number)
        with path.open("wb") as file:
            for _ in range(size // WRITE_BLOCK_BYTES):
                block = content.randbytes(WRITE_BLOCK_BYTES)
                file.write(block)
                digest.update(block)
        hashes[path] = digest.hexdigest().upper()
    return hashes


def upload_all(sharepoint_config: dict[str, Any], files: list[Path], folder: str) -> UploadRun:
    """In a fresh process: upload `files` one after the other; how long it took, this
    process's peak RSS before and after, and each driveItem's SHA-256 by file name."""
    sharepoint = SharePoint(**sharepoint_config)
    rss_before_mb = peak_rss_mb()
    started = time.perf_counter()
    items = [sharepoint.upload(f"bench/{folder}/{path.name}", path) for path in files]
    seconds = time.perf_counter() - started
    return UploadRun(
        seconds=seconds,
        rss_before_mb=rss_before_mb,
        rss_peak_mb=peak_rss_mb(),
        sha256_hashes={item["name"]: item["file"]["hashes"]["sha256Hash"] for item in items},
    )


def peak_rss_mb() -> float:
    """This process's resident memory high-water mark (Linux reports it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


if __name__ == "__main__":
    sys.exit(main())
