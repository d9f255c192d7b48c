"""get_kubernetes_resources: compact YAML, paging, fields, masking and near names over real HTTP with real lightkube."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

from flux_mcp.sandbox import Sandbox
from tests.harness import ask, leaked_canaries, server_on


async def test_the_failing_git_repository_shows_its_reason_and_warning_events(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources",
                       kind="GitRepository", name="billing", namespace="team-billing")

    assert not answer.is_error, answer.text
    assert "reason: GitOperationFailed" in answer.text
    assert "# recent Warning events (newest last):" in answer.text
    assert "deploy-bot:****@github.com" in answer.text
    assert leaked_canaries(answer.text) == []
    assert answer.structured["names"] == ["team-billing/billing"]


async def test_warning_events_are_fetched_with_one_list_for_the_whole_page(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization")

    event_requests = [r for r in sandbox.requests if r.path.endswith("/events")]
    assert len(event_requests) == 1
    assert "involvedObject.kind=Kustomization" in event_requests[0].query.get("fieldSelector", "")
    assert "HealthCheckFailed" in answer.text  # team-api/api carries its warning


async def test_paging_returns_every_object_exactly_once(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    server = server_on(sandbox_kubeconfig)
    everything = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=1000)
    expected = everything.structured["names"]

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        arguments = {"kind": "ks", "limit": 4, "fields": [".metadata.name"]}
        if token:
            arguments["continue_token"] = token
        page = await ask(server, "get_kubernetes_resources", **arguments)
        assert not page.is_error, page.text
        seen += page.structured["names"]
        pages += 1
        token = page.structured.get("continue_token")
        if not token:
            break
        assert f"continue_token={token!r}" in page.text

    assert pages == -(-len(expected) // 4) and pages > 1
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


async def test_fields_project_simple_json_paths(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       namespace="team-data",
                       fields=[".spec.dependsOn[*].name", '.status.conditions[?(@.type=="Ready")].reason'])

    assert not answer.is_error, answer.text
    assert ".spec.dependsOn[*].name: data-infra" in answer.text
    assert '.status.conditions[?(@.type=="Ready")].reason: DependencyNotReady' in answer.text
    assert "spec:" not in answer.text


async def test_an_unsupported_field_expression_is_a_clear_error(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       fields=["..metadata.name"])

    assert answer.is_error
    assert "unsupported field expression" in answer.text and "Supported forms" in answer.text


async def test_secrets_are_masked_and_noise_is_stripped(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Secret")

    assert not answer.is_error, answer.text
    assert "'****'" in answer.text
    assert "managedFields" not in answer.text
    assert "last-applied-configuration" not in answer.text
    assert leaked_canaries(answer.text + json.dumps(answer.structured)) == []


async def test_secret_values_are_shown_when_masking_is_off(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig, mask_secrets=False), "get_kubernetes_resources",
                       kind="Secret", name="frontend-values", namespace="team-web")

    secret = yaml.safe_load(answer.text.split("---\n", 1)[1])
    decoded = base64.b64decode(secret["data"]["values.yaml"]).decode()
    assert leaked_canaries(decoded) != []


async def test_a_name_without_namespace_is_searched_in_every_namespace(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="hr", name="frontend")

    assert answer.structured["names"] == ["team-web/frontend"]
    assert "reason: UpgradeFailed" in answer.text or "RetriesExceeded" in answer.text


async def test_a_misspelt_name_lists_close_names(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       name="billing-infr", namespace="team-billing")

    assert answer.is_error
    assert 'Kustomization "billing-infr" in namespace "team-billing" not found' in answer.text
    assert "billing-infra" in answer.text


async def test_a_misspelt_kind_lists_close_kinds(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomizaton")

    assert answer.is_error and "Kustomization (kustomize.toolkit.fluxcd.io)" in answer.text


async def test_over_budget_output_is_cut_between_objects_with_a_narrowing_hint(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    answer = await ask(server_on(sandbox_kubeconfig, output_limit=3000), "get_kubernetes_resources",
                       kind="Kustomization")

    assert not answer.is_error
    assert len(answer.text) <= 3000
    assert "output truncated" in answer.text and "smaller `limit`" in answer.text
    assert answer.structured["truncated"] is True
    assert answer.structured["shown"] < answer.structured["returned"]


async def test_label_selectors_are_passed_to_the_api(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Deployment",
                       namespace="flux-system", selector="app.kubernetes.io/part-of=flux", fields=[".metadata.name"])

    assert "kustomize-controller" in answer.text
    assert all(n.startswith("flux-system/") for n in answer.structured["names"])


async def test_the_context_argument_selects_another_context(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    # sandbox-alt defaults to namespace "default": a namespaced get without namespace looks there.
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       name="apps", namespace="flux-system", context="sandbox-alt")

    assert answer.structured["names"] == ["flux-system/apps"]


async def test_pages_cut_by_the_output_limit_resume_at_the_first_object_not_shown(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    expected = (await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                          limit=1000, output="table")).structured["names"]
    server = server_on(sandbox_kubeconfig, output_limit=3000)

    seen: list[str] = []
    token = None
    for _ in range(len(expected) + 1):
        arguments: dict[str, object] = {"kind": "Kustomization", "limit": 50}
        if token:
            arguments["continue_token"] = token
        page = await ask(server, "get_kubernetes_resources", **arguments)
        assert not page.is_error, page.text
        assert len(page.text) <= 3000
        seen += page.structured["names"]
        token = page.structured.get("continue_token")
        if not token:
            break

    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(expected)


async def test_table_output_surveys_many_objects_one_line_each(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       output="table")

    lines = answer.text.splitlines()
    assert lines[1].split()[:5] == ["NAMESPACE", "NAME", "STATE", "REASON", "AGE"]
    billing = next(line for line in lines if " billing-infra " in f" {line} ")
    assert billing.split()[:4] == ["team-billing", "billing-infra", "failed", "ArtifactFailed"]
    assert len(lines) == 2 + answer.structured["returned"]


async def test_a_forged_continue_token_is_refused_clearly(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                       continue_token="fluxcd-mcp:not-base64!")

    assert answer.is_error and "continue_token" in answer.text


async def test_the_rest_of_a_cut_page_comes_from_memory_and_a_stale_first_page_token_is_refused(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    expected = (await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                          limit=1000, output="table")).structured["names"]
    server = server_on(sandbox_kubeconfig, output_limit=3000)
    first = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=1000)
    assert first.structured["truncated"]
    sandbox.clear_requests()

    second = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=1000,
                       continue_token=first.structured["continue_token"])
    assert [r.path for r in sandbox.requests if r.path.endswith(("/kustomizations", "/events"))] == []

    # A server that no longer holds the first page (restarted, or the page expired) cannot resume it from
    # the same snapshot: listing again could lose or repeat an object added or removed since. It says so.
    fresh = await ask(server_on(sandbox_kubeconfig, output_limit=3000), "get_kubernetes_resources",
                      kind="Kustomization", limit=1000, continue_token=first.structured["continue_token"])
    assert fresh.is_error and "continue_token: the first page it resumes is no longer held" in fresh.text
    assert "start again without continue_token" in fresh.text
    shown = first.structured["names"] + second.structured["names"]
    assert shown == expected[: len(shown)]


async def test_a_list_refused_cluster_wide_shows_the_context_namespace_with_its_events(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    # The page's events are asked for together with the list: both refused cluster-wide here.
    sandbox.inject_fault("GET", r"^/apis/kustomize\.toolkit\.fluxcd\.io/v1/kustomizations$", status=403)
    sandbox.inject_fault("GET", r"^/api/v1/events$", status=403)

    answer = await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization")

    assert not answer.is_error, answer.text
    assert answer.text.startswith("# listing Kustomization in all namespaces is forbidden for this identity")
    assert answer.structured["names"] and all(n.startswith("flux-system/") for n in answer.structured["names"])
    event_paths = [r.path for r in sandbox.requests if r.path.endswith("/events")]
    assert event_paths[-1] == "/api/v1/namespaces/flux-system/events"


async def test_the_rest_of_a_cut_page_is_topped_up_from_the_next_page_up_to_the_limit(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    expected = (await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                          limit=1000, output="table")).structured["names"]
    server = server_on(sandbox_kubeconfig, output_limit=4000)
    seen: list[str] = []
    topped_up: list[tuple[str, list[str]]] = []
    resumed_fresh = 0
    token = None
    for _ in range(len(expected) + 1):
        sandbox.clear_requests()
        arguments: dict[str, object] = {"kind": "Kustomization", "limit": 3}
        if token:
            arguments["continue_token"] = token
        page = await ask(server, "get_kubernetes_resources", **arguments)
        assert not page.is_error, page.text
        names = page.structured["names"]
        assert len(names) <= page.structured["returned"] <= 3
        listed = [r.query for r in sandbox.requests if r.path.endswith("/kustomizations")]
        if any(q.get("continue") and q["limit"] != "3" for q in listed):
            # The rest of an API page (3 - asked objects), then the next API page, asked for only what
            # `limit` leaves: the answer holds objects of both.
            asked = int(listed[-1]["limit"])
            assert 1 <= asked < 3 and page.structured["returned"] > 3 - asked
            topped_up.append((str(token), names))
        seen += names
        token = page.structured.get("continue_token")
        if not token:
            break
        if topped_up and topped_up[-1][0] == str(arguments.get("continue_token")):
            # A server that never saw the next API page resumes inside it from the API.
            fresh = await ask(server_on(sandbox_kubeconfig, output_limit=4000), "get_kubernetes_resources",
                              kind="Kustomization", limit=3, continue_token=token)
            ahead = expected[len(seen): len(seen) + len(fresh.structured["names"])]
            assert fresh.structured["names"] == ahead
            resumed_fresh += 1

    assert seen == expected  # every object once, in API order
    assert topped_up and resumed_fresh, "no answer was topped up from the next API page"


async def test_a_listing_asks_the_api_for_about_what_an_answer_holds_once_it_knows_the_size(
    sandbox: Sandbox, sandbox_kubeconfig: Path
) -> None:
    expected = (await ask(server_on(sandbox_kubeconfig), "get_kubernetes_resources", kind="Kustomization",
                          limit=1000, output="table")).structured["names"]
    server = server_on(sandbox_kubeconfig, output_limit=4000)
    first = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=50)
    assert first.structured["truncated"]
    sandbox.clear_requests()

    again = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=50)

    asked = [int(r.query["limit"]) for r in sandbox.requests if r.path.endswith("/kustomizations")]
    assert asked and asked[0] < 50  # the first answer showed how many objects fit
    assert again.structured["names"][: len(first.structured["names"]) - 1] == first.structured["names"][:-1]
    seen, token = list(again.structured["names"]), again.structured.get("continue_token")
    while token:
        page = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=50, continue_token=token)
        seen += page.structured["names"]
        token = page.structured.get("continue_token")
    assert seen == expected  # a smaller first API page changes nothing of what is shown, in what order


async def test_a_continue_token_belongs_to_its_listing(sandbox: Sandbox, sandbox_kubeconfig: Path) -> None:
    """kube-apiserver checks neither the kind, the namespace nor the selectors of a continue token: one
    from another listing would silently skip objects. Ours carry their listing and are refused elsewhere."""
    server = server_on(sandbox_kubeconfig)
    first = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=3, output="table")
    token = first.structured["continue_token"]
    assert token
    for other in ({"kind": "GitRepository"}, {"kind": "Kustomization", "namespace": "flux-system"},
                  {"kind": "Kustomization", "selector": "app=x"}, {"kind": "Kustomization", "output": "yaml"}):
        arguments = {"limit": 3, "output": "table", **other}
        refused = await ask(server, "get_kubernetes_resources", continue_token=token, **arguments)
        assert refused.is_error and "continue_token: it belongs to another listing" in refused.text, other
    resumed = await ask(server, "get_kubernetes_resources", kind="Kustomization", limit=3, output="table",
                        continue_token=token)
    assert not resumed.is_error and not set(resumed.structured["names"]) & set(first.structured["names"])
