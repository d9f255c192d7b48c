"""The checks kube-apiserver makes on an object before it stores it, for the fields the sandbox serves.

Three layers, in the API server's order:

1. **Decoding** (`check_structure`): a real server decodes the body into its Go type first, so an
   object whose `metadata` is not an object, or whose `ConfigMap.data` is not a string map, fails
   with 422 Invalid and changes nothing.
2. **Unknown fields**: custom resources are checked against their CRD's structural schema
   (`openapi.validate`), built-in kinds against the fields of their Go type for the kinds and
   levels the sandbox knows (`_BUILTIN_FIELDS`). `fieldValidation=Strict` rejects them with 400
   BadRequest (`strict decoding error: unknown field "spec.foo"`), `Warn` (the server default)
   and `Ignore` drop them, `Warn` with a warning.
3. **Validation**: the CRD schema and its CEL rules for custom resources; for built-in kinds the
   rules of `k8s.io/kubernetes/pkg/apis/*/validation` that concern the fields our fleet, scenarios
   and tools write: object names, label and annotation keys and values, owner references,
   workload selectors against template labels, containers, service ports, event namespaces,
   config keys. All errors come back in one 422 Invalid Status with a cause per field.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from flux_mcp.sandbox import errors
from flux_mcp.sandbox.decoding import Verb, check_decoding
from flux_mcp.sandbox.discovery import ResourceType
from flux_mcp.sandbox.openapi import FieldError, Schema, render_value, validate

FieldValidation = Literal["Strict", "Warn", "Ignore"]
FIELD_VALIDATIONS: tuple[FieldValidation, ...] = ("Strict", "Warn", "Ignore")

_METADATA_STRING_MAPS = ("labels", "annotations")
_CORE_STRING_MAPS: dict[str, tuple[str, ...]] = {
    "ConfigMap": ("data", "binaryData"),
    "Secret": ("data", "stringData"),
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_structure(rt: ResourceType, name: str, obj: dict[str, Any], verb: Verb = "create",
                    patch: Any = None) -> None:
    """Raise what kube-apiserver answers when `obj` (the object after a write of object `name` by `verb`)
    does not decode into its type (`decoding.check_decoding`)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        raise errors.invalid(rt, name, "metadata: Required value: must be an object", "metadata")
    if not metadata.get("name"):
        # Removing the name is an update of an immutable field, not a way back to the URL's name.
        raise errors.invalid(rt, name, 'metadata.name: Invalid value: "": field is immutable', "metadata.name")
    check_decoding(rt, obj, verb, patch)


# --- names, labels, annotations ----------------------------------------------------------------

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")

_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
              "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
              "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                  "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
_QUALIFIED_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                  "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                    "'my_value',  or '12345', regex used for validation is "
                    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
_CONFIG_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', "
                   " or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")

_LABEL_NAMED = frozenset({("", "Namespace"), ("", "Service")})
"""Kinds whose names must be DNS-1123 labels; every other kind the sandbox serves takes a subdomain."""


def _invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", path, f"Invalid value: {render_value(value)}: {detail}")


def _required(path: str, detail: str = "") -> FieldError:
    return FieldError("FieldValueRequired", path, f"Required value: {detail}" if detail else "Required value")


def _not_supported(path: str, value: Any, supported: Iterable[str]) -> FieldError:
    listed = ", ".join(f'"{s}"' for s in supported)
    return FieldError("FieldValueNotSupported", path, f"Unsupported value: {render_value(value)}: "
                      f"supported values: {listed}")


def _dns_name_errors(path: str, value: str, limit: int, pattern: re.Pattern[str], message: str) -> list[FieldError]:
    out = []
    if len(value) > limit:
        out.append(_invalid(path, value, f"must be no more than {limit} characters"))
    if not pattern.fullmatch(value):
        out.append(_invalid(path, value, message))
    return out


def dns_label_errors(path: str, value: str) -> list[FieldError]:
    return _dns_name_errors(path, value, 63, _DNS1123_LABEL, _LABEL_MSG)


def dns_subdomain_errors(path: str, value: str) -> list[FieldError]:
    return _dns_name_errors(path, value, 253, _DNS1123_SUBDOMAIN, _SUBDOMAIN_MSG)


