"""What the service counts for its operators (``GET /metrics``, Prometheus text format).

The counters live here, in the core, so that services count their own outcomes (verifications,
bookings) without knowing about the web. Under ``ehc serve --workers N`` every worker process
writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` (set up by ``ehc serve`` before the
workers start) and a scrape of any worker adds them up; a single process keeps them in memory.

What is cheaper to read than to count (the outbox backlog and its oldest message's age) is read
from the database at scrape time (``api.web.metrics``).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client import multiprocess as _multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
disable_created_metrics()  # no ``*_created`` series: half the scrape, nothing we read
# Request latency buckets (seconds): a QR verification takes about a millisecond, a booking in
# a rush tens to hundreds, an upstream call up to the upstream timeout.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUESTS = Counter(
    "ehc_http_requests", "HTTP requests answered, by route template, method and status",
    ("route", "method", "status"),
)  # fmt: skip
LATENCY = Histogram(
    "ehc_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
    ("route", "method"), buckets=LATENCY_BUCKETS,
)  # fmt: skip
VERIFICATIONS = Counter(
    "ehc_verifications", "QR code verifications, by outcome (ok or the refusal's error code)",
    ("outcome",),
)  # fmt: skip
BOOKINGS = Counter(
    "ehc_bookings", "Booking attempts, by outcome (booked or the refusal's error code)",
    ("outcome",),
)  # fmt: skip
STORE_ERRORS = Counter(
    "ehc_store_errors", "Redis failures that reached a request or a probe, by kind", ("kind",)
)
DB_ERRORS = Counter(
    "ehc_db_errors", "Database failures that reached a request or a probe, by kind", ("kind",)
)

# The hot paths' successes, bound once (``labels`` takes a lock and a look-up per call).
VERIFIED = VERIFICATIONS.labels("ok")
BOOKED = BOOKINGS.labels("booked")

# Outcomes that are not a domain refusal: the store or the database failed under the request.
FAILED = "error"


def multiprocess_dir() -> str | None:
    """The folder the workers share their values through, when several processes serve."""
    return os.environ.get(MULTIPROC_ENV) or None


def scrape_registry() -> CollectorRegistry:
    """The registry a scrape reads: every worker's values in multi-process mode, else this
    process's."""
    folder = multiprocess_dir()
    if folder is None:
        from prometheus_client import REGISTRY

        return REGISTRY
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


def outcome_of(exc: BaseException) -> str:
    """The outcome label of a failed attempt: the domain error's code, else ``error``."""
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else FAILED
