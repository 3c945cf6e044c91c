"""Reading request bodies and query strings into validated shapes, with clear refusals."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from api.bounds import BadPathParameter, path_value
from api.errors import DomainError

M = TypeVar("M", bound=BaseModel)
MAX_JSON_DEPTH = 32  # no request shape nests deeper than a few levels


def _deeper_than(data: Any, limit: int) -> bool:
    # Iterative, so that the walk itself cannot exhaust the stack.
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _problems(exc: ValidationError) -> list[dict[str, Any]]:
    # Echo where and what, never the submitted value: it may be personal data.
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "problem": err["msg"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes ``limit`` bytes."""
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise DomainError("PAYLOAD_TOO_LARGE", f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A JSON object from bytes, or ``MALFORMED_JSON`` (also when nested deeper than
    :data:`MAX_JSON_DEPTH`). An empty body is an empty object, so that endpoints whose fields
    are all optional can be called without one."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("MALFORMED_JSON", "request body is not valid JSON") from exc
    except RecursionError:
        data = None  # nested past the interpreter's own limit: refused just below
    if data is None or (isinstance(data, dict) and _deeper_than(data, MAX_JSON_DEPTH)):
        raise DomainError("MALFORMED_JSON", f"request body nests deeper than {MAX_JSON_DEPTH}")
    if not isinstance(data, dict):
        raise DomainError("MALFORMED_JSON", "request body must be a JSON object")
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``, or ``VALIDATION_ERROR`` naming each faulty field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DomainError(
            "VALIDATION_ERROR", "request does not match the expected shape", details=_problems(exc)
        ) from exc


async def parse_body(request: Request, model: type[M], limit: int) -> M:
    """Read, decode and validate a JSON body."""
    return validate(model, parse_json_object(await read_body(request, limit)))


def parse_query(request: Request, model: type[M]) -> M:
    """Validate the query string (single values) as ``model``."""
    return validate(model, dict(request.query_params))


def parse_path(request: Request) -> None:
    """Each path parameter as its type in :data:`api.bounds.PATH_PARAMETERS`, in place; a
    value outside its type names nothing (``NOT_FOUND``)."""
    params = request.scope.get("path_params", {})
    for name, raw in params.items():
        try:
            params[name] = path_value(name, raw)
        except BadPathParameter:
            raise DomainError("NOT_FOUND", f"no such {name.removesuffix('_id')}") from None


def path_int(request: Request, name: str) -> int:
    """A whole-number path parameter (already checked against its bounds by ``api_route``)."""
    value = path_value(name, request.path_params[name])
    assert isinstance(value, int)
    return value
