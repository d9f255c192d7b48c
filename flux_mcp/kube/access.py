"""Cluster access: kubeconfig (several files merged like kubectl), contexts, in-cluster config.

Nothing here touches the network or even the kubeconfig at start-up: the configuration is read on
the first tool call, so a missing or broken kubeconfig is a clear ConfigProblem on that call, never a
crash of the server. One lightkube AsyncClient (one KubeGateway) is built per context, lazily.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import yaml
from lightkube import AsyncClient
from lightkube.config.kubeconfig import SERVICE_ACCOUNT, KubeConfig
from lightkube.core.exceptions import ConfigError

from flux_mcp.flux.redaction import redact_text
from flux_mcp.kube.errors import ConfigProblem
from flux_mcp.kube.gateway import FIELD_MANAGER, KubeGateway
from flux_mcp.kube.lightkube_internals import add_headers
from flux_mcp.kube.retry import RetryPolicy
from flux_mcp.settings import Settings

try:  # libyaml's loader reads a kubeconfig in well under a millisecond, PyYAML's own in several
    from yaml import CSafeLoader as _KubeconfigLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _KubeconfigLoader  # type: ignore[assignment]

IN_CLUSTER_CONTEXT = "in-cluster"
DEFAULT_KUBECONFIG = "~/.kube/config"

# Paths inside a kubeconfig are relative to the file that holds them (kubectl semantics); after
# merging several files they are made absolute so each keeps pointing at the right place.
_CLUSTER_PATH_FIELDS = ("certificate-authority",)
_USER_PATH_FIELDS = ("client-certificate", "client-key", "tokenFile")


@dataclass(frozen=True)
class ContextInfo:
    """A kubeconfig context as shown to users: names only, never credentials."""

    name: str
    cluster: str
    namespace: str
    user: str
    current: bool


def kubeconfig_paths(setting: str | None) -> list[Path]:
    """The files a KUBECONFIG-style setting names, in order (empty entries ignored)."""
    raw = setting if setting else os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def _absolute(entry: dict[str, Any], fields: tuple[str, ...], base: Path) -> dict[str, Any]:
    entry = dict(entry)
    for key in fields:
        value = entry.get(key)
        if isinstance(value, str) and value:
            entry[key] = _resolve(value, base)
    plugin = entry.get("exec")
    if isinstance(plugin, dict) and isinstance(plugin.get("command"), str) and os.sep in plugin["command"]:
        # client-go resolves an exec plugin named by a path (./bin/aws-iam-authenticator) against the
        # kubeconfig's folder; a bare name (gke-gcloud-auth-plugin) is looked up on PATH.
        entry["exec"] = {**plugin, "command": _resolve(plugin["command"], base)}
    return entry


def _resolve(value: str, base: Path) -> str:
    # lightkube only knows absolute paths once files are merged, so `~/...` is expanded here too.
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what the YAML error is, without the quoted source line PyYAML adds: in a kubeconfig
    that line may be `client-key-data: <private key>`, which no redaction pattern recognises."""
    problem = getattr(exc, "problem", None) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def merge_kubeconfigs(paths: list[Path]) -> dict[str, Any]:
    """Merge kubeconfig files as kubectl does: the first file to define a name wins, and the
    current-context is the first one set. Missing files are skipped; none found is an error."""
    merged: dict[str, Any] = {"clusters": [], "contexts": [], "users": []}
    seen: dict[str, set[str]] = {"clusters": set(), "contexts": set(), "users": set()}
    found = []
    for path in paths:
        if not path.is_file():
            continue
        found.append(path)
        try:
            document = yaml.load(path.read_text(), Loader=_KubeconfigLoader) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read kubeconfig {path}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"cannot read kubeconfig {path}: invalid YAML, {_yaml_problem(exc)}") from exc
        if not isinstance(document, dict):
            raise ConfigError(f"kubeconfig {path} is not a YAML mapping")
        base = path.resolve().parent
        if document.get("current-context") and "current-context" not in merged:
            merged["current-context"] = document["current-context"]
        for section, inner, fields in (
            ("clusters", "cluster", _CLUSTER_PATH_FIELDS),
            ("users", "user", _USER_PATH_FIELDS),
            ("contexts", "context", ()),
        ):
            for entry in document.get(section) or []:
                if not isinstance(entry, dict) or not entry.get("name") or entry["name"] in seen[section]:
                    continue
                seen[section].add(entry["name"])
                body = entry.get(inner) or {}
                if not isinstance(body, dict):
                    raise ConfigError(f"kubeconfig {path}: {section} entry {entry['name']!r} is malformed")
                merged[section].append({"name": entry["name"], inner: _absolute(body, fields, base)})
    if not found:
        names = ", ".join(str(p) for p in paths) or "(none)"
        raise ConfigError(f"no kubeconfig file found (looked for {names})")
    return merged


