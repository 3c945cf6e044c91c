"""The indexed router picks, for every path of the API, the route Starlette's full scan picks."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Match, Mount, Route

from api.settings import Settings
from api.web.app import create_app
from api.web.routing import IndexedRouter
from miniapp_mock.app import create_mock_app

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _scan(routes: list, scope: dict) -> tuple[object, Match]:
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route, match
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial, Match.PARTIAL if partial else Match.NONE


def _indexed(router: IndexedRouter, scope: dict) -> tuple[object, Match]:
    return _scan(router.candidates(scope["path"]), scope)


def _scope(method: str, path: str) -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": ""}


def _paths_of(route: Route) -> list[str]:
    # Each parameter as a plain word and as a number, and the static words of other routes
    # (so that "/cards/{card_id}" meets "/cards/bindings"-like neighbours).
    return [_PARAM.sub(value, route.path) for value in ("abc123", "42", "qrcode", "verify")]


@pytest.fixture(scope="module")
def router() -> IndexedRouter:
    app = create_app(Settings.from_env(), extra_routes=[Mount("/mock", create_mock_app())])
    assert isinstance(app.router, IndexedRouter)
    return app.router


def test_every_route_is_found_as_the_full_scan_finds_it(router: IndexedRouter) -> None:
    routes = [r for r in router.routes if isinstance(r, Route)]
    tried = 0
    for route in routes:
        for path in _paths_of(route):
            for method in ("GET", "POST", "PUT", "DELETE"):
                scope = _scope(method, path)
                assert _indexed(router, scope) == _scan(router.routes, scope), (method, path)
                tried += 1
    assert tried > 1000  # the whole API was walked


@pytest.mark.parametrize(
    "path",
    [
        "/mock/wechat/apps", "/nowhere", "/api/v1/pos/verify/", "/api/v1/cards", "/", "/api",
        "/api/v1/cards/abc123/qrcode/", "/api/v1/cards/abc123/qrcode/more/segments",
        "/api/v1/cards//qrcode", "/api/v1/admin/institutions/x/y/z",
    ],
)  # fmt: skip
def test_paths_outside_the_index_are_found_as_before(router: IndexedRouter, path: str) -> None:
    for method in ("GET", "POST"):
        scope = _scope(method, path)
        assert _indexed(router, scope) == _scan(router.routes, scope)


def test_a_route_added_later_is_found(router: IndexedRouter) -> None:
    async def late(request):  # pragma: no cover - never called
        raise AssertionError

    router.routes.append(Route("/api/v1/pos/late-addition", late, methods=["GET"]))
    try:
        found, match = _indexed(router, _scope("GET", "/api/v1/pos/late-addition"))
        assert match is Match.FULL and found is router.routes[-1]
    finally:
        router.routes.pop()


def test_a_route_of_any_depth_is_found_at_every_depth(router: IndexedRouter) -> None:
    async def files(request):  # pragma: no cover - never called
        raise AssertionError

    router.routes.append(Route("/api/v1/cards/files/{rest:path}", files, methods=["GET"]))
    try:
        for path in ("/api/v1/cards/files/a", "/api/v1/cards/files/a/b/c/d"):
            scope = _scope("GET", path)
            assert _indexed(router, scope) == _scan(router.routes, scope)
        deep, match = _indexed(router, _scope("GET", "/api/v1/cards/files/a/b/c/d"))
        assert match is Match.FULL and deep is router.routes[-1]
    finally:
        router.routes.pop()
