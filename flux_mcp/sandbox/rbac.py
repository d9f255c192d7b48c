"""RBAC enforcement from ClusterRole YAML, with kube-apiserver's authorization semantics
and its 403 message shape."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import yaml

from flux_mcp.sandbox.errors import StatusError

SANDBOX_USER = "system:serviceaccount:flux-system:fluxcd-mcp"

# Paths every authenticated user may read (system:discovery / system:public-info-viewer).
_ALWAYS_ALLOWED_PATHS = ("/api", "/apis", "/version", "/openapi", "/healthz", "/livez", "/readyz")


@dataclass(frozen=True)
class RequestAttributes:
    verb: str
    path: str
    resource_request: bool
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""

    @property
    def full_resource(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass(frozen=True)
class PolicyRule:
    verbs: tuple[str, ...]
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, rule: dict[str, Any]) -> PolicyRule:
        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(v) for v in rule.get(key) or [])

        return cls(strings("verbs"), strings("apiGroups"), strings("resources"), strings("resourceNames"),
                   strings("nonResourceURLs"))

    def allows(self, attrs: RequestAttributes) -> bool:
        if "*" not in self.verbs and attrs.verb not in self.verbs:
            return False
        if not attrs.resource_request:
            return any(
                url == "*" or url == attrs.path or (url.endswith("*") and attrs.path.startswith(url[:-1]))
                for url in self.non_resource_urls
            )
        if not self.api_groups or ("*" not in self.api_groups and attrs.api_group not in self.api_groups):
            return False
        if not self._resource_matches(attrs):
            return False
        return not self.resource_names or attrs.name in self.resource_names

    def _resource_matches(self, attrs: RequestAttributes) -> bool:
        wanted = attrs.full_resource
        for res in self.resources:
            if res == "*" or res == wanted:
                return True
            # "*/status" and "pods/*" forms
            if "/" in res and attrs.subresource and fnmatchcase(wanted, res):
                return True
        return False


class RbacPolicy:
    def __init__(self, rules: list[PolicyRule]) -> None:
        self.rules = rules

    @classmethod
    def from_yaml_texts(cls, texts: list[str]) -> RbacPolicy:
        rules: list[PolicyRule] = []
        for text in texts:
            for doc in yaml.safe_load_all(text):
                if isinstance(doc, dict) and doc.get("kind") in ("ClusterRole", "Role"):
                    rules += [PolicyRule.from_dict(r) for r in doc.get("rules") or [] if isinstance(r, dict)]
        return cls(rules)

    def allows(self, attrs: RequestAttributes) -> bool:
        if not attrs.resource_request and any(
            attrs.path == p or attrs.path.startswith(p + "/") for p in _ALWAYS_ALLOWED_PATHS
        ):
            return True
        if attrs.resource_request and attrs.api_group == "authorization.k8s.io" and attrs.resource in (
            "selfsubjectaccessreviews", "selfsubjectrulesreviews"
        ):
            return True
        return any(rule.allows(attrs) for rule in self.rules)


def forbidden(attrs: RequestAttributes, user: str = SANDBOX_USER) -> StatusError:
    """The 403 body exactly as kube-apiserver words it."""
    if not attrs.resource_request:
        return StatusError(
            403, "Forbidden",
            f'forbidden: User "{user}" cannot {attrs.verb} path "{attrs.path}"', {},
        )
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    subject = f'{qualified} "{attrs.name}"' if attrs.name else qualified
    scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{user}" cannot {attrs.verb} resource "{attrs.full_resource}" '
        f'in API group "{attrs.api_group}" {scope}'
    )
    # metav1.StatusDetails: name and group are omitempty, kind is the resource
    details: dict[str, Any] = {}
    if attrs.name:
        details["name"] = attrs.name
    if attrs.api_group:
        details["group"] = attrs.api_group
    details["kind"] = attrs.resource
    return StatusError(403, "Forbidden", message, details)