class KubeAccess:
    """The kubeconfig contexts the server may use, and one gateway per context."""

    def __init__(
        self, settings: Settings, kubeconfig: dict[str, Any] | None = None, policy: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self._explicit = kubeconfig
        self._policy = policy or RetryPolicy.for_timeout(settings.timeout)
        self._config: KubeConfig | None = None
        self._in_cluster = False
        self._current: str | None = None
        self._gateways: dict[str, KubeGateway] = {}
        self._lock = asyncio.Lock()

    # -- configuration ---------------------------------------------------------------------------

    def _load(self) -> KubeConfig:
        if self._config is not None:
            return self._config
        try:
            config = self._read_config()
        except ConfigError as exc:
            raise ConfigProblem(redact_text(
                f"cannot load the Kubernetes configuration: {exc}. Point --kubeconfig (or KUBECONFIG) "
                "at a valid kubeconfig file, or run inside a pod with a service account."
            )) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigProblem(redact_text(f"the kubeconfig is malformed ({type(exc).__name__}: {exc})")) from exc
        current = self.settings.context or config.current_context
        if current is not None and current not in config.contexts:
            known = ", ".join(sorted(config.contexts)) or "(none)"
            raise ConfigProblem(f"context {current!r} is not in the kubeconfig; known contexts: {known}")
        self._config, self._current = config, current
        return config

    def _read_config(self) -> KubeConfig:
        if self._explicit is not None:
            return KubeConfig.from_dict(self._explicit)
        paths = kubeconfig_paths(self.settings.kubeconfig)
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not any(p.is_file() for p in paths):
            self._in_cluster = True
            config = KubeConfig.from_service_account(SERVICE_ACCOUNT)
            context = config.contexts.pop("default")
            config.contexts[IN_CLUSTER_CONTEXT] = context
            config.current_context = IN_CLUSTER_CONTEXT
            return config
        return KubeConfig.from_dict(merge_kubeconfigs(paths))

    @property
    def in_cluster(self) -> bool:
        self._load()
        return self._in_cluster

    @property
    def current_context(self) -> str | None:
        self._load()
        return self._current

    def contexts(self) -> list[ContextInfo]:
        config = self._load()
        return [
            ContextInfo(
                name=name, cluster=ctx.cluster, namespace=ctx.namespace or "default", user=ctx.user or "",
                current=name == self._current,
            )
            for name, ctx in config.contexts.items()
        ]

    def _check_context(self, name: str) -> None:
        config = self._load()
        if name not in config.contexts:
            raise ConfigProblem(
                f"unknown kubeconfig context {name!r}; known contexts: {', '.join(sorted(config.contexts))}"
            )

    def set_current_context(self, name: str) -> ContextInfo:
        """Switch the server's current context (in memory only; the kubeconfig file is not written)."""
        self._load()
        if self._in_cluster:
            raise ConfigProblem(
                "running in-cluster with the pod's service account: there are no kubeconfig contexts to switch"
            )
        self._check_context(name)
        self._current = name
        return next(c for c in self.contexts() if c.name == name)

    # -- gateways ------------------------------------------------------------------------------

    async def gateway(self, context: str | None = None) -> KubeGateway:
        """The gateway of `context` (default: the current context), built on first use."""
        config = self._load()
        name = context or self._current
        if name is None:
            raise ConfigProblem(
                "the kubeconfig has no current-context; pass `context` or set one "
                f"(known contexts: {', '.join(sorted(config.contexts)) or '(none)'})"
            )
        self._check_context(name)
        async with self._lock:
            gateway = self._gateways.get(name)
            if gateway is None:
                gateway = self._build(config, name)
                self._gateways[name] = gateway
            return gateway

    def _build(self, config: KubeConfig, name: str) -> KubeGateway:
        if self.settings.kube_as_group and not self.settings.kube_as:
            # The API server refuses group impersonation without a user to impersonate.
            raise ConfigProblem("impersonating groups (--kube-as-group) needs a user too: set --kube-as")
        try:
            single = config.get(name)
            client = AsyncClient(
                single, timeout=httpx2.Timeout(self.settings.timeout), trust_env=True,
                field_manager=FIELD_MANAGER,
            )
        except (ConfigError, KeyError, OSError, ValueError, AssertionError) as exc:
            detail = f"{type(exc).__name__}: {exc}" if isinstance(exc, KeyError | AssertionError) else str(exc)
            if isinstance(exc, AssertionError):
                detail = "the context has no user (credentials) defined"
            raise ConfigProblem(redact_text(
                f"cannot use kubeconfig context {name!r}: {detail}. Fix that context in the kubeconfig."
            )) from exc
        impersonation = [("Impersonate-User", self.settings.kube_as)] if self.settings.kube_as else []
        impersonation += [("Impersonate-Group", group) for group in self.settings.kube_as_group or ()]
        if impersonation:
            add_headers(client, impersonation)
        return KubeGateway(client, context=name, policy=self._policy)

    async def close(self) -> None:
        for gateway in self._gateways.values():
            await gateway.close()
        self._gateways.clear()
