"""The one error mapper: each failure gets its type in kube/, and at the tool boundary says what to do next."""

from __future__ import annotations

import json

import httpx2
import pytest
import yaml
from lightkube.core.exceptions import ApiError, ConfigError

from flux_mcp.kube import errors
from flux_mcp.kube.errors import ApiRequest, rbac_rule
from flux_mcp.kube.failures import api_failure, is_api_failure
from flux_mcp.tools._boundary import error_message

SERVER = "https://api.prod.example:6443"
REQUEST = httpx2.Request("GET", f"{SERVER}/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations")
LIST_KUSTOMIZATIONS = ApiRequest(
    verb="list", resource="kustomizations", group="kustomize.toolkit.fluxcd.io", kind="Kustomization",
    namespace="team-billing", server=SERVER,
)


def tool_text(cause: BaseException, request: ApiRequest, attempts: int = 1, elapsed: float = 0.0) -> str:
    """What a model reads for this failure: the typed error, worded at the tool boundary."""
    message = error_message(api_failure(cause, request, attempts, elapsed))
    assert message is not None
    return message


def api_error(code: int, message: str) -> ApiError:
    response = httpx2.Response(code, request=REQUEST, json={
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code,
    })
    return ApiError(request=REQUEST, response=response)


def text_error(code: int, body: str) -> httpx2.HTTPStatusError:
    response = httpx2.Response(code, request=REQUEST, text=body)
    return httpx2.HTTPStatusError("error", request=REQUEST, response=response)


def test_forbidden_names_verb_resource_namespace_and_the_rule_to_add() -> None:
    error = api_error(403, 'kustomizations.kustomize.toolkit.fluxcd.io is forbidden: User "bob" cannot list '
                           'resource "kustomizations"')

    message = tool_text(error, LIST_KUSTOMIZATIONS)

    assert "may not list kustomizations (API group kustomize.toolkit.fluxcd.io)" in message
    assert 'in namespace "team-billing"' in message
    assert 'User "bob" cannot list' in message
    rule_text = message[message.index("- apiGroups"):]
    assert yaml.safe_load(rule_text) == [
        {"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": ["list"]}
    ]


def test_forbidden_across_namespaces_asks_for_a_cluster_role() -> None:
    request = ApiRequest(verb="list", resource="pods", group="", server=SERVER)

    message = tool_text(api_error(403, "forbidden"), request)

    assert "cluster-wide" in message and "ClusterRole" in message
    assert 'apiGroups: [""]' in message


def test_the_rbac_rule_is_valid_yaml() -> None:
    assert yaml.safe_load(rbac_rule(LIST_KUSTOMIZATIONS))[0]["verbs"] == ["list"]


def test_unauthorized_says_credentials_expired() -> None:
    message = tool_text(api_error(401, "Unauthorized"), LIST_KUSTOMIZATIONS)

    assert "401" in message and "expired" in message and "refresh the kubeconfig" in message


def test_not_found_lists_close_names_or_says_there_are_none() -> None:
    request = ApiRequest(verb="get", resource="kustomizations", kind="Kustomization", namespace="flux-system",
                         name="infra-config", server=SERVER)

    with_names = tool_text(api_error(404, "not found"), request.with_near_names(("infra-configs",)))
    without = tool_text(api_error(404, "not found"), request.with_near_names(()))

    assert 'Kustomization "infra-config" in namespace "flux-system" not found' in with_names
    assert "Close names: infra-configs" in with_names
    assert "No object with a similar name" in without


def test_expired_continue_token_says_to_restart() -> None:
    message = tool_text(api_error(410, "The provided continue parameter is too old"), LIST_KUSTOMIZATIONS)

    assert "continue token has expired" in message and "without `continue`" in message


def test_validation_errors_carry_the_server_message() -> None:
    request = ApiRequest(verb="patch", resource="kustomizations", kind="Kustomization", name="apps",
                         namespace="flux-system")

    message = tool_text(api_error(422, 'spec.interval: Invalid value: "5x"'), request)

    assert "HTTP 422" in message and 'spec.interval: Invalid value: "5x"' in message


def test_unavailable_after_retries_counts_attempts_and_time() -> None:
    message = tool_text(text_error(503, "service unavailable"), LIST_KUSTOMIZATIONS, attempts=4, elapsed=2.5)

    assert message.startswith(f"the Kubernetes API at {SERVER} is unavailable (HTTP 503 after 4 attempts over 2.5 s)")
    assert "retry later" in message and "service unavailable" in message


