"""Kubernetes `Status` errors, shaped like the kube-apiserver's."""

from __future__ import annotations

from typing import Any

from flux_mcp.sandbox.discovery import ResourceType
from flux_mcp.sandbox.openapi import FieldError


class StatusError(Exception):
    """An API failure the HTTP layer renders as a `kind: Status` body."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if not self.reason:
            del body["reason"]  # metav1.Status.reason is omitempty (an internal error has none)
        if self.details is not None:
            body["details"] = self.details
        return body


def _details(rt: ResourceType, name: str, **extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": rt.plural}
    if rt.group:
        details["group"] = rt.group
    details.update(extra)
    return details


def not_found(rt: ResourceType, name: str) -> StatusError:
    return StatusError(404, "NotFound", f'{rt.qualified} "{name}" not found', _details(rt, name))


def namespace_not_found(namespace: str) -> StatusError:
    return StatusError(
        404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"}
    )


def already_exists(rt: ResourceType, name: str) -> StatusError:
    return StatusError(409, "AlreadyExists", f'{rt.qualified} "{name}" already exists', _details(rt, name))


def conflict(rt: ResourceType, name: str, why: str) -> StatusError:
    return StatusError(
        409, "Conflict", f'Operation cannot be fulfilled on {rt.qualified} "{name}": {why}', _details(rt, name)
    )


def qualified_kind(rt: ResourceType) -> str:
    """`Kind.group` as kube-apiserver names a kind in an Invalid message (`Pod` for the core group)."""
    return f"{rt.kind}.{rt.group}" if rt.group else rt.kind


def invalid(rt: ResourceType, name: str, why: str, field: str = "") -> StatusError:
    """422 Invalid for one field error written as `field: detail`."""
    if field and why.startswith(f"{field}: "):
        detail = why[len(field) + 2:]
        reason = "FieldValueRequired" if detail.startswith("Required value") else "FieldValueInvalid"
        return invalid_fields(rt, name, [FieldError(reason, field, detail)])
    causes = [{"reason": "FieldValueInvalid", "message": why, "field": field}] if field else []
    details = _details(rt, name, kind=rt.kind)
    if causes:
        details["causes"] = causes
    return StatusError(422, "Invalid", f'{qualified_kind(rt)} "{name}" is invalid: {why}', details)


def invalid_fields(rt: ResourceType, name: str, field_errors: list[FieldError]) -> StatusError:
    """422 Invalid with one cause per field error, worded like kube-apiserver's aggregate."""
    texts = [str(e) for e in field_errors]
    summary = texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"
    details = _details(rt, name, kind=rt.kind)
    details["causes"] = [{"reason": e.reason, "message": e.detail, "field": e.field} for e in field_errors]
    return StatusError(422, "Invalid", f'{qualified_kind(rt)} "{name}" is invalid: {summary}', details)


def unprocessable_patch(why: str) -> StatusError:
    return StatusError(422, "Invalid", why)


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


PATCH_MEDIA_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
BODY_MEDIA_TYPES = ("application/json", "application/yaml")


def unsupported_media_type(content_type: str, accepted: tuple[str, ...] = PATCH_MEDIA_TYPES) -> StatusError:
    return StatusError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - "
                       f"accepted media types include: {', '.join(accepted)} "
                       f"(got {content_type or 'none'})")


def method_not_supported(rt: ResourceType, verb: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", f"{verb} is not supported on resources of kind "
                       f'"{rt.qualified}"', {"kind": rt.plural, "group": rt.group})


def path_not_found() -> StatusError:
    return StatusError(404, "NotFound", "the server could not find the requested resource",
                       {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})


def expired_continue() -> StatusError:
    return StatusError(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start "
        "a new list without the continue parameter.",
    )