def _qualified_name_errors(path: str, key: str) -> list[FieldError]:
    prefix, _, name = key.rpartition("/")
    out = []
    if "/" in key and (not prefix or not _DNS1123_SUBDOMAIN.fullmatch(prefix) or len(prefix) > 253):
        out.append(_invalid(path, key, "prefix part " + _SUBDOMAIN_MSG))
    if not name:
        out.append(_invalid(path, key, "name part must be non-empty"))
    elif len(name) > 63:
        out.append(_invalid(path, key, "name part must be no more than 63 characters"))
    elif not _QUALIFIED_NAME.fullmatch(name):
        out.append(_invalid(path, key, _QUALIFIED_MSG))
    return out


def metadata_errors(rt: ResourceType, meta: dict[str, Any]) -> list[FieldError]:
    out: list[FieldError] = []
    name = meta.get("name")
    if not name:
        out.append(_required("metadata.name", "name or generateName is required"))
    elif isinstance(name, str):
        check = dns_label_errors if (rt.group, rt.kind) in _LABEL_NAMED else dns_subdomain_errors
        out += check("metadata.name", name)
    for key, value in (meta.get("labels") or {}).items():
        out += _qualified_name_errors("metadata.labels", key)
        if isinstance(value, str):
            if len(value) > 63:
                out.append(_invalid("metadata.labels", value, "must be no more than 63 characters"))
            if not _LABEL_VALUE.fullmatch(value):
                out.append(_invalid("metadata.labels", value, _LABEL_VALUE_MSG))
    annotations = meta.get("annotations") or {}
    for key in annotations:
        out += _qualified_name_errors("metadata.annotations", key.lower())  # annotation keys may have capitals
    size = sum(len(k) + len(v) for k, v in annotations.items() if isinstance(v, str))
    if size > 256 * 1024:
        out.append(FieldError("FieldValueTooLong", "metadata.annotations",
                              "Too long: may not be more than 262144 bytes"))
    for i, ref in enumerate(meta.get("ownerReferences") or []):
        where = f"metadata.ownerReferences[{i}]"
        if not isinstance(ref, dict):
            out.append(_invalid(where, ref, "must be an object"))
            continue
        for key in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(key):
                out.append(_invalid(f"{where}.{key}", ref.get(key, ""), f"{key} must not be empty"))
    return out


# --- built-in kinds ----------------------------------------------------------------------------

_COMMON = frozenset({"apiVersion", "kind", "metadata"})
_BUILTIN_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("", "Namespace"): _COMMON | {"spec", "status"},
    ("", "Node"): _COMMON | {"spec", "status"},
    ("", "Pod"): _COMMON | {"spec", "status"},
    ("", "Service"): _COMMON | {"spec", "status"},
    ("", "ConfigMap"): _COMMON | {"data", "binaryData", "immutable"},
    ("", "Secret"): _COMMON | {"data", "stringData", "type", "immutable"},
    ("", "ServiceAccount"): _COMMON | {"secrets", "imagePullSecrets", "automountServiceAccountToken"},
    ("", "Event"): _COMMON | {"involvedObject", "reason", "message", "source", "firstTimestamp",
                              "lastTimestamp", "count", "type", "eventTime", "series", "action", "related",
                              "reportingComponent", "reportingInstance"},
    ("apps", "Deployment"): _COMMON | {"spec", "status"},
    ("apps", "ReplicaSet"): _COMMON | {"spec", "status"},
    ("apps", "StatefulSet"): _COMMON | {"spec", "status"},
    ("apps", "DaemonSet"): _COMMON | {"spec", "status"},
    ("batch", "Job"): _COMMON | {"spec", "status"},
    ("batch", "CronJob"): _COMMON | {"spec", "status"},
}
"""The top-level fields of the Go types (unknown ones are rejected or pruned per fieldValidation)."""

_OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
})

