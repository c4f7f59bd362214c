"""``/metrics``: what an operator's Prometheus reads, and who may read it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.store.database import get_store
from assistant.web import create_app

CARD = "What is a Section 75 agreement?"
ANSWERED = "How many specialised parent-infant teams are in England?"
REFUSED = "What is the best recipe for lemon drizzle cake zebracorn?"
PARENT = "My baby won't stop crying and I can't cope, what should I do?"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture()
def fresh(settings: Settings, engine: Engine, tmp_path) -> Flask:  # type: ignore[no-untyped-def]
    own = replace(settings, instance_dir=tmp_path)
    get_store(own).upgrade()
    return create_app({"TESTING": True}, settings=own)


def scrape(client: FlaskClient, **environ: str) -> Samples:
    response = client.get("/metrics", environ_base=environ)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def kind_of(data: dict) -> str:
    if data.get("signpost"):
        return "signposted"
    return "refused" if data["abstained"] else str(data.get("kind", "extract"))


def test_answers_are_counted_by_kind_and_requests_by_endpoint(fresh: Flask) -> None:
    client = fresh.test_client()
    before = scrape(client)
    kinds = []
    for question in (CARD, ANSWERED, REFUSED, PARENT):
        response = client.post("/api/ask", json={"message": question})
        assert response.status_code == 200
        kinds.append(kind_of(response.get_json()))
    assert {"card", "refused", "signposted"} <= set(kinds)
    client.post("/", data={"message": REFUSED})  # the no-JavaScript form counts too
    kinds.append("refused")
    after = scrape(client)
    for kind in ("card", "extract", "refused", "signposted"):
        delta = value(after, "pair_answers_total", kind=kind) - value(
            before, "pair_answers_total", kind=kind
        )
        assert delta == kinds.count(kind), kind
    ask = {"endpoint": "api.ask", "method": "POST", "status": "2xx"}
    assert (
        value(after, "pair_http_requests_total", **ask)
        - value(before, "pair_http_requests_total", **ask)
        == 4
    )
    count = value(after, "pair_http_request_duration_seconds_count", **ask)
    assert value(after, "pair_http_request_duration_seconds_bucket", le="+Inf", **ask) == count
    assert value(after, "pair_http_request_duration_seconds_sum", **ask) > 0
    assert value(after, "pair_http_request_duration_seconds_bucket", le="0.005", **ask) < count


def test_unknown_addresses_are_one_label_and_questions_never_labels(fresh: Flask) -> None:
    client = fresh.test_client()
    client.get("/no/such/page/zebracorn")
    client.get("/search?q=zebracorn")
    client.post("/api/ask", json={"message": REFUSED})
    body = client.get("/metrics").get_data(as_text=True)
    assert "zebracorn" not in body and "/no/such" not in body
    assert 'endpoint="unmatched",method="GET",status="4xx"' in body
    assert 'endpoint="search.page",method="GET",status="2xx"' in body


def test_feedback_is_counted_helpful_or_not(fresh: Flask) -> None:
    client = fresh.test_client()
    before = scrape(client)
    for helpful in (True, False, False):
        answer_id = client.post("/api/ask", json={"message": ANSWERED}).get_json()["answer_id"]
        response = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": helpful})
        assert response.status_code == 200
    client.post("/api/feedback", json={"answer_id": "forged", "helpful": True})  # not recorded
    after = scrape(client)
    yes = value(after, "pair_feedback_total", helpful="yes")
    no = value(after, "pair_feedback_total", helpful="no")
    assert yes - value(before, "pair_feedback_total", helpful="yes") == 1
    assert no - value(before, "pair_feedback_total", helpful="no") == 2


def test_the_index_build_and_database_health_are_reported(
    fresh: Flask, settings: Settings, engine: Engine
) -> None:
    client = fresh.test_client()
    health = client.get("/healthz").get_json()
    samples = scrape(client)
    labels = {"build_id": health["build_id"], "model": health["model"]}
    assert value(samples, "pair_index_info", **labels) == 1
    assert value(samples, "pair_index_passages") == health["passages"]
    assert value(samples, "pair_database_up") == 1
    down = replace(settings, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    broken = create_app({"TESTING": True}, settings=down).test_client()
    assert broken.post("/api/ask", json={"message": ANSWERED}).status_code == 200
    assert value(scrape(broken), "pair_database_up") == 0


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_may_scrape_by_default(client: FlaskClient, address: str) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.20", "2001:db8::1", "", "unix"])
def test_other_addresses_get_the_ordinary_not_found_page(client: FlaskClient, address: str) -> None:
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    missing = client.get("/no-such-page", environ_base={"REMOTE_ADDR": address})
    assert refused.status_code == 404
    assert refused.get_data() == missing.get_data()
    assert b"pair_" not in refused.get_data()


def test_the_allowlist_names_addresses_and_networks(settings: Settings, engine: Engine) -> None:
    own = replace(settings, metrics_allow=("10.20.0.0/16", "2001:db8::7/128"))
    client = create_app({"TESTING": True}, settings=own).test_client()
    for address, status in (
        ("10.20.3.4", 200),
        ("2001:db8::7", 200),
        ("10.21.0.1", 404),
        ("127.0.0.1", 404),
    ):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == status, address


@pytest.mark.parametrize("hops", [0, 1])
@pytest.mark.parametrize(
    ("peer", "header", "forwarded"),
    [
        ("203.0.113.9", "X-Forwarded-For", "127.0.0.1"),  # forged from outside
        ("127.0.0.1", "X-Forwarded-For", "203.0.113.9"),  # a proxy on the same host
        ("127.0.0.1", "X-Forwarded-For", "127.0.0.1"),  # even a loopback visitor, proxied
        ("127.0.0.1", "Forwarded", "for=203.0.113.9"),
        ("127.0.0.1", "X-Real-IP", "203.0.113.9"),
    ],
)
def test_a_request_through_a_proxy_never_reads_metrics(
    settings: Settings, engine: Engine, hops: int, peer: str, header: str, forwarded: str
) -> None:
    client = create_app({"TESTING": True}, settings=replace(settings, proxy_hops=hops))
    response = client.test_client().get(
        "/metrics", headers={header: forwarded}, environ_base={"REMOTE_ADDR": peer}
    )
    assert response.status_code == 404


def test_scrapes_set_no_cookie_and_are_not_rate_limited(settings: Settings, engine: Engine) -> None:
    own = replace(settings, rate_limit="2/minute", lookup_rate_limit="2/minute")
    client = create_app({"TESTING": True}, settings=own).test_client()
    for _ in range(6):
        response = client.get("/metrics")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "X-RateLimit-Limit" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
