"""Child processes the harness starts: each logged to a file, all stopped by the harness that started
them (SIGTERM, then SIGKILL), and killed by the kernel if the test process itself dies."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if pytest is SIGKILLed no fixture teardown runs, so
    # the kernel must end etcd and the API server for us.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Processes:
    """The processes of one harness, stopped in reverse start order."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self._started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        self.logdir.mkdir(parents=True, exist_ok=True)
        log = (self.logdir / f"{name}.log").open("ab")
        try:
            process = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=env, cwd=cwd, preexec_fn=_die_with_parent)
        finally:
            log.close()
        self._started.append((name, process))
        return process

    def running(self) -> dict[str, int]:
        """Name → pid of the started processes still alive."""
        return {name: process.pid for name, process in self._started if process.poll() is None}

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.logdir / f"{name}.log"
        if not path.is_file():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def wait_until(self, name: str, ready: Callable[[], bool], timeout: float) -> None:
        """Wait for `ready()`; fail with the process's log tail if it exits or the time runs out."""
        process = dict(self._started)[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready within {timeout:.0f} s:\n{self.log_tail(name)}")

    def stop(self, name: str) -> None:
        for index, (started_name, process) in enumerate(self._started):
            if started_name == name:
                self._terminate(process)
                del self._started[index]
                return

    def stop_all(self) -> None:
        while self._started:
            _name, process = self._started.pop()
            self._terminate(process)

    @staticmethod
    def _terminate(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def environment(**extra: str) -> dict[str, str]:
    """The child environment: ours without proxy settings (everything is on loopback)."""
    env = {key: value for key, value in os.environ.items() if key.lower() not in {"http_proxy", "https_proxy"}}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env
