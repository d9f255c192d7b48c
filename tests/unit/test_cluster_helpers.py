"""Tool-side helpers: durations, event series, workload selectors, metric quantities, log merging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from flux_mcp.flux.timestamps import age
from flux_mcp.ops.events import summarize_events
from flux_mcp.tools._argument_values import compile_grep
from flux_mcp.tools._params import duration_seconds
from flux_mcp.tools.get_kubernetes_logs import _split, selector_of
from flux_mcp.tools.get_kubernetes_metrics import cpu_millicores, memory_mib


def event(name: str, reason: str, at: str, count: int = 1, message: str = "failed", **extra: Any) -> dict[str, Any]:
    return {"involvedObject": {"kind": "Kustomization", "name": name, "namespace": "flux-system"},
            "type": "Warning", "reason": reason, "message": message, "count": count,
            "firstTimestamp": at, "lastTimestamp": at, "metadata": {"namespace": "flux-system"}, **extra}


@pytest.mark.parametrize("given, seconds", [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400),
                                            ("1h30m", 5400), (" 90S ", 90), ("1w", 604800), ("10", 10),
                                            (600, 600), (1.5, 1.5), ("500ms", 0.5)])
def test_durations_take_units_or_plain_seconds(given: str | float, seconds: float) -> None:
    assert duration_seconds(given) == seconds


@pytest.mark.parametrize("given", ["", "ten minutes", "10x", "m10", -5, True, "nan", [1], "1h 30x"])
def test_bad_durations_say_what_is_accepted(given: object) -> None:
    with pytest.raises(ValueError, match="90s, 5m, 1h30m"):
        duration_seconds(given)


def test_ages_read_like_kubectl() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert [age(now - timedelta(seconds=s), now) for s in (5, 120, 7200, 172800)] == ["5s", "2m", "2h", "2d"]
    assert age(None) == "?"


def test_event_series_collapse_with_summed_counts_oldest_first() -> None:
    events = [
        event("apps", "HealthCheckFailed", "2026-01-01T10:05:00Z", count=3),
        event("infra", "ArtifactFailed", "2026-01-01T10:01:00Z"),
        event("apps", "HealthCheckFailed", "2026-01-01T10:09:00Z", count=2),
    ]

    summaries = summarize_events(events)

    assert [(s.object_name, s.count) for s in summaries] == [("infra", 1), ("apps", 5)]
    apps = summaries[1]
    assert apps.first_seen == datetime(2026, 1, 1, 10, 5, tzinfo=UTC)
    assert apps.last_seen == datetime(2026, 1, 1, 10, 9, tzinfo=UTC)
    assert apps.object_ref == "Kustomization/flux-system/apps"


def test_events_without_timestamps_fall_back_to_event_time_and_series() -> None:
    series = {"count": 4, "lastObservedTime": "2026-01-01T09:30:00Z"}
    modern = event("apps", "Progressing", "", lastTimestamp=None, firstTimestamp=None,
                   eventTime="2026-01-01T09:00:00.000000Z", series=series)
    modern["count"] = None

    (summary,) = summarize_events([modern])

    assert summary.count == 4 and summary.last_seen == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)


def test_grep_is_case_insensitive_and_rejects_bad_patterns() -> None:
    pattern = compile_grep("error|FAIL")
    assert pattern is not None and pattern.search("Failed to clone")
    assert compile_grep(None) is None
    with pytest.raises(ToolError, match="invalid grep regular expression"):
        compile_grep("(")


def test_workload_selectors_include_match_expressions() -> None:
    deployment = {"spec": {"selector": {
        "matchLabels": {"app": "podinfo"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]},
                             {"key": "canary", "operator": "DoesNotExist"}],
    }}}

    assert selector_of(deployment) == "app=podinfo,tier in (web,api),!canary"


@pytest.mark.parametrize("quantity, millicores", [("250m", 250), ("1", 1000), ("1500000n", 1.5), ("2500u", 2.5)])
def test_cpu_quantities(quantity: str, millicores: float) -> None:
    assert cpu_millicores(quantity) == pytest.approx(millicores)


@pytest.mark.parametrize("quantity, mib", [("128Mi", 128), ("1Gi", 1024), ("2048Ki", 2), ("1048576", 1)])
def test_memory_quantities(quantity: str, mib: float) -> None:
    assert memory_mib(quantity) == pytest.approx(mib)


@pytest.mark.parametrize("quantity", ["bad", "", "12x", "1.2.3", "n", "Min"])
def test_a_quantity_that_is_not_one_is_an_error_not_zero(quantity: str) -> None:
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        cpu_millicores(quantity)
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        memory_mib(quantity)


def test_nanocores_as_metrics_server_reports_them() -> None:
    assert cpu_millicores("12345678n") == pytest.approx(12.345678)


def test_unstamped_log_lines_stay_with_the_line_before() -> None:
    raw = "2026-01-01T00:00:02Z panic: boom\n\tmain.go:42\n2026-01-01T00:00:03Z exit\n"

    lines = _split(raw, "api")

    assert [(line.timestamp, line.text) for line in lines] == [
        ("2026-01-01T00:00:02Z", "panic: boom"), ("2026-01-01T00:00:02Z", "\tmain.go:42"),
        ("2026-01-01T00:00:03Z", "exit")]
