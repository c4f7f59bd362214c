"""Property tests (Hypothesis) over the question API, the lookup API and the estimator.

Whatever a client sends, the answer is a 2xx or a 4xx in the API's error shape, never a
crash. `make test` runs 1,000 examples of each (the "ci" profile, derandomised so a run is
repeatable); `make fuzz` runs the "fuzz" profile: many more, freshly random each time.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import Settings
from assistant.errors import ValidationError
from assistant.journey.estimator import MAX_BIRTHS, estimate, parse_births
from assistant.search.engine import Engine
from assistant.web import create_app
from assistant.web.journey import guide
from tests.security.corpus import FEEDBACK_PATH

settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20000")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
ANY_CHAR = st.one_of(st.characters(), SURROGATES, st.sampled_from(["\x00", "\u202e", "²", "①"]))
TEXT = st.text(ANY_CHAR, max_size=200) | st.sampled_from(["funding", "JSNA", "", " "])
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
ASK_BODIES = st.one_of(
    st.fixed_dictionaries({"message": TEXT}),
    st.fixed_dictionaries(
        {"message": TEXT},
        optional={"node": JSON, "history": JSON, "extra": JSON},
    ),
    st.fixed_dictionaries(
        {
            "message": TEXT,
            "history": st.lists(
                st.fixed_dictionaries(
                    {"message": TEXT}, optional={"citations": st.lists(TEXT, max_size=3)}
                ),
                max_size=3,
            ),
        }
    ),
    JSON,
)


@pytest.fixture(scope="module")
def open_app(settings: Settings, engine: Engine) -> Flask:
    """The real app with rate limits off, so every example reaches its view."""
    return create_app({"TESTING": False}, settings=settings.replace(rate_limit=""))


def _encode(body: Any, raw: bool) -> bytes:
    """JSON with surrogates escaped (as JavaScript sends them), or raw UTF-8 bytes."""
    text = json.dumps(body, ensure_ascii=not raw)
    return text.encode("utf-8", "replace" if raw else "strict")


def _check(response: Any, ok: tuple[int, ...]) -> dict[str, Any]:
    assert response.status_code < 500, response.data[:300]
    data: dict[str, Any] = json.loads(response.data)
    if response.status_code >= 400:
        assert set(data) == {"error"}
        assert set(data["error"]) == {"code", "message"}
    else:
        assert response.status_code in ok
    return data


@given(body=ASK_BODIES, raw=st.booleans())
def test_ask_answers_or_refuses_any_body(open_app: Flask, body: Any, raw: bool) -> None:
    client = open_app.test_client()
    response = client.post("/api/ask", data=_encode(body, raw), content_type="application/json")
    data = _check(response, (200,))
    if response.status_code == 200:
        assert isinstance(data["answer"], str)
        assert isinstance(data["citations"], list)


@given(
    q=TEXT,
    k=st.one_of(st.none(), st.integers(-5, 100).map(str), TEXT),
    topic=st.one_of(st.none(), TEXT),
    source=st.one_of(st.none(), TEXT),
)
def test_search_finds_or_refuses_any_query(
    open_app: Flask, q: str, k: str | None, topic: str | None, source: str | None
) -> None:
    params = {"q": q, "k": k, "topic": topic, "source": source}
    query = "&".join(
        f"{name}={quote(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in params.items()
        if value is not None
    )
    client: FlaskClient = open_app.test_client()
    data = _check(client.get(f"/api/search?{query}"), (200,))
    if "results" in data:
        assert len(data["results"]) <= 50


@given(raw=st.one_of(TEXT, st.integers(-10, 2 * MAX_BIRTHS).map(str), st.integers().map(str)))
def test_births_are_a_whole_number_in_range_or_refused(raw: str) -> None:
    try:
        births = parse_births(raw)
    except ValidationError as exc:
        assert exc.status == 422
        return
    assert 1 <= births <= MAX_BIRTHS
    assert str(births) == raw.strip().replace(",", "").replace(" ", "").lstrip("0")


@given(births=st.integers(1, MAX_BIRTHS - 1))
def test_more_births_never_mean_fewer_families(open_app: Flask, births: int) -> None:
    with open_app.app_context():
        rates = guide().rates
    lower, higher = estimate(births, rates), estimate(births + 1, rates)
    for a, b in zip(lower.figures, higher.figures, strict=True):
        assert 0 <= a.low <= a.high
        assert b.low >= a.low and b.high >= a.high


@given(births=st.one_of(TEXT, st.integers(-10, 2 * MAX_BIRTHS).map(str)))
def test_the_estimator_api_answers_or_refuses_any_figure(open_app: Flask, births: str) -> None:
    value = quote(births.encode("utf-8", "surrogatepass"))
    response = open_app.test_client().get(f"/api/journey/needs-estimate?births={value}")
    data = _check(response, (200,))
    if response.status_code == 200 and "estimate" in data:
        assert data["estimate"]["births"] >= 1


@given(body=ASK_BODIES, raw=st.booleans())
def test_feedback_accepts_or_refuses_any_body(open_app: Flask, body: Any, raw: bool) -> None:
    """The hook for the feedback API: runs once the route is part of the app."""
    if not any(r.rule == FEEDBACK_PATH for r in open_app.url_map.iter_rules()):
        pytest.skip(f"{FEEDBACK_PATH} is not part of this app")
    response = open_app.test_client().post(
        FEEDBACK_PATH, data=_encode(body, raw), content_type="application/json"
    )
    _check(response, (200, 201, 202, 204))
