"""Validation of an object against a CRD's structural OpenAPI v3 schema, as kube-apiserver does it.

What is checked, in the order the API server checks it:

1. Defaults: an absent property with a `default` gets it (before validation, as on a real server).
2. Unknown fields (a property a closed object does not declare): collected, not errors. The caller
   decides per `fieldValidation`: Strict rejects them (400), Warn and Ignore prune them.
3. The schema: type (with `nullable` and `x-kubernetes-int-or-string`), enum, pattern, format
   `date-time`, string lengths, numeric bounds, item and property counts, required properties,
   `x-kubernetes-list-type` set/map uniqueness.
4. Only when 3 found nothing: the `x-kubernetes-validations` CEL rules, `self` being the value at the
   rule's node and `oldSelf` the value at the same path before an update (transition rules are
   skipped on create and under list items, as the API server skips uncorrelatable values). When 3
   found errors the API server does not run the rules and says so in an extra error; so does this.

Error texts follow kube-apiserver's field errors (`spec.interval: Invalid value: "banana":
spec.interval in body should match '...'`) so a caller sees the same message from the sandbox as
from a real cluster.

CEL is evaluated with the `common-expression-language` package (Rust `cel` bindings), extended here
with the Kubernetes string library functions the rules use (`substring`, `lowerAscii`, `split`, ...).
It is imported on the first rule evaluated, so a sandbox that never validates a rule never loads it.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Schema = dict[str, Any]

_SKIPPED_RULES = ("some validation rules were not checked because the object was invalid; "
                  "correct the existing errors to complete validation")


@dataclass(frozen=True)
class FieldError:
    """One field error, shaped like k8s.io/apimachinery's field.Error."""

    reason: str
    """FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueTypeInvalid, ..."""
    field: str
    detail: str
    """The message without the field path (a Status cause's `message`)."""

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}"


@dataclass
class Result:
    errors: list[FieldError] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Paths of fields a closed object does not declare (`spec.foo`)."""


def render_value(value: Any) -> str:
    """A value as kube-apiserver prints it in `Invalid value: ...` (strings quoted, JSON otherwise)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return '"null"'
    return json.dumps(_type_name(value))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", path, f"Invalid value: {render_value(value)}: {detail}")


_TYPE_OK: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _date_time_ok(value: str) -> bool:
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value or " " in value


