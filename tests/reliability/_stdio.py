"""A raw stdio peer for the server process: write any bytes, read JSON-RPC lines with timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LINE_LIMIT = 64 * 1024 * 1024


def server_command(kubeconfig: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "flux_mcp", "--kubeconfig", str(kubeconfig), *extra]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("KUBECONFIG", None)
    return env


class RawPeer:
    """Owns one `python -m flux_mcp` child; collects every stdout line in the background."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.messages: list[Any] = []
        self.unparsable: list[bytes] = []
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            line = await self.process.stdout.readline()
            if not line:
                break
            try:
                message = json.loads(line)
            except ValueError:
                self.unparsable.append(line[:200])
                continue
            async with self._arrived:
                self.messages.append(message)
                self._arrived.notify_all()
        async with self._arrived:
            self._arrived.notify_all()

    async def send(self, data: bytes, within: float = 20.0) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        await asyncio.wait_for(self.process.stdin.drain(), within)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(json.dumps(message).encode() + b"\n")

    def response(self, request_id: Any) -> dict[str, Any] | None:
        for message in self.messages:
            if isinstance(message, dict) and message.get("id") == request_id and "method" not in message:
                return message
        return None

    async def wait_response(self, request_id: Any, within: float = 20.0) -> dict[str, Any]:
        async def arrived() -> dict[str, Any]:
            async with self._arrived:
                while True:
                    found = self.response(request_id)
                    if found is not None:
                        return found
                    if self._reader.done():
                        raise EOFError(f"server closed stdout before answering {request_id!r}")
                    await self._arrived.wait()

        return await asyncio.wait_for(arrived(), within)

    async def request(self, request_id: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        await self.send_json(message)
        return await self.wait_response(request_id)

    async def legacy_handshake(self, request_id: str = "probe-init") -> dict[str, Any]:
        answer = await self.request(
            request_id,
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "reliability-suite", "version": "1"},
            },
        )
        await self.send_json({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer


@contextlib.asynccontextmanager
async def raw_server(kubeconfig: Path, stderr_path: Path) -> AsyncIterator[RawPeer]:
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *server_command(kubeconfig),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=REPO,
            env=child_env(),
            limit=LINE_LIMIT,
        )
        peer = RawPeer(process)
        try:
            yield peer
        finally:
            if process.stdin is not None and not process.stdin.is_closing():
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
            peer._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await peer._reader


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for pid {pid}")


def find_server_pid(marker: str) -> int:
    """The pid of the `-m flux_mcp` process whose command line holds `marker` (a unique path)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv if a]
        if "flux_mcp" in words and "-m" in words and any(marker in w for w in words):
            found.append(int(entry.name))
    if len(found) != 1:
        raise LookupError(f"expected one server process for {marker}, found {found}")
    return found[0]
