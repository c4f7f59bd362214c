"""``/metrics``: the service's counters in the Prometheus text format.

Requests and their latency are labelled by Flask endpoint (``api.ask``; ``unmatched`` for
an unknown address), method and status class (``2xx``), never by path or query, so the
number of series stays bounded and no question text becomes a label. Answers are counted
by kind, feedback by helpful yes or no, and answers whose row the database failed to take.
The index build and passage count, and whether the database answered a check in the last
few seconds, are read when scraped.

Only clients whose connecting address is in ``PAIR_METRICS_ALLOW`` may read it (loopback
by default); anyone else gets the ordinary 404 page. The address checked is the one that
opened the connection, never one taken from ``X-Forwarded-For``, and a request that
carries a proxy header at all is refused: it came through the reverse proxy (which, on
the same host, would otherwise look like loopback) or forged one. Prometheus scrapes the
app directly.

Under gunicorn every worker writes its counters to shared files (prometheus-client's
multiprocess mode, set up by :func:`assistant.web.prefork.metrics_folder`) and a scrape
answered by any worker adds them all up.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    values,
)
from prometheus_client import generate_latest as exposition
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from assistant.config import Settings
from assistant.store.database import Store, get_store
from assistant.web import engine, settings
from assistant.web.logs import elapsed

bp = Blueprint("metrics", __name__)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
KINDS = ("card", "extract", "refused", "signposted")
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
HEALTH_SECONDS = 5.0
NETWORKS = "pair.metrics_allow"
# the text format every Prometheus server reads; the metric names need no escaping
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# no *_created series: they would double the output and tell an operator nothing
disable_created_metrics()  # type: ignore[no-untyped-call]
COUNTED = CollectorRegistry()
LABELS = ("endpoint", "method", "status")
REQUESTS = Counter(
    "pair_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status class.",
    LABELS,
    registry=COUNTED,
)
LATENCY = Histogram(
    "pair_http_request_duration_seconds",
    "Time from a request reaching the app to its response, in seconds.",
    LABELS,
    registry=COUNTED,
)
ANSWERS = Counter(
    "pair_answers",
    "Answers given, by kind: card, extract, refused or signposted.",
    ("kind",),
    registry=COUNTED,
)
FEEDBACK = Counter(
    "pair_feedback",
    'Feedback recorded on answers, by "Was this helpful?": yes or no.',
    ("helpful",),
    registry=COUNTED,
)
UNRECORDED = Counter(
    "pair_answers_unrecorded",
    "Answers given whose row could not be written to the database (it failed or was down).",
    registry=COUNTED,
)
for _helpful in ("yes", "no"):
    FEEDBACK.labels(helpful=_helpful)


def init_app(app: Flask, config: Settings) -> None:
    app.extensions[NETWORKS] = [ipaddress.ip_network(n) for n in config.metrics_allow]
    app.register_blueprint(bp)
    app.after_request(_count_request)


# the labelled series each request counts in, looked up once per label values (a bounded
# set: endpoints, methods and status classes) instead of through ``labels()`` every time
_ANSWER_SERIES = {kind: ANSWERS.labels(kind=kind) for kind in KINDS}
_request_series: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def count_answer(kind: str) -> None:
    _ANSWER_SERIES.get(kind, _ANSWER_SERIES["extract"]).inc()


def count_unrecorded(rows: int) -> None:
    UNRECORDED.inc(rows)


def count_feedback(helpful: bool) -> None:
    FEEDBACK.labels(helpful="yes" if helpful else "no").inc()


def _count_request(response: Response) -> Response:
    method = request.method if request.method in METHODS else "other"
    labels = (request.endpoint or "unmatched", method, f"{response.status_code // 100}xx")
    series = _request_series.get(labels)
    if series is None:
        series = _request_series.setdefault(
            labels, (REQUESTS.labels(*labels), LATENCY.labels(*labels))
        )
    series[0].inc()
    series[1].observe(elapsed())
    return response


@bp.get("/metrics")
def metrics() -> Response:
    if not may_scrape(request.environ, current_app.extensions[NETWORKS]):
        abort(404)
    registry = CollectorRegistry()
    registry.register(_Families(_counted, _live))
    response = Response(exposition(registry), content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def may_scrape(environ: Mapping[str, Any], networks: Sequence[Network]) -> bool:
    """Whether the connecting client is allowed, and came through no proxy."""
    if any(environ.get(header) is not None for header in PROXY_HEADERS):
        return False
    direct = environ.get("werkzeug.proxy_fix.orig", environ)
    try:
        address = ipaddress.ip_address(str(direct.get("REMOTE_ADDR", "")).split("%", 1)[0])
    except ValueError:  # a Unix socket, or no address at all
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


class _Families:
    """A collector made of functions that each return metric families."""

    def __init__(self, *sources: Callable[[], Iterable[Metric]]) -> None:
        self.sources = sources

    def collect(self) -> Iterable[Metric]:
        for source in self.sources:
            yield from source()


def _counted() -> Iterable[Metric]:
    """This process's counters, or every worker's when several share the files."""
    if values.ValueClass is values.MutexValue:
        return COUNTED.collect()
    families: Iterable[Metric] = MultiProcessCollector(None).collect()  # type: ignore[no-untyped-call]
    return families


def _live() -> Iterable[Metric]:
    manifest = engine().index.manifest
    info = InfoMetricFamily("pair_index", "The index build answers come from.")
    info.add_metric([], {"build_id": str(manifest["build_id"]), "model": str(manifest["model"])})
    passages = GaugeMetricFamily(
        "pair_index_passages", "Passages in the index build answers come from."
    )
    passages.add_metric([], float(manifest["passage_count"]))
    database = GaugeMetricFamily(
        "pair_database_up",
        "1 when the database answered a check in the last few seconds, 0 when it did not.",
    )
    database.add_metric([], 1.0 if database_up(get_store(settings())) else 0.0)
    return [info, passages, database]


_checked: dict[str, tuple[float, bool]] = {}
_lock = threading.Lock()


def database_up(store: Store) -> bool:
    """``store.healthy()``, asked at most once every few seconds per process."""
    with _lock:
        at, up = _checked.get(store.url, (-math.inf, False))
    if time.monotonic() - at < HEALTH_SECONDS:
        return up
    up = store.healthy()
    with _lock:
        _checked[store.url] = (time.monotonic(), up)
    return up