def test_missing_content_type_is_mapped_from_the_chained_status() -> None:
    try:
        try:
            raise text_error(502, "bad gateway")
        except httpx2.HTTPStatusError:
            raise KeyError("content-type") from None
    except KeyError as exc:
        message = tool_text(exc, LIST_KUSTOMIZATIONS)

    assert "HTTP 502" in message


def test_transport_errors_point_at_the_connection() -> None:
    error = httpx2.ConnectError("[Errno 111] Connection refused", request=REQUEST)

    message = tool_text(error, LIST_KUSTOMIZATIONS, 4, 1.2)

    assert message.startswith(f"cannot reach the Kubernetes API at {SERVER}: [Errno 111] Connection refused")
    assert "check the kubeconfig/context/VPN" in message


def test_timeouts_are_named() -> None:
    message = tool_text(httpx2.ReadTimeout("timed out", request=REQUEST), LIST_KUSTOMIZATIONS)

    assert "did not answer in time" in message and "ReadTimeout" in message


def test_config_errors_send_the_user_to_the_kubeconfig() -> None:
    message = tool_text(ConfigError("auth-provider not supported"), LIST_KUSTOMIZATIONS)

    assert "kubeconfig problem: auth-provider not supported" in message


def test_messages_are_redacted() -> None:
    error = api_error(422, "invalid url https://deploy:hunter2-secret@github.com/acme/repo")

    message = tool_text(error, LIST_KUSTOMIZATIONS)

    assert "hunter2-secret" not in message and "deploy:****@github.com" in message


TOOL_NAMES = ("get_kubernetes_resources", "get_kubeconfig_contexts", "get_flux_instance", "get_kubernetes_api_versions")


@pytest.mark.parametrize(("cause", "kind", "status"), [
    (api_error(401, "Unauthorized"), errors.Unauthorized, 401),
    (api_error(403, "forbidden"), errors.Forbidden, 403),
    (api_error(404, "not found"), errors.NotFound, 404),
    (api_error(409, "conflict"), errors.Conflict, 409),
    (api_error(410, "too old"), errors.Gone, 410),
    (api_error(422, "invalid"), errors.Invalid, 422),
    (api_error(400, "bad"), errors.BadRequest, 400),
    (text_error(503, "busy"), errors.Unavailable, 503),
    (api_error(429, "slow down"), errors.Unavailable, 429),
    (httpx2.ConnectError("refused", request=REQUEST), errors.Unreachable, None),
    (httpx2.ReadTimeout("slow", request=REQUEST), errors.TimedOut, None),
    (ConfigError("exec plugin failed"), errors.ConfigProblem, None),
])
def test_each_failure_keeps_its_type_status_and_request(
    cause: BaseException, kind: type[errors.KubeError], status: int | None,
) -> None:
    failure = api_failure(cause, LIST_KUSTOMIZATIONS)

    assert type(failure) is kind
    assert failure.status == status
    assert failure.request == LIST_KUSTOMIZATIONS


def test_the_server_reason_and_message_are_kept_apart_from_the_text() -> None:
    response = httpx2.Response(403, request=REQUEST, json={
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "no access", "reason": "Forbidden",
        "code": 403,
    })

    failure = api_failure(ApiError(request=REQUEST, response=response), LIST_KUSTOMIZATIONS)

    assert failure.reason == "Forbidden" and failure.server_message == "no access"


@pytest.mark.parametrize("cause", [
    api_error(403, "forbidden"), api_error(404, "not found"), api_error(410, "too old"),
    httpx2.ReadTimeout("slow", request=REQUEST), ConfigError("exec plugin failed"),
])
def test_the_kube_layer_names_no_tool_and_the_boundary_adds_the_next_step(cause: BaseException) -> None:
    request = ApiRequest(verb="get", resource="kustomizations", kind="Kustomization", namespace="apps",
                         name="web", server=SERVER)
    failure = api_failure(cause, request)

    kube_text = str(failure)
    tool_text_ = error_message(failure) or ""

    assert not any(tool in kube_text for tool in TOOL_NAMES) and "apiGroups" not in kube_text
    assert tool_text_.startswith(kube_text) and len(tool_text_) > len(kube_text)


def test_a_non_json_body_labelled_json_is_mapped_from_the_chained_status() -> None:
    try:
        try:
            raise text_error(503, "etcd leader changed")
        except httpx2.HTTPStatusError:
            json.loads("etcd leader changed")
    except ValueError as exc:
        failure = api_failure(exc, LIST_KUSTOMIZATIONS)

    assert isinstance(failure, errors.Unavailable) and failure.status == 503
    assert "etcd leader changed" in str(failure)


def test_a_value_error_of_our_own_is_no_api_failure() -> None:
    assert not is_api_failure(ValueError("invalid literal for int()"))
    assert not is_api_failure(KeyError("kind"))
