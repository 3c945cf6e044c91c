"""``GET /metrics`` (Prometheus text format) and the per-request recording behind it.

Requests are labelled by their route template (``/api/v1/cards/{card_id}/qrcode``), never by
the path a client sent, so the number of series stays bounded; anything no route matched
(404s, the demo's mounted stand-ins) is ``unmatched``. Recording is on the QR hot path: the
labelled children are looked up once per (route, method, status) and kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from api import metrics
from api.outbox import backlog
from api.web.caller import ctx_of

UNMATCHED = "unmatched"
_SCRAPE_TIMEOUT = 2.0


def route_templates(routes: Iterable[BaseRoute]) -> dict[Any, str]:
    """Each route's endpoint → its path template (every ``api_route`` has its own endpoint)."""
    return {route.endpoint: route.path for route in routes if isinstance(route, Route)}


class RequestRecorder:
    """Counts a request and observes its latency under its route template."""

    def __init__(self, templates: dict[Any, str]) -> None:
        self.templates = templates
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record(self, scope: dict[str, Any], status: int, seconds: float) -> None:
        """Called once per answered HTTP request."""
        route = self.templates.get(scope.get("endpoint"), UNMATCHED)
        method = scope["method"]
        label = (route, method, status)
        children = self._children.get(label)
        if children is None:
            children = (
                metrics.REQUESTS.labels(route, method, str(status)),
                metrics.LATENCY.labels(route, method),
            )
            self._children[label] = children
        children[0].inc()
        children[1].observe(seconds)


class _ReadNow:
    """Values read at scrape time (not counted), as a registry :func:`generate_latest` reads
    (it only calls ``collect``)."""

    def __init__(self, families: Sequence[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.families


async def _backlog_families() -> list[GaugeMetricFamily]:
    waiting = GaugeMetricFamily(
        "ehc_outbox_backlog", "Outbox messages not yet delivered, by status", labels=("status",)
    )
    oldest = GaugeMetricFamily(
        "ehc_outbox_oldest_age_seconds", "Age of the oldest outbox message waiting for delivery"
    )
    try:
        found = await asyncio.wait_for(backlog.read(), _SCRAPE_TIMEOUT)
    except Exception as exc:  # the scrape still answers; the failure is counted
        metrics.DB_ERRORS.labels(type(exc).__name__).inc()
        return []
    for status, count in sorted(found.counts.items()):
        waiting.add_metric((status,), count)
    oldest.add_metric((), found.oldest_age)
    return [waiting, oldest]


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format: this process's (or, with several workers, every worker's)
    counters and histograms, and the outbox backlog read now."""
    ctx_of(request)  # the lifespan has run
    read = _ReadNow(await _backlog_families())
    body = generate_latest(metrics.scrape_registry()) + generate_latest(read)  # type: ignore[arg-type]
    return Response(body, media_type=CONTENT_TYPE_LATEST)
