"""Process facts read straight from /proc (Linux only, no psutil)."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def children_of(parent: int) -> set[int]:
    """Pids whose parent is `parent` (the stdio transport spawns the server as our direct child)."""
    found: set[int] = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may contain spaces; the fields after it are fixed.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            found.add(int(entry.name))
    return found


def own_children() -> set[int]:
    return children_of(os.getpid())


def cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak since start) of a live process, in KiB; empty once it is gone."""
    values: dict[str, int] = {}
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float | None:
    """User + system CPU time the process has used so far (clock-tick resolution, usually 10 ms).

    Less sensitive than wall time to other work on a shared machine: waiting for a core is not counted.
    """
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    # After the command name: state is field 3 of stat(5), utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS
