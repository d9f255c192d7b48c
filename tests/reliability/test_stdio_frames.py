"""Malformed JSON-RPC frames on real stdio: no crash, no hang, and a valid session afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from ._stdio import RawPeer, raw_server
from ._summary import SUMMARY

SECTION = "malformed JSON-RPC frames on real stdio"
TEN_MB = 10 * 1024 * 1024

# (label, bytes, id of the request when the frame is one the server must answer)
FRAMES: list[tuple[str, bytes, object]] = [
    ("truncated JSON", b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {\n', None),
    ("not JSON", b"hello, server\n", None),
    ("invalid UTF-8", b"\xff\xfe\xfa\x00\x80 garbage\n", None),
    ("empty line", b"\n", None),
    ("blank line", b"   \t  \n", None),
    ("JSON array", b"[]\n", None),
    ("JSON batch of numbers", b"[1, 2, 3]\n", None),
    ("JSON number", b"42\n", None),
    ("JSON string", b'"tools/list"\n', None),
    ("JSON null", b"null\n", None),
    ("method of wrong type", b'{"jsonrpc": "2.0", "id": "bad-1", "method": 7}\n', None),
    ("wrong jsonrpc version", b'{"jsonrpc": "1.0", "id": "bad-2", "method": "ping"}\n', None),
    ("id of wrong type", b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}\n', None),
    ("unknown method before init", b'{"jsonrpc": "2.0", "id": "bad-3", "method": "no/such/method"}\n', "bad-3"),
    ("params not an object", b'{"jsonrpc": "2.0", "id": "bad-4", "method": "tools/call", "params": "x"}\n', None),
    ("tools/call with wrong types",
     b'{"jsonrpc": "2.0", "id": "bad-5", "method": "tools/call", "params": {"name": 5, "arguments": []}}\n', None),
    ("unknown notification", b'{"jsonrpc": "2.0", "method": "notifications/unknown"}\n', None),
    ("response to nothing", b'{"jsonrpc": "2.0", "id": "bad-6", "result": {}}\n', None),
    ("error to nothing", b'{"jsonrpc": "2.0", "id": "bad-7", "error": {"code": 1, "message": "x"}}\n', None),
    ("deeply nested JSON", b"[" * 200_000 + b"]" * 200_000 + b"\n", None),
    ("10 MB garbage line", b"x" * TEN_MB + b"\n", None),
    ("10 MB valid request", b'{"jsonrpc": "2.0", "id": "big-1", "method": "ping", "params": {"_meta": {"pad": "'
     + b"y" * TEN_MB + b'"}}}\n', "big-1"),
]


async def _still_serving(peer: RawPeer, tag: str, handshake: bool = True) -> list[str]:
    """The legacy handshake (unless done already) then tools/list must be answered."""
    problems: list[str] = []
    if handshake:
        init = await peer.legacy_handshake(f"{tag}-init")
        if "result" not in init:
            problems.append(f"initialize after malformed frames failed: {json.dumps(init)[:300]}")
    listed = await peer.request(f"{tag}-list", "tools/list", {})
    tools = (listed.get("result") or {}).get("tools") or []
    if not tools:
        problems.append(f"tools/list after malformed frames failed: {json.dumps(listed)[:300]}")
    return problems


async def test_malformed_frames_before_the_handshake(sandbox: object, unique_kubeconfig: Path, tmp_path: Path) -> None:
    problems: list[str] = []
    async with raw_server(unique_kubeconfig, tmp_path / "stderr.log") as peer:
        for label, frame, answer_id in FRAMES:
            await peer.send(frame)
            alive = peer.process.returncode is None
            ok = alive
            note = f"{label}: server exited ({peer.process.returncode})" if not alive else ""
            if ok and answer_id is not None:
                answer = await peer.wait_response(answer_id)
                # An unknown method is an error; a valid (if huge) ping may be answered either way.
                ok = "error" in answer or (answer_id == "big-1" and "result" in answer)
                note = f"{label}: unexpected answer {json.dumps(answer)[:200]}"
            SUMMARY.record(SECTION, label, ok, note)
            if not ok:
                problems.append(note)
        problems += await _still_serving(peer, "after-garbage")
        assert peer.process.returncode is None, "server exited"
        assert not peer.unparsable, f"the server wrote non-JSON lines to stdout: {peer.unparsable[:3]}"
    stderr = (tmp_path / "stderr.log").read_text(errors="replace")
    SUMMARY.record(SECTION, "valid session afterwards (initialize + tools/list)", not problems, "; ".join(problems))
    assert not problems, "\n".join(problems) + f"\n--- server stderr (tail) ---\n{stderr[-3000:]}"


async def test_malformed_requests_inside_a_session(sandbox: object, unique_kubeconfig: Path, tmp_path: Path) -> None:
    """After the handshake: unknown methods and bad tool calls get errors, the session carries on."""
    async with raw_server(unique_kubeconfig, tmp_path / "stderr.log") as peer:
        assert not await _still_serving(peer, "first")
        cases: list[tuple[str, str, dict[str, object], bool]] = [
            ("unknown method", "no/such/method", {}, True),
            ("unknown tool", "tools/call", {"name": "no_such_tool", "arguments": {}}, False),
            ("arguments not an object", "tools/call", {"name": "get_kubeconfig_contexts", "arguments": [1]}, True),
            ("tool name missing", "tools/call", {"arguments": {}}, True),
            ("wrong argument type", "tools/call",
             {"name": "get_kubernetes_resources", "arguments": {"kind": 12, "limit": "many"}}, False),
            ("huge argument", "tools/call",
             {"name": "get_kubernetes_resources", "arguments": {"kind": "K" * 2_000_000}}, False),
        ]
        problems: list[str] = []
        for index, (label, method, params, protocol_error) in enumerate(cases):
            answer = await peer.request(f"in-session-{index}", method, params)
            if protocol_error:
                ok = "error" in answer
            else:
                result = answer.get("result") or {}
                ok = "error" in answer or bool(result.get("isError"))
                text = json.dumps(answer)
                if ok and "result" in answer and "Error executing tool" in text:
                    ok = ":" in text.split("Error executing tool", 1)[1][:80]
            note = f"{label}: {json.dumps(answer)[:300]}"
            SUMMARY.record(SECTION, f"in session: {label}", ok, note)
            if not ok:
                problems.append(note)
        problems += await _still_serving(peer, "again", handshake=False)
        assert peer.process.returncode is None
    assert not problems, "\n".join(problems)
