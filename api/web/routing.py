"""Route lookup that does not try every route's regex on every request.

Starlette's router tries the routes in order until one matches: with some 200 routes, a path
near the end of the list (a terminal's verify, the benches' own routes) cost ~80-150 µs of
regex matching per request under load (bench/README.md, the profile). :class:`IndexedRouter`
tries only the routes that *could* match, in the same order, so the first match is the one the
full scan would find:

- a path with no parameters that some route spells out exactly (``/api/v1/pos/verify``) gets
  the routes whose pattern matches that very path, worked out once;
- any other path gets the routes whose literal beginning shares its first three segments
  (``/api/v1/cards``) and that have as many segments as it (a ``{card_id}`` is one; a
  ``{rest:path}`` may be any number), plus every route too short to say (and every mount).

Nothing found is handed to Starlette's own scan, so 405, slash redirects and 404 are as before.
"""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

KEY_SEGMENTS = 3  # "/api/v1/cards/..." → "/api/v1/cards"


def _key(path: str) -> str:
    return "/".join(path.split("/", KEY_SEGMENTS + 1)[: KEY_SEGMENTS + 1])


def _literal_key(route: BaseRoute) -> str | None:
    """The key every path this route matches has, or None when its literal beginning is too
    short to tell (or it is not a plain route)."""
    if not isinstance(route, Route):
        return None
    literal = route.path.split("{", 1)[0]
    if "{" not in route.path or literal.count("/") > KEY_SEGMENTS:
        return _key(literal)
    return None


class IndexedRouter(Router):
    """A :class:`starlette.routing.Router` that looks only at the routes that could match
    (module docstring); routes added later are indexed on the next request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._indexed: tuple[int, ...] = ()  # what _listing() was when the index was built
        self._exact: dict[str, list[BaseRoute]] = {}
        self._by_key: dict[str, list[BaseRoute]] = {}
        self._by_shape: dict[tuple[str, int], list[BaseRoute]] = {}
        self._anywhere: list[BaseRoute] = []

    def _index(self) -> None:
        keys = [_literal_key(route) for route in self.routes]
        self._anywhere = [r for r, k in zip(self.routes, keys, strict=True) if k is None]
        self._by_key = {
            key: [r for r, k in zip(self.routes, keys, strict=True) if k in (key, None)]
            for key in {k for k in keys if k is not None}
        }
        self._by_shape = {
            (key, depth): [r for r in routes if _segments(r) in (depth, None)]
            for key, routes in self._by_key.items()
            for depth in {_segments(r) for r in routes} - {None}
        }
        self._exact = {}
        for route in self.routes:
            if isinstance(route, Route) and "{" not in route.path:
                path = route.path
                candidates = self._by_key.get(_key(path), self._anywhere)
                self._exact[path] = [r for r in candidates if _could_match(r, path)]
        self._indexed = self._listing()

    def _listing(self) -> tuple[int, ...]:
        # The list, its length and its last route: a route added (or one taken off and
        # another added) changes one of them.
        last = id(self.routes[-1]) if self.routes else 0
        return (id(self.routes), len(self.routes), last)

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes that could match ``path``, in the router's order."""
        if self._indexed != self._listing():
            self._index()
        found = self._exact.get(path)
        if found is not None:
            return found
        key = _key(path)
        found = self._by_shape.get((key, path.count("/")))
        if found is not None:
            return found
        return self._by_key.get(key, self._anywhere)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        partial = None
        partial_scope: dict[str, Any] = {}
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:  # e.g. the wrong method: 405
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)  # slash redirects and 404, as Starlette does


def _segments(route: BaseRoute) -> int | None:
    """How many segments every path this route matches has (None: any number, or not a
    plain route)."""
    if not isinstance(route, Route) or ":path}" in route.path:
        return None
    return route.path.count("/")


def _could_match(route: BaseRoute, path: str) -> bool:
    if isinstance(route, Route):
        return route.path_regex.match(path) is not None
    return True  # mounts and others: let them decide at request time
