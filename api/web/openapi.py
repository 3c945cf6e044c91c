"""/openapi.json built from the endpoint declarations, and /docs, a page that shows it."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.errors import HTTP_STATUS
from api.schemas import ErrorOut
from api.web.endpoint import EndpointSpec

_REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _component_name(model: type[BaseModel], schema: dict[str, Any], components: dict) -> str:
    """The model's name, prefixed with its area when another area has a model of that name
    (``api.admin.schemas.SessionRequest`` and ``api.channels.schemas.SessionRequest``)."""
    name = model.__name__
    if name in components and components[name] != schema:
        area = model.__module__.split(".")[1] if model.__module__.count(".") else ""
        name = area.title().replace("_", "") + name
    return name


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    name = _component_name(model, schema, components)
    components[name] = schema
    return {"$ref": _REF.format(model=name)}


def _operation(spec: EndpointSpec, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": spec.summary, "tags": list(spec.tags) or ["misc"]}
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(spec.path)
    ]
    if spec.query is not None:
        for name, field in spec.query.model_fields.items():
            params.append(
                {"name": name, "in": "query", "required": field.is_required(), "schema": {}}
            )
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(spec.body, components)}},
        }
    ok: dict[str, Any] = {"description": "success"}
    if spec.response is not None:
        ok["content"] = {"application/json": {"schema": _schema(spec.response, components)}}
    responses: dict[str, Any] = {str(spec.status): ok}
    error_ref = _schema(ErrorOut, components)
    for code in spec.errors:
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


_DOCS_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>EHC API</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1d2b36}
h1{font-size:1.4rem} .op{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0}
summary{padding:.5rem;cursor:pointer} .m{display:inline-block;width:4.5rem;font-weight:700}
.get{color:#0969da}.post{color:#1a7f37}.put{color:#9a6700}.delete{color:#cf222e}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;margin:0 .5rem .5rem}
.desc{margin:.25rem .5rem} code{background:#f6f8fa;padding:0 .2rem}
</style></head><body><h1>Electronic health card API</h1>
<p>The machine-readable contract is <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script>
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
        for (const para of op.description.split('\n\n')) {
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
</script></body></html>"""


async def docs_page(request: Request) -> Response:
    """A self-contained page (no CDN) listing every endpoint from /openapi.json."""
    return HTMLResponse(_DOCS_PAGE)