_WORKLOADS = frozenset({("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
                        ("apps", "DaemonSet")})


def _selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _selector_errors(path: str, selector: dict[str, Any]) -> list[FieldError]:
    out: list[FieldError] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        out += _qualified_name_errors(f"{path}.matchLabels", key)
        if isinstance(value, str) and not _LABEL_VALUE.fullmatch(value):
            out.append(_invalid(f"{path}.matchLabels", value, _LABEL_VALUE_MSG))
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        where = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            out.append(_not_supported(f"{where}.operator", op, ("In", "NotIn", "Exists", "DoesNotExist")))
        elif op in ("In", "NotIn") and not expr.get("values"):
            out.append(_required(f"{where}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist") and expr.get("values"):
            out.append(FieldError("FieldValueForbidden", f"{where}.values",
                                  "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        out.append(FieldError("FieldValueInvalid", path, 'Invalid value: "{}": empty selector is invalid'))
    return out


def _pod_spec_errors(path: str, spec: Any, restart_policies: tuple[str, ...]) -> list[FieldError]:
    if not isinstance(spec, dict):
        return [_required(path)]
    out: list[FieldError] = []
    containers = spec.get("containers")
    if not containers:
        out.append(_required(f"{path}.containers"))
    names: set[str] = set()
    for group in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(group) or []):
            where = f"{path}.{group}[{i}]"
            if not isinstance(container, dict):
                out.append(_invalid(where, container, "must be an object"))
                continue
            cname = container.get("name")
            if not cname:
                out.append(_required(f"{where}.name"))
            elif isinstance(cname, str):
                out += dns_label_errors(f"{where}.name", cname)
                if cname in names:
                    out.append(FieldError("FieldValueDuplicate", f"{where}.name", f"Duplicate value: \"{cname}\""))
                names.add(cname)
            if group == "containers" and not container.get("image"):
                out.append(_required(f"{where}.image"))
            for j, port in enumerate(container.get("ports") or []):
                number = port.get("containerPort") if isinstance(port, dict) else None
                if not isinstance(number, int) or not 0 < number < 65536:
                    out.append(_invalid(f"{where}.ports[{j}].containerPort", number,
                                        "must be between 1 and 65535, inclusive"))
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in restart_policies:
        out.append(_not_supported(f"{path}.restartPolicy", policy, restart_policies))
    return out


def _workload_errors(rt: ResourceType, obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [_required("spec")]
    out: list[FieldError] = []
    replicas = spec.get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or replicas < 0):
        out.append(_invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    selector = spec.get("selector")
    template = spec.get("template")
    if not isinstance(selector, dict):
        out.append(_required("spec.selector"))
    else:
        out += _selector_errors("spec.selector", selector)
    if not isinstance(template, dict):
        out.append(_required("spec.template"))
        return out
    labels = (template.get("metadata") or {}).get("labels") or {}
    if isinstance(selector, dict) and not _selector_matches(selector, labels):
        out.append(FieldError("FieldValueInvalid", "spec.template.metadata.labels",
                              f"Invalid value: {_go_map(labels)}: `selector` does not match template `labels`"))
    out += _pod_spec_errors("spec.template.spec", template.get("spec"), ("Always",))
    if rt.kind == "Deployment":
        strategy = (spec.get("strategy") or {}).get("type")
        if strategy is not None and strategy not in ("Recreate", "RollingUpdate"):
            out.append(_not_supported("spec.strategy.type", strategy, ("Recreate", "RollingUpdate")))
    return out


def _go_map(labels: dict[str, str]) -> str:
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return f"map[string]string{{{inner}}}"


def _service_errors(obj: dict[str, Any]) -> list[FieldError]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [_required("spec")]
    out: list[FieldError] = []
    kind = spec.get("type", "ClusterIP")
    types = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
    if kind not in types:
        out.append(_not_supported("spec.type", kind, types))
    ports = spec.get("ports") or []
    if not ports and kind != "ExternalName" and spec.get("clusterIP") != "None":
        out.append(_required("spec.ports"))
    for i, port in enumerate(ports):
        where = f"spec.ports[{i}]"
        number = port.get("port") if isinstance(port, dict) else None
        if not isinstance(number, int) or not 0 < number < 65536:
            out.append(_invalid(f"{where}.port", number, "must be between 1 and 65535, inclusive"))
        protocol = port.get("protocol", "TCP") if isinstance(port, dict) else "TCP"
        if protocol not in ("SCTP", "TCP", "UDP"):
            out.append(_not_supported(f"{where}.protocol", protocol, ("SCTP", "TCP", "UDP")))
        if len(ports) > 1 and isinstance(port, dict) and not port.get("name"):
            out.append(_required(f"{where}.name"))
    return out


def _event_errors(obj: dict[str, Any]) -> list[FieldError]:
    out: list[FieldError] = []
    involved = obj.get("involvedObject")
    namespace = (obj.get("metadata") or {}).get("namespace")
    if not isinstance(involved, dict):
        return [_required("involvedObject")]
    ns = involved.get("namespace") or ""
    if obj.get("eventTime") is None and (ns != namespace if ns else namespace not in ("", "default")):
        # a legacy event (no eventTime): its namespace is its object's, or default for cluster objects
        out.append(_invalid("involvedObject.namespace", ns, "does not match event.namespace"))
    if not involved.get("kind") and not involved.get("name"):
        out.append(_required("involvedObject"))
    return out


def _config_errors(obj: dict[str, Any], keys: tuple[str, ...], base64_key: str | None) -> list[FieldError]:
    out: list[FieldError] = []
    for key in keys:
        for item_key, value in (obj.get(key) or {}).items():
            if not _CONFIG_KEY.fullmatch(item_key) or len(item_key) > 253:
                out.append(_invalid(f"{key}[{item_key}]", item_key, _CONFIG_KEY_MSG))
            if key == base64_key and isinstance(value, str):
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    out.append(_invalid(f"{key}[{item_key}]", "<secret contents redacted>",
                                        "illegal base64 data"))
    return out


_KIND_CHECKS: dict[tuple[str, str], Callable[[ResourceType, dict[str, Any]], list[FieldError]]] = {
    ("", "Service"): lambda rt, o: _service_errors(o),
    ("", "Event"): lambda rt, o: _event_errors(o),
    ("", "Pod"): lambda rt, o: _pod_spec_errors("spec", o.get("spec"), ("Always", "OnFailure", "Never")),
    ("", "ConfigMap"): lambda rt, o: _config_errors(o, ("data", "binaryData"), "binaryData"),
    ("", "Secret"): lambda rt, o: _config_errors(o, ("data", "stringData"), "data"),
    **{gk: _workload_errors for gk in _WORKLOADS},
}


def builtin_errors(rt: ResourceType, obj: dict[str, Any]) -> list[FieldError]:
    """The validation errors the API server reports for a built-in kind (beyond unknown fields)."""
    check = _KIND_CHECKS.get((rt.group, rt.kind))
    return check(rt, obj) if check else []


def builtin_unknown_fields(rt: ResourceType, obj: dict[str, Any]) -> list[str]:
    known = _BUILTIN_FIELDS.get((rt.group, rt.kind))
    unknown = [key for key in obj if known is not None and key not in known]
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        unknown += [f"metadata.{key}" for key in meta if key not in _OBJECT_META_FIELDS]
    return unknown


# --- admission -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What `admit` found: the object to store (unknown fields pruned) and warnings for the client."""

    obj: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _prune(obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    for path in paths:
        parts = path.split(".")
        node: Any = obj
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return obj


def admit(
    rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None, schema: Schema | None,
    field_validation: FieldValidation = "Warn",
) -> Verdict:
    """Validate `obj` (a create when `old` is None) as kube-apiserver would; raise its Status error.

    `schema` is the openAPIV3Schema of a custom resource (None for built-in kinds).
    """
    name = str((obj.get("metadata") or {}).get("name") or "")
    check_structure(rt, name, obj)
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    field_errors = metadata_errors(rt, meta or {})
    if schema is not None:
        result, pruned = validate(schema, obj, old)
        unknown = result.unknown + [f"metadata.{k}" for k in (meta or {}) if k not in _OBJECT_META_FIELDS]
        field_errors += result.errors
    else:
        pruned = obj
        unknown = builtin_unknown_fields(rt, obj)
        field_errors += builtin_errors(rt, obj)
    if unknown and field_validation == "Strict":
        listed = ", ".join(f'unknown field "{path}"' for path in unknown)
        raise errors.bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                                 f"strict decoding error: {listed}")
    pruned = _prune(pruned, [p for p in unknown if p.startswith("metadata.") or schema is None])
    if field_errors:
        raise errors.invalid_fields(rt, name, field_errors)
    warnings = [f'unknown field "{path}"' for path in unknown] if field_validation == "Warn" else []
    return Verdict(pruned, warnings)
