"""A git smart-HTTP server on loopback: git's own `git-http-backend` CGI behind a tiny HTTP server
running in a thread of the test process, serving bare repositories the tests commit to.

    server = GitServer(root).start()
    repo = server.repository("apps")
    repo.commit({"deploy/cm.yaml": "..."}, "add a ConfigMap")   # pushed; Flux sees it at its next fetch
    repo.url   # http://127.0.0.1:PORT/apps.git
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_BACKEND_CANDIDATES = ("/usr/lib/git-core/git-http-backend", "/usr/libexec/git-core/git-http-backend")


def http_backend() -> str | None:
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=False).stdout.strip() \
        if shutil.which("git") else ""
    for candidate in (os.path.join(exec_path, "git-http-backend") if exec_path else "", *_BACKEND_CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "realk8s", "GIT_AUTHOR_EMAIL": "realk8s@example.invalid",
           "GIT_COMMITTER_NAME": "realk8s", "GIT_COMMITTER_EMAIL": "realk8s@example.invalid",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


class Repository:
    def __init__(self, server: GitServer, name: str) -> None:
        self.name = name
        self.bare = server.root / f"{name}.git"
        self.work = server.root / "work" / name
        self.url = f"{server.url}/{name}.git"
        _git("init", "--bare", "--initial-branch=main", str(self.bare), cwd=server.root)
        self.work.mkdir(parents=True)
        _git("init", "--initial-branch=main", cwd=self.work)
        _git("remote", "add", "origin", str(self.bare), cwd=self.work)

    def commit(self, files: dict[str, str | None], message: str) -> str:
        """Write (or, with None, delete) files, commit and push to the served repository; returns the commit."""
        for relative, content in files.items():
            path = self.work / relative
            if content is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        _git("add", "--all", cwd=self.work)
        _git("commit", "--allow-empty", "-m", message, cwd=self.work)
        _git("push", "origin", "main", cwd=self.work)
        return _git("rev-parse", "HEAD", cwd=self.work)


class GitServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        backend = http_backend()
        if backend is None:
            raise RuntimeError("git-http-backend not found (install git)")
        self.backend = backend

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> GitServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.root, self.backend))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="realk8s-git", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def repository(self, name: str) -> Repository:
        return Repository(self, name)


def _handler(root: Path, backend: str) -> type[BaseHTTPRequestHandler]:
    class GitHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self._cgi()

        def do_POST(self) -> None:
            self._cgi()

        def _cgi(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command, "PATH_INFO": path, "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": self.client_address[0], "SERVER_PROTOCOL": "HTTP/1.0",
                "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root),
            }
            for header in ("Git-Protocol", "Content-Encoding"):
                if header in self.headers:
                    env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
            result = subprocess.run([backend], input=body, capture_output=True, env=env, check=False)
            head, separator, payload = result.stdout.partition(b"\r\n\r\n")
            if not separator:
                head, _sep, payload = result.stdout.partition(b"\n\n")
            status = 200
            headers: list[tuple[str, str]] = []
            for line in head.decode("latin-1").splitlines():
                key, _colon, value = line.partition(":")
                if key.lower() == "status":
                    status = int(value.strip().split()[0])
                elif key:
                    headers.append((key, value.strip()))
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return GitHandler
