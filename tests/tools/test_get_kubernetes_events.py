"""get_kubernetes_events: events filtered by object, type, time and grep, series collapsed, newest last."""

from __future__ import annotations

from pathlib import Path

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, leaked_canaries, server_on


async def test_warnings_of_one_object_newest_last_with_counts(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_events", kind="GitRepository",
                       name="billing", namespace="team-billing", type="Warning")

    assert not answer.is_error, answer.text
    events = answer.structured["events"]
    assert events and all(e["object"] == "GitRepository/team-billing/billing" for e in events)
    assert any(e["reason"] == "GitOperationFailed" and e["count"] > 1 for e in events)
    times = [e["last_seen"] for e in events]
    assert times == sorted(times)
    assert leaked_canaries(answer.text) == []
    event_lists = [r for r in sandbox.requests if r.path.endswith("/events")]
    assert len(event_lists) == 1
    assert event_lists[0].query["fieldSelector"] == (
        "involvedObject.kind=GitRepository,involvedObject.name=billing,type=Warning")


async def test_short_kind_names_are_resolved_before_filtering(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_events", kind="hr", namespace="team-web")

    assert {e["object"] for e in answer.structured["events"]} == {"HelmRelease/team-web/frontend"}


async def test_grep_and_limit_keep_the_newest_matches(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    server = server_on(sandbox_kubeconfig)
    everything = await ask(server, "get_kubernetes_events", type="Warning", limit=1000)
    answer = await ask(server, "get_kubernetes_events", type="Warning", grep="artifact|CHECKOUT", limit=2)

    matching = [e for e in everything.structured["events"]
                if "artifact" in (e["reason"] + e["message"]).lower() or "checkout" in e["message"].lower()]
    assert answer.structured["matched"] == len(matching) > 2
    assert answer.structured["events"] == matching[-2:]
    assert answer.structured["truncated"] is True


async def test_since_filters_old_events(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    server = server_on(sandbox_kubeconfig)
    recent = await ask(server, "get_kubernetes_events", since="10m", limit=1000)
    everything = await ask(server, "get_kubernetes_events", since="30d", limit=1000)

    assert recent.structured["matched"] < everything.structured["matched"]


async def test_bad_filters_are_clear_errors(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    server = server_on(sandbox_kubeconfig)

    bad_regex = await ask(server, "get_kubernetes_events", grep="([")
    bad_since = await ask(server, "get_kubernetes_events", since="ten minutes")

    assert bad_regex.is_error and "invalid grep regular expression" in bad_regex.text
    assert bad_since.is_error and "since: 'ten minutes' is not a duration" in bad_since.text