class _Walker:
    def __init__(self, result: Result) -> None:
        self.result = result
        self.rules: list[tuple[Schema, Any, Any, str, bool]] = []
        """(schema, value, old value, path, correlatable) for every node that carries CEL rules."""

    def error(self, err: FieldError) -> None:
        self.result.errors.append(err)

    def walk(self, schema: Schema, value: Any, old: Any, path: str, correlated: bool) -> Any:
        """Validate `value`; return it with unknown fields pruned."""
        if value is None and schema.get("nullable"):
            return value  # a null for a typed field that is not nullable fails the type check below
        if not self._type(schema, value, path):
            return value
        if isinstance(value, dict):
            value = self._object(schema, value, old if isinstance(old, dict) else None, path, correlated)
        elif isinstance(value, list):
            value = self._array(schema, value, path)
        self._scalar(schema, value, path)
        if schema.get("x-kubernetes-validations"):
            self.rules.append((schema, value, old, path, correlated))
        return value

    def _type(self, schema: Schema, value: Any, path: str) -> bool:
        if schema.get("x-kubernetes-int-or-string"):
            if isinstance(value, str) or _TYPE_OK["integer"](value):
                return True
            self.error(FieldError("FieldValueTypeInvalid", path, f"Invalid value: {render_value(value)}: "
                                  f"{path} in body must be of type integer,string: {json.dumps(_type_name(value))}"))
            return False
        typ = schema.get("type")
        if typ is None and ("properties" in schema or "additionalProperties" in schema):
            typ = "object"
        if typ is None or _TYPE_OK[typ](value):
            return True
        self.error(FieldError("FieldValueTypeInvalid", path, f"Invalid value: {json.dumps(_type_name(value))}: "
                              f"{path} in body must be of type {typ}: {json.dumps(_type_name(value))}"))
        return False

    def _object(self, schema: Schema, value: dict[str, Any], old: dict[str, Any] | None, path: str,
                correlated: bool) -> dict[str, Any]:
        props: dict[str, Schema] = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if key not in value and "default" in sub:
                value = {**value, key: copy.deepcopy(sub["default"])}  # defaulting precedes validation
        for key, item in value.items():
            child = _join(path, key)
            item_schema = props.get(key)
            if item_schema is None and isinstance(extra, dict):
                item_schema = extra
            if item_schema is None:
                if preserve or extra is True:
                    out[key] = item
                else:
                    self.result.unknown.append(child)
                continue
            out[key] = self.walk(item_schema, item, (old or {}).get(key), child, correlated and old is not None)
        for key in schema.get("required") or ():
            if key not in value:
                self.error(FieldError("FieldValueRequired", _join(path, key), "Required value"))
        count = len(value)
        if "maxProperties" in schema and count > schema["maxProperties"]:
            self.error(FieldError("FieldValueTooMany", path, f"Too many: {count}: must have at most "
                                  f"{schema['maxProperties']} items"))
        if "minProperties" in schema and count < schema["minProperties"]:
            self.error(_invalid(path, count, f"{path} in body should have at least {schema['minProperties']} "
                                f"properties"))
        return out

    def _array(self, schema: Schema, value: list[Any], path: str) -> list[Any]:
        items = schema.get("items")
        out = [self.walk(items, item, None, f"{path}[{i}]", False) for i, item in enumerate(value)] \
            if isinstance(items, dict) else list(value)
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            self.error(FieldError("FieldValueTooMany", path, f"Too many: {len(value)}: must have at most "
                                  f"{schema['maxItems']} items"))
        if "minItems" in schema and len(value) < schema["minItems"]:
            self.error(_invalid(path, len(value), f"{path} in body should have at least {schema['minItems']} items"))
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "set" or schema.get("uniqueItems"):
            seen: list[Any] = []
            for i, item in enumerate(value):
                if item in seen:
                    self.error(FieldError("FieldValueDuplicate", f"{path}[{i}]",
                                          f"Duplicate value: {render_value(item)}"))
                seen.append(item)
        elif list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys") or []
            seen_keys: set[str] = set()
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                ident = json.dumps({k: item.get(k) for k in keys}, sort_keys=True)
                if ident in seen_keys:
                    self.error(FieldError("FieldValueDuplicate", f"{path}[{i}]", f"Duplicate value: {ident}"))
                seen_keys.add(ident)
        return out

    def _scalar(self, schema: Schema, value: Any, path: str) -> None:
        enum = schema.get("enum")
        if enum is not None and value not in enum:
            supported = ", ".join(json.dumps(e) for e in enum)
            self.error(FieldError("FieldValueNotSupported", path,
                                  f"Unsupported value: {render_value(value)}: supported values: {supported}"))
        if isinstance(value, str):
            pattern = schema.get("pattern")
            if pattern is not None and not _regex(pattern).search(value):
                self.error(_invalid(path, value, f"{path} in body should match '{pattern}'"))
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                self.error(FieldError("FieldValueTooLong", path,
                                      f"Too long: may not be more than {schema['maxLength']} bytes"))
            if "minLength" in schema and len(value) < schema["minLength"]:
                self.error(_invalid(path, value, f"{path} in body should be at least {schema['minLength']} "
                                    f"chars long"))
            if schema.get("format") == "date-time" and not _date_time_ok(value):
                self.error(_invalid(path, value, f"{path} in body must be of type date-time: {json.dumps(value)}"))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and (value < schema["minimum"] or
                                        (schema.get("exclusiveMinimum") and value == schema["minimum"])):
                how = "greater than" if schema.get("exclusiveMinimum") else "greater than or equal to"
                self.error(_invalid(path, value, f"{path} in body should be {how} {schema['minimum']}"))
            if "maximum" in schema and (value > schema["maximum"] or
                                        (schema.get("exclusiveMaximum") and value == schema["maximum"])):
                how = "less than" if schema.get("exclusiveMaximum") else "less than or equal to"
                self.error(_invalid(path, value, f"{path} in body should be {how} {schema['maximum']}"))


def validate(schema: Schema, obj: dict[str, Any], old: dict[str, Any] | None = None) -> tuple[Result, dict[str, Any]]:
    """Validate a custom resource `obj` (an update of `old` when given) against its openAPIV3Schema.

    Returns the result and the object with unknown fields pruned. `metadata` is validated by the
    caller (object meta is the same for every kind); CEL rules at the root see only its name, as on
    a real server.
    """
    result = Result()
    walker = _Walker(result)
    body = {k: v for k, v in obj.items() if k != "metadata"}
    root = {k: v for k, v in schema.items() if k != "required"}
    pruned = walker.walk({**root, "properties": {k: v for k, v in (schema.get("properties") or {}).items()
                                                 if k != "metadata"}}, body,
                         {k: v for k, v in (old or {}).items() if k != "metadata"} if old else None, "",
                         old is not None)
    for key in schema.get("required") or ():
        if key not in obj:
            result.errors.append(FieldError("FieldValueRequired", key, "Required value"))
    if not isinstance(pruned, dict):
        return result, obj
    pruned = {"metadata": obj.get("metadata"), **pruned} if "metadata" in obj else pruned
    if result.errors:
        if walker.rules:
            result.errors.append(FieldError("FieldValueInvalid", "<nil>", f'Invalid value: "null": {_SKIPPED_RULES}'))
        return result, pruned
    raw_meta = obj.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    for node, value, old_value, path, correlated in walker.rules:
        if path == "":
            value = {**value, "metadata": {k: meta[k] for k in ("name", "generateName") if k in meta}}
        result.errors.extend(_run_rules(node, value, old_value, path, correlated))
    return result, pruned


