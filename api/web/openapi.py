"""/openapi.json built from the endpoint declarations, and /docs, a page that shows it."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.bounds import path_schema
from api.errors import HTTP_STATUS
from api.schemas import ErrorOut
from api.web.endpoint import EndpointSpec, path_parameters
from api.web.middleware import CSP

_REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _schema(
    model: type[BaseModel], components: dict[str, Any], mode: str = "validation"
) -> dict[str, Any]:
    # Answers are published as they are sent (``mode="serialization"``: ``from``, not ``first``).
    schema = model.model_json_schema(ref_template=_REF, by_alias=True, mode=mode)  # type: ignore[arg-type]
    components.update(schema.pop("$defs", {}))
    name = model.__name__
    if components.get(name, schema) != schema:
        # Two areas' shapes share a name (admin's and channels' SessionRequest): the area's
        # name keeps them apart, so neither is published as the other.
        name = model.__module__.split(".")[1].title() + name
    components[name] = schema
    return {"$ref": _REF.format(model=name)}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    # Each field's own JSON schema, under the name it is sent by (``from``, not ``first``).
    schema = model.model_json_schema(by_alias=True, ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _present(prop)}
        for name, prop in schema["properties"].items()
    ]


def _present(prop: dict[str, Any]) -> dict[str, Any]:
    # An optional query parameter is left out, never sent as null: publish its value's schema.
    options = [o for o in prop.get("anyOf", ()) if o.get("type") != "null"]
    if len(options) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**options[0], **rest}


def _implied_errors(spec: EndpointSpec) -> list[str]:
    """The refusals every endpoint of this shape can answer, whatever its handler does."""
    implied = []
    if spec.auth:
        implied += ["UNAUTHENTICATED", "FORBIDDEN"]
    if path_parameters(spec.path):
        implied.append("NOT_FOUND")
    if spec.body is not None:
        implied += ["MALFORMED_JSON", "PAYLOAD_TOO_LARGE"]
    if spec.body is not None or spec.query is not None:
        implied.append("VALIDATION_ERROR")
    return implied


def _operation(spec: EndpointSpec, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": spec.summary, "tags": list(spec.tags) or ["misc"]}
    params = [
        {"name": name, "in": "path", "required": True, "schema": path_schema(name)}
        for name in path_parameters(spec.path)
    ]
    if spec.query is not None:
        params += _query_parameters(spec.query, components)
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(spec.body, components)}},
        }
    ok: dict[str, Any] = {"description": "success"}
    if spec.response is not None:
        ok["content"] = {
            "application/json": {"schema": _schema(spec.response, components, "serialization")}
        }
    responses: dict[str, Any] = {str(spec.status): ok}
    if spec.response is None and spec.status == 200:  # a handler that returns nothing
        responses["204"] = {"description": "done, nothing to show"}
    error_ref = _schema(ErrorOut, components, "serialization")
    for code in dict.fromkeys([*spec.errors, *_implied_errors(spec)]):
        status = str(HTTP_STATUS.get(code, 500))
        entry = responses.setdefault(
            status, {"description": "", "content": {"application/json": {"schema": error_ref}}}
        )
        entry["description"] = ", ".join(filter(None, [entry["description"], code]))
    op["responses"] = responses
    described = [spec.description] if spec.description else []
    if spec.auth:
        op["security"] = [{"bearer": []}]
        described.append(
            f"Callers: {', '.join(spec.auth)}"
            + (f" with scope `{spec.scope}`" if spec.scope else "")
            + "."
        )
    if described:
        op["description"] = "\n\n".join(described)
    return op


def _walk(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, Route]]:
    found: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Route) and hasattr(route, "spec"):
            found.append((prefix + route.path, route))
        sub = getattr(route, "routes", None)
        if sub and not isinstance(route, Route):
            found.extend(_walk(list(sub), prefix + getattr(route, "path", "")))
    return found


def build_openapi(routes: list[BaseRoute], title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared endpoint."""
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for path, route in _walk(routes):
        spec: EndpointSpec = route.spec  # type: ignore[attr-defined]
        openapi_path = _PARAM.sub(r"{\1}", path)
        paths.setdefault(openapi_path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi_json(request: Request) -> Response:
    """Serve the document built at start-up."""
    return JSONResponse(request.app.state.openapi)


_DOCS_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1d2b36}
h1{font-size:1.4rem} .op{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0}
summary{padding:.5rem;cursor:pointer} .m{display:inline-block;width:4.5rem;font-weight:700}
.get{color:#0969da}.post{color:#1a7f37}.put{color:#9a6700}.delete{color:#cf222e}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;margin:0 .5rem .5rem}
.desc{margin:.25rem .5rem} code{background:#f6f8fa;padding:0 .2rem}
"""
_DOCS_SCRIPT = """
fetch('/openapi.json').then(r => r.json()).then(doc => {
  const box = document.getElementById('ops'); box.textContent = '';
  const resolve = s => s && s.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const d = document.createElement('details'); d.className = 'op';
      const s = document.createElement('summary');
      s.innerHTML = `<span class="m ${method}">${method.toUpperCase()}</span>`;
      s.append(path + ' — ' + (op.summary || ''));
      d.append(s);
      if (op.description) {
        for (const para of op.description.split('\\n\\n')) {
          const p = document.createElement('p'); p.className = 'desc';
          para.split('`').forEach((part, i) => {
            const c = document.createElement(i % 2 ? 'code' : 'span');
            c.textContent = part; p.append(c);
          });
          d.append(p);
        }
      }
      const body = op.requestBody && resolve(op.requestBody.content['application/json'].schema);
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify({parameters: op.parameters,
        body, responses: op.responses}, null, 2);
      d.append(pre); box.append(d);
    }
  }
});
"""
_DOCS_PAGE = (
    """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>EHC API</title>
<style>"""
    + _DOCS_STYLE
    + """</style></head><body><h1>Electronic health card API</h1>
<p>The machine-readable contract is <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script>"""
    + _DOCS_SCRIPT
    + """</script></body></html>"""
)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# The page's own policy: the common one (api/web/middleware.py) plus its inline script and style.
_DOCS_CSP = CSP.replace("script-src 'self'", f"script-src 'self' {_sha256(_DOCS_SCRIPT)}").replace(
    "style-src 'self'", f"style-src 'self' {_sha256(_DOCS_STYLE)}"
)


async def docs_page(request: Request) -> Response:
    """A self-contained page (no CDN) listing every endpoint from /openapi.json."""
    return HTMLResponse(_DOCS_PAGE, headers={"Content-Security-Policy": _DOCS_CSP})
