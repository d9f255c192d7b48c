"""Settings: every option as a flag and a FLUX_MCP_* variable; flags win, then env, then defaults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from flux_mcp.cli import build_parser, settings_from
from flux_mcp.flux.budget import DEFAULT_OUTPUT_LIMIT
from flux_mcp.settings import Settings


def from_cli(*argv: str, env: dict[str, str] | None = None, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key in [k for k in os.environ if k.startswith("FLUX_MCP_") or k == "KUBECONFIG"]:
        monkeypatch.delenv(key)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    return settings_from(build_parser().parse_args(list(argv)))


def test_defaults_are_safe() -> None:
    settings = Settings.from_sources({}, environ={})

    assert settings.mask_secrets is True
    assert settings.read_only is False
    assert settings.output_limit == DEFAULT_OUTPUT_LIMIT
    assert settings.timeout == 30.0
    assert settings.kubeconfig is None and settings.audit_log is None


def test_environment_variables_set_every_option() -> None:
    settings = Settings.from_sources({}, environ={
        "FLUX_MCP_KUBECONFIG": "/a:/b", "FLUX_MCP_CONTEXT": "prod", "FLUX_MCP_KUBE_AS": "jane",
        "FLUX_MCP_KUBE_AS_GROUP": "sre, viewers", "FLUX_MCP_READ_ONLY": "true", "FLUX_MCP_MASK_SECRETS": "off",
        "FLUX_MCP_TIMEOUT": "5", "FLUX_MCP_OUTPUT_LIMIT": "9000", "FLUX_MCP_LOG_LEVEL": "debug",
        "FLUX_MCP_AUDIT_LOG": "/tmp/audit.jsonl",
    })

    assert settings.kubeconfig == "/a:/b" and settings.context == "prod" and settings.kube_as == "jane"
    assert settings.kube_as_group == ("sre", "viewers")
    assert settings.read_only is True and settings.mask_secrets is False
    assert settings.timeout == 5.0 and settings.output_limit == 9000
    assert settings.log_level == "DEBUG" and settings.audit_log == Path("/tmp/audit.jsonl")


def test_kubeconfig_falls_back_to_the_kubeconfig_variable() -> None:
    assert Settings.from_sources({}, environ={"KUBECONFIG": "/x:/y"}).kubeconfig == "/x:/y"
    assert Settings.from_sources({}, environ={"KUBECONFIG": "/x", "FLUX_MCP_KUBECONFIG": "/z"}).kubeconfig == "/z"


def test_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_cli("--timeout", "7", "--no-mask-secrets", "--kube-as-group", "a", "--kube-as-group", "b",
                        env={"FLUX_MCP_TIMEOUT": "3", "FLUX_MCP_MASK_SECRETS": "true"}, monkeypatch=monkeypatch)

    assert settings.timeout == 7.0
    assert settings.mask_secrets is False
    assert settings.kube_as_group == ("a", "b")


def test_options_work_after_the_call_subcommand_too(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_cli("call", "--read-only", "--kubeconfig", "/k", "get_flux_instance", "{}",
                        monkeypatch=monkeypatch)

    assert settings.read_only is True and settings.kubeconfig == "/k"


def test_a_bad_boolean_variable_is_rejected_with_its_name() -> None:
    with pytest.raises(ValueError, match="FLUX_MCP_READ_ONLY='maybe' is not a boolean"):
        Settings.from_sources({}, environ={"FLUX_MCP_READ_ONLY": "maybe"})


@pytest.mark.parametrize("field, value", [("timeout", 0), ("timeout", 601), ("output_limit", 100),
                                          ("log_level", "LOUD")])
def test_out_of_range_values_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_settings_are_immutable_and_reject_unknown_options() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.timeout = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Settings(kubeconfg="/typo")  # type: ignore[call-arg]
