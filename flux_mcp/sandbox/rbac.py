"""RBAC enforcement from Role, ClusterRole and binding YAML, with kube-apiserver's authorization
semantics and its 403 message shape.

As kube-apiserver's RBAC authorizer decides:
- a ClusterRoleBinding grants its ClusterRole's rules everywhere (every namespace, cluster-scoped
  resources, non-resource URLs);
- a RoleBinding grants its Role's rules, or its ClusterRole's, only for requests in the binding's
  namespace; a request with no namespace (a cluster-scoped resource, a list across all namespaces)
  needs a cluster-wide grant; nonResourceURLs count only through a ClusterRoleBinding;
- a GET of a Namespace is a request in that namespace (kube-apiserver's RequestInfo), so a
  namespaced grant on `namespaces` covers the namespace the binding lives in.

Roles and ClusterRoles that no binding in the texts names are granted to the sandbox's own
identity (`SANDBOX_USER`), as if bound to it: a ClusterRole cluster-wide, a Role in its namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import yaml

from flux_mcp.sandbox.errors import StatusError

SANDBOX_USER = "system:serviceaccount:flux-system:fluxcd-mcp"
AUTHENTICATED = "system:authenticated"

# Paths every authenticated user may read (system:discovery / system:public-info-viewer).
_ALWAYS_ALLOWED_PATHS = ("/api", "/apis", "/version", "/openapi", "/healthz", "/livez", "/readyz")
# What system:basic-user grants every authenticated user: asking about oneself.
_SELF_REVIEWS = frozenset({
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
})


@dataclass(frozen=True)
class UserInfo:
    """Who a request comes from, as the authenticator hands it to the authorizer."""

    name: str
    groups: tuple[str, ...] = (AUTHENTICATED,)


SANDBOX_USER_INFO = UserInfo(SANDBOX_USER, ("system:serviceaccounts", "system:serviceaccounts:flux-system",
                                             AUTHENTICATED))


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


@dataclass(frozen=True)
class Subject:
    kind: str
    """User, Group or ServiceAccount."""
    name: str
    namespace: str = ""

    def matches(self, user: UserInfo) -> bool:
        if self.kind == "User":
            return self.name == user.name
        if self.kind == "Group":
            return self.name in user.groups
        if self.kind == "ServiceAccount":
            return user.name == f"system:serviceaccount:{self.namespace}:{self.name}"
        return False


@dataclass(frozen=True)
class Grant:
    """The rules of one role, granted to `subjects` in `namespace` (None: everywhere)."""

    rules: tuple[PolicyRule, ...]
    namespace: str | None
    subjects: tuple[Subject, ...]
    source: str
    """The binding as kube-apiserver names it in an access review's reason."""

    def allowed_by(self, attrs: RequestAttributes, user: UserInfo) -> str | None:
        """`source` and the subject that matched, when this grant allows the request."""
        if self.namespace is not None and (not attrs.resource_request or attrs.namespace != self.namespace):
            return None
        subject = next((s for s in self.subjects if s.matches(user)), None)
        if subject is None or not any(rule.allows(attrs) for rule in self.rules):
            return None
        named = f"{subject.name}/{subject.namespace}" if subject.kind == "ServiceAccount" else subject.name
        return f'{self.source} to {subject.kind} "{named}"'


_SANDBOX_SUBJECT = (Subject("User", SANDBOX_USER),)


def _rules(doc: dict[str, Any]) -> tuple[PolicyRule, ...]:
    return tuple(PolicyRule.from_dict(r) for r in doc.get("rules") or [] if isinstance(r, dict))


def _subjects(doc: dict[str, Any], namespace: str) -> tuple[Subject, ...]:
    subjects = []
    for item in doc.get("subjects") or []:
        if isinstance(item, dict):
            subjects.append(Subject(str(item.get("kind") or ""), str(item.get("name") or ""),
                                    str(item.get("namespace") or namespace)))
    return tuple(subjects)


class RbacPolicy:
    def __init__(self, grants: list[Grant]) -> None:
        self.grants = grants

    @classmethod
    def from_yaml_texts(cls, texts: list[str]) -> RbacPolicy:
        """Roles, ClusterRoles and their bindings (any number of documents per text)."""
        cluster_roles: dict[str, dict[str, Any]] = {}
        roles: dict[tuple[str, str], dict[str, Any]] = {}
        bindings: list[dict[str, Any]] = []
        for text in texts:
            for doc in yaml.safe_load_all(text):
                if not isinstance(doc, dict):
                    continue
                metadata = doc.get("metadata") or {}
                name = str(metadata.get("name") or "")
                if doc.get("kind") == "ClusterRole":
                    cluster_roles[name] = doc
                elif doc.get("kind") == "Role":
                    roles[(str(metadata.get("namespace") or "default"), name)] = doc
                elif doc.get("kind") in ("RoleBinding", "ClusterRoleBinding"):
                    bindings.append(doc)
        grants: list[Grant] = []
        bound_roles: set[tuple[str, str]] = set()
        bound_cluster_roles: set[str] = set()
        for binding in bindings:
            metadata = binding.get("metadata") or {}
            name = str(metadata.get("name") or "")
            ref = binding.get("roleRef") or {}
            ref_kind, ref_name = str(ref.get("kind") or ""), str(ref.get("name") or "")
            if binding["kind"] == "ClusterRoleBinding":
                namespace: str | None = None
                subjects = _subjects(binding, "")
                role = cluster_roles.get(ref_name) if ref_kind == "ClusterRole" else None
                bound_cluster_roles.add(ref_name)
            else:
                namespace = str(metadata.get("namespace") or "default")
                subjects = _subjects(binding, namespace)
                if ref_kind == "Role":
                    role = roles.get((namespace, ref_name))
                    bound_roles.add((namespace, ref_name))
                else:
                    role = cluster_roles.get(ref_name) if ref_kind == "ClusterRole" else None
                    bound_cluster_roles.add(ref_name)
            if role is not None:
                named = f"{name}/{namespace}" if namespace else name
                grants.append(Grant(_rules(role), namespace, subjects,
                                    f'{binding["kind"]} "{named}" of {ref_kind} "{ref_name}"'))
        for name, role in cluster_roles.items():
            if name not in bound_cluster_roles:
                grants.append(Grant(_rules(role), None, _SANDBOX_SUBJECT,
                                    f'ClusterRoleBinding "{name}" of ClusterRole "{name}"'))
        for (namespace, name), role in roles.items():
            if (namespace, name) not in bound_roles:
                grants.append(Grant(_rules(role), namespace, _SANDBOX_SUBJECT,
                                    f'RoleBinding "{name}/{namespace}" of Role "{name}"'))
        return cls(grants)

    def allows(self, attrs: RequestAttributes, user: UserInfo = SANDBOX_USER_INFO) -> bool:
        return self.allowed_by(attrs, user) is not None

    def allowed_by(self, attrs: RequestAttributes, user: UserInfo = SANDBOX_USER_INFO) -> str | None:
        """Why the request is allowed (kube-apiserver's "RBAC: allowed by ..." reason, "" for what every
        authenticated user may do), None when it is denied."""
        if not attrs.resource_request and any(
            attrs.path == p or attrs.path.startswith(p + "/") for p in _ALWAYS_ALLOWED_PATHS
        ):
            return ""
        if attrs.resource_request and (attrs.api_group, attrs.resource) in _SELF_REVIEWS:
            return ""
        for grant in self.grants:
            source = grant.allowed_by(attrs, user)
            if source is not None:
                return f"RBAC: allowed by {source}"
        return None


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
