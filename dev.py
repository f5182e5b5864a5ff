#!/usr/bin/env python3
"""Set up and run mediaflow from a fresh clone, with nothing but Python 3.11:

    python3.11 dev.py demo          one campaign end to end on the embedded stores
    python3.11 dev.py test [ARGS]   lint, then the whole test suite on every core (ARGS go to
                                    pytest: `-m "not slow"` leaves the end-to-end runs out)
    python3.11 dev.py bench         the benchmarks in benchmarks/, printing their figures
    python3.11 dev.py docs [ARGS]   the dbt project's docs, generated from the demo's warehouse
                                    (or the one MEDIAFLOW_* settings choose) and served on
                                    127.0.0.1:8580 (ARGS go to `mediaflow docs`)
    python3.11 dev.py bi [ARGS]     Apache Superset's dashboards over the demo's marts (or the
                                    warehouse MEDIAFLOW_* settings choose), served on
                                    127.0.0.1:8088 (ARGS go to `mediaflow bi`)

Each command first makes `.venv` and installs the pinned packages of `requirements.lock`, mediaflow
and its sandbox (again only when the lock or a pyproject.toml changed), and prepares the dbt
manifest. `bi` and `test` also make `.venv-superset`, Apache Superset's own environment, from
`requirements-superset.lock` (a few minutes the first time, again only when the lock changed).
`test` and `bench` also install what the media workflows run on: ffmpeg and ImageMagick
from Debian's packages where missing, and n8n from npm (`n8n/package.json`) into a cache shared by
every clone.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
SUPERSET_VENV = ROOT / ".venv-superset"
SUPERSET_LOCK = ROOT / "requirements-superset.lock"
DEV_SECRETS = ("MEDIAFLOW_SUPERSET_ADMIN_PASSWORD", "MEDIAFLOW_SUPERSET_SECRET_KEY")


N8N_PACKAGE = ROOT / "n8n"
DEBIAN_PACKAGES = {
    "ffprobe": "ffmpeg",
    "identify": "imagemagick",
    "fc-list": "fonts-dejavu-core",
    "chromium": "chromium",
}
ENVIRONMENT = {
    **os.environ,
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "VIRTUAL_ENV": str(VENV),
}


def run(*command: str | Path, **kwargs) -> None:
    subprocess.run([str(part) for part in command], cwd=ROOT, env=ENVIRONMENT, check=True, **kwargs)


def ensure_environment() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"mediaflow needs Python 3.11; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating .venv", flush=True)
        run(sys.executable, "-m", "venv", VENV)
    digest = hashlib.sha256(
        b"".join(
            (ROOT / name).read_bytes()
            for name in ("requirements.lock", "pyproject.toml", "sandbox/pyproject.toml")
        )
    ).hexdigest()
    stamp = VENV / ".mediaflow-installed"
    if not stamp.exists() or stamp.read_text() != digest:
        print("installing the pinned packages (about a minute the first time)", flush=True)
        pip = (BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q")
        run(*pip, "-r", "requirements.lock")
        run(*pip, "--no-deps", "-e", ".", "-e", "sandbox")
        stamp.write_text(digest)
    run(
        BIN / "dagster-dbt",
        "project",
        "prepare-and-package",
        "--file",
        "mediaflow_dagster/dbt_project.py",
        stdout=subprocess.DEVNULL,
    )


def ensure_superset() -> None:
    """Apache Superset in `.venv-superset`, apart from Dagster's packages (their pins conflict),
    installed from its lock once per version of it; MEDIAFLOW_SUPERSET_VENV tells mediaflow."""
    if not (SUPERSET_VENV / "bin" / "python").exists():
        print("creating .venv-superset", flush=True)
        run(sys.executable, "-m", "venv", SUPERSET_VENV)
    digest = hashlib.sha256(SUPERSET_LOCK.read_bytes()).hexdigest()
    stamp = SUPERSET_VENV / ".mediaflow-installed"
    if not stamp.exists() or stamp.read_text() != digest:
        print("installing Apache Superset (a few minutes the first time)", flush=True)
        run(
            SUPERSET_VENV / "bin" / "python",
            *("-m", "pip", "install", "--disable-pip-version-check", "-q"),
            *("-r", SUPERSET_LOCK),
        )
        stamp.write_text(digest)
    ENVIRONMENT["MEDIAFLOW_SUPERSET_VENV"] = str(SUPERSET_VENV)


def dev_superset_secrets() -> None:
    """Superset's admin password and secret key for this clone, made once and kept in
    `.mediaflow/superset.env` (its owner's only), unless the environment sets them."""
    path = ROOT / ".mediaflow" / "superset.env"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.writelines(f"{name}={secrets.token_urlsafe(32)}\n" for name in DEV_SECRETS)
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        ENVIRONMENT.setdefault(name, value)
    print(
        f"Superset's admin: {ENVIRONMENT.get('MEDIAFLOW_SUPERSET_ADMIN_USERNAME', 'admin')}, "
        f"its password in {path} unless MEDIAFLOW_SUPERSET_ADMIN_PASSWORD is set",
        flush=True,
    )


def postgres_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def ensure_postgres() -> None:
    """Start the machine's PostgreSQL cluster when it is installed but down."""
    clusters = Path("/etc/postgresql")
    if postgres_is_up() or not shutil.which("pg_ctlcluster") or not clusters.is_dir():
        return
    for version in sorted(path.name for path in clusters.iterdir()):
        print(f"starting PostgreSQL {version}", flush=True)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
    deadline = time.monotonic() + 30
    while not postgres_is_up() and time.monotonic() < deadline:
        time.sleep(0.5)


def ensure_media_tools() -> None:
    """ffmpeg, ImageMagick and a font for watermarks, and Chromium for the browser tests of the
    Dagster UI, from Debian's packages."""
    missing = [package for tool, package in DEBIAN_PACKAGES.items() if not shutil.which(tool)]
    if not missing:
        return
    if not shutil.which("apt-get"):
        sys.exit(f"install {', '.join(missing)} first: the media workflows and tests run them")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print(f"installing {', '.join(missing)} from Debian's packages", flush=True)
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], env=apt, check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        env=apt,
        check=True,
    )


def ensure_n8n() -> None:
    """n8n from npm, once per version of `n8n/package-lock.json`, in a cache every clone of the
    repository shares (about 4 minutes the first time); MEDIAFLOW_N8N_COMMAND tells the tests."""
    lock = (N8N_PACKAGE / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mediaflow"
    home = cache / f"n8n-{hashlib.sha256(lock).hexdigest()[:16]}"
    command = home / "node_modules" / ".bin" / "n8n"
    if not command.exists():
        if not shutil.which("npm"):
            sys.exit("install Node.js 20 and npm first: the n8n workflow tests run a real n8n")
        print("installing n8n from npm (about 4 minutes the first time)", flush=True)
        home.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(N8N_PACKAGE / name, home / name)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=home,
            env={**os.environ, "npm_config_nodedir": "/usr"},
            check=True,
        )
    ENVIRONMENT["MEDIAFLOW_N8N_COMMAND"] = str(command)


def main(arguments: list[str]) -> int:
    if not arguments or arguments[0] not in {"demo", "test", "bench", "docs", "bi"}:
        print(__doc__)
        return 2
    ensure_environment()
    if arguments[0] == "demo":
        command = [BIN / "mediaflow-sandbox", "demo", *arguments[1:]]
        return subprocess.call(command, cwd=ROOT, env=ENVIRONMENT)
    if arguments[0] == "docs":
        command = [BIN / "mediaflow", "docs", *arguments[1:]]
        return subprocess.call(command, cwd=ROOT, env=ENVIRONMENT)
    if arguments[0] == "bi":
        ensure_superset()
        dev_superset_secrets()
        command = [BIN / "mediaflow", "bi", *arguments[1:]]
        return subprocess.call(command, cwd=ROOT, env=ENVIRONMENT)
    ensure_media_tools()
    ensure_n8n()
    ensure_postgres()
    if arguments[0] == "bench":
        for benchmark in sorted((ROOT / "benchmarks").glob("[!_]*.py")):
            run(BIN / "python", benchmark)
        return 0
    ensure_superset()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    in_parallel = ["-n", "auto", "--dist", "loadgroup"]  # one worker per xdist_group
    slowest = ["--durations=40"]
    return subprocess.call(
        [BIN / "pytest", *in_parallel, *slowest, *arguments[1:]], cwd=ROOT, env=ENVIRONMENT
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
