"""Label and field selectors with the kube-apiserver grammar."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
Predicate = Callable[[Obj], bool]


class SelectorError(ValueError):
    """A selector the API server would reject with 400 BadRequest."""


_LABEL_KEY = re.compile(r"^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$")
_SET_TERM = re.compile(r"^\s*(?P<key>[^\s!=()]+)\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str
    """one of =, !=, in, notin, exists, !exists"""
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and labels[self.key] in self.values
        # != and notin match objects without the label, like the API server
        return not present or labels[self.key] not in self.values


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside a parenthesised value set."""
    terms: list[str] = []
    depth = 0
    current = ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    terms.append(current)
    return [t.strip() for t in terms if t.strip()]


def parse_label_selector(selector: str) -> list[Requirement]:
    reqs: list[Requirement] = []
    for term in _split_terms(selector):
        m = _SET_TERM.match(term)
        if m:
            values = tuple(v.strip() for v in m.group("values").split(",") if v.strip())
            reqs.append(Requirement(_key(m.group("key")), m.group("op"), values))
        elif "!=" in term:
            k, v = term.split("!=", 1)
            reqs.append(Requirement(_key(k), "!=", (v.strip(),)))
        elif "==" in term:
            k, v = term.split("==", 1)
            reqs.append(Requirement(_key(k), "=", (v.strip(),)))
        elif "=" in term:
            k, v = term.split("=", 1)
            reqs.append(Requirement(_key(k), "=", (v.strip(),)))
        elif term.startswith("!"):
            reqs.append(Requirement(_key(term[1:]), "!exists"))
        else:
            reqs.append(Requirement(_key(term), "exists"))
    return reqs


def _key(raw: str) -> str:
    key = raw.strip()
    if not _LABEL_KEY.match(key):
        raise SelectorError(f"unable to parse requirement: invalid label key {key!r}")
    return key


def label_predicate(selector: str | None) -> Predicate | None:
    if not selector:
        return None
    reqs = parse_label_selector(selector)

    def match(obj: Obj) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r.matches(labels) for r in reqs)

    return match


# Field labels each kind supports, beyond metadata.name and metadata.namespace.
_FIELD_LABELS: dict[str, frozenset[str]] = {
    "/events": frozenset({
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    }),
    "/pods": frozenset({"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                        "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"}),
    "/secrets": frozenset({"type"}),
    "/namespaces": frozenset({"status.phase"}),
    "/nodes": frozenset({"spec.unschedulable"}),
    "apps/replicasets": frozenset({"status.replicas"}),
    "batch/jobs": frozenset({"status.successful"}),
}


def _field_value(obj: Obj, path: str) -> str:
    if path == "source":
        return str((obj.get("source") or {}).get("component", ""))
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def field_predicate(selector: str | None, type_key: str) -> Predicate | None:
    if not selector:
        return None
    allowed = {"metadata.name", "metadata.namespace"} | _FIELD_LABELS.get(type_key, frozenset())
    checks: list[tuple[str, bool, str]] = []
    for term in _split_terms(selector):
        if "!=" in term:
            path, value = term.split("!=", 1)
            negate = True
        elif "==" in term:
            path, value = term.split("==", 1)
            negate = False
        elif "=" in term:
            path, value = term.split("=", 1)
            negate = False
        else:
            raise SelectorError(f"invalid selector: '{selector}'; can't understand '{term}'")
        path = path.strip()
        if path not in allowed:
            raise SelectorError(f'field label not supported: {path}')
        checks.append((path, negate, value.strip()))

    def match(obj: Obj) -> bool:
        return all((_field_value(obj, p) == v) != neg for p, neg, v in checks)

    return match