def defaults_only(schema: Schema) -> Schema | None:
    """The part of `schema` that leads to a `default` (None when there is none), for `apply_defaults`."""
    out: Schema = {}
    if "default" in schema:
        out["default"] = schema["default"]
    props = {k: sub for k, v in (schema.get("properties") or {}).items() if (sub := defaults_only(v)) is not None}
    if props:
        out["properties"] = props
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict) and (sub := defaults_only(schema[key])) is not None:
            out[key] = sub
    return out or None


def apply_defaults(reduced: Schema, value: Any) -> None:
    """Fill in absent defaulted properties of `value` in place, as the API server does when it reads an
    object from storage (`reduced` comes from `defaults_only`)."""
    if isinstance(value, dict):
        for key, sub in (reduced.get("properties") or {}).items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                apply_defaults(sub, value[key])
        extra = reduced.get("additionalProperties")
        if extra is not None:
            for item in value.values():
                apply_defaults(extra, item)
    elif isinstance(value, list) and "items" in reduced:
        for item in value:
            apply_defaults(reduced["items"], item)


def _run_rules(schema: Schema, value: Any, old: Any, path: str, correlated: bool) -> Iterator[FieldError]:
    where = path or "<nil>"
    shown = render_value(value) if not isinstance(value, dict | list) else json.dumps(schema.get("type", "object"))
    for rule in schema.get("x-kubernetes-validations") or ():
        source: str = rule["rule"]
        transition = "oldSelf" in source
        if transition and (not correlated or old is None):
            continue
        try:
            verdict = evaluate(source, value, old if transition else None)
        except CelError as exc:
            if exc.overload:
                detail = ("'no such overload': call arguments did not match a supported operator, function or "
                          f"macro signature for rule: {source}")
            else:
                detail = f"{exc} evaluating rule: {source}"
            yield FieldError("FieldValueInvalid", where, f"Invalid value: {shown}: {detail}")
            continue
        if verdict is not True:
            field_path = _join(path, rule["fieldPath"].lstrip(".")) if rule.get("fieldPath") else where
            message = rule.get("message") or f"failed rule: {source}"
            reason = rule.get("reason", "FieldValueInvalid")
            if reason == "FieldValueRequired":
                yield FieldError(reason, field_path, f"Required value: {message}")
            elif reason == "FieldValueForbidden":
                yield FieldError(reason, field_path, f"Forbidden: {message}")
            else:
                yield FieldError("FieldValueInvalid", field_path, f"Invalid value: {shown}: {message}")


# --- CEL -----------------------------------------------------------------------------------------


class CelError(Exception):
    """A rule that does not compile or fails at run time (no such key, no such overload, ...)."""

    def __init__(self, message: str, overload: bool = False) -> None:
        super().__init__(message)
        self.overload = overload


def _substring(s: str, start: int, end: int | None = None) -> str:
    if start < 0 or start > len(s) or (end is not None and (end < start or end > len(s))):
        raise ValueError(f"index out of range: {end if end is not None else start}")
    return s[start:] if end is None else s[start:end]


def _index_of(s: str, sub: str, start: int = 0) -> int:
    return s.find(sub, start)


def _split(s: str, sep: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    return s.split(sep, limit - 1) if limit > 0 else s.split(sep)


def _replace(s: str, old: str, new: str, limit: int = -1) -> str:
    return s.replace(old, new, limit)


def _join_list(items: list[str], sep: str = "") -> str:
    return sep.join(items)


_STRING_LIBRARY: dict[str, Callable[..., Any]] = {
    # The Kubernetes CEL string library (cel-go ext.Strings) beyond standard CEL.
    "substring": _substring,
    "charAt": lambda s, i: s[i] if i < len(s) else "",
    "indexOf": _index_of,
    "lastIndexOf": lambda s, sub: s.rfind(sub),
    "lowerAscii": lambda s: s.lower(),
    "upperAscii": lambda s: s.upper(),
    "trim": lambda s: s.strip(),
    "split": _split,
    "replace": _replace,
    "join": _join_list,
}


@lru_cache(maxsize=1024)
def _program(source: str) -> Any:
    import cel  # deferred: only a write that reaches a CEL rule pays for the import

    try:
        return cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise CelError(f"compilation failed: {exc}") from exc


def evaluate(source: str, value: Any, old: Any = None) -> Any:
    """Evaluate a validation rule with `self` (and `oldSelf` when given)."""
    import cel

    program = _program(source)
    variables: dict[str, Any] = {"self": value}
    if old is not None:
        variables["oldSelf"] = old
    context = cel.Context(variables)
    for name, fn in _STRING_LIBRARY.items():
        context.add_function(name, fn)
    try:
        return program.execute(context)
    except KeyError as exc:  # worded as cel-go words it
        raise CelError(f"no such key: {exc.args[0] if exc.args else ''}") from exc
    except (ValueError, RuntimeError, TypeError, IndexError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        overload = isinstance(exc, TypeError) or "unsupported operation" in text.lower() \
            or "no such overload" in text.lower()
        raise CelError(text, overload=overload) from exc
