"""Server-side printing (`meta.k8s.io/v1 Table`), which kubectl asks for on `get`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flux_mcp.sandbox.discovery import PrinterColumn, ResourceType

_STEP = re.compile(r'\.(?P<field>\w+)(?:\[\?\(@\.(?P<key>\w+)==["\'](?P<value>[^"\']*)["\']\)\])?')


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def json_path(obj: Any, path: str) -> Any:
    """The subset of JSONPath used by printer columns: `.a.b` and `.a[?(@.k=="v")].b`."""
    cur = obj
    for m in _STEP.finditer(path):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(m.group("field"))
        if m.group("key"):
            cur = next((i for i in cur or [] if isinstance(i, dict)
                        and str(i.get(m.group("key"))) == m.group("value")), None)
        if cur is None:
            return None
    return cur


def _age(timestamp: Any) -> str:
    if not isinstance(timestamp, str):
        return "<unknown>"
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<unknown>"
    seconds = int((datetime.now(UTC) - then).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    if seconds < 3600 * 3:
        return f"{seconds // 60}m"
    if seconds < 86400 * 2:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _pod_cells(obj: dict[str, Any]) -> list[Any]:
    statuses = (obj.get("status") or {}).get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    phase = (obj.get("status") or {}).get("phase", "")
    waiting = next((c["state"]["waiting"].get("reason") for c in statuses
                    if "waiting" in (c.get("state") or {})), None)
    return [f"{ready}/{len(statuses)}", waiting or phase, restarts]


_CORE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "Pod": (("Ready", "string"), ("Status", "string"), ("Restarts", "integer")),
    "Event": (("Last Seen", "string"), ("Type", "string"), ("Reason", "string"), ("Object", "string"),
              ("Message", "string")),
    "Deployment": (("Ready", "string"), ("Up-to-date", "integer"), ("Available", "integer")),
}


def _core_cells(kind: str, obj: dict[str, Any]) -> list[Any]:
    if kind == "Pod":
        return _pod_cells(obj)
    if kind == "Event":
        inv = obj.get("involvedObject") or {}
        return [_age(obj.get("lastTimestamp")), obj.get("type", ""), obj.get("reason", ""),
                f"{str(inv.get('kind', '')).lower()}/{inv.get('name', '')}", obj.get("message", "")]
    if kind == "Deployment":
        st = obj.get("status") or {}
        spec = obj.get("spec") or {}
        return [f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 0)}", st.get("updatedReplicas", 0),
                st.get("availableReplicas", 0)]
    return []


def render_table(rt: ResourceType, items: list[dict[str, Any]], resource_version: str,
                 continue_token: str) -> dict[str, Any]:
    columns: list[dict[str, Any]] = [{"name": "Name", "type": "string", "format": "name", "priority": 0,
                                      "description": "Name must be unique within a namespace."}]
    printer: tuple[PrinterColumn, ...] = rt.printer_columns
    core = _CORE_COLUMNS.get(rt.kind, ()) if not rt.crd else ()
    for name, typ in core:
        columns.append({"name": name, "type": typ, "format": "", "priority": 0, "description": name})
    for name, typ, _path in printer:
        columns.append({"name": name, "type": typ, "format": "", "priority": 0, "description": name})
    if not printer:
        columns.append({"name": "Age", "type": "string", "format": "", "priority": 0,
                        "description": "CreationTimestamp"})
    rows = []
    for obj in items:
        cells: list[Any] = [obj["metadata"]["name"]]
        cells += _core_cells(rt.kind, obj) if core else []
        for _name, typ, path in printer:
            value = json_path(obj, path)
            cells.append(_age(value) if typ == "date" else ("" if value is None else value))
        if not printer:
            cells.append(_age(obj["metadata"].get("creationTimestamp")))
        rows.append({"cells": cells, "object": {"kind": "PartialObjectMetadata",
                                                "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}})
    meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columns,
            "rows": rows}
