"""Headless Chromium for page tests: Debian's `chromium` package. In CI (`CI` set) it is installed
with apt-get when missing; elsewhere a missing chromium skips the test with the command to run."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@lru_cache(maxsize=1)
def _find_or_install() -> tuple[str | None, str]:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found, ""
    if not os.environ.get("CI") and not os.environ.get("NEWSFLOW_INSTALL_CHROMIUM"):
        # installing system packages from a developer's `make test` would be a surprise
        return None, "chromium is not installed: apt-get install chromium (or set NEWSFLOW_INSTALL_CHROMIUM=1)"
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return None, "chromium is not installed and apt-get cannot install it here (needs root): apt-get install chromium"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"`{' '.join(cmd)}` failed: {exc}"
        if done.returncode != 0:
            return None, f"`{' '.join(cmd)}` failed: {done.stderr.strip()[-300:]}"
    found = shutil.which("chromium")
    return found, "" if found else "apt-get installed chromium but no `chromium` is on PATH"


def chromium() -> str:
    """Path of the chromium binary, or skip the calling test with why there is none."""
    path, why = _find_or_install()
    if path is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    return path


def _run(url: str, profile: Path, extra: list[str], budget_ms: int, timeout: float) -> subprocess.CompletedProcess:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def dump_dom(url: str, profile: Path, budget_ms: int = 10000, timeout: float = 120) -> str:
    """The page's DOM after its scripts ran (virtual time lets the charts draw)."""
    done = _run(url, profile, ["--dump-dom"], budget_ms, timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(url: str, png: Path, profile: Path, size: str = "1200,2000", budget_ms: int = 10000, timeout: float = 120) -> tuple[int, int]:
    """Save a PNG of the page; returns its (width, height)."""
    done = _run(url, profile, [f"--screenshot={png}", f"--window-size={size}"], budget_ms, timeout)
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def keep(png: Path) -> Path:
    """Copy a screenshot to $NEWSFLOW_SCREENSHOT_DIR (when set) for a person to look at."""
    target = os.environ.get("NEWSFLOW_SCREENSHOT_DIR")
    if not target:
        return png
    Path(target).mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(png, Path(target) / png.name))
