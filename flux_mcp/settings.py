"""Every option of the server in one model: a command-line flag and a FLUX_MCP_* environment twin."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flux_mcp.flux.budget import DEFAULT_OUTPUT_LIMIT

ENV_PREFIX = "FLUX_MCP_"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kubeconfig: str | None = Field(
        None, description="Kubeconfig path(s), separated like KUBECONFIG; files are merged as kubectl does."
    )
    context: str | None = Field(None, description="Kubeconfig context to use instead of current-context.")
    kube_as: str | None = Field(None, description="User to impersonate for every API request.")
    kube_as_group: tuple[str, ...] = Field((), description="Groups to impersonate (comma separated in env).")
    read_only: bool = Field(False, description="Register only the read tools.")
    mask_secrets: bool = Field(True, description="Mask Secret values and credentials in all output.")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds per Kubernetes API request.")
    output_limit: int = Field(
        DEFAULT_OUTPUT_LIMIT, ge=2_000, le=2_000_000, description="Characters per tool response."
    )
    log_level: LogLevel = Field("WARNING", description="Log level of the stderr log.")
    audit_log: Path | None = Field(None, description="Append one JSON line per tool call to this file.")
    sandbox: bool = Field(False, description="Serve against the built-in emulated cluster.")
    sandbox_scale: int = Field(0, ge=0, le=50_000, description="Extra tenants in the sandbox fleet.")

    @field_validator("kube_as_group", mode="before")
    @classmethod
    def _split_groups(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(g.strip() for g in value.split(",") if g.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def from_sources(cls, flags: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
        """Flags win over FLUX_MCP_* variables, which win over defaults; KUBECONFIG is honoured."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            env_value = environ.get(ENV_PREFIX + name.upper())
            if env_value is not None and env_value != "":
                values[name] = _parse_env(env_value, name)
        if "kubeconfig" not in values and environ.get("KUBECONFIG"):
            values["kubeconfig"] = environ["KUBECONFIG"]
        values.update({k: v for k, v in flags.items() if v is not None and k in cls.model_fields})
        return cls(**values)


def _parse_env(value: str, name: str) -> Any:
    annotation = Settings.model_fields[name].annotation
    if annotation is bool:
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={value!r} is not a boolean (use true or false)")
    return value
