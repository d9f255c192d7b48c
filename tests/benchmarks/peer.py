"""The Go containers/kubernetes-mcp-server, fetched from npm into a cache outside the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

NPM_PACKAGE = "kubernetes-mcp-server-linux-amd64"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fluxcd-mcp-bench"


@dataclass(frozen=True)
class Peer:
    binary: Path | None
    version: str
    skipped_because: str = ""


def _safe_members(archive: tarfile.TarFile, into: Path) -> list[tarfile.TarInfo]:
    root = into.resolve()
    members = []
    for member in archive.getmembers():
        target = (into / member.name).resolve()
        if root in target.parents and (member.isfile() or member.isdir()):
            members.append(member)
    return members


def fetch_go_server(cache: Path = DEFAULT_CACHE) -> Peer:
    """`npm pack` the binary package once; reuse the extracted binary on later runs."""
    cache.mkdir(parents=True, exist_ok=True)
    existing = sorted(cache.glob(f"{NPM_PACKAGE}-*.tgz"))
    if not existing:
        npm = shutil.which("npm")
        if npm is None:
            return Peer(None, "", "npm is not installed, so the Go server could not be fetched")
        try:
            subprocess.run(
                [npm, "pack", NPM_PACKAGE, "--silent"], cwd=cache, check=True, capture_output=True, timeout=300
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            return Peer(None, "", f"npm pack {NPM_PACKAGE} failed: {exc} {detail.decode(errors='replace')[-300:]}")
        existing = sorted(cache.glob(f"{NPM_PACKAGE}-*.tgz"))
        if not existing:
            return Peer(None, "", f"npm pack {NPM_PACKAGE} produced no archive in {cache}")
    tgz = existing[-1]
    version = tgz.name.removeprefix(f"{NPM_PACKAGE}-").removesuffix(".tgz")
    into = cache / f"{NPM_PACKAGE}-{version}"
    binary = into / "package" / "bin" / NPM_PACKAGE
    if not binary.exists():
        into.mkdir(exist_ok=True)
        with tarfile.open(tgz) as archive:
            archive.extractall(into, members=_safe_members(archive, into), filter="data")
        binary.chmod(0o755)
    if not binary.exists():
        return Peer(None, version, f"{tgz.name} has no package/bin/{NPM_PACKAGE}")
    return Peer(binary, version)
